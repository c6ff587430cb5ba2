"""The Node.js host example, against a real server: another language, for real."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest
from live_server import LiveServer

SCRIPT = Path(__file__).resolve().parents[1] / "examples" / "node-host" / "host.mjs"


def test_a_node_host_records_a_case_through_its_stages_and_reads_the_daily_list(tmp_path: Path) -> None:
    node = shutil.which("node")
    if node is None:
        if os.environ.get("CI"):
            raise RuntimeError("Node.js is missing; .ci/run should have installed it")
        pytest.skip("Node.js is not installed")
    server = LiveServer(tmp_path)
    server.start()
    try:
        done = subprocess.run(
            [node, str(SCRIPT)],
            capture_output=True,
            text=True,
            timeout=120,
            env={**os.environ, "COMPLAINTFLOW_URL": server.base, "COMPLAINTFLOW_TOKEN": server.write_token},
            check=False,
        )
    finally:
        server.stop()
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert "Responded on 2024-04-12: version 2, now stage1_responded" in lines
    assert "InvestigatorsAppointed on 2024-04-17: version 4, now stage2" in lines
    assert "stage 2 response due 2024-05-21 (SI 2006/1738 reg 17 [S])" in lines
    assert any(line.startswith("refused as expected: 412 stale-version") for line in lines)
    assert "daily list: 2024-05-21 stage2_response (22 working days left)" in lines
