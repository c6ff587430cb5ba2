"""What the Ombudsman decided about the council in a year, in that Ombudsman's own terms, and what
the council did about it: the figures of the LGSCO's annual review letter, the Housing Ombudsman's
determinations and orders, the SPSO's decisions, and the compensation offered and paid.

Counting rules (docs/report.md gives the sources):

- A decision counts in the year it was made, under the deciding Ombudsman's outcome of today (an
  outcome recorded in the words of an earlier release is read as its outcome today).
- Upheld: the LGSCO's "upheld"; the SPSO's "upheld" and "some upheld"; the Housing Ombudsman's
  findings of maladministration (severe maladministration, maladministration, service failure). The
  share upheld is of the decisions that found either way (the LGSCO's "detailed investigations"):
  upheld and not upheld for the LGSCO and the SPSO; for the Housing Ombudsman every finding on the
  merits, reasonable redress and no maladministration included.
- Compliance with recommendations (and orders) counts those whose compliance date fell in the year:
  complied with by that date, against all of them.
- A remedy or recommendation counts as made in the year it was recorded; money counts in the year
  it was offered or paid.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable, Mapping
from datetime import date
from typing import Any, NamedTuple

from complaintflow.events import OMBUDSMAN_OUTCOMES, ombudsman_terms
from complaintflow.report.disclosure import Ledger, Path
from complaintflow.report.model import OmbudsmanFigures, Percentage
from complaintflow.report.published import Cell, Table, Withheld
from complaintflow.report.records import CaseRecord, reporting_year

#: The outcomes each Ombudsman counts as upheld, and those that decided the complaint either way.
UPHELD: Mapping[str, frozenset[str]] = {
    "lgsco": frozenset({"upheld"}),
    "spso": frozenset({"upheld", "some_upheld"}),
    "housing-ombudsman": frozenset({"severe_maladministration", "maladministration", "service_failure"}),
}
DECIDED_ON_MERITS: Mapping[str, frozenset[str]] = {
    "lgsco": frozenset({"upheld", "not_upheld"}),
    "spso": frozenset({"upheld", "some_upheld", "not_upheld"}),
    "housing-ombudsman": UPHELD["housing-ombudsman"] | {"no_maladministration", "reasonable_redress"},
}

#: How each Ombudsman's figures are headed in a published table.
TITLES: Mapping[str, str] = {
    "lgsco": "The Local Government and Social Care Ombudsman",
    "housing-ombudsman": "The Housing Ombudsman",
    "spso": "The Scottish Public Services Ombudsman",
}


def deciding_ombudsman(records: Iterable[CaseRecord], procedure: str | None = None) -> str:
    """The Ombudsman who decides the records' complaints, as their procedure names it (the LGSCO
    where no record says, as for every English council's procedure but housing)."""
    for record in records:
        if record.ombudsman is not None:
            return record.ombudsman
    return (
        "housing-ombudsman"
        if procedure == "housing-2024"
        else "spso"
        if procedure == "spso-2021"
        else "lgsco"
    )


class OmbudsmanFacts(NamedTuple):
    """What one case tells the Ombudsman's figures: few cases have any, so a tally of the report
    keeps these for the cases that do, instead of their whole records."""

    findings: tuple[tuple[date, str, bool, bool], ...]
    recommendations: tuple[tuple[str, date, date, bool, int | None], ...]
    recommendations_complied: tuple[tuple[str, date, int | None], ...]
    remedies: tuple[tuple[str, date, date, int | None], ...]
    remedies_completed: tuple[tuple[str, date, int | None], ...]
    compensation: tuple[tuple[date, int, bool | None], ...]


def ombudsman_facts(record: CaseRecord) -> OmbudsmanFacts | None:
    """The case's facts for the Ombudsman's figures; None where it has none."""
    if not (
        record.ombudsman_findings
        or record.recommendations
        or record.remedies
        or record.remedies_completed
        or record.recommendations_complied
        or record.compensation
    ):
        return None
    return OmbudsmanFacts(
        record.ombudsman_findings,
        record.recommendations,
        record.recommendations_complied,
        record.remedies,
        record.remedies_completed,
        record.compensation,
    )


