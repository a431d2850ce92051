"""Graph searches over compressed sparse rows: in scipy for large graphs, in Python and numpy for
small ones, with the same results either way.

A graph is a `Csr`: row offsets, targets, number of nodes. The searches are those of
`scipy.sparse.csgraph`, with their orders:
- `bfs`: breadth-first order from one node, following each row in its order; the parent of each
  node reached is the first node that met it;
- `dfs`: depth-first preorder from one node, rows in order (a recursive search's preorder);
- `strong_components`: each node's strongly connected component, the components numbered in the
  order of their smallest nodes (scipy's own numbering has changed between its versions).
Counterexamples depend on the searches' orders, so the two implementations of each must agree
exactly (tests/test_csgraph.py checks them against each other on random graphs).

Why two: importing scipy.sparse takes about 0.4 s, more than the whole check of a model of a few
hundred states. Breadth-first searches run in numpy unless scipy is loaded already; depth-first
searches and strong components (after the nodes on no cycle are peeled off, in numpy) in Python
for a graph of at most SMALL nodes + edges, else in scipy, whose searches run in C. A graph of
over LARGE nodes + edges is searched in scipy: its import is nothing beside such a search.
"""

from __future__ import annotations

import sys
from typing import NamedTuple

import numpy as np

from checker.core.deferred import Deferred

csr_matrix = Deferred("scipy.sparse", "csr_matrix")
_breadth_first_order = Deferred("scipy.sparse.csgraph", "breadth_first_order")
_connected_components = Deferred("scipy.sparse.csgraph", "connected_components")
_depth_first_order = Deferred("scipy.sparse.csgraph", "depth_first_order")

SMALL = 100_000       # nodes + edges up to which a depth-first search runs here when scipy is not loaded
LARGE = 20_000_000    # nodes + edges from which a breadth-first search runs in scipy even when not loaded
TRIM_ROUNDS = 10_000  # rounds of peeling nodes off before strong components are searched
NONE = np.iinfo(np.int64).max


class Csr(NamedTuple):
    """A directed graph over nodes 0..n-1: the targets of node u are indices[indptr[u]:indptr[u+1]]."""
    indptr: np.ndarray
    indices: np.ndarray
    n: int

    @property
    def edges(self) -> int:
        return len(self.indices)


def from_pairs(rows: np.ndarray, cols: np.ndarray, n: int) -> Csr:
    """The edges (rows[i], cols[i]) without repeats, each row's targets in increasing order."""
    rows = np.asarray(rows, dtype=np.int64)
    cols = np.asarray(cols, dtype=np.int64)
    order = np.lexsort((cols, rows))
    rows, cols = rows[order], cols[order]
    if len(rows):
        keep = np.ones(len(rows), dtype=bool)
        keep[1:] = (rows[1:] != rows[:-1]) | (cols[1:] != cols[:-1])
        rows, cols = rows[keep], cols[keep]
    return Csr(np.searchsorted(rows, np.arange(n + 1)), cols, n)


def canonical(g: Csr) -> Csr:
    """The same edges without repeats, each row's targets in increasing order."""
    return from_pairs(np.repeat(np.arange(g.n, dtype=np.int64), np.diff(g.indptr)), g.indices, g.n)


def transpose(g: Csr) -> Csr:
    """Every edge turned round; row v lists the sources of v's edges in increasing order (repeats kept)."""
    rows = np.repeat(np.arange(g.n, dtype=np.int64), np.diff(g.indptr))
    order = np.argsort(g.indices, kind="stable")
    return Csr(np.searchsorted(g.indices[order], np.arange(g.n + 1)), rows[order], g.n)


def _scipy_loaded() -> bool:
    return "scipy.sparse.csgraph" in sys.modules


def bfs_in_scipy(g: Csr) -> bool:
    return _scipy_loaded() or g.n + g.edges > LARGE


def _in_scipy(g: Csr) -> bool:
    return _scipy_loaded() or g.n + g.edges > SMALL


def _matrix(g: Csr):
    # float64 weights: scipy would convert any other type, and the conversion reorders the rows
    return csr_matrix((np.ones(g.edges), np.asarray(g.indices, dtype=np.int32), g.indptr), shape=(g.n, g.n))


