"""Pieces every command shares: model arguments, option types, the parser class."""

from __future__ import annotations

import argparse
import math
import os
import sys
import tempfile
from pathlib import Path

from spec import files
from spec.diagnostics import Diagnostic, SpecError

from checker.core.exits import EXIT_BAD_INPUT
from checker.core.limits import MOST_COUNT, MOST_SECONDS


class Parser(argparse.ArgumentParser):
    def error(self, message: str):  # exit 2 with a one-line message, as for any bad input
        self.print_usage(sys.stderr)
        sys.stderr.write(f"error[E600]: {message}\n")
        raise SystemExit(EXIT_BAD_INPUT)


def positive(kind, most=None):
    """An argparse type: a positive int or float (finite: not nan, not inf), at most `most`
    (by default MOST_SECONDS for a float, MOST_COUNT for an int)."""
    most = most or (MOST_SECONDS if kind is float else MOST_COUNT)

    def parse(text: str):
        shown = repr(text if len(text) <= 40 else text[:20] + "..." + text[-10:])
        try:
            value = kind(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"expected a positive number, got {shown}") from None
        if value <= 0 or (kind is float and not math.isfinite(value)):   # (an int of any size is finite)
            raise argparse.ArgumentTypeError(f"expected a positive number, got {shown}")
        if value > most:
            raise argparse.ArgumentTypeError(f"expected a positive number of at most {most:,}, got {shown}")
        return value
    return parse


def model_args(sp) -> None:
    sp.add_argument("model", metavar="MODEL", help="the model file (.sync)")
    sp.add_argument("--const", action="append", default=[], metavar="NAME=VALUE",
                    help="override a constant (repeatable); a set of model values takes a size or {a,b}")


def check_model_file(path: str) -> None:
    """E601 unless `path` is a regular file of at most the size a model may have (spec.files)."""
    try:
        files.check_regular(path)
    except files.FileProblem as exc:
        raise SpecError(Diagnostic("E601", str(exc), None)) from None


# ---- output paths, checked before any work ---------------------------------------------------

def writable_dir(option: str, path, shown: str | None = None) -> None:
    """Exit 2 now, naming `option`, if the directory of traces `path` cannot be made or written in.

    Commands call this before the search, so that a run of an hour does not end in an error
    about where its result should go."""
    _refuse(f"{option} {shown or path}", _dir_problem(Path(path)),
            "nothing was checked; give a directory where syncproof can write, or --no-trace-file")


def writable_file(option: str, path, shown: str | None = None) -> None:
    """Exit 2 now, naming `option`, if the file `path` cannot be written (atomically, in its folder)."""
    _refuse(f"{option} {shown or path}", _file_problem(Path(path)),
            "nothing was checked; give a file where syncproof can write")


def _file_problem(p: Path) -> str | None:
    if "\0" in str(p):
        return "a path cannot hold a NUL character"
    try:
        if p.is_dir():
            return "it is a directory"
        if p.exists() and not p.is_file():
            return None   # a device or a pipe (/dev/stdout): written as it is, not replaced
    except OSError as exc:
        return _reason(exc)
    return _dir_problem(p.parent)


def _dir_problem(p: Path) -> str | None:
    """Why `p` cannot be (made into) a directory where files can be created; None when it can."""
    if "\0" in str(p):
        return "a path cannot hold a NUL character"
    try:
        for d in (p, *p.parents):
            if d.exists():
                if not d.is_dir():
                    return f"{d} is not a directory"
                return _probe(d)
            elif d.is_symlink():
                return f"{d} is a broken symbolic link"
    except (OSError, ValueError) as exc:
        return _reason(exc)
    return None


def _probe(d: Path) -> str | None:
    """Creates (and removes) a file in `d`, as the write will: os.access says yes to root on /proc."""
    try:
        with tempfile.TemporaryFile(dir=d):
            return None
    except OSError as exc:
        return f"cannot create a file in {d} ({(exc.strerror or str(exc)).lower()})"


def _reason(exc: Exception) -> str:
    if isinstance(exc, OSError) and exc.strerror:
        return f"not a usable path ({exc.strerror.lower()})"
    return f"not a usable path ({exc})"


def _refuse(what: str, problem: str | None, help: str) -> None:
    if problem is not None:
        raise SpecError(Diagnostic("E606", f"{what}: {problem}", None, help))


def cores() -> int:
    """The cores this process may run on (the default of `mutate --jobs`)."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:   # not on Linux
        return max(1, os.cpu_count() or 1)
