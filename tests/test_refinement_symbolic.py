"""`refines` checked by the symbolic engines (`checker.engines.symbolic.refinement`): BMC and
k-induction give the same verdicts, messages and trace lengths as the explicit engine on the shipped
example and on small random concrete/abstract pairs, Spacer (prove, symbolic) never contradicts
them; the inconclusive cases, and replay of a BMC trace.

Every symbolic run gives z3 a resource limit per query (`--rlimit`), so no verdict depends on the
machine's speed."""

from __future__ import annotations

import json
import random
from pathlib import Path

import pytest

from checker.core.kinds import Kind, Strength
from checker.core.result import Verdict
from checker.engines import registry
from checker.engines.base import CheckRequest, SymbolicSection
from checker.engines.symbolic import refinement as symref
from cli_helpers import ROOT, run_cli
from spec.loader import load
from test_refinement import COUNTER, HOLDS, INIT, STEP   # the small cases, checked here on every engine

RLIMIT = 40_000_000
SYMBOLIC = ("bmc", "induction")


def _write(tmp_path: Path, name: str, text: str) -> Path:
    p = tmp_path / name
    p.write_text(text, encoding="utf-8")
    return p


def _pair(tmp_path: Path, concrete: str, abstract: str = COUNTER) -> Path:
    _write(tmp_path, "abs.sync", abstract)
    return _write(tmp_path, "conc.sync", concrete)


def _run(model, engine: str, depth: int | None = None, k: int | None = None, every: bool = False,
         properties: tuple | None = None):
    """The engine's result; every=True: a verdict for every property, not only up to the first violation."""
    request = CheckRequest(properties=properties, deadlock=False, stop_at_first=not every,
                           symbolic=SymbolicSection(depth=depth, k=k, rlimit=RLIMIT))
    return registry.run(model, engine, request)


def _ref(result):
    return next(p for p in result.properties if p.kind == Kind.REFINEMENT)


def _steps(p) -> list:
    return [(s.action, s.state) for s in p.trace.steps]


# ---- the shipped example ------------------------------------------------------------------------

@pytest.mark.slow   # 2-5 s on two busy cores: CI's slow selection runs it (the default run stays under 10 minutes)
def test_bmc_checks_two_phase_commit_exhaustively():
    r = _run(load(ROOT / "models" / "two_phase_commit_refines.sync"), "bmc", properties=("refines AtomicCommit",))
    p = _ref(r)
    assert (p.verdict, p.how) == (Verdict.HOLDS, Strength.EXHAUSTIVE)
    # the abstract model's fairness (weak Commit, Abort), selected with its refinement, is the
    # explicit engine's alone: the run as a whole stays inconclusive, never holds
    fair = {q.name: q for q in r.properties if q.name.startswith("refines AtomicCommit: fairness")}
    assert sorted(fair) == ["refines AtomicCommit: fairness weak Abort", "refines AtomicCommit: fairness weak Commit"]
    assert all(q.verdict is Verdict.INCONCLUSIVE and "fairness" in q.message for q in fair.values())
    assert r.verdict is Verdict.INCONCLUSIVE


def test_k_induction_proves_two_phase_commit_with_its_strengthening_invariants():
    r = _run(load(ROOT / "models" / "two_phase_commit_refines.sync"), "induction")
    p = _ref(r)
    assert (p.verdict, p.how, p.message) == (Verdict.HOLDS, Strength.PROVED, "proved by k-induction (k = 1)")
    assert not any("does not check refinement" in (q.message or "") for q in r.properties)


def test_k_induction_alone_gives_a_counterexample_to_induction():
    # without the invariants, a state where the TM counted votes never sent is not ruled out
    r = _run(load(ROOT / "models" / "two_phase_commit_refines.sync"), "induction", properties=("refines AtomicCommit",))
    p = _ref(r)
    assert p.verdict is Verdict.INCONCLUSIVE
    assert p.message.startswith("not proved: not k-inductive for any k up to 5")
    assert p.cti.message.startswith("not inductive (k = 1): refines AtomicCommit is violated by the last step")
    assert "AtomicCommit.decision" in p.cti.steps[0].state


