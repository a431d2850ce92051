"""The abstract model's fairness under `refines` (checker/engines/explicit/refinement_fairness.py):
weak and strong, groups, violations through a cycle and through a deadlock, what the concrete
fairness makes hold, stutters that do not count, the shipped example, the other engines, and
agreement with a brute-force oracle (every strongly connected set of steps) on small random models."""

from __future__ import annotations

import itertools
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
from spec.interp import Interp
from spec.ir import FairnessKind
from spec.loader import load
from spec.refinement import Refinement


def _run(tmp_path: Path, abstract: str, concrete: str):
    (tmp_path / "abs.sync").write_text(abstract, encoding="utf-8")
    (tmp_path / "conc.sync").write_text(concrete, encoding="utf-8")
    return check(load(tmp_path / "conc.sync"), ExplicitOptions(deadlock=False, stop_at_first=False))


def _fair(template: str, fairness: str) -> str:
    return template.replace("{fair}", fairness)


def _prop(result, name):
    return next(p for p in result.properties if p.name == name)


COUNTER = """model Counter
var n: 0..3
init { n = 0 }
action Inc { require n < 3  n = n + 1 }
fairness weak Inc
"""

TWO = """model Concrete
var a: 0..3
var b: 0..1
init { a = 0 b = 0 }
action A { require a < 3  a = a + 1 }
action B { b = 1 - b }
{fair}
refines Counter from "abs.sync" { n = a }
"""

WEAK_INC = "refines Counter: fairness weak Inc"


def test_weak_fairness_violated_by_stuttering_without_concrete_fairness(tmp_path):
    r = _run(tmp_path, COUNTER, _fair(TWO, ""))
    p = _prop(r, WEAK_INC)
    assert (p.kind, p.verdict) == (Kind.REFINEMENT, Verdict.VIOLATED)
    assert r.verdict is Verdict.VIOLATED
    assert _prop(r, "refines Counter").verdict is Verdict.HOLDS
    t = p.trace
    assert (len(t.steps), t.loop) == (2, 0)   # the initial state stutters for ever
    assert t.steps[1].action == "(stutter)"
    assert t.steps[0].state["Counter.n"] == 0
    assert "Inc of Counter is enabled in every mapped state of the loop" in p.message
    assert not any("fairness of Counter" in n for n in r.notes)


def test_weak_fairness_holds_thanks_to_concrete_fairness(tmp_path):
    r = _run(tmp_path, COUNTER, _fair(TWO, "fairness weak A"))
    assert _prop(r, WEAK_INC).verdict is Verdict.HOLDS
    assert r.verdict is Verdict.HOLDS


def test_weak_fairness_violated_through_a_cycle(tmp_path):
    r = _run(tmp_path, COUNTER, _fair(TWO, "fairness weak B"))
    t = _prop(r, WEAK_INC).trace
    cycle = t.steps[t.loop + 1:]
    assert [s.action for s in cycle] == ["B", "B"]          # B must be taken: no stutter
    assert t.steps[t.loop].state == t.steps[-1].state
    assert {s.state["Counter.n"] for s in t.steps[t.loop:]} == {t.steps[t.loop].state["Counter.n"]}
    assert len(t.steps) == 3                                 # the shortest lasso: from the initial state


def test_weak_fairness_violated_through_a_deadlock(tmp_path):
    concrete = """model Stops
var a: 0..3
init { a = 0 }
action A { require a < 2  a = a + 1 }
fairness weak A
refines Counter from "abs.sync" { n = a }
"""
    t = _prop(_run(tmp_path, COUNTER, concrete), WEAK_INC).trace
    assert [s.action for s in t.steps] == [None, "A", "A", "(stutter)"]
    assert t.loop == 2 and t.steps[-1].state == {"a": 2, "Counter.n": 2}


FLIP = """model Flip
var n: 0..1
var on: bool
init { n = 0 on = false }
action Toggle { on = not on }
action Inc { require on and n == 0  n = 1 }
{fair}
"""


