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

import itertools
import json
import os
import re
import tempfile
from contextlib import contextmanager
from pathlib import Path

from spec import files
from spec import values as V
from spec.types import (BoolType, EnumType, IntType, MapType, OptionType, RecordType, SeqType, SetType, TupleType,
                        Type, UnionType)

from checker import __version__
from checker.core.result import Trace, TraceStep
from checker.traces.errors import ITFError


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
    """ITF JSON as a plain value of type t; ITFError says where (`states[3].x.#set[1]`) it does not fit."""
    def bad(what):
        raise ITFError(f"{where}: expected {what} for type {t.show()}, found {_preview(data)}")

    if isinstance(t, BoolType):
        if not isinstance(data, bool):
            bad("true or false")
        return data
    if isinstance(t, IntType):
        if _is_form(data, "#bigint"):
            value = bigint(data["#bigint"])
            if value is None:
                bad(f'a #bigint of at most {MAX_BIGINT_DIGITS} ASCII digits with an optional "-"')
            return value
        if isinstance(data, int) and not isinstance(data, bool):
            return data
        bad('{"#bigint": "..."}')
    if isinstance(t, EnumType):
        if not isinstance(data, str):
            bad("a name")
        return V.Sym(data)
    if isinstance(t, SetType):
        if not _is_form(data, "#set", list):
            bad('{"#set": [...]}')
        return V.SetVal(from_itf(t.elem, x, f"{where}.#set[{k}]") for k, x in enumerate(data["#set"]))
    if isinstance(t, MapType):
        if not _is_form(data, "#map", list):
            bad('{"#map": [[k, v], ...]}')
        items = []
        for k, pair in enumerate(data["#map"]):
            if not isinstance(pair, list) or len(pair) != 2:
                bad("[key, value] pairs")
            items.append((from_itf(t.key, pair[0], f"{where}.#map[{k}][0]"),
                          from_itf(t.value, pair[1], f"{where}.#map[{k}][1]")))
        return V.MapVal(items)
    if isinstance(t, TupleType):
        if not _is_form(data, "#tup", list) or len(data["#tup"]) != len(t.fields):
            bad(f'{{"#tup": [...]}} of {len(t.fields)} values')
        return tuple(from_itf(ft, x, f"{where}.#tup[{k}]")
                     for k, ((_, ft), x) in enumerate(zip(t.fields, data["#tup"])))
    if isinstance(t, RecordType):
        if not isinstance(data, dict) or set(data) != {n for n, _ in t.fields}:
            bad("a record with fields " + ", ".join(n for n, _ in t.fields))
        return V.Rec(tuple((n, from_itf(ft, data[n], f"{where}.{n}")) for n, ft in t.fields))
    if isinstance(t, UnionType):
        if not isinstance(data, dict) or set(data) != {"tag", "value"} or not isinstance(data["tag"], str):
            bad('{"tag": ..., "value": ...}')
        try:
            info = t.variant(data["tag"])
        except KeyError:
            bad("a variant of " + t.name)
        if info.payload is None:
            return V.Variant(info.name, ())
        rec = from_itf(info.payload, data["value"], f"{where}.value")
        return V.Variant(info.name, rec.fields)
    if isinstance(t, OptionType):
        if not isinstance(data, dict) or set(data) != {"tag", "value"} or data["tag"] not in ("Some", "None"):
            bad('{"tag": "Some" | "None", "value": ...}')
        if data["tag"] == "None":
            return V.NONE
        return V.Some(from_itf(t.elem, data["value"], f"{where}.value"))
    if isinstance(t, SeqType):
        if not isinstance(data, list):
            bad("an array")
        return V.SeqVal(from_itf(t.elem, x, f"{where}[{k}]") for k, x in enumerate(data))
    raise AssertionError(t)


def _is_form(data, key: str, kind: type = object) -> bool:
    """Is data the ITF form {key: <kind>} (and nothing else)?"""
    return isinstance(data, dict) and len(data) == 1 and key in data and isinstance(data[key], kind)


