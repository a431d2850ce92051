"""Partitioned breadth-first search: each worker owns the fingerprints of one hash partition.

A state belongs to the partition its fingerprint hashes to (`owners`). A
`Partition` holds, for its states only, the visited set, the current level's
frontier and the trace store (per level: each state's global index, its
fingerprint and its parent's global index). A level takes three rounds, each a
call on every partition; the driver (`checker.engines.explicit.search`) only
routes bytes between them and adds up counts:

1. `expand`: the partition expands its frontier chunk by chunk (the generated
   `expand`, as one process does), gives each distinct successor the key
   (global index of its first parent, rank among that parent's successors in
   generation order) and splits them by owner into pickled batches. It reports
   the transitions per action, its first violation of each invariant, its
   first deadlock and run-time error (by global index).
2. `receive`: the owner merges the batches sent to it, keeps each state's
   smallest key, drops the states it has visited, and returns the keys of the
   new ones, sorted.
3. `admit`: given every partition's sorted keys, a new state's global index in
   the next level is the number of keys below its own; under a state limit
   only the first `room` global indices are admitted.

The global order so obtained is exactly the order of first discovery that one
process gives (`checker.engines.explicit.level`): the same states are at the
same indices for any number of partitions, hence the same traces, the same
choice among violations and the same exact state limit. Rounds 2 and 3 run in
every partition at once: no process holds every fingerprint.

Transport is not this module's business: the driver calls `Partition` methods
through `LocalGroup` (processes on this machine, pipes); another transport
only needs to deliver the same calls and bytes.
"""

from __future__ import annotations

import multiprocessing
import os
import pickle
import signal
import time
import traceback

import numpy as np

from spec import ir

from checker.engines.explicit import checkpoint
from checker.engines.explicit.compiled import CompiledModel
from checker.engines.explicit.level import KERNEL_CHUNKS, ChunkSizer, Level, Successors, canonical
from checker.engines.explicit.symmetry import Canonicalizer
from checker.engines.explicit.tracestore import TraceStore
from checker.engines.explicit.visited import GOLDEN, FingerprintSet, first_occurrences

PROGRESS_SECONDS = 0.2                # a worker reports its progress within a level at most this often
KEY_LIMIT = 1 << 63                   # keys are int64: (parent index) * stride + rank must stay below


def owners(fps: np.ndarray, n: int) -> np.ndarray:
    """The partition (0..n-1) of each fingerprint."""
    with np.errstate(over="ignore"):
        mixed = fps * GOLDEN   # (packed states with constant low bits spread evenly)
    return ((mixed >> np.uint64(32)) % np.uint64(n)).astype(np.intp)


def ranks_in_runs(parents: np.ndarray) -> np.ndarray:
    """For a non-decreasing array of parents, each entry's rank among the entries of its parent."""
    n = len(parents)
    if n == 0:
        return np.zeros(0, dtype=np.int64)
    starts = np.flatnonzero(np.concatenate(([True], parents[1:] != parents[:-1])))
    lengths = np.diff(np.append(starts, n))
    return np.arange(n, dtype=np.int64) - np.repeat(starts, lengths)


