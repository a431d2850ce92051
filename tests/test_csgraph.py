"""The graph searches written out for small graphs against scipy's, on random graphs: the same
orders, parents and component numbers (counterexamples depend on them)."""

from __future__ import annotations

import random
import re
import sys
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from scipy.sparse import csr_matrix
from scipy.sparse.csgraph import breadth_first_order, connected_components, depth_first_order

from checker.engines.explicit import csgraph
from checker.engines.explicit.csgraph import Csr, canonical, from_pairs, transpose
from checker.engines.explicit.search import ExplicitOptions, Explorer
from engine_helpers import model_file, model_of
from test_graph_in_search import _same
from test_liveness_fast import random_model
from test_ltl import formulas, random_model as ltl_model

ROOT = Path(__file__).resolve().parent.parent


def random_pairs(rng: random.Random) -> tuple[np.ndarray, np.ndarray, int]:
    n = rng.choice([1, 2, 3, rng.randint(4, 40), rng.randint(100, 400)])
    shape = rng.random()
    m = rng.randint(0, 4 * n)
    if shape < 0.15:   # no cycles but self-loops: strong components by peeling nodes off alone
        pairs = [tuple(sorted((rng.randrange(n), rng.randrange(n)))) for _ in range(m)]
    elif shape < 0.4:  # a few long cycles and chains: deep searches
        nodes = list(range(n))
        rng.shuffle(nodes)
        pairs = list(zip(nodes, nodes[1:] + nodes[:1]))[: rng.randint(0, n)]
        pairs += [(rng.randrange(n), rng.randrange(n)) for _ in range(m // 4)]
    else:
        pairs = [(rng.randrange(n), rng.randrange(n)) for _ in range(m)]
    pairs += [(u, u) for u in range(n) if rng.random() < 0.1]      # self-loops
    pairs += [p for p in pairs if rng.random() < 0.2]             # repeats
    rng.shuffle(pairs)
    rows = np.array([p[0] for p in pairs], dtype=np.int64)
    cols = np.array([p[1] for p in pairs], dtype=np.int64)
    return rows, cols, n


def raw(rows: np.ndarray, cols: np.ndarray, n: int) -> Csr:
    """The pairs as rows in their given order, repeats kept (as the state graph keeps its edges)."""
    order = np.argsort(rows, kind="stable")
    return Csr(np.searchsorted(rows[order], np.arange(n + 1)), cols[order], n)


def scipy_matrix(g: Csr) -> csr_matrix:
    return csr_matrix((np.ones(g.edges), g.indices.astype(np.int32), g.indptr), shape=(g.n, g.n))


SEEDS = range(300)


@pytest.mark.parametrize("seed", SEEDS[::10])
def test_the_rows_are_scipys(seed):
    rng = random.Random(seed)
    for _ in range(10):
        rows, cols, n = random_pairs(rng)
        m = csr_matrix((np.ones(len(rows), dtype=np.int8), (rows, cols)), shape=(n, n))
        m.sum_duplicates()
        g = from_pairs(rows, cols, n)
        assert g.indptr.tolist() == m.indptr.tolist() and g.indices.tolist() == m.indices.tolist()
        r = raw(rows, cols, n)
        m = scipy_matrix(r)
        m.sum_duplicates()
        c = canonical(r)
        assert c.indptr.tolist() == m.indptr.tolist() and c.indices.tolist() == m.indices.tolist()
        t, m = transpose(r), scipy_matrix(r).transpose().tocsr()
        assert t.indptr.tolist() == m.indptr.tolist() and t.indices.tolist() == m.indices.tolist()


@pytest.mark.parametrize("seed", SEEDS[::10])
def test_the_searches_are_scipys(seed, monkeypatch):
    monkeypatch.setattr(csgraph, "_in_scipy", lambda g: False)
    rng = random.Random(seed)
    for _ in range(10):
        rows, cols, n = random_pairs(rng)
        g = raw(rows, cols, n)
        m = scipy_matrix(g)
        for start in {0, n - 1, rng.randrange(n)}:
            order, pred = csgraph._bfs(g, start)
            s_order, s_pred = breadth_first_order(m, start, directed=True)
            assert order.tolist() == s_order.tolist()
            assert np.maximum(pred, -1).tolist() == np.maximum(s_pred, -1).tolist()
            s_dfs = depth_first_order(m, start, directed=True, return_predecessors=False)
            assert csgraph._dfs(g, start).tolist() == s_dfs.tolist()
        c = canonical(g)
        labels = connected_components(scipy_matrix(c), directed=True, connection="strong")[1]
        for rounds in (0, 1, 3, 10_000):   # peeling stopped early, or not
            monkeypatch.setattr(csgraph, "TRIM_ROUNDS", rounds)
            assert csgraph.strong_components(c).tolist() == csgraph.by_first_node(labels).tolist()
        assert csgraph.by_first_node(csgraph._strong(c)).tolist() == csgraph.by_first_node(labels).tolist()
        assert csgraph.by_first_node(labels)[0] == 0 and np.all(np.diff(np.maximum.accumulate(
            csgraph.by_first_node(labels))) <= 1)   # numbered in order of first node


@pytest.mark.parametrize("seed", SEEDS[::10])
def test_a_search_within_a_subset_is_scipys_on_the_subgraph(seed):
    """bfs_within (sources in their order, repeats and sources outside the subset among them) is
    scipy's breadth-first search on the subgraph the subset induces, from a node with an edge to
    each source in their order."""
    rng = random.Random(seed)
    for _ in range(10):
        rows, cols, n = random_pairs(rng)
        g = raw(rows, cols, n)
        allowed = np.array([rng.random() < rng.choice([0.3, 0.8, 1.0]) for _ in range(n)], dtype=bool)
        sources = [rng.randrange(n) for _ in range(rng.randint(1, 5))]
        sources += sources[:rng.randint(0, len(sources))]   # repeats
        inside = [u for u in sources if allowed[u]]
        order, pred = csgraph.bfs_within(g, sources, allowed)
        if not inside:
            assert order.tolist() == [] and (pred == -1).all()
            continue
        keep = allowed[rows] & allowed[cols]
        sub_rows = np.concatenate([rows[keep], np.full(len(inside), n)])
        sub_cols = np.concatenate([cols[keep], np.array(inside, dtype=np.int64)])
        m = scipy_matrix(raw(sub_rows, sub_cols, n + 1))
        s_order, s_pred = breadth_first_order(m, n, directed=True)
        assert order.tolist() == s_order[1:].tolist()
        s_pred = s_pred[:n]
        assert pred.tolist() == np.where((s_pred == n) | (s_pred < 0), -1, s_pred).tolist()


def test_the_written_out_searches_handle_deep_graphs_without_recursion():
    n = 50_000   # one cycle through every node, and a chain beside it
    nxt = np.roll(np.arange(n), -1)
    g = from_pairs(np.arange(n), nxt, n)
    assert set(csgraph._strong(g).tolist()) == {0}
    assert csgraph._dfs(g, 7)[:3].tolist() == [7, 8, 9] and len(csgraph._dfs(g, 7)) == n
    chain = from_pairs(np.arange(n - 1), np.arange(1, n), n)
    assert csgraph._strong(chain).tolist() == list(range(n - 1, -1, -1))   # completed from the end
    assert csgraph.strong_components(chain).tolist() == list(range(n))
    order, pred = csgraph._bfs(chain, 0)
    assert order.tolist() == list(range(n)) and pred[1:].tolist() == list(range(n - 1))


def test_small_graphs_are_searched_here_and_large_ones_in_scipy(monkeypatch):
    calls = []
    bfs = csgraph._bfs
    monkeypatch.setattr(csgraph, "_strong", lambda g: calls.append("python") or np.zeros(g.n, dtype=np.int64))
    monkeypatch.setattr(csgraph, "_bfs", lambda g, start: calls.append("numpy") or bfs(g, start))
    monkeypatch.delitem(sys.modules, "scipy.sparse.csgraph")
    g = from_pairs(np.arange(3), np.array([1, 2, 0]), 3)
    csgraph.strong_components(g)
    assert calls == ["python"]
    dag = from_pairs(np.array([0, 1]), np.array([1, 2]), 3)   # peeled off: no search at all
    assert csgraph.strong_components(dag).tolist() == [0, 1, 2] and calls == ["python"]
    assert csgraph.bfs(g, 1)[0].tolist() == [1, 2, 0] and calls == ["python", "numpy"]
    monkeypatch.setattr(csgraph, "SMALL", 5)   # 3 nodes + 3 edges: large, but not LARGE
    assert csgraph.bfs(g, 1)[0].tolist() == [1, 2, 0] and calls == ["python", "numpy", "numpy"]
    monkeypatch.setattr(csgraph, "LARGE", 5)
    assert csgraph.bfs(g, 1)[0].tolist() == [1, 2, 0] and len(calls) == 3
    assert csgraph.strong_components(g).tolist() == [0, 0, 0] and len(calls) == 3


# ---- whole checks: the same results from either implementation -------------------------------------

def _check(m, in_scipy: bool, monkeypatch):
    with monkeypatch.context() as mp:
        mp.setattr(csgraph, "_in_scipy", lambda g: in_scipy)
        mp.setattr(csgraph, "_scipy_loaded", lambda: in_scipy)
        return Explorer(m, ExplicitOptions(symmetry=False, stop_at_first=False)).run()


SLOW = {"validity_proofs_broken_snapshot.sync", "validity_proofs_broken_input.sync", "portfolio_margin.sync"}
MODELS = [pytest.param(p.name, marks=[pytest.mark.slow] if p.name in SLOW else [])
          for p in sorted((ROOT / "models").glob("*.sync"))
          if re.search(r"\b(eventually|leads_to|deterministic|commute)\b", p.read_text(encoding="utf-8"))]


@pytest.mark.parametrize("name", MODELS)
def test_every_shipped_graph_property_has_the_same_results_either_way(name, monkeypatch):
    m = model_file(name)
    if m.state_bits > 64 and "large" in name:
        pytest.skip("a large model")
    _same(_check(m, False, monkeypatch), _check(m, True, monkeypatch))


@pytest.mark.parametrize("seed", range(0, 60, 3))
def test_random_temporal_models_have_the_same_results_either_way(seed, monkeypatch):
    m = model_of(random_model(random.Random(seed)))
    _same(_check(m, False, monkeypatch), _check(m, True, monkeypatch))


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow], derandomize=True)
@given(ltl_model(), formulas())
def test_temporal_formulas_have_the_same_results_either_way(text, formula):
    m = model_of(text + f"property F: {formula}\nproperty G: always eventually x == 0\n")
    with pytest.MonkeyPatch.context() as mp:
        _same(_check(m, False, mp), _check(m, True, mp))
