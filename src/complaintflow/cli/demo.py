"""`complaintflow demo`: the main job on the built-in example (complaintflow.demo)."""

from __future__ import annotations

from typing import Any

from complaintflow import demo


def add_commands(commands: Any) -> None:
    demo_command = commands.add_parser("demo", help="the main job on the built-in example")
    demo_command.add_argument(
        "--out", metavar="DIR", help="where to write the report (default: a new temporary folder)"
    )
    demo_command.set_defaults(run=demo.run)
