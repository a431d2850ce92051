"""Unbounded proofs of temporal properties: liveness to safety, solved by Spacer (CHC).

A temporal property fails iff a fair lasso violates it (checker/engines/explicit/liveness.py
gives the semantics, TLA+'s). Following Biere, Artho and Schuppan, the search
for a lasso becomes a reachability question on a product system whose state
is

    x        the model's state
    saved    a copy of x, taken once, at a moment chosen nondeterministically
    loop     whether the copy was taken (the cycle has begun)
    flags    what the behaviour has done since the copy (and since the start)

and whose steps are the model's steps and stutters. Reaching a state with
`loop`, x equal to `saved` and flags that make the cycle fair and the
property false is reaching the end of a violating lasso; conversely every
lasso gives such a path. "No such state is reachable" (Spacer finds an
inductive invariant of the product) proves the property for every behaviour.

The flags, for the states the cycle steps out of (`saved` up to the one
before the return) and the steps it takes:

    weak instance j      taken_j or disabled in one of them      (one flag)
    strong instance j    taken_j, and enabled in one of them      (two flags)
    always eventually P  P in one of them
    eventually always P  not P in one of them
    P leads_to Q         Q in one of them
and, over the whole behaviour (every state, the stem's too):
    eventually P         P in some state
    P leads_to Q         pending: some state had P and not Q, and Q has not held since

A state where the property cannot be evaluated is itself bad, as in the
explicit engine. Fairness needs each instance of a fair action as a formula
of the state without quantifiers: at most STEP_GROUND parameter values, and
its `choose`s spelled out as a disjunction over at most MAX_CHOICES values
(else the proof is not attempted and says why). The proof also needs
run-time errors unreachable (the caller's business: it asks only then).
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass

import z3

from spec import ir
from spec.interp import SymbolicConstError
from spec.ir import FairnessKind, TemporalKind

from checker.engines.symbolic import values as SV
from checker.engines.symbolic.bmc import Clock
from checker.engines.symbolic.chc import spacer, spacer_unknown
from checker.engines.symbolic.lasso import fair_conditions, per_instance_fair, property_bindings, symbolic_domain
from checker.engines.symbolic.system import STEP_GROUND, System, horn_clause
from checker.engines.symbolic.values import FALSE, TRUE, mk_and, mk_not, mk_or

MAX_CHOICES = 256   # values of a fair instance's choices up to which its enabledness is spelled out


@dataclass
class LiveProof:
    status: str          # proved | reachable | unknown
    reason: str = ""


class LiveHorn:
    """The product system's clauses for one property and one binding of its forall variables."""

    def __init__(self, model: ir.CheckedModel, prop: ir.PropertyIR, env: dict, proved: list[str]):
        self.system = sys_ = System(model, deadlock=False, prefix="lv.")
        enc = sys_.enc
        self.prop = prop
        self.env = env
        x = sys_.state("x")
        self.step = sys_.step(x, 0, "lv", limit=STEP_GROUND)
        # one per fairness condition: (positions of its instances among the step's, weak | strong)
        self.fair = fair_conditions(model, self.step.actions)
        self.obstacle = ""
        self.enabled = {}
        for j in sorted({j for js, _ in self.fair for j in js}):
            a = self.step.actions[j]
            with SV.domain(enc.bv):
                moves = mk_and(a.fires, mk_not(enc.equal_states(a.store, x)))
                self.enabled[j] = _expand_choices(a, moves) if a.fresh else moves
            if self.enabled[j] is None:
                why = (f"`choose` over more than {MAX_CHOICES} values" if a.grounded
                       else f"more than {STEP_GROUND} parameter values")
                what = ("is per instance" if a.index in per_instance_fair(model)
                        else "is a fairness group's member")
                self.obstacle = (f"fairness of {a.action.name} {what}, and it has {why}: not "
                                 f"encoded without quantifiers")
                break
        # flags: [fair_0 (weak: ok; strong: taken, enabled), ...] + property flags
        self.n_fair = sum(1 if kind == FairnessKind.WEAK else 2 for _, kind in self.fair)
        self.n_prop = 2
        props = {p.name: p for p in sys_.props}
        with SV.domain(enc.bv):
            self.known_x = mk_and(enc.state_wf(x), sys_.consts(),
                                  *(sys_.holds(props[n], x) for n in proved if n in props))
        self.x = x
        self.saved = sys_.state("saved")
        self.loop = z3.Bool("lv.loop")
        self.flags = [z3.Bool(f"lv.f{i}") for i in range(self.n_fair + self.n_prop)]
        c_atoms = enc.const_atoms()
        self.c_atoms = c_atoms
        sorts = [a.sort() for a in self._args(x, self.saved, self.loop, self.flags)]
        self.inv = z3.Function("Live", *sorts, z3.BoolSort())

    def _args(self, x, saved, loop, flags) -> list:
        enc = self.system.enc
        return enc.state_atoms(x) + enc.state_atoms(saved) + [loop] + list(flags) + self.c_atoms

    def _live(self, x, saved, loop, flags):
        return self.inv(*self._args(x, saved, loop, flags))

    def _pq(self, state):
        """(P holds, Q holds, P or Q cannot be evaluated) in a state."""
        enc = self.system.enc
        p, perr = enc.evaluate(self.prop.p, state, self.env)
        P = mk_and(mk_not(perr), p)
        if self.prop.q is None:
            return P, FALSE, perr
        q, qerr = enc.evaluate(self.prop.q, state, self.env)
        return P, mk_and(mk_not(qerr), q), mk_or(perr, qerr)

    # ---- flags -----------------------------------------------------------------------------

    def _stem_flag(self, old, P, Q):
        """The whole-behaviour flag after visiting a state: eventually P: P seen; leads_to: pending."""
        kind = self.prop.kind
        if kind == TemporalKind.EVENTUALLY:
            return z3.Or(old, P)
        if kind == TemporalKind.LEADS_TO:
            return z3.And(z3.Or(old, P), z3.Not(Q))
        return FALSE

    def _cycle_flag(self, old, P, Q):
        """The cycle's property flag after stepping out of a state."""
        kind = self.prop.kind
        if kind == TemporalKind.ALWAYS_EVENTUALLY:
            return z3.Or(old, P)
        if kind == TemporalKind.EVENTUALLY_ALWAYS:
            return z3.Or(old, z3.Not(P))
        if kind == TemporalKind.LEADS_TO:
            return z3.Or(old, Q)
        return FALSE

    def _fair_flags(self, old: list, taken: int | None, changes):
        """Fairness flags after stepping out of x by instance `taken` (None: a stutter)."""
        out, i = [], 0
        for js, kind in self.fair:   # a group: enabled when one of its instances is
            enabled = mk_or(*(self.enabled[j] for j in js))
            took = changes if taken in js else FALSE
            if kind == FairnessKind.WEAK:
                out.append(z3.Or(old[i], took, z3.Not(enabled)))
                i += 1
            else:
                out += [z3.Or(old[i], took), z3.Or(old[i + 1], enabled)]
                i += 2
        return out

    # ---- clauses ---------------------------------------------------------------------------

    def rules(self) -> list:
        sys_, enc = self.system, self.system.enc
        out = []
        with SV.domain(enc.bv):
            # init: any saved value, not looping, no cycle flags
            x0 = sys_.state("x0")
            ie = sys_.init(x0, "lv.init")
            P0, Q0, _ = self._pq(x0)
            flags0 = [FALSE] * self.n_fair + [self._stem_flag(FALSE, P0, Q0), FALSE]
            heads = [z3.Bool(f"lv.h0_{i}") for i in range(len(flags0))]
            body = mk_and(sys_.consts(), sys_.init_formula(ie), *(h == f for h, f in zip(heads, flags0)))
            loop0 = z3.Bool("lv.l0")
            out.append(horn_clause(mk_and(body, z3.Not(loop0)), self._live(x0, self.saved, loop0, heads)))
            # a step (an instance, or a stutter), saving x first when `save`
            Px, Qx, _ = self._pq(self.x)
            save = z3.Bool("lv.save")
            moves = [(j, a.fires, a.store) for j, a in enumerate(self.step.actions)] + [(None, TRUE, self.x)]
            for n, (j, fires, store) in enumerate(moves):
                y = sys_.state(f"y{n}")
                s2 = sys_.state(f"s{n}")
                P, Q, _ = self._pq(y)
                changes = mk_not(enc.equal_states(store, self.x))
                start = [z3.If(save, FALSE, f) for f in self.flags]
                fair = self._fair_flags(start[:self.n_fair], j, changes)
                cyc = self._cycle_flag(start[-1], Px, Qx)
                on = z3.Or(self.loop, save)
                kept = self.flags[:self.n_fair] + [self.flags[-1]]
                new = [z3.If(on, f, old) for f, old in zip(fair + [cyc], kept)]
                new.insert(self.n_fair, self._stem_flag(self.flags[self.n_fair], P, Q))
                heads = [z3.Bool(f"lv.h{n + 1}_{i}") for i in range(len(new))]
                body = mk_and(self._live(self.x, self.saved, self.loop, self.flags), self.known_x, fires,
                              enc.same_state(y, store),
                              z3.Implies(save, z3.Not(self.loop)),
                              *(z3.If(save, a == b, a == c) for a, b, c in
                                zip(enc.state_atoms(s2), enc.state_atoms(self.x), enc.state_atoms(self.saved))),
                              *(h == f for h, f in zip(heads, new)))
                loop = z3.Bool(f"lv.l{n + 1}")
                out.append(horn_clause(mk_and(body, loop == on), self._live(y, s2, loop, heads)))
        return out

    def query(self):
        """A state that ends a fair violating lasso, or where the property cannot be evaluated."""
        enc = self.system.enc
        with SV.domain(enc.bv):
            _, _, err = self._pq(self.x)
            fair, i = [], 0
            for _, kind in self.fair:
                if kind == FairnessKind.WEAK:
                    fair.append(self.flags[i])
                    i += 1
                else:
                    fair.append(z3.Or(self.flags[i], z3.Not(self.flags[i + 1])))
                    i += 2
            stem, cyc = self.flags[self.n_fair], self.flags[-1]
            kind = self.prop.kind
            if kind == TemporalKind.ALWAYS:
                P, _, _ = self._pq(self.x)
                closed = z3.Not(P)
            else:
                cond = {TemporalKind.EVENTUALLY: z3.Not(stem), TemporalKind.ALWAYS_EVENTUALLY: z3.Not(cyc),
                        TemporalKind.EVENTUALLY_ALWAYS: cyc, TemporalKind.LEADS_TO: z3.And(stem, z3.Not(cyc))}[kind]
                closed = mk_and(self.loop, enc.equal_states(self.x, self.saved), *fair, cond)
            body = mk_and(self._live(self.x, self.saved, self.loop, self.flags), self.known_x,
                          mk_or(err, closed))
        return horn_clause(body, FALSE)


