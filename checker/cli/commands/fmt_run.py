"""The work of `syncproof fmt` (its options are in `checker.cli.commands.fmt`)."""

from __future__ import annotations

import difflib
import os
import sys
import tempfile
from pathlib import Path

from spec.formatter import format_text
from spec.loader import read_source

from checker.core.exits import EXIT_HOLDS, EXIT_VIOLATED
from checker.reports.console import console


def run(args) -> int:
    changed = [(path, old, new) for path, old, new in _formatted(args.files) if old != new]
    err = console(stderr=True)
    for path, old, new in changed:
        if args.check:
            sys.stdout.write(unified_diff(path, old, new))
            err.print(f"would reformat {path}", markup=False, highlight=False)
        else:
            write_source(path, new)
            err.print(f"reformatted {path}", markup=False, highlight=False)
    verb = "would be reformatted" if args.check else "reformatted"
    err.print(f"{len(changed)} of {len(args.files)} file(s) {verb}", markup=False, highlight=False)
    return EXIT_VIOLATED if args.check and changed else EXIT_HOLDS


def _formatted(paths: list[str]) -> list[tuple[str, str, str]]:
    """(path, text, formatted text) for every file, or the first file's diagnostic (`SpecError`)."""
    out = []
    for path in dict.fromkeys(paths):   # a file named twice is formatted once
        text = read_source(path)
        out.append((path, text, format_text(text, path)))
    return out


def unified_diff(path: str, old: str, new: str) -> str:
    lines = difflib.unified_diff(old.splitlines(keepends=True), new.splitlines(keepends=True),
                                 fromfile=path, tofile=f"{path} (formatted)")
    return "".join(line if line.endswith("\n") else line + "\n\\ No newline at end of file\n" for line in lines)


def write_source(path: str, text: str) -> None:
    """Replace the file (a link's target) atomically, keeping its permissions."""
    target = Path(os.path.realpath(path))
    mode = target.stat().st_mode
    fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=".tmp-", suffix=target.suffix)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(text)
        os.chmod(tmp, mode & 0o7777)
        os.replace(tmp, target)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise
