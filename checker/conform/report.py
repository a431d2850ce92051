"""Reports of conformance and determinism checks: console, JSON and ITF.

A mismatch is shown as the failing step, a table of the variables that
differ (expected by the model, observed in the implementation), and the
model's trace up to that step, written as ITF so that `syncproof conform
--replay` turns it into a regression test. Steps the implementation refused,
as the model does, are written as stutter steps that keep the refused action
in `#meta.refused`; the step the model does not allow at the end is the
trace's `#meta.failing-step`.
"""

from __future__ import annotations

import json
from pathlib import Path

from rich.console import Console
from rich.table import Table
from rich.text import Text

from spec import values as V

from checker import __version__
from checker.conform.result import REFUSED_PREFIX, TITLES, ConformResult, Mismatch
from checker.reports.console import diff_text, print_trace, trace_table
from checker.core.kinds import Kind
from checker.reports.formats import write_file
from checker.traces.itf import to_itf, trace_document

SCHEMA = "syncproof.conform/1"


def _itf(value):
    try:
        return to_itf(value)
    except TypeError:  # a value no model type has (2.5 where the model counts in integers)
        return {"#unserializable": repr(value)}


def _show(value) -> str:
    return V.show(value)


def _step_text(m: Mismatch) -> str:
    if m.action is None:
        return "the initial state" if m.step == 0 else "the end of the run"
    params = ", ".join(f"{k}={_show(v)}" for k, v in m.params.items())
    return f"step {m.step}, {m.action}({params})" if params else f"step {m.step}, {m.action}"


# ---- console ------------------------------------------------------------------------------------

def print_conform(r: ConformResult, out: Console, command: str | None = None) -> None:
    head = "replay against" if r.mode == "replay" else "conformance of"
    out.print(Text.assemble(("syncproof ", "bold"), f"{__version__} · {head} {r.adapter} · model {r.model} "
                            f"({r.path})"))
    if r.constants:
        out.print("constants: " + ", ".join(f"{k} = {_show(v)}" for k, v in r.constants.items()))
    if r.observed:
        out.print(f"observed: {', '.join(r.observed)}", style="dim")
    for w in r.warnings:
        out.print(Text(w, style="yellow"))
    _print_stats(r, out)
    m = r.mismatch
    if m is not None:
        out.print()
        print_mismatch(m, out, r.trace_path)
    out.print()
    if m is None:
        line = Text("CONFORMS", style="bold green")
        if r.mode == "replay":
            line.append(f" — the implementation follows the model through the trace's {r.steps} steps")
        else:
            line.append(f" — sampled: {r.runs:,} runs, {r.steps:,} steps; no mismatch found is not a proof: "
                        "only the sampled runs were compared")
    else:
        line = Text("MISMATCH", style="bold red")
        line.append(f" — {TITLES[m.kind]} at {_step_text(m)}")
    out.print(line)
    if command:
        out.print(command, style="dim")


def _print_stats(r: ConformResult, out: Console) -> None:
    if r.mode == "replay":
        out.print(f"replayed {r.steps} step(s) · {r.seconds:.2f} s")
        return
    out.print(f"{r.runs:,} runs of up to {r.max_steps} steps · {r.steps:,} steps ({r.probes:,} the model does not "
              f"allow, {r.refusals:,} refused) · {r.model_states:,} model states · {r.seconds:.2f} s "
              f"({r.steps_per_second:,.0f} steps/s) · seed {r.seed}")
    if r.mismatch is not None:
        out.print(f"shrinking: {r.shrink_runs:,} runs, {r.shrink_seconds:.2f} s", style="dim")
    if r.actions:
        out.print("steps per action: " + " · ".join(f"{n} {c:,}" for n, c in r.actions.items()), style="dim")


