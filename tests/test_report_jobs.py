"""A report read by worker processes is the report one process reads: the same tables, and the same
error, line and wording for a refused line (complaintflow.report.workers)."""

from __future__ import annotations

import io
import json
import random
import zlib
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from cli_runner import run

from complaintflow import load_cases, load_procedure, open_store, register_procedure
from complaintflow.eventlog import EventLogError
from complaintflow.events import register_upcaster, unregister_upcaster
from complaintflow.procedure import unregister_procedure
from complaintflow.reminders import due_within
from complaintflow.report import report_from_log, reports_from_log
from complaintflow.report.workers import reminders_in_parallel

ROOT = Path(__file__).parents[1]
SEED = ROOT / "examples" / "seed-year" / "events.jsonl"
CORPORATE = {"corporate": load_procedure(ROOT / "examples" / "corporate-procedure.toml")}


def _worker(case_id: str) -> int:
    return zlib.crc32(case_id.encode()) % 2


def _write(path: Path, events: list[dict[str, Any]]) -> Path:
    path.write_text("".join(json.dumps(event) + "\n" for event in events), encoding="utf-8")
    return path


def test_the_seed_year_is_the_same_with_one_two_or_three_workers() -> None:
    one = report_from_log(SEED, 2012, procedures=CORPORATE, jobs=1)
    assert report_from_log(SEED, 2012, procedures=CORPORATE, jobs=2) == one
    assert report_from_log(SEED, 2012, procedures=CORPORATE, jobs=3) == one
    assert reports_from_log(SEED, 2012, procedures=CORPORATE, jobs=2) == reports_from_log(
        SEED, 2012, procedures=CORPORATE, jobs=1
    )


def _generated(rng: random.Random, cases: int, procedure: str, year: int) -> list[dict[str, Any]]:
    """Cases received through a year, most answered, some escalated, some with notes on the file;
    the log in date order, its cases interleaved."""
    events: list[dict[str, Any]] = []
    for number in range(cases):
        case_id, day = f"G-{number}", date(year, 4, 1) + timedelta(days=rng.randrange(330))
        service = rng.choice(["Repairs", "Lettings", "Targeted Services", "Special Needs"])
        steps: list[dict[str, Any]] = [_received(case_id, day.isoformat(), service_area=service)]
        steps[0]["procedure"] = procedure
        if rng.random() < 0.8:
            steps.append({"type": "Responded", "stage": 1, "outcome": rng.choice(["upheld", "not_upheld"])})
            if rng.random() < 0.3:
                steps.append({"type": "EscalationRequested", "to_stage": 2})
        if rng.random() < 0.2:
            steps.append({"type": "OmbudsmanReferred"})
        for step in steps[1:]:
            day += timedelta(days=rng.randint(1, 6))
            step.update(case_id=case_id, on=day.isoformat())
        events += steps
    return sorted(events, key=lambda event: event["on"])


@pytest.mark.parametrize("seed", [1, 2])
def test_generated_logs_give_the_same_reports_with_two_workers(tmp_path: Path, seed: int) -> None:
    rng = random.Random(seed)
    children = _write(tmp_path / "children.jsonl", _generated(rng, 400, "children-2006", 2019))
    assert report_from_log(children, 2019, jobs=2) == report_from_log(children, 2019, jobs=1)
    housing = _write(tmp_path / "housing.jsonl", _generated(rng, 400, "housing-2024", 2025))
    one = reports_from_log(housing, 2025, jobs=1, homes=900)
    assert reports_from_log(housing, 2025, jobs=2, homes=900) == one


def _errors(path: Path) -> list[tuple[int, str, str]]:
    found = []
    for jobs in (1, 2):
        with pytest.raises(EventLogError) as caught:
            report_from_log(path, 2024, jobs=jobs)
        found.append((caught.value.line, str(caught.value), type(caught.value.error).__name__))
    return found


def _received(case_id: str, on: str = "2024-04-02", **more: Any) -> dict[str, Any]:
    return {"type": "ComplaintReceived", "case_id": case_id, "on": on, "procedure": "children-2006", **more}


