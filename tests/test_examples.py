"""Every runnable example runs cleanly as a user would run it."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

EXAMPLES = sorted((Path(__file__).parents[1] / "examples").glob("*.py"))


@pytest.mark.parametrize("script", EXAMPLES, ids=[path.name for path in EXAMPLES])
def test_example_runs(script: Path) -> None:
    done = subprocess.run([sys.executable, str(script)], capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip()


def test_the_reminder_worker_follows_the_host_s_store_and_resumes_where_it_stopped(tmp_path: Path) -> None:
    examples = Path(__file__).parents[1] / "examples"
    url = f"sqlite:{tmp_path / 'complaints.db'}"
    position = tmp_path / "position"

    def run(*argv: str) -> str:
        done = subprocess.run([sys.executable, *argv], capture_output=True, text=True, check=False)
        assert done.returncode == 0, done.stderr
        return done.stdout

    assert "CF-001: version 2, stage1_responded" in run(str(examples / "host_app.py"), "--store", url)
    worker = [str(examples / "reminder_worker.py"), "--store", url, "--position-file", str(position)]
    first = run(*worker)
    assert "3 cases changed" in first
    assert "Mon 22 Apr 2024: CF-003 stage1_response is due today" in first
    assert "Wed 01 May 2024: CF-002 stage1_response is due today" in first
    assert "0 cases changed" in run(*worker)
