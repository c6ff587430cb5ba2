"""The HTTP service (the `service` extra): `create_app(store)`, served by `complaintflow serve`."""

from __future__ import annotations

from complaintflow.extras import require_extra

require_extra("service", "fastapi", needed_by="the service")

from complaintflow.service.app import create_app  # noqa: E402 - only once the extra is known to be there

__all__ = ["create_app"]
