"""Procedure definitions as data: stages, deadlines, allowed events and named policies.

A procedure file reads like the regulation it encodes. Every deadline carries its `source`
(instrument and provision) and the date from which it applies, and loading is strict: an unknown
key, an unreachable state, an exit from a final state, a deadline without a source or a cap below
the base length is refused with a `ProcedureDefinitionError` naming the file and the key.
"""

from __future__ import annotations

import functools
import json
import tomllib
from collections.abc import Mapping
from contextlib import nullcontext
from datetime import date
from importlib import resources
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from complaintflow.errors import ProcedureDefinitionError, UnknownProcedure
from complaintflow.events import EVENT_TYPES

Unit = Literal["working_days", "calendar_days", "calendar_months"]
Name = Annotated[str, Field(pattern=r"^[a-z][a-z0-9_]*$")]
ANY_STATE = "*"

#: The policies the engine knows, with their choices. A procedure declares which apply to it and
#: documents its default; a council may choose another when it loads the procedure.
ENGINE_POLICIES: Mapping[str, tuple[str, ...]] = {
    "stage2_clock_start": ("request_received", "statement_agreed"),
    "mediation_pauses_clocks": ("no", "yes"),
    "extension_after_due": ("refuse", "allow"),
    "proclaimed_holidays": ("known_at_start", "current"),
}

