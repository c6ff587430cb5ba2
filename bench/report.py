"""Benchmark: the annual report of 100,000 synthetic cases, from JSON Lines to the report object.

    python -m pip install -e ".[bench]" && python -m bench.report [--cases 100000]

Times the whole path (read, validate, replay, count) and samples memory as the log is read, to
show how it grows with the cases rather than with the events.
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
from pathlib import Path

from bench.replay import synthetic_case
from complaintflow.report import report_from_log


def write_log(path: Path, cases: int, seed: int) -> int:
    """Write a synthetic log of `cases` cases, spread over 2015-2023; return the event count."""
    rng = random.Random(seed)
    count = 0
    with path.open("w", encoding="utf-8") as handle:
        events = [event for number in range(cases) for event in synthetic_case(rng, number)]
        events.sort(key=lambda event: event["on"])  # a log is in date order, cases interleaved
        for event in events:
            handle.write(json.dumps(event) + "\n")
            count += 1
    return count


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=2006)
    parser.add_argument("--year", type=int, default=2019)
    options = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        log = Path(folder) / "events.jsonl"
        events = write_log(log, options.cases, options.seed)
        size = log.stat().st_size
        print(
            f"{options.cases:,} cases, {events:,} events, {size / 1e6:.0f} MB of JSON Lines, "
            f"Python {sys.version.split()[0]}\n"
        )

        times = []
        for _ in range(3):
            gc.collect()
            start = time.perf_counter()
            report = report_from_log(log, options.year)
            times.append(time.perf_counter() - start)
        best = min(times)

        samples: list[tuple[int, int]] = []
        tracemalloc.start()
        report_from_log(
            log,
            options.year,
            progress=lambda done: samples.append((done, tracemalloc.get_traced_memory()[0])),
        )
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()

    print("| measure | figure |")
    print("|---|---|")
    print(f"| JSON Lines to report, best of 3 | {best:.2f} s ({events / best:,.0f} events/s) |")
    print(f"| stage 1 complaints in {report.year} | {report.counts.stage1:,} |")
    print(
        f"| peak memory (tracemalloc) | {peak / 1e6:.0f} MB ({peak / options.cases / 1024:.2f} KB per case) |"
    )
    print("\nMemory while reading the log (tracemalloc, current):\n")
    print("| share of the log read | memory |")
    print("|---|---|")
    step = max(len(samples) // 5, 1)
    for done, current in [*samples[step - 1 :: step][:5], samples[-1]]:
        print(f"| {done / size:.0%} | {current / 1e6:.0f} MB |")


if __name__ == "__main__":
    main()
