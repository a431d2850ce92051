"""bridge_union.sync by hand: a lock-mint-burn-release bridge whose messages are one union type.

A message is a tuple whose first element is its variant: ("Mint", nonce, to, amount),
("Release", ...), ("Refund", ...), ("Pause",), ("Unpause",). A state is
(l1, escrow, l2, supply, paused, next, msgs, done_l1, done_l2, minted): balances as tuples
over the users, the message set and the nonce sets as frozensets. One successor per action
instance whose guards hold, as the explicit engine counts transitions: Deliver has one per
posted message (a replay is a transition back to the same state), Guard two in every state.
"""

from __future__ import annotations

BENCH = ["NONCES=5"]
SMALL = ["NONCES=2"]
STATES = {"small": 1_496, "bench": 1_021_596}

PAUSE, UNPAUSE = ("Pause",), ("Unpause",)


def sizes(consts) -> tuple[int, int, int]:
    """The number of users, FUNDS and NONCES."""
    return consts.get("USERS", 2), consts.get("FUNDS", 2), consts.get("NONCES", 3)


def initial(consts):
    users, funds, _ = sizes(consts)
    empty = frozenset()
    yield ((funds,) * users, 0, (0,) * users, 0, False, 0, empty, empty, empty, empty)


def put(t: tuple, i: int, v: int) -> tuple:
    return t[:i] + (v,) + t[i + 1:]


def pending(m: tuple, done_l1: frozenset, done_l2: frozenset) -> bool:
    if m[0] == "Mint":
        return m[1] not in done_l2
    if m[0] in ("Release", "Refund"):
        return m[1] not in done_l1
    return False


def successors(state, consts):
    users, funds, nonces = sizes(consts)
    l1, escrow, l2, supply, paused, nxt, msgs, done_l1, done_l2, minted = state
    for u in range(users):  # Lock(u, amount)
        for a in range(1, funds + 1):
            if nxt < nonces and l1[u] >= a:
                yield (put(l1, u, l1[u] - a), escrow + a, l2, supply, paused, nxt + 1,
                       msgs | {("Mint", nxt, u, a)}, done_l1, done_l2, minted)
    for u in range(users):  # Burn(u, amount)
        for a in range(1, funds + 1):
            if nxt < nonces and l2[u] >= a:
                yield (l1, escrow, put(l2, u, l2[u] - a), supply - a, paused, nxt + 1,
                       msgs | {("Release", nxt, u, a)}, done_l1, done_l2, minted)
    for f in range(users):  # Transfer(from, to, amount)
        for t in range(users):
            for a in range(1, funds + 1):
                if f != t and l2[f] >= a:
                    yield (l1, escrow, put(put(l2, f, l2[f] - a), t, l2[t] + a), supply, paused, nxt,
                           msgs, done_l1, done_l2, minted)
    for m in (UNPAUSE, PAUSE):  # Guard(pause)
        yield (l1, escrow, l2, supply, paused, nxt, msgs | {m}, done_l1, done_l2, minted)
    for m in msgs:  # Deliver: choose m in msgs
        yield deliver(state, m)


def deliver(state, m):
    l1, escrow, l2, supply, paused, nxt, msgs, done_l1, done_l2, minted = state
    if m == PAUSE:
        return (l1, escrow, l2, supply, True, nxt, msgs, done_l1, done_l2, minted)
    if m == UNPAUSE:
        return (l1, escrow, l2, supply, False, nxt, msgs, done_l1, done_l2, minted)
    if not pending(m, done_l1, done_l2):
        return state
    kind, n, to, a = m
    if kind == "Mint":
        if paused:
            return (l1, escrow, l2, supply, paused, nxt, msgs | {("Refund", n, to, a)}, done_l1,
                    done_l2 | {n}, minted)
        return (l1, escrow, put(l2, to, l2[to] + a), supply + a, paused, nxt, msgs, done_l1,
                done_l2 | {n}, minted | {n})
    return (put(l1, to, l1[to] + a), escrow - a, l2, supply, paused, nxt, msgs, done_l1 | {n},
            done_l2, minted)


def ok(state, consts) -> bool:
    users, funds, _ = sizes(consts)
    l1, escrow, l2, supply, paused, nxt, msgs, done_l1, done_l2, minted = state
    if sum(l1) + escrow != funds * users or sum(l2) != supply:
        return False
    if escrow != supply + sum(m[3] for m in msgs if pending(m, done_l1, done_l2)):
        return False
    if any(m[0] == "Refund" and (m[1] not in done_l2 or m[1] in minted) for m in msgs):
        return False
    numbered = [m for m in msgs if len(m) == 4]
    return all(a == b or a[1] != b[1] or {a[0], b[0]} == {"Mint", "Refund"}
               for a in numbered for b in numbered)
