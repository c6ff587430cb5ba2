"""The one module that imports `transitions`: one machine per procedure, shared by every case.

`transitions` owns each procedure's state graph. Cases never become `transitions` models: that would
cost about 0.3 ms and 90 KB per case and put generated trigger methods on our typed objects. Instead
each procedure's machine is built once, model-less, and compiled into a lookup table of
(state, event type) -> plan (the possible steps, the stage the event must name, the rules and clocks
it concerns), which every case of that procedure shares.

Pitfalls avoided on purpose:
- `auto_transitions=False`: the generated `to_<state>` triggers would let a case skip a statutory stage.
- Flat `Machine`, not `HierarchicalMachine`, whose `_` separator would split names like `stage1_lapsed`.
- Guards are typed objects built from the definition, not callbacks named by strings; the Mermaid
  export uses `GraphMachine` with a throwaway model and no callbacks to serialise.
- No `Timeout` states: their threads would fire on wall-clock time, while request windows lapse on
  the dates of events (see `complaintflow.case`).
"""

from __future__ import annotations

import functools
import threading
from collections import OrderedDict
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

from transitions import Machine

from complaintflow.calendar import AddedBankHoliday, WorkingDayCalendar
from complaintflow.deadlines import Clock, start_clock
from complaintflow.limits import MAX_CACHED_MACHINES
from complaintflow.procedure import (
    ANY_STATE,
    ENGINE_RULES,
    Deadline,
    EventMatch,
    Procedure,
    Transition,
    expand_sources,
    window_states,
)

Guard = tuple[tuple[str, object], ...]


def carries(event: Any, guard: Guard) -> bool:
    """Whether the event carries every (field, value) of the guard."""
    for key, value in guard:  # noqa: SIM110 - a plain loop: all() would build a generator per event
        if getattr(event, key, None) != value:
            return False
    return True


@dataclass(frozen=True, slots=True)
class Step:
    """A possible step for an event in a state: its guard, its target, what it requires, and
    whether the target ends the case (so every clock stops)."""

    spec: Transition
    target: str
    guard: Guard
    requires: tuple[str, ...] = ()
    final: bool = False


@dataclass(frozen=True, slots=True)
class ClockTrigger:
    """An event that starts or meets a deadline, compiled for the hot path with the deadline's rule."""

    deadline: str
    guard: Guard
    date_field: str | None
    rule: Deadline


#: Events that set a deadline of their own (a remedy, an Ombudsman's compliance date) or meet one.
COMMITTING = frozenset(
    {"RemedyAgreed", "RemedyCompleted", "OmbudsmanRecommendation", "RecommendationComplied"}
)

#: Events that carry the stage they belong to: it must be the stage the case is at.
STAGED = frozenset({"Acknowledged", "DeadlineExtended", "Responded"})


@dataclass(frozen=True, slots=True)
class Plan:
    """What an event of one type may do in one state, worked out once per procedure: the steps it
    may take, the stage it must name, whether a rule checks it, and the clocks it may start or meet.
    Applying an event looks up one plan instead of asking each question again."""

    steps: tuple[Step, ...]
    stage: int | None
    ruled: bool
    touches_clocks: bool
    starts: tuple[ClockTrigger, ...]
    meets: tuple[ClockTrigger, ...]
    #: Where every clock trigger is guarded by one field (as most are, by `stage` or `to_stage`):
    #: that field, and by each of its values the triggers it passes, their guard already asked.
    guard_field: str | None = None
    by_value: Mapping[object, tuple[tuple[ClockTrigger, ...], tuple[ClockTrigger, ...]]] | None = None

    def triggers(self, event: Any) -> tuple[tuple[ClockTrigger, ...], tuple[ClockTrigger, ...]]:
        """The clock triggers to try for the event, those that start and those that meet, each of
        which passes where it has no guard and asks its guard otherwise: looked up by the event's
        value of the guard field, where there is one (their guards answered by the lookup), else
        all of them with their guards."""
        if self.by_value is not None:
            value = getattr(event, self.guard_field or "", None)
            try:
                return self.by_value.get(value, self.by_value[_UNGUARDED])
            except TypeError:  # a value that cannot be looked up: every guard is asked
                pass
        return self.starts, self.meets


