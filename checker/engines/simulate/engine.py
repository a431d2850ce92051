"""The simulation engine: random runs driven by hypothesis, shrunk to short traces.

For models too large to enumerate. Each run is one hypothesis test case: from
an initial state, every step draws one of the actions enabled in the current
state, then one of its enabled instances (parameter values and `choose`
values); after the initial state and after every step the state is checked
for what the explicit engine checks in every state: the invariants, a
run-time error in any enabled instance, and deadlock.

This is the rule-based state machine of `hypothesis.stateful` written
against the model directly: the action draw is the rule draw, "the action is
enabled" is its precondition (the guard, evaluated for every parameter
value), and the instance draw is the rule's arguments, drawn from the values
of their types that the guard admits. Drawing only enabled instances instead
of drawing blind and rejecting with `assume` is the same distribution
conditioned on the guard, without rejected draws. Building a
`RuleBasedStateMachine` class (one rule per action) was measured first: its
rule selection makes about seven choices per step and its per-run feature
flags end many runs early when every enabled rule happens to be switched
off, so it ran at about 3,500 steps/s on the options ledger against about
15,000 here, with two choices per step.

A violation raises an exception whose class is the violated property, and
hypothesis shrinks it. `checker.traces.shrink` then removes the steps the violation
does not need; the run is rebuilt with the reference interpreter, exactly as
the explicit engine rebuilds its traces, and reported with the same
`Result` and `Trace`.

"No violation found" is not a proof: the result's `how` is `sampled`, with
the runs and steps explored. A seed makes a run reproducible (same seed, same
runs, same trace); without one, a seed is drawn and reported.

Models whose action parameters are too many to enumerate (an amount of
`0..2**64-1`) are simulated by `checker.engines.simulate.wide`, which draws the
parameters instead.

A time limit (`timeout`) and Ctrl-C hold in every phase, checked through the
run's budget (`checker.core.limits`) at every step: without a violation the
verdict is then inconclusive (exit 3; Ctrl-C: exit 130 with the runs made so
far); with one, the smallest failing run found so far is reported, without
the rest of its shrinking.

Known limits: temporal properties and determinism declarations need the
state graph and are reported as not checked; hypothesis caps the choices of
one run, so runs end after about 3,000 steps (the result says when).
"""

from __future__ import annotations

import random
import time
from dataclasses import dataclass, field

from hypothesis import given, seed as hypothesis_seed
from hypothesis import strategies as st

from spec import ir
from spec.runtime import KIND_TITLES, ModelError

from checker.core.explain import explain_invariant
from checker.core.kinds import Kind, Strength
from checker.core.limits import Budget, Interrupted, Progress, Stopped, interrupted_reason
from checker.core.properties import select_invariants, step_message, where_of
from checker.core.result import PropertyResult, Result, SimulationStats, Stats, Trace, TraceStep, Verdict
from checker.engines.explicit.compiled import CompiledModel
from checker.engines.simulate.draw import avoided, draw_index, hypothesis_settings, room_for_more, swarm
from checker.traces.shrink import shorten

NOT_A_PROOF = "no violation found is not a proof: only the sampled states were checked"
_CACHE_LIMIT = 200_000  # states whose successors are kept


@dataclass(frozen=True)
class SimulateOptions:
    runs: int = 1000                          # hypothesis examples (max_examples)
    steps: int = 50                           # steps per run
    seed: int | None = None                   # None: draw one (it is reported)
    invariants: tuple[str, ...] | None = None  # None: every invariant
    deadlock: bool = True
    shrink_budget: int = 2000                 # re-runs allowed when removing unneeded steps
    timeout: float | None = None              # seconds; reaching it makes the verdict inconclusive


@dataclass
class SimProgress:
    runs: int
    steps: int
    states: int
    seconds: float
    shrinking: bool

    def text(self) -> str:
        rate = self.steps / self.seconds if self.seconds > 0 else 0
        what = "shrinking" if self.shrinking else f"{self.runs:,} runs"
        return f"{what} · {self.steps:,} steps · {self.states:,} distinct states · {rate:,.0f} steps/s"