#: Rules implemented in code (in `complaintflow.case`) that a procedure may switch on by name, with
#: the event type each checks (None: it shapes how other events apply rather than checking one).
ENGINE_RULES: Mapping[str, str | None] = {
    "panel_excludes_stage2_independent_person": "PanelHeld",
    "stage2_by_different_person": "Responded",
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
    local_choice: bool = Field(
        default=False, description="True where the figure is the council's own setting, not law."
    )

    def cite(self) -> str:
        """The citation as a reader would write it, e.g. 'SI 2006/1738 reg 14 [S]'."""
        local = ", local choice" if self.local_choice else ""
        return f"{self.instrument} {self.provision} [{self.confidence}{local}]"


class EventMatch(_Strict):
    """An event type, optionally narrowed by payload values (e.g. Responded with stage 1)."""

    event: str
    when: dict[str, int | str | bool] = Field(default_factory=dict)
    date_field: str | None = Field(
        default=None, description="Start from this date field of the event instead of its `on`."
    )


class AlternativeStart(_Strict):
    """Starts that replace a deadline's own when a policy has a given choice."""

    policy: str
    choice: str
    starts: list[EventMatch] = Field(min_length=1)


class Deadline(_Strict):
    """One time limit: how long, counted from what, met by what, and how far it may stretch."""

    stage: int = Field(ge=0, le=3)
    description: str = Field(min_length=1)
    length: int = Field(gt=0)
    unit: Unit = "working_days"
    kind: Literal["response", "acknowledgement", "request_window", "time_limit"] = "response"
    starts: list[EventMatch] = Field(min_length=1)
    alternative_starts: list[AlternativeStart] = Field(default_factory=list)
    met_by: list[EventMatch] = Field(min_length=1)
    extendable_to: int | None = Field(
        default=None, description="The most it may be extended to in all; none means no extension."
    )
    extendable_without_cap: bool = Field(
        default=False, description="True where it may be extended as far as needed (no fixed cap)."
    )
    lapses_to: str | None = Field(
        default=None, description="For a request window: the state a case moves to when it runs out."
    )
    counts_start_day: bool = Field(
        default=False,
        description="For calendar units: true where the period commences on the day it starts "
        '("six months commencing on the day of receipt"), so it ends the day before the '
        "corresponding date.",
    )
    applies_from: date
    source: Source
    extension_source: Source | None = None

    @property
    def extendable(self) -> bool:
        """Whether a `DeadlineExtended` may extend it at all."""
        return self.extendable_to is not None or self.extendable_without_cap

    @model_validator(mode="after")
    def _cap_not_below_length(self) -> Deadline:
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
        return self


class Transition(_Strict):
    """An event allowed in some states, and the state it leads to (none: the state is kept)."""

    event: str
    from_: list[str] = Field(alias="from", min_length=1)
    to: str | None = None
    when: dict[str, int | str | bool] = Field(default_factory=dict)
    requires: list[str] = Field(
        default_factory=list, description="Optional event fields that must be given here."
    )
    because: str | None = Field(default=None, description="Why the rule is so, for error messages.")
    source: Source | None = None


class State(_Strict):
    """A condition a case can be in."""

    description: str = Field(min_length=1)
    stage: int | None = Field(default=None, ge=0, le=3)
    final: bool = False
    open: bool = True


class Policy(_Strict):
    """A point the law leaves unclear, made explicit with a documented default."""

    description: str = Field(min_length=1)
    choices: list[str] = Field(min_length=2)
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


class Procedure(_Strict):
    """A complaints procedure: the states, transitions, deadlines, policies and rules."""

    name: str = Field(pattern=r"^[a-z0-9][a-z0-9-]*$")
    title: str
    calendar: Literal["england-and-wales", "scotland", "northern-ireland", "united-kingdom"]
    applies_from: date
    source: Source
    initial: str = "new"
    states: dict[Name, State]
    transitions: list[Transition]
    deadlines: dict[Name, Deadline]
    policies: dict[Name, Policy] = Field(default_factory=dict)
    rules: dict[Name, Rule] = Field(default_factory=dict)
    choices: dict[str, str] = Field(
        default_factory=dict, description="The council's choices where they differ from defaults."
    )
    extends: str | None = Field(
        default=None,
        description="A built-in procedure, or the path of a definition file (relative to this one), "
        "that this definition changes: its tables are merged key by key into that one's, and any "
        "other value replaces that one's.",
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

    def deadline_starts(self, name: str) -> list[EventMatch]:
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
        for state in expand_sources(procedure, transition):
            if states[state].final and transition.to not in (None, state):
                raise ValueError(f"{where}: leaves final state {state!r}")
    for name, deadline in procedure.deadlines.items():
        matches = [*deadline.starts, *deadline.met_by]
        matches += [m for alt in deadline.alternative_starts for m in alt.starts]
        for match in matches:
            if match.event not in EVENT_TYPES:
                raise ValueError(f"deadlines.{name}: unknown event type {match.event!r}")
        for alternative in deadline.alternative_starts:
            if alternative.policy not in procedure.policies:
                raise ValueError(f"deadlines.{name}: undeclared policy {alternative.policy!r}")
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
            raise ValueError(f"choices.{name}: {choice!r} is not one of {procedure.policies[name].choices}")
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


# -- loading --------------------------------------------------------------------------------------

BUILT_IN = resources.files("complaintflow") / "procedures"


def built_in_names() -> list[str]:
    """The names of the procedures shipped with complaintflow."""
    return sorted(
        entry.name.removesuffix(".toml") for entry in BUILT_IN.iterdir() if entry.name.endswith(".toml")
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


def _read(path: Path) -> Procedure:
    return parse_procedure(_definition(path, ()), str(path))


def _definition(path: Path, seen: tuple[Path, ...]) -> dict[str, Any]:
    """The definition in a file, merged into the one it `extends`, if any."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as error:
        raise UnknownProcedure(f"cannot read: {error.strerror}", source=str(path)) from None
    try:
        data: dict[str, Any] = json.loads(text) if path.suffix == ".json" else tomllib.loads(text)
    except (tomllib.TOMLDecodeError, json.JSONDecodeError) as error:
        kind = path.suffix[1:].upper()
        raise ProcedureDefinitionError(f"not valid {kind}: {error}", source=str(path)) from None
    base = data.get("extends")
    if base is None:
        return data
    if not isinstance(base, str):
        raise ProcedureDefinitionError("must be a procedure name or path", source=str(path), key="extends")
    built_in = base in built_in_names()
    with (
        resources.as_file(BUILT_IN / f"{base}.toml") if built_in else nullcontext(path.parent / base) as found
    ):
        base_path = found.resolve()
        here = path.resolve()
        if base_path == here or base_path in seen:
            raise ProcedureDefinitionError(
                f"{base!r} extends this file again", source=str(path), key="extends"
            )
        if not base_path.is_file():
            raise ProcedureDefinitionError(
                f"{base!r} is neither a built-in procedure ({', '.join(built_in_names())}) nor a file",
                source=str(path),
                key="extends",
            )
        return _merged(_definition(base_path, (*seen, here)), data)


def _merged(base: Mapping[str, Any], changes: Mapping[str, Any]) -> dict[str, Any]:
    """`base` with `changes` laid over it: tables merge key by key, anything else is replaced."""
    merged = dict(base)
    for key, value in changes.items():
        if isinstance(value, dict) and isinstance(merged.get(key), dict):
            merged[key] = _merged(merged[key], value)
        else:
            merged[key] = value
    return merged


@functools.lru_cache(maxsize=64)
def _load(name_or_path: str) -> Procedure:
    if name_or_path in built_in_names():
        with resources.as_file(BUILT_IN / f"{name_or_path}.toml") as path:
            return _read(path)
    path = Path(name_or_path)
    if path.suffix in (".toml", ".json") and path.exists():
        return _read(path)
    raise UnknownProcedure(
        f"unknown procedure {name_or_path!r}: built in are {', '.join(built_in_names())}, "
        "or give the path of a .toml or .json procedure file"
    )


def load_procedure(name_or_path: str | Path, **choices: str) -> Procedure:
    """A built-in procedure by name, or one read from a TOML or JSON file, with policy choices.

    >>> load_procedure("children-2006").deadlines["stage1_response"].source.cite()
    'SI 2006/1738 reg 14 [S]'
    """
    procedure = _load(str(name_or_path))
    return procedure.with_choices(**choices) if choices else procedure


def procedure_json_schema() -> dict[str, Any]:
    """The JSON Schema of the procedure definition format."""
    return Procedure.model_json_schema(by_alias=True)
