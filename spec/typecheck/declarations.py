"""Declarations: each name claimed once, enums, state variables, definitions.

Part of the type checker (`spec.typecheck.model` combines the parts). The state
variables are checked against the limit on the whole state (E323); where each one
sits in a packed state is the explicit engine's business
(`checker.engines.explicit.layout`).
"""

from __future__ import annotations

from spec import ast, ir
from spec.diagnostics import Span
from spec.typecheck.state import BOOL, LIMITS, Bail, CheckerState, Scope, first_duplicate
from spec.types import MAX_WIDTH, EnumType, Type


class Declarations(CheckerState):
    """Registers every declaration, checks the state variables and the `def`s."""

    def _claim(self, name: str, span: Span, kind: str) -> bool:
        if name in self.decl_spans:
            prev = self.decl_spans[name]
            self.diag.error("E202", f"'{name}' is already declared", span,
                            notes=(f"the first declaration is at {prev.where}",))
            return False
        self.decl_spans[name] = span
        return True

    def _register(self, decls) -> None:
        for d in decls:
            if isinstance(d, ast.Const):
                if self._claim(d.name, d.span, "const"):
                    self.const_decls[d.name] = d
            elif isinstance(d, ast.Enum):
                if self._claim(d.name, d.span, "enum"):
                    self._enum(d)
            elif isinstance(d, ast.TypeDef):
                if self._claim(d.name, d.span, "type"):
                    self.type_decls[d.name] = d
                    if isinstance(d.rhs, ast.UnionDef):
                        for v in d.rhs.variants:
                            self.ctors.setdefault(v.name, [])
            elif isinstance(d, ast.Var):
                for name, span in d.names:
                    self._claim(name, span, "var")
                    self.var_names.add(name)
            elif isinstance(d, ast.Def):
                if self._claim(d.name, d.span, "def"):
                    self.def_decls[d.name] = d
            elif isinstance(d, (ast.Action, ast.Invariant, ast.StepProperty, ast.Constraint, ast.Property, ast.Converge)):
                if d.name in self.prop_spans:
                    self.diag.error("E202", f"'{d.name}' is already declared", d.span,
                                    notes=(f"the first declaration is at {self.prop_spans[d.name].where}",))
                self.prop_spans[d.name] = d.span

    def _enum(self, d: ast.Enum) -> None:
        members = [n for n, _ in d.members]
        dup = first_duplicate(members)
        if dup:
            span = [s for n, s in d.members if n == dup][1]
            self.diag.error("E202", f"'{dup}' appears twice in enum {d.name}", span)
        t = EnumType(d.name, tuple(dict.fromkeys(members)))
        self.types[d.name] = t
        for name, span in d.members:
            self._add_value(name, span, t, t.members.index(name), "enum")

    def _add_value(self, name: str, span: Span, t: Type, code: int, kind: str) -> None:
        if name in self.decl_spans and kind == "model value":
            self.diag.error("E202", f"'{name}' is already declared", span,
                            notes=(f"the first declaration is at {self.decl_spans[name].where}",))
            return
        self.values.setdefault(name, []).append((t, code, kind))

    def _variables(self, decls: list[ast.Var]) -> None:
        """The state variables, in the order declared; a type that would make the state wider than
        MAX_WIDTH is reported (E323) and its variables are left out of the checks that follow."""
        width = 0
        for d in decls:
            t = self._type(d.type, self._const_scope())
            if t is not None and not self._state_fits(width, t, d):
                t = None
            if t is None:
                self.bad_vars.update(n for n, _ in d.names)
            for name, span in d.names:
                if self.decl_spans.get(name) != span:
                    continue  # a duplicate (E202): the first declaration stands
                sym = ir.VarSym(name, t or BOOL, len(self.vars), span)
                self.vars[name] = sym
                width += sym.type.bits

    def _state_fits(self, width: int, t: Type, d: ast.Var) -> bool:
        """Whether the variables of d, after `width` bits of earlier ones, keep the state within MAX_WIDTH."""
        end = width + t.bits * len(d.names)
        if end <= MAX_WIDTH:
            return True
        self.diag.error("E323", f"the state takes {end:,} bits with {', '.join(n for n, _ in d.names)}: it may "
                        f"take at most {MAX_WIDTH:,}", d.type.span, LIMITS)
        return False

    def _def(self, name: str) -> ir.DefSym | None:
        if name in self.defs:
            return self.defs[name]
        d = self.def_decls[name]
        if name in self.def_resolving:
            self.diag.error("E315", f"'{name}' is defined in terms of itself", d.span,
                            "definitions cannot be recursive; use a quantifier or sum over a finite set")
            raise Bail
        self.def_resolving.add(name)
        try:
            sc = Scope(what="definition")
            params = []
            for p in d.params:
                pt = self._type(p.type, sc)
                if pt is None:
                    raise Bail
                sym = self._local(p.name, pt, p.span)
                sc.names[p.name] = sym
                params.append(sym)
            ret = self._type(d.ret, sc) if d.ret is not None else None
            if d.ret is not None and ret is None:
                raise Bail
            body = self.expr(d.body, sc, ret)
            if ret is not None:
                body = self.coerce(body, ret, d.body.span, f"the result of '{name}'")
            sym = ir.DefSym(name, params, ret, body, d.span, reads_state=_reads_state(body))
            self.defs[name] = sym
            return sym
        except Bail:
            return None
        finally:
            self.def_resolving.discard(name)


def _reads_state(e) -> bool:
    return e is not None and any(isinstance(n, ir.VarRef) for n in ir.iter_ir(e))
