"""The data each transition of procedure.md takes through the API: one serializer per
transition, with the fields of the typed service casework.services.cases.case_<name>.
People are given by user id."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from casework.api.serializers import (
    MAX_ID,
    IdField,
    PartyInputSerializer,
    StrictSerializer,
    area_field,
    day_field,
    moment_field,
    text,
)
from casework.guards import TERMINATION_REASONS
from casework.models import DecisionKind, StructureType, SuspensionReason, User


class TransitionInput(StrictSerializer):
    """When the step happened and the data it needs; unknown fields are refused."""

    occurred_at = moment_field(help_text=_("When it happened (never in the future, never before the last step)."))
    expected_version = serializers.IntegerField(
        min_value=1, max_value=MAX_ID, required=False,
        help_text=_("The case's version as you last read it; a 409 conflict if it changed since."),
    )


def people(help_text: str) -> serializers.ListField:
    return serializers.ListField(
        child=IdField(queryset=User.objects.filter(is_active=True)), min_length=1, max_length=20, help_text=help_text
    )


OFFICERS = _("User ids of the officers who took part (at least two with enforcement certificates).")


class InspectInput(TransitionInput):
    officers = people(OFFICERS)
    location = text(2000, required=True)
    illegal_area = area_field(help_text=_("Measured illegal area in m²."))
    construction_ongoing = serializers.BooleanField()
    party = PartyInputSerializer(required=False)
    structure_type = serializers.ChoiceField(choices=StructureType.choices, required=False)
    floors = serializers.IntegerField(min_value=0, max_value=200, required=False)
    is_newly_added = serializers.BooleanField(required=False)
    violation_ended_on = day_field(required=False)
    latitude = serializers.DecimalField(max_digits=9, decimal_places=6, min_value=-90, max_value=90, required=False)
    longitude = serializers.DecimalField(max_digits=9, decimal_places=6, min_value=-180, max_value=180, required=False)
    findings = text()


class FileInput(TransitionInput):
    opinion = text()


class DismissInput(TransitionInput):
    reason = text(required=True)


class NotifyInput(TransitionInput):
    facts = text()
    evidence = text()
    legal_basis = text()
    party = PartyInputSerializer(required=False)


class RequestHearingInput(TransitionInput):
    hearing_at = moment_field(help_text=_("At least 7 days after the notice."))
    place = text(500)


class SubmitReviewInput(TransitionInput):
    party_waived = serializers.BooleanField(default=False)
    hearing_record = text()
    statements_summary = text()


class DecideInput(TransitionInput):
    decision_kind = serializers.ChoiceField(choices=DecisionKind.choices)
    self_demolition_days = serializers.IntegerField(min_value=1, max_value=3650)
    remedies_stated = serializers.BooleanField(default=True)
    legal_basis = text()


class AssignNegotiatorsInput(TransitionInput):
    negotiators = people(_("User ids of negotiators of the case's squad."))


class CommitSelfDemolitionInput(TransitionInput):
    commitment_date = day_field()
    terms = text()


class ReportProgressInput(TransitionInput):
    demolished_area = area_field(help_text=_("Area removed so far, in m²."))
    remarks = text()


class VerifyInput(TransitionInput):
    officers = people(OFFICERS)
    verified_area = area_field(help_text=_("Verified demolished area in m²; must equal the illegal area."))
    findings = text()


class RectifyInput(TransitionInput):
    correction_evidence = text(required=True)
    fine_paid = serializers.BooleanField(default=False)


class AnnounceInput(TransitionInput):
    announcement_days = serializers.IntegerField(min_value=1, max_value=3650)
    posted_at_place = text(500)


class IssueDemandInput(TransitionInput):
    pass


class DecideExecutionInput(TransitionInput):
    county_order_reference = text(200, required=True)
    measures = text()


class ForceDemolishInput(TransitionInput):
    officers = people(OFFICERS)
    findings = text()


class SuspendInput(TransitionInput):
    reason = serializers.ChoiceField(choices=SuspensionReason.choices)
    explanation = text(required=True)


class ResumeInput(TransitionInput):
    outcome = text(required=True)


class CloseInput(TransitionInput):
    opinion = text()


class TerminateInput(TransitionInput):
    reason = serializers.ChoiceField(choices=sorted(TERMINATION_REASONS), help_text=_("A reason of 强制法 40."))
    explanation = text()


TRANSITION_INPUTS: dict[str, type[TransitionInput]] = {
    "inspect": InspectInput,
    "file": FileInput,
    "dismiss": DismissInput,
    "notify": NotifyInput,
    "request_hearing": RequestHearingInput,
    "submit_review": SubmitReviewInput,
    "decide": DecideInput,
    "assign_negotiators": AssignNegotiatorsInput,
    "commit_self_demolition": CommitSelfDemolitionInput,
    "report_progress": ReportProgressInput,
    "verify": VerifyInput,
    "rectify": RectifyInput,
    "announce": AnnounceInput,
    "issue_demand": IssueDemandInput,
    "decide_execution": DecideExecutionInput,
    "force_demolish": ForceDemolishInput,
    "suspend": SuspendInput,
    "resume": ResumeInput,
    "close": CloseInput,
    "terminate": TerminateInput,
}
