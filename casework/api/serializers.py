"""What the API reads and returns. Input serializers refuse unknown fields; outputs are plain."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from casework.deadlines.calendar import BEIJING
from casework.models import (
    Approval,
    ApprovalDecision,
    ApprovalStep,
    Attachment,
    Attitude,
    Case,
    CaseClock,
    CaseEvent,
    CaseSource,
    CaseStatus,
    Community,
    Document,
    DocumentService,
    ExplainedItem,
    PartyKind,
    Role,
    ServiceMethod,
    Talk,
    TalkKind,
    TalkThirdParty,
    ThirdPartyRelation,
    User,
    ViolationKind,
)
from casework.search import MIN_QUERY_LENGTH, search_too_short
from casework.selectors.clocks import clock_is_overdue
from casework.selectors.people import SQUAD_ROLE_FLAGS
from casework.services.personal_data import mask_party_data, party_view_masked

MAX_ID = 2**63 - 1  # the largest id a database row can have; larger ones cannot exist
EARLIEST = dt.datetime(2000, 1, 1, tzinfo=BEIJING)
LATEST = dt.datetime(2100, 1, 1, tzinfo=BEIJING)


# --- building blocks -------------------------------------------------------------------------

class StrictSerializer(serializers.Serializer):
    """Refuses fields it does not know, so a typo never passes silently."""

    def to_internal_value(self, data):
        unknown = {}
        if isinstance(data, dict):
            unknown = {name: [_("Unknown field.")] for name in sorted(set(data) - set(self.fields))}
        try:
            value = super().to_internal_value(data)
        except serializers.ValidationError as error:
            if unknown and isinstance(error.detail, dict):
                raise serializers.ValidationError({**error.detail, **unknown}) from error
            raise
        if unknown:
            raise serializers.ValidationError(unknown)
        return value


class IdField(serializers.PrimaryKeyRelatedField):
    """A row chosen by id; ids outside the database's range are simply not found."""

    def to_internal_value(self, data):
        if isinstance(data, bool) or not isinstance(data, int | str):
            self.fail("incorrect_type", data_type=type(data).__name__)
        try:
            value = int(data)
        except ValueError:
            self.fail("incorrect_type", data_type=type(data).__name__)
        if not 1 <= value <= MAX_ID:
            self.fail("does_not_exist", pk_value=data)
        return super().to_internal_value(value)


def moment_field(**kwargs) -> serializers.DateTimeField:
    """A moment between 2000 and 2100 (the services refuse moments in the future themselves)."""

    def in_range(value):
        if not EARLIEST <= value < LATEST:
            raise serializers.ValidationError(_("Enter a moment between 2000 and 2100."))

    return serializers.DateTimeField(validators=[in_range], **kwargs)


def day_field(**kwargs) -> serializers.DateField:
    def in_range(value):
        if not EARLIEST.date() <= value < LATEST.date():
            raise serializers.ValidationError(_("Enter a date between 2000 and 2100."))

    return serializers.DateField(validators=[in_range], **kwargs)


def area_field(**kwargs) -> serializers.DecimalField:
    return serializers.DecimalField(max_digits=10, decimal_places=2, min_value=Decimal("0.01"), **kwargs)


def text(max_length: int = 10000, **kwargs) -> serializers.CharField:
    kwargs.setdefault("required", False)
    kwargs.setdefault("allow_blank", not kwargs["required"])
    return serializers.CharField(max_length=max_length, **kwargs)


# --- references and small outputs ------------------------------------------------------------

class PersonSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField(source="display_name")


class NamedRefSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()


class PartySerializer(serializers.Serializer):
    """A casework.services.personal_data.PartyView: the ID number and phone are in full only
    for the case's own people (its assigned officers and negotiators; a legal reviewer while
    the case awaits review), masked for everyone else."""

    kind = serializers.ChoiceField(choices=PartyKind.choices)
    name = serializers.CharField()
    identifier = serializers.CharField(help_text=_("The ID number or credit code, masked unless you are one of "
                                                   "the case's own people."))
    identifier_masked = serializers.CharField(help_text=_("Always masked: first 6 and last 4 characters."))
    phone = serializers.CharField(help_text=_("Masked unless you are one of the case's own people."))
    address = serializers.CharField()
    masked = serializers.BooleanField(help_text=_("Whether the ID number and phone are masked for you."))


