from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _

from casework.validators import validate_party_identifier


class PartyKind(models.TextChoices):
    PERSON = "person", _("Person")
    ORGANISATION = "organisation", _("Organisation")


class Party(models.Model):
    """The owner or builder of an illegal structure (当事人)."""

    kind = models.CharField(_("kind"), max_length=20, choices=PartyKind.choices, default=PartyKind.PERSON)
    name = models.CharField(_("name"), max_length=200)
    identifier = models.CharField(
        _("ID number or credit code"),
        max_length=18,
        blank=True,
        help_text=_("18-digit resident ID for a person, 18-character unified social credit code for an organisation."),
    )
    phone = models.CharField(_("phone"), max_length=30, blank=True)
    address = models.CharField(_("address"), max_length=500, blank=True)

    class Meta:
        verbose_name = _("party")
        verbose_name_plural = _("parties")

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        if self.identifier:
            try:
                validate_party_identifier(self.kind, self.identifier)
            except ValidationError as error:
                raise ValidationError({"identifier": error.messages}) from error

    @property
    def masked_identifier(self) -> str:
        """First 6 and last 4 characters (casework.services.personal_data decides who sees more)."""
        from casework.services.personal_data import mask_identifier

        return mask_identifier(self.identifier)
