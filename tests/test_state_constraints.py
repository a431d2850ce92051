"""State constraints (issue 15 item 1): `constraint Name: expr`, TLC's CONSTRAINT.

A successor failing a constraint is generated (a transition: its parent is no deadlock; its
invariants are checked, a violation there has a trace ending in it) but neither stored, counted
nor expanded; an initial state failing one is dropped. Counts against hand-computed ones and an
independent breadth-first search over the reference interpreter; the same with two workers; the
simulator; the z3 engines (BMC, k-induction, Spacer) agreeing with the explicit engine; E540 for
temporal properties; the errors of bad constraints; random constrained models compared across the
interpreter, the compiled engine and BMC.
"""

from __future__ import annotations

from collections import deque

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from checker.core.result import Verdict
from checker.engines.explicit.compiled import CompiledModel
from checker.engines.explicit.search import ExplicitOptions
from checker.engines.explicit.search import check as explicit_check
from checker.engines.simulate import SimulateOptions, simulate
from checker.engines.symbolic import SymbolicOptions
from checker.engines.symbolic import check as symbolic_check
from checker.traces.replay import replay_engine_trace
from cli_helpers import run_cli
from spec import ast
from spec.diagnostics import SpecError
from spec.formatter import format_text
from spec.loader import load_text
from spec.parser import parse

from engine_helpers import prop

RLIMIT = 5_000_000
SAFETY = ("invariant", "deadlock", "runtime")

# 0 <= acked <= sent <= 3: 10 states; Send from each (10) and Ack where acked < sent (6)
WINDOW = """model Window
var sent: 0..1000
var acked: 0..1000
init { sent = 0  acked = 0 }
action Send { sent = sent + 1 }
action Ack { require acked < sent  acked = acked + 1 }
invariant AckedOnlySent: acked <= sent
constraint ShortRuns: sent <= 3
"""

# x == 3 is generated from x == 2 and fails Limit: the violation has a trace of 3 steps
CUT_VIOLATION = """model CutButChecked
var x: 0..10
var y: 0..1
init { x = 0  y = 0 }
action Inc { x = x + 1 }
action Flip { y = 1 - y }
constraint Small: x <= 2
invariant Limit: x <= 2
"""

# the only successor of x == 2 fails the constraint: no deadlock (without it, x == 5 is one)
NO_DEADLOCK = """model NoDeadlock
var x: 0..5
init { x = 0 }
action Inc { require x < 5  x = x + 1 }
constraint Small: x <= 2
"""

# initial states 0..4, of which 3 and 4 are dropped (Not4 would fail in 4)
DROPPED_INITS = """model Dropped
var x: 0..4
var done: bool
init { choose v in 0..4  x = v  done = false }
action Finish { require not done  done = true }
action Reset { require done  done = false }
constraint Low: x <= 2
invariant Not4: x != 4
"""


def model(text: str):
    return load_text(text, "c.sync")


def explicit(text: str, **options):
    return explicit_check(model(text), ExplicitOptions(**options))


def counts(r) -> tuple:
    return r.verdict, r.stats.distinct_states, r.stats.transitions, r.stats.depth


# ---- an independent search: the reference interpreter, the constraint applied by hand ----------

def constrained_bfs(m):
    """(distance of every stored state, transitions, {safety property: shortest violation length}),
    with the interpreter only: states failing a constraint are checked at distance + 1 of their
    parent and not stored; initial ones are dropped."""
    cm = CompiledModel(m)
    interp = cm.interp

    def kept(codes) -> bool:
        for c in m.constraints:
            try:
                if not interp.eval(c.cond, {}, codes):
                    return False
            except Exception:   # noqa: BLE001 - a ModelError: the constraint is false
                return False
        return True

    def check(s: int, d: int, found: dict) -> None:
        for inv in m.invariants:
            try:
                ok = interp.invariant_holds(inv, cm.unpack(s))
            except Exception:   # noqa: BLE001 - a ModelError: a violation
                ok = False
            if not ok:
                found.setdefault(inv.name, d)

    states, _ = interp.run_block(m.init, [0] * len(m.vars), {})
    dist, queue, found, transitions = {}, deque(), {}, 0
    for codes, _, _ in states:
        s = cm.pack(codes)
        if s not in dist and kept(codes):   # bypasses Interp.init_outcomes's own filter
            dist[s] = 0
            queue.append(s)
    while queue:
        s = queue.popleft()
        d = dist[s]
        check(s, d, found)
        steps = cm.steps(s)
        if not steps:
            found.setdefault("deadlock", d)
        for stp in steps:
            if stp.state is None:
                found.setdefault("runtime", d + 1)
                continue
            transitions += 1
            t = stp.state
            if not kept(cm.unpack(t)):
                check(t, d + 1, found)
            elif t not in dist:
                dist[t] = d + 1
                queue.append(t)
    return dist, transitions, found


