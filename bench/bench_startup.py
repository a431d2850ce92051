"""Benchmark: start-up, by hand only (issue 13, item 6).

    nice python bench/bench_startup.py             # 5 runs of each command
    nice python bench/bench_startup.py --runs 9

For each command: the median process time (user + system CPU, so a busy machine counts less than
in wall-clock time) of `python -m checker.cli ...` in a fresh process, and the same minus that
of `python -c pass`, the interpreter's own start. The goal: `check` of two-phase commit (288
states) under 0.5 s beyond the interpreter's start. The last column names the engine libraries
(z3, hypothesis, numpy, scipy) the command loaded. Compiled bytecode is cached (in a temporary
directory, after a first run not timed), as for an installed package, even where the environment
says PYTHONDONTWRITEBYTECODE: compiling the sources again would take a fifth of a second a run.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TWO_PHASE = "models/two_phase_commit.sync"
COMMANDS = [
    ["--version"],
    ["--help"],
    ["parse", TWO_PHASE],
    ["check", TWO_PHASE, "--no-trace-file"],
    ["check", TWO_PHASE, "--engine", "explicit", "--no-trace-file"],
    ["check", TWO_PHASE, "--property", "Consistent", "--no-trace-file"],   # safety alone: no scipy
    ["check", TWO_PHASE, "--engine", "bmc", "--depth", "3", "--no-trace-file"],
    ["simulate", TWO_PHASE, "--runs", "5", "--steps", "5", "--seed", "1", "--no-trace-file"],
]
LIBRARIES = ("z3", "hypothesis", "numpy", "scipy")
BYTECODE = tempfile.mkdtemp(prefix="syncproof-bench-pyc-")   # the runs' cached bytecode
# the command line, then the engine libraries it loaded on stderr (importlib's imports included)
PROBE = ("import atexit, json, runpy, sys\n"
         f"atexit.register(lambda: sys.__stderr__.write('\\nLIBRARIES ' + json.dumps([m for m in {LIBRARIES!r} "
         "if m in sys.modules]) + '\\n'))\n"
         "runpy.run_module('checker.cli', run_name='__main__', alter_sys=True)\n")


def cpu_seconds(argv: list[str]) -> tuple[float, str]:
    """User + system CPU of one process running `argv`, and its stderr."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    proc = subprocess.run(argv, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
                          env={**os.environ, "PYTHONPATH": str(ROOT), "PYTHONDONTWRITEBYTECODE": "",
                               "PYTHONPYCACHEPREFIX": BYTECODE})
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime, proc.stderr


def median_cpu(argv: list[str], runs: int) -> float:
    cpu_seconds(argv)   # compiles and caches the bytecode
    return statistics.median(cpu_seconds(argv)[0] for _ in range(runs))


def libraries(command: list[str]) -> list[str]:
    """The engine libraries `syncproof COMMAND` loads (a run apart, not timed)."""
    _, err = cpu_seconds([sys.executable, "-c", PROBE, *command])
    listed = [line for line in err.splitlines() if line.startswith("LIBRARIES ")]
    return json.loads(listed[-1].removeprefix("LIBRARIES ")) if listed else ["?"]


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=5, help="runs of each command (the median is shown)")
    args = ap.parse_args()
    base = median_cpu([sys.executable, "-c", "pass"], args.runs)
    print(f"python -c pass: {base:.3f} s (median of {args.runs})")
    print(f"{'command':<88} {'CPU s':>7} {'beyond':>7}  libraries")
    for command in COMMANDS:
        cpu = median_cpu([sys.executable, "-m", "checker.cli", *command], args.runs)
        shown = "syncproof " + " ".join(command)
        print(f"{shown:<88} {cpu:7.3f} {cpu - base:7.3f}  {', '.join(libraries(command)) or '-'}")


if __name__ == "__main__":
    try:
        main()
    finally:
        shutil.rmtree(BYTECODE, ignore_errors=True)
