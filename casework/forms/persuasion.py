"""Forms of the persuasion pages: compact, phone-first (native date and camera inputs)."""

from __future__ import annotations

import datetime as dt

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from casework.deadlines import periods
from casework.deadlines.calendar import BEIJING, local_date
from casework.forms.fields import IdChoiceField, IdsChoiceField
from casework.models import Attitude, Case, CaseStatus, ExplainedItem, PublicityKind, TalkKind, ThirdPartyRelation, User
from casework.selectors.people import communities_visible


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, attrs=None):
        super().__init__(attrs, format="%Y-%m-%d")


class DateTimeInput(forms.DateTimeInput):
    input_type = "datetime-local"

    def __init__(self, attrs=None):
        super().__init__(attrs, format="%Y-%m-%dT%H:%M")


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several files from one input; each is checked by the service (type sniffed, 20 MB)."""

    def __init__(self, *args, accept: str = "image/*", capture: str = "environment", **kwargs):
        kwargs.setdefault("widget", MultipleFileInput(attrs={"accept": accept, "capture": capture}))
        kwargs.setdefault("required", False)
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        if isinstance(data, list | tuple):
            return [super(MultipleFileField, self).clean(item, initial) for item in data if item]
        return [super().clean(data, initial)] if data else []


THIRD_PARTY_ROWS = 2


class TalkForm(forms.Form):
    kind = forms.ChoiceField(label=_("Kind"), choices=TalkKind.choices, widget=forms.RadioSelect,
                             initial=TalkKind.PERSUADE)
    attitude = forms.ChoiceField(label=_("Attitude"), choices=Attitude.choices, widget=forms.RadioSelect)
    explained = forms.MultipleChoiceField(label=_("Explained"), choices=ExplainedItem.choices, required=False,
                                          widget=forms.CheckboxSelectMultiple)
    owner_acknowledged = forms.BooleanField(label=_("The owner acknowledged what was explained"), required=False)
    owner_statements = forms.CharField(label=_("Owner's statements"), required=False,
                                       widget=forms.Textarea(attrs={"rows": 2}))
    commitment_date = forms.DateField(label=_("Commits to demolish by (optional)"), required=False, widget=DateInput())
    commitment_terms = forms.CharField(label=_("Terms of the commitment"), required=False, max_length=500)
    next_follow_up_on = forms.DateField(label=_("Next follow-up"), required=False, widget=DateInput())
    photos = MultipleFileField(label=_("Photos"), accept="image/*", capture="environment")
    recordings = MultipleFileField(label=_("Audio recordings"), accept="audio/*", capture="user")
    place = forms.CharField(label=_("Where"), max_length=200)
    owner_attendees = forms.CharField(label=_("Attending for the owner"), max_length=300)
    occurred_at = forms.DateTimeField(label=_("When"), widget=DateTimeInput(), required=False,
                                      input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"])
    co_negotiators = IdsChoiceField(label=_("Other negotiators present"), queryset=User.objects.none(),
                                                    required=False, widget=forms.CheckboxSelectMultiple)
    explained_notes = forms.CharField(label=_("Also explained"), required=False,
                                      widget=forms.Textarea(attrs={"rows": 2}))
    version = forms.IntegerField(widget=forms.HiddenInput)

    def __init__(self, *args, case: Case, user: User, **kwargs):
        now = timezone.now()
        initial = kwargs.setdefault("initial", {})
        initial.setdefault("next_follow_up_on", local_date(now) + dt.timedelta(days=periods.period_length("follow_up_talk")))
        initial.setdefault("place", case.location)
        initial.setdefault("owner_attendees", case.party.name if case.party else "")
        initial.setdefault("occurred_at", now.astimezone(BEIJING).replace(second=0, microsecond=0, tzinfo=None))
        initial.setdefault("version", case.version)
        super().__init__(*args, **kwargs)
        self.fields["co_negotiators"].queryset = User.objects.filter(
            is_negotiator=True, is_active=True, squad_id=case.squad_id
        ).exclude(pk=user.pk)
        for i in range(1, THIRD_PARTY_ROWS + 1):
            self.fields[f"third_party_name_{i}"] = forms.CharField(label=_("Third party"), required=False, max_length=100)
            self.fields[f"third_party_relation_{i}"] = forms.ChoiceField(
                label=_("Relation"), required=False, choices=[("", "—"), *ThirdPartyRelation.choices]
            )

    def third_party_rows(self):
        return [(self[f"third_party_name_{i}"], self[f"third_party_relation_{i}"]) for i in range(1, THIRD_PARTY_ROWS + 1)]

    def third_parties(self) -> list[dict]:
        return [
            {"name": self.cleaned_data.get(f"third_party_name_{i}", ""),
             "relation": self.cleaned_data.get(f"third_party_relation_{i}", "")}
            for i in range(1, THIRD_PARTY_ROWS + 1)
        ]

    def clean_occurred_at(self):
        value = self.cleaned_data.get("occurred_at")
        if value is not None and timezone.is_naive(value):
            value = value.replace(tzinfo=BEIJING)
        return value


class ProgressForm(forms.Form):
    demolished_area = forms.DecimalField(label=_("Area removed so far (m²)"), max_digits=10, decimal_places=2,
                                         min_value=0, widget=forms.NumberInput(attrs={"inputmode": "decimal", "step": "0.01"}))
    remarks = forms.CharField(label=_("Remarks"), required=False, widget=forms.Textarea(attrs={"rows": 2}))
    photos = MultipleFileField(label=_("Photos"), accept="image/*", capture="environment")
    version = forms.IntegerField(widget=forms.HiddenInput)


class PublicityForm(forms.Form):
    community = IdChoiceField(label=_("Community"), queryset=None)
    occurred_on = forms.DateField(label=_("Date"), widget=DateInput())
    kind = forms.ChoiceField(label=_("Kind"), choices=PublicityKind.choices, widget=forms.RadioSelect)
    description = forms.CharField(label=_("Description"), widget=forms.Textarea(attrs={"rows": 3}))
    all_open_cases = forms.BooleanField(label=_("Covers all open cases of the community"), required=False,
                                        initial=True)
    cases = IdsChoiceField(label=_("Or these cases"), queryset=None, required=False,
                                           widget=forms.CheckboxSelectMultiple)
    photos = MultipleFileField(label=_("Photos"), accept="image/*", capture="environment")

    def __init__(self, *args, user: User, **kwargs):
        kwargs.setdefault("initial", {}).setdefault("occurred_on", local_date(timezone.now()))
        super().__init__(*args, **kwargs)
        from casework.authorization import filter_cases

        # Only the cases one may read are listed (a negotiator's own); "all open cases" covers the
        # others without showing them.
        cases = filter_cases(Case.objects.exclude(status=CaseStatus.CLOSED).select_related("community"), user)
        self.fields["community"].queryset = communities_visible(user=user)
        self.fields["cases"].queryset = cases.order_by("community__name", "-year", "-sequence")
        self.fields["cases"].label_from_instance = lambda c: f"{c.community.name} · {c.number} · {c.location}"
