"""The store contract: one abstract test class that every store passes (SQLite, PostgreSQL, and any
store a council writes). A back end's test module subclasses it and says how to open a store."""

from __future__ import annotations

import itertools
import json
import os
import random
import signal
import subprocess
import sys
import textwrap
import threading
import time
from collections.abc import Callable, Iterator
from datetime import date, timedelta
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import event as note_outcome
from hypothesis import strategies as st
from privacy_contract import PrivacyContract
from users_contract import UsersContract
from webhook_receiver import receiving

import complaintflow as cf
from complaintflow.events import EventBase, event_to_json, register_upcaster
from complaintflow.notices import (
    NotifyResult,
    add_subscription,
    deliver_once,
    list_notices,
    list_subscriptions,
    notify,
    remove_subscription,
)
from complaintflow.notices.outbox import utc_now
from complaintflow.reminders import due_within
from complaintflow.report import (
    ReportSettings,
    annual_report,
    publication,
    publish,
    records_from_events,
    reports,
)
from complaintflow.store import EventStore
from complaintflow.testing import event_sequences, refused_events, sparse_year, with_teams

_EXAMPLES = itertools.count()
RECEIVED = {"type": "ComplaintReceived", "case_id": "A", "on": "2024-04-02", "procedure": "children-2006"}
RESPONDED = {"type": "Responded", "case_id": "A", "on": "2024-04-10", "stage": 1, "outcome": "upheld"}
ADVOCACY = {"type": "AdvocacyArranged", "case_id": "A", "on": "2024-04-11"}


def snapshot(store: EventStore) -> tuple[object, ...]:
    """Everything a store holds: the feed, the cases and both projections."""
    with store._reading() as db:
        tables = []
        for table in ("complaintflow_events", "complaintflow_cases", "complaintflow_deadlines"):
            db.execute(f"SELECT * FROM {table} ORDER BY 1, 2")
            tables.append([tuple(row) for row in db.fetchall()])
    return tuple(tables)


