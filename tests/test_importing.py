"""Complaints brought in from a spreadsheet or a CSV export, through a mapping: every accepted date
form reads back as itself, an ambiguous date is refused, and hostile sheets (formulas, merged cells,
blank rows, wrong types, a date column of text, 100,000 rows, files too large) are refused or read
as the mapping says, naming the row and the column and never quoting a cell."""

from __future__ import annotations

import shutil
import sys
import zipfile
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import Any

import pytest
from cli_runner import run
from hypothesis import given
from hypothesis import strategies as st
from openpyxl import Workbook, load_workbook

from complaintflow import _workbook, importing
from complaintflow.cells import CellRefused, read_date
from complaintflow.errors import MissingExtra
from complaintflow.importing import (
    MappingError,
    RowRefused,
    SheetMapping,
    SpreadsheetError,
    load_mapping,
    row_event_id,
    sheet_events,
)
from complaintflow.limits import FIRST_DATE, LAST_DATE
from complaintflow.store import open_store

EXAMPLE = Path(__file__).parents[1] / "examples" / "spreadsheet"
MONTHS = [date(2024, month, 1).strftime("%B") for month in range(1, 13)]
ANY_DATE = st.dates(min_value=FIRST_DATE, max_value=LAST_DATE)
#: The columns most tests use: a reference, two dates, an outcome.
HEADER = ["Ref", "Received", "Responded", "Outcome"]
MAPPING = """
procedure = "housing-2024"
[dates]
day_first = true
[columns]
reference = "Ref"
received = "Received"
[stage1]
responded = "Responded"
outcome = "Outcome"
"""


# -- dates -------------------------------------------------------------------------------------------


@given(ANY_DATE)
def test_every_date_written_in_an_accepted_form_reads_back_as_itself(day: date) -> None:
    month = MONTHS[day.month - 1]
    day_first = [
        f"{day.day:02d}/{day.month:02d}/{day.year}",
        f"{day.day}/{day.month}/{day.year}",
        f"{day.day:02d}.{day.month:02d}.{day.year}",
        f"{day.day:02d}-{day.month:02d}-{day.year}",
    ]
    for text in day_first:
        assert read_date(text, day_first=True) == day
    assert read_date(f"{day.month:02d}/{day.day:02d}/{day.year}", day_first=False) == day
    in_words = [f"{day.day} {month} {day.year}", f"{day.day} {month[:3]} {day.year}", day.isoformat()]
    for text in [*in_words, f"{day.day:02d} {month.upper()} {day.year}", f"{day.isoformat()} 14:30:00"]:
        assert read_date(text) == day
    assert read_date(day) == day
    assert read_date(datetime(day.year, day.month, day.day, 23, 59)) == day


@given(ANY_DATE.filter(lambda day: day >= date(1900, 3, 1)))
def test_an_excel_serial_date_reads_back_as_its_day_where_the_mapping_says_so(day: date) -> None:
    serial = (day - date(1899, 12, 30)).days
    for value in (serial, float(serial), serial + 0.75, str(serial)):
        assert read_date(value, excel_serial=True) == day
        with pytest.raises(CellRefused, match="a number, not a date"):
            read_date(value)


@given(ANY_DATE.filter(lambda day: day.day <= 12 and day.day != day.month))
def test_a_numeric_date_that_reads_both_ways_is_refused_unless_the_mapping_says_which_way(day: date) -> None:
    text = f"{day.day:02d}/{day.month:02d}/{day.year}"
    with pytest.raises(CellRefused, match="either way round") as refused:
        read_date(text)
    assert text not in str(refused.value)


@given(ANY_DATE.filter(lambda day: day.day > 12 or day.day == day.month))
def test_a_numeric_date_that_reads_one_way_only_is_read_without_day_first(day: date) -> None:
    assert read_date(f"{day.day}/{day.month}/{day.year}") == day
    assert read_date(f"{day.month}/{day.day}/{day.year}") == day


@given(ANY_DATE, st.sampled_from([None, True, False]))
def test_a_two_digit_year_is_refused_whatever_the_order(day: date, day_first: bool | None) -> None:
    with pytest.raises(CellRefused, match="two-digit year"):
        read_date(f"{day.day:02d}/{day.month:02d}/{day:%y}", day_first=day_first)


