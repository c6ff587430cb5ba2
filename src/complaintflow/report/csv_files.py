"""The report as CSV: one file per table."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator

from complaintflow.report.forms import Report, tables
from complaintflow.report.published import show


def _files(report: Report) -> Iterator[tuple[str, str]]:
    """Each table as (`NN-key.csv`, its CSV text)."""
    for number, table in enumerate(tables(report), start=1):
        text = io.StringIO()
        writer = csv.writer(text)
        writer.writerow(table.header)
        writer.writerows([[show(cell) for cell in row] for row in table.rows])
        yield f"{number:02d}-{table.key}.csv", text.getvalue()
        if table.items:
            listed = io.StringIO()
            csv.writer(listed).writerows([["Action"], *([item] for item in table.items)])
            yield f"{number:02d}-{table.key}-list.csv", listed.getvalue()


def csv_files(report: Report) -> dict[str, str]:
    """Each table's CSV text, by file name."""
    return dict(_files(report))
