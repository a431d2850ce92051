"""One BFS level's expansion, chunk by chunk: what one process and every partition share.

`Level` merges the generated `expand`'s results for consecutive chunks of a
level in order, so a successor keeps its first parent and the level's order is
first discovery: by parent, then by the order the parent generated it. That
order is what makes traces, the state limit and the choice among violations
the same for any chunking and any number of workers.

`ChunkSizer` sizes chunks from the measured cost of a state so that a chunk
takes about CHUNK_SECONDS: the time limit, Ctrl-C and the progress display are
served between chunks whatever a level costs.
"""

from __future__ import annotations

CHUNK_SECONDS = 0.05   # what a chunk of a level should take to expand
FIRST_CHUNK = 16       # states in the first chunk, before any cost is measured


class Level:
    """The outcome of expanding one level (or the merge of its chunks)."""

    def __init__(self, n_actions: int):
        self.nxt: dict[int, int] = {}   # successor -> index of its first parent in the level
        self.counts = [0] * n_actions   # transitions per action
        self.bad: list[int] = []        # indices of the states where an invariant fails
        self.dead = -1                  # index of the first state without a successor
        self.err = None                 # (index, action, ModelError) of the first run-time error

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
