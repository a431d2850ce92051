"""Step (action) properties, TLA+'s [][A]_vars: `step Name: expr` with `x` before a step and `x'` after it.

Every engine reports a violation under the property's name (kind "step") with a trace to the state
before the offending step, then that step; the explicit engines (interpreted, compiled, partitioned),
BMC and simulation agree on it. A stuttering step satisfies every step property. k-induction and
Spacer prove them (or give a counterexample to induction that ends with the offending step).
"""

from __future__ import annotations

import importlib
import json
from collections import deque

import pytest

# loaded before pytester's in-process run, as tests/test_pytest_plugin.py explains
for _name in ("hypothesis", "checker.cli.main", "checker.project.config", "checker.engines.options",
              "checker.reports.formats.tracerows", "checker.pytest_plugin", "spec.loader"):
    importlib.import_module(_name)
from checker.core.kinds import Kind
from checker.core.result import Verdict
from checker.engines.explicit.search import ExplicitOptions, check
from checker.engines.simulate import SimulateOptions, simulate
from checker.engines.symbolic import check as symbolic_check
from checker.engines.symbolic.run import SymbolicOptions
from checker.traces.itf import trace_document
from checker.traces.replay import replay_engine_trace
from cli_helpers import run_cli
from engine_helpers import differential, model_of, prop
from spec.formatter import format_text
from spec.interp import Interp
from spec.runtime import ModelError

RLIMIT = 20_000_000

pytest_plugins = ["pytester"]

HEIGHT = """\
model Height
var height: 0..3
var paid: 0..6
init {
  height = 0
  paid = 0
}
action Append {
  require height < 3
  height = height + 1
  paid = paid + 2
}
action Reorg {
  require height == 3
  height = 1
}
action Idle {
  skip
}
step NeverBackwards: height' >= height
step PaysPerBlock: paid' - paid == 2 * (height' - height) or height' < height
"""

FIXED = HEIGHT.replace("action Reorg {\n  require height == 3\n  height = 1\n}\n", "")

# the shortest violation: three Appends, then Reorg from height 3 to 1
SHORTEST = [("(initial)", 0), ("Append", 1), ("Append", 2), ("Append", 3), ("Reorg", 1)]


def _shape(trace) -> list[tuple[str, int]]:
    return [(s.action or "(initial)", s.state["height"]) for s in trace.steps]


def _symbolic(text: str, mode: str, **kw):
    return symbolic_check(model_of(text), mode, SymbolicOptions(rlimit=RLIMIT, deadlock=False, **kw))


def _interpreted_bfs(model) -> dict[str, int]:
    """An independent search over the reference interpreter alone: each step property's first
    violation, as the number of steps of the shortest behaviour that ends with the offending step."""
    interp = Interp(model)
    seen = {tuple(s) for s in interp.init_states()}
    queue = deque((list(s), 0) for s in seen)
    first: dict[str, int] = {}
    while queue:
        state, depth = queue.popleft()
        for action in model.actions:
            for _, _, nxt in interp.successors(action, state):
                if isinstance(nxt, ModelError):
                    continue
                for sp in model.step_properties:
                    if sp.name not in first and not interp.step_property_holds(sp, state, nxt):
                        first[sp.name] = depth + 1
                if tuple(nxt) not in seen:
                    seen.add(tuple(nxt))
                    queue.append((nxt, depth + 1))
    return first


# ---- a violation at a known depth: every engine the same ------------------------------------------

def test_the_interpreter_finds_the_violation_at_depth_four():
    assert _interpreted_bfs(model_of(HEIGHT)) == {"NeverBackwards": 4}
    assert _interpreted_bfs(model_of(FIXED)) == {}


