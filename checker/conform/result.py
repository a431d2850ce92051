"""What a conformance run found: the kinds of mismatch, their titles, the mismatch and the result.

`checker.conform.run` produces them, `checker.conform.report` shows them (console,
JSON, ITF), and `checker.conform.determinism` labels refused steps as they do.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from checker.core.result import Trace

STATE, REFUSED, ACCEPTED, CRASH, MODEL, FLAKY = "state", "refused", "accepted", "crash", "model", "flaky"
REFUSED_PREFIX = "refused: "   # how a trace labels a step the implementation refused, as the model does

TITLES = {
    STATE: "the implementation's state differs from the model's",
    REFUSED: "the implementation refused a step the model allows",
    ACCEPTED: "the implementation accepted a step the model does not allow",
    CRASH: "the implementation raised an exception",
    MODEL: "the model itself fails at this step",
    FLAKY: "the implementation is not deterministic",
}


@dataclass
class Mismatch:
    kind: str                      # see TITLES
    step: int                      # 0: the initial state; n: the n-th step
    action: str | None
    params: dict
    message: str
    expected: list                 # model states allowed here ({variable: value}, observed variables only)
    observed: dict | None          # the observation, None when there is none
    diffs: list                    # (where, expected, observed) against the closest expected state:
                                   # where is a variable, a map entry or a record field (slots[0].called)
    trace: Trace | None = None     # the model's states up to here (the expected one last)
    refused_steps: list = field(default_factory=list)   # trace indices of steps the implementation refused


@dataclass
class ConformResult:
    model: str
    path: str
    adapter: str
    mode: str                      # conformance | replay
    mismatch: Mismatch | None
    runs: int = 0
    steps: int = 0
    probes: int = 0                # steps the model does not allow, tried to check a refusal
    refusals: int = 0              # steps the implementation refused (as it should)
    seconds: float = 0.0
    shrink_runs: int = 0
    shrink_seconds: float = 0.0
    seed: int | None = None
    max_steps: int = 0
    actions: dict = field(default_factory=dict)       # action -> steps taken
    model_states: int = 0          # distinct model states the runs went through
    observed: list = field(default_factory=list)      # the variables the adapter observes
    warnings: list = field(default_factory=list)
    constants: dict = field(default_factory=dict)
    trace_path: str | None = None

    @property
    def ok(self) -> bool:
        return self.mismatch is None

    @property
    def exit_code(self) -> int:
        return 0 if self.ok else 1

    @property
    def steps_per_second(self) -> float:
        return self.steps / self.seconds if self.seconds > 0 else 0.0
