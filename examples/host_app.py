"""A small case-management host that records complaints through a complaintflow store.

    python examples/host_app.py [--store sqlite:complaints.db]

Each officer's action becomes an event appended with the version the officer saw, so that two
officers saving the same case cannot both win: the second is told to reload.
"""

from __future__ import annotations

import argparse
import tempfile
from pathlib import Path

import complaintflow as cf
from complaintflow.store import EventStore


def record_example_cases(store: EventStore) -> None:
    """Three children's complaints of April 2024, recorded as a host would record them."""
    received = {"type": "ComplaintReceived", "on": "2024-04-02", "procedure": "children-2006"}
    store.append(
        "CF-001", [{**received, "case_id": "CF-001", "service_area": "Fostering"}], expected_version=0
    )
    store.append("CF-002", [{**received, "case_id": "CF-002", "on": "2024-04-03"}], expected_version=0)
    store.append("CF-003", [{**received, "case_id": "CF-003", "on": "2024-04-08"}], expected_version=0)
    seen = store.version("CF-001")
    store.append(
        "CF-001",
        [{"type": "Responded", "case_id": "CF-001", "on": "2024-04-12", "stage": 1, "outcome": "upheld"}],
        expected_version=seen,
    )
    try:  # a second officer, still looking at the case before the response, tries to extend it
        store.append(
            "CF-001",
            [
                {
                    "type": "DeadlineExtended",
                    "case_id": "CF-001",
                    "on": "2024-04-12",
                    "stage": 1,
                    "total_working_days": 20,
                    "reason": "complex",
                }
            ],
            expected_version=seen,
        )
    except cf.ConcurrencyError as stale:
        print(f"CF-001: {stale}")
    store.append(
        "CF-002",
        [
            {
                "type": "DeadlineExtended",
                "case_id": "CF-002",
                "on": "2024-04-09",
                "stage": 1,
                "total_working_days": 20,
                "reason": "an advocate is needed",
            }
        ],
        expected_version=store.version("CF-002"),
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--store", help="default: a new SQLite file in a temporary folder")
    url = parser.parse_args().store or f"sqlite:{Path(tempfile.mkdtemp()) / 'complaints.db'}"
    with cf.open_store(url) as store:
        record_example_cases(store)
        for case_id in store.cases():
            view = store.load(case_id).view(as_of=store.load(case_id).last_event_on)
            print(f"{case_id}: version {store.version(case_id)}, {view.state}")
    print(f"recorded in {url}")


if __name__ == "__main__":
    main()