class StoreContract(PrivacyContract, UsersContract):
    """The behaviour every store must have. Subclasses define `store` and `url` fixtures."""

    @pytest.fixture
    def store(self) -> Iterator[EventStore]:  # pragma: no cover - each back end overrides it
        raise NotImplementedError

    # -- appending -----------------------------------------------------------------------------

    def test_an_append_returns_the_new_version(self, store: EventStore) -> None:
        assert store.version("A") == 0
        assert store.append("A", [RECEIVED], expected_version=0) == 1
        assert store.append("A", [RESPONDED, ADVOCACY], expected_version=1) == 3
        assert store.version("A") == 3
        assert [e.type for e in store.events("A")] == ["ComplaintReceived", "Responded", "AdvocacyArranged"]

    def test_a_stale_expected_version_raises_and_writes_nothing(self, store: EventStore) -> None:
        store.append("A", [RECEIVED])
        before = snapshot(store)
        with pytest.raises(cf.ConcurrencyError) as stale:
            store.append("A", [RESPONDED], expected_version=0)
        assert (stale.value.expected, stale.value.actual) == (0, 1)
        assert snapshot(store) == before

    def test_a_refused_event_writes_nothing_of_its_append(self, store: EventStore) -> None:
        store.append("A", [RECEIVED])
        before = snapshot(store)
        with pytest.raises(cf.TransitionNotAllowed):
            store.append("A", [RESPONDED, {**RESPONDED, "on": "2024-04-11"}])
        with pytest.raises(cf.InvalidEvent):
            store.append("A", [ADVOCACY, {**ADVOCACY, "case_id": "B"}])
        assert snapshot(store) == before

    def test_an_event_id_sent_again_is_a_no_op_and_one_reused_is_refused(self, store: EventStore) -> None:
        first = {**RECEIVED, "event_id": "E-1"}
        assert store.append("A", [first]) == 1
        assert store.append("A", [first]) == 1
        before = snapshot(store)
        with pytest.raises(cf.InvalidEvent) as reused:
            store.append("A", [{**first, "service_area": "Adults"}])
        assert reused.value.field == "event_id"
        with pytest.raises(cf.InvalidEvent):
            store.append("B", [{**first, "case_id": "B"}])
        assert snapshot(store) == before

    def test_every_stored_event_has_an_event_id(self, store: EventStore) -> None:
        store.append("A", [RECEIVED, RESPONDED])
        ids = [event.event_id for event in store.events("A")]
        assert all(ids) and len(set(ids)) == 2

    def test_a_late_entry_follows_the_engine_rule(self, store: EventStore) -> None:
        store.append("A", [RECEIVED, RESPONDED])
        store.append("A", [{**ADVOCACY, "on": "2024-04-05", "recorded_on": "2024-04-12"}])
        assert [e.on.day for e in store.events("A")] == [2, 5, 10]
        assert store.load("A").view(as_of=date(2024, 4, 12)).entered_late[0].on == date(2024, 4, 5)
        before = snapshot(store)
        with pytest.raises(cf.InvalidEvent, match="it would leave the Responded"):
            store.append("A", [{**RESPONDED, "on": "2024-04-08"}])
        assert snapshot(store) == before
        assert store.check() == []

    # -- reading -------------------------------------------------------------------------------

    def test_an_unknown_case_is_said_to_be_unknown(self, store: EventStore) -> None:
        with pytest.raises(cf.UnknownCase):
            store.load("NOBODY")

    def test_the_feed_lists_every_event_once_in_one_order_and_resumes(self, store: EventStore) -> None:
        store.append("A", [RECEIVED])
        store.append("B", [{**RECEIVED, "case_id": "B"}])
        store.append("A", [RESPONDED])
        feed = store.feed(after=0, limit=10)
        positions = [position for position, _ in feed]
        assert positions == sorted(positions) and len(set(positions)) == 3
        assert [(e.case_id, e.type) for _, e in feed] == [
            ("A", "ComplaintReceived"),
            ("B", "ComplaintReceived"),
            ("A", "Responded"),
        ]
        assert store.feed(after=positions[0], limit=1) == feed[1:2]
        assert store.feed(after=positions[-1]) == []

    def test_cases_are_listed_open_or_by_procedure(self, store: EventStore) -> None:
        store.append("A", [RECEIVED])
        store.append(
            "B",
            [
                {**RECEIVED, "case_id": "B"},
                {**RESPONDED, "case_id": "B"},
                {"type": "Withdrawn", "case_id": "B", "on": "2024-04-12"},
            ],
        )
        store.append("C", [{**RECEIVED, "case_id": "C", "procedure": "adults-2009"}])
        assert store.cases() == ["A", "B", "C"]
        assert store.cases(open_only=True) == ["A", "C"]
        assert store.cases(procedure="children-2006") == ["A", "B"]

    def test_stored_events_keep_their_schema_version_and_are_upcast_on_load(self, store: EventStore) -> None:
        store.append("A", [RECEIVED])
        old = {
            "type": "Withdrawn",
            "case_id": "A",
            "on": "2024-04-05",
            "why": "resolved",
            "schema_version": 0,
            "event_id": "OLD-1",
        }
        with store._writing() as db:
            db.execute(
                store._sql(
                    "INSERT INTO complaintflow_events (case_id, version, event_id, type, on_date, body) "
                    "VALUES (?, ?, ?, ?, ?, ?)"
                ),
                ("A", 2, "OLD-1", "Withdrawn", "2024-04-05", json.dumps(old)),
            )
            db.execute(store._sql("UPDATE complaintflow_cases SET version = 2 WHERE case_id = ?"), ("A",))

        def why_became_reason(stored: dict[str, Any]) -> dict[str, Any]:
            return {**{k: v for k, v in stored.items() if k != "why"}, "reason": stored["why"]}

        register_upcaster("Withdrawn", 0, why_became_reason)
        try:
            withdrawn = store.events("A")[-1]
            assert withdrawn.type == "Withdrawn" and withdrawn.reason == "resolved"  # type: ignore[attr-defined]
        finally:
            from complaintflow import events

            del events._UPCASTERS[("Withdrawn", 0)]

    # -- the daily list, the report and the projections -------------------------------------------

    def test_the_daily_list_from_the_projection_equals_the_one_from_replaying(
        self, store: EventStore
    ) -> None:
        log = [
            RECEIVED,
            {**RECEIVED, "case_id": "B", "on": "2024-04-08"},
            {**RESPONDED, "case_id": "B", "on": "2024-04-12"},
            {**RECEIVED, "case_id": "C", "on": "2024-04-15", "procedure": "spso-2021"},
        ]
        for event in log:
            store.append(str(event["case_id"]), [event])
        cases = cf.replay_cases(log)
        for day in (
            date(2024, 4, 1),
            date(2024, 4, 9),
            date(2024, 4, 16),
            date(2024, 4, 30),
            date(2024, 6, 1),
        ):
            for within in (0, 5, 20):
                expected = due_within(cases.values(), as_of=day, within=within)
                assert store.due(within=within, as_of=day) == expected, (day, within)

    def test_the_daily_list_is_cut_by_the_officer_or_team_that_owned_each_case_on_the_day(
        self, store: EventStore
    ) -> None:
        log = [
            RECEIVED,
            {"type": "Assigned", "case_id": "A", "on": "2024-04-03", "officer": "O-1", "team": "T-1"},
            {**RECEIVED, "case_id": "B"},
            {"type": "Assigned", "case_id": "B", "on": "2024-04-03", "team": "T-1"},
            {"type": "Assigned", "case_id": "B", "on": "2024-04-05", "officer": "O-2", "team": "T-2"},
            {**RECEIVED, "case_id": "C"},
            {"type": "Assigned", "case_id": "C", "on": "2024-04-03", "officer": "O-1"},
            {"type": "Unassigned", "case_id": "C", "on": "2024-04-05"},
        ]
        for event in log:
            store.append(str(event["case_id"]), [event])
        cases = cf.replay_cases(log)

        def owned(day: date, **owner: str) -> list[str]:
            listed = store.due(within=20, as_of=day, **owner)
            assert listed == due_within(cases.values(), as_of=day, within=20, **owner)
            return sorted(reminder.case_id for reminder in listed)

        assert owned(date(2024, 4, 4), team="T-1") == ["A", "B"]
        assert owned(date(2024, 4, 4), officer="O-1") == ["A", "C"]
        assert owned(date(2024, 4, 8), team="T-1") == ["A"]
        assert owned(date(2024, 4, 8), officer="O-1", team="T-1") == ["A"]
        assert owned(date(2024, 4, 8), officer="O-2") == ["B"]
        assert owned(date(2024, 4, 8), officer="O-1") == ["A"]
        assert owned(date(2024, 4, 2), team="T-1") == []
        assert store.load("B").view(as_of=date(2024, 4, 8)).owner == cf.Owner(officer="O-2", team="T-2")
        assert store.load("C").view(as_of=date(2024, 4, 8)).owner is None
        assert store.check() == []

    def test_the_report_from_the_records_equals_the_one_from_the_events(self, store: EventStore) -> None:
        log = [event for number in range(6) for event in _case_events(number)]
        for event in log:
            store.append(str(event["case_id"]), [event])
        assert store.report(2024) == annual_report(log, 2024)

    def test_reports_by_team_from_the_records_equal_those_from_the_events(self, store: EventStore) -> None:
        log = with_teams(sparse_year("spso-2021", 30, year=2024), teams=3)
        children = with_teams(sparse_year("children-2006", 30, year=2024, seed=5), teams=3, seed=9)
        log += [{**event, "case_id": f"K{event['case_id']}"} for event in children]
        for event in log:
            store.append(str(event["case_id"]), [event])
        assert store.check() == []
        expected = reports(records_from_events(log), 2024, settings=ReportSettings(by_team=True))
        stored = store.reports(2024, by_team=True)
        assert stored == expected
        assert all(report.by_team is not None and report.by_team.teams for report in stored.values())
        assert store.report(2024, procedure="children-2006", by_team=True) == annual_report(
            log, 2024, settings=ReportSettings(by_team=True), only=["children-2006"]
        )

    def test_publications_are_kept_in_order_and_a_later_one_knows_them(self, store: EventStore) -> None:
        log = [event for number in range(6) for event in _case_events(number)]
        for event in log:
            store.append(str(event["case_id"]), [event])
        assert store.publications() == []
        report = store.reports(2024)["children-2006"]
        first = publish(report, 5, procedures="children-2006")
        store.record_publication(publication(first, "children-2006"))
        store.record_publication(publication(publish(report, 4, procedures="children-2006"), "children-2006"))
        kept = store.publications()
        assert [(p.year, p.procedures, p.suppress_below) for p in kept] == [
            ("2024-25", "children-2006", 5),
            ("2024-25", "children-2006", 4),
        ]
        assert kept[0].report == first.model_dump(mode="json")
        with pytest.raises(cf.ComplaintflowError, match="published with 5"):
            publish(report, 10, earlier=kept[:1], procedures="children-2006")

    def test_check_finds_a_projection_that_differs_and_rebuild_mends_it(self, store: EventStore) -> None:
        store.append("A", [RECEIVED])
        store.append("B", [{**RECEIVED, "case_id": "B"}])
        assert store.check() == []
        with store._writing() as db:
            db.execute("UPDATE complaintflow_deadlines SET due = '2099-01-01'")
            db.execute(
                store._sql("UPDATE complaintflow_cases SET state = ? WHERE case_id = ?"), ("closed", "B")
            )
        assert sorted(store.check()) == [
            "case A: the deadlines projection differs from its events",
            "case B: the case projection differs from its events",
            "case B: the deadlines projection differs from its events",
        ]
        assert store.rebuild() == 2
        assert store.check() == []

    def test_export_writes_the_events_back_out_in_feed_order(self, store: EventStore) -> None:
        store.append("A", [RECEIVED, RESPONDED])
        lines = list(store.export())
        assert [json.loads(line)["type"] for line in lines] == ["ComplaintReceived", "Responded"]
        assert cf.Case.replay(lines) == store.load("A")

    def test_import_keeps_the_lines_it_accepts_and_names_the_lines_it_refuses(
        self, store: EventStore
    ) -> None:
        lines = [
            json.dumps(RECEIVED),
            "not json",
            json.dumps(RESPONDED),
            json.dumps({**RESPONDED, "on": "2024-04-11"}),
        ]
        summary = store.import_events(enumerate(lines, start=1))
        assert [line for line, _ in summary.refused] == [2, 4]
        assert (summary.added, summary.skipped) == (2, 0)
        assert store.version("A") == 2 and store.check() == []

    # -- late entries ----------------------------------------------------------------------------

    def test_events_entered_late_are_checked_before_the_write_lock_so_other_cases_need_not_wait(
        self, store: EventStore, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        store.append("A", [RECEIVED, RESPONDED])
        other_stored, replaying = threading.Event(), threading.Event()
        entering_late = cf.Case._enter_late

        def slow_late_entry(case: cf.Case, event: Any) -> bool:
            replaying.set()  # a long case's replay, still going on...
            assert other_stored.wait(timeout=20), "an append to another case waited for this one"
            return entering_late(case, event)

        monkeypatch.setattr(cf.Case, "_enter_late", slow_late_entry)
        late = threading.Thread(target=store.append, args=("A", [{**ADVOCACY, "on": "2024-04-05"}]))
        late.start()
        assert replaying.wait(timeout=20)
        store.append("B", [{**RECEIVED, "case_id": "B"}])  # ...while another case is written
        other_stored.set()
        late.join()
        assert store.version("A") == 3 and store.version("B") == 1
        assert [event.on.day for event in store.events("A")] == [2, 5, 10]

    def test_a_late_entry_checked_before_another_append_to_its_case_is_checked_again(
        self, store: EventStore, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        store.append("A", [RECEIVED, RESPONDED])
        preparing = type(store)._prepare
        meanwhile = [{**ADVOCACY, "event_id": "meanwhile"}]

        def and_meanwhile(this: EventStore, case_id: str, batch: list[Any]) -> Any:
            prepared = preparing(this, case_id, batch)
            if meanwhile:  # another append to the case, before this one takes the lock
                this.append("A", [meanwhile.pop()])
            return prepared

        monkeypatch.setattr(type(store), "_prepare", and_meanwhile)
        assert store.append("A", [{**ADVOCACY, "on": "2024-04-05", "event_id": "late"}]) == 4
        assert [event.on.day for event in store.events("A")] == [2, 5, 10, 11]
        assert store.check() == []

    def test_at_most_ten_events_entered_late_in_one_append(self, store: EventStore) -> None:
        store.append("A", [RECEIVED, {**RESPONDED, "on": "2024-06-28"}])
        late = [
            {
                "type": "AdvocacyArranged",
                "case_id": "A",
                "on": f"2024-05-{day:02d}",
                "event_id": f"late-{day}",
            }
            for day in range(1, 12)
        ]
        before = snapshot(store)
        with pytest.raises(cf.InvalidEvent, match="at most 10 events entered late"):
            store.append("A", late)
        assert snapshot(store) == before
        assert store.append("A", late[:10]) == 12

    # -- text and rows that cannot be read ------------------------------------------------------

    @pytest.mark.parametrize("control", ["\x00", "\x1b", "\x07", "\x1f"])
    def test_text_with_a_control_character_is_refused_alike_by_every_store(
        self, store: EventStore, control: str
    ) -> None:
        store.append("A", [RECEIVED])
        before = snapshot(store)
        with pytest.raises(cf.InvalidEvent, match="field 'reason': must hold no control character"):
            store.append(
                "A",
                [
                    {
                        **RESPONDED,
                        "type": "DeadlineExtended",
                        "reason": f"agreed{control}",
                        "until": "2024-06-01",
                    }
                ],
            )
        assert snapshot(store) == before
        store.append("A", [{**ADVOCACY, "provider": "Advocacy\r\n\tNorth"}])  # line breaks are text

    def test_a_row_that_cannot_be_read_is_passed_over_by_the_feed_and_listed_by_export_and_check(
        self, store: EventStore
    ) -> None:
        store.append("A", [RECEIVED])
        with store._writing() as db:
            db.execute(
                store._sql(
                    "INSERT INTO complaintflow_events (case_id, version, event_id, type, on_date, body) "
                    "VALUES ('B', 1, 'damaged', 'ComplaintReceived', '2024-04-03', ?)"
                ),
                (
                    '{"type": "ComplaintReceived", "case_id": "B", "on": "2024-04-03", '
                    '"procedure": "children-2006", "service_area": "\\u0000"}',
                ),
            )
        store.append("C", [{**RECEIVED, "case_id": "C"}])
        (first, _), (third, _) = store.feed()
        assert [event.case_id for _, event in store.feed()] == ["A", "C"]
        assert [position for position, _ in store.feed(after=first, limit=1)] == [third]
        assert store.feed(after=third) == []
        passed_over: list[tuple[int, str]] = []
        lines = list(store.export(lambda position, case_id, error: passed_over.append((position, case_id))))
        assert [json.loads(line)["case_id"] for line in lines] == ["A", "C"]
        assert passed_over == [(first + 1, "B")]
        assert store.check() == [
            f"case B: the event at position {first + 1} cannot be read: field 'service_area': "
            "must hold no control character but tabs and line breaks"
        ]

    # -- retries and imports that can be run again ------------------------------------------------

    def test_a_retry_of_stored_events_succeeds_whatever_the_expected_version(self, store: EventStore) -> None:
        sent = [{**RECEIVED, "event_id": "E-1"}, {**RESPONDED, "event_id": "E-2"}]
        assert store.append("A", sent, expected_version=0) == 2
        store.append("A", [ADVOCACY])
        before = snapshot(store)
        for expected in (0, 1, 2, 3, None):
            assert store.append("A", sent, expected_version=expected) == 3
        assert store.append("A", sent[1:], expected_version=0) == 3
        assert snapshot(store) == before

    def test_an_append_mixing_stored_and_new_events_is_refused(self, store: EventStore) -> None:
        store.append("A", [{**RECEIVED, "event_id": "E-1"}])
        before = snapshot(store)
        with pytest.raises(cf.InvalidEvent, match="1 of these 2 events are stored already") as mixed:
            store.append("A", [{**RECEIVED, "event_id": "E-1"}, RESPONDED], expected_version=1)
        assert mixed.value.field == "event_id"
        with pytest.raises(cf.EventConflict, match="conflict: E-1"):
            store.append("A", [{**RECEIVED, "event_id": "E-1", "service_area": "Adults"}])
        assert snapshot(store) == before

    def test_importing_a_file_twice_adds_nothing_with_ids_or_without(self, store: EventStore) -> None:
        log = [event for number in range(6) for event in _case_events(number)]
        with_ids = [json.dumps({**event, "event_id": f"I-{n}"}) for n, event in enumerate(log)]
        without_ids = [json.dumps({**event, "case_id": f"N{event['case_id']}"}) for event in log]
        without_ids.append(without_ids[0])  # an identical line again: a second receipt, refused each time
        lines = list(enumerate(with_ids + without_ids, start=1))
        first = store.import_events(lines)
        assert (first.added, first.skipped, first.refused) == (len(lines) - 1, 0, first.refused)
        assert [line for line, _ in first.refused] == [len(lines)]  # received twice: refused
        stored = (snapshot(store), list(store.export()), store.report(2024))
        second = store.import_events(lines)
        assert (second.added, second.skipped) == (0, len(lines) - 1)
        assert [line for line, _ in second.refused] == [len(lines)]
        assert (snapshot(store), list(store.export()), store.report(2024)) == stored
        assert store.check() == []

    def test_identical_lines_of_a_case_are_each_kept_and_each_recognised(self, store: EventStore) -> None:
        lines = list(enumerate([json.dumps(RECEIVED), json.dumps(ADVOCACY), json.dumps(ADVOCACY)], start=1))
        assert store.import_events(lines).added == 3
        assert store.import_events(lines).skipped == 3
        assert store.version("A") == 3

    def test_a_derived_event_id_is_the_one_the_docs_say(self, store: EventStore) -> None:
        from complaintflow.store.identity import derived_event_id

        store.import_events([(1, json.dumps(RECEIVED)), (2, json.dumps(ADVOCACY)), (3, json.dumps(ADVOCACY))])
        ids = [event.event_id for event in store.events("A")]
        assert ids == [
            derived_event_id(RECEIVED, 1),
            derived_event_id(ADVOCACY, 1),
            derived_event_id(ADVOCACY, 2),
        ]

    def test_a_changed_line_under_the_same_id_is_refused_as_a_conflict(self, store: EventStore) -> None:
        lines = [json.dumps({**RECEIVED, "event_id": "E-1"}), json.dumps({**RESPONDED, "event_id": "E-2"})]
        store.import_events(enumerate(lines, start=1))
        before = snapshot(store)
        changed = [lines[0], json.dumps({**RESPONDED, "event_id": "E-2", "outcome": "not_upheld"})]
        summary = store.import_events(enumerate(changed, start=1))
        assert (summary.added, summary.skipped) == (0, 1)
        [(line, error)] = summary.refused
        assert line == 2 and isinstance(error, cf.EventConflict) and "E-2" in str(error)
        assert snapshot(store) == before

    def test_a_dry_run_says_what_it_would_do_and_writes_nothing(self, store: EventStore) -> None:
        store.append("A", [{**RECEIVED, "event_id": "E-1"}])
        before = snapshot(store)
        lines = [
            json.dumps({**RECEIVED, "event_id": "E-1"}),
            json.dumps(RESPONDED),
            json.dumps({**RESPONDED, "on": "2024-04-11"}),
            json.dumps({**RECEIVED, "case_id": "B"}),
        ]
        summary = store.import_events(enumerate(lines, start=1), dry_run=True, chunk=2)
        assert (summary.added, summary.skipped, [n for n, _ in summary.refused]) == (2, 1, [3])
        assert snapshot(store) == before
        real = store.import_events(enumerate(lines, start=1), chunk=2)
        assert (real.added, real.skipped, [n for n, _ in real.refused]) == (2, 1, [3])

    def test_lines_after_a_refused_line_of_their_case_name_that_line(self, store: EventStore) -> None:
        lines = [
            json.dumps({**RECEIVED, "procedure": "no-such-procedure"}),
            json.dumps({**RECEIVED, "case_id": "B"}),
            json.dumps(RESPONDED),
            json.dumps(ADVOCACY),
        ]
        refused = store.import_events(enumerate(lines, start=1)).refused
        assert [line for line, _ in refused] == [1, 3, 4]
        assert [str(error) for _, error in refused[1:]] == [
            "refused because line 1 of this case was refused"
        ] * 2
        assert store.cases() == ["B"]

    def test_an_event_id_reused_by_two_cases_refuses_that_line_only(self, store: EventStore) -> None:
        lines = [json.dumps({**RECEIVED, "case_id": f"C-{n}", "event_id": f"E-{n}"}) for n in range(10)]
        lines[5] = json.dumps({**RECEIVED, "case_id": "C-5", "event_id": "E-2"})
        summary = store.import_events(enumerate(lines, start=1), chunk=4)
        assert [line for line, _ in summary.refused] == [6]
        assert isinstance(summary.refused[0][1], cf.EventConflict)
        assert summary.added == 9 and len(store.cases()) == 9 and store.check() == []

    def test_open_cases_are_those_open_on_the_day_as_their_views_say(self, store: EventStore) -> None:
        store.append("A", [RECEIVED, RESPONDED])  # the window to ask for stage 2 runs 20 working days
        store.append("B", [{**RECEIVED, "case_id": "B", "on": "2024-04-20"}])
        for day in (date(2024, 4, 1), date(2024, 4, 15), date(2024, 5, 20), date(2024, 6, 1)):
            expected = [c for c in ("A", "B") if c in store.cases() and _open_on(store, c, day)]
            assert store.cases(open_only=True, as_of=day) == expected, day
        assert store.cases(open_only=True, as_of=date(2024, 4, 15)) == ["A"]
        assert store.cases(open_only=True, as_of=date(2024, 6, 1)) == ["B"]

    # -- corrections -----------------------------------------------------------------------------

    def test_a_correction_is_a_void_and_its_replacement_counted_everywhere(self, store: EventStore) -> None:
        wrong = {**RESPONDED, "on": "2024-04-25", "event_id": "W"}  # typed a week late: out of time
        store.append("A", [{**RECEIVED, "event_id": "R"}, wrong])
        void = {
            "type": "EventVoided",
            "case_id": "A",
            "on": "2024-04-26",
            "voids": "W",
            "reason": "wrong date",
        }
        assert (
            store.append("A", [{**void, "by": "O-1"}, {**RESPONDED, "event_id": "C"}], expected_version=2)
            == 4
        )
        assert [event.event_id for event in store.events("A")][:2] == ["R", "W"]  # kept in the record
        assert [event.type for _, event in store.feed()] == [
            "ComplaintReceived",
            "Responded",
            "EventVoided",
            "Responded",
        ]
        case = store.load("A")
        assert list(case.voided) == ["W"] and case.view(as_of=date(2024, 4, 30)).voided[0].by == "O-1"
        log = [event_to_json(event) for event in store.events("A")]
        assert case.view(as_of=date(2024, 4, 30)) == cf.Case.replay(log).view(as_of=date(2024, 4, 30))
        report = store.report(2024)
        assert report == annual_report(log, 2024) and report.events_voided == 1
        assert (report.stage1_timeliness_total.responded, report.stage1_timeliness_total.in_time) == (1, 1)
        for day in (date(2024, 4, 12), date(2024, 5, 2), date(2024, 6, 3)):
            assert store.due(within=10, as_of=day) == due_within([cf.Case.replay(log)], as_of=day, within=10)
        assert store.check() == []

    def test_a_void_the_case_cannot_replay_without_is_refused_and_so_is_its_correction(
        self, store: EventStore
    ) -> None:
        store.append("A", [{**RECEIVED, "event_id": "R"}, {**RESPONDED, "event_id": "W"}])
        before = snapshot(store)
        void = {"type": "EventVoided", "case_id": "A", "on": "2024-04-26", "reason": "entered in error"}
        with pytest.raises(cf.InvalidEvent, match="it would leave the Responded of 2024-04-10 refused"):
            store.append("A", [{**void, "voids": "R"}])
        with pytest.raises(cf.InvalidEvent, match="no event of this case"):
            store.append("A", [{**void, "voids": "NOWHERE"}])
        with pytest.raises(cf.TransitionNotAllowed):  # the replacement is refused: the void is not kept
            store.append("A", [{**void, "voids": "W"}, {**RESPONDED, "stage": 2, "on": "2024-04-12"}])
        assert snapshot(store) == before
        store.append("A", [{**void, "voids": "W", "event_id": "V"}])
        with pytest.raises(cf.InvalidEvent, match="voided already"):
            store.append("A", [{**void, "voids": "W"}])
        with pytest.raises(cf.InvalidEvent, match="a void cannot be voided"):
            store.append("A", [{**void, "voids": "V"}])
        assert store.load("A").state == "stage1" and store.check() == []

    # The same property runs once per back end.
    @settings(
        max_examples=20,
        deadline=None,
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.differing_executors],
    )
    @given(data=st.data())
    def test_imports_retries_voids_and_corrections_keep_the_projections_true(
        self, store: EventStore, data: st.DataObject
    ) -> None:
        procedure = cf.load_procedure("children-2006")
        case_id = f"M-{next(_EXAMPLES)}"
        log = data.draw(event_sequences(procedure, case_id=case_id, max_events=6))
        lines = [json.dumps(event) for event in log]
        last: list[dict[str, Any]] = []  # the last append that was stored, to send again
        for _ in range(data.draw(st.integers(1, 8))):
            operation = data.draw(st.sampled_from(["import", "retry", "void", "correct"]))
            before = snapshot(store)
            version = store.version(case_id)
            if operation == "import":
                upto = data.draw(st.integers(0, len(lines)))
                store.import_events(enumerate(lines[:upto], start=1), chunk=data.draw(st.integers(1, 4)))
            elif operation == "retry":
                if not last:
                    continue
                expected = data.draw(st.one_of(st.none(), st.integers(0, version + 1)))
                assert store.append(case_id, last, expected_version=expected) == version
                assert snapshot(store) == before
            elif version and (targets := _voidable(store, case_id)):
                last_one = st.just(len(targets) - 1)  # most often valid to void: nothing follows it
                target = targets[data.draw(st.one_of(last_one, st.integers(0, len(targets) - 1)))]
                counted = store.load(case_id).counted_events
                on = max(event.on for event in counted).isoformat()
                batch: list[dict[str, Any]] = [
                    {
                        "type": "EventVoided",
                        "case_id": case_id,
                        "on": on,
                        "voids": target.event_id,
                        "reason": "entered in error",
                        "event_id": f"V-{version}",
                    }
                ]
                if operation == "correct":
                    again = target.model_dump(mode="json", exclude_none=True)
                    batch.append({**again, "event_id": f"C-{version}"})
                try:
                    assert store.append(case_id, batch, expected_version=version) == version + len(batch)
                    last = batch
                    note_outcome(f"{operation} stored")
                except cf.ComplaintflowError:
                    assert snapshot(store) == before  # all or none
                    note_outcome(f"{operation} refused")
            ids = [event.event_id for _, event in store.feed(limit=10_000)]
            assert len(ids) == len(set(ids))  # no event stored twice
            assert store.check() == []  # the projections are those rebuilt from the events
            if store.version(case_id):
                # In the order stored, as the store replays: a correction dated before the case's
                # last event is a late entry, which a replay in date order would not see.
                stored = [event_to_json(e) for _, e in store.feed(limit=10_000) if e.case_id == case_id]
                replayed = cf.Case.replay(stored)
                assert store.load(case_id).view(as_of=date(2030, 1, 1)) == replayed.view(
                    as_of=date(2030, 1, 1)
                )

    # -- random appends ------------------------------------------------------------------------

    # The same test runs once per back end (a subclass each), which is what the contract is for.
    @settings(
        max_examples=25,
        deadline=None,
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.differing_executors],
    )
    @given(data=st.data())
    def test_the_store_holds_exactly_the_events_it_accepted(
        self, store: EventStore, data: st.DataObject
    ) -> None:
        procedure = cf.load_procedure("children-2006")
        case_id = f"P-{next(_EXAMPLES)}"  # the store outlives one example: a new case each time
        accepted: list[dict[str, Any]] = []
        for event in data.draw(event_sequences(procedure, case_id=case_id, max_events=8)):
            if accepted and data.draw(st.booleans()):
                wrong = data.draw(refused_events(cf.Case.replay(accepted), procedure, case_id=case_id))
                before = snapshot(store)
                with pytest.raises(cf.ComplaintflowError):
                    store.append(case_id, [wrong])
                assert snapshot(store) == before
            store.append(case_id, [event], expected_version=len(accepted))
            accepted.append(event)
        assert store.load(case_id) == cf.Case.replay([event_to_json(e) for e in store.events(case_id)])
        assert store.load(case_id).view() == cf.Case.replay(accepted).view()
        assert store.check() == []

    # -- notices -------------------------------------------------------------------------------

    def test_notify_makes_each_notice_on_its_day_once_and_withdraws_what_is_no_longer_owed(
        self, store: EventStore
    ) -> None:
        store.append("A", [RECEIVED, {"type": "Assigned", "case_id": "A", "on": "2024-04-03", "team": "T-1"}])
        assert notify(store, date(2024, 4, 11)).made == 0  # stage 1 is due on Tuesday 16 April
        assert notify(store, date(2024, 4, 12)).made == 1  # two working days before: approaching
        assert notify(store, date(2024, 4, 12)).made == 0
        [approaching] = list_notices(store, case_id="A")
        assert (approaching.notice.kind, approaching.notice.due, approaching.status) == (
            "approaching",
            date(2024, 4, 16),
            "pending",
        )
        assert approaching.notice.owner == cf.Owner(officer=None, team="T-1")
        assert approaching.notice.letter_facts.deadlines[0].due_in_words == "Tuesday 16 April 2024"
        extended = {"type": "DeadlineExtended", "case_id": "A", "on": "2024-04-15", "stage": 1}
        store.append("A", [{**extended, "total_working_days": 20, "reason": "an advocate is needed"}])
        assert notify(store, date(2024, 4, 16)) == NotifyResult(made=0, withdrawn=1)  # moved: not due now
        assert notify(store, date(2024, 4, 26)).made == 1  # approaching the new due date, 30 April
        store.append("A", [{**RESPONDED, "on": "2024-04-29"}])
        assert notify(store, date(2024, 4, 29)) == NotifyResult(made=0, withdrawn=1)  # met
        kept = [(n.notice.kind, n.notice.due.isoformat(), n.status) for n in list_notices(store, case_id="A")]
        assert kept == [
            ("approaching", "2024-04-16", "withdrawn"),
            ("approaching", "2024-04-30", "withdrawn"),
        ]

    @settings(
        max_examples=30,
        deadline=None,
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.differing_executors],
    )
    @given(data=st.data())
    def test_each_case_deadline_kind_and_due_date_is_notified_exactly_once(
        self, store: EventStore, data: st.DataObject
    ) -> None:
        """Whatever the events (extensions, responses, late entries) and whatever days notify runs
        on, each (case, deadline, kind, due date) owed on a day is made once, and never one for a
        deadline met or moved before the notice was due."""
        procedure = cf.load_procedure(
            data.draw(st.sampled_from(["children-2006", "spso-2021", "lgsco-2026"]))
        )
        case_id = f"N-{next(_EXAMPLES)}"
        events = data.draw(event_sequences(procedure, case_id=case_id, max_events=10))
        accepted: list[dict[str, Any]] = []
        expected: set[tuple[str, str, date]] = set()

        def run(day: date) -> None:
            notify(store, day)
            expected.update(owed_by_the_views(cf.Case.replay(accepted), procedure, day))

        def append(event: dict[str, Any]) -> None:
            try:
                store.append(case_id, [event])
            except cf.ComplaintflowError:  # refused as a late entry, or after one: nothing written
                return
            accepted.append(event)

        held: dict[str, Any] | None = None  # an event entered late, after the one that follows it
        for event in events:
            for offset in data.draw(st.lists(st.integers(-3, 40), max_size=3)):
                run(date.fromisoformat(event["on"]) + timedelta(days=offset))
            if held is None and accepted and data.draw(st.booleans()):
                held = event
                continue
            for entry in (event, held) if held is not None else (event,):
                append(entry)
            held = None
        if held is not None:
            append(held)
        last = date.fromisoformat(accepted[-1]["on"]) + timedelta(days=data.draw(st.integers(0, 60)))
        run(last)
        made = list_notices(store, case_id=case_id)
        keys = [(n.notice.deadline, n.notice.kind, n.notice.due) for n in made]
        assert len(keys) == len(set(keys))
        assert set(keys) == expected
        running = {  # what is still waiting to be sent is still owed
            (d.name, d.due)
            for d in cf.Case.replay(accepted).view(as_of=last).deadlines
            if d.status in ("pending", "overdue")
        }
        assert {(n.notice.deadline, n.notice.due) for n in made if n.status == "pending"} <= running

    def test_a_signed_delivery_reaches_a_receiver_at_least_once_with_the_notice_id(
        self, store: EventStore
    ) -> None:
        store.append("A", [RECEIVED])
        with receiving() as receiver:
            subscription, receiver.secret = add_subscription(store, receiver.url, ["approaching", "missed"])
            assert [s.url for s in list_subscriptions(store)] == [receiver.url]
            notify(store, date(2024, 4, 12))
            receiver.behaviour = "fail"
            start = utc_now()
            assert deliver_once(store, clock=lambda: start) == 0
            assert deliver_once(store, clock=lambda: start) == 0  # not due again yet
            receiver.behaviour = "ok"
            later = start + timedelta(minutes=1)
            assert deliver_once(store, clock=lambda: later) == 1
            assert deliver_once(store, clock=lambda: later + timedelta(hours=2)) == 0
        [notice] = list_notices(store)
        assert notice.status == "sent"
        assert receiver.received == {notice.notice.notice_id: 2}
        assert receiver.bad_signatures == 0
        assert receiver.bodies[notice.notice.notice_id]["data"]["case_id"] == "A"
        remove_subscription(store, subscription.subscription_id)
        assert list_subscriptions(store) == []

    def test_case_events_go_once_to_the_subscriptions_that_want_them_from_when_they_subscribed(
        self, store: EventStore
    ) -> None:
        store.append("A", [RECEIVED])
        with receiving() as receiver:
            _, receiver.secret = add_subscription(store, receiver.url, ["Responded", "EscalationRequested"])
            store.append("A", [RESPONDED, {**ADVOCACY, "on": "2024-04-12"}])
            store.append("B", [{**RECEIVED, "case_id": "B"}])
            assert notify(store, date(2024, 4, 12)).case_events == 1  # Responded only
            assert notify(store, date(2024, 4, 12)).case_events == 0
            store.append(
                "A", [{"type": "EscalationRequested", "case_id": "A", "on": "2024-04-15", "to_stage": 2}]
            )
            assert notify(store, date(2024, 4, 15)).case_events == 1
            assert deliver_once(store) == 2
        kinds = sorted(body["type"] for body in receiver.bodies.values())
        assert kinds == ["event.EscalationRequested", "event.Responded"]
        responded = next(b for b in receiver.bodies.values() if b["type"] == "event.Responded")
        assert responded["data"]["event"]["outcome"] == "upheld" and receiver.bad_signatures == 0
        listed = {n.notice.notice_id for n in list_notices(store)}  # the deadlines' notices, not events
        assert listed and not set(receiver.received) & listed

    # -- group commit --------------------------------------------------------------------------

    def test_eight_threads_appending_meanwhile_a_subscriber_sees_each_event_once_in_order(
        self, store: EventStore
    ) -> None:
        def write(worker: int) -> None:
            for number in range(40):
                case_id = f"T{worker}-{number % 8}"
                if number < 8:
                    store.append(case_id, [{**RECEIVED, "case_id": case_id}])
                else:
                    store.append(case_id, [{**ADVOCACY, "case_id": case_id, "provider": str(number)}])

        writers = [threading.Thread(target=write, args=(worker,)) for worker in range(8)]
        for writer in writers:
            writer.start()
        seen: list[int] = []
        after = 0
        while True:
            finished = not any(writer.is_alive() for writer in writers)  # before the read
            page = store.feed(after=after, limit=50)
            seen += [position for position, _ in page]
            after = page[-1][0] if page else after
            if not page and finished:
                break
        for writer in writers:
            writer.join()
        everything = store.feed(after=0, limit=10_000)
        assert len(everything) == 320 and seen == [position for position, _ in everything]
        assert all(store.version(f"T{w}-{n}") == 5 for w in range(8) for n in range(8))
        assert store.check() == []

    # -- several processes and crashes ---------------------------------------------------------

    def test_a_writer_killed_mid_append_leaves_all_or_none_of_it(self, store: EventStore, url: str) -> None:
        kill_a_writer_mid_append(url)
        assert_whole_appends(store)

    def test_a_process_killed_during_group_committed_appends_keeps_every_acknowledged_one(
        self, store: EventStore, url: str
    ) -> None:
        """Eight threads of a child process append three events at a time and print each append
        once it returns; the child is killed at a moment drawn at random (after a random number of
        acknowledgements), three times over. Every acknowledged append is there, whole; no append
        is there in part; the projections agree with the events."""
        acknowledged: set[str] = set()
        chance = random.Random()
        for attempt in range(3):
            writer = subprocess.Popen(
                [sys.executable, "-c", _THREADED_WRITER, url, str(attempt)],
                stdout=subprocess.PIPE,
                text=True,
            )
            assert writer.stdout is not None
            for _ in range(chance.randrange(1, 400)):
                line = writer.stdout.readline().strip()
                assert line, "the writer stopped on its own"
                acknowledged.add(line)
            os.kill(writer.pid, signal.SIGKILL)
            writer.wait()
        assert_whole_appends(store)
        assert acknowledged <= set(store.cases())

    def test_two_processes_appending_at_one_version_exactly_one_wins(
        self, store: EventStore, url: str
    ) -> None:
        store.append("A", [RECEIVED])
        script = textwrap.dedent(
            f"""
            import sys, complaintflow as cf
            store = cf.open_store({url!r})
            try:
                store.append("A", [{{"type": "AdvocacyArranged", "case_id": "A", "on": "2024-04-05",
                                    "provider": sys.argv[1]}}], expected_version=1)
                print("won")
            except cf.ConcurrencyError:
                print("stale")
            """
        )
        runs = [
            subprocess.Popen([sys.executable, "-c", script, name], stdout=subprocess.PIPE, text=True)
            for name in ("first", "second")
        ]
        outcomes = sorted(run.communicate(timeout=120)[0].strip() for run in runs)
        assert outcomes == ["stale", "won"]
        assert store.version("A") == 2

    def test_eight_processes_appending_meanwhile_a_subscriber_sees_each_event_once(
        self, store: EventStore, url: str
    ) -> None:
        writer = textwrap.dedent(
            f"""
            import sys, complaintflow as cf
            store = cf.open_store({url!r})
            worker = sys.argv[1]
            for number in range(125):
                case_id = f"W{{worker}}-{{number % 25}}"
                if number < 25:
                    event = {{"type": "ComplaintReceived", "case_id": case_id, "on": "2024-04-02",
                              "procedure": "children-2006"}}
                else:
                    event = {{"type": "AdvocacyArranged", "case_id": case_id, "on": "2024-04-03",
                              "provider": str(number)}}
                store.append(case_id, [event])
            """
        )
        writers = [subprocess.Popen([sys.executable, "-c", writer, str(n)]) for n in range(8)]
        seen: list[int] = []
        after = 0
        while any(w.poll() is None for w in writers) or after < 1000:
            page = store.feed(after=after, limit=100)
            seen += [position for position, _ in page]
            after = page[-1][0] if page else after
            if not page and all(w.poll() is not None for w in writers):
                break
        assert all(w.wait(timeout=300) == 0 for w in writers)
        everything = store.feed(after=0, limit=10_000)
        assert len(everything) == 1000 and len(seen) == 1000 and seen == [p for p, _ in everything]
        first_of = {}
        for _, event in everything:
            first_of.setdefault(event.case_id, event.type)
        assert set(first_of.values()) == {"ComplaintReceived"}  # each case's order is kept
        assert store.check() == []


