"""The code generator compiles every model the front end accepts (issue 11, items 3 and 10).

Large constants (sets of large types, masks of wide variables) never appear in
the generated source as long decimal text; deep expressions and deep statement
nesting become flat code (helper functions), not one nested expression; long
bodies compile without recursion. In every case the compiled code agrees with
the reference interpreter, state by state.
"""

from __future__ import annotations

import re
import sys
from contextlib import contextmanager

import pytest

from checker.engines.explicit.codegen import _nesting as codegen_nesting
from checker.engines.explicit.compiled import CompiledModel
from checker.engines.explicit.search import ExplicitOptions, check
from engine_helpers import differential, holds, model_of, naive_bfs, run
from spec.diagnostics import SpecError

# ---- item 3: large constants -------------------------------------------------------------

LONG_RANGE = """model LongRange
var x: 0..1
init { x = 0 }
action A { x = 1 - x }
invariant L: len(0..14300) > 0
"""

# T has 4^7 = 16,384 values: the set of all of them is a 16,384-bit constant
MAP_TYPE = """model MapType
type T = map[0..6, 0..3]
var x: T
init { x = {i: 0 for i in 0..6} }
action A { x[0] = 1 }
invariant In: x in T
invariant Len: len(T) == 16384
"""

# the mask of `waiting` has 1,024 bits (the most members a set of model values may have); `waiting - {c}` and `waiting | {c}` clear and set one
SYMMETRIC = """model Clients
const CLIENTS = symmetric 1024
var waiting: set[CLIENTS]
init { waiting = {} }
action Join(c: CLIENTS) { require c not in waiting  waiting = waiting | {c} }
action Leave(c: CLIENTS) { require c in waiting  waiting = waiting - {c} }
invariant Few: len(waiting) <= 1
"""


def _longest_number(source: str) -> int:
    return max((len(m) for m in re.findall(r"\d+", source)), default=0)


def test_a_range_of_14301_values_used_as_a_set_compiles():
    holds(run(LONG_RANGE), states=2, transitions=2)


def test_a_type_of_16384_values_used_as_a_set_compiles():
    holds(run(MAP_TYPE), states=2, transitions=2)


def test_long_constants_are_not_decimal_text_in_the_generated_code():
    for text in (LONG_RANGE, MAP_TYPE, SYMMETRIC):
        source = CompiledModel(model_of(text)).source
        assert _longest_number(source) <= 80, text.splitlines()[0]


def test_a_large_symmetric_set_compiles_to_small_code():
    cm = CompiledModel(model_of(SYMMETRIC))
    assert len(cm.source) < 20_000
    nxt, counts, bad, dead, err = cm.expand(cm.init_states())
    assert len(nxt) == 1024 and counts == [1024, 0] and not bad and err is None
    one = next(iter(nxt))
    nxt2, counts2, _, _, _ = cm.expand([one])
    assert counts2 == [1023, 1] and cm.init_states()[0] in nxt2
    assert {s for s in nxt2} == {st.state for st in cm.steps(one)}


# ---- item 10: the generated Python's own limits -----------------------------------------

@contextmanager
def _deep_recursion():
    """Room for the front end's and the interpreter's recursion over deep expressions.

    Those are not the code generator's business (item 11); these tests are about the code it
    generates, which Python must compile whatever the nesting of the model.
    """
    old = sys.getrecursionlimit()
    sys.setrecursionlimit(max(old, 30_000))
    try:
        yield
    finally:
        sys.setrecursionlimit(old)


def _agrees_with_interpreter(text: str):
    """Check text with the explicit engine; the interpreter's own search finds the same."""
    with _deep_recursion():
        m = model_of(text)
        cm = CompiledModel(m)
        compile(cm.source, "<generated>", "exec")  # (CompiledModel did too; this names the failure)
        differential(cm)
        dist, transitions = naive_bfs(cm)
        r = check(m, ExplicitOptions(symmetry=False, stop_at_first=False, deadlock=False))
    assert (r.stats.distinct_states, r.stats.transitions) == (len(dist), transitions)
    return r, cm


