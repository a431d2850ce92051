"""A trace as rows of cells with what changed marked: what Markdown and HTML tables show.

`diff_tokens(old, new)` splits the new value into pieces tagged `same`,
`changed`, `added` (a new set or sequence element) or `removed` (one that is
gone, shown after the value), recursing into maps, records, options and
sequences, so that a map of twenty entries with one changed entry marks one
entry; a row is labelled with `checker.reports.steps.step_label`. `trace_text`
is the console's rendering of a trace, as plain text (for JUnit and pytest).
`report_path` and `report_where` show files relative to the project
(`project_root`), as the reports print them.
"""

from __future__ import annotations

import io
import os
from dataclasses import dataclass
from pathlib import Path

from spec import values as V

from checker.core.result import Trace, TraceStep
from checker.reports.console import print_trace, text_console
from checker.reports.steps import in_transit, step_label

SAME, CHANGED, ADDED, REMOVED, PLAIN = "same", "changed", "added", "removed", "plain"


def diff_tokens(old, new) -> list[tuple[str, str]]:
    """new as [(text, kind)], kind marking what changed since old (old None: nothing to compare)."""
    if old is None:
        return [(V.show(new), PLAIN)]
    if old == new:
        return [(V.show(new), SAME)]
    if isinstance(new, V.MapVal) and isinstance(old, V.MapVal):
        olds, news = dict(old.items), dict(new.items)
        out = _joined([[(f"{V.show(k)}: ", SAME)] + (diff_tokens(olds[k], v) if k in olds
                                                     else [(V.show(v), ADDED)]) for k, v in new.items], "{", "}")
        gone = [f"{V.show(k)}: {V.show(v)}" for k, v in old.items if k not in news]
        if gone:
            out.append(("  −" + ", ".join(gone), REMOVED))
        return out
    if isinstance(new, V.Rec) and isinstance(old, V.Rec) and [n for n, _ in old.fields] == [n for n, _ in new.fields]:
        olds = dict(old.fields)
        return _joined([[(f"{k}: ", SAME)] + diff_tokens(olds[k], v) for k, v in new.fields], "{", "}")
    if isinstance(new, V.Some) and isinstance(old, V.Some):
        return [("some(", SAME)] + diff_tokens(old.value, new.value) + [(")", SAME)]
    if isinstance(new, V.Variant) and isinstance(old, V.Variant) and new.tag == old.tag and new.fields:
        olds = dict(old.fields)
        return _joined([diff_tokens(olds.get(k), v) if k in olds else [(V.show(v), CHANGED)]
                        for k, v in new.fields], f"{new.tag}(", ")")
    if isinstance(new, (frozenset, set)) and isinstance(old, (frozenset, set)):
        parts = [[(V.show(v), SAME if v in old else ADDED)] for v in new]
        out = _joined(parts, "{", "}")
        gone = [v for v in old if v not in new]
        if gone:
            out.append(("  −" + ", ".join(V.show(v) for v in gone), REMOVED))
        return out
    if isinstance(new, V.SeqVal) and isinstance(old, V.SeqVal):
        return _seq(old, new)
    return [(V.show(new), CHANGED)]


def _seq(old, new) -> list[tuple[str, str]]:
    # a queue: elements leave at the head and join at the tail; show it that way when it fits
    for k in range(len(old) + 1):
        rest = tuple(old[k:])
        if tuple(new[:len(rest)]) == rest:
            parts = [[(V.show(v), SAME)] for v in rest] + [[(V.show(v), ADDED)] for v in new[len(rest):]]
            out = _joined(parts, "[", "]")
            if k:
                out.append(("  −" + ", ".join(V.show(v) for v in old[:k]), REMOVED))
            return out
    parts = [diff_tokens(old[i], v) if i < len(old) else [(V.show(v), ADDED)] for i, v in enumerate(new)]
    return _joined(parts, "[", "]")


def _joined(parts: list[list], open_: str, close: str) -> list[tuple[str, str]]:
    out = [(open_, SAME)]
    for i, p in enumerate(parts):
        if i:
            out.append((", ", SAME))
        out.extend(p)
    out.append((close, SAME))
    return _merge(out)


def _merge(tokens: list[tuple[str, str]]) -> list[tuple[str, str]]:
    out: list[tuple[str, str]] = []
    for text, kind in tokens:
        if out and out[-1][1] == kind:
            out[-1] = (out[-1][0] + text, kind)
        else:
            out.append((text, kind))
    return out


@dataclass
class Row:
    index: int                         # the state's number in the trace
    label: str                         # how the state was reached
    cells: dict                        # variable -> [(text, kind)]
    changed: set                       # variables whose value changed in this step
    loop_start: bool = False           # the lasso returns to this state


def trace_rows(trace: Trace, start: int = 0, steps: list[TraceStep] | None = None) -> list[Row]:
    steps = trace.steps if steps is None else steps
    names = variables(trace)
    rows, prev = [], None
    for i, step in enumerate(steps):
        cells, changed = {}, set()
        for n in names:
            if n not in step.state:
                cells[n] = []
                continue
            old = in_transit(prev[n]) if prev is not None and n in prev else None
            cells[n] = diff_tokens(old, in_transit(step.state[n]))
            if prev is not None and n in prev and prev[n] != step.state[n]:
                changed.add(n)
        rows.append(Row(i + start, step_label(step), cells, changed, trace.loop is not None and i == trace.loop
                        and steps is trace.steps))
        prev = step.state if step.state else prev
    return rows


def variables(trace: Trace) -> list[str]:
    return list(trace.steps[0].state) if trace.steps else []


def trace_text(trace: Trace, sources: dict | None = None, path: str | None = None) -> str:
    """The trace exactly as `syncproof check` prints it in a log: without colour or wrapping."""
    buf = io.StringIO()
    print_trace(trace, text_console(buf), sources, path)
    return "\n".join(line.rstrip() for line in buf.getvalue().splitlines()).strip("\n") + "\n"


# ---- paths as reports show them ---------------------------------------------------------------

def project_root(run) -> Path:
    """What report paths are relative to: for `ci`, the directory of the configuration it read (the
    pyproject.toml with [tool.syncproof], or syncproof.toml); otherwise the current directory."""
    if run.command == "ci" and run.config:
        return Path(os.path.abspath(run.config)).parent  # run.config is as ci showed it, from this directory
    return Path.cwd()


def report_path(path: str | None, root: Path) -> str | None:
    """An existing file's path relative to root (with '/'), or absolute when it is outside root; a
    name that is no file (`<model>`) as it is."""
    if not path or not os.path.exists(path):
        return path
    full = Path(os.path.abspath(path))
    for a, b in ((full, Path(os.path.abspath(root))), (full.resolve(), Path(root).resolve())):
        try:
            return a.relative_to(b).as_posix()
        except ValueError:
            continue
    return str(full)


def report_where(where: str | None, root: Path) -> str | None:
    """`file:line:col` with the file as `report_path` shows it."""
    if not where:
        return where
    try:
        path, line, col = where.rsplit(":", 2)
        int(line), int(col)
    except ValueError:
        return where
    return f"{report_path(path, root)}:{line}:{col}"
