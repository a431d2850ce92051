"""Console output: verdicts, statistics and trace tables, with rich.

Stdout carries the report; progress goes to stderr and only to a terminal.
Colour and the live progress display switch off by themselves when output
is not a terminal, so CI logs stay plain.
"""

from __future__ import annotations

import json
import sys

from rich.console import Console
from rich.table import Table
from rich.text import Text

from spec import values as V

from checker import __version__
from checker.core.deferred import Deferred
from checker.core.coverage import CoverageReport, untaken
from checker.core.kinds import Kind, Strength
from checker.core.result import GraphStats, Result, SearchStats, SimulationStats, Stats, Trace, Verdict
from checker.reports.steps import failing_step_text, in_transit, loop_text, step_label
from checker.traces.itf import to_itf, trace_document

# rich.progress, imported on first use: the commands show a bar only on a terminal, and importing it
# takes 40 ms of a small model's check
BarColumn = Deferred("rich.progress", "BarColumn")
MofNCompleteColumn = Deferred("rich.progress", "MofNCompleteColumn")
Progress = Deferred("rich.progress", "Progress")
TextColumn = Deferred("rich.progress", "TextColumn")
TimeElapsedColumn = Deferred("rich.progress", "TimeElapsedColumn")

STYLE = {Verdict.HOLDS: "bold green", Verdict.VIOLATED: "bold red", Verdict.INCONCLUSIVE: "bold yellow"}
KIND_NAMES = {Kind.INVARIANT: "invariant", Kind.DEADLOCK: "deadlock", Kind.RUNTIME: "run-time errors", Kind.STEP: "step"}
HOW = {Strength.EXHAUSTIVE: "exhaustive: every reachable state was checked",
       Strength.PROVED: "proved for every reachable state, at any depth",
       Strength.BOUNDED: "bounded: no violation up to the depth checked",
       Strength.SAMPLED: "sampled: no violation in the runs tried"}


LOG_WIDTH = 100_000   # off a terminal lines are never wrapped: a path or a command in a log must stay whole


def console(stderr: bool = False) -> Console:
    """stdout's (or stderr's) console: the terminal's width, or no wrapping in a file, pipe or CI log."""
    # markup off: model text (m[k], ...) must never be read as rich markup
    # emoji off too: ":X:" in "--impl mod:X: ..." or in model text must not become an emoji
    c = Console(stderr=stderr, highlight=False, soft_wrap=False, markup=False, emoji=False)
    if not c.is_terminal:
        c = Console(stderr=stderr, highlight=False, width=LOG_WIDTH, soft_wrap=False, markup=False, emoji=False)
    return c


def text_console(file) -> Console:
    """A console writing plain text (no colour) into `file`, without wrapping: for reports and messages."""
    return Console(file=file, width=LOG_WIDTH, color_system=None, highlight=False, markup=False, soft_wrap=False,
                   emoji=False)


def _fmt_int(n: int) -> str:
    return f"{n:,}"


