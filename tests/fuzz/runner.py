"""Run the command line on a model the way a user would, and classify what comes back.

`fuzz_file` runs `parse` on a model, then `check --engine explicit --max-states N --json
--continue` (or, for a model too wide to enumerate, `check --engine bmc --depth 2`), then
`replay --json` on every trace the check wrote. Exit 0, 1, 2 and 3 are answers; exit 4, any other
code, "Traceback" or "internal error" in the output, a trace that does not replay, or a run still
going after the hang guard is a *finding*.

The budget is deterministic: `--max-states`, the BMC depth, z3's resource limit (`rlimit`, set
for the commands run in this process) and the size of the models bound the work. The `guard`
only catches hangs (a run that should take milliseconds still running after it); it counts the
CPU time the command used, not the wall clock, so that a busy machine does not make a hang
(with a wall-clock limit WALL_FACTOR times longer for a command blocked on input). A hang is a
finding, reported with its command, never retried.

Commands run in this process by default (`checker.cli.main.main` with captured output, and
SIGPROF and SIGALRM as the guard), which saves the second or so a new interpreter takes to start per command; with
`subprocess=True` each runs in its own Python (for memory blow-ups the caller wants contained).
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import re
import resource
import signal
import subprocess as sp
import sys
import time
import traceback
from dataclasses import dataclass
from pathlib import Path

import z3

ROOT = Path(__file__).resolve().parents[2]
ANSWERS = (0, 1, 2, 3)
GUARD_SECONDS = 60.0       # CPU seconds of the command: a loaded machine does not make a hang
WALL_FACTOR = 20           # and wall-clock seconds (a process blocked, using no CPU), per CPU second
MAX_STATES = 2000
MEMORY_BYTES = 4 << 30     # address space of a subprocess run
RLIMIT = 500_000           # z3 resource units per query, in this process (a subprocess has none)
BMC_DEPTH = 2              # for models too wide for the explicit engine


class Hang(BaseException):
    """Raised by the guard's timers; a BaseException, so that no `except Exception` swallows it."""


@dataclass
class Outcome:
    """One command: its arguments, exit code (None: still running at the guard) and output."""

    argv: list[str]
    code: int | None
    output: str
    seconds: float

    @property
    def problem(self) -> str | None:
        """Why this outcome is a finding, or None."""
        if self.code is None:
            return "hang"
        if "Traceback" in self.output:
            return "traceback"
        if "internal error" in self.output:
            return "internal error"
        if self.code not in ANSWERS:
            return f"exit {self.code}"
        return None


@dataclass
class Finding:
    """Something to report: what was run on which model, and what came back."""

    kind: str                     # hang, traceback, internal error, exit N, replay, disagreement
    command: str
    output: str
    model: str
    known: str | None = None      # the issue item or finding it belongs to (tests/fuzz/known.py)

    def text(self) -> str:
        head = f"kind: {self.kind}\nknown: {self.known or 'NEW'}\ncommand: {self.command}\n"
        return f"{head}---- output\n{self.output}\n---- model\n{self.model}"


def _on_alarm(signum, frame):
    raise Hang()


def run_inprocess(argv: list[str], guard: float = GUARD_SECONDS) -> Outcome:
    """`syncproof ARGV` in this process, its output captured, stopped by the guard."""
    from checker.cli.main import main
    out = io.StringIO()
    start = time.perf_counter()
    old = {sig: signal.signal(sig, _on_alarm) for sig in (signal.SIGPROF, signal.SIGALRM)}
    signal.setitimer(signal.ITIMER_PROF, guard)
    signal.setitimer(signal.ITIMER_REAL, guard * WALL_FACTOR)
    z3.set_param("rlimit", RLIMIT)
    code: int | None
    try:
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(out):
            try:
                code = main(argv)
            except SystemExit as exc:  # argparse
                code = exc.code if isinstance(exc.code, int) else 2
            except Hang:
                raise
            except BaseException:  # noqa: BLE001 - what escaped main is the finding
                out.write(traceback.format_exc())
                code = 4
    except Hang:
        code = None
    finally:
        z3.set_param("rlimit", 0)
        signal.setitimer(signal.ITIMER_PROF, 0)
        signal.setitimer(signal.ITIMER_REAL, 0)
        for sig, handler in old.items():
            signal.signal(sig, handler)
    return Outcome(argv, code, out.getvalue(), time.perf_counter() - start)


