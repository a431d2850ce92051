"""Mutation analysis of a model (issue 18): plant each fault of `spec.mutate` and see whether a
property catches it. `syncproof mutate` and the `mutation-score` of `syncproof ci` run it.

The model must hold first (every property, and no deadlock unless `deadlock` is off): a mutant of
a broken model says nothing about its properties (E625 otherwise). Each mutant is the model's
text with one span replaced, parsed and type-checked with the model's imports and constants, and
checked by the fastest engine that can decide it, chosen by a state budget (never by time, so
the outcomes are the same on every machine):

    explicit    the model and the mutant reach at most `max_states` states: every state is seen,
                without symmetry reduction (canonicalising states costs more than it saves on
                models this size: 6 times the time on the options ledger; and equivalence
                compares the concrete graphs anyway, so the budget bounds both the same way)
    bmc         otherwise: bounded model checking to `depth` steps, z3 with a resource limit
                (`rlimit`) per query instead of seconds

A model beyond the budget has every mutant checked by BMC (the model itself must show no
violation to that depth). A mutant's outcome is one of

    killed      a property is violated (a run-time error in an action is one); by BMC, a real trace
    survived    every property holds (explicit), or none is violated to the depth (BMC): a property
                is missing, or the change is harmless
    equivalent  survived with the same reachable state graph as the model: the same initial
                states, states and labelled transitions (a canonical fingerprint of the explicit
                graph, without symmetry reduction): left out of the score
    unknown     the engines could not decide (z3's resource limit, a --timeout)
    invalid     the mutant does not parse or type-check: dropped
    error       checking it crashed (a bug in syncproof): reported, left out of the score

A surviving mutant's `equivalence` says whether it is known to differ from the model
("different"), or could not be compared because a graph exceeds the budget or it was checked by
BMC ("unknown": counted as surviving, so the score is never inflated). The score is
killed / (killed + survived).

Mutants are checked in parallel by `jobs` processes (fork where the platform has it, else spawn),
each independently, so the outcomes do not depend on `jobs`; they are kept in the source's order.
Ctrl-C stops the workers (they ignore SIGINT and are terminated) and keeps what was checked.
"""

from __future__ import annotations

import hashlib
import multiprocessing
import os
import random
import signal
from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

from spec import ir
from spec.diagnostics import Diagnostic, SpecError
from spec.loader import load, load_abstracts, load_modules, parse_const_option
from spec.mutate import Mutant, mutants
from spec.parser import parse
from spec.typecheck import check

from checker.core.kinds import Strength
from checker.core.result import Result, Verdict
from checker.engines import registry as engines
from checker.engines.base import CheckRequest, ExplicitSection, SymbolicSection
from checker.engines.explicit.compiled import CompiledModel
from checker.engines.explicit.graph import GraphLimit, StateGraph

OUTCOMES = ("killed", "survived", "equivalent", "unknown", "invalid", "error")
SCHEMA = "syncproof.mutate/1"
DEFAULT_MAX_STATES = 100_000
DEFAULT_DEPTH = 10
DEFAULT_RLIMIT = 40_000_000
HINT = "no property fails on this mutant: a property is missing (or the change is harmless)"


@dataclass(frozen=True)
class Options:
    """What to mutate and within which limits."""

    consts: tuple[str, ...] = ()
    deadlock: bool = True
    max_states: int = DEFAULT_MAX_STATES
    depth: int = DEFAULT_DEPTH
    rlimit: int = DEFAULT_RLIMIT
    timeout: float | None = None
    max_mutants: int | None = None
    seed: int = 0
    jobs: int = 1


@dataclass
class Checked:
    """One mutant and what checking it gave."""

    mutant: Mutant
    outcome: str
    detail: str = ""                 # the properties violated, why unknown, the first error
    engine: str = ""                 # explicit | bmc ("" when not checked: invalid)
    states: int = 0
    transitions: int = 0
    equivalence: str = ""            # for survivors: different | unknown


