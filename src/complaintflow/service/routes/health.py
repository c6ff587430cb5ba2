"""`/health`: liveness, for load balancers; no token needed."""

from __future__ import annotations

from fastapi import APIRouter

from complaintflow import __version__

router = APIRouter(tags=["service"])


@router.get("/health", openapi_extra={"security": []})
async def health() -> dict[str, str]:
    """Liveness, for load balancers: no token needed."""
    return {"status": "ok", "version": __version__}
