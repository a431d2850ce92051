"""Violations the explicit engine reports: run-time errors, deadlocks, invariants, limits.

Every run-time error kind is a violation of the built-in property `runtime`
with a shortest trace whose last step is the failing action and a `where`
at the failing construct. Invariant traces are shortest (compared with BFS
distances computed here with the interpreter) and replay step by step.
"""

from __future__ import annotations

import pytest

from checker.engines.explicit.compiled import CompiledModel
from checker.engines.explicit.search import ExplicitOptions, check
from checker.core.result import Verdict
from engine_helpers import (MODELS, assert_replays, explicit_model_file, interp_invariants, model_file, model_of,
                            naive_bfs, naive_prefix, prop, run, shipped)


def line_of(text: str, snippet: str) -> int:
    """The 1-based line of the only line of text containing snippet."""
    hits = [i for i, line in enumerate(text.splitlines(), 1) if snippet in line]
    assert len(hits) == 1, (snippet, hits)
    return hits[0]


# ---- run-time errors -------------------------------------------------------------------------

COUNTER = """model T
type U = A(a: 0..3) | B
var x: 0..3
var q: seq[0..3, 2]
var o: option[0..3]
var s: set[0..3]
var u: U
var mm: map[0..2, bool]
init { x = 0 q = [] o = none s = {} u = B mm = {i: false for i in 0..2} }
action Inc {
  require x < 3
  x = x + 1
}
"""

# kind, the failing action (guarded by `x == LEVEL` so its trace has LEVEL + 1 steps),
# the text of the failing line, its column, and words of the message
ERRORS = [
    ("range", "  x = x + 2", 7, "storing into x: 4 is outside 0..3", 2),
    ("range", "  mm[x] = true", 6, "3 is outside 0..2", 3),   # at the key
    ("division", "  x = 3 / (x - 1)", 7, "division by zero (3 / 0)", 1),
    ("division", "  x = 3 % (x - 1)", 7, "division by zero (3 % 0)", 1),
    ("assert", '  assert x != 1, "x must not be 1"', 3, "x must not be 1", 1),
    ("assert", "  assert x != 2", 3, "assertion failed", 2),
    ("bounds", "  x = q[0]", 7, "index 0 is outside a sequence of length 0", 3),
    ("bounds", "  x = head(q)", 7, "head of an empty sequence", 1),
    ("bounds", "  q = tail(q)", 7, "tail of an empty sequence", 1),
    ("bounds", "  x = last(q)", 7, "last of an empty sequence", 1),
    ("bounds", "  q[1] = 2", 3, "index 1 is outside a sequence of length 0", 1),
    ("capacity", "  q = append(append(append(q, 1), 2), 3)", 7, "capacity 2", 1),
    ("variant", "  x = u.a", 7, "has no field here", 2),
    ("variant", "  x = get(o)", 7, "get(none): the option is empty", 2),
    ("empty", "  x = min(s)", 7, "min of an empty collection", 1),
    ("empty", "  x = max(y for y in s if y > 0)", 7, "max of an empty collection", 0),
]


@pytest.mark.parametrize("kind, line, col, words, level", ERRORS, ids=[f"{e[0]}-{e[1].strip()}" for e in ERRORS])
def test_runtime_error_kinds(kind, line, col, words, level):
    text = COUNTER + f"action Bad {{\n  require x == {level}\n{line}\n}}\n"
    m = model_of(text)
    r = check(m, ExplicitOptions())
    assert r.verdict is Verdict.VIOLATED
    assert [p.name for p in r.violated] == ["runtime"]
    p = prop(r, "runtime")
    assert p.kind == "runtime"
    t = p.trace
    assert t.kind == "runtime"
    assert t.length == level + 1
    assert [s.action for s in t.steps] == [None] + ["Inc"] * level
    assert t.steps[-1].state["x"] == level
    assert t.error_step.action == "Bad"
    assert t.error_step.params == {}
    assert p.where == t.where == f"t.sync:{line_of(text, line.strip())}:{col}"
    assert words in p.message
    assert p.message.startswith({
        "range": "integer out of range", "division": "division by zero", "assert": "assertion failed",
        "bounds": "index out of bounds", "capacity": "sequence capacity exceeded", "variant": "wrong variant",
        "empty": "empty collection"}[kind] + " in Bad: ")
    # the search stopped on the failing level: the other properties are not decided
    assert prop(r, "deadlock").verdict is Verdict.INCONCLUSIVE
    assert_replays(CompiledModel(m), t)


