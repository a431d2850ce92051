"""The engine interface: what every engine takes, reports while it runs, and returns.

    Engine          name, obstacles(model) (why it cannot check the model: empty when it can),
                    check(model, request, on_event) -> Result
    CheckRequest    one frozen request: the properties, deadlock, the limits, stop at the first
                    violation or not, the seed, and a section per engine (`ExplicitSection`,
                    `SymbolicSection`, `SimulateSection`) that the other engines ignore
    ProgressEvent   what an engine reports while it runs: its name, the phase, the counts of
                    that phase and the same in words

ProgressEvent is defined with the limits every engine honours (`checker.core.limits`), below the
engines, so that an engine can make one itself; `reporter` turns an engine's own progress reports
into ProgressEvents and remembers the last one for the message on Ctrl-C.

The registry (`checker.engines.registry`) holds the engines by name; the command line, `ci`,
`catalog`, the pytest plugin and the benchmarks build a CheckRequest and go through it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable, Protocol, runtime_checkable

from spec import ir

from checker.core import limits
from checker.core.limits import ProgressEvent
from checker.core.result import Result


OnEvent = Callable[[ProgressEvent], None]


@dataclass(frozen=True)
class ExplicitSection:
    """Options of the explicit engine (breadth-first search)."""

    symmetry: bool = True
    workers: int = 1
    max_states: int | None = None
    max_depth: int | None = None
    cluster: str | None = None     # Ray: "local", "auto" or "ray://HOST:PORT"; None: this machine's processes
    checkpoint: str | None = None  # directory of checkpoints, written at the end of a level
    checkpoint_every: float = 600.0
    resume: str | None = None      # directory of the checkpoint to continue from


@dataclass(frozen=True)
class SymbolicSection:
    """Options of the symbolic engines (None: the engine's default)."""

    depth: int | None = None       # BMC bound
    k: int | None = None           # k-induction: k rises from 1 to this
    rlimit: int | None = None      # z3's resource limit per query instead of seconds


@dataclass(frozen=True)
class SimulateSection:
    """Options of the simulation engine (None: the engine's default)."""

    runs: int | None = None
    steps: int | None = None


@dataclass(frozen=True)
class CheckRequest:
    """What to check and within which limits: every engine takes the same request."""

    properties: tuple[str, ...] | None = None   # None: every property
    deadlock: bool = True
    timeout: float | None = None
    stop_at_first: bool = True                  # False: go on to a shortest violation of every property
    until: tuple[str, ...] = ()                 # stop at the first violation only once all these are found
    seed: int | None = None                     # random runs (None: draw one, reported)
    explicit: ExplicitSection = field(default_factory=ExplicitSection)
    symbolic: SymbolicSection = field(default_factory=SymbolicSection)
    simulate: SimulateSection = field(default_factory=SimulateSection)


@runtime_checkable
class Engine(Protocol):
    """An engine, or a strategy built from engines: every one checks a model the same way."""

    name: str

    def obstacles(self, model: ir.CheckedModel) -> list[str]:
        """Why this engine cannot check `model` (empty: it can)."""

    def check(self, model: ir.CheckedModel, request: CheckRequest, on_event: OnEvent | None = None) -> Result:
        """Checks `model` as `request` says, reporting progress to `on_event`."""


def reporter(convert: Callable[[object], ProgressEvent], on_event: OnEvent | None) -> Callable[[object], None]:
    """The progress callback an engine is given: `convert` makes each of its reports a ProgressEvent,
    which is remembered for the report of an interruption (`checker.core.limits.record`) and passed
    to `on_event`."""
    def report(snapshot) -> None:
        event = convert(snapshot)
        limits.record(event)
        if on_event is not None:
            on_event(event)
    return report


__all__ = ["Engine", "CheckRequest", "ExplicitSection", "SymbolicSection", "SimulateSection", "ProgressEvent",
           "OnEvent", "reporter"]
