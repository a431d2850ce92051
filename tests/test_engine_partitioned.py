"""The partitioned search (workers > 1): the same result as one process, on random models too.

Each worker process owns one hash partition of the states; the order of a level is rebuilt from
keys (first parent, rank among its successors), so counts, statistics, traces, the choice among
violations and the exact state limit must not depend on the number of workers.
"""

from __future__ import annotations

import os
import tempfile

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from checker.core.result import Verdict
from checker.engines.explicit import tracestore
from checker.engines.explicit.partition import Partition, owners, ranks_in_runs
from checker.engines.explicit.search import ExplicitOptions, check
from engine_helpers import checked_model, model_file, model_of, result_summary
from test_engine_differential import random_model, random_struct_model


def _summary(r):
    """result_summary, and the fingerprints and symmetry reduction the search used."""
    return (*result_summary(r), r.stats.search.fingerprint, r.stats.search.symmetry)


def _agree(m, workers=(2, 3), **options):
    """Checks `m` with one process and with each number of workers; all must say the same."""
    one = check(m, ExplicitOptions(workers=1, **options))
    for n in workers:
        many = check(m, ExplicitOptions(workers=n, **options))
        assert many.stats.workers == n
        assert _summary(many) == _summary(one), n
    return one


# ---- the pieces -------------------------------------------------------------------------------

def test_ranks_in_runs():
    parents = np.array([0, 0, 0, 3, 3, 7, 9, 9, 9, 9], dtype=np.int64)
    assert ranks_in_runs(parents).tolist() == [0, 1, 2, 0, 1, 0, 0, 1, 2, 3]
    assert ranks_in_runs(np.zeros(0, dtype=np.int64)).tolist() == []


def test_owners_spread_structured_fingerprints():
    # packed states whose low 20 bits never change must still spread over the partitions
    fps = (np.arange(40_000, dtype=np.uint64) << np.uint64(20)) | np.uint64(0x5A5A5)
    for n in (2, 3, 8):
        counts = np.bincount(owners(fps, n), minlength=n)
        assert counts.min() > 0.9 * len(fps) / n, (n, counts)


def test_owners_are_a_function_of_the_fingerprint():
    fps = np.array([1, 2, 3, 2 ** 64 - 1, 1], dtype=np.uint64)
    own = owners(fps, 5)
    assert own[0] == own[4] and ((0 <= own) & (own < 5)).all()


# ---- whole searches -----------------------------------------------------------------------------

WIDE = """model Wide
var a: map[0..7, 0..255]
var k: 0..7
var flag: bool
init { a = {i: 0 for i in 0..7}  k = 0  flag = false }
action Bump(d: 1..3) {
  require a[k] + d <= 6
  a[k] = a[k] + d
}
action Move { k = (k + 1) % 8 }
action Flip { flag = not flag }
invariant Bounded: a[0] + a[1] < 11
"""


def test_states_beyond_64_bits_agree():
    m = model_of(WIDE)
    assert m.state_bits > 64   # fingerprints are hashes, states travel as Python ints
    r = _agree(m, stop_at_first=False, max_depth=9)
    assert r.stats.search.fingerprint == "64-bit"
    assert [p.name for p in r.violated] == ["Bounded"]
    assert r.violated[0].trace.length == 5   # Bump 3, Bump 3, Move, Bump 3, Bump 2


def test_workers_expand_with_the_level_kernel_as_one_process_without_it():
    """Each partition expands its levels with the level kernel as one process does (chunks where an
    action fails handed back to the generated code, states wider than 62 bits in limbs, invariants
    it cannot translate checked by the generated code, a set of 80 members): the same results as
    one process with the generated code alone."""
    from test_level_kernel import OVERFLOW, PYTHON_INVARIANTS, SET_OF_80
    from test_level_kernel import WIDE as LIMBS
    cases = [(model_file("two_phase_commit.sync", ["RM=4"]), {"max_states": 555}),
             (model_file("two_phase_commit_broken.sync", ["RM=4"]), {"stop_at_first": False}),
             (model_of(LIMBS), {"stop_at_first": False}), (model_of(OVERFLOW), {"stop_at_first": False}),
             (model_of(PYTHON_INVARIANTS), {"stop_at_first": False}), (model_of(SET_OF_80), {"stop_at_first": False})]
    for m, options in cases:
        one = check(m, ExplicitOptions(workers=1, symmetry=False, kernel_from=None, **options))
        two = check(m, ExplicitOptions(workers=2, symmetry=False, kernel_from=0, chunk=40, **options))
        assert _summary(two) == _summary(one), m.name
        assert two.stats.search.kernel.startswith("numpy"), (m.name, two.stats.search.kernel)


def test_state_limit_is_exact_for_any_number_of_workers():
    m = model_file("two_phase_commit.sync", ["RM=4"])
    for limit in (1, 7, 100, 555):
        r = _agree(m, symmetry=False, max_states=limit)
        assert r.stats.distinct_states == limit
        assert r.verdict is Verdict.INCONCLUSIVE and "state limit" in r.reason


