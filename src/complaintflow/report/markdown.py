"""The report as Markdown a complaints manager can paste into a committee report."""

from __future__ import annotations

import re

from complaintflow.errors import printable
from complaintflow.report.forms import Report, default_title, headline, tables
from complaintflow.report.published import (
    Cover,
    Table,
    frozen_note,
    show,
    sources_note,
    suppression_note,
)

_MARKUP = re.compile(r"([\\`*_\[\]<>#|~])")


def cell(text: str) -> str:
    """Text from events (a service area, a category) made safe for a Markdown table cell: on one line,
    with Markdown's own characters escaped, so it cannot end the table or start a heading."""
    return _MARKUP.sub(r"\\\1", printable(text, 1_000, replacement=" "))


def _table(table: Table) -> str:
    lines = [f"### {cell(table.title)}", ""]
    lines.append("| " + " | ".join(cell(heading) for heading in table.header) + " |")
    lines.append("|" + "---|" * len(table.header))
    lines += [
        "| " + " | ".join(cell(value) if isinstance(value, str) else show(value) for value in row) + " |"
        for row in table.rows
    ]
    if table.items:
        lines += ["", *(f"- {cell(item)}" for item in table.items)]
    if table.note:
        lines += ["", cell(table.note)]
    return "\n".join(lines)


def to_markdown(report: Report, cover: Cover | None = None) -> str:
    """Every table, with a heading, in the seed report's order."""
    cover = cover or Cover()
    byline = cover.byline()
    head = [
        f"# {cell(cover.heading(default_title(report)))}",
        *(["", cell(byline)] if byline else []),
        "",
        headline(report),
    ]
    for note in (frozen_note(report), suppression_note(report)):
        if note:
            head += ["", cell(note)]
    foot = [cell(note)] if (note := sources_note(report)) else []
    return "\n\n".join(["\n".join(head), *(_table(table) for table in tables(report)), *foot]) + "\n"
