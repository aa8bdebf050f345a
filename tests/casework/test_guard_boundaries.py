"""Statutory guards at their boundaries, counted over the real 2026 holiday calendar.

2026 National Day: 1–7 October off; 20 September (Sunday) and 10 October (Saturday) are
make-up working days. Mid-Autumn: 25 September (Friday) off.
"""

import datetime as dt

import pytest
from django.db import transaction

from casework.deadlines.calendar import BEIJING
from casework.errors import GuardsFailed
from casework.models import ApprovalStep, CaseStatus, ClockKind, DocumentType
from casework.services import approvals, cases, documents


def at(day: str, time: str = "10:00") -> dt.datetime:
    return dt.datetime.fromisoformat(f"{day}T{time}").replace(tzinfo=BEIJING)


class Rollback(Exception):
    pass


def attempt(action):
    """Run `action` in a savepoint that is always rolled back; return the error or None."""
    try:
        with transaction.atomic():
            action()
            raise Rollback
    except Rollback:
        return None
    except GuardsFailed as error:
        return error


def serve(case, document_type, when, actor):
    document = case.documents.filter(document_type=document_type).latest("id")
    documents.document_serve(document=document, actor=actor, served_at=when, method="handed_over", recipient="张伟")


@pytest.fixture
def notified_on_28_september(scenario, cast):
    """A case whose prior notice was served on Monday 28 September 2026."""
    runner = scenario(start=dt.date(2026, 9, 14))
    case = runner.run(["inspect", "file"])
    cases.case_notify(case=case, actor=cast.officer, occurred_at=at("2026-09-28"), facts="擅自建设",
                      evidence="现场照片", legal_basis="规划法 64")
    serve(case, DocumentType.PRIOR_NOTICE, at("2026-09-28"), cast.officer)
    case.refresh_from_db()
    return case


def test_hearing_request_on_the_5th_working_day_across_national_day_is_allowed(notified_on_28_september, cast):
    """Served Mon 28 Sep: working days 29 Sep, 30 Sep, 8 Oct, 9 Oct, Sat 10 Oct (make-up) — the 5th
    is 10 October, so a request that evening is in time."""
    case = notified_on_28_september
    error = attempt(lambda: cases.case_request_hearing(
        case=case, actor=cast.officer, occurred_at=at("2026-10-10", "18:00"), hearing_at=at("2026-10-20")))
    assert error is None


def test_hearing_request_on_the_6th_working_day_is_refused(notified_on_28_september, cast):
    """On Monday 12 October (the 6th working day) the request is refused, citing 处罚法 64."""
    case = notified_on_28_september
    error = attempt(lambda: cases.case_request_hearing(
        case=case, actor=cast.officer, occurred_at=at("2026-10-12", "09:00"), hearing_at=at("2026-10-22")))
    assert error is not None
    assert error.guard_codes == ["hearing.window_lapsed"]
    assert error.guards[0].basis == "处罚法 64"
    assert "2026-10-10" in error.guards[0].message


def test_hearing_must_be_notified_seven_days_ahead(notified_on_28_september, cast):
    """A hearing set 6 days after the notice of hearing is refused; 7 days is accepted."""
    case = notified_on_28_september
    too_soon = attempt(lambda: cases.case_request_hearing(
        case=case, actor=cast.officer, occurred_at=at("2026-09-29"), hearing_at=at("2026-10-05")))
    assert too_soon.guard_codes == ["hearing.too_soon"]
    assert attempt(lambda: cases.case_request_hearing(
        case=case, actor=cast.officer, occurred_at=at("2026-09-29"), hearing_at=at("2026-10-06"))) is None


