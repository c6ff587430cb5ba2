"""The report laid out as the tables a council publishes, in the seed report's order.

Markdown, CSV and HTML all render this one layout, so the three forms always agree.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from typing import Protocol, get_args

from complaintflow.events import LegacyOmbudsmanOutcome, OmbudsmanOutcome
from complaintflow.report.model import (
    AnnualReport,
    Count,
    LearningAction,
    LearningActions,
    Outcomes,
    Percentage,
    Stage2Outcomes,
)


class HasSuppressed(Protocol):
    """Any report: each lists the paths of its withheld cells."""

    @property
    def suppressed(self) -> list[list[str]]: ...

    @property
    def suppress_below(self) -> int | None: ...


#: Every word an Ombudsman's decision is recorded in, today's and those of earlier releases (a log
#: of 2012 keeps the words the Local Government Ombudsman used then), in the order tables list them.
OMBUDSMAN_WORDS = tuple(dict.fromkeys((*get_args(OmbudsmanOutcome), *get_args(LegacyOmbudsmanOutcome))))

#: How a hidden (suppressed) cell is printed.
HIDDEN = "*"

Cell = str | int | float | None


@dataclass(frozen=True)
class Table:
    """One published table: a title, the seed section it matches, a header row and rows."""

    key: str
    title: str
    section: str
    header: list[str]
    rows: list[list[Cell]]
    note: str = ""
    #: Lines printed as a list after the table (the learning actions, one by one).
    items: tuple[str, ...] = ()


def has_data(table: Table) -> bool:
    """Whether a table says anything: a count other than 0, a percentage, a withheld cell, a word
    other than "n/a", or a list. An empty table is left out of the published report."""
    cells = [cell for row in table.rows for cell in row[1:]]
    return bool(table.items) or any(
        cell is None or (isinstance(cell, str) and cell != "n/a") or (not isinstance(cell, str) and cell != 0)
        for cell in cells
    )


def show(value: Cell | bool) -> str:
    """A cell as text: hidden counts as the marker, percentages with one decimal, yes/no."""
    if value is None:
        return HIDDEN
    if isinstance(value, bool):
        return "Yes" if value else "No"
    if isinstance(value, float):
        return f"{value:.1f}%"
    return str(value)


def pct(value: float | None) -> Cell:
    """A percentage cell: 'n/a' where there was nothing to divide by (None is a hidden count)."""
    return "n/a" if value is None else value


class Withheld:
    """Which printed percentages disclosure control hid: a hidden one is printed as the marker,
    not as 'n/a'."""

    def __init__(self, report: HasSuppressed) -> None:
        self.paths = {tuple(path) for path in report.suppressed}

    def pct(self, value: float | None, *path: str) -> Cell:
        return None if path in self.paths else pct(value)

    def yes_no(self, value: bool | None, *path: str) -> Cell:
        return None if path in self.paths else _yes_no(value)


def _yes_no(value: bool | None) -> str:
    return "n/a" if value is None else ("Yes" if value else "No")


def _outcome_label(value: str | None) -> str:
    return (value or "awaiting").replace("_", " ").capitalize()


def _count_rows(table: dict[str, Count]) -> list[list[Cell]]:
    return [[label, value] for label, value in table.items()]


def _by_year_rows(by_year: dict[str, dict[str, Count]]) -> tuple[list[str], list[list[Cell]]]:
    years = list(by_year)
    labels = list(dict.fromkeys(label for row in by_year.values() for label in row if label != "Total"))
    rows: list[list[Cell]] = [[label, *(by_year[y].get(label, 0) for y in years)] for label in labels]
    rows.append(["Total", *(by_year[y].get("Total") for y in years)])
    return years, rows


@dataclass(frozen=True)
class Cover:
    """What a committee paper says of itself: its title, the council, and the day it was made. With
    none given, the title is the report's own and no date is printed, so the same report always
    gives the same text."""

    title: str | None = None
    council: str | None = None
    made_on: date | None = None

    def heading(self, default: str) -> str:
        return self.title or default

    def byline(self) -> str | None:
        parts = [self.council.rstrip(".") + "."] if self.council else []
        if self.made_on is not None:
            parts.append(f"Made on {_long_date(self.made_on)}.")
        return " ".join(parts) or None


def headline(report: AnnualReport) -> str:
    """The report's counts and stage 1 timeliness, for the top of every published form."""
    counts, timeliness = report.counts, report.stage1_timeliness_total
    potential = "potential complaint" if counts.potential == 1 else "potential complaints"
    in_time = Percentage(
        numerator=timeliness.in_time, denominator=timeliness.responded, percent=timeliness.percent
    )
    return (
        f"{say_of(counts.stage1)} stage 1, {say_of(counts.stage2)} stage 2 and "
        f"{say_of(counts.stage3)} stage 3 complaints; {say_of(counts.potential)} {potential}; "
        f"{say(counts.ombudsman)} referred to the Ombudsman. Stage 1 responses in time: "
        f"{say_share(in_time)}, against a target of {report.target_percent:g}%."
    )


