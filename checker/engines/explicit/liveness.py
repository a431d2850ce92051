"""Temporal properties under fairness, on the explicit state graph.

Semantics (as TLA+): a behaviour is an infinite sequence of states; every
state may stutter (repeat), so a state where no action is enabled stutters
forever, and without fairness `eventually P` fails as soon as P is false in
an initial state. `fairness weak A` requires, for every instance of A (each
value of its parameters), that if it is enabled from some point on forever
it is eventually taken; `fairness strong A`, that if it is enabled
infinitely often it is taken infinitely often. Enabled and taken mean a step
that changes the state (TLA+'s <<A>>_vars); a self-loop is a stutter.

A counterexample is a lasso: a stem from an initial state and a cycle the
behaviour repeats forever. It exists iff some strongly connected set of
states, inside the states the property allows, admits a fair cycle:

  - weak: each weakly fair instance is taken inside the set, or disabled in
    one of its states (then visiting that state infinitely often suffices);
  - strong: each strongly fair instance is taken inside the set or disabled
    in all of its states; otherwise the states where it is enabled are
    removed and the rest is searched again (Emerson-Lei).

    eventually P          stem and cycle inside not-P, from an initial state
    always eventually P   a fair cycle inside not-P, reached any way
    eventually always P   a fair cycle through a not-P state
    P leads_to Q          a reachable P-and-not-Q state, then a fair cycle inside not-Q
    always P              an invariant: a finite trace to a not-P state
"""

from __future__ import annotations

from collections import Counter

import numpy as np

from spec import ir
from spec import values as V
from spec.interp import Interp
from spec.ir import FairnessKind, TemporalKind
from spec.runtime import ModelError

from checker.core.explain import source_text
from checker.core.kinds import Kind
from checker.core.limits import Budget
from checker.core.properties import where_of
from checker.core.result import PropertyResult, Trace, TraceStep, Verdict
from checker.core.temporal import describe
from checker.engines.explicit.compiled import CompiledModel
from checker.engines.explicit.graph import StateGraph, checking

STUTTER = -1


class FairnessSets:
    def __init__(self, model: ir.CheckedModel, cm: CompiledModel):
        by_action: dict[int, list[int]] = {}
        for inst, (k, _) in enumerate(cm.instances):
            by_action.setdefault(k, []).append(inst)
        self.weak: set[int] = set()
        self.strong: set[int] = set()
        for f in model.fairness:
            (self.weak if f.kind == FairnessKind.WEAK else self.strong).update(by_action.get(f.action, ()))
        self.all = self.weak | self.strong


class Lasso:
    """stem: [(state, instance)] from an initial state (instance -1) to the entry of the cycle;
    cycle: [(state, instance)] from the entry back to it (empty: the entry stutters)."""

    def __init__(self, stem, cycle):
        self.stem = stem
        self.cycle = cycle


