"""The counting rules of the annual report, applied once to the record of each case.

Each record is counted into a `Tally` of plain counts for every year, which merges with the tally
of other cases; the report is built from a tally alone (`report_of`), so `build_report` over a list
of records and `report_from_log` counting cases as they are replayed apply the same rules.

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
from collections.abc import Iterable, Mapping
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
    OmbudsmanFigures,
    Outcomes,
    Percentage,
    Stage2Outcomes,
    Stage2Timeliness,
    Stage3Row,
    TeamCounts,
    Timeliness,
    YearCounts,
)
from complaintflow.report.ombudsman import OmbudsmanFacts, deciding_ombudsman, figures_of, ombudsman_facts
from complaintflow.report.records import CaseRecord, Stage3Timescales, StageRecord, reporting_year, year_label
from complaintflow.report.teams import add_team_counts, children_team, team_rows

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


def _gender(gender: str | None) -> str:
    return gender.strip().capitalize() if gender and gender.strip().lower() != "unknown" else "Unknown"


def _ethnicity(ethnicity: str | None) -> str:
    return ethnicity or "Not known"


def _disability(disability: bool | None) -> str:
    return {True: "Yes", False: "No", None: "Unknown"}[disability]


#: A learning action as a report counts it: (agreed in the reporting year, description, the case's
#: services as one line lists them, due, completed on).
LearningEntry = tuple[int, str, str, date | None, date | None]


def learning_entries(record: CaseRecord) -> list[LearningEntry]:
    """The case's learning actions, in the order agreed."""
    return [
        (reporting_year(on), description, _service(record), due, record.completed_on(action))
        for action, on, due, description in record.learning
    ]


def learning_actions(records: Iterable[CaseRecord], year: int) -> LearningActions:
    """Learning actions agreed in the year, each with how it stands at the year's end."""
    return learning_of((entry for record in records for entry in learning_entries(record)), year)


def learning_of(entries: Iterable[LearningEntry], year: int) -> LearningActions:
    """The learning actions of `entries` agreed in the year, with how each stands at its end."""
    end = _year_end(year)
    actions = []
    for agreed, description, service, due, done in entries:
        if agreed != year:
            continue
        if done is not None and done <= end:
            status = "completed"
        elif due is not None and due < end:
            status = "overdue"
        else:
            status = "in progress"
        actions.append(
            LearningAction(
                description=description, service=service, due=due.isoformat() if due else None, status=status
            )
        )
    statuses = Counter(action.status for action in actions)
    return LearningActions(
        agreed=len(actions), completed=statuses["completed"], overdue=statuses["overdue"], actions=actions
    )


#: A group of counts: (what is counted, the stage or 0, the reporting year).
Group = tuple[str, int, int]
#: What the report counts of one stage of a case: (stage, year it began, services, outcome,
#: responded, in time, in time unextended, extended beyond the usual, categories, (gender,
#: ethnicity, disability), complainant's role, joint with the NHS).
StageKey = tuple[Any, ...]
_NOBODY = (None, None, None)
_RESPONSES = ("responded", "in_time", "unextended", "beyond_usual")

_NOTHING: Counter[Any] = Counter()


class Tally:
    """The counts of the children's report, for every year, of any number of cases.

    Each case's record is counted once (`add`), by the rules this module states, into plain
    counters; the record can then be let go. A tally of some cases merges with the tally of others
    (`merge`) into the tally of all of them, whatever the order: worker processes each send back
    the tally of their share of a log. `report_of` builds the report from a tally alone.

    Counts are kept as recorded (an ethnicity, not whether it is BME; each service with where it
    first appeared) so that a report's settings apply when it is built. What few cases have (a
    stage 3 complaint, a learning action, an Ombudsman's decision) is kept case by case, with the
    line the case began on, so that merged tallies list them in the order the cases came.
    """

    def __init__(self) -> None:
        #: Every count: by group, then by what it is counted under (a service, an outcome; None
        #: for the whole group).
        self.counts: defaultdict[Group, Counter[Any]] = defaultdict(Counter)
        #: The stages of the cases, by all that the report counts of one (`StageKey`): most cases
        #: are alike in that, so there are far fewer keys than cases.
        self.stages: Counter[StageKey] = Counter()
        #: Every reporting year in which a stage began or a concern or compliment came.
        self.years: set[int] = set()
        #: Each service with where it first appeared: (its case's first line, its place there).
        self.first_seen: dict[str, tuple[int, int]] = {}
        #: The Ombudsman named by the first case that names one, after that case's first line.
        self.ombudsman: tuple[int, str] | None = None
        #: (first line, year, row) for each stage 3 complaint.
        self.stage3: list[tuple[int, int, Stage3Row]] = []
        #: (first line, place in the case, action) for each learning action.
        self.learning: list[tuple[int, int, LearningEntry]] = []
        #: (first line, facts) for each case with something for the Ombudsman's figures.
        self.ombudsman_facts: list[tuple[int, OmbudsmanFacts]] = []

    def add(self, record: CaseRecord, first_line: int) -> None:
        """Count a case whose events all came, from its record; `first_line` orders the cases."""
        self._count_case(record, first_line)
        self.add_follow_ups(record, first_line)

    def add_closed(self, record: CaseRecord, first_line: int) -> CaseRecord:
        """Count a closed case now, all but what may still follow its close (the Ombudsman,
        learning actions, the team that owns it), and give back a record of only what that needs,
        to keep in its place and give to `add_follow_ups` at the end."""
        self._count_case(record, first_line)
        return CaseRecord(
            service_area=record.service_area,
            service_areas=record.service_areas,
            procedure=record.procedure,
            ombudsman=record.ombudsman,
            statutory=record.statutory,
            stages={1: record.stages[1]} if 1 in record.stages else {},
            ombudsman_referred=record.ombudsman_referred,
            ombudsman_decided=record.ombudsman_decided,
            ombudsman_findings=record.ombudsman_findings,
            recommendations=record.recommendations,
            recommendations_complied=record.recommendations_complied,
            remedies=record.remedies,
            remedies_completed=record.remedies_completed,
            compensation=record.compensation,
            learning=record.learning,
            learning_completed=record.learning_completed,
            teams=record.teams,
        )

    def _count_case(self, record: CaseRecord, line: int) -> None:
        """Count what a closed case can no longer change."""
        counts, years = self.counts, self.years
        services = _services(record)
        for place, service in enumerate(services):
            seen = self.first_seen.get(service)
            if seen is None or (line, place) < seen:
                self.first_seen[service] = (line, place)
        if record.ombudsman is not None and (self.ombudsman is None or line < self.ombudsman[0]):
            self.ombudsman = (line, record.ombudsman)
        if record.concern_on is not None:
            year = reporting_year(record.concern_on)
            years.add(year)
            if not record.stages:
                counts[("potential", 0, year)][None] += 1
        if record.compliment_on is not None:
            year = reporting_year(record.compliment_on)
            years.add(year)
            compliments = counts[("compliment", 0, year)]
            compliments[None] += 1
            for service in services:
                compliments[service] += 1
        for day, resolved in record.mediation:
            counts[("mediation", 0, reporting_year(day))][resolved] += 1
        for day in record.advocacy:
            counts[("advocacy", 0, reporting_year(day))][None] += 1
        for day in record.voided:
            counts[("voided", 0, reporting_year(day))][None] += 1
        several: set[int] = set()
        user = record.service_user
        person = (user.gender, user.ethnicity, user.disability) if user is not None else _NOBODY
        for number, stage in record.stages.items():
            year = reporting_year(stage.began)
            years.add(year)
            if len(services) > 1 and number in (1, 2, 3):
                several.add(year)
            if number == 3:
                self.stage3.append((line, year, _stage3_row(record, stage)))
            responded = stage.responded_on is not None
            key = (
                number,
                year,
                services,
                record.stage1_outcome() if number == 1 else stage.outcome,
                responded,
                responded and bool(stage.in_time),
                responded and bool(stage.in_time_unextended),
                responded and stage.extended_beyond_usual,
                record.categories,
                person,
                stage.complainant_role,
                number == 1 and record.joint_nhs,
            )
            self.stages[key] += 1
        for year in several:
            counts[("several", 0, year)][None] += 1

    def add_follow_ups(self, record: CaseRecord, line: int) -> None:
        """Count what may still follow a case's close: the Ombudsman, learning, its team."""
        counts = self.counts
        services = _services(record)
        for day in record.ombudsman_referred:
            counts[("referral", 0, reporting_year(day))][None] += 1
        for day, outcome in record.ombudsman_decided:
            decisions = counts[("decision", 0, reporting_year(day))]
            decisions[(None, outcome)] += 1
            for service in services:
                decisions[(service, outcome)] += 1
        for day, _, public_report, _ in record.ombudsman_findings:
            if public_report:
                counts[("public_report", 0, reporting_year(day))][None] += 1
        facts = ombudsman_facts(record)
        if facts is not None:
            self.ombudsman_facts.append((line, facts))
        if record.learning:
            for place, entry in enumerate(learning_entries(record)):
                self.learning.append((line, place, entry))
        team = children_team(record)
        if team is not None:
            year, owner, found = team
            counts[("team", 0, year)][(owner, found)] += 1

    def merge(self, other: Tally) -> None:
        """Add the counts of another tally, of other cases, to this one."""
        for group, counted in other.counts.items():
            self.counts[group].update(counted)
        self.stages.update(other.stages)
        self.years |= other.years
        for service, seen in other.first_seen.items():
            mine = self.first_seen.get(service)
            if mine is None or seen < mine:
                self.first_seen[service] = seen
        if other.ombudsman is not None and (self.ombudsman is None or other.ombudsman < self.ombudsman):
            self.ombudsman = other.ombudsman
        self.stage3 += other.stage3
        self.learning += other.learning
        self.ombudsman_facts += other.ombudsman_facts


