"""Who saw a party's personal data unmasked: the append-only access log."""

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from casework.models.cases import Case
from casework.models.records import AppendOnlyModel


class AccessChannel(models.TextChoices):
    PAGE = "page", _("Page")
    API = "api", _("API")
    EXPORT = "export", _("Export")
    PDF = "pdf", _("PDF")


class AppendOnlyQuerySet(models.QuerySet):
    """Bulk updates and deletes are refused too, not only a row's save() and delete()."""

    def update(self, **kwargs):
        raise PermissionDenied(_("%(model)s records cannot be changed.") % {"model": self.model._meta.verbose_name})

    def delete(self):
        raise PermissionDenied(_("%(model)s records cannot be deleted.") % {"model": self.model._meta.verbose_name})


class PersonalDataAccess(AppendOnlyModel):
    """One request that showed a case's party data unmasked (ID number, phone) to someone.

    Written only by casework.services.personal_data, the one place that hands out unmasked data:
    one row per request and case (a list or an export writes one row per case it unmasked,
    with a single INSERT)."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+",
                             verbose_name=_("user"))
    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="+", verbose_name=_("case"))
    accessed_at = models.DateTimeField(_("accessed at"), default=timezone.now)
    channel = models.CharField(_("where"), max_length=10, choices=AccessChannel.choices)
    fields = models.CharField(_("what was shown"), max_length=100,
                              help_text=_("The party's fields shown unmasked, comma-separated."))
    detail = models.CharField(_("detail"), max_length=200, blank=True,
                              help_text=_("The page or endpoint, the export, or the document number."))

    objects = AppendOnlyQuerySet.as_manager()

    class Meta:
        ordering = ["-accessed_at", "-id"]
        indexes = [
            models.Index(fields=["case", "accessed_at"], name="pdaccess_case_idx"),
            models.Index(fields=["user", "accessed_at"], name="pdaccess_user_idx"),
        ]
        verbose_name = _("personal data access")
        verbose_name_plural = _("personal data accesses")

    def __str__(self) -> str:
        return f"{self.user_id} {self.case_id} {self.channel} {self.fields} @ {self.accessed_at:%Y-%m-%d %H:%M}"
