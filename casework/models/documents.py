from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.utils.translation import gettext_lazy as _

from casework.models.cases import Case
from casework.models.choices import choice_display
from casework.models.records import CaseEvent


class DocumentType(models.TextChoices):
    """Every document of documents.md; the value is the default type character (文书字号)."""

    INSPECTION_RECORD = "inspection_record", _("现场检查(勘验)笔录")
    STOP_ORDER = "stop_order", _("责令停止违法行为通知书")
    FILING_APPROVAL = "filing_approval", _("立案审批表")
    DISMISSAL_APPROVAL = "dismissal_approval", _("不予立案审批表")
    INTERVIEW_RECORD = "interview_record", _("询问笔录")
    PRIOR_NOTICE = "prior_notice", _("行政处罚事先告知书")
    HEARING_NOTICE = "hearing_notice", _("听证通知书")
    LEGAL_REVIEW_FORM = "legal_review_form", _("法制审核表")
    DEMOLITION_DECISION = "demolition_decision", _("责令限期拆除决定书")
    RECTIFICATION_NOTICE = "rectification_notice", _("责令限期改正通知书")
    TALK_RECORD = "talk_record", _("约谈笔录")
    SELF_DEMOLITION_COMMITMENT = "self_demolition_commitment", _("自行拆除承诺书")
    DEMOLITION_VERIFICATION = "demolition_verification", _("拆除核查记录")
    RECTIFICATION_VERIFICATION = "rectification_verification", _("整改核查记录")
    FORCED_DEMOLITION_ANNOUNCEMENT = "forced_demolition_announcement", _("强制拆除公告")
    DEMAND = "demand", _("催告书")
    EXECUTION_DECISION = "execution_decision", _("强制执行决定书")
    FORCED_DEMOLITION_RECORD = "forced_demolition_record", _("强制拆除现场笔录")
    SUSPENSION_NOTICE = "suspension_notice", _("中止执行通知书")
    RESUMPTION_NOTICE = "resumption_notice", _("恢复执行通知书")
    TERMINATION_DECISION = "termination_decision", _("终结执行决定书")
    CLOSING_APPROVAL = "closing_approval", _("结案审批表")
    SERVICE_RECEIPT = "service_receipt", _("送达回证")


# documents.md, "Documents by step": the type character in the document number.
TYPE_CHARACTERS: dict[str, str] = {
    DocumentType.INSPECTION_RECORD: "勘",
    DocumentType.STOP_ORDER: "停",
    DocumentType.FILING_APPROVAL: "立",
    DocumentType.DISMISSAL_APPROVAL: "不",
    DocumentType.INTERVIEW_RECORD: "询",
    DocumentType.PRIOR_NOTICE: "告",
    DocumentType.HEARING_NOTICE: "听",
    DocumentType.LEGAL_REVIEW_FORM: "审",
    DocumentType.DEMOLITION_DECISION: "拆",
    DocumentType.RECTIFICATION_NOTICE: "改",
    DocumentType.TALK_RECORD: "谈",
    DocumentType.SELF_DEMOLITION_COMMITMENT: "诺",
    DocumentType.DEMOLITION_VERIFICATION: "核",
    DocumentType.RECTIFICATION_VERIFICATION: "整",
    DocumentType.FORCED_DEMOLITION_ANNOUNCEMENT: "公",
    DocumentType.DEMAND: "催",
    DocumentType.EXECUTION_DECISION: "强",
    DocumentType.FORCED_DEMOLITION_RECORD: "现",
    DocumentType.SUSPENSION_NOTICE: "中",
    DocumentType.RESUMPTION_NOTICE: "恢",
    DocumentType.TERMINATION_DECISION: "终",
    DocumentType.CLOSING_APPROVAL: "结",
    DocumentType.SERVICE_RECEIPT: "送",
}

# Documents that are served on the party (送达); the rest are internal records or forms the
# party signs on the spot. `close` requires every served type to have a recorded service.
SERVED_TYPES = frozenset({
    DocumentType.STOP_ORDER,
    DocumentType.PRIOR_NOTICE,
    DocumentType.HEARING_NOTICE,
    DocumentType.DEMOLITION_DECISION,
    DocumentType.RECTIFICATION_NOTICE,
    DocumentType.FORCED_DEMOLITION_ANNOUNCEMENT,
    DocumentType.DEMAND,
    DocumentType.EXECUTION_DECISION,
    DocumentType.SUSPENSION_NOTICE,
    DocumentType.RESUMPTION_NOTICE,
    DocumentType.TERMINATION_DECISION,
})


class DocumentStatus(models.TextChoices):
    PENDING = "pending", _("Pending rendering")
    ISSUED = "issued", _("Issued")


