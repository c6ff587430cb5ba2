"""The children's annual report under disclosure control: its ledger of counts and sums.

Every count in the report describes people or complaints, so every count is subject to
suppression (complaintflow.report.disclosure says how). The ledger below lists every sum the
report prints, in any table: row and column totals, the totals one table shares with another
(a service's stage 2 complaints in the outcomes, the escalation and the nature tables), the
counts printed twice, and every percentage with the counts it is made of. The stage 3 table
lists single complaints, which no suppression can protect, so the published form leaves it out.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from complaintflow.report.disclosure import Ledger, Path

TOTAL = "Total"
OUTCOME_KINDS = ("not_upheld", "partially_upheld", "upheld", "withdrawn")
STAGE2_COUNTS = ("number", "upheld", "partially_upheld", "not_upheld", "awaiting")
TIMELINESS_COUNTS = ("responded", "in_time", "in_time_unextended", "extended_beyond_usual")


def _counts(
    ledger: Ledger, data: Mapping[str, Any], path: Path, fields: tuple[str, ...], *, headline: bool = False
) -> None:
    for name in fields:
        ledger.count((*path, name), data[name], headline=headline)


def _row(ledger: Ledger, row: Mapping[str, Any], path: Path) -> None:
    """A row of counts by label, with its Total."""
    for label, value in row.items():
        ledger.count((*path, label), value)
    if TOTAL in row:
        ledger.add_sum([(*path, label) for label in row if label != TOTAL], (*path, TOTAL))


def annual_ledger(data: Mapping[str, Any]) -> Ledger:
    """The ledger of a children's report, from its JSON form (`AnnualReport.model_dump()`)."""
    ledger = Ledger()
    this = data["year"]
    by_year = data["counts_by_year"]
    counts = ("potential", "stage1", "stage2", "stage3", "ombudsman")
    _counts(ledger, data["counts"], ("counts",), counts, headline=True)
    for year, row in by_year.items():
        _counts(ledger, row, ("counts_by_year", year), counts, headline=True)
    if this in by_year:
        for name in counts:
            ledger.same(("counts", name), ("counts_by_year", this, name))

    def year_total(year: str, stage: str) -> Path | None:
        return ("counts_by_year", year, stage) if year in by_year else None

    def total_of(parts: list[Path], total: Path | None) -> None:
        if total is not None:
            ledger.add_sum(parts, total)

    for service, value in data["stage1_by_service"].items():
        ledger.count(("stage1_by_service", service), value)
        ledger.same(("stage1_by_service", service), ("stage1_by_service_by_year", this, service))
    for year, row in data["stage1_by_service_by_year"].items():
        _row(ledger, row, ("stage1_by_service_by_year", year))
        total_of([("stage1_by_service_by_year", year, s) for s in row], year_total(year, "stage1"))

    timeliness = [("stage1_timeliness", s) for s in data["stage1_timeliness"]]
    for path in [*timeliness, ("stage1_timeliness_total",)]:
        row = data[path[0]] if len(path) == 1 else data[path[0]][path[1]]
        _counts(ledger, row, path, TIMELINESS_COUNTS)
        ledger.share([(*path, "percent"), (*path, "meets_target")], (*path, "in_time"), (*path, "responded"))
        ledger.share([(*path, "percent_unextended")], (*path, "in_time_unextended"), (*path, "responded"))
    for name in TIMELINESS_COUNTS:
        ledger.add_sum([(*path, name) for path in timeliness], ("stage1_timeliness_total", name))
    for path in [*timeliness, ("stage1_timeliness_total",)]:
        for name in ("in_time", "in_time_unextended", "extended_beyond_usual"):
            ledger.at_most([(*path, name)], (*path, "responded"))
    stage1_now = data["stage1_by_service_by_year"].get(this, {})
    for service in data["stage1_timeliness"]:
        if service in stage1_now:
            ledger.at_most(
                [("stage1_timeliness", service, "responded")], ("stage1_by_service_by_year", this, service)
            )
    if this in by_year:
        ledger.at_most([("stage1_timeliness_total", "responded")], ("counts_by_year", this, "stage1"))

    for stage in ("nature_stage1", "nature_stage2"):
        for year, grid in data[stage].items():
            _grid(ledger, grid, (stage, year))
            _nature_limits(ledger, data, grid, stage, year)

    for service, row in data["stage1_outcomes"].items():
        _counts(ledger, row, ("stage1_outcomes", service), (*OUTCOME_KINDS, "total"))
        for kind in (*OUTCOME_KINDS, "total"):
            ledger.same(("stage1_outcomes", service, kind), ("stage1_outcomes_by_year", this, service, kind))
    for year, table in data["stage1_outcomes_by_year"].items():
        for service, row in table.items():
            path = ("stage1_outcomes_by_year", year, service)
            _counts(ledger, row, path, (*OUTCOME_KINDS, "total"))
            ledger.add_sum([(*path, kind) for kind in OUTCOME_KINDS], (*path, "total"))
            if service in data["stage1_by_service_by_year"].get(year, {}):
                ledger.at_most([(*path, "total")], ("stage1_by_service_by_year", year, service))
            elif service == TOTAL and year in by_year:
                ledger.at_most([(*path, "total")], ("counts_by_year", year, "stage1"))
        if TOTAL in table:
            for kind in (*OUTCOME_KINDS, "total"):
                parts = [("stage1_outcomes_by_year", year, s, kind) for s in table if s != TOTAL]
                ledger.add_sum(parts, ("stage1_outcomes_by_year", year, TOTAL, kind))
    for kind, share in data["stage1_outcomes_total_percent"].items():
        path = ("stage1_outcomes_total_percent", kind)
        ledger.percentage(path, share)
        ledger.same((*path, "numerator"), ("stage1_outcomes_by_year", this, TOTAL, kind))
        ledger.same((*path, "denominator"), ("stage1_outcomes_by_year", this, TOTAL, "total"))

    for stage, equalities in data["equalities"].items():
        _equalities(ledger, equalities, ("equalities", stage), stage, this, year_total)

    for service, row in data["stage2_outcomes"].items():
        _stage2_outcomes(ledger, row, ("stage2_outcomes", service))
        for name in STAGE2_COUNTS:
            ledger.same(("stage2_outcomes", service, name), ("stage2_outcomes_by_year", this, service, name))
    for year, table in data["stage2_outcomes_by_year"].items():
        for service, row in table.items():
            _stage2_outcomes(ledger, row, ("stage2_outcomes_by_year", year, service))
        total_of([("stage2_outcomes_by_year", year, s, "number") for s in table], year_total(year, "stage2"))
    _stage2_outcomes(ledger, data["stage2_outcomes_total"], ("stage2_outcomes_total",))
    for name in STAGE2_COUNTS:
        parts = [
            ("stage2_outcomes_by_year", this, s, name) for s in data["stage2_outcomes_by_year"].get(this, {})
        ]
        ledger.add_sum(parts, ("stage2_outcomes_total", name))
    ledger.same(("stage2_outcomes_total", "number"), ("counts", "stage2"))

    for to in ("stage2", "stage3"):
        path = ("escalation", f"stage1_to_{to}")
        ledger.percentage(
            path, data["escalation"][f"stage1_to_{to}"], ("escalation", f"stage1_to_{to}_percent")
        )
        ledger.same((*path, "numerator"), ("counts", to))
        ledger.same((*path, "denominator"), ("counts", "stage1"))

    _escalation_by_service(ledger, data, year_total)

    for service, by in data["stage2_timeliness"].items():
        for year, row in by.items():
            _counts(ledger, row, ("stage2_timeliness", service, year), ("within_time", "over_timescale"))
            # The responses sent are the complaints with an outcome: two breakdowns of one figure.
            outcome = _stage2_row(data, service, year)
            if outcome is not None:
                times = [
                    ("stage2_timeliness", service, year, name) for name in ("within_time", "over_timescale")
                ]
                ledger.balance(
                    times, [(*outcome, name) for name in ("upheld", "partially_upheld", "not_upheld")]
                )
    services = [s for s in data["stage2_timeliness"] if s != TOTAL]
    for year in data["stage2_timeliness"].get(TOTAL, {}):
        for name in ("within_time", "over_timescale"):
            parts = [("stage2_timeliness", s, year, name) for s in services]
            ledger.add_sum(parts, ("stage2_timeliness", TOTAL, year, name))

    _row(ledger, data["ombudsman_outcomes"], ("ombudsman_outcomes",))
    for service, row in data["ombudsman_by_service"].items():
        _row(ledger, row, ("ombudsman_by_service", service))
    for kind in data["ombudsman_outcomes"]:
        by_service = [
            ("ombudsman_by_service", s, kind)
            for s, row in data["ombudsman_by_service"].items()
            if kind in row
        ]
        ledger.add_sum(by_service, ("ombudsman_outcomes", kind))

    for year, row in data["escalation_over_time"].items():
        path = ("escalation_over_time", year)
        _counts(ledger, row, path, ("local_settlements", "public_reports"))
        for to in ("stage2", "stage3"):
            share = (*path, f"stage1_to_{to}")
            ledger.percentage(share, row[f"stage1_to_{to}"], (*path, f"stage1_to_{to}_percent"))
            if year in by_year:
                ledger.same((*share, "numerator"), ("counts_by_year", year, to))
                ledger.same((*share, "denominator"), ("counts_by_year", year, "stage1"))
    for kind, name in (("local_settlement", "local_settlements"), ("public_report", "public_reports")):
        if this in data["escalation_over_time"] and kind in data["ombudsman_outcomes"]:
            ledger.same(("ombudsman_outcomes", kind), ("escalation_over_time", this, name))

    _counts(ledger, data["mediation"], ("mediation",), ("held", "resolved"))
    ledger.at_most([("mediation", "resolved")], ("mediation", "held"))
    for year, row in data["mediation_by_year"].items():
        _counts(ledger, row, ("mediation_by_year", year), ("held", "resolved"))
        ledger.at_most([("mediation_by_year", year, "resolved")], ("mediation_by_year", year, "held"))
        if year == this:
            for name in ("held", "resolved"):
                ledger.same(("mediation", name), ("mediation_by_year", year, name))
    _row(ledger, data["advocacy"], ("advocacy",))
    ledger.count(("joint_nhs",), data["joint_nhs"])
    learning_ledger(ledger, data["learning_actions"])
    ledger.count(("compliments",), data["compliments"])
    ledger.count(("events_voided",), data["events_voided"])  # corrections: small ones are withheld too
    ledger.count(("several_services",), data["several_services"])
    _row(ledger, data["compliments_by_service"], ("compliments_by_service",))
    ledger.add_sum([("compliments_by_service", s) for s in data["compliments_by_service"]], ("compliments",))
    _row(ledger, data["compliments_by_year"], ("compliments_by_year",))
    if this in data["compliments_by_year"]:
        ledger.same(("compliments",), ("compliments_by_year", this))
    return ledger


