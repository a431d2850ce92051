"""Operators: logic, comparison, membership, set algebra, ranges, arithmetic on integers and amounts, indexing.

Part of the type checker (`spec.typecheck.model` combines the parts). Integer results
get the static range of the operation (`spec.typecheck.intervals`); fixed-point amounts
are lined up or refused with a hint (E322).
"""

from __future__ import annotations

from spec import ast, ir
from spec.diagnostics import Diagnostic, Span, suggest
from spec.interp import eval_const
from spec.typecheck.expressions import elem_type
from spec.typecheck.intervals import interval
from spec.typecheck.state import BOOL, LIMITS, MAX_DOMAIN, Bail, CheckerState, Scope, span_text
from spec.types import (IntType, MapType, OptionType, RecordType, SeqType, SetType, TupleType, Type, UnionType,
                        join, same_shape)


DIVISIONS = ("div", "mod", "floordiv", "floormod")   # by zero: E319, or a run-time violation


class Operators(CheckerState):
    """Types unary and binary operators, `is` tests and indexing."""

    def _e_Binary(self, e: ast.Binary, sc: Scope, expected):
        op = e.op
        if op == "leads_to":
            self.diag.error("E321", "'leads_to' is a temporal operator: it may only be used in a 'property'",
                            e.span)
            raise Bail
        if op in ("and", "or", "implies"):
            a, b = self._bool(e.left, sc), self._bool(e.right, sc)
            return ir.Op(BOOL, e.span, op, [a, b])
        if op in ("==", "!="):
            return self._equality(e, sc)
        if op in ("<", "<=", ">", ">="):
            a, b = self._compare_ints(self._int(e.left, sc), self._int(e.right, sc), e)
            return ir.Op(BOOL, e.span, {"<": "lt", "<=": "le", ">": "gt", ">=": "ge"}[op], [a, b])
        if op in ("in", "notin"):
            return self._membership(e, sc)
        if op in ("|", "&", "subset") or (op == "-" and self._looks_like_set(e.left, sc)):
            return self._set_operation(e, sc)
        if op == "..":
            return self._range(e, sc)
        if op == "++":
            return self._concat(e, sc)
        return self._arith(e, sc)

    def _equality(self, e: ast.Binary, sc: Scope) -> ir.Expr:
        a, b = self._pair(e.left, e.right, sc)
        if isinstance(a.type, IntType) and isinstance(b.type, IntType) and a.type.decimals != b.type.decimals:
            a, b = self._compare_ints(a, b, e)
        t = self._unify(a, b, e.span, "compare")
        return ir.Op(BOOL, e.span, "eq" if e.op == "==" else "ne",
                     [self.coerce(a, t, e.left.span), self.coerce(b, t, e.right.span)])

    def _set_operation(self, e: ast.Binary, sc: Scope) -> ir.Expr:
        """`A | B`, `A & B`, `A - B` or `A subset B`."""
        op = e.op
        a, b = self._set_pair(e.left, e.right, sc)
        for x, span in ((a, e.left.span), (b, e.right.span)):
            if not isinstance(x.type, SetType):
                self.diag.error("E302", f"'{_op_text(op)}' needs sets, found {x.type.show()}", span)
                raise Bail
        t = self._unify(a, b, e.span, _op_text(op))
        args = [self.coerce(a, t, e.left.span), self.coerce(b, t, e.right.span)]
        name = {"|": "union", "&": "inter", "subset": "subset", "-": "diff"}[op]
        return ir.Op(BOOL if op == "subset" else t, e.span, name, args)

    def _range(self, e: ast.Binary, sc: Scope) -> ir.Expr:
        """`a..b` as a set of integers: a constant one is folded to its value."""
        a, b = self._int(e.left, sc), self._int(e.right, sc)
        elem = IntType(a.type.lo, b.type.hi) if a.type.lo <= b.type.hi else IntType(a.type.lo, a.type.lo)
        if isinstance(a, ir.Lit) and isinstance(b, ir.Lit):
            lo, hi = a.value, b.value
            if hi - lo + 1 > MAX_DOMAIN:
                self.diag.error("E318", f"the range {lo}..{hi} has {hi - lo + 1:,} values: too many to use as "
                                f"a set (at most {MAX_DOMAIN:,})", e.span, LIMITS)
                raise Bail
            elem = IntType(lo, max(lo, hi))
            mask = ((1 << (hi - lo + 1)) - 1) if hi >= lo else 0
            return ir.Lit(SetType(elem), e.span, mask)
        if elem.size > MAX_DOMAIN:
            self.diag.error("E318", f"the range {e.left} .. {e.right} may be too large to use as a set",
                            e.span)
            raise Bail
        return ir.Op(SetType(elem), e.span, "range", [a, b])

    def _concat(self, e: ast.Binary, sc: Scope) -> ir.Expr:
        """`q ++ r`: its capacity is the sum of theirs."""
        a, b = self.expr(e.left, sc), self.expr(e.right, sc, None)
        if not isinstance(a.type, SeqType) or not isinstance(b.type, SeqType):
            self.diag.error("E302", f"'++' joins sequences, found {a.type.show()} and {b.type.show()}",
                            e.span)
            raise Bail
        t = self._unify(a, b, e.span, "join")
        t = self._sized(SeqType(t.elem, a.type.capacity + b.type.capacity), e.span)
        return ir.Op(t, e.span, "concat", [self.coerce(a, SeqType(t.elem, a.type.capacity), e.left.span),
                                           self.coerce(b, SeqType(t.elem, b.type.capacity), e.right.span)])

    def _looks_like_set(self, e: ast.Expr, sc: Scope) -> bool:
        """Whether e, the left side of a '-', is a set (a difference) rather than an integer.

        `a - b - c` is a set exactly when `a` is: only the leftmost operand of a chain of '-' is
        typed, once, so a long chain costs neither deep recursion nor typing its prefixes again.
        """
        while isinstance(e, ast.Binary) and e.op == "-":
            e = e.left
        if self._quiet(lambda: self._structured_set(e, sc)) is not None:
            return True
        x = self._quiet(lambda: self._try(e, sc))
        return x is not None and isinstance(x.type, SetType)

    def _arith(self, e: ast.Binary, sc: Scope):
        a, b = self._int(e.left, sc), self._int(e.right, sc)
        op = {"+": "add", "-": "sub", "*": "mul", "/": "div", "%": "mod", "**": "pow", "div": "floordiv",
              "mod": "floormod"}[e.op]
        a, b, dec = self._decimals(op, a, b, e)
        ta, tb = a.type, b.type
        if op in DIVISIONS and isinstance(b, ir.Lit) and b.value == 0:
            self.diag.error("E319", "division by zero", e.right.span)
            raise Bail
        if op == "pow" and tb.lo < 0:
            self.diag.error("E302", f"the exponent may be negative ({tb.show()})", e.right.span)
            raise Bail
        if op == "pow" and tb.hi > 4096 and not (ta.lo >= -1 and ta.hi <= 1):
            self.diag.error("E302", f"the exponent is too large ({tb.show()})", e.right.span)
            raise Bail
        if op in ("div", "mod"):
            self._truncation_warning(e, a, b)
        t = interval(op, ta, tb)
        t = IntType(t.lo, t.hi, dec)
        if isinstance(a, ir.Lit) and isinstance(b, ir.Lit):
            v = eval_const(ir.Op(t, None, op, [a, b]))
            return ir.Lit(IntType(v, v, dec), e.span, v)
        return ir.Op(t, e.span, op, [a, b])

    def _truncation_warning(self, e: ast.Binary, a: ir.Expr, b: ir.Expr) -> None:
        """W230/W231: `/` or `%` on an operand that may be negative, where they differ from TLA+'s
        (floor) division and modulus. A port from TLA+ that writes `(i - 1) % N` expects N - 1
        for i = 0 and gets -1."""
        if (a.type.lo >= 0 and b.type.lo >= 0) or (isinstance(a, ir.Lit) and isinstance(b, ir.Lit)):
            return  # never negative, or a constant whose value the writer sees
        ranges = ", ".join(f"{what} in {x.type.show()}" for x, what in ((a, "the dividend"), (b, "the divisor"))
                           if not isinstance(x, ir.Lit))
        where = f" ({ranges})" if ranges else ""
        # no source text in the message: a warning is the same however the model is laid out
        if e.op == "%":
            d = Diagnostic("W230", f"'%' keeps the sign of the dividend, and an operand may be negative "
                           f"here{where}: -1 % 6 == -1", e.span,
                           "if you mean TLA+'s % (a result in 0..b-1 for b > 0, -1 mod 6 == 5), write 'mod' "
                           "in place of '%'", severity="warning")
        else:
            d = Diagnostic("W231", f"'/' truncates toward zero, and an operand may be negative here{where}: "
                           f"-7 / 2 == -3", e.span,
                           "if you mean TLA+'s \\div (rounding toward minus infinity, -7 div 2 == -4), write "
                           "'div' in place of '/'", severity="warning")
        if d not in self.diag.warnings:  # an operand typed twice (look-ahead) warns once
            self.diag.warnings.append(d)

    def _decimals(self, op: str, a: ir.Expr, b: ir.Expr, e) -> tuple[ir.Expr, ir.Expr, int]:
        """Operands of integer arithmetic, fixed-point amounts lined up; and the result's decimals.

        Amounts add and compare only with amounts of the same decimals (an integer literal is
        read as whole units); an amount times an integer is exact; an amount times an amount,
        and any division of amounts, needs an explicit rounding: mul(a, b, mode), div(a, b, mode).
        """
        da, db = a.type.decimals, b.type.decimals
        if da == db:
            if da and op in ("mul", "pow") + DIVISIONS:
                name = "mul" if op in ("mul", "pow") else "div"
                self.diag.error("E322", f"'{e.op}' on fixed-point amounts rounds: say how", e.span,
                                f"write {name}(a, b, down), {name}(a, b, up) or {name}(a, b, half_even)")
                raise Bail
            return a, b, da
        if op == "mul" and (da == 0 or db == 0):
            return a, b, da or db
        if op in ("add", "sub") or op not in ("mul", "pow") + DIVISIONS:
            # a literal with fewer decimals scales up exactly: 1 and 1.5 are 1.00 and 1.50
            if da < db and isinstance(a, ir.Lit):
                return self._scale_lit(a, db), b, db
            if db < da and isinstance(b, ir.Lit):
                return a, self._scale_lit(b, da), da
        self.diag.error("E322", f"'{e.op}' mixes {a.type.show()} and {b.type.show()}", e.span,
                        _mix_hint(op, e, da, db))
        raise Bail

    def _compare_ints(self, a: ir.Expr, b: ir.Expr, e) -> tuple[ir.Expr, ir.Expr]:
        a, b, _ = self._decimals("cmp", a, b, e)
        return a, b

    def _membership(self, e: ast.Binary, sc: Scope):
        a = self._try(e.left, sc)
        if a is None:
            b = self._set_operand(e.right, sc)
            elem = elem_type(b.type)
            if elem is None:
                self._not_collection(b, e.right.span)
            a = self.expr(e.left, sc, elem)
        else:
            b = self._set_operand(e.right, sc, SetType(a.type) if not isinstance(a.type, IntType) else None)
            elem = elem_type(b.type)
            if elem is None:
                self._not_collection(b, e.right.span)
        if not same_shape(a.type, elem):
            self.diag.error("E301", f"cannot look for a {a.type.show()} in a collection of {elem.show()}",
                            e.span)
            raise Bail
        if not isinstance(a.type, IntType) and a.type != elem:
            if _wider(elem, a.type):  # a value outside the collection's ranges is simply not in it
                elem = join(elem, a.type)
                wide = SeqType(elem, b.type.capacity) if isinstance(b.type, SeqType) else SetType(elem)
                b = self.coerce(b, self._sized(wide, e.span), e.right.span)
            a = self.coerce(a, elem, e.left.span)
        kind = "seqin" if isinstance(b.type, SeqType) else "in"
        r = ir.Op(BOOL, e.span, kind, [a, b])
        return ir.Op(BOOL, e.span, "not", [r]) if e.op == "notin" else r

    def _not_collection(self, x: ir.Expr, span: Span):
        self.diag.error("E302", f"expected a set or a sequence, found {x.type.show()}", span)
        raise Bail

    def _pair(self, l: ast.Expr, r: ast.Expr, sc: Scope) -> tuple[ir.Expr, ir.Expr]:
        """Both operands of a symmetric operator; an ambiguous side takes the other's type."""
        a = self._try(l, sc)
        if a is None:
            b = self.expr(r, sc)
            return self.expr(l, sc, b.type), b
        hint = self._sibling_hint(a.type, r, sc)
        b = self._try(r, sc, hint)
        if b is None:
            b = self.expr(r, sc, hint)
        return a, b

    def _sibling_hint(self, hint: Type, r: ast.Expr, sc: Scope) -> Type:
        """The type of one operand as the expected type of the other, widened to fit it.

        An operand's integer ranges say nothing about its sibling's: `s == {x + 1}`
        or `{1, 2} | {3}` must not narrow (and so range-check) the right side to
        the left side's ranges. Comparing is not storing.
        """
        if not any(isinstance(t, IntType) for t in hint.walk()):
            return hint
        alone = self._quiet(lambda: self._try(r, sc))
        if alone is not None and same_shape(alone.type, hint) and _wider(hint, alone.type):
            return join(hint, alone.type)
        return hint

    def _e_Unary(self, e: ast.Unary, sc, expected):
        if e.op in ("always", "eventually"):
            self.diag.error("E321", f"'{e.op}' is a temporal operator: it may only be used in a 'property'",
                            e.span, "invariants, guards and definitions are about one state")
            raise Bail
        if e.op == "not":
            return ir.Op(BOOL, e.span, "not", [self._bool(e.operand, sc)])
        a = self._int(e.operand, sc)
        d = a.type.decimals
        if isinstance(a, ir.Lit):
            return ir.Lit(IntType(-a.value, -a.value, d), e.span, -a.value)
        return ir.Op(IntType(-a.type.hi, -a.type.lo, d), e.span, "neg", [a])

    def _e_IsTest(self, e: ast.IsTest, sc, expected):
        a = self.expr(e.operand, sc)
        t = a.type
        if isinstance(t, OptionType):
            if e.pattern in ("some", "none"):
                return ir.Op(BOOL, e.span, "issome" if e.pattern == "some" else "isnone", [a])
            self.diag.error("E308", f"an option is 'some' or 'none', not '{e.pattern}'", e.pattern_span)
            raise Bail
        if isinstance(t, UnionType):
            try:
                t.variant(e.pattern)
            except KeyError:
                self.diag.error("E308", f"{t.show()} has no variant '{e.pattern}'", e.pattern_span,
                                suggest(e.pattern, [n for n, _ in t.variants]))
                raise Bail from None
            return ir.Op(BOOL, e.span, "is", [a], e.pattern)
        self.diag.error("E308", f"'is' tests a union or an option, found {t.show()}", e.span)
        raise Bail

    def _e_Index(self, e: ast.Index, sc, expected):
        found = self._constructor_set(e, sc)   # `set[T]`, `option[T]` (spec.typecheck.typesets)
        if found is not None:
            return found
        base = self.expr(e.base, sc)
        t = base.type
        if isinstance(t, MapType):
            key = self.coerce(self.expr(e.index, sc, t.key), t.key, e.index.span, "a map key")
            return ir.Op(t.value, e.span, "get", [base, key])
        if isinstance(t, SeqType):
            idx = self._int(e.index, sc)
            return ir.Op(t.elem, e.span, "seqget", [base, idx])
        if isinstance(t, TupleType):
            i = self._tuple_index(e.index, t, sc)
            return ir.Op(t.fields[i][1], e.span, "field", [base], i)
        self.diag.error("E303", f"cannot index a value of type {t.show()}", e.base.span,
                        "maps (m[k]), sequences (q[i]) and tuples (t[0]) can be indexed")
        raise Bail

    def _tuple_index(self, idx: ast.Expr, t: TupleType, sc: Scope) -> int:
        i = self.expr(idx, self._const_scope())
        if not isinstance(i, ir.Lit) or not isinstance(i.type, IntType) or not 0 <= i.value < len(t.fields):
            self.diag.error("E303", f"a tuple index must be a constant from 0 to {len(t.fields) - 1}", idx.span)
            raise Bail
        return i.value


