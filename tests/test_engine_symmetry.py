"""Symmetry reduction: one state per orbit, checked against brute force.

The orbit of a state is computed here by applying every permutation of the
symmetric set (`Canonicalizer._apply`), so the number of orbits does not
depend on the signature sort being right. Models cover the exact sort (2PC:
each variable relates one member at a time) and the tie-breaking path (a
variable relating two members: pointers between nodes, edges of a graph).
"""

from __future__ import annotations

import itertools

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from checker.engines.explicit.compiled import CompiledModel
from checker.engines.explicit.search import ExplicitOptions, check
from checker.core.result import Verdict
from checker.engines.explicit import symmetry
from checker.engines.explicit.symmetry import Canonicalizer
from engine_helpers import MODELS, assert_replays, explicit_model_file, model_file, model_of, naive_bfs, prop

POINTERS = """
model Pointers
const N = symmetric {n1, n2, n3}
var ptr: map[N, N]
init { ptr = {n: n for n in N} }
action Point(a: N, b: N) {
  require ptr[a] != b
  ptr[a] = b
}
"""

EDGES = """
model Edges
const N = symmetric {n1, n2, n3}
var edges: set[(N, N)]
init { edges = {} }
action Connect(a: N, b: N) {
  require a != b and (a, b) not in edges
  edges = edges | {(a, b)}
}
"""

GRAPH = """
model Graph
const N = symmetric {n1, n2, n3}
type Edge = { src: N, dst: N }
var edges: set[Edge]
var marked: set[N]
init { edges = {} marked = {} }
action Connect(a: N, b: N) {
  require a != b and {src: a, dst: b} not in edges
  edges = edges | {{src: a, dst: b}}
}
action Mark(a: N) {
  require a not in marked and exists e in edges: e.src == a
  marked = marked | {a}
}
"""

# a message that names two members, and a per-member map
MESSAGES = """
model Messages
const N = symmetric {n1, n2, n3}
type Msg = Hello(from: N, to: N) | Bye(from: N)
var sent: set[Msg]
var up: map[N, bool]
init { sent = {} up = {n: false for n in N} }
action Greet(a: N, b: N) {
  require a != b and up[a]
  sent = sent | {Hello(a, b)}
}
action Start(a: N) {
  require not up[a]
  up[a] = true
}
action Leave(a: N) {
  require up[a] and exists m in sent: m is Hello and m.to == a
  sent = sent | {Bye(a)}
}
"""


def brute_force(m):
    """(every reachable state without symmetry, its orbit representative, the canonicalizer)."""
    cm = CompiledModel(m)
    canon = Canonicalizer(m, list(m.symmetric))
    states = list(naive_bfs(cm)[0])
    perms = []
    for combo in itertools.product(*[itertools.permutations(range(len(t.members))) for t in canon.syms]):
        perms.append([list(p) for p in combo])

    def images(s):
        vals = [(v, (s >> canon.layout.offset(v)) & ((1 << t.bits) - 1)) for v, t in canon.vars]
        return {canon._apply(s, vals, pis) for pis in perms}

    return states, {s: min(images(s)) for s in states}, canon, images


def _orbits(m) -> int:
    states, rep, _, _ = brute_force(m)
    return len(set(rep.values()))


