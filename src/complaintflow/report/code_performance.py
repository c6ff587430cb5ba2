"""The annual complaints performance report that a Complaint Handling Code asks for (housing-2024,
lgsco-2026), with the Regulator of Social Housing's Tenant Satisfaction Measures CH01 and CH02.

Counting rules (docs/report.md gives the sources and the readings chosen):

- A complaint counts as received at a stage in the year its stage began (received, or escalated).
- Acknowledgements, responses, extensions and outcomes count in the year the response or
  acknowledgement was sent, as the TSMs count "complaints responded to" in the year.
- In time means on or before the due date in force, an agreed extension included (CH02).
- A stage 1 complaint is resolved at stage 1 when it was answered and not escalated by the year's end.
- CH01 = complaints received at the stage / homes owned x 1,000, to one decimal place.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from datetime import date
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from complaintflow.events import OMBUDSMAN_OUTCOMES, ombudsman_terms
from complaintflow.report.disclosure import Ledger
from complaintflow.report.model import Count, Percentage, ProcedureReport
from complaintflow.report.ombudsman import deciding_ombudsman
from complaintflow.report.published import Cell, Table, Withheld, say_of, say_share, show
from complaintflow.report.records import CaseRecord, reporting_year, year_label

STAGES = ("stage1", "stage2")
QUARTERS = ("Q1 (April-June)", "Q2 (July-September)", "Q3 (October-December)", "Q4 (January-March)")

_TSM = "Regulator of Social Housing, Tenant Satisfaction Measures: Technical Requirements (2023)"

#: Where each measure comes from; printed under the tables.
SOURCES: Mapping[str, str] = {
    "housing-2024": "Housing Ombudsman Complaint Handling Code 2024, section 8 (annual complaints "
    "performance and service improvement report) [S]; timescales paras 5.4-6.15 [S]",
    "lgsco-2026": "LGSCO Complaint Handling Code, part 9 (annual complaints performance and service "
    "improvement report) [U]; timescales paras 5.2, 6.2-6.5 [P]",
    "CH01": f"{_TSM}, CH01 [S]",
    "CH02": f"{_TSM}, CH02 [S]",
}


class _Model(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class StageMeasures(_Model):
    """One stage's complaints in the year."""

    received: Count
    acknowledged: Count
    acknowledged_in_time: Percentage
    responded: Count
    responded_in_time: Percentage = Field(description="CH02: answered within the Code's timescales.")
    extended: Count
    extended_beyond_usual: Count
    upheld: Count
    partially_upheld: Count
    not_upheld: Count
    withdrawn: Count
    resolved: Count = Field(description="Answered at this stage and not taken further by the year's end.")


class QuarterCounts(_Model):
    stage1_received: Count
    stage2_received: Count
    stage1_responded: Count
    stage2_responded: Count


class PerThousandHomes(_Model):
    """CH01: complaints received per 1,000 homes."""

    complaints: Count
    homes: int
    per_1000_homes: float | None


class CodePerformanceReport(ProcedureReport):
    """A Complaint Handling Code's annual performance report for one procedure and year."""

    kind: Literal["code-performance"] = "code-performance"
    stage1: StageMeasures
    stage2: StageMeasures
    escalated: Count = Field(description="Stage 1 complaints of the year taken to stage 2.")
    by_quarter: dict[str, QuarterCounts]
    ombudsman_referred: Count
    ombudsman_determinations: dict[str, Count]
    homes: int | None = Field(default=None, description="Homes owned, for CH01 (given with --homes).")
    ch01: dict[str, PerThousandHomes] = Field(default_factory=dict)
    sources: dict[str, str]
    suppress_below: int | None = None
    suppressed: list[list[str]] = Field(default_factory=list)


def _stage_measures(records: list[CaseRecord], year: int, stage: int) -> StageMeasures:
    """One stage's measures: received by the day the stage began, acknowledgements and responses
    by the day they were sent, withdrawals by the day they were made."""

    def sent(day: date | None) -> bool:
        return day is not None and reporting_year(day) == year

    stages = [(record, record.stages[stage]) for record in records if stage in record.stages]
    acknowledged = [s for _, s in stages if sent(s.acknowledged_on)]
    responded = [(record, s) for record, s in stages if sent(s.responded_on)]
    outcomes = Counter(s.outcome for _, s in responded)
    return StageMeasures(
        received=sum(1 for _, s in stages if reporting_year(s.began) == year),
        acknowledged=len(acknowledged),
        acknowledged_in_time=Percentage.of(
            sum(bool(s.acknowledged_in_time) for s in acknowledged), len(acknowledged)
        ),
        responded=len(responded),
        responded_in_time=Percentage.of(sum(bool(s.in_time) for _, s in responded), len(responded)),
        extended=sum(s.extended for _, s in responded),
        extended_beyond_usual=sum(s.extended_beyond_usual for _, s in responded),
        upheld=outcomes["upheld"],
        partially_upheld=outcomes["partially_upheld"],
        not_upheld=outcomes["not_upheld"],
        withdrawn=sum(
            1 for record, _ in stages if record.withdrawn_at_stage == stage and sent(record.withdrawn_on)
        ),
        resolved=sum(1 for record, _ in responded if (stage + 1) not in record.stages),
    )


