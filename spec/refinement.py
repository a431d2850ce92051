"""The meaning of `refines A from "path" { avar = expr ... }`, on the reference interpreter.

A concrete state s maps to the abstract state map(s): each abstract variable's mapping
evaluated in s. The model refines A when every initial state maps to an initial state of A,
and every step s -> t maps to a step of A (some run of some instance of an abstract action
takes map(s) to map(t)) or to a stutter (map(s) == map(t)). An abstract run that fails
(a run-time error) is not a step of A; A's state constraints and properties play no part.

The abstract model is enumerated (its initial states, and every instance of every action from
each mapped state, remembered): the explicit engine and replay use this class, and refuse an
abstract model the explicit engine cannot enumerate.
"""

from __future__ import annotations

from spec import ir
from spec import values as V
from spec.interp import Interp
from spec.runtime import ModelError, from_code, to_code

AbstractState = tuple   # the abstract variables' codes, in the abstract model's order


class Refinement:
    """One `refines` of a concrete model: the mapping, the abstract initial states and steps."""

    def __init__(self, concrete: ir.CheckedModel, r: ir.RefinementIR):
        self.r = r
        self.abstract = r.abstract
        self.concrete = Interp(concrete)
        self.interp = Interp(r.abstract)
        self._inits: set | None = None
        self._successors: dict[AbstractState, set] = {}

    @property
    def name(self) -> str:
        return self.r.name

    def map(self, codes: list[int]) -> AbstractState:
        """map(s) of a concrete state given as codes; raises ModelError where a mapping fails."""
        return tuple(to_code(self.concrete.eval(e, {}, codes), v.type)
                     for e, v in zip(self.r.mapping, self.abstract.vars))

    def initial_states(self) -> set:
        """The abstract model's initial states."""
        if self._inits is None:
            states, _ = self.interp.init_outcomes()   # a failing way through init gives no state
            self._inits = {tuple(s) for s in states}
        return self._inits

    def initial(self, a: AbstractState) -> bool:
        """Whether `a` is an initial state of the abstract model."""
        return a in self.initial_states()

    def successors(self, a: AbstractState) -> set:
        """The abstract states one step of an abstract action reaches from `a` (runs that fail left out)."""
        out = self._successors.get(a)
        if out is None:
            out = set()
            for action in self.abstract.actions:
                for _, _, st in self.interp.successors(action, list(a)):
                    if not isinstance(st, ModelError):
                        out.add(tuple(st))
            self._successors[a] = out
        return out

    def step(self, a: AbstractState, b: AbstractState) -> bool:
        """Whether a -> b is an abstract step or a stutter."""
        return a == b or b in self.successors(a)

    def columns(self, a: AbstractState) -> dict:
        """The abstract state as trace columns: {"A.var": plain value}."""
        return {f"{self.abstract.name}.{v.name}": _plain(v, c) for v, c in zip(self.abstract.vars, a)}

    def show(self, a: AbstractState) -> str:
        """The abstract state in words: {n: 1, done: false}."""
        return "{" + ", ".join(f"{v.name}: {V.show(_plain(v, c))}" for v, c in zip(self.abstract.vars, a)) + "}"

    def init_message(self, a: AbstractState) -> str:
        return (f"{self.name} is violated: the initial state maps to {self.show(a)}, which is not an initial "
                f"state of {self.abstract.name}")

    def step_message(self, a: AbstractState, b: AbstractState, action: str) -> str:
        return (f"{self.name} is violated by the last step ({action}): no action of {self.abstract.name} "
                f"takes {self.show(a)} to {self.show(b)}")

    def error_message(self, exc: ModelError, index: int) -> str:
        return f"{self.name}: the mapping cannot be evaluated in state {index}: {exc.message}"


def _plain(v: ir.VarSym, code: int):
    return ir.decode_value(v.type, from_code(code, v.type))
