"""The model as a transition system over z3 terms, and the formula helpers the engines share.

`System` owns one `Encoder` and gives, for states made of fresh z3
constants: the initial-state formula, one step (with a selector saying which
action fired), and the "bad" condition of every property in a state:

    invariant I   not I(s)
    step P        some action instance from s fires to a different state s' where not P(s, s')
    refines A     s maps into A's reachable states, and some action instance from s fires to an
                  s' whose mapping fails or is neither a stutter nor a reachable step of A (and,
                  asked apart at depth 0, the initial state does not map to one of A: see
                  `checker.engines.symbolic.refinement`)
    runtime       some action instance from s (or `init`) reaches a run-time error
    deadlock      no action instance from s fires or errs

Small helpers build what the engines assert: `transition` and `successor`
(one step, relational or as next-state terms), `simple_path` (the states of
a path are pairwise different, which makes k-induction complete) and
`hypothesis` (the invariants hold in a state of the path).
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass

import z3

from spec import ir

from checker.core.kinds import Kind
from checker.core.properties import where_of
from checker.engines.symbolic import stop
from checker.engines.symbolic import values as SV
from checker.engines.symbolic.encoder import ActionEnc, Encoder
from checker.engines.symbolic.values import FALSE, TRUE, mk_and, mk_not, mk_or

MAX_GROUND = 4096   # parameter values per action up to which deadlock is encoded without quantifiers
STEP_GROUND = 64    # parameter values per action up to which a step has one instance per value
HYPOTHESES = (Kind.INVARIANT, Kind.REFINEMENT)   # the kinds whose `System.holds` is a k-induction hypothesis


@dataclass
class Prop:
    name: str
    kind: str                  # invariant | deadlock | runtime
    where: str | None
    inv: ir.InvariantIR | None = None
    shown: str = ""            # the kind reported (an invariant may be a "converge" one)
    step: ir.StepPropertyIR | None = None   # a step property (kind "step")
    ref: object = None         # a refinement (kind "refinement"): its `RefinementEnc`
    part: str = ""             # "init": a refinement's initial-state part (asked apart, at depth 0)


@dataclass
class StepEnc:
    """The actions from one state, and the selector of the one that fires."""

    index: int
    state: list
    actions: list[ActionEnc]
    selector: z3.ArithRef

    def err(self) -> z3.BoolRef:
        return mk_or(*(a.err for a in self.actions))


@dataclass
class InitEnc:
    enc: ActionEnc
    state: list


@dataclass
class Deadlock:
    formula: z3.BoolRef        # the state is a deadlock
    exact: bool = True         # False: an over-approximation (some actions could not be grounded)
    quantified: bool = False


class System:
    """A checked model as init, steps and properties over z3 terms (one per engine run)."""

    def __init__(self, model: ir.CheckedModel, deadlock: bool = True, prefix: str = "", bv: bool = False,
                 refinements: tuple = ()):
        self.model = model
        self.refinements = tuple(refinements)   # `RefinementEnc`s: the refinements checked here
        self.enc = Encoder(model, prefix, bv)
        self.prefix = prefix
        self.props: list[Prop] = [Prop(i.name, Kind.INVARIANT, where_of(i.span), i, getattr(i, "kind", Kind.INVARIANT))
                                  for i in model.invariants]
        self.props += [Prop(sp.name, Kind.STEP, where_of(sp.span), step=sp) for sp in model.step_properties]
        self.props += [Prop(r.name, Kind.REFINEMENT, where_of(r.r.span), ref=r) for r in self.refinements]
        if deadlock:
            self.props.append(Prop(Kind.DEADLOCK, Kind.DEADLOCK, None))
        self.props.append(Prop(Kind.RUNTIME, Kind.RUNTIME, None))
        self._ids = itertools.count()
        self.warnings: list[str] = []
        self.ground = {a.name: _ground_count(a) for a in model.actions}
        self._mapped: dict = {}   # (refinement, id(state)) -> (state, values, err, matches)
        self._after: dict = {}    # (refinement, id(state)) -> (state, `RefinementEnc.after` of it)

    # ---- states and steps ------------------------------------------------------------------

    def state(self, name: str) -> list:
        return self.enc.fresh_state(name)

    def consts(self) -> z3.BoolRef:
        return self.enc.const_constraints()

    def init(self, state: list, tag: str = "init") -> InitEnc:
        return InitEnc(self.enc.init(tag), state)

    def init_formula(self, ie: InitEnc) -> z3.BoolRef:
        """The state is an initial state (init ran without error on some path) that satisfies the
        state constraints (one that fails them is dropped)."""
        return mk_and(ie.enc.fires, self.enc.same_state(ie.state, ie.enc.store), self.in_model(ie.state))

    def in_model(self, state: list) -> z3.BoolRef:
        """The state satisfies every state constraint (`ir.ConstraintIR`: one that cannot be evaluated
        is false), so the search expands it. Every step asserts it of the state it leaves, never of
        the state it reaches: a path's last state may fail it and its invariants are still checked,
        as the explicit engine checks a successor it does not keep. With that, the transition
        relation is the constrained one, whose reachable states are exactly those the explicit
        engine checks, and k-induction and Spacer prove the invariants over them."""
        parts = []
        for c in self.model.constraints:
            value, err = self.enc.evaluate(c.cond, state)
            parts.append(mk_and(mk_not(err), value))
        return mk_and(*parts)

    def step(self, state: list, index: int, tag: str, ground: bool = True, limit: int = STEP_GROUND) -> StepEnc:
        """The actions from a state: one instance per parameter value when there are few.

        Constant parameters make map keys constant, so most of the encoding simplifies
        away; the selector then picks an instance (action, parameters) in canonical order.
        """
        actions = []
        for i, a in enumerate(self.model.actions):
            stop.poll()     # encoding a step can take seconds: the limits hold meanwhile
            count = self.ground[a.name]
            if ground and count is not None and count <= limit and a.params:
                with SV.domain(self.enc.bv):
                    values = list(_param_values(a))
                for j, params in enumerate(values):
                    enc = self.enc.action(a, state, f"{tag}.{j}", params)
                    enc.index, enc.grounded = i, True
                    actions.append(enc)
            else:
                enc = self.enc.action(a, state, tag)
                enc.index, enc.grounded = i, not a.params
                actions.append(enc)
        return StepEnc(index, state, actions, z3.Int(f"{self.prefix}action@{tag}"))

    def transition(self, st: StepEnc, nxt: list) -> z3.BoolRef:
        """One action fires from st's state and nxt is its next state; the selector names it."""
        n = len(st.actions)
        if n == 0:
            return FALSE
        parts = [z3.And(0 <= st.selector, st.selector < n), self.in_model(st.state)]
        for i, a in enumerate(st.actions):
            parts.append(z3.Implies(st.selector == i, mk_and(a.fires, self.enc.same_state(nxt, a.store))))
        return mk_and(*parts)

    def successor(self, st: StepEnc) -> tuple[list, z3.BoolRef]:
        """(the next state as terms, the condition that the selected instance fires).

        The functional form of `transition`: no new constants for the next state, each of its
        terms an `ite` over the instances that change it.
        """
        enc = self.enc
        n = len(st.actions)
        if n == 0:
            return st.state, FALSE
        with SV.domain(enc.bv):
            atoms = enc.state_atoms(st.state)
            merged = list(atoms)
            for i in range(n - 1, -1, -1):
                a = st.actions[i]
                sel = st.selector == i
                for j, x in enumerate(enc.state_atoms(a.store)):
                    if x is not atoms[j] and not x.eq(atoms[j]):
                        merged[j] = SV.mk_ite(sel, x, merged[j])
            nxt = enc.state_from_atoms(merged)
        fires = mk_and(z3.And(0 <= st.selector, st.selector < n), self.in_model(st.state),
                       *(z3.Implies(st.selector == i, a.fires) for i, a in enumerate(st.actions)))
        return nxt, fires

    # ---- properties ----------------------------------------------------------------------------

    def holds(self, prop: Prop, state: list) -> z3.BoolRef:
        """An invariant holds in the state; a refinement's state maps into the abstract model's reachable
        states (its k-induction hypothesis); True for the others (see `bad`)."""
        if prop.kind == Kind.INVARIANT:
            return self.enc.invariant(prop.inv, state)
        if prop.kind == Kind.REFINEMENT:
            return self.abstractly_reachable(prop, state)
        return TRUE

    def bad(self, prop: Prop, st: StepEnc, exact: bool = True) -> z3.BoolRef:
        """The property fails in (or, for runtime, right after) st's state."""
        if prop.kind == Kind.INVARIANT:
            return mk_not(self.enc.invariant(prop.inv, st.state))
        if prop.kind == Kind.RUNTIME:   # only a state the search expands runs its actions
            return mk_and(self.in_model(st.state), st.err())
        if prop.kind == Kind.STEP:
            return mk_and(self.in_model(st.state), mk_or(*(self.step_offends(prop, st, a) for a in st.actions)))
        if prop.kind == Kind.REFINEMENT:
            return mk_and(self.in_model(st.state), self.abstractly_reachable(prop, st.state),
                          mk_or(*(self.refinement_offends(prop, st, a) for a in st.actions)))
        return mk_and(self.in_model(st.state), self.deadlock(st, exact).formula)

    def step_offends(self, prop: Prop, st: StepEnc, a: ActionEnc) -> z3.BoolRef:
        """Action instance `a` fires from st's state to a different state (a stuttering step satisfies
        every step property, as in TLA+'s [][A]_vars) and the step breaks the step property."""
        enc = self.enc
        return mk_and(a.fires, mk_not(enc.equal_states(st.state, a.store)),
                      mk_not(enc.step_property(prop.step, st.state, a.store)))

    def mapped(self, prop: Prop, state: list) -> tuple:
        """(abstract values, mapping error, `RefinementEnc.matches`) of a state, encoded once per state."""
        key = (prop.name, id(state))
        got = self._mapped.get(key)
        if got is None or got[0] is not state:
            values, err = prop.ref.mapped(self.enc, state)
            got = self._mapped[key] = (state, values, err, prop.ref.matches(self.enc.bv, values))
        return got[1:]

    def abstractly_reachable(self, prop: Prop, state: list) -> z3.BoolRef:
        """The state's mapping can be evaluated and is a reachable state of the abstract model."""
        _, err, matches = self.mapped(prop, state)
        return mk_and(mk_not(err), prop.ref.reachable(matches))

    def refinement_init_bad(self, prop: Prop, state: list) -> z3.BoolRef:
        """The (initial) state's mapping fails or is not an initial state of the abstract model."""
        _, err, matches = self.mapped(prop, state)
        return mk_or(err, mk_not(prop.ref.initial(matches)))

    def refinement_offends(self, prop: Prop, st: StepEnc, a: ActionEnc) -> z3.BoolRef:
        """Action instance `a` fires from st's state to a state whose mapping fails, or is neither the
        mapped state of st's (a stutter) nor the end of a reachable abstract step from it."""
        before, _, pre = self.mapped(prop, st.state)
        key = (prop.name, id(st.state))
        got = self._after.get(key)
        if got is None or got[0] is not st.state:
            got = self._after[key] = (st.state, prop.ref.after(pre))
        values, err, post = self.mapped(prop, a.store)
        ok = mk_or(prop.ref.same(self.enc.bv, before, values), prop.ref.moves(got[1], post))
        return mk_and(a.fires, mk_or(err, mk_not(ok)))

    def offends(self, prop: Prop, st: StepEnc, a: ActionEnc) -> z3.BoolRef:
        """Action instance `a` is the one that breaks prop out of st's state (runtime, step, refinement)."""
        if prop.kind == Kind.RUNTIME:
            return a.err
        if prop.kind == Kind.STEP:
            return self.step_offends(prop, st, a)
        return self.refinement_offends(prop, st, a)

    def deadlock(self, st: StepEnc, exact: bool = True) -> Deadlock:
        """No action instance fires or errs in st's state.

        Instances with constant parameters and no `choose` give a quantifier-free formula;
        the others are quantified over their parameters and choices, or, with exact=False,
        left out: the result is then implied by a real deadlock but not the converse.
        """
        with SV.domain(self.enc.bv):
            parts, complete, quantified = [], True, False
            for enc in st.actions:
                bound = enc.fresh  # parameters (when not constant) and choices
                if not bound:
                    parts.append(mk_not(enc.live))
                elif not exact:
                    complete = False
                else:
                    parts.append(z3.ForAll(bound, mk_not(enc.live)))
                    quantified = True
            return Deadlock(mk_and(*parts), complete, quantified)

    def init_error(self, ie: InitEnc) -> z3.BoolRef:
        return ie.enc.err


