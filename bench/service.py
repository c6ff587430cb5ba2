"""Benchmark: the HTTP service on loopback under 16 concurrent connections, driven by wrk.

    apt-get install wrk && python -m bench.service [--seconds 10] [--connections 16]

Starts `complaintflow serve` over a new SQLite store and measures single-event appends (each to a
case of its own, so every one is a real write) and case views, per second, with p50 and p99
latencies, as wrk reports them. Every answer must be a 200: wrk's count of others is printed too.
"""

from __future__ import annotations

import argparse
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
from live_server import LiveServer

APPEND = """
local threads = 0
function setup(thread)
  thread:set("id", threads)
  threads = threads + 1
end
function init(args)
  counter = 0
end
request = function()
  counter = counter + 1
  local case = "W" .. id .. "-" .. counter
  local body = '{"type":"ComplaintReceived","case_id":"' .. case
    .. '","on":"2024-04-02","procedure":"children-2006"}'
  return wrk.format("POST", "/cases/" .. case .. "/events", nil, body)
end
"""


def wrk(server: LiveServer, path: str, seconds: int, connections: int, script: Path | None = None) -> str:
    """wrk's figures for one endpoint: requests per second, p50, p99 and answers that were not 200."""
    command = [
        "wrk",
        "-t2",
        f"-c{connections}",
        f"-d{seconds}s",
        "--latency",
        "-H",
        f"Authorization: Bearer {server.write_token}",
        "-H",
        "Content-Type: application/json",
    ]
    if script is not None:
        command += ["-s", str(script)]
    out = subprocess.run([*command, server.base + path], capture_output=True, text=True, check=True).stdout
    rate = re.search(r"Requests/sec:\s+([\d.]+)", out)
    p50 = re.search(r"50%\s+([\d.]+\w+)", out)
    p99 = re.search(r"99%\s+([\d.]+\w+)", out)
    others = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    assert rate and p50 and p99, out
    return (
        f"{float(rate.group(1)):,.0f}/s, p50 {p50.group(1)}, p99 {p99.group(1)}, "
        f"{others.group(1) if others else 0} answers not 200"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--connections", type=int, default=16)
    options = parser.parse_args()
    if shutil.which("wrk") is None:
        raise SystemExit("wrk is not installed: apt-get install wrk")
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
