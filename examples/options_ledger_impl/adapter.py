"""Adapters: models/options_ledger.sync drives the ledger of `ledger.py` (and its buggy variants).

Run from the repository root:

    syncproof conform models/options_ledger.sync --impl examples.options_ledger_impl.adapter:LedgerAdapter
    syncproof conform models/options_ledger.sync --impl examples.options_ledger_impl.adapter:EagerMarginCallAdapter
    syncproof conform models/options_ledger.sync --determinism \\
        --impl examples.options_ledger_impl.adapter:PositionsIndexAdapter

Each model action is one method that calls the ledger; `observe` reports the
ledger's state in the model's terms. The ghost fields of the model's option
slots (`closed_in`, `closes`) have no counterpart in the ledger and are left
out of the observation: the model tracks them alone.
"""

from __future__ import annotations

from checker.conform.adapter import Adapter

from .buggy import EagerMarginCall, ExerciseAfterExpiry, PositionsIndex
from .ledger import LedgerError, OptionsLedger, Terms


class LedgerAdapter(Adapter):
    model = "models/options_ledger.sync"
    rejects = (LedgerError,)          # the ledger refuses a request by raising LedgerError
    ledger_class = OptionsLedger

    def setup(self, constants):
        terms = Terms(strike=constants["STRIKE"], premium=constants["PREMIUM"], max_price=constants["MAX_PRICE"],
                      max_move=constants["MAX_MOVE"], buffer=constants["BUFFER"])
        self.ledger = self.ledger_class(users=constants["USERS"], slots=constants["SLOTS"],
                                        initial_cash=constants["INITIAL_CASH"], terms=terms)

    # one method per model action; parameters arrive by the model's names
    def Write(self, u, k):
        self.ledger.write(u, k)

    def Buy(self, u, k):
        self.ledger.buy(u, k)

    def Transfer(self, k, to):
        self.ledger.transfer(k, to)

    def UpdatePrice(self, p):
        self.ledger.update_price(p)

    def TopUp(self, k):
        self.ledger.top_up(k)

    def Release(self, k):
        self.ledger.release(k)

    def Liquidate(self, k):
        self.ledger.liquidate(k)

    def Exercise(self, k):
        self.ledger.exercise(k)

    def Expire(self):
        self.ledger.expire()

    def Settle(self, k):
        self.ledger.settle(k)

    def observe(self):
        ledger = self.ledger
        obs = {
            "cash": dict(ledger.cash),
            "locked": ledger.locked,
            "slots": {k: {"writer": opt.writer, "holder": opt.holder, "status": opt.status.value,
                          "margin": opt.margin, "called": opt.margin_call}
                      for k, opt in enumerate(ledger.options)},
            "price": ledger.price,
            "phase": "expired" if ledger.expired else "trading",
        }
        if ledger.expired:  # the ledger has no settlement price before expiry
            obs["settle_price"] = ledger.settlement_price
        return obs


class ExerciseAfterExpiryAdapter(LedgerAdapter):
    ledger_class = ExerciseAfterExpiry


class EagerMarginCallAdapter(LedgerAdapter):
    ledger_class = EagerMarginCall


class PositionsIndexAdapter(LedgerAdapter):
    ledger_class = PositionsIndex
