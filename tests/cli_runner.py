"""Running the command line in-process, as the tests of each command do."""

from __future__ import annotations

import pytest

from complaintflow.cli import main


def run(capsys: pytest.CaptureFixture[str], *argv: object) -> tuple[int, str, str]:
    """`complaintflow ARGV...`: the exit status, what it printed, and what it printed as errors."""
    status = main([str(arg) for arg in argv])
    captured = capsys.readouterr()
    return status, captured.out, captured.err
