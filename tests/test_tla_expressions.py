"""Expressions TLA+ users write (issue 15 item 8): `let x = v in e` inside an expression, `a == not b`,
floor `div` and `mod` beside the truncating `/` and `%` (with the W230/W231 warnings), `0..(N - 1)` in
a type, and the enums, sentinels and union fields that ports need.

Each construct is checked by the interpreter and the compiled engine (state by state), the explicit
engine, BMC (integers, and bit-vectors when the model divides by a variable), k-induction and CHC.
"""

from __future__ import annotations

import itertools

import pytest

from checker.core.result import Verdict
from checker.engines.explicit.compiled import CompiledModel
from checker.engines.symbolic import SymbolicOptions
from checker.engines.symbolic import check as symbolic_check
from checker.engines.symbolic.system import nonlinear
from checker.lsp import analysis as A
from spec import ast, ir
from spec.diagnostics import SpecError
from spec.formatter import format_text
from spec.interp import eval_const
from spec.loader import load_text
from spec.parser import parse
from spec.runtime import ModelError, floordiv, floormod
from spec.typecheck.intervals import interval
from spec.types import IntType

from engine_helpers import compiled_invariants, differential, interp_invariants, model_of, naive_bfs, prop, run

RLIMIT = 5_000_000


def verdicts(text: str, modes=("bmc", "induction", "prove")) -> dict:
    """{engine: {property: verdict}} for the explicit engine and the symbolic modes; BMC runs to the
    explicit engine's depth, where no violation means HOLDS (every reachable state is that close)."""
    m = model_of(text)
    e = run(text, deadlock=False, stop_at_first=False)
    out = {"explicit": {p.name: p.verdict for p in e.properties}}
    for mode in modes:
        r = symbolic_check(m, mode, SymbolicOptions(depth=e.stats.depth + 1, k=3, rlimit=RLIMIT, deadlock=False))
        out[mode] = {p.name: Verdict.HOLDS if mode == "bmc" and p.verdict is Verdict.INCONCLUSIVE else p.verdict
                     for p in r.properties}
    return out


def first_error(text: str):
    with pytest.raises(SpecError) as info:
        load_text(text, "t.sync")
    return info.value.diagnostics[0]


# ---- let ... in -----------------------------------------------------------------------------------

LET = """model Let
var a: 0..3
var b: -2..2
init { a = 0  b = -2 }
action Up { require a < 3  a = a + 1 }
action Swing(d: -1..1) { let n = b + d  require n >= -2 and n <= 2  b = n }
invariant Sum: let t = a + b in t <= 5 and t >= -2
invariant Nested: let x = a * 2 in let y = x + b in y - x == b
invariant Shadow: let a = b in a == b
invariant Typed: let t: -2..5 = a + b in t == a + b
invariant Compared: let big = a > 1 in big or a <= 1
invariant InQuant: forall k in 0..2: let s = k + a in s >= k
step Moves: let before = a + b in let after = a' + b' in after - before <= 1 and before - after <= 1
"""


def test_let_in_parses_to_one_node_whose_body_extends_to_the_right():
    inv = parse("model M\ninvariant I: let t = 1 + 2 in t <= 3 and t > 0\n").decls[0]
    e = inv.cond
    assert isinstance(e, ast.LetIn) and e.name == "t" and e.type is None
    assert isinstance(e.value, ast.Binary) and e.value.op == "+"
    assert isinstance(e.body, ast.Binary) and e.body.op == "and"


def test_let_in_holds_in_every_engine_and_compiled_code_matches_the_interpreter():
    m = model_of(LET)
    assert differential(m) == 20
    got = verdicts(LET)
    for engine, props in got.items():
        assert {n: v for n, v in props.items() if n != "deadlock"} == {
            n: Verdict.HOLDS for n in ("Sum", "Nested", "Shadow", "Typed", "Compared", "InQuant", "Moves", "runtime")
        }, engine


