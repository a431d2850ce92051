"""What every expression and statement of the language means, pinned exactly.

Expressions: `evaluate` stores an expression over state variables (so that
nothing is folded at compile time) into a variable twice, in `init` (the
reference interpreter) and in an action (the compiled code), and checks that
both give the expected value. Statements: tiny models whose number of
distinct states, transitions and BFS depth were counted by hand.
"""

from __future__ import annotations

import pytest

from checker.engines.explicit.compiled import CompiledModel
from checker.core.result import Verdict
from engine_helpers import decoded_states, differential, holds, model_of, prop, run
from spec import values as V

# ---- expressions ----------------------------------------------------------------------------


def evaluate(expr: str, out_type: str, decls: str = "", init: str = ""):
    """The value of expr (a plain value), computed by the interpreter and by the compiled code."""
    text = (f"model E\n{decls}\nvar out: {out_type}\n"
            f"init {{\n{init}\nout = {expr}\n}}\n"
            f"action Eval {{ out = {expr} }}\n")
    cm = CompiledModel(model_of(text))
    (s0,) = cm.init_states()
    nxt, counts, bad, dead, err = cm.expand([s0])
    assert err is None, err
    # the action stores the same value again: its one successor is the initial state itself
    assert list(nxt) == [s0], (cm.decode(s0), [cm.decode(t) for t in nxt])
    assert counts == [1]
    return cm.decode(s0)["out"]


SCALARS = """
var a: -9..9
var b: -9..9
var s: set[0..4]
var t: set[0..4]
var f: bool
"""
SCALARS_INIT = "a = 7 b = -2 s = {1, 2, 3} t = {3, 4} f = true"


@pytest.mark.parametrize("expr, value", [
    # truncating division and a remainder with the sign of the dividend (Solidity, Rust, C)
    ("a / b", -3), ("a % b", 1), ("-a / b", 3), ("-a % b", -1),
    ("a / 2", 3), ("a % 2", 1), ("(-a) / 2", -3), ("(-a) % 2", -1),
    ("b / 2", -1), ("b % 3", -2), ("b / a", 0), ("b % a", -2), ("(a * b) / 4", -3), ("(a * b) % 4", -2),
    ("a * b", -14), ("a - b", 9), ("a + b", 5), ("-a", -7), ("abs(b)", 2), ("a ** 2", 49), ("b ** 3", -8),
    ("min(a, b)", -2), ("max(a, b, 3)", 7), ("if a > b then a else b", 7), ("if f then b else a", -2),
    ("len(s)", 3), ("len(s | t)", 4), ("len(s & t)", 1),
    ("sum(s)", 6), ("sum(x * x for x in s)", 14), ("sum(x * y for x in s, y in t)", 42),
    ("sum(x for x in s if x > 1)", 5), ("sum(x for x in s if x > 5)", 0),
    ("min(s)", 1), ("max(s | t)", 4), ("min(t - s)", 4), ("min(x - a for x in s)", -6),
    ("max(x for x in t if x < a)", 4), ("max(x + y for x in s, y in t if x != y)", 7),
    ("len({x for x in s if x > 1})", 2),
])
def test_integer_expressions(expr, value):
    assert evaluate(expr, "-100..100", SCALARS, SCALARS_INIT) == value


