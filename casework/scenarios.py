"""Drive a case along procedure.md with plausible data, through the real services.

Used by the demo data (a case in every state) and by tests that need a case at some point of
its life. Every step goes through the same services, guards and clocks as a person's would.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from casework.deadlines.calendar import BEIJING, WorkingCalendar
from casework.models import ApprovalStep, Case, CaseStatus, ClockKind, Community, DocumentType, ServiceMethod, User
from casework.services import approvals, cases, documents

S = CaseStatus

# The path to each state: the self-demolition path, the forced path, and the side exits.
PATHS: dict[str, list[str]] = {
    S.REPORTED: [],
    S.INSPECTED: ["inspect"],
    S.FILED: ["inspect", "file"],
    S.NOTIFIED: ["inspect", "file", "notify"],
    S.HEARING: ["inspect", "file", "notify", "request_hearing"],
    S.UNDER_REVIEW: ["inspect", "file", "notify", "submit_review"],
    S.DECIDED: ["inspect", "file", "notify", "submit_review", "decide"],
    S.PERSUADING: ["inspect", "file", "notify", "submit_review", "decide", "assign_negotiators"],
    S.SELF_DEMOLITION_COMMITTED: ["inspect", "file", "notify", "submit_review", "decide", "assign_negotiators",
                                  "commit_self_demolition"],
    S.SELF_DEMOLISHING: ["inspect", "file", "notify", "submit_review", "decide", "assign_negotiators",
                         "commit_self_demolition", "report_progress"],
    S.VERIFIED: ["inspect", "file", "notify", "submit_review", "decide", "assign_negotiators",
                 "commit_self_demolition", "report_progress", "verify"],
    S.RECTIFIED: ["inspect", "file", "notify", "submit_review", "decide:rectify", "rectify"],
    S.ANNOUNCED: ["inspect", "file", "notify", "submit_review", "decide", "announce"],
    S.DEMAND_ISSUED: ["inspect", "file", "notify", "submit_review", "decide", "announce", "issue_demand"],
    S.EXECUTION_DECIDED: ["inspect", "file", "notify", "submit_review", "decide", "announce", "issue_demand",
                          "decide_execution"],
    S.FORCED_DEMOLISHED: ["inspect", "file", "notify", "submit_review", "decide", "announce", "issue_demand",
                          "decide_execution", "force_demolish"],
    S.SUSPENDED: ["inspect", "file", "suspend"],
    S.CLOSED: ["inspect", "file", "notify", "submit_review", "decide", "assign_negotiators",
               "commit_self_demolition", "report_progress", "verify", "close"],
}
FORCED_CLOSED_PATH = [*PATHS[S.FORCED_DEMOLISHED], "verify", "close"]
DISMISSED_PATH = ["inspect", "dismiss"]
TERMINATED_PATH = ["inspect", "file", "notify", "submit_review", "decide", "terminate"]
# Days the forced path needs from registration: 6 months of litigation window after service.
DAYS_NEEDED_FOR_FORCED_PATH = 230


@dataclass
class Cast:
    """The people a scenario needs: two certified officers of the squad, its supervisor, a
    negotiator (and optionally a second one, assigned with the first), the legal reviewer and
    the head of office."""

    officer: User
    officer2: User
    supervisor: User
    negotiator: User
    reviewer: User
    head: User
    negotiator2: User | None = None


@dataclass
class CaseRecipe:
    location: str
    illegal_area: Decimal
    party_name: str
    party_identifier: str = ""
    party_kind: str = "person"
    source: str = "patrol"
    is_newly_added: bool = True
    structure_type: str = "brick_concrete"
    floors: int | None = 1
    description: str = ""


class Scenario:
    """Moves one case step by step; each step happens on a working day at 10:00 Beijing time,
    a few days after the previous one, and long enough after it for the statutory windows."""

    def __init__(self, *, cast: Cast, community: Community, start: dt.date, recipe: CaseRecipe):
        self.cast = cast
        self.community = community
        self.recipe = recipe
        self.calendar = WorkingCalendar.load()
        self.day = start
        self.case: Case | None = None

    def _moment(self, after_days: int) -> dt.datetime:
        self.day = self.calendar.roll_forward_to_working_day(self.day + dt.timedelta(days=after_days)).date
        return dt.datetime.combine(self.day, dt.time(10, 0), tzinfo=BEIJING)

    def _after_clocks(self, *kinds: str) -> None:
        """Move the scenario's day past the end of these clocks (windows the law makes us wait out)."""
        for clock in self.case.clocks.filter(kind__in=kinds):
            self.day = max(self.day, clock.due_at.astimezone(BEIJING).date() - dt.timedelta(days=1))

    def register(self) -> Case:
        r = self.recipe
        self.case = cases.case_register(
            actor=self.cast.officer, community=self.community, source=r.source, location=r.location,
            description=r.description, is_newly_added=r.is_newly_added, occurred_at=self._moment(0),
            party={"kind": r.party_kind, "name": r.party_name, "identifier": r.party_identifier,
                   "address": r.location, "phone": "13800000000"},
        )
        return self.case

    def run(self, steps: list[str]) -> Case:
        if self.case is None:
            self.register()
        for step in steps:
            name, _, variant = step.partition(":")
            getattr(self, f"_{name}")(variant)
            self.case.refresh_from_db()
        return self.case

    def _serve_latest(self, document_type: str, when: dt.datetime, method: str = ServiceMethod.HANDED_OVER):
        document = self.case.documents.filter(document_type=document_type).latest("created_at", "id")
        documents.document_serve(document=document, actor=self.cast.officer, served_at=when, method=method,
                                 recipient=self.recipe.party_name)

    # Each step below is one transition with the data a person would enter.

    def _inspect(self, variant):
        c = self.cast
        cases.case_inspect(
            case=self.case, actor=c.officer, occurred_at=self._moment(1), officers=[c.officer, c.officer2],
            location=self.recipe.location, illegal_area=self.recipe.illegal_area, construction_ongoing=False,
            structure_type=self.recipe.structure_type, floors=self.recipe.floors,
            is_newly_added=self.recipe.is_newly_added, findings="现场勘验，当事人未能提供规划许可证。",
        )

    def _file(self, variant):
        cases.case_file(case=self.case, actor=self.cast.supervisor, occurred_at=self._moment(1), opinion="同意立案。")

    def _dismiss(self, variant):
        cases.case_dismiss(case=self.case, actor=self.cast.supervisor, occurred_at=self._moment(1),
                           reason="经核查，该建筑已取得规划许可，不属于违法建设。")

    def _notify(self, variant):
        when = self._moment(3)
        cases.case_notify(
            case=self.case, actor=self.cast.officer, occurred_at=when,
            facts=f"当事人{self.recipe.party_name}未取得建设工程规划许可证，擅自在{self.recipe.location}建设建筑物，"
                  f"面积约{self.recipe.illegal_area}平方米。",
            evidence="现场检查笔录、现场照片、询问笔录、测量记录。",
            legal_basis="《中华人民共和国城乡规划法》第四十条第一款、第六十四条、第六十五条。",
        )
        self._serve_latest(DocumentType.PRIOR_NOTICE, when)

    def _request_hearing(self, variant):
        when = self._moment(1)
        cases.case_request_hearing(case=self.case, actor=self.cast.officer, occurred_at=when,
                                   hearing_at=when + dt.timedelta(days=10), place="执法办三楼听证室")

    def _submit_review(self, variant):
        if self.case.status == S.HEARING:
            cases.case_submit_review(case=self.case, actor=self.cast.officer, occurred_at=self._moment(11),
                                     hearing_record="听证会已举行，当事人陈述意见已记录。")
        else:
            self._after_clocks(ClockKind.STATEMENT, ClockKind.HEARING_REQUEST)
            cases.case_submit_review(case=self.case, actor=self.cast.officer, occurred_at=self._moment(1))
        approvals.approval_record(case=self.case, actor=self.cast.reviewer, step=ApprovalStep.LEGAL_REVIEW_DECISION,
                                  decision="approve", opinion="事实清楚，证据确凿，适用法律正确，同意。",
                                  occurred_at=self._moment(1))

    def _decide(self, variant):
        when = self._moment(1)
        cases.case_decide(case=self.case, actor=self.cast.supervisor, occurred_at=when,
                          decision_kind=variant or "demolish", self_demolition_days=15)
        self._serve_latest(
            DocumentType.RECTIFICATION_NOTICE if variant == "rectify" else DocumentType.DEMOLITION_DECISION, when
        )

    def _assign_negotiators(self, variant):
        cases.case_assign_negotiators(case=self.case, actor=self.cast.supervisor, occurred_at=self._moment(1),
                                      negotiators=[n for n in (self.cast.negotiator, self.cast.negotiator2) if n])

    def _commit_self_demolition(self, variant):
        when = self._moment(2)
        cases.case_commit_self_demolition(case=self.case, actor=self.cast.negotiator, occurred_at=when,
                                          commitment_date=self.day + dt.timedelta(days=20),
                                          terms="当事人承诺自行拆除全部违法建设部分。")

    def _report_progress(self, variant):
        cases.case_report_progress(case=self.case, actor=self.cast.officer, occurred_at=self._moment(7),
                                   demolished_area=(self.case.demolished_area + (self.case.illegal_area - self.case.demolished_area) / 2
                                                    ).quantize(Decimal("0.01")))

    def _verify(self, variant):
        c = self.cast
        cases.case_verify(case=self.case, actor=c.officer, occurred_at=self._moment(10), officers=[c.officer, c.officer2],
                          verified_area=self.case.illegal_area, findings="违法建设部分已全部拆除。")

    def _rectify(self, variant):
        cases.case_rectify(case=self.case, actor=self.cast.officer, occurred_at=self._moment(10),
                           correction_evidence="已按要求整改，补办手续，现场照片三张。")

    def _announce(self, variant):
        self._after_clocks(ClockKind.SELF_DEMOLITION, ClockKind.COMMITMENT)
        when = self._moment(1)
        cases.case_announce(case=self.case, actor=self.cast.supervisor, occurred_at=when, announcement_days=10,
                            posted_at_place="违法建筑现场及村委会公告栏")
        self._serve_latest(DocumentType.FORCED_DEMOLITION_ANNOUNCEMENT, when, ServiceMethod.LEFT_AT_ADDRESS)

    def _issue_demand(self, variant):
        self._after_clocks(ClockKind.ANNOUNCEMENT)
        when = self._moment(1)
        cases.case_issue_demand(case=self.case, actor=self.cast.officer, occurred_at=when)
        self._serve_latest(DocumentType.DEMAND, when)

    def _decide_execution(self, variant):
        self._after_clocks(ClockKind.DEMAND_STATEMENT)
        approvals.approval_record(case=self.case, actor=self.cast.reviewer, step=ApprovalStep.LEGAL_REVIEW_EXECUTION,
                                  decision="approve", opinion="程序合法，同意强制执行。", occurred_at=self._moment(1))
        when = self._moment(1)
        cases.case_decide_execution(case=self.case, actor=self.cast.head, occurred_at=when,
                                    county_order_reference="南府拆〔2026〕12号")
        self._serve_latest(DocumentType.EXECUTION_DECISION, when)

    def _force_demolish(self, variant):
        self._after_clocks(ClockKind.RECONSIDERATION, ClockKind.LITIGATION)
        c = self.cast
        cases.case_force_demolish(case=self.case, actor=c.officer, occurred_at=self._moment(1),
                                  officers=[c.officer, c.officer2], findings="依法组织强制拆除，现场秩序良好。")

    def _suspend(self, variant):
        cases.case_suspend(case=self.case, actor=self.cast.supervisor, occurred_at=self._moment(2),
                           reason="reconsideration", explanation="当事人已向区人民政府申请行政复议。")

    def _resume(self, variant):
        cases.case_resume(case=self.case, actor=self.cast.supervisor, occurred_at=self._moment(20),
                          outcome="复议机关维持原决定。")

    def _close(self, variant):
        cases.case_close(case=self.case, actor=self.cast.supervisor, occurred_at=self._moment(1), opinion="同意结案。")

    def _terminate(self, variant):
        cases.case_terminate(case=self.case, actor=self.cast.head, occurred_at=self._moment(3), reason="object_gone",
                             explanation="违法建筑因台风倒塌灭失。")
