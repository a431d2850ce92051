"""What a model can do wrong at run time, and the helpers both evaluators share.

A `ModelError` is a property violation of the model (a range overflow, a
division by zero, a failed `assert`, ...), never a crash of the checker: the
engines report it with a trace. The generated code of `checker.engines.explicit.codegen` sees
only the names in `GENERATED_GLOBALS`.
"""

from __future__ import annotations

from spec import ir
from spec import values as V
from spec.types import BoolType, IntType, SetType, Type, iter_bits


class ModelError(Exception):
    """A run-time violation inside an action, `init` or a property.

    kind: range | division | assert | bounds | capacity | variant | empty | choice
    """

    def __init__(self, kind: str, message: str, site: int = -1):
        super().__init__(message)
        self.kind = kind
        self.message = message
        self.site = site  # index into the compiled model's table of source spans
        self.span = None

    def __reduce__(self):
        return (_rebuild_error, (self.kind, self.message, self.site))


def _rebuild_error(kind, message, site):
    return ModelError(kind, message, site)


KIND_TITLES = {
    "range": "integer out of range",
    "division": "division by zero",
    "assert": "assertion failed",
    "bounds": "index out of bounds",
    "capacity": "sequence capacity exceeded",
    "variant": "wrong variant",
    "empty": "empty collection",
    "choice": "no unique choice",
}


def to_code(value, t: Type) -> int:
    if isinstance(t, IntType):
        return value - t.lo
    if isinstance(t, BoolType):
        return 1 if value else 0
    return value


def from_code(code: int, t: Type):
    if isinstance(t, IntType):
        return code + t.lo
    if isinstance(t, BoolType):
        return bool(code)
    return code


def tdiv(a: int, b: int, site: int = -1) -> int:
    """Integer division truncating toward zero (as Solidity, Rust and C do)."""
    if b == 0:
        raise ModelError("division", f"division by zero ({a} / 0)", site)
    q = abs(a) // abs(b)
    return q if (a >= 0) == (b > 0) else -q


def tmod(a: int, b: int, site: int = -1) -> int:
    """The remainder of `tdiv`: it has the sign of a."""
    if b == 0:
        raise ModelError("division", f"division by zero ({a} % 0)", site)
    return a - b * tdiv(a, b)


def floordiv(a: int, b: int, site: int = -1) -> int:
    """`a div b`: division rounding toward minus infinity (TLA+'s \\div, Python's //)."""
    if b == 0:
        raise ModelError("division", f"division by zero ({a} div 0)", site)
    return a // b


def floormod(a: int, b: int, site: int = -1) -> int:
    """`a mod b`, the remainder of `floordiv`: it has the sign of b, so it is in 0..b-1 for b > 0
    (TLA+'s %, Python's %)."""
    if b == 0:
        raise ModelError("division", f"division by zero ({a} mod 0)", site)
    return a % b


def round_div(n: int, d: int, mode: str) -> int:
    """n / d rounded: down (toward minus infinity), up (toward plus infinity), half_even (bankers')."""
    if d < 0:
        n, d = -n, -d
    q, r = divmod(n, d)  # floor
    if r == 0 or mode == "down":
        return q
    if mode == "up":
        return q + 1
    twice = 2 * r
    if twice > d or (twice == d and q % 2 == 1):
        return q + 1
    return q


def fdiv_rounded(n: int, d: int, mode: str, site: int) -> int:
    if d == 0:
        raise ModelError("division", f"division by zero (div({n}, 0))", site)
    return round_div(n, d, mode)


def bits(mask: int) -> tuple[int, ...]:
    return tuple(iter_bits(mask))


_BITS_CACHE: list = [bits(m) for m in range(1 << 10)]


_BITS_MEMO: dict[int, tuple[int, ...]] = {}
BITS_MEMO_SIZE = 1 << 16  # wide masks remembered (then forgotten all at once): a few MB at most


