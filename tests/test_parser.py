"""The parser: every declaration, statement and expression form, precedence, spans."""

from __future__ import annotations

from pathlib import Path

import pytest

from spec import ast
from spec.parser import parse, parse_file
from spec_helpers import canon, extent, parse_expr, print_module

ROOT = Path(__file__).resolve().parent.parent
MODELS = sorted((ROOT / "models").glob("*.sync"))


def decls(text: str) -> list:
    return parse("model M\n" + text, "t.sync").decls


def only(text: str):
    (d,) = decls(text)
    return d


# ---- expressions and precedence --------------------------------------------

@pytest.mark.parametrize("text, expected", [
    # boolean operators, loosest first: implies < or < and < not < comparison
    ("a or b and c", "(a or (b and c))"),
    ("a and b or c", "((a and b) or c)"),
    ("a or b or c", "((a or b) or c)"),
    ("not x in S", "(not (x in S))"),
    ("not a and b", "((not a) and b)"),
    ("not not a", "(not (not a))"),
    ("a and not b or c", "((a and (not b)) or c)"),
    ("a implies b implies c", "(a implies (b implies c))"),
    ("a => b => c", "(a implies (b implies c))"),
    ("a and b implies c or d", "((a and b) implies (c or d))"),
    ("a == b and c != d", "((a == b) and (c != d))"),
    ("a <= b or a >= b", "((a <= b) or (a >= b))"),
    ("a < b + 1", "(a < (b + 1))"),
    # arithmetic
    ("a + b * c", "(a + (b * c))"),
    ("a * b + c", "((a * b) + c)"),
    ("a - b - c", "((a - b) - c)"),
    ("a * b / c % d", "(((a * b) / c) % d)"),
    ("a - -b", "(a - (-b))"),
    ("-a * b", "((-a) * b)"),
    ("-a ** 2", "(-(a ** 2))"),
    ("-2 ** 2", "(-(2 ** 2))"),
    ("2 ** 3 ** 2", "(2 ** (3 ** 2))"),
    ("2 ** -1", "(2 ** (-1))"),
    ("-3", "(-3)"),
    ("1_000", "1000"),
    ("(a + b) * c", "((a + b) * c)"),
    # sets, ranges, sequences
    ("a | b & c", "(a | (b & c))"),
    ("a & b | c", "((a & b) | c)"),
    ("a | b - c", "(a | (b - c))"),
    ("a..b + 1", "(a .. (b + 1))"),
    ("x in a..b", "(x in (a .. b))"),
    ("x not in S | T", "(x not in (S | T))"),
    ("A subset B | C", "(A subset (B | C))"),
    ("q ++ r ++ s", "((q ++ r) ++ s)"),
    ("q ++ r + 1", "((q ++ r) + 1)"),
    # quantifier bodies and if-then-else extend as far right as they can
    ("forall x in S: a and b", "(forall x in S: (a and b))"),
    ("forall x in S: a implies b", "(forall x in S: (a implies b))"),
    ("a and forall x in S: b or c", "(a and (forall x in S: (b or c)))"),
    ("a implies exists x in S: b", "(a implies (exists x in S: b))"),
    ("not forall x in S: p", "(not (forall x in S: p))"),
    ("exists x, y in S, z in T: x == y", "(exists x, y in S, z in T: (x == y))"),
    ("forall x in S: exists y in T: x == y", "(forall x in S: (exists y in T: (x == y)))"),
    ("forall x in 0..N - 1: p", "(forall x in (0 .. (N - 1)): p)"),
    ("if a then b else c + 1", "(if a then b else (c + 1))"),
    ("if a then b else c or d", "(if a then b else (c or d))"),
    ("if a then b else if c then d else e", "(if a then b else (if c then d else e))"),
    ("if a then if b then 1 else 2 else 3", "(if a then (if b then 1 else 2) else 3)"),
    ("x + (if a then 1 else 2)", "(x + (if a then 1 else 2))"),
    ("a or if c then d else e", "(a or (if c then d else e))"),
    # postfix, calls, qualified names
    ("m[k].f[0]", "m[k].f[0]"),
    ("E.member", "E.member"),
    ("E.member == x", "(E.member == x)"),
    ("f()", "f()"),
    ("f(a, b,)", "f(a, b)"),
    ("f(a + 1)[2]", "f((a + 1))[2]"),
    ("sum(x for x in S if x > 0)", "sum(x for x in S if (x > 0))"),
    ("sum(m[u] for u in U)", "sum(m[u] for u in U)"),
    ("max(a, b) - min(c, d)", "(max(a, b) - min(c, d))"),
    ("len({k for k in K if live(k)})", "len({k for k in K if live(k)})"),
    ("x is some", "(x is some)"),
    ("x is none", "(x is none)"),
    ("u is Ping and u.n > 0", "((u is Ping) and (u.n > 0))"),
    # literals
    ("true and false", "(true and false)"),
    ("none", "none"),
    ("{}", "{}"),
    ("{a, b,}", "{a, b}"),
    ("{x for x in S if x > 1}", "{x for x in S if (x > 1)}"),
    ("{a: 1, b: 2}", "{a: 1, b: 2}"),
    ("{k: 0 for k in K}", "{k: 0 for k in K}"),
    ("[]", "[]"),
    ("[1, 2,]", "[1, 2]"),
    ("(1, true)", "(1, true)"),
    ("(a)", "a"),
    ("match m { P(k) -> k, Q -> 0, _ -> 1 }", "(match m { P(k) -> k, Q -> 0, _ -> 1 })"),
    ("match o { some(v) -> v, none -> 0, }", "(match o { some(v) -> v, none -> 0 })"),
    ("match u { P() -> 1, R(a, b) -> a + b }", "(match u { P() -> 1, R(a, b) -> (a + b) })"),
])
def test_expression_structure(text, expected):
    assert canon(parse_expr(text)) == expected


