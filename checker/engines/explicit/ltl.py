"""General temporal formulas on the explicit state graph: a Büchi automaton for the negation of the
formula, and a fair accepting lasso in its product with the graph.

The five common shapes (`always P`, `eventually P`, ...) have their own searches in
`checker.engines.explicit.liveness`; this module checks every other formula (ir.TemporalKind.FORMULA):
always, eventually, leads_to, not, and, or and implies nested over state predicates, with the same
semantics (TLA+'s: every state may stutter, so a state without a step stutters for ever; fairness
per fairness condition: an action instance, or a group of them, as in liveness.py) and the same lasso counterexamples.

1. The negation of the formula, in negation normal form over literals of its state predicates, with
   `eventually f` as `true U f`, `always f` as `false R f` and `a leads_to b` as
   `always (not a or eventually b)`.
2. A generalized Büchi automaton for it by the tableau of Gerth, Peled, Vardi and Wolper ("Simple
   on-the-fly automatic verification of linear temporal logic", 1995): a node is a set of
   obligations now (`old`, whose literals the state it reads must satisfy) and for the next state
   (`next`); a run accepts when, for every `a U b` it promises, it reaches b infinitely often or
   stops promising it (one acceptance set per U). Its words are exactly the behaviours violating
   the formula. The formulas have no next operator, so they cannot tell a stutter step from none:
   the product may stutter where the graph does.
3. The product: a node (u, q) for a graph state u whose values satisfy q's literals; a step
   (u, q) -> (v, q') for a graph step u -> v or a stutter (v = u), and an automaton transition
   q -> q'. A counterexample is a lasso of the product whose cycle visits every acceptance set and
   is fair. As in liveness.py (Emerson-Lei): a strongly connected component with a step inside it
   admits such a cycle iff it meets every acceptance set, no weakly fair instance is enabled in all
   its states and never taken inside it (no cycle in it could be fair), and no strongly fair
   instance is enabled in some of its states and never taken inside it; a component failing only
   the last is searched again without the states where such an instance is enabled. A component
   that passes has a cycle through all its steps, and that cycle is fair and accepting.
4. The trace: the shortest stem (breadth-first in the product) to the first fair accepting
   component met, then a cycle in it that visits one state of each acceptance set and adds a
   state or step for each fairness constraint it would otherwise break (as liveness.py does);
   projected on the graph less its stutter steps, which changes neither the formula's value
   (no next operator) nor fairness; then its stem cut at the first visit of the cycle's entry
   when the shorter lasso still violates the formula (checked on it). Not always a shortest
   lasso of the graph.

The product has (graph states x automaton nodes) nodes at most, built with numpy and searched like
the graph itself (`csgraph`): the fast paths stay much cheaper.
"""

from __future__ import annotations

import numpy as np

from spec import ir

from checker.core.temporal import formula_holds
from checker.engines.explicit.csgraph import Csr, bfs, from_pairs, strong_components

STUTTER = -1      # as in liveness.py: a step of no instance
TRUE, FALSE = ("true",), ("false",)


# ---- the negation in negation normal form ----------------------------------------------------

def negation_normal_form(f: ir.TemporalFormula, atoms: list, negate: bool = False):
    """f (or not f) as a tuple: ("true",), ("false",), ("lit", atom index, polarity), ("and", a, b),
    ("or", a, b), ("U", a, b), ("R", a, b); atoms lists the state predicates (by identity)."""
    def go(g, neg):
        if g.op == "atom":
            return ("lit", next(i for i, a in enumerate(atoms) if a is g.expr), not neg)
        if g.op == "not":
            return go(g.args[0], not neg)
        if g.op in ("and", "or"):
            op = g.op if not neg else ("or" if g.op == "and" else "and")
            return (op, go(g.args[0], neg), go(g.args[1], neg))
        if g.op == "implies":   # not a or b
            return ("and", go(g.args[0], False), go(g.args[1], True)) if neg else \
                ("or", go(g.args[0], True), go(g.args[1], False))
        if g.op == "always":
            return ("U", TRUE, go(g.args[0], True)) if neg else ("R", FALSE, go(g.args[0], False))
        if g.op == "eventually":
            return ("R", FALSE, go(g.args[0], True)) if neg else ("U", TRUE, go(g.args[0], False))
        assert g.op == "leads_to", g.op
        a, b = g.args
        if neg:   # eventually (a and always not b)
            return ("U", TRUE, ("and", go(a, False), ("R", FALSE, go(b, True))))
        return ("R", FALSE, ("or", go(a, True), ("U", TRUE, go(b, False))))
    return go(f, negate)


