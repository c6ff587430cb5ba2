"""Build the seed-year event log: the 2011-12 and 2012-13 cases of the seed annual report, one by one.

    python examples/seed-year/build.py        # rewrites src/complaintflow/data/seed-year.jsonl

Every figure below is copied from a table of the seed report (the section is given beside it) or is
a choice where the seed is silent or contradicts itself; README.md beside this file lists each
choice. The cases are laid out deterministically: no randomness, so the log is reproducible.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from complaintflow import WorkingDayCalendar

OUT = Path(__file__).resolve().parents[2] / "src" / "complaintflow" / "data" / "seed-year.jsonl"
CAL = WorkingDayCalendar.england_and_wales()

QACS = "Quality Assurance, Commissioning & Schools"
TS = "Targeted Services"
SN = "Special Needs"
EI = "Early Intervention Service"
OTHER = "Other"

KEYWORKER = "Allocation of Keyworker"
BREACH = "Breach of Confidentiality"
CHANGE = "Chg To Service - Withdrawal / Reduction"
COMMS = "Comms - Failure to Keep Informed/Consult"
DELAY = "Delay / Failure in Taking Action / Replying"
DISCRIMINATION = "Discrimination By a Service"
POLICY_FAIL = "Failure To Follow Policy or Procedure"
LEVEL = "Level of Service (e.g. Opening Times)"
LOSS = "Loss or Damage to property"
DECISION = "Policy / Legal / Financial Decision"
QUALITY = "Quality of Service Delivery (Standards)"
REFUSAL = "Refusal To Provide a Service"
STAFF = "Staff Conduct - Attitude / Behaviour"


def expand(counts: dict[Any, int]) -> list[Any]:
    """[a, a, b] from {a: 2, b: 1}, in the order given."""
    return [value for value, count in counts.items() for _ in range(count)]


# -- Stage 1 (seed sections 5, 5.2, 5.3, 5.1, 6.1) ---------------------------------------------------

CATEGORIES = {  # 5.2, per year and service
    2012: {
        QACS: {DELAY: 2, POLICY_FAIL: 2, DECISION: 4},
        TS: {
            KEYWORKER: 1,
            BREACH: 3,
            CHANGE: 2,
            COMMS: 14,
            DELAY: 16,
            DISCRIMINATION: 1,
            POLICY_FAIL: 2,
            LEVEL: 1,
            DECISION: 5,
            QUALITY: 9,
            STAFF: 13,
        },
        SN: {BREACH: 1, DELAY: 3, POLICY_FAIL: 1, QUALITY: 1, STAFF: 4},
        EI: {LOSS: 1, QUALITY: 1, STAFF: 2},
    },
    2011: {
        QACS: {COMMS: 2, DELAY: 5, QUALITY: 1},
        TS: {BREACH: 2, COMMS: 4, DELAY: 20, POLICY_FAIL: 2, QUALITY: 12, STAFF: 12},
        SN: {DELAY: 2, QUALITY: 2, REFUSAL: 1},
        EI: {DECISION: 1, QUALITY: 2, STAFF: 1},
    },
}
OUTCOMES = {  # 5.3: not upheld, partially upheld, upheld, withdrawn; "declined" reconciles 2.2
    2012: {
        QACS: {"not_upheld": 7, "partially_upheld": 1},
        TS: {"not_upheld": 35, "partially_upheld": 17, "upheld": 14, "withdrawn_after_response": 1},
        SN: {"not_upheld": 6, "partially_upheld": 2, "upheld": 2},
        EI: {"not_upheld": 1, "partially_upheld": 1, "upheld": 1, "withdrawn": 1},
    },
    2011: {
        QACS: {"not_upheld": 4, "partially_upheld": 2, "upheld": 2},
        TS: {"not_upheld": 30, "partially_upheld": 10, "upheld": 11, "declined": 1},
        SN: {"not_upheld": 2, "partially_upheld": 1, "upheld": 1, "withdrawn": 1},
        EI: {"not_upheld": 2, "partially_upheld": 1, "upheld": 1},
    },
}
LATE_STAGE1 = {2012: {QACS: 1, TS: 21, SN: 2, EI: 0}, 2011: {QACS: 1, TS: 21, SN: 0, EI: 1}}  # 5.1
EXTENDED_STAGE1 = {2012: 3, 2011: 2}  # TS responses in time only thanks to an extension (a choice)
GENDERS = {  # 6.1
    2012: {"Male": 43, "Female": 43, None: 3},
    2011: {"Male": 32, "Female": 33, None: 4},
}
ETHNICITIES = {  # 6.1 for 2012-13; a choice giving the published 88 % BME where known for 2011-12
    2012: {
        "Afghani": 2,
        "African": 2,
        "Any other Asian Background": 5,
        "Any other Black Background": 4,
        "Any other mixed background": 1,
        "Any other White Background": 2,
        "Asian or Asian British": 4,
        "Black or Black British Caribbean": 1,
        "Black or Black British": 7,
        "Caribbean": 6,
        "Indian": 2,
        "Mixed": 1,
        "Not known": 31,
        "Pakistani": 3,
        "Romanian": 1,
        "White & Black African": 1,
        "White & Black Caribbean": 5,
        "White or White British": 10,
        "White Other": 1,
    },
    2011: {
        "Indian": 6,
        "Pakistani": 4,
        "African": 6,
        "Caribbean": 6,
        "Any other Asian Background": 5,
        "Any other Black Background": 5,
        "White & Black Caribbean": 4,
        "Black or Black British": 4,
        "Any other White Background": 4,
        "White or White British": 6,
        "Not known": 19,
    },
}
DISABILITY = {2012: {False: 23, None: 52, True: 14}, 2011: {False: 20, None: 40, True: 9}}  # 6.1; 2011 chosen
ROLES = {  # 6.1 "Stage 1 complaint made by"; 2012-13 sums to 88 of 89, so one is not recorded
    2012: {"service_user": 19, "parent_or_relative": 60, "advocate": 6, "solicitor": 2, "other": 1, None: 1},
    2011: {"service_user": 16, "parent_or_relative": 42, "advocate": 7, "solicitor": 2, "other": 2},
}

# -- Stage 2 and 3 (seed 6.2, 7.1, 7.4, 7.5, 8.1) -------------------------------------------------


@dataclass
class Stage2:
    service: str
    category: str
    outcome: str
    in_time: bool
    role: str
    gender: str | None = None
    ethnicity: str | None = None
    direct: bool = False
    corporate: bool = False
    stage3: dict[str, Any] | None = None
    points: list[dict[str, str]] = field(default_factory=list)
    ombudsman_next_year: bool = False


VAUGHAN_POINTS = [
    {"id": str(i), "finding": f}
    for i, f in enumerate(["upheld"] * 2 + ["partially_upheld"] * 3 + ["not_upheld"] * 12, start=1)
]

STAGE2 = {
    2012: [
        Stage2(
            QACS,
            POLICY_FAIL,
            "partially_upheld",
            True,
            "parent_or_relative",
            "Female",
            "White or White British",
            corporate=True,
            points=VAUGHAN_POINTS,
            stage3={"kind": "corporate", "in_time": True, "outcome": "not_upheld"},
        ),
        Stage2(
            TS,
            POLICY_FAIL,
            "not_upheld",
            True,
            "solicitor",
            "Male",
            "Any other White Background",
            stage3={
                "kind": "statutory",
                "panel_in_time": False,
                "outcome": "partially_upheld",
                "ombudsman": "no_or_insufficient_injustice",
                "compensation": 100000,
            },
        ),
        Stage2(TS, QUALITY, "upheld", True, "service_user", "Male", "African"),
        Stage2(TS, QUALITY, "upheld", False, "service_user", "Female", "Any other Asian Background"),
        Stage2(TS, QUALITY, "partially_upheld", True, "solicitor", "Male", "Any other Black Background"),
        Stage2(TS, QUALITY, "partially_upheld", False, "solicitor", "Female", "Caribbean"),
        Stage2(TS, STAFF, "partially_upheld", True, "parent_or_relative", "Male", "Indian"),
        Stage2(TS, STAFF, "partially_upheld", False, "parent_or_relative", "Female", "Indian"),
        Stage2(TS, STAFF, "not_upheld", True, "advocate", "Male", "Not known"),
        Stage2(TS, STAFF, "not_upheld", False, "parent_or_relative", "Female", "Pakistani"),
        Stage2(SN, BREACH, "not_upheld", True, "parent_or_relative", None, "Not known", direct=True),
        Stage2(EI, LOSS, "not_upheld", True, "service_user", "Male", "White Other"),
    ],
    2011: [
        Stage2(
            QACS,
            DELAY,
            "not_upheld",
            True,
            "parent_or_relative",
            "Male",
            corporate=True,
            stage3={"kind": "corporate", "in_time": True, "outcome": "not_upheld"},
        ),
        Stage2(
            TS,
            DELAY,
            "upheld",
            True,
            "parent_or_relative",
            "Male",
            stage3={"kind": "statutory", "panel_in_time": True, "outcome": "partially_upheld"},
        ),
        # The Ombudsman's other 2012-13 decision (9.1): a delayed initial assessment.
        Stage2(TS, DELAY, "partially_upheld", True, "service_user", "Female", ombudsman_next_year=True),
        Stage2(
            TS,
            POLICY_FAIL,
            "partially_upheld",
            False,
            "parent_or_relative",
            "Male",
            stage3={"kind": "statutory", "panel_in_time": False, "outcome": "not_upheld"},
        ),
        Stage2(TS, POLICY_FAIL, "partially_upheld", True, "service_user", "Female"),
        Stage2(TS, COMMS, "not_upheld", True, "parent_or_relative", "Male"),
        Stage2(
            TS,
            QUALITY,
            "not_upheld",
            False,
            "service_user",
            "Male",
            stage3={"kind": "statutory", "panel_in_time": True, "outcome": "not_upheld"},
        ),
        Stage2(
            SN,
            REFUSAL,
            "not_upheld",
            False,
            "parent_or_relative",
            "Female",
            stage3={"kind": "statutory", "panel_in_time": True, "outcome": "not_upheld"},
        ),
    ],
}
POTENTIALS = {2012: 41, 2011: 35}  # 2.2
COMPLIMENTS = {  # 15; the seed lists 17 compliments but counts 16 (see README)
    2012: {EI: 8, TS: 2, OTHER: 3, SN: 2, QACS: 1},
    2011: {EI: 6, TS: 4, SN: 2, QACS: 1, OTHER: 2},
}
MEDIATION = {2012: [True, True, True, False], 2011: [True] * 5 + [False] * 2}  # 11
JOINT_NHS = {2012: (TS, BREACH, "upheld"), 2011: (TS, BREACH, "upheld")}  # 13
LEARNING_2012 = [  # 14: problem -> action; True where the seed says it is already done
    ("Reminder to all staff on protecting confidential information", False),
    ("Protocol between Housing, Children's and Adult Services on proposed evictions", False),
    ("Safeguarding training on managing low engagement or challenging behaviour", False),
    ("Access Harrow to put complex admissions calls through to Admissions", False),
    ("Consider a multi-agency forum on repeated Child Protection Plans", False),
    ("Produce a messaging procedure", True),
    ("Policy on thefts at Children's Centres with the Insurance Department", False),
    ("Business Hub to monitor agreed stage 2 actions", False),
    ("Complaints Service to upload stage 2 and 3 responses", True),
    ("Write to the Home Office about the purpose of information requests", False),
    ("Review the school expansion consultation procedure", False),
    ("Guidance on the framework for financial support packages", False),
    ("Scrutinise client income in the assessment procedure", False),
    ("New lead for the weekly Child Protection list to Northwick Park", True),
    ("Learning session with the four Service Managers on social work records", False),
    ("Leaflets on the child safeguarding process for families", True),
    ("Co-ordination between Targeted Services and SEN on leaving care status", False),
]


# -- Laying the cases out ---------------------------------------------------------------------------


@dataclass
class Stage1:
    service: str
    category: str
    outcome: str = "not_upheld"
    late: bool = False
    extended: bool = False
    gender: str | None = None
    ethnicity: str | None = None
    disability: bool | None = None
    role: str | None = None
    joint_nhs: bool = False
    escalation: Stage2 | None = None
    mediation: bool | None = None
    advocacy: bool = False


def wd(day: date, n: int) -> date:
    return CAL.add_working_days(day, n)


def take(pool: list[Any], value: Any) -> Any:
    pool.remove(value)
    return value


def stage1_cases(year: int) -> list[Stage1]:
    """Every stage 1 complaint of the year, with all its attributes settled."""
    escalations = [s for s in STAGE2[year] if not s.direct]
    cases: list[Stage1] = []
    for service, counts in CATEGORIES[year].items():
        categories = expand(counts)
        outcomes = expand(OUTCOMES[year][service])
        mine = [s for s in escalations if s.service == service]
        for escalation in mine:  # escalated cases first: their category and a plain outcome
            outcome = "not_upheld" if "not_upheld" in outcomes else "partially_upheld"
            cases.append(
                Stage1(
                    service,
                    take(categories, escalation.category),
                    take(outcomes, outcome),
                    escalation=escalation,
                )
            )
        if year in JOINT_NHS and JOINT_NHS[year][0] == service:
            _, category, outcome = JOINT_NHS[year]
            cases.append(Stage1(service, take(categories, category), take(outcomes, outcome), joint_nhs=True))
        for category, outcome in zip(categories, outcomes, strict=True):
            cases.append(Stage1(service, category, outcome))
        late = LATE_STAGE1[year][service]
        for case in reversed([c for c in cases if c.service == service]):  # late: not escalated
            if late and case.escalation is None and case.outcome not in ("withdrawn", "declined"):
                case.late, late = True, late - 1
    extended = EXTENDED_STAGE1[year]
    for case in cases:
        if (
            extended
            and case.service == TS
            and not case.late
            and case.escalation is None
            and case.outcome in ("upheld", "partially_upheld")
        ):
            case.extended, extended = True, extended - 1
    _equalities(year, cases)
    mediations = list(MEDIATION[year])
    for case in cases:  # resolved mediations on plain cases, unresolved on escalated ones
        if not mediations:
            break
        wanted = mediations[0]
        if (case.escalation is not None) != wanted and case.outcome not in ("withdrawn", "declined"):
            case.mediation = mediations.pop(0)
    return cases


def _equalities(year: int, cases: list[Stage1]) -> None:
    genders, ethnicities = expand(GENDERS[year]), expand(ETHNICITIES[year])
    disabilities, roles = expand(DISABILITY[year]), expand(ROLES[year])
    settled = set()
    for index, case in enumerate(cases):  # escalated cases carry the stage 2 table's values (6.2)
        if case.escalation is not None:
            case.gender = take(genders, case.escalation.gender)
            if case.escalation.ethnicity is not None:
                case.ethnicity = take(ethnicities, case.escalation.ethnicity)
                settled.add(index)
    for index, case in enumerate(cases):
        if case.escalation is None:
            case.gender = genders.pop(0)
        if index not in settled:
            case.ethnicity = ethnicities.pop(0)
        case.disability = disabilities.pop(0)
        case.role = roles.pop(0)
        case.advocacy = case.role == "advocate"
    assert not genders and not ethnicities and not disabilities and not roles


class Log:
    """Writes events, numbering cases like a council's case-management system would."""

    def __init__(self) -> None:
        self.events: list[dict[str, Any]] = []
        self.counter = 0
        self.stage2_cases: dict[int, list[str]] = {}

    def new_case(self, prefix: str, year: int) -> str:
        self.counter += 1
        return f"{prefix}-{year % 100:02d}{self.counter:04d}"

    def add(self, case_id: str, on: date, kind: str, **payload: Any) -> None:
        self.events.append(
            {
                "type": kind,
                "case_id": case_id,
                "on": on.isoformat(),
                **{k: v for k, v in payload.items() if v is not None},
            }
        )


