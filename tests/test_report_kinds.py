"""Properties of every kind of report, over generated years of each built-in procedure: the tables
add up, every percentage states its parts, no later year appears, and what is published withholds
every small count so that an attacker's solver cannot work one back."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import date
from typing import Any

import pytest
from attacker import leaks, leaves
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from complaintflow import load_procedure
from complaintflow.report import publish, records_from_events, reporting_year, reports, year_label
from complaintflow.report.forms import kind_of
from complaintflow.testing import event_logs

PROCEDURES = ["children-2006", "housing-2024", "lgsco-2026", "adults-2009", "spso-2021"]
YEAR_LABEL = re.compile(r"^(\d{4})-\d{2}$")


def _percentages(data: Any) -> Iterator[dict[str, Any]]:
    if isinstance(data, dict):
        if set(data) == {"numerator", "denominator", "percent"}:
            yield data
        for value in data.values():
            yield from _percentages(value)
    elif isinstance(data, list):
        for value in data:
            yield from _percentages(value)


def _year_report(procedure: str, log: list[dict[str, Any]]) -> tuple[int, Any]:
    year = reporting_year(date.fromisoformat(log[0]["on"]))
    return year, reports(records_from_events(log), year, only=[procedure])[procedure]


@pytest.mark.parametrize("name", PROCEDURES)
def test_every_kind_of_report_adds_up_states_its_parts_and_shows_no_later_year(name: str) -> None:
    procedure = load_procedure(name)

    @settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(log=event_logs(procedure, max_cases=10, max_events=10))
    def check(log: list[dict[str, Any]]) -> None:
        year, report = _year_report(name, log)
        data = report.model_dump()
        ledger = kind_of(report).ledger(data)
        for terms, low, high in ledger.relations():  # every relation a reader may use is true
            assert low <= sum(c * (ledger.counts[path] or 0) for path, c in terms.items()) <= high, terms
        for share in _percentages(data):
            numerator, denominator = share["numerator"], share["denominator"]
            assert numerator >= 0 and denominator >= 0  # escalations may outnumber their stage 1
            expected = round(100 * numerator / denominator + 1e-9, 1) if denominator else None
            assert share["percent"] == expected
        for _, value in leaves(data):
            if isinstance(value, str) and (match := YEAR_LABEL.match(value)):
                assert int(match.group(1)) <= year, value
        assert data["year"] == year_label(year)

    check()


@pytest.mark.parametrize("name", PROCEDURES)
def test_no_hidden_count_of_any_kind_of_report_can_be_worked_back(name: str) -> None:
    procedure = load_procedure(name)
    attacked: list[int] = []

    @settings(
        max_examples=40,
        deadline=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    )
    @given(log=event_logs(procedure, min_cases=3, max_cases=14, max_events=8), below=st.integers(2, 6))
    def check(log: list[dict[str, Any]], below: int) -> None:
        _, report = _year_report(name, log)
        published = publish(report, below)
        data = published.model_dump(exclude={"suppress_below", "homes"})
        small = [path for path, value in leaves(data) if type(value) is int and 0 < value < below]
        assert small == []
        dumped = published.model_dump()
        ledger = kind_of(published).ledger(dumped)
        assert leaks(ledger, dumped) == []
        attacked.append(sum(value is None for value in ledger.counts.values()))

    check()
    assert max(attacked) >= 2, "no generated year had cells to attack"
