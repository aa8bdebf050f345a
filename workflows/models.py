from django.db import models
from django.utils.translation import gettext_lazy as _
from viewflow.workflow.models import Process

from casework.models import Case


class DemolitionProcess(Process):
    """Who does what next on one case. Holds no legal state: the case's status is the only
    record of where it stands, and the flow's gateways read it."""

    case = models.OneToOneField(Case, on_delete=models.PROTECT, related_name="process", verbose_name=_("case"))

    class Meta:
        verbose_name = _("case process")
        verbose_name_plural = _("case processes")

    def __str__(self) -> str:
        return str(self.case)