def _stage3_row(record: CaseRecord, stage: StageRecord) -> Stage3Row:
    outcome = stage.outcome
    if record.withdrawn_at_stage == 3:
        outcome = "withdrawn"
    statutory = record.statutory
    timescales = record.stage3 or Stage3Timescales()
    return Stage3Row(
        service=_service(record),
        kind="Statutory" if statutory else "Corporate",
        panel_within_30=timescales.panel_in_time if statutory else None,
        report_within_5=timescales.recommendations_in_time if statutory else None,
        response_within_15=timescales.response_in_time if statutory else None,
        corporate_timescale_met=None if statutory else stage.in_time,
        outcome=outcome,
    )


def tally_of(records: Iterable[CaseRecord]) -> Tally:
    """The tally of records given in the order their cases first appear."""
    tally = Tally()
    with collector_paused():
        for place, record in enumerate(records):
            tally.add(record, place)
    return tally


def _stage_counts(stages: Counter[StageKey]) -> defaultdict[Group, Counter[Any]]:
    """The counts of each group the tables read, from the stages counted by what they are."""
    counts: defaultdict[Group, Counter[Any]] = defaultdict(Counter)
    for key, cases in stages.items():
        number, year, services, outcome, responded, *timely, categories, person, role, joint_nhs = key
        under = (None, *services)
        at = counts[("at", number, year)]
        for service in under:
            at[service] += cases
        if responded:
            for what, counted in zip(_RESPONSES, (True, *timely), strict=True):
                if counted:
                    group = counts[(what, number, year)]
                    for service in under:
                        group[service] += cases
        if number not in (1, 2):
            continue
        if joint_nhs:
            counts[("joint_nhs", 0, year)][None] += cases
        outcomes = counts[("outcome", number, year)]
        for service in under:
            outcomes[(service, outcome)] += cases
        nature = counts[("nature", number, year)]
        for category in categories or ("Not recorded",):
            for service in services:
                nature[(category, service)] += cases
            nature[(category, TOTAL)] += cases
        gender, ethnicity, disability = person
        counts[("gender", number, year)][_gender(gender)] += cases
        counts[("ethnicity", number, year)][_ethnicity(ethnicity)] += cases
        counts[("disability", number, year)][_disability(disability)] += cases
        counts[("complainant", number, year)][COMPLAINANT_LABELS[role]] += cases
    return counts