@pytest.mark.parametrize("text", ["a < b < c", "a == b == c", "a in S in T", "x is some is none"])
def test_comparisons_do_not_chain(text):
    from spec_helpers import parse_error
    err = parse_error(f"model M\ninvariant I: {text}\n")
    assert err.codes == ["E100"]


def test_expression_node_types():
    e = parse_expr("x not in S")
    assert isinstance(e, ast.Binary) and e.op == "notin"
    e = parse_expr("-x")
    assert isinstance(e, ast.Unary) and e.op == "-"
    assert parse_expr("-7") == ast.IntLit(None, -7)
    e = parse_expr("sum(x for x, y in S if x > y)")
    assert isinstance(e, ast.Call) and e.args == [] and e.body == ast.Name(None, "x")
    assert [n for n, _ in e.generator.bindings[0].names] == ["x", "y"]
    assert isinstance(e.generator.condition, ast.Binary)
    e = parse_expr("{a: 1}")
    assert isinstance(e, ast.PairsLit) and len(e.pairs) == 1
    e = parse_expr("{k: 1 for k in K}")
    assert isinstance(e, ast.MapComp) and e.generator.condition is None
    e = parse_expr("match o { some(v) -> v, none -> 0, _ -> 1 }")
    assert [a.pattern.kind for a in e.arms] == ["some", "none", "any"]
    assert e.arms[0].pattern.binds[0][0] == "v"
    e = parse_expr("match u { Q -> 0, P() -> 1 }")
    assert [(a.pattern.kind, a.pattern.name, a.pattern.has_parens) for a in e.arms] == \
        [("ctor", "Q", False), ("ctor", "P", True)]
    e = parse_expr("E.member")
    assert isinstance(e, ast.FieldAccess) and e.base == ast.Name(None, "E") and e.name == "member"


# ---- declarations --------------------------------------------------------

def test_module_name_and_empty_model():
    m = parse("model TwoPhase", "t.sync")
    assert (m.name, m.decls) == ("TwoPhase", [])
    assert m.source.name == "t.sync"


def test_import():
    assert only('import "lib/prims.sync"') == ast.Import(None, "lib/prims.sync")
    assert only(r'import "a \"b\".sync"').path == 'a "b".sync'


