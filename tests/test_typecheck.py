"""Names and types: the checker's diagnostics (E2xx, E3xx) and the typed IR it builds."""

from __future__ import annotations

import pytest

from spec import ir
from spec.loader import load_text
from spec.types import (BoolType, EnumType, IntType, MapType, ModelValueType, OptionType, RecordType, SeqType,
                        SetType, TupleType, UnionType)

from checker.engines.explicit.layout import StateLayout
from spec_helpers import at, load_error, one

BOOL = BoolType()

# a model with a variable of every kind of type; tests append declarations to it
BASE = """model M
const N = 3
const NODES = {n1, n2}
enum Color { red, green, blue }
enum Light { red, off }
type Msg = Ping(src: NODES, n: 0..N) | Pong(src: NODES) | Stop
type Rec = { c: Color, v: 0..N }
var x: 0..N
var b: bool
var c: Color
var l: Light
var s: set[NODES]
var m: map[NODES, 0..N]
var q: seq[0..N, 2]
var o: option[0..N]
var r: Rec
var p: (0..N, bool)
var u: Msg
init {
  x = 0
  b = false
  c = red
  l = off
  s = {}
  m = {k: 0 for k in NODES}
  q = []
  o = none
  r = {c: green, v: 1}
  p = (1, true)
  u = Stop
}
"""
BASE_LINES = BASE.count("\n")


def model(extra: str = "action Noop { skip }\n"):
    return load_text(BASE + extra, "m.sync")


def cond(expr: str) -> ir.Expr:
    """The IR of `expr` as an invariant of BASE."""
    (inv,) = model(f"invariant I: {expr}\naction Noop {{ skip }}\n").invariants
    return inv.cond


def errors(extra: str):
    """(code, line relative to the appended text, col, message) of every error."""
    err = load_error(BASE + extra)
    got = [(d.code, d.span.line - BASE_LINES if d.span else None, d.span.col if d.span else None, d.message)
           for d in err.diagnostics]
    return sorted(got, key=lambda g: (g[1], g[2]))


# ---- the IR of a correct model ------------------------------------------------

def test_base_model_types():
    mdl = model()
    nodes = mdl.types["NODES"]
    assert nodes == ModelValueType("NODES", ("n1", "n2"), False)
    color = EnumType("Color", ("red", "green", "blue"))
    msg = mdl.types["Msg"]
    assert isinstance(msg, UnionType) and [n for n, _ in msg.variants] == ["Ping", "Pong", "Stop"]
    assert msg.variants[0][1].fields == (("src", nodes), ("n", IntType(0, 3)))
    assert msg.variants[2][1] is None
    assert {v.name: v.type for v in mdl.vars} == {
        "x": IntType(0, 3), "b": BOOL, "c": color, "l": EnumType("Light", ("red", "off")),
        "s": SetType(nodes), "m": MapType(nodes, IntType(0, 3)), "q": SeqType(IntType(0, 3), 2),
        "o": OptionType(IntType(0, 3)), "r": RecordType("Rec", (("c", color), ("v", IntType(0, 3)))),
        "p": TupleType(None, (("0", IntType(0, 3)), ("1", BOOL))), "u": msg}
    assert [v.index for v in mdl.vars] == list(range(11))
    offsets = list(StateLayout(mdl).offsets)
    assert offsets == sorted(offsets) and offsets[0] == 0
    assert mdl.state_bits == sum(v.type.bits for v in mdl.vars)
    assert mdl.consts["N"].value == 3 and mdl.consts["N"].type == IntType(3, 3)
    assert mdl.consts["NODES"].type == SetType(nodes) and mdl.consts["NODES"].value == 0b11
    assert mdl.name == "M" and mdl.path == "m.sync"


