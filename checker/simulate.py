"""The simulation engine: random runs driven by hypothesis, shrunk to short traces.

For models too large to enumerate. A hypothesis `RuleBasedStateMachine` is
built from the model: one rule per action, whose precondition is "some
instance of the action is enabled here" (the guard, evaluated for every
parameter value), and whose parameters (and `choose` values) are drawn from
the values of their types that the guard admits. Drawing only enabled
instances instead of drawing blind and rejecting with `assume` is the same
distribution conditioned on the guard, without the rejected draws that make
hypothesis give up on narrow guards (`Buy(u, k)` is enabled for one slot in
four). After the initial state and after every step the machine checks what
the explicit engine checks in every state: the invariants, run-time errors
of any enabled instance, and deadlock.

A violation raises an exception whose class is the violated property, so
hypothesis shrinks each property's violation on its own; the shrunk run is
rebuilt step by step with the reference interpreter, exactly as the explicit
engine rebuilds its traces, and reported with the same `Result` and `Trace`.

"No violation found" is not a proof: the result's `how` is `sampled`, with
the number of runs and steps. A seed makes a run reproducible (same seed,
same runs, same trace); without one a seed is drawn and reported.

Known limits: temporal properties and determinism declarations need the
state graph and are not checked here (they are reported as not checked);
hypothesis ends a run when its choice buffer is full (about 1,500 steps),
which the result reports when it happens.
"""

from __future__ import annotations

import random
import time
from dataclasses import dataclass, field

from hypothesis import HealthCheck, Phase, Verbosity, seed as hypothesis_seed, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, precondition, rule
from hypothesis.stateful import run_state_machine_as_test

from spec import ir
from spec.runtime import KIND_TITLES, ModelError

from .compiled import CompiledModel
from .explain import explain_invariant
from .explicit import DEADLOCK, RUNTIME, select_invariants
from .result import SAMPLED, PropertyResult, Result, Stats, Trace, TraceStep, Verdict

NOT_A_PROOF = "no violation found is not a proof: only the sampled states were checked"


@dataclass(frozen=True)
class SimulateOptions:
    runs: int = 1000                          # hypothesis examples (max_examples)
    steps: int = 50                           # steps per run (stateful_step_count)
    seed: int | None = None                   # None: draw one (it is reported)
    invariants: tuple[str, ...] | None = None  # None: every invariant
    deadlock: bool = True


@dataclass
class SimProgress:
    runs: int
    steps: int
    states: int
    seconds: float
    shrinking: bool


class Violation(Exception):
    """A property fails in the current run; one subclass per property (see `_violation_class`)."""

    def __init__(self, prop: str, kind: str, message: str, path: list, error=None):
        super().__init__(f"{prop}: {message}")
        self.prop, self.kind, self.message = prop, kind, message
        self.path = path            # [initial state, (instance, state), ...]
        self.error = error          # the ModelError of a runtime violation


def _violation_class(name: str) -> type[Violation]:
    # hypothesis tells bugs apart by exception type: one type per property shrinks each on its own
    safe = "".join(c if c.isalnum() else "_" for c in name)
    return type(f"Violated_{safe}", (Violation,), {})


@dataclass
class _Counters:
    runs: int = 0
    steps: int = 0
    longest: int = 0
    truncated: int = 0            # runs hypothesis ended before `steps` without a violation
    taken: list = field(default_factory=list)     # steps per action
    enabled: list = field(default_factory=list)   # states in which each action was enabled
    visited: set = field(default_factory=set)
    explore_seconds: float = 0.0
    first_violation: float | None = None          # perf_counter when shrinking began
    shrink_runs: int = 0
    shrink_steps: int = 0
    explore_runs: int | None = None
    explore_steps: int | None = None


