"""Temporal properties under fairness, on the explicit state graph.

Semantics (as TLA+): a behaviour is an infinite sequence of states; every
state may stutter (repeat), so a state where no action is enabled stutters
forever, and without fairness `eventually P` fails as soon as P is false in
an initial state. Fairness is a list of conditions (spec.ir.FairnessIR):
`fairness weak A` gives one for every instance of A (each value of its
parameters), `fairness weak {A, B}` one for all the instances of A and B
together. A weak condition says that if it is enabled (one of its instances
is) from some point on forever, it is eventually taken (one of its instances
is); a strong one, that if it is enabled infinitely often it is taken
infinitely often. Enabled and taken mean a step that changes the state
(TLA+'s <<A>>_vars); a self-loop is a stutter.

A counterexample is a lasso: a stem from an initial state and a cycle the
behaviour repeats forever. It exists iff some strongly connected set of
states, inside the states the property allows, admits a fair cycle:

  - weak: each weakly fair condition is taken inside the set, or disabled in
    one of its states (then visiting that state infinitely often suffices);
  - strong: each strongly fair condition is taken inside the set or disabled
    in all of its states; otherwise the states where it is enabled are
    removed and the rest is searched again (Emerson-Lei).

    eventually P          stem and cycle inside not-P, from an initial state
    always eventually P   a fair cycle inside not-P, reached any way
    eventually always P   a fair cycle through a not-P state
    P leads_to Q          a reachable P-and-not-Q state, then a fair cycle inside not-Q
    always P              an invariant: a finite trace to a not-P state
    any other formula     a fair accepting lasso of the product with a Büchi automaton (ltl.py)

The lasso reported is a shortest one (shortlasso.py), or, when that search
runs out of its work count, the one built greedily by `cycle`.
"""

from __future__ import annotations

from functools import cached_property

import numpy as np

from spec import ir
from spec import values as V
from spec.interp import Interp
from spec.ir import FairnessKind, TemporalKind
from spec.runtime import ModelError

from checker.core.explain import quote
from checker.core.kinds import Kind
from checker.core.limits import Budget
from checker.core.properties import where_of
from checker.core.result import PropertyResult, Trace, TraceStep, Verdict
from checker.core.temporal import describe
from checker.engines.explicit.compiled import CompiledModel
from checker.engines.explicit.graph import StateGraph, checking
from checker.engines.explicit.ltl import FormulaCheck
from checker.engines.explicit.shortlasso import OutOfWork, Stem, depths, shortest_lasso

STUTTER = -1


class FairnessSets:
    """The fairness conditions (spec.ir.fairness_conditions), numbered 0..n-1: weak and strong are
    sets of condition numbers; `of_instance[i]` the conditions instance i belongs to (one per
    instance for `fairness weak A`; a group `{A, B}` is one condition for all their instances)."""

    def __init__(self, model: ir.CheckedModel, cm: CompiledModel):
        # numbered in the order of their instances (for per-instance fairness, the instance order)
        conds = sorted(ir.fairness_conditions(model, cm.instances), key=lambda c: (c[1][0], len(c[1]), c[1], c[0]))
        self.members = [c for _, c in conds]
        self.weak = {j for j, (kind, _) in enumerate(conds) if kind == FairnessKind.WEAK}
        self.strong = {j for j, (kind, _) in enumerate(conds) if kind == FairnessKind.STRONG}
        self.all = self.weak | self.strong
        n_inst = len(cm.instances)
        self.of_instance: list[tuple[int, ...]] = [() for _ in range(n_inst)]
        for j, c in enumerate(self.members):
            for i in c:
                self.of_instance[i] += (j,)
        pairs = [(i, j) for i in range(n_inst) for j in self.of_instance[i]]
        self.pair_inst = np.array([i for i, _ in pairs], dtype=np.int64)   # (instance, condition) pairs
        self.pair_cond = np.array([j for _, j in pairs], dtype=np.int64)   # by instance
        self.n_of_instance = np.array([len(c) for c in self.of_instance], dtype=np.int64)
        n = len(conds)
        self.n = n
        self.is_weak = np.zeros(n, dtype=bool)
        self.is_weak[list(self.weak)] = True
        self.is_strong = np.zeros(n, dtype=bool)
        self.is_strong[list(self.strong)] = True
        # a component is refined by the first strongly fair condition, in this order, that it starves
        self.strong_rank = np.full(n, n, dtype=np.int64)
        self.strong_rank[sorted(self.strong)] = np.arange(len(self.strong))
        self.weak_bits = bit_set(self.is_weak)
        self.strong_bits = bit_set(self.is_strong)

    def conditions(self, instances) -> set[int]:
        """The conditions of some instances (the conditions taken by their steps, or enabled)."""
        return {j for i in instances for j in self.of_instance[i]}


