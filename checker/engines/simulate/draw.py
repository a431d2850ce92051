"""Drawing with hypothesis: indices, swarms of actions, and values of the model's types.

What the simulators (`checker.engines.simulate`) and the conformance runs
(`checker.conform.run`) share: every choice of a run is an integer drawn on
hypothesis's choice sequence, so that hypothesis can shrink it towards the
first value in canonical order.
"""

from __future__ import annotations

from hypothesis import HealthCheck, Phase, Verbosity, settings
from hypothesis import strategies as st

from spec import values as V
from spec.diagnostics import Diagnostic, SpecError
from spec.types import BoolType, IntType, RecordType, Type

try:  # hypothesis ends a test case that makes more choices than this
    from hypothesis.internal.conjecture.engine import BUFFER_SIZE as CHOICE_LIMIT
except ImportError:  # pragma: no cover - a future hypothesis
    CHOICE_LIMIT = 8 * 1024

try:  # the choice-level draw of hypothesis's engine (what st.integers uses)
    from hypothesis.internal.conjecture.data import ConjectureData as _CD
    DIRECT = callable(getattr(_CD, "draw_integer", None))
except ImportError:  # pragma: no cover - a future hypothesis: draw through the public API
    DIRECT = False

SMALL = 1 << 16    # a type with at most this many values is drawn by index


def hypothesis_settings(runs: int) -> settings:
    """Reproducible settings: no database, no deadline, no health checks, no explain phase."""
    return settings(max_examples=runs, deadline=None, database=None, derandomize=False,
                    report_multiple_bugs=False, suppress_health_check=list(HealthCheck),
                    verbosity=Verbosity.quiet, phases=[Phase.generate, Phase.shrink], print_blob=False)


def draw_index(data, n: int, cache: dict) -> int:
    """An index below n, drawn by hypothesis (it shrinks towards 0: the first in canonical order).

    One integer choice, made directly on the test case's choice sequence as `st.integers`
    does inside: drawing through `st.data()` costs three times as much per step (it guards
    every draw against use of the global random module)."""
    if n == 1:
        return 0
    if DIRECT:
        return data.conjecture_data.draw_integer(0, n - 1)
    strategy = cache.get(n)
    if strategy is None:
        strategy = cache[n] = st.integers(0, n - 1)
    return data.draw(strategy)


def swarm(data, n: int, cache: dict) -> set[int]:
    """Actions a run avoids while others are enabled (swarm testing, as hypothesis does).

    A uniform walk rarely reaches states that need one action to stay quiet (a commit that
    any abort prevents); runs that leave out a few actions reach them. The share left out is
    drawn per run (0 to 4 eighths) and shrinks to none; see `avoided`.
    """
    level = draw_index(data, 5, cache)
    if not level or n < 2:
        return set()
    return {k for k in range(n) if draw_index(data, 8, cache) >= 8 - level}


def avoided(data, off: set, cache: dict) -> set:
    """The actions to avoid at this step: the run's swarm, except one step in eight, so that an
    action left out is still taken now and then, late in the run (an expiry after the trading)."""
    if off and draw_index(data, 8, cache) == 7:
        return set()
    return off


def room_for_more(data, per_step: int = 4) -> bool:
    """Whether hypothesis can take another step's choices in this test case."""
    used = getattr(data.conjecture_data, "length", 0)
    return used + per_step < 0.8 * CHOICE_LIMIT


def draw_value(data, t: Type, cache: dict, pool: tuple = ()):
    """A value of type t in the interpreter's representation, drawn by hypothesis; `pool` holds
    integers of the current state and the constants, which wide integers are often drawn near."""
    if isinstance(t, IntType):
        if t.size <= SMALL:
            return t.lo + draw_index(data, t.size, cache)
        return wide_integer(data, t.lo, t.hi, pool)
    if isinstance(t, BoolType):
        return bool(draw_index(data, 2, cache))
    if t.count() <= SMALL:
        codes = cache.get(("codes", t))
        if codes is None:
            codes = cache[("codes", t)] = t.codes()
        return codes[draw_index(data, len(codes), cache)]
    if isinstance(t, RecordType):
        parts = []
        for _, ft in t.fields:
            v = draw_value(data, ft, cache, pool)
            parts.append(v - ft.lo if isinstance(ft, IntType) else int(v) if isinstance(ft, BoolType) else v)
        return t.pack(parts)
    raise SpecError(Diagnostic("E521", f"simulation cannot draw values of {t.show()}: it has too many values "
                               "and no field structure", None, "give the parameter a smaller type"))


def wide_integer(data, lo: int, hi: int, pool: tuple = ()) -> int:
    """An integer in lo..hi, drawn one of four ways: any (hypothesis's integers, shrinking towards lo);
    near a value of the state or a constant (a premium equal to a balance, a price one above the
    strike); a boundary (lo, lo + 1, hi - 1, hi: overflows); or small. A uniform draw from 0..2**64-1
    almost never meets a guard like `cash[u] >= premium`; these do."""
    near = [v for v in pool if lo <= v <= hi]
    way = draw_index(data, 4, {})
    if way == 1 and near:
        v = near[draw_index(data, len(near), {})] + draw_index(data, 3, {}) - 1
        return min(max(v, lo), hi)
    if way == 2:
        return [lo, min(lo + 1, hi), max(hi - 1, lo), hi][draw_index(data, 4, {})]
    if way == 3:
        return lo + draw_index(data, min(hi - lo, 255) + 1, {})
    if DIRECT:
        return data.conjecture_data.draw_integer(lo, hi, shrink_towards=lo)
    return data.draw(st.integers(lo, hi))


def integers_of(value, out: set) -> None:
    """Every integer inside a plain value (not booleans)."""
    if isinstance(value, bool):
        return
    if isinstance(value, int):
        out.add(value)
    elif isinstance(value, V.Rec) or isinstance(value, V.Variant):
        for _, v in value.fields:
            integers_of(v, out)
    elif isinstance(value, V.MapVal):
        for k, v in value.items:
            integers_of(k, out)
            integers_of(v, out)
    elif isinstance(value, V.Some):
        integers_of(value.value, out)
    elif isinstance(value, (tuple, frozenset, set, list)):
        for v in value:
            integers_of(v, out)
