"""What the annual report needs to know of each case, gathered as its events are replayed.

A `CaseRecord` follows one case's events (who complained, about what, when each stage began and
ended, and how) while the `Case` itself checks every event against the procedure and keeps the
deadline clocks. `finish` then reads from the clocks whether each response was in time.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable
from dataclasses import dataclass, field
from datetime import date
from functools import lru_cache
from typing import Any, TypeVar

from complaintflow.case import Case
from complaintflow.errors import ComplaintflowError
from complaintflow.events import (
    Assigned,
    CompensationOffered,
    ComplaintReceived,
    ComplimentReceived,
    ConcernLogged,
    EscalationRequested,
    EventBase,
    LearningActionAgreed,
    LearningActionCompleted,
    MediationHeld,
    OmbudsmanDecided,
    OmbudsmanRecommendation,
    RecommendationComplied,
    RemedyAgreed,
    RemedyCompleted,
    Responded,
    ServiceUser,
    every_service,
)
from complaintflow.limits import FIRST_DATE, LAST_DATE

V = TypeVar("V", bound=Hashable)

#: A reporting year runs from 1 April to 31 March; it is named by the year it starts in.
YEAR_STARTS_MONTH = 4


def reporting_year(day: date) -> int:
    """The reporting year a date falls in: 2012 for any date from 1 April 2012 to 31 March 2013."""
    return day.year if day.month >= YEAR_STARTS_MONTH else day.year - 1


def year_label(year: int) -> str:
    """The year as councils write it: 2012 -> '2012-13'."""
    return f"{year}-{(year + 1) % 100:02d}"


def year_from_label(text: str) -> int:
    """The reporting year that `text` names, as the command line and the service take it: 2012, or
    2012-13 as councils write it.

    >>> year_from_label("2024-25"), year_from_label("2024")
    (2024, 2024)
    """
    head, _, tail = text.partition("-")
    if (
        len(head) == 4
        and head.isdigit()
        and FIRST_DATE.year <= int(head) < LAST_DATE.year
        and (not tail or (tail.isdigit() and int(tail) == (int(head) + 1) % 100))
    ):
        return int(head)
    raise ComplaintflowError(
        f"not a reporting year such as 2012 or 2012-13, from {FIRST_DATE.year} to {LAST_DATE.year - 1}"
    )


@dataclass(slots=True)
class StageRecord:
    """One stage of one complaint."""

    began: date
    complainant_role: str | None
    responded_on: date | None = None
    outcome: str | None = None
    in_time: bool | None = None
    in_time_unextended: bool | None = None
    extended_beyond_usual: bool = False
    extended: bool = False
    acknowledged_on: date | None = None
    acknowledged_in_time: bool | None = None
    #: Working days from the stage's start to its response, in the procedure's calendar.
    working_days: int | None = None

    def __reduce__(self) -> tuple[Any, ...]:
        return StageRecord, tuple(getattr(self, name) for name in self.__slots__)


@dataclass(slots=True)
class Stage3Timescales:
    """Whether each stage 3 time limit was met (None where the procedure sets none)."""

    panel_in_time: bool | None = None
    recommendations_in_time: bool | None = None
    response_in_time: bool | None = None


@dataclass(slots=True)
class CaseRecord:
    """The facts about one case that the annual report counts."""

    service_area: str | None = None
    #: Every service the case is about, `service_area` first: a report counts it under each.
    service_areas: tuple[str, ...] = ()
    procedure: str | None = None
    #: The Ombudsman who decides the procedure's complaints (`Procedure.decided_by`).
    ombudsman: str | None = None
    statutory: bool = True
    concern_on: date | None = None
    compliment_on: date | None = None
    categories: tuple[str, ...] = ()
    complainant_role: str | None = None
    service_user: ServiceUser | None = None
    joint_nhs: bool = False
    stages: dict[int, StageRecord] = field(default_factory=dict)
    withdrawn_on: date | None = None
    withdrawn_at_stage: int | None = None
    declined: bool = False
    # What few cases have is kept in tuples, empty (and shared) until the first: a report holds a
    # record for every case, and an empty list or dict of its own costs each one 56-64 bytes.
    ombudsman_referred: tuple[date, ...] = ()
    #: Each decision as the Ombudsman worded it then (a word of earlier releases kept as it was).
    ombudsman_decided: tuple[tuple[date, str], ...] = ()
    #: Each decision in the Ombudsman's terms today: (on, outcome, public report, remedied before it).
    ombudsman_findings: tuple[tuple[date, str, bool, bool], ...] = ()
    #: (id, made on, compliance date, an order, a payment of pence or None), in the order made.
    recommendations: tuple[tuple[str, date, date, bool, int | None], ...] = ()
    #: (id, complied on, pence paid or None).
    recommendations_complied: tuple[tuple[str, date, int | None], ...] = ()
    #: (id, agreed on, due, a payment of pence or None).
    remedies: tuple[tuple[str, date, date, int | None], ...] = ()
    #: (id, completed on, pence paid or None).
    remedies_completed: tuple[tuple[str, date, int | None], ...] = ()
    #: (offered on, pence, accepted) for each `CompensationOffered`.
    compensation: tuple[tuple[date, int, bool | None], ...] = ()
    mediation: tuple[tuple[date, bool], ...] = ()
    advocacy: tuple[date, ...] = ()
    #: (action, agreed on, due, description), in the order agreed.
    learning: tuple[tuple[str, date, date | None, str], ...] = ()
    learning_completed: tuple[tuple[str, date], ...] = ()
    stage3: Stage3Timescales | None = None
    #: The dates on which events of the case were voided (entered in error).
    voided: tuple[date, ...] = ()
    #: The team that owned the case from each date on (None: no team), in the order assigned, so
    #: that a report of any year counts the case under the team that owned it at the year's end.
    teams: tuple[tuple[date, str | None], ...] = ()

    @property
    def learning_agreed(self) -> dict[str, tuple[date, date | None]]:
        """Each learning action agreed: when, and when it is due."""
        return {action: (on, due) for action, on, due, _ in self.learning}

    @property
    def learning_descriptions(self) -> dict[str, str]:
        return {action: description for action, _, _, description in self.learning}

    def completed_on(self, action: str) -> date | None:
        """When a learning action was completed (the last record of it), if it was."""
        return next((on for done, on in reversed(self.learning_completed) if done == action), None)

    def team_on(self, day: date) -> str | None:
        """The team that owned the case at the end of `day` (None where none did): the last
        assignment dated on or before it."""
        return next((team for on, team in reversed(self.teams) if on <= day), None)

    def __reduce__(self) -> tuple[Any, ...]:
        """Pickled as its field values, a third of the time of the default for a slotted class:
        worker processes send back tens of thousands of records."""
        return CaseRecord, tuple(getattr(self, name) for name in self.__slots__)

    @property
    def current_stage(self) -> int | None:
        return max(self.stages) if self.stages else None

    def add(self, event: EventBase) -> None:
        """Note what the event tells the report (the case has already accepted it)."""
        noting = _NOTES.get(event.type)
        if noting is not None:
            noting(self, event)

    def finish(self, case: Case) -> None:
        """Read from the case's clocks whether each response was in time."""
        procedure = case.procedure
        if procedure is None:
            return
        self.ombudsman = procedure.decided_by
        self.statutory = not procedure.source.local_choice
        if case.outcome == "not_a_complaint":  # e.g. SI 2009/309 reg 8(1)(c): kept out of the counts
            self.stages.clear()
            return
        for clock in case.clocks().values():
            rule = clock.rule
            if clock.met_on is None or clock.due is None:
                continue
            in_time = clock.met_on <= clock.due
            stage = self.stages.get(rule.stage)
            if rule.kind == "response" and stage is not None and stage.responded_on == clock.met_on:
                stage.in_time = in_time
                unextended = clock.due_without_extension()
                stage.in_time_unextended = unextended is not None and clock.met_on <= unextended
                cap = rule.extendable_to
                stage.extended_beyond_usual = cap is not None and clock.length > cap
                stage.extended = clock.length > rule.length
                stage.working_days = clock.calendar.working_days_between(stage.began, clock.met_on)
            if rule.kind == "acknowledgement" and stage is not None:
                stage.acknowledged_on, stage.acknowledged_in_time = clock.met_on, in_time
            if clock.name in _STAGE3_CLOCKS:
                self.stage3 = self.stage3 or Stage3Timescales()
                setattr(self.stage3, _STAGE3_CLOCKS[clock.name], in_time)

    def stage1_outcome(self) -> str | None:
        """The outcome at stage 1 as the report counts it: withdrawn, or the response's outcome."""
        if 1 not in self.stages or self.declined:
            return None
        if self.withdrawn_on is not None and self.withdrawn_at_stage == 1:
            return "withdrawn"
        return self.stages[1].outcome


