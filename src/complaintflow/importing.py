"""Complaints kept in a spreadsheet or a legacy system's CSV export, read as events through a mapping.

A mapping file (TOML) says which column holds the reference, the dates, the outcome, the service
area, the categories and the procedure. Each row becomes its case's events: `ComplaintReceived`,
then, stage by stage, the escalation, acknowledgement and response whose dates the row gives. The
events come out the same each time a file is read, each with an `event_id` made from its case and
its step (`row_event_id`), so the store skips a row it has stored already and refuses, as a conflict,
a cell edited since. Nothing here writes: the store's `import_events` applies the events
through the same rules as every other event.

A cell is read only in a form that cannot be misread. A date that could be read two ways, a formula
with no saved value or a cell hidden by a merge refuses its row, naming the row and the column and
never quoting the cell. `.xlsx` workbooks are read with python-calamine (the `spreadsheets` extra);
CSV files with the standard library.
"""

from __future__ import annotations

import bisect
import csv
import hashlib
import itertools
import sys
import tomllib
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Annotated, Literal, TypeVar

from pydantic import BaseModel, ConfigDict, Field, StrictBool, StrictInt, ValidationError, model_validator

from complaintflow._workbook import SpreadsheetError, check_workbook
from complaintflow.cells import CellRefused, read_date, read_text
from complaintflow.errors import ComplaintflowError, field_name, printable
from complaintflow.events import Outcome
from complaintflow.extras import require_extra
from complaintflow.limits import (
    MAX_ITEMS,
    MAX_MAPPING_BYTES,
    MAX_REFERENCE_CHARS,
    MAX_SHEET_BYTES,
    MAX_SHEET_COLUMNS,
    MAX_SHEET_ROWS,
)

#: The ids of a row's events begin with this, told apart from a host's own and from a log line's.
ROW_ID_PREFIX = "row-"

__all__ = [
    "Columns",
    "DateForms",
    "FirstStage",
    "LaterStage",
    "MappingError",
    "RowRefused",
    "SheetChoice",
    "SheetMapping",
    "SpreadsheetError",
    "load_mapping",
    "row_event_id",
    "sheet_events",
]

T = TypeVar("T")

# -- errors ----------------------------------------------------------------------------------------


class MappingError(ComplaintflowError):
    """A mapping file that cannot be used: names the file and the key at fault."""

    def __init__(self, message: str, *, source: str, key: str | None = None) -> None:
        self.source = source
        self.key = key
        where = f"{source}, key {key!r}" if key else source
        super().__init__(f"{where}: {message}")


class RowRefused(ComplaintflowError):
    """A row that gives no events, because one of its cells was refused: names the row and column."""

    def __init__(self, row: int, column: str, reason: str) -> None:
        self.row = row
        self.column = column
        self.reason = reason
        super().__init__(f"row {row}, column {column!r}: {reason}")


# -- the mapping -------------------------------------------------------------------------------------

#: A column's title, as it stands in the header row.
Title = Annotated[str, Field(min_length=1, max_length=MAX_REFERENCE_CHARS, pattern=r"\S")]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class SheetChoice(_Strict):
    """Where the rows are: the sheet of a workbook, the header row, and how a CSV file is written."""

    name: Title | None = None
    header_row: StrictInt = Field(default=1, ge=1, le=1_000)
    encoding: Literal["utf-8", "windows-1252"] = "utf-8"
    delimiter: Literal[",", ";", "\t", "|"] = ","


class DateForms(_Strict):
    """How the date columns are written. `day_first`: true reads 02/04/2024 as 2 April, false as
    4 February; unset, a numeric date that could be read both ways is refused. `excel_serial`: a
    number in a date column is Excel's count of days (1900 date system)."""

    day_first: StrictBool | None = None
    excel_serial: StrictBool = False


class Columns(_Strict):
    """The columns every stage shares. `categories` may name several columns; a cell may hold several
    categories, split at the mapping's `categories_separator`."""

    reference: Title
    received: Title
    procedure: Title | None = None
    service_area: Title | None = None
    categories: Title | tuple[Title, ...] = ()


