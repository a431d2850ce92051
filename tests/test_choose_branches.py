"""Every way through an action's `choose`s is a transition of its own (issue 11, item 1).

A run that reaches the end of the body is a successor even when another run of
the same action instance fails; the failing run is a violation of `runtime`
whose failing step names its choices. The compiled code, the interpreter, the
z3 encoding (BMC, k-induction, Spacer), replay and the simulator must all say
so, for choices in actions, in `init`, inside `if` and `for`, nested.
"""

from __future__ import annotations

import json

import pytest

from checker.engines.explicit.compiled import CompiledModel
from checker.traces.itf import trace_document
from checker.traces.replay import replay
from checker.core.result import Verdict
from checker.engines.symbolic import SymbolicOptions
from checker.engines.symbolic import check as symbolic_check
from cli_helpers import run_cli
from engine_helpers import differential, model_of, naive_bfs, prop, run

P5 = """model P5
var y: 0..1
init { y = 0 }
action A { choose c in 1..2  y = c }
invariant Zero: y == 0
"""

ASSERTED = """model Asserted
var y: 0..1
init { y = 0 }
action A { choose c in 0..1  assert c == 0  y = 1 }
"""

# the failure sits in the second of two choices, one per loop iteration, inside an `if`: from t = 0
# the runs d, d = 0, 0 / 0, 1 / 1, 0 succeed and 1, 1 stores 3
NESTED = """model Nested
var t: 0..2
var n: 0..9
init { t = 0 n = 0 }
action Step {
  require n < 3
  for i in 0..1 {
    if t < 2 {
      choose d in 0..1
      t = t + d * (i + 1)
    }
  }
  n = n + 1
}
"""

# init has a failing way through it; the others are initial states
INIT = """model Init
var y: 0..1
init { choose c in 0..2  y = c }
action Stay { y = y }
invariant One: y == 1
"""

# from y = 1 every run of every action fails: a run-time error, not a deadlock
STUCK = """model Stuck
var y: 0..1
init { y = 0 }
action A { choose c in 1..2  y = y + c }
"""


def test_the_run_that_succeeds_is_a_successor_and_the_failing_one_a_runtime_violation():
    r = run(P5, stop_at_first=False, symmetry=False)
    assert r.stats.distinct_states == 2 and r.stats.transitions == 2
    zero, runtime = prop(r, "Zero"), prop(r, "runtime")
    assert zero.verdict is Verdict.VIOLATED and zero.trace.length == 1
    assert zero.trace.steps[1].choices == (("c", 1),)
    assert runtime.verdict is Verdict.VIOLATED and runtime.trace.length == 1
    assert runtime.trace.error_step.action == "A" and runtime.trace.error_step.choices == (("c", 2),)
    assert "2 is outside 0..1" in runtime.message


def test_a_failing_assert_on_one_branch_leaves_the_other_transition():
    r = run(ASSERTED, stop_at_first=False)
    assert r.stats.distinct_states == 2 and r.stats.transitions == 2
    assert prop(r, "runtime").trace.error_step.choices == (("c", 1),)
    assert prop(r, "deadlock").verdict is Verdict.HOLDS


def test_compiled_code_and_interpreter_agree_run_by_run():
    for text in (P5, ASSERTED, NESTED, STUCK):
        m = model_of(text)
        assert differential(m) > 0
        cm = CompiledModel(m)
        steps = cm.steps(cm.init_states()[0])
        assert any(st.state is not None for st in steps) or text is STUCK
        assert any(st.error is not None for st in steps) or text is NESTED


def test_nested_choices_keep_every_run_that_succeeds():
    m = model_of(NESTED)
    cm = CompiledModel(m)
    dist, transitions = naive_bfs(cm)
    r = run(NESTED, stop_at_first=False)
    assert r.stats.distinct_states == len(dist) == 10
    assert r.stats.transitions == transitions == 3 + 2 * (3 + 2 + 1)
    runtime = prop(r, "runtime")
    assert runtime.verdict is Verdict.VIOLATED and runtime.trace.length == 1   # the failing step
    assert runtime.trace.error_step.choices == (("d", 1), ("d", 1))


def test_init_keeps_the_ways_through_it_that_succeed():
    r = run(INIT, stop_at_first=False)
    assert r.stats.distinct_states == 2
    runtime = prop(r, "runtime")
    assert runtime.verdict is Verdict.VIOLATED and runtime.trace.error_step.action == "init"
    assert runtime.trace.error_step.choices == (("c", 2),)
    one = prop(r, "One")
    assert one.verdict is Verdict.VIOLATED and one.trace.length == 0
    assert one.trace.steps[0].state == {"y": 0}