def bits_small(mask: int) -> tuple[int, ...]:
    """Set bit indices; a table for small masks, remembered for wide ones.

    A model's sets of messages take few distinct values over many states (a message set
    changes in one action of several), and the generated code iterates them again in every
    guard and invariant: finding a wide mask's members once is what makes those loops cheap.
    """
    if mask < 1024:
        return _BITS_CACHE[mask]
    out = _BITS_MEMO.get(mask)
    if out is None:
        if len(_BITS_MEMO) >= BITS_MEMO_SIZE:
            _BITS_MEMO.clear()
        out = _BITS_MEMO[mask] = bits(mask)
    return out


_BITSIN_MEMO: dict[tuple[int, int], tuple[int, ...]] = {}


def bitsin(mask: int, base: int, size: int) -> tuple[int, ...]:
    """The set bits of mask in base..base + size - 1 (one variant of a set of union values)."""
    part = (mask >> base) & ((1 << size) - 1)
    if not base:
        return bits_small(part)
    key = (part, base)
    out = _BITSIN_MEMO.get(key)
    if out is None:
        if len(_BITSIN_MEMO) >= BITS_MEMO_SIZE:
            _BITSIN_MEMO.clear()
        out = _BITSIN_MEMO[key] = tuple(base + i for i in bits_small(part))
    return out


def narrow_fail(value: int, lo: int, hi: int, site: int):
    raise ModelError("range", f"{value} is outside {lo}..{hi}", site)


def fail(kind: str, message: str, site: int):
    raise ModelError(kind, message, site)


# ---- helpers called by generated code ------------------------------------------

def keychk(k: int, lo: int, hi: int, site: int) -> int:
    if not lo <= k <= hi:
        raise ModelError("range", f"key {k} is outside {lo}..{hi}", site)
    return k - lo


def inrange(x: int, mask: int, lo: int, hi: int) -> int:
    return (mask >> (x - lo)) & 1 if lo <= x <= hi else 0


def rangemask(a: int, b: int, lo: int, hi: int) -> int:
    a, b = max(a, lo), min(b, hi)
    if a > b:
        return 0
    return ((1 << (b - a + 1)) - 1) << (a - lo)


def ufield(u: int, spec, site: int) -> int:
    for base, end, off, mask in spec:
        if base <= u < end:
            return ((u - base) >> off) & mask
    return nofield(site)


def nofield(site: int):
    """A union value's field read on another variant (see ufield; generated code inlines one variant)."""
    raise ModelError("variant", "this value has no such field (it is another variant)", site)


def optget(o: int, site: int) -> int:
    if o == 0:
        raise ModelError("variant", "get(none): the option is empty", site)
    return o - 1


def seqitems(q: int, lenbits: int, w: int, cap: int) -> list[int]:
    n = q & ((1 << lenbits) - 1)
    m = (1 << w) - 1
    return [(q >> (lenbits + i * w)) & m for i in range(n)]


def seqpack(items, lenbits: int, w: int) -> int:
    out = len(items)
    for i, c in enumerate(items):
        out |= c << (lenbits + i * w)
    return out


def seqget(q: int, i: int, lenbits: int, w: int, cap: int, site: int) -> int:
    n = q & ((1 << lenbits) - 1)
    if not 0 <= i < n:
        raise ModelError("bounds", f"index {i} is outside a sequence of length {n}", site)
    return (q >> (lenbits + i * w)) & ((1 << w) - 1)


def seqhead(q: int, lenbits: int, w: int, cap: int, site: int) -> int:
    if q & ((1 << lenbits) - 1) == 0:
        nohead(site)
    return (q >> lenbits) & ((1 << w) - 1)


def nohead(site: int):
    """head() of an empty sequence (see seqhead; generated code inlines the rest)."""
    raise ModelError("bounds", "head of an empty sequence", site)


def seqslot(q: int, i: int, lenbits: int, site: int) -> int:
    n = q & ((1 << lenbits) - 1)
    if not 0 <= i < n:
        raise ModelError("bounds", f"index {i} is outside a sequence of length {n}", site)
    return i


def seqlast(q: int, lenbits: int, w: int, cap: int, site: int) -> int:
    n = q & ((1 << lenbits) - 1)
    if n == 0:
        raise ModelError("bounds", "last() of an empty sequence", site)
    return (q >> (lenbits + (n - 1) * w)) & ((1 << w) - 1)