class _Halt(KeyboardInterrupt):
    """A `Stopped` on its way through hypothesis, which lets only a KeyboardInterrupt through
    untouched: it records any other exception as the end of the test case, and a replay that
    ends earlier than before while shrinking is then reported as flaky data generation."""


def through_hypothesis(test) -> None:
    """Runs a hypothesis test whose runs stop with `_Halt`; raises the `Stopped` it carries."""
    try:
        test()
    except _Halt as halt:
        raise halt.args[0] from None


class Violation(Exception):
    """A property fails in the current run; one subclass per property (hypothesis shrinks each alone)."""

    def __init__(self, prop: str, kind: str, message: str, path: list):
        super().__init__(f"{prop}: {message}")
        self.prop, self.kind, self.message = prop, kind, message
        self.path = path            # [initial state, (instance, state), ...]


def _violation_class(name: str) -> type[Violation]:
    safe = "".join(c if c.isalnum() else "_" for c in name)
    return type(f"Violated_{safe}", (Violation,), {})


@dataclass
class _Counters:
    runs: int = 0
    steps: int = 0
    longest: int = 0
    truncated: int = 0                            # runs hypothesis ended early (choice limit)
    taken: list = field(default_factory=list)     # steps per action
    enabled: list = field(default_factory=list)   # visits of states in which each action was enabled
    visited: set = field(default_factory=set)
    first_violation: float | None = None          # perf_counter when shrinking began
    explore_runs: int | None = None
    explore_steps: int | None = None
    explore_taken: list | None = None
    shrink_steps: int = 0
    replays: int = 0                              # re-runs of the failing run while removing steps


@dataclass(frozen=True)
class _Here:
    """What a run needs of one state: enabled instances by action, and what fails in it."""

    by_action: dict      # action index -> [(instance, next state)] that change the state, in canonical order
    actions: tuple       # the action indices with such an instance, in order
    enabled: tuple       # every enabled action index, changing the state or not
    bad: bool            # some invariant fails
    dead: bool           # no action enabled and none fails
    err: object          # (state index, action, ModelError) of the first failing instance, or None