def print_result(result: Result, out: Console, sources: dict | None = None) -> None:
    out.print(Text.assemble(("syncproof ", "bold"), f"{__version__} · {result.model} ({result.path}) · ",
                            f"{result.engine} engine"))
    if result.constants:
        out.print("constants: " + ", ".join(f"{k} = {V.show(v)}" for k, v in result.constants.items()))
    if result.symbolic_constants:
        out.print("symbolic constants (every value the assumptions allow): "
                  + ", ".join(f"{k}: {t}" for k, t in result.symbolic_constants.items()))
    for n in result.notes:
        out.print(Text(n, style="cyan"))
    for w in result.warnings:
        out.print(Text(w, style="yellow"))
    table = Table(show_header=True, header_style="bold", box=None, pad_edge=False, padding=(0, 2))
    table.add_column("property")
    table.add_column("kind")
    table.add_column("verdict")
    table.add_column("")
    for p in result.properties:
        note = p.message if p.verdict is not Verdict.HOLDS else ""
        verdict = Text(p.verdict.value, style=STYLE[p.verdict])
        if p.engine and p.engine != "explicit" and p.how:
            verdict.append(f" ({p.how}, {p.engine})", style="dim")
        table.add_row(Text(p.name), KIND_NAMES.get(p.kind, p.kind), verdict,
                      Text(note, style="dim") if p.verdict is Verdict.INCONCLUSIVE else Text(note))
    out.print(table)
    print_stats(result, out)
    if result.coverage is not None:
        print_coverage(result.coverage, out, result.path)
    for p in result.violated:
        if p.trace is not None:
            out.print()
            print_trace(p.trace, out, sources, p.trace_path)
            needs = {k: v for k, v in p.trace.constants.items() if k in result.symbolic_constants}
            if needs:
                out.print(Text("with the symbolic constants " + ", ".join(f"{k} = {V.show(v)}"
                                                                          for k, v in needs.items()), style="bold"))
    for p in result.properties:
        if p.cti is not None and p.verdict is Verdict.INCONCLUSIVE:
            out.print()
            print_cti(p.cti, out)
    out.print()
    verdict = result.verdict
    line = Text(verdict.value.upper(), style=STYLE[verdict])
    if verdict is Verdict.HOLDS:
        line.append(f" — {HOW.get(result.how, result.how)}")
        if result.detail:
            line.append(f" ({result.detail})")
    elif verdict is Verdict.VIOLATED:
        names = ", ".join(p.name for p in result.violated)
        line.append(f" — {names}")
    else:
        line.append(f" — {result.reason}")
    out.print(line)


def print_stats(result: Result, out: Console) -> None:
    s = result.stats
    if result.how == Strength.SAMPLED:
        print_sampling(result, out)
        return
    if s.solver:
        parts = [f"{k.replace('_', ' ')} {v}" for k, v in s.solver.items() if k != "invariant"]
        out.print(f"z3: {' · '.join(parts)} · {s.seconds:.2f} s")
        if s.solver.get("invariant"):
            text = " ".join(s.solver["invariant"].split())
            out.print(Text("inductive invariant (Spacer): " + (text if len(text) <= 240 else text[:240] + " ... "
                                                               "(all of it: --json, stats.solver.invariant)"),
                           style="dim"))
        if not s.distinct_states:
            return
    search = s.search or SearchStats()
    out.print(f"{_fmt_int(s.distinct_states)} distinct states · {_fmt_int(s.transitions)} transitions · "
              f"depth {s.depth} · {s.seconds:.2f} s ({_fmt_int(int(s.states_per_second))} states/s)")
    if search.fingerprint == "exact":
        fp = "exact (every state fits in 64 bits: no collision is possible)"
    else:
        fp = f"64-bit, collision probability {search.collision_probability:.1e} (optimistic estimate)"
    out.print(f"visited set: {search.bytes_per_state:.1f} bytes/state; fingerprints {fp}", style="dim")
    if s.graph and s.graph.states:
        out.print(f"temporal and determinism properties: state graph of {_fmt_int(s.graph.states)} states and "
                  f"{_fmt_int(s.graph.edges)} transitions (no symmetry reduction), {s.graph.seconds:.2f} s",
                  style="dim")
    extras = []
    if search.symmetry:
        extras.append(f"symmetry reduction over {', '.join(search.symmetry)}")
    if s.workers > 1 or search.cluster:
        where = f" on Ray, {search.machines} machine{'s' if search.machines != 1 else ''}" if search.cluster else ""
        extras.append(f"{s.workers} worker{'s' if s.workers != 1 else ''}{where}")
        if search.shipped_bytes and s.distinct_states:
            extras.append(f"{search.shipped_bytes / s.distinct_states:.1f} bytes/state sent between workers")
    if search.kernel.startswith("numpy"):
        extras.append("levels expanded with numpy" + search.kernel[len("numpy"):])
    elif search.kernel:
        extras.append("levels expanded by the generated Python (not numpy: " + search.kernel[len("python: "):] + ")")
    if extras:
        out.print(" · ".join(extras), style="dim")
    if s.actions:
        parts = [f"{name} {_fmt_int(c)}" for name, c in s.actions.items()]
        out.print("transitions per action: " + " · ".join(parts), style="dim")



