"""Unbounded proofs with constrained Horn clauses, solved by z3's Spacer.

One predicate, Inv(state, symbolic constants), and the clauses

    init:    assumptions(c) and init(x)                       -> Inv(x, c)
    step:    Inv(x, c) and action a fires from x to y          -> Inv(y, c)    (one per action)
    query:   Inv(x, c) and bad_P(x)                            -> false        (per property)
             Inv(x, c) and a fires from x to y != x and not P(x, y) -> false    (step property P)
             assumptions(c) and init errs                      -> false        (runtime)

"sat" means Spacer found an interpretation of Inv: an inductive invariant
that contains every reachable state and no bad one, so the properties hold
at every depth. "unsat" means a bad state is reachable; the trace then comes
from BMC, which finds a shortest one.

Properties are proved one at a time, and each proved invariant, like the
types of the state and the assumptions on the symbolic constants, is added
to the bodies of the step and query clauses: every reachable state satisfies
them, so this is sound, and it spares Spacer rediscovering them (a 64-bit
balance cannot overflow because of conservation, which it need not re-learn). Deadlock freedom is queried with the
actions whose parameters can be enumerated and that do not `choose`; a
proof with fewer actions is still a proof, a counterexample is not.
"""

from __future__ import annotations

from dataclasses import dataclass

import z3

from spec import ir

from checker.core.kinds import Kind
from checker.engines.symbolic.bmc import Clock, reason_of
from checker.engines.symbolic.system import MAX_GROUND, Prop, System, horn_clause
from checker.engines.symbolic.values import FALSE, mk_and, mk_or

MAX_SHOWN = 2000   # characters of an invariant kept for the report
FIRST_ROUND = 3.0   # seconds for each property alone, before they are tried together


@dataclass
class CHCOutcome:
    proved: list           # prop names
    reachable: list        # prop names whose bad states are reachable
    unknown: dict          # prop name -> reason
    invariants: dict = None  # prop name -> the inductive invariant Spacer found, readable

    def __post_init__(self):
        if self.invariants is None:
            self.invariants = {}


class Horn:
    """The clauses of one model, built once; `solve(props)` runs Spacer on some of its queries."""

    def __init__(self, model: ir.CheckedModel, clock: Clock, deadlock: bool, refinements: tuple = ()):
        self.system = System(model, deadlock, prefix="h.", refinements=refinements)
        self.clock = clock
        enc = self.system.enc
        x = self.system.state("x")
        self.x = x
        self.c_atoms = enc.const_atoms()
        sorts = [a.sort() for a in enc.state_atoms(x) + self.c_atoms]
        self.inv = z3.Function("Inv", *sorts, z3.BoolSort())
        init = self.system.init(self.system.state("x0"))
        self.init_rule = horn_clause(mk_and(self.system.consts(), self.system.init_formula(init)),
                                      self._inv(init.state))
        # symbolic parameters: fewer clauses, which Spacer handles better than one per value
        self.step = self.system.step(x, 0, "h", ground=False)
        self.known = mk_and(enc.state_wf(x), self.system.consts())   # true in every reachable state
        self.init_err = mk_and(self.system.consts(), self.system.init_error(init))
        self.init = init
        self.dead = None
        self.dead_exact = True

    def _inv(self, state):
        return self.inv(*(self.system.enc.state_atoms(state) + self.c_atoms))

    def bad(self, p: Prop):
        """The query body of a property: a reachable state where it fails."""
        if p.kind == Kind.INVARIANT:
            return mk_and(self._inv(self.x), self.system.bad(p, self.step))
        expanded = self.system.in_model(self.x)   # a state failing a constraint runs no action
        if p.kind == Kind.RUNTIME:
            return mk_or(mk_and(self._inv(self.x), expanded, self.step.err()), self.init_err)
        if p.kind == Kind.STEP:   # a reachable state with a step out of it that breaks the property
            return mk_and(self._inv(self.x), expanded, self.system.bad(p, self.step))
        if p.kind == Kind.REFINEMENT:   # the same, or an initial state that does not map to an initial one
            bad_init = mk_and(self.system.consts(), self.system.init_formula(self.init),
                              self.system.refinement_init_bad(p, self.init.state))
            return mk_or(mk_and(self._inv(self.x), self.system.bad(p, self.step)), bad_init)
        if self.dead is None:
            d = self.system.deadlock(self.system.step(self.x, 0, "hd", limit=MAX_GROUND), exact=False)
            self.dead, self.dead_exact = d.formula, d.exact
        return mk_and(self._inv(self.x), expanded, self.dead)

    def rules(self, known):
        out = [self.init_rule]
        enc = self.system.enc
        expanded = self.system.in_model(self.x)   # the constrained transition relation
        for i, a in enumerate(self.step.actions):
            y = self.system.state(f"y{i}")
            body = mk_and(self._inv(self.x), known, expanded, a.fires, enc.same_state(y, a.store))
            out.append(horn_clause(body, self._inv(y)))
        return out

    def solve(self, props: list[Prop], proved: list[Prop] = (), budget: float | None = None):
        """(z3 result, solver) of Spacer on the query "some prop fails in a reachable state"."""
        known = mk_and(self.known, *(self.system.holds(p, self.x) for p in proved))
        clauses = self.rules(known) + [horn_clause(mk_and(known, mk_or(*(self.bad(p) for p in props))), FALSE)]
        return spacer(self.clock, clauses, budget)

    def readable(self, s) -> str:
        """Spacer's invariant with the state's names in place of the predicate's arguments."""
        try:
            interp = s.model()[self.inv.translate(s.ctx)]
            body = interp.else_value() if isinstance(interp, z3.FuncInterp) else interp
            if body is None:
                return ""
            names = [z3.Const(str(a).replace("h.", "").replace("@x", ""), a.translate(s.ctx).sort())
                     for a in self.system.enc.state_atoms(self.x) + self.c_atoms]
            text = str(z3.simplify(z3.substitute_vars(body, *names)))
        except (z3.Z3Exception, IndexError, AttributeError):
            return ""
        return text if len(text) <= MAX_SHOWN else text[:MAX_SHOWN] + " ..."


