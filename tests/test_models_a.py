"""The model library, part A: options ledger, options AMM, atomic settlement, state channel.

For each correct model: every property holds at the default size, with its
distinct state count (symmetry on, as `syncproof check` runs it), transitions
and depth pinned; a change of any of them is a change of the model or of the
semantics and must be explained. For each broken variant: which property
fails first, with how long a trace, and the steps that show the bug. Some
checks make sure a property is not vacuous: it fails once the mechanism it
relies on (fairness, the synchrony assumption) is taken away.
"""

from __future__ import annotations

import json
import re

import pytest

from checker.cli.main import main
from checker.engines.explicit.search import ExplicitOptions, check
from checker.core.result import Verdict
from engine_helpers import MODELS, ROOT, model_file, model_of, prop

# model: (distinct states, transitions, depth, properties besides deadlock and runtime)
CORRECT = {
    "options_ledger.sync": (5762, 17983, 18, ["Conservation", "MarginAccount", "CoversPayout", "MarginedOrCalled",
                                              "SettledOnce", "NoExerciseAfterExpiry", "RecordMatchesStatus",
                                              "CoversIntrinsic", "EveryExpiredSettled"]),
    "options_amm.sync": (5678, 12226, 21, ["Conservation", "Solvent", "SharesConserved", "SharesBacked",
                                           "NoRoundTripDrain", "LPStage", "SharesAtMostCash", "TradersNoRicher",
                                           "deterministic(Deposit)", "deterministic(Withdraw)",
                                           "deterministic(Buy)", "deterministic(Sell)"]),
    "atomic_settlement.sync": (713, 2912, 11, ["Conservation", "ReservedOnlyWhilePrepared", "Atomic",
                                               "CommitFollowsCoordinator", "AbortFollowsCoordinator",
                                               "PreparedVotesAreReal", "UndecidedLedgerHasDecision",
                                               "EveryLedgerDecides"]),
    "state_channel.sync": (443, 1516, 7, ["SplitsConserve", "LatestWins", "NoPayoutBeforeClose", "OnChainIsSigned",
                                          "AnswerPending", "StaleAnswered", "EveryCloseFinalizes", "ChannelCloses"]),
}


@pytest.mark.parametrize("name", sorted(CORRECT))
def test_correct_model_holds_with_pinned_counts(name):
    states, transitions, depth, props = CORRECT[name]
    r = check(model_file(name), ExplicitOptions())
    assert r.verdict is Verdict.HOLDS, [(p.name, p.message) for p in r.properties]
    assert r.how == "exhaustive"
    assert (r.stats.distinct_states, r.stats.transitions, r.stats.depth) == (states, transitions, depth)
    assert [p.name for p in r.properties] == props + ["deadlock", "runtime"]


# model: (violated property, trace length, actions of the trace)
BROKEN = {
    "options_ledger_broken.sync": ("Conservation", 5, ["Write", "Buy", "UpdatePrice", "Expire", "Settle"]),
    "options_ledger_broken_expiry.sync": ("NoExerciseAfterExpiry", 5,
                                          ["Write", "Buy", "Expire", "UpdatePrice", "Exercise"]),
    "options_ledger_broken_margin.sync": ("CoversPayout", 4, ["Write", "Buy", "UpdatePrice", "UpdatePrice"]),
    "options_ledger_broken_gap.sync": ("CoversIntrinsic", 2, ["Write", "UpdatePrice"]),
    "options_amm_broken.sync": ("SharesBacked", 3, ["Deposit", "Buy", "Sell"]),
    "atomic_settlement_broken.sync": ("Atomic", 5, ["Prepare", "Prepare", "Collect", "Timeout", "Apply"]),
    "atomic_settlement_broken_replay.sync": ("Conservation", 9, ["Prepare", "Prepare", "Collect", "Collect", "Commit",
                                                                 "Apply", "duplicate_decisions", "Apply", "Apply"]),
    "state_channel_broken.sync": ("LatestWins", 6, ["Update", "Close", "Tick", "Challenge", "Tick", "Finalize"]),
    "state_channel_broken_early.sync": ("LatestWins", 4, ["Update", "Close", "Tick", "Finalize"]),
}


def _first_violation(name):
    r = check(model_file(name), ExplicitOptions())
    assert r.verdict is Verdict.VIOLATED
    return r, r.violated[0]


@pytest.mark.parametrize("name", sorted(BROKEN))
def test_broken_model_fails_with_a_short_trace(name):
    want, length, actions = BROKEN[name]
    _, p = _first_violation(name)
    assert p.name == want
    assert p.trace.length == length
    assert [s.action for s in p.trace.steps[1:]] == actions


def test_every_model_of_part_a_is_listed():
    mine = re.compile(r"(options_ledger|options_amm|atomic_settlement|state_channel)(_broken\w*)?\.sync")
    shipped = {p.name for p in MODELS.glob("*.sync") if mine.fullmatch(p.name)}
    assert shipped == set(CORRECT) | set(BROKEN)


# ---- what the traces show --------------------------------------------------------------------

def _states(name):
    return [s.state for s in _first_violation(name)[1].trace.steps]


def _total(m):
    return sum(v for _, v in m.items)


def test_ledger_settlement_bug_creates_money():
    last = _states("options_ledger_broken.sync")[-1]
    assert _total(last["cash"]) + last["locked"] > 6


def test_ledger_late_exercise_is_paid_at_a_price_after_expiry():
    states = _states("options_ledger_broken_expiry.sync")
    expired, exercised = states[-3], states[-1]
    assert expired["phase"] == "expired" and expired["settle_price"] == 1     # expired at the strike: worthless
    assert exercised["price"] == 2
    holder = "bob" if exercised["cash"]["bob"] > expired["cash"]["bob"] else "alice"
    assert exercised["cash"][holder] == expired["cash"][holder] + 1


