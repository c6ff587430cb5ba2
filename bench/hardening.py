"""Benchmark: the figures of the adversarial review of the store, the service and the command line,
measured again after the fixes (docs/stores.md and docs/service.md).

    python -m bench.hardening [--postgres DSN]

- late entries: a batch of ten events entered late to a case of 10,001 events, and how long an
  append to another case waits meanwhile (SQLite, and PostgreSQL where a DSN is given);
- a long read: viewing that case as of an earlier day through the service, and /health meanwhile;
- a full disk: appends through the service to a store SQLite holds to a few pages;
- a damaged page: the store commands run on a store with pages overwritten;
- /dev/zero as a log, and --jobs 48 on a one-line log.
"""

from __future__ import annotations

import argparse
import asyncio
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path

import httpx
from fastapi.testclient import TestClient

from complaintflow.service import create_app
from complaintflow.store import EventStore, SQLiteEventStore, open_store
from complaintflow.store.tokens import create_token

ROOT = Path(__file__).resolve().parent.parent
SEED = ROOT / "examples" / "seed-year" / "events.jsonl"
CORPORATE = ROOT / "examples" / "corporate-procedure.toml"
RECEIVED = {"type": "ComplaintReceived", "case_id": "L-1", "on": "2024-04-02", "procedure": "children-2006"}


def long_case(store: EventStore, events: int = 10_001) -> None:
    """One case of `events` events: received, then advocacy arranged again and again in May."""
    lines = [(0, RECEIVED)] + [
        (n, {"type": "AdvocacyArranged", "case_id": "L-1", "on": "2024-05-01", "event_id": f"a-{n}"})
        for n in range(1, events)
    ]
    assert not store.import_events(lines).refused


def late_entries(store: EventStore) -> tuple[float, float]:
    """Seconds for ten late entries to the long case, and the longest an append to another case
    waited while they were checked and written."""
    late = [
        {
            "type": "AdvocacyArranged",
            "case_id": "L-1",
            "on": "2024-04-10",
            "event_id": f"late-{uuid.uuid4().hex}",
        }
        for _ in range(10)
    ]
    done = threading.Event()
    waits: list[float] = []

    def others() -> None:
        while not done.is_set():
            case_id = f"O-{uuid.uuid4().hex[:12]}"
            start = time.perf_counter()
            store.append(case_id, [{**RECEIVED, "case_id": case_id}])
            waits.append(time.perf_counter() - start)

    other = threading.Thread(target=others)
    start = time.perf_counter()
    other.start()
    store.append("L-1", late)
    took = time.perf_counter() - start
    done.set()
    other.join()
    return took, max(waits)


def long_read(store: EventStore) -> tuple[float, float]:
    """Seconds to view the long case as of an earlier day through the service, and the slowest
    /health answer meanwhile."""
    token = create_token(store, f"reader-{uuid.uuid4().hex[:6]}", "read")

    async def meanwhile() -> tuple[float, float]:
        transport = httpx.ASGITransport(app=create_app(store))
        async with httpx.AsyncClient(transport=transport, base_url="http://service") as client:
            start = time.perf_counter()
            viewing = asyncio.create_task(
                client.get("/cases/L-1?as_of=2024-04-20", headers={"Authorization": f"Bearer {token}"})
            )
            slowest = 0.0
            while not viewing.done():
                asked = time.perf_counter()
                assert (await client.get("/health")).status_code == 200
                slowest = max(slowest, time.perf_counter() - asked)
                await asyncio.sleep(0.01)
            assert (await viewing).status_code == 200
            return time.perf_counter() - start, slowest

    return asyncio.run(meanwhile())


def full_disk(folder: Path, appends: int = 94) -> dict[int, int]:
    """The status codes of `appends` appends through the service once the store is full."""
    store = SQLiteEventStore(folder / "full.db")
    token = create_token(store, "writer", "write")
    pages = store._connection().execute("PRAGMA page_count").fetchone()[0] + 4
    connect = store._connect

    def held() -> sqlite3.Connection:  # every thread's connection held to those pages
        connection = connect()
        connection.execute(f"PRAGMA max_page_count = {pages}")
        return connection

    store._connect = held  # type: ignore[method-assign]
    store.close()
    client = TestClient(create_app(store), raise_server_exceptions=False)
    statuses: dict[int, int] = {}
    number = 0
    while sum(count for status, count in statuses.items() if status != 200) < appends:
        event = {**RECEIVED, "case_id": f"F-{number}", "service_area": "x" * 4_000}
        answer = client.post(
            f"/cases/F-{number}/events", json=event, headers={"Authorization": f"Bearer {token}"}
        )
        statuses[answer.status_code] = statuses.get(answer.status_code, 0) + 1
        number += 1
    return statuses


