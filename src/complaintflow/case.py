"""A case: the events of one complaint, replayed through its procedure.

The host system tells complaintflow what happened; the case answers where it stands, what may
happen next, which deadlines fall due when, and what is overdue. Applying an event is atomic: the
case either takes the whole event or raises and stays exactly as it was.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable, Mapping
from datetime import date
from typing import Any

from complaintflow import deadlines as clocks
from complaintflow._machine import COMMITTING, Plan, StateGraph, Step, carries, graph_for
from complaintflow.calendar import DEFAULT_LAST_YEAR, WorkingDayCalendar
from complaintflow.dates import london_today, require_date
from complaintflow.deadlines import Clock
from complaintflow.errors import (
    CalendarError,
    ComplaintflowError,
    InvalidEvent,
    LateEntryWithoutEvents,
    ProcedureDefinitionError,
    TransitionNotAllowed,
)
from complaintflow.events import (
    Assigned,
    ComplaintReceived,
    DeadlineExtended,
    Deferred,
    EventBase,
    EventVoided,
    InvestigatorsAppointed,
    LearningActionAgreed,
    MediationHeld,
    OmbudsmanRecommendation,
    PackedEvent,
    RecommendationComplied,
    Redacted,
    RemedyAgreed,
    RemedyCompleted,
    Responded,
    every_service,
    pack,
    parse_event,
    unpack,
)
from complaintflow.facts import MOVES_ON, Facts, refusal, response_clock
from complaintflow.forms import form, offered
from complaintflow.letters import letter_facts
from complaintflow.procedure import Procedure, registered_procedure
from complaintflow.rules import (
    FIT_CHECKED,
    check_fit,
    check_mediation_start,
    check_rules,
    commitment_name,
    compliance_source,
    remedy_source,
)
from complaintflow.view import (
    CaseView,
    DeadlineView,
    FormMaker,
    LateEntry,
    Outcome,
    Owner,
    RedactionNote,
    VoidedEvent,
    deadline_view,
    next_events,
)

__all__ = ["BEFORE_PROCEDURE", "MOVES_ON", "Case", "CaseView", "DeadlineView"]

#: Before a complaint is received there is no procedure yet: a potential complaint (a concern) or a
#: compliment. `None` means the event enters the procedure named by the event.
BEFORE_PROCEDURE: Mapping[str, Mapping[str, str | None]] = {
    "new": {"ComplaintReceived": None, "ConcernLogged": "concern", "ComplimentReceived": "compliment"},
    "concern": {"ComplaintReceived": None, "ConcernResolved": "concern_resolved"},
    "concern_resolved": {},
    "compliment": {},
}
_OPEN_BEFORE_PROCEDURE = {"new": False, "concern": True, "concern_resolved": False, "compliment": False}

#: The last day the built-in calendars count to: an event dated later is most likely a typo for an
#: earlier year, and would otherwise hold up every later event of its case.
LAST_KNOWN_DAY = date(DEFAULT_LAST_YEAR, 12, 31)


def _lapse_windows(facts: Facts, on: date) -> Facts:
    """Close the case at its stage where a request window ran out before `on`."""
    graph = facts.graph
    if graph is None or facts.deferred_on is not None:
        return facts
    clock_table = facts.clocks or {}
    for name in graph.lapsing:
        clock = clock_table.get(name)
        if clock is not None and clock.due is not None and clock.due < on and clock.running:
            facts = facts.copy()
            facts.clocks = clock_table = {**clock_table, name: clocks.end(clock, "lapsed")}
            facts.state = clock.rule.lapses_to or facts.state
    return facts


class Case:
    """One complaint's events and what follows from them under its procedure.

    >>> case = Case.replay([{"type": "ComplaintReceived", "case_id": "C-1", "on": "2024-04-02",
    ...                      "procedure": "children-2006"}])
    >>> case.state, case.view(as_of=date(2024, 4, 5)).deadlines[0].due
    ('stage1', datetime.date(2024, 4, 16))
    """

    __slots__ = (
        "_calendar",
        "_events",
        "_facts",
        "_ids",
        "_keep_events",
        "_late",
        "_lock",
        "_mutable",
        "_procedures",
        "case_id",
    )

    def __init__(
        self,
        *,
        procedures: Mapping[str, Procedure] | None = None,
        keep_events: bool = True,
        calendar: WorkingDayCalendar | None = None,
    ) -> None:
        """An empty case.

        `procedures` adds procedures for this case beyond the registered ones, each under the name
        it declares. With `keep_events=False`
        the case keeps what follows from its events but not the events themselves (only those with
        an `event_id`, to recognise them if sent again): for reports over very large logs.
        `calendar`, typically one with `extra_bank_holidays`, is counted with where the case's
        procedure counts that calendar's jurisdiction; each day it adds counts only in the
        jurisdictions it was added for (see `AddedBankHoliday`).
        """
        for name, procedure in (procedures or {}).items():
            if name != procedure.name:
                raise ProcedureDefinitionError("given under another name than it declares", source=name)
        self.case_id: str | None = None
        self._facts = Facts()
        self._events: list[PackedEvent] = []
        self._ids: dict[str, PackedEvent] | None = None
        self._keep_events = keep_events
        self._procedures = procedures
        self._calendar = calendar
        self._late: tuple[LateEntry, ...] = ()
        self._lock = threading.Lock()
        #: Whether `_apply` may change the facts in place (`bulk_replay`): a refused event then
        #: leaves the case half changed, so only a replay that drops every case on a refusal sets it.
        self._mutable = False

    @classmethod
    def replay(
        cls,
        events: Iterable[object],
        *,
        procedures: Mapping[str, Procedure] | None = None,
        calendar: WorkingDayCalendar | None = None,
    ) -> Case:
        """A case built by applying each event in order (models, dicts or JSON strings)."""
        case = cls(procedures=procedures, calendar=calendar)
        for position, event in enumerate(events, start=1):
            try:
                case._apply(parse_event(event))  # no lock: no other thread sees the case yet
            except ComplaintflowError as error:
                error.add_note(f"while replaying event {position}")
                raise
        return case

    # -- what it is ----------------------------------------------------------------------------

    @property
    def events(self) -> tuple[EventBase, ...]:
        """The events applied, in order (a re-sent duplicate is not repeated), voided ones and the
        voids that name them included: the whole record."""
        return tuple(unpack(packed) for packed in self._events)

    @property
    def voided(self) -> dict[str, EventVoided]:
        """Each voided event's `event_id`, with the `EventVoided` that voided it."""
        voids: dict[str, EventVoided] = {}
        for packed in self._events:
            if packed[0] is EventVoided:
                void = unpack(packed)
                assert isinstance(void, EventVoided)
                voids[void.voids] = void
        return voids

    @property
    def counted_events(self) -> tuple[EventBase, ...]:
        """The events that count: all but the voided ones (a void itself only records the void)."""
        events = self.events
        if not any(packed[0] in _NOTES_ONLY for packed in self._events):
            return events  # the common case, read once
        voided = self.voided
        return tuple(
            event for event in events if event.event_id not in voided and type(event) is not Redacted
        )

    @property
    def first_event_on(self) -> date | None:
        """The date of the first event recorded (voided or not)."""
        return self._events[0][_ON] if self._events else None

    @property
    def last_event_on(self) -> date | None:
        """The date of the last event applied."""
        return self._facts.last_on

    @property
    def state(self) -> str:
        """The state after the last event applied (request windows lapse only in `view`)."""
        return self._facts.state

    def clocks(self) -> dict[str, Clock]:
        """Every deadline clock of the case, by deadline name, as of its last event."""
        return dict(self._facts.clocks or {})

    @property
    def service_area(self) -> str | None:
        """The service the complaint is about, as received."""
        return self._facts.service_area

    @property
    def service_areas(self) -> tuple[str, ...]:
        """Every service the complaint is about, as received (`service_area` first)."""
        return self._facts.service_areas

    @property
    def open(self) -> bool:
        """Whether the case is open after its last event (request windows lapse only in `view`)."""
        procedure = self._facts.procedure
        if procedure is None:
            return _OPEN_BEFORE_PROCEDURE[self._facts.state]
        return procedure.states[self._facts.state].open

    @property
    def outcome(self) -> Outcome | None:
        """The latest stage outcome, or how the case ended (withdrawn, declined, not a complaint)."""
        return self._facts.outcome

    @property
    def procedure(self) -> Procedure | None:
        """The procedure the complaint runs under, once received."""
        return self._facts.procedure

    @property
    def owner(self) -> tuple[str | None, str | None]:
        """The (officer, team) references of who owns the case after its last event."""
        return self._facts.owner

    def owner_on(self, as_of: date) -> tuple[str | None, str | None]:
        """Who owned the case at the end of `as_of`, as the view shows it."""
        return self._as_of(require_date(as_of, "as_of"))[1].owner

    def __eq__(self, other: object) -> bool:
        return (
            isinstance(other, Case)
            and self.case_id == other.case_id
            and self._events == other._events
            and self._facts == other._facts
        )

    __hash__ = None  # type: ignore[assignment]  # a case changes as events arrive

    def __copy__(self) -> Case:
        """An independent case with the same events: applying to one leaves the other as it was."""
        with self._lock:
            twin = Case(procedures=self._procedures, keep_events=self._keep_events, calendar=self._calendar)
            twin.case_id, twin._facts = self.case_id, self._facts  # facts are never changed in place
            twin._events = list(self._events)  # packed events are immutable tuples
            twin._ids = dict(self._ids) if self._ids is not None else None
            twin._late = self._late
        return twin

    def __deepcopy__(self, memo: dict[int, Any]) -> Case:
        return self.__copy__()

    def __reduce__(self) -> tuple[Any, ...]:
        """Pickled as its events, and replayed when unpickled: the shared machine is not copied."""
        if not self._keep_events:
            raise TypeError("a case built with keep_events=False has no events to pickle")
        return (_replayed, (self.events, self._procedures, self._calendar, self._late))

    def __repr__(self) -> str:
        return f"<Case {self.case_id} {self._facts.state}, {len(self._events)} events>"

    # -- applying events -----------------------------------------------------------------------

    def apply(self, event: object) -> bool:
        """Apply one event whole, or raise a `ComplaintflowError` and change nothing.

        Returns False when the event had been applied already (the same `event_id` and content).
        """
        parsed = parse_event(event)
        with self._lock:  # one event at a time per case, from any number of threads
            return self._apply(parsed)

    def _apply(self, parsed: EventBase) -> bool:
        if self.case_id is not None and parsed.case_id != self.case_id:
            raise InvalidEvent("belongs to another case than this one", field="case_id")
        if parsed.on > LAST_KNOWN_DAY:
            require_known_date(parsed)
        packed = pack(parsed) if self._keep_events or parsed.event_id is not None else None
        if parsed.event_id is not None and self._ids is not None and parsed.event_id in self._ids:
            if self._ids[parsed.event_id] == packed:
                return False  # the same event sent again: already applied
            raise InvalidEvent("already used by a different event of this case", field="event_id")
        if type(parsed) is EventVoided:
            return self._void(parsed)
        if type(parsed) is Redacted:
            self._keep(parsed)  # a note on the record: no state, clock or date of the case moves
            return True
        facts = self._facts
        if facts.last_on is not None and parsed.on < facts.last_on:
            return self._enter_late(parsed)
        facts = self._after(_lapse_windows(facts, parsed.on), parsed)
        facts.last_on = parsed.on
        # Nothing below can fail: commit.
        self._facts = facts
        self.case_id = parsed.case_id
        if packed is not None:
            if parsed.event_id is not None:
                if self._ids is None:
                    self._ids = {}
                self._ids[parsed.event_id] = packed
            if self._keep_events:
                self._events.append(packed)
        return True

    def _enter_late(self, late: EventBase) -> bool:
        """An event dated before events already recorded (a letter entered a week after it came):
        accepted when the case, replayed in date order with the event in its place, is valid."""
        last = self._facts.last_on
        assert last is not None
        received = self._facts.received_on
        if received is not None and late.on < received:
            raise InvalidEvent(
                f"dated before the complaint was received on {received.isoformat()}", field="on"
            )
        if not self._keep_events:
            raise LateEntryWithoutEvents(
                f"dated before the case's previous event on {last.isoformat()}; a case that keeps no "
                "events takes them in date order",
                field="on",
            )
        events = [unpack(packed) for packed in self._events]
        counted = self._counts(events)
        place = 0  # after the events that count of its day and before: ties keep their order
        for index, event in enumerate(events):
            if counted(event) and event.on <= late.on:
                place = index + 1
        events.insert(place, late)
        self._adopt(self._rebuilt(events, "entered in its place", late_at=place))
        entry = LateEntry(type=late.type, on=late.on, recorded_on=late.recorded_on, event_id=late.event_id)
        self._late = (*self._late, entry)
        return True

    def _void(self, void: EventVoided) -> bool:
        """An earlier event entered in error: accepted when the case, replayed without it, is valid.
        Both stay in the record; the voided one counts nowhere from then on."""
        if not self._keep_events:
            raise LateEntryWithoutEvents(
                "voids an earlier event; a case that keeps no events cannot replay without it",
                field="voids",
            )
        target = (self._ids or {}).get(void.voids)
        if target is None:
            raise InvalidEvent("no event of this case has this event_id", field="voids")
        if target[0] is EventVoided:
            raise InvalidEvent("a void cannot be voided; record the event again instead", field="voids")
        if void.voids in self.voided:
            raise InvalidEvent("that event is voided already", field="voids")
        self._adopt(self._rebuilt([*self.events, void], "voided"))
        self._late = tuple(entry for entry in self._late if entry.event_id != void.voids)
        return True

    @staticmethod
    def _counts(events: list[EventBase]) -> Callable[[EventBase], bool]:
        """Whether an event of these counts: neither a void nor voided by one of them."""
        voided = {event.voids for event in events if type(event) is EventVoided}
        return lambda event: type(event) not in _NOTES_ONLY and event.event_id not in voided

    def _rebuilt(self, events: list[EventBase], doing: str = "", late_at: int | None = None) -> Case:
        """A case of these events replayed afresh, the ones that count applied in order and the
        voided ones and voids kept in the record. A refusal of the event at `late_at` is raised as
        it is; of any other, it says that `doing` this would leave that event refused."""
        counted = self._counts(events)
        rebuilt = Case(procedures=self._procedures, calendar=self._calendar)
        for position, event in enumerate(events):
            if not counted(event):
                rebuilt._keep(event)
                continue
            try:
                rebuilt._apply(event)
            except ComplaintflowError as error:
                if position == late_at:
                    raise
                raise InvalidEvent(
                    f"{doing}, it would leave the {event.type} of {event.on.isoformat()} refused: {error}",
                    field="voids" if late_at is None else "on",
                ) from None
        return rebuilt

    def _keep(self, event: EventBase) -> None:
        """Keep an event in the record without applying it (a void, or an event it voided)."""
        packed = pack(event)
        self.case_id = event.case_id
        if event.event_id is not None:
            self._ids = {**(self._ids or {}), event.event_id: packed}
        self._events.append(packed)

    def _adopt(self, rebuilt: Case) -> None:
        self._facts, self._events, self._ids = rebuilt._facts, rebuilt._events, rebuilt._ids
        self.case_id = rebuilt.case_id

    def _after(self, facts: Facts, event: EventBase) -> Facts:
        """The facts after `event`, or raise; `facts` itself is never changed, unless the case is
        in a bulk replay (`_mutable`), where they are the case's own and changed in place."""
        mutable = self._mutable
        if not mutable:
            facts = facts.copy()
        kind = event.type
        if facts.graph is None:
            table = BEFORE_PROCEDURE[facts.state]
            if kind not in table:
                raise TransitionNotAllowed(kind, facts.state, sorted(table))
            target = table[kind]
            services = every_service(
                getattr(event, "service_area", None), getattr(event, "service_areas", ())
            )
            facts.service_areas = tuple(dict.fromkeys((*services, *facts.service_areas)))
            facts.service_area = facts.service_areas[0] if facts.service_areas else None
            if target is not None:
                named = getattr(event, "procedure", None)
                if named is not None:
                    self._procedure(named)  # a concern or compliment names a procedure the host knows
                facts.state = target
                return facts
            assert isinstance(event, ComplaintReceived)
            procedure = self._procedure(event.procedure)
            if event.on < procedure.applies_from:
                raise InvalidEvent(
                    f"{event.on.isoformat()} is before {procedure.name} applies "
                    f"({procedure.applies_from.isoformat()}); record it under the procedure "
                    "in force then",
                    field="on",
                )
            facts.procedure, facts.graph = procedure, graph_for(procedure)
            facts.state = procedure.initial
            facts.clocks = {}
            facts.received_on = event.on
            facts.oral = event.oral
        graph = facts.graph
        plan = graph.plan(facts.state, kind)
        step = self._step(facts, graph, plan.steps, event)
        if plan.stage is not None or kind in FIT_CHECKED:  # most events fit whatever was recorded
            check_fit(facts, graph, event, plan.stage)
        if plan.ruled:
            check_rules(facts, graph, event, self._calendar)
        if type(event) is MediationHeld and event.started is not None:
            check_mediation_start(facts, event.started)
        if plan.touches_clocks:  # most notes on the file change no clock
            facts.clocks = self._clocks_after(facts, graph, plan, event, mutable)
        facts.state = step.target
        if step.final:  # the case ends: its clocks stop, but not what the council committed to do
            facts.clocks = {
                name: c if c.rule.kind in clocks.COMMITMENTS else clocks.end(c, "cancelled")
                for name, c in (facts.clocks or {}).items()
            }
        record = _RECORDS.get(kind)
        if record is not None:
            record(facts, event)
        return facts

    def _procedure(self, name: str) -> Procedure:
        """The procedure an event names: one given to this case, else a registered one. A name is
        only ever looked up, never read as a path, so an event cannot choose its own rules."""
        if self._procedures and name in self._procedures:
            return self._procedures[name]
        try:
            return registered_procedure(name)
        except ComplaintflowError as error:
            raise InvalidEvent(str(error), field="procedure") from None

    @staticmethod
    def _step(facts: Facts, graph: StateGraph, steps: tuple[Step, ...], event: EventBase) -> Step:
        """The step the event takes, of the `steps` its state allows, or TransitionNotAllowed
        saying why not."""
        kind = event.type
        for chosen in steps:
            if not chosen.guard or carries(event, chosen.guard):
                break
        else:
            needs = " or ".join(
                ", ".join(f"{key}={value}" for key, value in step.spec.when.items()) for step in steps
            )
            raise refusal(facts, graph, event, f"here it needs {needs}" if steps else "")
        for field in chosen.requires:
            if not getattr(event, field, None):
                because = f": {chosen.spec.because}" if chosen.spec.because else ""
                raise refusal(facts, graph, event, f"{field} is required{because}")
        if facts.deferred_on is not None:
            if kind in MOVES_ON:
                raise refusal(
                    facts,
                    graph,
                    event,
                    f"the case is deferred since {facts.deferred_on.isoformat()}; record Resumed first",
                )
        elif kind == "Resumed" and not facts.deferred_points:
            raise refusal(facts, graph, event, "the case is not deferred")
        return chosen

    def _clocks_after(
        self, facts: Facts, graph: StateGraph, plan: Plan, event: EventBase, mutable: bool = False
    ) -> dict[str, Clock]:
        """Start, meet, extend, pause and resume clocks as the event says (in the case's own table
        where `mutable`, else in a copy)."""
        assert facts.procedure is not None and facts.clocks is not None
        kind, on = event.type, event.on
        running = facts.clocks if mutable else dict(facts.clocks)
        starts_clocks, meets_clocks = plan.triggers(event)
        for trigger in starts_clocks:
            name = trigger.deadline
            known = running.get(name)
            if (known is None or (known.provisional and known.running)) and (
                not trigger.guard or carries(event, trigger.guard)
            ):
                starts = getattr(event, trigger.date_field) if trigger.date_field else on
                rule = trigger.rule
                if starts is not None and on >= rule.applies_from:  # in force when it began
                    if known is not None:
                        running[name] = clocks.restart(known, starts)
                        continue
                    calendar = graph.calendar_for(starts, self._calendar)
                    started = graph.started_clock(name, calendar, starts)
                    if rule.not_before is not None:
                        started = clocks.later_of(started, running.get(rule.not_before))
                    running[name] = started
        for name, other in graph.provisional:  # e.g. a response before any acknowledgement
            if name not in running and other in running and running[other].due is not None:
                since = running[other]
                rule = facts.procedure.deadlines[name]
                if since.running and since.due is not None and since.starts >= rule.applies_from:
                    estimate = clocks.start_clock(name, rule, since.calendar, since.due)
                    running[name] = estimate._replace(provisional=True)
        for trigger in meets_clocks:
            name = trigger.deadline
            if name in running and (not trigger.guard or carries(event, trigger.guard)):
                running[name] = clocks.meet(running[name], on)
        if kind in COMMITTING:
            running.update(self._commitments(facts, graph, event))
        elif type(event) is DeadlineExtended:
            clock = response_clock(facts, event.stage)
            assert clock is not None
            running[clock.name] = clocks.extend(clock, total=event.total_working_days, until=event.until)
        elif type(event) is Deferred:
            if not event.points:  # deferring it all stops every clock
                running = {name: clocks.pause(c, on) for name, c in running.items()}
        elif kind == "Resumed":
            running = {name: clocks.resume(c, on) for name, c in running.items()}
        elif (
            type(event) is MediationHeld
            and event.started is not None
            and facts.procedure.policy("mediation_pauses_clocks") == "yes"
        ):
            began = event.started
            running = {  # a clock that started after mediation began is paused from its own start
                name: clocks.resume(clocks.pause(c, max(began, c.anchor)), on) for name, c in running.items()
            }
        return running

    def _commitments(self, facts: Facts, graph: StateGraph, event: EventBase) -> dict[str, Clock]:
        """The deadline a remedy or an Ombudsman's recommendation sets, or the one its completion meets."""
        assert facts.procedure is not None and facts.clocks is not None
        if isinstance(event, RemedyAgreed | OmbudsmanRecommendation):
            name = commitment_name(event)
            if isinstance(event, RemedyAgreed):
                kind, due, source = "remedy", event.due, remedy_source(facts.procedure, event.remedy_id)
            else:
                ombudsman = facts.procedure.decided_by
                kind, due, source = "compliance", event.comply_by, compliance_source(ombudsman, event)
            calendar = graph.calendar_for(event.on, self._calendar)
            try:
                return {name: clocks.commitment(name, kind, source, calendar, event.on, due)}  # type: ignore[arg-type]
            except CalendarError as error:  # a date past the years the calendar counts
                field = "due" if kind == "remedy" else "comply_by"
                raise InvalidEvent(str(error), field=field) from None
        assert isinstance(event, RemedyCompleted | RecommendationComplied)
        name = commitment_name(event)
        return {name: clocks.meet(facts.clocks[name], event.on)}

    def _settled(self) -> bool:
        """Whether the case has ended where no event can change its clocks any more."""
        facts = self._facts
        return bool(facts.clocks) and facts.graph is not None and facts.state in facts.graph.settled

    def _forget_clocks(self) -> None:
        """Let go of the finished clocks of a settled case that keeps no events, once a report has
        read them: a closed case then keeps only what later events are checked against."""
        assert not self._keep_events and self._settled()
        facts = self._facts.copy()
        facts.clocks = {}
        self._facts = facts

    # -- answering questions -------------------------------------------------------------------

    def _earlier(self, as_of: date) -> Case:
        """The case as it stood on a day before its last event: the events dated up to then, replayed."""
        if not self._keep_events:
            raise ComplaintflowError(
                "this case keeps no events, so it can be viewed only on or after its last event; "
                "replay the log up to the day instead"
            )
        events = list(self.events)
        counted = self._counts(events)
        # A voided event counts on no day, whatever the date of its void.
        earlier = self._rebuilt([event for event in events if not counted(event) or event.on <= as_of])
        earlier.case_id = self.case_id
        earlier._late = tuple(entry for entry in self._late if entry.on <= as_of)
        return earlier

    def standing(self, as_of: date) -> tuple[str, dict[str, Clock]]:
        """The state and the clocks at the end of `as_of`, as `view` finds them (request windows
        that ran out lapse), without building the view: for lists over many cases."""
        _, facts = self._as_of(require_date(as_of, "as_of"))
        return facts.state, dict(facts.clocks or {})

    def standing_and_owner(
        self, as_of: date
    ) -> tuple[str, Mapping[str, Clock], tuple[str | None, str | None]]:
        """`standing(as_of)` and `owner_on(as_of)` from one look at the case as it stood then (it
        is replayed to the day once, not twice), the clocks read-only and not copied: for the
        daily list, which asks both of every case."""
        _, facts = self._as_of(require_date(as_of, "as_of"))
        return facts.state, facts.clocks or {}, facts.owner

    def _as_of(self, as_of: date) -> tuple[Case, Facts]:
        """The case as it stood at the end of `as_of` (replayed to then, where that is before its
        last event), and its facts then, with any request window that had run out lapsed."""
        last = self._facts.last_on
        case = self._earlier(as_of) if last is not None and as_of < last else self
        return case, _lapse_windows(case._facts, as_of)

    def _form_maker(self, facts: Facts, as_of: date) -> FormMaker:
        """How each next event's form is made for this case as it stood on `as_of`."""

        def make(
            kind: str, step: Step | None, fixed: dict[str, int | str | bool]
        ) -> tuple[dict[str, Any], list[str]]:
            return form(kind, step, fixed, facts, case_id=self.case_id, as_of=as_of)

        return make

    def view(self, as_of: date | None = None, *, forms: bool = True) -> CaseView:
        """Where the case stood at the end of `as_of` (default: today in London): state, deadlines,
        what is allowed next. Only events dated on or before `as_of` count. `forms=False` leaves
        `next_events` empty, for lists that need only the deadlines (the daily list)."""
        as_of = london_today() if as_of is None else require_date(as_of, "as_of")
        case, facts = self._as_of(as_of)
        procedure = facts.procedure
        if procedure is None:
            return CaseView(
                case_id=case.case_id,
                procedure=None,
                state=facts.state,
                stage=None,
                open=_OPEN_BEFORE_PROCEDURE[facts.state],
                outcome=None,
                deadlines=[],
                allowed=sorted(BEFORE_PROCEDURE[facts.state]),
                deferred=False,
                service_area=facts.service_area,
                service_areas=list(facts.service_areas),
                as_of=as_of,
                next_events=next_events(
                    None,
                    facts.state,
                    None,
                    sorted(BEFORE_PROCEDURE[facts.state]),
                    case._form_maker(facts, as_of),
                )
                if forms
                else [],
                voided=_voided_view(self),
                redacted=_redacted_view(self),
            )
        state = procedure.states[facts.state]
        graph = facts.graph or graph_for(procedure)
        allowed_now = offered(facts, graph, as_of, self._calendar)
        deadlines = [deadline_view(clock, as_of) for clock in (facts.clocks or {}).values()]
        may_go_to_ombudsman = state.final and facts.outcome not in ("withdrawn", "not_a_complaint")
        return CaseView(
            case_id=case.case_id,
            procedure=procedure.name,
            state=facts.state,
            stage=state.stage,
            open=state.open,
            outcome=facts.outcome,
            deadlines=deadlines,
            allowed=allowed_now,
            deferred=facts.deferred_on is not None,
            service_area=facts.service_area,
            service_areas=list(facts.service_areas),
            as_of=as_of,
            next_events=next_events(
                graph, facts.state, state.stage, allowed_now, case._form_maker(facts, as_of)
            )
            if forms
            else [],
            deferred_points=list(facts.deferred_points),
            may_go_to_ombudsman=may_go_to_ombudsman,
            entered_late=list(case._late),
            voided=_voided_view(self),
            redacted=_redacted_view(self),
            owner=Owner.of(facts.owner),
            letter_facts=letter_facts(
                reference=case.case_id,
                procedure=procedure,
                stage=state.stage,
                deadlines=deadlines,
                may_go_to_ombudsman=may_go_to_ombudsman,
                as_of=as_of,
            ),
        )


