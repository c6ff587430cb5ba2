"""Local accounts in a SQLite file: what reaches the disk, and a store made before accounts existed."""

from __future__ import annotations

from pathlib import Path

from users_contract import PASSWORD

from complaintflow.store import SQLiteEventStore
from complaintflow.store.users import AddressLimits, add_user, check_password, list_users


def test_no_password_reaches_the_file_or_its_write_ahead_log(tmp_path: Path) -> None:
    path = tmp_path / "store.db"
    store = SQLiteEventStore(path)
    add_user(store, "jo", "officer", PASSWORD)
    check_password(store, "jo", PASSWORD, limits=AddressLimits())
    # Read before closing, while the write-ahead log still holds the rows, and again after.
    data = path.read_bytes() + Path(f"{path}-wal").read_bytes()
    store.close()
    for written in (data, path.read_bytes()):
        assert b"$argon2id$" in written  # the rows are in what is searched
        assert PASSWORD.encode() not in written and PASSWORD.encode("utf-16-le") not in written


def test_a_store_made_before_accounts_is_given_their_table(tmp_path: Path) -> None:
    path = tmp_path / "store.db"
    SQLiteEventStore(path).close()
    with SQLiteEventStore(path)._writing() as db:
        db.execute("DROP TABLE complaintflow_users")
    store = SQLiteEventStore(path)
    add_user(store, "jo", "officer", PASSWORD)
    assert [user.name for user in list_users(store)] == ["jo"]
