"""The `complaintflow workdays` commands and their one-line errors."""

from __future__ import annotations

import shutil
import subprocess

import pytest
from cli_runner import run

from complaintflow.calendar import DEFAULT_LAST_YEAR


def test_add_gives_the_due_date_and_the_reasons_for_skipped_days(
    capsys: pytest.CaptureFixture[str],
) -> None:
    status, out, _ = run(capsys, "workdays", "add", "2022-09-14", "10")
    assert status == 0
    assert "2022-09-14 + 10 working days = 2022-09-29 (Thursday)" in out
    assert "2022-09-19 Mon: State Funeral of Queen Elizabeth II" in out


def test_between_counts_and_explains(capsys: pytest.CaptureFixture[str]) -> None:
    status, out, _ = run(capsys, "workdays", "between", "2023-05-05", "2023-05-22")
    assert status == 0
    assert out.startswith("10 working days from 2023-05-05 to 2023-05-22")
    assert "Coronation of Charles III" in out


def test_list_names_the_bank_holidays_of_a_scottish_year(
    capsys: pytest.CaptureFixture[str],
) -> None:
    status, out, _ = run(capsys, "workdays", "list", "2023", "--calendar", "scotland")
    assert status == 0
    assert "2023-11-30 Thu  Saint Andrew's Day" in out
    assert "Easter Monday" not in out
    assert "104 Saturdays and Sundays" in out


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["workdays", "add", "2024-02-30", "10"], "'2024-02-30' is not a date in the form"),
        (["workdays", "add", "2024-01-08", "ten"], "'ten' is not a whole number"),
        (["workdays", "list", "2190"], f"year 2190 is outside 2000-{DEFAULT_LAST_YEAR}"),
        (["workdays", "list", "20x0"], "not a four-digit year"),
        (["workdays", "add", f"{DEFAULT_LAST_YEAR}-12-01", "65"], "vouches for"),
        (["workdays", "list", "2023", "--calendar", "mars"], "invalid choice"),
        (["workdays"], "required"),
    ],
)
def test_bad_input_gets_one_line_and_a_nonzero_exit(
    capsys: pytest.CaptureFixture[str], argv: list[str], message: str
) -> None:
    status, _, err = run(capsys, *argv)
    assert status == 2
    assert message in err
    assert err.count("\n") == 1 and "Traceback" not in err


def test_the_installed_command_reports_errors_without_a_traceback() -> None:
    exe = shutil.which("complaintflow")
    assert exe, "the complaintflow console script is not installed"
    done = subprocess.run(
        [exe, "workdays", "add", "not-a-date", "3"], capture_output=True, text=True, check=False
    )
    assert done.returncode == 2
    assert "Traceback" not in done.stderr and "not-a-date" in done.stderr


def test_a_bank_holiday_proclaimed_after_the_release_is_added_on_the_command_line(
    capsys: pytest.CaptureFixture[str],
) -> None:
    status, out, _ = run(capsys, "workdays", "add", "2031-06-06", "1", "--extra-holiday", "2031-06-09:A day")
    assert status == 0 and "= 2031-06-10" in out and "2031-06-09 Mon: A day" in out
    status, _, err = run(capsys, "workdays", "add", "2031-06-06", "1", "--extra-holiday", "2031-06-09")
    assert status == 2 and "DATE:JURISDICTION[:NAME]" in err
    argv = ["workdays", "add", "2031-06-06", "1", "--calendar", "scotland", "--extra-holiday"]
    status, out, _ = run(capsys, *argv[:4], "--extra-holiday", "2031-06-09:scotland")
    assert status == 0 and "= 2031-06-09" in out  # proclaimed for Scotland: a working day in England
    status, out, _ = run(capsys, *argv, "2031-06-09:scotland:A Scottish day")
    assert status == 0 and "2031-06-09 Mon: A Scottish day" in out