_WRITER = textwrap.dedent(
    """
    import sys, complaintflow as cf
    store = cf.open_store(sys.argv[1])
    print("ready", flush=True)
    number = 0
    while True:
        case_id = f"K-{number}"
        store.append(case_id, [
            {"type": "ComplaintReceived", "case_id": case_id, "on": "2024-04-02",
             "procedure": "children-2006"},
            {"type": "AdvocacyArranged", "case_id": case_id, "on": "2024-04-03"},
            {"type": "Responded", "case_id": case_id, "on": "2024-04-10", "stage": 1, "outcome": "upheld"},
        ])
        number += 1
    """
)


_THREADED_WRITER = textwrap.dedent(
    """
    import sys, threading, complaintflow as cf
    store = cf.open_store(sys.argv[1])
    printing = threading.Lock()

    def write(worker):
        number = 0
        while True:
            case_id = f"K{sys.argv[2]}-{worker}-{number}"
            store.append(case_id, [
                {"type": "ComplaintReceived", "case_id": case_id, "on": "2024-04-02",
                 "procedure": "children-2006"},
                {"type": "AdvocacyArranged", "case_id": case_id, "on": "2024-04-03"},
                {"type": "Responded", "case_id": case_id, "on": "2024-04-10", "stage": 1,
                 "outcome": "upheld"},
            ])
            with printing:
                print(case_id, flush=True)  # acknowledged: append returned
            number += 1

    for worker in range(8):
        threading.Thread(target=write, args=(worker,)).start()
    """
)


