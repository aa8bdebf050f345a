"""Writes of the "一一三" persuasion work: talks, publicity actions and demolition progress."""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Sequence
from decimal import Decimal, InvalidOperation

from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from casework.authorization import refusal
from casework.deadlines.calendar import local_date
from casework.deadlines.clocks import clocks_refresh
from casework.errors import ConcurrentChange, GuardFailure, GuardsFailed, InvalidInput, NotAllowed
from casework.models import (
    AttachmentKind,
    Attitude,
    Case,
    CaseEvent,
    CaseStatus,
    Community,
    DocumentType,
    EventKind,
    ExplainedItem,
    PublicityAction,
    PublicityKind,
    PublicityPhoto,
    Role,
    Talk,
    TalkKind,
    TalkThirdParty,
    ThirdPartyRelation,
    User,
)
from casework.services.attachments import attachment_add, attachment_check
from casework.services.cases import case_transition
from casework.services.documents import document_issue

S = CaseStatus
# procedure.md / issue 6: negotiators talk in every open state from `filed` on, also before a
# forced demolition. Before filing there is no case to persuade about yet.
TALK_STATES = frozenset(
    {S.FILED, S.NOTIFIED, S.HEARING, S.UNDER_REVIEW, S.DECIDED, S.PERSUADING, S.SELF_DEMOLITION_COMMITTED,
     S.SELF_DEMOLISHING, S.ANNOUNCED, S.DEMAND_ISSUED, S.EXECUTION_DECIDED, S.FORCED_DEMOLISHED, S.VERIFIED,
     S.RECTIFIED, S.SUSPENDED}
)  # fmt: skip
TALK_ATTACHMENT_KINDS = (AttachmentKind.PHOTO, AttachmentKind.AUDIO)


def _refuse(fields: dict[str, list[str]]) -> None:
    if fields:
        first = next(iter(fields.values()))[0]
        raise InvalidInput(first, fields=fields)


def _check_uploads(uploads: Sequence, allowed_kinds: tuple[str, ...]) -> None:
    """Check every file before anything is written: one bad file refuses the whole submission."""
    for upload in uploads:
        attachment_check(upload=upload, allowed_kinds=allowed_kinds)
        upload.seek(0)


def _locked_case(case: Case, expected_version: int | None) -> Case:
    locked = Case.objects.select_for_update(of=("self",)).select_related("party", "squad", "community").get(pk=case.pk)
    if expected_version is not None and locked.version != expected_version:
        raise ConcurrentChange(_("Someone else changed this case after you opened it. Reload the page and try again."))
    return locked


def talk_may_log(*, case: Case, actor: User) -> GuardFailure | None:
    """Why `actor` may not log a talk on `case` now, or None: the case's own (assigned)
    negotiators only (casework.authorization's `log_talk`), in a state talks are logged in."""
    if not actor.is_active or not actor.has_role(Role.NEGOTIATOR):
        return GuardFailure("talk.not_negotiator", _("Only a negotiator may log a talk."))
    denied = refusal(actor, "log_talk", case=case)
    if denied:
        return denied
    if case.status not in TALK_STATES:
        return GuardFailure(
            "talk.state",
            _("Talks can be logged once the case is filed and until it is closed; this case is “%(status)s”.")
            % {"status": case.get_status_display()},
        )
    return None


