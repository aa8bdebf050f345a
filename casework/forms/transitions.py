"""Forms for the inputs of each transition, shared by the pages and the API.

Each form knows the transition's data (what the service's typed wrapper takes), shows the
statutory basis of the conditions next to the field they concern, and puts the service's
refusals (GuardFailure.field) back next to that field.
"""

from __future__ import annotations

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from casework.errors import CaseworkError
from casework.forms.fields import IdChoiceField, IdsChoiceField
from casework.guards import TERMINATION_REASONS
from casework.models import (
    Case,
    DecisionKind,
    PartyKind,
    ServiceMethod,
    StructureType,
    SuspensionReason,
    User,
)


class DateInput(forms.DateInput):
    input_type = "date"


class DateTimeInput(forms.DateTimeInput):
    input_type = "datetime-local"

    def format_value(self, value):
        if hasattr(value, "strftime"):
            value = timezone.localtime(value) if timezone.is_aware(value) else value
            return value.strftime("%Y-%m-%dT%H:%M")
        return value


def _datetime_field(label, **kwargs):
    return forms.DateTimeField(label=label, widget=DateTimeInput(), input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"],
                               **kwargs)


def _people_field(label, basis=""):
    return IdsChoiceField(label=label, queryset=User.objects.none(), widget=forms.CheckboxSelectMultiple,
                                          required=False)


