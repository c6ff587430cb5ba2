"""The command line with a store in place of a log file: import, export, check, case, due, report."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from cli_runner import run

import complaintflow as cf

ROOT = Path(__file__).resolve().parent.parent
SEED = ROOT / "examples" / "seed-year" / "events.jsonl"
CORPORATE = ROOT / "examples" / "corporate-procedure.toml"


@pytest.fixture
def store(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> str:
    url = f"sqlite:{tmp_path / 'store.db'}"
    status, out, err = run(capsys, "import", SEED, "--store", url, "--procedure", CORPORATE)
    assert status == 0 and err == "" and "0 lines refused" in out
    return url


def test_importing_a_log_then_reading_the_store_gives_what_the_log_gives(
    store: str, capsys: pytest.CaptureFixture[str]
) -> None:
    extra = ["--procedure", str(CORPORATE)]
    for command in (["due", "--as-of", "2013-03-01", "--within", "10"], ["case", "--as-of", "2013-01-15"]):
        from_log = run(capsys, *command[:1], SEED, *command[1:], *extra)
        from_store = run(capsys, *command, "--store", store, *extra)
        assert from_log[0] == from_store[0] == 0
        assert from_log[1] == from_store[1]
    from_log = run(capsys, "report", SEED, "--year", "2012", "--format", "json", *extra)
    from_store = run(capsys, "report", "--store", store, "--year", "2012", "--format", "json", *extra)
    assert json.loads(from_log[1]) == json.loads(from_store[1])


def test_export_writes_every_stored_event_and_check_finds_no_difference(
    store: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "back.jsonl"
    status, said, _ = run(capsys, "export", "--store", store, "--output", out, "--procedure", CORPORATE)
    assert status == 0 and "wrote 636 events" in said
    assert len(out.read_text(encoding="utf-8").splitlines()) == len(
        SEED.read_text(encoding="utf-8").splitlines()
    )
    status, said, _ = run(capsys, "store", "check", "--store", store, "--procedure", CORPORATE)
    assert status == 0 and "0 differences" in said


def test_an_import_names_each_refused_line_and_keeps_the_rest(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    log = tmp_path / "log.jsonl"
    log.write_text(
        '{"type":"ComplaintReceived","case_id":"A","on":"2024-04-02","procedure":"children-2006"}\n'
        "\n"
        '{"type":"Responded","case_id":"A","on":"2024-04-10","stage":1}\n'
        '{"type":"Responded","case_id":"A","on":"2024-04-10","stage":1,"outcome":"upheld"}\n',
        encoding="utf-8",
    )
    url = f"sqlite:{tmp_path / 's.db'}"
    status, out, err = run(capsys, "import", log, "--store", url)
    assert status == 1 and "1 line refused" in out
    assert err.splitlines() == ["line 3: field 'outcome': give an outcome, or points from which it follows"]
    status, out, _ = run(capsys, "case", "--store", url, "--as-of", "2024-04-10", "--format", "json")
    assert json.loads(out)[0]["state"] == "stage1_responded"


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["due"], "give a log FILE.jsonl or --store URL"),
        (["due", "x.jsonl", "--store", "sqlite:x.db"], "not both or neither"),
        (["due", "--store", "mysql://x"], "a store URL starts with sqlite: or postgresql://"),
        (["due", "--store", "sqlite:/no/such/folder/s.db"], "the folder does not exist"),
        (["export"], "--store"),
    ],
)
def test_store_errors_are_one_line(capsys: pytest.CaptureFixture[str], argv: list[str], message: str) -> None:
    status, _, err = run(capsys, *argv)
    assert status == 2 and message in err and err.count("\n") == 1


def test_apply_stores_one_event_from_standard_input_and_shows_the_case(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    import io

    url = f"sqlite:{tmp_path / 's.db'}"

    def apply(event: dict[str, object], *argv: str) -> tuple[int, str, str]:
        stdin = io.TextIOWrapper(io.BytesIO(json.dumps(event).encode()))
        monkeypatch.setattr("sys.stdin", stdin)
        return run(capsys, "apply", "--store", url, "--as-of", "2024-04-03", *argv)

    received = {"type": "ComplaintReceived", "case_id": "A", "on": "2024-04-02", "procedure": "children-2006"}
    status, out, err = apply(received, "--expected-version", "0")
    assert status == 0 and err == "" and json.loads(out)["state"] == "stage1"
    status, out, err = apply({**received, "event_id": "X"}, "--expected-version", "0")
    assert status == 5 and out == ""
    stale = json.loads(err)
    assert stale["kind"] == "stale-version" and stale["status"] == 412 and stale["version"] == 1
    with cf.open_store(url) as store:
        stored = store.events("A")[0]
    for _ in range(2):  # the same event sent again, as after a timeout: a success storing nothing
        status, out, err = apply(stored.model_dump(mode="json", exclude_none=True), "--expected-version", "0")
        assert (status, err) == (0, "")
        assert json.loads(out)["state"] == "stage1"
    with cf.open_store(url) as store:
        assert store.version("A") == 1
    status, _, err = apply(
        {"type": "Responded", "case_id": "A", "on": "2024-04-03", "stage": 2, "outcome": "upheld"}
    )
    refused = json.loads(err)
    assert status == 3 and refused["kind"] == "refused" and refused["state"] == "stage1"
    assert "Responded" in refused["allowed"]


@pytest.mark.parametrize(
    ("argv", "kind", "code"),
    [
        (["case", "missing.jsonl", "--format", "json"], "bad-request", 2),
        (["due", "--store", "sqlite:/no/such/folder/s.db", "--format", "json"], "store-unavailable", 9),
        (["case", "--store", "sqlite:{tmp}/s.db", "--case", "NOBODY", "--format", "json"], "unknown-case", 6),
        (["procedure", "show", "children-1989", "--format", "json"], "unknown-procedure", 7),
    ],
)
def test_with_format_json_every_error_is_a_problem_document_with_its_own_exit_code(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], argv: list[str], kind: str, code: int
) -> None:
    cf.open_store(f"sqlite:{tmp_path / 's.db'}").close()  # an empty store: reading commands make none
    status, out, err = run(capsys, *[word.replace("{tmp}", str(tmp_path)) for word in argv])
    document = json.loads(err)
    assert (status, document["kind"]) == (code, kind) and out == ""
    assert set(document) >= {"type", "title", "status", "detail"}


def test_a_log_read_from_standard_input_with_a_dash(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    import io

    line = '{"type":"ComplaintReceived","case_id":"A","on":"2024-04-02","procedure":"children-2006"}\n'
    monkeypatch.setattr("sys.stdin", io.TextIOWrapper(io.BytesIO(line.encode())))
    status, out, _ = run(capsys, "due", "-", "--as-of", "2024-04-15", "--within", "5")
    assert status == 0 and "stage1_response" in out


def test_the_seed_year_imported_twice_and_after_a_first_run_that_refused_lines_is_stored_once(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The first run without the corporate procedure refuses its cases' lines, each case once; the
    second run with it stores them, and nothing twice; a third adds nothing."""
    url = f"sqlite:{tmp_path / 'store.db'}"
    status, out, err = run(capsys, "import", SEED, "--store", url)
    assert status == 1 and "lines refused" in out
    followers = [line for line in err.splitlines() if "of this case was refused" in line]
    firsts = [line for line in err.splitlines() if "of this case was refused" not in line]
    assert followers and len(followers) <= len(firsts)  # said once per case, after its first line
    status, out, err = run(capsys, "import", SEED, "--store", url, "--procedure", CORPORATE, "--dry-run")
    assert status == 0 and out.startswith("dry run, nothing written") and " 0 lines refused" in out
    status, out, _ = run(capsys, "import", SEED, "--store", url, "--procedure", CORPORATE)
    assert status == 0 and ", 0 lines refused" in out
    lines = [line for line in SEED.read_text(encoding="utf-8").splitlines() if line.strip()]
    with cf.open_store(url, procedures={"corporate": cf.load_procedure(CORPORATE)}) as stored:
        assert len(list(stored.export())) == len(lines)
        before = (list(stored.export()), stored.report(2012))
    status, out, _ = run(capsys, "import", SEED, "--store", url, "--procedure", CORPORATE)
    assert status == 0 and "added 0 events" in out and f"{len(lines)} stored already" in out
    with cf.open_store(url, procedures={"corporate": cf.load_procedure(CORPORATE)}) as stored:
        assert (list(stored.export()), stored.report(2012)) == before
        assert stored.check() == []


