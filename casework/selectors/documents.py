"""Reading documents for pages: what a user may see, and verification by fingerprint."""

from __future__ import annotations

from django.db.models import QuerySet

from casework.models import Case, Document, DocumentStatus, User


def case_visible_to(*, case: Case, user: User, action: str = "read_case") -> bool:
    """Whether `user` may read `case` (or perform `action` on it): casework.authorization's rule."""
    from casework.authorization import permits

    return permits(user, action, case=case)


def case_documents(*, case: Case) -> QuerySet[Document]:
    return (Document.objects.filter(case=case).select_related("service", "service__served_by", "supersedes")
            .prefetch_related("superseded_by").order_by("created_at", "id"))


def document_by_code(*, code: str) -> Document | None:
    return Document.objects.filter(verification_code=code.strip().upper()).select_related("case").first()


def document_matching(*, sha256: str) -> Document | None:
    """The issued document whose PDF has exactly this SHA-256, if any."""
    return Document.objects.filter(status=DocumentStatus.ISSUED, sha256=sha256).select_related("case").first()