_BIGINT = re.compile(r"-?[0-9]+")


def bigint(text) -> int | None:
    """The integer a `#bigint` string stands for: ASCII digits with an optional "-", at most
    MAX_BIGINT_DIGITS of them (None for anything else: " 1_0 ", "\u0661", 1)."""
    if not isinstance(text, str) or len(text) > MAX_BIGINT_DIGITS + 1 or not _BIGINT.fullmatch(text):
        return None
    if len(text.lstrip("-")) > MAX_BIGINT_DIGITS:
        return None
    return int(text)


def _preview(data) -> str:
    """A short description of a JSON value for a message (never the whole of a large one)."""
    items = data.values() if isinstance(data, dict) else data
    if isinstance(data, (dict, list)) and len(data) <= 4 and not any(isinstance(x, (dict, list)) and x for x in items):
        text = json.dumps(data)
        return text if len(text) <= 60 else text[:57] + "..."
    if isinstance(data, dict):
        keys = ", ".join(json.dumps(k) for k in itertools.islice(data, 4)) + (", ..." if len(data) > 4 else "")
        return f"an object with keys {keys}" if data else "an empty object"
    if isinstance(data, list):
        return f"an array of {len(data)} values" if data else "an empty array"
    text = json.dumps(data[:60] if isinstance(data, str) else data)
    return text if len(text) <= 60 else text[:57] + "..."


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


# ---- reading -----------------------------------------------------------------------------------
# A trace file is input like a model: anything in it is exit 2 with the file and the place in the
# document (`t.itf.json: states[3].#meta: expected an object`), within bounded time and memory.

MAX_TRACE_BYTES = 64 << 20   # a trace file is read whole: at most 64 MiB
MAX_DEPTH = 200              # arrays and objects nested in each other, the document included
MAX_BIGINT_DIGITS = 4300     # digits of an integer (Python's own limit for converting text)


def read_document(path: str | Path) -> dict:
    """The ITF document in the file at path, its shape checked (`check_document`)."""
    text = _read_text(path)
    try:
        doc = json.loads(text, parse_constant=_no_constant)
    except json.JSONDecodeError as exc:
        raise ITFError(f"not JSON: {exc.msg}", path, f"{exc.lineno}:{exc.colno}") from None
    except RecursionError:
        raise ITFError(f"not an ITF trace: arrays and objects nested more than {MAX_DEPTH} deep", path) from None
    except ITFError as exc:
        raise ITFError(str(exc), path) from None
    except ValueError:  # Python's own limit on the digits of a number, sys.get_int_max_str_digits()
        raise ITFError(f"not an ITF trace: a number of more than {MAX_BIGINT_DIGITS} digits", path) from None
    with naming(path):
        _check_values(doc)
        check_document(doc)
    return doc


@contextmanager
def naming(path: str | Path | None):
    """ITF errors raised inside name the trace file (when there is one)."""
    try:
        yield
    except ITFError as exc:
        if exc.path is None and path is not None:
            raise ITFError(str(exc), path) from None
        raise


def _read_text(path: str | Path) -> str:
    """The text of a regular file of at most MAX_TRACE_BYTES, as UTF-8 (spec.files: /dev/zero and
    FIFOs are refused before anything is read)."""
    try:
        return files.read_text(path, what="trace", limit=MAX_TRACE_BYTES)
    except files.FileProblem as exc:
        raise ITFError(exc.reason, path) from None


def _no_constant(name: str):
    raise ITFError(f"not JSON: {name} is not a JSON value")


