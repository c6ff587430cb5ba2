"""Procedure definitions: strict loading, the built-in children-2006, the schema and the diagram."""

from __future__ import annotations

import json
import tomllib
from datetime import date
from pathlib import Path
from typing import Any

import pytest

import complaintflow as cf
from complaintflow._machine import graph_for, mermaid
from complaintflow.procedure import BUILT_IN, built_in_names, procedure_json_schema

ROOT = Path(__file__).parents[1]
CHILDREN_TOML = tomllib.loads((BUILT_IN / "children-2006.toml").read_text(encoding="utf-8"))
CORPORATE = ROOT / "examples" / "corporate-procedure.toml"


def write(tmp_path: Path, data: dict[str, Any], name: str = "broken.json") -> Path:
    path = tmp_path / name
    path.write_text(json.dumps(data, default=str), encoding="utf-8")
    return path


def broken(**changes: Any) -> dict[str, Any]:
    return {**json.loads(json.dumps(CHILDREN_TOML, default=str)), **changes}


def test_children_2006_has_all_eight_deadlines_with_their_sources() -> None:
    procedure = cf.load_procedure("children-2006")
    expected = {
        "representations_time_limit": (12, "calendar_months", None, "reg 9; GBC 3.3.1"),
        "stage1_response": (10, "working_days", 20, "reg 14"),
        "stage2_request_window": (20, "working_days", None, "reg 15(2)"),
        "stage2_response": (25, "working_days", 65, "reg 17"),
        "stage3_request_window": (20, "working_days", None, "reg 18"),
        "panel_meeting": (30, "working_days", None, "reg 19(4)"),
        "panel_recommendations": (5, "working_days", None, "reg 20"),
        "stage3_response": (15, "working_days", None, "reg 20(3)"),
    }
    actual = {
        name: (d.length, d.unit, d.extendable_to, d.source.provision)
        for name, d in procedure.deadlines.items()
    }
    assert actual == expected


@pytest.mark.parametrize("name", [*built_in_names(), str(CORPORATE)])
def test_every_deadline_cites_a_source_and_a_start_date(name: str) -> None:
    procedure = cf.load_procedure(name)
    for deadline in procedure.deadlines.values():
        assert deadline.source.instrument and deadline.source.provision
        assert deadline.applies_from >= procedure.applies_from
        assert deadline.description.endswith(".")
    for policy in procedure.policies.values():
        assert policy.description.endswith(".")


def test_the_corporate_example_marks_its_local_choices() -> None:
    procedure = cf.load_procedure(CORPORATE)
    local = {name for name, d in procedure.deadlines.items() if d.source.local_choice}
    assert local == {"stage2_request_window", "stage2_response", "stage3_request_window", "stage3_response"}
    assert procedure.deadlines["stage1_response"].extendable_to == 20  # seed 16.4, not a local choice


def test_a_procedure_loads_from_json_as_well_as_toml(tmp_path: Path) -> None:
    path = write(tmp_path, broken(), "children.json")
    assert cf.load_procedure(path) == cf.load_procedure("children-2006")


@pytest.mark.parametrize(
    ("change", "key", "message"),
    [
        ({"nickname": "x"}, "nickname", "unknown key"),
        (
            {
                "deadlines": {
                    **CHILDREN_TOML["deadlines"],
                    "stage1_response": {**CHILDREN_TOML["deadlines"]["stage1_response"], "typo_length": 10},
                }
            },
            "deadlines.stage1_response.typo_length",
            "unknown key",
        ),
        (
            {
                "deadlines": {
                    "stage1_response": {
                        k: v
                        for k, v in CHILDREN_TOML["deadlines"]["stage1_response"].items()
                        if k != "source"
                    }
                }
            },
            "deadlines.stage1_response.source",
            "Field required",
        ),
        (
            {
                "deadlines": {
                    "stage1_response": {**CHILDREN_TOML["deadlines"]["stage1_response"], "extendable_to": 5}
                }
            },
            "deadlines.stage1_response",
            "extendable_to 5 is below the base length 10",
        ),
        (
            {"states": {**CHILDREN_TOML["states"], "limbo": {"description": "Nowhere."}}},
            None,
            "unreachable states: limbo",
        ),
        (
            {
                "transitions": [
                    *CHILDREN_TOML["transitions"],
                    {"event": "Withdrawn", "from": ["closed"], "to": "stage1"},
                ]
            },
            None,
            "leaves final state 'closed'",
        ),
        (
            {
                "transitions": [
                    *CHILDREN_TOML["transitions"],
                    {"event": "ComplaintEscalated", "from": ["stage1"], "to": "stage2"},
                ]
            },
            None,
            "unknown event type 'ComplaintEscalated'",
        ),
        (
            {
                "policies": {
                    **CHILDREN_TOML["policies"],
                    "coffee_breaks": {"description": "x.", "choices": ["a", "b"], "default": "a"},
                }
            },
            None,
            "unknown policy",
        ),
        ({"rules": {"be_nice": CHILDREN_TOML["rules"]["deferral_stops_clocks"]}}, None, "unknown rule"),
    ],
)
def test_loading_refuses_a_broken_definition_naming_file_and_key(
    tmp_path: Path, change: dict[str, Any], key: str | None, message: str
) -> None:
    path = write(tmp_path, broken(**change))
    with pytest.raises(cf.ProcedureDefinitionError, match=message) as refused:
        cf.load_procedure(path)
    assert refused.value.source == str(path)
    assert str(path) in str(refused.value)
    if key is not None:
        assert refused.value.key == key


