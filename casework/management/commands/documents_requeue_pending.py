from django.core.management.base import BaseCommand

from casework.documents.tasks import documents_requeue_pending


class Command(BaseCommand):
    help = "Queue the rendering of every document still pending (e.g. after the broker was down)."

    def handle(self, *args, **options):
        queued = documents_requeue_pending()
        self.stdout.write(f"queued {queued} pending document(s)")
