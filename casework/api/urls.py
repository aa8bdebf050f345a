from django.urls import path, re_path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from casework.api import views

app_name = "api"

urlpatterns = [
    path("auth/token/", views.TokenView.as_view(), name="token"),
    path("cases/", views.CaseListView.as_view(), name="case_list"),
    path("cases/<int:pk>/", views.CaseDetailView.as_view(), name="case_detail"),
    path("cases/<int:pk>/transitions/", views.CaseTransitionsView.as_view(), name="case_transitions"),
    *[
        path(f"cases/<int:pk>/transitions/{name}/", view.as_view(), name=f"case_transition_{name}")
        for name, view in views.TRANSITION_VIEWS.items()
    ],
    path("cases/<int:pk>/transitions/<str:name>/", views.UnknownTransitionView.as_view(), name="case_transition"),
    path("cases/<int:pk>/approvals/", views.CaseApprovalsView.as_view(), name="case_approvals"),
    path("cases/<int:pk>/events/", views.CaseEventsView.as_view(), name="case_events"),
    path("cases/<int:pk>/talks/", views.CaseTalksView.as_view(), name="case_talks"),
    path("cases/<int:pk>/photos/", views.CasePhotosView.as_view(), name="case_photos"),
    path("cases/<int:pk>/documents/", views.CaseDocumentsView.as_view(), name="case_documents"),
    path("documents/<int:pk>/service/", views.DocumentServiceView.as_view(), name="document_service"),
    path("documents/<int:pk>/pdf/", views.DocumentPdfView.as_view(), name="document_pdf"),
    path("overdue/", views.OverdueView.as_view(), name="overdue"),
    path("stats/", views.StatsView.as_view(), name="stats"),
    path("communities/", views.CommunitiesView.as_view(), name="communities"),
    path("people/", views.PeopleView.as_view(), name="people"),
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    path("docs/", SpectacularSwaggerSplitView.as_view(url_name="api:schema"), name="docs"),
    re_path(r"^.*$", views.NotFoundView.as_view(), name="not_found"),
]