def test_an_unknown_procedure_lists_the_built_in_ones() -> None:
    with pytest.raises(cf.UnknownProcedure, match="children-2006"):
        cf.load_procedure("no-such-procedure")


def test_a_file_that_is_not_toml_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "bad.toml"
    path.write_text("name = [unclosed", encoding="utf-8")
    with pytest.raises(cf.ProcedureDefinitionError, match="not valid TOML"):
        cf.load_procedure(path)


def test_policy_choices_are_checked_and_defaults_documented() -> None:
    procedure = cf.load_procedure("children-2006")
    assert procedure.policy("stage2_clock_start") == "request_received"
    assert procedure.policy("mediation_pauses_clocks") == "no"
    assert procedure.policy("extension_after_due") == "refuse"
    assert procedure.policy("proclaimed_holidays") == "current"
    chosen = cf.load_procedure("children-2006", stage2_clock_start="statement_agreed")
    assert chosen.policy("stage2_clock_start") == "statement_agreed"
    with pytest.raises(cf.ProcedureDefinitionError, match="not one of"):
        cf.load_procedure("children-2006", stage2_clock_start="whenever")


def test_the_machine_never_offers_auto_transitions() -> None:
    graph = graph_for(cf.load_procedure("children-2006"))
    every_event = {
        event for state in cf.load_procedure("children-2006").states for event in graph.allowed(state)
    }
    assert every_event <= set(cf.EVENT_TYPES)
    assert not any(event.startswith("to_") for event in every_event)


def test_one_machine_is_shared_by_every_case() -> None:
    procedure = cf.load_procedure("children-2006")
    assert graph_for(procedure) is graph_for(cf.load_procedure("children-2006"))


def test_the_mermaid_diagram_shows_stages_and_lapses() -> None:
    diagram = mermaid(cf.load_procedure("children-2006"))
    assert diagram.splitlines()[0] == "---"
    assert "stateDiagram-v2" in diagram
    assert "stage1 --> stage1_responded: Responded" in diagram
    assert "stage1_responded --> stage1_lapsed: stage2_request_window runs out" in diagram


def test_the_published_schema_matches_the_models() -> None:
    published = json.loads((ROOT / "docs" / "procedure.schema.json").read_text(encoding="utf-8"))
    assert published == procedure_json_schema()
    assert "deadlines" in published["required"]


def test_the_diagram_in_the_docs_is_the_one_the_machine_draws() -> None:
    text = (ROOT / "docs" / "procedures.md").read_text(encoding="utf-8")
    block = text.split("```mermaid", 1)[1].split("```", 1)[0]
    documented = {line.strip() for line in block.splitlines() if "-->" in line}
    drawn = {
        line.strip() for line in mermaid(cf.load_procedure("children-2006")).splitlines() if "-->" in line
    }
    assert documented == drawn


@pytest.mark.parametrize(
    ("name", "provisions"),
    [
        ("housing-2024", ("para 2.3", "para 6.2", "para 6.3", "para 6.11", "para 6.15")),
        ("lgsco-2026", ("para 2.2", "para 6.2", "para 6.3", "stage 2", "stage 2")),
    ],
)
def test_the_two_stage_codes_have_the_deadline_names_of_the_contract(
    name: str, provisions: tuple[str, ...]
) -> None:
    procedure = cf.load_procedure(name)
    expected = {
        "complaint_time_limit": (12, "calendar_months", None, "time_limit"),
        "stage1_acknowledgement": (5, "working_days", None, "acknowledgement"),
        "stage1_response": (10, "working_days", 20, "response"),
        "stage2_acknowledgement": (5, "working_days", None, "acknowledgement"),
        "stage2_response": (20, "working_days", 40, "response"),
    }
    actual = {n: (d.length, d.unit, d.extendable_to, d.kind) for n, d in procedure.deadlines.items()}
    assert actual == expected
    assert tuple(d.source.provision for d in procedure.deadlines.values()) == provisions
    assert {d.applies_from for d in procedure.deadlines.values()} == {procedure.applies_from}
    assert max(state.stage or 0 for state in procedure.states.values()) == 2  # exactly two stages


