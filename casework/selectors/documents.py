"""Reading documents for pages: what a user may see, and verification by fingerprint."""

from __future__ import annotations

from casework.models import Case, Document, DocumentStatus, User


def case_visible_to(*, case: Case, user: User, action: str = "read_case") -> bool:
    """Whether `user` may read `case` (or perform `action` on it): casework.authorization's rule."""
    from casework.authorization import permits

    return permits(user, action, case=case)


def case_documents(*, case: Case) -> list[Document]:
    """The case's documents, oldest first, as its documents list shows them: each with its
    service (and who served it), the document it corrects (`supersedes`) and the ones that
    correct it (`superseded_by.all()`), in one query. The PDF's data snapshot is not loaded."""
    from casework.selectors.cases import person_only

    documents = list(
        Document.objects.filter(case=case).select_related("service", "service__served_by")
        .defer("data", *person_only("service__served_by")).order_by("created_at", "id")
    )
    link_corrections(documents)
    return documents


def link_corrections(documents: list[Document]) -> None:
    """Give each of a case's documents (all of them) the document it corrects (`supersedes`) and
    the ones that correct it (`superseded_by.all()`) from the list itself, without a query."""
    from casework.selectors.cases import seed_prefetched

    # A correction belongs to the case of the document it corrects (document_correct): both
    # ends of the link are in this list, so it is linked here rather than read twice more.
    by_pk = {document.pk: document for document in documents}
    newer: dict[int, list[Document]] = {}
    for document in documents:
        if document.supersedes_id in by_pk:
            document.supersedes = by_pk[document.supersedes_id]
            newer.setdefault(document.supersedes_id, []).append(document)
    for document in documents:
        seed_prefetched(document, "superseded_by", newer.get(document.pk, []))


def document_by_code(*, code: str) -> Document | None:
    """The document a verification code (typed from paper, any case) names, if any."""
    code = code.strip().upper()
    if not (code.isascii() and code.isalnum()):
        # Codes are letters and digits; anything else (a NUL, which PostgreSQL refuses in any
        # text, a server error on a public page) names no document.
        return None
    return Document.objects.filter(verification_code=code).select_related("case").first()


def document_matching(*, sha256: str) -> Document | None:
    """The issued document whose PDF has exactly this SHA-256, if any."""
    return Document.objects.filter(status=DocumentStatus.ISSUED, sha256=sha256).select_related("case").first()
