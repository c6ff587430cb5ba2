"""`complaintflow demo` does the main job end to end, and the pieces it leans on."""

from __future__ import annotations

import io
import json
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
    assert main(["demo", "--out", str(tmp_path / "report")]) == 0
    out = capsys.readouterr().out
    assert out.startswith("Replayed 266 cases (636 events)")
    assert out.count("may record next:") == 3  # three case timelines
    assert "Reminders for business support on Friday 07 September 2012" in out
    assert "OVERDUE" in out
    assert "The annual report 2012-13: 89 stage 1, 12 stage 2 and 2 stage 3 complaints" in out
    assert "Stage 1 responses in time: 72.7% (64 of 88), against a target of 75%." in out
    assert len(out.splitlines()) < 120  # a summary in the terminal, the report in files
    folder = tmp_path / "report"
    assert f"Wrote the full report (Markdown, HTML with charts, CSV tables and JSON) to {folder}" in out
    assert (folder / "report.html").read_text(encoding="utf-8").count("<svg") == 3
    assert (folder / "report.md").read_text(encoding="utf-8").startswith("# Complaints annual report 2012-13")
    assert len(list((folder / "csv").glob("*.csv"))) > 20 and (folder / "report.json").exists()
    published = json.loads((folder / "report.json").read_text(encoding="utf-8"))
    assert published["suppress_below"] == 5 and published["counts"]["stage3"] is None  # every form withheld


def test_the_demo_writes_to_a_new_temporary_folder_unless_told(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["demo"]) == 0
    written = capsys.readouterr().out.split("CSV tables and JSON) to ")[1].splitlines()[0]
    assert Path(written).name.startswith("complaintflow-report-") and (Path(written) / "report.html").exists()


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
