"""The benchmark corpus (issue 13): every model in bench/corpus/ agrees with its hand-written transcription.

A corpus model is bench/corpus/NAME.sync with NAME.py beside it (the interface is in
bench/corpus/naive.py). At its SMALL size the explicit engine and the naive breadth-first
search over the transcription must find the same distinct states and transitions, the
count recorded in STATES["small"], and every property must hold.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path
from types import ModuleType

import pytest

from spec.loader import load

from checker.core.result import Verdict
from checker.engines import registry
from checker.engines.base import CheckRequest, ExplicitSection

CORPUS = Path(__file__).resolve().parent.parent / "bench" / "corpus"


def _module(path: Path) -> ModuleType:
    spec = importlib.util.spec_from_file_location(f"corpus_{path.stem}", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


NAIVE = _module(CORPUS / "naive.py")
MODELS = sorted(p.stem for p in CORPUS.glob("*.sync") if p.with_suffix(".py").exists())


def _engine(name: str, overrides: list[str], workers: int = 1):
    model = load(CORPUS / f"{name}.sync", overrides)
    request = CheckRequest(explicit=ExplicitSection(symmetry=False, workers=workers))
    return registry.run(model, registry.EXPLICIT.name, request)


def test_the_corpus_is_there():
    assert {"bakery_init", "fifo_mutex", "nested_ledger", "paxos_commit"} <= set(MODELS)


@pytest.mark.parametrize("name", MODELS)
def test_engine_and_transcription_agree_at_the_small_size(name):
    spec = _module(CORPUS / f"{name}.py")
    states, transitions, _ = NAIVE.bfs(spec, spec.SMALL)
    assert states == spec.STATES["small"]
    result = _engine(name, spec.SMALL)
    assert result.verdict is Verdict.HOLDS, [(p.name, p.verdict.value, p.message) for p in result.properties]
    assert (result.stats.distinct_states, result.stats.transitions) == (states, transitions)


def test_two_workers_give_the_same_counts():
    name = "paxos_commit"  # the widest levels at the small size: chunks go to the workers
    spec = _module(CORPUS / f"{name}.py")
    one, two = _engine(name, spec.SMALL, 1), _engine(name, spec.SMALL, 2)
    assert two.verdict is Verdict.HOLDS
    assert (two.stats.distinct_states, two.stats.transitions) == (one.stats.distinct_states, one.stats.transitions)
    assert two.stats.distinct_states == spec.STATES["small"]


def test_the_recorded_bench_size_is_the_big_one():
    for name in MODELS:
        spec = _module(CORPUS / f"{name}.py")
        assert spec.STATES["bench"] >= 500_000, name
        assert spec.STATES["small"] < spec.STATES["bench"], name
