"""Conformance: a Python implementation driven side by side with its model.

hypothesis draws runs as the simulation engine does (`checker.engines.simulate.engine`): at
every step one of the actions the model allows, then one of its instances;
with `Adapter.check_guards`, also now and then an instance the model does
*not* allow (a probe), drawn from all the values of the parameter types. The
adapter performs the step on the implementation and observes its state; the
observation is compared with the model.

The model is the oracle, and it may be nondeterministic (`choose`) or only
partly observed, so a run follows the *set* of model states consistent with
everything observed so far. A step fails when:

    state      the observation matches no state the model allows after the step
    refused    the implementation refused a step the model allows
    accepted   the implementation accepted a step the model does not allow
               (and its state changed; accepting and changing nothing is a refusal)
    crash      the implementation (an action, observe() or setup()) raised
    model      the model itself fails at the step (a run-time error): check it first

A failing run is shrunk by hypothesis, then by `checker.traces.shrink` (removing
steps, each re-run on a fresh implementation), and reported with the step,
the expected and the observed values, and the model's trace up to there, as
a `Trace` that is written as ITF. `replay_trace` drives an implementation
through an ITF trace (any engine's counterexample, or a conformance
failure), with the model as the oracle: every counterexample can become a
regression test.
"""

from __future__ import annotations

import random
import time
from dataclasses import dataclass
from io import StringIO

from hypothesis import given, seed as hypothesis_seed
from hypothesis import strategies as st
from hypothesis.errors import Flaky

from spec import ir
from spec import values as V
from spec.diagnostics import Diagnostic
from spec.loader import load
from spec.runtime import KIND_TITLES, ModelError, from_code

from checker.conform.adapter import RAISED, Adapter, AdapterError, Binding, Rejected, bind, check_construction, describe_exception, leaf_diffs, normalize, pattern, restrict, unobserved_fields
from checker.conform.report import print_conform
from checker.conform.result import ACCEPTED, CRASH, FLAKY, MODEL, REFUSED, REFUSED_PREFIX, STATE, TITLES, ConformResult, Mismatch
from checker.core.result import Trace, TraceStep
from checker.engines.explicit.compiled import CompiledModel
from checker.engines.simulate.draw import avoided, draw_index, hypothesis_settings, room_for_more, swarm
from checker.reports.console import text_console
from checker.traces.constants import trace_consts
from checker.traces.itf import ITFError, check_document, from_itf, read_document
from checker.traces.shrink import shorten
from checker.core.kinds import Kind

TAKE, PROBE = "take", "probe"


@dataclass(frozen=True)
class ConformOptions:
    runs: int = 100
    steps: int = 30
    seed: int | None = None        # None: draw one (it is reported)
    shrink_budget: int = 300       # re-runs allowed when removing unneeded steps


class Failure(Exception):
    """A run failed; one subclass per kind, so hypothesis shrinks each kind on its own."""

    def __init__(self, mismatch: Mismatch, history: list, initial: list):
        super().__init__(f"{mismatch.kind}: {mismatch.message}")
        self.mismatch = mismatch
        self.history = history     # [(instance, outcome, model states after)]
        self.initial = initial     # model states consistent with the initial observation


_FAILURES = {k: type(f"Conformance_{k}", (Failure,), {}) for k in TITLES}


# ---- the model side ----------------------------------------------------------------------------

