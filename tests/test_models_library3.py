"""The model library, second edition (issue 16), items 7 and 8: validity proofs, and what the reading found.

Item 7: validity_proofs (a state-root commitment, a verifier that accepts
only a checked relation, snapshots checked against the root) holds at its
default size with pinned counts, and k-induction proves it; each broken
variant fails with a pinned trace that shows its bug. Item 8: the options
ledger states its price-move assumption and a 2-tick jump breaks it; the
replayed commit is the Conservation violation its header claims; gossip
replicas converge on the conservative margin, and a tie-break towards the
lower one converges on the wrong figure; the rollup's forced inclusion has a
deadline. Some checks make sure a property is not vacuous: the mechanism it
relies on is exercised, or taking it away breaks the property.
"""

from __future__ import annotations

import json

import pytest

from checker.core.result import Verdict
from checker.engines.explicit.search import ExplicitOptions, check
from checker.engines.symbolic import SymbolicOptions
from checker.engines.symbolic import check as symbolic_check
from spec.diagnostics import SpecError
from engine_helpers import MODELS, ROOT, model_file, prop

RLIMIT = 40_000_000   # z3's resource units per query: verdicts that do not depend on the machine's speed
COMMITTED = ROOT / "counterexamples"

# model: (distinct states, transitions, depth, properties besides deadlock and runtime)
CORRECT = {
    "validity_proofs.sync": (2080, 8152, 11, ["NoWrongWithdrawal", "Backed", "RootIsSignedHistory", "SnapshotVerified",
                                              "VersionCountsDone", "ReplicaCatchesUp"]),
    # counts pinned in tests/test_models_b.py; here the properties the issue asked for
    "gossip_replicas.sync": (902, 3560, 12, ["ConservativeMargin", "RegisterIsNewestSeen", "TimestampsBehindWrites",
                                             "SameUpdatesSameMargin", "Converge", "ConvergeConservative",
                                             "deterministic(Write)"]),
    "rollup_sequencer.sync": (5664, 27764, 13, ["BalanceIsLog", "IncludedBeforeDeadline", "EveryDepositOnce",
                                                "ReplicasAgree", "ForcedIncluded", "Synced", "deterministic(Execute)",
                                                "deterministic(Rollback)"]),
}

# model: (violated property, trace length, actions of the trace)
BROKEN = {
    "validity_proofs_broken_input.sync": ("NoWrongWithdrawal", 2, ["Sign", "Submit"]),
    "validity_proofs_broken_snapshot.sync": ("SnapshotVerified", 3, ["Sign", "Submit", "Reconcile"]),
    "options_ledger_broken_gap.sync": ("CoversIntrinsic", 2, ["Write", "UpdatePrice"]),
    "atomic_settlement_broken_replay.sync": ("Conservation", 9, ["Prepare", "Prepare", "Collect", "Collect", "Commit",
                                                                 "Apply", "duplicate_decisions", "Apply", "Apply"]),
    "gossip_replicas_broken_tiebreak.sync": ("ConservativeMargin", 4, ["Write", "Write", "Gossip", "Deliver"]),
    "rollup_sequencer_broken_delay.sync": ("IncludedBeforeDeadline", 3, ["Force", "Tick", "Tick"]),
    "rollup_sequencer_broken_censor.sync": ("IncludedBeforeDeadline", 3, ["Force", "Tick", "Tick"]),
}

NEW = ["validity_proofs.sync", "validity_proofs_broken_input.sync", "validity_proofs_broken_snapshot.sync",
       "options_ledger_broken_gap.sync", "gossip_replicas_broken_tiebreak.sync", "rollup_sequencer_broken_delay.sync"]


def _check(name, consts=None, **options):
    return check(model_file(name, consts), ExplicitOptions(**options))


def _first_violation(name, consts=None):
    r = _check(name, consts)
    assert r.verdict is Verdict.VIOLATED
    return r.violated[0]


def _all(name):
    return {p.name: p for p in _check(name, stop_at_first=False).properties}


@pytest.mark.parametrize("name", sorted(CORRECT))
def test_correct_model_holds_with_pinned_counts(name):
    states, transitions, depth, props = CORRECT[name]
    r = _check(name)
    assert r.verdict is Verdict.HOLDS, [(p.name, p.message) for p in r.properties]
    assert r.how == "exhaustive"
    assert (r.stats.distinct_states, r.stats.transitions, r.stats.depth) == (states, transitions, depth)
    assert [p.name for p in r.properties] == props + ["deadlock", "runtime"]


