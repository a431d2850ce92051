"""Symbolic values: a value of every type of the language as z3 terms.

A state variable is flattened into Bool and integer terms by its type:

    bool            a Bool
    lo..hi          an integer, the integer itself (lo <= x <= hi is a constraint, `wf`)
    enum, model     an integer, the member index
    record, tuple   Rec(fields)
    union           Union(tag, payloads): tag is the variant index, one payload per variant
    option[T]       Opt(some, value)
    set[T]          SetV(bits): one Bool per value of T, in the order of `T.codes()`
    map[K, V]       MapV(vals): one value per key, in the order of `K.codes()`
    seq[T, N]       SeqV(length, items): N items

Parts that do not matter (the payload of another variant, the value of
`none`, items past the length) are left unconstrained; `eq` compares only
what matters, so two terms for one value are equal. `code_of` reads a value
back from a z3 model as the interpreter's representation (`spec.ir`).

Integers are z3 Ints (linear arithmetic: what Spacer needs) or, inside
`domain(bv=True)`, two's-complement bit-vectors wide enough for their range
(what BMC and k-induction bit-blast much faster). Every arithmetic helper
below sign-extends its operands to a width where the exact result fits, so
both domains compute with mathematical integers; a value is cut to its
type's width only when stored, where the range checks make that exact.
"""

from __future__ import annotations

from contextlib import contextmanager
from dataclasses import dataclass
from functools import lru_cache

import z3

from spec import ir
from spec.diagnostics import Diagnostic, SpecError
from spec.runtime import from_code as plain_from_code, to_code
from spec.types import (BoolType, EnumType, IntType, MapType, OptionType, RecordType, SeqType, SetType, Type,
                        UnionType)

MAX_FLAT = 4096          # most values a set's element type or a map's key type may have
MAX_SEQ = 256            # largest sequence capacity


class EncodeError(SpecError):
    """A construct the symbolic engines cannot encode (E5xx), with where it is."""

    def __init__(self, code: str, message: str, span=None, help: str | None = None):
        super().__init__(Diagnostic(code, message, span, help))


@dataclass(frozen=True)
class Rec:
    fields: tuple


@dataclass(frozen=True)
class Union:
    tag: z3.ArithRef
    payloads: tuple  # Rec or None per variant


@dataclass(frozen=True)
class Opt:
    some: z3.BoolRef
    value: object


@dataclass(frozen=True)
class SetV:
    bits: tuple


@dataclass(frozen=True)
class MapV:
    vals: tuple


@dataclass(frozen=True)
class SeqV:
    length: z3.ArithRef
    items: tuple


TRUE, FALSE = z3.BoolVal(True), z3.BoolVal(False)


# ---- small formula helpers that keep terms lean ---------------------------------------

def mk_and(*xs) -> z3.BoolRef:
    out = []
    for x in xs:
        if z3.is_false(x):
            return FALSE
        if not z3.is_true(x):
            out.append(x)
    return out[0] if len(out) == 1 else (z3.And(*out) if out else TRUE)


def mk_or(*xs) -> z3.BoolRef:
    out = []
    for x in xs:
        if z3.is_true(x):
            return TRUE
        if not z3.is_false(x):
            out.append(x)
    return out[0] if len(out) == 1 else (z3.Or(*out) if out else FALSE)


def mk_not(x) -> z3.BoolRef:
    if z3.is_true(x):
        return FALSE
    if z3.is_false(x):
        return TRUE
    return z3.Not(x)


def mk_ite(c, a, b):
    if z3.is_true(c) or a is b:
        return a
    if z3.is_false(c):
        return b
    if a.eq(b):
        return a
    if not z3.is_bool(a):
        a, b = align(a, b)
    return z3.If(c, a, b)


# ---- integers: z3 Ints, or bit-vectors inside domain(bv=True) ------------------------------

_BV = [False]


@contextmanager
def domain(bv: bool):
    """Integers made inside are bit-vectors (bv=True) or Ints."""
    old = _BV[0]
    _BV[0] = bv
    try:
        yield
    finally:
        _BV[0] = old


