"""Issue 11, the symbolic engines: verdicts that do not depend on the machine's speed (--rlimit),
Ctrl-C and --timeout that stop z3 within a second, and the minimizer when its time runs out.

No assertion here is about elapsed time: the Ctrl-C tests wait for the progress display before
they send SIGINT, and the hang guards are generous.
"""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
import z3

from checker.core.result import Verdict
from checker.engines.symbolic import SymbolicOptions
from checker.engines.symbolic import check as symbolic_check
from checker.engines.symbolic.bmc import BMC, Clock
from cli_helpers import run_cli
from signal_helpers import interrupt_cli, subprocess_env
from spec.loader import load, load_text

from engine_helpers import ROOT

# a violation that needs a 40-bit parameter: its trace is minimized bit by bit
WIDE = """
model Wide
var x: 0..2 ** 40
init { x = 0 }
action Set(v: 0..2 ** 40) {
  require v >= 1000
  x = v
}
invariant Small: x < 5
"""


class _SatOnce(Clock):
    """A clock whose queries after the first satisfiable one find no time left (the deadline
    passing right after a violation is found, before its trace is minimized)."""

    def __init__(self):
        super().__init__(None)
        self.found = False

    def check(self, solver, *assumptions, budget=None):
        if self.found:
            self.queries += 1
            return z3.unknown
        r = super().check(solver, *assumptions, budget=budget)
        self.found = r == z3.sat
        return r


# ---- item 18: the minimizer when the time runs out at its first query ------------------------------------

def test_a_violation_whose_minimization_finds_no_time_keeps_its_first_trace():
    # the galloping search of the least value had no bound when its first query was unknown
    # (UnboundLocalError with --timeout, intermittently): the trace of the first model is reported
    model = load_text(WIDE, "w.sync")
    bmc = BMC(model, _SatOnce())
    bmc.learn = False   # no one-step side queries: the first satisfiable query finds the violation
    small = [p for p in bmc.props if p.name == "Small"]
    assert bmc.check_depth(0, small) == []
    [found] = bmc.check_depth(1, small)
    assert found.status == "violated" and found.trace.length == 1
    v = found.trace.steps[1].state["x"]
    assert v >= 1000


# ---- item 17: Ctrl-C and --timeout stop the symbolic engines ----------------------------------------------

SLOW_STEPS = ROOT / "models/gossip_replicas.sync"   # each BMC depth takes a noticeable time to encode


def _interrupt(args: list, shown: str, guard: float = 300) -> tuple[str, str, int]:
    """`syncproof check ARGS` interrupted once its display shows `shown`: (stdout, screen, exit code)."""
    return interrupt_cli(["check", *args, "--no-trace-file"], shown, guard)


@pytest.mark.slow
def test_ctrl_c_stops_bmc_with_its_partial_statistics():
    out, screen, code = _interrupt([SLOW_STEPS, "--engine", "bmc", "--depth", "200"], "bmc: depth 3")
    assert code == 130
    assert "Traceback" not in out + screen and "Exception ignored" not in screen
    assert "interrupted (Ctrl-C) at depth " in out
    line = next(ln for ln in out.splitlines() if ln.startswith("z3: depth "))
    assert int(line.split()[2]) >= 2     # the depths it had checked
    assert "RegisterIsNewestSeen" in out and "no violation up to depth" in out


@pytest.mark.slow
def test_ctrl_c_stops_a_spacer_query_and_the_run():
    # z3 took the signal for itself: it cancelled the query, and the run went on with the next ones
    out, screen, code = _interrupt([SLOW_STEPS, "--engine", "prove"], "prove: Spacer")
    assert code == 130
    assert "Traceback" not in out + screen and "Exception ignored" not in screen
    assert "interrupted (Ctrl-C) at depth 0" in out
    assert "not checked: interrupted (Ctrl-C)" in out     # the temporal property it did not get to


@pytest.mark.slow
def test_a_timeout_stops_bmc_with_exit_3_and_says_so():
    proc = subprocess.run([sys.executable, "-m", "checker.cli", "check", str(SLOW_STEPS), "--engine", "bmc",
                           "--depth", "200", "--timeout", "2", "--no-trace-file", "--json"],
                          cwd=ROOT, env=subprocess_env(), capture_output=True, text=True, timeout=120)  # a hang guard only
    assert proc.returncode == 3, proc.stderr
    data = json.loads(proc.stdout)
    assert data["verdict"] == "inconclusive"
    assert "time limit of 2s reached" in data["reason"]
    assert "Traceback" not in proc.stderr


