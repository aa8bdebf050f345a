from django.contrib import admin
from django.urls import include, path

from casework.views.health import healthz
from casework.views.sign_in import AdminSignInView
from config.site import site

urlpatterns = [
    path("healthz", healthz, name="healthz"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/login/", AdminSignInView.as_view(), name="admin-sign-in"),  # password, then TOTP if on
    path("admin/", admin.site.urls),
    path("attachments/", include("casework.urls_attachments")),
    path("accounts/", include("casework.urls_accounts")),  # sign-in with the optional second factor
    path("accounts/", include("django.contrib.auth.urls")),
    path("api/v1/", include("casework.api.urls")),
    path("persuasion/", include("casework.persuasion_urls", namespace="persuasion")),
    path("", include("casework.urls_supervision")),
    path("", include("casework.documents.urls")),  # documents/… and the public verify/<code>
    path("", site.urls),
]
