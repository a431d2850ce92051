"""Quantifiers split by their binders in the compiled code: `exists x, y: A(x) and B(y)` as
`(exists x: A(x)) and (exists y: B(y))`, `forall x, y: A(x) or B(y)` as `(forall x: A(x)) or
(forall y: B(y))`, checked state by state against the interpreter (which does not split), with
empty domains, parts that read both binders, and parts that can fail (not split)."""

from __future__ import annotations

import pytest

from spec import ir

from checker.engines.explicit.codegen import ModelCompiler
from engine_helpers import differential, model_of

MODEL = """model M
var s: set[0..3]
var t: set[0..3]
var k: 0..3
init { s = {}  t = {}  k = 0 }
action AddS(v: 0..3) { s = s | {v} }
action AddT(v: 0..3) { t = t | {v} }
action DropS(v: 0..3) { s = s - {v} }
action Turn { k = (k + 1) % 4 }
invariant I: INV
"""

SPLIT = [
    # exists over two, three binders; parts in any order; a part reading no binder of its own group
    "not exists a in s, b in t: a == 1 and b == 2",
    "not exists a in s, b in t, c in 0..3: a > k and b < 2 and c == k",
    "not exists a in s, b in t: b == 3 and a == k and a != 2",
    # forall with `or`, over sets that are often empty
    "forall a in s, b in t: a < 3 or b > 0",
    "(forall a in s, b in t: a == 0 or b == 1) or len(s) > 1",
]
KEPT = [
    # a part reads both binders: not split
    "not exists a in s, b in t: a == b and a == 3",
    # a part can fail (division by a binder): not split, the error's order is kept
    "not exists a in s, b in t: 6 / a == 2 and b == 1",
    # a domain depends on another binder
    "not exists a in s, b in 0..a: b == 2 and a == 3",
]


def _quantifier(m):
    """The first quantifier with two binders or more in the model's invariant."""
    todo = [m.invariants[0].cond]
    while todo:
        x = todo.pop(0)
        if isinstance(x, ir.Quant) and len(x.binders) > 1:
            return x
        todo += [y for y in getattr(x, "args", []) if isinstance(y, ir.Expr)]
    raise AssertionError("no quantifier")


@pytest.mark.parametrize("inv", SPLIT + KEPT)
def test_compiled_agrees_with_the_interpreter(inv):
    m = model_of(MODEL.replace("INV", inv))
    assert differential(m) == 1024   # 16 values of s and of t, 4 of k


@pytest.mark.parametrize("inv,split", [(x, True) for x in SPLIT] + [(x, False) for x in KEPT])
def test_the_split_happens_and_only_where_it_may(inv, split):
    m = model_of(MODEL.replace("INV", inv))
    got = ModelCompiler(m)._miniscoped(_quantifier(m))
    assert (got is not None) == split
    if split:   # one quantifier per group of binders, joined by the body's connective
        assert got.op == ("and" if "exists" in inv else "or")
        quants = [a for a in got.args if isinstance(a, ir.Quant)]
        assert quants and all(len(q.binders) < len(_quantifier(m).binders) for q in quants)
