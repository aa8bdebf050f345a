"""A `celery worker` whose first document render stops at a chosen point, so a fault test can
kill it there. Test-only: production code carries no hook for this.

    python -m tests.casework.faults.paused_worker <point> <marker> worker <celery worker options>

<point> is where the first render (in this worker and the pool processes it forks) stops:
  render  inside the PDF rendering, before anything is written;
  commit  after the PDF file is written, before the transaction that marks it issued commits.
The render that stops there writes its process id to <marker> and sleeps until it is killed;
every later render (once <marker> exists) runs normally.
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path


def _stop_here(marker: Path) -> None:
    """Claim `marker` atomically (only the first render stops), publish the pid, sleep."""
    claim = marker.with_name(f"{marker.name}.{os.getpid()}")
    claim.write_text(str(os.getpid()))
    try:
        os.link(claim, marker)  # fails if another render got here first
    except FileExistsError:
        return
    finally:
        claim.unlink()
    while True:
        time.sleep(1)


def main() -> None:
    point, marker, *celery_arguments = sys.argv[1:]
    marker = Path(marker)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django

    django.setup()
    if point == "render":
        from casework.documents import rendering

        render_pdf = rendering.render_pdf

        def paused_render_pdf(document):
            _stop_here(marker)
            return render_pdf(document)

        rendering.render_pdf = paused_render_pdf
    elif point == "commit":
        from django.core.files.storage import FileSystemStorage

        save = FileSystemStorage.save

        def paused_save(self, name, *args, **kwargs):
            saved = save(self, name, *args, **kwargs)
            if saved.startswith("documents/"):
                _stop_here(marker)
            return saved

        FileSystemStorage.save = paused_save
    else:
        raise SystemExit(f"unknown point {point!r}: expected render or commit")

    from config.celery_app import app

    app.worker_main(celery_arguments)


if __name__ == "__main__":
    main()