def test_runtime_error_records_parameters_and_choices():
    text = """model P
var x: 0..3
init { x = 0 }
action Step(d: 1..2) {
  choose e in 0..1
  require x + d + e <= 5
  x = x + d + e
}
"""
    r = run(text)
    p = prop(r, "runtime")
    # level 1 holds x = 1, 2, 3 (in that order); from x = 1, d = 2 and e = 1 give 4, outside 0..3
    assert p.trace.length == 2
    assert p.trace.steps[1].state == {"x": 1}
    assert p.trace.error_step.action == "Step"
    assert p.trace.error_step.params == {"d": 2}
    assert p.trace.error_step.choices == (("e", 1),)
    assert p.where == f"t.sync:{line_of(text, 'x = x + d + e')}:7"


def test_runtime_error_in_a_def_points_into_the_def():
    text = """model D
var x: 0..3
def ratio(k: 0..3) -> 0..3 = 3 / k
init { x = 1 }
action Step { x = ratio(x - 1) }
"""
    p = prop(run(text), "runtime")
    assert p.trace.length == 1
    assert p.where == f"t.sync:{line_of(text, 'def ratio')}:30"


def test_runtime_error_in_init():
    text = """model I
var x: 0..3
init {
  choose v in 0..2
  x = 6 / v
}
action A { x = x }
"""
    r = run(text)
    p = prop(r, "runtime")
    assert r.verdict is Verdict.VIOLATED
    assert p.trace.steps == []
    assert p.trace.error_step.action == "init"
    assert p.where == f"t.sync:{line_of(text, 'x = 6 / v')}:7"
    assert "division by zero" in p.message


def test_invariant_that_cannot_be_evaluated_is_violated():
    text = """model E
var q: seq[0..3, 2]
init { q = [1] }
action Pop {
  require len(q) > 0
  q = tail(q)
}
invariant FirstIsOne: head(q) == 1
"""
    r = run(text)
    p = prop(r, "FirstIsOne")
    assert p.verdict is Verdict.VIOLATED
    assert p.trace.length == 1
    assert "cannot be evaluated" in p.message
    assert p.where == f"t.sync:{line_of(text, 'invariant FirstIsOne')}:1"


# ---- deadlock ---------------------------------------------------------------------------------

DEAD_END = """model Dead
var x: 0..3
init { x = 0 }
action Up {
  require x < 3
  x = x + 1
}
invariant Small: x <= 3
"""


def test_deadlock_is_found_with_a_shortest_trace():
    r = run(DEAD_END)
    assert r.verdict is Verdict.VIOLATED
    p = prop(r, "deadlock")
    assert p.verdict is Verdict.VIOLATED and p.kind == "deadlock"
    assert p.trace.length == 3
    assert [s.state["x"] for s in p.trace.steps] == [0, 1, 2, 3]
    assert [s.action for s in p.trace.steps] == [None, "Up", "Up", "Up"]


def test_deadlock_detection_off():
    r = run(DEAD_END, deadlock=False)
    assert r.verdict is Verdict.HOLDS
    assert "deadlock" not in [p.name for p in r.properties]
    assert [p.name for p in r.properties] == ["Small", "runtime"]
    assert r.stats.distinct_states == 4


def test_failing_action_is_not_a_deadlock():
    # the only enabled action fails: that is a run-time error, not a deadlock
    text = "model F\nvar x: 0..3\ninit { x = 3 }\naction Up { x = x + 1 }\n"
    r = run(text)
    assert [p.name for p in r.violated] == ["runtime"]


def test_two_phase_commit_has_no_deadlock_but_a_stopped_ledger_would():
    r = check(model_file("two_phase_commit.sync", ["RM=3"]), ExplicitOptions(symmetry=False))
    assert r.verdict is Verdict.HOLDS
    assert prop(r, "deadlock").verdict is Verdict.HOLDS


# ---- invariants: shortest traces -----------------------------------------------------------------

def _shortest(cm: CompiledModel, inv: str) -> int:
    """BFS distance of the nearest state violating inv, with the interpreter only."""
    dist, _ = naive_bfs(cm)
    k = cm.invariant_names.index(inv)
    return min(d for s, d in dist.items() if interp_invariants(cm, s)[k] is not True)


