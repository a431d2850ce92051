"""Bounded model checking: one incremental z3 solver, one depth at a time.

The solver holds the initial-state formula and the transitions added so far.
At depth d each pending property's "bad" condition in state d is asked under
a fresh assumption literal, so the solver keeps what it learnt and the first
violation found is a shortest one: invariants and deadlock at d give traces
of d steps, a run-time error in a step from state d a trace of d + 1, the
same lengths the explicit engine's breadth-first search finds. Only then is
the transition from d to d + 1 added.

When no violation is found up to the bound, `complete` asks whether any
loop-free path is longer than the bound; if none is, every reachable state
was within it and the properties hold.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import z3

from spec import ir

from .system import RUNTIME, InitEnc, Prop, StepEnc, System, nonlinear, simple_path
from .values import mk_or
from .traces import Decoder, Minimizer, minimize


@dataclass
class Found:
    """What a query found: a violation with its trace, or z3's unknown with the reason."""

    prop: Prop
    status: str                  # violated | unknown
    trace: object = None
    reason: str = ""
    depth: int = 0


class Clock:
    """The time left of a --timeout, shared by every query of a run."""

    def __init__(self, timeout: float | None):
        self.start = time.perf_counter()
        self.deadline = None if timeout is None else self.start + timeout
        self.queries = 0
        self.solver_seconds = 0.0

    def left(self) -> float | None:
        return None if self.deadline is None else self.deadline - time.perf_counter()

    def expired(self) -> bool:
        return self.deadline is not None and time.perf_counter() >= self.deadline

    def check(self, solver, *assumptions, budget: float | None = None):
        """solver.check with the time that is left (at most budget); 'unknown' when none is."""
        left = self.left()
        if budget is not None:
            left = budget if left is None else min(left, budget)
        if left is not None:
            if left <= 0:
                return z3.unknown
            solver.set("timeout", max(1, int(left * 1000)))
        t0 = time.perf_counter()
        try:
            return solver.check(*assumptions)
        finally:
            self.queries += 1
            self.solver_seconds += time.perf_counter() - t0


def reason_of(solver) -> str:
    try:
        r = solver.reason_unknown()
    except z3.Z3Exception:
        r = ""
    if r in ("timeout", "canceled"):
        return "z3 gave up: the time limit was reached"
    return f"z3 returned unknown: {r}" if r else "z3 returned unknown"