class TransitionForm(forms.Form):
    """Base: when it happened (officers often record after the fact), then the step's data."""

    occurred_at = _datetime_field(_("When it happened"))
    # Field name → statutory basis of the conditions on it, shown next to the field.
    bases: dict[str, str] = {}
    # Fields that are not part of the transition's data.
    extra_fields: tuple[str, ...] = ()

    def __init__(self, *args, case: Case, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.case = case
        self.user = user
        self.fields["occurred_at"].initial = timezone.localtime().replace(second=0, microsecond=0)
        for name, field in self.fields.items():
            if name in self.bases:
                field.basis = self.bases[name]

    def transition_data(self) -> dict:
        data = {}
        for name, value in self.cleaned_data.items():
            if name == "occurred_at" or name in self.extra_fields or name.startswith("serve_"):
                continue
            if isinstance(value, str) and not value and not self.fields[name].required:
                continue
            if value is None:
                continue
            data[name] = list(value) if hasattr(value, "model") else value
        return data

    def add_refusal(self, error: CaseworkError) -> None:
        """Put each failed condition next to its field (or at the top), with its basis."""
        placed = False
        for guard in error.guards:
            text = f"{guard.message}（{guard.basis}）" if guard.basis else str(guard.message)
            field = guard.field if guard.field in self.fields else None
            self.add_error(field, text)
            placed = True
        for name, messages in error.fields.items():
            field = name if name in self.fields else None
            for message in messages:
                self.add_error(field, message)
                placed = True
        if not placed:
            self.add_error(None, error.message)


class ServiceFields(forms.Form):
    """The document of this step handed to the party at once (送达), recorded with it."""

    serve_now = forms.BooleanField(label=_("Served on the party now"), required=False, initial=True)
    serve_method = forms.ChoiceField(label=_("Service method"), choices=ServiceMethod.choices, required=False,
                                     initial=ServiceMethod.HANDED_OVER)
    serve_recipient = forms.CharField(label=_("Received by"), max_length=200, required=False)

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("serve_now") and not (cleaned.get("serve_recipient") or "").strip():
            self.add_error("serve_recipient", _("Enter who received the document."))
        return cleaned


def _officers_of(case: Case):
    return User.objects.filter(is_active=True, is_field_officer=True, squad_id=case.squad_id).order_by("full_name")


class InspectForm(TransitionForm):
    officers = _people_field(_("Officers present"))
    location = forms.CharField(label=_("Location"), max_length=2000)
    illegal_area = forms.DecimalField(label=_("Illegal area (m²)"), min_value=0, max_digits=10, decimal_places=2)
    construction_ongoing = forms.BooleanField(label=_("Construction still going on"), required=False)
    structure_type = forms.ChoiceField(label=_("Structure type"), choices=[("", "—"), *StructureType.choices],
                                       required=False)
    floors = forms.IntegerField(label=_("Floors"), min_value=1, required=False)
    is_newly_added = forms.BooleanField(label=_("Newly added (not historical)"), required=False, initial=True)
    violation_ended_on = forms.DateField(label=_("Violation ended on"), widget=DateInput(), required=False)
    latitude = forms.DecimalField(label=_("Latitude"), max_digits=9, decimal_places=6, required=False)
    longitude = forms.DecimalField(label=_("Longitude"), max_digits=9, decimal_places=6, required=False)
    findings = forms.CharField(label=_("Findings"), widget=forms.Textarea(attrs={"rows": 3}), required=False)
    party_kind = forms.ChoiceField(label=_("The party is"), choices=PartyKind.choices, initial=PartyKind.PERSON,
                                   required=False)
    party_name = forms.CharField(label=_("Party's name"), max_length=100, required=False)
    party_identifier = forms.CharField(label=_("Party's ID or credit code"), max_length=30, required=False)
    party_address = forms.CharField(label=_("Party's address (for serving documents)"), max_length=500,
                                    required=False)
    party_phone = forms.CharField(label=_("Party's phone"), max_length=30, required=False)
    bases = {"officers": "处罚法 42, 55", "location": "处罚法 55", "illegal_area": "处罚法 55"}
    extra_fields = ("party_kind", "party_name", "party_identifier", "party_address", "party_phone")

    def __init__(self, *args, case, **kwargs):
        super().__init__(*args, case=case, **kwargs)
        self.fields["officers"].queryset = _officers_of(case)
        self.fields["location"].initial = case.location
        self.fields["illegal_area"].initial = case.illegal_area
        self.fields["latitude"].initial = case.latitude
        self.fields["longitude"].initial = case.longitude
        # The ID number and phone as this user may see them (casework.services.personal_data);
        # masked ones are not put in the fields: left empty, the recorded values are kept.
        self.personal_masked = False
        if case.party_id:
            party = self._party_view(case)
            self.personal_masked = party.masked
            self.fields["party_kind"].initial = party.kind
            self.fields["party_name"].initial = party.name
            self.fields["party_address"].initial = party.address
            for name, value in (("party_identifier", party.identifier), ("party_phone", party.phone)):
                if not party.masked:
                    self.fields[name].initial = value
                elif value:
                    self.fields[name].help_text = _("Recorded: %(masked)s. Leave empty to keep it.") % {"masked": value}
        if not self.fields["party_address"].initial:
            # Owners mostly live at or next to the structure; the officer corrects it on site.
            self.fields["party_address"].initial = case.location

    def _party_view(self, case):
        from casework.models import AccessChannel
        from casework.services.personal_data import party_view_for, party_view_masked

        if self.is_bound or self.user is None:
            # A submitted form shows what was typed; nobody reads the recorded values from it.
            return party_view_masked(case.party)
        return party_view_for(user=self.user, case=case, channel=AccessChannel.PAGE, detail="inspect form")

    def transition_data(self):
        data = super().transition_data()
        if self.cleaned_data.get("party_name"):
            data["party"] = {
                "kind": self.cleaned_data.get("party_kind") or PartyKind.PERSON,
                "name": self.cleaned_data["party_name"],
                "identifier": self.cleaned_data.get("party_identifier") or "",
                "address": self.cleaned_data.get("party_address") or "",
                "phone": self.cleaned_data.get("party_phone") or "",
            }
            if self.case.party_id:
                # Left empty by someone who saw it masked (or not at all): keep what is recorded.
                for name in ("identifier", "phone"):
                    if not data["party"][name] and getattr(self.case.party, name) and not self._may_clear():
                        del data["party"][name]
        return data

    def _may_clear(self) -> bool:
        """Whether an empty ID or phone field means "erase it": only for someone who saw it in full."""
        from casework.services.personal_data import may_see_unmasked

        return self.user is not None and may_see_unmasked(user=self.user, case=self.case)


class FileForm(TransitionForm):
    opinion = forms.CharField(label=_("Opinion"), widget=forms.Textarea(attrs={"rows": 2}), required=False)
    bases = {"occurred_at": "处罚法 36"}


class DismissForm(TransitionForm):
    reason = forms.CharField(label=_("Reason"), widget=forms.Textarea(attrs={"rows": 3}), required=False)


class NotifyForm(TransitionForm, ServiceFields):
    facts = forms.CharField(label=_("Facts"), widget=forms.Textarea(attrs={"rows": 3}), required=False)
    evidence = forms.CharField(label=_("Evidence"), widget=forms.Textarea(attrs={"rows": 2}), required=False)
    legal_basis = forms.CharField(label=_("Legal basis"), widget=forms.Textarea(attrs={"rows": 2}), required=False)
    bases = {"facts": "处罚法 44", "evidence": "处罚法 44", "legal_basis": "处罚法 44"}

    def __init__(self, *args, case, **kwargs):
        super().__init__(*args, case=case, **kwargs)
        for name in ("facts", "evidence", "legal_basis"):
            self.fields[name].initial = getattr(case, name)
        if case.party_id:
            self.fields["serve_recipient"].initial = case.party.name


class RequestHearingForm(TransitionForm, ServiceFields):
    hearing_at = _datetime_field(_("Hearing at"))
    place = forms.CharField(label=_("Place"), max_length=200, required=False)
    bases = {"hearing_at": "处罚法 64", "occurred_at": "处罚法 64"}


class SubmitReviewForm(TransitionForm):
    party_waived = forms.BooleanField(label=_("The party waived statement and hearing"), required=False)
    hearing_record = forms.CharField(label=_("Hearing record"), widget=forms.Textarea(attrs={"rows": 3}), required=False)
    statements_summary = forms.CharField(label=_("The party's statements"), widget=forms.Textarea(attrs={"rows": 3}),
                                         required=False)
    bases = {"party_waived": "处罚法 44, 45, 64", "hearing_record": "处罚法 65"}


class DecideForm(TransitionForm, ServiceFields):
    decision_kind = forms.ChoiceField(label=_("Decision"), choices=DecisionKind.choices)
    self_demolition_days = forms.IntegerField(label=_("Days given to demolish or rectify"), min_value=1)
    remedies_stated = forms.BooleanField(label=_("The decision states the rights to reconsideration and litigation"),
                                         required=False, initial=True)
    legal_basis = forms.CharField(label=_("Legal basis"), widget=forms.Textarea(attrs={"rows": 2}), required=False)
    bases = {"occurred_at": "处罚法 60", "self_demolition_days": "城乡规划法 64"}

    def __init__(self, *args, case, **kwargs):
        super().__init__(*args, case=case, **kwargs)
        if case.party_id:
            self.fields["serve_recipient"].initial = case.party.name


class AssignNegotiatorsForm(TransitionForm):
    negotiators = _people_field(_("Negotiators"))

    def __init__(self, *args, case, **kwargs):
        super().__init__(*args, case=case, **kwargs)
        self.fields["negotiators"].queryset = User.objects.filter(
            is_active=True, is_negotiator=True, squad_id=case.squad_id
        ).order_by("full_name")


class CommitSelfDemolitionForm(TransitionForm):
    commitment_date = forms.DateField(label=_("Date the party commits to"), widget=DateInput())
    terms = forms.CharField(label=_("Terms"), widget=forms.Textarea(attrs={"rows": 3}), required=False)
    bases = {"commitment_date": "强制法 42"}


class ReportProgressForm(TransitionForm):
    demolished_area = forms.DecimalField(label=_("Area removed so far (m²)"), min_value=0, max_digits=10,
                                         decimal_places=2)
    remarks = forms.CharField(label=_("Remarks"), widget=forms.Textarea(attrs={"rows": 2}), required=False)


class VerifyForm(TransitionForm):
    officers = _people_field(_("Officers present"))
    verified_area = forms.DecimalField(label=_("Area verified as removed (m²)"), min_value=0, max_digits=10,
                                       decimal_places=2)
    findings = forms.CharField(label=_("Findings"), widget=forms.Textarea(attrs={"rows": 3}), required=False)
    bases = {"officers": "处罚法 42", "verified_area": "城乡规划法 64"}

    def __init__(self, *args, case, **kwargs):
        super().__init__(*args, case=case, **kwargs)
        self.fields["officers"].queryset = _officers_of(case)
        self.fields["verified_area"].initial = case.illegal_area


class RectifyForm(TransitionForm):
    correction_evidence = forms.CharField(label=_("Evidence of the correction"),
                                          widget=forms.Textarea(attrs={"rows": 3}), required=False)
    fine_paid = forms.BooleanField(label=_("Fine paid"), required=False)
    bases = {"correction_evidence": "城乡规划法 64"}


class AnnounceForm(TransitionForm, ServiceFields):
    announcement_days = forms.IntegerField(label=_("Days given in the announcement"), min_value=1)
    posted_at_place = forms.CharField(label=_("Posted at"), max_length=200, required=False)
    bases = {"announcement_days": "强制法 44"}


class IssueDemandForm(TransitionForm, ServiceFields):
    bases = {"occurred_at": "强制法 35"}


class DecideExecutionForm(TransitionForm, ServiceFields):
    county_order_reference = forms.CharField(label=_("County government's order (reference)"), max_length=100,
                                             required=False)
    measures = forms.CharField(label=_("Measures"), widget=forms.Textarea(attrs={"rows": 2}), required=False)
    bases = {"county_order_reference": "城乡规划法 68"}


class ForceDemolishForm(TransitionForm):
    officers = _people_field(_("Officers present"))
    findings = forms.CharField(label=_("Findings"), widget=forms.Textarea(attrs={"rows": 3}), required=False)
    bases = {"officers": "强制法 18", "occurred_at": "强制法 43"}

    def __init__(self, *args, case, **kwargs):
        super().__init__(*args, case=case, **kwargs)
        self.fields["officers"].queryset = _officers_of(case)


class SuspendForm(TransitionForm):
    reason = forms.ChoiceField(label=_("Reason"), choices=SuspensionReason.choices)
    explanation = forms.CharField(label=_("Explanation"), widget=forms.Textarea(attrs={"rows": 3}), required=False)
    bases = {"reason": "强制法 39", "explanation": "强制法 39"}


class ResumeForm(TransitionForm):
    outcome = forms.CharField(label=_("How the reason for suspension ended"), widget=forms.Textarea(attrs={"rows": 3}),
                              required=False)
    bases = {"outcome": "强制法 39"}


class CloseForm(TransitionForm):
    opinion = forms.CharField(label=_("Opinion"), widget=forms.Textarea(attrs={"rows": 2}), required=False)
    bases = {"occurred_at": "处罚法 61"}


class TerminateForm(TransitionForm):
    reason = forms.ChoiceField(label=_("Reason"), choices=list(TERMINATION_REASONS.items()))
    explanation = forms.CharField(label=_("Explanation"), widget=forms.Textarea(attrs={"rows": 3}), required=False)
    bases = {"reason": "强制法 40"}


TRANSITION_FORMS: dict[str, type[TransitionForm]] = {
    "inspect": InspectForm, "file": FileForm, "dismiss": DismissForm, "notify": NotifyForm,
    "request_hearing": RequestHearingForm, "submit_review": SubmitReviewForm, "decide": DecideForm,
    "assign_negotiators": AssignNegotiatorsForm, "commit_self_demolition": CommitSelfDemolitionForm,
    "report_progress": ReportProgressForm, "verify": VerifyForm, "rectify": RectifyForm, "announce": AnnounceForm,
    "issue_demand": IssueDemandForm, "decide_execution": DecideExecutionForm, "force_demolish": ForceDemolishForm,
    "suspend": SuspendForm, "resume": ResumeForm, "close": CloseForm, "terminate": TerminateForm,
}  # fmt: skip
# Transitions whose page takes photos (attached to the step's event).
PHOTO_TRANSITIONS = frozenset({"inspect", "report_progress", "verify", "rectify", "force_demolish"})


class ApprovalForm(forms.Form):
    decision = forms.ChoiceField(label=_("Opinion"), choices=[("approve", _("Approve")), ("reject", _("Reject"))],
                                 widget=forms.RadioSelect, initial="approve")
    opinion = forms.CharField(label=_("Written opinion"), widget=forms.Textarea(attrs={"rows": 4}))
    occurred_at = _datetime_field(_("When it happened"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["occurred_at"].initial = timezone.localtime().replace(second=0, microsecond=0)


class LeadForm(forms.Form):
    """A lead (线索登记), made for a phone on site."""

    community = IdChoiceField(label=_("Community or village"), queryset=None)
    source = forms.ChoiceField(label=_("Found via"))
    location = forms.CharField(label=_("Location"), max_length=2000)
    latitude = forms.DecimalField(label=_("Latitude"), max_digits=9, decimal_places=6, required=False)
    longitude = forms.DecimalField(label=_("Longitude"), max_digits=9, decimal_places=6, required=False)
    illegal_area = forms.DecimalField(label=_("Estimated area (m²)"), max_digits=10, decimal_places=2, required=False)
    construction_ongoing = forms.BooleanField(label=_("Construction still going on"), required=False)
    is_newly_added = forms.BooleanField(label=_("Newly added (not historical)"), required=False, initial=True)
    party_name = forms.CharField(label=_("Party's name (if known)"), max_length=100, required=False)
    description = forms.CharField(label=_("Description"), widget=forms.Textarea(attrs={"rows": 3}), required=False)
    occurred_at = _datetime_field(_("When it was found"))

    def __init__(self, *args, user, **kwargs):
        from casework.models import CaseSource, Community

        super().__init__(*args, **kwargs)
        from casework.authorization import squads_for

        communities = Community.objects.select_related("squad").filter(squad__in=squads_for(user, "register_lead"))
        self.fields["community"].queryset = communities
        self.fields["source"].choices = CaseSource.choices
        self.fields["occurred_at"].initial = timezone.localtime().replace(second=0, microsecond=0)


class AssignOfficersForm(forms.Form):
    officers = IdsChoiceField(label=_("Officers"), queryset=User.objects.none(),
                                              widget=forms.CheckboxSelectMultiple)
    reason = forms.CharField(label=_("Reason"), max_length=500, required=False)

    def __init__(self, *args, case, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["officers"].queryset = _officers_of(case)
        self.fields["officers"].initial = list(case.officers.values_list("pk", flat=True))
