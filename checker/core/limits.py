"""Limits every engine honours in every phase: the time limit, Ctrl-C, and progress reports.

An engine makes one `Budget` per run, names each phase it enters (`phase`),
and calls `tick()` in every loop that can run long, once per unit of work (a
statement of `init` on one branch, a state added to the graph, a node of a
search). A tick costs a decrement; the clock is read only every `stride`
ticks, and the stride adapts so that it is read about every CHECK seconds
whatever a unit costs. So the search is not slowed, a time limit is noticed
within a fraction of a second in any phase, and the phase's progress is
reported at least every PROGRESS seconds (the display updates at least twice
a second, however long a BFS level takes).

When the time is up, tick raises `Stopped`, which the engine turns into the
verdict inconclusive with `Stopped.reason` ("time limit of 2s reached while
building the state graph").

Ctrl-C raises KeyboardInterrupt wherever Python is. An engine catches it,
builds its `Result` from what it has (inconclusive unless it already found a
violation, a reason "interrupted (Ctrl-C) at depth 7", the statistics so far)
and raises `Interrupted(result)`, which sets `result.interrupted` (exit code
130). `Interrupted` is a KeyboardInterrupt: callers that know nothing of it
(ci, the pytest plugin) stop as on any Ctrl-C; `syncproof check` and
`simulate` catch it and report the partial result (see `run_reporting`); and
the CLI's last-resort handler prints `latest()`, the last progress any engine
reported, when a KeyboardInterrupt carries no result.
"""

from __future__ import annotations

import contextlib
import dataclasses
import signal
import threading
import time
from dataclasses import dataclass, field
from typing import Mapping

CHECK = 0.02      # seconds between clock reads, aimed at
PROGRESS = 0.25   # seconds between progress reports, at most
MAX_STRIDE = 1024  # ticks between clock reads, at most: a unit that becomes 1000 times dearer
                   # mid-phase still has the clock read within about a second

# The largest value a numeric option takes, in a configuration (checker.engines.options) and on
# the command line: beyond it a number is surely a mistake, and some would break the run itself (a
# process per worker, a timer of 10^4000 s).
MOST_SECONDS = 10 ** 9          # timeouts: about 31 years
MOST_COUNT = 10 ** 18           # states, depths, runs, steps, seeds
MOST_PROCESSES = 256            # workers


class Stopped(BaseException):
    """A limit was reached: the engine ends the run with the verdict inconclusive and `reason`.

    A BaseException, as KeyboardInterrupt is: hypothesis treats every Exception raised in a
    run as a failure to shrink, and the generic `except Exception` handlers of the engines'
    callers must not swallow it either."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


class Interrupted(KeyboardInterrupt):
    """Ctrl-C, with the partial `Result` of the engine that was running."""

    def __init__(self, result):
        super().__init__(result.reason)
        result.interrupted = True
        self.result = result


def interrupted_reason(where: str) -> str:
    return f"interrupted (Ctrl-C) {where}".rstrip()


@dataclass
class Progress:
    """One progress event of the explicit engine; `phase` says which numbers mean something."""

    states: int
    transitions: int
    depth: int
    queue: int
    seconds: float
    phase: str = "search"   # init | search | graph | temporal | determinism
    work: int = 0           # init: statements executed; temporal, determinism: states examined
    what: str = ""          # the property being checked

    def __str__(self) -> str:
        return self.text()

    def text(self) -> str:
        if self.phase == "init":
            return f"initial states · {self.work:,} statements executed"
        if self.phase == "graph":
            return f"state graph · {self.states:,} states · {self.transitions:,} transitions"
        if self.phase in ("temporal", "determinism"):
            return f"checking {self.what} · {self.work:,} steps"
        rate = self.states / self.seconds if self.seconds > 0 else 0
        return (f"depth {self.depth} · {self.states:,} states · {self.transitions:,} transitions · "
                f"{rate:,.0f} states/s")


@dataclass(frozen=True)
class ProgressEvent:
    """One progress report of any engine: `counts` are the numbers of `phase`, `text` says it in words."""

    engine: str
    phase: str
    counts: Mapping[str, float] = field(default_factory=dict)
    text: str = ""

    def __str__(self) -> str:
        return self.text

    @classmethod
    def of(cls, engine: str, snapshot, phase: str) -> ProgressEvent:
        """The event of an engine's own progress snapshot (a dataclass with a `text()`): its numbers
        are the counts."""
        values = {f.name: getattr(snapshot, f.name) for f in dataclasses.fields(snapshot)}
        counts = {k: v for k, v in values.items() if isinstance(v, (int, float)) and not isinstance(v, bool)}
        return cls(engine, phase, counts, snapshot.text())


_latest: list = [None]


def record(event: ProgressEvent | None) -> None:
    """Remembers the last progress event of any engine, for the CLI's report of an interruption."""
    _latest[0] = event


