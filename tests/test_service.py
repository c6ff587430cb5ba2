"""The HTTP service, in process (httpx with the ASGI app): every endpoint, status code and problem."""

from __future__ import annotations

import inspect
import io
import json
import re
import zipfile
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient

import complaintflow as cf
from complaintflow.notices import notify
from complaintflow.service import create_app
from complaintflow.service.app import EVENTS_SCHEMA
from complaintflow.store.tokens import create_token, revoke_token

ROOT = Path(__file__).resolve().parents[1]
RECEIVED = {"type": "ComplaintReceived", "case_id": "C-1", "on": "2024-04-02", "procedure": "children-2006"}
RESPONDED = {"type": "Responded", "case_id": "C-1", "on": "2024-04-10", "stage": 1, "outcome": "upheld"}


class Service:
    """A store, its app, a client and a token of each scope."""

    def __init__(self, folder: Path) -> None:
        self.store = cf.open_store(f"sqlite:{folder / 'store.db'}")
        self.app = create_app(self.store, max_body_bytes=200_000)
        self.client = TestClient(self.app, base_url="http://service")  # httpx, in process
        self.tokens = {
            scope: create_token(self.store, f"{scope}-token", scope)
            for scope in ("read", "write", "report", "admin")
        }

    def as_(self, scope: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.tokens[scope]}"}

    def post(self, case_id: str, body: object, scope: str = "write", **headers: str) -> httpx.Response:
        content = body if isinstance(body, bytes) else json.dumps(body).encode()
        return self.client.post(
            f"/cases/{case_id}/events",
            content=content,
            headers={**self.as_(scope), "Content-Type": "application/json", **headers},
        )

    def get(self, path: str, scope: str = "read", **params: Any) -> httpx.Response:
        return self.client.get(path, params=params, headers=self.as_(scope))


@pytest.fixture
def service(tmp_path: Path) -> Iterator[Service]:
    running = Service(tmp_path)
    yield running
    running.client.close()
    running.store.close()


def is_problem(response: httpx.Response, status: int, kind: str) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    document: dict[str, Any] = response.json()
    assert (
        document["status"] == status and document["kind"] == kind and document["type"] == f"/problems/{kind}"
    )
    assert document["title"] and document["detail"]
    return document


# -- recording events ---------------------------------------------------------------------------


def test_an_event_is_recorded_and_the_answer_is_the_version_and_the_view(service: Service) -> None:
    response = service.post("C-1", RECEIVED)
    assert response.status_code == 200 and response.headers["etag"] == '"1"'
    assert response.json()["version"] == 1 and response.json()["case"]["state"] == "stage1"
    events = service.store.events("C-1")
    assert service.store.feed()[0][1].event_id == events[0].event_id
    with service.store._reading() as db:
        db.execute("SELECT recorded_by FROM complaintflow_events")
        assert db.fetchall() == [("write-token",)]


@pytest.mark.parametrize("prefer", ["return=minimal", "Return = Minimal", 'respond-async, return="minimal"'])
def test_a_host_that_prefers_a_minimal_answer_gets_the_version_and_no_view(
    service: Service, prefer: str
) -> None:
    """RFC 7240: with `Prefer: return=minimal` the events are stored and the answer is a 204 whose
    ETag is the case's new version; the view is built only when asked for."""
    response = service.post("C-1", RECEIVED, Prefer=prefer)
    assert response.status_code == 204 and response.content == b""
    assert response.headers["etag"] == '"1"' and response.headers["preference-applied"] == "return=minimal"
    assert service.store.version("C-1") == 1
    refused = is_problem(
        service.post("C-1", RESPONDED, Prefer=prefer, **{"If-Match": '"0"'}), 412, "stale-version"
    )
    assert refused["version"] == 1


@pytest.mark.parametrize("prefer", ["return=representation", "handling=lenient", "return=minimalist"])
def test_other_preferences_get_the_view(service: Service, prefer: str) -> None:
    response = service.post("C-1", RECEIVED, Prefer=prefer)
    assert response.status_code == 200 and response.json()["case"]["state"] == "stage1"
    assert "preference-applied" not in response.headers