@pytest.fixture
def execution_decided(scenario, cast):
    """A forced-path case whose demolition decision was served on Monday 2 March 2026: the
    6-month litigation window runs to Wednesday 2 September 2026."""
    runner = scenario(start=dt.date(2026, 1, 5))
    case = runner.run(["inspect", "file", "notify", "submit_review"])
    cases.case_decide(case=case, actor=cast.supervisor, occurred_at=at("2026-03-02"), decision_kind="demolish",
                      self_demolition_days=15)
    serve(case, DocumentType.DEMOLITION_DECISION, at("2026-03-02"), cast.officer)
    runner.case = case
    runner.day = dt.date(2026, 3, 2)
    case = runner.run(["announce", "issue_demand", "decide_execution"])
    assert case.status == CaseStatus.EXECUTION_DECIDED
    litigation = case.clocks.get(kind=ClockKind.LITIGATION)
    assert litigation.due_at == at("2026-09-03", "00:00")
    return case


def force(case, cast, when):
    return attempt(lambda: cases.case_force_demolish(
        case=case, actor=cast.officer, occurred_at=when, officers=[cast.officer, cast.officer2]))


def test_forced_demolition_refused_on_the_last_day_of_the_litigation_window(execution_decided, cast):
    """On 2 September, the last day of the 6 months, the party may still sue: refused (诉讼法 46)."""
    error = force(execution_decided, cast, at("2026-09-02"))
    assert error.guard_codes == ["force.litigation_window_open"]


def test_forced_demolition_allowed_the_day_after_the_window(execution_decided, cast):
    """On Thursday 3 September at 10:00 the windows have lapsed: allowed."""
    assert force(execution_decided, cast, at("2026-09-03")) is None


def test_forced_demolition_refused_at_night(execution_decided, cast):
    """22:30 on a working day is night (22:00–06:00): refused citing 强制法 43."""
    error = force(execution_decided, cast, at("2026-09-03", "22:30"))
    assert error.guard_codes == ["force.night"]
    assert error.guards[0].basis == "强制法 43"


def test_forced_demolition_refused_on_a_holiday(execution_decided, cast):
    """2 October (National Day holiday, a Friday) is not a working day: refused."""
    error = force(execution_decided, cast, at("2026-10-02"))
    assert error.guard_codes == ["force.rest_day"]


def test_forced_demolition_refused_on_an_ordinary_sunday(execution_decided, cast):
    """Sunday 6 September is not a working day: refused."""
    error = force(execution_decided, cast, at("2026-09-06"))
    assert error.guard_codes == ["force.rest_day"]


def test_forced_demolition_allowed_on_a_make_up_saturday(execution_decided, cast):
    """Saturday 10 October is a make-up working day (调休): allowed."""
    assert force(execution_decided, cast, at("2026-10-10")) is None


def test_emergency_approved_by_the_head_allows_night_work(execution_decided, cast):
    """With an emergency approved by the head of office, night work is allowed."""
    approvals.approval_record(case=execution_decided, actor=cast.head, step=ApprovalStep.EMERGENCY, decision="approve",
                              opinion="台风预警，结构有倒塌危险，同意夜间紧急拆除。", occurred_at=at("2026-09-03", "20:00"))
    assert force(execution_decided, cast, at("2026-09-03", "22:30")) is None


def test_all_failed_guards_are_reported_at_once(execution_decided, cast):
    """A Sunday night attempt with one officer fails three guards, all listed with their bases."""
    error = attempt(lambda: cases.case_force_demolish(
        case=execution_decided, actor=cast.officer, occurred_at=at("2026-09-06", "23:00"), officers=[cast.officer]))
    assert set(error.guard_codes) == {"force.night", "force.rest_day", "force.officers"}
    assert all(guard.basis for guard in error.guards)


def _filed_and_reviewed(scenario, cast, *, suspend_between=None):
    """Filed Monday 5 January 2026; optionally suspended for a period; then notified, served,
    submitted for review after the windows, and approved by the legal reviewer."""
    runner = scenario(start=dt.date(2025, 12, 29))
    case = runner.run(["inspect"])
    cases.case_file(case=case, actor=cast.supervisor, occurred_at=at("2026-01-05"))
    if suspend_between:
        start, end = suspend_between
        cases.case_suspend(case=case, actor=cast.supervisor, occurred_at=at(start), reason="litigation",
                           explanation="当事人提起诉讼")
        cases.case_resume(case=case, actor=cast.supervisor, occurred_at=at(end), outcome="诉讼已撤回")
    cases.case_notify(case=case, actor=cast.officer, occurred_at=at("2026-02-24"), facts="擅自建设",
                      evidence="照片", legal_basis="规划法 64")
    serve(case, DocumentType.PRIOR_NOTICE, at("2026-02-24"), cast.officer)
    cases.case_submit_review(case=case, actor=cast.officer, occurred_at=at("2026-03-10"))
    approvals.approval_record(case=case, actor=cast.reviewer, step=ApprovalStep.LEGAL_REVIEW_DECISION,
                              decision="approve", opinion="同意", occurred_at=at("2026-03-11"))
    case.refresh_from_db()
    return case