def latest() -> ProgressEvent | None:
    return _latest[0]


def describe(event: ProgressEvent | None) -> str:
    """The last progress event in words ("" when there is none)."""
    return "" if event is None else str(event)


class Budget:
    def __init__(self, timeout: float | None = None, on_event=None, clock=time.perf_counter):
        self.clock = clock
        self.start = clock()
        self.timeout = timeout
        self.deadline = None if timeout is None else self.start + timeout
        self.on_event = on_event
        self.name = ""
        self.where = ""
        self.snapshot = None
        self.ticks = 0            # units of work in the current phase, counted at clock reads
        self._stride = 1
        self._left = 1
        self._read = self.start
        self._shown = self.start
        self.interrupted = False  # Ctrl-C, taken by `ctrl_c_at_checks`: raised at the next check

    @property
    def elapsed(self) -> float:
        return self.clock() - self.start

    def phase(self, name: str, where: str, snapshot=None) -> None:
        """Enters a phase: `where` completes messages ("time limit of 2s reached <where>"),
        `snapshot()` gives its progress event. Units of a new phase may cost anything: the
        stride starts again from 1."""
        self.name, self.where, self.snapshot = name, where, snapshot
        self.ticks = 0
        self._stride = self._left = 1
        self.poll()

    def tick(self) -> None:
        self._left -= 1
        if self._left <= 0:
            self._adapt()

    def _adapt(self) -> None:
        now = self.clock()
        self.ticks += self._stride
        spent = now - self._read
        if spent < CHECK / 2 and self._stride < MAX_STRIDE:
            self._stride *= 2
        elif spent > CHECK * 2 and self._stride > 1:
            self._stride //= 2
        self._left = self._stride
        self._read = now
        self._check(now)

    def poll(self) -> None:
        """Reads the clock now (after a unit of work of known length, such as a chunk of a level)."""
        self._check(self.clock())

    def expired(self) -> bool:
        return self.deadline is not None and self.clock() > self.deadline

    def _check(self, now: float) -> None:
        if self.interrupted:
            self.interrupted = False
            raise KeyboardInterrupt
        if self.deadline is not None and now > self.deadline:
            raise Stopped(f"time limit of {self.timeout:g}s reached {self.where}".rstrip())
        if now - self._shown >= PROGRESS and self.snapshot is not None:
            self._shown = now
            self.report()

    def report(self) -> None:
        """Reports the current phase's progress now."""
        if self.snapshot is None:
            return
        if self.on_event is not None:
            self.on_event(self.snapshot())


@contextlib.contextmanager
def ctrl_c_at_checks(budget: Budget):
    """While the block runs, Ctrl-C raises KeyboardInterrupt at the budget's next check (about
    every CHECK seconds) instead of wherever Python is: raised inside the progress display, it
    could leave the display's lock held and its refresh thread, which the display waits for,
    blocked for ever. A second Ctrl-C raises at once. Outside the main thread, or where Ctrl-C has
    another handler (an engine inside another, a caller's own), nothing changes."""
    if threading.current_thread() is not threading.main_thread() or \
            signal.getsignal(signal.SIGINT) is not signal.default_int_handler:
        yield
        return

    def on_sigint(signum, frame):
        if budget.interrupted:
            raise KeyboardInterrupt
        budget.interrupted = True

    old = signal.signal(signal.SIGINT, on_sigint)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, old)


def run_reporting(job):
    """job(), or the partial result of the engine if Ctrl-C interrupted it."""
    try:
        return job()
    except Interrupted as exc:
        return exc.result
