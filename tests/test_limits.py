"""Limits hold in every phase of the explicit and simulation engines, and Ctrl-C stops them.

`--max-states N` stops with exactly N distinct states (the same for every number of workers);
`--timeout` holds while the initial states are enumerated, during the search, while the state
graph is built and while temporal and determinism properties are checked; Ctrl-C ends a run with
exit 130 and the statistics it had reached. No verdict here depends on the machine's speed: the
phase-by-phase timeouts use a budget whose clock jumps past the deadline when a chosen phase
starts, the models that time out would run for minutes, and the Ctrl-C tests wait until the
progress display shows the phase of interest before they send SIGINT (hang guards are generous).
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time

import pytest

from checker.engines.explicit.search import ExplicitOptions, Explorer, check
from checker.core.limits import Budget, Interrupted, Progress, Stopped
from checker.core.result import Verdict
from checker.engines.simulate import SimulateOptions, simulate
from cli_helpers import run_cli
from engine_helpers import MODELS, ROOT, model_of
from signal_helpers import interrupt_cli, subprocess_env
from spec.loader import load

# init runs 10**9 statements: it never ends within a test
SLOW_INIT = """
model SlowInit
var x: 0..6
init {
  x = 0
  for i in 0..999 {
    for j in 0..999 {
      for k in 0..999 {
        x = (x + 1) % 7
      }
    }
  }
}
action Step { x = (x + 1) % 7 }
invariant Small: x < 7
"""

# 1001**3 states: the search never ends within a test
BIG_SEARCH = """
model BigSearch
var a: 0..1000
var b: 0..1000
var c: 0..1000
init { a = 0  b = 0  c = 0 }
action IncA { require a < 1000  a = a + 1 }
action IncB { require b < 1000  b = b + 1 }
action IncC { require c < 1000  c = c + 1 }
invariant Bounded: a + b + c <= 3000
"""

# with symmetry the search sees 5,005 states; the state graph (no symmetry) has 10**6
BIG_GRAPH = """
model BigGraph
const P = symmetric 6
var level: map[P, 0..9]
init { level = {p: 0 for p in P} }
action Up(p: P) { require level[p] < 9  level[p] = level[p] + 1 }
action Reset(p: P) { require level[p] == 9  level[p] = 0 }
fairness weak Up
property Climbs: forall p in P: level[p] == 0 leads_to level[p] == 9
"""

# every phase of the explicit engine: init, search, state graph, temporal, determinism
PHASES = """
model Phases
var x: 0..3
var y: 0..3
init { choose a in 0..1  x = a  y = 0 }
action IncX { require x < 3  x = x + 1 }
action IncY { require y < 3  y = y + 1 }
action Reset { require x == 3 and y == 3  x = 0  y = 0 }
invariant Small: x <= 3
fairness weak IncX
property Grows: x == 0 leads_to x == 3
deterministic IncY
"""


def _two_pc():
    return load(str(MODELS / "two_phase_commit.sync"), ["RM=3"])


# ---- --max-states: exactly N ------------------------------------------------------------------------------

@pytest.mark.parametrize("limit", [1, 2, 7, 50, 100, 287])
def test_max_states_stops_at_exactly_the_limit(limit):
    r = check(_two_pc(), ExplicitOptions(symmetry=False, max_states=limit))
    assert r.verdict is Verdict.INCONCLUSIVE
    assert r.stats.distinct_states == limit
    assert r.reason.startswith(f"state limit {limit} reached at depth ")
    assert r.exit_code == 3


def test_max_states_equal_to_the_state_count_is_complete():
    r = check(_two_pc(), ExplicitOptions(symmetry=False, max_states=288))
    assert r.verdict is Verdict.HOLDS
    assert r.stats.distinct_states == 288


@pytest.mark.parametrize("limit", [5, 100])
def test_max_states_gives_the_same_result_for_every_number_of_workers(limit):
    results = [check(_two_pc(), ExplicitOptions(symmetry=False, max_states=limit, workers=w, chunk=3))
               for w in (1, 2)]
    one, two = ((r.verdict, r.reason, r.stats.distinct_states, r.stats.transitions, r.stats.depth,
                 r.stats.actions) for r in results)
    assert one == two
    assert results[0].stats.distinct_states == limit


def test_max_states_limits_the_initial_states():
    m = model_of("model I\nvar x: 0..999\ninit { choose a in 0..999  x = a }\naction A { x = 0 }\n")
    r = check(m, ExplicitOptions(max_states=10))
    assert r.verdict is Verdict.INCONCLUSIVE
    assert r.stats.distinct_states == 10
    assert r.reason.startswith("state limit 10 reached while enumerating the initial states")


def test_the_state_limit_still_checks_the_states_it_admitted():
    # x counts up; Big fails at x == 5, the sixth state: a limit of 6 finds it, a limit of 5 does not
    text = "model C\nvar x: 0..9\ninit { x = 0 }\naction Up { require x < 9  x = x + 1 }\ninvariant Big: x < 5\n"
    assert check(model_of(text), ExplicitOptions(max_states=6)).verdict is Verdict.VIOLATED
    r = check(model_of(text), ExplicitOptions(max_states=5))
    assert r.verdict is Verdict.INCONCLUSIVE and r.stats.distinct_states == 5


def test_cli_max_states_reports_exactly_the_limit(tmp_path, capsys):
    code, out, _ = run_cli(["check", MODELS / "two_phase_commit.sync", "--no-symmetry", "--max-states", "100",
                            "--json", "--out", tmp_path], capsys)
    assert code == 3
    data = json.loads(out)
    assert data["stats"]["distinct_states"] == 100
    assert data["reason"].startswith("state limit 100 reached")


def test_a_failing_init_with_continue_checks_the_graph_properties_on_the_other_initial_states():
    # the graph phase used to enumerate the failing init again: internal error, exit 4. The ways
    # through init that fail give no initial state (issue 11 item 1): here x = 0 fails, x = 1 starts
    m = model_of("model F\nvar x: 0..3\ninit { choose c in 0..1  x = c  assert x == 1 }\n"
                 "action A { require x < 3  x = x + 1 }\nproperty P: eventually x == 3\n"
                 "property Q: always x > 0\n")
    r = check(m, ExplicitOptions(stop_at_first=False, deadlock=False))
    verdicts = {p.name: (p.verdict, p.message) for p in r.properties}
    assert verdicts["runtime"][0] is Verdict.VIOLATED
    assert verdicts["P"][0] is Verdict.VIOLATED   # no fairness: x may stay at 1
    assert verdicts["Q"] == (Verdict.HOLDS, "")
    assert r.stats.distinct_states == 3
    assert r.exit_code == 1


# ---- --timeout: in every phase ------------------------------------------------------------------------------

class _ExpiresIn(Budget):
    """A budget whose clock jumps past the deadline when the named phase begins."""

    def __init__(self, phase: str):
        self.target = phase
        self.now = 0.0
        super().__init__(timeout=10.0, clock=lambda: self.now)

    def phase(self, name, where, snapshot=None):
        super().phase(name, where, snapshot)
        if name == self.target:
            self.now = 1e6


@pytest.mark.parametrize("phase, where", [
    ("init", "while enumerating the initial states"),
    ("search", "at depth 0"),
    ("graph", "while building the state graph"),
    ("temporal", "while checking Grows"),
    ("determinism", "while checking deterministic(IncY)"),
])
def test_the_time_limit_holds_in_every_phase(phase, where, monkeypatch):
    if phase == "graph":   # one process without symmetry builds the graph in the search phase
        monkeypatch.setattr(Explorer, "_graph_in_search", lambda self: False)
    m = model_of(PHASES)
    r = check(m, ExplicitOptions(timeout=10.0), budget=_ExpiresIn(phase))
    assert r.verdict is Verdict.INCONCLUSIVE
    assert r.reason == f"time limit of 10s reached {where}"
    assert r.exit_code == 3
    verdicts = {p.name: p.verdict for p in r.properties}
    if phase in ("graph", "temporal", "determinism"):  # the search was complete: the invariants hold
        assert verdicts["Small"] is Verdict.HOLDS and verdicts["deadlock"] is Verdict.HOLDS
        assert r.stats.distinct_states == 16
    else:
        assert verdicts["Small"] is Verdict.INCONCLUSIVE
    assert verdicts["Grows"] is Verdict.INCONCLUSIVE and verdicts["deterministic(IncY)"] is Verdict.INCONCLUSIVE


def test_cli_timeout_holds_while_the_initial_states_are_enumerated(tmp_path):
    path = tmp_path / "slow_init.sync"
    path.write_text(SLOW_INIT)
    proc = _cli(["check", path, "--timeout", "1", "--json", "--no-trace-file"])
    assert proc.returncode == 3, proc.stderr
    data = json.loads(proc.stdout)
    assert data["verdict"] == "inconclusive"
    assert data["reason"] == "time limit of 1s reached while enumerating the initial states"


def test_simulation_honours_its_time_limit():
    m = model_of(BIG_SEARCH)
    r = simulate(m, SimulateOptions(runs=10 ** 9, steps=20, seed=1, timeout=0.5))
    assert r.verdict is Verdict.INCONCLUSIVE
    assert r.reason.startswith("time limit of 0.5s reached after ")
    assert r.stats.simulation.runs > 0
    assert r.exit_code == 3


class _ExpiresWhileShrinking(Budget):
    """A budget whose clock jumps past the deadline once the simulation shrinks a violation."""

    def __init__(self):
        super().__init__(timeout=10.0, clock=lambda: 1e6 if getattr(self, "where", "").startswith(
            "while shrinking") else 0.0)


def test_a_simulation_stopped_while_shrinking_reports_the_smallest_failing_run_found():
    from checker.engines.simulate.engine import Simulator
    m = model_of(BIG_SEARCH.replace("a + b + c <= 3000", "a + b + c < 6"))
    sim = Simulator(m, SimulateOptions(runs=1000, steps=40, seed=1))
    sim.budget = _ExpiresWhileShrinking()
    r = sim.run()
    assert r.verdict is Verdict.VIOLATED and r.exit_code == 1
    (p,) = r.violated
    assert p.name == "Bounded"
    last = p.trace.steps[-1].state
    assert last["a"] + last["b"] + last["c"] >= 6
    assert ("warning: the failing run was not shrunk to the end (time limit of 10s reached while shrinking the "
            "violation of Bounded): the trace may be longer than needed") in r.warnings


# ---- the budget: clock reads and progress ------------------------------------------------------------------

def test_the_budget_reports_progress_at_least_twice_a_second_of_its_clock():
    now = [0.0]
    seen = []
    b = Budget(clock=lambda: now[0], on_event=lambda p: seen.append((now[0], p)))
    b.phase("search", "at depth 0", lambda: Progress(states=int(now[0] * 1000), transitions=0, depth=0,
                                                     queue=0, seconds=now[0]))
    for _ in range(200_000):          # a unit of work costs a thousandth of a second
        now[0] += 0.001
        b.tick()
    times = [t for t, _ in seen]
    assert times and times[0] <= 0.5
    assert all(b2 - a2 <= 0.5 for a2, b2 in zip(times, times[1:]))
    assert 400 <= len(times) <= 800   # over 200 s: at least twice a second, and no flood either


def test_the_budget_reads_the_clock_rarely_when_work_is_cheap():
    reads = [0]

    def clock():
        reads[0] += 1
        return reads[0] * 1e-9     # a unit costs a few nanoseconds of this clock
    b = Budget(timeout=100.0, clock=clock)
    for _ in range(1_000_000):
        b.tick()
    assert reads[0] < 5_000


def test_the_budget_raises_stopped_once_the_time_is_up():
    now = [0.0]
    b = Budget(timeout=2.0, clock=lambda: now[0])
    b.phase("init", "while enumerating the initial states")
    now[0] = 2.5
    with pytest.raises(Stopped) as e:
        for _ in range(10_000):
            b.tick()
    assert e.value.reason == "time limit of 2s reached while enumerating the initial states"


# ---- Ctrl-C --------------------------------------------------------------------------------------------------

def test_ctrl_c_while_the_initial_states_are_enumerated(tmp_path):
    out, code = _interrupt(tmp_path, SLOW_INIT, ["check"], "initial states")
    assert code == 130
    assert "interrupted (Ctrl-C) while enumerating the initial states" in out
    assert "0 distinct states · 0 transitions · depth 0" in out


def test_ctrl_c_during_the_search_prints_the_partial_statistics(tmp_path):
    out, code = _interrupt(tmp_path, BIG_SEARCH, ["check"], "states/s")
    assert code == 130
    assert "interrupted (Ctrl-C) at depth " in out
    line = next(ln for ln in out.splitlines() if "distinct states ·" in ln)
    assert int(line.split()[0].replace(",", "")) > 0


@pytest.mark.slow
def test_ctrl_c_while_the_state_graph_is_built(tmp_path):
    out, code = _interrupt(tmp_path, BIG_GRAPH, ["check"], "state graph")
    assert code == 130
    assert "interrupted (Ctrl-C) while building the state graph" in out
    assert "5,005 distinct states" in out


@pytest.mark.slow
def test_ctrl_c_stops_a_simulation_with_its_statistics(tmp_path):
    out, code = _interrupt(tmp_path, BIG_SEARCH, ["simulate", "--runs", "1000000000", "--seed", "3"], "runs ·")
    assert code == 130
    assert "interrupted (Ctrl-C) after " in out
    assert " runs" in out


@pytest.mark.slow
def test_ctrl_c_with_several_workers(tmp_path):
    out, code = _interrupt(tmp_path, BIG_SEARCH, ["check", "--workers", "2"], "states/s")
    assert code == 130
    assert "interrupted (Ctrl-C) at depth " in out


# ---- what the CLI prints when Ctrl-C reaches it -------------------------------------------------------------

def test_an_interruption_that_carries_a_result_prints_its_statistics(capsys):
    from checker.cli.main import interrupted
    m = load(str(MODELS / "two_phase_commit.sync"), ["RM=3"])
    r = check(m, ExplicitOptions(symmetry=False, max_states=50))
    r.reason = "interrupted (Ctrl-C) at depth 4"
    assert interrupted(Interrupted(r)) == 130
    err = capsys.readouterr().err
    assert err.startswith("interrupted (Ctrl-C) at depth 4: 50 states · ")
    assert r.interrupted and r.exit_code == 130


def test_a_bare_interruption_prints_the_last_progress_reported(capsys):
    from checker.core import limits
    from checker.cli.main import interrupted
    limits.record(Progress(states=1234, transitions=5678, depth=9, queue=0, seconds=2.0))
    assert interrupted(KeyboardInterrupt()) == 130
    assert capsys.readouterr().err.strip() == ("interrupted (Ctrl-C); the last progress reported: depth 9 · "
                                               "1,234 states · 5,678 transitions · 617 states/s")
    limits.record(None)
    assert interrupted(KeyboardInterrupt()) == 130
    assert capsys.readouterr().err.strip() == "interrupted (Ctrl-C)"


def test_interrupted_stops_the_callers_that_do_not_report_it():
    # an engine's Interrupted is a KeyboardInterrupt: callers that do not report it stop
    assert issubclass(Interrupted, KeyboardInterrupt)
    assert not issubclass(Stopped, Exception)


# ---- helpers --------------------------------------------------------------------------------------------------

def _cli(args, guard: float = 300) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "checker.cli", *map(str, args)], cwd=ROOT, env=subprocess_env(),
                          capture_output=True, text=True, timeout=guard)


def _interrupt(tmp_path, text: str, command: list, shown: str, guard: float = 300) -> tuple[str, int]:
    """`syncproof COMMAND model` interrupted once its display shows `shown`: (stdout, exit code)."""
    path = tmp_path / "m.sync"
    path.write_text(text)
    out, _, code = interrupt_cli([command[0], path, "--no-trace-file", *command[1:]], shown, guard)
    return out, code


def test_ctrl_c_is_raised_at_the_next_check_not_inside_the_display():
    # raised wherever Python was, a KeyboardInterrupt could leave the progress display's lock held
    # and its refresh thread blocked: the run then hung after Ctrl-C instead of printing its statistics
    from checker.core import limits
    b = limits.Budget()
    with limits.ctrl_c_at_checks(b):
        os.kill(os.getpid(), signal.SIGINT)
        time.sleep(0.01)             # the handler has run: it only took note
        with pytest.raises(KeyboardInterrupt):
            b.poll()
        b.poll()                     # raised once
        os.kill(os.getpid(), signal.SIGINT)
        with pytest.raises(KeyboardInterrupt):   # a second Ctrl-C before a check raises at once
            os.kill(os.getpid(), signal.SIGINT)
            time.sleep(0.01)
    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler
