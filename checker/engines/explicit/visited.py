"""The visited set: 64-bit fingerprints in sorted numpy runs, 8 bytes a state.

States that fit in 64 bits are their own fingerprint (no collision is
possible); larger ones are hashed to 64 bits from their 62-bit limbs
(`_mixed`), with the collision probability reported as TLC does.

New fingerprints arrive a BFS level (or chunk) at a time. Each batch is
checked against the sorted runs with a vectorised binary search and added as
a new run; runs of similar size are merged, so a state costs O(log n)
amortised and the set never holds a Python object per state.
"""

from __future__ import annotations

import numpy as np

from checker.engines.explicit.limbs import LIMB, limbs_of_ints

GOLDEN = np.uint64(0x9E3779B97F4A7C15)   # Fibonacci hashing (2**64 / the golden ratio): the high bits
                                         # of key * GOLDEN spread keys that differ in their low bits
_FMIX = (np.uint64(0xFF51AFD7ED558CCD), np.uint64(0xC4CEB9FE1A85EC53))
_SHIFT = np.uint64(33)
_KEYS: list[np.uint64] = []     # each limb position's key
_ZEROS: list[int] = [0]         # the sum of the first L limbs' contributions when they are 0


def _fmix(x: int) -> int:
    """MurmurHash3's 64-bit finaliser of one number (a bijection of 64-bit numbers)."""
    m = (1 << 64) - 1
    x ^= x >> 33
    x = x * 0xFF51AFD7ED558CCD & m
    x ^= x >> 33
    x = x * 0xC4CEB9FE1A85EC53 & m
    return x ^ x >> 33


def _keys(limbs: int) -> None:
    while len(_KEYS) < limbs:
        key = _fmix((len(_KEYS) + 1) * int(GOLDEN) & (1 << 64) - 1)
        _KEYS.append(np.uint64(key))
        _ZEROS.append((_ZEROS[-1] + _fmix(key)) & (1 << 64) - 1)


def _mixed(u: np.ndarray) -> np.ndarray:
    """The fingerprints of rows of 62-bit limbs (uint64, lowest first): the sum, modulo 2**64, of
    each limb xor its position's key through MurmurHash3's 64-bit finaliser, less what a limb of 0
    adds there, so that high limbs of 0 add nothing and a state's fingerprint does not depend on
    how many limbs hold it. Two states that differ in one limb never collide (the finaliser is a
    bijection); otherwise a pair collides with a chance of about 2**-64, as a random function's.
    Ten numpy operations a limb, on columns: 10 to 20 times faster than a Rabin fingerprint's
    modular Horner steps."""
    n, limbs = u.shape
    _keys(limbs)
    acc = np.zeros(n, dtype=np.uint64)
    x = np.empty(n, dtype=np.uint64)
    t = np.empty(n, dtype=np.uint64)
    for j in range(limbs):
        np.bitwise_xor(u[:, j], _KEYS[j], out=x)
        for c in _FMIX:
            np.right_shift(x, _SHIFT, out=t)
            x ^= t
            x *= c
        np.right_shift(x, _SHIFT, out=t)
        x ^= t
        acc += x
    acc -= np.uint64(_ZEROS[limbs])
    return acc


