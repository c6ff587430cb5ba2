"""The published HTML reports opened in a real headless browser (Debian's Chromium, driven by
playwright-core from tests/browser): axe-core finds no serious or critical WCAG 2.2 A/AA problem,
chart labels are drawn at 12 px or more, and a screenshot of each page is taken to look at.

CI (where CI=true) always has the browser: `.ci/run` installs Chromium and the two npm packages, and
these tests refuse to skip there. Elsewhere they skip, saying what to install.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from test_report_years import YEARS, _report

from complaintflow import load_procedure
from complaintflow.report import Cover, publish, report_from_log, reports_from_log, to_html

ROOT = Path(__file__).parents[1]
CHECKS = ROOT / "tests" / "browser"
BROWSER = next((found for name in ("chromium", "chromium-browser") if (found := shutil.which(name))), None)
NODE = shutil.which("node")
READY = BROWSER is not None and NODE is not None and (CHECKS / "node_modules" / "axe-core").is_dir()
#: Where the screenshots go, to be looked at after a run (CI keeps them with its log).
SHOTS = Path(os.environ.get("COMPLAINTFLOW_SCREENSHOTS", ROOT / "build" / "screenshots"))

if not READY and os.environ.get("CI"):
    raise RuntimeError("CI needs Chromium, Node.js and tests/browser/node_modules: .ci/run installs them")

pytestmark = pytest.mark.skipif(
    not READY,
    reason="no headless browser: apt-get install chromium nodejs npm, then npm ci --prefix tests/browser",
)

CORPORATE = load_procedure(ROOT / "examples" / "corporate-procedure.toml")
SEED = ROOT / "examples" / "seed-year" / "events.jsonl"
COVER = Cover(council="Example Borough Council", made_on=date(2013, 6, 3))


def check(page: Path, name: str, width: int) -> dict[str, Any]:
    """Open the page at a window width; axe-core's findings, the smallest chart label, a screenshot."""
    assert BROWSER is not None and NODE is not None
    SHOTS.mkdir(parents=True, exist_ok=True)
    shot = SHOTS / f"{name}-{width}.png"
    done = subprocess.run(
        [NODE, str(CHECKS / "check-page.mjs"), str(page), str(shot), str(width)],
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
        env={**os.environ, "CHROMIUM": BROWSER},
    )
    assert done.returncode == 0, done.stderr[-1000:]
    assert shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    result: dict[str, Any] = json.loads(done.stdout)
    return result


@pytest.fixture(scope="module")
def pages(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """The seed year's published children's report, and a published report of every other kind."""
    folder = tmp_path_factory.mktemp("pages")
    children = publish(report_from_log(SEED, 2012, procedures={"corporate": CORPORATE}))
    found = {"children": children}
    for param in YEARS:  # each other kind from its reporting year of tests/scenarios/report-years.toml
        scenario = param.values[0]
        found[scenario["procedure"]] = publish(_report(scenario), 3)
    paths = {}
    for name, report in found.items():
        path = folder / f"{name}.html"
        path.write_text(to_html(report, COVER), encoding="utf-8")
        paths[name] = path
    return paths


@pytest.mark.parametrize("width", [1300, 700])
def test_the_children_s_report_passes_axe_and_draws_labels_of_12_px_or_more(
    pages: dict[str, Path], width: int
) -> None:
    result = check(pages["children"], "children", width)
    assert result["title"] == "Complaints annual report 2012-13"
    serious = [v for v in result["violations"] if v["impact"] in ("serious", "critical")]
    assert serious == []
    assert result["charts"] == 3
    assert result["smallestLabelPx"] >= 12


@pytest.mark.parametrize("name", ["housing-2024", "lgsco-2026", "adults-2009", "spso-2021", "corporate"])
def test_every_other_kind_of_report_passes_axe(pages: dict[str, Path], name: str) -> None:
    result = check(pages[name], name, 1300)
    assert [v for v in result["violations"] if v["impact"] in ("serious", "critical")] == []
    assert result["charts"] == (3 if name == "corporate" else 0)


def test_several_procedures_in_one_log_give_one_page_each(tmp_path: Path) -> None:
    found = reports_from_log(SEED, 2012, procedures={"corporate": CORPORATE})
    assert list(found) == ["children-2006", "corporate"]
    page = tmp_path / "corporate.html"
    page.write_text(to_html(publish(found["corporate"]), COVER), encoding="utf-8")
    result = check(page, "seed-corporate", 1300)
    assert [v for v in result["violations"] if v["impact"] in ("serious", "critical")] == []
