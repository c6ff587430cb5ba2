"""`complaintflow demo`: the statutory limits counted from today, with the days each one skips."""

from __future__ import annotations

import argparse
from datetime import date

from complaintflow.calendar import WorkingDayCalendar

#: The statutory limits of the children's procedure, in working days (SI 2006/1738).
STATUTORY_LIMITS = (
    (10, "stage 1 response (reg 14)"),
    (20, "stage 1 response, extended (reg 14); window to ask for stage 2 (reg 15)"),
    (25, "stage 2 adjudication (reg 17)"),
    (65, "stage 2 adjudication, extended (reg 17)"),
    (30, "review panel meets (reg 19(4))"),
    (5, "panel recommendations (reg 20)"),
    (15, "authority's final response (reg 20(3))"),
)


def run(args: argparse.Namespace) -> int:
    """Print when each statutory limit falls if the clock starts today."""
    cal = WorkingDayCalendar.england_and_wales()
    today = date.today()
    print(f"Statutory limits counted from today, {today:%A %d %B %Y} (day 0), {cal.name}:")
    for length, meaning in STATUTORY_LIMITS:
        due = cal.add_working_days(today, length)
        print(f"  {length:>2} working days -> {due:%a %d %b %Y}  {meaning}")
        for day, reason in cal.non_working_days(today, due):
            if day != today and reason not in ("Saturday", "Sunday"):
                print(f"       skips {day:%a %d %b %Y}: {reason}")
    return 0