# ---- the language -------------------------------------------------------------------------------

def test_a_constraint_parses_and_formats():
    m = parse(WINDOW, "w.sync")
    c = [d for d in m.decls if isinstance(d, ast.Constraint)]
    assert [x.name for x in c] == ["ShortRuns"]
    messy = WINDOW.replace("constraint ShortRuns: sent <= 3", "constraint   ShortRuns :sent<=3")
    out = format_text(messy, "w.sync")
    assert "constraint ShortRuns: sent <= 3\n" in out
    assert format_text(out, "w.sync") == out


def test_the_checked_model_keeps_the_constraint():
    m = model(WINDOW)
    assert [c.name for c in m.constraints] == ["ShortRuns"]
    assert [i.name for i in m.invariants] == ["AckedOnlySent"]


def test_constraint_is_a_soft_keyword():
    text = "model K\nenum E { constraint, other }\nvar e: E\ninit { e = constraint }\naction A { e = other }\n"
    assert model(text).vars[0].type.members == ("constraint", "other")


BAD = {
    "not boolean": ("constraint C: x + 1", "E30"),
    "unknown name": ("constraint C: z <= 2", "E201"),
    "primed variable": ("constraint C: x' <= 2", "E324"),   # a prime is read only in a step property
    "temporal": ("constraint C: always x <= 2", "E321"),
    "same name as an invariant": ("invariant C: x <= 3\nconstraint C: x <= 2", "E202"),
}


@pytest.mark.parametrize("case", sorted(BAD))
def test_bad_constraints_are_coded_errors_with_carets(case, tmp_path, capsys):
    decl, code = BAD[case]
    f = tmp_path / "bad.sync"
    f.write_text(f"model Bad\nvar x: 0..3\ninit {{ x = 0 }}\naction A {{ x = 1 }}\n{decl}\n")
    rc, out, err = run_cli(["check", str(f)], capsys)
    text = out + err
    assert rc == 2, text
    assert f"[{code}" in text, text
    assert "^" in text and "bad.sync:" in text, text
    assert "Traceback" not in text


# ---- the explicit (compiled) engine ---------------------------------------------------------------

@pytest.mark.parametrize("workers", [1, 2])
def test_window_counts_are_the_hand_computed_ones(workers):
    r = explicit(WINDOW, workers=workers)
    assert counts(r) == (Verdict.HOLDS, 10, 16, 6)
    assert r.stats.actions == {"Send": 10, "Ack": 6}


def test_the_interpreter_search_agrees_on_window():
    dist, transitions, found = constrained_bfs(model(WINDOW))
    assert (len(dist), transitions, max(dist.values()), found) == (10, 16, 6, {})


def test_without_the_constraint_the_space_is_larger():
    r = explicit(WINDOW.replace("constraint ShortRuns: sent <= 3", "constraint ShortRuns: sent <= 4"))
    assert r.stats.distinct_states == 15


@pytest.mark.parametrize("workers", [1, 2])
def test_a_successor_failing_the_constraint_is_not_a_deadlock(workers):
    r = explicit(NO_DEADLOCK, workers=workers)
    assert counts(r) == (Verdict.HOLDS, 3, 3, 2)
    assert prop(r, "deadlock").verdict is Verdict.HOLDS
    unconstrained = explicit(NO_DEADLOCK.replace("constraint Small: x <= 2", ""))
    assert prop(unconstrained, "deadlock").verdict is Verdict.VIOLATED


def test_a_real_deadlock_inside_the_constraint_is_still_found():
    r = explicit(NO_DEADLOCK.replace("require x < 5", "require x < 1"))
    p = prop(r, "deadlock")
    assert p.verdict is Verdict.VIOLATED and p.trace.length == 1


