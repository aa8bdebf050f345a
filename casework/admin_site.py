"""The admin site asks casework.authorization: it is the administrator's (`admin_site`), not
every account with the staff flag."""

from __future__ import annotations

from django import forms
from django.contrib import admin
from django.contrib.admin.forms import AdminAuthenticationForm
from django.contrib.auth.forms import AuthenticationForm

from casework.authorization import permits


class OfficeAdminSite(admin.AdminSite):
    def has_permission(self, request) -> bool:
        return permits(request.user, "admin_site")


class BoundedUsernameMixin:
    """Refuses a user name longer than any account's before authentication: Django's form does
    not check the length, and the failed attempt would be recorded by django-axes in a column
    of 255 characters (a database error on PostgreSQL). Such a name cannot be right, so the
    answer is the usual "wrong user name or password"."""

    def clean_username(self):
        username = self.cleaned_data.get("username")
        if username and len(username) > self.username_field.max_length:
            raise forms.ValidationError(self.error_messages["invalid_login"], code="invalid_login",
                                        params={"username": self.username_field.verbose_name})
        return username


class SignInForm(BoundedUsernameMixin, AuthenticationForm):
    """The sign-in page's form."""


class OfficeAdminAuthenticationForm(BoundedUsernameMixin, AdminAuthenticationForm):
    """The admin's sign-in form: refuses whoever the rules keep out of the admin site."""

    def confirm_login_allowed(self, user):
        AuthenticationForm.confirm_login_allowed(self, user)
        if not permits(user, "admin_site"):
            raise forms.ValidationError(self.error_messages["invalid_login"], code="invalid_login",
                                        params={"username": self.username_field.verbose_name})