#: The plan of an event its state does not allow.
NOT_ALLOWED = Plan((), None, False, False, (), ())


class _Guard:
    """Carries a transition's definition through `transitions` so it can be read back."""

    def __init__(self, spec: Transition) -> None:
        self.spec = spec

    def __call__(self, *_: object) -> bool:
        return True


def _machine_spec(procedure: Procedure) -> list[dict[str, Any]]:
    specs: list[dict[str, Any]] = []
    for transition in procedure.transitions:
        specs.append(
            {
                "trigger": transition.event,
                "source": expand_sources(procedure, transition),
                "dest": transition.to,
                "conditions": [_Guard(transition)],
            }
        )
    return specs


def _lapse_spec(procedure: Procedure) -> list[dict[str, Any]]:
    """Time-driven transitions: a request window running out closes the case at that stage."""
    specs = []
    for name, deadline in procedure.deadlines.items():
        if deadline.lapses_to is None:
            continue
        sources = window_states(procedure, deadline)
        specs.append({"trigger": f"{name} runs out", "source": sources, "dest": deadline.lapses_to})
    return specs


class StateGraph:
    """A procedure's compiled machine: which events each state allows, where they lead, and which
    deadlines each event type may start or meet."""

    def __init__(self, procedure: Procedure) -> None:
        self.procedure = procedure
        machine = Machine(
            model=None,
            states=list(procedure.states),
            transitions=_machine_spec(procedure),
            initial=procedure.initial,
            auto_transitions=False,
            ignore_invalid_triggers=False,
        )
        self._steps: dict[tuple[str, str], tuple[Step, ...]] = {}
        self._allowed: dict[str, tuple[str, ...]] = {}
        for state in procedure.states:
            triggers = machine.get_triggers(state)
            self._allowed[state] = tuple(sorted(triggers))
            for trigger in triggers:
                steps = []
                for compiled in machine.events[trigger].transitions[state]:
                    guard = compiled.conditions[0].func
                    assert isinstance(guard, _Guard)
                    spec = guard.spec
                    target = compiled.dest or state
                    steps.append(
                        Step(
                            spec,
                            target,
                            tuple(spec.when.items()),
                            tuple(spec.requires),
                            procedure.states[target].final,
                        )
                    )
                self._steps[(state, trigger)] = tuple(steps)
        self._plans = _plans(procedure, self._steps)
        #: Event types the definition allows at any stage (`from = ["*"]`): named last in a refusal.
        self.at_any_stage = frozenset(
            transition.event for transition in procedure.transitions if ANY_STATE in transition.from_
        )
        #: Deadlines counted from another's due date until their own start: (deadline, the other).
        self.provisional = tuple(
            (name, rule.counts_from_due_of)
            for name, rule in procedure.deadlines.items()
            if rule.counts_from_due_of is not None
        )
        #: Request windows, which close the case at their stage when they run out.
        self.lapsing = tuple(name for name, rule in procedure.deadlines.items() if rule.lapses_to)
        #: Final states whose events touch no clock: a case there has clocks nothing can change.
        self.settled = frozenset(
            name
            for name, state in procedure.states.items()
            if state.final
            and not any(plan.touches_clocks for (at, _), plan in self._plans.items() if at == name)
        )
        #: The calendar its clocks count with when the host gives none, and whether a clock counts
        #: only the bank holidays known when it started: looked up once, not at every clock start.
        self.calendar = WorkingDayCalendar.named(
            procedure.calendar, extra_bank_holidays=dict(procedure.extra_bank_holidays) or None
        )
        self.known_at_start = procedure.policy("proclaimed_holidays") == "known_at_start"
        #: A clock as it starts, by (deadline, calendar, day 0): the cases of a log start the same
        #: deadlines from a few hundred distinct days, and a clock is an immutable tuple that any
        #: case may share. The standard library's cache, safe to share between threads, keeps the
        #: last few thousand; a start that is refused (past the calendar's years) is not kept.
        self.started_clock = functools.lru_cache(maxsize=4096)(self._started_clock)

    def calendar_for(self, starts: date, given: WorkingDayCalendar | None) -> WorkingDayCalendar:
        """The calendar a count of working days from `starts` uses: the host's (`given`), where it
        counts the procedure's jurisdiction, else that jurisdiction's with the bank holidays the
        definition added and those the host added for it (a day added for another part of the UK
        counts only where it was proclaimed); every bank holiday counts unless the procedure chose
        `known_at_start`."""
        procedure = self.procedure
        if given is None:
            calendar = self.calendar
        elif given.name == procedure.calendar and not procedure.extra_bank_holidays:
            calendar = given
        else:  # the host's days keep their jurisdictions; the definition's are for its own calendar
            extra: dict[date, str | AddedBankHoliday] = {
                **given.added_bank_holidays,
                **procedure.extra_bank_holidays,
            }
            calendar = WorkingDayCalendar.named(procedure.calendar, extra_bank_holidays=extra or None)
        return calendar.as_known_on(starts) if self.known_at_start else calendar

    def _started_clock(self, name: str, calendar: WorkingDayCalendar, starts: date) -> Clock:
        return start_clock(name, self.procedure.deadlines[name], calendar, starts)

    def allowed(self, state: str) -> tuple[str, ...]:
        """The event types the procedure allows in `state`, sorted."""
        return self._allowed.get(state, ())

    def steps(self, state: str, event_type: str) -> tuple[Step, ...]:
        """The possible steps for an event type in a state (empty: not allowed)."""
        return self._steps.get((state, event_type), ())

    def plan(self, state: str, event_type: str) -> Plan:
        """What an event of this type may do in this state (`NOT_ALLOWED` where it may not)."""
        return self._plans.get((state, event_type), NOT_ALLOWED)