class PartyInputSerializer(StrictSerializer):
    """The owner or builder; unknown fields are refused."""

    kind = serializers.ChoiceField(choices=PartyKind.choices, default=PartyKind.PERSON)
    name = text(200, required=True)
    identifier = text(18, help_text=_("18-digit resident ID or unified social credit code."))
    phone = text(30)
    address = text(500)


class ClockSerializer(serializers.ModelSerializer):
    label = serializers.CharField(source="get_kind_display")
    overdue = serializers.SerializerMethodField()

    class Meta:
        model = CaseClock
        fields = ["kind", "label", "started_at", "due_at", "satisfied_at", "is_window", "unconfirmed", "overdue",
                  "rule", "basis"]

    def get_overdue(self, clock) -> bool:
        return clock_is_overdue(clock=clock)


# --- cases -----------------------------------------------------------------------------------

class CaseListSerializer(serializers.ModelSerializer):
    status_label = serializers.CharField(source="get_status_display")
    squad = NamedRefSerializer()
    community = NamedRefSerializer()
    party_name = serializers.CharField(source="party.name", default=None, allow_null=True)

    class Meta:
        model = Case
        fields = ["id", "number", "status", "status_label", "squad", "community", "party_name", "location",
                  "illegal_area", "reported_at", "version"]


class CaseDetailSerializer(serializers.ModelSerializer):
    status_label = serializers.CharField(source="get_status_display")
    squad = NamedRefSerializer()
    community = NamedRefSerializer()
    party = serializers.SerializerMethodField()
    officers = PersonSerializer(many=True)
    negotiators = PersonSerializer(many=True)
    clocks = ClockSerializer(many=True)

    class Meta:
        model = Case
        fields = [
            "id", "number", "year", "status", "status_label", "outcome", "suspended_from", "version",
            "squad", "community", "party",
            "source", "location", "latitude", "longitude", "description", "violation_kind", "structure_type",
            "floors", "illegal_area", "built_on", "built_period", "is_newly_added", "construction_ongoing",
            "violation_ended_on",
            "facts", "evidence", "legal_basis", "decision_kind", "self_demolition_days", "remedies_stated",
            "commitment_date", "demolished_area", "announcement_days",
            "officers", "negotiators", "clocks",
            "reported_at", "filed_at", "verified_at", "closed_at", "updated_at",
        ]  # fmt: skip

    @extend_schema_field(PartySerializer(allow_null=True))
    def get_party(self, case) -> dict | None:
        # The view asks casework.services.personal_data (which records unmasked views) and
        # passes the answer in; without it the party is shown masked.
        views = self.context.get("party_views")
        if views is not None:
            view = views.get(case.pk)
        else:
            view = party_view_masked(case.party) if case.party_id else None
        return PartySerializer(view).data if view is not None else None


class CaseRegisterSerializer(StrictSerializer):
    """A lead to register; unknown fields are refused."""

    community = IdField(queryset=Community.objects.all())
    source = serializers.ChoiceField(choices=CaseSource.choices)
    location = text(2000, required=True, help_text=_("Where the structure is (the address)."))
    description = text()
    party = PartyInputSerializer(required=False)
    illegal_area = area_field(required=False, help_text=_("Estimated illegal area in m²."))
    latitude = serializers.DecimalField(max_digits=9, decimal_places=6, min_value=-90, max_value=90, required=False)
    longitude = serializers.DecimalField(max_digits=9, decimal_places=6, min_value=-180, max_value=180, required=False)
    violation_kind = serializers.ChoiceField(choices=ViolationKind.choices, default=ViolationKind.CONSTRUCTION)
    is_newly_added = serializers.BooleanField(default=True)
    construction_ongoing = serializers.BooleanField(default=False)
    occurred_at = moment_field(required=False, help_text=_("When it was found; now if not given."))


