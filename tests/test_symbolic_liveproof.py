"""Unbounded proofs of temporal properties: liveness to safety, solved by Spacer.

Known answers on the small models the explicit liveness tests use, the engine's run through the
CLI, and agreement with the explicit engine: a proof only where the explicit engine finds no
fair violating lasso, a violation only where it finds one (on models/ and on random models with
fairness, hypothesis).
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings

from checker.engines.registry import EXPLICIT
from checker.engines.explicit.search import ExplicitOptions
from checker.engines.explicit.search import check as explicit_check
from checker.core.result import Verdict
from checker.engines.symbolic import SymbolicOptions
from checker.engines.symbolic import check as symbolic_check
from checker.engines.symbolic.bmc import Clock
from checker.engines.symbolic.lasso import check_temporal
from checker.engines.symbolic.liveproof import LiveProof, prove_temporal
from cli_helpers import run_cli, run_cli_fresh
from engine_helpers import slow_symbolic
from spec.loader import load, load_text
from test_liveness import MUTEX, REFINE
from test_symbolic_temporal import explicit_temporal, temporal_model

ROOT = Path(__file__).resolve().parent.parent
# z3's budget per query in resource units, not seconds: a verdict must not depend on the machine's speed.
# The models' proofs take up to about 8 million units; a random model's is decided at once or not at all.
RLIMIT = 40_000_000
RANDOM_RLIMIT = 5_000_000
RL = ("--rlimit", str(RLIMIT))


def proofs(text: str, proved=()) -> dict:
    model = load_text(text, "m.sync")
    return {p.name: prove_temporal(model, Clock(None, RLIMIT), p, list(proved)) for p in model.properties}


def statuses(text: str) -> dict:
    return {n: o.status for n, o in proofs(text).items()}


# ---- known answers -------------------------------------------------------------------------

@pytest.mark.slow   # 2-5 s on two busy cores: CI's slow selection runs it (the default run stays under 10 minutes)
def test_fairness_decides_mutual_exclusion_progress():
    assert statuses(MUTEX) == {"Progress": "reachable"}                    # stuttering
    assert statuses(MUTEX + "fairness weak Enter, Leave\n") == {"Progress": "reachable"}  # starvation
    assert statuses(MUTEX + "fairness weak Leave\nfairness strong Enter\n") == {"Progress": "proved"}


def test_a_deadlock_stutters_even_under_fairness():
    text = """model Stuck
var x: 0..3
init { x = 0 }
action Step { require x < 2  x = x + 1 }
fairness weak Step
property ReachesThree: eventually x == 3
property ReachesTwo: eventually x == 2
"""
    assert statuses(text) == {"ReachesThree": "reachable", "ReachesTwo": "proved"}
    assert statuses(text.replace("fairness weak Step\n", "")) == {"ReachesThree": "reachable",
                                                                  "ReachesTwo": "reachable"}


def test_each_kind_of_property():
    text = """model Blink
var on: bool
var n: 0..2
init { on = false  n = 0 }
action Toggle { on = not on }
action Count { require n < 2  n = n + 1 }
fairness weak Toggle
fairness weak Count
property InfinitelyOften: always eventually on
property Settles: eventually always on
property CountsUp: eventually always n == 2
property AlwaysOn: always on
property InRange: always n <= 2
property OnLeadsToOff: on leads_to not on
property OnLeadsToTwo: on leads_to n == 2
property NeverTwoLeadsToOn: n == 2 leads_to on and n < 2
"""
    assert statuses(text) == {"InfinitelyOften": "proved", "Settles": "reachable", "CountsUp": "proved",
                              "AlwaysOn": "reachable", "InRange": "proved", "OnLeadsToOff": "proved",
                              "OnLeadsToTwo": "proved", "NeverTwoLeadsToOn": "reachable"}


def test_strong_fairness_refines_the_component():
    text = REFINE
    assert statuses(text + "fairness weak A\n") == {"ReachesTwo": "reachable"}
    assert statuses(text + "fairness strong A\n") == {"ReachesTwo": "proved"}
    # declared both ways, the action is strongly fair
    assert statuses(text + "fairness strong A\nfairness weak A\n") == {"ReachesTwo": "proved"}


def test_per_binding_and_the_failing_binding_is_named():
    text = MUTEX.replace("const PROCS = {p1, p2}", "const PROCS = {p1, p2, p3}")
    out = proofs(text + "fairness weak Enter, Leave\n")["Progress"]
    assert out.status == "reachable" and out.reason.endswith("(with p = p1)")


def test_a_state_where_the_property_cannot_be_evaluated_is_a_violation():
    text = """model Queue