@pytest.mark.parametrize("workers", [1, 2])
def test_an_invariant_failing_in_a_cut_successor_is_found(workers):
    m = model(CUT_VIOLATION)
    r = explicit_check(m, ExplicitOptions(workers=workers))
    p = prop(r, "Limit")
    assert p.verdict is Verdict.VIOLATED
    assert [s.state["x"] for s in p.trace.steps] == [0, 1, 2, 3]
    assert p.trace.steps[-1].action == "Inc"
    # the search stopped at depth 2: 6 states stored (x <= 2, y either), none with x == 3
    assert r.stats.distinct_states == 6
    replayed = replay_engine_trace(p.trace, m, "c.sync")
    assert replayed.valid, replayed.message
    assert ("Limit", 3, "invariant Limit is violated in state 3") in replayed.violations


def test_a_cut_violation_is_reported_with_the_violations_of_its_depth():
    # Limit fails in the cut x == 3 (depth 3), Other in the stored y == 1, x == 2 (depth 3 too)
    text = CUT_VIOLATION.replace("var y: 0..1", "var y: 0..3").replace("y = 1 - y", "require y < 3  y = y + 1") \
        + "invariant Other: not (y == 1 and x == 2)\n"
    r = explicit(text)
    assert {p.name: p.trace.length for p in r.violated} == {"Limit": 3, "Other": 3}
    _, _, found = constrained_bfs(model(text))
    assert found == {"Limit": 3, "Other": 3}


def test_a_trace_may_not_go_through_a_cut_state():
    m = model(CUT_VIOLATION.replace("invariant Limit: x <= 2", "invariant Limit: x <= 3"))
    r = explicit_check(m, ExplicitOptions())
    assert r.verdict is Verdict.HOLDS
    bad = explicit_check(model(CUT_VIOLATION.replace("constraint Small: x <= 2", "")), ExplicitOptions())
    trace = prop(bad, "Limit").trace                  # 0, 1, 2, 3: fine under the constraint too
    assert replay_engine_trace(trace, m, "c.sync").valid
    longer = explicit_check(model(CUT_VIOLATION.replace("constraint Small: x <= 2", "")
                                  .replace("Limit: x <= 2", "Limit: x <= 3")), ExplicitOptions())
    through = prop(longer, "Limit").trace             # 0 .. 4: goes on from the cut x == 3
    out = replay_engine_trace(through, m, "c.sync")
    assert not out.valid and "state 3 fails a state constraint (Small)" in out.message


def test_initial_states_failing_the_constraint_are_dropped():
    r = explicit(DROPPED_INITS)
    assert counts(r) == (Verdict.HOLDS, 6, 6, 1)       # x in 0..2, done either; Not4 never checked in 4
    assert r.stats.distinct_states == len(constrained_bfs(model(DROPPED_INITS))[0])
    assert sorted(CompiledModel(model(DROPPED_INITS)).decode(s)["x"]
                  for s in CompiledModel(model(DROPPED_INITS)).init_states()) == [0, 1, 2]


def test_no_runtime_error_beyond_the_constraint():
    text = "model Edge\nvar x: 0..3\ninit { x = 0 }\naction Inc { x = x + 1 }\nconstraint C: x <= 2\n"
    assert counts(explicit(text)) == (Verdict.HOLDS, 3, 3, 2)   # Inc from x == 3 would store 4
    assert prop(explicit(text.replace("x <= 2", "x <= 3")), "runtime").verdict is Verdict.VIOLATED


def test_a_constraint_that_cannot_be_evaluated_is_false():
    text = ("model Div\nvar x: 0..4\ninit { x = 0 }\naction Inc { require x < 4  x = x + 1 }\n"
            "constraint C: 6 / (3 - x) >= 2\ninvariant I: x <= 2\n")
    # x = 0, 1 kept (6/3, 6/2); x == 2 fails (6/1 = 6 >= 2 holds: kept); x == 3 divides by zero: cut
    r = explicit(text)
    p = prop(r, "I")
    assert p.verdict is Verdict.VIOLATED and p.trace.length == 3
    assert r.stats.distinct_states == 3
    b = symbolic_check(model(text), "bmc", SymbolicOptions(depth=4, rlimit=RLIMIT))
    assert prop(b, "I").verdict is Verdict.VIOLATED and prop(b, "I").trace.length == 3