# ---- the automaton (GPVW) ----------------------------------------------------------------------

class Automaton:
    """A generalized Büchi automaton: nodes 0 .. n-1, each with literals [(atom, polarity)] the state
    it reads must satisfy; `initial` nodes; `succ[q]` the nodes after q; `accepting`, one list of
    nodes per acceptance set."""

    def __init__(self, formula):
        old_of, next_of, incoming = [], [], []
        index: dict = {}
        init = -1
        stack = [(frozenset({init}), frozenset({formula}), frozenset(), frozenset())]
        while stack:
            inc, new, old, nxt = stack.pop()
            if not new:
                key = (old, nxt)
                if key in index:
                    incoming[index[key]] |= inc
                    continue
                index[key] = q = len(old_of)
                old_of.append(old)
                next_of.append(nxt)
                incoming.append(set(inc))
                stack.append((frozenset({q}), nxt, frozenset(), frozenset()))
                continue
            eta = min(new, key=repr)   # deterministic: the automaton's numbering fixes the traces
            new = new - {eta}
            if eta in old:
                stack.append((inc, new, old, nxt))
                continue
            op, now = eta[0], old | {eta}
            if op == "false" or (op == "lit" and ("lit", eta[1], not eta[2]) in old):
                continue
            if op in ("true", "lit"):
                stack.append((inc, new, now, nxt))
            elif op == "and":
                stack.append((inc, new | ({eta[1], eta[2]} - old), now, nxt))
            elif op == "or":
                stack.append((inc, new | ({eta[2]} - old), now, nxt))
                stack.append((inc, new | ({eta[1]} - old), now, nxt))
            elif op == "U":   # b now, or a now and a U b next
                stack.append((inc, new | ({eta[2]} - old), now, nxt))
                stack.append((inc, new | ({eta[1]} - old), now, nxt | {eta}))
            else:             # R: a and b now, or b now and a R b next
                assert op == "R", op
                stack.append((inc, new | ({eta[1], eta[2]} - old), now, nxt))
                stack.append((inc, new | ({eta[2]} - old), now, nxt | {eta}))
        self.size = len(old_of)
        self.literals = [sorted((f[1], f[2]) for f in old if f[0] == "lit") for old in old_of]
        self.initial = [q for q in range(self.size) if init in incoming[q]]
        self.succ = [[] for _ in range(self.size)]
        for q in range(self.size):
            for p in sorted(incoming[q] - {init}):
                self.succ[p].append(q)
        untils = sorted({g for g in _subformulas(formula) if g[0] == "U"}, key=repr)
        self.accepting = [[q for q in range(self.size) if u not in old_of[q] or u[2] in old_of[q]]
                          for u in untils]


def _subformulas(f):
    yield f
    for a in f[1:]:
        if isinstance(a, tuple):
            yield from _subformulas(a)


# ---- the product with the state graph ------------------------------------------------------------

