"""Procedure definitions as data: stages, deadlines, allowed events and named policies.

A procedure file reads like the regulation it encodes. Every deadline carries its `source`
(instrument and provision) and the date from which it applies, and loading is strict: an unknown
key, an unreachable state, an exit from a final state, a deadline without a source or a cap below
the base length is refused with a `ProcedureDefinitionError` naming the file and the key.
"""

from __future__ import annotations

import functools
import json
import re
import threading
import tomllib
from collections.abc import Mapping
from datetime import date
from importlib import resources
from pathlib import Path
from typing import Annotated, Any, Literal, get_args

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, ValidationError, model_validator

from complaintflow._frozen import FrozenDict
from complaintflow.calendar import WorkingDayCalendar
from complaintflow.errors import ProcedureDefinitionError, UnknownProcedure
from complaintflow.events import DATE_FIELDS, EVENT_CLASSES, EVENT_TYPES, UKDate
from complaintflow.files import NotARegularFile, open_regular
from complaintflow.limits import (
    MAX_DEADLINES,
    MAX_EDGES,
    MAX_EXTENDS_DEPTH,
    MAX_LENGTH,
    MAX_PROCEDURE_BYTES,
    MAX_STATES,
    MAX_TRANSITIONS,
)

Unit = Literal["working_days", "calendar_days", "calendar_months"]
DeadlineKind = Literal["response", "acknowledgement", "request_window", "time_limit", "remedy", "compliance"]
Name = Annotated[str, Field(pattern=r"^[a-z][a-z0-9_]*$", max_length=64)]
#: How a procedure is named, in files, in events and in the registry.
PROCEDURE_NAME = r"^[a-z0-9][a-z0-9-]{0,63}$"
ANY_STATE = "*"
#: Tables in a definition are frozen once validated: built-in procedures are shared by every case.
_frozen = AfterValidator(FrozenDict)
WholeNumber = Annotated[int, Field(strict=True)]
Flag = Annotated[bool, Field(strict=True)]

#: The policies the engine knows, with their choices. A procedure declares which apply to it and
#: documents its default; a council may choose another when it loads the procedure.
ENGINE_POLICIES: Mapping[str, tuple[str, ...]] = {
    "stage2_clock_start": ("request_received", "statement_agreed"),
    "mediation_pauses_clocks": ("no", "yes"),
    "extension_after_due": ("refuse", "allow"),
    "proclaimed_holidays": ("current", "known_at_start"),
}

#: Rules implemented in code (in `complaintflow.rules`) that a procedure may switch on by name, with
#: the event type each checks (None: it shapes how other events apply rather than checking one).
ENGINE_RULES: Mapping[str, str | None] = {
    "panel_excludes_stage2_independent_person": "PanelHeld",
    "stage2_by_different_person": "Responded",
    "oral_resolved_by_next_working_day": "ConcernResolved",
    "deferral_stops_clocks": None,
    "outcome_follows_from_points": None,
}


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Source(_Strict):
    """Where a figure or rule comes from: the instrument, the provision, and how sure we are."""

    instrument: str = Field(min_length=1)
    provision: str = Field(min_length=1)
    confidence: Literal["P", "S", "U"] = Field(
        description="P: read in the primary text; S: a secondary source naming the provision; "
        "U: not confirmed."
    )
    note: str | None = None
    local_choice: Flag = Field(
        default=False, description="True where the figure is the council's own setting, not law."
    )

    def cite(self) -> str:
        """The citation as a reader would write it, e.g. 'SI 2006/1738 reg 14 [S]'."""
        local = ", local choice" if self.local_choice else ""
        return f"{self.instrument} {self.provision} [{self.confidence}{local}]"


class EventMatch(_Strict):
    """An event type, optionally narrowed by payload values (e.g. Responded with stage 1)."""

    event: str
    when: Annotated[dict[str, int | str | bool], _frozen] = Field(default_factory=FrozenDict)
    date_field: str | None = Field(
        default=None, description="Start from this date field of the event instead of its `on`."
    )


