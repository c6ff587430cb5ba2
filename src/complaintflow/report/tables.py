"""The counting rules of the annual report, applied to the records of every case.

- A reporting year runs 1 April to 31 March.
- A complaint counts at stage S in year Y when stage S began in Y (stage 1: received; stages 2 and
  3: requested, or received directly at that stage). A potential complaint (a concern that never
  became a complaint) counts in the year it was logged.
- A response is in time when it was sent on or before the due date in force, so a valid extension
  counts; the count within the unextended limit is reported as well.
- Escalation rate stage 1 to 2 = stage 2 complaints / stage 1 complaints in the year; likewise to 3.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

from complaintflow._bulk import collector_paused
from complaintflow.report.model import (
    AnnualReport,
    Count,
    Equalities,
    Escalation,
    EscalationOverTime,
    LearningAction,
    LearningActions,
    Mediation,
    Outcomes,
    Percentage,
    Stage2Outcomes,
    Stage2Timeliness,
    Stage3Row,
    Timeliness,
    YearCounts,
)
from complaintflow.report.ombudsman import deciding_ombudsman, ombudsman_figures
from complaintflow.report.records import CaseRecord, Stage3Timescales, StageRecord, reporting_year, year_label
from complaintflow.report.teams import team_counts

#: Where a case names no service area.
NO_SERVICE = "Other"
TOTAL = "Total"

COMPLAINANT_LABELS: Mapping[str | None, str] = {
    "service_user": "Service user",
    "parent_or_relative": "Parent/relative",
    "advocate": "Advocate",
    "solicitor": "Solicitors",
    "councillor": "Councillor",
    "other": "Friend, other",
    None: "Not recorded",
}


@dataclass(frozen=True)
class ReportSettings:
    """Choices about how the report counts, each with its documented default."""

    target_percent: float = 75.0
    #: The council's order of its services, for every table by service; services it does not name
    #: follow in the order they first appear in the events.
    services: tuple[str, ...] = ()
    #: Ethnicities counted as not BME in "BME percentage where known". The seed council counted
    #: "Any other White Background" and "Romanian" as BME but "White Other" not (its 81 % for
    #: 2012-13 reproduces only so); councils set their own list.
    not_bme: frozenset[str] = frozenset({"White or White British", "White British", "White Other"})
    #: Ethnicity values meaning "not known", left out of "where known".
    unknown_ethnicity: frozenset[str] = frozenset({"Not known", "Not Known", "Unknown"})
    #: A table of complaints by the team that owned them at the year's end, in every kind of
    #: report (complaintflow.report.teams). Off unless the council asks: not every council assigns
    #: cases to teams, and a table of small counts is mostly withheld.
    by_team: bool = False
    #: Reporting years shown even where the records have no data for them: years frozen in a store
    #: (complaintflow.store.freezing), whose columns are then filled from the frozen figures.
    known_years: frozenset[int] = frozenset()


def _services(record: CaseRecord) -> tuple[str, ...]:
    """The services a case counts under: each it names (a case about two counts under both, and
    once in a total), or "Other" where it names none."""
    return record.service_areas or ((record.service_area,) if record.service_area else (NO_SERVICE,))


def _service(record: CaseRecord) -> str:
    """The services of a case as one line lists it (the stage 3 table, the learning actions)."""
    return "; ".join(_services(record))


def _year_end(year: int) -> date:
    return date(year + 1, 3, 31)


def _gender(record: CaseRecord) -> str:
    gender = record.service_user.gender if record.service_user else None
    return gender.strip().capitalize() if gender and gender.strip().lower() != "unknown" else "Unknown"


def _ethnicity(record: CaseRecord) -> str:
    ethnicity = record.service_user.ethnicity if record.service_user else None
    return ethnicity or "Not known"


def _disability(record: CaseRecord) -> str:
    disability = record.service_user.disability if record.service_user else None
    return {True: "Yes", False: "No", None: "Unknown"}[disability]


class _Tally:
    """The report's tables for one log, computed year by year on demand."""

    def __init__(self, records: Iterable[CaseRecord], settings: ReportSettings) -> None:
        """Index every record once by the year of each thing the report counts."""
        self.records = list(records)
        self.settings = settings
        self._stages: dict[tuple[int, int], list[tuple[CaseRecord, StageRecord]]] = defaultdict(list)
        self._dated: dict[tuple[str, int], list[tuple[CaseRecord, Any]]] = defaultdict(list)
        years: set[int] = set()

        def note(kind: str, day: date, record: CaseRecord, detail: Any = None) -> None:
            self._dated[(kind, reporting_year(day))].append((record, detail))

        for record in self.records:
            for number, stage in record.stages.items():
                began = reporting_year(stage.began)
                years.add(began)
                self._stages[(number, began)].append((record, stage))
            if record.concern_on is not None:
                years.add(reporting_year(record.concern_on))
                if not record.stages:
                    note("potential", record.concern_on, record)
            if record.compliment_on is not None:
                years.add(reporting_year(record.compliment_on))
                note("compliment", record.compliment_on, record)
            for day in record.ombudsman_referred:
                note("referral", day, record)
            for day, outcome in record.ombudsman_decided:
                note("decision", day, record, outcome)
            for day, _, public_report, _ in record.ombudsman_findings:
                if public_report:
                    note("public_report", day, record)
            for day, resolved in record.mediation:
                note("mediation", day, record, resolved)
            for day in record.advocacy:
                note("advocacy", day, record)
            for day in record.voided:
                note("voided", day, record)
            for action, on, due, _ in record.learning:
                note("learning", on, record, (action, due))
        self.years = sorted(years | settings.known_years)
        #: Services in the council's order: those it gave first, then the others as they appear.
        self.service_rank = {service: rank for rank, service in enumerate(settings.services)}
        for record in self.records:
            for service in _services(record):
                self.service_rank.setdefault(service, len(self.service_rank))
        self._grouped: dict[tuple[int, int], dict[str, list[tuple[CaseRecord, StageRecord]]]] = {}

    def at_stage(self, stage: int, year: int) -> list[tuple[CaseRecord, StageRecord]]:
        """The cases whose `stage` began in `year`, with that stage."""
        return self._stages.get((stage, year), [])

    def on_year(self, kind: str, year: int) -> list[tuple[CaseRecord, Any]]:
        """The records of one kind of dated fact (a compliment, a referral, ...) in `year`."""
        return self._dated.get((kind, year), [])

    def counts(self, year: int) -> YearCounts:
        return YearCounts(
            potential=len(self.on_year("potential", year)),
            stage1=len(self.at_stage(1, year)),
            stage2=len(self.at_stage(2, year)),
            stage3=len(self.at_stage(3, year)),
            ombudsman=len(self.on_year("referral", year)),
        )

    def in_order(self, services: Iterable[str]) -> list[str]:
        """Services in the council's order."""
        return sorted(
            services, key=lambda service: (self.service_rank.get(service, len(self.service_rank)), service)
        )

    def counted_by_service(self, records: Iterable[CaseRecord]) -> dict[str, int]:
        counted = Counter(service for record in records for service in _services(record))
        return {service: counted[service] for service in self.in_order(counted)}

    def by_service(self, stage: int, year: int) -> dict[str, int]:
        return self.counted_by_service(r for r, _ in self.at_stage(stage, year))

    def timeliness(self, rows: list[tuple[CaseRecord, StageRecord]]) -> Timeliness:
        responded = [stage for _, stage in rows if stage.responded_on is not None]
        in_time = sum(bool(stage.in_time) for stage in responded)
        unextended = sum(bool(stage.in_time_unextended) for stage in responded)
        share = Percentage.of(in_time, len(responded)).percent
        return Timeliness(
            responded=len(responded),
            in_time=in_time,
            percent=share,
            in_time_unextended=unextended,
            percent_unextended=Percentage.of(unextended, len(responded)).percent,
            meets_target=None if share is None else share >= self.settings.target_percent,
            extended_beyond_usual=sum(stage.extended_beyond_usual for stage in responded),
        )

    def grouped(self, stage: int, year: int) -> dict[str, list[tuple[CaseRecord, StageRecord]]]:
        """The cases whose `stage` began in `year`, by service."""
        if (stage, year) not in self._grouped:
            groups: dict[str, list[tuple[CaseRecord, StageRecord]]] = defaultdict(list)
            for record, begun in self.at_stage(stage, year):
                for service in _services(record):
                    groups[service].append((record, begun))
            self._grouped[(stage, year)] = {service: groups[service] for service in self.in_order(groups)}
        return self._grouped[(stage, year)]

    def nature(self, stage: int, year: int) -> dict[str, dict[str, Count]]:
        table: dict[str, dict[str, Count]] = defaultdict(lambda: defaultdict(int))
        for record, _ in self.at_stage(stage, year):
            for category in record.categories or ("Not recorded",):
                row = table[category]
                for service in _services(record):
                    row[service] = (row[service] or 0) + 1
                row[TOTAL] = (row[TOTAL] or 0) + 1
        grid = {category: dict(sorted(row.items())) for category, row in sorted(table.items())}
        totals: dict[str, Count] = defaultdict(int)
        for row in grid.values():
            for service, count in row.items():
                totals[service] = (totals[service] or 0) + (count or 0)
        if grid:  # a total row: the mentions of each service (a complaint may name several natures)
            grid[TOTAL] = dict(sorted(totals.items()))
        return grid

    def stage1_outcomes(self, year: int) -> dict[str, Outcomes]:
        table = {}
        for service, rows in self.grouped(1, year).items():
            outcomes = Counter(record.stage1_outcome() for record, _ in rows)
            table[service] = _outcomes(outcomes)
        table[TOTAL] = _outcomes(Counter(record.stage1_outcome() for record, _ in self.at_stage(1, year)))
        return table

    def stage2_outcomes(self, rows: list[tuple[CaseRecord, StageRecord]]) -> Stage2Outcomes:
        outcomes = Counter(stage.outcome for _, stage in rows)
        number = len(rows)
        upheld, partial = outcomes["upheld"], outcomes["partially_upheld"]
        return Stage2Outcomes(
            number=number,
            upheld=upheld,
            partially_upheld=partial,
            not_upheld=outcomes["not_upheld"],
            awaiting=outcomes[None],
            percent_fully_upheld=Percentage.of(upheld, number).percent,
            percent_at_least_partially_upheld=Percentage.of(upheld + partial, number).percent,
        )

    def equalities(self, stage: int, year: int) -> Equalities:
        rows = [record for record, _ in self.at_stage(stage, year)]
        recent = [y for y in self.years if y <= year][-5:]

        def by_year(label: Callable[[CaseRecord, StageRecord], str]) -> dict[str, dict[str, Count]]:
            table: dict[str, dict[str, Count]] = {}
            for y in recent:
                counted = Counter(label(r, s) for r, s in self.at_stage(stage, y))
                table[year_label(y)] = {**dict(sorted(counted.items())), TOTAL: sum(counted.values())}
            return table

        ethnicity = Counter(_ethnicity(r) for r in rows)
        disability = Counter(_disability(r) for r in rows)
        return Equalities(
            gender_by_year=by_year(lambda r, _: _gender(r)),
            ethnicity={**dict(sorted(ethnicity.items())), TOTAL: len(rows)},
            bme_where_known=self.bme([r for r in rows]),
            bme_where_known_by_year={
                year_label(y): self.bme([r for r, _ in self.at_stage(stage, y)]) for y in recent
            },
            disability={**dict(sorted(disability.items())), TOTAL: len(rows)},
            complainant_by_year=by_year(lambda _, s: COMPLAINANT_LABELS[s.complainant_role]),
            bme_groups=sorted(e for e in ethnicity if self._is_bme(e)),
            not_known_groups=sorted(e for e in ethnicity if e in self.settings.unknown_ethnicity),
        )

    def _is_bme(self, ethnicity: str) -> bool:
        return ethnicity not in self.settings.unknown_ethnicity and ethnicity not in self.settings.not_bme

    def bme(self, rows: list[CaseRecord]) -> Percentage:
        known = [_ethnicity(r) for r in rows if _ethnicity(r) not in self.settings.unknown_ethnicity]
        return Percentage.of(sum(self._is_bme(e) for e in known), len(known))

    def escalation(self, year: int, to_stage: int, service: str | None = None) -> Percentage:
        def count(stage: int) -> int:
            return sum(1 for r, _ in self.at_stage(stage, year) if service is None or service in _services(r))

        return Percentage.of(count(to_stage), count(1))

    def stage2_timeliness(self, rows: list[tuple[CaseRecord, StageRecord]]) -> Stage2Timeliness:
        responded = [stage for _, stage in rows if stage.responded_on is not None]
        within = sum(bool(stage.in_time) for stage in responded)
        return Stage2Timeliness(within_time=within, over_timescale=len(responded) - within)

    def stage3_rows(self, year: int) -> list[Stage3Row]:
        rows = []
        for record, stage in self.at_stage(3, year):
            outcome = stage.outcome
            if record.withdrawn_at_stage == 3:
                outcome = "withdrawn"
            statutory = record.statutory
            timescales = record.stage3 or Stage3Timescales()
            rows.append(
                Stage3Row(
                    service=_service(record),
                    kind="Statutory" if statutory else "Corporate",
                    panel_within_30=timescales.panel_in_time if statutory else None,
                    report_within_5=timescales.recommendations_in_time if statutory else None,
                    response_within_15=timescales.response_in_time if statutory else None,
                    corporate_timescale_met=None if statutory else stage.in_time,
                    outcome=outcome,
                )
            )
        return sorted(rows, key=lambda row: (row.kind, self.service_rank.get(row.service, 0), row.service))

    def ombudsman(self, year: int) -> tuple[dict[str, int], dict[str, dict[str, int]]]:
        overall: Counter[str] = Counter()
        by_service: dict[str, Counter[str]] = defaultdict(Counter)
        for record, outcome in self.on_year("decision", year):
            overall[outcome] += 1
            for service in _services(record):
                by_service[service][outcome] += 1
        return dict(sorted(overall.items())), {s: dict(by_service[s]) for s in self.in_order(by_service)}

    def escalation_over_time(self, year: int) -> EscalationOverTime:
        to_stage2, to_stage3 = self.escalation(year, 2), self.escalation(year, 3)
        decisions = self.ombudsman(year)[0]
        return EscalationOverTime(
            stage1_to_stage2_percent=to_stage2.percent,
            stage1_to_stage3_percent=to_stage3.percent,
            stage1_to_stage2=to_stage2,
            stage1_to_stage3=to_stage3,
            local_settlements=decisions.get("local_settlement", 0),
            public_reports=len(self.on_year("public_report", year)),
        )

    def mediation(self, year: int) -> Mediation:
        held = [resolved for _, resolved in self.on_year("mediation", year)]
        return Mediation(held=len(held), resolved=sum(held))

    def learning(self, year: int) -> LearningActions:
        return learning_actions(self.records, year)


