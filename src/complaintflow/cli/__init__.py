"""The `complaintflow` command line, for complaints managers and scripts.

Each command group is a module of this package with an `add_commands(commands)` that adds its
subcommands, each setting `run` to the function that carries it out; a new group is one module and
one line in `GROUPS`. User errors (a missing file, a malformed date, a bad event on line 12) print one
line naming the place and exit with status 2; they never show a traceback.
"""

from __future__ import annotations

import argparse
import itertools
import json
import sys
from collections.abc import Sequence

from complaintflow.cli import (
    cases,
    demo,
    imports,
    notices,
    procedures,
    reports,
    serve,
    store,
    tokens,
    users,
    workdays,
)
from complaintflow.cli.common import Command, Parser
from complaintflow.errors import ComplaintflowError

#: The command groups, in the order `complaintflow --help` lists them.
GROUPS = (demo, workdays, cases, reports, serve, notices, tokens, users, imports, store, procedures)


def build_parser() -> argparse.ArgumentParser:
    """The argument parser; each subcommand sets `run` to the function that carries it out."""
    parser = Parser(prog="complaintflow", description=__doc__.splitlines()[0])
    commands = parser.add_subparsers(dest="command", required=True, parser_class=Parser)
    for group in GROUPS:
        group.add_commands(commands)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; return the exit status.

    A user error prints one line and exits with 2; with `--format json`, it prints an RFC 9457 problem
    document on standard error instead and exits with its kind's own code (complaintflow.problems).
    """
    words = list(sys.argv[1:] if argv is None else argv)
    as_json = _wants_json(words)
    try:
        args = build_parser().parse_args(words)
        run: Command = args.run
        return run(args)
    except ComplaintflowError as error:
        return _report_error(error, as_json)
    except BrokenPipeError:  # e.g. piped into `head`: not an error
        sys.stderr.close()
        return 0
    except OSError as error:
        failure = ComplaintflowError(f"{error.strerror}: {error.filename}")
        return _report_error(failure, as_json)
    except KeyboardInterrupt:
        return 130


def _wants_json(words: list[str]) -> bool:
    """`apply` always answers in JSON; other commands do with --format json."""
    if words[:1] == ["apply"] or "--format=json" in words:
        return True
    return any(word == "--format" and then == "json" for word, then in itertools.pairwise(words))


def _report_error(error: ComplaintflowError, as_json: bool) -> int:
    if not as_json:
        print(f"complaintflow: error: {error}", file=sys.stderr)
        return 2
    from complaintflow.problems import kind_of, problem

    print(json.dumps(problem(error)), file=sys.stderr)
    return kind_of(error).exit_code


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
