"""Which attachments a user may read."""

from django.db.models import QuerySet

from casework.models import User
from casework.models.attachments import Attachment


def attachments_readable(*, user: User) -> QuerySet[Attachment]:
    """Attachments of the cases where the user may download them (casework.authorization's
    `download_attachment`: whoever may read the case)."""
    from casework.authorization import filter_cases

    return filter_cases(Attachment.objects.select_related("case"), user, "download_attachment", "case__")