def test_let_in_builds_the_ir_node_with_its_own_local():
    m = model_of(LET)
    sum_inv = next(i for i in m.invariants if i.name == "Sum")
    assert isinstance(sum_inv.cond, ir.LetIn) and sum_inv.cond.sym.name == "t"
    locals_read = {n.sym.id for n in ir.iter_ir(sum_inv.cond.body) if isinstance(n, ir.Local)}
    assert locals_read == {sum_inv.cond.sym.id}


VIOLATED = """model Bad
var a: 0..3
init { a = 0 }
action Up { require a < 3  a = a + 1 }
invariant Low: let t = a * 2 in t < 5
"""


def test_a_violated_let_invariant_has_the_same_shortest_trace_everywhere():
    r = run(VIOLATED, deadlock=False)
    assert prop(r, "Low").verdict is Verdict.VIOLATED and prop(r, "Low").trace.length == 3
    b = symbolic_check(model_of(VIOLATED), "bmc", SymbolicOptions(depth=5, rlimit=RLIMIT, deadlock=False))
    assert prop(b, "Low").verdict is Verdict.VIOLATED and prop(b, "Low").trace.length == 3


EAGER = """model Eager
var c: 0..2
init { c = 2 }
action Down { require c > 0  c = c - 1 }
invariant Q: let q = 10 / c in c == 0 or q >= 5
"""


def test_the_value_is_evaluated_even_where_the_body_does_not_read_it():
    """As a def's arguments: 10 / c fails at c == 0 though `c == 0 or ...` would not read q."""
    r = run(EAGER, deadlock=False)
    cm = CompiledModel(model_of(EAGER))
    dist, _ = naive_bfs(cm)
    zero = next(s for s in dist if cm.decode(s)["c"] == 0)
    assert compiled_invariants(cm, zero) == interp_invariants(cm, zero) == ["division"]
    b = symbolic_check(model_of(EAGER), "bmc", SymbolicOptions(depth=3, rlimit=RLIMIT, deadlock=False))
    assert b.verdict is Verdict.VIOLATED
    assert {p.name for p in b.violated} == {p.name for p in r.violated}
    assert [p.trace.length for p in b.violated] == [p.trace.length for p in r.violated] == [2]


def test_a_typed_let_value_out_of_its_range_is_a_run_time_violation():
    text = """model T
var a: 0..3
init { a = 0 }
action Up { require a < 3  a = a + 1 }
invariant I: let t: 0..2 = a in t >= 0
"""
    r = run(text, deadlock=False)
    assert prop(r, "runtime").verdict is Verdict.VIOLATED or prop(r, "I").verdict is Verdict.VIOLATED
    assert [p.trace.length for p in r.violated] == [3]
    b = symbolic_check(model_of(text), "bmc", SymbolicOptions(depth=4, rlimit=RLIMIT, deadlock=False))
    assert [(p.name, p.trace.length) for p in b.violated] == [(p.name, p.trace.length) for p in r.violated]


def test_let_in_names_are_scoped_to_the_body():
    d = first_error("model M\nvar a: 0..3\ninit { a = 0 }\ninvariant I: (let t = a in t > 0) or t == 0\n")
    assert (d.code, d.message) == ("E201", "unknown name 't'")


def test_let_in_inside_a_process_keeps_the_local_apart_from_the_process_variables():
    text = """model P
const NODES = {n1, n2}
process Node[n in NODES] {
  var v: 0..3
  init { v = 0 }
  action Inc { require v < 3  v = let v = v + 1 in v }
  invariant Small: let w = v in w <= 3
}
"""
    m = model_of(text)
    assert differential(m) == 16
    assert run(text, deadlock=False).verdict is Verdict.HOLDS