class Oracle:
    """The model, as conformance asks it: successors, labels, matching observations."""

    def __init__(self, model: ir.CheckedModel, cls: type[Adapter]):
        self.model = model
        self.cls = cls
        self.binding: Binding = bind(model, cls)
        self.cm = CompiledModel(model)
        self.inits = self.cm.init_states()
        self.rejects = tuple(cls.rejects) + (Rejected,)
        self.consts = model.const_values()
        self.vars = {v.name: v for v in model.vars}
        self._succ: dict[int, list] = {}
        driven = set(self.binding.methods)
        self.driven = [i for i, (k, _) in enumerate(self.cm.instances) if model.actions[k].name in driven]
        self.driven_set = set(self.driven)
        self._guard_cache: dict = {}
        self._values_cache: dict = {}
        self.labels = [(model.actions[k].name, self.cm.instance_params(i)) for i, (k, _) in enumerate(self.cm.instances)]
        self.by_label = {(name, _key(params)): i for i, (name, params) in enumerate(self.labels)}
        self.observed: set[str] = set()    # variables some observation had
        self._patterns: dict = {}
        self.unobserved_fields: list[str] = []  # record fields the first observation of each left out
        check_construction(cls, self.consts)    # E705 before any run, rather than a crash in every run

    def succ(self, s: int) -> list[tuple[int, int]]:
        """Every transition from s (changing the state or not) of an action the adapter drives."""
        out = self._succ.get(s)
        if out is None:
            driven = self.binding.methods
            out = [(i, t) for i, t in self.cm.labelled(s)
                   if self.model.actions[self.cm.instances[i][0]].name in driven]
            if len(self._succ) > 100_000:
                self._succ.clear()
            self._succ[s] = out
        return out

    def text(self, inst: int) -> str:
        name, params = self.labels[inst]
        return name + ("(" + ", ".join(f"{k}={V.show(v)}" for k, v in params.items()) + ")" if params else "")

    def codes(self, obs: dict) -> dict | None:
        """The observation as {variable: (mask, code)}; None when a value is outside its type."""
        out = {}
        cache = self._patterns
        for name, plain in obs.items():
            try:
                key = (name, plain)
                hit = cache.get(key)
            except TypeError:  # an unhashable value outside every type
                return None
            if hit is None:
                try:
                    hit = pattern(self.vars[name].type, plain)
                except (V.EncodeError, TypeError, ValueError, KeyError):
                    hit = (-1, -1)  # matches no state
                if len(cache) > 100_000:
                    cache.clear()
                cache[key] = hit
            out[name] = hit
        return out

    def matches(self, s: int, codes: dict | None) -> bool:
        if codes is None:
            return False
        for name, (mask, code) in codes.items():
            if mask < 0 or (s >> self.cm.layout.offset(self.vars[name])) & mask != code:
                return False
        return True

    def view(self, s: int, names, observed: dict | None = None) -> dict:
        """State s as {variable: value} for the names, cut down to what `observed` has."""
        full = self.cm.decode(s)
        if observed is None:
            return {n: full[n] for n in names}
        return {n: restrict(full[n], observed[n]) for n in names}

    def note_observed(self, obs: dict) -> None:
        for name, value in obs.items():
            if name not in self.observed:
                self.observed.add(name)
                self.unobserved_fields += unobserved_fields(self.vars[name].type, value, name)

    def near_misses(self, s: int, instances) -> list[int]:
        """The instances whose guard fails in state s by one condition only (a conjunct of the
        action's leading `require`s; or only a later `require`): what an implementation that
        forgot one check accepts. Exercise after expiry fails `phase == trading` alone."""
        out = []
        for i in instances:
            k, codes = self.cm.instances[i]
            failing = 0
            for pred in self._conjuncts(k):
                try:
                    ok = pred(s, *self._param_values(i))
                except ModelError:
                    ok = False
                failing += not ok
                if failing > 1:
                    break
            if failing <= 1:
                out.append(i)
        return out

    def _conjuncts(self, k: int) -> list:
        preds = self._guard_cache.get(k)
        if preds is None:
            action = self.model.actions[k]
            conds = []
            for stmt in action.body:
                if not isinstance(stmt, ir.Require):
                    break
                conds += _split_and(stmt.cond)
            try:
                preds = [self.cm.predicate(c, list(action.params)) for c in conds]
            except Exception:  # noqa: BLE001 - a guard the predicate compiler cannot take: no preference
                preds = []
            self._guard_cache[k] = preds
        return preds

    def _param_values(self, inst: int) -> tuple:
        vals = self._values_cache.get(inst)
        if vals is None:
            k, codes = self.cm.instances[inst]
            vals = tuple(from_code(c, p.type) for p, c in zip(self.model.actions[k].params, codes))
            self._values_cache[inst] = vals
        return vals

    def first_instance(self, inst: int, enabled: set, want_enabled: bool) -> int | None:
        """The first instance of inst's action that is (or is not) enabled, for shrinking."""
        k = self.cm.instances[inst][0]
        return next((i for i in self.driven if self.cm.instances[i][0] == k and (i in enabled) == want_enabled),
                    None)

    def model_error(self, states: list[int], inst: int) -> str | None:
        """The run-time error the model raises for this step in one of the states, if it does."""
        name, params = self.labels[inst]
        for s in states:
            for step in self.cm.steps(s):
                if step.action == name and step.params == params and step.error is not None:
                    return f"{KIND_TITLES.get(step.error.kind, step.error.kind)} in {name}: {step.error.message}"
        return None


