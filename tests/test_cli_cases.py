"""The `case`, `due`, `procedures` and `procedure` commands, and their one-line errors."""

from __future__ import annotations

import csv
import io
import json
from datetime import date
from pathlib import Path

import pytest
from cli_runner import run

import complaintflow as cf

ROOT = Path(__file__).parents[1]
EXAMPLES = ROOT / "src" / "complaintflow" / "data" / "example-cases.jsonl"


def write_log(tmp_path: Path, *lines: str) -> Path:
    path = tmp_path / "events.jsonl"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def received(case_id: str, on: str, procedure: str = "children-2006") -> str:
    """The JSON line of a complaint received."""
    return json.dumps({"type": "ComplaintReceived", "case_id": case_id, "on": on, "procedure": procedure})


def due_rows(
    capsys: pytest.CaptureFixture[str], log: Path, as_of: str, within: int
) -> list[dict[str, object]]:
    """The reminders `complaintflow due --format json` gives, after checking it succeeded."""
    status, out, _ = run(capsys, "due", log, "--as-of", as_of, "--within", str(within), "--format", "json")
    assert status == 0
    rows: list[dict[str, object]] = json.loads(out)
    return rows


def test_case_shows_each_case_with_its_deadlines(capsys: pytest.CaptureFixture[str]) -> None:
    status, out, _ = run(capsys, "case", EXAMPLES, "--as-of", "2022-12-14")
    assert status == 0
    assert out.startswith("6 cases as of 2022-12-14")
    assert "CF-106  children-2006  stage1 (stage 1, open)" in out
    assert "stage1_response             due 2022-12-16  2 working days left" in out


def test_case_json_is_the_contract_case_view(capsys: pytest.CaptureFixture[str]) -> None:
    status, out, _ = run(
        capsys, "case", EXAMPLES, "--as-of", "2022-12-14", "--format", "json", "--case", "CF-101"
    )
    assert status == 0
    [view] = json.loads(out)
    assert {"case_id", "procedure", "state", "stage", "open", "outcome", "deadlines", "allowed"} <= set(view)
    assert view["state"] == "stage1_lapsed" and view["open"] is False
    window = next(d for d in view["deadlines"] if d["name"] == "stage2_request_window")
    assert window == {**window, "due": "2022-10-25", "status": "lapsed", "working_days": 20}


