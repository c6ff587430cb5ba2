"""The events a host system records, as frozen, versioned, strictly validated models.

Events are past tense: they say what happened. Each carries the common fields of the contract
(`type`, `case_id`, `on`, `event_id`, `by`) and a `schema_version`, so that events stored under an
older schema can be upcast when they are read (see `register_upcaster`).
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping
from datetime import date
from typing import Annotated, Any, Final, Literal, TypeAlias, get_args

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    GetCoreSchemaHandler,
    GetJsonSchemaHandler,
    TypeAdapter,
    ValidationError,
    ValidationInfo,
    field_validator,
    model_validator,
)
from pydantic.json_schema import JsonSchemaValue
from pydantic_core import CoreSchema, SchemaValidator, core_schema

from complaintflow.dates import ISO_DATE_PATTERN, parse_iso_date, require_date
from complaintflow.errors import ComplaintflowError, InvalidEvent
from complaintflow.limits import (
    FIRST_DATE,
    LAST_DATE,
    MAX_EVENT_BYTES,
    MAX_ITEMS,
    MAX_JSON_DEPTH,
    MAX_PENCE,
    MAX_REFERENCE_CHARS,
    MAX_TEXT_CHARS,
    MAX_WORKING_DAYS,
)

SCHEMA_VERSION: Final = 1


def _local_date(value: object) -> date:
    """A UK local date: an ISO date string or a `date`, never a datetime or timestamp."""
    if isinstance(value, str):
        return parse_iso_date(value)
    try:
        return require_date(value)
    except ComplaintflowError as error:
        raise ValueError(str(error)) from None


class _UKDateSchema:
    """A UK local date, checked without a Python call: JSON text natively (the form YYYY-MM-DD, then
    the date), so a number of seconds such as "1712016000" is never read as a date; a Python value
    must be a `date` (never a datetime) or an ISO string of that form. `_date_refusal` words the
    refusal, which is rare, with the advice `_local_date` gives."""

    @classmethod
    def __get_pydantic_core_schema__(cls, source: Any, handler: GetCoreSchemaHandler) -> CoreSchema:
        iso_text = core_schema.chain_schema(
            [
                core_schema.str_schema(pattern=ISO_DATE_PATTERN),
                core_schema.date_schema(strict=False, ge=FIRST_DATE, le=LAST_DATE),
            ]
        )
        return core_schema.json_or_python_schema(
            json_schema=iso_text,
            python_schema=core_schema.union_schema(
                [core_schema.date_schema(strict=True, ge=FIRST_DATE, le=LAST_DATE), iso_text],
                custom_error_type=_NOT_A_UK_DATE,
                custom_error_message="not a UK local date",
            ),
        )

    @classmethod
    def __get_pydantic_json_schema__(
        cls, schema: CoreSchema, handler: GetJsonSchemaHandler
    ) -> JsonSchemaValue:
        return {"type": "string", "format": "date", "pattern": _DATE_IN_RANGE}


_NOT_A_UK_DATE = "not_a_uk_date"
#: A date of the years 1900-2199 as a JSON Schema pattern, for forms: the range events take (to the
#: end of 2199; `limits.LAST_DATE` is a year later), months and days in their ranges.
_DATE_IN_RANGE = r"^(19|20|21)[0-9]{2}-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])$"
#: Words a refused date as the one-step check did: a datetime gets advice, a date out of range
#: names the range.
_DATE_WORDING = SchemaValidator(
    core_schema.no_info_before_validator_function(
        _local_date, core_schema.date_schema(ge=FIRST_DATE, le=LAST_DATE)
    )
)


def _date_refusal(value: object) -> str:
    try:
        _DATE_WORDING.validate_python(value)
    except ValidationError as error:
        return str(error.errors()[0]["msg"]).removeprefix("Value error, ")
    return "not a UK local date"


def _as_tuple(value: object) -> object:
    """Lists become tuples, so that an event, once made, cannot be changed through its fields."""
    return tuple(value) if isinstance(value, list) else value


UKDate = Annotated[date, _UKDateSchema]
#: A reference to a case, an officer, an action: printable, on one line, never a name.
Reference = Annotated[
    str, Field(min_length=1, max_length=MAX_REFERENCE_CHARS, pattern=r"^[^\x00-\x1f\x7f]+$")
]
#: Free text such as a reason: something other than spaces, and not a book. Tabs and line breaks
#: are text; other control characters (NUL, ESC, ...) are not, in any store: PostgreSQL cannot keep
#: a NUL, and the others can rewrite a terminal or a log line.
TEXT_PATTERN = r"^[^\x00-\x08\x0b\x0c\x0e-\x1f]*[^\x00-\x1f\s][^\x00-\x08\x0b\x0c\x0e-\x1f]*$"
Text = Annotated[str, Field(min_length=1, max_length=MAX_TEXT_CHARS, pattern=TEXT_PATTERN)]
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")
Outcome = Literal["upheld", "partially_upheld", "not_upheld"]
Stage = Annotated[int, Field(ge=1, le=3)]


def _not_after_the_event(day: date | None, info: ValidationInfo, refusal: str) -> date | None:
    """A date an event records about the past, which cannot be later than the event's own day."""
    on = info.data.get("on")
    if day is not None and on is not None and day > on:
        raise ValueError(refusal)
    return day