def _plans(
    procedure: Procedure, steps: dict[tuple[str, str], tuple[Step, ...]]
) -> dict[tuple[str, str], Plan]:
    """The plan of each event type each state allows."""
    starts: dict[str, list[ClockTrigger]] = {}
    meets: dict[str, list[ClockTrigger]] = {}
    for name, rule in procedure.deadlines.items():
        for match in procedure.deadline_starts(name):
            starts.setdefault(match.event, []).append(
                ClockTrigger(name, _guard(match), match.date_field, rule)
            )
        for match in rule.met_by:
            meets.setdefault(match.event, []).append(
                ClockTrigger(name, _guard(match), match.date_field, rule)
            )
    # Event types that may start, meet, extend, pause or resume a clock.
    touches_clocks = {
        *starts,
        *meets,
        *COMMITTING,
        "DeadlineExtended",
        "Deferred",
        "Resumed",
        "MediationHeld",
    }
    # Event types that a rule switched on for this procedure checks (an extension is always checked).
    ruled = {"DeadlineExtended"} | {
        event for rule, event in ENGINE_RULES.items() if event and rule in procedure.rules
    }
    return {
        (state, kind): _plan(
            found,
            procedure.states[state].stage if kind in STAGED else None,
            kind in ruled,
            kind in touches_clocks,
            tuple(starts.get(kind, ())),
            tuple(meets.get(kind, ())),
        )
        for (state, kind), found in steps.items()
    }


def _plan(
    steps: tuple[Step, ...],
    stage: int | None,
    ruled: bool,
    touches_clocks: bool,
    starts: tuple[ClockTrigger, ...],
    meets: tuple[ClockTrigger, ...],
) -> Plan:
    return Plan(steps, stage, ruled, touches_clocks, starts, meets, *_by_value(starts, meets))


