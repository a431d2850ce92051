"""The work of `syncproof ci` (`checker.cli.commands.ci` defines its options): imported only when
the command runs, with the configuration's reader."""

from __future__ import annotations

import fnmatch
import os
import sys
import time
from pathlib import Path

from spec.diagnostics import Diagnostic, SpecError

from checker.engines import options as engine_config
from checker.project.config import display_path, load_entries, read_config
from checker.cli.output import check_destinations, emit
from checker.traces.itf import write_trace
from checker.project.runs import Entry, Run
from checker.cli.commands.common import cores, writable_dir, writable_file
from checker.core.exits import EXIT_HOLDS
from checker.core.result import Verdict
from checker.project import mutation


def run(args) -> int:
    config = read_config(Path(args.config) if args.config else None)
    out_dir = Path(args.out) if args.out else config.out
    write = config.trace_files and not args.no_trace_file
    if not args.list:
        _check_outputs(args, config, out_dir if write else None)
    entries, problems = load_entries(config)
    if problems:
        raise SpecError(problems)
    pairs = _select(list(zip(entries, config.models)), args.only)
    if args.list:
        for entry, m in pairs:
            print(f"{entry.name}\t{entry.path}\t{entry.engine}\t{entry.expect.describe()}")
        return EXIT_HOLDS
    started = time.perf_counter()
    run_ = Run([e for e, _ in pairs], command="ci", config=config.shown)
    for i, (entry, m) in enumerate(pairs, 1):
        if not args.quiet:
            _say(f"[{i}/{len(pairs)}] {entry.name} · {entry.engine} …")
        _check(entry, m.options)
        _mutate(entry, m.options, args.quiet, f"[{i}/{len(pairs)}] {entry.name}")
        if write and entry.result is not None:
            _write_traces(entry, out_dir)
        if not args.quiet:
            _say(f"[{i}/{len(pairs)}] {entry.name} · {entry.engine}: {entry.status()} ({entry.seconds:.2f} s)")
    run_.seconds = time.perf_counter() - started
    if not getattr(args, "report", None):
        args.report = []
    args.report = list(args.report) + [(fmt, str(path)) for fmt, path in config.reports.items()]
    emit(run_, args)
    return run_.exit_code


def _check_outputs(args, config, out_dir: Path | None) -> None:
    """Every place the run writes to can be written: checked before any check runs (else exit 2)."""
    if out_dir is not None:
        if args.out:
            writable_dir("--out", out_dir)
        else:
            writable_dir(f"{config.shown}: 'out'", out_dir, display_path(out_dir))
    check_destinations(args)
    for fmt, path in config.reports.items():
        writable_file(f"{config.shown}: reports.{fmt}", path, display_path(path))


def _select(pairs, patterns):
    if not patterns:
        return pairs
    chosen = [(e, m) for e, m in pairs
              if any(fnmatch.fnmatchcase(e.name, p) or fnmatch.fnmatchcase(e.path, p) for p in patterns)]
    if not chosen:
        raise SpecError(Diagnostic("E617", f"--only {' '.join(patterns)}: no configured check matches", None,
                                   "checks: " + ", ".join(e.name for e, _ in pairs)))
    return chosen


def _check(entry: Entry, options: dict) -> None:
    if entry.errors or entry.model is None:
        return
    t0 = time.perf_counter()
    try:
        entry.result = engine_config.run(entry.model, entry.engine, options, until=entry.expect.violated)
    except SpecError as exc:          # the engine cannot take this model (E5xx): bad input
        entry.errors = exc.diagnostics
    except KeyboardInterrupt:
        raise
    except Exception as exc:  # noqa: BLE001 - one check's bug must not lose the other checks' reports
        if os.environ.get("SYNCPROOF_DEBUG"):
            raise
        entry.crash = f"{type(exc).__name__}: {exc}"
    entry.seconds = time.perf_counter() - t0


def _mutate(entry: Entry, options: dict, quiet: bool, label: str) -> None:
    """The mutation analysis of a check with a `mutation-score` whose model holds, as `syncproof
    mutate` runs it on every core; its score decides whether the check passes."""
    if entry.min_score is None or entry.result is None or entry.result.verdict is not Verdict.HOLDS:
        return
    if not quiet:
        _say(f"{label} · mutation analysis …")
    t0 = time.perf_counter()
    consts = tuple(f"{k}={v}" for k, v in entry.constants.items())
    try:
        a = mutation.analyse(entry.path, mutation.Options(consts=consts, deadlock=options.get("deadlock", True),
                                                          jobs=cores()))
    except SpecError as exc:   # the model's own check is inconclusive for the analysis (E625)
        entry.mutation = {"failure": exc.diagnostics[0].message}
    else:
        if a.interrupted:
            raise KeyboardInterrupt
        entry.mutation = {"score": a.score, "min_score": entry.min_score, "engine": a.engine,
                          "generated": a.generated, **{o: a.count(o) for o in mutation.OUTCOMES}}
    entry.seconds += time.perf_counter() - t0
    if not quiet:
        _say(f"{label} · {entry.mutation_text()}")


def _write_traces(entry: Entry, out_dir: Path) -> None:
    stem = "".join(c if c.isalnum() or c in "-_." else "-" for c in entry.name).strip("-")
    for p in entry.result.violated:
        if p.trace is not None:
            p.trace_path = write_trace(p.trace, out_dir, stem, entry.model.path)


def _say(text: str) -> None:
    sys.stderr.write(f"syncproof ci: {text}\n")
    sys.stderr.flush()
