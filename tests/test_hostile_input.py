"""Hostile input, as an attacker would send it: every refusal is a short ComplaintflowError that
repeats no payload text, and leaves the case exactly as it was (tests/hostile/*.toml)."""

from __future__ import annotations

import json
import tomllib
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from cli_runner import run
from hypothesis import given
from hypothesis import strategies as st

import complaintflow as cf
from complaintflow.limits import MAX_MESSAGE_CHARS, MAX_PROCEDURE_BYTES, MAX_STATES

HOSTILE = Path(__file__).parent / "hostile"
RECEIVED = {"type": "ComplaintReceived", "case_id": "C-1", "on": "2024-04-02", "procedure": "children-2006"}
AS_OF = date(2024, 4, 10)
PLACEHOLDERS = {
    "<DEEP>": "[" * 993 + "]" * 993,
    "<HUGE>": "x" * 10_000_000,
    "<BIG>": "1" + "0" * 5000,
    "<LONG>": "x" * 60_000,
}


def _load(filename: str, table: str, keys: set[str]) -> list[Any]:
    with (HOSTILE / filename).open("rb") as handle:
        entries = tomllib.load(handle)[table]
    for entry in entries:
        assert set(entry) <= keys | {"name"}, f"{filename}: unknown keys {set(entry) - keys}"
        assert entry["name"].endswith("."), f"{filename}: name each input in a full sentence"
    return [pytest.param(entry, id=entry["name"]) for entry in entries]


def _payload(entry: dict[str, Any]) -> object:
    if "json" in entry:
        text: str = entry["json"]
        for marker, value in PLACEHOLDERS.items():
            text = text.replace(marker, value)
        return text
    return {
        key: value.isoformat() if isinstance(value, date) else value for key, value in entry["event"].items()
    }


def _snapshot(case: cf.Case) -> tuple[object, ...]:
    return (case.case_id, case.events, case.clocks(), case.state, case.view(as_of=AS_OF).model_dump_json())


def _check_message(error: BaseException, entry: dict[str, Any]) -> None:
    message = str(error)
    assert isinstance(error, cf.ComplaintflowError)
    assert 0 < len(message) <= MAX_MESSAGE_CHARS
    assert "\n" not in message
    assert "xxxxxxxxxx" not in message
    if "secret" in entry:
        assert entry["secret"] not in message


EVENTS = _load("events.toml", "input", {"event", "json", "field", "fresh", "secret"})


@pytest.mark.parametrize("entry", EVENTS)
def test_a_hostile_event_is_refused_and_changes_nothing(entry: dict[str, Any]) -> None:
    case = cf.Case() if entry.get("fresh") else cf.Case.replay([RECEIVED])
    before = _snapshot(case)
    with pytest.raises(cf.ComplaintflowError) as refused:
        case.apply(_payload(entry))
    _check_message(refused.value, entry)
    if "field" in entry:
        assert isinstance(refused.value, cf.InvalidEvent)
        assert refused.value.field is not None and refused.value.field.split(".")[-1] == entry["field"]
    assert _snapshot(case) == before


