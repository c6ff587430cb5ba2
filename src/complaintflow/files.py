"""Reading the files a person names: event logs and procedure definitions.

Only regular files are read. A FIFO would block for ever waiting for a writer, and a device such
as /dev/zero never ends; both are refused before a byte is read, whatever the path looks like.
Lines are read a bounded number of bytes at a time, so a line longer than any event is refused
when its limit is reached, not after it has been read whole into memory.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Iterator
from pathlib import Path
from typing import IO

from complaintflow.errors import ComplaintflowError, printable
from complaintflow.limits import MAX_EVENT_BYTES

#: How much of an overlong line is read at a time while passing over the rest of it.
_SKIP_BYTES = 65_536


class NotARegularFile(ComplaintflowError):
    """A path that names a FIFO, a device, a socket or a folder where a file was expected."""


def open_regular(path: str | Path) -> IO[bytes]:
    """The file at `path`, open for reading in binary; refused unless it is a regular file.

    It is opened without waiting (a FIFO with no writer would otherwise block the open itself),
    then checked through the open descriptor, so nothing can swap the file between check and use.
    """
    descriptor = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOCTTY", 0))
    try:
        if not stat.S_ISREG(os.fstat(descriptor).st_mode):
            raise NotARegularFile(
                f"{printable(str(path), 200)}: not a regular file (a FIFO, device or folder cannot be read)"
            )
        if hasattr(os, "set_blocking"):
            os.set_blocking(descriptor, True)
        return os.fdopen(descriptor, "rb")
    except BaseException:
        os.close(descriptor)
        raise


def bounded_lines(handle: IO[bytes], limit: int = MAX_EVENT_BYTES) -> Iterator[bytes]:
    """Each line of a file, newline included; a line longer than `limit` bytes is given cut to
    `limit + 1` bytes (too long for any reader to accept) and the rest of it is passed over unkept."""
    while True:
        line = handle.readline(limit + 1)
        if not line:
            return
        if len(line) <= limit or line.endswith(b"\n"):
            yield line
            continue
        yield line
        while True:  # the rest of the overlong line, a chunk at a time
            rest = handle.readline(_SKIP_BYTES)
            if not rest or rest.endswith(b"\n"):
                break
