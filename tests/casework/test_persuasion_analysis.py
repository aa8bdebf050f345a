"""The supervisors' persuasion analysis, checked against a small hand-built data set.

The cases are written directly (rows and events, no services) so that every date is chosen
here and every expected figure can be worked out by hand below.
"""

import csv
import datetime as dt
import io
from decimal import ROUND_HALF_UP, Decimal

import pytest
from django.urls import reverse

from casework.deadlines.calendar import BEIJING
from casework.models import Case, CaseEvent, CaseStatus, Community, EventKind, Squad, Talk
from casework.selectors.persuasion import CommitmentState, Outcome, analysis_tables, persuasion_analysis

from .conftest import make_user

TODAY = dt.date(2026, 6, 30)
TENTH = Decimal("0.1")


def at(day: str, hour: int = 10) -> dt.datetime:
    return dt.datetime.combine(dt.date.fromisoformat(day), dt.time(hour), tzinfo=BEIJING)


class Builder:
    def __init__(self, squad, community, actor):
        self.squad, self.community, self.actor = squad, community, actor
        self.sequence = 0

    def case(self, *, area, status, year=2026, negotiators=(), squad=None, community=None) -> Case:
        self.sequence += 1
        case = Case.objects.create(
            number=f"T-{self.sequence}", year=year, sequence=self.sequence, squad=squad or self.squad,
            community=community or self.community, source="patrol", location="测试", illegal_area=Decimal(area),
            status=status, reported_at=at(f"{year}-01-05"),
        )
        case.negotiators.set(negotiators)
        return case

    def talk(self, case, when, kind, attitude, negotiator) -> Talk:
        event = CaseEvent.objects.create(case=case, kind=EventKind.TALK, actor=negotiator, occurred_at=when, data={})
        talk = Talk.objects.create(case=case, event=event, occurred_at=when, place="村委会", owner_attendees="业主",
                                   kind=kind, attitude=attitude, recorded_by=negotiator)
        talk.negotiators.set([negotiator])
        return talk

    def step(self, case, name, when, **data):
        CaseEvent.objects.create(case=case, kind=EventKind.TRANSITION, transition=name, actor=self.actor,
                                 occurred_at=when, data=data)