def test_init_statements_are_typed_assignments():
    mdl = model()
    stmts = mdl.init
    assert [s.var.name for s in stmts] == ["x", "b", "c", "l", "s", "m", "q", "o", "r", "p", "u"]
    assert all(isinstance(s, ir.Assign) and s.path == [] for s in stmts)
    # a value of the variable's type, or a literal range inside it (no conversion needed)
    assert all(s.value.type == s.var.type or s.var.type.contains(s.value.type) for s in stmts)
    # `red` is a member of Color and Light: the variable's type decides
    c, l = stmts[2], stmts[3]
    assert isinstance(c.value, ir.Lit) and c.value.type.name == "Color" and c.value.value == 0
    assert l.value.type.name == "Light" and l.value.value == 1
    m = stmts[5].value
    assert isinstance(m, ir.Quant) and m.kind == "map" and m.type == MapType(mdl.types["NODES"], IntType(0, 3))


@pytest.mark.parametrize("expr, op, typ", [
    ("x + 1 > 2", "gt", BOOL),
    ("x == 1 and not b", "and", BOOL),
    ("b implies x < 2", "implies", BOOL),
    ("c == red", "eq", BOOL),
    ("n1 in s", "in", BOOL),
    ("n1 not in s", "not", BOOL),
    ("s subset NODES", "subset", BOOL),
    ("3 in q", "seqin", BOOL),
    ("u is Ping", "is", BOOL),
    ("o is some", "issome", BOOL),
    ("o is none", "isnone", BOOL),
    ("o == none", "eq", BOOL),
    ("none == o", "eq", BOOL),
    ("{} == s", "eq", BOOL),
    ("[] == q", "eq", BOOL),
])
def test_condition_ir(expr, op, typ):
    e = cond(expr)
    assert isinstance(e, ir.Op) and e.op == op and e.type == typ


def defbody(expr: str, params: str = "") -> ir.Expr:
    mdl = model(f"def D{params} = {expr}\naction Noop {{ skip }}\n")
    return mdl.defs["D"].body


@pytest.mark.parametrize("expr, kind, typ", [
    ("x + 1", "add", IntType(1, 4)),
    ("x - 5", "sub", IntType(-5, -2)),
    ("x * x", "mul", IntType(0, 9)),
    ("x / 2", "div", IntType(0, 1)),
    ("-x", "neg", IntType(-3, 0)),
    ("x % 2", "mod", IntType(0, 1)),
    ("m[n1]", "get", IntType(0, 3)),
    ("r.v", "field", IntType(0, 3)),
    ("r.c", "field", EnumType("Color", ("red", "green", "blue"))),
    ("p[1]", "field", BOOL),
    ("u.n", "ufield", IntType(0, 3)),
    ("q[0]", "seqget", IntType(0, 3)),
    ("len(q)", "len", IntType(0, 2)),
    ("len(s)", "card", IntType(0, 2)),
    ("q ++ q", "concat", SeqType(IntType(0, 3), 4)),
    ("append(q, 1)", "append", SeqType(IntType(0, 3), 2)),
    ("get(o)", "optget", IntType(0, 3)),
    ("some(x)", "some", OptionType(IntType(0, 3))),
    ("if b then x else 7", "ite", IntType(0, 7)),
    ("max(x, 5)", "maxof", IntType(5, 5)),
    ("min(x, 5)", "minof", IntType(0, 3)),
    ("abs(x - 5)", "abs", IntType(2, 5)),
    ("s | {n1}", "union", SetType(ModelValueType("NODES", ("n1", "n2"), False))),
    ("s & {n1}", "inter", SetType(ModelValueType("NODES", ("n1", "n2"), False))),
    ("s - {n1}", "diff", SetType(ModelValueType("NODES", ("n1", "n2"), False))),
    ("0..x", "range", SetType(IntType(0, 3))),
    ("Ping(n1, x)", "ctor", None),
])
def test_expression_ir_types(expr, kind, typ):
    e = defbody(expr)
    assert isinstance(e, ir.Op) and e.op == kind
    if typ is not None:
        assert e.type == typ


