"""The trace store: per BFS level, what rebuilding a trace needs, in memory or memory-mapped on disk.

A level is a tuple of numpy arrays of equal length (one process keeps each
state's fingerprint and its parent's index in the previous level; a partition
also keeps each state's global index). While the store holds less than
`spill_bytes`, levels stay in memory; past it every new level is written to a
file under `directory` and read back through a read-only memory map, so a
search of tens of millions of states keeps only its visited set and its
current level in memory. Traces read a handful of entries per level.

The directory is the caller's (a temporary directory it removes when the run
ends, even if a worker process holding a store is killed).
"""

from __future__ import annotations

import os

import numpy as np

SPILL_BYTES = 256 << 20   # levels stay in memory up to this many bytes of the store


class TraceStore:
    def __init__(self, directory_of, spill_bytes: int | None = None):
        """`directory_of()` gives the directory for the files (called at the first spill)."""
        self.directory_of = directory_of
        self.spill_bytes = SPILL_BYTES if spill_bytes is None else spill_bytes
        self.levels: list[tuple[np.ndarray, ...]] = []
        self.memory = 0   # bytes of the levels in memory
        self.disk = 0     # bytes of the levels on disk

    def append(self, *arrays: np.ndarray) -> None:
        size = sum(a.nbytes for a in arrays)
        if self.memory + size <= self.spill_bytes or size == 0:
            self.levels.append(tuple(arrays))
            self.memory += size
            return
        directory = self.directory_of()
        os.makedirs(directory, exist_ok=True)
        mapped = []
        for k, a in enumerate(arrays):
            path = os.path.join(directory, f"level-{len(self.levels)}-{k}.bin")
            a = np.ascontiguousarray(a)
            with open(path, "wb") as f:
                a.tofile(f)
            mapped.append(np.memmap(path, dtype=a.dtype, mode="r", shape=a.shape))
        self.levels.append(tuple(mapped))
        self.disk += size

    def level(self, depth: int) -> tuple[np.ndarray, ...]:
        return self.levels[depth]

    def __len__(self) -> int:
        return len(self.levels)

    @property
    def nbytes(self) -> int:
        """Bytes of the store, in memory and on disk."""
        return self.memory + self.disk

    def clear(self) -> None:
        self.levels, self.memory, self.disk = [], 0, 0
