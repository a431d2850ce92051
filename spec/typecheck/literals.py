"""Literals: numbers, booleans, `none`, tuples, sets, records, maps, sequences and comprehensions.

Part of the type checker (`spec.typecheck.model` combines the parts). An empty `{}` or
`[]` and `none` take their type from the expected type; a constant literal is folded
to its value.
"""

from __future__ import annotations

from spec import ast, ir
from spec.typecheck.state import BOOL, Ambiguous, Bail, CheckerState, first_duplicate
from spec.types import (IntType, MapType, OptionType, RecordType, SeqType, SetType, TupleType, Type, same_shape,
                        tuple_type)


class Literals(CheckerState):
    """Types literal values and comprehensions."""

    def _e_IntLit(self, e, sc, expected):
        lit = ir.Lit(IntType(e.value, e.value), e.span, e.value)
        if isinstance(expected, IntType) and expected.decimals:
            return self._scale_lit(lit, expected.decimals)  # where an amount is expected: whole units
        return lit

    def _e_DecLit(self, e, sc, expected):
        return ir.Lit(IntType(e.units, e.units, e.decimals), e.span, e.units)

    def _e_BoolLit(self, e, sc, expected):
        return ir.Lit(BOOL, e.span, e.value)

    def _e_NoneLit(self, e, sc, expected):
        if isinstance(expected, OptionType):
            return ir.Lit(expected, e.span, 0)
        if expected is None and self.trying:
            raise Ambiguous  # `none == o`: the other side gives the type
        self.diag.error("E305", "cannot tell which option type 'none' has here", e.span,
                        "use it where an option[T] is expected, for example 'x == none' with x an option")
        raise Bail

    def _e_TupleLit(self, e: ast.TupleLit, sc, expected):
        if isinstance(expected, SetType):   # a tuple of types (spec.typecheck.typesets)
            found = self._structured_set(e, sc)
            if found is not None:
                return found
        hints = [t for _, t in expected.fields] if isinstance(expected, TupleType) and \
            len(expected.fields) == len(e.elems) else [None] * len(e.elems)
        xs = [self.expr(x, sc, h) for x, h in zip(e.elems, hints)]
        ts = [x.type if h is None or not same_shape(x.type, h) else h for x, h in zip(xs, hints)]
        xs = [self.coerce(x, t, a.span, "a tuple element") for x, t, a in zip(xs, ts, e.elems)]
        return self._fold(ir.Op(tuple_type(ts), e.span, "record", xs))

    def _e_SetLit(self, e: ast.SetLit, sc, expected):
        if not e.elems:
            if isinstance(expected, SetType):
                return ir.Lit(expected, e.span, 0)
            if isinstance(expected, MapType):
                self.diag.error("E305", "a map is total: '{}' has no value for its keys", e.span,
                                "build it with a comprehension: {k: v for k in K}")
                raise Bail
            if expected is None and self.trying:
                raise Ambiguous  # `{} == s`: the other side gives the type
            self.diag.error("E305", "cannot tell the type of '{}' here", e.span,
                            "use it where a set type is expected, for example 'x = {}' with x a set")
            raise Bail
        hint = expected.elem if isinstance(expected, SetType) else None
        xs = []
        for x in e.elems:
            r = self._try(x, sc, hint)
            if r is None:
                xs.append(x)  # resolved below, once another element fixes the type
            else:
                xs.append(r)
        known = [x for x in xs if isinstance(x, ir.Expr)]
        if not known:
            self.diag.error("E307", "cannot tell the type of the elements of this set", e.span,
                            "qualify a member: {E.a, b}")
            raise Bail
        t = hint if hint is not None and all(same_shape(k.type, hint) for k in known) else None
        if t is None:
            t = known[0].type
            for k in known[1:]:
                t = self._unify_types(t, k.type, e.span, "put in one set")
            t = t
        self._sized(SetType(t), e.span)
        xs = [self.expr(x, sc, t) if not isinstance(x, ir.Expr) else x for x in xs]
        xs = [self.coerce(x, t, a.span, "a set element") for x, a in zip(xs, e.elems)]
        return self._fold(ir.Op(SetType(t), e.span, "setlit", xs))

    def _e_SetComp(self, e: ast.SetComp, sc, expected):
        binders, inner, cond = self._generator(e.generator, sc)
        hint = expected.elem if isinstance(expected, SetType) else None
        body = self.expr(e.elem, inner, hint)
        t = hint if hint is not None and same_shape(body.type, hint) else body.type
        self._sized(SetType(t), e.span)
        body = self.coerce(body, t, e.elem.span, "a set element")
        return ir.Quant(SetType(t), e.span, "set", binders, cond, body)

    def _e_MapComp(self, e: ast.MapComp, sc, expected):
        binders, inner, _ = self._generator(e.generator, sc)
        if len(binders) != 1 or not isinstance(e.key, ast.Name) or e.key.name != binders[0].sym.name:
            self.diag.error("E309", "a map comprehension is {k: value for k in K}, with the key the bound name",
                            e.key.span)
            raise Bail
        b = binders[0]
        key_t = expected.key if isinstance(expected, MapType) else b.sym.type
        if not (isinstance(b.domain, ir.Lit) and b.domain.value == _full_mask(key_t)) or \
                not same_shape(b.sym.type, key_t):
            self.diag.error("E309", f"a map is total: the comprehension must range over all of {key_t.show()}",
                            e.generator.bindings[0].domain.span, f"write 'for {b.sym.name} in {key_t.show()}'")
            raise Bail
        b.sym.type = key_t
        hint = expected.value if isinstance(expected, MapType) else None
        body = self.expr(e.value, inner, hint)
        vt = hint if hint is not None and same_shape(body.type, hint) else body.type
        body = self.coerce(body, vt, e.value.span, "a map value")
        t = self._sized(MapType(key_t, vt), e.span)
        return ir.Quant(t, e.span, "map", [ir.Binder(b.sym, b.domain)], None, body)

    def _e_PairsLit(self, e: ast.PairsLit, sc, expected):
        if isinstance(expected, SetType):   # a record of types (spec.typecheck.typesets)
            found = self._structured_set(e, sc)
            if found is not None:
                return found
        if isinstance(expected, RecordType) and not isinstance(expected, TupleType):
            return self._record_lit(e, sc, expected)
        if isinstance(expected, MapType):
            return self._map_lit(e, sc, expected)
        keys_are_fields = all(isinstance(k, ast.Name) and sc.lookup(k.name) is None and k.name not in self.values
                              and k.name not in self.vars and k.name not in self.const_decls for k, _ in e.pairs)
        if keys_are_fields:
            return self._record_lit(e, sc, None)
        return self._map_lit(e, sc, None)

    def _record_lit(self, e: ast.PairsLit, sc, expected: RecordType | None):
        names = []
        for k, _ in e.pairs:
            if not isinstance(k, ast.Name):
                self.diag.error("E309", "a record field is a name", k.span)
                raise Bail
            names.append(k.name)
        dup = first_duplicate(names)
        if dup:
            self.diag.error("E202", f"field '{dup}' appears twice", e.span)
            raise Bail
        if expected is not None:
            want = [n for n, _ in expected.fields]
            missing = [n for n in want if n not in names]
            extra = [n for n in names if n not in want]
            if missing or extra:
                msg = "; ".join(filter(None, [missing and f"missing {', '.join(missing)}",
                                              extra and f"unknown {', '.join(extra)}"]))
                self.diag.error("E304", f"record literal does not match {expected.show()}: {msg}", e.span)
                raise Bail
            given = dict(zip(names, [v for _, v in e.pairs]))
            xs = [self.coerce(self.expr(given[n], sc, t), t, given[n].span, f"field '{n}'")
                  for n, t in expected.fields]
            return self._fold(ir.Op(expected, e.span, "record", xs))
        xs = [self.expr(v, sc) for _, v in e.pairs]
        t = RecordType(None, tuple((n, x.type) for n, x in zip(names, xs)))
        xs = [self.coerce(x, ft, v.span) for x, (_, ft), (_, v) in zip(xs, t.fields, e.pairs)]
        return self._fold(ir.Op(t, e.span, "record", xs))

    def _map_lit(self, e: ast.PairsLit, sc, expected: MapType | None):
        ks = [self.expr(k, sc, expected.key if expected else None) for k, _ in e.pairs]
        key_t = expected.key if expected else ks[0].type
        for k, (ka, _) in zip(ks, e.pairs):
            if not isinstance(k, ir.Lit) or not same_shape(k.type, key_t):
                self.diag.error("E309", "map literal keys must be constants of one type", ka.span)
                raise Bail
        ks = [self.coerce(k, key_t, ka.span, "a map key") for k, (ka, _) in zip(ks, e.pairs)]
        codes = [k.value - key_t.lo if isinstance(key_t, IntType) else k.value for k in ks]
        if sorted(codes) != sorted(set(codes)) or set(codes) != set(key_t.codes()):
            self.diag.error("E309", f"a map literal must give every key of {key_t.show()} exactly once", e.span,
                            "or build it with a comprehension: {k: v for k in K}")
            raise Bail
        vhint = expected.value if expected else None
        vs = [self.expr(v, sc, vhint) for _, v in e.pairs]
        vt = vhint if vhint is not None else vs[0].type
        if vhint is None:
            for v in vs[1:]:
                vt = self._unify_types(vt, v.type, e.span, "put in one map")
        vs = [self.coerce(v, vt, va.span, "a map value") for v, (_, va) in zip(vs, e.pairs)]
        order = sorted(range(len(codes)), key=lambda i: codes[i])
        t = MapType(key_t, vt)
        # a map literal is the record of its values in key order
        rec = ir.Op(t, e.span, "record", [vs[i] for i in order], "map")
        return self._fold(rec)

    def _e_SeqLit(self, e: ast.SeqLit, sc, expected):
        if not e.elems:
            if isinstance(expected, SeqType):
                return ir.Lit(expected, e.span, 0)
            if expected is None and self.trying:
                raise Ambiguous  # `[] == q`: the other side gives the type
            self.diag.error("E305", "cannot tell the type of '[]' here", e.span)
            raise Bail
        hint = expected.elem if isinstance(expected, SeqType) else None
        xs = [self.expr(x, sc, hint) for x in e.elems]
        t = hint if hint is not None and all(same_shape(x.type, hint) for x in xs) else None
        if t is None:
            t = xs[0].type
            for x in xs[1:]:
                t = self._unify_types(t, x.type, e.span, "put in one sequence")
            t = t
        cap = expected.capacity if isinstance(expected, SeqType) and expected.capacity >= len(xs) else len(xs)
        xs = [self.coerce(x, t, a.span, "an element") for x, a in zip(xs, e.elems)]
        return self._fold(ir.Op(self._sized(SeqType(t, cap), e.span), e.span, "seqlit", xs))


def _full_mask(t: Type) -> int:
    mask = 0
    for c in t.codes():
        mask |= 1 << c
    return mask
