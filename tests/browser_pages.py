"""Pages in Debian's Chromium, driven by Playwright for Python: axe-core's WCAG 2.2 A and AA rules,
reflow at 320 CSS px, the focus ring, and a screenshot of each page to look at.

Playwright drives the system's Chromium (`executable_path`), so no browser is downloaded; axe-core
is the copy `npm ci --prefix tests/browser` installs, pinned in its package-lock.json. CI (CI=true)
must have both, and `.ci/run` installs them: there these tests fail rather than skip.
"""

from __future__ import annotations

import os
import re
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).parents[1]
AXE = ROOT / "tests" / "browser" / "node_modules" / "axe-core" / "axe.min.js"
BROWSER = next((found for name in ("chromium", "chromium-browser") if (found := shutil.which(name))), None)
#: Where the screenshots go, to be looked at after a run (CI keeps them with its log).
SHOTS = Path(os.environ.get("COMPLAINTFLOW_SCREENSHOTS", ROOT / "build" / "screenshots")) / "desk"
#: WCAG 2.0, 2.1 and 2.2, levels A and AA.
WCAG = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]

try:
    from playwright.sync_api import Browser, BrowserContext, Page, sync_playwright
except ImportError:  # pragma: no cover - the dev extra installs it
    sync_playwright = None  # type: ignore[assignment]

READY = sync_playwright is not None and BROWSER is not None and AXE.is_file()
if not READY and os.environ.get("CI"):
    raise RuntimeError("CI needs Chromium, Playwright and tests/browser/node_modules: .ci/run installs them")
needs_browser = pytest.mark.skipif(
    not READY,
    reason="no headless browser: apt-get install chromium nodejs npm, npm ci --prefix tests/browser, "
    'pip install -e ".[dev]"',
)


def launch() -> Iterator[Browser]:
    """One Chromium for a module's tests."""
    assert BROWSER is not None
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=BROWSER,
            args=["--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking"],
        )
        yield browser
        browser.close()


def context(browser: Browser, **options: Any) -> BrowserContext:
    """A new browser context with axe-core in every page, added through the DevTools protocol, which
    the page's Content-Security-Policy does not govern: the pages themselves load no script."""
    made = browser.new_context(**options)
    made.add_init_script(path=str(AXE))
    return made


def axe(page: Page) -> list[dict[str, Any]]:
    """axe-core's WCAG 2.2 A and AA violations on the page as it is now: rule, impact, where."""
    found: list[dict[str, Any]] = page.evaluate(
        """(tags) => axe.run(document, {runOnly: {type: "tag", values: tags}}).then((results) =>
            results.violations.map((v) => ({id: v.id, impact: v.impact,
                where: v.nodes.slice(0, 3).map((n) => n.target.join(" "))})))""",
        WCAG,
    )
    return found


def overflow(page: Page) -> dict[str, Any]:
    """How many CSS px the page scrolls sideways (0: it reflows), and the outermost elements that
    reach past the window's right edge, to say where to look."""
    found: dict[str, Any] = page.evaluate(
        """() => {
            const root = document.scrollingElement, edge = root.clientWidth + 1;
            const past = [...document.body.querySelectorAll("*")].filter((el) =>
                el.getBoundingClientRect().right > edge
                && !(el.parentElement && el.parentElement.getBoundingClientRect().right > edge));
            return {px: root.scrollWidth - root.clientWidth,
                    where: past.slice(0, 4).map((el) => el.tagName.toLowerCase()
                        + (el.id ? "#" + el.id : "") + (el.className ? "." + el.className : ""))};
        }"""
    )
    return found


def focused(page: Page) -> dict[str, Any]:
    """The focused element (its tag, id, name, value, type and text), whether the browser shows it
    as focused from the keyboard (:focus-visible), and whether anything marks it: an outline, a box
    shadow, or (for GOV.UK's radios, whose input is hidden behind a drawn one) its label's ring."""
    found: dict[str, Any] = page.evaluate(
        """() => {
            const el = document.activeElement;
            if (!el || el === document.body) return {tag: null, marked: false, visible: false};
            const drawn = (style) => (style.outlineStyle !== "none" && parseFloat(style.outlineWidth) > 0
                    && style.outlineColor !== "rgba(0, 0, 0, 0)") || style.boxShadow !== "none";
            let marked = drawn(getComputedStyle(el));
            if (el.type === "radio" || el.type === "checkbox") {
                const label = document.querySelector(`label[for="${el.id}"]`);
                marked = marked || (label && (drawn(getComputedStyle(label, "::before"))
                    || drawn(getComputedStyle(label, "::after"))));
            }
            return {tag: el.tagName.toLowerCase(), id: el.id, name: el.getAttribute("name"),
                    type: el.type || null, value: el.value ?? null,
                    text: (el.innerText || "").trim().slice(0, 80),
                    visible: el.matches(":focus-visible"), marked: Boolean(marked)};
        }"""
    )
    return found


def tab_to(page: Page, wanted: Callable[[dict[str, Any]], bool], backwards: bool = False) -> dict[str, Any]:
    """Press Tab (or Shift+Tab) until the focused element is the one wanted, checking at every stop
    that the focus can be seen; at most 150 presses."""
    for _ in range(150):
        page.keyboard.press("Shift+Tab" if backwards else "Tab")
        now = focused(page)
        if now["tag"] is None:
            continue
        assert now["visible"] and now["marked"], f"the focus cannot be seen on {now}"
        if wanted(now):
            return now
    raise AssertionError("150 presses of Tab did not reach the element wanted")


def sign_in(page: Page, base: str, name: str, password: str) -> None:
    """Sign in to the desk through its sign-in page."""
    page.goto(f"{base}/desk/sign-in")
    page.locator("#name").fill(name)
    page.locator("#password").fill(password)
    with page.expect_navigation():
        page.locator("form[action='/desk/sign-in'] button[type=submit]").click()
    assert "/desk/sign-in" not in page.url, page.url


def shot(page: Page, name: str) -> Path:
    """A full-page screenshot, under build/screenshots/desk/ (or $COMPLAINTFLOW_SCREENSHOTS/desk)."""
    SHOTS.mkdir(parents=True, exist_ok=True)
    path = SHOTS / f"{re.sub(r'[^a-z0-9-]+', '-', name.lower()).strip('-')}.png"
    page.screenshot(path=str(path), full_page=True)
    return path