def test_quantifiers_and_comprehensions():
    e = defbody("sum(m[k] for k in NODES if k != n1)")
    assert isinstance(e, ir.Quant) and e.kind == "sum" and e.type == IntType(0, 6)
    assert [b.sym.name for b in e.binders] == ["k"] and e.cond is not None
    e = defbody("{k + 1 for k in 0..x}")
    assert e.kind == "set" and e.type == SetType(IntType(1, 4))
    e = defbody("exists i, j in NODES: m[i] < m[j]")
    assert e.kind == "exists" and e.type == BOOL and [b.sym.name for b in e.binders] == ["i", "j"]
    e = defbody("forall i in 0..N: i <= N")
    assert e.kind == "forall"
    e = defbody("{k: b for k in NODES}")
    assert e.kind == "map" and e.type == MapType(e.binders[0].sym.type, BOOL)
    e = defbody("max(v for v in 1..x)")
    assert e.kind == "max" and e.type == IntType(1, 3)


def test_constant_expressions_are_folded():
    e = defbody("N * 2 + 1")
    assert isinstance(e, ir.Lit) and e.value == 7 and e.type == IntType(7, 7)
    e = defbody("Color.blue")
    assert isinstance(e, ir.Lit) and e.value == 2 and e.type.name == "Color"
    e = defbody("Light.red")
    assert e.type.name == "Light" and e.value == 0
    e = defbody("{1, 2, 3}")
    assert isinstance(e, ir.Lit) and e.type == SetType(IntType(1, 3)) and e.value == 0b111
    e = defbody("(1, N)")
    assert isinstance(e, ir.Lit) and e.type == TupleType(None, (("0", IntType(1, 1)), ("1", IntType(3, 3))))


def test_match_ir():
    e = defbody("match u { Ping(a, k) -> k, Pong(_) -> 0, Stop -> N }")
    assert isinstance(e, ir.Match) and e.type == IntType(0, 3)
    assert [a.pattern for a in e.arms] == ["Ping", "Pong", "Stop"]
    assert [[s.name for s in a.locals] for a in e.arms] == [["a", "k"], ["_"], []]
    e = defbody("match o { some(v) -> v + 1, none -> 0 }")
    assert [a.pattern for a in e.arms] == ["some", "none"] and e.type == IntType(0, 4)
    e = defbody("match u { Stop -> true, _ -> false }")
    assert [a.pattern for a in e.arms] == ["Stop", None]


def test_action_ir():
    mdl = model("""action Step(n: NODES, k: 0..N) {
  require x < N
  let y = x + 1
  x = y
  m[n] = k
  r.v = 2
  if k > 1 { b = true } else { skip }
  for j in NODES { m[j] = 0 }
  choose z in 0..N
  assert z <= N, "in range"
}
""")
    (a,) = mdl.actions
    assert a.name == "Step" and [(p.name, p.type) for p in a.params] == \
        [("n", mdl.types["NODES"]), ("k", IntType(0, 3))]
    kinds = [type(s).__name__ for s in a.body]
    assert kinds == ["Require", "LetS", "Assign", "Assign", "Assign", "If", "For", "Choose", "Assert"]
    let, assign = a.body[1], a.body[2]
    assert let.sym.type == IntType(1, 4)
    # storing 1..4 into 0..3 is a checked narrowing
    assert isinstance(assign.value, ir.Op) and assign.value.op == "narrow" and assign.value.type == IntType(0, 3)
    mset = a.body[3]
    assert mset.var.name == "m" and [p.kind for p in mset.path] == ["get"]
    rset = a.body[4]
    assert [(p.kind, p.arg) for p in rset.path] == [("field", 1)]
    assert a.body[5].orelse == []  # `skip` leaves no statement
    assert a.body[8].message == "in range"