# ---- formula helpers --------------------------------------------------------------------------

def simple_path(system: System, states: list, new: int) -> z3.BoolRef:
    """State `new` differs from every earlier state of the path (a loop-free path)."""
    return mk_and(*(mk_not(_equal_states(system, states[i], states[new])) for i in range(new)))


def _equal_states(system: System, a: list, b: list) -> z3.BoolRef:
    stop.poll()     # a path of d states makes d * d / 2 comparisons: the limits hold meanwhile
    return system.enc.equal_states(a, b)


def hypothesis(system: System, props: list[Prop], state: list) -> z3.BoolRef:
    """Every invariant among props holds in the state, and every refinement's mapping is a reachable
    abstract state (the k-induction hypothesis for one state)."""
    return mk_and(*(system.holds(p, state) for p in props if p.kind in HYPOTHESES))


def nonlinear(model: ir.CheckedModel) -> bool:
    """Whether the model multiplies, divides or raises to a power two non-constants.

    Linear integer arithmetic is what z3 decides fastest and what Spacer needs; a
    nonlinear model is encoded with bit-vectors for BMC and k-induction instead, which
    z3 bit-blasts, so that, for example, `amount * fee / 10000` stays decidable.
    """
    roots = [model.init] + [a.body for a in model.actions] + [i.cond for i in model.invariants] \
        + [a.cond for a in model.assumptions] + [sp.cond for sp in model.step_properties] \
        + [e for r in model.refinements for e in r.mapping]
    for node in ir.iter_ir(roots):
        if isinstance(node, ir.Op) and node.op in ("mul", "div", "mod", "pow", "floordiv", "floormod"):
            a, b = node.args
            if node.op == "mul" and not isinstance(a, ir.Lit) and not isinstance(b, ir.Lit):
                return True
            if node.op != "mul" and not isinstance(b, ir.Lit):
                return True
        if isinstance(node, ir.Op) and node.op in ("fmul", "fdiv"):
            a, b = node.args
            if node.op == "fdiv" and not isinstance(b, ir.Lit):
                return True
            if node.op == "fmul" and not isinstance(a, ir.Lit) and not isinstance(b, ir.Lit):
                return True
    return False


