"""Pinned numbers for the models in models/, with and without symmetry (as stateright does).

Two-phase commit with three resource managers and symmetry off has 288
distinct states, the number TLC reports for Lamport's TwoPhase.tla; with
five, 8832. The other numbers were checked against a naive BFS over the
reference interpreter (test_engine_differential) and orbit counts by brute
force (test_engine_symmetry); a change to any of them is a change of
semantics and must be explained. The other models of models/ are still being
written: each must hold, each `_broken` variant must be violated.
"""

from __future__ import annotations

import pytest

from checker.engines.explicit.search import ExplicitOptions, check
from checker.core.result import Verdict
from engine_helpers import MODELS, explicit_model_file, model_file, prop

TWO_PC_ACTIONS_3 = {"TMRcvPrepared": 96, "TMCommit": 1, "TMAbort": 64, "RMPrepare": 156, "RMChooseToAbort": 156,
                    "RMRcvCommitMsg": 24, "RMRcvAbortMsg": 648}


def test_two_phase_commit_three_rms_matches_tlc():
    r = check(model_file("two_phase_commit.sync", ["RM=3"]), ExplicitOptions(symmetry=False))
    assert r.verdict is Verdict.HOLDS
    assert r.how == "exhaustive"
    assert (r.stats.distinct_states, r.stats.transitions, r.stats.depth) == (288, 1145, 10)
    assert r.stats.actions == TWO_PC_ACTIONS_3
    verdicts = {p.name: p.verdict for p in r.properties}
    for name in ("Consistent", "TypeOK", "deadlock", "runtime"):
        assert verdicts[name] is Verdict.HOLDS
    assert r.stats.search.fingerprint == "exact"
    assert r.exit_code == 0


def test_two_phase_commit_default_constants_are_three_rms():
    r = check(model_file("two_phase_commit.sync"), ExplicitOptions(symmetry=False))
    assert r.stats.distinct_states == 288
    assert r.constants["RM"] == {"r1", "r2", "r3"}


@pytest.mark.parametrize("rm, symmetry, states, transitions, depth", [
    (2, False, 56, 153, 7),
    (2, True, 34, 93, 7),
    (3, True, 80, 317, 10),
    (4, False, 1568, 8257, 13),
    (4, True, 166, 868, 13),
    (5, False, 8832, 58145, 16),
    (5, True, 314, 2047, 16),
])
def test_two_phase_commit_counts(rm, symmetry, states, transitions, depth):
    r = check(model_file("two_phase_commit.sync", [f"RM={rm}"]), ExplicitOptions(symmetry=symmetry))
    assert r.verdict is Verdict.HOLDS
    assert (r.stats.distinct_states, r.stats.transitions, r.stats.depth) == (states, transitions, depth)


SHIPPED = sorted(p.name for p in MODELS.glob("*.sync"))


@pytest.mark.parametrize("name", SHIPPED)
def test_shipped_model_verdict_follows_its_name(name):
    """A model holds; its `_broken` variant is violated."""
    m = explicit_model_file(name)
    r = check(m, ExplicitOptions())
    if "_broken" in name:
        assert r.verdict is Verdict.VIOLATED
        assert all(p.trace is not None and p.trace.length >= 0 for p in r.violated)
    else:
        assert r.verdict is Verdict.HOLDS, [(p.name, p.message) for p in r.violated]
        assert r.how == "exhaustive"
        assert r.stats.distinct_states > 1


def test_broken_two_phase_commit():
    r = check(model_file("two_phase_commit_broken.sync", ["RM=3"]), ExplicitOptions())
    assert r.verdict is Verdict.VIOLATED
    assert r.exit_code == 1
    assert [p.name for p in r.violated] == ["Consistent"]
    t = prop(r, "Consistent").trace
    assert t.kind == "invariant"
    assert [s.action for s in t.steps] == [None, "RMPrepare", "TMRcvPrepared", "TMCommit", "RMChooseToAbort",
                                           "RMRcvCommitMsg"]
    assert t.steps[-1].state["tm_state"] == "committed"