def bits_for(n: int) -> int:
    """Two's-complement width that holds n."""
    return n.bit_length() + 1 if n >= 0 else (~n).bit_length() + 1


def type_width(lo: int, hi: int) -> int:
    return max(bits_for(lo), bits_for(hi))


def num(x) -> int | None:
    """The integer a term stands for, when it is a numeral."""
    if z3.is_int_value(x):
        return x.as_long()
    if z3.is_bv_value(x):
        return x.as_signed_long()
    return None


def ival(n: int):
    return z3.BitVecVal(n, bits_for(n)) if _BV[0] else z3.IntVal(n)


def scalar(name: str, lo: int, hi: int):
    return z3.BitVec(name, type_width(lo, hi)) if _BV[0] else z3.Int(name)


def _ext(x, w: int):
    n = x.size()
    if n == w:
        return x
    if z3.is_bv_value(x):
        return z3.BitVecVal(x.as_signed_long(), w)
    return z3.SignExt(w - n, x)


def align(*xs, extra: int = 0):
    """The terms at one width (+extra bits) when any is a bit-vector; Ints unchanged."""
    bvs = [x.size() for x in xs if z3.is_bv(x)]
    if not bvs:
        return xs
    w = max(bvs) + extra
    return [_ext(x, w) for x in xs]


def fit(x, lo: int, hi: int):
    """A value known to lie in lo..hi at that range's width (bit-vectors are cut or extended)."""
    if not z3.is_bv(x):
        return x
    w = type_width(lo, hi)
    if x.size() > w:
        n = num(x)
        return z3.BitVecVal(n, w) if n is not None else z3.Extract(w - 1, 0, x)
    return _ext(x, w)


def add(a, b):
    na, nb = num(a), num(b)
    if na is not None and nb is not None:
        return ival(na + nb)
    if nb == 0:
        return a
    a, b = align(a, b, extra=1)
    return a + b


def sub(a, b):
    na, nb = num(a), num(b)
    if na is not None and nb is not None:
        return ival(na - nb)
    if nb == 0:
        return a
    a, b = align(a, b, extra=1)
    return a - b


def mul(a, b):
    na, nb = num(a), num(b)
    if na is not None and nb is not None:
        return ival(na * nb)
    if nb == 1:
        return a
    if na == 1:
        return b
    if z3.is_bv(a) or z3.is_bv(b):
        if not (z3.is_bv(a) and z3.is_bv(b)):
            a, b = align(a, b)
        # a signed m-bit times a signed n-bit value fits in m + n bits: a constant factor widens
        # the product only by its own bits, which keeps fixed-point scaling narrow
        w = a.size() + b.size()
        a, b = _ext(a, w), _ext(b, w)
    return a * b


def neg(a):
    n = num(a)
    if n is not None:
        return ival(-n)
    (a,) = align(a, extra=1)
    return -a


def lt(a, b):
    na, nb = num(a), num(b)
    if na is not None and nb is not None:
        return z3.BoolVal(na < nb)
    a, b = align(a, b)
    return a < b


def le(a, b):
    na, nb = num(a), num(b)
    if na is not None and nb is not None:
        return z3.BoolVal(na <= nb)
    a, b = align(a, b)
    return a <= b


def total(terms):
    """The sum of terms (at a width where it cannot overflow)."""
    known = sum(num(t) for t in terms if num(t) is not None)
    rest = [t for t in terms if num(t) is None]
    if not rest:
        return ival(known)
    if known:
        rest.append(ival(known))
    if len(rest) == 1:
        return rest[0]
    if any(z3.is_bv(t) for t in rest):
        rest = align(*rest, extra=len(rest).bit_length())
    return z3.Sum(*rest)


def model_int(m: z3.ModelRef, x) -> int:
    v = m.eval(x, model_completion=True)
    return v.as_signed_long() if z3.is_bv_value(v) else v.as_long()


