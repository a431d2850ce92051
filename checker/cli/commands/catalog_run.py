"""The work of `syncproof catalog [DIR]` (its options and what it does: `checker.cli.commands.catalog`)."""

from __future__ import annotations

import re
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

from spec import files
from spec.diagnostics import Diagnostic, SpecError
from spec.loader import load

from checker.core.kinds import Kind
from checker.engines import registry as engines
from checker.engines.base import CheckRequest
from checker.reports.formats import write_file
from checker.reports.console import console
from checker.core.result import Verdict
from checker.cli.commands.common import cores, writable_file
from checker.project import scores as recorded
from checker.core.exits import EXIT_BAD_INPUT, EXIT_HOLDS, EXIT_VIOLATED

TIME = "time"
COMMAND = "syncproof catalog models --write models/README.md"   # how the committed catalog is made
_IMPORT = re.compile(r'^\s*import\s+"([^"]+)"', re.M)
_BUILTIN = (Kind.DEADLOCK, Kind.RUNTIME)


@dataclass
class Entry:
    """One model file, checked."""

    stem: str
    summary: str                     # the first sentence of its header comment
    broken: bool
    imports: list[str] = field(default_factory=list)
    properties: list[str] = field(default_factory=list)
    verdict: str = ""                # holds | violated | inconclusive | error
    how: str = ""                    # exhaustive | proved | bounded | ...
    engine: str = ""                 # the engine a plain `syncproof check` used
    violated: str | None = None      # the first violated property
    trace_length: int | None = None
    lasso: bool = False
    trace_file: str | None = None    # as `syncproof check` names it
    states: int = 0
    seconds: float = 0.0
    engines: list[str] = field(default_factory=list)
    error: str = ""


def header_line(text: str) -> str:
    """The first sentence of the comment that opens a model file (its first line, when that is a sentence)."""
    words: list[str] = []
    for line in text.splitlines():
        s = line.strip()
        if not s and not words:
            continue
        if not s.startswith("#") or not s.lstrip("#").strip():
            break
        words.append(s.lstrip("#").strip())
    paragraph = " ".join(words)
    end = re.search(r"\.(\s|$)", paragraph)
    return paragraph[:end.start() + 1] if end else paragraph


CATALOG_ENGINES = ((engines.EXPLICIT, "explicit"), (engines.SYMBOLIC, "symbolic"), (engines.SIMULATE, "simulation"))


def engines_for(model) -> list[str]:
    """The engines that handle the model (those with no obstacles to it), as the catalog names them."""
    return [shown for engine, shown in CATALOG_ENGINES if not engine.obstacles(model)]


def check_file(path: Path, timeout: float | None = None) -> Entry:
    stem = path.name.removesuffix(".sync")
    try:
        text = files.read_text(path)
    except files.FileProblem as exc:
        e = Entry(stem, "", "_broken" in stem, [])
        e.verdict, e.error = "error", f"E601: {exc}"
        return e
    e = Entry(stem, header_line(text), "_broken" in stem, sorted(_IMPORT.findall(text)))
    try:
        model = load(path)
    except SpecError as exc:
        d = exc.diagnostics[0]
        e.verdict, e.error = "error", f"{d.code}: {d.message}"
        return e
    start = time.perf_counter()
    r = engines.run(model, None, CheckRequest(timeout=timeout))
    e.seconds = time.perf_counter() - start
    e.properties = [p.name for p in r.properties if p.kind not in _BUILTIN]
    e.verdict, e.how, e.engine, e.states = r.verdict.value, r.how, r.engine, r.stats.distinct_states
    if r.violated:
        p = r.violated[0]
        e.violated = p.name
        if p.trace is not None:
            e.trace_length, e.lasso = p.trace.length, p.trace.loop is not None
            safe = "".join(c if c.isalnum() or c in "-_" else "_" for c in p.name)
            e.trace_file = f"{stem}.{safe}.itf.json"
    e.engines = engines_for(model)
    return e


def collect(directory: Path, progress=None, timeout: float | None = None) -> list[Entry]:
    entries = []
    for path in sorted(directory.glob("*.sync"), key=lambda p: p.name.removesuffix(".sync")):
        if progress:
            progress(path)
        entries.append(check_file(path, timeout))
    return entries


# ---- Markdown ------------------------------------------------------------------------------

def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def _row(cells) -> str:
    return "| " + " | ".join(_cell(str(c)) for c in cells) + " |"


def _link(stem: str) -> str:
    return f"[{stem}]({stem}.sync)"


def _time(seconds: float) -> str:
    return f"{seconds:.2f} s"


def _verdict(e: Entry) -> str:
    if e.error:
        return f"does not load ({e.error})"
    if e.verdict == Verdict.VIOLATED.value:
        return f"violated: {e.violated}"
    if e.engine != "explicit" and e.how:
        return f"{e.verdict} ({e.how}, {e.engine})"
    return e.verdict


