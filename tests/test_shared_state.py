"""Nothing a case or a procedure shares can be changed through another; threads apply one event at
a time per case; copies, deep copies and pickles are independent and equal."""

from __future__ import annotations

import contextlib
import copy
import pickle
import sys
import threading
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest

import complaintflow as cf
from complaintflow import _machine
from complaintflow.limits import MAX_CACHED_MACHINES

RECEIVED = {
    "type": "ComplaintReceived",
    "case_id": "C-1",
    "on": "2024-04-02",
    "procedure": "children-2006",
    "categories": ["quality"],
}
RESPONDED = {"type": "Responded", "case_id": "C-1", "on": "2024-04-10", "stage": 1, "outcome": "upheld"}


def test_an_event_cannot_be_changed_through_its_lists() -> None:
    case = cf.Case.replay([RECEIVED])
    received = case.events[0]
    assert isinstance(received, cf.events.ComplaintReceived)
    with pytest.raises(AttributeError):
        received.categories.append("x")  # type: ignore[attr-defined]
    assert case.events[0].categories == ("quality",)  # type: ignore[attr-defined]


def test_a_built_in_procedure_cannot_be_changed_for_every_later_case() -> None:
    case = cf.Case.replay([RECEIVED])
    assert case.procedure is not None
    with pytest.raises(TypeError):
        case.procedure.choices["extension_after_due"] = "allow"  # type: ignore[index]
    with pytest.raises(TypeError):
        case.procedure.deadlines["stage1_response"].met_by[0].when["stage"] = 2  # type: ignore[index]
    assert cf.load_procedure("children-2006").policy("extension_after_due") == "refuse"


def test_the_machine_cache_is_bounded() -> None:
    base = cf.load_procedure("children-2006")
    for index in range(MAX_CACHED_MACHINES + 40):
        _machine.graph_for(base.with_choices(stage2_clock_start="statement_agreed").model_copy())
        assert len(_machine._GRAPHS) <= MAX_CACHED_MACHINES, index


@pytest.mark.parametrize(
    "duplicate", [copy.copy, copy.deepcopy, lambda case: pickle.loads(pickle.dumps(case))]
)
def test_copies_are_equal_and_independent(duplicate: object) -> None:
    original = cf.Case.replay([RECEIVED])
    twin = duplicate(original)  # type: ignore[operator]
    assert twin == original and twin is not original
    twin.apply(RESPONDED)
    assert twin != original
    assert [event.type for event in original.events] == ["ComplaintReceived"]
    assert original.view(as_of=date(2024, 4, 11)).state == "stage1"
    advocacy = {"type": "AdvocacyArranged", "case_id": "C-1", "on": "2024-04-11", "event_id": "E-1"}
    original.apply(advocacy)
    assert twin.apply({**advocacy, "provider": "another"})  # the tables of event ids are not shared


def test_a_case_with_a_definition_of_its_own_pickles_equal(tmp_path: Path) -> None:
    path = tmp_path / "local.toml"
    path.write_text('extends = "children-2006"\nname = "local-children"\n', encoding="utf-8")
    procedure = cf.load_procedure(path)
    case = cf.Case.replay(
        [{**RECEIVED, "procedure": "local-children"}], procedures={"local-children": procedure}
    )
    assert pickle.loads(pickle.dumps(case)) == case


def test_a_procedure_given_under_another_name_is_refused() -> None:
    with pytest.raises(cf.ProcedureDefinitionError):
        cf.Case(procedures={"children-2006": cf.load_procedure("adults-2009")})


ENDINGS = [
    {"type": "Responded", "case_id": "C-1", "on": "2024-04-10", "stage": 1, "outcome": "upheld"},
    {"type": "Withdrawn", "case_id": "C-1", "on": "2024-04-10"},
    {"type": "ComplaintDeclined", "case_id": "C-1", "on": "2024-04-10", "reason": "other"},
    {"type": "Withdrawn", "case_id": "C-1", "on": "2024-04-10", "event_id": "SAME"},
    {"type": "Withdrawn", "case_id": "C-1", "on": "2024-04-10", "event_id": "SAME", "reason": "other text"},
    {
        "type": "Responded",
        "case_id": "C-1",
        "on": "2024-04-10",
        "stage": 1,
        "outcome": "upheld",
        "event_id": "SAME",
    },
    {"type": "AdvocacyArranged", "case_id": "C-1", "on": "2024-04-10"},
    {
        "type": "DeadlineExtended",
        "case_id": "C-1",
        "on": "2024-04-10",
        "stage": 1,
        "total_working_days": 20,
        "reason": "complex",
    },
]


@pytest.fixture
def eager_thread_switching() -> Iterator[None]:
    """Switch threads as often as the interpreter can, so that a race shows within the trials."""
    interval = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)
    yield
    sys.setswitchinterval(interval)


@pytest.mark.usefixtures("eager_thread_switching")
def test_eight_threads_applying_conflicting_events_leave_a_case_its_own_events_replay_to() -> None:
    for trial in range(1_000):
        case = cf.Case.replay([RECEIVED])
        start = threading.Barrier(len(ENDINGS))

        def send(event: dict[str, object], case: cf.Case = case, start: threading.Barrier = start) -> None:
            start.wait()
            with contextlib.suppress(cf.ComplaintflowError):
                case.apply(event)

        threads = [threading.Thread(target=send, args=(event,)) for event in ENDINGS]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert cf.Case.replay(case.events) == case, trial
        endings = [event.type for event in case.events if event.type in ("Withdrawn", "ComplaintDeclined")]
        assert len(endings) <= 1, (trial, endings)  # each ends the case: no event may follow it
        ids = [event for event in case.events if event.event_id == "SAME"]
        assert len(ids) <= 1, trial
