"""Benchmark: the event stores, SQLite and (where a server answers) PostgreSQL.

    python -m pip install -e ".[bench]"
    python -m bench.store [--cases 100000] [--postgres DSN] [--compare-only | --writers-only]

Measures single-event and ten-event appends per second, case loads per second (replayed from the
events, nothing cached), feed events per second, the daily list over the open cases, and the annual
report read from the stored records. First, single-event appends beside eventsourcing's
`SQLiteApplicationRecorder` (the recorder with its notification log, as our feed), the library whose
guarantees the stores follow, at the same SQLite `synchronous` setting on both sides: FULL (our
default, durable against power loss) and NORMAL (`?durability=normal`). `--compare-only` stops there.
`--writers-only` measures instead single-event appends from one thread and from eight sharing a
durable SQLite store (group commit), and, with `--postgres`, the PostgreSQL store beside bare psycopg
running one INSERT per transaction, with one writer and eight.
"""

from __future__ import annotations

import argparse
import tempfile
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from datetime import date
from pathlib import Path
from typing import Any

from complaintflow.store import EventStore, open_store
from complaintflow.store.sqlite import DURABILITY

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


def eventsourcing_appends(folder: Path, appends: int, durability: str) -> float | None:
    """Appends per second to eventsourcing's `SQLiteApplicationRecorder`, the recorder with its
    notification log (the guarantee our feed gives), one event per append to a new aggregate, at
    SQLite's `synchronous` setting for `durability`; None when eventsourcing is not installed."""
    try:
        from eventsourcing.persistence import StoredEvent
        from eventsourcing.sqlite import SQLiteApplicationRecorder, SQLiteDatastore
    except ImportError:
        return None
    datastore = SQLiteDatastore(str(folder / f"eventsourcing-{durability}.db"))
    opened = datastore.pool._create_connection

    def with_our_setting() -> Any:  # its pool opens connections at SQLite's default; set it as ours
        connection = opened()
        connection._sqlite_conn.execute(f"PRAGMA synchronous = {DURABILITY[durability]}")
        return connection

    datastore.pool._create_connection = with_our_setting  # type: ignore[method-assign]
    recorder = SQLiteApplicationRecorder(datastore)
    recorder.create_table()

    def run() -> None:
        for _ in range(appends):
            recorder.insert_events(
                [StoredEvent(uuid.uuid4(), 1, "ComplaintReceived", b'{"on": "2024-04-02"}')]
            )

    seconds = timed(run)
    datastore.close()
    return appends / seconds


def store_appends(folder: Path, appends: int, durability: str) -> float:
    """Single-event appends per second to a new SQLite store opened with `durability`, each a
    `ComplaintReceived` of a new case, checked, written with its projections and committed."""
    store = open_store(f"sqlite:{folder / f'store-{durability}.db'}?durability={durability}")
    seconds = timed(
        lambda: [store.append(f"A-{n}", [{**RECEIVED, "case_id": f"A-{n}"}]) for n in range(appends)]
    )
    store.close()
    return appends / seconds


def threaded_appends(store: EventStore, writers: int, appends: int, label: str) -> float:
    """Single-event appends per second from `writers` threads sharing one store, `appends` in all,
    each a `ComplaintReceived` of a new case (the service's threads, appending at once)."""
    share = appends // writers

    def write(worker: int) -> None:
        for n in range(share):
            case_id = f"{label}-{worker}-{n}"
            store.append(case_id, [{**RECEIVED, "case_id": case_id}])

    threads = [threading.Thread(target=write, args=(worker,)) for worker in range(writers)]

    def run() -> None:
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()

    return share * writers / timed(run)


def sqlite_writers(folder: Path, appends: int, rounds: int) -> list[str]:
    """One writer beside eight writer threads on a durable SQLite store (`synchronous=FULL`),
    interleaved round by round; the best round of each, as table rows."""
    one, eight = [], []
    for number in range(rounds):
        store = open_store(f"sqlite:{folder / f'writers-{number}.db'}")
        one.append(threaded_appends(store, 1, appends, f"one-{number}"))
        eight.append(threaded_appends(store, 8, appends, f"eight-{number}"))
        store.close()
    return [
        f"| SQLite store, synchronous=FULL | {max(one):,.0f}/s | {max(eight):,.0f}/s | "
        f"{max(eight) / max(one):.2f}x |"
    ]


def psycopg_appends(dsn: str, writers: int, appends: int) -> float:
    """Bare psycopg: one INSERT of an event row per transaction, from `writers` threads each with a
    connection of its own, at the server's own commit setting (the peer of the PostgreSQL store)."""
    import psycopg

    schema = f"cf_bare_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(dsn, autocommit=True) as connection:
        connection.execute(f"CREATE SCHEMA {schema}")
        connection.execute(
            f"CREATE TABLE {schema}.events (position BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY, "
            "case_id TEXT NOT NULL, version INTEGER NOT NULL, event_id TEXT NOT NULL UNIQUE, "
            "body TEXT NOT NULL, UNIQUE (case_id, version))"
        )
    share = appends // writers
    connections = [psycopg.connect(dsn) for _ in range(writers)]

    def write(connection: Any) -> None:
        for _ in range(share):
            with connection.transaction():
                connection.execute(
                    f"INSERT INTO {schema}.events (case_id, version, event_id, body) VALUES (%s, 1, %s, %s)",
                    (uuid.uuid4().hex, uuid.uuid4().hex, '{"on": "2024-04-02"}'),
                )

    threads = [threading.Thread(target=write, args=(c,)) for c in connections]

    def run() -> None:
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()

    try:
        return share * writers / timed(run)
    finally:
        for connection in connections:
            connection.close()
        with psycopg.connect(dsn, autocommit=True) as connection:
            connection.execute(f"DROP SCHEMA {schema} CASCADE")


