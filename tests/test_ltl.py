"""General temporal formulas (issue 15 item 6): the explicit engine's Büchi product against a
brute-force oracle, the fast paths against the general engine, bounded lasso search, errors.

The oracle is the semantics written out: it builds the state graph with the reference interpreter
(every state may stutter; an action step that does not change the state is a stutter), enumerates
every lasso of at most BOUND states from an initial state, keeps the fair ones (fairness per action
instance or per group, enabled and taken meaning a step that changes the state) and evaluates the
formula on each by unrolling the lasso. It shares no code with the engine but the interpreter.
"""

from __future__ import annotations

import json

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from checker.core.result import Verdict
from checker.engines.explicit.compiled import InterpretedModel
from checker.engines.explicit.ltl import Automaton, negation_normal_form
from checker.engines.explicit.search import ExplicitOptions, check
from checker.engines.symbolic import SymbolicOptions
from checker.engines.symbolic import check as symbolic_check
from checker.traces.itf import trace_document
from checker.traces.replay import replay
from spec import ir
from spec.diagnostics import SpecError
from spec.interp import Interp
from spec.loader import load_text

BOUND = 6   # states on an oracle lasso, its repeated last state included


# ---- the oracle -----------------------------------------------------------------------------------

class Oracle:
    def __init__(self, model: ir.CheckedModel):
        self.model = model
        self.im = InterpretedModel(model)
        self.interp = Interp(model)
        self.init = self.im.init_states()
        self.edges: dict[int, list[tuple[int, tuple | None]]] = {}
        todo = list(self.init)
        while todo:
            s = todo.pop()
            if s in self.edges:
                continue
            out = [(s, None)]      # the stutter
            for step in self.im.steps(s):
                assert step.state is not None, "the random models have no run-time errors"
                if step.state != s:
                    out.append((step.state, (step.action, tuple(sorted(step.params.items())))))
                    todo.append(step.state)
            self.edges[s] = out
        # fairness conditions: (kind, action names, grouped); a group is one condition for all the
        # instances of its actions (enabled when one is, taken when one is)
        self.conds = [("strong" if f.kind == ir.FairnessKind.STRONG else "weak",
                       frozenset(model.actions[k].name for k in f.actions), f.grouped) for f in model.fairness]

    def enabled(self, s: int) -> set:
        return {inst for _, inst in self.edges[s] if inst is not None}

    def is_fair(self, states: list[int], insts: list, loop: int) -> bool:
        """insts[i] is the step from states[i] to states[i + 1] (None: a stutter)."""
        cycle = states[loop:-1]
        taken = {insts[i] for i in range(loop, len(states) - 1)} - {None}
        enabled = [self.enabled(s) for s in cycle]
        for kind, names, grouped in self.conds:
            if grouped:
                units = [lambda inst, names=names: inst[0] in names]
            else:
                units = [lambda inst, i=i: inst == i for e in enabled for i in e if i[0] in names]
            for unit in units:
                on = [any(unit(i) for i in e) for e in enabled]
                if any(unit(i) for i in taken):
                    continue
                if kind == "weak" and all(on):
                    return False
                if kind == "strong" and any(on):
                    return False
        return True

    def holds(self, f: ir.TemporalFormula, states: list[int], loop: int, env: dict) -> bool:
        """f on the behaviour states[0 .. loop-1] (states[loop .. n-2])^omega (states[n-1] == states[loop])."""
        positions = states[:-1]

        def succ(i):
            return i + 1 if i + 1 < len(positions) else loop

        def later(i):          # every position the suffix from i visits
            seen, j = [], i
            while j not in seen:
                seen.append(j)
                j = succ(j)
            return seen

        def ev(g, i):
            if g.op == "atom":
                return bool(self.interp.eval(g.expr, env, self.im.unpack(positions[i])))
            if g.op == "not":
                return not ev(g.args[0], i)
            if g.op == "and":
                return ev(g.args[0], i) and ev(g.args[1], i)
            if g.op == "or":
                return ev(g.args[0], i) or ev(g.args[1], i)
            if g.op == "implies":
                return not ev(g.args[0], i) or ev(g.args[1], i)
            if g.op == "always":
                return all(ev(g.args[0], j) for j in later(i))
            if g.op == "eventually":
                return any(ev(g.args[0], j) for j in later(i))
            assert g.op == "leads_to"
            return all(not ev(g.args[0], j) or any(ev(g.args[1], m) for m in later(j)) for j in later(i))
        return ev(f, 0)

    def lassos(self, bound: int = BOUND):
        """Every lasso of at most `bound` states (states, steps, loop) from an initial state."""
        def grow(states, insts):
            last = states[-1]
            for j in range(len(states) - 1):
                if states[j] == last:
                    yield states, insts, j
            if len(states) < bound:
                for t, inst in self.edges[last]:
                    yield from grow(states + [t], insts + [inst])
        for s in self.init:
            yield from grow([s], [])

    def violation(self, prop: ir.PropertyIR):
        """A fair lasso of at most BOUND states violating prop (for some binding), or None."""
        for env in self.interp.bindings(prop.binders):
            for states, insts, loop in self.lassos():
                if self.is_fair(states, insts, loop) and not self.holds(prop.formula, states, loop, env):
                    return states, insts, loop
        return None

    def check_trace(self, prop: ir.PropertyIR, trace) -> None:
        """The engine's lasso is a behaviour of the model, fair, and violates prop."""
        by_state = {json.dumps(self.im.decode(s), sort_keys=True, default=str): s for s in self.edges}
        states = [by_state[json.dumps(step.state, sort_keys=True, default=str)] for step in trace.steps]
        insts = []
        for i, step in enumerate(trace.steps[1:]):
            inst = None if step.action == "(stutter)" else (step.action, tuple(sorted(step.params.items())))
            if states[i + 1] == states[i]:
                inst = None        # an action that does not change the state is a stutter
            assert (states[i + 1], inst) in self.edges[states[i]], f"step {i + 1} is not a step of the model"
            insts.append(inst)
        assert states[0] in self.init
        loop = trace.loop
        if loop is None:   # `always P`: a finite trace, every continuation of which violates it
            assert prop.kind == ir.TemporalKind.ALWAYS
            states, insts, loop = states + [states[-1]], insts + [None], len(states) - 1
        else:
            assert states[-1] == states[loop] and loop < len(states) - 1
            assert self.is_fair(states, insts, loop), "the lasso is not fair"
        env = {}
        for b in prop.binders:
            env[b.sym.id] = next(e[b.sym.id] for e in self.interp.bindings(prop.binders)
                                 if ir.decode_value(b.sym.type, e[b.sym.id]) == trace.binding[b.sym.name])
        assert not self.holds(prop.formula, states, loop, env), "the lasso does not violate the formula"


