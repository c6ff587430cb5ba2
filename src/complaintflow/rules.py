"""The checks an event must pass beyond its state's transitions: the rules a procedure switches
on, extensions and their caps, whether the event fits what the case has recorded, and the dates
mediation may start from. Each refusal says why, citing its source where the law gives one.
"""

from __future__ import annotations

from datetime import date

from complaintflow import deadlines as clocks
from complaintflow._machine import COMMITTING, StateGraph
from complaintflow.calendar import WorkingDayCalendar
from complaintflow.errors import InvalidEvent, TransitionNotAllowed
from complaintflow.events import (
    OMBUDSMAN_FORMER_WORDS,
    OMBUDSMAN_OUTCOMES,
    DeadlineExtended,
    EventBase,
    LearningActionCompleted,
    OmbudsmanDecided,
    OmbudsmanRecommendation,
    PanelHeld,
    RecommendationComplied,
    RemedyAgreed,
    RemedyCompleted,
    Responded,
)
from complaintflow.facts import Facts, refusal, response_clock
from complaintflow.limits import MAX_WORKING_DAYS
from complaintflow.procedure import Procedure, Source

#: Each Ombudsman by its name in a procedure's `ombudsman`, as a citation names it.
OMBUDSMAN_TITLES = {
    "lgsco": "Local Government and Social Care Ombudsman",
    "housing-ombudsman": "Housing Ombudsman",
    "spso": "Scottish Public Services Ombudsman",
}


def check_rules(
    facts: Facts, graph: StateGraph, event: EventBase, calendar: WorkingDayCalendar | None
) -> None:
    """The rules the procedure switches on for this event type, each with its source; `calendar` is
    the host's, if it gave the case one."""
    assert facts.procedure is not None and facts.clocks is not None
    rules = facts.procedure.rules
    panel_rule = rules.get("panel_excludes_stage2_independent_person")
    if type(event) is PanelHeld and panel_rule and facts.independent_person in event.members:
        raise refusal(
            facts,
            graph,
            event,
            f"the stage 2 Independent Person may not sit on the review panel ({panel_rule.source.cite()})",
        )
    different_person = rules.get("stage2_by_different_person")
    if (
        type(event) is Responded
        and different_person
        and event.stage == 2
        and event.by is not None
        and event.by == facts.stage1_by
    ):
        raise refusal(
            facts,
            graph,
            event,
            "the officer in 'by' sent the stage 1 response; stage 2 must be considered by someone else "
            f"({different_person.source.cite()})",
        )
    if type(event) is DeadlineExtended:
        check_extension(facts, graph, event)
    next_day_rule = rules.get("oral_resolved_by_next_working_day")
    if event.type == "ConcernResolved" and next_day_rule is not None:
        check_resolved_next_day(facts, graph, event, next_day_rule.source.cite(), calendar)


def check_extension(facts: Facts, graph: StateGraph, event: DeadlineExtended) -> None:
    """An extension within the cap (or beyond it with its reason, where the Code allows), never
    shortening, and after the due date only where the council chose to allow it."""
    assert facts.procedure is not None and facts.clocks is not None

    def refuse(reason: str) -> TransitionNotAllowed:
        return refusal(facts, graph, event, reason)

    clock = response_clock(facts, event.stage)
    if clock is None:
        raise refuse(f"no stage {event.stage} response deadline is running")
    if not clock.rule.extendable:
        raise refuse(f"{clock.name} cannot be extended ({clock.rule.source.cite()})")
    last = clock.calendar.vouches_for[1]
    if event.until is not None and event.until > last:
        raise InvalidEvent(f"after {last.isoformat()}, the last day the calendar counts", field="until")
    if not clock.in_working_days:
        unit = clock.rule.unit.replace("_", " ")
        if event.until is None:
            raise refuse(f"{clock.name} is counted in {unit}: extend it to a date, with until")
        if clock.due is not None and event.until < clock.due:
            raise refuse(f"an extension cannot bring {clock.name} forward from {clock.due.isoformat()}")
    else:
        if event.until is not None and clock.due is not None and event.until < clock.due:
            raise refuse(f"an extension cannot bring {clock.name} forward from {clock.due.isoformat()}")
        cap = clock.rule.extendable_to
        wanted = clocks.extended_length(clock, total=event.total_working_days, until=event.until)
        if cap is not None and wanted > cap and not clock.rule.beyond_cap_with_reason:
            cited = (clock.rule.extension_source or clock.rule.source).cite()
            raise refuse(f"{wanted} working days would pass the cap of {cap} in all ({cited})")
        if wanted > MAX_WORKING_DAYS:
            raise refuse(f"{wanted} working days is more than any deadline may run ({MAX_WORKING_DAYS})")
        if wanted < clock.length:
            raise refuse(f"an extension cannot shorten {clock.name} below {clock.length} working days")
    late = clock.due is not None and event.on > clock.due
    if late and facts.procedure.policy("extension_after_due") == "refuse":
        due = clock.due.isoformat() if clock.due else ""
        raise refuse(
            f"{clock.name} was due on {due}; policy extension_after_due=refuse "
            "does not allow extending it after that"
        )


#: The event types whose fit `check_fit` checks beyond their stage: any other event that names no
#: stage fits whatever the case recorded, so a replay asks this before calling it.
FIT_CHECKED = frozenset(
    {"LearningActionCompleted", "OmbudsmanDecided", "OmbudsmanRecommendation", *COMMITTING}
)


