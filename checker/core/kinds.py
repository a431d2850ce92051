"""The kinds of property a result reports, and how strongly a verdict was established.

Both are `StrEnum`s: a member is the string it stands for, so `--json`, ITF
and SARIF write the same words as before, and a kind read back from a trace
compares equal to its member.
"""

from __future__ import annotations

from enum import StrEnum


class Kind(StrEnum):
    """What a property result is about (`PropertyResult.kind`, `Trace.kind`)."""

    INVARIANT = "invariant"
    CONVERGE = "converge"          # an invariant over replicas: those that agree on a key agree on their state
    STEP = "step"                  # a step property: holds of every (pre-state, post-state) transition
    DEADLOCK = "deadlock"          # a reachable state where no action is enabled
    RUNTIME = "runtime"            # a run-time error: overflow, division by zero, a failed assert, ...
    TEMPORAL = "temporal"          # always, eventually, leads_to, under fairness
    DETERMINISM = "determinism"    # an action declared deterministic
    COMMUTE = "commute"            # two actions declared to commute
    REFINEMENT = "refinement"      # `refines A`: every initial state and step maps to A's (or a stutter)


class Strength(StrEnum):
    """How a verdict was established (`Result.how`, `PropertyResult.how`, `Trace.how`)."""

    EXHAUSTIVE = "exhaustive"      # the explicit engine saw every reachable state
    BOUNDED = "bounded"            # no violation up to a depth
    PROVED = "proved"              # for every reachable state, at any depth
    SAMPLED = "sampled"            # no violation in the runs tried
    UNKNOWN = "unknown"
