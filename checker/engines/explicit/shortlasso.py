"""Shortest fair lassos on the explicit state graph.

A lasso is a stem from an initial state to an entry state and a cycle from the entry back to it;
its length is the number of steps of both (a cycle that only stutters counts one), as in the BMC
engine's lassos (checker/engines/symbolic/lasso.py), which are shortest by construction. The
search here finds a lasso of the least length among all the fair lassos that violate the property:

  - the stem is a shortest path, in the states the property allows, to the entry;
  - the cycle is a shortest closed walk through the entry, inside the entry's fair core, that
    meets every fairness condition and the property's goal: a breadth-first search of the product
    of the graph with the set of obligations met so far (weak: taken, or disabled in a state of the
    cycle; strong: taken, or never enabled on the cycle; "a state where ... on the cycle");
  - entries are tried in the order of their stem's length, and the search stops when no entry
    further can give a shorter lasso.

Every fair cycle lies inside one fair core (the cores are unions of strongly connected components
that admit one), so searching inside the core loses nothing. The product can be exponential in
the number of fairness conditions: the search counts its work and, past `WORK` product edges,
gives up (`OutOfWork`); the caller then keeps the lasso of the greedy construction, which is fair
but not always shortest. The limit is a count, so the answer does not depend on the machine.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

WORK = 2_000_000   # product edges the search may follow for one property instance


class OutOfWork(Exception):
    """The search for a shortest lasso followed WORK product edges without finishing."""


@dataclass
class Stem:
    """Shortest stems to every state: dist[u] (-1: none) and path(u) -> [(state, instance)] from an
    initial state (instance -1) to u. `visit`: a mask of states of which the cycle must visit one
    (None: no such goal)."""

    dist: np.ndarray
    path: object
    visit: np.ndarray | None = None


def depths(order: np.ndarray, pred: np.ndarray, n: int) -> np.ndarray:
    """The depth of every state in a breadth-first tree (`order`, `pred` as StateGraph.reach), -1
    for those not reached."""
    dist = np.full(n, -1, dtype=np.int64)
    order = np.asarray(order, dtype=np.int64)
    if not len(order):
        return dist
    # pointer jumping: each reached state's hops to its root, doubling the jump each round
    up = pred[order].astype(np.int64)
    hops = (up >= 0).astype(np.int64)
    jump = np.full(n, -1, dtype=np.int64)
    count = np.zeros(n, dtype=np.int64)
    jump[order], count[order] = up, hops
    live = order[up >= 0]
    while len(live):
        j = jump[live]
        count[live] += count[j]
        jump[live] = jump[j]
        live = live[jump[live] >= 0]
    dist[order] = count[order]
    return dist


class ShortestCycles:
    """Shortest fair cycles through an entry, inside its core (see the module doc)."""

    def __init__(self, checker, cores):
        self.checker = checker
        self.g = checker.g
        self.fair = checker.fair
        self.cores = cores
        self.work = 0
        self._enabled: dict[int, frozenset] = {}
        self._core_strong: dict[int, list[int]] = {}
        self._inside: dict[int, np.ndarray] = {}

    def enabled(self, u: int) -> frozenset:
        out = self._enabled.get(u)
        if out is None:
            self.g.tick()
            out = self._enabled[u] = frozenset(self.checker.conds_enabled(u))
        return out

    def inside(self, core: int) -> np.ndarray:
        if core not in self._inside:
            self._inside[core] = self.cores.label == core
        return self._inside[core]

    def strong_in(self, core: int) -> list[int]:
        """The strongly fair conditions enabled somewhere in the core."""
        if core not in self._core_strong:
            seen = set()
            for u in self.cores.members(core).tolist():
                seen |= self.enabled(u)
            self._core_strong[core] = sorted(seen & self.fair.strong)
        return self._core_strong[core]

    def cycle(self, entry: int, limit: int | None, visit: np.ndarray | None) -> list[tuple[int, int]] | None:
        """A shortest fair cycle [(state, instance)] from entry back to it of at most `limit` steps
        (None: any length), [] when stuttering at the entry is one; None when there is none."""
        if limit is not None and limit < 1:
            return None
        g, fair = self.g, self.fair
        core = int(self.cores.label[entry])
        inside = self.inside(core)
        weak = sorted(c for c in fair.weak if c in self.enabled(entry))   # the others: disabled at entry
        strong = self.strong_in(core)
        bit = {}
        for i, c in enumerate(weak):
            bit[("w", c)] = 1 << i
        for j, c in enumerate(strong):
            bit[("t", c)] = 1 << (len(weak) + 2 * j)
            bit[("s", c)] = 1 << (len(weak) + 2 * j + 1)
        goal_bit = 1 << (len(weak) + 2 * len(strong))
        weak_all = (1 << len(weak)) - 1
        good = weak_all | goal_bit | sum(bit[("t", c)] for c in strong)
        seen_bits = sum(bit[("s", c)] for c in strong)
        pairs = [(bit[("t", c)], bit[("s", c)]) for c in strong]
        need_goal = visit is not None
        state_bits: dict[int, int] = {}
        edge_bits: dict[int, int] = {}

        def of_state(u: int) -> int:
            m = state_bits.get(u)
            if m is None:
                en = self.enabled(u)
                m = sum(bit[("w", c)] for c in weak if c not in en)
                m |= sum(bit[("s", c)] for c in strong if c in en)
                if need_goal and visit[u]:
                    m |= goal_bit
                state_bits[u] = m
            return m

        def of_edge(k: int) -> int:
            m = edge_bits.get(k)
            if m is None:
                m = 0
                for c in fair.of_instance[k]:
                    m |= bit.get(("w", c), 0) | bit.get(("t", c), 0)
                edge_bits[k] = m
            return m

        def accepts(m: int) -> bool:
            if m & weak_all != weak_all or (need_goal and not m & goal_bit):
                return False
            return all(m & t or not m & s for t, s in pairs)

        def dominated(v: int, m: int) -> bool:
            """An earlier node at v that met at least what m met and saw no more strongly fair
            conditions enabled: whatever continues m continues it, no longer."""
            for old in masks.get(v, ()):
                if not (m & good & ~old) and not (old & seen_bits & ~m):
                    return True
            return False

        start = of_state(entry)
        if accepts(start):
            return []
        parent = {(entry, start): None}
        masks = {entry: [start]}
        frontier = [(entry, start)]
        depth = 0
        while frontier and (limit is None or depth < limit):
            depth += 1
            nxt = []
            for node in frontier:
                u, m = node
                g.tick()
                for v, k in g.out(u):
                    v = int(v)
                    if v == u or not inside[v]:
                        continue
                    self.work += 1
                    if self.work > WORK:
                        raise OutOfWork
                    m2 = m | of_edge(int(k)) | of_state(v)
                    if v == entry and accepts(m2):
                        return self._path(parent, node, (v, int(k)))
                    if dominated(v, m2):
                        continue
                    parent[(v, m2)] = (node, int(k))
                    masks.setdefault(v, []).append(m2)
                    nxt.append((v, m2))
            frontier = nxt
        return None

    @staticmethod
    def _path(parent, node, last) -> list[tuple[int, int]]:
        path = [last]
        while parent[node] is not None:
            prev, k = parent[node]
            path.append((node[0], k))
            node = prev
        path.reverse()
        return path


def shortest_lasso(checker, cores, stems: list[Stem]):
    """(stem, cycle) of a shortest fair lasso whose entry is in a core and whose stem is one of
    `stems` (with its cycle goal), or None when there is none; raises OutOfWork."""
    inside = np.flatnonzero(cores.label >= 0)
    parts = []
    for i, s in enumerate(stems):
        ok = s.dist[inside] >= 0
        if s.visit is not None:   # only cores with a state to visit
            goal = np.zeros(len(cores), dtype=bool)
            goal[cores.label[inside[s.visit[inside]]]] = True
            ok &= goal[cores.label[inside]]
        u = inside[ok]
        parts.append(np.stack([s.dist[u], u, np.full(len(u), i)]))
    table = np.concatenate(parts, axis=1)
    order = np.lexsort((table[2], table[1], table[0]))   # by stem length, then state, then stem
    cands = table[:, order].T.tolist()
    search = ShortestCycles(checker, cores)
    best, found = None, None
    for d, e, i in cands:
        if best is not None and d + 1 >= best:
            break
        limit = (best - d - 1) if best is not None else None
        cyc = search.cycle(e, limit, stems[i].visit)
        if cyc is not None:
            best, found = d + max(1, len(cyc)), (i, e, cyc)
    if found is None:
        return None
    i, e, cyc = found
    return stems[i].path(e), cyc
