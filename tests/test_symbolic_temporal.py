"""Temporal properties in BMC: a search for fair lassos (checker/engines/symbolic/lasso.py).

Known answers on small models (the same ones tests/test_liveness.py checks with the explicit
engine), agreement with the explicit engine on the models in models/ and on random models with
fairness (hypothesis), and every lasso found replays as a fair violation.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from checker.engines.registry import EXPLICIT
from checker.engines.explicit.search import ExplicitOptions
from checker.engines.explicit.search import check as explicit_check
from checker.traces.itf import trace_document
from checker.traces.replay import replay
from checker.core.result import Verdict
from checker.engines.symbolic import SymbolicOptions
from checker.engines.symbolic import check as symbolic_check
from checker.engines.symbolic.bmc import Clock
from checker.engines.symbolic.lasso import check_temporal
from cli_helpers import run_cli
from engine_helpers import slow_symbolic
from spec.diagnostics import SpecError
from spec.loader import load, load_text
from test_liveness import MUTEX, REFINE
from test_symbolic_random import _model, bool_expr, random_model

ROOT = Path(__file__).resolve().parent.parent
SLOW_RLIMIT = 400_000_000   # the lassos of the slow set's models, up to ten steps long
RLIMIT = 40_000_000   # z3's resource units per query, not seconds: the same verdicts on any machine
RL = ("--rlimit", str(RLIMIT))


def lasso(text: str, depth: int = 8):
    model = load_text(text, "m.sync")
    return model, {o.result.name: o.result for o in check_temporal(model, Clock(None, RLIMIT), depth)}


def assert_fair_violation(model, p):
    """The lasso is a behaviour of the model, fair, and violates the property (replay says so)."""
    doc = json.loads(json.dumps(trace_document(p.trace, "m.sync")))
    r = replay(doc, model, check_deadlock=False)
    assert r.valid, r.message
    assert p.name in [v[0] for v in r.violations], r.violations


# ---- known answers -------------------------------------------------------------------------

def test_without_fairness_eventually_fails_by_stuttering():
    model, r = lasso(MUTEX)
    p = r["Progress"]
    assert (p.verdict, p.how, p.engine) == (Verdict.VIOLATED, "bounded", "bmc")
    assert [s.action for s in p.trace.steps] == [None, "Request", "(stutter)"]
    assert p.trace.loop == 1 and p.trace.binding == {"p": "p1"}
    assert p.message == "pc[p] == waiting holds, then pc[p] == critical never does on a behaviour (with p = p1)"
    assert_fair_violation(model, p)


def test_weak_fairness_still_starves():
    model, r = lasso(MUTEX + "fairness weak Enter, Leave\n")
    p = r["Progress"]
    assert p.verdict is Verdict.VIOLATED
    t = p.trace
    # p1 waits for ever while p2 enters and leaves: Enter(p1) is disabled whenever p2 holds the lock
    assert all(s.state["pc"][t.binding["p"]] == "waiting" for s in t.steps[t.loop:])
    # the shortest: Request(p1), then the cycle Request(p2), Enter(p2), Leave(p2)
    assert [(s.action, s.params) for s in t.steps[1:]] == [("Request", {"p": "p1"}), ("Request", {"p": "p2"}),
                                                          ("Enter", {"p": "p2"}), ("Leave", {"p": "p2"})]
    assert t.loop == 1
    assert_fair_violation(model, p)


def test_strong_fairness_makes_progress():
    _, r = lasso(MUTEX + "fairness weak Leave\nfairness strong Enter\n", depth=10)
    p = r["Progress"]
    assert (p.verdict, p.how) == (Verdict.INCONCLUSIVE, "bounded")
    assert p.message.startswith("no violation up to depth 10")


def test_lasso_through_a_deadlock_stutters_even_under_fairness():
    text = """model Stuck
var x: 0..3
init { x = 0 }
action Step { require x < 2  x = x + 1 }
fairness weak Step
property ReachesThree: eventually x == 3
"""
    model, r = lasso(text)
    p = r["ReachesThree"]
    assert [s.state["x"] for s in p.trace.steps] == [0, 1, 2, 2]
    assert p.trace.steps[-1].action == "(stutter)" and p.trace.loop == 2
    assert_fair_violation(model, p)


def test_always_eventually_and_eventually_always():
    text = """model Blink
