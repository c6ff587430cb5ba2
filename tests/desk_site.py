"""The desk as its users meet it: a real `complaintflow serve` over a SQLite store that holds an
account of each role and example cases, and a plain HTTP client that signs in and fills in forms
as a browser would (reading each form's fields and its CSRF token from the page)."""

from __future__ import annotations

import re
import sys
from dataclasses import dataclass, field
from datetime import date, timedelta
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import httpx
from live_server import LiveServer

import complaintflow as cf
from complaintflow.dates import london_today

SERVE = Path(__file__).with_name("desk_serve.py")
#: One account of each role, and its password.
PASSWORD = "correct horse battery staple"
ACCOUNTS = {"officer": "olive", "manager": "maya", "admin": "adam"}
TEAM = "complaints"


@dataclass
class Form:
    """A form as a browser would send it: where, how, and each field's current value."""

    action: str
    method: str
    fields: dict[str, str] = field(default_factory=dict)
    #: Every field a person types free text into (text inputs without a fixed pattern, textareas).
    free_text: list[str] = field(default_factory=list)
    #: The free-text fields that are textareas (the others are one-line inputs).
    textareas: list[str] = field(default_factory=list)
    #: Each select's options and each radio group's values, by field name.
    choices: dict[str, list[str]] = field(default_factory=dict)