# ---- the simulator --------------------------------------------------------------------------

def test_simulation_finds_the_cut_violation_and_stops_there():
    r = simulate(model(CUT_VIOLATION), SimulateOptions(runs=50, steps=20, seed=1))
    p = prop(r, "Limit")
    assert p.verdict is Verdict.VIOLATED
    assert p.trace.steps[-1].state["x"] == 3
    ok = simulate(model(NO_DEADLOCK), SimulateOptions(runs=50, steps=20, seed=1))
    assert ok.verdict is not Verdict.VIOLATED
    edge = "model Edge\nvar x: 0..3\ninit { x = 0 }\naction Inc { x = x + 1 }\nconstraint C: x <= 2\n"
    assert simulate(model(edge), SimulateOptions(runs=50, steps=20, seed=1)).verdict is not Verdict.VIOLATED


# ---- the z3 engines ---------------------------------------------------------------------------

@pytest.mark.parametrize("mode", ["bmc", "induction", "prove"])
def test_z3_engines_prove_over_the_constrained_space(mode):
    for text in (WINDOW, NO_DEADLOCK, DROPPED_INITS):
        r = symbolic_check(model(text), mode, SymbolicOptions(depth=8, rlimit=RLIMIT, k=3))
        assert r.verdict is Verdict.HOLDS, (mode, text, [(p.name, p.verdict, p.message) for p in r.properties])


def test_an_unconstrained_window_is_not_proved():
    # the soundness counterpart: without the constraint a deadlock-free window overflows
    text = WINDOW.replace("constraint ShortRuns: sent <= 3", "")
    r = symbolic_check(model(text), "bmc", SymbolicOptions(depth=3, rlimit=RLIMIT))
    assert r.verdict is not Verdict.HOLDS


@pytest.mark.parametrize("mode", ["bmc", "induction", "prove"])
def test_z3_engines_find_the_cut_violation(mode):
    # k = 4: k-induction's base case looks at paths of up to 3 steps, the violation's length
    r = symbolic_check(model(CUT_VIOLATION), mode, SymbolicOptions(depth=4, rlimit=RLIMIT, k=4))
    p = prop(r, "Limit")
    assert p.verdict is Verdict.VIOLATED, (mode, p.message)
    if mode == "bmc":
        assert p.trace.length == 3 and p.trace.steps[-1].state["x"] == 3


def test_bmc_keeps_the_constraint_on_every_state_but_the_last():
    # Limit: x <= 3 fails in x == 4, reachable only through the cut x == 3: never
    text = CUT_VIOLATION.replace("invariant Limit: x <= 2", "invariant Limit: x <= 3")
    for mode in ("bmc", "induction", "prove"):
        r = symbolic_check(model(text), mode, SymbolicOptions(depth=6, rlimit=RLIMIT, k=3))
        assert prop(r, "Limit").verdict is Verdict.HOLDS, mode


# ---- properties of whole behaviours: E540 ------------------------------------------------------

LIVE = WINDOW + "property Acks: always eventually acked == sent\n"


def test_temporal_properties_with_constraints_are_refused():
    for run in (lambda m: explicit_check(m, ExplicitOptions()),
                lambda m: symbolic_check(m, "bmc", SymbolicOptions(depth=3, rlimit=RLIMIT)),
                lambda m: symbolic_check(m, "prove", SymbolicOptions(rlimit=RLIMIT))):
        with pytest.raises(SpecError) as e:
            run(model(LIVE))
        assert [d.code for d in e.value.diagnostics] == ["E540"]


