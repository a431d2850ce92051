"""The explicit state graph, kept whole: what liveness and determinism need.

Safety only needs a visited set; temporal properties and `commute` need every
edge with its action instance. `StateGraph` is built breadth-first (so its
parent pointers give shortest paths) from the generated `labelled` function,
without symmetry reduction, and stores edges in compressed rows (numpy):
8 bytes per edge.

Strongly connected components are found with an iterative Tarjan, so there
is no recursion limit, on any subset of states.

Building the graph and every search on it tick the run's budget
(`checker.core.limits`) once per state they visit, so a time limit, Ctrl-C and
the progress display hold in these phases too: `tick` is that budget's tick.
"""

from __future__ import annotations

from array import array

import numpy as np

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
        self._off = self.offsets.tolist()
        self._dst = self.dst.tolist()
        self._inst = self.inst.tolist()

    def __len__(self) -> int:
        return len(self.states)

    @property
    def edge_count(self) -> int:
        return len(self._dst)

    @property
    def nbytes(self) -> int:
        return self.offsets.nbytes + self.dst.nbytes + self.inst.nbytes

    def out(self, u: int):
        """(successor, instance) for every edge leaving u."""
        a, b = self._off[u], self._off[u + 1]
        return zip(self._dst[a:b], self._inst[a:b])

    def successors(self, u: int) -> list[int]:
        return self._dst[self._off[u]:self._off[u + 1]]

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

    # ---- restricted searches --------------------------------------------------------

    def bfs(self, sources, allowed) -> dict[int, tuple[int, int]]:
        """Shortest paths inside `allowed` (a bytearray mask): node -> (parent, instance)."""
        seen = {s: (-1, -1) for s in sources if allowed[s]}
        frontier = list(seen)
        tick = self.tick
        while frontier:
            nxt = []
            for u in frontier:
                tick()
                for v, k in self.out(u):
                    if allowed[v] and v not in seen:
                        seen[v] = (u, k)
                        nxt.append(v)
            frontier = nxt
        return seen

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

    def sccs(self, nodes) -> list[list[int]]:
        """Strongly connected components of the subgraph induced by `nodes` (iterative Tarjan)."""
        member = set(nodes)
        index: dict[int, int] = {}
        low: dict[int, int] = {}
        on_stack: set[int] = set()
        stack: list[int] = []
        out: list[list[int]] = []
        counter = 0
        tick = self.tick
        for root in nodes:
            if root in index:
                continue
            tick()
            work = [(root, iter(self.successors(root)))]
            index[root] = low[root] = counter
            counter += 1
            stack.append(root)
            on_stack.add(root)
            while work:
                u, it = work[-1]
                advanced = False
                for v in it:
                    if v not in member or v == u:
                        continue
                    if v not in index:
                        tick()
                        index[v] = low[v] = counter
                        counter += 1
                        stack.append(v)
                        on_stack.add(v)
                        work.append((v, iter(self.successors(v))))
                        advanced = True
                        break
                    if v in on_stack and index[v] < low[u]:
                        low[u] = index[v]
                if advanced:
                    continue
                work.pop()
                if work:
                    p = work[-1][0]
                    if low[u] < low[p]:
                        low[p] = low[u]
                if low[u] == index[u]:
                    comp = []
                    while True:
                        w = stack.pop()
                        on_stack.discard(w)
                        comp.append(w)
                        if w == u:
                            break
                    out.append(comp)
        return out


def checking(budget: Budget, graph: StateGraph, phase: str, name: str) -> None:
    """Enters the phase of checking property `name` on the graph: the time limit's message names
    it, and its progress is the number of states examined so far (counted at clock reads)."""
    budget.phase(phase, f"while checking {name}",
                 lambda: Progress(len(graph), graph.edge_count, 0, 0, budget.elapsed, phase=phase, work=budget.ticks,
                                  what=name))
