"""What each document type prints besides the case data: its legal basis article by article
and its deadline sentence. Everything is computed from the document's stored snapshot so a
render is the same whenever it runs."""

from __future__ import annotations

import datetime as dt

from casework.models import DocumentType

D = DocumentType

PLANNING_64 = ("《中华人民共和国城乡规划法》第六十四条",
               "未取得建设工程规划许可证或者未按照建设工程规划许可证的规定进行建设的，由县级以上地方人民政府城乡规划主管部门"
               "责令停止建设；无法采取改正措施消除影响的，限期拆除，不能拆除的，没收实物或者违法收入，可以并处建设工程造价百分之十以下的罚款。")
PLANNING_65 = ("《中华人民共和国城乡规划法》第六十五条",
               "在乡、村庄规划区内未依法取得乡村建设规划许可证或者未按照乡村建设规划许可证的规定进行建设的，由乡、镇人民政府"
               "责令停止建设、限期改正；逾期不改正的，可以拆除。")
PLANNING_68 = ("《中华人民共和国城乡规划法》第六十八条",
               "城乡规划主管部门作出责令停止建设或者限期拆除的决定后，当事人不停止建设或者逾期不拆除的，建设工程所在地县级以上"
               "地方人民政府可以责成有关部门采取查封施工现场、强制拆除等措施。")
PENALTY_44 = ("《中华人民共和国行政处罚法》第四十四条",
              "行政机关在作出行政处罚决定之前，应当告知当事人拟作出的行政处罚内容及事实、理由、依据，并告知当事人依法享有的"
              "陈述、申辩、要求听证等权利。")
PENALTY_45 = ("《中华人民共和国行政处罚法》第四十五条", "当事人有权进行陈述和申辩。行政机关必须充分听取当事人的意见。")
PENALTY_54 = ("《中华人民共和国行政处罚法》第五十四条",
              "符合立案标准的，行政机关应当及时立案。")
PENALTY_58 = ("《中华人民共和国行政处罚法》第五十八条",
              "对情节复杂或者重大违法行为给予行政处罚，行政机关负责人作出决定之前，应当由从事行政处罚决定法制审核的人员进行法制审核。")
PENALTY_55 = ("《中华人民共和国行政处罚法》第五十五条",
              "执法人员在调查或者进行检查时，应当主动向当事人或者有关人员出示执法证件。询问或者检查应当制作笔录。")
PENALTY_59 = ("《中华人民共和国行政处罚法》第五十九条",
              "行政处罚决定书应当载明当事人的违法事实和证据、行政处罚的种类和依据、履行方式和期限、申请行政复议和提起行政诉讼的"
              "途径和期限、作出决定的行政机关名称和日期，并加盖行政机关的印章。")
PENALTY_61 = ("《中华人民共和国行政处罚法》第六十一条", "行政处罚决定书应当在宣告后当场交付当事人；当事人不在场的，应当在七日内依照"
              "《中华人民共和国民事诉讼法》的有关规定送达当事人。")
PENALTY_64 = ("《中华人民共和国行政处罚法》第六十四条",
              "当事人要求听证的，应当在行政机关告知后五日内提出；行政机关应当在举行听证的七日前，通知当事人及有关人员听证的时间、地点。")
PENALTY_57 = ("《中华人民共和国行政处罚法》第五十七条", "调查终结，行政机关负责人应当对调查结果进行审查，根据不同情况，分别作出决定。")
COERCION_35 = ("《中华人民共和国行政强制法》第三十五条",
               "行政机关作出强制执行决定前，应当事先催告当事人履行义务。催告应当以书面形式作出。")
COERCION_36 = ("《中华人民共和国行政强制法》第三十六条", "当事人收到催告书后有权进行陈述和申辩。")
COERCION_37 = ("《中华人民共和国行政强制法》第三十七条",
               "经催告，当事人逾期仍不履行行政决定，且无正当理由的，行政机关可以作出强制执行决定。")
COERCION_39 = ("《中华人民共和国行政强制法》第三十九条", "有下列情形之一的，中止执行……中止执行的情形消失后，行政机关应当恢复执行。")
COERCION_40 = ("《中华人民共和国行政强制法》第四十条", "有下列情形之一的，终结执行……")
COERCION_43 = ("《中华人民共和国行政强制法》第四十三条",
               "行政机关不得在夜间或者法定节假日实施行政强制执行。但是，情况紧急的除外。")
COERCION_44 = ("《中华人民共和国行政强制法》第四十四条",
               "对违法的建筑物、构筑物、设施等需要强制拆除的，应当由行政机关予以公告，限期当事人自行拆除。当事人在法定期限内不申请"
               "行政复议或者提起行政诉讼，又不拆除的，行政机关可以依法强制拆除。")
CIVIL_95 = ("《中华人民共和国民事诉讼法》第九十五条", "受送达人下落不明，或者用其他方式无法送达的，公告送达。自发出公告之日起，经过三十日，即视为送达。")
CIVIL_87 = ("《中华人民共和国民事诉讼法》第八十七条", "送达诉讼文书必须有送达回证，由受送达人在送达回证上记明收到日期，签名或者盖章。")