def _split_and(e: ir.Expr) -> list:
    if isinstance(e, ir.Op) and e.op == "and":
        return _split_and(e.args[0]) + _split_and(e.args[1])
    return [e]


def _key(params: dict) -> tuple:
    return tuple(sorted((k, repr(v)) for k, v in params.items()))


# ---- one run ---------------------------------------------------------------------------------

class Session:
    """A fresh implementation and the model states consistent with what it has shown."""

    def __init__(self, oracle: Oracle):
        self.o = oracle
        self.history: list = []    # [(instance, 'accepted' | 'refused', model states after)]
        self.n = 0
        self.cands: list[int] = []
        self.initial: list[int] = []
        self.adapter = None
        self._inst = None
        try:
            self.adapter = oracle.cls()
            self.adapter.setup(dict(oracle.consts))
        except RAISED as exc:  # the implementation's failure (even sys.exit) is a finding
            self.fail(CRASH, None, f"setup() raised {describe_exception(exc)}")
        obs = self.observe("in the initial state")
        codes = oracle.codes(obs)
        self.cands = [s for s in oracle.inits if oracle.matches(s, codes)]
        if not self.cands:
            self.fail(STATE, None, "the implementation's initial state is not an initial state of the model",
                      oracle.inits, obs)
        self.initial = list(self.cands)

    def observe(self, where: str) -> dict:
        try:
            raw = self.adapter.observe()
        except RAISED as exc:
            self.fail(CRASH, self._inst, f"observe() raised {describe_exception(exc)} ({where})")
        obs = normalize(self.o.model, raw, where)
        self.o.note_observed(obs)
        return obs

    def step(self, inst: int) -> str:
        """Performs one step on the implementation and checks it; returns 'accepted' or 'refused'."""
        o = self.o
        self._inst = inst
        self.n += 1
        name, params = o.labels[inst]
        allowed = list(dict.fromkeys(t for s in self.cands for i, t in o.succ(s) if i == inst))
        method = getattr(self.adapter, o.binding.methods[name])
        try:
            method(**params)
            outcome, why = "accepted", None
        except o.rejects as exc:
            outcome, why = "refused", exc
        except RAISED as exc:
            self.fail(CRASH, inst, f"{o.text(inst)} raised {describe_exception(exc)}", allowed, after=True)
        obs = self.observe(f"after step {self.n}, {o.text(inst)}")
        codes = o.codes(obs)
        if outcome == "accepted":
            nxt = [t for t in allowed if o.matches(t, codes)]
            if not nxt and not allowed:
                nxt = [s for s in self.cands if o.matches(s, codes)]
                if nxt:  # accepted and nothing changed: observably a refusal
                    outcome = "refused"
                else:
                    error = o.model_error(self.cands, inst)
                    if error:
                        self.fail(MODEL, inst, f"{error}; check the model first (syncproof check): conformance "
                                  "cannot judge this step", [], obs)
                    self.fail(ACCEPTED, inst, f"the implementation accepted {o.text(inst)}, which the model does "
                              "not allow here, and its state changed", self.cands, obs)
            elif not nxt:
                self.fail(STATE, inst, f"after {o.text(inst)} the implementation's state differs from the "
                          "model's", allowed, obs, after=True)
        else:
            stay = [s for s in self.cands if all(i != inst for i, _ in o.succ(s))]
            if not stay:
                self.fail(REFUSED, inst, f"the implementation refused {o.text(inst)} ({describe_exception(why)}), "
                          "which the model allows here", allowed, obs, after=True)
            nxt = [s for s in stay if o.matches(s, codes)]
            if not nxt:
                self.fail(STATE, inst, f"the implementation refused {o.text(inst)}, as the model does, but its "
                          "state changed", stay, obs)
        self.history.append((inst, outcome, nxt))
        self.cands = nxt
        return outcome

    def fail(self, kind: str, inst, message: str, expected=None, observed=None, after: bool = False):
        """Raises the Failure. `expected`: the model states allowed here (packed); `after`: they are
        the successors by the failing step (else: the states before it, which it should not leave)."""
        o = self.o
        name, params = o.labels[inst] if inst is not None else (None, {})
        names = list(observed) if observed is not None else list(o.vars)
        states = list(expected or [])
        if observed is not None and states:
            states.sort(key=lambda s: sum(v != observed[n] for n, v in o.view(s, names, observed).items()))
        views = [o.view(s, names, observed) for s in states]
        diffs = []
        if observed is not None and views:
            for n in names:
                diffs += [(where, e, got) for where, (e, got) in leaf_diffs(n, [views[0][n], observed[n]])]
        m = Mismatch(kind, self.n, name, dict(params), message, views, observed, diffs)
        m._states, m._inst, m._after = states, inst, after and bool(states)
        raise _FAILURES[kind](m, list(self.history), list(self.initial))

    def close(self, failing: bool) -> None:
        if self.adapter is None:
            return
        try:
            self.adapter.teardown()
        except RAISED as exc:
            if not failing:
                self._inst = None
                self.fail(CRASH, None, f"teardown() raised {describe_exception(exc)}")


