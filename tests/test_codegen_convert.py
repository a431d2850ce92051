"""Conversions between types in compiled code are read from tables (issue 13).

A value converted to another type (a set of tuples whose ranges differ from the variable's, a
tuple narrowed into a record of ranges, an option of one) was decoded to a plain value and
encoded again on every evaluation; `spec.runtime.TabulatedConvert` computes the conversion of
every element once. A set converts element by element, so its mask is converted a byte at a
time. A value that does not fit still raises the error `spec.runtime.convert` raises.
"""

from __future__ import annotations

import itertools

import pytest

from spec import runtime
from spec.loader import load_text
from spec.runtime import ModelError, TabulatedConvert, convert, tabulated_convert
from spec.types import BoolType, IntType, OptionType, SetType, tuple_type

from checker.engines.explicit.compiled import CompiledModel
from engine_helpers import differential
from fuzz.differential import compare

CONV = """model Conv
type P = (0..2, 1..3)
var s: set[P]
var t: set[0..9]
var u: set[2..5]
var p: P
var q: option[P]
init { s = {}  t = {}  u = {2}  p = (0, 1)  q = none }
action AddS(a: 0..2, b: 0..4) { require len(s) < 2 and (b == 2 or len(t) > 1)  s = s | {(a, b)} }
action AddT(k: 0..9) { require len(t) < 3  t = t | {k} }
action CopyU { require len(t) >= 2  u = t }
action SetP(b: 0..4) { require len(t) == 1  p = (1, b) }
action SetQ { q = some((p[0], p[1] + len(t))) }
invariant Known: forall x in s: x[1] >= 1 and (x[0], x[1] - 1) in s or x[1] == 1 or len(t) > 0
"""


def _outcome(f, code):
    try:
        return f(code)
    except ModelError as exc:
        return (exc.kind, exc.message, exc.site)


PAIRS = [
    (SetType(tuple_type([IntType(0, 2), IntType(1, 3)])), SetType(tuple_type([IntType(0, 2), IntType(0, 4)]))),
    (SetType(tuple_type([IntType(0, 2), IntType(0, 4)])), SetType(tuple_type([IntType(0, 2), IntType(1, 3)]))),
    (SetType(IntType(0, 11)), SetType(IntType(2, 5))),        # two bytes of mask, most elements fail
    (SetType(IntType(3, 6)), SetType(IntType(0, 20))),
    (tuple_type([IntType(0, 4), BoolType()]), tuple_type([IntType(1, 3), BoolType()])),
    (OptionType(IntType(0, 5)), OptionType(IntType(2, 9))),
]


@pytest.mark.parametrize("src,dst", PAIRS, ids=range(len(PAIRS)))
def test_the_tables_give_what_decoding_and_encoding_give_for_every_value(src, dst):
    fast = tabulated_convert(src, dst)
    assert isinstance(fast, TabulatedConvert)
    codes = src.codes()
    assert len(codes) > 4
    failures = 0
    for code in codes:
        want = _outcome(lambda c: convert(c, (src, dst), 7), code)
        assert _outcome(lambda c: fast(c, 7), code) == want, (src.show(), dst.show(), code)
        failures += isinstance(want, tuple)
    assert failures > 0 or src in (PAIRS[0][0], PAIRS[3][0])


def test_large_types_are_not_tabulated(monkeypatch):
    src, dst = SetType(IntType(0, 40)), SetType(IntType(1, 41))
    monkeypatch.setattr(runtime, "CONVERT_TABLE_MAX", 32)
    assert tabulated_convert(src, dst) is None
    assert tabulated_convert(IntType(0, 3), IntType(0, 5)) is None  # integers are narrowed inline
    monkeypatch.setattr(runtime, "CONVERT_TABLE_MAX", 64)
    fast = tabulated_convert(src, dst)
    for bits in itertools.combinations(range(41), 3):
        code = sum(1 << b for b in bits)
        assert _outcome(lambda c: fast(c, 1), code) == _outcome(lambda c: convert(c, (src, dst), 1), code)


@pytest.mark.slow   # 9 s on two busy cores (the default run must stay within 10 minutes there)
def test_compiled_code_converts_through_tables_and_agrees_with_the_interpreter():
    m = load_text(CONV)
    cm = CompiledModel(m)
    assert "_convert(" not in cm.source
    assert differential(cm) > 100


@pytest.mark.slow
def test_compiled_code_with_tables_searches_as_the_interpreter_does():
    # the reference breadth-first search on the interpreter over 20,002 states: minutes
    assert compare(load_text(CONV), bmc=False) == []


@pytest.mark.slow   # 9 s on two busy cores
def test_without_tables_the_plain_conversion_is_used_and_agrees(monkeypatch):
    monkeypatch.setattr(runtime, "CONVERT_TABLE_MAX", 0)
    m = load_text(CONV)
    cm = CompiledModel(m)
    assert "_convert(" in cm.source
    assert differential(cm) > 100