def bit_set(mask: np.ndarray) -> np.ndarray:
    """The instances of a mask as a bit set: bit k % 64 of word k // 64 for instance k."""
    words = np.zeros(_words(len(mask)) * 64, dtype=bool)
    words[:len(mask)] = mask
    return np.packbits(words, bitorder="little").view("<u8").astype(np.uint64)


def _words(n_inst: int) -> int:
    return max(1, (n_inst + 63) // 64)


class FairSteps:
    """What the fair-core search needs of the steps that change the state (a self-loop is a
    stutter): the bit set (see `bit_set`) of the conditions enabled in each state, one row of words
    a state (`enabled`); and the steps between two states that may lie on a cycle (`on_cycles`),
    the only ones that can join two states of a strongly connected component of any subgraph, with
    the bit set of the conditions of each step's instance (`src`, `dst`, `bits`, in edge order)."""

    def __init__(self, g: StateGraph, fair: FairnessSets):
        self.g = g
        self.words = _words(fair.n)
        # the conditions of each instance, as a bit set: one row of words an instance
        self.of_instance = np.zeros((len(fair.n_of_instance), self.words), dtype=np.uint64)
        if len(fair.pair_inst):
            np.bitwise_or.at(self.of_instance, (fair.pair_inst, fair.pair_cond >> 6),
                             np.left_shift(np.uint64(1), (fair.pair_cond & 63).astype(np.uint64)))
        on = g.on_cycles
        if on.any():
            cyclic = np.flatnonzero(on[g.src] & on[g.dst] & (g.src != g.dst))
        else:
            cyclic = np.zeros(0, dtype=np.int64)
        self.src, self.dst = g.src[cyclic], g.dst[cyclic]
        self.bits = self.of_instance[g.inst[cyclic]]

    @cached_property
    def enabled(self) -> np.ndarray:
        """(states, words): the conditions enabled in each state, or-ed over each state's row of
        steps at once (reduceat over the rows that have steps)."""
        g = self.g
        out = np.zeros((len(g), self.words), dtype=np.uint64)
        if not len(g.inst):
            return out
        per_edge = self.of_instance[g.inst]
        per_edge[g.src == g.dst] = 0
        rows = np.flatnonzero(np.diff(g.offsets) > 0)
        starts = g.offsets[rows]
        for w in range(self.words):
            out[rows, w] = np.bitwise_or.reduceat(per_edge[:, w], starts)
        return out

    def is_enabled(self, states: np.ndarray, inst: np.ndarray) -> np.ndarray:
        """Whether condition inst[i] is enabled in states[i], for every i."""
        word = self.enabled[states, inst >> 6]
        return ((word >> (inst & 63).astype(np.uint64)) & np.uint64(1)).astype(bool)


class Lasso:
    """stem: [(state, instance)] from an initial state (instance -1) to the entry of the cycle;
    cycle: [(state, instance)] from the entry back to it (empty: the entry stutters)."""

    def __init__(self, stem, cycle):
        self.stem = stem
        self.cycle = cycle


class Cores:
    """The fair cores found in a set of states (see the module doc), each a strongly connected
    component of one round of the search: round 0 splits the set, each later round the states of a
    component of the round before where the strongly fair instance it starves is disabled.

    label[u] is the core u belongs to (-1: none). `ordered` gives a core's states in the order
    Tarjan's algorithm, run on each round's set with the states in the order of the round before,
    pops them (`StateGraph.tarjan_order`): a cycle takes the first edge of an instance in that order."""

    def __init__(self, checker: TemporalChecker, roots: np.ndarray):
        self.checker = checker
        self.roots = roots
        self.label = np.full(len(checker.g), -1, dtype=np.int64)
        self.rounds: list[tuple[np.ndarray, np.ndarray]] = []   # (component of each state, refining instance)
        self.cores: list[np.ndarray] = []   # per round, its components that are cores, numbered on from the last round's
        self.count = 0

    def __len__(self) -> int:
        return self.count

    def origin(self, core: int) -> tuple[int, int]:
        """(round, component) of a core."""
        for r, comps in enumerate(self.cores):
            if core < len(comps):
                return r, int(comps[core])
            core -= len(comps)
        raise IndexError(core)

    def add_round(self, comp: np.ndarray, chosen: np.ndarray) -> None:
        """A round's components and what each is: a core (-1), unfair (-2), or refined by instance k."""
        r = len(self.rounds)
        self.rounds.append((comp, chosen))
        fair = np.flatnonzero(chosen == -1)
        ids = np.full(len(chosen), -1, dtype=np.int64)
        ids[fair] = np.arange(self.count, self.count + len(fair))
        self.cores.append(fair)
        self.count += len(fair)
        inside = comp >= 0
        self.label[inside] = np.maximum(self.label[inside], ids[comp[inside]])

    def members(self, core: int) -> np.ndarray:
        r, c = self.origin(core)
        return np.flatnonzero(self.rounds[r][0] == c)

    def ordered(self, core: int) -> list[int]:
        r, c = self.origin(core)
        return self._ordered(r, c)

    def _ordered(self, r: int, c: int) -> list[int]:
        comp = self.rounds[r][0]
        members = np.flatnonzero(comp == c)
        if r == 0:
            roots = self.roots
        else:
            above, chosen = self.rounds[r - 1]
            pc = int(above[members[0]])
            a = int(chosen[pc])
            enabled = self.checker.conds_enabled
            roots = [u for u in self._ordered(r - 1, pc) if a not in enabled(u)]
        return self.checker.g.tarjan_order(roots, members)


class TemporalChecker:
    def __init__(self, model: ir.CheckedModel, cm: CompiledModel, graph: StateGraph):
        self.model = model
        self.cm = cm
        self.g = graph
        self.fair = FairnessSets(model, cm)
        self.formulas: dict[str, FormulaCheck] = {}

    # ---- fair cycles ------------------------------------------------------------------

    @cached_property
    def steps(self) -> FairSteps:
        return FairSteps(self.g, self.fair)

    def cores_in(self, nodes) -> Cores:
        """The fair cores inside `nodes` (states in the order a search found them)."""
        g = self.g
        roots = np.asarray(nodes, dtype=np.int64)
        cores = Cores(self, roots)
        allowed = np.zeros(len(g), dtype=bool)
        allowed[roots] = True
        while allowed.any():
            comp = g.components(allowed)
            chosen = self.verdicts(comp)
            cores.add_round(comp, chosen)
            pick = np.where(comp >= 0, chosen[np.maximum(comp, 0)], -1)
            allowed = pick >= 0
            refined = np.flatnonzero(allowed)   # less the states where the refining instance is enabled
            allowed[refined[self.steps.is_enabled(refined, pick[refined])]] = False
        return cores

    def verdicts(self, comp: np.ndarray) -> np.ndarray:
        """For each component: -1 if it admits a fair cycle as it is; -2 if it has none (a weakly fair
        instance is enabled in all its states and never taken inside it); else the first strongly
        fair instance enabled in some of its states and never taken inside it.

        Bit sets of instances per component: enabled in all its states, in some, taken inside."""
        fair, steps = self.fair, self.steps
        n_comp = int(comp.max()) + 1
        taken = np.zeros((n_comp, steps.words), dtype=np.uint64)   # taken inside
        if len(steps.src):   # only a step between states on cycles can join two of one component
            c_src = comp[steps.src]
            inner = np.flatnonzero((c_src >= 0) & (c_src == comp[steps.dst]))
            np.bitwise_or.at(taken, c_src[inner], steps.bits[inner])
        starved = ~taken
        members = np.flatnonzero(comp >= 0)
        c, enabled = comp[members], steps.enabled[members]
        if n_comp == len(members):   # each state a component of its own, numbered in state order
            some = every = enabled
        else:
            some = np.zeros((n_comp, steps.words), dtype=np.uint64)
            np.bitwise_or.at(some, c, enabled)
            every = np.full((n_comp, steps.words), ~np.uint64(0))
            np.bitwise_and.at(every, c, enabled)
        unfair = (every & starved & fair.weak_bits).any(axis=1)
        candidates = some & starved & fair.strong_bits
        candidates[unfair] = 0
        chosen = np.full(n_comp, -1, dtype=np.int64)
        chosen[unfair] = -2
        rows = np.flatnonzero(candidates.any(axis=1))
        if len(rows):
            n_inst = len(fair.is_strong)
            bits = np.unpackbits(candidates[rows].astype("<u8").view(np.uint8), axis=1, bitorder="little")
            rank = np.where(bits[:, :n_inst].astype(bool), fair.strong_rank, n_inst)
            chosen[rows] = np.argmin(rank, axis=1)
        return chosen

    def conds_enabled(self, u: int) -> set[int]:
        """The fairness conditions enabled in state u."""
        return self.fair.conditions(self.g.enabled(u))

    def enabled_in(self, nodes) -> dict[int, set[int]]:
        tick = self.g.tick
        out = {}
        for u in nodes:
            tick()
            out[u] = self.conds_enabled(u)
        return out

    def cycle(self, cores: Cores, core: int, entry: int, must_visit=()) -> list[tuple[int, int]]:
        """A short cycle from entry back to entry inside core that every fairness constraint accepts.

        Starts from the goals the property needs (must_visit), then adds, until none is missing:
        for a weakly fair instance enabled in every state of the cycle and never taken on it, a
        state of the core where it is disabled (or, if there is none, one of its edges); for a
        strongly fair instance enabled somewhere on the cycle and never taken, one of its edges.
        """
        g, fair = self.g, self.fair
        members = cores.members(core)
        allowed = bytearray(len(g))
        for u in members.tolist():
            allowed[u] = 1
        enabled = self.enabled_in(members.tolist())
        edges: dict[int, tuple[int, int]] = {}

        def edge_of(a: int) -> tuple[int, int, int]:
            if not edges:  # the first edge of each condition, in the core's order: (instance, u, v)
                for u in cores.ordered(core):
                    for v, k in g.out(u):
                        if v != u and allowed[v]:
                            for c in fair.of_instance[k]:
                                edges.setdefault(c, (k, u, v))
            return edges[a]

        goals: list[tuple[str, object]] = [("node", {n}) for n in must_visit]
        added: set[int] = set()
        while True:
            path = self._walk(entry, goals, allowed)
            nodes = {entry} | {v for v, _ in path}
            prev, taken = entry, set()
            for v, k in path:
                if v != prev:
                    taken.update(fair.of_instance[k])
                prev = v
            missing = []
            for a in sorted(fair.all - taken - added):
                everywhere = all(a in enabled[u] for u in nodes)
                somewhere = any(a in enabled[u] for u in nodes)
                if a in fair.weak and everywhere:
                    off = {u for u in enabled if a not in enabled[u]}
                    missing.append(("node", off) if off else ("edge", (a, edge_of(a))))
                elif a in fair.strong and somewhere:
                    missing.append(("edge", (a, edge_of(a))))
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
                _, (k, u, v) = goal
                if here != u:
                    path += g.path_within(here, {u}, allowed)
                path.append((v, k))
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
            text = quote(prop.p, "its premise")
            note = f"holds vacuously: {text} is never true in a reachable state"
        return PropertyResult(prop.name, Kind.TEMPORAL, Verdict.HOLDS, note, where_of(prop.span))

    def masks(self, fn, expr: ir.Expr, args) -> np.ndarray:
        """fn's value (fn compiles expr) in every state (a boolean array): computed once for each
        class of states that agree on the variables expr reads, on its first state, classes in
        the order of those states (so the first failure is the first state's); one tick each."""
        g, tick = self.g, self.g.tick
        first, cls = g.classes(self.reads(expr))
        values = np.zeros(len(first), dtype=bool)
        for c, u in enumerate(first.tolist()):
            tick()
            values[c] = fn(g.states[u], *args)
        return values[cls]

    def reads(self, expr: ir.Expr) -> int:
        """The mask of the state bits of the variables expr reads (in the defs it calls too)."""
        layout = self.cm.layout
        mask = 0
        for i in {n.var.index for n in ir.iter_ir(expr) if isinstance(n, ir.VarRef)}:
            mask |= layout.masks[i] << layout.offsets[i]
        return mask

    @cached_property
    def tree(self) -> tuple[np.ndarray, np.ndarray]:
        """(depth, BFS parent) of every state from the initial states: shortest stems."""
        g = self.g
        order, pred = g.reach(g.init, np.ones(len(g), dtype=bool))
        return depths(order, pred, len(g)), pred

    def anywhere(self, visit=None) -> Stem:
        """Stems from an initial state through any states."""
        dist, pred = self.tree
        return Stem(dist, lambda u: self.g.tree_path(pred, u), visit)

    def after_trigger(self, trigger: np.ndarray, allowed: np.ndarray) -> Stem:
        """Shortest stems that pass a `trigger` state and stay inside `allowed` from there on: a
        breadth-first search inside `allowed` whose sources join at the depth they are reached."""
        g = self.g
        d0, pred0 = self.tree
        starts = np.flatnonzero(trigger & allowed & (d0 >= 0))
        dist = np.full(len(g), -1, dtype=np.int64)
        pred = np.full(len(g), -1, dtype=np.int64)
        joining: dict[int, list[int]] = {}
        for t in starts.tolist():
            joining.setdefault(int(d0[t]), []).append(t)
        frontier: list[int] = []
        level = min(joining) if joining else 0
        while frontier or any(k >= level for k in joining):
            for t in joining.get(level, ()):
                if dist[t] < 0:
                    dist[t] = level
                    frontier.append(t)
            nxt = []
            for u in frontier:
                g.tick()
                for v, _ in g.out(u):
                    if allowed[v] and dist[v] < 0:
                        dist[v] = level + 1
                        pred[v] = u
                        nxt.append(int(v))
            frontier = nxt
            level += 1

        def path(u: int) -> list[tuple[int, int]]:
            tail = []
            while pred[u] >= 0:
                tail.append((u, g.edge_instance(int(pred[u]), u)))
                u = int(pred[u])
            return g.tree_path(pred0, u) + tail[::-1]
        return Stem(dist, path)

    def lasso(self, cores: Cores, stems: list[Stem], greedy) -> Lasso | None:
        """A shortest fair lasso (shortlasso.py), or greedy()'s when that search runs out of work."""
        try:
            found = shortest_lasso(self, cores, stems)
        except OutOfWork:
            return greedy()
        return None if found is None else Lasso(*found)

    def check_instance(self, prop, p_fn, q_fn, args):
        g = self.g
        kind = prop.kind
        if kind == TemporalKind.FORMULA:
            if prop.name not in self.formulas:
                self.formulas[prop.name] = FormulaCheck(self, prop)
            found = self.formulas[prop.name].lasso(args)
            return (None if found is None else Lasso(*found)), False
        P = self.masks(p_fn, prop.p, args)
        if kind == TemporalKind.ALWAYS:
            bad = np.flatnonzero(~P)
            return (None if not len(bad) else Lasso(g.path_to(int(bad[0])), None)), False
        if kind == TemporalKind.EVENTUALLY:
            if not (self.cores_in(np.flatnonzero(~P)).label >= 0).any():
                return None, False   # no fair cycle inside not-P at all (the usual case: it holds)
            reach, pred = g.reach([i for i in g.init if not P[i]], ~P)
            cores = self.cores_in(reach)
            inside = reach[cores.label[reach] >= 0]
            if not len(inside):
                return None, False

            def greedy():
                entry = int(inside[0])  # the first state of a core the search found
                return Lasso(g.tree_path(pred, entry), self.cycle(cores, int(cores.label[entry]), entry))
            stem = Stem(depths(reach, pred, len(g)), lambda u: g.tree_path(pred, u))
            return self.lasso(cores, [stem], greedy), False
        if kind == TemporalKind.ALWAYS_EVENTUALLY:
            cores = self.cores_in(np.flatnonzero(~P))
            inside = np.flatnonzero(cores.label >= 0)
            if not len(inside):
                return None, False

            def greedy():
                entry = int(inside[0])
                return Lasso(g.path_to(entry), self.cycle(cores, int(cores.label[entry]), entry))
            return self.lasso(cores, [self.anywhere()], greedy), False
        if kind == TemporalKind.EVENTUALLY_ALWAYS:
            cores = self.cores_in(np.arange(len(g)))
            bad = np.flatnonzero(~P & (cores.label >= 0))
            if not len(bad):
                return None, False

            def greedy():
                inside = np.flatnonzero(cores.label >= 0)
                first = np.unique(cores.label[inside], return_index=True)[1]   # the first state of each core
                entries = np.sort(inside[first])
                entry = int(entries[np.isin(cores.label[entries], cores.label[bad])][0])
                core = int(cores.label[entry])
                bad_here = int(bad[cores.label[bad] == core][0])
                return Lasso(g.path_to(entry), self.cycle(cores, core, entry, [bad_here]))
            return self.lasso(cores, [self.anywhere(~P)], greedy), False
        assert kind == TemporalKind.LEADS_TO
        notQ = ~self.masks(q_fn, prop.q, args)
        vacuous = not P.any()
        cores = self.cores_in(np.flatnonzero(notQ))
        targets = cores.label >= 0
        if not targets.any():
            return None, vacuous
        starts = np.flatnonzero(P & notQ & g.reaching(targets, notQ))
        if not len(starts):
            return None, vacuous

        def greedy():
            start = int(starts[0])
            tail = g.path_within(start, set(np.flatnonzero(targets).tolist()), notQ)
            entry = tail[-1][0] if tail else start
            return Lasso(g.path_to(start) + tail, self.cycle(cores, int(cores.label[entry]), entry))
        # P and not Q on the stem, not Q from there on; or a P state on the cycle (all not Q)
        stems = [self.after_trigger(P & notQ, notQ), self.anywhere(P)]
        return self.lasso(cores, stems, greedy), False

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