def _states(e: Entry) -> str:
    return f"{e.states:,}" if e.engine == "explicit" else "—"


def _family(entries: list[Entry], e: Entry) -> list[Entry]:
    return [b for b in entries if b.broken and b.stem.startswith(e.stem + "_broken")]


INTRO = f"""# The model library

Generated by `{COMMAND}` from the repository root:
do not edit it by hand, run the command again after changing a model (`tests/test_catalog.py`
fails while this file is stale). Each model was checked at its default constants exactly as
`syncproof check models/<model>.sync` checks it: with the explicit engine, or with the symbolic
engines for a model with symbolic constants (its states are not counted: —). The time is the
engine's, without start-up, on the machine that ran the command; everything else is
deterministic.

Every model opens with a comment: the mechanism, its state, its actions, what each property means
in money terms, and the constants that size it (`--const` gives bigger sizes). Each has broken
variants with a bug such systems have really had; their counterexamples are committed in
[counterexamples/](../counterexamples) and `tests/test_counterexamples.py` checks that they still
reproduce."""

ENGINES_NOTE = """Engines: *explicit* checks every property (invariants, `converge`, temporal properties under their
fairness, `deterministic`, `commute`, deadlock, run-time errors); *symbolic* (BMC, k-induction,
CHC) and *simulation* check invariants, deadlock and run-time errors. *symbolic* is listed when the
model can be encoded for z3."""


SCORES_NOTE = f"""Mutation score: the share of the model's mutants that a property kills, as `syncproof mutate
models/<model>.sync` gives it at its default options (killed of killed + surviving; equivalent
mutants, those with the model's own state graph, are left out). Mutation analysis takes minutes,
so the scores are recorded in [{recorded.FILE}]({recorded.FILE}) with the mutants that survive,
and `{COMMAND} --rescore` re-runs it (`--rescore-model MODEL` for one model); a model changed since
it was scored shows *stale*. Broken variants are not scored: their properties are already violated,
and mutation analysis needs a model whose properties hold. A survivor that remains is explained in
a comment in its model (a change without effect on anything money depends on)."""


def render(entries: list[Entry], directory: Path) -> str:
    scored = recorded.read(directory)
    parts = [INTRO, _models_table(entries, directory, scored), ENGINES_NOTE, SCORES_NOTE, _broken_table(entries),
             _adversaries_table(entries, directory)]
    return "\n\n".join(p for p in parts if p) + "\n"


def _models_table(entries: list[Entry], directory: Path, scored: recorded.Scores) -> str:
    out = ["## Models", "",
           _row(["model", "what it shows", "properties", "verdict", "states", TIME, "engines", "mutation score",
                 "broken variants"]),
           "|---|---|---|---|--:|--:|---|--:|---|"]
    for e in entries:
        if not e.broken:
            family = ", ".join(_link(b.stem) for b in _family(entries, e)) or "none"
            score = recorded.shown(scored.get(e.stem), directory / f"{e.stem}.sync")
            out.append(_row([_link(e.stem), e.summary, ", ".join(e.properties), _verdict(e), _states(e),
                             _time(e.seconds), ", ".join(e.engines), score, family]))
    return "\n".join(out)


def _counterexample(e: Entry) -> str:
    if e.trace_length is None:
        return "none"
    n = e.trace_length
    text = f"{n} step{'s' if n != 1 else ''}" + (", a lasso" if e.lasso else "")
    return text + f": [{e.trace_file}](../counterexamples/{e.trace_file})"


def _broken_table(entries: list[Entry]) -> str:
    out = ["## Broken variants", "",
           _row(["broken variant", "the bug", "violates", "counterexample", "states", TIME]),
           "|---|---|---|---|--:|--:|"]
    for e in entries:
        if e.broken:
            out.append(_row([_link(e.stem), e.summary, e.violated or _verdict(e), _counterexample(e), _states(e),
                             _time(e.seconds)]))
    return "\n".join(out)


def _adversaries_table(entries: list[Entry], directory: Path) -> str:
    adversaries = sorted((directory / "adversaries").glob("*.sync"))
    if not adversaries:
        return ""
    out = ["## Adversaries", "",
           "Modules under [adversaries/](adversaries) that a model opts into with `import`; each one's header",
           "says what the importing model must declare.", "",
           _row(["adversary", "what it does", "imported by"]), "|---|---|---|"]
    for a in adversaries:
        rel = f"adversaries/{a.name}"
        users = [e.stem for e in entries if rel in e.imports]
        out.append(_row([f"[{a.stem}]({rel})", _header_of(a), ", ".join(users) or "none"]))
    return "\n".join(out)