@pytest.mark.parametrize("workers", [1, 2])
def test_explicit_reports_the_step_with_both_states(workers):
    m = model_of(HEIGHT)
    differential(m, limit=100)   # the compiled code and the interpreter agree on every state
    r = check(m, ExplicitOptions(deadlock=False, workers=workers))
    assert r.verdict is Verdict.VIOLATED
    p = prop(r, "NeverBackwards")
    assert (p.kind, p.verdict) == (Kind.STEP, Verdict.VIOLATED)
    assert p.message == "step property NeverBackwards is violated by the last step (Reorg)"
    assert p.where == "t.sync:20:1"
    assert _shape(p.trace) == SHORTEST
    assert len(p.trace.steps) - 1 == _interpreted_bfs(m)["NeverBackwards"]
    assert p.trace.steps[-2].state == {"height": 3, "paid": 6}   # before the step
    assert p.trace.steps[-1].state == {"height": 1, "paid": 6}   # after it


def test_explicit_decides_every_step_property_when_asked_to_continue():
    r = check(model_of(HEIGHT), ExplicitOptions(deadlock=False, stop_at_first=False))
    # Reorg pays nothing for going back, which PaysPerBlock allows (height' < height)
    assert {p.name: p.verdict for p in r.properties if p.kind == Kind.STEP} == {
        "NeverBackwards": Verdict.VIOLATED, "PaysPerBlock": Verdict.HOLDS}


def test_bmc_finds_the_same_trace():
    r = _symbolic(HEIGHT, "bmc", depth=6)
    p = prop(r, "NeverBackwards")
    assert (p.kind, p.verdict) == (Kind.STEP, Verdict.VIOLATED)
    assert p.message == "step property NeverBackwards is violated by the last step (Reorg)"
    assert _shape(p.trace) == SHORTEST


def test_simulation_finds_and_shrinks_it():
    r = simulate(model_of(HEIGHT), SimulateOptions(seed=7, runs=200, deadlock=False))
    p = prop(r, "NeverBackwards")
    assert (p.kind, p.verdict) == (Kind.STEP, Verdict.VIOLATED)
    assert _shape(p.trace) == SHORTEST


@pytest.mark.parametrize("engine", ["explicit", "bmc", "simulation"])
def test_a_replayed_trace_reproduces_the_violation(engine):
    m = model_of(HEIGHT)
    if engine == "explicit":
        r = check(m, ExplicitOptions(deadlock=False))
    elif engine == "bmc":
        r = _symbolic(HEIGHT, "bmc", depth=6)
    else:
        r = simulate(m, SimulateOptions(seed=7, runs=200, deadlock=False))
    trace = prop(r, "NeverBackwards").trace
    assert trace_document(trace, "t.sync")["#meta"]["kind"] == "step"
    replayed = replay_engine_trace(trace, m, "t.sync", check_deadlock=False)
    assert replayed.valid
    assert replayed.violations == [("NeverBackwards", 4, "step property NeverBackwards is violated by the step "
                                    "from state 3 to state 4")]


def test_a_trace_that_keeps_the_property_replays_clean():
    m = model_of(HEIGHT)
    r = check(m, ExplicitOptions(deadlock=False))
    trace = prop(r, "NeverBackwards").trace
    trace.steps = trace.steps[:-1]   # without the offending step
    replayed = replay_engine_trace(trace, m, "t.sync", check_deadlock=False)
    assert replayed.valid and replayed.violations == []


# ---- a model where it holds -------------------------------------------------------------------------

def test_explicit_holds_exhaustively():
    r = check(model_of(FIXED), ExplicitOptions(deadlock=False))
    assert r.verdict is Verdict.HOLDS
    assert [(p.name, p.kind, p.verdict) for p in r.properties if p.kind == Kind.STEP] == [
        ("NeverBackwards", Kind.STEP, Verdict.HOLDS), ("PaysPerBlock", Kind.STEP, Verdict.HOLDS)]
    assert r.stats.distinct_states == 4


def test_bmc_to_the_end_of_the_loop_free_paths_holds():
    r = _symbolic(FIXED, "bmc", depth=5)
    assert prop(r, "NeverBackwards").verdict is Verdict.HOLDS


@pytest.mark.parametrize("mode", ["induction", "prove"])
def test_k_induction_and_spacer_prove_it(mode):
    r = _symbolic(FIXED, mode)
    for name in ("NeverBackwards", "PaysPerBlock"):
        p = prop(r, name)
        assert (p.verdict, p.how) == (Verdict.HOLDS, "proved"), (name, p.message)


