"""fifo_mutex.sync by hand: Lamport's mutex over per-pair FIFO channels (see bench/corpus/naive.py).

A state is (clock, req, ack, network, crit): clock a tuple of ints, req a tuple of tuples,
ack a tuple of frozensets, network[from][to] a tuple of messages (an int c for Req(c),
"ack", "rel"), crit a frozenset. One successor per action instance that completes, as the
engine counts transitions (Idle's successor is the state itself).
"""

from __future__ import annotations

BENCH = ["N=3", "MAX_CLOCK=6"]
SMALL = ["N=2", "MAX_CLOCK=5"]
STATES = {"small": 584, "bench": 636763}


def _sizes(consts):
    return consts.get("N", 3), consts.get("MAX_CLOCK", 3), consts.get("CAP", 3)


def _put(t, i, v):
    return t[:i] + (v,) + t[i + 1:]


def _send(network, p, q, msg, cap):
    chan = network[p][q]
    if len(chan) >= cap:
        raise AssertionError("sequence capacity exceeded")
    return _put(network, p, _put(network[p], q, chan + (msg,)))


def _pop(network, q, p):
    return _put(network, q, _put(network[q], p, network[q][p][1:]))


def initial(consts):
    n, _, _ = _sizes(consts)
    yield ((1,) * n, ((0,) * n,) * n, (frozenset(),) * n, (((),) * n,) * n, frozenset())


def _beats(req, p, q):
    return req[p][q] == 0 or req[p][p] < req[p][q] or (req[p][p] == req[p][q] and p < q)


def successors(state, consts):
    n, max_clock, cap = _sizes(consts)
    clock, req, ack, network, crit = state
    procs = range(n)
    for p in procs:  # Request
        if req[p][p] == 0 and clock[p] < max_clock:
            net = network
            for q in procs:
                if q != p:
                    net = _send(net, p, q, clock[p], cap)
            yield (clock, _put(req, p, _put(req[p], p, clock[p])), _put(ack, p, frozenset({p})), net, crit)
    for p in procs:
        for q in procs:
            if p == q or not network[q][p]:
                continue
            m = network[q][p][0]
            net = _pop(network, q, p)
            if m == "ack":  # ReceiveAck
                yield (clock, req, _put(ack, p, ack[p] | {q}), net, crit)
            elif m == "rel":  # ReceiveRelease
                yield (clock, _put(req, p, _put(req[p], q, 0)), ack, net, crit)
            else:  # ReceiveRequest
                new_clock = _put(clock, p, min(max(m, clock[p]) + 1, max_clock))
                yield (new_clock, _put(req, p, _put(req[p], q, m)), ack, _send(net, p, q, "ack", cap), crit)
    everyone = frozenset(procs)
    for p in procs:  # Enter
        if (p not in crit and req[p][p] != 0 and ack[p] == everyone
                and all(q == p or _beats(req, p, q) for q in procs)):
            yield (clock, req, ack, network, crit | {p})
    for p in procs:  # Exit
        if p in crit:
            net = network
            for q in procs:
                if q != p:
                    net = _send(net, p, q, "rel", cap)
            yield (clock, _put(req, p, _put(req[p], p, 0)), _put(ack, p, frozenset()), net, crit - {p})
    for p in procs:  # Idle
        if clock[p] == max_clock and req[p][p] == 0 and p not in crit:
            yield state


def ok(state, consts):
    n, _, _ = _sizes(consts)
    _, req, _, _, crit = state
    mutex = len(crit) <= 1
    ordered = all(q == p or req[q][p] == 0 or req[q][p] == req[p][p] for p in crit for q in range(n))
    return mutex and ordered
