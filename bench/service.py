"""Benchmark: the HTTP service on loopback under 16 concurrent connections, driven by wrk.

    apt-get install wrk && python -m bench.service [--seconds 10] [--connections 16] [--compare-only]

Starts `complaintflow serve` over a new SQLite store and measures single-event appends (each to a
case of its own, so every one is a real write) and case views, per second, with p50 and p99
latencies, as wrk reports them. Every answer must be a 200: wrk's count of others is printed too.

Then the service's own cost, as ratios in one run: its appends (with the case's view in the answer,
and with `Prefer: return=minimal`) beside the store's own appends at the same concurrency (as many
threads as connections, in one process, no HTTP), and beside a do-nothing FastAPI endpoint, and one
that hops to a thread once, on the same server with the same client (`bench/service_peers.py`).
`--compare-only` measures only these.
"""

from __future__ import annotations

import argparse
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
from live_server import LiveServer, free_port

from complaintflow.store import open_store

APPEND = """
local threads = 0
function setup(thread)
  thread:set("id", threads)
  threads = threads + 1
end
function init(args)
  counter = 0
  prefix = args[1] or "W"
end
request = function()
  counter = counter + 1
  local case = prefix .. id .. "-" .. counter
  local body = '{"type":"ComplaintReceived","case_id":"' .. case
    .. '","on":"2024-04-02","procedure":"children-2006"}'
  return wrk.format("POST", "/cases/" .. case .. "/events", nil, body)
end
"""


def wrk(
    server: LiveServer,
    path: str,
    seconds: int,
    connections: int,
    script: Path | None = None,
    headers: tuple[str, ...] = (),
) -> str:
    """wrk's figures for one endpoint: requests per second, p50, p99 and answers that were not 200."""
    return describe(run_wrk(server.base + path, server.write_token, seconds, connections, script, headers))


def run_wrk(
    url: str,
    token: str,
    seconds: int,
    connections: int,
    script: Path | None = None,
    headers: tuple[str, ...] = (),
) -> tuple[float, str, str, int]:
    """Requests per second, p50, p99 and the answers that were not 2xx, as wrk reports them."""
    command = [
        "wrk",
        f"-t{min(2, connections)}",
        f"-c{connections}",
        f"-d{seconds}s",
        "--latency",
        "-H",
        f"Authorization: Bearer {token}",
        "-H",
        "Content-Type: application/json",
    ]
    for header in headers:
        command += ["-H", header]
    if script is not None:
        command += ["-s", str(script)]
    run_wrk.runs += 1  # type: ignore[attr-defined]
    arguments = [url, "--", f"W{run_wrk.runs}-"]  # type: ignore[attr-defined]  # new cases each run
    out = subprocess.run([*command, *arguments], capture_output=True, text=True, check=True).stdout
    rate = re.search(r"Requests/sec:\s+([\d.]+)", out)
    p50 = re.search(r"50%\s+([\d.]+\w+)", out)
    p99 = re.search(r"99%\s+([\d.]+\w+)", out)
    others = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    assert rate and p50 and p99, out
    return float(rate.group(1)), p50.group(1), p99.group(1), int(others.group(1)) if others else 0


run_wrk.runs = 0  # type: ignore[attr-defined]


def describe(figures: tuple[float, str, str, int]) -> str:
    rate, p50, p99, others = figures
    return f"{rate:,.0f}/s, p50 {p50}, p99 {p99}, {others} answers not 200"


