"""Write complaints.xlsx from complaints.csv, as a council's workbook holds the log: dates as date
cells, the other columns as text, on a sheet named Complaints. Needs openpyxl (a dev dependency):

    python examples/spreadsheet/make_workbook.py
"""

from __future__ import annotations

import csv
from pathlib import Path

from openpyxl import Workbook

from complaintflow.importing import CellRefused, read_date

HERE = Path(__file__).parent


def cell(value: str) -> object:
    """A date as a date cell; anything else as it stands (a blank as an empty cell)."""
    try:
        return read_date(value, day_first=True)
    except CellRefused:
        return value or None


def main() -> None:
    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.title = "Complaints"
    with (HERE / "complaints.csv").open(encoding="utf-8", newline="") as handle:
        for number, row in enumerate(csv.reader(handle)):
            sheet.append(row if number == 0 else [cell(value) for value in row])
    for column in sheet.iter_cols(min_row=2):
        for item in column:
            if item.is_date:
                item.number_format = "dd/mm/yyyy"
    workbook.save(HERE / "complaints.xlsx")
    print(f"wrote {HERE / 'complaints.xlsx'}")


if __name__ == "__main__":
    main()
