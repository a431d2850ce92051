"""`syncproof simulate MODEL`: random runs with hypothesis, shrunk to a short trace on a violation."""

from __future__ import annotations

import shlex

from spec.loader import load

from checker.core import limits
from checker.engines import registry as engines
from checker.engines.base import CheckRequest, SimulateSection
from checker.reports.console import Progress, TextColumn, TimeElapsedColumn, console
from checker.cli.commands.check import check_outputs, report
from checker.cli.commands.common import check_model_file, model_args, positive


def add_parser(sub) -> None:
    s = sub.add_parser("simulate", help="random runs (hypothesis): find violations in models too large to check")
    model_args(s)
    s.add_argument("--runs", type=positive(int), default=1000, metavar="N",
                   help="runs to try (hypothesis examples; default 1000)")
    s.add_argument("--steps", type=positive(int), default=50, metavar="K", help="steps per run (default 50)")
    s.add_argument("--seed", type=int, metavar="S",
                   help="seed: the same seed gives the same runs and trace (default: a new one, reported)")
    s.add_argument("--timeout", type=positive(float), metavar="SECONDS",
                   help="stop after this long (the verdict is then inconclusive)")
    s.add_argument("--property", "--invariant", dest="invariant", action="append", metavar="NAME",
                   help="check only this invariant (repeatable)")
    s.add_argument("--no-deadlock", action="store_true", help="do not report states where no action is enabled")
    s.add_argument("--out", default="counterexamples", metavar="DIR",
                   help="where counterexample traces are written (default: counterexamples)")
    s.add_argument("--no-trace-file", action="store_true", help="do not write counterexample files")
    s.add_argument("--json", action="store_true", help="print the result as JSON (schema syncproof.result/1)")
    s.add_argument("--quiet", action="store_true", help="no progress display")
    s.set_defaults(run=run)


def request(args) -> CheckRequest:
    """The options of the command line as the one request every engine takes."""
    return CheckRequest(properties=tuple(args.invariant) if args.invariant else None, deadlock=not args.no_deadlock,
                        timeout=args.timeout, seed=args.seed,
                        simulate=SimulateSection(runs=args.runs, steps=args.steps))


def reproduce_command(args, seed: int) -> str:
    parts = ["syncproof", "simulate", args.model, "--runs", str(args.runs), "--steps", str(args.steps),
             "--seed", str(seed)]
    for c in args.const:
        parts += ["--const", c]
    for name in args.invariant or []:
        parts += ["--property", name]
    if args.no_deadlock:
        parts.append("--no-deadlock")
    return shlex.join(parts)


def with_progress(args, job):
    """job(on_event) with a live display of the `ProgressEvent`s on a terminal; Ctrl-C gives the partial result."""
    err = console(stderr=True)
    if not (err.is_terminal and not args.quiet and not args.json):
        return limits.run_reporting(lambda: job(None))
    with Progress(TextColumn("[bold]simulating"), TextColumn("{task.fields[info]}"), TimeElapsedColumn(),
                  console=err, transient=True) as bar:
        task = bar.add_task("", total=None, info="")
        return limits.run_reporting(lambda: job(lambda event: bar.update(task, info=event.text)))


def run(args) -> int:
    check_outputs(args)
    check_model_file(args.model)
    model = load(args.model, args.const)
    req = request(args)
    result = with_progress(args, lambda on_event: engines.run(model, engines.SIMULATE.name, req, on_event))
    code = report(result, args, model)
    if not args.json:
        console().print(f"reproduce: {reproduce_command(args, result.stats.seed)}", style="dim")
    return code