def run_steps(oracle: Oracle, steps: list[tuple[int, str]], on_step=None, substitute: bool = False,
              exact: bool = False) -> list[tuple[int, str]]:
    """Runs (instance, take|probe) steps on a fresh implementation, leaving out those that no longer
    apply (a take the model does not allow, a probe it does), or with `substitute` replacing them
    by the first instance of the same action that applies; with `exact`, every step runs as it is
    (a replayed trace: where the model does not allow a step, the implementation must refuse it).
    Returns the steps run. A Failure it raises carries the steps run up to and including the
    failing one (`.steps`)."""
    done: list = []
    session = None
    failing = True
    try:
        session = Session(oracle)
        for inst, mode in steps:
            enabled = {i for s in session.cands for i, _ in oracle.succ(s)}
            if not exact and (mode == TAKE) != (inst in enabled):
                if not substitute:
                    continue
                inst = oracle.first_instance(inst, enabled, mode == TAKE)
                if inst is None:
                    continue
            done.append((inst, mode))
            session.step(inst)
            if on_step is not None:
                on_step(session)
        failing = False
    except Failure as f:
        f.steps = list(done)
        raise
    finally:
        if session is not None:
            session.close(failing)
    return done


# ---- conformance runs ------------------------------------------------------------------------

class Conformance:
    def __init__(self, model: ir.CheckedModel, cls: type[Adapter], options: ConformOptions, progress=None):
        self.model = model
        self.o = Oracle(model, cls)
        self.opts = options
        self.progress = progress
        self.seed = options.seed if options.seed is not None else random.SystemRandom().randrange(2 ** 32)
        self.r = ConformResult(model.name, model.path, _name(cls), "conformance", None, seed=self.seed,
                               max_steps=options.steps, constants=model.const_values())
        self.r.actions = {n: 0 for n in self.o.binding.methods}
        self._ints: dict = {}
        self._states: set[int] = set()
        self._first: float | None = None
        self._explore = None
        self._post_runs = 0
        self._adapter_error: AdapterError | None = None

    def run_once(self, data) -> None:
        if self._adapter_error is not None:  # the adapter is wrong: stop testing, report it
            return
        o, r = self.o, self.r
        r.runs += 1
        steps: list = []
        session = None
        failing = True
        try:
            session = Session(o)
            self._states.update(session.cands)
            off = swarm(data, len(self.model.actions), self._ints)
            for _ in range(self.opts.steps):
                if not room_for_more(data):
                    break
                inst, mode = self._draw(data, session, avoided(data, off, self._ints))
                if inst is None:
                    break
                before = self._enabled(session) if mode == TAKE else None
                self._step(session, steps, inst, mode)
                if before is not None:
                    inst, mode = self._boundary(data, session, before)
                    if inst is not None:
                        self._step(session, steps, inst, mode)
            failing = False
        except AdapterError as exc:  # not a finding about the implementation: no shrinking
            self._adapter_error = exc
            failing = False
        except Failure as exc:
            exc.steps = steps
            if self._first is None:  # from here on, hypothesis is shrinking
                self._first = time.perf_counter()
                self._explore = (r.runs, r.steps, r.probes, r.refusals, dict(r.actions))
            raise
        finally:
            if session is not None:
                session.close(failing)
            if self.progress is not None and r.runs % 10 == 0:
                self.progress(r.runs, r.steps, time.perf_counter() - self.start, self._first is not None)

    def _step(self, session: Session, steps: list, inst: int, mode: str) -> None:
        r = self.r
        steps.append((inst, mode))
        r.steps += 1
        r.probes += mode == PROBE
        r.actions[self.o.labels[inst][0]] += 1
        if session.step(inst) == "refused":
            r.refusals += 1
        self._states.update(session.cands)

    def _enabled(self, session: Session) -> set[int]:
        return {i for s in session.cands for i, _ in self.o.succ(s)}

    def _boundary(self, data, session: Session, before: set[int]):
        """Half the time after a step, a probe of an instance that step disabled: the guard a
        missing check forgets is most often the one that just became false (exercise right after
        expiry). Drawn as 'no probe' first, so shrinking drops it."""
        if not self.o.cls.check_guards or not before:
            return None, None
        recent: dict[int, list[int]] = {}
        for i in sorted(before - self._enabled(session)):
            if i in self.o.driven_set:
                recent.setdefault(self.o.cm.instances[i][0], []).append(i)
        if not recent or draw_index(data, 2, self._ints) == 0:
            return None, None
        keys = sorted(recent)
        options = recent[keys[draw_index(data, len(keys), self._ints)]]
        return options[draw_index(data, len(options), self._ints)], PROBE

    def _draw(self, data, session: Session, off: set):
        """An action the model allows, then its instance; or a probe: an action, then one of its
        instances the model does not allow here. Actions the run's swarm leaves out are avoided
        while others can be taken."""
        o = self.o
        by_action: dict[int, list[int]] = {}
        for s in session.cands:
            for i, _ in o.succ(s):
                lst = by_action.setdefault(o.cm.instances[i][0], [])
                if i not in lst:
                    lst.append(i)
        actions = [k for k in sorted(by_action) if k not in off] or sorted(by_action)
        enabled = {i for lst in by_action.values() for i in lst}
        probes: dict[int, list[int]] = {}
        if o.cls.check_guards:
            for i in o.driven:
                if i not in enabled:
                    probes.setdefault(o.cm.instances[i][0], []).append(i)
            probes = {k: v for k, v in probes.items() if k not in off} or probes
        n = len(actions) + (1 if probes else 0)
        if n == 0:
            return None, None
        pick = draw_index(data, n, self._ints)
        if pick == len(actions):
            if draw_index(data, 2, self._ints) == 0:  # half the probes: a near miss, if there is one
                near: dict[int, list[int]] = {}
                for i in o.near_misses(session.cands[0], [i for lst in probes.values() for i in lst]):
                    near.setdefault(o.cm.instances[i][0], []).append(i)
                probes = near or probes
            keys = sorted(probes)
            options = probes[keys[draw_index(data, len(keys), self._ints)]]
            return options[draw_index(data, len(options), self._ints)], PROBE
        options = sorted(by_action[actions[pick]])
        return options[draw_index(data, len(options), self._ints)], TAKE

    def run(self) -> ConformResult:
        self.start = time.perf_counter()
        r = self.r

        @hypothesis_seed(self.seed)
        @hypothesis_settings(self.opts.runs)
        @given(st.data())
        def conformance(data):
            self.run_once(data)

        try:
            conformance()
        except Failure as exc:
            r.mismatch = self._shrunk(exc)
        except Flaky as exc:
            r.mismatch = Mismatch(FLAKY, 0, None, {}, "a failing run did not fail when hypothesis ran the same "
                                  "steps again: the implementation depends on something besides the steps (time, "
                                  "randomness, state shared between runs); try conform --determinism "
                                  f"({type(exc).__name__})", [], None, [])
        if self._adapter_error is not None:
            raise self._adapter_error
        end = time.perf_counter()
        first = self._first or end
        if self._explore is not None:
            total = r.runs
            r.runs, r.steps, r.probes, r.refusals, r.actions = self._explore
            r.shrink_runs = total - r.runs + self._post_runs
        r.seconds = first - self.start
        r.shrink_seconds = end - first
        r.model_states = len(self._states)
        self._finish()
        return r

    def _shrunk(self, exc: Failure) -> Mismatch:
        """hypothesis's shrunk failure, without the steps it does not need."""
        want = (exc.mismatch.kind, exc.mismatch.action)
        final = exc

        def fails(candidate):
            self._post_runs += 1
            try:
                run_steps(self.o, candidate, substitute=True)
            except Failure as f:
                if (f.mismatch.kind, f.mismatch.action) == want:
                    return f.steps
            return None

        steps = getattr(exc, "steps", None)
        if steps:
            best = shorten(steps, fails, self.opts.shrink_budget)
            if len(best) < len(steps):
                try:
                    run_steps(self.o, best, substitute=True)
                except Failure as f:
                    final = f
        return describe(self.o, final)

    def _finish(self) -> None:
        r = self.r
        r.observed = [n for n in self.o.vars if n in self.o.observed]
        never = [n for n, c in r.actions.items() if c == 0]
        if r.mismatch is None:
            if never:
                r.warnings.append(f"warning: never taken: {', '.join(never)} (no run reached a state where the "
                                  "model allows them)")
            if self.o.cls.check_guards and not r.probes:
                r.warnings.append("warning: no step the model does not allow was tried")
        if self.o.binding.skipped:
            r.warnings.append(f"note: the adapter skips {', '.join(self.o.binding.skipped)}: runs never take them")
        hidden = [n for n in self.o.vars if n not in r.observed] + self.o.unobserved_fields
        if hidden and r.observed:
            r.warnings.append(f"note: not observed: {', '.join(hidden)} (the model follows every value they may "
                              "have)")