@lru_cache(maxsize=8192)
def shared(value: V) -> V:
    """One object for each value a report meets again and again (a service, a category, a who's
    who, a day): a record keeps the shared one, not the copy each event brought. Thread-safe."""
    return value


def _services(record: CaseRecord, event: ComplaintReceived | ConcernLogged | ComplimentReceived) -> None:
    """Every service the event names, after those already known; the first is `service_area`."""
    named = every_service(event.service_area, getattr(event, "service_areas", ()))
    record.service_areas = shared(tuple(dict.fromkeys((*named, *record.service_areas))))
    record.service_area = record.service_areas[0] if record.service_areas else None


def _received(record: CaseRecord, event: ComplaintReceived) -> None:
    _services(record, event)
    record.procedure = shared(event.procedure)
    record.categories = shared(tuple(event.categories))
    record.complainant_role = shared(event.complainant_role)
    record.service_user = shared(event.service_user)
    record.joint_nhs = event.joint_nhs
    record.stages[event.stage] = StageRecord(shared(event.on), record.complainant_role)


def _escalated(record: CaseRecord, event: EscalationRequested) -> None:
    role = shared(event.complainant_role) or record.complainant_role
    record.stages[event.to_stage] = StageRecord(shared(event.on), role)


def _responded(record: CaseRecord, event: Responded) -> None:
    stage = record.stages.get(event.stage)
    if stage is not None:
        stage.responded_on, stage.outcome = shared(event.on), shared(event.overall_outcome)