class FirstStage(_Strict):
    """The columns of stage 1: the dates acknowledged and responded, and the response's outcome."""

    acknowledged: Title | None = None
    responded: Title | None = None
    outcome: Title | None = None


class LaterStage(FirstStage):
    """A later stage also has the date the complainant asked for it (`EscalationRequested`)."""

    escalated: Title | None = None


class SheetMapping(_Strict):
    """What each column of a council's sheet holds, and which event it becomes."""

    procedure: Annotated[str, Field(min_length=1, max_length=MAX_REFERENCE_CHARS)] | None = None
    categories_separator: Annotated[str, Field(min_length=1, max_length=5)] = ";"
    sheet: SheetChoice = SheetChoice()
    dates: DateForms = DateForms()
    columns: Columns
    stage1: FirstStage = FirstStage()
    stage2: LaterStage = LaterStage()
    stage3: LaterStage = LaterStage()
    #: The sheet's words for an outcome, beside the usual ones ("Upheld", "Partly upheld", ...).
    outcomes: Annotated[dict[Title, Outcome], Field(max_length=MAX_ITEMS)] = {}

    @model_validator(mode="after")
    def _complete(self) -> SheetMapping:
        if self.procedure is None and self.columns.procedure is None:
            raise ValueError("name the procedure: `procedure = ...`, or a column in [columns]")
        for number, stage in self.stages():
            if (stage.outcome is None) != (stage.responded is None):
                raise ValueError(f"stage{number}: give both `responded` and `outcome` columns, or neither")
        return self

    def stages(self) -> tuple[tuple[int, FirstStage], ...]:
        return ((1, self.stage1), (2, self.stage2), (3, self.stage3))


def load_mapping(path: str | Path) -> SheetMapping:
    """The mapping in a TOML file; `MappingError` names the file and the key at fault."""
    source = str(path)
    with Path(path).open("rb") as handle:
        raw = handle.read(MAX_MAPPING_BYTES + 1)
    if len(raw) > MAX_MAPPING_BYTES:
        raise MappingError(f"larger than {MAX_MAPPING_BYTES:,} bytes", source=source)
    try:
        data = tomllib.loads(raw.decode("utf-8"))
    except UnicodeDecodeError:
        raise MappingError("not UTF-8 text", source=source) from None
    except tomllib.TOMLDecodeError as error:
        raise MappingError(f"not valid TOML ({error})", source=source) from None
    try:
        return SheetMapping.model_validate(data)
    except ValidationError as error:
        first = error.errors(include_input=False)[0]
        parts = [str(part) for part in first["loc"]]
        named = [part for part in itertools.takewhile(lambda part: field_name(part) == part, parts)]
        message = str(first["msg"]).removeprefix("Value error, ")
        raise MappingError(message, source=source, key=".".join(named) or None) from None


# -- outcomes ------------------------------------------------------------------------------------

_USUAL_OUTCOMES: dict[str, Outcome] = {
    "upheld": "upheld",
    "partially upheld": "partially_upheld",
    "partly upheld": "partially_upheld",
    "not upheld": "not_upheld",
}


def _words(text: str) -> str:
    """Text compared as a person reads it: case, underscores and runs of spaces do not count."""
    return " ".join(text.replace("_", " ").split()).casefold()


# -- reading a sheet's rows --------------------------------------------------------------------------


#: A range of merged cells: its first and last cells, as (row, column) counted from 0.
Merge = tuple[tuple[int, int], tuple[int, int]]


class _Table:
    """A sheet's cells: the header row's titles, the rows after it, the cells whose value cannot be
    known (row number and column index -> why) and the merged ranges."""

    def __init__(
        self,
        header: list[object],
        rows: Iterator[tuple[int, list[object]]],
        unreadable: dict[tuple[int, int], str] | None = None,
        merged: list[Merge] | None = None,
    ) -> None:
        self.header = header
        self.rows = rows
        self.unreadable = unreadable or {}
        self.merged = merged or []


