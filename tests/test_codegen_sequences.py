"""Shortcuts of the compiled code for sequences, def calls and unrolled quantifiers (issue 13).

- `q[i]` with a constant or local index into a sequence held in a local or read from the state
  is a shift and a mask, with the call that raises the bounds error only when it is outside;
- the items of a sequence of the state listed more than once per state (`t in q`, `forall t in q`)
  are listed once (`_w<n>`);
- a def called with an argument that may fail binds it with an assignment expression, not a
  lambda called in place; such an argument in a comprehension's iterable, or in an expression
  deep enough to be moved into a function of its own, still works;
- an unrolled forall/exists over two dynamic ranges tests the outer binder's guard once per
  value, and a constant row (false in a forall, true in an exists) still decides;
- a quantifier over a dynamic range that is not unrolled iterates a `range`.

Each is checked state by state against the reference interpreter and by the engine's counts,
verdicts and shortest violations against a naive search over the interpreter.
"""

from __future__ import annotations

import pytest

from spec.loader import load_text

from checker.core.result import Verdict
from checker.engines.explicit.compiled import CompiledModel
from engine_helpers import differential, prop, run
from fuzz.differential import compare

SEQS = """model Seqs
const N = 4
type Tx = 0..N - 1
var q: seq[Tx, N]
var log: seq[Tx, N]
var k: 0..N
init { q = []  log = []  k = 0 }
def w(i: 0..N, t: Tx) = (i + 1) * t % (N + 1)
def at(i: 0..N) = log[i]
def upto(n: 0..40) = 0..n
def deep(i: Tx) = DEEP(i == 0)
action Push(t: Tx) { require t not in q and t not in log  q = append(q, t) }
action Move { require len(q) > 0  log = append(log, head(q))  q = tail(q) }
action SetK(i: 0..N) { require i <= len(log) + 0  k = i }
action Bump { require k < len(log) and w(k, log[k]) > 1  k = k + 1 }
invariant Distinct: forall i in 0..len(log) - 1, j in 0..len(log) - 1: i == j or log[i] != log[j]
invariant Disjoint: forall t in log: t not in q
invariant Weights: sum(w(i, log[i]) for i in 0..len(log) - 1) >= 0
invariant Ex: len(log) == 0 or len(q) == 0 or exists i in 0..len(log) - 1, j in 0..len(q) - 1: log[i] != q[j]
invariant Big: k == 0 or forall x in upto(at(k - 1) * 10): x <= 40
invariant Deep: k == 0 or deep(at(k - 1)) or len(log) > 0
invariant Second: k < 2 or log[1] >= 0
""".replace("DEEP", "not " * 80)

# k may point one past the log: at(k - 1) is then out of bounds, in Big's domain and Deep's
# argument, and the engine must report that run-time error exactly where the interpreter does
FAILING = SEQS.replace("len(log) + 0", "len(log) + 1")

GUARDS = """model Guards
var x: 0..3
var s: set[0..3]
init { x = 0  s = {} }
action Inc { require x < 3  x = x + 1 }
action Add(k: 0..3) { require x > k  s = s | {k} }
invariant NoneBig: forall i in 0..x: i < 3
invariant Pairs: forall i in 0..x, j in s: i != j or i < 2
invariant Never: exists i in 0..x, j in 0..x: i == j and false
invariant Found: len(s) == 0 or exists i in 0..x, j in s: i == j
"""


@pytest.mark.parametrize("text,states", [(SEQS, 685), (FAILING, 922), (GUARDS, 15)], ids=["seqs", "failing", "guards"])
def test_every_reachable_state_agrees_with_the_interpreter(text, states):
    assert differential(load_text(text)) == states


@pytest.mark.parametrize("text", [SEQS, FAILING, GUARDS], ids=["seqs", "failing", "guards"])
def test_the_engine_finds_what_a_naive_search_over_the_interpreter_finds(text):
    assert compare(load_text(text), bmc=False) == []


def test_the_shortcuts_are_in_the_generated_code():
    src = CompiledModel(load_text(SEQS)).source
    assert "_w0 = _seqitems(" in src              # q's items listed once per state
    assert " := " in src and "lambda" not in src  # strict arguments bound by assignment
    assert "for l" in src and "in f" in src       # Big's iterable (it assigns) moved into a function
    expand = src[src.index("def expand"):]
    assert " & 7 > 0 else _seqget(" in expand     # log[0] inline, the call only out of bounds


def test_the_verdicts():
    r = run(SEQS)
    assert r.verdict is Verdict.HOLDS
    r = run(FAILING)
    big = prop(r, "Big")
    assert big.verdict is Verdict.VIOLATED and "outside a sequence of length 0" in big.message
    assert len(big.trace.steps) == 2
    r = run(GUARDS)
    assert prop(r, "Never").verdict is Verdict.VIOLATED   # false in the first state
    assert len(prop(r, "Never").trace.steps) == 1
    r = run(GUARDS.replace("invariant Never", "# "), stop_at_first=False)
    assert prop(r, "NoneBig").verdict is Verdict.VIOLATED
    assert len(prop(r, "NoneBig").trace.steps) == 4       # x = 3
    assert len(prop(r, "Pairs").trace.steps) == 5         # x = 3 and 2 in s
    assert prop(r, "Found").verdict is Verdict.HOLDS
