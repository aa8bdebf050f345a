"""`manage.py check_consistency`: every transition has its event, every document its number and
fingerprint, no number series has a gap; exits 1 on any finding (see
casework.selectors.consistency)."""

import datetime as dt

from django.core.management.base import BaseCommand, CommandError

from casework.selectors.consistency import DEFAULT_LIMIT, consistency_report


class Command(BaseCommand):
    help = ("Check that case states agree with their events, issued documents have their number and SHA-256, "
            "and number series have no gap. Exits 1 on any finding.")

    def add_arguments(self, parser):
        parser.add_argument("--pending-grace", type=int, default=600, metavar="SECONDS",
                            help="A document still pending rendering after this long is a finding (default 600).")
        parser.add_argument("--verify-files", action="store_true",
                            help="Also re-read every issued PDF from storage and compare its SHA-256 and size.")
        parser.add_argument("--limit", type=int, default=DEFAULT_LIMIT,
                            help=f"List at most this many findings of each kind (default {DEFAULT_LIMIT}).")

    def handle(self, *args, **options):
        report = consistency_report(pending_grace=dt.timedelta(seconds=options["pending_grace"]),
                                    verify_files=options["verify_files"], limit=options["limit"])
        self.stdout.write("Checked: " + ", ".join(f"{n} {what}" for what, n in report.checked.items())
                          + (" (PDF files re-read)" if options["verify_files"] else "") + ".")
        for finding in report.findings:
            self.stdout.write(str(finding))
        if not report.ok:
            summary = ", ".join(f"{check}: {n}" for check, n in sorted(report.counts.items()))
            raise CommandError(f"{sum(report.counts.values())} findings ({summary}).", returncode=1)
        self.stdout.write(self.style.SUCCESS("Consistent: no finding."))
