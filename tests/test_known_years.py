"""The years a release's calendars vouch for are the release's, not the clock's: processes started
either side of a New Year agree on every event, and one started in 2171 still builds its calendars."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path

FAKED_TODAY = textwrap.dedent(
    """
    import datetime, json, sys
    real = datetime.datetime
    year, month, day = map(int, sys.argv[1].split("-"))

    class Faked(real):
        @classmethod
        def now(cls, tz=None):
            return real(year, month, day, 12, tzinfo=tz)

    datetime.datetime = Faked  # before complaintflow reads the clock
    import complaintflow as cf
    from complaintflow.calendar import WorkingDayCalendar
    """
)

IN_A_STORE = FAKED_TODAY + textwrap.dedent(
    """
    store = cf.open_store(sys.argv[2])
    for event in json.loads(sys.argv[3]):
        store.append(event["case_id"], [event])
    case_id = sys.argv[4]
    print(json.dumps({
        "today": str(cf.dates.london_today()),
        "fingerprint": WorkingDayCalendar.england_and_wales().fingerprint,
        "events": [event.type for event in store.events(case_id)],
        "due": [r.case_id for r in store.due(within=30, as_of=cf.dates.parse_iso_date(sys.argv[5]))],
        "cases": store.cases(),
    }))
    """
)


def in_process_of(today: str, *argv: str) -> dict[str, object]:
    done = subprocess.run(
        [sys.executable, "-c", IN_A_STORE, today, *argv], capture_output=True, text=True, check=False
    )
    assert done.returncode == 0, done.stderr
    answer: dict[str, object] = json.loads(done.stdout)
    return answer


def test_two_processes_either_side_of_a_new_year_agree_on_an_event_either_admitted(tmp_path: Path) -> None:
    url = f"sqlite:{tmp_path / 'store.db'}"
    far = {"type": "ComplaintReceived", "case_id": "F-1", "on": "2057-06-01", "procedure": "children-2006"}
    later = {"type": "AdvocacyArranged", "case_id": "F-1", "on": "2057-06-02"}
    newer = in_process_of("2027-01-01", url, json.dumps([far]), "F-1", "2057-06-01")
    older = in_process_of("2026-12-31", url, json.dumps([later]), "F-1", "2057-06-02")
    assert (newer["today"], older["today"]) == ("2027-01-01", "2026-12-31")
    assert newer["fingerprint"] == older["fingerprint"]
    assert older["events"] == ["ComplaintReceived", "AdvocacyArranged"]
    assert older["due"] == ["F-1"] and older["cases"] == ["F-1"]


def test_a_process_started_in_2171_builds_its_default_calendars() -> None:
    script = FAKED_TODAY + textwrap.dedent(
        """
        print(cf.dates.london_today(), [WorkingDayCalendar.named(n) for n in WorkingDayCalendar.NAMES])
        """
    )
    done = subprocess.run([sys.executable, "-c", script, "2171-06-01"], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert done.stdout.split(" ", 1)[0] == "2171-06-01"
