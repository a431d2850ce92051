"""Refinement (`refines A from "path" { ... }`) as a safety property of the symbolic engines.

The abstract model A is small and enumerable by design (a specification), so its part is
computed explicitly, once, before any z3 query (`explore`, with the reference interpreter of
`spec.refinement`): its initial states Init, its reachable states R and its reachable
transitions T (pairs a -> b with a in R, some instance of some action of A taking a to b, b != a),
at most MAX_TRANSITIONS of them. Past that bound, or when A cannot be enumerated, the
refinement is left inconclusive with a message saying why.

Over the concrete model's z3 states, with map(s) the mapping evaluated by the model's encoder
(its error condition err(s) is a violation, as in the explicit engine):

    init OK       not err(s0) and map(s0) in Init
    H(s)          not err(s) and map(s) in R        (the state hypothesis of k-induction)
    step OK       map(s) == map(t), or (map(s), map(t)) in T, and not err(t)

The bad condition out of a state s (what BMC asks at each depth and k-induction asks of the
last state of its path) is: H(s), and some action instance from s fires to a t where step OK
fails. At depth 0 BMC first asks "not init OK" (a trace of the initial state alone), then the
step part, so a violation's trace has the length of the explicit engine's breadth-first one.

Why this is exact. Along a run whose initial state and steps are all OK, every map(s_i) is
reached in A by the abstract steps the concrete steps map to (a stutter stays put), so it is
in R; a concrete step s -> t then maps to an abstract step out of a state of R, and every
abstract step out of a state of R is in T. Hence "every step of the run maps to a stutter or
to a transition of T" is the same as "every step maps to a stutter or to some step of A": the
refinement holds iff no reachable state has a bad step out of it and every initial state is
init OK. The conjunct H(s) changes nothing on reachable states up to the first violation (they
all satisfy it), so BMC's first violation is the real first violation, and H is a sound
hypothesis for k-induction: along a shortest path to a first violation every state, the last
included, satisfies H. For the same reason Spacer (`chc`) may ask for a reachable state with H and
a bad step, or an initial state that is not init OK: a proof rules out every violation. A trace
is decoded and re-checked by the interpreter against the whole of A (`spec.refinement.Refinement`),
so a disagreement is an internal error, never a verdict.

The encoding (`RefinementEnc`): per concrete state, one condition per reachable abstract state
("the mapped values are this state", each abstract variable compared with each of its values
once); "in R" and "in Init" are disjunctions of those, and for the step, once per pre-state, the
condition per abstract state b that some transition of T leads from the mapped pre-state to b,
so each action instance adds one disjunction over R. Sizes grow with |R| + |T| per state.
"""

from __future__ import annotations

from dataclasses import dataclass

import z3

from spec import ir
from spec.refinement import AbstractState, Refinement

from checker.core.kinds import Kind, Strength
from checker.core.properties import where_of
from checker.core.result import PropertyResult, Verdict
from checker.engines.explicit import enumerable
from checker.engines.symbolic import values as SV
from checker.engines.symbolic.values import mk_and, mk_or

MAX_TRANSITIONS = 100_000   # reachable abstract transitions enumerated at most (beyond: inconclusive)


@dataclass
class AbstractGraph:
    """The reachable part of an abstract model: states by index, the initial ones, the steps."""

    states: list[AbstractState]        # reachable abstract states; a state's index is its position
    inits: list[int]                   # indices of the initial states
    succ: dict[int, list[int]]         # index -> indices of its successors (stutters left out)

    @property
    def transitions(self) -> int:
        return sum(len(v) for v in self.succ.values())


def explore(ref: Refinement, limit: int | None = None, poll=None) -> AbstractGraph | str:
    """The abstract model's reachable states and transitions (at most `limit`, MAX_TRANSITIONS by
    default), or why they were not enumerated. `poll` (the run's `Clock.poll`), called once per
    abstract state, ends the enumeration at the time limit or Ctrl-C (it raises)."""
    limit = MAX_TRANSITIONS if limit is None else limit
    why = enumerable.obstacles(ref.abstract)
    if why:
        return f"the abstract model {ref.abstract.name} cannot be enumerated ({'; '.join(why)})"
    states, index = [], {}

    def add(a) -> int:
        if a not in index:
            index[a] = len(states)
            states.append(a)
        return index[a]

    inits = [add(a) for a in sorted(ref.initial_states())]
    succ: dict[int, list[int]] = {}
    count, i = 0, 0
    while i < len(states):
        if poll is not None:
            poll()
        a = states[i]
        succ[i] = [add(b) for b in sorted(ref.successors(a)) if b != a]
        count += len(succ[i])
        if count > limit:
            return (f"the abstract model {ref.abstract.name} has more than {limit:,} reachable transitions, "
                    "more than the symbolic engines enumerate (the explicit engine checks it)")
        i += 1
    return AbstractGraph(states, inits, succ)


