"""The work of `syncproof replay TRACE MODEL` (its options are in `checker.cli.commands.replay`)."""

from __future__ import annotations

from spec.loader import load

from checker.cli.commands.common import check_model_file
from checker.core.deferred import Deferred
from checker.reports.console import console, print_json
from checker.traces.constants import trace_consts
from checker.traces.itf import naming, read_document
from checker.traces.replay import replay

# decides a deadlock that replay cannot enumerate; imported (with z3) only when a replay needs it
deadlocked = Deferred("checker.engines.symbolic.deadlock", "deadlocked")


def run(args) -> int:
    doc = read_document(args.trace)
    check_model_file(args.model)
    with naming(args.trace):
        consts = args.const or trace_consts(doc, args.model)
    model = load(args.model, consts)
    with naming(args.trace):
        result = replay(doc, model, check_deadlock=not args.no_deadlock, deadlocked=deadlocked)
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