def _not_before_the_event(day: date, info: ValidationInfo, refusal: str) -> date:
    """A date an event sets for the future, which cannot be earlier than the event's own day."""
    on = info.data.get("on")
    if on is not None and day < on:
        raise ValueError(refusal)
    return day


def _arrays_count_items(schema: dict[str, Any]) -> None:
    """A list's limits are its number of items: pydantic words a length limit on a list read as a
    tuple as a string's (maxLength), which a form or a JSON Schema validator would not apply."""
    for field in schema.get("properties", {}).values():
        for option in [field, *field.get("anyOf", [])]:
            if option.get("type") == "array":
                for text, items in (("maxLength", "maxItems"), ("minLength", "minItems")):
                    if text in option:
                        option[items] = option.pop(text)


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, strict=True, json_schema_extra=_arrays_count_items)


class EventBase(_Model):
    """The fields every event has."""

    case_id: Reference
    on: UKDate = Field(description="The UK local date on which the thing happened.")
    event_id: Reference | None = None
    by: Reference | None = Field(default=None, description="A reference to the acting officer.")
    recorded_on: UKDate | None = Field(
        default=None, description="The UK local date the host entered it; later than `on` for a late entry."
    )
    schema_version: Annotated[int, Field(ge=1, le=SCHEMA_VERSION)] = SCHEMA_VERSION
    type: str  # each event narrows this to its own Literal name


class ServiceUser(_Model):
    """Equalities data about the child or young person, for the annual report only."""

    gender: Text | None = None
    ethnicity: Text | None = None
    disability: bool | None = None


ComplainantRole = Literal[
    "service_user", "parent_or_relative", "advocate", "solicitor", "councillor", "other"
]


#: The services a complaint is about, where it is about more than one (children's social care and
#: education, say): a report counts the case under each.
ServiceAreas = Annotated[
    tuple[Text, ...],
    BeforeValidator(_as_tuple),
    Field(
        max_length=MAX_ITEMS,
        description="Every service the complaint is about, where there are several; reports count the "
        "case under each, and their totals count it once. `service_area`, if given, is the first.",
    ),
]


def every_service(service_area: str | None, service_areas: tuple[str, ...]) -> tuple[str, ...]:
    """The services an event names: `service_area` first, then `service_areas`, each once."""
    return tuple(dict.fromkeys((*((service_area,) if service_area else ()), *service_areas)))


class ConcernLogged(EventBase):
    """A potential complaint, logged before stage 1."""

    type: Literal["ConcernLogged"] = "ConcernLogged"
    service_area: Text | None = None
    service_areas: ServiceAreas = ()
    procedure: Reference | None = Field(
        default=None,
        description="The procedure it would come under, so it counts in that procedure's report.",
    )


class ConcernResolved(EventBase):
    """The concern was resolved informally and never became a complaint."""

    type: Literal["ConcernResolved"] = "ConcernResolved"


class ComplaintReceived(EventBase):
    """A complaint was received: this opens the case under a procedure."""

    type: Literal["ComplaintReceived"] = "ComplaintReceived"
    procedure: Reference
    stage: Stage = 1
    skip_reason: Text | None = Field(default=None, validate_default=True)
    grounds_arose: UKDate | None = None
    service_area: Text | None = None
    service_areas: ServiceAreas = ()
    categories: Annotated[tuple[Text, ...], BeforeValidator(_as_tuple), Field(max_length=MAX_ITEMS)] = ()
    complainant_role: ComplainantRole | None = None
    service_user: ServiceUser | None = None
    joint_nhs: bool = False
    oral: bool = Field(
        default=False, description="Made orally (SI 2009/309 reg 8(1)(c), reg 16 of SI 2006/1738)."
    )

    @field_validator("skip_reason", mode="after")
    @classmethod
    def _skipping_needs_a_reason(cls, reason: str | None, info: ValidationInfo) -> str | None:
        if info.data.get("stage", 1) > 1 and reason is None:
            raise ValueError("required when a complaint starts after stage 1")
        return reason

    @field_validator("grounds_arose", mode="after")
    @classmethod
    def _grounds_before_receipt(cls, arose: date | None, info: ValidationInfo) -> date | None:
        return _not_after_the_event(arose, info, "the grounds cannot arise after the complaint was received")


class ComplaintDeclined(EventBase):
    """The authority declined to consider the complaint; the case ends."""

    type: Literal["ComplaintDeclined"] = "ComplaintDeclined"
    reason: Literal["out_of_time", "no_sufficient_interest", "excluded_matter", "other"]


