"""The engines by name, each an `Engine` (`checker.engines.base`), and one Result when several run.

    auto        what `check` does without --engine: explicit when the model can be enumerated
                (`checker.engines.explicit.enumerable`), otherwise `symbolic`
    explicit    breadth-first search of every reachable state
    bmc, induction, prove, symbolic
                the symbolic engines (`checker.engines.symbolic.run` says what each mode does;
                symbolic is k-induction, then a CHC proof, then BMC)
    all         every engine that applies: explicit (when it can enumerate the model),
                then the symbolic ones; each property keeps the strongest result, and
                engines that contradict each other are a bug (exit 4)
    simulate    random runs with hypothesis (`syncproof simulate`)

The combined modes are data: `auto` is a first choice and a fallback, `all` a list of
strategies. Whether the explicit engine can enumerate a model is decided from its
declarations alone (symbolic constants, parameter and variable ranges), so a model always
gets the same engine by default. This module is the one place where a `CheckRequest`
becomes an engine's own options.
"""

from __future__ import annotations

import copy

from spec import ir
from spec.diagnostics import SpecError

from checker.core.deferred import Deferred
from checker.core.limits import Progress, ProgressEvent
from checker.core.kinds import Kind, Strength
from checker.core.properties import fairness_names, refinement_notes, refinements_not_checked
from checker.core.result import PropertyResult, Result, Verdict, open_reasons
from checker.engines.base import CheckRequest, Engine, OnEvent, reporter
from checker.engines.explicit import enumerable

# Each engine's implementation, imported when that engine first runs (`checker.core.deferred`):
# numpy with the explicit search, z3 with the symbolic engines, hypothesis with the simulator.
ExplicitOptions = Deferred("checker.engines.explicit.search", "ExplicitOptions")
explicit_check = Deferred("checker.engines.explicit.search", "check")
SymbolicOptions = Deferred("checker.engines.symbolic", "SymbolicOptions")
symbolic_check = Deferred("checker.engines.symbolic", "check")
System = Deferred("checker.engines.symbolic.system", "System")
SimulateOptions = Deferred("checker.engines.simulate.engine", "SimulateOptions")
simulate = Deferred("checker.engines.simulate", "simulate")
require_values = Deferred("checker.engines.simulate.wide", "require_values")

STRENGTH = {Strength.PROVED: 3, Strength.EXHAUSTIVE: 3, Strength.BOUNDED: 1, Strength.SAMPLED: 1, Strength.UNKNOWN: 0}


class EnginesDisagree(RuntimeError):
    """Two engines gave contradicting verdicts for one property: a bug in syncproof."""


# ---- a request as each engine's own options ------------------------------------------------------

def explicit_options(request: CheckRequest) -> ExplicitOptions:
    e = request.explicit
    return ExplicitOptions(invariants=request.properties, deadlock=request.deadlock, symmetry=e.symmetry,
                           workers=e.workers, max_states=e.max_states, max_depth=e.max_depth, cluster=e.cluster,
                           checkpoint=e.checkpoint, checkpoint_every=e.checkpoint_every, resume=e.resume,
                           timeout=request.timeout, stop_at_first=request.stop_at_first, until=request.until)


def symbolic_options(request: CheckRequest) -> SymbolicOptions:
    s = request.symbolic
    return SymbolicOptions(invariants=request.properties, deadlock=request.deadlock, depth=s.depth, k=s.k,
                           timeout=request.timeout, stop_at_first=request.stop_at_first, until=request.until,
                           rlimit=s.rlimit)


def simulate_options(request: CheckRequest) -> SimulateOptions:
    s = request.simulate
    sized = {k: v for k, v in (("runs", s.runs), ("steps", s.steps)) if v is not None}
    return SimulateOptions(seed=request.seed, invariants=request.properties, deadlock=request.deadlock,
                           timeout=request.timeout, **sized)


# ---- the engines ---------------------------------------------------------------------------------

class Explicit:
    """Breadth-first search of every reachable state (`checker.engines.explicit.search`)."""

    name = "explicit"

    def obstacles(self, model: ir.CheckedModel) -> list[str]:
        """Why the explicit engine cannot enumerate the model, or not by default (its E520)."""
        return enumerable.obstacles(model) + enumerable.too_wide(model)

    def event(self, snapshot: Progress) -> ProgressEvent:
        return ProgressEvent.of(self.name, snapshot, snapshot.phase)

    def check(self, model: ir.CheckedModel, request: CheckRequest, on_event: OnEvent | None = None) -> Result:
        progress = reporter(self.event, on_event)
        return annotate_explicit(explicit_check(model, explicit_options(request), progress))


