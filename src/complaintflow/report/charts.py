"""The report's charts as SVG, drawn with matplotlib (the optional `report` extra).

Without matplotlib, `charts` returns nothing and the HTML page says how to add them.
"""

from __future__ import annotations

import io
import math
from collections.abc import Iterable
from importlib.util import find_spec
from typing import Any

from complaintflow.report.model import AnnualReport

INSTALL_HINT = 'python -m pip install "complaintflow[report]"'


def available() -> bool:
    """Whether matplotlib is installed."""
    return find_spec("matplotlib") is not None


def _svg(figure: Any) -> str:
    buffer = io.StringIO()
    # No creation date: the same report gives the same page.
    figure.savefig(buffer, format="svg", bbox_inches="tight", metadata={"Date": None})
    text = buffer.getvalue()
    return text[text.index("<svg") :]


def charts(report: AnnualReport) -> list[tuple[str, str]]:
    """(title, SVG) for each chart, or an empty list without matplotlib."""
    if not available():
        return []
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib import pyplot
    from matplotlib.figure import Figure

    # Text as text, and ids from a fixed salt, so the same report always gives the same SVG.
    pyplot.rcParams.update({"svg.fonttype": "none", "font.size": 10, "svg.hashsalt": "complaintflow"})
    drawn = []

    timeliness = {s: t.percent for s, t in report.stage1_timeliness.items() if t.percent is not None}
    figure = Figure(figsize=(7, 0.6 + 0.45 * len(timeliness)))
    axes = figure.add_subplot()
    names = list(timeliness)
    bars = axes.barh(
        names,
        list(timeliness.values()),
        color=["#2a7ab0" if value >= report.target_percent else "#d1495b" for value in timeliness.values()],
    )
    axes.axvline(report.target_percent, color="#333333", linestyle="--", linewidth=1.2)
    axes.text(report.target_percent, -0.6, f" target {report.target_percent:g}%", va="bottom")
    axes.bar_label(bars, labels=[f"{value:.1f}%" for value in timeliness.values()], padding=3)
    axes.set_xlim(0, 110)
    axes.set_xlabel("% of stage 1 responses in time")
    axes.invert_yaxis()
    drawn.append((f"Stage 1 response times by service, {report.year}", _svg(figure)))

    years = list(report.counts_by_year)
    figure = Figure(figsize=(7, 3.2))
    axes = figure.add_subplot()
    width = 0.2
    for offset, (label, field) in enumerate(
        [("Potential", "potential"), ("Stage 1", "stage1"), ("Stage 2", "stage2"), ("Stage 3", "stage3")]
    ):
        values = [getattr(report.counts_by_year[y], field) for y in years]
        positions = [i + (offset - 1.5) * width for i in range(len(years))]
        axes.bar(positions, values, width=width, label=label)
    axes.set_xticks(range(len(years)), years)
    axes.set_ylabel("complaints")
    axes.set_ylim(top=axes.get_ylim()[1] * 1.25)  # room for the legend above the bars
    axes.legend(frameon=False, ncols=4, loc="upper left")
    drawn.append(("Complaints by stage over the years", _svg(figure)))

    over_time = dict(reversed(report.escalation_over_time.items()))
    figure = Figure(figsize=(7, 3.2))
    axes = figure.add_subplot()
    for label, field in (
        ("Stage 1 to 2", "stage1_to_stage2_percent"),
        ("Stage 1 to 3", "stage1_to_stage3_percent"),
    ):
        axes.plot(list(over_time), escalation_points(over_time.values(), field), marker="o", label=label)
    axes.set_ylabel("% of stage 1 complaints")
    axes.set_ylim(bottom=0)
    axes.legend(frameon=False)
    drawn.append(("Escalation rates over time", _svg(figure)))
    return drawn


def escalation_points(rates: Iterable[Any], field: str) -> list[float]:
    """The percentages to plot, with "n/a" (nothing to divide by) as a gap in the line, never as 0."""
    return [math.nan if getattr(rate, field) is None else float(getattr(rate, field)) for rate in rates]
