"""The outbox: notices about deadlines, each made once per (case, deadline, kind, due date).

A procedure definition says which notices its deadlines have and when, in working days from the
due date (`[notices.approaching]`, `[notices.due]`, `[notices.missed]`, `[notices.closing]`). A
notify run for a day makes, in one transaction per case, every notice owed by then that is not in
the outbox yet, and withdraws the unsent notices of deadlines that were met, stopped or moved: a
moved deadline owes its notices anew, under its new due date. The rules work from the deadlines the
case shows on the day, so whatever moves a deadline (an extension, a proclaimed bank holiday, a late
entry, a voided event) is covered, and deadlines of kinds added later get notices too.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict

from complaintflow.case import Case
from complaintflow.dates import london_today, require_date
from complaintflow.deadlines import Clock
from complaintflow.errors import ComplaintflowError
from complaintflow.letters import LetterFacts
from complaintflow.store.base import Cursor, EventStore
from complaintflow.view import Owner

NoticeStatus = Literal["pending", "sent", "withdrawn"]
#: Notices listed at most at once.
MAX_LISTED = 10_000


class NoticeError(ComplaintflowError):
    """A notice that cannot be found or re-sent as asked."""


class Notice(BaseModel):
    """A notice about one deadline of a case, as a webhook carries it and a host reads it."""

    model_config = ConfigDict(frozen=True)

    notice_id: str
    kind: str
    case_id: str
    procedure: str
    deadline: str
    deadline_kind: str
    stage: int
    due: date
    notice_on: date
    reason: str
    owner: Owner | None
    letter_facts: LetterFacts


@dataclass(frozen=True)
class Owed:
    """A notice a case owes on a day: its key, and when it fell owed."""

    clock: Clock
    kind: str
    notice_on: date
    reason: str


@dataclass(frozen=True)
class NotifyResult:
    """What a notify run did."""

    made: int
    withdrawn: int
    case_events: int = 0


def owed(case: Case, as_of: date) -> list[Owed]:
    """The notices the case owes by the end of `as_of`, under its procedure's notice rules.

    A notice before or on a due date is owed only until that day: once the deadline has passed,
    the notice that it was missed says what matters.
    """
    procedure = case.procedure
    if procedure is None or not procedure.notices:
        return []
    found = []
    for clock in case.standing(as_of)[1].values():
        if clock.due is None or clock.status(as_of) not in ("pending", "overdue"):
            continue
        for kind, rule in procedure.notices.items():
            if not rule.applies_to(clock.rule.kind):
                continue
            notice_on = clock.calendar.add_working_days(clock.due, rule.working_days)
            if notice_on <= as_of and (rule.working_days > 0 or as_of <= clock.due):
                found.append(Owed(clock, kind, notice_on, rule.reason))
    return found


def notice_id(case_id: str, deadline: str, kind: str, due: date) -> str:
    """The notice's id, from its key: the same notice always has the same id."""
    key = json.dumps([case_id, deadline, kind, due.isoformat()])
    return "ntc_" + hashlib.sha256(key.encode()).hexdigest()[:32]


def notify(store: EventStore, as_of: date | None = None) -> NotifyResult:
    """Make the notices owed by the end of `as_of` (default today in London) and withdraw those
    no longer owed; running it again for the same day makes nothing new."""
    as_of = london_today() if as_of is None else require_date(as_of, "as_of")
    day = as_of.isoformat()
    with store._reading() as db:
        # Cases with a running deadline, those with events after the day (which may have had one
        # then), and those with notices waiting, which may be owed no longer.
        db.execute(
            store._sql(
                "SELECT case_id FROM complaintflow_deadlines UNION SELECT case_id FROM complaintflow_cases "
                "WHERE first_on <= ? AND last_on > ? UNION SELECT case_id FROM complaintflow_notices "
                "WHERE status = 'pending'"
            ),
            (day, day),
        )
        case_ids = sorted(row[0] for row in db.fetchall())
    made = withdrawn = 0
    for case_id in case_ids:
        with store._writing() as db:
            found = _notify_case(store, db, case_id, as_of)
        made += found.made
        withdrawn += found.withdrawn
    from complaintflow.notices.case_events import queue_case_events

    return NotifyResult(made, withdrawn, queue_case_events(store))


