from celery import shared_task


@shared_task(name="workflows.tasks.fire_due_timers")
def fire_due_timers() -> None:
    """viewflow fires timers only when asked; beat asks every minute."""
    from viewflow.workflow.timers import fire_due_timers as viewflow_fire_due_timers

    viewflow_fire_due_timers()
