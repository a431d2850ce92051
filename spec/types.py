"""Types of the language and how each value is encoded as an integer code.

Every value of a finite type has a *code*: a non-negative integer, the same
code everywhere (state vector, sets, maps, traces). A state is the bit-wise
concatenation of its variables' codes, so the explicit engine works on plain
Python integers. Equal values have equal codes, so equality is `==` on codes.

    bool            0 / 1                          1 bit
    lo..hi          v - lo                         bits(hi - lo)
    enum, model     member index                   bits(n - 1)
    record, tuple   fields side by side            sum of field bits
    union           base(variant) + payload code   dense over variants
    option[T]       0 = none, 1 + code(v)
    set[T]          bit c set iff code c is in     T.size bits
    map[K, V]       slot c (width V.bits) = m[k]   K.size * V.bits
    seq[T, N]       length, then N slots           bits(N) + N * T.bits

Integers inside expressions are plain Python ints (the value, not the code);
`IntType` is then the static interval the value is known to lie in.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from functools import cached_property

from spec import values as V

# The limits of section 10 of docs/language.md: the type checker refuses a type beyond them before
# any value of it is built, so no size below is ever computed for a type that breaks one.
MAX_WIDTH = 1 << 20          # bits of one value, and of the state (all the variables together)
MAX_ELEMENT_CODES = 1 << 20  # codes of a set's element type or a map's key type: a bit or a slot each
MAX_CAPACITY = 1 << 16       # slots of a sequence, and so of a channel
MAX_MODEL_VALUES = 1 << 10   # members of a set of model values


class Type:
    """Base of all types. `size` codes 0..size-1 exist (records may skip some)."""

    size: int

    @cached_property
    def bits(self) -> int:
        return (self.size - 1).bit_length()

    @property
    def finite(self) -> bool:
        return True

    def codes(self) -> list[int]:
        """Every valid code, in the canonical order of values."""
        return list(range(self.size))

    def count(self) -> int:
        return self.size

    def decode(self, code: int):
        raise NotImplementedError

    def encode(self, value) -> int:
        raise NotImplementedError

    def show(self) -> str:
        raise NotImplementedError

    def __str__(self) -> str:
        return self.show()

    def walk(self):
        """This type and every type inside it."""
        yield self


@dataclass(frozen=True)
class BoolType(Type):
    size = 2

    def decode(self, code: int) -> bool:
        return bool(code)

    def encode(self, value) -> int:
        if not isinstance(value, bool):
            raise V.EncodeError(f"expected a boolean, got {V.show(value)}")
        return int(value)

    def show(self) -> str:
        return "bool"


@dataclass(frozen=True)
class IntType(Type):
    """lo..hi. With `decimals` D > 0, a fixed-point amount: the integer counts units of 10**-D
    (cents for D = 2), and lo, hi are in those units."""

    lo: int
    hi: int
    decimals: int = 0

    @property
    def size(self) -> int:  # type: ignore[override]
        return self.hi - self.lo + 1

    def contains(self, other: "IntType") -> bool:
        return self.lo <= other.lo and other.hi <= self.hi and self.decimals == other.decimals

    def with_range(self, lo: int, hi: int) -> "IntType":
        return IntType(lo, hi, self.decimals)

    def decode(self, code: int) -> int:
        return V.Fixed(code + self.lo, self.decimals) if self.decimals else code + self.lo

    def encode(self, value) -> int:
        if isinstance(value, bool) or not isinstance(value, int):
            raise V.EncodeError(f"expected an integer, got {V.show(value)}")
        if not self.lo <= value <= self.hi:
            raise V.EncodeError(f"{V.show(self.decode(value - self.lo))} is outside {self.show()}")
        return value - self.lo

    def show(self) -> str:
        if self.decimals:
            d = self.decimals
            return f"fixed({d}) {V.show(V.Fixed(self.lo, d))}..{V.show(V.Fixed(self.hi, d))}"
        return f"{self.lo}..{self.hi}"


@dataclass(frozen=True)
class EnumType(Type):
    name: str
    members: tuple[str, ...]

    @property
    def size(self) -> int:  # type: ignore[override]
        return len(self.members)

    def decode(self, code: int) -> str:
        return V.Sym(self.members[code])

    def encode(self, value) -> int:
        name = str(value)
        if name not in self.members:
            raise V.EncodeError(f"{name!r} is not a member of {self.name} ({', '.join(self.members)})")
        return self.members.index(name)

    def show(self) -> str:
        return self.name


@dataclass(frozen=True)
class ModelValueType(EnumType):
    """The elements of a `const` set of model values; `symmetric` ones may be permuted."""

    symmetric: bool = False


@dataclass(frozen=True)
class RecordType(Type):
    name: str | None
    fields: tuple[tuple[str, Type], ...]

    @cached_property
    def offsets(self) -> tuple[int, ...]:
        out, off = [], 0
        for _, t in self.fields:
            out.append(off)
            off += t.bits
        return tuple(out)

    @cached_property
    def bits(self) -> int:  # type: ignore[override]
        return sum(t.bits for _, t in self.fields)

    @cached_property
    def size(self) -> int:  # type: ignore[override]
        return 1 << self.bits

    def index_of(self, name: str) -> int:
        for i, (n, _) in enumerate(self.fields):
            if n == name:
                return i
        raise KeyError(name)

    def pack(self, codes) -> int:
        return sum(c << o for c, o in zip(codes, self.offsets))

    def unpack(self, code: int) -> list[int]:
        return [(code >> o) & ((1 << t.bits) - 1) for o, (_, t) in zip(self.offsets, self.fields)]

    def codes(self) -> list[int]:
        return [self.pack(c) for c in itertools.product(*[t.codes() for _, t in self.fields])]

    def count(self) -> int:
        n = 1
        for _, t in self.fields:
            n *= t.count()
        return n

    def decode(self, code: int):
        return V.Rec(tuple((n, t.decode(c)) for (n, t), c in zip(self.fields, self.unpack(code))))

    def encode(self, value) -> int:
        if not isinstance(value, V.Rec):
            raise V.EncodeError(f"expected a record {self.show()}, got {V.show(value)}")
        got = dict(value.fields)
        if set(got) != {n for n, _ in self.fields}:
            raise V.EncodeError(f"record fields {sorted(got)} do not match {self.show()}")
        return self.pack([t.encode(got[n]) for n, t in self.fields])

    def show(self) -> str:
        if self.name:
            return self.name
        return "{" + ", ".join(f"{n}: {t.show()}" for n, t in self.fields) + "}"

    def walk(self):
        yield self
        for _, t in self.fields:
            yield from t.walk()


@dataclass(frozen=True)
class TupleType(RecordType):
    """A record whose fields are named 0, 1, ..."""

    def decode(self, code: int):
        return tuple(t.decode(c) for (_, t), c in zip(self.fields, self.unpack(code)))

    def encode(self, value) -> int:
        if not isinstance(value, tuple) or len(value) != len(self.fields):
            raise V.EncodeError(f"expected a tuple {self.show()}, got {V.show(value)}")
        return self.pack([t.encode(v) for (_, t), v in zip(self.fields, value)])

    def show(self) -> str:
        return "(" + ", ".join(t.show() for _, t in self.fields) + ")"


def tuple_type(elems) -> TupleType:
    return TupleType(None, tuple((str(i), t) for i, t in enumerate(elems)))


@dataclass(frozen=True)
class VariantInfo:
    name: str
    payload: RecordType | None
    base: int

    @property
    def size(self) -> int:
        return self.payload.size if self.payload else 1


@dataclass(frozen=True)
class UnionType(Type):
    name: str
    variants: tuple[tuple[str, RecordType | None], ...]

    @cached_property
    def infos(self) -> tuple[VariantInfo, ...]:
        out, base = [], 0
        for name, payload in self.variants:
            info = VariantInfo(name, payload, base)
            out.append(info)
            base += info.size
        return tuple(out)

    @cached_property
    def size(self) -> int:  # type: ignore[override]
        return sum(i.size for i in self.infos)

    def variant(self, name: str) -> VariantInfo:
        for info in self.infos:
            if info.name == name:
                return info
        raise KeyError(name)

    def variant_of(self, code: int) -> VariantInfo:
        for info in self.infos:
            if info.base <= code < info.base + info.size:
                return info
        raise ValueError(code)

    def codes(self) -> list[int]:
        out = []
        for info in self.infos:
            if info.payload is None:
                out.append(info.base)
            else:
                out.extend(info.base + c for c in info.payload.codes())
        return out

    def count(self) -> int:
        return sum(i.payload.count() if i.payload else 1 for i in self.infos)

    def decode(self, code: int):
        info = self.variant_of(code)
        if info.payload is None:
            return V.Variant(info.name, ())
        rec = info.payload.decode(code - info.base)
        return V.Variant(info.name, rec.fields)

    def encode(self, value) -> int:
        if not isinstance(value, V.Variant):
            raise V.EncodeError(f"expected a value of {self.name}, got {V.show(value)}")
        try:
            info = self.variant(value.tag)
        except KeyError:
            raise V.EncodeError(f"{value.tag!r} is not a variant of {self.name}") from None
        if info.payload is None:
            return info.base
        return info.base + info.payload.encode(V.Rec(value.fields))

    def show(self) -> str:
        return self.name

    def walk(self):
        yield self
        for _, p in self.variants:
            if p is not None:
                yield from p.walk()


@dataclass(frozen=True)
class OptionType(Type):
    elem: Type

    @cached_property
    def size(self) -> int:  # type: ignore[override]
        return 1 + self.elem.size

    def codes(self) -> list[int]:
        return [0] + [1 + c for c in self.elem.codes()]

    def count(self) -> int:
        return 1 + self.elem.count()

    def decode(self, code: int):
        return V.NONE if code == 0 else V.Some(self.elem.decode(code - 1))

    def encode(self, value) -> int:
        if value is V.NONE or value == V.NONE:
            return 0
        if not isinstance(value, V.Some):
            raise V.EncodeError(f"expected none or some(...), got {V.show(value)}")
        return 1 + self.elem.encode(value.value)

    def show(self) -> str:
        return f"option[{self.elem.show()}]"

    def walk(self):
        yield self
        yield from self.elem.walk()


@dataclass(frozen=True)
class SetType(Type):
    elem: Type

    @cached_property
    def bits(self) -> int:  # type: ignore[override]
        return self.elem.size

    @cached_property
    def size(self) -> int:  # type: ignore[override]
        return 1 << self.elem.size

    def codes(self) -> list[int]:
        elems = self.elem.codes()
        out = []
        for r in range(len(elems) + 1):
            for combo in itertools.combinations(elems, r):
                out.append(sum(1 << c for c in combo))
        return out

    def count(self) -> int:
        return 1 << self.elem.count()

    def decode(self, code: int):
        return V.SetVal(self.elem.decode(c) for c in iter_bits(code))

    def encode(self, value) -> int:
        if not isinstance(value, (set, frozenset)):
            raise V.EncodeError(f"expected a set of {self.elem.show()}, got {V.show(value)}")
        return sum(1 << self.elem.encode(v) for v in value)

    def show(self) -> str:
        return f"set[{self.elem.show()}]"

    def walk(self):
        yield self
        yield from self.elem.walk()


@dataclass(frozen=True)
class MapType(Type):
    key: Type
    value: Type

    @cached_property
    def bits(self) -> int:  # type: ignore[override]
        return self.key.size * self.value.bits

    @cached_property
    def size(self) -> int:  # type: ignore[override]
        return 1 << self.bits

    def codes(self) -> list[int]:
        keys = self.key.codes()
        w = self.value.bits
        return [sum(v << (k * w) for k, v in zip(keys, combo))
                for combo in itertools.product(self.value.codes(), repeat=len(keys))]

    def count(self) -> int:
        return self.value.count() ** self.key.count()

    def get(self, code: int, key_code: int) -> int:
        w = self.value.bits
        return (code >> (key_code * w)) & ((1 << w) - 1)

    def decode(self, code: int):
        return V.MapVal((self.key.decode(k), self.value.decode(self.get(code, k))) for k in self.key.codes())

    def encode(self, value) -> int:
        if not isinstance(value, V.MapVal):
            raise V.EncodeError(f"expected a map {self.show()}, got {V.show(value)}")
        w = self.value.bits
        seen = set()
        out = 0
        for k, v in value.items:
            kc = self.key.encode(k)
            seen.add(kc)
            out |= self.value.encode(v) << (kc * w)
        if seen != set(self.key.codes()):
            raise V.EncodeError(f"a map {self.show()} needs a value for every key")
        return out

    def show(self) -> str:
        return f"map[{self.key.show()}, {self.value.show()}]"

    def walk(self):
        yield self
        yield from self.key.walk()
        yield from self.value.walk()


@dataclass(frozen=True)
class SeqType(Type):
    elem: Type
    capacity: int

    @property
    def len_bits(self) -> int:
        return self.capacity.bit_length()

    @cached_property
    def bits(self) -> int:  # type: ignore[override]
        return self.len_bits + self.capacity * self.elem.bits

    @cached_property
    def size(self) -> int:  # type: ignore[override]
        return 1 << self.bits

    def length(self, code: int) -> int:
        return code & ((1 << self.len_bits) - 1)

    def items(self, code: int) -> list[int]:
        w = self.elem.bits
        n = self.length(code)
        return [(code >> (self.len_bits + i * w)) & ((1 << w) - 1) for i in range(n)]

    def pack(self, item_codes) -> int:
        w = self.elem.bits
        out = len(item_codes)
        for i, c in enumerate(item_codes):
            out |= c << (self.len_bits + i * w)
        return out

    def codes(self) -> list[int]:
        out = []
        for n in range(self.capacity + 1):
            for combo in itertools.product(self.elem.codes(), repeat=n):
                out.append(self.pack(list(combo)))
        return out

    def count(self) -> int:
        m, n = self.elem.count(), self.capacity
        return n + 1 if m == 1 else (m ** (n + 1) - 1) // (m - 1)  # 1 + m + ... + m**n

    def decode(self, code: int):
        return V.SeqVal(self.elem.decode(c) for c in self.items(code))

    def encode(self, value) -> int:
        if not isinstance(value, (list, V.SeqVal)):
            raise V.EncodeError(f"expected a sequence {self.show()}, got {V.show(value)}")
        if len(value) > self.capacity:
            raise V.EncodeError(f"{len(value)} elements exceed the capacity {self.capacity}")
        return self.pack([self.elem.encode(v) for v in value])

    def show(self) -> str:
        return f"seq[{self.elem.show()}, {self.capacity}]"

    def walk(self):
        yield self
        yield from self.elem.walk()


def over_limit(t: Type) -> tuple[str, str] | None:
    """(error code, why) for the first limit that t or a type inside it breaks; None if none.

    Parts are looked at before the types that hold them, so no size is computed for a type whose
    parts are already too large (the size of set[set[0..99]] has 2**100 binary digits).
    """
    order, stack = [], [t]
    while stack:
        x = stack.pop()
        order.append(x)
        stack.extend(_parts(x))
    for x in reversed(order):
        why = _own_limit(x)
        if why is not None:
            return why
    return None


def _parts(t: Type) -> list[Type]:
    if isinstance(t, (SetType, OptionType, SeqType)):
        return [t.elem]
    if isinstance(t, MapType):
        return [t.key, t.value]
    if isinstance(t, RecordType):
        return [ft for _, ft in t.fields]
    if isinstance(t, UnionType):
        return [p for _, p in t.variants if p is not None]
    return []


def _own_limit(t: Type) -> tuple[str, str] | None:
    """The limit t itself breaks, its parts being within theirs."""
    if isinstance(t, SeqType) and t.capacity > MAX_CAPACITY:
        return "E323", (f"{t.show()} has {t.capacity:,} slots: a sequence (and a channel) holds at most "
                        f"{MAX_CAPACITY:,}")
    inner = t.elem if isinstance(t, SetType) else t.key if isinstance(t, MapType) else None
    if inner is not None and inner.size > MAX_ELEMENT_CODES:
        return "E318", element_limit(t)
    if t.bits > MAX_WIDTH:
        return "E323", (f"a value of {t.show()} takes {t.bits:,} bits: a value, and the state, take at most "
                        f"{MAX_WIDTH:,}")
    return None


def element_limit(t: "SetType | MapType") -> str:
    """Why the element type of the set type t, or the key type of the map type t, is too large."""
    inner, role = (t.elem, "element") if isinstance(t, SetType) else (t.key, "key")
    one = "a bit" if isinstance(t, SetType) else "a slot"
    n = inner.count()
    codes = f"{amount(n)} values"
    if n != inner.size:
        codes += f", encoded in {amount(inner.size)} codes"
    return (f"{t.show()} needs {one} for each code of its {role} type {inner.show()} ({codes}): "
            f"{_a(role)} type has at most {MAX_ELEMENT_CODES:,} codes")


def amount(n: int) -> str:
    """n for a message: with thousands separators, or as a power of two when it is astronomical."""
    if n < 10 ** 30:
        return f"{n:,}"
    return f"2**{n.bit_length() - 1}" if n & (n - 1) == 0 else f"more than 2**{n.bit_length() - 1}"


def _a(noun: str) -> str:
    return ("an " if noun[:1] in "aeiou" else "a ") + noun


def iter_bits(mask: int):
    """Indices of the set bits of `mask`, lowest first."""
    while mask:
        low = mask & -mask
        yield low.bit_length() - 1
        mask ^= low


# ---- relations between types ----------------------------------------------

def same_shape(a: Type, b: Type) -> bool:
    """Types that differ at most in integer ranges: one converts to the other."""
    if isinstance(a, IntType) and isinstance(b, IntType):
        return a.decimals == b.decimals
    if type(a) is not type(b):
        return False
    if isinstance(a, (BoolType,)):
        return True
    if isinstance(a, EnumType):
        return a == b
    if isinstance(a, UnionType):
        return a == b
    if isinstance(a, RecordType):
        return (len(a.fields) == len(b.fields)  # type: ignore[attr-defined]
                and all(n1 == n2 and same_shape(t1, t2)
                        for (n1, t1), (n2, t2) in zip(a.fields, b.fields)))  # type: ignore[attr-defined]
    if isinstance(a, (SetType, OptionType)):
        return same_shape(a.elem, b.elem)  # type: ignore[attr-defined]
    if isinstance(a, SeqType):
        return same_shape(a.elem, b.elem)  # type: ignore[attr-defined]
    if isinstance(a, MapType):
        return a.key == b.key and same_shape(a.value, b.value)  # type: ignore[attr-defined]
    return False


def join(a: Type, b: Type) -> Type:
    """The smallest type both convert to without loss (assumes same_shape)."""
    if a == b:
        return a
    if isinstance(a, IntType) and isinstance(b, IntType):
        return IntType(min(a.lo, b.lo), max(a.hi, b.hi), a.decimals)
    if isinstance(a, TupleType):
        return tuple_type(join(x, y) for (_, x), (_, y) in zip(a.fields, b.fields))  # type: ignore[attr-defined]
    if isinstance(a, RecordType):
        return RecordType(a.name if a.name == b.name else None,  # type: ignore[attr-defined]
                          tuple((n, join(x, y)) for (n, x), (_, y) in zip(a.fields, b.fields)))  # type: ignore[attr-defined]
    if isinstance(a, SetType):
        return SetType(join(a.elem, b.elem))  # type: ignore[attr-defined]
    if isinstance(a, OptionType):
        return OptionType(join(a.elem, b.elem))  # type: ignore[attr-defined]
    if isinstance(a, SeqType):
        return SeqType(join(a.elem, b.elem), max(a.capacity, b.capacity))  # type: ignore[attr-defined]
    if isinstance(a, MapType):
        return MapType(a.key, join(a.value, b.value))  # type: ignore[attr-defined]
    return a


def fits(inner: Type, outer: Type) -> bool:
    """Every value of `inner` is a value of `outer` with the same code."""
    if inner == outer:
        return True
    if isinstance(inner, IntType) and isinstance(outer, IntType):
        return inner.lo == outer.lo and inner.hi <= outer.hi and inner.decimals == outer.decimals
    if isinstance(inner, SetType) and isinstance(outer, SetType):
        a, b = inner.elem, outer.elem
        if isinstance(a, IntType) and isinstance(b, IntType):
            return a.lo == b.lo and a.hi <= b.hi
        return fits(a, b) and a.size <= b.size
    return False


def contains_int(t: Type) -> bool:
    return any(isinstance(x, IntType) for x in t.walk())


def symmetric_sets(t: Type) -> list[ModelValueType]:
    return [x for x in t.walk() if isinstance(x, ModelValueType) and x.symmetric]