class AlternativeStart(_Strict):
    """Starts that replace a deadline's own when a policy has a given choice."""

    policy: str
    choice: str
    starts: tuple[EventMatch, ...] = Field(min_length=1)


class Deadline(_Strict):
    """One time limit: how long, counted from what, met by what, and how far it may stretch."""

    stage: WholeNumber = Field(ge=0, le=3)
    description: str = Field(min_length=1)
    length: WholeNumber = Field(gt=0)
    unit: Unit = "working_days"
    kind: DeadlineKind = Field(
        default="response",
        description="What the deadline is for. `remedy` (a remedy agreed) and `compliance` (an "
        "Ombudsman's compliance date) are the kinds of the deadlines a case's own events set.",
    )
    starts: tuple[EventMatch, ...] = Field(min_length=1)
    alternative_starts: tuple[AlternativeStart, ...] = ()
    met_by: tuple[EventMatch, ...] = Field(min_length=1)
    extendable_to: WholeNumber | None = Field(
        default=None, description="The most it may be extended to in all; none means no extension."
    )
    extendable_without_cap: Flag = Field(
        default=False, description="True where it may be extended as far as needed (no fixed cap)."
    )
    lapses_to: str | None = Field(
        default=None, description="For a request window: the state a case moves to when it runs out."
    )
    beyond_cap_with_reason: Flag = Field(
        default=False,
        description="True where `extendable_to` binds only an extension without good reason (the Codes): "
        "an extension that gives its reason may go further, and is marked as beyond the usual length.",
    )
    counts_from_due_of: Name | None = Field(
        default=None,
        description="Until its own start event is recorded, count from the due date of this other "
        "deadline (the Codes: the response counts from the acknowledgement, or from when it was due).",
    )
    not_before: Name | None = Field(
        default=None,
        description="Never due before this other deadline of the case (the later of two periods).",
    )
    counts_start_day: Flag = Field(
        default=False,
        description="For calendar units: true where the period commences on the day it starts "
        '("six months commencing on the day of receipt"), so it ends the day before the '
        "corresponding date.",
    )
    applies_from: UKDate
    source: Source
    extension_source: Source | None = None

    @property
    def extendable(self) -> bool:
        """Whether a `DeadlineExtended` may extend it at all."""
        return self.extendable_to is not None or self.extendable_without_cap

    @model_validator(mode="after")
    def _cap_not_below_length(self) -> Deadline:
        longest = MAX_LENGTH[self.unit]
        if max(self.length, self.extendable_to or 0) > longest:
            raise ValueError(f"a deadline may be at most {longest} {self.unit.replace('_', ' ')}")
        if self.extendable_to is not None and self.extendable_to < self.length:
            raise ValueError(f"extendable_to {self.extendable_to} is below the base length {self.length}")
        if self.extendable_to is not None and self.extendable_without_cap:
            raise ValueError("give extendable_to or extendable_without_cap, not both")
        if self.unit != "working_days" and self.extendable_to is not None:
            raise ValueError("a cap in working days needs a deadline in working days")
        if self.unit == "working_days" and self.counts_start_day:
            raise ValueError("counts_start_day is for calendar units; working days count from day 0")
        if self.kind == "request_window" and self.lapses_to is None:
            raise ValueError("a request window needs lapses_to, the state it closes the case in")
        if self.beyond_cap_with_reason and self.extendable_to is None:
            raise ValueError("beyond_cap_with_reason needs the usual cap, extendable_to")
        return self


class Transition(_Strict):
    """An event allowed in some states, and the state it leads to (none: the state is kept)."""

    event: str
    from_: tuple[str, ...] = Field(alias="from", min_length=1, max_length=MAX_STATES)
    to: str | None = None
    when: Annotated[dict[str, int | str | bool], _frozen] = Field(default_factory=FrozenDict)
    requires: tuple[str, ...] = Field(
        default=(), description="Optional event fields that must be given here."
    )
    because: str | None = Field(default=None, description="Why the rule is so, for error messages.")
    source: Source | None = None


class State(_Strict):
    """A condition a case can be in."""

    description: str = Field(min_length=1)
    stage: WholeNumber | None = Field(default=None, ge=0, le=3)
    final: Flag = False
    open: Flag = True