def decide(case, cast, when):
    return attempt(lambda: cases.case_decide(case=case, actor=cast.supervisor, occurred_at=when,
                                             decision_kind="demolish", self_demolition_days=15))


def test_decision_period_without_suspension(scenario, cast):
    """Filed 5 January: 90 days end on Sunday 5 April (Qingming holiday), so the last day rolls to
    Tuesday 7 April; deciding on 7 April is allowed, on 8 April refused (处罚法 60)."""
    case = _filed_and_reviewed(scenario, cast)
    assert decide(case, cast, at("2026-04-07", "17:00")) is None
    error = decide(case, cast, at("2026-04-08"))
    assert error.guard_codes == ["decide.period_lapsed"]
    assert error.guards[0].basis == "处罚法 60"


def test_decision_period_excludes_a_suspension_in_the_middle(scenario, cast):
    """Suspended from 2 to 12 February (10 days): the 90 days end 10 days later, on Wednesday
    15 April; allowed that day, refused on the 16th."""
    case = _filed_and_reviewed(scenario, cast, suspend_between=("2026-02-02", "2026-02-12"))
    assert decide(case, cast, at("2026-04-15", "16:00")) is None
    assert decide(case, cast, at("2026-04-16")).guard_codes == ["decide.period_lapsed"]


def test_decision_period_extended_by_approval(scenario, cast):
    """An extension of 30 days approved by the head of office moves the end to 7 May."""
    case = _filed_and_reviewed(scenario, cast)
    approvals.approval_record(case=case, actor=cast.head, step=ApprovalStep.DECISION_EXTENSION, decision="approve",
                              opinion="案情复杂，同意延长30日。", data={"days": 30}, occurred_at=at("2026-03-12"))
    assert decide(case, cast, at("2026-04-20")) is None


def test_submit_review_waits_for_the_statement_and_hearing_windows(scenario, cast):
    """Notice served Monday 9 March: the hearing window (5 working days) ends Monday 16 March;
    review submitted on 16 March is refused, on 17 March allowed; a recorded waiver allows it at once."""
    runner = scenario(start=dt.date(2026, 3, 2))
    case = runner.run(["inspect", "file"])
    cases.case_notify(case=case, actor=cast.officer, occurred_at=at("2026-03-09"), facts="擅自建设",
                      evidence="照片", legal_basis="规划法 64")
    serve(case, DocumentType.PRIOR_NOTICE, at("2026-03-09"), cast.officer)
    case.refresh_from_db()
    refused = attempt(lambda: cases.case_submit_review(case=case, actor=cast.officer, occurred_at=at("2026-03-16")))
    assert refused.guard_codes == ["review.hearing_window_open"]
    assert attempt(lambda: cases.case_submit_review(case=case, actor=cast.officer, occurred_at=at("2026-03-17"))) is None
    assert attempt(lambda: cases.case_submit_review(
        case=case, actor=cast.officer, occurred_at=at("2026-03-10"), party_waived=True)) is None


def test_filing_refused_after_the_limitation_period(scenario, cast):
    """A violation that ended more than 2 years before filing cannot be filed (处罚法 36); an
    ongoing one can."""
    case = scenario().run(["inspect"])
    error = attempt(lambda: cases.case_transition(
        case=case, actor=cast.supervisor, name="file",
        data={"violation_ended_on": case.reported_at.date() - dt.timedelta(days=3 * 365)}))
    assert error.guard_codes == ["file.limitation"]
    assert attempt(lambda: cases.case_transition(
        case=case, actor=cast.supervisor, name="file", data={"construction_ongoing": True})) is None