@pytest.mark.parametrize("mode", ["induction", "prove"])
def test_k_induction_and_spacer_find_the_violation(mode):
    p = prop(_symbolic(HEIGHT, mode), "NeverBackwards")
    assert p.verdict is Verdict.VIOLATED
    assert _shape(p.trace) == SHORTEST


# y is never 7, but an arbitrary state of k-induction's path may say so: Reset is then enabled and
# breaks the step property; it is not inductive, and only Spacer (which finds y == 0) proves it
UNREACHED = """\
model Unreached
var x: 0..5
var y: 0..7
init {
  x = 0
  y = 0
}
action Up {
  require x < 5
  x = x + 1
}
action Reset {
  require y == 7
  x = 0
}
step XUp: x' >= x
"""


def test_k_induction_gives_a_counterexample_to_induction_ending_with_the_step():
    p = prop(_symbolic(UNREACHED, "induction", k=3), "XUp")
    assert p.verdict is Verdict.INCONCLUSIVE
    cti = p.cti
    assert cti is not None and cti.kind == Kind.STEP
    assert cti.message.startswith("not inductive (k = 1): step property XUp is violated by the last step (Reset)")
    before, after = cti.steps[-2].state, cti.steps[-1].state
    assert before["y"] == 7 and after["x"] == 0 < before["x"]


def test_spacer_proves_what_k_induction_cannot():
    p = prop(_symbolic(UNREACHED, "prove"), "XUp")
    assert (p.verdict, p.how) == (Verdict.HOLDS, "proved")
    assert check(model_of(UNREACHED), ExplicitOptions(deadlock=False)).verdict is Verdict.HOLDS


# ---- stuttering --------------------------------------------------------------------------------------

STUTTER = """\
model Stutter
var x: 0..2
var y: 0..1
init {
  x = 0
  y = 0
}
action Up {
  require x < 2
  x = x + 1
}
action Same {
  x = x
}
step AlwaysMoves: x' != x
"""


def test_a_stuttering_step_satisfies_every_step_property():
    # Same changes nothing: TLA+'s [][A]_vars allows it, and so does every engine
    r = check(model_of(STUTTER), ExplicitOptions(deadlock=False))
    assert prop(r, "AlwaysMoves").verdict is Verdict.HOLDS
    assert r.stats.actions["Same"] == 3   # the stuttering steps are transitions all the same
    assert prop(_symbolic(STUTTER, "bmc", depth=4), "AlwaysMoves").verdict is Verdict.HOLDS
    assert prop(_symbolic(STUTTER, "prove"), "AlwaysMoves").verdict is Verdict.HOLDS
    assert _interpreted_bfs(model_of(STUTTER)) == {}


def test_a_step_that_changes_another_variable_is_not_a_stutter():
    text = STUTTER.replace("  x = x\n", "  require y == 0\n  y = 1\n")
    r = check(model_of(text), ExplicitOptions(deadlock=False))
    p = prop(r, "AlwaysMoves")
    assert p.verdict is Verdict.VIOLATED
    assert [s.action or "(initial)" for s in p.trace.steps] == ["(initial)", "Same"]
    assert _shape_of(prop(_symbolic(text, "bmc", depth=3), "AlwaysMoves").trace) == _shape_of(p.trace)


def _shape_of(trace):
    return [(s.action, s.state) for s in trace.steps]


# ---- a run-time error in a step property -------------------------------------------------------------

def test_a_step_property_that_cannot_be_evaluated_is_violated():
    text = HEIGHT.replace("step PaysPerBlock: paid' - paid == 2 * (height' - height) or height' < height",
                          "step Ratio: paid' - paid >= 2 * (paid / height)")   # height 0 before the first step
    m = model_of(text)
    r = check(m, ExplicitOptions(deadlock=False, stop_at_first=False))
    p = prop(r, "Ratio")
    assert p.verdict is Verdict.VIOLATED
    assert p.message.startswith("step property Ratio cannot be evaluated on the last step (Append): division by zero")
    assert _shape(p.trace) == [("(initial)", 0), ("Append", 1)]
    b = prop(_symbolic(text, "bmc", depth=2), "Ratio")
    assert (b.verdict, _shape(b.trace), b.message) == (Verdict.VIOLATED, _shape(p.trace), p.message)