def _name(cls) -> str:
    return f"{cls.__module__}:{cls.__qualname__}"


# ---- the report of a failure -------------------------------------------------------------------

def describe(o: Oracle, f: Failure) -> Mismatch:
    """The mismatch with the model's trace up to it: one path through the states the run allowed,
    ending in the expected state closest to the observation."""
    m = f.mismatch
    states, inst, after = m._states, m._inst, m._after
    current = f.history[-1][2] if f.history else f.initial
    last_inst = None
    if not f.history and not f.initial:          # setup or the initial observation failed
        path = states[:1] or o.inits[:1]
    elif after:                                  # the expected state is a successor by the step
        target = states[0]
        prev = next(p for p in current if any(i == inst and t == target for i, t in o.succ(p)))
        path = _path_to(o, f, prev) + [target]
        last_inst = inst
    else:                                        # the step should have left the state as it was
        base = [s for s in states if s in current] or current
        path = _path_to(o, f, base[0])
    steps, refused = _trace_steps(o, f, path, last_inst)
    error_step = None
    if inst is not None and last_inst is None:
        name, params = o.labels[inst]
        error_step = TraceStep({}, name, params)
    m.trace = Trace(o.model.name, "conformance", "conformance", steps, f"{TITLES[m.kind]}: {m.message}",
                    error_step, None, constants=o.model.const_values(), engine="conformance")
    m.refused_steps = refused
    return m


