"""Every desk page in Chromium, as each role sees it, over an empty store and over a full one: axe-core
finds no WCAG 2.2 A or AA problem, before and after a form is sent with nothing filled in (the error
summary), and no page scrolls sideways at 320 CSS px wide, nor as a 1280 px window at 400 % zoom.
A screenshot of each is kept under build/screenshots/desk/ to look at (CI keeps them with its log).

The pages are found as a person finds them, by following the links from the daily list, so a page
added later is checked without a change here.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import pytest
from browser_pages import axe, context, launch, needs_browser, overflow, shot, sign_in
from desk_site import ACCOUNTS, PASSWORD, DeskSite, days_ago

import complaintflow as cf
from complaintflow.notices.subscriptions import add_subscription

pytestmark = needs_browser

#: Pages of one kind checked in each state: two case pages show what every case page does.
SAME_KIND = 2
#: Viewports: a desktop; a phone-sized 320 CSS px; a 1280 x 1024 window zoomed to 400 %.
DESKTOP = {"viewport": {"width": 1280, "height": 900}}
NARROW = {"viewport": {"width": 320, "height": 640}}
ZOOMED = {"viewport": {"width": 320, "height": 256}, "device_scale_factor": 4}


@dataclass
class Findings:
    """What went wrong, by page, gathered so that one run shows every problem at once."""

    pages: list[str] = field(default_factory=list)
    problems: dict[str, Any] = field(default_factory=dict)

    def check(self, page: Any, label: str, screenshot: bool = True) -> None:
        found = axe(page)
        if found:
            self.problems[f"axe {label}"] = found
        if screenshot:
            shot(page, label)


#: Page kinds already photographed, by state: one screenshot of each is enough to look at.
PHOTOGRAPHED: set[str] = set()


def kind(url: str) -> str:
    """A page's kind: its path with case references (but their prefix), years and page numbers
    taken out, so that the tenth case page is not checked again (event forms stay apart by event,
    each a different form, and case pages by a prefix that names their state, such as STAGE3-1)."""
    parts = urlsplit(url)
    path = re.sub(r"/desk/cases/[^/]+/record/", "/desk/cases/*/record/", parts.path)
    path = re.sub(r"/desk/cases/(?!new$)([A-Z0-9]+-)?[^/]+$", r"/desk/cases/\1*", path)
    path = re.sub(r"/desk/reports/([^/]+)/[^/]+", r"/desk/reports/\1/*", path)
    query = sorted((key, value if key == "show" else "*") for key, value in parse_qsl(parts.query))
    return f"{path}?{[item for item in query if item[0] != 'page']}"


def links(page: Any, site: DeskSite) -> list[str]:
    found: list[str] = page.eval_on_selector_all("a[href]", "(all) => all.map((a) => a.href)")
    return [
        url.split("#")[0]
        for url in found
        if url.startswith(f"{site.base}/desk/")
        and "/static/" not in url
        and not urlsplit(url).path.endswith(".csv")
        and "sign-out" not in url
    ]


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    yield from launch()


@pytest.fixture(scope="module")
def empty(tmp_path_factory: pytest.TempPathFactory) -> Iterator[DeskSite]:
    live = DeskSite(tmp_path_factory.mktemp("desk-empty"))
    live.start()
    yield live
    live.stop()


@pytest.fixture(scope="module")
def full(tmp_path_factory: pytest.TempPathFactory) -> Iterator[DeskSite]:
    live = DeskSite(tmp_path_factory.mktemp("desk-full"), cases=120)
    with cf.open_store(live.url) as store:
        add_subscription(store, "https://case-system.example/hooks", ["approaching", "missed"])
    live.start()
    yield live
    live.stop()


#: Where a person starts: the daily list in each of its views, filtered, a found and an unknown case.
STARTS = [
    "/desk/",
    "/desk/cases?show=team",
    "/desk/cases?show=all",
    "/desk/cases?show=all&procedure=children-2006&stage=1",
    "/desk/find?reference=EX-0001",
    "/desk/find?reference=NO-SUCH-CASE",
    "/desk/cases/STAGE2-1",
    "/desk/cases/STAGE3-1",
    "/desk/cases/WITHTHEOMBUDSMAN-1",
]


def check_role(
    browser: Any, site: DeskSite, role: str, state: str, skip: str | None = None, deep: bool = True
) -> Findings:
    """Every page the role reaches from STARTS by links, one of each kind, leaving out paths that
    match `skip`: axe-core on each; no sideways scrolling at 320 CSS px; a screenshot of each kind of
    page in each state. `deep` adds each form sent empty and the 400 % zoom, which the role and the
    store do not change, so one run of them (the admin's, over the full store) covers every form."""
    findings = Findings()
    desktop = context(browser, **DESKTOP)
    page = desktop.new_page()
    sign_in(page, site.base, ACCOUNTS[role], PASSWORD)
    narrow = context(browser, **NARROW, storage_state=desktop.storage_state())
    zoomed = context(browser, **ZOOMED, storage_state=desktop.storage_state())
    small, large = narrow.new_page(), zoomed.new_page()
    seen: set[str] = set()
    queue = [f"{site.base}{start}" for start in STARTS]
    while queue:
        url = queue.pop(0)
        if kind(url) in seen or (skip and re.search(skip, urlsplit(url).path)):
            continue
        seen.add(kind(url))
        answer = page.goto(url)
        if answer is None or "text/html" not in answer.headers.get("content-type", ""):
            continue
        findings.pages.append(url)
        queue.extend(links(page, site))
        parts = urlsplit(url)
        label = f"{state}-{role}-{parts.path.removeprefix('/desk/') or 'home'}-{parts.query}"
        new = f"{state} {kind(url)}" not in PHOTOGRAPHED
        PHOTOGRAPHED.add(f"{state} {kind(url)}")
        findings.check(page, label, screenshot=new)
        for other, name in ((small, "320px"), (large, "400pc"))[: 2 if deep else 1]:
            other.goto(url)
            sideways = overflow(other)
            if sideways["px"] > 0:
                findings.problems[f"scrolls sideways at {name}: {label}"] = sideways
        if new and "/record/" not in url:
            shot(small, f"{label}-320px")
        # A form with questions, sent with none answered: the error summary and messages (a form
        # that is only a button, such as "Disable", is an action, not a question).
        asks = "main form[method=post]:has(input:not([type=hidden]), textarea, select)"
        sends = page.locator(f"{asks} button:not([type=button])")
        if deep and sends.count():
            with page.expect_navigation():
                sends.first.click()
            findings.check(page, f"{label}-sent-empty", screenshot=new)
    for made in (desktop, narrow, zoomed):
        made.close()
    return findings


def test_every_page_an_admin_reaches_in_a_full_store_passes_axe_and_reflows(
    browser: Any, full: DeskSite
) -> None:
    findings = check_role(browser, full, "admin", "full")
    assert {kind(url) for url in findings.pages} >= {
        kind(f"{full.base}{path}")
        for path in (
            "/desk/cases",
            "/desk/cases/EX-0001",
            "/desk/cases/EX-0001/record/Acknowledged",
            "/desk/cases/new",
            "/desk/reports",
            "/desk/reports/children-2006/2025-26",
            "/desk/admin/users",
            "/desk/admin/tokens",
            "/desk/admin/webhooks",
            "/desk/admin/deliveries",
            "/desk/accessibility",
        )
    }
    assert findings.problems == {}, json.dumps(findings.problems, indent=1)


@pytest.mark.parametrize("role", ["officer", "manager"])
def test_the_pages_as_an_officer_and_a_manager_see_them_pass_axe_and_reflow(
    browser: Any, full: DeskSite, role: str
) -> None:
    """What changes with the role: the lists, a case, the reports, the admin pages they may not see.
    The event forms are the admin's, checked above."""
    findings = check_role(browser, full, role, "full", skip=r"/record/|/reports/.+", deep=False)
    assert findings.problems == {}, json.dumps(findings.problems, indent=1)


def test_every_page_of_an_empty_store_passes_axe_and_reflows(browser: Any, empty: DeskSite) -> None:
    findings = check_role(browser, empty, "admin", "empty", deep=False)
    assert findings.problems == {}, json.dumps(findings.problems, indent=1)


def test_the_sign_in_page_and_its_errors_pass_axe(browser: Any, empty: DeskSite) -> None:
    findings = Findings()
    made = context(browser, **DESKTOP)
    page = made.new_page()
    for path in ("/desk/sign-in", "/desk/accessibility"):
        page.goto(f"{empty.base}{path}")
        findings.check(page, f"signed-out-{path.rsplit('/', 1)[-1]}")
    page.goto(f"{empty.base}/desk/sign-in")
    page.locator("#name").fill("nobody")
    page.locator("#password").fill("not the password at all")
    with page.expect_navigation():
        page.locator("form[action='/desk/sign-in'] button[type=submit]").click()
    assert page.locator(".govuk-error-summary").count() == 1
    findings.check(page, "signed-out-sign-in-refused")
    made.close()
    assert findings.problems == {}, json.dumps(findings.problems, indent=1)


def test_a_stale_form_a_refusal_and_a_missing_case_pass_axe(browser: Any, full: DeskSite) -> None:
    """The pages of things going wrong: someone else saved first (409), the law refuses the event
    (the error summary with its reason), and a case that is not there (404)."""
    findings = Findings()
    made = context(browser, **DESKTOP)
    page = made.new_page()
    sign_in(page, full.base, ACCOUNTS["officer"], PASSWORD)
    page.goto(f"{full.base}/desk/cases/EX-0002/record/AdvocacyArranged")
    with cf.open_store(full.url) as store:  # another officer records something first
        store.append(
            "EX-0002",
            [{"type": "Acknowledged", "case_id": "EX-0002", "on": days_ago(0).isoformat(), "stage": 1}],
        )
    page.locator("main form textarea, main form input[type=text]").first.fill("Advocacy Ltd")
    with page.expect_navigation():
        page.locator("main form button:not([type=button])").first.click()
    assert "Someone else recorded something" in page.locator(".govuk-error-summary").inner_text()
    findings.check(page, "full-officer-stale-form")
    page.goto(f"{full.base}/desk/cases/EX-0002/record/DeadlineExtended")
    page.locator("#total_working_days").fill("2")
    page.locator("#reason").fill("More time")
    with page.expect_navigation():
        page.locator("main form button:not([type=button])").first.click()
    assert page.locator(".govuk-error-summary").count() == 1
    findings.check(page, "full-officer-refused")
    page.goto(f"{full.base}/desk/cases/NO-SUCH-CASE")
    findings.check(page, "full-officer-no-such-case")
    made.close()
    assert findings.problems == {}, json.dumps(findings.problems, indent=1)
