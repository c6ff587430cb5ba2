"""Corrections: an event voided counts nowhere, and the case is the one it would have been without it."""

from __future__ import annotations

from datetime import date
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

import complaintflow as cf
from complaintflow.report import annual_report
from complaintflow.testing import event_sequences

CHILDREN = cf.load_procedure("children-2006")
LATER = date(2030, 1, 1)


def _with_ids(events: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [{**event, "event_id": f"E-{number}"} for number, event in enumerate(events)]


def _void(event: dict[str, Any], on: str) -> dict[str, Any]:
    return {
        "type": "EventVoided",
        "case_id": event["case_id"],
        "on": on,
        "voids": event["event_id"],
        "reason": "entered in error",
        "event_id": f"V-{event['event_id']}",
    }


@settings(max_examples=60, deadline=None)
@given(data=st.data())
def test_a_void_leaves_the_case_as_if_the_event_had_never_been_recorded(data: st.DataObject) -> None:
    events = _with_ids(data.draw(event_sequences(CHILDREN, max_events=8)))
    chosen = data.draw(st.integers(0, len(events) - 1))
    void = _void(events[chosen], events[-1]["on"])
    without = events[:chosen] + events[chosen + 1 :]
    try:
        expected = cf.Case.replay(without)
    except cf.ComplaintflowError:
        try:
            cf.Case.replay([*events, void])
        except cf.InvalidEvent as refused:
            assert refused.field == "voids"  # refused, because the case would not replay without it
            return
        raise AssertionError("a void the case cannot replay without was accepted") from None
    corrected = cf.Case.replay([*events, void])
    assert corrected.counted_events == (*expected.events, cf.parse_event(void))
    assert len(corrected.events) == len(events) + 1  # the voided event stays in the record
    seen = corrected.view(as_of=LATER)
    if not without:  # its only event voided: a case with nothing that counts
        assert (seen.state, seen.open, seen.procedure) == ("new", False, None)
        return
    assert seen.model_copy(update={"voided": []}) == expected.view(as_of=LATER)
    assert [voided.event_id for voided in seen.voided] == [events[chosen]["event_id"]]
    report = annual_report([*events, void], 2024)
    assert report.model_copy(update={"events_voided": 0}) == annual_report(without, 2024)


def test_a_void_that_names_nothing_of_the_case_or_a_void_is_refused() -> None:
    received, responded = _with_ids(
        [
            {"type": "ComplaintReceived", "case_id": "C-1", "on": "2024-04-02", "procedure": "children-2006"},
            {"type": "Responded", "case_id": "C-1", "on": "2024-04-10", "stage": 1, "outcome": "upheld"},
        ]
    )
    case = cf.Case.replay([received, responded, _void(responded, "2024-04-11")])
    for voids, words in (("NOWHERE", "no event of this case"), ("V-E-1", "a void cannot be voided")):
        before = case.view(as_of=LATER)
        try:
            case.apply({**_void(responded, "2024-04-12"), "voids": voids, "event_id": "X"})
        except cf.InvalidEvent as refused:
            assert refused.field == "voids" and words in str(refused)
        else:
            raise AssertionError(f"{voids} was voided")
        assert case.view(as_of=LATER) == before


def test_a_report_from_a_log_with_a_void_counts_the_corrected_case_and_the_void() -> None:
    received, wrong = _with_ids(
        [
            {"type": "ComplaintReceived", "case_id": "C-1", "on": "2024-04-02", "procedure": "children-2006"},
            {"type": "Responded", "case_id": "C-1", "on": "2024-05-20", "stage": 1, "outcome": "upheld"},
        ]
    )
    right = {**wrong, "on": "2024-04-12", "event_id": "E-right"}
    report = annual_report([received, wrong, _void(wrong, "2024-05-21"), right], 2024)
    assert (report.stage1_timeliness_total.responded, report.stage1_timeliness_total.in_time) == (1, 1)
    assert report.events_voided == 1