def test_a_state_whose_runs_all_fail_is_a_runtime_error_not_a_deadlock():
    r = run(STUCK, stop_at_first=False)
    assert prop(r, "runtime").verdict is Verdict.VIOLATED
    assert prop(r, "deadlock").verdict is Verdict.HOLDS
    b = symbolic_check(model_of(STUCK), "bmc", SymbolicOptions(depth=3, stop_at_first=False, rlimit=40_000_000))
    assert prop(b, "runtime").verdict is Verdict.VIOLATED
    assert prop(b, "deadlock").verdict is not Verdict.VIOLATED


@pytest.mark.parametrize("text", [P5, ASSERTED, NESTED, INIT])
def test_bmc_agrees_with_the_explicit_engine(text):
    m = model_of(text)
    e = run(text, stop_at_first=False)
    b = symbolic_check(m, "bmc", SymbolicOptions(depth=4, stop_at_first=False, rlimit=40_000_000))
    for p in e.properties:
        q = prop(b, p.name)
        if p.verdict is Verdict.VIOLATED:
            assert q.verdict is Verdict.VIOLATED, (p.name, q.message)
            assert q.trace.length == p.trace.length, p.name
            if q.trace.error_step is not None:
                assert q.trace.error_step.choices == p.trace.error_step.choices
        else:
            assert q.verdict is not Verdict.VIOLATED, (p.name, q.message)


@pytest.mark.parametrize("engine,extra", [
    ("explicit", []), ("bmc", ["--depth", "3"]), ("prove", []), ("all", []), ("symbolic", []),
])
def test_every_engine_reports_both_violations(engine, extra, capsys, tmp_path):
    model = tmp_path / "p5.sync"
    model.write_text(P5)
    rlimit = [] if engine == "explicit" else ["--rlimit", "40000000"]   # z3's verdicts do not depend on time
    code, out, err = run_cli(["check", model, "--json", "--continue", "--no-symmetry", "--engine", engine,
                              "--out", tmp_path, *extra, *rlimit], capsys)
    assert code == 1, err
    data = json.loads(out)
    verdicts = {p["name"]: (p["verdict"], p["trace_length"]) for p in data["properties"]}
    assert verdicts["Zero"] == ("violated", 1)
    assert verdicts["runtime"] == ("violated", 1)


def test_replay_accepts_the_run_that_succeeds_and_names_the_failing_choice(capsys, tmp_path):
    model = tmp_path / "p5.sync"
    model.write_text(P5)
    code, _, _ = run_cli(["check", model, "--continue", "--out", tmp_path, "--quiet"], capsys)
    assert code == 1
    code, out, _ = run_cli(["replay", tmp_path / "p5.Zero.itf.json", model], capsys)
    assert code == 1 and "valid: a behaviour of P5 with 2 states" in out and "VIOLATED Zero" in out
    runtime = tmp_path / "p5.runtime.itf.json"
    code, out, _ = run_cli(["replay", runtime, model], capsys)
    assert code == 1 and "VIOLATED runtime" in out and "2 is outside 0..1" in out
    # the same failing step with the choice that succeeds is no violation
    doc = json.loads(runtime.read_text())
    doc["#meta"]["failing-step"]["choices"] = {"c": {"#bigint": "1"}}
    runtime.write_text(json.dumps(doc))
    code, out, _ = run_cli(["replay", runtime, model], capsys)
    assert code == 0 and "VIOLATED" not in out


def test_replay_of_every_engine_trace():
    m = model_of(P5)
    e = run(P5, stop_at_first=False)
    for p in e.properties:
        if p.trace is not None:
            got = replay(trace_document(p.trace, m.path), m)
            assert got.valid and p.name in [v[0] for v in got.violations], (p.name, got.message)


def test_simulation_finds_the_failing_choice():
    from checker.engines.simulate import SimulateOptions, simulate
    r = simulate(model_of(P5), SimulateOptions(runs=50, steps=5, seed=1))
    runtime = prop(r, "runtime")
    assert runtime.verdict is Verdict.VIOLATED
    assert runtime.trace.error_step.choices == (("c", 2),)


# every way through init fails: no initial state, and a run-time error every engine must report
# (BMC and k-induction asked it of a solver that assumed init had succeeded: "holds")
NO_INIT = """model NoInit
var y: 0..1
var z: 0..2
init { z = 2  y = z }
action A { y = 0 }
"""


@pytest.mark.parametrize("engine", ["bmc", "induction", "prove", "symbolic", "explicit"])
def test_an_init_that_always_fails_is_a_runtime_violation_for_every_engine(engine, capsys, tmp_path):
    model = tmp_path / "noinit.sync"
    model.write_text(NO_INIT)
    rlimit = [] if engine == "explicit" else ["--rlimit", "40000000"]   # z3's verdicts do not depend on time
    code, out, err = run_cli(["check", model, "--json", "--engine", engine, "--out", tmp_path, *rlimit], capsys)
    data = json.loads(out)
    assert code == 1, err
    runtime = next(p for p in data["properties"] if p["name"] == "runtime")
    assert runtime["verdict"] == "violated" and "storing into y: 2 is outside 0..1" in runtime["message"]
