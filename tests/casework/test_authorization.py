"""The authorisation rules (casework.authorization): one test per rule and role, the rules the
issue names written out by hand, and the real pages, API, admin and exports refusing those
the rules keep out."""

from __future__ import annotations

import datetime as dt
import io
import re
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone
from PIL import Image

from casework import authorization
from casework.authorization import ROLE_ORDER, Reach, cases_for, permits, refusal, rules
from casework.models import CaseClock, ClockKind, Role, Squad
from casework.selectors.overdue import clock_overdue_queryset, running_clocks
from casework.services.attachments import attachment_add
from casework.services.cases import case_register
from tests.casework.api.conftest import client_for
from tests.casework.conftest import make_user

R = Role
README = Path(__file__).resolve().parents[2] / "README.md"
ROLE_FLAGS = {
    R.FIELD_OFFICER: "is_field_officer", R.NEGOTIATOR: "is_negotiator", R.SUPERVISOR: "is_supervisor",
    R.LEGAL_REVIEWER: "is_legal_reviewer", R.HEAD_OF_OFFICE: "is_head_of_office", R.ADMINISTRATOR: "is_administrator",
}
OFFICE_WIDE = {R.LEGAL_REVIEWER, R.HEAD_OF_OFFICE, R.ADMINISTRATOR}


def png(name="site.png") -> SimpleUploadedFile:
    buffer = io.BytesIO()
    Image.new("RGB", (8, 8), (10, 120, 30)).save(buffer, format="PNG")
    return SimpleUploadedFile(name, buffer.getvalue(), content_type="image/png")


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def world(squad, community, other_community):
    """One person per role (squad roles in `squad`, office-wide roles without a squad) and three
    cases: `own` of the squad, `assigned` of the squad with the negotiator assigned, `other` of
    another squad."""
    people = {
        role: make_user(f"only-{role}", None if role in OFFICE_WIDE else squad, **{flag: True})
        for role, flag in ROLE_FLAGS.items()
    }
    officer = people[R.FIELD_OFFICER]
    stranger = make_user("officer-elsewhere", other_community.squad, is_field_officer=True)
    own = case_register(actor=officer, community=community, source="patrol", location="五星村东区1号")
    assigned = case_register(actor=officer, community=community, source="patrol", location="五星村东区2号")
    assigned.negotiators.add(people[R.NEGOTIATOR])
    other = case_register(actor=stranger, community=other_community, source="patrol", location="官窑社区3号")
    return {"people": people, "own": own, "assigned": assigned, "other": other, "stranger": stranger}


# --- the table ---------------------------------------------------------------------------------

def test_the_readme_carries_the_generated_table():
    """The README's table is exactly what `manage.py authorization_table` prints from the rules:
    changing a rule without regenerating the README fails here."""
    text = README.read_text(encoding="utf-8")
    found = re.search(r"<!-- authorization-table:start -->\n(.*?)<!-- authorization-table:end -->", text, re.S)
    assert found, "README.md lacks the authorization table markers"
    out = io.StringIO()
    call_command("authorization_table", stdout=out)
    assert out.getvalue() == authorization.authorization_table()
    assert found.group(1) == out.getvalue()


def test_the_table_has_a_row_per_rule_and_a_column_per_role():
    table = authorization.authorization_table().splitlines()
    assert len(table) == 2 + len(rules())
    assert all(row.count("|") == len(ROLE_ORDER) + 3 for row in table)
    for name in ("read_case", "transition:inspect", "log_talk", "edit_reference_data", "admin_site", "export"):
        assert any(f"(`{name}`)" in row for row in table), name


def test_transition_rules_come_from_the_transition_table():
    """SPECS stays the source of who performs each transition."""
    from casework.transitions import SPECS

    for name, spec in SPECS.items():
        assert rules()[f"transition:{name}"].roles == spec.roles


# --- the rules the issue names, written out by hand ----------------------------------------------

READ = {  # role -> (own squad's case, own squad's case assigned to them, another squad's case)
    R.FIELD_OFFICER: (True, True, False),
    R.NEGOTIATOR: (False, True, False),
    R.SUPERVISOR: (True, True, False),
    R.LEGAL_REVIEWER: (True, True, True),
    R.HEAD_OF_OFFICE: (True, True, True),
    R.ADMINISTRATOR: (True, True, True),
}


