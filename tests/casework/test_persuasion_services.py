import datetime as dt
import io
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone, translation
from PIL import Image

from casework.deadlines.calendar import BEIJING, end_of_day, local_date
from casework.errors import GuardsFailed, InvalidInput, NotAllowed
from casework.models import CaseClock, CaseStatus, ClockKind, DocumentType, EventKind, PublicityAction
from casework.selectors.persuasion import CommitmentState, case_commitment
from casework.services import cases
from casework.services.attachments import MAX_ATTACHMENT_BYTES
from casework.services.persuasion import progress_report, publicity_record, talk_log

from .conftest import make_user


def jpeg(name="photo.jpg") -> SimpleUploadedFile:
    buffer = io.BytesIO()
    Image.new("RGB", (40, 30), "blue").save(buffer, "JPEG")
    return SimpleUploadedFile(name, buffer.getvalue(), content_type="image/jpeg")


def today() -> dt.date:
    return local_date(timezone.now())


def talk(case, actor, **overrides):
    values = {
        "kind": "persuade", "attitude": "hesitant", "place": "五星村村委会", "owner_attendees": "张伟及其妻子",
        "explained": ["planning_law_40", "forced_demolition"], "owner_acknowledged": True,
        "owner_statements": "当事人表示考虑自行拆除。", "next_follow_up_on": today() + dt.timedelta(days=7),
    }
    values.update(overrides)
    return talk_log(case=case, actor=actor, **values)


@pytest.fixture
def persuading(case_in):
    return case_in("persuading")


def test_talk_issues_talk_record_writes_event_and_satisfies_first_talk_clock(persuading, cast):
    """A talk writes its TALK event, issues a 约谈笔录 and satisfies the first-talk clock; the
    follow-up clock runs to the talk's next follow-up date (earlier than the 7 days)."""
    record = talk(persuading, cast.negotiator, next_follow_up_on=today() + dt.timedelta(days=3))
    assert record.event.kind == EventKind.TALK
    assert record.document.document_type == DocumentType.TALK_RECORD
    assert record.document.data["extra"]["talk"]["attitude"] == "hesitant"
    clocks = {c.kind: c for c in CaseClock.objects.filter(case=persuading)}
    assert clocks[ClockKind.FIRST_TALK].satisfied_at == record.occurred_at
    assert clocks[ClockKind.FOLLOW_UP_TALK].due_at == end_of_day(today() + dt.timedelta(days=3))
    assert list(record.negotiators.all()) == [cast.negotiator]


def test_talk_with_commitment_commits_self_demolition_and_issues_the_commitment(persuading, cast):
    """A commitment date (today counts as not past) performs commit_self_demolition in the
    same transaction: state, commitment date, 自行拆除承诺书 and the COMMITMENT clock."""
    talk(persuading, cast.negotiator, attitude="cooperative", commitment_date=today(), commitment_terms="拆除全部")
    persuading.refresh_from_db()
    assert persuading.status == CaseStatus.SELF_DEMOLITION_COMMITTED
    assert persuading.commitment_date == today()
    assert persuading.documents.filter(document_type=DocumentType.SELF_DEMOLITION_COMMITMENT).count() == 1
    assert CaseClock.objects.get(case=persuading, kind=ClockKind.COMMITMENT).due_at == end_of_day(today())


def test_commitment_date_in_the_past_is_refused_and_nothing_is_recorded(persuading, cast):
    """Yesterday as commitment date is refused naming the field; no talk, event or document remains."""
    with pytest.raises(InvalidInput) as error, translation.override("en"):
        talk(persuading, cast.negotiator, commitment_date=today() - dt.timedelta(days=1))
    assert "commitment_date" in error.value.fields
    assert "past" in error.value.message
    assert not persuading.talks.exists()
    assert not persuading.events.filter(kind=EventKind.TALK).exists()


def test_commitment_in_a_state_that_cannot_commit_rolls_back_the_talk(case_in, cast):
    """In `filed` a talk may be logged, but a commitment there is refused by the transition's
    guards and the talk is not kept either."""
    case = case_in("filed")
    case.negotiators.add(cast.negotiator)  # negotiators talk only on the cases assigned to them
    with pytest.raises(GuardsFailed) as error:
        talk(case, cast.negotiator, commitment_date=today())
    assert "state.not_allowed" in error.value.guard_codes
    assert not case.talks.exists()
    kept = talk(case, cast.negotiator, next_follow_up_on=None)
    assert kept.case_id == case.pk
    # Talking before negotiators are assigned still starts the follow-up (勤督促) clock: 7 days.
    follow_up = CaseClock.objects.get(case=case, kind=ClockKind.FOLLOW_UP_TALK)
    assert follow_up.due_at == end_of_day(local_date(kept.occurred_at) + dt.timedelta(days=7))


