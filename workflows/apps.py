from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class WorkflowsConfig(AppConfig):
    name = "workflows"
    verbose_name = _("Workflows")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from casework.services.hooks import case_changed_hooks
        from workflows.services import process_follow_case

        if process_follow_case not in case_changed_hooks:
            case_changed_hooks.append(process_follow_case)