def test_ledger_two_marks_outrun_the_margin():
    last = _states("options_ledger_broken_margin.sync")[-1]
    slot = last["slots"][0]
    assert last["price"] == 3 and slot.get("called") and slot.get("margin") == 1      # owes 2, holds 1


def test_amm_round_trip_leaks_a_tick_to_the_trader():
    states = _states("options_amm_broken.sync")
    before, after = states[1], states[3]
    assert str(before["pool"]) == "1.0" and str(after["pool"]) == "0.9"
    assert _total(after["cash"]) == _total(before["cash"]) + 1        # one tick (0.1) more, no option held
    assert after["outstanding"] == 0


def test_amm_both_rounding_properties_fail_in_the_same_state():
    r = check(model_file("options_amm_broken.sync"), ExplicitOptions(stop_at_first=False, max_depth=3))
    lengths = {p.name: p.trace.length for p in r.violated}
    assert lengths == {"SharesBacked": 3, "NoRoundTripDrain": 3}


def test_atomic_settlement_books_the_premium_without_margin():
    last = _states("atomic_settlement_broken.sync")[-1]
    assert last["status"]["settlement"] == "committed" and last["status"]["margin"] == "aborted"
    assert last["booked"]["settlement"] == 1 and last["booked"]["margin"] == 0


def test_atomic_settlement_replayed_commit_books_twice():
    # the duplicated commit credits the seller the premium a second time: money created, not a range error
    r, p = _first_violation("atomic_settlement_broken_replay.sync")
    assert p.trace.steps[-3].action == "duplicate_decisions"
    last = p.trace.steps[-1].state
    assert last["start"]["settlement"] == 1 and last["booked"]["settlement"] == 2
    assert last["available"]["settlement"] == 0 and last["reserved"]["settlement"] == 0
    # exhaustively, commits applied again and again also overflow the account's range, later
    r = check(model_file("atomic_settlement_broken_replay.sync"), ExplicitOptions(stop_at_first=False))
    assert {q.name: q.trace.length for q in r.violated} == {"Conservation": 9, "runtime": 13}


def test_state_channel_stale_state_is_paid():
    for name in ("state_channel_broken.sync", "state_channel_broken_early.sync"):
        states = _states(name)
        latest = states[-1]["signed"][-1]
        assert states[-1]["phase"] == "closed"
        assert states[-1]["paid"] != latest


# ---- the properties are not vacuous ----------------------------------------------------------

def _variant(name, old, new):
    text = (MODELS / name).read_text()
    assert text.count(old) == 1
    return model_of(text.replace(old, new), name=name)


@pytest.mark.parametrize("name, fairness, prop_name", [
    ("options_ledger.sync", "fairness weak Settle", "EveryExpiredSettled"),
    ("atomic_settlement.sync", "fairness weak Prepare, Apply, Collect, Commit, Timeout", "EveryLedgerDecides"),
    ("state_channel.sync", "fairness weak Tick, Challenge, Finalize", "EveryCloseFinalizes"),
])
def test_liveness_needs_its_fairness(name, fairness, prop_name):
    r = check(_variant(name, fairness, ""), ExplicitOptions(stop_at_first=False))
    p = prop(r, prop_name)
    assert p.verdict is Verdict.VIOLATED
    assert p.trace.steps[-1].action == "(stutter)"


def test_state_channel_needs_the_synchrony_assumption():
    # if blocks may pass before the stale close is answered, the period runs out
    m = _variant("state_channel.sync", "  require not must_answer ", "  # ")
    r = check(m, ExplicitOptions())
    # the strengthening invariant StaleAnswered (for k-induction) fails one step before LatestWins
    assert [p.name for p in r.violated] == ["StaleAnswered"]
    r = check(m, ExplicitOptions(invariants=("LatestWins",)))
    assert [p.name for p in r.violated] == ["LatestWins"]
    assert [s.action for s in r.violated[0].trace.steps[1:]] == ["Update", "Close", "Tick", "Tick", "Finalize"]


# ---- regression: replaying a trace of a model with fixed-point constants ---------------------

def test_replay_reads_back_fixed_point_constants(tmp_path, capsys, monkeypatch):
    # ITF records 0.8 as 8 (units of 0.1); replay passed `TRADER_CASH=8` and was rejected (E405)
    monkeypatch.chdir(ROOT)
    model = "models/options_amm_broken.sync"
    assert main(["check", model, "--const", "TRADER_CASH=0.8", "--json", "--out", str(tmp_path)]) == 1
    trace = json.loads(capsys.readouterr().out)["trace"]
    assert main(["replay", trace, model, "--json"]) == 1
    data = json.loads(capsys.readouterr().out)
    assert data["valid"] is True
    assert "SharesBacked" in [v["property"] for v in data["violations"]]


# ---- regression: a run-time error found by bounded model checking ------------------------------

def test_bmc_reports_a_runtime_violation(tmp_path, capsys):
    # the decoder walked one step too many (IndexError: an internal error) for every runtime violation
    model = tmp_path / "overflow.sync"
    model.write_text("model Overflow\nvar supply: 0..3\ninit { supply = 0 }\naction Mint { supply = supply + 1 }\n")
    assert main(["check", str(model), "--engine", "bmc", "--rlimit", "40000000", "--json",
                 "--no-trace-file"]) == 1
    data = json.loads(capsys.readouterr().out)
    assert (data["engine"], data["verdict"], data["property"]) == ("bmc", "violated", "runtime")
    runtime = next(p for p in data["properties"] if p["name"] == "runtime")
    assert "storing into supply: 4 is outside 0..3" in runtime["message"]
