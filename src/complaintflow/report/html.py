"""The report as one self-contained HTML page, with its charts embedded as SVG."""

from __future__ import annotations

from html import escape

from complaintflow.report import charts as chart_drawing
from complaintflow.report.model import AnnualReport
from complaintflow.report.published import Cover, Table, headline, show, suppression_note, tables

STYLE = """
body { font-family: system-ui, sans-serif; margin: 2rem auto; max-width: 72rem; color: #1c1c1c; }
h1 { font-size: 1.6rem; } h2 { font-size: 1.2rem; margin-top: 2rem; }
table { border-collapse: collapse; margin: 0.5rem 0 1rem; font-size: 0.9rem; }
th, td { border: 1px solid #c8c8c8; padding: 0.25rem 0.5rem; text-align: right; }
th:first-child, td:first-child { text-align: left; }
thead th { background: #eef3f7; }
tr.total td { font-weight: 600; }
.charts { display: grid; grid-template-columns: repeat(auto-fit, minmax(30rem, 1fr)); gap: 1rem; }
figure { margin: 0; } figcaption { font-weight: 600; margin-bottom: 0.25rem; }
figure svg { width: 100%; height: auto; }
.note { color: #555; font-size: 0.85rem; }
"""


def _table(table: Table) -> str:
    head = "".join(f"<th>{escape(cell)}</th>" for cell in table.header)
    body = []
    for row in table.rows:
        css = ' class="total"' if row and row[0] == "Total" else ""
        body.append(f"<tr{css}>" + "".join(f"<td>{escape(show(cell))}</td>" for cell in row) + "</tr>")
    note = f'<p class="note">{escape(table.note)}</p>' if table.note else ""
    return (
        f'<section id="{escape(table.key)}"><h2>{escape(table.title)}</h2>'
        f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(body)}</tbody></table>{note}</section>"
    )


def to_html(report: AnnualReport, cover: Cover | None = None) -> str:
    """The whole report as one HTML page that needs no other file."""
    cover = cover or Cover()
    byline = cover.byline()
    drawn = chart_drawing.charts(report)
    if drawn:
        figures = "".join(
            f"<figure><figcaption>{escape(title)}</figcaption>{svg}</figure>" for title, svg in drawn
        )
        chart_section = f'<section class="charts">{figures}</section>'
    else:
        chart_section = (
            '<p class="note" id="no-charts">Charts need matplotlib: install them with '
            f"<code>{escape(chart_drawing.INSTALL_HINT)}</code> and run the report again.</p>"
        )
    note = suppression_note(report)
    suppressed = f'<p class="note">{escape(note)}</p>' if note else ""
    return (
        '<!DOCTYPE html><html lang="en-GB"><head><meta charset="utf-8">'
        f"<title>{escape(cover.heading(report))}</title><style>{STYLE}</style></head><body>"
        f"<h1>{escape(cover.heading(report))}</h1>"
        f"{f'<p>{escape(byline)}</p>' if byline else ''}"
        f"<p>{escape(headline(report))}</p>{suppressed}"
        f"{chart_section}{''.join(_table(table) for table in tables(report))}</body></html>\n"
    )
