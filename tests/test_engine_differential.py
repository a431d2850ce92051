"""The compiled transition code against the reference interpreter.

For every model in models/, for the small models of the other engine tests and
for random models made by hypothesis: every reachable state's successors, per
action transition counts, invariant outcomes and run-time failures must be
the same with `CompiledModel.expand` as with `CompiledModel.steps` (the
interpreter); and the explicit engine's state count, transition count and
first violations must be what a naive breadth-first search over the
interpreter finds.
"""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from checker.engines.explicit.compiled import CompiledModel
from checker.engines.explicit.search import ExplicitOptions, check
from checker.core.result import Verdict
from engine_helpers import (MODELS, checked_model, differential, explicit_model_file, interp_invariants, model_of,
                            naive_bfs, naive_prefix, prop, shipped)

# ---- the shipped models ---------------------------------------------------------------

SHIPPED = sorted(p.name for p in MODELS.glob("*.sync"))


def _shipped(name):
    return explicit_model_file(name, ["RM=3"] if name.startswith("two_phase") else [])


# the library grows: each shipped model is compared on the first states of its BFS only
SHIPPED_BUDGET = 120


@pytest.mark.parametrize("name", SHIPPED)
def test_shipped_model_compiled_matches_interpreter(name):
    n = differential(_shipped(name), limit=SHIPPED_BUDGET)
    assert n > 10


@pytest.mark.parametrize("name", shipped(SHIPPED))
def test_shipped_model_count_matches_naive_bfs(name):
    m = _shipped(name)
    cm = CompiledModel(m)
    dist, transitions, depth = naive_prefix(cm, budget=SHIPPED_BUDGET)
    r = check(m, ExplicitOptions(symmetry=False, deadlock=False, invariants=(), max_depth=depth))
    expanded = [s for s, d in dist.items() if depth is None or d <= depth]
    if any(step.error is not None for s in expanded for step in cm.steps(s)):
        # e.g. the broken ledger creates money until a balance leaves its range
        assert "runtime" in [p.name for p in r.violated]
        return
    assert r.verdict is (Verdict.HOLDS if depth is None else Verdict.INCONCLUSIVE) or r.violated
    assert r.stats.distinct_states == len(dist)
    assert r.stats.transitions == transitions
    assert r.stats.depth == (max(dist.values()) if depth is None else depth)


def test_shipped_models_are_all_covered():
    assert {"two_phase_commit.sync", "two_phase_commit_broken.sync", "options_ledger.sync",
            "options_ledger_broken.sync"} <= set(SHIPPED)


# ---- hand-written models that stress the code generator ----------------------------------