class Acknowledged(EventBase):
    """The complaint was acknowledged at a stage."""

    type: Literal["Acknowledged"] = "Acknowledged"
    stage: Stage


class DeadlineExtended(EventBase):
    """A stage's response deadline was extended, to a new total or to a date."""

    type: Literal["DeadlineExtended"] = "DeadlineExtended"
    stage: Stage
    until: UKDate | None = None
    total_working_days: int | None = Field(default=None, gt=0, le=MAX_WORKING_DAYS, validate_default=True)
    reason: Text

    @field_validator("total_working_days", mode="after")
    @classmethod
    def _exactly_one_target(cls, total: int | None, info: ValidationInfo) -> int | None:
        if "until" in info.data and (info.data["until"] is None) == (total is None):
            raise ValueError("give exactly one of total_working_days or until")
        return total


class EscalationRequested(EventBase):
    """The complainant asked for the next stage."""

    type: Literal["EscalationRequested"] = "EscalationRequested"
    to_stage: Annotated[int, Field(ge=2, le=3)]
    late_reason: Text | None = None
    complainant_role: ComplainantRole | None = Field(
        default=None, description="Who asked, where not the person who complained at stage 1."
    )


class StatementAgreed(EventBase):
    """The stage 2 statement of complaint was agreed with the complainant."""

    type: Literal["StatementAgreed"] = "StatementAgreed"


class InvestigatorsAppointed(EventBase):
    """The stage 2 Investigating Officer and Independent Person were appointed."""

    type: Literal["InvestigatorsAppointed"] = "InvestigatorsAppointed"
    investigating_officer: Reference
    independent_person: Reference


class Point(_Model):
    """The finding on one point of complaint."""

    id: Reference
    finding: Outcome


class Responded(EventBase):
    """A stage response was sent: stage 1 response, stage 2 adjudication, stage 3 final response."""

    type: Literal["Responded"] = "Responded"
    stage: Stage
    points: Annotated[tuple[Point, ...], BeforeValidator(_as_tuple), Field(max_length=MAX_ITEMS)] = ()
    outcome: Outcome | None = Field(default=None, validate_default=True)

    @field_validator("points", mode="after")
    @classmethod
    def _distinct_points(cls, points: tuple[Point, ...]) -> tuple[Point, ...]:
        if len({point.id for point in points}) != len(points):
            raise ValueError("each point needs a different id")
        return points

    @field_validator("outcome", mode="after")
    @classmethod
    def _outcome_or_points(cls, outcome: Outcome | None, info: ValidationInfo) -> Outcome | None:
        if outcome is None and not info.data.get("points") and "points" in info.data:
            raise ValueError("give an outcome, or points from which it follows")
        return outcome

    @property
    def overall_outcome(self) -> Outcome:
        """The stated outcome, or the one that follows from the points' findings."""
        if self.outcome is not None:
            return self.outcome
        findings = {point.finding for point in self.points}
        if findings == {"upheld"}:
            return "upheld"
        if findings == {"not_upheld"}:
            return "not_upheld"
        return "partially_upheld"


class PanelHeld(EventBase):
    """The stage 3 review panel met: three independent persons, one of them the chair."""

    type: Literal["PanelHeld"] = "PanelHeld"
    members: Annotated[tuple[Reference, ...], BeforeValidator(_as_tuple), Field(min_length=3, max_length=3)]
    chair: Reference

    @field_validator("members", mode="after")
    @classmethod
    def _three_different_people(cls, members: tuple[str, ...]) -> tuple[str, ...]:
        if len(set(members)) != 3:
            raise ValueError("must be three different people")
        return members

    @field_validator("chair", mode="after")
    @classmethod
    def _chair_is_a_member(cls, chair: str, info: ValidationInfo) -> str:
        if "members" in info.data and chair not in info.data["members"]:
            raise ValueError("must be one of the three members")
        return chair


class RecommendationsIssued(EventBase):
    """The review panel sent its recommendations."""

    type: Literal["RecommendationsIssued"] = "RecommendationsIssued"


class Deferred(EventBase):
    """Consideration was deferred (e.g. pending proceedings); the clocks stop."""

    type: Literal["Deferred"] = "Deferred"
    reason: Text
    points: Annotated[tuple[Reference, ...], BeforeValidator(_as_tuple), Field(max_length=MAX_ITEMS)] = Field(
        default=(),
        description="The points of complaint deferred, where only part is (reg 8): the rest goes on and "
        "the clocks keep running. None given: the whole complaint, and every clock stops.",
    )


class Resumed(EventBase):
    """Consideration resumed; the clocks restart with the days they had left."""

    type: Literal["Resumed"] = "Resumed"


