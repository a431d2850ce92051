"""What several formats say the same way: locations, one-line summaries, constants."""

from __future__ import annotations

from spec import values as V

from checker.core.kinds import Kind
from checker.core.result import PropertyResult, Verdict
from checker.project.runs import Entry

KIND_TITLES = {Kind.INVARIANT: "invariant", Kind.CONVERGE: "convergence", Kind.STEP: "step property",
               Kind.DEADLOCK: "deadlock freedom",
               Kind.RUNTIME: "run-time errors", Kind.TEMPORAL: "temporal property",
               Kind.DETERMINISM: "determinism", Kind.COMMUTE: "commutativity"}


def parse_where(where: str | None) -> tuple[str, int, int] | None:
    """'file:line:col' as (file, line, col); None when there is no location."""
    if not where:
        return None
    try:
        path, line, col = where.rsplit(":", 2)
        return path, int(line), int(col)
    except ValueError:
        return None


def model_where(entry: Entry) -> str:
    """Where the model is declared (for properties without a source location: deadlock, runtime)."""
    m = entry.model
    if m is not None and m.span is not None:
        return m.span.where
    return f"{entry.path}:1:1"


def action_where(entry: Entry, action: str | None) -> str | None:
    m = entry.model
    if m is None or action is None:
        return None
    for a in m.actions:
        if a.name == action and a.span is not None:
            return a.span.where
    return None


def property_where(entry: Entry, p: PropertyResult) -> str:
    return p.where or model_where(entry)


def constants_text(entry: Entry) -> str:
    if entry.result is not None and entry.result.constants:
        return ", ".join(f"{k} = {V.show(v)}" for k, v in entry.result.constants.items())
    return ", ".join(f"{k} = {v}" for k, v in entry.constants.items())


def tally(entry: Entry) -> str:
    """'5 of 5 hold', '1 violated, 3 hold, 1 open' ..."""
    if entry.result is None:
        return ""
    props = entry.result.properties
    held = sum(p.verdict is Verdict.HOLDS for p in props)
    bad = sum(p.verdict is Verdict.VIOLATED for p in props)
    unchecked = sum(skipped_by_stop(entry, p) for p in props)
    open_ = len(props) - held - bad - unchecked
    if not bad and not open_:
        return f"{held} of {held} hold"
    parts = []
    if bad:
        parts.append(f"{bad} violated")
    if held:
        parts.append(f"{held} hold")
    if open_:
        parts.append(f"{open_} undecided")
    if unchecked:
        parts.append(f"{unchecked} not checked")
    return ", ".join(parts)


def outcome_line(entry: Entry) -> str:
    """A sentence for the entry's outcome."""
    if entry.crash:
        return f"internal error: {entry.crash}"
    if entry.errors:
        return f"the model does not load: {entry.errors[0].message}" + (
            f" (and {len(entry.errors) - 1} more)" if len(entry.errors) > 1 else "")
    r = entry.result
    if r is None:
        return "not checked"
    if r.verdict is Verdict.VIOLATED:
        text = "violated: " + ", ".join(p.name for p in r.violated)
    elif r.verdict is Verdict.INCONCLUSIVE:
        text = f"inconclusive: {r.reason}"
    else:
        text = f"holds ({r.how})"
    if entry.passed and r.verdict is not Verdict.HOLDS:
        text += " — as expected"
    elif entry.expect.met(r) and not entry.mutation_passed:
        text += f" — {entry.mutation_text()} (mutation-score = {entry.min_score:g} asks for at least that)"
    elif not entry.passed and r.verdict is not Verdict.INCONCLUSIVE and not entry.errors:
        if r.verdict is Verdict.HOLDS or not entry.expect.is_default:
            text += f" — expected {entry.expect.describe()}"
    return text


def stats_line(entry: Entry) -> str:
    r = entry.result
    if r is None:
        return ""
    s = r.stats
    if not s.distinct_states and s.solver:    # the symbolic engines count z3 queries, not states
        parts = [f"z3: depth {s.solver.get('depth', 0)}", f"{s.solver.get('queries', 0):,} queries",
                 f"{s.seconds:.2f} s"]
    else:
        parts = [f"{s.distinct_states:,} states", f"{s.transitions:,} transitions", f"depth {s.depth}",
                 f"{s.seconds:.2f} s"]
    return " · ".join(parts)


def skipped_by_stop(entry: Entry, p: PropertyResult) -> bool:
    """An open property only because the search stopped at another property's violation."""
    return (p.verdict is Verdict.INCONCLUSIVE and entry.result is not None
            and entry.result.verdict is Verdict.VIOLATED)


def states_text(entry: Entry) -> str:
    """Distinct states, for summaries; empty for engines that do not count states (symbolic)."""
    r = entry.result
    return f"{r.stats.distinct_states:,}" if r is not None and r.stats.distinct_states else ""
