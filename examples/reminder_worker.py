"""A reminder worker: follows a store's feed and says each morning which deadlines fall due.

    python examples/reminder_worker.py [--store URL] [--position-file PATH] [--from DATE] [--to DATE]

It reads the events stored since the position it last saw (kept in --position-file), so that it
resumes where it stopped and never misses or repeats an event, then, for each day from --from to
--to, prints every deadline due that day. With no --store, it records the host example's cases in a
new store first.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from datetime import date, timedelta
from pathlib import Path

import complaintflow as cf
from complaintflow.store import EventStore


def follow(store: EventStore, position_file: Path) -> set[str]:
    """The cases whose events arrived since the saved position; the position is saved again."""
    after = int(position_file.read_text()) if position_file.exists() else 0
    changed: set[str] = set()
    while page := store.feed(after=after, limit=500):
        for position, event in page:
            changed.add(event.case_id)
            after = position
    position_file.write_text(str(after))
    return changed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--store")
    parser.add_argument("--position-file", type=Path)
    parser.add_argument("--from", dest="start", type=date.fromisoformat, default=date(2024, 4, 12))
    parser.add_argument("--to", dest="end", type=date.fromisoformat, default=date(2024, 5, 15))
    options = parser.parse_args()
    folder = Path(tempfile.mkdtemp())
    url = options.store or f"sqlite:{folder / 'complaints.db'}"
    with cf.open_store(url) as store:
        if options.store is None:
            sys.path.insert(0, str(Path(__file__).parent))
            from host_app import record_example_cases

            record_example_cases(store)
        changed = follow(store, options.position_file or folder / "position")
        print(f"{len(changed)} cases changed since the last run")
        day = options.start
        while day <= options.end:
            for reminder in store.due(within=0, as_of=day):
                if reminder.due == day:
                    print(f"{day:%a %d %b %Y}: {reminder.case_id} {reminder.deadline} is due today")
            day += timedelta(days=1)


if __name__ == "__main__":
    main()
