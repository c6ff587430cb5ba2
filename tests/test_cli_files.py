"""Files a person names on the command line: regular files only, read a bounded line at a time,
`extends` kept to the definition's folder, and worker processes capped at the cores and ended with
the process that started them."""

from __future__ import annotations

import io
import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest
from cli_runner import run

from complaintflow.files import bounded_lines
from complaintflow.limits import MAX_EVENT_BYTES
from complaintflow.report.workers import jobs_for, usable_cores

ROOT = Path(__file__).resolve().parent.parent
SEED = ROOT / "examples" / "seed-year" / "events.jsonl"
CORPORATE = ROOT / "examples" / "corporate-procedure.toml"


def complaintflow(*argv: object, stdin: object = subprocess.DEVNULL) -> subprocess.CompletedProcess[str]:
    """The command in a process of its own, so that one that would block for ever only fails."""
    return subprocess.run(
        [sys.executable, "-m", "complaintflow.cli", *map(str, argv)],
        stdin=stdin,  # type: ignore[arg-type]
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


class Endless(io.RawIOBase):
    """A file that never ends and holds no newline, counting what is read of it."""

    def __init__(self) -> None:
        self.read_so_far = 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: memoryview) -> int:  # type: ignore[override]
        buffer[:] = b"\x00" * len(buffer)
        self.read_so_far += len(buffer)
        return len(buffer)


def test_a_line_is_refused_when_it_reaches_the_limit_not_after_it_is_read_whole() -> None:
    endless = Endless()
    first = next(bounded_lines(io.BufferedReader(endless)))
    assert len(first) == MAX_EVENT_BYTES + 1
    assert endless.read_so_far <= MAX_EVENT_BYTES + 2 * io.DEFAULT_BUFFER_SIZE


def test_an_overlong_line_is_passed_over_and_the_next_one_read() -> None:
    data = b"{" + b"x" * (3 * MAX_EVENT_BYTES) + b"}\n" + b'{"next": 1}\n'
    lines = list(bounded_lines(io.BytesIO(data)))
    assert [len(line) for line in lines] == [MAX_EVENT_BYTES + 1, 12]


def test_case_refuses_dev_zero_as_a_file_and_as_standard_input() -> None:
    done = complaintflow("case", "/dev/zero")
    assert done.returncode == 2 and "/dev/zero: not a regular file" in done.stderr
    with open("/dev/zero", "rb") as zeros:
        done = complaintflow("case", "-", stdin=zeros)
    assert done.returncode == 2
    assert done.stderr.strip() == (
        f"complaintflow: error: -, line 1: an event may take at most {MAX_EVENT_BYTES:,} bytes of JSON"
    )
    assert "Traceback" not in done.stderr


def test_import_refuses_an_overlong_line_and_stores_the_others(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    log = tmp_path / "events.jsonl"
    lines = SEED.read_bytes().splitlines(keepends=True)[:3]
    log.write_bytes(lines[0] + b'{"type": "' + b"x" * (2 * MAX_EVENT_BYTES) + b'"}\n' + b"".join(lines[1:]))
    status, out, err = run(
        capsys, "import", log, "--store", f"sqlite:{tmp_path / 'store.db'}", "--procedure", CORPORATE
    )
    assert status == 1 and "1 line refused" in out
    assert err.startswith(f"line 2: an event may take at most {MAX_EVENT_BYTES:,} bytes")


@pytest.fixture
def fifo(tmp_path: Path) -> Path:
    path = tmp_path / "events.toml"
    os.mkfifo(path)
    return path


@pytest.mark.parametrize(
    "command",
    [
        ["case", "{fifo}"],
        ["due", "{fifo}"],
        ["report", "{fifo}", "--year", "2012"],
        ["import", "{fifo}", "--store", "sqlite:{folder}/store.db"],
        ["case", str(SEED), "--procedure", "{fifo}"],
        ["procedure", "show", "{fifo}"],
        ["procedure", "show", "{folder}/child.toml"],
    ],
)
def test_a_fifo_is_refused_at_once_wherever_a_file_is_named(
    tmp_path: Path, fifo: Path, command: list[str]
) -> None:
    (tmp_path / "child.toml").write_text(f'extends = "{fifo.name}"\n', encoding="utf-8")
    done = complaintflow(*(word.format(fifo=fifo, folder=tmp_path) for word in command))
    assert done.returncode != 0
    assert "not a regular file" in done.stderr and "Traceback" not in done.stderr


def test_extends_cannot_follow_a_link_out_of_the_definition_s_folder(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    outside, folder = tmp_path / "outside", tmp_path / "definitions"
    outside.mkdir()
    folder.mkdir()
    (outside / "base.toml").write_text(CORPORATE.read_text(encoding="utf-8"), encoding="utf-8")
    (folder / "base.toml").symlink_to(outside / "base.toml")
    (folder / "child.toml").write_text('extends = "base.toml"\ntitle = "Child"\n', encoding="utf-8")
    status, _, err = run(capsys, "procedure", "show", folder / "child.toml")
    assert status == 2 and "'base.toml' leads out of this definition's folder" in err
    (folder / "base.toml").unlink()
    (folder / "real.toml").write_text(CORPORATE.read_text(encoding="utf-8"), encoding="utf-8")
    (folder / "base.toml").symlink_to(folder / "real.toml")  # a link within the folder is a sibling
    status, out, _ = run(capsys, "procedure", "show", folder / "child.toml")
    assert status == 0 and "Child" in out


def test_jobs_are_capped_at_the_cores(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert jobs_for(SEED, 48) == usable_cores() and jobs_for(SEED, 1) == 1
    many = run(capsys, "due", SEED, "--jobs", "48", "--as-of", "2013-03-01", "--procedure", CORPORATE)
    one = run(capsys, "due", SEED, "--jobs", "1", "--as-of", "2013-03-01", "--procedure", CORPORATE)
    assert many == one and many[0] == 0


PARENT = textwrap.dedent(
    """
    import time
    from complaintflow.report.workers import worker_pool

    if __name__ == "__main__":
        pool = worker_pool(2)
        futures = [pool.submit(time.sleep, 600) for _ in range(2)]
        while len(pool._processes) < 2 or not all(p.pid for p in pool._processes.values()):
            time.sleep(0.05)
        print(*pool._processes, flush=True)
        time.sleep(600)
    """
)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    stat = Path(f"/proc/{pid}/stat")
    return not (stat.exists() and stat.read_text().split(") ")[1].startswith("Z"))


def test_workers_end_with_the_process_that_started_them_even_when_it_is_killed(tmp_path: Path) -> None:
    script = tmp_path / "parent.py"
    script.write_text(PARENT, encoding="utf-8")
    parent = subprocess.Popen([sys.executable, str(script)], stdout=subprocess.PIPE, text=True)
    assert parent.stdout is not None
    workers = [int(pid) for pid in parent.stdout.readline().split()]
    assert len(workers) == 2 and all(_alive(pid) for pid in workers)
    os.kill(parent.pid, signal.SIGKILL)
    parent.wait()
    deadline = time.monotonic() + 60
    while any(_alive(pid) for pid in workers):
        assert time.monotonic() < deadline, "workers outlived the process that started them"
        time.sleep(0.1)
