"""Temporal properties under fairness, and determinism declarations: known answers."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from checker.engines.explicit.search import ExplicitOptions, check
from checker.traces.itf import trace_document
from checker.traces.replay import replay
from checker.reports.console import result_json
from spec.diagnostics import SpecError
from spec.loader import load, load_text

ROOT = Path(__file__).resolve().parent.parent

MUTEX = """model Mutex
const PROCS = {p1, p2}
enum PC { idle, waiting, critical }
var pc: map[PROCS, PC]
var lock: bool
init { pc = {p: idle for p in PROCS}  lock = false }
action Request(p: PROCS) { require pc[p] == idle  pc[p] = waiting }
action Enter(p: PROCS) { require pc[p] == waiting and not lock  pc[p] = critical  lock = true }
action Leave(p: PROCS) { require pc[p] == critical  pc[p] = idle  lock = false }
invariant Mutex: not (pc[p1] == critical and pc[p2] == critical)
property Progress: forall p in PROCS: pc[p] == waiting leads_to pc[p] == critical
"""


# A is enabled only in state 1; the cycle 0 -> 1 -> 0 never takes A. Under strong fairness of A
# the behaviour must take A from state 1, reaching 2; under weak fairness it need not.
REFINE = """model Refine
var x: 0..2
init { x = 0 }
action Go { require x < 2  x = 1 - x }
action A { require x == 1  x = 2 }
action Stay { require x == 2  x = 2 }
fairness weak Go
property ReachesTwo: eventually x == 2
"""

def run(text: str, **opts):
    model = load_text(text, "m.sync")
    return model, check(model, ExplicitOptions(**opts))


def prop(result, name):
    return next(p for p in result.properties if p.name == name)


def assert_replays_as_violation(model, p):
    """The lasso is a behaviour of the model, fair, and violates the property."""
    doc = json.loads(json.dumps(trace_document(p.trace, "m.sync")))
    r = replay(doc, model)
    assert r.valid, r.message
    assert p.name in [v[0] for v in r.violations]


# ---- fairness ------------------------------------------------------------------------------

def test_without_fairness_eventually_fails_by_stuttering():
    model, r = run(MUTEX)
    p = prop(r, "Progress")
    assert p.verdict.value == "violated"
    steps = p.trace.steps
    assert [s.action for s in steps] == [None, "Request", "(stutter)"]
    assert p.trace.loop == 1
    assert p.trace.binding == {"p": "p1"}
    assert_replays_as_violation(model, p)


def test_weak_fairness_still_starves():
    model, r = run(MUTEX + "fairness weak Enter, Leave\n")
    p = prop(r, "Progress")
    assert p.verdict.value == "violated"
    cycle = p.trace.steps[p.trace.loop + 1:]
    # p2 keeps entering and leaving while p1 waits: Enter(p1) is never continuously enabled
    assert [(s.action, s.params) for s in cycle] == [("Request", {"p": "p2"}), ("Enter", {"p": "p2"}),
                                                    ("Leave", {"p": "p2"})]
    assert all(s.state["pc"]["p1"] == "waiting" for s in p.trace.steps[p.trace.loop:])
    assert_replays_as_violation(model, p)


def test_strong_fairness_makes_progress():
    _, r = run(MUTEX + "fairness weak Leave\nfairness strong Enter\n")
    assert prop(r, "Progress").verdict.value == "holds"
    assert r.verdict.value == "holds"


def test_replay_rejects_an_unfair_lasso():
    model, r = run(MUTEX)
    doc = json.loads(json.dumps(trace_document(prop(r, "Progress").trace, "m.sync")))
    fair_model = load_text(MUTEX + "fairness weak Enter, Leave\n", "m.sync")
    res = replay(doc, fair_model)  # stuttering while Enter(p1) stays enabled is not weakly fair
    assert not res.valid
    assert "not fair" in res.message


def test_two_phase_commit_every_rm_decides_under_fairness():
    model = load(ROOT / "models/two_phase_commit.sync")
    r = check(model, ExplicitOptions())
    assert prop(r, "EveryRMDecides").verdict.value == "holds"
    assert r.stats.graph.states == 288 and r.stats.graph.edges == 1145


def test_two_phase_commit_without_fairness_fails():
    text = (ROOT / "models/two_phase_commit.sync").read_text()
    text = "\n".join(line for line in text.splitlines() if not line.startswith("fairness"))
    model, r = run(text)
    p = prop(r, "EveryRMDecides")
    assert p.verdict.value == "violated"
    assert len(p.trace.steps) == 2 and p.trace.loop == 0  # the initial state stutters for ever
    assert_replays_as_violation(model, p)


def test_lasso_through_a_deadlock_stutters_even_under_fairness():
    text = """model Stuck
