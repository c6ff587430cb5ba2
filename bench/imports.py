"""Benchmark: importing a 20,000-case log into a SQLite store, against the report on the same file.

    python -m bench.imports [--cases 20000]

Writes a synthetic log of children-2006 cases (bench.replay's), then, in one run: the annual report
straight from the file (what `complaintflow report FILE` does, in one process), the import into a new
store, the same import again (every line stored already: nothing added), and a dry run of it. Each
is timed once, wall clock and CPU; the import's figures include reading, checking and deriving ids.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path

from bench.report import write_log
from complaintflow.report import report_from_log
from complaintflow.store import open_store
from complaintflow.store.imports import ImportSummary


def timed(work: Callable[[], object]) -> tuple[float, float, object]:
    """Wall-clock and CPU seconds, and the result."""
    wall, cpu = time.perf_counter(), time.process_time()
    result = work()
    return time.perf_counter() - wall, time.process_time() - cpu, result


def numbered_lines(path: Path) -> Iterator[tuple[int, bytes]]:
    with path.open("rb") as handle:
        for number, line in enumerate(handle, start=1):
            if line.strip():
                yield number, line


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=20_000)
    options = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        log = Path(folder) / "events.jsonl"
        events = write_log(log, options.cases, seed=1)
        store = open_store(f"sqlite:{Path(folder) / 'store.db'}")
        rows: list[tuple[str, float, float, str]] = []
        wall, cpu, _ = timed(lambda: report_from_log(log, 2024, jobs=1))
        rows.append(("report from the file", wall, cpu, ""))
        report_cpu = cpu
        for label, dry_run in (
            ("import into a new store", False),
            ("the same import again", False),
            ("dry run of it", True),
        ):
            wall, cpu, result = timed(
                lambda dry_run=dry_run: store.import_events(numbered_lines(log), dry_run=dry_run)
            )
            assert isinstance(result, ImportSummary) and not result.refused
            rows.append((label, wall, cpu, f"{result.added:,} added, {result.skipped:,} skipped"))
        store.close()
    print(f"{options.cases:,} cases, {events:,} events\n")
    print("| step | wall (s) | CPU (s) | CPU against the report | result |")
    print("|---|---|---|---|---|")
    for label, wall, cpu, result in rows:
        print(f"| {label} | {wall:.2f} | {cpu:.2f} | {cpu / report_cpu:.1f}× | {result} |")


if __name__ == "__main__":
    main()
