"""Markdown for a pull-request comment: a summary table, then each counterexample.

GitHub-flavoured: a table per trace with changed values in bold (added set
and queue elements bold, removed ones struck through after the value), the
source line of the violated property, and a Mermaid sequence diagram for
traces in which messages pass (GitHub draws ```mermaid blocks). Traces
expected by the configuration are folded away in <details>. GitHub caps a
comment at 65,536 characters: long traces keep their first and last steps,
and past the cap diagrams, then whole traces, are left out, saying so.
"""

from __future__ import annotations

import re

from checker import __version__
from checker.core.kinds import Kind
from checker.core.result import Verdict
from checker.project.runs import Entry, Run
from checker.reports.formats.common import KIND_TITLES, constants_text, outcome_line, parse_where, property_where, states_text, stats_line, tally
from checker.reports.formats.sequence import mermaid, sequence
from checker.reports.formats.tracerows import ADDED, CHANGED, REMOVED, project_root, report_path, report_where, trace_rows, variables
from checker.reports.steps import failing_step_text, loop_text

LIMIT = 60_000          # below GitHub's 65,536 for a comment, with room for what CI adds
HEAD_ROWS, TAIL_ROWS = 10, 30
ICON = {True: "✅", False: "❌"}
# what GitHub would read as markup in a table cell; '_' only at the edge of a word (rm_state is fine)
_MD_SPECIAL = re.compile(r"([\\`*\[\]<>|~]|(?<![A-Za-z0-9])_|_(?![A-Za-z0-9]))")


def esc(text: str) -> str:
    """Text shown as is in a Markdown table cell."""
    return _MD_SPECIAL.sub(r"\\\1", text).replace("\n", " ")


def render_markdown(run: Run) -> str:
    for diagrams, traces in ((True, True), (False, True), (False, False)):
        text = _document(run, diagrams, traces)
        if len(text) <= LIMIT:
            return text
    return text[:LIMIT] + "\n\n… (cut: the report is longer than a comment can be)\n"


def _document(run: Run, diagrams: bool, traces: bool) -> str:
    out = [_heading(run), ""]
    out += _summary(run)
    root = project_root(run)
    for entry in run.entries:
        out += _entry(entry, diagrams, traces, root)
    if not diagrams:
        out.append("_Sequence diagrams are left out to fit in a comment; the HTML report has them._")
    if not traces:
        out.append("_Counterexample tables are left out to fit in a comment; see the HTML report or the ITF "
                   "trace files._")
    out.append("")
    out.append(f"<sub>syncproof {__version__} · exit code {run.exit_code} · {run.seconds:.1f} s</sub>")
    return "\n".join(out) + "\n"


def _heading(run: Run) -> str:
    c = run.counts()
    if len(run.entries) == 1:
        e = run.entries[0]
        return f"## {ICON[e.passed]} syncproof: {e.name} — {e.status()}"
    if run.passed:
        return f"## {ICON[True]} syncproof: all {c['checks']} checks passed"
    return f"## {ICON[False]} syncproof: {c['failed']} of {c['checks']} checks failed"


def _summary(run: Run) -> list[str]:
    out = ["| | check | engine | verdict | properties | states | time |", "|---|---|---|---|---|---|---|"]
    for e in run.entries:
        states = states_text(e)
        out.append(f"| {ICON[e.passed]} | {esc(e.name)} | {e.engine} | {esc(e.status())} | {esc(tally(e))} | "
                   f"{states} | {e.seconds:.2f} s |")
    return out + [""]