class BMC:
    """An incremental unrolling from the initial states; `check_depth(d)` looks for violations at d."""

    def __init__(self, model: ir.CheckedModel, clock: Clock, deadlock: bool = True, minimize: bool = True,
                 engine: str = "bmc", bv: bool | None = None):
        self.system = System(model, deadlock, bv=nonlinear(model) if bv is None else bv)
        self.clock = clock
        self.minimize = minimize
        self.decoder = Decoder(self.system, engine)
        self.solver = z3.Solver()
        self.solver.add(self.system.consts())
        self.states = [self.system.state("0")]
        self.init: InitEnc = self.system.init(self.states[0])
        self.solver.add(self.system.init_formula(self.init))
        self.steps: list[StepEnc] = []     # steps[i]: the actions from state i
        self.linked = 0                    # transitions asserted: states 0..linked are a path
        self.checked = -2                  # deepest depth whose properties were all asked (-1: init)
        self.learnt: set = set()           # (invariant, depth) asserted after it was found to hold
        self.facts: list[Prop] = []        # invariants proved by another engine, asserted in every state
        # Asking for any violation first was measured slower on the models in models/, so off.
        # Asserting the invariants found to hold at each depth (sound: they hold in every state
        # at that depth) makes the next depths' questions about them nearly one step deep.
        self.combined = False
        self.learn = True
        self.functional = True             # next states as terms of the previous ones

    @property
    def props(self) -> list[Prop]:
        return self.system.props

    def _step(self, i: int) -> StepEnc:
        while len(self.steps) <= i:
            j = len(self.steps)
            self.steps.append(self.system.step(self.states[j], j, str(j)))
        return self.steps[i]

    def _extend(self, d: int) -> None:
        """Asserts the transitions up to state d."""
        while self.linked < d:
            i = self.linked
            st = self._step(i)
            if self.functional:
                nxt, fires = self.system.successor(st)
                self.states.append(nxt)
                self.solver.add(fires)
            else:
                if len(self.states) <= i + 1:
                    self.states.append(self.system.state(str(i + 1)))
                self.solver.add(self.system.transition(st, self.states[i + 1]))
            self.linked += 1
            for p in self.facts:
                self.solver.add(self.system.holds(p, self.states[i + 1]))

    def assume(self, names) -> None:
        """Invariants proved for every reachable state (by another engine) hold in every state here too."""
        for p in self.props:
            if p.name in names and p.kind == "invariant" and p not in self.facts:
                self.facts.append(p)
                for st in self.states[:self.linked + 1]:
                    self.solver.add(self.system.holds(p, st))

    def _ask(self, bad) -> z3.CheckSatResult:
        lit = z3.FreshBool("bad")
        self.solver.add(z3.Implies(lit, bad))
        self._lit = lit
        return self.clock.check(self.solver, lit)

    def check_init(self, props: list[Prop]) -> list[Found]:
        """A run-time error in `init` (a runtime violation before any state)."""
        out = []
        for p in props:
            if p.kind != RUNTIME:
                continue
            r = self._ask(self.system.init_error(self.init))
            if r == z3.sat:
                m = self._model([], -1, p)
                out.append(Found(p, "violated", self.decoder.init_error(m, p), depth=0))
            elif r == z3.unknown:
                out.append(Found(p, "unknown", reason=reason_of(self.solver), depth=0))
        self.checked = max(self.checked, -1)
        return out

    def check_depth(self, d: int, props: list[Prop]) -> list[Found]:
        """Violations of props at depth d (a shortest one each), or unknowns.

        One query asks for any of them first; only when it is satisfiable is each asked on its
        own. Invariants found to hold at d are then asserted there: that is sound (every state
        at depth d satisfies them) and turns the next depths into nearly one-step questions.
        """
        self._extend(d)
        st = self._step(d)
        bads = {p.name: self.system.bad(p, st) for p in props}
        if self.combined and len(props) > 1:
            r = self._ask(mk_or(*bads.values()))
            if r == z3.unsat:
                self._learn(d, props)
                return []
        out = []
        for p in props:
            r = self._ask(bads[p.name])
            if r == z3.sat:
                m = self._model(self.steps, d, p)
                trace = self.decoder.violation(m, p, self.init, self.states[:d + 1], self.steps[:d + 1])
                out.append(Found(p, "violated", trace, depth=d))
            elif r == z3.unknown:
                out.append(Found(p, "unknown", reason=reason_of(self.solver), depth=d))
        self.checked = max(self.checked, d)
        if not out:
            self._learn(d, props)
        return out

    def _learn(self, d: int, props: list[Prop]) -> None:
        self.checked = max(self.checked, d)
        for p in props if self.learn else ():
            if p.kind == "invariant" and (p.name, d) not in self.learnt:
                self.learnt.add((p.name, d))
                self.solver.add(self.system.holds(p, self.states[d]))

    def _model(self, steps, d: int, p: Prop) -> z3.ModelRef:
        if not self.minimize:
            return self.solver.model()
        mz = Minimizer(self.solver, [self._lit], self.clock.deadline)
        if d < 0:
            for c in self.system.model.symbolic_consts():
                mz.value(self.system.enc.consts[c.name], c.type)
            for ch in self.init.enc.choices:
                mz.value(ch.value, ch.type)
            return mz.model()
        return minimize(mz, self.system, self.init, self.steps, d, p)

    def complete(self, d: int) -> str:
        """'yes' when no loop-free path from an initial state has more than d steps, else 'no' or 'unknown'."""
        self._extend(d + 1)
        parts = [simple_path(self.system, self.states[:d + 2], j) for j in range(1, d + 2)]
        lit = z3.FreshBool("simple")
        self.solver.add(z3.Implies(lit, z3.And(*parts) if parts else z3.BoolVal(True)))
        r = self.clock.check(self.solver, lit)
        return "yes" if r == z3.unsat else "no" if r == z3.sat else "unknown"


__all__ = ["BMC", "Clock", "Found", "reason_of"]
