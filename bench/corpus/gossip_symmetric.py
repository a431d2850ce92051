"""gossip_symmetric.sync by hand: anti-entropy gossip of update sets and version vectors.

Replicas are 0 .. NODES-1 and an update is the pair (origin, number). A state is
(written, known, vv, stable): a tuple of counts, a tuple of frozensets of updates, a tuple
of version vectors (tuples) and a frozenset. No symmetry reduction: the counts are those of
`--no-symmetry`. One successor per action instance whose guards hold, as the explicit engine
counts transitions: Gossip(from, to) for every ordered pair, Stabilize in every state.
"""

from __future__ import annotations

BENCH = ["NODES=5", "UPDATES=1"]
SMALL = ["UPDATES=1"]
STATES = {"small": 214, "bench": 1_812_934}


def sizes(consts) -> tuple[int, int]:
    """The number of replicas and UPDATES."""
    return consts.get("NODES", 3), consts.get("UPDATES", 2)


def initial(consts):
    nodes, _ = sizes(consts)
    yield ((0,) * nodes, (frozenset(),) * nodes, ((0,) * nodes,) * nodes, frozenset())


def put(t: tuple, i: int, v) -> tuple:
    return t[:i] + (v,) + t[i + 1:]


def successors(state, consts):
    nodes, updates = sizes(consts)
    written, known, vv, stable = state
    for n in range(nodes):  # Write(n)
        if written[n] < updates:
            w = written[n] + 1
            yield (put(written, n, w), put(known, n, known[n] | {(n, w)}), put(vv, n, put(vv[n], n, w)), stable)
    for f in range(nodes):  # Gossip(from, to)
        for t in range(nodes):
            if f != t:
                merged = tuple(max(a, b) for a, b in zip(vv[t], vv[f]))
                yield (written, put(known, t, known[t] | known[f]), put(vv, t, merged), stable)
    yield (written, known, vv, frozenset.intersection(*known))  # Stabilize


def ok(state, consts) -> bool:
    nodes, updates = sizes(consts)
    written, known, vv, stable = state
    for n in range(nodes):
        k = known[n]
        if any(i != 1 and (o, i - 1) not in k for o, i in k):
            return False
        if any(((n, i) in k) != (i <= written[n]) for i in range(1, updates + 1)):
            return False
        if any(i > written[o] for o, i in k):
            return False
        if any(vv[n][o] != sum(1 for u in k if u[0] == o) for o in range(nodes)):
            return False
        if not stable <= k:
            return False
    return True
