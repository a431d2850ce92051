"""The abstract model's fairness under a refinement mapping, decided by the explicit engine.

`refines A` with an abstract model that declares `fairness weak C` (or strong, or a group) asks,
as TLA+'s `Spec => AbstractSpec` with WF/SF conjuncts does, that every fair behaviour of this
model (fair under its own fairness), seen through the mapping, satisfy each abstract fairness
condition C (spec.refinement: C is enabled in an abstract state when one of its instances leads
somewhere else from it; a concrete step s -> t is a C-step when map(s) != map(t) and an instance
of C takes map(s) to map(t); stutters count for neither, as in liveness.py):

  - weak: no fair behaviour on which, from some point on, C is enabled in every mapped state
    and no step is a C-step;
  - strong: no fair behaviour on which C is enabled in infinitely many mapped states and
    only finitely many steps are C-steps.

A counterexample is a lasso of the concrete graph, found as liveness.py finds one: the graph less
the C-steps (`StateGraph.restricted`), and for weak fairness less the states whose mapped state
does not enable C, is searched for a fair core (liveness.TemporalChecker, whose cycles then use
only the edges kept, while concrete enabledness and the stems come from the whole graph); for
strong fairness the core must hold a state whose mapped state enables C, which the cycle visits.
A state without a step (or where no concrete fair condition is enabled) stutters for ever: a
cycle as in liveness.py. The lasso is a shortest one (shortlasso.py) unless that search runs out
of work. Each abstract fairness declaration gives one result, `refines A: fairness weak C`,
checked after the refinement's initial states and steps held (otherwise not checked).
"""

from __future__ import annotations

from functools import cached_property

import numpy as np

from spec import ir
from spec.ir import FairnessKind
from spec.refinement import Refinement

from checker.core.kinds import Kind
from checker.core.properties import fairness_name, fairness_names, where_of
from checker.core.result import PropertyResult, Verdict
from checker.engines.explicit.compiled import CompiledModel
from checker.engines.explicit.graph import StateGraph
from checker.engines.explicit.liveness import FairSteps, Lasso, TemporalChecker, lasso_trace
from checker.engines.explicit.shortlasso import Stem, depths


def unchecked(r: ir.RefinementIR, why: str) -> list[PropertyResult]:
    """An inconclusive result, for `why`, for each abstract fairness declaration of r."""
    return [PropertyResult(n, Kind.REFINEMENT, Verdict.INCONCLUSIVE, why, where_of(r.span)) for n in fairness_names(r)]


def check_abstract_fairness(model: ir.CheckedModel, cm: CompiledModel, graph: StateGraph,
                            ref: Refinement) -> list[PropertyResult]:
    """A result per abstract fairness declaration of `ref` (whose safety part holds) on the
    concrete model's whole reachable graph."""
    check = _AbstractFairness(model, cm, graph, ref)
    out, seen = [], set()
    for f in ref.abstract.fairness:
        name = fairness_name(ref.r, f)
        if name not in seen:
            seen.add(name)
            out.append(check.declaration(name, f))
    return out


def conditions_of(ref: Refinement, f: ir.FairnessIR) -> list[tuple[int, ...]]:
    """The abstract conditions of one declaration, as spec.ir.fairness_conditions numbers them: one
    per instance of its action, or one for all the instances of a group."""
    inst = [i for i, (k, _) in enumerate(ref.instances) if k in f.actions]
    return [tuple(inst)] if f.grouped else [(i,) for i in inst]