@pytest.mark.parametrize("entry", EVENTS)
def test_a_hostile_event_in_a_log_gets_one_line_from_the_command_line(
    entry: dict[str, Any], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    payload = _payload(entry)
    line = payload if isinstance(payload, str) else json.dumps(payload)
    log = tmp_path / "log.jsonl"
    log.write_text("" if entry.get("fresh") else json.dumps(RECEIVED) + "\n", encoding="utf-8")
    with log.open("a", encoding="utf-8") as handle:
        handle.write(line + "\n")
    for command in ("case", "due"):
        status, out, err = run(capsys, command, log, "--as-of", "2024-04-10")
        assert status == 2 and out == ""
        assert err.count("\n") == 1 and "Traceback" not in err
        assert len(err) <= MAX_MESSAGE_CHARS + 40
        assert "xxxxxxxxxx" not in err
        if "secret" in entry:
            assert entry["secret"] not in err


def _write_definition(entry: dict[str, Any], folder: Path) -> Path:
    path = folder / entry["file"]
    if "hex" in entry:
        path.write_bytes(bytes.fromhex(entry["hex"]))
        return path
    text: str = entry["text"]
    text = text.replace("<DEEP>", "[" * 5000 + "]" * 5000)
    text = text.replace("<LARGE>", "# padding\n" * (MAX_PROCEDURE_BYTES // 10 + 1))
    states = "".join(f'[states.s{i}]\ndescription = "x"\n' for i in range(MAX_STATES + 1))
    text = text.replace("<STATES>", f'extends = "children-2006"\nname = "states"\n{states}')
    many = "".join(f'[states.s{i}]\ndescription = "x"\n' for i in range(MAX_STATES - 20))
    stars = '[[transitions]]\nevent = "OmbudsmanReferred"\nfrom = ["*"]\n' * 150
    text = text.replace("<EDGES>", f'extends = "children-2006"\nname = "edges"\n{many}{stars}')
    path.write_text(text, encoding="utf-8")
    return path


DEFINITIONS = _load("procedures.toml", "definition", {"file", "text", "hex", "key", "secret"})


@pytest.mark.parametrize("entry", DEFINITIONS)
def test_a_hostile_definition_is_refused_naming_the_file(entry: dict[str, Any], tmp_path: Path) -> None:
    path = _write_definition(entry, tmp_path)
    with pytest.raises(cf.ProcedureDefinitionError) as refused:
        cf.load_procedure(path)
    _check_message(refused.value, entry)
    assert refused.value.source == str(path)
    if "key" in entry:
        assert entry["key"] in str(refused.value)


@pytest.mark.parametrize("entry", DEFINITIONS)
def test_a_hostile_definition_gets_one_line_from_the_command_line(
    entry: dict[str, Any], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = _write_definition(entry, tmp_path)
    log = tmp_path / "log.jsonl"
    log.write_text(json.dumps(RECEIVED) + "\n", encoding="utf-8")
    for argv in (["procedure", "show", path], ["case", log, "--procedure", path]):
        status, out, err = run(capsys, *argv)
        assert status == 2 and out == ""
        assert err.count("\n") == 1 and "Traceback" not in err


def test_an_event_cannot_load_a_definition_file_even_one_that_claims_a_built_in_name(tmp_path: Path) -> None:
    source = cf.load_procedure("children-2006").model_dump(mode="json", by_alias=True)
    source["deadlines"]["stage1_response"]["length"] = 1
    evil = tmp_path / "evil.json"
    evil.write_text(json.dumps(source), encoding="utf-8")
    for name in (str(evil), "evil.json", evil.as_uri()):
        with pytest.raises(cf.InvalidEvent) as refused:
            cf.Case.replay([{**RECEIVED, "procedure": name}])
        assert refused.value.field == "procedure"
    assert cf.Case.replay([RECEIVED]).view(as_of=AS_OF).deadlines[0].due == date(2024, 4, 16)


@given(
    st.recursive(
        st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=50),
        lambda children: (
            st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=10), children, max_size=4)
        ),
        max_leaves=40,
    ),
    st.sampled_from(["reason", "categories", "service_user", "points", "stage", "on", "type", "extra"]),
    st.integers(min_value=0, max_value=3000),
)
def test_nested_and_huge_values_never_raise_anything_but_complaintflow_errors(
    value: object, field: str, depth: int
) -> None:
    nested: object = value
    for _ in range(depth % 200):
        nested = [nested]
    for event in (
        {"type": "Responded", "case_id": "C-1", "on": "2024-04-03", "stage": 1, field: nested},
        json.dumps({"type": "Responded", "case_id": "C-1", "on": "2024-04-03", "stage": 1, field: nested}),
        "[" * depth + "]" * depth,
        '{"type": "Withdrawn", "case_id": "C-1", "on": "2024-04-03", "reason": "' + "é" * depth * 30 + '"}',
    ):
        case = cf.Case.replay([RECEIVED])
        before = _snapshot(case)
        try:
            case.apply(event)
        except cf.ComplaintflowError as error:
            assert len(str(error)) <= MAX_MESSAGE_CHARS
            assert _snapshot(case) == before
