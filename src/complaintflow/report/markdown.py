"""The report as Markdown a complaints manager can paste into a committee report."""

from __future__ import annotations

from complaintflow.report.model import AnnualReport
from complaintflow.report.published import Table, headline, show, suppression_note, tables


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
    head = [
        f"# Complaints annual report {report.year}",
        "",
        f"{headline(report)} Stage 1 responses in time: {show(report.stage1_timeliness_total.percent)} "
        f"(target {report.target_percent:g}%).",
    ]
    note = suppression_note(report)
    if note:
        head += ["", note]
    return "\n\n".join(["\n".join(head), *(_table(table) for table in tables(report))]) + "\n"
