"""One BFS level's expansion, chunk by chunk: what one process and every partition share.

`Level` merges the generated `expand`'s results for consecutive chunks of a
level in order, so a successor keeps its first parent and the level's order is
first discovery: by parent, then by the order the parent generated it. That
order is what makes traces, the state limit and the choice among violations
the same for any chunking and any number of workers.

The successors are held by `Successors` in numpy arrays, not in a dict: a
state that is its own fingerprint (64 bits or fewer) costs 16 bytes until the
level ends and no Python object, successors already visited are dropped chunk
by chunk, and duplicates are folded whenever the arrays have doubled.

`ChunkSizer` sizes chunks from the measured cost of a state so that a chunk
takes about CHUNK_SECONDS: the time limit, Ctrl-C and the progress display are
served between chunks whatever a level costs.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from checker.engines.explicit.limbs import ints_of_limbs, limbs_of_ints
from checker.engines.explicit.visited import first_occurrences

CHUNK_SECONDS = 0.05   # what a chunk of a level should take to expand
FIRST_CHUNK = 16       # states in the first chunk, before any cost is measured
KERNEL_CHUNKS = 16     # a chunk of the level kernel holds this many of a chunk's states: each of its
                       # chunks costs a few hundred numpy calls, whatever its size


class Successors:
    """A level's successors, each with the index of its first parent, in order of first discovery.

    `fingerprints(states)` is the visited set's fingerprint function; when `exact`, a state is its
    own fingerprint and no Python object is kept. With `visited`, successors already in it are
    dropped as they arrive (it does not change during a level); `owned(fps)`, if given, says which
    fingerprints `visited` speaks for (a partition's set holds only its own states). Dropping
    visited successors keeps the order of the others, which is all the level's order needs."""

    COMPACT_AT = 1 << 16   # entries held before duplicates are first folded

    def __init__(self, fingerprints, exact: bool, visited=None, owned=None):
        self.fingerprints = fingerprints
        self.exact = exact
        self.visited = visited
        self.owned = owned
        self.fps: list[np.ndarray] = []
        self.parents: list[np.ndarray] = []
        self.states: list = []   # only when not exact: lists of ints, or the kernel's rows of limbs
        self.held = 0
        self.folded = 0                     # entries after the last fold

    def add(self, offset: int, nxt: dict[int, int]) -> None:
        """A chunk's successors (successor -> index of its first parent in the chunk), the chunk
        starting at index `offset` of the level."""
        if not nxt:
            return
        n = len(nxt)
        parents = np.fromiter(nxt.values(), dtype=np.int64, count=n)
        if self.exact:
            self._add(np.fromiter(nxt, dtype=np.uint64, count=n), parents + offset, None)
        else:
            states = list(nxt)
            self._add(self.fingerprints(states), parents + offset, states)

    def add_first(self, offset: int, states: list[int], parents: np.ndarray) -> None:
        """`add` of successors seen for the first time (by the state graph: distinct, none of them
        expanded before), each with the index of its first parent in the chunk."""
        if not states:
            return
        parents = parents.astype(np.int64) + offset
        if self.exact:
            self._add(np.fromiter(states, dtype=np.uint64, count=len(states)), parents, None)
        else:
            self._add(self.fingerprints(states), parents, list(states))

    def add_arrays(self, offset: int, states: np.ndarray, parents: np.ndarray) -> None:
        """A chunk's successors from the level kernel (`vector.Arrays`): uint64 states, repeats
        allowed, each with the index of its parent in the chunk, in order of generation. Only
        when `exact`. The chunk's repeats go first (`first_occurrences`): a chunk gives several
        times more transitions than distinct states, and the visited set is searched for the
        distinct ones only."""
        assert self.exact
        if not len(states):
            return
        first = first_occurrences(states)
        if self.visited is not None and len(self.visited):
            first = first[~self._seen(states[first])]
        self._keep(states[first], parents[first].astype(np.int64) + offset, None)

    def add_rows(self, offset: int, rows: np.ndarray, parents: np.ndarray) -> None:
        """`add_arrays` of states wider than 62 bits (`vector.Rows`): rows of limbs. Their
        fingerprints are made from the limbs; the first successor of each fingerprint (the one
        `_fold` would keep) that is not visited is made an int, and only those."""
        assert self.visited is not None
        if not len(rows):
            return
        fps = self.visited.fingerprints_of_limbs(rows)
        first = first_occurrences(fps)
        if len(self.visited):
            first = first[~self._seen(fps[first])]
        kept = parents[first].astype(np.int64) + offset
        # (ints are made when the level ends, of the states it keeps: `result`)
        self._keep(fps[first], kept, None if self.exact else rows[first])

    def _seen(self, fps: np.ndarray) -> np.ndarray:
        """The fingerprints the visited set holds (of those it speaks for: `owned`)."""
        if self.owned is None:
            return self.visited.contains(fps)
        mine = np.flatnonzero(self.owned(fps))   # (only those are looked up)
        seen = np.zeros(len(fps), dtype=bool)
        seen[mine] = self.visited.contains(fps[mine])
        return seen

    def _add(self, fps: np.ndarray, parents: np.ndarray, states: list[int] | None) -> None:
        if self.visited is not None and len(self.visited):
            keep = ~self._seen(fps)
            fps, parents = fps[keep], parents[keep]
            if states is not None:
                states = [s for s, k in zip(states, keep.tolist()) if k]
        self._keep(fps, parents, states)

    def _keep(self, fps: np.ndarray, parents: np.ndarray, states: list[int] | None) -> None:
        self.fps.append(fps)
        self.parents.append(parents)
        if states is not None:
            self.states.append(states)
        self.held += len(fps)
        if self.held >= max(2 * self.folded, self.COMPACT_AT):
            self._fold()

    def _fold(self) -> None:
        """Keeps the first occurrence of each successor, in order."""
        fps = np.concatenate(self.fps) if len(self.fps) != 1 else self.fps[0]
        parents = np.concatenate(self.parents) if len(self.parents) != 1 else self.parents[0]
        first = first_occurrences(fps)
        self.fps, self.parents = [fps[first]], [parents[first]]
        if not self.exact:
            if any(isinstance(part, np.ndarray) for part in self.states):   # the kernel's rows of limbs
                rows = _rows_of(self.states)
                self.states = [rows[first]]
            else:
                states = [s for part in self.states for s in part]
                self.states = [[states[i] for i in first.tolist()]]
        self.held = self.folded = len(first)

    def result(self, rows: bool = False):
        """(states, fingerprints, parents) of the distinct successors in order of first discovery;
        states is a uint64 array when exact, else a list, or with `rows` the kernel's rows of limbs
        where the level holds them (`limbs.state_ints` reads either)."""
        if not self.fps:
            empty = np.zeros(0, dtype=np.uint64)
            return (empty if self.exact else []), empty, np.zeros(0, dtype=np.int64)
        self._fold()
        fps, parents = self.fps[0], self.parents[0]
        if self.exact:
            return fps, fps, parents
        states = self.states[0]
        if isinstance(states, np.ndarray) and not rows:
            states = ints_of_limbs(states)
        return states, fps, parents

    def __len__(self) -> int:
        return self.held


def _rows_of(parts: list) -> np.ndarray:
    """Successors held as the kernel's rows of limbs and as ints (chunks the generated code
    expanded), in order, as one array of rows."""
    limbs = next(p.shape[1] for p in parts if isinstance(p, np.ndarray))
    rows = [p if isinstance(p, np.ndarray) else limbs_of_ints(p, limbs) for p in parts]
    return np.concatenate(rows) if len(rows) != 1 else rows[0]


class FirstSeen(NamedTuple):
    """A chunk's successors seen for the first time, with their first parents (`Successors.add_first`)."""

    states: list[int]
    parents: np.ndarray


class Level:
    """The outcome of expanding one level (or the merge of its chunks)."""

    def __init__(self, n_actions: int, successors: Successors | None = None):
        self.succ = successors          # the successors (None: not kept)
        self.counts = [0] * n_actions   # transitions per action
        self.bad: list[int] = []        # indices of the states where an invariant fails
        self.dead = -1                  # index of the first state without a successor
        self.err = None                 # (index, action, ModelError) of the first run-time error
        self.cut: list = []             # (parent index, state): successors failing a state constraint
                                        # where an invariant fails, in order of generation

    def merge(self, offset: int, nxt, counts, bad, dead, err, cut=()) -> None:
        """A chunk's outcome, the chunk starting at index `offset` of the level; `nxt`: its successors
        (successor -> index of its first parent in the chunk), `FirstSeen`, or the level kernel's
        `vector.Arrays` (states, parents) or `vector.Rows`."""
        if self.succ is not None:
            if isinstance(nxt, FirstSeen):
                self.succ.add_first(offset, nxt.states, nxt.parents)
            elif hasattr(nxt, "rows"):   # `vector.Rows`
                self.succ.add_rows(offset, nxt.rows, nxt.parents)
            elif isinstance(nxt, tuple):
                self.succ.add_arrays(offset, *nxt)
            else:
                self.succ.add(offset, nxt)
        for k, c in enumerate(counts):
            self.counts[k] += c
        self.bad.extend(b + offset for b in bad)
        if self.dead < 0 and dead >= 0:
            self.dead = dead + offset
        if self.err is None and err is not None:
            i, k, x = err
            self.err = (i + offset, k, x)
        self.cut.extend((p + offset, t) for p, t in cut)


def canonical(nxt: dict, canon) -> dict:
    """The successors mapped to their canonical representatives, first occurrence kept (in order)."""
    out: dict[int, int] = {}
    for t, p in nxt.items():
        c = canon(t)
        if c not in out:
            out[c] = p
    return out


class ChunkSizer:
    def __init__(self, most: int):
        self.most = most
        self.size = min(FIRST_CHUNK, most)

    def measured(self, states: int, seconds: float) -> None:
        """Sizes the next chunks to take about CHUNK_SECONDS (at most `most` states, at most
        twice the last size)."""
        per_state = seconds / states if states else 0.0
        want = int(CHUNK_SECONDS / per_state) if per_state > 0 else self.most
        self.size = max(1, min(self.most, want, 2 * self.size))