class Partition:
    """One partition's states: visited set, frontier and trace store (see the module's doc)."""

    def __init__(self, cm: CompiledModel, canon, index: int, count: int, exact: bool, chunk: int,
                 directory: str, kernel_from: int | None = None):
        """`directory`: where this partition's trace store goes when it is too large for memory;
        `kernel_from`: `ExplicitOptions.kernel_from` (None: never the level kernel)."""
        self.cm, self.canon = cm, canon
        self.index, self.count = index, count
        self.exact = exact
        self.visited = FingerprintSet(exact)
        self.sizer = ChunkSizer(chunk)
        self.kernel_from = kernel_from if canon is None else None   # (the kernel does not canonicalize)
        self.kernel_sizer = ChunkSizer(chunk * KERNEL_CHUNKS)
        self.frontier = []   # a list, or a uint64 array when states are their own fingerprints
        self.gidx = np.zeros(0, dtype=np.int64)    # global index of each frontier state, ascending
        self.levels = TraceStore(lambda: directory)   # per level: (global index, fingerprint, parent)
        self.candidates = None                     # (states, fps, keys, parents) after `receive`
        self.own = None                            # this partition's batch of its own successors after `expand`

    # ---- the rounds of a level ------------------------------------------------------

    def seed(self, states: list[int], fps: np.ndarray, gidx: np.ndarray) -> None:
        """The initial states this partition owns (distinct, in order), with their global indices."""
        self.visited.add(fps)
        self.frontier = list(states)
        self.gidx = gidx.astype(np.int64)
        self.levels.append(self.gidx, fps, np.zeros(len(fps), dtype=np.int64))

    def expand(self, progress=None):
        """Round 1: (report, batch per partition as bytes); see the module's doc. `progress`, if
        given, is called with the transitions per action so far, at most every PROGRESS_SECONDS."""
        cm, canon, frontier = self.cm, self.canon, self.frontier
        level = Level(len(cm.action_names), Successors(self.visited.fingerprints, self.exact, self.visited,
                                                       lambda fps: owners(fps, self.count) == self.index))
        offset, shown = 0, time.perf_counter()
        kernel = None   # the level kernel, as one process uses it (`Explorer._expand`)
        if self.kernel_from is not None and len(frontier) >= self.kernel_from:
            kernel = cm.level_kernel()
        if kernel is not None and not kernel.wide and not isinstance(frontier, np.ndarray):
            frontier = np.array(frontier, dtype=np.uint64)
        used = chunks = 0
        sizer = self.sizer if kernel is None else self.kernel_sizer
        while offset < len(frontier):
            chunk = frontier[offset:offset + sizer.size]
            t0 = time.perf_counter()
            res = kernel(chunk) if kernel is not None else None
            if kernel is not None:
                used, chunks = used + (res is not None), chunks + 1
            if res is None:   # no kernel, or an action fails on a state of the chunk
                if isinstance(chunk, np.ndarray):
                    chunk = chunk.tolist()
                nxt, counts, bad, dead, err, cut = cm.expand_constrained(chunk)
                if canon is not None:
                    nxt = canonical(nxt, canon)
                res = nxt, counts, bad, dead, err, cut
            level.merge(offset, *res)
            now = time.perf_counter()
            sizer.measured(len(chunk), now - t0)
            offset += len(chunk)
            if progress is not None and now - shown >= PROGRESS_SECONDS:
                shown = now
                progress(level.counts)
        report = self._report(level)
        report["kernel"] = (used, chunks, cm.kernel_why, cm.kernel_note())
        batches, report["stride"] = self._batches(*level.succ.result())
        report["shipped"] = sum(len(b) for p, b in enumerate(batches) if p != self.index)
        # this partition's own batch stays here, unpickled: `receive` is given None in its place
        self.own, batches[self.index] = batches[self.index], None
        return report, batches

    def receive(self, batches: list[bytes], stride: int) -> np.ndarray:
        """Round 2: the sorted keys of this partition's new states among the batches sent to it."""
        parts = [self.own if b is None else pickle.loads(b) for b in batches]
        self.own = None
        fps = np.concatenate([p[1] for p in parts])
        parents = np.concatenate([p[2] for p in parts])
        keys = parents * np.int64(stride) + np.concatenate([p[3] for p in parts])
        if self.exact:
            states = fps
        else:
            states = np.array([s for p in parts for s in p[0]] or [], dtype=object)
        if len(fps):
            # keys are distinct, and each batch is in their order: a merge of sorted runs; then each
            # fingerprint's first occurrence in key order is its smallest key
            by_key = np.argsort(keys, kind="stable")
            ordered = fps[by_key]
            first = first_occurrences(ordered)
            pick = by_key[first[~self.visited.contains(ordered[first])]]
        else:
            pick = np.zeros(0, dtype=np.intp)
        self.candidates = (states[pick], fps[pick], keys[pick], parents[pick])
        return keys[pick]

    def admit(self, keys: list, room: int | None):
        """Round 3: admits this partition's new states given every partition's sorted keys (its own
        as None); (admitted, refused, visited bytes, trace store bytes)."""
        states, fps, mine, parents = self.candidates
        self.candidates = None
        gidx = np.arange(len(mine), dtype=np.int64)
        for p, theirs in enumerate(keys):
            if p != self.index and theirs is not None and len(theirs):
                gidx += np.searchsorted(theirs, mine)
        refused = 0
        if room is not None:
            keep = gidx < room
            refused = int(len(keep) - np.count_nonzero(keep))
            states, fps, gidx, parents = states[keep], fps[keep], gidx[keep], parents[keep]
        self.visited.add(fps)
        self.frontier = states if self.exact else states.tolist()
        self.gidx = gidx
        self.levels.append(gidx, fps, parents)
        return len(gidx), refused, self.visited.nbytes, self.trace_bytes()

    # ---- traces and sizes ----------------------------------------------------------------

    def lookup(self, depth: int, index: int):
        """(fingerprint, parent's global index) of the state at `index` of level `depth`, if it is
        in this partition, else None."""
        gidx, fps, parents = self.levels.level(depth)
        i = int(np.searchsorted(gidx, index))
        if i < len(gidx) and gidx[i] == index:
            return int(fps[i]), int(parents[i])
        return None

    # ---- checkpoints ----------------------------------------------------------------------

    def save(self, directory: str) -> None:
        """This partition's part of a checkpoint (`checker.engines.explicit.checkpoint`)."""
        arrays = {"visited": self.visited.sorted(), "gidx": self.gidx,
                  "frontier": checkpoint.states_array(self.frontier, self.exact, self.cm.state_bits)}
        for d in range(len(self.levels)):
            for k, a in enumerate(self.levels.level(d)):
                arrays[f"level-{d}-{k}"] = a
        arrays["levels"] = np.array([len(self.levels)], dtype=np.int64)
        checkpoint.save_arrays(directory, arrays)

    def load(self, directory: str) -> None:
        """Continues from this partition's part of a checkpoint."""
        self.visited = FingerprintSet(self.exact)
        self.visited.add(checkpoint.load_array(directory, "visited"))
        self.gidx = checkpoint.load_array(directory, "gidx")
        frontier = checkpoint.states_of(checkpoint.load_array(directory, "frontier"), self.exact)
        self.frontier = frontier if self.exact else list(frontier)
        for d in range(int(checkpoint.load_array(directory, "levels")[0])):
            self.levels.append(*(checkpoint.load_array(directory, f"level-{d}-{k}") for k in range(3)))

    def trace_bytes(self) -> int:
        return self.levels.nbytes

    # ---- round 1's parts -------------------------------------------------------------------

    def _report(self, level: Level) -> dict:
        frontier, gidx = self.frontier, self.gidx
        firsts: dict[int, tuple[int, int]] = {}   # invariant (or step property) index -> its first violation here
        n_inv = len(self.cm.check_names)
        for i in level.bad:
            if len(firsts) == n_inv:
                break
            for j, ok in enumerate(self.cm.checks(int(frontier[i]))):
                if ok is not True and j not in firsts:
                    firsts[j] = (int(gidx[i]), int(frontier[i]))
        bad = sorted(set(firsts.values()))
        dead = int(gidx[level.dead]) if level.dead >= 0 else -1
        err = None
        if level.err is not None:
            i, k, x = level.err
            err = (int(gidx[i]), k, x)
        return {"counts": level.counts, "bad": bad, "dead": dead, "err": err, "successors": len(level.succ),
                "cut": self._cut_report(level)}

    def _cut_report(self, level: Level) -> list[tuple[int, int]]:
        """(global index of the parent, state) of the first successor failing a state constraint in
        which each invariant fails, in order of generation (`CompiledModel.expand_constrained`)."""
        seen: set[int] = set()
        out = []
        for i, t in level.cut:
            failing = {j for j, ok in enumerate(self.cm.invariants(t)) if ok is not True} - seen
            if failing:
                seen |= failing
                out.append((int(self.gidx[i]), t))
        return out

    def _batches(self, states, fps: np.ndarray, local: np.ndarray) -> tuple[list[bytes], int]:
        """The successors (in order of discovery, with their first parent's index in the frontier)
        split by owner, pickled but for this partition's own: (states or None when they are their own fingerprints,
        fingerprints, parents' global indices, ranks among the parent's successors); and the
        largest rank plus one."""
        parents = self.gidx[local] if len(local) else np.zeros(0, dtype=np.int64)
        ranks = ranks_in_runs(local)
        own = owners(fps, self.count)
        boxed = None if self.exact else np.array(list(states) + [None], dtype=object)[:-1]
        out = []
        for p in range(self.count):
            sel = np.flatnonzero(own == p)
            part = None if boxed is None else boxed[sel].tolist()
            batch = (part, fps[sel], parents[sel], ranks[sel])
            out.append(batch if p == self.index else pickle.dumps(batch, protocol=pickle.HIGHEST_PROTOCOL))
        stride = int(ranks.max()) + 1 if len(ranks) else 1
        return out, stride