_ACKNOWLEDGING_WRITER = textwrap.dedent(
    """
    import sys, complaintflow as cf
    store = cf.open_store(sys.argv[1])
    number = 0
    while True:
        case_id = f"B-{number}"
        store.append(case_id, [
            {"type": "ComplaintReceived", "case_id": case_id, "on": "2024-04-02",
             "procedure": "children-2006"},
            {"type": "AdvocacyArranged", "case_id": case_id, "on": "2024-04-03"},
        ])
        print(case_id, flush=True)  # acknowledged
        number += 1
    """
)


def backup_during_writes(url: str, take_backup: Callable[[], None]) -> set[str]:
    """Run `take_backup` while a process appends two events at a time; return the cases whose
    appends were acknowledged before the backup began."""
    writer = subprocess.Popen(
        [sys.executable, "-c", _ACKNOWLEDGING_WRITER, url], stdout=subprocess.PIPE, text=True
    )
    assert writer.stdout is not None
    acknowledged = [writer.stdout.readline().strip() for _ in range(50)]
    take_backup()
    writer.kill()
    writer.wait()
    return set(acknowledged)


def assert_restored_copy_holds(store: EventStore, acknowledged: set[str]) -> None:
    """The restored copy is whole: it passes store check and holds every acknowledged append."""
    assert store.check() == []
    assert acknowledged <= set(store.cases())
    assert all(store.version(case_id) == 2 for case_id in store.cases())


