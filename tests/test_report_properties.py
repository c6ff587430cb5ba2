"""Properties of the report of any valid log: its tables add up, whatever the cases."""

from __future__ import annotations

from datetime import date
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from complaintflow import load_procedure
from complaintflow.report import annual_report, reporting_year
from complaintflow.report.suppression import suppress
from complaintflow.testing import event_sequences

CHILDREN = load_procedure("children-2006")


@st.composite
def logs(draw: st.DrawFn) -> list[dict[str, Any]]:
    cases = draw(st.integers(1, 6))
    return [
        event
        for number in range(cases)
        for event in draw(event_sequences(CHILDREN, case_id=f"C-{number}", max_events=10))
    ]


@settings(max_examples=60, deadline=None)
@given(log=logs())
def test_every_table_of_any_valid_log_adds_up(log: list[dict[str, Any]]) -> None:
    year = reporting_year(date.fromisoformat(log[0]["on"]))
    report = annual_report(log, year)
    counts = report.counts
    assert sum(report.stage1_by_service.values()) == counts.stage1
    assert len(report.stage3) == counts.stage3
    total = report.stage1_timeliness_total
    assert total.in_time <= total.responded <= counts.stage1
    assert total.in_time_unextended <= total.in_time
    assert sum(o.total for o in report.stage1_outcomes.values()) <= counts.stage1
    assert report.stage2_outcomes_total.number == counts.stage2
    assert report.escalation.stage1_to_stage2.numerator == counts.stage2
    assert report.escalation.stage1_to_stage2.denominator == counts.stage1
    for equalities in report.equalities.values():
        assert equalities.ethnicity["Total"] == sum(
            v or 0 for k, v in equalities.ethnicity.items() if k != "Total"
        )
    published = suppress(report, 3)
    assert published.counts == report.counts