def test_the_view_an_append_answers_with_is_kept_for_the_read_that_often_follows(service: Service) -> None:
    appended = service.post("C-1", RECEIVED).json()["case"]
    assert appended == service.store.load("C-1").view().model_dump(mode="json")
    assert service.get("/cases/C-1").json() == appended
    service.store.append("C-1", [RESPONDED])  # not through the service: the version tells
    after = service.get("/cases/C-1")
    assert after.headers["etag"] == '"2"' and after.json() == service.store.load("C-1").view().model_dump(
        mode="json"
    )


def test_no_route_or_dependency_runs_on_a_worker_thread_of_fastapi_s_own(service: Service) -> None:
    """FastAPI runs a plain function (a `def` route or dependency) on a worker thread: a hop off the
    event loop for each. The service's are coroutines, and each goes to a worker thread at most once,
    for the store's work."""

    def calls(dependant: Any) -> Iterator[Any]:
        yield dependant.call
        for dependency in dependant.dependencies:
            yield from calls(dependency)

    plain = {
        getattr(call, "__qualname__", repr(call))
        for route in service.app.state.api_routes
        for call in calls(route.dependant)
        if call is not None and not inspect.iscoroutinefunction(call)
    }
    assert plain == set()


def test_a_list_of_events_is_recorded_all_or_none(service: Service) -> None:
    assert service.post("C-1", [RECEIVED, RESPONDED]).json()["version"] == 2
    refused = is_problem(service.post("C-1", [{**RESPONDED, "on": "2024-04-11", "stage": 2}]), 422, "refused")
    assert refused["state"] == "stage1_responded" and "EscalationRequested" in refused["allowed"]
    assert service.store.version("C-1") == 2


def test_a_stale_if_match_gets_412_and_a_current_one_succeeds(service: Service) -> None:
    service.post("C-1", RECEIVED)
    stale = is_problem(service.post("C-1", RESPONDED, **{"If-Match": '"0"'}), 412, "stale-version")
    assert (stale["expected_version"], stale["version"]) == (0, 1)
    assert service.post("C-1", RESPONDED, **{"If-Match": '"1"'}).json()["version"] == 2
    is_problem(service.post("C-1", RESPONDED, **{"If-Match": "soon"}), 422, "invalid-event")


def test_an_event_id_sent_again_is_a_success_that_stores_nothing_new(service: Service) -> None:
    first = {**RECEIVED, "event_id": "E-1"}
    assert service.post("C-1", first).json()["version"] == 1
    again = service.post("C-1", first)
    assert again.status_code == 200 and again.json()["version"] == 1
    assert len(service.store.feed()) == 1
    is_problem(service.post("C-1", {**first, "service_area": "x"}), 422, "invalid-event")


def test_a_retry_with_the_same_if_match_succeeds_and_a_mixed_one_is_refused(service: Service) -> None:
    first = [{**RECEIVED, "event_id": "E-1"}, {**RESPONDED, "event_id": "E-2"}]
    assert service.post("C-1", first, **{"If-Match": "0"}).json()["version"] == 2
    again = service.post("C-1", first, **{"If-Match": "0"})  # the answer was lost: sent again as it was
    assert again.status_code == 200 and again.json()["version"] == 2 and again.headers["etag"] == '"2"'
    mixed = [first[1], {"type": "AdvocacyArranged", "case_id": "C-1", "on": "2024-04-11"}]
    document = is_problem(service.post("C-1", mixed, **{"If-Match": "2"}), 422, "invalid-event")
    assert document["field"] == "event_id" and "stored already" in document["detail"]
    assert len(service.store.feed()) == 2


def test_open_cases_are_listed_as_of_a_day(service: Service) -> None:
    service.post("C-1", [RECEIVED, RESPONDED])  # the window to ask for stage 2 ran out in May 2024
    service.post("C-2", {**RECEIVED, "case_id": "C-2", "on": "2024-04-20"})
    listed = service.get("/cases", open_only="true", as_of="2024-04-15").json()
    assert listed["cases"] == ["C-1"]
    assert service.get("/cases", open_only="true", as_of="2024-06-03").json()["cases"] == ["C-2"]
    assert service.get("/cases", open_only="true").json()["cases"] == ["C-2"]  # today, in London
    assert service.get("/cases", open_only="false", as_of="2024-04-15").json()["total"] == 2