def test_follow_up_before_the_talk_is_refused_same_day_accepted(persuading, cast):
    """A next follow-up the day before the talk is refused; the talk's own day is accepted."""
    with pytest.raises(InvalidInput) as error:
        talk(persuading, cast.negotiator, next_follow_up_on=today() - dt.timedelta(days=1))
    assert list(error.value.fields) == ["next_follow_up_on"]
    assert talk(persuading, cast.negotiator, next_follow_up_on=today()).next_follow_up_on == today()


def test_only_the_cases_negotiators_may_log(persuading, cast, squad):
    """A field officer, or a negotiator of the squad not assigned to the case, is refused."""
    other = make_user("negotiator2", squad, is_negotiator=True)
    with pytest.raises(NotAllowed):
        talk(persuading, cast.officer)
    with pytest.raises(NotAllowed) as error:
        talk(persuading, other)
    assert error.value.guard_codes == ["permission.not_assigned"]


def test_a_case_without_negotiators_accepts_no_talk(case_in, cast, other_squad):
    """Negotiators read and act only on the cases assigned to them (casework.authorization): before
    the supervisor assigns negotiators, no negotiator of the squad logs a talk, nor one of another
    squad; once assigned, the case's negotiator does."""
    case = case_in("decided")
    with pytest.raises(NotAllowed) as error:
        talk(case, cast.negotiator)
    assert error.value.guard_codes == ["permission.not_assigned"]
    outsider = make_user("negotiator9", other_squad, is_negotiator=True)
    with pytest.raises(NotAllowed) as error:
        talk(case, outsider)
    assert error.value.guard_codes == ["permission.squad"]
    assert not case.talks.exists()
    case.negotiators.add(cast.negotiator)
    assert talk(case, cast.negotiator).case_id == case.pk


def test_talks_not_before_filing(case_in, cast):
    """An inspected (not yet filed) case refuses talks."""
    case = case_in("inspected")
    case.negotiators.add(cast.negotiator)
    with pytest.raises(GuardsFailed) as error:
        talk(case, cast.negotiator)
    assert error.value.guard_codes == ["talk.state"]


def test_leverage_talk_needs_third_parties_and_stores_them(persuading, cast):
    """勤借 without anyone the owner listens to is refused; with them, they are stored."""
    with pytest.raises(InvalidInput) as error:
        talk(persuading, cast.negotiator, kind="leverage")
    assert "third_parties" in error.value.fields
    record = talk(persuading, cast.negotiator, kind="leverage",
                  third_parties=[{"name": "李村长", "relation": "village_cadre"}, {"name": "", "relation": ""}])
    assert [(p.name, p.relation) for p in record.third_parties.all()] == [("李村长", "village_cadre")]


def test_unknown_checklist_item_and_missing_fields_are_refused_together(persuading, cast):
    """Bad input is reported field by field in one refusal."""
    with pytest.raises(InvalidInput) as error:
        talk(persuading, cast.negotiator, explained=["planning_law_40", "made_up"], attitude="angry", place=" ")
    assert set(error.value.fields) == {"explained", "attitude", "place"}


def test_talk_attachments_photo_and_audio_accepted_pdf_and_oversize_refused(persuading, cast):
    """Photos and recordings attach to the talk's event; a PDF or a file over 20 MB refuses the talk."""
    audio = SimpleUploadedFile("rec.mp3", b"ID3" + b"\x00" * 100, content_type="audio/mpeg")
    record = talk(persuading, cast.negotiator, attachments=[jpeg(), audio])
    assert sorted(a.kind for a in record.event.attachments.all()) == ["audio", "photo"]

    pdf = SimpleUploadedFile("x.pdf", b"%PDF-1.4 test", content_type="application/pdf")
    with pytest.raises(InvalidInput):
        talk(persuading, cast.negotiator, attachments=[jpeg(), pdf])
    big = jpeg()
    big.size = MAX_ATTACHMENT_BYTES + 1
    with pytest.raises(InvalidInput) as error:
        talk(persuading, cast.negotiator, attachments=[big])
    assert "20 MB" in error.value.message
    assert persuading.talks.count() == 1


