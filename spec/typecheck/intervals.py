"""Interval arithmetic: the static range of an integer operation on operands in given ranges."""

from __future__ import annotations

from spec.types import IntType


def floor_div(a: int, b: int) -> int:
    return a // b


def trunc_div(a: int, b: int) -> int:
    q = abs(a) // abs(b)
    return q if (a >= 0) == (b > 0) else -q


def interval(op: str, a: IntType, b: IntType) -> IntType:
    """The static range of `a op b` for integers in the given ranges."""
    if op == "add":
        return IntType(a.lo + b.lo, a.hi + b.hi)
    if op == "sub":
        return IntType(a.lo - b.hi, a.hi - b.lo)
    if op == "mul":
        c = [a.lo * b.lo, a.lo * b.hi, a.hi * b.lo, a.hi * b.hi]
        return IntType(min(c), max(c))
    if op == "div":
        ys = [y for y in (b.lo, b.hi, -1, 1) if b.lo <= y <= b.hi and y != 0]
        if not ys:
            return IntType(0, 0)
        c = [trunc_div(x, y) for x in (a.lo, a.hi) for y in ys]
        if a.lo <= 0 <= a.hi:
            c.append(0)
        return IntType(min(c), max(c))
    if op == "mod":
        m = max(abs(b.lo), abs(b.hi)) - 1
        m = max(m, 0)
        lo = 0 if a.lo >= 0 else max(a.lo, -m)
        hi = 0 if a.hi <= 0 else min(a.hi, m)
        return IntType(lo, hi)
    if op == "floordiv":
        ys = [y for y in (b.lo, b.hi, -1, 1) if b.lo <= y <= b.hi and y != 0]
        if not ys:
            return IntType(0, 0)
        # monotone in a for a divisor of one sign, and in the divisor on each side of 0: the
        # extremes are at the corners, the divisors nearest 0 among them
        c = [floor_div(x, y) for x in (a.lo, a.hi) for y in ys]
        return IntType(min(c), max(c))
    if op == "floormod":
        return _floormod(a, b)
    if op == "pow":
        es = range(b.lo, b.hi + 1) if b.hi - b.lo <= 64 else [b.lo, b.lo + 1, b.hi - 1, b.hi]
        bases = {a.lo, a.hi, min(max(0, a.lo), a.hi), min(max(-1, a.lo), a.hi), min(max(1, a.lo), a.hi)}
        c = [x ** y for x in bases for y in es]
        return IntType(min(c), max(c))
    raise AssertionError(op)


def _floormod(a: IntType, b: IntType) -> IntType:
    """`a mod b`: in 0..b-1 for a positive divisor, b+1..0 for a negative one, and a itself when a
    is already within that (0 <= a < b)."""
    lo = min(0, b.lo + 1) if b.lo < 0 else 0
    hi = max(0, b.hi - 1) if b.hi > 0 else 0
    if b.lo > 0 and a.lo >= 0:
        hi = min(hi, a.hi)
    if b.hi < 0 and a.hi <= 0:
        lo = max(lo, a.lo)
    return IntType(lo, hi)