def test_symmetric_model_agrees_with_a_state_limit():
    m = model_file("two_phase_commit.sync", ["RM=5"])
    r = _agree(m, symmetry=True, invariants=("Consistent", "TypeOK"), max_states=150)
    assert r.stats.distinct_states == 150


def test_time_limit_in_a_worker_stops_the_run():
    m = model_file("two_phase_commit.sync", ["RM=6"])
    r = check(m, ExplicitOptions(workers=2, symmetry=False, timeout=0.0))
    assert r.verdict is Verdict.INCONCLUSIVE and r.reason.startswith("time limit")


def test_a_worker_that_dies_gives_no_verdict(monkeypatch):
    """A worker killed mid-level (here: it exits at depth 3) must never let the run report the
    counts or verdict of an incomplete search."""
    expand = Partition.expand

    def dying(self, progress=None):
        if self.index == 1 and len(self.levels) == 4:
            os._exit(9)
        return expand(self, progress)

    monkeypatch.setattr(Partition, "expand", dying)   # inherited by the forked workers
    m = model_file("two_phase_commit.sync", ["RM=4"])
    r = check(m, ExplicitOptions(workers=2, symmetry=False))
    assert r.verdict is Verdict.INCONCLUSIVE
    assert "worker process 1 died (exit code 9) at depth 3" in r.reason
    assert r.stats.depth == 3


def test_an_error_in_a_worker_is_an_internal_error(monkeypatch):
    def broken(self, progress=None):
        raise ValueError("broken partition")

    monkeypatch.setattr(Partition, "expand", broken)
    m = model_file("two_phase_commit.sync", ["RM=3"])
    with pytest.raises(RuntimeError, match="(?s)internal error in worker process 0.*broken partition"):
        check(m, ExplicitOptions(workers=2, symmetry=False))


# ---- random models: every outcome, including models where only some branches fail ---------------

@pytest.mark.slow   # 2-5 s on two busy cores: CI's slow selection runs it (the default run stays under 10 minutes)
@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(random_model(), st.integers(1, 60))
def test_random_models_agree(text, limit):
    m = checked_model(text)
    if m is None:
        return
    _agree(m, workers=(2,), deadlock=False, stop_at_first=False)
    _agree(m, workers=(3,), max_states=limit)


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(random_struct_model())
def test_random_structured_models_agree(text):
    m = checked_model(text)
    if m is None:
        return
    _agree(m, workers=(2,), stop_at_first=False)


# ---- the trace store on disk ---------------------------------------------------------------------

@pytest.mark.parametrize("workers", [1, 2])
def test_trace_store_on_disk_gives_the_same_traces(monkeypatch, tmp_path, workers):
    """With no room in memory every level is written to disk and memory-mapped: the same result,
    and the files are gone when the run ends."""
    m = model_of(GRID_FAILING)
    want = check(m, ExplicitOptions(workers=workers, stop_at_first=False))
    monkeypatch.setattr(tracestore, "SPILL_BYTES", 0)
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))   # where the run's directory is made
    spilled = []
    append = tracestore.TraceStore.append

    def spy(self, *arrays):
        append(self, *arrays)
        if len(arrays[0]):
            spilled.append(isinstance(self.levels[-1][0], np.memmap))

    monkeypatch.setattr(tracestore.TraceStore, "append", spy)
    got = check(m, ExplicitOptions(workers=workers, stop_at_first=False))
    assert _summary(got) == _summary(want)
    assert {p.name: p.trace.length for p in got.violated} == {"Diagonal": 6, "Far": 9, "deadlock": 18}
    assert got.stats.search.trace_bytes == want.stats.search.trace_bytes > 0
    if workers == 1:
        assert spilled and all(spilled)
    assert list(tmp_path.iterdir()) == []


def test_trace_store_spills_past_its_budget(tmp_path):
    store = tracestore.TraceStore(lambda: str(tmp_path / "d"), spill_bytes=100)
    a = np.arange(5, dtype=np.uint64)
    store.append(a, a.astype(np.uint32))      # 60 bytes: in memory
    store.append(a + 10, a.astype(np.uint32))  # 60 more would pass the budget: on disk
    assert (store.memory, store.disk) == (60, 60)
    assert isinstance(store.level(1)[0], np.memmap) and not isinstance(store.level(0)[0], np.memmap)
    assert [int(x) for x in store.level(1)[0][[0, 4]]] == [10, 14]
    assert store.nbytes == 120 and len(store) == 2


GRID_FAILING = """model G
var x: 0..9
var y: 0..9
init { x = 0  y = 0 }
action Right { require x < 9  x = x + 1 }
action Up { require y < 9  y = y + 1 }
invariant Diagonal: not (x == 3 and y == 3)
invariant Far: x + y < 9
"""
