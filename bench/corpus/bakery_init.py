"""bakery_init.sync by hand: the bakery algorithm from every state of its invariant (see bench/corpus/naive.py).

A state is (pc, num, flag, unchecked, mx, nxt, served): tuples per process (pc as an int,
unchecked as frozensets) and served a frozenset. The initial states are every product of
per-process choices that `init` allows, filtered by `ordered`, as the model's `init` does.
One successor per action instance and per choice that completes, as the engine counts
transitions.
"""

from __future__ import annotations

from itertools import combinations, product

BENCH = ["MAXN=8", "INIT_MAX=5"]
SMALL = ["N=2", "MAXN=4"]
STATES = {"small": 640, "bench": 721794}

NCS, E1, E2, W1, W2, CS = range(6)


def _sizes(consts):
    return consts.get("N", 3), consts.get("MAXN", 4), consts.get("INIT_MAX", 2)


def _put(t, i, v):
    return t[:i] + (v,) + t[i + 1:]


def _doorway(c):
    return c in (E1, E2)


def _waiting(c):
    return c in (W1, W2, CS)


def _local_choices(p, n, init_max):
    """(pc, flag, num, unchecked, mx, nxt) of p that init's chooses and requires allow."""
    subsets = [frozenset(s) for k in range(n + 1) for s in combinations(range(n), k)]
    others = frozenset(range(n)) - {p}
    for c in range(6):
        f = _doorway(c)
        for k in range(init_max + 1):
            if (k > 0) != _waiting(c):
                continue
            for u in subsets:
                if not _unchecked_ok(c, u, others):
                    continue
                for m in range(init_max + 1):
                    if m != 0 and not _doorway(c):
                        continue
                    for x in range(n):
                        if (x in u) if c == W2 else x == 0:
                            yield c, f, k, u, m, x


def _unchecked_ok(c, u, others):
    return (u != frozenset() and u <= others) if c in (E1, W1, W2) else u == frozenset()


def initial(consts):
    n, _, init_max = _sizes(consts)
    for combo in product(*[list(_local_choices(p, n, init_max)) for p in range(n)]):
        state = tuple(tuple(local[j] for local in combo) for j in (0, 2, 1, 3, 4, 5)) + (frozenset(),)
        if _ordered(state, n):
            yield state


def _before(num, p, q):
    return num[p] < num[q] or (num[p] == num[q] and p < q)


def _door_after(state, q, p):
    pc, num, _, unchecked, mx, _, _ = state
    return (pc[q] == E1 and (p in unchecked[q] or mx[q] >= num[p])) or (pc[q] == E2 and mx[q] >= num[p])


def _after(state, q, p):
    pc, num = state[0], state[1]
    return pc[q] == NCS or _door_after(state, q, p) or (_waiting(pc[q]) and _before(num, p, q))


def _passed(state, p, q):
    pc, unchecked = state[0], state[3]
    return q != p and (pc[p] == CS or (pc[p] in (W1, W2) and q not in unchecked[p]))


def _ordered(state, n):
    pc, nxt = state[0], state[5]
    return all((not _passed(state, p, q) or _after(state, q, p))
               and (not (pc[p] == W2 and nxt[p] == q and _doorway(pc[q])) or _door_after(state, q, p))
               for p in range(n) for q in range(n))


def _local_ok(state, p, n):
    pc, num, flag, unchecked, mx, nxt, _ = state
    c, u = pc[p], unchecked[p]
    others = frozenset(range(n)) - {p}
    return (flag[p] == _doorway(c) and (num[p] > 0) == _waiting(c) and (mx[p] == 0 or _doorway(c))
            and _unchecked_ok(c, u, others)
            and ((nxt[p] in u) if c == W2 else nxt[p] == 0))


def successors(state, consts):
    n, maxn, _ = _sizes(consts)
    pc, num, flag, unchecked, mx, nxt, served = state
    everyone = frozenset(range(n))
    for p in range(n):
        c = pc[p]
        if c == NCS:  # Start
            yield (_put(pc, p, E1), num, _put(flag, p, True), _put(unchecked, p, everyone - {p}), mx, nxt, served)
        elif c == E1:  # Read
            for q in unchecked[p]:
                u = unchecked[p] - {q}
                yield (_put(pc, p, E2 if not u else E1), num, flag, _put(unchecked, p, u),
                       _put(mx, p, max(mx[p], num[q])), nxt, served)
        elif c == E2:  # Take
            if mx[p] < maxn:
                yield (_put(pc, p, W1), _put(num, p, mx[p] + 1), _put(flag, p, False),
                       _put(unchecked, p, everyone - {p}), _put(mx, p, 0), nxt, served)
            else:
                yield (_put(pc, p, NCS), num, _put(flag, p, False), unchecked, _put(mx, p, 0), nxt, served)
        elif c == W1:  # WaitFlag
            for q in unchecked[p]:
                if not flag[q]:
                    yield (_put(pc, p, W2), num, flag, unchecked, mx, _put(nxt, p, q), served)
        elif c == W2:  # WaitTicket
            q = nxt[p]
            if num[q] == 0 or _before(num, p, q):
                u = unchecked[p] - {q}
                yield (_put(pc, p, CS if not u else W1), num, flag, _put(unchecked, p, u), mx, _put(nxt, p, 0),
                       served)
        else:  # Exit
            yield (_put(pc, p, NCS), _put(num, p, 0), flag, unchecked, mx, nxt, served | {p})


def ok(state, consts):
    n, _, _ = _sizes(consts)
    pc = state[0]
    mutex = sum(1 for c in pc if c == CS) <= 1
    return mutex and all(_local_ok(state, p, n) for p in range(n)) and _ordered(state, n)