def _path_to(o: Oracle, f: Failure, last: int) -> list[int]:
    """States s0 .. sn through the run's sets of model states, ending in `last`."""
    sets = [f.initial] + [c for _, _, c in f.history]
    path = [last]
    for n in range(len(f.history), 0, -1):
        inst, outcome, _ = f.history[n - 1]
        cur = path[-1]
        if outcome == "refused":
            prev = cur
        else:
            prev = next(p for p in sets[n - 1] if any(i == inst and t == cur for i, t in o.succ(p)))
        path.append(prev)
    path.reverse()
    return path


def _trace_steps(o: Oracle, f: Failure, path: list[int], last_inst) -> tuple[list[TraceStep], list[int]]:
    steps = [TraceStep(o.cm.decode(path[0]))] if path else []
    refused = []
    labels = [(inst, outcome) for inst, outcome, _ in f.history]
    if last_inst is not None:
        labels.append((last_inst, "accepted"))
    for n, (inst, outcome) in enumerate(labels[:len(path) - 1], 1):
        name, params = o.labels[inst]
        prev, cur = path[n - 1], path[n]
        if outcome == "refused":
            steps.append(TraceStep(o.cm.decode(cur), f"{REFUSED_PREFIX}{name}", params))
            refused.append(n)
            continue
        choice = next((st_.choices for st_ in o.cm.steps(prev)
                       if st_.action == name and st_.params == params and st_.state == cur), ())
        steps.append(TraceStep(o.cm.decode(cur), name, params, choice))
    return steps, refused