def test_only_the_housing_code_requires_a_different_person_at_stage_2() -> None:
    assert "stage2_by_different_person" in cf.load_procedure("housing-2024").rules
    assert "stage2_by_different_person" not in cf.load_procedure("lgsco-2026").rules


# -- a definition that extends another --------------------------------------------------------


def test_a_council_file_extending_a_built_in_changes_only_what_it_says(tmp_path: Path) -> None:
    path = tmp_path / "our-children.toml"
    path.write_text(
        'extends = "children-2006"\nname = "our-children"\n'
        "[deadlines.stage1_response]\nextendable_to = 15\n"
        '[policies.mediation_pauses_clocks]\ndefault = "yes"\n',
        encoding="utf-8",
    )
    ours, base = cf.load_procedure(path), cf.load_procedure("children-2006")
    assert (ours.name, ours.extends) == ("our-children", "children-2006")
    assert ours.deadlines["stage1_response"].extendable_to == 15
    assert ours.deadlines["stage1_response"].source == base.deadlines["stage1_response"].source
    assert ours.policy("mediation_pauses_clocks") == "yes"
    assert (
        ours.policies["mediation_pauses_clocks"].choices == base.policies["mediation_pauses_clocks"].choices
    )
    assert ours.transitions == base.transitions and ours.states == base.states


def test_a_list_in_an_extending_file_replaces_the_base_list(tmp_path: Path) -> None:
    base = cf.load_procedure("lgsco-2026")
    kept = [t.model_dump(by_alias=True) for t in base.transitions if t.event != "MediationHeld"]
    path = write(tmp_path, {"extends": "lgsco-2026", "name": "fewer", "transitions": kept}, "fewer.json")
    assert {t.event for t in cf.load_procedure(path).transitions} == {t.event for t in base.transitions} - {
        "MediationHeld"
    }


def test_a_file_may_extend_another_file_beside_it(tmp_path: Path) -> None:
    (tmp_path / "base.toml").write_text(CORPORATE.read_text(encoding="utf-8"), encoding="utf-8")
    (tmp_path / "local.toml").write_text('extends = "base.toml"\nname = "local"\n', encoding="utf-8")
    assert cf.load_procedure(tmp_path / "local.toml").deadlines == cf.load_procedure(CORPORATE).deadlines


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('extends = "children-1989"', "must name a registered procedure"),
        ("extends = 2006", "must name a registered procedure"),
        ('extends = "/etc/passwd"', "must name a registered procedure"),
        ('extends = "../loop.toml"', "must name a registered procedure"),
        ('extends = "base.txt"', "must name a registered procedure"),
        ('extends = "loop.toml"', "extends this file again"),
    ],
)
def test_a_bad_extends_is_refused_naming_the_key(tmp_path: Path, text: str, message: str) -> None:
    path = tmp_path / "loop.toml"
    path.write_text(text + '\nname = "loop"\n', encoding="utf-8")
    with pytest.raises(cf.ProcedureDefinitionError, match=message) as refused:
        cf.load_procedure(path)
    assert refused.value.key == "extends"


def test_two_files_extending_each_other_are_refused(tmp_path: Path) -> None:
    (tmp_path / "a.toml").write_text('extends = "b.toml"\nname = "a"\n', encoding="utf-8")
    (tmp_path / "b.toml").write_text('extends = "a.toml"\nname = "b"\n', encoding="utf-8")
    with pytest.raises(cf.ProcedureDefinitionError, match="extends this file again"):
        cf.load_procedure(tmp_path / "a.toml")


def test_the_scottish_procedure_counts_scottish_working_days_and_has_no_cap_at_stage_2() -> None:
    spso = cf.load_procedure("spso-2021")
    assert spso.calendar == "scotland"
    actual = {n: (d.length, d.unit, d.extendable_to, d.extendable) for n, d in spso.deadlines.items()}
    assert actual == {
        "complaint_time_limit": (6, "calendar_months", None, False),
        "stage1_response": (5, "working_days", 10, True),
        "stage2_request_window": (2, "calendar_months", None, False),
        "stage2_acknowledgement": (3, "working_days", None, False),
        "stage2_response": (20, "working_days", None, True),
    }
    assert spso.deadlines["stage2_response"].extendable_without_cap


