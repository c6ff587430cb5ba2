"""The report's charts as SVG, drawn with matplotlib (the optional `report` extra).

Each chart comes with the table of the figures it draws, which the page prints beneath it as its
text alternative. A withheld or "n/a" value is left out of a chart, never drawn as 0. Without
matplotlib, `charts` returns nothing and the HTML page says how to add them.
"""

from __future__ import annotations

import io
import math
from collections.abc import Iterable
from dataclasses import dataclass
from importlib.util import find_spec
from typing import Any

from complaintflow.extras import install_hint
from complaintflow.report.model import AnnualReport
from complaintflow.report.published import Cell, Table, Withheld

INSTALL_HINT = install_hint("report")

#: Drawn this wide, at the page's full width (72rem) the labels print at about 20 px, and at
#: least 12 px down to a 700-pixel-wide window.
WIDTH_INCHES = 9.0
LABEL_POINTS = 13


@dataclass(frozen=True)
class Chart:
    """One chart: its caption, the SVG, and the table of what it draws."""

    caption: str
    svg: str
    figures: Table


def available() -> bool:
    """Whether matplotlib is installed."""
    return find_spec("matplotlib") is not None


def _svg(figure: Any) -> str:
    buffer = io.StringIO()
    # No creation date: the same report gives the same page.
    figure.savefig(buffer, format="svg", bbox_inches="tight", metadata={"Date": None})
    text = buffer.getvalue()
    return text[text.index("<svg") :]


def points(values: Iterable[float | int | None]) -> list[float]:
    """Values to plot, with a withheld or n/a value as a gap, never as 0."""
    return [math.nan if value is None else float(value) for value in values]


def escalation_points(rates: Iterable[Any], field: str) -> list[float]:
    """The percentages to plot, with "n/a" (nothing to divide by) as a gap in the line, never as 0."""
    return points(getattr(rate, field) for rate in rates)


def charts(report: AnnualReport) -> list[Chart]:
    """Each chart with its table, or an empty list without matplotlib."""
    if not available():
        return []
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib import pyplot
    from matplotlib.figure import Figure

    # Text as text, and ids from a fixed salt, so the same report always gives the same SVG.
    pyplot.rcParams.update(
        {"svg.fonttype": "none", "font.size": LABEL_POINTS, "svg.hashsalt": "complaintflow"}
    )
    drawn = []

    timeliness = {s: t.percent for s, t in report.stage1_timeliness.items() if t.percent is not None}
    figure = Figure(figsize=(WIDTH_INCHES, 1.2 + 0.6 * max(len(timeliness), 1)))
    axes = figure.add_subplot()
    names = list(timeliness)
    bars = axes.barh(
        names,
        list(timeliness.values()),
        color=["#1d5f8a" if value >= report.target_percent else "#b3263a" for value in timeliness.values()],
    )
    axes.axvline(report.target_percent, color="#1c1c1c", linestyle="--", linewidth=1.2)
    axes.text(report.target_percent, -0.6, f" target {report.target_percent:g}%", va="bottom")
    axes.bar_label(bars, labels=[f"{value:.1f}%" for value in timeliness.values()], padding=3)
    axes.set_xlim(0, 115)
    axes.set_xlabel("% of stage 1 responses in time")
    axes.invert_yaxis()
    rows: list[list[Cell]] = [[service, percent] for service, percent in timeliness.items()]
    caption = f"Stage 1 response times by service, {report.year}, against a {report.target_percent:g}% target"
    drawn.append(
        Chart(caption, _svg(figure), Table("chart-timeliness", caption, "", ["Service", "% in time"], rows))
    )

    years = list(report.counts_by_year)
    stages = [("Potential", "potential"), ("Stage 1", "stage1"), ("Stage 2", "stage2"), ("Stage 3", "stage3")]
    figure = Figure(figsize=(WIDTH_INCHES, 4.2))
    axes = figure.add_subplot()
    width = 0.2
    for offset, (label, field) in enumerate(stages):
        values = points(getattr(report.counts_by_year[y], field) for y in years)
        positions = [i + (offset - 1.5) * width for i in range(len(years))]
        axes.bar(positions, values, width=width, label=label)
    axes.set_xticks(range(len(years)), years)
    axes.set_ylabel("complaints")
    axes.set_ylim(top=max(axes.get_ylim()[1], 1) * 1.25)  # room for the legend above the bars
    axes.legend(frameon=False, ncols=4, loc="upper left")
    caption = "Complaints by stage over the years"
    rows = [[y, *(getattr(report.counts_by_year[y], field) for _, field in stages)] for y in years]
    drawn.append(
        Chart(
            caption, _svg(figure), Table("chart-counts", caption, "", ["Year", *(s for s, _ in stages)], rows)
        )
    )

    over_time = dict(reversed(report.escalation_over_time.items()))
    rates = [("Stage 1 to 2", "stage1_to_stage2_percent"), ("Stage 1 to 3", "stage1_to_stage3_percent")]
    figure = Figure(figsize=(WIDTH_INCHES, 4.2))
    axes = figure.add_subplot()
    for label, field in rates:
        axes.plot(list(over_time), escalation_points(over_time.values(), field), marker="o", label=label)
    axes.set_ylabel("% of stage 1 complaints")
    axes.set_ylim(bottom=0)
    axes.legend(frameon=False)
    caption = "Escalation rates over time"
    withheld = Withheld(report)
    rows = [
        [y, *(withheld.pct(getattr(rate, field), "escalation_over_time", y, field) for _, field in rates)]
        for y, rate in over_time.items()
    ]
    drawn.append(
        Chart(
            caption,
            _svg(figure),
            Table("chart-escalation", caption, "", ["Year", *(r for r, _ in rates)], rows),
        )
    )
    return drawn
