"""The shipped refinement of the options ledger (issue 15, item 5): models/options_ledger_refines.sync
refines models/abstract/ledger.sync (balances where money only moves), and its broken variant, whose
Buy credits a premium it never debits, is caught by the refinement alone."""

from __future__ import annotations

import shutil
from pathlib import Path

from checker.core.result import Verdict
from checker.engines.explicit.search import ExplicitOptions, check
from cli_helpers import ROOT
from spec.loader import load

MODELS = ROOT / "models"
CORRECT = MODELS / "options_ledger_refines.sync"
BROKEN = MODELS / "options_ledger_refines_broken.sync"


def _prop(result, name):
    return next(p for p in result.properties if p.name == name)


def _balances(state) -> dict:
    return {"cash": dict(state["Ledger.cash"].items), "pool": state["Ledger.pool"]}


def test_the_abstract_ledger_conserves_money_on_its_own():
    r = check(load(MODELS / "abstract" / "ledger.sync"), ExplicitOptions())
    assert r.verdict is Verdict.HOLDS
    assert _prop(r, "Conservation").verdict is Verdict.HOLDS
    assert r.stats.distinct_states == 16   # the ways to split 6 between two users and the pool, up to symmetry


def test_the_options_ledger_refines_the_abstract_ledger():
    r = check(load(CORRECT), ExplicitOptions())
    assert r.verdict is Verdict.HOLDS, [(p.name, p.message) for p in r.violated]
    assert _prop(r, "refines Ledger").verdict is Verdict.HOLDS
    # the ledger of options_ledger.sync, unchanged: the same state space
    assert (r.stats.distinct_states, r.stats.depth) == (5762, 18)


def test_the_unbalanced_premium_is_caught_by_the_refinement():
    r = check(load(BROKEN), ExplicitOptions())
    assert [p.name for p in r.violated] == ["refines Ledger"]
    p = _prop(r, "refines Ledger")
    assert p.message == ("refines Ledger is violated by the last step (Buy): no action of Ledger takes "
                         "{cash: {alice: 2, bob: 3}, pool: 1} to {cash: {alice: 3, bob: 3}, pool: 1}")
    assert p.trace.length == 2
    assert [s.action for s in p.trace.steps] == [None, "Write", "Buy"]
    # the abstract balances beside the ledger's state: the writer's cash rises, no balance falls
    assert [_balances(s.state) for s in p.trace.steps] == [
        {"cash": {"alice": 3, "bob": 3}, "pool": 0},
        {"cash": {"alice": 2, "bob": 3}, "pool": 1},
        {"cash": {"alice": 3, "bob": 3}, "pool": 1},
    ]


# A liquidation that fines the writer for the holder, taking the fine from the writer's free cash when
# the margin is used up: money is conserved (Conservation holds), but the writer and the margin account
# pay in one step, which no transfer of the abstract ledger does.
LIQUIDATE = """  let pay = holder_gets(k, price)
  if pay > 0 { cash[get(slots[k].holder)] = cash[get(slots[k].holder)] + pay }
  cash[writer(k)] = cash[writer(k)] + slots[k].margin - pay
  locked = locked - slots[k].margin
  slots[k] = {writer: none, holder: none, status: liquidated,"""
FINED = """  let pay = holder_gets(k, price)
  let fine = if slots[k].holder is some then 1 else 0
  require cash[writer(k)] + slots[k].margin >= pay + fine
  if slots[k].holder is some { cash[get(slots[k].holder)] = cash[get(slots[k].holder)] + pay + fine }
  cash[writer(k)] = cash[writer(k)] + slots[k].margin - pay - fine
  locked = locked - slots[k].margin
  slots[k] = {writer: none, holder: none, status: liquidated,"""


def test_the_refinement_says_more_than_conservation(tmp_path: Path):
    (tmp_path / "abstract").mkdir()
    shutil.copy(MODELS / "abstract" / "ledger.sync", tmp_path / "abstract" / "ledger.sync")
    text = CORRECT.read_text(encoding="utf-8")
    assert text.count(LIQUIDATE) == 1
    path = tmp_path / "fined.sync"
    path.write_text(text.replace(LIQUIDATE, FINED), encoding="utf-8")
    r = check(load(path), ExplicitOptions(stop_at_first=False))
    assert _prop(r, "Conservation").verdict is Verdict.HOLDS
    p = _prop(r, "refines Ledger")
    assert p.verdict is Verdict.VIOLATED
    assert p.trace.steps[-1].action == "Liquidate"
    before, after = (_balances(s.state) for s in p.trace.steps[-2:])
    assert after["pool"] < before["pool"]
    assert any(after["cash"][u] < before["cash"][u] for u in before["cash"])   # a user pays in a close
