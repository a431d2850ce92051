"""A loop over a set whose tests read only the member becomes one `&` with a mask (issue 13).

`exists m in msgs: m is Req and m.src == s` (s a constant once the action's parameters are
unrolled) is `msgs & MASK != 0`, a `forall` is `msgs & BAD == 0` and `{m for m in msgs if ...}`
is `msgs & MASK`, the masks computed at compile time over every code of the element type
(`codegen._quant_masked`). A loop whose tests read the state, a `let` or another loop's local,
or fail on some member (division by zero below), or that has two binders, stays a loop.

Two more shortcuts of the same code: the `require` right after a `choose` is tested in the
choice loop, before the call that runs the rest of the body, when it cannot fail (in the IR, or
in its compiled text: a field of a message whose variant the loop already knows); and `a or
true`, `a and false`, `a implies true` are constants when a cannot fail (the unrolled
`chosen(v) and chosen(w) implies v == w` for v == w).

Each is checked state by state against the reference interpreter, and by the engine's counts,
verdicts and shortest violations against a naive search over the interpreter, with the masks
and without them.
"""

from __future__ import annotations

import re

import pytest

from spec.loader import load_text

from checker.core.result import Verdict
from checker.engines.explicit import codegen
from checker.engines.explicit.compiled import CompiledModel
from engine_helpers import differential, prop, run
from fuzz.differential import compare

# Msg has 36 values, more than the 24 a quantifier is unrolled over: its loops are generators.
# acks() reads a parameter bound by a let at the call site; Divides fails on Req(_, 1, _) and
# reads k; Halt reads k; Pairs has two binders; AddT's comprehension is over integers 10..49.
MASKS = """model Masks
type Msg = Req(src: 0..1, n: 1..3, pad: 0..4) | Ack(src: 0..1, ok: bool) | Note(v: option[1..2]) | Stop
var msgs: set[Msg]
var t: set[10..49]
var k: 0..2
init { msgs = {}  t = {}  k = 0 }
def acks(s: 0..1) -> set[Msg] = {m for m in msgs if m is Ack and m.src == s and m.ok}
action SendReq(s: 0..1, n: 1..3) {
  require not exists m in msgs: m is Req and m.src == s and m.n >= n
  require len({m for m in msgs if m is Req}) < 3
  msgs = msgs | {Req(s, n, 0)}
}
action SendAck(s: 0..1) {
  require exists m in msgs: m is Req and m.src == s
  msgs = msgs | {Ack(s, k < 1)}
}
action SendNote(v: 1..2) {
  require forall m in msgs: m is Req implies m.n != v + 1
  msgs = msgs | {Note(some(v))}
}
action Tick {
  require k < 2 and acks(k % 2) != {} and len({m for m in msgs if m is Note}) <= 1
  k = k + 1
}
action Halt {
  require exists m in msgs: m is Req and m.n > k + 1
  msgs = msgs | {Stop}
}
action AddT(x: 10..11) {
  require not exists y in t: y == x + 1 and {y for y in t if y > 10} != {12}
  t = t | {x}
}
invariant Divides: forall m in msgs: m is Req implies 6 / (m.n - 1) >= 0 or k == 2
invariant Pairs: forall m1, m2 in msgs: (m1 is Req and m2 is Req and m1.src == m2.src) implies m1.n <= 3
"""

STATES = 14_576


def _loops(source: str) -> list[str]:
    return re.findall(r"for l\d+ in _bits(?:in)?\(", source)


@pytest.mark.slow   # 18 s on two busy cores (the default run must stay within 10 minutes there)
def test_every_reachable_state_agrees_with_the_interpreter():
    assert differential(load_text(MASKS)) == STATES


@pytest.mark.slow   # 18 s on two busy cores
def test_the_engine_finds_what_a_naive_search_over_the_interpreter_finds():
    assert compare(load_text(MASKS), bmc=False) == []


@pytest.mark.slow   # 46 s on two busy cores: the two tests above with masks off (the code generator's older path)
def test_without_masks_the_same(monkeypatch):
    monkeypatch.setattr(codegen, "MASK_CODES", 0)
    assert differential(load_text(MASKS)) == STATES
    assert compare(load_text(MASKS), bmc=False) == []


def test_only_the_loops_that_read_nothing_else_become_masks(monkeypatch):
    masked = CompiledModel(load_text(MASKS)).source
    monkeypatch.setattr(codegen, "MASK_CODES", 0)
    looped = CompiledModel(load_text(MASKS)).source
    assert len(_loops(masked)) < len(_loops(looped))
    expand = masked[masked.index("def expand"):]
    assert "_tdiv(6" in masked and re.search(r"_tdiv\(6.* for l\d+ in _bitsin", masked)  # Divides fails on n == 1
    assert re.search(r"> \(_v\d+ \+ 1\)\) for l\d+ in _bitsin", expand)                     # Halt reads k
    assert re.search(r"for l\d+ in _bitsin\(\S+, 0, 64\) for l\d+ in _bitsin", masked)      # Pairs: two binders
    assert re.search(r"_orall\(\(1 << l\d+\) for l\d+ in _bits\(_v\d+\) if .*== l0\)", expand)  # acks(k % 2)
    assert re.search(r"\(\(_v\d+ & \d+\) != 0\)", expand)                                   # SendAck
    assert re.search(r"\(_v\d+ & \d+\)\)?\.bit_count\(\)", expand)                          # len({... if m is Req})