class MediationHeld(EventBase):
    """Mediation or another form of dispute resolution took place."""

    type: Literal["MediationHeld"] = "MediationHeld"
    resolved: bool
    started: UKDate | None = Field(
        default=None,
        description="When mediation began; used only where mediation pauses clocks.",
    )

    @field_validator("started", mode="after")
    @classmethod
    def _started_by_then(cls, started: date | None, info: ValidationInfo) -> date | None:
        return _not_after_the_event(started, info, "mediation cannot start after the day it was held")


class AdvocacyArranged(EventBase):
    """Advocacy was arranged for the child or young person."""

    type: Literal["AdvocacyArranged"] = "AdvocacyArranged"
    provider: Text | None = None


class Withdrawn(EventBase):
    """The complainant withdrew the complaint; the case ends."""

    type: Literal["Withdrawn"] = "Withdrawn"
    reason: Text | None = None


class OmbudsmanReferred(EventBase):
    """The complainant took the complaint to the Ombudsman."""

    type: Literal["OmbudsmanReferred"] = "OmbudsmanReferred"


#: The Local Government and Social Care Ombudsman's decisions, in the words of its annual review
#: letters and published decisions: upheld (fault causing injustice, or fault alone), not upheld,
#: closed after initial enquiries, closed as outside its jurisdiction, referred back for local
#: resolution (premature), advice given, incomplete or invalid [S]. See docs/events.md.
LgscoOutcome = Literal[
    "upheld",
    "not_upheld",
    "closed_after_initial_enquiries",
    "outside_jurisdiction",
    "referred_back_for_local_resolution",
    "advice_given",
    "incomplete_or_invalid",
]
#: The Housing Ombudsman's determinations ("What findings can the Housing Ombudsman make?", and the
#: Housing Ombudsman Scheme): severe maladministration, maladministration, service failure, no
#: maladministration, mediation, redress (reasonable redress), outside jurisdiction, withdrawn [S].
HousingOmbudsmanOutcome = Literal[
    "severe_maladministration",
    "maladministration",
    "service_failure",
    "no_maladministration",
    "mediation",
    "reasonable_redress",
    "outside_jurisdiction",
    "withdrawn",
]
#: The Scottish Public Services Ombudsman's decisions as it publishes them: upheld (fully), some
#: upheld, not upheld, each with or without recommendations [S]; and, before investigation,
#: resolved, premature, out of jurisdiction, not duly made or withdrawn [U].
SpsoOutcome = Literal[
    "upheld",
    "some_upheld",
    "not_upheld",
    "resolved",
    "premature",
    "out_of_jurisdiction",
    "not_duly_made_or_withdrawn",
]
#: Which Ombudsman decides, by the name a procedure gives in `decided_by`, and its own outcomes.
OMBUDSMAN_OUTCOMES: Mapping[str, tuple[str, ...]] = {
    "lgsco": get_args(LgscoOutcome),
    "housing-ombudsman": get_args(HousingOmbudsmanOutcome),
    "spso": get_args(SpsoOutcome),
}
#: Words of earlier releases that stay valid for one Ombudsman as one of its own outcomes: the LGSCO's
#: "premature" of before 2013 is what it now calls referred back for local resolution. (The same word
#: is one of the SPSO's own, so it is read by the Ombudsman that decides, not when parsed.)
OMBUDSMAN_FORMER_WORDS: Mapping[str, Mapping[str, str]] = {
    "lgsco": {"premature": "referred_back_for_local_resolution"},
}
OmbudsmanOutcome = Literal[LgscoOutcome, HousingOmbudsmanOutcome, SpsoOutcome]
#: The words of earlier releases: the Local Government Ombudsman's decision categories before 1 April
#: 2013, as the seed report uses them. An event with one is read (upcast) as the LGSCO's outcome
#: today, keeping the old word in `former_outcome`; "outside_jurisdiction" and "premature" are
#: still words of today and read as they are.
LegacyOmbudsmanOutcome = Literal[
    "public_report",
    "local_settlement",
    "no_or_insufficient_injustice",
    "outside_jurisdiction",
    "closed_at_discretion",
    "premature",
]
_UPCAST_OUTCOMES: Mapping[str, str] = {
    "public_report": "upheld",
    "local_settlement": "upheld",
    "no_or_insufficient_injustice": "closed_after_initial_enquiries",
    "closed_at_discretion": "closed_after_initial_enquiries",
}


def ombudsman_terms(ombudsman: str, outcome: str) -> str:
    """An outcome in the deciding Ombudsman's terms today (a former word read as its own)."""
    return OMBUDSMAN_FORMER_WORDS.get(ombudsman, {}).get(outcome, outcome)