def _header_of(path: Path) -> str:
    try:
        return header_line(files.read_text(path))
    except files.FileProblem as exc:
        return f"({exc.reason})"


def without_times(markdown: str) -> str:
    """The catalog with the cells of every table's time column removed (for comparisons)."""
    out, drop = [], None
    for line in markdown.splitlines():
        if not line.startswith("|"):
            drop = None
            out.append(line)
            continue
        cells = _split_row(line)
        if drop is None:
            drop = cells.index(TIME) if TIME in cells else -1
        if drop < 0 or drop >= len(cells):
            out.append(line)
            continue
        del cells[drop]
        if all(re.fullmatch(r":?-+:?", c) for c in cells):
            out.append("|" + "|".join(cells) + "|")
        else:
            out.append("| " + " | ".join(cells) + " |")
    return "\n".join(out) + "\n"


def _split_row(line: str) -> list[str]:
    cells = re.split(r"(?<!\\)\|", line.strip())
    return [c.strip() for c in cells[1:-1]]


def surprises(entries: list[Entry]) -> list[str]:
    out = []
    for e in entries:
        if e.error:
            out.append(f"{e.stem}: {e.error}")
        elif e.broken and e.verdict != Verdict.VIOLATED.value:
            out.append(f"{e.stem}: a broken variant that is not violated ({e.verdict})")
        elif not e.broken and e.verdict != Verdict.HOLDS.value:
            out.append(f"{e.stem}: {_verdict(e)}")
    return out


def _unusable(directory: Path) -> str | None:
    """Why the catalog cannot be made from `directory` (checked before any model is), or None."""
    try:
        if not directory.is_dir() or not any(directory.glob("*.sync")):
            return f"no models (*.sync) in {directory}"
    except OSError as exc:
        return f"cannot read {exc.filename or directory}: {exc.strerror or exc}"
    return None


def rescored(directory: Path, args) -> set[str] | None:
    """The models whose mutation scores are re-run (None: no rescoring); E607 for a name that is not
    a correct model of DIR."""
    if not args.rescore and not args.rescore_model:
        return None
    correct = {p.name.removesuffix(".sync") for p in directory.glob("*.sync") if "_broken" not in p.name}
    if args.rescore:
        return correct
    for stem in args.rescore_model:
        if stem not in correct:
            known = ", ".join(sorted(correct))
            raise SpecError(Diagnostic("E607", f"--rescore-model {stem}: no correct model {stem}.sync in {directory} "
                                       "(broken variants are not scored)", None, f"the correct models: {known}"))
    return set(args.rescore_model)


def rescore(entries: list[Entry], directory: Path, chosen: set[str], jobs: int, say) -> None:
    """Mutation analysis of each chosen model that holds, written to DIR/mutation-scores.json (after
    each model, so an interrupted run keeps what it finished). A full rescore drops the entries of
    models that are gone."""
    scored = recorded.read(directory)
    if chosen == {e.stem for e in entries if not e.broken}:
        scored.models = {k: v for k, v in scored.models.items() if k in chosen}
    for e in entries:
        if e.stem not in chosen or e.verdict != Verdict.HOLDS.value:
            continue
        say(f"mutating {e.stem}")
        start = time.perf_counter()
        scored.models[e.stem] = recorded.analyse(directory / f"{e.stem}.sync", jobs)
        say(f"  {recorded.shown(scored.models[e.stem], directory / f'{e.stem}.sync')} "
            f"in {time.perf_counter() - start:.1f} s")
        write_file(str(directory / recorded.FILE), scored.to_json())


def run(args) -> int:
    directory = Path(args.dir)
    err = console(stderr=True)
    problem = _unusable(directory)
    if problem:
        err.print(f"error[E601]: {problem}", markup=False, highlight=False)
        return EXIT_BAD_INPUT
    if args.write:
        writable_file("--write", args.write)
    say = (lambda text: None) if args.quiet else (lambda text: err.print(text, markup=False, highlight=False))
    recorded.read(directory)   # a malformed scores file is refused before anything is checked
    chosen = rescored(directory, args)
    entries = collect(directory, lambda p: say(f"checking {p}"), args.timeout)
    if chosen is not None:
        rescore(entries, directory, chosen, args.jobs or cores(), say)
    text = render(entries, directory)
    if args.write:
        try:
            write_file(args.write, text)
        except OSError as exc:   # it could be written when checked before the models
            err.print(f"error[E606]: cannot write {args.write}: {exc.strerror or exc}", markup=False, highlight=False)
            return EXIT_BAD_INPUT
    else:
        sys.stdout.write(text)
    problems = surprises(entries)
    for p in problems:
        err.print(f"unexpected: {p}", markup=False, highlight=False)
    return EXIT_VIOLATED if problems else EXIT_HOLDS