@pytest.mark.parametrize("text, consts, plain, orbits, exact", [
    (None, ["RM=3"], 288, None, True),
    (None, ["RM=4"], 1568, None, True),
    (POINTERS, [], 27, 7, False),            # functional graphs on 3 unlabelled points (OEIS A001372)
    (POINTERS, ["N=4"], 256, 19, False),
    (EDGES, [], 64, 16, False),              # directed graphs on 3 unlabelled nodes (OEIS A000273)
    (GRAPH, [], None, None, False),
    (MESSAGES, [], None, None, False),
], ids=["2pc-3", "2pc-4", "pointers-3", "pointers-4", "edges", "graph", "messages"])
def test_symmetric_count_is_the_number_of_orbits(text, consts, plain, orbits, exact):
    m = model_file("two_phase_commit.sync", consts) if text is None else model_of(text, consts)
    assert m.symmetric, "the set is used symmetrically"
    states, rep, canon, _ = brute_force(m)
    assert canon.exact_sort is exact
    if plain is not None:
        assert len(states) == plain
    n = len(set(rep.values()))
    if orbits is not None:
        assert n == orbits
    on = check(m, ExplicitOptions(symmetry=True, deadlock=False))
    off = check(m, ExplicitOptions(symmetry=False, deadlock=False))
    assert on.verdict is off.verdict is Verdict.HOLDS
    assert on.stats.distinct_states == n
    assert off.stats.distinct_states == len(states)
    assert on.stats.depth == off.stats.depth
    assert on.stats.search.symmetry == [t.name for t in m.symmetric]
    assert off.stats.search.symmetry == []


@pytest.mark.parametrize("text, consts", [
    (None, ["RM=3"]), (POINTERS, []), (POINTERS, ["N=4"]), (EDGES, []), (GRAPH, []), (MESSAGES, [])],
    ids=["2pc-3", "pointers-3", "pointers-4", "edges", "graph", "messages"])
def test_canon_is_a_member_of_the_orbit_and_the_same_for_the_whole_orbit(text, consts):
    m = model_file("two_phase_commit.sync", consts) if text is None else model_of(text, consts)
    states, rep, canon, images = brute_force(m)
    for s in states:
        c = canon.canon(s)
        orbit = images(s)
        assert c in orbit
        assert {canon.canon(t) for t in orbit} == {c}


@pytest.mark.parametrize("consts", [["RM=3"], ["RM=4"]])
def test_broken_two_phase_commit_with_and_without_symmetry(consts):
    m = model_file("two_phase_commit_broken.sync", consts)
    cm = CompiledModel(m)
    for sym in (True, False):
        r = check(m, ExplicitOptions(symmetry=sym, stop_at_first=False))
        assert {p.name: p.trace.length for p in r.violated} == {"Consistent": 5}
        assert_replays(cm, prop(r, "Consistent").trace)


SHIPPED = sorted(p.name for p in MODELS.glob("*.sync"))


@pytest.mark.parametrize("name", SHIPPED)
def test_shipped_verdicts_with_and_without_symmetry_agree(name):
    m = explicit_model_file(name)
    if not m.symmetric:
        pytest.skip("no symmetric set")
    cm = CompiledModel(m)
    safety = tuple(i.name for i in m.invariants)   # temporal properties build the unreduced graph
    on, off = (check(m, ExplicitOptions(symmetry=sym, invariants=safety)) for sym in (True, False))
    assert on.verdict is off.verdict
    assert {p.name: p.trace.length for p in on.violated} == {p.name: p.trace.length for p in off.violated}
    for p in on.violated:
        if p.kind == "invariant":
            assert_replays(cm, p.trace)  # the trace is made of real states, not representatives
    assert on.stats.depth == off.stats.depth
    assert on.stats.distinct_states < off.stats.distinct_states or on.verdict is Verdict.VIOLATED
    if off.stats.distinct_states <= 300 and not off.violated:
        assert _orbits(m) == on.stats.distinct_states


def test_naming_a_member_turns_symmetry_off():
    text = POINTERS + "invariant NotAll: ptr[n1] == n1 or true\n"
    m = model_of(text)
    assert m.symmetric == []
    assert any("W101" in w.render() for w in m.warnings)
    r = check(m, ExplicitOptions(deadlock=False))
    assert r.stats.distinct_states == 27
    assert r.stats.search.symmetry == []


def test_two_phase_commit_symmetric_counts():
    m = model_file("two_phase_commit.sync", ["RM=3"])
    r = check(m, ExplicitOptions())
    assert (r.stats.distinct_states, r.stats.depth) == (80, 10)
    assert prop(r, "Consistent").verdict is Verdict.HOLDS


