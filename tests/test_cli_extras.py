"""A command that needs an extra that is not installed says which, in one line, with no traceback."""

from __future__ import annotations

import importlib
import json
import subprocess
import sys
from pathlib import Path

import pytest
from cli_runner import run

from complaintflow.errors import MissingExtra

EXAMPLES = Path(__file__).parents[1] / "src" / "complaintflow" / "data" / "example-cases.jsonl"


def without(monkeypatch: pytest.MonkeyPatch, *modules: str) -> None:
    """Make importing each of `modules` fail, as where its extra is not installed."""
    for module in modules:
        monkeypatch.setitem(sys.modules, module, None)


@pytest.mark.parametrize("missing", ["fastapi", "uvicorn"])
def test_serve_without_the_service_extra_names_it(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, tmp_path: Path, missing: str
) -> None:
    without(monkeypatch, missing)
    status, out, err = run(capsys, "serve", "--store", f"sqlite:{tmp_path / 'complaints.db'}")
    assert status == 2 and out == ""
    needed = 'serve needs the service extra: python -m pip install "complaintflow[service]"'
    assert err == f"complaintflow: error: {needed}\n"


def test_the_service_module_without_fastapi_names_the_extra(monkeypatch: pytest.MonkeyPatch) -> None:
    without(monkeypatch, "fastapi")
    monkeypatch.delitem(sys.modules, "complaintflow.service", raising=False)
    with pytest.raises(
        MissingExtra, match=r"the service needs the service extra: .*complaintflow\[service\]"
    ):
        importlib.import_module("complaintflow.service")


def test_a_postgresql_store_without_the_postgres_extra_names_it(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    without(monkeypatch, "psycopg", "psycopg_pool")
    monkeypatch.delitem(sys.modules, "complaintflow.store.postgres", raising=False)
    status, _, err = run(capsys, "due", "--store", "postgresql://127.0.0.1:1/none")
    assert status == 2 and err.count("\n") == 1
    assert 'the postgres extra: python -m pip install "complaintflow[postgres]"' in err


def test_a_page_without_the_report_extra_says_it_has_no_charts(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setattr("complaintflow.report.charts.available", lambda: False)
    log = tmp_path / "events.jsonl"
    event = {"type": "ComplaintReceived", "case_id": "C-1", "on": "2024-04-02", "procedure": "children-2006"}
    log.write_text(json.dumps(event) + "\n", encoding="utf-8")
    status, out, err = run(capsys, "report", log, "--year", "2024", "--format", "html")
    assert status == 0 and out.startswith("<!DOCTYPE html>")
    assert (
        err == 'note: no charts; they need the report extra: python -m pip install "complaintflow[report]"\n'
    )


def test_the_demo_and_the_daily_list_need_no_extra(tmp_path: Path) -> None:
    """`python -m pip install .` is enough for them, as the README says: they load none of the
    service's or PostgreSQL's libraries (and draw charts only where matplotlib is there)."""
    script = (
        "import sys\n"
        "from complaintflow.cli import main\n"
        f"main(['demo', '--out', {str(tmp_path / 'demo')!r}])\n"
        f"main(['due', {str(EXAMPLES)!r}, '--as-of', '2022-12-14'])\n"
        "extras = ('fastapi', 'starlette', 'uvicorn', 'psycopg', 'psycopg_pool')\n"
        "print(sorted(name for name in extras if name in sys.modules))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=True, timeout=300
    )
    assert done.stdout.splitlines()[-1] == "[]"
    assert (tmp_path / "demo" / "report.html").exists()