def test_strong_fairness_violated_where_weak_fairness_holds(tmp_path):
    abstract = _fair(FLIP, "fairness weak Inc\nfairness strong Inc")
    concrete = _fair(FLIP, "fairness weak Toggle, Inc").replace("model Flip", "model Impl") \
        + 'refines Flip from "abs.sync" { n = n  on = on }\n'
    r = _run(tmp_path, abstract, concrete)
    assert _prop(r, "refines Flip: fairness weak Inc").verdict is Verdict.HOLDS
    p = _prop(r, "refines Flip: fairness strong Inc")
    assert p.verdict is Verdict.VIOLATED
    assert "enabled in a mapped state of the loop" in p.message
    cycle = p.trace.steps[p.trace.loop:]
    assert any(s.state["Flip.on"] for s in cycle) and all(s.state["Flip.n"] == 0 for s in cycle)
    strong = concrete.replace("fairness weak Toggle, Inc", "fairness weak Toggle\nfairness strong Inc")
    r = _run(tmp_path, abstract, strong)
    assert _prop(r, "refines Flip: fairness strong Inc").verdict is Verdict.HOLDS


DECIDE = """model Decide
var d: 0..2
init { d = 0 }
action Commit { require d == 0  d = 1 }
action Abort { require d == 0  d = 2 }
fairness weak {Commit, Abort}
"""

PROTOCOL = """model Protocol
var d: 0..2
var t: 0..1
init { d = 0 t = 0 }
action DoCommit { require d == 0 and t == 1  d = 1 }
action DoAbort { require d == 0  d = 2 }
action Tick { t = 1 - t }
fairness weak Tick
{fair}
refines Decide from "abs.sync" { d = d }
"""


def test_a_group(tmp_path):
    name = "refines Decide: fairness weak {Commit, Abort}"
    p = _prop(_run(tmp_path, DECIDE, _fair(PROTOCOL, "fairness weak DoCommit")), name)
    assert p.verdict is Verdict.VIOLATED                      # Tick for ever: DoCommit is not always enabled
    assert "{Commit, Abort} of Decide" in p.message
    assert [s.action for s in p.trace.steps[p.trace.loop + 1:]] == ["Tick", "Tick"]
    r = _run(tmp_path, DECIDE, _fair(PROTOCOL, "fairness weak {DoCommit, DoAbort}"))
    assert _prop(r, name).verdict is Verdict.HOLDS


def test_a_mapped_stutter_is_no_step_of_the_condition(tmp_path):
    # Inc(0) leaves n as it is: the steps of B map to a stutter, which a run of Inc(0) "reaches"
    abstract = """model Counter
var n: 0..3
init { n = 0 }
action Inc(k: 0..1) { require n + k <= 3  n = n + k }
action Touch { n = n }
fairness weak {Inc}
fairness weak Touch
"""
    r = _run(tmp_path, abstract, _fair(TWO, "fairness weak B"))
    p = _prop(r, "refines Counter: fairness weak {Inc}")
    assert p.verdict is Verdict.VIOLATED
    assert [s.action for s in p.trace.steps[p.trace.loop + 1:]] == ["B", "B"]
    # an action that can only stutter is never enabled: its fairness asks nothing
    assert _prop(r, "refines Counter: fairness weak Touch").verdict is Verdict.HOLDS


def test_per_instance_conditions_name_the_instance(tmp_path):
    abstract = """model Votes
var v: set[0..1]
init { v = {} }
action Vote(i: 0..1) { require i not in v  v = v | {i} }
fairness weak Vote
"""
    concrete = """model Voter
var a: bool
var b: bool
init { a = false b = false }
action VoteA { require not a  a = true }
action VoteB { require not b  b = true }
fairness weak VoteA
refines Votes from "abs.sync" { v = {i for i in 0..1 if (i == 0 and a) or (i == 1 and b)} }
"""
    p = _prop(_run(tmp_path, abstract, concrete), "refines Votes: fairness weak Vote")
    assert p.verdict is Verdict.VIOLATED
    assert "Vote(i: 1) of Votes" in p.message