def _expand_choices(a, moves):
    """`moves` for some value of each of the instance's choices, as a disjunction over their
    values (None when there are more than MAX_CHOICES combinations, or other fresh constants)."""
    choice_atoms = [SV.atoms(c.value, c.type) for c in a.choices]
    if {x.get_id() for atoms in choice_atoms for x in atoms} != {x.get_id() for x in a.fresh}:
        return None
    domains = [SV.codes(c.type) for c in a.choices]
    if math.prod(len(d) for d in domains) > MAX_CHOICES:
        return None
    out = []
    for combo in itertools.product(*domains):
        pairs = [(x, v) for c, atoms, code in zip(a.choices, choice_atoms, combo)
                 for x, v in zip(atoms, SV.atoms(SV.from_code(c.type, code), c.type))]
        out.append(z3.substitute(moves, *pairs))
    return mk_or(*out)


def prove_temporal(model: ir.CheckedModel, clock: Clock, prop: ir.PropertyIR, proved: list[str],
                   budget: float | None = None) -> LiveProof:
    """Spacer on the product system, binding by binding; proved only when every binding is."""
    if prop.kind == TemporalKind.FORMULA:
        return LiveProof("unknown", "not proved: the proof handles the five common shapes of temporal property, "
                                    "not a general formula (the bounded lasso search checks it; "
                                    "--engine explicit checks it at every depth)")
    try:
        bindings = list(property_bindings(model, prop, False))
    except SymbolicConstError as exc:
        return LiveProof("unknown", f"not proved: {symbolic_domain(prop, exc)}")
    horn = LiveHorn(model, prop, {}, proved)    # the step's encoding is the same for every binding
    if horn.obstacle:
        return LiveProof("unknown", f"not proved: {horn.obstacle}")
    for env, shown, _ in bindings:
        horn.env = env
        r, s = spacer(clock, horn.rules() + [horn.query()], budget)
        where = f" (with {', '.join(f'{k} = {v}' for k, v in shown.items())})" if shown else ""
        if r == z3.unsat:
            return LiveProof("reachable", f"Spacer finds a fair behaviour that violates it{where}")
        if r != z3.sat:
            return LiveProof("unknown", f"not proved{where}: {spacer_unknown(s, clock, budget)}")
    return LiveProof("proved")


__all__ = ["prove_temporal", "LiveProof", "LiveHorn"]