def test_the_verdicts():
    r = run(MASKS, stop_at_first=False)
    assert r.verdict is Verdict.VIOLATED
    divides = prop(r, "Divides")
    assert divides.verdict is Verdict.VIOLATED and "division by zero" in divides.message
    assert len(divides.trace.steps) == 2                       # Req(0, 1, 0) sent
    assert prop(r, "Pairs").verdict is Verdict.HOLDS
    assert r.stats.distinct_states == STATES


@pytest.mark.parametrize("text,mask", [
    ("(l0 >> 1) & 1", 0b1100),
    ("l0 != 2 and 6 // (l0 - 1) > 0", None),    # fails on 1 (ZeroDivisionError stands for a ModelError)
    ("l0 < k", None),                            # reads another name
    ("(l9 := l0) > 1", None),                    # binds a name
])
def test_the_mask_of_a_test(text, mask):
    from spec.types import IntType
    compiler = codegen.Compiler(load_text(MASKS))
    assert compiler._mask_of("l0", text, IntType(0, 3), None) == mask


# Take's require reads a field of a Req (known in the loop) and hi: tested in the loop. Divide's
# fails on Req(_, 0, _): it stays in the body, and its error is reported. Tautology's left fails
# when k == 1: the `or true` is still evaluated.
CHOOSE = """model Choose
type Msg = Req(src: 0..1, n: 0..3, pad: 0..4) | Ack(src: 0..1, n: 0..3)
var msgs: set[Msg]
var hi: map[0..1, 0..3]
var k: 0..3
init { msgs = {}  hi = {a: 0 for a in 0..1}  k = 0 }
action Send(n: 0..2) { require len(msgs) < 3  msgs = msgs | {Req(0, n, 0)} }
action Take(a: 0..1) {
  choose m in msgs
  require m is Req and m.n >= hi[a]
  hi[a] = m.n
  msgs = msgs | {Ack(a, m.n)}
}
action Divide {
  choose m in msgs
  require m is Req and 6 / m.n >= k
  k = (k + 1) % 4
}
invariant Tautology: (6 / (k - 1) >= 0 or true) and (hi[0] <= 3 implies true)
invariant Never: not (hi[1] == 3 and false) and (k == 2 implies false or hi[0] > 0)
"""


def test_a_choice_agrees_with_the_interpreter_and_a_naive_search():
    assert differential(load_text(CHOOSE)) == 485
    assert compare(load_text(CHOOSE), bmc=False) == []


def test_a_require_that_cannot_fail_is_tested_in_the_choice_loop():
    src = CompiledModel(load_text(CHOOSE)).source
    skips = re.findall(r"for l\d+ in _bitsin\(.*\n\s+if not (.*): continue", src)
    assert len(skips) == 1 and "_tdiv" not in skips[0]                    # Take's, not Divide's
    assert re.search(r"if not \(\(_tdiv\(6, .*: return", src)            # Divide's, in its body
    assert "or True" in src                                                 # Tautology's left may fail
    ok = re.search(r"ok = (.*)", src).group(1)                              # Tautology is remembered (_m0)
    assert "True" not in ok and "False" not in ok and "== 3" not in ok      # Never: no hi[1] == 3 and false


def test_the_choice_verdicts():
    r = run(CHOOSE, stop_at_first=False)
    assert r.stats.distinct_states == 485
    assert "division by zero" in prop(r, "Tautology").message and len(prop(r, "Tautology").trace.steps) == 3
    assert len(prop(r, "Never").trace.steps) == 4
    runtime = [p for p in r.properties if "Divide" in (p.message or "")]
    assert runtime and "division by zero" in runtime[0].message


def test_a_hoisted_shift_of_the_state_is_masked_not_shifted_again():
    from checker.engines.explicit.codegen import _hoist_reads
    line = "a = ((s0 >> 36) & 5) + ((s0 >> 36) & 5) + (s0 >> 36) + (s0 >> 36) + ((s0 >> 2) & 3) + ((s0 >> 2) & 3)"
    assert _hoist_reads([line]) == [
        "_v1 = (s0 >> 36)", "_v0 = (_v1 & 5)", "_v2 = ((s0 >> 2) & 3)", "a = _v0 + _v0 + _v1 + _v1 + _v2 + _v2"]


def test_an_instance_is_called_only_when_its_set_has_a_member_of_the_variant_it_requires():
    m = load_text(CHOOSE)
    src = CompiledModel(m).source
    expand = src[src.index("def expand"):src.index("def labelled")]
    elem = next(v for v in m.vars if v.name == "msgs").type.elem
    info = elem.variant("Req")
    reqs = sum(1 << c for c in elem.codes() if info.base <= c < info.base + info.size)
    guards = re.findall(r"if \(\(_v\d+ & (\d+)\) != 0\):\n\s+f\d+\(s0", expand)
    assert [int(g) for g in guards] == [reqs] * 3                          # Take(0), Take(1), Divide
