"""The accounts every store keeps for the desk: part of the store contract, run against each back end."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from argon2 import PasswordHasher

import complaintflow as cf
from complaintflow.store import EventStore
from complaintflow.store import users as accounts
from complaintflow.store.users import (
    FAILURE_WINDOW,
    MAX_ACCOUNT_FAILURES,
    AddressLimits,
    SignInRefused,
    User,
    UserError,
    add_user,
    check_password,
    disable_user,
    get_user,
    list_users,
)

PASSWORD = "correct horse battery staple"
NOON = datetime(2026, 12, 3, 12, 0, tzinfo=UTC)


def refusal(store: EventStore, name: str, password: str, **options: Any) -> str:
    with pytest.raises(SignInRefused) as refused:
        check_password(store, name, password, limits=options.pop("limits", AddressLimits()), **options)
    return str(refused.value)


def stored_hash(store: EventStore, name: str) -> str:
    with store._reading() as db:
        db.execute(store._sql("SELECT password_hash FROM complaintflow_users WHERE name = ?"), (name,))
        found: str = db.fetchone()[0]
    return found


class UsersContract:
    def test_accounts_are_added_listed_found_and_disabled(self, store: EventStore) -> None:
        added = add_user(store, "Jo.Bloggs@Council.gov.uk", "manager", PASSWORD, team="Adult social care")
        add_user(store, "amir", "officer", sign_in="oidc")
        assert added == User(
            "jo.bloggs@council.gov.uk", "manager", "Adult social care", False, "password", added.created_on
        )
        assert [user.name for user in list_users(store)] == ["amir", "jo.bloggs@council.gov.uk"]
        assert get_user(store, "JO.BLOGGS@council.gov.uk") == added
        assert get_user(store, "nobody") is None
        assert get_user(store, "amir") == User("amir", "officer", None, False, "oidc", added.created_on)
        disable_user(store, "amir")
        assert get_user(store, "amir") == User("amir", "officer", None, True, "oidc", added.created_on)
        with pytest.raises(UserError, match="no account of that name"):
            disable_user(store, "nobody")

    def test_a_role_grants_what_the_tokens_of_its_scope_grant(self, store: EventStore) -> None:
        for role in ("officer", "manager", "admin"):
            assert add_user(store, role, role, PASSWORD).grants == accounts.GRANTS_BY_ROLE[role]
        assert get_user(store, "officer").grants == {"read", "write"}  # type: ignore[union-attr]
        assert "admin" not in get_user(store, "manager").grants  # type: ignore[union-attr]

    @pytest.mark.parametrize(
        ("name", "role", "password", "options", "message"),
        [
            ("jo", "officer", "short words", {}, "at least 12 characters"),
            ("jo", "officer", "x" * 1025, {}, "at most 1024"),
            ("jo.bloggs.long", "officer", "JO.BLOGGS.LONG", {}, "not the account's name"),
            ("jo", "officer", None, {}, "needs one"),
            ("jo", "chief", PASSWORD, {}, "a role is one of"),
            ("jo bloggs", "officer", PASSWORD, {}, "a name is"),
            ("", "officer", PASSWORD, {}, "a name is"),
            ("jo", "officer", PASSWORD, {"team": "<script>"}, "a team is"),
            ("jo", "officer", PASSWORD, {"sign_in": "oidc"}, "has no password here"),
            ("jo", "officer", PASSWORD, {"sign_in": "kerberos"}, "password or through"),
        ],
    )
    def test_an_account_that_cannot_be_added_is_refused_and_nothing_is_kept(
        self, store: EventStore, name: str, role: Any, password: str | None, options: Any, message: str
    ) -> None:
        with pytest.raises(UserError, match=message):
            add_user(store, name, role, password, **options)
        assert list_users(store) == []

    def test_a_name_is_taken_once_whatever_its_case(self, store: EventStore) -> None:
        add_user(store, "jo", "officer", PASSWORD)
        with pytest.raises(UserError, match="exists"):
            add_user(store, "JO", "admin", sign_in="oidc")
        assert [user.role for user in list_users(store)] == ["officer"]

    def test_the_right_password_signs_in_and_only_its_hash_is_kept(self, store: EventStore) -> None:
        add_user(store, "jo", "officer", PASSWORD, team="North")
        assert check_password(store, "Jo", PASSWORD, limits=AddressLimits()).name == "jo"
        kept = stored_hash(store, "jo")
        assert kept.startswith("$argon2id$") and PASSWORD not in kept
        assert PasswordHasher().verify(kept, PASSWORD)

    def test_every_refusal_says_the_same_thing(self, store: EventStore) -> None:
        add_user(store, "jo", "officer", PASSWORD)
        add_user(store, "gone", "officer", PASSWORD)
        add_user(store, "through-entra", "officer", sign_in="oidc")
        disable_user(store, "gone")
        messages = {
            refusal(store, "jo", PASSWORD + "!"),
            refusal(store, "nobody", PASSWORD),
            refusal(store, "gone", PASSWORD),
            refusal(store, "through-entra", ""),
            refusal(store, "not a name at all", PASSWORD),
            refusal(store, "jo", "x" * 5000),
        }
        for _ in range(MAX_ACCOUNT_FAILURES):
            refusal(store, "jo", "wrong password", at=NOON)
        messages.add(refusal(store, "jo", PASSWORD, at=NOON))
        assert messages == {str(SignInRefused())}

    def test_an_unknown_name_costs_one_hash_check_as_a_known_one_does(
        self, store: EventStore, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        add_user(store, "jo", "officer", PASSWORD)
        checks: list[str] = []
        verify = PasswordHasher.verify

        def counted(hasher: PasswordHasher, hashed: str | bytes, password: str | bytes) -> bool:
            checks.append(str(hashed))
            return verify(hasher, hashed, password)

        monkeypatch.setattr(PasswordHasher, "verify", counted)
        for name in ("jo", "nobody", "not a name at all"):
            refusal(store, name, "wrong password")
        assert len(checks) == 3 and checks[0] != checks[1] == checks[2]

    def test_an_account_is_held_back_after_repeated_failures_until_the_window_passes(
        self, store: EventStore
    ) -> None:
        add_user(store, "jo", "officer", PASSWORD)
        add_user(store, "amir", "officer", PASSWORD)
        for minute in range(MAX_ACCOUNT_FAILURES):
            refusal(store, "jo", "wrong password", at=NOON + timedelta(minutes=minute))
        refusal(store, "jo", PASSWORD, at=NOON + timedelta(minutes=14))
        assert check_password(store, "amir", PASSWORD, limits=AddressLimits(), at=NOON).name == "amir"
        later = NOON + FAILURE_WINDOW + timedelta(seconds=1)
        assert check_password(store, "jo", PASSWORD, limits=AddressLimits(), at=later).name == "jo"
        for _ in range(MAX_ACCOUNT_FAILURES - 1):  # a success starts the count again
            refusal(store, "jo", "wrong password", at=later)
        assert check_password(store, "jo", PASSWORD, limits=AddressLimits(), at=later).name == "jo"

    def test_one_address_is_held_back_after_failures_on_many_accounts(self, store: EventStore) -> None:
        limits = AddressLimits(most=3)
        add_user(store, "jo", "officer", PASSWORD)
        for name in ("ann", "bob", "cat"):
            refusal(store, name, "wrong password", client="192.0.2.1", limits=limits, at=NOON)
        refusal(store, "jo", PASSWORD, client="192.0.2.1", limits=limits, at=NOON)
        assert check_password(store, "jo", PASSWORD, client="192.0.2.2", limits=limits, at=NOON)
        later = NOON + FAILURE_WINDOW + timedelta(seconds=1)
        assert check_password(store, "jo", PASSWORD, client="192.0.2.1", limits=limits, at=later)

    def test_a_hash_made_with_older_parameters_is_made_again_at_sign_in(self, store: EventStore) -> None:
        add_user(store, "jo", "officer", PASSWORD)
        old = PasswordHasher(time_cost=1, memory_cost=8_192, parallelism=1).hash(PASSWORD)
        with store._writing() as db:
            db.execute(
                store._sql("UPDATE complaintflow_users SET password_hash = ? WHERE name = 'jo'"), (old,)
            )
        assert check_password(store, "jo", PASSWORD, limits=AddressLimits()).name == "jo"
        renewed = stored_hash(store, "jo")
        assert renewed != old and not PasswordHasher().check_needs_rehash(renewed)
        assert check_password(store, "jo", PASSWORD, limits=AddressLimits()).name == "jo"

    def test_a_store_made_before_accounts_is_given_their_table_when_opened(
        self, store: EventStore, url: str
    ) -> None:
        with store._writing() as db:
            db.execute("DROP TABLE complaintflow_users")
        with cf.open_store(url) as reopened:
            add_user(reopened, "jo", "officer", PASSWORD)
            assert [user.name for user in list_users(reopened)] == ["jo"]