@pytest.mark.parametrize("expr, value", [
    ("a < b", False), ("a <= 7", True), ("a > b", True), ("b >= -2", True), ("b >= -1", False),
    ("a == 7", True), ("a != 7", False),
    ("f and a > 0", True), ("f and a < 0", False), ("not f or a > 0", True), ("not f or a < 0", False),
    ("not f", False), ("f implies a < 0", False), ("(a < 0) implies f", True), ("(a < 0) implies not f", True),
    ("if a > b then f else not f", True), ("if a < b then f else not f", False),
    ("3 in s", True), ("0 in s", False), ("a in s", False), ("b in s", False), ("(a - 5) in s", True),
    ("5 not in s", True), ("1 not in s", False),
    ("s subset s | t", True), ("t subset s", False), ("s & t subset t", True), ("s == {1, 2, 3}", True),
    ("t != {}", True), ("s - s == {}", True),
    ("exists x in s: x > 2", True), ("exists x in s: x > 3", False),
    ("forall x in s: x > 0", True), ("forall x in s | t: x < 4", False),
    ("forall x, y in s: x + y < 7", True), ("forall x, y in s: x + y < 6", False),
    ("exists x in s, y in t: x == y", True), ("exists x in s, y in t: x == y + 1", False),
    ("forall x in s: x < a", True), ("exists x in s & t: x == 3", True),
    ("forall x in s, y in t: x <= y implies x < y or x == 3", True),
])
def test_boolean_expressions(expr, value):
    assert evaluate(expr, "bool", SCALARS, SCALARS_INIT) is value


@pytest.mark.parametrize("expr, value", [
    ("s | t", {1, 2, 3, 4}), ("s & t", {3}), ("s - t", {1, 2}), ("t - s", {4}),
    ("{x + 1 for x in s}", {2, 3, 4}), ("{x for x in s if x != 2}", {1, 3}),
    ("{x for x in s | t if x % 2 == 0}", {2, 4}), ("{a % 5, 0}", {0, 2}), ("{}", set()),
    ("(b + 3)..(a - 4)", {1, 2, 3}), ("a..b", set()), ("{y - x for x in s, y in t if x < y}", {1, 2, 3}),
    ("{x / 2 for x in s}", {0, 1}),
])
def test_set_expressions(expr, value):
    assert evaluate(expr, "set[0..4]", SCALARS, SCALARS_INIT) == value


STRUCTS = """
const P = {p1, p2, p3}
enum Color { red, green, blue }
type Msg = Ping(src: P, n: 0..3) | Pong(dst: P) | Stop
type Acct = { owner: option[P], bal: 0..9, tags: set[Color] }
var m: map[P, 0..9]
var c: map[Color, bool]
var r: Acct
var u: Msg
var w: Msg
var o: option[0..5]
var n: option[0..5]
var q: seq[0..9, 4]
var e: seq[0..9, 4]
var tp: (0..3, bool)
var k: P
"""
STRUCTS_INIT = """m = {x: 0 for x in P} m[p2] = 5 m[p3] = 9
c = {red: true, green: false, blue: true}
r = {owner: some(p2), bal: 4, tags: {red, blue}}
u = Ping(p3, 2) w = Stop
o = some(3) n = none
q = [4, 7, 1] e = []
tp = (2, true) k = p2"""


@pytest.mark.parametrize("expr, value", [
    ("m[k]", 5), ("m[p3] - m[k]", 4), ("sum(m[x] for x in P)", 14), ("max(m[x] for x in P if x != p3)", 5),
    ("r.bal", 4), ("r.bal + tp[0]", 6), ("len(r.tags)", 2),
    ("u.n", 2), ("match u { Ping(s, x) -> x + 1, Pong(d) -> 0, Stop -> 9 }", 3),
    ("match w { Ping(s, x) -> x, _ -> 7 }", 7), ("match w { Stop -> 1, Ping(s, x) -> 2, Pong(d) -> 3 }", 1),
    ("get(o)", 3), ("match o { some(v) -> v * 2, none -> 0 }", 6), ("match n { some(v) -> v, none -> 5 }", 5),
    ("len(q)", 3), ("len(e)", 0), ("q[1]", 7), ("q[len(q) - 1]", 1), ("head(q)", 4), ("last(q)", 1),
    ("len(tail(q))", 2), ("head(tail(q))", 7), ("len(q ++ q)", 6), ("(q ++ [2])[3]", 2), ("(e ++ q)[0]", 4),
    ("len(append(q, 0))", 4), ("last(append(q, 8))", 8), ("sum(x for x in q)", 12), ("min(x for x in q)", 1),
    ("max(q[0], q[2])", 4), ("len(append(e, 3))", 1), ("len({x for x in q})", 3),
])
def test_structured_integer_expressions(expr, value):
    assert evaluate(expr, "-20..20", STRUCTS, STRUCTS_INIT) == value


