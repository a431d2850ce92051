"""Bounded model checking: one incremental z3 solver, one depth at a time.

The solver holds the initial-state formula and the transitions added so far.
At depth d each pending property's "bad" condition in state d is asked under
a fresh assumption literal, so the solver keeps what it learnt and the first
violation found is a shortest one: invariants and deadlock at d give traces
of d steps, a run-time error in a step from state d a trace of d + 1, the
same lengths the explicit engine's breadth-first search finds. Only then is
the transition from d to d + 1 added. Invariants found to hold at a depth are
asserted there, and a property that cannot fail one step after the
invariants known at the previous depth is not asked of the whole unrolling
(`BMC._one_step`): with inductive invariants every depth costs about the same.

When no violation is found up to the bound, `complete` asks whether any
loop-free path is longer than the bound; if none is, every reachable state
was within it and the properties hold.
"""

from __future__ import annotations

import dataclasses
import time
from dataclasses import dataclass

import z3

from spec import ir

from checker.core.kinds import Kind
from checker.core.limits import Stopped

from checker.engines.symbolic.system import InitEnc, Prop, StepEnc, System, nonlinear, simple_path
from checker.engines.symbolic.traces import Decoder, Minimizer, minimize
from checker.engines.symbolic.values import mk_and


@dataclass
class Found:
    """What a query found: a violation with its trace, or z3's unknown with the reason."""

    prop: Prop
    status: str                  # violated | unknown
    trace: object = None
    reason: str = ""
    depth: int = 0


NO_TIMEOUT = 4294967295   # z3's "no timeout" (the largest unsigned)


class Clock:
    """The limits of a run, shared by every query: the time left of a --timeout, z3's resource
    limit per query (--rlimit), Ctrl-C (see `stop`)."""

    def __init__(self, timeout: float | None, rlimit: int | None = None):
        self.start = time.perf_counter()
        self.timeout = timeout
        self.deadline = None if timeout is None else self.start + timeout
        self.rlimit = rlimit
        self.interrupted = False     # Ctrl-C was pressed (set by `stop.watching`)
        self.running: list = []      # the solvers inside `check` now: what `stop`'s watchdog interrupts
        self.queries = 0
        self.solver_seconds = 0.0

    def left(self) -> float | None:
        return None if self.deadline is None else self.deadline - time.perf_counter()

    def expired(self) -> bool:
        return self.deadline is not None and time.perf_counter() >= self.deadline

    def poll(self) -> None:
        """Raises KeyboardInterrupt after Ctrl-C, Stopped once the time is up."""
        if self.interrupted:
            raise KeyboardInterrupt
        if self.expired():
            raise Stopped(f"time limit of {self.timeout:g}s reached")

    def check(self, solver, *assumptions, budget: float | None = None):
        """solver.check with the time that is left (at most budget); 'unknown' when none is.

        With a resource limit, every query gets that many of z3's resource units instead of
        `budget` seconds: the verdict is the same on any machine, however busy."""
        if self.interrupted:
            raise KeyboardInterrupt
        # z3's own Ctrl-C handler would take the signal from Python for the query, cancel it alone,
        # and the run would go on: Ctrl-C is `stop.watching`'s, which stops the whole run
        solver.set("ctrl_c", False)
        if self.rlimit is not None:
            solver.set("rlimit", self.rlimit)
            budget = None
        left = self.left()
        if budget is not None:
            left = budget if left is None else min(left, budget)
        if left is not None and left <= 0:
            return z3.unknown
        # set on every query: a solver keeps the timeout of its last budgeted one
        solver.set("timeout", NO_TIMEOUT if left is None else max(1, int(left * 1000)))
        # registered before the last look at Ctrl-C: either that look sees it, or the watchdog sees
        # this solver (and interrupts it again each half second, in case the query had not begun)
        self.running.append(solver)
        t0 = time.perf_counter()
        try:
            if self.interrupted:
                raise KeyboardInterrupt
            return solver.check(*assumptions)
        finally:
            self.running.remove(solver)
            self.queries += 1
            self.solver_seconds += time.perf_counter() - t0
            if self.interrupted:
                raise KeyboardInterrupt

    def reason(self, solver) -> str:
        """Why a query of this run returned unknown (`reason_of`, knowing the run's limits)."""
        if self.expired():
            return f"time limit of {self.timeout:g}s reached"
        why = _unknown(solver)
        if self.rlimit is not None and (why == "canceled" or "resource limit" in why):
            return f"unknown (resource limit): z3 used up its resource limit of {self.rlimit} (--rlimit)"
        return reason_of(solver)


def _unknown(solver) -> str:
    try:
        return solver.reason_unknown()
    except z3.Z3Exception:
        return ""