def test_e540_on_the_command_line_and_the_way_around_it(tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    f = tmp_path / "live.sync"
    f.write_text(LIVE)
    rc, out, err = run_cli(["check", str(f)], capsys)
    text = out + err
    assert rc == 2 and "[E540]" in text and "^" in text and "--property" in text, text
    rc, out, err = run_cli(["check", str(f), "--property", "AckedOnlySent"], capsys)
    assert rc == 0, out + err


# ---- random constrained models: interpreter, compiled engine, BMC ---------------------------------

from test_symbolic_random import bool_expr, random_model  # noqa: E402 - the generator of that suite


@st.composite
def constrained_model(draw):
    text = draw(random_model())
    for n in range(draw(st.integers(1, 2))):
        text += f"constraint C{n}: {draw(bool_expr(1))}\n"
    return text


def _compare(text: str) -> None:
    try:
        m = load_text(text, "r.sync")
        e = explicit_check(m, ExplicitOptions(stop_at_first=False))
    except SpecError:   # the generator's models the checker rejects (see test_symbolic_random)
        return
    dist, transitions, found = constrained_bfs(m)
    assert e.stats.distinct_states == len(dist), text
    violated = {p.name: p.trace.length for p in e.violated if p.kind in SAFETY}
    want = {k: v for k, v in found.items() if k != "runtime"}
    got = {k: v for k, v in violated.items() if k != "runtime"}
    assert got == want, (got, want, text)
    assert ("runtime" in violated) == ("runtime" in found), (violated, found, text)
    if not found:
        assert e.stats.transitions == transitions, text
    for p in e.violated:
        doc = replay_engine_trace(p.trace, m, m.path)
        assert doc.valid, (doc.message, text)
    first = explicit_check(m, ExplicitOptions())
    two = explicit_check(m, ExplicitOptions(workers=2))
    assert counts(first) == counts(two), text
    shortest = {p.name: p.trace.length for p in first.violated if p.kind in SAFETY}
    depth = max(shortest.values()) if shortest else first.stats.depth
    b = symbolic_check(m, "bmc", SymbolicOptions(depth=depth, rlimit=40_000_000))
    assert {p.name: p.trace.length for p in b.violated} == shortest, text
    if not shortest:
        assert b.verdict is not Verdict.VIOLATED


HANDFUL = [
    WINDOW, CUT_VIOLATION, NO_DEADLOCK, DROPPED_INITS,
    "model G\nvar a: 0..3\nvar b: 0..3\ninit { a = 0 b = 0 }\naction A { a = (a + 1) % 4 }\n"
    "action B(p: 0..2) { require p <= a  b = p }\nconstraint C: a + b <= 3\ninvariant I: b <= 2\n",
    "model H\nvar s: set[0..3]\ninit { s = {} }\naction Add(v: 0..3) { s = s | {v} }\n"
    "action Drop(v: 0..3) { require v in s  s = s - {v} }\nconstraint C: len(s) <= 2\ninvariant I: len(s) <= 3\n",
]


@pytest.mark.parametrize("index", range(len(HANDFUL)))
def test_handful_of_constrained_models_agree(index):
    _compare(HANDFUL[index])


@pytest.mark.slow
@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(constrained_model())
def test_random_constrained_models_agree(text):
    _compare(text)


# ---- with step properties ---------------------------------------------------------------------

# Jump goes 2 -> 5, a cut successor; the step into it breaks Small steps (checked: it is
# generated), the steps out of a cut state are never taken (5 -> 6 would break Bounded)
STEPS = """model StepsAndCuts
var x: 0..10
init { x = 0 }
action Inc { require x < 2  x = x + 1 }
action Jump { require x == 2  x = x + 3 }
action Creep { require x >= 5  x = x + 1 }
constraint Small: x <= 2
step SmallSteps: x' <= x + 2
step Bounded: x' <= 5
"""


@pytest.mark.parametrize("workers", [1, 2])
def test_a_step_into_a_cut_successor_is_checked_and_none_out_of_it(workers):
    r = explicit_check(model(STEPS), ExplicitOptions(workers=workers, stop_at_first=False))
    assert prop(r, "SmallSteps").verdict is Verdict.VIOLATED
    assert [s.state["x"] for s in prop(r, "SmallSteps").trace.steps] == [0, 1, 2, 5]
    assert prop(r, "Bounded").verdict is Verdict.HOLDS
    assert r.stats.distinct_states == 3


@pytest.mark.parametrize("mode", ["bmc", "induction", "prove"])
def test_z3_engines_agree_on_steps_and_cuts(mode):
    r = symbolic_check(model(STEPS), mode, SymbolicOptions(depth=5, rlimit=RLIMIT, k=4))
    assert prop(r, "SmallSteps").verdict is Verdict.VIOLATED, mode
    holds = symbolic_check(model(STEPS.replace("step SmallSteps: x' <= x + 2\n", "")), mode,
                           SymbolicOptions(depth=5, rlimit=RLIMIT, k=4))
    assert prop(holds, "Bounded").verdict is Verdict.HOLDS, (mode, prop(holds, "Bounded").message)