def _check_values(doc) -> None:
    """Every array and object nested at most MAX_DEPTH deep, and every ITF form ({"#bigint": ...},
    {"#set": ...}, {"#tup": ...}, {"#map": ...}) well formed. Walked without recursion, with
    memory for one path from the document down (the place named when something is wrong)."""
    keys = []                         # the path from the document to the container being walked
    stack = [iter((("", doc),))]
    while stack:
        for key, data in stack[-1]:
            if isinstance(data, (list, dict)):
                keys.append(key)
                if len(keys) > MAX_DEPTH:
                    raise ITFError(f"{_path(keys)}: arrays and objects nested more than {MAX_DEPTH} deep")
                if isinstance(data, dict):
                    _check_form(data, keys)
                stack.append(iter(data.items() if isinstance(data, dict) else enumerate(data)))
                break
        else:
            stack.pop()
            if keys:
                keys.pop()


def _path(keys: list) -> str:
    """A place in the document, `states[3].x.#set[0]`, from the keys that lead there (the first
    is the document's own, ""); a long one is cut in the middle."""
    text = "".join(f"[{k}]" if isinstance(k, int) else f".{k}" for k in keys[1:]).lstrip(".") or "the document"
    return text if len(text) <= 100 else f"{text[:50]}...{text[-40:]}"


def _check_form(data: dict, keys: list) -> None:
    if "#bigint" in data and (len(data) != 1 or bigint(data["#bigint"]) is None):
        raise ITFError(f"{_path(keys)}: expected {{\"#bigint\": \"-?[0-9]+\"}} (at most {MAX_BIGINT_DIGITS} "
                       f"ASCII digits in a string), found {_preview(data)}")
    for form in ("#set", "#tup", "#map"):
        if form in data and not _is_form(data, form, list):
            raise ITFError(f"{_path(keys)}: expected {{\"{form}\": [...]}}, found {_preview(data)}")
    if "#map" in data:
        for k, pair in enumerate(data["#map"]):
            if not isinstance(pair, list) or len(pair) != 2:
                raise ITFError(f"{_path(keys + ['#map', k])}: expected a [key, value] pair, found {_preview(pair)}")


# the parts of a document that syncproof reads, and what each must be when it is there
_STATE_META = {"index": int, "action": str, "parameters": dict, "choices": dict, "refused": dict}
_TRACE_META = {"property": str, "kind": str, "constants": dict, "binding": dict, "failing-step": dict,
               "hash_seeds": list}
_STEP = {"action": str, "parameters": dict, "choices": dict}
_KINDS = {dict: "an object", list: "an array", str: "a string", int: "an integer"}


def check_document(doc) -> None:
    """Is doc shaped like an ITF trace, in every part syncproof reads? ITFError says where not."""
    if not isinstance(doc, dict) or not isinstance(doc.get("states"), list) or not isinstance(doc.get("vars"), list):
        raise ITFError("not an ITF trace (it needs 'vars' and 'states')")
    for k, name in enumerate(doc["vars"]):
        _expect(name, str, f"vars[{k}]")
    for i, state in enumerate(doc["states"]):
        _expect(state, dict, f"states[{i}]")
        if "#meta" in state:
            _fields(state["#meta"], _STATE_META, f"states[{i}].#meta")
            if "refused" in state["#meta"]:
                _fields(state["#meta"]["refused"], _STEP, f"states[{i}].#meta.refused")
    if "#meta" in doc:
        _fields(doc["#meta"], _TRACE_META, "#meta")
        if "failing-step" in doc["#meta"]:
            _fields(doc["#meta"]["failing-step"], _STEP, "#meta.failing-step")
    if "loop" in doc:
        _expect(doc["loop"], int, "loop")


def _fields(data, kinds: dict, where: str) -> None:
    _expect(data, dict, where)
    for name, kind in kinds.items():
        if name in data:
            _expect(data[name], kind, f"{where}.{name}")


def _expect(data, kind: type, where: str) -> None:
    if not isinstance(data, kind) or (kind is int and isinstance(data, bool)):
        raise ITFError(f"{where}: expected {_KINDS[kind]}, found {_preview(data)}")


def step_labels(state: dict) -> tuple[str | None, dict | None]:
    meta = state.get("#meta", {}) if isinstance(state, dict) else {}
    return meta.get("action"), meta.get("parameters")