@pytest.mark.parametrize("engine", SYMBOLIC)
def test_the_broken_protocol_gives_the_explicit_engines_trace(engine):
    model = load(ROOT / "models" / "two_phase_commit_refines_broken.sync")
    explicit, symbolic = _ref(_run(model, "explicit")), _ref(_run(model, engine))
    assert symbolic.verdict is Verdict.VIOLATED
    assert symbolic.message == explicit.message == (
        "refines AtomicCommit is violated by the last step (TMCommit): no action of AtomicCommit takes "
        "{prepared: {r1}, decision: pending} to {prepared: {r1}, decision: commit}")
    assert [s.action for s in symbolic.trace.steps] == [None, "RMPrepare", "TMRcvPrepared", "TMCommit"]
    assert _steps(symbolic) == _steps(explicit)      # the abstract columns too
    assert symbolic.trace.kind == Kind.REFINEMENT


# ---- the small cases of tests/test_refinement.py, on every engine -----------------------------------

@pytest.mark.parametrize("engine", SYMBOLIC)
def test_a_refinement_that_holds(tmp_path, engine):
    r = _run(load(_pair(tmp_path, HOLDS)), engine)
    assert _ref(r).verdict is Verdict.HOLDS and r.verdict is Verdict.HOLDS


@pytest.mark.parametrize("engine", SYMBOLIC)
def test_a_step_violation(tmp_path, engine):
    p = _ref(_run(load(_pair(tmp_path, STEP)), engine))
    assert p.verdict is Verdict.VIOLATED
    assert p.message == ("refines Counter is violated by the last step (Jump): no action of Counter takes "
                         "{n: 1} to {n: 3}")
    assert _steps(p) == [(None, {"a": 0, "Counter.n": 0}), ("A", {"a": 1, "Counter.n": 1}),
                         ("Jump", {"a": 3, "Counter.n": 3})]
    assert p.where.endswith("conc.sync:6:1")


@pytest.mark.parametrize("engine", SYMBOLIC)
def test_an_initial_state_violation(tmp_path, engine):
    p = _ref(_run(load(_pair(tmp_path, INIT)), engine))
    assert p.verdict is Verdict.VIOLATED
    assert p.message == ("refines Counter is violated: the initial state maps to {n: 1}, which is not an initial "
                         "state of Counter")
    assert _steps(p) == [(None, {"a": 1, "Counter.n": 1})]


@pytest.mark.parametrize("engine", SYMBOLIC)
def test_a_mapping_that_cannot_be_evaluated(tmp_path, engine):
    model = load(_pair(tmp_path, HOLDS.replace("{ n = a }", "{ n = a + b }")))
    explicit, symbolic = _ref(_run(model, "explicit")), _ref(_run(model, engine))
    assert symbolic.verdict is explicit.verdict is Verdict.VIOLATED
    assert "the mapping cannot be evaluated in state 4" in symbolic.message
    assert symbolic.message == explicit.message
    assert len(symbolic.trace.steps) == len(explicit.trace.steps) == 5
    assert "Counter.n" not in symbolic.trace.steps[-1].state    # no abstract state to show
    assert symbolic.trace.steps[-2].state["Counter.n"] == 3


@pytest.mark.parametrize("engine", SYMBOLIC)
def test_a_mapping_that_fails_in_the_initial_state(tmp_path, engine):
    p = _ref(_run(load(_pair(tmp_path, INIT.replace("{ n = a }", "{ n = 3 / (a - 1) }"))), engine))
    assert p.verdict is Verdict.VIOLATED
    assert p.message.startswith("refines Counter: the mapping cannot be evaluated in state 0")
    assert len(p.trace.steps) == 1


def test_bmc_within_its_depth_is_bounded(tmp_path):
    p = _ref(_run(load(_pair(tmp_path, HOLDS)), "bmc", depth=2))
    assert (p.verdict, p.how) == (Verdict.INCONCLUSIVE, Strength.BOUNDED)
    assert "no violation up to depth 2" in p.message