# ---- worker processes on this machine ----------------------------------------------------

_INHERITED: dict = {}   # what a forked worker takes from its parent: the compiled model, the canonicalizer


class WorkerDied(Exception):
    """A worker process died (killed, out of memory): the level it was in cannot be trusted."""


def _serve(conn, index: int, count: int, exact: bool, chunk: int, directory: str, model, symmetry: bool,
           drivers_ends: list, kernel_from: int | None = None) -> None:
    """A worker's loop: calls on its Partition, one message each, until the driver goes away.

    `drivers_ends`: the driver's ends of the pipes, which a forked worker holds copies of; closed
    here, so that a driver killed (even by SIGKILL) breaks the pipe and its workers end too."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)   # Ctrl-C is the driver's: it stops the workers
    for end in drivers_ends:
        end.close()
    if model is None:   # forked
        cm, canon = _INHERITED["cm"], _INHERITED["canon"]
    else:  # pragma: no cover - spawned (platforms without fork): compile here
        cm = CompiledModel(model)
        canon = Canonicalizer(model, model.symmetric).canon if symmetry and model.symmetric else None
    part = Partition(cm, canon, index, count, exact, chunk, os.path.join(directory, f"partition-{index}"), kernel_from)

    def progress(counts):
        conn.send(("progress", index, list(counts)))

    while True:
        try:
            method, args = conn.recv()
        except EOFError:   # the driver is gone
            return
        try:
            if method == "expand":
                result = part.expand(progress)
            else:
                result = getattr(part, method)(*args)
            conn.send(("ok", result))
        except BaseException:   # noqa: BLE001 - reported to the driver, which raises it as an internal error
            conn.send(("error", traceback.format_exc()))


class LocalGroup:
    """`count` partitions in worker processes of this machine, each behind a pipe.

    `call(method, args)` sends every worker its call and waits for every answer, calling
    `waiting()` about every 50 ms meanwhile (the driver's budget: time limit, Ctrl-C, progress)
    and `on_progress(index, counts)` for a worker's progress within a level."""

    def __init__(self, count: int, model: ir.CheckedModel, cm: CompiledModel, canon, exact: bool, chunk: int,
                 directory: str, waiting=None, on_progress=None, kernel_from: int | None = None):
        self.count = count
        self.waiting = waiting
        self.on_progress = on_progress
        if "fork" in multiprocessing.get_all_start_methods():
            ctx = multiprocessing.get_context("fork")
            if kernel_from is not None and canon is None:
                # translated here, once, and inherited: a forked worker then compiles nothing
                cm.level_kernel()
            _INHERITED["cm"], _INHERITED["canon"] = cm, canon
            carried, symmetry = None, False
        else:  # pragma: no cover - platforms without fork
            ctx = multiprocessing.get_context("spawn")
            carried, symmetry = model, canon is not None
        self.conns = []
        self.procs = []
        try:
            for i in range(count):
                mine, theirs = ctx.Pipe()
                inherited = [*self.conns, mine] if carried is None else []
                proc = ctx.Process(target=_serve, args=(theirs, i, count, exact, chunk, directory, carried, symmetry,
                                                        inherited, kernel_from),
                                   daemon=True, name=f"syncproof-partition-{i}")
                proc.start()
                theirs.close()
                self.conns.append(mine)
                self.procs.append(proc)
        except BaseException:
            self.close()
            raise

    def call(self, method: str, args: list[tuple]) -> list:
        """Every worker's answer to `method(*args[i])`, in worker order."""
        for conn, a in zip(self.conns, args):
            conn.send((method, a))
        return [self._answer(i) for i in range(self.count)]

    def _answer(self, i: int):
        conn, proc = self.conns[i], self.procs[i]
        while True:
            while not conn.poll(0.05):
                if not proc.is_alive():
                    raise self._died(i)
                if self.waiting is not None:
                    self.waiting()
            try:
                kind, *rest = conn.recv()
            except (EOFError, OSError):
                raise self._died(i) from None
            if kind == "progress":
                if self.on_progress is not None:
                    self.on_progress(*rest)
                continue
            if kind == "error":   # a bug, not a verdict: the worker's traceback goes with it
                raise RuntimeError(f"internal error in worker process {i}:\n{rest[0]}")
            return rest[0]

    def _died(self, i: int) -> WorkerDied:
        proc = self.procs[i]
        proc.join(timeout=5.0)   # its pipe closes as it exits: the exit code follows at once
        how = f"exit code {proc.exitcode}" if proc.exitcode is not None else "its pipe closed"
        return WorkerDied(f"worker process {i} died ({how})")

    def close(self) -> None:
        """Stops the workers at once (they hold nothing that outlives the run)."""
        for proc in self.procs:
            proc.terminate()
        for proc in self.procs:
            proc.join()
        for conn in self.conns:
            conn.close()
        self.conns, self.procs = [], []
        _INHERITED.clear()