@pytest.mark.parametrize(
    ("value", "reason"),
    [
        ("31/02/2024", "no such day"),
        ("13/13/2024", "no such day"),
        ("2 Fooday 2024", "not a month"),
        ("next Tuesday", "not a date in a form"),
        ("1899-12-31", "outside the years"),
        ("2201-01-01", "outside the years"),
        (True, "TRUE or FALSE"),
        (time(10, 0), "a time or a duration"),
        (timedelta(days=2), "a time or a duration"),
        (45383, "a number, not a date"),
    ],
)
def test_a_cell_that_is_not_a_date_is_refused_without_quoting_it(value: object, reason: str) -> None:
    with pytest.raises(CellRefused, match=reason) as refused:
        read_date(value, day_first=True)
    assert str(value) not in str(refused.value)


@pytest.mark.parametrize("serial", [0, 60, 1e9])
def test_an_excel_serial_outside_the_dates_it_can_mean_is_refused(serial: float) -> None:
    with pytest.raises(CellRefused, match="not an Excel date"):
        read_date(serial, excel_serial=True)


# -- the mapping -------------------------------------------------------------------------------------


def mapping_file(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "mapping.toml"
    path.write_text(text, encoding="utf-8")
    return path


@pytest.mark.parametrize(
    ("text", "named"),
    [
        (MAPPING.replace("[columns]", "[columns]\ncolour = 'Colour'"), "key 'columns.colour'"),
        (MAPPING.replace('reference = "Ref"', ""), "key 'columns.reference'"),
        (MAPPING.replace("day_first = true", "day_first = 'yes'"), "key 'dates.day_first'"),
        (MAPPING.replace('procedure = "housing-2024"', ""), "name the procedure"),
        (MAPPING.replace('responded = "Responded"', ""), "stage1: give both"),
        (MAPPING + '[outcomes]\n"Sort of" = "maybe"\n', "key 'outcomes': Input should be 'upheld'"),
        (MAPPING + "[sheet]\nheader_row = 0\n", "key 'sheet.header_row'"),
        (MAPPING + "[sheet]\ndelimiter = ':'\n", "key 'sheet.delimiter'"),
        (MAPPING + "[columns]\n", "not valid TOML"),
    ],
)
def test_a_mapping_that_cannot_be_used_is_refused_naming_the_key(
    tmp_path: Path, text: str, named: str
) -> None:
    with pytest.raises(MappingError, match=named) as refused:
        load_mapping(mapping_file(tmp_path, text))
    assert str(tmp_path / "mapping.toml") in str(refused.value)


def test_a_mapping_file_too_large_is_refused_before_it_is_read(tmp_path: Path) -> None:
    with pytest.raises(MappingError, match="larger than"):
        load_mapping(mapping_file(tmp_path, MAPPING + "#" * 70_000))


def test_the_example_mapping_names_every_stage_column() -> None:
    mapping = load_mapping(EXAMPLE / "mapping.toml")
    assert mapping.procedure == "housing-2024"
    assert mapping.stage2.escalated == "Escalated to stage 2"
    assert mapping.outcomes == {"Upheld in part": "partially_upheld"}


# -- CSV ---------------------------------------------------------------------------------------------


def mapping() -> SheetMapping:
    return SheetMapping.model_validate(importing.tomllib.loads(MAPPING))


def csv_file(tmp_path: Path, *rows: str, encoding: str = "utf-8") -> Path:
    path = tmp_path / "complaints.csv"
    path.write_text("\n".join([",".join(HEADER), *rows]) + "\n", encoding=encoding)
    return path


def read(path: Path, chosen: SheetMapping | None = None) -> tuple[list[tuple[int, Any]], list[RowRefused]]:
    """The sheet's events without their ids, once each id is checked to be its case's and step's."""
    refused: list[RowRefused] = []
    events = []
    for number, event in sheet_events(path, chosen or mapping(), on_refused=refused.append):
        assert event.pop("event_id") == row_event_id(event)
        events.append((number, event))
    return events, refused


def test_each_row_becomes_its_case_s_events_in_the_order_a_case_meets_them(tmp_path: Path) -> None:
    events, refused = read(
        csv_file(tmp_path, "H-1,02/04/2024,12 April 2024,Partly upheld", "H-2,2024-04-03,,")
    )
    assert refused == []
    assert events == [
        (2, {"type": "ComplaintReceived", "case_id": "H-1", "on": "2024-04-02", "procedure": "housing-2024"}),
        (
            2,
            {
                "type": "Responded",
                "case_id": "H-1",
                "on": "2024-04-12",
                "stage": 1,
                "outcome": "partially_upheld",
            },
        ),
        (3, {"type": "ComplaintReceived", "case_id": "H-2", "on": "2024-04-03", "procedure": "housing-2024"}),
    ]


def test_blank_rows_are_skipped_and_rows_keep_the_numbers_the_sheet_shows(tmp_path: Path) -> None:
    events, refused = read(csv_file(tmp_path, ",,,", "", "  ,, ,", "H-1,02/04/2024,,"))
    assert refused == []
    assert [number for number, _ in events] == [5]


@pytest.mark.parametrize(
    ("row", "column", "reason"),
    [
        ("H-1,02/04/24,,", "Received", "two-digit year"),
        ("H-1,Tuesday last,,", "Received", "not a date in a form"),
        ("H-1,,,", "Received", "every row needs this date"),
        (",02/04/2024,,", "Ref", "every row needs a reference"),
        ("H-1,02/04/2024,,Upheld", "Outcome", "an outcome, but no date of response"),
        ("H-1,02/04/2024,12/04/2024,", "Outcome", "a response, but no outcome"),
        ("H-1,02/04/2024,12/04/2024,Sort of", "Outcome", "not an outcome the mapping knows"),
        ("H-1,02/04/2024,45394,Upheld", "Responded", "a number, not a date"),
    ],
)
def test_a_row_with_a_cell_that_cannot_be_read_is_refused_whole_naming_row_and_column(
    tmp_path: Path, row: str, column: str, reason: str
) -> None:
    events, refused = read(csv_file(tmp_path, "H-0,01/04/2024,,", row))
    assert [event["case_id"] for _, event in events] == ["H-0"]
    assert len(refused) == 1
    assert (refused[0].row, refused[0].column) == (3, column)
    assert reason in refused[0].reason
    assert str(refused[0]).startswith(f"row 3, column {column!r}: ")
    cells = [cell for cell in row.split(",")[1:] if cell]
    assert not any(cell in str(refused[0]) for cell in cells)


def test_without_a_collector_the_first_refused_row_is_raised(tmp_path: Path) -> None:
    with pytest.raises(RowRefused, match="row 2, column 'Received'"):
        list(sheet_events(csv_file(tmp_path, "H-1,02/04/24,,"), mapping()))


def test_the_mapping_s_own_words_and_several_category_columns_are_read(tmp_path: Path) -> None:
    chosen = mapping().model_copy(
        update={
            "outcomes": {"Upheld in part": "partially_upheld"},
            "columns": mapping().columns.model_copy(
                update={"categories": ("Outcome", "Ref"), "service_area": "Ref"}
            ),
        }
    )
    events, _ = read(csv_file(tmp_path, "H-1,02/04/2024,12/04/2024,UPHELD  IN_part"), chosen)
    assert events[1][1]["outcome"] == "partially_upheld"
    assert events[0][1]["categories"] == ["UPHELD  IN_part", "H-1"]
    assert events[0][1]["service_area"] == "H-1"


def test_a_procedure_column_names_each_row_s_procedure_and_the_mapping_s_fills_a_blank(
    tmp_path: Path,
) -> None:
    chosen = load_mapping(
        mapping_file(
            tmp_path,
            'procedure = "housing-2024"\n[columns]\nreference = "Ref"\nreceived = "Received"\n'
            'procedure = "Outcome"',
        )
    )
    events, refused = read(csv_file(tmp_path, "H-1,2024-04-02,,lgsco-2026", "H-2,2024-04-02,,"), chosen)
    assert refused == []
    assert [event["procedure"] for _, event in events] == ["lgsco-2026", "housing-2024"]


@pytest.mark.parametrize(
    ("header", "message"),
    [
        ("Ref,Received,Responded", "no column titled 'Outcome' in row 1"),
        ("Ref,Received,Responded,Outcome,outcome", "more than one column titled 'Outcome'"),
    ],
)
def test_a_header_without_each_mapped_column_once_refuses_the_file(
    tmp_path: Path, header: str, message: str
) -> None:
    path = tmp_path / "complaints.csv"
    path.write_text(f"{header}\nH-1,02/04/2024,,\n", encoding="utf-8")
    with pytest.raises(SpreadsheetError, match=message):
        sheet_events(path, mapping())


def test_title_lines_above_the_header_row_are_passed_over_and_short_rows_read_as_empty(
    tmp_path: Path,
) -> None:
    path = tmp_path / "complaints.csv"
    lines = ["Housing complaints 2024-25,,,", "Exported 3 June 2025", ",".join(HEADER), "H-1,02/04/2024"]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    chosen = SheetMapping.model_validate({**mapping().model_dump(), "sheet": {"header_row": 3}})
    events, refused = read(path, chosen)
    assert refused == []
    assert [(row, event["case_id"]) for row, event in events] == [(4, "H-1")]


def test_titles_are_matched_whatever_their_case_and_spacing(tmp_path: Path) -> None:
    path = tmp_path / "complaints.csv"
    path.write_text(" REF ,received,Responded,OUTCOME\nH-1,02/04/2024,,\n", encoding="utf-8")
    assert len(read(path)[0]) == 1


def test_a_csv_export_in_windows_1252_is_read_where_the_mapping_says_so(tmp_path: Path) -> None:
    path = csv_file(tmp_path, "H-é,02/04/2024,,", encoding="cp1252")
    with pytest.raises(SpreadsheetError, match="row 2: not utf-8 text"):
        sheet_events(path, mapping())
    chosen = SheetMapping.model_validate({**mapping().model_dump(), "sheet": {"encoding": "windows-1252"}})
    assert read(path, chosen)[0][0][1]["case_id"] == "H-é"


def test_a_utf8_csv_with_the_byte_order_mark_excel_writes_is_read(tmp_path: Path) -> None:
    path = csv_file(tmp_path, "H-1,02/04/2024,,", encoding="utf-8-sig")
    assert read(path)[0][0][1]["case_id"] == "H-1"


def test_a_cell_longer_than_text_may_be_is_refused_without_quoting_it(tmp_path: Path) -> None:
    _, refused = read(csv_file(tmp_path, "H-1,02/04/2024,12/04/2024," + "x" * 10_001))
    assert refused[0].column == "Outcome" and "longer than 10,000 characters" in refused[0].reason
    assert "xxx" not in str(refused[0])


def test_a_damaged_csv_file_is_refused_naming_the_row(tmp_path: Path) -> None:
    path = tmp_path / "complaints.csv"
    path.write_text('Ref,Received,Responded,Outcome\nH-1,"02/04/2024"x,,\n', encoding="utf-8")
    with pytest.raises(SpreadsheetError, match="row 2: not valid CSV"):
        sheet_events(path, mapping())


def test_a_file_that_is_not_a_spreadsheet_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "complaints.ods"
    path.write_bytes(b"")
    with pytest.raises(SpreadsheetError, match=r"must be a \.csv or \.xlsx file"):
        sheet_events(path, mapping())


# -- .xlsx workbooks ---------------------------------------------------------------------------------


def workbook(tmp_path: Path, rows: list[list[object]], *, title: str = "Complaints") -> Path:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = title
    for row in [HEADER, *rows]:
        sheet.append(row)
    path = tmp_path / "complaints.xlsx"
    book.save(path)
    return path


def test_date_cells_text_dates_and_numbers_are_read_from_a_workbook(tmp_path: Path) -> None:
    path = workbook(
        tmp_path,
        [
            [12345, datetime(2024, 4, 2, 14, 30), "12/04/2024", "Upheld"],
            ["H-2", date(2024, 4, 3), None, None],
        ],
    )
    events, refused = read(path)
    assert refused == []
    assert [event for _, event in events] == [
        {"type": "ComplaintReceived", "case_id": "12345", "on": "2024-04-02", "procedure": "housing-2024"},
        {"type": "Responded", "case_id": "12345", "on": "2024-04-12", "stage": 1, "outcome": "upheld"},
        {"type": "ComplaintReceived", "case_id": "H-2", "on": "2024-04-03", "procedure": "housing-2024"},
    ]


@pytest.mark.parametrize(
    ("cells", "column", "reason"),
    [
        (["H-1", True, None, None], "Received", "TRUE or FALSE, not a date"),
        (["H-1", time(9, 0), None, None], "Received", "a time or a duration"),
        (["H-1", 45383, None, None], "Received", "a number, not a date"),
        (["H-1", "last week", None, None], "Received", "not a date in a form"),
        ([date(2024, 4, 2), date(2024, 4, 2), None, None], "Ref", "date, not text"),
        ([12.5, date(2024, 4, 2), None, None], "Ref", "a number, not text"),
        ([False, date(2024, 4, 2), None, None], "Ref", "TRUE or FALSE, not text"),
        (["H-1", date(2024, 4, 2), date(2024, 4, 12), 3], "Outcome", "not an outcome the mapping knows"),
    ],
)
def test_a_cell_of_the_wrong_type_refuses_its_row(
    tmp_path: Path, cells: list[object], column: str, reason: str
) -> None:
    events, refused = read(workbook(tmp_path, [cells]))
    assert events == []
    assert (refused[0].row, refused[0].column) == (2, column)
    assert reason in refused[0].reason


def test_a_formula_with_no_saved_value_refuses_its_row(tmp_path: Path) -> None:
    path = workbook(tmp_path, [["H-1", "=TODAY()", None, None], ["H-2", date(2024, 4, 2), None, None]])
    events, refused = read(path)
    assert [event["case_id"] for _, event in events] == ["H-2"]
    assert (refused[0].row, refused[0].column) == (2, "Received")
    assert "a formula with no saved value" in refused[0].reason


def rewritten(path: Path, *changes: tuple[bytes, bytes]) -> Path:
    """The workbook with its first sheet's XML changed, as a program other than openpyxl saves it."""
    changed = path.with_name("changed.xlsx")
    with zipfile.ZipFile(path) as source, zipfile.ZipFile(changed, "w") as target:
        for member in source.infolist():
            data = source.read(member)
            if member.filename == "xl/worksheets/sheet1.xml":
                for old, new in changes:
                    assert old in data
                    data = data.replace(old, new)
            target.writestr(member, data)
    return changed


def test_a_formula_with_its_saved_value_is_read_as_that_value(tmp_path: Path) -> None:
    path = workbook(tmp_path, [["H-1", "=DATE(2024,4,2)", None, None]])
    saved = rewritten(path, (b"<v />", b"<v>45384</v>"))
    chosen = SheetMapping.model_validate({**mapping().model_dump(), "dates": {"excel_serial": True}})
    events, refused = read(saved, chosen)
    assert refused == []
    assert events[0][1]["on"] == "2024-04-02"


def test_an_error_value_such_as_n_a_refuses_its_row(tmp_path: Path) -> None:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(HEADER)
    sheet.append(["H-1", None, None, None])
    sheet["B2"] = "#N/A"
    sheet["B2"].data_type = "e"
    book.save(tmp_path / "errors.xlsx")
    _, refused = read(tmp_path / "errors.xlsx")
    assert (refused[0].row, refused[0].column, refused[0].reason) == (2, "Received", _workbook._ERROR_VALUE)


def test_cells_hidden_by_a_merge_refuse_their_rows_and_the_first_cell_is_read(tmp_path: Path) -> None:
    path = workbook(
        tmp_path,
        [
            ["H-1", date(2024, 4, 2), None, None],
            ["H-2", None, None, None],
            ["H-3", date(2024, 4, 3), None, None],
        ],
    )
    book = load_workbook(path)
    book.active.merge_cells("B2:B3")
    book.save(path)
    events, refused = read(path)
    assert [event["case_id"] for _, event in events] == ["H-1", "H-3"]
    assert (refused[0].row, refused[0].column) == (3, "Received")
    assert "merged cells" in refused[0].reason


def test_merges_of_a_million_rows_and_overlapping_merges_hide_only_the_cells_they_cover(
    tmp_path: Path,
) -> None:
    rows: list[list[object]] = [[f"H-{n}", date(2024, 4, 2), None, None] for n in range(1, 7)]
    path = workbook(tmp_path, rows)
    book = load_workbook(path)
    book.active.merge_cells("A3:A4")
    book.save(path)
    huge = b'<mergeCell ref="A3:A4"/><mergeCell ref="B5:XFD1048576"/><mergeCell ref="A6:C7"/>'
    path = rewritten(
        path, (b'<mergeCell ref="A3:A4" />', huge), (b'<mergeCells count="1">', b'<mergeCells count="3">')
    )
    events, refused = read(path)
    assert [event["case_id"] for _, event in events] == ["H-1", "H-2"]
    hidden = [(4, "Ref"), (5, "Responded"), (6, "Received"), (7, "Ref")]
    assert [(row.row, row.column) for row in refused] == hidden


def test_a_sheet_whose_rows_start_below_and_right_of_a1_keeps_the_sheet_s_numbers(tmp_path: Path) -> None:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    for offset, row in enumerate([HEADER, ["H-1", date(2024, 4, 2), None, None]]):
        for column, value in enumerate(row):
            sheet.cell(row=3 + offset, column=2 + column, value=value)
    book.save(tmp_path / "offset.xlsx")
    chosen = SheetMapping.model_validate({**mapping().model_dump(), "sheet": {"header_row": 3}})
    events, _ = read(tmp_path / "offset.xlsx", chosen)
    assert events[0][0] == 4
    assert events[0][1]["case_id"] == "H-1"


def test_the_sheet_the_mapping_names_is_read_and_a_missing_one_refused(tmp_path: Path) -> None:
    path = workbook(tmp_path, [["H-1", date(2024, 4, 2), None, None]], title="Log")
    chosen = SheetMapping.model_validate({**mapping().model_dump(), "sheet": {"name": "Log"}})
    assert len(read(path, chosen)[0]) == 1
    missing = SheetMapping.model_validate({**mapping().model_dump(), "sheet": {"name": "Complaints"}})
    with pytest.raises(SpreadsheetError, match="no sheet named 'Complaints'"):
        sheet_events(path, missing)


def test_a_cell_far_out_is_refused_before_the_sheet_is_held_in_memory(tmp_path: Path) -> None:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(HEADER)
    sheet.cell(row=1_048_576, column=16_384, value="x")
    book.save(tmp_path / "far.xlsx")
    with pytest.raises(SpreadsheetError, match="more than 500,000 rows or 500 columns"):
        sheet_events(tmp_path / "far.xlsx", mapping())


@pytest.mark.parametrize(
    ("limit", "value", "kind", "message"),
    [
        ("MAX_SHEET_ROWS", 3, "csv", "more than 3 rows"),
        ("MAX_SHEET_COLUMNS", 3, "csv", "row 1: more than 3 columns"),
        ("MAX_SHEET_BYTES", 10, "csv", "larger than"),
        ("MAX_SHEET_BYTES", 1_000, "xlsx", "larger than"),
        ("MAX_SHEET_ROWS", 3, "xlsx", "more than 3 rows"),
        ("MAX_SHEET_COLUMNS", 3, "xlsx", "or 3 columns"),
        ("MAX_SHEET_UNPACKED_BYTES", 1_000, "xlsx", "unpacks to more than"),
        ("MAX_SHEET_CELLS", 4, "xlsx", "more than 4 cells"),
    ],
)
def test_a_file_past_a_limit_is_refused_before_any_row_is_read(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, limit: str, value: int, kind: str, message: str
) -> None:
    for module in (importing, _workbook):
        if hasattr(module, limit):
            monkeypatch.setattr(module, limit, value)
    if kind == "csv":
        path = csv_file(tmp_path, *["H-1,02/04/2024,,"] * 5)
    else:
        path = workbook(tmp_path, [["H-1", date(2024, 4, 2), None, None]] * 5)
    with pytest.raises(SpreadsheetError, match=message):
        sheet_events(path, mapping())


def test_a_sheet_that_expands_entities_a_billion_times_is_refused_as_damaged(tmp_path: Path) -> None:
    laughs = [b'<!ENTITY a0 "ha">'] + [
        b'<!ENTITY a%d "%s">' % (n, b"".join(b"&a%d;" % (n - 1) for _ in range(10))) for n in range(1, 10)
    ]
    dtd = b"<!DOCTYPE worksheet [" + b"".join(laughs) + b"]><worksheet"
    path = rewritten(workbook(tmp_path, []), (b"<worksheet", dtd), (b"<t>Ref</t>", b"<t>&a9;</t>"))
    with pytest.raises(SpreadsheetError, match="damaged"):
        sheet_events(path, mapping())


@pytest.mark.parametrize(
    "content",
    [
        b"PK\x03\x04 not really a workbook",
        b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1 as Excel saves one with a password",
    ],
)
def test_a_damaged_or_protected_workbook_is_refused_in_one_line(tmp_path: Path, content: bytes) -> None:
    path = tmp_path / "complaints.xlsx"
    path.write_bytes(content)
    with pytest.raises(SpreadsheetError, match=r"not an \.xlsx workbook, or a damaged one"):
        sheet_events(path, mapping())


def test_without_python_calamine_the_error_names_the_extra(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(sys.modules, "python_calamine", None)
    with pytest.raises(
        MissingExtra, match=r"the spreadsheets extra: python -m pip install \"complaintflow\[spreadsheets\]\""
    ):
        sheet_events(workbook(tmp_path, []), mapping())


def test_a_workbook_of_100_000_rows_is_read_whole(tmp_path: Path) -> None:
    book = Workbook(write_only=True)
    sheet = book.create_sheet("Complaints")
    sheet.append(HEADER)
    first = date(2024, 4, 1)
    for number in range(100_000):
        sheet.append([f"H-{number}", first + timedelta(days=number % 365), None, None])
    book.save(tmp_path / "large.xlsx")
    count = 0
    for count, (row, event) in enumerate(sheet_events(tmp_path / "large.xlsx", mapping()), start=1):  # noqa: B007
        pass
    assert count == 100_000
    assert (row, event["case_id"], event["on"]) == (
        100_001,
        "H-99999",
        (first + timedelta(99_999 % 365)).isoformat(),
    )


# -- the example, into a store, twice ----------------------------------------------------------------


def test_the_example_workbook_and_its_csv_give_the_same_events() -> None:
    mapping = load_mapping(EXAMPLE / "mapping.toml")
    from_csv = list(sheet_events(EXAMPLE / "complaints.csv", mapping))
    assert from_csv == list(sheet_events(EXAMPLE / "complaints.xlsx", mapping))
    assert len({event["case_id"] for _, event in from_csv}) == 8


@pytest.mark.parametrize("name", ["complaints.csv", "complaints.xlsx"])
def test_the_example_imports_into_a_store_and_reads_the_same_the_second_time(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], name: str
) -> None:
    url = f"sqlite:{tmp_path / 'complaints.db'}"
    mapping, sheet = EXAMPLE / "mapping.toml", EXAMPLE / name
    status, out, err = run(capsys, "import", "--mapping", mapping, sheet, "--store", url)
    assert (status, err) == (0, "")
    assert "0 lines refused" in out
    store = open_store(url)
    assert sorted(store.cases()) == [f"HC-24-000{number}" for number in range(1, 9)]
    assert store.load("HC-24-0005").state == "closed"
    assert store.load("HC-24-0007").state == "stage1"
    first = list(sheet_events(sheet, load_mapping(mapping)))
    assert len(list(store.export())) == len(first)
    assert list(sheet_events(sheet, load_mapping(mapping))) == first


def test_refused_rows_are_reported_by_row_and_column_and_the_others_stored(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    sheet = csv_file(
        tmp_path, "H-1,02/04/2024,12/04/2024,Upheld", "H-2,04/02/24,,", "H-3,2024-04-10,2024-04-09,Upheld"
    )
    url = f"sqlite:{tmp_path / 'complaints.db'}"
    status, out, err = run(
        capsys, "import", "--mapping", mapping_file(tmp_path, MAPPING), sheet, "--store", url
    )
    assert status == 1
    assert "2 lines refused" in out
    lines = err.splitlines()
    assert lines[0].startswith(
        "line 3: row 3, column 'Received': a two-digit year could be in either century"
    )
    assert lines[1].startswith("line 4: ")
    assert "04/02/24" not in err
    assert sorted(open_store(url).cases()) == ["H-1", "H-3"]


def test_a_spreadsheet_without_a_mapping_is_refused_in_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    shutil.copy(EXAMPLE / "complaints.csv", tmp_path / "complaints.csv")
    status, _, err = run(
        capsys, "import", tmp_path / "complaints.csv", "--store", f"sqlite:{tmp_path / 'c.db'}"
    )
    assert status == 2
    assert err == "complaintflow: error: import: a .csv or .xlsx file needs --mapping MAPPING.toml\n"


def test_a_date_column_of_text_refuses_every_row_and_stores_nothing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    sheet = csv_file(tmp_path, "H-1,pending,,", "H-2,see notes,,", "H-3,TBC,,")
    url = f"sqlite:{tmp_path / 'complaints.db'}"
    status, out, err = run(
        capsys, "import", "--mapping", mapping_file(tmp_path, MAPPING), sheet, "--store", url
    )
    assert status == 1
    assert "3 lines refused" in out
    assert [line.split(":")[0] for line in err.splitlines()] == ["line 2", "line 3", "line 4"]
    assert all("column 'Received': not a date in a form" in line for line in err.splitlines())
    assert not any(word in err for word in ("pending", "see notes", "TBC"))
    assert open_store(url).cases() == []


def test_a_mapping_with_a_file_that_is_not_a_spreadsheet_is_refused_in_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    events = tmp_path / "events.jsonl"
    events.write_text("", encoding="utf-8")
    mapping = mapping_file(tmp_path, MAPPING)
    status, _, err = run(
        capsys, "import", "--mapping", mapping, events, "--store", f"sqlite:{tmp_path / 'c.db'}"
    )
    assert status == 2
    assert err == "complaintflow: error: events.jsonl: a spreadsheet must be a .csv or .xlsx file\n"


@pytest.mark.parametrize("name", ["complaints.csv", "complaints.xlsx"])
def test_importing_the_example_a_second_time_adds_nothing_to_the_store(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], name: str
) -> None:
    url = f"sqlite:{tmp_path / 'complaints.db'}"
    arguments = ("import", "--mapping", EXAMPLE / "mapping.toml", EXAMPLE / name, "--store", url)
    assert run(capsys, *arguments)[0] == 0
    store = open_store(url)
    before = (list(store.export()), store.records(), store.reports(2024))
    status, out, err = run(capsys, *arguments)
    assert (status, err) == (0, "")
    assert "0 lines refused" in out
    again = open_store(url)
    assert (list(again.export()), again.records(), again.reports(2024)) == before
    assert again.check() == []


def test_a_dry_run_of_a_spreadsheet_reports_its_rows_and_writes_nothing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    sheet = csv_file(tmp_path, "H-1,02/04/2024,12/04/2024,Upheld", "H-2,04/02/24,,")
    url = f"sqlite:{tmp_path / 'complaints.db'}"
    mapping = mapping_file(tmp_path, MAPPING)
    status, out, err = run(capsys, "import", "--dry-run", "--mapping", mapping, sheet, "--store", url)
    assert status == 1
    assert out == f"dry run, nothing written to {url}: would add 2 events, 0 stored already, 1 line refused\n"
    assert err.startswith("line 3: row 3, column 'Received': a two-digit year")
    assert open_store(url).cases() == []


def test_a_sheet_imported_again_adds_what_was_filled_in_and_refuses_what_was_edited(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    url = f"sqlite:{tmp_path / 'complaints.db'}"
    mapping = mapping_file(tmp_path, MAPPING)
    sheet = csv_file(tmp_path, "H-1,02/04/2024,12/04/2024,Upheld", "H-2,03/04/2024,,")
    assert run(capsys, "import", "--mapping", mapping, sheet, "--store", url)[0] == 0
    # A month later the sheet has H-2's response, and H-1's response date was retyped.
    sheet = csv_file(tmp_path, "H-1,02/04/2024,15/04/2024,Upheld", "H-2,03/04/2024,17/04/2024,Not upheld")
    status, out, err = run(capsys, "import", "--mapping", mapping, sheet, "--store", url)
    assert status == 1
    assert "1 line refused" in out
    assert err.startswith("line 2: field 'event_id': conflict: row-")
    assert "is stored already with different content" in err
    store = open_store(url)
    assert [event.on for event in store.events("H-1") if event.type == "Responded"] == [date(2024, 4, 12)]
    assert [event.on for event in store.events("H-2") if event.type == "Responded"] == [date(2024, 4, 17)]
    assert store.check() == []
