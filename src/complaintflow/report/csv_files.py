"""The report as CSV: one file per table, written into a folder."""

from __future__ import annotations

import csv
from pathlib import Path

from complaintflow.report.model import AnnualReport
from complaintflow.report.published import show, tables


def write_csv(report: AnnualReport, folder: Path) -> list[Path]:
    """Write `NN-key.csv` for each table into `folder` (created if need be); return the paths."""
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for number, table in enumerate(tables(report), start=1):
        path = folder / f"{number:02d}-{table.key}.csv"
        with path.open("w", newline="", encoding="utf-8") as handle:
            writer = csv.writer(handle)
            writer.writerow(table.header)
            writer.writerows([[show(cell) for cell in row] for row in table.rows])
        written.append(path)
    return written