class _AbstractFairness:
    def __init__(self, model: ir.CheckedModel, cm: CompiledModel, graph: StateGraph, ref: Refinement):
        self.model, self.cm, self.g, self.ref = model, cm, graph, ref
        numbers: dict = {}
        mapped = np.empty(len(graph), dtype=np.int64)
        for u, s in enumerate(graph.states):   # the safety check mapped every state: no ModelError here
            graph.tick()
            mapped[u] = numbers.setdefault(ref.map(cm.unpack(s)), len(numbers))
        self.mapped = mapped
        self.abstract = list(numbers)            # abstract state by number

    @cached_property
    def full_steps(self) -> FairSteps:
        return TemporalChecker(self.model, self.cm, self.g).steps

    @cached_property
    def tree(self) -> tuple[np.ndarray, np.ndarray]:
        """(depth, BFS parent) of every state on the whole graph: shortest stems."""
        g = self.g
        order, pred = g.reach(g.init, np.ones(len(g), dtype=bool))
        return depths(order, pred, len(g)), pred

    @cached_property
    def pairs(self) -> tuple[np.ndarray, np.ndarray]:
        """The distinct (map(src), map(dst)) of the edges that change the mapped state, and the
        number of each edge's pair (-1: an abstract stutter)."""
        g = self.g
        a, b = self.mapped[g.src], self.mapped[g.dst]
        moves = a != b
        key = a * len(self.abstract) + b
        uniq, inverse = np.unique(key[moves], return_inverse=True)
        of_edge = np.full(len(key), -1, dtype=np.int64)
        of_edge[moves] = inverse
        return uniq, of_edge

    def declaration(self, name: str, f: ir.FairnessIR) -> PropertyResult:
        where = where_of(self.ref.r.span)
        for cond in conditions_of(self.ref, f):
            lasso = self.lasso(f.kind, cond)
            if lasso is not None:
                message = self.message(name, f, cond)
                return PropertyResult(name, Kind.REFINEMENT, Verdict.VIOLATED, message, where,
                                      self.trace(lasso, name, message, where))
        return PropertyResult(name, Kind.REFINEMENT, Verdict.HOLDS, "", where)

    def lasso(self, kind: FairnessKind, cond: tuple[int, ...]) -> Lasso | None:
        """A fair lasso of the concrete model that violates the abstract condition (None: none)."""
        ref, n_abs = self.ref, len(self.abstract)
        on = np.array([ref.enabled(cond, a) for a in self.abstract], dtype=bool)[self.mapped]
        uniq, of_edge = self.pairs
        took = np.array([False] + [ref.takes(cond, self.abstract[p // n_abs], self.abstract[p % n_abs])
                                   for p in uniq.tolist()], dtype=bool)
        keep = ~took[of_edge + 1]   # of_edge -1 (a mapped stutter): the False in front
        checker = _Restricted(self, self.g.restricted(keep))
        if kind == FairnessKind.WEAK:
            cores = checker.cores_in(np.flatnonzero(on))
            stem = checker.anywhere()
        else:
            cores = checker.cores_in(np.arange(len(self.g)))
            stem = checker.anywhere(on)
        bad = np.flatnonzero(on & (cores.label >= 0))
        if not len(bad):
            return None

        def greedy():
            entry = int(bad[0])
            return Lasso(self.g.path_to(entry), checker.cycle(cores, int(cores.label[entry]), entry))
        return checker.lasso(cores, [stem], greedy)

    def message(self, name: str, f: ir.FairnessIR, cond: tuple[int, ...]) -> str:
        ref = self.ref
        what = ref.instance_name(cond[0]) if not f.grouped else \
            "{" + ", ".join(ref.abstract.actions[k].name for k in f.actions) + "}"
        how = "in every mapped state of the loop" if f.kind == FairnessKind.WEAK else "in a mapped state of the loop"
        return (f"{name} is violated: on this fair behaviour {what} of {ref.abstract.name} is enabled {how} "
                "and no step of the loop maps to a step of it")

    def trace(self, lasso: Lasso, name: str, message: str, where):
        g = self.g
        trace = lasso_trace(self.model, self.cm, g, lasso, name, Kind.REFINEMENT, message, where)
        nodes = [u for u, _ in lasso.stem] + [u for u, _ in lasso.cycle or [(lasso.stem[-1][0], -1)]]
        for step, u in zip(trace.steps, nodes):
            step.state.update(self.ref.columns(self.abstract[self.mapped[u]]))
        return trace


class _Restricted(TemporalChecker):
    """The fair-core search of liveness.py on the graph less some edges (`sub`): its components and
    cycles follow the edges kept, while what is enabled (the concrete fairness) and the stems come
    from the whole graph, as removing a step from the search does not disable its action."""

    def __init__(self, owner: _AbstractFairness, sub: StateGraph):
        super().__init__(owner.model, owner.cm, sub)
        self.owner = owner

    @cached_property
    def steps(self) -> FairSteps:
        steps = FairSteps(self.g, self.fair)
        steps.enabled = self.owner.full_steps.enabled
        return steps

    @cached_property
    def tree(self) -> tuple[np.ndarray, np.ndarray]:
        return self.owner.tree

    def conds_enabled(self, u: int) -> set[int]:
        return self.fair.conditions(self.owner.g.enabled(u))

    def anywhere(self, visit=None) -> Stem:
        dist, pred = self.tree
        return Stem(dist, lambda u: self.owner.g.tree_path(pred, u), visit)
