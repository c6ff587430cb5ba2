"""`complaintflow demo` does the main job end to end, and the pieces it leans on."""

from __future__ import annotations

import io
from datetime import date
from pathlib import Path

import pytest

from complaintflow.cli import main
from complaintflow.demo import seed_year_cases
from complaintflow.progress import WORTH_SHOWING_BYTES, progress_bar


def test_the_demo_replays_the_seed_year_and_writes_the_html_report(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    assert main(["demo"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("Replayed 266 cases (636 events)")
    assert out.count("may record next:") == 3  # three case timelines
    assert "Reminders for business support on Friday 07 September 2012" in out
    assert "OVERDUE" in out
    assert "# Complaints annual report 2012-13" in out
    page = tmp_path / "complaintflow-report-2012-13.html"
    assert f"Wrote the HTML report, with its charts, to {page}" in out
    assert page.read_text(encoding="utf-8").count("<svg") == 3


def test_a_log_can_be_replayed_as_it_stood_on_a_day() -> None:
    then = seed_year_cases(until=date(2012, 9, 7))
    now = seed_year_cases()
    assert len(then) < len(now)
    assert all(
        case.last_event_on is not None and case.last_event_on <= date(2012, 9, 7) for case in then.values()
    )


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_a_progress_bar_shows_only_for_long_work_on_a_terminal() -> None:
    assert progress_bar("Reading", WORTH_SHOWING_BYTES - 1, Terminal()) is None
    assert progress_bar("Reading", WORTH_SHOWING_BYTES, io.StringIO()) is None
    screen = Terminal()
    update = progress_bar("Reading", WORTH_SHOWING_BYTES, screen)
    assert update is not None
    update(WORTH_SHOWING_BYTES // 2)
    update(WORTH_SHOWING_BYTES)
    assert "Reading [###############               ]  50%" in screen.getvalue()
    assert screen.getvalue().endswith("] 100%\n")