@pytest.fixture
def data(db):
    squad = Squad.objects.create(name="小塘中队", code="xiaotang")
    other_squad = Squad.objects.create(name="官窑中队", code="guanyao")
    community = Community.objects.create(name="五星村", squad=squad)
    other_community = Community.objects.create(name="官窑社区", squad=other_squad)
    n1 = make_user("negotiator1", squad, is_negotiator=True)
    n2 = make_user("negotiator2", squad, is_negotiator=True)
    n3 = make_user("negotiator3", other_squad, is_negotiator=True)
    supervisor = make_user("supervisor1", squad, is_supervisor=True)
    b = Builder(squad, community, supervisor)

    # A: persuaded in two talks, committed at the second, kept (verified before the date).
    a = b.case(area="100", status=CaseStatus.VERIFIED, negotiators=[n1])
    b.talk(a, at("2026-03-01"), "persuade", "hesitant", n1)
    b.talk(a, at("2026-03-05"), "leverage", "cooperative", n1)
    b.step(a, "commit_self_demolition", at("2026-03-05"), commitment_date="2026-03-20")
    b.step(a, "report_progress", at("2026-03-10"), demolished_area="50.00")
    b.step(a, "verify", at("2026-03-18"), verified_area="100")
    # B: committed at the second talk, broke it, was forcibly demolished.
    bb = b.case(area="200", status=CaseStatus.VERIFIED, negotiators=[n1])
    b.talk(bb, at("2026-03-02"), "persuade", "resistant", n1)
    b.talk(bb, at("2026-03-09"), "urge", "hesitant", n1)
    b.step(bb, "commit_self_demolition", at("2026-03-09"), commitment_date="2026-03-31")
    b.talk(bb, at("2026-04-02"), "urge", "resistant", n1)  # after the commitment: not counted before it
    b.step(bb, "force_demolish", at("2026-05-20"))
    b.step(bb, "verify", at("2026-05-25"), verified_area="200")
    # C: refuses, still persuading.
    c = b.case(area="80", status=CaseStatus.PERSUADING, negotiators=[n1])
    b.talk(c, at("2026-04-01"), "persuade", "refusing", n1)
    # D: committed at the first talk to a date after TODAY: running.
    d = b.case(area="50", status=CaseStatus.SELF_DEMOLITION_COMMITTED, negotiators=[n1])
    b.talk(d, at("2026-04-10"), "persuade", "cooperative", n1)
    b.step(d, "commit_self_demolition", at("2026-04-10"), commitment_date="2026-07-15")
    # H: negotiator2's case: kept by a full-area progress report on the committed day.
    h = b.case(area="60", status=CaseStatus.VERIFIED, negotiators=[n2])
    b.talk(h, at("2026-05-01"), "persuade", "cooperative", n2)
    b.step(h, "commit_self_demolition", at("2026-05-01"), commitment_date="2026-05-10")
    b.step(h, "report_progress", at("2026-05-10", 17), demolished_area="60.00")
    b.step(h, "verify", at("2026-05-12"), verified_area="60")
    # Outside the scope: another squad, another year, and a case without talks.
    e = b.case(area="10", status=CaseStatus.PERSUADING, negotiators=[n3], squad=other_squad, community=other_community)
    b.talk(e, at("2026-03-01"), "persuade", "cooperative", n3)
    f = b.case(area="10", status=CaseStatus.PERSUADING, year=2025, negotiators=[n1])
    b.talk(f, at("2025-11-01"), "persuade", "cooperative", n1)
    b.case(area="10", status=CaseStatus.PERSUADING, negotiators=[n1])
    return {"squad": squad, "n1": n1, "n2": n2, "supervisor": supervisor, "other_squad": other_squad}


def test_squad_year_figures_match_the_hand_count(data):
    """Squad 小塘, 2026: cases A, B, C, D and H (5) — E (other squad), F (2025) and the case
    without talks are left out."""
    result = persuasion_analysis(squad=data["squad"], year=2026, today=TODAY)
    assert result.cases == 5
    # Outcomes: A and H verified without force (2), B forced (1), C and D still open (2).
    assert (result.outcomes[Outcome.SELF], result.outcomes[Outcome.FORCED], result.outcomes[Outcome.OPEN]) == (2, 1, 2)
    assert result.self_rate == (Decimal(2 * 100) / 3).quantize(TENTH, ROUND_HALF_UP)  # 66.7
    # Talks up to the first commitment: A persuade+leverage, B persuade+urge, D persuade, H persuade.
    assert result.committed_cases == 4
    assert dict(result.talks_before_commitment) == {"persuade": 4, "leverage": 1, "urge": 1}
    assert result.talks_per_committed_case("leverage") == Decimal("0.3")  # 1/4 = 0.25, rounded half up
    assert result.talks_per_committed_case() == Decimal("1.5")  # 6/4
    # First talk → commitment: A 03-01→03-05 = 4, B 03-02→03-09 = 7, D 0, H 0.
    assert sorted(result.days_to_commitment.values) == [0, 0, 4, 7]
    assert result.days_to_commitment.average == (Decimal(11) / 4).quantize(TENTH, ROUND_HALF_UP)  # 2.8
    assert result.days_to_commitment.median == Decimal("2.0")  # (0 + 4) / 2
    # First talk → verified self-demolition: A 03-01→03-18 = 17, H 05-01→05-12 = 11 (B was forced).
    assert sorted(result.days_to_verified.values) == [11, 17]
    assert result.days_to_verified.average == Decimal("14.0")
    # Commitments: A kept (verified 03-18 ≤ 03-20), H kept (full area reported on 05-10),
    # B broken (03-31 passed, nothing removed by then), D running (07-15 after TODAY).
    assert result.commitments == {CommitmentState.KEPT: 2, CommitmentState.BROKEN: 1, CommitmentState.PENDING: 1}
    assert result.kept_rate == Decimal("66.7")
    # First attitude vs outcome.
    assert result.attitude_outcomes["cooperative"] == {Outcome.OPEN: 1, Outcome.SELF: 1}  # D, H
    assert result.attitude_outcomes["hesitant"] == {Outcome.SELF: 1}  # A
    assert result.attitude_outcomes["resistant"] == {Outcome.FORCED: 1}  # B
    assert result.attitude_outcomes["refusing"] == {Outcome.OPEN: 1}  # C


