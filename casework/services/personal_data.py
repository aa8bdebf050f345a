"""The party's personal data (ID number or credit code, phone): who sees it unmasked, and the
record of every time someone did. See docs/security.md, "Personal data".

The rule (one place, `sees_unmasked`): a party's ID number and phone are shown in full only to
the case's own people —

- the field officers assigned to the case (Case.officers),
- the negotiators assigned to the case (Case.negotiators),
- a legal reviewer while the case waits for their review (under_review, demand_issued): the
  legal review (法制审核) checks that the decision is addressed to the right party.

Everyone else who may read the case (the squad's other officers and negotiators, supervisors,
the head of office, administrators, a legal reviewer at any other time) sees them masked.
Who may read a case at all is not decided here (casework.selectors.cases).

Every function below that hands out unmasked data records it (PersonalDataAccess): one row
per request and case, written with one INSERT however many cases a list or an export shows.
Nothing else in the code base reads Party.identifier or Party.phone for display.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from django.core.cache import cache
from django.utils import timezone

from casework.models import ApprovalStep, Case, Document, PersonalDataAccess, User
from casework.services.approvals import APPROVAL_RULES

# The states in which a legal reviewer's opinion is due (under_review, demand_issued).
LEGAL_REVIEW_STATES = frozenset(
    APPROVAL_RULES[ApprovalStep.LEGAL_REVIEW_DECISION][1] + APPROVAL_RULES[ApprovalStep.LEGAL_REVIEW_EXECUTION][1]
)
PERSONAL_FIELDS = ("identifier", "phone")
MASKED_COPY_SECONDS = 24 * 3600
# Up to this many cases, their assignments are read with an id list; beyond, all of the user's.
IN_LIST_LIMIT = 500


# --- masking ---------------------------------------------------------------------------------

def mask_identifier(value: str) -> str:
    """A resident ID or credit code with the first 6 and last 4 characters left
    (110105********002X); a shorter value keeps its last 2 only."""
    value = value or ""
    if len(value) > 10:
        return value[:6] + "*" * (len(value) - 10) + value[-4:]
    return "*" * max(len(value) - 2, 0) + value[-2:] if len(value) > 2 else "*" * len(value)


def mask_phone(value: str) -> str:
    """A mobile number keeps its first 3 and last 4 digits (138****5678); a shorter number its
    last 4 only."""
    value = value or ""
    if len(value) >= 11:
        return value[:3] + "*" * (len(value) - 7) + value[-4:]
    if len(value) > 4:
        return "*" * (len(value) - 4) + value[-4:]
    return "*" * len(value)


def mask_party_data(party: dict) -> dict:
    """A party as stored in an event's or a document's data, with ID number and phone masked."""
    masked = dict(party)
    if masked.get("identifier"):
        masked["identifier"] = mask_identifier(str(masked["identifier"]))
    if masked.get("phone"):
        masked["phone"] = mask_phone(str(masked["phone"]))
    return masked


# --- the rule --------------------------------------------------------------------------------

def _assigned_case_ids(user: User, cases: list[Case]) -> set[int]:
    """The cases among `cases` that `user` is assigned to as officer or negotiator: from the
    prefetched people where a case has them, else in one query for all of them."""
    assigned, unknown = set(), []
    for case in cases:
        cached = getattr(case, "_prefetched_objects_cache", {})
        if "officers" in cached and "negotiators" in cached:
            if any(p.pk == user.pk for p in cached["officers"]) or any(p.pk == user.pk for p in cached["negotiators"]):
                assigned.add(case.pk)
        else:
            unknown.append(case.pk)
    if unknown:
        officers = Case.officers.through.objects.filter(user_id=user.pk)
        negotiators = Case.negotiators.through.objects.filter(user_id=user.pk)
        if len(unknown) <= IN_LIST_LIMIT:
            officers, negotiators = officers.filter(case_id__in=unknown), negotiators.filter(case_id__in=unknown)
        # (For a long export, all of the user's assignments: no parameter list the database limits.)
        found = {case_id for (case_id,) in officers.values_list("case_id").union(negotiators.values_list("case_id"))}
        assigned.update(found.intersection(unknown))
    return assigned


def sees_unmasked(*, user: User, case: Case, assigned: bool) -> bool:
    """The rule itself: `assigned` says whether `user` is one of the case's officers or
    negotiators (callers find it out in bulk)."""
    if not (user.is_authenticated and user.is_active):
        return False
    if assigned:
        return True
    return bool(user.is_legal_reviewer and case.status in LEGAL_REVIEW_STATES)


def _unmasked_case_ids(user: User, cases: list[Case]) -> set[int]:
    if not (user.is_authenticated and user.is_active) or not cases:
        return set()
    assigned = _assigned_case_ids(user, cases)
    return {case.pk for case in cases if sees_unmasked(user=user, case=case, assigned=case.pk in assigned)}


def may_see_unmasked(*, user: User, case: Case) -> bool:
    """Whether `user` is one of the case's own people (nothing is shown, nothing recorded)."""
    return case.pk in _unmasked_case_ids(user, [case])


