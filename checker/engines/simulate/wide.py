"""Simulation of models whose action parameters are too wide to enumerate.

`checker.engines.simulate.engine` asks the compiled model for every enabled instance of every
action, which needs every parameter value enumerated. A ledger whose
`Write(u, k, strike: 0..2**64-1, cap: 0..2**64-1)` takes 2**130 values cannot
be enumerated, and it is exactly the kind of model simulation is for. Here
the parameters are drawn from their types by hypothesis
(`checker.engines.simulate.draw`: integers biased towards small and boundary
values, which is where overflows live), the
action runs in the reference interpreter, and a guard that is false (or a
step that changes nothing) means the draw is tried again, with another
action, a few times; a state in which no draw found such a step ends the
run without a verdict about deadlock. Invariants and run-time errors of the steps taken are checked as
in `checker.engines.simulate.engine`; a run-time error is reported for a drawn step that
fails (other parameter values are not tried).
"""

from __future__ import annotations

from hypothesis import Phase, given, settings
from hypothesis import seed as hypothesis_seed
from hypothesis import strategies as st

from spec import ir
from spec.diagnostics import Diagnostic, SpecError
from spec.interp import Interp
from spec.runtime import KIND_TITLES, ModelError, from_code
from spec.types import IntType

from checker.core.explain import explain_invariant
from checker.core.kinds import Kind
from checker.core.properties import where_of
from checker.core.result import PropertyResult, Trace, TraceStep, Verdict
from checker.engines.explicit.enumerable import obstacles
from checker.engines.simulate.draw import (avoided, draw_index, draw_value, hypothesis_settings, integers_of,
                                           room_for_more, swarm)
from checker.engines.simulate.engine import Simulator, Violation, runs_text, through_hypothesis
from checker.traces.shrink import shorten

TRIES = 4          # draws per action before the step gives up on it


def needs_drawing(model: ir.CheckedModel) -> bool:
    """Whether some action's parameters are too many to enumerate (symbolic constants aside)."""
    return any("parameters of" in why for why in obstacles(model))


def require_values(model: ir.CheckedModel) -> None:
    missing = [c.name for c in model.symbolic_consts()]
    if missing:
        raise SpecError(Diagnostic(
            "E521", f"simulation needs a value for every constant: {', '.join(missing)} "
            f"{'has' if len(missing) == 1 else 'have'} none", model.span,
            "give each a value with --const NAME=VALUE (the symbolic engines of syncproof check cover every "
            "value)"))


