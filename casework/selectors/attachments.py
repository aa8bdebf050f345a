"""Which attachments a user may read."""

from django.db.models import QuerySet

from casework.models import User
from casework.models.attachments import Attachment


def attachments_readable(*, user: User) -> QuerySet[Attachment]:
    """Attachments of the cases the user may read: office-wide roles read every squad's
    cases; everyone else reads the cases of their own squad only.

    The object-level rules across pages, API and exports (issue 9) will replace this rule
    with the shared one; until then it matches attachment_add's."""
    attachments = Attachment.objects.select_related("case")
    if not user.is_authenticated or not user.is_active:
        return attachments.none()
    if user.sees_all_squads:
        return attachments
    if user.squad_id is None:
        return attachments.none()
    return attachments.filter(case__squad_id=user.squad_id)