# ---- bad input ---------------------------------------------------------------------------------------

@pytest.mark.parametrize("line, code, col, words", [
    ("invariant Grows: height' >= height", "E324", 18, "height' (the value after a step) can only be read in a "
                                                           "'step' property"),
    ("const N = 3\nstep Cst: N' == N", "E325", 11, "only a state variable can be primed: 'N' is a constant"),
    ("step Local: forall h in 0..3: h' == h", "E325", 31, "only a state variable can be primed: 'h' is a local name"),
    ("def twice(v: 0..3) -> 0..6 = 2 * v\nstep D: twice' == 0", "E325", 9, "'twice' is a definition"),
    ("step NotBool: height' + 1", "E302", 15, "expected bool"),
])
def test_bad_step_properties_are_reported_with_a_caret(tmp_path, capsys, line, code, col, words):
    path = tmp_path / "bad.sync"
    path.write_text(FIXED + line + "\n")
    rc, out, err = run_cli(["check", path, "--no-trace-file"], capsys)
    assert rc == 2
    text = out + err
    assert f"error[{code}]" in text and words in text, text
    where = f"bad.sync:{FIXED.count(chr(10)) + line.count(chr(10)) + 1}:{col}:"
    assert where in text, text
    assert "^" in text and "Traceback" not in text


def test_an_action_that_assigns_a_primed_name_is_told_how_to_assign(tmp_path, capsys):
    path = tmp_path / "primed.sync"
    path.write_text(FIXED.replace("  height = height + 1\n", "  height' = height + 1\n"))
    rc, out, err = run_cli(["check", path, "--no-trace-file"], capsys)
    text = out + err
    assert rc == 2
    assert "primed.sync:10:9: error[E100]: unexpected \"'\"" in text
    assert "actions assign with 'x = ...'" in text and "^" in text


def test_step_stays_a_name_for_variables():
    text = "model S\nvar step: 0..2\ninit { step = 0 }\naction Next { require step < 2  step = step + 1 }\n" \
           "step Forward: step' == step + 1\n"
    r = check(model_of(text), ExplicitOptions(deadlock=False))
    assert prop(r, "Forward").verdict is Verdict.HOLDS
    assert format_text(text) == format_text(format_text(text))


def test_fmt_lays_out_step_properties():
    src = "model F\nvar x: 0..3\ninit { x = 0 }\naction A { require x<3\n x = x+1 }\n" \
          "step   Up :x' >= x   and x'<=  x+1   # c\n"
    out = format_text(src)
    assert out.endswith("step Up: x' >= x and x' <= x + 1  # c\n")
    assert format_text(out) == out


def test_property_selects_a_step_property():
    m = model_of(HEIGHT)
    from checker.core.properties import select_invariants
    only = select_invariants(m, ["PaysPerBlock"])
    assert [sp.name for sp in only.step_properties] == ["PaysPerBlock"] and only.invariants == []
    r = check(only, ExplicitOptions(deadlock=False, stop_at_first=False))
    # NeverBackwards is not checked, so the search goes on past Reorg, to an Append that overflows paid
    assert {p.name: p.verdict for p in r.properties} == {"PaysPerBlock": Verdict.HOLDS, "runtime": Verdict.VIOLATED}


# ---- the command line --------------------------------------------------------------------------------

def test_the_cli_names_the_property_and_shows_both_states(tmp_path, capsys):
    path = tmp_path / "height.sync"
    path.write_text(HEIGHT)
    rc, out, _ = run_cli(["check", path, "--no-trace-file", "--no-deadlock"], capsys)
    assert rc == 1
    assert "counterexample for NeverBackwards: step property NeverBackwards is violated by the last step (Reorg)" \
        in out
    rows = [line for line in out.splitlines() if line.startswith("│")]
    assert [r.split("│")[2].strip() for r in rows] == ["(initial)", "Append", "Append", "Append", "Reorg"]
    assert rows[-2].split("│")[3].strip() == "3" and rows[-1].split("│")[3].strip() == "1"
    assert "VIOLATED — NeverBackwards" in out


