"""Benchmark: replaying synthetic cases of 6-10 events, against one transitions Machine per case.

    python -m pip install -e ".[bench]" && python -m bench.replay [--cases 100000]

Reports events per second from parsed events and from JSON Lines, memory per case (its events
included), and the time per case of the naive design, all in one run.
"""

from __future__ import annotations

import argparse
import gc
import json
import random
import sys
import tempfile
import time
import tracemalloc
from collections.abc import Callable
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from transitions import Machine

from complaintflow import Case, EventBase, load_cases, load_procedure, parse_event, replay_cases
from complaintflow.procedure import expand_sources

ANNOTATIONS: list[dict[str, Any]] = [
    {"type": "AdvocacyArranged", "provider": "ADV-1"},
    {"type": "MediationHeld", "resolved": False},
    {"type": "LearningActionAgreed", "action_id": "LA-1", "description": "Review the leaflet"},
    {"type": "CompensationOffered", "amount_pence": 10000},
    {"type": "OmbudsmanReferred"},
]


def synthetic_case(rng: random.Random, number: int) -> list[dict[str, Any]]:
    """One valid children-2006 case of 6 to 10 events, following the statutory path."""
    case_id = f"B-{number:06d}"
    path: list[dict[str, Any]] = [
        {
            "type": "ComplaintReceived",
            "procedure": "children-2006",
            "service_area": "Targeted Services",
            "categories": ["Delay / Failure in Taking Action / Replying"],
            "complainant_role": "parent_or_relative",
            "service_user": {"gender": "female", "ethnicity": "Indian", "disability": False},
        },
        {"type": "Acknowledged", "stage": 1},
        {
            "type": "Responded",
            "stage": 1,
            "outcome": rng.choice(["upheld", "not_upheld", "partially_upheld"]),
        },
        {"type": "EscalationRequested", "to_stage": 2},
        {"type": "InvestigatorsAppointed", "investigating_officer": "IO-1", "independent_person": "IP-1"},
        {"type": "Deferred", "reason": "court proceedings"},
        {"type": "Resumed"},
        {
            "type": "Responded",
            "stage": 2,
            "points": [{"id": "1", "finding": "upheld"}, {"id": "2", "finding": "not_upheld"}],
        },
        {"type": "EscalationRequested", "to_stage": 3},
        {"type": "PanelHeld", "members": ["PM-1", "PM-2", "PM-3"], "chair": "PM-2"},
    ]
    length = rng.randint(6, 10)
    chosen = path[: rng.randint(3, length)]
    while len(chosen) < length:
        chosen.append(rng.choice(ANNOTATIONS))
    day = date(2015, 1, 1) + timedelta(days=rng.randrange(3000))
    events = []
    for event in chosen:
        events.append({**event, "case_id": case_id, "on": day.isoformat()})
        day += timedelta(days=rng.randint(1, 6))
    return events


def naive_replay(procedure_name: str, cases: list[list[EventBase]]) -> None:
    """The design complaintflow avoids: a fresh transitions Machine as every case's model."""
    procedure = load_procedure(procedure_name)
    specs = []
    for transition in procedure.transitions:
        when = transition.when

        def guard(event_data: Any, when: dict[str, Any] = when) -> bool:
            event = event_data.kwargs["event"]
            return all(getattr(event, key, None) == value for key, value in when.items())

        specs.append(
            {
                "trigger": transition.event,
                "source": expand_sources(procedure, transition),
                "dest": transition.to,
                "conditions": [guard],
            }
        )
    for events in cases:
        model = type("CaseModel", (), {})()
        Machine(
            model=model,
            states=list(procedure.states),
            transitions=specs,
            initial=procedure.initial,
            auto_transitions=False,
            send_event=True,
        )
        for event in events:
            model.trigger(event.type, event=event)  # type: ignore[attr-defined]


#: The one-case public path a host takes each time an officer opens a case: six event dicts.
SIX_EVENTS: list[dict[str, Any]] = [
    {"type": "ComplaintReceived", "on": "2024-04-02", "procedure": "children-2006"},
    {
        "type": "DeadlineExtended",
        "on": "2024-04-08",
        "stage": 1,
        "total_working_days": 20,
        "reason": "complex",
    },
    {"type": "Responded", "on": "2024-04-20", "stage": 1, "outcome": "upheld"},
    {"type": "EscalationRequested", "on": "2024-04-25", "to_stage": 2},
    {
        "type": "InvestigatorsAppointed",
        "on": "2024-04-26",
        "investigating_officer": "IO-1",
        "independent_person": "IP-1",
    },
    {"type": "Responded", "on": "2024-05-20", "stage": 2, "outcome": "not_upheld"},
]


