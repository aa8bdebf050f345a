from django.urls import path

from casework.documents import views

app_name = "documents"

urlpatterns = [
    path("documents/case/<int:case_id>/", views.case_documents_page, name="case"),
    path("documents/<int:document_id>/pdf/", views.document_pdf, name="pdf"),
    path("documents/<int:document_id>/serve/", views.document_serve_page, name="serve"),
    path("verify/<str:code>", views.verify_page, name="verify"),
]
