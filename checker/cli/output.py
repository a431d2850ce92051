"""Writing a run's reports where the command line asked: stdout, --output, --report."""

from __future__ import annotations

import datetime as _dt
import sys
from pathlib import Path

from spec.diagnostics import Diagnostic, SpecError

from checker.cli.commands.common import writable_file
from checker.core.result import Result
from checker.project.runs import Entry, Run
from checker.reports.console import console
from checker.reports.formats import chosen_format, render, write_file
from checker.reports.formats.text import print_text


def single_run(result: Result, model, path: str, seconds: float | None = None) -> Run:
    """The run of `syncproof check` (or simulate): one entry."""
    name = Path(path).name.removesuffix(".sync")
    entry = Entry(name, path, result.engine, result=result, model=model,
                  seconds=result.stats.seconds if seconds is None else seconds)
    started = _dt.datetime.now(_dt.timezone.utc) - _dt.timedelta(seconds=entry.seconds)
    return Run([entry], command="check", seconds=entry.seconds, started=started)


def check_destinations(args) -> None:
    """One format asked for, and --output and every --report FILE writable: checked before any work
    (else exit 2)."""
    if getattr(args, "json", False) and getattr(args, "format", None) not in (None, "json"):
        raise SpecError(Diagnostic("E600", f"--json and --format {args.format} ask for two formats on stdout", None,
                                   f"give one; --report {args.format}=FILE writes another to a file"))
    if getattr(args, "output", None):
        writable_file("--output", args.output)
    for fmt, path in getattr(args, "report", None) or []:
        writable_file("--report", path, f"{fmt}={path}")


def emit(run: Run, args) -> None:
    """The report in --format to stdout or --output, and every --report FORMAT=FILE."""
    outputs = [(chosen_format(args), getattr(args, "output", None))] + list(getattr(args, "report", None) or [])
    for fmt, path in outputs:
        if path is None:
            if fmt == "text":
                print_text(run, console())
            else:
                sys.stdout.write(render(fmt, run))
                sys.stdout.flush()
        else:
            write_file(path, render(fmt, run))