@pytest.mark.parametrize("expr, value", [
    ("m[k] == 5", True), ("c[red] and not c[green]", True), ("u is Ping", True), ("u is Pong", False),
    ("w is Stop", True), ("o is some", True), ("n is none", True), ("o is none", False), ("n is some", False),
    ("r.owner == some(p2)", True), ("r.owner == some(p1)", False), ("r.owner != none", True),
    ("red in r.tags", True), ("green in r.tags", False), ("tp[1]", True),
    ("7 in q", True), ("5 in q", False), ("3 in e", False), ("q == [4, 7, 1]", True), ("q != [4, 7]", True),
    ("u == Ping(p3, 2)", True), ("u == Ping(p3, 1)", False), ("u.src == p3", True),
    ("forall x in P: m[x] <= 9", True), ("exists x in P: m[x] == 9 and x != k", True),
    ("exists x, y in P: m[x] + m[y] == 14", True), ("forall x, y in P: m[x] + m[y] < 18", False), ("forall x, y in P: m[x] + m[y] <= 18", True),
    ("match u { Ping(s, x) -> s == p3, _ -> false }", True),
    ("r == {owner: some(p2), bal: 4, tags: {red, blue}}", True), ("tp == (2, true)", True),
    ("q ++ e == q", True), ("tail(q) == [7, 1]", True), ("{x: m[x] + 0 for x in P} == m", True),
    ("{x: m[x] for x in P} == {x: 0 for x in P}", False),
])
def test_structured_boolean_expressions(expr, value):
    assert evaluate(expr, "bool", STRUCTS, STRUCTS_INIT) is value


def test_structured_values():
    def ev(expr, t):
        return evaluate(expr, t, STRUCTS, STRUCTS_INIT)

    assert ev("{x: m[x] / 2 for x in P}", "map[P, 0..9]") == V.MapVal([("p1", 0), ("p2", 2), ("p3", 4)])
    assert ev("{x: not c[x] for x in Color}", "map[Color, bool]") == \
        V.MapVal([("red", False), ("green", True), ("blue", False)])
    assert ev("{owner: none, bal: r.bal + 1, tags: r.tags - {red}}", "Acct") == \
        V.Rec((("owner", V.NONE), ("bal", 5), ("tags", {"blue"})))
    assert ev("Pong(get(r.owner))", "Msg") == V.Variant("Pong", (("dst", "p2"),))
    assert ev("if o is some then some(get(o) + 1) else none", "option[0..5]") == V.Some(4)
    assert ev("if o is none then some(0) else none", "option[0..5]") is V.NONE
    assert ev("append(tail(q), q[0])", "seq[0..9, 4]") == (7, 1, 4)
    assert ev("q ++ [2]", "seq[0..9, 4]") == (4, 7, 1, 2)
    assert ev("(tp[0] + 1, not tp[1])", "(0..3, bool)") == (3, False)
    assert ev("{p for p in P if m[p] > 0}", "set[P]") == {"p2", "p3"}
    assert ev("{Ping(p, 1) for p in P if m[p] == 0} | {Stop}", "set[Msg]") == \
        {V.Variant("Ping", (("src", "p1"), ("n", 1))), V.Variant("Stop", ())}


def test_defs_with_parameters():
    decls = SCALARS + """
def twice(v: -9..9) -> -18..18 = v * 2
def between(lo: -9..9, hi: -9..9, v: -9..9) -> bool = lo <= v and v <= hi
def bigger(x: 0..4) -> bool = x > b + 3
def total = sum(x for x in s)
"""
    assert evaluate("twice(a) + twice(b)", "-40..40", decls, SCALARS_INIT) == 10
    assert evaluate("between(b, a, 3) and not between(b, 0, a)", "bool", decls, SCALARS_INIT) is True
    assert evaluate("{x for x in s if bigger(x)}", "set[0..4]", decls, SCALARS_INIT) == {2, 3}
    assert evaluate("total + twice(total)", "0..40", decls, SCALARS_INIT) == 18


