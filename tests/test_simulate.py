"""The simulation engine: finds the known bugs, shrinks well, reports like the explicit engine, reproduces."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from checker.core.kinds import Strength
from checker.engines.explicit.enumerable import obstacles
from checker.engines.explicit.search import ExplicitOptions, check
from checker.traces.itf import trace_document
from checker.core.result import Verdict
from checker.traces.shrink import shorten
from checker.engines.simulate import SimulateOptions, simulate
from spec.loader import load, load_text
from cli_helpers import run_cli as run
from engine_helpers import shipped

ROOT = Path(__file__).resolve().parent.parent
MODELS = ROOT / "models"
BROKEN = sorted(MODELS.glob("*_broken*.sync"))
SAFETY = ("invariant", "converge", "deadlock", "runtime")


# ---- the known bugs --------------------------------------------------------------------------

def shortest(model, prop: str | None = None, depth: int | None = None) -> dict:
    """The explicit engine's shortest violations of safety properties: the first ones it meets, or
    every one up to `depth` for `prop` (a run-time error on the way does not stop the search)."""
    names = tuple(i.name for i in model.invariants)
    if prop is None:
        result = check(model, ExplicitOptions(invariants=names))
    else:
        result = check(model, ExplicitOptions(invariants=(prop,) if prop in names else (), stop_at_first=False,
                                              max_depth=depth))
    return {p.name: p.trace.length for p in result.violated if p.kind in SAFETY and p.trace is not None}


@pytest.mark.parametrize("path", shipped(BROKEN))
def test_simulation_finds_the_known_bug_with_a_short_trace(path):
    """Every safety bug of a broken model is found within 1,000 runs (fixed seed), and the shrunk
    trace is at most twice as long as the explicit engine's shortest one for that property."""
    model = load(path)
    if obstacles(model):
        pytest.skip("the explicit engine cannot enumerate it: no shortest trace to compare with "
                    "(see test_parameters_too_wide_to_enumerate_are_drawn)")
    if not shortest(model):
        pytest.skip("only temporal or determinism properties fail: simulation checks safety properties")
    result = simulate(model, SimulateOptions(runs=1000, steps=50, seed=20240601))
    assert result.verdict is Verdict.VIOLATED, f"no violation in {result.stats.simulation.runs} runs"
    found = result.violated[0]
    best = shortest(model, found.name, found.trace.length)
    assert found.name in best, (found.name, best)
    assert found.trace.length <= 2 * best[found.name], (found.trace.length, best[found.name])
    assert found.trace.engine == "simulation"


# ---- reporting like the explicit engine --------------------------------------------------------