class WideSimulator(Simulator):
    """`Simulator` with drawn parameters and interpreted steps (no compiled model)."""

    def __init__(self, model: ir.CheckedModel, options, progress=None):
        require_values(model)
        self._setup(model, options, progress)
        self.interp = Interp(self.model)
        self._ints: dict = {}
        self._pools: dict = {}
        self._const_ints: set = set()
        for v in model.const_values().values():
            integers_of(v, self._const_ints)

    # ---- states ----

    def decode(self, s: tuple) -> dict:
        return {v.name: ir.decode_value(v.type, from_code(c, v.type)) for v, c in zip(self.model.vars, s)}

    def bad(self, s: tuple):
        """(property, kind, message) of the first invariant that fails in s, or None."""
        for inv in self.model.invariants:
            try:
                if self.interp.invariant_holds(inv, list(s)):
                    continue
                return inv.name, inv.kind, f"invariant {inv.name} is violated"
            except ModelError as exc:
                return inv.name, inv.kind, f"invariant {inv.name} cannot be evaluated: {exc.message}"
        return None

    def _check(self, path: list, s: tuple, fail=None) -> None:
        fail = fail or self.bad(s)
        if fail is None:
            return
        prop, kind, message = fail
        raise self._failing(self.classes[prop](prop, kind, message, list(path)))

    def attempt(self, s: tuple, k: int, env: dict):
        """(branches (state, choices), failures) of action k with parameters env from s.

        Every way through the body's `choose`s on its own: a failing one (a ModelError, with
        its choices) does not take away the others."""
        action = self.model.actions[k]
        branches, failures = self.interp.run_block(action.body, list(s), env)
        return [(tuple(st_), ch) for st_, _, ch in branches], failures

    def params(self, k: int, env: dict) -> dict:
        return {p.name: ir.decode_value(p.type, env[p.id]) for p in self.model.actions[k].params}

    # ---- one run ----

    def run_once(self, data) -> None:
        c = self.c
        c.runs += 1
        if c.first_violation is None:
            self.budget.where = f"after {runs_text(c.runs - 1)}"
        s = self.inits[draw_index(data, len(self.inits), self._ints)]
        n = len(self.model.actions)
        off = swarm(data, n, self._ints)
        path: list = [s]
        depth = 0
        try:
            self._check(path, s)
            while depth < self.opts.steps and room_for_more(data, 4 + 4 * TRIES):
                if not self.interp.constrained(list(s)):   # checked, not expanded: the run ends here
                    break
                step = self._draw_step(data, s, avoided(data, off, self._ints), path)
                if step is None:
                    break
                k, env, choices, s = step
                self.budget.tick()
                path.append((k, env, choices, s))
                depth += 1
                c.steps += 1
                c.taken[k] += 1
                c.enabled[k] += 1
                if c.first_violation is not None:
                    c.shrink_steps += 1
                self.c.visited.add(s)
                self._check(path, s)
        finally:
            c.longest = max(c.longest, depth)

    def pool(self, s: tuple) -> tuple:
        """The integers of state s and of the constants, sorted (cached per state)."""
        out = self._pools.get(s)
        if out is None:
            found: set = set(self._const_ints)
            for v in self.decode(s).values():
                integers_of(v, found)
            out = tuple(sorted(found))
            if len(self._pools) > 50_000:
                self._pools.clear()
            self._pools[s] = out
        return out

    def _draw_step(self, data, s: tuple, off: set, path: list):
        n = len(self.model.actions)
        order = [k for k in range(n) if k not in off] or list(range(n))
        pool = self.pool(s)
        for _ in range(TRIES * len(order)):
            k = order[draw_index(data, len(order), self._ints)]
            env = {p.id: draw_value(data, p.type, self._ints, pool) for p in self.model.actions[k].params}
            branches, failures = self.attempt(s, k, env)
            if failures:
                err_path = list(path) + [(k, env, failures[0].choices or (), None)]
                self._check(err_path, s, (Kind.RUNTIME, Kind.RUNTIME, ""))
            branches = [(t, ch) for t, ch in branches if t != s]  # a step that changes nothing leads nowhere
            if branches:
                t, choices = branches[draw_index(data, len(branches), self._ints)]
                return k, env, choices, t
        return None

    # ---- running ----

    def _initial_states(self, tick) -> list:
        return [tuple(st_) for st_ in self.interp.init_states(tick)]

    def _simulate(self) -> None:
        # hypothesis shrinks 64-bit draws slowly (thousands of runs); `_violation` shortens the run
        # and lowers the values itself, in a bounded number of replays
        @hypothesis_seed(self.seed)
        @settings(hypothesis_settings(self.opts.runs), phases=[Phase.generate])
        @given(st.data())
        def simulation(data):
            self.run_halting(data)

        through_hypothesis(simulation)

    def _result(self, found, reason: str = ""):
        result = super()._result(found, reason)
        result.detail += "; parameters drawn from their types (too many to enumerate); deadlock not checked"
        return result

    def _properties(self, found, reason: str = ""):
        props = super()._properties(found, reason)
        steps = {sp.name for sp in self.model.step_properties}
        for p in props:
            if p.name == Kind.DEADLOCK and p.verdict is Verdict.HOLDS:
                p.verdict = Verdict.INCONCLUSIVE
                p.message = "not checked: the parameters are drawn, so a state's enabled steps are not all known"
            elif p.name in steps and p.kind == Kind.STEP:
                p.verdict = Verdict.INCONCLUSIVE
                p.message = ("not checked: simulation with drawn parameters does not check step properties "
                             "(use --engine bmc, induction or prove)")
        return props

    def _warnings(self, found) -> list[str]:
        out = super()._warnings(found)
        return [w for w in out if "never enabled" not in w] + (
            [f"warning: never taken: {', '.join(a.name for a, n in zip(self.model.actions, self.c.taken) if not n)}"]
            if found is None and not all(self.c.taken) else [])

    # ---- shortening and traces ----

    def _replay(self, s0: tuple, steps: list, prop: str):
        """Re-runs (action, parameters, choices) steps from s0, leaving out those that are disabled;
        returns (steps run, path) up to the first state where prop fails, or None."""
        self.c.replays += 1
        self.budget.tick()
        s, done, path = s0, [], [s0]
        for k, env, choices, _ in steps:
            if not self.interp.constrained(list(s)):   # not expanded: no step continues the run
                return None
            if self._fails(s, prop, k, env, choices):
                return done + [(k, env, choices, None)], path + [(k, env, choices, None)]
            branches, _ = self.attempt(s, k, env)
            if not branches:
                continue
            t = next((u for u, ch in branches if ch == choices), branches[0][0])
            ch = next((c for u, c in branches if u == t), ())
            done.append((k, env, ch, t))
            path.append((k, env, ch, t))
            s = t
            if prop != Kind.RUNTIME and self._fails(s, prop):
                return done, path
        return None

    def _fails(self, s: tuple, prop: str, k=None, env=None, choices=None) -> bool:
        if prop == Kind.RUNTIME:
            if k is None:
                return False
            return bool(self.attempt(s, k, env)[1])
        fail = self.bad(s)
        return fail is not None and fail[0] == prop

    def _lower_values(self, s0: tuple, steps: list, prop: str) -> list:
        """Each integer parameter as small as it can be with the violation still there (a binary
        search per parameter: 64 replays for a 64-bit amount), so the trace reads `cap = 1`."""
        steps = list(steps)
        for i in range(len(steps)):
            for p in self.model.actions[steps[i][0]].params:
                if not isinstance(p.type, IntType) or i >= len(steps):
                    continue
                low, high = p.type.lo, steps[i][1][p.id]
                while low < high:
                    mid = (low + high) // 2
                    k, env, choices, t = steps[i]
                    trial = steps[:i] + [(k, {**env, p.id: mid}, choices, t)] + steps[i + 1:]
                    replayed = self._replay(s0, trial, prop)
                    if replayed is not None and len(replayed[0]) <= len(steps):
                        high = mid
                        steps = replayed[0] if len(replayed[0]) == len(steps) else steps
                    else:
                        low = mid + 1
                k, env, choices, t = steps[i]
                if env[p.id] != high:
                    trial = steps[:i] + [(k, {**env, p.id: high}, choices, t)] + steps[i + 1:]
                    replayed = self._replay(s0, trial, prop)
                    if replayed is not None and len(replayed[0]) == len(steps):
                        steps = replayed[0]
        return steps

    def _violation(self, exc: Violation, shorten_it: bool = True) -> PropertyResult:
        s0, steps = exc.path[0], list(exc.path[1:])

        def fails(candidate):
            r = self._replay(s0, candidate, exc.prop)
            return r[0] if r is not None else None

        best = steps
        if shorten_it:
            best = shorten(steps, fails, self.opts.shrink_budget)
            best = self._lower_values(s0, best, exc.prop)
        replayed = self._replay(s0, best, exc.prop)
        path = replayed[1] if replayed is not None else [s0] + steps
        trace_steps = [TraceStep(self.decode(s0))]
        last = s0
        for k, env, choices, t in path[1:]:
            if t is None:
                break
            trace_steps.append(TraceStep(self.decode(t), self.model.actions[k].name, self.params(k, env), choices))
            last = t
        consts = self.full_model.const_values()
        if exc.prop == Kind.RUNTIME:
            k, env, choices, _ = path[-1]
            failures = self.attempt(last, k, env)[1]
            err = next((e for e in failures if (e.choices or ()) == choices), None) or \
                (failures[0] if failures else ModelError("runtime", "the failure did not reproduce"))
            name = self.model.actions[k].name
            span = err.span or self.model.actions[k].span
            message = f"{KIND_TITLES.get(err.kind, err.kind)} in {name}: {err.message}"
            trace = Trace(self.model.name, Kind.RUNTIME, Kind.RUNTIME, trace_steps, message,
                          TraceStep({}, name, self.params(k, env), getattr(err, "choices", None) or ()),
                          where_of(span), constants=consts, engine="simulation")
            return PropertyResult(Kind.RUNTIME, Kind.RUNTIME, Verdict.VIOLATED, message, where_of(span), trace)
        inv = next(i for i in self.model.invariants if i.name == exc.prop)
        trace = Trace(self.model.name, exc.prop, exc.kind, trace_steps, exc.message, None, where_of(inv.span),
                      constants=consts, engine="simulation")
        trace.explanation = explain_invariant(self.model, inv, list(last))
        return PropertyResult(exc.prop, exc.kind, Verdict.VIOLATED, exc.message, where_of(inv.span), trace)