class Policy(_Strict):
    """A point the law leaves unclear, made explicit with a documented default."""

    description: str = Field(min_length=1)
    choices: tuple[str, ...] = Field(min_length=2)
    default: str
    source: Source | None = None

    @model_validator(mode="after")
    def _default_is_a_choice(self) -> Policy:
        if self.default not in self.choices:
            raise ValueError(f"default {self.default!r} is not one of {self.choices}")
        return self


class Rule(_Strict):
    """A rule implemented in code, switched on for this procedure, with its source."""

    description: str = Field(min_length=1)
    source: Source


#: The kinds of deadline a notice rule without `deadline_kinds` applies to: every kind but request
#: windows (the complainant's, not the council's) and the time limit for complaining.
COUNCIL_DEADLINE_KINDS_EXCLUDED = frozenset({"request_window", "time_limit"})


class NoticeRule(_Strict):
    """When a notice about a deadline is owed: so many working days from its due date."""

    working_days: WholeNumber = Field(
        ge=-60, le=60, description="From the due date: negative before it, 0 on the day, positive after."
    )
    deadline_kinds: tuple[str, ...] = Field(
        default=(),
        max_length=20,
        description="The kinds of deadline it is for; none given: every kind but request windows and "
        "time limits, so deadlines of kinds added later get it too.",
    )
    reason: str = Field(min_length=1, description="Why the notice is sent then.")

    def applies_to(self, kind: str) -> bool:
        """Whether a deadline of this kind gets the notice."""
        if self.deadline_kinds:
            return kind in self.deadline_kinds
        return kind not in COUNCIL_DEADLINE_KINDS_EXCLUDED


class Ombudsman(_Strict):
    """Where the complainant may go when the council's procedure is done, and within what time."""

    name: str = Field(min_length=1, max_length=200)
    time_limit: str = Field(min_length=1, max_length=400, description="The time limit, in words.")
    source: Source


class Retention(_Strict):
    """How long a case's record is kept once it has ended, before `store.purge` removes it: UK GDPR
    art 5(1)(e) asks for no longer than needed, and councils publish a period for complaint files."""

    years: WholeNumber = Field(ge=1, le=100, description="Whole years after the case ended.")
    description: str = Field(min_length=1)
    source: Source

    def keep_until(self, ended: date) -> date:
        """The last day the record is kept: the same day `years` years after it ended (a case ended
        on 29 February is kept until 28 February)."""
        year = ended.year + self.years
        try:
            return ended.replace(year=year)
        except ValueError:
            return ended.replace(year=year, day=28)