# ---- types --------------------------------------------------------------------------------

@lru_cache(maxsize=None)
def codes(t: Type) -> tuple[int, ...]:
    return tuple(t.codes())


@lru_cache(maxsize=None)
def index_of_code(t: Type) -> dict[int, int]:
    return {c: i for i, c in enumerate(codes(t))}


def check_type(t: Type, span=None, what: str = "a value") -> None:
    """Raises E511 for a type too large to flatten (a set or map over a huge domain)."""
    if isinstance(t, SetType) and t.elem.count() > MAX_FLAT:
        raise EncodeError("E511", f"{what} of type {t.show()} is a set over {t.elem.count():,} possible elements, "
                          f"too many for the symbolic engines (at most {MAX_FLAT:,})", span,
                          "use a smaller element type, or the explicit engine")
    if isinstance(t, MapType) and t.key.count() > MAX_FLAT:
        raise EncodeError("E511", f"{what} of type {t.show()} is a map over {t.key.count():,} keys, "
                          f"too many for the symbolic engines (at most {MAX_FLAT:,})", span,
                          "use a smaller key type, or the explicit engine")
    if isinstance(t, SeqType) and t.capacity > MAX_SEQ:
        raise EncodeError("E511", f"{what} of type {t.show()} has capacity {t.capacity}, more than the "
                          f"symbolic engines unroll ({MAX_SEQ})", span)
    for sub in _children(t):
        check_type(sub, span, what)


def _children(t: Type):
    if isinstance(t, RecordType):
        return [ft for _, ft in t.fields]
    if isinstance(t, UnionType):
        return [p for _, p in t.variants if p is not None]
    if isinstance(t, (SetType, OptionType, SeqType)):
        return [t.elem]
    if isinstance(t, MapType):
        return [t.key, t.value]
    return []


def is_scalar(t: Type) -> bool:
    return isinstance(t, (IntType, EnumType))


# ---- making values ----------------------------------------------------------------------------

def fresh(t: Type, name: str):
    """A value made of new z3 constants, named after `name`."""
    if isinstance(t, BoolType):
        return z3.Bool(name)
    if isinstance(t, IntType):
        return scalar(name, t.lo, t.hi)
    if isinstance(t, EnumType):
        return scalar(name, 0, t.size - 1)
    if isinstance(t, RecordType):
        return Rec(tuple(fresh(ft, f"{name}.{fn}") for fn, ft in t.fields))
    if isinstance(t, UnionType):
        return Union(scalar(f"{name}.tag", 0, len(t.variants) - 1),
                     tuple(fresh(p, f"{name}.{v}") if p is not None else None for v, p in t.variants))
    if isinstance(t, OptionType):
        return Opt(z3.Bool(f"{name}.some"), fresh(t.elem, f"{name}.value"))
    if isinstance(t, SetType):
        return SetV(tuple(z3.Bool(f"{name}[{c}]") for c in codes(t.elem)))
    if isinstance(t, MapType):
        return MapV(tuple(fresh(t.value, f"{name}[{c}]") for c in codes(t.key)))
    if isinstance(t, SeqType):
        return SeqV(scalar(f"{name}.len", 0, t.capacity),
                    tuple(fresh(t.elem, f"{name}[{i}]") for i in range(t.capacity)))
    raise EncodeError("E510", f"the symbolic engines cannot encode values of type {t.show()}")


