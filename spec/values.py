"""Plain values for people and files: what a code decodes to.

Engines work on integer codes (`spec.types`); traces, constants given on the
command line and ITF files work on these values. `show` prints a value in the
syntax of the language, so a trace reads like the model.
"""

from __future__ import annotations

from dataclasses import dataclass


class EncodeError(ValueError):
    """A value does not belong to the type it is encoded as."""


class Fixed(int):
    """A fixed-point amount: the integer counts units of 10**-decimals; shown as 12.50."""

    def __new__(cls, units: int, decimals: int):
        obj = super().__new__(cls, units)
        obj.decimals = decimals
        return obj

    def __repr__(self) -> str:
        return show(self)

    def __str__(self) -> str:
        return show(self)

    def __reduce__(self):
        return (Fixed, (int(self), self.decimals))


class Sym(str):
    """An enum member or model value, shown by its name."""

    __slots__ = ()


@dataclass(frozen=True)
class Rec:
    fields: tuple  # ((name, value), ...)

    def get(self, name):
        for n, v in self.fields:
            if n == name:
                return v
        raise KeyError(name)


@dataclass(frozen=True)
class Variant:
    tag: str
    fields: tuple  # ((name, value), ...)


@dataclass(frozen=True)
class Some:
    value: object


class _NoneType:
    __slots__ = ()

    def __repr__(self) -> str:
        return "none"

    def __reduce__(self):
        return "NONE"  # copies and pickles are the singleton itself (values compare `is NONE`)


NONE = _NoneType()


class SetVal(frozenset):
    """A set; iteration order is the order of codes (canonical)."""

    def __new__(cls, items=()):
        items = list(items)
        obj = super().__new__(cls, items)
        obj._order = tuple(items)
        return obj

    def __iter__(self):
        return iter(self._order)


class MapVal:
    """A total map, its pairs in the order of key codes."""

    __slots__ = ("items",)

    def __init__(self, items):
        self.items = tuple(items)

    def __eq__(self, other) -> bool:
        return isinstance(other, MapVal) and dict(self.items) == dict(other.items)

    def __hash__(self) -> int:
        return hash(frozenset(self.items))

    def __getitem__(self, key):
        for k, v in self.items:
            if k == key:
                return v
        raise KeyError(key)

    def __repr__(self) -> str:
        return show(self)


class SeqVal(tuple):
    """A bounded sequence."""

    def __new__(cls, items=()):
        return super().__new__(cls, tuple(items))


def show(value) -> str:
    """The value in the language's own syntax."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, Fixed):
        n, d = int(value), value.decimals
        sign = "-" if n < 0 else ""
        whole, frac = divmod(abs(n), 10 ** d)
        return f"{sign}{whole}.{frac:0{d}d}"
    if isinstance(value, Sym):
        return str(value)
    if isinstance(value, int):
        return str(value)
    if value is NONE:
        return "none"
    if isinstance(value, Some):
        return f"some({show(value.value)})"
    if isinstance(value, Rec):
        return "{" + ", ".join(f"{n}: {show(v)}" for n, v in value.fields) + "}"
    if isinstance(value, Variant):
        if not value.fields:
            return value.tag
        return f"{value.tag}(" + ", ".join(show(v) for _, v in value.fields) + ")"
    if isinstance(value, SeqVal):
        return "[" + ", ".join(show(v) for v in value) + "]"
    if isinstance(value, tuple):
        return "(" + ", ".join(show(v) for v in value) + ")"
    if isinstance(value, (set, frozenset)):
        return "{" + ", ".join(show(v) for v in value) + "}"
    if isinstance(value, MapVal):
        return "{" + ", ".join(f"{show(k)}: {show(v)}" for k, v in value.items) + "}"
    if isinstance(value, str):
        return repr(value)
    return repr(value)