def print_coverage(cov: CoverageReport, out: Console, path: str = "") -> None:
    """`check --coverage`: a table of the actions, one of the statements, and the summary line."""
    out.print()
    scope = f"partial: {cov.partial}" if cov.partial else "every reachable state"
    out.print(Text(f"coverage over {_fmt_int(cov.states)} state{'s' if cov.states != 1 else ''} ({scope}; no "
                   f"symmetry reduction), {cov.seconds:.2f} s", style="bold"))
    if cov.actions:
        t = Table(show_header=True, header_style="bold", box=None, pad_edge=False, padding=(0, 2))
        for name in ("action", "runs", "enabled", "transitions", "changed", "failed"):
            t.add_column(name, justify="left" if name == "action" else "right")
        for a in cov.actions:
            t.add_row(Text(a.name), *(_fmt_int(n) for n in (a.runs, a.enabled, a.transitions, a.changed, a.failed)),
                      style="yellow" if not a.enabled else None)
        out.print(t)
    t = Table(show_header=True, header_style="bold", box=None, pad_edge=False, padding=(0, 2))
    for name in ("line", "in", "statement", "reached", "branches", "changed"):
        t.add_column(name, justify="right" if name in ("reached", "changed") else "left")
    for s in cov.statements:
        line = str(s.line) if s.span is None or s.span.source.name == path else s.where.rsplit(":", 1)[0]
        branches = " · ".join(f"{b} {_fmt_int(n)}" for b, n in s.branches.items())
        missed = not s.reached or untaken(s)
        t.add_row(line, Text(s.block), Text(s.text), _fmt_int(s.reached), branches,
                  "" if s.changed is None else _fmt_int(s.changed), style="yellow" if missed else None)
    out.print(t)
    out.print(cov.summary())


def print_sampling(result: Result, out: Console) -> None:
    """Statistics of a simulation: runs, steps, speed, what shrinking cost, the seed."""
    s = result.stats
    sim = s.simulation or SimulationStats()
    out.print(f"{_fmt_int(sim.runs)} runs of up to {sim.max_steps} steps · {_fmt_int(sim.steps)} steps · "
              f"{_fmt_int(s.distinct_states)} distinct states · {sim.explore_seconds:.2f} s "
              f"({_fmt_int(int(sim.steps_per_second))} steps/s) · seed {s.seed}")
    if result.verdict is Verdict.VIOLATED:
        out.print(f"shrinking: {_fmt_int(sim.shrink_runs)} runs, {_fmt_int(sim.shrink_steps)} steps, "
                  f"{sim.shrink_seconds:.2f} s", style="dim")
    if s.actions:
        parts = [f"{name} {_fmt_int(c)}" for name, c in s.actions.items()]
        out.print("steps per action: " + " · ".join(parts), style="dim")


def _source_line(where: str | None, sources: dict | None):
    if not where or not sources:
        return None
    path, line, col = where.rsplit(":", 2)
    text = sources.get(path)
    if text is None:
        return None
    lines = text.splitlines()
    n = int(line)
    if not 0 < n <= len(lines):
        return None
    return n, int(col), lines[n - 1]


