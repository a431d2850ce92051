"""Traces as ITF: the Informal Trace Format that Apalache and Quint write.

    {"#meta": {...}, "vars": [...], "states": [{"#meta": {...}, "x": ...}, ...], "loop": k}

Values: booleans and strings as JSON, integers as {"#bigint": "42"}, sets as
{"#set": [...]}, maps as {"#map": [[k, v], ...]}, tuples as {"#tup": [...]},
records as objects, sequences as arrays, variants (and options) as
{"tag": "Name", "value": ...}. Enum members and model values are strings.

The top-level `#meta` records the model, source file, property, verdict,
engine and constants; each state's `#meta` its index and the action,
parameters and choices that led to it.
"""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path

from spec import values as V
from spec.types import (BoolType, EnumType, IntType, MapType, OptionType, RecordType, SeqType, SetType, TupleType,
                        Type, UnionType)

from . import __version__
from .result import Trace, TraceStep


class ITFError(ValueError):
    """A file that is not an ITF trace of the model, with where it went wrong."""


def to_itf(value):
    """A plain value (`spec.values`) as ITF JSON."""
    if isinstance(value, bool):
        return value
    if isinstance(value, V.Sym):
        return str(value)
    if isinstance(value, int):
        return {"#bigint": str(int(value))}  # fixed-point amounts: in units of 10**-decimals
    if value is V.NONE:
        return {"tag": "None", "value": {"#tup": []}}
    if isinstance(value, V.Some):
        return {"tag": "Some", "value": to_itf(value.value)}
    if isinstance(value, V.Rec):
        return {n: to_itf(v) for n, v in value.fields}
    if isinstance(value, V.Variant):
        payload = {n: to_itf(v) for n, v in value.fields} if value.fields else {"#tup": []}
        return {"tag": value.tag, "value": payload}
    if isinstance(value, V.SeqVal):
        return [to_itf(v) for v in value]
    if isinstance(value, tuple):
        return {"#tup": [to_itf(v) for v in value]}
    if isinstance(value, (set, frozenset)):
        return {"#set": [to_itf(v) for v in value]}
    if isinstance(value, V.MapVal):
        return {"#map": [[to_itf(k), to_itf(v)] for k, v in value.items]}
    if isinstance(value, str):
        return value
    raise TypeError(f"cannot encode {value!r} as ITF")


def from_itf(t: Type, data, where: str):
    """ITF JSON as a plain value of type t; ITFError says where it does not fit."""
    def bad(what):
        raise ITFError(f"{where}: expected {what} for type {t.show()}, found {json.dumps(data)[:80]}")

    if isinstance(t, BoolType):
        if not isinstance(data, bool):
            bad("true or false")
        return data
    if isinstance(t, IntType):
        if isinstance(data, dict) and set(data) == {"#bigint"}:
            try:
                return int(data["#bigint"])
            except ValueError:
                bad("an integer")
        if isinstance(data, int) and not isinstance(data, bool):
            return data
        bad('{"#bigint": "..."}')
    if isinstance(t, EnumType):
        if not isinstance(data, str):
            bad("a name")
        return V.Sym(data)
    if isinstance(t, SetType):
        if not isinstance(data, dict) or set(data) != {"#set"} or not isinstance(data["#set"], list):
            bad('{"#set": [...]}')
        return V.SetVal(from_itf(t.elem, x, where) for x in data["#set"])
    if isinstance(t, MapType):
        if not isinstance(data, dict) or set(data) != {"#map"} or not isinstance(data["#map"], list):
            bad('{"#map": [[k, v], ...]}')
        items = []
        for pair in data["#map"]:
            if not isinstance(pair, list) or len(pair) != 2:
                bad("[key, value] pairs")
            items.append((from_itf(t.key, pair[0], where), from_itf(t.value, pair[1], where)))
        return V.MapVal(items)
    if isinstance(t, TupleType):
        if not isinstance(data, dict) or set(data) != {"#tup"} or len(data["#tup"]) != len(t.fields):
            bad('{"#tup": [...]}')
        return tuple(from_itf(ft, x, where) for (_, ft), x in zip(t.fields, data["#tup"]))
    if isinstance(t, RecordType):
        if not isinstance(data, dict) or set(data) != {n for n, _ in t.fields}:
            bad("a record with fields " + ", ".join(n for n, _ in t.fields))
        return V.Rec(tuple((n, from_itf(ft, data[n], where)) for n, ft in t.fields))
    if isinstance(t, UnionType):
        if not isinstance(data, dict) or set(data) != {"tag", "value"}:
            bad('{"tag": ..., "value": ...}')
        try:
            info = t.variant(data["tag"])
        except KeyError:
            bad("a variant of " + t.name)
        if info.payload is None:
            return V.Variant(info.name, ())
        rec = from_itf(info.payload, data["value"], where)
        return V.Variant(info.name, rec.fields)
    if isinstance(t, OptionType):
        if not isinstance(data, dict) or set(data) != {"tag", "value"} or data["tag"] not in ("Some", "None"):
            bad('{"tag": "Some" | "None", "value": ...}')
        if data["tag"] == "None":
            return V.NONE
        return V.Some(from_itf(t.elem, data["value"], where))
    if isinstance(t, SeqType):
        if not isinstance(data, list):
            bad("an array")
        return V.SeqVal(from_itf(t.elem, x, where) for x in data)
    raise AssertionError(t)