class DocumentSetting(models.Model):
    """An administrator's override of the type character for one document type."""

    document_type = models.CharField(_("document type"), max_length=40, choices=DocumentType.choices, primary_key=True)
    type_character = models.CharField(_("type character"), max_length=4)

    class Meta:
        verbose_name = _("document numbering setting")
        verbose_name_plural = _("document numbering settings")

    def __str__(self) -> str:
        return f"{self.get_document_type_display()}: {self.type_character}"


class AgencySetting(models.Model):
    """The agency prefix of document numbers (狮执) and the names printed on documents.

    A single row; the administrator edits it in the admin.
    """

    prefix = models.CharField(_("number prefix"), max_length=10, default="狮执")
    agency_name = models.CharField(_("agency name"), max_length=100, default="狮山镇综合行政执法办公室")
    reconsideration_body = models.CharField(
        _("reconsideration body"), max_length=100, default="佛山市南海区人民政府"
    )
    court = models.CharField(_("court for lawsuits"), max_length=100, default="佛山市南海区人民法院")

    class Meta:
        verbose_name = _("agency setting")
        verbose_name_plural = _("agency settings")

    def __str__(self) -> str:
        return self.agency_name


class Document(models.Model):
    """An issued legal document. Its number and data are fixed when the row is created (in the
    transition's transaction); the PDF is rendered from that data afterwards and never again."""

    _get_FIELD_display = choice_display

    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="documents", verbose_name=_("case"))
    event = models.ForeignKey(
        CaseEvent, null=True, blank=True, on_delete=models.PROTECT, related_name="documents", verbose_name=_("event")
    )
    document_type = models.CharField(_("document type"), max_length=40, choices=DocumentType.choices)
    year = models.PositiveSmallIntegerField(_("year"))
    sequence = models.PositiveIntegerField(_("sequence"))
    number = models.CharField(_("number"), max_length=60, unique=True)
    data = models.JSONField(_("data"), default=dict, encoder=DjangoJSONEncoder)
    status = models.CharField(_("status"), max_length=10, choices=DocumentStatus.choices, default=DocumentStatus.PENDING)
    supersedes = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="superseded_by",
        verbose_name=_("supersedes"),
    )
    pdf = models.FileField(_("PDF"), upload_to="documents/%Y/", blank=True)
    sha256 = models.CharField(_("SHA-256"), max_length=64, blank=True)
    size = models.PositiveIntegerField(_("size (bytes)"), null=True, blank=True)
    verification_code = models.CharField(_("verification code"), max_length=16, unique=True)
    render_attempts = models.PositiveSmallIntegerField(_("render attempts"), default=0)
    last_error = models.TextField(_("last rendering error"), blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    issued_at = models.DateTimeField(_("issued at"), null=True, blank=True)

    class Meta:
        ordering = ["created_at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["document_type", "year", "sequence"], name="document_unique_sequence"),
        ]
        indexes = [models.Index(fields=["status"], condition=models.Q(status="pending"), name="document_pending_idx")]
        verbose_name = _("document")
        verbose_name_plural = _("documents")

    def __str__(self) -> str:
        return f"{self.get_document_type_display()} {self.number}"

    @property
    def is_served_type(self) -> bool:
        return self.document_type in SERVED_TYPES


class ServiceMethod(models.TextChoices):
    HANDED_OVER = "handed_over", _("Handed over")
    LEFT_AT_ADDRESS = "left_at_address", _("Left at the address")
    POST = "post", _("By post")
    PUBLIC_ANNOUNCEMENT = "public_announcement", _("By public announcement")
    ELECTRONIC = "electronic", _("Electronically")


class DocumentService(models.Model):
    """The service (送达) of a document on the party. Clocks that run from service start at
    `effective_at`: the service time, or 30 days after posting for service by announcement
    (民诉法 95)."""

    _get_FIELD_display = choice_display

    document = models.OneToOneField(
        Document, on_delete=models.PROTECT, related_name="service", verbose_name=_("document")
    )
    served_at = models.DateTimeField(_("served at"))
    effective_at = models.DateTimeField(_("service effective at"))
    method = models.CharField(_("method"), max_length=30, choices=ServiceMethod.choices)
    recipient = models.CharField(_("recipient"), max_length=200)
    served_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("served by")
    )
    proof = models.FileField(_("proof of service"), upload_to="service-proofs/%Y/", blank=True)
    recorded_at = models.DateTimeField(_("recorded at"), auto_now_add=True)

    class Meta:
        verbose_name = _("service")
        verbose_name_plural = _("services")

    def __str__(self) -> str:
        return f"{self.document} → {self.recipient}"