def learning_actions(records: Iterable[CaseRecord], year: int) -> LearningActions:
    """Learning actions agreed in the year, each with how it stands at the year's end."""
    end = _year_end(year)
    actions = []
    for record in records:
        for action, on, due, description in record.learning:
            if reporting_year(on) != year:
                continue
            done = record.completed_on(action)
            if done is not None and done <= end:
                status = "completed"
            elif due is not None and due < end:
                status = "overdue"
            else:
                status = "in progress"
            actions.append(
                LearningAction(
                    description=description,
                    service=_service(record),
                    due=due.isoformat() if due else None,
                    status=status,
                )
            )
    statuses = Counter(action.status for action in actions)
    return LearningActions(
        agreed=len(actions), completed=statuses["completed"], overdue=statuses["overdue"], actions=actions
    )


def _outcomes(counted: Counter[str | None]) -> Outcomes:
    kinds = ("not_upheld", "partially_upheld", "upheld", "withdrawn")
    return Outcomes(**{kind: counted[kind] for kind in kinds}, total=sum(counted[k] for k in kinds))


def build_report(
    records: Iterable[CaseRecord], year: int, settings: ReportSettings | None = None
) -> AnnualReport:
    """Every table of the annual report for the reporting year starting 1 April `year`."""
    settings = settings or ReportSettings()
    with collector_paused():
        tally = _Tally(records, settings)
    label = year_label
    this, last = year, year - 1
    # Earlier years are shown only where the log has data for them: never a column of zeros.
    two = [y for y in (this, last) if y == this or y in tally.years]
    three = [y for y in (this - 2, last, this) if y == this or y in tally.years]
    stage1 = tally.grouped(1, this)
    stage2 = tally.grouped(2, this)
    services = tally.in_order(
        {
            s
            for stage in (1, 2, 3)
            for y in (this, last)
            for r, _ in tally.at_stage(stage, y)
            for s in _services(r)
        }
    )
    outcomes = tally.stage1_outcomes(this)
    total = outcomes.pop(TOTAL)
    ombudsman, ombudsman_by_service = tally.ombudsman(this)
    to_stage2, to_stage3 = tally.escalation(this, 2), tally.escalation(this, 3)
    years = [y for y in tally.years if y <= this]  # a report never shows the years after its own
    return AnnualReport(
        year=label(this),
        target_percent=settings.target_percent,
        years=[label(y) for y in years],
        counts=tally.counts(this),
        counts_by_year={label(y): tally.counts(y) for y in years},
        services=services,
        stage1_by_service=tally.by_service(1, this),
        stage1_by_service_by_year={label(y): tally.by_service(1, y) for y in years},
        stage1_timeliness={service: tally.timeliness(rows) for service, rows in stage1.items()},
        stage1_timeliness_total=tally.timeliness(tally.at_stage(1, this)),
        nature_stage1={label(y): tally.nature(1, y) for y in two},
        nature_stage2={label(y): tally.nature(2, y) for y in two},
        stage1_outcomes=outcomes,
        stage1_outcomes_by_year={label(y): tally.stage1_outcomes(y) for y in two},
        stage1_outcomes_total_percent={
            kind: Percentage.of(getattr(total, kind), total.total or 0)
            for kind in ("not_upheld", "partially_upheld", "upheld", "withdrawn")
        },
        equalities={"stage1": tally.equalities(1, this), "stage2": tally.equalities(2, this)},
        stage2_outcomes={service: tally.stage2_outcomes(rows) for service, rows in stage2.items()},
        stage2_outcomes_by_year={
            label(y): {s: tally.stage2_outcomes(rows) for s, rows in tally.grouped(2, y).items()} for y in two
        },
        stage2_outcomes_total=tally.stage2_outcomes(tally.at_stage(2, this)),
        escalation=Escalation(
            stage1_to_stage2_percent=to_stage2.percent,
            stage1_to_stage3_percent=to_stage3.percent,
            stage1_to_stage2=to_stage2,
            stage1_to_stage3=to_stage3,
        ),
        escalation_by_service={
            service: {label(y): tally.escalation(y, 2, service) for y in three} for service in services
        },
        stage2_timeliness={
            **{
                service: {
                    label(y): tally.stage2_timeliness(tally.grouped(2, y).get(service, [])) for y in two
                }
                for service in services
            },
            TOTAL: {label(y): tally.stage2_timeliness(tally.at_stage(2, y)) for y in two},
        },
        stage3=tally.stage3_rows(this),
        ombudsman_outcomes=ombudsman,
        ombudsman_by_service=ombudsman_by_service,
        escalation_over_time={label(y): tally.escalation_over_time(y) for y in reversed(years)},
        mediation=tally.mediation(this),
        mediation_by_year={label(y): tally.mediation(y) for y in years},
        advocacy={"arranged": len(tally.on_year("advocacy", this))},
        joint_nhs=sum(1 for r, _ in tally.at_stage(1, this) if r.joint_nhs),
        learning_actions=tally.learning(this),
        compliments=len(tally.on_year("compliment", this)),
        compliments_by_service=tally.counted_by_service(r for r, _ in tally.on_year("compliment", this)),
        compliments_by_year={label(y): len(tally.on_year("compliment", y)) for y in years},
        ombudsman_figures=ombudsman_figures(tally.records, this, deciding_ombudsman(tally.records)),
        several_services=len(
            {id(r) for stage in (1, 2, 3) for r, _ in tally.at_stage(stage, this) if len(_services(r)) > 1}
        ),
        events_voided=len(tally.on_year("voided", this)),
        by_team=team_counts(tally.records, this, "children") if settings.by_team else None,
    )
