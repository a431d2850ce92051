"""The model library, second edition (issue 16): the failures that cost exchanges money.

Loss waterfall, multi-source oracle, sequencer downtime, portfolio margin,
bridge finality, vault share inflation. For each correct model: every
property holds at the default size, with its distinct state count (symmetry
on, as `syncproof check` runs it), transitions and depth pinned. For each
broken variant: which property fails first, with how long a trace, and the
steps that show the bug. Some checks make sure a property is not vacuous:
the mechanism it relies on is really exercised, or taking it away (a
constant) breaks the property. The symbolic engines are run where they are
fast on these models (several of them, with products and nested quantifiers
over sets, take z3 minutes: see the report of issue 16). The 64-bit vault
fee model is for the symbolic engines only: it is proved, and its broken
variant found, by k-induction and BMC.
"""

from __future__ import annotations

import pytest

from checker.core.result import Verdict
from checker.engines.explicit.search import ExplicitOptions, check
from checker.engines.symbolic import SymbolicOptions
from checker.engines.symbolic import check as symbolic_check
from spec.diagnostics import SpecError
from engine_helpers import MODELS, model_file, prop

RLIMIT = 40_000_000   # z3's resource units per query: verdicts that do not depend on the machine's speed

# model: (distinct states, transitions, depth, properties besides deadlock and runtime)
CORRECT = {
    "loss_waterfall.sync": (96, 689, 5, ["NegativeEquityAccounted", "ClaimsEqualAssets", "LiquidatedAtZero",
                                         "ZeroSum", "MarkToMarket", "UnderMarginLiquidated", "DeficitsCleared"]),
    "oracle_median.sync": (863, 1927, 11, ["NoHealthyLiquidation", "SettlementFair", "PublishedTracksOracle",
                                         "BreakerNeverTrips", "LiquidatedBelowThreshold", "UnderWaterLiquidated",
                                         "Settles"]),
    "sequencer_downtime.sync": (970, 2945, 10, ["UsersCanReact", "LiquidatedOnlyUnderWater", "FrozenWhileDown",
                                                "OneBlockPerTick", "BadDebtLiquidated",
                                                "OracleNotStaleForEver"]),
    "portfolio_margin.sync": (301, 539, 10, ["NoHealthyLiquidation", "PartialWhenPossible", "NoOverLiquidation",
                                           "LiquidationAtTheMark", "UnderMarginLiquidated"]),
    "bridge_finality.sync": (19, 42, 7, ["Backed", "HonestSignFinal", "MintedHasQuorum", "ByzantineF",
                                         "FinalMeansConfirmed", "OneConfirmationPerBlock", "FinalIsFinal",
                                         "EveryFinalMinted", "EveryDepositSettles"]),
    "vault_shares.sync": (1044, 10256, 6, ["NoDilution", "RoundingFavoursVault", "Conservation",
                                           "VictimWithdraws"]),
}

# model: (violated property, trace length, actions of the trace)
BROKEN = {
    "loss_waterfall_broken.sync": ("NegativeEquityAccounted", 2, ["Move", "Liquidate"]),
    "oracle_median_broken_single.sync": ("NoHealthyLiquidation", 3, ["Manipulate", "Update", "Liquidate"]),
    "oracle_median_broken_expiry.sync": ("SettlementFair", 6, ["Tick", "Tick", "Update", "Tick", "Manipulate",
                                                               "Settle"]),
    "sequencer_downtime_broken.sync": ("UsersCanReact", 6, ["Tick", "Crash", "Tick", "Restart", "PushPrice",
                                                            "Liquidate"]),
    "portfolio_margin_broken_legs.sync": ("PartialWhenPossible", 3, ["Move", "Move", "Liquidate"]),
    "portfolio_margin_broken_trigger.sync": ("NoHealthyLiquidation", 2, ["Move", "Liquidate"]),
    "bridge_finality_broken_early.sync": ("Backed", 5, ["Deposit", "Attest", "Reorg", "Attest", "Mint"]),
    "bridge_finality_broken_threshold.sync": ("Backed", 2, ["Attest", "Mint"]),
    "vault_shares_broken.sync": ("NoDilution", 3, ["Deposit", "Donate", "Deposit"]),
}


def _check(name, consts=None):
    return check(model_file(name, consts), ExplicitOptions())


def _first_violation(name, consts=None):
    r = _check(name, consts)
    assert r.verdict is Verdict.VIOLATED
    return r.violated[0]


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
    assert p.trace.length == length
    assert [s.action for s in p.trace.steps[1:]] == actions


def test_every_broken_variant_of_these_models_is_pinned():
    for name in [*CORRECT, "vault_fees_large.sync"]:
        stem = name.removesuffix(".sync")
        found = {p.name for p in MODELS.glob(f"{stem}_broken*.sync")}
        assert found and found == {b for b in [*BROKEN, "vault_fees_large_broken.sync"]
                                   if b.startswith(stem + "_broken")}


@pytest.mark.parametrize("name", sorted(CORRECT) + sorted(BROKEN)
                         + ["vault_fees_large.sync", "vault_fees_large_broken.sync"])
def test_header_says_what_the_properties_mean(name):
    text = (MODELS / name).read_text()
    assert text.startswith("# ")
    if "_broken" in name:
        assert text.startswith("# BROKEN ") and f"models/{name.split('_broken')[0]}.sync" in text
    else:
        assert "Properties, in money terms:" in text and "Compare " in text


# ---- 1. the loss waterfall ------------------------------------------------------------------------

def test_every_layer_of_the_waterfall_is_reached():
    r = _check("loss_waterfall.sync")
    assert r.stats.actions["Liquidate"] > 0 and r.stats.actions["Deleverage"] > 0