def _limits(guard: float):
    def apply():
        resource.setrlimit(resource.RLIMIT_AS, (MEMORY_BYTES, MEMORY_BYTES))
        cpu = max(1, int(guard))
        resource.setrlimit(resource.RLIMIT_CPU, (cpu, cpu + 1))
    return apply


def run_subprocess(argv: list[str], guard: float = GUARD_SECONDS) -> Outcome:
    """`syncproof ARGV` in a new Python with bounded memory, killed at the guard (SIGXCPU)."""
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    env.pop("SYNCPROOF_DEBUG", None)
    start = time.perf_counter()
    try:
        p = sp.run([sys.executable, "-m", "checker.cli", *argv], capture_output=True, text=True, env=env,
                   timeout=guard * WALL_FACTOR, preexec_fn=_limits(guard), errors="replace")
        code, output = p.returncode, p.stdout + p.stderr
        if code in (-signal.SIGXCPU, -signal.SIGKILL):
            code = None
    except sp.TimeoutExpired as exc:
        code, output = None, f"{exc.stdout or ''}{exc.stderr or ''}"
    return Outcome(argv, code, output, time.perf_counter() - start)


def command_line(argv: list[str]) -> str:
    return "syncproof " + " ".join(a if re.fullmatch(r"[\w./=:,-]+", a) else repr(a) for a in argv)


def fuzz_file(path: Path, workdir: Path, max_states: int = MAX_STATES, guard: float = GUARD_SECONDS,
              subprocess: bool = False) -> tuple[list[Outcome], list[Finding]]:
    """parse, check and replay the model at path (see the module). Returns every outcome and the
    findings among them (without their `known` classification)."""
    run = run_subprocess if subprocess else run_inprocess
    text = path.read_text(encoding="utf-8", errors="replace")
    outcomes: list[Outcome] = []
    findings: list[Finding] = []

    def step(argv):
        o = run(argv, guard)
        outcomes.append(o)
        if o.problem:
            findings.append(Finding(o.problem, command_line(argv), o.output, text))
        return o

    if step(["parse", str(path)]).code != 0:
        return outcomes, findings
    common = [str(path), "--json", "--continue", "--quiet", "--out", str(workdir / "cx")]
    o = step(["check", "--engine", "explicit", "--max-states", str(max_states), *common])
    if o.code == 2 and "E520" in o.output:  # too wide to enumerate: BMC, bounded by depth and rlimit
        o = step(["check", "--engine", "bmc", "--depth", str(BMC_DEPTH), *common])
    if o.problem or o.code not in (0, 1, 3):
        return outcomes, findings
    for name, trace in _traces(o.output):
        r = step(["replay", trace, str(path), "--json"])
        if r.problem:
            continue
        problem = _replay_problem(r.output, name)
        if problem:
            findings.append(Finding(f"replay: {problem}", command_line(r.argv), r.output, text))
    return outcomes, findings


def _traces(output: str) -> list[tuple[str, str]]:
    """(property, trace file) of every safety violation in the JSON result of `check`."""
    try:
        doc = json.loads(output[output.index("{"):])
    except ValueError:
        return []
    return [(p["name"], p["trace"]) for p in doc.get("properties", [])
            if p.get("trace") and p.get("kind") in ("invariant", "runtime", "deadlock")]


def _replay_problem(output: str, name: str) -> str | None:
    """Why the replay's JSON says the trace is not a counterexample of `name`, or None."""
    try:
        doc = json.loads(output[output.index("{"):])
    except ValueError:
        return "replay printed no JSON"
    if not doc.get("valid"):
        return "not a behaviour"
    if name not in [v["property"] for v in doc.get("violations", [])]:
        return f"{name} not violated on replay"
    return None
