"""Reads of the office's reference data: the squads, communities and people a user may see,
for choosing them in forms and in the field app (by id)."""

from __future__ import annotations

from dataclasses import dataclass

from django.core.cache import cache
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
    the list page shows nothing else of them, and a page draws them on every request.

    The whole office's choices are read once and kept in the cache (three queries a list page
    no longer makes); each user's share is picked from them here, in the same order."""
    squads, communities, officers = _office_filter_choices()
    if not user.sees_all_squads:
        own = user.squad_id
        squads = [squad for squad in squads if squad[0] == own]
        communities = [community for community in communities if community[2] == own]
        officers = [officer for officer in officers if officer[3] == own]
    return CaseFilterChoices(
        squads=squads,
        communities=[(pk, name) for pk, name, _squad in communities],
        # As User.display_name: the full name, else the login name.
        officers=[(pk, full_name or username) for pk, full_name, username, _squad in officers],
    )


_CHOICES_KEY = "casework:case-filter-choices:v1"
# Saving or deleting a squad, a community or a person forgets the choices at once (signals,
# connected in casework.apps); a shared cache (CACHE_URL) forgets them for every process. The
# timeout bounds what no signal reports (a bulk update) and, with a per-process cache, what the
# other processes show: within a minute, as the calendar.
CHOICES_SECONDS = 60
# A person's save that changes none of these leaves the choices as they are (signing in
# saves last_login).
_CHOICE_FIELDS = frozenset({"full_name", "username", "is_field_officer", "squad", "squad_id"})


def _office_filter_choices() -> tuple[list, list, list]:
    """Every squad (id, name), community (id, name, squad id) and field officer of a squad
    (id, full name, login name, squad id), in the order the filters show them."""
    choices = cache.get(_CHOICES_KEY)
    if choices is None:
        choices = (
            list(Squad.objects.values_list("pk", "name")),
            list(Community.objects.values_list("pk", "name", "squad_id")),
            list(User.objects.filter(is_field_officer=True, squad__isnull=False).order_by("full_name")
                 .values_list("pk", "full_name", User.USERNAME_FIELD, "squad_id")),
        )
        cache.set(_CHOICES_KEY, choices, timeout=CHOICES_SECONDS)
    return choices


def forget_filter_choices(sender=None, instance=None, update_fields=None, **kwargs) -> None:
    """A signal receiver (post_save, post_delete of Squad, Community and User): the next list
    page reads the choices afresh."""
    if sender is User and update_fields is not None and not _CHOICE_FIELDS & set(update_fields):
        return
    cache.delete(_CHOICES_KEY)
