"""The report as one self-contained HTML page, with its charts embedded as SVG."""

from __future__ import annotations

from html import escape

from complaintflow.report import charts as chart_drawing
from complaintflow.report.forms import Report, default_title, headline, tables
from complaintflow.report.model import AnnualReport
from complaintflow.report.published import (
    HIDDEN,
    Cell,
    Cover,
    Table,
    frozen_note,
    show,
    sources_note,
    suppression_note,
)

STYLE = """
body { font-family: system-ui, sans-serif; margin: 2rem auto; max-width: 72rem; color: #1c1c1c; }
h1 { font-size: 1.6rem; } h2 { font-size: 1.2rem; margin-top: 2rem; }
table { border-collapse: collapse; margin: 0.5rem 0 1rem; font-size: 0.9rem; }
th, td { border: 1px solid #c8c8c8; padding: 0.25rem 0.5rem; text-align: right; }
th:first-child, td:first-child { text-align: left; }
thead th { background: #eef3f7; }
tr.total td { font-weight: 600; }
figure { margin: 1.5rem 0; } figcaption { font-weight: 600; margin-bottom: 0.25rem; }
figure svg { display: block; width: 100%; height: auto; }
details { margin: 0.25rem 0 1rem; } summary { cursor: pointer; }
.note { color: #555; font-size: 0.85rem; }
"""


def _cell(value: Cell) -> str:
    """A cell's text; a withheld count says so to a screen reader, not just "star"."""
    if value is None:
        return f'<abbr title="withheld">{escape(HIDDEN)}</abbr>'
    return escape(show(value))


def _grid(table: Table) -> str:
    """The table itself: column headings, and each row headed by its first cell."""
    head = "".join(f'<th scope="col">{escape(cell)}</th>' for cell in table.header)
    body = []
    for row in table.rows:
        css = ' class="total"' if row and row[0] == "Total" else ""
        first, *rest = row or [""]
        cells = f'<th scope="row">{_cell(first)}</th>' + "".join(f"<td>{_cell(cell)}</td>" for cell in rest)
        body.append(f"<tr{css}>{cells}</tr>")
    return f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(body)}</tbody></table>"


def _table(table: Table) -> str:
    items = "".join(f"<li>{escape(item)}</li>" for item in table.items)
    listed = f"<ul>{items}</ul>" if items else ""
    note = f'<p class="note">{escape(table.note)}</p>' if table.note else ""
    heading = f"<h2>{escape(table.title)}</h2>"
    return f'<section id="{escape(table.key)}">{heading}{_grid(table)}{listed}{note}</section>'


def _figure(number: int, chart: chart_drawing.Chart) -> str:
    """A chart at full width: its caption names it for screen readers, and the table of the figures
    it draws follows as its text alternative."""
    caption_id = f"chart-{number}"
    svg = chart.svg.replace("<svg ", f'<svg role="img" aria-labelledby="{caption_id}" ', 1)
    withheld = any(cell is None for row in chart.figures.rows for cell in row)
    note = '<p class="note">Withheld values are left out of the chart.</p>' if withheld else ""
    return (
        f'<figure><figcaption id="{caption_id}">{escape(chart.caption)}</figcaption>{svg}{note}'
        f"<details><summary>The figures in this chart</summary>{_grid(chart.figures)}</details></figure>"
    )


def to_html(report: Report, cover: Cover | None = None) -> str:
    """The whole report as one HTML page that needs no other file."""
    cover = cover or Cover()
    byline = cover.byline()
    title = escape(cover.heading(default_title(report)))
    notes = [note for note in (frozen_note(report), suppression_note(report)) if note]
    suppressed = "".join(f'<p class="note">{escape(note)}</p>' for note in notes)
    cited = sources_note(report)
    foot = f'<p class="note">{escape(cited)}</p>' if cited else ""
    return (
        '<!DOCTYPE html><html lang="en-GB"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{title}</title><style>{STYLE}</style></head><body><main>"
        f"<h1>{title}</h1>"
        f"{f'<p>{escape(byline)}</p>' if byline else ''}"
        f"<p>{escape(headline(report))}</p>{suppressed}"
        f"{_charts(report)}{''.join(_table(table) for table in tables(report))}{foot}</main></body></html>\n"
    )


def _charts(report: Report) -> str:
    """The children's report's charts, or how to add them; the other reports are tables alone."""
    if not isinstance(report, AnnualReport):
        return ""
    drawn = chart_drawing.charts(report)
    if not drawn:
        return (
            '<p class="note" id="no-charts">Charts need matplotlib: install them with '
            f"<code>{escape(chart_drawing.INSTALL_HINT)}</code> and run the report again.</p>"
        )
    figures = "".join(_figure(number, chart) for number, chart in enumerate(drawn, 1))
    return f'<section class="charts" aria-label="Charts">{figures}</section>'
