from celery import shared_task


@shared_task(name="casework.tasks.reminders_send")
def reminders_send() -> None:
    """Beat runs this every 15 minutes; the service makes overlapping runs harmless."""
    from casework.services.reminders import reminders_send as send

    send()
