"""Demo cases: one or more in every state of procedure.md, through the real services.

Idempotent: a demo case is recognised by its location, so a second run adds nothing.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from casework.deadlines.calendar import BEIJING
from casework.errors import CaseworkError
from casework.models import Case, CaseStatus, Community, User
from casework.scenarios import DISMISSED_PATH, FORCED_CLOSED_PATH, PATHS, TERMINATED_PATH, CaseRecipe, Cast, Scenario

S = CaseStatus

# (path, days ago the lead was registered, recipe). Areas from a few m² to the source article's
# 8,000 m² shed roof, 1,000 m² rooftop structure and 800 m² "air corridor".
DEMO_CASES: list[tuple[list[str], int, CaseRecipe]] = [
    (PATHS[S.REPORTED], 2, CaseRecipe("小塘社区新安街18号天台", Decimal("36.00"), "陈志强", "440682198507120315",
                                      source="complaint", description="12345热线投诉：楼顶正在加建铁皮房。")),
    (PATHS[S.INSPECTED], 6, CaseRecipe("五星村工业路3号厂房旁空地", Decimal("8000.00"), "佛山市南海区恒达五金制品有限公司",
                                       "91440605MA4UJ5XG1F", party_kind="organisation", source="satellite",
                                       structure_type="shed", description="卫星图斑：新增大型钢结构棚顶约8000平方米。")),
    (PATHS[S.FILED], 20, CaseRecipe("小塘社区荷花路6号楼顶", Decimal("1000.00"), "梁伟明", "440682197803150637",
                                    source="drone", structure_type="steel", description="无人机巡查发现楼顶加建钢结构房。")),
    (PATHS[S.NOTIFIED], 30, CaseRecipe("五星村东区两栋楼之间", Decimal("800.00"), "何丽娟", "440682198211230021",
                                       structure_type="steel", description="两栋楼之间违法搭建“空中连廊”。")),
    (PATHS[S.HEARING], 45, CaseRecipe("狮山社区桂和路88号后院", Decimal("152.30"), "黄国华", "440682196905070510",
                                      source="referral", description="国土部门移交线索。")),
    (PATHS[S.UNDER_REVIEW], 50, CaseRecipe("小塘社区兴业南路21号", Decimal("64.80"), "周建军", "440682199001012311")),
    (PATHS[S.DECIDED], 90, CaseRecipe("五星村北街7号", Decimal("210.00"), "吴海燕", "440682198812250044",
                                      is_newly_added=False, description="存量违建，2015年建成。")),
    (PATHS[S.PERSUADING], 100, CaseRecipe("小塘社区南华路2号天面", Decimal("48.50"), "郑家辉", "440682197512300252")),
    (PATHS[S.SELF_DEMOLITION_COMMITTED], 110,
     CaseRecipe("五星村西区15号", Decimal("320.00"), "冯秀英", "440682196607150029", is_newly_added=False)),
    (PATHS[S.SELF_DEMOLISHING], 130, CaseRecipe("小塘社区工业大道旁铁皮棚", Decimal("1260.00"), "佛山市南海区顺景物流有限公司",
                                                "91440605MA51B3RP2H", party_kind="organisation", structure_type="shed")),
    (PATHS[S.VERIFIED], 150, CaseRecipe("五星村南坊9号", Decimal("12.60"), "蔡明辉", "440682199205180536",
                                        structure_type="temporary")),
    (PATHS[S.RECTIFIED], 140, CaseRecipe("小塘社区文化路33号", Decimal("25.00"), "许丽萍", "440682198409090028",
                                         description="超出规划许可范围加建，可整改。")),
    (PATHS[S.ANNOUNCED], 140, CaseRecipe("五星村村道旁违建仓库", Decimal("580.00"), "潘志伟", "440682197102140815",
                                         structure_type="steel")),
    (PATHS[S.DEMAND_ISSUED], 150, CaseRecipe("小塘社区河堤路违建厂房", Decimal("2300.00"), "罗永强", "440682196811110331",
                                             structure_type="steel", is_newly_added=False)),
    (PATHS[S.EXECUTION_DECIDED], 170, CaseRecipe("五星村果园内违建房", Decimal("430.00"), "谢志明", "44068219790909061X")),
    (PATHS[S.FORCED_DEMOLISHED], 260, CaseRecipe("小塘社区江边路违建酒楼", Decimal("960.00"), "邓振华", "440682196502020818",
                                                 structure_type="brick_concrete")),
    (PATHS[S.SUSPENDED], 60, CaseRecipe("五星村祠堂旁加建", Decimal("75.00"), "梁少芬", "440682198306060627")),
    (PATHS[S.CLOSED], 160, CaseRecipe("小塘社区朝阳路5号楼顶", Decimal("88.00"), "彭建新", "440682197606060018")),
    (FORCED_CLOSED_PATH, 280, CaseRecipe("五星村工业区违建车间", Decimal("1500.00"), "佛山市南海区联兴塑料厂",
                                         "91440605MA4W8YJ673", party_kind="organisation", structure_type="steel")),
    (DISMISSED_PATH, 15, CaseRecipe("小塘社区建设路12号", Decimal("30.00"), "钟伟", "440682199303030013",
                                    source="complaint", description="投诉核查：已取得规划许可。")),
    (TERMINATED_PATH, 120, CaseRecipe("五星村河边临时棚", Decimal("6.50"), "叶国强", "440682195808080819",
                                      structure_type="temporary", description="临时棚已被台风摧毁。")),
]

# How many weeks earlier than planned a demo case may start when its steps would reach today.
WEEKS_EARLIER_AT_MOST = 3


def load_demo_cases(*, cast: Cast, communities: list[Community], stdout=None) -> int:
    """Create the demo cases that do not exist yet; return how many were created.

    Each case goes to the community its address starts with (else the first one).
    """
    created = 0
    today = timezone.now().astimezone(BEIJING).date()
    for path, days_ago, recipe in DEMO_CASES:
        if Case.objects.filter(location=recipe.location).exists():
            continue
        community = next((c for c in communities if recipe.location.startswith(c.name)), communities[0])
        for weeks_earlier in range(WEEKS_EARLIER_AT_MOST + 1):
            start = today - dt.timedelta(days=days_ago + 7 * weeks_earlier)
            scenario = Scenario(cast=cast, community=community, start=start, recipe=recipe)
            try:
                with transaction.atomic():
                    scenario.run(path)
            except CaseworkError:
                # Steps fall on working days at 10:00: a weekend or a holiday can push a recent
                # case's step to today before 10:00 or later, which the services refuse as in
                # the future (on a Monday morning, in the National Day week). Start it earlier.
                if scenario.day < today or weeks_earlier == WEEKS_EARLIER_AT_MOST:
                    raise
            else:
                break
        created += 1
        if stdout:
            stdout.write(f"  demo case: {recipe.location}")
    return created


def demo_cast(*, officer: User, officer2: User, supervisor: User, negotiator: User, reviewer: User, head: User,
              negotiator2: User | None = None) -> Cast:
    """Negotiators read only the cases they are assigned to: both demo negotiators are assigned
    to every demo case that reaches persuasion, so each finds cases of their own."""
    return Cast(officer=officer, officer2=officer2, supervisor=supervisor, negotiator=negotiator, reviewer=reviewer,
                head=head, negotiator2=negotiator2)
