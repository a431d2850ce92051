"""Shortcuts of the compiled code for the corpus models still below the naive floor (issue 13).

- an invariant that loops (or whose code is long) and reads only some of the state variables,
  itself or through the defs it calls, is remembered per value of those variables: `expand`
  looks its outcome up by those bits of the state and computes it (False when it raises) only
  on a miss; the states where it fails are then checked invariant by invariant, as before;
- where `m is V` holds (the then branch of an `if` statement or expression, the right of `and`
  and `implies`), a local m of a union type is known to be a V: its fields are read without a
  test, and a match on it, or on a constant, is compiled to its arm alone.

Each is checked state by state against the reference interpreter and by the engine's counts,
verdicts and shortest violations against a naive search over the interpreter, including a
cache so small that it is forgotten on every miss.
"""

from __future__ import annotations

import re

import pytest

from spec.loader import load_text
from spec.runtime import Memo

from checker.core.result import Verdict
from checker.engines.explicit import codegen
from checker.engines.explicit.compiled import CompiledModel
from checker.engines.explicit.layout import StateLayout
from engine_helpers import differential, prop, run
from fuzz.differential import compare

# ViaDef reads y only through over(): a key without y would remember the outcome of y == 0.
# s has 30 possible members, so the loops over it are not unrolled (and the invariants are remembered).
# Fails raises (division by zero) once 1 is in s. Order is violated only once x == N.
MEMO = """model Memo
const N = 2
var x: 0..N
var y: 0..N
var s: set[0..29]
var q: seq[0..N, 2]
init { x = 0  y = 0  s = {}  q = [] }
def over(k: 0..29) = k + y
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


def test_an_invariant_missed_in_most_states_is_no_longer_remembered(monkeypatch):
    monkeypatch.setattr(codegen, "MEMO_SIZE", 8)
    cm = CompiledModel(load_text(MEMO))
    assert differential(cm) == STATES
    memos = [t for t in cm._namespace["_T"] if isinstance(t, Memo)]
    assert len(memos) == 3 and not all(memo.on for memo in memos)
    assert compare(load_text(MEMO), bmc=False) == []


def test_a_memo_stops_storing_when_three_lookups_in_four_missed():
    memo = Memo(4)
    memo.looked = 5
    assert [memo.store(k, k % 2 == 0) for k in range(4)] == [True, False, True, False]
    assert not memo.on and len(memo) == 0
    assert memo.store(5, True) is True and len(memo) == 0
    memo = Memo(4)
    memo.looked = 100
    for k in range(6):
        memo.store(k, True)
    assert memo.on and dict(memo) == {4: True, 5: True}


def test_a_memo_of_wide_keys_holds_fewer_of_them(monkeypatch):
    monkeypatch.setattr(codegen, "MEMO_BYTES", 100 * 200)
    cm = CompiledModel(load_text(MEMO))
    masks = [int(k) for k in re.findall(r"\.store\(\(s0 & (\d+)\), r\)", cm.source)]
    sizes = sorted(t.size for t in cm._namespace["_T"] if isinstance(t, Memo))
    assert sizes == sorted(100 * 200 // (mask.bit_length() // 8 + 100) for mask in masks)  # bytes per entry
    assert max(sizes) < 200 and differential(cm) == STATES


def test_the_key_is_the_variables_the_invariant_reads():
    m = load_text(MEMO)
    src = CompiledModel(m).source
    layout = StateLayout(m)

    def field(name):
        i = next(v.index for v in m.vars if v.name == name)
        return layout.masks[i] << layout.offsets[i]

    stored = [int(k) for k in re.findall(r"\.store\(\(s0 & (\d+)\), r\)", src)]  # on a miss, per invariant
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


# `if m is A` (a statement, in a body with `choose` and in an inlined one), `and`, `implies`
# and `if ... then ... else` know m is an A where the test holds: its fields are read without
# a test and a match on it takes A's arm. The else branches and the right of an `or` know
# nothing: Take's last branch reads a field that Stop and a B with n == 0 do not have, a
# run-time error.
NARROW = """model Narrow
type Msg = A(n: 0..2, v: 1..3) | B(n: 0..2) | C(v: 1..3) | Stop
var msgs: set[Msg]
var x: 0..5
var seen: set[0..2]
init { msgs = {}  x = 0  seen = {} }
def val(m: Msg) -> 0..3 = match m { A(_, v) -> v, C(v) -> v, _ -> 0 }
def num(m: Msg) -> 0..2 = match m { A(n, _) -> n, B(n) -> n, _ -> 0 }
action PostA(n: 0..2, v: 1..3) { require len(msgs) < 2  msgs = msgs | {A(n, v)} }
action PostB(n: 0..2) { require len(msgs) < 2  msgs = msgs | {B(n)} }
action PostC(v: 1..3) { require len(msgs) < 2 and x < 3  msgs = msgs | {C(v)} }
action PostStop { require len(msgs) < 2 and x == 5  msgs = msgs | {Stop} }
action Take {
  choose m in msgs
  if m is A {
    x = (m.v + val(m)) % 6
    seen = seen | {m.n}
  } else if m is B and m.n > 0 {
    seen = seen | {num(m)}
  } else if m is C {
    x = (x + val(m)) % 6
  } else {
    x = (m.v + 1) % 6
  }
}
action Tag { choose m in msgs  if m is C or val(m) == 0 { seen = seen | {2} } else { x = 1 } }
action Make(k: 0..2) {
  let m = if k == 0 then A(x % 3, 1) else B(k)
  if m is A and val(m) == 1 { x = (x + m.n + 1) % 6 } else { seen = seen | {num(m)} }
}
invariant Fields: forall m in msgs: (m is A implies m.n + val(m) <= 5) and (m is B and m.n == 2 implies 2 in seen or x >= 0)
invariant Values: sum((if m is C then m.v + val(m) else num(m)) for m in msgs) <= 12
invariant Small: forall m in msgs: not (m is C and m.v == 3 and val(m) == 3 and x == 5)
invariant Either: forall m in msgs: m is C or val(m) == 0 or m is A
"""


def test_narrowed_unions_agree_with_the_interpreter_in_every_state():
    assert differential(load_text(NARROW)) > 1000


@pytest.mark.slow   # 2-5 s on two busy cores: CI's slow selection runs it (the default run stays under 10 minutes)
def test_narrowed_unions_the_engine_finds_what_a_naive_search_finds():
    assert compare(load_text(NARROW), bmc=False) == []


def test_a_narrowed_union_reads_its_fields_without_a_test():
    src = CompiledModel(load_text(NARROW)).source
    take = src[:src.index("def expand")]
    assert take.count("_nofield(") == 1    # only the else branch of Take tests m.v's variant
