"""The optional extras (service, postgres, report): what a missing one is called, and how to
install it, so that a command without it says so in one line instead of a traceback."""

from __future__ import annotations

import importlib

from complaintflow.errors import MissingExtra


def install_hint(extra: str) -> str:
    """The command that installs an extra."""
    return f'python -m pip install "complaintflow[{extra}]"'


def require_extra(extra: str, *modules: str, needed_by: str) -> None:
    """Raise MissingExtra naming `extra` where any of `modules` cannot be imported."""
    for module in modules:
        try:
            importlib.import_module(module)
        except ImportError:
            raise MissingExtra(f"{needed_by} needs the {extra} extra: {install_hint(extra)}") from None