# --- transitions, events ---------------------------------------------------------------------

class ReasonSerializer(serializers.Serializer):
    code = serializers.CharField()
    message = serializers.CharField()
    basis = serializers.CharField(allow_blank=True)


class AvailableTransitionSerializer(serializers.Serializer):
    name = serializers.CharField()
    label = serializers.CharField()
    allowed = serializers.BooleanField()
    reasons = ReasonSerializer(many=True)


class EventSerializer(serializers.ModelSerializer):
    kind_label = serializers.CharField(source="get_kind_display")
    actor = PersonSerializer()
    data = serializers.SerializerMethodField()

    class Meta:
        model = CaseEvent
        fields = ["id", "kind", "kind_label", "transition", "from_status", "to_status", "actor", "occurred_at",
                  "recorded_at", "data"]

    @extend_schema_field({"type": "object", "additionalProperties": True})
    def get_data(self, event) -> dict:
        # The party's ID number and phone as entered at a step: the view passes the data as
        # casework.services.personal_data.event_data_for gives it; without it, masked.
        given = self.context.get("event_data")
        if given is not None and event.pk in given:
            return given[event.pk]
        data = dict(event.data or {})
        if isinstance(data.get("party"), dict):
            data["party"] = mask_party_data(data["party"])
        return data


# --- approvals -------------------------------------------------------------------------------

class ApprovalInputSerializer(StrictSerializer):
    """An opinion given inside a state (procedure.md, "Approvals inside a state")."""

    step = serializers.ChoiceField(choices=ApprovalStep.choices)
    decision = serializers.ChoiceField(choices=ApprovalDecision.choices)
    opinion = text(required=True)
    days = serializers.IntegerField(min_value=1, max_value=3650, required=False,
                                    help_text=_("For an extension of the decision period: by how many days."))
    occurred_at = moment_field(required=False, help_text=_("When it was given; now if not given."))


class ApprovalSerializer(serializers.ModelSerializer):
    approver = PersonSerializer()

    class Meta:
        model = Approval
        fields = ["id", "step", "decision", "opinion", "approver", "role", "data", "occurred_at", "recorded_at"]


# --- documents, photos -----------------------------------------------------------------------

class DocumentSerializer(serializers.ModelSerializer):
    type = serializers.CharField(source="document_type")
    type_label = serializers.CharField(source="get_document_type_display")
    url = serializers.SerializerMethodField()
    served_at = serializers.SerializerMethodField()

    class Meta:
        model = Document
        fields = ["id", "type", "type_label", "number", "status", "sha256", "size", "url", "issued_at", "served_at"]

    @extend_schema_field(serializers.URLField(allow_null=True))
    def get_url(self, document):
        if not document.pdf:
            return None
        request = self.context.get("request")
        path = f"/api/v1/documents/{document.pk}/pdf/"
        return request.build_absolute_uri(path) if request else path

    @extend_schema_field(serializers.DateTimeField(allow_null=True))
    def get_served_at(self, document):
        service = getattr(document, "service", None)
        return serializers.DateTimeField().to_representation(service.served_at) if service else None


class ServiceInputSerializer(StrictSerializer):
    served_at = moment_field()
    method = serializers.ChoiceField(choices=ServiceMethod.choices)
    recipient = text(200, required=True)


class ServiceSerializer(serializers.ModelSerializer):
    document = serializers.IntegerField(source="document_id")
    served_by = PersonSerializer()

    class Meta:
        model = DocumentService
        fields = ["document", "served_at", "effective_at", "method", "recipient", "served_by", "recorded_at"]


class PhotoInputSerializer(StrictSerializer):
    file = serializers.FileField(help_text=_("A JPEG, PNG, WebP or HEIC photo of at most 20 MB."))
    caption = text(200)
    event = serializers.IntegerField(min_value=1, max_value=MAX_ID, required=False,
                                     help_text=_("The id of the case's event the photo belongs to."))