def print_mismatch(m: Mismatch, out: Console, path: str | None = None) -> None:
    head = Text("mismatch", style="bold red")
    head.append(f" at {_step_text(m)}: {TITLES[m.kind]}", style="bold")
    out.print(head)
    out.print(Text(f"  {m.message}"))
    if m.diffs:
        table = Table(show_header=True, header_style="bold", box=None, pad_edge=False, padding=(0, 2))
        table.add_column("where")
        table.add_column("expected (model)")
        table.add_column("observed (implementation)")
        for name, expected, observed in m.diffs:
            table.add_row(name, Text(_show(expected)), diff_text(expected, observed))
        out.print(table)
        if len(m.expected) > 1:
            out.print(Text(f"  the model allows {len(m.expected)} states here; the closest is shown", style="dim"))
    elif m.observed is not None and m.kind == "state":
        out.print(Text("  observed: " + ", ".join(f"{k} = {_show(v)}" for k, v in m.observed.items())))
    if m.trace is not None and m.trace.steps:
        print_trace(m.trace, out, None, path)


# ---- JSON -----------------------------------------------------------------------------------------

def conform_json(r: ConformResult) -> dict:
    m = r.mismatch
    return {
        "schema": SCHEMA,
        "mode": r.mode,
        "model": r.model,
        "path": r.path,
        "adapter": r.adapter,
        "verdict": "conforms" if m is None else "mismatch",
        "runs": r.runs,
        "steps": r.steps,
        "max_steps": r.max_steps,
        "probes": r.probes,
        "refusals": r.refusals,
        "model_states": r.model_states,
        "seconds": round(r.seconds, 6),
        "steps_per_second": round(r.steps_per_second, 1),
        "shrink_runs": r.shrink_runs,
        "shrink_seconds": round(r.shrink_seconds, 6),
        "seed": r.seed,
        "observed": r.observed,
        "actions": r.actions,
        "constants": {k: _itf(v) for k, v in r.constants.items()},
        "warnings": r.warnings,
        "trace": r.trace_path,
        "mismatch": None if m is None else mismatch_json(m),
    }


def mismatch_json(m: Mismatch) -> dict:
    return {
        "kind": m.kind,
        "title": TITLES[m.kind],
        "step": m.step,
        "action": m.action,
        "parameters": {k: _itf(v) for k, v in m.params.items()},
        "message": m.message,
        "expected": [{k: _itf(v) for k, v in e.items()} for e in m.expected[:5]],
        "observed": None if m.observed is None else {k: _itf(v) for k, v in m.observed.items()},
        "diffs": [{"where": n, "expected": _itf(e), "observed": _itf(o)} for n, e, o in m.diffs],
        "trace_length": m.trace.length if m.trace is not None else None,
    }


# ---- ITF ------------------------------------------------------------------------------------------

def mismatch_document(m: Mismatch, source: str, adapter: str) -> dict:
    doc = trace_document(m.trace, source, verdict="mismatch")
    for i in m.refused_steps:
        meta = doc["states"][i]["#meta"]
        meta["refused"] = {"action": meta["action"].removeprefix(REFUSED_PREFIX),
                           "parameters": meta.pop("parameters", {})}
        meta["action"] = "(stutter)"
    doc["#meta"]["adapter"] = adapter
    doc["#meta"]["mismatch"] = mismatch_json(m)
    return doc


def write_document(doc: dict, directory: str | Path, name: str) -> str:
    """Writes an ITF document atomically as DIR/NAME; returns the path."""
    path = Path(directory) / name
    write_file(path, json.dumps(doc, indent=2) + "\n")
    return str(path)


def trace_file_name(model_path: str, adapter: str, what: str) -> str:
    stem = Path(model_path).name.removesuffix(".sync")
    cls = adapter.rsplit(":", 1)[-1].rsplit(".", 1)[-1]
    safe = "".join(c if c.isalnum() or c in "-_" else "_" for c in cls)
    return f"{stem}.{safe}.{what}.itf.json"


def write_mismatch(r: ConformResult, directory: str | Path, source: str) -> str | None:
    m = r.mismatch
    if m is None or m.trace is None or not m.trace.steps:
        return None
    r.trace_path = write_document(mismatch_document(m, source, r.adapter), directory,
                                  trace_file_name(r.path, r.adapter, "conformance"))
    return r.trace_path


# ---- determinism ----------------------------------------------------------------------------------