@pytest.mark.parametrize("role", ROLE_ORDER)
def test_who_reads_which_case(world, role):
    """A negotiator reads only the cases they are assigned to; a field officer and a supervisor
    their squad's; the legal reviewer, the head of office and the administrator every case. The
    query (lists, API, overdue) and the single-case check agree."""
    user = world["people"][role]
    cases = [world["own"], world["assigned"], world["other"]]
    assert tuple(permits(user, "read_case", case=case) for case in cases) == READ[role]
    readable = set(cases_for(user).values_list("pk", flat=True))
    assert tuple(case.pk in readable for case in cases) == READ[role]


@pytest.mark.parametrize("role", ROLE_ORDER)
def test_the_case_page_is_found_exactly_where_the_case_is_readable(world, role):
    """case_page reads the case and checks the rule on it rather than in its query: it finds a
    case exactly when case_get does, and for a disabled account none."""
    from django.http import Http404

    from casework.selectors.cases import case_get, case_page

    user = world["people"][role]
    for case, readable in zip([world["own"], world["assigned"], world["other"]], READ[role], strict=True):
        if readable:
            assert case_page(user=user, pk=case.pk).case == case_get(user=user, pk=case.pk) == case
        else:
            for read in (case_get, case_page):
                with pytest.raises(Http404):
                    read(user=user, pk=case.pk)
    user.is_active = False
    with pytest.raises(Http404):
        case_page(user=user, pk=world["own"].pk)
    with pytest.raises(Http404):
        case_page(user=world["people"][R.HEAD_OF_OFFICE], pk=max(c.pk for c in (world["own"], world["other"])) + 999)


def test_reference_data_and_the_admin_site_are_the_administrators_only():
    assert rules()["edit_reference_data"].roles == {R.ADMINISTRATOR}
    assert rules()["admin_site"].roles == {R.ADMINISTRATOR}


def test_only_assigned_negotiators_log_talks():
    the_rule = rules()["log_talk"]
    assert the_rule.roles == {R.NEGOTIATOR} and the_rule.reach_of(R.NEGOTIATOR) == Reach.ASSIGNED


# --- every rule × every role ---------------------------------------------------------------------

def _reachable_and_not(world, reach):
    if reach == Reach.ASSIGNED:
        return world["assigned"], [world["own"], world["other"]]
    if reach == Reach.SQUAD:
        return world["own"], [world["other"]]
    return world["other"], []


CASE_RULES = [name for name, the_rule in rules().items() if the_rule.on_case]
OFFICE_RULES = [name for name, the_rule in rules().items() if not the_rule.on_case]


@pytest.mark.parametrize("action", CASE_RULES)
def test_each_case_rule_for_each_role(world, action):
    """Each role the rule names acts on the cases it reaches and is refused on the others (by
    squad or by assignment); every other role is refused on every case, for its role."""
    the_rule = rules()[action]
    for role in ROLE_ORDER:
        user = world["people"][role]
        if role not in the_rule.roles:
            for case in (world["own"], world["assigned"], world["other"]):
                denied = refusal(user, action, case=case)
                assert denied is not None and denied.code == "permission.role", (action, role)
            assert not cases_for(user, action).exists(), (action, role)
            continue
        reachable, unreachable = _reachable_and_not(world, the_rule.reach_of(role))
        assert permits(user, action, case=reachable), (action, role)
        for case in unreachable:
            denied = refusal(user, action, case=case)
            expected = "permission.not_assigned" if case.squad_id == user.squad_id else "permission.squad"
            assert denied is not None and denied.code == expected, (action, role, case.location)


@pytest.mark.parametrize("action", OFFICE_RULES)
def test_each_office_rule_for_each_role(world, action, squad):
    """Office-level actions (pages over many cases, reference data): the roles the rule names
    may, over their squad, every squad or (negotiators) their own cases; the others are refused."""
    the_rule = rules()[action]
    for role in ROLE_ORDER:
        user = world["people"][role]
        squads = list(authorization.squads_for(user, action))
        if role not in the_rule.roles:
            assert refusal(user, action).code == "permission.role", (action, role)
            assert squads == [], (action, role)
        elif the_rule.reach_of(role) == Reach.ALL:
            assert permits(user, action) and squads == list(Squad.objects.order_by("code")), (action, role)
        elif the_rule.reach_of(role) == Reach.SQUAD:
            assert permits(user, action) and squads == [squad], (action, role)
        else:  # a negotiator's figures: over their own cases, no whole squad's data
            assert permits(user, action) and squads == [], (action, role)