def test_const_forms():
    d = only("const N = 3")
    assert (d.name, d.type, d.value, d.symmetric, d.members, d.size) == ("N", None, ast.IntLit(None, 3),
                                                                        False, None, None)
    d = only("const K: 0..10 = N + 1")
    assert d.type == ast.TRange(None, ast.IntLit(None, 0), ast.IntLit(None, 10))
    assert canon(d.value) == "(N + 1)"
    d = only("const N")
    assert (d.value, d.type) == (None, None)
    d = only("const F: bool")
    assert d.type == ast.TBool(None) and d.value is None
    d = only("const RM = symmetric {r1, r2, r3,}")
    assert d.symmetric and d.value is None and [n for n, _ in d.members] == ["r1", "r2", "r3"]
    d = only("const P = symmetric 4")
    assert d.symmetric and d.size == 4 and d.members is None
    # a set of bare names is a set of model values (not symmetric)
    d = only("const IDS = {i1, i2}")
    assert not d.symmetric and [n for n, _ in d.members] == ["i1", "i2"]
    assert canon(d.value) == "{i1, i2}"
    d = only("const S = {1, 2}")
    assert d.members is None


def test_assume_enum_var():
    assert only("assume N > 0") == ast.Assume(None, None, parse_expr("N > 0"))
    assert only("assume Pos: N > 0").name == "Pos"
    d = only("enum Color { red, green, blue, }")
    assert d.name == "Color" and [n for n, _ in d.members] == ["red", "green", "blue"]
    d = only("var x, y: 0..3")
    assert [n for n, _ in d.names] == ["x", "y"]
    assert d.type == ast.TRange(None, ast.IntLit(None, 0), ast.IntLit(None, 3))


def test_type_declarations():
    d = only("type Msg = Prepared(rm: RM) | Commit | Abort")
    assert isinstance(d.rhs, ast.UnionDef)
    assert [(v.name, v.fields and [(f.name, f.type) for f in v.fields]) for v in d.rhs.variants] == [
        ("Prepared", [("rm", ast.TName(None, "RM"))]), ("Commit", None), ("Abort", None)]
    d = only("type One = Only(a: bool, b: 0..1)")
    assert isinstance(d.rhs, ast.UnionDef) and [v.name for v in d.rhs.variants] == ["Only"]
    assert [f.name for f in d.rhs.variants[0].fields] == ["a", "b"]
    d = only("type Slot = { writer: option[U], status: Status }")
    assert d.rhs == ast.TRecord(None, [ast.Field(None, "writer", ast.TOption(None, ast.TName(None, "U"))),
                                       ast.Field(None, "status", ast.TName(None, "Status"))])
    assert isinstance(only("type Alias = Other").rhs, ast.TName)


@pytest.mark.parametrize("text, expected", [
    ("bool", "bool"),
    ("0..3", "0..3"),
    ("-1..1", "-1..1"),
    ("0..N - 1", "0..N - 1"),
    ("0..2 * N", "0..2 * N"),
    ("0..2 ** 3", "0..2 ** 3"),
    ("0..f(2)", "0..f(2)"),
    ("set[RM]", "set[RM]"),
    ("map[RM, 0..3]", "map[RM, 0..3]"),
    ("seq[0..3, N + 1]", "seq[0..3, (N + 1)]"),
    ("option[set[RM]]", "option[set[RM]]"),
    ("(0..3, bool)", "(0..3, bool)"),
    ("{a: bool, b: 0..1,}", "{a: bool, b: 0..1}"),
    ("map[(RM, RM), option[Msg]]", "map[(RM, RM), option[Msg]]"),
])
def test_type_forms(text, expected):
    assert canon(only(f"var x: {text}").type) == expected


def test_range_bounds_in_types_keep_arithmetic_precedence():
    hi = only("var x: 0..1 + 2 * 3 - 4").type.hi
    assert canon(hi) == "((1 + (2 * 3)) - 4)"