def test_k_induction_needs_the_reachable_abstract_states_as_hypothesis(tmp_path):
    # from an arbitrary state, a = 3 and b = 0, Reset jumps n from 3 to 0: only states where the
    # mapping is a reachable abstract state (never n = 3 with done) rule it out
    abstract = COUNTER.replace("var n: 0..3\n", "var n: 0..3\nvar done: bool\n").replace(
        "init { n = 0 }", "init { n = 0 done = false }").replace(
        "n = n + 1 }", "n = n + 1 }\naction Finish { require n == 2 and not done  done = true }")
    concrete = """model C
var a: 0..3
var d: bool
init { a = 0 d = false }
action A { require a < 2  a = a + 1 }
action F { require a == 2 and not d  d = true }
refines Counter from "abs.sync" { n = a  done = d }
"""
    p = _ref(_run(load(_pair(tmp_path, concrete, abstract)), "induction"))
    assert (p.verdict, p.how) == (Verdict.HOLDS, Strength.PROVED)


CONSTRAINED = """model C
var a: 0..3
init {
  choose v in {0, 3}
  a = v
}
action A { require a < 2  a = a + %s }
constraint Small: a < 2
refines Counter from "abs.sync" { n = a }
"""


@pytest.mark.parametrize("jump,verdict", [(1, Verdict.HOLDS), (2, Verdict.VIOLATED)])
def test_state_constraints_as_the_explicit_engine_reads_them(tmp_path, jump, verdict):
    # the initial state a = 3 fails the constraint and is dropped; the step from a = 1 to a = 3 (jump 2)
    # leaves the constrained states and is still checked
    model = load(_pair(tmp_path, CONSTRAINED % jump))
    explicit = _ref(_run(model, "explicit"))
    assert explicit.verdict is verdict
    for engine in SYMBOLIC:
        p = _ref(_run(model, engine))
        assert p.verdict is verdict, engine
        if verdict is Verdict.VIOLATED:
            assert (p.message, len(p.trace.steps)) == (explicit.message, len(explicit.trace.steps))


# ---- what stays inconclusive ----------------------------------------------------------------------

@pytest.mark.parametrize("engine", SYMBOLIC)
def test_an_abstract_model_that_cannot_be_enumerated(tmp_path, engine):
    abstract = COUNTER.replace("var n", "const Top: 1..3\nvar n").replace("n < 3", "n < Top")
    r = _run(load(_pair(tmp_path, HOLDS, abstract)), engine)
    p = _ref(r)
    assert (p.verdict, p.how) == (Verdict.INCONCLUSIVE, Strength.UNKNOWN)
    assert p.message.startswith("not checked: the abstract model Counter cannot be enumerated (constant 'Top'")
    assert r.verdict is Verdict.INCONCLUSIVE


def test_an_abstract_model_past_the_transition_limit(tmp_path, monkeypatch):
    monkeypatch.setattr(symref, "MAX_TRANSITIONS", 2)
    p = _ref(_run(load(_pair(tmp_path, HOLDS)), "bmc"))
    assert p.verdict is Verdict.INCONCLUSIVE
    assert p.message == ("not checked: the abstract model Counter has more than 2 reachable transitions, more "
                         "than the symbolic engines enumerate (the explicit engine checks it)")


def _stopping_enumeration(monkeypatch, how):
    """The abstract model's enumeration meets the time limit (how="time") or Ctrl-C (how="ctrl-c")
    after its first state: deterministic, whatever the machine's speed."""
    from checker.engines.symbolic import stop
    from spec.refinement import Refinement
    successors = Refinement.successors

    def slow(self, a):
        if how == "time":
            stop._active[0].deadline = 0.0     # the clock's next poll finds the time up
        else:
            raise KeyboardInterrupt
        return successors(self, a)
    monkeypatch.setattr(Refinement, "successors", slow)