# ---- expression models: exact state counts ---------------------------------------------------

def test_division_model():
    text = """
model Div
var x: -4..4
init { x = -4 }
action Step {
  require x < 4
  x = x + 1
}
invariant Identity: x == 0 or ((7 / x) * x + 7 % x == 7 and ((-7) / x) * x + (-7) % x == -7)
invariant Truncates: x != -2 or (7 / x == -3 and 7 % x == 1 and (-7) / x == 3 and (-7) % x == -1)
invariant SignOfDividend: x == 0 or (7 % x >= 0 and (-7) % x <= 0)
"""
    holds(run(text, deadlock=False), states=9, transitions=8, depth=8)
    r = run(text)
    assert [p.name for p in r.violated] == ["deadlock"]
    assert prop(r, "deadlock").trace.length == 8
    assert prop(r, "deadlock").trace.steps[-1].state == {"x": 4}


def test_set_model_every_subset():
    text = """
model Sets
var s: set[0..2]
init { s = {} }
action Add(i: 0..2) {
  require i not in s
  s = s | {i}
}
action Remove(i: 0..2) {
  require i in s
  s = s - {i}
}
invariant Bounded: len(s) <= 3 and s subset 0..2 and s & {} == {}
"""
    r = run(text)
    holds(r, states=8, transitions=24, depth=3)
    assert r.stats.actions == {"Add": 12, "Remove": 12}


def test_set_comprehension_model():
    text = """
model Comp
var s: set[0..3]
init { s = {0, 1} }
action Shift { s = {(x + 1) % 4 for x in s} }
action Evens { s = {x for x in s if x % 2 == 0} }
"""
    holds(run(text), states=9, transitions=18, depth=3)
    assert decoded_states(text, var="s") == {
        frozenset(x) for x in ({0, 1}, {1, 2}, {2, 3}, {3, 0}, {0}, {1}, {2}, {3}, set())}


def test_map_model():
    text = """
model Maps
const P = {a, b}
var m: map[P, 0..2]
init { m = {p: 0 for p in P} }
action Inc(p: P) {
  require m[p] < 2
  m[p] = m[p] + 1
}
action Reset {
  require forall p in P: m[p] == 2
  m = {p: 0 for p in P}
}
"""
    r = run(text)
    holds(r, states=9, transitions=13, depth=4)
    assert r.stats.actions == {"Inc": 12, "Reset": 1}


def test_record_field_assignment_model():
    text = """
model Records
const P = {a, b}
type Acct = { bal: 0..2, frozen: bool }
var acc: map[P, Acct]
init { acc = {p: {bal: 0, frozen: false} for p in P} }
action Deposit(p: P) {
  require not acc[p].frozen and acc[p].bal < 2
  acc[p].bal = acc[p].bal + 1
}
action Freeze(p: P) {
  require not acc[p].frozen
  acc[p].frozen = true
}
invariant FrozenKeepsBalance: forall p in P: acc[p].bal <= 2
"""
    r = run(text, deadlock=False)
    holds(r, states=36, transitions=60, depth=6)
    assert r.stats.actions == {"Deposit": 24, "Freeze": 36}
    r = run(text)  # every account frozen: nothing is enabled
    assert [p.name for p in r.violated] == ["deadlock"]
    assert prop(r, "deadlock").trace.length == 2


