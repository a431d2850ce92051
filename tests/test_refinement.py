"""`refines A from "path" { ... }`: real outcomes of the explicit engine, the errors, replay, the other
simulation's "not checked" (the symbolic engines: tests/test_refinement_symbolic.py), and agreement
with a brute-force oracle on small random models."""

from __future__ import annotations

import json
import random
from pathlib import Path

import pytest

from checker.core.kinds import Kind
from checker.core.result import Verdict
from checker.engines import registry
from checker.engines.base import CheckRequest
from checker.engines.explicit.search import ExplicitOptions, check
from cli_helpers import ROOT, run_cli
from spec.diagnostics import SpecError
from spec.interp import Interp
from spec.loader import load
from spec.refinement import Refinement

COUNTER = """model Counter
var n: 0..3
init { n = 0 }
action Inc { require n < 3  n = n + 1 }
"""


def _write(tmp_path: Path, name: str, text: str) -> Path:
    p = tmp_path / name
    p.write_text(text, encoding="utf-8")
    return p


def _concrete(tmp_path: Path, body: str, name: str = "conc.sync") -> Path:
    _write(tmp_path, "abs.sync", COUNTER)
    return _write(tmp_path, name, body)


def _prop(result, name):
    return next(p for p in result.properties if p.name == name)


HOLDS = """model Concrete
var a: 0..3
var b: 0..3
init { a = 0 b = 0 }
action A { require a < 3  a = a + 1 }
action B { require b < 3  b = b + 1 }
refines Counter from "abs.sync" { n = a }
"""

STEP = """model Jumper
var a: 0..3
init { a = 0 }
action A { require a < 3  a = a + 1 }
action Jump { require a == 1  a = 3 }
refines Counter from "abs.sync" { n = a }
"""

INIT = """model Late
var a: 0..3
init { a = 1 }
action A { require a < 3  a = a + 1 }
refines Counter from "abs.sync" { n = a }
"""


def test_a_refinement_that_holds(tmp_path):
    r = check(load(_concrete(tmp_path, HOLDS)), ExplicitOptions(deadlock=False))
    p = _prop(r, "refines Counter")
    assert r.verdict is Verdict.HOLDS
    assert (p.kind, p.verdict) == (Kind.REFINEMENT, Verdict.HOLDS)


def test_a_refinement_violated_at_init(tmp_path):
    r = check(load(_concrete(tmp_path, INIT)), ExplicitOptions(deadlock=False))
    p = _prop(r, "refines Counter")
    assert p.verdict is Verdict.VIOLATED
    assert p.message == ("refines Counter is violated: the initial state maps to {n: 1}, which is not an initial "
                         "state of Counter")
    assert [s.state for s in p.trace.steps] == [{"a": 1, "Counter.n": 1}]
    assert p.trace.kind == Kind.REFINEMENT


def test_a_refinement_violated_by_a_step(tmp_path):
    r = check(load(_concrete(tmp_path, STEP)), ExplicitOptions(deadlock=False))
    p = _prop(r, "refines Counter")
    assert r.verdict is Verdict.VIOLATED and p.verdict is Verdict.VIOLATED
    assert p.message == ("refines Counter is violated by the last step (Jump): no action of Counter takes "
                         "{n: 1} to {n: 3}")
    assert [(s.action, s.state) for s in p.trace.steps] == [
        (None, {"a": 0, "Counter.n": 0}), ("A", {"a": 1, "Counter.n": 1}), ("Jump", {"a": 3, "Counter.n": 3})]
    assert p.where.endswith("conc.sync:6:1")


def test_the_cli_writes_the_abstract_columns_and_replay_finds_the_violation(tmp_path, capsys):
    path = _concrete(tmp_path, STEP)
    code, out, _ = run_cli(["check", str(path), "--no-deadlock", "--json", "--out", str(tmp_path / "out")], capsys)
    assert code == 1
    trace = Path(json.loads(out)["trace"])
    doc = json.loads(trace.read_text())
    assert doc["vars"] == ["a", "Counter.n"]
    assert doc["#meta"]["property"] == "refines Counter"
    code, out, _ = run_cli(["replay", str(trace), str(path), "--json"], capsys)
    data = json.loads(out)
    assert code == 1 and data["valid"] is True
    assert "refines Counter" in [v["property"] for v in data["violations"]]


