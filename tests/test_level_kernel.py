"""The level kernel (`checker.engines.explicit.vector`) against the generated code it translates.

The kernel expands a chunk of states with numpy; it must give exactly what the generated `expand`
gives: the next states with their first parents in the same order, the transitions per action,
the states where an invariant fails and the first deadlock -- or hand the chunk back (None)
exactly when an enabled action fails on one of its states. Checked on the shipped models the
kernel takes, on random straight-line models (hypothesis) and on random expressions of the
generated code's own form; and whole searches with and without the kernel must give the same
results (verdicts, traces, counts).
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from checker.core.result import Verdict
from checker.engines.explicit import vector
from checker.engines.explicit.compiled import CompiledModel
from checker.engines.explicit.search import ExplicitOptions, check
from engine_helpers import MODELS, checked_model, explicit_model_file, model_of, result_summary, shipped


def reachable(cm: CompiledModel, limit: int) -> list[int]:
    """The first `limit` states of the breadth-first search, by the generated code."""
    frontier = cm.init_states()
    seen = set(frontier)
    out = list(frontier)
    while frontier and len(out) < limit:
        nxt = cm.expand(frontier)[0]
        frontier = [t for t in nxt if t not in seen]
        seen.update(frontier)
        out += frontier
    return out[:limit]


def assert_same_expansion(cm: CompiledModel, states: list[int], size: int) -> int:
    """The kernel and the generated code agree on every chunk of `size` states; the number of
    chunks the kernel handed back (an action fails there)."""
    kernel = cm.level_kernel()
    assert kernel is not None, cm.kernel_why
    handed_back = 0
    for start in range(0, len(states), size):
        chunk = states[start:start + size]
        nxt, counts, bad, dead, err = cm.expand(chunk)
        got = kernel(chunk if kernel.wide else np.array(chunk, dtype=np.uint64))
        if got is None:
            # handed back exactly when an enabled action fails, or an invariant raises (the
            # generated code takes that for False)
            assert err is not None or any(not isinstance(ok, bool) for t in chunk for ok in cm.invariants(t))
            handed_back += 1
            continue
        assert err is None
        arrays, k_counts, k_bad, k_dead, k_err = got
        ts = vector.ints_of_limbs(arrays.rows) if kernel.wide else arrays.states.tolist()
        parents = arrays.parents.tolist()
        assert all(t != chunk[p] for t, p in zip(ts, parents))   # no step from a state to itself
        first: dict[int, int] = {}
        for t, p in zip(ts, parents):
            first.setdefault(t, p)
        # the same successors in the same order, each with its first parent -- but a state of the
        # chunk, which the generated code may have reached first from itself (visited, either way)
        inside = set(chunk)
        assert [(t, p) for t, p in first.items() if t not in inside] == \
            [(t, p) for t, p in nxt.items() if t not in inside]
        assert {t for t in first if t in inside} <= {t for t in nxt if t in inside}
        # every transition, repeats included, but those from a state to itself
        out, _, ends = cm.labelled_level(chunk)
        loops = sum(out[j] == chunk[i] for i in range(len(chunk)) for j in range(ends[i - 1] if i else 0, ends[i]))
        assert len(ts) == sum(counts) - loops
        assert (k_counts, k_bad, k_dead, k_err) == (counts, bad, dead, None)
    return handed_back


def same_search(m, **options) -> None:
    """A whole search gives the same result with the kernel on every level and without it (on the
    invariants: a graph property has the state graph built during the search, without the kernel)."""
    options.setdefault("invariants", tuple(i.name for i in m.invariants))
    with_kernel = check(m, ExplicitOptions(symmetry=False, kernel_from=0, **options))
    without = check(m, ExplicitOptions(symmetry=False, kernel_from=None, **options))
    assert result_summary(with_kernel) == result_summary(without)
    assert with_kernel.stats.search.kernel.startswith("numpy")
    assert without.stats.search.kernel == ""
    return with_kernel


# ---- the shipped models -----------------------------------------------------------------

SHIPPED = sorted(p.name for p in MODELS.glob("*.sync"))
CORPUS = MODELS.parent / "bench" / "corpus"
TAKEN = ["bridge.sync", "rollup_sequencer.sync", "rollup_sequencer_broken_censor.sync", "settlement_lock.sync",
         "state_channel.sync", "state_channel_broken.sync", "snapshot_reconciliation_broken.sync",
         "oracle_median_broken_single.sync", "options_ledger.sync", "options_ledger_refines.sync", "optimistic_concurrency.sync",
         "oracle_median_broken_expiry.sync", "two_phase_commit.sync", "two_phase_commit_broken.sync", "two_phase_commit_refines.sync",
         "two_phase_commit_refines_broken.sync", "settlement_lock_broken.sync", "atomic_settlement.sync",
         "atomic_settlement_broken.sync", "atomic_settlement_broken_replay.sync", "loss_waterfall_broken.sync",
         "bridge_finality_broken_early.sync", "sequencer_downtime_broken.sync", "gossip_replicas.sync",
         "gossip_replicas_broken.sync", "gossip_replicas_broken_tiebreak.sync", "options_amm.sync",
         "options_amm_broken.sync"]


def test_the_kernel_takes_the_shipped_models_it_should():
    """The straight-line shipped models with states of 62 bits or fewer (a test that the list
    above is not empty of real work: each of them gets a kernel)."""
    for name in TAKEN:
        cm = CompiledModel(explicit_model_file(name))
        assert cm.level_kernel() is not None, (name, cm.kernel_why)


@pytest.mark.parametrize("name", shipped(SHIPPED))   # the HEAVY ones in the slow set
def test_shipped_models_expand_the_same(name):
    m = explicit_model_file(name, ["RM=4"] if name.startswith("two_phase") else [])
    cm = CompiledModel(m)
    if cm.level_kernel() is None:
        assert name not in TAKEN
        assert cm.kernel_why   # and it says why
        return
    states = reachable(cm, 3000)
    for size in (len(states), 97):
        assert_same_expansion(cm, states, size)
    assert_same_expansion(cm, states[:300], 5)   # (a kernel call per 5 states: long on large kernels)


@pytest.mark.parametrize("name", TAKEN)
def test_shipped_models_search_the_same(name):
    m = explicit_model_file(name, ["RM=4"] if name.startswith("two_phase") else [])
    same_search(m)
    same_search(m, stop_at_first=False, chunk=3)


def test_a_large_level_uses_the_kernel_by_default():
    m = explicit_model_file("two_phase_commit.sync", ["RM=5"])
    r = check(m, ExplicitOptions(symmetry=False, invariants=("Consistent",)))
    assert r.stats.search.kernel == "numpy"
    assert (r.stats.distinct_states, r.stats.transitions) == (8832, 58145)
    small = check(explicit_model_file("two_phase_commit.sync"), ExplicitOptions(symmetry=False))
    assert small.stats.search.kernel == ""   # no level of 1,024 states: not even translated


def test_why_not_is_in_the_result():
    m = model_of("model W\nvar a: 0..70000\nvar b: set[0..999]\n"
                 "init { a = 0 b = {} }\naction A { require a < 3  a = a + 1 }\n")
    r = check(m, ExplicitOptions(symmetry=False, kernel_from=0))
    assert r.stats.search.kernel == "python: states of 1017 bits (at most 992)"
    assert r.stats.distinct_states == 4


WIDE = """model W
var a: 0..70000
var b: 0..70000
var c: 0..70000
var d: 0..70000
var m: map[0..3, 0..40000]
init { a = 0 b = 0 c = 0 d = 0 m = {k: 0 for k in 0..3} }
action A(k: 0..3) { require a < 5  a = a + 1  m[k] = m[k] + 7000 + a }
action B { require b < a  b = b + 1  d = 70000 - b }
action C(k: 0..3) { require m[k] > 0 and c < 3  c = c + 1  m[k] = m[k] - 1 }
action D { require c < 3  c = c + 1  d = m[a % 4] }
action E { require c == 1 and b == 1 and a == 5  m[0] = m[0] + 30000 }
invariant Bounded: m[0] + m[1] <= 80000 and m[(a + 3) % 4] <= 40000
"""


def test_states_wider_than_62_bits_are_expanded_in_limbs():
    """Fields across the limbs' boundaries, a field at the top, writes of each, reads at a key read
    from the state: the same search (and the run-time error: a value beyond 40000) as the
    generated code's."""
    m = model_of(WIDE)
    cm = CompiledModel(m)
    assert cm.state_bits > 62 and cm.level_kernel() is not None and cm.level_kernel().wide, cm.kernel_why
    states = reachable(cm, 20_000)
    for size in (len(states), 50):   # (some chunks have a state where E overflows m[0])
        assert 0 < assert_same_expansion(cm, states, size) <= max(1, len(states) // size // 2)
    r = same_search(m, stop_at_first=False, chunk=50)
    assert [p.name for p in r.violated] == ["deadlock", "runtime"]
    assert r.stats.search.kernel == "numpy, and the generated code where an action fails"


def test_limbs_and_ints_convert_exactly():
    import random
    rnd = random.Random(5)
    for limbs in (2, 3, 7, 16):
        states = [0, (1 << (62 * limbs)) - 1] + [rnd.getrandbits(rnd.randint(1, 62 * limbs)) for _ in range(300)]
        rows = vector.limbs_of_ints(states, limbs)
        assert rows.shape == (len(states), limbs) and rows.min() >= 0 and rows.max() <= vector.LIMB_MASK
        assert [sum(int(x) << (62 * j) for j, x in enumerate(r)) for r in rows.tolist()] == states
        assert vector.ints_of_limbs(rows) == states


# keys of few bits (sorted with their indices below them), of 64 bits (sorted by their high bits
# with the index below them), about the boundary between the two for batches of up to 300 (9 bits
# of index: keys below 2**55 are packed), and keys of 64 bits that differ only in their low bits
KEYS = st.one_of(st.integers(0, 40), st.integers(0, 2 ** 64 - 1),
                 st.sampled_from([2 ** 55 - 1, 2 ** 55, 2 ** 56 - 1, 2 ** 56, 2 ** 57, 2 ** 63 - 1]),
                 st.tuples(st.sampled_from([2 ** 63, 0xFEDC_BA98_7654_3000, 2 ** 64 - 2 ** 12]),
                           st.integers(0, 2 ** 12 - 1)).map(lambda t: t[0] | t[1]))


@settings(max_examples=300, deadline=None)
@given(st.lists(KEYS, max_size=300), st.sampled_from([np.uint64, np.int64]))
def test_distinct_first_is_numpys_unique(keys, dtype):
    """The first occurrence of each key (which successor keeps its first parent), as np.unique's."""
    from checker.engines.explicit.visited import distinct_first
    if dtype is np.int64:
        keys = [k % 2 ** 63 for k in keys]
    a = np.array(keys, dtype=dtype)
    got, first = distinct_first(a)
    want, want_first = np.unique(a, return_index=True)
    assert got.tolist() == want.tolist() and first.tolist() == want_first.tolist()
    if len(a):   # and each key's position, equal keys in order of position
        from checker.engines.explicit.visited import runs_of
        ordered, where, starts, _ = runs_of(a)
        assert np.array_equal(a[where], ordered) and sorted(where.tolist()) == list(range(len(a)))
        if dtype is np.uint64:   # (sorted with their positions: equal keys in order of position)
            assert [(int(k), int(p)) for k, p in zip(ordered, where)] == sorted((int(k), p) for p, k in enumerate(a))


def test_distinct_first_of_a_large_batch_is_numpys_unique():
    from checker.engines.explicit.visited import distinct_first
    rng = np.random.default_rng(3)
    for high in (1000, 2 ** 40, 2 ** 46, 2 ** 47, 2 ** 64 - 1):   # 2**17 keys: 17 bits of index
        a = rng.integers(0, high, size=2 ** 17, dtype=np.uint64, endpoint=True)
        a[rng.integers(0, len(a), size=5000)] = a[:5000]   # repeats
        got, first = distinct_first(a)
        want, want_first = np.unique(a, return_index=True)
        assert np.array_equal(got, want) and np.array_equal(first, want_first), high
    # keys of 64 bits in 8 groups of equal high bits, each group's keys differing in their low bits
    a = (rng.integers(0, 8, size=2 ** 17, dtype=np.uint64) << np.uint64(40)) | np.uint64(2 ** 63) \
        | rng.integers(0, 2 ** 17, size=2 ** 17, dtype=np.uint64)
    got, first = distinct_first(a)
    want, want_first = np.unique(a, return_index=True)
    assert np.array_equal(got, want) and np.array_equal(first, want_first)


def _first_by_unique(a: np.ndarray) -> list[int]:
    _, first = np.unique(a, return_index=True)
    return sorted(first.tolist())


@settings(max_examples=300, deadline=None)
@given(st.lists(KEYS, max_size=300), st.sampled_from([np.uint64, np.int64]), st.booleans(),
       st.sampled_from([1, 2, 8]))
def test_first_occurrences_by_hashing_are_numpys(keys, dtype, ordered, rounds):
    """Each key's first occurrence found by hashing (forced on small batches), with numpy's
    scatter trusted or not, and with the keys left after one, two or eight rounds sorted: the
    same positions as np.unique's. (Fails with a slot's greatest position taken, the keys that lost
    their slot dropped or kept as firsts, or the later rounds' positions not mapped back.)"""
    from checker.engines.explicit import visited
    if dtype is np.int64:
        keys = [k % 2 ** 63 for k in keys]
    a = np.array(keys, dtype=dtype)
    saved = visited.HASHED_FROM, visited.ORDERED_SCATTER, visited._ROUNDS
    visited.HASHED_FROM, visited.ORDERED_SCATTER, visited._ROUNDS = 0, ordered, rounds
    try:
        got = visited.first_occurrences(a)
    finally:
        visited.HASHED_FROM, visited.ORDERED_SCATTER, visited._ROUNDS = saved
    assert got.tolist() == _first_by_unique(a)


def test_first_occurrences_of_large_batches_are_numpys():
    """Batches above HASHED_FROM, random and structured (keys that differ in their high bits or
    low bits only, one key repeated, all distinct), each both ways of finding a slot's least."""
    from checker.engines.explicit import visited
    rng = np.random.default_rng(11)
    n = 3 * visited.HASHED_FROM + 17
    batches = [rng.integers(0, high, size=n, dtype=np.uint64, endpoint=True)
               for high in (0, 5, 1000, 2 ** 40, 2 ** 64 - 1)]
    batches += [np.arange(n, dtype=np.uint64) % np.uint64(300) << np.uint64(shift) for shift in (0, 20, 55)]
    batches += [np.arange(n, dtype=np.uint64)[::-1].copy(), np.full(n, 2 ** 63 + 7, dtype=np.uint64)]
    for a in batches:
        a[rng.integers(0, n, size=n // 3)] = a[: n // 3]   # repeats, after their first
        want = _first_by_unique(a)
        for ordered in (True, False):
            visited.ORDERED_SCATTER = ordered
            try:
                assert visited.first_occurrences(a).tolist() == want
                assert visited.first_occurrences(a.view(np.int64)).tolist() == want
            finally:
                visited.ORDERED_SCATTER = True


@settings(max_examples=200, deadline=None)
@given(st.lists(KEYS, max_size=200), st.lists(KEYS, min_size=1, max_size=200), st.integers(0, 3))
def test_visited_lookups_grouped_by_top_bits_are_exact(held, asked, grouped_from):
    """`contains` of fingerprints looked up in the order of their top bits (forced on small
    batches) gives each one's answer at its own position. (Fails with the answers left in the
    looked-up order.)"""
    from checker.engines.explicit import visited
    fs = visited.FingerprintSet(exact=False)
    if held:
        fs.add(np.unique(np.array(held, dtype=np.uint64)))
    a = np.array(asked, dtype=np.uint64)
    saved, visited.GROUPED_FROM = visited.GROUPED_FROM, grouped_from
    try:
        got = fs.contains(a)
    finally:
        visited.GROUPED_FROM = saved
    assert got.tolist() == [k in set(held) for k in asked]


def _fingerprint_by_python(state: int) -> int:
    """The wide fingerprint, by its definition: per 62-bit limb j (lowest first), fmix64(limb xor
    key_j) - fmix64(key_j), summed modulo 2**64, key_j = fmix64((j + 1) * golden ratio)."""
    m = (1 << 64) - 1

    def fmix(x):
        x ^= x >> 33
        x = x * 0xFF51AFD7ED558CCD & m
        x ^= x >> 33
        x = x * 0xC4CEB9FE1A85EC53 & m
        return x ^ x >> 33
    total, j = 0, 0
    while state >> (62 * j):
        key = fmix((j + 1) * 0x9E3779B97F4A7C15 & m)
        total += fmix(state >> (62 * j) & (1 << 62) - 1 ^ key) - fmix(key)
        j += 1
    return total & m


def test_fingerprints_of_limbs_are_those_of_the_ints():
    """The visited set's fingerprints of wide states, made from their limbs with numpy, are the
    ones made from the ints and the ones of the definition (a pure Python oracle), whatever the
    number of limbs holding a state; states of 64 bits are themselves."""
    import random
    from checker.engines.explicit.visited import FingerprintSet
    rnd = random.Random(3)
    fs = FingerprintSet(False)
    for limbs in (2, 3, 16):
        states = [0, 1, (1 << 62) - 1, 1 << 62, (1 << (62 * limbs)) - 1] + \
            [rnd.getrandbits(rnd.randint(1, 62 * limbs)) for _ in range(2000)]
        rows = vector.limbs_of_ints(states, limbs)
        got = fs.fingerprints_of_limbs(rows).tolist()
        assert got == fs.fingerprints(states).tolist()
        assert got == fs.fingerprints_of_limbs(vector.limbs_of_ints(states, 20)).tolist()
        assert got[:300] == [_fingerprint_by_python(s) for s in states[:300]]
    states = [0, (1 << 64) - 1] + [rnd.getrandbits(64) for _ in range(500)]
    assert FingerprintSet(True).fingerprints_of_limbs(vector.limbs_of_ints(states, 2)).tolist() == states


def test_wide_fingerprints_of_states_one_limb_apart_never_collide():
    """States equal but in one limb have distinct fingerprints (each limb's mixing is a bijection),
    and neither do 200,000 structured states (counters in the low and high limbs) collide."""
    import random
    from checker.engines.explicit.visited import FingerprintSet
    rnd = random.Random(5)
    fs = FingerprintSet(False)
    base = rnd.getrandbits(62 * 4)
    for j in range(4):
        values = {rnd.getrandbits(62) for _ in range(5000)} | {0, 1, (1 << 62) - 1}
        states = [base & ~(((1 << 62) - 1) << (62 * j)) | v << (62 * j) for v in values]
        assert len(set(fs.fingerprints(states).tolist())) == len(values)
    n = np.arange(200_000, dtype=np.int64)
    rows = np.zeros((len(n), 3), dtype=np.int64)
    rows[:, 0], rows[:, 2] = n % 450, n // 450
    assert len(np.unique(fs.fingerprints_of_limbs(rows))) == len(n)


UNION = """model U
type Msg = Req(clock: 1..3) | Ack | Rel(clock: 1..3, who: 0..1)
var q: seq[Msg, 3]
var c: 0..3
init { q = [] c = 0 }
action SendReq(k: 1..3) { require len(q) < 3  q = append(q, Req(k)) }
action SendAck { require len(q) < 3  q = append(q, Ack) }
action SendRel(k: 1..3) { require len(q) < 3  q = append(q, Rel(k, 1)) }
action Take { require q != [] and not (head(q) is Ack)  c = head(q).clock  q = tail(q) }
action Peek { require len(q) == 3 and c == 3  c = head(q).clock }
"""


def test_a_union_field_read_through_its_table():
    """`_ufield`: the field of the first variant holding the value, an error on a variant without
    it (Peek on an Ack): those chunks, and only those, handed back."""
    m = model_of(UNION)
    cm = CompiledModel(m)
    assert "_ufield(" in cm.source and cm.level_kernel() is not None, cm.kernel_why
    states = reachable(cm, 5000)
    assert 0 < assert_same_expansion(cm, states, 40) < len(states) // 40
    r = same_search(m, stop_at_first=False, chunk=40)
    assert [p.name for p in r.violated] == ["deadlock", "runtime"]


RECORDS = """model Rc
type Msg = { a: 0..2, b: 0..2 }
var msgs: set[Msg]
var got: 0..20
init { msgs = {} got = 0 }
action Send(x: 0..2, y: 0..2) { require len(msgs) < 3  msgs = msgs | {{ a: x, b: y }} }
action Take {
  choose m in msgs
  got = min(got + m.a * 3 + m.b, 20)
  msgs = msgs - {m}
}
"""


def test_a_choose_over_records_tries_them_in_the_generated_codes_order():
    """The generated code tries a set's members by code; a record's codes are not listed in that
    order (by field), and the kernel's columns follow the members' codes: same successors, same order."""
    m = model_of(RECORDS)
    cm = CompiledModel(m)
    states = reachable(cm, 3000)
    for size in (len(states), 50):
        assert assert_same_expansion(cm, states, size) == 0
    same_search(m, max_states=2000)


# ---- a failing action hands its chunk back ------------------------------------------------

OVERFLOW = """model O
var x: 0..5
var y: 0..3
init { x = 0  y = 0 }
action Up { x = x + 1 }
action Side(k: 0..3) { require x < 4  y = k }
invariant Small: x + y < 9
"""


def test_what_runs_before_a_choose_from_nothing_still_fails():
    m = model_of("model C\nvar b: bool\nvar x: 0..3\ninit { b = false x = 0 }\n"
                 "action A { for i in 0..2 { assert b }  choose c in ({} & {0, 2})  x = c }\n"
                 "action B { require x < 3  x = x + 1 }\n")
    r = same_search(m)
    assert [p.name for p in r.violated] == ["runtime"]


def test_a_chunk_where_an_action_fails_goes_to_the_generated_code():
    m = model_of(OVERFLOW)
    cm = CompiledModel(m)
    states = reachable(cm, 10_000)
    assert assert_same_expansion(cm, states, 4) > 0
    r = same_search(m, chunk=2)
    assert r.verdict is Verdict.VIOLATED and [p.name for p in r.violated] == ["runtime"]
    assert r.stats.search.kernel == "numpy, and the generated code where an action fails"
    r = same_search(m, stop_at_first=False, chunk=1)


# ---- random straight-line models ----------------------------------------------------------

HEADER = """model R
var x: 0..7
var y: -3..4
var b: bool
var s: set[0..3]
var m: map[0..2, 0..3]
var o: option[0..3]
var q: seq[0..3, 3]
var big: map[0..3, 0..BIG]
init {
  big = {k: 0 for k in 0..3}
  x = 0
  y = 0
  b = false
  s = {}
  m = {k: 0 for k in 0..2}
  o = none
  q = []
}
"""
POPCOUNT = hasattr(np, "bitwise_count")


@st.composite
def iexpr(draw, depth, params):
    leaves = ["x", "y", "m[0]", "m[2]", "big[1]", "big[3]", "big[m[1]]"] + [f"m[{p}]" for p in params if not p.startswith("c")] \
        + list(params)
    if depth <= 0 or draw(st.integers(0, 3)) == 0:
        return draw(st.sampled_from(leaves) | st.integers(-2, 5).map(str))
    sub = iexpr(depth - 1, params)
    kind = draw(st.integers(0, 11 if POPCOUNT else 8))
    if kind == 10:   # generators over a set: sums, minima and maxima (of nothing: an error)
        agg = draw(st.sampled_from(["sum", "min", "max"]))
        return f"{agg}(v{depth} + {draw(st.integers(-1, 2))} for v{depth} in {draw(sexpr(depth - 1, params))})"
    if kind == 11:
        return draw(st.sampled_from(["min(s)", "max(s)", "sum(v for v in s if v > 0)"]))
    if kind == 7:   # checks of the runtime where they cannot fail, and where they can
        return draw(st.sampled_from(["(if o is some then get(o) else 1)", "(if o is none then 0 else get(o) + 1)",
                                     "get(o)"]))
    if kind == 8:
        return f"m[{draw(sub)}]"        # a key out of 0..2: a run-time error
    if kind == 9:   # sequences: reads that fail on an empty or short one, and those guarded
        return draw(st.sampled_from(["len(q)", "q[0]", "q[1]", "head(q)", "last(q)", "len(tail(q))",
                                     "(if len(q) > 1 then q[1] else 0)", "len(take(q, 2))", "len(drop(q, 1))",
                                     "(if q == [] then 0 else last(q))"]))
    if kind <= 1:
        return f"({draw(sub)} {draw(st.sampled_from(['+', '-', '*']))} {draw(sub)})"
    if kind == 2:
        return f"{draw(st.sampled_from(['min', 'max']))}({draw(sub)}, {draw(sub)})"
    if kind == 3:
        return f"abs({draw(sub)})" if draw(st.booleans()) else f"(-{draw(sub)})"
    if kind == 4:
        return f"(if {draw(bexpr(depth - 1, params))} then {draw(sub)} else {draw(sub)})"
    if kind == 5:
        return f"(let v{depth} = {draw(sub)} in (v{depth} + {draw(sub)}))"
    return f"len({draw(sexpr(depth - 1, params))})"


@st.composite
def bexpr(draw, depth, params):
    if depth <= 0 or draw(st.integers(0, 4)) == 0:
        return draw(st.sampled_from(["b", "true", "false", "(x == 3)", "(y < 0)", "(o is some and get(o) > 1)",
                                     "(o is none or get(o) < 3)"]))
    sub = bexpr(depth - 1, params)
    kind = draw(st.integers(0, 4))
    if kind <= 1:
        op = draw(st.sampled_from(["==", "!=", "<", "<=", ">", ">="]))
        return f"({draw(iexpr(depth - 1, params))} {op} {draw(iexpr(depth - 1, params))})"
    if kind == 2:
        return f"({draw(sub)} {draw(st.sampled_from(['and', 'or', 'implies']))} {draw(sub)})"
    if kind == 3:
        return f"(not {draw(sub)})"
    if kind == 4 and draw(st.booleans()):   # quantifiers, and membership in a sequence
        q = draw(st.sampled_from(["forall", "exists"]))
        return draw(st.sampled_from([f"({q} v in s: v < x)", f"({q} v in s: m[0] + v > y)", "(2 in q)",
                                     "(x not in q)", f"({q} v in {draw(sexpr(depth - 1, params))}: v != 1)"]))
    elem = draw(st.sampled_from(["0", "3"] + list(params)))
    return f"({elem} {draw(st.sampled_from(['in', 'not in']))} {draw(sexpr(depth - 1, params))})"


@st.composite
def sexpr(draw, depth, params):
    leaves = ["s", "{}", "{0, 2}", "{1}"] + [f"{{{p}}}" for p in params]
    if depth <= 0 or draw(st.booleans()):
        return draw(st.sampled_from(leaves))
    sub = sexpr(depth - 1, params)
    return f"({draw(sub)} {draw(st.sampled_from(['|', '&', '-']))} {draw(sub)})"


@st.composite
def stmts(draw, params, depth=1):
    out = []
    for _ in range(draw(st.integers(1, 3))):
        kind = draw(st.integers(0, 9))
        if kind == 9 and depth == 1:   # a `choose` in the body itself: one column per value
            name = f"c{len(out)}"
            out.append(f"choose {name} in {draw(sexpr(1, params))}")
            params = params + (name,)
            continue
        e = draw(iexpr(2, params))
        if kind == 0:
            out.append(f"x = {e}")                       # may leave 0..7: a run-time error
        elif kind == 1:
            out.append(f"y = min(max({e}, -3), 4)")
        elif kind == 2:
            out.append(f"b = {draw(bexpr(2, params))}")
        elif kind == 3:
            out.append(f"s = {draw(sexpr(2, params))}")
        elif kind == 4 and draw(st.booleans()):   # the map `big`: 4 fields of 16 bits when BIG is 60000
            key = draw(st.sampled_from(["0", "3"] + [p for p in params if not p.startswith("c")]))
            out.append(f"big[{key}] = " + draw(st.sampled_from([f"min(max({e}, 0), BIG)", f"big[{key}] + {e}"])))
        elif kind == 4:
            key = draw(st.sampled_from(["0", "1", "2"] + [p for p in params if not p.startswith("c")]))
            out.append(f"m[{key}] = min(max({e}, 0), 3)")
        elif kind == 5 and depth > 0:
            out += [f"if {draw(bexpr(1, params))} {{", *draw(stmts(params, depth - 1)), "} else {",
                    *draw(stmts(params, depth - 1)), "}"]
        elif kind == 6 and depth > 0 and draw(st.booleans()):   # a loop over a set's members
            out += ["for w in s {", f"  x = min(max(x + w - {draw(st.integers(0, 2))}, 0), 7)",
                    *draw(stmts(params, depth - 1)), "}"]
        elif kind == 6 and depth > 0:
            out += ["for i in 0..2 {", *draw(stmts(params + ("i",), depth - 1)), "}"]
        elif kind == 8 and draw(st.booleans()):
            item = f"min(max({e}, 0), 3)"
            out.append(draw(st.sampled_from([f"q = append(q, {item})", f"q = if len(q) < 3 then append(q, {item}) else tail(q)",
                                             "q = drop(q, 1)", "q = take(q, 1)", f"q = [{item}]"])))
        elif kind == 7 and draw(st.booleans()):
            out.append(f"o = if {draw(bexpr(1, params))} then some(min(max({e}, 0), 3)) else none")
        elif kind == 7:   # a `require` after other statements (the body is then a function of its own)
            out.append(f"require {draw(bexpr(1, params))}")
        else:
            out.append(f"assert {draw(bexpr(1, params))}" if draw(st.integers(0, 3)) == 0 else "x = (x + 1) % 8")
    return out


@st.composite
def straight_model(draw):
    # states of 32 bits, or of 92 (two limbs: the kernel's wide states), the fields of `big` across them
    big = draw(st.sampled_from(["1", "60000"]))
    parts = [HEADER]
    for n in range(draw(st.integers(1, 3))):
        params = ("p",) if draw(st.booleans()) else ()
        head = f"action A{n}(p: 0..2) {{" if params else f"action A{n} {{"
        body = [f"require {draw(bexpr(1, params))}"] if draw(st.booleans()) else []
        body += draw(stmts(params))
        parts += [head, *("  " + line for line in body), "}"]
    for n in range(draw(st.integers(0, 2))):
        parts.append(f"invariant I{n}: {draw(bexpr(2, ()))}")
    return ("\n".join(parts) + "\n").replace("BIG", big)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(straight_model(), st.sampled_from([1, 7, 4096]))
@example(HEADER.replace("BIG", "60000") + "action A0 {\n  big[3] = min(max((-min(s)), 0), 60000)\n}\n", 1)   # 0 << 76
def test_random_straight_line_models_expand_the_same(text, size):
    m = checked_model(text)
    if m is None:
        return
    cm = CompiledModel(m)
    assert cm.level_kernel() is not None, cm.kernel_why   # every model of this form is taken
    assert_same_expansion(cm, reachable(cm, 5000), size)


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(straight_model())
@example(HEADER.replace("BIG", "60000") + "action A2 {\n  big[3] = big[3] + 1\n  if (x < 3) {\n"
         "    x = (if (exists v in s: v < x) then -2 else (-3))\n  }\n}\n")   # a range check that always fails
@example(HEADER.replace("BIG", "60000") + "action A0 {\n  x = m[big[1] + 3]\n}\n")   # a key never in range
@example(HEADER.replace("BIG", "60000") + "action A0 {\n  x = -min(1, 1)\n}\n")   # a constant out of range
def test_random_straight_line_models_search_the_same(text):
    m = checked_model(text)
    if m is None:
        return
    # (a depth limit: `big[0] = big[0] + 3` alone makes 20,000 levels of one state, minutes of search)
    same_search(m, deadlock=True, chunk=5, max_depth=DEPTH)
    same_search(m, deadlock=False, stop_at_first=False, max_depth=DEPTH)


DEPTH = 60   # levels the random models' searches go to at most


# ---- random expressions of the generated code's form --------------------------------------

BITS = 20


@st.composite
def pyexpr(draw, depth=3):
    """A Python expression over s0 of the kind the code generator writes."""
    field = f"((s0 >> {draw(st.integers(0, BITS - 3))}) & {draw(st.sampled_from([1, 3, 7]))})"
    if depth <= 0 or draw(st.integers(0, 4)) == 0:
        return draw(st.sampled_from([field, "s0", "True", "False"]) | st.integers(-9, 9).map(str))
    sub = pyexpr(depth - 1)
    kind = draw(st.integers(0, 9))
    if kind == 0:
        return f"({draw(sub)} {draw(st.sampled_from(['+', '-', '*', '&', '|', '^']))} {draw(sub)})"
    if kind == 1:
        if draw(st.booleans()):   # by more than 63 too: Python's x >> n is then 0 or -1
            return f"({draw(sub)} >> ((s0 >> {draw(st.integers(0, BITS - 7))}) & 127))"
        return f"({draw(sub)} {draw(st.sampled_from(['<<', '>>']))} {draw(st.integers(0, 6))})"
    if kind == 2:   # `and`/`or` of truth values and bits, as the generator writes them
        bits = [draw(st.sampled_from([field, f"({draw(sub)} == {draw(sub)})", "True"])) for _ in range(2)]
        return f"({bits[0]} {draw(st.sampled_from(['and', 'or']))} {bits[1]})"
    if kind == 3:
        return f"(not {draw(sub)})"
    if kind == 4:
        return f"({draw(sub)} {draw(st.sampled_from(['<', '<=', '==', '!=']))} {draw(sub)} < {draw(sub)})"
    if kind == 5:
        return f"({draw(sub)} if {draw(sub)} else {draw(sub)})"
    if kind == 6:
        return f"{draw(st.sampled_from(['min', 'max']))}({draw(sub)}, {draw(sub)})"
    if kind == 7:
        return f"abs({draw(sub)})" if draw(st.booleans()) else f"(-{draw(sub)})"
    if kind == 8:
        return f"(~({draw(sub)} | 0))" if draw(st.booleans()) else f"({draw(sub)} // {draw(st.sampled_from([1, 3, -2]))})"
    return f"({draw(sub)} % {draw(st.sampled_from([2, 5, -3]))})"


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(pyexpr(), pyexpr(), st.lists(st.integers(0, (1 << BITS) - 1), min_size=1, max_size=40))
def test_translated_expressions_are_pythons(guard, value, states):
    """Guard and next state of a one-instance kernel, row by row, against Python's eval of the
    same text (the kernel's next state is its value's 64 bits, which is Python's value when
    that value is a state: a number of 62 bits or fewer)."""
    try:
        k = vector.Kernel([vector.Instance(0, [guard], [f"ap({value})"]), vector.Instance(0, [], [f"ap({value})"])],
                          [f"bool({guard})"], BITS, 1)
    except vector.Unsupported as exc:
        assert "truth value" in str(exc) or "0 and 1" in str(exc), exc
        return
    S = np.array(states, dtype=np.int64)
    ok, G, N, E, F = k.kernel(S)
    assert F is None
    assert E is None
    for i, s0 in enumerate(states):
        want_guard = bool(eval(guard, {}, {"s0": s0}))  # noqa: S307 - the test's own expressions
        assert bool(G[i, 0]) is want_guard
        assert bool(ok[i]) is want_guard
        want = int(eval(value, {}, {"s0": s0}))  # noqa: S307
        assert int(N[i, 1]) == want and bool(G[i, 1])
        if want_guard:   # (the next state of a row where the guard fails is not looked at)
            assert int(N[i, 0]) == want


IDENTITY_OPERANDS = ["((s0 >> 3) & 255)", "(((s0 >> 3) & 255) - 128)", "(s0 & 1)"]
IDENTITY_CONSTANTS = [0, 1, -1, 2, 7, 8, 127, 255, 256, 511, 383, -256]


@pytest.mark.parametrize("sym", ["&", "|", "^", "+", "-", "*", "<<", ">>", "//"])
def test_operations_with_a_constant_that_leave_a_value_are_pythons(sym):
    """x & 0, x | 0, x + 0, x * 1, x << 0, x >> 8 of an 8-bit x, a mask covering all of x's bits
    and the like are folded to x or 0 without a numpy operation (`_identity`): each operator with
    edge constants on either side of fields (negative ones too), against Python's eval on 600
    states (fails with 0 - x taken for x, or x >> 7 of an 8-bit x for 0)."""
    states = np.random.default_rng(7).integers(0, 1 << BITS, 600)
    for x in IDENTITY_OPERANDS:
        for c in IDENTITY_CONSTANTS:
            if sym in ("<<", ">>") and not 0 <= c <= 40 or sym == "//" and c == 0:
                continue
            texts = [f"({x} {sym} {c})"] + ([] if sym in ("<<", ">>", "//") else [f"({c} {sym} {x})"])
            for text in texts:
                k = vector.Kernel([vector.Instance(0, [], [f"ap({text})"])], [], BITS, 1)
                ok, G, N, E, F = k.kernel(states)
                assert E is None
                for i, s0 in enumerate(states.tolist()):
                    assert int(N[i, 0]) == eval(text, {}, {"s0": s0}), (text, s0)  # noqa: S307 - the test's text


@pytest.mark.parametrize("sym", ["==", "!=", "<", "<=", ">", ">="])
def test_a_negated_comparison_is_pythons(sym):
    """`not (a OP b)` is translated as the opposite comparison, one numpy operation (the kernel's
    `negated`): each operator between fields, and a field and constants on its edges, on either
    side, against Python's eval on 600 states; and the translation has no `~` left. (Fails with
    any operator given a wrong opposite: < for >=, or <= for >.)"""
    states = np.random.default_rng(9).integers(0, 1 << BITS, 600)
    x, y = "((s0 >> 3) & 15)", "((s0 >> 9) & 15)"
    for a, b in [(x, y), (y, x), (x, "0"), ("7", x), (x, "15"), ("8", y), (x, x)]:
        text = f"(not ({a} {sym} {b}))"
        k = vector.Kernel([vector.Instance(0, [text], ["ap(s0)"])], [], BITS, 1)
        assert "~" not in k.source or a == b, (text, k.source)
        ok, G, N, E, F = k.kernel(states)
        assert G[:, 0].tolist() == [bool(eval(text, {}, {"s0": s0})) for s0 in states.tolist()], text  # noqa: S307


WBITS = 130   # three limbs


@st.composite
def wide_field(draw):
    """A field of a wide s0 as the generator reads it: at a constant offset (across limbs too), or
    at an offset read from the state (a map's entry), masked."""
    mask = draw(st.sampled_from([1, 7, 255, (1 << 40) - 1, (1 << 62) - 1]))
    if draw(st.booleans()):
        return f"((s0 >> {draw(st.integers(0, WBITS + 3))}) & {mask})"
    key = f"((s0 >> {draw(st.integers(0, WBITS - 3))}) & 7)"
    return f"((s0 >> ({draw(st.integers(0, 100))} + {key} * {draw(st.integers(1, 4))})) & {mask})"


@st.composite
def wide_next(draw, depth=2):
    """A next state as the generator writes it: fields cleared and set, bits added and removed."""
    if depth <= 0 or draw(st.integers(0, 3)) == 0:
        return "s0"
    sub = draw(wide_next(depth - 1))
    at, width = draw(st.integers(0, WBITS - 8)), draw(st.sampled_from([1, 3, 8]))
    mask = (1 << width) - 1
    kind = draw(st.integers(0, 10))
    if kind in (9, 10):   # a member added to a set held above other fields: ((s >> k) | (b << e)) << k
        b = draw(st.sampled_from(["1", "3", f"({draw(wide_field())} & 255)"]))   # (within the state's bits)
        room = WBITS - at - 8
        e = draw(st.sampled_from([str(draw(st.integers(0, room))),
                                  f"(((s0 >> {draw(st.integers(0, WBITS - 3))}) & 7) * {room // 7})"]))
        op = "|" if kind == 9 else "^"
        down = f"({sub} >> {at})" if at < 2 or draw(st.booleans()) else f"(({sub} >> 1) >> {at - 1})"
        side = f"({down} {op} ({b} << {e}))" if draw(st.booleans()) else f"(({b} << {e}) {op} {down})"
        return f"(({side} << {at}) | ({sub} & {(1 << at) - 1}))"
    if kind in (7, 8):   # a map's entry at a key read from the state cleared: `s & ~(mask << k)`
        k = f"({at // 2} + ((s0 >> {draw(st.integers(0, WBITS - 3))}) & 7) * 9)"
        cleared = f"~({mask} << {k})" if draw(st.booleans()) else f"~({draw(wide_field())} << {at})"
        return f"({sub} & {cleared})" if kind == 7 else f"({cleared} & {sub})"
    if kind == 5:   # a set of more than 62 members: its low bits dropped, a member added at a key
        return f"(({sub} >> {at}) << {at})"
    if kind == 6:
        return f"({sub} | (1 << ({at // 2} + ((s0 >> {draw(st.integers(0, WBITS - 3))}) & 7) * 9)))"
    if kind == 0:
        return f"(({sub} & {~(mask << at)}) | (({draw(wide_field())} & {mask}) << {at}))"
    if kind == 1:
        return f"({sub} | {1 << at})"
    if kind == 2:
        return f"({sub} & {~(1 << at)})"
    if kind == 3:
        return f"({sub} ^ {mask << at})"
    return f"({sub} if {draw(wide_field())} > 3 else {draw(wide_next(depth - 1))})"


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(wide_field(), wide_next(), st.lists(st.integers(0, (1 << WBITS) - 1), min_size=1, max_size=30))
def test_translated_wide_expressions_are_pythons(field, value, states):
    """Reads and writes of a 130-bit state in limbs, row by row, against Python's eval."""
    guard = f"({field} % 3 != 1) or ({value} == s0)"
    patched = len(states) % 2 == 0   # (both forms of the next states, by the rows drawn)
    k = vector.Kernel([vector.Instance(0, [guard], [f"ap({value})"]), vector.Instance(0, [], [f"ap({field})"])],
                      [f"({field} < 100)"], WBITS, 1, patched=patched)
    S = vector.limbs_of_ints(states, k.limbs)
    ok, G, N, E, F = k.kernel(S)
    N = k.matrix(S, N)   # (rows, instances, limbs)
    assert E is None
    got = vector.ints_of_limbs(np.ascontiguousarray(N[:, 0, :]))
    fields = vector.ints_of_limbs(np.ascontiguousarray(N[:, 1, :]))   # the field's value as a next state
    for i, s0 in enumerate(states):
        env = {"s0": s0}
        assert fields[i] == eval(field, {}, env)  # noqa: S307 - the test's own text
        assert bool(ok[i]) is bool(eval(f"({field} < 100)", {}, env))  # noqa: S307
        assert bool(G[i, 0]) is bool(eval(guard, {}, env))  # noqa: S307
        assert got[i] == eval(value, {}, env)  # noqa: S307
        if patched:
            assert bool(F[i, 0]) is (got[i] != s0) and bool(F[i, 1]) is (fields[i] != s0)
        else:
            assert F is None


@st.composite
def masked_set(draw):
    """A set of a wide state masked by a constant of more than 62 bits (a variant's members, a
    quorum's reports), as the generated code tests and counts it: the mask's bits read where they
    are, the set shifted or not, masked twice or once."""
    at = draw(st.integers(0, WBITS - 1))
    constant = draw(st.integers(0, (1 << draw(st.sampled_from([63, 70, 125, 135]))) - 1))
    masked = f"((s0 >> {at}) & {constant})" if draw(st.booleans()) else f"({constant} & (s0 >> {at}))"
    if draw(st.booleans()):
        masked = f"({masked} & {draw(st.integers(0, (1 << 130) - 1))})"
    if draw(st.integers(0, 4)) == 0:   # not masked
        masked = f"(s0 >> {at})"
    form = draw(st.sampled_from(["== 0", "!= 0", "count", "loop"]))
    if form == "count":
        return f"({masked}).bit_count()"
    if form == "loop":
        return f"sum((l % 7) for l in _bits({masked}))"
    return f"int({masked} {form})"


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(masked_set(), st.randoms(use_true_random=False))
def test_sets_of_a_wide_state_masked_by_wide_constants_are_pythons(value, rnd):
    """A wide set masked by a wide constant is masked limb by limb where it lies, and tested or
    counted without its bits moved: against Python's eval, on random states, states with few
    bits set and none."""
    from spec import runtime
    states = [rnd.getrandbits(WBITS) for _ in range(20)]
    states += [s & rnd.getrandbits(WBITS) & rnd.getrandbits(WBITS) & rnd.getrandbits(WBITS) for s in states] + [0]
    text = value.replace("int(", "(")
    k = vector.Kernel([vector.Instance(0, [], [f"ap({text} + 0)"])], [], WBITS, 1)
    S = vector.limbs_of_ints(states, k.limbs)
    ok, G, N, E, F = k.kernel(S)
    assert E is None
    got = vector.ints_of_limbs(np.ascontiguousarray(k.matrix(S, N)[:, 0, :]))
    env = {"_bits": runtime.bits_small}
    for i, s0 in enumerate(states):
        assert got[i] == int(eval(text, env, {"s0": s0})), (text, s0)  # noqa: S307 - the test's own text


@st.composite
def member_condition(draw):
    """all/any over a set's members of a condition on the member alone (`reduce_by_groups`), as the
    generated code writes quantifiers over a message set, or on the state where members share a
    value (grouped by it): with an `if` or not, within a loop over
    the same or another set whose member it compares with (the outer loop's condition reads the
    state through the inner loop), or with a check that fails for some members (`_optget` of
    none, a union's other variant)."""
    def a_set():
        at = draw(st.integers(0, WBITS - 1))
        width = draw(st.sampled_from([6, 40, 70, 125]))
        constant = draw(st.integers(0, (1 << width) - 1))
        return draw(st.sampled_from([f"((s0 >> {at}) & {constant})", f"(s0 >> {at})", f"((s0 >> {at}) & 63)"]))
    k = draw(st.integers(0, 9))
    inner_fn, outer_fn = draw(st.sampled_from(["all", "any"])), draw(st.sampled_from(["all", "any"]))
    cond = draw(st.sampled_from([f"(l % 5 != {k % 5})", f"(l >= {k * 7})", f"((l >> 1) & 3 == {k % 4})",
                                 f"(_optget(l % 4, 3) != {k % 3})",
                                 f"((((l - 4) >> 1) & 7) if 4 <= l < 90 else _nofield(2)) > {k % 5}",
                                 f"((s0 >> (l % 8 + {k})) & 1 == 1)",   # (the state's: members grouped by it)
                                 f"(l % 3 == {k % 3} or (s0 >> {k}) & 3 != 0)"]))
    cut = f" if l % 3 != {k % 3}" if draw(st.booleans()) else ""
    inner_set = a_set()
    inner = f"{inner_fn}({cond} for l in _bits({inner_set}){cut})"
    if draw(st.booleans()):
        return inner
    paired = draw(st.sampled_from(["(l2 >= l)", "(l2 % 4 == l % 4)", "(l2 != l)"]))
    outer_set = inner_set if draw(st.booleans()) else a_set()
    return f"{outer_fn}((l2 % 3 != {k % 3}) and {inner_fn}({paired} for l in _bits({inner_set})) " \
           f"for l2 in _bits({outer_set}))"


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(member_condition(), st.randoms(use_true_random=False))
def test_quantifiers_over_members_of_constant_conditions_are_pythons(text, rnd):
    """A quantifier over a set's members whose condition is a constant per member is one mask of
    the set and a comparison: its truth against Python's eval with the runtime's helpers on random
    states of three limbs; where Python's raises (a check fails on a member), the chunk is handed
    back on that row, and only there."""
    from spec import runtime
    states = [rnd.getrandbits(WBITS) for _ in range(20)]
    states += [s & rnd.getrandbits(WBITS) & rnd.getrandbits(WBITS) for s in states] + [0]
    k = vector.Kernel([vector.Instance(0, [], [f"ap(({text}) + 0)"])], [], WBITS, 1)
    S = vector.limbs_of_ints(states, k.limbs)
    ok, G, N, E, F = k.kernel(S)
    got = vector.ints_of_limbs(np.ascontiguousarray(k.matrix(S, N)[:, 0, :]))
    env = runtime.generated_globals((), ["a check"] * 8)
    for i, s0 in enumerate(states):
        try:
            want = int(eval(f"({text}) + 0", {**env, "s0": s0}))  # noqa: S307 - the test's own text
        except runtime.ModelError:
            assert E is not None and bool(E[i]), (text, s0)
            continue
        assert E is None or not E[i], (text, s0)   # (exact here: a check only where Python's fails)
        assert got[i] == want, (text, s0)


@st.composite
def set_loop(draw):
    """A loop over a set's members as the code generator writes it, over a state of three limbs:
    the set a field of the state (of more or fewer than 62 members), masked by a literal or a
    table's constant or not, one variant's part of it (`_bitsin`), with an `if` or without."""
    at = draw(st.integers(0, WBITS - 1))
    field = f"(s0 >> {at})"
    width = draw(st.sampled_from([5, 40, 62, 63, 70, 125]))
    constant = draw(st.integers(0, (1 << width) - 1))
    form = draw(st.sampled_from(["bare", "literal", "table", "table-left"]))
    mask = {"bare": field, "literal": f"({field} & {constant})", "table": f"({field} & _T[0])",
            "table-left": f"(_T[0] & {field})"}[form]
    if draw(st.booleans()):
        base = draw(st.integers(0, 100))
        it = f"_bitsin({mask}, {base}, {draw(st.integers(1, 70))})"
    else:
        it = f"_bits({mask})"
    fn = draw(st.sampled_from(["sum", "any", "all"]))
    k = draw(st.integers(0, 130))
    elt = {"sum": f"(l + {k % 7})", "any": f"(l % 5 == {k % 5})", "all": f"(l < {k})"}[fn]
    cond = f" if l % 3 != {k % 3}" if draw(st.booleans()) else ""
    return f"{fn}({elt} for l in {it}{cond})", (constant,)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(set_loop(), st.lists(st.integers(0, (1 << WBITS) - 1), min_size=1, max_size=20))
def test_loops_over_sets_of_a_wide_state_are_pythons(loop, states):
    """Generators over the members of a set held in a wide state (a set of more than 62 members
    read bit by bit from its limbs; a mask by a constant iterates only the constant's bits),
    row by row against Python's eval with the runtime's own helpers."""
    from spec import runtime
    text, tables = loop
    value = f"({text}) + 0"
    try:
        k = vector.Kernel([vector.Instance(0, [], [f"ap({value})"])], [], WBITS, 1, tables)
    except vector.Unsupported as exc:
        assert "too many" in str(exc), exc   # (an unmasked set of 125 members and an `if`: 256 at most)
        return
    S = vector.limbs_of_ints(states, k.limbs)
    ok, G, N, E, F = k.kernel(S)
    N = k.matrix(S, N)   # (rows, instances, limbs)
    assert E is None
    got = vector.ints_of_limbs(np.ascontiguousarray(N[:, 0, :]))
    env = {"_bits": runtime.bits_small, "_bitsin": runtime.bitsin, "_T": tables}
    for i, s0 in enumerate(states):
        assert got[i] == int(eval(value, env, {"s0": s0}))  # noqa: S307 - the test's own text


SET_OF_80 = """model WS
type Msg = Req(from: 0..4, n: 0..7) | Ack(to: 0..4, n: 0..7)
var msgs: set[Msg]
var got: map[0..4, 0..7]
var sent: 0..3
init { msgs = {} got = {p: 0 for p in 0..4} sent = 0 }
action Send(p: 0..4, n: 0..7) { require sent < 3 and n > got[p] and n <= 2 * p  msgs = msgs | {Req(p, n)}  sent = sent + 1 }
action Answer(p: 0..4) {
  require exists m in msgs: m is Req and m.from == p
  got[p] = max(m.n for m in msgs if m is Req and m.from == p)
  msgs = msgs | {Ack(p, got[p])}
}
action Forget { require len(msgs) > 3  msgs = {m for m in msgs if m is Ack} }
invariant AcksAnswer: forall m in msgs: m is Ack implies m.n <= got[m.to]
invariant Few: len(msgs) <= 9
invariant LowAcks: forall m in msgs: m is Ack implies m.n < 6
"""


def test_a_set_of_more_than_62_members_is_taken_by_the_kernel():
    """A message set of 80 members (two limbs of the state): its loops, its length, its members
    added and removed by the kernel, as the generated code does; an invariant that fails on some
    states only (LowAcks)."""
    m = model_of(SET_OF_80)
    cm = CompiledModel(m)
    assert cm.state_bits > 62 and cm.level_kernel() is not None, cm.kernel_why
    states = reachable(cm, 20_000)
    assert len(states) == 15_035
    for size in (len(states), 97):
        assert assert_same_expansion(cm, states, size) == 0
    r = same_search(m, stop_at_first=False, chunk=500)
    assert [p.name for p in r.violated] == ["LowAcks", "deadlock"]
    assert r.stats.distinct_states == 15_035


DIVIDED = ["((s0 & 255) - 100)", "((s0 >> 8) & 1023)", "(((s0 >> 4) & 63) * 1000003 - 30000000)", "-7", "0", "12"]
DIVISORS = ["(((s0 >> 12) & 15) - 6)", "((s0 >> 16) & 3)", "(((s0 >> 3) & 7) + 1)", "-3", "5", "0"]


@pytest.mark.parametrize("fn", ["_tdiv", "_tmod", "_floordiv", "_floormod", "_fdiv down", "_fdiv up",
                                "_fdiv half_even", "_rdiv down", "_rdiv up", "_rdiv half_even"])
def test_divisions_by_values_of_the_state_are_the_runtimes(fn):
    """The runtime's divisions (toward zero, toward minus infinity, rounded down, up and half to
    even) of positive, negative and zero values by values read from the state, on 400 random
    states row by row against spec.runtime's; a division by zero is an error on exactly the rows
    where the divisor is 0."""
    from spec import runtime
    name, _, mode = fn.partition(" ")
    env = {"_tdiv": runtime.tdiv, "_tmod": runtime.tmod, "_floordiv": runtime.floordiv, "_rdiv": runtime.round_div,
           "_floormod": runtime.floormod, "_fdiv": runtime.fdiv_rounded}
    states = np.random.default_rng(13).integers(0, 1 << BITS, 400)
    for n in DIVIDED:
        for d in DIVISORS:
            text = f"{name}({n}, {d}, {mode!r})" if name == "_rdiv" else \
                f"{name}({n}, {d}, {mode!r}, 7)" if name == "_fdiv" else f"{name}({n}, {d}, 7)"
            k = vector.Kernel([vector.Instance(0, [], [f"ap({text})"])], [], BITS, 1)
            ok, G, N, E, F = k.kernel(states)
            for i, s0 in enumerate(states.tolist()):
                try:
                    want = eval(text, env, {"s0": s0})  # noqa: S307 - the test's own text
                except (runtime.ModelError, ZeroDivisionError):   # (_rdiv's divisor: a constant > 0 in the generated code)
                    assert E is not None and bool(E[i]), text
                    continue
                assert E is None or not bool(E[i]), text
                assert int(N[i, 0]) == want, (text, s0)


PYTHON_INVARIANTS = """model PyInv
var s: set[0..39]
var n: 0..5
var k: 0..39
init { s = {} n = 0 k = 0 }
action Add(x: 0..39) { require n < 3 and (x < 8 or x % 7 == k % 7)  s = s | {x}  n = n + 1  k = x }
action Reset { require n == 3  s = {}  n = 0 }
invariant Small: n <= 3
invariant Pairs: forall a, b, c in s: a == b or a + b + a * b * c * n != 41 + a * b * c * n
invariant Quotients: forall a, b, c in s: a == b or 100 / (a + b - 5) + a * b * c * n != 40 + a * b * c * n
invariant Last: n == 0 or k in s
"""


def test_invariants_the_kernel_cannot_translate_are_the_generated_codes():
    """Two invariants over every triple of a set of 40 members (64,000 ways that read the state:
    more than the kernel translates for one invariant) are left to the generated code, state by
    state (the kernel's other invariants and actions still translated), and the other
    two stay in numpy (the third member changes nothing: they hold where pairs would):
    the same bad states (538, of which 286 where Quotients divides by zero) and the same search
    as the generated code's, and the result says which invariants the generated code checked."""
    m = model_of(PYTHON_INVARIANTS)
    cm = CompiledModel(m)
    kernel = cm.level_kernel()
    assert kernel is not None and kernel.k.in_python == [1, 2], cm.kernel_why
    assert kernel.k.python_why == ["more than 250,000 expressions to translate"] * 2
    states = reachable(cm, 100_000)
    assert len(states) == 5032
    outcomes = [cm.invariants(t) for t in states]
    assert sum(not all(x is True for x in o) for o in outcomes) == 538
    assert sum(any(not isinstance(x, bool) for x in o) for o in outcomes) == 286
    for size in (len(states), 97, 5):
        assert assert_same_expansion(cm, states, size) == 0
    r = same_search(m, stop_at_first=False, chunk=50)
    assert [p.name for p in r.violated] == ["Pairs", "Quotients"]
    assert r.stats.search.kernel == ("numpy (the generated code checks Pairs, Quotients: more than 250,000 "
                                     "expressions to translate)")
    with pytest.raises(vector.Unsupported, match="250,000"):   # without the generated code: no kernel
        vector.Kernel([], cm._kernel_plan[1], cm.state_bits, 2)


def test_invariants_the_generated_code_checks_on_a_wide_level_held_as_rows():
    """The same model with 64 more bits of state (a set never written): its levels are held as
    the kernel's rows of limbs from one to the next, and the invariants left to the generated
    code read the states those rows are; the same search as the generated code's."""
    m = model_of(PYTHON_INVARIANTS.replace("var k: 0..39", "var k: 0..39\nvar pad: set[0..63]")
                 .replace("k = 0 }", "k = 0  pad = {} }"))
    assert m.state_bits > 64
    r = same_search(m, stop_at_first=False, chunk=50)
    assert [p.name for p in r.violated] == ["Pairs", "Quotients"]
    assert r.stats.search.kernel.startswith("numpy (the generated code checks Pairs, Quotients")


def test_a_translation_too_long_is_refused(monkeypatch):
    """Loops within loops whose terms fold or repeat emit few operations but take time to translate:
    beyond MAX_TRANSLATED expressions the kernel is refused (here an invariant over triples of a
    set, whose triples all fold to one comparison), the generated code takes it, and says why."""
    text = PYTHON_INVARIANTS.replace("invariant Small: n <= 3", "invariant Small: forall a, b, c in s: n <= 3")
    cm = CompiledModel(model_of(text))
    assert cm.level_kernel() is not None
    monkeypatch.setattr(vector, "MAX_TRANSLATED", 20_000)
    cm = CompiledModel(model_of(text))
    kernel = cm.level_kernel()
    assert kernel is None or 0 in kernel.k.in_python
    assert "more than 20,000 expressions to translate" in (cm.kernel_why or kernel.k.python_why[0])


def test_values_that_may_not_fit_are_refused():
    k = vector.Kernel([vector.Instance(0, [], ["ap(((s0 >> 2) & 1073741823) * 1073741823)"])], [], 40, 1)
    assert k.columns == 1   # 2**30 * 2**30 fits in 62 bits
    for text, why in [("ap(s0 * s0)", "may not fit"), ("ap(s0 << 30)", "may not fit"),
                      ("ap(1 << (s0 & 127))", "shift"), ("ap(_f3(s0))", "a call of _f3"),
                      ("ap(s0 // (s0 & 3))", "division"), (f"ap({1 << 70})", "wider than 62 bits"),
                      ("ap(s0 in s0)", "a loop over something other than"), ("ap(((s0 & 4) and s0))", "0 and 1"),
                      ("ap(_T[3])", "Subscript"), ("t = 1\nap(u)", "the name u")]:
        with pytest.raises(vector.Unsupported, match=why):
            vector.Kernel([vector.Instance(0, [], [text])], [], 40, 1)
    with pytest.MonkeyPatch.context() as mp:   # a kernel too long to pay is refused while it is made
        mp.setattr(vector, "MAX_OPERATIONS", 3)
        with pytest.raises(vector.Unsupported, match="more than 3 numpy operations"):
            vector.Kernel([vector.Instance(0, ["(s0 & 1)"], ["ap((s0 + 1) * 2 - 1)"])], [], 40, 1)
    with pytest.raises(vector.Unsupported, match="993 bits"):
        vector.Kernel([], [], 993, 0)
    assert vector.build(None, [], 10, 1) == (None, "an action whose parameters are looped over, not unrolled")


# ---- the state graph built during the search, by the kernel --------------------------------

GRAPH_CASES = [("two_phase_commit.sync", ["RM=4"], {}),
               ("two_phase_commit_broken.sync", ["RM=3"], {"stop_at_first": False}),
               ("wide", [], {"stop_at_first": False})]
# states of 81 bits (two limbs), a liveness property that holds and one that fails
WIDE_LIVE = """model WL
var a: 0..70000
var b: 0..70000
var c: 0..70000
var m: map[0..3, 0..40000]
init { a = 0 b = 0 c = 0 m = {k: 0 for k in 0..3} }
action A(k: 0..3) { require a < 3  a = a + 1  m[k] = min(m[k] + 7000, 40000) }
action B { require b < a  b = b + 1  c = 70000 - b }
action Reset { require a == 3 and b == 3  a = 0  b = 0 }
fairness weak A, B
property Settles: eventually (b == 3)
property Grows: always eventually (m[0] > 0)
"""


def _graph_model(name: str, consts: list[str]):
    return model_of(WIDE_LIVE) if name == "wide" else explicit_model_file(name, consts)


def _graph(g) -> tuple:
    return (list(g.states), list(g.init), list(g.parent), list(g.parent_inst),
            g.offsets.tolist(), g.dst.tolist(), g.inst.tolist())


@pytest.mark.parametrize("name, consts, options", GRAPH_CASES, ids=[c[0] for c in GRAPH_CASES])
@pytest.mark.parametrize("chunk", [3, 4096])
def test_the_kernel_builds_the_state_graph_as_the_generated_code_does(name, consts, options, chunk, monkeypatch):
    """With temporal properties the search builds the state graph as it goes: from the kernel's
    labelled transitions, the same graph (states, numbers, parents, edges, labels, their order)
    as one built after the search, and the same results as without the kernel."""
    from checker.engines.explicit.graph import StateGraph
    from checker.engines.explicit.search import Explorer
    m = _graph_model(name, consts)
    built, searched = [], Explorer._searched_graph
    monkeypatch.setattr(Explorer, "_searched_graph", lambda self: built.append(searched(self)) or built[-1])
    e = Explorer(m, ExplicitOptions(symmetry=False, kernel_from=0, chunk=chunk, **options))
    with_kernel = e.run()
    assert with_kernel.stats.search.kernel == "numpy"
    assert built and built[0] is e.graph   # the graph the search built, to the end
    assert _graph(e.graph) == _graph(StateGraph(e.cm, inits=e.cm.init_states()))
    without = check(m, ExplicitOptions(symmetry=False, kernel_from=None, chunk=chunk, **options))
    assert result_summary(with_kernel) == result_summary(without)
    assert (with_kernel.stats.graph.states, with_kernel.stats.graph.edges) == \
        (without.stats.graph.states, without.stats.graph.edges)


@pytest.mark.parametrize("name, consts, options", GRAPH_CASES, ids=[c[0] for c in GRAPH_CASES])
def test_a_graph_built_after_the_search_by_the_kernel_is_the_generated_codes(name, consts, options, monkeypatch):
    """The state graph built after a search (with symmetry reduction, the graph has none) expands
    its chunks with the kernel from `kernel_from` states on: the same graph as the generated
    code's; and the whole check with symmetry gives the same results with the kernel as without."""
    from checker.engines.explicit.graph import StateGraph
    m = _graph_model(name, consts)
    cm = CompiledModel(m)
    calls = []
    labelled = vector.LevelKernel.labelled
    monkeypatch.setattr(vector.LevelKernel, "labelled", lambda self, chunk: calls.append(len(chunk)) or
                        labelled(self, chunk))
    by_kernel = StateGraph(cm, inits=cm.init_states(), kernel_from=0)
    assert calls and sum(calls) == len(by_kernel)   # every chunk by the kernel
    assert _graph(by_kernel) == _graph(StateGraph(cm, inits=cm.init_states()))
    if m.symmetric:
        on = check(m, ExplicitOptions(symmetry=True, kernel_from=0, **options))
        off = check(m, ExplicitOptions(symmetry=True, kernel_from=None, **options))
        assert result_summary(on) == result_summary(off)
        assert (on.stats.graph.states, on.stats.graph.edges) == (off.stats.graph.states, off.stats.graph.edges)


@pytest.mark.parametrize("name, consts", [("two_phase_commit.sync", ["RM=4"]), ("wide", [])])
def test_labelled_chunks_are_the_generated_codes(name, consts):
    cm = CompiledModel(_graph_model(name, consts), graph_search=True)
    kernel = cm.level_kernel()
    assert kernel.wide == (name == "wide")
    states = reachable(cm, 2000)
    for size in (len(states), 13):
        for start in range(0, len(states), size):
            chunk = states[start:start + size]
            (ts, ends), counts, bad, dead, err, ks = cm.expand_labelled(chunk)
            (kts, kends), kcounts, kbad, kdead, kerr, kks = kernel.labelled(
                chunk if kernel.wide else np.array(chunk, dtype=np.uint64))
            assert (list(kts), kends.tolist(), kks.tolist()) == (ts, ends, ks)
            assert (kcounts, kbad, kdead, kerr) == (counts, bad, dead, err)


# ---- the benchmark corpus ------------------------------------------------------------------------

def _small(name: str) -> list[str]:
    import importlib.util
    spec = importlib.util.spec_from_file_location(f"corpus_{name}", CORPUS / f"{name}.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return list(mod.SMALL)


CORPUS_TAKEN = {"bakery_init", "nested_ledger", "gossip_symmetric", "sequencer_log", "margin_fixed", "fifo_mutex",
                "bridge_union", "paxos_commit"}   # (bridge_union: its invariant over pairs of messages by the generated code)


@pytest.mark.parametrize("name", sorted(p.stem for p in CORPUS.glob("*.sync")))
def test_corpus_models_expand_the_same(name):
    from spec.loader import load
    m = load(CORPUS / f"{name}.sync", _small(name))
    cm = CompiledModel(m)
    if cm.level_kernel() is None:
        assert name not in CORPUS_TAKEN, cm.kernel_why
        return
    assert name in CORPUS_TAKEN
    states = reachable(cm, 4000)
    for size in (len(states), 61):
        assert_same_expansion(cm, states, size)
    same_search(m, max_states=3000)


WIDE_MODELS = [("models", "gossip_replicas.sync", []), ("text", "SET_OF_80", []),
               ("corpus", "bridge_union", []), ("corpus", "gossip_symmetric", ["NODES=5", "UPDATES=1"]),
               ("corpus", "paxos_commit", ["NA=3", "NB=2", "NV=2"])]


@pytest.mark.parametrize("where, name, consts", WIDE_MODELS, ids=[w[1] for w in WIDE_MODELS])
@pytest.mark.parametrize("patched", [True, False])
def test_wide_next_states_patched_or_whole_are_the_generated_codes(where, name, consts, patched, monkeypatch):
    """A wide model's next states written as patches of their parents (the limbs an instance
    changes) or whole: the same expansion, labelled transitions and search as the generated code."""
    from spec.loader import load
    monkeypatch.setattr(vector, "PATCHED", patched)
    from spec.loader import load_text
    m = explicit_model_file(name, consts) if where == "models" else load_text(SET_OF_80) if where == "text" \
        else load(CORPUS / f"{name}.sync", consts)
    cm = CompiledModel(m)
    kernel = cm.level_kernel()
    assert kernel is not None and kernel.wide and kernel.patched is patched, cm.kernel_why
    states = reachable(cm, 1500)
    for size in (len(states), 61):
        assert_same_expansion(cm, states, size)
    for start in range(0, len(states), 250):
        chunk = states[start:start + 250]
        (ts, ends), counts, bad, dead, err, idents = kernel.labelled(chunk)
        out, _, want_ends = cm.labelled_level(chunk)
        assert list(ts) == list(out) and list(ends) == list(want_ends)
    same_search(m, max_states=1500)


def test_temporaries_no_line_reads_are_not_computed():
    """A chain of temporaries that only lead to one nobody reads goes, however long; what G, N, E
    and the return read stays, and so does what those temporaries read."""
    lines = ["E = None", "_a1 = (S & 7)", "_a2 = (_a1 + 1)", "_a3 = (_a2 == 4)", "_a4 = (S >> 3)",
             "_a5 = (_a4 & _a1)", "_a6 = (_a5 != 0)", "_a7 = (_a6 | _a3)", "_a8 = (S > 1)",
             "E = _a8 if E is None else (E | _a8)", "_a9 = (_a1 == 0)", "G[:, 0] = _a9", "N[:, 0] = _a4",
             "_a10 = (_a4 + 1)", "return _a10, G, N, E"]
    kept = vector._without_unread(lines)
    assert kept == ["E = None", "_a1 = (S & 7)", "_a4 = (S >> 3)", "_a8 = (S > 1)",
                    "E = _a8 if E is None else (E | _a8)", "_a9 = (_a1 == 0)", "G[:, 0] = _a9", "N[:, 0] = _a4",
                    "_a10 = (_a4 + 1)", "return _a10, G, N, E"]
    assert vector._without_unread(kept) == kept


@pytest.mark.parametrize("text", ["WIDE", "OVERFLOW"])
def test_a_graph_built_by_the_kernel_hands_back_the_chunks_where_an_action_fails(text, monkeypatch):
    """Chunks where an action fails on some state are expanded by the generated code (a failing
    branch is no transition of the graph): the same graph either way."""
    from checker.engines.explicit.graph import StateGraph
    cm = CompiledModel(model_of(globals()[text]))
    handed = []
    labelled = vector.LevelKernel.labelled
    monkeypatch.setattr(vector.LevelKernel, "labelled", lambda self, chunk: (lambda got: handed.append(got is None)
                                                                             or got)(labelled(self, chunk)))
    by_kernel = StateGraph(cm, inits=cm.init_states(), kernel_from=0)
    assert any(handed) and not all(handed), handed
    assert _graph(by_kernel) == _graph(StateGraph(cm, inits=cm.init_states()))
