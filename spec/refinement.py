"""The meaning of `refines A from "path" { avar = expr ... }`, on the reference interpreter.

A concrete state s maps to the abstract state map(s): each abstract variable's mapping
evaluated in s. The model refines A when every initial state maps to an initial state of A,
and every step s -> t maps to a step of A (some run of some instance of an abstract action
takes map(s) to map(t)) or to a stutter (map(s) == map(t)). An abstract run that fails
(a run-time error) is not a step of A; A's state constraints and properties play no part.

The abstract model is enumerated (its initial states, and every instance of every action from
each mapped state, remembered): the explicit engine and replay use this class, and refuse an
abstract model the explicit engine cannot enumerate.

The abstract model's fairness is read through the same enumeration: an abstract fairness condition
(spec.ir.fairness_conditions over `instances`) is enabled in an abstract state when one of its
instances has a successor there that differs from it, and a mapped step a -> b is a step of the
condition when a != b and one of its instances takes a to b (TLA+'s ENABLED <<A>>_v and <<A>>_v:
stutters count for neither). checker/engines/explicit/refinement_fairness.py decides it.
"""

from __future__ import annotations

from functools import cached_property

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
        self._by_instance: dict[AbstractState, tuple[frozenset, ...]] = {}

    @cached_property
    def instances(self) -> list[tuple[int, dict]]:
        """The abstract action instances, (action index, parameter values by symbol id), in the order
        the explicit engine numbers them (made when first needed: only an enumerable model has them)."""
        return [(k, env) for k, a in enumerate(self.abstract.actions) for env in self.interp.param_values(a)]

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
            out = self._successors[a] = set().union(*self.by_instance(a))
        return out

    def by_instance(self, a: AbstractState) -> tuple[frozenset, ...]:
        """The abstract states each abstract instance (`instances`) reaches from `a` in one run that
        does not fail."""
        out = self._by_instance.get(a)
        if out is None:
            acts = self.abstract.actions
            out = self._by_instance[a] = tuple(
                frozenset(tuple(st) for st, _, _ in self.interp.run_block(acts[k].body, list(a), env)[0])
                for k, env in self.instances)
        return out

    def enabled(self, cond: tuple[int, ...], a: AbstractState) -> bool:
        """Whether one of the instances of `cond` takes `a` to a state other than `a`."""
        succ = self.by_instance(a)
        return any(succ[i] - {a} for i in cond)

    def takes(self, cond: tuple[int, ...], a: AbstractState, b: AbstractState) -> bool:
        """Whether a -> b is a step of an instance of `cond` that changes the state."""
        succ = self.by_instance(a)
        return a != b and any(b in succ[i] for i in cond)

    def instance_name(self, i: int) -> str:
        """Instance i in words: Prepare(r: r1), or Commit."""
        k, env = self.instances[i]
        action = self.abstract.actions[k]
        if not action.params:
            return action.name
        args = ", ".join(f"{p.name}: {V.show(ir.decode_value(p.type, env[p.id]))}" for p in action.params)
        return f"{action.name}({args})"

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