def _record(*, user: User, channel: str, detail: str, shown: dict[int, Iterable[str]]) -> None:
    """One access row per case shown unmasked, all in one INSERT."""
    now = timezone.now()
    rows = [
        PersonalDataAccess(user=user, case_id=case_id, accessed_at=now, channel=channel,
                           fields=",".join(fields), detail=detail[:200])
        for case_id, fields in shown.items() if fields
    ]
    if rows:
        PersonalDataAccess.objects.bulk_create(rows)


# --- what the pages, the API and the exports show ---------------------------------------------

@dataclass(frozen=True)
class PartyView:
    """A case's party as one viewer may see it."""

    kind: str
    kind_label: str
    name: str
    identifier: str  # in full, or masked
    phone: str  # in full, or masked
    address: str
    masked: bool

    @property
    def identifier_masked(self) -> str:
        return self.identifier if self.masked else mask_identifier(self.identifier)


def _view(party, *, full: bool) -> PartyView:
    return PartyView(
        kind=party.kind, kind_label=str(party.get_kind_display()), name=party.name,
        identifier=party.identifier if full else mask_identifier(party.identifier),
        phone=party.phone if full else mask_phone(party.phone), address=party.address, masked=not full,
    )


def party_view_masked(party) -> PartyView:
    """The party as anyone may see it (nothing to record)."""
    return _view(party, full=False)


def party_views_for(*, user: User, cases: Iterable[Case], channel: str, detail: str = "") -> dict[int, PartyView]:
    """The party of each case (loaded with select_related("party")) as `user` may see it, by
    case id; cases without a party are left out. Records one access row per case whose ID
    number or phone was given unmasked. Queries: at most one (assignments), plus the INSERT."""
    cases = [case for case in cases if case.party_id is not None]
    unmasked = _unmasked_case_ids(user, cases)
    views, shown = {}, {}
    for case in cases:
        party = case.party
        full = case.pk in unmasked
        views[case.pk] = _view(party, full=full)
        if full:
            shown[case.pk] = [name for name in PERSONAL_FIELDS if getattr(party, name)]
    _record(user=user, channel=channel, detail=detail, shown=shown)
    return views


def party_view_for(*, user: User, case: Case, channel: str, detail: str = "") -> PartyView | None:
    """The case's party as `user` may see it (None if the case has no party yet)."""
    return party_views_for(user=user, cases=[case], channel=channel, detail=detail).get(case.pk)


def event_data_for(*, user: User, case: Case, events: Iterable, channel: str, detail: str = "") -> dict[int, dict]:
    """Each event's data by event id, with the party's ID number and phone (as entered at the
    step) masked unless `user` sees the case unmasked; records the access if any was shown."""
    events = list(events)
    full = case.pk in _unmasked_case_ids(user, [case])
    out, fields = {}, set()
    for event in events:
        data = dict(event.data or {})
        party = data.get("party")
        if isinstance(party, dict):
            if full:
                fields.update(name for name in PERSONAL_FIELDS if party.get(name))
            else:
                data["party"] = mask_party_data(party)
        out[event.pk] = data
    if fields:
        _record(user=user, channel=channel, detail=detail,
                shown={case.pk: [name for name in PERSONAL_FIELDS if name in fields]})
    return out


# --- documents -------------------------------------------------------------------------------

def document_carries_identifier(document: Document) -> bool:
    """Whether the issued PDF prints the party's full ID number (documents addressed to or signed
    by the party do; internal approval forms and documents issued before this rule do not)."""
    party = (document.data or {}).get("party") or {}
    return bool(party.get("identifier"))


@dataclass(frozen=True)
class DocumentPdf:
    original: bool
    # The masked copy's bytes; None for the original, which the view streams from storage
    # (casework.files) after this function has recorded the access.
    content: bytes | None = None


def document_pdf_for(*, user: User, document: Document, channel: str, detail: str = "") -> DocumentPdf:
    """The PDF `user` receives: the issued original (the legal record, served on the party and
    verifiable by its fingerprint) when it prints nothing they may not see — otherwise a copy
    rendered from the same snapshot with the ID number masked and marked as a copy.
    Handing out an original with the full number is recorded."""
    if not document_carries_identifier(document):
        return DocumentPdf(original=True)
    case = document.case
    if case.pk in _unmasked_case_ids(user, [case]):
        _record(user=user, channel=channel, detail=detail or document.number, shown={case.pk: ["identifier"]})
        return DocumentPdf(original=True)
    return DocumentPdf(original=False, content=masked_copy_pdf(document))


def masked_copy_pdf(document: Document) -> bytes:
    """The document rendered again with the ID number masked (cached: the same snapshot always
    gives the same bytes)."""
    from casework.documents.rendering import render_pdf

    key = f"document:{document.pk}:{document.sha256[:16]}:masked-copy"
    pdf = cache.get(key)
    if pdf is None:
        pdf = render_pdf(document, masked_copy=True)
        cache.set(key, pdf, MASKED_COPY_SECONDS)
    return pdf