def test_let_in_values_that_fail_in_a_quantifier_domain_compile():
    """An assignment expression cannot stand in a comprehension's iterable: the code generator moves it."""
    text = """model Q
var s: set[0..40]
init { s = {1, 2} }
action Add(x: 0..40) { require len(s) < 3  s = s | {x} }
invariant I: forall k in (let lo = min(v for v in s) in lo..40): k >= 0
"""
    m = model_of(text)
    assert differential(m) == 40
    assert prop(run(text, deadlock=False), "I").verdict is Verdict.HOLDS


def test_the_formatter_lays_out_let_in_and_keeps_its_meaning():
    text = "model F\nvar a: 0..3\ninit { a = 0 }\ninvariant I: let  t:0..9 = a+1 in   t<=9\n"
    assert format_text(text).splitlines()[-1] == "invariant I: let t: 0..9 = a + 1 in t <= 9"


def test_the_language_server_scopes_a_let_in_name_to_its_body():
    text = "model M\nvar x: 0..9\ninit {\n  x = 0\n}\ninvariant I: let y = x + 1 in y > 0 and y < 11\naction A { skip }\n"
    a = A.analyze("/m/model.sync", text, lambda p: None, None)
    assert a.diagnostics == []
    i = text.index("let y") + 4
    line, col = text.count("\n", 0, i) + 1, i - (text.rfind("\n", 0, i) + 1) + 1
    key = a.occurrence_at(line, col).key
    assert [(u.span.line, u.span.col) for u in a.uses(key)] == [(6, 18), (6, 31), (6, 41)]   # its declaration, then its uses


# ---- a == not b ------------------------------------------------------------------------------------

def test_not_after_equals_applies_to_the_right_operand():
    e = parse("model M\ninvariant I: a == not b and c\n").decls[0].cond
    assert e.op == "and" and e.left.op == "==" and isinstance(e.left.right, ast.Unary)
    assert e.left.right.op == "not" and e.left.right.operand.name == "b"
    e = parse("model M\ninvariant I: not a == b\n").decls[0].cond
    assert isinstance(e, ast.Unary) and e.operand.op == "=="


def test_equals_not_in_every_engine():
    text = """model N
var p: bool
var q: bool
init { p = true  q = false }
action Flip { p = not p  q = not q }
invariant Opposite: p == not q
invariant Differ: p != not p
"""
    got = verdicts(text)
    for engine in got:
        assert (got[engine]["Opposite"], got[engine]["Differ"]) == (Verdict.HOLDS, Verdict.HOLDS), engine
    broken = text.replace("q = not q", "q = q")
    r = run(broken, deadlock=False)
    assert prop(r, "Opposite").verdict is Verdict.VIOLATED and prop(r, "Opposite").trace.length == 1


# ---- div and mod -----------------------------------------------------------------------------------

PAIRS = [(a, b) for a in range(-7, 8) for b in range(-3, 4) if b != 0]


def test_the_runtime_functions_are_floor_division_and_its_remainder():
    for a, b in PAIRS:
        assert floordiv(a, b) * b + floormod(a, b) == a
        assert (0 <= floormod(a, b) < b) if b > 0 else (b < floormod(a, b) <= 0)
    assert floormod(-1, 6) == 5 and floordiv(-7, 2) == -4 and floormod(7, -2) == -1
    with pytest.raises(ModelError):
        floormod(1, 0)


def _table_model(divisor: str) -> str:
    """a and b take every value; the invariants state Python's // and % for each pair (b a variable
    or a constant)."""
    cases_div, cases_mod = [], []
    for a, b in PAIRS:
        if divisor != "b" and b != int(divisor):
            continue
        cases_div.append(f"(a == {a} and b == {b} implies a div {divisor} == {a // b})")
        cases_mod.append(f"(a == {a} and b == {b} implies a mod {divisor} == {a % b})")
    return f"""model Table
var a: -7..7
var b: -3..3
init {{ a = 0  b = 1 }}
action Set(x: -7..7, y: -3..3) {{ require y != 0  a = x  b = y }}
invariant Div: {' and '.join(cases_div)}
invariant Mod: {' and '.join(cases_mod)}
invariant TlaPercent: a == -1 implies a mod 6 == 5
invariant CPercent: a == -1 implies a % 6 == 5
"""