def talk_log(
    *,
    case: Case,
    actor: User,
    kind: str,
    attitude: str,
    place: str,
    owner_attendees: str,
    occurred_at: dt.datetime | None = None,
    negotiators: Sequence[User] = (),
    third_parties: Sequence[dict] = (),
    explained: Sequence[str] = (),
    explained_notes: str = "",
    owner_acknowledged: bool = False,
    owner_statements: str = "",
    commitment_date: dt.date | None = None,
    commitment_terms: str = "",
    next_follow_up_on: dt.date | None = None,
    attachments: Sequence = (),
    expected_version: int | None = None,
) -> Talk:
    """Log a persuasion talk: its TALK event, its 约谈笔录, its files and, when the owner
    committed to a date, the `commit_self_demolition` transition (which issues the 自行拆除承诺书)
    — all in one transaction, then the clocks are recomputed."""
    now = timezone.now()
    occurred_at = occurred_at or now
    with transaction.atomic():
        case = _locked_case(case, expected_version)
        denied = talk_may_log(case=case, actor=actor)
        if denied:
            error = GuardsFailed if denied.code == "talk.state" else NotAllowed
            raise error(denied.message, guards=[denied])

        people = {person.pk: person for person in [actor, *negotiators]}.values()
        assigned = set(case.negotiators.values_list("pk", flat=True))
        talk_day = local_date(occurred_at)
        fields: dict[str, list[str]] = {}
        if kind not in TalkKind.values:
            fields["kind"] = [_("Choose the kind of talk.")]
        if attitude not in Attitude.values:
            fields["attitude"] = [_("Choose the owner's attitude.")]
        if not (place or "").strip():
            fields["place"] = [_("Enter where the talk took place.")]
        if not (owner_attendees or "").strip():
            fields["owner_attendees"] = [_("Enter who attended for the owner.")]
        wrong = [p.display_name for p in people if not p.is_negotiator or p.squad_id != case.squad_id]
        if wrong:
            fields["negotiators"] = [
                _("%(names)s: not a negotiator of this case's squad.") % {"names": "、".join(wrong)}
            ]
        elif assigned and not assigned & {p.pk for p in people}:
            fields["negotiators"] = [_("At least one of the case's negotiators must take part.")]
        unknown = [key for key in explained if key not in ExplainedItem.values]
        if unknown:
            fields["explained"] = [_("Unknown items: %(keys)s.") % {"keys": ", ".join(unknown)}]
        parties = [
            {"name": (p.get("name") or "").strip(), "relation": p.get("relation") or ""}
            for p in third_parties if (p.get("name") or "").strip() or p.get("relation")
        ]  # fmt: skip
        if any(not p["name"] or p["relation"] not in ThirdPartyRelation.values for p in parties):
            fields["third_parties"] = [_("Give each third party's name and relation to the owner.")]
        elif kind == TalkKind.LEVERAGE and not parties:
            fields["third_parties"] = [
                _("A leverage talk (勤借) goes through people the owner listens to: name at least one.")
            ]
        if occurred_at > now + dt.timedelta(minutes=5):
            fields["occurred_at"] = [_("The time of the talk is in the future.")]
        elif case.filed_at and occurred_at < case.filed_at:
            fields["occurred_at"] = [_("The talk cannot be before the case was filed.")]
        if next_follow_up_on is not None and next_follow_up_on < talk_day:
            fields["next_follow_up_on"] = [
                _("The next follow-up (%(day)s) cannot be before the talk (%(talk)s).")
                % {"day": next_follow_up_on.isoformat(), "talk": talk_day.isoformat()}
            ]
        if commitment_date is not None and commitment_date < local_date(now):
            fields["commitment_date"] = [
                _("The committed date %(day)s is in the past.") % {"day": commitment_date.isoformat()}
            ]
        _refuse(fields)
        _check_uploads(attachments, TALK_ATTACHMENT_KINDS)

        data = {
            "kind": kind, "attitude": attitude, "place": place.strip(), "owner_attendees": owner_attendees.strip(),
            "negotiators": [{"id": p.pk, "name": p.display_name} for p in people],
            "third_parties": parties, "explained": list(explained), "explained_notes": explained_notes.strip(),
            "owner_acknowledged": bool(owner_acknowledged), "owner_statements": owner_statements.strip(),
            "commitment_date": commitment_date.isoformat() if commitment_date else None,
            "next_follow_up_on": next_follow_up_on.isoformat() if next_follow_up_on else None,
        }
        event = CaseEvent.objects.create(case=case, kind=EventKind.TALK, actor=actor, occurred_at=occurred_at, data=data)
        talk = Talk.objects.create(
            case=case, event=event, occurred_at=occurred_at, place=data["place"],
            owner_attendees=data["owner_attendees"], kind=kind, explained=list(explained),
            explained_notes=data["explained_notes"], owner_acknowledged=bool(owner_acknowledged),
            owner_statements=data["owner_statements"], attitude=attitude, commitment_date=commitment_date,
            next_follow_up_on=next_follow_up_on, recorded_by=actor,
        )
        talk.negotiators.set(list(people))
        TalkThirdParty.objects.bulk_create(TalkThirdParty(talk=talk, **p) for p in parties)
        talk.document = document_issue(
            case=case, event=event, document_type=DocumentType.TALK_RECORD, issued_on=talk_day,
            extra={"talk": {**data, "kind_label": str(TalkKind(kind).label), "attitude_label": str(Attitude(attitude).label),
                            "explained_labels": talk.explained_labels}},
        )
        talk.save(update_fields=["document"])
        for upload in attachments:
            attachment_add(case=case, actor=actor, upload=upload, event=event, allowed_kinds=TALK_ATTACHMENT_KINDS)
        if commitment_date is not None:
            # The commitment is the transition of procedure.md: its own guards (state, decision,
            # date, approval of a long date) apply, and a refusal undoes the whole talk.
            case = case_transition(
                case=case, actor=actor, name="commit_self_demolition", occurred_at=occurred_at,
                data={"commitment_date": commitment_date, "terms": commitment_terms.strip(), "talk_event_id": event.pk},
            )
        clocks_refresh(case=case)
    return talk


