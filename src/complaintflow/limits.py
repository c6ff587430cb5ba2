"""Every size, depth and range complaintflow accepts from outside, in one place.

Input crosses a trust boundary: events come from host systems and files, procedure definitions from
councils. Each limit below is far above anything a real complaint needs, and low enough that a
hostile or broken input is refused with a clear error instead of exhausting memory, recursion or
time. docs/events.md and docs/procedures.md list them for host developers.
"""

from __future__ import annotations

from datetime import date
from typing import Final

#: Dates in events and definitions: a typo such as 9999 is refused rather than carried forward.
FIRST_DATE: Final = date(1900, 1, 1)
LAST_DATE: Final = date(2200, 12, 31)

#: One JSON event (one line of a JSON Lines file), in bytes.
MAX_EVENT_BYTES: Final = 65_536
#: Nesting of objects and arrays in one JSON event (an event needs 3).
MAX_JSON_DEPTH: Final = 16
#: A reference: case, event, officer, action or procedure.
MAX_REFERENCE_CHARS: Final = 200
#: Free text: a reason, a description, a service area.
MAX_TEXT_CHARS: Final = 10_000
#: Items in a list field: categories, points of complaint.
MAX_ITEMS: Final = 200
#: Whole numbers in events: working days, and compensation in pence (ten billion pounds).
MAX_WORKING_DAYS: Final = 1_000
MAX_PENCE: Final = 1_000_000_000_000

#: A procedure definition file, in bytes, and what it may declare.
MAX_PROCEDURE_BYTES: Final = 1_048_576
MAX_STATES: Final = 200
MAX_TRANSITIONS: Final = 2_000
MAX_DEADLINES: Final = 200
#: Transitions once '*' is expanded to every state: what compiling a definition costs.
MAX_EDGES: Final = 20_000
#: Compiled procedure machines kept for reuse; each built-in needs one, a council a few more.
MAX_CACHED_MACHINES: Final = 64
#: Deadline lengths, by unit: about four years at most.
MAX_LENGTH: Final = {"working_days": 1_000, "calendar_days": 1_500, "calendar_months": 48}
#: How deeply `extends` may chain definitions.
MAX_EXTENDS_DEPTH: Final = 8

#: How long an HTTP client may take to send a request's headers, in seconds (`serve --header-timeout`).
HEADER_SECONDS: Final = 10.0
#: HTTP connections open at once, at most (`serve --max-connections`): beyond them, a new one is
#: closed as soon as it is accepted.
MAX_CONNECTIONS: Final = 200

#: An error message, in characters: long enough to say what is wrong, too short to carry a payload.
MAX_MESSAGE_CHARS: Final = 400

#: A spreadsheet or CSV file brought in through a mapping (complaintflow.importing): its size on
#: disk, an .xlsx workbook's contents unpacked (a small file must not unpack into gigabytes), its rows
#: and columns, the cells a sheet may span (the reader holds a sheet's cells in memory), and a mapping
#: file. A cell's text is held to MAX_TEXT_CHARS.
MAX_SHEET_BYTES: Final = 64 * 1_048_576
MAX_SHEET_UNPACKED_BYTES: Final = 512 * 1_048_576
MAX_SHEET_ROWS: Final = 500_000
MAX_SHEET_COLUMNS: Final = 500
MAX_SHEET_CELLS: Final = 10_000_000
MAX_MAPPING_BYTES: Final = 65_536
