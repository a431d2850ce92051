"""The symbolic engines behind one call: BMC, k-induction, CHC, and the orders they run in.

    bmc         bounded model checking to --depth
    induction   k-induction, k rising to --k (its base case is BMC)
    prove       a CHC proof with Spacer; a reachable violation's trace comes from BMC; temporal
                properties by liveness to safety, a violation's lasso from the lasso search
    symbolic    the default for models the explicit engine cannot enumerate: k-induction (k <= 3),
                Spacer briefly on each property, BMC to --depth, then Spacer with the time left,
                each for what the ones before did not decide; then the temporal properties in
                the same order (a short proof, the lasso search, a long proof)
    all         the same (with --k for k-induction)

Each mode is data: the steps it runs in order on one `Run` (`MODES`).

A `refines` is one more safety property of every mode (`checker.engines.symbolic.refinement`): its
abstract model is enumerated before the run, and one that cannot be is reported inconclusive.

Each property keeps the strongest result any engine gave it, with how it was
established: proved (CHC or k-induction: every reachable state), exhaustive
(BMC that ran out of loop-free paths), bounded (no violation up to a depth),
unknown. Violations come with a shortest trace, always from BMC.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

import z3

from spec import ir

from checker.core.kinds import Kind, Strength
from checker.core.limits import Interrupted, ProgressEvent, Stopped, interrupted_reason
from checker.core.properties import require_no_graph_properties_with_constraints, select_invariants, where_of
from checker.core.result import PropertyResult, Result, Stats, Trace, Verdict, open_reasons
from checker.engines.symbolic import stop
from checker.engines.symbolic.bmc import BMC, Clock
from checker.engines.symbolic.chc import prove
from checker.engines.symbolic.induction import k_induction
from checker.engines.symbolic.lasso import LassoSearch
from checker.engines.symbolic.liveproof import prove_temporal
from checker.engines.symbolic.refinement import prepare as prepare_refinements
from checker.engines.symbolic.refinement import unchecked as unchecked_refinements
from checker.engines.symbolic.system import Prop

DEFAULT_DEPTH = 10
DEFAULT_K = 5
TRACE_LIMIT = 500       # deepest BMC goes to find the trace of a violation Spacer proved reachable
QUERY_SECONDS = 60.0    # Spacer's time per property when no --timeout is given
COMPLETE_SECONDS = 5.0  # the least the loop-free-path question gets (else: as long as the search took)
TEMPORAL_SECONDS = 10.0  # the least the lasso search gets per temporal property without --timeout
FIRST_TEMPORAL = 5.0    # Spacer's first, short try on a temporal property (symbolic, all)
QUICK_K = 3             # k-induction's limit when it runs before Spacer (symbolic, all)
REFINING = ("bmc", "induction", "prove", "symbolic", "all")   # the modes that check `refines`
                                                              # (`checker.engines.symbolic.refinement`)


@dataclass(frozen=True)
class SymbolicOptions:
    invariants: tuple[str, ...] | None = None
    deadlock: bool = True
    depth: int | None = None         # BMC bound (default DEFAULT_DEPTH)
    k: int | None = None             # k-induction: k rises from 1 to this (default DEFAULT_K)
    timeout: float | None = None
    stop_at_first: bool = True
    until: tuple[str, ...] = ()      # stop at the first violation only once all these are found
    minimize: bool = True            # canonical (smallest) traces
    rlimit: int | None = None        # z3's resource limit per query, for verdicts that do not depend on
                                     # the machine's speed (instead of the engines' per-query seconds)

    def stops(self, found) -> bool:
        """Whether the run ends, having found violations of `found` (names): at the first, unless
        `until` names properties (what `syncproof ci` expects to fail) not all found yet."""
        return self.stop_at_first and bool(found) and set(self.until) <= set(found)


@dataclass
class Outcome:
    prop: Prop
    verdict: Verdict = Verdict.INCONCLUSIVE
    how: str = Strength.UNKNOWN
    engine: str = ""
    message: str = ""
    trace: Trace | None = None
    cti: Trace | None = None

    @property
    def open(self) -> bool:
        return self.verdict is Verdict.INCONCLUSIVE


@dataclass
class Run:
    """The state of one symbolic check: outcomes per property, the shared BMC unrolling, the clock."""

    model: ir.CheckedModel
    opts: SymbolicOptions
    progress: object = None
    clock: Clock = None  # type: ignore[assignment]
    bmc: BMC = None  # type: ignore[assignment]
    outcomes: dict = field(default_factory=dict)
    details: list = field(default_factory=list)
    solver: dict = field(default_factory=dict)
    stopped: bool = False
    temporal: dict = field(default_factory=dict)    # name -> PropertyResult (lasso search, proofs)
    live_reachable: dict = field(default_factory=dict)  # name -> LiveProof: Spacer found a violation
    full: ir.CheckedModel = None  # type: ignore[assignment]  # the model before --property chose
    lemmas: list = None  # type: ignore[assignment]           # its other invariants, proved (see _lemmas)
    halted: str = ""     # why the run ended early: the time limit, Ctrl-C (see `_halt`)
    mode: str = "symbolic"  # the name its progress events carry
    refinements: tuple = ()  # `RefinementEnc`s checked as safety properties (modes bmc, induction)
    refinements_open: list = field(default_factory=list)  # PropertyResults: refinements not encoded (why)

    def __post_init__(self):
        if self.full is None:
            self.full = self.model
        if self.clock is None:
            self.clock = Clock(self.opts.timeout, self.opts.rlimit)
        self.bmc = BMC(self.model, self.clock, self.opts.deadlock, self.opts.minimize, refinements=self.refinements)
        self.outcomes = {p.name: Outcome(p) for p in self.bmc.props}

    def say(self, text: str) -> None:
        """Reports progress: `text` starts with the engine at work ("bmc: depth 3")."""
        if self.progress is not None:
            phase = text.partition(":")[0]
            self.progress(ProgressEvent(self.mode, phase, {"depth": max(self.bmc.checked, 0)}, text))

    def open_props(self) -> list[Prop]:
        return [o.prop for o in self.outcomes.values() if o.open]

    def violated(self, name: str, trace: Trace, engine: str = "bmc") -> None:
        o = self.outcomes[name]
        trace.how = Strength.BOUNDED
        o.verdict, o.how, o.engine, o.message, o.trace = Verdict.VIOLATED, Strength.BOUNDED, engine, trace.message, trace
        if self.opts.stops(_violated(self)):
            self.stopped = True

    def decided(self, name: str, how: str, engine: str, message: str = "") -> None:
        o = self.outcomes[name]
        o.verdict, o.how, o.engine, o.message = Verdict.HOLDS, how, engine, message

    def undecided(self, name: str, how: str, engine: str, message: str) -> None:
        o = self.outcomes[name]
        if o.open and (o.how == Strength.UNKNOWN or how != Strength.UNKNOWN):
            o.how, o.engine, o.message = how, engine, message


# ---- the engines -----------------------------------------------------------------------------

def run_bmc(run: Run, depth: int, final: bool = True, only=None) -> None:
    """BMC to `depth` for the open properties (or those named in `only`); then the completeness check."""
    bmc = run.bmc
    bmc.assume({o.prop.name for o in run.outcomes.values() if o.verdict is Verdict.HOLDS})
    start = bmc.checked + 1
    for d in range(start, depth + 1):
        todo = [p for p in run.open_props() if only is None or p.name in only]
        if not todo or run.stopped:
            return
        run.say(f"bmc: depth {d}" if d >= 0 else "bmc: init")
        found = bmc.check_init(todo) if d == -1 else bmc.check_depth(d, todo)
        for f in found:
            if f.status == "violated":
                run.violated(f.prop.name, f.trace)
        if any(f.status == "unknown" for f in found):
            _gave_up(run, todo, found, d)
            return
        if run.stopped:
            return
    run.solver["depth"] = max(bmc.checked, 0)
    todo = run.open_props()
    if not todo:
        return
    if final and not run.stopped:
        run.say(f"bmc: is any loop-free path longer than {depth} steps?")
        if bmc.complete(depth, budget=max(COMPLETE_SECONDS, time.perf_counter() - run.clock.start)) == "yes":
            for p in todo:
                run.decided(p.name, Strength.EXHAUSTIVE, "bmc",
                            f"no loop-free path is longer than {depth} steps: every reachable state was checked")
            run.details.append(f"bounded model checking to depth {depth}, and no loop-free path is longer")
            return
    for p in todo:
        run.undecided(p.name, Strength.BOUNDED, "bmc", f"no violation up to depth {depth}")


def run_temporal(run: Run, depth: int) -> None:
    """The temporal properties: a search for fair lassos that violate them, up to `depth` steps."""
    if not run.model.properties or run.opts.stops(_violated(run)):
        return
    search = _lasso_search(run, depth)
    # without --timeout, each property's search gets as long as the safety search took (at least
    # TEMPORAL_SECONDS): lassos get dear fast with the depth
    budget = None if run.opts.timeout is not None else \
        max(TEMPORAL_SECONDS, time.perf_counter() - run.clock.start)
    for prop in run.model.properties:
        if run.opts.stops(_violated(run)):
            return
        if prop.name in run.temporal and run.temporal[prop.name].verdict is not Verdict.INCONCLUSIVE:
            continue   # proved already
        run.say(f"bmc: a fair lasso against {prop.name}")
        out = search.check(prop, depth, budget)
        run.temporal[prop.name] = out.result
        if out.result.verdict is Verdict.VIOLATED and run.opts.stops(_violated(run)):
            run.stopped = True


def prove_temporal_properties(run: Run, first: bool = False) -> None:
    """Spacer on the temporal properties not yet decided (liveness to safety).

    A violation Spacer finds gets its trace from the lasso search; the proof assumes the
    invariants proved so far and needs run-time errors proved unreachable (the product system
    has the model's error-free steps only). `first`: a short try before the lasso search, which
    decides nothing but proofs (a violation waits for the search to find its lasso).
    """
    todo = [p for p in run.model.properties
            if p.name not in run.temporal or run.temporal[p.name].verdict is Verdict.INCONCLUSIVE]
    if not todo or run.opts.stops(_violated(run)):
        return
    where = {p.name: where_of(p.span) for p in todo}
    runtime = run.outcomes.get(Kind.RUNTIME)
    if runtime is not None and runtime.verdict is not Verdict.HOLDS:
        why = ("not proved: run-time errors are reachable, and the proof needs them unreachable"
               if runtime.verdict is Verdict.VIOLATED else
               "not proved: the proof needs run-time errors proved unreachable, and this run did not prove it")
        for p in todo if not first else ():
            _temporal_open(run, p.name, where[p.name], why)
        return
    proved = [o.prop.name for o in run.outcomes.values()
              if o.verdict is Verdict.HOLDS and o.prop.kind == Kind.INVARIANT] + _lemmas(run)
    search = None
    for prop in todo:
        if run.opts.stops(_violated(run)):
            return
        if prop.name in run.live_reachable:
            out = run.live_reachable[prop.name]
        else:
            run.say(f"prove: {prop.name} (liveness to safety, Spacer)")
            out = prove_temporal(run.full, run.clock, prop, proved, FIRST_TEMPORAL if first else QUERY_SECONDS)
        if out.status == "proved":
            run.temporal[prop.name] = PropertyResult(
                prop.name, Kind.TEMPORAL, Verdict.HOLDS, "proved by a CHC solver (z3 Spacer): no fair behaviour "
                "violates it (liveness to safety)", where[prop.name], how=Strength.PROVED, engine="prove")
            run.details.append("a CHC proof (z3 Spacer)")
        elif first:
            if out.status == "reachable":
                run.live_reachable[prop.name] = out
        elif out.status == "reachable":
            found = run.temporal.get(prop.name)
            if found is None:      # the lasso search has not run (--engine prove): it finds the trace
                search = search or _lasso_search(run, TRACE_LIMIT)
                run.say(f"prove: a fair lasso against {prop.name}")
                found = search.check(prop, TRACE_LIMIT, QUERY_SECONDS if run.opts.timeout is None else None).result
            if found.verdict is Verdict.VIOLATED:
                run.temporal[prop.name] = found
            else:
                run.temporal[prop.name] = PropertyResult(
                    prop.name, Kind.TEMPORAL, Verdict.VIOLATED, f"{out.reason}, but the lasso search found no "
                    f"trace ({found.message})", where[prop.name], how=Strength.PROVED, engine="prove")
            if run.opts.stops(_violated(run)):
                run.stopped = True
        else:
            _temporal_open(run, prop.name, where[prop.name], out.reason)


def _lemmas(run: Run) -> list[str]:
    """The invariants --property left out, those k-induction (k = 1) proves: facts the temporal
    proofs may assume (without them Spacer must rediscover what the model's author wrote down)."""
    if run.lemmas is None:
        chosen = {p.name for p in run.model.invariants}
        others = [i.name for i in run.full.invariants if i.name not in chosen]
        run.lemmas = []
        if others:
            bmc = BMC(run.full, run.clock, deadlock=False, minimize=False)
            props = [p for p in bmc.props if p.name in others]
            run.lemmas = sorted(k_induction(bmc, run.clock, props, 1, False).proved)
    return run.lemmas


def _temporal_open(run: Run, name: str, where, reason: str) -> None:
    """A temporal property the proof did not decide keeps the lasso search's bound, if any."""
    had = run.temporal.get(name)
    if had is not None and had.how == Strength.BOUNDED:
        had.message = f"{had.message}; {reason}"
    else:
        run.temporal[name] = PropertyResult(name, Kind.TEMPORAL, Verdict.INCONCLUSIVE, reason, where, how=Strength.UNKNOWN,
                                            engine="prove")


def _lasso_search(run: Run, depth: int) -> LassoSearch:
    """A lasso search that goes at most `depth` steps deep."""
    search = LassoSearch(run.model, run.clock)
    # invariants proved, or with no violation up to at least that depth, hold in every state the
    # search reaches (a state of a lasso of `depth` steps is at most `depth` steps deep)
    search.assume({o.prop.name for o in run.outcomes.values()
                   if o.verdict is Verdict.HOLDS or (o.open and o.how == Strength.BOUNDED and run.bmc.checked >= depth)})
    return search


def _violated(run: Run) -> set[str]:
    """The properties found violated so far."""
    return {n for n, o in run.outcomes.items() if o.verdict is Verdict.VIOLATED} | \
        {n for n, p in run.temporal.items() if p.verdict is Verdict.VIOLATED}


def _gave_up(run: Run, todo: list[Prop], found: list, d: int) -> None:
    """z3 returned unknown at depth d: each open property says how deep it was checked."""
    run.stopped = True
    unknown = {f.prop.name: f.reason for f in found if f.status == "unknown"}
    for p in todo:
        if not run.outcomes[p.name].open:
            continue
        if p.name in unknown:
            reached, why = d - 1, f"{unknown[p.name]} (at depth {max(d, 0)})"
        else:
            reached = d
            why = f"the search stopped there: {next(iter(unknown.values()))} (at depth {max(d, 0)}, on " \
                  f"{', '.join(unknown)})"
        if reached >= 0:
            run.undecided(p.name, Strength.BOUNDED, "bmc", f"no violation up to depth {reached}; {why}")
        else:
            run.undecided(p.name, Strength.UNKNOWN, "bmc", why)


def run_induction(run: Run, max_k: int) -> None:
    todo = run.open_props()
    if not todo:
        return
    out = k_induction(run.bmc, run.clock, todo, max_k, run.opts.deadlock, run.say)
    run.solver["k"] = out.k
    for name, f in out.violated.items():
        run.violated(name, f.trace)
    ks = set()
    for name, k in out.proved.items():
        run.decided(name, Strength.PROVED, "induction", f"proved by k-induction (k = {k})")
        ks.add(k)
    if ks:
        run.details.append(f"k-induction with k = {max(ks)}")
    for name, reason in out.unknown.items():
        run.undecided(name, Strength.UNKNOWN, "induction", reason)
    for name, trace in out.cti.items():
        o = run.outcomes[name]
        if o.open:
            o.cti = trace
            depth = max(out.base_depth, 0)
            run.undecided(name, Strength.BOUNDED if out.base_depth >= 0 else Strength.UNKNOWN, "induction",
                          f"not proved: not k-inductive for any k up to {out.k} (no violation up to depth "
                          f"{depth}); see the counterexample to induction")
    for p in run.open_props():
        if p.name not in out.unknown and p.name not in out.cti and out.base_depth >= 0:
            run.undecided(p.name, Strength.BOUNDED, "induction", f"no violation up to depth {out.base_depth}")


def run_prove(run: Run, rounds: str = "all") -> list[str]:
    """Spacer on the open properties; returns those it found reachable (their traces still to find)."""
    todo = run.open_props()
    if not todo:
        return []
    run.say("prove: Spacer (CHC)")
    assumed = tuple(o.prop.name for o in run.outcomes.values() if o.verdict is Verdict.HOLDS)
    out = prove(run.model, run.clock, todo, run.opts.deadlock, QUERY_SECONDS, assumed,
                run.opts.stop_at_first and not run.opts.until, rounds, run.refinements)
    for name in out.proved:
        run.decided(name, Strength.PROVED, "prove", "proved by a CHC solver (z3 Spacer): an inductive invariant exists")
    if out.proved:
        run.details.append("a CHC proof (z3 Spacer)")
        if out.invariants:
            run.solver["invariant"] = "; ".join(f"{k}: {v}" for k, v in out.invariants.items())
    for name, reason in out.unknown.items():
        run.undecided(name, Strength.UNKNOWN, "prove", f"Spacer: {reason}")
    return out.reachable


def find_traces(run: Run, names: list[str]) -> None:
    """BMC until the violations Spacer proved reachable have their shortest traces."""
    for d in range(run.bmc.checked + 1, TRACE_LIMIT + 1):
        if not any(run.outcomes[n].open for n in names) or run.stopped or run.clock.expired():
            break
        run_bmc(run, d, final=False, only=set(names))
    for n in names:
        o = run.outcomes[n]
        if o.open:
            o.verdict, o.how, o.engine = Verdict.VIOLATED, Strength.PROVED, "prove"
            o.message = ("Spacer proved a violation reachable, but BMC found no trace within "
                         f"{TRACE_LIMIT} steps or the time limit")
    if run.opts.stop_at_first and any(run.outcomes[n].trace is not None for n in names):
        _also_within(run, run.bmc.checked)


def _also_within(run: Run, depth: int) -> None:
    """After a first violation at `depth`, the other properties' violations within it too.

    The traces were looked for one property at a time; like the explicit engine, which reports
    every property violated at its first violating level, ask the others up to the same depth.
    """
    others = run.open_props()
    for d in range(-1, depth + 1):
        if not others or run.clock.expired():
            return
        found = run.bmc.check_init(others) if d == -1 else run.bmc.check_depth(d, others)
        for f in found:
            if f.status == "violated":
                run.violated(f.prop.name, f.trace)
        others = [p for p in others if run.outcomes[p.name].open]


def bmc_with_lemmas(model: ir.CheckedModel, depth: int, opts: SymbolicOptions | None = None,
                    k: int = QUICK_K) -> Result:
    """k-induction, then BMC to `depth` on what it did not prove, with its proofs as lemmas.

    The symbolic mode without Spacer: the invariants k-induction proves hold at every depth and
    are assumed in every state of the unrolling, which lets BMC reach depths it cannot reach
    alone (each depth becomes a question about one step). Properties keep how they were
    established: proved, or violated with a shortest trace, or bounded to `depth`.
    """
    opts = opts or SymbolicOptions()
    model = select_invariants(model, opts.invariants)
    require_no_graph_properties_with_constraints(model, "bmc")
    start = time.perf_counter()
    run = _start(model, opts, "symbolic")

    def engines():
        run_induction(run, k)
        if not run.stopped:
            run_bmc(run, depth)
    return limited(run, "bmc", start, engines)


# ---- the result ---------------------------------------------------------------------------------

def check(model: ir.CheckedModel, mode: str, opts: SymbolicOptions | None = None, progress=None) -> Result:
    """Runs the symbolic engines in `mode` (see the module docstring) and returns one Result."""
    if mode not in MODES:
        raise ValueError(mode)
    opts = opts or SymbolicOptions()
    full, model = model, select_invariants(model, opts.invariants)
    require_no_graph_properties_with_constraints(model, mode)
    start = time.perf_counter()
    run = _start(model, opts, mode, progress, full)
    return limited(run, mode, start, lambda: _modes(run, mode))


def _start(model: ir.CheckedModel, opts: SymbolicOptions, mode: str, progress=None, full=None) -> Run:
    """The Run of `mode` on `model`, its refinements' abstract models enumerated first (`prepare`),
    under the run's clock: the time limit and Ctrl-C end the enumeration too. Then every
    refinement is inconclusive and the run halts at its first step (`limited`): with the time
    limit's reason, or raising Interrupted with what it had (Ctrl-C)."""
    clock = Clock(opts.timeout, opts.rlimit)
    refinements, refinements_open = (), []
    if mode in REFINING and model.refinements:
        try:
            with stop.watching(clock):
                refinements, refinements_open = prepare_refinements(model, poll=clock.poll)
        except Stopped as exc:
            refinements_open = unchecked_refinements(model, exc.reason)
        except KeyboardInterrupt:
            refinements_open = unchecked_refinements(model, "interrupted (Ctrl-C)")
            clock.interrupted = True   # the run's first poll raises it again, with the partial result
    return Run(model, opts, progress, clock=clock, full=full, mode=mode, refinements=tuple(refinements),
               refinements_open=refinements_open)


# ---- the modes: each a list of steps, run in order on one Run ----------------------------------

def _depth(run: Run) -> int:
    return run.opts.depth if run.opts.depth is not None else DEFAULT_DEPTH


def bmc_step(run: Run) -> None:
    """BMC to --depth, with the check that no loop-free path is longer."""
    run_bmc(run, _depth(run))


def lasso_step(run: Run) -> None:
    """The lasso search for violations of temporal properties, to --depth."""
    run_temporal(run, _depth(run))


def induction_step(run: Run) -> None:
    """k-induction, k rising to --k (DEFAULT_K)."""
    run_induction(run, run.opts.k if run.opts.k is not None else DEFAULT_K)


def quick_induction_step(run: Run) -> None:
    """k-induction before the other engines: cheap proofs first (invariants are often inductive as
    written), k rising to --k (QUICK_K)."""
    run_induction(run, run.opts.k if run.opts.k is not None else QUICK_K)


def spacer_step(rounds: str):
    """Spacer on the open properties (`rounds`: all, first or rest, see `chc.prove`), then BMC for the
    traces of the violations it found reachable."""
    def step(run: Run) -> None:
        reachable = run_prove(run, rounds)
        if reachable:
            find_traces(run, reachable)
    step.__doc__ = f"Spacer ({rounds}), then the traces of what it found reachable"
    return step


def while_open(step):
    """`step`, unless the run has stopped or every safety property is decided (which stays so for the
    rest of the run: the guarded steps after it are skipped too)."""
    def guarded(run: Run) -> None:
        if not run.stopped and run.open_props():
            step(run)
    guarded.__doc__ = step.__doc__
    return guarded


def temporal_proof_step(run: Run) -> None:
    """Spacer on the temporal properties still open (liveness to safety)."""
    prove_temporal_properties(run)


def first_temporal_proof_step(run: Run) -> None:
    """A short try of Spacer on each temporal property, before the lasso search."""
    prove_temporal_properties(run, first=True)


# symbolic (and all): cheap proofs first, then a short try of Spacer on each property, then BMC
# (which finds a violation far sooner than Spacer does with symbolic constants), then Spacer with
# the time that is left; the temporal properties in the same order: a short proof, the lasso
# search, a long proof
COMBINED = (quick_induction_step, while_open(spacer_step("first")), while_open(bmc_step),
            while_open(spacer_step("rest")), first_temporal_proof_step, lasso_step, temporal_proof_step)
MODES = {
    "bmc": (bmc_step, lasso_step),
    "induction": (induction_step,),
    "prove": (spacer_step("all"), temporal_proof_step),
    "symbolic": COMBINED,
    "all": COMBINED,
}


def _modes(run: Run, mode: str) -> None:
    for step in MODES[mode]:
        step(run)


def limited(run: Run, engine: str, start: float, engines) -> Result:
    """engines(), then the run's Result; the time limit and Ctrl-C end it early with what it reached.

    The time limit gives the verdict inconclusive, Ctrl-C raises `Interrupted` with the partial
    result (exit 130); either way each open property says how deep it was checked (`_halt`).
    """
    try:
        with stop.watching(run.clock):
            try:
                engines()
            except z3.Z3Exception:   # "canceled": the watchdog interrupted z3 outside a query
                if not (run.clock.interrupted or run.clock.expired()):
                    raise
                run.clock.poll()
    except Stopped as exc:
        _halt(run, exc.reason)
    except KeyboardInterrupt:
        _halt(run, "interrupted (Ctrl-C)")
        partial = result(run, engine, time.perf_counter() - start)
        partial.reason = interrupted_reason(f"at depth {max(run.bmc.checked, 0)}")
        raise Interrupted(partial) from None
    return result(run, engine, time.perf_counter() - start)


def _halt(run: Run, reason: str) -> None:
    """The run ends early: each open property keeps the depth it was checked to, with `reason`."""
    run.stopped, run.halted = True, reason
    checked = run.bmc.checked
    for o in run.outcomes.values():
        if not o.open or reason in o.message:
            continue
        if o.how == Strength.BOUNDED:
            o.message = f"{o.message}; {reason}"
        elif checked >= 0:
            o.how, o.engine, o.message = Strength.BOUNDED, "bmc", f"no violation up to depth {checked}; {reason}"
        else:
            o.how, o.message = Strength.UNKNOWN, reason


def result(run: Run, engine: str, seconds: float) -> Result:
    model = run.model
    props = []
    for o in run.outcomes.values():
        message = o.message
        if o.open and run.stopped and any(x.verdict is Verdict.VIOLATED for x in run.outcomes.values()) \
                and o.how != Strength.BOUNDED:
            message = message or "not decided: the search stopped at the first violation"
        props.append(PropertyResult(o.prop.name, o.prop.shown or o.prop.kind, o.verdict, message, o.prop.where,
                                    o.trace, None, o.how, o.engine, o.cti))
    at = next((i for i, p in enumerate(props) if p.kind in (Kind.DEADLOCK, Kind.RUNTIME)), len(props))
    props[at:at] = run.refinements_open
    props += [run.temporal[p.name] for p in model.properties if p.name in run.temporal]
    props += unchecked(model, engine, set(run.temporal), bool(_violated(run)), run.halted)
    verdict, how, reason = _overall(props)
    solver = {"depth": max(run.bmc.checked, 0), "queries": run.clock.queries,
              "solver_seconds": round(run.clock.solver_seconds, 3), **run.solver}
    stats = Stats(depth=max(run.bmc.checked, 0), seconds=seconds, solver=solver)
    warnings = [w.render() for w in model.warnings] + run.bmc.system.warnings
    detail = ""
    if verdict is Verdict.HOLDS:
        detail = "; ".join(dict.fromkeys(run.details)) or ", ".join(dict.fromkeys(p.message for p in props))
    symbolic = {c.name: c.type.show() for c in model.symbolic_consts()}
    return Result(model.name, model.path, engine, verdict, how, props, stats, reason, warnings,
                  model.const_values(), detail, symbolic)


def unchecked(model: ir.CheckedModel, engine: str = "", done=(), violated: bool = False,
              halted: str = "") -> list[PropertyResult]:
    """Temporal properties the lasso search did not get to, and determinism properties."""
    out = []
    if violated:
        temporal = "not decided: the search stopped at the first violation"
    elif halted:
        temporal = f"not checked: {halted}"
    elif engine == "induction":
        temporal = ("not checked: k-induction does not prove temporal properties; --engine prove does "
                    "(a CHC proof), --engine bmc looks for violations, the explicit engine checks them")
    else:
        temporal = "not checked: this run looked for safety violations only"
    for p in getattr(model, "properties", []):
        if p.name not in done:
            out.append(PropertyResult(p.name, Kind.TEMPORAL, Verdict.INCONCLUSIVE, temporal, where_of(p.span),
                                      how=Strength.UNKNOWN))
    why = ("not checked: the symbolic engines check invariants, deadlock, run-time errors and temporal "
           "properties; determinism properties need the explicit engine (--engine explicit or all)")
    for d in list(getattr(model, "deterministic", [])) + list(getattr(model, "commutes", [])):
        out.append(PropertyResult(d.name, Kind.DETERMINISM, Verdict.INCONCLUSIVE, why, where_of(d.span),
                                  how=Strength.UNKNOWN))
    return out


def _overall(props: list[PropertyResult]):
    violated = [p for p in props if p.verdict is Verdict.VIOLATED]
    if violated:
        return Verdict.VIOLATED, violated[0].how, ""
    open_ = [p for p in props if p.verdict is Verdict.INCONCLUSIVE]
    if not open_:
        hows = {p.how for p in props}
        return Verdict.HOLDS, Strength.PROVED if Strength.PROVED in hows else Strength.EXHAUSTIVE, ""
    how = Strength.BOUNDED if all(p.how == Strength.BOUNDED for p in open_) else Strength.UNKNOWN
    return Verdict.INCONCLUSIVE, how, open_reasons(open_)


__all__ = ["check", "bmc_with_lemmas", "SymbolicOptions", "MODES", "DEFAULT_DEPTH", "DEFAULT_K"]
