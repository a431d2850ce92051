"""`syncproof replay TRACE MODEL`: is the trace a behaviour of the model, what does it violate?"""

from __future__ import annotations

from spec import values as V
from spec.diagnostics import SpecError
from spec.loader import load

from checker.traces.itf import ITFError, bigint, naming, read_document, to_itf
from checker.traces.replay import replay
from checker.reports.console import console, print_json
from checker.cli.commands.common import check_model_file


def add_parser(sub) -> None:
    r = sub.add_parser("replay", help="re-run an ITF trace against a model")
    r.add_argument("trace", metavar="TRACE", help="an ITF trace (.itf.json)")
    r.add_argument("model", metavar="MODEL", help="the model file (.sync)")
    r.add_argument("--const", action="append", default=[], metavar="NAME=VALUE",
                   help="constants (default: those recorded in the trace)")
    r.add_argument("--no-deadlock", action="store_true")
    r.add_argument("--json", action="store_true")
    r.set_defaults(run=run)


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


def run(args) -> int:
    doc = read_document(args.trace)
    check_model_file(args.model)
    with naming(args.trace):
        consts = args.const or trace_consts(doc, args.model)
    model = load(args.model, consts)
    with naming(args.trace):
        result = replay(doc, model, check_deadlock=not args.no_deadlock)
    if args.json:
        print_json({"valid": result.valid, "steps": result.steps, "message": result.message,
                    "violations": [{"property": p, "state": i, "message": m} for p, i, m in result.violations]})
        return result.exit_code
    out = console()
    if not result.valid:
        out.print(f"NOT A BEHAVIOUR of {model.name}: {result.message}", style="bold red", markup=False)
        return result.exit_code
    out.print(f"valid: {result.message}", markup=False)
    if not result.violations:
        out.print("it violates no property", style="bold green")
    for prop, i, msg in result.violations:
        out.print(f"VIOLATED {prop}: {msg}", style="bold red", markup=False)
    return result.exit_code