STRESS = {
    # a choose over a range not starting at 0, used after the choice (its local is `(l + 1)`)
    "choose_offset_range": """
model T
var x: 0..5
init { x = 0 }
action A {
  choose y in 1..3
  require x + y <= 5
  x = x + y
}
""",
    # unrolled parameters from 1, with a body compiled to continuation functions
    "param_offset_with_choose": """
model T
var x: 0..5
var b: bool
init { x = 0 b = false }
action A(p: 1..2) {
  choose c in {true, false}
  x = p
  b = c
}
""",
    # more parameter values than are unrolled: the instances are looped over
    "many_params_with_choose": """
model T
var x: -3..12
init { x = 0 }
action A(p: 1..9, q: 0..7) {
  require p + q == 9 and x < 3 and x > -3
  choose d in {-1, 1}
  let v = x + d
  x = v
}
""",
    # choose inside a loop over a set variable, and a require after it
    "choose_in_loop_over_set_var": """
model T
var s: set[0..3]
var y: 0..6
init { s = {0, 2} y = 0 }
action Pick {
  for i in s {
    choose d in {i, i + 1}
    require d != 3
    y = (y + d) % 7
  }
}
action Grow(i: 0..3) {
  require i not in s
  s = s | {i}
  y = 0
}
""",
    # negative ranges: sets and maps keyed by them, membership outside the element range
    "negative_ranges": """
model T
var s: set[-2..2]
var m: map[-1..1, -3..3]
var k: -1..1
init { s = {-2, 1} m = {i: i for i in -1..1} k = -1 }
action Shift(d: -1..1) {
  require k + d >= -1 and k + d <= 1
  k = k + d
  m[k] = max(min(m[k] + d, 3), -3)
  s = {x for x in s if x != k} | {max(-2, k - 1)}
}
invariant InRange: forall x in s: x + 3 > 0 and (x - 5) not in s
""",
    # quantifiers and comprehensions over sequences and over big domains (not unrolled)
    "sequences_and_big_domains": """
model T
var q: seq[0..40, 3]
var hi: 0..40
var big: set[0..40]
init { q = [] hi = 0 big = {} }
action Push(v: 0..40) {
  require len(q) < 3 and v % 13 == 0
  q = append(q, v)
  hi = max(x for x in q)
  big = {x for x in big if x > v} | {v}
}
action Pop {
  require len(q) > 0
  q = tail(q)
  hi = if len(q) == 0 then 0 else max(x for x in q)
}
invariant Top: forall x in q: x <= hi
invariant Some: len(q) == 0 or exists x in q: x == hi
invariant Big: len({y for y in 0..40 if y in q}) <= len(q)
invariant BigSet: (forall x in big: x <= 40) and (exists x in big: x >= hi or len(q) == 0)
invariant BigSum: sum(x for x in big if x > 100) == 0 and len({x - 1 for x in big if x > 0}) <= 40
""",
    # a match in a quantifier, options in records, union payloads written back
    "unions_and_options": """
model T
const P = {p1, p2}
type Msg = Req(from: P, n: 0..2) | Ack(to: P) | Nop
var box: map[P, Msg]
var last: option[P]
init { box = {p: Nop for p in P} last = none }
action Send(p: P, n: 0..2) {
  require box[p] is Nop
  box[p] = Req(p, n)
  last = some(p)
}
action Answer(p: P) {
  require box[p] is Req
  box[p] = match box[p] { Req(f, n) -> if n == 0 then Nop else Ack(f), _ -> Nop }
}
action Clear(p: P) {
  require box[p] is Ack and last == some(box[p].to)
  box[p] = Nop
  last = none
}
invariant Count: len({p for p in P if match box[p] { Req(f, n) -> n > 0, _ -> false }}) <= 2
""",
}


@pytest.mark.parametrize("name", sorted(STRESS))
def test_stress_model_compiled_matches_interpreter(name):
    m = model_of(STRESS[name])
    differential(m)
    dist, transitions = naive_bfs(CompiledModel(m))
    r = check(m, ExplicitOptions(deadlock=False, stop_at_first=False))
    assert prop(r, "runtime").verdict is Verdict.HOLDS
    assert r.stats.distinct_states == len(dist)
    assert r.stats.transitions == transitions


# ---- random models ----------------------------------------------------------------------

INT_VARS = {"x": (0, 3), "y": (-2, 2)}
SET_VAR = "s"          # set[0..3]
BOOL_VAR = "b"

HEADER = """model R
var x: 0..3
var y: -2..2
var b: bool
var s: set[0..3]
"""


TICK = ["action Tick {", "  x = (x + 1) % 4", "  s = if x in s then s - {x} else s | {x}",
        "  if x == 0 { y = (y + 2) % 5 - 2 b = not b }", "}"]


@st.composite
def int_expr(draw, depth=2, locals_=()):
    leaves = [st.sampled_from(["x", "y"] + list(locals_)), st.integers(-2, 3).map(str)]
    if depth <= 0:
        return draw(st.one_of(*leaves))
    sub = int_expr(depth - 1, locals_)
    kind = draw(st.integers(0, 12))
    if kind <= 2:
        return draw(st.one_of(*leaves))
    if kind == 3:
        op = draw(st.sampled_from(["+", "-", "*"]))
        return f"({draw(sub)} {op} {draw(sub)})"
    if kind == 4:  # truncating and floor division, on operands of either sign (or zero: an error)
        op = draw(st.sampled_from(["/", "%", "div", "mod"]))
        return f"({draw(sub)} {op} {draw(sub)})"
    if kind == 5:
        return f"(-{draw(sub)})" if draw(st.booleans()) else f"abs({draw(sub)})"
    if kind == 6:
        return f"{draw(st.sampled_from(['min', 'max']))}({draw(sub)}, {draw(sub)})"
    if kind == 7:
        return f"(if {draw(bool_expr(depth - 1, locals_))} then {draw(sub)} else {draw(sub)})"
    if kind == 8:
        return f"len({draw(set_expr(depth - 1, locals_))})"
    if kind == 9:
        return f"sum({draw(set_expr(depth - 1, locals_))})"
    if kind == 10:
        v = f"v{depth}"
        agg = draw(st.sampled_from(["sum", "min", "max"]))
        cond = f" if {draw(bool_expr(depth - 1, locals_ + (v,)))}" if draw(st.booleans()) else ""
        return f"{agg}({draw(int_expr(depth - 1, locals_ + (v,)))} for {v} in " \
               f"{draw(set_expr(depth - 1, locals_))}{cond})"
    if kind == 11:
        return f"{draw(st.sampled_from(['min', 'max']))}({draw(set_expr(depth - 1, locals_))})"
    if kind == 12:  # a let in an expression; the value may fail where the body does not read it
        v = f"e{depth}"
        return f"(let {v} = {draw(sub)} in {draw(int_expr(depth - 1, locals_ + (v,)))})"
    return draw(st.one_of(*leaves))


