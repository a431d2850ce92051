"""The engine interface (issue 12): every engine in the registry is an `Engine`; obstacles() gives the
reasons the command line prints; a CheckRequest through the registry gives what the command line
gives; engines report their progress as ProgressEvents."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import pytest

from spec.loader import load, load_text

from checker.core import limits
from checker.core.limits import Budget, Progress, ProgressEvent
from checker.core.result import Verdict
from checker.engines import options as engine_config
from checker.engines import registry
from checker.engines.base import CheckRequest, Engine, SimulateSection, SymbolicSection
from checker.engines.explicit.search import ExplicitOptions
from checker.engines.explicit.search import check as explicit_check
from checker.reports.console import result_json

from cli_helpers import run_cli

ROOT = Path(__file__).resolve().parent.parent
MODELS = ROOT / "models"
RLIMIT = 40_000_000          # z3's resource units per query: verdicts that do not depend on the machine
TIMING = {"seconds", "states_per_second", "steps_per_second", "graph_seconds", "shrink_seconds", "solver_seconds"}

FEES = """model Fees
const FEE: 0..1000
assume Cheap: FEE <= 75
var paid: 0..200
init { paid = 0 }
action Pay { require paid == 0  paid = paid + 2 * FEE }
action Done { require paid > 0 or FEE == 0 }
invariant UnderCap: paid <= 150
"""
UNENCODABLE = "model Bad\nvar s: set[0..10000]\ninit { s = {} }\n"
COUNTER = """model Counter
var x: 0..5
init { x = 0 }
action Up { require x < 5  x = x + 1 }
action Reset { require x == 5  x = 0 }
invariant NotFour: x != 4
"""


def without_timing(doc):
    """A result's JSON without the figures that depend on the machine's speed."""
    if isinstance(doc, dict):
        return {k: without_timing(v) for k, v in doc.items() if k not in TIMING}
    if isinstance(doc, list):
        return [without_timing(v) for v in doc]
    return doc


def written(tmp_path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text)
    return path


# ---- the registry ----------------------------------------------------------------------------------

def test_every_registered_engine_is_an_engine_under_its_name():
    assert list(registry.ENGINES) == ["auto", "explicit", "bmc", "induction", "prove", "symbolic", "all", "simulate"]
    for name, engine in registry.ENGINES.items():
        assert isinstance(engine, Engine)
        assert engine.name == name
    assert registry.CHECK_NAMES == ("explicit", "bmc", "induction", "prove", "symbolic", "all")
    assert engine_config.names() == tuple(registry.ENGINES)


def test_the_combined_modes_are_strategies_of_other_engines():
    auto, every = registry.ENGINES["auto"], registry.ENGINES["all"]
    assert (auto.first, auto.fallback) == (registry.EXPLICIT, registry.SYMBOLIC)
    assert every.optional == (registry.EXPLICIT,) and every.always == (registry.SYMBOLIC,)
    two_phase = load(MODELS / "two_phase_commit.sync")
    assert auto.pick(two_phase) is registry.EXPLICIT and every.strategies(two_phase) == [registry.EXPLICIT,
                                                                                          registry.SYMBOLIC]
    fees = load_text(FEES, "fees.sync")
    assert auto.pick(fees) is registry.SYMBOLIC and every.strategies(fees) == [registry.SYMBOLIC]
    assert registry.resolve("auto", fees) == "symbolic" and registry.resolve("bmc", fees) == "bmc"


def test_a_request_is_frozen():
    request = CheckRequest(properties=("NotFour",), symbolic=SymbolicSection(depth=3))
    with pytest.raises(dataclasses.FrozenInstanceError):
        request.deadlock = False
    with pytest.raises(dataclasses.FrozenInstanceError):
        request.symbolic.depth = 4


def test_configured_options_become_one_request():
    request = engine_config.request({"properties": ["A"], "deadlock": False, "timeout": 5.0, "continue": True,
                                     "workers": 2, "max-states": 10, "depth": 7, "rlimit": 9, "runs": 3,
                                     "seed": 4}, until=("A",))
    assert request.properties == ("A",) and not request.deadlock and request.timeout == 5.0
    assert not request.stop_at_first and request.until == ("A",) and request.seed == 4
    assert (request.explicit.workers, request.explicit.max_states, request.explicit.symmetry) == (2, 10, True)
    assert (request.symbolic.depth, request.symbolic.k, request.symbolic.rlimit) == (7, None, 9)
    assert (request.simulate.runs, request.simulate.steps) == (3, None)


# ---- obstacles: the reasons the command line prints ---------------------------------------------------

def test_the_explicit_engines_obstacles_are_the_reasons_check_prints(capsys, tmp_path):
    model = written(tmp_path, "fees.sync", FEES)
    why = registry.EXPLICIT.obstacles(load(model))
    assert why == ["constant 'FEE' is symbolic (declared with a type and no value)"]
    code, _, err = run_cli(["check", model, "--engine", "explicit"], capsys)
    assert code == 2
    assert f"error[E520]: the explicit engine cannot enumerate this model: {'; '.join(why)}" in err
    code, out, _ = run_cli(["check", model, "--rlimit", RLIMIT, "--no-trace-file"], capsys)
    assert code == 0 and f"the explicit engine cannot enumerate this model ({why[0]})" in out


def test_the_simulators_obstacles_are_the_reasons_simulate_prints(capsys, tmp_path):
    model = written(tmp_path, "fees.sync", FEES)
    why = registry.SIMULATE.obstacles(load(model))
    assert why == ["simulation needs a value for every constant: FEE has none"]
    code, _, err = run_cli(["simulate", model], capsys)
    assert code == 2 and f"error[E521]: {why[0]}" in err


def test_the_symbolic_engines_obstacles_are_the_reasons_bmc_prints(capsys, tmp_path):
    model = written(tmp_path, "bad.sync", UNENCODABLE)
    why = registry.SYMBOLIC.obstacles(load(model))
    assert len(why) == 1
    code, _, err = run_cli(["check", model, "--engine", "bmc", "--rlimit", RLIMIT], capsys)
    assert code == 2 and f"error[E511]: {why[0]}" in err
    assert registry.ENGINES["all"].obstacles(load(model)) == why


def test_an_engine_that_can_check_a_model_has_no_obstacles():
    two_phase = load(MODELS / "two_phase_commit.sync")
    assert all(engine.obstacles(two_phase) == [] for engine in registry.ENGINES.values())


# ---- one request through the registry, as the command line runs it ------------------------------------

def test_explicit_through_the_registry_gives_what_check_gives(capsys):
    model = MODELS / "two_phase_commit.sync"
    code, out, _ = run_cli(["check", model, "--engine", "explicit", "--json", "--no-trace-file"], capsys)
    result = registry.run(load(str(model)), "explicit", CheckRequest())
    assert code == result.exit_code == 0
    assert without_timing(result_json(result)) == without_timing(json.loads(out))
    assert result.stats.distinct_states == 80 and result.stats.transitions == 317


def test_bmc_through_the_registry_gives_what_check_gives(capsys):
    model = MODELS / "two_phase_commit_broken.sync"
    code, out, _ = run_cli(["check", model, "--engine", "bmc", "--depth", "6", "--rlimit", RLIMIT, "--json",
                            "--no-trace-file"], capsys)
    request = CheckRequest(symbolic=SymbolicSection(depth=6, rlimit=RLIMIT))
    result = registry.run(load(str(model)), "bmc", request)
    assert code == result.exit_code == 1
    assert result.verdict is Verdict.VIOLATED and result.engine == "bmc"
    assert without_timing(result_json(result)) == without_timing(json.loads(out))


def test_simulate_through_the_registry_gives_what_simulate_gives(capsys):
    model = MODELS / "two_phase_commit_broken.sync"
    code, out, _ = run_cli(["simulate", model, "--seed", "1", "--runs", "100", "--json", "--no-trace-file"], capsys)
    request = CheckRequest(seed=1, simulate=SimulateSection(runs=100, steps=50))
    result = registry.run(load(str(model)), "simulate", request)
    assert code == result.exit_code == 1
    assert [p.name for p in result.violated] == ["Consistent"]
    assert without_timing(result_json(result)) == without_timing(json.loads(out))


# ---- progress ----------------------------------------------------------------------------------------

def test_the_symbolic_engines_report_progress_events(tmp_path):
    seen = []
    result = registry.run(load(written(tmp_path, "counter.sync", COUNTER)), "bmc",
                          CheckRequest(symbolic=SymbolicSection(depth=5, rlimit=RLIMIT)), seen.append)
    assert result.verdict is Verdict.VIOLATED
    assert all(isinstance(e, ProgressEvent) and e.engine == "bmc" and e.phase == "bmc" for e in seen)
    assert [e.text for e in seen][:3] == ["bmc: init", "bmc: depth 0", "bmc: depth 1"]
    assert [e.counts["depth"] for e in seen][:3] == [0, 0, 0]
    assert limits.latest() == seen[-1]      # remembered for the report of an interruption
    assert limits.describe(limits.latest()) == seen[-1].text


def test_the_explicit_engines_snapshots_become_progress_events():
    seen = []
    now = [0.0]

    def clock():  # every clock read is a second after the last: every one reports progress
        now[0] += 1.0
        return now[0]
    model = load_text("model P\nvar x: 0..9\ninit { x = 0 }\naction A { x = (x + 1) % 10 }\n", "p.sync")
    explicit_check(model, ExplicitOptions(chunk=1), budget=Budget(clock=clock, on_event=seen.append))
    events = [registry.EXPLICIT.event(p) for p in seen]
    assert events[0].engine == "explicit" and events[0].phase == "init"
    search = [e for e in events if e.phase == "search"]
    assert {e.counts["depth"] for e in search} == set(range(10))
    assert search[-1].counts["states"] == 10
    assert search[-1].text == seen[[p.phase for p in seen].index("search") + len(search) - 1].text()


def test_a_snapshot_becomes_an_event_with_its_numbers():
    p = Progress(states=1234, transitions=5678, depth=9, queue=0, seconds=2.0)
    event = registry.EXPLICIT.event(p)
    assert event == ProgressEvent("explicit", "search", {"states": 1234, "transitions": 5678, "depth": 9,
                                                         "queue": 0, "seconds": 2.0, "work": 0},
                                  "depth 9 · 1,234 states · 5,678 transitions · 617 states/s")
    assert str(event) == event.text == limits.describe(event)
