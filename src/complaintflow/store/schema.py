"""The tables a store keeps, written once for both dialects: `{position}` is the only difference."""

from __future__ import annotations

import re

TABLES = """
CREATE TABLE IF NOT EXISTS complaintflow_meta (
    key TEXT PRIMARY KEY,
    value TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS complaintflow_events (
    position {position},
    case_id TEXT NOT NULL,
    version INTEGER NOT NULL,
    event_id TEXT NOT NULL UNIQUE,
    type TEXT NOT NULL,
    on_date TEXT NOT NULL,
    body TEXT NOT NULL,
    recorded_by TEXT,
    UNIQUE (case_id, version)
);
CREATE TABLE IF NOT EXISTS complaintflow_cases (
    case_id TEXT PRIMARY KEY,
    version INTEGER NOT NULL,
    procedure TEXT,
    state TEXT NOT NULL,
    open INTEGER NOT NULL,
    first_on TEXT NOT NULL,
    last_on TEXT NOT NULL,
    service_area TEXT,
    record TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS complaintflow_deadlines (
    case_id TEXT NOT NULL,
    name TEXT NOT NULL,
    kind TEXT NOT NULL,
    stage INTEGER NOT NULL,
    due TEXT NOT NULL,
    calendar TEXT NOT NULL,
    PRIMARY KEY (case_id, name)
);
CREATE INDEX IF NOT EXISTS complaintflow_deadlines_due ON complaintflow_deadlines (due);
CREATE INDEX IF NOT EXISTS complaintflow_cases_procedure ON complaintflow_cases (procedure, open);
CREATE TABLE IF NOT EXISTS complaintflow_owners (
    case_id TEXT PRIMARY KEY,
    officer TEXT,
    team TEXT
);
CREATE TABLE IF NOT EXISTS complaintflow_tokens (
    name TEXT PRIMARY KEY,
    scope TEXT NOT NULL,
    digest TEXT NOT NULL UNIQUE,
    created_on TEXT NOT NULL,
    revoked INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE IF NOT EXISTS complaintflow_notices (
    notice_id TEXT PRIMARY KEY,
    case_id TEXT NOT NULL,
    deadline TEXT NOT NULL,
    kind TEXT NOT NULL,
    due TEXT NOT NULL,
    notice_on TEXT NOT NULL,
    made_on TEXT NOT NULL,
    status TEXT NOT NULL,
    body TEXT NOT NULL,
    UNIQUE (case_id, deadline, kind, due)
);
CREATE INDEX IF NOT EXISTS complaintflow_notices_case ON complaintflow_notices (case_id, status);
CREATE TABLE IF NOT EXISTS complaintflow_subscriptions (
    subscription_id TEXT PRIMARY KEY,
    url TEXT NOT NULL,
    kinds TEXT NOT NULL,
    secret TEXT NOT NULL,
    created_on TEXT NOT NULL,
    after_position BIGINT NOT NULL
);
CREATE TABLE IF NOT EXISTS complaintflow_deliveries (
    notice_id TEXT NOT NULL,
    subscription_id TEXT NOT NULL,
    status TEXT NOT NULL,
    attempts INTEGER NOT NULL,
    first_try TEXT NOT NULL,
    next_try TEXT NOT NULL,
    last_error TEXT,
    PRIMARY KEY (notice_id, subscription_id)
);
CREATE INDEX IF NOT EXISTS complaintflow_deliveries_next ON complaintflow_deliveries (status, next_try);
"""

#: Every report the store has published, so that a later one gives nothing more away: its year,
#: procedures, kind and threshold, and its published form (which cells it printed) as JSON.
PUBLICATIONS = """
CREATE TABLE IF NOT EXISTS complaintflow_publications (
    position {position},
    year TEXT NOT NULL,
    procedures TEXT NOT NULL,
    kind TEXT NOT NULL,
    suppress_below INTEGER NOT NULL,
    body TEXT NOT NULL
);
"""

#: What is left of each purged case (see store.retention): a digest of its reference, its dates,
#: the rule that applied and who purged it.
TOMBSTONES = """
CREATE TABLE IF NOT EXISTS complaintflow_tombstones (
    digest TEXT PRIMARY KEY,
    procedure TEXT,
    first_on TEXT NOT NULL,
    ended_on TEXT,
    keep_until TEXT,
    purged_on TEXT NOT NULL,
    as_of TEXT NOT NULL,
    rule TEXT NOT NULL,
    reason TEXT NOT NULL,
    purged_by TEXT,
    events INTEGER NOT NULL
);
"""

#: Each year's report frozen when it was published (see store.freezing): as counted, and as
#: published with its small counts withheld; one per year and procedures.
FROZEN = """
CREATE TABLE IF NOT EXISTS complaintflow_frozen (
    year TEXT NOT NULL,
    procedures TEXT NOT NULL,
    kind TEXT NOT NULL,
    suppress_below INTEGER NOT NULL,
    frozen_on TEXT NOT NULL,
    counted TEXT NOT NULL,
    published TEXT NOT NULL,
    PRIMARY KEY (year, procedures)
);
"""

#: The people who sign in to the desk (see store.users): a password's Argon2 hash only, never the
#: password, and the failed attempts that hold an account back for a while.
USERS = """
CREATE TABLE IF NOT EXISTS complaintflow_users (
    name TEXT PRIMARY KEY,
    role TEXT NOT NULL,
    team TEXT,
    sign_in TEXT NOT NULL,
    password_hash TEXT,
    created_on TEXT NOT NULL,
    disabled INTEGER NOT NULL DEFAULT 0,
    failures INTEGER NOT NULL DEFAULT 0,
    failing_since TEXT
);
"""

_ALL = TABLES + PUBLICATIONS + TOMBSTONES + FROZEN + USERS

#: Every table's name: a PostgreSQL store that lacks any of them (made by an earlier release, or by
#: a release that added another table beside it) is given the missing ones when opened.
TABLE_NAMES = tuple(re.findall(r"CREATE TABLE IF NOT EXISTS (\w+)", _ALL))
#: Whether any table is missing, asked of PostgreSQL in the store's own schema.
ANY_TABLE_MISSING = "SELECT " + " OR ".join(f"to_regclass('{name}') IS NULL" for name in TABLE_NAMES)

#: How many tables a store has: a store with fewer is given the missing ones when opened.
TABLE_COUNT = TABLES.count("CREATE TABLE")


def statements(position: str) -> list[str]:
    """The CREATE statements, one by one, with the dialect's type for the feed position."""
    return [part.strip() for part in _ALL.format(position=position).split(";") if part.strip()]