def postgres_writers(dsn: str, appends: int, rounds: int) -> list[str]:
    """The PostgreSQL store beside bare psycopg with one and eight writer threads, interleaved
    round by round; the best round of each, as table rows."""
    from complaintflow.store.postgres import PostgresEventStore

    rows = []
    for writers in (1, 8):
        ours, theirs = [], []
        for number in range(rounds):
            store = PostgresEventStore(dsn, schema=f"cf_bench_{uuid.uuid4().hex[:8]}", pool_size=writers)
            try:
                ours.append(threaded_appends(store, writers, appends, f"pg-{writers}-{number}"))
            finally:
                store.drop()
                store.close()
            theirs.append(psycopg_appends(dsn, writers, appends))
        rows.append(
            f"| {writers} | {max(ours):,.0f}/s | {max(theirs):,.0f}/s | {max(ours) / max(theirs):.2f}x |"
        )
    return rows


def growing_cases(folder: Path, cases: int) -> tuple[float, float]:
    """Microseconds for the first and for the tenth single-event append of a case, each taken over
    `cases` cases (the tenth after each case has nine events), at `durability=normal` so that the
    store's own work shows rather than the disk's sync."""
    store = open_store(f"sqlite:{folder / 'growing.db'}?durability=normal")
    costs = []
    for number in range(10):
        day = f"2024-04-{2 + number:02d}"
        event = {**RECEIVED, "on": day} if number == 0 else {"type": "AdvocacyArranged", "on": day}
        seconds = timed(
            lambda event=event: [
                store.append(f"G-{n}", [{**event, "case_id": f"G-{n}"}]) for n in range(cases)
            ]
        )
        costs.append(seconds / cases * 1e6)
    store.close()
    return costs[0], costs[-1]


def compare_appends(folder: Path, appends: int, rounds: int) -> list[str]:
    """The store beside eventsourcing's recorder at each durability, interleaved round by round
    so that both see the same machine; the best round of each, as table rows."""
    rows = []
    for durability in DURABILITY:
        ours, theirs = [], []
        for number in range(rounds):
            round_folder = folder / f"{durability}-{number}"
            round_folder.mkdir()
            ours.append(store_appends(round_folder, appends, durability))
            peer = eventsourcing_appends(round_folder, appends, durability)
            if peer is not None:
                theirs.append(peer)
        setting = f"synchronous={DURABILITY[durability]} (WAL), both sides"
        if not theirs:
            rows.append(f"| {setting} | {max(ours):,.0f}/s | not installed (`.[bench]`) | |")
            continue
        rows.append(
            f"| {setting} | {max(ours):,.0f}/s | {max(theirs):,.0f}/s | {max(ours) / max(theirs):.2f}x |"
        )
    return rows


def writers(options: argparse.Namespace) -> None:
    """One writer beside eight writer threads; with `--postgres`, the store beside bare psycopg."""
    print("Single-event appends, one writer thread and eight, best of each side's rounds:\n")
    print("| store | one writer | eight writers | eight / one |")
    print("|---|---|---|---|")
    with tempfile.TemporaryDirectory() as folder:
        print("\n".join(sqlite_writers(Path(folder), options.appends, options.rounds)))
    if options.postgres:
        print("\nThe PostgreSQL store beside bare psycopg, one INSERT per transaction, both at the")
        print("server's synchronous_commit=on:\n")
        print("| writers | complaintflow PostgreSQL store | bare psycopg | ratio |")
        print("|---|---|---|---|")
        print("\n".join(postgres_writers(options.postgres, options.appends, options.rounds)))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=100_000)
    parser.add_argument("--appends", type=int, default=2_000)
    parser.add_argument("--postgres", metavar="DSN", help="also measure PostgreSQL, in a schema of its own")
    parser.add_argument("--rounds", type=int, default=3, help="rounds of the append comparison")
    parser.add_argument(
        "--compare-only", action="store_true", help="only the appends beside eventsourcing's recorder"
    )
    parser.add_argument(
        "--writers-only", action="store_true", help="one writer beside eight; PostgreSQL beside psycopg"
    )
    options = parser.parse_args()
    if options.writers_only:
        writers(options)
        return
    with tempfile.TemporaryDirectory() as folder:
        comparison = compare_appends(Path(folder), options.appends, options.rounds)
    print("Single-event appends, best of each side's rounds:\n")
    print("| durability | complaintflow SQLite store | eventsourcing SQLiteApplicationRecorder | ratio |")
    print("|---|---|---|---|")
    print("\n".join(comparison))
    with tempfile.TemporaryDirectory() as folder:
        first, tenth = growing_cases(Path(folder), min(options.appends, 1_000))
    print(f"\nFirst append of a case {first:,.0f} µs, tenth {tenth:,.0f} µs ({tenth / first:.2f}x)")
    if options.compare_only:
        return
    with tempfile.TemporaryDirectory() as folder:
        results = {
            "SQLite": measure(
                open_store(f"sqlite:{Path(folder) / 'store.db'}"), options.cases, options.appends
            )
        }
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


if __name__ == "__main__":
    main()