@dataclass
class Analysis:
    """The whole run: the model, how it was checked, each mutant checked."""

    path: str
    model: str
    text: str
    generated: int
    seed: int
    engine: str                      # what checked the model: explicit, or bmc when beyond max_states
    max_states: int
    depth: int
    states: int = 0                  # the model's (explicit)
    transitions: int = 0
    checked: list[Checked] = field(default_factory=list)
    interrupted: bool = False

    def count(self, outcome: str, operator: str | None = None) -> int:
        return sum(1 for c in self.checked if c.outcome == outcome and operator in (None, c.mutant.operator))

    @property
    def decided(self) -> int:
        return self.count("killed") + self.count("survived")

    @property
    def score(self) -> float | None:
        """killed / (killed + survived), in percent; None when no mutant was decided."""
        return 100.0 * self.count("killed") / self.decided if self.decided else None


@dataclass(frozen=True)
class Context:
    """What a worker needs to check any mutant: sent once to each process."""

    path: str
    consts: tuple[str, ...]
    text: str
    engine: str                      # explicit (fall back to bmc beyond the budget) or bmc
    explicit: CheckRequest
    bmc: CheckRequest
    max_states: int
    counts: tuple[int, int]          # the model's states and transitions (explicit)
    fingerprint: str | None          # the model's graph (None: beyond the budget)


# ---- the analysis --------------------------------------------------------------------------------

def analyse(path: str, options: Options, advance: Callable[[], None] = lambda: None) -> Analysis:
    """Every mutant of the model at `path` (or `max_mutants` of them), checked. Ctrl-C stops it:
    `interrupted` is set and the mutants checked so far are kept."""
    model = load(path, list(options.consts))
    module = load_modules(path)[0]
    text = module.source.text
    context, analysis = prepare(path, model, text, options)
    every = mutants(module, text)
    analysis.generated = len(every)
    chosen = sample(every, options.max_mutants, options.seed)
    try:
        if options.jobs <= 1 or len(chosen) <= 1:
            in_process(chosen, context, analysis, advance)
        else:
            in_pool(chosen, context, analysis, advance, options.jobs)
    except KeyboardInterrupt:
        analysis.interrupted = True
    analysis.checked.sort(key=lambda c: order_key(c.mutant))
    return analysis


def prepare(path: str, model: ir.CheckedModel, text: str, options: Options) -> tuple[Context, Analysis]:
    """Checks the model itself (explicit within the budget, else BMC) and says how its mutants are checked."""
    explicit = CheckRequest(deadlock=options.deadlock, timeout=options.timeout,
                            explicit=ExplicitSection(max_states=options.max_states, symmetry=False))
    bmc = CheckRequest(deadlock=options.deadlock, timeout=options.timeout,
                       symbolic=SymbolicSection(depth=options.depth, rlimit=options.rlimit))
    result = explicit_result(model, explicit)
    if result is not None and result.verdict is not Verdict.INCONCLUSIVE:
        require_holds(result, path)
        counts = (result.stats.distinct_states, result.stats.transitions)
        context = Context(path, options.consts, text, "explicit", explicit, bmc, options.max_states, counts,
                          fingerprint(CompiledModel(model), options.max_states))
    else:
        require_holds(bmc_result(model, bmc, path), path)
        context = Context(path, options.consts, text, "bmc", explicit, bmc, options.max_states, (0, 0), None)
    analysis = Analysis(path, model.name, text, 0, options.seed, context.engine, options.max_states,
                        options.depth, *context.counts)
    return context, analysis


def explicit_result(model: ir.CheckedModel, request: CheckRequest) -> Result | None:
    """The explicit engine's result, None when it cannot enumerate the model (its E5xx)."""
    try:
        return engines.run(model, "explicit", request)
    except SpecError:
        return None