def test_a_malformed_event_is_a_problem_naming_the_field(service: Service) -> None:
    document = is_problem(service.post("C-1", {**RECEIVED, "on": "02/04/2024"}), 422, "invalid-event")
    assert document["field"] == "on" and "02/04/2024" not in document["detail"]
    is_problem(service.post("C-1", b"{not json"), 422, "invalid-event")
    is_problem(service.post("C-1", {**RECEIVED, "case_id": "C-2"}), 422, "invalid-event")
    is_problem(service.post("C-1", [RECEIVED] * 101), 422, "invalid-event")


# -- reading -------------------------------------------------------------------------------------


def test_a_case_is_viewed_as_of_a_date_with_its_version_as_etag(service: Service) -> None:
    service.post("C-1", [RECEIVED, RESPONDED])
    view = service.get("/cases/C-1", as_of="2024-04-05")
    assert view.status_code == 200 and view.headers["etag"] == '"2"' and view.json()["state"] == "stage1"
    assert view.json()["next_events"]
    assert [e["type"] for e in service.get("/cases/C-1/events").json()] == ["ComplaintReceived", "Responded"]
    is_problem(service.get("/cases/NOBODY"), 404, "unknown-case")
    is_problem(service.get("/cases/C-1", as_of="yesterday"), 422, "invalid-request")


def test_cases_are_listed_by_page(service: Service) -> None:
    for number in range(5):
        service.post(f"C-{number}", {**RECEIVED, "case_id": f"C-{number}"})
    page = service.get("/cases", page=2, page_size=2).json()
    assert page == {"cases": ["C-2", "C-3"], "page": 2, "pages": 3, "total": 5}
    assert service.get("/cases", open="true", procedure="adults-2009").json()["total"] == 0


def test_the_daily_list(service: Service) -> None:
    service.post("C-1", RECEIVED)
    listed = service.get("/due", within=5, as_of="2024-04-10").json()
    assert [(r["case_id"], r["deadline"], r["due"]) for r in listed] == [
        ("C-1", "stage1_response", "2024-04-16")
    ]


def test_the_feed_resumes_and_waits_for_new_events(service: Service) -> None:
    service.post("C-1", [RECEIVED, RESPONDED])
    feed = service.get("/feed", after=0, limit=1).json()
    assert [e["event"]["type"] for e in feed["events"]] == ["ComplaintReceived"]
    rest = service.get("/feed", after=feed["last_position"]).json()
    assert [e["event"]["type"] for e in rest["events"]] == ["Responded"]
    empty = service.get("/feed", after=rest["last_position"], wait=0.3).json()
    assert empty == {"events": [], "last_position": rest["last_position"]}


def test_reports_in_every_form(service: Service) -> None:
    service.post("C-1", [{**RECEIVED, "on": "2024-05-02"}, {**RESPONDED, "on": "2024-05-10"}])
    as_json = service.get("/reports/children-2006/2024", scope="report")
    assert as_json.status_code == 200 and as_json.json()["counts"]["stage1"] is None  # 1 is withheld
    assert as_json.json()["suppress_below"] == 5
    is_problem(service.get("/reports/children-2006/2024", scope="report", raw=True), 403, "forbidden")
    raw = service.get("/reports/children-2006/2024", scope="admin", raw=True)
    assert raw.status_code == 200 and raw.json()["counts"]["stage1"] == 1
    is_problem(
        service.get("/reports/children-2006/2024", scope="report", suppress_below=0), 422, "invalid-request"
    )
    md = service.get("/reports/children-2006/2024", scope="report", format="md")
    assert md.text.startswith("# Complaints annual report 2024-25")
    html = service.get("/reports/children-2006/2024", scope="report", format="html")
    assert html.headers["content-type"].startswith("text/html") and "<table" in html.text
    archive = service.get("/reports/children-2006/2024", scope="report", format="csv")
    assert len(zipfile.ZipFile(io.BytesIO(archive.content)).namelist()) > 10
    is_problem(service.get("/reports/children-1989/2024", scope="report"), 404, "unknown-procedure")
    is_problem(service.get("/reports/children-2006/2024", scope="read"), 403, "forbidden")