def from_code(t: Type, code: int):
    """The constant value with this code."""
    if isinstance(t, BoolType):
        return z3.BoolVal(bool(code))
    if isinstance(t, IntType):
        return _tval(code + t.lo, t.lo, t.hi)
    if isinstance(t, EnumType):
        return _tval(code, 0, t.size - 1)
    if isinstance(t, RecordType):
        return Rec(tuple(from_code(ft, c) for (_, ft), c in zip(t.fields, t.unpack(code))))
    if isinstance(t, UnionType):
        info = t.variant_of(code)
        idx = [n for n, _ in t.variants].index(info.name)
        pays = []
        for i, (_, p) in enumerate(t.variants):
            if p is None:
                pays.append(None)
            else:
                pays.append(from_code(p, code - info.base if i == idx else 0))
        return Union(ival(idx), tuple(pays))
    if isinstance(t, OptionType):
        if code == 0:
            return Opt(FALSE, default(t.elem))
        return Opt(TRUE, from_code(t.elem, code - 1))
    if isinstance(t, SetType):
        return SetV(tuple(z3.BoolVal(bool((code >> c) & 1)) for c in codes(t.elem)))
    if isinstance(t, MapType):
        return MapV(tuple(from_code(t.value, t.get(code, k)) for k in codes(t.key)))
    if isinstance(t, SeqType):
        items = t.items(code)
        pad = [default(t.elem)] * (t.capacity - len(items))
        return SeqV(ival(len(items)), tuple(from_code(t.elem, c) for c in items) + tuple(pad))
    raise EncodeError("E510", f"the symbolic engines cannot encode values of type {t.show()}")


def _tval(n: int, lo: int, hi: int):
    return z3.BitVecVal(n, type_width(lo, hi)) if _BV[0] else z3.IntVal(n)


def default(t: Type):
    """The value with code 0 (valid for every type: false, lo, the first member, empty, none)."""
    return from_code(t, 0)


def lit(t: Type, value):
    """A constant in the interpreter's representation (an int, a bool or a code)."""
    if isinstance(t, BoolType):
        return z3.BoolVal(bool(value))
    if isinstance(t, IntType):
        return _tval(value, t.lo, t.hi) if t.lo <= value <= t.hi else ival(value)
    return from_code(t, value)


# ---- structure ------------------------------------------------------------------------------

def ite(c, a, b, t: Type):
    if z3.is_true(c) or a is b:
        return a
    if z3.is_false(c):
        return b
    if isinstance(t, BoolType) or is_scalar(t):
        return mk_ite(c, a, b)
    if isinstance(t, RecordType):
        return Rec(tuple(ite(c, x, y, ft) for (_, ft), x, y in zip(t.fields, a.fields, b.fields)))
    if isinstance(t, UnionType):
        return Union(mk_ite(c, a.tag, b.tag),
                     tuple(ite(c, x, y, p) if p is not None else None
                           for (_, p), x, y in zip(t.variants, a.payloads, b.payloads)))
    if isinstance(t, OptionType):
        return Opt(mk_ite(c, a.some, b.some), ite(c, a.value, b.value, t.elem))
    if isinstance(t, SetType):
        return SetV(tuple(mk_ite(c, x, y) for x, y in zip(a.bits, b.bits)))
    if isinstance(t, MapType):
        return MapV(tuple(ite(c, x, y, t.value) for x, y in zip(a.vals, b.vals)))
    if isinstance(t, SeqType):
        return SeqV(mk_ite(c, a.length, b.length), tuple(ite(c, x, y, t.elem) for x, y in zip(a.items, b.items)))
    raise AssertionError(t)


def eq(a, b, t: Type) -> z3.BoolRef:
    """a and b are the same value (the parts that do not matter are ignored)."""
    if a is b:
        return TRUE
    if isinstance(t, BoolType):
        return eq_term(a, b)
    if is_scalar(t):
        return eq_term(a, b)
    if isinstance(t, RecordType):
        return mk_and(*(eq(x, y, ft) for (_, ft), x, y in zip(t.fields, a.fields, b.fields)))
    if isinstance(t, UnionType):
        parts = [eq_term(a.tag, b.tag)]
        for i, ((_, p), x, y) in enumerate(zip(t.variants, a.payloads, b.payloads)):
            if p is not None:
                parts.append(implies(eq_term(a.tag, ival(i)), eq(x, y, p)))
        return mk_and(*parts)
    if isinstance(t, OptionType):
        return mk_and(eq_term(a.some, b.some), implies(a.some, eq(a.value, b.value, t.elem)))
    if isinstance(t, SetType):
        return mk_and(*(eq_term(x, y) for x, y in zip(a.bits, b.bits)))
    if isinstance(t, MapType):
        return mk_and(*(eq(x, y, t.value) for x, y in zip(a.vals, b.vals)))
    if isinstance(t, SeqType):
        parts = [eq_term(a.length, b.length)]
        for i, (x, y) in enumerate(zip(a.items, b.items)):
            parts.append(implies(lt_len(i, a.length), eq(x, y, t.elem)))
        return mk_and(*parts)
    raise AssertionError(t)


