"""From a z3 model to the `Trace` the explicit engine produces, checked by the interpreter.

`decode` reads the initial state, then for each step the action the
selector names and its parameters, and re-runs that action with the
reference interpreter (on the model with its symbolic constants replaced by
the values the solver chose: `concretize`). The next state must be one of
the interpreter's results; a mismatch is an internal error, never a wrong
trace. Messages, locations and explanations come from the interpreter, so
they read exactly as the explicit engine's.

`minimize` makes a violation's trace canonical before it is decoded: it
fixes, in order, the symbolic constants, the initial choices and, step by
step, the smallest action index, then the smallest parameter and choice
values the violation allows. The trace is then a function of the model,
not of the solver's search, so it is the same on every run.
"""

from __future__ import annotations

import copy
import dataclasses

import z3

from spec import ir
from spec import values as V
from spec.interp import Interp, eval_const
from spec.refinement import Refinement
from spec.runtime import KIND_TITLES, ModelError, from_code
from spec.types import BoolType, EnumType, IntType, MapType, OptionType, RecordType, SeqType, SetType, Type, UnionType

from checker.core.explain import explain_invariant
from checker.core.kinds import Kind
from checker.core.properties import step_message, where_of
from checker.core.result import Trace, TraceStep
from checker.engines.symbolic import values as SV
from checker.engines.symbolic.system import InitEnc, Prop, StepEnc, System


class Disagreement(RuntimeError):
    """The symbolic encoding and the reference interpreter disagree: a bug in syncproof."""


# ---- constants ------------------------------------------------------------------------------

def const_values(system: System, m: z3.ModelRef) -> dict:
    """The symbolic constants' values in a model (interpreter representation)."""
    return {c.name: SV.value_of(system.enc.consts[c.name], c.type, m) for c in system.model.symbolic_consts()}


def concretize(model: ir.CheckedModel, values: dict) -> ir.CheckedModel:
    """The model with each symbolic constant replaced by a value (interpreter representation)."""
    if not values:
        return model
    memo: dict = {}

    def walk(node):
        if id(node) in memo:
            return memo[id(node)]
        if isinstance(node, ir.SymConst):
            out = ir.Lit(node.type, node.span, values[node.const.name])
        elif isinstance(node, list):
            return [walk(x) for x in node]
        elif isinstance(node, tuple):
            return tuple(walk(x) for x in node)
        elif dataclasses.is_dataclass(node) and isinstance(node, (ir.Expr, ir.Stmt, ir.PathStep, ir.Binder,
                                                                  ir.MatchArm, ir.DefSym, ir.ActionIR,
                                                                  ir.InvariantIR, ir.StepPropertyIR)):
            out = copy.copy(node)
            memo[id(node)] = out
            for f in dataclasses.fields(node):
                setattr(out, f.name, walk(getattr(node, f.name)))
            return out
        else:
            return node
        memo[id(node)] = out
        return out

    m = copy.copy(model)
    m.init = walk(model.init)
    m.actions = walk(model.actions)
    m.invariants = walk(model.invariants)
    m.step_properties = walk(model.step_properties)
    m.defs = {k: walk(v) for k, v in model.defs.items()}
    m.refinements = [dataclasses.replace(r, mapping=walk(r.mapping)) for r in model.refinements]
    m.assumptions = []
    consts = {}
    for name, c in model.consts.items():
        c2 = copy.copy(c)
        if c.symbolic:
            if c.expr is None:
                c2.value = values[name]
            else:
                c2.value = eval_const(walk(c.expr))
            c2.symbolic, c2.expr = False, None
        consts[name] = c2
    m.consts = consts
    return m


# ---- minimization ------------------------------------------------------------------------------