def owed_by_the_views(case: cf.Case, procedure: cf.Procedure, day: date) -> set[tuple[str, str, date]]:
    """The notices owed by the end of `day`, read plainly from the case's view on that day."""
    if case.case_id is None:
        return set()
    calendar = cf.WorkingDayCalendar.named(procedure.calendar)
    found = set()
    for deadline in case.view(as_of=day).deadlines:
        if deadline.due is None or deadline.status not in ("pending", "overdue"):
            continue
        for kind, rule in procedure.notices.items():
            if rule.applies_to(deadline.kind):
                notice_on = calendar.add_working_days(deadline.due, rule.working_days)
                if notice_on <= day and (rule.working_days > 0 or day <= deadline.due):
                    found.add((deadline.name, kind, deadline.due))
    return found


def kill_a_writer_mid_append(url: str) -> None:
    """Start a process appending three events at a time, let it run, and SIGKILL it."""
    writer = subprocess.Popen([sys.executable, "-c", _WRITER, url], stdout=subprocess.PIPE, text=True)
    assert writer.stdout is not None and writer.stdout.readline().strip() == "ready"
    time.sleep(1.5)
    os.kill(writer.pid, signal.SIGKILL)
    writer.wait()


def assert_whole_appends(store: EventStore) -> None:
    """Every append whole and none in part, every case intact, projections as a rebuild has them."""
    counts: dict[str, int] = {}
    position = 0
    while page := store.feed(after=position, limit=10_000):  # a fast machine writes more than a page
        for _, event in page:
            counts[event.case_id] = counts.get(event.case_id, 0) + 1
        position = page[-1][0]
    assert counts and set(counts.values()) == {3}
    assert store.check() == []
    assert sorted(store.cases()) == sorted(counts)


def _case_events(number: int) -> list[dict[str, Any]]:
    case_id = f"R-{number}"
    events: list[dict[str, Any]] = [
        {
            "type": "ComplaintReceived",
            "case_id": case_id,
            "on": f"2024-05-{number + 1:02d}",
            "procedure": "children-2006",
            "service_area": ["Adults", "Children"][number % 2],
        },
    ]
    if number % 3:
        events.append(
            {
                "type": "Responded",
                "case_id": case_id,
                "on": f"2024-05-{number + 10:02d}",
                "stage": 1,
                "outcome": "upheld",
            }
        )
    return events


def _voidable(store: EventStore, case_id: str) -> list[EventBase]:
    return [event for event in store.load(case_id).counted_events if event.type != "EventVoided"]


def _open_on(store: EventStore, case_id: str, day: date) -> bool:
    case = store.load(case_id)
    return case.events[0].on <= day and case.view(as_of=day).open


def subprocess_env() -> dict[str, str]:
    return dict(os.environ)
