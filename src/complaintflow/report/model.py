"""The annual report as typed data: every table of the statutory report, with its JSON keys.

Counts that disclosure control may hide are `int | None`: None is a suppressed cell, listed by
its path of keys in `AnnualReport.suppressed`.
"""

from __future__ import annotations

from datetime import date

from pydantic import BaseModel, ConfigDict, Field

Count = int | None


class _Table(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Percentage(_Table):
    """A percentage with the numbers it is made of, rounded to one decimal place."""

    numerator: int | None = Field(description="None where disclosure control hides it.")
    denominator: int | None
    percent: float | None = Field(description="None where the denominator is 0.")

    @classmethod
    def of(cls, numerator: int, denominator: int) -> Percentage:
        percent = round(100 * numerator / denominator + 1e-9, 1) if denominator else None
        return cls(numerator=numerator, denominator=denominator, percent=percent)


class OmbudsmanFigures(_Table):
    """One year's decisions of the Ombudsman about the council, and the council's remedies."""

    ombudsman: str
    decided: Count
    outcomes: dict[str, Count]
    upheld: Count
    upheld_share: Percentage
    public_reports: Count
    remedy_before_ombudsman: Count
    recommendations: Count
    orders: Count
    compliance_due: Count
    complied_in_time: Count
    compliance: Percentage
    remedies_agreed: Count
    remedies_completed: Count
    compensation_offers: Count
    compensation_offered_pence: int | None
    payments: Count
    compensation_paid_pence: int | None


class YearCounts(_Table):
    """Table 1: complaints by stage in one year."""

    potential: Count
    stage1: Count
    stage2: Count
    stage3: Count
    ombudsman: Count


class Timeliness(_Table):
    """Table 3: stage 1 responses in time, against the target."""

    responded: Count
    in_time: Count
    percent: float | None
    in_time_unextended: Count
    percent_unextended: float | None
    meets_target: bool | None
    extended_beyond_usual: Count = Field(
        default=0, description="Responses whose deadline was extended beyond the Code's usual length."
    )


class Outcomes(_Table):
    """Table 5: stage 1 outcomes."""

    not_upheld: Count
    partially_upheld: Count
    upheld: Count
    withdrawn: Count
    total: Count


class Stage2Outcomes(_Table):
    """Table 7: stage 2 outcomes."""

    number: Count
    upheld: Count
    partially_upheld: Count
    not_upheld: Count
    awaiting: Count
    percent_fully_upheld: float | None
    percent_at_least_partially_upheld: float | None


class Stage2Timeliness(_Table):
    """Table 9: stage 2 responses within time and over timescale."""

    within_time: Count
    over_timescale: Count


class Stage3Row(_Table):
    """Table 10: one stage 3 complaint."""

    service: str
    kind: str = Field(description="'Statutory' or 'Corporate'.")
    panel_within_30: bool | None
    report_within_5: bool | None
    response_within_15: bool | None
    corporate_timescale_met: bool | None
    outcome: str | None


class Equalities(_Table):
    """Table 6: who the service users were, and who complained."""

    gender_by_year: dict[str, dict[str, Count]]
    ethnicity: dict[str, Count]
    bme_where_known: Percentage
    bme_where_known_by_year: dict[str, Percentage]
    disability: dict[str, Count]
    complainant_by_year: dict[str, dict[str, Count]]
    bme_groups: list[str] = Field(default_factory=list, description="The ethnicities counted as BME.")
    not_known_groups: list[str] = Field(
        default_factory=list, description="The ethnicities left out of 'where known'."
    )


class EscalationOverTime(_Table):
    """Table 12: escalation rates and Ombudsman findings, year by year."""

    stage1_to_stage2_percent: float | None
    stage1_to_stage3_percent: float | None
    stage1_to_stage2: Percentage
    stage1_to_stage3: Percentage
    local_settlements: Count
    public_reports: Count


class Escalation(_Table):
    """Table 8's totals: the share of stage 1 complaints escalating."""

    stage1_to_stage2_percent: float | None
    stage1_to_stage3_percent: float | None
    stage1_to_stage2: Percentage
    stage1_to_stage3: Percentage


class Mediation(_Table):
    held: Count
    resolved: Count


class LearningAction(_Table):
    """One learning action agreed in the year, as the council described it."""

    description: str
    service: str
    due: str | None = Field(description="The ISO date it is due, where one was set.")
    status: str = Field(
        description="'completed', 'overdue' or 'in progress' at the year's end; 'withheld' where the "
        "number completed or overdue is withheld."
    )


class LearningActions(_Table):
    """Table 14: learning actions agreed in the year, and how they stand at its end."""

    agreed: Count
    completed: Count
    overdue: Count
    actions: list[LearningAction] = Field(default_factory=list)


class TeamRow(_Table):
    """One team's complaints in the year."""

    received: Count
    responded: Count
    in_time: Count


class TeamCounts(_Table):
    """Complaints by the team that owned them at the year's end."""

    teams: dict[str, TeamRow]
    no_team: TeamRow
    total: TeamRow


class ProcedureReport(_Table):
    """What every report of one procedure's law or Code carries besides its own measures."""

    kind: str
    procedure: str
    year: str
    sources: dict[str, str] = Field(description="Where each measure comes from, with confidence marks.")
    by_team: TeamCounts | None = Field(
        default=None, description="Complaints by the team that owned them at the year's end, where asked for."
    )
    ombudsman_figures: OmbudsmanFigures | None = Field(
        default=None, description="The Ombudsman's decisions in its own terms, remedies and compensation."
    )
    suppress_below: int | None = None
    suppressed: list[list[str]] = Field(
        default_factory=list, description="The path of keys to every withheld cell."
    )
    frozen_on: date | None = Field(
        default=None, description="The day the published report was frozen in the store, if it was."
    )


class AnnualReport(_Table):
    """The statutory annual complaints report for one year, computed from the event log."""

    year: str
    procedure: str | None = Field(
        default=None,
        description="The procedure, or procedures joined by '+', whose cases it counts; none for every case.",
    )
    target_percent: float
    years: list[str] = Field(description="Every reporting year in the log, oldest first.")
    counts: YearCounts
    counts_by_year: dict[str, YearCounts]
    services: list[str]
    stage1_by_service: dict[str, Count]
    stage1_by_service_by_year: dict[str, dict[str, Count]]
    stage1_timeliness: dict[str, Timeliness]
    stage1_timeliness_total: Timeliness
    nature_stage1: dict[str, dict[str, dict[str, Count]]] = Field(
        description="year -> category -> service (and 'Total') -> count; this year and last."
    )
    nature_stage2: dict[str, dict[str, dict[str, Count]]]
    stage1_outcomes: dict[str, Outcomes]
    stage1_outcomes_by_year: dict[str, dict[str, Outcomes]]
    stage1_outcomes_total_percent: dict[str, Percentage]
    equalities: dict[str, Equalities] = Field(description="'stage1' and 'stage2'.")
    stage2_outcomes: dict[str, Stage2Outcomes]
    stage2_outcomes_by_year: dict[str, dict[str, Stage2Outcomes]]
    stage2_outcomes_total: Stage2Outcomes
    escalation: Escalation
    escalation_by_service: dict[str, dict[str, Percentage]] = Field(
        description="service -> year -> stage 1 to 2; this year and the two before."
    )
    stage2_timeliness: dict[str, dict[str, Stage2Timeliness]] = Field(
        description="service (and 'Total') -> year -> within time / over timescale."
    )
    stage3: list[Stage3Row]
    ombudsman_outcomes: dict[str, Count]
    ombudsman_by_service: dict[str, dict[str, Count]]
    escalation_over_time: dict[str, EscalationOverTime]
    mediation: Mediation
    mediation_by_year: dict[str, Mediation]
    advocacy: dict[str, Count]
    joint_nhs: Count
    learning_actions: LearningActions
    compliments: Count
    compliments_by_service: dict[str, Count]
    compliments_by_year: dict[str, Count]
    ombudsman_figures: OmbudsmanFigures | None = Field(
        default=None, description="The Ombudsman's decisions in its own terms, remedies and compensation."
    )
    several_services: Count = Field(
        default=0,
        description="Complaints of the year (at any stage) about more than one service: each is counted "
        "under every service it names, and once in a total.",
    )
    events_voided: Count = Field(
        default=0, description="Events voided in the year: entered in error and corrected."
    )
    by_team: TeamCounts | None = Field(
        default=None, description="Complaints by the team that owned them at the year's end, where asked for."
    )
    suppress_below: int | None = None
    suppressed: list[list[str]] = Field(
        default_factory=list, description="The path of keys to every hidden cell."
    )
    frozen_on: date | None = Field(
        default=None, description="The day the published report was frozen in the store, if it was."
    )