def ombudsman_figures(records: Iterable[CaseRecord], year: int, ombudsman: str) -> OmbudsmanFigures:
    """The figures of the year from 1 April `year` for the procedure whose complaints `ombudsman` decides."""
    found = (ombudsman_facts(record) for record in records)
    return figures_of((facts for facts in found if facts is not None), year, ombudsman)


def figures_of(cases: Iterable[OmbudsmanFacts], year: int, ombudsman: str) -> OmbudsmanFigures:
    """The figures of the year from 1 April `year`, from each case's facts."""
    outcomes: Counter[str] = Counter()
    public = remedied_before = 0
    made = orders = due = in_time = agreed = completed = 0
    offers = payments = offered_pence = paid_pence = 0
    for record in cases:
        for on, outcome, public_report, remedy_before in record.findings:
            if reporting_year(on) == year:
                outcomes[ombudsman_terms(ombudsman, outcome)] += 1
                public += public_report
                remedied_before += remedy_before
        complied = {rid: on for rid, on, _ in record.recommendations_complied}
        for rid, on, comply_by, order, pence in record.recommendations:
            if reporting_year(on) == year:
                made += 1
                orders += order
                if pence is not None:
                    offers, offered_pence = offers + 1, offered_pence + pence
            if reporting_year(comply_by) == year:
                due += 1
                in_time += rid in complied and complied[rid] <= comply_by
        for _, on, _, pence in record.remedies:
            if reporting_year(on) == year:
                agreed += 1
                if pence is not None:
                    offers, offered_pence = offers + 1, offered_pence + pence
        agreed_pence = {rid: pence for rid, _, _, pence in record.remedies}
        ordered_pence = {rid: pence for rid, _, _, _, pence in record.recommendations}
        for done, asked in (
            (record.remedies_completed, agreed_pence),
            (record.recommendations_complied, ordered_pence),
        ):
            for rid, on, pence in done:
                if reporting_year(on) != year:
                    continue
                completed += done is record.remedies_completed
                paid = pence if pence is not None else asked.get(rid)
                if paid is not None:
                    payments, paid_pence = payments + 1, paid_pence + paid
        for on, pence, _ in record.compensation:
            if reporting_year(on) == year:
                offers, offered_pence = offers + 1, offered_pence + pence
    upheld = sum(outcomes[kind] for kind in UPHELD[ombudsman])
    merits = sum(outcomes[kind] for kind in DECIDED_ON_MERITS[ombudsman])
    return OmbudsmanFigures(
        ombudsman=ombudsman,
        decided=sum(outcomes.values()),
        outcomes={kind: outcomes[kind] for kind in OMBUDSMAN_OUTCOMES[ombudsman]},
        upheld=upheld,
        upheld_share=Percentage.of(upheld, merits),
        public_reports=public,
        remedy_before_ombudsman=remedied_before,
        recommendations=made,
        orders=orders,
        compliance_due=due,
        complied_in_time=in_time,
        compliance=Percentage.of(in_time, due),
        remedies_agreed=agreed,
        remedies_completed=completed,
        compensation_offers=offers,
        compensation_offered_pence=offered_pence,
        payments=payments,
        compensation_paid_pence=paid_pence,
    )