@pytest.mark.parametrize("divisor", [pytest.param("b", marks=pytest.mark.slow),   # 7 s on busy cores
                                     "2", "-3"])
def test_div_and_mod_agree_with_python_in_every_engine(divisor):
    text = _table_model(divisor)
    m = model_of(text)
    # a variable divisor is nonlinear: BMC and k-induction use bit-vectors, CHC cannot (Spacer refuses it)
    assert nonlinear(m) is (divisor == "b")
    assert differential(m) == 90
    modes = ("bmc", "induction") if divisor == "b" else ("bmc", "induction", "prove")
    got = verdicts(text, modes)
    for engine, props in got.items():
        assert (props["Div"], props["Mod"], props["TlaPercent"]) == (Verdict.HOLDS,) * 3, engine
        assert props["CPercent"] is Verdict.VIOLATED, engine   # -1 % 6 == -1: the test can fail


def test_division_by_zero_in_div_and_mod_is_a_run_time_violation_everywhere():
    text = """model Z
var b: 0..2
init { b = 2 }
action Down { require b > 0  b = b - 1 }
invariant I: 5 div b + 5 mod b >= 0 or b == 0
"""
    r = run(text, deadlock=False)
    b = symbolic_check(model_of(text), "bmc", SymbolicOptions(depth=3, rlimit=RLIMIT, deadlock=False))
    assert [(p.name, p.trace.length) for p in r.violated] == [(p.name, p.trace.length) for p in b.violated]
    assert [p.trace.length for p in r.violated] == [2]
    assert "div" in r.violated[0].message or "mod" in r.violated[0].message or r.violated[0].name == "I"


def test_a_constant_zero_divisor_is_e319():
    assert first_error("model M\nvar a: 0..3\ninit { a = 0 }\ninvariant I: a mod 0 == 0\n").code == "E319"


def test_div_and_mod_fold_constants_and_refuse_amounts():
    m = model_of("model M\nconst K = -7 div 2\nconst R = -1 mod 6\nvar a: 0..3\ninit { a = 0 }\n")
    assert (m.consts["K"].value, m.consts["R"].value) == (-4, 5)
    d = first_error("model M\nvar a: fixed(2) 0..3\ninit { a = 0 }\ninvariant I: a mod 1.00 == 0\n")
    assert d.code == "E322" and "div(a, b, down)" in d.help


def _ranges(lo, hi):
    return [(x, y) for x in range(lo, hi + 1) for y in range(x, hi + 1)]


@pytest.mark.parametrize("op,fn", [("floordiv", floordiv), ("floormod", floormod)])
def test_the_range_analysis_of_div_and_mod_is_sound_and_tight_for_positive_divisors(op, fn):
    for (alo, ahi), (blo, bhi) in itertools.product(_ranges(-5, 5), _ranges(-4, 4)):
        values = [fn(a, b) for a in range(alo, ahi + 1) for b in range(blo, bhi + 1) if b != 0]
        if not values:
            continue
        t = interval(op, IntType(alo, ahi), IntType(blo, bhi))
        assert t.lo <= min(values) and max(values) <= t.hi, (op, alo, ahi, blo, bhi, t)
    assert interval("floormod", IntType(-10, 10), IntType(6, 6)) == IntType(0, 5)
    assert interval("floormod", IntType(0, 3), IntType(6, 6)) == IntType(0, 3)
    assert interval("floordiv", IntType(-7, 7), IntType(2, 2)) == IntType(-4, 3)


def test_a_ring_written_with_mod_stays_in_range_where_percent_leaves_it():
    ring = """model Ring
const N = 3
var i: 0..(N - 1)
init { i = 0 }
action Back { i = (i - 1) OP N }
"""
    ok = run(ring.replace("OP", "mod"), deadlock=False)
    assert ok.verdict is Verdict.HOLDS and ok.stats.distinct_states == 3
    bad = run(ring.replace("OP", "%"), deadlock=False)
    assert [(p.name, p.trace.length) for p in bad.violated] == [("runtime", 1)]