def eq_term(a, b):
    """a = b for two terms (Bool, Int or bit-vector), simplified when they are literals."""
    if a.eq(b):
        return TRUE
    if _is_bool_value(a) and _is_bool_value(b):
        return FALSE
    if z3.is_bool(a):
        return a == b
    na, nb = num(a), num(b)
    if na is not None and nb is not None:
        return z3.BoolVal(na == nb)
    a, b = align(a, b)
    return a == b


def _is_bool_value(x) -> bool:
    return z3.is_true(x) or z3.is_false(x)


def implies(a, b):
    if z3.is_true(a):
        return b
    if z3.is_false(a) or z3.is_true(b):
        return TRUE
    return z3.Implies(a, b)


def lt_len(i: int, length) -> z3.BoolRef:
    n = num(length)
    if n is not None:
        return z3.BoolVal(i < n)
    return lt(ival(i), length)


def eq_code(a, t: Type, code: int) -> z3.BoolRef:
    """a is the value with this code."""
    if isinstance(t, BoolType):
        return a if code else mk_not(a)
    if is_scalar(t):
        return eq_term(a, ival(code + (t.lo if isinstance(t, IntType) else 0)))
    if isinstance(t, RecordType):
        return mk_and(*(eq_code(x, ft, c) for (_, ft), x, c in zip(t.fields, a.fields, t.unpack(code))))
    if isinstance(t, UnionType):
        info = t.variant_of(code)
        idx = [n for n, _ in t.variants].index(info.name)
        tag = eq_term(a.tag, ival(idx))
        if info.payload is None:
            return tag
        return mk_and(tag, eq_code(a.payloads[idx], info.payload, code - info.base))
    if isinstance(t, OptionType):
        if code == 0:
            return mk_not(a.some)
        return mk_and(a.some, eq_code(a.value, t.elem, code - 1))
    if isinstance(t, SetType):
        return mk_and(*(b if (code >> c) & 1 else mk_not(b) for b, c in zip(a.bits, codes(t.elem))))
    if isinstance(t, MapType):
        return mk_and(*(eq_code(v, t.value, t.get(code, k)) for v, k in zip(a.vals, codes(t.key))))
    if isinstance(t, SeqType):
        items = t.items(code)
        return mk_and(eq_term(a.length, ival(len(items))),
                      *(eq_code(x, t.elem, c) for x, c in zip(a.items, items)))
    raise AssertionError(t)


def known_code(a, t: Type) -> int | None:
    """The code of a value whose terms are all constants (None otherwise)."""
    if isinstance(t, BoolType):
        return 1 if z3.is_true(a) else 0 if z3.is_false(a) else None
    if isinstance(t, IntType):
        n = num(a)
        return None if n is None or not t.lo <= n <= t.hi else n - t.lo
    if isinstance(t, EnumType):
        n = num(a)
        return None if n is None or not 0 <= n < t.size else n
    if isinstance(t, RecordType):
        cs = [known_code(x, ft) for (_, ft), x in zip(t.fields, a.fields)]
        return None if None in cs else t.pack(cs)
    if isinstance(t, UnionType):
        idx = num(a.tag)
        if idx is None or not 0 <= idx < len(t.variants):
            return None
        info = t.infos[idx]
        if info.payload is None:
            return info.base
        c = known_code(a.payloads[idx], info.payload)
        return None if c is None else info.base + c
    if isinstance(t, OptionType):
        if z3.is_false(a.some):
            return 0
        if z3.is_true(a.some):
            c = known_code(a.value, t.elem)
            return None if c is None else 1 + c
        return None
    return None


