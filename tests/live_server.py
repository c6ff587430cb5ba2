"""A real `complaintflow serve` on 127.0.0.1 at a free port, started and stopped by the tests."""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx

import complaintflow as cf
from complaintflow.store.tokens import create_token


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


class LiveServer:
    """One server process over a SQLite store, with a write and a read token."""

    def __init__(self, folder: Path) -> None:
        self.url = f"sqlite:{folder / 'store.db'}"
        self.log = folder / "server.log"
        with cf.open_store(self.url) as store:
            self.write_token = create_token(store, "writer", "write")
            self.admin_token = create_token(store, "admin", "admin")
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.process: subprocess.Popen[bytes] | None = None

    def command(self, *options: str) -> list[str]:
        """The command that serves the store."""
        command = [
            shutil.which("complaintflow") or "complaintflow",
            "serve",
            "--store",
            self.url,
            "--port",
            str(self.port),
            *options,
        ]
        if shutil.which("complaintflow") is None:
            command = [sys.executable, "-m", "complaintflow.cli", *command[1:]]
        return command

    def start(self, *options: str) -> None:
        command = self.command(*options)
        with self.log.open("ab") as log:
            self.process = subprocess.Popen(
                command, stdout=log, stderr=subprocess.STDOUT, env=dict(os.environ)
            )
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                if httpx.get(f"{self.base}/health", timeout=1).status_code == 200:
                    return
            except httpx.TransportError:
                time.sleep(0.1)
        raise RuntimeError(f"the server did not start: {self.log.read_text()[-2000:]}")

    def kill(self) -> None:
        """SIGKILL: no chance to finish anything."""
        assert self.process is not None
        os.kill(self.process.pid, signal.SIGKILL)
        self.process.wait()

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=30)

    def headers(self, token: str | None = None) -> dict[str, str]:
        return {"Authorization": f"Bearer {token or self.write_token}", "Content-Type": "application/json"}