def test_percent_and_slash_on_a_maybe_negative_operand_warn_once():
    text = """model W
var y: -3..3
var u: 0..3
init { y = 0  u = 0 }
action A { y = y % 2  u = u % 2  u = u / 2 }
invariant I: y / 2 <= 2 and (y % 3) == (y % 3) and -7 / 2 == -3
"""
    m = load_text(text, "w.sync")
    got = [(w.code, w.span.line, w.span.col) for w in m.warnings]
    assert got == [("W230", 5, 16), ("W231", 6, 14), ("W230", 6, 30), ("W230", 6, 41)]
    w = m.warnings[0]
    assert w.severity == "warning" and "(the dividend in -3..3)" in w.message and w.help.endswith("write 'mod' in place of '%'")
    assert load_text(text.replace("%", "mod").replace("/", "div"), "w.sync").warnings == []


def test_div_and_mod_remain_names_where_they_are_assigned():
    text = """model S
var mod: 0..3
var div: map[0..1, 0..3]
init { mod = 0  div = {k: 0 for k in 0..1} }
action A {
  mod = (mod + 1) mod 4
  div[0] = mod div 2
  div[1] = div[0] mod 3
}
invariant I: mod mod 4 == mod and div[1] div 1 == div[1]
"""
    r = run(text, deadlock=False)
    assert r.verdict is Verdict.HOLDS and r.stats.distinct_states == 4
    assert format_text(text) == format_text(format_text(text))


def test_the_fixed_point_div_builtin_is_unchanged():
    m = model_of("model M\nconst K = div(10.00, 3, down)\nvar a: 0..1\ninit { a = 0 }\n")
    assert str(m.consts["K"].value) in ("333", "3.33")


# ---- types: 0..(N - 1) ----------------------------------------------------------------------------

def test_a_bracketed_upper_bound_is_the_same_range():
    m = model_of("model M\nconst N = 4\nvar a: 0..(N - 1)\nvar b: fixed(1) 0..(N * 2)\ninit { a = 3  b = 8.0 }\n")
    assert m.var("a").type == IntType(0, 3)
    assert (m.var("b").type.lo, m.var("b").type.hi, m.var("b").type.decimals) == (0, 80, 1)
    text = "model M\nconst N = 4\nvar a: 0..( N-1 )\ninit { a = 0 }\n"
    assert "var a: 0..(N - 1)" in format_text(text)


# ---- enums, sentinels, union fields ----------------------------------------------------------------

def test_enums_that_share_members():
    text = """model E
enum Color { red, green, blue }
enum Light { red, green }
var c: Color
var l: Light
init { c = red  l = green }
action A { c = blue  l = red }
invariant I: c != green and (l == red or l == green) and Light.red != Light.green
"""
    m = model_of(text)
    assert [v.type.name for v in m.vars] == ["Color", "Light"]
    r = run(text, deadlock=False)
    assert r.verdict is Verdict.HOLDS and r.stats.distinct_states == 2


def test_a_union_field_with_different_types_is_read_by_match_and_refused_by_dot():
    text = """model U
type Entry = Num(v: 0..3) | Flag(v: bool)
var e: Entry
init { e = Num(1) }
action Toggle { e = match e { Num(n) -> Flag(n > 0), Flag(b) -> Num(if b then 0 else 3) } }
invariant Small: match e { Num(n) -> n <= 3, Flag(b) -> b or not b }
"""
    got = verdicts(text)
    for engine, props in got.items():
        assert props["Small"] is Verdict.HOLDS, engine
    assert run(text, deadlock=False).stats.distinct_states == 5   # Num(1) Flag(true) Num(0) Flag(false) Num(3)
    d = first_error(text + "invariant Dot: e is Num implies e.v < 3\n")
    assert d.code == "E304" and "match" in d.help