class AttachmentSerializer(serializers.ModelSerializer):
    class Meta:
        model = Attachment
        fields = ["id", "kind", "content_type", "size", "sha256", "caption", "event", "uploaded_at"]


# --- persuasion talks ------------------------------------------------------------------------

class TalkThirdPartyInputSerializer(StrictSerializer):
    name = text(100, required=True)
    relation = serializers.ChoiceField(choices=ThirdPartyRelation.choices, help_text=_("Relation to the owner."))


class TalkInputSerializer(StrictSerializer):
    """A persuasion talk (约谈) to log; unknown fields are refused. You are always one of its
    negotiators; once the case has negotiators assigned, only they log talks."""

    kind = serializers.ChoiceField(
        choices=TalkKind.choices,
        help_text=_("三勤: persuasion (勤劝), leverage through others (勤借; name the third parties), urging (勤督促)."),
    )
    attitude = serializers.ChoiceField(choices=Attitude.choices, help_text=_("The owner's attitude as you judged it."))
    place = text(200, required=True, help_text=_("Where the talk took place."))
    owner_attendees = text(300, required=True, help_text=_("Who attended for the owner."))
    occurred_at = moment_field(required=False, help_text=_("When the talk took place; now if not given."))
    negotiators = serializers.ListField(
        child=IdField(queryset=User.objects.filter(is_active=True)), max_length=20, required=False,
        help_text=_("User ids of the other negotiators of the case's squad who took part."),
    )
    third_parties = TalkThirdPartyInputSerializer(many=True, required=False, max_length=20,
                                                  help_text=_("People the owner listens to who took part."))
    explained = serializers.ListField(
        child=serializers.ChoiceField(choices=ExplainedItem.choices), max_length=len(ExplainedItem.choices),
        required=False, help_text=_("一到位: the provisions and consequences explained to the owner."),
    )
    explained_notes = text(help_text=_("What else was explained."))
    owner_acknowledged = serializers.BooleanField(default=False,
                                                  help_text=_("The owner acknowledged what was explained."))
    owner_statements = text(help_text=_("What the owner said."))
    commitment_date = day_field(
        required=False,
        help_text=_("The day the owner commits to demolish by: also performs `commit_self_demolition`, "
                    "which issues the 自行拆除承诺书 (its conditions apply; a refusal records nothing)."),
    )
    commitment_terms = text(500, help_text=_("The terms of the commitment."))
    next_follow_up_on = day_field(required=False, help_text=_("The day of the next follow-up talk."))
    expected_version = serializers.IntegerField(
        min_value=1, max_value=MAX_ID, required=False,
        help_text=_("The case's version as you last read it; a 409 conflict if it changed since."),
    )


class TalkThirdPartySerializer(serializers.ModelSerializer):
    relation_label = serializers.CharField(source="get_relation_display")

    class Meta:
        model = TalkThirdParty
        fields = ["name", "relation", "relation_label"]


class DocumentRefSerializer(serializers.ModelSerializer):
    class Meta:
        model = Document
        fields = ["id", "number"]


class TalkSerializer(serializers.ModelSerializer):
    kind_label = serializers.CharField(source="get_kind_display")
    attitude_label = serializers.CharField(source="get_attitude_display")
    negotiators = PersonSerializer(many=True)
    third_parties = TalkThirdPartySerializer(many=True)
    explained = serializers.ListField(child=serializers.ChoiceField(choices=ExplainedItem.choices))
    explained_labels = serializers.ListField(child=serializers.CharField())
    document = DocumentRefSerializer(allow_null=True, help_text=_("The talk record (约谈笔录)."))
    attachments = serializers.SerializerMethodField()
    recorded_by = PersonSerializer()

    class Meta:
        model = Talk
        fields = ["id", "case", "event", "occurred_at", "place", "kind", "kind_label", "attitude", "attitude_label",
                  "owner_attendees", "negotiators", "third_parties", "explained", "explained_labels",
                  "explained_notes", "owner_acknowledged", "owner_statements", "commitment_date",
                  "next_follow_up_on", "document", "attachments", "recorded_by", "recorded_at"]

    @extend_schema_field(AttachmentSerializer(many=True))
    def get_attachments(self, talk):
        return AttachmentSerializer(talk.event.attachments.all(), many=True).data


