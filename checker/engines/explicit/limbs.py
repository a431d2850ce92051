"""States wider than 62 bits as rows of limbs: int64, 62 bits each, lowest first (issue 13).

The level kernel (`checker.engines.explicit.vector`) computes on limbs, and a level's successors
(`checker.engines.explicit.level`) are held as limbs until the level ends; these make the limbs
of ints and the ints of limbs, through 64-bit words and `int.to_bytes`/`int.from_bytes`.
"""

from __future__ import annotations

import numpy as np

LIMB = 62                       # bits of a limb: every limb is an int64 in 0..2**62-1
LIMB_MASK = (1 << LIMB) - 1


def _words(limbs: int) -> int:
    """64-bit words holding that many limbs."""
    return -(-LIMB * limbs // 64)


def limbs_of_ints(states: list[int], limbs: int) -> np.ndarray:
    """States (ints of at most limbs * 62 bits) as rows of limbs (int64, 62 bits each, lowest first)."""
    words = _words(limbs)
    raw = b"".join([x.to_bytes(8 * words, "little") for x in states])
    w = np.frombuffer(raw, dtype=np.uint64).reshape(len(states), words)
    out = np.empty((len(states), limbs), dtype=np.int64)
    for j in range(limbs):
        q, r = divmod(LIMB * j, 64)
        x = w[:, q] >> np.uint64(r)
        if 64 - r < LIMB:   # the limb's high bits are in the next word
            x |= w[:, q + 1] << np.uint64(64 - r)
        out[:, j] = (x & np.uint64(LIMB_MASK)).view(np.int64)
    return out


def state_ints(states) -> list[int]:
    """A level's states (or a chunk's) as Python ints: a list of ints, a uint64 array (states of
    at most 64 bits) or the kernel's rows of limbs (a level it expanded: `level.Successors.result`)."""
    if isinstance(states, np.ndarray):
        return ints_of_limbs(states) if states.ndim == 2 else states.tolist()
    return states


def state_at(states, i: int) -> int:
    """The state at index i of a level held as `state_ints` takes it."""
    s = states[i]
    return int(s) if not isinstance(s, np.ndarray) else ints_of_limbs(s[None, :])[0]


def ints_of_limbs(rows: np.ndarray) -> list[int]:
    """Rows of limbs (each in 0..2**62-1) as ints."""
    n, limbs = rows.shape
    words = _words(limbs)
    u = rows.view(np.uint64)
    w = np.zeros((n, words), dtype=np.uint64)
    for j in range(limbs):
        q, r = divmod(LIMB * j, 64)
        w[:, q] |= u[:, j] << np.uint64(r)
        if 64 - r < LIMB:
            w[:, q + 1] |= u[:, j] >> np.uint64(64 - r)
    raw = w.tobytes()
    size = 8 * words
    from_bytes = int.from_bytes
    return [from_bytes(raw[i:i + size], "little") for i in range(0, len(raw), size)]