class Symbolic:
    """One mode of the symbolic engines (`checker.engines.symbolic.run.MODES`)."""

    def __init__(self, name: str):
        self.name = name

    def obstacles(self, model: ir.CheckedModel) -> list[str]:
        """What z3 cannot encode (E5xx): the model's initial states, one step and each property are
        encoded once."""
        try:
            system = System(model)
            state = system.state("s")
            system.init(state)
            system.step(state, 0, "t")
            for p in system.props:
                system.holds(p, state)
        except SpecError as exc:
            return [d.message for d in exc.diagnostics]
        return []

    def event(self, event: ProgressEvent) -> ProgressEvent:
        """The symbolic engines report ProgressEvents themselves."""
        return event

    def check(self, model: ir.CheckedModel, request: CheckRequest, on_event: OnEvent | None = None) -> Result:
        result = symbolic_check(model, self.name, symbolic_options(request), reporter(self.event, on_event))
        return refinements_unchecked(model, request, result)


class Simulate:
    """Random runs with hypothesis, shrunk to a short trace (`checker.engines.simulate`)."""

    name = "simulate"

    def obstacles(self, model: ir.CheckedModel) -> list[str]:
        """Every constant needs a value (its E521)."""
        try:
            require_values(model)
        except SpecError as exc:
            return [d.message for d in exc.diagnostics]
        return []

    def event(self, snapshot) -> ProgressEvent:
        """The simulator's `SimProgress` (`checker.engines.simulate.engine`) as a ProgressEvent."""
        return ProgressEvent.of(self.name, snapshot, "shrink" if snapshot.shrinking else "runs")

    def check(self, model: ir.CheckedModel, request: CheckRequest, on_event: OnEvent | None = None) -> Result:
        return refinements_unchecked(model, request, simulate(model, simulate_options(request),
                                                              reporter(self.event, on_event)))


class Auto:
    """`first` when it can check the model, otherwise `fallback`, with a note saying why."""

    name = "auto"

    def __init__(self, first: Engine, fallback: Engine):
        self.first, self.fallback = first, fallback

    def pick(self, model: ir.CheckedModel) -> Engine:
        return self.fallback if self.first.obstacles(model) else self.first

    def obstacles(self, model: ir.CheckedModel) -> list[str]:
        return self.pick(model).obstacles(model)

    def check(self, model: ir.CheckedModel, request: CheckRequest, on_event: OnEvent | None = None) -> Result:
        why = self.first.obstacles(model)
        if not why:
            return self.first.check(model, request, on_event)
        result = self.fallback.check(model, request, on_event)
        shown = "; ".join(why[:2]) + (f"; and {len(why) - 2} more" if len(why) > 2 else "")
        result.notes.insert(0, f"the {self.first.name} engine cannot enumerate this model ({shown}): running the "
                               "symbolic engines, proofs (k-induction, then a CHC proof with z3 Spacer) first, then "
                               "bounded model checking")
        return result


class Combined:
    """Several engines, merged: per property the strongest verdict (`merge`). The `optional` ones run
    when they can check the model; the `always` ones run in any case (what they cannot encode is an
    error, as when they run alone)."""

    def __init__(self, name: str, optional: tuple[Engine, ...], always: tuple[Engine, ...]):
        self.name, self.optional, self.always = name, optional, always

    def strategies(self, model: ir.CheckedModel) -> list[Engine]:
        return [e for e in self.optional if not e.obstacles(model)] + list(self.always)

    def obstacles(self, model: ir.CheckedModel) -> list[str]:
        return [why for e in self.always for why in e.obstacles(model)]

    def check(self, model: ir.CheckedModel, request: CheckRequest, on_event: OnEvent | None = None) -> Result:
        return merge([e.check(model, request, on_event) for e in self.strategies(model)])


EXPLICIT = Explicit()
SYMBOLIC = Symbolic("symbolic")
SIMULATE = Simulate()
AUTO = Auto(EXPLICIT, SYMBOLIC)
# the engines of `check --engine`, in the order its help names them
CHECK_ENGINES = (EXPLICIT, Symbolic("bmc"), Symbolic("induction"), Symbolic("prove"), SYMBOLIC,
                 Combined("all", optional=(EXPLICIT,), always=(SYMBOLIC,)))
ENGINES: dict[str, Engine] = {e.name: e for e in (AUTO, *CHECK_ENGINES, SIMULATE)}
CHECK_NAMES = tuple(e.name for e in CHECK_ENGINES)


def resolve(name: str, model: ir.CheckedModel) -> str:
    """The engine that will check `model`: `auto` becomes the default engine for it."""
    return AUTO.pick(model).name if name == AUTO.name else name


def run(model: ir.CheckedModel, name: str | None, request: CheckRequest, on_event: OnEvent | None = None) -> Result:
    """Checks `model` with the engine called `name` (None: auto) and returns its Result."""
    return ENGINES[name or AUTO.name].check(model, request, on_event)