def _mix_hint(op: str, e: ast.Binary, da: int, db: int) -> str:
    """How to write `e`, whose operands have da and db decimals, with the conversion that fits."""
    if op in ("mul", "pow"):
        return "multiply amounts with mul(a, b, mode): the result has the decimals of a, rounded as mode says"
    if op in DIVISIONS:
        return "divide with div(a, b, mode): the result has the decimals of a, rounded as mode says"
    low, d = (e.left, db) if da < db else (e.right, da)
    text = span_text(low.span) or "x"
    if min(da, db) == 0:
        return f"make the integer an amount with {d} decimal{'s' if d > 1 else ''}: fixed({text}, {d})"
    return (f"give {text} {d} decimals exactly with fixed({text}, {d}), or round the other side to "
            f"{min(da, db)} with round(x, {min(da, db)}, mode)")


def _wider(a: Type, b: Type) -> bool:
    """Whether some integer range (or capacity) inside b reaches outside a's (same shape)."""
    if isinstance(a, IntType) and isinstance(b, IntType):
        return not a.contains(b)
    if isinstance(a, RecordType) and isinstance(b, RecordType):
        return any(_wider(x, y) for (_, x), (_, y) in zip(a.fields, b.fields))
    if isinstance(a, (SetType, OptionType)) and isinstance(b, (SetType, OptionType)):
        return _wider(a.elem, b.elem)
    if isinstance(a, SeqType) and isinstance(b, SeqType):
        return b.capacity > a.capacity or _wider(a.elem, b.elem)
    if isinstance(a, MapType) and isinstance(b, MapType):
        return _wider(a.value, b.value)
    return False


def _op_text(op: str) -> str:
    return {"subset": "subset", "|": "|", "&": "&", "-": "-"}.get(op, op)