@st.composite
def bool_expr(draw, depth=2, locals_=()):
    leaves = st.sampled_from(["b", "true", "false"])
    if depth <= 0:
        return draw(leaves)
    kind = draw(st.integers(0, 9))
    ie = int_expr(depth - 1, locals_)
    if kind == 0:
        return draw(leaves)
    if kind <= 2:
        op = draw(st.sampled_from(["==", "!=", "<", "<=", ">", ">="]))
        return f"({draw(ie)} {op} {draw(ie)})"
    if kind == 3:
        if draw(st.booleans()):
            return f"(not {draw(bool_expr(depth - 1, locals_))})"
        return f"({draw(bool_expr(depth - 1, locals_))} == not {draw(bool_expr(depth - 1, locals_))})"
    if kind == 4:
        op = draw(st.sampled_from(["and", "or", "implies"]))
        return f"({draw(bool_expr(depth - 1, locals_))} {op} {draw(bool_expr(depth - 1, locals_))})"
    if kind == 5:
        neg = draw(st.sampled_from(["in", "not in"]))
        return f"({draw(ie)} {neg} {draw(set_expr(depth - 1, locals_))})"
    if kind == 6:
        a, c = draw(set_expr(depth - 1, locals_)), draw(set_expr(depth - 1, locals_))
        return f"({a} {draw(st.sampled_from(['subset', '==', '!=']))} {c})"
    if kind == 7:
        v, w = f"q{depth}", f"r{depth}"
        q = draw(st.sampled_from(["forall", "exists"]))
        if draw(st.booleans()):
            body = draw(bool_expr(depth - 1, locals_ + (v,)))
            return f"({q} {v} in {draw(set_expr(depth - 1, locals_))}: {body})"
        body = draw(bool_expr(depth - 1, locals_ + (v, w)))
        return f"({q} {v}, {w} in {draw(set_expr(depth - 1, locals_))}: {body})"
    if kind == 8:
        return f"(if {draw(bool_expr(depth - 1, locals_))} then {draw(bool_expr(depth - 1, locals_))} " \
               f"else {draw(bool_expr(depth - 1, locals_))})"
    if kind == 9 and draw(st.booleans()):
        v = f"g{depth}"
        return f"(let {v} = {draw(ie)} in {draw(bool_expr(depth - 1, locals_ + (v,)))})"
    return draw(leaves)


@st.composite
def set_expr(draw, depth=2, locals_=()):
    leaves = st.sampled_from(["s", "{0, 2}", "{1}", "(0..3)", "{3, 1, 2}"])
    if depth <= 0:
        return draw(leaves)
    kind = draw(st.integers(0, 6))
    sub = set_expr(depth - 1, locals_)
    if kind <= 1:
        return draw(leaves)
    if kind == 2:
        return f"({draw(sub)} {draw(st.sampled_from(['|', '&', '-']))} {draw(sub)})"
    if kind == 3:
        v = f"c{depth}"
        cond = f" if {draw(bool_expr(depth - 1, locals_ + (v,)))}" if draw(st.booleans()) else ""
        body = draw(st.sampled_from([v, f"{v} % 2", f"3 - {v}", f"min({v} + 1, 3)"]))
        return f"{{{body} for {v} in {draw(sub)}{cond}}}"
    if kind == 4:
        return f"{{{draw(int_expr(0, locals_))}, {draw(int_expr(0, locals_))}}}"
    if kind == 5:
        lo, hi = draw(int_expr(0, locals_)), draw(int_expr(0, locals_))
        return f"({lo})..({hi})"
    return f"(s & {draw(sub)})"