class Simulator:
    def __init__(self, model: ir.CheckedModel, options: SimulateOptions, progress=None):
        self._setup(model, options, progress)
        self.cm = CompiledModel(self.model)
        self._cache: dict[int, _Here] = {}
        self._branch_cache: dict = {}

    def _setup(self, model: ir.CheckedModel, options, progress) -> None:
        """What every simulator needs: the model with the selected properties, the seed, the counters."""
        self.full_model = model
        self.model = select_invariants(model, options.invariants)
        self.opts = options
        self.progress = progress
        self.seed = options.seed if options.seed is not None else random.SystemRandom().randrange(2 ** 32)
        self.classes = {name: _violation_class(name)
                        for name in [i.name for i in self.model.invariants] + [Kind.DEADLOCK, Kind.RUNTIME]
                        + [sp.name for sp in self.model.step_properties]}
        n = len(self.model.actions)
        self.c = _Counters(taken=[0] * n, enabled=[0] * n)
        self._ints: dict = {}
        self.budget = Budget(options.timeout, progress)
        self.smallest: Violation | None = None   # the shortest failing run seen (hypothesis shrinks it)
        self.cut_short = ""                      # why the failing run was not shrunk to the end

    def _failing(self, exc: Violation) -> Violation:
        """Remembers the shortest failing run of the first property found, for a run stopped while
        shrinking; returns exc, to raise."""
        c = self.c
        if c.first_violation is None:  # from here on, hypothesis is shrinking
            c.first_violation = time.perf_counter()
            c.explore_runs, c.explore_steps, c.explore_taken = c.runs, c.steps, list(c.taken)
            self.budget.where = f"while shrinking the violation of {exc.prop}"
        first = self.smallest
        if first is None or (exc.prop == first.prop and len(exc.path) < len(first.path)):
            self.smallest = exc
        return exc

    # ---- one state ---------------------------------------------------------------------

    def here(self, s: int) -> _Here:
        h = self._cache.get(s)
        if h is None and not self.cm.in_model(s):
            h = self._cut(s)
        if h is None:
            _, _, bad, dead, err = self.cm.expand([s])
            by_action: dict[int, list[tuple[int, int]]] = {}
            enabled = set()
            for inst, t in self.cm.labelled(s):
                enabled.add(self.cm.instances[inst][0])
                if t != s:  # a step that changes nothing cannot lead anywhere new: runs skip it
                    by_action.setdefault(self.cm.instances[inst][0], []).append((inst, t))
            h = _Here(by_action, tuple(sorted(by_action)), tuple(sorted(enabled)), bool(bad), dead >= 0, err)
            if len(self._cache) >= _CACHE_LIMIT:
                self._cache.clear()
            self._cache[s] = h
        return h

    def _cut(self, s: int) -> _Here:
        """A state failing a state constraint: its invariants are checked, it has no next step (the
        run ends there) and it is no deadlock, as in the explicit engine."""
        bad = not all(ok is True for ok in self.cm.invariants(s))
        return _Here({}, (), (), bad, False, None)

    def failure(self, s: int, h: _Here) -> tuple[str, str, str] | None:
        """(property, kind, message) of the first property that fails in s, or None."""
        if h.bad:
            for inv, ok in zip(self.model.invariants, self.cm.invariants(s)):
                if ok is not True:
                    if isinstance(ok, ModelError):
                        return inv.name, inv.kind, f"invariant {inv.name} cannot be evaluated: {ok.message}"
                    return inv.name, inv.kind, f"invariant {inv.name} is violated"
            for sp, ok in zip(self.model.step_properties, self.cm.step_outcomes(s)):
                if ok is not True:   # a step out of s breaks it: the trace ends with that step
                    return sp.name, Kind.STEP, ""
        if h.err is not None:
            return Kind.RUNTIME, Kind.RUNTIME, ""
        if h.dead and self.opts.deadlock:
            return Kind.DEADLOCK, Kind.DEADLOCK, "deadlock: no action is enabled in the last state"
        return None

    def _check(self, path: list, s: int, h: _Here) -> None:
        fail = self.failure(s, h)
        if fail is None:
            return
        prop, kind, message = fail
        raise self._failing(self.classes[prop](prop, kind, message, list(path)))

    # ---- one run -------------------------------------------------------------------------

    def run_once(self, data) -> None:
        c = self.c
        c.runs += 1
        tick = self.budget.tick
        if c.first_violation is None:
            self.budget.where = f"after {runs_text(c.runs - 1)}"
        inits = self.inits
        s = inits[draw_index(data, len(inits), self._ints)]
        off = swarm(data, len(self.model.actions), self._ints)
        path: list = [s]
        depth = 0
        try:
            h = self.here(s)
            self._visit(s, h)
            self._check(path, s, h)
            while depth < self.opts.steps:
                if not h.actions:       # nothing changes the state any more: the run is over
                    break
                if not room_for_more(data):
                    if c.first_violation is None:
                        c.truncated += 1
                    break
                avoid = avoided(data, off, self._ints)
                actions = [k for k in h.actions if k not in avoid] if avoid else h.actions
                actions = actions or h.actions
                k = actions[draw_index(data, len(actions), self._ints)]
                options = h.by_action[k]
                inst, s = options[draw_index(data, len(options), self._ints)]
                tick()
                path.append((inst, s))
                depth += 1
                c.steps += 1
                c.taken[k] += 1
                if c.first_violation is not None:
                    c.shrink_steps += 1
                h = self.here(s)
                self._visit(s, h)
                self._check(path, s, h)
        finally:
            c.longest = max(c.longest, depth)

    def _visit(self, s: int, h: _Here) -> None:
        self.c.visited.add(s)
        enabled = self.c.enabled
        for k in h.enabled:
            enabled[k] += 1

    # ---- running -------------------------------------------------------------------------

    def run(self) -> Result:
        """The runs; a time limit or Ctrl-C ends them with what was found (see the module doc)."""
        b = self.budget
        self.start = b.start
        found, reason, interrupted = None, "", False
        try:
            b.phase("init", "while enumerating the initial states",
                    lambda: Progress(0, 0, 0, 0, b.elapsed, phase="init", work=b.ticks))
            try:
                self.inits = self._initial_states(b.tick)
            except ModelError as exc:
                return self._result(self._init_error(exc))
            b.phase("simulation", "after 0 runs", self._snapshot)
            try:
                self._simulate()
            except Violation as exc:
                found = self._violation(exc)
        except Stopped as exc:
            reason = exc.reason
        except KeyboardInterrupt:
            interrupted, reason = True, interrupted_reason(b.where)
        if found is None and self.smallest is not None:  # stopped while shrinking: report the run as it is
            self.cut_short = reason
            found = self._violation(self.smallest, False)
        result = self._result(found, reason)
        if interrupted:
            raise Interrupted(result)
        return result

    def _initial_states(self, tick) -> list:
        states, failures = self.cm.init_outcomes(tick)
        if failures:  # a way through init fails: a run-time error every run can reach
            raise failures[0]
        return states

    def _simulate(self) -> None:
        """The hypothesis runs; raises the (shrunk) Violation of a failing run."""
        @hypothesis_seed(self.seed)
        @hypothesis_settings(self.opts.runs)
        @given(st.data())
        def simulation(data):
            self.run_halting(data)

        through_hypothesis(simulation)

    def run_halting(self, data) -> None:
        """run_once, with a limit reached carried through hypothesis (see `_Halt`)."""
        try:
            self.run_once(data)
        except Stopped as exc:
            raise _Halt(exc) from None

    def _snapshot(self) -> SimProgress:
        c = self.c
        return SimProgress(c.runs, c.steps, len(c.visited), self.budget.elapsed, c.first_violation is not None)

    # ---- shortening and traces --------------------------------------------------------------

    def _shorten(self, exc: Violation) -> list:
        """The failing run without the steps its violation does not need."""
        s0 = exc.path[0]
        # a step is its instance and, when the instance has several successors (`choose`), its choices
        labels = []
        prev = s0
        for inst, t in exc.path[1:]:
            labels.append((inst, self._choices(prev, inst, t)))
            prev = t

        def successor(s: int, inst: int, choices):
            options = self.here(s).by_action.get(self.cm.instances[inst][0], [])
            same = [u for i, u in options if i == inst]
            if not same and options:  # disabled now that an earlier step is gone: the action's first
                inst, choices = options[0][0], None  # enabled instance stands in (another price)
                same = [u for i, u in options if i == inst]
            if not same:              # the action is disabled: leave the step out
                return None, None
            if len(same) > 1 and choices is not None:
                return inst, self._branches(s, inst).get(choices, same[0])
            return inst, same[0]

        def fails(candidate):
            self.c.replays += 1
            self.budget.tick()
            s, out = s0, []
            if self._fails_as(s, exc.prop):
                return out
            for inst, choices in candidate:
                inst, t = successor(s, inst, choices)
                if inst is None:
                    continue
                out.append((inst, self._choices(s, inst, t)))
                s = t
                if self._fails_as(s, exc.prop):
                    return out
            return None

        best = shorten(labels, fails, self.opts.shrink_budget)
        path, s = [s0], s0
        for inst, choices in best:
            inst, s = successor(s, inst, choices)
            path.append((inst, s))
        return path

    def _branches(self, s: int, inst: int) -> dict:
        """{choices: successor} of an instance with several successors (reference interpreter)."""
        key = (s, inst)
        out = self._branch_cache.get(key)
        if out is None:
            name, params = self.model.actions[self.cm.instances[inst][0]].name, self.cm.instance_params(inst)
            out = {st.choices: st.state for st in self.cm.steps(s)
                   if st.action == name and st.params == params and st.state is not None}
            self._branch_cache[key] = out
        return out

    def _choices(self, s: int, inst: int, t: int):
        options = self.here(s).by_action.get(self.cm.instances[inst][0], [])
        if sum(1 for i, _ in options if i == inst) < 2:
            return None
        return next((c for c, u in self._branches(s, inst).items() if u == t), None)

    def _fails_as(self, s: int, prop: str) -> bool:
        fail = self.failure(s, self.here(s))
        return fail is not None and fail[0] == prop

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

    def _violation(self, exc: Violation, shorten_it: bool = True) -> PropertyResult:
        self.hypothesis_length = len(exc.path) - 1
        steps, last = self._steps(self._shorten(exc) if shorten_it else exc.path)
        if exc.kind == Kind.RUNTIME:
            return self._runtime(steps, last)
        if exc.kind == Kind.STEP:
            return self._step(exc.prop, steps, last)
        inv = next((i for i in self.model.invariants if i.name == exc.prop), None)
        where = where_of(inv.span) if inv is not None else None
        trace = Trace(self.model.name, exc.prop, exc.kind, steps, exc.message, None, where,
                      constants=self.full_model.const_values(), engine="simulation")
        if inv is not None:
            trace.explanation = explain_invariant(self.model, inv, self.cm.unpack(last))
        return PropertyResult(exc.prop, exc.kind, Verdict.VIOLATED, exc.message, where, trace)

    def _step(self, name: str, steps: list[TraceStep], last: int) -> PropertyResult:
        """The run, then the step out of its last state that breaks step property `name`."""
        sp = next(x for x in self.model.step_properties if x.name == name)
        st, ok = self.cm.offending_step(sp, last)
        steps.append(TraceStep(self.cm.decode(st.state), st.action, st.params, st.choices))
        message = step_message(name, st.action, ok)
        trace = Trace(self.model.name, name, Kind.STEP, steps, message, None, where_of(sp.span),
                      constants=self.full_model.const_values(), engine="simulation")
        return PropertyResult(name, Kind.STEP, Verdict.VIOLATED, message, where_of(sp.span), trace)

    def _runtime(self, steps: list[TraceStep], last: int) -> PropertyResult:
        step = next((st for st in self.cm.steps(last) if st.error is not None), None)
        if step is None:
            raise RuntimeError("internal error: the interpreter does not reproduce the run-time error")
        err = step.error
        k = next(i for i, a in enumerate(self.model.actions) if a.name == step.action)
        span = err.span or self.cm.site_span(err) or self.model.actions[k].span
        message = f"{KIND_TITLES.get(err.kind, err.kind)} in {step.action}: {err.message}"
        trace = Trace(self.model.name, Kind.RUNTIME, Kind.RUNTIME, steps, message,
                      TraceStep({}, step.action, step.params, step.choices), where_of(span),
                      constants=self.full_model.const_values(), engine="simulation")
        return PropertyResult(Kind.RUNTIME, Kind.RUNTIME, Verdict.VIOLATED, message, where_of(span), trace)

    def _init_error(self, exc: ModelError) -> PropertyResult:
        span = exc.span or self.model.span
        message = f"{KIND_TITLES.get(exc.kind, exc.kind)} in init: {exc.message}"
        trace = Trace(self.model.name, Kind.RUNTIME, Kind.RUNTIME, [], message, TraceStep({}, "init", {}, ()),
                      where_of(span), constants=self.full_model.const_values(), engine="simulation")
        return PropertyResult(Kind.RUNTIME, Kind.RUNTIME, Verdict.VIOLATED, message, where_of(span), trace)

    # ---- the result ---------------------------------------------------------------------------

    def _result(self, found: PropertyResult | None, reason: str = "") -> Result:
        """reason: why the runs stopped before all were made (a limit, Ctrl-C), or "" """
        c = self.c
        end = time.perf_counter()
        explore_end = c.first_violation or end
        sim = SimulationStats(max_steps=self.opts.steps)
        sim.runs = c.runs if c.explore_runs is None else c.explore_runs
        sim.steps = c.steps if c.explore_steps is None else c.explore_steps
        sim.explore_seconds = explore_end - self.start
        sim.steps_per_second = sim.steps / sim.explore_seconds if sim.explore_seconds > 0 else 0.0
        sim.shrink_runs = c.runs - sim.runs + c.replays
        sim.shrink_steps = c.shrink_steps
        sim.shrink_seconds = end - explore_end
        stats = Stats(distinct_states=len(c.visited), transitions=c.steps, depth=c.longest, seconds=end - self.start,
                      states_per_second=sim.steps_per_second, seed=self.seed, simulation=sim)
        taken = c.taken if c.explore_taken is None else c.explore_taken
        stats.actions = {a.name: n for a, n in zip(self.model.actions, taken)}
        verdict = Verdict.VIOLATED if found else Verdict.INCONCLUSIVE if reason else Verdict.HOLDS
        warnings = [w.render() for w in self.model.warnings] + self._warnings(found)
        if found is not None and self.cut_short:
            warnings.append(f"warning: the failing run was not shrunk to the end ({self.cut_short}): the trace "
                            "may be longer than needed")
        result = Result(self.model.name, self.model.path, "simulation", verdict, Strength.SAMPLED,
                        self._properties(found, reason), stats, reason if verdict is Verdict.INCONCLUSIVE else "",
                        warnings, self.full_model.const_values())
        result.detail = (f"{sim.runs:,} runs of up to {self.opts.steps} steps, {sim.steps:,} steps, "
                         f"{stats.distinct_states:,} distinct states; {NOT_A_PROOF}")
        return result

    def _properties(self, found: PropertyResult | None, reason: str = "") -> list[PropertyResult]:
        pending = "not decided: the simulation stopped at the first violation"
        m = self.model

        def outcome(name, kind, where):
            if found is not None and found.name == name:
                p = found
            elif found is not None:
                p = PropertyResult(name, kind, Verdict.INCONCLUSIVE, pending, where)
            elif reason:
                p = PropertyResult(name, kind, Verdict.INCONCLUSIVE, reason, where)
            else:
                p = PropertyResult(name, kind, Verdict.HOLDS, "", where)
            p.how, p.engine = Strength.SAMPLED, "simulation"
            return p
        props = [outcome(i.name, i.kind, where_of(i.span)) for i in m.invariants]
        props += [outcome(sp.name, Kind.STEP, where_of(sp.span)) for sp in m.step_properties]
        unchecked = ("not checked: simulation checks invariants, step properties, deadlock and run-time errors "
                     "(use syncproof check)")
        for name, kind, span in ([(p.name, Kind.TEMPORAL, p.span) for p in m.properties]
                                 + [(d.name, Kind.DETERMINISM, d.span) for d in m.deterministic]
                                 + [(x.name, Kind.COMMUTE, x.span) for x in m.commutes]):
            props.append(PropertyResult(name, kind, Verdict.INCONCLUSIVE, unchecked, where_of(span)))
        if self.opts.deadlock:
            props.append(outcome(Kind.DEADLOCK, Kind.DEADLOCK, None))
        props.append(outcome(Kind.RUNTIME, Kind.RUNTIME, None))
        return props

    def _warnings(self, found) -> list[str]:
        if found is not None:
            return []
        out = []
        never = [a.name for a, n in zip(self.model.actions, self.c.enabled) if n == 0]
        if never:
            out.append(f"warning: never enabled in any sampled state: {', '.join(never)} (no run checked "
                       "what they do)")
        if self.c.truncated:
            out.append(f"warning: {self.c.truncated} run(s) ended before {self.opts.steps} steps: hypothesis "
                       f"limits the choices of one run (the longest had {self.c.longest} steps); prefer more "
                       "runs to longer ones")
        return out


def runs_text(n: int) -> str:
    """'1 run', '2,000 runs'."""
    return f"{n:,} run" + ("" if n == 1 else "s")