def ombudsman_ledger(ledger: Ledger, data: Mapping[str, Any], at: Path) -> None:
    """The figures' counts, sums and shares, for disclosure control; money is hidden with the
    number of offers or payments it adds up."""
    figures = data
    for name in (
        "decided",
        "upheld",
        "public_reports",
        "remedy_before_ombudsman",
        "recommendations",
        "orders",
        "compliance_due",
        "complied_in_time",
        "remedies_agreed",
        "remedies_completed",
        "compensation_offers",
        "payments",
    ):
        ledger.count((*at, name), figures[name])
    outcomes = [ledger.count((*at, "outcomes", kind), value) for kind, value in figures["outcomes"].items()]
    ledger.add_sum(outcomes, (*at, "decided"))
    ledger.add_sum([(*at, "outcomes", kind) for kind in UPHELD[figures["ombudsman"]]], (*at, "upheld"))
    ledger.percentage((*at, "upheld_share"), figures["upheld_share"])
    ledger.same((*at, "upheld_share", "numerator"), (*at, "upheld"))
    ledger.percentage((*at, "compliance"), figures["compliance"], whole=(*at, "compliance_due"))
    ledger.same((*at, "compliance", "numerator"), (*at, "complied_in_time"))
    ledger.share([(*at, "compensation_offered_pence")], (*at, "compensation_offers"))
    ledger.share([(*at, "compensation_paid_pence")], (*at, "payments"))


def _pounds(pence: int | None) -> Cell:
    """An amount of money as printed: in pounds and pence, 0 where there was none (so that a year
    with none has nothing to say), or hidden."""
    if pence is None or pence == 0:
        return pence
    return f"£{pence / 100:,.2f}"


def ombudsman_table(figures: OmbudsmanFigures, year: str, withheld: Withheld, *at: str) -> Table:
    """The figures as one published table, in the deciding Ombudsman's own terms."""

    def share(name: str) -> Cell:
        value: Percentage = getattr(figures, name)
        return withheld.pct(value.percent, *at, name, "percent")

    rows: list[list[Cell]] = [["Decisions", figures.decided]]
    rows += [[f"Decided: {kind.replace('_', ' ')}", value] for kind, value in figures.outcomes.items()]
    rows += [["Upheld", figures.upheld], ["% upheld", share("upheld_share")]]
    if figures.ombudsman == "lgsco":
        rows += [
            [
                "Upheld: a satisfactory remedy provided by the council before the Ombudsman",
                figures.remedy_before_ombudsman,
            ],
            ["Public reports", figures.public_reports],
        ]
    orders = figures.ombudsman == "housing-ombudsman"
    rows += [
        ["Recommendations and orders made" if orders else "Recommendations made", figures.recommendations],
        ["Of which orders", figures.orders if orders else "n/a"],
        ["Compliance dates in the year", figures.compliance_due],
        ["Complied with by the date", figures.complied_in_time],
        ["% compliance with recommendations", share("compliance")],
        ["Remedies agreed by the council", figures.remedies_agreed],
        ["Remedies completed", figures.remedies_completed],
        ["Compensation offered (offers)", figures.compensation_offers],
        ["Compensation offered", _pounds(figures.compensation_offered_pence)],
        ["Compensation paid (payments)", figures.payments],
        ["Compensation paid", _pounds(figures.compensation_paid_pence)],
    ]
    return Table(
        "ombudsman-figures",
        f"{TITLES[figures.ombudsman]} and remedies {year}",
        "9",
        ["Measure", "Number"],
        rows,
        note="Upheld and its share, compliance with recommendations and a satisfactory remedy before the "
        "Ombudsman are the figures of the Ombudsman's own annual review; compensation counts offers "
        "made and payments made in the year, in pounds.",
    )


def with_ombudsman(tables: Callable[[Any], list[Table]]) -> Callable[[Any], list[Table]]:
    """A report kind's tables, followed by the Ombudsman's figures where the report has them."""

    def both(report: Any) -> list[Table]:
        found = tables(report)
        figures = report.ombudsman_figures
        if figures is not None:
            found.append(ombudsman_table(figures, report.year, Withheld(report), "ombudsman_figures"))
        return found

    return both


def with_ombudsman_ledger(
    ledger: Callable[[Mapping[str, Any]], Ledger],
) -> Callable[[Mapping[str, Any]], Ledger]:
    """A report kind's ledger, with the counts of the Ombudsman's figures where the report has them."""

    def both(data: Mapping[str, Any]) -> Ledger:
        found = ledger(data)
        if data.get("ombudsman_figures") is not None:
            ombudsman_ledger(found, data["ombudsman_figures"], ("ombudsman_figures",))
        return found

    return both