# ---- replaying an ITF trace against an implementation ---------------------------------------------

def trace_steps(doc: dict, o: Oracle) -> tuple[list[tuple[int, str]], list[str]]:
    """The steps of an ITF trace as (instance, take|probe), and notes about what is left out."""
    check_document(doc)
    out, notes = [], []
    actions = {a.name: a for a in o.model.actions}
    states = doc.get("states", [])
    names = [v.name for v in o.model.vars]
    if sorted(doc.get("vars", [])) != sorted(names):
        raise ITFError(f"the trace's variables ({', '.join(map(str, doc.get('vars', [])))}) are not those of "
                       f"{o.model.name} ({', '.join(names)}): it is a trace of another model")
    if len(states) < 2 and not doc.get("#meta", {}).get("failing-step"):
        notes.append("the trace has no steps: there is nothing to replay")
    for i, st_ in enumerate(states[1:], 1):
        meta = st_.get("#meta", {})
        label = meta.get("action")
        if label == "(stutter)":
            refused = meta.get("refused")
            if refused is not None:
                out.append((_instance(o, actions, refused, i, f"states[{i}].#meta.refused"), PROBE))
            continue
        if label is None:
            raise ITFError(f"state {i} of the trace does not say which action led to it (#meta.action); "
                           "conformance replay needs labelled steps")
        out.append((_instance(o, actions, meta, i, f"states[{i}].#meta"), TAKE))
    failing = doc.get("#meta", {}).get("failing-step")
    if failing is not None and failing.get("action") in actions:
        if doc.get("#meta", {}).get("kind") == Kind.RUNTIME:
            notes.append(f"the trace ends in a run-time error of the model ({failing['action']}); that step is not "
                         "run on the implementation")
        else:
            out.append((_instance(o, actions, failing, len(states), "#meta.failing-step"), PROBE))
    return out, notes