def test_a_report_knows_the_store_s_publications_and_keeps_to_their_threshold(service: Service) -> None:
    from complaintflow.report import publication, publish

    service.post("C-1", [{**RECEIVED, "on": "2024-05-02"}, {**RESPONDED, "on": "2024-05-10"}])
    counted = service.store.reports(2024, only=["children-2006"])["children-2006"]
    service.store.record_publication(publication(publish(counted, 5), "children-2006"))
    again = service.get("/reports/children-2006/2024", scope="report")
    assert again.status_code == 200 and again.json()["suppress_below"] == 5
    other = service.get("/reports/children-2006/2024", scope="report", suppress_below=10)
    is_problem(other, 409, "publication-conflict")


def test_a_report_s_year_may_be_written_as_councils_write_it(service: Service) -> None:
    service.post("C-1", [{**RECEIVED, "on": "2024-05-02"}, {**RESPONDED, "on": "2024-05-10"}])
    written = service.get("/reports/children-2006/2024-25", scope="report")
    assert written.status_code == 200, written.text
    assert written.json() == service.get("/reports/children-2006/2024", scope="report").json()
    assert written.json()["counts"]["stage1"] is None  # a count of 1 is withheld
    archive = service.get("/reports/children-2006/2024-25", scope="report", format="csv")
    assert archive.headers["content-disposition"] == 'attachment; filename="report-children-2006-2024.zip"'
    for year in ("2024-26", "24-25", "2024-2025", "1899", "2200"):
        refused = is_problem(
            service.get(f"/reports/children-2006/{year}", scope="report"), 422, "invalid-request"
        )
        assert refused["field"] == "path.year" and year not in refused["detail"]


def test_a_report_counts_by_team_where_asked(service: Service) -> None:
    received = {**RECEIVED, "case_id": "T-1", "on": "2024-05-02"}
    assigned = {"type": "Assigned", "case_id": "T-1", "on": "2024-05-02", "team": "north"}
    posted = service.post("T-1", [received, assigned, {**RESPONDED, "case_id": "T-1", "on": "2024-05-10"}])
    assert posted.status_code == 200, posted.text
    counted = service.get("/reports/children-2006/2024", scope="admin", raw=True, by_team=True).json()
    assert counted["by_team"]["teams"] == {"north": {"received": 1, "responded": 1, "in_time": 1}}
    assert counted["by_team"]["total"]["received"] == counted["counts"]["stage1"] == 1
    published = service.get("/reports/children-2006/2024", scope="report", by_team=True).json()
    assert published["by_team"]["teams"]["north"]["received"] is None  # a single complaint is withheld
    plain = service.get("/reports/children-2006/2024", scope="admin", raw=True).json()
    assert plain["by_team"] is None


def test_each_procedure_s_report_is_the_kind_its_code_asks_for(service: Service) -> None:
    received = {**RECEIVED, "case_id": "H-1", "procedure": "housing-2024", "on": "2024-05-02"}
    posted = service.post("H-1", [received, {**RESPONDED, "case_id": "H-1", "on": "2024-05-10"}])
    assert posted.status_code == 200, posted.text
    housing = service.get("/reports/housing-2024/2024", scope="admin", homes=500, raw=True).json()
    assert housing["kind"] == "code-performance"
    assert housing["ch01"]["stage1"] == {"complaints": 1, "homes": 500, "per_1000_homes": 2.0}
    children = service.get("/reports/children-2006/2024", scope="report").json()
    assert children["counts"]["stage1"] == 0  # each procedure's cases in its own report
    spso = service.get("/reports/spso-2021/2024", scope="report", format="md").text
    assert spso.startswith("# Complaints performance indicators 2024-25: spso-2021")
    assert "No complaints, concerns or compliments were recorded in 2024-25." in spso