def _entry(entry: Entry, diagrams: bool, traces: bool, root) -> list[str]:
    out: list[str] = []
    r = entry.result
    interesting = entry.errors or entry.crash or (r is not None and (r.violated or not entry.passed))
    if not interesting:
        return out
    out.append(f"### {ICON[entry.passed]} {esc(entry.name)}: {esc(outcome_line(entry))}")
    out.append("")
    facts = [f"`{report_path(entry.path, root)}`", f"{entry.engine} engine"]
    if constants_text(entry):
        facts.append(f"constants {esc(constants_text(entry))}")
    if stats_line(entry):
        facts.append(stats_line(entry))
    out.append(" · ".join(facts))
    out.append("")
    for d in entry.errors:
        out += ["```", d.render(), "```", ""]
    if entry.crash:
        out += ["```", f"internal error: {entry.crash}", "```", ""]
    if r is None:
        return out
    for p in r.properties:
        if p.verdict is Verdict.INCONCLUSIVE and not entry.passed and r.verdict is Verdict.INCONCLUSIVE:
            out.append(f"- **{esc(p.name)}** ({KIND_TITLES.get(p.kind, p.kind)}): not decided — {esc(p.message)}")
    if r.verdict is Verdict.INCONCLUSIVE:
        out.append("")
    for p in r.violated:
        out += _violation(entry, p, diagrams, traces, root)
    return out


def _violation(entry: Entry, p, diagrams: bool, traces: bool, root) -> list[str]:
    expected = entry.property_expected(p)
    where = property_where(entry, p)
    trace = f" — trace `{report_path(p.trace_path, root)}`" if p.trace_path else ""
    out = [f"#### {'Expected violation' if expected else 'Counterexample'}: {esc(p.name)} "
           f"({KIND_TITLES.get(p.kind, p.kind)})", "",
           f"{esc(p.message)} — at `{report_where(where, root)}`{trace}", ""]
    src = _source(entry, where)
    if src:
        out += ["```", src, "```", ""]
    t = p.trace
    if t is None or not traces:
        return out
    open_ = "" if expected else " open"
    out += [f"<details{open_}><summary>{t.length} step{'s' if t.length != 1 else ''}"
            f"{' (expected)' if expected else ''}</summary>", ""]
    out += _table(t)
    out.append("")
    for line in filter(None, [loop_text(t), failing_step_text(t)]):
        out.append(f"**{esc(line)}**")
        out.append("")
    if t.kind == Kind.DEADLOCK:
        out += ["**no action is enabled in the last state**", ""]
    if t.explanation:
        out.append(f"In the last state, {esc(t.property)} is false because:")
        out += [f"- {esc(line)}" for line in t.explanation]
        out.append("")
    if diagrams:
        d = sequence(t, entry.model)
        if d is not None:
            out += ["```mermaid", mermaid(d).rstrip("\n"), "```", ""]
    out += ["</details>", ""]
    return out


def _source(entry: Entry, where: str) -> str | None:
    parsed = parse_where(where)
    if parsed is None:
        return None
    path, line, col = parsed
    text = entry.sources.get(path)
    if text is None:
        return None
    lines = text.splitlines()
    if not 0 < line <= len(lines):
        return None
    return f"{line} | {lines[line - 1]}\n{' ' * len(str(line))} | {' ' * (col - 1)}^"


def _cell(tokens) -> str:
    out = []
    for text, kind in tokens:
        t = esc(text)
        if kind in (CHANGED, ADDED) and text.strip(" ,"):
            out.append(f"**{t}**")
        elif kind == REMOVED:
            out.append(f" ~~{esc(text.strip().lstrip('−'))}~~")
        else:
            out.append(t)
    return "".join(out)


def _table(t) -> list[str]:
    names = variables(t)
    rows = trace_rows(t)
    out = ["| # | action | " + " | ".join(esc(n) for n in names) + " |",
           "|---:|---|" + "---|" * len(names)]
    shown = rows
    if len(rows) > HEAD_ROWS + TAIL_ROWS + 1:
        shown = rows[:HEAD_ROWS] + [None] + rows[-TAIL_ROWS:]
    for row in shown:
        if row is None:
            out.append(f"| … | {len(rows) - HEAD_ROWS - TAIL_ROWS} steps left out | " + " | ".join("" for _ in names)
                       + " |")
            continue
        mark = f"{row.index} ⟳" if row.loop_start else str(row.index)
        out.append(f"| {mark} | {esc(row.label)} | " + " | ".join(_cell(row.cells[n]) for n in names) + " |")
    return out