class Product:
    """The product of the graph (its steps less self-loops, and a stutter step at every state) with an
    automaton, given the atoms' values in every state: node u * nq + q is (graph state u, node q)."""

    def __init__(self, g, aut: Automaton, atom_values: list[np.ndarray]):
        self.g, self.aut = g, aut
        n, nq = len(g), aut.size
        self.nq, self.n = nq, n * nq
        label = []
        for lits in aut.literals:
            ok = np.ones(n, dtype=bool)
            for atom, positive in lits:
                ok &= atom_values[atom] if positive else ~atom_values[atom]
            label.append(ok)
        moves = g.src != g.dst
        e_src = np.concatenate([g.src[moves].astype(np.int64), np.arange(n, dtype=np.int64)])
        e_dst = np.concatenate([g.dst[moves].astype(np.int64), np.arange(n, dtype=np.int64)])
        e_inst = np.concatenate([g.inst[moves].astype(np.int64), np.full(n, STUTTER, dtype=np.int64)])
        srcs, dsts, insts = [], [], []
        for q in range(nq):
            from_q = label[q][e_src]
            for r in aut.succ[q]:
                keep = from_q & label[r][e_dst]
                srcs.append(e_src[keep] * nq + q)
                dsts.append(e_dst[keep] * nq + r)
                insts.append(e_inst[keep])
        src = np.concatenate(srcs) if srcs else np.zeros(0, dtype=np.int64)
        order = np.argsort(src, kind="stable")
        self.src = src[order]
        self.dst = (np.concatenate(dsts) if dsts else src)[order]
        self.inst = (np.concatenate(insts) if insts else src)[order]
        self.offsets = np.searchsorted(self.src, np.arange(self.n + 1))
        self.init = [int(u) * nq + q for u in g.init for q in aut.initial if label[q][u]]
        self._rows = None

    def matrix(self, allowed: np.ndarray | None = None, sources=None) -> Csr:
        """The steps between `allowed` nodes, without repeats; with `sources`, one more node (number
        self.n) with a step to each of them."""
        keep = np.ones(len(self.src), dtype=bool) if allowed is None else allowed[self.src] & allowed[self.dst]
        rows, cols, n = self.src[keep], self.dst[keep], self.n
        if sources is not None:
            rows = np.concatenate([rows, np.full(len(sources), n, dtype=np.int64)])
            cols = np.concatenate([cols, np.asarray(sources, dtype=np.int64)])
            n += 1
        return from_pairs(rows, cols, n)

    def reach(self) -> tuple[np.ndarray, np.ndarray]:
        """The nodes reachable from the initial nodes in breadth-first order, and the parent of each
        (-1 for an initial node)."""
        self.g.tick()
        pred = np.full(self.n, -1, dtype=np.int64)
        if not self.init:
            return np.zeros(0, dtype=np.int64), pred
        order, p = bfs(self.matrix(sources=self.init), self.n)
        p = p[:self.n]
        p[(p == self.n) | (p < 0)] = -1
        return order[1:], p

    def components(self, allowed: np.ndarray) -> np.ndarray:
        self.g.tick()
        keep = allowed[self.src] & allowed[self.dst]   # rows in order, repeats kept: no sort needed
        kept = np.zeros(len(keep) + 1, dtype=np.int64)
        np.cumsum(keep, out=kept[1:])
        labels = strong_components(Csr(kept[self.offsets], self.dst[keep], self.n))
        used = np.zeros(self.n, dtype=np.int64)
        used[labels[allowed]] = 1
        number = np.cumsum(used) - 1
        return np.where(allowed, number[labels], -1)

    def out(self, u: int):
        if self._rows is None:
            self._rows = self.offsets.tolist(), self.dst.tolist(), self.inst.tolist()
        off, dst, inst = self._rows
        return zip(dst[off[u]:off[u + 1]], inst[off[u]:off[u + 1]])

    def instance(self, u: int, v: int) -> int:
        return next(k for w, k in self.out(u) if w == v)


# ---- the search ------------------------------------------------------------------------------------