def six_event_mix(cases: int) -> tuple[float, float]:
    """Seconds per event for `Case.replay` of the six dicts, and for the naive design given the same
    dicts (validated by the same models, then one `transitions.Machine` per case, no deadlines)."""
    logs = [[{**event, "case_id": f"S-{n:06d}"} for event in SIX_EVENTS] for n in range(cases)]
    ours = min(timed(lambda: [Case.replay(log) for log in logs]) for _ in range(5))
    naive = min(
        timed(lambda: naive_replay("children-2006", [[parse_event(e) for e in log] for log in logs]))
        for _ in range(3)
    )
    events = cases * len(SIX_EVENTS)
    return ours / events, naive / events


def timed(work: Callable[[], object]) -> float:
    gc.collect()
    start = time.perf_counter()
    work()
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=100_000)
    parser.add_argument("--naive-cases", type=int, default=5_000)
    parser.add_argument("--seed", type=int, default=2006)
    parser.add_argument("--six-only", action="store_true", help="only the six-event public path")
    options = parser.parse_args()
    # First, before the large log below fills memory: a host replays one case in a process that
    # holds far less, and the collector's passes over a large heap would be counted against it.
    six_ours, six_naive = six_event_mix(2_000)
    six = [
        f"| six-event public path (`Case.replay` of dicts), per event | {six_ours * 1e6:.1f} µs |",
        f"| the naive design on the same dicts, per event | {six_naive * 1e6:.1f} µs |",
        f"| naive / complaintflow, six-event public path | {six_naive / six_ours:.1f}× |",
    ]
    if options.six_only:
        print("| measure | figure |\n|---|---|\n" + "\n".join(six))
        return
    rng = random.Random(options.seed)
    raw = [synthetic_case(rng, n) for n in range(options.cases)]
    lines = [json.dumps(event) for case in raw for event in case]
    parsed = [parse_event(line) for line in lines]
    count = len(parsed)
    print(
        f"{options.cases:,} cases, {count:,} events ({count / options.cases:.1f} per case), "
        f"Python {sys.version.split()[0]}\n"
    )

    replay_seconds = min(timed(lambda: replay_cases(parsed)) for _ in range(3))
    with tempfile.TemporaryDirectory() as folder:
        log = Path(folder) / "events.jsonl"
        log.write_text("\n".join(lines) + "\n", encoding="utf-8")
        jsonl_seconds = min(timed(lambda: load_cases(log)) for _ in range(2))

        gc.collect()
        tracemalloc.start()
        base = tracemalloc.get_traced_memory()[0]
        cases = load_cases(log)
        gc.collect()
        per_case = (tracemalloc.get_traced_memory()[0] - base) / len(cases)
        tracemalloc.stop()
        del cases

    sample = options.naive_cases
    by_case: list[list[EventBase]] = []
    position = 0
    for case in raw[:sample]:
        by_case.append(parsed[position : position + len(case)])
        position += len(case)
    sample_events = [event for case in by_case for event in case]
    ours = min(timed(lambda: replay_cases(sample_events)) for _ in range(3)) / sample
    naive = timed(lambda: naive_replay("children-2006", by_case)) / sample

    print("| measure | figure |")
    print("|---|---|")
    print(f"| replay from parsed events | {count / replay_seconds:,.0f} events/s ({replay_seconds:.2f} s) |")
    print(f"| end to end from JSON Lines | {count / jsonl_seconds:,.0f} events/s ({jsonl_seconds:.2f} s) |")
    print(f"| memory per case, events included | {per_case / 1024:.2f} KB |")
    print(f"| complaintflow, per case ({sample:,} cases) | {ours * 1e6:.1f} µs |")
    print(f"| one transitions.Machine per case, per case | {naive * 1e6:.1f} µs |")
    print(f"| naive / complaintflow | {naive / ours:.1f}× |")
    print("\n".join(six))


if __name__ == "__main__":
    main()