def bmc_result(model: ir.CheckedModel, request: CheckRequest, path: str) -> Result:
    try:
        return engines.run(model, "bmc", request)
    except SpecError as exc:
        raise SpecError(Diagnostic(
            "E625", f"{path}: the model has more states than --max-states and BMC cannot encode it: "
            f"{exc.diagnostics[0].message}", None, "raise --max-states, or give smaller constants")) from None


def bounded(result: Result) -> bool:
    """No property violated, and each one holds or shows no violation to the depth."""
    return result.verdict is not Verdict.VIOLATED and all(
        p.verdict is Verdict.HOLDS or p.how == Strength.BOUNDED for p in result.properties)


def require_holds(result: Result, path: str) -> None:
    """E625 unless every property of the model holds (or, by BMC, shows no violation)."""
    if result.verdict is Verdict.HOLDS or (result.engine == "bmc" and bounded(result)):
        return
    if result.verdict is Verdict.VIOLATED:
        names = [p.name for p in result.violated]
        verb = "is" if len(names) == 1 else "are"
        raise SpecError(Diagnostic("E625", f"{path}: {', '.join(names)} {verb} violated by the model itself", None,
                                   "mutation analysis needs a model whose properties hold: fix it, or "
                                   "run syncproof check to see the trace"))
    raise SpecError(Diagnostic("E625", f"{path}: the model's own check is inconclusive: {result.reason}", None,
                               "mutation analysis needs a model the engines decide: raise --max-states or "
                               "--rlimit, or lower --depth"))


def sample(every: list[Mutant], most: int | None, seed: int) -> list[Mutant]:
    """All the mutants, or `most` of them drawn with `seed`, in the source's order."""
    if most is None or most >= len(every):
        return every
    chosen = random.Random(seed).sample(range(len(every)), most)
    return [every[i] for i in sorted(chosen)]


def order_key(m: Mutant) -> tuple:
    return (m.start, m.end, m.operator, m.replacement)


# ---- running the checks: here, or in a pool of processes ---------------------------------------

_WORKER: dict = {}


def in_process(chosen: list[Mutant], context: Context, analysis: Analysis, advance) -> None:
    start_worker(context, in_pool=False)
    for m in chosen:
        analysis.checked.append(check_mutant(m))
        advance()


def in_pool(chosen: list[Mutant], context: Context, analysis: Analysis, advance, jobs: int) -> None:
    """The mutants checked by `jobs` processes; on Ctrl-C (or any other exit) the processes are ended."""
    methods = multiprocessing.get_all_start_methods()
    mp = multiprocessing.get_context("fork" if "fork" in methods else "spawn")
    pool = ProcessPoolExecutor(min(jobs, len(chosen)), mp_context=mp, initializer=start_worker,
                               initargs=(context,))
    try:
        pending = {pool.submit(check_mutant, m): m for m in chosen}
        while pending:
            done, _ = wait(pending, return_when=FIRST_COMPLETED)
            for future in done:
                m = pending.pop(future)
                analysis.checked.append(collected(future, m))
                advance()
    finally:
        stop(pool)


def collected(future, m: Mutant) -> Checked:
    try:
        return future.result()
    except BrokenProcessPool:
        return Checked(m, "error", "the process checking it ended abruptly")


def stop(pool: ProcessPoolExecutor) -> None:
    """Ends the pool's processes now (a normal end finds them idle), leaving none behind: they are
    terminated first, then the pool's own thread, which reaps them, is waited for (reaping them here
    as well races with it: a process reaped by the other thread would look alive)."""
    processes = list((getattr(pool, "_processes", None) or {}).values())
    for p in processes:
        if p.is_alive():
            p.terminate()
    pool.shutdown(wait=True, cancel_futures=True)


def start_worker(context: Context, in_pool: bool = True) -> None:
    """A worker's state: the context and the model's modules, loaded once. Workers leave Ctrl-C to
    the parent, which ends them."""
    if in_pool:
        signal.signal(signal.SIGINT, signal.SIG_IGN)
    _WORKER["context"] = context
    _WORKER["modules"] = load_modules(context.path)
    _WORKER["abstracts"] = load_abstracts(_WORKER["modules"], (Path(context.path).resolve(),))
    _WORKER["overrides"] = {o.name: o for o in map(parse_const_option, context.consts)}


