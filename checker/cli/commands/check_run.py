"""The work of `syncproof check MODEL` (its options are in `checker.cli.commands.check`)."""

from __future__ import annotations

import importlib.util
import os
from pathlib import Path

from spec.diagnostics import Diagnostic, SpecError
from spec.loader import load

from checker.core import limits
from checker.core.deferred import Deferred
from checker.engines import registry as engines
from checker.engines.base import CheckRequest, ExplicitSection, SymbolicSection, reporter
from checker.engines.explicit.enumerable import require_enumerable
from checker.traces.itf import write_trace
from checker.cli.output import check_destinations, emit, single_run
from checker.reports.console import BarColumn, Progress, TextColumn, TimeElapsedColumn, console
from checker.cli.commands.common import check_model_file, writable_dir

# numpy and the state graph, imported when --vacuity is given (`checker.core.deferred`)
analyse_vacuity = Deferred("checker.engines.explicit.vacuity", "analyse")
vacuity_limits = Deferred("checker.engines.explicit.vacuity", "GraphLimits")
measure_coverage = Deferred("checker.engines.explicit.coverage", "add_to")


def check_checkpoints(args) -> None:
    """--checkpoint and --resume are the explicit engine's, and their directories must be usable:
    checked before any work (else exit 2)."""
    if not (args.checkpoint or args.resume):
        return
    if args.engine not in (None, "explicit"):
        raise SpecError(Diagnostic("E531", f"--checkpoint and --resume are for the explicit engine, not "
                                   f"{args.engine}", None, "drop --engine, or use --engine explicit"))
    args.engine = "explicit"
    if args.resume and not Path(args.resume).is_dir():
        raise SpecError(Diagnostic("E531", f"--resume {args.resume}: no such directory", None,
                                   "give the directory a run with --checkpoint DIR wrote"))
    writable_dir("--checkpoint" if args.checkpoint else "--resume", args.checkpoint or args.resume)


def check_cluster(args) -> None:
    """--cluster is for the explicit engine and needs Ray: checked before any work (else exit 2)."""
    if not args.cluster:
        return
    if args.engine not in (None, "explicit"):
        raise SpecError(Diagnostic("E530", f"--cluster runs the explicit engine, not {args.engine}", None,
                                   "drop --engine, or use --engine explicit"))
    args.engine = "explicit"   # a model it cannot enumerate is then refused (E520), not checked elsewhere
    if importlib.util.find_spec("ray") is None:
        raise SpecError(Diagnostic("E530", "--cluster needs Ray, which is not installed", None,
                                   "install it with: pip install 'syncproof[ray]'"))


def request(args) -> CheckRequest:
    """The options of the command line as the one request every engine takes."""
    return CheckRequest(
        properties=tuple(args.invariant) if args.invariant else None, deadlock=not args.no_deadlock,
        timeout=args.timeout, stop_at_first=not args.keep_going,
        explicit=ExplicitSection(symmetry=not args.no_symmetry, workers=args.workers, max_states=args.max_states,
                                 max_depth=args.max_depth, cluster=args.cluster,
                                 checkpoint=args.checkpoint or args.resume, checkpoint_every=args.checkpoint_every,
                                 resume=args.resume),
        symbolic=SymbolicSection(depth=args.depth, k=args.k, rlimit=args.rlimit))


def with_progress(args, job):
    """Runs job(on_event) with a live display of the engine's `ProgressEvent`s on a terminal, without
    one elsewhere.

    The engines report progress at least twice a second in every phase (`checker.core.limits`); the
    registry remembers the last report for the CLI's message on Ctrl-C. An engine interrupted by
    Ctrl-C gives its partial result, which is reported (exit 130) like any other."""
    err = console(stderr=True)
    if not (err.is_terminal and not args.quiet and not args.json):
        return limits.run_reporting(lambda: job(None))
    with Progress(TextColumn("[bold]exploring"), BarColumn(bar_width=None, pulse_style="cyan"),
                  TextColumn("{task.fields[info]}"), TimeElapsedColumn(), console=err, transient=True) as bar:
        task = bar.add_task("", total=None, info="")
        return limits.run_reporting(lambda: job(lambda event: bar.update(task, info=event.text)))