def test_an_enum_subset_is_not_a_type_and_the_error_says_what_to_write():
    d = first_error("model E\nenum C { r, g, b }\nvar c: {r, g}\ninit { c = r }\n")
    assert d.code == "E100" and "invariant V: x in {a, b}" in d.help
    d = first_error("model E\nenum C { r, g, b }\nconst Warm = {r, g}\nvar c: Warm\ninit { c = r }\n")
    assert d.code == "E314" and "declare it of type C" in d.help and "x in Warm" in d.help


def test_none_is_no_member_name_and_an_option_is_the_sentinel():
    d = first_error("model E\nenum Node { n1, none }\nvar l: Node\ninit { l = n1 }\n")
    assert d.code == "E103" and "option[E]" in d.help
    text = """model S
enum Node { n1, n2 }
var leader: option[Node]
init { leader = none }
action Elect(n: Node) { require leader == none  leader = some(n) }
invariant One: leader == none or leader == some(n1) or leader == some(n2)
"""
    got = verdicts(text)
    for engine, props in got.items():
        assert props["One"] is Verdict.HOLDS, engine
    assert run(text, deadlock=False).stats.distinct_states == 3


def test_eval_const_knows_the_new_operators():
    for op, fn in (("floordiv", floordiv), ("floormod", floormod)):
        e = ir.Op(IntType(-10, 10), None, op, [ir.Lit(IntType(-7, -7), None, -7), ir.Lit(IntType(2, 2), None, 2)])
        assert eval_const(e) == fn(-7, 2)


def test_the_integer_encoding_of_a_variable_divisor_is_floor_division_for_every_sign():
    """The Int encoding (CHC's, and any linear query) of `a div b` and `a mod b` with b a variable:
    z3's Int division is Euclidean, so a negative divisor needs the correction; checked pair by pair."""
    import z3

    from checker.engines.symbolic.encoder import _floordiv, _floormod

    a, b = z3.Int("a"), z3.Int("b")
    q, r = _floordiv(a, b, IntType(-3, 3)), _floormod(a, b, IntType(-3, 3))
    for x, y in PAIRS:
        s = z3.Solver()
        s.add(a == x, b == y, z3.Or(q != x // y, r != x % y))
        assert s.check() == z3.unsat, (x, y)


def test_the_explanation_of_a_false_let_invariant_shows_the_let_value():
    from checker.core.explain import explain_invariant

    m = model_of(VIOLATED.replace("t < 5", "t < 5 and a >= 0"))
    cm = CompiledModel(m)
    dist, _ = naive_bfs(cm)
    last = next(s for s in dist if cm.decode(s)["a"] == 3)
    assert explain_invariant(m, m.invariants[0], cm.unpack(last)) == ["with t = 6: t = 6"]


def test_a_def_with_a_let_inlined_into_its_own_argument_keeps_both_bindings():
    """f(f(a)) compiles f's let twice, the inner copy inside the outer body's use of x: each copy
    binds a name of its own, or the inner one would overwrite the outer's before it is read."""
    text = """model D
var a: 0..3
init { a = 1 }
def f(x: 0..7) = let t = min(x + 1, 7) in max(x, t)
action Up { require a < 3  a = a + 1 }
invariant Two: f(f(a)) == a + 2
"""
    m = model_of(text)
    assert differential(m) == 3
    assert run(text, deadlock=False).verdict is Verdict.HOLDS


def test_a_typed_let_statement_in_a_process_keeps_its_type():
    """The process desugaring dropped `let x: T`'s type, and with it the range check at the let."""
    text = """model P
const NODES = {n1, n2}
process Node[n in NODES] {
  var v: 0..3
  init { v = 0 }
  action Inc { require v < 3  let w: 0..1 = v  v = w + 1 }
}
"""
    r = run(text, deadlock=False)
    assert [(p.name, p.trace.length) for p in r.violated] == [("runtime", 3)]   # at v == 2
