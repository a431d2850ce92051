"""The fuzzing harness (tests/fuzz/), on a short budget (issue 11 item 24).

Generated models go through the differential run (compiled engine, interpreter, BMC with a z3
resource limit) and the command line (`parse`, `check --max-states`, `replay`); mutants of the
shipped models through the command line. Any traceback, exit 4, trace that does not replay,
disagreement or hang is a finding; the findings already reported are filtered by
`fuzz/known.py`, so a new one fails the test with its model and output. The examples are
derandomized: every run draws the same models. The long run is `python bench/fuzz.py`.
"""

from __future__ import annotations

import random

import pytest
from hypothesis import HealthCheck, given, settings

from fuzz.campaign import Campaign
from fuzz.generators import models
from fuzz.known import known
from fuzz.mutators import MUTATIONS, mutants, mutate, shipped, tokens
from fuzz.runner import Finding, run_inprocess, run_subprocess

GUARD = 30.0  # CPU seconds: only a hang guard; the budget is --max-states and the models' size


def _settings(n: int):
    return settings(max_examples=n, deadline=None, derandomize=True, database=None,
                    suppress_health_check=list(HealthCheck))


def _no_new(found: list[Finding]) -> None:
    new = [f for f in found if f.known is None]
    assert not new, "\n\n".join(f.text() for f in new)


def _models(n: int):
    @_settings(n)
    @given(models())
    def run(text):
        _no_new(Campaign(guard=GUARD).model(text))
    run()


def _mutants(n: int):
    @_settings(n)
    @given(mutants())
    def run(case):
        _no_new(Campaign(guard=GUARD, max_states=500).mutant(case[2]))
    run()


def test_generated_models_short_budget():
    _models(15)


def test_mutants_short_budget():
    _mutants(50)


@pytest.mark.slow
def test_generated_models_long_budget():
    _models(300)


@pytest.mark.slow
def test_mutants_long_budget():
    _mutants(400)


# ---- the harness itself ------------------------------------------------------------------------

def test_generated_models_mostly_type_check():
    c = Campaign(bmc_every=0)

    @_settings(30)
    @given(models())
    def run(text):
        c._differential(text)
    run()
    assert c.counts["rejected"] <= 5


def test_mutations_are_reproducible_and_bounded():
    text = shipped()["two_phase_commit.sync"]
    for f in MUTATIONS:
        a, b = f(text, random.Random(7)), f(text, random.Random(7))
        assert a == b
        assert len(a) < 20 * len(text) + 100_000
    assert "".join(tokens(text)) == text
    assert mutate(text, random.Random(1)) == mutate(text, random.Random(1))


def test_runner_classifies_outcomes(tmp_path):
    bad = tmp_path / "bad.sync"
    bad.write_text("model B\nvar x: 0..1\ninit { x = 2 }\n")
    assert run_inprocess(["parse", str(bad)]).problem is None        # exit 2: an answer
    assert run_inprocess(["parse", str(tmp_path / "none.sync")]).code == 2
    assert run_inprocess(["check", "--no-such-option"]).problem is None  # argparse: exit 2


def test_runner_in_a_subprocess(tmp_path):
    bad = tmp_path / "bad.sync"
    bad.write_text("model B\nvar x: 0..1\ninit { x = 2 }\n")
    o = run_subprocess(["parse", str(bad)])
    assert (o.code, o.problem) == (2, None)
    assert "error[E320]" in o.output


def test_runner_reports_a_hang(monkeypatch, tmp_path):
    import checker.cli.main

    def forever(argv):
        while True:
            pass
    monkeypatch.setattr(checker.cli.main, "main", forever)
    o = run_inprocess(["parse", "x.sync"], guard=0.2)
    assert (o.code, o.problem) == (None, "hang")


def test_differential_finds_bug_1_if_it_comes_back(monkeypatch):
    """The model of issue 11 bug 1 (a failing `choose` branch discarded the others): the
    differential run compares the engine with a BFS over the interpreter, so an engine that
    drops the successful branch is a disagreement."""
    from checker.engines.explicit import search as explicit
    from fuzz.differential import compare
    from spec.loader import load_text
    m = load_text("model P5\nvar y: 0..1\ninit { y = 0 }\naction A { choose c in 1..2  y = c }\n"
                  "invariant Zero: y == 0\n", "p5.sync")
    assert compare(m) == []
    real = explicit.check

    def dropping(model, opts):  # what bug 1 looked like: Zero holds, one state
        r = real(model, opts)
        r.stats.distinct_states = 1
        return r
    monkeypatch.setattr("fuzz.differential.explicit_check", dropping)
    assert any("explicit engine: 1 states" in p for p in compare(m))


def test_known_findings_name_their_item(monkeypatch):
    from fuzz import known as k
    assert all(e.item.split()[0] in ("issue", "known-findings", "fuzz-findings") for e in k.KNOWN)
    assert known("internal error: RecursionError: maximum recursion depth exceeded", "") is None  # all fixed
    monkeypatch.setattr(k, "KNOWN", [k.Known("issue 11 item 11", r"RecursionError", r"\bnot not\b")])
    assert known("internal error: RecursionError: maximum recursion depth exceeded", "x = not not y") \
        == "issue 11 item 11"
    assert known("internal error: RecursionError: maximum recursion depth exceeded", "x = y") is None
    assert known("exit 4: ZeroDivisionError", "x = not not y") is None