# ---- random models and formulas ---------------------------------------------------------------------

GUARDS = ["true", "x == 0", "x < 2", "x > 0", "y", "not y", "x == 2 and not y", "x != 1 or y"]
UPDATES = ["x = 0", "x = 1", "x = 2", "y = not y", "y = true", "x = 1  y = false", "x = 2  y = true",
           "y = false"]
ATOMS = ["x == 0", "x == 1", "x == 2", "x <= 1", "y", "not y", "x == 2 and y"]


@st.composite
def random_model(draw) -> str:
    lines = ["model R", "var x: 0..2", "var y: bool", "init { x = 0  y = false }"]
    names = []
    for i in range(draw(st.integers(1, 3))):
        name = "ABC"[i]
        lines.append(f"action {name} {{ require {draw(st.sampled_from(GUARDS))}  {draw(st.sampled_from(UPDATES))} }}")
        names.append(name)
    if draw(st.booleans()):   # one instance per value of v: fairness is per instance
        lines.append(f"action S(v: 1..2) {{ require {draw(st.sampled_from(GUARDS))}  x = v }}")
        names.append("S")
    for name in names:
        kind = draw(st.sampled_from([None, None, "weak", "strong"]))
        if kind:
            lines.append(f"fairness {kind} {name}")
    if draw(st.booleans()):   # a group: one condition for all the instances of its actions
        group = draw(st.lists(st.sampled_from(names), min_size=1, max_size=len(names), unique=True))
        lines.append(f"fairness {draw(st.sampled_from(['weak', 'strong']))} {{{', '.join(group)}}}")
    return "\n".join(lines) + "\n"


