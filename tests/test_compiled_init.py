"""Initial states compiled like actions (issue 13, item 4).

The generated `initial` runs `init` from the all-zero state as an action body runs: each way
through its `choose`s that passes its `require`s hands one state on. It must give exactly the
interpreter's initial states, in the interpreter's order (the BFS order, and so which shortest
trace is found first, depends on it). A way through init that fails makes the engine ask the
interpreter, which reports every failure with its choices; an init the compiler cannot take is
the interpreter's too.
"""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings

from spec.loader import load_text
from spec.runtime import ModelError

from checker.core.result import Verdict
from checker.engines.explicit.compiled import CompiledModel
from engine_helpers import interp_inits, prop, run
from fuzz.generators import models

BAKERY = """model Bakery
const N = 3
var num: map[0..N - 1, 0..4]
var flag: map[0..N - 1, bool]
var turn: 0..N - 1
init {
  for p in 0..N - 1 {
    choose n in 0..4
    num[p] = n
    choose f in {true, false}
    flag[p] = f
  }
  choose t in 0..N - 1
  turn = t
  require forall p in 0..N - 1: num[p] > 0 implies flag[p]
  require num[turn] < 2
}
action Take(p: 0..N - 1) { require not flag[p]  flag[p] = true }
invariant Flagged: forall p in 0..N - 1: num[p] > 0 implies flag[p]
"""

# the second way through init divides by zero: both the state of the first and the failure count
FAILING = """model Failing
var x: 0..9
init {
  choose d in {1, 0, 2}
  x = 6 / d
}
action Stay { x = x }
"""

BIG_LOOP = """model BigLoop
var s: set[0..99]
var k: 0..99
init {
  s = {}
  for i in 0..99 {
    choose b in {false, true}
    require not b or i < 2
    if b { s = s | {i} }
  }
  choose j in 0..99
  require j < 3
  k = j
}
action Stay { k = k }
"""


def _compiled(cm: CompiledModel) -> list[int] | None:
    return cm._compiled_inits(None)


def test_a_predicate_over_the_typed_space_gives_the_interpreters_states_in_its_order():
    cm = CompiledModel(load_text(BAKERY))
    states = _compiled(cm)
    assert states is not None
    assert states == interp_inits(cm)
    # per process 6 (number, flag) pairs (a number > 0 forces the flag); the process whose turn it
    # is has one of 3 of them (number 0 with either flag, or 1): 6 * 6 * 3 pairs, times 3 turns
    assert len(states) == len(set(states)) == 324
    assert cm.init_outcomes()[0] == states


def test_a_way_through_init_that_fails_is_reported_by_the_interpreter_with_its_choices():
    cm = CompiledModel(load_text(FAILING))
    assert _compiled(cm) is None
    states, failures = cm.init_outcomes()
    assert [cm.decode(s)["x"] for s in states] == [6, 3]
    assert len(failures) == 1 and failures[0].choices == (("d", 0),)
    r = run(FAILING)
    assert prop(r, "runtime").verdict == Verdict.VIOLATED


def test_an_init_too_big_to_compile_is_left_to_the_interpreter():
    cm = CompiledModel(load_text(BIG_LOOP))
    assert cm._initial is None
    states, failures = cm.init_outcomes()
    assert not failures
    assert sorted(len(cm.decode(s)["s"]) for s in states) == [0, 0, 0, 1, 1, 1, 1, 1, 1, 2, 2, 2]


def test_the_budget_ticks_during_a_compiled_enumeration():
    cm = CompiledModel(load_text(BAKERY))
    calls = []

    class Stop(Exception):
        pass

    def tick():
        calls.append(1)
        if len(calls) == 50:
            raise Stop

    with pytest.raises(Stop):
        cm.init_outcomes(tick)
    assert cm.init_outcomes()[0] == interp_inits(cm)  # a stopped enumeration leaves nothing behind


@pytest.mark.slow   # 2-5 s on two busy cores: CI's slow selection runs it (the default run stays under 10 minutes)
@settings(max_examples=150, deadline=None, derandomize=True, database=None,
          suppress_health_check=list(HealthCheck))
@given(models())
def test_random_models_compiled_init_equals_the_interpreters(text):
    try:
        m = load_text(text)
    except Exception:  # the generator's models type-check nearly always; the rest are not ours here
        return
    cm = CompiledModel(m)
    states = _compiled(cm)
    interp_states, failures = cm.interp.init_outcomes()
    if states is None:
        assert failures, "the compiled init failed where the interpreter did not"
        return
    assert not failures
    assert states == interp_inits(cm)


def test_model_error_is_what_a_failing_way_raises():
    cm = CompiledModel(load_text(FAILING))
    with pytest.raises(ModelError):
        cm._initial(dict().setdefault)