def test_definitions_ir():
    mdl = model("def double(a: 0..N) -> 0..2 * N = a * 2\ndef red_now = c == red\naction Noop { skip }\n")
    d = mdl.defs["double"]
    assert d.ret == IntType(0, 6) and [p.name for p in d.params] == ["a"] and not d.reads_state
    assert mdl.defs["red_now"].ret is None and mdl.defs["red_now"].body.type == BOOL
    assert mdl.defs["red_now"].reads_state
    (inv,) = model("def double(a: 0..N) -> 0..2 * N = a * 2\ninvariant I: double(x) <= 6\n"
                   "action Noop { skip }\n").invariants
    call = inv.cond.args[0]
    assert isinstance(call, ir.Call) and call.fn.name == "double" and call.type == IntType(0, 6)


def test_calls_with_constant_arguments_are_folded():
    mdl = model("def double(a: 0..N) -> 0..2 * N = a * 2\nconst SIX = double(3)\naction Noop { skip }\n")
    assert mdl.consts["SIX"].value == 6


# ---- enum members shared by two enums ------------------------------------------

TPC = """model T
enum RMState { working, prepared, committed, aborted }
enum TMState { init, committed, aborted }
var rm: RMState
var tm: TMState
init { rm = working
  tm = init }
"""


@pytest.mark.parametrize("text", [
    "invariant I: tm == committed",
    "invariant I: committed == tm",
    "invariant I: rm != aborted implies tm != aborted",
    "invariant I: tm in {committed, aborted}",
    "invariant I: {committed, TMState.aborted} == {tm}",
    "invariant I: (if rm == working then committed else aborted) == tm",
    "action A { tm = committed }",
    "action A { require rm == committed\n rm = aborted }",
    "def f -> TMState = committed",
    "def f(s: TMState) -> bool = s == aborted",
])
def test_shared_member_resolved_by_context(text):
    load_text(TPC + text + "\naction Noop { skip }\n", "t.sync")


def test_shared_member_takes_the_type_of_the_other_side():
    mdl = load_text(TPC + "invariant I: committed == tm\ninvariant J: rm == committed\naction Noop { skip }\n")
    i, j = mdl.invariants
    assert i.cond.args[0].type.name == "TMState" and i.cond.args[0].value == 1
    assert j.cond.args[1].type.name == "RMState" and j.cond.args[1].value == 2


@pytest.mark.parametrize("text, col", [
    ("action A { let z = committed }", 20),
    ("def f = committed", 9),
    ("invariant I: committed == committed", 27),
    ("invariant I: match committed { _ -> true }", 20),
])
def test_shared_member_without_context_is_reported(text, col):
    err = load_error(TPC + text + "\naction Noop { skip }\n")
    d = one(err)
    assert (d.code, at(d)) == ("E307", (8, col))
    assert d.message == "'committed' is a member of RMState and TMState"
    assert d.help == "say which one: RMState.committed"


def test_set_of_shared_members_only_is_reported():
    d = one(load_error(TPC + "invariant I: tm in {committed, aborted}\ninvariant J: {committed} == {}\n"
                       "action Noop { skip }\n"))
    assert (d.code, at(d)) == ("E307", (9, 14))
    assert d.message == "cannot tell the type of the elements of this set"


# ---- name errors --------------------------------------------------------------

def test_unknown_names_with_suggestions():
    err = load_error(BASE + "action A { xx = 1 }\ninvariant I: cc == red\ndef f = Colour.red\n"
                     "invariant J: frob(1)\ninvariant K: x in NODE\naction B(k: 0..N) { x = kk }\n"
                     "def g(k: Colr) -> bool = true\n")
    got = {(d.code, d.span.line - BASE_LINES, d.span.col, d.message, d.help) for d in err.diagnostics}
    assert got == {
        ("E201", 1, 12, "unknown variable 'xx'", "did you mean 'x'?"),
        ("E201", 2, 14, "unknown name 'cc'", "did you mean 'c'?"),
        ("E201", 3, 9, "unknown name 'Colour'", "did you mean 'Color'?"),
        ("E201", 4, 14, "unknown function 'frob'", None),
        ("E201", 5, 19, "unknown name 'NODE'", "did you mean 'NODES'?"),
        ("E201", 6, 25, "unknown name 'kk'", "did you mean 'k'?"),
        ("E203", 7, 10, "unknown type 'Colr'", "did you mean 'Color'?"),
    }


