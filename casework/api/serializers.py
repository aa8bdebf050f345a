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
    Case,
    CaseClock,
    CaseEvent,
    CaseSource,
    CaseStatus,
    Community,
    Document,
    DocumentService,
    PartyKind,
    ServiceMethod,
    ViolationKind,
)
from casework.selectors.clocks import clock_is_overdue
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
    q = text(100, help_text=_("Part of the case number, the party's name or the location."))
    page = serializers.IntegerField(min_value=1, max_value=10**6, required=False)
    page_size = serializers.IntegerField(min_value=1, max_value=200, required=False)


class PageFilterSerializer(serializers.Serializer):
    page = serializers.IntegerField(min_value=1, max_value=10**6, required=False)
    page_size = serializers.IntegerField(min_value=1, max_value=200, required=False)


class StatsQuerySerializer(serializers.Serializer):
    year = serializers.IntegerField(min_value=2000, max_value=2100, required=False)


class StatsSerializer(serializers.Serializer):
    year = serializers.IntegerField()
    area_investigated = serializers.DecimalField(max_digits=14, decimal_places=2,
                                                 help_text=_("Illegal area (m²) of the cases filed in the year."))
    area_demolished = serializers.DecimalField(max_digits=14, decimal_places=2,
                                               help_text=_("Demolished area (m²) of the cases verified in the year."))
    cases_filed = serializers.IntegerField()
    cases_by_status = serializers.DictField(child=serializers.IntegerField(),
                                            help_text=_("Cases registered in the year, by current status."))


class TokenRequestSerializer(StrictSerializer):
    username = text(150, required=True)
    password = serializers.CharField(max_length=4096, trim_whitespace=False, style={"input_type": "password"})


class TokenSerializer(serializers.Serializer):
    token = serializers.CharField()