def test_import_draws_a_progress_bar_on_a_terminal_only(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    import sys

    monkeypatch.setattr("complaintflow.progress.WORTH_SHOWING_BYTES", 1)  # the seed year is small
    url = f"sqlite:{tmp_path / 'store.db'}"
    status, _, err = run(capsys, "import", SEED, "--store", url, "--procedure", CORPORATE, "--dry-run")
    assert status == 0 and "Storing events" not in err  # standard error is not a terminal
    monkeypatch.setattr(sys.stderr, "isatty", lambda: True)
    status, _, err = run(capsys, "import", SEED, "--store", url, "--procedure", CORPORATE)
    assert status == 0 and "Storing events [" in err and "100%" in err


def event(kind: str, case_id: str, on: str, **fields: object) -> dict[str, object]:
    return {"type": kind, "case_id": case_id, "on": on, **fields}


def received(case_id: str, on: str) -> dict[str, object]:
    return event("ComplaintReceived", case_id, on, procedure="children-2006")


def stored(tmp_path: Path, *cases: list[dict[str, object]]) -> str:
    """A new store holding the cases' events; its URL."""
    url = f"sqlite:{tmp_path / 'store.db'}"
    with cf.open_store(url) as opened:
        for events in cases:
            opened.append(str(events[0]["case_id"]), events)
    return url


def test_purge_says_what_would_go_then_removes_it(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    url = stored(
        tmp_path,
        [
            received("OLD", "2015-04-01"),
            event("Responded", "OLD", "2015-04-10", stage=1, outcome="upheld"),
        ],
        [received("OPEN", "2015-04-01")],
    )
    status, said, err = run(capsys, "store", "purge", "--store", url, "--as-of", "2022-06-01", "--dry-run")
    assert (status, err) == (0, "")
    assert said.splitlines() == [
        "would purge OLD (children-2006): ended 2015-05-12, kept until 2021-05-12",
        "would purge 1 case; kept 1 case (1 open)",
    ]
    status, said, _ = run(capsys, "store", "purge", "--store", url, "--as-of", "2022-06-01", "--by", "IG-1")
    assert status == 0 and said.splitlines()[-1] == "purged 1 case; kept 1 case (1 open)"
    with cf.open_store(url) as opened:
        assert opened.cases() == ["OPEN"]
        assert opened.tombstones()[0].purged_by == "IG-1"
    status, said, _ = run(capsys, "store", "check", "--store", url)
    assert status == 0 and "0 differences" in said


def test_purge_needs_its_day(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    status, _, err = run(
        capsys, "store", "purge", "--store", f"sqlite:{tmp_path / 's.db'}", "--as-of", "2022-13-01"
    )
    assert status != 0 and "2022-13-01" in err and "Traceback" not in err


def test_subject_access_writes_a_page_or_json(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    url = stored(
        tmp_path,
        [
            received("S-1", "2024-04-02"),
            event("Deferred", "S-1", "2024-04-03", reason="a & b <i>"),
        ],
    )
    status, said, _ = run(capsys, "store", "subject-access", "S-1", "--store", url, "--format", "json")
    assert status == 0
    assert [stored["event"]["type"] for stored in json.loads(said)["events"]] == [
        "ComplaintReceived",
        "Deferred",
    ]
    page = tmp_path / "s-1.html"
    status, said, _ = run(capsys, "store", "subject-access", "S-1", "--store", url, "--output", page)
    assert status == 0 and "a &amp; b &lt;i&gt;" in page.read_text(encoding="utf-8")
    status, _, err = run(capsys, "store", "subject-access", "NONE", "--store", url)
    assert status != 0 and "no events are stored for this case" in err and "Traceback" not in err


def test_redact_rewrites_personal_fields_and_refuses_what_is_not_personal(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    url = stored(
        tmp_path,
        [
            {**received("R-1", "2024-04-02"), "service_user": {"ethnicity": "White British"}},
            event("Deferred", "R-1", "2024-04-03", reason="the family is in hospital"),
        ],
    )
    request = ("--reason", "asked by the complainant", "--by", "DPO-1", "--store", url)
    status, said, err = run(
        capsys, "store", "redact", "R-1", "--field", "reason", "--field", "service_user", *request
    )
    assert (status, err) == (0, "")
    assert said.strip() == "redacted reason, service_user in every event of R-1 (version 3)"
    with cf.open_store(url) as opened:
        assert opened.events("R-1")[1].reason == "[redacted]"
        before = [e.model_dump() for e in opened.events("R-1")]
    for refused, why in (("outcome", "not a personal field"), ("on", "never changes a date")):
        status, said, err = run(capsys, "store", "redact", "R-1", "--field", refused, *request)
        assert status != 0 and why in err and "Traceback" not in err and said == ""
    with cf.open_store(url) as opened:
        assert [e.model_dump() for e in opened.events("R-1")] == before
    status, _, err = run(capsys, "store", "redact", "NONE", "--field", "reason", *request)
    assert status != 0 and "no events are stored for this case" in err


def test_erase_removes_a_closed_case_and_refuses_an_open_held_or_referred_one(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    def closed(case_id: str, *more: dict[str, object]) -> list[dict[str, object]]:
        return [
            received(case_id, "2024-04-02"),
            event("Responded", case_id, "2024-04-10", stage=1, outcome="upheld"),
            *more,
        ]

    url = stored(
        tmp_path,
        closed("E-1"),
        [received("OPEN", "2024-04-02")],
        closed("HELD", event("LegalHoldPlaced", "HELD", "2024-05-01", reason="claim")),
        closed("REF", event("OmbudsmanReferred", "REF", "2024-06-03")),
    )
    request = ("--reason", "DSAR-2025-17", "--by", "DPO-1", "--as-of", "2025-01-06", "--store", url)
    for case_id, why in (
        ("OPEN", "not erased, open"),
        ("HELD", "not erased, on legal hold"),
        ("REF", "not erased, an Ombudsman referral not yet decided"),
    ):
        status, said, err = run(capsys, "store", "erase", case_id, *request)
        assert status != 0 and why in err and "Traceback" not in err and said == ""
    status, said, err = run(capsys, "store", "erase", "E-1", *request)
    assert status == 0 and said.startswith("erased E-1: 2 events; tombstone ")
    with cf.open_store(url) as opened:
        assert sorted(opened.cases()) == ["HELD", "OPEN", "REF"]
        (stone,) = opened.tombstones()
        assert (stone.reason, stone.rule, stone.purged_by) == (
            "erasure",
            "erased on request (DSAR-2025-17)",
            "DPO-1",
        )
    status, said, _ = run(capsys, "store", "check", "--store", url)
    assert status == 0 and "0 differences" in said


def test_a_frozen_report_stays_as_published_after_a_purge(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    url = stored(
        tmp_path,
        [received("OLD", "2015-04-01"), event("Responded", "OLD", "2015-04-10", stage=1, outcome="upheld")],
    )
    status, _, err = run(capsys, "report", "--store", url, "--year", "2015", "--raw", "--freeze")
    assert status == 2 and "--freeze" in err
    status, first, err = run(
        capsys, "report", "--store", url, "--year", "2015", "--format", "json", "--freeze"
    )
    assert status == 0 and "froze the report of children-2006 for 2015-16" in err
    run(capsys, "store", "purge", "--store", url, "--as-of", "2022-06-01")
    status, again, err = run(capsys, "report", "--store", url, "--year", "2015", "--format", "json")
    assert status == 0 and again == first and "is the report frozen on" in err
    assert json.loads(again)["counts"]["stage1"] is None  # one complaint: withheld, as published
    status, raw, _ = run(capsys, "report", "--store", url, "--year", "2015", "--format", "json", "--raw")
    assert json.loads(raw)["counts"]["stage1"] == 1
    status, page, _ = run(capsys, "report", "--store", url, "--year", "2015")
    assert "Frozen on " in page