def formulas(leaves: int = 5):
    def extend(children):
        return st.one_of(
            st.builds(lambda a, op: f"({op} {a})", children, st.sampled_from(["always", "eventually", "not"])),
            st.builds(lambda a, b, op: f"({a} {op} {b})", children, children,
                      st.sampled_from(["and", "or", "implies", "leads_to"])))
    return st.recursive(st.sampled_from([f"({a})" for a in ATOMS]), extend, max_leaves=leaves)


def explicit(text: str):
    model = load_text(text, "m.sync")
    return model, check(model, ExplicitOptions(deadlock=False, stop_at_first=False))


def result_of(result, name: str):
    return next(p for p in result.properties if p.name == name)


def agrees_with_oracle(text: str, formula: str) -> None:
    model, r = explicit(text + f"property F: {formula}\n")
    p = result_of(r, "F")
    prop = model.properties[0]
    oracle = Oracle(model)
    found = oracle.violation(prop)
    if p.verdict is Verdict.HOLDS:
        assert found is None, f"the oracle finds a fair violating lasso: {found}"
    else:
        assert p.verdict is Verdict.VIOLATED, p.message
        oracle.check_trace(prop, p.trace)
        # a lasso of at most BOUND states: the oracle enumerated it too. Not so for `always P`'s finite
        # trace (loop None): a short prefix whose fair continuations, which exist (weak and strong
        # fairness constrain only the infinite part), may all be longer than BOUND
        if p.trace.loop is not None and len(p.trace.steps) <= BOUND:
            assert found is not None


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow], derandomize=True)
@given(random_model(), formulas())
def test_engine_agrees_with_the_oracle(text, formula):
    agrees_with_oracle(text, formula)


@pytest.mark.slow
@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(random_model(), formulas(8))
def test_engine_agrees_with_the_oracle_more(text, formula):
    agrees_with_oracle(text, formula)


# ---- the fast paths against the general engine -------------------------------------------------------

SHAPES = [   # a property of each fast shape, and the same formula spelt so that no shape matches it
    ("always {p}", "not (eventually (not ({p})))"),
    ("eventually {p}", "not (always (not ({p})))"),
    ("always eventually {p}", "not (eventually (always (not ({p}))))"),
    ("eventually always {p}", "not (always (eventually (not ({p}))))"),
    ("{p} leads_to {q}", "always (({p}) implies eventually ({q}))"),
]


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow], derandomize=True)
@given(random_model(), st.sampled_from(ATOMS), st.sampled_from(ATOMS))
def test_fast_paths_agree_with_the_general_engine(text, p, q):
    props = "".join(f"property Fast{i}: {fast.format(p=p, q=q)}\nproperty Slow{i}: {slow.format(p=p, q=q)}\n"
                    for i, (fast, slow) in enumerate(SHAPES))
    model, r = explicit(text + props)
    kinds = {x.name: x.kind for x in model.properties}
    oracle = Oracle(model)
    for i in range(len(SHAPES)):
        assert kinds[f"Slow{i}"] == ir.TemporalKind.FORMULA and kinds[f"Fast{i}"] != ir.TemporalKind.FORMULA
        fast, slow = result_of(r, f"Fast{i}"), result_of(r, f"Slow{i}")
        assert fast.verdict == slow.verdict, (SHAPES[i], fast.message, slow.message)
        if slow.verdict is Verdict.VIOLATED:
            oracle.check_trace(next(x for x in model.properties if x.name == f"Slow{i}"), slow.trace)


# ---- known answers -----------------------------------------------------------------------------------

TOGGLE = """model Toggle
var x: 0..3
init { x = 0 }
action Up { require x < 3  x = x + 1 }
action Reset { require x == 3  x = 0 }
fairness weak Up
"""


