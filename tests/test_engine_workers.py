"""Several worker processes give the same result, statistics and traces as one."""

from __future__ import annotations

import dataclasses

import pytest

import checker.engines.explicit.search as explicit
from checker.engines.explicit.search import ExplicitOptions, check
from engine_helpers import model_file, model_of


@pytest.fixture(autouse=True)
def shared_levels(monkeypatch):
    """Levels whose states were held by more than one worker (to show the partitions are used)."""
    seen = []
    merged = explicit.Explorer._merged

    def spy(self, answers):
        busy = [report["successors"] for report, _ in answers if report["successors"]]
        if len(busy) > 1:
            seen.append(busy)
        return merged(self, answers)

    monkeypatch.setattr(explicit.Explorer, "_merged", spy)
    yield seen
    assert seen, "no level was shared between workers"


def _same_results(m, **options):
    one = check(m, ExplicitOptions(workers=1, chunk=64, **options))
    two = check(m, ExplicitOptions(workers=2, chunk=64, **options))
    assert one.stats.workers == 1 and two.stats.workers == 2
    for field in ("distinct_states", "transitions", "depth", "actions"):
        assert getattr(one.stats, field) == getattr(two.stats, field), field
    for field in ("symmetry", "fingerprint"):
        assert getattr(one.stats.search, field) == getattr(two.stats.search, field), field
    assert (one.verdict, one.how, one.reason) == (two.verdict, two.how, two.reason)
    assert len(one.properties) == len(two.properties)
    for a, b in zip(one.properties, two.properties):
        assert (a.name, a.kind, a.verdict, a.message, a.where) == (b.name, b.kind, b.verdict, b.message, b.where)
        assert (a.trace is None) == (b.trace is None)
        if a.trace is not None:
            ta, tb = dataclasses.asdict(a.trace), dataclasses.asdict(b.trace)
            assert ta == tb
    return one


GRID = """model Grid
var x: 0..15
var y: 0..15
var z: 0..7
init { x = 0 y = 0 z = 0 }
action Right {
  require x < 15
  x = x + 1
}
action Up {
  require y < 15
  y = y + 1
}
action Spin(d: 1..7) { z = (z + d) % 8 }
action Boom {
  require x == 12 and y == 12
  assert z != 1, "boom"
}
invariant Small: x + y < 20
invariant NotCorner: not (x == 15 and y == 0)
"""


def test_workers_agree_on_a_passing_symmetric_model():
    # the safety properties only: the liveness property would build the unreduced graph
    r = _same_results(model_file("two_phase_commit.sync", ["RM=7"]), symmetry=True,
                      invariants=("Consistent", "TypeOK"))
    assert r.stats.distinct_states == 920
    assert r.violated == []


def test_workers_agree_on_a_passing_model():
    r = _same_results(model_of(GRID.replace("assert z != 1", "assert true")), invariants=())
    assert (r.stats.distinct_states, r.stats.depth) == (2048, 31)
    assert r.violated == []


def test_workers_agree_on_a_violating_model():
    r = _same_results(model_file("two_phase_commit_broken.sync", ["RM=5"]), symmetry=False)
    assert [p.name for p in r.violated] == ["Consistent"]
    assert r.violated[0].trace.length == 5


def test_workers_agree_on_every_violation_of_a_model():
    r = _same_results(model_of(GRID), stop_at_first=False)
    assert {p.name: p.trace.length for p in r.violated} == {"NotCorner": 15, "Small": 20, "runtime": 26}
    assert r.stats.distinct_states == 2048


def test_workers_agree_with_limits():
    r = _same_results(model_file("two_phase_commit.sync", ["RM=4"]), symmetry=False, max_depth=6)
    assert r.reason.startswith("depth limit 6 reached")
