"""`syncproof check MODEL`: explore every reachable state and check every property."""

from __future__ import annotations

import argparse
import importlib.util
import os
import re
from pathlib import Path

from spec.diagnostics import Diagnostic, SpecError
from spec.loader import load

from checker.core import limits
from checker.core.deferred import Deferred
from checker.engines import registry as engines
from checker.engines.options import MOST_PROCESSES
from checker.engines.base import CheckRequest, ExplicitSection, SymbolicSection, reporter
from checker.engines.explicit.enumerable import require_enumerable
from checker.traces.itf import write_trace
from checker.reports.formats import add_format_args
from checker.cli.output import check_destinations, emit, single_run
from checker.reports.console import BarColumn, Progress, TextColumn, TimeElapsedColumn, console
from checker.cli.commands.common import check_model_file, model_args, positive, writable_dir

# numpy and the state graph, imported when --vacuity is given (`checker.core.deferred`)
analyse_vacuity = Deferred("checker.engines.explicit.vacuity", "analyse")
vacuity_limits = Deferred("checker.engines.explicit.vacuity", "GraphLimits")
measure_coverage = Deferred("checker.engines.explicit.coverage", "add_to")


def add_parser(sub) -> None:
    c = sub.add_parser("check", help="check every invariant of a model, exhaustively")
    model_args(c)
    c.add_argument("--property", "--invariant", dest="invariant", action="append", metavar="NAME",
                   help="check only this property: an invariant, temporal or determinism property (repeatable)")
    c.add_argument("--no-deadlock", action="store_true", help="do not report states where no action is enabled")
    c.add_argument("--no-symmetry", action="store_true", help="do not reduce by symmetric sets")
    c.add_argument("--workers", type=positive(int, MOST_PROCESSES), metavar="N",
                   help="processes to use (default 1); with --cluster, the number of partitions (default: the "
                   "machine's cores)")
    c.add_argument("--cluster", type=cluster_address, metavar="ray|auto|ray://HOST:PORT",
                   help="run the explicit search on Ray (pip install 'syncproof[ray]'): 'ray' starts Ray on this "
                   "machine, 'auto' joins the cluster this machine belongs to, ray://HOST:PORT a remote one"),
    c.add_argument("--checkpoint", metavar="DIR",
                   help="explicit engine: write a checkpoint of the search to DIR at the end of a level, every "
                   "--checkpoint-every seconds (atomically: a killed run leaves the last one whole)")
    c.add_argument("--checkpoint-every", type=seconds_or_zero, default=600.0, metavar="SECONDS",
                   help="seconds between checkpoints, at least (default 600; 0: at the end of every level)")
    c.add_argument("--resume", metavar="DIR",
                   help="continue the run whose checkpoint is in DIR (same model, constants and options): the "
                   "result is the one the uninterrupted run gives; checkpoints go on into DIR")
    c.add_argument("--max-states", type=positive(int), metavar="N", help="stop after N distinct states")
    c.add_argument("--max-depth", type=positive(int), metavar="N", help="explore states up to N steps deep")
    c.add_argument("--timeout", type=positive(float), metavar="SECONDS", help="stop after this long")
    c.add_argument("--continue", dest="keep_going", action="store_true",
                   help="after a violation, go on to find a shortest violation of every property")
    c.add_argument("--vacuity", action="store_true",
                   help="after the check, warn about properties that held only because the case they test never "
                   "happens (a second explicit search; see docs/language.md, 'Vacuity')")
    c.add_argument("--out", default="counterexamples", metavar="DIR",
                   help="where counterexample traces are written (default: counterexamples)")
    c.add_argument("--no-trace-file", action="store_true", help="do not write counterexample files")
    c.add_argument("--coverage", action="store_true",
                   help="after the check, count how often every action, statement and branch ran over the "
                   "reachable states, and warn about those never reached or taken (docs/language.md, 'Coverage')")
    add_format_args(c)  # --format, --output, --report, and --json (= --format json)
    c.add_argument("--quiet", action="store_true", help="no progress display")
    c.add_argument("--engine", choices=engines.CHECK_NAMES, metavar="ENGINE",
                   help="explicit, bmc, induction, prove or all (default: explicit when the model can be "
                   "enumerated, otherwise prove then bmc)")
    c.add_argument("--depth", type=positive(int), metavar="K",
                   help="bounded model checking: look for violations up to K steps (default 10)")
    c.add_argument("--k", type=positive(int), metavar="K", help="k-induction: try k = 1 .. K (default 5)")
    c.add_argument("--rlimit", type=positive(int), metavar="N",
                   help="symbolic engines: give each z3 query N resource units instead of seconds, so the "
                   "verdict does not depend on the machine's speed (reproducible results)")
    c.set_defaults(run=run)


CLUSTER_ADDRESS = re.compile(r"ray://[A-Za-z0-9.\-\[\]:]+:[0-9]{1,5}")


def cluster_address(text: str) -> str:
    """--cluster's value: "local" (for ray), "auto" or a ray:// address."""
    if text == "ray":
        return "local"
    if text == "auto" or CLUSTER_ADDRESS.fullmatch(text):
        return text
    raise argparse.ArgumentTypeError(f"'{text}' is not ray, auto or ray://HOST:PORT")


def seconds_or_zero(text: str) -> float:
    """--checkpoint-every: 0, or a positive number of seconds."""
    try:
        if float(text) == 0:
            return 0.0
    except ValueError:
        pass
    return positive(float)(text)


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