@pytest.mark.parametrize("formula, verdict", [
    ("always (x == 3 implies always x == 3)", "violated"),          # Reset leaves 3
    ("(always eventually x == 0) and (always eventually x == 3)", "violated"),   # Reset is not fair
    ("x == 0 implies eventually x == 3", "holds"),                  # weak fairness of Up
    ("x == 1 implies eventually x == 3", "holds"),                  # vacuous: x is 0 at the start
    ("eventually always x == 3 or always eventually x == 0", "holds"),
    ("always (x == 1 implies eventually x == 2) and eventually x == 3", "holds"),
    ("not eventually x == 3", "violated"),
    ("x == 0", "holds"),                                            # a state predicate: the first state
])
def test_known_answers(formula, verdict):
    model, r = explicit(TOGGLE + f"property F: {formula}\n")
    assert model.properties[0].kind == ir.TemporalKind.FORMULA
    p = result_of(r, "F")
    assert p.verdict.value == verdict, p.message
    if verdict == "violated":
        Oracle(model).check_trace(model.properties[0], p.trace)


def test_strong_fairness_makes_reset_happen():
    model, r = explicit(TOGGLE + "fairness strong Reset\n"
                        "property F: (always eventually x == 0) and (always eventually x == 3)\n")
    assert result_of(r, "F").verdict is Verdict.HOLDS


def test_the_trace_and_its_replay():
    model, r = explicit(TOGGLE + "property F: (always eventually x == 0) and (always eventually x == 3)\n")
    p = result_of(r, "F")
    assert p.message == "a fair behaviour that violates (always eventually x == 0) and (always eventually x == 3)"
    assert [s.action for s in p.trace.steps] == [None, "Up", "Up", "Up", "(stutter)"]
    assert [s.state["x"] for s in p.trace.steps] == [0, 1, 2, 3, 3]
    assert p.trace.loop == 3
    doc = json.loads(json.dumps(trace_document(p.trace, "m.sync")))
    replayed = replay(doc, model)
    assert replayed.valid, replayed.message
    assert "F" in [v[0] for v in replayed.violations]


def test_forall_binds_each_value():
    text = """model Procs
const P = {p1, p2}
var done: map[P, bool]
init { done = {p: false for p in P} }
action Finish(p: P) { require not done[p]  done[p] = true }
fairness weak Finish
property Once: forall p in P: always (done[p] implies always done[p]) and eventually done[p]
property Never: forall p in P: not (eventually (done[p] and eventually always done[p]))
"""
    model, r = explicit(text)
    assert result_of(r, "Once").verdict is Verdict.HOLDS
    never = result_of(r, "Never")
    assert never.verdict is Verdict.VIOLATED
    assert never.trace.binding == {"p": "p1"}
    assert never.message.endswith("(with p = p1)")
    Oracle(model).check_trace(model.properties[1], never.trace)
    b = symbolic_check(model, "bmc", SymbolicOptions(depth=4, stop_at_first=False, rlimit=40_000_000))
    assert result_of(b, "Once").verdict is Verdict.INCONCLUSIVE
    never = result_of(b, "Never")
    assert never.verdict is Verdict.VIOLATED and never.trace.binding == {"p": "p1"}
    Oracle(model).check_trace(model.properties[1], never.trace)


def test_automaton_of_always_eventually():
    """not (always eventually P) = eventually always not P: a node that waits, one that has settled."""
    model = load_text(TOGGLE + "property F: not (always eventually x == 0) or x == 1\n", "m.sync")
    f = model.properties[0].formula
    atoms = f.atoms()
    nnf = negation_normal_form(f.args[0].args[0], atoms, negate=False)
    assert nnf == ("R", ("false",), ("U", ("true",), ("lit", 0, True)))
    aut = Automaton(negation_normal_form(f.args[0], atoms))   # eventually always x != 0
    assert len(aut.accepting) == 1
    assert all(lits in ([], [(0, False)]) for lits in aut.literals)
    settled = [q for q in range(aut.size) if aut.literals[q] == [(0, False)] and q in aut.succ[q]]
    assert settled and all(q in aut.accepting[0] for q in settled)


# ---- the symbolic engines ---------------------------------------------------------------------------