def test_nested_path_assignment_model():
    text = """
model Nested
const K = {k1, k2}
type Cell = { v: 0..2, hist: seq[0..2, 2] }
var g: map[K, Cell]
var tt: (0..1, map[0..1, bool])
init { g = {k: {v: 0, hist: []} for k in K} tt = (0, {i: false for i in 0..1}) }
action Bump(k: K) {
  require g[k].v < 2
  g[k].v = g[k].v + 1
  g[k].hist = append(g[k].hist, g[k].v)
}
action Fix(k: K) {
  require len(g[k].hist) > 0
  g[k].hist[0] = 0
}
action Flip(i: 0..1) {
  tt[1][i] = not tt[1][i]
  tt[0] = i
}
invariant Hist: forall k in K: len(g[k].hist) == g[k].v and (g[k].v == 2 implies g[k].hist[1] == 2)
"""
    # per K entry (v, hist): (0,[]), (1,[1]), (1,[0]), (2,[1,2]), (2,[0,2]), 5 of them, squared 25;
    # tt: every (last flipped index, bits), 2 * 4 = 8
    r = run(text, deadlock=False)
    holds(r, states=25 * 8, transitions=960, depth=9)
    assert r.stats.actions == {"Bump": 240, "Fix": 320, "Flip": 400}
    differential(model_of(text))


def test_union_match_model():
    text = """
model Unions
type Msg = Req(n: 0..2) | Ack | Nop
var m: Msg
init { m = Nop }
action Send(n: 0..2) {
  require m is Nop
  m = Req(n)
}
action Reply {
  require m is Req
  m = match m { Req(n) -> if n == 2 then Nop else Ack, _ -> m }
}
action Done {
  require m == Ack
  m = Nop
}
invariant Small: not (m is Req) or m.n <= 2
"""
    r = run(text)
    holds(r, states=5, transitions=7, depth=2)
    assert r.stats.actions == {"Send": 3, "Reply": 3, "Done": 1}


def test_option_model():
    text = """
model Options
var o: option[0..2]
init { o = none }
action Set(v: 0..2) {
  require o is none
  o = some(v)
}
action Bump {
  require o is some and get(o) < 2
  o = some(get(o) + 1)
}
action Clear {
  require o == some(2)
  o = none
}
invariant Shape: o == none or get(o) >= 0
"""
    r = run(text)
    holds(r, states=4, transitions=6, depth=1)
    assert r.stats.actions == {"Set": 3, "Bump": 2, "Clear": 1}


def test_sequence_model():
    text = """
model Seqs
var q: seq[0..1, 2]
init { q = [] }
action Push(v: 0..1) {
  require len(q) < 2
  q = append(q, v)
}
action Pop {
  require len(q) > 0
  q = tail(q)
}
invariant Ends: len(q) == 0 or (head(q) == q[0] and last(q) == q[len(q) - 1] and q[0] in q)
invariant Concat: len(q ++ q) == 2 * len(q) and (len(q) == 0 or (q ++ q)[len(q)] == head(q))
"""
    r = run(text)
    holds(r, states=7, transitions=12, depth=2)
    assert r.stats.actions == {"Push": 6, "Pop": 6}


def test_aggregates_quantifiers_and_defs_model():
    text = """
model Ledger
const P = {a, b}
var cash: map[P, 0..3]
def total -> 0..6 = sum(cash[p] for p in P)
def richer(p: P, q: P) -> bool = cash[p] > cash[q]
init { cash = {a: 2, b: 1} }
action Transfer(from: P, to: P) {
  require from != to and cash[from] > 0
  cash[from] = cash[from] - 1
  cash[to] = cash[to] + 1
}
action Level(p: P, q: P) {
  require richer(p, q) and cash[p] - cash[q] >= 3
  cash[p] = cash[p] - 1
  cash[q] = cash[q] + 1
}
invariant Conserved: total == 3
invariant Extremes: max(cash[p] for p in P) >= 2 and min(cash[p] for p in P) <= 1
invariant Holders: len({p for p in P if cash[p] > 0}) >= 1
invariant Pairs: forall p, q in P: cash[p] + cash[q] <= 6
invariant Someone: exists p in P, q in P: p != q and cash[p] >= cash[q]
invariant Filtered: sum(cash[p] for p in P if cash[p] > 1) >= 2
"""
    r = run(text)
    # cash is (0,3), (1,2), (2,1) or (3,0); Level moves from 3 to 0 only
    holds(r, states=4, transitions=8, depth=2)
    assert r.stats.actions == {"Transfer": 6, "Level": 2}


# ---- statements ------------------------------------------------------------------------------