# ---- canonical forms of arbitrary states -------------------------------------------------------

RICH = """
model Rich
const N = symmetric {n1, n2, n3}
const K = symmetric {k1, k2}
type Msg = Move(from: N, to: N) | Own(by: K, of: N) | Idle
var ptr: map[N, option[N]]
var q: seq[N, 2]
var seen: map[N, set[N]]
var pair: (N, K)
var msgs: set[Msg]
var owner: map[K, set[N]]
init {
  ptr = {n: none for n in N}
  q = []
  seen = {n: {} for n in N}
  choose a in N
  choose b in K
  pair = (a, b)
  msgs = {}
  owner = {k: {} for k in K}
}
action Stay { ptr = ptr }
"""


_RICH = []


def _rich():
    if not _RICH:
        m = model_of(RICH)
        _RICH.append((m, Canonicalizer(m, list(m.symmetric)), [v.type.codes() for v in m.vars]))
    return _RICH[0]


def test_rich_model_uses_tie_breaking():
    m, canon, _ = _rich()
    assert [t.name for t in m.symmetric] == ["N", "K"]
    assert not canon.exact_sort


@given(st.data())
@settings(max_examples=100, deadline=None)
def test_canon_of_random_states_is_an_orbit_invariant(data):
    m, canon, all_codes = _rich()
    s = 0
    for v, codes in zip(m.vars, all_codes):
        s |= data.draw(st.sampled_from(codes)) << canon.layout.offset(v)
    vals = [(v, (s >> canon.layout.offset(v)) & ((1 << t.bits) - 1)) for v, t in canon.vars]
    c = canon.canon(s)
    orbit = [canon._apply(s, vals, [list(p), list(k)])
             for p in itertools.permutations(range(3)) for k in itertools.permutations(range(2))]
    assert c in orbit
    assert {canon.canon(t) for t in orbit} == {c}


@pytest.mark.parametrize("text, consts", [
    (None, ["RM=3"]), (POINTERS, []), (EDGES, []), (GRAPH, []), (MESSAGES, [])],
    ids=["2pc-3", "pointers-3", "edges", "graph", "messages"])
def test_memoized_canon_is_the_canon_without_memos(text, consts, monkeypatch):
    """The memos of the canonicalizer (variables' signatures and renamed values, signatures of
    small values) change nothing: the same representative of every reachable state as with the
    memos emptied at every call and no small value memoized, in either order of calls."""
    m = model_file("two_phase_commit.sync", consts) if text is None else model_of(text, consts)
    states, _, memoized, _ = brute_force(m)
    got = [memoized.canon(s) for s in states] + [memoized.canon(s) for s in reversed(states)]
    assert memoized._sigs_of or memoized._plan is not None
    monkeypatch.setattr(symmetry, "MEMO_ENTRIES", 1)
    monkeypatch.setattr(symmetry, "MEMO_BITS", -1)
    plain = symmetry.Canonicalizer(m, m.symmetric)
    want = [plain.canon(s) for s in states] + [plain.canon(s) for s in reversed(states)]
    assert got == want


def test_memoized_canon_of_random_rich_states_is_the_canon_without_memos(monkeypatch):
    """As above on states of the model with two symmetric sets, records, unions and tie-breaking
    (the memos are per set), drawn at random, each canonicalized twice."""
    import random
    m = model_of(RICH)
    memoized = Canonicalizer(m, list(m.symmetric))
    rng = random.Random(11)
    codes = [v.type.codes() for v in m.vars]
    states = []
    for _ in range(400):
        s = 0
        for v, vc in zip(m.vars, codes):
            s |= rng.choice(vc) << memoized.layout.offset(v)
        states.append(s)
    got = [memoized.canon(s) for s in states + states]
    monkeypatch.setattr(symmetry, "MEMO_ENTRIES", 1)
    monkeypatch.setattr(symmetry, "MEMO_BITS", -1)
    plain = Canonicalizer(m, list(m.symmetric))
    assert got == [plain.canon(s) for s in states + states]
