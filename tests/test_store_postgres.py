"""The PostgreSQL store: the same contract, against a real server, each test in a schema of its own.

CI (where CI=true) always has a server: `.ci/run` starts one when none answers, and these tests are
never skipped there. Elsewhere a missing server skips them, saying so.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator

import pytest
from store_contract import RECEIVED, StoreContract

import complaintflow as cf
from complaintflow.store import EventStore

DSN = os.environ.get("COMPLAINTFLOW_TEST_POSTGRES", "postgresql://postgres@127.0.0.1:5432/test")


def _server_answers() -> bool:
    try:
        import psycopg

        with psycopg.connect(DSN, connect_timeout=3):
            return True
    except Exception:  # any failure to connect means no server for these tests
        return False


if not _server_answers():
    if os.environ.get("CI"):
        raise RuntimeError(f"no PostgreSQL server answers at {DSN}; .ci/run should have started one")
    pytest.skip(f"no PostgreSQL server answers at {DSN}", allow_module_level=True)

from complaintflow.store.postgres import PostgresEventStore  # noqa: E402 - needs the server check first


class TestPostgresStore(StoreContract):
    @pytest.fixture
    def schema(self) -> Iterator[str]:
        name = f"cf_test_{uuid.uuid4().hex[:12]}"
        yield name
        PostgresEventStore(DSN, schema=name).drop()

    @pytest.fixture
    def url(self, schema: str) -> str:
        return f"{DSN}?options=-csearch_path%3D{schema}"

    @pytest.fixture
    def store(self, schema: str) -> Iterator[EventStore]:
        store = PostgresEventStore(DSN, schema=schema)
        yield store
        store.close()


def test_an_unreachable_server_is_named_in_one_line_without_its_password() -> None:
    with pytest.raises(cf.StoreError, match="cannot connect") as refused:
        cf.open_store("postgresql://council:secret-password@127.0.0.1:1/complaints?connect_timeout=1")
    assert "secret-password" not in str(refused.value) and "127.0.0.1:1" in str(refused.value)


def test_a_store_written_by_a_newer_schema_is_refused() -> None:
    schema = f"cf_test_{uuid.uuid4().hex[:12]}"
    store = PostgresEventStore(DSN, schema=schema)
    try:
        store.append("A", [RECEIVED])
        with store._writing() as db:
            db.execute("UPDATE complaintflow_meta SET value = '99' WHERE key = 'schema_version'")
        with pytest.raises(cf.StoreError, match="written by a newer complaintflow"):
            PostgresEventStore(DSN, schema=schema)
    finally:
        store.drop()
        store.close()