class Minimizer:
    """Fixes the free choices of a satisfiable query one by one to their smallest values."""

    def __init__(self, solver: z3.Solver, assumptions: list, clock):
        self.solver = solver
        self.fixed = list(assumptions)
        self.clock = clock            # the run's limits (`bmc.Clock`): each query gets the time left
        self.ok = True
        self.first = solver.model()   # the model to fall back on if time runs out

    def _query(self, *assumptions):
        r = self.clock.check(self.solver, *assumptions)
        if r == z3.unknown:
            self.ok = False
        return r

    def _check(self, extra) -> bool:
        if not self.ok:
            return False
        lit = z3.FreshBool("fix")
        self.solver.add(z3.Implies(lit, extra))
        if self._query(*self.fixed, lit) == z3.sat:
            self.fixed.append(lit)
            return True
        return False

    def least_index(self, selector, n: int) -> None:
        self.integer(selector, 0, n - 1)

    def first_true(self, conds: list) -> int | None:
        for i, c in enumerate(conds):
            if self._check(c):
                return i
        return None

    def value(self, v, t: Type, lo: int | None = None, hi: int | None = None) -> None:
        """Fixes every term of a value, smallest first (False before True)."""
        for atom in _typed_atoms(v, t):
            term, (alo, ahi) = atom
            if z3.is_bool(term):
                if not self._check(z3.Not(term)):
                    self._check(term)
                continue
            self.integer(term, alo, ahi)

    def integer(self, term, lo: int, hi: int) -> None:
        """The least feasible value: galloping up from lo, then a binary search (few checks when small)."""
        if not self.ok or SV.num(term) is not None:
            return
        if self._check(term == lo) or not self.ok:
            return                   # (not ok: the time ran out, and no bound is known to search below)
        below, step = lo, 1          # term > below is known
        while True:
            bound = min(hi, lo + step)
            if self._feasible(term <= bound):
                break
            if bound >= hi or not self.ok:
                return
            below, step = bound, step * 2
        a, b = below + 1, bound
        while a < b and self.ok:
            mid = (a + b) // 2
            if self._feasible(term <= mid):
                b = mid
            else:
                a = mid + 1
        self._check(term == a)

    def _feasible(self, extra) -> bool:
        lit = z3.FreshBool("le")
        self.solver.add(z3.Implies(lit, extra))
        return self._query(*self.fixed, lit) == z3.sat

    def model(self) -> z3.ModelRef:
        """The model with every value fixed so far (the first model if the time ran out)."""
        if not self.ok:
            return self.first
        r = self._query(*self.fixed)
        if r == z3.sat:
            return self.solver.model()
        if r == z3.unsat:  # cannot happen: every fixed literal was satisfiable together
            raise Disagreement("the minimized query is no longer satisfiable")
        return self.first


def _typed_atoms(v, t: Type):
    """(term, (lo, hi)) for each term of a value; Bools get (0, 1)."""
    if isinstance(t, BoolType):
        yield v, (0, 1)
    elif isinstance(t, IntType):
        yield v, (t.lo, t.hi)
    elif isinstance(t, EnumType):
        yield v, (0, t.size - 1)
    elif isinstance(t, RecordType):
        for (_, ft), x in zip(t.fields, v.fields):
            yield from _typed_atoms(x, ft)
    elif isinstance(t, UnionType):
        yield v.tag, (0, len(t.variants) - 1)
        for (_, p), x in zip(t.variants, v.payloads):
            if p is not None:
                yield from _typed_atoms(x, p)
    elif isinstance(t, OptionType):
        yield v.some, (0, 1)
        yield from _typed_atoms(v.value, t.elem)
    elif isinstance(t, SetType):
        for b in v.bits:
            yield b, (0, 1)
    elif isinstance(t, MapType):
        for x in v.vals:
            yield from _typed_atoms(x, t.value)
    elif isinstance(t, SeqType):
        yield v.length, (0, t.capacity)
        for x in v.items:
            yield from _typed_atoms(x, t.elem)


def minimize(mz: Minimizer, system: System, init: InitEnc, steps: list[StepEnc], depth: int,
             prop: Prop) -> z3.ModelRef:
    """The canonical model of a violation at `depth` (see the module's docstring)."""
    for c in system.model.symbolic_consts():
        mz.value(system.enc.consts[c.name], c.type)
    for ch in init.enc.choices:
        mz.value(ch.value, ch.type)
    for st in steps[:depth]:
        mz.least_index(st.selector, len(st.actions))
        _fix_action(mz, st)
    if prop.kind in (Kind.RUNTIME, Kind.STEP, Kind.REFINEMENT) and depth < len(steps) and prop.part != "init":
        st = steps[depth]
        last = [system.offends(prop, st, a) for a in st.actions]
        i = mz.first_true(last)
        if i is not None:
            a = st.actions[i]
            for p, v in a.param_list:
                mz.value(v, p.type)
            for ch in a.choices:
                mz.value(ch.value, ch.type)
    return mz.model()