class RefinementEnc:
    """One refinement's formulas over a concrete state's z3 terms (see the module docstring)."""

    def __init__(self, r: ir.RefinementIR, graph: AbstractGraph):
        self.r = r
        self.graph = graph
        self.types = [v.type for v in r.abstract.vars]
        self.preds: dict[int, list[int]] = {j: [] for j in range(len(graph.states))}
        for i, js in graph.succ.items():
            for j in js:
                self.preds[j].append(i)

    @property
    def name(self) -> str:
        return self.r.name

    def mapped(self, enc, state: list) -> tuple[list, z3.BoolRef]:
        """(the mapped abstract values, the condition that some mapping cannot be evaluated)."""
        values, errs = [], []
        for e in self.r.mapping:
            v, err = enc.evaluate(e, state)
            values.append(v)
            errs.append(err)
        return values, mk_or(*errs)

    def matches(self, bv: bool, values: list) -> list:
        """Per reachable abstract state (by index), the condition that the mapped values are it: at
        most one holds. Each abstract variable is compared with each of its values once."""
        with SV.domain(bv):
            seen: dict = {}

            def is_code(j: int, code: int):
                if (j, code) not in seen:
                    seen[j, code] = SV.eq_code(values[j], self.types[j], code)
                return seen[j, code]
            return [mk_and(*(is_code(j, c) for j, c in enumerate(a))) for a in self.graph.states]

    def initial(self, matches: list) -> z3.BoolRef:
        return mk_or(*(matches[i] for i in self.graph.inits))

    def reachable(self, matches: list) -> z3.BoolRef:
        return mk_or(*matches)

    def after(self, matches: list) -> list:
        """Per reachable abstract state b, the condition that a reachable transition leads from the state
        `matches` describes to b (computed once per state, used by every action from it)."""
        return [mk_or(*(matches[i] for i in self.preds[j])) for j in range(len(self.graph.states))]

    def moves(self, after: list, matches: list) -> z3.BoolRef:
        """The state `matches` describes is one a reachable transition leads to (`after`: from the pre-state)."""
        return mk_or(*(mk_and(a, m) for a, m in zip(after, matches) if not z3.is_false(a)))

    def same(self, bv: bool, a: list, b: list) -> z3.BoolRef:
        with SV.domain(bv):
            return mk_and(*(SV.eq(x, y, t) for x, y, t in zip(a, b, self.types)))


def prepare(model: ir.CheckedModel, limit: int | None = None,
            poll=None) -> tuple[list[RefinementEnc], list[PropertyResult]]:
    """Per refinement of `model`: its encoding, or an inconclusive result saying why there is none.
    `poll` as in `explore`: a `Stopped` or KeyboardInterrupt it raises ends the enumeration (the
    caller makes every refinement inconclusive, `unchecked`)."""
    encs, open_ = [], []
    for r in model.refinements:
        graph = explore(Refinement(model, r), limit, poll)
        if isinstance(graph, str):
            open_.append(_not_checked(r, graph))
        else:
            encs.append(RefinementEnc(r, graph))
    return encs, open_


def unchecked(model: ir.CheckedModel, reason: str) -> list[PropertyResult]:
    """Every refinement of `model` inconclusive: the enumeration of `prepare` ended for `reason`."""
    return [_not_checked(r, f"{reason} while enumerating the abstract model {r.abstract.name}")
            for r in model.refinements]


def _not_checked(r: ir.RefinementIR, why: str) -> PropertyResult:
    return PropertyResult(r.name, Kind.REFINEMENT, Verdict.INCONCLUSIVE, f"not checked: {why}", where_of(r.span),
                          how=Strength.UNKNOWN)


__all__ = ["AbstractGraph", "RefinementEnc", "explore", "prepare", "unchecked", "MAX_TRANSITIONS"]