# A sequence's code: its length in the low `lenbits` bits, then its items, `w` bits each, and
# zeros past the last item. Cutting one is a shift and a mask of the items' part.

def seqtail(q: int, lenbits: int, w: int, cap: int, site: int) -> int:
    n = q & ((1 << lenbits) - 1)
    if not n:
        raise ModelError("bounds", "tail() of an empty sequence", site)
    return ((q >> (lenbits + w)) << lenbits) | (n - 1)


def seqcut(q: int, n: int, drop: int, lenbits: int, w: int, cap: int, site: int) -> int:
    """take(q, n) (drop = 0) or drop(q, n) (drop = 1)."""
    length = q & ((1 << lenbits) - 1)
    if not 0 <= n <= length:
        what = "drop" if drop else "take"
        raise ModelError("bounds", f"{what}(q, {n}) of a sequence of length {length}", site)
    if drop:
        return ((q >> (lenbits + n * w)) << lenbits) | (length - n)
    return (((q >> lenbits) & ((1 << (n * w)) - 1)) << lenbits) | n


def append(q: int, x: int, lenbits: int, w: int, cap: int, site: int) -> int:
    n = q & ((1 << lenbits) - 1)
    if n >= cap:
        raise ModelError("capacity", f"append() to a full sequence (capacity {cap})", site)
    return (q + 1) | (x << (lenbits + n * w))


def concat(a: int, la: int, wa: int, ca: int, b: int, lb: int, wb: int, cb: int,
           lt: int, wt: int, ct: int) -> int:
    return seqpack(seqitems(a, la, wa, ca) + seqitems(b, lb, wb, cb), lt, wt)


def narrow(x: int, lo: int, hi: int, site: int) -> int:
    if not lo <= x <= hi:
        raise ModelError("range", f"{x} is outside {lo}..{hi}", site)
    return x


def convert(code: int, types, site: int) -> int:
    src, dst = types
    plain = src.decode(code) if not isinstance(src, (IntType, BoolType)) else from_code(code, src)
    try:
        return to_code(ir.encode_value(dst, plain), dst)
    except V.EncodeError as exc:
        raise ModelError("range", f"{V.show(plain)} does not fit {dst.show()}: {exc}", site) from None


CONVERT_TABLE_MAX = 4096   # code points a conversion is tabulated for (else each value is decoded)


class TabulatedConvert:
    """`convert` for one pair of types, from tables computed once.

    A set converts element by element: the conversion of a mask is the union of the
    conversions of its bits, so it is read from one table per byte of the mask (each
    entry the union for that byte, or -1 when an element does not fit). Any other type
    whose codes are few is one table entry per code. A value that does not fit goes
    through `convert`, which raises the error with its message.
    """

    __slots__ = ("types", "chunks", "table")

    def __init__(self, types, chunks, table):
        self.types, self.chunks, self.table = types, chunks, table

    def __call__(self, code: int, site: int) -> int:
        if self.chunks is not None:
            chunks = self.chunks
            if code < 256:
                r = chunks[0][code]
                return r if r >= 0 else convert(code, self.types, site)
            out, rest, k = 0, code, 0
            while rest:
                if k == len(chunks):
                    return convert(code, self.types, site)
                r = chunks[k][rest & 255]
                if r < 0:
                    return convert(code, self.types, site)
                out |= r
                rest >>= 8
                k += 1
            return out
        r = self.table[code] if code < len(self.table) else -1
        return r if r >= 0 else convert(code, self.types, site)


def _try_convert(code: int, types) -> int:
    try:
        return convert(code, types, -1)
    except Exception:  # noqa: BLE001 - a code that does not fit, or no value at all: not tabulated
        return -1


