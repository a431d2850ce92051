"""The explicit-state engine: breadth-first search over packed integer states.

Level by level: the generated `expand` checks the invariants of every state
of the level and computes its successors; new successors (after symmetry
reduction) are found with one vectorised look-up in the fingerprint set and
form the next level. Breadth-first order makes the first violation of each
property a shortest one.

What is kept per state: its fingerprint in the visited set (8 bytes), and in
the trace store its fingerprint and its parent's index in the previous level
(12 bytes). A trace is rebuilt by walking parents back to an initial state,
then re-executing forward with the reference interpreter and picking, at each
step, the successor with the recorded fingerprint (TLC does the same).

With `workers > 1`, chunks of a level are expanded in other processes and
merged in order, so the result, the statistics and every trace are the same
for any number of workers.
"""

from __future__ import annotations

import multiprocessing
import os
import time
from dataclasses import dataclass

import numpy as np

from spec import ir
from spec.diagnostics import Diagnostic, SpecError
from spec.runtime import KIND_TITLES, ModelError

from .compiled import CompiledModel
from .enumerable import require_enumerable
from .determinism import check_all as check_determinism
from .explain import explain_invariant
from .graph import GraphLimit, StateGraph
from .liveness import check_properties as check_temporal
from .result import (EXHAUSTIVE, PropertyResult, Result, Stats, Trace, TraceStep, Verdict)
from .symmetry import Canonicalizer
from .visited import FingerprintSet

DEADLOCK = "deadlock"
RUNTIME = "runtime"


@dataclass(frozen=True)
class ExplicitOptions:
    invariants: tuple[str, ...] | None = None   # None: every invariant
    deadlock: bool = True
    symmetry: bool = True
    workers: int = 1
    max_states: int | None = None
    max_depth: int | None = None
    timeout: float | None = None
    stop_at_first: bool = True                  # False: find every property's shortest violation
    chunk: int = 4096

    def __post_init__(self):
        for name in ("workers", "chunk"):
            if getattr(self, name) < 1:
                raise ValueError(f"ExplicitOptions.{name} must be at least 1, not {getattr(self, name)}")


@dataclass
class Progress:
    states: int
    transitions: int
    depth: int
    queue: int
    seconds: float


def select_invariants(model: ir.CheckedModel, names) -> ir.CheckedModel:
    """The model with only the named properties (invariants, temporal, determinism); all when None."""
    if names is None:
        return model
    groups = ("invariants", "properties", "deterministic", "commutes")
    known = [x.name for g in groups for x in getattr(model, g)]
    bad = [n for n in names if n not in known]
    if bad:
        from spec.diagnostics import suggest
        raise SpecError([Diagnostic("E604", f"--property {n}: the model has no property '{n}'", None,
                                    suggest(n, known) or f"properties: {', '.join(known) or 'none'}")
                         for n in bad])
    import copy
    m = copy.copy(model)
    for g in groups:
        setattr(m, g, [x for x in getattr(model, g) if x.name in names])
    return m


class _Level:
    """The outcome of expanding one level (or the merge of its chunks)."""

    def __init__(self, n_actions: int):
        self.nxt: dict[int, int] = {}
        self.counts = [0] * n_actions
        self.bad: list[int] = []
        self.dead = -1
        self.err = None

    def merge(self, offset: int, nxt, counts, bad, dead, err) -> None:
        mine = self.nxt
        for t, p in nxt.items():
            if t not in mine:
                mine[t] = p + offset
        for k, c in enumerate(counts):
            self.counts[k] += c
        self.bad.extend(b + offset for b in bad)
        if self.dead < 0 and dead >= 0:
            self.dead = dead + offset
        if self.err is None and err is not None:
            i, k, x = err
            self.err = (i + offset, k, x)


# ---- worker processes ------------------------------------------------------------

_WORKER: dict = {}


def _worker_init(model: ir.CheckedModel | None, symmetry: bool) -> None:
    if model is not None:  # spawned: compile here (forked workers inherit it)
        cm = CompiledModel(model)
        _WORKER["cm"] = cm
        _WORKER["canon"] = Canonicalizer(model, model.symmetric).canon if symmetry and model.symmetric else None


def _expand_chunk(chunk: list[int]):
    cm, canon = _WORKER["cm"], _WORKER["canon"]
    nxt, counts, bad, dead, err = cm.expand(chunk)
    if canon is not None:
        nxt = _canonical(nxt, canon)
    return nxt, counts, bad, dead, err


def _canonical(nxt: dict, canon) -> dict:
    out: dict[int, int] = {}
    for t, p in nxt.items():
        c = canon(t)
        if c not in out:
            out[c] = p
    return out