def test_a_fund_that_covers_every_gap_never_deleverages():
    r = _check("loss_waterfall.sync", ["FUND0=9"])
    assert r.verdict is Verdict.HOLDS
    assert r.stats.actions.get("Deleverage", 0) == 0


def test_the_written_off_deficit_is_a_hole_in_the_vault():
    p = _first_violation("loss_waterfall_broken.sync")
    last = p.trace.steps[-1].state
    assert (last["bad_debt"], last["by_fund"], last["by_adl"], last["fund"]) == (1, 0, 0, 0)
    assert sum(v for _, v in last["cash"].items) + last["fund"] == 10   # the vault holds 9


# ---- 2. the multi-source oracle -------------------------------------------------------------------

def test_the_median_market_still_liquidates_when_the_market_falls():
    assert _check("oracle_median.sync").stats.actions["Liquidate"] > 0


def test_one_manipulated_print_liquidates_at_the_starting_price():
    last = _first_violation("oracle_median_broken_single.sync").trace.steps[-1].state
    assert last["liquidated"] and last["seized_at"] == 3 and last["feed"]["dex"] == 0


def test_a_narrower_breaker_only_makes_the_attack_wait_for_a_lagging_published_price():
    p = _first_violation("oracle_median_broken_single.sync", ["BREAKER=2"])
    assert p.name == "NoHealthyLiquidation" and p.trace.length == 8
    before = p.trace.steps[5].state
    assert before["market"] == 3 and before["published"] == 2


# ---- 3. sequencer downtime -------------------------------------------------------------------------

def test_without_a_grace_period_the_outage_liquidates():
    p = _first_violation("sequencer_downtime.sync", ["GRACE=0"])
    assert p.name == "UsersCanReact" and p.trace.length == 6


def test_a_sequencer_that_never_fails_needs_no_grace():
    assert _check("sequencer_downtime.sync", ["GRACE=0", "MAX_OUTAGES=0"]).verdict is Verdict.HOLDS


# ---- 4. portfolio margin ---------------------------------------------------------------------------

def test_accounts_are_liquidated():
    assert _check("portfolio_margin.sync").stats.actions["Liquidate"] > 0


def test_the_broken_engine_sells_the_hedge():
    t = _first_violation("portfolio_margin_broken_legs.sync").trace
    first, last = t.steps[0].state, t.steps[-1].state
    assert first["qty"]["CALL2"] == -1 and first["qty"]["CALL4"] == 1 and first["qty"]["PUT4"] == -1
    assert last["qty"]["CALL4"] == 0 and last["qty"]["CALL2"] == -1 and last["mark"] == 1


# ---- 5. bridge finality ----------------------------------------------------------------------------

@pytest.mark.parametrize("k", ["K=1", "K=3"])
def test_a_threshold_outside_f_to_n_minus_f_is_refused(k):
    with pytest.raises(SpecError) as e:
        model_file("bridge_finality.sync", [k])
    assert "E402" in str(e.value)


def test_two_deposits_hold_too():
    r = _check("bridge_finality.sync", ["DEPOSITS=2"])
    assert r.verdict is Verdict.HOLDS and r.stats.distinct_states == 186


@pytest.mark.parametrize("name", ["bridge_finality_broken_early.sync", "bridge_finality_broken_threshold.sync",
                                  "oracle_median_broken_single.sync"])
def test_bmc_finds_the_same_shortest_violation(name):
    want, length, actions = BROKEN[name]
    r = symbolic_check(model_file(name), "bmc", SymbolicOptions(depth=length, rlimit=RLIMIT))
    p = prop(r, want)
    assert p.verdict is Verdict.VIOLATED and p.trace.length == length
    assert [s.action for s in p.trace.steps[1:]] == actions


def test_k_induction_proves_the_bridge_backed():
    r = symbolic_check(model_file("bridge_finality.sync"), "induction", SymbolicOptions(k=1, rlimit=RLIMIT))
    for name in ("Backed", "HonestSignFinal", "MintedHasQuorum", "ByzantineF"):
        p = prop(r, name)
        assert (p.verdict, p.how) == (Verdict.HOLDS, "proved"), name


# ---- 6. vault share inflation ----------------------------------------------------------------------

@pytest.mark.parametrize("consts", [["OFFSET=1"], ["ATTACKER_FUNDS=8"]])
def test_virtual_shares_protect_only_against_donations_small_against_the_offset(consts):
    p = _first_violation("vault_shares.sync", consts)
    assert p.name == "NoDilution"
    assert [s.action for s in p.trace.steps[1:]][-1] == "Deposit"


def test_the_64_bit_fee_rounded_up_is_proved_for_every_opening_balance():
    r = symbolic_check(model_file("vault_fees_large.sync"), "induction", SymbolicOptions(k=1, rlimit=RLIMIT))
    assert r.symbolic_constants and r.verdict is Verdict.HOLDS
    for name in ("Conservation", "RoundingFavoursVault", "Deposits"):
        p = prop(r, name)
        assert (p.verdict, p.how) == (Verdict.HOLDS, "proved"), name


def test_the_64_bit_fee_rounded_down_lets_one_unit_in_for_free():
    r = symbolic_check(model_file("vault_fees_large_broken.sync"), "bmc", SymbolicOptions(depth=2, rlimit=RLIMIT))
    p = prop(r, "RoundingFavoursVault")
    assert p.verdict is Verdict.VIOLATED and p.trace.length == 1
    step = p.trace.steps[1]
    assert step.action == "Deposit" and step.params["a"] == 1 and step.state["fees"] == 0


def test_the_victim_gets_no_share_for_its_deposit():
    last = _first_violation("vault_shares_broken.sync").trace.steps[-1].state
    assert last["shares"]["victim"] == 0 and last["paid_in"] == 4 and last["assets"] == 9