def learning_ledger(ledger: Ledger, learning: Mapping[str, Any]) -> None:
    """The learning actions: those completed and those overdue are among those agreed."""
    _counts(ledger, learning, ("learning_actions",), ("agreed", "completed", "overdue"))
    parts = [("learning_actions", "completed"), ("learning_actions", "overdue")]
    ledger.at_most(parts, ("learning_actions", "agreed"))


def _stage2_row(data: Mapping[str, Any], service: str, year: str) -> Path | None:
    """Where a service's stage 2 outcomes for a year are printed, if they are."""
    if service == TOTAL:
        return ("stage2_outcomes_total",) if year == data["year"] else None
    if service in data["stage2_outcomes_by_year"].get(year, {}):
        return ("stage2_outcomes_by_year", year, service)
    return None


def _stage_count(data: Mapping[str, Any], stage: str, year: str, service: str) -> Path | None:
    """Where the number of a service's complaints at a stage in a year is printed, if it is."""
    if stage == "nature_stage1":
        if service == TOTAL:
            return ("counts_by_year", year, "stage1") if year in data["counts_by_year"] else None
        found = service in data["stage1_by_service_by_year"].get(year, {})
        return ("stage1_by_service_by_year", year, service) if found else None
    if service == TOTAL:
        return ("counts_by_year", year, "stage2") if year in data["counts_by_year"] else None
    row = _stage2_row(data, service, year)
    return None if row is None else (*row, "number")


