"""The report as Markdown a complaints manager can paste into a committee report."""

from __future__ import annotations

from complaintflow.report.model import AnnualReport
from complaintflow.report.published import HIDDEN, Table, show, tables


def _table(table: Table) -> str:
    lines = [f"### {table.title} (seed {table.section})", ""]
    lines.append("| " + " | ".join(table.header) + " |")
    lines.append("|" + "---|" * len(table.header))
    lines += ["| " + " | ".join(show(cell) for cell in row) + " |" for row in table.rows]
    if table.note:
        lines += ["", table.note]
    return "\n".join(lines)


def to_markdown(report: AnnualReport) -> str:
    """Every table, with a heading, in the seed report's order."""
    counts = report.counts
    head = [
        f"# Complaints annual report {report.year}",
        "",
        f"{counts.stage1} stage 1, {counts.stage2} stage 2 and {counts.stage3} stage 3 complaints; "
        f"{counts.potential} potential complaints; {counts.ombudsman} to the Ombudsman. "
        f"Stage 1 responses in time: {show(report.stage1_timeliness_total.percent)} "
        f"(target {report.target_percent:g}%).",
    ]
    if report.suppress_below:
        head += [
            "",
            f"Counts from 1 to {report.suppress_below - 1} are shown as {HIDDEN}, with other cells "
            "hidden where a total would reveal them.",
        ]
    return "\n\n".join(["\n".join(head), *(_table(table) for table in tables(report))]) + "\n"