def test_a_mapping_outside_the_abstract_range_is_a_violation(tmp_path):
    body = HOLDS.replace("{ n = a }", "{ n = a + b }").replace("0..3\nvar b", "0..3\nvar b")
    r = check(load(_concrete(tmp_path, body)), ExplicitOptions(deadlock=False))
    p = _prop(r, "refines Counter")
    assert p.verdict is Verdict.VIOLATED
    assert "the mapping cannot be evaluated in state 4" in p.message


def test_simulation_says_not_checked(tmp_path):
    # the symbolic engines check it: tests/test_refinement_symbolic.py
    model = load(_concrete(tmp_path, HOLDS))
    r = registry.run(model, "simulate", CheckRequest(deadlock=False))
    p = _prop(r, "refines Counter")
    assert p.verdict is Verdict.INCONCLUSIVE
    assert p.message == (f"not checked: the {r.engine} engine does not check refinement (the explicit and "
                         "symbolic engines do: syncproof check --engine explicit or bmc)")
    assert r.verdict is not Verdict.HOLDS


def test_engine_all_takes_the_explicit_verdict(tmp_path):
    r = registry.run(load(_concrete(tmp_path, STEP)), "all", CheckRequest(deadlock=False))
    assert _prop(r, "refines Counter").verdict is Verdict.VIOLATED


def test_abstract_fairness_is_checked_by_explicit_and_noted_by_the_others(tmp_path):
    # the fairness itself: tests/test_refinement_fairness.py
    _write(tmp_path, "abs.sync", COUNTER + "fairness weak Inc\n")
    _write(tmp_path, "conc.sync", HOLDS)
    r = check(load(tmp_path / "conc.sync"), ExplicitOptions(deadlock=False))
    assert _prop(r, "refines Counter: fairness weak Inc").verdict is Verdict.VIOLATED   # A need not be taken
    assert not any("fairness of Counter" in n for n in r.notes)
    r = registry.run(load(tmp_path / "conc.sync"), "bmc", CheckRequest(deadlock=False))
    assert any("the fairness of Counter is not checked by the bmc engine" in n for n in r.notes)


# ---- errors: exit 2, file:line:col --------------------------------------------------------------

ERRORS = [
    ("E350", 'refines Counter from "abs.sync" { }', "conc.sync:5:9"),
    ("E351", 'refines Counter from "abs.sync" { n = a  m = a }', "conc.sync:5:42"),
    ("E351", 'refines Counter from "abs.sync" { n = a  n = a }', "conc.sync:5:42"),
    ("E352", 'refines Counter from "abs.sync" { n = a == 1 }', "conc.sync:5:39"),
    ("E353", 'refines Countr from "abs.sync" { n = a }', "conc.sync:5:9"),
    ("E355", 'refines Counter from "missing.sync" { n = a }', "conc.sync:5:1"),
    ("E354", 'refines Conc from "conc.sync" { a = a }', "conc.sync:5:1"),
]


@pytest.mark.parametrize("code,decl,where", ERRORS, ids=[f"{c}-{i}" for i, (c, _, _) in enumerate(ERRORS)])
def test_errors(tmp_path, capsys, code, decl, where):
    body = "model Conc\nvar a: 0..3\ninit { a = 0 }\naction A { require a < 3  a = a + 1 }\n" + decl + "\n"
    path = _concrete(tmp_path, body)
    with pytest.raises(SpecError) as exc:
        load(path)
    assert code in exc.value.codes
    rc, out, err = run_cli(["check", str(path), "--out", str(tmp_path / "out")], capsys)
    assert rc == 2
    assert f"{where}: error[{code}]" in out + err
    assert "^" in out + err