def _nature_limits(
    ledger: Ledger, data: Mapping[str, Any], grid: Mapping[str, Mapping[str, Any]], stage: str, year: str
) -> None:
    """A complaint has at least one nature, so no nature names more of a service's complaints than
    it had, and the mentions of a service are at least its complaints."""
    for category, row in grid.items():
        for service in row:
            count = _stage_count(data, stage, year, service)
            if count is None:
                continue
            if category == TOTAL:
                ledger.at_most([count], (stage, year, category, service))
            else:
                ledger.at_most([(stage, year, category, service)], count)


def _grid(ledger: Ledger, grid: Mapping[str, Mapping[str, Any]], path: Path) -> None:
    """A category x service table: each row adds up to its Total, each column to the Total row."""
    for category, row in grid.items():
        _row(ledger, row, (*path, category))
    if TOTAL in grid:
        for service in grid[TOTAL]:
            parts = [(*path, c, service) for c, row in grid.items() if c != TOTAL and service in row]
            ledger.add_sum(parts, (*path, TOTAL, service))


def _equalities(
    ledger: Ledger, data: Mapping[str, Any], path: Path, stage: str, this: str, year_total: Any
) -> None:
    for table in ("gender_by_year", "complainant_by_year"):
        for year, row in data[table].items():
            _row(ledger, row, (*path, table, year))
            if (total := year_total(year, stage)) is not None:
                ledger.same((*path, table, year, TOTAL), total)
    for table in ("ethnicity", "disability"):
        _row(ledger, data[table], (*path, table))
        if (total := year_total(this, stage)) is not None:
            ledger.same((*path, table, TOTAL), total)
    share = (*path, "bme_where_known")
    ledger.percentage(share, data["bme_where_known"])
    groups = [label for label in data["ethnicity"] if label != TOTAL]
    bme = [(*path, "ethnicity", g) for g in groups if g in data["bme_groups"]]
    known = [(*path, "ethnicity", g) for g in groups if g not in data["not_known_groups"]]
    ledger.add_sum(bme, (*share, "numerator"))
    ledger.add_sum(known, (*share, "denominator"))
    for year, value in data["bme_where_known_by_year"].items():
        ledger.percentage((*path, "bme_where_known_by_year", year), value)
        if year == this:
            for part in ("numerator", "denominator"):
                ledger.same((*share, part), (*path, "bme_where_known_by_year", year, part))


