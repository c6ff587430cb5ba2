"""The store contract for personal data over its life: retention, legal holds and purge. Part of
the one contract every store passes (`StoreContract` takes these tests in)."""

from __future__ import annotations

import contextlib
import itertools
from datetime import date, timedelta
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import complaintflow as cf
from complaintflow.dates import london_today
from complaintflow.notices import add_subscription, list_notices, notify
from complaintflow.procedure import Retention, Source
from complaintflow.report import Report, publish, reporting_year, year_label
from complaintflow.store import EventStore
from complaintflow.store.freezing import Frozen
from complaintflow.store.redaction import PERSONAL_FIELDS
from complaintflow.testing import event_sequences
from complaintflow.view import RedactionNote

_CASES = itertools.count()
#: Every table that holds rows of one case.
CASE_TABLES = (
    "complaintflow_events",
    "complaintflow_cases",
    "complaintflow_deadlines",
    "complaintflow_owners",
    "complaintflow_notices",
)


def closed_case(
    case_id: str, received: str = "2015-04-01", responded: str = "2015-04-10"
) -> list[dict[str, Any]]:
    """A children's complaint answered at stage 1, assigned, that lapses when its window runs out."""
    return [
        {"type": "ComplaintReceived", "case_id": case_id, "on": received, "procedure": "children-2006"},
        {"type": "Assigned", "case_id": case_id, "on": received, "officer": "O-1"},
        {"type": "Responded", "case_id": case_id, "on": responded, "stage": 1, "outcome": "upheld"},
    ]


def rows_of(store: EventStore, case_id: str) -> dict[str, int]:
    counts = {}
    with store._reading() as db:
        for table in CASE_TABLES:
            db.execute(store._sql(f"SELECT count(*) FROM {table} WHERE case_id = ?"), (case_id,))
            counts[table] = int(db.fetchone()[0])
    return counts


def everything(store: EventStore) -> tuple[object, ...]:
    with store._reading() as db:
        tables = []
        for table in (*CASE_TABLES, "complaintflow_tombstones"):
            db.execute(f"SELECT * FROM {table} ORDER BY 1")
            tables.append(sorted(map(repr, db.fetchall())))
    return tuple(tables)


PLANTED = ("PLANTED-ETHNICITY-7F3A", "PLANTED-NOTE-91C2", "PLANTED-LEARNING-5D0E")


def planted_case(case_id: str) -> list[dict[str, Any]]:
    """A case whose equalities data and free text hold values a test can search for."""
    return [
        {
            "type": "ComplaintReceived",
            "case_id": case_id,
            "on": "2024-04-02",
            "procedure": "children-2006",
            "service_user": {"ethnicity": PLANTED[0], "disability": True},
        },
        {"type": "Deferred", "case_id": case_id, "on": "2024-04-05", "reason": PLANTED[1]},
        {"type": "Resumed", "case_id": case_id, "on": "2024-04-09"},
        {"type": "Responded", "case_id": case_id, "on": "2024-04-16", "stage": 1, "outcome": "upheld"},
    ]


def every_row(store: EventStore, but: tuple[str, ...] = ()) -> str:
    """Every row of every table of the store (but those named), as text."""
    with store._reading() as db:
        text = []
        for table in tables_of(store, db):
            if table in but:
                continue
            db.execute(f"SELECT * FROM {table}")
            text.append(repr(db.fetchall()))
    return "\n".join(text)


def tables_of(store: EventStore, db: Any) -> list[str]:
    """The names of the store's tables."""
    db.execute(
        "SELECT table_name FROM information_schema.tables WHERE table_name LIKE 'complaintflow%'"
        if store.mark == "%s"
        else "SELECT name FROM sqlite_master WHERE type = 'table'"
    )
    return sorted({row[0] for row in db.fetchall()})


