"""Variants of the ledger with bugs of the kind that reach production.

Each overrides one method of `OptionsLedger`; the docstring says what is
wrong, and `tests/test_conform_example.py` shows what syncproof reports.
"""

from __future__ import annotations

from .ledger import LIVE, LedgerError, OptionsLedger, Status


class ExerciseAfterExpiry(OptionsLedger):
    """A missing guard: exercise checks that the option is bought and in the money, but not that
    the series is still trading. After expiry a holder can exercise at the live oracle price
    instead of being settled at the frozen settlement price."""

    def exercise(self, slot: int) -> None:
        opt = self._option(slot)
        if opt.status is not Status.BOUGHT:
            raise LedgerError(f"option {slot} has no holder")
        if self.intrinsic(self.price) == 0:
            raise LedgerError(f"option {slot} is out of the money")
        self._close(opt, self.price, Status.EXERCISED)


class EagerMarginCall(OptionsLedger):
    """An off-by-one: the margin engine calls an option whose margin is exactly at its
    requirement (`<=` where the rule is "below the requirement"). Writers get calls they do
    not owe, and the next mark is blocked until they answer."""

    def update_price(self, price: int) -> None:
        if not 0 <= price <= self.terms.max_price:
            raise LedgerError(f"price {price} is out of range")
        if price == self.price:
            raise LedgerError("the price did not change")
        if abs(price - self.price) > self.terms.max_move:
            raise LedgerError(f"the price moved more than {self.terms.max_move}")
        if not self.expired and any(opt.margin_call for opt in self.options):
            raise LedgerError("open margin calls must be resolved before the next mark")
        self.price = price
        if self.expired:
            return
        for opt in self.options:
            if opt.status in LIVE and opt.margin <= self.requirement(price):
                opt.margin_call = True


class PositionsIndex(OptionsLedger):
    """State that depends on set iteration order. The ledger keeps an index of the options each
    account holds, for the account view, and answers "who holds option k?" by scanning the
    accounts. A transfer adds the option to the new holder's positions but forgets to remove it
    from the old holder's, so two accounts hold it, and the scan over a `set` of account names
    returns whichever comes first: that depends on the interpreter's string hash seed
    (PYTHONHASHSEED), so the bug shows on some machines and runs and not on others."""

    def __init__(self, users, slots, initial_cash, terms):
        super().__init__(users, slots, initial_cash, terms)
        self.accounts = set(self.cash)
        self.positions = {user: set() for user in self.cash}

    def holder_of(self, slot: int) -> str | None:
        for user in self.accounts:
            if slot in self.positions[user]:
                return user
        return None

    def buy(self, buyer: str, slot: int) -> None:
        super().buy(buyer, slot)
        self.positions[buyer].add(slot)

    def transfer(self, slot: int, to: str) -> None:
        super().transfer(slot, to)
        self.positions[to].add(slot)          # BUG: the old holder keeps the position too
        self.options[slot].holder = self.holder_of(slot)
