"""The state graph's searches in scipy against plain Python references on random graphs."""

from __future__ import annotations

import random

import numpy as np
import pytest

from checker.engines.explicit.graph import StateGraph


def graph(n: int, edges: list[tuple[int, int, int]]) -> StateGraph:
    """A StateGraph over states 0..n-1 with these (source, target, instance) edges, in that order."""
    g = object.__new__(StateGraph)
    edges = sorted(edges, key=lambda e: e[0])  # stable: each row keeps its order
    g.states = list(range(n))
    g.tick = lambda: None
    g.offsets = np.searchsorted(np.array([e[0] for e in edges], dtype=np.int64), np.arange(n + 1))
    g.dst = np.array([e[1] for e in edges], dtype=np.int32)
    g.inst = np.array([e[2] for e in edges], dtype=np.int32)
    return g


def random_graph(rng: random.Random) -> StateGraph:
    n = rng.randint(1, 30)
    edges = [(rng.randrange(n), rng.randrange(n), rng.randrange(4)) for _ in range(rng.randint(0, 3 * n))]
    edges += [(u, u, 0) for u in range(n) if rng.random() < 0.2]   # self-loops (stutters)
    edges += [e for e in edges if rng.random() < 0.2]               # the same step by two instances
    return graph(n, edges)


def tarjan(g: StateGraph, nodes: list[int]) -> list[list[int]]:
    """The reference: the recursive Tarjan the engine used, components in the order it pops them."""
    member, index, low, stack, on, out = set(nodes), {}, {}, [], set(), []

    def visit(u):
        index[u] = low[u] = len(index)
        stack.append(u)
        on.add(u)
        for v in g.successors(u):
            if v not in member or v == u:
                continue
            if v not in index:
                visit(v)
                low[u] = min(low[u], low[v])
            elif v in on:
                low[u] = min(low[u], index[v])
        if low[u] == index[u]:
            comp = []
            while True:
                w = stack.pop()
                on.discard(w)
                comp.append(w)
                if w == u:
                    break
            out.append(comp)

    for root in nodes:
        if root not in index:
            visit(root)
    return out


@pytest.mark.parametrize("seed", range(300))
def test_components_and_their_order_are_tarjans(seed):
    rng = random.Random(seed)
    g = random_graph(rng)
    nodes = [u for u in range(len(g)) if rng.random() < 0.8]
    rng.shuffle(nodes)
    allowed = np.zeros(len(g), dtype=bool)
    allowed[nodes] = True
    expected = tarjan(g, nodes)
    labels = g.components(allowed) if nodes else np.full(len(g), -1)
    found = [sorted(np.flatnonzero(labels == c).tolist()) for c in range(labels.max() + 1)]
    assert sorted(found) == sorted(sorted(c) for c in expected)
    for comp in expected:
        assert g.tarjan_order(nodes, np.array(sorted(comp))) == comp


@pytest.mark.parametrize("seed", range(200))
def test_reach_is_a_breadth_first_search(seed):
    rng = random.Random(seed)
    g = random_graph(rng)
    allowed = np.array([rng.random() < 0.8 for _ in range(len(g))])
    sources = rng.sample(range(len(g)), min(3, len(g)))
    seen = {s: (-1, -1) for s in sources if allowed[s]}
    frontier = list(seen)
    while frontier:
        nxt = []
        for u in frontier:
            for v, k in g.out(u):
                if allowed[v] and v not in seen:
                    seen[v] = (u, k)
                    nxt.append(v)
        frontier = nxt
    order, pred = g.reach(sources, allowed)
    assert order.tolist() == list(seen)
    for v in seen:
        path, w = [], v
        while w != -1:
            path.append((w, seen[w][1]))
            w = seen[w][0]
        assert g.tree_path(pred, v) == path[::-1]
