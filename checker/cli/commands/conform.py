"""`syncproof conform MODEL --impl MODULE:CLASS`: does a Python implementation behave like its model?

Modes: random runs compared step by step (default); `--replay TRACE` drives
the implementation through an ITF trace; `--determinism` runs the same steps
in processes with other hash seeds. MODULE is looked up in the current
directory first, so `--impl examples.options_ledger_impl.adapter:LedgerAdapter`
works from the repository root; it may also be the path of a `.py` file.
The current directory is never put before the standard library
(`checker.conform.adapter.load_adapter`): a stray `secrets.py` there is not imported.
"""

from __future__ import annotations

import os
import shlex

from rich.progress import Progress, TextColumn, TimeElapsedColumn

from spec.loader import load

from checker.cli.commands.common import check_model_file, model_args, positive, writable_dir
from checker.conform.adapter import load_adapter
from checker.conform.determinism import DeterminismOptions, check_determinism, replay_determinism
from checker.conform.report import conform_json, determinism_json, print_conform, print_determinism, write_divergence, write_mismatch
from checker.conform.run import ConformOptions, Conformance, replay_trace
from checker.engines.options import MOST_PROCESSES
from checker.reports.console import console, print_json
from checker.traces.constants import trace_consts
from checker.traces.itf import naming, read_document


def add_parser(sub) -> None:
    c = sub.add_parser("conform", help="test a Python implementation against the model (hypothesis)")
    model_args(c)
    c.add_argument("--impl", required=True, metavar="MODULE:CLASS",
                   help="the adapter class (a subclass of checker.conform.adapter.Adapter); MODULE is a dotted name, "
                        "looked up in the current directory first, or the path of a .py file")
    c.add_argument("--runs", type=positive(int), metavar="N",
                   help="runs (conformance, default 100) or sequences (--determinism, default 20)")
    c.add_argument("--steps", type=positive(int), metavar="K", help="steps per run (default 30)")
    c.add_argument("--seed", type=int, metavar="S", help="seed: the same seed gives the same runs (default: a new "
                   "one, reported)")
    c.add_argument("--replay", metavar="TRACE", help="drive the implementation through this ITF trace instead")
    c.add_argument("--determinism", action="store_true",
                   help="run the same steps in fresh processes with different PYTHONHASHSEEDs and compare")
    c.add_argument("--processes", type=positive(int, MOST_PROCESSES), default=4, metavar="P",
                   help="--determinism: processes (hash seeds) each sequence runs in (default 4; new ones "
                        "every 5 sequences)")
    c.add_argument("--out", default="counterexamples/conformance", metavar="DIR",
                   help="where the failing trace is written (default: counterexamples/conformance, apart from "
                        "the models' own counterexamples)")
    c.add_argument("--no-trace-file", action="store_true", help="do not write the failing trace")
    c.add_argument("--json", action="store_true", help="print the result as JSON")
    c.add_argument("--quiet", action="store_true", help="no progress display")
    c.set_defaults(run=run)


def _command(args, seed, replay: str | None = None) -> str:
    parts = ["syncproof", "conform", args.model, "--impl", args.impl]
    for c in args.const:
        parts += ["--const", c]
    if args.determinism:
        parts += ["--determinism", "--processes", str(args.processes)]
    if replay:
        return "regression test: " + shlex.join(parts + ["--replay", replay])
    if args.runs:
        parts += ["--runs", str(args.runs)]
    if args.steps:
        parts += ["--steps", str(args.steps)]
    return "reproduce: " + shlex.join(parts + ["--seed", str(seed)])


def _progress(args, job):
    err = console(stderr=True)
    if not (err.is_terminal and not args.quiet and not args.json):
        return job(None)
    with Progress(TextColumn("[bold]conformance"), TextColumn("{task.fields[info]}"), TimeElapsedColumn(),
                  console=err, transient=True) as bar:
        task = bar.add_task("", total=None, info="")

        def progress(runs, steps, seconds, shrinking):
            what = "shrinking" if shrinking else f"{runs:,} runs"
            bar.update(task, info=f"{what} · {steps:,} steps · {steps / seconds if seconds else 0:,.0f} steps/s")
        return job(progress)


def _consts(args, doc) -> list[str]:
    """--const, or for a replay the constants recorded in the trace (read as `syncproof replay` does)."""
    if args.const or doc is None:
        return args.const
    return trace_consts(doc, args.model)


def run(args) -> int:
    if not args.no_trace_file:
        writable_dir("--out", args.out)
    check_model_file(args.model)
    search = [os.getcwd()]
    cls = load_adapter(args.impl, search)
    doc = read_document(args.replay) if args.replay else None
    with naming(args.replay):
        consts = _consts(args, doc)
    model = load(args.model, consts)
    if args.determinism:
        with naming(args.replay):
            return _determinism(args, model, cls, search, doc)
    if doc is not None:
        with naming(args.replay):
            result = replay_trace(doc, model, cls)
    else:
        opts = ConformOptions(runs=args.runs or 100, steps=args.steps or 30, seed=args.seed)
        result = _progress(args, lambda p: Conformance(model, cls, opts, p).run())
    if result.mismatch is not None and not args.no_trace_file:
        write_mismatch(result, args.out, model.path)
    if args.json:
        print_json(conform_json(result))
        return result.exit_code
    command = None
    if result.trace_path:
        command = _command(args, result.seed, result.trace_path)
    elif doc is None:
        command = _command(args, result.seed)
    print_conform(result, console(), command)
    return result.exit_code


def _determinism(args, model, cls, search, doc) -> int:
    opts = DeterminismOptions(runs=args.runs or 20, steps=args.steps or 30, seed=args.seed,
                              processes=max(2, args.processes))
    if doc is not None:
        result = replay_determinism(doc, model, cls, args.impl, search, opts)
    else:
        result = check_determinism(model, cls, args.impl, search, opts)
    if result.divergence is not None and not args.no_trace_file:
        write_divergence(result, args.out, model.path)
    if args.json:
        print_json(determinism_json(result))
        return result.exit_code
    command = _command(args, result.seed, result.trace_path) if result.trace_path else \
        (_command(args, result.seed) if doc is None else None)
    print_determinism(result, console(), command)
    return result.exit_code