def say_of(count: Count) -> str:
    """A count in a sentence: a hidden one is said to be withheld, never printed as a marker."""
    return "a withheld number of" if count is None else str(count)


def say(count: Count) -> str:
    """A count in a sentence, standing alone: "12", or "a withheld number"."""
    return "a withheld number" if count is None else str(count)


def say_share(share: Percentage) -> str:
    """A percentage in a sentence, with its parts: "72.7% (64 of 88)"."""
    if share.percent is None:
        return "none (nothing to count)" if share.denominator == 0 else "a withheld share"
    return f"{share.percent:.1f}% ({share.numerator} of {share.denominator})"


def sources_note(report: object) -> str | None:
    """Where the report's measures come from, for the foot of every published form."""
    sources: dict[str, str] = getattr(report, "sources", {})
    if not sources:
        return None
    return "Sources: " + "; ".join(f"{key}: {text}" for key, text in sources.items()) + "."


def frozen_note(report: object) -> str | None:
    """Where the report is the copy frozen when it was published: the day, and what it means."""
    frozen_on = getattr(report, "frozen_on", None)
    if frozen_on is None:
        return None
    return (
        f"Frozen on {frozen_on.isoformat()}: the figures as published then; cases purged or redacted "
        "since do not change them."
    )


def suppression_note(report: HasSuppressed) -> str | None:
    """The one true sentence on what is withheld and why, where small counts are withheld."""
    if not report.suppress_below:
        return None
    unlisted = ", and single complaints are not listed" if ["stage3"] in report.suppressed else ""
    return (
        f"Counts from 1 to {report.suppress_below - 1} are withheld and shown as {HIDDEN}; so are the other "
        "counts and percentages from which, with every total and percentage published here, a withheld "
        f"count could be worked out{unlisted}."
    )


def several_services_note(several: Count, year: str) -> str:
    """What the tables by service say when a complaint is about more than one service."""
    if several == 0:
        return ""
    return (
        f"{show(several)} complaints of {year} were about more than one service: each is counted under "
        "every service it names, so the services add up to more than the total, which counts it once."
    )