def test_due_lists_soon_and_overdue_deadlines_by_date(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    log = write_log(
        tmp_path, received("A", "2024-04-02"), received("B", "2024-04-08"), received("C", "2024-04-15")
    )
    rows = due_rows(capsys, log, "2024-04-17", 5)
    assert [(r["case_id"], r["due"], r["status"]) for r in rows] == [
        ("A", "2024-04-16", "overdue"),
        ("B", "2024-04-22", "pending"),
    ]
    status, out, _ = run(capsys, "due", log, "--as-of", "2024-04-17", "--within", "10")
    assert status == 0
    assert "3 deadlines overdue or due within 10 working days of 2024-04-17 (1 overdue)" in out
    assert "OVERDUE, 1 working day past due" in out


def test_one_of_anything_is_printed_in_the_singular(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    log = write_log(tmp_path, received("A", "2024-04-02"))
    status, out, _ = run(capsys, "case", log, "--as-of", "2024-04-15")
    assert status == 0 and out.startswith("1 case as of 2024-04-15\n")
    assert "due 2024-04-16  1 working day left" in out
    status, out, _ = run(capsys, "due", log, "--as-of", "2024-04-15", "--within", "1")
    assert status == 0 and out.startswith("1 deadline overdue or due within 1 working day of 2024-04-15")
    assert "1 working day left" in out and "days left" not in out
    status, out, _ = run(capsys, "due", log, "--as-of", "2024-04-17", "--within", "0")
    assert status == 0 and "OVERDUE, 1 working day past due" in out
    status, out, _ = run(capsys, "workdays", "add", "2024-04-02", "1")
    assert status == 0 and out.startswith("2024-04-02 + 1 working day = 2024-04-03")
    status, out, _ = run(capsys, "workdays", "between", "2024-04-02", "2024-04-03")
    assert status == 0 and out.startswith("1 working day from 2024-04-02 to 2024-04-03")


def test_due_writes_csv_for_a_spreadsheet(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    area = {"service_area": "=HYPERLINK(1)"}
    log = write_log(
        tmp_path,
        json.dumps({**json.loads(received("A", "2024-04-02")), **area}),
        received("B, C", "2024-04-08"),
    )
    status, out, _ = run(capsys, "due", log, "--as-of", "2024-04-17", "--within", "5", "--format", "csv")
    rows = list(csv.DictReader(io.StringIO(out)))
    assert status == 0 and list(rows[0]) == [
        "case_id",
        "procedure",
        "deadline",
        "kind",
        "stage",
        "due",
        "status",
        "remaining_working_days",
        "state",
        "service_area",
        "officer",
        "team",
    ]
    assert [(r["case_id"], r["due"], r["status"], r["remaining_working_days"]) for r in rows] == [
        ("A", "2024-04-16", "overdue", "-1"),
        ("B, C", "2024-04-22", "pending", "3"),
    ]
    assert rows[0]["service_area"] == "'=HYPERLINK(1)" and rows[1]["service_area"] == ""


def test_case_events_prints_the_dated_timeline(capsys: pytest.CaptureFixture[str]) -> None:
    status, out, _ = run(capsys, "case", EXAMPLES, "--as-of", "2022-12-14", "--case", "CF-101", "--events")
    assert status == 0
    assert out.endswith(
        "  events:\n"
        "    Wed 14 Sep 2022  ComplaintReceived (stage=1)\n"
        "    Tue 27 Sep 2022  Responded (stage=1, outcome=not_upheld)\n"
    )
    status, out, _ = run(capsys, "case", EXAMPLES, "--as-of", "2022-09-20", "--case", "CF-101", "--events")
    assert status == 0 and out.endswith("  events:\n    Wed 14 Sep 2022  ComplaintReceived (stage=1)\n")
    status, _, err = run(capsys, "case", EXAMPLES, "--events", "--format", "json")
    assert status == 2 and "the timeline is text" in err


def test_procedures_lists_the_built_in_ones(capsys: pytest.CaptureFixture[str]) -> None:
    status, out, _ = run(capsys, "procedures")
    names = [line.split()[0] for line in out.splitlines()]
    assert status == 0 and names == [
        "adults-2009",
        "children-2006",
        "housing-2024",
        "lgsco-2026",
        "spso-2021",
    ]


def test_procedure_show_cites_every_deadline(capsys: pytest.CaptureFixture[str]) -> None:
    status, out, _ = run(capsys, "procedure", "show", "children-2006")
    assert status == 0
    assert "panel_meeting               stage 3  30 working days" in out
    assert "[SI 2006/1738 reg 19(4) [P]]" in out
    assert "stage2_clock_start = request_received (default request_received)" in out


def test_procedure_show_draws_mermaid(capsys: pytest.CaptureFixture[str]) -> None:
    status, out, _ = run(capsys, "procedure", "show", "children-2006", "--mermaid")
    assert status == 0 and "stateDiagram-v2" in out


def test_procedure_schema_is_json_schema(capsys: pytest.CaptureFixture[str]) -> None:
    status, out, _ = run(capsys, "procedure", "schema")
    assert status == 0 and json.loads(out)["title"] == "Procedure"


def test_a_custom_procedure_file_can_be_named(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    log = write_log(
        tmp_path, '{"type":"ComplaintReceived","case_id":"K","on":"2024-04-02","procedure":"corporate"}'
    )
    status, out, _ = run(
        capsys,
        "case",
        log,
        "--as-of",
        "2024-04-03",
        "--procedure",
        ROOT / "examples" / "corporate-procedure.toml",
    )
    assert status == 0 and "K  corporate  stage1" in out


@pytest.mark.parametrize(
    ("lines", "message"),
    [
        (
            ['{"type":"Withdrawn","case_id":"A","on":"2024-04-02"}'],
            "line 1: Withdrawn is not allowed in state 'new'",
        ),
        (
            [
                '{"type":"ComplaintReceived","case_id":"A","on":"2024-04-02","procedure":"children-2006"}',
                "",
                '{"type":"Responded","case_id":"A","on":"2024-04-31","stage":1,"outcome":"upheld"}',
            ],
            "line 3: field 'on': not a date",
        ),
        (["{not json"], "line 1: not valid JSON"),
    ],
)
def test_a_bad_log_names_the_line(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, lines: list[str], message: str
) -> None:
    status, out, err = run(capsys, "case", write_log(tmp_path, *lines))
    assert status == 2 and out == ""
    assert message in err and err.count("\n") == 1


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["case", "no-such-file.jsonl"], "No such file or directory: no-such-file.jsonl"),
        (["due", "x.jsonl", "--as-of", "yesterday"], "'yesterday' is not a date"),
        (["procedure", "show", "children-1989"], "no procedure is registered as 'children-1989'"),
    ],
)
def test_command_errors_are_one_line(
    capsys: pytest.CaptureFixture[str], argv: list[str], message: str
) -> None:
    status, _, err = run(capsys, *argv)
    assert status == 2 and message in err and err.count("\n") == 1


def test_a_limit_in_calendar_months_falls_due_like_any_other(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    log = write_log(
        tmp_path,
        received("A", "2025-01-10", "adults-2009"),
        '{"type":"Acknowledged","case_id":"A","on":"2025-01-13","stage":1}',
    )
    rows = due_rows(capsys, log, "2025-07-01", 10)
    assert [(r["deadline"], r["due"], r["remaining_working_days"]) for r in rows] == [
        ("stage1_response", "2025-07-09", 6)
    ]
    status, out, _ = run(capsys, "case", log, "--as-of", "2025-07-01")
    assert status == 0 and "due 2025-07-09  6 working days left" in out


def test_the_daily_list_lines_up_long_case_references(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    log = write_log(tmp_path, received("CF-2024-000123-ADULT", "2024-04-02"), received("B", "2024-04-03"))
    status, out, _ = run(capsys, "due", log, "--as-of", "2024-04-15", "--within", "5")
    rows = out.splitlines()[1:]
    assert status == 0 and len(rows) == 2
    assert rows[0].index("stage1_response") == rows[1].index("stage1_response")


def test_a_service_area_with_a_newline_cannot_write_a_line_of_the_daily_list(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    log = write_log(
        tmp_path,
        '{"type":"ComplaintReceived","case_id":"A","on":"2024-04-02","procedure":"children-2006",'
        '"service_area":"Adults\\n2024-04-03  FAKE-CASE  stage1_response"}',
    )
    status, out, _ = run(capsys, "due", log, "--as-of", "2024-04-15")
    assert status == 0
    lines = out.splitlines()
    assert len(lines) == 2 and not any(line.startswith("2024-04-03") for line in lines)
    assert "Adults?2024-04-03  FAKE-CASE" in lines[1]


def test_the_json_case_list_is_written_a_case_at_a_time_in_the_same_layout(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    log = write_log(
        tmp_path,
        received("A", "2024-04-02"),
        received("B", "2024-04-03"),
    )
    status, out, _ = run(capsys, "case", log, "--as-of", "2024-04-15", "--format", "json")
    views = [
        cf.Case.replay([line]).view(as_of=date(2024, 4, 15)).model_dump(mode="json")
        for line in log.read_text(encoding="utf-8").splitlines()
    ]
    assert status == 0 and out == json.dumps(views, indent=2) + "\n"
    empty = write_log(tmp_path)
    assert run(capsys, "due", empty, "--format", "json")[1] == "[]\n"


def test_the_case_and_due_commands_show_a_log_as_it_stood_on_the_day_asked(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    log = write_log(
        tmp_path,
        received("A", "2024-04-02"),
        '{"type":"Responded","case_id":"A","on":"2024-04-12","stage":1,"outcome":"upheld"}',
    )
    status, out, _ = run(capsys, "case", log, "--as-of", "2024-04-05", "--format", "json")
    assert status == 0 and json.loads(out)[0]["state"] == "stage1"
    status, out, _ = run(capsys, "due", log, "--as-of", "2024-04-11", "--within", "5")
    assert status == 0 and "stage1_response" in out  # due on the 16th: the response had not come yet
    status, out, _ = run(capsys, "due", log, "--as-of", "2024-04-12", "--within", "5")
    assert status == 0 and "stage1_response" not in out
    status, out, _ = run(capsys, "due", log, "--as-of", "2024-04-01")
    assert status == 0 and out.startswith("0 deadlines")


def test_case_counts_a_bank_holiday_given_on_the_command_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    log = write_log(tmp_path, received("A", "2031-06-02"))
    argv = ["case", log, "--as-of", "2031-06-03", "--format", "json"]
    plain = json.loads(run(capsys, *argv)[1])[0]["deadlines"]
    added = "2031-06-09:england-and-wales:A proclaimed day"
    extra = json.loads(run(capsys, *argv, "--extra-holiday", added)[1])[0]["deadlines"]
    scottish = json.loads(run(capsys, *argv, "--extra-holiday", "2031-06-09:scotland")[1])[0]["deadlines"]
    assert [d["due"] for d in plain if d["name"] == "stage1_response"] == ["2031-06-16"]
    assert [d["due"] for d in extra if d["name"] == "stage1_response"] == ["2031-06-17"]
    assert [d["due"] for d in scottish if d["name"] == "stage1_response"] == ["2031-06-16"]
    status, _, err = run(capsys, *argv, "--extra-holiday", "2031-06-09:A proclaimed day")
    assert status != 0 and "say where it was proclaimed" in err and "Traceback" not in err


def test_an_event_id_used_again_in_another_case_is_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    log = write_log(
        tmp_path,
        '{"type":"ComplaintReceived","case_id":"A","on":"2024-04-02","procedure":"children-2006","event_id":"E-1"}',
        '{"type":"ComplaintReceived","case_id":"B","on":"2024-04-02","procedure":"children-2006","event_id":"E-1"}',
    )
    status, _, err = run(capsys, "case", log, "--as-of", "2024-04-03")
    assert status == 2 and "line 2: field 'event_id': already used by an event of another case" in err


@pytest.mark.parametrize("command", ["case", "due"])
def test_json_output_is_ascii_laid_out_as_json_dumps_lays_it_out(
    command: str, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    log = tmp_path / "events.jsonl"
    events = [
        {"type": "ComplaintReceived", "case_id": "A", "on": "2024-04-02", "procedure": "children-2006"},
        {"type": "ComplaintReceived", "case_id": "B", "on": "2024-04-03", "procedure": "children-2006"}
        | {"service_area": "Children\u2019s services \U0001f3e0"},
    ]
    log.write_text("".join(json.dumps(event) + "\n" for event in events), encoding="utf-8")
    status, out, _ = run(capsys, command, log, "--as-of", "2024-04-15", "--format", "json")
    items = json.loads(out)
    assert status == 0 and out.isascii() and len(items) == 2
    assert out == json.dumps(items, indent=2) + "\n"
    assert items[1]["service_area"] == "Children\u2019s services \U0001f3e0"