def _notify_case(store: EventStore, db: Cursor, case_id: str, as_of: date) -> NotifyResult:
    version, case = store._current(db, case_id)
    db.execute(
        store._sql(
            "SELECT notice_id, deadline, due, status FROM complaintflow_notices "
            "WHERE case_id = ? AND substr(notice_id, 1, 4) = 'ntc_'"
        ),
        (case_id,),
    )
    stored = {row[0]: (row[1], row[2], row[3]) for row in db.fetchall()}
    owed_now = owed(case, as_of) if version else []
    clocks = case.standing(as_of)[1].values() if version else ()
    running = {
        (clock.name, clock.due)
        for clock in clocks
        if clock.due is not None and clock.status(as_of) in ("pending", "overdue")
    }
    made = withdrawn = 0
    view = None
    for item in owed_now:
        assert item.clock.due is not None
        identity = notice_id(case_id, item.clock.name, item.kind, item.clock.due)
        status = stored.get(identity, (None, None, None))[2]
        if status in ("pending", "sent"):
            continue
        if view is None:
            view = case.view(as_of=as_of, forms=False)
        assert view.letter_facts is not None and case.procedure is not None
        notice = Notice(
            notice_id=identity,
            kind=item.kind,
            case_id=case_id,
            procedure=case.procedure.name,
            deadline=item.clock.name,
            deadline_kind=item.clock.rule.kind,
            stage=item.clock.rule.stage,
            due=item.clock.due,
            notice_on=item.notice_on,
            reason=item.reason,
            owner=view.owner,
            letter_facts=view.letter_facts,
        )
        if status == "withdrawn":  # the deadline runs to this due date again: owed once more
            db.execute(
                store._sql(
                    "UPDATE complaintflow_notices SET status = 'pending', made_on = ?, body = ? "
                    "WHERE notice_id = ?"
                ),
                (as_of.isoformat(), notice.model_dump_json(), identity),
            )
        else:
            db.execute(
                store._sql(
                    "INSERT INTO complaintflow_notices (notice_id, case_id, deadline, kind, due, notice_on, "
                    "made_on, status, body) VALUES (?, ?, ?, ?, ?, ?, ?, 'pending', ?)"
                ),
                (
                    identity,
                    case_id,
                    item.clock.name,
                    item.kind,
                    item.clock.due.isoformat(),
                    item.notice_on.isoformat(),
                    as_of.isoformat(),
                    notice.model_dump_json(),
                ),
            )
        queue_deliveries(store, db, identity, item.kind)
        made += 1
    for identity, (deadline, due, status) in stored.items():
        if status == "pending" and (deadline, date.fromisoformat(due)) not in running:
            db.execute(
                store._sql("UPDATE complaintflow_notices SET status = 'withdrawn' WHERE notice_id = ?"),
                (identity,),
            )
            db.execute(
                store._sql(
                    "UPDATE complaintflow_deliveries SET status = 'withdrawn' "
                    "WHERE notice_id = ? AND status <> 'delivered'"
                ),
                (identity,),
            )
            withdrawn += 1
    return NotifyResult(made, withdrawn)


def queue_deliveries(
    store: EventStore, db: Cursor, identity: str, kind: str, only: list[str] | None = None
) -> None:
    """A delivery to each subscription that wants this kind (of those in `only`, if given), due at
    once."""
    now = stamp(utc_now())
    db.execute("SELECT subscription_id, kinds FROM complaintflow_subscriptions")
    for subscription_id, kinds in db.fetchall():
        if kind not in json.loads(kinds) or (only is not None and subscription_id not in only):
            continue
        db.execute(
            store._sql("DELETE FROM complaintflow_deliveries WHERE notice_id = ? AND subscription_id = ?"),
            (identity, subscription_id),
        )
        db.execute(
            store._sql(
                "INSERT INTO complaintflow_deliveries (notice_id, subscription_id, status, attempts, "
                "first_try, next_try) VALUES (?, ?, 'pending', 0, ?, ?)"
            ),
            (identity, subscription_id, now, now),
        )


def utc_now() -> datetime:
    """Now, in UTC: delivery times are instants, not local dates."""
    return datetime.now(UTC)


def stamp(moment: datetime) -> str:
    """An instant as stored: UTC, to the microsecond, in one width, so that text order is time order."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


@dataclass(frozen=True)
class StoredNotice:
    """A notice as the outbox lists it, with where it stands."""

    notice: Notice
    status: NoticeStatus
    made_on: date


def list_notices(
    store: EventStore, *, case_id: str | None = None, status: NoticeStatus | None = None
) -> list[StoredNotice]:
    """The outbox's notices, oldest first; only a case's, or only those of one status, if asked."""
    query = "SELECT body, status, made_on FROM complaintflow_notices WHERE substr(notice_id, 1, 4) = 'ntc_'"
    params: list[object] = []
    if case_id is not None:
        query += " AND case_id = ?"
        params.append(case_id)
    if status is not None:
        query += " AND status = ?"
        params.append(status)
    query += f" ORDER BY notice_on, case_id, deadline, kind LIMIT {MAX_LISTED}"
    with store._reading() as db:
        db.execute(store._sql(query), params)
        rows = db.fetchall()
    return [
        StoredNotice(Notice.model_validate_json(body), status, date.fromisoformat(made_on))
        for body, status, made_on in rows
    ]
