"""The meaning of a temporal property on a lasso, shared by every engine and by replay.

A lasso is a finite path of states whose last state equals state `loop`: the
steps from `loop` on repeat for ever (TLA+'s semantics, see
`checker.engines.explicit.liveness`). `always P` needs no cycle: a finite
trace to a state where P is false violates it.
"""

from __future__ import annotations

from spec import ir
from spec.ir import TemporalKind

from checker.core.explain import quote, source_text


def describe(model: ir.CheckedModel, prop: ir.PropertyIR, binding: str) -> str:
    """What a counterexample to a temporal property shows, in words."""
    p = quote(prop.p, "P")
    where = f" (with {binding})" if binding else ""
    fairness = "fair " if model.fairness else ""
    if prop.kind == TemporalKind.FORMULA:
        text = source_text(prop.formula) or "the formula"
        return f"a {fairness}behaviour that violates {text}{where}"
    if prop.kind == TemporalKind.ALWAYS:
        return f"{p} becomes false{where}"
    if prop.kind == TemporalKind.EVENTUALLY:
        return f"a {fairness}behaviour where {p} never holds{where}"
    if prop.kind == TemporalKind.ALWAYS_EVENTUALLY:
        return f"a {fairness}behaviour where {p} stops holding for ever{where}"
    if prop.kind == TemporalKind.EVENTUALLY_ALWAYS:
        return f"a {fairness}behaviour where {p} keeps becoming false{where}"
    q = quote(prop.q, "Q")
    return f"{p} holds, then {q} never does on a {fairness}behaviour{where}"


def lasso_violates(kind: str, P: list[bool], Q: list[bool] | None, loop: int | None) -> bool:
    """Whether a lasso (states 0 .. n-1, the last equal to state `loop`) violates the property,
    given its predicates in each state; `always` needs no cycle."""
    n = len(P)
    if kind == TemporalKind.ALWAYS:
        return not all(P)
    cycle = range(loop, n)
    if kind == TemporalKind.EVENTUALLY:
        return not any(P)
    if kind == TemporalKind.ALWAYS_EVENTUALLY:
        return not any(P[i] for i in cycle)
    if kind == TemporalKind.EVENTUALLY_ALWAYS:
        return not all(P[i] for i in cycle)
    assert kind == TemporalKind.LEADS_TO and Q is not None
    return any(P[i] and not any(Q[j] for j in range(min(i, loop), n)) for i in range(n))


def property_violated(prop: ir.PropertyIR, evaluate, loop: int | None) -> bool:
    """Whether a lasso (or, for `always`, a finite trace: loop None) violates prop; evaluate(expr)
    gives a state predicate's value in each of its states."""
    if prop.kind == TemporalKind.FORMULA:
        values = {id(a): evaluate(a) for a in prop.formula.atoms()}
        n = len(next(iter(values.values())))
        return loop is not None and not formula_holds(prop.formula, values, loop, n)
    Q = evaluate(prop.q) if prop.q is not None else None
    return lasso_violates(prop.kind, evaluate(prop.p), Q, loop)


def formula_holds(formula: ir.TemporalFormula, values: dict, loop: int, n: int) -> bool:
    """Whether a general temporal formula holds on a lasso of states 0 .. n-1 whose last state equals
    state `loop` (loop < n - 1): values[id(atom)] is the atom's value in each state.

    The suffix from position i visits positions min(i, loop) .. n-1 for ever after, so `always f`
    at i is f at all of them and `eventually f` at one; the formula holds in position 0."""
    return _at(formula, values, loop, n)[0]


def _at(f: ir.TemporalFormula, values: dict, loop: int, n: int) -> list[bool]:
    if f.op == "atom":
        return [bool(v) for v in values[id(f.expr)]]
    args = [_at(a, values, loop, n) for a in f.args]
    if f.op == "not":
        return [not v for v in args[0]]
    if f.op in ("and", "or", "implies"):
        a, b = args
        return [{"and": x and y, "or": x or y, "implies": (not x) or y}[f.op] for x, y in zip(a, b)]
    if f.op in ("always", "eventually"):
        return _future(f.op, args[0], loop, n)
    assert f.op == "leads_to", f.op
    a, b = args
    later = _future("eventually", b, loop, n)
    return _future("always", [(not x) or y for x, y in zip(a, later)], loop, n)


def _future(op: str, v: list[bool], loop: int, n: int) -> list[bool]:
    """always / eventually of a value per position, on the lasso."""
    combine = all if op == "always" else any
    cycle = combine(v[loop:n])
    out = [cycle] * n
    acc = cycle
    for i in range(loop - 1, -1, -1):
        acc = (acc and v[i]) if op == "always" else (acc or v[i])
        out[i] = acc
    return out