def bfs(g: Csr, start: int) -> tuple[np.ndarray, np.ndarray]:
    """The nodes reached from `start` in breadth-first order (start first), and the parent of each
    (negative for `start` and the nodes not reached). In numpy unless scipy is loaded or the graph
    is LARGE: about twice scipy's time, and on two-phase commit with 7 RMs a tenth of importing it."""
    if bfs_in_scipy(g):
        order, pred = _breadth_first_order(_matrix(g), start, directed=True)
        return order.astype(np.int64), pred.astype(np.int64)
    return _bfs(g, start)


def bfs_reached(g: Csr, start: int) -> np.ndarray:
    """The nodes reached from `start`, in breadth-first order."""
    if bfs_in_scipy(g):
        return _breadth_first_order(_matrix(g), start, directed=True, return_predecessors=False).astype(np.int64)
    return _bfs(g, start)[0]


def dfs(g: Csr, start: int) -> np.ndarray:
    """The nodes reached from `start` in depth-first preorder."""
    if _in_scipy(g):
        return _depth_first_order(_matrix(g), start, directed=True, return_predecessors=False).astype(np.int64)
    return _dfs(g, start)


def strong_components(g: Csr) -> np.ndarray:
    """The strongly connected component of every node, numbered in the order of their smallest nodes
    (repeated edges allowed). The nodes on no cycle are peeled off first (`on_cycles`): on a graph
    without cycles that is all the work."""
    alive = on_cycles(g)
    labels = np.arange(g.n, dtype=np.int64)
    if alive.any():
        nodes = np.flatnonzero(alive)
        number = np.full(g.n, -1, dtype=np.int64)
        number[nodes] = np.arange(len(nodes))
        src = np.repeat(number, np.diff(g.indptr))
        dst = number[g.indices]
        keep = (src >= 0) & (dst >= 0)
        sub = Csr(np.searchsorted(src[keep], np.arange(len(nodes) + 1)), dst[keep], len(nodes))
        if _in_scipy(sub):
            # without repeated edges: scipy's search loops forever on one
            inner = _connected_components(_matrix(canonical(sub)), directed=True, connection="strong")[1]
        else:
            inner = _strong(sub)
        labels[nodes] = g.n + inner
    return by_first_node(labels)


def by_first_node(labels: np.ndarray) -> np.ndarray:
    """The same partition, numbered 0, 1, ... in the order of each part's smallest node."""
    if not len(labels):
        return np.zeros(0, dtype=np.int64)
    _, first, inverse = np.unique(labels, return_index=True, return_inverse=True)
    number = np.empty(len(first), dtype=np.int64)
    number[np.argsort(first)] = np.arange(len(first))
    return number[inverse.reshape(-1)]


# ---- the searches written out, for small graphs ------------------------------------------------------

def _bfs(g: Csr, start: int) -> tuple[np.ndarray, np.ndarray]:
    """A breadth-first search a level at a time: the edges out of a level, in the order the level was
    found and each row in its order; the first edge into each new node gives its parent. That is the
    order in which a queue meets them."""
    seen = np.zeros(g.n, dtype=bool)
    return _bfs_from(g, np.array([start], dtype=np.int64), seen)


