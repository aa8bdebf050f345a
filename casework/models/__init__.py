from casework.models.attachments import Attachment, AttachmentKind
from casework.models.cases import (
    Case,
    CaseOutcome,
    CaseSource,
    CaseStatus,
    DecisionKind,
    StructureType,
    ViolationKind,
)
from casework.models.clocks import CaseClock, ClockKind
from casework.models.documents import (
    AgencySetting,
    Document,
    DocumentService,
    DocumentSetting,
    DocumentStatus,
    DocumentType,
    ServiceMethod,
)
from casework.models.parties import Party, PartyKind
from casework.models.people import Community, Role, Squad, User
from casework.models.records import (
    Approval,
    ApprovalDecision,
    ApprovalStep,
    CaseEvent,
    CaseNote,
    EventKind,
    NumberSequence,
    PartyStatement,
    Suspension,
    SuspensionReason,
)
from casework.models.reference import CalendarException, HolidayYear, PeriodSetting, PeriodUnit
from casework.models.security import TotpDevice

__all__ = [
    "AgencySetting", "Approval", "Attachment", "AttachmentKind", "ApprovalDecision", "ApprovalStep", "CalendarException", "Case",
    "CaseClock", "CaseEvent", "CaseNote", "CaseOutcome", "CaseSource", "CaseStatus", "ClockKind",
    "Community", "DecisionKind", "Document", "DocumentService", "DocumentSetting", "DocumentStatus",
    "DocumentType", "EventKind", "HolidayYear", "NumberSequence", "Party", "PartyKind",
    "PartyStatement", "PeriodSetting", "PeriodUnit", "Role", "ServiceMethod", "Squad",
    "StructureType", "Suspension", "SuspensionReason", "TotpDevice", "User", "ViolationKind",
]  # fmt: skip
