"""The constants an ITF trace records, as `--const` overrides of its model.

`syncproof replay`, `syncproof graph`, `syncproof conform --replay` and
`checker.conform.run.assert_replays` check a trace against the model with the
constants it was found with: `trace_consts` reads them from `#meta.constants`
back into the language's syntax.
"""

from __future__ import annotations

from spec import values as V
from spec.diagnostics import SpecError
from spec.loader import load

from checker.traces.itf import ITFError, bigint, to_itf


def trace_consts(doc: dict, path: str) -> list[str]:
    """The constants recorded in the trace, as --const overrides of the model at path.

    Fixed-point amounts are recorded in units of 10**-decimals (1.0 as 10), so
    they are read back through the type the model gives them; constants at the
    model's own default value need no override.
    """
    meta = doc.get("#meta", {})
    consts = meta.get("constants", {}) if isinstance(meta, dict) else {}
    out = []
    if not isinstance(consts, dict):
        return out
    try:
        declared = load(path).consts
    except SpecError:  # e.g. a constant without a default: every recorded value is needed
        declared = {}
    for name, value in consts.items():
        c = declared.get(name)
        if c is not None and not c.symbolic and to_itf(c.value) == value:
            continue
        decimals = getattr(c.type, "decimals", 0) if c is not None else 0
        if decimals and isinstance(value, dict) and "#bigint" in value:
            out.append(f"{name}={V.show(V.Fixed(_bigint(value['#bigint']), decimals))}")
        else:
            out.append(f"{name}={_itf_to_text(value, f'#meta.constants.{name}')}")
    return out


def _bigint(text) -> int:
    value = bigint(text)
    if value is None:
        raise ITFError(f"expected a #bigint of ASCII digits, found {text!r:.60}")
    return value


def _itf_to_text(value, where: str) -> str:
    """ITF JSON as the language's syntax, for constants recorded in a trace (`read_document` has
    checked its forms; where it is for messages)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return value
    if isinstance(value, int):
        return str(value)
    if isinstance(value, list):
        return "[" + ", ".join(_itf_to_text(v, where) for v in value) + "]"
    if isinstance(value, dict):
        if "#bigint" in value:
            return str(_bigint(value["#bigint"]))
        if "#set" in value:
            return "{" + ", ".join(_itf_to_text(v, where) for v in value["#set"]) + "}"
        if "#tup" in value:
            return "(" + ", ".join(_itf_to_text(v, where) for v in value["#tup"]) + ")"
        if "#map" in value:
            return "{" + ", ".join(f"{_itf_to_text(k, where)}: {_itf_to_text(v, where)}" for k, v in value["#map"]) \
                + "}"
        if set(value) == {"tag", "value"} and isinstance(value["tag"], str):
            return _variant_text(value["tag"], value["value"], where)
        return "{" + ", ".join(f"{k}: {_itf_to_text(v, where)}" for k, v in value.items()) + "}"
    raise ITFError(f"{where}: cannot read the constant value {str(value)[:60]}")


def _variant_text(tag: str, inner, where: str) -> str:
    if inner == {"#tup": []}:
        return "none" if tag == "None" else tag
    if tag == "Some":
        return f"some({_itf_to_text(inner, where)})"
    if isinstance(inner, dict) and not any(k.startswith("#") for k in inner):
        return f"{tag}(" + ", ".join(_itf_to_text(v, where) for v in inner.values()) + ")"
    return f"{tag}({_itf_to_text(inner, where)})"