def test_progress_report_boundaries(case_in, cast):
    """Removed area: equal to the illegal area accepted, larger refused; not larger than the
    last report refused; photos attached to the report."""
    case = case_in("self_demolition_committed")  # illegal area 120.50
    event = progress_report(case=case, actor=cast.negotiator, demolished_area="60.00", photos=[jpeg()])
    assert event.attachments.count() == 1
    case.refresh_from_db()
    with pytest.raises(GuardsFailed) as error:
        progress_report(case=case, actor=cast.officer, demolished_area="120.51")
    assert error.value.guards[0].field == "demolished_area"
    assert "progress.exceeds_illegal_area" in error.value.guard_codes
    with pytest.raises(GuardsFailed) as error:
        progress_report(case=case, actor=cast.officer, demolished_area="59.99")
    assert "progress.not_growing" in error.value.guard_codes
    with pytest.raises(InvalidInput):
        progress_report(case=case, actor=cast.officer, demolished_area="abc")
    progress_report(case=case, actor=cast.officer, demolished_area="120.50")
    case.refresh_from_db()
    assert case.demolished_area == Decimal("120.50")


def test_commitment_kept_by_full_removal_on_the_day_and_broken_the_day_after(case_in, cast):
    """The commitment clock is satisfied by a full-area progress report; a commitment whose day
    has passed without it is broken on the case and its clock is overdue."""
    case = case_in("self_demolition_committed")
    day = case.commitment_date
    assert case_commitment(case=case, today=day).state == CommitmentState.PENDING
    assert case_commitment(case=case, today=day + dt.timedelta(days=1)).state == CommitmentState.BROKEN
    clock = CaseClock.objects.get(case=case, kind=ClockKind.COMMITMENT)
    assert clock.satisfied_at is None and clock.due_at == end_of_day(day)
    # The overdue lists are this query over the stored clocks (casework.deadlines.clocks).
    overdue = CaseClock.objects.filter(satisfied_at__isnull=True, is_window=False, due_at__lt=timezone.now())
    assert end_of_day(day) < timezone.now()  # the scenario committed months ago
    assert overdue.filter(case=case, kind=ClockKind.COMMITMENT).exists()

    when = dt.datetime.combine(day, dt.time(18, 0), tzinfo=BEIJING)
    if when > timezone.now():
        when = timezone.now()
    cases.case_report_progress(case=case, actor=cast.officer, demolished_area=case.illegal_area, occurred_at=when)
    clock = CaseClock.objects.get(case=case, kind=ClockKind.COMMITMENT)
    assert clock.satisfied_at == when
    assert case_commitment(case=case, today=day + dt.timedelta(days=30)).state == CommitmentState.KEPT
    # From every event of the case, as the case page passes them: the same answer.
    events = list(case.events.order_by("occurred_at", "id"))
    for today in (day, day + dt.timedelta(days=1), day + dt.timedelta(days=30)):
        assert case_commitment(case=case, today=today, events=events) == case_commitment(case=case, today=today)


def test_follow_up_clock_absent_once_verified(case_in, cast):
    """After verification no follow-up talk is due even though talks were logged."""
    case = case_in("self_demolishing")
    talk(case, cast.negotiator, kind="urge")
    assert CaseClock.objects.filter(case=case, kind=ClockKind.FOLLOW_UP_TALK, satisfied_at__isnull=True).exists()
    case.refresh_from_db()
    cases.case_verify(case=case, actor=cast.officer, officers=[cast.officer, cast.officer2],
                      verified_area=case.illegal_area)
    assert not CaseClock.objects.filter(case=case, kind=ClockKind.FOLLOW_UP_TALK, satisfied_at__isnull=True).exists()


def test_publicity_covers_chosen_or_all_open_cases(case_in, cast, community, other_community):
    """All open cases of the community are linked (a closed one is not); a case of another
    community is refused; a date in the future is refused."""
    open_case = case_in("persuading")
    closed_case = case_in("closed")
    action = publicity_record(actor=cast.negotiator, community=community, occurred_on=today(), kind="banner",
                              description="村口悬挂横幅", all_open_cases=True, photos=[jpeg()])
    assert list(action.cases.all()) == [open_case]
    assert action.photos.count() == 1 and closed_case not in action.cases.all()
    with pytest.raises(InvalidInput) as error:
        publicity_record(actor=cast.negotiator, community=community, occurred_on=today() + dt.timedelta(days=1),
                         kind="banner", description="x", cases=[open_case])
    assert list(error.value.fields) == ["occurred_on"]
    with pytest.raises(InvalidInput) as error:
        publicity_record(actor=cast.supervisor, community=community, occurred_on=today(), kind="broadcast",
                         description="广播", cases=[])
    assert "cases" in error.value.fields
    assert PublicityAction.objects.count() == 1
