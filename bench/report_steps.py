"""Benchmark: where the report's time goes, step by step, in CPU time, beside `json.loads`.

    python -m bench.report_steps [--cases 20000] [--runs 3]
    valgrind --tool=callgrind python -m bench.report_steps --cases 5000 --only report

Each step is timed on its own, the collector paused, the best of `--runs` kept: CPU time, which
other work on a shared machine disturbs less than wall time. `--only STEP` runs one step once and
prints nothing, for instruction counts (valgrind's callgrind); `--only none` runs none, to subtract
the cost of starting and importing.
"""

from __future__ import annotations

import argparse
import gc
import tempfile
import time
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

from bench.report import bare_json_loads, daily_list, write_log
from complaintflow._bulk import collector_paused
from complaintflow.eventlog import read_events, replay_cases
from complaintflow.report import replayed_records, replayed_tallies, report_from_log

#: As of the day after the log's last event, so that every event counts.
AS_OF = date(2024, 1, 1)


def whole(path: Path) -> dict[str, Callable[[], Any]]:
    """What is timed whole from the file: the floor, the report and `due`."""
    return {
        "json": lambda: bare_json_loads(path),
        "report": lambda: report_from_log(path, 2019),
        "due": lambda: daily_list(path, AS_OF, 1),
    }


def steps(path: Path) -> dict[str, Callable[[], Any]]:
    """Each step of the report from `path`, and `due` beside it."""
    checked = list(read_events(path))
    return {
        "read": lambda: list(read_events(path)),
        "replay": lambda: replay_cases(checked, keep_events=False),
        "records": lambda: replayed_records(checked, False, procedures=None, source="bench", calendar=None),
        "tallies": lambda: replayed_tallies(checked, False, procedures=None, source="bench", calendar=None),
        **whole(path),
    }


LABELS = {
    "json": "`json.loads` of every line",
    "read": "reading and checking every line (`read_events`)",
    "replay": "replaying the checked events (`replay_cases`, no events kept)",
    "records": "the same, noting each case's record (`replayed_records`)",
    "tallies": "the same, counting each record into the report's tally (`replayed_tallies`)",
    "report": "report, one process (`report_from_log`)",
    "due": "`due`, one process",
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=20_000)
    parser.add_argument("--seed", type=int, default=2006)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument(
        "--only", choices=["none", "json", "report", "due"], help="run one step once, for callgrind"
    )
    options = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        log = Path(folder) / "events.jsonl"
        events = write_log(log, options.cases, options.seed)
        if options.only is not None:
            if options.only != "none":
                whole(log)[options.only]()
            return
        best: dict[str, float] = {}
        timed = steps(log)
        timed["replay"]()  # once first: each procedure's machine and calendar are built on first use
        for _ in range(options.runs):
            for name in LABELS:
                step = timed[name]
                gc.collect()
                start = time.process_time()
                with collector_paused():
                    step()
                best[name] = min(best.get(name, float("inf")), time.process_time() - start)
    print(f"{options.cases:,} cases, {events:,} events; CPU time, best of {options.runs}\n")
    print("| step | CPU time | per event |\n|---|---|---|")
    for name, seconds in best.items():
        print(f"| {LABELS[name]} | {seconds:.3f} s | {seconds / events * 1e6:.2f} µs |")
    print(
        f"\nreport: {best['report'] / best['json']:.2f}x `json.loads`; "
        f"`due`: {best['due'] / best['report']:.2f}x the report; "
        f"reading and replaying: {(best['read'] + best['replay']) / best['report']:.2f}x the report"
    )


if __name__ == "__main__":
    main()