class PrivacyContract:
    """Retention, holds, purge, erasure and redaction, for every store."""

    def test_a_case_past_its_retention_is_purged_to_a_tombstone(self, store: EventStore) -> None:
        store.append("OLD", closed_case("OLD"))
        notify(store, as_of=date(2015, 5, 1))  # a notice in the outbox: its window closes soon
        assert list_notices(store, case_id="OLD")
        store.append("NEW", closed_case("NEW", "2024-04-02", "2024-04-10"))
        summary = store.purge(date(2022, 6, 1), by="IG-OFFICER-1")
        assert [decision.case_id for decision in summary.purged] == ["OLD"]
        # The stage 2 window ran out on 2015-05-11 (20 working days): the case ended the day after.
        assert summary.purged[0].ended_on == date(2015, 5, 12)
        assert summary.purged[0].keep_until == date(2021, 5, 12)
        assert rows_of(store, "OLD") == dict.fromkeys(CASE_TABLES, 0)
        assert all(event.case_id != "OLD" for _, event in store.feed())
        assert store.cases() == ["NEW"]
        (stone,) = store.tombstones()
        assert "OLD" not in stone.digest and len(stone.digest) == 64
        assert (stone.first_on, stone.ended_on, stone.keep_until) == (
            "2015-04-01",
            "2015-05-12",
            "2021-05-12",
        )
        assert (stone.reason, stone.purged_by, stone.events, stone.procedure) == (
            "schedule",
            "IG-OFFICER-1",
            3,
            "children-2006",
        )
        assert stone.rule.startswith("6 years after the case ended [Council retention schedules")
        assert store.check() == []
        with pytest.raises(cf.UnknownCase):
            store.load("OLD")

    def test_a_dry_run_says_what_would_go_and_changes_nothing(self, store: EventStore) -> None:
        store.append("OLD", closed_case("OLD"))
        before = everything(store)
        summary = store.purge(date(2022, 6, 1), dry_run=True)
        assert summary.dry_run and [decision.case_id for decision in summary.purged] == ["OLD"]
        assert everything(store) == before

    def test_a_case_is_kept_until_the_day_after_its_last_day(self, store: EventStore) -> None:
        store.append("OLD", closed_case("OLD"))
        kept = store.purge(date(2021, 5, 12)).kept
        assert [(d.case_id, d.reason) for d in kept] == [("OLD", "within its retention")]
        assert [d.case_id for d in store.purge(date(2021, 5, 13)).purged] == ["OLD"]

    def test_an_open_case_is_never_purged(self, store: EventStore) -> None:
        store.append("OPEN", closed_case("OPEN")[:2])
        summary = store.purge(date(2040, 1, 1))
        assert summary.purged == () and summary.kept[0].reason == "open"
        assert rows_of(store, "OPEN")["complaintflow_events"] == 2

    def test_a_case_on_legal_hold_is_kept_until_the_hold_is_lifted(self, store: EventStore) -> None:
        hold = {
            "type": "LegalHoldPlaced",
            "case_id": "H",
            "on": "2016-01-04",
            "reason": "judicial review claim",
        }
        store.append("H", [*closed_case("H"), hold])
        summary = store.purge(date(2030, 1, 1))
        assert summary.purged == () and summary.kept[0].reason == "on legal hold"
        lifted = {"type": "LegalHoldLifted", "case_id": "H", "on": "2017-01-04"}
        store.append("H", [lifted])
        # A hold does not move the end of the case: its retention still runs from the lapse.
        assert store.purge(date(2021, 5, 13)).purged[0].keep_until == date(2021, 5, 12)
        assert store.tombstones()[0].events == 5

    def test_a_case_awaiting_the_ombudsman_is_kept_and_counts_from_the_decision(
        self, store: EventStore
    ) -> None:
        referred = {"type": "OmbudsmanReferred", "case_id": "R", "on": "2016-02-01"}
        store.append("R", [*closed_case("R"), referred])
        assert store.purge(date(2030, 1, 1)).kept[0].reason == "an Ombudsman referral not yet decided"
        decided = {
            "type": "OmbudsmanDecided",
            "case_id": "R",
            "on": "2016-09-01",
            "outcome": "local_settlement",
        }
        store.append("R", [decided])
        assert store.purge(date(2022, 9, 1)).kept[0].keep_until == date(2022, 9, 1)
        assert [d.case_id for d in store.purge(date(2022, 9, 2)).purged] == ["R"]

    def test_a_council_sets_its_own_period_when_it_opens_the_store(self, store: EventStore) -> None:
        source = Source(instrument="Our schedule", provision="CS-1", confidence="P", local_choice=True)
        store.retention["children-2006"] = Retention(years=1, description="One year.", source=source)
        store.append("OLD", closed_case("OLD"))
        (purged,) = store.purge(date(2016, 5, 13)).purged
        assert purged.keep_until == date(2016, 5, 12)
        assert (
            store.tombstones()[0].rule == "1 years after the case ended [Our schedule CS-1 [P, local choice]]"
        )

    def test_a_purged_reference_cannot_be_used_again(self, store: EventStore) -> None:
        store.append("OLD", closed_case("OLD"))
        store.purge(date(2022, 6, 1))
        before = everything(store)
        with pytest.raises(cf.InvalidEvent, match="purged"):
            store.append("OLD", closed_case("OLD", "2022-06-01", "2022-06-02"))
        assert everything(store) == before

    def test_check_finds_a_purged_case_that_has_events_again(self, store: EventStore) -> None:
        store.append("OLD", closed_case("OLD"))
        store.append("KEEP", closed_case("KEEP", "2024-04-02", "2024-04-10"))
        store.purge(date(2022, 6, 1))
        stone = store.tombstones()[0]
        with store._writing() as db:  # damage: a second tombstone that names a live case's digest
            from complaintflow.store.purging import SALT_KEY
            from complaintflow.store.retention import reference_digest

            db.execute(store._sql("SELECT value FROM complaintflow_meta WHERE key = ?"), (SALT_KEY,))
            digest = reference_digest(db.fetchone()[0], "KEEP")
            db.execute(
                store._sql(
                    "INSERT INTO complaintflow_tombstones (digest, first_on, purged_on, as_of, rule, "
                    "reason, events) VALUES (?, ?, ?, ?, ?, ?, ?)"
                ),
                (digest, stone.first_on, stone.purged_on, "2022-06-01", stone.rule, "schedule", 3),
            )
        assert store.check() == [
            "case KEEP: purged, yet it has events",
            f"tombstone {digest[:12]}: purged by schedule before its time",
        ]

    def test_a_purge_by_a_name_on_many_lines_is_refused(self, store: EventStore) -> None:
        with pytest.raises(cf.InvalidEvent, match="'by'"):
            store.purge(date(2022, 6, 1), by="Jane\nSmith")

    @settings(
        max_examples=15,
        deadline=None,
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.differing_executors],
    )
    @given(data=st.data())
    def test_store_check_passes_after_every_redaction_and_purge(
        self, store: EventStore, data: st.DataObject
    ) -> None:
        procedure = cf.load_procedure("children-2006")
        as_of = date(2012, 4, 1) + timedelta(days=data.draw(st.integers(0, 365 * 25)))
        for _ in range(data.draw(st.integers(1, 3))):
            case_id = f"Q-{next(_CASES)}"
            store.append(case_id, data.draw(event_sequences(procedure, case_id=case_id, max_events=6)))
            if data.draw(st.booleans()):
                fields = data.draw(
                    st.lists(st.sampled_from(sorted(PERSONAL_FIELDS)), min_size=1, unique=True)
                )
                before = store.load(case_id).view(as_of=as_of, forms=False)
                store.redact(case_id, fields, "asked", by="DPO-1")
                after = store.load(case_id).view(as_of=as_of, forms=False)
                assert after.redacted[-1].fields == list(dict.fromkeys(fields))
                assert after.model_copy(update={"redacted": before.redacted}) == before
                assert store.check() == []
        summary = store.purge(as_of, dry_run=data.draw(st.booleans()))
        for decision in summary.purged:
            assert decision.keep_until is not None and decision.keep_until < as_of
            if not summary.dry_run:
                assert rows_of(store, decision.case_id) == dict.fromkeys(CASE_TABLES, 0)
        for decision in summary.kept:
            assert rows_of(store, decision.case_id)["complaintflow_events"] > 0
        assert store.check() == []

    # -- redaction and erasure -------------------------------------------------------------------

    def test_a_redaction_leaves_no_planted_value_and_the_case_replays_as_before(
        self, store: EventStore
    ) -> None:
        store.append("R", planted_case("R"))
        before = store.load("R").view(as_of=date(2024, 5, 1), forms=False)
        version = store.redact("R", ["service_user", "reason"], "the complainant asked", by="DPO-1")
        assert version == 5
        after = store.load("R").view(as_of=date(2024, 5, 1), forms=False)
        assert after.redacted == [RedactionNote(on=london_today(), fields=["service_user", "reason"])]
        assert after.model_copy(update={"redacted": []}) == before  # no date, state or deadline moved
        assert store.load("R").last_event_on == date(2024, 4, 16)
        text = every_row(store) + "".join(store.export())
        assert "R" in text and not any(value in text for value in PLANTED)
        deferred = next(event for event in store.events("R") if event.type == "Deferred")
        assert deferred.reason == "[redacted]"
        (_, note) = store.feed()[-1]
        assert note.type == "Redacted" and note.by == "DPO-1"
        assert note.model_dump(mode="json", include={"fields", "reason", "on"}) == {
            "fields": ["service_user", "reason"],
            "reason": "the complainant asked",
            "on": "2024-04-16",
        }
        assert store.check() == []

    def test_a_redaction_of_a_field_that_is_not_personal_or_a_date_is_refused(
        self, store: EventStore
    ) -> None:
        store.append("R", planted_case("R"))
        before = everything(store)
        with pytest.raises(cf.InvalidEvent, match="not a personal field"):
            store.redact("R", ["outcome"], "asked", by="DPO-1")
        with pytest.raises(cf.InvalidEvent, match="never changes a date"):
            store.redact("R", ["reason", "on"], "asked", by="DPO-1")
        with pytest.raises(cf.InvalidEvent, match="never changes a date"):
            store.redact("R", ["grounds_arose"], "asked", by="DPO-1")
        with pytest.raises(cf.InvalidEvent, match="'by'"):
            store.redact("R", ["reason"], "asked", by="")
        with pytest.raises(cf.UnknownCase):
            store.redact("NONE", ["reason"], "asked", by="DPO-1")
        assert everything(store) == before

    def test_a_declined_complaints_coded_reason_is_not_rewritten(self, store: EventStore) -> None:
        received = {
            "type": "ComplaintReceived",
            "case_id": "D",
            "on": "2024-04-02",
            "procedure": "children-2006",
        }
        declined = {"type": "ComplaintDeclined", "case_id": "D", "on": "2024-04-03", "reason": "out_of_time"}
        store.append("D", [received, declined])
        store.redact("D", ["reason"], "asked", by="DPO-1")
        assert next(e for e in store.events("D") if e.type == "ComplaintDeclined").reason == "out_of_time"

    def test_erasure_before_its_time_leaves_a_tombstone_and_keeps_the_refusals(
        self, store: EventStore
    ) -> None:
        store.append("OPEN", closed_case("OPEN")[:2])
        hold = {"type": "LegalHoldPlaced", "case_id": "H", "on": "2024-05-01", "reason": "claim"}
        store.append("H", [*closed_case("H", "2024-04-02", "2024-04-10"), hold])
        store.append("E", closed_case("E", "2024-04-02", "2024-04-10"))
        before = everything(store)
        with pytest.raises(cf.StoreError, match="not erased, open"):
            store.erase("OPEN", as_of=date(2025, 1, 1))
        with pytest.raises(cf.StoreError, match="not erased, on legal hold"):
            store.erase("H", as_of=date(2025, 1, 1))
        assert everything(store) == before
        stone = store.erase("E", by="DPO-1", as_of=date(2025, 1, 1))
        assert (stone.reason, stone.rule, stone.keep_until, stone.purged_by) == (
            "erasure",
            "erased on request",
            None,
            "DPO-1",
        )
        assert rows_of(store, "E") == dict.fromkeys(CASE_TABLES, 0)
        assert store.tombstones() == [stone]
        assert store.check() == []

    # -- subject access --------------------------------------------------------------------------

    def test_subject_access_gives_every_event_its_deadlines_voids_and_redactions(
        self, store: EventStore
    ) -> None:
        events = planted_case("S")
        events[0]["event_id"] = "S-RECEIVED"
        store.append("S", events, recorded_by="HOST-1")
        assign = {"type": "Assigned", "case_id": "S", "on": "2024-04-17", "officer": "O-1", "event_id": "S-A"}
        store.append("S", [assign])
        void = {
            "type": "EventVoided",
            "case_id": "S",
            "on": "2024-04-18",
            "voids": "S-A",
            "reason": "wrong case",
        }
        store.append("S", [void])
        store.redact("S", ["reason"], "asked", by="DPO-1")
        access = store.subject_access("S")
        assert [stored.event["type"] for stored in access.events] == [
            "ComplaintReceived",
            "Deferred",
            "Resumed",
            "Responded",
            "Assigned",
            "EventVoided",
            "Redacted",
        ]
        assert access.events[0].recorded_by == "HOST-1" and access.events[0].event["event_id"] == "S-RECEIVED"
        assert [position for position in (stored.position for stored in access.events)] == sorted(
            stored.position for stored in access.events
        )
        assert {deadline["name"] for deadline in access.deadlines} >= {"stage1_response"}
        assert [void["event_id"] for void in access.voided] == ["S-A"]
        assert [redaction["fields"] for redaction in access.redactions] == [["reason"]]
        assert PLANTED[0] in access.model_dump_json()  # equalities data not redacted is shown
        assert PLANTED[1] not in access.model_dump_json() and PLANTED[1] not in access.to_html()
        with pytest.raises(cf.UnknownCase):
            store.subject_access("NONE")

    # -- frozen years ----------------------------------------------------------------------------

    def test_a_frozen_year_is_reported_as_frozen_after_its_cases_are_purged(self, store: EventStore) -> None:
        store.append("OLD", closed_case("OLD"))
        store.append("OLD2", closed_case("OLD2", "2015-05-01", "2015-05-08"))
        store.append("NEXT", closed_case("NEXT", "2016-05-02", "2016-05-09"))
        frozen = freeze_year(store, 2015)
        assert frozen.frozen_on == london_today() and frozen.counted.counts.stage1 == 2
        assert store.frozen() == [frozen]
        assert freeze_year(store, 2015) == frozen  # frozen once: the first copy stays
        assert len(store.publications()) == 1
        assert [d.case_id for d in store.purge(date(2022, 6, 1)).purged] == ["OLD", "OLD2"]
        assert store.check() == []
        again = store.reports(2015, only=["children-2006"])["children-2006"]
        assert again == frozen.counted and again.frozen_on == london_today()
        assert publish_from(store, again) == frozen.published
        assert f"Frozen on {london_today().isoformat()}" in cf.report.to_markdown(frozen.published)
        later = store.reports(2016, only=["children-2006"])["children-2006"]
        assert isinstance(later, cf.report.AnnualReport) and later.frozen_on is None
        assert "2015-16" in later.years  # every case of 2015 is gone; its column stays
        assert later.counts_by_year["2015-16"] == frozen.counted.counts_by_year["2015-16"]
        assert later.counts_by_year["2015-16"].stage1 == 2 and later.counts.stage1 == 1

    def test_equalities_counts_change_only_in_years_not_frozen(self, store: EventStore) -> None:
        def with_ethnicity(case_id: str, received: str, responded: str) -> list[dict[str, Any]]:
            events = closed_case(case_id, received, responded)
            events[0]["service_user"] = {"ethnicity": "White British"}
            return events

        store.append("E15", with_ethnicity("E15", "2015-04-01", "2015-04-10"))
        store.append("E16", with_ethnicity("E16", "2016-05-02", "2016-05-09"))
        frozen = freeze_year(store, 2015)
        before = store.reports(2016, only=["children-2006"])["children-2006"]
        for case_id in ("E15", "E16"):
            store.redact(case_id, ["service_user"], "asked by the complainant", by="DPO-1")
            assert store.check() == []
        assert store.reports(2015, only=["children-2006"])["children-2006"] == frozen.counted
        after = store.reports(2016, only=["children-2006"])["children-2006"]
        assert isinstance(before, cf.report.AnnualReport) and isinstance(after, cf.report.AnnualReport)
        known = {
            label: share.denominator
            for label, share in after.equalities["stage1"].bme_where_known_by_year.items()
        }
        assert known == {"2015-16": 1, "2016-17": 0}  # the frozen year still counts what it knew
        assert before.equalities["stage1"].bme_where_known_by_year["2016-17"].denominator == 1
        assert [note.fields for note in store.load("E16").view(as_of=date(2016, 6, 1)).redacted] == [
            ["service_user"]
        ]

    @settings(
        max_examples=12,
        deadline=None,
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.differing_executors],
    )
    @given(data=st.data())
    def test_a_frozen_year_stays_as_frozen_whatever_is_purged_or_redacted(
        self, store: EventStore, data: st.DataObject
    ) -> None:
        emptied(store)  # each example starts from an empty store, so that it replays the same
        procedure = cf.load_procedure("children-2006")
        case_ids = []
        for _ in range(data.draw(st.integers(1, 4))):
            case_id = f"F-{next(_CASES)}"
            store.append(case_id, data.draw(event_sequences(procedure, case_id=case_id, max_events=6)))
            case_ids.append(case_id)
        first = store.load(case_ids[0]).first_event_on
        assert first is not None
        year = reporting_year(first)
        frozen = freeze_year(store, year)
        for case_id in case_ids:
            if data.draw(st.booleans()):
                fields = data.draw(
                    st.lists(st.sampled_from(sorted(PERSONAL_FIELDS)), min_size=1, unique=True)
                )
                store.redact(case_id, fields, "asked", by="DPO-1")
                assert store.check() == []
        as_of = first + timedelta(days=data.draw(st.integers(0, 365 * 25)))
        store.purge(as_of)
        assert store.check() == []
        if data.draw(st.booleans()) and (left := store.cases()):
            with contextlib.suppress(cf.StoreError):  # open, held or awaiting the Ombudsman: refused
                store.erase(data.draw(st.sampled_from(sorted(left))), as_of=date(2040, 1, 1))
            assert store.check() == []
        again = store.reports(year, only=["children-2006"])["children-2006"]
        assert figures(again) == figures(frozen.counted)
        assert figures(publish_from(store, again)) == figures(frozen.published)
        assert again.frozen_on == frozen.frozen_on
        later = store.reports(year + 1, only=["children-2006"])["children-2006"]
        assert isinstance(later, cf.report.AnnualReport) and isinstance(
            frozen.counted, cf.report.AnnualReport
        )
        label = year_label(year)
        assert later.counts_by_year.get(label) == frozen.counted.counts_by_year.get(label)

    # -- what a redaction reaches beyond the events ----------------------------------------------

    def test_a_redaction_rewrites_the_outbox_and_frozen_reports_and_tells_subscribers(
        self, store: EventStore
    ) -> None:
        add_subscription(
            store, "https://host.example/hooks", ["Deferred", "LearningActionAgreed", "Redacted"]
        )
        events = planted_case("P")
        learning = {
            "type": "LearningActionAgreed",
            "case_id": "P",
            "on": "2024-04-17",
            "action_id": "LA-1",
            "description": PLANTED[2],
        }
        store.append("P", [*events, learning])
        notify(store, as_of=date(2024, 4, 17))
        assert PLANTED[1] in every_row(store) and PLANTED[2] in every_row(store)
        frozen = freeze_year(store, 2024)
        assert PLANTED[2] in frozen.counted.model_dump_json()
        store.redact("P", ["service_user", "reason", "description"], "the complainant asked", by="DPO-1")
        text = every_row(store) + "".join(store.export())
        assert not any(value in text for value in PLANTED[1:])
        # A published year keeps its equalities counts by category: the one place the ethnicity stays.
        assert PLANTED[0] not in every_row(store, but=("complaintflow_frozen", "complaintflow_publications"))
        (kept,) = store.frozen()
        assert isinstance(kept.counted, cf.report.AnnualReport)
        assert kept.counted.equalities["stage1"].ethnicity == {PLANTED[0]: 1, "Total": 1}
        assert kept.counted.model_copy(update={"learning_actions": None}) == frozen.counted.model_copy(
            update={"learning_actions": None}
        )  # the figures stay as published; only the words went
        notify(store, as_of=date(2024, 4, 18))
        with store._reading() as db:
            db.execute(
                store._sql(
                    "SELECT kind FROM complaintflow_notices "
                    "WHERE case_id = ? AND substr(notice_id, 1, 4) = 'evt_'"
                ),
                ("P",),
            )
            kinds = sorted(row[0] for row in db.fetchall())
        assert kinds == ["Deferred", "LearningActionAgreed", "Redacted"]  # a subscriber is told
        assert store.check() == []