def store_appends(folder: Path, seconds: int, threads: int) -> float:
    """Single-event appends per second, each to a new case, by `threads` threads sharing one store
    (as the service's worker threads do), for `seconds`."""
    store = open_store(f"sqlite:{tempfile.mkdtemp(dir=folder)}/alone.db")  # new each time: new cases
    received = {"type": "ComplaintReceived", "on": "2024-04-02", "procedure": "children-2006"}
    store.append("first", [{**received, "case_id": "first"}])  # builds what is kept: not measured
    done = [0] * threads
    stop = time.monotonic() + seconds

    def work(number: int) -> None:
        while time.monotonic() < stop:
            case_id = f"S{number}-{done[number]}"
            store.append(case_id, [{**received, "case_id": case_id}])
            done[number] += 1

    started = time.monotonic()
    workers = [threading.Thread(target=work, args=(number,)) for number in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    rate = sum(done) / (time.monotonic() - started)
    store.close()
    return rate


def compare(folder: Path, seconds: int, connections: int, script: Path, rounds: int) -> list[str]:
    """The service's appends beside the store's own and beside do-nothing endpoints, as rows."""
    server = LiveServer(folder)
    server.start()
    peers_port = free_port()
    peers = subprocess.Popen(
        [sys.executable, "-m", "bench.service_peers", str(peers_port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        cwd=Path(__file__).resolve().parents[1],
    )
    peers_base = f"http://127.0.0.1:{peers_port}"
    try:
        for _ in range(300):
            try:
                if httpx.post(f"{peers_base}/cases/X/events", content=b"{}").status_code == 200:
                    break
            except httpx.TransportError:
                time.sleep(0.1)
        token = server.write_token
        measures: dict[str, Callable[[], tuple[float, str, str, int]]] = {
            "store appends, no HTTP": lambda: (store_appends(folder, seconds, connections), "-", "-", 0),
            "service appends, the view in the answer": lambda: run_wrk(
                server.base + "/", token, seconds, connections, script
            ),
            "service appends, `Prefer: return=minimal`": lambda: run_wrk(
                server.base + "/", token, seconds, connections, script, ("Prefer: return=minimal",)
            ),
            "do-nothing endpoint": lambda: run_wrk(peers_base + "/", token, seconds, connections, script),
            "do-nothing endpoint, one hop to a thread": lambda: run_wrk(
                peers_base + "/thread", token, seconds, connections, script
            ),
        }
        for base in (server.base, peers_base):  # first requests build what is kept: not measured
            run_wrk(base + "/", token, 2, connections, script)
        rates: dict[str, tuple[float, str, str, int]] = {}
        for _ in range(rounds):  # each measure in turn, the best of each kept: the machine is shared
            for name, measure in measures.items():
                figures = measure()
                if name not in rates or figures[0] > rates[name][0]:
                    rates[name] = figures
    finally:
        server.stop()
        peers.terminate()
        peers.wait(timeout=30)
    alone = rates["store appends, no HTTP"][0]
    nothing = rates["do-nothing endpoint"][0]
    hop = rates["do-nothing endpoint, one hop to a thread"][0]
    rows = [
        f"| measure ({connections} connections or threads, {seconds} s each, SQLite store) | figure "
        "| × store | × do-nothing | × one hop |",
        "|---|---|---|---|---|",
    ]
    for name, figures in rates.items():
        rate = figures[0]
        shown = f"{rate:,.0f}/s" if figures[1] == "-" else describe(figures)
        rows.append(f"| {name} | {shown} | {rate / alone:.2f} | {rate / nothing:.2f} | {rate / hop:.2f} |")
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--compare-only", action="store_true", help="only the service's own cost")
    parser.add_argument("--rounds", type=int, default=2, help="rounds of the comparison, best kept")
    options = parser.parse_args()
    if shutil.which("wrk") is None:
        raise SystemExit("wrk is not installed: apt-get install wrk")
    with tempfile.TemporaryDirectory() as folder:
        script = Path(folder) / "append.lua"
        script.write_text(APPEND, encoding="utf-8")
        for row in compare(Path(folder), options.seconds, options.connections, script, options.rounds):
            print(row)
        print()
    if options.compare_only:
        return
    with tempfile.TemporaryDirectory() as folder:
        server = LiveServer(Path(folder))
        script = Path(folder) / "append.lua"
        script.write_text(APPEND, encoding="utf-8")
        server.start()
        try:
            event = (
                '{"type":"ComplaintReceived","case_id":"V-1","on":"2024-04-02","procedure":"children-2006"}'
            )
            httpx.post(
                f"{server.base}/cases/V-1/events", headers=server.headers(), content=event
            ).raise_for_status()
            appends = wrk(server, "/", options.seconds, options.connections, script)
            views = wrk(server, "/cases/V-1?as_of=2024-04-03", options.seconds, options.connections)
        finally:
            server.stop()
    print(f"| measure ({options.connections} connections, {options.seconds} s each, SQLite store) | figure |")
    print("|---|---|")
    print(f"| single-event appends | {appends} |")
    print(f"| case views | {views} |")


if __name__ == "__main__":
    main()
