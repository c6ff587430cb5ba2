"""Earlier years' columns from frozen figures: a report shows last year (and the years before) as
they were published, whatever was purged or redacted since.

A report of one year repeats earlier years in its comparison columns (counts by year, last year's
outcomes, escalation over time, the equalities tables of recent years). Where an earlier year was
frozen when it was published, each of those columns is taken from the frozen report of that year,
which holds the same column under the same keys as its own year's figures.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

from pydantic import BaseModel

R = TypeVar("R", bound=BaseModel)

#: How deep the tables of a report nest; the walk goes no deeper.
MAX_DEPTH = 8


def with_frozen_columns(report: R, frozen: Mapping[str, BaseModel]) -> R:
    """The report with every column of a year in `frozen` (by its label, "2024-25") taken from that
    year's frozen report, where the frozen report has the column at the same place."""
    if not frozen:
        return report
    data = report.model_dump()
    for label, earlier in frozen.items():
        _take(data, earlier.model_dump(), label, 0)
    return type(report).model_validate(data)


def _take(data: dict[str, Any], earlier: dict[str, Any], label: str, depth: int) -> None:
    """Copy `earlier[label]` over `data[label]` wherever both tables hold the year, at any depth."""
    if depth > MAX_DEPTH:
        return
    for key, value in data.items():
        if key == label and key in earlier:
            data[key] = earlier[key]
        elif isinstance(value, dict) and isinstance(earlier.get(key), dict):
            _take(value, earlier[key], label, depth + 1)