def test_not_checked_when_the_refinement_is_violated(tmp_path):
    concrete = """model Jumper
var a: 0..3
init { a = 0 }
action A { require a < 3  a = a + 1 }
action Jump { require a == 1  a = 3 }
refines Counter from "abs.sync" { n = a }
"""
    r = _run(tmp_path, COUNTER, concrete)
    assert _prop(r, "refines Counter").verdict is Verdict.VIOLATED
    p = _prop(r, WEAK_INC)
    assert (p.verdict, p.message) == (Verdict.INCONCLUSIVE, "not checked: refines Counter is violated")


def test_not_checked_with_state_constraints(tmp_path):
    r = _run(tmp_path, COUNTER, _fair(TWO, "constraint Low: b == 0 or a < 3"))
    assert _prop(r, "refines Counter").verdict is Verdict.HOLDS
    p = _prop(r, WEAK_INC)
    assert p.verdict is Verdict.INCONCLUSIVE and "state constraints" in p.message


def test_the_state_limit_makes_it_inconclusive():
    # 80 states with symmetry reduction: the search ends, the refinement's own search (288 states) does not
    model = load(ROOT / "models" / "two_phase_commit_refines.sync")
    r = check(model, ExplicitOptions(max_states=100))
    assert _prop(r, "refines AtomicCommit").verdict is Verdict.INCONCLUSIVE
    p = _prop(r, "refines AtomicCommit: fairness weak Commit")
    assert p.verdict is Verdict.INCONCLUSIVE
    assert p.message == "not checked: refines AtomicCommit is not decided"
    assert r.verdict is Verdict.INCONCLUSIVE


def test_other_engines_say_not_checked(tmp_path):
    (tmp_path / "abs.sync").write_text(COUNTER, encoding="utf-8")
    (tmp_path / "conc.sync").write_text(_fair(TWO, "fairness weak A"), encoding="utf-8")
    r = registry.run(load(tmp_path / "conc.sync"), "bmc", CheckRequest(deadlock=False))
    assert _prop(r, WEAK_INC).verdict is Verdict.INCONCLUSIVE
    assert any(f"the fairness of Counter is not checked by the {r.engine} engine" in n for n in r.notes)


def test_the_property_can_be_selected(tmp_path):
    (tmp_path / "abs.sync").write_text(COUNTER, encoding="utf-8")
    (tmp_path / "conc.sync").write_text(_fair(TWO, ""), encoding="utf-8")
    r = check(load(tmp_path / "conc.sync"), ExplicitOptions(deadlock=False, invariants=[WEAK_INC]))
    assert _prop(r, WEAK_INC).verdict is Verdict.VIOLATED


def test_the_shipped_two_phase_commit_keeps_the_abstract_fairness():
    r = check(load(ROOT / "models" / "two_phase_commit_refines.sync"), ExplicitOptions())
    names = [p.name for p in r.properties if p.kind is Kind.REFINEMENT]
    assert names == ["refines AtomicCommit", "refines AtomicCommit: fairness weak Commit",
                     "refines AtomicCommit: fairness weak Abort"]
    assert r.verdict is Verdict.HOLDS


# ---- a brute-force oracle on small random models ----------------------------------------------

ABSTRACT = """model Abs
var n: 0..2
init { n = 0 }
action Up { require n < 2  n = n + 1 }
action Down { require n > 0  n = n - 1 }
action Reset { require n == 2  n = 0 }
action Jump(k: 0..2) { n = k }
"""
ABS_FAIRNESS = ["weak Up", "strong Up", "weak Down", "strong Down", "weak Reset", "strong Reset", "weak Jump",
                "strong Jump", "weak {Up, Down}", "strong {Up, Reset}", "weak {Jump}", "strong {Jump}"]
