"""An officer who uses no mouse: signs in, records a new complaint, extends its deadline, answers
it and records the request for stage 2, with the keyboard alone, in Chromium; each page shows the new
state, and at every stop of the Tab key the focus can be seen.

Keys only: Tab and Shift+Tab to move, typing into fields, Enter to follow a link or send a form,
Space to check a radio, and the arrow keys to move within a group of radios, as a keyboard user
does. What the officer typed that could be personal (the reason for an extension) is then looked
for in every address the browser asked for and in the server's log: it is in neither.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from browser_pages import context, focused, launch, needs_browser, shot, tab_to
from desk_site import ACCOUNTS, PASSWORD, DeskSite

pytestmark = needs_browser

#: Free text that stands for something personal an officer types.
PLANTED = "Mrs Planted-Surname at 14 Example Road"
CASE = "KB-2026-0001"


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[DeskSite]:
    live = DeskSite(tmp_path_factory.mktemp("desk-keyboard"), cases=3)
    live.start()
    yield live
    live.stop()


def by_id(name: str) -> Any:
    return lambda now: now["id"] == name


def by_text(text: str) -> Any:
    return lambda now: now["text"] == text


def radio(page: Any, name: str, value: str) -> None:
    """Tab into a group of radios, then move with the arrow keys to the value and check it."""
    now = tab_to(page, lambda now: now["name"] == name)
    for _ in range(20):
        if now["value"] == value:
            page.keyboard.press("Space")
            return
        page.keyboard.press("ArrowDown")
        now = focused(page)
        assert now["visible"] and now["marked"], f"the focus cannot be seen on {now}"
    raise AssertionError(f"no radio {name}={value}")


def type_into(page: Any, field: str, text: str) -> None:
    tab_to(page, by_id(field))
    page.keyboard.press("Control+A")
    page.keyboard.type(text)


def send(page: Any, button: str) -> None:
    """Tab to the form's button and press Enter; wait for the page that answers."""
    tab_to(page, by_text(button))
    with page.expect_navigation():
        page.keyboard.press("Enter")


def follow(page: Any, link: str) -> None:
    tab_to(page, by_text(link))
    with page.expect_navigation():
        page.keyboard.press("Enter")


def summary(page: Any, key: str) -> str:
    value: str = page.locator(f".govuk-summary-list__row:has(dt:text-is('{key}')) dd").first.inner_text()
    return value.strip()


def test_an_officer_records_extends_answers_and_escalates_a_complaint_with_the_keyboard_alone(
    site: DeskSite,
) -> None:
    addresses: list[str] = []
    dialogs: list[str] = []
    for browser in launch():
        made = context(browser, viewport={"width": 1280, "height": 900})
        page = made.new_page()
        page.on("request", lambda request: addresses.append(request.url))
        page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
        page.goto(f"{site.base}/desk/")
        assert page.url.endswith("/desk/sign-in")

        type_into(page, "name", ACCOUNTS["officer"])
        type_into(page, "password", PASSWORD)
        send(page, "Sign in")
        assert page.url.endswith("/desk/cases")
        shot(page, "journey-1-signed-in")

        follow(page, "New complaint")
        type_into(page, "case_id", CASE)
        radio(page, "kind", "ComplaintReceived")
        radio(page, "procedure", "children-2006")
        type_into(page, "service_area", "Children's services")
        send(page, "Record it")
        assert page.locator("h1").inner_text() == f"Case {CASE}"
        assert summary(page, "Stage") == "1"
        shot(page, "journey-2-recorded")

        follow(page, "Deadline extended")
        type_into(page, "total_working_days", "20")
        type_into(page, "reason", f"Waiting to hear from {PLANTED}")
        send(page, "Record deadline extended")
        assert "Deadline extended was recorded" in page.locator(".govuk-notification-banner").inner_text()
        assert PLANTED in page.locator("#timeline").inner_text()
        shot(page, "journey-3-extended")

        follow(page, "Responded")
        radio(page, "outcome", "not_upheld")
        send(page, "Record responded")
        assert "Responded was recorded" in page.locator(".govuk-notification-banner").inner_text()
        assert "Not upheld" in summary(page, "Outcome")

        follow(page, "Escalation requested")
        send(page, "Record escalation requested")
        assert "Escalation requested was recorded" in page.locator(".govuk-notification-banner").inner_text()
        assert summary(page, "Stage") == "2"
        shot(page, "journey-4-stage-2")

        # Back up the page with Shift+Tab: the focus is seen going backwards too.
        tab_to(page, by_text("Daily list"), backwards=True)
        made.close()
    assert dialogs == []
    assert addresses and not [url for url in addresses if "Planted" in url or "Surname" in url]
    assert "Planted" not in site.log.read_text(encoding="utf-8")