class TemporalChecker:
    def __init__(self, model: ir.CheckedModel, cm: CompiledModel, graph: StateGraph):
        self.model = model
        self.cm = cm
        self.g = graph
        self.fair = FairnessSets(model, cm)
        self._rev = None

    # ---- fair cycles ------------------------------------------------------------------

    def fair_cores(self, comp: list[int]):
        """Subsets of a strongly connected set that admit a fair cycle (see the module doc)."""
        g, fair = self.g, self.fair
        if len(comp) == 1:
            u = comp[0]
            if not (g.enabled(u) & fair.all):
                yield comp
                return
            if fair.strong:  # a strongly fair instance is enabled here and cannot be taken
                return
            return
        members = set(comp)
        enabled = self.enabled_in(comp)
        taken = {k for u in comp for v, k in g.out(u) if v != u and v in members}
        counts = Counter(k for u in comp for k in enabled[u] if k in fair.all)
        for a in fair.weak:
            if a not in taken and counts[a] == len(comp):
                return
        for a in fair.strong:
            if a not in taken and counts[a] > 0:
                rest = [u for u in comp if a not in enabled[u]]
                for sub in g.sccs(rest):
                    yield from self.fair_cores(sub)
                return
        yield comp

    def enabled_in(self, nodes) -> dict[int, set[int]]:
        tick, enabled = self.g.tick, self.g.enabled
        out = {}
        for u in nodes:
            tick()
            out[u] = enabled(u)
        return out

    def cores_in(self, nodes) -> list[list[int]]:
        out = []
        for comp in self.g.sccs(nodes):
            out.extend(self.fair_cores(comp))
        return out

    def cycle(self, core: list[int], entry: int, must_visit=()) -> list[tuple[int, int]]:
        """A short cycle from entry back to entry inside core that every fairness constraint accepts.

        Starts from the goals the property needs (must_visit), then adds, until none is missing:
        for a weakly fair instance enabled in every state of the cycle and never taken on it, a
        state of the core where it is disabled (or, if there is none, one of its edges); for a
        strongly fair instance enabled somewhere on the cycle and never taken, one of its edges.
        """
        g, fair = self.g, self.fair
        members = set(core)
        allowed = _Mask(members)
        enabled = self.enabled_in(core)
        edge_of: dict[int, tuple[int, int]] = {}
        for u in core:
            for v, k in g.out(u):
                if v != u and v in members and k not in edge_of:
                    edge_of[k] = (u, v)
        goals: list[tuple[str, object]] = [("node", {n}) for n in must_visit]
        added: set[int] = set()
        while True:
            path = self._walk(entry, goals, allowed)
            nodes = {entry} | {v for v, _ in path}
            prev, taken = entry, set()
            for v, k in path:
                if v != prev:
                    taken.add(k)
                prev = v
            missing = []
            for a in sorted(fair.all - taken - added):
                everywhere = all(a in enabled[u] for u in nodes)
                somewhere = any(a in enabled[u] for u in nodes)
                if a in fair.weak and everywhere:
                    off = {u for u in core if a not in enabled[u]}
                    missing.append(("node", off) if off else ("edge", (a, edge_of[a])))
                elif a in fair.strong and somewhere:
                    missing.append(("edge", (a, edge_of[a])))
                else:
                    continue
                added.add(a)
            if not missing:
                return path
            goals += missing

    def _walk(self, entry: int, goals, allowed) -> list[tuple[int, int]]:
        g = self.g
        path: list[tuple[int, int]] = []
        here = entry
        for kind, goal in goals:
            if kind == "node":
                if here in goal:
                    continue
                step = g.path_within(here, goal, allowed)
                path += step
                here = step[-1][0]
            else:
                a, (u, v) = goal
                if here != u:
                    path += g.path_within(here, {u}, allowed)
                path.append((v, a))
                here = v
        if here != entry:
            path += g.path_within(here, {entry}, allowed)
        return path

    # ---- properties ----------------------------------------------------------------------

    def check(self, prop: ir.PropertyIR) -> PropertyResult:
        syms = [b.sym for b in prop.binders]
        p_fn = self.cm.predicate(prop.p, syms)
        q_fn = self.cm.predicate(prop.q, syms) if prop.q is not None else None
        interp = Interp(self.model)
        vacuous_all = prop.kind == TemporalKind.LEADS_TO
        for env in interp.bindings(prop.binders):
            args = [env[s.id] for s in syms]
            binding = ", ".join(f"{s.name} = {V.show(ir.decode_value(s.type, env[s.id]))}" for s in syms)
            try:
                found, vacuous = self.check_instance(prop, p_fn, q_fn, args)
            except ModelError as exc:
                msg = f"property {prop.name} cannot be evaluated: {exc.message}"
                return PropertyResult(prop.name, Kind.TEMPORAL, Verdict.VIOLATED, msg, where_of(prop.span))
            vacuous_all = vacuous_all and vacuous
            if found is not None:
                message = self.message(prop, binding)
                trace = self.trace(prop, found, message)
                trace.binding = {s.name: ir.decode_value(s.type, env[s.id]) for s in syms}
                return PropertyResult(prop.name, Kind.TEMPORAL, Verdict.VIOLATED, message, where_of(prop.span), trace)
        note = ""
        if vacuous_all and prop.kind == TemporalKind.LEADS_TO:
            text = source_text(prop.p) or "its premise"
            note = f"holds vacuously: {text} is never true in a reachable state"
        return PropertyResult(prop.name, Kind.TEMPORAL, Verdict.HOLDS, note, where_of(prop.span))

    def masks(self, fn, args) -> bytearray:
        """fn's value in every state, computed a slice at a time (one tick per slice)."""
        states, tick, size = self.g.states, self.g.tick, 256
        out = bytearray()
        for a in range(0, len(states), size):
            tick()
            out += bytes(1 if fn(s, *args) else 0 for s in states[a:a + size])
        return out

    def check_instance(self, prop, p_fn, q_fn, args):
        g = self.g
        kind = prop.kind
        P = self.masks(p_fn, args)
        if kind == TemporalKind.ALWAYS:
            bad = next((u for u in range(len(g)) if not P[u]), None)
            return (None if bad is None else Lasso(g.path_to(bad), None)), False
        if kind == TemporalKind.EVENTUALLY:
            notP = _neg(P)
            reach = g.bfs([i for i in g.init if notP[i]], notP)
            order = {u: r for r, u in enumerate(reach)}
            best = None
            for core in self.cores_in(list(reach)):
                entry = min(core, key=order.__getitem__)
                if best is None or order[entry] < order[best[1]]:
                    best = (core, entry)
            if best is None:
                return None, False
            core, entry = best
            stem = _unwind(reach, entry)
            return Lasso(stem, self.cycle(core, entry)), False
        if kind == TemporalKind.ALWAYS_EVENTUALLY:
            notP = _neg(P)
            cores = self.cores_in([u for u in range(len(g)) if notP[u]])
            if not cores:
                return None, False
            core, entry = min(((c, min(c)) for c in cores), key=lambda ce: ce[1])
            return Lasso(g.path_to(entry), self.cycle(core, entry)), False
        if kind == TemporalKind.EVENTUALLY_ALWAYS:
            best = None
            for core in self.cores_in(list(range(len(g)))):
                bad = [u for u in core if not P[u]]
                if bad:
                    entry = min(core)
                    if best is None or entry < best[1]:
                        best = (core, entry, min(bad))
            if best is None:
                return None, False
            core, entry, bad = best
            return Lasso(g.path_to(entry), self.cycle(core, entry, [bad])), False
        assert kind == TemporalKind.LEADS_TO
        Q = self.masks(q_fn, args)
        notQ = _neg(Q)
        vacuous = not any(P)
        cores = self.cores_in([u for u in range(len(g)) if notQ[u]])
        if not cores:
            return None, vacuous
        core_of = {u: i for i, c in enumerate(cores) for u in c}
        can_starve = self.backward(set(core_of), notQ)
        start = next((u for u in range(len(g)) if P[u] and notQ[u] and u in can_starve), None)
        if start is None:
            return None, vacuous
        tail = g.path_within(start, set(core_of), notQ)
        entry = tail[-1][0] if tail else start
        core = cores[core_of[entry]]
        return Lasso(g.path_to(start) + tail, self.cycle(core, entry)), False

    def backward(self, targets: set[int], allowed) -> set[int]:
        """States inside `allowed` from which some target is reachable inside `allowed`."""
        if self._rev is None:
            g = self.g
            n = len(g)
            src = np.repeat(np.arange(n, dtype=np.int32), np.diff(g.offsets))
            order = np.argsort(g.dst, kind="stable")
            self._rev = (np.searchsorted(g.dst[order], np.arange(n + 1)).tolist(), src[order].tolist())
        rev_off, rev_src = self._rev
        seen = set(targets)
        frontier = list(targets)
        tick = self.g.tick
        while frontier:
            nxt = []
            for v in frontier:
                tick()
                for u in rev_src[rev_off[v]:rev_off[v + 1]]:
                    if allowed[u] and u not in seen:
                        seen.add(u)
                        nxt.append(u)
            frontier = nxt
        return seen

    # ---- reporting ------------------------------------------------------------------------

    def message(self, prop: ir.PropertyIR, binding: str) -> str:
        return describe(self.model, prop, binding)

    def trace(self, prop: ir.PropertyIR, lasso: Lasso, message: str) -> Trace:
        return lasso_trace(self.model, self.cm, self.g, lasso, prop.name, Kind.TEMPORAL, message, where_of(prop.span))


