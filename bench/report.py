"""Benchmark: the annual reports of 100,000 synthetic cases, from JSON Lines to the report object,
and on to the published HTML page.

    python -m pip install -e ".[bench]" && python -m bench.report [--cases 100000] [--baselines-only]

First, the report and the daily list (`due`) beside a bare `json.loads` of the same lines, the
floor any reader of JSON Lines pays (`--baselines-only` stops there). Then times the whole path
(read, validate, replay, count) for the children's report and for a housing
landlord's Complaint Handling Code report, then disclosure control and the HTML page of each, and
samples memory as the log is read, to show how it grows with the cases rather than the events.
"""

from __future__ import annotations

import argparse
import gc
import json
import random
import sys
import tempfile
import time
import tracemalloc
from collections.abc import Callable
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from bench.replay import ANNOTATIONS, synthetic_case
from complaintflow.eventlog import load_cases
from complaintflow.reminders import due_within
from complaintflow.report import Cover, publish, report_from_log, reports_from_log, to_html
from complaintflow.report.workers import reminders_in_parallel

HOUSING_PATH: list[dict[str, Any]] = [
    {"type": "ComplaintReceived", "procedure": "housing-2024", "service_area": "Repairs"},
    {"type": "Acknowledged", "stage": 1},
    {"type": "Responded", "stage": 1, "outcome": "not_upheld"},
    {"type": "EscalationRequested", "to_stage": 2},
    {"type": "Acknowledged", "stage": 2},
    {"type": "Responded", "stage": 2, "outcome": "partially_upheld"},
]


CLOSED_ACCEPTS = {"CompensationOffered", "LearningActionAgreed", "OmbudsmanReferred"}


def synthetic_housing_case(rng: random.Random, number: int) -> list[dict[str, Any]]:
    """One valid housing-2024 case of 3 to 8 events, from April 2024."""
    chosen = HOUSING_PATH[: rng.randint(3, 6)]
    while len(chosen) < rng.randint(3, 8):  # what a closed case still accepts
        chosen.append(rng.choice([a for a in ANNOTATIONS if a["type"] in CLOSED_ACCEPTS]))
    day = date(2024, 4, 1) + timedelta(days=rng.randrange(700))
    events = []
    for event in chosen:
        events.append({**event, "case_id": f"H-{number:06d}", "on": day.isoformat()})
        day += timedelta(days=rng.randint(1, 6))
    return events


def write_log(
    path: Path,
    cases: int,
    seed: int,
    make: Callable[[random.Random, int], list[dict[str, Any]]] = synthetic_case,
) -> int:
    """Write a synthetic log of `cases` cases made by `make`; return the event count."""
    rng = random.Random(seed)
    count = 0
    with path.open("w", encoding="utf-8") as handle:
        events = [event for number in range(cases) for event in make(rng, number)]
        events.sort(key=lambda event: event["on"])  # a log is in date order, cases interleaved
        for event in events:
            handle.write(json.dumps(event) + "\n")
            count += 1
    return count


def best_of(runs: int, work: Callable[[], Any]) -> tuple[float, Any]:
    """The fastest of `runs` timings of `work`, and its result."""
    times, result = [], None
    for _ in range(runs):
        gc.collect()
        start = time.perf_counter()
        result = work()
        times.append(time.perf_counter() - start)
    return min(times), result


def bare_json_loads(path: Path) -> int:
    """The floor: every line of the log parsed by `json.loads`, nothing checked or counted."""
    count = 0
    with path.open("rb") as handle:
        for line in handle:
            json.loads(line)
            count += 1
    return count


def daily_list(path: Path, as_of: date, jobs: int) -> list[Any]:
    """What `complaintflow due FILE --as-of DAY --jobs N` lists (`--within 5`, the default)."""
    if jobs > 1:
        listed = reminders_in_parallel(path, jobs, as_of=as_of, within=5)
        assert listed is not None
        return listed
    return due_within(load_cases(path, until=as_of, keep_events=False).values(), as_of=as_of, within=5)


def against_json_loads(path: Path, year: int, as_of: date, runs: int) -> list[str]:
    """The report and the daily list beside a bare `json.loads` of the same lines, as table rows;
    each the best of `runs`, taken round by round so that all of them see the same machine."""
    timings: dict[str, list[float]] = {}
    work: dict[str, Callable[[], Any]] = {
        "bare `json.loads` of every line": lambda: bare_json_loads(path),
        "report, one process (`jobs=1`)": lambda: report_from_log(path, year),
        "report, two workers (`jobs=2`)": lambda: report_from_log(path, year, jobs=2),
        "`due`, one process": lambda: daily_list(path, as_of, 1),
        "`due`, two workers": lambda: daily_list(path, as_of, 2),
    }
    for _ in range(runs):
        for label, step in work.items():
            timings.setdefault(label, []).append(best_of(1, step)[0])
    best = {label: min(times) for label, times in timings.items()}
    floor = best["bare `json.loads` of every line"]
    reports = {1: best["report, one process (`jobs=1`)"], 2: best["report, two workers (`jobs=2`)"]}
    rows = []
    for label, seconds in best.items():
        jobs = 2 if "two workers" in label else 1
        against_report = f"{seconds / reports[jobs]:.2f}x" if label.startswith("`due`") else ""
        rows.append(
            f"| {label} | {seconds:.2f} s | {seconds / floor:.2f}x | {against_report} "
            f"| {_verdict(label, seconds / floor, seconds / reports[jobs])} |"
        )
    return rows