var q: seq[0..2, 2]
init { q = [1, 2] }
action Pop { require len(q) > 0  q = tail(q) }
fairness weak Pop
property Front: eventually head(q) == 2
"""
    assert statuses(text) == {"Front": "reachable"}      # q becomes [] under fairness
    stays = text.replace("require len(q) > 0", "require len(q) > 1")
    assert statuses(stays) == {"Front": "proved"}        # [2] and stays
    assert statuses(stays.replace("fairness weak Pop\n", "")) == {"Front": "reachable"}


def test_division_by_a_variable_is_unknown_to_spacer_and_says_so():
    text = """model Div
var x: 1..2
init { x = 2 }
action Down { require x > 1  x = x - 1 }
fairness weak Down
property Finishes: eventually 4 / x == 4
"""
    out = proofs(text)["Finishes"]
    assert out == LiveProof("unknown", "not proved: z3 returned unknown: Spacer does not handle division or "
                                       "remainder by a variable")


def test_fairness_over_choices_spells_them_out():
    # Bump is enabled only through one value of its choice; weak fairness must see it as enabled
    text = """model Choice
var x: 0..3
init { x = 0 }
action Bump { choose d in 0..3  require d == 3 - x  require x < 3  x = x + 1 }
action Idle { require x == 0  x = 0 }
fairness weak Bump
property Done: eventually x == 3
"""
    assert statuses(text) == {"Done": "proved"}
    # without fairness the initial state stutters
    assert statuses(text.replace("fairness weak Bump\n", "")) == {"Done": "reachable"}


def test_fairness_over_too_many_choices_is_not_guessed():
    text = """model Wide
var x: 0..3
init { x = 0 }
action Bump { choose d in 0..511  require d == 3 - x  require x < 3  x = x + 1 }
fairness weak Bump
property Done: eventually x == 3
"""
    out = proofs(text)["Done"]
    assert out == LiveProof("unknown", "not proved: fairness of Bump is per instance, and it has `choose` over "
                                       "more than 256 values: not encoded without quantifiers")


# ---- the engine's run ----------------------------------------------------------------------

@pytest.mark.slow
def test_prove_engine_proves_a_temporal_property():
    code, out, _ = run_cli_fresh(["check", ROOT / "models/two_phase_commit.sync", *RL, "--engine", "prove", "--json"])
    assert code == 0
    data = json.loads(out)
    p = next(p for p in data["properties"] if p["name"] == "EveryRMDecides")
    assert (p["verdict"], p["how"], p["engine"]) == ("holds", "proved", "prove")
    assert data["verdict"] == "holds" and data["how"] == "proved"


@pytest.mark.slow   # 2-5 s on two busy cores: CI's slow selection runs it (the default run stays under 10 minutes)
def test_prove_engine_finds_the_lasso_of_a_violation(capsys, tmp_path):
    model = ROOT / "models/settlement_lock_broken.sync"
    code, out, _ = run_cli(["check", model, *RL, "--engine", "prove", "--json", "--out", tmp_path], capsys)
    assert code == 1
    p = next(p for p in json.loads(out)["properties"] if p["name"] == "EverySettlementRuns")
    assert (p["verdict"], p["trace_length"], p["loop"]) == ("violated", 4, 1)
    [path] = tmp_path.glob("*.itf.json")
    code, out, _ = run_cli(["replay", path, model], capsys)
    assert code == 1 and "VIOLATED EverySettlementRuns: the fair lasso violates" in out


@pytest.mark.slow
def test_symbolic_mode_proves_what_the_lasso_search_bounds():
    model = load(ROOT / "models/two_phase_commit.sync")
    r = symbolic_check(model, "symbolic", SymbolicOptions(depth=4, rlimit=RLIMIT))
    p = next(p for p in r.properties if p.name == "EveryRMDecides")
    assert (p.verdict, p.how, p.engine) == (Verdict.HOLDS, "proved", "prove")
    assert (r.verdict, r.how) == (Verdict.HOLDS, "proved")


def test_no_proof_while_run_time_errors_may_be_reachable():
    text = """model Err
