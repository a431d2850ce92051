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

With `workers > 1`, the search is partitioned (`checker.engines.explicit.partition`):
each worker process owns the visited set, the frontier and the trace store of
one hash partition of the states, and expands, deduplicates and admits its own
states; this process only routes batches between them and adds up counts. The
order of a level is the same for any number of workers, so the result, the
statistics and every trace are too. In one process a level is expanded a
chunk at a time, a chunk sized from the measured cost of a state to take
about CHUNK_SECONDS, so the time limit, Ctrl-C and the progress display are
served between chunks whatever a level costs (workers report their progress
within a level the same way).

Limits hold in every phase (`checker.core.limits`): the initial states, the
search, the state graph, the temporal and determinism checks each tick the
run's budget. `max_states` is exact: the visited set admits new states in
their fixed order only up to the limit, and the states admitted are still
checked (expanded) before the search stops.
"""

from __future__ import annotations

import dataclasses
import json
import os
import shutil
import tempfile
import time
from dataclasses import dataclass

import numpy as np

from spec import ir
from spec.refinement import Refinement
from spec.runtime import KIND_TITLES, ModelError

from checker.core.explain import explain_invariant
from checker.core.kinds import Kind, Strength
from checker.core.limits import Budget, Interrupted, Progress, Stopped, ctrl_c_at_checks, interrupted_reason
from checker.core.properties import (require_no_graph_properties_with_constraints, select_invariants,
                                     step_message, where_of)
from checker.core.result import (GraphStats, PropertyResult, Result, SearchStats, Stats, Trace, TraceStep, Verdict,
                                 open_reasons)
from checker.engines.explicit import checkpoint
from checker.engines.explicit.compiled import CompiledModel
from checker.engines.explicit.determinism import check_all as check_determinism
from checker.engines.explicit.enumerable import require_enumerable
from checker.engines.explicit.graph import GraphBuilder, GraphLimit, StateGraph, checking
from checker.engines.explicit.level import KERNEL_CHUNKS, ChunkSizer, FirstSeen, Level, Successors, canonical
from checker.engines.explicit.limbs import state_at, state_ints
from checker.engines.explicit.liveness import check_properties as check_temporal
from checker.engines.explicit.partition import KEY_LIMIT, LocalGroup, WorkerDied, owners
from checker.engines.explicit.raygroup import RayGroup
from checker.engines.explicit.refinement import check_refinements
from checker.engines.explicit.refinement_fairness import check_abstract_fairness, fairness_names
from checker.engines.explicit.refinement_fairness import unchecked as unchecked_fairness
from checker.engines.explicit.symmetry import Canonicalizer
from checker.engines.explicit.tracestore import TraceStore
from checker.engines.explicit.visited import FingerprintSet


HANDED_BACK = "numpy, and the generated code where an action fails"   # SearchStats.kernel
RESTARTS = 3   # a run with checkpoints resumes after at most this many worker deaths


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
    until: tuple[str, ...] = ()                 # stop at the first violation only once all these are found
    chunk: int = 4096                           # states in a chunk of a level, at most
    cluster: str | None = None                  # Ray: "local", "auto" or "ray://HOST:PORT" (None: processes)
    checkpoint: str | None = None               # directory of checkpoints (`checker.engines.explicit.checkpoint`)
    checkpoint_every: float = 600.0             # seconds between checkpoints, at least (one at a level's end)
    resume: str | None = None                   # directory of a checkpoint to continue from
    # levels of at least this many states are expanded by the level kernel (numpy, `vector`) where
    # the model allows it; None: never. Below it the generated code is as fast.
    kernel_from: int | None = 1024

    def __post_init__(self):
        for name in ("workers", "chunk"):
            if getattr(self, name) < 1:
                raise ValueError(f"ExplicitOptions.{name} must be at least 1, not {getattr(self, name)}")

    def stops(self, found) -> bool:
        """Whether the search ends, having found violations of `found` (names): at the first, unless
        `until` names properties (what `syncproof ci` expects to fail) not all found yet."""
        return self.stop_at_first and bool(found) and set(self.until) <= set(found)


class Explorer:
    def __init__(self, model: ir.CheckedModel, options: ExplicitOptions, progress=None,
                 budget: Budget | None = None):
        require_enumerable(model)  # symbolic constants, parameters too wide to enumerate: E520
        self.full_model = model
        self.model = select_invariants(model, options.invariants)
        require_no_graph_properties_with_constraints(self.model, "explicit")
        self.opts = options
        self.progress = progress
        self.budget = budget          # made by run() from the options when not given (tests give one)
        self.symmetric = list(self.model.symmetric) if options.symmetry else []
        self.cm = CompiledModel(self.model, graph_search=self._graph_in_search())
        self.canon = Canonicalizer(self.model, self.symmetric).canon if self.symmetric else None
        self.visited = FingerprintSet(exact=self.model.state_bits <= 64)
        self.store = TraceStore(self._spill_directory)   # per level: fingerprints, parents' indices
        self.spill_root: str | None = None     # the temporary directory of trace stores on disk
        self.group: LocalGroup | None = None   # the worker processes of a partitioned search
        self.group_states = 0                  # states admitted by the partitions
        self.group_bytes = (0, 0)              # the partitions' visited set and trace store, in bytes
        self.shipped = 0                       # bytes of successor batches sent between partitions
        self.machines = 1                      # machines the partitions ran on
        self._partial: dict[int, list[int]] = {}   # transitions per action of each worker in this level
        self.inits: list[int] | None = None   # the initial states, kept: enumerating them may be long
        self.init_failures: list = []          # the ModelErrors of the ways through init that fail
        self.counts = [0] * len(self.model.actions)   # transitions per action, of the levels expanded
        self.depth = 0
        self.level: Level | None = None        # the level being expanded
        self.queue = 0                         # its states not expanded yet
        self.sizer = ChunkSizer(options.chunk)
        self.kernel_sizer = ChunkSizer(options.chunk * KERNEL_CHUNKS)
        self.kernel_chunks = [0, 0]            # chunks expanded by the level kernel, and in all
        self.kernel_why = None                 # why the partitions' level kernel was not made (theirs)
        self.kernel_note = ""                  # the invariants their kernel left to the generated code
        self.limit: tuple[str, int, str] | None = None   # where the state limit cut, refused, what
        self.records: dict[str, list] = {}     # violation -> [what, depth, index]: rebuilt on resume
        self.cut: list = []                    # [depth, parent index, state] of the last level's successors
                                               # failing a state constraint and an invariant (at depth + 1)
        self.died: str | None = None           # how a worker died, if one did
        self.saved_at = 0.0                    # when the last checkpoint was written (budget seconds)
        self.refinements: dict[str, PropertyResult] = {}   # `refines`, decided after the search
        self.builder: GraphBuilder | None = None   # the state graph, built by the search as it goes

    # ---- the run: search, then the graph properties ------------------------------------

    def run(self) -> Result:
        b = self.budget = self.budget or Budget(self.opts.timeout, self.progress)
        found: dict[str, PropertyResult] = {}
        searched, reason, graph_results, interrupted = False, "", None, False
        try:
            with ctrl_c_at_checks(b):
                reason, searched = self._search(found)
                if not self.opts.stops(found):   # the last level's cut successors: one deeper
                    self._cut_violations([], found)
                self._stop_pool()
                if searched and self._has_graph_properties() and not self.opts.stops(found):
                    graph_results, reason = self._graph_properties()
                if searched and self.model.refinements and not self.opts.stops(found):
                    self.refinements = check_refinements(self.model, self.cm, b, self.opts.max_states)
                    found.update({n: p for n, p in self.refinements.items() if p.verdict is Verdict.VIOLATED})
                    if not self.opts.stops(found):
                        self.refinements.update(self._abstract_fairness())
                        found.update({n: p for n, p in self.refinements.items() if p.verdict is Verdict.VIOLATED})
        except Stopped as exc:
            reason = exc.reason
        except WorkerDied as exc:   # the states of its partition are lost: no verdict from this run
            self.died = f"{exc} {b.where}"
            reason = f"{self.died}; the search stopped, its counts are those of the levels completed"
            self.level = None
        except KeyboardInterrupt:
            interrupted, reason = True, interrupted_reason(b.where)
        finally:
            self._stop_pool()
        stats = self._stats()
        self._remove_spilled()   # the traces are built: the store is no longer needed
        result = self._result(found, stats, searched, reason, graph_results)
        if interrupted:
            raise Interrupted(result)
        return result

    def _stats(self) -> Stats:
        elapsed = self.budget.elapsed
        counts = list(self.counts)
        if self.level is not None:  # interrupted in the middle of a level: what it has done counts
            counts = [a + b for a, b in zip(counts, self.level.counts)]
        stats = Stats(workers=self.opts.workers)
        stats.distinct_states = self._states()
        stats.transitions = sum(counts)
        stats.depth = self.depth
        stats.seconds = elapsed
        stats.states_per_second = stats.distinct_states / elapsed if elapsed > 0 else 0.0
        stats.actions = {a.name: c for a, c in zip(self.model.actions, counts)}
        stats.search = self._search_stats()
        stats.graph = self._graph_stats()
        return stats

    def _search_stats(self) -> SearchStats:
        """The visited set, the trace store and the reductions."""
        states = self._states()
        visited_bytes, trace_bytes = self.group_bytes
        if self.group_bytes == (0, 0):
            visited_bytes, trace_bytes = self.visited.nbytes, self.store.nbytes
        return SearchStats(visited_bytes=visited_bytes, trace_bytes=trace_bytes,
                           bytes_per_state=visited_bytes / states if states else 0.0,
                           collision_probability=self.visited.collision_probability(states),
                           fingerprint="exact" if self.visited.exact else "64-bit",
                           symmetry=[t.name for t in self.symmetric],
                           cluster="ray" if self.opts.cluster else "", machines=self.machines,
                           shipped_bytes=self.shipped, kernel=self._kernel_stat())

    def _kernel_stat(self) -> str:
        """What expanded the levels (SearchStats.kernel)."""
        used, chunks = self.kernel_chunks
        if chunks:
            # (not how many chunks: their sizes follow the machine's speed, and a result does not)
            # (and the invariants it left to the generated code, if any: from the kernel made here,
            # or the partitions')
            return ("numpy" if used == chunks else HANDED_BACK) + (self.cm.kernel_note() or self.kernel_note)
        why = self.cm.kernel_why or self.kernel_why
        return f"python: {why}" if why else ""

    def _graph_stats(self) -> GraphStats | None:
        """The state graph, or how far it got if the search stopped while building it; None: not built."""
        if self.graph is not None:
            g = self.graph
            return GraphStats(len(g), g.edge_count, g.nbytes, self.graph_seconds)
        if self.budget.name == "graph":
            p = self.budget.snapshot()
            return GraphStats(p.states, p.transitions, 0, p.seconds - self.graph_started)
        return None

    # ---- the search ---------------------------------------------------------------------

    def _search(self, found: dict) -> tuple[str, bool]:
        """Breadth-first search: (why it stopped early, or ""; whether it saw every reachable state)."""
        b = self.budget
        b.phase("init", "while enumerating the initial states", self._init_progress)
        partitioned = self.opts.workers > 1 or bool(self.opts.cluster)
        if self.opts.resume:
            frontier, snapshot = self._resume(found, partitioned)
        else:
            frontier, snapshot = self._initial(found), None
        b.phase("search", f"at depth {self.depth}", self._search_progress)
        if partitioned and (len(frontier) or snapshot) and not self.opts.stops(found):
            return self._search_partitioned(frontier, found, snapshot)
        if self.cm.expand_labelled is not None and not self.opts.resume:
            self.builder = GraphBuilder(StateGraph.shell(self.cm, b), self.opts.max_states)
            self.builder.start(self._initial_states())
        while len(frontier):
            b.where = f"at depth {self.depth}"
            level = self._expand(frontier)
            self.counts = [a + c for a, c in zip(self.counts, level.counts)]
            self.level = None
            self._violations(level, lambda i: state_at(frontier, i), self.depth, found)
            if self.opts.stops(found):
                return "", False
            if self.limit is not None:
                return self._limit_reason(), False
            frontier = self._dedup(level.succ)
            if not len(frontier):
                return (self._limit_reason(), False) if self.limit is not None else ("", True)
            if self.opts.max_depth is not None and self.depth + 1 > self.opts.max_depth:
                return (f"depth limit {self.opts.max_depth} reached; {len(frontier)} states at depth "
                        f"{self.depth + 1} were not explored"), False
            self.depth += 1
            if self._checkpoint_due():
                self._save(len(frontier), lambda d: self._save_arrays(d, frontier))
        return "", True

    def _states(self) -> int:
        """Distinct states so far."""
        return len(self.visited) + self.group_states

    def _room(self) -> int | None:
        """How many more states the state limit admits (None: no limit)."""
        return None if self.opts.max_states is None else self.opts.max_states - self._states()

    def _limit_reason(self) -> str:
        where, refused, what = self.limit
        return f"state limit {self.opts.max_states} reached {where}; {refused:,} more {what} were not explored"

    def _init_progress(self) -> Progress:
        return Progress(0, 0, 0, 0, self.budget.elapsed, phase="init", work=self.budget.ticks)

    def _search_progress(self) -> Progress:
        level = self.level.counts if self.level is not None else ()
        return Progress(self._states(), sum(self.counts) + sum(level), self.depth, self.queue,
                        self.budget.elapsed)

    # ---- temporal and determinism properties: on the whole state graph -----------------

    graph: StateGraph | None = None
    graph_started = 0.0
    graph_seconds = 0.0

    def _has_graph_properties(self) -> bool:
        m = self.model
        return bool(m.properties or m.deterministic or m.commutes)

    def _graph_in_search(self) -> bool:
        """Whether the search builds the state graph as it goes (one process, no symmetry reduction:
        it then expands the graph's states in the graph's order), rather than the graph properties
        exploring the states again after it. A search resumed from a checkpoint, which starts in
        the middle, builds none (`_search`), but its generated code is still that of the run that
        wrote the checkpoint, whose key it is part of (`_key`)."""
        o = self.opts
        return (self._has_graph_properties() and not self.model.constraints and not self.symmetric
                and o.workers <= 1 and not o.cluster)

    def _whole_graph(self) -> StateGraph:
        """The state graph: the one the search built, if it saw every state, else built now."""
        return self._searched_graph() or StateGraph(self.cm, self.opts.max_states, self.budget,
                                                    self._initial_states(), self.opts.kernel_from)

    def _searched_graph(self) -> StateGraph | None:
        builder, self.builder = self.builder, None
        if builder is None or builder.done != len(builder.g.states):
            return None
        builder.finish()
        return builder.g

    def _graph_properties(self):
        b = self.budget
        t0 = self.graph_started = b.elapsed
        try:
            self.graph = self._whole_graph()
        except GraphLimit as exc:
            return None, str(exc)
        self.graph_seconds = b.elapsed - t0
        results = (check_temporal(self.model, self.cm, self.graph, b)
                   + check_determinism(self.model, self.cm, self.graph, b))
        self.graph_seconds = b.elapsed - t0
        return results, ""

    def _abstract_fairness(self) -> dict[str, PropertyResult]:
        """The results of the abstract models' fairness (refinement_fairness.py), by name: for each
        refinement that holds, on the state graph (built here if no other property needed it)."""
        out: dict[str, PropertyResult] = {}
        todo = []
        for r in self.model.refinements:
            if not r.abstract.fairness:
                continue
            safety = self.refinements.get(r.name)
            if safety is None or safety.verdict is not Verdict.HOLDS:
                broken = safety is not None and safety.verdict is Verdict.VIOLATED
                results = unchecked_fairness(r, f"not checked: {r.name} is {'violated' if broken else 'not decided'}")
            elif self.model.constraints:
                results = unchecked_fairness(r, "not checked: the model has state constraints, which cut its "
                                             "behaviours short (check the fairness without them)")
            else:
                todo.append(r)
                continue
            out.update({p.name: p for p in results})
        if todo and self.graph is None:
            b = self.budget
            t0 = self.graph_started = b.elapsed
            try:
                self.graph = self._whole_graph()
            except GraphLimit as exc:
                for r in todo:
                    out.update({p.name: p for p in unchecked_fairness(r, f"not decided: {exc}")})
                return out
            self.graph_seconds = b.elapsed - t0
        for r in todo:
            ref = Refinement(self.model, r)
            checking(self.budget, self.graph, "temporal", f"the fairness of {r.abstract.name} ({r.name})")
            out.update({p.name: p for p in check_abstract_fairness(self.model, self.cm, self.graph, ref)})
        return out

    def _initial_states(self) -> list[int]:
        if self.inits is None:
            self.inits, self.init_failures = self.cm.init_outcomes(self.budget.tick)
        return self.inits

    def _initial(self, found) -> list[int]:
        states = self._initial_states()
        if self._init_failed(found):
            return []
        if self.canon is not None:
            tick, canon = self.budget.tick, self.canon
            seen, canon_states = set(), []
            for s in states:
                tick()
                c = canon(s)
                if c not in seen:
                    seen.add(c)
                    canon_states.append(c)
            states = canon_states
        fps = self._fingerprints(states)
        new = self.visited.add_new(fps, self._room())
        if self.visited.refused:
            self.limit = ("while enumerating the initial states", self.visited.refused, "initial states")
        states = [s for s, n in zip(states, new) if n]
        self.store.append(fps[new], np.zeros(len(states), dtype=np.uint32))
        return states

    def _init_failed(self, found) -> bool:
        """Reports a failure of a way through init; whether the search then stops."""
        if self.init_failures:  # the ways through init that succeed are still initial states
            self._init_error(self.init_failures[0], found)
        return self.opts.stops(found)

    def _expand(self, frontier) -> Level:
        """The level's expansion, chunk by chunk, in order; the budget is polled after every chunk.
        `frontier`: the level's states, a list, (states of 64 bits or fewer) a uint64 array, or
        (wider ones that the level kernel expanded) its rows of limbs (`limbs.state_ints`)."""
        v = self.visited
        level = self.level = Level(len(self.model.actions), Successors(v.fingerprints, v.exact, v))
        b = self.budget
        kernel = self._kernel(len(frontier))
        if kernel is not None and not kernel.wide and not isinstance(frontier, np.ndarray):
            frontier = np.array(frontier, dtype=np.uint64)
        offset = 0
        while offset < len(frontier):
            sizer = self.sizer if kernel is None else self.kernel_sizer
            chunk = frontier[offset:offset + sizer.size]
            t0 = time.perf_counter()
            res = self._kernel_chunk(kernel, chunk) if kernel is not None else None
            if kernel is not None:
                self.kernel_chunks[0] += res is not None
                self.kernel_chunks[1] += 1
            if res is None:   # no kernel, or a state of the chunk fails: the generated code reports it
                res = self._expand_local(state_ints(chunk))
            sizer.measured(len(chunk), time.perf_counter() - t0)
            level.merge(offset, *res)
            offset += len(chunk)
            self.queue = len(frontier) - offset
            b.poll()
        return level

    def _kernel(self, states: int):
        """The level kernel, for a level of this many states (`kernel_from`) in one process without
        symmetry; else None. The kernel is translated on first use."""
        if self.opts.kernel_from is None or states < self.opts.kernel_from or self.canon is not None:
            return None
        return self.cm.level_kernel()

    def _kernel_chunk(self, kernel, chunk: np.ndarray):
        """The chunk's outcome by the level kernel, as `_expand_local` gives it (adding its transitions
        to the state graph being built, as `_expand_building` does); None when an action fails on
        one of its states (the generated code then reports it)."""
        if self.builder is None:
            return kernel(chunk)
        got = kernel.labelled(chunk)
        if got is None:
            return None
        return self._into_graph(state_ints(chunk), got) or kernel(chunk)

    def _fingerprints(self, states: list[int]) -> np.ndarray:
        """Fingerprints of a level, a slice at a time (beyond 64 bits each one is a Python
        operation: a level of millions takes seconds, and the budget is polled in between)."""
        size = 1 << 16
        if len(states) <= size:
            return self.visited.fingerprints(states)
        parts = []
        for i in range(0, len(states), size):
            parts.append(self.visited.fingerprints(states[i:i + size]))
            self.budget.poll()
        return np.concatenate(parts)

    def _expand_local(self, chunk):
        if self.builder is not None:
            return self._expand_building(chunk)
        nxt, counts, bad, dead, err, cut = self.cm.expand_constrained(chunk)
        if self.canon is not None:
            nxt = canonical(nxt, self.canon)
        return nxt, counts, bad, dead, err, cut

    def _expand_building(self, chunk):
        """`_expand_local` that adds the chunk's transitions to the state graph (`builder`)."""
        return self._into_graph(chunk, self.cm.expand_labelled(chunk)) or self._expand_local(chunk)

    def _into_graph(self, chunk: list[int], labelled):
        """The chunk's outcome with its transitions (`labelled`, as the generated `expand_labelled`
        gives them) added to the state graph. The chunk is the graph's next states, in the graph's
        order, unless a fingerprint collision or the state limit dropped a state the graph has: the
        graph is then left to be built after the search (where the limit stops it with its own
        message), and None says to expand this chunk and the rest as without it."""
        (ts, ends), counts, bad, dead, err, ks = labelled
        builder = self.builder
        if chunk == builder.g.states[builder.done:builder.done + len(chunk)]:
            try:
                # the states new to the graph are those new to the search (bar fingerprint
                # collisions, which the visited set still drops)
                return FirstSeen(*builder.add(ts, ks, ends)), counts, bad, dead, err, []
            except GraphLimit:
                pass
        self.builder = None
        return None

    def _dedup(self, succ: Successors):
        """The new states of the next level (up to the state limit), recorded for traces."""
        states, fps, parents = succ.result(rows=True)   # distinct, not visited, in order of discovery
        room = self._room()
        if room is not None and len(fps) > room:
            refused = len(fps) - max(room, 0)
            self.limit = (f"at depth {self.depth + 1}", refused, f"states at depth {self.depth + 1}")
            keep = max(room, 0)
            states, fps, parents = states[:keep], fps[:keep], parents[:keep]
        self.visited.add(fps)
        self.store.append(fps, parents.astype(np.uint32))
        self.budget.poll()
        return states

    # ---- the partitioned search (workers > 1) -----------------------------------------

    def _search_partitioned(self, frontier: list[int], found: dict, snapshot: tuple | None) -> tuple[str, bool]:
        """`_search` with the levels' states held by worker processes, one hash partition each
        (see `checker.engines.explicit.partition`); the same result as one process. `snapshot`:
        (directory, meta) of the checkpoint to resume from."""
        b, n = self.budget, self.opts.workers
        if self.opts.cluster:
            self.group = RayGroup(n, self.model, bool(self.symmetric), self.visited.exact, self.opts.chunk,
                                  self.opts.cluster, b.poll, kernel_from=self.opts.kernel_from)
            self.machines = self.group.machines
        else:
            self.group = LocalGroup(n, self.model, self.cm, self.canon, self.visited.exact, self.opts.chunk,
                                    self._spill_directory(), b.poll, self._worker_progress,
                                    kernel_from=self.opts.kernel_from)
        if snapshot is not None:
            directory, meta = snapshot
            self.group.call("load", [(os.path.join(directory, f"partition-{p}"),) for p in range(n)])
            size = meta["size"]
            self._rebuild(meta["records"], found)
        else:
            fps = self.store.level(0)[0]
            own = owners(fps, n)
            seeds = []
            for p in range(n):
                mine = np.flatnonzero(own == p)
                seeds.append(([frontier[i] for i in mine.tolist()], fps[mine], mine.astype(np.int64)))
            self.group.call("seed", seeds)
            self.group_bytes = (self.visited.nbytes, self.store.nbytes)
            self.group_states, self.visited = len(self.visited), FingerprintSet(self.visited.exact)
            self.store.clear()   # the partitions keep the trace store from here on
            size = len(frontier)
        while size:
            b.where = f"at depth {self.depth}"
            self.level, self.queue, self._partial = Level(len(self.model.actions)), size, {}
            answers = self.group.call("expand", [()] * n)
            level, bad_states = self._merged(answers)
            self.counts = [a + c for a, c in zip(self.counts, level.counts)]
            self.level, self.queue = None, 0
            self._violations(level, bad_states.__getitem__, self.depth, found)
            if self.opts.stops(found):
                return "", False
            if self.limit is not None:
                return self._limit_reason(), False
            size = self._next_level(size, answers)
            if not size:
                return (self._limit_reason(), False) if self.limit is not None else ("", True)
            if self.opts.max_depth is not None and self.depth + 1 > self.opts.max_depth:
                return (f"depth limit {self.opts.max_depth} reached; {size} states at depth "
                        f"{self.depth + 1} were not explored"), False
            self.depth += 1
            if self._checkpoint_due():
                self._save(size, lambda d: self.group.call(
                    "save", [(os.path.join(d, f"partition-{p}"),) for p in range(n)]))
        return "", True

    def _merged(self, answers) -> tuple[Level, dict[int, int]]:
        """The partitions' reports on a level as one Level (indices are global), and the states
        of its `bad` entries by index."""
        level = Level(len(self.model.actions))
        bad_states: dict[int, int] = {}
        errs = []
        for report, _ in answers:
            level.counts = [a + c for a, c in zip(level.counts, report["counts"])]
            bad_states.update(report["bad"])
            if report["dead"] >= 0 and (level.dead < 0 or report["dead"] < level.dead):
                level.dead = report["dead"]
            if report["err"] is not None:
                errs.append(report["err"])
            used, chunks, why, note = report.get("kernel", (0, 0, None, ""))
            self.kernel_chunks[0] += used
            self.kernel_chunks[1] += chunks
            self.kernel_why = self.kernel_why or why
            self.kernel_note = self.kernel_note or note
        level.bad = sorted(bad_states)
        level.err = min(errs, key=lambda e: e[0]) if errs else None
        # a parent's successors are all in its partition's report, in order: a stable sort by parent
        level.cut = sorted((c for report, _ in answers for c in report.get("cut", ())), key=lambda c: c[0])
        return level, bad_states

    def _next_level(self, size: int, answers) -> int:
        """Rounds 2 and 3 of a level (`checker.engines.explicit.partition`): the successors routed to
        their owners, deduplicated and admitted; the size of the next level."""
        n = self.opts.workers
        stride = max(report["stride"] for report, _ in answers)
        self.shipped += sum(report["shipped"] for report, _ in answers)
        if size * stride >= KEY_LIMIT:
            raise RuntimeError(f"internal error: a level of {size:,} states with up to {stride:,} successors "
                               "each is beyond the partitioned search's 63-bit keys")
        keys = self.group.call("receive", [([batches[p] for _, batches in answers], stride) for p in range(n)])
        del answers[:]   # the batches: the partitions have them now
        room = self._room()
        admitted = self.group.call("admit", [([None if q == p else keys[q] for q in range(n)], room)
                                             for p in range(n)])
        size = sum(a[0] for a in admitted)
        refused = sum(a[1] for a in admitted)
        self.group_states += size
        self.group_bytes = (sum(a[2] for a in admitted), sum(a[3] for a in admitted))
        if refused:
            self.limit = (f"at depth {self.depth + 1}", refused, f"states at depth {self.depth + 1}")
        return size

    def _worker_progress(self, index: int, counts: list[int]) -> None:
        """A worker's transitions per action so far in this level (for the progress display and the
        statistics of an interrupted run)."""
        self._partial[index] = counts
        if self.level is not None:
            self.level.counts = [sum(c) for c in zip(*self._partial.values())]

    def _stop_pool(self) -> None:
        if self.group is not None:
            self.group.close()
            self.group = None

    def _spill_directory(self) -> str:
        """The run's temporary directory for trace stores too large for memory (made once)."""
        if self.spill_root is None:
            self.spill_root = tempfile.mkdtemp(prefix="syncproof-traces-")
        return self.spill_root

    def _remove_spilled(self) -> None:
        self.store.clear()
        if self.spill_root is not None:
            shutil.rmtree(self.spill_root, ignore_errors=True)
            self.spill_root = None

    # ---- checkpoints (`checker.engines.explicit.checkpoint`) ---------------------------------

    def _key(self) -> str:
        """What a checkpoint must have been written by: the model (its generated code, which the
        constants decide) and every option that changes the search or its result."""
        o = self.opts
        consts = {k: str(v) for k, v in self.full_model.const_values().items()}
        decisive = (o.invariants, o.deadlock, o.symmetry, o.workers, o.max_states, o.max_depth,
                    o.stop_at_first, tuple(o.until))
        return checkpoint.key_of(self.cm.source, json.dumps(consts, sort_keys=True), repr(decisive))

    def _checkpoint_due(self) -> bool:
        if not self.opts.checkpoint:
            return False
        return self.budget.elapsed - self.saved_at >= self.opts.checkpoint_every

    def _save(self, size: int, write_parts) -> None:
        """A checkpoint of the search at the start of level `self.depth` (`size` states)."""
        meta = {"key": self._key(), "depth": self.depth, "size": size, "states": self._states(),
                "counts": self.counts, "records": self.records, "limit": self.limit, "cut": self.cut,
                "shipped": self.shipped, "partitions": self.opts.workers if self.group is not None else 0,
                "exact": self.visited.exact}
        checkpoint.write(self.opts.checkpoint, self.depth, meta, write_parts)
        self.saved_at = self.budget.elapsed

    def _save_arrays(self, directory: str, frontier) -> None:
        """One process's part of a checkpoint: visited set, frontier, trace store."""
        arrays = {"visited": self.visited.sorted(),
                  "frontier": checkpoint.states_array(frontier, self.visited.exact, self.cm.state_bits)}
        for d in range(len(self.store)):
            fps, parents = self.store.level(d)
            arrays[f"level-{d}-fps"], arrays[f"level-{d}-parents"] = fps, parents
        checkpoint.save_arrays(directory, arrays)

    def _resume(self, found: dict, partitioned: bool):
        """(the frontier, None) of a one-process checkpoint, or ([], (directory, meta)) of a partitioned
        one; the counters and the violations found so far restored."""
        directory, meta = checkpoint.read(self.opts.resume, self._key())
        self._initial_states()
        if self._init_failed(found):
            return [], None
        self.depth, self.counts, self.shipped = meta["depth"], list(meta["counts"]), meta["shipped"]
        self.limit = tuple(meta["limit"]) if meta["limit"] else None
        self.cut = meta.get("cut", [])
        self.saved_at = self.budget.elapsed
        if partitioned:
            self.group_states = meta["states"]
            return [], (directory, meta)
        self.visited.add(checkpoint.load_array(directory, "visited"))
        frontier = checkpoint.states_of(checkpoint.load_array(directory, "frontier"), self.visited.exact)
        for d in range(self.depth + 1):
            self.store.append(checkpoint.load_array(directory, f"level-{d}-fps"),
                              checkpoint.load_array(directory, f"level-{d}-parents"))
        self._rebuild(meta["records"], found)
        return frontier, None

    def _rebuild(self, records: dict, found: dict) -> None:
        """The violations found before the checkpoint, their traces rebuilt from the trace store."""
        invariants = {inv.name: inv for inv in self.model.invariants}
        for name, (what, depth, index, k) in records.items():
            if what == "invariant":
                found[name] = self._invariant_violation(invariants[name], None, depth, index)
            elif what == "step":
                sp = next(x for x in self.model.step_properties if x.name == name)
                found[name] = self._step_violation(sp, depth, index)
            elif what == "cut":
                found[name] = self._cut_violation(invariants[name], None, depth, index, k)
            elif what == "deadlock":
                found[name] = self._deadlock(depth, index)
            else:
                found[name] = self._runtime_violation(depth, index, k, None)

    # ---- violations -------------------------------------------------------------------

    def _violations(self, level: Level, state_at, depth: int, found: dict) -> None:
        """The level's violations; `state_at(i)` is the state at index i of the level."""
        invs = self.model.invariants
        tick = self.budget.tick
        for i in level.bad:
            tick()
            if all(inv.name in found for inv in invs):
                break
            outcome = self.cm.invariants(state_at(i))
            for inv, ok in zip(invs, outcome):
                if ok is True or inv.name in found:
                    continue
                found[inv.name] = self._invariant_violation(inv, ok, depth, i)
        self._step_violations(level, state_at, depth, found)
        if self.opts.deadlock and level.dead >= 0 and Kind.DEADLOCK not in found:
            found[Kind.DEADLOCK] = self._deadlock(depth, level.dead)
        if level.err is not None and Kind.RUNTIME not in found:
            i, k, exc = level.err
            found[Kind.RUNTIME] = self._runtime_violation(depth, i, k, exc)
        self._cut_violations([[depth, i, t] for i, t in self._first_cuts(level.cut)], found)

    def _first_cuts(self, cut: list) -> list:
        """(parent index, state) of the first successor failing a state constraint where each
        invariant fails, in order of generation."""
        seen: set[int] = set()
        out = []
        for i, t in cut:
            self.budget.tick()
            failing = {j for j, ok in enumerate(self.cm.invariants(t)) if ok is not True} - seen
            if failing:
                seen |= failing
                out.append((i, t))
        return out

    def _cut_violations(self, cut: list, found: dict) -> None:
        """Reports the invariants failing in the previous level's successors that fail a state
        constraint (at this level's depth: after this level's own violations, with which they are
        reported, as BMC reports every violation at the shortest depth), and keeps `cut` ([depth,
        parent index, state] of this level's) for the next level."""
        invs = self.model.invariants
        for depth, i, t in self.cut:
            for inv, ok in zip(invs, self.cm.invariants(t)):
                if ok is not True and inv.name not in found:
                    found[inv.name] = self._cut_violation(inv, ok, depth, i, t)
        self.cut = cut

    def _cut_violation(self, inv, ok, depth: int, i: int, t: int) -> PropertyResult:
        """A violation in t, a successor of the state at index i of level `depth` that fails a state
        constraint: the trace to the parent, and the step to t."""
        self.records[inv.name] = ["cut", depth, i, t]
        trace = self._trace(depth, i, inv.name, inv.kind, "", inv.span)
        want = self._fp(t)
        step = next((st for st in self.cm.steps(trace._states[-1])
                     if st.state is not None and self._fp(st.state) == want), None)
        if step is None:
            raise RuntimeError("internal error: cannot rebuild the last step of the trace "
                               "(the compiled code and the interpreter disagree)")
        trace.steps.append(TraceStep(self.cm.decode(step.state), step.action, step.params, step.choices))
        trace._states.append(step.state)
        return self._invariant_result(inv, ok, trace)

    def _invariant_violation(self, inv, ok, depth: int, i: int) -> PropertyResult:
        """`ok`: the invariant's outcome in the state (False or a ModelError; None: evaluated here,
        in the state the trace ends in)."""
        self.records[inv.name] = ["invariant", depth, i, -1]
        trace = self._trace(depth, i, inv.name, inv.kind, "", inv.span)
        return self._invariant_result(inv, ok, trace)

    def _invariant_result(self, inv, ok, trace: Trace) -> PropertyResult:
        """The violation of inv that the trace ends in (`ok`: as in `_invariant_violation`)."""
        if ok is None:
            ok = self.cm.invariants(trace._states[-1])[self.model.invariants.index(inv)]
        message = f"invariant {inv.name} is violated"
        if isinstance(ok, ModelError):
            message = f"invariant {inv.name} cannot be evaluated: {ok.message}"
        trace.message = message
        trace.explanation = explain_invariant(self.model, inv, self.cm.unpack(trace._states[-1]))
        return PropertyResult(inv.name, inv.kind, Verdict.VIOLATED, message, where_of(inv.span), trace)

    def _step_violations(self, level: Level, state_at, depth: int, found: dict) -> None:
        """The step properties broken by a step out of a state of the level (`bad` holds the states
        where an invariant fails or a step out of them breaks a step property)."""
        sps = self.model.step_properties
        for i in level.bad if sps else ():
            self.budget.tick()
            if all(sp.name in found for sp in sps):
                break
            for sp, ok in zip(sps, self.cm.step_outcomes(state_at(i))):
                if ok is not True and sp.name not in found:
                    found[sp.name] = self._step_violation(sp, depth, i)

    def _step_violation(self, sp: ir.StepPropertyIR, depth: int, i: int) -> PropertyResult:
        """The trace to the state at index i of level `depth`, then the first step out of it (in the
        engine's order, re-run by the interpreter) that breaks the step property."""
        self.records[sp.name] = ["step", depth, i, -1]
        trace = self._trace(depth, i, sp.name, Kind.STEP, "", sp.span)
        st, ok = self.cm.offending_step(sp, trace._states[-1])
        trace._states.append(st.state)
        trace.steps.append(TraceStep(self.cm.decode(st.state), st.action, st.params, st.choices))
        message = step_message(sp.name, st.action, ok)
        trace.message = message
        return PropertyResult(sp.name, Kind.STEP, Verdict.VIOLATED, message, where_of(sp.span), trace)

    def _deadlock(self, depth: int, i: int) -> PropertyResult:
        self.records[Kind.DEADLOCK] = ["deadlock", depth, i, -1]
        message = "deadlock: no action is enabled in the last state"
        trace = self._trace(depth, i, Kind.DEADLOCK, Kind.DEADLOCK, message, None)
        return PropertyResult(Kind.DEADLOCK, Kind.DEADLOCK, Verdict.VIOLATED, message, None, trace)

    def _runtime_violation(self, depth: int, i: int, k: int, exc: ModelError | None) -> PropertyResult:
        self.records[Kind.RUNTIME] = ["runtime", depth, i, k]
        action = self.model.actions[k].name
        trace = self._trace(depth, i, Kind.RUNTIME, Kind.RUNTIME, "", None)
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
        trace.where = where_of(span)
        trace.kind = Kind.RUNTIME
        return PropertyResult(Kind.RUNTIME, Kind.RUNTIME, Verdict.VIOLATED, message, where_of(span), trace)

    def _init_error(self, exc: ModelError, found: dict) -> None:
        span = exc.span or self.model.span
        title = KIND_TITLES.get(exc.kind, exc.kind)
        message = f"{title} in init: {exc.message}"
        trace = Trace(self.model.name, Kind.RUNTIME, Kind.RUNTIME, [], message,
                      TraceStep({}, "init", {}, tuple(exc.choices or ())), where_of(span),
                      constants=self.model.const_values())
        found[Kind.RUNTIME] = PropertyResult(Kind.RUNTIME, Kind.RUNTIME, Verdict.VIOLATED, message, where_of(span), trace)

    # ---- traces -----------------------------------------------------------------------

    def _fp(self, s: int) -> int:
        c = self.canon(s) if self.canon is not None else s
        return int(self.visited.fingerprints([c])[0])

    def _chain(self, depth: int, index: int) -> list[int]:
        """The fingerprints of the states from an initial state to the one at `index` of level `depth`."""
        if self.group is None:
            chain = [index]
            for d in range(depth, 0, -1):
                chain.append(int(self.store.level(d)[1][chain[-1]]))
            chain.reverse()
            return [int(self.store.level(d)[0][i]) for d, i in enumerate(chain)]
        fps = []
        for d in range(depth, -1, -1):
            fp, index = next(a for a in self.group.call("lookup", [(d, index)] * self.opts.workers) if a is not None)
            fps.append(fp)
        fps.reverse()
        return fps

    def _trace(self, depth: int, index: int, prop: str, kind: str, message: str, span) -> Trace:
        fps = self._chain(depth, index)
        inits = self._initial_states()
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
        trace = Trace(self.model.name, prop, kind, steps, message, None, where_of(span),
                      constants=self.full_model.const_values())
        trace._states = states  # packed, for the caller
        return trace

    def _replay_state(self, trace: Trace) -> int:
        return trace._states[-1]

    # ---- the result ---------------------------------------------------------------------

    def _result(self, found: dict, stats: Stats, searched: bool, reason: str, graph_results=None) -> Result:
        """searched: every reachable state was checked (the invariants, deadlock and run-time errors
        are decided even if the graph properties are not)."""
        props = []
        stopped = self.opts.stops(found)
        pending = "not decided: the search stopped at the first violation" if stopped else reason
        for inv in self.model.invariants:
            props.append(found.get(inv.name) or _open(inv.name, inv.kind, where_of(inv.span), searched, pending))
        for sp in self.model.step_properties:
            props.append(found.get(sp.name) or _open(sp.name, Kind.STEP, where_of(sp.span), searched, pending))
        if graph_results is not None:
            props.extend(graph_results)
            found = dict(found)
            found.update({p.name: p for p in graph_results if p.verdict is Verdict.VIOLATED})
        else:
            m = self.model
            for name, kind, span in ([(p.name, Kind.TEMPORAL, p.span) for p in m.properties]
                                     + [(d.name, Kind.DETERMINISM, d.span) for d in m.deterministic]
                                     + [(c.name, Kind.COMMUTE, c.span) for c in m.commutes]):
                props.append(_open(name, kind, where_of(span), False, pending or reason))
        for r in self.model.refinements:
            for name in [r.name] + fairness_names(r):
                props.append(self.refinements.get(name) or PropertyResult(
                    name, Kind.REFINEMENT, Verdict.INCONCLUSIVE, pending or reason or "not checked", where_of(r.span)))
        if self.opts.deadlock:
            props.append(found.get(Kind.DEADLOCK) or _open(Kind.DEADLOCK, Kind.DEADLOCK, None, searched, pending))
        props.append(found.get(Kind.RUNTIME) or _open(Kind.RUNTIME, Kind.RUNTIME, None, searched, pending))
        if found:
            verdict = Verdict.VIOLATED
        elif searched and not reason:
            verdict = Verdict.HOLDS
        else:
            verdict = Verdict.INCONCLUSIVE
        for p in props:
            if p.trace is not None:
                p.trace.constants = self.full_model.const_values()
        warnings = [w.render() for w in self.model.warnings]
        never = [name for name, c in stats.actions.items() if c == 0]
        if searched and never:
            warnings.append(f"warning: no transition from {', '.join(never)}: never enabled (or it always "
                            "fails); a guard that is never true makes 'holds' vacuous for that action")
        open_ = [p for p in props if p.kind is Kind.REFINEMENT and p.verdict is Verdict.INCONCLUSIVE]
        if verdict is Verdict.HOLDS and open_:
            verdict, reason = Verdict.INCONCLUSIVE, open_reasons(open_)
        result = Result(self.model.name, self.model.path, "explicit", verdict,
                        Strength.EXHAUSTIVE if verdict is not Verdict.INCONCLUSIVE else Strength.UNKNOWN, props, stats,
                        reason if verdict is Verdict.INCONCLUSIVE else "",
                        warnings, self.full_model.const_values())
        return result