LEGAL_BASIS: dict[str, tuple[tuple[str, str], ...]] = {
    D.INSPECTION_RECORD: (PENALTY_55,),
    D.STOP_ORDER: (PLANNING_64, PLANNING_65, PLANNING_68),
    D.FILING_APPROVAL: (PENALTY_54,),
    D.DISMISSAL_APPROVAL: (PENALTY_54,),
    D.INTERVIEW_RECORD: (PENALTY_55,),
    D.PRIOR_NOTICE: (PENALTY_44, PENALTY_45, PENALTY_64),
    D.HEARING_NOTICE: (PENALTY_64,),
    D.LEGAL_REVIEW_FORM: (PENALTY_58,),
    D.DEMOLITION_DECISION: (PLANNING_64, PLANNING_65, PENALTY_59, PENALTY_61),
    D.RECTIFICATION_NOTICE: (PLANNING_64, PLANNING_65, PENALTY_59, PENALTY_61),
    D.TALK_RECORD: (PENALTY_55,),
    D.SELF_DEMOLITION_COMMITMENT: (PLANNING_64,),
    D.DEMOLITION_VERIFICATION: (PENALTY_55,),
    D.RECTIFICATION_VERIFICATION: (PENALTY_55,),
    D.FORCED_DEMOLITION_ANNOUNCEMENT: (COERCION_44, PLANNING_68),
    D.DEMAND: (COERCION_35, COERCION_36),
    D.EXECUTION_DECISION: (COERCION_37, COERCION_44, PLANNING_68),
    D.FORCED_DEMOLITION_RECORD: (COERCION_43, COERCION_44),
    D.SUSPENSION_NOTICE: (COERCION_39,),
    D.RESUMPTION_NOTICE: (COERCION_39,),
    D.TERMINATION_DECISION: (COERCION_40,),
    D.CLOSING_APPROVAL: (PENALTY_57,),
    D.SERVICE_RECEIPT: (CIVIL_87, CIVIL_95),
}


def cn_date(value: str | dt.date | dt.datetime | None) -> str:
    """2026年3月1日 (dates and datetimes stored as ISO strings in the snapshot)."""
    if not value:
        return ""
    if isinstance(value, str):
        value = dt.datetime.fromisoformat(value) if "T" in value else dt.date.fromisoformat(value)
    if isinstance(value, dt.datetime):
        from casework.deadlines.calendar import BEIJING

        value = value.astimezone(BEIJING) if value.tzinfo else value
        return f"{value.year}年{value.month}月{value.day}日{value.hour:02d}时{value.minute:02d}分"
    return f"{value.year}年{value.month}月{value.day}日"


def _clock(data: dict, kind: str) -> dict | None:
    return next((c for c in data.get("clocks") or () if c["kind"] == kind), None)


def deadline_text(data: dict) -> str:
    """The deadline sentence of a document, or "" for documents without one."""
    t = data["document_type"]
    case = data["case"]
    event = data.get("event") or {}
    ev = event.get("data") or {}
    p = data.get("periods") or {}
    if t == D.STOP_ORDER:
        return "自收到本通知书之日起立即停止建设。"
    if t == D.FILING_APPROVAL:
        clock = _clock(data, "decision")
        return f"应于{cn_date(clock['last_day'])}前作出处理决定（立案之日起九十日内）。" if clock else ""
    if t == D.PRIOR_NOTICE:
        return (f"当事人可自本告知书送达之日起{p.get('statement')}个工作日内提出陈述、申辩；"
                f"要求听证的，应自本告知书送达之日起{p.get('hearing_request')}个工作日内提出。")
    if t == D.HEARING_NOTICE:
        return f"听证时间：{cn_date(ev.get('hearing_at'))}；地点：{ev.get('place') or '另行通知'}。"
    if t == D.LEGAL_REVIEW_FORM:
        clock = _clock(data, "decision")
        return f"处理决定期限：{cn_date(clock['last_day'])}前。" if clock else ""
    if t == D.DEMOLITION_DECISION:
        return f"自本决定书送达之日起{case.get('self_demolition_days')}日内自行拆除违法建设。"
    if t == D.RECTIFICATION_NOTICE:
        return f"自本通知书送达之日起{case.get('self_demolition_days')}日内改正违法行为。"
    if t == D.SELF_DEMOLITION_COMMITMENT:
        return f"本人承诺于{cn_date(ev.get('commitment_date') or case.get('commitment_date'))}前自行拆除全部违法建设。"
    if t == D.FORCED_DEMOLITION_ANNOUNCEMENT:
        days = ev.get("announcement_days") or case.get("announcement_days")
        return f"限当事人自本公告发布之日起{days}日内自行拆除；逾期不拆除的，本机关将依法强制拆除。"
    if t == D.DEMAND:
        return f"当事人可自收到本催告书之日起{p.get('demand_statement')}个工作日内进行陈述和申辩。"
    if t == D.EXECUTION_DECISION:
        return "本机关将在法定期限届满后依法实施强制拆除。"
    if t == D.SERVICE_RECEIPT:
        service = (data.get("extra") or {}).get("service") or {}
        return f"送达生效时间：{cn_date(service.get('effective_at'))}。"
    return ""