class _Tables:
    """The report's tables for one year, read from a tally with the report's settings."""

    def __init__(self, tally: Tally, settings: ReportSettings) -> None:
        self.tally = tally
        self.settings = settings
        self.stage_counts = _stage_counts(tally.stages)
        self.years = sorted(tally.years | settings.known_years)
        #: Services in the council's order: those it gave first, then the others as they appear.
        self.service_rank = {service: rank for rank, service in enumerate(settings.services)}
        for service in sorted(tally.first_seen, key=tally.first_seen.__getitem__):
            self.service_rank.setdefault(service, len(self.service_rank))

    def table(self, what: str, stage: int, year: int) -> Counter[Any]:
        group = (what, stage, year)
        return self.stage_counts.get(group) or self.tally.counts.get(group, _NOTHING)

    def at(self, stage: int, year: int, service: str | None = None) -> int:
        """The cases whose `stage` began in `year` (about `service`, where one is given)."""
        return self.table("at", stage, year)[service]

    def counts(self, year: int) -> YearCounts:
        return YearCounts(
            potential=self.table("potential", 0, year)[None],
            stage1=self.at(1, year),
            stage2=self.at(2, year),
            stage3=self.at(3, year),
            ombudsman=self.table("referral", 0, year)[None],
        )

    def in_order(self, services: Iterable[str]) -> list[str]:
        """Services in the council's order."""
        return sorted(
            services, key=lambda service: (self.service_rank.get(service, len(self.service_rank)), service)
        )

    def services_at(self, stage: int, year: int) -> list[str]:
        """The services of the cases whose `stage` began in `year`, in order."""
        return self.in_order(key for key in self.table("at", stage, year) if key is not None)

    def by_service(self, stage: int, year: int) -> dict[str, int]:
        return {service: self.at(stage, year, service) for service in self.services_at(stage, year)}

    def timeliness(self, stage: int, year: int, service: str | None = None) -> Timeliness:
        responded = self.table("responded", stage, year)[service]
        in_time = self.table("in_time", stage, year)[service]
        unextended = self.table("unextended", stage, year)[service]
        share = Percentage.of(in_time, responded).percent
        return Timeliness(
            responded=responded,
            in_time=in_time,
            percent=share,
            in_time_unextended=unextended,
            percent_unextended=Percentage.of(unextended, responded).percent,
            meets_target=None if share is None else share >= self.settings.target_percent,
            extended_beyond_usual=self.table("beyond_usual", stage, year)[service],
        )

    def nature(self, stage: int, year: int) -> dict[str, dict[str, Count]]:
        table: dict[str, dict[str, Count]] = defaultdict(dict)
        totals: Counter[str] = Counter()
        for (category, column), mentions in self.table("nature", stage, year).items():
            table[category][column] = mentions
            totals[column] += mentions
        grid = {category: dict(sorted(row.items())) for category, row in sorted(table.items())}
        if grid:  # a total row: the mentions of each service (a complaint may name several natures)
            grid[TOTAL] = dict(sorted(totals.items()))
        return grid

    def stage1_outcomes(self, year: int) -> dict[str, Outcomes]:
        table = {service: self.outcomes(year, service) for service in self.services_at(1, year)}
        table[TOTAL] = self.outcomes(year, None)
        return table

    def outcomes(self, year: int, service: str | None) -> Outcomes:
        counted = self.table("outcome", 1, year)
        kinds = ("not_upheld", "partially_upheld", "upheld", "withdrawn")
        found = {kind: counted[(service, kind)] for kind in kinds}
        return Outcomes(**found, total=sum(found.values()))

    def stage2_outcomes(self, year: int, service: str | None = None) -> Stage2Outcomes:
        outcomes = self.table("outcome", 2, year)
        number = self.at(2, year, service)
        upheld, partial = outcomes[(service, "upheld")], outcomes[(service, "partially_upheld")]
        return Stage2Outcomes(
            number=number,
            upheld=upheld,
            partially_upheld=partial,
            not_upheld=outcomes[(service, "not_upheld")],
            awaiting=outcomes[(service, None)],
            percent_fully_upheld=Percentage.of(upheld, number).percent,
            percent_at_least_partially_upheld=Percentage.of(upheld + partial, number).percent,
        )

    def equalities(self, stage: int, year: int) -> Equalities:
        recent = [y for y in self.years if y <= year][-5:]

        def by_year(what: str) -> dict[str, dict[str, Count]]:
            table: dict[str, dict[str, Count]] = {}
            for y in recent:
                counted = self.table(what, stage, y)
                table[year_label(y)] = {**dict(sorted(counted.items())), TOTAL: sum(counted.values())}
            return table

        ethnicity = self.table("ethnicity", stage, year)
        disability = self.table("disability", stage, year)
        total = self.at(stage, year)
        return Equalities(
            gender_by_year=by_year("gender"),
            ethnicity={**dict(sorted(ethnicity.items())), TOTAL: total},
            bme_where_known=self.bme(ethnicity),
            bme_where_known_by_year={
                year_label(y): self.bme(self.table("ethnicity", stage, y)) for y in recent
            },
            disability={**dict(sorted(disability.items())), TOTAL: total},
            complainant_by_year=by_year("complainant"),
            bme_groups=sorted(e for e in ethnicity if self._is_bme(e)),
            not_known_groups=sorted(e for e in ethnicity if e in self.settings.unknown_ethnicity),
        )

    def _is_bme(self, ethnicity: str) -> bool:
        return ethnicity not in self.settings.unknown_ethnicity and ethnicity not in self.settings.not_bme

    def bme(self, ethnicities: Counter[str]) -> Percentage:
        known = {e: n for e, n in ethnicities.items() if e not in self.settings.unknown_ethnicity}
        return Percentage.of(sum(n for e, n in known.items() if self._is_bme(e)), sum(known.values()))

    def escalation(self, year: int, to_stage: int, service: str | None = None) -> Percentage:
        return Percentage.of(self.at(to_stage, year, service), self.at(1, year, service))

    def stage2_timeliness(self, year: int, service: str | None = None) -> Stage2Timeliness:
        responded = self.table("responded", 2, year)[service]
        within = self.table("in_time", 2, year)[service]
        return Stage2Timeliness(within_time=within, over_timescale=responded - within)

    def stage3_rows(self, year: int) -> list[Stage3Row]:
        rows = [row for _, y, row in sorted(self.tally.stage3, key=lambda entry: entry[0]) if y == year]
        return sorted(rows, key=lambda row: (row.kind, self.service_rank.get(row.service, 0), row.service))

    def ombudsman(self, year: int) -> tuple[dict[str, int], dict[str, dict[str, int]]]:
        overall: dict[str, int] = {}
        by_service: dict[str, dict[str, int]] = defaultdict(dict)
        for (service, outcome), count in sorted(self.table("decision", 0, year).items(), key=str):
            if service is None:
                overall[outcome] = count
            else:
                by_service[service][outcome] = count
        return dict(sorted(overall.items())), {s: by_service[s] for s in self.in_order(by_service)}

    def escalation_over_time(self, year: int) -> EscalationOverTime:
        to_stage2, to_stage3 = self.escalation(year, 2), self.escalation(year, 3)
        return EscalationOverTime(
            stage1_to_stage2_percent=to_stage2.percent,
            stage1_to_stage3_percent=to_stage3.percent,
            stage1_to_stage2=to_stage2,
            stage1_to_stage3=to_stage3,
            local_settlements=self.table("decision", 0, year)[(None, "local_settlement")],
            public_reports=self.table("public_report", 0, year)[None],
        )

    def mediation(self, year: int) -> Mediation:
        held = self.table("mediation", 0, year)
        return Mediation(held=held[True] + held[False], resolved=held[True])

    def learning(self, year: int) -> LearningActions:
        entries = sorted(self.tally.learning, key=lambda entry: entry[:2])
        return learning_of((entry for _, _, entry in entries), year)

    def compliments_by_service(self, year: int) -> dict[str, int]:
        counted = self.table("compliment", 0, year)
        return {service: counted[service] for service in self.in_order(s for s in counted if s is not None)}

    def ombudsman_figures(self, year: int) -> OmbudsmanFigures:
        named = self.tally.ombudsman
        ombudsman = named[1] if named is not None else deciding_ombudsman(())
        return figures_of((facts for _, facts in self.tally.ombudsman_facts), year, ombudsman)

    def by_team(self, year: int) -> TeamCounts:
        sums: dict[str | None, list[int]] = {}
        for (team, found), cases in self.table("team", 0, year).items():
            add_team_counts(sums, team, [value * cases for value in found])
        return team_rows(sums)


