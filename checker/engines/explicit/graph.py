"""The explicit state graph, kept whole: what liveness and determinism need.

Safety only needs a visited set; temporal properties and `commute` need every
edge with its action instance. `StateGraph` is built breadth-first (so its
parent pointers give shortest paths), without symmetry reduction, a chunk of
states at a time from the generated `labelled_level` function (`GraphBuilder`:
a chunk's targets are numbered at once in a numpy hash table), and stores
edges in compressed rows (numpy): 8 bytes per edge.

Strongly connected components, breadth-first and depth-first searches on any
subset of states run over compressed rows of the edges that keep the graph's
edge order (less self-loops, which no search follows), in C (scipy) for a
large graph and in Python for a small one (`csgraph`), so their results are
those of the same searches written out in Python (see `tarjan_order`).

Building the graph polls the run's budget (`checker.core.limits`) after every
chunk (sized to take about CHUNK_SECONDS) and every search on it ticks it, so
a time limit, Ctrl-C and the progress display hold in these phases too:
`tick` is that budget's tick.
"""

from __future__ import annotations

import time
from functools import cached_property
from itertools import repeat

import numpy as np

from checker.core.limits import Budget, Progress
from checker.engines.explicit.compiled import CompiledModel
from checker.engines.explicit.level import KERNEL_CHUNKS
from checker.engines.explicit.visited import GOLDEN, first_occurrences
from checker.engines.explicit.csgraph import (Csr, bfs, bfs_in_scipy, bfs_reached, bfs_within, dfs, on_cycles,
                                             strong_components, transpose)


CHUNK_SECONDS = 0.05   # what expanding a chunk of states should take (the budget is polled in between)
FIRST_CHUNK = 16       # states in the first chunk, before any cost is measured
MAX_CHUNK = 4096


class GraphLimit(Exception):
    """The graph has more states than the limit."""