def tables(report: AnnualReport) -> list[Table]:
    """Every table of the report, as published."""
    this = report.year
    services = report.services
    hidden = Withheld(report)
    found: list[Table] = []

    def add(*args: object, **kwargs: object) -> None:
        found.append(Table(*args, **kwargs))  # type: ignore[arg-type]

    add(
        "counts",
        "Numbers of complaints by year",
        "2.2",
        ["Year", "Potential", "Stage 1", "Stage 2", "Stage 3", "Ombudsman"],
        [
            [y, c.potential, c.stage1, c.stage2, c.stage3, c.ombudsman]
            for y, c in sorted(report.counts_by_year.items(), reverse=True)
        ],
    )
    add(
        "stage1-by-service",
        "Stage 1 complaints by service",
        "5",
        ["Year", *services, "Total"],
        [
            [y, *(by.get(s, 0) for s in services), report.counts_by_year[y].stage1]
            for y, by in sorted(report.stage1_by_service_by_year.items(), reverse=True)
        ],
        note=several_services_note(report.several_services, this),
    )
    timeliness = [
        *((s, t, ("stage1_timeliness", s)) for s, t in report.stage1_timeliness.items()),
        ("Total", report.stage1_timeliness_total, ("stage1_timeliness_total",)),
    ]
    add(
        "stage1-response-times",
        f"Stage 1 response times {this}, against a {report.target_percent:g}% target",
        "5.1",
        [
            "Service",
            "Responded",
            "In time",
            "% in time",
            "In time without extension",
            "% without extension",
            "Target met",
        ],
        [
            [
                s,
                t.responded,
                t.in_time,
                hidden.pct(t.percent, *path, "percent"),
                t.in_time_unextended,
                hidden.pct(t.percent_unextended, *path, "percent_unextended"),
                hidden.yes_no(t.meets_target, *path, "meets_target"),
            ]
            for s, t, path in timeliness
        ],
    )
    found.extend(
        _nature(report.nature_stage1, services, "nature-stage1", "Nature of stage 1 complaints", "5.2")
    )
    outcome_years = list(report.stage1_outcomes_by_year)
    header = ["Service"]
    for kind in ("Not upheld", "Partially upheld", "Upheld", "Withdrawn", "Total"):
        header += [f"{kind} {y}" for y in outcome_years]
    rows: list[list[Cell]] = []
    for service in [*services, "Total"]:
        row: list[Cell] = [service]
        for kind in ("not_upheld", "partially_upheld", "upheld", "withdrawn", "total"):
            for y in outcome_years:
                outcome: Outcomes | None = report.stage1_outcomes_by_year[y].get(service)
                row.append(getattr(outcome, kind) if outcome else 0)
        rows.append(row)
    shares = ", ".join(
        f"{k.replace('_', ' ')} {show(hidden.pct(p.percent, 'stage1_outcomes_total_percent', k, 'percent'))}"
        for k, p in report.stage1_outcomes_total_percent.items()
    )
    add("stage1-outcomes", "Stage 1 complaints upheld", "5.3", header, rows, f"{this}: {shares}.")
    for stage, section in (("stage1", "6.1"), ("stage2", "6.2")):
        found.extend(_equalities(report, stage, section, hidden))
    found.append(_stage2_outcomes(report, services, hidden))
    escalation_years = list(next(iter(report.escalation_by_service.values()), {}))
    over_time = report.escalation_over_time
    add(
        "escalation-by-service",
        "Percentage of complaints escalating to stage 2",
        "7.2",
        ["Service", *escalation_years],
        [
            [
                s,
                *(
                    hidden.pct(p.percent, "escalation_by_service", s, y, "percent")
                    for y, p in by_year.items()
                ),
            ]
            for s, by_year in report.escalation_by_service.items()
        ]
        + [
            [
                "Total",
                *(
                    hidden.pct(
                        over_time[y].stage1_to_stage2_percent,
                        "escalation_over_time",
                        y,
                        "stage1_to_stage2_percent",
                    )
                    if y in over_time
                    else "n/a"
                    for y in escalation_years
                ),
            ]
        ],
        note=f"Stage 1 to 2 in {this}: {show(report.escalation.stage1_to_stage2.numerator)} of "
        f"{show(report.escalation.stage1_to_stage2.denominator)}.",
    )
    timeliness_years = list(report.stage2_timeliness.get("Total", {this: None}))
    add(
        "stage2-response-times",
        "Stage 2 response times",
        "7.4",
        ["Service", *(f"{kind} {y}" for y in timeliness_years for kind in ("Within time", "Over timescale"))],
        [
            [s, *(v for y in timeliness_years for v in (by[y].within_time, by[y].over_timescale))]
            for s, by in report.stage2_timeliness.items()
        ],
    )
    found.extend(
        _nature(report.nature_stage2, services, "nature-stage2", "Nature of stage 2 complaints", "7.5")
    )
    add(
        "stage3",
        f"Stage 3 complaints {this}",
        "8.1",
        [
            "Service",
            "Corporate/Statutory",
            "Panel within 30 days",
            "Report within 5 days",
            "Response within 15 days",
            "Corporate timescale met",
            "Outcome",
        ],
        [
            [
                r.service,
                r.kind,
                _yes_no(r.panel_within_30),
                _yes_no(r.report_within_5),
                _yes_no(r.response_within_15),
                _yes_no(r.corporate_timescale_met),
                _outcome_label(r.outcome),
            ]
            for r in report.stage3
        ],
    )
    kinds = [kind for kind in OMBUDSMAN_WORDS if kind in report.ombudsman_outcomes]
    add(
        "ombudsman",
        f"Ombudsman decisions {this}",
        "9.1",
        ["Service", *(_outcome_label(k) for k in kinds)],
        [[s, *(by.get(k, 0) for k in kinds)] for s, by in report.ombudsman_by_service.items()]
        + [["Total", *(report.ombudsman_outcomes.get(k, 0) for k in kinds)]],
    )
    add(
        "escalation-over-time",
        "Escalation comparison over time",
        "10",
        ["Year", "Stage 1 to 2", "Stage 1 to 3", "Ombudsman local settlements", "Ombudsman public reports"],
        [
            [
                y,
                hidden.pct(e.stage1_to_stage2_percent, "escalation_over_time", y, "stage1_to_stage2_percent"),
                hidden.pct(e.stage1_to_stage3_percent, "escalation_over_time", y, "stage1_to_stage3_percent"),
                e.local_settlements,
                e.public_reports,
            ]
            for y, e in report.escalation_over_time.items()
        ],
    )
    add(
        "mediation-advocacy-nhs",
        f"Mediation, advocacy and joint NHS complaints {this}",
        "11-13",
        ["Measure", "Number"],
        [
            ["Mediations held", report.mediation.held],
            ["Mediations that resolved the complaint", report.mediation.resolved],
            ["Advocacy arranged", report.advocacy.get("arranged", 0)],
            ["Joint NHS and social care complaints", report.joint_nhs],
        ],
    )
    found.append(learning_table(report.learning_actions, this, "Learning actions agreed"))
    add(
        "compliments",
        f"Compliments {this}",
        "15",
        ["Service", "Compliments"],
        [*_count_rows(dict(report.compliments_by_service)), ["Total", report.compliments]],
        note=", ".join(f"{y}: {show(n)}" for y, n in report.compliments_by_year.items()) + ".",
    )
    return found


