"""A checked model compiled for the explicit engine, behind one small interface.

`CompiledModel` packs and unpacks states (`checker.engines.explicit.layout`),
gives the initial states, expands a BFS level with the generated code
(`checker.engines.explicit.codegen`) and, for traces,
steps one state with labels through the reference interpreter. The two
evaluators are independent; traces are rebuilt by matching what the
interpreter computes against what the compiled code explored, so any
disagreement between them shows up as an internal error, not a wrong trace.
"""

from __future__ import annotations

import itertools
import sys
from dataclasses import dataclass

from spec import ir
from spec.interp import Interp
from spec.runtime import ModelError, from_code, generated_globals
from spec.types import IntType, Type

from checker.core.deferred import Deferred
from checker.engines.explicit.codegen import Code, Ctx, ModelCompiler, recursion_room
from checker.engines.explicit.layout import StateLayout

# the level kernel needs numpy, which the interpreter's users (simulation, replay) do not load
build_kernel = Deferred("checker.engines.explicit.vector", "build")
kernel_instance = Deferred("checker.engines.explicit.vector", "Instance")


@dataclass
class Step:
    """One labelled transition: action, parameters (plain values), choices, next state."""

    action: str
    params: dict
    choices: tuple
    state: int | None        # None when the step raised a ModelError
    error: ModelError | None = None