def _withdrawn(record: CaseRecord, event: EventBase) -> None:
    record.withdrawn_on, record.withdrawn_at_stage = event.on, record.current_stage


def _declined(record: CaseRecord, event: EventBase) -> None:
    record.declined = True


def _concern(record: CaseRecord, event: ConcernLogged) -> None:
    record.concern_on = event.on
    record.procedure = event.procedure
    _services(record, event)


def _compliment(record: CaseRecord, event: ComplimentReceived) -> None:
    record.compliment_on = event.on
    record.procedure = event.procedure
    _services(record, event)


def _referred(record: CaseRecord, event: EventBase) -> None:
    record.ombudsman_referred = (*record.ombudsman_referred, event.on)


def _decided(record: CaseRecord, event: OmbudsmanDecided) -> None:
    record.ombudsman_decided = (*record.ombudsman_decided, (event.on, event.former_outcome or event.outcome))
    finding = (event.on, event.outcome, event.public_report, event.remedy_before_ombudsman)
    record.ombudsman_findings = (*record.ombudsman_findings, finding)


def _recommended(record: CaseRecord, event: OmbudsmanRecommendation) -> None:
    made = (event.recommendation_id, event.on, event.comply_by, event.order, event.amount_pence)
    record.recommendations = (*record.recommendations, made)


def _complied(record: CaseRecord, event: RecommendationComplied) -> None:
    done = (event.recommendation_id, event.on, event.amount_pence)
    record.recommendations_complied = (*record.recommendations_complied, done)


def _remedy(record: CaseRecord, event: RemedyAgreed) -> None:
    record.remedies = (*record.remedies, (event.remedy_id, event.on, event.due, event.amount_pence))


def _remedied(record: CaseRecord, event: RemedyCompleted) -> None:
    record.remedies_completed = (*record.remedies_completed, (event.remedy_id, event.on, event.amount_pence))


def _compensation(record: CaseRecord, event: CompensationOffered) -> None:
    record.compensation = (*record.compensation, (event.on, event.amount_pence, event.accepted))


def _mediation(record: CaseRecord, event: MediationHeld) -> None:
    record.mediation = (*record.mediation, (event.on, event.resolved))


def _advocacy(record: CaseRecord, event: EventBase) -> None:
    record.advocacy = (*record.advocacy, event.on)


def _learning_agreed(record: CaseRecord, event: LearningActionAgreed) -> None:
    kept = tuple(entry for entry in record.learning if entry[0] != event.action_id)
    record.learning = (*kept, (event.action_id, event.on, event.due, event.description))


def _voided(record: CaseRecord, event: EventBase) -> None:
    record.voided = (*record.voided, event.on)


def _assigned(record: CaseRecord, event: Assigned) -> None:
    record.teams = (*record.teams, (shared(event.on), shared(event.team)))


def _unassigned(record: CaseRecord, event: EventBase) -> None:
    record.teams = (*record.teams, (shared(event.on), None))


def _learning_completed(record: CaseRecord, event: LearningActionCompleted) -> None:
    record.learning_completed = (*record.learning_completed, (event.action_id, event.on))


#: The stage 3 clocks, by the field of `Stage3Timescales` that says whether each was met.
_STAGE3_CLOCKS = {
    "panel_meeting": "panel_in_time",
    "panel_recommendations": "recommendations_in_time",
    "stage3_response": "response_in_time",
}

#: What each event type tells the report; the other types tell it nothing.
_NOTES: dict[str, Callable[[CaseRecord, Any], None]] = {
    "ComplaintReceived": _received,
    "EscalationRequested": _escalated,
    "Responded": _responded,
    "Withdrawn": _withdrawn,
    "ComplaintDeclined": _declined,
    "ConcernLogged": _concern,
    "ComplimentReceived": _compliment,
    "OmbudsmanReferred": _referred,
    "OmbudsmanDecided": _decided,
    "OmbudsmanRecommendation": _recommended,
    "RecommendationComplied": _complied,
    "RemedyAgreed": _remedy,
    "RemedyCompleted": _remedied,
    "CompensationOffered": _compensation,
    "MediationHeld": _mediation,
    "AdvocacyArranged": _advocacy,
    "LearningActionAgreed": _learning_agreed,
    "LearningActionCompleted": _learning_completed,
    "EventVoided": _voided,
    "Assigned": _assigned,
    "Unassigned": _unassigned,
}


def record_of(case: Case) -> CaseRecord:
    """The record of a case from its events that count (a voided event counts nowhere)."""
    record = CaseRecord()
    for event in case.counted_events:
        record.add(event)
    record.finish(case)
    return record