def lasso_trace(model, cm: CompiledModel, g: StateGraph, lasso: Lasso, name: str, kind: str, message: str,
                where) -> Trace:
    steps: list[TraceStep] = []
    prev = None
    full = list(lasso.stem)
    loop = None
    if lasso.cycle is not None:
        loop = len(full) - 1
        full += lasso.cycle if lasso.cycle else [(full[-1][0], STUTTER)]
    for node, inst in full:
        s = g.states[node]
        steps.append(label_step(cm, prev, inst, s))
        prev = s
    return Trace(model.name, name, kind, steps, message, None, where, loop, model.const_values())


def label_step(cm: CompiledModel, prev: int | None, inst: int, s: int) -> TraceStep:
    """The trace step into s: its action, parameters and choices (found with the interpreter)."""
    state = cm.decode(s)
    if prev is None:
        return TraceStep(state)
    if inst == STUTTER:
        return TraceStep(state, "(stutter)")
    k, _ = cm.instances[inst]
    action = cm.model.actions[k].name
    params = cm.instance_params(inst)
    for st in cm.steps(prev):
        if st.action == action and st.params == params and st.state == s:
            return TraceStep(state, action, params, st.choices)
    raise RuntimeError(f"internal error: the interpreter does not reproduce {action} on this trace")


class _Mask:
    """A membership test that looks like a bytearray indexed by state."""

    def __init__(self, members: set[int]):
        self.members = members

    def __getitem__(self, u: int) -> bool:
        return u in self.members


def _neg(mask: bytearray) -> bytearray:
    return bytearray(1 - b for b in mask)


def _unwind(tree: dict, node: int) -> list[tuple[int, int]]:
    path = []
    while node != -1:
        parent, inst = tree[node]
        path.append((node, inst))
        node = parent
    path.reverse()
    return path


def check_properties(model: ir.CheckedModel, cm: CompiledModel, graph: StateGraph,
                     budget: Budget | None = None) -> list[PropertyResult]:
    """Every temporal property of the model, on the graph (whose searches tick `budget`)."""
    checker = TemporalChecker(model, cm, graph)
    out = []
    for p in model.properties:
        if budget is not None:
            checking(budget, graph, "temporal", p.name)
        out.append(checker.check(p))
    return out