@pytest.mark.parametrize("name", sorted(BROKEN))
def test_broken_model_fails_with_a_short_trace(name):
    want, length, actions = BROKEN[name]
    p = _first_violation(name)
    assert p.name == want
    assert p.trace.length == length and p.trace.loop is None
    assert [s.action for s in p.trace.steps[1:]] == actions


@pytest.mark.parametrize("name", sorted(BROKEN))
def test_the_committed_counterexample_is_the_first_violation(name):
    want, length, _ = BROKEN[name]
    stem = name.removesuffix(".sync")
    trace = json.loads((COMMITTED / f"{stem}.{want}.itf.json").read_text())
    assert trace["#meta"]["property"] == want and len(trace["states"]) == length + 1


def test_every_broken_variant_of_validity_proofs_is_pinned():
    found = {p.name for p in MODELS.glob("validity_proofs_broken*.sync")}
    assert found == {b for b in BROKEN if b.startswith("validity_proofs_broken")}


@pytest.mark.parametrize("name", NEW)
def test_header_says_what_the_properties_mean(name):
    text = (MODELS / name).read_text()
    assert text.startswith("# ")
    if "_broken" in name:
        assert text.startswith("# BROKEN ") and f"models/{name.split('_broken')[0]}.sync" in text
    else:
        assert "Properties, in money terms:" in text and "Compare " in text


@pytest.mark.parametrize("name", NEW)
def test_listed_in_the_catalog(name):
    stem = name.removesuffix(".sync")
    assert f"| [{stem}]({name}) |" in (MODELS / "README.md").read_text()


# ---- 7. validity proofs ---------------------------------------------------------------------------

def test_withdrawals_and_reconciliations_happen():
    r = _check("validity_proofs.sync")
    assert r.stats.actions["Submit"] > 0 and r.stats.actions["Reconcile"] > 0


def test_k_induction_proves_the_rollup():
    r = symbolic_check(model_file("validity_proofs.sync"), "induction", SymbolicOptions(k=1, rlimit=RLIMIT))
    for name in ("NoWrongWithdrawal", "Backed", "RootIsSignedHistory", "SnapshotVerified", "VersionCountsDone"):
        p = prop(r, name)
        assert (p.verdict, p.how) == (Verdict.HOLDS, "proved"), name


def test_an_unbound_payout_turns_a_transfer_into_a_withdrawal():
    p = _first_violation("validity_proofs_broken_input.sync")
    step = p.trace.steps[-1]
    assert step.params["op"].tag == "Transfer" and step.params["pay"] == 1
    last = step.state
    assert dict(last["root"].items) == {"alice": 1, "bob": 3}
    assert dict(last["paid"].items) == {"alice": 1, "bob": 0} and last["escrow"] == 3


@pytest.mark.slow   # every property of the broken variants, exhaustively (~8 s each)
def test_the_unbound_payout_also_empties_the_escrow():
    assert _all("validity_proofs_broken_input.sync")["Backed"].verdict is Verdict.VIOLATED


def test_an_unchecked_snapshot_is_adopted_at_the_current_version():
    last = _first_violation("validity_proofs_broken_snapshot.sync").trace.steps[-1].state
    assert last["replica_version"] == last["version"] == 1
    assert dict(last["replica"].items) != dict(last["root"].items)


@pytest.mark.slow
def test_with_an_unchecked_snapshot_the_rollup_itself_stays_sound():
    props = _all("validity_proofs_broken_snapshot.sync")
    for name in ("NoWrongWithdrawal", "Backed", "RootIsSignedHistory"):
        assert props[name].verdict is Verdict.HOLDS, name


@pytest.mark.parametrize("name", ["validity_proofs_broken_input.sync", "validity_proofs_broken_snapshot.sync",
                                  "options_ledger_broken_gap.sync", "rollup_sequencer_broken_delay.sync"])
def test_bmc_finds_the_same_shortest_violation(name):
    want, length, actions = BROKEN[name]
    r = symbolic_check(model_file(name), "bmc", SymbolicOptions(depth=length, rlimit=RLIMIT))
    p = prop(r, want)
    assert p.verdict is Verdict.VIOLATED and p.trace.length == length
    assert [s.action for s in p.trace.steps[1:]] == actions


