"""Built-in functions: `len`, `sum`, `min`, `max`, options, sequences, and fixed-point `mul`, `div`, `round`, `fixed`.

Part of the type checker (`spec.typecheck.model` combines the parts). A call to a
built-in `name` is typed by the method `_b_<name>`.
"""

from __future__ import annotations

from spec import ast, ir
from spec.typecheck.intervals import floor_div, interval
from spec.typecheck.state import Bail, CheckerState, Scope
from spec.types import IntType, OptionType, SeqType, SetType, same_shape

BUILTINS = {"len", "sum", "min", "max", "some", "get", "append", "head", "tail", "last", "abs", "take", "drop",
            "mul", "div", "round", "fixed"}
ROUNDING = ("down", "up", "half_even")


class Builtins(CheckerState):
    """Types the calls of built-in functions."""

    def _gen_or_args(self, e: ast.Call, sc: Scope, n: int | None = None):
        if e.generator is not None:
            return None
        if n is not None and len(e.args) != n:
            self.diag.error("E306", f"'{e.name}' takes {n} argument(s), given {len(e.args)}", e.span)
            raise Bail
        return e.args

    def _need_args(self, e):
        self.diag.error("E306", f"'{e.name}' does not take a generator", e.span)
        raise Bail

    def _b_len(self, e, sc, expected):
        (a,) = self._gen_or_args(e, sc, 1) or self._need_args(e)
        x = self._set_operand(a, sc)
        if isinstance(x.type, SetType):
            return ir.Op(IntType(0, x.type.elem.count()), e.span, "card", [x])
        if isinstance(x.type, SeqType):
            return ir.Op(IntType(0, x.type.capacity), e.span, "len", [x])
        self.diag.error("E302", f"len() takes a set or a sequence, found {x.type.show()}", a.span)
        raise Bail

    def _b_abs(self, e, sc, expected):
        (a,) = self._gen_or_args(e, sc, 1) or self._need_args(e)
        x = self._int(a, sc)
        lo, hi = x.type.lo, x.type.hi
        t = IntType(0 if lo <= 0 <= hi else min(abs(lo), abs(hi)), max(abs(lo), abs(hi)), x.type.decimals)
        return ir.Op(t, e.span, "abs", [x])

    def _b_some(self, e, sc, expected):
        (a,) = self._gen_or_args(e, sc, 1) or self._need_args(e)
        inner = expected.elem if isinstance(expected, OptionType) else None
        x = self.expr(a, sc, inner)
        t = OptionType(inner if inner is not None and same_shape(x.type, inner) else x.type)
        x = self.coerce(x, t.elem, a.span, "the value of some(...)")
        return ir.Op(t, e.span, "some", [x])

    def _b_get(self, e, sc, expected):
        (a,) = self._gen_or_args(e, sc, 1) or self._need_args(e)
        x = self.expr(a, sc)
        if not isinstance(x.type, OptionType):
            self.diag.error("E302", f"get() takes an option, found {x.type.show()}", a.span)
            raise Bail
        return ir.Op(x.type.elem, e.span, "optget", [x])

    def _seq_arg(self, e, sc, n):
        args = self._gen_or_args(e, sc, n) or self._need_args(e)
        q = self.expr(args[0], sc)
        if not isinstance(q.type, SeqType):
            self.diag.error("E302", f"{e.name}() takes a sequence, found {q.type.show()}", args[0].span)
            raise Bail
        return q, args

    def _b_append(self, e, sc, expected):
        q, args = self._seq_arg(e, sc, 2)
        x = self.coerce(self.expr(args[1], sc, q.type.elem), q.type.elem, args[1].span, "an element")
        return ir.Op(q.type, e.span, "append", [q, x])

    def _b_head(self, e, sc, expected):
        q, _ = self._seq_arg(e, sc, 1)
        return ir.Op(q.type.elem, e.span, "head", [q])

    def _b_last(self, e, sc, expected):
        q, _ = self._seq_arg(e, sc, 1)
        return ir.Op(q.type.elem, e.span, "last", [q])

    def _b_take(self, e, sc, expected):
        q, args = self._seq_arg(e, sc, 2)
        return ir.Op(q.type, e.span, "take", [q, self._int(args[1], sc)])

    def _b_drop(self, e, sc, expected):
        q, args = self._seq_arg(e, sc, 2)
        return ir.Op(q.type, e.span, "drop", [q, self._int(args[1], sc)])

    def _b_tail(self, e, sc, expected):
        q, _ = self._seq_arg(e, sc, 1)
        return ir.Op(q.type, e.span, "tail", [q])

    def _rounding(self, arg: ast.Expr) -> str:
        if isinstance(arg, ast.Name) and arg.name in ROUNDING:
            return arg.name
        self.diag.error("E322", "the rounding is one of down, up, half_even", arg.span,
                        "down rounds toward minus infinity, up toward plus infinity, half_even to the nearest "
                        "(ties to even)")
        raise Bail

    def _b_mul(self, e, sc, expected):
        """mul(a, b, mode): a * b in a's decimals, rounded."""
        args = self._gen_or_args(e, sc, 3) or self._need_args(e)
        a, b = self._int(args[0], sc), self._int(args[1], sc)
        mode = self._rounding(args[2])
        scale = 10 ** b.type.decimals
        t = interval("mul", a.type, b.type)
        lo, hi = floor_div(t.lo, scale), -floor_div(-t.hi, scale)
        return ir.Op(IntType(lo, hi, a.type.decimals), e.span, "fmul", [a, b], (mode, scale))

    def _b_div(self, e, sc, expected):
        """div(a, b, mode): a / b in a's decimals, rounded."""
        args = self._gen_or_args(e, sc, 3) or self._need_args(e)
        a, b = self._int(args[0], sc), self._int(args[1], sc)
        mode = self._rounding(args[2])
        if isinstance(b, ir.Lit) and b.value == 0:
            self.diag.error("E319", "division by zero", args[1].span)
            raise Bail
        scale = 10 ** b.type.decimals
        num = IntType(a.type.lo * scale, a.type.hi * scale)
        t = interval("div", num, b.type)
        return ir.Op(IntType(t.lo - 1, t.hi + 1, a.type.decimals), e.span, "fdiv", [a, b], (mode, scale))

    def _b_round(self, e, sc, expected):
        """round(a, D, mode): the amount a with D decimals."""
        args = self._gen_or_args(e, sc, 3) or self._need_args(e)
        a = self._int(args[0], sc)
        d = self._const_int(args[1])
        mode = self._rounding(args[2])
        return self._rescale(a, d, mode, e.span)

    def _b_fixed(self, e, sc, expected):
        """fixed(x, D): the integer (or amount) x as an amount with D decimals, exactly (scaling up)."""
        self._fixed_type_here(e)
        args = self._gen_or_args(e, sc, 2) or self._need_args(e)
        a = self._int(args[0], sc)
        d = self._const_int(args[1])
        if d < a.type.decimals:
            self.diag.error("E322", f"fixed(x, {d}) would drop decimals of {a.type.show()}", e.span,
                            f"use round(x, {d}, mode)")
            raise Bail
        return self._rescale(a, d, "down", e.span)

    def _rescale(self, a: ir.Expr, d: int, mode: str, span) -> ir.Expr:
        if not 0 <= d <= 18:
            self.diag.error("E322", "the number of decimals is 0 to 18", span)
            raise Bail
        src = a.type.decimals
        if d >= src:
            f = 10 ** (d - src)
            t = IntType(a.type.lo * f, a.type.hi * f, d)
        else:
            f = 10 ** (src - d)
            t = IntType(floor_div(a.type.lo, f), -floor_div(-a.type.hi, f), d)
        node = ir.Op(t, span, "rescale", [a], (mode, src, d))
        return self._fold(node)

    def _b_sum(self, e, sc, expected):
        return self._aggregate(e, sc, "sum")

    def _b_min(self, e, sc, expected):
        return self._aggregate(e, sc, "min")

    def _b_max(self, e, sc, expected):
        return self._aggregate(e, sc, "max")

    def _aggregate(self, e: ast.Call, sc: Scope, kind: str):
        if e.generator is not None:
            binders, inner, cond = self._generator(e.generator, sc)
            body = self._int(e.body, inner)
            n = _max_iterations(binders)
            lo, hi, d = body.type.lo, body.type.hi, body.type.decimals
            if kind == "sum":
                t = IntType(min(0, lo * n), max(0, hi * n), d)
            else:
                t = IntType(lo, hi, d)
            return ir.Quant(t, e.span, kind, binders, cond, body)
        if len(e.args) == 1:
            x = self.expr(e.args[0], sc)
            if isinstance(x.type, SetType) and isinstance(x.type.elem, IntType):
                sym = self._local("_", x.type.elem, e.span)
                body = ir.Local(x.type.elem, e.span, sym)
                el = x.type.elem
                n = el.size
                t = IntType(min(0, el.lo * n), max(0, el.hi * n), el.decimals) if kind == "sum" else el
                return ir.Quant(t, e.span, kind, [ir.Binder(sym, x)], None, body)
            self.diag.error("E302", f"{kind}() takes a set of integers or a generator "
                            f"({kind}(e for x in S)), found {x.type.show()}", e.args[0].span)
            raise Bail
        if kind == "sum" or not e.args:
            self.diag.error("E306", f"{kind}() takes one set or a generator", e.span)
            raise Bail
        xs = [self._int(a, sc) for a in e.args]
        d = max(x.type.decimals for x in xs)
        xs = [self._scale_lit(x, d) if isinstance(x, ir.Lit) and x.type.decimals != d else x for x in xs]
        if any(x.type.decimals != d for x in xs):
            self.diag.error("E322", f"{kind}() mixes amounts with different decimals", e.span)
            raise Bail
        lo = (min if kind == "min" else max)(x.type.lo for x in xs)
        hi = (min if kind == "min" else max)(x.type.hi for x in xs)
        return ir.Op(IntType(lo, hi, d), e.span, kind + "of", xs)


def _max_iterations(binders) -> int:
    n = 1
    for b in binders:
        t = b.domain.type
        n *= t.capacity if isinstance(t, SeqType) else t.elem.count()
    return n
