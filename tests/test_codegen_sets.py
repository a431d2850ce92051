"""The compiled code's shortcuts over sets of messages (issue 13) agree with the interpreter.

- a `choose m in msgs` whose next statement is `require m is V ...` iterates only V's members;
- a quantifier tests the leading conjuncts of a `forall`'s antecedent (or an `exists`' body) as
  soon as their binders are bound, so `forall m1, m2 in msgs: (m1 is A and ...) implies ...`
  skips m2 for every m1 that is not an A;
- a field of a union value on a few variants is read inline, not by a helper call;
- wide sets' members are remembered (`spec.runtime.bits_small`).

Each is checked state by state against the reference interpreter over every reachable state
(successors, per-action counts, invariant outcomes and run-time errors, which the shortcuts must
raise exactly where the plain loops do), and by the explicit engine's counts and verdicts.
"""

from __future__ import annotations

import pytest

from spec import runtime
from spec.loader import load_text

from checker.core.result import Verdict
from checker.engines.explicit.compiled import CompiledModel
from engine_helpers import differential, prop, run
from fuzz.differential import compare

MSGS = """model Msgs
type Msg = Req(c: 0..2, n: 0..3) | Ack(c: 0..2) | Nack(c: 0..2, n: 0..3) | Ping
var msgs: set[Msg]
var x: 0..3
init { msgs = {}  x = 0 }
action SendReq(c: 0..2) { choose n in 0..1  require len(msgs) < 3  msgs = msgs | {Req(c, n)} }
action Answer {
  choose m in msgs
  require m is Req and m.n == 1
  msgs = (msgs - {m}) | {Ack(m.c)}
}
action Refuse {
  choose m in msgs
  require m is Req
  require m.n == 0
  msgs = (msgs - {m}) | {Nack(m.c, m.n)}
}
action Beat { require len(msgs) < 3  msgs = msgs | {Ping} }
action Drop { choose m in msgs  require m is Ping  msgs = msgs - {m} }
action Count {
  require x < 3
  require exists m in msgs: m is Ack and m.c == x
  x = x + 1
}
action Reset { choose m in msgs  require x == 3 and m is Nack  x = 0  msgs = msgs - {m} }
action Forget { choose m in msgs  require m is Ack  msgs = msgs - {m} }
action Settle { choose a in msgs  choose b in msgs  require a is Req and b is Ack and a.c == b.c  msgs = msgs - {a} }
action Expire { choose m in msgs  require m is Nack and x < 3  msgs = msgs - {m} }
invariant NackedOnce:
  forall m1, m2 in msgs: (m1 is Req and m2 is Nack and m1.c == m2.c) implies m1.n != m2.n or x < 3
invariant Paired:
  forall m1 in msgs, m2 in msgs: (m1 is Ack and m2 is Ack) implies m1.c == m2.c or len(msgs) > 1
invariant SomeOrNone:
  (exists m1, m2 in msgs: m1 is Req and m2 is Ack and m1.c != m2.c) or x >= 0
"""

# m1.n fails on an Ack or a Ping: the second conjunct stays in the loop's body, and the engine
# reports the run-time error in the invariant exactly where the interpreter does
FAILS = """model Fails
type Msg = Req(c: 0..4, n: 0..3) | Ack(c: 0..4) | Ping
var msgs: set[Msg]
var seen: set[0..1]
init { msgs = {}  seen = {} }
action Add(c: 0..1) { choose n in 0..1  require len(msgs) < 2  msgs = msgs | {Req(c, n)} }
action AddAck(c: 0..1) { require len(msgs) < 2  msgs = msgs | {Ack(c)} }
action AddPing { require len(msgs) < 2  msgs = msgs | {Ping} }
action See(k: 0..1) { seen = seen | {k} }
invariant Reads: forall m1, m2 in msgs: (m2 is Ack and m1.n == 0) implies m2.c == m1.c
# (26 messages: more than the quantifiers unrolled into and/or chains)
# m1.n fails on an Ack, but only once something is seen: tested before k is bound it would
# fail in the state with one Ack and nothing seen, a step too early
invariant Inner: forall m1 in msgs, k in seen: (m1.n == 0 and k == 0) implies m1 is Req
"""