class Procedure(_Strict):
    """A complaints procedure: the states, transitions, deadlines, policies and rules."""

    name: str = Field(pattern=PROCEDURE_NAME)
    title: str
    calendar: Literal["england-and-wales", "scotland", "northern-ireland", "united-kingdom"]
    applies_from: UKDate
    source: Source
    applies_from_source: Source | None = Field(
        default=None,
        description="Where `applies_from` comes from, where it is not the instrument's own commencement.",
    )
    initial: str = "new"
    decided_by: Literal["lgsco", "housing-ombudsman", "spso"] = Field(
        default="lgsco",
        description="The Ombudsman who decides a complaint that completes this procedure: its "
        "OmbudsmanDecided outcomes are that Ombudsman's own (docs/events.md).",
    )
    decided_by_source: Source | None = None
    annual_report: Literal["children", "code-performance", "reg18", "spso"] = Field(
        default="children",
        description="The report its law or Code asks for: the children's annual report tables, a Complaint "
        "Handling Code's annual performance report, the SI 2009/309 reg 18 report, or the SPSO's indicators.",
    )
    states: Annotated[dict[Name, State], _frozen, Field(max_length=MAX_STATES)]
    transitions: tuple[Transition, ...] = Field(max_length=MAX_TRANSITIONS)
    deadlines: Annotated[dict[Name, Deadline], _frozen, Field(max_length=MAX_DEADLINES)]
    policies: Annotated[dict[Name, Policy], _frozen] = Field(default_factory=FrozenDict)
    rules: Annotated[dict[Name, Rule], _frozen] = Field(default_factory=FrozenDict)
    choices: Annotated[dict[str, str], _frozen] = Field(
        default_factory=FrozenDict, description="The council's choices where they differ from defaults."
    )
    extra_bank_holidays: Annotated[dict[UKDate, str], _frozen] = Field(
        default_factory=FrozenDict,
        description="Bank holidays proclaimed after this release, by date: counted like any other.",
    )
    notices: Annotated[dict[Name, NoticeRule], _frozen, Field(max_length=20)] = Field(
        default_factory=FrozenDict,
        description="The notices about its deadlines, by kind (approaching, due, missed, closing): "
        "when each is owed, and why.",
    )
    ombudsman: Ombudsman | None = Field(
        default=None, description="The Ombudsman the complainant may go to, for letters."
    )
    retention: Retention | None = Field(
        default=None,
        description="How long a case's record is kept after it ends; none: kept until a rule is given "
        "when the store is opened.",
    )
    extends: str | None = Field(
        default=None,
        description="A registered procedure, or the file name of a definition beside this one "
        "(.toml or .json), that this definition changes: its tables are merged key by key into that "
        "one's, and any other value replaces that one's.",
    )

    @model_validator(mode="after")
    def _well_formed(self) -> Procedure:
        _check_structure(self)
        return self

    def policy(self, name: str) -> str:
        """The choice in force for a policy: the council's choice, else the documented default."""
        if name in self.choices:
            return self.choices[name]
        if name in self.policies:
            return self.policies[name].default
        return ENGINE_POLICIES[name][0]

    def with_choices(self, **choices: str) -> Procedure:
        """The same procedure with some policies set to other documented choices."""
        merged = {**self.choices, **choices}
        try:
            return Procedure.model_validate({**self.model_dump(by_alias=True), "choices": merged})
        except ValidationError as error:
            raise _definition_error(error, self.name) from None

    def with_calendar(self, calendar: WorkingDayCalendar) -> Procedure:
        """The same procedure counting the bank holidays that `calendar` adds to this release."""
        if calendar.name != self.calendar:
            raise ProcedureDefinitionError(
                f"counts {self.calendar} working days, not {calendar.name}", source=self.name, key="calendar"
            )
        extra = {**self.extra_bank_holidays, **calendar.extra_bank_holidays}
        try:
            return Procedure.model_validate({**self.model_dump(by_alias=True), "extra_bank_holidays": extra})
        except ValidationError as error:
            raise _definition_error(error, self.name) from None

    def deadline_starts(self, name: str) -> tuple[EventMatch, ...]:
        """The events that start a deadline under the policies in force."""
        deadline = self.deadlines[name]
        for alternative in deadline.alternative_starts:
            if self.policy(alternative.policy) == alternative.choice:
                return alternative.starts
        return deadline.starts


