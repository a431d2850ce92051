"""The work of `syncproof mutate`: make the mutants, check each, report the score and the survivors.

The model must hold (every property, and no deadlock unless --no-deadlock) before its mutants say
anything about its properties: otherwise exit 2 (E625). Each mutant is the model's text with one
span replaced (`spec.mutate`), parsed and type-checked with the model's imports and constants, then
checked by the explicit engine through the registry, as `syncproof check` does, within a state
limit. Its outcome is one of

    killed      a property is violated (a runtime error in an action is one)
    survived    every property holds: a property is missing, or the mutant is harmless
    equivalent  survived, and reaches the same states by as many transitions as the model
                (the same set of packed states): left out of the score
    unknown     the state limit or the time limit was reached first
    invalid     the mutant does not parse or type-check: dropped

The score is killed / (killed + survived). The order is the source's; with --max-mutants, the
mutants checked are drawn with --seed and kept in that order. Ctrl-C stops the analysis: the
mutants checked so far are reported, and the exit code is 130.
"""

from __future__ import annotations

import functools
import hashlib
import random
from dataclasses import dataclass, field
from typing import Callable

from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from spec import ir
from spec.diagnostics import Diagnostic, SpecError
from spec.loader import load, load_modules, parse_const_option
from spec.mutate import OPERATORS, Mutant, mutants
from spec.parser import parse
from spec.typecheck import check

from checker.cli.commands.common import check_model_file
from checker.core.exits import EXIT_HOLDS, EXIT_INTERRUPTED, EXIT_VIOLATED
from checker.core.result import Verdict
from checker.engines import registry as engines
from checker.engines.base import CheckRequest, ExplicitSection
from checker.engines.explicit.search import Explorer
from checker.reports.console import console, print_json

OUTCOMES = ("killed", "survived", "equivalent", "unknown", "invalid")
HINT = "no property fails on this mutant: a property is missing (or the change is harmless)"


@dataclass
class Checked:
    """One mutant and what checking it gave."""

    mutant: Mutant
    outcome: str
    detail: str = ""                           # the properties violated, why unknown, the first error
    states: int = 0
    transitions: int = 0


@dataclass
class Analysis:
    """The whole run: the model, how many mutants there were, each one checked."""

    path: str
    model: str
    text: str
    generated: int
    seed: int
    checked: list[Checked] = field(default_factory=list)
    interrupted: bool = False

    def count(self, outcome: str, operator: str | None = None) -> int:
        return sum(1 for c in self.checked if c.outcome == outcome and operator in (None, c.mutant.operator))

    @property
    def score(self) -> float | None:
        """killed / (killed + survived), in percent; None when no mutant was decided."""
        decided = self.count("killed") + self.count("survived")
        return 100.0 * self.count("killed") / decided if decided else None


@dataclass(frozen=True)
class Graph:
    """What decides equivalence: the reachable states (their hash) and the transitions."""

    states: int
    transitions: int
    actions: tuple
    digest: str


@dataclass(frozen=True)
class Reference:
    """The model's counts, and its `Graph`, made when a mutant with the same counts first needs it."""

    states: int
    transitions: int
    graph: Callable[[], Graph]


def run(args) -> int:
    check_model_file(args.model)
    model = load(args.model, args.const)
    modules = load_modules(args.model)
    overrides = {o.name: o for o in map(parse_const_option, args.const)}
    request = CheckRequest(deadlock=not args.no_deadlock, timeout=args.timeout)
    original = engines.run(model, "explicit", request)
    require_holds(original, args.model)
    limit = args.max_states or max(10_000, 10 * original.stats.distinct_states)
    request = CheckRequest(deadlock=not args.no_deadlock, timeout=args.timeout,
                           explicit=ExplicitSection(max_states=limit))
    text = modules[0].source.text
    every = mutants(modules[0], text)
    analysis = Analysis(args.model, model.name, text, len(every), args.seed)
    reference = Reference(original.stats.distinct_states, original.stats.transitions,
                          functools.cache(lambda: graph(model, request)))
    chosen = sample(every, args.max_mutants, args.seed)

    def check_all(advance) -> None:
        for m in chosen:
            analysis.checked.append(check_mutant(m, text, modules, overrides, request, reference))
            advance()
    try:
        with_progress(args, len(chosen), check_all)
    except KeyboardInterrupt:
        analysis.interrupted = True
    report(analysis, args.format)
    if analysis.interrupted:
        return EXIT_INTERRUPTED
    below = args.min_score is not None and analysis.score is not None and analysis.score < args.min_score
    return EXIT_VIOLATED if below else EXIT_HOLDS


def with_progress(args, total: int, job) -> None:
    """job(advance), with a bar of the mutants checked on a terminal (not for --format json)."""
    err = console(stderr=True)
    if not err.is_terminal or args.format == "json":
        job(lambda: None)
        return
    with Progress(TextColumn("[bold]mutants"), BarColumn(bar_width=None, pulse_style="cyan"), MofNCompleteColumn(),
                  TimeElapsedColumn(), console=err, transient=True) as bar:
        task = bar.add_task("", total=total)
        job(lambda: bar.advance(task))


