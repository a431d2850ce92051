"""One property checked for the "check" code lens, in a process of its own:
`python -m checker.lsp.worker PATH PROPERTY MAX_STATES TIMEOUT`, the model's text on stdin.

The explicit engine (`checker.engines.registry`) runs within the limits given; the verdict is
printed as one JSON object on stdout: `verdict` (holds, violated, inconclusive or error), the
number of states, a message, and for a violation the trace's steps, each with the span of the
declaration it executed (the `init`, or the action) so that the editor can point at it. The
server (`checker.lsp.lens`) reads it; it never waits on the engine itself, and can end the
process.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from spec import ast, files
from spec import values as V
from spec.diagnostics import SpecError

from checker.core.result import Verdict
from checker.engines import registry
from checker.engines.base import CheckRequest, ExplicitSection
from checker.lsp.analysis import analyze


def _read(path: Path) -> str | None:
    try:
        return files.read_text(path)
    except files.FileProblem:
        return None


def check(path: str, text: str, name: str, max_states: int, timeout: float) -> dict:
    a = analyze(path, text, _read)
    errors = [d for d in a.diagnostics if d.severity == "error"]
    if a.model is None or errors:
        return {"verdict": "error", "message": errors[0].render() if errors else "the model does not check"}
    request = CheckRequest(properties=(name,), deadlock=False, timeout=timeout,
                           explicit=ExplicitSection(max_states=max_states))
    result = registry.run(a.model, "explicit", request)
    prop = next((p for p in result.properties if p.name == name), None)
    verdict = prop.verdict if prop is not None else result.verdict
    out = {"verdict": verdict.value, "states": result.stats.distinct_states,
           "message": (prop.message if prop is not None else "") or result.reason or result.detail}
    if verdict is Verdict.VIOLATED and prop is not None and prop.trace is not None:
        out["steps"] = _steps(a, prop.trace)
    return out


def _steps(a, trace) -> list[dict]:
    """Each step of the trace: what it did, the values it changed, where it is declared (the
    action's name, or the main module's `init`)."""
    where = {s.name: s.span for s in a.globals.values() if s.kind == "action"}
    init = next((d.span for d in a.modules[0].decls if isinstance(d, ast.Init)), a.modules[0].span)
    out, before = [], {}
    for i, step in enumerate(trace.steps):
        changed = {k: v for k, v in step.state.items() if before.get(k, object()) != v}
        before = step.state
        params = ", ".join(f"{k}={V.show(v)}" for k, v in step.params.items())
        label = "init" if step.action is None else f"{step.action}({params})" if params else step.action
        span = where.get(step.action) if step.action is not None else init
        shown = ", ".join(f"{k} = {V.show(v)}" for k, v in changed.items())
        text = f"step {i}: {label}" + (f": {shown}" if shown else "")
        out.append({"text": text if len(text) <= 300 else text[:300] + "...", "span": _span(span)})
    return out


def _span(span) -> dict | None:
    if span is None:
        return None
    return {"source": span.source.name, "line": span.line, "col": span.col, "end_line": span.end_line,
            "end_col": span.end_col}


def main(argv: list[str]) -> int:
    path, name, max_states, timeout = argv[0], argv[1], int(argv[2]), float(argv[3])
    try:
        out = check(path, sys.stdin.read(), name, max_states, timeout)
    except SpecError as exc:   # the engine cannot check this model (E520: it cannot enumerate it, ...)
        out = {"verdict": "error", "message": exc.render()}
    except Exception as exc:  # noqa: BLE001 - reported to the editor, not a traceback on a pipe
        out = {"verdict": "error", "message": f"{type(exc).__name__}: {exc}"}
    sys.stdout.write(json.dumps(out) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
