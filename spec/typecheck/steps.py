"""Step properties (`step Name: expr`, TLA+'s [][A]_vars) and the primed names they read.

Part of the type checker (`spec.typecheck.model` combines the parts). In a step
property `x` is the variable before the step and `x'` after it (TLA+'s
notation); a primed name anywhere else is E324, the prime of anything but a
state variable E325. A `def` called from a step property reads the state before
the step: pass it primed variables as arguments to apply it after.
"""

from __future__ import annotations

from spec import ast, ir
from spec.typecheck.state import Bail, CheckerState, Scope


class Steps(CheckerState):
    """Checks the step properties and resolves `x'`."""

    def _step_properties(self, decls: list) -> list[ir.StepPropertyIR]:
        """The step properties in declaration order; one that fails is left out (reported)."""
        out = []
        for d in decls:
            if isinstance(d, ast.StepProperty):
                try:
                    cond = self._bool(d.cond, Scope(what="step property", primed=True))
                except Bail:
                    continue
                out.append(ir.StepPropertyIR(d.name, cond, d.span))
        return out

    def _e_Primed(self, e: ast.Primed, sc: Scope, expected):
        if not sc.primed:
            self.diag.error("E324", f"{e.name}' (the value after a step) can only be read in a 'step' property",
                            e.span, "actions assign with 'x = ...', without a prime; a property of every step is "
                            f"written 'step Name: <condition on {e.name} and {e.name}'>' (docs/language.md, "
                            "\"Step properties\")")
            raise Bail
        if e.name not in self.vars or sc.lookup(e.name) is not None:
            what = "a local name" if sc.lookup(e.name) is not None else \
                "a constant" if e.name in self.const_decls else \
                "a definition" if e.name in self.def_decls else "not a state variable"
            self.diag.error("E325", f"only a state variable can be primed: '{e.name}' is {what}", e.span,
                            "a constant is the same before and after a step; to apply a definition after the "
                            "step, give it primed variables as arguments")
            raise Bail
        if e.name in self.bad_vars:
            raise Bail
        var = self.vars[e.name]
        return ir.NextRef(var.type, e.span, var)