def test_violation_is_reported_exactly_like_the_explicit_engine(tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(ROOT)
    code, out, _ = run(["simulate", "models/options_ledger_broken.sync", "--seed", "7", "--runs", "300",
                        "--out", tmp_path], capsys)
    assert code == 1
    assert "VIOLATED — Conservation" in out
    assert "counterexample for Conservation" in out and "in the last state, Conservation is false" in out
    assert "steps/s" in out and "seed 7" in out
    assert "reproduce: syncproof simulate models/options_ledger_broken.sync --runs 300 --steps 50 --seed 7" in out
    trace = tmp_path / "options_ledger_broken.Conservation.itf.json"
    doc = json.loads(trace.read_text())
    assert doc["#meta"]["engine"] == "simulation" and doc["#meta"]["property"] == "Conservation"
    code, out, _ = run(["replay", trace, "models/options_ledger_broken.sync", "--json"], capsys)
    data = json.loads(out)
    assert code == 1 and data["valid"] is True
    assert "Conservation" in [v["property"] for v in data["violations"]]


def test_json_says_sampled_with_runs_steps_and_seed(tmp_path, capsys):
    code, out, _ = run(["simulate", MODELS / "two_phase_commit.sync", "--seed", "3", "--runs", "50",
                        "--steps", "20", "--json", "--out", tmp_path], capsys)
    data = json.loads(out)
    assert code == 0
    assert data["verdict"] == "holds" and data["how"] == "sampled" and data["engine"] == "simulation"
    sim = data["simulation"]
    assert sim["runs"] == 50 and sim["seed"] == 3 and sim["max_steps"] == 20
    assert sim["steps"] > 0 and sim["steps_per_second"] > 0
    assert "not a proof" in data["detail"]
    kinds = {p["name"]: p["verdict"] for p in data["properties"]}
    assert kinds["Consistent"] == "holds"
    assert kinds["EveryRMDecides"] == "inconclusive"   # temporal: not checked by simulation
    assert not list(tmp_path.iterdir())


def test_no_violation_says_it_is_not_a_proof(capsys, tmp_path):
    code, out, _ = run(["simulate", MODELS / "options_ledger.sync", "--seed", "1", "--runs", "30",
                        "--out", tmp_path], capsys)
    assert code == 0
    assert "HOLDS — sampled" in out and "not a proof" in out
    assert "steps/s" in out


def test_bad_options_exit_2(capsys):
    code, _, err = run(["simulate", MODELS / "two_phase_commit.sync", "--runs", "0"], capsys)
    assert code == 2 and "E600" in err
    code, _, err = run(["simulate", MODELS / "two_phase_commit.sync", "--property", "Nope"], capsys)
    assert code == 2 and "E604" in err


# ---- reproducibility ---------------------------------------------------------------------------------

def test_the_same_seed_gives_the_same_result_and_trace():
    model = load(MODELS / "two_phase_commit_broken.sync")
    outcomes = []
    for _ in range(2):
        r = simulate(model, SimulateOptions(runs=300, steps=30, seed=11))
        doc = trace_document(r.violated[0].trace, "x")
        sim = r.stats.simulation
        outcomes.append((sim.runs, sim.steps, r.stats.distinct_states, sim.shrink_runs,
                         json.dumps(doc, sort_keys=True)))
    assert outcomes[0] == outcomes[1]


def test_without_a_seed_one_is_drawn_and_reported():
    r = simulate(load(MODELS / "two_phase_commit.sync"), SimulateOptions(runs=5, steps=5))
    assert isinstance(r.stats.seed, int)
    again = simulate(load(MODELS / "two_phase_commit.sync"), SimulateOptions(runs=5, steps=5, seed=r.stats.seed))
    assert again.stats.simulation.steps == r.stats.simulation.steps
    assert again.stats.distinct_states == r.stats.distinct_states


# ---- what a run checks ---------------------------------------------------------------------------------

COUNTER = """model Counter
var x: 0..5
var y: 0..5
init { x = 0  y = 0 }
action Up { require x < 5  x = x + 1 }
action Other(d: 0..3) { require y < 5  y = y + 1 }
action Jump(n: 0..1) { assert x < 4, "no jump after 4"  x = x }
invariant Small: x <= 5
"""


def test_runtime_error_in_an_enabled_instance_has_a_failing_step():
    r = simulate(load_text(COUNTER, "c.sync"), SimulateOptions(runs=200, steps=20, seed=1))
    p = r.violated[0]
    assert p.name == "runtime"
    assert p.trace.error_step.action == "Jump"
    assert "assertion failed in Jump" in p.message
    assert p.trace.length == 5  # four Up steps, then Jump fails


def test_deadlock_and_no_deadlock():
    text = """model Stop
var x: 0..2
init { x = 0 }
action Up { require x < 2  x = x + 1 }
"""
    r = simulate(load_text(text, "s.sync"), SimulateOptions(runs=20, steps=10, seed=1))
    assert [p.name for p in r.violated] == ["deadlock"] and r.violated[0].trace.length == 2
    r = simulate(load_text(text, "s.sync"), SimulateOptions(runs=20, steps=10, seed=1, deadlock=False))
    assert r.verdict is Verdict.HOLDS and r.how == Strength.SAMPLED


def test_choose_values_are_in_the_trace():
    text = """model Pick
var x: 0..3
init { x = 0 }
action Set { choose v in {1, 2, 3}  x = v }
invariant NotThree: x != 3
"""
    r = simulate(load_text(text, "p.sync"), SimulateOptions(runs=100, steps=5, seed=2))
    trace = r.violated[0].trace
    assert trace.length == 1 and trace.steps[1].choices == (("v", 3),)


def test_init_error_is_a_runtime_violation():
    text = """model Bad
var x: 0..2
var y: 0..2
init {
  y = 0
  choose v in {0, 1} x = 2 / (v * y)
}
action Noop { x = x }
"""
    r = simulate(load_text(text, "b.sync"), SimulateOptions(runs=5, steps=5, seed=1))
    assert r.violated[0].name == "runtime" and "in init" in r.violated[0].message


def test_never_enabled_actions_are_warned_about():
    text = """model Idle
var x: 0..1
init { x = 0 }
action Flip { x = 1 - x }
action Never { require x > 5 and x < 0  x = 0 }
"""
    r = simulate(load_text(text, "i.sync"), SimulateOptions(runs=10, steps=5, seed=1))
    assert any("never enabled" in w and "Never" in w for w in r.warnings)


# ---- parameters too wide to enumerate -----------------------------------------------------------------------

def test_parameters_too_wide_to_enumerate_are_drawn():
    """64-bit strikes, caps, premiums and prices: drawn from their types, and the settlement bug is
    found with the shortest trace (write, buy, price, expire, settle)."""
    model = load(MODELS / "options_ledger_large_broken.sync", ["INITIAL=1000", "FEE=1"])
    r = simulate(model, SimulateOptions(runs=100, steps=20, seed=0))
    p = r.violated[0]
    assert p.name == "Conservation" and p.trace.length == 5
    assert [s.action for s in p.trace.steps[1:]] == ["Write", "Buy", "UpdatePrice", "Expire", "Settle"]
    write = p.trace.steps[1].params
    assert write["cap"] == 1 and write["strike"] == 0   # the values are lowered as far as they go
    assert "parameters drawn" in r.detail


def test_symbolic_constants_need_values(capsys):
    code, _, err = run(["simulate", MODELS / "options_ledger_large_broken.sync", "--runs", "5"], capsys)
    assert code == 2 and "E521" in err and "INITIAL, FEE have none" in err


# ---- shortening ------------------------------------------------------------------------------------------

def test_shorten_removes_steps_apart_and_keeps_what_the_failure_needs():
    def fails(candidate):  # fails when 'a' comes before 'b', with no 'x' between them
        try:
            i, j = candidate.index("a"), candidate.index("b")
        except ValueError:
            return None
        return candidate if i < j and "x" not in candidate[i:j] else None
    assert shorten(list("qaxrsxbtu") + ["a", "b"], fails) == ["a", "b"]
    assert shorten(list("zzazzbzz"), fails) == ["a", "b"]
