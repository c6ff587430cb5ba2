"""Local accounts in a SQLite file: what reaches the disk (the store contract runs the rest)."""

from __future__ import annotations

from pathlib import Path

from users_contract import PASSWORD

from complaintflow.store import SQLiteEventStore
from complaintflow.store.users import AddressLimits, add_user, check_password


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