@pytest.mark.parametrize("rm", [2, 3, 4])
def test_broken_two_phase_commit_trace_is_shortest(rm):
    m = model_file("two_phase_commit_broken.sync", [f"RM={rm}"])
    cm = CompiledModel(m)
    r = check(m, ExplicitOptions(symmetry=False))
    p = prop(r, "Consistent")
    assert p.verdict is Verdict.VIOLATED
    assert p.trace.length == _shortest(cm, "Consistent") == 5
    assert_replays(cm, p.trace)
    last = p.trace.steps[-1].state["rm_state"]
    assert {"committed", "aborted"} <= {v for _, v in last.items}


BROKEN = sorted(p.name for p in MODELS.glob("*_broken*.sync"))


@pytest.mark.parametrize("name", shipped(BROKEN))
def test_broken_model_traces_are_shortest(name):
    """Every invariant and run-time violation of a broken model is at its BFS distance (checked
    on a prefix of the BFS: a deeper violation must have no violating state in the prefix)."""
    m = explicit_model_file(name)
    cm = CompiledModel(m)
    safety = tuple(i.name for i in m.invariants)
    r = check(m, ExplicitOptions(symmetry=False, stop_at_first=False, deadlock=False, invariants=safety,
                                 max_states=5000))
    found = r.violated
    if not found:
        pytest.skip("violates only properties of whole behaviours")
    deepest = max(p.trace.length for p in found)
    errors = []
    dist, _, depth = naive_prefix(cm, budget=300, max_depth=deepest - 1, errors=errors)
    horizon = max(dist.values())   # every state up to here is known
    for p in found:
        if p.kind == "runtime":
            failing = [d + 1 for d in errors]
            horizon_p = (depth if depth is not None else horizon) + 1
        else:
            k = cm.invariant_names.index(p.name)
            failing = [d for s, d in dist.items() if interp_invariants(cm, s)[k] is not True]
            horizon_p = horizon
        if p.trace.length <= horizon_p:
            assert p.trace.length == min(failing), p.name
        else:
            assert not failing, p.name
        assert_replays(cm, p.trace)


def test_invariant_violation_of_an_initial_state():
    r = run("model Z\nvar x: 0..3\ninit { x = 2 }\naction A { x = x }\ninvariant Zero: x == 0\n")
    p = prop(r, "Zero")
    assert p.trace.length == 0
    assert p.trace.steps[0].state == {"x": 2}
    assert p.where == "t.sync:5:1"


# ---- every property's own violation ------------------------------------------------------------

MANY = """model Many
var x: 0..7
var y: 0..3
init { x = 0 y = 0 }
action Up {
  require x < 7
  x = x + 1
}
action Side {
  require y < 3
  y = y + 1
}
action Boom {
  require x == 5
  assert false, "boom"
}
invariant XSmall: x < 2
invariant YSmall: y < 3
invariant Both: x + y < 9
"""


def test_stop_at_first_reports_only_the_first_level():
    r = run(MANY)
    assert [p.name for p in r.violated] == ["XSmall"]
    assert prop(r, "XSmall").trace.length == 2
    for name in ("YSmall", "Both", "deadlock", "runtime"):
        assert prop(r, name).verdict is Verdict.INCONCLUSIVE
        assert "first violation" in prop(r, name).message


def test_stop_at_first_false_finds_each_property_shortest_violation():
    m = model_of(MANY)
    cm = CompiledModel(m)
    r = check(m, ExplicitOptions(stop_at_first=False))
    assert r.verdict is Verdict.VIOLATED
    lengths = {p.name: p.trace.length for p in r.violated}
    # x reaches 7 and y 3 only together at depth 10: the deadlock
    assert lengths == {"XSmall": 2, "YSmall": 3, "Both": 9, "deadlock": 10, "runtime": 6}
    for inv in ("XSmall", "YSmall", "Both"):
        assert lengths[inv] == _shortest(cm, inv)
        assert_replays(cm, prop(r, inv).trace)
    assert prop(r, "runtime").trace.error_step.action == "Boom"
    assert prop(r, "runtime").trace.steps[-1].state["x"] == 5
    assert r.stats.distinct_states == 32
    assert r.how == "exhaustive"


def test_selected_invariants_only():
    r = run(MANY, invariants=("Both",), deadlock=False)
    assert [p.name for p in r.properties] == ["Both", "runtime"]
    assert [p.name for p in r.violated] == ["runtime"]
    r = run(MANY.replace('assert false, "boom"', "x = x"), invariants=("YSmall",), deadlock=False)
    assert [p.name for p in r.violated] == ["YSmall"]