def test_sequential_assignment_reads_new_values():
    text = """
model Seq
var x: 0..3
var y: 0..3
init { x = 0 y = 0 }
action Step {
  x = (x + 1) % 4
  y = x
}
invariant Same: x == y
"""
    holds(run(text), states=4, transitions=4, depth=3)


def test_let_and_if_else():
    text = """
model LetIf
var x: 0..3
var wraps: 0..2
init { x = 0 wraps = 0 }
action Step {
  let nx = x + 1
  if nx > 3 {
    x = 0
    let w = wraps + 1
    wraps = w % 3
  } else {
    x = nx
  }
}
"""
    holds(run(text), states=12, transitions=12, depth=11)


def test_for_over_constant_domain():
    text = """
model ForConst
var m: map[0..2, 0..3]
init { m = {i: 0 for i in 0..2} }
action Tick {
  for i in 0..2 {
    m[i] = (m[i] + i) % 4
  }
}
"""
    holds(run(text), states=4, transitions=4, depth=3)
    assert decoded_states(text, var="m") == {
        V.MapVal([(0, 0), (1, k % 4), (2, 2 * k % 4)]) for k in range(4)}


def test_for_over_set_variable():
    text = """
model ForSet
var s: set[0..3]
var tot: 0..6
init { s = {1, 2} tot = 0 }
action Add(i: 0..3) {
  require i not in s
  s = s | {i}
}
action Count {
  tot = 0
  for i in s {
    tot = tot + i
  }
}
invariant Sum: tot <= sum(s)
"""
    r = run(text, deadlock=False)
    holds(r, states=10, transitions=19, depth=3)
    assert r.stats.actions == {"Add": 9, "Count": 10}


def test_choose_with_require_after_it():
    text = """
model Jump
var x: 0..3
init { x = 0 }
action Jump {
  choose v in 0..3
  require v != x
  x = v
}
"""
    holds(run(text), states=4, transitions=12, depth=1)


def test_choose_inside_if():
    text = """
model ChooseIf
var x: 0..3
var mode: bool
init { x = 0 mode = false }
action Go {
  if mode {
    choose v in {1, 2}
    x = v
  } else {
    x = 3
  }
  mode = not mode
}
"""
    holds(run(text), states=4, transitions=5, depth=2)


def test_choose_inside_for_with_require():
    text = """
model ChooseFor
var a: map[0..1, 0..2]
init { a = {i: 0 for i in 0..1} }
action Raise {
  for i in 0..1 {
    choose v in 0..2
    require v >= a[i]
    a[i] = v
  }
}
"""
    # from (a0, a1) every (v0 >= a0, v1 >= a1): (3 + 2 + 1) ** 2 transitions in all
    holds(run(text), states=9, transitions=36, depth=1)


def test_choose_over_a_set_variable_inside_for_over_a_set_variable():
    text = """
model ChooseSetVar
var s: set[0..2]
var pick: map[0..2, 0..2]
init { s = {0, 2} pick = {i: 0 for i in 0..2} }
action Pick {
  for i in s {
    choose v in s
    pick[i] = v
  }
}
"""
    # pick[0], pick[2] range over s = {0, 2}; pick[1] stays 0
    holds(run(text), states=4, transitions=16, depth=1)


def test_require_inside_if():
    text = """
model RequireIf
var x: 0..3
init { x = 3 }
action Down {
  let y = x
  if y > 0 {
    x = x - 1
    require x != 1
  }
}
action Reset {
  require x == 2
  x = 0
}
"""
    r = run(text)
    holds(r, states=3, transitions=3, depth=2)
    assert r.stats.actions == {"Down": 2, "Reset": 1}


def test_require_inside_for():
    text = """
model RequireFor
var s: set[0..3]
var x: 0..3
init { s = {1, 3} x = 0 }
action Move(v: 0..3) {
  for i in s {
    require i != v
  }
  x = v
}
"""
    # x may move to 0 or 2 only
    holds(run(text), states=2, transitions=4, depth=1)