def runs_of(keys: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """The keys (not empty) sorted; the position in `keys` of each sorted key; a mask of where each
    run of equal keys starts; and the first occurrence (least position) of each run's key. Where
    each key leaves room below it for a position (states of few bits), the keys with their
    positions below them are sorted as one array of numbers (np.sort, several times faster than an
    argsort), the first of each run being the first occurrence; else an unstable argsort, and the
    least position of each run (half the time of the stable sort np.unique needs)."""
    n = len(keys)
    low = max(1, (n - 1).bit_length())   # bits for a position
    # whether equal keys come out in order of position (their first is their first occurrence)
    by_position = keys.dtype == np.uint64 and low < 64 and int(keys.max()) >> (64 - low) == 0
    if by_position:
        shift = np.uint64(low)
        both = keys << shift
        both |= np.arange(n, dtype=np.uint64)
        both.sort()
        ordered = both >> shift
        where = (both & np.uint64((1 << low) - 1)).astype(np.intp)
    elif keys.dtype == np.uint64 and low < 48:
        ordered, where = _sorted_by_high_bits(keys, low)
        by_position = True
    else:
        where = np.argsort(keys)
        ordered = keys[where]
    starts = np.ones(n, dtype=bool)
    np.not_equal(ordered[1:], ordered[:-1], out=starts[1:])
    at = np.flatnonzero(starts)
    return ordered, where, starts, where[at] if by_position else np.minimum.reduceat(where, at)


def _sorted_by_high_bits(keys: np.ndarray, low: int) -> tuple[np.ndarray, np.ndarray]:
    """Keys of 64 bits sorted, and each one's position, equal keys in order of position: each key's
    high 64 - low bits with its position in the low bits sorted as one array of numbers (np.sort),
    which orders the keys but those that differ only in their low bits; the few groups of equal
    high bits holding different keys are then sorted by key, stably."""
    mask = np.uint64((1 << low) - 1)
    both = keys & ~mask
    both |= np.arange(len(keys), dtype=np.uint64)
    both.sort()
    where = (both & mask).astype(np.intp)
    ordered = keys[where]
    both &= ~mask   # the high bits alone
    mixed = np.flatnonzero((both[1:] == both[:-1]) & (ordered[1:] != ordered[:-1]))
    if len(mixed):   # every member of those groups, sorted by (group, key), stably: in one lexsort
        group = np.cumsum(np.concatenate(([True], both[1:] != both[:-1]))) - 1
        hit = np.zeros(group[-1] + 1, dtype=bool)
        hit[group[mixed]] = True
        at = np.flatnonzero(hit[group])
        order = at[np.lexsort((ordered[at], group[at]))]
        ordered[at] = ordered[order]
        where[at] = where[order]
    return ordered, where


def distinct_first(keys: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """`np.unique(keys, return_index=True)`: the distinct keys, sorted, and the index of the first
    occurrence of each (`runs_of`)."""
    if len(keys) == 0:
        return keys[:0], np.zeros(0, dtype=np.intp)
    ordered, _, starts, first = runs_of(keys)
    return ordered[starts], first


HASHED_FROM = 1 << 10   # keys from which `first_occurrences` hashes rather than sorts
ORDERED_SCATTER = True  # numpy's `a[idx] = v` leaves the last value of a repeated index (checked
                        # where used; False: np.minimum.at, which is defined to, but slower)
_MIXERS = (GOLDEN, *(np.uint64(c) for c in (0xC2B2AE3D27D4EB4F, 0x165667B19E3779F9, 0xD6E8FEB86659FD93)))
_ROUNDS = 8
GROUPED_FROM = 1 << 10  # fingerprints from which `contains` looks them up grouped by their top bits


def first_occurrences(keys: np.ndarray) -> np.ndarray:
    """The position of each distinct key's first occurrence, ascending: `distinct_first`'s second
    half, sorted. Done by hashing, in rounds, where there are many keys (2 to 3 times faster than
    the sort `distinct_first` needs): each key is put in a table slot by a multiplicative hash; the
    least position in each slot is the first occurrence of its key (an earlier occurrence would
    be in the same slot); the keys that equal their slot's first are its repeats; the others
    (another key won their slot) go to the next round with another hash, in their order. Keys
    left after a few rounds are sorted (`distinct_first`)."""
    n = len(keys)
    if n < HASHED_FROM or keys.dtype not in (np.uint64, np.int64):
        _, first = distinct_first(keys)
        first.sort()
        return first
    kind = np.int32 if n < 1 << 31 else np.int64
    positions = np.arange(n, dtype=kind)
    found: list[np.ndarray] = []
    where = None            # the positions of `current` in `keys` (None: all of them)
    current = keys.view(np.uint64)
    for r in range(_ROUNDS):
        m = len(current)
        if m < 64:
            break
        bits = max(1, (m - 1).bit_length())    # a table of m to 2m slots
        slot = current * _MIXERS[r % len(_MIXERS)]
        slot >>= np.uint64(64 - bits)
        slot = slot.astype(np.intp)
        at = positions[:m]
        least = _least_by_slot(slot, at, 1 << bits, kind)
        here = np.flatnonzero(least == at)     # each slot's least position: a first occurrence
        found.append(here if where is None else where[here])
        rest = np.flatnonzero(current[least] != current)   # keys that lost their slot to another
        where = rest if where is None else where[rest]
        current = current[rest]
        if not len(rest):
            break
    if len(current):
        _, first = distinct_first(current)
        found.append(first if where is None else where[first])
    if len(found) == 1 and not len(current):   # (each round's are ascending, the sorted keys' not)
        return found[0].astype(np.intp, copy=False)
    first = np.concatenate(found) if found else np.zeros(0, dtype=np.intp)
    first.sort(kind="stable")   # a merge of ascending runs (timsort): 15-20 times quicksort's speed
    return first.astype(np.intp, copy=False)


def _least_by_slot(slot: np.ndarray, at: np.ndarray, size: int, kind) -> np.ndarray:
    """For each entry, the least position (`at`, ascending) of the entries in its slot."""
    table = np.empty(size, dtype=kind)   # only the slots written are read
    if ORDERED_SCATTER:
        table[slot[::-1]] = at[::-1]     # the last write of a slot is its least position
        least = table[slot]
        if not (least > at).any():       # each slot holds the least of its positions
            return least
    table[slot] = len(at)
    np.minimum.at(table, slot, at)
    return table[slot]


class FingerprintSet:
    def __init__(self, exact: bool):
        self.exact = exact
        self.runs: list[np.ndarray] = []
        self.count = 0
        self.refused = 0

    def fingerprints(self, states: list[int]) -> np.ndarray:
        if self.exact:
            return np.fromiter(states, dtype=np.uint64, count=len(states))
        if not len(states):
            return np.zeros(0, dtype=np.uint64)
        limbs = max(1, -(-max(states).bit_length() // LIMB))
        return _mixed(limbs_of_ints(states, limbs).view(np.uint64))

    def fingerprints_of_limbs(self, rows: np.ndarray) -> np.ndarray:
        """`fingerprints` of states given as rows of limbs (int64, 62 bits each, lowest first: the
        level kernel's wide states), with numpy: the same numbers, without a Python int."""
        u = rows.view(np.uint64)
        if self.exact:   # a state of at most 64 bits is its own fingerprint
            out = np.zeros(len(rows), dtype=np.uint64)
            for j in range(rows.shape[1]):
                if LIMB * j < 64:
                    out |= u[:, j] << np.uint64(LIMB * j)
            return out
        return _mixed(u)

    def contains(self, fps: np.ndarray) -> np.ndarray:
        """Which of the fingerprints the set holds. Many are looked up in the order of their top 16
        bits (a stable radix argsort of 16-bit numbers): consecutive binary searches then go down
        the same path of each run, 5 to 7 times faster than in the order given where it is random."""
        found = np.zeros(len(fps), dtype=bool)
        if not self.runs or not len(fps):
            return found
        order = None
        if len(fps) >= GROUPED_FROM and fps.dtype == np.uint64:
            top = int(fps.max()).bit_length()
            order = np.argsort((fps >> np.uint64(max(0, top - 16))).astype(np.uint16), kind="stable")
            fps = fps[order]
        for run in self.runs:
            idx = np.searchsorted(run, fps)
            np.minimum(idx, len(run) - 1, out=idx)
            found |= run[idx] == fps
        if order is None:
            return found
        out = np.empty_like(found)
        out[order] = found
        return out

    def add_new(self, fps: np.ndarray, room: int | None = None) -> np.ndarray:
        """Adds the batch; returns the mask of entries that were new (first occurrence only).

        With `room`, at most that many are added, the first in batch order: a state limit is
        then exact, and the same for any number of workers (batches arrive in a fixed order).
        `refused` says how many new entries did not fit."""
        self.refused = 0
        if len(fps) == 0:
            return np.zeros(0, dtype=bool)
        first = np.zeros(len(fps), dtype=bool)
        first[first_occurrences(fps)] = True
        new = first & ~self.contains(fps)
        if room is not None:
            fresh = np.flatnonzero(new)
            if len(fresh) > room:
                new[fresh[max(room, 0):]] = False
                self.refused = len(fresh) - max(room, 0)
        added = np.sort(fps[new])
        if len(added):
            self.runs.append(added)
            self.count += len(added)
            self._merge()
        return new

    def add(self, fps: np.ndarray) -> None:
        """Adds fingerprints known to be distinct and not in the set."""
        if len(fps):
            self.runs.append(np.sort(fps))
            self.count += len(fps)
            self._merge()

    def sorted(self) -> np.ndarray:
        """Every fingerprint, in one sorted array."""
        if not self.runs:
            return np.zeros(0, dtype=np.uint64)
        return np.sort(np.concatenate(self.runs)) if len(self.runs) > 1 else self.runs[0]

    def _merge(self) -> None:
        runs = self.runs
        while len(runs) > 1 and len(runs[-2]) <= 2 * len(runs[-1]):
            b = runs.pop()
            a = runs.pop()
            merged = np.concatenate((a, b))
            merged.sort(kind="stable")
            runs.append(merged)

    def __len__(self) -> int:
        return self.count

    @property
    def nbytes(self) -> int:
        return sum(r.nbytes for r in self.runs)

    def collision_probability(self, n: int | None = None) -> float:
        """TLC's optimistic estimate: n(n-1)/2 pairs, each colliding with chance 1/2**64 (n: the
        states of the search, by default this set's)."""
        if self.exact:
            return 0.0
        n = self.count if n is None else n
        return n * (n - 1) / 2 / 2.0 ** 64