class _FormReader(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.forms: list[Form] = []
        self._select: str | None = None
        self._textarea: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = {name: value or "" for name, value in attrs}
        if tag == "form":
            self.forms.append(Form(found.get("action", ""), found.get("method", "get").lower()))
            return
        if not self.forms or "name" not in found or "disabled" in found:
            return
        form, name = self.forms[-1], found["name"]
        if tag == "input":
            kind = found.get("type", "text").lower()
            if kind in ("radio", "checkbox"):
                form.choices.setdefault(name, []).append(found.get("value", "on"))
                if "checked" in found:
                    form.fields[name] = found.get("value", "on")
                return
            if kind in ("submit", "button", "image", "reset", "file"):
                return
            form.fields[name] = found.get("value", "")
            if kind in ("text", "search") and "pattern" not in found and "inputmode" not in found:
                form.free_text.append(name)
        elif tag == "textarea":
            form.fields[name] = ""
            form.free_text.append(name)
            form.textareas.append(name)
            self._textarea = name
        elif tag == "select":
            self._select = name
            form.choices[name] = []
        elif tag == "option" and self._select is not None:
            value = found.get("value", "")
            form.choices[self._select].append(value)
            if "selected" in found or self._select not in form.fields:
                form.fields[self._select] = value

    def handle_endtag(self, tag: str) -> None:
        if tag == "select":
            self._select = None
        elif tag == "textarea":
            self._textarea = None

    def handle_data(self, data: str) -> None:
        if self._textarea is not None and self.forms:
            self.forms[-1].fields[self._textarea] += data


def forms(html: str) -> list[Form]:
    """Every form on a page."""
    reader = _FormReader()
    reader.feed(html)
    return reader.forms


def form_with(html: str, *names: str, action: str = "") -> Form:
    """The first form on the page whose action contains `action` and that has every named field."""
    for found in forms(html):
        if action in found.action and all(name in found.fields or name in found.choices for name in names):
            return found
    raise AssertionError(f"no form to {action!r} with {names} on the page")


def days_ago(n: int) -> date:
    return london_today() - timedelta(days=n)


def example_cases(count: int) -> list[tuple[str, list[dict[str, Any]]]]:
    """Cases of several procedures, services and ages, some overdue, some acknowledged."""
    procedures = ["children-2006", "adults-2009", "housing-2024", "lgsco-2026"]
    services = ["Children's services", "Adult social care", "Housing repairs", "Waste"]
    cases = []
    for n in range(count):
        case_id = f"EX-{n + 1:04d}"
        received = days_ago(3 + (n * 7) % 90)
        events: list[dict[str, Any]] = [
            {
                "type": "ComplaintReceived",
                "case_id": case_id,
                "on": received.isoformat(),
                "procedure": procedures[n % len(procedures)],
                "service_area": services[n % len(services)],
                "event_id": f"{case_id}-received",
            }
        ]
        if n % 3 == 0:
            owner = ACCOUNTS["officer"] if n % 2 == 0 else ACCOUNTS["manager"]
            events.append(
                {
                    "type": "Assigned",
                    "case_id": case_id,
                    "on": received.isoformat(),
                    "officer": owner,
                    "team": TEAM,
                    "event_id": f"{case_id}-assigned",
                }
            )
        cases.append((case_id, events))
    return cases


#: A children's complaint in each state whose forms differ, as events after it was received.
STATES: dict[str, list[dict[str, Any]]] = {
    "stage 1": [],
    "stage 2": [
        {"type": "Responded", "stage": 1, "outcome": "not_upheld"},
        {"type": "EscalationRequested", "to_stage": 2},
    ],
    "stage 3": [
        {"type": "Responded", "stage": 1, "outcome": "not_upheld"},
        {"type": "EscalationRequested", "to_stage": 2},
        {"type": "Responded", "stage": 2, "outcome": "not_upheld"},
        {"type": "EscalationRequested", "to_stage": 3},
    ],
    "with the Ombudsman": [
        {"type": "Responded", "stage": 1, "outcome": "not_upheld"},
        {"type": "OmbudsmanReferred"},
    ],
}


def case_in(case_id: str, state: str) -> list[dict[str, Any]]:
    """The events of a children's complaint received today and taken to `state` today."""
    today = london_today().isoformat()
    events = [{"type": "ComplaintReceived", "procedure": "children-2006", "on": today}, *STATES[state]]
    return [{"case_id": case_id, "on": today, **event} for event in events]


class DeskSite(LiveServer):
    """A server whose store has an account of each role and `cases` example cases (and, if any, a
    case in each later state)."""

    def __init__(self, folder: Path, cases: int = 0) -> None:
        super().__init__(folder)
        self.folder = folder
        with cf.open_store(self.url) as store:
            for role, name in ACCOUNTS.items():
                add_account(store, name, role)
            for case_id, events in example_cases(cases):
                store.append(case_id, events, recorded_by="seed")
            if cases:  # and one case in each later state, each named for it (STAGE2-1, ...)
                for state in list(STATES)[1:]:
                    case_id = re.sub(r"[^A-Z0-9]", "", state.upper()) + "-1"
                    store.append(case_id, case_in(case_id, state), recorded_by="seed")

    def command(self, *options: str) -> list[str]:
        """Serve the store as `complaintflow serve` does, with cookies over plain HTTP (desk_serve)."""
        return [sys.executable, str(SERVE), self.url, str(self.port), *options]

    def client(self) -> httpx.Client:
        return httpx.Client(base_url=self.base, timeout=30, follow_redirects=False)

    def sign_in(self, client: httpx.Client, role: str = "officer") -> None:
        """Sign in as the account of a role, as the sign-in page's form asks."""
        page = client.get("/desk/sign-in")
        assert page.status_code == 200, page.status_code
        form = sign_in_form(page.text)
        answer = client.post(form.action, data=form.fields | credentials(ACCOUNTS[role]))
        assert answer.status_code in (302, 303), (answer.status_code, answer.text[-500:])


def sign_in_form(html: str) -> Form:
    """The sign-in page's form, with its CSRF token."""
    return form_with(html, "csrf_token", "password", action="/desk/sign-in")


def credentials(account: str, password: str = PASSWORD) -> dict[str, str]:
    """The sign-in form's answers for an account."""
    return {"name": account, "password": password}


def add_account(store: Any, name: str, role: str) -> None:
    from complaintflow.store.users import add_user

    add_user(store, name, role, PASSWORD, TEAM)