def figures(report: Report) -> dict[str, Any]:
    """The report without the words of its learning actions, which a redaction may take out."""
    data = report.model_dump(mode="json")
    for action in (data.get("learning_actions") or {}).get("actions", []):
        action["description"] = ""
    return data


def emptied(store: EventStore) -> None:
    """Remove every row of every table, as if the store were new."""
    with store._writing() as db:
        for table in tables_of(store, db):
            where = " WHERE key <> 'schema_version'" if table == "complaintflow_meta" else ""
            db.execute(f"DELETE FROM {table}{where}")
    with store._cache_lock:
        store._cache.clear()


def freeze_year(store: EventStore, year: int, procedure: str = "children-2006") -> Frozen:
    """Publish the store's report of the year, and freeze it, as `report --store --freeze` does."""
    counted = store.reports(year, only=[procedure])[procedure]
    return store.freeze(counted, publish_from(store, counted), procedure)


def publish_from(store: EventStore, counted: Report, suppress_below: int = 5) -> Report:
    """The report as the store publishes it: the frozen copy of a frozen year."""
    from complaintflow.store.freezing import published_as_frozen

    name = counted.procedure or "children-2006"

    def now(report: Report) -> Report:
        return publish(report, suppress_below, earlier=store.publications(), procedures=name)

    return published_as_frozen(store, counted, name, suppress_below, now)[0]