@pytest.mark.parametrize("engine", ["bmc", "induction", "symbolic"])
def test_the_time_limit_covers_the_abstract_enumeration(tmp_path, monkeypatch, engine):
    _stopping_enumeration(monkeypatch, "time")
    model = load(_pair(tmp_path, HOLDS))
    r = registry.run(model, engine, CheckRequest(deadlock=False, timeout=100.0,
                                                 symbolic=SymbolicSection(rlimit=RLIMIT)))
    p = _ref(r)
    assert (p.verdict, p.how) == (Verdict.INCONCLUSIVE, Strength.UNKNOWN)
    assert p.message == ("not checked: time limit of 100s reached while enumerating the abstract model "
                         "Counter")
    assert r.verdict is Verdict.INCONCLUSIVE
    # the run halted there: nothing else was checked past the limit either
    assert all(q.verdict is Verdict.INCONCLUSIVE for q in r.properties), [(q.name, q.verdict) for q in r.properties]


def test_ctrl_c_covers_the_abstract_enumeration(tmp_path, monkeypatch):
    from checker.core.limits import Interrupted
    _stopping_enumeration(monkeypatch, "ctrl-c")
    with pytest.raises(Interrupted) as caught:
        _run(load(_pair(tmp_path, HOLDS)), "bmc")
    partial = caught.value.result
    assert partial.interrupted
    p = _ref(partial)
    assert p.verdict is Verdict.INCONCLUSIVE
    assert p.message == "not checked: interrupted (Ctrl-C) while enumerating the abstract model Counter"


def test_simulation_still_says_not_checked(tmp_path):
    r = registry.run(load(_pair(tmp_path, HOLDS)), "simulate", CheckRequest(deadlock=False, seed=1))
    p = _ref(r)
    assert p.verdict is Verdict.INCONCLUSIVE
    assert p.message.startswith(f"not checked: the {r.engine} engine does not check refinement")


@pytest.mark.parametrize("engine", ["prove", "symbolic"])
def test_spacer_decides_the_small_cases(tmp_path, engine):
    holds = _ref(_run(load(_pair(tmp_path, HOLDS)), engine))
    assert (holds.verdict, holds.how) == (Verdict.HOLDS, Strength.PROVED)
    step = _ref(_run(load(_pair(tmp_path, STEP)), engine))
    assert step.verdict is Verdict.VIOLATED and len(step.trace.steps) == 3
    init = _ref(_run(load(_pair(tmp_path, INIT)), engine))
    assert init.verdict is Verdict.VIOLATED and len(init.trace.steps) == 1


def test_engine_all_merges_explicit_and_symbolic_without_disagreement():
    r = _run(load(ROOT / "models" / "two_phase_commit_refines_broken.sync"), "all")
    assert _ref(r).verdict is Verdict.VIOLATED


def test_the_abstract_graph_of_the_counter(tmp_path):
    m = load(_pair(tmp_path, HOLDS))
    (enc,), open_ = symref.prepare(m)
    assert open_ == []
    assert enc.graph.states == [(0,), (1,), (2,), (3,)]
    assert enc.graph.inits == [0]
    assert enc.graph.succ == {0: [1], 1: [2], 2: [3], 3: []}


# ---- the CLI and replay -----------------------------------------------------------------------------

def test_a_bmc_trace_replays(tmp_path, capsys):
    path = _pair(tmp_path, STEP)
    code, out, _ = run_cli(["check", str(path), "--engine", "bmc", "--no-deadlock", "--rlimit", str(RLIMIT),
                            "--json", "--out", str(tmp_path / "out")], capsys)
    assert code == 1
    trace = Path(json.loads(out)["trace"])
    doc = json.loads(trace.read_text())
    assert doc["vars"] == ["a", "Counter.n"]
    assert doc["#meta"]["property"] == "refines Counter"
    code, out, _ = run_cli(["replay", str(trace), str(path), "--json"], capsys)
    data = json.loads(out)
    assert code == 1 and data["valid"] is True
    assert "refines Counter" in [v["property"] for v in data["violations"]]


# ---- explicit, BMC and k-induction agree on small random pairs -------------------------------------