#: Where a packed event holds its date: after its class, in the order of the fields.
_ON = 1 + list(EventBase.model_fields).index("on")


def _redacted_view(case: Case) -> list[RedactionNote]:
    """The case's redactions, as its view lists them: the day each was made, and its fields."""
    if not any(packed[0] is Redacted for packed in case._events):
        return []  # most cases: nothing to read
    return [
        RedactionNote(on=event.recorded_on or event.on, fields=list(event.fields))
        for event in case.events
        if isinstance(event, Redacted)
    ]


def _voided_view(case: Case) -> list[VoidedEvent]:
    """The case's voided events, as its view lists them, in the order they were voided."""
    voided = case.voided
    if not voided:
        return []  # most cases: nothing to read
    events = {event.event_id: event for event in case.events if event.event_id in voided}
    return [
        VoidedEvent(
            event_id=event_id,
            type=events[event_id].type,
            on=events[event_id].on,
            voided_on=void.on,
            reason=void.reason,
            by=void.by,
        )
        for event_id, void in voided.items()
    ]


def _deferred(facts: Facts, event: Deferred) -> None:
    if event.points:
        facts.deferred_points = tuple(dict.fromkeys((*facts.deferred_points, *event.points)))
    else:
        facts.deferred_on = event.on


def _resumed(facts: Facts, event: EventBase) -> None:
    facts.deferred_on, facts.deferred_points = None, ()


