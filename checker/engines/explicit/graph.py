"""The explicit state graph, kept whole: what liveness and determinism need.

Safety only needs a visited set; temporal properties and `commute` need every
edge with its action instance. `StateGraph` is built breadth-first (so its
parent pointers give shortest paths) from the generated `labelled` function,
without symmetry reduction, and stores edges in compressed rows (numpy):
8 bytes per edge.

Strongly connected components, breadth-first and depth-first searches on any
subset of states run in C (`scipy.sparse.csgraph`) over a sparse matrix of
the edges whose rows keep the graph's edge order, so their results are those
of the same searches written out in Python (see `tarjan_order`).

Building the graph and every search on it tick the run's budget
(`checker.core.limits`) once per state they visit, so a time limit, Ctrl-C and
the progress display hold in these phases too: `tick` is that budget's tick.
"""

from __future__ import annotations

from array import array
from functools import cached_property

import numpy as np
from scipy.sparse import csr_matrix
from scipy.sparse.csgraph import breadth_first_order, connected_components, depth_first_order

from checker.core.limits import Budget, Progress
from checker.engines.explicit.compiled import CompiledModel


class GraphLimit(Exception):
    """The graph has more states than the limit."""


class StateGraph:
    def __init__(self, cm: CompiledModel, max_states: int | None = None, budget: Budget | None = None,
                 inits: list[int] | None = None):
        """The graph of every state reachable from `inits` (default: the model's initial states)."""
        self.cm = cm
        self.states: list[int] = []
        self.index: dict[int, int] = {}
        self.parent: list[int] = []
        self.parent_inst: list[int] = []
        self.init: list[int] = []
        budget = budget or Budget()
        self.tick = budget.tick
        self._build(max_states, budget, inits)

    def _build(self, max_states, budget: Budget, inits) -> None:
        states, index, parent, pinst = self.states, self.index, self.parent, self.parent_inst
        offsets = array("q", [0])
        dst = array("i")
        inst = array("i")
        budget.phase("graph", "while building the state graph",
                     lambda: Progress(len(states), len(dst), 0, len(states) - len(offsets) + 1, budget.elapsed,
                                      phase="graph"))
        tick = self.tick
        for s in (inits if inits is not None else self.cm.init_states(tick)):
            if s not in index:
                index[s] = len(states)
                self.init.append(len(states))
                states.append(s)
                parent.append(-1)
                pinst.append(-1)
        labelled = self.cm.labelled
        i = 0
        while i < len(states):
            tick()
            u = states[i]
            for k, t in labelled(u):
                j = index.get(t)
                if j is None:
                    j = len(states)
                    index[t] = j
                    states.append(t)
                    parent.append(i)
                    pinst.append(k)
                    if max_states is not None and j >= max_states:
                        raise GraphLimit(f"state limit {max_states} reached while building the state graph")
                dst.append(j)
                inst.append(k)
            offsets.append(len(dst))
            i += 1
        self.offsets = np.frombuffer(offsets, dtype=np.int64).copy()
        self.dst = np.frombuffer(dst, dtype=np.int32).copy() if len(dst) else np.zeros(0, dtype=np.int32)
        self.inst = np.frombuffer(inst, dtype=np.int32).copy() if len(inst) else np.zeros(0, dtype=np.int32)

    def __len__(self) -> int:
        return len(self.states)

    @property
    def edge_count(self) -> int:
        return len(self.dst)

    @property
    def nbytes(self) -> int:
        return self.offsets.nbytes + self.dst.nbytes + self.inst.nbytes

    @cached_property
    def _rows(self) -> tuple[list[int], list[int], list[int]]:
        """The edges as lists, for the searches written in Python (made when one first needs them)."""
        return self.offsets.tolist(), self.dst.tolist(), self.inst.tolist()

    def out(self, u: int):
        """(successor, instance) for every edge leaving u."""
        off, dst, inst = self._rows
        a, b = off[u], off[u + 1]
        return zip(dst[a:b], inst[a:b])

    def successors(self, u: int) -> list[int]:
        off, dst, _ = self._rows
        return dst[off[u]:off[u + 1]]

    def enabled(self, u: int) -> set[int]:
        """Instances with a step that changes the state (TLA+'s ENABLED <<A>>_vars)."""
        return {k for v, k in self.out(u) if v != u}

    def path_to(self, u: int) -> list[tuple[int, int]]:
        """[(state, instance that led to it)] from an initial state to u, along BFS parents: a shortest path."""
        path = []
        while u != -1:
            path.append((u, self.parent_inst[u]))
            u = self.parent[u]
        path.reverse()
        return path

    # ---- searches on subgraphs (scipy, in C) ------------------------------------------

    @cached_property
    def src(self) -> np.ndarray:
        """The source state of every edge, in edge order."""
        return np.repeat(np.arange(len(self), dtype=np.int32), np.diff(self.offsets))

    def matrix(self, allowed: np.ndarray | None = None, reverse: bool = False, sources=None) -> csr_matrix:
        """The edges between `allowed` states (a boolean mask; None: every state) as a sparse matrix
        whose rows keep the graph's edge order; `reverse` turns every edge round. With `sources`, one
        more state (number len(self)) has an edge to each of them, in their order: a search from it
        is a search from all of them at once."""
        src, dst, n = self.src, self.dst, len(self)
        if allowed is not None:
            keep = allowed[src] & allowed[dst]
            src, dst = src[keep], dst[keep]
        if reverse:
            order = np.argsort(dst, kind="stable")
            src, dst = dst[order], src[order]
        counts = np.bincount(src, minlength=n)
        if sources is not None:
            dst = np.concatenate([dst, np.asarray(sources, dtype=np.int32)])
            counts = np.append(counts, len(sources))
            n += 1
        indptr = np.zeros(n + 1, dtype=np.int64)
        np.cumsum(counts, out=indptr[1:])
        # float64 weights: scipy would convert any other type, and the conversion reorders the rows
        return csr_matrix((np.ones(len(dst)), dst.astype(np.int32, copy=False), indptr), shape=(n, n))

    def components(self, allowed: np.ndarray) -> np.ndarray:
        """The strongly connected component of every state of the subgraph induced by `allowed`
        (numbered from 0), -1 for the states outside it."""
        self.tick()
        m = self.matrix(allowed)
        m.sum_duplicates()  # scipy's strong components loop forever on a repeated edge (two instances, one step)
        _, labels = connected_components(m, directed=True, connection="strong")
        labels = labels.astype(np.int64)
        labels[~allowed] = -1
        _, labels[allowed] = np.unique(labels[allowed], return_inverse=True)
        return labels

    def reach(self, sources, allowed: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Breadth-first search from `sources` (in their order) inside `allowed`: the states reached,
        in the order they are found, and the parent of each (-1 for a source and states not reached):
        shortest paths."""
        self.tick()
        sources = [s for s in sources if allowed[s]]
        n = len(self)
        if not sources:
            return np.zeros(0, dtype=np.int64), np.full(n, -1, dtype=np.int64)
        order, pred = breadth_first_order(self.matrix(allowed, sources=sources), n, directed=True)
        pred = pred[:n].astype(np.int64)
        pred[(pred == n) | (pred < 0)] = -1
        return order[1:].astype(np.int64), pred

    def reaching(self, targets: np.ndarray, allowed: np.ndarray) -> np.ndarray:
        """States inside `allowed` from which some of `targets` (a mask) is reachable inside it."""
        self.tick()
        n = len(self)
        out = np.zeros(n, dtype=bool)
        sources = np.flatnonzero(targets & allowed)
        if len(sources):
            m = self.matrix(allowed, reverse=True, sources=sources)
            found = breadth_first_order(m, n, directed=True, return_predecessors=False)
            out[found[1:]] = True
        return out

    def edge_instance(self, u: int, v: int) -> int:
        """The instance of the first edge from u to v."""
        a, b = self.offsets[u], self.offsets[u + 1]
        return int(self.inst[a + np.flatnonzero(self.dst[a:b] == v)[0]])

    def tree_path(self, pred: np.ndarray, u: int) -> list[tuple[int, int]]:
        """[(state, instance that led to it)] from a root of a search tree (`pred`, as `reach`) to u."""
        path = []
        while u != -1:
            p = int(pred[u])
            path.append((u, -1 if p == -1 else self.edge_instance(p, u)))
            u = p
        path.reverse()
        return path

    def path_within(self, src: int, targets, allowed) -> list[tuple[int, int]] | None:
        """Shortest [(state, instance)] from src (excluded) to the first of `targets`, inside `allowed`."""
        if src in targets:
            return []
        seen = {src: (-1, -1)}
        frontier = [src]
        tick = self.tick
        while frontier:
            nxt = []
            for u in frontier:
                tick()
                for v, k in self.out(u):
                    if allowed[v] and v not in seen:
                        seen[v] = (u, k)
                        if v in targets:
                            path = []
                            w = v
                            while w != src:
                                p, kk = seen[w]
                                path.append((w, kk))
                                w = p
                            path.reverse()
                            return path
                        nxt.append(v)
            frontier = nxt
        return None

    def tarjan_order(self, roots, comp: np.ndarray) -> list[int]:
        """The states of `comp`, a strongly connected component of the subgraph induced by `roots`, in
        the order Tarjan's algorithm pops them when it starts from `roots` in their order and follows
        edges in edge order (what the fair cycles' choice of edges depends on).

        That order is the reverse of a depth-first search inside comp from the first of its states the
        search over `roots` meets; that search enters comp from the first root that reaches comp, and
        the states it met before (from earlier roots) cannot reach comp, so a fresh depth-first search
        from that root meets the same first state."""
        self.tick()
        n = len(self)
        roots = np.asarray(roots, dtype=np.int64)
        allowed = np.zeros(n, dtype=bool)
        allowed[roots] = True
        inside = np.zeros(n, dtype=bool)
        inside[comp] = True
        m = self.matrix(allowed)
        ancestors = np.zeros(n, dtype=bool)
        ancestors[breadth_first_order(m.transpose(), int(comp[0]), directed=True, return_predecessors=False)] = True
        root = int(roots[np.argmax(ancestors[roots])])
        met = depth_first_order(m, root, directed=True, return_predecessors=False)
        first = int(met[np.argmax(inside[met])])
        within = depth_first_order(self.matrix(inside), first, directed=True, return_predecessors=False)
        return within[::-1].tolist()


def checking(budget: Budget, graph: StateGraph, phase: str, name: str) -> None:
    """Enters the phase of checking property `name` on the graph: the time limit's message names
    it, and its progress is the number of states examined so far (counted at clock reads)."""
    budget.phase(phase, f"while checking {name}",
                 lambda: Progress(len(graph), graph.edge_count, 0, 0, budget.elapsed, phase=phase, work=budget.ticks,
                                  what=name))
