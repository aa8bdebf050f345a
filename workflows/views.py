from django.shortcuts import redirect
from django.urls import reverse
from django.views import View


class TaskOpenView(View):
    """A task's page in viewflow's inbox opens the case's own form for its step (or the case
    page when the task offers a choice of steps)."""

    def get(self, request, *args, **kwargs):
        activation = request.activation
        case = activation.process.demolitionprocess.case if hasattr(activation.process, "demolitionprocess") \
            else activation.process.case
        actions = activation.flow_task.actions
        if len(actions) == 1:
            action = actions[0]
            if action.startswith("approve:"):
                return redirect(reverse("casework:case_review", args=[case.pk, action.split(":", 1)[1]]))
            return redirect(reverse("casework:case_action", args=[case.pk, action]))
        return redirect(case.get_absolute_url())

    post = get
