"""Temporal properties by bounded model checking: a search for fair lassos, one length at a time.

A counterexample to a temporal property is a behaviour that ends in a cycle
(see checker/core/temporal.py and checker/engines/explicit/liveness.py for
the semantics, which is TLA+'s). Here the behaviour is a path of states
s0 .. sK from an initial state, each step an action or a stutter (the state
repeats), and sK equal to some earlier sL: the steps from sL to sK repeat for
ever. The path is fair when, for every fairness condition (an instance of an
action declared fair, each value of its parameters; or a group `{A, B}`, all
the instances of its actions together: taken when one is, disabled when all
are),

    weak     it is taken on the cycle, or it is disabled in a state of the cycle
    strong   it is taken on the cycle, or it is disabled in every state of the cycle

where taken means a step by that instance that changes the state, and
disabled that no choice of its `choose`s fires and changes the state
(a quantifier over the choices, as for deadlock). The property's condition:

    eventually P          not P in every state
    always eventually P   not P in every state of the cycle
    eventually always P   not P in some state of the cycle
    P leads_to Q          P and not Q in some state, not Q from there on and on the cycle
    always P              not P in the last state (a finite trace, no cycle)

K rises from 1 (an initial state stuttering for ever) to the depth, so the
first lasso found is a shortest one. A lasso of K steps gives one of K + 1 (a
stutter in front), so "none up to K" means none of any length up to K. No
lasso up to the depth is "no violation up to depth K", never "holds".

Every lasso found is re-run by the interpreter step by step, and checked
again, fairness and property, by `syncproof replay`'s checker before it is
reported.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import z3

from spec import ir
from spec import values as V
from spec.interp import Interp, SymbolicConstError
from spec.ir import FairnessKind, TemporalKind
from spec.runtime import ModelError

from checker.core.kinds import Kind, Strength
from checker.core.properties import where_of
from checker.core.result import PropertyResult, Trace, TraceStep, Verdict
from checker.core.temporal import describe, property_violated
from checker.engines.explicit.enumerable import obstacles
from checker.engines.symbolic import values as SV
from checker.engines.symbolic.bmc import Clock
from checker.engines.symbolic.system import STEP_GROUND, System, nonlinear
from checker.engines.symbolic.traces import Decoder, Disagreement, decode_state, state_codes
from checker.traces.replay import replay_engine_trace


@dataclass
class LassoOutcome:
    result: PropertyResult
    depth: int                   # the deepest length asked completely


class LassoSearch:
    """One unrolling with stutter steps, shared by the temporal properties of a model."""

    def __init__(self, model: ir.CheckedModel, clock: Clock):
        self.model = model
        self.clock = clock
        self.system = System(model, deadlock=False, prefix="lasso.", bv=nonlinear(model))
        self.decoder = Decoder(self.system, "bmc")
        self.solver = z3.Solver()
        self.solver.add(self.system.consts())
        self.states = [self.system.state("L0")]
        self.solver.add(self.system.init_formula(self.system.init(self.states[0], "lasso.init")))
        self.steps = []          # StepEnc from state i
        self.stutter = []        # Bool: step i repeats state i
        self.ungrounded = sorted({model.actions[k].name for k in per_instance_fair(model)
                                  if model.actions[k].params and not _groundable(self.system, model.actions[k])})
        # (positions among a step's instances, weak | strong): one per fairness condition
        self.fair: list[tuple[tuple[int, ...], str]] = []
        self._disabled: dict = {}
        self.lemmas: list = []                   # invariants that hold in every state searched

    def assume(self, names) -> None:
        """Invariants that hold in every state the search can reach (proved, or bounded to at least
        the depth it goes to) are asserted in every state: the same lassos, fewer states to refute."""
        for p in self.system.props:
            if p.name in names and p.kind == Kind.INVARIANT and p not in self.lemmas:
                self.lemmas.append(p)
                for x in self.states:
                    self.solver.add(self.system.holds(p, x))

    # ---- the unrolling -----------------------------------------------------------------------

    def _extend(self, k: int) -> None:
        """States 0 .. k, linked by steps that are an action or a stutter."""
        while len(self.states) <= k:
            i = len(self.states) - 1
            st = self.system.step(self.states[i], i, f"L{i}", limit=STEP_GROUND)
            if not self.steps:
                self.fair = fair_conditions(self.model, st.actions)
            nxt = self.system.state(f"L{i + 1}")
            stut = z3.Bool(f"lasso.stutter@{i}")
            self.solver.add(z3.Implies(stut, self.system.enc.same_state(nxt, self.states[i])))
            self.solver.add(z3.Implies(z3.Not(stut), self.system.transition(st, nxt)))
            self.steps.append(st)
            self.stutter.append(stut)
            self.states.append(nxt)
            for p in self.lemmas:
                self.solver.add(self.system.holds(p, nxt))

    def _changes(self, i: int) -> z3.BoolRef:
        return z3.Not(self.system.enc.equal_states(self.states[i], self.states[i + 1]))

    def _taken(self, i: int, j: int) -> z3.BoolRef:
        return z3.And(z3.Not(self.stutter[i]), self.steps[i].selector == j, self._changes(i))

    def _disabled_at(self, i: int, j: int) -> z3.BoolRef:
        """Instance j has no step from state i that fires and changes the state."""
        key = (i, j)
        if key not in self._disabled:
            enc = self.steps[i].actions[j]
            with SV.domain(self.system.enc.bv):
                moves = z3.And(enc.fires, z3.Not(self.system.enc.equal_states(enc.store, self.states[i])))
                self._disabled[key] = z3.ForAll(enc.fresh, z3.Not(moves)) if enc.fresh else z3.Not(moves)
        return self._disabled[key]

    def _holds(self, e: ir.Expr, env: dict, i: int) -> z3.BoolRef:
        value, err = self.system.enc.evaluate(e, self.states[i], env)
        return z3.And(z3.Not(err), value)

    # ---- one property ------------------------------------------------------------------------

    def check(self, prop: ir.PropertyIR, depth: int, budget: float | None = None) -> LassoOutcome:
        """Lassos of 1 .. depth steps against prop; `budget`: the most seconds it may take (besides
        the run's --timeout, which the clock keeps)."""
        where = where_of(prop.span)
        # with a resource limit each query has its own, and seconds would make the verdict vary
        self._until = None if budget is None or self.clock.rlimit is not None else time.perf_counter() + budget
        if self.ungrounded and prop.kind != TemporalKind.ALWAYS:
            why = (f"not checked: fairness of {', '.join(self.ungrounded)} is per parameter value, and "
                   f"there are more than {STEP_GROUND} of them; the explicit engine checks it")
            return LassoOutcome(PropertyResult(prop.name, Kind.TEMPORAL, Verdict.INCONCLUSIVE, why, where,
                                               how=Strength.UNKNOWN, engine="bmc"), -1)
        try:
            bindings = list(property_bindings(self.model, prop, self.system.enc.bv))
        except SymbolicConstError as exc:
            return LassoOutcome(PropertyResult(prop.name, Kind.TEMPORAL, Verdict.INCONCLUSIVE,
                                               f"not checked: {symbolic_domain(prop, exc)}", where,
                                               how=Strength.UNKNOWN, engine="bmc"), -1)
        reached = 0
        for k in range(depth + 1):
            self._extend(k)
            for env, shown, ienv in bindings:
                # first a state at depth k where the property cannot be evaluated (a violation, as
                # in the explicit engine), then a lasso of k steps (for `always`, a state where P fails)
                for errors in (True, False):
                    if not errors and k == 0 and prop.kind != TemporalKind.ALWAYS:
                        continue
                    r, m, loop = self._ask(prop, env, k, errors)
                    if r == z3.sat:
                        trace = self._trace(prop, m, k, loop, ienv, shown, errors)
                        return LassoOutcome(PropertyResult(prop.name, Kind.TEMPORAL, Verdict.VIOLATED,
                                                           trace.message, where, trace, how=Strength.BOUNDED,
                                                           engine="bmc"), k)
                    if r == z3.unknown:
                        why = f"{self.clock.reason(self.solver)} (at depth {k})"
                        if self._until is not None and time.perf_counter() >= self._until - 0.01:
                            why = (f"the search stopped at its time budget of {budget:.0f} s (at depth {k}; "
                                   f"--timeout gives it more)")
                        msg = f"no violation up to depth {reached}; {why}" if k > 0 else why
                        how = Strength.BOUNDED if k > 0 else Strength.UNKNOWN
                        return LassoOutcome(PropertyResult(prop.name, Kind.TEMPORAL, Verdict.INCONCLUSIVE, msg,
                                                           where, how=how, engine="bmc"), reached)
            reached = k
        return LassoOutcome(PropertyResult(prop.name, Kind.TEMPORAL, Verdict.INCONCLUSIVE,
                                           f"no violation up to depth {depth} (no fair lasso of that length "
                                           f"or shorter)", where, how=Strength.BOUNDED, engine="bmc"), depth)

    def _ask(self, prop: ir.PropertyIR, env: dict, k: int, errors: bool = False):
        s = self.solver
        s.push()
        try:
            loop = None
            if errors:
                s.add(z3.Or(*(self.system.enc.evaluate(e, self.states[k], env)[1] for e in prop.predicates())))
            elif prop.kind == TemporalKind.ALWAYS:
                s.add(z3.Not(self._holds(prop.p, env, k)))
            else:
                loop = z3.Int("lasso.loop")
                s.add(0 <= loop, loop < k)
                s.add(z3.Or(*(z3.And(loop == j, self.system.enc.equal_states(self.states[j], self.states[k]))
                              for j in range(k))))
                cyc = [loop <= i for i in range(k + 1)]      # state i is on the cycle
                for js, kind in self.fair:   # a group: taken when one is, disabled when all are
                    taken = z3.Or(*(z3.And(cyc[i], self._taken(i, j)) for i in range(k) for j in js))
                    disabled = [z3.And(*(self._disabled_at(i, j) for j in js)) for i in range(k)]
                    if kind == FairnessKind.WEAK:
                        off = z3.Or(*(z3.And(cyc[i], disabled[i]) for i in range(k)))
                    else:
                        off = z3.And(*(z3.Implies(cyc[i], disabled[i]) for i in range(k)))
                    s.add(z3.Or(taken, off))
                P = [self._holds(prop.p, env, i) for i in range(k + 1)]
                if prop.kind == TemporalKind.FORMULA:
                    s.add(z3.Not(self._formula(prop.formula, env, k, cyc)[0]))
                elif prop.kind == TemporalKind.EVENTUALLY:
                    s.add(*(z3.Not(p) for p in P))
                elif prop.kind == TemporalKind.ALWAYS_EVENTUALLY:
                    s.add(*(z3.Implies(cyc[i], z3.Not(P[i])) for i in range(k + 1)))
                elif prop.kind == TemporalKind.EVENTUALLY_ALWAYS:
                    s.add(z3.Or(*(z3.And(cyc[i], z3.Not(P[i])) for i in range(k + 1))))
                else:
                    Q = [self._holds(prop.q, env, i) for i in range(k + 1)]
                    s.add(*(z3.Implies(cyc[i], z3.Not(Q[i])) for i in range(k + 1)))
                    after = [z3.And(*(z3.Not(Q[j]) for j in range(i, k + 1))) for i in range(k + 1)]
                    s.add(z3.Or(*(z3.And(P[i], after[i]) for i in range(k + 1))))
            left = None if self._until is None else max(0.0, self._until - time.perf_counter())
            r = self.clock.check(s, budget=left)
            if r != z3.sat:
                return r, None, None
            m = s.model()
            return r, m, (None if loop is None else m.eval(loop, model_completion=True).as_long())
        finally:
            s.pop()

    def _formula(self, f: ir.TemporalFormula, env: dict, k: int, cyc: list) -> list:
        """A general temporal formula's value at each position 0 .. k of the lasso (state k is state
        `loop`, and cyc[i] says position i is on the cycle): from position i the behaviour visits
        positions i .. k, then the cycle for ever, so `always a` at i is a at all of those, and
        `eventually a` at one (checker.core.temporal.formula_holds on a concrete lasso)."""
        if f.op == "atom":
            return [self._holds(f.expr, env, i) for i in range(k + 1)]
        args = [self._formula(a, env, k, cyc) for a in f.args]
        if f.op == "not":
            return [z3.Not(v) for v in args[0]]
        if f.op in ("and", "or", "implies"):
            combine = {"and": z3.And, "or": z3.Or, "implies": z3.Implies}[f.op]
            return [combine(x, y) for x, y in zip(*args)]
        if f.op == "leads_to":
            a, b = args
            return self._future("always", [z3.Implies(x, y) for x, y in zip(a, self._future("eventually", b, cyc))],
                                cyc)
        return self._future(f.op, args[0], cyc)

    @staticmethod
    def _future(op: str, v: list, cyc: list) -> list:
        k = len(v) - 1
        if op == "always":
            return [z3.And(*v[i:], *(z3.Implies(cyc[j], v[j]) for j in range(i))) for i in range(k + 1)]
        assert op == "eventually", op
        return [z3.Or(*v[i:], *(z3.And(cyc[j], v[j]) for j in range(i))) for i in range(k + 1)]

    # ---- the trace ---------------------------------------------------------------------------

    def _trace(self, prop: ir.PropertyIR, m, k: int, loop: int | None, ienv: dict, shown: dict,
               errors: bool = False) -> Trace:
        concrete = self.decoder.concrete(m)
        codes = [state_codes(self.system, s, m) for s in self.states[:k + 1]]
        self.decoder.path(m, concrete, [self.states[0]], [])     # state 0 is an initial state
        steps = [TraceStep(decode_state(concrete, codes[0]))]
        for i in range(k):
            if z3.is_true(m.eval(self.stutter[i], model_completion=True)):
                if codes[i + 1] != codes[i]:
                    raise Disagreement(f"step {i + 1} of a lasso is a stutter that changes the state")
                steps.append(TraceStep(decode_state(concrete, codes[i + 1]), "(stutter)"))
                continue
            _, (_, step) = self.decoder.path(m, concrete, [self.states[i], self.states[i + 1]], [self.steps[i]],
                                             check_init=False)
            steps.append(step)
        binding = ", ".join(f"{name} = {V.show(value)}" for name, value in shown.items())
        message = describe(self.model, prop, binding)
        trace = Trace(self.model.name, prop.name, Kind.TEMPORAL, steps, message, None,
                      where_of(prop.span), loop, concrete.const_values(),
                      engine="bmc")
        trace.binding = dict(shown)
        trace.how = Strength.BOUNDED
        # the interpreter agrees that the lasso violates the property
        interp = Interp(concrete)
        cprop = next(p for p in concrete.properties if p.name == prop.name)
        try:
            violated = property_violated(cprop, lambda e: [bool(interp.eval(e, ienv, c)) for c in codes], loop)
        except ModelError as exc:
            where = f" (with {binding})" if binding else ""
            trace.message = f"property {prop.name} cannot be evaluated: {exc.message}{where}"
            trace.loop = None
            return trace
        if errors:
            raise Disagreement(f"property {prop.name} can be evaluated in the interpreter in the last state")
        if not violated:
            raise Disagreement(f"the interpreter does not find that the lasso violates {prop.name}")
        if loop is not None and concrete.fairness and not obstacles(concrete):
            # fairness, checked on the state graph's terms (every instance's steps enumerated)
            replayed = replay_engine_trace(trace, concrete, self.model.path, check_deadlock=False)
            if not replayed.valid or prop.name not in {name for name, _, _ in replayed.violations}:
                raise Disagreement(f"replay does not confirm the lasso for {prop.name}: {replayed.message}")
        return trace


def fair_conditions(model: ir.CheckedModel, actions) -> list[tuple[tuple[int, ...], str]]:
    """The fairness conditions over one step's instance encodings (StepEnc.actions), each (the
    positions of its instances, weak | strong). An action that is not grounded has one encoding for
    all its instances: right for a group, and refused for per-instance fairness (`ungrounded`)."""
    instances = [(a.index,) for a in actions]
    return [(members, kind) for kind, members in ir.fairness_conditions(model, instances)]


def per_instance_fair(model: ir.CheckedModel) -> set[int]:
    """The actions declared fair per instance (`fairness weak A`, not in a group)."""
    return {f.actions[0] for f in model.fairness if not f.grouped}


def _groundable(system: System, action: ir.ActionIR) -> bool:
    n = system.ground.get(action.name)
    return n is not None and n <= STEP_GROUND


def symbolic_domain(prop: ir.PropertyIR, exc: SymbolicConstError) -> str:
    return (f"the values {prop.name} ranges over (its forall) depend on the symbolic constant {exc}; "
            f"--const {exc}=VALUE gives it a value")


def property_bindings(model: ir.CheckedModel, prop: ir.PropertyIR, bv: bool):
    """(z3 environment, {name: plain value}) for every binding of the property's forall variables."""
    interp = Interp(model)
    syms = [b.sym for b in prop.binders]
    for env in interp.bindings(prop.binders):
        with SV.domain(bv):
            zenv = {s.id: SV.from_code(s.type, env[s.id]) for s in syms}
        yield zenv, {s.name: ir.decode_value(s.type, env[s.id]) for s in syms}, dict(env)


def check_temporal(model: ir.CheckedModel, clock: Clock, depth: int, names=None) -> list[LassoOutcome]:
    """Every temporal property (or those named) searched for a fair lasso up to `depth` steps."""
    props = [p for p in model.properties if names is None or p.name in names]
    if not props:
        return []
    search = LassoSearch(model, clock)
    return [search.check(p, depth) for p in props]


__all__ = ["LassoSearch", "LassoOutcome", "check_temporal", "fair_conditions"]
