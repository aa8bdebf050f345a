from django.urls import path

from casework.views import persuasion as views

app_name = "persuasion"

urlpatterns = [
    path("mine/", views.mine, name="mine"),
    path("case/<int:pk>/", views.case_detail, name="case"),
    path("case/<int:pk>/talk/", views.talk_new, name="talk_new"),
    path("case/<int:pk>/progress/", views.progress_new, name="progress_new"),
    path("publicity/new/", views.publicity_new, name="publicity"),
    path("analysis/", views.analysis, name="analysis"),
    path("analysis.csv", views.analysis_csv, name="analysis_csv"),
]