def test_negotiator_filter_keeps_only_their_cases(data):
    """negotiator1 has A, B, C, D (H is negotiator2's): 1 self, 1 forced, 2 open; 3 commitments."""
    result = persuasion_analysis(squad=data["squad"], year=2026, negotiator=data["n1"], today=TODAY)
    assert result.cases == 4
    assert (result.outcomes[Outcome.SELF], result.outcomes[Outcome.FORCED]) == (1, 1)
    assert result.committed_cases == 3
    assert result.commitments == {CommitmentState.KEPT: 1, CommitmentState.BROKEN: 1, CommitmentState.PENDING: 1}
    only_h = persuasion_analysis(year=2026, negotiator=data["n2"], today=TODAY)
    assert only_h.cases == 1 and only_h.days_to_verified.values == [11]


def test_commitment_on_its_last_day_is_kept_the_next_day_broken(data):
    """Seen on the committed day itself (03-31) B's commitment still runs; a day later it is broken."""
    on_the_day = persuasion_analysis(squad=data["squad"], year=2026, negotiator=data["n1"], today=dt.date(2026, 3, 31))
    day_after = persuasion_analysis(squad=data["squad"], year=2026, negotiator=data["n1"], today=dt.date(2026, 4, 1))
    assert on_the_day.commitments[CommitmentState.BROKEN] == 0
    assert day_after.commitments[CommitmentState.BROKEN] == 1


def test_tables_hold_the_same_figures(data):
    """The tables shown and exported carry the computed figures."""
    tables = {t["key"]: t for t in analysis_tables(persuasion_analysis(squad=data["squad"], year=2026, today=TODAY))}
    assert [row[1] for row in tables["outcomes"]["rows"]] == [2, 1, 2, 0, "66.7"]
    assert tables["days"]["rows"][0][1:] == [4, "2.8", "2.0", "0", "7"]


def test_analysis_page_and_csv_for_the_supervisor(client, data):
    """The supervisor sees a table and an inline SVG chart for each figure, and the CSV has them too."""
    client.force_login(data["supervisor"])
    response = client.get(reverse("persuasion:analysis"), {"year": 2026})
    assert response.status_code == 200
    body = response.content.decode()
    assert body.count("<svg") == 5 and body.count("<table") == 5
    assert "http://" not in body.split("<svg", 1)[1].replace("http://www.w3.org/2000/svg", "")
    export = client.get(reverse("persuasion:analysis_csv"), {"year": 2026})
    rows = list(csv.reader(io.StringIO(export.content.decode("utf-8-sig"))))
    assert rows[0][1] == "小塘中队"
    outcomes = rows[rows.index([str(analysis_tables(persuasion_analysis())[0]["title"])]):][:8]
    assert [r[1] for r in outcomes[2:7]] == ["2", "1", "2", "0", "66.7"]


def test_analysis_refuses_negotiators_and_other_squads(client, data):
    """A negotiator gets 403; a supervisor cannot pick another squad."""
    client.force_login(data["n1"])
    assert client.get(reverse("persuasion:analysis")).status_code == 403
    client.force_login(data["supervisor"])
    assert client.get(reverse("persuasion:analysis"), {"squad": data["other_squad"].pk}).status_code == 404
