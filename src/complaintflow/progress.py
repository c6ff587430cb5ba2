"""A progress bar on the terminal for long work, and silence otherwise."""

from __future__ import annotations

import sys
import time
from collections.abc import Callable
from typing import TextIO

#: Work on files smaller than this finishes too quickly for a bar to help.
WORTH_SHOWING_BYTES = 2_000_000


def progress_bar(label: str, total: int, stream: TextIO | None = None) -> Callable[[int], None] | None:
    """A callback that draws `label [####    ] 42%` as work advances, or None when not worth it.

    Only on a terminal, and only for work of at least WORTH_SHOWING_BYTES.
    """
    out = stream or sys.stderr
    if total < WORTH_SHOWING_BYTES or not out.isatty():
        return None
    last = [0.0]

    def update(done: int) -> None:
        now = time.monotonic()
        if now - last[0] < 0.1 and done < total:
            return
        last[0] = now
        share = min(done / total, 1.0)
        filled = int(share * 30)
        out.write(f"\r{label} [{'#' * filled}{' ' * (30 - filled)}] {share:4.0%}")
        if done >= total:
            out.write("\n")
        out.flush()

    return update
