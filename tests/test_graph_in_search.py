"""The search builds the state graph as it goes (issue 13, liveness at most twice safety).

With temporal or determinism properties, one process and no symmetry reduction, the breadth-first
search runs the generated `expand_labelled` and adds every chunk's transitions to the state graph,
instead of the graph properties exploring every state again after it. Whatever the chunking, that
graph is the one built after the search (states, numbers, BFS parents, edges and their order), and
every result is the same. When the search and the graph part (a fingerprint collision drops a state,
the state limit), the graph is built after the search as before.
"""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

import checker.engines.explicit.visited as visited
from checker.engines.explicit.graph import GraphBuilder, GraphLimit, StateGraph
from checker.engines.explicit.search import ExplicitOptions, Explorer
from engine_helpers import model_file, model_of

# more than 64 bits of state (a set over 80 values): fingerprints, not the states themselves
WIDE = """model Wide
var seen: set[0..79]
var at: 0..79
var done: bool
init { seen = {} at = 0 done = false }
action Step(d: 1..3) {
  require not done and at + d <= 79
  at = at + d
  seen = {at, 79 - at}
}
action Finish {
  require not done and at >= 70
  done = true
}
action Rest { require done }
fairness weak Step, Finish
property Ends: eventually done
property Low: always at < 79
"""

# a choose whose branches fail on some values: transitions and a run-time error from one state
CHOOSY = """model Choosy
var x: 0..9
var y: 0..3
init { x = 0 y = 0 }
action Pick {
  choose v in {1, 2, 3}
  x = x + v
}
action Bump {
  require y < 3
  y = y + 1
}
action Reset {
  require x == 9
  x = 0
}
fairness weak Pick
property Returns: always eventually x == 0
property Bounded: eventually always y == 3
"""


def _graph(g: StateGraph) -> tuple:
    return (list(g.states), list(g.init), list(g.parent), list(g.parent_inst),
            g.offsets.tolist(), g.dst.tolist(), g.inst.tolist())


def _run(m, in_search: bool, monkeypatch, **options):
    """(the explorer after its run, its result, whether the search built the graph)."""
    built = []
    searched = Explorer._searched_graph

    def spy(self):
        g = searched(self)
        built.append(g is not None)
        return g

    with monkeypatch.context() as mp:
        mp.setattr(Explorer, "_searched_graph", spy)
        if not in_search:
            mp.setattr(Explorer, "_graph_in_search", lambda self: False)
        e = Explorer(m, ExplicitOptions(symmetry=False, **options))
        result = e.run()
    return e, result, any(built)


def _same(a, b) -> None:
    for field in ("distinct_states", "transitions", "depth", "actions"):
        assert getattr(a.stats, field) == getattr(b.stats, field), field
    assert (a.stats.graph.states, a.stats.graph.edges) == (b.stats.graph.states, b.stats.graph.edges)
    assert (a.verdict, a.how, a.reason) == (b.verdict, b.how, b.reason)
    assert [(p.name, p.kind, p.verdict, p.message, p.where) for p in a.properties] == \
        [(p.name, p.kind, p.verdict, p.message, p.where) for p in b.properties]
    for p, q in zip(a.properties, b.properties):
        assert (None if p.trace is None else dataclasses.asdict(p.trace)) == \
            (None if q.trace is None else dataclasses.asdict(q.trace))


CASES = [
    ("two_phase_commit.sync", ["RM=4"], {}),
    ("two_phase_commit_broken.sync", ["RM=3"], {"stop_at_first": False}),
    ("gossip_replicas_broken.sync", None, {"stop_at_first": False}),
    ("state_channel_broken.sync", None, {"stop_at_first": False}),
]


@pytest.mark.parametrize("name, consts, options", CASES, ids=[c[0] for c in CASES])
@pytest.mark.parametrize("chunk", [5, 4096])
def test_the_graph_built_by_the_search_is_the_graph_built_after_it(name, consts, options, chunk, monkeypatch):
    m = model_file(name, consts)
    e, during, built = _run(m, True, monkeypatch, chunk=chunk, **options)
    assert built, "the search did not build the graph"
    assert e.cm.expand_labelled is not None
    after = StateGraph(e.cm, inits=e.cm.init_states())
    assert _graph(e.graph) == _graph(after)
    _, before, built_after = _run(m, False, monkeypatch, chunk=chunk, **options)
    assert not built_after
    _same(during, before)


@pytest.mark.parametrize("text", [WIDE, CHOOSY], ids=["wide", "choosy"])
def test_wide_states_and_failing_branches(text, monkeypatch):
    m = model_of(text)
    e, during, built = _run(m, True, monkeypatch, chunk=3, stop_at_first=False)
    assert built
    assert _graph(e.graph) == _graph(StateGraph(e.cm, inits=e.cm.init_states()))
    _, before, _ = _run(m, False, monkeypatch, chunk=3, stop_at_first=False)
    _same(during, before)
    if text is CHOOSY:  # the error and the transitions of the branches that succeed
        assert {p.name: p.verdict.value for p in during.properties}["runtime"] == "violated"


def test_wide_states_are_fingerprinted():
    assert model_of(WIDE).state_bits > 64


def test_a_fingerprint_collision_leaves_the_graph_to_after_the_search(monkeypatch):
    """Fingerprints taken modulo a small prime collide: the search drops states the graph holds,
    notices it, and the graph is built after the search, as it was without the search building it."""
    mixed = visited._mixed
    monkeypatch.setattr(visited, "_mixed", lambda u: mixed(u) % np.uint64(101))
    aligned, dropped = [], []
    building = Explorer._expand_building

    def spy(self, chunk):
        done = self.builder.done
        expected = self.builder.g.states[done:done + len(chunk)]
        out = building(self, chunk)
        (aligned if self.builder is not None else dropped).append(chunk == expected)
        return out

    m = model_of(WIDE)
    with monkeypatch.context() as mp:
        mp.setattr(Explorer, "_expand_building", spy)
        _, during, built = _run(m, True, mp, chunk=7, stop_at_first=False)
    assert not built
    assert all(aligned) and dropped == [False]   # given to the graph only while they agree
    e, before, _ = _run(m, False, monkeypatch, chunk=7, stop_at_first=False)
    assert during.stats.distinct_states < len(e.graph)   # states were lost to collisions
    _same(during, before)


def test_a_graph_limit_while_searching_leaves_the_graph_to_after_the_search(monkeypatch):
    calls = []
    add = GraphBuilder.add

    def third_fails(self, ts, ks, ends):
        calls.append(1)
        if len(calls) == 3:
            raise GraphLimit("state limit")
        return add(self, ts, ks, ends)

    m = model_file("two_phase_commit.sync", ["RM=3"])
    with monkeypatch.context() as mp:
        mp.setattr(GraphBuilder, "add", third_fails)
        _, during, built = _run(m, True, mp, chunk=5)
    assert not built and len(calls) >= 3
    _, before, _ = _run(m, False, monkeypatch, chunk=5)
    _same(during, before)


def test_no_graph_in_the_search_with_symmetry_workers_or_without_graph_properties():
    m = model_file("two_phase_commit.sync", ["RM=3"])
    assert Explorer(m, ExplicitOptions(symmetry=False)).cm.expand_labelled is not None
    assert Explorer(m, ExplicitOptions(symmetry=True)).cm.expand_labelled is None
    assert Explorer(m, ExplicitOptions(symmetry=False, workers=2)).cm.expand_labelled is None
    safety = ExplicitOptions(symmetry=False, invariants=("Consistent",))
    assert Explorer(m, safety).cm.expand_labelled is None