# ---- 8a. the options ledger's price-move assumption ----------------------------------------------

def test_the_ledger_header_states_its_assumption():
    text = (MODELS / "options_ledger.sync").read_text()
    head = text[:text.index("model OptionsLedger")]
    assert "ASSUMPTION" in head and "BufferAbsorbsAMove" in head and "options_ledger_broken_gap" in head
    assert "models/loss_waterfall.sync" in head
    assert "no bad debt, as\n#                       long as no update moves the mark by more than" in head


def test_a_buffer_below_the_move_is_refused_by_the_correct_ledger():
    with pytest.raises(SpecError) as e:
        model_file("options_ledger.sync", ["MAX_MOVE=2", "BUFFER=1"])
    assert "E402" in str(e.value) and "BufferAbsorbsAMove" in str(e.value)


def test_a_two_tick_gap_leaves_the_option_under_water():
    t = _first_violation("options_ledger_broken_gap.sync").trace
    assert t.steps[0].state["price"] == 1 and t.steps[-1].state["price"] == 3
    slot = dict(t.steps[-1].state["slots"][0].fields)
    assert slot["margin"] == 1 and slot["called"] is True   # called, but owes 2 already
    # once the option is bought, the holder is short-changed too
    props = _all("options_ledger_broken_gap.sync")
    assert props["CoversPayout"].verdict is Verdict.VIOLATED and props["CoversPayout"].trace.length == 3


# ---- 8b. the replayed commit ---------------------------------------------------------------------

def test_the_replayed_commit_is_a_conservation_violation_on_the_sellers_side():
    last = _first_violation("atomic_settlement_broken_replay.sync").trace.steps[-1].state
    assert last["booked"]["settlement"] == 2 and last["start"]["settlement"] == 1
    assert not list(COMMITTED.glob("atomic_settlement_broken_replay.runtime.*"))
    text = (MODELS / "atomic_settlement_broken_replay.sync").read_text()
    assert "premium paid to the seller" in text and "(Conservation:" in text


# ---- 8c. gossip converges on the conservative margin ---------------------------------------------

def test_a_tiebreak_towards_the_lower_margin_converges_on_the_wrong_figure():
    props = _all("gossip_replicas_broken_tiebreak.sync")
    for name in ("SameUpdatesSameMargin", "Converge", "RegisterIsNewestSeen"):
        assert props[name].verdict is Verdict.HOLDS, name   # it does converge...
    live = props["ConvergeConservative"]                       # ...on the looser margin, for ever
    assert live.verdict is Verdict.VIOLATED and live.trace.loop is not None
    last = _first_violation("gossip_replicas_broken_tiebreak.sync").trace.steps[-1].state
    assert dict(last["reg"]["n2"].fields) == {"ts": 1, "value": 1}
    assert {"ts": 1, "value": 2} in [dict(e.fields) for e in last["seen"]["n2"]]


# ---- 8d. forced inclusion before the liquidation deadline ----------------------------------------

def test_a_delay_not_below_the_deadline_is_refused_by_the_correct_rollup():
    with pytest.raises(SpecError) as e:
        model_file("rollup_sequencer.sync", ["DELAY=2"])
    assert "E402" in str(e.value) and "DelayBeforeDeadline" in str(e.value)


def test_the_slow_escape_hatch_is_live_but_too_late():
    props = _all("rollup_sequencer_broken_delay.sync")
    assert props["ForcedIncluded"].verdict is Verdict.HOLDS             # "eventually" holds...
    assert props["IncludedBeforeDeadline"].verdict is Verdict.VIOLATED  # ...after the liquidation
    last = _first_violation("rollup_sequencer_broken_delay.sync").trace.steps[-1].state
    assert last["inbox"] == {"small"} and last["age"]["small"] == 2


def test_the_deadline_is_met_through_forced_inclusion_alone():
    # a sequencer that never sequences anything: every deposit still lands through the inbox in time
    r = _check("rollup_sequencer.sync", ["MAX_CENSORED=3"])
    assert r.verdict is Verdict.HOLDS and r.stats.actions["ForceInclude"] > 0 and r.stats.actions["Tick"] > 0


def test_a_longer_window_holds_too():
    assert _check("rollup_sequencer.sync", ["DELAY=2", "DEADLINE=3"]).verdict is Verdict.HOLDS
