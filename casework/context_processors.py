from functools import cached_property


class UnreadCount:
    """The signed-in person's unread reminders, counted only if a template shows it."""

    def __init__(self, user):
        self.user = user

    @cached_property
    def value(self) -> int:
        from casework.selectors.notifications import notification_unread_count

        return notification_unread_count(user=self.user)

    def __int__(self) -> int:
        return self.value

    def __bool__(self) -> bool:
        return bool(self.value)

    def __str__(self) -> str:
        return str(self.value)


def notifications(request):
    """`unread_notifications` for every template (the badge of the viewflow shell)."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"unread_notifications": 0}
    return {"unread_notifications": UnreadCount(user)}