def test_procedures_calendars_schemas_and_health(service: Service) -> None:
    assert "children-2006" in [p["name"] for p in service.get("/procedures").json()]
    shown = service.get("/procedures/children-2006").json()
    assert shown["definition"]["name"] == "children-2006" and "stateDiagram-v2" in shown["mermaid"]
    added = service.get("/calendars/england-and-wales/add", **{"from": "2022-09-14", "n": 10}).json()
    assert (
        added["date"] == "2022-09-29"
        and {"date": "2022-09-19", "reason": "State Funeral of Queen Elizabeth II"} in (added["skipped"])
    )
    between = service.get(
        "/calendars/england-and-wales/between", **{"from": "2022-09-14", "to": "2022-09-29"}
    )
    assert between.json()["working_days"] == 10
    is_problem(service.get("/calendars/mars/add", **{"from": "2022-09-14", "n": 1}), 404, "not-found")
    assert service.get("/schemas/events.json").json() == EVENTS_SCHEMA
    assert service.client.get("/health").json()["status"] == "ok"


def test_the_published_event_schema_is_the_one_the_service_serves() -> None:
    published = json.loads((ROOT / "docs" / "events.schema.json").read_text(encoding="utf-8"))
    assert published == EVENTS_SCHEMA


def test_the_openapi_document_describes_every_endpoint(service: Service) -> None:
    document = service.client.get("/openapi.json").json()
    assert {
        "/cases/{case_id}/events",
        "/cases/{case_id}",
        "/feed",
        "/due",
        "/reports/{procedure}/{year}",
        "/schemas/events.json",
        "/health",
    } <= set(document["paths"])
    assert "Event" in document["components"]["schemas"]


def test_the_api_page_is_served_from_the_package_without_a_cdn(service: Service) -> None:
    page = service.client.get("/docs")
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    loaded = re.findall(r'(?:src|href)="([^"]*)"', page.text)
    assert sorted(loaded) == ["/docs/favicon-32x32.png", "/docs/swagger-ui-bundle.js", "/docs/swagger-ui.css"]
    assert "https://" not in page.text and "http://" not in page.text
    kinds = {"js": "text/javascript", "css": "text/css", "png": "image/png"}
    for path in loaded:
        asset = service.client.get(path)
        assert asset.status_code == 200 and asset.headers["content-type"].startswith(
            kinds[path.split(".")[-1]]
        )
    assert b"SwaggerUIBundle" in service.client.get("/docs/swagger-ui-bundle.js").content
    is_problem(service.client.get("/docs/LICENSE"), 404, "not-found")
    is_problem(service.client.get("/redoc"), 404, "not-found")


@pytest.mark.parametrize(
    ("path", "allowed"),
    [
        ("/cases/C-1/events", "GET, POST"),
        ("/health", "GET"),
        ("/notices", "GET"),
        ("/webhooks", "GET, POST"),
        ("/webhooks/failed", "GET"),
    ],
)
def test_a_method_a_path_does_not_have_gets_405_naming_those_it_has(
    service: Service, path: str, allowed: str
) -> None:
    answer = service.client.put(path, headers=service.as_("admin"))
    is_problem(answer, 405, "method-not-allowed")
    assert answer.headers["allow"] == allowed


def test_only_health_and_the_api_s_description_need_no_token(service: Service) -> None:
    """As docs/service.md says: every other route of the OpenAPI document asks for one."""
    for path in ("/health", "/openapi.json", "/docs"):
        assert service.client.get(path).status_code == 200, path
    document = service.client.get("/openapi.json").json()
    open_routes = [
        path
        for path, methods in document["paths"].items()
        for operation in methods.values()
        if operation.get("security", document["security"]) == []
    ]
    assert open_routes == ["/health"]


# -- security ------------------------------------------------------------------------------------


@pytest.mark.parametrize("header", [None, "Bearer", "Bearer cf_guess", "Basic dXNlcjpwYXNz", "cf_token"])
def test_a_request_without_a_valid_token_gets_401(service: Service, header: str | None) -> None:
    headers = {} if header is None else {"Authorization": header}
    response = service.client.get("/cases", headers=headers)
    is_problem(response, 401, "unauthorised")
    assert response.headers["www-authenticate"] == "Bearer"


