"""schemathesis against the service's own OpenAPI document: every endpoint, with generated requests;
no response may be a server error or break the documented schema."""

from __future__ import annotations

import tempfile
from pathlib import Path

import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis import checks

import complaintflow as cf
from complaintflow.service import create_app
from complaintflow.store.tokens import create_token

_STORE = cf.open_store(f"sqlite:{Path(tempfile.mkdtemp()) / 'store.db'}")
_TOKEN = create_token(_STORE, "schemathesis", "admin")
_STORE.append(
    "C-1", [{"type": "ComplaintReceived", "case_id": "C-1", "on": "2024-04-02", "procedure": "children-2006"}]
)
schema = schemathesis.openapi.from_asgi("/openapi.json", create_app(_STORE, max_wait=0.2))


#: What the service promises of every answer. Whether a well-formed request is accepted depends on
#: the case's history and on the calendars' years, which JSON Schema cannot say, so the checks that
#: expect every schema-valid request to succeed (and every invalid one to fail) are not among them.
CHECKS = [
    checks.not_a_server_error,
    checks.status_code_conformance,
    checks.content_type_conformance,
    checks.response_schema_conformance,
    checks.response_headers_conformance,
    checks.ignored_auth,
    checks.missing_required_header,
    checks.unsupported_method,
    checks.allow_header_conformance,
]


@schema.parametrize()
@settings(max_examples=40, deadline=None, suppress_health_check=list(HealthCheck))
def test_every_endpoint_answers_as_documented(case: schemathesis.Case) -> None:
    case.call_and_validate(headers={"Authorization": f"Bearer {_TOKEN}"}, checks=CHECKS)
