"""The annual report on adult social care complaints that SI 2009/309 reg 18 requires.

Reg 18(2) asks for: the number of complaints received; the number the authority decided were
well-founded; the number it was told were referred to the Ombudsman; and a summary of their
subjects, of matters of general importance, and of action taken or to be taken to improve services.

Readings chosen (docs/report.md): a complaint counts as received in the year it was received; a
complaint is decided in the year its response was sent, and well-founded when upheld in whole or
in part; a referral counts in the year the authority recorded it; the subjects are the categories
of the year's complaints (a complaint may have several); the improvements are the learning actions
agreed in the year.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from typing import Any, Literal

from pydantic import Field

from complaintflow.report.disclosure import Ledger
from complaintflow.report.model import Count, LearningActions, Percentage, ProcedureReport
from complaintflow.report.published import Cell, Table, Withheld, learning_table, say, say_of, say_share
from complaintflow.report.records import CaseRecord, reporting_year, year_label
from complaintflow.report.suppression import learning_ledger
from complaintflow.report.tables import learning_actions

TOTAL = "Total"
SOURCE = "SI 2009/309 reg 18 (annual reports) [S]; response period reg 14 [S]"


class AdultsReport(ProcedureReport):
    """The reg 18 annual report for one year."""

    kind: Literal["reg18"] = "reg18"
    received: Count = Field(description="Reg 18(2)(a): complaints received in the year.")
    decided: Count = Field(description="Complaints whose response was sent in the year.")
    well_founded: Percentage = Field(
        description="Reg 18(2)(b): of those decided, upheld in whole or in part."
    )
    responded_within_period: Percentage = Field(
        description="Of those decided, answered within the response period in force (reg 14)."
    )
    referred_to_ombudsman: Count = Field(description="Reg 18(2)(c): referrals recorded in the year.")
    subjects: dict[str, Count] = Field(description="Reg 18(2)(d)(i): the subjects of the year's complaints.")
    learning_actions: LearningActions = Field(description="Reg 18(2)(d)(iii): action to improve services.")
    sources: dict[str, str]
    suppress_below: int | None = None
    suppressed: list[list[str]] = Field(default_factory=list)


def build_adults(records: Iterable[CaseRecord], year: int, procedure: str) -> AdultsReport:
    """The reg 18 report for the year from 1 April `year`."""
    records = list(records)
    received = decided = well_founded = within = referred = 0
    subjects: Counter[str] = Counter()
    for record in records:
        stage = record.stages.get(1)
        if stage is not None and reporting_year(stage.began) == year:
            received += 1
            subjects.update(record.categories or ("Not recorded",))
        if (
            stage is not None
            and stage.responded_on is not None
            and reporting_year(stage.responded_on) == year
        ):
            decided += 1
            well_founded += stage.outcome in ("upheld", "partially_upheld")
            within += bool(stage.in_time)
        referred += sum(1 for day in record.ombudsman_referred if reporting_year(day) == year)
    return AdultsReport(
        procedure=procedure,
        year=year_label(year),
        received=received,
        decided=decided,
        well_founded=Percentage.of(well_founded, decided),
        responded_within_period=Percentage.of(within, decided),
        referred_to_ombudsman=referred,
        subjects={**dict(sorted(subjects.items())), TOTAL: sum(subjects.values())},
        learning_actions=learning_actions(records, year),
        sources={"reg 18": SOURCE},
    )


def adults_ledger(data: Mapping[str, Any]) -> Ledger:
    ledger = Ledger()
    ledger.count(("received",), data["received"], headline=True)
    decided = ledger.count(("decided",), data["decided"], headline=True)
    for share in ("well_founded", "responded_within_period"):
        numerator, _ = ledger.percentage((share,), data[share], whole=decided)
        ledger.at_most([numerator], decided)
    ledger.count(("referred_to_ombudsman",), data["referred_to_ombudsman"])
    for subject, value in data["subjects"].items():
        ledger.count(("subjects", subject), value)
    ledger.add_sum([("subjects", s) for s in data["subjects"] if s != TOTAL], ("subjects", TOTAL))
    # Each complaint has at least one subject: no subject has more complaints than were received,
    # and the subjects together have at least as many.
    for subject in data["subjects"]:
        if subject == TOTAL:
            ledger.at_most([("received",)], ("subjects", TOTAL))
        else:
            ledger.at_most([("subjects", subject)], ("received",))
    learning_ledger(ledger, data["learning_actions"])
    return ledger


def headline(report: AdultsReport) -> str:
    return (
        f"{say_of(report.received)} complaints received; {say(report.decided)} decided, of which "
        f"{say_share(report.well_founded)} well-founded; {say(report.referred_to_ombudsman)} referred "
        "to the Ombudsman."
    )


def tables(report: AdultsReport) -> list[Table]:
    withheld = Withheld(report)
    rows: list[list[Cell]] = [
        ["Complaints received", report.received],
        ["Complaints decided (response sent)", report.decided],
        ["Decided to be well-founded (upheld in whole or in part)", report.well_founded.numerator],
        ["% well-founded", withheld.pct(report.well_founded.percent, "well_founded", "percent")],
        ["Answered within the response period", report.responded_within_period.numerator],
        [
            "% answered within the response period",
            withheld.pct(report.responded_within_period.percent, "responded_within_period", "percent"),
        ],
        ["Referred to the Ombudsman", report.referred_to_ombudsman],
    ]
    found = [
        Table("reg18-counts", f"Adult social care complaints {report.year}", "", ["Measure", "Number"], rows),
        Table(
            "reg18-subjects",
            f"What the complaints were about {report.year}",
            "",
            ["Subject", "Complaints"],
            [[subject, value] for subject, value in report.subjects.items()],
            note="A complaint may be about more than one subject.",
        ),
        learning_table(report.learning_actions, report.year, "Action taken to improve services"),
    ]
    return found