def _check_structure(procedure: Procedure) -> None:
    """Refuse anything that could let a broken definition reach a running case."""
    states = procedure.states
    if procedure.initial not in states:
        raise ValueError(f"initial state {procedure.initial!r} is not among the states")
    for index, transition in enumerate(procedure.transitions):
        where = f"transitions[{index}] ({transition.event})"
        if transition.event not in EVENT_TYPES:
            raise ValueError(f"{where}: unknown event type {transition.event!r}")
        for state in transition.from_:
            if state != ANY_STATE and state not in states:
                raise ValueError(f"{where}: unknown state {state!r} in 'from'")
        if transition.to is not None and transition.to not in states:
            raise ValueError(f"{where}: unknown state {transition.to!r} in 'to'")
        fields = EVENT_CLASSES[transition.event].model_fields
        for field in (*transition.when, *transition.requires):
            if field not in fields:
                raise ValueError(f"{where}: {transition.event} has no field {field!r}")
        for state in expand_sources(procedure, transition):
            if states[state].final and transition.to not in (None, state):
                raise ValueError(f"{where}: leaves final state {state!r}")
    edges = sum(len(expand_sources(procedure, transition)) for transition in procedure.transitions)
    if edges > MAX_EDGES:
        raise ValueError(
            f"transitions from {edges:,} states in all ('*' counts each state); at most {MAX_EDGES:,}"
        )
    for name, deadline in procedure.deadlines.items():
        matches = [*deadline.starts, *deadline.met_by]
        matches += [m for alt in deadline.alternative_starts for m in alt.starts]
        for match in matches:
            if match.event not in EVENT_TYPES:
                raise ValueError(f"deadlines.{name}: unknown event type {match.event!r}")
            for field in match.when:
                if field not in EVENT_CLASSES[match.event].model_fields:
                    raise ValueError(f"deadlines.{name}: {match.event} has no field {field!r}")
            if match.date_field is not None and match.date_field not in DATE_FIELDS[match.event]:
                raise ValueError(
                    f"deadlines.{name}: date_field {match.date_field!r} is not a date of {match.event}"
                )
        for alternative in deadline.alternative_starts:
            if alternative.policy not in procedure.policies:
                raise ValueError(f"deadlines.{name}: undeclared policy {alternative.policy!r}")
        for other in (deadline.counts_from_due_of, deadline.not_before):
            if other is not None and (other == name or other not in procedure.deadlines):
                raise ValueError(f"deadlines.{name}: {other!r} is not another deadline of this procedure")
        if deadline.lapses_to is not None and deadline.lapses_to not in states:
            raise ValueError(f"deadlines.{name}: unknown state {deadline.lapses_to!r} in lapses_to")
    for name, policy in procedure.policies.items():
        if name not in ENGINE_POLICIES:
            raise ValueError(f"policies.{name}: unknown policy; known: {', '.join(ENGINE_POLICIES)}")
        if set(policy.choices) != set(ENGINE_POLICIES[name]):
            raise ValueError(f"policies.{name}: choices must be {list(ENGINE_POLICIES[name])}")
    for name, choice in procedure.choices.items():
        if name not in procedure.policies:
            raise ValueError(f"choices.{name}: the procedure declares no such policy")
        if choice not in procedure.policies[name].choices:
            raise ValueError(
                f"choices.{name}: {choice!r} is not one of {list(procedure.policies[name].choices)}"
            )
    known_kinds = get_args(Deadline.model_fields["kind"].annotation)
    for name, notice in procedure.notices.items():
        for kind in notice.deadline_kinds:
            if kind not in known_kinds:
                raise ValueError(f"notices.{name}: unknown deadline kind {kind!r}")
    for name in procedure.rules:
        if name not in ENGINE_RULES:
            raise ValueError(f"rules.{name}: unknown rule; known: {', '.join(ENGINE_RULES)}")
    unreachable = set(states) - reachable_states(procedure)
    if unreachable:
        raise ValueError(f"unreachable states: {', '.join(sorted(unreachable))}")


def expand_sources(procedure: Procedure, transition: Transition) -> list[str]:
    """The states a transition applies in, with '*' meaning every state but the initial one."""
    if ANY_STATE in transition.from_:
        return [state for state in procedure.states if state != procedure.initial]
    return list(transition.from_)


def reachable_states(procedure: Procedure) -> set[str]:
    """Every state reachable from the initial one by events or by a request window lapsing."""
    edges: dict[str, set[str]] = {state: set() for state in procedure.states}
    for transition in procedure.transitions:
        for state in expand_sources(procedure, transition):
            edges[state].add(transition.to or state)
    for deadline in procedure.deadlines.values():
        if deadline.lapses_to:
            for state in window_states(procedure, deadline):
                edges[state].add(deadline.lapses_to)
    seen, frontier = {procedure.initial}, [procedure.initial]
    while frontier:
        for successor in edges[frontier.pop()] - seen:
            seen.add(successor)
            frontier.append(successor)
    return seen


def window_states(procedure: Procedure, deadline: Deadline) -> list[str]:
    """The states a case enters when a deadline starts: where it can run out (for request windows)."""
    return sorted(
        {
            transition.to
            for transition in procedure.transitions
            if transition.to
            and any(
                match.event == transition.event and match.when.items() <= transition.when.items()
                for match in deadline.starts
            )
        }
    )


