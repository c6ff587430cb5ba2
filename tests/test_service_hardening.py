"""The service against hostile or careless clients: forged log lines, a long read, a strange
If-Match, a revoked token, a client that leaves mid-body or dribbles its body or its headers, a
body that is not JSON. Each answer is a problem document, or a connection closed; none is a 500."""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from cli_runner import run
from fastapi.testclient import TestClient
from live_server import LiveServer

import complaintflow as cf
from complaintflow.service import create_app
from complaintflow.store.tokens import create_token, revoke_token

RECEIVED = {"type": "ComplaintReceived", "case_id": "C-1", "on": "2024-04-02", "procedure": "children-2006"}


@pytest.fixture
def store(tmp_path: Path) -> Iterator[cf.EventStore]:
    opened = cf.open_store(f"sqlite:{tmp_path / 'store.db'}")
    yield opened
    opened.close()


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}


@pytest.mark.parametrize("forged", ["%0D%0A", "%1B%5B2J", "%C2%85", "%E2%80%A8", "%E2%80%A9", "%0B"])
def test_a_case_reference_in_the_url_cannot_forge_a_log_line(
    store: cf.EventStore, caplog: pytest.LogCaptureFixture, forged: str
) -> None:
    client = TestClient(create_app(store))
    with caplog.at_level(logging.INFO, logger="complaintflow.service"):
        answer = client.get(f"/cases/C-1{forged}2024-01-01 INFO complaintflow.service status=200")
    assert answer.status_code in (401, 404, 422)
    lines = [record.getMessage() for record in caplog.records]
    assert lines and all(line.isprintable() for line in lines)
    assert "(not valid: C-1?" in lines[-1]


def test_a_long_read_on_sqlite_leaves_the_event_loop_free_for_others(
    store: cf.EventStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    token = create_token(store, "reader", "read")
    store.append("C-1", [RECEIVED])
    released = threading.Event()
    counting = store.version

    def long_replay(case_id: str) -> int:
        assert released.wait(timeout=20), "the read held the event loop: /health could not answer"
        return counting(case_id)

    monkeypatch.setattr(store, "version", long_replay)

    async def meanwhile() -> tuple[int, int]:
        transport = httpx.ASGITransport(app=create_app(store))
        async with httpx.AsyncClient(transport=transport, base_url="http://service") as client:
            viewing = asyncio.create_task(client.get("/cases/C-1", headers=bearer(token)))
            await asyncio.sleep(0.1)
            health = await client.get("/health")
            released.set()
            return health.status_code, (await viewing).status_code

    assert asyncio.run(meanwhile()) == (200, 200)


@pytest.mark.parametrize("if_match", [b"\xb2", b'"\xb2"', b"1\xb2", b"\xb9", "\u0663".encode()])
def test_an_if_match_of_digits_other_than_ascii_is_a_problem_not_a_crash(
    store: cf.EventStore, if_match: bytes
) -> None:
    token = create_token(store, "writer", "write")
    body = [{"type": "http.request", "body": json.dumps(RECEIVED).encode(), "more_body": False}]
    sent = asgi_post(token, body, create_app(store), ((b"if-match", if_match),))
    assert sent[0]["status"] == 422
    assert json.loads(sent[1]["body"])["field"] == "If-Match"
    assert store.version("C-1") == 0


def test_a_revoked_token_stops_at_once_for_writes_and_reads(store: cf.EventStore) -> None:
    token = create_token(store, "writer", "write")
    client = TestClient(create_app(store))
    assert client.post("/cases/C-1/events", json=RECEIVED, headers=bearer(token)).status_code == 200
    assert client.get("/cases/C-1", headers=bearer(token)).status_code == 200
    revoke_token(store, "writer")
    responded = {**RECEIVED, "type": "Responded", "on": "2024-04-10", "stage": 1, "outcome": "upheld"}
    assert client.post("/cases/C-1/events", json=responded, headers=bearer(token)).status_code == 401
    assert client.get("/cases/C-1", headers=bearer(token)).status_code == 401
    assert store.version("C-1") == 1


@pytest.mark.parametrize(
    "content_type", ["text/plain", "application/x-www-form-urlencoded", "multipart/form-data", None]
)
def test_a_body_that_is_not_sent_as_json_is_refused_with_415(
    store: cf.EventStore, content_type: str | None
) -> None:
    token = create_token(store, "writer", "write")
    client = TestClient(create_app(store))
    headers = {"Authorization": f"Bearer {token}"}
    if content_type is not None:
        headers["Content-Type"] = content_type
    answer = client.post("/cases/C-1/events", content=json.dumps(RECEIVED), headers=headers)
    assert answer.status_code == 415 and answer.json()["kind"] == "unsupported-media-type"
    assert store.version("C-1") == 0
    for number, json_type in enumerate(("application/json; charset=utf-8", "application/problem+json")):
        headers["Content-Type"] = json_type
        event = json.dumps({**RECEIVED, "case_id": f"J-{number}"})
        assert client.post(f"/cases/J-{number}/events", content=event, headers=headers).is_success


def asgi_post(
    token: str, body_parts: list[dict[str, Any]], app: Any, headers: tuple[tuple[bytes, bytes], ...] = ()
) -> list[dict[str, Any]]:
    """POST an event straight to the ASGI app, the body arriving as `body_parts` say."""
    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "POST",
        "scheme": "http",
        "path": "/cases/C-1/events",
        "raw_path": b"/cases/C-1/events",
        "root_path": "",
        "query_string": b"",
        "headers": [(k.lower().encode(), v.encode()) for k, v in bearer(token).items()] + list(headers),
        "client": ("127.0.0.1", 5000),
        "server": ("127.0.0.1", 8000),
    }
    sent: list[dict[str, Any]] = []

    async def receive() -> dict[str, Any]:
        if body_parts:
            return body_parts.pop(0)
        await asyncio.sleep(3600)  # a client that sends no more
        raise AssertionError("unreachable")

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    asyncio.run(app(scope, receive, send))
    return sent


