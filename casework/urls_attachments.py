from django.urls import path

from casework.views.attachments import attachment_download

urlpatterns = [
    path("<int:pk>/", attachment_download, name="attachment-download"),
]
