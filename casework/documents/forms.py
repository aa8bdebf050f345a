from django import forms
from django.utils.translation import gettext_lazy as _

from casework.models import ServiceMethod


class ServiceForm(forms.Form):
    method = forms.ChoiceField(label=_("How it was served"), choices=ServiceMethod.choices, widget=forms.RadioSelect)
    served_at = forms.DateTimeField(
        label=_("When"), widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"],
    )
    recipient = forms.CharField(label=_("Received by"), max_length=200)
    proof = forms.FileField(
        label=_("Photo or scan of the signed proof"), required=False,
        widget=forms.ClearableFileInput(attrs={"accept": "image/*,application/pdf", "capture": "environment"}),
    )


class VerifyUploadForm(forms.Form):
    pdf = forms.FileField(label=_("PDF file to check"), widget=forms.ClearableFileInput(attrs={"accept": "application/pdf"}))