# ---- item 7: --rlimit, a budget that does not depend on the machine's speed ------------------------------

@pytest.mark.slow   # 2-5 s on two busy cores: CI's slow selection runs it (the default run stays under 10 minutes)
def test_an_exhausted_rlimit_is_unknown_resource_limit_and_the_same_every_time(capsys):
    args = ["check", ROOT / "models/two_phase_commit.sync", "--engine", "prove", "--rlimit", "2000", "--json",
            "--no-trace-file"]
    runs = []
    for _ in range(2):
        code, out, _ = run_cli(args, capsys)
        assert code == 3
        data = json.loads(out)
        runs.append({p["name"]: (p["verdict"], p["how"], p["message"]) for p in data["properties"]})
    assert runs[0] == runs[1]
    assert runs[0]["Consistent"] == ("inconclusive", "unknown", "Spacer: unknown (resource limit): z3 used up "
                                     "its resource limit of 2000 (--rlimit)")


def test_an_rlimit_large_enough_proves():
    r = symbolic_check(load(ROOT / "models/two_phase_commit.sync"), "induction", SymbolicOptions(rlimit=10 ** 7))
    assert {p.name: p.how for p in r.properties if p.kind == "invariant"}["Consistent"] == "proved"


def test_rlimit_is_an_option_of_the_symbolic_engines_in_the_configuration():
    from checker.engines import options as engine_config
    assert engine_config.option("bmc", "rlimit").kind == engine_config.INT
    assert engine_config.option("explicit", "rlimit") is None
    r = engine_config.run(load(ROOT / "models/two_phase_commit.sync"), "prove", {"rlimit": 2000})
    assert r.verdict is Verdict.INCONCLUSIVE and "unknown (resource limit)" in r.reason


def test_rlimit_with_the_explicit_engine_is_refused(capsys):
    code, _, err = run_cli(["check", ROOT / "models/two_phase_commit.sync", "--engine", "explicit",
                            "--rlimit", "5"], capsys)
    assert code == 2 and "E610" in err and "--rlimit" in err


# ---- the watchdog interrupts queries, never a whole z3 context ---------------------------------------------

def test_the_deadline_leaves_nothing_pending_in_z3_for_what_comes_after(monkeypatch):
    """z3 keeps a context's interrupt that arrives while no query runs and cancels the context's next
    operation with it, whatever that is (a later run in the same process: `syncproof ci`, the language
    server). Here the watchdog fires at an expired deadline with no query running; afterwards z3 must
    still simplify (a cancelled simplification returns its input unchanged)."""
    import threading
    from checker.engines.symbolic import stop
    fired = threading.Event()
    real = stop._interrupt_all

    def spy(clock):
        real(clock)
        fired.set()
    monkeypatch.setattr(stop, "_interrupt_all", spy)
    with stop.watching(Clock(0.0)):
        assert fired.wait(60)
    x = z3.Int("x")
    assert z3.eq(z3.simplify(x + 1 - 1 + 2 * x), 3 * x)
    s = z3.Solver()
    s.add(x * x == 2 * x + 3, x > 0)
    assert s.check() == z3.sat and s.model()[x].as_long() == 3


def test_the_watchdog_interrupts_a_running_query_at_ctrl_c():
    """A query with no time limit at all ends when Ctrl-C is seen (here: set by a timer, as the
    signal handler sets it while the main thread is inside z3)."""
    import threading
    from checker.engines.symbolic import stop
    n = 12   # pigeonhole, n pigeons in n - 1 holes: hours for z3
    p = [[z3.Bool(f"p{i}_{j}") for j in range(n - 1)] for i in range(n)]
    s = z3.Solver()
    for i in range(n):
        s.add(z3.Or(p[i]))
    for j in range(n - 1):
        for i in range(n):
            for k in range(i + 1, n):
                s.add(z3.Not(z3.And(p[i][j], p[k][j])))
    clock = Clock(None)
    timer = threading.Timer(0.5, lambda: setattr(clock, "interrupted", True))
    with stop.watching(clock):
        timer.start()
        with pytest.raises(KeyboardInterrupt):
            clock.check(s)
    assert s.reason_unknown() in ("interrupted", "canceled")