# a `choose` whose first require tests another local, and one whose test is not first
CHOOSES = """model Chooses
type Msg = A(v: 0..3) | B(v: 0..3) | C
var msgs: set[Msg]
var last: 0..3
init { msgs = {A(1), B(2), C}  last = 0 }
action TakeA { choose m in msgs  require m is A  last = m.v  msgs = msgs - {m} | {B(m.v)} }
action TakeB { choose m in msgs  require last < 3 and m is B  last = m.v }
action TakeAny { choose m in msgs  require m.v > last  last = m.v }
action Put(v: 0..3) { require not (A(v) in msgs)  msgs = msgs | {A(v)} }
"""


@pytest.mark.parametrize("text", [MSGS, FAILS, CHOOSES], ids=["msgs", "fails", "chooses"])
def test_every_reachable_state_agrees_with_the_interpreter(text):
    assert differential(load_text(text)) > 20


@pytest.mark.parametrize("text", [MSGS, FAILS, CHOOSES], ids=["msgs", "fails", "chooses"])
def test_the_engine_finds_what_a_naive_search_over_the_interpreter_finds(text):
    """Counts, and every invariant's and run-time error's shortest violation, with and without
    symmetry (fuzz.differential.compare, without its BMC part: the shortcuts are the compiled code's)."""
    assert compare(load_text(text), bmc=False) == []


def test_a_failing_field_read_in_a_quantifier_is_a_run_time_violation_at_the_same_state():
    r = run(FAILS)
    p = prop(r, "Reads")
    assert p.verdict is Verdict.VIOLATED
    assert "no such field" in p.message
    # the shortest state with an Ack and a message without n: one step (Ack alone has m1 = m2 = Ack)
    assert len(p.trace.steps) == 2


def test_a_choose_over_one_variant_visits_only_its_members_in_order():
    cm = CompiledModel(load_text(CHOOSES))
    assert "_bitsin(" in cm.source  # TakeA's choose iterates the A members only
    s0 = cm.init_states()[0]
    take_a = [st for st in cm.steps(s0) if st.action == "TakeA"]
    assert [cm.decode(st.state)["last"] for st in take_a] == [1]


def test_wide_masks_are_remembered_and_forgotten_when_the_memo_is_full(monkeypatch):
    monkeypatch.setattr(runtime, "BITS_MEMO_SIZE", 2)
    runtime._BITS_MEMO.clear()
    wide = [(1 << 2000) | (1 << 5), (1 << 1500) | 1, (1 << 1800) | (1 << 3)]
    assert runtime.bits_small(wide[0]) == (5, 2000)
    assert runtime.bits_small(wide[0]) is runtime.bits_small(wide[0])
    assert runtime.bits_small(wide[1]) == (0, 1500)
    assert runtime.bits_small(wide[2]) == (3, 1800)  # the memo was full: cleared, then this one
    assert len(runtime._BITS_MEMO) == 1
    assert runtime.bitsin((1 << 1030) | (1 << 1031) | (1 << 7), 1030, 2) == (1030, 1031)
    assert runtime.bitsin(0b1011, 0, 3) == (0, 1)


def test_an_instance_with_nothing_to_choose_from_is_not_called():
    cm = CompiledModel(load_text(CHOOSES))
    expand = cm.source[cm.source.index("def expand"):cm.source.index("def labelled")]
    calls = [line.strip() for line in expand.splitlines() if line.strip().startswith("if ") and "!= 0" in line]
    assert len(calls) == 3  # TakeA, TakeB, TakeAny start with `choose m in msgs`
    empty = cm.pack([0] * len(cm.model.vars))  # no messages, last = 0
    level = cm.expand([empty])
    assert level[1] == [0, 0, 0, 4]  # only Put's four instances
