"""What a request may carry: a case reference in its path, and a JSON body said to be JSON."""

from __future__ import annotations

import re
from typing import Annotated

from fastapi import Path, Request
from starlette.exceptions import HTTPException as StarletteHTTPException

#: A case reference in a path: printable, one to 64 characters, no slash.
CASE_ID_PATTERN = re.compile(r"[^/\\\x00-\x1f\x7f-\x9f\u2028\u2029]{1,64}")
CaseId = Annotated[
    str, Path(pattern=f"^{CASE_ID_PATTERN.pattern}$", description="The host's case reference.")
]


def require_json(request: Request) -> None:
    """Refuse with 415 a body that does not say it is JSON: a form or plain text is not read as JSON."""
    media_type = request.headers.get("content-type", "").partition(";")[0].strip().lower()
    if media_type != "application/json" and not (
        media_type.startswith("application/") and media_type.endswith("+json")
    ):
        raise StarletteHTTPException(415, "the request body must be JSON, sent as application/json")