def test_a_revoked_token_gets_401_and_the_wrong_scope_403(service: Service) -> None:
    revoke_token(service.store, "read-token")
    is_problem(service.get("/cases"), 401, "unauthorised")
    is_problem(service.post("C-1", RECEIVED, scope="report"), 403, "forbidden")
    assert service.post("C-1", RECEIVED, scope="admin").status_code == 200


def test_an_oversized_body_gets_413(service: Service) -> None:
    is_problem(service.post("C-1", b"[" + b" " * 300_000 + b"]"), 413, "too-large")


def test_a_ten_megabyte_string_is_refused_without_being_echoed(tmp_path: Path) -> None:
    running = Service(tmp_path)
    running.app = create_app(running.store, max_body_bytes=20_000_000)
    running.client = TestClient(running.app, base_url="http://service")
    response = running.post("C-1", {**RECEIVED, "service_area": "x" * 10_000_000})
    assert response.status_code == 422 and len(response.content) < 2_000


@pytest.mark.parametrize("case_id", ["a%2Fb", "..", "a%0Ab", "x" * 65, "1%27%20OR%201%3D1"])
def test_a_hostile_case_reference_is_refused_or_kept_as_a_plain_value(service: Service, case_id: str) -> None:
    response = service.post(case_id, {**RECEIVED, "case_id": case_id})
    if case_id.startswith("1%27"):  # SQL is only ever a value: stored as the reference it is
        assert response.status_code == 422  # the body's case_id is the undecoded text, another case
        return
    assert response.status_code in (404, 422)
    assert service.store.cases() == []


def test_html_in_every_free_text_field_is_stored_verbatim_and_escaped_where_shown(service: Service) -> None:
    script = "<script>alert(1)</script>"
    service.post(
        "C-1",
        [
            {**RECEIVED, "on": "2024-05-02", "service_area": script, "categories": [script]},
            {**RESPONDED, "on": "2024-05-10"},
        ],
    )
    assert service.store.events("C-1")[0].service_area == script  # type: ignore[attr-defined]
    assert service.get("/cases/C-1").json()["service_area"] == script  # JSON carries it as data
    html = service.get("/reports/children-2006/2024", scope="admin", format="html", raw=True).text
    assert script not in html and "&lt;script&gt;" in html


def test_cors_is_off_unless_configured(tmp_path: Path) -> None:
    running = Service(tmp_path)
    asked = {"Origin": "https://evil.example", "Access-Control-Request-Method": "GET"}
    assert "access-control-allow-origin" not in running.client.options("/cases", headers=asked).headers
    allowed = create_app(running.store, cors_origins=("https://council.example",))
    client = TestClient(allowed, base_url="http://service")
    answer = client.options("/cases", headers={**asked, "Origin": "https://council.example"})
    assert answer.headers["access-control-allow-origin"] == "https://council.example"