def progress_report(
    *,
    case: Case,
    actor: User,
    demolished_area: Decimal | str,
    remarks: str = "",
    photos: Sequence = (),
    occurred_at: dt.datetime | None = None,
    expected_version: int | None = None,
) -> CaseEvent:
    """Report how much of the illegal structure has been removed so far (`report_progress`),
    with photos of the site attached to the report's event."""
    try:
        area = Decimal(str(demolished_area)).quantize(Decimal("0.01"))
    except (InvalidOperation, TypeError, ValueError):
        area = None
    if area is None or not area.is_finite() or area <= 0:
        raise InvalidInput(
            _("Enter the area removed so far in m², a number greater than 0."),
            fields={"demolished_area": [_("Enter a number greater than 0.")]},
        )
    _check_uploads(photos, (AttachmentKind.PHOTO,))
    with transaction.atomic():
        case = case_transition(
            case=case, actor=actor, name="report_progress", occurred_at=occurred_at, expected_version=expected_version,
            data={"demolished_area": area, "remarks": remarks.strip()},
        )
        event = case.events.filter(transition="report_progress").latest("occurred_at", "id")
        for upload in photos:
            attachment_add(case=case, actor=actor, upload=upload, event=event, allowed_kinds=(AttachmentKind.PHOTO,))
    return event


def publicity_record(
    *,
    actor: User,
    community: Community,
    occurred_on: dt.date,
    kind: str,
    description: str,
    cases: Sequence[Case] = (),
    all_open_cases: bool = False,
    photos: Sequence = (),
) -> PublicityAction:
    """Record a publicity action (造势) and link it to the cases it covers: chosen cases of the
    community, or every open case of the community on that day."""
    if not ({Role.NEGOTIATOR, Role.FIELD_OFFICER, Role.SUPERVISOR} & actor.roles):
        raise NotAllowed(_("Only negotiators, field officers and supervisors record publicity actions."))
    if refusal(actor, "record_publicity", squad_id=community.squad_id):
        raise NotAllowed(_("This community belongs to another squad."))
    fields: dict[str, list[str]] = {}
    if kind not in PublicityKind.values:
        fields["kind"] = [_("Choose the kind of publicity.")]
    if not (description or "").strip():
        fields["description"] = [_("Describe what was done.")]
    if occurred_on is None or occurred_on > local_date(timezone.now()):
        fields["occurred_on"] = [_("Enter the date it took place; it cannot be in the future.")]
    foreign = [c.number for c in cases if c.community_id != community.pk]
    if foreign:
        fields["cases"] = [_("These cases are not in %(community)s: %(numbers)s.")
                           % {"community": community.name, "numbers": "、".join(foreign)}]
    elif not all_open_cases and not cases:
        fields["cases"] = [_("Choose the cases it covers, or all open cases of the community.")]
    _refuse(fields)
    _check_uploads(photos, (AttachmentKind.PHOTO,))
    with transaction.atomic():
        action = PublicityAction.objects.create(
            occurred_on=occurred_on, community=community, kind=kind, description=description.strip(),
            covers_all_open_cases=all_open_cases, recorded_by=actor,
        )
        covered = list(cases)
        if all_open_cases:
            covered = list(Case.objects.filter(community=community).exclude(status=S.CLOSED))
        action.cases.set(covered)
        for upload in photos:
            data, _kind, content_type, suffix = attachment_check(upload=upload, allowed_kinds=(AttachmentKind.PHOTO,))
            photo = PublicityPhoto(action=action, content_type=content_type, size=len(data),
                                   sha256=hashlib.sha256(data).hexdigest(), uploaded_by=actor)
            photo.file.save(f"upload{suffix}", ContentFile(data), save=False)
            photo.save()
    return action

