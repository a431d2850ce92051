"""Refinement (`refines A from "path" { ... }`) decided by the explicit engine.

A breadth-first search of its own over the concrete model's reachable states (no symmetry
reduction: a mapping need not respect it), run after the main search, checks every initial
state and every transition against the abstract model with `spec.refinement.Refinement`
(the reference interpreter, its answers remembered per abstract state). Breadth-first, so a
violation's trace is a shortest one; each state of it carries the mapped abstract state as
extra columns `A.var`. The abstract model must be enumerable (its actions' parameters); one
that is not gives an inconclusive result that says so.
"""

from __future__ import annotations

from spec import ir
from spec.refinement import Refinement
from spec.runtime import ModelError

from checker.core.kinds import Kind
from checker.core.limits import Budget
from checker.core.properties import where_of
from checker.core.result import PropertyResult, Trace, TraceStep, Verdict
from checker.engines.explicit import enumerable
from checker.engines.explicit.compiled import CompiledModel


def check_refinements(model: ir.CheckedModel, cm: CompiledModel, budget: Budget,
                      max_states: int | None = None) -> dict[str, PropertyResult]:
    """A result per refinement of `model`, by name: violated with a trace, holds, or inconclusive."""
    out: dict[str, PropertyResult] = {}
    refs = []
    for r in model.refinements:
        why = enumerable.obstacles(r.abstract)
        if why:
            out[r.name] = PropertyResult(r.name, Kind.REFINEMENT, Verdict.INCONCLUSIVE,
                                         f"not checked: the abstract model {r.abstract.name} cannot be enumerated "
                                         f"({'; '.join(why)})", where_of(r.span))
        else:
            refs.append(Refinement(model, r))
    if refs:
        _Search(model, cm, budget, max_states, refs, out).run()
    return out


class _Search:
    def __init__(self, model, cm, budget, max_states, refs, out):
        self.model, self.cm, self.budget, self.max_states = model, cm, budget, max_states
        self.refs, self.out = refs, out
        self.parent: dict[int, int | None] = {}
        self.mapped: dict[int, list] = {}     # state -> per refinement: its abstract state or the ModelError

    def run(self) -> None:
        frontier = []
        for s in self.cm.init_states():
            if s in self.parent:
                continue
            self.parent[s] = None
            frontier.append(s)
            for ref, a in zip(self.refs, self._map(s)):
                if ref.name in self.out:
                    continue
                if isinstance(a, ModelError):
                    self._violation(ref, [s], ref.error_message(a, 0))
                elif not ref.initial(a):
                    self._violation(ref, [s], ref.init_message(a))
        while frontier and self._pending():
            frontier = self._level(frontier)
            if frontier and self.max_states is not None and len(self.parent) > self.max_states:
                for ref in self._pending():
                    self.out[ref.name] = PropertyResult(ref.name, Kind.REFINEMENT, Verdict.INCONCLUSIVE,
                                                        f"not decided: more than {self.max_states:,} states",
                                                        where_of(ref.r.span))
                return
        for ref in self._pending():
            self.out[ref.name] = PropertyResult(ref.name, Kind.REFINEMENT, Verdict.HOLDS, "", where_of(ref.r.span))

    def _pending(self) -> list[Refinement]:
        return [r for r in self.refs if r.name not in self.out]

    def _level(self, frontier: list[int]) -> list[int]:
        nxt = []
        for s in frontier:
            self.budget.tick()
            before = self._map(s)
            for _, t in self.cm.labelled(s):
                after = self._map(t)
                for ref, a, b in zip(self.refs, before, after):
                    if ref.name in self.out:
                        continue
                    if isinstance(b, ModelError):
                        self._violation(ref, self._path(s) + [t], ref.error_message(b, len(self._path(s))))
                    elif not ref.step(a, b):
                        self._violation(ref, self._path(s) + [t], None)
                if t not in self.parent and self.cm.in_model(t):
                    self.parent[t] = s
                    nxt.append(t)
        return nxt

    def _map(self, s: int) -> list:
        got = self.mapped.get(s)
        if got is None:
            codes = self.cm.unpack(s)
            got = []
            for ref in self.refs:
                try:
                    got.append(ref.map(codes))
                except ModelError as exc:
                    got.append(exc)
            self.mapped[s] = got
        return got

    def _path(self, s: int) -> list[int]:
        path = [s]
        while self.parent[path[-1]] is not None:
            path.append(self.parent[path[-1]])
        return path[::-1]

    def _violation(self, ref: Refinement, path: list[int], message: str | None) -> None:
        """The result of a violation along `path` (packed states from an initial state); message None:
        the last step is not an abstract step (the message names its action)."""
        i = self.refs.index(ref)
        steps = [self._step(ref, i, path[0], None)]
        for prev, s in zip(path, path[1:]):
            st = next((x for x in self.cm.steps(prev) if x.state == s), None)
            if st is None:
                raise RuntimeError("internal error: cannot rebuild a step of the refinement trace "
                                   "(the compiled code and the interpreter disagree)")
            steps.append(self._step(ref, i, s, st))
        if message is None:
            a, b = self._map(path[-2])[i], self._map(path[-1])[i]
            message = ref.step_message(a, b, steps[-1].action)
        trace = Trace(self.model.name, ref.name, Kind.REFINEMENT, steps, message, None, where_of(ref.r.span),
                      constants=self.model.const_values())
        self.out[ref.name] = PropertyResult(ref.name, Kind.REFINEMENT, Verdict.VIOLATED, message,
                                            where_of(ref.r.span), trace)

    def _step(self, ref: Refinement, i: int, s: int, st) -> TraceStep:
        state = self.cm.decode(s)
        a = self._map(s)[i]
        if not isinstance(a, ModelError):
            state.update(ref.columns(a))
        if st is None:
            return TraceStep(state)
        return TraceStep(state, st.action, st.params, st.choices)