def spacer(clock: Clock, clauses: list, budget: float | None = None):
    """(z3 result, solver) of Spacer on Horn clauses, in a z3 context of their own.

    Spacer's search depends on the order of the terms it is given, which in the shared context
    depends on every term made before, in this run or an earlier one in the same process: with a
    resource limit the verdict would depend on that history (a proof found in 8 s in a fresh
    process took over a minute after other queries). Ctrl-C and the deadline interrupt it too
    (`Clock.check`, `stop`)."""
    ctx = z3.Context()
    s = z3.SolverFor("HORN", ctx=ctx)
    for c in clauses:
        s.add(c.translate(ctx))
    return clock.check(s, budget=budget), s

def prove(model: ir.CheckedModel, clock: Clock, props: list[Prop], deadlock: bool,
          query_seconds: float | None = None, assumed: tuple[str, ...] = (),
          stop_at_first: bool = False, rounds: str = "all", refinements: tuple = ()) -> CHCOutcome:
    """Spacer on the properties, with invariants proved so far (here or by `assumed`) as known facts.

    Rounds with growing budgets, because Spacer is sometimes quick on one property and
    sometimes only on their conjunction: each property alone for a few seconds (invariants
    first), then the ones left together, then each of those alone with the time that is left.
    rounds="first" runs only the first round, "rest" only the others.
    """
    horn = Horn(model, clock, deadlock, refinements)
    by_name = {p.name: p for p in horn.system.props}
    todo = sorted((by_name[p.name] for p in props), key=lambda p: p.kind != Kind.INVARIANT)
    proved = [by_name[n] for n in assumed if n in by_name and by_name[n].kind == Kind.INVARIANT]
    out = CHCOutcome([], [], {})

    def budget(share: float, cap: float | None) -> float | None:
        left = clock.left()
        if left is None:
            return cap
        return max(0.1, left * share) if cap is None else min(cap, max(0.1, left * share))

    def attempt(group: list[Prop], seconds) -> str:
        r, s = horn.solve(group, proved, seconds)
        if r == z3.sat:
            for p in group:
                out.proved.append(p.name)
                out.unknown.pop(p.name, None)
                if p.kind == Kind.INVARIANT:
                    proved.append(p)
            text = horn.readable(s)
            if text:
                out.invariants[" and ".join(p.name for p in group)] = text
        elif len(group) == 1:
            _one(horn, out, group[0], r, s, clock, seconds)
        return "sat" if r == z3.sat else "unsat" if r == z3.unsat else "unknown"

    for p in todo if rounds != "rest" else ():
        attempt([p], budget(1 / max(1, len(todo)), FIRST_ROUND))
        if stop_at_first and out.reachable:  # BMC finds its trace and any others as short
            return out
    if rounds == "first":
        return out
    left = [p for p in todo if p.name in out.unknown or rounds == "rest"]
    if len(left) > 1 and not clock.expired():
        attempt(left, budget(0.5, query_seconds))
    for p in [p for p in left if p.name in out.unknown]:
        if clock.expired():
            break
        attempt([p], budget(1 / max(1, len(left)), query_seconds))
    return out


def _one(horn: Horn, out: CHCOutcome, p: Prop, r, s, clock: Clock, budget) -> None:
    if r == z3.sat:
        out.proved.append(p.name)
    elif r == z3.unsat and (p.kind != Kind.DEADLOCK or horn.dead_exact):
        out.reachable.append(p.name)
    elif r == z3.unsat:
        out.unknown[p.name] = ("Spacer left out actions it cannot enumerate, and without them a deadlock is "
                               "reachable")
    else:
        out.unknown[p.name] = spacer_unknown(s, clock, budget)


def spacer_unknown(s, clock: Clock, budget) -> str:
    """Why Spacer returned unknown: the run's time limit, the query's budget, or z3's reason."""
    if clock.expired():
        return "the time limit was reached before Spacer found a proof or a counterexample"
    if budget is not None and clock.rlimit is None and "timeout" in (reason_of(s) + s.reason_unknown()):
        return f"Spacer found neither a proof nor a counterexample in {budget:.0f} s"
    return clock.reason(s)


__all__ = ["prove", "CHCOutcome", "Horn", "spacer", "spacer_unknown"]