var on: bool
init { on = false }
action Toggle { on = not on }
fairness weak Toggle
property InfinitelyOften: always eventually on
property Settles: eventually always on
"""
    model, r = lasso(text)
    assert r["InfinitelyOften"].verdict is Verdict.INCONCLUSIVE
    p = r["Settles"]
    assert p.verdict is Verdict.VIOLATED
    assert [s.state["on"] for s in p.trace.steps] == [False, True, False] and p.trace.loop == 0
    assert_fair_violation(model, p)


def test_strong_fairness_refines_the_component():
    text = REFINE
    model, weak = lasso(text + "fairness weak A\n")
    assert weak["ReachesTwo"].verdict is Verdict.VIOLATED
    assert_fair_violation(load_text(text + "fairness weak A\n", "m.sync"), weak["ReachesTwo"])
    _, strong = lasso(text + "fairness strong A\n")
    assert strong["ReachesTwo"].verdict is Verdict.INCONCLUSIVE


def test_an_action_declared_weakly_and_strongly_fair_is_strongly_fair():
    text = REFINE + "fairness strong A\nfairness weak A\n"
    _, r = lasso(text)
    assert (r["ReachesTwo"].verdict, r["ReachesTwo"].how) == (Verdict.INCONCLUSIVE, "bounded")
    e = explicit_check(load_text(text, "m.sync"), ExplicitOptions())
    assert next(p for p in e.properties if p.name == "ReachesTwo").verdict is Verdict.HOLDS


def test_fairness_over_choices_quantifies_them():
    # Bump is enabled only through one value of its choice; weak fairness must see it as enabled
    text = """model Choice
var x: 0..3
init { x = 0 }
action Bump { choose d in 0..3  require d == 3 - x  require x < 3  x = x + 1 }
action Idle { require x == 0  x = 0 }
fairness weak Bump
property Done: eventually x == 3
"""
    model, r = lasso(text)
    assert r["Done"].verdict is Verdict.INCONCLUSIVE
    _, unfair = lasso(text.replace("fairness weak Bump\n", ""))
    assert unfair["Done"].verdict is Verdict.VIOLATED


def test_always_property_is_a_shortest_finite_trace():
    model, r = lasso(MUTEX + "property NeverBoth: always not (pc[p1] == waiting and pc[p2] == waiting)\n")
    p = r["NeverBoth"]
    assert p.verdict is Verdict.VIOLATED
    assert p.trace.loop is None and [s.action for s in p.trace.steps] == [None, "Request", "Request"]


def test_fairness_over_too_many_instances_is_not_guessed():
    text = """model Wide
