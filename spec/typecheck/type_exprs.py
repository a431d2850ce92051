"""Type expressions: `0..N`, `set[T]`, `map[K, V]`, records, unions and named types, to `spec.types`.

Part of the type checker (`spec.typecheck.model` combines the parts). A type whose
values would break a limit of the state is refused here (E318, E323), where it is written.
"""

from __future__ import annotations

from spec import ast
from spec.diagnostics import Span, suggest
from spec.typecheck.state import BOOL, LIMITS, Bail, CheckerState, Scope
from spec.types import (MAX_CAPACITY, MAX_ELEMENT_CODES, EnumType, IntType, MapType, OptionType, RecordType, SeqType,
                        SetType, TupleType, Type, UnionType, element_limit, over_limit, tuple_type)


class TypeExpressions(CheckerState):
    """Resolves the types the model writes."""

    def _named_type(self, name: str, span: Span) -> Type | None:
        if name in self.types:
            return self.types[name]
        if name in self.const_decls and name not in self.consts:
            try:
                self._const(name)
            except Bail:
                return None
            return self.types.get(name)
        d = self.type_decls.get(name)
        if d is None:
            return None
        if name in self.type_resolving:
            self.diag.error("E312", f"type '{name}' is defined in terms of itself", d.span,
                            "types must be finite; use a bounded seq or a map over a finite key")
            return None
        self.type_resolving.add(name)
        try:
            t = self._type_def(d)
        finally:
            self.type_resolving.discard(name)
        if t is not None:
            self.types[name] = t
        return t

    def _type_def(self, d: ast.TypeDef) -> Type | None:
        if not isinstance(d.rhs, ast.UnionDef):
            t = self._type(d.rhs, self._const_scope())
            if isinstance(t, RecordType) and not isinstance(t, TupleType) and t.name is None:
                t = RecordType(d.name, t.fields)
            return t
        variants = []
        seen = set()
        for v in d.rhs.variants:
            if v.name in seen:
                self.diag.error("E202", f"variant '{v.name}' appears twice in {d.name}", v.span)
                continue
            seen.add(v.name)
            payload = None
            if v.fields is not None:
                fields = self._fields(v.fields)
                if fields is None:
                    return None
                payload = RecordType(f"{d.name}.{v.name}", fields)
            variants.append((v.name, payload))
        t = self._declared(UnionType(d.name, tuple(variants)), d.span)
        if t is None:
            return None
        for name, payload in variants:
            self.ctors.setdefault(name, []).append((t, name))
            if payload is None:
                self._add_value(name, d.span, t, t.variant(name).base, "variant")
        return t

    def _fields(self, fields: list[ast.Field]) -> tuple | None:
        out = []
        names = set()
        for f in fields:
            if f.name in names:
                self.diag.error("E202", f"field '{f.name}' appears twice", f.span)
                return None
            names.add(f.name)
            t = self._type(f.type, self._const_scope())
            if t is None:
                return None
            out.append((f.name, t))
        return tuple(out)

    def _type(self, t: ast.TypeExpr, sc: Scope) -> Type | None:
        """The type t writes; None when it is wrong (reported)."""
        return getattr(self, "_t_" + type(t).__name__)(t, sc)

    def _t_TBool(self, t: ast.TBool, sc: Scope) -> Type | None:
        return BOOL

    def _t_TRange(self, t: ast.TRange, sc: Scope) -> Type | None:
        try:
            lo = self._const_int(t.lo)
            hi = self._const_int(t.hi)
        except Bail:
            return None
        if lo > hi:
            self.diag.error("E313", f"empty range {lo}..{hi}", t.span, "the lower bound comes first")
            return None
        if t.capacity and hi > MAX_CAPACITY:   # a bag channel holds as many messages as a sequence
            self.diag.error("E323", f"a channel of capacity {hi:,}: a channel holds at most {MAX_CAPACITY:,} "
                            "messages", t.hi.span, LIMITS)
            return None
        return IntType(lo, hi)

    def _t_TFixed(self, t: ast.TFixed, sc: Scope) -> Type | None:
        try:
            lo = self._fixed_bound(t.lo, t.decimals)
            hi = self._fixed_bound(t.hi, t.decimals)
        except Bail:
            return None
        if not 0 < t.decimals <= 18:
            self.diag.error("E313", f"fixed({t.decimals}): the number of decimals is 1 to 18", t.span)
            return None
        if lo > hi:
            self.diag.error("E313", "empty range: the lower bound comes first", t.span)
            return None
        return IntType(lo, hi, t.decimals)

    def _t_TSet(self, t: ast.TSet, sc: Scope) -> Type | None:
        e = self._type(t.elem, sc)
        if e is None or not self._elements_fit(SetType(e), t.elem.span):
            return None
        return self._declared(SetType(e), t.span)

    def _t_TMap(self, t: ast.TMap, sc: Scope) -> Type | None:
        k, v = self._type(t.key, sc), self._type(t.value, sc)
        if k is None or v is None or not self._elements_fit(MapType(k, v), t.key.span):
            return None
        return self._declared(MapType(k, v), t.span)

    def _t_TSeq(self, t: ast.TSeq, sc: Scope) -> Type | None:
        e = self._type(t.elem, sc)
        try:
            cap = self._const_int(t.capacity)
        except Bail:
            return None
        if e is None:
            return None
        if cap < 0:
            self.diag.error("E313", f"a sequence capacity cannot be negative ({cap})", t.capacity.span)
            return None
        return self._declared(SeqType(e, cap), t.capacity.span if cap > MAX_CAPACITY else t.span)

    def _t_TOption(self, t: ast.TOption, sc: Scope) -> Type | None:
        e = self._type(t.elem, sc)
        return self._declared(OptionType(e), t.span) if e is not None else None

    def _t_TTuple(self, t: ast.TTuple, sc: Scope) -> Type | None:
        elems = [self._type(x, sc) for x in t.elems]
        if any(x is None for x in elems):
            return None
        return self._declared(tuple_type(elems), t.span)

    def _t_TRecord(self, t: ast.TRecord, sc: Scope) -> Type | None:
        fields = self._fields(t.fields)
        return self._declared(RecordType(None, fields), t.span) if fields is not None else None

    def _t_TName(self, t: ast.TName, sc: Scope) -> Type | None:
        found = self._named_type(t.name, t.span)
        if found is None and t.name not in self.type_decls and t.name not in self.const_decls:
            known = list(self.types) + list(self.type_decls) + ["bool", "set", "map", "seq", "option"]
            self.diag.error("E203", f"unknown type '{t.name}'", t.span, suggest(t.name, known))
        elif found is None and t.name in self.const_decls and t.name not in self.types \
                and t.name not in self.const_failed:
            self.diag.error("E314", f"'{t.name}' is a constant, not a type", t.span, self._subset_help(t.name))
        return found

    def _subset_help(self, name: str) -> str:
        """How to say "a variable over some members of an enum" (a constant set of them is no type)."""
        info = self.consts.get(name)
        elem = getattr(getattr(info, "type", None), "elem", None)
        if isinstance(elem, EnumType):
            return (f"a set of some members of an enum is not a type: declare it of type {elem.name} and say "
                    f"which members it takes, 'invariant V: x in {name}' (for a parameter, 'require p in {name}'); "
                    f"or declare an enum of its own if its values never mix with {elem.name}'s")
        return "a constant set of model values (const X = {a, b}) is also a type"

    def _declared(self, t: Type, span: Span) -> Type | None:
        """t, or None when a value of t would break a limit of the state (reported)."""
        try:
            return self._sized(t, span)
        except Bail:
            return None

    def _elements_fit(self, t: SetType | MapType, span: Span) -> bool:
        """Whether the element type of a set type (the key type of a map type) is small enough: a set
        takes a bit, a map a slot, per code of it. Checked before anything of t is computed."""
        inner = t.elem if isinstance(t, SetType) else t.key
        if inner.size > MAX_ELEMENT_CODES:
            self.diag.error("E318", element_limit(t), span, LIMITS)
            return False
        return True

    def _sized(self, t: Type, span: Span) -> Type:
        """t, unless a value of t would break a limit of the state (reported: E318, E323)."""
        why = over_limit(t)
        if why is not None:
            self.diag.error(why[0], why[1], span, LIMITS)
            raise Bail
        return t
