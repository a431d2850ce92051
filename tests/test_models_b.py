"""The synchronization models of the library (issue 6, part B), pinned.

rollup_sequencer, oracle_feed, snapshot_reconciliation, gossip_replicas and
bridge: the correct version holds every property at its default size with an
exact number of distinct states (symmetry on, as a plain `syncproof check`),
every adversary it imports actually acts (its actions fire, so "holds" is not
vacuous), and each broken variant fails the property its header names, with
a counterexample of a pinned length. A change to any number is a change of
the model or of the semantics and must be explained.
"""

from __future__ import annotations

import re

import pytest

from checker.engines.explicit.search import ExplicitOptions, check
from checker.reports.console import trace_table
from checker.core.result import Trace, TraceStep, Verdict
from engine_helpers import MODELS, model_file
from spec import values as V

# model -> (distinct states, transitions, depth, actions that must fire)
CORRECT = {
    "rollup_sequencer": (5664, 27764, 13, ("Reorg", "Rollback", "Censor", "ForceInclude", "Tick")),
    "oracle_feed": (3438, 10160, 8, ("Replay", "Liquidate")),
    "snapshot_reconciliation": (253, 677, 6, ("Crash", "Recover", "Reconcile")),
    "gossip_replicas": (902, 3560, 12, ("lose_net", "Deliver")),
    "bridge": (413, 1152, 10, ("duplicate_deposits", "duplicate_withdrawals", "Unlock")),
}

# broken variant -> (violated properties, the first one's trace length, lasso or not)
BROKEN = {
    "rollup_sequencer_broken": (["BalanceIsLog", "ReplicasAgree"], 4, False),
    "rollup_sequencer_broken_censor": (["IncludedBeforeDeadline"], 3, False),
    "rollup_sequencer_broken_delay": (["IncludedBeforeDeadline"], 3, False),
    "oracle_feed_broken": (["NoHealthyLiquidation"], 3, False),
    "oracle_feed_broken_replay": (["NoHealthyLiquidation"], 4, False),
    "snapshot_reconciliation_broken": (["DriftNeverSurvivesSnapshot"], 2, False),
    "gossip_replicas_broken": (["SameUpdatesSameMargin"], 6, False),
    "gossip_replicas_broken_tiebreak": (["ConservativeMargin"], 4, False),
    "bridge_broken": (["Backed"], 4, False),
}


@pytest.mark.parametrize("name", sorted(CORRECT))
def test_correct_model_holds(name):
    states, transitions, depth, active = CORRECT[name]
    r = check(model_file(f"{name}.sync"), ExplicitOptions())
    assert r.verdict is Verdict.HOLDS, [(p.name, p.message) for p in r.properties if p.verdict is not Verdict.HOLDS]
    assert r.how == "exhaustive"
    assert (r.stats.distinct_states, r.stats.transitions, r.stats.depth) == (states, transitions, depth)
    for action in active:
        assert r.stats.actions[action] > 0, f"{action} never fires: the adversary or mechanism is vacuous"


@pytest.mark.parametrize("name", sorted(BROKEN))
def test_broken_variant_fails(name):
    violated, length, lasso = BROKEN[name]
    r = check(model_file(f"{name}.sync"), ExplicitOptions())
    assert r.verdict is Verdict.VIOLATED
    assert [p.name for p in r.violated] == violated
    t = r.violated[0].trace
    assert t.length == length
    assert (t.loop is not None) == lasso


def test_every_broken_variant_of_these_models_is_pinned():
    for name in CORRECT:
        found = {p.name.removesuffix(".sync") for p in MODELS.glob(f"{name}_broken*.sync")}
        assert found == {b for b in BROKEN if b.startswith(name + "_broken")}


def test_the_broken_bridge_mints_one_deposit_twice():
    r = check(model_file("bridge_broken.sync"), ExplicitOptions())
    t = r.violated[0].trace
    assert [s.action for s in t.steps] == [None, "Lock", "duplicate_deposits", "Mint", "Mint"]
    last = t.steps[-1].state
    assert last["locked"] == 1 and sum(v for _, v in last["wrapped"].items) == 2


def test_the_stale_liquidation_happens_after_the_market_recovered():
    t = check(model_file("oracle_feed_broken.sync"), ExplicitOptions()).violated[0].trace
    assert [s.action for s in t.steps] == [None, "Tick", "Tick", "Liquidate"]
    assert t.steps[-1].state["feed"].get("time") == 0 and t.steps[-1].state["now"] == 2


def test_the_replayed_report_comes_from_the_stale_oracle_adversary():
    t = check(model_file("oracle_feed_broken_replay.sync"), ExplicitOptions()).violated[0].trace
    assert "Replay" in [s.action for s in t.steps]


def test_the_broken_rollup_trace_goes_through_the_reorg_adversary():
    t = check(model_file("rollup_sequencer_broken.sync"), ExplicitOptions()).violated[0].trace
    assert [s.action for s in t.steps] == [None, "Sequence", "Execute", "Reorg", "Rollback"]


def test_the_censoring_sequencer_starves_the_forced_deposit():
    # the deadline fails first (test_models_library3); the liveness property alone still fails, with a lasso
    t = check(model_file("rollup_sequencer_broken_censor.sync"),
              ExplicitOptions(invariants=("ForcedIncluded",))).violated[0].trace
    assert t.binding == {"t": "small"}
    assert [s.action for s in t.steps] == [None, "Force", "Sequence", "Sequence", "Tick", "Tick", "Execute", "Execute",
                                           "Execute", "Execute", "Censor", "(stutter)"]
    assert t.steps[t.loop].params == {"t": "small"} and t.steps[-1].state["inbox"] == {"small"}


@pytest.mark.parametrize("path", sorted((MODELS / "adversaries").glob("*.sync")), ids=lambda p: p.name)
def test_every_adversary_documents_its_interface_and_is_used(path):
    text = path.read_text()
    assert text.startswith("# Adversary: ")
    assert "Interface:" in text and f'import "adversaries/{path.name}"' in text
    users = [m for m in MODELS.glob("*.sync") if re.search(rf'import "adversaries/{path.name}"', m.read_text())]
    assert users, f"no model imports {path.name}"


# ---- regression: a channel `with reordering` shows only the messages in transit ----------------

def test_trace_table_shows_a_bag_channel_without_its_empty_entries():
    def msg(k):
        return V.Variant("Sync", (("value", k),))
    empty = V.MapVal((msg(k), 0) for k in range(6))
    one = V.MapVal((msg(k), 1 if k == 4 else 0) for k in range(6))
    trace = Trace("M", "P", "invariant", [TraceStep({"net": empty}), TraceStep({"net": one}, "Send")])
    from rich.console import Console
    out = Console(width=200, record=True)
    out.print(trace_table(trace))
    text = out.export_text()
    assert "Sync(4): 1" in text
    assert "Sync(0)" not in text and "Sync(4): 0" not in text
    assert "│ {}" in text


def test_trace_table_keeps_zero_entries_of_ordinary_maps():
    balances = V.MapVal(((V.Sym("alice"), 0), (V.Sym("bob"), 2)))
    trace = Trace("M", "P", "invariant", [TraceStep({"balance": balances})])
    from rich.console import Console
    out = Console(width=200, record=True)
    out.print(trace_table(trace))
    assert "alice: 0" in out.export_text()
