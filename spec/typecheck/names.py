"""Names in expressions: locals, constants, variables, definitions, enum members, variants, fields and calls.

Part of the type checker (`spec.typecheck.model` combines the parts). A bare name shared
by two enums (`committed`) resolves by the expected type, or is reported (E307).
"""

from __future__ import annotations

from spec import ast, ir
from spec.diagnostics import Span, suggest
from spec.interp import ConstEvalError, eval_const
from spec.typecheck.builtins import BUILTINS
from spec.typecheck.state import BOOL, LIMITS, MAX_DOMAIN, FAILED_LOCAL, Ambiguous, Bail, CheckerState, Scope
from spec.types import (EnumType, ModelValueType, RecordType, SetType, TupleType, Type, UnionType, amount)


class Names(CheckerState):
    """Resolves the names an expression uses."""

    def _e_Name(self, e: ast.Name, sc: Scope, expected):
        local = sc.lookup(e.name)
        if local is FAILED_LOCAL:
            raise Bail
        if local is not None:
            return ir.Local(local.type, e.span, local)
        if e.name in self.const_decls:
            info = self._const(e.name)
            if info is None:
                raise Bail
            if info.symbolic:
                return info.expr if info.expr is not None else ir.SymConst(info.type, e.span, info)
            return ir.Lit(info.type, e.span, info.value)
        if e.name in self.vars:
            var = self.vars[e.name]
            if e.name in self.bad_vars:
                raise Bail
            if not sc.state:
                self.diag.error("E205", f"'{e.name}' is a state variable; {_a(sc.what)} cannot read the state",
                                e.span)
                raise Bail
            return ir.VarRef(var.type, e.span, var)
        if e.name in self.def_decls:
            fn = self._def(e.name)
            if fn is None:
                raise Bail
            if fn.params:
                self.diag.error("E306", f"'{e.name}' takes {len(fn.params)} argument(s)", e.span,
                                f"call it: {e.name}({', '.join(p.name for p in fn.params)})")
                raise Bail
            return self._call_def(fn, [], e.span, sc)
        if e.name in self.values:
            return self._value_name(e.name, e.span, expected)
        if e.name in self.ctors and self.ctors[e.name]:
            union, variant = self.ctors[e.name][0]
            self.diag.error("E306", f"'{e.name}' needs its fields: {e.name}(...)", e.span)
            raise Bail
        t = self._named_type(e.name, e.span) if (e.name in self.types or e.name in self.type_decls) else None
        if t is not None:
            return self._all_values(t, e.span)
        if e.name in self.ctors:
            raise Bail
        if e.name in self.var_names:  # not typed yet: we are evaluating a constant
            what = _a(sc.what) if not sc.state else f"{_a(sc.what)} used in a constant"
            self.diag.error("E205", f"'{e.name}' is a state variable; {what} cannot read the state", e.span)
            raise Bail
        if e.name == "bool":  # the type, as the set of its two values (spec.typecheck.typesets)
            return self._all_values(BOOL, e.span)
        names = list(sc.all_names()) + list(self.const_decls) + list(self.vars) + list(self.def_decls) \
            + list(self.values) + list(self.types)
        self.diag.error("E201", f"unknown name '{e.name}'", e.span, suggest(e.name, names))
        raise Bail

    def _value_name(self, name: str, span: Span, expected: Type | None) -> ir.Lit:
        cands = self.values[name]
        if len(cands) > 1 and expected is not None:
            match = [c for c in cands if c[0] == expected]
            if match:
                cands = match
        if len(cands) > 1:
            if expected is None and self.trying:
                raise Ambiguous
            owners = " and ".join(c[0].show() for c in cands)
            self.diag.error("E307", f"'{name}' is a member of {owners}", span,
                            f"say which one: {cands[0][0].show()}.{name}")
            raise Bail
        t, code, kind = cands[0]
        if isinstance(t, ModelValueType) and t.symmetric:
            self.member_refs.setdefault(t, span)
        return ir.Lit(t, span, code)

    def _all_values(self, t: Type, span: Span) -> ir.Lit:
        if isinstance(t, ModelValueType) and t.symmetric:
            pass  # the whole set is symmetric: no element is singled out
        if t.count() > MAX_DOMAIN:
            self.diag.error("E318", f"type {t.show()} has {amount(t.count())} values: too many to use as a set",
                            span, f"a type used as the set of all its values has at most {MAX_DOMAIN:,} values; "
                            + LIMITS)
            raise Bail
        self._sized(SetType(t), span)
        mask = 0
        for c in t.codes():
            mask |= 1 << c
        return ir.Lit(SetType(t), span, mask)

    def _e_FieldAccess(self, e: ast.FieldAccess, sc, expected):
        if isinstance(e.base, ast.Name) and sc.lookup(e.base.name) is None and e.base.name not in self.vars \
                and e.base.name not in self.const_decls:
            t = self._named_type(e.base.name, e.base.span) if (
                e.base.name in self.types or e.base.name in self.type_decls) else None
            if isinstance(t, (EnumType, UnionType)):
                return self._qualified(t, e)
        base = self.expr(e.base, sc)
        t = base.type
        if isinstance(t, RecordType) and not isinstance(t, TupleType):
            try:
                i = t.index_of(e.name)
            except KeyError:
                self.diag.error("E304", f"{t.show()} has no field '{e.name}'", e.name_span,
                                suggest(e.name, [n for n, _ in t.fields]))
                raise Bail from None
            return ir.Op(t.fields[i][1], e.span, "field", [base], i)
        if isinstance(t, UnionType):
            having = [(info, info.payload.index_of(e.name)) for info in t.infos
                      if info.payload and e.name in [n for n, _ in info.payload.fields]]
            if not having:
                names = {n for i in t.infos if i.payload for n, _ in i.payload.fields}
                self.diag.error("E304", f"no variant of {t.show()} has a field '{e.name}'", e.name_span,
                                suggest(e.name, names))
                raise Bail
            ftypes = {info.payload.fields[i][1] for info, i in having}
            if len(ftypes) > 1:
                self.diag.error("E304", f"field '{e.name}' has different types in the variants of {t.show()}",
                                e.name_span, "use 'match' to take the variant apart")
                raise Bail
            return ir.Op(ftypes.pop(), e.span, "ufield", [base],
                         tuple((info.name, i) for info, i in having))
        self.diag.error("E304", f"a value of type {t.show()} has no fields", e.span)
        raise Bail

    def _qualified(self, t: Type, e: ast.FieldAccess) -> ir.Expr:
        if isinstance(t, EnumType):
            if e.name not in t.members:
                self.diag.error("E201", f"{t.show()} has no member '{e.name}'", e.name_span,
                                suggest(e.name, t.members))
                raise Bail
            if isinstance(t, ModelValueType) and t.symmetric:
                self.member_refs.setdefault(t, e.span)
            return ir.Lit(t, e.span, t.members.index(e.name))
        try:
            info = t.variant(e.name)
        except KeyError:
            self.diag.error("E201", f"{t.show()} has no variant '{e.name}'", e.name_span,
                            suggest(e.name, [n for n, _ in t.variants]))
            raise Bail from None
        if info.payload is not None:
            self.diag.error("E306", f"'{e.name}' needs its fields: {e.name}(...)", e.span)
            raise Bail
        return ir.Lit(t, e.span, info.base)

    def _e_Call(self, e: ast.Call, sc, expected):
        local = sc.lookup(e.name)
        if local is None and e.name in self.def_decls:
            fn = self._def(e.name)
            if fn is None:
                raise Bail
            if e.generator is not None or len(e.args) != len(fn.params):
                self.diag.error("E306", f"'{e.name}' takes {len(fn.params)} argument(s), "
                                f"given {len(e.args) if e.generator is None else 'a generator'}", e.span)
                raise Bail
            args = [self.coerce(self.expr(a, sc, p.type), p.type, a.span, f"argument '{p.name}'")
                    for a, p in zip(e.args, fn.params)]
            return self._call_def(fn, args, e.span, sc)
        if local is None and e.name in self.ctors and self.ctors[e.name]:
            return self._ctor(e, sc, expected)
        if e.name in BUILTINS:
            return getattr(self, "_b_" + e.name)(e, sc, expected)
        names = list(self.def_decls) + list(self.ctors) + sorted(BUILTINS)
        self.diag.error("E201", f"unknown function '{e.name}'", e.name_span, suggest(e.name, names))
        raise Bail

    def _call_def(self, fn: ir.DefSym, args, span, sc: Scope) -> ir.Expr:
        if fn.reads_state and not sc.state:
            self.diag.error("E205", f"'{fn.name}' reads the state; {_a(sc.what)} cannot", span)
            raise Bail
        t = fn.ret if fn.ret is not None else fn.body.type
        call = ir.Call(t, span, fn, args)
        if not fn.reads_state and all(isinstance(a, ir.Lit) for a in args):
            try:
                return ir.Lit(t, span, eval_const(call))
            except ConstEvalError:
                return call
        return call

    def _ctor(self, e: ast.Call, sc, expected):
        cands = self.ctors[e.name]
        if len(cands) > 1 and isinstance(expected, UnionType):
            cands = [c for c in cands if c[0] == expected] or cands
        if len(cands) > 1:
            if expected is None and self.trying:
                raise Ambiguous
            self.diag.error("E307", f"'{e.name}' is a variant of {' and '.join(c[0].show() for c in cands)}",
                            e.span, f"say which one: {cands[0][0].show()}.{e.name}(...)")
            raise Bail
        union, name = cands[0]
        info = union.variant(name)
        if info.payload is None:
            self.diag.error("E306", f"'{name}' has no fields; write it without parentheses", e.span)
            raise Bail
        fields = info.payload.fields
        if e.generator is not None or len(e.args) != len(fields):
            self.diag.error("E306", f"'{name}' takes {len(fields)} field(s): "
                            f"{', '.join(f'{n}: {t.show()}' for n, t in fields)}", e.span)
            raise Bail
        args = [self.coerce(self.expr(a, sc, ft), ft, a.span, f"field '{fn}'") for a, (fn, ft) in zip(e.args, fields)]
        node = ir.Op(union, e.span, "ctor", args, name)
        if all(isinstance(a, ir.Lit) for a in args):
            return ir.Lit(union, e.span, eval_const(node))
        return node


def _a(noun: str) -> str:
    return ("an " if noun[:1] in "aeiou" else "a ") + noun
