"""Properties of the report of any valid log: its tables add up, whatever the cases."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from complaintflow import load_procedure
from complaintflow.report import annual_report, publish, reporting_year, year_label
from complaintflow.testing import event_logs

CHILDREN = load_procedure("children-2006")


@settings(max_examples=60, deadline=None)
@given(log=event_logs(CHILDREN))
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
    published = publish(report, 3)
    for name, value in published.counts:
        assert value in (None, getattr(report.counts, name))


@given(st.integers(2012, 2016), st.lists(st.integers(0, 1500), min_size=1, max_size=20))
def test_no_year_after_the_report_s_own_appears(year: int, offsets: list[int]) -> None:
    events = [
        {
            "type": "ComplaintReceived",
            "case_id": f"Y-{n}",
            "procedure": "children-2006",
            "on": (date(2012, 4, 2) + timedelta(days=offset)).isoformat(),
        }
        for n, offset in enumerate(offsets)
    ]
    report = annual_report(events, year)
    label = year_label(year)
    for table in (
        report.counts_by_year,
        report.stage1_by_service_by_year,
        report.escalation_over_time,
        report.mediation_by_year,
        report.compliments_by_year,
    ):
        assert all(shown <= label for shown in table)
    assert all(shown <= label for shown in report.years)


def test_an_escalation_rate_with_nothing_to_divide_by_is_a_gap_in_the_chart_not_zero() -> None:
    import math

    from complaintflow.report.charts import escalation_points
    from complaintflow.report.model import Percentage

    class Rate:
        def __init__(self, percent: float | None) -> None:
            self.stage1_to_stage2_percent = percent

    points = escalation_points([Rate(12.5), Rate(None), Rate(0.0)], "stage1_to_stage2_percent")
    assert points[0] == 12.5 and math.isnan(points[1]) and points[2] == 0.0
    assert Percentage.of(0, 0).percent is None