def reason_of(solver) -> str:
    r = _unknown(solver)
    if r in ("timeout", "canceled", "interrupted"):
        return "z3 gave up: the time limit was reached"
    if "Uninterpreted 'div'" in r or "Uninterpreted 'mod'" in r:
        return "z3 returned unknown: Spacer does not handle division or remainder by a variable"
    r = r.strip().splitlines()[0] if r.strip() else ""
    return f"z3 returned unknown: {r}" if r else "z3 returned unknown"


ONE_STEP_SECONDS = 2.0   # the most a one-step query (`BMC._one_step`) may take before the full one is asked


class OneStep:
    """Two arbitrary states of the model's types, one step apart, for `BMC._one_step`."""

    def __init__(self, system: System):
        self.system = system
        self.solver = z3.Solver()
        self.solver.add(system.consts())
        self.states = [system.state("one.0"), system.state("one.1")]
        for x in self.states:
            self.solver.add(system.enc.state_wf(x))
        self.solver.add(system.transition(system.step(self.states[0], 0, "one.0"), self.states[1]))
        self.goal = system.step(self.states[1], 1, "one.1")
        self.lits: dict = {}

    def holds(self, name: str, i: int):
        key = (name, i)
        if key not in self.lits:
            p = next(q for q in self.system.props if q.name == name)
            lit = self.lits[key] = z3.Bool(f"one.holds.{name}.{i}")
            self.solver.add(z3.Implies(lit, self.system.holds(p, self.states[i])))
        return self.lits[key]

    def bad(self, p: Prop):
        key = (p.name, "bad")
        if key not in self.lits:
            lit = self.lits[key] = z3.Bool(f"one.bad.{p.name}")
            self.solver.add(z3.Implies(lit, self.system.bad(p, self.goal)))
        return self.lits[key]


