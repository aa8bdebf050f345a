from django.urls import path

from casework.views import supervision

app_name = "supervision"

urlpatterns = [
    path("overdue/", supervision.overdue_review, name="overdue"),
    path("dashboard/", supervision.dashboard, name="dashboard"),
    path("dashboard/<slug:table>.<str:file_format>", supervision.dashboard_export, name="dashboard_export"),
    path("notifications/", supervision.notifications, name="notifications"),
]
