"""sequencer_log.sync by hand: a rollup sequencer's queue, batch log and replicas, over tuples.

A state is (submitted, pending, log, batch_ends, finalized, views, digests): a frozenset of
transactions, three tuples for the sequences, an int, a tuple of the replicas' views (tuples)
and a tuple of their digests. One successor per action instance whose guards hold, as the
explicit engine counts transitions (Idle, a stutter, included).
"""

from __future__ import annotations

BENCH = ["TXS=5", "BATCH=5"]
SMALL = ["TXS=3"]
STATES = {"small": 1_636, "bench": 519_406}


def sizes(consts) -> tuple[int, int, int]:
    """TXS, BATCH and the number of replicas."""
    return consts.get("TXS", 3), consts.get("BATCH", 2), consts.get("REPLICAS", 2)


def weight(i: int, t: int, txs: int) -> int:
    return (i + 1) * t % (txs + 1)


def initial(consts):
    _, _, replicas = sizes(consts)
    yield (frozenset(), (), (), (), 0, ((),) * replicas, (0,) * replicas)


def successors(state, consts):
    txs, batch, replicas = sizes(consts)
    submitted, pending, log, ends, finalized, views, digests = state
    for t in range(txs):  # Submit(t)
        if t not in submitted:
            yield (submitted | {t}, pending + (t,), log, ends, finalized, views, digests)
    for k in range(1, batch + 1):  # Sequence(k)
        if len(pending) >= k:
            new_log = log + pending[:k]
            yield (submitted, pending[k:], new_log, ends + (len(new_log),), finalized, views, digests)
    for b in range(txs):  # Post(b)
        if b < len(ends) and ends[b] > finalized:
            yield (submitted, pending, log, ends, ends[b], views, digests)
    for r in range(replicas):  # Apply(r)
        i = len(views[r])
        if i < len(log):
            v = views[:r] + (views[r] + (log[i],),) + views[r + 1:]
            d = digests[:r] + (digests[r] + weight(i, log[i], txs),) + digests[r + 1:]
            yield (submitted, pending, log, ends, finalized, v, d)
    if (len(submitted) == txs and not pending and finalized == len(log)
            and all(len(v) == len(log) for v in views)):  # Idle
        yield state


def ok(state, consts) -> bool:
    txs, _, _ = sizes(consts)
    submitted, pending, log, ends, finalized, views, digests = state
    prefixes = all(len(v) <= len(log) and v == log[:len(v)]
                   and d == sum(weight(i, t, txs) for i, t in enumerate(v)) for v, d in zip(views, digests))
    no_dups = len(set(log)) == len(log) and len(set(pending)) == len(pending) and not set(log) & set(pending)
    accounted = len(log) + len(pending) == len(submitted) and submitted == set(log) | set(pending)
    batches = all(a < b for a, b in zip(ends, ends[1:])) and (ends[-1] == len(log) if ends else not log)
    return prefixes and no_dups and accounted and batches and (finalized == 0 or finalized in ends)