var x: 0..3
init { x = 0 }
action Step { require x < 2  x = x + 1 }
fairness weak Step
property ReachesThree: eventually x == 3
"""
    model, r = run(text, deadlock=False)
    p = prop(r, "ReachesThree")
    assert p.verdict.value == "violated"
    assert [s.state["x"] for s in p.trace.steps] == [0, 1, 2, 2]
    assert p.trace.steps[-1].action == "(stutter)" and p.trace.loop == 2
    assert_replays_as_violation(model, p)


def test_leads_to_holds_vacuously():
    text = """model Vacuous
var x: 0..2
init { x = 0 }
action Up { require x < 2  x = x + 1 }
action Down { require x > 0  x = x - 1 }
property Never: x == 5 - 2 + 1 leads_to x == 0
"""
    _, r = run(text)
    p = prop(r, "Never")
    assert p.verdict.value == "holds"
    assert "vacuously" in p.message


def test_always_eventually_and_eventually_always():
    text = """model Blink
var on: bool
init { on = false }
action Toggle { on = not on }
fairness weak Toggle
property InfinitelyOften: always eventually on
property Settles: eventually always on
"""
    model, r = run(text)
    assert prop(r, "InfinitelyOften").verdict.value == "holds"
    p = prop(r, "Settles")
    assert p.verdict.value == "violated"
    cycle = [s.state["on"] for s in p.trace.steps[p.trace.loop:]]
    assert False in cycle  # the cycle keeps returning to 'off'
    assert_replays_as_violation(model, p)


def test_strong_fairness_refines_the_component():
    text = REFINE
    _, weak = run(text + "fairness weak A\n")
    assert prop(weak, "ReachesTwo").verdict.value == "violated"
    _, strong = run(text + "fairness strong A\n")
    assert prop(strong, "ReachesTwo").verdict.value == "holds"


def test_always_property_is_a_finite_trace():
    _, r = run(MUTEX + "property NeverBoth: always not (pc[p1] == waiting and pc[p2] == waiting)\n")
    p = prop(r, "NeverBoth")
    assert p.verdict.value == "violated"
    assert p.trace.loop is None and len(p.trace.steps) == 3


def test_temporal_operators_only_in_properties():
    with pytest.raises(SpecError) as info:
        load_text("model T\nvar x: bool\ninit { x = true }\naction A { x = true }\ninvariant I: eventually x\n")
    assert info.value.codes == ["E321"]
    with pytest.raises(SpecError) as info:
        load_text("model T\nvar x: bool\ninit { x = true }\naction A { x = true }\n"
                  "property P: (eventually x) == x\n")
    assert info.value.codes == ["E321"]


def test_unknown_action_in_fairness():
    with pytest.raises(SpecError) as info:
        load_text(MUTEX + "fairness weak Entr\n")
    assert info.value.codes == ["E201"]
    assert "did you mean 'Enter'" in info.value.render()


# ---- determinism --------------------------------------------------------------------------------

LEDGER = """model Positions
const CLIENTS = {c1, c2}
var position: 0..4
var version: 0..4
var seen: map[CLIENTS, 0..4]
var read_version: map[CLIENTS, 0..4]
init { position = 0  version = 0  seen = {c: 0 for c in CLIENTS}  read_version = {c: 0 for c in CLIENTS} }
action Read(c: CLIENTS) { seen[c] = position  read_version[c] = version }
action Write(c: CLIENTS) {
  require seen[c] < 4 and version < 4
  position = seen[c] + 1
  version = version + 1
}
deterministic Read, Write
commute Read, Read
commute Write, Write
"""


def test_deterministic_holds_and_commute_finds_the_lost_update():
    model, r = run(LEDGER, deadlock=False)
    assert prop(r, "deterministic(Read)").verdict.value == "holds"
    assert prop(r, "deterministic(Write)").verdict.value == "holds"
    assert prop(r, "commute(Read, Read)").verdict.value == "holds"
    p = prop(r, "commute(Write, Write)")
    assert p.verdict.value == "violated"
    labels = [label for label, _ in p.trace.branches]
    assert labels == ["Write(c=c1) then Write(c=c2)", "Write(c=c2) then Write(c=c1)"]
    # both clients read position 0: whichever writes last, the result is 1, not 2 ... but the
    # versions differ from the positions: the orders end in different states only when reads differ
    ends = [steps[-1].state for _, steps in p.trace.branches]
    assert ends[0] != ends[1]


def test_deterministic_catches_choose():
    text = """model Choosy
