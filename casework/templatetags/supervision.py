from django import template
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext as _

register = template.Library()


@register.simple_tag(takes_context=True)
def notification_badge(context):
    """A bell with the number of unread reminders, linking to the notifications page.

    Usable from any viewflow page: `{% load supervision %}{% notification_badge %}`.
    """
    request = context.get("request")
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return ""
    count = context.get("unread_notifications")
    if count is None:
        from casework.selectors.notifications import notification_unread_count

        count = notification_unread_count(user=user)
    count = int(count)
    label = _("%(count)s unread notifications") % {"count": count}
    return format_html(
        '<a href="{}" class="mdc-button" style="color:white" aria-label="{}" title="{}">'
        '<i class="material-icons">notifications</i>{}</a>',
        reverse("supervision:notifications"), label, label,
        format_html('<span class="sv-badge" style="background:#c62828;border-radius:10px;padding:0 6px;'
                    'margin-left:2px;font-size:12px">{}</span>', count) if count else "",
    )


@register.filter
def may(user, action: str) -> bool:
    """Whether casework.authorization's rule `action` lets `user` act at all (pages and menus
    show only what the person may open): `{% if user|may:"view_overdue" %}`."""
    from casework.authorization import permits

    return bool(user is not None and user.is_authenticated and permits(user, action))
