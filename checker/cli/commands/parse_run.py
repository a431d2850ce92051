"""The work of `syncproof parse MODEL` (its options are in `checker.cli.commands.parse`)."""

from __future__ import annotations

from spec.loader import load

from checker.traces.itf import to_itf
from checker.reports.console import console, print_json
from checker.cli.commands.common import check_model_file
from checker.core.exits import EXIT_HOLDS


def run(args) -> int:
    check_model_file(args.model)
    model = load(args.model, args.const)
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
    console().print(f"{model.path}: {model.name} is well-formed: {len(model.vars)} variables "
                    f"({model.state_bits} bits of state), {len(model.actions)} actions, "
                    f"{len(model.invariants)} invariants", markup=False)
    return EXIT_HOLDS
