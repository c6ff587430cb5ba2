"""Retention: which ended cases are past their time, and what is left of one once it is purged.

A case's record is kept for its retention rule's years after the case ended: the day it last closed
(a request window that ran out closes it the day after its due date), or the day the Ombudsman
decided, if later; a record that is never open (a compliment) ends with its last event. A case is
never purged while it is open, while an Ombudsman referral waits for a decision, or while a legal
hold stands. What a purge leaves is a tombstone: a one-way digest of the reference, the dates, the
rule and who purged it.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import date, timedelta

from complaintflow.case import Case
from complaintflow.procedure import Retention
from complaintflow.view import CaseView

#: Why a case is kept, or purged: the words a dry run prints.
PAST_RETENTION = "past its retention"
WITHIN_RETENTION = "within its retention"
OPEN = "open"
ON_HOLD = "on legal hold"
AWAITING_OMBUDSMAN = "an Ombudsman referral not yet decided"
NO_RULE = "no retention rule"
EVENTS_AFTER = "events after the day"
#: The reasons a case is kept even when a council asks for it to be erased.
REFUSALS = frozenset({OPEN, ON_HOLD, AWAITING_OMBUDSMAN, EVENTS_AFTER})


@dataclass(frozen=True, slots=True)
class PurgeDecision:
    """One case, as a purge finds it on the day: purged or kept, and why."""

    case_id: str
    procedure: str | None
    ended_on: date | None
    keep_until: date | None
    purge: bool
    reason: str


@dataclass(frozen=True, slots=True)
class PurgeSummary:
    """What a purge removed (or, in a dry run, would remove) and what it kept, case by case."""

    as_of: date
    dry_run: bool
    purged: tuple[PurgeDecision, ...]
    kept: tuple[PurgeDecision, ...]


@dataclass(frozen=True, slots=True)
class Tombstone:
    """What is left of a purged case: enough for an auditor to see that it existed and went by
    schedule (or on request), and nothing that names anyone."""

    digest: str
    procedure: str | None
    first_on: str
    ended_on: str | None
    keep_until: str | None
    purged_on: str
    as_of: str
    rule: str
    reason: str
    purged_by: str | None
    events: int


def on_hold(case: Case) -> bool:
    """Whether a `LegalHoldPlaced` stands, not lifted since."""
    return _latest_is(case, "LegalHoldPlaced", "LegalHoldLifted")


def awaiting_ombudsman(case: Case) -> bool:
    """Whether the case was referred to an Ombudsman with no decision recorded since."""
    return _latest_is(case, "OmbudsmanReferred", "OmbudsmanDecided")


def _latest_is(case: Case, starts: str, ends: str) -> bool:
    """Whether the latest of two event types that open and close a condition is the opening one."""
    latest = [event.type for event in case.counted_events if event.type in (starts, ends)]
    return bool(latest) and latest[-1] == starts


def ended_on(case: Case, as_of: date) -> date | None:
    """The day the case ended, as it stood at the end of `as_of` (None: open that day)."""
    if case.view(as_of=as_of, forms=False).open:
        return None
    counted = [event for event in case.counted_events if event.on <= as_of]
    days = sorted({event.on for event in counted})
    ended = days[-1] if days else None  # never open, such as a compliment: its last event
    was_open = False
    for day in [*days, as_of]:
        view = case.view(as_of=day, forms=False)
        if was_open and not view.open:
            ended = _closed_on(view, day)
        was_open = view.open
    decided = [event.on for event in counted if event.type == "OmbudsmanDecided"]
    if decided and ended is not None:
        ended = max(ended, decided[-1])
    return ended


def _closed_on(view: CaseView, day: date) -> date:
    """The day a case found closed on `day` closed: the day after a request window ran out, if one
    did by then, else the day itself."""
    lapses = [
        deadline.due + timedelta(days=1)
        for deadline in view.deadlines
        if deadline.status == "lapsed" and deadline.due is not None
    ]
    return max((lapse for lapse in lapses if lapse <= day), default=day)


def decide(case: Case, case_id: str, rule: Retention | None, as_of: date) -> PurgeDecision:
    """Whether the case is purged as of the day, and why (the refusals come first)."""
    procedure = case.procedure.name if case.procedure is not None else None

    def kept(reason: str, ended: date | None = None, until: date | None = None) -> PurgeDecision:
        return PurgeDecision(case_id, procedure, ended, until, False, reason)

    last = case.last_event_on
    if last is not None and last > as_of:
        return kept(EVENTS_AFTER)
    ended = ended_on(case, as_of)
    if ended is None:
        return kept(OPEN)
    if on_hold(case):
        return kept(ON_HOLD, ended)
    if awaiting_ombudsman(case):
        return kept(AWAITING_OMBUDSMAN, ended)
    if rule is None:
        return kept(NO_RULE, ended)
    until = rule.keep_until(ended)
    if until >= as_of:
        return kept(WITHIN_RETENTION, ended, until)
    return PurgeDecision(case_id, procedure, ended, until, True, PAST_RETENTION)


def reference_digest(salt: str, case_id: str) -> str:
    """A one-way digest of a case reference, salted per store so that a list of references cannot
    be matched against tombstones without the store; whoever holds the store and a reference can
    still confirm that the case was there."""
    return hashlib.sha256(f"{salt}\0{case_id}".encode()).hexdigest()


def describe_rule(rule: Retention | None) -> str:
    """The rule as a tombstone records it: the years and the citation."""
    if rule is None:
        return "erased on request"
    return f"{rule.years} years after the case ended [{rule.source.cite()}]"
