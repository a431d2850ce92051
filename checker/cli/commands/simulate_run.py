"""The work of `syncproof simulate MODEL` (its options are in `checker.cli.commands.simulate`)."""

from __future__ import annotations

import shlex

from spec.loader import load

from checker.core import limits
from checker.engines import registry as engines
from checker.engines.base import CheckRequest, SimulateSection
from checker.reports.console import Progress, TextColumn, TimeElapsedColumn, console
from checker.cli.commands.check_run import check_outputs, report
from checker.cli.commands.common import check_model_file


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