# --- lists across cases ----------------------------------------------------------------------

class CaseRefSerializer(serializers.ModelSerializer):
    squad = NamedRefSerializer()
    community = NamedRefSerializer()
    officers = PersonSerializer(many=True)

    class Meta:
        model = Case
        fields = ["id", "number", "status", "squad", "community", "officers"]


class OverdueClockSerializer(serializers.ModelSerializer):
    label = serializers.CharField(source="get_kind_display")
    case = CaseRefSerializer()
    days_overdue = serializers.SerializerMethodField()

    class Meta:
        model = CaseClock
        fields = ["case", "kind", "label", "started_at", "due_at", "days_overdue", "unconfirmed", "rule", "basis"]

    def get_days_overdue(self, clock) -> int:
        return max(0, (timezone.now() - clock.due_at).days)


class CaseFilterSerializer(serializers.Serializer):
    status = serializers.ChoiceField(choices=CaseStatus.choices, required=False)
    squad = serializers.IntegerField(min_value=1, max_value=MAX_ID, required=False)
    community = serializers.IntegerField(min_value=1, max_value=MAX_ID, required=False)
    overdue = serializers.BooleanField(required=False, allow_null=True, default=None)
    q = text(100, help_text=_("Part of the case number, the party's name or address, or the location "
                              "(at least 2 characters)."))
    page = serializers.IntegerField(min_value=1, max_value=10**6, required=False)
    page_size = serializers.IntegerField(min_value=1, max_value=200, required=False)

    def validate_q(self, value: str) -> str:
        value = value.strip()
        if search_too_short(value):
            raise serializers.ValidationError(
                _("Type at least %(length)d characters to search.") % {"length": MIN_QUERY_LENGTH})
        return value


class PageFilterSerializer(serializers.Serializer):
    page = serializers.IntegerField(min_value=1, max_value=10**6, required=False)
    page_size = serializers.IntegerField(min_value=1, max_value=200, required=False)


class StatsQuerySerializer(serializers.Serializer):
    year = serializers.IntegerField(min_value=2000, max_value=2100, required=False,
                                    help_text=_("The calendar year (Beijing time); this year if not given."))
    squad = serializers.IntegerField(min_value=1, max_value=MAX_ID, required=False,
                                     help_text=_("Only this squad (one of those you may see)."))


def _area(help_text, **kwargs) -> serializers.DecimalField:
    return serializers.DecimalField(max_digits=14, decimal_places=2, help_text=help_text, **kwargs)


def _percent(help_text) -> serializers.DecimalField:
    return serializers.DecimalField(max_digits=12, decimal_places=1, allow_null=True, help_text=help_text)


class FiguresSerializer(serializers.Serializer):
    """The dashboard's figures of one group (casework.selectors.stats.Figures): areas in m²,
    rates in per cent (null when there is nothing to divide by)."""

    filed_count = serializers.IntegerField(help_text=_("Cases filed in the year."))
    investigated_area = _area(_("Illegal area of the cases filed in the year."))
    newly_added_count = serializers.IntegerField()
    newly_added_area = _area(_("Of the investigated area: newly added structures."))
    historical_count = serializers.IntegerField()
    historical_area = _area(_("Of the investigated area: historical structures."))
    completed_count = serializers.IntegerField(help_text=_("Of the cases filed in the year: verified or rectified."))
    completion_rate = _percent(_("completed_count of filed_count."))
    demolished_count = serializers.IntegerField(help_text=_("Cases verified as demolished in the year."))
    demolished_area = _area(_("Verified demolished area of the cases verified in the year."))
    self_demolished_count = serializers.IntegerField()
    self_demolished_area = _area(_("Of the demolished area: demolished by the party."))
    forced_demolished_count = serializers.IntegerField()
    forced_demolished_area = _area(_("Of the demolished area: forcibly demolished."))
    complaints_received = serializers.IntegerField(help_text=_("Cases reported in the year from a complaint."))
    complaints_handled = serializers.IntegerField(help_text=_("Of those: moved past `reported`."))
    complaints_handled_rate = _percent(_("complaints_handled of complaints_received."))
    investigated_target = _area(_("The year's target for the investigated area, if set."), allow_null=True)
    investigated_progress = _percent(_("investigated_area of investigated_target."))
    demolished_target = _area(_("The year's target for the demolished area, if set."), allow_null=True)
    demolished_progress = _percent(_("demolished_area of demolished_target."))


