"""nested_ledger.sync by hand: a clearing house of nested accounts (see bench/corpus/naive.py).

A state is (accounts, volume): accounts a tuple per member of (cash, positions), positions a
tuple per instrument of (qty, open), open a frozenset of orders (side, px) with side 0 for
buy and 1 for sell. One successor per action instance and per choice that completes, as
the engine counts transitions.
"""

from __future__ import annotations

BENCH = ["NU=2", "NI=2", "NP=2", "MAX_QTY=2"]
SMALL = ["NU=2", "NI=1", "NP=2"]
STATES = {"small": 512, "bench": 1077248}

BUY, SELL = 0, 1


def _sizes(consts):
    return (consts.get("NU", 2), consts.get("NI", 2), consts.get("NP", 2), consts.get("CASH", 2),
            consts.get("MAX_QTY", 1), consts.get("MAX_OPEN", 2))


def _put(t, i, v):
    return t[:i] + (v,) + t[i + 1:]


def _crosses(o, p):
    if o[0] == p[0]:
        return False
    return o[1] >= p[1] if o[0] == BUY else o[1] <= p[1]


def initial(consts):
    nu, ni, _, cash, _, _ = _sizes(consts)
    yield (((cash, ((0, frozenset()),) * ni),) * nu, 0)


def _with_position(accounts, u, i, qty, open_, dcash=0):
    cash, positions = accounts[u]
    return _put(accounts, u, (cash + dcash, _put(positions, i, (qty, open_))))


def successors(state, consts):
    nu, ni, np_, _, max_qty, max_open = _sizes(consts)
    accounts, volume = state
    orders = [(side, px) for side in (BUY, SELL) for px in range(1, np_ + 1)]
    for u in range(nu):  # Place
        for i in range(ni):
            qty, open_ = accounts[u][1][i]
            for o in orders:
                if o not in open_ and len(open_) < max_open and not any(_crosses(o, p) for p in open_):
                    yield (_with_position(accounts, u, i, qty, open_ | {o}), volume)
    for u in range(nu):  # Cancel
        for i in range(ni):
            qty, open_ = accounts[u][1][i]
            for o in open_:
                yield (_with_position(accounts, u, i, qty, open_ - {o}), volume)
    for i in range(ni):  # Match
        for b in range(nu):
            for s in range(nu):
                if b == s:
                    continue
                b_qty, b_open = accounts[b][1][i]
                s_qty, s_open = accounts[s][1][i]
                for bid in b_open:
                    if bid[0] != BUY:
                        continue
                    for ask in s_open:
                        if (ask[0] == SELL and bid[1] >= ask[1] and accounts[b][0] >= ask[1]
                                and volume < nu * max_qty * ni and b_qty < max_qty and s_qty > -max_qty):
                            after = _with_position(accounts, b, i, b_qty + 1, b_open - {bid}, -ask[1])
                            after = _with_position(after, s, i, s_qty - 1, s_open - {ask}, ask[1])
                            yield (after, volume + 1)


def ok(state, consts):
    nu, ni, _, cash, _, max_open = _sizes(consts)
    accounts, _ = state
    conserved = sum(a[0] for a in accounts) == nu * cash
    net = all(sum(a[1][i][0] for a in accounts) == 0 for i in range(ni))
    no_cross = all(not _crosses(o, p) for a in accounts for _, open_ in a[1] for o in open_ for p in open_)
    bounded = all(len(open_) <= max_open for a in accounts for _, open_ in a[1])
    return conserved and net and no_cross and bounded
