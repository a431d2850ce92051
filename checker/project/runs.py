"""A run: one or more checks of models, what was expected of each, and the exit code.

Every report format (text, JSON, SARIF, JUnit, Markdown, HTML) renders a
`Run`. `syncproof check` makes a run of one entry; `syncproof ci` one entry
per configured model and engine. An entry holds the engine's `Result` (any
engine: they all return the same type) and the loaded model, for source
lines and spans; or the diagnostics that kept the model from loading.

Exit codes (stable, documented in the README and docs/ci.md, pinned by a
snapshot test): 0 every check passed, 1 a property is violated (or an
expectation is not met), 2 bad input, 3 inconclusive, 4 internal error. A
run of several entries exits with its most serious outcome, in the order
4, 2, 1, 3, 0.
"""

from __future__ import annotations

import datetime as _dt
from dataclasses import dataclass, field

from spec import ir
from spec.diagnostics import Diagnostic

from checker.core.exits import EXIT_BAD_INPUT, EXIT_HOLDS, EXIT_INCONCLUSIVE, EXIT_INTERNAL, EXIT_VIOLATED
from checker.core.result import Result, Verdict

SEVERITY = (EXIT_INTERNAL, EXIT_BAD_INPUT, EXIT_VIOLATED, EXIT_INCONCLUSIVE, EXIT_HOLDS)
OUTCOME_EXIT = {"holds": EXIT_HOLDS, "violated": EXIT_VIOLATED, "error": EXIT_BAD_INPUT,
                "inconclusive": EXIT_INCONCLUSIVE, "crash": EXIT_INTERNAL}
EXPECTABLE = ("holds", "violated", "inconclusive")


@dataclass(frozen=True)
class Expectation:
    """What a configuration says a check should give: a verdict, and which properties fail."""

    verdict: str = "holds"
    violated: tuple[str, ...] = ()   # when given: exactly these properties are violated

    def met(self, result: Result) -> bool:
        if result.verdict.value != self.verdict:
            return False
        if self.violated:
            return {p.name for p in result.violated} == set(self.violated)
        return True

    @property
    def is_default(self) -> bool:
        return self.verdict == "holds" and not self.violated

    def describe(self) -> str:
        if self.violated:
            return "violated: " + ", ".join(self.violated)
        return self.verdict

    def expected(self, prop: str) -> bool:
        """Whether a violation of `prop` is expected."""
        return self.verdict == "violated" and (not self.violated or prop in self.violated)


@dataclass
class Entry:
    """One check of one model with one engine and one set of constants."""

    name: str
    path: str
    engine: str = "explicit"
    constants: dict = field(default_factory=dict)     # NAME -> value text, as configured
    expect: Expectation = field(default_factory=Expectation)
    result: Result | None = None
    model: ir.CheckedModel | None = None
    errors: list[Diagnostic] = field(default_factory=list)   # the model did not load: bad input
    crash: str | None = None                                # an internal error
    seconds: float = 0.0
    min_score: float | None = None   # `mutation-score`: the least mutation score for the check to pass
    mutation: dict | None = None     # the analysis: score, killed, ...; or {"failure": why it did not run}

    @property
    def outcome(self) -> str:
        """holds | violated | inconclusive | error (bad input) | crash (internal error)."""
        if self.crash is not None:
            return "crash"
        if self.errors or self.result is None:
            return "error"
        return self.result.verdict.value

    @property
    def passed(self) -> bool:
        if self.result is None or self.errors or self.crash is not None:
            return False
        return self.expect.met(self.result) and self.mutation_passed

    @property
    def mutation_passed(self) -> bool:
        """No `mutation-score` asked for, or the mutation score reaches it."""
        if self.min_score is None:
            return True
        score = (self.mutation or {}).get("score")
        return score is not None and score >= self.min_score

    def mutation_text(self) -> str:
        """The mutation analysis in a few words, for summaries ("" when none was asked for)."""
        m = self.mutation
        if self.min_score is None:
            return ""
        if m is None:
            return "mutation analysis not run"
        if "failure" in m:
            return f"mutation analysis failed: {m['failure']}"
        if m["score"] is None:
            return "no mutant decided"
        below = f" < {self.min_score:g}%" if m["score"] < self.min_score else ""
        return f"mutation score {m['score']:.1f}%{below}"

    @property
    def exit_code(self) -> int:
        if self.passed:
            return EXIT_HOLDS
        code = OUTCOME_EXIT[self.outcome]
        return EXIT_VIOLATED if code == EXIT_HOLDS else code  # an unmet expectation fails like a violation

    @property
    def sources(self) -> dict:
        return self.model.sources if self.model is not None else {}

    def status(self) -> str:
        """One word for summaries: the outcome, or 'expected' when a configured violation happened."""
        if self.min_score is not None and self.result is not None and self.expect.met(self.result):
            return f"{self.outcome}, {self.mutation_text()}"
        if self.passed and self.outcome != "holds":
            return f"{self.outcome} (expected)"
        if not self.passed and self.outcome == "holds":
            return f"holds (expected {self.expect.describe()})"
        return self.outcome

    def property_expected(self, prop) -> bool:
        """Whether this violated property is one the configuration expects to be violated."""
        return prop.verdict is Verdict.VIOLATED and self.expect.expected(prop.name)


@dataclass
class Run:
    entries: list[Entry]
    command: str = "check"                    # check | ci
    config: str | None = None                 # the configuration file ci read
    started: _dt.datetime = field(default_factory=lambda: _dt.datetime.now(_dt.timezone.utc))
    seconds: float = 0.0

    @property
    def exit_code(self) -> int:
        codes = {e.exit_code for e in self.entries}
        return next((c for c in SEVERITY if c in codes), EXIT_HOLDS)

    @property
    def passed(self) -> bool:
        return all(e.passed for e in self.entries)

    def counts(self) -> dict[str, int]:
        out = {"checks": len(self.entries), "passed": 0, "failed": 0, "holds": 0, "violated": 0,
               "inconclusive": 0, "error": 0, "crash": 0}
        for e in self.entries:
            out["passed" if e.passed else "failed"] += 1
            out[e.outcome] += 1
        return out