def damaged_page(folder: Path) -> tuple[int, int]:
    """Store commands run on a store with pages overwritten: (runs, tracebacks)."""
    path = folder / "damaged.db"
    command = [sys.executable, "-m", "complaintflow.cli"]
    subprocess.run(
        [*command, "import", str(SEED), "--store", f"sqlite:{path}", "--procedure", str(CORPORATE)],
        check=True,
        capture_output=True,
    )
    with sqlite3.connect(path) as connection:
        connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    data = bytearray(path.read_bytes())
    middle = len(data) // 4096 // 2
    data[middle * 4096 : (middle + 3) * 4096] = b"\x5a" * 3 * 4096
    path.write_bytes(bytes(data))
    runs = [
        ["case", "--as-of", "2013-03-01"],
        ["due", "--as-of", "2013-03-01"],
        ["report", "--year", "2012"],
        ["export"],
        ["store", "check"],
        ["store", "rebuild"],
        ["import", str(SEED)],
    ] * 2
    tracebacks = 0
    for words in runs:
        done = subprocess.run(
            [*command, *words, "--store", f"sqlite:{path}", "--procedure", str(CORPORATE)],
            capture_output=True,
            text=True,
        )
        tracebacks += "Traceback" in done.stderr
    return len(runs), tracebacks


def slow_clients(folder: Path, clients: int = 300, files: int = 256) -> tuple[int, float]:
    """A server allowed `files` open files, and `clients` connections sending their headers slowly
    (no token needed): how many the server closed, and the seconds until /health answered again."""
    import resource
    import socket

    store = f"sqlite:{folder / 'served.db'}"
    open_store(store).close()
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]

    def limited() -> None:
        resource.setrlimit(resource.RLIMIT_NOFILE, (files, files))

    server = subprocess.Popen(
        [sys.executable, "-m", "complaintflow.cli", "serve", "--store", store, "--port", str(port)],
        preexec_fn=limited,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        while True:
            try:
                httpx.get(f"http://127.0.0.1:{port}/health", timeout=1)
                break
            except httpx.TransportError:
                time.sleep(0.1)
        held = []
        for _ in range(clients):
            client = socket.create_connection(("127.0.0.1", port))
            client.sendall(b"GET /health HTTP/1.1\r\nHost: service\r\n")
            held.append(client)
        start = time.perf_counter()
        while True:
            try:
                if httpx.get(f"http://127.0.0.1:{port}/health", timeout=2).status_code == 200:
                    break
            except httpx.TransportError:
                time.sleep(0.1)
        answered = time.perf_counter() - start
        closed = 0
        for client in held:
            client.settimeout(30)
            try:
                closed += client.recv(1) == b""
            except ConnectionResetError:
                closed += 1
            client.close()
        return closed, answered
    finally:
        server.terminate()
        server.wait()


def command_seconds(*words: str) -> float:
    start = time.perf_counter()
    subprocess.run([sys.executable, "-m", "complaintflow.cli", *words], capture_output=True, timeout=600)
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--postgres", metavar="DSN", help="also measure a PostgreSQL store")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        stores: list[tuple[str, EventStore]] = [("SQLite", open_store(f"sqlite:{folder}/long.db"))]
        if args.postgres:
            from complaintflow.store.postgres import PostgresEventStore

            stores.append(
                ("PostgreSQL", PostgresEventStore(args.postgres, schema=f"bench_{uuid.uuid4().hex[:8]}"))
            )
        for name, store in stores:
            long_case(store)
            took, waited = late_entries(store)
            print(f"{name}: ten late entries to a case of 10,001 events {took:.2f} s;", end=" ")
            print(f"another case waited {waited:.2f} s at most")
            if name == "SQLite":
                viewed, health = long_read(store)
                print(f"{name}: viewing it as of an earlier day {viewed:.2f} s;", end=" ")
                print(f"/health meanwhile {health * 1000:.0f} ms at most")
            if name == "PostgreSQL":
                store.drop()  # type: ignore[attr-defined]
            store.close()
        print(f"full disk: status codes of the failing appends {full_disk(Path(folder))}")
        closed, answered = slow_clients(Path(folder))
        print(f"300 slow-header clients, 256 files: {closed} closed by the server;", end=" ")
        print(f"/health answered again after {answered:.1f} s")
        runs, tracebacks = damaged_page(Path(folder))
        print(f"damaged page: {runs} command runs, {tracebacks} tracebacks")
        (Path(folder) / "one.jsonl").write_text(SEED.read_text().splitlines()[0] + "\n")
        print(f"case /dev/zero: {command_seconds('case', '/dev/zero'):.2f} s")
        print(f"case - < /dev/zero: refused in {zero_stdin():.2f} s")
        seconds = command_seconds("due", f"{folder}/one.jsonl", "--jobs", "48")
        print(f"due --jobs 48 on a one-line log: {seconds:.2f} s")


def zero_stdin() -> float:
    start = time.perf_counter()
    with open("/dev/zero", "rb") as zeros:
        subprocess.run(
            [sys.executable, "-m", "complaintflow.cli", "case", "-"],
            stdin=zeros,
            capture_output=True,
            timeout=600,
        )
    return time.perf_counter() - start


if __name__ == "__main__":
    main()
