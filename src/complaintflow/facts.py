"""What a case's events establish so far, and what may happen next because of it.

Kept apart from `complaintflow.case`, which applies events, so that the rule checks
(`complaintflow.rules`) can read the same facts without importing the case.
"""

from __future__ import annotations

from dataclasses import dataclass
from dataclasses import field as dataclass_field
from datetime import date

from complaintflow._machine import StateGraph
from complaintflow.deadlines import Clock
from complaintflow.errors import TransitionNotAllowed
from complaintflow.events import EventBase
from complaintflow.procedure import Procedure
from complaintflow.view import Outcome

#: Events that move a complaint on, refused while it is deferred (SI 2006/1738 reg 8).
MOVES_ON = frozenset(
    {
        "Acknowledged",
        "DeadlineExtended",
        "EscalationRequested",
        "InvestigatorsAppointed",
        "PanelHeld",
        "RecommendationsIssued",
        "Responded",
        "StatementAgreed",
        "Deferred",
    }
)


@dataclass(slots=True)
class Facts:
    """What the events so far establish. Copied, never changed in place, so `apply` is atomic."""

    procedure: Procedure | None = None
    graph: StateGraph | None = dataclass_field(default=None, compare=False)  # follows from the procedure
    state: str = "new"
    clocks: dict[str, Clock] | None = None
    deferred_on: date | None = None
    outcome: Outcome | None = None
    independent_person: str | None = None
    stage1_by: str | None = None
    last_on: date | None = None
    service_area: str | None = None
    received_on: date | None = None
    actions: frozenset[str] = frozenset()  # learning actions agreed
    referred: bool = False  # taken to the Ombudsman
    deferred_points: tuple[str, ...] = ()  # points of complaint deferred (reg 8), the rest going on
    oral: bool = False  # the complaint was made orally
    owner: tuple[str | None, str | None] = (None, None)  # (officer, team) references
    service_areas: tuple[str, ...] = ()  # every service named, service_area first

    def copy(self) -> Facts:
        """A shallow copy (faster than dataclasses.replace, which `apply` would call per event)."""
        return Facts(
            self.procedure,
            self.graph,
            self.state,
            self.clocks,
            self.deferred_on,
            self.outcome,
            self.independent_person,
            self.stage1_by,
            self.last_on,
            self.service_area,
            self.received_on,
            self.actions,
            self.referred,
            self.deferred_points,
            self.oral,
            self.owner,
            self.service_areas,
        )


def response_clock(facts: Facts, stage: int) -> Clock | None:
    """The running response deadline of a stage, if any."""
    for clock in (facts.clocks or {}).values():
        if clock.rule.kind == "response" and clock.rule.stage == stage and clock.running:
            return clock
    return None


def refusal(facts: Facts, graph: StateGraph, event: EventBase, reason: str = "") -> TransitionNotAllowed:
    return TransitionNotAllowed(
        event.type, facts.state, allowed(facts, graph), reason, at_any_stage=graph.at_any_stage
    )


def allowed(facts: Facts, graph: StateGraph) -> list[str]:
    allowed = graph.allowed(facts.state)
    if facts.deferred_on is not None:
        return [event for event in allowed if event not in MOVES_ON]
    return [event for event in allowed if event != "Resumed"]
