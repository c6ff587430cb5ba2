"""The SPSO's complaints performance indicators for a Scottish council (spso-2021).

The model complaints handling procedure asks councils to report, each year, against the SPSO's
indicators. This report computes those that follow from the events: complaints closed at each
stage, as a share of all closed; the average time to close, in working days; the share closed
within the timescales (5 working days at stage 1, 20 at stage 2); the number extended; and the
outcomes. Readings chosen (docs/report.md): a complaint closes at a stage when that stage's
response is sent, in the year it is sent; "stage 2" counts complaints that started there, and
"escalated" those that came from stage 1; within the timescale means within the unextended limit.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from statistics import fmean
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from complaintflow.report.disclosure import Ledger
from complaintflow.report.model import Count, Percentage, ProcedureReport
from complaintflow.report.published import Cell, Table, Withheld, say, say_of
from complaintflow.report.records import CaseRecord, StageRecord, reporting_year, year_label

CLOSED_AT = ("stage1", "stage2", "escalated")
LABELS = {"stage1": "Stage 1", "stage2": "Stage 2 (direct)", "escalated": "Stage 2 (escalated)"}
SOURCE = (
    "SPSO Model Complaints Handling Procedure (local authorities, 2021), part 4: performance "
    "indicators 4-9 [S]; the indicators' wording [U]"
)


class ClosedAt(BaseModel):
    """The complaints closed at one stage in the year."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    closed: Count
    share_of_all_closed: Percentage
    average_working_days: float | None = Field(description="Indicator 6: average time to close.")
    within_timescale: Percentage = Field(
        description="Indicator 7: closed within 5 (stage 1) or 20 working days."
    )
    extended: Count = Field(description="Indicator 8: closed after an authorised extension.")
    upheld: Count
    partially_upheld: Count
    not_upheld: Count


class SpsoReport(ProcedureReport):
    """The SPSO indicators for one year."""

    kind: Literal["spso"] = "spso"
    received: Count = Field(description="Complaints received in the year, at stage 1 or directly at stage 2.")
    closed: Count
    closed_at: dict[str, ClosedAt]
    sources: dict[str, str]
    suppress_below: int | None = None
    suppressed: list[list[str]] = Field(default_factory=list)


def _closed_at(closed: list[StageRecord], all_closed: int) -> ClosedAt:
    outcomes = Counter(stage.outcome for stage in closed)
    days = [stage.working_days for stage in closed if stage.working_days is not None]
    return ClosedAt(
        closed=len(closed),
        share_of_all_closed=Percentage.of(len(closed), all_closed),
        average_working_days=round(fmean(days), 1) if days else None,
        within_timescale=Percentage.of(sum(bool(s.in_time_unextended) for s in closed), len(closed)),
        extended=sum(stage.extended for stage in closed),
        upheld=outcomes["upheld"],
        partially_upheld=outcomes["partially_upheld"],
        not_upheld=outcomes["not_upheld"],
    )


def build_spso(records: Iterable[CaseRecord], year: int, procedure: str) -> SpsoReport:
    """The indicators for the year from 1 April `year`."""
    closed: dict[str, list[StageRecord]] = {name: [] for name in CLOSED_AT}
    received = 0
    for record in records:
        first = min(record.stages, default=None)
        if first is not None and reporting_year(record.stages[first].began) == year:
            received += 1
        for number, stage in record.stages.items():
            if stage.responded_on is None or reporting_year(stage.responded_on) != year:
                continue
            name = "stage1" if number == 1 else ("escalated" if 1 in record.stages else "stage2")
            closed[name].append(stage)
    total = sum(len(stages) for stages in closed.values())
    return SpsoReport(
        procedure=procedure,
        year=year_label(year),
        received=received,
        closed=total,
        closed_at={name: _closed_at(stages, total) for name, stages in closed.items()},
        sources={"SPSO": SOURCE},
    )


def spso_ledger(data: Mapping[str, Any]) -> Ledger:
    ledger = Ledger()
    ledger.count(("received",), data["received"], headline=True)
    total = ledger.count(("closed",), data["closed"], headline=True)
    parts = []
    for name, row in data["closed_at"].items():
        path = ("closed_at", name)
        closed = ledger.count((*path, "closed"), row["closed"])
        parts.append(closed)
        for field in ("extended", "upheld", "partially_upheld", "not_upheld"):
            ledger.count((*path, field), row[field])
        for share, whole in (("share_of_all_closed", total), ("within_timescale", closed)):
            numerator, _ = ledger.percentage((*path, share), row[share], whole=whole)
            ledger.at_most([numerator], whole)
        # Every complaint closed has one of the three outcomes.
        ledger.add_sum([(*path, name) for name in ("upheld", "partially_upheld", "not_upheld")], closed)
        ledger.at_most([(*path, "extended")], closed)
        ledger.same((*path, "share_of_all_closed", "numerator"), closed)
        ledger.share([(*path, "average_working_days")], closed)
    ledger.add_sum(parts, total)
    return ledger


def headline(report: SpsoReport) -> str:
    return f"{say_of(report.received)} complaints received and {say(report.closed)} closed."


def tables(report: SpsoReport) -> list[Table]:
    withheld = Withheld(report)
    stages = [(name, report.closed_at[name]) for name in CLOSED_AT]

    def row(label: str, value: Any) -> list[Cell]:
        return [label, *(value(name, stage) for name, stage in stages)]

    rows = [
        row("Complaints closed", lambda n, s: s.closed),
        row(
            "% of all complaints closed",
            lambda n, s: withheld.pct(
                s.share_of_all_closed.percent, "closed_at", n, "share_of_all_closed", "percent"
            ),
        ),
        row("Average working days to close", lambda n, s: _days(withheld, s.average_working_days, n)),
        row("Closed within the timescale", lambda n, s: s.within_timescale.numerator),
        row(
            "% closed within the timescale",
            lambda n, s: withheld.pct(
                s.within_timescale.percent, "closed_at", n, "within_timescale", "percent"
            ),
        ),
        row("Closed after an authorised extension", lambda n, s: s.extended),
        row("Upheld", lambda n, s: s.upheld),
        row("Partially upheld", lambda n, s: s.partially_upheld),
        row("Not upheld", lambda n, s: s.not_upheld),
    ]
    found = [
        Table(
            "spso-indicators",
            f"Complaints performance indicators {report.year}",
            "",
            ["Indicator", *(LABELS[name] for name in CLOSED_AT)],
            rows,
            note=f"Complaints received: {say(report.received)}; closed: {say(report.closed)}.",
        )
    ]
    return found


def _days(withheld: Withheld, value: float | None, stage: str) -> Cell:
    """Working days as a plain number (not a percentage); n/a with nothing closed."""
    shown = withheld.pct(value, "closed_at", stage, "average_working_days")
    return f"{shown:.1f}" if isinstance(shown, float) else shown
