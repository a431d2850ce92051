"""The meaning of a temporal property on a lasso, shared by every engine and by replay.

A lasso is a finite path of states whose last state equals state `loop`: the
steps from `loop` on repeat for ever (TLA+'s semantics, see
`checker.engines.explicit.liveness`). `always P` needs no cycle: a finite
trace to a state where P is false violates it.
"""

from __future__ import annotations

from spec import ir
from spec.ir import TemporalKind

from checker.core.explain import quote


def describe(model: ir.CheckedModel, prop: ir.PropertyIR, binding: str) -> str:
    """What a counterexample to a temporal property shows, in words."""
    p = quote(prop.p, "P")
    where = f" (with {binding})" if binding else ""
    fairness = "fair " if model.fairness else ""
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