def build_report(
    records: Iterable[CaseRecord], year: int, settings: ReportSettings | None = None
) -> AnnualReport:
    """Every table of the annual report for the reporting year starting 1 April `year`: the
    records counted (`tally_of`), then the report built from the counts (`report_of`)."""
    return report_of(tally_of(records), year, settings)


def report_of(tally: Tally, year: int, settings: ReportSettings | None = None) -> AnnualReport:
    """Every table of the annual report for the reporting year starting 1 April `year`, from the
    tally of the cases."""
    settings = settings or ReportSettings()
    tables = _Tables(tally, settings)
    label = year_label
    this, last = year, year - 1
    # Earlier years are shown only where the log has data for them: never a column of zeros.
    two = [y for y in (this, last) if y == this or y in tables.years]
    three = [y for y in (this - 2, last, this) if y == this or y in tables.years]
    services = tables.in_order(
        {service for stage in (1, 2, 3) for y in (this, last) for service in tables.services_at(stage, y)}
    )
    outcomes = tables.stage1_outcomes(this)
    total = outcomes.pop(TOTAL)
    ombudsman, ombudsman_by_service = tables.ombudsman(this)
    to_stage2, to_stage3 = tables.escalation(this, 2), tables.escalation(this, 3)
    years = [y for y in tables.years if y <= this]  # a report never shows the years after its own
    return AnnualReport(
        year=label(this),
        target_percent=settings.target_percent,
        years=[label(y) for y in years],
        counts=tables.counts(this),
        counts_by_year={label(y): tables.counts(y) for y in years},
        services=services,
        stage1_by_service=tables.by_service(1, this),
        stage1_by_service_by_year={label(y): tables.by_service(1, y) for y in years},
        stage1_timeliness={
            service: tables.timeliness(1, this, service) for service in tables.services_at(1, this)
        },
        stage1_timeliness_total=tables.timeliness(1, this),
        nature_stage1={label(y): tables.nature(1, y) for y in two},
        nature_stage2={label(y): tables.nature(2, y) for y in two},
        stage1_outcomes=outcomes,
        stage1_outcomes_by_year={label(y): tables.stage1_outcomes(y) for y in two},
        stage1_outcomes_total_percent={
            kind: Percentage.of(getattr(total, kind), total.total or 0)
            for kind in ("not_upheld", "partially_upheld", "upheld", "withdrawn")
        },
        equalities={"stage1": tables.equalities(1, this), "stage2": tables.equalities(2, this)},
        stage2_outcomes={
            service: tables.stage2_outcomes(this, service) for service in tables.services_at(2, this)
        },
        stage2_outcomes_by_year={
            label(y): {service: tables.stage2_outcomes(y, service) for service in tables.services_at(2, y)}
            for y in two
        },
        stage2_outcomes_total=tables.stage2_outcomes(this),
        escalation=Escalation(
            stage1_to_stage2_percent=to_stage2.percent,
            stage1_to_stage3_percent=to_stage3.percent,
            stage1_to_stage2=to_stage2,
            stage1_to_stage3=to_stage3,
        ),
        escalation_by_service={
            service: {label(y): tables.escalation(y, 2, service) for y in three} for service in services
        },
        stage2_timeliness={
            **{
                service: {label(y): tables.stage2_timeliness(y, service) for y in two} for service in services
            },
            TOTAL: {label(y): tables.stage2_timeliness(y) for y in two},
        },
        stage3=tables.stage3_rows(this),
        ombudsman_outcomes=ombudsman,
        ombudsman_by_service=ombudsman_by_service,
        escalation_over_time={label(y): tables.escalation_over_time(y) for y in reversed(years)},
        mediation=tables.mediation(this),
        mediation_by_year={label(y): tables.mediation(y) for y in years},
        advocacy={"arranged": tables.table("advocacy", 0, this)[None]},
        joint_nhs=tables.table("joint_nhs", 0, this)[None],
        learning_actions=tables.learning(this),
        compliments=tables.table("compliment", 0, this)[None],
        compliments_by_service=tables.compliments_by_service(this),
        compliments_by_year={label(y): tables.table("compliment", 0, y)[None] for y in years},
        ombudsman_figures=tables.ombudsman_figures(this),
        several_services=tables.table("several", 0, this)[None],
        events_voided=tables.table("voided", 0, this)[None],
        by_team=tables.by_team(this) if settings.by_team else None,
    )
