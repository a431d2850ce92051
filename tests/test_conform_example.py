"""The example of examples/options_ledger_impl: a Python ledger against models/options_ledger.sync.

The correct ledger conforms; each buggy variant is caught with a shortest trace; a counterexample of
the explicit engine becomes a regression test; the order-dependent variant is caught by --determinism.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from checker.cli.main import main
from checker.conform.run import ACCEPTED, STATE, assert_replays, conform, replay_trace
from checker.engines.explicit.search import ExplicitOptions, check
from checker.traces.itf import trace_document
from examples.options_ledger_impl.adapter import (EagerMarginCallAdapter, ExerciseAfterExpiryAdapter, LedgerAdapter,
                                                  PositionsIndexAdapter)
from spec.loader import load

ROOT = Path(__file__).resolve().parent.parent
MODEL = ROOT / "models" / "options_ledger.sync"


@pytest.fixture(scope="module")
def model():
    return load(MODEL)


def test_the_ledger_conforms(model):
    r = conform(model, LedgerAdapter, runs=60, steps=30, seed=1)
    assert r.ok, r.mismatch and r.mismatch.message
    assert r.probes > 0 and r.refusals == r.probes   # what the model forbids, the ledger refuses
    assert "cash" in r.observed and "slots" in r.observed
    assert any("slots[].closes" in w for w in r.warnings)  # the model's ghost field is not observed


def test_an_off_by_one_in_margin_calls_is_caught_with_a_shortest_trace(model):
    m = conform(model, EagerMarginCallAdapter, runs=100, seed=1).mismatch
    assert m is not None and m.kind == STATE and m.action == "UpdatePrice"
    assert m.trace.length == 2          # write an option, then a mark that leaves its margin exactly enough
    assert [s.action for s in m.trace.steps[1:]] == ["Write", "UpdatePrice"]
    assert [(where.split(".")[-1], e, o) for where, e, o in m.diffs] == [("called", False, True)]


@pytest.mark.slow   # 2-5 s on two busy cores: CI's slow selection runs it (the default run stays under 10 minutes)
def test_a_missing_expiry_guard_is_caught_with_a_shortest_trace(model):
    m = conform(model, ExerciseAfterExpiryAdapter, runs=300, seed=0).mismatch
    assert m is not None and m.kind == ACCEPTED and m.action == "Exercise"
    assert m.trace.length == 5          # write, buy, expire, move the price into the money, exercise
    assert "Expire" in [s.action for s in m.trace.steps]


def test_a_counterexample_of_the_checker_is_a_regression_test(model):
    """The explicit engine's trace of the broken model (exercise after expiry) drives the ledger: the
    correct one refuses the last step, the buggy one accepts it."""
    broken = load(ROOT / "models" / "options_ledger_broken_expiry.sync")
    trace = check(broken, ExplicitOptions()).violated[0].trace
    doc = json.loads(json.dumps(trace_document(trace, str(broken.path))))
    assert_replays(doc, model, LedgerAdapter)
    bad = replay_trace(doc, model, ExerciseAfterExpiryAdapter)
    assert bad.mismatch.kind == ACCEPTED and bad.mismatch.step == trace.length


def test_the_cli_from_the_repository_root(tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(ROOT)
    impl = "examples.options_ledger_impl.adapter:EagerMarginCallAdapter"
    code = main(["conform", "models/options_ledger.sync", "--impl", impl, "--seed", "1", "--out", str(tmp_path)])
    out = capsys.readouterr().out
    assert code == 1
    assert "mismatch at step 2, UpdatePrice" in out and "expected (model)" in out
    assert re.search(r"slots\[[01]\]\.called +false +true", out)
    written = tmp_path / "options_ledger.EagerMarginCallAdapter.conformance.itf.json"
    assert written.exists()
    code = main(["conform", "models/options_ledger.sync", "--impl", impl.replace("EagerMarginCall", "Ledger"),
                 "--replay", str(written)])
    assert code == 0 and "CONFORMS" in capsys.readouterr().out
    code = main(["replay", str(written), "models/options_ledger.sync"])   # a behaviour of the model
    assert code == 0


def test_determinism_catches_the_order_dependent_ledger(tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(ROOT)
    code = main(["conform", "models/options_ledger.sync", "--impl",
                 "examples.options_ledger_impl.adapter:PositionsIndexAdapter", "--determinism", "--seed", "1",
                 "--runs", "10", "--json", "--out", str(tmp_path)])
    data = json.loads(capsys.readouterr().out)
    assert code == 1 and data["verdict"] == "divergent"
    d = data["divergence"]
    assert d["action"] == "Transfer" and d["kind"] == "hash-seed"
    assert [x["where"].split(".")[-1] for x in d["diffs"]] == ["holder"]
    assert d["trace_length"] <= 4       # write, buy, transfer (and back): the index keeps both holders


def test_the_correct_ledger_is_deterministic(model, monkeypatch):
    monkeypatch.chdir(ROOT)
    from checker.conform.determinism import DeterminismOptions, check_determinism
    impl = "examples.options_ledger_impl.adapter:LedgerAdapter"
    r = check_determinism(model, LedgerAdapter, impl, [str(ROOT)], DeterminismOptions(runs=5, steps=20, seed=1))
    assert r.ok
    assert PositionsIndexAdapter.ledger_class.__name__ == "PositionsIndex"