def test_def_forms():
    d = only("def payout -> 0..4 = max(price - 2, 0)")
    assert (d.name, d.params) == ("payout", [])
    assert canon(d.ret) == "0..4" and canon(d.body) == "max((price - 2), 0)"
    d = only("def live(k: 0..1, u: USERS) -> bool = k > 0")
    assert [(p.name, canon(p.type)) for p in d.params] == [("k", "0..1"), ("u", "USERS")]
    d = only("def anyRed = c == red")
    assert d.ret is None and d.params == []
    assert only("def f() = 1").params == []


def test_init_action_invariant():
    d = only("init { x = 0 }")
    assert isinstance(d, ast.Init) and len(d.body) == 1
    d = only("action Tick { skip }")
    assert (d.name, d.params, d.body) == ("Tick", [], [ast.Skip(None)])
    d = only("action Tick() {}")
    assert d.params == [] and d.body == []
    d = only("action Move(r: RM, k: 0..N - 1) { skip }")
    assert [(p.name, canon(p.type)) for p in d.params] == [("r", "RM"), ("k", "0..N - 1")]
    d = only("invariant Safe: x <= N")
    assert d.name == "Safe" and canon(d.cond) == "(x <= N)"


def test_declaration_words_stay_usable_as_names():
    # only words that start statements or expressions are reserved
    words = ["init", "action", "type", "var", "model", "invariant", "def", "const", "assume", "enum", "import",
             "property", "fairness", "deterministic", "converge", "commute", "channel", "process", "symmetric"]
    d = only("enum Phase { " + ", ".join(words) + " }")
    assert [n for n, _ in d.members] == words
    # after a comma too (LALR once merged this state with a list that ends a declaration)
    for w in words:
        assert [n for n, _ in only(f"enum E {{ a, {w} }}").members] == ["a", w]
        assert [n for n, _ in only(f"const R = symmetric {{a, {w},}}").members] == ["a", w]
    d = only("const symmetric = 3")
    assert d.name == "symmetric"


# ---- statements ------------------------------------------------------------

def body(text: str) -> list:
    return only("action A {\n" + text + "\n}").body


def test_statement_forms():
    s = body("""
      x = 1
      m[k] = 2
      r.f = 3
      m[k].f[0] = 4
      let y = x + 1
      require x < 3
      assert x < 3
      assert x < 3, "x stays \\"small\\""
      choose n in NODES
      for n in NODES { skip }
      skip
    """)
    assert [type(x).__name__ for x in s] == ["Assign", "Assign", "Assign", "Assign", "Let", "Require",
                                            "Assert", "Assert", "Choose", "For", "Skip"]
    assert s[0].target == ast.LName(None, "x")
    assert s[1].target == ast.LIndex(None, ast.LName(None, "m"), ast.Name(None, "k"))
    assert s[2].target == ast.LField(None, ast.LName(None, "r"), "f")
    assert s[3].target == ast.LIndex(None, ast.LField(None, ast.LIndex(None, ast.LName(None, "m"),
                                                                      ast.Name(None, "k")), "f"),
                                     ast.IntLit(None, 0))
    assert (s[4].name, canon(s[4].value)) == ("y", "(x + 1)")
    assert (s[6].message, s[7].message) == (None, 'x stays "small"')
    assert (s[8].var, s[8].domain) == ("n", ast.Name(None, "NODES"))
    assert (s[9].var, s[9].body) == ("n", [ast.Skip(None)])


def test_if_else_chains():
    (s,) = body("if a { x = 1 } else if b { x = 2 } else { x = 3 }")
    assert isinstance(s, ast.If) and canon(s.cond) == "a"
    (inner,) = s.orelse
    assert isinstance(inner, ast.If) and canon(inner.cond) == "b"
    assert inner.then == [ast.Assign(None, ast.LName(None, "x"), ast.IntLit(None, 2))]
    assert inner.orelse == [ast.Assign(None, ast.LName(None, "x"), ast.IntLit(None, 3))]
    (s,) = body("if a { skip }")
    assert s.orelse == []