def require_holds(result, path: str) -> None:
    """E625 unless every property of the model holds: a mutant of a broken model says nothing."""
    if result.verdict is Verdict.HOLDS:
        return
    if result.verdict is Verdict.VIOLATED:
        names = [p.name for p in result.violated]
        verb = "is" if len(names) == 1 else "are"
        raise SpecError(Diagnostic("E625", f"{path}: {', '.join(names)} {verb} violated by the model itself", None,
                                   "mutation analysis needs a model whose properties hold: fix it, or "
                                   "run syncproof check to see the trace"))
    raise SpecError(Diagnostic("E625", f"{path}: the model's own check is inconclusive: {result.reason}", None,
                               "mutation analysis needs a model the explicit engine checks completely"))


def sample(every: list[Mutant], most: int | None, seed: int) -> list[Mutant]:
    """All the mutants, or `most` of them drawn with `seed`, in the source's order."""
    if most is None or most >= len(every):
        return every
    chosen = random.Random(seed).sample(range(len(every)), most)
    return [every[i] for i in sorted(chosen)]


def check_mutant(m: Mutant, text: str, modules, overrides, request: CheckRequest, reference: Reference) -> Checked:
    try:
        model = check([parse(m.apply(text), modules[0].source.name)] + modules[1:], overrides)
    except SpecError as exc:
        return Checked(m, "invalid", exc.diagnostics[0].message)
    try:
        result = engines.run(model, "explicit", request)
    except SpecError as exc:   # a limit of the explicit engine (E5xx): not a model it can check
        return Checked(m, "invalid", exc.diagnostics[0].message)
    stats = result.stats
    if result.verdict is Verdict.VIOLATED:
        detail = ", ".join(p.name for p in result.violated)
        return Checked(m, "killed", detail, stats.distinct_states, stats.transitions)
    if result.verdict is not Verdict.HOLDS:
        return Checked(m, "unknown", result.reason, stats.distinct_states, stats.transitions)
    same = (stats.distinct_states, stats.transitions) == (reference.states, reference.transitions)
    outcome = "equivalent" if same and graph(model, request) == reference.graph() else "survived"
    return Checked(m, outcome, "", stats.distinct_states, stats.transitions)


def graph(model: ir.CheckedModel, request: CheckRequest) -> Graph:
    """The reachable states of `model` as a hash of its packed states' set, with the counts."""
    explorer = Explorer(model, engines.explicit_options(request))
    result = explorer.run()
    digest = hashlib.sha256(explorer.visited.sorted().tobytes()).hexdigest()
    return Graph(result.stats.distinct_states, result.stats.transitions,
                 tuple(sorted(result.stats.actions.items())), digest)


# ---- the report ----------------------------------------------------------------------------------

def report(analysis: Analysis, fmt: str) -> None:
    if fmt == "json":
        print_json(as_json(analysis))
    else:
        console().print(as_text(analysis), markup=False, highlight=False, end="", soft_wrap=True)


def as_json(a: Analysis) -> dict:
    return {"model": a.model, "path": a.path, "generated": a.generated, "checked": len(a.checked),
            "seed": a.seed, "score": a.score, "interrupted": a.interrupted,
            **{o: a.count(o) for o in OUTCOMES},
            "operators": {op: {o: a.count(o, op) for o in OUTCOMES} for op in OPERATORS},
            "mutants": [mutant_json(c, a) for c in a.checked]}


def mutant_json(c: Checked, a: Analysis) -> dict:
    m = c.mutant
    out = {"operator": m.operator, "where": f"{a.path}:{m.line}:{m.col}", "line": m.line, "col": m.col,
           "description": m.description, "outcome": c.outcome, "detail": c.detail,
           "states": c.states, "transitions": c.transitions}
    if c.outcome in ("survived", "equivalent"):
        out["diff"] = m.diff(a.text, a.path)
    return out


def as_text(a: Analysis) -> str:
    score = "no mutant decided" if a.score is None else f"{a.score:.1f}%"
    lines = [f"{a.path}: {a.model}: {len(a.checked)} of {a.generated} mutants checked (seed {a.seed})",
             f"mutation score: {score} ({a.count('killed')} killed of {a.count('killed') + a.count('survived')}; "
             f"{a.count('equivalent')} equivalent, {a.count('unknown')} unknown, "
             f"{a.count('invalid')} not type-checking, left out)"]
    if a.interrupted:
        lines.append("interrupted (Ctrl-C): only the mutants checked before are counted")
    lines += ["",
             f"  {'operator':<14}" + "".join(f"{o:>11}" for o in OUTCOMES)]
    for op in OPERATORS:
        lines.append(f"  {op:<14}" + "".join(f"{a.count(o, op):>11}" for o in OUTCOMES))
    for outcome, title in (("survived", "surviving mutants"), ("equivalent", "equivalent mutants")):
        chosen = [c for c in a.checked if c.outcome == outcome]
        if chosen:
            lines += ["", f"{title} ({len(chosen)}):"]
        for c in chosen:
            m = c.mutant
            lines += ["", f"{a.path}:{m.line}:{m.col}: {m.operator}: {m.description}"]
            lines += ["  " + line for line in m.diff(a.text, a.path).splitlines()]
            if outcome == "survived":
                lines.append(f"  hint: {HINT}")
    return "\n".join(lines) + "\n"
