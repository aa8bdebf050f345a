"""Reads of the office's reference data: the squads, communities and people a user may see,
for choosing them in forms and in the field app (by id)."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import QuerySet

from casework.models import Community, Role, Squad, User

# The roles people hold inside a squad, and the flag of each on User.
SQUAD_ROLE_FLAGS = {
    Role.FIELD_OFFICER: "is_field_officer",
    Role.NEGOTIATOR: "is_negotiator",
    Role.SUPERVISOR: "is_supervisor",
}


def squads_visible(*, user: User) -> QuerySet[Squad]:
    """The squads `user` works in: their own; every squad for office-wide roles; none for an
    inactive person or one without a squad."""
    squads = Squad.objects.order_by("code")
    if not user.is_active:
        return squads.none()
    if user.sees_all_squads:
        return squads
    return squads.filter(pk=user.squad_id) if user.squad_id else squads.none()


def communities_visible(*, user: User, squad: int | None = None) -> QuerySet[Community]:
    """The communities of the squads `user` may see (optionally of one squad), by squad and name."""
    communities = Community.objects.filter(squad__in=squads_visible(user=user)).select_related("squad")
    if squad:
        communities = communities.filter(squad_id=squad)
    return communities.order_by("squad__code", "name", "id")


def people_visible(*, user: User, role: str | None = None, squad: int | None = None) -> QuerySet[User]:
    """The active people of the squads `user` may see, optionally only those holding `role`
    (one of SQUAD_ROLE_FLAGS) or of one squad; by name. Office-wide people (no squad) are not
    listed: the field app chooses squad members."""
    people = User.objects.filter(is_active=True, squad__in=squads_visible(user=user)).select_related("squad")
    if role:
        people = people.filter(**{SQUAD_ROLE_FLAGS[role]: True})
    if squad:
        people = people.filter(squad_id=squad)
    return people.order_by("full_name", "id")


@dataclass(frozen=True)
class CaseFilterChoices:
    """What the case list's filters offer, as (id, label) pairs in the order shown."""

    squads: list[tuple[int, str]]
    communities: list[tuple[int, str]]
    officers: list[tuple[int, str]]


def case_filter_choices(*, user: User) -> CaseFilterChoices:
    """The squads (every squad for office-wide roles, else the user's own), their communities
    and their field officers (by name), for the case list's filters. Read as (id, label) pairs:
    the list page shows nothing else of them, and a page draws them on every request."""
    squads = Squad.objects.all() if user.sees_all_squads else Squad.objects.filter(pk=user.squad_id)
    communities = Community.objects.filter(squad__in=squads).values_list("pk", "name")
    officers = (User.objects.filter(is_field_officer=True, squad__in=squads).order_by("full_name")
                .values_list("pk", "full_name", User.USERNAME_FIELD))
    return CaseFilterChoices(
        squads=list(squads.values_list("pk", "name")),
        communities=list(communities),
        # As User.display_name: the full name, else the login name.
        officers=[(pk, full_name or username) for pk, full_name, username in officers],
    )
