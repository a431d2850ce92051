"""What every engine returns: a verdict per property, statistics and traces.

These objects are the contract between engines and reporters (console, JSON,
ITF). Field names here are the documented, stable names of `--json`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import Enum

from checker.core.exits import EXIT_HOLDS, EXIT_INCONCLUSIVE, EXIT_INTERRUPTED, EXIT_VIOLATED
from checker.core.coverage import CoverageReport
from checker.core.kinds import Kind, Strength


class Verdict(str, Enum):
    HOLDS = "holds"
    VIOLATED = "violated"
    INCONCLUSIVE = "inconclusive"


@dataclass
class TraceStep:
    """A state of a trace and how it was reached (None for an initial state)."""

    state: dict                      # variable -> plain value
    action: str | None = None
    params: dict = field(default_factory=dict)
    choices: tuple = ()


@dataclass
class Trace:
    model: str
    property: str
    kind: Kind
    steps: list[TraceStep]
    message: str = ""                # what went wrong, in words
    error_step: TraceStep | None = None   # a step that failed (runtime errors): action, params
    where: str | None = None         # file:line:col of the property or the failing construct
    loop: int | None = None          # index the lasso returns to (liveness)
    constants: dict = field(default_factory=dict)
    engine: str = "explicit"
    explanation: list = field(default_factory=list)  # why the property fails in the last state
    how: Strength | str = ""         # how the verdict was established ("": not said)
    branches: list = field(default_factory=list)     # (label, [TraceStep]) continuations from the last state
    binding: dict = field(default_factory=dict)      # values of a property's forall variables

    @property
    def length(self) -> int:
        """Number of transitions, including a failing last one."""
        return len(self.steps) - 1 + (1 if self.error_step is not None else 0)


@dataclass
class PropertyResult:
    name: str
    kind: Kind
    verdict: Verdict
    message: str = ""
    where: str | None = None
    trace: Trace | None = None
    trace_path: str | None = None
    how: Strength | str = ""         # "": not said (the combined result's how applies)
    engine: str = ""                 # the engine that decided it (explicit, bmc, induction, prove)
    cti: Trace | None = None         # k-induction: a counterexample to induction (not a behaviour)


def open_reasons(open_: list[PropertyResult]) -> str:
    """Why the undecided properties are undecided, one clause per reason with the properties it
    covers: "A, B: no violation up to depth 20; C: not checked: ..."."""
    groups: dict[str, list[str]] = {}
    for p in open_:
        groups.setdefault(p.message or "not decided", []).append(p.name)
    return "; ".join(f"{', '.join(names)}: {why}" for why, names in groups.items())


@dataclass
class SearchStats:
    """The explicit search's memory: the visited set, the trace store, fingerprints, symmetry."""

    visited_bytes: int = 0
    trace_bytes: int = 0
    bytes_per_state: float = 0.0    # visited_bytes per distinct state
    collision_probability: float = 0.0
    fingerprint: str = "exact"      # exact | 64-bit
    symmetry: list = field(default_factory=list)  # symmetric sets reduced
    cluster: str = ""               # "ray" when the partitions were Ray actors, else "" (this machine)
    machines: int = 1               # machines the search ran on
    shipped_bytes: int = 0          # bytes of successor batches sent between partitions (workers > 1)
    # what expanded the large levels: "numpy" (the level kernel, `checker.engines.explicit.vector`;
    # "numpy, and the generated code where an action fails" when such chunks went back to it), "python:
    # <why not numpy>", or "" when no level was large enough to ask (or workers, symmetry, a graph);
    # "numpy (the generated code checks I, J: <why>)" when invariants I and J could not be translated
    kernel: str = ""


@dataclass
class GraphStats:
    """The whole state graph, built for temporal and determinism properties (no symmetry reduction)."""

    states: int = 0
    edges: int = 0
    bytes: int = 0
    seconds: float = 0.0


@dataclass
class SimulationStats:
    """Simulation (how == sampled): runs and steps explored before the first violation, then shrinking."""

    runs: int = 0
    steps: int = 0
    max_steps: int = 0             # steps asked for per run
    steps_per_second: float = 0.0
    explore_seconds: float = 0.0
    shrink_runs: int = 0
    shrink_steps: int = 0
    shrink_seconds: float = 0.0


@dataclass
class Stats:
    """What every engine reports, and a section per engine (None: that engine did not run)."""

    distinct_states: int = 0
    transitions: int = 0
    depth: int = 0
    seconds: float = 0.0
    states_per_second: float = 0.0
    actions: dict = field(default_factory=dict)   # action -> transitions it produced
    workers: int = 1
    seed: int | None = None
    search: SearchStats | None = None             # the explicit search
    graph: GraphStats | None = None               # the explicit engine's state graph
    solver: dict | None = None                    # symbolic engines: depth, k, queries, solver seconds
    simulation: SimulationStats | None = None


@dataclass
class Result:
    model: str
    path: str
    engine: str
    verdict: Verdict
    how: Strength
    properties: list[PropertyResult]
    stats: Stats
    reason: str = ""                 # why inconclusive
    warnings: list[str] = field(default_factory=list)
    constants: dict = field(default_factory=dict)
    detail: str = ""                 # how, in words: "k-induction with k = 2", "no violation up to depth 20"
    symbolic_constants: dict = field(default_factory=dict)   # name -> type, checked for every value
    notes: list[str] = field(default_factory=list)           # which engines ran and why
    interrupted: bool = False        # Ctrl-C ended the run: the statistics are partial (checker.core.limits)
    coverage: CoverageReport | None = None   # check --coverage (checker.engines.explicit.coverage)

    @property
    def violated(self) -> list[PropertyResult]:
        return [p for p in self.properties if p.verdict is Verdict.VIOLATED]

    @property
    def exit_code(self) -> int:
        if self.interrupted:
            return EXIT_INTERRUPTED
        if self.verdict is Verdict.VIOLATED:
            return EXIT_VIOLATED
        if self.verdict is Verdict.INCONCLUSIVE:
            return EXIT_INCONCLUSIVE
        return EXIT_HOLDS
