"""Benchmark: the desk's pages under 20 officers at once while the API takes appends.

    python -m bench.desk [--officers 20] [--seconds 20] [--cases 300] [--think 1.0] [--appends 10]

Starts `complaintflow serve` over a new SQLite store with `--cases` example cases and an account per
officer. Each officer signs in, then clicks through the daily list (mine, the team's, everyone's, a
later page, a filter) and the case pages it links to, pausing `--think` seconds (drawn from 0 to
twice that) between clicks; a case system meanwhile appends events through the JSON API with a
write token, one request at a time, `--appends` a second (0: as fast as the server answers). Each
officer opens each list once before the clock starts, and starts clicking after a random pause, so
that the figures are of a working day, not of twenty people pressing Enter in the same millisecond
on a server that has not yet drawn a page. Prints p50, p95 and p99 of each kind of page, and of the
appends, and counts any answer that was not a 200. Run it a second time with `--think 0` to see
the pages with no pause at all, which is far beyond what 20 people do.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import re
import statistics
import sys
import tempfile
import time
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
from desk_site import DeskSite, add_account, credentials, sign_in_form

import complaintflow as cf

CASE_LINK = re.compile(r'href="(/desk/cases/[^"/?#]+)"')


def percentiles(times: list[float]) -> str:
    """p50, p95 and p99 in milliseconds."""
    if len(times) < 2:
        return "-"
    cuts = statistics.quantiles(times, n=100, method="inclusive")
    return f"{cuts[49] * 1000:.0f} / {cuts[94] * 1000:.0f} / {cuts[98] * 1000:.0f}"


class Tally:
    def __init__(self) -> None:
        self.times: dict[str, list[float]] = {}
        self.failures = 0

    async def get(self, client: httpx.AsyncClient, kind: str, path: str) -> str:
        started = time.perf_counter()
        answer = await client.get(path)
        self.times.setdefault(kind, []).append(time.perf_counter() - started)
        if answer.status_code != 200:
            self.failures += 1
        return answer.text


class Start:
    """Everyone signs in first; the clock starts when the last one has."""

    def __init__(self, seconds: float, officers: int) -> None:
        self.seconds = seconds
        self.waiting = officers
        self.go = asyncio.Event()
        self.until = 0.0

    async def ready(self) -> float:
        self.waiting -= 1
        if self.waiting == 0:
            self.until = time.monotonic() + self.seconds
            self.go.set()
        await self.go.wait()
        return self.until


async def officer(site: DeskSite, name: str, start: Start, options: argparse.Namespace, tally: Tally) -> None:
    think = options.think
    async with httpx.AsyncClient(base_url=site.base, timeout=30) as client:
        form = sign_in_form((await client.get("/desk/sign-in")).text)
        answer = await client.post(form.action, data=form.fields | credentials(name))
        assert answer.status_code in (302, 303), answer.status_code
        lists = [
            ("list", "/desk/cases?show=mine"),
            ("list", "/desk/cases?show=team"),
            ("list", "/desk/cases?show=all"),
            ("list", "/desk/cases?show=all&page=2"),
            ("list", "/desk/cases?show=all&procedure=children-2006"),
        ]
        for _, path in lists:  # once each before the clock starts: the server's first pages are slow
            await client.get(path)
        until = await start.ready()
        await asyncio.sleep(random.uniform(0, 2 * think))  # people do not all click at once
        while time.monotonic() < until:
            kind, path = random.choice(lists)
            page = await tally.get(client, path if options.by_page else kind, path)
            for case in random.sample(CASE_LINK.findall(page), k=min(2, len(CASE_LINK.findall(page)))):
                await asyncio.sleep(random.uniform(0, 2 * think))
                await tally.get(client, "case", case)
            await asyncio.sleep(random.uniform(0, 2 * think))


async def writer(site: DeskSite, cases: int, rate: float, start: Start, tally: Tally) -> None:
    async with httpx.AsyncClient(base_url=site.base, timeout=30, headers=site.headers()) as client:
        await start.go.wait()
        until = start.until
        n = 0
        while time.monotonic() < until:
            n += 1
            case_id = f"EX-{random.randrange(cases) + 1:04d}"
            event = {
                "type": "AdvocacyArranged",
                "case_id": case_id,
                "on": cf.dates.london_today().isoformat(),
                "provider": f"Provider {n}",
            }
            started = time.perf_counter()
            answer = await client.post(f"/cases/{case_id}/events", json=event)
            took = time.perf_counter() - started
            tally.times.setdefault("append", []).append(took)
            if answer.status_code != 200:
                tally.failures += 1
            if rate:
                await asyncio.sleep(max(0.0, 1 / rate - took))


async def run(site: DeskSite, options: argparse.Namespace) -> Tally:
    tally = Tally()
    start = Start(options.seconds, options.officers)
    names = [f"officer{n:02d}" for n in range(options.officers)]
    await asyncio.gather(
        *(officer(site, name, start, options, tally) for name in names),
        writer(site, options.cases, options.appends, start, tally),
    )
    return tally


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--officers", type=int, default=20)
    parser.add_argument("--seconds", type=float, default=20)
    parser.add_argument("--cases", type=int, default=300)
    parser.add_argument("--think", type=float, default=1.0, help="mean pause between clicks, seconds")
    parser.add_argument("--by-page", action="store_true", help="figures for each list view apart")
    parser.add_argument("--appends", type=float, default=10, help="appends a second (0: as fast as it can)")
    options = parser.parse_args()
    random.seed(25)
    with tempfile.TemporaryDirectory() as folder:
        site = DeskSite(Path(folder), cases=options.cases)
        with cf.open_store(site.url) as store:
            for n in range(options.officers):
                add_account(store, f"officer{n:02d}", "officer")
        site.start()
        try:
            tally = asyncio.run(run(site, options))
        finally:
            site.stop()
    print(
        f"| {options.officers} officers, think {options.think:g} s, {options.seconds:g} s, "
        f"{options.cases} cases, {options.appends:g} appends/s, SQLite | requests | p50 / p95 / p99 ms |"
    )
    print("|---|---|---|")
    for kind in sorted(tally.times, key=lambda kind: (kind == "append", kind)):
        times = tally.times.get(kind, [])
        print(f"| {kind} | {len(times)} | {percentiles(times)} |")
    pages = tally.times.get("list", []) + tally.times.get("case", [])
    print(f"| every page | {len(pages)} | {percentiles(pages)} |")
    print(f"\nanswers that were not 200: {tally.failures}")
    print(f"load average over the last minute at the end: {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")


if __name__ == "__main__":
    main()
