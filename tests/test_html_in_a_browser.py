"""The HTML report opened in a real headless browser (Debian's chromium), where one is installed."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from complaintflow import load_procedure
from complaintflow.report import report_from_log
from complaintflow.report.html import to_html
from complaintflow.report.suppression import suppress

ROOT = Path(__file__).parents[1]
BROWSER = next((found for name in ("chromium", "chromium-browser") if (found := shutil.which(name))), None)
FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]

pytestmark = pytest.mark.skipif(
    BROWSER is None, reason="no headless browser: install Debian's chromium (apt-get install chromium)"
)


@pytest.fixture(scope="module")
def page(tmp_path_factory: pytest.TempPathFactory) -> Path:
    corporate = load_procedure(ROOT / "examples" / "corporate-procedure.toml")
    report = report_from_log(
        ROOT / "examples" / "seed-year" / "events.jsonl", 2012, procedures={"corporate": corporate}
    )
    path = tmp_path_factory.mktemp("html") / "report.html"
    path.write_text(to_html(suppress(report, 5)), encoding="utf-8")
    return path


def browse(page: Path, *flags: str, profile: Path) -> subprocess.CompletedProcess[str]:
    assert BROWSER is not None
    return subprocess.run(
        [BROWSER, *FLAGS, f"--user-data-dir={profile}", *flags, page.as_uri()],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_the_browser_builds_every_table_and_chart(page: Path, tmp_path: Path) -> None:
    done = browse(page, "--dump-dom", profile=tmp_path / "profile")
    assert done.returncode == 0, done.stderr[-500:]
    dom = done.stdout
    assert "<h1>Complaints annual report 2012-13</h1>" in dom
    assert dom.count("<svg") == 3
    assert dom.count("<table>") >= 25


def test_the_browser_renders_a_screenshot(page: Path, tmp_path: Path) -> None:
    shot = tmp_path / "report.png"
    done = browse(page, f"--screenshot={shot}", "--window-size=1300,2200", profile=tmp_path / "profile")
    assert done.returncode == 0, done.stderr[-500:]
    assert shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert shot.stat().st_size > 50_000  # a page of tables and charts, not a blank one
