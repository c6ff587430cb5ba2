"""Benchmark: publishing a report under disclosure control, from the counted report to the report
with every withheld count proved to have two values.

    python -m bench.publish [--runs 3]

Times `publish` (the quick search, then the solver over every relation the page shows) on the seed
year at 5 and 10, on the seed year at 5 after last year's publication (a joint audit of two pages),
on a sparse year of 300 children's complaints over 12 services (most counts small), and on a small
year of 20 complaints of each other kind (whose reports have no services, so only a small year has
small counts). Counting the report is not timed: bench.report measures that.
"""

from __future__ import annotations

import argparse
from importlib import resources
from typing import Any

from bench.report import best_of
from complaintflow.demo import seed_year_procedures
from complaintflow.report import Report, publication, publish, records_from_events, report_from_log, reports
from complaintflow.testing import sparse_year

KINDS = ["children-2006", "housing-2024", "lgsco-2026", "adults-2009", "spso-2021"]


def _withheld(report: Report) -> int:
    return len(report.suppressed)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3, help="timings of each; the fastest is shown")
    args = parser.parse_args()
    rows: list[tuple[str, float, Any]] = []
    with resources.as_file(resources.files("complaintflow") / "data" / "seed-year.jsonl") as path:
        seed = report_from_log(path, 2012, procedures=seed_year_procedures())
        last = report_from_log(path, 2011, procedures=seed_year_procedures())
    for below in (5, 10):
        seconds, published = best_of(args.runs, lambda below=below: publish(seed, below))
        rows.append((f"seed year 2012-13, N = {below}", seconds, _withheld(published)))
    earlier = [publication(publish(last, 5))]
    seconds, published = best_of(args.runs, lambda: publish(seed, 5, earlier=earlier))
    rows.append(("seed year 2012-13, N = 5, after 2011-12's publication", seconds, _withheld(published)))
    for name in KINDS:
        cases = 300 if name == "children-2006" else 20
        counted = reports(records_from_events(sparse_year(name, cases, year=2026)), 2026, only=[name])[name]
        seconds, published = best_of(args.runs, lambda counted=counted: publish(counted, 5))
        rows.append((f"sparse year of {cases} complaints, {name}, N = 5", seconds, _withheld(published)))
    print(f"{'report':<60} {'publish':>9} {'withheld':>9}")
    for label, seconds, withheld in rows:
        print(f"{label:<60} {seconds:>8.2f}s {withheld:>9}")


if __name__ == "__main__":
    main()