def member_bits(a, elem: Type, bits) -> z3.BoolRef:
    """a is in the set with these bits (a of elem's shape; an integer outside elem's range is not)."""
    c = known_code(a, elem)
    if c is not None:
        return bits[index_of_code(elem)[c]]
    if isinstance(elem, IntType):
        return mk_or(*(mk_and(b, eq_term(a, ival(elem.lo + i))) for i, b in enumerate(bits)
                       if not z3.is_false(b)))
    return mk_or(*(mk_and(b, eq_code(a, elem, c)) for b, c in zip(bits, codes(elem)) if not z3.is_false(b)))


def select(items, index_codes, key, key_type: Type, t: Type):
    """items[i] where key has code index_codes[i] (the last item when key matches none)."""
    c = known_code(key, key_type)
    if c is not None and c in index_codes:
        return items[index_codes.index(c)]
    out = items[-1]
    for i in range(len(items) - 2, -1, -1):
        out = ite(eq_code(key, key_type, index_codes[i]), items[i], out, t)
    return out


def seq_item(q: SeqV, i, t: SeqType):
    """q.items[i] for a symbolic index (any item when i is out of range)."""
    n = num(i)
    if n is not None:
        return q.items[n] if 0 <= n < t.capacity else default(t.elem)
    if not q.items:
        return default(t.elem)
    out = q.items[-1]
    for j in range(len(q.items) - 2, -1, -1):
        out = ite(eq_term(i, ival(j)), q.items[j], out, t.elem)
    return out


# ---- constraints and flattening ------------------------------------------------------------------

def wf(a, t: Type) -> z3.BoolRef:
    """The constraints that make a well-formed value of t (integer ranges, tags, lengths)."""
    if isinstance(t, BoolType):
        return TRUE
    if isinstance(t, IntType):
        return _range(a, t.lo, t.hi)
    if isinstance(t, EnumType):
        return _range(a, 0, t.size - 1)
    if isinstance(t, RecordType):
        return mk_and(*(wf(x, ft) for (_, ft), x in zip(t.fields, a.fields)))
    if isinstance(t, UnionType):
        parts = [_range(a.tag, 0, len(t.variants) - 1)]
        for i, ((_, p), x) in enumerate(zip(t.variants, a.payloads)):
            if p is not None:
                parts.append(implies(eq_term(a.tag, ival(i)), wf(x, p)))
        return mk_and(*parts)
    if isinstance(t, OptionType):
        return implies(a.some, wf(a.value, t.elem))
    if isinstance(t, SetType):
        return TRUE
    if isinstance(t, MapType):
        return mk_and(*(wf(x, t.value) for x in a.vals))
    if isinstance(t, SeqType):
        return mk_and(_range(a.length, 0, t.capacity),
                      *(implies(lt_len(i, a.length), wf(x, t.elem)) for i, x in enumerate(a.items)))
    raise AssertionError(t)


def _range(x, lo: int, hi: int) -> z3.BoolRef:
    n = num(x)
    if n is not None:
        return z3.BoolVal(lo <= n <= hi)
    if lo == hi:
        return eq_term(x, ival(lo))
    return z3.And(le(ival(lo), x), le(x, ival(hi)))


def in_range(x, t: IntType) -> z3.BoolRef:
    return _range(x, t.lo, t.hi)


def atoms(a, t: Type) -> list:
    """The z3 terms of a value, in a fixed order (the arguments of a CHC predicate)."""
    if isinstance(t, BoolType) or is_scalar(t):
        return [a]
    if isinstance(t, RecordType):
        return [x for (_, ft), f in zip(t.fields, a.fields) for x in atoms(f, ft)]
    if isinstance(t, UnionType):
        out = [a.tag]
        for (_, p), x in zip(t.variants, a.payloads):
            if p is not None:
                out += atoms(x, p)
        return out
    if isinstance(t, OptionType):
        return [a.some] + atoms(a.value, t.elem)
    if isinstance(t, SetType):
        return list(a.bits)
    if isinstance(t, MapType):
        return [x for v in a.vals for x in atoms(v, t.value)]
    if isinstance(t, SeqType):
        return [a.length] + [x for v in a.items for x in atoms(v, t.elem)]
    raise AssertionError(t)