# -- reading definition files -------------------------------------------------------------------

BUILT_IN = resources.files("complaintflow") / "procedures"


@functools.cache
def built_in_names() -> tuple[str, ...]:
    """The names of the procedures shipped with complaintflow."""
    return tuple(
        sorted(
            entry.name.removesuffix(".toml") for entry in BUILT_IN.iterdir() if entry.name.endswith(".toml")
        )
    )


def _definition_error(error: ValidationError, source: str) -> ProcedureDefinitionError:
    first = error.errors()[0]
    key = ".".join(str(part) for part in first["loc"]) or None
    message = first["msg"].removeprefix("Value error, ")
    if first["type"] == "extra_forbidden":
        message = "unknown key"
    return ProcedureDefinitionError(message, source=source, key=key)


def parse_procedure(data: Mapping[str, Any], source: str) -> Procedure:
    """Validate a definition already read from a file; errors name `source` and the key."""
    try:
        return Procedure.model_validate(dict(data))
    except ValidationError as error:
        raise _definition_error(error, source) from None


def read_procedure(path: str | Path) -> Procedure:
    """A definition read from a TOML or JSON file, merged into the one it `extends`, if any."""
    path = Path(path)
    return parse_procedure(_definition(path, ()), str(path))


def _parse_file(path: Path) -> dict[str, Any]:
    """A definition file's top-level table, read within the limits."""
    source = str(path)
    if path.suffix not in (".toml", ".json"):
        raise UnknownProcedure("a procedure file must end in .toml or .json", source=source)
    try:
        with open_regular(path) as handle:
            raw = handle.read(MAX_PROCEDURE_BYTES + 1)
    except OSError as error:
        raise UnknownProcedure(f"cannot read: {error.strerror}", source=source) from None
    except NotARegularFile:
        raise UnknownProcedure(
            "not a regular file (a FIFO, device or folder cannot be read)", source=source
        ) from None
    if len(raw) > MAX_PROCEDURE_BYTES:
        raise ProcedureDefinitionError(f"larger than {MAX_PROCEDURE_BYTES:,} bytes", source=source)
    kind = path.suffix[1:].upper()
    try:
        text = raw.decode("utf-8")
        data: object = json.loads(text) if kind == "JSON" else tomllib.loads(text)
    except UnicodeDecodeError:
        raise ProcedureDefinitionError("not UTF-8 text", source=source) from None
    except RecursionError:
        raise ProcedureDefinitionError("nested too deeply", source=source) from None
    except ValueError:  # TOMLDecodeError and JSONDecodeError are ValueErrors
        raise ProcedureDefinitionError(f"not valid {kind}", source=source) from None
    if not isinstance(data, dict):
        raise ProcedureDefinitionError(f"the top level must be a {kind} table of keys", source=source)
    return data


_SIBLING_FILE = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,99}\.(toml|json)")


def _definition(path: Path, seen: tuple[Path, ...]) -> dict[str, Any]:
    """The definition in a file, merged into the one it `extends`: a registered procedure, or a
    file beside this one. Nothing else is opened, so a definition cannot read other files."""
    data = _parse_file(path)
    base = data.get("extends")
    if base is None:
        return data
    if len(seen) >= MAX_EXTENDS_DEPTH:
        raise ProcedureDefinitionError(
            f"extends chains more than {MAX_EXTENDS_DEPTH} definitions", source=str(path), key="extends"
        )
    if isinstance(base, str) and base in registered_names():
        return _merged(_registered_definition(base), data)
    if not isinstance(base, str) or not _SIBLING_FILE.fullmatch(base) or ".." in base:
        raise ProcedureDefinitionError(
            "must name a registered procedure, or a .toml or .json file in the same folder",
            source=str(path),
            key="extends",
        )
    here, sibling = path.resolve(), (path.parent / base).resolve()
    if sibling.parent != path.parent.resolve():  # a link out of the folder is not a file beside this one
        raise ProcedureDefinitionError(
            f"{base!r} leads out of this definition's folder", source=str(path), key="extends"
        )
    if sibling == here or sibling in seen:
        raise ProcedureDefinitionError(f"{base!r} extends this file again", source=str(path), key="extends")
    return _merged(_definition(sibling, (*seen, here)), data)