def test_a_deadline_with_a_cap_and_no_cap_is_refused(tmp_path: Path) -> None:
    data = broken()
    data["deadlines"]["stage1_response"]["extendable_without_cap"] = True
    with pytest.raises(cf.ProcedureDefinitionError, match="not both") as refused:
        cf.load_procedure(write(tmp_path, data))
    assert refused.value.key == "deadlines.stage1_response"


@pytest.mark.parametrize(
    ("deadline", "changes", "message"),
    [
        (
            "representations_time_limit",
            {"extendable_to": 14},
            "a cap in working days needs a deadline in working days",
        ),
        ("stage1_response", {"counts_start_day": True}, "counts_start_day is for calendar units"),
    ],
)
def test_a_deadline_mixing_units_is_refused(
    tmp_path: Path, deadline: str, changes: dict[str, Any], message: str
) -> None:
    data = broken()
    data["deadlines"][deadline].update(changes)
    with pytest.raises(cf.ProcedureDefinitionError, match=message) as refused:
        cf.load_procedure(write(tmp_path, data))
    assert refused.value.key == f"deadlines.{deadline}"


def test_the_adult_social_care_procedure_has_one_local_stage_and_a_six_month_limit() -> None:
    adults = cf.load_procedure("adults-2009")
    response = adults.deadlines["stage1_response"]
    assert (response.length, response.unit, response.counts_start_day) == (6, "calendar_months", True)
    assert response.extendable_without_cap and response.source.provision == "reg 14(4)(a)"
    assert adults.deadlines["stage1_acknowledgement"].length == 3
    assert {state.stage for state in adults.states.values()} == {None, 1}


@pytest.mark.parametrize("name", [*built_in_names(), str(CORPORATE)])
def test_every_definition_keeps_its_cases_for_a_cited_period(name: str) -> None:
    retention = cf.load_procedure(name).retention
    assert retention is not None
    assert retention.years == 6
    assert retention.source.local_choice  # no statute sets it: a policy the council may change
    assert retention.source.note is not None and "art 5(1)(e)" in retention.source.note


def test_a_council_sets_its_own_retention_in_its_definition(tmp_path: Path) -> None:
    path = tmp_path / "ours.toml"
    path.write_text(
        'extends = "children-2006"\nname = "ours"\n[retention]\nyears = 10\n'
        'description = "Our schedule."\n'
        'source = { instrument = "Our retention schedule", provision = "CS-12", confidence = "P", '
        "local_choice = true }\n",
        encoding="utf-8",
    )
    retention = cf.load_procedure(path).retention
    assert retention is not None and retention.years == 10
    assert retention.source.cite() == "Our retention schedule CS-12 [P, local choice]"


def test_retention_runs_whole_years_from_the_end_of_the_case() -> None:
    retention = cf.load_procedure("children-2006").retention
    assert retention is not None
    assert retention.keep_until(date(2018, 5, 31)) == date(2024, 5, 31)
    assert retention.keep_until(date(2020, 2, 29)) == date(2026, 2, 28)


def test_a_retention_of_no_years_is_refused(tmp_path: Path) -> None:
    data = broken(retention={"years": 0, "description": "x", "source": CHILDREN_TOML["source"]})
    with pytest.raises(cf.ProcedureDefinitionError, match="retention"):
        cf.load_procedure(write(tmp_path, data))


def test_the_citations_say_what_their_sources_say() -> None:
    """Each point an outside reading of the texts found wrong, put right and re-marked."""
    from complaintflow import load_procedure

    children = load_procedure("children-2006")
    referral = next(t for t in children.transitions if t.event == "OmbudsmanReferred")
    assert referral.source is not None and referral.source.provision == "s26(5)"
    assert referral.source.confidence == "S" and "12-month time limit" in (referral.source.note or "")
    spso = load_procedure("spso-2021")
    late = next(t for t in spso.transitions if t.event == "EscalationRequested" and t.requires)
    assert "exceptional circumstances" in (late.because or "")
    assert "exceptional circumstances" in spso.deadlines["complaint_time_limit"].description
    lgsco = load_procedure("lgsco-2026")
    assert lgsco.applies_from_source is not None and lgsco.applies_from_source.confidence == "S"
    assert "applies to complaints made" not in (lgsco.source.note or "")