def _deepest(source: str) -> tuple[int, int]:
    """(deepest indentation, deepest bracket nesting) of generated source."""
    indent = max((len(line) - len(line.lstrip(" "))) // 4 for line in source.splitlines())
    return indent, max(codegen_nesting(line) for line in source.splitlines())


HEADER = """model Deep
var x: 0..3
init { x = 0 }
action A { require x < 3  x = x + 1 }
"""


def test_280_conjuncts():
    # 210 failed to compile; a declaration nests at most 300 levels deep (E105, docs section 10)
    conjuncts = " and ".join(f"x != {i % 3 + 1 if i == 200 else 4 + i}" for i in range(280))
    r, cm = _agrees_with_interpreter(HEADER + f"invariant I: {conjuncts}\n")
    assert [p.name for p in r.violated] == ["I"] and r.stats.distinct_states == 4
    assert _deepest(cm.source)[1] <= 60


def test_280_disjuncts_skip_what_they_skipped():
    # the last disjunct fails (a map key out of range) unless an earlier one holds
    text = HEADER.replace("var x: 0..3", "var x: 0..3\nvar m: map[0..2, bool]").replace(
        "init { x = 0 }", "init { x = 0  m = {k: false for k in 0..2} }")
    disjuncts = " or ".join(["x < 3"] + [f"x == {4 + i}" for i in range(278)] + ["m[x]"])
    r, _ = _agrees_with_interpreter(text + f"invariant I: {disjuncts}\n")
    assert [p.name for p in r.violated] == ["I"]
    assert "3 is outside 0..2" in next(p for p in r.violated if p.name == "I").message


def test_a_sum_of_280_variables():
    n = 280
    text = (f"model Sum\n" + "".join(f"var v{i}: 0..1\n" for i in range(n))
            + "init { " + " ".join(f"v{i} = 0" for i in range(n)) + " }\n"
            + "action A(k: 0..2) { require v0 + v1 + v2 < 2  if k == 0 { v0 = 1 } else if k == 1 { v1 = 1 } "
            + "else { v2 = 1 } }\n"
            + "invariant I: " + " + ".join(f"v{i}" for i in range(n)) + " <= 1\n")
    r, cm = _agrees_with_interpreter(text)
    assert [p.name for p in r.violated] == ["I"]
    assert r.stats.distinct_states == 7 and _deepest(cm.source)[1] <= 60


def test_280_nested_nots():
    for depth, steps in ((280, 0), (281, 2)):  # x > 1 fails in the initial state, not (x > 1) at x = 2
        r, cm = _agrees_with_interpreter(HEADER + f"invariant I: {'not ' * depth}(x > 1)\n")
        assert [p.name for p in r.violated] == ["I"] and r.violated[0].trace.length == steps, depth
        assert _deepest(cm.source)[1] <= 60


def _nested_ifs(n: int) -> str:
    """x counts up; at level i of n nested ifs, x < i sets y = i and leaves the rest."""
    opening = "".join(f"if x >= {i} {{\n" for i in range(n))
    closing = "".join(f"}} else {{ y = {n - 1 - i} }}\n" for i in range(n))
    return f"""model Nested
var x: 0..{n + 1}
var y: 0..{n + 1}
init {{ x = 0  y = 0 }}
action A {{
  require x <= {n}
  {opening}y = {n + 1}
  {closing}x = x + 1
}}
invariant I: y <= {n}
"""


def test_140_nested_ifs():
    # 105 failed to compile; an if with its block is two of the 300 levels a declaration may nest (E105)
    r, cm = _agrees_with_interpreter(_nested_ifs(140))
    assert [p.name for p in r.violated] == ["I"]
    assert r.stats.distinct_states == 142
    assert _deepest(cm.source)[0] <= 60


def test_140_nested_ifs_with_choose_and_require():
    text = _nested_ifs(140).replace("y = 141\n", "choose d in 0..1\n  require d == 1 or x > 2\n  y = 140 + d\n")
    r, cm = _agrees_with_interpreter(text)
    assert [p.name for p in r.violated] == ["I"]
    assert _deepest(cm.source)[0] <= 60


@pytest.mark.slow
def test_1500_sequential_chooses():
    # F10: each `choose` continues in a function of its own; compiling and running the chain of
    # them must not recurse out of Python's limit. One run survives the requires: y = 750 % 4.
    n = 1500
    body = "\n  ".join(f"choose c{i} in 0..1  require c{i} == {i % 2}  y = (y + c{i}) % 4" for i in range(n))
    text = f"""model Chooses
var y: 0..3
var done: bool
init {{ y = 0  done = false }}
action A {{
  require not done
  {body}
  done = true
}}
"""
    with _deep_recursion():
        m = model_of(text)
    cm = CompiledModel(m)
    nxt, counts, bad, dead, err = cm.expand(cm.init_states())
    assert err is None and counts == [1] and [cm.decode(s) for s in nxt] == [{"y": 2, "done": True}]
    assert set(nxt) == {st.state for st in cm.steps(cm.init_states()[0])}


# ---- F7: a def's arguments are evaluated (and range-checked) before its body --------------

def test_an_unused_def_argument_is_range_checked():
    text = """model Unused
var x: 0..5
init { x = 0 }
def f(a: 0..3, b: 0..5) = b
action A { require x < 5  x = f(x + 1, x) + 1 }
"""
    r = run(text, stop_at_first=False)  # run() compares the compiled code with the interpreter first
    runtime = next(p for p in r.violated if p.name == "runtime")
    assert runtime.trace.length == 4 and "4 is outside 0..3" in runtime.message


def test_an_argument_used_on_one_branch_only_is_range_checked_on_both():
    text = """model Branch
var x: 0..5
init { x = 0 }
def g(a: 0..2, c: bool) = if c then a else 0
action A { require x < 5  x = x + 1 + g(x, x > 10) }
"""
    r = run(text, stop_at_first=False)
    runtime = next(p for p in r.violated if p.name == "runtime")
    assert runtime.trace.length == 4 and "3 is outside 0..2" in runtime.message


def test_strict_arguments_inside_a_deep_expression():
    conjuncts = " and ".join(f"g(x, x > {10 + i}) >= 0" for i in range(200))
    text = f"""model DeepCalls
var x: 0..5
init {{ x = 0 }}
def g(a: 0..4, c: bool) = if c then a else 0
action A {{ require x < 5  x = x + 1 }}
invariant I: {conjuncts} and (forall k in 0..x: g(k, x > 1) >= 0)
"""
    r, _ = _agrees_with_interpreter(text)
    assert [p.name for p in r.violated] == ["I"] and "5 is outside 0..4" in r.violated[0].message


# ---- the code generator's limits count values, not codes ------------------------------------

# P has 3 * 3 * 5 = 45 values but 2 + 2 + 3 = 7 bits of code: 128 codes
SPARSE = """model Sparse
type P = {a: 0..2, b: 0..2, c: 0..4}
var s: set[P]
var n: 0..20
init { s = {{a: 0, b: 0, c: 1}, {a: 2, b: 2, c: 4}}  n = 0 }
action Walk { require n == 0  for p in s { choose d in 0..1  n = n + d + p.c } }
invariant Small: n <= 6
"""


def test_a_loop_with_choose_over_a_set_of_45_values_compiles():
    r = run(SPARSE, stop_at_first=False, deadlock=False)
    assert r.stats.distinct_states == 4 and r.stats.transitions == 4
    assert [p.name for p in r.violated] == ["Small"]


def test_the_loop_limit_names_the_number_of_values():
    text = SPARSE.replace("c: 0..4", "c: 0..9")  # 90 values
    with pytest.raises(SpecError) as info:
        CompiledModel(model_of(text))
    assert info.value.codes == ["E501"]
    assert "a set of P, which has 90 values (at most 64)" in str(info.value)


@pytest.mark.slow
def test_the_largest_ranges_the_documented_limits_allow():
    # 65,536 values: a choice over all of them and a quantifier that is not unrolled
    text = """model Widest
var x: 0..65535
init { x = 0 }
action A { require x < 3  choose d in 0..65535  require d == x + 1  x = d }
invariant I: exists k in 0..65535: k == x
invariant J: len(0..65535) == 65536
"""
    holds(run(text, deadlock=False), states=4, transitions=3)


def test_an_else_if_chain_of_250_arms():
    n = 250
    arms = " else ".join(f"if x == {i} {{ y = {i % 7} }}" for i in range(n))
    text = f"""model Elif
var x: 0..{n}
var y: 0..7
init {{ x = 0  y = 7 }}
action A {{ require x < {n}  {arms} else {{ y = 7 }}  x = x + 1 }}
invariant I: y != 6 or x < 200
"""
    r, cm = _agrees_with_interpreter(text)
    assert [p.name for p in r.violated] == ["I"] and r.stats.distinct_states == n + 1
    assert _deepest(cm.source)[0] <= 60


def test_a_match_of_300_arms():
    m = 300
    variants = " | ".join(f"V{i}(k: 0..1)" for i in range(m))
    arms = ",\n    ".join(f"V{i}(k) -> {i % 5} + k" for i in range(m))
    text = f"""model Match
type U = {variants}
var c: U
var n: 0..10
init {{ c = V0(0)  n = 0 }}
action A(v: 0..1) {{ require n < 2  c = match c {{ V0(k) -> V7(v), V7(k) -> V299(k), _ -> V3(v) }}  n = n + 1 }}
invariant I: match c {{
    {arms}
  }} < 5 or n < 2
"""
    r, cm = _agrees_with_interpreter(text)
    assert [p.name for p in r.violated] == ["I"] and r.stats.distinct_states == 5
    assert _deepest(cm.source)[1] <= 60


def test_140_nested_ifs_inside_loops():
    # unrolled (a constant domain) and not (a set variable), with a `require` deep inside
    n = 140
    opening = "".join(f"if x >= {i} {{\n" for i in range(n))
    closing = "}\n" * n
    text = f"""model Loops
var x: 0..{n + 1}
var y: 0..{n + 1}
var seen: set[0..99]
init {{ x = 0  y = 0  seen = {{}} }}
action A(v: 0..99) {{ require x <= 3  seen = seen | {{v % 3}}  x = x + 1 }}
action B {{
  require y == 0
  for i in 0..1 {{
    {opening}y = x + i
    {closing}
  }}
}}
action C {{
  require y == 0
  for v in seen {{
    {opening}require v != 2  y = v + 1
    {closing}
  }}
}}
"""
    r, cm = _agrees_with_interpreter(text)
    assert _deepest(cm.source)[0] <= 60 and r.stats.distinct_states > 20


def test_the_compiler_needs_no_recursion_room_from_its_caller():
    # 290 nested nots, a sum of 290 terms and a chain of 250 defs (near the nesting limit, E105), compiled at Python's
    # default recursion limit
    defs = "def d0(a: 0..3) -> 0..3 = a\n" + "".join(f"def d{i}(a: 0..3) -> 0..3 = d{i - 1}(a)\n"
                                                    for i in range(1, 250))
    text = (HEADER + defs + f"invariant N: {'not ' * 290}(x < 1)\n"
            + f"invariant S: {' + '.join('x' for _ in range(290))} <= 6000\n"
            + "invariant D: d249(x) == x\n")
    with _deep_recursion():
        m = model_of(text)
    old = sys.getrecursionlimit()
    sys.setrecursionlimit(1000)
    try:
        cm = CompiledModel(m)
    finally:
        sys.setrecursionlimit(max(old, sys.getrecursionlimit()))
    with _deep_recursion():
        differential(cm)
    assert [cm.invariants(s) for s in cm.init_states()] == [[True, True, True]]
