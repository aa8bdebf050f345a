from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils.translation import gettext_lazy as _


class Squad(models.Model):
    """A squad (中队) of the office; cases and people belong to one."""

    name = models.CharField(_("name"), max_length=50, unique=True)
    code = models.SlugField(_("code"), max_length=20, unique=True)

    class Meta:
        ordering = ["code"]
        verbose_name = _("squad")
        verbose_name_plural = _("squads")

    def __str__(self) -> str:
        return self.name


class Community(models.Model):
    """A community or village (社区 / 村) covered by one squad."""

    name = models.CharField(_("name"), max_length=50)
    squad = models.ForeignKey(Squad, on_delete=models.PROTECT, related_name="communities", verbose_name=_("squad"))

    class Meta:
        ordering = ["squad__code", "name"]
        constraints = [models.UniqueConstraint(fields=["squad", "name"], name="community_unique_name_in_squad")]
        verbose_name = _("community")
        verbose_name_plural = _("communities")

    def __str__(self) -> str:
        return self.name


class Role(models.TextChoices):
    FIELD_OFFICER = "field_officer", _("Field officer")
    NEGOTIATOR = "negotiator", _("Negotiator")
    SUPERVISOR = "supervisor", _("Supervisor")
    LEGAL_REVIEWER = "legal_reviewer", _("Legal reviewer")
    HEAD_OF_OFFICE = "head_of_office", _("Head of office")
    ADMINISTRATOR = "administrator", _("Administrator")


# Roles whose holders work across every squad rather than inside one.
OFFICE_WIDE_ROLES = frozenset({Role.LEGAL_REVIEWER, Role.HEAD_OF_OFFICE, Role.ADMINISTRATOR})


class User(AbstractUser):
    """A person of the office. One person may hold several roles (e.g. officer and negotiator)."""

    full_name = models.CharField(_("full name"), max_length=50, help_text=_("Written in Chinese order, e.g. 张伟."))
    squad = models.ForeignKey(
        Squad, null=True, blank=True, on_delete=models.PROTECT, related_name="members", verbose_name=_("squad")
    )
    phone = models.CharField(_("phone"), max_length=20, blank=True)
    certificate_number = models.CharField(
        _("enforcement certificate number"),
        max_length=30,
        blank=True,
        help_text=_("执法证号; required for field officers to take part in inspections and enforcement."),
    )
    is_field_officer = models.BooleanField(_("field officer"), default=False)
    is_negotiator = models.BooleanField(_("negotiator"), default=False)
    is_supervisor = models.BooleanField(_("supervisor"), default=False)
    is_legal_reviewer = models.BooleanField(_("legal reviewer"), default=False)
    is_head_of_office = models.BooleanField(_("head of office"), default=False)
    is_administrator = models.BooleanField(_("administrator"), default=False)

    class Meta:
        verbose_name = _("person")
        verbose_name_plural = _("people")

    def __str__(self) -> str:
        return self.display_name

    @property
    def display_name(self) -> str:
        return self.full_name or self.get_username()

    def get_full_name(self) -> str:
        # Chinese names are family name first and unspaced; viewflow shows this string.
        return self.display_name

    def get_short_name(self) -> str:
        return self.display_name

    @property
    def roles(self) -> frozenset[str]:
        flags = {
            Role.FIELD_OFFICER: self.is_field_officer,
            Role.NEGOTIATOR: self.is_negotiator,
            Role.SUPERVISOR: self.is_supervisor,
            Role.LEGAL_REVIEWER: self.is_legal_reviewer,
            Role.HEAD_OF_OFFICE: self.is_head_of_office,
            Role.ADMINISTRATOR: self.is_administrator or self.is_superuser,
        }
        return frozenset(role for role, held in flags.items() if held)

    def has_role(self, role: str) -> bool:
        return role in self.roles

    @property
    def sees_all_squads(self) -> bool:
        return bool(self.roles & OFFICE_WIDE_ROLES)
