import uuid
from pathlib import PurePath

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from casework.models.cases import Case
from casework.models.records import CaseEvent


def attachment_path(instance: "Attachment", filename: str) -> str:
    # Random names: an upload's own name may carry personal data and must not be guessable.
    suffix = PurePath(filename).suffix.lower()[:10]
    return f"attachments/{instance.case_id}/{uuid.uuid4().hex}{suffix}"


class AttachmentKind(models.TextChoices):
    PHOTO = "photo", _("Photo")
    AUDIO = "audio", _("Audio recording")
    SCAN = "scan", _("Scanned document")


class Attachment(models.Model):
    """A photo, recording or scan belonging to a case, optionally to one event of it
    (an inspection, a talk, a progress report, a service)."""

    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="attachments", verbose_name=_("case"))
    event = models.ForeignKey(
        CaseEvent, null=True, blank=True, on_delete=models.PROTECT, related_name="attachments", verbose_name=_("event")
    )
    kind = models.CharField(_("kind"), max_length=10, choices=AttachmentKind.choices)
    file = models.FileField(_("file"), upload_to=attachment_path)
    content_type = models.CharField(_("content type"), max_length=100)
    size = models.PositiveIntegerField(_("size (bytes)"))
    sha256 = models.CharField(_("SHA-256"), max_length=64)
    caption = models.CharField(_("caption"), max_length=200, blank=True)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    uploaded_at = models.DateTimeField(_("uploaded at"), auto_now_add=True)

    class Meta:
        ordering = ["uploaded_at", "id"]
        verbose_name = _("attachment")
        verbose_name_plural = _("attachments")

    def __str__(self) -> str:
        return self.caption or self.get_kind_display()
