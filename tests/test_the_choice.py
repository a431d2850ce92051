"""Deterministic choice (issue 15 item 2): `the x in S: P`, the unique element of the set S
satisfying P, and a run-time error ("choice") when none or several do.

Parsing and type errors; the compiled engine against the interpreter state by state (both the
unrolled code of small domains and the generator code of large ones); the run-time error's shortest
trace from the explicit engine and from BMC; the symbolic engines agreeing with the explicit one.
"""

from __future__ import annotations

import pytest

from checker.core.result import Verdict
from checker.engines.explicit.codegen import UNROLL_QUANT
from checker.engines.explicit.compiled import CompiledModel
from checker.engines.symbolic import SymbolicOptions
from checker.engines.symbolic import check as symbolic_check
from cli_helpers import run_cli
from spec import ast
from spec.formatter import format_text
from spec.parser import parse
from spec.runtime import ModelError

from engine_helpers import differential, model_of, naive_bfs, prop, run

RLIMIT = 5_000_000

# one leader among the nodes still up, chosen once a single node is left
LEADER = """model Leader
const NODES = {n1, n2, n3}
var up: set[NODES]
var leader: option[NODES]
init { up = NODES  leader = none }
action Crash(n: NODES) { require len(up) > 1 and n in up  up = up - {n} }
action Elect { require len(up) == 1  leader = some(the n in up: true) }
invariant LeaderUp: leader == none or get(leader) in up
"""

# `the` over a union: the vote of a given node, among messages that hold at most one per node
VOTES = """model Votes
const NODES = {n1, n2}
type Msg = Vote(node: NODES, yes: bool) | Done
var msgs: set[Msg]
var tally: 0..2
init { msgs = {}  tally = 0 }
action Cast(n: NODES, b: bool) {
  require not (exists m in msgs: m is Vote and m.node == n)
  msgs = msgs | {Vote(n, b)}
}
action Count(n: NODES) {
  require exists m in msgs: m is Vote and m.node == n
  let v = the m in msgs: m is Vote and m.node == n
  if v.yes { tally = min(tally + 1, 2) }
}
"""


def counter(witnesses: str, top: int = 3, dom: str = "0..3") -> str:
    """x climbs to `top`; Pick reads `the v in dom: witnesses`, which may fail only at some x."""
    return f"""model Counter
var x: 0..{top}
var y: 0..{top + 1}
init {{ x = 0  y = 0 }}
action Step {{ require x < {top}  x = x + 1 }}
action Pick {{ y = the v in {dom}: {witnesses} }}
"""


# two witnesses (v == x and v == 0) once x == 2
TWO_LATE = counter("v == x or (v == 0 and x >= 2)")
# no witness once x == 3 (v ranges over 0..2 only)
NONE_LATE = counter("v == x", dom="0..2")
# a domain too large to unroll: the generator code
WIDE = counter("v == x + 1 or (v == x + 20 and x == 3)", top=UNROLL_QUANT + 30, dom=f"x..x + {UNROLL_QUANT}")

# `the` in init and in invariants: Smallest always has one witness (the minimum), Big none once s
# holds three elements without 3
INVARIANTS = """model Inv
var s: set[0..3]
init { s = {the v in 0..3: v * v == 1} }
action Add(k: 0..3) { s = s | {k} }
invariant Smallest: (the v in s: forall w in s: v <= w) <= 1
invariant Big: len(s) < 3 or (the v in s: v == 3) in s
"""

def _quant(text: str) -> ast.Quant:
    inv = parse(text).decls[-1]
    return inv.cond


def test_the_parses_like_exists_its_body_extending_right():
    e = _quant("model M\nvar s: set[0..3]\ninit { s = {} }\ninvariant I: true and the x in s: x > 1 and x < 3 implies true\n")
    assert isinstance(e, ast.Binary) and e.op == "and"
    the = e.right
    assert isinstance(the, ast.Quant) and the.kind == "the"
    assert the.generator.bindings[0].names[0][0] == "x"
    assert isinstance(the.body, ast.Binary) and the.body.op == "implies"   # all of `x > 1 and ... implies true`


def test_the_formatter_writes_the_like_a_quantifier():
    text = format_text(TWO_LATE)
    assert "y = the v in 0..3: v == x or (v == 0 and x >= 2)" in text
    assert format_text(text) == text


def test_the_is_a_reserved_word(tmp_path, capsys):
    f = tmp_path / "r.sync"
    f.write_text("model R\nvar the: bool\ninit { the = true }\n")
    code, out, err = run_cli(["parse", str(f)], capsys)
    assert code == 2
    assert "r.sync:2:5: error[E103]: 'the' is a keyword" in out + err


