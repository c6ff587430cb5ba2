"""The Node.js host example, against a real server: another language, for real."""

from __future__ import annotations

import os
import shutil
import subprocess
from datetime import date
from pathlib import Path

import pytest
from live_server import LiveServer
from store_contract import RECEIVED

import complaintflow as cf
from complaintflow.notices import Limits, add_subscription, deliver_once, notify
from complaintflow.notices.sending import post

SCRIPT = Path(__file__).resolve().parents[1] / "examples" / "node-host" / "host.mjs"
RECEIVER = SCRIPT.with_name("receiver.mjs")


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


def test_a_node_receiver_checks_each_signature_with_node_crypto(tmp_path: Path) -> None:
    node = shutil.which("node")
    if node is None:
        if os.environ.get("CI"):
            raise RuntimeError("Node.js is missing; .ci/run should have installed it")
        pytest.skip("Node.js is not installed")
    store = cf.open_store(f"sqlite:{tmp_path / 'store.db'}")
    store.append("A", [RECEIVED])
    _, secret = add_subscription(store, "http://127.0.0.1:1/", ["approaching", "due"])
    receiver = subprocess.Popen(
        [node, str(RECEIVER)],
        stdout=subprocess.PIPE,
        text=True,
        env={**os.environ, "WEBHOOK_SECRET": secret, "EXPECT": "2"},
    )
    try:
        assert receiver.stdout is not None
        port = int(receiver.stdout.readline().split()[-1])
        with store._writing() as db:
            db.execute("UPDATE complaintflow_subscriptions SET url = ?", (f"http://127.0.0.1:{port}/",))
        forged = post(
            f"http://127.0.0.1:{port}/",
            b'{"data": {}}',
            {"webhook-id": "ntc_x", "webhook-timestamp": "1", "webhook-signature": "v1,AAAA"},
            Limits(),
        )
        assert forged == 401
        notify(store, date(2024, 4, 16))  # approaching (caught up) and due
        assert deliver_once(store) == 2
        out, _ = receiver.communicate(timeout=60)
    finally:
        receiver.kill()
    lines = out.splitlines()
    assert lines[0] == "refused: the signature does not check"
    assert sorted(lines[1:]) == [
        "approaching A stage1_response due Tuesday 16 April 2024",
        "due A stage1_response due Tuesday 16 April 2024",
    ]
