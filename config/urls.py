from django.contrib import admin
from django.urls import include, path

from casework.views.health import healthz

urlpatterns = [
    path("healthz", healthz, name="healthz"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
    path("attachments/", include("casework.urls_attachments")),
    path("accounts/", include("django.contrib.auth.urls")),
]
