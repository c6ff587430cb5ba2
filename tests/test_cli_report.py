"""What `complaintflow report` tells a new user: which procedure each report is of, what a Code
report lacks without `--homes`, and where the page goes."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from cli_runner import run

ROOT = Path(__file__).parents[1]
SEED = ROOT / "examples" / "seed-year" / "events.jsonl"
CORPORATE = ROOT / "examples" / "corporate-procedure.toml"


def housing_log(tmp_path: Path) -> Path:
    """A housing complaint of 2025-26, acknowledged and answered, and an adult social care one."""
    events = [
        {"type": "ComplaintReceived", "case_id": "H-1", "on": "2025-04-01", "procedure": "housing-2024"},
        {"type": "Acknowledged", "case_id": "H-1", "on": "2025-04-03", "stage": 1},
        {"type": "Responded", "case_id": "H-1", "on": "2025-04-15", "stage": 1, "outcome": "upheld"},
        {"type": "ComplaintReceived", "case_id": "A-1", "on": "2025-05-12", "procedure": "adults-2009"},
    ]
    log = tmp_path / "events.jsonl"
    log.write_text("".join(json.dumps(event) + "\n" for event in events), encoding="utf-8")
    return log


def test_each_report_of_a_log_is_titled_with_its_procedure_and_the_seed_year_is_one_command(
    capsys: pytest.CaptureFixture[str],
) -> None:
    status, out, err = run(capsys, "report", SEED, "--procedure", CORPORATE, "--year", "2012")
    titles = [line for line in out.splitlines() if line.startswith("# ")]
    assert status == 0 and titles == [
        "# Complaints annual report 2012-13: children-2006",
        "# Complaints annual report 2012-13: corporate",
    ]
    assert "--only children-2006 --only corporate makes one report" in err
    together = ("--only", "children-2006", "--only", "corporate")
    status, out, err = run(capsys, "report", SEED, "--procedure", CORPORATE, "--year", "2012", *together)
    assert status == 0 and err == ""
    assert out.startswith("# Complaints annual report 2012-13: children-2006+corporate\n")
    assert "\n89 stage 1, 12 stage 2 and a withheld number of stage 3 complaints;" in out


def test_a_code_report_without_homes_says_that_ch01_needs_them(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    log = housing_log(tmp_path)
    status, out, _ = run(capsys, "report", log, "--year", "2025", "--only", "housing-2024")
    assert status == 0 and "### Tenant Satisfaction Measures" not in out
    assert "CH01, complaints per 1,000 homes, needs the number of homes owned (--homes N" in out
    status, out, _ = run(capsys, "report", log, "--year", "2025", "--only", "housing-2024", "--homes", "2000")
    assert status == 0 and "### Tenant Satisfaction Measures 2025-26" in out
    assert "needs the number of homes owned" not in out


@pytest.mark.parametrize("output", [[], ["--output", "-"]])
def test_one_report_s_page_goes_to_standard_output(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], output: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    log = housing_log(tmp_path)
    argv = ["report", log, "--year", "2025", "--only", "housing-2024", "--format", "html", *output]
    status, out, _ = run(capsys, *argv)
    assert status == 0 and out.startswith("<!DOCTYPE html>") and out.rstrip().endswith("</html>")
    assert sorted(path.name for path in tmp_path.iterdir()) == ["events.jsonl"]


@pytest.mark.parametrize("form", ["md", "json"])
def test_a_dash_for_output_is_standard_output_in_every_form(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, form: str
) -> None:
    monkeypatch.chdir(tmp_path)
    status, out, _ = run(
        capsys, "report", housing_log(tmp_path), "--year", "2025", "--format", form, "--output", "-"
    )
    assert status == 0 and "housing-2024" in out
    assert not (tmp_path / "-").exists()


def test_a_page_s_name_gets_html_added_so_that_browsers_show_a_page(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    log = housing_log(tmp_path)
    argv = ["report", log, "--year", "2025", "--only", "housing-2024", "--format", "html", "--output"]
    status, out, _ = run(capsys, *argv, tmp_path / "page")
    assert status == 0 and out == f"wrote the HTML report to {tmp_path / 'page.html'}\n"
    assert (tmp_path / "page.html").read_text(encoding="utf-8").startswith("<!DOCTYPE html>")
    status, out, _ = run(capsys, *argv, tmp_path / "named.htm")
    assert status == 0 and (tmp_path / "named.htm").exists() and not (tmp_path / "named.htm.html").exists()


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--only", "housing-2024", "--format", "csv"], "CSV tables are files in a folder"),
        (["--format", "html"], "2 reports make 2 html files; give a folder, or one procedure"),
    ],
)
def test_a_dash_for_output_is_refused_where_the_report_is_several_files(
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    argv: list[str],
    message: str,
) -> None:
    monkeypatch.chdir(tmp_path)
    status, out, err = run(capsys, "report", housing_log(tmp_path), "--year", "2025", *argv, "--output", "-")
    assert status == 2 and message in err and out == ""
    assert not (tmp_path / "-").exists()
