from django.urls import path

from casework.views.sign_in import SignInView, totp_setup, totp_verify

urlpatterns = [
    path("login/", SignInView.as_view(), name="login"),
    path("two-factor/", totp_verify, name="totp-verify"),
    path("two-factor/setup/", totp_setup, name="totp-setup"),
]