@st.composite
def int_update(draw, var, locals_):
    lo, hi = INT_VARS[var]
    e = draw(int_expr(2, locals_))
    if draw(st.integers(0, 4)) == 0:
        return f"{var} = {e}"            # may leave the range: a run-time error
    return f"{var} = min(max({e}, {lo}), {hi})"


@st.composite
def statement(draw, locals_, depth=1):
    kind = draw(st.integers(0, 9))
    if kind <= 2:
        return [draw(int_update(draw(st.sampled_from(["x", "y"])), locals_))]
    if kind == 3:
        return [f"b = {draw(bool_expr(2, locals_))}"]
    if kind == 4:
        return [f"s = ({draw(set_expr(2, locals_))}) & (0..3)"]
    if kind == 5:
        return [f"require {draw(bool_expr(1, locals_))}"]
    if kind == 6 and depth > 0:
        then = draw(statements(locals_, depth - 1))
        orelse = draw(statements(locals_, depth - 1))
        return [f"if {draw(bool_expr(1, locals_))} {{", *then, "} else {", *orelse, "}"]
    if kind == 7 and depth > 0:
        v = f"i{len(locals_)}"
        dom = draw(st.sampled_from(["s", "0..2", "{1, 3}"]))
        body = draw(statements(locals_ + (v,), depth - 1))
        return [f"for {v} in {dom} {{", *body, "}"]
    if kind == 8:
        v = f"k{len(locals_)}"
        return [f"choose {v} in {draw(set_expr(1, locals_))}"], (v,)
    return [f"assert {draw(bool_expr(1, locals_))}"] if draw(st.integers(0, 3)) == 0 else \
        [draw(int_update("x", locals_))]


@st.composite
def statements(draw, locals_=(), depth=1):
    out = []
    for _ in range(draw(st.integers(1, 3))):
        got = draw(statement(locals_, depth))
        if isinstance(got, tuple):
            lines, new = got
            locals_ = locals_ + new
        else:
            lines = got
        out += lines
    return out


@st.composite
def random_model(draw):
    parts = [HEADER, "init {", "  x = 0", "  y = 0", "  b = false", "  s = {}", "}"]
    if draw(st.booleans()):
        parts += TICK  # more states for the random actions to run in
    for n in range(draw(st.integers(1, 3))):
        params = draw(st.sampled_from(["", "(p: 0..2)", "(p: 1..2, w: bool)"]))
        locals_ = ("p",) if params else ()
        body = []
        if draw(st.booleans()):
            body.append(f"require {draw(bool_expr(1, locals_))}")
        body += draw(statements(locals_))
        parts += [f"action A{n}{params} {{", *["  " + line for line in body], "}"]
    for n in range(draw(st.integers(0, 2))):
        parts.append(f"invariant I{n}: {draw(bool_expr(2))}")
    return "\n".join(parts) + "\n"


def _naive_violations(cm):
    """Distances, transitions, the levels where each invariant fails and those where an action
    fails, with the interpreter."""
    errors = []
    dist, transitions, _ = naive_prefix(cm, budget=10 ** 9, errors=errors)
    failing = {}
    for s, d in dist.items():
        for inv, ok in zip(cm.invariant_names, interp_invariants(cm, s)):
            if ok is not True:
                failing.setdefault(d, set()).add(inv)
    return dist, transitions, failing, set(errors)


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(random_model())
def test_random_model_compiled_matches_interpreter(text):
    m = checked_model(text)
    if m is None:
        return
    differential(m, limit=400)


