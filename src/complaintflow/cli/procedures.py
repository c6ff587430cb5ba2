"""`complaintflow procedures` and `procedure show|schema`: the built-in procedures, one definition
with its deadlines, states and policies, and the JSON Schema of procedure files."""

from __future__ import annotations

import argparse
import json
from typing import Any

from complaintflow.cli.common import Parser
from complaintflow.cli.output import print_lines
from complaintflow.procedure import Procedure, built_in_names, load_procedure, procedure_json_schema


def add_commands(commands: Any) -> None:
    commands.add_parser("procedures", help="list the built-in procedures").set_defaults(run=_list_procedures)
    procedure = commands.add_parser("procedure", help="show a procedure definition, or its schema")
    about = procedure.add_subparsers(dest="operation", required=True, parser_class=Parser)
    show = about.add_parser("show", help="a procedure's deadlines, states and policies")
    show.add_argument("name", metavar="NAME", help="a built-in name or a .toml/.json file")
    show.add_argument("--mermaid", action="store_true", help="print a Mermaid state diagram")
    show.add_argument("--format", choices=("text", "json"), default="text")
    show.set_defaults(run=_show_procedure)
    about.add_parser("schema", help="the JSON Schema of procedure files").set_defaults(run=_procedure_schema)


def _list_procedures(args: argparse.Namespace) -> int:
    for name in built_in_names():
        procedure = load_procedure(name)
        print(f"{name:<16} {procedure.title} ({procedure.source.instrument})")
    return 0


def _show_procedure(args: argparse.Namespace) -> int:
    from complaintflow._machine import mermaid

    procedure = load_procedure(args.name)
    if args.mermaid:
        print(mermaid(procedure))
        return 0
    if args.format == "json":
        print(procedure.model_dump_json(indent=2, by_alias=True))
        return 0
    print_lines(describe_procedure(procedure))
    return 0


def describe_procedure(procedure: Procedure) -> list[str]:
    """A procedure as text: its deadlines with sources, its states, and its policies."""
    lines = [f"{procedure.name}: {procedure.title}", f"  source: {procedure.source.cite()}", "", "Deadlines:"]
    for name, deadline in procedure.deadlines.items():
        cap = f", extendable to {deadline.extendable_to}" if deadline.extendable_to else ""
        if deadline.extendable_without_cap:
            cap = ", extendable without a fixed cap"
        starts = " or ".join(match.event for match in procedure.deadline_starts(name))
        if deadline.counts_start_day:
            starts = f"{starts}, commencing on that day"
        lines.append(
            f"  {name:<27} stage {deadline.stage}  {deadline.length} {deadline.unit.replace('_', ' ')}"
            f"{cap}; from {starts}  [{deadline.source.cite()}]"
        )
    lines += ["", "States and the events each allows:"]
    from complaintflow._machine import graph_for

    graph = graph_for(procedure)
    for name, state in procedure.states.items():
        marker = " (final)" if state.final else ""
        lines.append(f"  {name}{marker}: {state.description}")
        lines.append(f"      allows: {', '.join(graph.allowed(name)) or 'nothing'}")
    lines += ["", "Policies (choice in force, and the documented default):"]
    for name, policy in procedure.policies.items():
        lines.append(f"  {name} = {procedure.policy(name)} (default {policy.default}): {policy.description}")
    lines += ["", "Rules:"]
    for name, rule in procedure.rules.items():
        lines.append(f"  {name}: {rule.description} [{rule.source.cite()}]")
    if procedure.retention is not None:
        retention = procedure.retention
        lines += ["", f"Retention: {retention.years} years after the case ends [{retention.source.cite()}]"]
    return lines


def _procedure_schema(args: argparse.Namespace) -> int:
    print(json.dumps(procedure_json_schema(), indent=2))
    return 0
