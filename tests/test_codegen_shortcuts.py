"""Shortcuts of the compiled code for sequences, ranges and map keys (issue 13).

- `tail`, `take` and `drop` cut a sequence's code with a shift and a mask instead of unpacking
  its items into a list: checked against the list-based definition on random sequences;
- a quantifier unrolled over a range a..b tests `a <= v <= b` instead of building the range;
- a map key whose type already lies inside the key range is not range-checked at run time.

Each model is also walked state by state against the reference interpreter, and the engine's
counts and shortest violations against a naive search over the interpreter.
"""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from spec.loader import load_text
from spec.runtime import ModelError, generated_globals, round_div, seqcut, seqitems, seqpack, seqtail

from checker.core.result import Verdict
from checker.engines.explicit.codegen import Compiler, _hoist_reads
from checker.engines.explicit.compiled import CompiledModel
from engine_helpers import differential, prop, run
from fuzz.differential import compare


@st.composite
def sequences(draw):
    w = draw(st.integers(1, 9))
    cap = draw(st.integers(0, 12))
    lenbits = cap.bit_length()
    items = draw(st.lists(st.integers(0, (1 << w) - 1), max_size=cap))
    return seqpack(items, lenbits, w), items, lenbits, w, cap


@settings(max_examples=300, deadline=None, derandomize=True, database=None)
@given(sequences(), st.integers(-2, 14))
def test_cuts_equal_the_list_definitions(seq, n):
    q, items, lenbits, w, cap = seq
    assert seqitems(q, lenbits, w, cap) == items
    if items:
        assert seqtail(q, lenbits, w, cap, 0) == seqpack(items[1:], lenbits, w)
    else:
        with pytest.raises(ModelError, match="tail"):
            seqtail(q, lenbits, w, cap, 0)
    if 0 <= n <= len(items):
        assert seqcut(q, n, 0, lenbits, w, cap, 0) == seqpack(items[:n], lenbits, w)
        assert seqcut(q, n, 1, lenbits, w, cap, 0) == seqpack(items[n:], lenbits, w)
    else:
        for drop, what in ((0, "take"), (1, "drop")):
            with pytest.raises(ModelError, match=f"{what}\\(q, {n}\\) of a sequence of length {len(items)}"):
                seqcut(q, n, drop, lenbits, w, cap, 0)


QUEUE = """model Queue
const CAP = 4
var q: seq[0..3, CAP]
var sum: 0..4
init { q = []  sum = 0 }
action Push(x: 0..3) { require len(q) < CAP  q = append(q, x) }
action Pop { require len(q) > 0  sum = (sum + head(q)) % 5  q = tail(q) }
action Keep(n: 0..4) { require n <= len(q) and n > 1  q = take(q, n - 1) }
action Skip(n: 0..2) { q = drop(q, n) }
invariant Ordered: forall i in 0..len(q) - 1: q[i] >= 0
invariant Small: forall i in 1..len(q) - 1: q[i - 1] + q[i] <= 5
"""

KEYS = """model Keys
var bal: map[0..3, 0..2]
var pos: 0..5
init { bal = {k: 0 for k in 0..3}  pos = 0 }
action Credit(k: 1..2) { require bal[k] < 2  bal[k] = bal[k] + 1 }
action Move { require pos < 5  pos = pos + 1 }
action Debit { require bal[pos] > 0  bal[pos] = bal[pos] - 1 }
"""


def test_the_queue_agrees_with_the_interpreter_and_a_naive_search():
    assert differential(load_text(QUEUE)) > 50
    assert compare(load_text(QUEUE), bmc=False) == []


def test_a_drop_past_the_end_is_a_run_time_error_with_its_message():
    r = run(QUEUE)
    p = prop(r, "runtime")
    assert p.verdict is Verdict.VIOLATED
    assert p.message.endswith("drop(q, 1) of a sequence of length 0")
    assert prop(r, "Small").verdict is not Verdict.VIOLATED or len(prop(r, "Small").trace.steps) > 2


def test_a_range_quantifier_compares_instead_of_building_the_range():
    cm = CompiledModel(load_text(QUEUE))
    inv = cm.source[cm.source.index("def invariant_each"):]
    assert "_rangemask" not in inv


def test_only_keys_that_may_fall_outside_are_checked():
    cm = CompiledModel(load_text(KEYS))
    expand = cm.source[cm.source.index("def expand"):cm.source.index("def labelled")]
    assert "_keychk(" not in expand  # Credit's k lies in the keys; Debit's pos is narrowed first
    assert "_narrow(" in expand
    r = run(KEYS)
    p = prop(r, "runtime")
    assert p.verdict is Verdict.VIOLATED and p.message.endswith("4 is outside 0..3"), p.message
    assert len(p.trace.steps) == 5  # pos moved to 4, then Debit
    assert compare(load_text(KEYS), bmc=False) == []


def test_fields_of_the_state_read_twice_in_one_expansion_are_read_once():
    lines = ["if ((s0 >> 3) & 7) == 1 and (s0 & 1):", "    t = ((s0 >> 3) & 7) + (s0 >> 9) + (s0 >> 9)",
             "    u = ((s0 >> 12) & _T[4]) + ((s0 >> 12) & _T[4]) + ((s0 >> 3) & 15)"]
    assert _hoist_reads(lines) == [
        "_v0 = ((s0 >> 3) & 7)", "_v1 = (s0 >> 9)", "_v2 = ((s0 >> 12) & _T[4])",
        "if _v0 == 1 and (s0 & 1):", "    t = _v0 + _v1 + _v1", "    u = _v2 + _v2 + ((s0 >> 3) & 15)"]
    assert _hoist_reads(["x = (s0 & 3)"]) == ["x = (s0 & 3)"]


@settings(max_examples=300, deadline=None, derandomize=True, database=None)
@given(st.integers(-10 ** 9, 10 ** 9), st.integers(1, 10 ** 6), st.sampled_from(["down", "up", "half_even"]))
def test_inline_rounding_equals_the_reference(n, d, mode):
    compiler = Compiler(load_text(KEYS))
    code = compiler._rounded("l1 * 1", d, mode)
    namespace = generated_globals(compiler.tables, [])
    assert eval(code.text, namespace, {"l1": n}) == round_div(n, d, mode)  # noqa: S307 - our own text


PEEK = """model Peek
var q: seq[0..3, 2]
var x: 0..3
init { q = [2]  x = 0 }
action Take { x = head(q)  q = tail(q) }
"""


def test_head_is_read_inline_and_an_empty_one_is_still_an_error():
    cm = CompiledModel(load_text(PEEK))
    assert "_nohead(" in cm.source and "_seqhead(" not in cm.source.split("def labelled")[0]
    r = run(PEEK)
    p = prop(r, "runtime")
    assert p.verdict is Verdict.VIOLATED and p.message.endswith("head of an empty sequence"), p.message
    assert len(p.trace.steps) == 2
    assert compare(load_text(PEEK), bmc=False) == []
