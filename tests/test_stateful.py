"""Each procedure as a stateful test: random valid and invalid events against one case."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from hypothesis import assume, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, precondition, rule

from complaintflow import Case, ComplaintflowError, InvalidEvent, Procedure, load_procedure
from complaintflow.case import BEFORE_PROCEDURE
from complaintflow.events import event_to_json
from complaintflow.testing import malformed_events, next_events, refused_events

ROOT = Path(__file__).parents[1]
PROCEDURES = {
    "children-2006": load_procedure("children-2006"),
    "corporate": load_procedure(ROOT / "examples" / "corporate-procedure.toml"),
    "housing-2024": load_procedure("housing-2024"),
    "lgsco-2026": load_procedure("lgsco-2026"),
    "spso-2021": load_procedure("spso-2021"),
    "adults-2009": load_procedure("adults-2009"),
}


def case_machine(procedure: Procedure) -> type[RuleBasedStateMachine]:
    registry = {procedure.name: procedure}

    class CaseMachine(RuleBasedStateMachine):
        def __init__(self) -> None:
            super().__init__()
            self.case = Case(procedures=registry)
            self.applied: list[dict[str, Any]] = []
            self.dues: dict[str, date] = {}

        def snapshot(self) -> tuple[object, ...]:
            last = self.last_on()
            return (self.case.events, self.case.state, self.case.view(as_of=last), self.case.case_id)

        def last_on(self) -> date:
            return self.case.events[-1].on if self.case.events else date(2020, 1, 1)

        @rule(data=st.data())
        def apply_a_valid_event(self, data: st.DataObject) -> None:
            event = data.draw(next_events(self.case, procedure))
            assume(event is not None)
            assert event is not None
            event["event_id"] = f"E-{len(self.applied) + 1}"
            self.case.apply(event)
            self.applied.append(event)

        @rule(data=st.data())
        def refuse_a_malformed_event(self, data: st.DataObject) -> None:
            event, field = data.draw(malformed_events())
            before = self.snapshot()
            with pytest.raises(InvalidEvent) as refused:
                self.case.apply(event)
            assert refused.value.field is not None
            assert refused.value.field.split(".")[0] == field
            assert self.snapshot() == before

        @rule(data=st.data())
        def refuse_an_event_not_allowed_now(self, data: st.DataObject) -> None:
            event = data.draw(refused_events(self.case, procedure))
            before = self.snapshot()
            with pytest.raises(ComplaintflowError):
                self.case.apply(event)
            assert self.snapshot() == before

        @precondition(lambda self: bool(self.case.events))
        @rule(days_back=st.integers(1, 60))
        def enter_an_event_late(self, days_back: int) -> None:
            """A late entry gives exactly the replay in date order, or is refused and changes nothing."""
            on = self.last_on() - timedelta(days=days_back)
            event = {
                "type": "CompensationOffered",
                "case_id": "C-1",
                "on": on.isoformat(),
                "amount_pence": 100,
                "event_id": f"E-{len(self.applied) + 1}",
            }
            before = self.snapshot()
            try:
                self.case.apply(event)
            except ComplaintflowError as refused:
                if self.case.procedure is not None and on < self.case.events[0].on:
                    assert isinstance(refused, InvalidEvent) and refused.field == "on"
                assert self.snapshot() == before
                return
            self.applied.append(event)
            in_date_order = sorted(self.applied, key=lambda applied: str(applied["on"]))
            assert Case.replay(in_date_order, procedures=registry) == self.case
            assert self.case.view(as_of=self.last_on()).entered_late[-1].on == on

        @precondition(lambda self: bool(self.applied))
        @rule()
        def resending_an_event_changes_nothing(self) -> None:
            before = self.snapshot()
            self.case.apply(self.applied[-1])
            assert self.snapshot() == before

        @precondition(lambda self: bool(self.applied))
        @rule()
        def reusing_an_event_id_for_another_event_is_refused(self) -> None:
            reused = {**self.applied[-1], "by": "OFFICER-99"}
            before = self.snapshot()
            with pytest.raises(InvalidEvent) as refused:
                self.case.apply(reused)
            assert refused.value.field == "event_id"
            assert self.snapshot() == before

        @invariant()
        def the_case_is_in_exactly_one_known_state(self) -> None:
            known = set(procedure.states) | set(BEFORE_PROCEDURE)
            assert isinstance(self.case.state, str) and self.case.state in known

        @invariant()
        def replaying_the_applied_events_gives_an_equal_case(self) -> None:
            assert Case.replay(self.applied, procedures=registry) == self.case

        @invariant()
        def a_json_round_trip_of_every_event_gives_an_equal_case(self) -> None:
            lines = [event_to_json(event) for event in self.case.events]
            assert Case.replay(lines, procedures=registry) == self.case

        @invariant()
        def a_due_date_never_moves_earlier(self) -> None:
            for deadline in self.case.view(as_of=self.last_on()).deadlines:
                if deadline.due is None or deadline.provisional:  # an estimate until it starts
                    self.dues.pop(deadline.name, None)
                    continue
                assert deadline.due >= self.dues.get(deadline.name, deadline.due), deadline.name
                self.dues[deadline.name] = deadline.due

    CaseMachine.TestCase.settings = settings(max_examples=60, stateful_step_count=25, deadline=None)
    return CaseMachine


TestChildren2006 = case_machine(PROCEDURES["children-2006"]).TestCase
TestCorporate = case_machine(PROCEDURES["corporate"]).TestCase
TestHousing2024 = case_machine(PROCEDURES["housing-2024"]).TestCase
TestLgsco2026 = case_machine(PROCEDURES["lgsco-2026"]).TestCase
TestSpso2021 = case_machine(PROCEDURES["spso-2021"]).TestCase
TestAdults2009 = case_machine(PROCEDURES["adults-2009"]).TestCase
