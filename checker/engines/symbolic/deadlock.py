"""Is one given state a deadlock? Asked of z3 for a model whose action parameters are too many to
enumerate (`syncproof replay` of a symbolic engine's deadlock trace): z3 looks for an action instance,
parameters and choices included, that fires or errs in the state."""

from __future__ import annotations

import z3

from spec import ir

from checker.engines.symbolic import values as SV
from checker.engines.symbolic.system import System, nonlinear

RLIMIT = 50_000_000   # z3's resource units for the question: the same answer on any machine


def deadlocked(model: ir.CheckedModel, codes: list[int]) -> bool | None:
    """Whether no action instance fires or errs in the state whose variables have these value codes
    (declaration order): True, False, or None when z3 does not decide within RLIMIT or the model
    cannot be encoded."""
    try:
        system = System(model, deadlock=True, bv=nonlinear(model))
        with SV.domain(system.enc.bv):
            st = system.state("replay")
            fixed = [SV.eq_code(x, v.type, c) for x, v, c in zip(st, model.vars, codes)]
            step = system.step(st, 0, "replay")
            solver = z3.Solver()
            solver.set("rlimit", RLIMIT)
            solver.add(system.consts(), *fixed, SV.mk_or(*(a.live for a in step.actions)))
            r = solver.check()
    except SV.EncodeError:
        return None
    return True if r == z3.unsat else False if r == z3.sat else None


__all__ = ["deadlocked", "RLIMIT"]
