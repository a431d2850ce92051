"""Coverage of a model's behaviour: what `syncproof check --coverage` found executed.

The counts are made by `checker.engines.explicit.coverage`, which runs the reference interpreter
on every action instance in every reachable state; this module holds them for the reporters
(console, JSON, HTML, the pytest plugin). Every count is exact and deterministic: it counts runs
over the reachable states without symmetry reduction, whatever --workers or the symmetry of the
main search, so two runs of the same model and limits give the same numbers.

    ActionCoverage      per action: instances run, how many were enabled, transitions, how many
                        of them changed the state, runs that failed
    StatementCoverage   per statement of init and of the actions: times reached, and its
                        branches (if: then / else; require, assert: passed / failed; choose:
                        values chosen / domain empty; for: iterations), assignments that changed
                        the state
"""

from __future__ import annotations

from dataclasses import dataclass, field

from spec.diagnostics import Diagnostic, Span

# branch names per statement kind, in the order they are shown
BRANCHES = {"if": ("then", "else"), "require": ("passed", "failed"), "assert": ("passed", "failed"),
            "choose": ("chosen", "empty"), "for": ("iterations",)}


@dataclass
class ActionCoverage:
    name: str
    span: Span | None
    runs: int = 0            # action instances run (a state times a value of the parameters)
    enabled: int = 0         # of those, the ones with a transition
    transitions: int = 0     # successors, one per way through the body (choose)
    changed: int = 0         # transitions to a different state
    failed: int = 0          # ways through the body that raised a run-time error

    @property
    def where(self) -> str | None:
        return self.span.where if self.span else None


@dataclass
class StatementCoverage:
    kind: str                # assign, let, require, assert, if, for, choose
    span: Span | None
    block: str               # "init" or the action's name
    text: str                # the statement's first source line, trimmed
    reached: int = 0
    branches: dict = field(default_factory=dict)   # branch name -> count (see BRANCHES)
    changed: int | None = None   # assignments in it that changed the state (None: not an assignment or block,
                                 # or in init, where there is no state before)

    @property
    def where(self) -> str | None:
        return self.span.where if self.span else None

    @property
    def line(self) -> int:
        return self.span.line if self.span else 0


@dataclass
class CoverageReport:
    states: int                      # reachable states the actions were run in
    depth: int                       # the deepest of them
    partial: str = ""                # why some reachable states were left out ("": none was)
    actions: list[ActionCoverage] = field(default_factory=list)
    statements: list[StatementCoverage] = field(default_factory=list)
    warnings: list[Diagnostic] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def complete(self) -> bool:
        return not self.partial

    def totals(self) -> dict:
        """{statements, reached, branches, taken}: how much was covered, for one summary line."""
        branches = [n for s in self.statements if s.kind in ("if", "require", "choose") for b, n in s.branches.items()
                    if not (s.kind == "choose" and b == "empty")]
        return {"statements": len(self.statements), "reached": sum(1 for s in self.statements if s.reached),
                "branches": len(branches), "taken": sum(1 for n in branches if n)}

    def summary(self) -> str:
        """One line: 'coverage: 7 of 8 statements reached, 5 of 6 branches taken, over 4 states'."""
        t = self.totals()
        scope = f"over {self.states:,} state{'s' if self.states != 1 else ''}"
        scope += f" (partial: {self.partial})" if self.partial else " (every reachable state)"
        return (f"coverage: {t['reached']} of {t['statements']} statements reached, {t['taken']} of "
                f"{t['branches']} branches taken, {scope}")

    def lines(self) -> dict[tuple[str, int], tuple[int, bool, bool]]:
        """(file, line) -> (times reached: the most of the statements starting there, whether none of
        them was ever reached, whether one of them was not or has a branch never taken): the source
        gutter."""
        out: dict[tuple[str, int], tuple[int, bool, bool]] = {}
        for s in self.statements:
            if s.span is None:
                continue
            key = (s.span.source.name, s.span.line)
            n, _, part = out.get(key, (0, True, False))
            n = max(n, s.reached)
            out[key] = (n, n == 0, part or not s.reached or bool(untaken(s)))
        return {k: (n, miss, part and not miss) for k, (n, miss, part) in out.items()}


def untaken(s: StatementCoverage) -> list[str]:
    """The branches of s that were never taken and that coverage reports (a choose whose domain was
    never empty, a for loop and an assert that never failed are not: that is what they are for)."""
    if s.kind in ("if", "require"):
        return [b for b, n in s.branches.items() if not n]
    if s.kind == "choose":
        return [] if s.branches.get("chosen") else ["chosen"]
    return []
