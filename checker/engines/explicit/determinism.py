"""Determinism declarations, checked on the explicit state graph.

  deterministic A   every instance of A (each parameter value) has at most one
                    successor in every reachable state: A is a function of the
                    state and its parameters. A violation shows the state and
                    the two different results.
  commute A, B      in every reachable state where an instance of A and one of
                    B are both enabled, A then B and B then A end in the same
                    set of states. A violation (a race: two updates that do
                    not commute, like two writes to one position) shows the
                    state and both orders' results.

`converge` is an invariant over pairs of replicas and is checked with the
other invariants.
"""

from __future__ import annotations

import numpy as np

from spec import ir
from spec import values as V

from checker.core.kinds import Kind
from checker.core.limits import Budget
from checker.core.properties import where_of
from checker.core.result import PropertyResult, Trace, TraceStep, Verdict
from checker.engines.explicit.compiled import CompiledModel
from checker.engines.explicit.graph import StateGraph, checking
from checker.engines.explicit.liveness import label_step


def _instance_text(cm: CompiledModel, inst: int) -> str:
    k, _ = cm.instances[inst]
    params = cm.instance_params(inst)
    name = cm.model.actions[k].name
    if not params:
        return name
    return f"{name}(" + ", ".join(f"{n}={V.show(v)}" for n, v in params.items()) + ")"


def _trace_to(model, cm: CompiledModel, g: StateGraph, u: int, name: str, kind: str, message: str,
              where) -> Trace:
    steps, prev = [], None
    for node, inst in g.path_to(u):
        s = g.states[node]
        steps.append(label_step(cm, prev, inst, s))
        prev = s
    return Trace(model.name, name, kind, steps, message, None, where, None, model.const_values())


def _branch(cm: CompiledModel, g: StateGraph, start: int, path: list[tuple[int, int]]) -> list[TraceStep]:
    out, prev = [], g.states[start]
    for node, inst in path:
        s = g.states[node]
        out.append(label_step(cm, prev, inst, s))
        prev = s
    return out


def check_deterministic(model: ir.CheckedModel, cm: CompiledModel, g: StateGraph,
                        decl: ir.DeterministicIR) -> PropertyResult:
    where = where_of(decl.span)
    g.tick()
    mine = np.array([k == decl.action for k, _ in cm.instances], dtype=bool)
    found = _two_results(g, mine)
    if found is None:
        return PropertyResult(decl.name, Kind.DETERMINISM, Verdict.HOLDS, "", where)
    u, k, first, second = found
    text = _instance_text(cm, k)
    message = f"{text} has two different results in the same state"
    trace = _trace_to(model, cm, g, u, decl.name, Kind.DETERMINISM, message, where)
    trace.branches = [(f"{text}, first result", _branch(cm, g, u, [(first, k)])),
                      (f"{text}, second result", _branch(cm, g, u, [(second, k)]))]
    return PropertyResult(decl.name, Kind.DETERMINISM, Verdict.VIOLATED, message, where, trace)


def _two_results(g: StateGraph, mine: np.ndarray) -> tuple[int, int, int, int] | None:
    """The first edge (in the graph's order: state by state) of an instance `mine` selects whose
    target differs from that of the instance's first edge from the same state: (the state, the
    instance, the first target, this target); None if there is none."""
    edges = np.flatnonzero(mine[g.inst])
    if not len(edges):
        return None
    key = g.src[edges].astype(np.int64) * len(mine) + g.inst[edges]
    order = np.argsort(key, kind="stable")
    ranked = key[order]
    starts = np.ones(len(edges), dtype=bool)
    np.not_equal(ranked[1:], ranked[:-1], out=starts[1:])
    first = np.empty(len(edges), dtype=np.int64)       # the first edge of each edge's (state, instance)
    first[order] = order[np.flatnonzero(starts)][np.cumsum(starts) - 1]
    dst = g.dst[edges]
    other = np.flatnonzero(dst != dst[first])
    if not len(other):
        return None
    e = int(other[0])
    return int(g.src[edges[e]]), int(g.inst[edges[e]]), int(dst[first[e]]), int(dst[e])


def check_commute(model: ir.CheckedModel, cm: CompiledModel, g: StateGraph, decl: ir.CommuteIR) -> PropertyResult:
    where = where_of(decl.span)
    first = {i for i, (k, _) in enumerate(cm.instances) if k == decl.first}
    second = {i for i, (k, _) in enumerate(cm.instances) if k == decl.second}

    def after(u: int, insts: set[int]) -> dict[int, list[int]]:
        out: dict[int, list[int]] = {}
        for v, k in g.out(u):
            if k in insts:
                out.setdefault(k, []).append(v)
        return out

    for u in range(len(g)):
        g.tick()
        by_a, by_b = after(u, first), after(u, second)
        for a in sorted(by_a):
            for b in sorted(by_b):
                if a == b:
                    continue
                ab = {w: (v, w) for v in by_a[a] for w, kk in g.out(v) if kk == b}
                ba = {w: (v, w) for v in by_b[b] for w, kk in g.out(v) if kk == a}
                if set(ab) == set(ba):
                    continue
                ta, tb = _instance_text(cm, a), _instance_text(cm, b)
                message = f"{ta} and {tb} do not commute: the two orders end in different states"
                trace = _trace_to(model, cm, g, u, decl.name, Kind.COMMUTE, message, where)
                trace.branches = [
                    (f"{ta} then {tb}", _order(cm, g, u, a, b, by_a[a], ab)),
                    (f"{tb} then {ta}", _order(cm, g, u, b, a, by_b[b], ba)),
                ]
                return PropertyResult(decl.name, Kind.COMMUTE, Verdict.VIOLATED, message, where, trace)
    return PropertyResult(decl.name, Kind.COMMUTE, Verdict.HOLDS, "", where)


def _order(cm, g, u, x, y, mids, ends: dict) -> list[TraceStep]:
    """The first result of doing x then y from u; if y is then disabled, just x."""
    if ends:
        w = min(ends)
        v, _ = ends[w]
        return _branch(cm, g, u, [(v, x), (w, y)])
    steps = _branch(cm, g, u, [(mids[0], x)])
    k, _ = cm.instances[y]
    steps.append(TraceStep({}, f"{cm.model.actions[k].name} is then disabled"))
    return steps


def check_all(model: ir.CheckedModel, cm: CompiledModel, g: StateGraph,
              budget: Budget | None = None) -> list[PropertyResult]:
    out = []
    for decl, check in ([(d, check_deterministic) for d in model.deterministic]
                        + [(c, check_commute) for c in model.commutes]):
        if budget is not None:
            checking(budget, g, "determinism", decl.name)
        out.append(check(model, cm, g, decl))
    return out
