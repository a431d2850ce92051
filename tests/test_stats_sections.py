"""Statistics per engine (issue 12): `Stats` holds what every engine reports and a section per engine
(the explicit search, its state graph, the solver, simulation) that only that engine fills; the JSON
writer flattens the sections back to the documented `--json` fields, in the same order."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import pytest

from spec.loader import load

from checker.core.kinds import Strength
from checker.core.result import GraphStats, SearchStats, SimulationStats, Stats
from checker.engines import registry
from checker.engines.base import CheckRequest, SimulateSection, SymbolicSection
from checker.reports.console import result_json

ROOT = Path(__file__).resolve().parent.parent
MODELS = ROOT / "models"
SCHEMA = json.loads((ROOT / "docs" / "schema" / "result-1.json").read_text(encoding="utf-8"))
RLIMIT = 20_000_000          # z3's resource units per query: verdicts that do not depend on the machine
SECTIONS = ("search", "graph", "solver", "simulation")


def _sections(stats: Stats) -> set[str]:
    """The sections an engine filled."""
    return {name for name in SECTIONS if getattr(stats, name) is not None}


def _run(engine: str, request: CheckRequest, model: str = "two_phase_commit"):
    return registry.run(load(str(MODELS / f"{model}.sync")), engine, request)


def _assert_schema_fields(result) -> dict:
    """The result's JSON is valid, and its statistics have exactly the schema's fields, in its order."""
    data = result_json(result)
    jsonschema.validate(data, SCHEMA)
    stats = SCHEMA["properties"]["stats"]
    assert list(data["stats"]) == stats["required"] == list(stats["properties"])
    return data


def test_an_explicit_run_fills_the_search_and_nothing_else():
    r = _run("explicit", CheckRequest(properties=("Consistent",)))
    assert _sections(r.stats) == {"search"}
    assert isinstance(r.stats.search, SearchStats) and r.stats.search.symmetry == ["RM"]
    assert r.stats.search.bytes_per_state == r.stats.search.visited_bytes / r.stats.distinct_states
    data = _assert_schema_fields(r)
    assert (data["stats"]["graph_states"], data["stats"]["solver"]) == (0, {})
    assert "simulation" not in data


def test_a_temporal_property_adds_the_state_graph():
    r = _run("explicit", CheckRequest())
    assert _sections(r.stats) == {"search", "graph"}
    assert isinstance(r.stats.graph, GraphStats) and (r.stats.graph.states, r.stats.graph.edges) == (288, 1145)
    data = _assert_schema_fields(r)
    assert (data["stats"]["graph_states"], data["stats"]["graph_transitions"]) == (288, 1145)


def test_a_simulation_fills_its_section_and_nothing_else():
    r = _run("simulate", CheckRequest(seed=1, simulate=SimulateSection(runs=20, steps=10)))
    assert r.how == Strength.SAMPLED
    assert _sections(r.stats) == {"simulation"}
    sim = r.stats.simulation
    assert isinstance(sim, SimulationStats) and (sim.runs, sim.max_steps, r.stats.seed) == (20, 10, 1)
    data = _assert_schema_fields(r)
    assert list(data["simulation"]) == SCHEMA["properties"]["simulation"]["required"]
    assert (data["simulation"]["runs"], data["simulation"]["steps"]) == (sim.runs, sim.steps)
    assert (data["stats"]["visited_bytes"], data["stats"]["fingerprint"], data["stats"]["symmetry"]) == \
        (0, "exact", [])


def test_bmc_fills_the_solver_and_nothing_else():
    r = _run("bmc", CheckRequest(symbolic=SymbolicSection(depth=3, rlimit=RLIMIT)))
    assert _sections(r.stats) == {"solver"}
    assert r.stats.solver["depth"] == 3 and r.stats.solver["queries"] > 0
    data = _assert_schema_fields(r)
    assert data["stats"]["solver"] == r.stats.solver and data["stats"]["distinct_states"] == 0
    assert "simulation" not in data


@pytest.mark.slow
def test_all_engines_merged_keep_each_engines_section():
    r = _run("all", CheckRequest(symbolic=SymbolicSection(depth=3, rlimit=RLIMIT)))
    assert {"search", "solver"} <= _sections(r.stats) and r.stats.simulation is None
    _assert_schema_fields(r)
