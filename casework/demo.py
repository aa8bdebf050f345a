"""Demo data that looks like a real office, for trying the product and for guides.

`manage.py load_demo` calls `load_demo_reference` (squads, communities, one account per role)
and then, when this module defines it, `load_demo_cases(stdout)` (cases in every state, added
with the domain services). Every loader is idempotent: records are keyed on stable fields
(squad code, community name within its squad, username), so a second run adds nothing twice.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib.auth.hashers import make_password
from django.db import transaction

from casework.models import Community, Role, Squad, User

# Squads of 狮山镇 and the communities and villages each covers; the first squad is the one
# most demo accounts work in.
SQUADS: list[tuple[str, str, list[str]]] = [
    ("xiaotang", "小塘中队", ["小塘社区", "五星村", "新境村", "莲子塘村"]),
    ("guanyao", "官窑中队", ["官窑社区", "大榄村", "七甫村", "沙头村"]),
    ("luocun", "罗村中队", ["罗村社区", "联星村", "孝贤村", "芦塘村"]),
]


@dataclass(frozen=True)
class DemoAccount:
    username: str
    full_name: str
    roles: frozenset[str]
    squad_code: str | None = None
    certificate_number: str = ""
    phone: str = ""
    superuser: bool = False  # admin site access with every permission


# Usernames are fixed: guides, tests and scripts rely on them.
ACCOUNTS: list[DemoAccount] = [
    DemoAccount("officer1", "李建国", frozenset({Role.FIELD_OFFICER}), "xiaotang", "44060123001", "13802611001"),
    DemoAccount("officer2", "陈志强", frozenset({Role.FIELD_OFFICER}), "xiaotang", "44060123002", "13802611002"),
    DemoAccount("officer3", "黄伟明", frozenset({Role.FIELD_OFFICER}), "guanyao", "44060123003", "13802611003"),
    DemoAccount("negotiator1", "梁淑芬", frozenset({Role.NEGOTIATOR}), "xiaotang", phone="13902615001"),
    DemoAccount("negotiator2", "何永康", frozenset({Role.NEGOTIATOR}), "xiaotang", phone="13902615002"),
    DemoAccount("supervisor1", "张国华", frozenset({Role.SUPERVISOR}), "xiaotang", "44060122001", "13702610001"),
    DemoAccount("supervisor2", "刘振东", frozenset({Role.SUPERVISOR}), "guanyao", "44060122002", "13702610002"),
    DemoAccount("supervisor3", "邓锦培", frozenset({Role.SUPERVISOR}), "luocun", "44060122003", "13702610003"),
    DemoAccount("reviewer1", "周文静", frozenset({Role.LEGAL_REVIEWER}), phone="13602618001"),
    DemoAccount("head1", "吴德明", frozenset({Role.HEAD_OF_OFFICE}), certificate_number="44060121001"),
    DemoAccount("admin", "郑晓雯", frozenset({Role.ADMINISTRATOR}), superuser=True),
]

ROLE_FLAGS: dict[str, str] = {
    Role.FIELD_OFFICER: "is_field_officer",
    Role.NEGOTIATOR: "is_negotiator",
    Role.SUPERVISOR: "is_supervisor",
    Role.LEGAL_REVIEWER: "is_legal_reviewer",
    Role.HEAD_OF_OFFICE: "is_head_of_office",
    Role.ADMINISTRATOR: "is_administrator",
}


@transaction.atomic
def load_demo_reference(*, password: str) -> list[User]:
    """Create or refresh the demo squads, communities and accounts; return the accounts.

    Re-running resets the demo accounts to their listed roles, squads and `password`, so a
    guide's login always works; nothing else in the database is touched.
    """
    squads: dict[str, Squad] = {}
    for code, name, communities in SQUADS:
        squad, _ = Squad.objects.update_or_create(code=code, defaults={"name": name})
        squads[code] = squad
        for community in communities:
            Community.objects.get_or_create(squad=squad, name=community)

    # One hash for every account: they share a published password anyway, and hashing once
    # (Argon2 takes a quarter of a second) keeps `make run` quick.
    hashed_password = make_password(password)
    users = []
    for account in ACCOUNTS:
        defaults = {
            "full_name": account.full_name,
            "squad": squads[account.squad_code] if account.squad_code else None,
            "certificate_number": account.certificate_number,
            "phone": account.phone,
            "password": hashed_password,
            "is_active": True,
            "is_staff": account.superuser,
            "is_superuser": account.superuser,
            **{flag: role in account.roles for role, flag in ROLE_FLAGS.items()},
        }
        user, _ = User.objects.update_or_create(username=account.username, defaults=defaults)
        users.append(user)
    return users


# A second squad's lead, so that officer3 and supervisor2 have something of their own.
OTHER_SQUAD_LEAD = ("官窑社区振兴路9号楼顶", "guanyao", "官窑社区")


def load_demo_cases(stdout=None) -> int:
    """Cases in every state of procedure.md for the first squad, through the real services."""
    from casework.demo_cases import demo_cast
    from casework.demo_cases import load_demo_cases as load_cases
    from casework.models import Case
    from casework.services.cases import case_register

    people = {user.username: user for user in User.objects.filter(username__in=[a.username for a in ACCOUNTS])}
    cast = demo_cast(officer=people["officer1"], officer2=people["officer2"], supervisor=people["supervisor1"],
                     negotiator=people["negotiator1"], negotiator2=people["negotiator2"], reviewer=people["reviewer1"],
                     head=people["head1"])
    communities = list(Community.objects.filter(squad__code=SQUADS[0][0]).order_by("pk"))
    created = load_cases(cast=cast, communities=communities, stdout=stdout)
    location, squad_code, community_name = OTHER_SQUAD_LEAD
    if not Case.objects.filter(location=location).exists():
        case_register(actor=people["officer3"], community=Community.objects.get(squad__code=squad_code, name=community_name),
                      source="complaint", location=location, description="群众投诉楼顶加建。",
                      party={"kind": "person", "name": "罗志明", "identifier": "", "address": location})
        created += 1
    return created
