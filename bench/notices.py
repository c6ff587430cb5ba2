"""Benchmark: notices a minute that one delivery worker sends to a receiver on this machine.

    python -m pip install -e ".[notices]" && python -m bench.notices [--cases 2000] [--threads 8]

Fills a SQLite store with open cases, makes each one's notices for a day with `notify` (timed too),
subscribes a local receiver that checks every signature with the `standardwebhooks` package, and
times one `deliver_once` until every notice has landed. The receiver answers at once, so the figure
is complaintflow's own cost per delivery (claiming, signing, one HTTP request, recording).
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))

from webhook_receiver import receiving

from complaintflow.notices import add_subscription, deliver_once, notify
from complaintflow.store import open_store

RECEIVED = {"type": "ComplaintReceived", "on": "2024-04-02", "procedure": "children-2006"}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--cases", type=int, default=2_000)
    parser.add_argument("--threads", type=int, default=8)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder, receiving() as receiver:
        store = open_store(f"sqlite:{Path(folder) / 'bench.db'}")
        store.import_events((n, {**RECEIVED, "case_id": f"B-{n}"}) for n in range(args.cases))
        _, receiver.secret = add_subscription(store, receiver.url, ["missed"])
        started = time.perf_counter()
        made = notify(store, date(2024, 4, 17)).made  # every case's stage 1 response: missed
        notify_seconds = time.perf_counter() - started
        started = time.perf_counter()
        landed = deliver_once(store, threads=args.threads)
        seconds = time.perf_counter() - started
        assert landed == made == len(receiver.received) == args.cases and receiver.bad_signatures == 0
        print(f"notify: {made:,} notices made in {notify_seconds:.2f} s ({made / notify_seconds:,.0f}/s)")
        print(
            f"deliver: {landed:,} notices to one local receiver in {seconds:.2f} s: "
            f"{landed / seconds * 60:,.0f} notices a minute"
        )


if __name__ == "__main__":
    main()