def tabulated_convert(src: Type, dst: Type):
    """A `TabulatedConvert` from `src` to `dst`, or None when the tables would be too large."""
    if isinstance(src, (IntType, BoolType)):
        return None
    if isinstance(src, SetType) and isinstance(dst, SetType):
        n = src.elem.size
        if n > CONVERT_TABLE_MAX:
            return None
        elems = []
        for c in range(n):
            r = _try_convert(1 << c, (src, dst))
            elems.append(r if r > 0 and r & (r - 1) == 0 else -1)
        chunks = []
        for k in range(0, n, 8):
            tab = [0] * 256
            for b in range(1, 256):
                low = b & -b
                i = k + low.bit_length() - 1
                prev = tab[b ^ low]
                e = elems[i] if i < n else -1
                tab[b] = -1 if prev < 0 or e < 0 else prev | e
            chunks.append(tab)
        return TabulatedConvert((src, dst), chunks, None)
    if src.size > CONVERT_TABLE_MAX:
        return None
    return TabulatedConvert((src, dst), None, [_try_convert(c, (src, dst)) for c in range(src.size)])


def orall(items) -> int:
    out = 0
    for x in items:
        out |= x
    return out


def minf(items, site: int) -> int:
    if not items:
        raise ModelError("empty", "min() of an empty collection", site)
    return min(items)


def maxf(items, site: int) -> int:
    if not items:
        raise ModelError("empty", "max() of an empty collection", site)
    return max(items)


def thef(items, site: int):
    """The one item of `the x in S: P` (the elements of S satisfying P): an error unless exactly one."""
    if len(items) != 1:
        found = "no element satisfies" if not items else f"{len(items)} elements satisfy"
        raise ModelError("choice", f"{found} the condition of 'the' (exactly one must)", site)
    return items[0]


class Memo(dict):
    """The remembered outcomes of one invariant, keyed by the bits of the state it reads.

    The generated `expand` looks a state up (`get`) and adds the states of each chunk it
    expands to `looked`; on a miss it evaluates the invariant and calls `store`. Once `size`
    outcomes are stored they are forgotten all at once, and when more than three lookups in
    four were misses since the last time, the invariant reads what changes in nearly every
    state: nothing is stored any more (each lookup then misses an empty dict).
    """

    __slots__ = ("size", "looked", "on")

    def __init__(self, size: int):
        super().__init__()
        self.size = size
        self.looked = 0
        self.on = True

    def store(self, key: int, outcome: bool) -> bool:
        if self.on:
            self[key] = outcome
            if len(self) >= self.size:
                self.on = 4 * len(self) <= 3 * self.looked
                self.clear()
                self.looked = 0
        return outcome


def label(ap, inst: int):
    """A sink that tags every state it receives with an action instance id."""
    return lambda t: ap((inst, t))


def assert_fail(message: str, site: int):
    raise ModelError("assert", message, site)


SAFE_BUILTINS = {"all": all, "bool": bool, "int": int, "any": any, "sum": sum, "min": min, "max": max, "abs": abs, "len": len,
                 "tuple": tuple, "enumerate": enumerate, "range": range, "True": True, "False": False,
                 "None": None}


def generated_globals(tables, messages) -> dict:
    """The whole namespace generated code runs in: these helpers and nothing else."""
    return {
        "__builtins__": dict(SAFE_BUILTINS),
        "ModelError": ModelError, "_T": tables, "_M": messages,
        "_bits": bits_small, "_tdiv": tdiv, "_tmod": tmod, "_floordiv": floordiv, "_floormod": floormod, "_keychk": keychk, "_inrange": inrange,
        "_rangemask": rangemask, "_ufield": ufield, "_optget": optget, "_seqitems": seqitems,
        "_seqget": seqget, "_seqhead": seqhead, "_seqslot": seqslot, "_seqlast": seqlast, "_seqtail": seqtail,
        "_append": append, "_seqcut": seqcut, "_rdiv": round_div, "_fdiv": fdiv_rounded, "_concat": concat, "_narrow": narrow, "_nf": narrow_fail,
        "_convert": convert, "_orall": orall, "_minf": minf, "_maxf": maxf, "_thef": thef, "_afail": assert_fail,
        "_fail": fail, "_label": label, "_nofield": nofield, "_nohead": nohead, "_bitsin": bitsin,
    }