class OmbudsmanDecided(EventBase):
    """The Ombudsman decided, in its own terms (the procedure says which Ombudsman decides)."""

    type: Literal["OmbudsmanDecided"] = "OmbudsmanDecided"
    outcome: OmbudsmanOutcome
    remedy_before_ombudsman: bool = Field(
        default=False,
        description="LGSCO: upheld, but the council had already offered a satisfactory remedy before the "
        "complaint reached the Ombudsman (the annual review letter counts these).",
    )
    public_report: bool = Field(
        default=False, description="LGSCO: the decision was issued as a public report."
    )
    former_outcome: LegacyOmbudsmanOutcome | None = Field(
        default=None, description="Set when an event of an earlier release is read: the word it used."
    )

    @model_validator(mode="before")
    @classmethod
    def _upcast_former_words(cls, data: Any) -> Any:
        """Read an outcome in the words of earlier releases as the LGSCO's outcome today."""
        former = data.get("outcome") if isinstance(data, dict) else None
        if isinstance(former, str) and former in _UPCAST_OUTCOMES and "former_outcome" not in data:
            data = {**data, "outcome": _UPCAST_OUTCOMES[former], "former_outcome": former}
            if former == "public_report":
                data["public_report"] = True
        return data


#: What a remedy or an Ombudsman's recommendation asks for.
RemedyKind = Literal["apology", "payment", "service_change", "review", "other"]


class _Commitment(EventBase):
    """Something the council undertakes to do by a date: who does it, what, and for how much."""

    kind: RemedyKind
    description: Text | None = None
    owner: Reference | None = Field(
        default=None, description="A reference to who is to do it (never a name)."
    )
    amount_pence: int | None = Field(
        default=None, ge=0, le=MAX_PENCE, validate_default=True, description="For a payment: how much."
    )

    @field_validator("amount_pence", mode="after")
    @classmethod
    def _payment_has_an_amount(cls, amount: int | None, info: ValidationInfo) -> int | None:
        if info.data.get("kind") == "payment" and amount is None:
            raise ValueError("required for a payment")
        return amount


class OmbudsmanRecommendation(_Commitment):
    """The Ombudsman recommended (or, the Housing Ombudsman, ordered) the council to do something by a
    compliance date: a deadline of the case until `RecommendationComplied`."""

    type: Literal["OmbudsmanRecommendation"] = "OmbudsmanRecommendation"
    recommendation_id: Reference
    order: bool = Field(default=False, description="Housing Ombudsman: an order, not a recommendation.")
    comply_by: UKDate = Field(description="The compliance date the Ombudsman set.")

    @field_validator("comply_by", mode="after")
    @classmethod
    def _not_before_the_decision(cls, comply_by: date, info: ValidationInfo) -> date:
        return _not_before_the_event(
            comply_by, info, "the compliance date cannot be before the recommendation"
        )


class _Done(EventBase):
    """The council did what it undertook; for a payment, what it paid (if not given, what it undertook)."""

    amount_pence: int | None = Field(default=None, ge=0, le=MAX_PENCE, description="For a payment: paid.")


class RecommendationComplied(_Done):
    """The council did what the Ombudsman recommended or ordered."""

    type: Literal["RecommendationComplied"] = "RecommendationComplied"
    recommendation_id: Reference


class RemedyAgreed(_Commitment):
    """The council agreed to put something right by a date (an apology, a payment, a change to a
    service, a review): a deadline of the case until `RemedyCompleted`."""

    type: Literal["RemedyAgreed"] = "RemedyAgreed"
    remedy_id: Reference
    due: UKDate = Field(description="The date by which it is to be done.")

    @field_validator("due", mode="after")
    @classmethod
    def _not_before_agreeing(cls, due: date, info: ValidationInfo) -> date:
        return _not_before_the_event(due, info, "a remedy cannot be due before it was agreed")


class RemedyCompleted(_Done):
    """The council did what it agreed."""

    type: Literal["RemedyCompleted"] = "RemedyCompleted"
    remedy_id: Reference


class LearningActionAgreed(EventBase):
    """A learning action was agreed."""

    type: Literal["LearningActionAgreed"] = "LearningActionAgreed"
    action_id: Reference
    description: Text
    owner: Reference | None = None
    due: UKDate | None = None


class LearningActionCompleted(EventBase):
    """A learning action was completed."""

    type: Literal["LearningActionCompleted"] = "LearningActionCompleted"
    action_id: Reference


class CompensationOffered(EventBase):
    """Compensation was offered."""

    type: Literal["CompensationOffered"] = "CompensationOffered"
    amount_pence: int = Field(ge=0, le=MAX_PENCE)
    accepted: bool | None = None


class Assigned(EventBase):
    """The case was given to an officer, a team, or both: references, never names. Each
    assignment replaces the one before; a field left out is no longer set."""

    type: Literal["Assigned"] = "Assigned"
    team: Reference | None = Field(default=None, description="A reference to the team that owns the case.")
    officer: Reference | None = Field(
        default=None, validate_default=True, description="A reference to the officer who owns the case."
    )

    @field_validator("officer")
    @classmethod
    def _someone(cls, officer: str | None, info: ValidationInfo) -> str | None:
        if officer is None and info.data.get("team") is None:
            raise ValueError("an assignment names an officer, a team or both")
        return officer


