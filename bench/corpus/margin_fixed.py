"""margin_fixed.sync by hand: a perpetual-futures margin ledger over fixed(2) amounts.

Amounts are integers in cents (fixed(2)); `mul(a, b, up)` of two cent amounts is
ceil(a * b / 100) cents (every operand it sees is non-negative). A state is
(price, ticks, funding_due, cash, pos, deposited, house, house_pos), with cash, pos
and deposited tuples over the users (alice, bob). One successor per action instance
whose guards hold, as the explicit engine counts transitions (Idle, a stutter, included).
"""

from __future__ import annotations

BENCH = ["TICKS=5"]
SMALL = ["TICKS=1"]
STATES = {"small": 1_026, "bench": 788_384}

USERS = 2
MAX_POS = 2
MAX_DEPOSIT = 2
STEP = 50
LOW, HIGH = 100, 300
FEE_RATE = 10
FUNDING_RATE = 2
MAINTENANCE = 10
INITIAL = 25


def mul_up(a: int, b: int) -> int:
    """mul(a, b, up) of two fixed(2) amounts in cents, a and b not negative."""
    return -(-a * b // 100)


MAX_FUNDING = mul_up(HIGH, FUNDING_RATE)


def ticks_of(consts) -> int:
    return consts.get("TICKS", 3)


def initial(consts):
    zeros = (0,) * USERS
    yield (200, 0, False, zeros, zeros, zeros, 0, 0)


def requirement(price: int, p: int, rate: int) -> int:
    return mul_up(price * abs(p), rate)


def liquidatable(price: int, c: int, p: int) -> bool:
    return p != 0 and c < requirement(price, p, MAINTENANCE)


def put(t: tuple, i: int, v) -> tuple:
    return t[:i] + (v,) + t[i + 1:]


def successors(state, consts):
    price, ticks, due, cash, pos, dep, house, hpos = state
    # Deposit(u, amount)
    for u in range(USERS):
        for amount in (1, 2):
            if dep[u] + amount <= MAX_DEPOSIT:
                yield (price, ticks, due, put(cash, u, cash[u] + 100 * amount), pos,
                       put(dep, u, dep[u] + amount), house, hpos)
    # Trade(buyer, seller, qty)
    for b in range(USERS):
        for s in range(USERS):
            for qty in range(1, MAX_POS + 1):
                if b == s or pos[b] + qty > MAX_POS or pos[s] - qty < -MAX_POS:
                    continue
                fee = mul_up(price * qty, FEE_RATE)
                p = put(put(pos, b, pos[b] + qty), s, pos[s] - qty)
                if cash[b] - fee < requirement(price, p[b], INITIAL):
                    continue
                if cash[s] - fee < requirement(price, p[s], INITIAL):
                    continue
                c = put(put(cash, b, cash[b] - fee), s, cash[s] - fee)
                yield (price, ticks, due, c, p, dep, house + 2 * fee, hpos)
    # Tick(up)
    if ticks < ticks_of(consts) and not due and not any(
            liquidatable(price, cash[u], pos[u]) for u in range(USERS)):
        for up in (False, True):
            nxt = price + STEP if up else price - STEP
            if LOW <= nxt <= HIGH:
                d = nxt - price
                c = tuple(cash[u] + d * pos[u] for u in range(USERS))
                yield (nxt, ticks + 1, True, c, pos, dep, house + d * hpos, hpos)
    # Funding
    if due:
        rate = mul_up(price, FUNDING_RATE)
        c = tuple(cash[u] - rate * pos[u] for u in range(USERS))
        yield (price, ticks, False, c, pos, dep, house - rate * hpos, hpos)
    # Liquidate(u)
    for u in range(USERS):
        if liquidatable(price, cash[u], pos[u]):
            yield (price, ticks, due, put(cash, u, 0), put(pos, u, 0), dep, house + cash[u], hpos + pos[u])
    # Idle
    if ticks == ticks_of(consts) and not due:
        yield state


def ok(state, consts) -> bool:
    price, ticks, due, cash, pos, dep, house, hpos = state
    return (sum(cash) + house == 100 * sum(dep)
            and sum(pos) + hpos == 0
            and all(cash[u] + (STEP + MAX_FUNDING) * abs(pos[u]) >= 0 for u in range(USERS))
            and LOW <= price <= HIGH)
