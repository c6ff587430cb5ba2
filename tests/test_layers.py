"""The layers of spec/architecture.md hold: imports run downwards only, and each outside library has
one door."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "src" / "complaintflow"

#: The domain does no I/O and imports nothing above it.
DOMAIN = [
    "_frozen",
    "_machine",
    "calendar",
    "case",
    "dates",
    "deadlines",
    "errors",
    "events",
    "facts",
    "letters",
    "limits",
    "procedure",
    "rules",
    "view",
]
ABOVE_THE_DOMAIN = (
    "complaintflow.store",
    "complaintflow.service",
    "complaintflow.cli",
    "complaintflow.demo",
    "complaintflow.report",
    "complaintflow.eventlog",
    "complaintflow.importing",
    "complaintflow.cells",
    "complaintflow._workbook",
    "complaintflow.reminders",
    "complaintflow.notices",
    "complaintflow.desk",
)
#: Each outside library, and the only modules that may import it (a name ending in / is a package).
DOORS = {
    "transitions": {"_machine"},
    "psycopg": {"store/postgres"},
    "psycopg_pool": {"store/postgres"},
    "fastapi": {"service/", "desk/"},
    "jinja2": {"desk/templating"},
    "uvicorn": {"service/server"},
    "h11": {"service/server"},
    "matplotlib": {"report/charts"},
    "python_calamine": {"importing"},
    "standardwebhooks": {"notices/signing"},
    "argon2": {"store/users"},
    "authlib": {"desk/oidc"},
    "itsdangerous": {"desk/oidc"},
    "joserfc": {"desk/oidc"},
}


def imports(module: Path) -> set[str]:
    tree = ast.parse(module.read_text(encoding="utf-8"))
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module:
            found.add(node.module)
            found |= {f"{node.module}.{alias.name}" for alias in node.names}  # from package import module
    return found


@pytest.mark.parametrize("name", DOMAIN)
def test_the_domain_imports_nothing_above_it(name: str) -> None:
    above = {m for m in imports(PACKAGE / f"{name}.py") if m.startswith(ABOVE_THE_DOMAIN)}
    assert above == set(), f"{name} imports {above}"


@pytest.mark.parametrize("library", sorted(DOORS))
def test_each_outside_library_comes_in_through_its_one_door(library: str) -> None:
    users = {
        str(path.relative_to(PACKAGE).with_suffix(""))
        for path in PACKAGE.rglob("*.py")
        if any(m == library or m.startswith(f"{library}.") for m in imports(path))
    }
    doors = DOORS[library]
    outside = sorted(
        user
        for user in users
        if not any(user == door or (door.endswith("/") and user.startswith(door)) for door in doors)
    )
    assert outside == [], f"{library} is imported by {outside}"


@pytest.mark.parametrize(
    ("layer", "above"),
    [
        (
            "store",
            ("complaintflow.notices", "complaintflow.service", "complaintflow.cli", "complaintflow.desk"),
        ),
        (
            "notices",
            ("complaintflow.service", "complaintflow.cli", "complaintflow.demo", "complaintflow.desk"),
        ),
    ],
)
def test_the_notices_sit_above_the_store_and_below_the_edges(layer: str, above: tuple[str, ...]) -> None:
    for path in (PACKAGE / layer).rglob("*.py"):
        found = {m for m in imports(path) if m.startswith(above)}
        assert found == set(), f"{path.name} imports {found}"


def test_the_demo_shares_the_command_lines_wording_through_a_module_below_both() -> None:
    """demo.py sits beside the command line, not under it: what both say comes from wording.py."""
    found = {
        m
        for m in imports(PACKAGE / "demo.py")
        if m == "complaintflow.cli" or m.startswith("complaintflow.cli.")
    }
    assert found == set(), f"demo imports {found}"


def test_the_service_does_not_go_through_the_command_line() -> None:
    """The command line starts the service (`serve`); the service never reaches back into it."""
    for path in (PACKAGE / "service").rglob("*.py"):
        found = {m for m in imports(path) if m.startswith("complaintflow.cli")}
        assert found == set(), f"{path.relative_to(PACKAGE)} imports {found}"


def test_the_desk_reaches_the_store_as_the_service_does_and_no_other_way_into_it() -> None:
    """The desk sits beside the service: it shares the service's way to the store (service.access)
    and the one table of problem kinds, and goes through neither the service's routes nor the
    command line."""
    for path in (PACKAGE / "desk").rglob("*.py"):
        found = {
            m
            for m in imports(path)
            if m.startswith(("complaintflow.service", "complaintflow.cli", "complaintflow.demo"))
            and not m.startswith("complaintflow.service.access")
        }
        assert found == set(), f"{path.relative_to(PACKAGE)} imports {found}"