class SquadFiguresSerializer(serializers.Serializer):
    id = serializers.IntegerField(source="key")
    name = serializers.CharField(source="label")
    figures = FiguresSerializer()


class CommunityFiguresSerializer(serializers.Serializer):
    id = serializers.IntegerField(source="key")
    name = serializers.CharField(source="label")
    squad = serializers.IntegerField(source="squad_id")
    figures = FiguresSerializer()


class MonthFiguresSerializer(serializers.Serializer):
    month = serializers.IntegerField(source="key", min_value=1, max_value=12)
    figures = FiguresSerializer()


class OpenStateSerializer(serializers.Serializer):
    status = serializers.ChoiceField(choices=CaseStatus.choices)
    label = serializers.CharField()
    count = serializers.IntegerField()


class StatsSerializer(serializers.Serializer):
    """The supervisors' dashboard for a year (casework.selectors.stats.case_year_figures)."""

    year = serializers.IntegerField()
    squad = serializers.IntegerField(source="squad_id", allow_null=True,
                                     help_text=_("The squad asked for, or null for all you may see."))
    computed_at = serializers.DateTimeField(help_text=_("When the figures were computed (they are cached a while)."))
    total = FiguresSerializer()
    by_squad = SquadFiguresSerializer(many=True)
    by_community = CommunityFiguresSerializer(many=True)
    by_month = MonthFiguresSerializer(many=True)
    open_by_state = serializers.SerializerMethodField(help_text=_("Open cases by state now, not only of the year."))

    @extend_schema_field(OpenStateSerializer(many=True))
    def get_open_by_state(self, figures):
        return [{"status": status, "label": label, "count": count} for status, label, count in figures.open_by_state]


# --- lookups for choosing ids ----------------------------------------------------------------

class LookupQuerySerializer(serializers.Serializer):
    squad = serializers.IntegerField(min_value=1, max_value=MAX_ID, required=False,
                                     help_text=_("Only this squad."))
    page = serializers.IntegerField(min_value=1, max_value=10**6, required=False)
    page_size = serializers.IntegerField(min_value=1, max_value=200, required=False)


class PeopleQuerySerializer(LookupQuerySerializer):
    role = serializers.ChoiceField(choices=[(role, role.label) for role in SQUAD_ROLE_FLAGS], required=False,
                                   help_text=_("Only people holding this role."))


class CommunitySerializer(serializers.ModelSerializer):
    squad = NamedRefSerializer()

    class Meta:
        model = Community
        fields = ["id", "name", "squad"]


class PersonRefSerializer(serializers.ModelSerializer):
    """A person to choose by id: name, squad and roles only (no phone or other personal data)."""

    name = serializers.CharField(source="display_name")
    squad = NamedRefSerializer()
    roles = serializers.SerializerMethodField()

    class Meta:
        model = User
        fields = ["id", "name", "squad", "roles"]

    @extend_schema_field(serializers.ListField(child=serializers.ChoiceField(choices=Role.choices)))
    def get_roles(self, person) -> list[str]:
        return sorted(person.roles)


class TokenRequestSerializer(StrictSerializer):
    username = text(150, required=True)
    password = serializers.CharField(max_length=4096, trim_whitespace=False, style={"input_type": "password"})


class TokenSerializer(serializers.Serializer):
    token = serializers.CharField()
