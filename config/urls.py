from django.contrib import admin
from django.urls import include, path

from casework.views.health import healthz
from config.site import site

urlpatterns = [
    path("healthz", healthz, name="healthz"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
    path("accounts/", include("django.contrib.auth.urls")),
    path("api/v1/", include("casework.api.urls")),
    path("persuasion/", include("casework.persuasion_urls", namespace="persuasion")),
    path("", include("casework.urls_supervision")),
    path("", include("casework.documents.urls")),  # documents/… and the public verify/<code>
    path("", site.urls),
]
