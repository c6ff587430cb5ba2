"""The complaints desk: pages for a council's complaints officers, served by `complaintflow serve`
under /desk/ (docs/desk.md)."""

from __future__ import annotations

from complaintflow.extras import require_extra

require_extra("service", "fastapi", "jinja2", "govuk_frontend_jinja", needed_by="the complaints desk")

from complaintflow.desk.app import create_desk  # noqa: E402 - after the check that names the extra

__all__ = ["create_desk"]