var x: 0..3
init { x = 0 }
action Up { x = x + 1 }
fairness weak Up
property Three: eventually x == 3
"""
    r = symbolic_check(load_text(text, "m.sync"), "prove", SymbolicOptions(rlimit=RLIMIT, stop_at_first=False))
    p = next(p for p in r.properties if p.name == "Three")
    assert p.verdict is Verdict.INCONCLUSIVE
    assert p.message == "not proved: run-time errors are reachable, and the proof needs them unreachable"
    # no resources to prove anything: run-time freedom is not proved either
    r = symbolic_check(load(ROOT / "models/two_phase_commit.sync"), "prove", SymbolicOptions(rlimit=1))
    p = next(p for p in r.properties if p.name == "EveryRMDecides")
    assert p.message == ("not proved: the proof needs run-time errors proved unreachable, and this run did not "
                         "prove it")


# ---- agreement with the explicit engine ----------------------------------------------------

FAST = ["settlement_lock_broken", "two_phase_commit", "two_phase_commit_broken", "bridge_broken"]
TEMPORAL = sorted(p.stem for p in (ROOT / "models").glob("*.sync") if "\nproperty " in p.read_text())


def _agree(model, explicit, rlimit: int) -> dict:
    """Every proof is a property the explicit engine finds holding, every violation one it finds
    violated; returns the statuses."""
    want = {p.name: p.verdict for p in explicit.properties if p.kind == "temporal"}
    holding = [p.name for p in explicit.properties if p.kind == "invariant" and p.verdict is Verdict.HOLDS]
    out = {}
    for prop in model.properties:
        got = prove_temporal(model, Clock(None, rlimit), prop, holding)
        out[prop.name] = got.status
        if got.status == "proved":
            assert want[prop.name] is Verdict.HOLDS, prop.name
        elif got.status == "reachable":
            assert want[prop.name] is Verdict.VIOLATED, prop.name
    return out


QUICK = ["settlement_lock_broken"]   # the others take more than a few seconds: the slow set


@pytest.mark.parametrize("name", slow_symbolic(TEMPORAL, QUICK))
def test_proofs_agree_with_the_explicit_engine_on_the_models(name):
    model = load(ROOT / "models" / f"{name}.sync")
    if EXPLICIT.obstacles(model):
        pytest.skip("the explicit engine cannot enumerate it")
    e = explicit_check(model, ExplicitOptions(stop_at_first=False))
    if any(p.name == "runtime" and p.verdict is Verdict.VIOLATED for p in e.properties):
        pytest.skip("run-time errors are reachable: the proof is not asked")
    out = _agree(model, e, RLIMIT)
    if name in FAST:   # these are decided within the budget
        assert "unknown" not in out.values(), out


@pytest.mark.slow
@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(temporal_model())
def test_random_models_proofs_agree_with_the_explicit_engine(text):
    checked = explicit_temporal(text)
    if checked is None:
        return
    m, e = checked
    if any(p.name == "runtime" and p.verdict is not Verdict.HOLDS for p in e.properties):
        return   # the proof is asked only when run-time errors are unreachable
    _agree(m, e, RANDOM_RLIMIT)   # small models: Spacer answers at once or not at all


def test_a_forall_over_values_that_depend_on_a_symbolic_constant_is_not_guessed(capsys, tmp_path):
    text = """model Sym
const N: 1..3
var x: 0..3
init { x = 0 }
action Up { require x < N  x = x + 1 }
fairness weak Up
property Reaches: forall k in 0..N: eventually x >= k
"""
    why = "the values Reaches ranges over (its forall) depend on the symbolic constant N; --const N=VALUE gives " \
          "it a value"
    assert proofs(text)["Reaches"] == LiveProof("unknown", f"not proved: {why}")
    [lasso] = check_temporal(load_text(text, "m.sync"), Clock(None, RLIMIT), 4)
    assert (lasso.result.verdict, lasso.result.how, lasso.result.message) == \
        (Verdict.INCONCLUSIVE, "unknown", f"not checked: {why}")
    path = tmp_path / "sym.sync"
    path.write_text(text)
    code, out, err = run_cli(["check", path, *RL, "--no-deadlock"], capsys)
    assert code == 3 and err == "" and f"Reaches: not proved: {why}" in " ".join(out.split())
    code, out, _ = run_cli(["check", path, "--no-deadlock", "--const", "N=2"], capsys)
    assert code == 0


@pytest.mark.slow
def test_property_alone_still_has_the_models_invariants_as_lemmas():
    # EveryRMDecides alone: the invariants --property leaves out are proved by k-induction and assumed
    # (without them Spacer finds no proof in a minute)
    code, out, _ = run_cli_fresh(["check", ROOT / "models/two_phase_commit.sync", *RL, "--engine", "prove",
                                  "--property", "EveryRMDecides", "--json"])
    assert code == 0
    [p] = [p for p in json.loads(out)["properties"] if p["kind"] == "temporal"]
    assert (p["name"], p["verdict"], p["how"]) == ("EveryRMDecides", "holds", "proved")
    # a model whose invariants fail: only those that hold are assumed, and the property still holds
    code, out, _ = run_cli_fresh(["check", ROOT / "models/two_phase_commit_broken.sync", *RL, "--engine", "prove",
                                  "--property", "EveryRMDecides"])
    assert code == 0 and "HOLDS" in out