GUARDS = ["true", "x < 2", "x > 0", "y == 0", "y == 1", "x != 1", "x == y"]
UPDATES = ["x = (x + 1) % 3", "y = 1 - y", "x = 0", "x = 2", "y = 0", "x = k", "y = k % 2"]
MAPPINGS = ["x", "(x + y) % 3", "x * y", "(x + 2 * y) % 3", "if y == 1 then 2 else x", "(2 * x) % 3"]


def _random_models(rng: random.Random) -> tuple[str, str]:
    abstract = ABSTRACT + "".join(f"fairness {f}\n" for f in rng.sample(ABS_FAIRNESS, 2))
    lines = ["model Conc", "var x: 0..2", "var y: 0..1", "init { x = 0 y = 0 }"]
    names = []
    for i in range(rng.randint(2, 3)):
        update = rng.choice(UPDATES)
        params = "(k: 0..1)" if "k" in update else ""
        lines.append(f"action A{i}{params} {{ require {rng.choice(GUARDS)}  {update} }}")
        names.append(f"A{i}")
    for kind in ("weak", "strong"):
        chosen = [n for n in names if rng.random() < 0.3]
        if chosen and rng.random() < 0.3:
            lines.append(f"fairness {kind} {{{', '.join(chosen)}}}")
        elif chosen:
            lines.append(f"fairness {kind} {', '.join(chosen)}")
    lines.append(f'refines Abs from "abs.sync" {{ n = {rng.choice(MAPPINGS)} }}')
    return abstract, "\n".join(lines) + "\n"


def _conditions(decls, instances) -> list[tuple[FairnessKind, frozenset]]:
    """(kind, the instances it covers) of each condition of the fairness declarations, instances as
    (action, parameter values)."""
    out = []
    for f in decls:
        keys = [i for i in instances if i[0] in f.actions]
        out += [(f.kind, frozenset(keys))] if f.grouped else [(f.kind, frozenset([i])) for i in keys]
    return out


def _oracle(model) -> dict[str, bool]:
    """Whether each abstract fairness declaration is violated, by brute force: every set of concrete
    steps that is strongly connected (or a single state that stutters) and fair, on the interpreter."""
    r = model.refinements[0]
    ref = Refinement(model, r)
    conc, absi = Interp(model), Interp(r.abstract)
    inits, _ = conc.init_outcomes()
    states, edges, todo = {tuple(s) for s in inits}, set(), [tuple(s) for s in inits]
    enabled: dict[tuple, set] = {}
    while todo:
        s = todo.pop()
        enabled[s] = set()
        for k, action in enumerate(model.actions):
            for env, _, t in conc.successors(action, list(s)):
                t = tuple(t)
                inst = (k, tuple(env.values()))
                if t != s:
                    enabled[s].add(inst)
                    edges.add((s, t, inst))
                if t not in states:
                    states.add(t)
                    todo.append(t)
    mapped = {s: ref.map(list(s)) for s in states}
    a_inst = [(k, tuple(env.values())) for k, a in enumerate(r.abstract.actions) for env in absi.param_values(a)]
    a_succ: dict[tuple, dict] = {}
    for a in set(mapped.values()):
        a_succ[a] = {}
        for k, action in enumerate(r.abstract.actions):
            for env, _, b in absi.successors(action, list(a)):
                a_succ[a].setdefault((k, tuple(env.values())), set()).add(tuple(b))
    c_conds = _conditions(model.fairness, [(k, tuple(env.values())) for k, a in enumerate(model.actions)
                                  for env in conc.param_values(a)])

    def fair(nodes, steps) -> bool:
        taken = {i for _, _, i in steps}
        for kind, c in c_conds:
            if c & taken:
                continue
            on = [bool(enabled[u] & c) for u in nodes]
            if all(on) or (kind == FairnessKind.STRONG and any(on)):
                return False
        return True

    def strongly_connected(nodes, steps) -> bool:
        succ = {u: {t for s, t, _ in steps if s == u} for u in nodes}
        for start in (next(iter(nodes)),):
            for direction in (succ, {u: {s for s, t, _ in steps if t == u} for u in nodes}):
                seen, stack = {start}, [start]
                while stack:
                    for v in direction[stack.pop()]:
                        if v not in seen:
                            seen.add(v)
                            stack.append(v)
                if seen != set(nodes):
                    return False
        return True

    out = {}
    for f in r.abstract.fairness:
        name = f"{r.name}: fairness {f.kind} " + ("{" if f.grouped else "") + \
            ", ".join(r.abstract.actions[k].name for k in f.actions) + ("}" if f.grouped else "")
        violated = False
        for kind, cond in _conditions([f], a_inst):
            def on(u):
                a = mapped[u]
                return any(b != a for i in cond for b in a_succ[a].get(i, ()))

            def c_step(e):
                a, b = mapped[e[0]], mapped[e[1]]
                return a != b and any(b in a_succ[a].get(i, ()) for i in cond)
            allowed = [e for e in edges if not c_step(e) and (kind == FairnessKind.STRONG or (on(e[0]) and on(e[1])))]
            assert len(allowed) <= 12, "the random model is too large for the oracle"
            loops = [({u}, ()) for u in states] + [
                ({u for e in sub for u in e[:2]}, sub)
                for n in range(1, len(allowed) + 1) for sub in itertools.combinations(allowed, n)]
            for nodes, steps in loops:
                if (all(on(u) for u in nodes) if kind == FairnessKind.WEAK else any(on(u) for u in nodes)) \
                        and strongly_connected(nodes, steps) and fair(nodes, steps):
                    violated = True
                    break
            if violated:
                break
        out[name] = violated
    return out


