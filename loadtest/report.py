"""Print a locust run's figures: per endpoint requests, failures, error rate, p50 and p95, and the
refusals the application rightly gave under concurrency (409 conflicts, forms shown again).

    python loadtest/report.py <csv prefix> [<outcomes.json>]
"""

from __future__ import annotations

import csv
import json
import sys
from pathlib import Path


def main(prefix: str, outcomes_path: str | None = None) -> int:
    rows = list(csv.DictReader(Path(f"{prefix}_stats.csv").open(encoding="utf-8")))
    outcomes = json.loads(Path(outcomes_path).read_text(encoding="utf-8")) if outcomes_path else {}
    header = f"{'endpoint':<34}{'requests':>9}{'failed':>8}{'error %':>9}{'p50 ms':>8}{'p95 ms':>8}{'refused':>9}"
    print(header)
    print("-" * len(header))
    total = None
    for row in rows:
        if row["Name"] == "Aggregated":
            total = row
            continue
        requests, failures = int(row["Request Count"]), int(row["Failure Count"])
        refused = outcomes.get(row["Name"], {}).get("refused", 0)
        print(f"{row['Type'] + ' ' + row['Name']:<34.34}{requests:>9}{failures:>8}"
              f"{100 * failures / max(requests, 1):>9.2f}{row['50%']:>8}{row['95%']:>8}{refused:>9}")
    if total:
        requests, failures = int(total["Request Count"]), int(total["Failure Count"])
        print("-" * len(header))
        print(f"{'all':<34}{requests:>9}{failures:>8}{100 * failures / max(requests, 1):>9.2f}"
              f"{total['50%']:>8}{total['95%']:>8}{sum(o.get('refused', 0) for o in outcomes.values()):>9}")
        print(f"throughput: {float(total['Requests/s']):.1f} requests/s")
    failures_csv = Path(f"{prefix}_failures.csv")
    if failures_csv.exists():
        failed = list(csv.DictReader(failures_csv.open(encoding="utf-8")))
        if failed:
            print("\nfailures:")
            for row in failed[:20]:
                print(f"  {row['Occurrences']:>5} × {row['Method']} {row['Name']}: {row['Error'][:160]}")
    return 0


if __name__ == "__main__":
    sys.exit(main(*sys.argv[1:]))