def _action_agreed(facts: Facts, event: LearningActionAgreed) -> None:
    facts.actions = facts.actions | {event.action_id}


def _referred(facts: Facts, event: EventBase) -> None:
    facts.referred = True


def _responded(facts: Facts, event: Responded) -> None:
    facts.outcome = event.overall_outcome
    if event.stage == 1:
        facts.stage1_by = event.by


def _ended_as(outcome: Outcome) -> Callable[[Facts, EventBase], None]:
    def record(facts: Facts, event: EventBase) -> None:
        facts.outcome = outcome

    return record


def _investigators(facts: Facts, event: InvestigatorsAppointed) -> None:
    facts.independent_person = event.independent_person


def _assigned(facts: Facts, event: Assigned) -> None:
    facts.owner = (event.officer, event.team)


def _unassigned(facts: Facts, event: EventBase) -> None:
    facts.owner = (None, None)


#: What each event type records in the facts beyond its state and clocks, by type: a table rather
#: than a chain of isinstance checks, which `apply` would walk for every event.
_RECORDS: Mapping[str, Callable[[Facts, Any], None]] = {
    "Deferred": _deferred,
    "Resumed": _resumed,
    "LearningActionAgreed": _action_agreed,
    "OmbudsmanReferred": _referred,
    "ConcernResolved": _ended_as("not_a_complaint"),
    "Responded": _responded,
    "Withdrawn": _ended_as("withdrawn"),
    "ComplaintDeclined": _ended_as("declined"),
    "InvestigatorsAppointed": _investigators,
    "Assigned": _assigned,
    "Unassigned": _unassigned,
}


#: Events that only note something about the record itself, and count nowhere.
_NOTES_ONLY = (EventVoided, Redacted)


def require_known_date(event: EventBase) -> None:
    """Refuse an event dated after the calendars' last day: most likely a typo for an earlier year,
    it would otherwise hold up every later event of its case."""
    if event.on > LAST_KNOWN_DAY:
        raise InvalidEvent(
            f"after {LAST_KNOWN_DAY.isoformat()}, the last day whose bank holidays are known; check the year",
            field="on",
        )


def _replayed(
    events: tuple[EventBase, ...],
    procedures: Mapping[str, Procedure] | None,
    calendar: WorkingDayCalendar | None,
    late: tuple[LateEntry, ...],
) -> Case:
    case = Case(procedures=procedures, calendar=calendar)._rebuilt(list(events))
    case._late = late
    return case