def _nature(
    nature: dict[str, dict[str, dict[str, Count]]], services: list[str], key: str, title: str, section: str
) -> Iterable[Table]:
    for year, grid in nature.items():
        present = {s for row in grid.values() for s in row}
        columns = [s for s in services if s in present] + sorted(present - {*services, "Total"})
        rows: list[list[Cell]] = [
            [category, *(row.get(s, 0) for s in columns), row.get("Total")] for category, row in grid.items()
        ]
        yield Table(f"{key}-{year}", f"{title} {year}", section, ["Category", *columns, "Total"], rows)


def learning_table(learning: LearningActions, year: str, title: str) -> Table:
    """The learning actions: how many, and each as a line of a list."""
    return Table(
        "learning-actions",
        f"{title} {year}",
        "14",
        ["Measure", "Number"],
        [
            ["Agreed", learning.agreed],
            ["Completed by the year's end", learning.completed],
            ["Overdue at the year's end", learning.overdue],
        ],
        items=tuple(_learning_item(action) for action in learning.actions),
        note=""
        if learning.actions or not learning.agreed
        else "The actions are not listed: too few to publish.",
    )


def _learning_item(action: LearningAction) -> str:
    due = f"due {_long_date(date.fromisoformat(action.due))}" if action.due else "no date set"
    status = "" if action.status == "withheld" else f"; {action.status}"
    return f"{action.description} ({action.service}; {due}{status})."


def _long_date(day: date) -> str:
    return f"{day.day} {day:%B %Y}"


def _equalities(report: AnnualReport, stage: str, section: str, hidden: Withheld) -> Iterable[Table]:
    equalities = report.equalities[stage]
    name = stage.replace("stage", "stage ")
    years, rows = _by_year_rows(equalities.gender_by_year)
    yield Table(f"gender-{stage}", f"Gender of service user, {name}", section, ["Gender", *years], rows)
    yield Table(
        f"ethnicity-{stage}",
        f"Ethnic origin of service user, {name}, {report.year}",
        section,
        ["Ethnic origin", "Number"],
        _count_rows(equalities.ethnicity),
    )
    bme: list[list[Cell]] = [
        [
            y,
            p.numerator,
            p.denominator,
            hidden.pct(p.percent, "equalities", stage, "bme_where_known_by_year", y, "percent"),
        ]
        for y, p in equalities.bme_where_known_by_year.items()
    ]
    yield Table(
        f"bme-{stage}", f"BME percentage where known, {name}", section, ["Year", "BME", "Known", "% BME"], bme
    )
    yield Table(
        f"disability-{stage}",
        f"Disability, {name}, {report.year}",
        section,
        ["Disability", "Number"],
        _count_rows(equalities.disability),
    )
    years, rows = _by_year_rows(equalities.complainant_by_year)
    yield Table(f"complainant-{stage}", f"Complaint made by, {name}", section, ["Made by", *years], rows)


def _stage2_outcomes(report: AnnualReport, services: list[str], hidden: Withheld) -> Table:
    years = list(report.stage2_outcomes_by_year)
    header = ["Measure"] + [f"{s} {y}" for s in services for y in years] + [f"Total {report.year}"]
    measures = [
        ("Number", "number"),
        ("Upheld", "upheld"),
        ("Partially upheld", "partially_upheld"),
        ("Not upheld", "not_upheld"),
        ("Awaiting outcome", "awaiting"),
        ("% fully upheld", "percent_fully_upheld"),
        ("% at least partially upheld", "percent_at_least_partially_upheld"),
    ]
    rows: list[list[Cell]] = []
    for label, field in measures:
        row: list[Cell] = [label]
        for service in services:
            for y in years:
                outcome: Stage2Outcomes | None = report.stage2_outcomes_by_year[y].get(service)
                value = getattr(outcome, field) if outcome else 0
                path = ("stage2_outcomes_by_year", y, service, field)
                row.append(hidden.pct(value if outcome else None, *path) if "percent" in field else value)
        total = getattr(report.stage2_outcomes_total, field)
        row.append(hidden.pct(total, "stage2_outcomes_total", field) if "percent" in field else total)
        rows.append(row)
    return Table("stage2-outcomes", "Stage 2 outcomes", "7.1", header, rows)