def test_a_client_that_leaves_mid_body_is_one_line_in_the_log_not_a_500(
    store: cf.EventStore, caplog: pytest.LogCaptureFixture
) -> None:
    token = create_token(store, "writer", "write")
    parts = [
        {"type": "http.request", "body": b'{"type": "Compl', "more_body": True},
        {"type": "http.disconnect"},
    ]
    with caplog.at_level(logging.INFO):
        sent = asgi_post(token, parts, create_app(store))
    assert not [record for record in caplog.records if record.levelno >= logging.ERROR]
    assert all(message.get("status") != 500 for message in sent)
    assert "disconnected before the request body arrived whole" in caplog.text
    assert store.version("C-1") == 0


def test_a_body_that_does_not_arrive_in_time_is_answered_408(store: cf.EventStore) -> None:
    token = create_token(store, "writer", "write")
    parts = [{"type": "http.request", "body": b'{"type": "Compl', "more_body": True}]
    sent = asgi_post(token, parts, create_app(store, max_body_seconds=0.2))
    assert sent[0]["status"] == 408
    assert json.loads(sent[1]["body"])["kind"] == "too-slow"
    assert store.version("C-1") == 0


def test_clients_that_send_their_headers_slowly_are_cut_off_and_health_answers_again(tmp_path: Path) -> None:
    server = LiveServer(tmp_path)
    server.start("--header-timeout", "1", "--max-connections", "20")
    slow = []
    try:
        for _ in range(40):  # twice the connections allowed, none needing a token
            client = socket.create_connection(("127.0.0.1", server.port))
            client.sendall(b"GET /health HTTP/1.1\r\nHost: service\r\n")  # and never the blank line
            slow.append(client)
        for client in slow:  # each is closed by the server: none is held for ever
            client.settimeout(30)
            with contextlib.suppress(ConnectionResetError):
                assert client.recv(1024) == b""
        deadline = time.monotonic() + 30
        while httpx.get(f"{server.base}/health", timeout=5).status_code != 200:
            assert time.monotonic() < deadline
        assert server.process is not None and server.process.poll() is None
    finally:
        for client in slow:
            client.close()
        server.stop()


@pytest.mark.parametrize("port", ["99999", "0", "-1", "65536", "\uff18\uff10"])
def test_serve_refuses_a_port_out_of_range(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], port: str
) -> None:
    status, out, err = run(capsys, "serve", "--store", f"sqlite:{tmp_path / 'store.db'}", "--port", port)
    assert status == 2 and out == "" and "is not a port from 1 to 65535" in err