def test_an_inactive_person_may_do_nothing(world):
    user = world["people"][R.HEAD_OF_OFFICE]
    user.is_active = False
    for action in rules():
        assert refusal(user, action, case=world["own"]).code == "permission.inactive"
    assert not cases_for(user).exists()


def test_a_negotiator_who_is_also_a_field_officer_reads_the_squad_but_talks_only_on_own_cases(world, squad):
    """Each role acts within its own reach: as officer on the squad's cases, as negotiator only
    on the cases assigned to them."""
    both = make_user("officer-negotiator", squad, is_field_officer=True, is_negotiator=True)
    world["assigned"].negotiators.add(both)
    assert permits(both, "read_case", case=world["own"])
    assert not permits(both, "read_case", case=world["other"])
    assert refusal(both, "log_talk", case=world["own"]).code == "permission.not_assigned"
    assert permits(both, "log_talk", case=world["assigned"])
    assert permits(both, "transition:report_progress", case=world["own"])  # as field officer


def _lapsed_filing_clock(case, now, *, days_late):
    CaseClock.objects.filter(case=case, kind=ClockKind.FILING).delete()
    CaseClock.of_case(case, kind=ClockKind.FILING, started_at=now - dt.timedelta(days=30),
                      due_at=now - dt.timedelta(days=days_late), rule="test").save()


def test_the_overdue_lists_use_the_same_rule(world):
    """The overdue selector (pages, API, exports) shows the clocks of the readable cases only."""
    now = timezone.now()
    for case in (world["own"], world["assigned"], world["other"]):
        _lapsed_filing_clock(case, now, days_late=2)
    for role, expected in READ.items():
        user = world["people"][role]
        cases = [world["own"], world["assigned"], world["other"]]
        overdue = set(clock_overdue_queryset(as_of=now, user=user).values_list("case_id", flat=True))
        running = set(running_clocks(user=user).values_list("case_id", flat=True))
        assert tuple(case.pk in overdue for case in cases) == expected, role
        assert tuple(case.pk in running for case in cases) == expected, role


# --- the real endpoints ---------------------------------------------------------------------------

def test_case_pages_answer_404_to_those_who_may_not_read(world, client_as):
    """The case page, its persuasion page, its talk form and its documents: 404 for a negotiator
    not assigned to the case and for an officer of another squad; the assigned negotiator and
    the office-wide roles get the page."""
    people, case = world["people"], world["assigned"]
    own = world["own"]
    urls = [reverse("casework:case_detail", args=[own.pk]), reverse("persuasion:case", args=[own.pk]),
            reverse("documents:case", args=[own.pk])]
    for url in urls:
        assert client_as(people[R.NEGOTIATOR]).get(url).status_code == 404, url
        assert client_as(world["stranger"]).get(url).status_code == 404, url
        assert client_as(people[R.FIELD_OFFICER]).get(url).status_code == 200, url
        assert client_as(people[R.LEGAL_REVIEWER]).get(url).status_code == 200, url
    assert client_as(people[R.NEGOTIATOR]).get(reverse("persuasion:talk_new", args=[own.pk])).status_code == 404
    assert client_as(people[R.NEGOTIATOR]).get(reverse("casework:case_detail", args=[case.pk])).status_code == 200
    assert client_as(people[R.NEGOTIATOR]).get(reverse("persuasion:case", args=[case.pk])).status_code == 200


def test_the_case_list_shows_a_negotiator_only_their_cases(world, client_as):
    response = client_as(world["people"][R.NEGOTIATOR]).get(reverse("casework:case_list"))
    assert response.status_code == 200
    shown = {case.pk for case, _clock in response.context["rows"]}
    assert shown == {world["assigned"].pk}


def test_attachments_are_served_only_to_those_who_read_the_case(world, client_as):
    attachment = attachment_add(case=world["own"], actor=world["people"][R.FIELD_OFFICER], upload=png())
    url = reverse("attachment-download", args=[attachment.pk])
    assert client_as(world["people"][R.NEGOTIATOR]).get(url).status_code == 404
    assert client_as(world["stranger"]).get(url).status_code == 404
    assert client_as(world["people"][R.SUPERVISOR]).get(url).status_code == 200


