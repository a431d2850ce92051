"""Runs with every kind of outcome, built once, for the report-format tests.

Each entry is a real check of a small model (the shipped two-phase commit,
or a model written here): a violation with messages, one that holds, one cut
short by a limit, a lasso, a run-time error, a deadlock, an expected
violation and a model that does not load.
"""

from __future__ import annotations

import functools
from pathlib import Path

from checker.engines.explicit.search import ExplicitOptions, check
from checker.project.runs import Entry, Expectation, Run
from spec.diagnostics import SpecError
from spec.loader import load, load_text

ROOT = Path(__file__).resolve().parent.parent
MODELS = ROOT / "models"
DATA = Path(__file__).resolve().parent / "data"

COUNTER = """model Counter
var x: 0..3
init { x = 0 }
action Up { require x < 3  x = x + 1 }
action Reset { require x == 3  x = 0 }
invariant Small: x <= 3
"""

OVERFLOW = """model Overflow
var x: 0..2
init { x = 0 }
action Up { x = x + 1 }
invariant Fine: x <= 2
"""

STUCK = """model Stuck
var x: 0..2
init { x = 0 }
action Up { require x < 2  x = x + 1 }
"""

BROKEN_SYNTAX = """model Bad
var x: 0..2
init { x = 0 }
action Up { x = = 1 }
"""


def _entry(name: str, path: str, model, options: ExplicitOptions, expect: Expectation | None = None) -> Entry:
    result = check(model, options)
    return Entry(name, path, "explicit", result=result, model=model, expect=expect or Expectation(),
                 seconds=result.stats.seconds)


def _rel(p: Path) -> str:
    return str(p.relative_to(ROOT))


@functools.lru_cache(maxsize=None)
def entries() -> dict[str, Entry]:
    """name -> Entry. Paths of shipped models are relative to the repository root (run from there)."""
    out = {}
    two = _rel(MODELS / "two_phase_commit_broken.sync")
    out["violated"] = _entry("two_phase_commit_broken", two, load(MODELS / "two_phase_commit_broken.sync"),
                             ExplicitOptions())
    out["violated"].result.violated[0].trace_path = "counterexamples/two_phase_commit_broken.Consistent.itf.json"
    out["expected"] = _entry("two_phase_commit_broken[expected]", two, load(MODELS / "two_phase_commit_broken.sync"),
                             ExplicitOptions(), Expectation("violated", ("Consistent",)))
    out["holds"] = _entry("counter", "counter.sync", load_text(COUNTER, "counter.sync"), ExplicitOptions())
    two_ok = MODELS / "two_phase_commit.sync"
    out["inconclusive"] = _entry("two_phase_commit[limit]", _rel(two_ok), load(two_ok),
                                 ExplicitOptions(max_states=20))
    lock = MODELS / "settlement_lock_broken.sync"
    out["lasso"] = _entry("settlement_lock_broken", _rel(lock), load(lock), ExplicitOptions())
    out["runtime"] = _entry("overflow", "overflow.sync", load_text(OVERFLOW, "overflow.sync"), ExplicitOptions())
    out["deadlock"] = _entry("stuck", "stuck.sync", load_text(STUCK, "stuck.sync"), ExplicitOptions())
    try:
        load_text(BROKEN_SYNTAX, "bad.sync")
    except SpecError as exc:
        out["error"] = Entry("bad", "bad.sync", "explicit", errors=exc.diagnostics)
    return out


def run_of(*names: str, command: str = "ci") -> Run:
    e = entries()
    chosen = [e[n] for n in names] if names else list(e.values())
    return Run(chosen, command=command, config="pyproject.toml" if command == "ci" else None, seconds=0.5)


def single(name: str) -> Run:
    return run_of(name, command="check")
