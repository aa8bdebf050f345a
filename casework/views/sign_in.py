"""Sign-in with the optional second factor (docs/security.md)."""

from __future__ import annotations

import time

from axes.handlers.proxy import AxesProxyHandler
from django import forms
from django.contrib import admin, messages
from django.contrib.auth import login
from django.contrib.auth.decorators import login_required
from django.contrib.auth.signals import user_login_failed
from django.contrib.auth.views import LoginView
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters

from casework.admin_site import OfficeAdminAuthenticationForm, SignInForm
from casework.errors import CaseworkError
from casework.models import User
from casework.models.security import TotpDevice
from casework.security import lockout_response
from casework.services.totp import totp_check, totp_enrol, totp_may_enrol, totp_new_secret, totp_provisioning_svg

PENDING_KEY = "totp_pending"
SETUP_SECRET_KEY = "totp_setup_secret"
PENDING_SECONDS = 300
MAX_CODE_FAILURES = 5

class CodeForm(forms.Form):
    code = forms.CharField(
        label=gettext_lazy("Six-digit code"), max_length=10,
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric", "autofocus": True}),
    )


class SignInView(LoginView):
    """Password first; a user with an authenticator app is then asked for its code before
    being signed in."""

    authentication_form = SignInForm

    def form_valid(self, form):
        user = form.get_user()
        if TotpDevice.objects.filter(user=user).exists():
            self.request.session[PENDING_KEY] = {
                "user": user.pk, "backend": user.backend, "at": int(time.time()),
                "next": self.get_success_url(), "failures": 0,
            }
            return redirect("totp-verify")
        return super().form_valid(form)


class AdminSignInView(SignInView):
    """The admin's sign-in page, going through the same two steps."""

    template_name = "admin/login.html"
    authentication_form = OfficeAdminAuthenticationForm

    def get_default_redirect_url(self):
        return reverse("admin:index")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(admin.site.each_context(self.request), title=_("Log in"), subtitle=None,
                       app_path=self.request.get_full_path(), username=self.request.user.get_username())
        return context


def _pending_user(request) -> tuple[dict | None, User | None]:
    pending = request.session.get(PENDING_KEY)
    if not pending or time.time() - pending["at"] > PENDING_SECONDS:
        return None, None
    return pending, User.objects.filter(pk=pending["user"], is_active=True).first()


@sensitive_post_parameters("code")
@never_cache
def totp_verify(request):
    """Second step of signing in: the code from the authenticator app. Wrong codes count as
    failed sign-ins for the lockout; five end the attempt."""
    pending, user = _pending_user(request)
    if user is None:
        request.session.pop(PENDING_KEY, None)
        messages.info(request, _("Please sign in again."))
        return redirect("login")
    credentials = {"username": user.get_username()}
    if AxesProxyHandler.is_locked(request, credentials):
        request.session.pop(PENDING_KEY, None)
        return lockout_response(request)
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if totp_check(user=user, code=form.cleaned_data["code"]):
            del request.session[PENDING_KEY]
            login(request, user, backend=pending["backend"])
            return redirect(pending["next"])
        user_login_failed.send(sender=__name__, credentials=credentials, request=request)
        pending["failures"] += 1
        request.session[PENDING_KEY] = pending
        if AxesProxyHandler.is_locked(request, credentials):
            request.session.pop(PENDING_KEY, None)
            return lockout_response(request)
        if pending["failures"] >= MAX_CODE_FAILURES:
            request.session.pop(PENDING_KEY, None)
            messages.error(request, _("Too many wrong codes. Please sign in again."))
            return redirect("login")
        form.add_error("code", _("The code is not correct."))
    return render(request, "registration/totp_verify.html", {"form": form})


@sensitive_post_parameters("code")
@never_cache
@login_required
def totp_setup(request):
    """Turn on two-factor sign-in: scan the QR code, then confirm with the first code."""
    if not totp_may_enrol(request.user):
        raise Http404("not offered")
    if TotpDevice.objects.filter(user=request.user).exists():
        return render(request, "registration/totp_setup.html", {"enrolled": True})
    secret = request.session.get(SETUP_SECRET_KEY) or totp_new_secret()
    request.session[SETUP_SECRET_KEY] = secret
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            totp_enrol(user=request.user, secret=secret, code=form.cleaned_data["code"])
        except CaseworkError as error:
            form.add_error("code", error.message)
        else:
            del request.session[SETUP_SECRET_KEY]
            messages.success(request, _("Two-factor sign-in is on. From now on you will be asked for a code."))
            return redirect("totp-setup")
    return render(request, "registration/totp_setup.html", {
        "form": form, "qr_svg": totp_provisioning_svg(user=request.user, secret=secret),
        "secret_groups": " ".join(secret[i:i + 4] for i in range(0, len(secret), 4)),
    })