def test_unknown_members_fields_and_variants():
    got = errors("invariant A: c == Color.purple\ninvariant B: r.w == 1\ninvariant C: u is Pang\n"
                 "invariant D: u.nn == 1\naction E { r.vv = 1 }\n")
    assert got == [
        ("E201", 1, 25, "Color has no member 'purple'"),
        ("E304", 2, 16, "Rec has no field 'w'"),
        ("E308", 3, 19, "Msg has no variant 'Pang'"),
        ("E304", 4, 16, "no variant of Msg has a field 'nn'"),
        ("E304", 5, 12, "Rec has no field 'vv'"),
    ]


def test_duplicates():
    err = load_error("""model M
enum E { a, b, a }
enum E { c }
def f = 1
def f = 2
const x = 1
var x: bool
var y, y: bool
type R = {a: bool, a: bool}
type U = P | P
action A(k: bool, k: bool) { skip }
action A { skip }
invariant I: true
invariant I: false
init { y = true }
""")
    got = [(d.code, at(d), d.message, d.notes) for d in err.diagnostics]
    assert got == [
        ("E202", (2, 16), "'a' appears twice in enum E", ()),
        ("E202", (3, 1), "'E' is already declared", ("the first declaration is at m.sync:2:1",)),
        ("E202", (5, 1), "'f' is already declared", ("the first declaration is at m.sync:4:1",)),
        ("E202", (7, 5), "'x' is already declared", ("the first declaration is at m.sync:6:1",)),
        ("E202", (8, 8), "'y' is already declared", ("the first declaration is at m.sync:8:5",)),
        ("E202", (12, 1), "'A' is already declared", ("the first declaration is at m.sync:11:1",)),
        ("E202", (14, 1), "'I' is already declared", ("the first declaration is at m.sync:13:1",)),
        ("E202", (9, 20), "field 'a' appears twice", ()),
        ("E202", (10, 14), "variant 'P' appears twice in U", ()),
        ("E202", (11, 19), "parameter 'k' appears twice", ()),
    ]


def test_a_duplicate_variable_does_not_replace_the_first():
    # the second `x` is reported; the first one's type stays, so `x = 0` is fine
    err = load_error("model M\nvar x: 0..3\nvar x: bool\ninit { x = 0 }\naction A { x = 1 }\n")
    assert err.codes == ["E202"]


def test_assigning_what_is_not_a_state_variable():
    got = errors("""action A(k: 0..N) { N = 1 }
action B(k: 0..N) { k = 1 }
action C { let y = 1
  y = 2 }
action D { for i in 0..N { i = 1 } }
action E { choose i in 0..N
  i = 2 }
""")
    assert got == [
        ("E316", 1, 21, "'N' is a constant and cannot be assigned"),
        ("E316", 2, 21, "'k' is a local name and cannot be assigned"),
        ("E316", 4, 3, "'y' is a local name and cannot be assigned"),
        ("E316", 5, 28, "'i' is a local name and cannot be assigned"),
        ("E316", 7, 3, "'i' is a local name and cannot be assigned"),
    ]


def test_constants_and_assumptions_cannot_read_the_state():
    err = load_error("""model M
var x: 0..3
const A = x + 1
var y: 0..x
def f -> 0..3 = x
const K = f
assume x > 0
def g -> 0..3 = x
assume g > 0
init { x = 0
  y = 0 }
action Noop { skip }
""")
    got = [(d.code, at(d), d.message) for d in err.diagnostics]
    assert got == [
        ("E205", (3, 11), "'x' is a state variable; a constant cannot read the state"),
        ("E205", (5, 17), "'x' is a state variable; a definition used in a constant cannot read the state"),
        ("E205", (4, 11), "'x' is a state variable; a constant cannot read the state"),
        ("E205", (7, 8), "'x' is a state variable; an assumption cannot read the state"),
        ("E205", (9, 8), "'g' reads the state; an assumption cannot"),
    ]