@pytest.mark.parametrize("body, at, words", [
    ("the v in q: v > 0", "q:", "'the' chooses from a set, found seq"),
    ("the v in 3: v > 0", "3:", "'the' chooses from a set, found"),
    ("the v in {1, 2}: v + 1", "v + 1", "the condition of 'the' must be a bool, found 2..3"),
])
def test_type_errors_point_at_the_set_or_the_condition(tmp_path, capsys, body, at, words):
    f = tmp_path / "t.sync"
    f.write_text(f"model T\nvar q: seq[0..3, 2]\nvar y: 0..3\ninit {{ q = []  y = 0 }}\n"
                 f"action A {{ y = {body} }}\n")
    code, out, err = run_cli(["parse", str(f)], capsys)
    text = out + err
    assert code == 2, text
    col = len("action A { y = ") + body.index(at) + 1
    assert f"t.sync:5:{col}:" in text, text
    assert words in text, text
    assert "^" in text and "help: write `the v in S: P`" in text


def test_a_chosen_value_holds_and_agrees_with_the_interpreter():
    r = run(LEADER)
    assert r.verdict is Verdict.HOLDS, [(p.name, p.message) for p in r.properties if p.verdict is not Verdict.HOLDS]
    assert r.stats.distinct_states == 10
    r = run(VOTES)
    assert prop(r, "runtime").verdict is Verdict.HOLDS


@pytest.mark.parametrize("text", [TWO_LATE, NONE_LATE, WIDE, INVARIANTS], ids=["two", "none", "wide", "inv"])
def test_compiled_and_interpreted_agree_state_by_state(text):
    assert differential(model_of(text)) > 1


def test_an_invariant_whose_the_fails_is_violated_in_every_engine():
    r = run(INVARIANTS)
    assert prop(r, "Smallest").verdict is not Verdict.VIOLATED
    big = prop(r, "Big")
    assert big.verdict is Verdict.VIOLATED
    assert big.trace.length == 2      # {1} -> {0, 1} -> {0, 1, 2}
    b = symbolic_check(model_of(INVARIANTS), "bmc", SymbolicOptions(depth=4, rlimit=RLIMIT))
    assert prop(b, "Big").verdict is Verdict.VIOLATED
    assert prop(b, "Big").trace.length == 2


def _shortest_error_distance(text: str) -> int:
    """The distance of the nearest state where some step raises a `choice` error (interpreter)."""
    cm = CompiledModel(model_of(text))
    dist, _ = naive_bfs(cm)
    failing = [d for s, d in dist.items() for st in cm.steps(s) if st.error is not None]
    assert all(st.error.kind == "choice" for s in dist for st in cm.steps(s) if st.error is not None)
    return min(failing)


@pytest.mark.parametrize("text, message", [
    (TWO_LATE, "2 elements satisfy the condition of 'the'"),
    (NONE_LATE, "no element satisfies the condition of 'the'"),
    (WIDE, "2 elements satisfy the condition of 'the'"),
], ids=["two", "none", "wide"])
def test_the_error_has_the_same_shortest_trace_in_every_engine(text, message):
    r = run(text)
    p = prop(r, "runtime")
    assert p.verdict is Verdict.VIOLATED
    assert message in p.message
    explicit = p.trace
    assert explicit.length == _shortest_error_distance(text) + 1
    assert explicit.error_step.action == "Pick"
    assert explicit.where is not None and explicit.where.endswith(":6:19")
    b = symbolic_check(model_of(text), "bmc", SymbolicOptions(depth=6, rlimit=RLIMIT))
    q = prop(b, "runtime")
    assert q.verdict is Verdict.VIOLATED
    assert message in q.message
    assert [s.state for s in q.trace.steps] == [s.state for s in explicit.steps]
    assert q.trace.error_step.action == "Pick"


def test_the_interpreter_raises_choice_at_the_expression():
    cm = CompiledModel(model_of(TWO_LATE))
    s = cm.init_states()[0]
    errors = [st.error for st in cm.steps(s) if st.error is not None]
    assert errors == []
    two = next(t for t in naive_bfs(cm)[0] if cm.decode(t)["x"] == 2)
    (err,) = [st.error for st in cm.steps(two) if st.error is not None]
    assert isinstance(err, ModelError) and err.kind == "choice"
    assert (err.span.line, err.span.col) == (6, 19)


@pytest.mark.parametrize("text", [LEADER, VOTES], ids=["leader", "votes"])
def test_the_symbolic_engines_prove_what_the_explicit_one_finds_true(text):
    assert run(text).verdict is Verdict.HOLDS
    for engine in ("bmc", "induction", "prove"):
        r = symbolic_check(model_of(text), engine, SymbolicOptions(depth=5, rlimit=RLIMIT))
        assert [(p.name, p.verdict) for p in r.properties] == [(p.name, Verdict.HOLDS) for p in r.properties], engine


def test_the_over_a_symmetric_set_is_reduced_by_symmetry():
    """The chosen element is unique, so it does not depend on which node is which."""
    text = LEADER.replace("const NODES = {n1, n2, n3}", "const NODES = symmetric {n1, n2, n3}")
    reduced, full = run(text), run(text, symmetry=False)
    assert reduced.verdict is Verdict.HOLDS and full.verdict is Verdict.HOLDS
    assert (reduced.stats.distinct_states, full.stats.distinct_states) == (4, 10)
