from django.apps import AppConfig
from django.contrib.admin import apps as admin_apps
from django.utils.translation import gettext_lazy as _


class CaseworkConfig(AppConfig):
    name = "casework"
    verbose_name = _("Casework")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from casework.documents.tasks import queue_render
        from casework.services.documents import render_hooks

        if queue_render not in render_hooks:
            render_hooks.append(queue_render)

        from django.db.models.signals import post_delete, post_save

        from casework.models import Community, Squad, User
        from casework.selectors.people import forget_filter_choices

        for model in (Squad, Community, User):
            for signal in (post_save, post_delete):
                signal.connect(forget_filter_choices, sender=model, dispatch_uid=f"filter-choices-{model.__name__}")

        from django.contrib.auth.signals import user_logged_in

        from casework.security import stamp_sign_in

        user_logged_in.connect(stamp_sign_in, dispatch_uid="casework-session-signed-in")


class OfficeAdminConfig(admin_apps.AdminConfig):
    """django.contrib.admin with the office's site (casework.admin_site.OfficeAdminSite); named
    in INSTALLED_APPS, never this app's default configuration."""

    default = False
    default_site = "casework.admin_site.OfficeAdminSite"