def test_agrees_with_a_brute_force_oracle(tmp_path):
    rng = random.Random(20261206)
    compared = 0
    while compared < 60:   # about 1.5 s; some 140 declarations, two thirds of them violated
        abstract, concrete = _random_models(rng)
        (tmp_path / "abs.sync").write_text(abstract, encoding="utf-8")
        (tmp_path / "conc.sync").write_text(concrete, encoding="utf-8")
        model = load(tmp_path / "conc.sync")
        r = check(model, ExplicitOptions(deadlock=False, stop_at_first=False))
        if _prop(r, "refines Abs").verdict is not Verdict.HOLDS:
            continue
        try:
            expected = _oracle(model)
        except AssertionError:
            continue
        for name, violated in expected.items():
            p = _prop(r, name)
            assert p.verdict is (Verdict.VIOLATED if violated else Verdict.HOLDS), f"{name}\n{abstract}\n{concrete}"
            if violated:   # a lasso: the loop closes
                assert p.trace.loop is not None and p.trace.steps[p.trace.loop].state == p.trace.steps[-1].state
        compared += 1


@pytest.mark.parametrize("fair", ["", "fairness weak B"])
def test_the_cli_writes_the_lasso_and_replay_finds_the_violation(tmp_path, capsys, fair):
    (tmp_path / "abs.sync").write_text(COUNTER, encoding="utf-8")
    path = tmp_path / "conc.sync"
    path.write_text(_fair(TWO, fair), encoding="utf-8")
    code, out, _ = run_cli(["check", str(path), "--no-deadlock", "--json", "--out", str(tmp_path / "out")], capsys)
    assert code == 1
    trace = Path(json.loads(out)["trace"])
    doc = json.loads(trace.read_text())
    assert doc["vars"] == ["a", "b", "Counter.n"] and doc["loop"] == 0
    assert doc["#meta"]["property"] == WEAK_INC
    code, out, _ = run_cli(["replay", str(trace), str(path), "--json"], capsys)
    data = json.loads(out)
    assert code == 1 and data["valid"] is True
    assert [v["property"] for v in data["violations"]] == [WEAK_INC]
    # with A weakly fair the same lasso is not a fair behaviour: replay says so
    path.write_text(_fair(TWO, fair + "\nfairness weak A"), encoding="utf-8")
    code, out, _ = run_cli(["replay", str(trace), str(path), "--json"], capsys)
    data = json.loads(out)
    assert data["valid"] is False and "not fair" in data["message"]