def print_trace(trace: Trace, out: Console, sources: dict | None = None, path: str | None = None) -> None:
    head = Text("counterexample", style="bold red")
    head.append(f" for {trace.property}: {trace.message}", style="bold")
    out.print(head)
    src = _source_line(trace.where, sources)
    if trace.where:
        out.print(f"  at {trace.where}")
    if src:
        n, col, text = src
        out.print(Text(f"  {n} | {text}", style="dim"))
        out.print(Text(f"  {' ' * len(str(n))} | {' ' * (col - 1)}^", style="red"))
    length = trace.length
    where = f", written to {path}" if path else ""
    out.print(f"trace: {length} step{'s' if length != 1 else ''}{where}")
    out.print(trace_table(trace))
    if trace.explanation:
        out.print(Text(f"in the last state, {trace.property} is false because:", style="bold"))
        for line in trace.explanation:
            out.print(Text(f"  {line}"), markup=False)
    if trace.loop is not None:
        out.print(Text(loop_text(trace), style="red"))
    for label, steps in trace.branches:
        out.print(Text(f"from state {len(trace.steps) - 1}, {label}:", style="bold"))
        branch = Trace(trace.model, trace.property, trace.kind, [trace.steps[-1]] + steps)
        out.print(trace_table(branch, start=len(trace.steps) - 1))
    if trace.error_step is not None:
        out.print(Text(failing_step_text(trace), style="red"))
    if trace.kind == Kind.DEADLOCK:
        out.print(Text("no action is enabled in the last state", style="red"))


def print_cti(trace: Trace, out: Console) -> None:
    """A counterexample to induction: not a behaviour, but what a proof is missing."""
    head = Text("counterexample to induction", style="bold yellow")
    head.append(f" for {trace.property}: {trace.message}", style="bold")
    out.print(head)
    if trace.where:
        out.print(f"  at {trace.where}")
    out.print("the first state need not be reachable: an invariant that is false there (and true in every "
              "reachable state) would complete the proof")
    out.print(trace_table(trace))
    if trace.explanation:
        out.print(Text(f"in the last state, {trace.property} is false because:", style="bold"))
        for line in trace.explanation:
            out.print(Text(f"  {line}"))
    if trace.error_step is not None:
        out.print(Text(f"then {step_label(trace.error_step)} fails", style="yellow"))


def trace_table(trace: Trace, start: int = 0) -> Table:
    table = Table(show_header=True, header_style="bold", show_lines=False)
    table.add_column("#", justify="right")
    table.add_column("action")
    names = list(trace.steps[0].state) if trace.steps else []
    for n in names:
        table.add_column(n, overflow="fold")
    prev = None
    for i, step in enumerate(trace.steps):
        cells = []
        for n in names:
            if n not in step.state:
                cells.append(Text(""))
                continue
            v = in_transit(step.state[n])
            if prev is None or n not in prev:
                cells.append(Text(V.show(v)))
            else:
                cells.append(diff_text(in_transit(prev[n]), v))
        mark = str(i + start)
        if trace.loop is not None and i == trace.loop:
            mark += " ⟳"
        table.add_row(mark, Text(step_label(step)), *cells)
        prev = step.state if step.state else prev
    return table


def diff_text(old, new) -> Text:
    """The new value, with what changed since old highlighted."""
    changed = "bold yellow"
    if old == new:
        return Text(V.show(new), style="dim")
    if isinstance(new, V.MapVal) and isinstance(old, V.MapVal):
        t = Text("{")
        olds = dict(old.items)
        for i, (k, v) in enumerate(new.items):
            if i:
                t.append(", ")
            t.append(f"{V.show(k)}: ")
            t.append(V.show(v), style=changed if olds.get(k) != v else "dim")
        t.append("}")
        return t
    if isinstance(new, V.Rec) and isinstance(old, V.Rec):
        t = Text("{")
        olds = dict(old.fields)
        for i, (k, v) in enumerate(new.fields):
            if i:
                t.append(", ")
            t.append(f"{k}: ")
            t.append(V.show(v), style=changed if olds.get(k) != v else "dim")
        t.append("}")
        return t
    if isinstance(new, frozenset) and isinstance(old, frozenset):
        t = Text("{")
        for i, v in enumerate(new):
            if i:
                t.append(", ")
            t.append(V.show(v), style="bold green" if v not in old else "dim")
        removed = [v for v in old if v not in new]
        t.append("}")
        if removed:
            t.append("  −" + ", ".join(V.show(v) for v in removed), style="bold red")
        return t
    return Text(V.show(new), style=changed)


# ---- JSON ------------------------------------------------------------------------------

SCHEMA = "syncproof.result/1"


