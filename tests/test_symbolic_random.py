"""Random small models (hypothesis): the symbolic encoding agrees with the reference semantics.

- explicit and BMC find the same violated properties with the same shortest trace lengths, or
  both none up to the explicit engine's depth; every BMC trace replays;
- every proof (k-induction, CHC) is of a property the explicit engine finds to hold.

The models cover every type of the language and the constructs whose encoding is subtle:
truncating division and sign-of-dividend remainder, floor `div` and `mod`, `let ... in`, range checks, sequence bounds and capacity,
`get(none)`, min/max of nothing, short-circuit `and`/`forall`, `choose`, `for`, `if`, `assert`.
"""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from checker.engines.explicit.search import ExplicitOptions
from checker.engines.explicit.search import check as explicit_check
from checker.traces.itf import trace_document
from checker.traces.replay import replay
from checker.core.result import Verdict
from checker.engines.symbolic import SymbolicOptions
from checker.engines.symbolic import check as symbolic_check
from spec.diagnostics import SpecError
from spec.loader import load_text

# z3's budget per query in resource units, not seconds, so that no verdict depends on the machine's
# speed: BMC must reach the explicit engine's depth; a proof is only checked for soundness
BMC_RLIMIT = 40_000_000
PROOF_RLIMIT = 2_000_000

HEADER = """model R
var x: 0..3
var y: -2..2
var b: bool
var s: set[0..3]
var q: seq[0..3, 2]
var o: option[0..3]
var m: map[0..1, -1..2]
init {
  x = 0
  y = 0
  b = false
  s = {}
  q = []
  o = none
  m = {k: 0 for k in 0..1}
}
"""
SAFETY = ("invariant", "deadlock", "runtime")


def ints(locals_):
    leaves = ["x", "y", "0", "1", "2", "-1", "len(s)", "len(q)", "m[x % 2]"] + list(locals_)
    return leaves


@st.composite
def int_expr(draw, depth, locals_=()):
    if depth == 0 or draw(st.integers(0, 3)) == 0:
        return draw(st.sampled_from(ints(locals_)))
    a, b = draw(int_expr(depth - 1, locals_)), draw(int_expr(depth - 1, locals_))
    kind = draw(st.integers(0, 18))
    if kind <= 3 or kind > 15:
        return f"({a} {draw(st.sampled_from(['+', '-', '*']))} {b})"
    if kind == 4:
        return f"({a} / {draw(st.sampled_from(['2', '-2', 'x', 'y']))})"      # y may be 0: division error
    if kind == 5:
        return f"({a} % {draw(st.sampled_from(['2', '-3', 'y']))})"
    if kind == 6:
        return f"{draw(st.sampled_from(['min', 'max']))}({a}, {b})"
    if kind == 7:
        return f"(if {draw(bool_expr(depth - 1, locals_))} then {a} else {b})"
    if kind == 8:
        return f"sum(v * 2 for v in s if v > {a})"
    if kind == 9:
        return draw(st.sampled_from(["get(o)", "q[0]", "head(q)", "last(q)", "abs(y)"]))
    if kind == 10:
        return f"{draw(st.sampled_from(['min', 'max']))}(v for v in s)"              # empty: an error
    if kind == 11:
        return "(match o { some(v) -> v, none -> y })"
    if kind == 13:   # floor division: Euclidean in z3's integers, so negative divisors matter
        return f"({a} div {draw(st.sampled_from(['2', '-2', 'x', 'y']))})"
    if kind == 14:
        return f"({a} mod {draw(st.sampled_from(['2', '-3', 'y']))})"
    if kind == 15:   # a let in an expression, its value evaluated even where the body does not read it
        v = f"t{len(locals_)}"
        return f"(let {v} = {a} in {draw(int_expr(depth - 1, locals_ + (v,)))})"
    return f"len({{v for v in s if v != {a}}})"


@st.composite
def bool_expr(draw, depth, locals_=()):
    if depth == 0 or draw(st.integers(0, 3)) == 0:
        return draw(st.sampled_from(["b", "not b", "o is none", "o is some", "x in q"]))
    a, b = draw(int_expr(depth - 1, locals_)), draw(int_expr(depth - 1, locals_))
    kind = draw(st.integers(0, 8))
    if kind <= 2:
        return f"{a} {draw(st.sampled_from(['<', '<=', '==', '!=', '>']))} {b}"
    if kind == 3:
        return f"({draw(bool_expr(depth - 1, locals_))} and {draw(bool_expr(depth - 1, locals_))})"
    if kind == 4:
        return f"({draw(bool_expr(depth - 1, locals_))} or {draw(bool_expr(depth - 1, locals_))})"
    if kind == 5:
        return f"(forall v in s: v {draw(st.sampled_from(['<', '>=']))} {a})"
    if kind == 6:
        return f"(exists v in s: 6 / v == {a})"                                     # short-circuit matters
    if kind == 7:
        return f"({a} in s)"
    return f"(s subset {{1, 2}} implies {draw(bool_expr(depth - 1, locals_))})"