class CompiledModel:
    _initial = None  # the generated `initial`, when init compiled

    def __init__(self, model: ir.CheckedModel, graph_search: bool = False):
        """`graph_search`: also generate `expand_labelled` (None when the code would be too long)."""
        self.model = model
        compiler = ModelCompiler(model, graph_search)
        self.source = compiler.build()
        self.sites = compiler.sites
        namespace = generated_globals(compiler.tables, compiler.messages)
        exec(compile(self.source, f"<syncproof:{model.name}>", "exec"), namespace)  # noqa: S102 - see codegen
        _room_for_calls(compiler.max_call_depth)
        self.expand = namespace["expand"]
        # states -> (their next states, the instance id of each, where each state's end)
        self.labelled_level = namespace["labelled_level"]
        # expand, and every transition labelled as labelled_level gives them (graph_search)
        self.expand_labelled = namespace.get("expand_labelled")
        self.instances = _instances(model)     # instance id -> (action index, parameter codes)
        self._invariant_each = namespace["invariant_each"]
        self._step_each = namespace.get("step_each")   # None: the model has no step properties
        self._initial = namespace.get("initial")  # None: init is left to the interpreter
        self._namespace = namespace
        namespace["_tick"] = _no_tick
        self.interp = Interp(model)
        self.layout = StateLayout(model)
        self.state_bits = self.layout.bits
        self.action_names = [a.name for a in model.actions]
        self.invariant_names = [i.name for i in model.invariants]
        self.check_names = self.invariant_names + [sp.name for sp in model.step_properties]
        self._constraint_preds = [self.predicate(c.cond, []) for c in model.constraints]
        self._kernel_plan = compiler.kernel_plan
        self._compiler = compiler   # compiles the kernel's lines of body functions when asked
        self._tables = compiler.tables
        self._kernel = None
        self.kernel_why: str | None = None   # why there is no level kernel, once asked

    def level_kernel(self):
        """The level kernel (`checker.engines.explicit.vector`): `expand` of a uint64 array of
        states with numpy, or None (then `kernel_why` says why). Translated on first use."""
        if self._kernel is None and self.kernel_why is None:
            instances, invariants = self._kernel_plan
            if self.model.step_properties:
                self.kernel_why = "the model has step properties"
            elif self._constraint_preds:
                self.kernel_why = "the model has state constraints"
            else:
                # one column of the kernel per way through an instance's `choose`s, in order
                # one column per way, each body compiled for the kernel only when the translation
                # gets to it (it stops at the first thing it cannot take)
                plan = None if instances is None else (
                    kernel_instance(k, guards, way, ident) for k, guards, ways, ident in instances
                    for way in (self._kernel_ways(ways) or [None]))
                self._kernel, self.kernel_why = build_kernel(plan, invariants, self.state_bits,
                                                             len(self.model.actions), self._tables,
                                                             self._invariants_of_rows)
        return self._kernel

    def kernel_note(self) -> str:
        """What `stats.kernel` adds when the level kernel made here left invariants to the generated
        code ("" when it left none, or none was made)."""
        kernel = getattr(self, "_kernel", None)
        if kernel is None or not kernel.k.in_python:
            return ""
        names = ", ".join(self.invariant_names[j] for j in kernel.k.in_python)
        return f" (the generated code checks {names}: {kernel.k.python_why[0]})"

    def _invariants_of_rows(self, which: list[int]):
        """`bad(states, rows)`: the rows (indexes into the list of ints `states`) where one of the
        invariants of the indexes `which` fails or raises -- the generated code's lines for them,
        memoised as in expand; for the level kernel's invariants it cannot translate."""
        checks = self._compiler.invariant_checks
        head, body = [], []
        for j in which:
            h, lines = checks[j]
            head += h
            body += lines
        test = " and ".join(f"_m{j}" for j in which)
        text = "\n".join(["def _kernel_invariants(states, frontier):", "    bad = []",
                          *(f"    {line}" for line in head),
                          "    for i in frontier:", "        s0 = states[i]",
                          *(f"        {line}" for line in body),
                          f"        if not ({test}):", "            bad.append(i)", "    return bad", ""])
        space = dict(self._namespace)   # the generated module's helpers, tables and functions
        exec(compile(text, "<syncproof:kernel-invariants>", "exec"), space)  # noqa: S102 - generated code
        return space["_kernel_invariants"]

    def _kernel_ways(self, ways) -> list | None:
        """An instance's ways through its chooses (lists of lines), compiled now if need be."""
        if isinstance(ways, tuple):
            with recursion_room([ways[0]]):
                return self._compiler.kernel_bodies(*ways)
        return ways

    # ---- packing ------------------------------------------------------------------

    def pack(self, codes: list[int]) -> int:
        return self.layout.pack(codes)

    def unpack(self, s: int) -> list[int]:
        return self.layout.unpack(s)

    def decode(self, s: int) -> dict:
        """A state as {variable: plain value}."""
        return {v.name: ir.decode_value(v.type, c if not _is_int(v.type) else c + v.type.lo)
                if _is_int(v.type) else v.type.decode(c)
                for v, c in zip(self.model.vars, self.unpack(s))}

    # ---- semantics ----------------------------------------------------------------

    def init_outcomes(self, tick=None) -> tuple[list[int], list[ModelError]]:
        """(the initial states in a fixed order; the failures of the ways through init that fail);
        `tick()` is called during the enumeration (see `Interp.init_outcomes`)."""
        if self._initial is not None:
            states = self._compiled_inits(tick)
            if states is not None:
                return [s for s in states if self.in_model(s)], []
        states, failures = self.interp.init_outcomes(tick)
        out, seen = [], set()
        for st in states:
            s = self.pack(st)
            if s not in seen:
                seen.add(s)
                out.append(s)
        return out, failures

    def _compiled_inits(self, tick) -> list[int] | None:
        """The initial states by the generated `initial`, in the interpreter's order; None when
        a way through init fails (the interpreter then reports every failure with its choices)."""
        found: dict[int, None] = {}
        self._namespace["_tick"] = tick or _no_tick
        try:
            self._initial(found.setdefault)
        except ModelError:
            return None
        finally:
            self._namespace["_tick"] = _no_tick
        return list(found)

    def init_states(self, tick=None) -> list[int]:
        """The initial states, in a fixed order (the ways through init that fail give none)."""
        return self.init_outcomes(tick)[0]

    def invariants(self, s: int) -> list:
        """Per invariant: True, False, or the ModelError its evaluation raised."""
        return self._invariant_each(s)

    def step_outcomes(self, s: int) -> list:
        """Per step property: True when every step from s satisfies it, else the outcome (False or
        the ModelError) of the first step that does not, in the engine's order."""
        out: list = [True] * len(self.model.step_properties)
        if self._step_each is None:
            return out
        for _, t in self.labelled(s):
            for j, ok in enumerate(self._step_each(s, t)):
                if ok is not True and out[j] is True:
                    out[j] = ok
        return out

    def checks(self, s: int) -> list:
        """`invariants(s)` then `step_outcomes(s)`: the outcomes named by `check_names`."""
        if not self.model.step_properties:
            return self.invariants(s)
        return self.invariants(s) + self.step_outcomes(s)

    def step_property_holds(self, sp: ir.StepPropertyIR, before: int, after: int):
        """The interpreter's outcome of one step: True, False or the ModelError it raised."""
        try:
            return self.interp.step_property_holds(sp, self.unpack(before), self.unpack(after))
        except ModelError as exc:
            return exc

    def offending_step(self, sp: ir.StepPropertyIR, before: int) -> tuple[Step, object]:
        """(the first step out of `before`, in the engine's order and run by the interpreter, that
        breaks the step property; its outcome: False or the ModelError). Every engine's trace of a
        step violation ends with it; none is an internal error (the engines disagree)."""
        for st in self.steps(before):
            if st.state is not None:
                ok = self.step_property_holds(sp, before, st.state)
                if ok is not True:
                    return st, ok
        raise RuntimeError(f"internal error: the interpreter does not reproduce the violation of {sp.name}")

    # ---- state constraints (`ir.ConstraintIR`) -------------------------------------------

    @property
    def constrained(self) -> bool:
        """Whether the model has state constraints."""
        return bool(self.model.constraints)

    def in_model(self, s: int) -> bool:
        """Whether s satisfies every state constraint (is kept and expanded); one that cannot be
        evaluated is false, as in the interpreter (`Interp.constrained`)."""
        for pred in self._constraint_preds:
            try:
                if not pred(s):
                    return False
            except ModelError:
                return False
        return True

    def expand_constrained(self, chunk: list[int]):
        """The generated `expand`, with the successors failing a constraint taken out of `nxt`:
        (nxt, counts, bad, dead, err, cut), where cut lists (index of the parent in the chunk, state)
        for those of them where an invariant fails, in order of generation. A cut successor is
        still a transition (its parent is no deadlock) and its invariants are checked (TLC's
        CONSTRAINT); it is neither stored nor expanded."""
        nxt, counts, bad, dead, err = self.expand(chunk)
        if not self._constraint_preds:
            return nxt, counts, bad, dead, err, []
        kept, cut = {}, []
        for t, i in nxt.items():
            if self.in_model(t):
                kept[t] = i
            elif not all(ok is True for ok in self.invariants(t)):
                cut.append((i, t))
        return kept, counts, bad, dead, err, cut

    def steps(self, s: int) -> list[Step]:
        """Every run of every action instance from s, labelled, in the engine's order.

        A run that reaches the end of the body is a transition; one that raises is a Step with
        `error` set and no state. One instance may give both (a `choose` with a failing branch).
        """
        codes = self.unpack(s)
        out = []
        for action in self.model.actions:
            for env in self.interp.param_values(action):
                out += self._instance_steps(codes, action, env)
        return out

    def steps_of(self, s: int, action: ir.ActionIR, env: dict) -> list[Step]:
        """The runs of one action instance (env: LocalSym.id -> value), without enumerating others."""
        return self._instance_steps(self.unpack(s), action, env)

    def _instance_steps(self, codes: list[int], action: ir.ActionIR, env: dict) -> list[Step]:
        params = {p.name: ir.decode_value(p.type, env[p.id]) for p in action.params}
        branches, failures = self.interp.run_block(action.body, codes, env)
        out = [Step(action.name, params, choices, self.pack(st)) for st, _, choices in branches]
        return out + [Step(action.name, params, exc.choices or (), None, exc) for exc in failures]

    def labelled(self, s: int) -> list[tuple[int, int]]:
        """Every transition of s as (instance id, next state), in the engine's order."""
        out, insts, _ = self.labelled_level((s,))
        return list(zip(insts, out))

    def instance_params(self, inst: int) -> dict:
        """The parameters of an action instance, as plain values."""
        k, codes = self.instances[inst]
        return {p.name: ir.decode_value(p.type, from_code(c, p.type))
                for p, c in zip(self.model.actions[k].params, codes)}

    def predicate(self, expr: ir.Expr, syms: list) -> "callable":
        """A compiled state predicate f(state, *values of syms) -> bool."""
        compiler = ModelCompiler(self.model)
        ctx = Ctx("s0", {sym.id: Code(f"l{sym.id}") for sym in syms})
        with recursion_room([expr]):
            text = compiler.expr(expr, ctx).text
        params = ", ".join(["s0"] + [f"l{sym.id}" for sym in syms])
        helpers = "".join(line + "\n" for f in compiler.funcs for line in f)  # deep parts, see Compiler.helper
        source = helpers + f"def pred({params}):\n    return bool({text})\n"
        namespace = generated_globals(compiler.tables, compiler.messages)
        exec(compile(source, f"<syncproof:{self.model.name}:predicate>", "exec"), namespace)  # noqa: S102
        return namespace["pred"]

    def site_span(self, err: ModelError):
        if 0 <= err.site < len(self.sites):
            return self.sites[err.site][1]
        return None