def _ground_count(a: ir.ActionIR) -> int | None:
    n = 1
    for p in a.params:
        c = p.type.count()
        n *= c
        if n > MAX_GROUND:
            return None
    return n


def _param_values(a: ir.ActionIR):
    """Every assignment of constant values to the action's parameters (LocalSym.id -> value)."""
    doms = [[SV.from_code(p.type, c) for c in SV.codes(p.type)] for p in a.params]
    for combo in itertools.product(*doms):
        yield {p.id: v for p, v in zip(a.params, combo)}


def horn_clause(body, head):
    """body -> head, universally quantified over its free constants (a constrained Horn clause)."""
    vs = free_consts(body, head)
    f = z3.Implies(body, head)
    return z3.ForAll(vs, f) if vs else f


def free_consts(*exprs) -> list:
    """The uninterpreted constants in z3 terms (to quantify a Horn clause over them)."""
    seen, out, stack = set(), [], list(exprs)
    while stack:
        e = stack.pop()
        key = e.get_id()
        if key in seen:
            continue
        seen.add(key)
        if z3.is_const(e) and e.decl().kind() == z3.Z3_OP_UNINTERPRETED:
            out.append(e)
        elif z3.is_quantifier(e):
            stack.append(e.body())
        else:
            stack.extend(e.children())
    out.sort(key=str)
    return out


__all__ = ["System", "Prop", "HYPOTHESES", "StepEnc", "InitEnc", "Deadlock", "simple_path", "hypothesis",
           "free_consts", "horn_clause", "nonlinear"]