def result_json(result: Result) -> dict:
    s = result.stats
    search, graph = s.search or SearchStats(), s.graph or GraphStats()
    first = result.violated[0] if result.violated else None
    return {
        "schema": SCHEMA,
        "model": result.model,
        "path": result.path,
        "engine": result.engine,
        "verdict": result.verdict.value,
        "how": result.how,
        "property": first.name if first else None,
        "reason": result.reason,
        "trace": first.trace_path if first else None,
        "stats": {
            "distinct_states": s.distinct_states,
            "transitions": s.transitions,
            "depth": s.depth,
            "seconds": round(s.seconds, 6),
            "states_per_second": round(s.states_per_second, 1),
            "visited_bytes": search.visited_bytes,
            "bytes_per_state": round(search.bytes_per_state, 3),
            "trace_store_bytes": search.trace_bytes,
            "fingerprint": search.fingerprint,
            "collision_probability": search.collision_probability,
            "workers": s.workers,
            "cluster": search.cluster or None,
            "machines": search.machines,
            "bytes_shipped_per_state": round(search.shipped_bytes / s.distinct_states, 3) if s.distinct_states else 0.0,
            "symmetry": search.symmetry,
            "kernel": search.kernel or None,
            "actions": s.actions,
            "graph_states": graph.states,
            "graph_transitions": graph.edges,
            "graph_seconds": round(graph.seconds, 6),
            "solver": s.solver or {},
        },
        "properties": [
            {"name": p.name, "kind": p.kind, "verdict": p.verdict.value, "message": p.message, "where": p.where,
             "trace": p.trace_path, "trace_length": p.trace.length if p.trace else None,
             "loop": p.trace.loop if p.trace else None,
             "how": p.how or None, "engine": p.engine or None,
             **({"counterexample_to_induction": _cti_json(p.cti)} if p.cti is not None else {})}
            for p in result.properties
        ],
        "constants": {k: to_itf(v) for k, v in result.constants.items()},
        "warnings": result.warnings,
        "detail": result.detail,
        "symbolic_constants": result.symbolic_constants,
        "notes": result.notes,
        **({"simulation": _sampling_json(s)} if result.how == Strength.SAMPLED else {}),
        **({"coverage": coverage_json(result.coverage)} if result.coverage is not None else {}),
    }


def coverage_json(cov: CoverageReport) -> dict:
    """`check --coverage` in the result: the counts of `checker.core.coverage`, and its warnings."""
    return {
        "states": cov.states,
        "depth": cov.depth,
        "complete": cov.complete,
        "partial": cov.partial or None,
        "seconds": round(cov.seconds, 6),
        "summary": cov.totals(),
        "actions": [{"name": a.name, "where": a.where, "runs": a.runs, "enabled": a.enabled,
                     "transitions": a.transitions, "changed": a.changed, "failed": a.failed} for a in cov.actions],
        "statements": [{"where": s.where, "block": s.block, "kind": s.kind, "text": s.text, "reached": s.reached,
                        "branches": dict(s.branches), "changed": s.changed} for s in cov.statements],
        "warnings": [{"code": d.code, "message": d.message, "where": d.span.where if d.span else None,
                      "help": d.help} for d in cov.warnings],
    }


def _sampling_json(s: Stats) -> dict:
    sim = s.simulation or SimulationStats()
    return {"runs": sim.runs, "steps": sim.steps, "max_steps": sim.max_steps, "seed": s.seed,
            "seconds": round(sim.explore_seconds, 6), "steps_per_second": round(sim.steps_per_second, 1),
            "shrink_runs": sim.shrink_runs, "shrink_steps": sim.shrink_steps,
            "shrink_seconds": round(sim.shrink_seconds, 6)}


def _cti_json(trace: Trace) -> dict:
    doc = trace_document(trace, "", "counterexample-to-induction")
    return {"message": trace.message, "states": doc["states"], "constants": doc["#meta"]["constants"]}


def print_json(data: dict) -> None:
    sys.stdout.write(json.dumps(data, indent=2) + "\n")