def _no_tick() -> None:
    pass


def _instances(model: ir.CheckedModel) -> list[tuple[int, tuple]]:
    """Action instances in the order the generated code numbers them."""
    out = []
    for k, action in enumerate(model.actions):
        for combo in itertools.product(*[p.type.codes() for p in action.params]):
            out.append((k, tuple(combo)))
    return out


def _room_for_calls(depth: int) -> None:
    """Let the generated code nest `depth` calls (a body of many `choose`s chains as many).

    The generated functions are plain Python, whose calls take no C stack in CPython 3.11+:
    only the interpreter's counter needs room.
    """
    need = 2 * depth + 1000
    if sys.getrecursionlimit() < need:
        sys.setrecursionlimit(need)


def _is_int(t: Type) -> bool:
    return isinstance(t, IntType)


class InterpretedModel(CompiledModel):
    """The same interface on the reference interpreter alone, for models that cannot be compiled.

    The compiled code enumerates every action's parameter values up front, which a model with
    64-bit parameters does not allow; `syncproof replay` of a symbolic engine's trace then only
    needs the instances the trace names (`steps_of`) and the invariants.
    """

    def __init__(self, model: ir.CheckedModel):
        self.model = model
        self.interp = Interp(model)
        self.layout = StateLayout(model)
        self.state_bits = self.layout.bits
        self.action_names = [a.name for a in model.actions]
        self.invariant_names = [i.name for i in model.invariants]
        self.check_names = self.invariant_names + [sp.name for sp in model.step_properties]
        self.sites = []
        self._constraint_preds = []

    def in_model(self, s: int) -> bool:
        return self.interp.constrained(self.unpack(s))

    def step_outcomes(self, s: int) -> list:
        out: list = []
        succ = [st.state for st in self.steps(s) if st.state is not None]
        for sp in self.model.step_properties:
            outcome = next((ok for t in succ for ok in [self.step_property_holds(sp, s, t)] if ok is not True), True)
            out.append(outcome)
        return out

    def invariants(self, s: int) -> list:
        codes = self.unpack(s)
        out = []
        for inv in self.model.invariants:
            try:
                out.append(bool(self.interp.invariant_holds(inv, codes)))
            except ModelError as exc:
                out.append(exc)
        return out