def test_a_cycle_through_two_models(tmp_path, capsys):
    _write(tmp_path, "x.sync", 'model X\nvar a: 0..1\ninit { a = 0 }\nrefines Y from "y.sync" { b = a }\n')
    _write(tmp_path, "y.sync", 'model Y\nvar b: 0..1\ninit { b = 0 }\nrefines X from "x.sync" { a = b }\n')
    with pytest.raises(SpecError) as exc:
        load(tmp_path / "x.sync")
    assert exc.value.codes == ["E354"] or "E354" in exc.value.codes


# ---- the shipped example ------------------------------------------------------------------------

def test_two_phase_commit_refines_atomic_commit():
    r = check(load(ROOT / "models" / "two_phase_commit_refines.sync"), ExplicitOptions())
    assert r.verdict is Verdict.HOLDS
    assert _prop(r, "refines AtomicCommit").verdict is Verdict.HOLDS


def test_the_broken_protocol_is_caught_by_the_refinement():
    r = check(load(ROOT / "models" / "two_phase_commit_refines_broken.sync"), ExplicitOptions())
    p = _prop(r, "refines AtomicCommit")
    assert p.message == ("refines AtomicCommit is violated by the last step (TMCommit): no action of AtomicCommit "
                         "takes {prepared: {r1}, decision: pending} to {prepared: {r1}, decision: commit}")
    assert [s.action for s in p.trace.steps] == [None, "RMPrepare", "TMRcvPrepared", "TMCommit"]
    assert p.trace.steps[-1].state["AtomicCommit.decision"] == "commit"


# ---- a brute-force oracle on random small models ------------------------------------------------

def _random_model(rng: random.Random) -> str:
    actions = []
    for i in range(rng.randint(1, 3)):
        guard = f"x {rng.choice(['<', '>', '!='])} {rng.randint(0, 3)}"
        actions.append(f"action C{i} {{ require {guard}  x = {rng.randint(0, 3)}  y = not y }}")
    return ("model R\nvar x: 0..3\nvar y: bool\ninit { x = %d y = false }\n" % rng.randint(0, 1)
            + "\n".join(actions) + "\nrefines Counter from \"abs.sync\" { n = %s }\n"
            % rng.choice(["x", "3 - x", "if y then x else 0", "x / 2 + 1"]))


def _oracle(path: Path) -> bool:
    """Refinement by brute force: every reachable state and every labelled step, with the interpreter."""
    m = load(path)
    ref = Refinement(m, m.refinements[0])
    interp = Interp(m)
    inits = [tuple(s) for s in interp.init_states()]
    seen, todo = set(inits), list(inits)
    for s in inits:
        if not ref.initial(ref.map(list(s))):
            return False
    while todo:
        s = todo.pop()
        for action in m.actions:
            for _, _, t in interp.successors(action, list(s)):
                t = tuple(t)
                if not ref.step(ref.map(list(s)), ref.map(list(t))):
                    return False
                if t not in seen:
                    seen.add(t)
                    todo.append(t)
    return True


@pytest.mark.parametrize("seed", range(12))
def test_agrees_with_a_brute_force_oracle(tmp_path, seed):
    path = _concrete(tmp_path, _random_model(random.Random(seed)))
    r = check(load(path), ExplicitOptions(deadlock=False))
    expected = _oracle(path)
    assert _prop(r, "refines Counter").verdict is (Verdict.HOLDS if expected else Verdict.VIOLATED)


def test_a_const_override_applies_to_a_constant_of_the_abstract_model_too():
    m = load(ROOT / "models" / "two_phase_commit_refines.sync", ["RM=4"])
    assert m.refinements[0].abstract.types["RM"] == m.types["RM"]
    r = check(m, ExplicitOptions(invariants=("refines AtomicCommit",)))
    assert _prop(r, "refines AtomicCommit").verdict is Verdict.HOLDS
