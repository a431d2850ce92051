"""paxos_commit.sync by hand: single-decree Paxos over a growing message set (see bench/corpus/naive.py).

A state is (acc, votes, msgs): acc a tuple of (max_bal, last) per acceptor, last None or a
(bal, val) pair; votes a tuple per acceptor of a tuple per ballot of None or a value; msgs a
frozenset of tuples ("1a", b), ("1b", a, b, last), ("2a", b, v), ("2b", a, b, v). One
successor per action instance and per message chosen that completes, as the engine counts
transitions (Phase1a of a ballot already started gives the state itself).
"""

from __future__ import annotations

from itertools import combinations

BENCH = ["NA=3", "NB=3", "NV=4"]
SMALL = ["NA=3", "NB=2", "NV=2"]
STATES = {"small": 3921, "bench": 612185}


def _sizes(consts):
    return consts.get("NA", 3), consts.get("NB", 2), consts.get("NV", 2)


def _put(t, i, v):
    return t[:i] + (v,) + t[i + 1:]


def _quorums(na):
    return [frozenset(q) for k in range(na // 2 + 1, na + 1) for q in combinations(range(na), k)]


def initial(consts):
    na, nb, _ = _sizes(consts)
    yield (((-1, None),) * na, ((None,) * nb,) * na, frozenset())


def _safe(msgs, q, b, v):
    reported = [m[3] for m in msgs if m[0] == "1b" and m[1] in q and m[2] == b and m[3] is not None]
    return not reported or any(r[1] == v and all(r[0] >= o[0] for o in reported) for r in reported)


def _proposable(msgs, quorums, b, v):
    if any(m[0] == "2a" and m[1] == b for m in msgs):
        return False
    promised = {m[1] for m in msgs if m[0] == "1b" and m[2] == b}
    return any(q <= promised and _safe(msgs, q, b, v) for q in quorums)


def successors(state, consts):
    na, nb, nv = _sizes(consts)
    acc, votes, msgs = state
    for b in range(nb):  # Phase1a
        yield (acc, votes, msgs | {("1a", b)})
    for a in range(na):  # Phase1b
        max_bal, last = acc[a]
        for m in msgs:
            if m[0] == "1a" and m[1] > max_bal:
                yield (_put(acc, a, (m[1], last)), votes, msgs | {("1b", a, m[1], last)})
    quorums = _quorums(na)
    for b in range(nb):  # Phase2a
        for v in range(nv):
            if _proposable(msgs, quorums, b, v):
                yield (acc, votes, msgs | {("2a", b, v)})
    for a in range(na):  # Phase2b
        for m in msgs:
            if m[0] == "2a" and m[1] >= acc[a][0]:
                _, b, v = m
                yield (_put(acc, a, (b, (b, v))), _put(votes, a, _put(votes[a], b, v)), msgs | {("2b", a, b, v)})


def ok(state, consts):
    na, nb, nv = _sizes(consts)
    acc, votes, msgs = state
    chosen = {v for v in range(nv) for b in range(nb)
              if any(all(("2b", a, b, v) in msgs for a in q) for q in _quorums(na))}
    votes_sent = all((votes[a][b] == v) == (("2b", a, b, v) in msgs)
                     for a in range(na) for b in range(nb) for v in range(nv))
    last_highest = all(_last_ok(acc[a], votes[a], nb) for a in range(na))
    return len(chosen) <= 1 and votes_sent and last_highest


def _last_ok(acc_a, votes_a, nb):
    max_bal, last = acc_a
    if last is None:
        return all(x is None for x in votes_a)
    bal, val = last
    return votes_a[bal] == val and bal <= max_bal and all(votes_a[b] is None for b in range(bal + 1, nb))