var x: 0..255
init { x = 0 }
action Set(v: 0..255) { x = v }
fairness weak Set
property Zero: always eventually x == 0
"""
    _, r = lasso(text)
    p = r["Zero"]
    assert (p.verdict, p.how) == (Verdict.INCONCLUSIVE, "unknown")
    assert "fairness of Set is per parameter value" in p.message


# ---- the CLI -------------------------------------------------------------------------------

def test_bmc_engine_reports_a_temporal_violation_with_a_replayable_trace(tmp_path, capsys):
    model = ROOT / "models/settlement_lock_broken.sync"
    code, out, _ = run_cli(["check", model, *RL, "--engine", "bmc", "--out", tmp_path, "--json"], capsys)
    assert code == 1
    data = json.loads(out)
    p = next(p for p in data["properties"] if p["name"] == "EverySettlementRuns")
    assert (p["verdict"], p["how"], p["engine"]) == ("violated", "bounded", "bmc")
    [path] = tmp_path.glob("*.itf.json")
    assert path.name == "settlement_lock_broken.EverySettlementRuns.itf.json"
    code, out, _ = run_cli(["replay", path, model], capsys)
    assert code == 1 and "VIOLATED EverySettlementRuns: the fair lasso violates" in out


def test_induction_says_which_engines_check_temporal_properties(capsys):
    code, out, _ = run_cli(["check", ROOT / "models/two_phase_commit.sync", *RL, "--engine", "induction", "--json"],
                           capsys)
    assert code == 3
    p = next(p for p in json.loads(out)["properties"] if p["name"] == "EveryRMDecides")
    assert p["verdict"] == "inconclusive"
    assert p["message"] == ("not checked: k-induction does not prove temporal properties; --engine prove does "
                            "(a CHC proof), --engine bmc looks for violations, the explicit engine checks them")


@pytest.mark.slow   # 2-5 s on two busy cores: CI's slow selection runs it (the default run stays under 10 minutes)
def test_bmc_engine_bounds_a_holding_temporal_property(capsys):
    code, out, _ = run_cli(["check", ROOT / "models/two_phase_commit.sync", *RL, "--engine", "bmc", "--depth", "6",
                            "--json"], capsys)
    assert code == 3
    p = next(p for p in json.loads(out)["properties"] if p["name"] == "EveryRMDecides")
    assert (p["verdict"], p["how"]) == ("inconclusive", "bounded")
    assert p["message"].startswith("no violation up to depth 6")


# ---- agreement with the explicit engine on the models -----------------------------------------

# models whose lassos BMC finds in seconds; the others (up to two minutes each) are in the slow set
FAST = ["settlement_lock_broken", "bridge_broken", "options_ledger_broken_expiry", "settlement_lock",
        "two_phase_commit", "state_channel"]
TEMPORAL = sorted(p.stem for p in (ROOT / "models").glob("*.sync") if "\nproperty " in p.read_text())
HOLDING_DEPTH = 4


@pytest.mark.parametrize("name", slow_symbolic(TEMPORAL, FAST))
def test_explicit_and_lasso_search_agree_on_every_model(name):
    model = load(ROOT / "models" / f"{name}.sync")
    if EXPLICIT.obstacles(model):
        pytest.skip("the explicit engine cannot enumerate it")
    e = explicit_check(model, ExplicitOptions(stop_at_first=False))
    want = {p.name: p for p in e.properties if p.kind == "temporal"}
    lengths = [p.trace.length for p in want.values() if p.trace is not None]
    depth = max(lengths) if lengths else HOLDING_DEPTH
    budget = RLIMIT if name in FAST else SLOW_RLIMIT
    got = {o.result.name: o.result for o in check_temporal(model, Clock(None, budget), depth)}
    assert set(got) == set(want)
    for n, x in want.items():
        p = got[n]
        if x.verdict is Verdict.VIOLATED and p.verdict is Verdict.INCONCLUSIVE and "(resource limit)" in p.message:
            # z3's budget ran out first: no lasso up to the depth reached, so the explicit engine's
            # shortest one must be longer
            reached = int(re.match(r"no violation up to depth (\d+)", p.message).group(1))
            assert reached < x.trace.length, (n, p.message, x.trace.length)
        elif x.verdict is Verdict.VIOLATED:
            # both shortest lassos (the explicit engine's: checker/engines/explicit/shortlasso.py)
            assert p.verdict is Verdict.VIOLATED, (n, p.message)
            assert p.trace.length == x.trace.length
            doc = json.loads(json.dumps(trace_document(p.trace, str(model.path))))
            r = replay(doc, model, check_deadlock=False)
            assert r.valid and n in [v[0] for v in r.violations], r.message
        elif "there are more than 64 of them" in p.message:
            # the lasso search's documented limit on fairness over many parameter values
            # (vault_shares' Redeem): it says so rather than search without the fairness
            assert x.verdict is Verdict.HOLDS and p.verdict is Verdict.INCONCLUSIVE, (n, p.message)
            assert p.message.startswith("not checked: fairness of "), p.message
        else:
            assert x.verdict is Verdict.HOLDS
            assert (p.verdict, p.how) == (Verdict.INCONCLUSIVE, "bounded"), (n, p.message)


# ---- random models with fairness ----------------------------------------------------------

@st.composite
def temporal_model(draw):
    text = draw(random_model())
    actions = [line.split()[1].split("(")[0] for line in text.splitlines() if line.startswith("action ")]
    lines = []
    for a in actions:
        kind = draw(st.sampled_from(["", "weak", "strong", "weak strong"]))
        lines += [f"fairness {k} {a}" for k in kind.split()]   # both: strongly fair
    # groups: one condition for every instance of the actions together (`{A}`: all of A's)
    for _ in range(draw(st.integers(0, 2))):
        group = draw(st.lists(st.sampled_from(actions), min_size=1, max_size=3, unique=True)) if actions else []
        if group:
            lines.append(f"fairness {draw(st.sampled_from(['weak', 'strong']))} {{{', '.join(group)}}}")
    for n in range(draw(st.integers(1, 2))):
        kind = draw(st.sampled_from(["eventually", "always eventually", "eventually always", "leads_to",
                                     "always"]))
        p = draw(bool_expr(1))
        if kind == "leads_to":
            lines.append(f"property T{n}: {p} leads_to {draw(bool_expr(1))}")
        else:
            lines.append(f"property T{n}: {kind} {p}")
    return text + "\n".join(lines) + "\n"


def explicit_temporal(text: str):
    """(model, the explicit engine's result) for a generated model with temporal properties;
    None when the model is rejected or has none, or the explicit engine cannot compile it."""
    m = _model(text)
    if m is None or not m.properties:
        return None
    try:
        return m, explicit_check(m, ExplicitOptions(stop_at_first=False, deadlock=False))
    except SpecError:   # not the point of these tests (E501: choose in a loop over a sequence)
        return None


RANDOM_DEPTH = 6


@pytest.mark.slow
@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(temporal_model())
def test_random_models_explicit_and_lasso_search_agree(text):
    checked = explicit_temporal(text)
    if checked is None:
        return
    m, e = checked
    want = {p.name: p for p in e.properties if p.kind == "temporal"}
    got = {o.result.name: o.result for o in check_temporal(m, Clock(None, RLIMIT), RANDOM_DEPTH)}
    # the BMC engine's run: the same lassos, with the invariants it established assumed in every state
    run = symbolic_check(m, "bmc", SymbolicOptions(depth=RANDOM_DEPTH, rlimit=RLIMIT, stop_at_first=False))
    in_run = {p.name: p for p in run.properties if p.kind == "temporal"}
    assert {n: p.verdict for n, p in in_run.items()} == {n: p.verdict for n, p in got.items()}, text
    assert {n: p.trace.length for n, p in in_run.items() if p.trace} == \
        {n: p.trace.length for n, p in got.items() if p.trace}, text
    for n, x in want.items():
        p = got[n]
        assert p.verdict is not Verdict.INCONCLUSIVE or p.how == "bounded", (n, p.message, text)
        if p.verdict is Verdict.VIOLATED:
            assert x.verdict is Verdict.VIOLATED, (n, text)
            r = replay(trace_document(p.trace, "r.sync"), m, check_deadlock=False)
            assert r.valid, (r.message, text)
            if "cannot be evaluated" in p.message:  # at a state BMC reached, so the explicit engine did
                assert x.trace is None and "cannot be evaluated" in x.message, (n, text)
                assert p.trace.loop is None
                continue
            if x.trace is None:
                # the explicit engine reports a state where the property cannot be evaluated; BMC may
                # find a genuine lasso first, shorter than the way to that state (replayed above)
                assert "cannot be evaluated" in x.message, (n, text)
                assert p.trace.loop is None or n in [v[0] for v in r.violations], (r.violations, text)
                continue
            if p.trace.loop is None:  # `always`: both shortest finite traces
                assert p.trace.length == x.trace.length, (n, text)
            else:
                # both shortest lassos (the explicit engine's search, checker/engines/explicit/shortlasso.py)
                assert p.trace.length == x.trace.length, (n, text)
                assert n in [v[0] for v in r.violations], (r.violations, text)
        elif x.verdict is Verdict.VIOLATED:
            # only beyond the search's depth: the explicit engine's lasso is longer, or the state
            # where the property cannot be evaluated is deeper
            assert (x.trace.length if x.trace is not None else e.stats.depth) > RANDOM_DEPTH, (n, text)


def test_the_search_stops_at_its_resource_limit():
    model = load(ROOT / "models/options_ledger.sync")
    out = check_temporal_budget(model, depth=40, clock=Clock(None, 200_000))
    assert (out.verdict, out.how) == (Verdict.INCONCLUSIVE, "bounded")
    assert out.message.startswith("no violation up to depth ")
    assert "unknown (resource limit): z3 used up its resource limit of 200000 (--rlimit)" in out.message


def test_the_search_stops_at_its_time_budget():
    # a budget of no time at all: the first query finds none left
    model = load(ROOT / "models/options_ledger.sync")
    out = check_temporal_budget(model, depth=40, budget=0.0)
    assert (out.verdict, out.how) == (Verdict.INCONCLUSIVE, "unknown")
    assert out.message == "the search stopped at its time budget of 0 s (at depth 0; --timeout gives it more)"


def check_temporal_budget(model, depth, budget=None, clock=None):
    from checker.engines.symbolic.lasso import LassoSearch
    return LassoSearch(model, clock or Clock(None)).check(model.properties[0], depth, budget).result


@pytest.mark.slow   # 2-5 s on two busy cores: CI's slow selection runs it (the default run stays under 10 minutes)
def test_symbolic_mode_runs_the_lasso_search_after_the_proofs():
    model = load(ROOT / "models/settlement_lock_broken.sync")
    r = symbolic_check(model, "symbolic", SymbolicOptions(depth=6, rlimit=RLIMIT))
    p = next(p for p in r.properties if p.name == "EverySettlementRuns")
    assert p.verdict is Verdict.VIOLATED and p.trace.loop is not None
    assert r.verdict is Verdict.VIOLATED