def _instance(o: Oracle, actions: dict, step: dict, i: int, where: str) -> int:
    """The instance a step of the trace names (its "action" and "parameters"; where it is in the
    document, for messages), before state i."""
    name, params = step.get("action"), step.get("parameters")
    if name not in actions:
        raise ITFError(f"state {i}: the model has no action '{name}'")
    if name not in o.binding.methods:
        raise AdapterError(Diagnostic("E702", f"state {i} of the trace is a {name} step, and the adapter skips "
                                      f"{name}", None, "remove it from the adapter's skip to replay this trace"))
    act = actions[name]
    plain = {}
    for p in act.params:
        if not isinstance(params, dict) or p.name not in params:
            raise ITFError(f"state {i}: the step {name} lacks parameter '{p.name}'")
        plain[p.name] = from_itf(p.type, params[p.name], f"{where}.parameters.{p.name}")
    inst = o.by_label.get((name, _key(plain)))
    if inst is None:
        raise ITFError(f"state {i}: {name} has no instance with parameters {plain}")
    return inst


def replay_trace(doc: dict, model: ir.CheckedModel, cls: type[Adapter]) -> ConformResult:
    """Drives a fresh implementation through the trace's steps, the model being the oracle."""
    o = Oracle(model, cls)
    start = time.perf_counter()
    r = ConformResult(model.name, model.path, _name(cls), "replay", None, constants=model.const_values())
    steps, r.warnings = trace_steps(doc, o)
    r.runs = 1

    def count(session):
        r.steps += 1
    try:
        run_steps(o, steps, count, exact=True)
    except Failure as f:
        r.mismatch = describe(o, f)
        r.steps = f.mismatch.step
    r.seconds = time.perf_counter() - start
    return r


# ---- the Python API (for pytest) ---------------------------------------------------------------

def _model(model, consts, adapter=None):
    """A checked model from a path (or the adapter's `model` when None)."""
    if isinstance(model, ir.CheckedModel):
        return model
    if model is None:
        model = getattr(adapter, "model", None)
        if model is None:
            raise AdapterError(Diagnostic("E701", f"no model given, and {adapter.__name__}.model is not set", None,
                                          "pass the model's path, or set model = \"models/x.sync\" in the adapter"))
    return load(str(model), consts)


def conform(model, adapter: type[Adapter], *, runs: int = 100, steps: int = 30, seed: int | None = 0,
            consts=None) -> ConformResult:
    """Runs conformance; `model` is a path, a checked model, or None for the adapter's `model`.
    A fixed seed by default (tests)."""
    return Conformance(_model(model, consts, adapter), adapter, ConformOptions(runs, steps, seed)).run()


def assert_conforms(model, adapter: type[Adapter], **kwargs) -> ConformResult:
    """`conform`, failing the test with the report (step, expected, observed, trace) on a mismatch."""
    result = conform(model, adapter, **kwargs)
    if not result.ok:
        raise AssertionError("\n" + report_text(result))
    return result


def assert_replays(trace, model, adapter: type[Adapter], consts=None) -> ConformResult:
    """Replays an ITF trace (a path or a document) against the implementation; fails on a mismatch."""
    doc = trace if isinstance(trace, dict) else read_document(trace)
    if consts is None and not isinstance(model, ir.CheckedModel):
        consts = trace_consts(doc, str(model))  # the constants recorded in the trace, as replay reads them
    result = replay_trace(doc, _model(model, consts, adapter), adapter)
    if not result.ok:
        raise AssertionError("\n" + report_text(result))
    return result


def report_text(result: ConformResult) -> str:
    buf = StringIO()
    print_conform(result, text_console(buf))
    return buf.getvalue()