def rebuild(t: Type, it):
    """The inverse of `atoms`: a value from an iterator over terms."""
    if isinstance(t, BoolType) or is_scalar(t):
        return next(it)
    if isinstance(t, RecordType):
        return Rec(tuple(rebuild(ft, it) for _, ft in t.fields))
    if isinstance(t, UnionType):
        tag = next(it)
        return Union(tag, tuple(rebuild(p, it) if p is not None else None for _, p in t.variants))
    if isinstance(t, OptionType):
        some = next(it)
        return Opt(some, rebuild(t.elem, it))
    if isinstance(t, SetType):
        return SetV(tuple(next(it) for _ in codes(t.elem)))
    if isinstance(t, MapType):
        return MapV(tuple(rebuild(t.value, it) for _ in codes(t.key)))
    if isinstance(t, SeqType):
        length = next(it)
        return SeqV(length, tuple(rebuild(t.elem, it) for _ in range(t.capacity)))
    raise AssertionError(t)


def same_atoms(a, b, t: Type) -> z3.BoolRef:
    """Term-by-term equality (fixes the parts that do not matter too: for next-state functions)."""
    return mk_and(*(eq_term(x, y) for x, y in zip(atoms(a, t), atoms(b, t))))


# ---- reading a model back -------------------------------------------------------------------------

def code_of(a, t: Type, model: z3.ModelRef) -> int:
    """The code of a value in a z3 model (for an IntType, the code is value - lo)."""
    if isinstance(t, BoolType):
        return 1 if z3.is_true(model.eval(a, model_completion=True)) else 0
    if isinstance(t, IntType):
        return model_int(model, a) - t.lo
    if isinstance(t, EnumType):
        return model_int(model, a)
    if isinstance(t, RecordType):
        return t.pack([code_of(x, ft, model) for (_, ft), x in zip(t.fields, a.fields)])
    if isinstance(t, UnionType):
        idx = model_int(model, a.tag)
        info = t.infos[idx]
        if info.payload is None:
            return info.base
        return info.base + code_of(a.payloads[idx], info.payload, model)
    if isinstance(t, OptionType):
        if not z3.is_true(model.eval(a.some, model_completion=True)):
            return 0
        return 1 + code_of(a.value, t.elem, model)
    if isinstance(t, SetType):
        return sum(1 << c for b, c in zip(a.bits, codes(t.elem))
                   if z3.is_true(model.eval(b, model_completion=True)))
    if isinstance(t, MapType):
        w = t.value.bits
        return sum(code_of(v, t.value, model) << (k * w) for v, k in zip(a.vals, codes(t.key)))
    if isinstance(t, SeqType):
        n = model_int(model, a.length)
        return t.pack([code_of(x, t.elem, model) for x in a.items[:n]])
    raise AssertionError(t)


def value_of(a, t: Type, model: z3.ModelRef):
    """The value in the interpreter's representation (an int for IntType, a bool, else a code)."""
    return plain_from_code(code_of(a, t, model), t)


def plain_of(a, t: Type, model: z3.ModelRef):
    """The value as a plain value (`spec.values`), for traces."""
    return ir.decode_value(t, value_of(a, t, model))


__all__ = ["EncodeError", "Rec", "Union", "Opt", "SetV", "MapV", "SeqV", "fresh", "from_code", "lit", "default",
           "ite", "eq", "eq_code", "eq_term", "wf", "atoms", "rebuild", "code_of", "value_of", "plain_of", "to_code",
           "mk_and", "mk_or", "mk_not", "mk_ite", "member_bits", "select", "seq_item", "check_type"]