def test_assert_that_holds_changes_nothing():
    text = """
model Asserts
var x: 0..3
init { x = 0 }
action Step {
  assert x <= 3, "x in range"
  x = (x + 1) % 4
  assert x != 4
}
"""
    holds(run(text), states=4, transitions=4, depth=3)


def test_nondeterministic_init():
    text = """
model Init
var x: 0..3
var y: bool
init {
  choose v in 1..3
  x = v
  y = v == 2
}
action Stay { x = x }
"""
    r = run(text)
    holds(r, states=3, transitions=3, depth=0)
    assert decoded_states(text) == {(("x", 1), ("y", False)), (("x", 2), ("y", True)), (("x", 3), ("y", False))}


def test_parameters_with_offset_ranges_and_choose():
    # regression: unrolled action parameters were passed as values where codes were expected,
    # and a chosen local of a range not from 0 was lost between continuation functions
    text = """
model Offsets
var x: 0..5
var y: 0..5
init { x = 0 y = 0 }
action A(p: 3..4) {
  choose c in 1..2
  x = p
  y = c
}
"""
    r = run(text, deadlock=False)
    holds(r, states=5, transitions=20, depth=1)
    assert decoded_states(text, var="x") == {0, 3, 4}
    assert decoded_states(text, var="y") == {0, 1, 2}


def test_constant_outside_range_is_a_runtime_error():
    # regression: a constant stored into a smaller range was written unchecked into the next
    # variable's bits by the compiled code
    text = """
model Spill
var x: 0..3
var z: 0..3
init { x = 0 z = 0 }
action A { x = len(0..3) }
"""
    r = run(text)
    assert [p.name for p in r.violated] == ["runtime"]
    assert "4 is outside 0..3" in prop(r, "runtime").message
    assert prop(r, "runtime").trace.length == 1


def test_no_action_enabled_is_reported_once_per_verdict():
    r = run("model D\nvar x: bool\ninit { x = false }\naction A { require x }\n")
    assert r.verdict is Verdict.VIOLATED
    assert [p.name for p in r.violated] == ["deadlock"]
    assert prop(r, "deadlock").trace.length == 0


def test_states_wider_than_64_bits():
    # 80 bits of state: the visited set keeps 64-bit fingerprints instead of the states
    text = """
model Wide
var a: map[0..9, 0..255]
init { a = {i: 0 for i in 0..9} }
action Set(i: 0..9) {
  require a[i] == 0
  a[i] = 200 + i
}
invariant Values: forall i in 0..9: a[i] == 0 or a[i] == 200 + i
"""
    r = run(text, deadlock=False)
    holds(r, states=1024, transitions=5120, depth=10)
    assert r.stats.search.fingerprint == "64-bit"
    assert 0 < r.stats.search.collision_probability < 1e-9
    assert model_of(text).state_bits == 80


def test_progress_is_reported():
    from checker.engines.explicit.search import ExplicitOptions, check
    from checker.core.limits import Budget
    seen = []
    now = [0.0]

    def clock():  # every clock read is a second after the last: every one reports progress
        now[0] += 1.0
        return now[0]
    m = model_of("model P\nvar x: 0..9\ninit { x = 0 }\naction A { x = (x + 1) % 10 }\n")
    r = check(m, ExplicitOptions(chunk=1), budget=Budget(clock=clock, on_event=seen.append))
    assert r.stats.distinct_states == 10
    assert seen[0].phase == "init"
    search = [p for p in seen if p.phase == "search"]
    assert {p.depth for p in search} == set(range(10))       # every level reports
    assert [(p.depth, p.states) for p in search] == sorted((p.depth, p.states) for p in search)
    assert search[-1].states == 10
    assert all(p.queue == 0 for p in search)


def test_none_survives_copies():
    # regression: a copied or unpickled `none` was another object, unequal to `none`
    import copy
    import pickle
    assert copy.deepcopy(V.NONE) is V.NONE
    assert pickle.loads(pickle.dumps(V.NONE)) is V.NONE
    rec = V.Rec((("owner", V.NONE),))
    assert copy.deepcopy(rec) == rec
