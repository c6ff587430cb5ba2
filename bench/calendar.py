"""Benchmark: complaintflow's calendar against its peers, one call at a time, in one run.

    python -m pip install -e ".[bench]" && python -m bench.calendar

(Run it as a module from the project root: as a script, bench/ would come first on sys.path and
this file would shadow the standard library's `calendar`.)

Every implementation is first checked against complaintflow on the same random dates, and every
disagreement is reported with its date; then each is timed per call and reported as a ratio.
"""

from __future__ import annotations

import argparse
import random
import sys
import timeit
from bisect import bisect_right
from collections.abc import Callable
from datetime import date, timedelta

import numpy as np
import pandas as pd
from pandas.tseries.offsets import CustomBusinessDay
from workalendar.europe import UnitedKingdom

from complaintflow import WorkingDayCalendar

FIRST, LAST = date(2010, 1, 1), date(2026, 6, 30)
LENGTHS = (10, 25, 65)
CHECK_LENGTHS = (*LENGTHS, -10)  # going back shows each peer's day-0 convention

Adder = Callable[[date, int], date]
Counter = Callable[[date, date], int]


def peers(cal: WorkingDayCalendar) -> tuple[dict[str, Adder], dict[str, Counter]]:
    """Each implementation of add and between, set up with the same holidays where it takes them."""
    first, last = cal.vouches_for
    holidays = sorted(
        d for d, reason in cal.non_working_days(first, last) if reason not in ("Saturday", "Sunday")
    )
    holiday_set = set(holidays)
    numpy_calendar = np.busdaycalendar(holidays=np.array(holidays, dtype="datetime64[D]"))
    one_day = np.timedelta64(1, "D")
    business_day = CustomBusinessDay(holidays=holidays)
    workalendar = UnitedKingdom()
    table = tuple(
        o for o in range(first.toordinal(), last.toordinal() + 1) if cal.is_working_day(date.fromordinal(o))
    )

    def numpy_add(day: date, n: int) -> date:
        return np.busday_offset(day, n, roll="backward", busdaycal=numpy_calendar).item()  # type: ignore[no-any-return]

    def numpy_between(a: date, b: date) -> int:
        # busday_count counts [a, b); the statutory count is (a, b], so shift both ends by a day.
        d64 = np.datetime64(a, "D")
        return int(np.busday_count(d64 + one_day, np.datetime64(b, "D") + one_day, busdaycal=numpy_calendar))

    def pandas_add(day: date, n: int) -> date:
        return (pd.Timestamp(day) + n * business_day).date()  # type: ignore[no-any-return]

    def workalendar_between(a: date, b: date) -> int:
        return int(workalendar.get_working_days_delta(a, b))

    def bisect_add(day: date, n: int) -> date:
        return date.fromordinal(table[bisect_right(table, day.toordinal()) + n - 1])

    def bisect_between(a: date, b: date) -> int:
        return bisect_right(table, b.toordinal()) - bisect_right(table, a.toordinal())

    def naive_add(day: date, n: int) -> date:
        step = timedelta(days=1 if n > 0 else -1)
        remaining = abs(n)
        while remaining:
            day += step
            if day.weekday() < 5 and day not in holiday_set:
                remaining -= 1
        return day

    def naive_between(a: date, b: date) -> int:
        low, high, count = min(a, b), max(a, b), 0
        while low < high:
            low += timedelta(days=1)
            count += low.weekday() < 5 and low not in holiday_set
        return count if a <= b else -count

    adders: dict[str, Adder] = {
        "complaintflow": cal.add_working_days,
        "bare bisect over a table": bisect_add,
        "numpy busday_offset": numpy_add,
        "numpy busday_offset, roll='forward'": lambda day, n: np.busday_offset(
            day, n, roll="forward", busdaycal=numpy_calendar
        ).item(),
        "pandas CustomBusinessDay": pandas_add,
        "workalendar UnitedKingdom": workalendar.add_working_days,
        "naive loop": naive_add,
    }
    counters: dict[str, Counter] = {
        "complaintflow": cal.working_days_between,
        "bare bisect over a table": bisect_between,
        "numpy busday_count": numpy_between,
        "workalendar UnitedKingdom": workalendar_between,
        "naive loop": naive_between,
    }
    return adders, counters