class Simulator:
    def __init__(self, model: ir.CheckedModel, options: SimulateOptions, progress=None):
        self.full_model = model
        self.model = select_invariants(model, options.invariants)
        self.opts = options
        self.progress = progress
        self.cm = CompiledModel(self.model)
        self.seed = options.seed if options.seed is not None else random.SystemRandom().randrange(2 ** 32)
        self.classes = {name: _violation_class(name)
                        for name in [i.name for i in self.model.invariants] + [DEADLOCK, RUNTIME]}
        self.c = _Counters(taken=[0] * len(self.model.actions), enabled=[0] * len(self.model.actions))

    # ---- one state ---------------------------------------------------------------------

    def enter(self, s: int):
        """What the machine needs of state s: successors by action, and what fails here."""
        _, _, bad, dead, err = self.cm.expand([s])
        by_action: dict[int, list[tuple[int, int]]] = {}
        for inst, t in self.cm.labelled(s):
            by_action.setdefault(self.cm.instances[inst][0], []).append((inst, t))
        return by_action, bool(bad), dead >= 0, err

    def check_state(self, path: list, bad: bool, dead: bool, err) -> None:
        if bad or err is not None or (dead and self.opts.deadlock):
            self.mark_violation()
        s = path[-1] if len(path) == 1 else path[-1][1]
        if bad:
            for inv, ok in zip(self.model.invariants, self.cm.invariants(s)):
                if ok is not True:
                    message = f"invariant {inv.name} is violated"
                    if isinstance(ok, ModelError):
                        message = f"invariant {inv.name} cannot be evaluated: {ok.message}"
                    raise self.classes[inv.name](inv.name, inv.kind, message, list(path))
        if err is not None:
            raise self.classes[RUNTIME](RUNTIME, RUNTIME, "", list(path), err)
        if dead and self.opts.deadlock:
            raise self.classes[DEADLOCK](DEADLOCK, DEADLOCK, "deadlock: no action is enabled in the last state",
                                         list(path))

    def mark_violation(self) -> None:
        """From the first violation on, hypothesis is shrinking: its runs are not exploration."""
        c = self.c
        if c.first_violation is None:
            c.first_violation = time.perf_counter()
            c.explore_runs, c.explore_steps = c.runs, c.steps

    # ---- the hypothesis machine ----------------------------------------------------------

    def machine(self) -> type[RuleBasedStateMachine]:
        sim = self
        inits = self.cm.init_states()
        ns: dict = {}

        def __init__(self):
            RuleBasedStateMachine.__init__(self)
            sim.c.runs += 1
            self.depth = 0
            self.path = []
            if len(inits) == 1:  # else the initialize rule draws one
                self.path = [inits[0]]
                self._go(inits[0])

        def _go(self, s: int):
            self.state = s
            self.by_action, self.bad, self.dead, self.err = sim.enter(s)
            sim.c.visited.add(s)
            for k in self.by_action:
                sim.c.enabled[k] += 1

        def teardown(self):
            exploring = sim.c.first_violation is None
            if exploring and self.depth < sim.opts.steps and not (self.bad or self.err or self.dead):
                sim.c.truncated += 1
            sim.c.longest = max(sim.c.longest, self.depth)
            sim.report_progress()

        ns.update(__init__=__init__, _go=_go, teardown=teardown)
        if len(inits) > 1:
            @initialize(data=st.data())
            def initial_state(self, data):
                s = data.draw(st.sampled_from(inits), label="initial state")
                self.path = [s]
                self._go(s)
            ns["initial_state"] = initial_state

        for k, action in enumerate(self.model.actions):
            ns[f"rule_{k}"] = self._rule(k, action.name)

        @invariant()
        def properties(self):
            sim.check_state(self.path, self.bad, self.dead, self.err)
        ns["properties"] = properties

        if not self.opts.deadlock:
            # a deadlocked run has nothing left to do; this rule lets hypothesis finish it
            @precondition(lambda self: not self.by_action)
            @rule()
            def stutter(self):
                pass
            ns["stutter"] = stutter
        return type(f"Simulate{self.model.name}", (RuleBasedStateMachine,), ns)

    def _rule(self, k: int, name: str):
        sim = self

        def take(self, data):
            options = self.by_action[k]
            inst, t = options[0] if len(options) == 1 else data.draw(st.sampled_from(options), label=name)
            sim.c.taken[k] += 1
            sim.c.steps += 1
            if sim.c.first_violation is not None:
                sim.c.shrink_steps += 1
            self.depth += 1
            self.path.append((inst, t))
            self._go(t)
        take.__name__ = name
        take.__qualname__ = name
        return precondition(lambda self: k in self.by_action)(rule(data=st.data())(take))

    def report_progress(self) -> None:
        if self.progress is not None and self.c.runs % 20 == 0:
            elapsed = time.perf_counter() - self.start
            self.progress(SimProgress(self.c.runs, self.c.steps, len(self.c.visited), elapsed,
                                      self.c.first_violation is not None))

    # ---- running -------------------------------------------------------------------------

    def run(self) -> Result:
        self.start = time.perf_counter()
        try:
            self.cm.init_states()
        except ModelError as exc:
            return self._result(self._init_error(exc))
        machine = hypothesis_seed(self.seed)(self.machine())
        conf = settings(max_examples=self.opts.runs, stateful_step_count=self.opts.steps, deadline=None,
                        database=None, derandomize=False, report_multiple_bugs=False,
                        suppress_health_check=list(HealthCheck), verbosity=Verbosity.quiet,
                        phases=[Phase.generate, Phase.shrink], print_blob=False)
        found = None
        try:
            run_state_machine_as_test(machine, settings=conf)
        except Violation as exc:
            found = self._violation(exc)
        return self._result(found)

    # ---- results --------------------------------------------------------------------------

    def _steps(self, path: list) -> tuple[list[TraceStep], int]:
        """The run as labelled trace steps, rebuilt by the reference interpreter."""
        current = path[0]
        steps = [TraceStep(self.cm.decode(current))]
        for n, (inst, t) in enumerate(path[1:], 1):
            k, _ = self.cm.instances[inst]
            name, params = self.model.actions[k].name, self.cm.instance_params(inst)
            step = next((st for st in self.cm.steps(current)
                         if st.action == name and st.params == params and st.state == t), None)
            if step is None:
                raise RuntimeError(f"internal error: cannot rebuild step {n} of the trace "
                                   "(the compiled code and the interpreter disagree)")
            steps.append(TraceStep(self.cm.decode(t), name, params, step.choices))
            current = t
        return steps, current

    def _violation(self, exc: Violation) -> PropertyResult:
        path = [exc.path[0]] + list(exc.path[1:]) if exc.path else []
        steps, last = self._steps(path)
        consts = self.full_model.const_values()
        if exc.kind == RUNTIME:
            return self._runtime(steps, last)
        inv = next((i for i in self.model.invariants if i.name == exc.prop), None)
        where = _where(inv.span) if inv is not None else None
        trace = Trace(self.model.name, exc.prop, exc.kind, steps, exc.message, None, where,
                      constants=consts, engine="simulation")
        if inv is not None:
            trace.explanation = explain_invariant(self.model, inv, self.cm.unpack(last))
        return PropertyResult(exc.prop, exc.kind, Verdict.VIOLATED, exc.message, where, trace)

    def _runtime(self, steps: list[TraceStep], last: int) -> PropertyResult:
        step = next((st for st in self.cm.steps(last) if st.error is not None), None)
        if step is None:
            raise RuntimeError("internal error: the interpreter does not reproduce the run-time error")
        err = step.error
        k = next(i for i, a in enumerate(self.model.actions) if a.name == step.action)
        span = err.span or self.cm.site_span(err) or self.model.actions[k].span
        message = f"{KIND_TITLES.get(err.kind, err.kind)} in {step.action}: {err.message}"
        trace = Trace(self.model.name, RUNTIME, RUNTIME, steps, message,
                      TraceStep({}, step.action, step.params, step.choices), _where(span),
                      constants=self.full_model.const_values(), engine="simulation")
        return PropertyResult(RUNTIME, RUNTIME, Verdict.VIOLATED, message, _where(span), trace)

    def _init_error(self, exc: ModelError) -> PropertyResult:
        span = exc.span or self.model.span
        message = f"{KIND_TITLES.get(exc.kind, exc.kind)} in init: {exc.message}"
        trace = Trace(self.model.name, RUNTIME, RUNTIME, [], message, TraceStep({}, "init", {}, ()), _where(span),
                      constants=self.full_model.const_values(), engine="simulation")
        return PropertyResult(RUNTIME, RUNTIME, Verdict.VIOLATED, message, _where(span), trace)

    def _result(self, found: PropertyResult | None) -> Result:
        c = self.c
        end = time.perf_counter()
        explore_end = c.first_violation or end
        stats = Stats(distinct_states=len(c.visited), transitions=c.steps, depth=c.longest, seconds=end - self.start)
        stats.runs = c.runs if c.explore_runs is None else c.explore_runs
        stats.steps = c.steps if c.explore_steps is None else c.explore_steps
        stats.explore_seconds = explore_end - self.start
        stats.steps_per_second = stats.steps / stats.explore_seconds if stats.explore_seconds > 0 else 0.0
        stats.states_per_second = stats.steps_per_second
        stats.shrink_runs = c.runs - stats.runs
        stats.shrink_steps = c.shrink_steps
        stats.shrink_seconds = end - explore_end
        stats.seed = self.seed
        stats.max_steps = self.opts.steps
        stats.actions = {a.name: n for a, n in zip(self.model.actions, c.taken)}
        stats.fingerprint = "exact"
        props = self._properties(found)
        warnings = [w.render() for w in self.model.warnings]
        warnings += self._warnings(found)
        verdict = Verdict.VIOLATED if found else Verdict.HOLDS
        return Result(self.model.name, self.model.path, "simulation", verdict, SAMPLED, props, stats, "",
                      warnings, self.full_model.const_values())

    def _properties(self, found: PropertyResult | None) -> list[PropertyResult]:
        pending = "not decided: the simulation stopped at the first violation"
        m = self.model

        def other(name, kind, where):
            if found is not None and found.name == name:
                return found
            if found is not None:
                return PropertyResult(name, kind, Verdict.INCONCLUSIVE, pending, where)
            return PropertyResult(name, kind, Verdict.HOLDS, "", where)
        props = [other(i.name, i.kind, _where(i.span)) for i in m.invariants]
        unchecked = "not checked: simulation checks invariants, deadlock and run-time errors (use syncproof check)"
        for name, kind, span in ([(p.name, "temporal", p.span) for p in m.properties]
                                 + [(d.name, "determinism", d.span) for d in m.deterministic]
                                 + [(c.name, "commute", c.span) for c in m.commutes]):
            props.append(PropertyResult(name, kind, Verdict.INCONCLUSIVE, unchecked, _where(span)))
        if self.opts.deadlock:
            props.append(other(DEADLOCK, DEADLOCK, None))
        props.append(other(RUNTIME, RUNTIME, None))
        return props

    def _warnings(self, found) -> list[str]:
        out = []
        never = [a.name for a, n in zip(self.model.actions, self.c.enabled) if n == 0]
        if never and found is None:
            out.append(f"warning: never enabled in any sampled state: {', '.join(never)}")
        if self.c.truncated and found is None:
            out.append(f"warning: {self.c.truncated} run(s) ended before {self.opts.steps} steps (hypothesis "
                       f"limits the choices of one run; the longest had {self.c.longest} steps): prefer more "
                       "runs to longer ones")
        return out


def _where(span) -> str | None:
    return span.where if span is not None else None


def simulate(model: ir.CheckedModel, options: SimulateOptions | None = None, progress=None) -> Result:
    return Simulator(model, options or SimulateOptions(), progress).run()