def test_verification_refuses_a_partial_demolition(case_in, cast):
    """Verifying less than the illegal area is refused and the case stays where it was."""
    case = case_in(CaseStatus.SELF_DEMOLISHING)
    error = attempt(lambda: cases.case_verify(case=case, actor=cast.officer, officers=[cast.officer, cast.officer2],
                                              verified_area=case.illegal_area - 1))
    assert error.guard_codes == ["verify.partial"]
    case.refresh_from_db()
    assert case.status == CaseStatus.SELF_DEMOLISHING


def test_commitment_beyond_30_days_needs_supervisor_approval(case_in, cast):
    """A commitment date 31 days ahead is refused until the supervisor approves; 30 days is fine."""
    case = case_in(CaseStatus.PERSUADING)
    today = dt.datetime.now(BEIJING).date()
    far = attempt(lambda: cases.case_commit_self_demolition(
        case=case, actor=cast.negotiator, commitment_date=today + dt.timedelta(days=31)))
    assert far.guard_codes == ["commit.needs_approval"]
    assert attempt(lambda: cases.case_commit_self_demolition(
        case=case, actor=cast.negotiator, commitment_date=today + dt.timedelta(days=30))) is None
    approvals.approval_record(case=case, actor=cast.supervisor, step=ApprovalStep.LONG_COMMITMENT,
                              decision="approve", opinion="同意延至两个月内拆除")
    assert attempt(lambda: cases.case_commit_self_demolition(
        case=case, actor=cast.negotiator, commitment_date=today + dt.timedelta(days=31))) is None


def test_progress_must_grow_and_stay_within_the_illegal_area(case_in, cast):
    """Progress smaller than the last report or above the illegal area is refused."""
    case = case_in(CaseStatus.SELF_DEMOLISHING)
    shrink = attempt(lambda: cases.case_report_progress(case=case, actor=cast.officer,
                                                        demolished_area=case.demolished_area - 1))
    assert shrink.guard_codes == ["progress.not_growing"]
    exceed = attempt(lambda: cases.case_report_progress(case=case, actor=cast.officer,
                                                        demolished_area=case.illegal_area + 1))
    assert exceed.guard_codes == ["progress.exceeds_illegal_area"]
    assert attempt(lambda: cases.case_report_progress(case=case, actor=cast.officer,
                                                      demolished_area=case.illegal_area)) is None


def test_close_requires_every_served_document_to_have_service(case_in, cast):
    """An unserved decision blocks closing, naming the document number."""
    case = case_in(CaseStatus.VERIFIED)
    decision = case.documents.get(document_type=DocumentType.DEMOLITION_DECISION)
    type(decision.service).objects.filter(pk=decision.service.pk).delete()
    error = attempt(lambda: cases.case_close(case=case, actor=cast.supervisor))
    assert error.guard_codes == ["close.unserved_documents"]
    assert decision.number in error.guards[0].message


def test_decide_needs_the_legal_reviewers_approval_not_followed_by_a_rejection(scenario, cast):
    """Without the legal reviewer's approval deciding is refused; a later rejection cancels it."""
    runner = scenario()
    case = runner.run(["inspect", "file", "notify"])
    runner._after_clocks(ClockKind.STATEMENT, ClockKind.HEARING_REQUEST)
    cases.case_submit_review(case=case, actor=cast.officer, occurred_at=runner._moment(1))
    error = decide(case, cast, runner._moment(1))
    assert error.guard_codes == ["decide.not_reviewed"]
    approvals.approval_record(case=case, actor=cast.reviewer, step=ApprovalStep.LEGAL_REVIEW_DECISION,
                              decision="approve", opinion="同意", occurred_at=runner._moment(0))
    approvals.approval_record(case=case, actor=cast.reviewer, step=ApprovalStep.LEGAL_REVIEW_DECISION,
                              decision="reject", opinion="证据不足，退回补充", occurred_at=runner._moment(0))
    assert decide(case, cast, runner._moment(0)).guard_codes == ["decide.not_reviewed"]
