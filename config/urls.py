from django.contrib import admin
from django.urls import include, path

from casework.views.health import healthz

urlpatterns = [
    path("healthz", healthz, name="healthz"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
    path("accounts/", include("django.contrib.auth.urls")),
    path("", include("casework.documents.urls")),  # documents/… and the public verify/<code>
]