def test_server_logs_carry_references_and_timings_never_payloads(
    service: Service, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level("INFO", logger="complaintflow.service")
    service.post("C-1", {**RECEIVED, "service_area": "Jane Example's foster placement"})
    service.get("/cases/C-1")
    logged = "\n".join(record.getMessage() for record in caplog.records)
    assert "case=C-1" in logged and "types=ComplaintReceived" in logged and "status=200" in logged
    assert "Jane Example" not in logged and service.tokens["write"] not in logged


def test_a_view_at_the_same_version_and_day_is_served_again_and_a_new_version_is_seen(
    service: Service,
) -> None:
    service.post("C-1", RECEIVED)
    first = service.get("/cases/C-1", as_of="2024-04-10")
    assert service.get("/cases/C-1", as_of="2024-04-10").json() == first.json()
    service.post("C-1", RESPONDED)
    after = service.get("/cases/C-1", as_of="2024-04-10")
    assert after.headers["etag"] == '"2"' and after.json()["state"] == "stage1_responded"


# -- owners, notices and webhooks -----------------------------------------------------------------


def test_the_daily_list_is_cut_by_officer_and_team(service: Service) -> None:
    received = {"type": "ComplaintReceived", "on": "2024-04-02", "procedure": "children-2006"}
    service.post(
        "A",
        [
            {**received, "case_id": "A"},
            {"type": "Assigned", "case_id": "A", "on": "2024-04-03", "officer": "O-1", "team": "T-1"},
        ],
    )
    service.post("B", [{**received, "case_id": "B"}])
    listed = service.get("/due", as_of="2024-04-10", team="T-1").json()
    assert [reminder["case_id"] for reminder in listed] == ["A"]
    assert listed[0]["officer"] == "O-1"
    assert service.get("/due", as_of="2024-04-10", officer="O-2").json() == []
    assert service.get("/cases/A", as_of="2024-04-10").json()["owner"] == {"officer": "O-1", "team": "T-1"}


def test_webhooks_are_managed_by_admin_tokens_and_notices_read_by_any(service: Service) -> None:
    admin = service.as_("admin")
    body = {"url": "https://hooks.example.org/complaints", "kinds": ["missed"]}
    assert service.client.post("/webhooks", json=body, headers=service.as_("write")).status_code == 403
    made = service.client.post("/webhooks", json=body, headers=admin)
    assert made.status_code == 201 and made.json()["secret"].startswith("whsec_")
    listed = service.client.get("/webhooks", headers=admin).json()
    assert listed == [{key: value for key, value in made.json().items() if key != "secret"}]
    plain = {"url": "http://hooks.example.org/", "kinds": ["missed"]}
    is_problem(service.client.post("/webhooks", json=plain, headers=admin), 400, "bad-request")
    service.post(
        "A", [{"type": "ComplaintReceived", "case_id": "A", "on": "2024-04-02", "procedure": "children-2006"}]
    )
    notify(service.store, date(2024, 4, 17))
    [stored] = service.get("/notices", case_id="A").json()
    assert (stored["status"], stored["notice"]["kind"], stored["notice"]["due"]) == (
        "pending",
        "missed",
        "2024-04-16",
    )
    assert service.client.get("/webhooks/failed", headers=admin).json() == []
    resend = service.client.post(f"/notices/{stored['notice']['notice_id']}/resend", headers=admin)
    is_problem(resend, 400, "bad-request")
    gone = service.client.delete(f"/webhooks/{made.json()['subscription_id']}", headers=admin)
    assert gone.status_code == 204 and service.client.get("/webhooks", headers=admin).json() == []


def test_subject_access_is_an_admin_action_answered_as_json_or_an_escaped_page(service: Service) -> None:
    received = {
        "type": "ComplaintReceived",
        "case_id": "S-1",
        "on": "2024-04-02",
        "procedure": "children-2006",
    }
    deferred = {
        "type": "Deferred",
        "case_id": "S-1",
        "on": "2024-04-03",
        "reason": "<script>alert(1)</script>",
    }
    assert service.post("S-1", [received, deferred]).status_code == 200
    is_problem(service.get("/cases/S-1/subject-access", scope="write"), 403, "forbidden")
    answer = service.get("/cases/S-1/subject-access", scope="admin")
    assert answer.status_code == 200
    access = answer.json()
    assert [stored["event"]["type"] for stored in access["events"]] == ["ComplaintReceived", "Deferred"]
    assert "stage1_response" in {deadline["name"] for deadline in access["deadlines"]}
    page = service.get("/cases/S-1/subject-access", scope="admin", format="html")
    assert page.headers["content-type"].startswith("text/html")
    assert "<script>" not in page.text and "&lt;script&gt;alert(1)&lt;/script&gt;" in page.text
    is_problem(service.get("/cases/NONE/subject-access", scope="admin"), 404, "unknown-case")


def test_redaction_erasure_holds_and_purges_are_admin_actions_logged_without_payloads(
    service: Service, caplog: pytest.LogCaptureFixture
) -> None:
    def act(method: str, path: str, body: object | None = None, scope: str = "admin") -> httpx.Response:
        content = None if body is None else json.dumps(body).encode()
        headers = {**service.as_(scope), "Content-Type": "application/json"}
        return service.client.request(method, path, content=content, headers=headers)

    deferred = {"type": "Deferred", "case_id": "C-1", "on": "2024-04-03", "reason": "PLANTED-NOTE-4B1"}
    resumed = {"type": "Resumed", "case_id": "C-1", "on": "2024-04-04"}
    assert (
        service.post("C-1", [RECEIVED, deferred, resumed, {**RESPONDED, "on": "2024-04-12"}]).status_code
        == 200
    )
    redaction = {"fields": ["reason"], "reason": "PLANTED-WHY-77", "by": "DPO-1"}
    is_problem(act("POST", "/cases/C-1/redactions", redaction, scope="write"), 403, "forbidden")
    is_problem(
        act("POST", "/cases/C-1/redactions", {**redaction, "fields": ["outcome"]}), 422, "invalid-event"
    )
    is_problem(act("POST", "/cases/C-1/redactions", {**redaction, "fields": ["on"]}), 422, "invalid-event")
    with caplog.at_level("INFO", logger="complaintflow"):
        done = act("POST", "/cases/C-1/redactions", redaction)
    assert done.status_code == 200 and done.json() == {"case_id": "C-1", "version": 5, "fields": ["reason"]}
    assert "C-1" in caplog.text and "reason" in caplog.text
    assert "PLANTED" not in caplog.text
    assert service.store.events("C-1")[1].reason == "[redacted]"
    view = service.get("/cases/C-1", as_of="2024-05-01").json()
    assert [note["fields"] for note in view["redacted"]] == [["reason"]]

    hold = {"type": "LegalHoldPlaced", "case_id": "C-1", "on": "2024-06-03", "reason": "claim"}
    is_problem(service.post("C-1", [hold]), 403, "forbidden")  # a write token records no hold
    held = act("POST", "/cases/C-1/legal-hold", {"reason": "judicial review claim", "on": "2024-06-03"})
    assert held.status_code == 200 and held.json()["version"] == 6
    erasure = {"reason": "DSAR-17", "by": "DPO-1", "as_of": "2025-01-06"}
    is_problem(act("POST", "/cases/C-1/erasure", erasure), 409, "record-kept")
    assert act("DELETE", "/cases/C-1/legal-hold?on=2024-07-01").status_code == 200
    gone = act("POST", "/cases/C-1/erasure", erasure)
    assert gone.status_code == 200 and gone.json()["tombstone"]["rule"] == "erased on request (DSAR-17)"
    is_problem(service.get("/cases/C-1", scope="read"), 404, "unknown-case")

    old = [
        {"type": "ComplaintReceived", "case_id": "OLD", "on": "2015-04-01", "procedure": "children-2006"},
        {"type": "Responded", "case_id": "OLD", "on": "2015-04-10", "stage": 1, "outcome": "upheld"},
    ]
    assert service.post("OLD", old).status_code == 200
    dry = act("POST", "/purge", {"as_of": "2022-06-01", "dry_run": True})
    assert dry.json()["purged"][0]["case_id"] == "OLD" and service.store.cases() == ["OLD"]
    is_problem(act("POST", "/purge", {"as_of": "2022-06-01"}, scope="write"), 403, "forbidden")
    assert act("POST", "/purge", {"as_of": "2022-06-01", "by": "IG-1"}).json()["dry_run"] is False
    assert service.store.cases() == []


def test_a_frozen_year_is_served_as_frozen_after_its_cases_are_purged(service: Service) -> None:
    old = [
        {"type": "ComplaintReceived", "case_id": "OLD", "on": "2015-04-01", "procedure": "children-2006"},
        {"type": "Responded", "case_id": "OLD", "on": "2015-04-10", "stage": 1, "outcome": "upheld"},
    ]
    assert service.post("OLD", old).status_code == 200
    counted = service.store.reports(2015, only=["children-2006"])["children-2006"]
    published = cf.report.publish(counted, 5, procedures="children-2006")
    frozen = service.store.freeze(counted, published, "children-2006")
    service.store.purge(date(2022, 6, 1))
    answer = service.get("/reports/children-2006/2015-16", scope="report")
    assert answer.status_code == 200 and answer.json() == json.loads(frozen.published.model_dump_json())
    assert answer.json()["frozen_on"] == frozen.frozen_on.isoformat()
    raw = service.get("/reports/children-2006/2015", scope="admin", raw="true").json()
    assert raw["counts"]["stage1"] == 1
