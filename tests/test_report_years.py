"""Reporting years as data (tests/scenarios/report-years.toml): each procedure's report counts
what was worked out by hand, through the API and the command line alike."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from cli_runner import run
from scenario_files import load_scenarios

from complaintflow import Case, ComplaintflowError, load_procedure
from complaintflow.report import (
    AnnualReport,
    Report,
    publish,
    records_from_events,
    reports,
    to_html,
    to_markdown,
)

ROOT = Path(__file__).parents[1]
CORPORATE = load_procedure(ROOT / "examples" / "corporate-procedure.toml")
YEARS = load_scenarios("report-years.toml", ["procedure", "year", "events", "expected"], ["homes"])


def _events(scenario: dict[str, Any]) -> list[dict[str, Any]]:
    return [
        {key: value.isoformat() if hasattr(value, "isoformat") else value for key, value in event.items()}
        for event in scenario["events"]
    ]


def _at(data: Any, path: str) -> Any:
    for key in path.split("."):
        data = data[key]
    return "n/a" if data is None else data


def _report(scenario: dict[str, Any]) -> Report:
    records = records_from_events(_events(scenario), procedures={"corporate": CORPORATE})
    found = reports(
        records, scenario["year"], procedures={"corporate": CORPORATE}, homes=scenario.get("homes")
    )
    assert list(found) == [scenario["procedure"]]
    return found[scenario["procedure"]]


@pytest.mark.parametrize("scenario", YEARS)
def test_the_report_counts_what_was_worked_out_by_hand(scenario: dict[str, Any]) -> None:
    data = _report(scenario).model_dump()
    for path, expected in scenario["expected"].items():
        assert _at(data, path) == expected, path


@pytest.mark.parametrize("scenario", YEARS)
def test_the_command_line_gives_the_same_report(
    scenario: dict[str, Any], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    log = tmp_path / "events.jsonl"
    log.write_text("".join(json.dumps(event) + "\n" for event in _events(scenario)), encoding="utf-8")
    homes = ["--homes", str(scenario["homes"])] if "homes" in scenario else []
    corporate = ["--procedure", str(ROOT / "examples" / "corporate-procedure.toml")]
    status, out, _ = run(
        capsys,
        "report",
        log,
        "--year",
        str(scenario["year"]),
        "--format",
        "json",
        "--raw",
        *homes,
        *corporate,
    )
    assert status == 0
    data = json.loads(out)
    for path, expected in scenario["expected"].items():
        assert _at(data, path) == expected, path


@pytest.mark.parametrize("scenario", YEARS)
def test_every_published_form_of_the_report_is_written(scenario: dict[str, Any]) -> None:
    published = publish(_report(scenario), 3)
    page = to_html(published)
    assert page.startswith("<!DOCTYPE html>") and "<table>" in page
    text = to_markdown(published)
    assert text.startswith("# ") and "Counts from 1 to 2 are withheld" in text
    if not isinstance(published, AnnualReport):  # each Code's and regulation's measures cite their source
        assert "Sources:" in text


def _two_procedures(tmp_path: Path) -> Path:
    """One log with a housing year and an adult social care year in it."""
    by_name = {param.values[0]["procedure"]: param.values[0] for param in YEARS}
    log = tmp_path / "events.jsonl"
    events = _events(by_name["housing-2024"]) + _events(by_name["adults-2009"])
    log.write_text("".join(json.dumps(event) + "\n" for event in events), encoding="utf-8")
    return log


def test_a_log_of_two_procedures_gives_two_reports_in_every_form(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    log = _two_procedures(tmp_path)
    status, out, _ = run(capsys, "report", log, "--year", "2025", "--format", "json", "--homes", "2000")
    assert status == 0 and list(json.loads(out)) == ["housing-2024", "adults-2009"]
    status, out, _ = run(capsys, "report", log, "--year", "2025")
    assert out.count("\n# ") == 1 and out.startswith("# Annual complaints performance report 2025-26")
    assert "\n# Adult social care complaints annual report 2025-26: adults-2009" in out
    folder = tmp_path / "pages"
    status, out, _ = run(capsys, "report", log, "--year", "2025", "--format", "html", "--output", folder)
    assert status == 0 and sorted(path.name for path in folder.iterdir()) == [
        "adults-2009.html",
        "housing-2024.html",
    ]
    status, out, _ = run(
        capsys, "report", log, "--year", "2025", "--format", "csv", "--output", tmp_path / "csv"
    )
    assert status == 0 and sorted(path.name for path in (tmp_path / "csv").iterdir()) == [
        "adults-2009",
        "housing-2024",
    ]


def test_only_picks_one_procedure_and_refuses_to_mix_kinds(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    log = _two_procedures(tmp_path)
    status, out, _ = run(capsys, "report", log, "--year", "2025", "--only", "adults-2009", "--format", "json")
    assert status == 0 and json.loads(out)["kind"] == "reg18"
    status, _, err = run(
        capsys, "report", log, "--year", "2025", "--only", "adults-2009", "--only", "housing-2024"
    )
    assert status == 2 and "name one procedure at a time" in err
    status, out, _ = run(capsys, "report", log, "--year", "2025", "--only", "spso-2021")
    assert status == 0 and "No complaints, concerns or compliments were recorded in 2025-26." in out


def test_a_concern_or_compliment_names_a_procedure_the_case_knows() -> None:
    with pytest.raises(ComplaintflowError, match="field 'procedure': no procedure is registered"):
        Case.replay(
            [{"type": "ComplimentReceived", "case_id": "M-1", "on": "2024-05-01", "procedure": "nonesuch"}]
        )
    concern = Case.replay(
        [{"type": "ConcernLogged", "case_id": "P-1", "on": "2024-05-01", "procedure": "adults-2009"}]
    )
    assert concern.state == "concern" and concern.procedure is None  # it runs under none until received
