"""The work of `syncproof conform` (`checker.cli.commands.conform` defines its options): imported
only when the command runs, since conformance testing loads hypothesis."""

from __future__ import annotations

import os
import shlex

from spec.loader import load

from checker.cli.commands.common import check_model_file, writable_dir
from checker.conform.adapter import load_adapter
from checker.conform.determinism import DeterminismOptions, check_determinism, replay_determinism
from checker.conform.report import conform_json, determinism_json, print_conform, print_determinism, write_divergence, write_mismatch
from checker.conform.run import ConformOptions, Conformance, replay_trace
from checker.reports.console import Progress, TextColumn, TimeElapsedColumn, console, print_json
from checker.traces.constants import trace_consts
from checker.traces.itf import naming, read_document


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