def test_unknown_invariant_is_a_diagnostic():
    from spec.diagnostics import SpecError
    with pytest.raises(SpecError) as e:
        run(MANY, invariants=("Bothh",))
    assert "E604" in str(e.value)


# ---- limits ---------------------------------------------------------------------------------------

def _two_pc():
    return model_file("two_phase_commit.sync", ["RM=3"])


def test_max_states_gives_inconclusive():
    r = check(_two_pc(), ExplicitOptions(symmetry=False, max_states=50))
    assert r.verdict is Verdict.INCONCLUSIVE
    assert r.how == "unknown"
    assert r.reason.startswith("state limit 50 reached at depth ")
    assert 50 <= r.stats.distinct_states < 288
    assert all(p.verdict is Verdict.INCONCLUSIVE for p in r.properties)
    assert r.exit_code == 3


def test_max_depth_gives_inconclusive_with_the_states_up_to_that_depth():
    m = _two_pc()
    dist, _ = naive_bfs(CompiledModel(m))
    r = check(m, ExplicitOptions(symmetry=False, max_depth=3))
    assert r.verdict is Verdict.INCONCLUSIVE
    assert r.stats.depth == 3
    assert r.stats.distinct_states == sum(1 for d in dist.values() if d <= 4)
    at4 = sum(1 for d in dist.values() if d == 4)
    assert r.reason == f"depth limit 3 reached; {at4} states at depth 4 were not explored"


def test_max_depth_beyond_the_diameter_holds():
    r = check(_two_pc(), ExplicitOptions(symmetry=False, max_depth=10))
    assert r.verdict is Verdict.HOLDS
    assert r.stats.distinct_states == 288


def test_violation_within_max_depth_is_found_and_beyond_is_not():
    r = run(DEAD_END, max_depth=3)
    assert prop(r, "deadlock").verdict is Verdict.VIOLATED
    r = run(DEAD_END, max_depth=2)
    assert r.verdict is Verdict.INCONCLUSIVE
    assert r.reason.startswith("depth limit 2 reached")


def test_timeout_gives_inconclusive():
    r = check(_two_pc(), ExplicitOptions(symmetry=False, timeout=1e-9))
    assert r.verdict is Verdict.INCONCLUSIVE
    assert r.reason.startswith("time limit of 1e-09s reached ")  # in whatever phase it is reached
    assert r.stats.distinct_states < 288


# ---- regressions -------------------------------------------------------------------------------

def test_value_is_evaluated_before_the_target():
    # regression: the compiled code checked the sequence index before evaluating the value, the
    # interpreter the other way round, so the two reported different errors
    text = """model Order
type U = A(a: 0..3) | B
var q: seq[0..3, 2]
var u: U
init { q = [] u = B }
action Put { q[0] = u.a }
"""
    m = model_of(text)
    cm = CompiledModel(m)
    (s0,) = cm.init_states()
    *_, err = cm.expand([s0])
    assert err[2].kind == "variant"
    p = prop(run(text), "runtime")
    assert p.message.startswith("wrong variant in Put")
    assert p.where == f"t.sync:{line_of(text, 'q[0] = u.a')}:21"   # at u.a


def test_a_failing_branch_leaves_the_other_branches_transitions():
    # issue 11 item 1: every run of a `choose` that reaches the end is a transition, even when another
    # (v = 3) fails; an earlier version kept none of the instance's runs once one failed
    text = """model Partial
var x: 0..3
var y: 0..3
init { x = 0 y = 0 }
action A {
  require x == 0
  choose v in {1, 2, 3}
  x = v * v - 1
}
action B {
  require x == 0 and y < 3
  y = y + 1
}
"""
    r = run(text, deadlock=False, stop_at_first=False)
    assert [p.name for p in r.violated] == ["runtime"]
    assert prop(r, "runtime").trace.error_step.choices == (("v", 3),)
    # x = 0 (v = 1, a step to itself) and x = 3 (v = 2) from each of y = 0..3
    assert (r.stats.distinct_states, r.stats.transitions) == (8, 11)
    assert r.stats.actions == {"A": 8, "B": 3}


def test_options_are_validated():
    with pytest.raises(ValueError, match="chunk"):
        ExplicitOptions(chunk=0)
    with pytest.raises(ValueError, match="workers"):
        ExplicitOptions(workers=0)
