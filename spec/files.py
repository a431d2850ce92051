"""Reading the files a user names: models, imports and configurations.

Every such file goes through `read_text`, so each refuses the same things in
the same words: a path that is not a regular file (a directory, a FIFO, a
device such as /dev/zero), a file of more than `MAX_FILE_BYTES`, and text that
is not UTF-8. The checks come before any reading: a FIFO would block and a
device would never end. A UTF-8 byte order mark at the start is dropped.
"""

from __future__ import annotations

import codecs
import os
import stat
from pathlib import Path

MAX_FILE_BYTES = 1 << 20   # 1 MiB: a hundred times the largest shipped model

_KINDS = ((stat.S_ISFIFO, "a FIFO"), (stat.S_ISCHR, "a character device"), (stat.S_ISBLK, "a block device"),
          (stat.S_ISSOCK, "a socket"))


class FileProblem(Exception):
    """Why a file cannot be read: `str()` is a sentence that names the file, `reason` the why alone."""

    def __init__(self, message: str, reason: str):
        super().__init__(message)
        self.reason = reason


def check_regular(path: str | Path, shown: str | None = None, what: str = "model",
                  limit: int = MAX_FILE_BYTES) -> os.stat_result:
    """The file's status, or FileProblem when it is missing, not a regular file or over `limit` bytes."""
    shown = str(path) if shown is None else shown
    try:
        st = os.stat(path)
    except FileNotFoundError:
        raise FileProblem(f"no such file: {shown}", "no such file") from None
    except OSError as exc:
        raise _unreadable(shown, exc) from None
    except ValueError:  # a NUL character, which no path may hold
        raise FileProblem(f"cannot read {shown!r}: a file name cannot hold a NUL character",
                          "a file name cannot hold a NUL character") from None
    _check_status(st, shown, what, limit)
    return st


def _check_status(st: os.stat_result, shown: str, what: str, limit: int) -> None:
    if stat.S_ISDIR(st.st_mode):
        raise FileProblem(f"{shown} is a directory, not a {what} file", f"a directory, not a {what} file")
    if not stat.S_ISREG(st.st_mode):
        kind = next((k for test, k in _KINDS if test(st.st_mode)), "not a regular file")
        raise FileProblem(f"{shown} is {kind}, not a {what} file", f"{kind}, not a {what} file")
    if st.st_size > limit:
        reason = f"too large: {st.st_size:,} bytes (at most {limit:,})"
        raise FileProblem(f"{shown} is {reason}", reason)


def read_text(path: str | Path, shown: str | None = None, what: str = "model", limit: int = MAX_FILE_BYTES) -> str:
    """The UTF-8 text of a regular file of at most `limit` bytes, without a byte order mark."""
    shown = str(path) if shown is None else shown
    check_regular(path, shown, what, limit)
    try:
        # O_NONBLOCK: if the path became a FIFO since the check, opening does not wait for a writer
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0))
    except OSError as exc:
        raise _unreadable(shown, exc) from None
    with os.fdopen(fd, "rb") as f:
        _check_status(os.fstat(fd), shown, what, limit)
        try:
            data = f.read(limit + 1)
        except OSError as exc:
            raise _unreadable(shown, exc) from None
    if len(data) > limit:
        reason = f"too large: more than {limit:,} bytes"
        raise FileProblem(f"{shown} is {reason}", reason)
    return _decode(data, shown)


def _decode(data: bytes, shown: str) -> str:
    if data.startswith(codecs.BOM_UTF8):
        data = data[len(codecs.BOM_UTF8):]
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        col = exc.start - (data.rfind(b"\n", 0, exc.start) + 1) + 1
        reason = f"not a UTF-8 text file (byte 0x{data[exc.start]:02x} at line {line}, column {col})"
        raise FileProblem(f"{shown} is {reason}", reason) from None


def _unreadable(shown: str, exc: OSError) -> FileProblem:
    reason = exc.strerror or str(exc)
    return FileProblem(f"cannot read {shown}: {reason}", f"cannot read it: {reason}")