def print_determinism(r, out: Console, command: str | None = None) -> None:
    out.print(Text.assemble(("syncproof ", "bold"), f"{__version__} · determinism of {r.adapter} · model {r.model} "
                            f"({r.path})"))
    for w in r.warnings:
        out.print(Text(w, style="yellow"))
    rounds = len(r.hash_seeds) // max(1, r.processes)
    out.print(f"{r.runs:,} sequences of up to {r.max_steps} steps ({r.steps:,} steps), each run in {r.processes} "
              f"processes with other hash seeds · {len(r.hash_seeds)} hash seeds in {rounds} set(s) of processes · "
              f"{r.seconds:.2f} s · seed {r.seed}")
    d = r.divergence
    if d is not None:
        out.print()
        print_divergence(d, out, r.trace_path)
    out.print()
    if d is None:
        line = Text("DETERMINISTIC", style="bold green")
        line.append(" — every process observed the same after every step; sampled: other sequences or hash "
                    "seeds may still diverge")
    else:
        line = Text("NOT DETERMINISTIC", style="bold red")
        step = "right after setup" if d.step == 0 else f"at step {d.step}"
        line.append(f" — {step}" + (f", {_call_text(d.action, d.params)}" if d.action else ""))
    out.print(line)
    if command:
        out.print(command, style="dim")


def _call_text(action, params) -> str:
    inner = ", ".join(f"{k}={_show(v)}" for k, v in params.items())
    return f"{action}({inner})" if inner else action


def print_divergence(d, out: Console, path: str | None = None) -> None:
    head = Text("divergence", style="bold red")
    where = "right after setup" if d.step == 0 else f"at step {d.step}, {_call_text(d.action, d.params)}"
    head.append(f" {where}", style="bold")
    out.print(head)
    out.print(Text(f"  {d.message}"))
    if d.diffs:
        table = Table(show_header=True, header_style="bold", box=None, pad_edge=False, padding=(0, 2))
        table.add_column("where")
        for label, *_ in d.outcomes:
            table.add_column(label)
        for name, values in d.diffs:
            first = values[0]
            table.add_row(name, *[Text(_show(v)) if j == 0 else diff_text(first, v) for j, v in enumerate(values)])
        out.print(table)
    if d.trace is not None:
        steps = d.trace.length
        out.print(f"the steps up to the divergence, with the model's states ({steps} step{'s' if steps != 1 else ''}"
                  + (f", written to {path}" if path else "") + "):")
        out.print(trace_table(d.trace))


def determinism_json(r) -> dict:
    d = r.divergence
    return {
        "schema": "syncproof.determinism/1",
        "model": r.model,
        "path": r.path,
        "adapter": r.adapter,
        "verdict": "deterministic" if d is None else "divergent",
        "runs": r.runs,
        "steps": r.steps,
        "max_steps": r.max_steps,
        "processes": r.processes,
        "hash_seeds": r.hash_seeds,
        "seconds": round(r.seconds, 6),
        "seed": r.seed,
        "warnings": r.warnings,
        "trace": r.trace_path,
        "divergence": None if d is None else {
            "step": d.step, "action": d.action, "parameters": {k: _itf(v) for k, v in d.params.items()},
            "kind": d.kind, "message": d.message,
            "outcomes": [{"process": label, "status": st, "detail": detail,
                          "observation": None if obs is None else {k: _itf(v) for k, v in obs.items()}}
                         for label, st, detail, obs in d.outcomes],
            "diffs": [{"where": n, "values": [_itf(v) for v in values]} for n, values in d.diffs],
            "trace_length": d.trace.length if d.trace is not None else None,
        },
    }


def write_divergence(r, directory: str | Path, source: str) -> str | None:
    d = r.divergence
    if d is None or d.trace is None:
        return None
    doc = trace_document(d.trace, source, verdict="divergent")
    for i in d.refused_steps:
        meta = doc["states"][i]["#meta"]
        meta["refused"] = {"action": meta["action"].removeprefix(REFUSED_PREFIX),
                           "parameters": meta.pop("parameters", {})}
        meta["action"] = "(stutter)"
    doc["#meta"]["adapter"] = r.adapter
    doc["#meta"]["divergence"] = determinism_json(r)["divergence"]
    doc["#meta"]["hash_seeds"] = list(d.hash_seeds)
    r.trace_path = write_document(doc, directory, trace_file_name(r.path, r.adapter, Kind.DETERMINISM))
    return r.trace_path
