"""Constants: their values (from the model or `--const`), sets of model values, assumptions.

Part of the type checker (`spec.typecheck.model` combines the parts). Constants are
evaluated first, so that types, ranges and capacities can use them; errors are E4xx.
"""

from __future__ import annotations

from spec import ast, ir
from spec import values as V
from spec.diagnostics import Span, suggest
from spec.interp import ConstEvalError, eval_const
from spec.typecheck.builtins import BUILTINS
from spec.typecheck.state import LIMITS, Bail, CheckerState, ConstOverride, Scope, first_duplicate
from spec.types import MAX_MODEL_VALUES, IntType, ModelValueType, SetType, Type, amount, same_shape


class Constants(CheckerState):
    """Evaluates the constants and the assumptions about them."""

    def _constants(self, decls: list) -> list[ast.Assume]:
        """Every constant and named type, then the assumptions about constants alone (returned),
        then the `--const` overrides that name no constant (E403)."""
        for name in list(self.const_decls):
            self._const(name)
        for name in list(self.type_decls):
            self._named_type(name, self.type_decls[name].span)
        early = [d for d in decls if isinstance(d, ast.Assume) and self._only_constants(d.cond)]
        for d in early:
            self._assume(d)
        if any(x.code in ("E402", "E405") for x in self.diag.items):
            self.diag.done()  # constants that break an assumption would only cause follow-on errors
        for name, o in self.overrides.items():
            if name not in self.const_decls:
                self.diag.error("E403", f"--const {name}: the model has no constant '{name}'", None,
                                suggest(name, self.const_decls) or
                                f"constants: {', '.join(sorted(self.const_decls)) or 'none'}")
        return early

    def _const_scope(self) -> Scope:
        return Scope(state=False, what="constant")

    def _const(self, name: str) -> ir.ConstInfo | None:
        if name in self.consts:
            return self.consts[name]
        if name in self.const_failed:
            return None
        d = self.const_decls[name]
        if name in self.const_resolving:
            self.diag.error("E404", f"constant '{name}' is defined in terms of itself", d.span)
            raise Bail
        self.const_resolving.add(name)
        try:
            info = self._const_info(d)
        except Bail:
            info = None
        finally:
            self.const_resolving.discard(name)
        if info is not None:
            self.consts[name] = info
        else:
            self.const_failed.add(name)
        return info

    def _const_info(self, d: ast.Const) -> ir.ConstInfo | None:
        override = self.overrides.get(d.name)
        if d.symmetric or (d.members is not None and not self._lists_known_values(d)):
            return self._model_values(d, override)
        declared = self._type(d.type, self._const_scope()) if d.type is not None else None
        if d.type is not None and declared is None:
            raise Bail
        source = override.expr if override is not None else d.value
        if override is not None and override.expr is None:
            self.diag.error("E405", f"--const {d.name}={override.text}: '{d.name}' is not a set of model values",
                            None, "give a value of its type, for example --const " + f"{d.name}=3")
            raise Bail
        if source is None and declared is not None:
            # symbolic: the symbolic engines check every value of the type that the assumptions allow
            return ir.ConstInfo(d.name, declared, None, d.span, False, symbolic=True)
        if source is None:
            self.diag.error("E401", f"constant '{d.name}' has no value", d.span,
                            f"give one on the command line (--const {d.name}=VALUE), or a type "
                            f"(const {d.name}: 0..100) to make it symbolic")
            raise Bail
        e = self.expr(source, self._const_scope(), declared)
        if declared is not None:
            e = self.coerce(e, declared, source.span, f"constant '{d.name}'")
        elif override is not None and d.value is not None:
            default = self._quiet(lambda: self.expr(d.value, self._const_scope()))
            if default is not None and not same_shape(default.type, e.type):
                kind = "an integer" if isinstance(default.type, IntType) else default.type.show()
                self.diag.error("E405", f"--const {d.name}={override.text}: '{d.name}' is {kind} "
                                f"(its default is {V.show(ir.decode_value(default.type, self._evaluate(default, d.span)))})"
                                if isinstance(default, ir.Lit) else
                                f"--const {d.name}={override.text}: '{d.name}' is {kind}", None,
                                f"give a value of type {default.type.show() if not isinstance(default.type, IntType) else 'integer'}")
                raise Bail
        if _symbolic_in(e):  # derived from a symbolic constant: symbolic too, its definition inlined
            return ir.ConstInfo(d.name, declared or e.type, None, d.span, override is not None,
                                symbolic=True, expr=e)
        value = self._evaluate(e, source.span)
        t = declared if declared is not None else _const_type(e.type, value)
        return ir.ConstInfo(d.name, t, value, d.span, override is not None)

    def _lists_known_values(self, d: ast.Const) -> bool:
        """Whether `const S = {a, b}` is a set of values declared elsewhere, not new model values.

        It is when it has a type (`const LIVE: set[Phase] = {open}`) or names a
        declared constant, enum member or variant (`const S = {A, B}`).
        """
        if d.type is not None:
            return True
        return any(n in self.decl_spans or n in self.ctors
                   or any(kind == "enum" for _, _, kind in self.values.get(n, ()))
                   for n, _ in d.members)

    def _model_values(self, d: ast.Const, override: ConstOverride | None) -> ir.ConstInfo | None:
        self._few_model_values(d, override)
        if override is not None:
            if override.members is not None:
                members = override.members
            elif override.size is not None:
                members = [f"{d.name}{i}" for i in range(1, override.size + 1)]
            else:
                self.diag.error("E405", f"--const {d.name}={override.text}: '{d.name}' is a set of model "
                                f"values; give a size ({d.name}=4) or names ({d.name}={{a,b}})", None)
                raise Bail
            spans = [d.span] * len(members)
        elif d.members is not None:
            members = [n for n, _ in d.members]
            spans = [s for _, s in d.members]
        else:
            members = [f"{d.name}{i}" for i in range(1, (d.size or 0) + 1)]
            spans = [d.span] * len(members)
        if not members:
            self.diag.error("E406", f"the set of model values '{d.name}' is empty", d.span)
            raise Bail
        dup = first_duplicate(members)
        if dup:
            self.diag.error("E202", f"'{dup}' appears twice in '{d.name}'", d.span)
            raise Bail
        t = ModelValueType(d.name, tuple(members), d.symmetric)
        self.types[d.name] = t
        for i, (m, span) in enumerate(zip(members, spans)):
            self._add_value(m, span, t, i, "model value")
            if override is None:
                self.decl_spans.setdefault(m, span)
        return ir.ConstInfo(d.name, SetType(t), (1 << len(members)) - 1, d.span, override is not None)

    def _few_model_values(self, d: ast.Const, override: ConstOverride | None) -> None:
        """Refuses (E323) a set of model values with more than MAX_MODEL_VALUES members, before naming them."""
        if override is not None:
            n = len(override.members) if override.members is not None else override.size or 0
        else:
            n = len(d.members) if d.members is not None else d.size or 0
        if n > MAX_MODEL_VALUES:
            given = f"--const {d.name}={override.text}: " if override is not None else ""
            self.diag.error("E323", f"{given}the set of model values '{d.name}' has {amount(n)} members: a set of "
                            f"model values has at most {MAX_MODEL_VALUES:,}", d.span, LIMITS)
            raise Bail

    def _evaluate(self, e: ir.Expr, span: Span):
        syms = _symbolic_in(e)
        if syms:
            name = syms[0].const.name
            if name not in self.symbolic_reported:
                self.symbolic_reported.add(name)
                self.diag.error("E401", f"constant '{name}' has no value, and it is needed here", span,
                                f"'{name}' is symbolic (declared without a value), which only the symbolic "
                                f"engines accept, and not in a type or a capacity; give it a value: "
                                f"--const {name}=VALUE")
            raise Bail
        try:
            return eval_const(e)
        except ConstEvalError as exc:
            self.diag.error("E407", f"cannot evaluate this constant expression: {exc}", span)
            raise Bail from None

    def _only_constants(self, e) -> bool:
        """Whether every name in e is a constant or a member of one (so it can be checked first)."""
        names = {n.name for n in ast.walk(e) if isinstance(n, ast.Name)}
        names |= {n.name for n in ast.walk(e) if isinstance(n, ast.Call) and n.name not in BUILTINS}
        return all(n in self.const_decls or n in self.values for n in names)

    def _assume(self, d: ast.Assume) -> None:
        try:
            cond = self._bool(d.cond, Scope(state=False, what="assumption"))
            if _symbolic_in(cond):  # a constraint on symbolic constants, for the symbolic engines
                self.assumptions.append(ir.AssumeIR(d.name, cond, d.span))
                return
            ok = self._evaluate(cond, d.cond.span)
        except Bail:
            return
        if not ok:
            label = f" '{d.name}'" if d.name else ""
            shown = ", ".join(f"{n} = {V.show(ir.decode_value(c.type, c.value))}"
                              for n, c in self.consts.items() if _mentions(d.cond, n))
            self.diag.error("E402", f"assumption{label} does not hold for these constants", d.cond.span,
                            notes=(f"with {shown}",) if shown else ())

    def _fixed_bound(self, e: ast.Expr, decimals: int) -> int:
        x = self.expr(e, self._const_scope())
        if not isinstance(x.type, IntType):
            self.diag.error("E302", f"expected an amount, found {x.type.show()}", e.span)
            raise Bail
        v = self._evaluate(x, e.span)
        d = x.type.decimals
        if d > decimals:
            self.diag.error("E313", f"{V.show(V.Fixed(v, d))} has more than {decimals} decimals", e.span)
            raise Bail
        return v * 10 ** (decimals - d)

    def _const_int(self, e: ast.Expr) -> int:
        x = self.expr(e, self._const_scope())
        if not isinstance(x.type, IntType):
            self.diag.error("E302", f"expected an integer, found {x.type.show()}", e.span)
            raise Bail
        return self._evaluate(x, e.span)


def _symbolic_in(e) -> list:
    """The symbolic constants an expression reads."""
    return [n for n in ir.iter_ir(e) if isinstance(n, ir.SymConst)]


def _const_type(t: Type, value) -> Type:
    if isinstance(t, IntType):
        return IntType(value, value, t.decimals)
    return t


def _mentions(e, name: str) -> bool:
    return any(isinstance(n, ast.Name) and n.name == name for n in ast.walk(e))
