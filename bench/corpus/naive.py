"""The floor every corpus model is measured against: a naive breadth-first search in plain Python.

Each corpus model NAME has its model, bench/corpus/NAME.sync, and beside it a hand-written
Python transcription, bench/corpus/NAME.py, over hashable tuples (frozensets for sets, tuples
for maps, records and sequences). A transcription module defines:

    BENCH: list[str]          the --const overrides of the benchmark size ([] for the defaults)
    SMALL: list[str]          those of a small size the test suite checks
    STATES: dict[str, int]    distinct states at "small" and "bench" (engine and transcription agree)
    initial(consts) -> iterable of states
    successors(state, consts) -> iterable of states, one per transition
    ok(state, consts) -> bool the model's invariants

`consts` is the dict of the overrides ({"N": 4}). The search below is what anyone writes in an
afternoon: a set of seen states, a list per level, every invariant on every new state.
"""

from __future__ import annotations

import time
from types import ModuleType


def consts_of(overrides: list[str]) -> dict[str, int]:
    """["N=4", "M=2"] -> {"N": 4, "M": 2}."""
    out = {}
    for item in overrides:
        name, _, value = item.partition("=")
        out[name.strip()] = int(value)
    return out


def bfs(spec: ModuleType, overrides: list[str]) -> tuple[int, int, float]:
    """Distinct states, transitions and seconds of a full search; raises if an invariant fails."""
    consts = consts_of(overrides)
    t0 = time.perf_counter()
    seen = set()
    level = []
    for s in spec.initial(consts):
        if s not in seen:
            seen.add(s)
            level.append(s)
    transitions = 0
    while level:
        nxt = []
        for s in level:
            if not spec.ok(s, consts):
                raise AssertionError(f"{spec.__name__}: invariant violated in {s!r}")
            for t in spec.successors(s, consts):
                transitions += 1
                if t not in seen:
                    seen.add(t)
                    nxt.append(t)
        level = nxt
    return len(seen), transitions, time.perf_counter() - t0