def bfs_within(g: Csr, sources, allowed: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """`bfs` on the subgraph `allowed` induces from a node with an edge to each of `sources` in their
    order, without building that graph (in numpy; the edges to nodes outside it are skipped as they
    are met): the nodes reached in breadth-first order, that node left out, and the parent of each
    (-1 for the sources and the nodes not reached)."""
    sources = np.asarray(sources, dtype=np.int64)
    sources = sources[allowed[sources]]
    if len(sources) > 1:   # each once, where it first comes
        _, first = np.unique(sources, return_index=True)
        sources = sources[np.sort(first)]
    return _bfs_from(g, sources, ~allowed)


def _bfs_from(g: Csr, level: np.ndarray, seen: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """`_bfs` from the nodes of a first level (distinct), never entering a node `seen` marks (which
    it then updates)."""
    indptr, indices = g.indptr, g.indices
    pred = np.full(g.n, -1, dtype=np.int64)
    first = np.full(g.n, NONE, dtype=np.int64)   # scratch: each target's first position in a level
    seen[level] = True
    found = [level]
    while len(level):
        at, counts = _edges_of(indptr, level)
        targets = indices[at]
        fresh = np.flatnonzero(~seen[targets])
        t = targets[fresh]
        np.minimum.at(first, t, fresh)
        won = fresh[first[t] == fresh]   # in order of position: the order a queue meets them
        parents = np.repeat(level, counts)[won]
        level = targets[won].astype(np.int64)
        first[level] = NONE              # the targets of the round, each once
        pred[level] = parents
        seen[level] = True
        found.append(level)
    return np.concatenate(found), pred


def _edges_of(indptr: np.ndarray, nodes: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The positions of the edges out of `nodes`, row after row, and how many each has."""
    lo = indptr[nodes]
    counts = indptr[nodes + 1] - lo
    total = int(counts.sum())
    return np.repeat(lo - np.cumsum(counts) + counts, counts) + np.arange(total), counts


def on_cycles(g: Csr) -> np.ndarray:
    """The nodes that may lie on a cycle: the others are peeled off, a round at a time, as nodes no
    remaining node has an edge to (at most TRIM_ROUNDS rounds). A node of a strongly connected
    component of more than one node, or with a self-loop, always has an edge from a remaining node,
    so each peeled node is a component of its own."""
    alive = np.ones(g.n, dtype=bool)
    into = np.bincount(g.indices, minlength=g.n)
    level = np.flatnonzero(into == 0)
    for _ in range(TRIM_ROUNDS):
        if not len(level):
            break
        alive[level] = False
        targets = g.indices[_edges_of(g.indptr, level)[0]]
        np.subtract.at(into, targets, 1)
        level = np.sort(targets[into[targets] == 0])
        if len(level) > 1:   # a node whose last edges came from several nodes of the round: once
            level = level[np.concatenate(([True], level[1:] != level[:-1]))]
    return alive


def _dfs(g: Csr, start: int) -> np.ndarray:
    indptr, indices = g.indptr.tolist(), g.indices.tolist()
    seen = bytearray(g.n)
    seen[start] = 1
    order = [start]
    path = [start]
    at = {start: indptr[start]}
    while path:
        v = path[-1]
        p, end = at[v], indptr[v + 1]
        while p < end and seen[indices[p]]:
            p += 1
        if p == end:
            path.pop()
            continue
        w = indices[p]
        at[v] = p + 1
        seen[w] = 1
        order.append(w)
        path.append(w)
        at[w] = indptr[w]
    return np.array(order, dtype=np.int64)


def _strong(g: Csr) -> np.ndarray:
    """Tarjan's algorithm without recursion: each node's component, numbered as completed."""
    n = g.n
    indptr, indices = g.indptr.tolist(), g.indices.tolist()
    index = [0] * n    # order of discovery from 1; 0: not met yet
    low = [0] * n
    label = [-1] * n
    on = bytearray(n)
    at = indptr[:n]    # the next edge of each node to follow
    stack: list[int] = []
    count = 0
    comps = 0
    for root in range(n):
        if index[root]:
            continue
        count += 1
        index[root] = low[root] = count
        stack.append(root)
        on[root] = 1
        path = [root]
        while path:
            v = path[-1]
            p, end = at[v], indptr[v + 1]
            descend = -1
            while p < end:
                w = indices[p]
                p += 1
                if not index[w]:
                    descend = w
                    break
                if on[w] and index[w] < low[v]:
                    low[v] = index[w]
            at[v] = p
            if descend >= 0:
                count += 1
                index[descend] = low[descend] = count
                stack.append(descend)
                on[descend] = 1
                path.append(descend)
                continue
            path.pop()
            if low[v] == index[v]:
                while True:
                    w = stack.pop()
                    on[w] = 0
                    label[w] = comps
                    if w == v:
                        break
                comps += 1
            if path:
                u = path[-1]
                if low[v] < low[u]:
                    low[u] = low[v]
    return np.array(label, dtype=np.int64)
