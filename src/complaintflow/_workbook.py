"""The layout of an .xlsx workbook's sheet, checked before python-calamine holds it in memory.

python-calamine reads a whole sheet at once, and gives a cell it has no value for (a formula never
calculated, an error such as #N/A) as empty. One pass over the sheet's XML, looking at each cell's
position and kind and never at its value, refuses a sheet too large to read and finds those cells,
so that their rows can be refused instead of read as blank.
"""

from __future__ import annotations

import re
import zipfile
from pathlib import Path, PurePosixPath
from typing import IO
from xml.etree import ElementTree
from xml.parsers import expat

from complaintflow.errors import ComplaintflowError, printable
from complaintflow.limits import MAX_SHEET_CELLS, MAX_SHEET_COLUMNS, MAX_SHEET_ROWS, MAX_SHEET_UNPACKED_BYTES


class SpreadsheetError(ComplaintflowError):
    """A spreadsheet that cannot be read at all (too large, damaged, a column missing); nothing of it
    is read."""


_ERROR_VALUE = "an error value (such as #N/A), not a value"
_NOT_CALCULATED = "a formula with no saved value: open the workbook in a spreadsheet program and save it"
_CELL_REFERENCE = re.compile(r"([A-Z]{1,3})([0-9]{1,7})")


def check_workbook(path: Path, sheet_name: str | None) -> dict[tuple[int, int], str]:
    """Refuse a workbook too large to read, before python-calamine holds it in memory; and find the
    cells whose value it cannot give: a formula never calculated (saved by a program that does not
    calculate) and an error such as #N/A, both of which it reads as empty. Only the cells' positions
    and kinds are looked at here, never their values."""
    try:
        with zipfile.ZipFile(path) as workbook:
            if sum(member.file_size for member in workbook.infolist()) > MAX_SHEET_UNPACKED_BYTES:
                most = MAX_SHEET_UNPACKED_BYTES // 1_048_576
                raise SpreadsheetError(f"{path.name}: unpacks to more than {most} MiB")
            part = _sheet_part(workbook, sheet_name)
            with workbook.open(part) as xml:
                return _CellScan(path.name).run(xml)
    except (zipfile.BadZipFile, KeyError, ValueError, ElementTree.ParseError, expat.ExpatError, EOFError):
        raise SpreadsheetError(
            f"{path.name}: not an .xlsx workbook, or a damaged one, or one protected by a password"
        ) from None


def _local(tag: str) -> str:
    return tag.rpartition("}")[2]


def _sheet_part(workbook: zipfile.ZipFile, sheet_name: str | None) -> str:
    """The path inside the workbook of the named sheet (or the first)."""
    sheets = [
        (element.get("name"), next((v for k, v in element.attrib.items() if _local(k) == "id"), None))
        for element in ElementTree.fromstring(workbook.read("xl/workbook.xml")).iter()
        if _local(element.tag) == "sheet"
    ]
    chosen = sheets[:1] if sheet_name is None else [s for s in sheets if s[0] == sheet_name]
    if not chosen:
        raise SpreadsheetError(f"no sheet named {printable(sheet_name or '', 80)!r} in the workbook")
    targets = {
        element.get("Id"): element.get("Target", "")
        for element in ElementTree.fromstring(workbook.read("xl/_rels/workbook.xml.rels")).iter()
        if _local(element.tag) == "Relationship"
    }
    target = targets[chosen[0][1]]
    return target.lstrip("/") if target.startswith("/") else str(PurePosixPath("xl") / target)


class _CellScan:
    """One pass over a sheet's XML with expat, looking at each cell's position and kind only."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.unreadable: dict[tuple[int, int], str] = {}
        self.row = self.column = self.last_row = self.last_column = 0
        self.error = self.formula = self.in_value = False
        self.value = ""

    def run(self, xml: IO[bytes]) -> dict[tuple[int, int], str]:
        parser = expat.ParserCreate()
        parser.StartElementHandler = self.start
        parser.EndElementHandler = self.end
        parser.CharacterDataHandler = self.text
        parser.ParseFile(xml)
        if self.last_row * self.last_column > MAX_SHEET_CELLS:
            raise SpreadsheetError(f"{self.name}: spans more than {MAX_SHEET_CELLS:,} cells; split it")
        return self.unreadable

    def start(self, tag: str, attributes: dict[str, str]) -> None:
        tag = tag.rpartition(":")[2]
        if tag == "row":
            self.row = int(attributes.get("r") or self.row + 1)
            self.column = 0
        elif tag == "c":
            match = _CELL_REFERENCE.fullmatch(attributes.get("r") or "")
            self.column = _column_number(match[1]) if match else self.column + 1
            self.last_row, self.last_column = max(self.last_row, self.row), max(self.last_column, self.column)
            if self.last_row > MAX_SHEET_ROWS or self.last_column > MAX_SHEET_COLUMNS:
                raise SpreadsheetError(
                    f"{self.name}: more than {MAX_SHEET_ROWS:,} rows or {MAX_SHEET_COLUMNS} columns; split it"
                )
            self.error, self.formula, self.value = attributes.get("t") == "e", False, ""
        elif tag == "f":
            self.formula = True
        elif tag == "v":
            self.in_value = True

    def text(self, data: str) -> None:
        if self.in_value:
            self.value += data

    def end(self, tag: str) -> None:
        tag = tag.rpartition(":")[2]
        if tag == "v":
            self.in_value = False
        elif tag == "c" and (self.error or (self.formula and not self.value.strip())):
            self.unreadable[(self.row, self.column - 1)] = _ERROR_VALUE if self.error else _NOT_CALCULATED
            if len(self.unreadable) > MAX_SHEET_ROWS:
                raise SpreadsheetError(f"{self.name}: more than {MAX_SHEET_ROWS:,} cells without a value")


def _column_number(letters: str) -> int:
    number = 0
    for letter in letters:
        number = number * 26 + ord(letter) - ord("A") + 1
    return number
