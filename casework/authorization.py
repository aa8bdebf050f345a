"""Who may do what, on which case: the office's authorisation rules in one place.

Every surface asks this module: the pages, the API (casework.api.permissions), the Django
admin, the exports, the overdue lists and the figures. A rule is an action and, for each role
that may perform it, the role's *reach*:

- ``all``: every squad's cases (the legal reviewer, the head of office, administrators);
- ``squad``: the cases of the person's own squad (field officers, supervisors);
- ``assigned``: only the cases the person is assigned to as negotiator (Case.negotiators).

A person may hold several roles: an action is allowed on a case when *one* of the person's
roles that may perform it reaches the case (a negotiator who is also a field officer acts as an
officer on the squad's cases and as a negotiator on their assigned cases). The states in which
an action makes sense stay with the code that owns them (the FSM for transitions, the
approval rules, the talk states); the rules list them for the table.

The transitions' roles come from casework.transitions.SPECS and the opinions' from
casework.services.approvals.APPROVAL_RULES: those tables stay the source, this module exposes
them with the rest. `authorization_table()` prints the whole thing (README, "Who may do what").
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from functools import cache

from django.db.models import Q, QuerySet
from django.utils.translation import gettext

from casework.errors import GuardFailure
from casework.models import Case, CaseStatus, Role, Squad, User

R = Role
S = CaseStatus


class Reach(StrEnum):
    ALL = "all"
    SQUAD = "squad"
    ASSIGNED = "assigned"


# The cases each role works on. A role's reach is the same for every action it may perform.
ROLE_REACH: dict[str, Reach] = {
    R.FIELD_OFFICER: Reach.SQUAD,
    R.NEGOTIATOR: Reach.ASSIGNED,
    R.SUPERVISOR: Reach.SQUAD,
    R.LEGAL_REVIEWER: Reach.ALL,
    R.HEAD_OF_OFFICE: Reach.ALL,
    R.ADMINISTRATOR: Reach.ALL,
}
ROLE_ORDER: tuple[str, ...] = tuple(R.values)


@dataclass(frozen=True)
class Rule:
    """One action: the roles that may perform it, whether it concerns one case (checked
    against the case's squad and negotiators) and when (in which states) it is possible."""

    action: str
    label: object  # a (lazy) string, shown in English in the table
    roles: frozenset[str]
    on_case: bool = True
    when: str = ""
    reach: Mapping[str, Reach] = field(default_factory=dict)

    def reach_of(self, role: str) -> Reach:
        return self.reach.get(role, ROLE_REACH[role])


EVERYONE = frozenset(ROLE_ORDER)
OFFICE_REVIEWERS = frozenset({R.SUPERVISOR, R.HEAD_OF_OFFICE, R.ADMINISTRATOR})


def _states(states: Iterable[str]) -> str:
    states = set(states)
    if states == set(S.values):
        return "any state"
    if states == set(S.values) - {S.CLOSED}:
        return "not closed"
    return ", ".join(s for s in S.values if s in states)


def _transition_rules() -> list[Rule]:
    from casework.transitions import SPECS

    sources: dict[str, set[str]] = {}
    for transition in Case._meta.get_field("status").get_all_transitions(Case):
        sources.setdefault(transition.name, set()).add(transition.source)
    return [
        Rule(f"transition:{name}", spec.label, spec.roles, when=_states(sources.get(name, ())))
        for name, spec in SPECS.items()
    ]


def _approval_rules() -> list[Rule]:
    from casework.models import ApprovalStep
    from casework.services.approvals import APPROVAL_RULES

    return [
        Rule(f"approval:{step}", ApprovalStep(step).label, frozenset({role}), when=_states(states))
        for step, (role, states) in APPROVAL_RULES.items()
    ]


def _talk_states() -> str:
    from casework.services.persuasion import TALK_STATES

    return _states(TALK_STATES)


@cache
def rules() -> dict[str, Rule]:
    """Every action's rule, in the order of the table."""
    read_roles = EVERYONE
    listed = [
        Rule("read_case", "Read a case (page, API, timeline, documents list, process history)", read_roles,
             when="any state"),
        Rule("register_lead", "Register a lead (in a community of the squad)",
             frozenset({R.FIELD_OFFICER, R.SUPERVISOR, R.HEAD_OF_OFFICE}), when="—"),
        *_transition_rules(),
        *_approval_rules(),
        Rule("log_talk", "Log a persuasion talk", frozenset({R.NEGOTIATOR}), when=_talk_states()),
        Rule("record_publicity", "Record a publicity action (for a community of the squad)",
             frozenset({R.FIELD_OFFICER, R.NEGOTIATOR, R.SUPERVISOR}), on_case=False, when="—",
             reach={R.NEGOTIATOR: Reach.SQUAD}),
        Rule("upload_attachment", "Upload a photo, recording or scan",
             frozenset({R.FIELD_OFFICER, R.NEGOTIATOR, R.SUPERVISOR, R.HEAD_OF_OFFICE}), when="any state"),
        Rule("download_attachment", "Download a photo, recording or scan", read_roles, when="any state"),
        Rule("download_document", "Download a document's PDF", read_roles, when="once rendered"),
        Rule("record_service", "Record the service of a document", frozenset({R.FIELD_OFFICER, R.SUPERVISOR}),
             when="not closed"),
        Rule("correct_document", "Correct an issued document", frozenset({R.SUPERVISOR, R.HEAD_OF_OFFICE}),
             when="any state"),
        Rule("record_statement", "Record the party's statement", frozenset({R.FIELD_OFFICER, R.SUPERVISOR}),
             when="not closed"),
        Rule("answer_statement", "Answer the party's statement",
             frozenset({R.FIELD_OFFICER, R.SUPERVISOR, R.HEAD_OF_OFFICE}), when="any state"),
        Rule("add_note", "Add a remark to a case", read_roles, when="any state"),
        Rule("add_review_note", "Add a supervisor's review note (overdue page)",
             frozenset({R.SUPERVISOR, R.HEAD_OF_OFFICE}), when="any state"),
        Rule("assign_officers", "Assign the officers of a case", frozenset({R.SUPERVISOR, R.HEAD_OF_OFFICE}),
             when="not closed"),
        Rule("bulk_reassign", "Reassign several cases at once (overdue page)",
             frozenset({R.SUPERVISOR, R.HEAD_OF_OFFICE}), when="not closed"),
        Rule("reassign_task", "Hand a case's task to another person", frozenset({R.SUPERVISOR, R.HEAD_OF_OFFICE}),
             when="open task"),
        Rule("view_overdue", "See the overdue review page (its squads' cases)", OFFICE_REVIEWERS, on_case=False),
        Rule("view_dashboard", "See the year's dashboard and GET /api/v1/stats/ (its squads' figures)", OFFICE_REVIEWERS, on_case=False),
        Rule("view_persuasion_analysis", "See the persuasion analysis (its squads' talks)", OFFICE_REVIEWERS,
             on_case=False),
        Rule("export", "Export tables as CSV or Excel (overdue, dashboard, analysis)", OFFICE_REVIEWERS,
             on_case=False),
        Rule("edit_reference_data",
             "Edit reference data (squads, communities, holidays, periods, targets, users, settings)",
             frozenset({R.ADMINISTRATOR}), on_case=False),
        Rule("admin_site", "Open the admin site (records there are read-only)", frozenset({R.ADMINISTRATOR}),
             on_case=False),
    ]
    return {rule.action: rule for rule in listed}


def rule(action: str) -> Rule:
    try:
        return rules()[action]
    except KeyError:
        raise KeyError(f"no authorisation rule named {action!r}") from None


# --- asking about a person -------------------------------------------------------------------

def _active(user) -> bool:
    return bool(user is not None and getattr(user, "is_authenticated", False) and user.is_active)


def granting_roles(user: User, action: str) -> frozenset[str]:
    """The roles of `user` that may perform `action` somewhere."""
    if not _active(user):
        return frozenset()
    return rule(action).roles & user.roles


def reaches(user: User, action: str) -> set[Reach]:
    the_rule = rule(action)
    return {the_rule.reach_of(role) for role in granting_roles(user, action)}


def case_q(
    user: User, action: str = "read_case", prefix: str = "", *, squad_field: str | None = None, case_field: str | None = None
) -> Q | None:
    """A filter on cases (on `prefix`-ed case fields of another model) for the cases where
    `user` may perform `action`; Q() for every case, None for none. A model that carries its
    case's squad itself (the clocks do) names its own columns with `squad_field`/`case_field`
    so the filter needs no join."""
    squad_field = squad_field or f"{prefix}squad_id"
    case_field = case_field or f"{prefix}id"
    found = reaches(user, action)
    if not found:
        return None
    if Reach.ALL in found:
        return Q()
    parts = []
    if Reach.SQUAD in found and user.squad_id:
        parts.append(Q(**{squad_field: user.squad_id}))
    if Reach.ASSIGNED in found:
        # A subquery on the link table (indexed by user): no join, no duplicate rows.
        assigned = Case.negotiators.through.objects.filter(user_id=user.pk).values("case_id")
        parts.append(Q(**{f"{case_field}__in": assigned}))
    if not parts:
        return None
    condition = parts[0]
    for part in parts[1:]:
        condition |= part
    return condition


def filter_cases(queryset: QuerySet, user: User, action: str = "read_case", prefix: str = "", **fields) -> QuerySet:
    """`queryset` (of cases, or of rows with a case at `prefix`) narrowed to the cases where
    `user` may perform `action`; `fields` as for `case_q`."""
    condition = case_q(user, action, prefix, **fields)
    if condition is None:
        return queryset.none()
    return queryset.filter(condition) if condition else queryset


def cases_for(user: User, action: str = "read_case") -> QuerySet[Case]:
    return filter_cases(Case.objects.all(), user, action)


def squads_for(user: User, action: str) -> QuerySet[Squad]:
    """The squads whose data `user` sees under an office-level `action` (all, one's own, none)."""
    found = reaches(user, action)
    squads = Squad.objects.order_by("code")
    if Reach.ALL in found:
        return squads
    if Reach.SQUAD in found and user.squad_id:
        return squads.filter(pk=user.squad_id)
    return squads.none()


def sees_all(user: User, action: str) -> bool:
    return Reach.ALL in reaches(user, action)


def _assigned(user: User, case: Case) -> bool:
    # Uses the prefetched negotiators when the caller loaded them.
    return any(person.pk == user.pk for person in case.negotiators.all())


def refusal(user: User, action: str, *, case: Case | None = None, squad_id: int | None = None) -> GuardFailure | None:
    """Why `user` may not perform `action` (on `case`, or for `squad_id` when the action
    concerns a squad's data rather than one case), or None when they may."""
    the_rule = rule(action)
    if not _active(user):
        return GuardFailure("permission.inactive", gettext("Your account is disabled."))
    roles = the_rule.roles & user.roles
    if not roles:
        names = "、".join(str(Role(role).label) for role in ROLE_ORDER if role in the_rule.roles)
        return GuardFailure("permission.role", gettext("Only a %(roles)s may do this.") % {"roles": names})
    if case is None and squad_id is None:
        return None
    target_squad = case.squad_id if case is not None else squad_id
    found = {the_rule.reach_of(role) for role in roles}
    if Reach.ALL in found or (Reach.SQUAD in found and user.squad_id and user.squad_id == target_squad):
        return None
    if Reach.ASSIGNED in found and case is not None and _assigned(user, case):
        return None
    if Reach.ASSIGNED in found and found == {Reach.ASSIGNED} and (case is None or user.squad_id == target_squad):
        return GuardFailure("permission.not_assigned", gettext("You are not a negotiator of this case."))
    return GuardFailure("permission.squad", gettext("This case belongs to another squad."))


def permits(user: User, action: str, *, case: Case | None = None, squad_id: int | None = None) -> bool:
    return refusal(user, action, case=case, squad_id=squad_id) is None


def may_read_case(user: User, case: Case) -> bool:
    return permits(user, "read_case", case=case)


# --- the table -------------------------------------------------------------------------------

REACH_WORDS = {Reach.ALL: "all squads", Reach.SQUAD: "own squad", Reach.ASSIGNED: "assigned cases"}
OFFICE_WORDS = {Reach.ALL: "yes (all squads)", Reach.SQUAD: "yes (own squad)", Reach.ASSIGNED: "yes (own cases)"}


def authorization_table() -> str:
    """The action × role table in Markdown, generated from the rules above."""
    from django.utils import translation

    with translation.override("en"):
        roles = [str(Role(role).label) for role in ROLE_ORDER]
        lines = [
            "| Action | " + " | ".join(roles) + " | When |",
            "|---|" + "---|" * len(roles) + "---|",
        ]
        for the_rule in rules().values():
            words = REACH_WORDS if the_rule.on_case else OFFICE_WORDS
            cells = [words[the_rule.reach_of(role)] if role in the_rule.roles else "—" for role in ROLE_ORDER]
            name = f"{the_rule.label} (`{the_rule.action}`)"
            lines.append(f"| {name} | " + " | ".join(cells) + f" | {the_rule.when or '—'} |")
    return "\n".join(lines) + "\n"