def refinements_unchecked(model: ir.CheckedModel, request: CheckRequest, result: Result) -> Result:
    """The result of an engine, with each selected refinement and abstract fairness declaration it
    did not report (simulation checks neither; the symbolic engines check the refinement, not the
    abstract fairness; each says why not where it cannot) reported inconclusive, "not checked",
    never as holding; and the notes on what the engine leaves out of a refinement."""
    chosen = [r for r in model.refinements if request.properties is None or r.name in request.properties
              or set(fairness_names(r)) & set(request.properties)]
    if not chosen:
        return result
    result.notes.extend(refinement_notes(model, result.engine))
    names = {n for r in chosen for n in [r.name] + fairness_names(r)}
    reported = {p.name for p in result.properties}
    opened = [PropertyResult(name, Kind.REFINEMENT, Verdict.INCONCLUSIVE, why, where, how=Strength.UNKNOWN,
                             engine=result.engine)
              for name, where, why in refinements_not_checked(model, result.engine)
              if name in names and name not in reported]
    if not opened:
        return result
    at = next((i for i, p in enumerate(result.properties) if p.kind in (Kind.DEADLOCK, Kind.RUNTIME)),
              len(result.properties))
    result.properties[at:at] = opened
    if result.verdict is Verdict.HOLDS:
        result.verdict, result.how = Verdict.INCONCLUSIVE, Strength.UNKNOWN
        result.reason = open_reasons(opened)
    elif result.verdict is Verdict.INCONCLUSIVE:
        result.reason = "; ".join(x for x in (result.reason, open_reasons(opened)) if x)
    return result


def annotate_explicit(result: Result) -> Result:
    """Per property, how the explicit engine's verdict was established."""
    for p in result.properties:
        p.engine = p.engine or "explicit"
        p.how = p.how or (Strength.EXHAUSTIVE if p.verdict is not Verdict.INCONCLUSIVE else Strength.UNKNOWN)
    # its traces carry no "how" in their ITF metadata: engine "explicit" already says exhaustive
    return result


def merge(results: list[Result]) -> Result:
    """One result: per property the strongest verdict any engine gave (contradictions raise)."""
    base = copy.copy(results[0])
    props = {p.name: p for p in base.properties}
    for r in results[1:]:
        for p in r.properties:
            mine = props.get(p.name)
            if mine is None:
                continue
            definite = {mine.verdict, p.verdict} - {Verdict.INCONCLUSIVE}
            if len(definite) > 1:
                raise EnginesDisagree(f"{p.name}: the {mine.engine} engine says {mine.verdict.value}, the "
                                      f"{p.engine} engine says {p.verdict.value}")
            if _stronger(p, mine):
                props[p.name] = p
    base.properties = [props[p.name] for p in base.properties]
    base.engine = "all"
    violated = [p for p in base.properties if p.verdict is Verdict.VIOLATED]
    open_ = [p for p in base.properties if p.verdict is Verdict.INCONCLUSIVE]
    if violated:
        base.verdict, base.how, base.reason = Verdict.VIOLATED, violated[0].how, ""
    elif not open_:
        base.verdict, base.reason = Verdict.HOLDS, ""
        base.how = Strength.PROVED if any(p.how == Strength.PROVED for p in base.properties) else Strength.EXHAUSTIVE
    else:
        base.verdict = Verdict.INCONCLUSIVE
        base.how = Strength.BOUNDED if all(p.how == Strength.BOUNDED for p in open_) else Strength.UNKNOWN
        base.reason = open_reasons(open_)
    base.detail = "; ".join(dict.fromkeys(r.detail for r in results if r.detail))
    base.stats = copy.copy(results[0].stats)
    for r in results[1:]:
        base.stats.solver = {**(base.stats.solver or {}), **(r.stats.solver or {})} or None
        base.stats.seconds += r.stats.seconds
    base.warnings = list(dict.fromkeys(w for r in results for w in r.warnings))
    base.notes = [f"engines: {', '.join(r.engine for r in results)}"] + [n for r in results for n in r.notes]
    return base


def _stronger(new, old) -> bool:
    rank = {Verdict.VIOLATED: 4, Verdict.HOLDS: 4, Verdict.INCONCLUSIVE: 0}
    return rank[new.verdict] + STRENGTH.get(new.how, 0) > rank[old.verdict] + STRENGTH.get(old.how, 0)


__all__ = ["ENGINES", "CHECK_NAMES", "CHECK_ENGINES", "EXPLICIT", "SYMBOLIC", "SIMULATE", "AUTO", "run", "resolve",
           "merge", "annotate_explicit", "explicit_options", "symbolic_options", "simulate_options",
           "Explicit", "Symbolic", "Simulate", "Auto", "Combined", "EnginesDisagree"]
