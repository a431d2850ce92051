"""The work of `syncproof mutate` (`checker.cli.commands.mutate` defines its options): run the
analysis (`checker.project.mutation`) with a progress bar on a terminal, print or write its report
(`checker.reports.mutation`) and give the exit code:

    0    the analysis ran (and the score is at least --min-score)
    1    the score is below --min-score
    2    bad input: the model, an option, or a model whose own properties do not hold (E625)
    4    checking a mutant crashed (a bug in syncproof; the report lists it)
    130  Ctrl-C: the mutants checked so far are reported
"""

from __future__ import annotations

import sys

from checker.cli.commands.common import check_model_file, cores, writable_file
from checker.core.exits import EXIT_HOLDS, EXIT_INTERNAL, EXIT_INTERRUPTED, EXIT_VIOLATED
from checker.project import mutation
from checker.reports.console import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn, console
from checker.reports.formats import write_file
from checker.reports.mutation import render


def run(args) -> int:
    if args.output:
        writable_file("--output", args.output)
    check_model_file(args.model)
    options = mutation.Options(
        consts=tuple(args.const), deadlock=not args.no_deadlock,
        max_states=args.max_states or mutation.DEFAULT_MAX_STATES, depth=args.depth or mutation.DEFAULT_DEPTH,
        rlimit=args.rlimit or mutation.DEFAULT_RLIMIT, timeout=args.timeout, max_mutants=args.max_mutants,
        seed=args.seed, jobs=args.jobs or cores())
    analysis = with_progress(args, lambda advance: mutation.analyse(args.model, options, advance))
    report(analysis, args)
    return exit_code(analysis, args.min_score)


def exit_code(analysis: mutation.Analysis, min_score: float | None) -> int:
    if analysis.interrupted:
        return EXIT_INTERRUPTED
    if analysis.count("error"):
        return EXIT_INTERNAL
    below = min_score is not None and (analysis.score or 0.0) < min_score and analysis.score is not None
    return EXIT_VIOLATED if below else EXIT_HOLDS


def with_progress(args, job):
    """job(advance), with a bar of the mutants checked on a terminal (when the report goes elsewhere)."""
    err = console(stderr=True)
    if not err.is_terminal or (args.format != "text" and not args.output):
        return job(lambda: None)
    with Progress(TextColumn("[bold]mutants"), BarColumn(bar_width=None, pulse_style="cyan"), MofNCompleteColumn(),
                  TimeElapsedColumn(), console=err, transient=True) as bar:
        task = bar.add_task("", total=None)
        return job(lambda: bar.advance(task))


def report(analysis: mutation.Analysis, args) -> None:
    text = render(args.format, analysis)
    if args.output:
        write_file(args.output, text)
    elif args.format == "text":
        console().print(text, markup=False, highlight=False, end="", soft_wrap=True)
    else:
        sys.stdout.write(text)
        sys.stdout.flush()
