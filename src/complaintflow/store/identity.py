"""The event_id an imported line is given when it has none, so that importing a file again adds
nothing: the same line of the same case always gets the same id, and a host can work it out too.

The id is `line-` and the first 32 hex digits of the SHA-256 of the line's content in canonical
JSON (the object without its `event_id`, keys sorted, no spaces, UTF-8 as is), a newline, and the
line's place among the identical lines of its case (1 for the first, 2 for the second...). The
content includes `case_id`, so identical lines of two cases get different ids.

>>> line = {"type": "AdvocacyArranged", "case_id": "C-1", "on": "2024-04-05"}
>>> len(derived_event_id(line, 1)), derived_event_id(line, 1).startswith("line-")
(37, True)
>>> derived_event_id(line, 1) == derived_event_id(dict(reversed(line.items())), 1)
True
>>> derived_event_id(line, 1) == derived_event_id(line, 2)
False
"""

from __future__ import annotations

import hashlib
import json
from collections import Counter
from collections.abc import Mapping
from typing import Any

#: Derived ids begin with this, so that they are told apart from a host's own.
PREFIX = "line-"
#: Made once: `json.dumps` with options makes an encoder for every call.
_CANONICAL = json.JSONEncoder(sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def canonical_content(event: Mapping[str, Any]) -> str:
    """The event's fields but `event_id` as canonical JSON: keys sorted, no spaces, UTF-8 as is."""
    if "event_id" in event:
        event = {key: value for key, value in event.items() if key != "event_id"}
    return _CANONICAL.encode(event)


def derived_event_id(event: Mapping[str, Any], occurrence: int) -> str:
    """The id of the `occurrence`-th line (from 1) of its case with exactly this content."""
    return _id_of(hashlib.sha256(canonical_content(event).encode()), occurrence)


def _id_of(content: hashlib._Hash, occurrence: int) -> str:
    """The id from the hash of the content, carried on with a newline and the occurrence."""
    digest = content.copy()
    digest.update(f"\n{occurrence}".encode())
    return PREFIX + digest.hexdigest()[:32]


class LineIds:
    """Derived ids for the lines of one file, counting identical lines as they come."""

    def __init__(self) -> None:
        self._seen: Counter[bytes] = Counter()

    def next_id(self, event: Mapping[str, Any]) -> str:
        content = hashlib.sha256(canonical_content(event).encode())
        key = content.digest()  # 32 bytes a line, not the whole line
        self._seen[key] += 1
        return _id_of(content, self._seen[key])
