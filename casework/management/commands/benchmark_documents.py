import io
import os
import statistics
import time
from concurrent.futures import ProcessPoolExecutor

from django.core.management.base import BaseCommand
from pypdf import PdfReader

from casework.models import DocumentType


def _render_type(document_type: str) -> int:
    import django

    django.setup()
    from casework.documents.rendering import render_pdf
    from casework.documents.samples import sample_document

    return len(render_pdf(sample_document(document_type)))


class Command(BaseCommand):
    help = "Render every document type N times; print median/p95 ms and PDF size, and worker throughput."

    def add_arguments(self, parser):
        parser.add_argument("--repeat", type=int, default=20)
        parser.add_argument("--workers", type=int, default=2, help="processes for the throughput figure")

    def handle(self, *args, repeat, workers, **options):
        from casework.documents.rendering import render_pdf
        from casework.documents.samples import sample_document

        render_pdf(sample_document(DocumentType.STOP_ORDER))  # warm the font cache like a running worker
        self.stdout.write(f"load average (1 min) at start: {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs")
        # Wall time is what a worker sees; CPU time shows the cost when the machine is busy with other work.
        self.stdout.write(f"{'type':34} {'median ms':>10} {'p95 ms':>8} {'cpu ms':>7} {'KB':>7} {'pages':>5}")
        all_ms = []
        for document_type in DocumentType.values:
            document = sample_document(document_type)
            times, cpu, size = [], [], 0
            for _ in range(repeat):
                start, start_cpu = time.perf_counter(), time.process_time()
                pdf = render_pdf(document)
                times.append((time.perf_counter() - start) * 1000)
                cpu.append((time.process_time() - start_cpu) * 1000)
                size = len(pdf)
            times.sort()
            all_ms.extend(times)
            p95 = times[min(len(times) - 1, int(round(0.95 * (len(times) - 1))))]
            pages = len(PdfReader(io.BytesIO(pdf)).pages)
            self.stdout.write(f"{document_type:34} {statistics.median(times):10.0f} {p95:8.0f} {statistics.median(cpu):7.0f} {size / 1024:7.0f} {pages:5}")
        all_ms.sort()
        self.stdout.write(f"{'ALL':34} {statistics.median(all_ms):10.0f} "
                          f"{all_ms[int(round(0.95 * (len(all_ms) - 1)))]:8.0f}")

        jobs = [t for t in DocumentType.values for _ in range(4)]
        with ProcessPoolExecutor(max_workers=workers) as pool:
            list(pool.map(_render_type, DocumentType.values[:workers]))  # start and warm the processes
            start = time.perf_counter()
            list(pool.map(_render_type, jobs))
            elapsed = time.perf_counter() - start
        self.stdout.write(f"load average (1 min) after the run: {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs")
        self.stdout.write(f"throughput: {len(jobs) / elapsed:.2f} documents/s with {workers} worker processes "
                          f"({len(jobs)} documents in {elapsed:.1f} s)")