def _fix_action(mz: Minimizer, st: StepEnc) -> None:
    m = mz.model() if mz.ok else None
    if m is None:
        return
    i = m.eval(st.selector, model_completion=True).as_long()
    a = st.actions[i]
    for p, v in a.param_list:
        mz.value(v, p.type)
    for ch in a.choices:
        mz.value(ch.value, ch.type)


def _refinement_init(ref: Refinement, codes: list[int]) -> str:
    """The message of an initial state that breaks refinement, as the interpreter sees it."""
    try:
        a = ref.map(codes)
    except ModelError as exc:
        return ref.error_message(exc, 0)
    if ref.initial(a):
        raise Disagreement(f"{ref.name}: the initial state maps to an initial state of {ref.abstract.name} "
                           "in the interpreter")
    return ref.init_message(a)


# ---- decoding ------------------------------------------------------------------------------------

def state_codes(system: System, state: list, m: z3.ModelRef) -> list[int]:
    return [SV.code_of(x, v.type, m) for x, v in zip(state, system.model.vars)]


def decode_state(model: ir.CheckedModel, codes: list[int]) -> dict:
    return {v.name: ir.decode_value(v.type, from_code(c, v.type)) for v, c in zip(model.vars, codes)}


def _offending(m, interp: Interp, st: StepEnc, last: list[int], offends):
    """Per action instance from `last` whose `offends(enc)` the z3 model makes true: (the action, its
    parameters as plain values, the interpreter's runs of it as (state after, choices), the run with
    the model's choices first)."""
    for enc in st.actions:
        if not z3.is_true(m.eval(offends(enc), model_completion=True)):
            continue
        action = interp.model.actions[enc.index]
        env, plain = _params(action, enc.param_list, m)
        want = _choices(enc, m)
        branches, _ = interp.run_block(action.body, last, env)
        runs = sorted(branches, key=lambda b: list(b[2]) != want)
        yield action, plain, [(after, choices) for after, _, choices in runs]


def _params(action: ir.ActionIR, plist, m) -> tuple[dict, dict]:
    env = {p.id: SV.value_of(v, p.type, m) for p, v in plist}
    plain = {p.name: ir.decode_value(p.type, env[p.id]) for p in action.params}
    return env, plain


def _choices(enc, m) -> list:
    out = []
    for ch in enc.choices:
        if z3.is_true(m.eval(ch.taken, model_completion=True)):
            out.append((ch.name, SV.plain_of(ch.value, ch.type, m)))
    return out


def _failure_like(failures: list, want: list):
    """The interpreter's failing run whose choices the encoding's witness made, else the first.

    The witness may also name choices after the point where the run failed (the encoding
    keeps a choice whose `choose` the path reaches, failing or not): a prefix is a match.
    """
    for exc in failures:
        got = list(exc.choices or ())
        if got == want[:len(got)]:
            return exc
    return failures[0]


def _shown(choices: list) -> str:
    return ", ".join(f"{name}={V.show(value)}" for name, value in choices) or "nothing"