def test_statements_need_no_separator():
    s = body("x = a y = b - 1 require y > 0")
    assert [canon(x.value) if isinstance(x, ast.Assign) else canon(x.cond) for x in s] == \
        ["a", "(b - 1)", "(y > 0)"]


def test_comments_are_ignored():
    m = parse("model M # the model\n# a comment line\nconst N = 3 # three\n", "t")
    assert [d.name for d in m.decls] == ["N"]


# ---- spans ----------------------------------------------------------------

SPAN_SRC = """model M
const N = 3
var x, y: 0..N
init {
  x = 0
  y = 1
}
action A(k: 0..N) { let z = k
  for i in 0..N { x = i } }
invariant I: x + y * 2 <= N
def f(a: 0..3) -> bool = a > 0 and g(a).fld is Ping
"""


def test_declaration_spans():
    m = parse(SPAN_SRC, "s.sync")
    assert [extent(d.span) for d in m.decls] == [
        (2, 1, 2, 12), (3, 1, 3, 15), (4, 1, 7, 2), (8, 1, 9, 28), (10, 1, 10, 28), (11, 1, 11, 52)]
    assert [(n, s.line, s.col) for n, s in m.decls[1].names] == [("x", 3, 5), ("y", 3, 8)]
    assert m.span.line == 1 and m.span.col == 1
    assert repr(m.decls[0].span) == "s.sync:2:1" and m.decls[0].span.where == "s.sync:2:1"


def test_statement_and_expression_spans():
    m = parse(SPAN_SRC, "s.sync")
    init, action, inv, fn = m.decls[2], m.decls[3], m.decls[4], m.decls[5]
    assert extent(init.body[1].span) == (6, 3, 6, 8)
    assert extent(init.body[1].target.span) == (6, 3, 6, 4)
    assert extent(action.params[0].span) == (8, 10, 8, 17)
    let, loop = action.body
    assert extent(let.span) == (8, 21, 8, 30) and extent(let.name_span) == (8, 25, 8, 26)
    assert extent(loop.var_span) == (9, 7, 9, 8) and extent(loop.span) == (9, 3, 9, 26)
    cond = inv.cond
    assert extent(cond.span) == (10, 14, 10, 28)
    assert extent(cond.left.span) == (10, 14, 10, 23)
    assert extent(cond.left.right.span) == (10, 18, 10, 23)
    assert extent(cond.right.span) == (10, 27, 10, 28)
    call_is = fn.body.right
    assert isinstance(call_is, ast.IsTest)
    assert extent(call_is.pattern_span) == (11, 48, 11, 52)
    access = call_is.operand
    assert extent(access.name_span) == (11, 41, 11, 44)
    assert extent(access.base.name_span) == (11, 36, 11, 37)
    assert extent(access.base.span) == (11, 36, 11, 40)


def test_binding_name_spans():
    e = parse_expr("forall a, bb in S: a")
    (b,) = e.generator.bindings
    assert [(n, extent(s)) for n, s in b.names] == [("a", (1, 8, 1, 9)), ("bb", (1, 11, 1, 13))]


# ---- the example models, printed and parsed back ---------------------------

@pytest.mark.parametrize("path", MODELS, ids=[p.name for p in MODELS])
def test_models_round_trip_through_the_printer(path):
    first = parse_file(path)
    printed = print_module(first)
    second = parse(printed, "printed")
    assert print_module(second) == printed


def test_printed_model_checks_to_the_same_model():
    from spec.loader import load, load_text
    path = ROOT / "models" / "options_ledger.sync"
    a = load(path)
    b = load_text(print_module(parse_file(path)), "printed")
    assert [(v.name, v.type) for v in a.vars] == [(v.name, v.type) for v in b.vars]
    assert {n: (c.type, c.value) for n, c in a.consts.items()} == \
        {n: (c.type, c.value) for n, c in b.consts.items()}
    assert [x.name for x in a.actions] == [x.name for x in b.actions]
    assert [x.name for x in a.invariants] == [x.name for x in b.invariants]
    assert a.state_bits == b.state_bits == 40
