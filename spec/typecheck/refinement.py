"""Refinement mappings (`refines Name from "path" { avar = expr ... }`).

Part of the type checker (`spec.typecheck.model` combines the parts). The abstract
model is loaded and checked first (`spec.loader`, which also refuses cycles and
unreadable files) and handed in as `abstracts`, keyed by the path as the `refines`
declaration writes it. Here each mapping expression is typed over the concrete state against
the type of the abstract variable it gives: every abstract variable needs exactly one
(E350 missing, E351 unknown or twice), of the abstract variable's type (E352; integer
ranges may differ, a value outside the abstract range is a violation at run time). The
model name must be the abstract file's (E353). Abstract constants keep the abstract
model's values. The meaning is in `spec.refinement`.
"""

from __future__ import annotations

from spec import ast, ir
from spec.diagnostics import suggest
from spec.typecheck.state import Bail, CheckerState, Scope
from spec.types import same_shape


class Refinements(CheckerState):
    """Checks the `refines` declarations of the main module."""

    abstracts: dict = {}   # the path a `refines` names -> the abstract CheckedModel

    def _refinements(self) -> list[ir.RefinementIR]:
        out = []
        for d in self.main.decls:
            if isinstance(d, ast.Refines):
                r = self._refinement(d)
                if r is not None:
                    out.append(r)
        for m in self.modules[1:]:
            for d in m.decls:
                if isinstance(d, ast.Refines):
                    self.diag.error("E351", "'refines' is allowed only in the model that is checked, not in an "
                                    "imported file", d.span)
        return out

    def _refinement(self, d: ast.Refines) -> ir.RefinementIR | None:
        abstract = self.abstracts.get(d.path)
        if abstract is None:
            self.diag.error("E355", f"the abstract model '{d.path}' is not loaded: 'refines' needs a model "
                            "loaded from a file", d.span,
                            "check the model with `syncproof check FILE` (spec.loader.load)")
            return None
        if abstract.name != d.name:
            self.diag.error("E353", f"'{d.path}' is model {abstract.name}, not {d.name}", d.name_span,
                            f"write 'refines {abstract.name} from \"{d.path}\"'")
            return None
        avars = {v.name: v for v in abstract.vars}
        given: dict[str, ir.Expr] = {}
        ok = True
        for e in d.entries:
            if e.name in given or e.name in [x.name for x in d.entries[:d.entries.index(e)]]:
                self.diag.error("E351", f"the abstract variable '{e.name}' is mapped twice", e.span)
                ok = False
                continue
            if e.name not in avars:
                ok = False
                if e.name in abstract.consts:
                    self.diag.error("E351", f"'{e.name}' is a constant of {abstract.name}, not a variable: "
                                    "abstract constants keep the abstract model's values", e.span)
                else:
                    self.diag.error("E351", f"{abstract.name} has no variable '{e.name}'", e.span,
                                    suggest(e.name, avars) or f"its variables: {', '.join(avars) or 'none'}")
                continue
            x = self._mapped(e, avars[e.name], abstract.name)
            if x is None:
                ok = False
            else:
                given[e.name] = x
        missing = [n for n in avars if n not in given and n not in [e.name for e in d.entries]]
        if missing:
            self.diag.error("E350", f"the mapping gives no value to {', '.join(missing)} of {abstract.name}",
                            d.name_span, "give every abstract variable a value: "
                            + "  ".join(f"{n} = ..." for n in missing))
            ok = False
        if not ok:
            return None
        return ir.RefinementIR(f"refines {abstract.name}", abstract, [given[v.name] for v in abstract.vars],
                               d.span, d.path)

    def _mapped(self, e: ast.RefineEntry, avar: ir.VarSym, model: str) -> ir.Expr | None:
        try:
            x = self.expr(e.value, Scope(what="refinement mapping"), avar.type)
        except Bail:
            return None
        if not same_shape(x.type, avar.type):
            found, wanted = x.type.show(), avar.type.show()
            if found == wanted:   # alike in name: say how they differ
                found, wanted = repr(x.type), repr(avar.type)
            self.diag.error("E352", f"the mapping of {model}.{avar.name} has type {found}, the abstract "
                            f"variable has type {wanted}", e.value.span,
                            "types must be the same (enums and model values declared alike, "
                            "integer ranges may differ)")
            return None
        try:
            return self.coerce(x, avar.type, e.value.span, f"{model}.{avar.name}")
        except Bail:
            return None