# ---- type errors -------------------------------------------------------------

def test_type_mismatches_name_both_types():
    got = errors("""action A { x = b }
action B { b = x + 1 }
action C { c = 1 }
action D { s = {true} }
action E { u = Ping(n1, true) }
invariant F: x == c
invariant G: b < 1
invariant H: c in s
invariant J: x + c > 0
invariant K: x
invariant L: len(x) == 0
invariant O: m[c] == 0
""")
    assert got == [
        ("E302", 1, 16, "type mismatch for 'x': expected 0..3, found bool"),
        ("E302", 2, 16, "type mismatch for 'b': expected bool, found 1..4"),
        ("E302", 3, 16, "type mismatch for 'c': expected Color, found 1..1"),
        ("E302", 4, 16, "type mismatch for 's': expected set[NODES], found set[bool]"),
        ("E302", 5, 25, "type mismatch for field 'n': expected 0..3, found bool"),
        ("E301", 6, 14, "cannot compare 0..3 with Color"),
        ("E302", 7, 14, "expected an integer, found bool"),
        ("E301", 8, 14, "cannot look for a Color in a collection of NODES"),
        ("E302", 9, 18, "expected an integer, found Color"),
        ("E302", 10, 14, "type mismatch for a condition: expected bool, found 0..3"),
        ("E302", 11, 18, "len() takes a set or a sequence, found 0..3"),
        ("E302", 12, 16, "type mismatch for a map key: expected NODES, found Color"),
    ]


def test_out_of_range_literals():
    got = errors("""action A { x = 4 }
action B { x = -1 }
action C { u = Ping(n1, 7) }
action D { q = [1, 9] }
action E { o = some(9) }
action F { m[n1] = 4 }
action G { p = (9, true) }
action H { r = {c: red, v: 5} }
def I -> 0..2 = 3
const J: 0..2 = N
""")
    assert got == [
        ("E320", 1, 16, "4 is outside 0..3 for 'x'"),
        ("E320", 2, 16, "-1 is outside 0..3 for 'x'"),
        ("E320", 3, 25, "7 is outside 0..3 for field 'n'"),
        ("E320", 4, 20, "9 is outside 0..3 for an element"),
        ("E320", 5, 21, "9 is outside 0..3 for the value of some(...)"),
        ("E320", 6, 20, "4 is outside 0..3 for 'm[...]'"),
        ("E320", 7, 17, "9 is outside 0..3 for a tuple element"),
        ("E320", 8, 28, "5 is outside 0..3 for field 'v'"),
        ("E320", 9, 17, "3 is outside 0..2 for the result of 'I'"),
        ("E320", 10, 17, "3 is outside 0..2 for constant 'J'"),
    ]


def test_empty_literals_need_a_type_from_context():
    got = errors("""invariant A: len({}) == 0
invariant B: none == none
invariant C: [] == []
action D { m = {} }
action E { let e = {} }
invariant F: {} == {}
""")
    assert got == [
        ("E305", 1, 18, "cannot tell the type of '{}' here"),
        ("E305", 2, 22, "cannot tell which option type 'none' has here"),
        ("E305", 3, 20, "cannot tell the type of '[]' here"),
        ("E305", 4, 16, "a map is total: '{}' has no value for its keys"),
        ("E305", 5, 20, "cannot tell the type of '{}' here"),
        ("E305", 6, 20, "cannot tell the type of '{}' here"),
    ]


