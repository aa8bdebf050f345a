"""Reading documents for pages: what a user may see, and verification by fingerprint."""

from __future__ import annotations

from django.db.models import QuerySet

from casework.models import Case, Document, DocumentStatus, User


def case_visible_to(*, case: Case, user: User) -> bool:
    """Same-squad users and office-wide users (legal reviewer, head, administrator) see a case."""
    return bool(user.is_authenticated and user.is_active and (user.sees_all_squads or user.squad_id == case.squad_id))


def case_documents(*, case: Case) -> QuerySet[Document]:
    return (Document.objects.filter(case=case).select_related("service", "service__served_by", "supersedes")
            .prefetch_related("superseded_by").order_by("created_at", "id"))


def document_by_code(*, code: str) -> Document | None:
    return Document.objects.filter(verification_code=code.strip().upper()).select_related("case").first()


def document_matching(*, sha256: str) -> Document | None:
    """The issued document whose PDF has exactly this SHA-256, if any."""
    return Document.objects.filter(status=DocumentStatus.ISSUED, sha256=sha256).select_related("case").first()
