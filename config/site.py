"""The web interface: viewflow's Site as the shell, the casework pages as its first app, the
process's inbox, queue and history as the second."""

from django.urls import path
from django.utils.translation import gettext_lazy as _
from viewflow.urls import Application, Site

from casework.views import pages
from workflows.flows import DemolitionFlow
from workflows.viewsets import ProcessAppViewset


class CaseworkApp(Application):
    title = _("Casework")
    icon = "home_work"
    app_name = "casework"
    menu_template_name = "casework/menu.html"
    urlpatterns = [
        path("", pages.my_work, name="my_work"),
        path("cases/", pages.case_list_view, name="case_list"),
        path("cases/new/", pages.lead_new, name="lead_new"),
        path("cases/<int:pk>/", pages.case_detail, name="case_detail"),
        path("cases/<int:pk>/do/<str:name>/", pages.case_action, name="case_action"),
        path("cases/<int:pk>/review/<str:step>/", pages.case_review, name="case_review"),
        path("cases/<int:pk>/assign/", pages.case_assign, name="case_assign"),
        path("tasks/<int:task_pk>/take/", pages.task_take, name="task_take"),
        path("tasks/<int:task_pk>/reassign/", pages.task_reassign, name="task_reassign"),
    ]

    def has_view_permission(self, user, obj=None):
        # Each page requires signing in itself (login_required keeps ?next=); refusing here
        # would answer 403 to an expired session instead of sending it to the sign-in page.
        return True


site = Site(
    title=_("Demolition casework"),
    viewsets=[
        CaseworkApp(),
        ProcessAppViewset(DemolitionFlow, icon="assignment", app_name="process"),
    ],
)