def test_match_must_be_exhaustive():
    got = errors("""invariant A: match u { Ping(a, k) -> k > 0, Stop -> true }
invariant B: match o { some(v) -> v > 0 }
invariant C: match u { Ping(a, k) -> true, Pang -> true, _ -> false }
invariant D: match o { Ping(v) -> true, none -> true }
invariant E: match u { Pong(a, k) -> true, _ -> true }
invariant F: match x { _ -> true }
""")
    assert got == [
        ("E308", 1, 14, "'match' does not cover Pong"),
        ("E308", 2, 14, "'match' does not cover none"),
        ("E308", 3, 44, "Msg has no variant 'Pang'"),
        ("E308", 4, 24, "an option's patterns are some(x) and none"),
        ("E308", 5, 24, "'Pong' has 1 field(s)"),
        ("E308", 6, 20, "'match' takes a union or an option, found 0..3"),
    ]
    d = load_error(BASE + "invariant A: match u { Ping(a, k) -> k > 0, Stop -> true }\n").diagnostics[0]
    assert d.help == "add the missing arms or a catch-all '_ -> ...'"


def test_match_catch_all_covers_the_rest_and_dead_arms_warn():
    mdl = model("invariant A: match u { Ping(a, k) -> k > 0, Ping(a, k) -> true, _ -> false }\n"
                "action Noop { skip }\n")
    (w,) = mdl.warnings
    assert (w.code, w.span.line - BASE_LINES, w.span.col) == ("W103", 1, 45)
    assert w.message == "this arm is never taken: 'Ping' is matched above"


def test_maps_are_total():
    got = errors("""action A { m = {n1: 1} }
action B { m = {k: 1 for k in {n1}} }
action C { m = {n1: 1, n2: 2, n1: 0} }
action D { m = {x: 1 for k in NODES} }
""")
    assert got == [
        ("E309", 1, 16, "a map literal must give every key of NODES exactly once"),
        ("E309", 2, 31, "a map is total: the comprehension must range over all of NODES"),
        ("E309", 3, 16, "a map literal must give every key of NODES exactly once"),
        ("E309", 4, 17, "a map comprehension is {k: value for k in K}, with the key the bound name"),
    ]


def test_a_complete_map_literal_is_accepted():
    mdl = model("action A { m = {n2: 1, n1: 2} }\n")
    (a,) = mdl.actions
    v = a.body[0].value
    assert isinstance(v, ir.Lit) and mdl.vars[5].type.decode(v.value)[mdl.vars[5].type.key.decode(0)] == 2


def test_every_variable_needs_an_initial_value():
    err = load_error("model M\nvar x: 0..3\nvar y: bool\nvar z: bool\ninit { x = 0 }\naction A { skip }\n")
    d = one(err)
    assert (d.code, at(d), d.message) == ("E317", (5, 1), "'init' does not give a value to 'y', 'z'")
    assert d.help == "assign every state variable in 'init'"
    # an assignment in a branch counts; a failed one was reported on its own
    load_text("model M\nvar x: 0..3\ninit { if true { x = 1 } }\naction A { skip }\n")
    err = load_error("model M\nvar x: 0..3\ninit { x = true }\naction A { skip }\n")
    assert err.codes == ["E302"]


def test_init_blocks():
    d = one(load_error("model M\nvar x: 0..3\n"))
    assert (d.code, at(d), d.message) == ("E310", (1, 1), "the model has no 'init' block")
    d = one(load_error("model M\nvar x: 0..3\ninit { x = 0 }\ninit { x = 1 }\naction A { skip }\n"))
    assert (d.code, at(d)) == ("E311", (4, 1))


def test_no_actions_is_a_warning():
    mdl = load_text("model M\nvar x: 0..3\ninit { x = 0 }\n")
    (w,) = mdl.warnings
    assert (w.code, w.severity) == ("W102", "warning")


def test_recursive_definitions():
    got = errors("def f(k: 0..3) -> 0..3 = f(k)\ndef g -> 0..3 = h + 1\ndef h -> 0..3 = g\n")
    assert ("E315", 1, 1, "'f' is defined in terms of itself") in got
    assert ("E315", 2, 1, "'g' is defined in terms of itself") in got
    assert {code for code, *_ in got} == {"E315"}
    d = load_error(BASE + "def f(k: 0..3) -> 0..3 = f(k)\n").diagnostics[0]
    assert d.help == "definitions cannot be recursive; use a quantifier or sum over a finite set"


