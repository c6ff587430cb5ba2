"""Every `complaintflow` command line the README and docs show is one the command accepts, so that
a reader who copies one gets the command, not a usage error. (Their Python examples run as
doctests.)"""

from __future__ import annotations

import re
import shlex
from pathlib import Path

import pytest

from complaintflow.cli import build_parser

ROOT = Path(__file__).parents[1]
PAGES = [
    ROOT / "README.md",
    ROOT / "examples" / "seed-year" / "README.md",
    *sorted((ROOT / "docs").glob("*.md")),
]


def command_lines(page: Path) -> list[str]:
    """The complaintflow commands of a page's console blocks, with continuation lines joined,
    optional parts ([--jobs N]) left out, and shell redirection and comments cut off."""
    found = []
    for block in re.findall(r"```console\n(.*?)```", page.read_text(encoding="utf-8"), re.S):
        for line in block.replace("\\\n", " ").splitlines():
            line = re.sub(r"\[[^\]]*\]", "", line.strip().removeprefix("$ "))
            for command in (part.strip() for part in line.split("&&")):
                if command.startswith("complaintflow "):
                    found.append(re.split(r"\s(?:#|>|\|)", command)[0])
    return found


EXAMPLES = [(page.relative_to(ROOT).as_posix(), line) for page in PAGES for line in command_lines(page)]


def test_the_pages_show_command_lines() -> None:
    assert len(EXAMPLES) > 20
    assert ("README.md", "complaintflow demo") in EXAMPLES


@pytest.mark.parametrize(("page", "line"), EXAMPLES)
def test_a_command_line_in_the_docs_is_accepted(page: str, line: str) -> None:
    build_parser().parse_args(shlex.split(line)[1:])