#: The targets, as ratios in one run: the report against `json.loads`, `due` against the report.
TARGETS = {"report, one process": 2.5, "report, two workers": 1.6, "`due`": 0.5}


def _verdict(label: str, against_floor: float, against_report: float) -> str:
    """Whether the row meets its target, said in the run that measured it."""
    for start, most in TARGETS.items():
        if label.startswith(start):
            ratio = against_report if start == "`due`" else against_floor
            return f"at most {most}x: {'met' if ratio <= most else '**missed**'}"
    return ""


def published_page(report: Any) -> str:
    return to_html(publish(report), Cover(council="Benchmark Borough Council"))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=2006)
    parser.add_argument("--year", type=int, default=2019)
    parser.add_argument("--runs", type=int, default=3, help="runs of the baselines, the best kept")
    parser.add_argument(
        "--baselines-only", action="store_true", help="only the report and due beside json.loads"
    )
    options = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        log = Path(folder) / "events.jsonl"
        events = write_log(log, options.cases, options.seed)
        size = log.stat().st_size
        print(
            f"{options.cases:,} cases, {events:,} events, {size / 1e6:.0f} MB of JSON Lines, "
            f"Python {sys.version.split()[0]}\n"
        )
        # As of 1 January 2024, after the log's last event, so that every event counts.
        baselines = against_json_loads(log, options.year, date(2024, 1, 1), runs=options.runs)
        print(
            f"| the same lines | best of {options.runs} | against `json.loads` "
            "| against the report with the same workers | target |"
        )
        print("|---|---|---|---|---|")
        print("\n".join(baselines) + "\n")
        if options.baselines_only:
            return

        best, report = best_of(3, lambda: report_from_log(log, options.year))
        parallel, in_parallel = best_of(3, lambda: report_from_log(log, options.year, jobs=2))
        assert in_parallel == report, "two workers must give the same report"

        samples: list[tuple[int, int]] = []
        tracemalloc.start()
        report_from_log(
            log,
            options.year,
            progress=lambda done: samples.append((done, tracemalloc.get_traced_memory()[0])),
        )
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
        html_time, page = best_of(3, lambda: published_page(report))

        housing_log = Path(folder) / "housing.jsonl"
        housing_events = write_log(housing_log, options.cases, options.seed, synthetic_housing_case)
        housing_time, housing = best_of(
            3,
            lambda: reports_from_log(housing_log, 2025, only=["housing-2024"], homes=40_000)["housing-2024"],
        )
        housing_html_time, housing_page = best_of(3, lambda: published_page(housing))
        # Half the housing cases end (stage 2 answered): a closed case keeps little beside its record.
        tracemalloc.start()
        reports_from_log(housing_log, 2025, only=["housing-2024"], homes=40_000)
        housing_peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()

    print("| measure | figure |")
    print("|---|---|")
    print(f"| JSON Lines to report, best of 3 | {best:.2f} s ({events / best:,.0f} events/s) |")
    print(f"| the same with two worker processes (`jobs=2`), best of 3 | {parallel:.2f} s |")
    print(f"| stage 1 complaints in {report.year} | {report.counts.stage1:,} |")
    print(
        f"| disclosure control and the HTML page, best of 3 | {html_time:.2f} s ({len(page) / 1e3:,.0f} KB) |"
    )
    print(
        f"| housing-2024 report: {options.cases:,} cases, {housing_events:,} events, best of 3 "
        f"| {housing_time:.2f} s ({housing_events / housing_time:,.0f} events/s) |"
    )
    print(f"| housing stage 1 complaints in {housing.year} | {housing.stage1.received:,} |")
    print(
        f"| housing: disclosure control and the HTML page, best of 3 | {housing_html_time:.2f} s "
        f"({len(housing_page) / 1e3:,.0f} KB) |"
    )
    print(
        f"| peak memory (tracemalloc) | {peak / 1e6:.0f} MB ({peak / options.cases / 1024:.2f} KB per case) |"
    )
    print(
        f"| housing peak memory (tracemalloc) | {housing_peak / 1e6:.0f} MB "
        f"({housing_peak / options.cases / 1024:.2f} KB per case) |"
    )
    print("\nMemory while reading the log (tracemalloc, current):\n")
    print("| share of the log read | memory |")
    print("|---|---|")
    step = max(len(samples) // 5, 1)
    for done, current in [*samples[step - 1 :: step][:5], samples[-1]]:
        print(f"| {done / size:.0%} | {current / 1e6:.0f} MB |")


if __name__ == "__main__":
    main()
