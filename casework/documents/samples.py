"""A plausible snapshot for every document type, for the benchmark and layout checks (not
stored anywhere: real documents get their snapshot from casework.services.documents)."""

from __future__ import annotations

from django.conf import settings
from django.utils import translation

from casework.models import Document, DocumentType, ServiceMethod
from casework.models.documents import TYPE_CHARACTERS
from casework.services.documents import APPROVAL_FORMS, DECISION_TYPES, format_document_number


def sample_document(document_type: str, *, sequence: int = 12, party_name: str = "张伟",
                    address: str = "佛山市南海区狮山镇五星村东区12号") -> Document:
    officers = [{"id": 1, "name": "李明", "certificate_number": "44060123001"},
                {"id": 2, "name": "王芳", "certificate_number": "44060123002"}]
    with translation.override(settings.LANGUAGE_CODE):
        title = str(DocumentType(document_type).label)
    data = {
        "document_type": document_type,
        "title": title,
        "issued_on": "2026-03-02",
        "agency": {"name": "狮山镇综合行政执法办公室", "reconsideration_body": "佛山市南海区人民政府",
                   "court": "佛山市南海区人民法院"},
        "case": {"number": "〔2026〕第0034号", "squad": "小塘中队", "community": "五星村", "location": address,
                 "illegal_area": "120.50", "demolished_area": "0", "violation_kind": "违法建设",
                 "structure_type": "砖混", "floors": 1, "is_newly_added": True, "construction_ongoing": False,
                 "facts": f"当事人{party_name}未取得建设工程规划许可证，擅自在{address}建设建筑物，面积约120.50平方米。",
                 "evidence": "现场检查笔录、现场照片、询问笔录、测量记录。",
                 "legal_basis": "《中华人民共和国城乡规划法》第四十条第一款、第六十四条、第六十五条。",
                 "decision_kind": "demolish", "self_demolition_days": 15, "commitment_date": "2026-04-01",
                 "announcement_days": 10, "remedies_stated": True},
        "party": {"kind": "person", "name": party_name,
                  "identifier": "" if document_type in APPROVAL_FORMS else "11010519491231002X",
                  "identifier_masked": "110105********002X", "address": address},
        "officers": officers,
        "event": {"transition": "", "occurred_at": "2026-03-02T10:00:00+08:00", "actor": "李明",
                  "data": {"findings": "现场勘验，当事人未能提供规划许可证。", "opinion": "同意。",
                           "hearing_at": "2026-03-15T09:30:00+08:00", "place": "执法办三楼听证室",
                           "commitment_date": "2026-04-01", "terms": "当事人承诺自行拆除全部违法建设部分。",
                           "verified_area": "120.50", "correction_evidence": "已按要求整改。",
                           "posted_at_place": "违法建筑现场及村委会公告栏", "announcement_days": 10,
                           "county_order_reference": "南府拆〔2026〕12号", "reason": "reconsideration",
                           "explanation": "当事人已向区人民政府申请行政复议。", "outcome": "复议机关维持原决定。"}},
        "approvals": [],
        "approval_chain": [
            {"role": "承办人", "name": "李明", "opinion": "经现场检查，情况属实，建议立案。", "date": "2026-03-01"},
            {"role": "中队长", "name": "陈刚", "opinion": "同意。", "date": "2026-03-02"},
            {"role": "负责人", "name": "黄强", "opinion": "同意。", "date": "2026-03-02"},
        ] if document_type in APPROVAL_FORMS else [],
        "clocks": [{"kind": "decision", "label": "decision", "started_at": "2026-03-02T10:00:00+08:00",
                    "due_at": "2026-06-01T00:00:00+08:00", "last_day": "2026-05-31", "rule": "", "basis": "处罚法 60",
                    "is_window": False}],
        "periods": {"statement": 3, "hearing_request": 5, "demand_statement": 3, "announcement_service": 30},
        "remedies": {"reconsideration_days": 60, "reconsideration_body": "佛山市南海区人民政府",
                     "litigation_months": 6, "court": "佛山市南海区人民法院"} if document_type in DECISION_TYPES else None,
        "extra": {"served_document": {"number": "狮执拆字〔2026〕第0011号", "title": "责令限期拆除决定书"},
                  "service": {"served_at": "2026-03-02T10:00:00+08:00", "method": ServiceMethod.HANDED_OVER,
                              "recipient": party_name, "served_by": "李明",
                              "effective_at": "2026-03-02T10:00:00+08:00"}}
        if document_type == DocumentType.SERVICE_RECEIPT else {},
    }
    number = format_document_number(prefix="狮执", character=TYPE_CHARACTERS[document_type], year=2026, sequence=sequence)
    return Document(document_type=document_type, year=2026, sequence=sequence, number=number, data=data,
                    verification_code="ABCDEFGH23")