class StateGraph:
    def __init__(self, cm: CompiledModel, max_states: int | None = None, budget: Budget | None = None,
                 inits: list[int] | None = None, kernel_from: int | None = None):
        """The graph of every state reachable from `inits` (default: the model's initial states);
        chunks of at least `kernel_from` states (None: none) expanded by the level kernel, where
        the model has one, as the search expands its levels."""
        budget = budget or Budget()
        self._empty(cm, budget)
        self._build(max_states, budget, inits, kernel_from)

    @classmethod
    def shell(cls, cm: CompiledModel, budget: Budget | None = None) -> StateGraph:
        """A graph without states, for a `GraphBuilder` that another search feeds."""
        g = cls.__new__(cls)
        g._empty(cm, budget or Budget())
        return g

    def restricted(self, keep: np.ndarray) -> StateGraph:
        """The same states (numbers, initial states, BFS parents) with only the edges `keep` selects
        (a mask in edge order): the searches on it follow those edges alone."""
        sub = StateGraph.__new__(StateGraph)
        sub.cm, sub.tick, sub._classes = self.cm, self.tick, self._classes
        sub.states, sub.init, sub.parent, sub.parent_inst = self.states, self.init, self.parent, self.parent_inst
        sub.offsets = _rows(keep, self.offsets).astype(np.int64)
        sub.dst, sub.inst = self.dst[keep], self.inst[keep]
        return sub

    def _empty(self, cm: CompiledModel, budget: Budget) -> None:
        self.cm = cm
        self.states: list[int] = []
        self.parent: list[int] = []
        self.parent_inst: list[int] = []
        self.init: list[int] = []
        self._classes: dict[int, tuple[np.ndarray, np.ndarray]] = {}
        self.tick = budget.tick

    def _build(self, max_states, budget: Budget, inits, kernel_from: int | None) -> None:
        """Breadth-first, a chunk of states at a time: the generated `labelled_level` gives the
        chunk's edges, or the level kernel (the same edges in the same order; a chunk where an
        action fails is handed back to the generated code), which a `GraphBuilder` adds."""
        states = self.states
        builder = GraphBuilder(self, max_states)
        budget.phase("graph", "while building the state graph",
                     lambda: Progress(len(states), builder.edges, 0, len(states) - builder.done, budget.elapsed,
                                      phase="graph"))
        builder.start(inits if inits is not None else self.cm.init_states(self.tick))
        level = self.cm.labelled_level
        chunk, most = FIRST_CHUNK, MAX_CHUNK
        while builder.done < len(states):
            t0 = time.perf_counter()
            part = states[builder.done:builder.done + chunk]
            got = None
            kernel = self.cm.level_kernel() if kernel_from is not None and len(part) >= kernel_from else None
            if kernel is not None:
                got = kernel.labelled(part if kernel.wide else np.array(part, dtype=np.uint64))
                most = MAX_CHUNK * KERNEL_CHUNKS
            if got is not None:
                (ts, ends), _, _, _, _, ks = got
            else:
                ts, ks, ends = level(part)
            builder.add(ts, ks, ends)
            budget.poll()
            chunk = _next_chunk(chunk, len(ends), time.perf_counter() - t0, most)
        builder.finish()

    def classes(self, mask: int) -> tuple[np.ndarray, np.ndarray]:
        """The states grouped by their bits under `mask` (what a predicate reading only those bits
        cannot tell apart): (the first state of each class, classes in the order of those states;
        the class of every state)."""
        if mask not in self._classes:
            self._classes[mask] = self._group(mask)
        return self._classes[mask]

    def _group(self, mask: int) -> tuple[np.ndarray, np.ndarray]:
        n = len(self.states)
        if self.cm.state_bits <= 64:
            keys = np.fromiter(self.states, dtype=np.uint64, count=n) & np.uint64(mask)
            order = np.argsort(keys, kind="stable")
            ranked = keys[order]
            starts = np.ones(n, dtype=bool)
            np.not_equal(ranked[1:], ranked[:-1], out=starts[1:])
            first = order[starts]
            cls = np.empty(n, dtype=np.int64)
            cls[order] = np.cumsum(starts) - 1
        else:
            keys = list(map(mask.__and__, self.states))
            number = {k: c for c, k in enumerate(dict.fromkeys(keys))}
            cls = np.fromiter(map(number.__getitem__, keys), dtype=np.int64, count=n)
            first = np.full(len(number), n, dtype=np.int64)
            np.minimum.at(first, cls, np.arange(n))
        by_first = np.argsort(first)
        rank = np.empty(len(first), dtype=np.int64)
        rank[by_first] = np.arange(len(first))
        return first[by_first], rank[cls]

    @cached_property
    def index(self) -> dict[int, int]:
        """state -> its number."""
        return {s: i for i, s in enumerate(self.states)}

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

    @cached_property
    def steps(self) -> tuple[np.ndarray, np.ndarray]:
        """The edges the searches follow, as compressed rows (offsets, targets): the graph's edges
        in their order less the self-loops, which no search follows."""
        keep = self.src != self.dst
        return _rows(keep, self.offsets), self.dst[keep]

    def matrix(self, allowed: np.ndarray | None = None, reverse: bool = False, sources=None) -> Csr:
        """The steps (see `steps`) between `allowed` states (a boolean mask; None: every
        state) as compressed rows that keep the graph's edge order; `reverse` turns every
        edge round. With `sources`, one more state (number len(self)) has an edge to each of them,
        in their order: a search from it is a search from all of them at once."""
        indptr, indices = self.steps
        n = len(self)
        if allowed is not None:
            keep = np.repeat(allowed, np.diff(indptr)) & allowed[indices]
            indptr, indices = _rows(keep, indptr), indices[keep]
        if reverse:
            indptr, indices, _ = transpose(Csr(indptr, indices, n))
        if sources is not None:
            indices = np.concatenate([indices, np.asarray(sources, dtype=np.int32)])
            indptr = np.append(indptr, len(indices))
            n += 1
        return Csr(indptr, indices, n)

    @cached_property
    def on_cycles(self) -> np.ndarray:
        """The states that may lie on a cycle of steps (`csgraph.on_cycles`); the others lie on none."""
        return on_cycles(self.matrix())

    def components(self, allowed: np.ndarray) -> np.ndarray:
        """The strongly connected component of every state of the subgraph induced by `allowed`
        (numbered from 0 in the order of their smallest states), -1 for the states outside it."""
        self.tick()
        inside = allowed & self.on_cycles   # a state on no cycle is a component of its own in any subgraph
        labels = strong_components(self.matrix(inside)) if inside.any() else np.arange(len(self))
        used = np.zeros(len(self) + 1, dtype=np.int64)
        used[labels[allowed]] = 1
        number = np.cumsum(used) - 1
        return np.where(allowed, number[labels], -1)

    def reach(self, sources, allowed: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Breadth-first search from `sources` (in their order) inside `allowed`: the states reached,
        in the order they are found, and the parent of each (-1 for a source and states not reached):
        shortest paths."""
        self.tick()
        sources = [s for s in sources if allowed[s]]
        n = len(self)
        if not sources:
            return np.zeros(0, dtype=np.int64), np.full(n, -1, dtype=np.int64)
        steps = Csr(*self.steps, n)
        if not bfs_in_scipy(steps):   # the same search, without building the subgraph
            return bfs_within(steps, sources, allowed)
        order, pred = bfs(self.matrix(allowed, sources=sources), n)
        pred = pred[:n]
        pred[(pred == n) | (pred < 0)] = -1
        return order[1:], pred

    def reaching(self, targets: np.ndarray, allowed: np.ndarray) -> np.ndarray:
        """States inside `allowed` from which some of `targets` (a mask) is reachable inside it."""
        self.tick()
        n = len(self)
        out = np.zeros(n, dtype=bool)
        sources = np.flatnonzero(targets & allowed)
        if len(sources):
            m = self.matrix(allowed, reverse=True, sources=sources)
            found = bfs_reached(m, n)
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
        ancestors[bfs_reached(transpose(m), int(comp[0]))] = True
        root = int(roots[np.argmax(ancestors[roots])])
        met = dfs(m, root)
        first = int(met[np.argmax(inside[met])])
        within = dfs(self.matrix(inside), first)
        return within[::-1].tolist()


class GraphBuilder:
    """Builds a StateGraph from the transitions of its states a chunk of states at a time, in the
    shape the generated `labelled_level` gives them: (next states, their instance ids, where each
    state's transitions end). States are numbered from the initial states on, each new one when
    its first edge is added (all of a chunk's targets at once, `HashNumbers`): as a search state
    by state, edge by edge, numbers them, so a breadth-first search over the same states without
    symmetry reduction expands them in the same order and could add its own transitions here."""

    def __init__(self, graph: StateGraph, max_states: int | None = None):
        self.g = graph
        self.max_states = max_states
        self.numbers = HashNumbers() if graph.cm.state_bits <= 64 else DictNumbers()
        self.rows: list[np.ndarray] = []      # per chunk: the number of edges of each state
        self.dsts: list[np.ndarray] = []
        self.insts: list[np.ndarray] = []
        self.done = 0                          # states whose transitions were added
        self.edges = 0

    def start(self, inits) -> None:
        """The initial states (repeats ignored), numbered first."""
        g = self.g
        _, new, _ = self.numbers.number(list(inits), 0)
        g.states += new
        g.init = list(range(len(new)))
        g.parent += [-1] * len(new)
        g.parent_inst += [-1] * len(new)

    def add(self, ts: list[int], ks: list[int], ends: list[int]) -> tuple[list[int], np.ndarray]:
        """The transitions of the next len(ends) states (`g.states[done:]`) in number order; gives
        the states numbered for the first time, in order, and the index of the first parent of each
        among those len(ends) states."""
        g, i = self.g, self.done
        found, new, first = self.numbers.number(ts, len(g.states))
        if self.max_states is not None and len(g.states) + len(new) > self.max_states:
            raise GraphLimit(f"state limit {self.max_states} reached while building the state graph")
        ks = np.array(ks, dtype=np.int32)
        ends = np.array(ends, dtype=np.int64)
        parents = np.searchsorted(ends, first, side="right")
        g.states += new
        g.parent += (i + parents).tolist()
        g.parent_inst += ks[first].tolist()
        self.rows.append(np.diff(ends, prepend=0))
        self.dsts.append(found.astype(np.int32))
        self.insts.append(ks)
        self.done += len(ends)
        self.edges += len(ts)
        return new, parents

    def finish(self) -> None:
        """The edges in compressed rows, once every state's transitions were added."""
        g = self.g
        if self.done != len(g.states):
            raise RuntimeError(f"internal error: the transitions of {len(g.states) - self.done} states were not added")
        g.offsets = np.zeros(len(g.states) + 1, dtype=np.int64)
        np.cumsum(np.concatenate(self.rows) if self.rows else np.zeros(0, dtype=np.int64), out=g.offsets[1:])
        g.dst = np.concatenate(self.dsts) if self.dsts else np.zeros(0, dtype=np.int32)
        g.inst = np.concatenate(self.insts) if self.insts else np.zeros(0, dtype=np.int32)


EMPTY = np.iinfo(np.int64).min    # a free slot of `HashNumbers`


class HashNumbers:
    """The numbers of the states found so far, for states of at most 64 bits: an open-addressing
    hash table (linear probing, at most half full) in numpy arrays, probed for a whole batch of
    states at once; 16 to 32 bytes a state and no Python object per state. Every state of a batch
    is looked up; those not found are numbered in order of first occurrence and put in."""

    def __init__(self):
        self._allocate(10)
        self.count = 0

    def _allocate(self, bits: int) -> None:
        self.bits = bits
        self.keys = np.zeros(1 << bits, dtype=np.uint64)
        self.nums = np.full(1 << bits, EMPTY, dtype=np.int64)

    def number(self, targets: list[int], base: int) -> tuple[np.ndarray, list[int], np.ndarray]:
        """(the number of each target, the targets not numbered before in the order of their first
        occurrence, that occurrence of each): the new ones are numbered from `base` in that order."""
        if isinstance(targets, np.ndarray):   # from the level kernel
            keys = targets.astype(np.uint64, copy=False)
        else:
            keys = np.fromiter(targets, dtype=np.uint64, count=len(targets))
        if 2 * (self.count + len(keys)) > len(self.keys):
            self._grow(self.count + len(keys))
        if not len(keys):
            return np.zeros(0, dtype=np.int64), [], np.zeros(0, dtype=np.intp)
        # every key is looked up (a probe costs less than sorting the batch); those not found are
        # the new states, numbered in order of first occurrence (`first_occurrences`, by hashing),
        # put in, and then found like the others
        num = self._find(keys)
        missing = np.flatnonzero(num == EMPTY)
        if not len(missing):
            return num, [], np.zeros(0, dtype=np.intp)
        absent = keys[missing]
        first = first_occurrences(absent)
        fresh = absent[first]
        self._put(fresh, np.arange(base, base + len(first), dtype=np.int64))
        self.count += len(first)
        num[missing] = self._find(absent)
        return num, fresh.tolist(), missing[first]

    def _slots(self, keys: np.ndarray) -> np.ndarray:
        return ((keys * GOLDEN) >> np.uint64(64 - self.bits)).astype(np.int64)

    def _find(self, keys: np.ndarray) -> np.ndarray:
        """The number of every key, EMPTY for those not in the table: all keys probe together, one
        slot a round, until their key or a free slot."""
        table, nums, mask = self.keys, self.nums, len(self.keys) - 1
        slot = self._slots(keys)
        out = nums[slot]
        todo = np.flatnonzero((table[slot] != keys) & (out != EMPTY))
        while len(todo):
            s = (slot[todo] + 1) & mask
            slot[todo] = s
            got = nums[s]
            out[todo] = got
            todo = todo[(table[s] != keys[todo]) & (got != EMPTY)]
        return out

    def _put(self, keys: np.ndarray, values: np.ndarray) -> None:
        """Puts distinct keys, none in the table, each in the first free slot of its probe sequence
        (where several race for a slot, one takes it and the others probe on)."""
        table, nums, mask = self.keys, self.nums, len(self.keys) - 1
        slot = self._slots(keys)
        todo = np.arange(len(keys), dtype=np.int64)
        while len(todo):
            s = slot[todo]
            free = np.flatnonzero(nums[s] == EMPTY)
            s_free, k_free = s[free], todo[free]
            nums[s_free] = values[k_free]
            placed = np.zeros(len(todo), dtype=bool)
            placed[free] = nums[s_free] == values[k_free]   # values are distinct: the one that took it
            table[s_free[placed[free]]] = keys[k_free[placed[free]]]
            todo = todo[~placed]
            slot[todo] = (slot[todo] + 1) & mask

    def _grow(self, need: int) -> None:
        live = self.nums != EMPTY
        keys, nums = self.keys[live], self.nums[live]
        bits = self.bits
        while (1 << bits) < 2 * need:
            bits += 1
        self._allocate(bits)
        self._put(keys, nums)


class DictNumbers:
    """The same as `HashNumbers` for states of any size, in a dict."""

    def __init__(self):
        self.index: dict[int, int] = {}

    def number(self, targets: list[int], base: int) -> tuple[np.ndarray, list[int], np.ndarray]:
        index = self.index
        found = np.fromiter(map(index.get, targets, repeat(-1)), dtype=np.int64, count=len(targets))
        miss = np.flatnonzero(found < 0)
        missed = list(map(targets.__getitem__, miss.tolist()))
        new = list(dict.fromkeys(missed))
        index.update(zip(new, range(base, base + len(new))))
        found[miss] = np.fromiter(map(index.__getitem__, missed), dtype=np.int64, count=len(missed))
        first = np.full(len(new), len(targets), dtype=np.int64)
        np.minimum.at(first, found[miss] - base, miss)
        return found, new, first


def _rows(keep: np.ndarray, offsets: np.ndarray) -> np.ndarray:
    """The row offsets of the entries `keep` selects from rows with these offsets."""
    kept = np.zeros(len(keep) + 1, dtype=np.int32 if len(keep) < 2 ** 31 else np.int64)
    np.cumsum(keep, out=kept[1:])
    return kept[offsets]


def _next_chunk(chunk: int, states: int, seconds: float, most: int = MAX_CHUNK) -> int:
    """The size of the next chunk, from what this one cost: about CHUNK_SECONDS, at most twice as
    many states as this one and at most `most`."""
    want = int(CHUNK_SECONDS * states / seconds) if seconds > 0 else most
    return max(1, min(most, want, 2 * chunk))


def checking(budget: Budget, graph: StateGraph, phase: str, name: str) -> None:
    """Enters the phase of checking property `name` on the graph: the time limit's message names
    it, and its progress is the number of states examined so far (counted at clock reads)."""
    budget.phase(phase, f"while checking {name}",
                 lambda: Progress(len(graph), graph.edge_count, 0, 0, budget.elapsed, phase=phase, work=budget.ticks,
                                  what=name))