class BMC:
    """An incremental unrolling from the initial states; `check_depth(d)` looks for violations at d."""

    def __init__(self, model: ir.CheckedModel, clock: Clock, deadlock: bool = True, minimize: bool = True,
                 engine: str = "bmc", bv: bool | None = None, refinements: tuple = ()):
        self.system = System(model, deadlock, bv=nonlinear(model) if bv is None else bv, refinements=refinements)
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
        # Asserting the invariants found to hold at each depth (sound: they hold in every state
        # at that depth) makes the next depths' questions about them nearly one step deep.
        self.learn = True
        self._local: dict = {}             # (prop, invariants before, invariants now) -> one step rules it out
        self._side: OneStep | None = None
        self.shortcuts = 0                 # queries answered by `_one_step`
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
            if p.name in names and p.kind == Kind.INVARIANT and p not in self.facts:
                self.facts.append(p)
                for st in self.states[:self.linked + 1]:
                    self.solver.add(self.system.holds(p, st))

    def _ask(self, bad) -> z3.CheckSatResult:
        lit = z3.FreshBool("bad")
        self.solver.add(z3.Implies(lit, bad))
        self._lit = lit
        return self.clock.check(self.solver, lit)

    def check_init(self, props: list[Prop]) -> list[Found]:
        """A run-time error in `init` (a runtime violation before any state).

        Asked of a solver of its own, on an encoding of init of its own: the main solver
        assumes that init ran without error to state 0, and its choices are state 0's, so it
        could never show a way through init that fails (nor one when every way fails).
        """
        out = []
        for p in props:
            if p.kind != Kind.RUNTIME:
                continue
            solver = z3.Solver()
            solver.add(self.system.consts())
            ie = self.system.init(self.system.state("init.err"), "init.err")
            solver.add(mk_and(ie.enc.wf, self.system.init_error(ie)))
            r = self.clock.check(solver)
            if r == z3.sat:
                m = self._init_model(solver, ie)
                out.append(Found(p, "violated", self.decoder.init_error(m, p), depth=0))
            elif r == z3.unknown:
                out.append(Found(p, "unknown", reason=self.clock.reason(solver), depth=0))
        self.checked = max(self.checked, -1)
        return out

    def _init_model(self, solver: z3.Solver, ie: InitEnc) -> z3.ModelRef:
        if not self.minimize:
            return solver.model()
        mz = Minimizer(solver, [], self.clock)
        for c in self.system.model.symbolic_consts():
            mz.value(self.system.enc.consts[c.name], c.type)
        for ch in ie.enc.choices:
            mz.value(ch.value, ch.type)
        return mz.model()

    def check_depth(self, d: int, props: list[Prop]) -> list[Found]:
        """Violations of props at depth d (a shortest one each), or unknowns.

        Invariants are asked first, and each found to hold at d is asserted there: that is
        sound (every state at depth d satisfies it) and turns the next depths into nearly
        one-step questions. A property that cannot fail one step after a state satisfying the
        invariants known at d - 1, in a state satisfying those known at d, is not asked of the
        whole unrolling at all (`_one_step`). A refinement's initial state is asked at depth 0
        before its first steps (`_refinement_init`).
        """
        self._extend(d)
        st = self._step(d)
        out = []
        for p in sorted(props, key=lambda p: p.kind != Kind.INVARIANT):
            if p.kind == Kind.REFINEMENT and d == 0:
                found = self._refinement_init(p)
                if found is not None:
                    out.append(found)
                    continue
            if self._one_step(p, d):
                r = z3.unsat
                self.shortcuts += 1
            else:
                r = self._ask(self.system.bad(p, st))
            if r == z3.sat:
                m = self._model(self.steps, d, p)
                trace = self.decoder.violation(m, p, self.init, self.states[:d + 1], self.steps[:d + 1])
                out.append(Found(p, "violated", trace, depth=d))
            elif r == z3.unknown:
                out.append(Found(p, "unknown", reason=self.clock.reason(self.solver), depth=d))
            else:
                self._learn(d, [p])
        self.checked = max(self.checked, d)
        return out

    def _refinement_init(self, p: Prop) -> Found | None:
        """A violation of refinement p by an initial state (its trace: that state), or None."""
        r = self._ask(self.system.refinement_init_bad(p, self.states[0]))
        if r == z3.unknown:
            return Found(p, "unknown", reason=self.clock.reason(self.solver), depth=0)
        if r == z3.unsat:
            return None
        part = dataclasses.replace(p, part="init")
        m = self._model(self.steps, 0, part)
        return Found(p, "violated", self.decoder.violation(m, part, self.init, self.states[:1], self.steps[:1]),
                     depth=0)

    def _learn(self, d: int, props: list[Prop]) -> None:
        for p in props if self.learn else ():
            if p.kind == Kind.INVARIANT and (p.name, d) not in self.learnt:
                self.learnt.add((p.name, d))
                self.solver.add(self.system.holds(p, self.states[d]))

    def _one_step(self, p: Prop, d: int) -> bool:
        """Whether p cannot fail at depth d, judged from the invariants known at d - 1 and d.

        Every state at depth d satisfies the invariants learnt (or assumed) at d and has a
        predecessor satisfying those learnt at d - 1; if no such pair of arbitrary states lets
        p fail, no reachable one does. One small query per property and set of invariants, in
        a separate solver, instead of a query over the whole unrolling, which grows with the
        depth (the run-time-error and deadlock queries most: nothing is learnt about them).
        """
        if d < 1 or not self.learn:
            return False
        names = [q.name for q in self.props if q.kind == Kind.INVARIANT]
        facts = {q.name for q in self.facts}
        before = frozenset(n for n in names if (n, d - 1) in self.learnt or n in facts)
        now = frozenset(n for n in names if ((n, d) in self.learnt or n in facts) and n != p.name)
        if not before:
            return False
        key = (p.name, before, now)
        if key not in self._local:
            self._local[key] = self._ask_one_step(p, before, now)
        return self._local[key]

    def _ask_one_step(self, p: Prop, before: frozenset, now: frozenset) -> bool:
        if self._side is None:
            self._side = OneStep(self.system)
        side = self._side
        lits = [side.holds(n, 0) for n in sorted(before)] + [side.holds(n, 1) for n in sorted(now)]
        r = self.clock.check(side.solver, side.bad(p), *lits, budget=ONE_STEP_SECONDS)
        return r == z3.unsat

    def _model(self, steps, d: int, p: Prop) -> z3.ModelRef:
        if not self.minimize:
            return self.solver.model()
        mz = Minimizer(self.solver, [self._lit], self.clock)
        return minimize(mz, self.system, self.init, self.steps, d, p)

    def complete(self, d: int, budget: float | None = None) -> str:
        """'yes' when no loop-free path from an initial state has more than d steps, else 'no' or 'unknown'.

        `budget` caps the query's seconds: it only upgrades "bounded" to "exhaustive", so it is
        not worth more than the search it completes.
        """
        self._extend(d + 1)
        parts = [simple_path(self.system, self.states[:d + 2], j) for j in range(1, d + 2)]
        lit = z3.FreshBool("simple")
        self.solver.add(z3.Implies(lit, z3.And(*parts) if parts else z3.BoolVal(True)))
        r = self.clock.check(self.solver, lit, budget=budget)
        return "yes" if r == z3.unsat else "no" if r == z3.sat else "unknown"


__all__ = ["BMC", "Clock", "Found", "reason_of"]