def test_bounded_lasso_search_finds_and_bounds():
    text = TOGGLE + ("property Stable: always (x == 3 implies always x == 3)\n"
                     "property Start: x == 0 implies eventually x == 3\n")
    model = load_text(text, "m.sync")
    r = symbolic_check(model, "bmc", SymbolicOptions(depth=6, stop_at_first=False, rlimit=40_000_000))
    stable, start = result_of(r, "Stable"), result_of(r, "Start")
    assert stable.verdict is Verdict.VIOLATED
    Oracle(model).check_trace(model.properties[0], stable.trace)
    assert start.verdict is Verdict.INCONCLUSIVE and "no violation up to depth 6" in start.message


def test_the_proof_says_what_it_does_not_do():
    model = load_text(TOGGLE + "property Start: x == 0 implies eventually x == 3\n", "m.sync")
    r = symbolic_check(model, "prove", SymbolicOptions(stop_at_first=False, rlimit=40_000_000))
    p = result_of(r, "Start")
    assert p.verdict is Verdict.INCONCLUSIVE
    assert "--engine explicit" in p.message


@pytest.mark.slow   # 2-5 s on two busy cores: CI's slow selection runs it (the default run stays under 10 minutes)
@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow], derandomize=True)
@given(random_model(), formulas())
def test_bounded_lasso_search_agrees_with_explicit(text, formula):
    model, r = explicit(text + f"property F: {formula}\n")
    e = result_of(r, "F")
    b = result_of(symbolic_check(model, "bmc", SymbolicOptions(depth=5, stop_at_first=False, rlimit=40_000_000)),
                  "F")
    if b.verdict is Verdict.VIOLATED:
        assert e.verdict is Verdict.VIOLATED
        Oracle(model).check_trace(model.properties[0], b.trace)
    if e.verdict is Verdict.HOLDS:
        assert b.verdict is not Verdict.VIOLATED


# ---- errors ---------------------------------------------------------------------------------------------

@pytest.mark.parametrize("formula, col, words", [
    ("(eventually x == 1) == (x == 2)", 13, "'==' cannot take a temporal formula"),
    ("always (forall v in 0..1: eventually x == v)", 21, "'forall' over a temporal formula must come first"),
    ("if eventually x == 1 then x == 0 else x == 1", 13, "'if' cannot take a temporal formula"),
    ("always (x implies eventually x == 3)", 21, None),   # x is not a condition: E302
])
def test_misuse_is_reported_with_a_caret(formula, col, words):
    with pytest.raises(SpecError) as info:
        load_text(TOGGLE + f"property F: {formula}\n", "m.sync")
    assert info.value.codes == (["E321"] if words else ["E302"])
    text = info.value.render()
    assert f"m.sync:7:{col}:" in text
    if words:
        assert words in text


def test_every_misuse_in_a_formula_is_reported():
    with pytest.raises(SpecError) as info:
        load_text(TOGGLE + "property F: ((eventually x == 1) == true) and (always x)\n", "m.sync")
    assert info.value.codes == ["E321", "E302"]


def test_the_stem_is_cut_where_the_cycle_begins():
    """The product lasso goes round 0..3 once before the automaton settles; the trace does not."""
    model, r = explicit(TOGGLE + "property F: always (x == 3 implies always x == 3)\n")
    p = result_of(r, "F")
    assert [s.state["x"] for s in p.trace.steps] == [0, 1, 2, 3, 0]
    assert p.trace.loop == 0
    Oracle(model).check_trace(model.properties[0], p.trace)


def test_a_short_always_violation_whose_fair_continuations_are_long():
    """Found by the slow oracle test: `always x == 0` fails after one step, but under strong fairness
    of A, B and S(v) every fair continuation cycles through six steps; the engine's two-state
    trace is right and the oracle's lassos of at most BOUND states hold none of them."""
    text = ("model R\nvar x: 0..2\nvar y: bool\ninit { x = 0  y = false }\naction A { require true  x = 1 }\n"
            "action B { require true  x = 1 }\naction C { require true  x = 0 }\n"
            "action S(v: 1..2) { require true  x = v }\nfairness strong A\nfairness strong B\nfairness strong S\n")
    model, r = explicit(text + "property F: always (x == 0)\n")
    p = result_of(r, "F")
    assert p.verdict is Verdict.VIOLATED and p.trace.loop is None and len(p.trace.steps) == 2
    Oracle(model).check_trace(model.properties[0], p.trace)
    agrees_with_oracle(text, "(always (x == 0))")