class FormulaSearch:
    """A fair accepting lasso of the product, on the fairness sets of a liveness.TemporalChecker."""

    def __init__(self, checker, product: Product):
        self.checker, self.p = checker, product
        self.fair, self.steps = checker.fair, checker.steps

    def cores(self, allowed: np.ndarray) -> np.ndarray:
        """The fair accepting component (numbered) of every node, -1 for none (module doc, step 3)."""
        p, fair, steps = self.p, self.fair, self.steps
        words = steps.words
        graph_of = np.arange(p.n, dtype=np.int64) // p.nq
        auto_of = np.arange(p.n, dtype=np.int64) % p.nq
        label = np.full(p.n, -1, dtype=np.int64)
        first_pair = np.concatenate(([0], np.cumsum(fair.n_of_instance)[:-1])).astype(np.int64)
        found = 0
        while allowed.any():
            comp = p.components(allowed)
            nc = int(comp.max()) + 1
            cs = comp[p.src]
            inner = (cs >= 0) & (cs == comp[p.dst])
            ok = np.bincount(cs[inner], minlength=nc) > 0
            members = np.flatnonzero(comp >= 0)
            for acc in p.aut.accepting:
                is_acc = np.zeros(p.nq, dtype=bool)
                is_acc[acc] = True
                hit = members[is_acc[auto_of[members]]]
                ok &= np.bincount(comp[hit], minlength=nc) > 0
            # the fairness conditions taken inside each component: one bit per (step, condition of
            # its instance) pair, as liveness.FairSteps counts them
            fair_step = np.flatnonzero(inner & (p.inst >= 0))
            per = fair.n_of_instance[p.inst[fair_step]] if len(fair_step) else np.zeros(0, dtype=np.int64)
            step = np.repeat(fair_step, per)
            nth = np.arange(len(step)) - np.repeat(np.cumsum(per) - per, per)
            cond = fair.pair_cond[first_pair[p.inst[step]] + nth] if len(step) else np.zeros(0, dtype=np.int64)
            taken = np.zeros(nc * words, dtype=np.uint64)
            np.bitwise_or.at(taken, cs[step] * words + (cond >> 6),
                             np.left_shift(np.uint64(1), (cond & 63).astype(np.uint64)))
            starved = ~taken.reshape(nc, words)
            enabled = steps.enabled[graph_of[members]]
            some = np.zeros((nc, words), dtype=np.uint64)
            np.bitwise_or.at(some, comp[members], enabled)
            every = np.full((nc, words), ~np.uint64(0))
            np.bitwise_and.at(every, comp[members], enabled)
            ok &= ~(every & starved & fair.weak_bits).any(axis=1)
            starving = some & starved & fair.strong_bits
            starving[~ok] = 0
            refine = starving.any(axis=1)
            core = ok & ~refine
            ids = np.full(nc, -1, dtype=np.int64)
            ids[core] = np.arange(found, found + int(core.sum()))
            found += int(core.sum())
            label[members] = np.maximum(label[members], ids[comp[members]])
            allowed = np.zeros(p.n, dtype=bool)
            again = members[refine[comp[members]]]
            off = (steps.enabled[graph_of[again]] & starving[comp[again]]).any(axis=1)
            allowed[again[~off]] = True
        return label

    def lasso(self):
        """A counterexample as (stem, cycle) on the graph (see liveness.Lasso), or None."""
        p = self.p
        order, pred = p.reach()
        if not len(order):
            return None
        allowed = np.zeros(p.n, dtype=bool)
        allowed[order] = True
        label = self.cores(allowed)
        inside = order[label[order] >= 0]
        if not len(inside):
            return None
        entry = int(inside[0])
        stem = []
        u = entry
        while u != -1:
            w = int(pred[u])
            stem.append((u, STUTTER if w == -1 else p.instance(w, u)))
            u = w
        stem.reverse()
        cycle = self.cycle(np.flatnonzero(label == label[entry]), entry)
        return self.project(stem, first=True), self.project(cycle)

    def project(self, path, first: bool = False):
        """A product path as a graph path less its stutter steps (the first element is the initial state)."""
        nq = self.p.nq
        return [(u // nq, k) for i, (u, k) in enumerate(path) if k != STUTTER or (first and i == 0)]

    def cycle(self, members: np.ndarray, entry: int) -> list[tuple[int, int]]:
        """A cycle from entry back to it inside the component `members`, with at least one step, through
        a node of every acceptance set and fair (as liveness.TemporalChecker.cycle does on the graph)."""
        p, fair, g = self.p, self.fair, self.checker.g
        allowed = set(members.tolist())
        enabled = {u: fair.conditions(g.enabled(u // p.nq)) for u in allowed}
        goals: list = []
        for acc in p.aut.accepting:
            accepting = set(acc)
            goals.append(("node", {u for u in allowed if u % p.nq in accepting}))
        added: set[int] = set()
        while True:
            path = self._walk(entry, goals, allowed)
            nodes = {entry} | {v for v, _ in path}
            taken = fair.conditions(k for _, k in path if k != STUTTER)
            missing = []
            for a in sorted(fair.all - taken - added):
                if a in fair.weak and all(a in enabled[u] for u in nodes):
                    off = {u for u in allowed if a not in enabled[u]}
                    missing.append(("node", off) if off else ("edge", self._edge(a, allowed)))
                elif a in fair.strong and any(a in enabled[u] for u in nodes):
                    missing.append(("edge", self._edge(a, allowed)))
                else:
                    continue
                added.add(a)
            if not missing:
                return path
            goals += missing

    def _edge(self, a: int, allowed: set) -> tuple[int, int, int]:
        """A step (instance, u, v) inside `allowed` of an instance of fairness condition a."""
        p, fair = self.p, self.fair
        for u in sorted(allowed):
            for v, k in p.out(u):
                if k != STUTTER and a in fair.of_instance[k] and v in allowed:
                    return k, u, v
        raise AssertionError(f"internal error: fairness condition {a} is not taken inside a fair component")

    def _walk(self, entry: int, goals, allowed: set) -> list[tuple[int, int]]:
        path: list[tuple[int, int]] = []
        here = entry
        for kind, goal in goals:
            if kind == "node":
                if here not in goal:
                    path += self._path(here, goal, allowed)
                    here = path[-1][0]
            else:
                a, u, v = goal
                if here != u:
                    path += self._path(here, {u}, allowed)
                path.append((v, a))
                here = v
        if here != entry or not path:
            path += self._path(here, {entry}, allowed, at_least_one=not path)
        return path

    def _path(self, src: int, targets: set, allowed: set, at_least_one: bool = False) -> list[tuple[int, int]]:
        """Shortest [(node, instance)] from src (excluded) to one of targets inside allowed (with
        at_least_one, a path of one step or more even when src is a target)."""
        if src in targets and not at_least_one:
            return []
        seen: dict[int, tuple[int, int]] = {}
        frontier = [src]
        tick = self.checker.g.tick
        while frontier:
            nxt = []
            for u in frontier:
                tick()
                for v, k in self.p.out(u):
                    if v in allowed and v not in seen:
                        seen[v] = (u, k)
                        if v in targets:
                            return self._back(seen, src, v)
                        nxt.append(v)
            frontier = nxt
        raise AssertionError("internal error: a component of the product is not strongly connected")

    @staticmethod
    def _back(seen: dict, src: int, v: int) -> list[tuple[int, int]]:
        path = []
        w = v
        while True:
            u, k = seen[w]
            path.append((w, k))
            if u == src:
                break
            w = u
        path.reverse()
        return path


# ---- a property ----------------------------------------------------------------------------------

class FormulaCheck:
    """A property of kind FORMULA on a liveness.TemporalChecker's graph: its automaton and compiled
    state predicates, made once; `lasso(args)` for one binding of its forall variables."""

    def __init__(self, checker, prop: ir.PropertyIR):
        self.checker, self.prop = checker, prop
        self.atoms = prop.formula.atoms()
        self.automaton = Automaton(negation_normal_form(prop.formula, self.atoms, negate=True))
        syms = [b.sym for b in prop.binders]
        self.fns = [checker.cm.predicate(a, syms) for a in self.atoms]

    def lasso(self, args: list):
        """(stem, cycle) of a fair behaviour violating the formula, or None; a model.ModelError when
        a predicate cannot be evaluated in a state."""
        values = [self.checker.masks(fn, a, args) for fn, a in zip(self.fns, self.atoms)]
        found = FormulaSearch(self.checker, Product(self.checker.g, self.automaton, values)).lasso()
        return None if found is None else self.shorter(*found, values)

    def shorter(self, stem: list, cycle: list, values: list):
        """The lasso with its stem cut at the first visit of the cycle's entry, when that lasso still
        violates the formula (its cycle, hence its fairness, is the same); else as it is.

        The product must return to the same automaton node, so its lasso can go round the graph's
        cycle once before the automaton settles: `always (P implies always P)` against a loop
        through P and not P."""
        entry = stem[-1][0]
        tail = [u for u, _ in cycle] or [entry]
        for i in range(len(stem) - 1):
            if stem[i][0] == entry:
                states = [u for u, _ in stem[:i + 1]] + tail
                at = {id(a): v[states].tolist() for a, v in zip(self.atoms, values)}
                if not formula_holds(self.prop.formula, at, i, len(states)):
                    return stem[:i + 1], cycle
                break
        return stem, cycle


__all__ = ["Automaton", "FormulaCheck", "FormulaSearch", "Product", "negation_normal_form"]
