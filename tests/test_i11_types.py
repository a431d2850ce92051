"""Issue 11, the type checker's share: symmetry over nested types, limits on values and widths
checked before anything is built, W101 through defs, the E322 hint, typed constants."""

from __future__ import annotations

import pytest

from checker.explicit import ExplicitOptions, check
from checker.result import Verdict
from cli_helpers import run_cli
from engine_helpers import model_of
from test_engine_symmetry import brute_force

# ---- item 2: a symmetric set nested inside a set, map, option or record -------------------------

NESTED = {
    "set-of-sets": ("""
model M
const N = symmetric {n1, n2, n3}
var e: set[set[N]]
init { e = {} }
action Add(a: N, b: N) { e = e | {{a, b}} }
""", 64, 20),  # subsets of the 3 singletons and 3 pairs; Burnside: (64 + 3 * 16 + 2 * 4) / 6
    "record": ("""
model M
const N = symmetric {n1, n2, n3}
var r: {s: set[N], x: bool}
init { r = {s: {}, x: false} }
action Put(n: N) { r.s = r.s | {n}  r.x = not r.x }
""", 15, 7),  # by the size of s: 0 (x false only), 1, 2, 3 (x either)
    "set-of-maps": ("""
model M
const N = symmetric {n1, n2}
var e: set[map[N, bool]]
init { e = {} }
action Add(a: N) { e = e | {{n: n == a for n in N}} }
action None_ { e = e | {{n: false for n in N}} }
""", 8, 6),  # (8 + 4) / 2: the swap exchanges the two one-hot maps
    "map-of-options": ("""
model M
const N = symmetric {n1, n2}
var m: map[0..1, option[set[N]]]
init { m = {i: none for i in 0..1} }
action Put(i: 0..1, n: N) { m[i] = some({n}) }
action Both(i: 0..1) { m[i] = some(N) }
""", 16, 10),  # (16 + 2 * 2) / 2: the swap fixes none and N in each slot
    "option-assigned": ("""
model M
const N = symmetric {n1, n2}
var o: option[set[N]]
init { o = none }
action Empty { o = some({}) }
action Put(n: N) { require o != none  o = some(get(o) | {n}) }
""", 5, 4),  # none, {}, {n1} ~ {n2}, {n1, n2}
}


@pytest.mark.parametrize("name", sorted(NESTED))
def test_nested_symmetric_set_counts_orbits(name):
    text, plain, orbits = NESTED[name]
    m = model_of(text)
    states, rep, _, _ = brute_force(m)
    assert (len(states), len(set(rep.values()))) == (plain, orbits)
    on = check(m, ExplicitOptions(symmetry=True, deadlock=False))
    off = check(m, ExplicitOptions(symmetry=False, deadlock=False))
    assert on.verdict is off.verdict is Verdict.HOLDS
    assert (on.stats.distinct_states, off.stats.distinct_states) == (orbits, plain)


def test_set_of_sets_of_one_symmetric_member_checks(tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "m.sync").write_text("model M\nconst N = symmetric {n1}\nvar e: set[set[N]]\n"
                                     "init { e = {} }\naction A { e = e | {{}} }\n")
    code, out, err = run_cli(["check", "m.sync"], capsys)
    assert (code, err) == (0, "")
    assert "2 distinct states" in out


# ---- item 16: a state variable too wide to enumerate, with --engine explicit ---------------------

def test_explicit_engine_refuses_a_range_too_wide_to_enumerate(tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "w.sync").write_text("model W\nvar x: 0..2 ** 200\ninit { x = 0 }\n"
                                     "action Inc { require x < 2 ** 200  x = x + 1 }\n")
    code, out, err = run_cli(["check", "w.sync", "--engine", "explicit"], capsys)
    assert code == 2
    err = " ".join(err.split())  # however the console wraps it
    assert err.startswith("w.sync:2:5: error[E520]: the explicit engine cannot enumerate this model: "
                          f"variable 'x' ranges over 0..{2 ** 200}")
    assert "--engine bmc" in err
