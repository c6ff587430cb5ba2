"""The HTTP service (the `service` extra): `create_app(store)`, served by `complaintflow serve`."""

from __future__ import annotations

try:
    import fastapi  # noqa: F401 - only to say which extra is missing
except ImportError as missing:  # pragma: no cover - depends on what is installed
    from complaintflow.errors import ComplaintflowError

    raise ComplaintflowError(
        'the service needs the service extra: python -m pip install "complaintflow[service]"'
    ) from missing

from complaintflow.service.app import create_app

__all__ = ["create_app"]
