"""How the commands print: text made from events shown safely, JSON arrays an item at a time, CSV
that a spreadsheet opens without running anything, and text to standard output or a file."""

from __future__ import annotations

import json
import sys
from collections.abc import Iterable
from pathlib import Path

from pydantic import BaseModel

from complaintflow.cells import write_csv
from complaintflow.cli.common import STANDARD_OUTPUT
from complaintflow.errors import printable


def print_lines(lines: Iterable[str]) -> None:
    """Print text made from events: control characters, such as a newline inside a case reference,
    are shown as '?' so that no field can write a line of its own."""
    for line in lines:
        print(printable(line, 100_000))


def print_json_array(items: Iterable[BaseModel]) -> None:
    """A JSON array of models laid out as json.dumps(..., indent=2) would, written an item at a time.
    pydantic writes each (four times as fast); json.dumps only an item with other than ASCII, which
    it writes as \\u escapes, so the output is ASCII whatever the terminal."""
    first = True
    for item in items:
        text = item.model_dump_json(indent=2)
        if not text.isascii():
            text = json.dumps(item.model_dump(mode="json"), indent=2)
        text = text.replace("\n", "\n  ")
        print(f"[\n  {text}" if first else f",\n  {text}", end="")
        first = False
    print("[]" if first else "\n]")


def print_csv(header: list[str], rows: Iterable[dict[str, object]]) -> None:
    """Rows as CSV for a spreadsheet. Text from events that a spreadsheet would take for a formula
    (=, +, -, @ first) is written after an apostrophe, so that opening the file runs nothing."""
    write_csv(sys.stdout, header, rows)


def emit(text: str, output: str | None) -> None:
    """The text on standard output (for no `output`, or '-'), or in the file `output`."""
    if output is None or output == STANDARD_OUTPUT:
        print(text.rstrip("\n"))
    else:
        Path(output).write_text(text if text.endswith("\n") else text + "\n", encoding="utf-8")
        print(f"wrote {output}")