var x: 0..3
init { x = 0 }
action Bump { choose d in {1, 2}  require x + d <= 3  x = x + d }
action Reset { require x == 3  x = 0 }
deterministic Bump
"""
    _, r = run(text)
    p = prop(r, "deterministic(Bump)")
    assert p.verdict.value == "violated"
    assert len(p.trace.steps) == 1  # already in the initial state
    results = [steps[-1].state["x"] for _, steps in p.trace.branches]
    assert sorted(results) == [1, 2]


def test_converge_is_replica_agreement():
    text = """model Replicas
const NODES = {a, b}
var log: map[NODES, 0..2]
var balance: map[NODES, 0..4]
init { log = {n: 0 for n in NODES}  balance = {n: 0 for n in NODES} }
action Apply(n: NODES) { require log[n] < 2  log[n] = log[n] + 1  balance[n] = balance[n] + 2 }
action Drift(n: NODES) { require log[n] == 2 and balance[n] == 4  balance[n] = 3 }
converge Agreement: forall n in NODES: log[n] determines balance[n]
"""
    _, r = run(text, deadlock=False)
    p = prop(r, "Agreement")
    assert p.kind == "converge"
    assert p.verdict.value == "violated"
    assert any("balance[n]" in line for line in p.trace.explanation)


# ---- the checker is deterministic ---------------------------------------------------------------

def _stable(result) -> dict:
    data = result_json(result)
    for key in ("seconds", "states_per_second", "graph_seconds"):
        data["stats"].pop(key, None)
    data["traces"] = [trace_document(p.trace, "m") for p in result.properties if p.trace is not None]
    return data


@pytest.mark.parametrize("path", ["models/settlement_lock_broken.sync", "models/two_phase_commit_broken.sync",
                                  "models/options_ledger.sync"])
def test_same_result_run_after_run_and_for_any_workers(path):
    model = load(ROOT / path)
    first = _stable(check(model, ExplicitOptions(stop_at_first=False)))
    again = _stable(check(model, ExplicitOptions(stop_at_first=False)))
    workers = _stable(check(model, ExplicitOptions(stop_at_first=False, workers=2, chunk=16)))
    # what depends on the number of workers: the partitions' traffic and their trace stores (which
    # also hold each state's global index)
    assert workers["stats"].pop("bytes_shipped_per_state") > 0
    assert workers["stats"].pop("trace_store_bytes") > first["stats"].pop("trace_store_bytes") \
        == again["stats"].pop("trace_store_bytes") > 0
    for run in (first, again, workers):
        run["stats"].pop("workers")
        run["stats"].pop("kernel")   # the partitions run the generated code, one process the level kernel
    assert first["stats"].pop("bytes_shipped_per_state") == again["stats"].pop("bytes_shipped_per_state") == 0
    assert first == again == workers


def test_replay_reports_a_property_it_cannot_evaluate_on_a_lasso():
    text = """model Div
var x: 0..1
init { x = 0 }
action Flip { x = 1 - x }
property P: eventually x == 5
"""
    _, r = run(text)
    doc = json.loads(json.dumps(trace_document(prop(r, "P").trace, "m.sync")))
    assert doc["loop"] is not None
    other = load_text(text.replace("x == 5", "6 / x == 1"), "m.sync")
    res = replay(doc, other)  # a run-time error in the property: reported, not raised
    assert res.valid
    assert res.violations == [("P", doc["loop"], "property P cannot be evaluated: division by zero (6 / 0)")]
