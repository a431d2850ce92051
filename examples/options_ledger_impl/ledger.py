"""A margined, cash-settled options ledger.

Plain Python, the way a team would write the service behind an exchange's
options book: accounts with cash, option slots written against posted
margin, a mark price from an oracle with a maximum move per update, margin
calls, top-ups, releases of excess margin, liquidation, American exercise,
expiry and cash settlement. Every refused request raises `LedgerError` and
changes nothing.

Nothing here knows about syncproof; `adapter.py` connects it to the model.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass


class LedgerError(Exception):
    """A request the ledger refuses; the ledger is unchanged."""


class Status(enum.Enum):
    UNUSED = "unused"
    WRITTEN = "written"
    BOUGHT = "bought"
    EXERCISED = "exercised"
    LIQUIDATED = "liquidated"
    SETTLED = "settled"


LIVE = (Status.WRITTEN, Status.BOUGHT)


@dataclass
class Option:
    writer: str | None = None
    holder: str | None = None
    status: Status = Status.UNUSED
    margin: int = 0
    margin_call: bool = False


@dataclass(frozen=True)
class Terms:
    """The contract: one call option series."""

    strike: int
    premium: int
    max_price: int
    max_move: int        # the oracle moves the mark at most this much per update
    buffer: int          # margin above the intrinsic value


class OptionsLedger:
    def __init__(self, users, slots: int, initial_cash: int, terms: Terms):
        self.terms = terms
        self.cash = {user: initial_cash for user in users}
        self.locked = 0                  # the margin account: every option's margin
        self.options = [Option() for _ in range(slots)]
        self.price = terms.strike
        self.settlement_price: int | None = None

    # ---- pricing -------------------------------------------------------------------------

    @property
    def expired(self) -> bool:
        return self.settlement_price is not None

    def intrinsic(self, price: int) -> int:
        return max(price - self.terms.strike, 0)

    def requirement(self, price: int) -> int:
        """Margin an option must hold: what it pays now plus a buffer for one oracle move."""
        return self.intrinsic(price) + self.terms.buffer

    # ---- checks ----------------------------------------------------------------------------

    def _trading(self) -> None:
        if self.expired:
            raise LedgerError("the series has expired")

    def _option(self, slot: int) -> Option:
        if not 0 <= slot < len(self.options):
            raise LedgerError(f"no option slot {slot}")
        return self.options[slot]

    def _live(self, slot: int) -> Option:
        opt = self._option(slot)
        if opt.status not in LIVE:
            raise LedgerError(f"option {slot} is {opt.status.value}")
        return opt

    def _debit(self, user: str, amount: int) -> None:
        if self.cash[user] < amount:
            raise LedgerError(f"{user} has {self.cash[user]}, needs {amount}")
        self.cash[user] -= amount

    # ---- trading ---------------------------------------------------------------------------

    def write(self, writer: str, slot: int) -> None:
        self._trading()
        opt = self._option(slot)
        if opt.status is not Status.UNUSED:
            raise LedgerError(f"option {slot} is taken")
        margin = self.requirement(self.price)
        self._debit(writer, margin)
        self.locked += margin
        self.options[slot] = Option(writer=writer, status=Status.WRITTEN, margin=margin)

    def buy(self, buyer: str, slot: int) -> None:
        self._trading()
        opt = self._option(slot)
        if opt.status is not Status.WRITTEN:
            raise LedgerError(f"option {slot} is not for sale")
        if buyer == opt.writer:
            raise LedgerError("a writer cannot buy their own option")
        self._debit(buyer, self.terms.premium)
        self.cash[opt.writer] += self.terms.premium
        opt.holder = buyer
        opt.status = Status.BOUGHT

    def transfer(self, slot: int, to: str) -> None:
        self._trading()
        opt = self._option(slot)
        if opt.status is not Status.BOUGHT:
            raise LedgerError(f"option {slot} has no holder")
        if opt.holder == to:
            raise LedgerError(f"{to} already holds option {slot}")
        opt.holder = to

    # ---- the oracle and the margin engine --------------------------------------------------------

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
            return  # expired options are settled at the settlement price, not marked
        for opt in self.options:
            if opt.status in LIVE and opt.margin < self.requirement(price):
                opt.margin_call = True

    def top_up(self, slot: int) -> None:
        self._trading()
        opt = self._live(slot)
        if not opt.margin_call:
            raise LedgerError(f"option {slot} has no margin call")
        shortfall = self.requirement(self.price) - opt.margin
        self._debit(opt.writer, shortfall)
        self.locked += shortfall
        opt.margin += shortfall
        opt.margin_call = False

    def release(self, slot: int) -> None:
        self._trading()
        opt = self._live(slot)
        excess = opt.margin - self.requirement(self.price)
        if excess <= 0:
            raise LedgerError(f"option {slot} has no excess margin")
        opt.margin -= excess
        self.locked -= excess
        self.cash[opt.writer] += excess

    def liquidate(self, slot: int) -> None:
        self._trading()
        opt = self._live(slot)
        if not opt.margin_call:
            raise LedgerError(f"option {slot} has no margin call")
        self._close(opt, self.price, Status.LIQUIDATED)

    # ---- exercise, expiry, settlement ------------------------------------------------------------

    def exercise(self, slot: int) -> None:
        self._trading()
        opt = self._option(slot)
        if opt.status is not Status.BOUGHT:
            raise LedgerError(f"option {slot} has no holder")
        if self.intrinsic(self.price) == 0:
            raise LedgerError(f"option {slot} is out of the money")
        self._close(opt, self.price, Status.EXERCISED)

    def expire(self) -> None:
        self._trading()
        self.settlement_price = self.price

    def settle(self, slot: int) -> None:
        if not self.expired:
            raise LedgerError("the series has not expired")
        opt = self._live(slot)
        self._close(opt, self.settlement_price, Status.SETTLED)

    def _close(self, opt: Option, price: int, status: Status) -> None:
        """Pay the holder what the option is worth at `price`, the writer the rest of the margin;
        a closed option has no parties left."""
        pay = self.intrinsic(price) if opt.holder is not None else 0
        if opt.holder is not None:
            self.cash[opt.holder] += pay
        self.cash[opt.writer] += opt.margin - pay
        self.locked -= opt.margin
        opt.writer = opt.holder = None
        opt.margin = 0
        opt.margin_call = False
        opt.status = status