def test_the_json_report_has_the_kind_and_the_trace(tmp_path, capsys):
    path = tmp_path / "height.sync"
    path.write_text(HEIGHT)
    rc, out, _ = run_cli(["check", path, "--no-trace-file", "--no-deadlock", "--json"], capsys)
    assert rc == 1
    doc = json.loads(out)
    p = next(x for x in doc["properties"] if x["name"] == "NeverBackwards")
    assert (p["kind"], p["verdict"], p["trace_length"]) == ("step", "violated", 4)


def test_sarif_has_a_rule_for_step_properties(tmp_path, capsys):
    path = tmp_path / "height.sync"
    path.write_text(HEIGHT)
    rc, out, _ = run_cli(["check", path, "--no-trace-file", "--no-deadlock", "--format", "sarif"], capsys)
    assert rc == 1
    log = json.loads(out)
    rules = {r["id"]: r for r in log["runs"][0]["tool"]["driver"]["rules"]}
    assert any("step property" in r["shortDescription"]["text"] for r in rules.values())
    result = log["runs"][0]["results"][0]
    assert result["locations"][0]["physicalLocation"]["region"]["startLine"] == 20


# ---- symmetry ----------------------------------------------------------------------------------------

SYMMETRIC = """\
model Levels
const P = symmetric {p1, p2, p3}
var level: map[P, 0..2]
init {
  level = {p: 0 for p in P}
}
action Up(p: P) {
  require level[p] < 2
  level[p] = level[p] + 1
}
action Drop(p: P) {
  require level[p] == 2 and forall q in P: level[q] >= 1
  level[p] = 0
}
step NoDrop: forall p in P: level'[p] >= level[p]
"""


def test_symmetry_reduction_finds_the_same_shortest_violation():
    m = model_of(SYMMETRIC)
    differential(m, limit=100)
    reduced = check(m, ExplicitOptions(deadlock=False))
    full = check(m, ExplicitOptions(deadlock=False, symmetry=False))
    assert reduced.stats.distinct_states < full.stats.distinct_states
    for r in (reduced, full):
        p = prop(r, "NoDrop")
        assert p.verdict is Verdict.VIOLATED
        assert [s.action for s in p.trace.steps[1:]] == ["Up"] * 4 + ["Drop"]
    assert _interpreted_bfs(m) == {"NoDrop": 5}
    assert [s.action for s in prop(_symbolic(SYMMETRIC, "bmc", depth=5), "NoDrop").trace.steps[1:]] == \
        ["Up"] * 4 + ["Drop"]


# ---- the pytest plugin -------------------------------------------------------------------------------

def test_the_pytest_plugin_has_an_item_per_step_property(pytester):
    pytester.makepyprojecttoml('[tool.pytest.ini_options]\ntestpaths = ["models"]\nsyncproof_paths = ["models"]\n')
    (pytester.mkdir("models") / "height.sync").write_text(HEIGHT)
    result = pytester.runpytest("-q", "-rA", "-p", "no:cacheprovider", "-p", "no:pytest-lsp")
    # NeverBackwards fails with its trace; so does runtime (after Reorg, an Append overflows paid)
    result.assert_outcomes(passed=2, failed=2)
    out = result.stdout.str()
    assert "counterexample for NeverBackwards: step property NeverBackwards is violated by the last step (Reorg)" in out
    assert "│ 4 │ Reorg     │ 1      │ 6    │" in out and "Traceback" not in out


def test_a_single_quoted_string_is_not_taken_for_a_prime(tmp_path, capsys):
    path = tmp_path / "quote.sync"
    path.write_text("model M\nvar x: 0..3\ninit { x = 0 }\naction A { assert x < 3, 'no' }\n")
    rc, out, err = run_cli(["check", path, "--no-trace-file"], capsys)
    assert rc == 2
    assert "quote.sync:4:26: error[E100]" in out + err and 'strings are written in double quotes' in out + err