class _Hidden:
    """The cells of the mapped columns that a merge hides (every cell of a merged range but its
    first), as disjoint runs of rows per column, so that a hostile range of a million rows costs
    no more than a small one."""

    def __init__(self, merged: list[Merge], columns: set[int]) -> None:
        runs: dict[int, list[tuple[int, int]]] = {column: [] for column in columns}
        for (top, left), (bottom, right) in merged:
            for column in columns & set(range(left, min(right, MAX_SHEET_COLUMNS) + 1)):
                first = top + 2 if column == left else top + 1  # rows counted from 1
                if first <= bottom + 1:
                    runs[column].append((first, bottom + 1))
        self.runs = {column: _disjoint(found) for column, found in runs.items() if found}

    def __contains__(self, cell: tuple[int, int]) -> bool:
        row, column = cell
        runs = self.runs.get(column, [])
        at = bisect.bisect_right(runs, (row, sys.maxsize)) - 1
        return at >= 0 and runs[at][0] <= row <= runs[at][1]


def _disjoint(runs: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """Runs of rows, sorted, with those that meet or overlap joined."""
    joined: list[tuple[int, int]] = []
    for first, last in sorted(runs):
        if joined and first <= joined[-1][1] + 1:
            joined[-1] = (joined[-1][0], max(joined[-1][1], last))
        else:
            joined.append((first, last))
    return joined


def _check_size(path: Path) -> None:
    size = path.stat().st_size
    if size > MAX_SHEET_BYTES:
        raise SpreadsheetError(f"{path.name}: larger than {MAX_SHEET_BYTES // 1_048_576} MiB; split it")


def _csv_table(path: Path, sheet: SheetChoice) -> _Table:
    """A CSV file's rows, checked whole first (rows, columns, encoding) and then read as a stream."""
    codec = "utf-8" if sheet.encoding == "utf-8" else "cp1252"

    def records() -> Iterator[tuple[int, list[str]]]:
        number = 0
        with path.open("rb") as handle:
            # Decoded a line at a time, so that text in another encoding is found at its row.
            lines = (line.decode(codec).removeprefix("\ufeff") for line in handle)
            try:
                for number, record in enumerate(csv.reader(lines, delimiter=sheet.delimiter, strict=True), 1):
                    yield number, record
            except csv.Error as error:
                raise SpreadsheetError(f"{path.name}, row {number + 1}: not valid CSV ({error})") from None
            except UnicodeDecodeError:
                raise SpreadsheetError(
                    f"{path.name}, row {number + 1}: not {sheet.encoding} text; "
                    "save it as CSV UTF-8, or say `encoding` in [sheet]"
                ) from None

    header: list[object] = []
    for number, record in records():
        if number > MAX_SHEET_ROWS:
            raise SpreadsheetError(f"{path.name}: more than {MAX_SHEET_ROWS:,} rows; split it")
        if len(record) > MAX_SHEET_COLUMNS:
            raise SpreadsheetError(f"{path.name}, row {number}: more than {MAX_SHEET_COLUMNS} columns")
        if number == sheet.header_row:
            header = list(record)
    rows = ((number, list[object](record)) for number, record in records() if number > sheet.header_row)
    return _Table(header, rows)


def _xlsx_table(path: Path, sheet: SheetChoice) -> _Table:
    """A workbook's sheet: its layout checked first, then its values as python-calamine reads them."""
    require_extra("spreadsheets", "python_calamine", needed_by="reading an .xlsx workbook")
    import python_calamine

    unreadable = check_workbook(path, sheet.name)
    try:
        workbook = python_calamine.CalamineWorkbook.from_path(str(path))
        if sheet.name is None:
            found = workbook.get_sheet_by_index(0)
        else:
            found = workbook.get_sheet_by_name(sheet.name)
    except python_calamine.CalamineError as error:
        raise SpreadsheetError(
            f"{path.name}: the workbook could not be read ({type(error).__name__})"
        ) from None
    # python-calamine gives every row from the first (the empty ones too), each from the sheet's
    # first column with a value: the columns before it are put back, so that the numbers hold.
    padding: list[object] = [None] * (found.start or (0, 0))[1]
    rows = ((offset + 1, [*padding, *cells]) for offset, cells in enumerate(found.iter_rows()))
    header: list[object] = next((cells for number, cells in rows if number == sheet.header_row), [])
    return _Table(header, rows, unreadable, found.merged_cell_ranges or [])


_MERGED = "hidden by merged cells: unmerge them and fill each row"
# -- rows into events --------------------------------------------------------------------------------


class _Columns:
    """Where each mapped column stands in the header row."""

    def __init__(self, header: list[object], mapping: SheetMapping, source: str) -> None:
        positions: dict[str, int] = {}
        for index, title in enumerate(header):
            if isinstance(title, str) and title.strip():
                positions.setdefault(_words(title), index)
        self.positions = positions
        self.source = source
        wanted = [
            mapping.columns.reference,
            mapping.columns.received,
            mapping.columns.procedure,
            mapping.columns.service_area,
            *self.categories(mapping),
            *(title for _, stage in mapping.stages() for title in stage.model_dump().values()),
        ]
        for title in wanted:
            if title is not None and _words(title) not in positions:
                raise SpreadsheetError(
                    f"{source}: no column titled {printable(title, 80)!r} in row {mapping.sheet.header_row}"
                )
        self.mapped = {positions[_words(title)] for title in wanted if title is not None}
        titles = [_words(title) for title in header if isinstance(title, str)]
        for title in wanted:
            if title is not None and titles.count(_words(title)) > 1:
                raise SpreadsheetError(f"{source}: more than one column titled {printable(title, 80)!r}")

    @staticmethod
    def categories(mapping: SheetMapping) -> tuple[str, ...]:
        given = mapping.columns.categories
        return (given,) if isinstance(given, str) else given

    def index(self, title: str) -> int:
        return self.positions[_words(title)]


class _Row:
    """One row's cells, read by column title; a refused cell names the row and the column."""

    def __init__(
        self, number: int, cells: list[object], columns: _Columns, table: _Table, hidden: _Hidden
    ) -> None:
        self.number = number
        self.cells = cells
        self.columns = columns
        self.table = table
        self.hidden = hidden

    def cell(self, title: str, read: Callable[[object], T]) -> T:
        index = self.columns.index(title)
        why = self.table.unreadable.get((self.number, index))
        try:
            if why is not None:
                raise CellRefused(why)
            if (self.number, index) in self.hidden:
                raise CellRefused(_MERGED)
            return read(self.cells[index] if index < len(self.cells) else None)
        except CellRefused as error:
            raise RowRefused(self.number, printable(title, 80), str(error)) from None


def _blank(value: object) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


class _Reader:
    """Reads each mapped cell of a row the way its column says."""

    def __init__(self, mapping: SheetMapping) -> None:
        self.mapping = mapping
        outcomes = dict(_USUAL_OUTCOMES)
        outcomes.update({_words(word): outcome for word, outcome in mapping.outcomes.items()})
        self.outcomes = outcomes

    def date(self, value: object) -> str | None:
        if _blank(value):
            return None
        forms = self.mapping.dates
        return read_date(value, day_first=forms.day_first, excel_serial=forms.excel_serial).isoformat()

    def required_date(self, value: object) -> str:
        found = self.date(value)
        if found is None:
            raise CellRefused("empty: every row needs this date")
        return found

    def reference(self, value: object) -> str:
        text = read_text(value)
        if text is None:
            raise CellRefused("empty: every row needs a reference")
        return text

    def outcome(self, value: object) -> Outcome | None:
        text = read_text(value)
        if text is None:
            return None
        found = self.outcomes.get(_words(text))
        if found is None:
            raise CellRefused("not an outcome the mapping knows: list the sheet's words in [outcomes]")
        return found

    def categories(self, value: object) -> list[str]:
        text = read_text(value)
        if text is None:
            return []
        return [part.strip() for part in text.split(self.mapping.categories_separator) if part.strip()]


def _row_events(row: _Row, mapping: SheetMapping, reader: _Reader) -> list[dict[str, object]]:
    """A row's events in the order a case meets them: received, then each stage's escalation,
    acknowledgement and response."""
    columns = mapping.columns
    case_id = row.cell(columns.reference, reader.reference)
    received: dict[str, object] = {
        "type": "ComplaintReceived",
        "case_id": case_id,
        "on": row.cell(columns.received, reader.required_date),
        "procedure": (row.cell(columns.procedure, read_text) if columns.procedure else None)
        or mapping.procedure,
    }
    if received["procedure"] is None:
        raise RowRefused(
            row.number, printable(columns.procedure or "", 80), "empty: the row names no procedure"
        )
    if columns.service_area is not None:
        received["service_area"] = row.cell(columns.service_area, read_text)
    categories = [
        item for title in _Columns.categories(mapping) for item in row.cell(title, reader.categories)
    ]
    if categories:
        received["categories"] = list(dict.fromkeys(categories))
    events = [received]
    for number, stage in mapping.stages():
        escalated = stage.escalated if isinstance(stage, LaterStage) else None
        if escalated is not None and (on := row.cell(escalated, reader.date)):
            events.append({"type": "EscalationRequested", "case_id": case_id, "on": on, "to_stage": number})
        if stage.acknowledged is not None and (on := row.cell(stage.acknowledged, reader.date)):
            events.append({"type": "Acknowledged", "case_id": case_id, "on": on, "stage": number})
        responded = row.cell(stage.responded, reader.date) if stage.responded is not None else None
        outcome = row.cell(stage.outcome, reader.outcome) if stage.outcome is not None else None
        if outcome is not None and responded is None:
            raise RowRefused(
                row.number, printable(stage.outcome or "", 80), "an outcome, but no date of response"
            )
        if responded is not None:
            if outcome is None:
                raise RowRefused(row.number, printable(stage.outcome or "", 80), "a response, but no outcome")
            events.append(
                {
                    "type": "Responded",
                    "case_id": case_id,
                    "on": responded,
                    "stage": number,
                    "outcome": outcome,
                }
            )
    return [
        {"event_id": row_event_id(event), **{key: value for key, value in event.items() if value is not None}}
        for event in events
    ]


def row_event_id(event: dict[str, object]) -> str:
    """The id of a row's event: its case and its step (received; a stage's escalation,
    acknowledgement or response), never its dates or outcome. Importing the sheet again skips what
    is stored; a cell edited since then keeps the id with other content, and the store refuses it as
    a conflict naming the row, so a stored record is put right by a correction, not overwritten."""
    step = f"{event['type']}:{event.get('stage', event.get('to_stage', ''))}"
    digest = hashlib.sha256(f"{event['case_id']}\n{step}".encode()).hexdigest()
    return ROW_ID_PREFIX + digest[:32]


def sheet_events(
    path: str | Path,
    mapping: SheetMapping,
    *,
    on_refused: Callable[[RowRefused], None] | None = None,
) -> Iterator[tuple[int, dict[str, object]]]:
    """Each event of a `.csv` or `.xlsx` file's rows, with its row number, read through `mapping`.

    The file is checked when this is called (its size, layout and header), so a file that cannot be
    read at all is refused before any event is given. Blank rows are skipped. A row with a cell that
    cannot be read gives no events: it is passed to `on_refused`, or, without it, raised. The events
    carry ids from their case and step (`row_event_id`), and the same file gives the same events
    each time.
    """
    path = Path(path)
    _check_size(path)
    suffix = path.suffix.lower()
    if suffix == ".csv":
        table = _csv_table(path, mapping.sheet)
    elif suffix == ".xlsx":
        table = _xlsx_table(path, mapping.sheet)
    else:
        raise SpreadsheetError(f"{path.name}: a spreadsheet must be a .csv or .xlsx file")
    columns = _Columns(table.header, mapping, path.name)
    return _events(table, columns, mapping, on_refused)


def _events(
    table: _Table,
    columns: _Columns,
    mapping: SheetMapping,
    on_refused: Callable[[RowRefused], None] | None,
) -> Iterator[tuple[int, dict[str, object]]]:
    reader = _Reader(mapping)
    hidden = _Hidden(table.merged, columns.mapped)
    for number, cells in table.rows:
        if all(_blank(value) for value in cells):
            continue
        try:
            events = _row_events(_Row(number, cells, columns, table, hidden), mapping, reader)
        except RowRefused as refusal:
            if on_refused is None:
                raise
            on_refused(refusal)
            continue
        for event in events:
            yield number, event