class Unassigned(EventBase):
    """Nobody owns the case any more."""

    type: Literal["Unassigned"] = "Unassigned"


class LegalHoldPlaced(EventBase):
    """The case's record is needed for a claim, an inquiry or an investigation: it is never purged
    while the hold stands, whatever its retention rule says."""

    type: Literal["LegalHoldPlaced"] = "LegalHoldPlaced"
    reason: Text = Field(description="Why the record is held, such as 'judicial review claim'.")


class LegalHoldLifted(EventBase):
    """The hold is over: the case's retention rule applies again."""

    type: Literal["LegalHoldLifted"] = "LegalHoldLifted"
    reason: Text | None = None


class ComplimentReceived(EventBase):
    """A compliment: a record of its own, counted in the annual report."""

    type: Literal["ComplimentReceived"] = "ComplimentReceived"
    service_area: Text | None = None
    procedure: Reference | None = Field(
        default=None, description="The procedure whose report counts it (the service's complaints procedure)."
    )


class EventVoided(EventBase):
    """An earlier event of the case was entered in error (the wrong date, the wrong case): the case
    replays as if it had never happened. The voided event stays in the record, named by this one."""

    type: Literal["EventVoided"] = "EventVoided"
    voids: Reference = Field(description="The event_id of the earlier event of this case that is voided.")
    reason: Text = Field(description="Why it is voided, such as 'entered on the wrong case'.")


class Redacted(EventBase):
    """Personal fields of the case's stored events were rewritten on request: which fields, why and
    who (`by`), never the old values. Dated on the case's last event, so that the case replays as
    before; `recorded_on` is the day of the redaction. The store records it; a host never sends it."""

    type: Literal["Redacted"] = "Redacted"
    fields: Annotated[tuple[Reference, ...], BeforeValidator(_as_tuple), Field(min_length=1, max_length=20)]
    reason: Text = Field(description="Why, such as 'the complainant asked for the officer's notes to go'.")


Event: TypeAlias = Annotated[
    ConcernLogged
    | ConcernResolved
    | ComplaintReceived
    | ComplaintDeclined
    | Acknowledged
    | DeadlineExtended
    | EscalationRequested
    | StatementAgreed
    | InvestigatorsAppointed
    | Responded
    | PanelHeld
    | RecommendationsIssued
    | Deferred
    | Resumed
    | MediationHeld
    | AdvocacyArranged
    | Withdrawn
    | OmbudsmanReferred
    | OmbudsmanDecided
    | OmbudsmanRecommendation
    | RecommendationComplied
    | RemedyAgreed
    | RemedyCompleted
    | LearningActionAgreed
    | LearningActionCompleted
    | CompensationOffered
    | Assigned
    | Unassigned
    | LegalHoldPlaced
    | LegalHoldLifted
    | ComplimentReceived
    | EventVoided
    | Redacted,
    Field(discriminator="type"),
]


def _event_classes(base: type[EventBase]) -> list[type[EventBase]]:
    """Every event class below `base`; a class whose name starts with _ only shares fields."""
    found = []
    for cls in base.__subclasses__():
        found += _event_classes(cls) if cls.__name__.startswith("_") else [cls]
    return found


EVENT_CLASSES: dict[str, type[EventBase]] = {
    cls.model_fields["type"].default: cls for cls in _event_classes(EventBase)
}
EVENT_TYPES = tuple(EVENT_CLASSES)
_EVENT_CLASS_SET = frozenset(EVENT_CLASSES.values())


def _mentions_date(annotation: object) -> bool:
    return annotation is date or any(_mentions_date(arg) for arg in get_args(annotation))


def _mentions_model(annotation: object) -> bool:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return True
    return any(_mentions_model(arg) for arg in get_args(annotation))


#: The fields of each event type that hold models of their own (equalities data, points).
_MODELS: list[type[BaseModel]] = [*EVENT_CLASSES.values(), ServiceUser, Point]
_NESTED: Mapping[type[BaseModel], tuple[str, ...]] = {
    cls: tuple(field for field, info in cls.model_fields.items() if _mentions_model(info.annotation))
    for cls in _MODELS
}

#: The fields of each event type that hold a date, which a deadline may count from.
DATE_FIELDS: Mapping[str, frozenset[str]] = {
    name: frozenset(field for field, info in cls.model_fields.items() if _mentions_date(info.annotation))
    for name, cls in EVENT_CLASSES.items()
}
_ADAPTER: TypeAdapter[Event] = TypeAdapter(Event)
#: The compiled validator itself: a third quicker per line than `TypeAdapter.validate_json`, whose
#: Python wrapper costs about 0.35 µs a call, a quarter of validating a short event.
_VALIDATE_JSON = _ADAPTER.validator.validate_json
_VALIDATE_PYTHON = _ADAPTER.validator.validate_python