def check_fit(facts: Facts, graph: StateGraph, event: EventBase, at: int | None) -> None:
    """Refuse an event that its state allows but that does not fit what the case has recorded;
    `at` is the stage the case is at, for an event that names its stage (`Plan.stage`)."""
    if at is not None:
        if getattr(event, "stage", at) != at:
            raise refusal(facts, graph, event, f"the case is at stage {at}")
    elif event.type not in FIT_CHECKED:
        return
    elif type(event) is LearningActionCompleted and event.action_id not in facts.actions:
        raise refusal(facts, graph, event, "no learning action with this action_id was agreed")
    elif type(event) in (OmbudsmanDecided, OmbudsmanRecommendation) and not facts.referred:
        raise refusal(facts, graph, event, "the case was not referred to the Ombudsman (OmbudsmanReferred)")
    elif type(event) is OmbudsmanDecided:
        check_ombudsman_terms(facts, graph, event)
    elif event.type in COMMITTING:  # by name: an isinstance on a union of models costs each event
        check_commitment(facts, graph, event)  # type: ignore[arg-type]


def check_ombudsman_terms(facts: Facts, graph: StateGraph, event: OmbudsmanDecided) -> None:
    """The outcome is one of the deciding Ombudsman's own, and the LGSCO's marks only on its decisions."""
    assert facts.procedure is not None
    ombudsman = facts.procedure.decided_by
    terms = OMBUDSMAN_OUTCOMES[ombudsman]
    if event.outcome not in terms and event.outcome not in OMBUDSMAN_FORMER_WORDS.get(ombudsman, {}):
        raise refusal(
            facts,
            graph,
            event,
            f"the {OMBUDSMAN_TITLES[ombudsman]} decides this procedure's complaints; its outcomes are "
            + ", ".join(terms),
        )
    if ombudsman != "lgsco" and (event.public_report or event.remedy_before_ombudsman):
        raise refusal(
            facts,
            graph,
            event,
            "public_report and remedy_before_ombudsman are the LGSCO's marks of a decision",
        )
    if event.remedy_before_ombudsman and event.outcome != "upheld":
        raise refusal(
            facts, graph, event, "a satisfactory remedy before the Ombudsman marks an upheld decision"
        )


def commitment_name(
    event: RemedyAgreed | OmbudsmanRecommendation | RemedyCompleted | RecommendationComplied,
) -> str:
    """The name of the deadline a remedy or a recommendation sets, e.g. 'remedy:R-1'."""
    if isinstance(event, RemedyAgreed | RemedyCompleted):
        return f"remedy:{event.remedy_id}"
    return f"recommendation:{event.recommendation_id}"


def check_commitment(
    facts: Facts,
    graph: StateGraph,
    event: RemedyAgreed | OmbudsmanRecommendation | RemedyCompleted | RecommendationComplied,
) -> None:
    """A remedy or a recommendation is recorded once under its id, and done only once it was recorded."""
    name = commitment_name(event)
    known = (facts.clocks or {}).get(name)
    what = name.replace(":", " ")
    if isinstance(event, RemedyAgreed | OmbudsmanRecommendation):
        if known is not None:
            raise refusal(facts, graph, event, f"{what} was recorded already; give another id")
    elif known is None:
        raise refusal(facts, graph, event, f"no {what} was recorded")
    elif not known.running:
        raise refusal(facts, graph, event, f"{what} was done on {known.met_on}")


def compliance_source(ombudsman: str, event: OmbudsmanRecommendation) -> Source:
    """Where a compliance date comes from: the deciding Ombudsman's decision itself."""
    what = "order" if event.order else "recommendation"
    return Source(
        instrument=OMBUDSMAN_TITLES[ombudsman],
        provision=f"{what} {event.recommendation_id}, compliance date",
        confidence="P",
        note="The date the Ombudsman set in its decision.",
    )


def remedy_source(procedure: Procedure, remedy_id: str) -> Source:
    """Where a remedy's date comes from: the council's own agreement with the complainant."""
    return Source(
        instrument=procedure.title,
        provision=f"remedy {remedy_id}, the date agreed",
        confidence="P",
        local_choice=True,
    )


def check_resolved_next_day(
    facts: Facts, graph: StateGraph, event: EventBase, cited: str, calendar: WorkingDayCalendar | None
) -> None:
    """An oral complaint resolved to the complainant's satisfaction by the end of the next working
    day is not a complaint under the regulations; any other has to be answered. The next working day
    is counted as the case's deadlines count, with the bank holidays the host and definition added."""
    assert facts.procedure is not None and facts.received_on is not None
    if not facts.oral:
        raise refusal(facts, graph, event, f"only a complaint made orally can be resolved this way ({cited})")
    by = graph.calendar_for(facts.received_on, calendar).next_working_day(facts.received_on)
    if event.on > by:
        raise refusal(
            facts,
            graph,
            event,
            f"resolved after {by.isoformat()}, the next working day after receipt ({cited})",
        )


def check_mediation_start(facts: Facts, started: date) -> None:
    if facts.received_on is not None and started < facts.received_on:
        raise InvalidEvent(
            f"mediation cannot start before the complaint was received on {facts.received_on.isoformat()}",
            field="started",
        )