def write_traces(result, args, model) -> None:
    if args.no_trace_file:
        return
    stem = Path(args.model).name.removesuffix(".sync")
    for p in result.violated:
        if p.trace is not None:
            p.trace_path = write_trace(p.trace, args.out, stem, model.path)


def report(result, args, model) -> int:
    write_traces(result, args, model)
    emit(single_run(result, model, args.model), args)
    return result.exit_code


def check_outputs(args) -> None:
    """Where traces and reports go can be written: checked before the search (else exit 2)."""
    if not args.no_trace_file:
        writable_dir("--out", args.out)
    check_destinations(args)


def run(args) -> int:
    check_outputs(args)
    check_model_file(args.model)
    check_cluster(args)
    check_checkpoints(args)
    if args.workers is None:   # one process; on a cluster, a partition per core of this machine
        args.workers = max(1, os.cpu_count() or 1) if args.cluster else 1
    model = load(args.model, args.const)
    if args.engine == "explicit" and (args.depth or args.k or args.rlimit):
        raise SpecError(Diagnostic("E610", "--depth, --k and --rlimit are options of the symbolic engines", None,
                                   "use --max-depth to bound the explicit engine"))
    check_vacuity(args, model)
    req = request(args)
    result = with_progress(args, lambda on_event: engines.run(model, args.engine, req, on_event))
    if args.vacuity and not result.interrupted:
        with_progress(args, lambda on_event: vacuity(model, result, args, on_event))
    if args.coverage and not result.interrupted:
        add_coverage(model, result, args)
    return report(result, args, model)


def check_vacuity(args, model) -> None:
    """--vacuity decides its cases with an exhaustive explicit search, and examines properties that
    hold: checked before any work (else exit 2)."""
    if not args.vacuity:
        return
    if args.engine == "bmc":
        raise SpecError(Diagnostic("E630", "--vacuity examines the properties that hold, and the bmc engine never "
                                   "says a property holds (only that it is not violated up to a depth)", None,
                                   "use --engine explicit, induction, prove, symbolic or all, or drop --vacuity"))
    try:
        require_enumerable(model)
    except SpecError as exc:
        d = exc.diagnostics[0]
        raise SpecError(Diagnostic("E630", "--vacuity decides its cases with the explicit engine, which cannot "
                                   "enumerate this model: " + d.message.split(": ", 1)[-1], d.span,
                                   "drop --vacuity, or give the constants values and the variables and "
                                   "parameters smaller ranges")) from None


def vacuity(model, result, args, on_event) -> None:
    """`--vacuity`: the warnings and notes of `checker.engines.explicit.vacuity` added to `result`
    (they do not change its verdict or exit code)."""
    witness_request = CheckRequest(
        properties=None, deadlock=False, timeout=args.timeout, stop_at_first=False,
        explicit=ExplicitSection(symmetry=not args.no_symmetry, workers=args.workers, max_states=args.max_states,
                                 max_depth=args.max_depth))
    limits_ = vacuity_limits(args.max_states, args.timeout, reporter(engines.EXPLICIT.event, on_event))
    warnings, notes = analyse_vacuity(
        model, result, lambda m: engines.run(m, engines.EXPLICIT.name, witness_request, on_event), limits_)
    result.warnings.extend(warnings)
    result.notes.extend(notes)


def add_coverage(model, result, args) -> None:
    """--coverage: `checker.engines.explicit.coverage` over the states the check explored, into `result`."""
    measure_coverage(model, result, max_states=args.max_states, max_depth=args.max_depth, timeout=args.timeout,
                     stop_at_first=not args.keep_going)
