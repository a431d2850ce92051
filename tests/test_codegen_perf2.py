"""Shortcuts of the compiled code for the corpus models still below the naive floor (issue 13).

- an invariant that loops (or whose code is long) and reads only some of the state variables,
  itself or through the defs it calls, is remembered per value of those variables: `expand`
  looks its outcome up by those bits of the state and computes it (False when it raises) only
  on a miss; the states where it fails are then checked invariant by invariant, as before.

Each is checked state by state against the reference interpreter and by the engine's counts,
verdicts and shortest violations against a naive search over the interpreter, including a
cache so small that it is forgotten on every miss.
"""

from __future__ import annotations

import re

import pytest

from spec.loader import load_text

from checker.core.result import Verdict
from checker.engines.explicit import codegen
from checker.engines.explicit.compiled import CompiledModel
from checker.engines.explicit.layout import StateLayout
from engine_helpers import differential, prop, run
from fuzz.differential import compare

# ViaDef reads y only through over(): a key without y would remember the outcome of y == 0.
# Fails raises (division by zero) once 1 is in s. Order is violated only once x == N.
MEMO = """model Memo
const N = 2
var x: 0..N
var y: 0..N
var s: set[0..N]
var q: seq[0..N, 2]
init { x = 0  y = 0  s = {}  q = [] }
def over(k: 0..N) = k + y
action IncX { require x < N  x = x + 1 }
action IncY { require y < N  y = y + 1 }
action Add(k: 0..N) { require k not in s  s = s | {k} }
action Push(k: 0..N) { require len(q) < 2  q = append(q, k) }
invariant ViaDef: forall k in s: over(k) < 2 * N
invariant Fails: forall k in s: k == 0 or 12 / (k - 1) >= 0
invariant Order: forall i in 0..len(q) - 1, j in 0..len(q) - 1: i >= j or q[i] <= q[j] or x < N
invariant Short: len(q) < 2 or x + y < 2 * N
"""

STATES = 3 * 3 * 8 * 13


def test_every_reachable_state_agrees_with_the_interpreter():
    assert differential(load_text(MEMO)) == STATES


def test_the_engine_finds_what_a_naive_search_over_the_interpreter_finds():
    assert compare(load_text(MEMO), bmc=False) == []


@pytest.mark.parametrize("size", [1, 2])
def test_a_cache_forgotten_on_every_miss_changes_nothing(monkeypatch, size):
    monkeypatch.setattr(codegen, "MEMO_SIZE", size)
    assert differential(load_text(MEMO)) == STATES
    assert compare(load_text(MEMO), bmc=False) == []


def test_the_key_is_the_variables_the_invariant_reads():
    m = load_text(MEMO)
    src = CompiledModel(m).source
    layout = StateLayout(m)

    def field(name):
        i = next(v.index for v in m.vars if v.name == name)
        return layout.masks[i] << layout.offsets[i]

    stored = [int(k) for k in re.findall(r"\]\[\(s0 & (\d+)\)\] = r", src)]  # on a miss, per invariant
    assert stored == [field("y") | field("s"), field("s"), field("x") | field("q")]  # y via over()
    expand = src[src.index("def expand"):]
    assert "_m0 = _c0.get(" in expand and "_m2 = _c2.get(" in expand
    assert "_m3" not in expand                                           # Short: cheaper than a lookup


def test_the_verdicts():
    r = run(MEMO, stop_at_first=False)
    assert r.verdict is Verdict.VIOLATED
    assert len(prop(r, "ViaDef").trace.steps) == 4      # y = 2 and 2 in s
    fails = prop(r, "Fails")
    assert fails.verdict is Verdict.VIOLATED and "division by zero" in fails.message
    assert len(fails.trace.steps) == 2
    assert len(prop(r, "Order").trace.steps) == 5       # x = 2 and q = [1, 0]
    assert len(prop(r, "Short").trace.steps) == 7