def _random_abstract(rng: random.Random) -> str:
    """A permissive abstract counter (Set may move n to most values), so that some pairs refine."""
    guards = ["true", f"v != {rng.randint(0, 3)}", f"n < {rng.randint(1, 3)} or v == 0", "v >= n",
              "v <= n + 1", f"n != {rng.randint(0, 3)}"]
    actions = [f"action Set(v: 0..3) {{ require {rng.choice(guards)}  n = v }}",
               f"action Flip {{ require {rng.choice(['true', 'n == 3', 'n < 2', 'not f'])}  f = not f }}"]
    if rng.random() < 0.5:
        actions.append(f"action Both {{ require n < 3  n = n + 1  f = {rng.choice(['true', 'not f'])} }}")
    init = rng.choice(["n = 0", "choose v in 0..1\n  n = v", "choose v in 0..3\n  n = v", "choose v in 0..3\n  n = v"])
    return ("model Counter\nvar n: 0..3\nvar f: bool\ninit {\n  %s\n  f = false\n}\n" % init
            + "\n".join(actions) + "\n")


def _random_concrete(rng: random.Random) -> str:
    actions = []
    for i in range(rng.randint(1, 4)):
        guard = f"x {rng.choice(['<', '>', '!='])} {rng.randint(0, 3)}"
        update = rng.choice([f"x = {rng.randint(0, 3)}", "x = 3 - x", "x = x / 2", "y = not y",
                             f"x = {rng.randint(0, 3)}  y = not y"])   # no run-time error: k-induction
                                                                        # stops at the first violation
        actions.append(f"action C{i} {{ require {guard}  {update} }}")
    n = rng.choice(["x", "x", "3 - x", "if y then x else 0", "x / 2 + 1", "x + 1", "3 / x"])
    f = rng.choice(["false", "y", "x == 3", "not y"])
    return ("model R\nvar x: 0..3\nvar y: bool\ninit { x = %d y = false }\n" % rng.randint(0, 1)
            + "\n".join(actions) + "\nrefines Counter from \"abs.sync\" { n = %s  f = %s }\n" % (n, f))


def _agree(tmp_path: Path, seed: int, spacer=()) -> Verdict:
    rng = random.Random(seed)
    model = load(_pair(tmp_path, _random_concrete(rng), _random_abstract(rng)))
    explicit = _ref(_run(model, "explicit", every=True))    # (a run-time error may come first)
    bmc = _ref(_run(model, "bmc", depth=10, every=True))
    kind = _ref(_run(model, "induction", k=9, every=True))
    assert explicit.verdict is not Verdict.INCONCLUSIVE
    assert bmc.verdict is explicit.verdict, (seed, bmc.message, explicit.message)
    for engine in spacer:   # Spacer may give up (division by a variable), never contradict
        p = _ref(_run(model, engine, every=True))
        assert p.verdict in (explicit.verdict, Verdict.INCONCLUSIVE), (seed, engine, p.message)
        if p.verdict is Verdict.VIOLATED:
            assert (p.message, len(p.trace.steps)) == (explicit.message, len(explicit.trace.steps)), seed
    if explicit.verdict is Verdict.VIOLATED:
        assert kind.verdict is Verdict.VIOLATED, (seed, kind.message)
        for p in (bmc, kind):
            assert p.message == explicit.message, seed
            assert len(p.trace.steps) == len(explicit.trace.steps), seed
    else:
        assert bmc.how == Strength.EXHAUSTIVE    # 8 concrete states: no loop-free path of 10 steps
        assert kind.verdict in (Verdict.HOLDS, Verdict.INCONCLUSIVE), seed   # never violated
    return explicit.verdict


def test_explicit_bmc_and_k_induction_agree_on_random_pairs(tmp_path):
    verdicts = [_agree(tmp_path, seed, ("prove",) if seed < 3 else ()) for seed in range(8)]
    assert Verdict.HOLDS in verdicts and Verdict.VIOLATED in verdicts


@pytest.mark.slow
def test_explicit_bmc_and_k_induction_agree_on_more_random_pairs(tmp_path):
    verdicts = [_agree(tmp_path, seed, ("prove", "symbolic")) for seed in range(8, 60)]
    assert verdicts.count(Verdict.HOLDS) >= 3 and verdicts.count(Verdict.VIOLATED) >= 3