def test_the_first_refused_line_is_the_same_whichever_worker_reads_it(tmp_path: Path) -> None:
    first, second = "C-1", next(f"C-{n}" for n in range(2, 50) if _worker(f"C-{n}") != _worker("C-1"))
    events = [_received(first), _received(second)]
    events += [{"type": "Responded", "case_id": second, "on": "2024-04-03", "stage": 9}]  # refused
    events += [{"type": "Resumed", "case_id": first, "on": "2024-04-04"}]  # refused too, but later
    log = _write(tmp_path / "bad.jsonl", events)
    one, two = _errors(log)
    assert one == two and one[0] == 3
    lines = log.read_text(encoding="utf-8").splitlines()
    lines.insert(1, "{not json")
    (tmp_path / "worse.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    one, two = _errors(tmp_path / "worse.jsonl")
    assert one == two and one[0] == 2


def test_an_event_id_used_by_two_cases_in_different_workers_is_refused_at_the_same_line(
    tmp_path: Path,
) -> None:
    first, second = "C-1", next(f"C-{n}" for n in range(2, 50) if _worker(f"C-{n}") != _worker("C-1"))
    events = [_received(first, event_id="E-1"), _received(second, event_id="E-2")]
    events += [{"type": "AdvocacyArranged", "case_id": second, "on": "2024-04-05", "event_id": "E-1"}]
    one, two = _errors(_write(tmp_path / "ids.jsonl", events))
    assert one == two and one[0] == 3 and "already used by an event of another case" in one[1]


def test_a_case_reference_written_with_escapes_is_read_in_one_process(tmp_path: Path) -> None:
    rng = random.Random(7)
    events = [_received(f"C-{n}", on=f"2024-04-{rng.randint(2, 28):02d}") for n in range(20)]
    log = tmp_path / "escaped.jsonl"
    text = "".join(json.dumps(event) + "\n" for event in events).replace('"C-1"', '"C-\\u0031"')
    log.write_text(text, encoding="utf-8")
    assert report_from_log(log, 2024, jobs=2) == report_from_log(log, 2024, jobs=1)


def test_workers_know_the_procedures_the_host_registered(tmp_path: Path) -> None:
    register_procedure(ROOT / "examples" / "corporate-procedure.toml")
    try:
        one = report_from_log(SEED, 2012, jobs=1)
        assert report_from_log(SEED, 2012, jobs=2) == one
    finally:
        unregister_procedure("corporate")


def test_a_log_that_needs_the_host_s_upcaster_is_read_in_one_process(tmp_path: Path) -> None:
    older = {
        "type": "Withdrawn",
        "case_id": "C-1",
        "on": "2024-04-03",
        "why": "resolved",
        "schema_version": 0,
    }
    log = _write(tmp_path / "older.jsonl", [_received("C-1"), older, _received("C-2")])

    def upcast(old: dict[str, Any]) -> dict[str, Any]:
        return {**{key: value for key, value in old.items() if key != "why"}, "reason": old["why"]}

    register_upcaster("Withdrawn", 0, upcast)
    try:
        assert report_from_log(log, 2024, jobs=2) == report_from_log(log, 2024, jobs=1)
    finally:
        unregister_upcaster("Withdrawn", 0)


def test_the_report_command_prints_the_same_with_jobs(capsys: pytest.CaptureFixture[str]) -> None:
    options = (
        "--year",
        "2012",
        "--format",
        "json",
        "--procedure",
        ROOT / "examples" / "corporate-procedure.toml",
    )
    status, one, _ = run(capsys, "report", SEED, *options, "--jobs", "1")
    assert status == 0
    status, two, _ = run(capsys, "report", SEED, *options, "--jobs", "2")
    assert status == 0 and two == one


def test_a_log_with_events_entered_late_reports_the_same_in_one_process_two_workers_and_from_the_store(
    tmp_path: Path,
) -> None:
    """An export lists events in the order they were recorded, so a letter entered a week late comes
    after later events of its case: the report reads such a file again keeping the events, and
    places the late entry as the store did."""
    first, second = "C-1", next(f"C-{n}" for n in range(2, 50) if _worker(f"C-{n}") != _worker("C-1"))
    events: list[dict[str, Any]] = []
    for case_id in (first, second):
        events += [
            _received(case_id, service_area="Fostering"),
            {"type": "Responded", "case_id": case_id, "on": "2024-04-12", "stage": 1, "outcome": "upheld"},
            {"type": "Acknowledged", "case_id": case_id, "on": "2024-04-04", "stage": 1},  # entered late
        ]
    log = _write(tmp_path / "export.jsonl", events)
    one = report_from_log(log, 2024, jobs=1)
    assert report_from_log(log, 2024, jobs=2) == one
    assert one.counts.stage1 == 2
    with open_store(f"sqlite:{tmp_path / 'store.db'}") as store:
        for event in events:
            store.append(event["case_id"], [event])
        assert store.reports(2024)["children-2006"] == one.model_copy(update={"procedure": "children-2006"})


def test_a_late_entry_on_standard_input_cannot_be_read_again_and_is_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    events = [
        _received("C-1"),
        {"type": "Responded", "case_id": "C-1", "on": "2024-04-12", "stage": 1, "outcome": "upheld"},
        {"type": "Acknowledged", "case_id": "C-1", "on": "2024-04-04", "stage": 1},
    ]
    text = "".join(json.dumps(event) + "\n" for event in events)
    monkeypatch.setattr("sys.stdin", io.TextIOWrapper(io.BytesIO(text.encode())))
    status, _, err = run(capsys, "report", "-", "--year", "2024", "--jobs", "1")
    assert status == 2
    assert "line 3" in err and "takes them in date order" in err
    status, out, _ = run(
        capsys, "due", _write(tmp_path / "late.jsonl", events), "--as-of", "2024-04-30", "--within", "20"
    )
    assert status == 0 and "stage2_request_window" in out


@pytest.mark.parametrize("seed", [3, 4])
def test_the_daily_list_is_the_same_from_two_workers(
    tmp_path: Path, seed: int, capsys: pytest.CaptureFixture[str]
) -> None:
    rng = random.Random(seed)
    log = _write(tmp_path / "children.jsonl", _generated(rng, 400, "children-2006", 2019))
    as_of = date(2020, 1, 15)
    one = due_within(load_cases(log, keep_events=False, until=as_of).values(), as_of=as_of, within=10)
    assert reminders_in_parallel(log, 2, as_of=as_of, within=10) == one and len(one) > 10
    printed = [run(capsys, "due", log, "--as-of", as_of, "--within", 10, "--jobs", jobs) for jobs in (1, 2)]
    assert printed[0] == printed[1] and printed[0][0] == 0


def test_the_daily_list_from_two_workers_stops_at_the_same_refused_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    first, second = "C-1", next(f"C-{n}" for n in range(2, 50) if _worker(f"C-{n}") != _worker("C-1"))
    events = [_received(first), _received(second)]
    events += [{"type": "Responded", "case_id": second, "on": "2024-04-03", "stage": 9}]  # refused
    log = _write(tmp_path / "bad.jsonl", events)
    printed = [run(capsys, "due", log, "--as-of", "2024-04-20", "--jobs", jobs) for jobs in (1, 2)]
    assert printed[0] == printed[1] and printed[0][0] == 2 and "line 3" in printed[0][2]