class Explorer:
    def __init__(self, model: ir.CheckedModel, options: ExplicitOptions, progress=None):
        require_enumerable(model)  # symbolic constants, parameters too wide to enumerate: E520
        self.full_model = model
        self.model = select_invariants(model, options.invariants)
        self.opts = options
        self.progress = progress
        self.cm = CompiledModel(self.model)
        self.symmetric = list(self.model.symmetric) if options.symmetry else []
        self.canon = Canonicalizer(self.model, self.symmetric).canon if self.symmetric else None
        self.visited = FingerprintSet(exact=self.model.state_bits <= 64)
        self.level_fps: list[np.ndarray] = []
        self.level_parents: list[np.ndarray] = []
        self.pool = None

    # ---- the search ---------------------------------------------------------------

    def run(self) -> Result:
        start = time.perf_counter()
        self.start = start
        stats = Stats(workers=self.opts.workers, symmetry=[t.name for t in self.symmetric])
        found: dict[str, PropertyResult] = {}
        reason = ""
        try:
            frontier = self._initial(found)
        except ModelError as exc:
            self._init_error(exc, found)
            frontier = []
        transitions = 0
        depth = 0
        counts = [0] * len(self.model.actions)
        exhausted = False
        try:
            if self.opts.workers > 1 and frontier:
                self._start_pool()
            while frontier:
                level = self._expand(frontier, transitions)
                if level is None:
                    reason = f"time limit of {self.opts.timeout:g}s reached at depth {depth}"
                    break
                for k, c in enumerate(level.counts):
                    counts[k] += c
                transitions += sum(level.counts)
                self._violations(level, frontier, depth, found)
                if found and self.opts.stop_at_first:
                    break
                new, parents = self._dedup(level.nxt)
                if not new:
                    exhausted = True
                    break
                if self.opts.max_depth is not None and depth + 1 > self.opts.max_depth:
                    reason = f"depth limit {self.opts.max_depth} reached; {len(new)} states at depth " \
                             f"{depth + 1} were not explored"
                    break
                depth += 1
                frontier = new
                if self.opts.max_states is not None and len(self.visited) >= self.opts.max_states:
                    reason = f"state limit {self.opts.max_states} reached at depth {depth} " \
                             f"({len(frontier)} states not expanded)"
                    break
                if self._timed_out():
                    reason = f"time limit of {self.opts.timeout:g}s reached at depth {depth}"
                    break
            else:
                exhausted = True
        finally:
            self._stop_pool()
        elapsed = time.perf_counter() - start
        stats.distinct_states = len(self.visited)
        stats.transitions = transitions
        stats.depth = depth
        stats.seconds = elapsed
        stats.states_per_second = len(self.visited) / elapsed if elapsed > 0 else 0.0
        stats.visited_bytes = self.visited.nbytes
        stats.trace_bytes = sum(a.nbytes for a in self.level_fps) + sum(a.nbytes for a in self.level_parents)
        stats.collision_probability = self.visited.collision_probability()
        stats.fingerprint = "exact" if self.visited.exact else "64-bit"
        stats.actions = {a.name: c for a, c in zip(self.model.actions, counts)}
        complete = exhausted and not reason
        graph_results = None
        if self._has_graph_properties() and complete and not (found and self.opts.stop_at_first):
            graph_results, reason = self._graph_properties(stats)
            complete = not reason
        stats.seconds = time.perf_counter() - start
        return self._result(found, stats, complete, reason, graph_results)

    # ---- temporal and determinism properties: on the whole state graph -----------------

    def _has_graph_properties(self) -> bool:
        m = self.model
        return bool(m.properties or m.deterministic or m.commutes)

    def _graph_properties(self, stats: Stats):
        t0 = time.perf_counter()
        deadline = None if self.opts.timeout is None else self.start + self.opts.timeout
        try:
            graph = StateGraph(self.cm, self.opts.max_states, deadline)
        except GraphLimit as exc:
            return None, str(exc)
        results = check_temporal(self.model, self.cm, graph) + check_determinism(self.model, self.cm, graph)
        stats.graph_states = len(graph)
        stats.graph_edges = graph.edge_count
        stats.graph_bytes = graph.nbytes
        stats.graph_seconds = time.perf_counter() - t0
        return results, ""

    def _initial(self, found) -> list[int]:
        states, failures = self.cm.init_outcomes()
        if failures:  # the ways through init that succeed are still initial states
            self._init_error(failures[0], found)
            if self.opts.stop_at_first:
                return []
        if self.canon is not None:
            seen, canon_states = set(), []
            for s in states:
                c = self.canon(s)
                if c not in seen:
                    seen.add(c)
                    canon_states.append(c)
            states = canon_states
        fps = self.visited.fingerprints(states)
        new = self.visited.add_new(fps)
        states = [s for s, n in zip(states, new) if n]
        self.level_fps.append(fps[new])
        self.level_parents.append(np.zeros(len(states), dtype=np.uint32))
        return states

    def _timed_out(self) -> bool:
        return self.opts.timeout is not None and time.perf_counter() - self.start > self.opts.timeout

    def _expand(self, frontier: list[int], transitions: int) -> _Level | None:
        level = _Level(len(self.model.actions))
        size = self.opts.chunk
        chunks = [(i, frontier[i:i + size]) for i in range(0, len(frontier), size)]
        if self.pool is not None and len(chunks) > 1:
            results = self.pool.imap(_expand_chunk, [c for _, c in chunks])
        else:
            results = (self._expand_local(c) for _, c in chunks)
        for (offset, chunk), res in zip(chunks, results):
            level.merge(offset, *res)
            if self.progress is not None:
                self.progress(Progress(len(self.visited), transitions + sum(level.counts), len(self.level_fps) - 1,
                                       len(frontier) - offset - len(chunk), time.perf_counter() - self.start))
            if self._timed_out():
                return None
        return level

    def _expand_local(self, chunk):
        nxt, counts, bad, dead, err = self.cm.expand(chunk)
        if self.canon is not None:
            nxt = _canonical(nxt, self.canon)
        return nxt, counts, bad, dead, err

    def _dedup(self, nxt: dict[int, int]):
        if not nxt:
            return [], []
        keys = list(nxt)
        fps = self.visited.fingerprints(keys)
        new = self.visited.add_new(fps)
        idx = np.flatnonzero(new)
        states = [keys[i] for i in idx.tolist()]
        parents = np.fromiter((nxt[s] for s in states), dtype=np.uint32, count=len(states))
        self.level_fps.append(fps[new])
        self.level_parents.append(parents)
        return states, parents

    # ---- workers ----------------------------------------------------------------------

    def _start_pool(self) -> None:
        methods = multiprocessing.get_all_start_methods()
        if "fork" in methods:
            ctx = multiprocessing.get_context("fork")
            _WORKER["cm"] = self.cm
            _WORKER["canon"] = self.canon
            self.pool = ctx.Pool(self.opts.workers, initializer=_worker_init, initargs=(None, False))
        else:  # pragma: no cover - platforms without fork
            ctx = multiprocessing.get_context("spawn")
            self.pool = ctx.Pool(self.opts.workers, initializer=_worker_init,
                                 initargs=(self.model, bool(self.symmetric)))

    def _stop_pool(self) -> None:
        if self.pool is not None:
            self.pool.terminate()
            self.pool.join()
            self.pool = None

    # ---- violations -------------------------------------------------------------------

    def _violations(self, level: _Level, frontier: list[int], depth: int, found: dict) -> None:
        invs = self.model.invariants
        for i in level.bad:
            if all(inv.name in found for inv in invs):
                break
            outcome = self.cm.invariants(frontier[i])
            for inv, ok in zip(invs, outcome):
                if ok is True or inv.name in found:
                    continue
                message = f"invariant {inv.name} is violated"
                if isinstance(ok, ModelError):
                    message = f"invariant {inv.name} cannot be evaluated: {ok.message}"
                trace = self._trace(depth, i, inv.name, inv.kind, message, inv.span)
                trace.explanation = explain_invariant(self.model, inv, self.cm.unpack(trace._states[-1]))
                found[inv.name] = PropertyResult(inv.name, inv.kind, Verdict.VIOLATED, message,
                                                 _where(inv.span), trace)
        if self.opts.deadlock and level.dead >= 0 and DEADLOCK not in found:
            message = "deadlock: no action is enabled in the last state"
            trace = self._trace(depth, level.dead, DEADLOCK, DEADLOCK, message, None)
            found[DEADLOCK] = PropertyResult(DEADLOCK, DEADLOCK, Verdict.VIOLATED, message, None, trace)
        if level.err is not None and RUNTIME not in found:
            i, k, exc = level.err
            found[RUNTIME] = self._runtime_violation(depth, i, k, exc)

    def _runtime_violation(self, depth: int, i: int, k: int, exc: ModelError) -> PropertyResult:
        action = self.model.actions[k].name
        trace = self._trace(depth, i, RUNTIME, RUNTIME, "", None)
        last = self._replay_state(trace)
        step = next((st for st in self.cm.steps(last) if st.action == action and st.error is not None), None)
        if step is None:
            raise RuntimeError(f"internal error: the interpreter does not reproduce the failure of {action}")
        err = step.error
        span = err.span or self.cm.site_span(err) or self.model.actions[k].span
        title = KIND_TITLES.get(err.kind, err.kind)
        message = f"{title} in {action}: {err.message}"
        trace.message = message
        trace.error_step = TraceStep({}, action, step.params, step.choices)
        trace.where = _where(span)
        trace.kind = RUNTIME
        return PropertyResult(RUNTIME, RUNTIME, Verdict.VIOLATED, message, _where(span), trace)

    def _init_error(self, exc: ModelError, found: dict) -> None:
        span = exc.span or self.model.span
        title = KIND_TITLES.get(exc.kind, exc.kind)
        message = f"{title} in init: {exc.message}"
        trace = Trace(self.model.name, RUNTIME, RUNTIME, [], message,
                      TraceStep({}, "init", {}, tuple(exc.choices or ())), _where(span),
                      constants=self.model.const_values())
        found[RUNTIME] = PropertyResult(RUNTIME, RUNTIME, Verdict.VIOLATED, message, _where(span), trace)

    # ---- traces -----------------------------------------------------------------------

    def _fp(self, s: int) -> int:
        c = self.canon(s) if self.canon is not None else s
        return int(self.visited.fingerprints([c])[0])

    def _trace(self, depth: int, index: int, prop: str, kind: str, message: str, span) -> Trace:
        chain = [index]
        for d in range(depth, 0, -1):
            chain.append(int(self.level_parents[d][chain[-1]]))
        chain.reverse()
        fps = [int(self.level_fps[d][i]) for d, i in enumerate(chain)]
        inits = self.cm.init_states()
        current = next((s for s in inits if self._fp(s) == fps[0]), None)
        if current is None:
            raise RuntimeError("internal error: the trace's initial state is not an initial state")
        steps = [TraceStep(self.cm.decode(current))]
        states = [current]
        for d in range(1, depth + 1):
            step = next((st for st in self.cm.steps(current)
                         if st.state is not None and self._fp(st.state) == fps[d]), None)
            if step is None:
                raise RuntimeError(f"internal error: cannot rebuild step {d} of the trace "
                                   "(the compiled code and the interpreter disagree)")
            current = step.state
            states.append(current)
            steps.append(TraceStep(self.cm.decode(current), step.action, step.params, step.choices))
        trace = Trace(self.model.name, prop, kind, steps, message, None, _where(span),
                      constants=self.full_model.const_values())
        trace._states = states  # packed, for the caller
        return trace

    def _replay_state(self, trace: Trace) -> int:
        return trace._states[-1]

    # ---- the result ---------------------------------------------------------------------

    def _result(self, found: dict, stats: Stats, exhausted: bool, reason: str, graph_results=None) -> Result:
        props = []
        stopped = bool(found) and self.opts.stop_at_first
        pending = "not decided: the search stopped at the first violation" if stopped else reason
        for inv in self.model.invariants:
            props.append(found.get(inv.name) or _open(inv.name, inv.kind, _where(inv.span), exhausted, pending))
        if graph_results is not None:
            props.extend(graph_results)
            found = dict(found)
            found.update({p.name: p for p in graph_results if p.verdict is Verdict.VIOLATED})
        else:
            m = self.model
            for name, kind, span in ([(p.name, "temporal", p.span) for p in m.properties]
                                     + [(d.name, "determinism", d.span) for d in m.deterministic]
                                     + [(c.name, "commute", c.span) for c in m.commutes]):
                props.append(_open(name, kind, _where(span), False, pending or reason))
        if self.opts.deadlock:
            props.append(found.get(DEADLOCK) or _open(DEADLOCK, DEADLOCK, None, exhausted, pending))
        props.append(found.get(RUNTIME) or _open(RUNTIME, RUNTIME, None, exhausted, pending))
        if found:
            verdict = Verdict.VIOLATED
        elif exhausted:
            verdict = Verdict.HOLDS
        else:
            verdict = Verdict.INCONCLUSIVE
        for p in props:
            if p.trace is not None:
                p.trace.constants = self.full_model.const_values()
        warnings = [w.render() for w in self.model.warnings]
        never = [name for name, c in stats.actions.items() if c == 0]
        if exhausted and never:
            warnings.append(f"warning: no transition from {', '.join(never)}: never enabled (or it always "
                            "fails); a guard that is never true makes 'holds' vacuous for that action")
        return Result(self.model.name, self.model.path, "explicit", verdict,
                      EXHAUSTIVE if verdict is not Verdict.INCONCLUSIVE else "unknown", props, stats,
                      reason if verdict is Verdict.INCONCLUSIVE else "",
                      warnings, self.full_model.const_values())


def _open(name, kind, where, exhausted, reason) -> PropertyResult:
    if exhausted:
        return PropertyResult(name, kind, Verdict.HOLDS, "", where)
    return PropertyResult(name, kind, Verdict.INCONCLUSIVE, reason, where)


def _where(span) -> str | None:
    return span.where if span is not None else None


def check(model: ir.CheckedModel, options: ExplicitOptions | None = None, progress=None) -> Result:
    return Explorer(model, options or ExplicitOptions(), progress).run()


def default_workers() -> int:
    return max(1, (os.cpu_count() or 1))