def _open(name, kind, where, exhausted, reason) -> PropertyResult:
    if exhausted:
        return PropertyResult(name, kind, Verdict.HOLDS, "", where)
    return PropertyResult(name, kind, Verdict.INCONCLUSIVE, reason, where)


def check(model: ir.CheckedModel, options: ExplicitOptions | None = None, progress=None,
          budget: Budget | None = None) -> Result:
    """Checks every property; Ctrl-C raises `Interrupted` with the partial result (`checker.core.limits`).

    With checkpoints, a run whose worker dies resumes from the last checkpoint (at most RESTARTS
    times; one budget, so a time limit holds across them) and says so in its warnings; without, it
    is inconclusive."""
    options = options or ExplicitOptions()
    budget = budget or Budget(options.timeout, progress)
    deaths: list[str] = []
    while True:
        explorer = Explorer(model, options, progress, budget)
        result = explorer.run()
        if explorer.died is None or not options.checkpoint or len(deaths) == RESTARTS \
                or not checkpoint.exists(options.checkpoint):
            break
        deaths.append(explorer.died)
        options = dataclasses.replace(options, resume=options.checkpoint)
    result.warnings.extend(f"warning: {d}; the search resumed from its last checkpoint in {options.checkpoint}"
                           for d in deaths)
    return result


def default_workers() -> int:
    return max(1, (os.cpu_count() or 1))