def trace_document(trace: Trace, source: str, verdict: str = "violated") -> dict:
    var_names = list(trace.steps[0].state) if trace.steps else []
    meta = {
        "format": "ITF",
        "format-description": "https://apalache-mc.org/docs/adr/015adr-trace.html",
        "generator": f"syncproof {__version__}",
        "source": source,
        "model": trace.model,
        "property": trace.property,
        "kind": trace.kind,
        "verdict": verdict,
        "engine": trace.engine,
        "constants": {k: to_itf(v) for k, v in trace.constants.items()},
        "message": trace.message,
    }
    if trace.how:
        meta["how"] = trace.how
    if trace.where:
        meta["where"] = trace.where
    if trace.explanation:
        meta["explanation"] = list(trace.explanation)
    if trace.binding:
        meta["binding"] = {k: to_itf(v) for k, v in trace.binding.items()}
    if trace.branches:
        meta["branches"] = [{"label": label, "states": [_state_json(i, st) for i, st in enumerate(steps, 1)]}
                            for label, steps in trace.branches]
    if trace.error_step is not None:
        meta["failing-step"] = {"action": trace.error_step.action,
                                "parameters": {k: to_itf(v) for k, v in trace.error_step.params.items()},
                                "choices": {k: to_itf(v) for k, v in trace.error_step.choices}}
    states = [_state_json(i, step) for i, step in enumerate(trace.steps)]
    doc = {"#meta": meta, "vars": var_names, "states": states}
    if trace.loop is not None:
        doc["loop"] = trace.loop
    return doc


def _state_json(i: int, step: TraceStep) -> dict:
    smeta = {"index": i}
    if step.action is not None:
        smeta["action"] = step.action
        smeta["parameters"] = {k: to_itf(v) for k, v in step.params.items()}
        if step.choices:
            smeta["choices"] = {k: to_itf(v) for k, v in step.choices}
    state = {"#meta": smeta}
    state.update({k: to_itf(v) for k, v in step.state.items()})
    return state


def write_trace(trace: Trace, directory: str | Path, stem: str, source: str) -> str:
    """Writes the trace atomically as DIR/STEM.PROPERTY.itf.json; returns the path."""
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    safe = "".join(c if c.isalnum() or c in "-_" else "_" for c in trace.property)
    path = directory / f"{stem}.{safe}.itf.json"
    text = json.dumps(trace_document(trace, source), indent=2) + "\n"
    fd, tmp = tempfile.mkstemp(dir=directory, prefix=".tmp-", suffix=".json")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(text)
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp, 0o666 & ~umask)  # mkstemp makes it private; a trace is an ordinary file
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise
    return str(path)


def read_document(path: str | Path) -> dict:
    try:
        text = Path(path).read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ITFError(f"no such file: {path}") from None
    except OSError as exc:
        raise ITFError(f"cannot read {path}: {exc.strerror}") from None
    try:
        doc = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ITFError(f"{path}:{exc.lineno}:{exc.colno}: not JSON: {exc.msg}") from None
    if not isinstance(doc, dict) or not isinstance(doc.get("states"), list) or not isinstance(doc.get("vars"), list):
        raise ITFError(f"{path}: not an ITF trace (it needs 'vars' and 'states')")
    return doc


def step_labels(state: dict) -> tuple[str | None, dict | None]:
    meta = state.get("#meta", {}) if isinstance(state, dict) else {}
    return meta.get("action"), meta.get("parameters")