def test_recursive_types():
    err = load_error("model M\ntype T = {a: T}\ntype A = set[B]\ntype B = option[A]\nvar x: bool\n"
                     "init { x = true }\naction Z { skip }\n")
    got = [(d.code, at(d), d.message) for d in err.diagnostics]
    assert got[0] == ("E312", (2, 1), "type 'T' is defined in terms of itself")
    assert {c for c, _, _ in got} == {"E312"}
    assert ("E312", (3, 1), "type 'A' is defined in terms of itself") in got


def test_other_type_errors():
    got = errors("""var e: 3..1
invariant A: 0..100000 == 0..100000
action B { x = x / 0 }
action C { x = x % (1 - 1) }
invariant D: x[1] == 1
invariant E: double(1) == 1
def double(a: 0..3) -> 0..6 = a * 2
invariant F: double(1, 2) == 2
invariant G: Stop(1) == u
invariant H: Ping == u
var t: N
""")
    assert got == [
        ("E313", 1, 8, "empty range 3..1"),
        ("E318", 2, 14, "the range 0..100000 has 100,001 values: too many to use as a set (at most 65,536)"),
        ("E319", 3, 20, "division by zero"),
        ("E319", 4, 21, "division by zero"),
        ("E303", 5, 14, "cannot index a value of type 0..3"),
        ("E306", 8, 14, "'double' takes 1 argument(s), given 2"),
        ("E306", 9, 14, "'Stop' has no fields; write it without parentheses"),
        ("E306", 10, 14, "'Ping' needs its fields: Ping(...)"),
        ("E314", 11, 8, "'N' is a constant, not a type"),
    ]


# ---- all the errors of a phase, together ------------------------------------------

def test_all_name_and_type_errors_are_reported_together():
    err = load_error("""model M
var count: 0..3
var flag: bool
init { count = 0
  flag = 1 }
action A { cout = 1 }
action B { flag = count }
invariant I: cont < 3
invariant J: count == flag
def f -> 0..3 = 7
""")
    assert err.codes == ["E320", "E302", "E201", "E302", "E201", "E301"]
    assert [d.span.line for d in err.diagnostics] == [10, 5, 6, 7, 8, 9]
    # one rendered block per diagnostic, separated by blank lines
    assert err.render().count("\n\n") == 5
    assert str(err) == err.render()


def test_errors_in_one_declaration_do_not_hide_the_next():
    err = load_error(BASE + "invariant A: nope\ninvariant B: x == true\naction C { x = nah }\n")
    got = sorted((d.span.line - BASE_LINES, d.code) for d in err.diagnostics)
    assert got == [(1, "E201"), (2, "E301"), (3, "E201")]


def test_a_failed_variable_type_does_not_cascade():
    err = load_error("model M\nvar x: 0..Q\ninit { x = 0 }\naction A { x = x + 1 }\ninvariant I: x > 0\n")
    d = one(err)
    assert (d.code, at(d), d.message) == ("E201", (2, 11), "unknown name 'Q'")


def test_naming_a_member_of_a_symmetric_set_turns_symmetry_off():
    text = "model M\nconst RM = symmetric {r1, r2}\nvar s: set[RM]\ninit { s = INIT }\naction A(r: RM) { s = s | {r} }\n"
    mdl = load_text(text.replace("INIT", "{}"))
    assert [t.name for t in mdl.symmetric] == ["RM"] and mdl.warnings == []
    mdl = load_text(text.replace("INIT", "{r1}"), "m.sync")
    assert mdl.symmetric == []
    (w,) = mdl.warnings
    assert (w.code, at(w), w.message) == ("W101", (4, 13), "symmetry of 'RM' is off: the model names one of its members")
