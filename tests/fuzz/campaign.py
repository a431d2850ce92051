"""One fuzzing campaign: generated models through the differential run and the command line,
mutants through the command line; counts and findings (each classified as known or new)."""

from __future__ import annotations

import tempfile
import time
import traceback
from dataclasses import dataclass, field
from pathlib import Path

from spec.diagnostics import SpecError
from spec.loader import load_text

from .differential import compare
from .known import known
from .runner import GUARD_SECONDS, MAX_STATES, Finding, fuzz_file


@dataclass
class Campaign:
    """Runs models and mutants, keeping counts and findings."""

    max_states: int = MAX_STATES
    guard: float = GUARD_SECONDS     # wall clock: a hang guard only (runner.py)
    bmc_every: int = 1               # BMC in the differential run of every k-th model (0: never)
    counts: dict = field(default_factory=lambda: {"models": 0, "rejected": 0, "mutants": 0, "commands": 0})
    findings: list[Finding] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def new(self) -> list[Finding]:
        return [f for f in self.findings if f.known is None]

    def model(self, text: str) -> list[Finding]:
        """A generated model: the three semantics compared, then parse, check and replay."""
        start = time.perf_counter()
        self.counts["models"] += 1
        found = self._differential(text) + self._cli(text)
        self.seconds += time.perf_counter() - start
        return self._keep(found)

    def mutant(self, text: str) -> list[Finding]:
        """A mutated model: parse, check and replay only."""
        start = time.perf_counter()
        self.counts["mutants"] += 1
        found = self._cli(text)
        self.seconds += time.perf_counter() - start
        return self._keep(found)

    def _differential(self, text: str) -> list[Finding]:
        try:
            m = load_text(text, "fuzz.sync")
        except SpecError:
            self.counts["rejected"] += 1
            return []
        try:
            bmc = self.bmc_every > 0 and self.counts["models"] % self.bmc_every == 0
            problems = compare(m, bmc=bmc)
        except Exception:  # noqa: BLE001 - an engine crashing on a well-typed model is the finding
            return [Finding("traceback", "differential (tests/fuzz/differential.py)", traceback.format_exc(), text)]
        if not problems:
            return []
        return [Finding("disagreement", "differential (tests/fuzz/differential.py)", "\n".join(problems), text)]

    def _cli(self, text: str) -> list[Finding]:
        with tempfile.TemporaryDirectory(prefix="syncproof-fuzz-") as d:
            path = Path(d) / "fuzz.sync"
            path.write_text(text, encoding="utf-8", errors="surrogateescape")
            outcomes, found = fuzz_file(path, Path(d), self.max_states, self.guard)
        self.counts["commands"] += len(outcomes)
        return found

    def _keep(self, found: list[Finding]) -> list[Finding]:
        for f in found:
            f.known = known(f"{f.kind}: {f.output}", f.model)
        self.findings += found
        return found
