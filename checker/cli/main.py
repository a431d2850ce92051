"""The command line: `syncproof COMMAND ...`, one module per command in `checker.cli.commands`.

Only chains stages and maps outcomes to exit codes: 0 every property holds,
1 a property is violated, 2 bad input (model, options, files), 3
inconclusive (a limit was reached), 4 internal error, 130 interrupted (Ctrl-C; the
statistics reached are printed).
"""

from __future__ import annotations

import os
import sys

from spec.diagnostics import SpecError

from checker import __version__
from checker.core import limits
from checker.cli.commands import check
from checker.cli.commands import parse
from checker.cli.commands import replay
from checker.cli.commands import conform
from checker.cli.commands import simulate
from checker.cli.commands import ci
from checker.cli.commands import graph
from checker.cli.commands import catalog
from checker.cli.commands import fmt
from checker.cli.commands import repl
from checker.cli.commands import mutate
from checker.cli.commands import lsp
from checker.cli.commands.common import Parser
from checker.core.deferred import Deferred
from checker.core.exits import EXIT_BAD_INPUT, EXIT_INTERNAL, EXIT_INTERRUPTED
from checker.traces.errors import ITFError

# rich and the reports, imported when a message is printed: `--version` and `--help` need neither
console = Deferred("checker.reports.console", "console")
stats_line = Deferred("checker.reports.formats.common", "stats_line")
Entry = Deferred("checker.project.runs", "Entry")

COMMANDS = [check, parse, replay, simulate, ci, graph, catalog, conform, fmt, repl, mutate, lsp]


def build_parser() -> Parser:
    p = Parser(prog="syncproof", description="Model checking for derivatives ledgers and their "
               "synchronization protocols.")
    p.add_argument("--version", action="version", version=f"syncproof {__version__}")
    sub = p.add_subparsers(dest="command", metavar="COMMAND", parser_class=Parser)
    sub.required = True
    for module in COMMANDS:
        module.add_parser(sub)
    return p


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    limits.record(None)  # the progress of an earlier run in this process says nothing about this one
    try:
        return args.run(args)
    except SpecError as exc:
        err = console(stderr=True)
        for d in exc.diagnostics:
            err.print(d.render(), markup=False, highlight=False)
        return EXIT_BAD_INPUT
    except ITFError as exc:
        console(stderr=True).print(f"error[E605]: {exc}", markup=False, highlight=False)
        return EXIT_BAD_INPUT
    except KeyboardInterrupt as exc:
        return interrupted(exc)
    except Exception as exc:  # noqa: BLE001 - the last line of defence: never a bare traceback
        if os.environ.get("SYNCPROOF_DEBUG"):
            raise
        console(stderr=True).print(f"internal error: {type(exc).__name__}: {exc}\n"
                                   "this is a bug in syncproof; run with SYNCPROOF_DEBUG=1 for details",
                                   markup=False, highlight=False)
        return EXIT_INTERNAL


def interrupted(exc: KeyboardInterrupt) -> int:
    """Ctrl-C that no command reported: say where the running engine was, then exit 130.

    An engine that handles Ctrl-C raises `limits.Interrupted` with its partial result; `check` and
    `simulate` report it in full, other commands (ci) end here with its statistics. For a plain
    KeyboardInterrupt the last progress any engine reported is all there is."""
    result = getattr(exc, "result", None)
    if result is not None:
        text = f"{result.reason}: {stats_line(Entry(result.model, result.path, result.engine, result=result))}"
    else:
        last = limits.describe(limits.latest())
        text = "interrupted (Ctrl-C)" + (f"; the last progress reported: {last}" if last else "")
    console(stderr=True).print(text, markup=False, highlight=False)
    return EXIT_INTERRUPTED


def current_directory_last() -> None:
    """`python -m checker.cli.main` starts with the current directory first on sys.path, before the
    standard library (the console script does not): a `secrets.py` there would then be imported
    by hypothesis (numpy.random) in place of the real one. Once syncproof is loaded, it goes last."""
    if sys.path and not sys.flags.safe_path and os.path.abspath(sys.path[0] or os.curdir) == os.getcwd():
        sys.path.append(sys.path.pop(0))