def receipt_dates(year: int, count: int, first: date, last: date) -> Iterator[date]:
    span = (last - first).days
    for index in range(count):
        yield CAL.next_working_day(first + timedelta(days=span * index // max(count, 1)) - timedelta(days=1))


def write_stage1(log: Log, year: int, case: Stage1, received: date, learning: list[tuple[str, bool]]) -> None:
    statutory = not (case.escalation is not None and case.escalation.corporate)
    case_id = log.new_case("C" if statutory else "K", year)
    log.add(
        case_id,
        received,
        "ComplaintReceived",
        procedure="children-2006" if statutory else "corporate",
        service_area=case.service,
        categories=[case.category],
        complainant_role=case.role,
        service_user={"gender": case.gender, "ethnicity": case.ethnicity, "disability": case.disability},
        joint_nhs=case.joint_nhs or None,
    )
    if case.advocacy:
        log.add(case_id, wd(received, 1), "AdvocacyArranged", provider="Kids Can Achieve")
    if case.outcome == "declined":
        log.add(case_id, wd(received, 3), "ComplaintDeclined", reason="out_of_time")
        return
    if case.outcome == "withdrawn":
        log.add(case_id, wd(received, 4), "Withdrawn", reason="resolved informally")
        return
    if case.extended:
        log.add(
            case_id,
            wd(received, 5),
            "DeadlineExtended",
            stage=1,
            total_working_days=20,
            reason="complex case",
        )
    responded = wd(received, 15 if case.extended else 13 if case.late else 8)
    outcome = "not_upheld" if case.outcome == "withdrawn_after_response" else case.outcome
    log.add(case_id, responded, "Responded", stage=1, outcome=outcome)
    if case.outcome == "withdrawn_after_response":
        log.add(case_id, wd(responded, 3), "Withdrawn", reason="satisfied after meeting the team manager")
    if case.mediation is not None:
        log.add(case_id, wd(responded, 2), "MediationHeld", resolved=case.mediation)
    if case.escalation is not None:
        write_stage2(log, year, case_id, wd(responded, 5), case.escalation, learning)


def write_stage2(
    log: Log,
    year: int,
    case_id: str,
    requested: date,
    spec: Stage2,
    learning: list[tuple[str, bool]],
    received: bool = False,
) -> None:
    if not received:
        log.add(case_id, requested, "EscalationRequested", to_stage=2, complainant_role=spec.role)
    if not spec.corporate:
        log.add(
            case_id,
            wd(requested, 2),
            "InvestigatorsAppointed",
            investigating_officer="IO-EXT-1",
            independent_person=f"IP-{case_id[-3:]}",
        )
    limit = 20 if spec.corporate else 25
    responded = wd(requested, limit - 3 if spec.in_time else limit + 6)
    log.add(
        case_id,
        responded,
        "Responded",
        stage=2,
        outcome=None if spec.points else spec.outcome,
        points=spec.points or None,
    )
    if learning:
        action, done = learning.pop(0)
        write_learning(log, case_id, responded, action, done, len(learning))
    if spec.stage3 is not None:
        write_stage3(log, case_id, wd(responded, 6), spec.stage3)
    if spec.ombudsman_next_year:
        log.add(case_id, date(year + 1, 5, 14), "OmbudsmanReferred")
        log.add(case_id, date(year + 1, 9, 20), "OmbudsmanDecided", outcome="no_or_insufficient_injustice")
    log.stage2_cases.setdefault(year, []).append(case_id)


def write_stage3(log: Log, case_id: str, requested: date, stage3: dict[str, Any]) -> None:
    log.add(case_id, requested, "EscalationRequested", to_stage=3)
    if stage3["kind"] == "corporate":
        log.add(
            case_id,
            wd(requested, 15 if stage3["in_time"] else 25),
            "Responded",
            stage=3,
            outcome=stage3["outcome"],
        )
        return
    panel = wd(requested, 26 if stage3["panel_in_time"] else 34)
    log.add(case_id, panel, "PanelHeld", members=["PANEL-1", "PANEL-2", "PANEL-3"], chair="PANEL-1")
    recommendations = wd(panel, 4)
    log.add(case_id, recommendations, "RecommendationsIssued")
    responded = wd(recommendations, 12)
    log.add(case_id, responded, "Responded", stage=3, outcome=stage3["outcome"])
    if "compensation" in stage3:
        log.add(
            case_id, responded, "CompensationOffered", amount_pence=stage3["compensation"], accepted=False
        )
    if "ombudsman" in stage3:
        log.add(case_id, wd(responded, 10), "OmbudsmanReferred")
        log.add(case_id, wd(responded, 80), "OmbudsmanDecided", outcome=stage3["ombudsman"])


def write_learning(log: Log, case_id: str, on: date, action: str, done: bool, number: int) -> None:
    action_id = f"LA-{number + 1:02d}"
    log.add(
        case_id,
        on,
        "LearningActionAgreed",
        action_id=action_id,
        description=action,
        owner="SM-1",
        due=date(2013, 6, 28).isoformat(),
    )
    if done:
        log.add(case_id, wd(on, 10), "LearningActionCompleted", action_id=action_id)


def build() -> list[dict[str, Any]]:
    log = Log()
    learning = list(LEARNING_2012)
    for year in (2011, 2012):
        start = date(year, 4, 2)
        cases = stage1_cases(year)
        escalated = [c for c in cases if c.escalation is not None]
        plain = [c for c in cases if c.escalation is None]
        # Escalated complaints arrive early in the year, so that their later stages begin in it too.
        for case, received in zip(
            escalated, receipt_dates(year, len(escalated), start, date(year, 7, 31)), strict=True
        ):
            write_stage1(log, year, case, received, learning if year == 2012 else [])
        for case, received in zip(
            plain, receipt_dates(year, len(plain), start, date(year + 1, 3, 15)), strict=True
        ):
            write_stage1(log, year, case, received, learning if year == 2012 else [])
        for spec in STAGE2[year]:
            if spec.direct:
                case_id = log.new_case("C", year)
                received = date(year, 6, 5)
                log.add(
                    case_id,
                    received,
                    "ComplaintReceived",
                    procedure="children-2006",
                    stage=2,
                    skip_reason="serious conduct allegations",
                    service_area=spec.service,
                    categories=[spec.category],
                    complainant_role=spec.role,
                    service_user={"gender": spec.gender, "ethnicity": spec.ethnicity},
                )
                write_stage2(
                    log, year, case_id, received, spec, learning if year == 2012 else [], received=True
                )
        for index, received in enumerate(receipt_dates(year, POTENTIALS[year], start, date(year + 1, 3, 20))):
            case_id = log.new_case("P", year)
            log.add(
                case_id,
                received,
                "ConcernLogged",
                service_area=[TS, SN, QACS, EI][index % 4],
                procedure="children-2006",
            )
            log.add(case_id, wd(received, 2), "ConcernResolved")
        compliments = expand(COMPLIMENTS[year])
        for service, received in zip(
            compliments, receipt_dates(year, len(compliments), start, date(year + 1, 3, 20)), strict=True
        ):
            log.add(
                log.new_case("M", year),
                received,
                "ComplimentReceived",
                service_area=service,
                procedure="children-2006",
            )
    quiet = [case for case in log.stage2_cases[2012] if case.startswith("C")][-1]
    while learning:  # actions left over are agreed at the end of the year, on a stage 2 case
        action, done = learning.pop(0)
        write_learning(log, quiet, date(2013, 3, 1), action, done, len(learning))
    return sorted(log.events, key=lambda e: (e["on"], e["case_id"]))


if __name__ == "__main__":
    events = build()
    OUT.write_text("".join(json.dumps(event) + "\n" for event in events), encoding="utf-8")
    print(f"wrote {len(events)} events to {OUT}")