@st.composite
def statement(draw, locals_, depth=1):
    kind = draw(st.integers(0, 16))
    e = draw(int_expr(2, locals_))
    if kind <= 1:
        var = draw(st.sampled_from(["x", "y"]))
        lo, hi = (0, 3) if var == "x" else (-2, 2)
        if draw(st.integers(0, 3)) == 0:
            return [f"{var} = {e}"]                              # may leave the range: runtime
        return [f"{var} = min(max({e}, {lo}), {hi})"]
    if kind == 2:
        return [f"b = {draw(bool_expr(2, locals_))}"]
    if kind == 3:
        return [f"s = (s | {{min(max({e}, 0), 3)}}) - {{x}}"]
    if kind == 4:
        return [draw(st.sampled_from(["q = append(q, x)", "q = tail(q)", "q = [x]", "q[0] = x"]))]
    if kind == 5:
        return [draw(st.sampled_from(["o = some(x)", "o = none", "m[x % 2] = y", "m[1] = min(max(x, -1), 2)"]))]
    if kind == 6:
        return [f"require {draw(bool_expr(1, locals_))}"]
    if kind == 7 and depth > 0:
        then = draw(statements(locals_, depth - 1))
        orelse = draw(statements(locals_, depth - 1))
        return [f"if {draw(bool_expr(1, locals_))} {{", *then, "} else {", *orelse, "}"]
    if kind == 8 and depth > 0:
        v = f"i{len(locals_)}"
        body = draw(statements(locals_ + (v,), depth - 1))
        return [f"for {v} in {draw(st.sampled_from(['s', '0..2', 'q']))} {{", *body, "}"]
    if kind == 9:
        v = f"k{len(locals_)}"
        return [f"choose {v} in {draw(st.sampled_from(['s', '0..3', '{x, 3}', 'q']))}"], (v,)
    if kind == 10:
        return [f"assert {draw(bool_expr(1, locals_))}"]
    if kind == 11:
        v = f"l{len(locals_)}"
        return [f"let {v} = {e}"], (v,)
    # counting steps, so that the state space has some depth
    return [draw(st.sampled_from(["x = min(x + 1, 3)", "y = max(y - 1, -2)", "s = s | {x}",
                                  "if x < 3 { x = x + 1 } else { y = min(y + 1, 2) }", "b = not b",
                                  "m[0] = min(m[0] + 1, 2)"]))]


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
    parts = [HEADER]
    for n in range(draw(st.integers(1, 3))):
        params = draw(st.sampled_from(["", "(p: 0..2)", "(p: -1..1, w: bool)"]))
        locals_ = ("p",) if params else ()
        body = []
        if draw(st.booleans()):
            body.append(f"require {draw(bool_expr(1, locals_))}")
        body += draw(statements(locals_))
        parts += [f"action A{n}{params} {{", *["  " + line for line in body], "}"]
    for n in range(draw(st.integers(0, 2))):
        inv = draw(bool_expr(2))
        if draw(st.booleans()):  # weaker, so that more of them hold for a while
            inv = f"{inv} or x < {draw(st.integers(1, 3))}"
        parts.append(f"invariant I{n}: {inv}")
    return "\n".join(parts) + "\n"


def _model(text):
    try:
        return load_text(text, "r.sync")
    except SpecError:
        return None  # a generated model the type checker rejects (a constant division by zero, ...)


def _explicit(m):
    try:
        e = explicit_check(m, ExplicitOptions())
    except SpecError:  # the explicit engine cannot compile it (E501: choose in a loop over a sequence)
        return None, None
    return e, {p.name: p.trace.length for p in e.violated if p.kind in SAFETY}


@pytest.mark.slow
@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(random_model())
def test_random_models_explicit_and_bmc_agree(text):
    m = _model(text)
    if m is None:
        return
    e, violated = _explicit(m)
    if e is None:
        return
    depth = max(violated.values()) if violated else e.stats.depth
    r = symbolic_check(m, "bmc", SymbolicOptions(depth=depth, rlimit=BMC_RLIMIT))
    got = {p.name: p.trace.length for p in r.violated}
    assert got == violated, (got, violated, text)
    for p in r.violated:
        doc = replay(trace_document(p.trace, m.path), m)
        assert doc.valid, (doc.message, text)
        assert p.name in [v[0] for v in doc.violations], (doc.violations, text)
    if not violated:
        assert r.verdict is not Verdict.VIOLATED


@pytest.mark.slow
@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(random_model())
def test_random_models_proofs_are_consistent_with_explicit(text):
    m = _model(text)
    if m is None:
        return
    e, violated = _explicit(m)
    if e is None:
        return
    holds = {p.name for p in e.properties if p.verdict is Verdict.HOLDS}
    for mode in ("induction", "prove"):
        r = symbolic_check(m, mode, SymbolicOptions(rlimit=PROOF_RLIMIT, k=3))
        for p in r.properties:
            if p.verdict is Verdict.HOLDS:
                assert p.how in ("proved", "exhaustive")
                # a proof of a property the explicit engine could not decide (it stopped at another
                # violation) is fine; a proof of one it found violated is a bug
                assert p.name not in violated, (mode, p.name, text)
                if e.verdict is not Verdict.VIOLATED:
                    assert p.name in holds, (mode, p.name, text)
            if p.verdict is Verdict.VIOLATED:
                assert p.name in violated or e.verdict is Verdict.VIOLATED, (mode, p.name, text)