def _stage2_outcomes(ledger: Ledger, row: Mapping[str, Any], path: Path) -> None:
    """A service's stage 2 outcomes: the number breaks down into the outcomes and those awaiting one."""
    _counts(ledger, row, path, STAGE2_COUNTS)
    number = (*path, "number")
    ledger.add_sum([(*path, name) for name in STAGE2_COUNTS if name != "number"], number)
    ledger.share([(*path, "percent_fully_upheld")], (*path, "upheld"), number)
    ledger.share(
        [(*path, "percent_at_least_partially_upheld")], (*path, "upheld"), (*path, "partially_upheld"), number
    )


def _escalation_by_service(ledger: Ledger, data: Mapping[str, Any], year_total: Any) -> None:
    """Stage 1 to 2 by service: each numerator is the service's stage 2 count, each denominator its
    stage 1 count, both printed elsewhere for this year and last."""
    numerators: dict[str, list[Path]] = {}
    denominators: dict[str, list[Path]] = {}
    for service, by in data["escalation_by_service"].items():
        for year, value in by.items():
            path = ("escalation_by_service", service, year)
            ledger.percentage(path, value)
            numerators.setdefault(year, []).append((*path, "numerator"))
            denominators.setdefault(year, []).append((*path, "denominator"))
            outcomes = data["stage2_outcomes_by_year"].get(year, {})
            if service in outcomes:
                ledger.same((*path, "numerator"), ("stage2_outcomes_by_year", year, service, "number"))
            stage1 = data["stage1_by_service_by_year"].get(year, {})
            if service in stage1:
                ledger.same((*path, "denominator"), ("stage1_by_service_by_year", year, service))
    # The services listed are every service with a complaint this year or last, so for those years
    # the columns add up to the year's counts.
    for year in (data["year"], *(y for y in data["stage2_outcomes_by_year"] if y != data["year"])):
        for parts, stage in ((numerators, "stage2"), (denominators, "stage1")):
            if year in parts and (total := year_total(year, stage)) is not None:
                ledger.add_sum(parts[year], total)