def test_the_api_answers_404_to_a_negotiator_not_assigned(world):
    negotiator = world["people"][R.NEGOTIATOR]
    assert client_for(negotiator).get(f"/api/v1/cases/{world['own'].pk}/").status_code == 404
    assert client_for(negotiator).get(f"/api/v1/cases/{world['assigned'].pk}/").status_code == 200
    listed = client_for(negotiator).get("/api/v1/cases/").json()["results"]
    assert [row["id"] for row in listed] == [world["assigned"].pk]


def test_the_api_refuses_photos_from_roles_that_add_no_evidence(world):
    """The legal reviewer reads the case but adds no photo: 403 (ActionPermission)."""
    response = client_for(world["people"][R.LEGAL_REVIEWER]).post(
        f"/api/v1/cases/{world['own'].pk}/photos/", {"file": png()}, format="multipart")
    assert response.status_code == 403 and response.json()["code"] == "forbidden"


@pytest.mark.parametrize("role", [R.FIELD_OFFICER, R.NEGOTIATOR, R.LEGAL_REVIEWER])
def test_office_pages_and_exports_refuse_other_roles(world, client_as, role):
    """The overdue review page and its export, the dashboard and its export, the persuasion
    analysis and its CSV: 403 for field officers, negotiators and the legal reviewer."""
    client = client_as(world["people"][role])
    for url in (reverse("supervision:overdue"), reverse("supervision:overdue") + "?export=csv",
                reverse("supervision:dashboard"), reverse("supervision:dashboard_export", args=["squads", "csv"]),
                reverse("persuasion:analysis"), reverse("persuasion:analysis_csv")):
        assert client.get(url).status_code == 403, url


def test_the_overdue_export_holds_only_the_supervisors_squad(world, client_as):
    now = timezone.now()
    for case in (world["own"], world["other"]):
        _lapsed_filing_clock(case, now, days_late=5)
    response = client_as(world["people"][R.SUPERVISOR]).get(reverse("supervision:overdue") + "?export=csv")
    assert response.status_code == 200
    text = response.content.decode("utf-8-sig")
    assert world["own"].number in text and world["other"].number not in text


def test_leads_are_refused_to_roles_that_do_not_register(world, client_as):
    for role in (R.NEGOTIATOR, R.LEGAL_REVIEWER, R.ADMINISTRATOR):
        assert client_as(world["people"][role]).get(reverse("casework:lead_new")).status_code == 403, role
    assert client_as(world["people"][R.FIELD_OFFICER]).get(reverse("casework:lead_new")).status_code == 200


def test_the_admin_is_the_administrators(world, client_as, squad):
    """A negotiator, or a supervisor even with Django's staff flag, cannot open the admin nor edit
    holidays or squads there; an administrator (without the staff flag) can, and still cannot
    change a case's record."""
    supervisor = world["people"][R.SUPERVISOR]
    supervisor.is_staff = True
    supervisor.save()
    holiday_add = reverse("admin:casework_holidayyear_add")
    for user in (world["people"][R.NEGOTIATOR], supervisor):
        client = client_as(user)
        assert client.get("/admin/").status_code == 302
        assert client.get(holiday_add).status_code == 302
        client.post(reverse("admin:casework_squad_add"), {"name": "罗村中队", "code": "luocun"})
        assert not Squad.objects.filter(code="luocun").exists()
    client = client_as(world["people"][R.ADMINISTRATOR])
    assert client.get("/admin/").status_code == 200
    assert client.get(holiday_add).status_code == 200
    response = client.post(reverse("admin:casework_squad_add"), {"name": "罗村中队", "code": "luocun"})
    assert response.status_code == 302 and Squad.objects.filter(code="luocun").exists()
    case_url = reverse("admin:casework_case_change", args=[world["own"].pk])
    assert client.get(case_url).status_code == 200
    assert client.post(case_url, {"location": "改"}).status_code == 403


def test_the_admin_sign_in_refuses_a_staff_supervisor(world, client):
    supervisor = world["people"][R.SUPERVISOR]
    supervisor.is_staff = True
    supervisor.set_password("Correct-horse-7")
    supervisor.save()
    response = client.post("/admin/login/", {"username": supervisor.username, "password": "Correct-horse-7"})
    assert response.status_code == 200
    assert "_auth_user_id" not in client.session
