"""Benchmark: the event stores, SQLite and (where a server answers) PostgreSQL.

    python -m pip install -e ".[bench]" && python -m bench.store [--cases 100000] [--postgres DSN]

Measures single-event and ten-event appends per second, case loads per second (replayed from the
events, nothing cached), feed events per second, the daily list over the open cases, and the annual
report read from the stored records. eventsourcing, the library whose guarantees the stores follow,
appends to its own SQLite recorder in the same run for a ratio.
"""

from __future__ import annotations

import argparse
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from datetime import date
from pathlib import Path

from complaintflow.store import EventStore, open_store

RECEIVED = {"type": "ComplaintReceived", "on": "2024-04-02", "procedure": "children-2006"}


def timed(work: Callable[[], object]) -> float:
    start = time.perf_counter()
    work()
    return time.perf_counter() - start


def fill(store: EventStore, cases: int) -> None:
    """`cases` open cases received over a thousand days from April 2024, each answered at stage 1
    eight days later and so open with the window to ask for stage 2 running or run out; stored a
    chunk per transaction."""

    def lines() -> Iterator[tuple[int, dict[str, object]]]:
        for number in range(cases):
            case_id, received = f"F-{number}", date.fromordinal(738_977 + number % 1000)
            yield 2 * number, {**RECEIVED, "case_id": case_id, "on": received.isoformat()}
            answered = date.fromordinal(received.toordinal() + 8).isoformat()
            yield (
                2 * number + 1,
                {"type": "Responded", "case_id": case_id, "on": answered, "stage": 1, "outcome": "upheld"},
            )

    refused = store.import_events(lines()).refused
    assert not refused, refused[:3]


def measure(store: EventStore, cases: int, appends: int) -> dict[str, str]:
    figures = {}
    seconds = timed(
        lambda: [store.append(f"A-{n}", [{**RECEIVED, "case_id": f"A-{n}"}]) for n in range(appends)]
    )
    figures["single-event appends"] = f"{appends / seconds:,.0f} appends/s"
    notes = [{"type": "AdvocacyArranged", "on": "2024-04-03", "provider": str(n)} for n in range(9)]
    batches = appends // 10
    seconds = timed(
        lambda: [
            store.append(
                f"T-{n}", [{**RECEIVED, "case_id": f"T-{n}"}, *({**e, "case_id": f"T-{n}"} for e in notes)]
            )
            for n in range(batches)
        ]
    )
    figures["ten-event appends"] = (
        f"{batches / seconds:,.0f} appends/s ({batches * 10 / seconds:,.0f} events/s)"
    )
    store._cache.clear()
    seconds = timed(lambda: [store.load(f"T-{n}") for n in range(batches)])
    figures["case loads (ten events, replayed)"] = f"{batches / seconds:,.0f} loads/s"
    seconds = timed(lambda: fill(store, cases))
    figures[f"import of {cases:,} cases"] = f"{seconds:.1f} s ({2 * cases / seconds:,.0f} events/s)"
    total = 0

    def read_feed() -> None:
        nonlocal total
        after = 0
        while page := store.feed(after=after, limit=1_000):
            total += len(page)
            after = page[-1][0]

    seconds = timed(read_feed)
    figures["feed"] = f"{total / seconds:,.0f} events/s ({total:,} events)"
    open_cases = len(store.cases(open_only=True))
    # Receipts run from April 2024 for a thousand days. In June 2025 the daily list is what a council
    # sees each morning, with later events stored; at the end of 2027 every window has run out.
    for label, day in (
        ("a morning's list", date(2025, 6, 2)),
        ("no events after the day", date(2027, 12, 31)),
    ):
        listed = len(store.due(within=5, as_of=day))
        best = min(timed(lambda day=day: store.due(within=5, as_of=day)) for _ in range(3))
        figures[f"due over {open_cases:,} open cases, {label}"] = f"{best:.2f} s ({listed:,} listed)"
    best = min(timed(lambda: store.report(2024)) for _ in range(3))
    figures[f"report over {open_cases:,} stored cases"] = f"{best:.2f} s"
    return figures


def eventsourcing_appends(folder: Path, appends: int) -> str:
    """Appends per second to eventsourcing's SQLite recorder, one event per append."""
    try:
        from eventsourcing.persistence import StoredEvent
        from eventsourcing.sqlite import SQLiteAggregateRecorder, SQLiteDatastore
    except ImportError:
        return "not installed (python -m pip install -e '.[bench]')"
    datastore = SQLiteDatastore(str(folder / "eventsourcing.db"))
    recorder = SQLiteAggregateRecorder(datastore)
    recorder.create_table()

    def run() -> None:
        for _ in range(appends):
            recorder.insert_events(
                [StoredEvent(uuid.uuid4(), 1, "ComplaintReceived", b'{"on": "2024-04-02"}')]
            )

    return f"{appends / timed(run):,.0f} appends/s"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=100_000)
    parser.add_argument("--appends", type=int, default=2_000)
    parser.add_argument("--postgres", metavar="DSN", help="also measure PostgreSQL, in a schema of its own")
    options = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        results = {
            "SQLite": measure(
                open_store(f"sqlite:{Path(folder) / 'store.db'}"), options.cases, options.appends
            )
        }
        peer = eventsourcing_appends(Path(folder), options.appends)
    if options.postgres:
        from complaintflow.store.postgres import PostgresEventStore

        store = PostgresEventStore(options.postgres, schema=f"cf_bench_{uuid.uuid4().hex[:8]}")
        try:
            results["PostgreSQL"] = measure(store, options.cases, options.appends)
        finally:
            store.drop()
            store.close()
    names = list(results)
    print("| measure | " + " | ".join(names) + " |")
    print("|---|" + "---|" * len(names))
    for measure_name in results["SQLite"]:
        print(f"| {measure_name} | " + " | ".join(results[n].get(measure_name, "") for n in names) + " |")
    print(f"\neventsourcing's SQLite recorder, single-event appends, same run: {peer}")


if __name__ == "__main__":
    main()