class Decoder:
    """Builds traces from models of one system, checking every step with the interpreter."""

    def __init__(self, system: System, engine: str):
        self.system = system
        self.engine = engine

    def concrete(self, m: z3.ModelRef) -> ir.CheckedModel:
        return concretize(self.system.model, const_values(self.system, m))

    def path(self, m, concrete, states: list, steps: list[StepEnc], check_init: bool = True):
        """(codes per state, TraceSteps) along a path, each step re-run by the interpreter."""
        interp = Interp(concrete)
        codes = [state_codes(self.system, s, m) for s in states]
        if check_init:
            inits = {tuple(s) for s in interp.init_outcomes()[0]}
            if tuple(codes[0]) not in inits:
                raise Disagreement("the symbolic initial state is not an initial state of the interpreter: "
                                   f"{decode_state(concrete, codes[0])}")
        out = [TraceStep(decode_state(concrete, codes[0]))]
        for i, st in enumerate(steps):
            k = m.eval(st.selector, model_completion=True).as_long()
            enc = st.actions[k]
            action = concrete.actions[enc.index]
            env, plain = _params(action, enc.param_list, m)
            want = _choices(enc, m)
            branches, failures = interp.run_block(action.body, codes[i], env)
            match = [ch for s, _, ch in branches if s == codes[i + 1]]
            if not match:
                why = f" (it fails choosing {_shown(want)}: {failures[0].message})" if failures else ""
                raise Disagreement(f"step {i + 1}: the interpreter does not reach the symbolic next state "
                                   f"by {action.name}({plain}){why}")
            choices = next((ch for ch in match if list(ch) == want), match[0])
            out.append(TraceStep(decode_state(concrete, codes[i + 1]), action.name, plain, tuple(choices)))
        return codes, out

    def violation(self, m, prop: Prop, init: InitEnc, states: list, steps: list[StepEnc]) -> Trace:
        """The trace of a violation of prop in the last state (or right after it, for runtime).

        steps are the steps between the states, and for a runtime violation also the step out
        of the last state, the one that fails.
        """
        concrete = self.concrete(m)
        consts = concrete.const_values()
        model = self.system.model
        codes, tsteps = self.path(m, concrete, states, steps[:len(states) - 1])
        trace = Trace(model.name, prop.name, prop.shown or prop.kind, tsteps, "", None, prop.where,
                      constants=consts, engine=self.engine)
        interp = Interp(concrete)
        last = codes[-1]
        if prop.kind == Kind.INVARIANT:
            inv = next(i for i in concrete.invariants if i.name == prop.name)
            try:
                ok = interp.invariant_holds(inv, last)
                trace.message = f"invariant {inv.name} is violated"
            except ModelError as exc:
                ok = False
                trace.message = f"invariant {inv.name} cannot be evaluated: {exc.message}"
            if ok:
                raise Disagreement(f"invariant {inv.name} holds in the interpreter in the last state of the trace")
            trace.explanation = explain_invariant(concrete, inv, last)
        elif prop.kind == Kind.DEADLOCK:
            trace.message = "deadlock: no action is enabled in the last state"
        elif prop.kind == Kind.STEP:
            self._step(m, concrete, trace, prop, steps[len(states) - 1], last)
        elif prop.kind == Kind.REFINEMENT:
            self._refinement(m, concrete, trace, prop, None if prop.part == "init" else steps[len(states) - 1],
                             codes)
        else:
            self._runtime(m, concrete, trace, steps[len(states) - 1], last)
        return trace

    def _refinement(self, m, concrete, trace: Trace, prop: Prop, st: StepEnc | None, codes: list) -> None:
        """The message of a refinement violation, checked by the interpreter against the whole abstract
        model (`spec.refinement`): the initial state's (st None), or the step out of the last state the
        model names, which is appended; then the abstract state beside each state of the trace."""
        ref = Refinement(concrete, next(r for r in concrete.refinements if r.name == prop.name))
        codes = list(codes)
        if st is None:
            trace.message = _refinement_init(ref, codes[0])
        else:
            after, step, trace.message = self._refinement_step(m, concrete, ref, prop, st, codes[-1], len(codes))
            trace.steps.append(step)
            codes.append(after)
        for ts, c in zip(trace.steps, codes):
            try:
                ts.state.update(ref.columns(ref.map(c)))
            except ModelError:
                pass

    def _refinement_step(self, m, concrete, ref: Refinement, prop: Prop, st: StepEnc, last: list[int], index: int):
        """(the state after, its TraceStep, the message) of the step out of `last` that breaks refinement."""
        interp = Interp(concrete)
        try:
            a = ref.map(last)
        except ModelError as exc:
            raise Disagreement(f"{prop.name}: the interpreter cannot evaluate the mapping of the last state of "
                               f"the trace, which the encoding could ({exc.message})") from None
        for action, plain, branches in _offending(m, interp, st, last,
                                                  lambda enc: self.system.refinement_offends(prop, st, enc)):
            for after, choices in branches:
                try:
                    b = ref.map(after)
                except ModelError as exc:
                    message = ref.error_message(exc, index)
                else:
                    if ref.step(a, b):
                        continue
                    message = ref.step_message(a, b, action.name)
                step = TraceStep(decode_state(concrete, after), action.name, plain, tuple(choices))
                return after, step, message
            raise Disagreement(f"{action.name}({plain}) breaks {prop.name} in the encoding but not in the "
                               "interpreter")
        raise Disagreement(f"no action breaks {prop.name} in the model of its violation")

    def _step(self, m, concrete, trace: Trace, prop: Prop, st: StepEnc, last: list[int]) -> None:
        """Appends the step out of the last state that breaks step property `prop`: the action the
        model names, re-run by the interpreter, which must find the step property broken too."""
        interp = Interp(concrete)
        sp = next(x for x in concrete.step_properties if x.name == prop.name)
        for action, plain, branches in _offending(m, interp, st, last,
                                                  lambda enc: self.system.step_offends(prop, st, enc)):
            for after, choices in branches:
                try:
                    ok = interp.step_property_holds(sp, last, after)
                except ModelError as exc:
                    ok = exc
                if ok is not True:
                    trace.steps.append(TraceStep(decode_state(concrete, after), action.name, plain, tuple(choices)))
                    trace.message = step_message(sp.name, action.name, ok)
                    return
            raise Disagreement(f"{action.name}({plain}) breaks {sp.name} in the encoding but not in the interpreter")
        raise Disagreement(f"no action breaks {sp.name} in the model of its violation")

    def _runtime(self, m, concrete, trace: Trace, st: StepEnc, last: list[int]) -> None:
        interp = Interp(concrete)
        for enc in st.actions:
            if not z3.is_true(m.eval(enc.err, model_completion=True)):
                continue
            action = concrete.actions[enc.index]
            env, plain = _params(action, enc.param_list, m)
            _, failures = interp.run_block(action.body, last, env)
            if failures:
                exc = _failure_like(failures, _choices(enc, m))
                span = exc.span or action.span
                title = KIND_TITLES.get(exc.kind, exc.kind)
                trace.message = f"{title} in {action.name}: {exc.message}"
                trace.error_step = TraceStep({}, action.name, plain, tuple(exc.choices or ()))
                trace.where = where_of(span)
                return
            raise Disagreement(f"{action.name}({plain}) errs in the encoding but not in the interpreter")
        raise Disagreement("no action errs in the model of a runtime violation")

    def init_error(self, m, prop: Prop) -> Trace:
        concrete = self.concrete(m)
        _, failures = Interp(concrete).init_outcomes()
        if not failures:
            raise Disagreement("init errs in the encoding but not in the interpreter")
        exc = failures[0]
        span = exc.span or concrete.span
        title = KIND_TITLES.get(exc.kind, exc.kind)
        message = f"{title} in init: {exc.message}"
        where = where_of(span)
        return Trace(concrete.name, Kind.RUNTIME, Kind.RUNTIME, [], message,
                     TraceStep({}, "init", {}, tuple(exc.choices or ())), where,
                     constants=concrete.const_values(), engine=self.engine)

    def cti(self, m, prop: Prop, states: list, steps: list[StepEnc], k: int, goal: StepEnc) -> Trace:
        """A counterexample to induction: k states where every property holds, then one where prop fails."""
        concrete = self.concrete(m)
        codes, tsteps = self.path(m, concrete, states, steps, check_init=False)
        tsteps[0].action = "(pre-state)"
        trace = Trace(concrete.name, prop.name, prop.kind, tsteps, "", None, prop.where,
                      constants=concrete.const_values(), engine="induction")
        if prop.kind == Kind.INVARIANT:
            inv = next(i for i in concrete.invariants if i.name == prop.name)
            trace.explanation = explain_invariant(concrete, inv, codes[-1])
            trace.message = (f"not inductive (k = {k}): from a state where every invariant holds, "
                             f"{'a step leads' if k == 1 else f'{k} steps lead'} to a state where {prop.name} "
                             "is false")
        elif prop.kind == Kind.DEADLOCK:
            trace.message = f"not inductive (k = {k}): the last state has no enabled action"
        elif prop.kind == Kind.STEP:
            self._step(m, concrete, trace, prop, goal, codes[-1])
            trace.message = f"not inductive (k = {k}): {trace.message}"
        elif prop.kind == Kind.REFINEMENT:
            self._refinement(m, concrete, trace, prop, goal, codes)
            trace.message = f"not inductive (k = {k}): {trace.message}"
        else:
            self._runtime(m, concrete, trace, goal, codes[-1])
            trace.message = f"not inductive (k = {k}): {trace.message}"
        return trace


__all__ = ["Decoder", "Minimizer", "minimize", "concretize", "const_values", "Disagreement"]
