"""Issue 11, the symbolic engines: verdicts that do not depend on the machine's speed (--rlimit),
Ctrl-C and --timeout that stop z3 within a second, and the minimizer when its time runs out.

No assertion here is about elapsed time: the Ctrl-C tests wait for the progress display before
they send SIGINT, and the hang guards are generous.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest
import z3

from checker.result import Verdict
from checker.symbolic import SymbolicOptions
from checker.symbolic import check as symbolic_check
from checker.symbolic.bmc import BMC, Clock
from cli_helpers import run_cli
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
