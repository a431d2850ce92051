"""The command line: `syncproof check | parse | replay`.

Only chains stages (load, check, report) and maps outcomes to exit codes:
0 every property holds, 1 a property is violated, 2 bad input (model,
options, files), 3 inconclusive (a limit was reached), 4 internal error.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

from spec.diagnostics import Diagnostic, SpecError
from spec.loader import load

from . import __version__
from .explicit import ExplicitOptions, check
from .itf import ITFError, read_document, to_itf, write_trace
from .replay import replay
from .report import console, print_json, print_result, result_json

EXIT_HOLDS, EXIT_VIOLATED, EXIT_BAD_INPUT, EXIT_INCONCLUSIVE, EXIT_INTERNAL = 0, 1, 2, 3, 4


class _Parser(argparse.ArgumentParser):
    def error(self, message: str):  # exit 2 with a one-line message, as for any bad input
        self.print_usage(sys.stderr)
        sys.stderr.write(f"error[E600]: {message}\n")
        raise SystemExit(EXIT_BAD_INPUT)


def _positive(kind):
    def parse(text: str):
        try:
            value = kind(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"expected a positive number, got {text!r}") from None
        if value <= 0:
            raise argparse.ArgumentTypeError(f"expected a positive number, got {text!r}")
        return value
    return parse


def build_parser() -> argparse.ArgumentParser:
    p = _Parser(prog="syncproof", description="Model checking for derivatives ledgers and their "
                "synchronization protocols.")
    p.add_argument("--version", action="version", version=f"syncproof {__version__}")
    sub = p.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    sub.required = True

    def model_args(sp):
        sp.add_argument("model", metavar="MODEL", help="the model file (.sync)")
        sp.add_argument("--const", action="append", default=[], metavar="NAME=VALUE",
                        help="override a constant (repeatable); a set of model values takes a size or {a,b}")

    c = sub.add_parser("check", help="check every invariant of a model, exhaustively")
    model_args(c)
    c.add_argument("--invariant", action="append", metavar="NAME", help="check only this invariant (repeatable)")
    c.add_argument("--no-deadlock", action="store_true", help="do not report states where no action is enabled")
    c.add_argument("--no-symmetry", action="store_true", help="do not reduce by symmetric sets")
    c.add_argument("--workers", type=_positive(int), default=1, metavar="N", help="processes to use (default 1)")
    c.add_argument("--max-states", type=_positive(int), metavar="N", help="stop after N distinct states")
    c.add_argument("--max-depth", type=_positive(int), metavar="N", help="explore states up to N steps deep")
    c.add_argument("--timeout", type=_positive(float), metavar="SECONDS", help="stop after this long")
    c.add_argument("--continue", dest="keep_going", action="store_true",
                   help="after a violation, go on to find a shortest violation of every property")
    c.add_argument("--out", default="counterexamples", metavar="DIR",
                   help="where counterexample traces are written (default: counterexamples)")
    c.add_argument("--no-trace-file", action="store_true", help="do not write counterexample files")
    c.add_argument("--json", action="store_true", help="print the result as JSON (schema syncproof.result/1)")
    c.add_argument("--quiet", action="store_true", help="no progress display")

    ps = sub.add_parser("parse", help="parse and type-check a model without exploring it")
    model_args(ps)
    ps.add_argument("--json", action="store_true")

    r = sub.add_parser("replay", help="re-run an ITF trace against a model")
    r.add_argument("trace", metavar="TRACE", help="an ITF trace (.itf.json)")
    r.add_argument("model", metavar="MODEL", help="the model file (.sync)")
    r.add_argument("--const", action="append", default=[], metavar="NAME=VALUE",
                   help="constants (default: those recorded in the trace)")
    r.add_argument("--no-deadlock", action="store_true")
    r.add_argument("--json", action="store_true")
    return p


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return {"check": cmd_check, "parse": cmd_parse, "replay": cmd_replay}[args.command](args)
    except SpecError as exc:
        err = console(stderr=True)
        for d in exc.diagnostics:
            err.print(d.render(), markup=False, highlight=False)
        return EXIT_BAD_INPUT
    except ITFError as exc:
        console(stderr=True).print(f"error[E605]: {exc}", markup=False, highlight=False)
        return EXIT_BAD_INPUT
    except KeyboardInterrupt:
        console(stderr=True).print("interrupted")
        return 130
    except Exception as exc:  # noqa: BLE001 - the last line of defence: never a bare traceback
        if os.environ.get("SYNCPROOF_DEBUG"):
            raise
        console(stderr=True).print(f"internal error: {type(exc).__name__}: {exc}\n"
                                   "this is a bug in syncproof; run with SYNCPROOF_DEBUG=1 for details",
                                   markup=False, highlight=False)
        return EXIT_INTERNAL


def _check_model_file(path: str) -> None:
    p = Path(path)
    if not p.exists():
        raise SpecError(Diagnostic("E601", f"no such file: {path}", None))
    if p.is_dir():
        raise SpecError(Diagnostic("E601", f"{path} is a directory, not a model file", None))


def cmd_parse(args) -> int:
    _check_model_file(args.model)
    model = load(args.model, args.const)
    out = console()
    for w in model.warnings:
        console(stderr=True).print(w.render(), markup=False)
    if args.json:
        print_json({"model": model.name, "path": model.path, "ok": True,
                    "variables": {v.name: v.type.show() for v in model.vars},
                    "actions": [a.name for a in model.actions],
                    "invariants": [i.name for i in model.invariants],
                    "state_bits": model.state_bits,
                    "constants": {k: to_itf(v) for k, v in model.const_values().items()}})
        return EXIT_HOLDS
    out.print(f"{model.path}: {model.name} is well-formed: {len(model.vars)} variables "
              f"({model.state_bits} bits of state), {len(model.actions)} actions, "
              f"{len(model.invariants)} invariants", markup=False)
    return EXIT_HOLDS


def cmd_check(args) -> int:
    _check_model_file(args.model)
    model = load(args.model, args.const)
    options = ExplicitOptions(
        invariants=tuple(args.invariant) if args.invariant else None,
        deadlock=not args.no_deadlock, symmetry=not args.no_symmetry, workers=args.workers,
        max_states=args.max_states, max_depth=args.max_depth, timeout=args.timeout,
        stop_at_first=not args.keep_going)
    err = console(stderr=True)
    show_progress = err.is_terminal and not args.quiet and not args.json
    if show_progress:
        with Progress(TextColumn("[bold]exploring"), BarColumn(bar_width=None, pulse_style="cyan"),
                      TextColumn("{task.fields[info]}"), TimeElapsedColumn(), console=err, transient=True) as bar:
            task = bar.add_task("", total=None, info="")

            def progress(p):
                rate = p.states / p.seconds if p.seconds > 0 else 0
                bar.update(task, info=f"depth {p.depth} · {p.states:,} states · {p.transitions:,} transitions · "
                           f"{rate:,.0f} states/s")
            result = check(model, options, progress)
    else:
        result = check(model, options)
    stem = Path(args.model).name.removesuffix(".sync")
    if not args.no_trace_file:
        for p in result.violated:
            if p.trace is not None:
                p.trace_path = write_trace(p.trace, args.out, stem, model.path)
    if args.json:
        print_json(result_json(result))
    else:
        print_result(result, console(), model.sources)
    return result.exit_code


def _trace_consts(doc: dict) -> list[str]:
    from spec import values as V
    from .itf import to_itf  # noqa: F401 - kept for symmetry with from_itf
    consts = doc.get("#meta", {}).get("constants", {})
    out = []
    if not isinstance(consts, dict):
        return out
    for name, value in consts.items():
        out.append(f"{name}={_itf_to_text(value)}")
    return out


def _itf_to_text(value) -> str:
    """ITF JSON as the language's syntax, for constants recorded in a trace."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return value
    if isinstance(value, int):
        return str(value)
    if isinstance(value, list):
        return "[" + ", ".join(_itf_to_text(v) for v in value) + "]"
    if isinstance(value, dict):
        if "#bigint" in value:
            return str(value["#bigint"])
        if "#set" in value:
            return "{" + ", ".join(_itf_to_text(v) for v in value["#set"]) + "}"
        if "#tup" in value:
            return "(" + ", ".join(_itf_to_text(v) for v in value["#tup"]) + ")"
        if "#map" in value:
            return "{" + ", ".join(f"{_itf_to_text(k)}: {_itf_to_text(v)}" for k, v in value["#map"]) + "}"
        if set(value) == {"tag", "value"}:
            inner = value["value"]
            if inner == {"#tup": []}:
                return "none" if value["tag"] == "None" else value["tag"]
            if value["tag"] == "Some":
                return f"some({_itf_to_text(inner)})"
            if isinstance(inner, dict) and not any(k.startswith("#") for k in inner):
                return f"{value['tag']}(" + ", ".join(_itf_to_text(v) for v in inner.values()) + ")"
            return f"{value['tag']}({_itf_to_text(inner)})"
        return "{" + ", ".join(f"{k}: {_itf_to_text(v)}" for k, v in value.items()) + "}"
    raise ITFError(f"cannot read the constant value {value!r}")


def cmd_replay(args) -> int:
    doc = read_document(args.trace)
    _check_model_file(args.model)
    consts = args.const or _trace_consts(doc)
    model = load(args.model, consts)
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


if __name__ == "__main__":
    raise SystemExit(main())
