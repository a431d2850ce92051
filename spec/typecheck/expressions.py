"""Expressions: the typing of one expression against an expected type, binders, `if`, `match`, conversions.

Part of the type checker (`spec.typecheck.model` combines the parts). `expr` dispatches
on the AST node's class to a method `_e_<Class>`, defined here and in the modules of
names (`spec.typecheck.names`), operators (`spec.typecheck.operators`) and literals
(`spec.typecheck.literals`). Typing is bidirectional: an expected type flows into
literals and names, so `{}` and `none` get their type from where they are used.
"""

from __future__ import annotations

import copy

from spec import ast, ir
from spec import values as V
from spec.diagnostics import Span, suggest
from spec.interp import eval_const
from spec.typecheck.state import BOOL, FAILED_LOCAL, Ambiguous, Bail, CheckerState, Scope
from spec.types import IntType, OptionType, SeqType, SetType, Type, UnionType, fits, join, same_shape


class Expressions(CheckerState):
    """Types expressions; the entry points every other part calls."""

    def _bool(self, e: ast.Expr, sc: Scope) -> ir.Expr:
        return self.coerce(self.expr(e, sc, BOOL), BOOL, e.span, "a condition")

    def _int(self, e: ast.Expr, sc: Scope) -> ir.Expr:
        x = self.expr(e, sc)
        if not isinstance(x.type, IntType):
            self.diag.error("E302", f"expected an integer, found {x.type.show()}", e.span)
            raise Bail
        return x

    def expr(self, e: ast.Expr, sc: Scope, expected: Type | None = None) -> ir.Expr:
        method = getattr(self, "_e_" + type(e).__name__)
        return method(e, sc, expected)

    def _try(self, e: ast.Expr, sc: Scope, expected: Type | None = None) -> ir.Expr | None:
        """Like expr, but returns None instead of failing on an ambiguous bare name."""
        self.trying += 1
        try:
            return self.expr(e, sc, expected)
        except Ambiguous:
            return None
        finally:
            self.trying -= 1

    def _quiet(self, fn):
        """Runs fn, discarding any diagnostics it reports (for look-ahead)."""
        saved = list(self.diag.items)
        try:
            return fn()
        except Bail:
            return None
        finally:
            self.diag.items = saved

    def domain(self, e: ast.Expr, sc: Scope) -> tuple[ir.Expr, Type]:
        d = self._set_operand(e, sc)
        elem = elem_type(d.type)
        if elem is None:
            self.diag.error("E302", f"expected a set or a sequence to range over, found {d.type.show()}", e.span)
            raise Bail
        return d, elem

    def _generator(self, g: ast.Generator, sc: Scope):
        inner = sc.child()
        binders = []
        for b in g.bindings:
            dom, elem = self.domain(b.domain, inner)
            for name, span in b.names:
                sym = self._local(name, elem, span)
                binders.append(ir.Binder(sym, dom))
                inner.names[name] = sym
        cond = self._bool(g.condition, inner) if g.condition is not None else None
        return binders, inner, cond

    def _e_Quant(self, e: ast.Quant, sc, expected):
        if e.kind == "the":
            return self._the(e, sc)
        binders, inner, cond = self._generator(e.generator, sc)
        body = self._bool(e.body, inner)
        return ir.Quant(BOOL, e.span, e.kind, binders, cond, body)

    def _the(self, e: ast.Quant, sc: Scope) -> ir.Quant:
        """`the x in S: P`: the unique element of the set S satisfying P, as a Quant of kind "the"
        whose condition is P and whose body is x (a run-time error unless exactly one satisfies P)."""
        (binding,) = e.generator.bindings
        ((name, span),) = binding.names
        dom = self._set_operand(binding.domain, sc)
        if not isinstance(dom.type, SetType):
            self.diag.error("E302", f"'the' chooses from a set, found {dom.type.show()}", binding.domain.span,
                            f"write `the {name} in S: P` with S a set (a sequence's elements may repeat)")
            raise Bail
        inner = sc.child()
        sym = self._local(name, dom.type.elem, span)
        inner.names[name] = sym
        cond = self.expr(e.body, inner, BOOL)
        if cond.type != BOOL:
            self.diag.error("E302", f"the condition of 'the' must be a bool, found {cond.type.show()}", e.body.span,
                            f"write `the {name} in S: P` with P true of exactly one element, e.g. `{name} == ...`")
            raise Bail
        return ir.Quant(dom.type.elem, e.span, "the", [ir.Binder(sym, dom)], cond, ir.Local(dom.type.elem, span, sym))

    def _e_Ite(self, e: ast.Ite, sc, expected):
        c = self._bool(e.cond, sc)
        a = self._try(e.then, sc, expected)
        if a is None:
            b = self.expr(e.orelse, sc, expected)
            a = self.expr(e.then, sc, b.type)
        else:
            b = self.expr(e.orelse, sc, expected or self._sibling_hint(a.type, e.orelse, sc))
        t = self._unify(a, b, e.span, "combine the branches")
        if expected is not None and same_shape(t, expected) and not isinstance(t, IntType):
            t = expected
        return ir.Op(t, e.span, "ite", [c, self.coerce(a, t, e.then.span), self.coerce(b, t, e.orelse.span)])

    def _e_LetIn(self, e: ast.LetIn, sc, expected):
        """`let x = v in body`: v is checked in the scope around, body with x bound to it."""
        inner = sc.child()
        try:
            declared, value = self._let_value(e, sc)
        except Bail:
            inner.names[e.name] = FAILED_LOCAL  # the body's other errors are still reported
            self.expr(e.body, inner, expected)
            raise
        sym = self._local(e.name, declared or value.type, e.name_span)
        inner.names[e.name] = sym
        body = self.expr(e.body, inner, expected)
        return ir.LetIn(body.type, e.span, sym, value, body)

    def _e_Match(self, e: ast.Match, sc, expected):
        subj = self.expr(e.subject, sc)
        t = subj.type
        if not isinstance(t, (UnionType, OptionType)):
            self.diag.error("E308", f"'match' takes a union or an option, found {t.show()}", e.subject.span)
            raise Bail
        arms = []
        covered = set()
        result_t = expected
        bodies = []
        for arm in e.arms:
            p = arm.pattern
            inner = sc.child()
            if p.kind == "any":
                pat, locals_ = None, []
            elif isinstance(t, OptionType):
                pat, locals_ = self._option_pattern(p, t, inner)
            else:
                pat, locals_ = self._variant_pattern(p, t, inner)
            if pat in covered:
                self.diag.warn("W103", f"this arm is never taken: '{pat}' is matched above", p.span)
            if pat is None:
                covered.add(None)
            covered.add(pat)
            body = self.expr(arm.body, inner, result_t)
            bodies.append((body, arm.body.span))
            result_t = body.type if result_t is None else self._unify_types(result_t, body.type, arm.span,
                                                                            "combine the arms")
            arms.append(ir.MatchArm(pat, locals_, body))
        names = ["some", "none"] if isinstance(t, OptionType) else [n for n, _ in t.variants]
        missing = [n for n in names if n not in covered]
        if missing and None not in covered:
            self.diag.error("E308", f"'match' does not cover {', '.join(missing)}", e.span,
                            "add the missing arms or a catch-all '_ -> ...'")
            raise Bail
        for arm, (body, span) in zip(arms, bodies):
            arm.body = self.coerce(body, result_t, span)
        return ir.Match(result_t, e.span, subj, arms)

    def _option_pattern(self, p, t: OptionType, inner: Scope) -> tuple[str, list[ir.LocalSym]]:
        """`some(x)` (x bound in inner) or `none`, as (pattern, locals)."""
        if p.kind == "some" or (p.kind == "ctor" and p.name == "some"):
            if len(p.binds) != 1:
                self.diag.error("E308", "the pattern is some(x)", p.span)
                raise Bail
            sym = self._local(p.binds[0][0], t.elem, p.binds[0][1])
            inner.names[sym.name] = sym
            return "some", [sym]
        if p.kind == "none" or (p.kind == "ctor" and p.name == "none" and not p.has_parens):
            return "none", []
        self.diag.error("E308", "an option's patterns are some(x) and none", p.span)
        raise Bail

    def _variant_pattern(self, p, t: UnionType, inner: Scope) -> tuple[str, list[ir.LocalSym]]:
        """`Variant(a, b)` of union t (its fields bound in inner, except `_`), as (pattern, locals)."""
        if p.kind != "ctor":
            self.diag.error("E308", f"{t.show()} has variants, not {p.kind}", p.span)
            raise Bail
        try:
            info = t.variant(p.name)
        except KeyError:
            self.diag.error("E308", f"{t.show()} has no variant '{p.name}'", p.span,
                            suggest(p.name, [n for n, _ in t.variants]))
            raise Bail from None
        nfields = len(info.payload.fields) if info.payload else 0
        if p.binds and len(p.binds) != nfields or (not p.binds and p.has_parens and nfields):
            self.diag.error("E308", f"'{p.name}' has {nfields} field(s)", p.span)
            raise Bail
        locals_ = []
        for (name, span), (_, ft) in zip(p.binds, info.payload.fields if info.payload else ()):
            sym = self._local(name, ft, span)
            if name != "_":
                inner.names[name] = sym
            locals_.append(sym)
        return p.name, locals_

    def _unify(self, a: ir.Expr, b: ir.Expr, span: Span, what: str) -> Type:
        if same_shape(a.type, b.type):
            return self._sized(join(a.type, b.type), span)
        self.diag.error("E301", f"cannot {what} {a.type.show()} with {b.type.show()}", span)
        raise Bail

    def _unify_types(self, a: Type, b: Type, span: Span, what: str) -> Type:
        if same_shape(a, b):
            return self._sized(join(a, b), span)
        self.diag.error("E301", f"cannot {what} {a.show()} and {b.show()}", span)
        raise Bail

    def coerce(self, x: ir.Expr, t: Type, span: Span, what: str = "this") -> ir.Expr:
        """x as a value of type t, with a checked conversion where ranges differ."""
        if x.type == t:
            return x
        if isinstance(x.type, IntType) and isinstance(t, IntType) and x.type.decimals != t.decimals:
            if isinstance(x, ir.Lit) and x.type.decimals < t.decimals:
                x = self._scale_lit(x, t.decimals)
            else:
                self.diag.error("E322", f"type mismatch for {what}: expected {t.show()}, found {x.type.show()}",
                                span, "convert with fixed(x, D) or round(x, D, mode)")
                raise Bail
        if isinstance(x.type, IntType) and isinstance(t, IntType):
            if t.contains(x.type):
                return x
            if isinstance(x, ir.Lit) and t.lo <= x.value <= t.hi:  # a typed constant: its value fits
                return ir.Lit(IntType(x.value, x.value, t.decimals), x.span, x.value)
            if isinstance(x, ir.Lit):
                self.diag.error("E320", f"{x.value} is outside {t.show()} for {what}", span)
                raise Bail
            return ir.Op(t, x.span, "narrow", [x])
        if same_shape(x.type, t):
            if isinstance(x, ir.Lit):
                try:
                    plain = ir.decode_value(x.type, x.value)
                    return ir.Lit(t, x.span, ir.encode_value(t, plain))
                except V.EncodeError as exc:
                    self.diag.error("E320", f"{V.show(plain)} does not fit {t.show()} for {what}: {exc}", span)
                    raise Bail from None
            if fits(x.type, t):
                return _retype(x, t)
            return ir.Op(t, x.span, "convert", [x])
        self.diag.error("E302", f"type mismatch for {what}: expected {t.show()}, found {x.type.show()}", span)
        raise Bail

    def _fold(self, node: ir.Op) -> ir.Expr:
        if all(isinstance(a, ir.Lit) for a in node.args):
            return ir.Lit(node.type, node.span, eval_const(node))
        return node

    @staticmethod
    def _scale_lit(x: ir.Lit, decimals: int) -> ir.Lit:
        v = x.value * 10 ** (decimals - x.type.decimals)
        return ir.Lit(IntType(v, v, decimals), x.span, v)


def elem_type(t: Type) -> Type | None:
    """The type of the elements of a set or a sequence; None for any other type."""
    if isinstance(t, SetType):
        return t.elem
    if isinstance(t, SeqType):
        return t.elem
    return None


def _retype(x: ir.Expr, t: Type) -> ir.Expr:
    y = copy.copy(x)
    y.type = t
    return y