@settings(max_examples=50, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(random_model())
def test_random_model_engine_matches_naive_bfs(text):
    m = checked_model(text)
    if m is None:
        return
    cm = CompiledModel(m)
    dist, transitions, failing, errors = _naive_violations(cm)
    r = check(m, ExplicitOptions(deadlock=False))
    first = min(list(failing) + list(errors), default=None)
    if first is None:
        assert r.verdict is Verdict.HOLDS
        assert r.stats.distinct_states == len(dist)
        assert r.stats.transitions == transitions
        assert r.stats.depth == max(dist.values())
        return
    # the first violations are found on the level where the interpreter finds them
    assert r.verdict is Verdict.VIOLATED
    want = set(failing.get(first, ())) | ({"runtime"} if first in errors else set())
    assert {p.name for p in r.violated} == want
    for p in r.violated:
        assert p.trace.length == first + (1 if p.name == "runtime" else 0)
    assert r.stats.distinct_states == sum(1 for d in dist.values() if d <= first)
    # and every property's first violation, when the search goes on
    r = check(m, ExplicitOptions(deadlock=False, stop_at_first=False))
    assert (r.stats.distinct_states, r.stats.transitions) == (len(dist), transitions)
    shortest = {}
    for d in sorted(failing):
        for inv in failing[d]:
            shortest.setdefault(inv, d)
    if errors:
        shortest["runtime"] = min(errors) + 1
    assert {p.name: p.trace.length for p in r.violated} == shortest


# ---- random models over structured values ------------------------------------------------------

STRUCT_HEADER = """model S
type Rec = { a: 0..2, f: bool }
type Msg = Put(k: 0..2, v: -1..2) | Drop(k: 0..2) | Noop
var i: 0..2
var m: map[0..2, -1..2]
var r: Rec
var o: option[0..2]
var q: seq[0..2, 2]
var u: Msg
"""
STRUCT_INIT = ["init {", "  i = 0", "  m = {k: 0 for k in 0..2}", "  r = {a: 0, f: false}", "  o = none",
               "  q = []", "  u = Noop", "}"]


STRUCT_TICK = ["action Tick {", "  i = (i + 1) % 3", "  m[i] = i - 1", "  q = if len(q) < 2 then append(q, i) else [i]",
               "  o = if o is none then some(i) else none",
               "  u = if i == 0 then Noop else if i == 1 then Put(i, m[i]) else Drop(i)", "  r.a = (r.a + i) % 3",
               "}"]


@st.composite
def sint(draw, depth=2, locals_=()):
    """An integer expression over the structured variables."""
    leaves = [st.sampled_from(["i", "r.a", "len(q)", "m[i]", "m[0]"] + list(locals_)), st.integers(-1, 3).map(str)]
    if depth <= 0:
        return draw(st.one_of(*leaves))
    sub = sint(depth - 1, locals_)
    kind = draw(st.integers(0, 13))
    if kind <= 2:
        return draw(st.one_of(*leaves))
    if kind == 3:
        return f"({draw(sub)} {draw(st.sampled_from(['+', '-', '*', '/', '%']))} {draw(sub)})"
    if kind == 4:
        return f"m[{draw(sub)}]"                           # a key may be outside 0..2
    if kind == 5:
        return f"(match o {{ some(z) -> z + {draw(sub)}, none -> {draw(sub)} }})"
    if kind == 6:
        return "get(o)"
    if kind == 7:
        return f"q[{draw(sub)}]"
    if kind == 8:
        return draw(st.sampled_from(["head(q)", "last(q)", "len(tail(q))", "len(q ++ q)"]))
    if kind == 9:
        return f"(match u {{ Put(k, v) -> k + v, Drop(k) -> {draw(sub)}, Noop -> 0 }})"
    if kind == 10:
        return draw(st.sampled_from(["u.k", "sum(m[k] for k in 0..2)", "max(m[k] for k in 0..2 if m[k] > 0)",
                                     "sum(x for x in q)", "min(x + m[x] for x in q)"]))
    if kind == 11:
        return f"(if {draw(sbool(depth - 1, locals_))} then {draw(sub)} else {draw(sub)})"
    if kind == 12:
        return f"{draw(st.sampled_from(['min', 'max']))}({draw(sub)}, {draw(sub)})"
    return draw(st.one_of(*leaves))


@st.composite
def sbool(draw, depth=2, locals_=()):
    leaves = st.sampled_from(["r.f", "o is some", "o is none", "u is Put", "u is Noop", "true"])
    if depth <= 0:
        return draw(leaves)
    kind = draw(st.integers(0, 9))
    si = sint(depth - 1, locals_)
    if kind <= 1:
        return draw(leaves)
    if kind <= 3:
        return f"({draw(si)} {draw(st.sampled_from(['==', '!=', '<', '>=']))} {draw(si)})"
    if kind == 4:
        return f"({draw(sbool(depth - 1, locals_))} {draw(st.sampled_from(['and', 'or', 'implies']))} " \
               f"{draw(sbool(depth - 1, locals_))})"
    if kind == 5:
        return f"({draw(si)} in q)"
    if kind == 6:
        return f"(o == some({draw(si)}))"
    if kind == 7:
        return f"({draw(st.sampled_from(['forall', 'exists']))} k in 0..2: m[k] {draw(st.sampled_from(['<', '>=']))} " \
               f"{draw(sint(0, locals_ + ('k',)))})"
    if kind == 8:
        return f"(r == {{a: {draw(si)}, f: {draw(leaves)}}})"
    return f"(u == {draw(st.sampled_from(['Noop', 'Drop(i)', 'Put(i, 0)']))})"


@st.composite
def sstatement(draw, locals_, depth=1):
    kind = draw(st.integers(0, 13))
    e = draw(sint(2, locals_))
    if kind == 0:
        return [f"i = min(max({e}, 0), 2)"]
    if kind == 1:
        return [f"m[{draw(sint(1, locals_))}] = min(max({e}, -1), 2)"]
    if kind == 2:
        return [f"m = {{k: min(max(m[k] + {draw(sint(0, locals_ + ('k',)))}, -1), 2) for k in 0..2}}"]
    if kind == 3:
        return [f"r.a = min(max({e}, 0), 2)"] if draw(st.booleans()) else [f"r.f = {draw(sbool(1, locals_))}"]
    if kind == 4:
        return [f"o = if {draw(sbool(1, locals_))} then some(min(max({e}, 0), 2)) else none"]
    if kind == 5:
        return [draw(st.sampled_from(["q = append(q, i)", "q = tail(q)", "q = []", f"q[0] = min(max({e}, 0), 2)",
                                      "q = if len(q) < 2 then append(q, r.a) else [i]"]))]
    if kind == 6:
        return [draw(st.sampled_from(["u = Put(i, m[i])", "u = Drop(r.a)", "u = Noop",
                                      "u = match u { Put(k, v) -> Drop(k), Drop(k) -> Noop, Noop -> Put(i, 1) }"]))]
    if kind == 7:
        return [f"require {draw(sbool(1, locals_))}"]
    if kind == 8 and depth > 0:
        return [f"if {draw(sbool(1, locals_))} {{", *draw(sstatements(locals_, depth - 1)), "} else {",
                *draw(sstatements(locals_, depth - 1)), "}"]
    if kind == 9 and depth > 0:
        v = f"j{len(locals_)}"
        dom = draw(st.sampled_from(["0..2", "{x for x in q}", "{k for k in 0..2 if m[k] > 0}"]))
        return [f"for {v} in {dom} {{", *draw(sstatements(locals_ + (v,), depth - 1)), "}"]
    if kind == 10:
        v = f"c{len(locals_)}"
        dom = draw(st.sampled_from(["0..2", "{x for x in q}", "{i, r.a}", "{k for k in 0..2 if m[k] >= 0}"]))
        return [f"choose {v} in {dom}"], (v,)
    if kind == 11:
        v = f"t{len(locals_)}"
        return [f"let {v} = {e}"], (v,)
    if kind == 12:
        return [f"r = {{a: min(max({e}, 0), 2), f: not r.f}}"]
    return [f"assert {draw(sbool(1, locals_))}"]


@st.composite
def sstatements(draw, locals_=(), depth=1):
    out = []
    for _ in range(draw(st.integers(1, 3))):
        got = draw(sstatement(locals_, depth))
        if isinstance(got, tuple):
            lines, new = got
            locals_ = locals_ + new
        else:
            lines = got
        out += lines
    return out


@st.composite
def random_struct_model(draw):
    parts = [STRUCT_HEADER, *STRUCT_INIT]
    if draw(st.booleans()):
        parts += STRUCT_TICK
    for n in range(draw(st.integers(1, 3))):
        params = draw(st.sampled_from(["", "(p: 0..2)", "(p: 1..2, w: bool)"]))
        locals_ = ("p",) if params else ()
        body = [f"require {draw(sbool(1, locals_))}"] if draw(st.booleans()) else []
        body += draw(sstatements(locals_))
        parts += [f"action A{n}{params} {{", *["  " + line for line in body], "}"]
    for n in range(draw(st.integers(0, 2))):
        parts.append(f"invariant I{n}: {draw(sbool(2))}")
    return "\n".join(parts) + "\n"


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(random_struct_model())
def test_random_structured_model_compiled_matches_interpreter(text):
    m = checked_model(text)
    if m is None:
        return
    differential(m, limit=400)


@settings(max_examples=50, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(random_struct_model())
def test_random_structured_model_engine_matches_naive_bfs(text):
    test_random_model_engine_matches_naive_bfs.hypothesis.inner_test(text)