def _quarter(day: date) -> str:
    return QUARTERS[((day.month - 4) % 12) // 3]


def build_code_performance(
    records: Iterable[CaseRecord], year: int, procedure: str, homes: int | None = None
) -> CodePerformanceReport:
    """The Code's performance report for the year from 1 April `year`."""
    records = list(records)
    ombudsman = deciding_ombudsman(records, procedure)
    quarters = {q: Counter[str]() for q in QUARTERS}
    referred, determinations, escalated = 0, Counter[str](), 0
    for record in records:
        for number in (1, 2):
            stage = record.stages.get(number)
            if stage is None:
                continue
            if reporting_year(stage.began) == year:
                quarters[_quarter(stage.began)][f"stage{number}_received"] += 1
                escalated += number == 2 and 1 in record.stages
            if stage.responded_on is not None and reporting_year(stage.responded_on) == year:
                quarters[_quarter(stage.responded_on)][f"stage{number}_responded"] += 1
        referred += sum(1 for day in record.ombudsman_referred if reporting_year(day) == year)
        determinations.update(
            ombudsman_terms(ombudsman, outcome)
            for day, outcome, _, _ in record.ombudsman_findings
            if reporting_year(day) == year
        )
    stage1 = _stage_measures(records, year, 1)
    stage2 = _stage_measures(records, year, 2)
    ch01 = {}
    if homes:
        for name, measures in (("stage1", stage1), ("stage2", stage2)):
            received = measures.received or 0
            ch01[name] = PerThousandHomes(
                complaints=received, homes=homes, per_1000_homes=round(1000 * received / homes + 1e-9, 1)
            )
    return CodePerformanceReport(
        procedure=procedure,
        year=year_label(year),
        stage1=stage1,
        stage2=stage2,
        escalated=escalated,
        by_quarter={
            q: QuarterCounts(**{k: quarters[q][k] for k in QuarterCounts.model_fields}) for q in QUARTERS
        },
        ombudsman_referred=referred,
        ombudsman_determinations={kind: determinations[kind] for kind in OMBUDSMAN_OUTCOMES[ombudsman]},
        homes=homes,
        ch01=ch01,
        sources={key: SOURCES[key] for key in (procedure, "CH01", "CH02") if key in SOURCES}
        or {"code": SOURCES["lgsco-2026"]},
    )


_COUNTS = ("received", "acknowledged", "responded", "extended", "extended_beyond_usual")
_OUTCOMES = ("upheld", "partially_upheld", "not_upheld")


def code_performance_ledger(data: Mapping[str, Any]) -> Ledger:
    """Every count the report prints, the sums among them and its percentages."""
    ledger = Ledger()
    for stage in STAGES:
        row = data[stage]
        for name in (*_COUNTS, *_OUTCOMES, "withdrawn", "resolved"):
            ledger.count((stage, name), row[name], headline=name in ("received", "responded"))
        for share, whole in (("acknowledged_in_time", "acknowledged"), ("responded_in_time", "responded")):
            numerator, _ = ledger.percentage((stage, share), row[share], whole=(stage, whole))
            ledger.at_most([numerator], (stage, whole))
        # Every response sent has one of the three outcomes.
        ledger.add_sum([(stage, name) for name in _OUTCOMES], (stage, "responded"))
        for name in ("extended", "extended_beyond_usual", "resolved"):
            ledger.at_most([(stage, name)], (stage, "responded"))
        for field in ("received", "responded"):
            parts = [
                ledger.count(("by_quarter", q, f"{stage}_{field}"), counts[f"{stage}_{field}"])
                for q, counts in data["by_quarter"].items()
            ]
            ledger.add_sum(parts, (stage, field))
        if stage in data["ch01"]:
            complaints = ledger.count(("ch01", stage, "complaints"), data["ch01"][stage]["complaints"])
            ledger.same(complaints, (stage, "received"))
            ledger.share([("ch01", stage, "per_1000_homes")], complaints)
    ledger.count(("escalated",), data["escalated"])
    ledger.at_most([("escalated",)], ("stage2", "received"))
    ledger.count(("ombudsman_referred",), data["ombudsman_referred"])
    for kind, value in data["ombudsman_determinations"].items():
        ledger.count(("ombudsman_determinations", kind), value)
    return ledger


def headline(report: CodePerformanceReport) -> str:
    stage1, stage2 = report.stage1, report.stage2
    return (
        f"{say_of(stage1.received)} stage 1 and {say_of(stage2.received)} stage 2 complaints received; "
        f"{say_share(stage1.responded_in_time)} of stage 1 and {say_share(stage2.responded_in_time)} of "
        "stage 2 responses within the Code's timescales."
    )


def tables(report: CodePerformanceReport) -> list[Table]:
    """The report's tables, as published."""
    withheld = Withheld(report)
    stages = [("Stage 1", report.stage1, "stage1"), ("Stage 2", report.stage2, "stage2")]

    def share(value: Percentage, *path: str) -> Cell:
        return withheld.pct(value.percent, *path, "percent")

    measures: list[tuple[str, Any]] = [
        ("Complaints received", lambda m, p: m.received),
        ("Acknowledged", lambda m, p: m.acknowledged),
        (
            "% acknowledged within the Code's timescale",
            lambda m, p: share(m.acknowledged_in_time, p, "acknowledged_in_time"),
        ),
        ("Responses sent", lambda m, p: m.responded),
        ("Responded within the Code's timescales", lambda m, p: m.responded_in_time.numerator),
        (
            "% responded within the Code's timescales (CH02)",
            lambda m, p: share(m.responded_in_time, p, "responded_in_time"),
        ),
        ("Responses extended", lambda m, p: m.extended),
        ("Extended beyond the usual length, with reasons", lambda m, p: m.extended_beyond_usual),
        ("Upheld", lambda m, p: m.upheld),
        ("Partially upheld", lambda m, p: m.partially_upheld),
        ("Not upheld", lambda m, p: m.not_upheld),
        ("Withdrawn", lambda m, p: m.withdrawn),
        ("Resolved at this stage", lambda m, p: m.resolved),
    ]
    found = [
        Table(
            "code-stages",
            f"Complaints at each stage {report.year}",
            "",
            ["Measure", "Stage 1", "Stage 2"],
            [[label, *(value(m, p) for _, m, p in stages)] for label, value in measures],
            note=f"Stage 1 complaints taken to stage 2: {show(report.escalated)}.{_without_ch01(report)}",
        ),
        Table(
            "code-quarters",
            f"Complaints by quarter {report.year}",
            "",
            ["Quarter", "Stage 1 received", "Stage 2 received", "Stage 1 responses", "Stage 2 responses"],
            [
                [q, row.stage1_received, row.stage2_received, row.stage1_responded, row.stage2_responded]
                for q, row in report.by_quarter.items()
            ],
        ),
        Table(
            "code-ombudsman",
            f"The Ombudsman {report.year}",
            "",
            ["Measure", "Number"],
            _ombudsman_rows(report),
        ),
    ]
    if report.ch01:
        found.append(
            Table(
                "tsm",
                f"Tenant Satisfaction Measures {report.year}",
                "",
                ["Measure", "Stage 1", "Stage 2"],
                [
                    ["Homes owned", report.homes, report.homes],
                    ["Complaints received", *(report.ch01[s].complaints for s in STAGES)],
                    [
                        "CH01: complaints per 1,000 homes",
                        *(_rate(report.ch01[s].per_1000_homes) for s in STAGES),
                    ],
                    [
                        "CH02: % responded within the Code's timescales",
                        *(share(m.responded_in_time, p, "responded_in_time") for _, m, p in stages),
                    ],
                ],
                note="CH01 is a rate per 1,000 homes, not a percentage.",
            )
        )
    return found


def _without_ch01(report: CodePerformanceReport) -> str:
    """Why the Tenant Satisfaction Measures are not given, where they are not."""
    if report.ch01:
        return ""
    return (
        " The Tenant Satisfaction Measure CH01, complaints per 1,000 homes, needs the number of homes"
        " owned (--homes N on the command line, homes= from the service)."
    )


def _ombudsman_rows(report: CodePerformanceReport) -> list[list[Cell]]:
    rows: list[list[Cell]] = [["Referred to the Ombudsman", report.ombudsman_referred]]
    for kind, value in report.ombudsman_determinations.items():
        rows.append([f"Determined: {kind.replace('_', ' ')}", value])
    return rows


def _rate(value: float | None) -> Cell:
    """A rate per 1,000 homes, printed as a plain number (not a percentage)."""
    return None if value is None else f"{value:.1f}"