# -- upcasting -----------------------------------------------------------------------------------

Upcaster = Callable[[dict[str, Any]], dict[str, Any]]
_UPCASTERS: dict[tuple[str, int], Upcaster] = {}


def unregister_upcaster(event_type: str, from_version: int) -> None:
    """Forget an upcaster (events stored at that version can no longer be read)."""
    _UPCASTERS.pop((event_type, from_version), None)


def upcasters_registered() -> bool:
    """Whether a host has taught `parse_event` to read older events (a worker process, which starts
    afresh, would not know how)."""
    return bool(_UPCASTERS)


def register_upcaster(event_type: str, from_version: int, upcast: Upcaster) -> None:
    """Teach `parse_event` to read `event_type` stored at `from_version`.

    `upcast` takes the stored object and returns it at `from_version + 1`; upcasters chain until
    the object reaches the current schema version.
    """
    _UPCASTERS[(event_type, from_version)] = upcast


def _upcast(obj: dict[str, Any]) -> dict[str, Any]:
    version = obj.get("schema_version", SCHEMA_VERSION)
    while type(version) is int and version < SCHEMA_VERSION:
        kind = obj.get("type")
        upcast = _UPCASTERS.get((kind, version)) if isinstance(kind, str) else None
        if upcast is None:
            raise InvalidEvent(
                f"no upcaster from schema version {version} for this type", field="schema_version"
            )
        obj = {**upcast(dict(obj)), "schema_version": version + 1}
        version = version + 1
    return obj


# -- parsing -------------------------------------------------------------------------------------


def _invalid(error: ValidationError, obj: object) -> InvalidEvent:
    """The first problem, naming the field, in words a host developer can act on."""
    first = error.errors()[0]
    location = [str(part) for part in first["loc"]]
    if location and location[0] in EVENT_CLASSES:
        location = location[1:]
    field = ".".join(location) or None
    kind = first["type"]
    if kind == "union_tag_invalid" or (kind == "union_tag_not_found" and field is None):
        if not isinstance(obj, Mapping) or obj.get("type") is None:
            return InvalidEvent("missing: every event needs a type", field="type")
        return InvalidEvent("not one of the event types of docs/events.md", field="type")
    if kind == "extra_forbidden":
        return InvalidEvent("unknown field", field=field)
    if kind == "missing":
        return InvalidEvent("missing", field=field)
    if kind == "string_pattern_mismatch":
        if first.get("ctx", {}).get("pattern") != TEXT_PATTERN:
            return InvalidEvent("must be printable, on one line", field=field)
        if _CONTROL.search(str(first.get("input", ""))):
            return InvalidEvent("must hold no control character but tabs and line breaks", field=field)
        return InvalidEvent("must not be blank", field=field)
    if kind == _NOT_A_UK_DATE:
        return InvalidEvent(_date_refusal(first["input"]), field=field)
    message = first["msg"].removeprefix("Value error, ")
    return InvalidEvent(message, field=field)


_STRING = re.compile(rb'"[^"\\]*(?:\\.[^"\\]*)*"')


def _too_deep(text: bytes) -> bool:
    """Whether JSON text nests objects and arrays deeper than MAX_JSON_DEPTH (strings ignored)."""
    depth = 0
    for bracket in re.findall(rb"[\[\]{}]", _STRING.sub(b"", text)):
        depth += 1 if bracket in b"[{" else -1
        if depth > MAX_JSON_DEPTH:
            return True
    return False


def _refuse_duplicate_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    found: dict[str, Any] = {}
    for key, value in pairs:
        if key in found:
            raise InvalidEvent("given twice in one object", field=key)
        found[key] = value
    return found


def _keys_given(event: BaseModel) -> int:
    """How many keys the JSON text gave for this model and the models inside it."""
    count = len(event.__pydantic_fields_set__)
    for name in _NESTED.get(type(event), ()):
        value = getattr(event, name)
        if isinstance(value, BaseModel):
            count += _keys_given(value)
        elif isinstance(value, tuple):
            count += sum(_keys_given(item) for item in value)
    return count


#: Every whole number an event holds is bounded far below this, so a longer number of digits is
#: read as it: the field then refuses it by name, and Python never converts a 5,000-digit string.
_LONGEST_NUMBER = 10**40


def _whole_number(digits: str) -> int:
    return int(digits) if len(digits) <= 40 else _LONGEST_NUMBER


def _read_json(text: bytes) -> object:
    """JSON text as Python values, refusing what the compiled validator lets through or chokes on:
    nesting past the limit, and a key given twice (where the last would silently win)."""
    if _too_deep(text):
        raise InvalidEvent(f"nested deeper than {MAX_JSON_DEPTH} levels")
    try:
        return json.loads(text, object_pairs_hook=_refuse_duplicate_keys, parse_int=_whole_number)
    except ValueError as decode:
        if isinstance(decode, InvalidEvent):
            raise
        raise InvalidEvent("not valid JSON") from None