def _registered_definition(name: str) -> dict[str, Any]:
    """A registered procedure as the data of a definition file, for `extends` to merge into."""
    data: dict[str, Any] = registered_procedure(name).model_dump(by_alias=True, exclude_none=True)
    data.pop("extends", None)
    return data


def _merged(base: Mapping[str, Any], changes: Mapping[str, Any]) -> dict[str, Any]:
    """`base` with `changes` laid over it: tables merge key by key, anything else is replaced."""
    merged = dict(base)
    for key, value in changes.items():
        if isinstance(value, dict) and isinstance(merged.get(key), dict):
            merged[key] = _merged(merged[key], value)
        else:
            merged[key] = value
    return merged


# -- the registry: the only procedures an event may name ---------------------------------------------

_REGISTERED: dict[str, Procedure] = {}
_REGISTRY_LOCK = threading.Lock()


@functools.cache
def _built_in(name: str) -> Procedure:
    with resources.as_file(BUILT_IN / f"{name}.toml") as path:
        return read_procedure(path)


def registered_names() -> tuple[str, ...]:
    """The names events may give as their `procedure`: the built-ins and those a host registered."""
    with _REGISTRY_LOCK:
        return tuple(sorted({*built_in_names(), *_REGISTERED}))


def register_procedure(definition: str | Path | Procedure) -> Procedure:
    """Register a host's own definition, from a file or already built, under the name it declares.

    From then on an event may name it. Registering the same definition again changes nothing; a
    different definition under a name already taken, or under a built-in's name, is refused: give
    a tailored procedure a name of its own and say which one it `extends`.
    """
    procedure = definition if isinstance(definition, Procedure) else read_procedure(definition)
    with _REGISTRY_LOCK:
        if procedure.name in built_in_names():
            raise ProcedureDefinitionError(
                "this is a built-in procedure's name; give the definition a name of its own",
                source=procedure.name,
                key="name",
            )
        known = _REGISTERED.get(procedure.name)
        if known is not None and known != procedure:
            raise ProcedureDefinitionError(
                "another definition is registered under this name", source=procedure.name, key="name"
            )
        _REGISTERED.setdefault(procedure.name, procedure)
        return _REGISTERED[procedure.name]


def unregister_procedure(name: str) -> None:
    """Forget a host's own procedure (built-ins stay); cases already built keep theirs."""
    with _REGISTRY_LOCK:
        _REGISTERED.pop(name, None)


def registered_procedure(name: str) -> Procedure:
    """The procedure registered under `name`. Never reads a file: this is how events choose."""
    if type(name) is str and name in built_in_names():  # a built-in name is a valid one
        return _built_in(name)
    if not isinstance(name, str) or not re.fullmatch(PROCEDURE_NAME, name):
        raise UnknownProcedure("not a procedure name (lower-case letters, digits and hyphens)")
    with _REGISTRY_LOCK:
        procedure = _REGISTERED.get(name)
    if procedure is None:
        raise UnknownProcedure(
            f"no procedure is registered as {name!r}; registered are {', '.join(registered_names())}"
        )
    return procedure


def load_procedure(
    name_or_path: str | Path, *, calendar: WorkingDayCalendar | None = None, **choices: str
) -> Procedure:
    """A registered procedure by name, or one read from a .toml or .json file the host names, with
    policy choices. A file read here is not registered: events cannot name it until it is.

    >>> load_procedure("children-2006").deadlines["stage1_response"].source.cite()
    'SI 2006/1738 reg 14 [S]'
    """
    if isinstance(name_or_path, Path) or str(name_or_path).endswith((".toml", ".json")):
        procedure = read_procedure(name_or_path)
    else:
        procedure = registered_procedure(name_or_path)
    if calendar is not None:
        procedure = procedure.with_calendar(calendar)
    return procedure.with_choices(**choices) if choices else procedure


def procedure_json_schema() -> dict[str, Any]:
    """The JSON Schema of the procedure definition format."""
    return Procedure.model_json_schema(by_alias=True)