def check_mutant(m: Mutant) -> Checked:
    """The outcome of one mutant (in a worker, or here with jobs = 1)."""
    try:
        return decide(m, _WORKER["context"])
    except (KeyboardInterrupt, SystemExit):
        raise
    except Exception as exc:  # noqa: BLE001 - one mutant's crash is reported, the others still run
        if os.environ.get("SYNCPROOF_DEBUG"):
            raise
        return Checked(m, "error", f"{type(exc).__name__}: {exc}")


def decide(m: Mutant, context: Context) -> Checked:
    modules = _WORKER["modules"]
    try:
        model = check([parse(m.apply(context.text), modules[0].source.name)] + modules[1:], _WORKER["overrides"],
                      _WORKER["abstracts"])
    except SpecError as exc:
        return Checked(m, "invalid", exc.diagnostics[0].message)
    if context.engine == "explicit":
        result = explicit_result(model, context.explicit)
        if result is not None and result.verdict is Verdict.VIOLATED:
            return Checked(m, "killed", violated(result), "explicit", *counts(result))
        if result is not None and result.verdict is Verdict.HOLDS:
            return survivor(m, model, result, context)
    return by_bmc(m, model, context)


def by_bmc(m: Mutant, model: ir.CheckedModel, context: Context) -> Checked:
    try:
        result = engines.run(model, "bmc", context.bmc)
    except SpecError as exc:
        return Checked(m, "unknown", f"beyond --max-states, and BMC cannot encode it: {exc.diagnostics[0].message}",
                       "bmc")
    if result.verdict is Verdict.VIOLATED:
        return Checked(m, "killed", violated(result), "bmc")
    if bounded(result):
        depth = context.bmc.symbolic.depth
        return Checked(m, "survived", f"no violation up to depth {depth}", "bmc", equivalence="unknown")
    return Checked(m, "unknown", result.reason, "bmc")


def violated(result: Result) -> str:
    return ", ".join(p.name for p in result.violated)


def counts(result: Result) -> tuple[int, int]:
    return result.stats.distinct_states, result.stats.transitions


def survivor(m: Mutant, model: ir.CheckedModel, result: Result, context: Context) -> Checked:
    """Equivalent when its graph is the model's; the counts (same engine, same options) rule most out
    first: equal graphs give equal counts."""
    if counts(result) != context.counts:
        return Checked(m, "survived", "", "explicit", *counts(result), equivalence="different")
    mine = fingerprint(CompiledModel(model), context.max_states)
    if mine is None or context.fingerprint is None:
        return Checked(m, "survived", "the state graph is beyond --max-states: equivalence unknown", "explicit",
                       *counts(result), equivalence="unknown")
    if mine == context.fingerprint:
        return Checked(m, "equivalent", "", "explicit", *counts(result))
    return Checked(m, "survived", "", "explicit", *counts(result), equivalence="different")


def fingerprint(cm: CompiledModel, max_states: int) -> str | None:
    """A canonical digest of the reachable state graph (no symmetry reduction): the initial states,
    the states, and every transition as (state, action and its parameters, state), each sorted, so
    the numbering of states and action instances does not matter. None beyond `max_states`."""
    try:
        g = StateGraph(cm, max_states)
    except GraphLimit:
        return None
    states = g.states
    names = cm.action_names
    labels = [f"{names[k]}{codes}" for k, codes in cm.instances]
    edges = sorted(zip(map(states.__getitem__, g.src.tolist()), map(labels.__getitem__, g.inst.tolist()),
                       map(states.__getitem__, g.dst.tolist())))
    h = hashlib.sha256()
    h.update(repr(sorted(states[i] for i in g.init)).encode())
    h.update(repr(sorted(states)).encode())
    h.update(repr(edges).encode())
    return h.hexdigest()