def _parse_json(text: str | bytes) -> EventBase:
    raw = text.encode() if isinstance(text, str) else text
    if len(raw) > MAX_EVENT_BYTES:
        raise InvalidEvent(f"an event may take at most {MAX_EVENT_BYTES:,} bytes of JSON")
    try:
        event: EventBase = _VALIDATE_JSON(raw)
    except ValidationError as error:
        obj = _read_json(raw)
        if not isinstance(obj, dict):
            raise _invalid(error, obj) from None
        if obj.get("schema_version", SCHEMA_VERSION) == SCHEMA_VERSION:
            _parse_mapping(obj)  # raises with the same words as for a dict
            raise _invalid(error, obj) from None
        return _parse_mapping(obj)
    # Every key ends in a colon and a colon elsewhere is inside a string, so with no more colons
    # than keys that the event took, no key was given twice. Otherwise look closely.
    colons = raw.count(b":")
    if colons > len(event.__pydantic_fields_set__) and colons > _keys_given(event):
        _read_json(raw)
    return event


def _parse_mapping(obj: Mapping[str, Any]) -> EventBase:
    # A plain dict is read as it is (validating never changes it); any other mapping is copied.
    data = obj if type(obj) is dict else dict(obj)
    if data.get("schema_version", SCHEMA_VERSION) != SCHEMA_VERSION:
        data = _upcast(dict(data))
    try:
        event: EventBase = _VALIDATE_PYTHON(data)
        return event
    except ValidationError as error:
        raise _invalid(error, data) from None


def parse_events(text: str | bytes, most: int) -> list[EventBase]:
    """One event, or a JSON array of at most `most` events, read as strictly as `parse_event` reads one."""
    raw = text.encode() if isinstance(text, str) else text
    if not raw.lstrip().startswith(b"["):
        return [parse_event(raw)]
    if len(raw) > MAX_EVENT_BYTES * most:
        raise InvalidEvent(f"at most {most} events of {MAX_EVENT_BYTES:,} bytes each")
    items = _read_json(raw)
    assert isinstance(items, list)
    if len(items) > most:
        raise InvalidEvent(f"at most {most} events in one request")
    return [parse_event(item) for item in items]


def parse_event(obj: object) -> EventBase:
    """A typed event from a dict, a JSON text or an event model; `InvalidEvent` names the field."""
    given = type(obj)
    if given is dict:  # the common cases first, by type alone
        return _parse_mapping(obj)  # type: ignore[arg-type]
    if given is bytes or given is str:
        return _parse_json(obj)  # type: ignore[arg-type]
    if given in _EVENT_CLASS_SET:
        return obj  # type: ignore[return-value]  # made and checked by its model already
    if isinstance(obj, EventBase):  # a host's subclass: read as the event its type names
        return _parse_mapping(obj.model_dump())
    if isinstance(obj, str | bytes):
        return _parse_json(obj)
    if not isinstance(obj, Mapping):
        raise InvalidEvent(f"an event must be a JSON object or a dict, not {type(obj).__name__}")
    return _parse_mapping(obj)


#: Event types whose reading may rewrite what was given before its fields are checked (an Ombudsman's
#: outcome in a former word is read as today's, and the former word kept beside it).
_REWRITTEN_ON_READING = frozenset(
    cls
    for cls in EVENT_CLASSES.values()
    if any(v.info.mode != "after" for v in cls.__pydantic_decorators__.model_validators.values())
    or any(v.info.mode != "after" for v in cls.__pydantic_decorators__.field_validators.values())
)


def fields_as_given(event: EventBase) -> dict[str, Any] | None:
    """The JSON object that `parse_event` read this event from, rebuilt from its fields, so that a
    line need not be decoded a second time: the fields it gave, each value as it gave it (strict
    validation converts none; a date is read from ISO text only, a list as a tuple). None where the
    reading may have rewritten the object (an upcaster ran, or the type reads former words as
    today's): then decode the text itself."""
    if type(event) in _REWRITTEN_ON_READING or upcasters_registered():
        return None
    return event.model_dump(mode="json", exclude_unset=True)


#: An event kept compactly: its class and its field values in order. A case holds thousands of
#: events; a tuple of values takes about a quarter of the memory of a validated model.
PackedEvent: TypeAlias = tuple[Any, ...]


def pack(event: EventBase) -> PackedEvent:
    """The event as its class and field values."""
    return (type(event), *event.__dict__.values())


def unpack(packed: PackedEvent) -> EventBase:
    """The event model again, without validating it a second time."""
    cls: type[EventBase] = packed[0]
    return cls.model_construct(**dict(zip(cls.model_fields, packed[1:], strict=True)))


def event_to_json(event: EventBase) -> str:
    """One line of JSON for an event, with unset optional fields left out."""
    return event.model_dump_json(exclude_none=True)