#: The key of the triggers that pass whatever the guard field's value (those with no guard).
_UNGUARDED = object()


def _by_value(
    starts: tuple[ClockTrigger, ...], meets: tuple[ClockTrigger, ...]
) -> tuple[str | None, dict[object, tuple[tuple[ClockTrigger, ...], tuple[ClockTrigger, ...]]] | None]:
    """The one field that guards every guarded trigger, and for each value of it the triggers it
    passes, in their order, unguarded (their guard is answered by the lookup); (None, None) where
    the triggers are guarded otherwise or not at all."""
    guards = {trigger.guard for trigger in (*starts, *meets) if trigger.guard}
    fields = {guard[0][0] for guard in guards}
    if not guards or len(fields) != 1 or any(len(guard) != 1 for guard in guards):
        return None, None

    def passing(triggers: tuple[ClockTrigger, ...], value: object) -> tuple[ClockTrigger, ...]:
        return tuple(
            ClockTrigger(trigger.deadline, (), trigger.date_field, trigger.rule)
            for trigger in triggers
            if not trigger.guard or trigger.guard[0][1] == value
        )

    table: dict[object, tuple[tuple[ClockTrigger, ...], tuple[ClockTrigger, ...]]] = {
        guard[0][1]: (passing(starts, guard[0][1]), passing(meets, guard[0][1])) for guard in guards
    }
    table[_UNGUARDED] = (passing(starts, _UNGUARDED), passing(meets, _UNGUARDED))
    return fields.pop(), table


def _guard(match: EventMatch) -> Guard:
    return tuple(match.when.items())


#: Machines by procedure identity, least recently used first; each entry keeps its procedure alive
#: so that an id is never reused while cached.
_GRAPHS: OrderedDict[int, tuple[Procedure, StateGraph]] = OrderedDict()
_GRAPHS_LOCK = threading.Lock()


#: The procedure asked for last, with its machine: a log's cases mostly share one procedure, and
#: this answers them without the lock (an immutable pair, replaced whole).
_LAST: tuple[Procedure, StateGraph] | None = None


def graph_for(procedure: Procedure) -> StateGraph:
    """The shared machine of a procedure, built on first use and kept while recently used."""
    global _LAST
    last = _LAST
    if last is not None and last[0] is procedure:
        return last[1]
    key = id(procedure)
    with _GRAPHS_LOCK:
        cached = _GRAPHS.get(key)
        if cached is not None and cached[0] is procedure:
            _GRAPHS.move_to_end(key)
            _LAST = cached
            return cached[1]
    graph = StateGraph(procedure)  # outside the lock: compiling may take a while
    with _GRAPHS_LOCK:
        _GRAPHS[key] = (procedure, graph)
        _GRAPHS.move_to_end(key)
        while len(_GRAPHS) > MAX_CACHED_MACHINES:
            _GRAPHS.popitem(last=False)
        _LAST = (procedure, graph)
    return graph


def mermaid(procedure: Procedure) -> str:
    """A Mermaid state diagram of the procedure, drawn by `transitions`' diagram extension."""
    from transitions.extensions import GraphMachine

    class _Diagram:  # a throwaway model: diagrams are drawn for a model's current state
        pass

    model = _Diagram()
    GraphMachine(
        model=model,
        states=list(procedure.states),
        transitions=[  # events that keep the state are listed by `procedure show`, not drawn
            {key: value for key, value in spec.items() if key != "conditions"}
            for spec in [*_machine_spec(procedure), *_lapse_spec(procedure)]
            if spec["dest"] is not None
        ],
        initial=procedure.initial,
        auto_transitions=False,
        graph_engine="mermaid",
        title=procedure.title,
    )
    diagram: str = model.get_graph().draw(None)  # type: ignore[attr-defined]
    return diagram
