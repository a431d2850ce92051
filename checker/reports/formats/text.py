"""The console report of a run.

For one check it is the report `syncproof check` has always printed. For ci:
first the details of every check that failed (its diagnostics, or its
counterexamples as trace tables), then one summary table of all checks, then
one line with the overall verdict, so the end of a CI log says what happened.
"""

from __future__ import annotations

import io
from pathlib import Path

from rich.console import Console
from rich.table import Table
from rich.text import Text

from checker import __version__
from checker.reports.console import print_result, print_trace, text_console
from checker.core.result import Verdict
from checker.project.runs import Entry, Run
from checker.reports.formats.common import outcome_line, states_text, tally
from checker.reports.formats.tracerows import project_root, report_path

STYLE = {"holds": "green", "violated": "red", "inconclusive": "yellow", "error": "red", "crash": "red"}


def render_text(run: Run) -> str:
    buf = io.StringIO()
    print_text(run, text_console(buf))
    return buf.getvalue()


def print_text(run: Run, out: Console) -> None:
    if run.command != "ci" and len(run.entries) == 1 and run.entries[0].result is not None:
        e = run.entries[0]
        print_result(e.result, out, e.sources)
        return
    n = len(run.entries)
    head = Text.assemble(("syncproof ", "bold"), f"{__version__} · {n} check{'s' if n != 1 else ''}")
    if run.config:
        head.append(f" · {run.config}")
    out.print(head)
    root = project_root(run)
    for e in run.entries:
        if not e.passed:
            print_failure(e, out, root)
    out.print()
    out.print(summary_table(run))
    out.print()
    c = run.counts()
    if run.passed:
        out.print(Text(f"PASSED — {c['checks']} check{'s' if c['checks'] != 1 else ''}", style="bold green"))
    else:
        failed = ", ".join(e.name for e in run.entries if not e.passed)
        out.print(Text(f"FAILED — {c['failed']} of {c['checks']}: {failed} (exit {run.exit_code})",
                       style="bold red"))


def print_failure(e: Entry, out: Console, root: Path) -> None:
    """What went wrong in a check; trace files relative to the project root, as in every report."""
    out.print()
    out.print(Text(f"── {e.name} ({e.path}, {e.engine}): {outcome_line(e)}", style="bold red"))
    for d in e.errors:
        out.print(d.render())
    if e.crash:
        out.print(f"internal error: {e.crash}")
    r = e.result
    if r is None:
        return
    for w in r.warnings:
        out.print(Text(w, style="yellow"))
    for p in r.violated:
        if p.trace is not None and not e.property_expected(p):
            out.print()
            print_trace(p.trace, out, e.sources, report_path(p.trace_path, root))
    if r.verdict is Verdict.INCONCLUSIVE:
        out.print(Text(f"inconclusive: {r.reason}", style="yellow"))


def summary_table(run: Run) -> Table:
    t = Table(show_header=True, header_style="bold", box=None, pad_edge=False, padding=(0, 2))
    for name, justify in (("", "left"), ("check", "left"), ("engine", "left"), ("verdict", "left"),
                          ("properties", "left"), ("states", "right"), ("time", "right")):
        t.add_column(name, justify=justify)
    for e in run.entries:
        mark = Text("ok", style="green") if e.passed else Text("FAIL", style="bold red")
        t.add_row(mark, e.name, e.engine, Text(e.status(), style=STYLE[e.outcome]), tally(e),
                  states_text(e), f"{e.seconds:.2f} s")
    return t