def check(
    cal: WorkingDayCalendar, adders: dict[str, Adder], counters: dict[str, Counter], days: list[date]
) -> dict[str, list[str]]:
    """Every disagreement with complaintflow, by implementation."""
    found: dict[str, list[str]] = {name: [] for name in [*adders, *counters]}
    for day in days:
        for n in CHECK_LENGTHS:
            want = cal.add_working_days(day, n)
            for name, add in adders.items():
                got = add(day, n)
                if got != want:
                    found[name].append(f"{day} + {n}: {got} (statutory {want})")
            for name, between in counters.items():
                got_count = between(day, want)
                if got_count != n:
                    found[name].append(f"{day} .. {want}: {got_count} (statutory {n})")
    return found


def missing_from_workalendar(cal: WorkingDayCalendar) -> list[tuple[date, str]]:
    """Statutory non-working weekdays that workalendar counts as working days."""
    workalendar = UnitedKingdom()
    return [
        (day, reason)
        for day, reason in cal.non_working_days(FIRST, LAST)
        if day.weekday() < 5 and workalendar.is_working_day(day)
    ]


def per_call(function: Callable[..., object], calls: list[tuple[object, ...]], repeat: int) -> float:
    """The best of `repeat` runs over all calls, in microseconds per call."""

    def loop() -> None:
        for args in calls:
            function(*args)

    return min(timeit.repeat(loop, number=1, repeat=repeat)) / len(calls) * 1e6


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check-samples", type=int, default=20_000)
    parser.add_argument("--time-samples", type=int, default=2_000)
    parser.add_argument("--seed", type=int, default=2006)
    options = parser.parse_args()
    rng = random.Random(options.seed)
    span = (LAST - FIRST).days
    cal = WorkingDayCalendar.england_and_wales()
    adders, counters = peers(cal)

    days = [FIRST + timedelta(days=rng.randrange(span)) for _ in range(options.check_samples)]
    disagreements = check(cal, adders, counters, days)
    print(f"## Agreement on {len(days):,} random dates {FIRST}..{LAST}, n = {CHECK_LENGTHS}\n")
    for name, rows in disagreements.items():
        distinct = sorted(set(rows))
        print(f"- {name}: {len(rows)} disagreements" + (":" if rows else ""))
        for row in distinct[:8]:
            print(f"    - {row}")
        if len(distinct) > 8:
            print(f"    - ... and {len(distinct) - 8} more distinct")

    timed = days[: options.time_samples]
    print(f"\n## Time per call, best of 5, {len(timed):,} calls each (Python {sys.version.split()[0]})\n")
    print("| implementation | " + " | ".join(f"add {n} (µs)" for n in LENGTHS) + " | between 25 (µs) |")
    print("|---|" + "---|" * (len(LENGTHS) + 1))
    rows = [
        ("complaintflow", "complaintflow", "complaintflow"),
        ("bare bisect over a table", "bare bisect over a table", "bare bisect over a table"),
        ("numpy busday_offset / busday_count", "numpy busday_offset", "numpy busday_count"),
        ("pandas CustomBusinessDay", "pandas CustomBusinessDay", None),
        ("workalendar UnitedKingdom", "workalendar UnitedKingdom", "workalendar UnitedKingdom"),
        ("naive loop", "naive loop", "naive loop"),
    ]
    base: dict[str, float] = {}
    for label, adder, counter in rows:
        cells = []
        for n in LENGTHS:
            micro = per_call(adders[adder], [(d, n) for d in timed], 2 if "naive" in label else 5)
            base.setdefault(f"add {n}", micro)
            cells.append(f"{micro:.3f} ({micro / base[f'add {n}']:.1f}×)")
        if counter is None:
            cells.append("n/a")
        else:
            pairs = [(d, cal.add_working_days(d, 25)) for d in timed]
            micro = per_call(counters[counter], pairs, 5)
            base.setdefault("between", micro)
            cells.append(f"{micro:.3f} ({micro / base['between']:.1f}×)")
        print(f"| {label} | " + " | ".join(cells) + " |")
    print("\nEach cell: microseconds per call (and times complaintflow's time).")
    missing = missing_from_workalendar(cal)
    print(f"\n## Bank holidays workalendar's UnitedKingdom lacks, {FIRST.year}-{LAST.year}\n")
    for day, reason in missing:
        print(f"- {day} {reason}")


if __name__ == "__main__":
    main()
