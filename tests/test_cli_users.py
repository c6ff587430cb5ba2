"""`complaintflow users`: accounts added, listed and disabled from the command line, and passwords
that never pass through its arguments."""

from __future__ import annotations

import io
import os
import subprocess
import sys
from pathlib import Path

import pytest
from cli_runner import run
from users_contract import PASSWORD

import complaintflow as cf
from complaintflow.store.users import AddressLimits, SignInRefused, check_password, get_user


@pytest.fixture
def store_url(tmp_path: Path) -> str:
    return f"sqlite:{tmp_path / 'store.db'}"


def typed(monkeypatch: pytest.MonkeyPatch, *answers: str) -> list[str]:
    """Answer the password prompts with `answers`, as a person at a terminal would; the prompts asked."""
    prompts: list[str] = []
    replies = iter(answers)

    def ask(prompt: str = "") -> str:
        prompts.append(prompt)
        return next(replies)

    monkeypatch.setattr("getpass.getpass", ask)
    monkeypatch.setattr("sys.stdin", _Terminal())
    return prompts


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_an_account_added_with_a_password_typed_twice_signs_in_with_it(
    store_url: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    prompts = typed(monkeypatch, PASSWORD, PASSWORD)
    status, out, _ = run(
        capsys, "users", "add", "Jo", "--role", "manager", "--team", "North", "--store", store_url
    )
    assert (status, out) == (0, "added jo (manager), who signs in with a password\n")
    assert len(prompts) == 2
    with cf.open_store(store_url) as store:
        assert check_password(store, "jo", PASSWORD, limits=AddressLimits()).team == "North"


def test_two_different_passwords_add_nothing(
    store_url: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    typed(monkeypatch, PASSWORD, PASSWORD + "?")
    status, _, err = run(capsys, "users", "add", "jo", "--role", "officer", "--store", store_url)
    assert status != 0 and "the two passwords differ" in err and PASSWORD not in err
    with cf.open_store(store_url) as store:
        assert get_user(store, "jo") is None


def test_without_a_terminal_the_password_must_come_on_standard_input(
    store_url: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr("sys.stdin", io.StringIO(PASSWORD + "\n"))
    status, _, err = run(capsys, "users", "add", "jo", "--role", "officer", "--store", store_url)
    assert status != 0 and "--password-stdin" in err
    status, _, _ = run(
        capsys, "users", "add", "jo", "--role", "officer", "--password-stdin", "--store", store_url
    )
    assert status == 0
    with cf.open_store(store_url) as store:
        assert check_password(store, "jo", PASSWORD, limits=AddressLimits()).role == "officer"
        with pytest.raises(SignInRefused):
            check_password(store, "jo", PASSWORD + "\n", limits=AddressLimits())


def test_a_short_password_is_refused_with_the_rule_and_not_echoed(
    store_url: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr("sys.stdin", io.StringIO("hunter2\n"))
    status, _, err = run(
        capsys, "users", "add", "jo", "--role", "officer", "--password-stdin", "--store", store_url
    )
    assert status != 0 and "at least 12 characters" in err and "hunter2" not in err


def test_accounts_are_listed_and_disabled(store_url: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert (
        run(
            capsys, "users", "add", "amir@council.example", "--role", "admin", "--oidc", "--store", store_url
        )[0]
        == 0
    )
    assert run(capsys, "users", "disable", "AMIR@council.example", "--store", store_url)[:2] == (
        0,
        "disabled AMIR@council.example\n",
    )
    status, out, _ = run(capsys, "users", "list", "--store", store_url)
    assert status == 0
    assert out.split() == ["amir@council.example", "admin", "-", "oidc", out.split()[4], "disabled"]
    status, _, err = run(capsys, "users", "disable", "nobody", "--store", store_url)
    assert status != 0 and "no account of that name" in err


def test_a_password_is_not_an_argument(store_url: str, capsys: pytest.CaptureFixture[str]) -> None:
    status, _, err = run(
        capsys, "users", "add", "jo", "--role", "officer", "--password", PASSWORD, "--store", store_url
    )
    assert status != 0 and "never given on the command line" in err and PASSWORD not in err
    status, _, err = run(
        capsys, "users", "add", "jo", "--role", "officer", "--pass", PASSWORD, "--store", store_url
    )
    assert status != 0 and "--pass" in err
    status, _, err = run(
        capsys, "users", "add", "jo", "--role", "officer", "--oidc", "--password-stdin", "--store", store_url
    )
    assert status != 0 and "not allowed with" in err


@pytest.mark.parametrize(
    ("words", "shown"),
    [
        (["users"], ["add", "list", "disable"]),
        (["users", "add"], ["--role", "--team", "--oidc", "--password-stdin", "--store"]),
        (["users", "list"], ["--store"]),
        (["users", "disable"], ["NAME", "--store"]),
    ],
)
def test_each_users_command_explains_itself(words: list[str], shown: list[str]) -> None:
    helped = subprocess.run(
        [sys.executable, "-m", "complaintflow.cli", *words, "--help"],
        capture_output=True,
        text=True,
        env={**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)},
        check=True,
    )
    assert helped.stdout.startswith("usage: complaintflow " + " ".join(words))
    assert all(word in helped.stdout for word in shown)


def test_listing_a_store_that_does_not_exist_makes_none(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    status, _, err = run(capsys, "users", "list", "--store", f"sqlite:{tmp_path / 'typo.db'}")
    assert status != 0 and "no such file" in err and not (tmp_path / "typo.db").exists()
