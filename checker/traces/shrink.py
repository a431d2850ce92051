"""Shortening a failing sequence of steps after hypothesis has shrunk it.

hypothesis shrinks the *choices* a run made (which enabled action, which
parameter value), in shortlex order. A shorter choice sequence is usually a
shorter run, but not always: when the first failing run is the all-first-
choices walk, no choice can get smaller, and removing one shifts every later
choice onto other actions. Here the steps themselves are removed: a step is
re-applied by identity (action and parameters), so the rest of the run means
the same after a deletion. Chunks of halving size are tried first, as in
delta debugging, then single steps, then pairs of steps (removing an oracle
move alone breaks the move after it; removing both does not), until nothing
more can go.

`fails(candidate)` re-runs a candidate sequence and returns the failing run
it produces, or None if the candidate does not fail in the same way. It may
leave out steps that a deletion disabled, and stop at the first failing
state: removing one step often makes others unneeded, and a replay that
gave up at the first disabled step would keep them all.
"""

from __future__ import annotations

from typing import Callable, Sequence, TypeVar

T = TypeVar("T")


def shorten(steps: Sequence[T], fails: Callable[[list[T]], list[T] | None], budget: int = 2000) -> list[T]:
    """A failing subsequence of `steps`, found with at most `budget` calls of `fails`."""
    calls = [0]

    def attempt(candidate):
        calls[0] += 1
        return fails(candidate)

    best = _chunks(list(steps), attempt, calls, budget)
    while calls[0] < budget:
        shorter = _pairs(best, attempt, calls, budget)
        if shorter is None:
            break
        best = _chunks(shorter, attempt, calls, budget)
    return best


def _chunks(best: list, attempt, calls: list, budget: int) -> list:
    """Removes contiguous chunks, halving their size down to single steps."""
    size = max(1, len(best) // 2)
    while size >= 1 and calls[0] < budget:
        shrunk = False
        start = 0
        while start < len(best) and calls[0] < budget:
            result = attempt(best[:start] + best[start + size:])
            if result is not None and len(result) < len(best):
                best = result
                shrunk = True
            else:
                start += size
        if not shrunk:
            size //= 2
    return best


def _pairs(best: list, attempt, calls: list, budget: int) -> list | None:
    """A shorter failing run without two of its steps (a price move and the move that undoes it);
    chunks of halving size miss some neighbours (sizes 3, then 1, for seven steps)."""
    n = len(best)
    for i in range(n):
        for j in range(i + 1, n):
            if calls[0] >= budget:
                return None
            result = attempt(best[:i] + best[i + 1:j] + best[j + 1:])
            if result is not None and len(result) < n:
                return result
    return None
