from casework.models.api import ApiToken
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
from casework.models.clocks import CaseClock, CasePeople, ClockKind
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
from casework.models.persuasion import (
    Attitude,
    ExplainedItem,
    PublicityAction,
    PublicityKind,
    PublicityPhoto,
    Talk,
    TalkKind,
    TalkThirdParty,
    ThirdPartyRelation,
)
from casework.models.privacy import AccessChannel, PersonalDataAccess
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
from casework.models.supervision import (
    AnnualTarget,
    CaseFigureMonth,
    Notification,
    OpenCaseCount,
    ReminderThreshold,
)

__all__ = [
    "AccessChannel", "AgencySetting", "AnnualTarget", "ApiToken", "Approval", "Attachment", "AttachmentKind", "ApprovalDecision", "ApprovalStep", "CalendarException", "Case",
    "CaseClock", "CaseEvent", "CasePeople", "CaseFigureMonth", "CaseNote", "CaseOutcome", "CaseSource", "CaseStatus", "ClockKind",
    "Community", "DecisionKind", "Document", "DocumentService", "DocumentSetting", "DocumentStatus",
    "DocumentType", "EventKind", "HolidayYear", "NumberSequence", "Party", "PartyKind",
    "Notification", "OpenCaseCount", "PartyStatement", "PeriodSetting", "PersonalDataAccess", "PeriodUnit", "ReminderThreshold", "Role", "ServiceMethod", "Squad",
    "StructureType", "Suspension", "SuspensionReason", "TotpDevice", "User", "ViolationKind",
    "Attitude", "ExplainedItem", "PublicityAction", "PublicityKind", "PublicityPhoto", "Talk", "TalkKind",
    "TalkThirdParty", "ThirdPartyRelation",
]  # fmt: skip
