"""The report's published forms and the `complaintflow report` command."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path
from typing import Any

import pytest
from cli_runner import run

from complaintflow import load_procedure
from complaintflow.report import (
    AnnualReport,
    annual_report,
    publish,
    records_from_events,
    report_from_log,
    to_csv,
)
from complaintflow.report.charts import charts
from complaintflow.report.forms import tables
from complaintflow.report.html import to_html
from complaintflow.report.markdown import to_markdown

ROOT = Path(__file__).parents[1]
SEED = ROOT / "examples" / "seed-year" / "events.jsonl"
CORPORATE = ROOT / "examples" / "corporate-procedure.toml"


@pytest.fixture(scope="module")
def report() -> AnnualReport:
    return report_from_log(SEED, 2012, procedures={"corporate": load_procedure(CORPORATE)})


def report_command(capsys: pytest.CaptureFixture[str], *options: object) -> tuple[int, str, str]:
    """`complaintflow report` on the seed year: its children's report, which counts the corporate
    complaints about children's services too, as the seed council's did."""
    together = ("--only", "children-2006", "--only", "corporate")
    return run(capsys, "report", SEED, "--procedure", CORPORATE, *together, *options)


def test_markdown_has_every_table_under_a_heading_without_seed_tags(report: AnnualReport) -> None:
    text = to_markdown(report)
    assert text.startswith("# Complaints annual report 2012-13")
    for table in tables(report):
        assert f"### {table.title}\n" in text
    assert "(seed" not in text and "(seed" not in to_html(report)
    assert "| Targeted Services | 67 | 46 | 68.7% | 43 | 64.2% | No |" in text


def test_the_docs_map_every_table_to_its_seed_section(report: AnnualReport) -> None:
    page = (Path(__file__).resolve().parents[1] / "docs" / "report.md").read_text(encoding="utf-8")
    for table in tables(report):
        assert f"| `{table.key}` | {table.section} |" in page


def test_a_committee_paper_carries_its_title_council_and_date(report: AnnualReport) -> None:
    from datetime import date

    from complaintflow.report import Cover

    cover = Cover(
        title="Children's complaints 2012-13", council="Example Borough Council", made_on=date(2013, 6, 3)
    )
    text = to_markdown(report, cover)
    assert text.startswith("# Children's complaints 2012-13\n\nExample Borough Council. Made on 3 June 2013.")
    page = to_html(report, cover)
    assert (
        "<h1>Children&#x27;s complaints 2012-13</h1><p>Example Borough Council. Made on 3 June 2013.</p>"
        in page
    )


def test_csv_has_one_file_per_table_and_one_per_list(report: AnnualReport) -> None:
    written = to_csv(report)
    listed = [table for table in tables(report) if table.items]
    assert len(written) == len(tables(report)) + len(listed) and listed
    counts = next(text for name, text in written.items() if name.endswith("-counts.csv"))
    rows = list(csv.reader(io.StringIO(counts)))
    assert rows[0] == ["Year", "Potential", "Stage 1", "Stage 2", "Stage 3", "Ombudsman"]
    assert rows[1] == ["2012-13", "41", "89", "12", "2", "2"]


def test_html_is_one_self_contained_page_with_three_charts(report: AnnualReport) -> None:
    page = to_html(report)
    assert page.startswith("<!DOCTYPE html>")
    assert page.count("<svg") == 3
    for external in ('src="http', 'href="http', "<link", "@import", "<script"):
        assert external not in page
    assert to_html(report) == page  # no dates or random ids: the same report gives the same page
    assert "Stage 1 response times by service, 2012-13" in page


def test_html_says_how_to_add_charts_without_matplotlib(
    report: AnnualReport, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("complaintflow.report.charts.available", lambda: False)
    assert charts(report) == []
    page = to_html(report)
    assert "<svg" not in page
    assert 'pip install "complaintflow[report]"' in page.replace("&quot;", '"')


def test_the_report_is_computed_from_events_in_any_form() -> None:
    received = {
        "type": "ComplaintReceived",
        "case_id": "A",
        "on": "2012-05-01",
        "procedure": "children-2006",
        "service_area": "Targeted Services",
        "event_id": "1",
    }
    events: list[Any] = [
        received,
        {
            "type": "DeadlineExtended",
            "case_id": "A",
            "on": "2012-05-08",
            "stage": 1,
            "total_working_days": 20,
            "reason": "complex",
        },
        '{"type": "Responded", "case_id": "A", "on": "2012-05-25", "stage": 1, "outcome": "upheld"}',
        received,  # sent again: counted once
        {"type": "ConcernLogged", "case_id": "P", "on": "2013-03-30"},
        {"type": "ConcernLogged", "case_id": "Q", "on": "2012-06-01"},
        {"type": "ComplaintReceived", "case_id": "Q", "on": "2012-06-04", "procedure": "children-2006"},
    ]
    report = annual_report(events, 2012)
    assert report.counts.stage1 == 2 and report.counts.potential == 1  # Q became a complaint
    timing = report.stage1_timeliness["Targeted Services"]
    assert (timing.responded, timing.in_time, timing.in_time_unextended) == (1, 1, 0)


def test_the_report_command_prints_markdown_with_small_counts_hidden(
    capsys: pytest.CaptureFixture[str],
) -> None:
    status, out, _ = report_command(capsys, "--year", "2012-13")
    assert status == 0
    assert "Counts from 1 to 4 are withheld and shown as \\*" in out
    assert "| Afghani | * |" in out


def test_the_report_command_withholds_small_counts_in_json_too_unless_asked_for_raw_counts(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    target = tmp_path / "report.json"
    status, out, _ = report_command(capsys, "--year", "2012", "--format", "json", "--output", target)
    assert status == 0 and str(target) in out
    data = json.loads(target.read_text(encoding="utf-8"))
    assert data["suppress_below"] == 5 and data["equalities"]["stage1"]["ethnicity"]["Afghani"] is None
    record = json.loads((tmp_path / "report.json.publication.json").read_text(encoding="utf-8"))
    assert [(p["year"], p["suppress_below"]) for p in record["publications"]] == [("2012-13", 5)]
    assert record["publications"][0]["report"] == data
    status, out, _ = report_command(capsys, "--year", "2012", "--format", "json", "--raw")
    data = json.loads(out)
    assert data["equalities"]["stage1"]["ethnicity"]["Afghani"] == 2 and data["suppressed"] == []


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--suppress-below", "0"], "ask for every count by name with --raw"),
        (["--suppress-below", "1"], "ask for every count by name with --raw"),
        (["--raw", "--suppress-below", "5"], "not both"),
    ],
)
def test_raw_counts_are_asked_for_by_name_only(
    capsys: pytest.CaptureFixture[str], argv: list[str], message: str
) -> None:
    status, _, err = report_command(capsys, "--year", "2012", "--format", "json", *argv)
    assert status == 2 and message in err


def test_a_later_publication_knows_the_earlier_one_and_refuses_a_second_threshold(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    first = tmp_path / "2012.md"
    assert report_command(capsys, "--year", "2012", "--output", first)[0] == 0
    record = tmp_path / "2012.md.publication.json"
    status, _, err = report_command(
        capsys, "--year", "2012", "--suppress-below", "10", "--published-before", record
    )
    assert status == 2 and "published with 5" in err
    status, out, _ = report_command(
        capsys, "--year", "2012", "--suppress-below", "10", "--published-before", record, "--republish"
    )
    assert status == 0 and "Counts from 1 to 9 are withheld" in out
    status, _, err = report_command(capsys, "--year", "2012", "--published-before", tmp_path / "2012.md")
    assert status == 2 and "2012.md is not a publication record" in err


def test_the_report_command_writes_html_and_csv(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    page = tmp_path / "report.html"
    status, out, _ = report_command(
        capsys,
        "--year",
        "2012",
        "--format",
        "html",
        "--output",
        page,
        "--raw",
        "--target",
        "70",
    )
    assert status == 0 and "wrote the HTML report to" in out
    assert "against a 70% target" in page.read_text(encoding="utf-8")
    status, out, _ = report_command(
        capsys, "--year", "2012", "--format", "csv", "--output", tmp_path / "tables"
    )
    assert status == 0 and len(list((tmp_path / "tables").glob("*.csv"))) > 20


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--year", "12"], "not a reporting year"),
        (["--year", "2012-14"], "not a reporting year"),
        (["--year", "9999"], "from 1900 to 2199"),
        (["--year", "2012", "--target", "120"], "not between 0 and 100"),
        (["--year", "2012"], "corporate"),  # the log names a procedure that was not given
    ],
)
def test_report_errors_are_one_line(
    capsys: pytest.CaptureFixture[str], argv: list[str], message: str
) -> None:
    status, _, err = run(capsys, "report", SEED, *argv)
    assert status == 2 and message in err and err.count("\n") == 1


def test_suppressed_cells_print_as_the_marker(report: AnnualReport) -> None:
    text = to_markdown(publish(report, 5))
    assert "| Romanian | * |" in text and "| 2011-12 | 35 | 69 | 8 | 5 | 0 |" in text


def test_charts_do_not_need_a_display(report: AnnualReport, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("DISPLAY", raising=False)
    drawn = charts(report)
    assert [chart.caption for chart in drawn] == [
        "Stage 1 response times by service, 2012-13, against a 75% target",
        "Complaints by stage over the years",
        "Escalation rates over time",
    ]
    assert all(chart.svg.startswith("<svg") for chart in drawn)
    assert drawn[1].figures.rows[-1] == ["2012-13", 41, 89, 12, 2]


def test_a_late_acknowledgement_does_not_count_as_a_late_response() -> None:
    """Under the two-stage codes the response-time tables count the response deadline, which runs
    from the acknowledgement; a late acknowledgement is not a late response."""

    def case(case_id: str, acknowledged: str, responded: str) -> list[dict[str, Any]]:
        common = {"case_id": case_id}
        return [
            {
                **common,
                "type": "ComplaintReceived",
                "on": "2024-09-02",
                "procedure": "housing-2024",
                "service_area": "Housing",
            },
            {**common, "type": "Acknowledged", "on": acknowledged, "stage": 1},
            {**common, "type": "Responded", "on": responded, "stage": 1, "outcome": "upheld"},
        ]

    # H-1: acknowledged a day late (due 9 September), answered within 10 working days of it.
    # H-2: acknowledged in time (due 9 September), answered a day late (due 20 September).
    report = annual_report(
        [*case("H-1", "2024-09-10", "2024-09-24"), *case("H-2", "2024-09-06", "2024-09-23")], year=2024
    )
    timeliness = report.stage1_timeliness["Housing"]
    assert (timeliness.responded, timeliness.in_time) == (2, 1)


def test_the_headline_counts_one_potential_complaint_in_the_singular() -> None:
    concern = {"type": "ConcernLogged", "case_id": "P-1", "on": "2024-05-01", "service_area": "Housing"}
    one = annual_report([concern], year=2024)
    two = annual_report([concern, {**concern, "case_id": "P-2"}], year=2024)
    assert "0 stage 3 complaints; 1 potential complaint; 0 referred to the Ombudsman." in to_markdown(one)
    assert "; 2 potential complaints;" in to_markdown(two)
    assert "; 1 potential complaint;" in to_html(one)


def test_a_service_area_cannot_write_markdown_of_its_own() -> None:
    from complaintflow.report.markdown import to_markdown

    hostile = "Adults | 99\n## Fake heading"
    events = [
        {
            "type": "ComplaintReceived",
            "case_id": "A",
            "on": "2012-05-01",
            "procedure": "children-2006",
            "service_area": hostile,
        },
        {"type": "Responded", "case_id": "A", "on": "2012-05-10", "stage": 1, "outcome": "upheld"},
    ]
    text = to_markdown(annual_report(events, 2012))
    assert "\n## Fake heading" not in text
    rows = [line for line in text.splitlines() if "Adults" in line]
    assert rows and all(r"Adults \| 99 \#\# Fake heading" in row for row in rows)


def test_a_code_extension_beyond_the_usual_length_is_counted_in_the_report() -> None:
    events = [
        {"type": "ComplaintReceived", "case_id": "H", "on": "2024-09-02", "procedure": "housing-2024"},
        {"type": "Acknowledged", "case_id": "H", "on": "2024-09-06", "stage": 1},
        {
            "type": "DeadlineExtended",
            "case_id": "H",
            "on": "2024-09-13",
            "stage": 1,
            "total_working_days": 25,
            "reason": "repairs survey needed",
        },
        {"type": "Responded", "case_id": "H", "on": "2024-10-10", "stage": 1, "outcome": "upheld"},
        {"type": "ComplaintReceived", "case_id": "G", "on": "2024-09-02", "procedure": "housing-2024"},
        {"type": "Acknowledged", "case_id": "G", "on": "2024-09-06", "stage": 1},
        {"type": "Responded", "case_id": "G", "on": "2024-09-19", "stage": 1, "outcome": "upheld"},
    ]
    timing = annual_report(events, 2024).stage1_timeliness_total
    assert (timing.responded, timing.in_time, timing.extended_beyond_usual) == (2, 2, 1)


def test_an_oral_complaint_resolved_by_the_next_working_day_is_not_counted() -> None:
    events = [
        {
            "type": "ComplaintReceived",
            "case_id": "A",
            "on": "2024-04-05",
            "procedure": "adults-2009",
            "oral": True,
        },
        {"type": "ConcernResolved", "case_id": "A", "on": "2024-04-08"},
        {"type": "ComplaintReceived", "case_id": "B", "on": "2024-04-05", "procedure": "adults-2009"},
    ]
    assert annual_report(events, 2024).counts.stage1 == 1


def test_services_come_in_the_council_s_order_else_as_they_first_appear() -> None:
    from complaintflow.report.tables import ReportSettings, build_report

    events = [
        {
            "type": "ComplaintReceived",
            "case_id": f"O-{n}",
            "on": "2012-05-01",
            "procedure": "children-2006",
            "service_area": area,
        }
        for n, area in enumerate(["Youth Offending", "Adoption", "Youth Offending", "Fostering"])
    ]
    assert list(annual_report(events, 2012).stage1_by_service) == ["Youth Offending", "Adoption", "Fostering"]
    records = list(records_from_events(events))
    ordered = build_report(records, 2012, ReportSettings(services=("Fostering", "Adoption")))
    assert list(ordered.stage1_by_service) == ["Fostering", "Adoption", "Youth Offending"]
    assert ordered.services == ["Fostering", "Adoption", "Youth Offending"]


def test_the_report_command_takes_the_council_s_order_of_services(capsys: pytest.CaptureFixture[str]) -> None:
    status, out, _ = report_command(
        capsys,
        "--year",
        "2012",
        "--format",
        "json",
        "--service",
        "Special Needs",
        "--service",
        "Targeted Services",
    )
    assert status == 0 and json.loads(out)["services"][:2] == ["Special Needs", "Targeted Services"]
