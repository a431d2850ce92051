"""Issue 11, the type checker's share: symmetry over nested types, limits on values and widths
checked before anything is built, W101 through defs, the E322 hint, typed constants."""

from __future__ import annotations

import pytest

from checker.engines.explicit.search import ExplicitOptions, check
from checker.core.result import Verdict
from cli_helpers import run_cli
from engine_helpers import model_of
from spec.loader import load_text
from spec.types import IntType, SetType
from spec_helpers import at, load_error, one
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


# ---- item 5: E318 counts values, not codes ---------------------------------------------------------

def test_a_type_with_few_values_but_many_codes_is_a_set():
    # map[0..5, 0..4] has 5**6 = 15,625 values, encoded in 2**18 = 262,144 codes
    m = load_text("model M\ntype T = map[0..5, 0..4]\nvar x: T\ninit { x = {i: 0 for i in 0..5} }\n"
                  "action A { choose y in T  x = y }\ninvariant Few: len(T) == 15625\n", "m.sync")
    assert m.state_bits == 18


def test_a_type_with_too_many_values_says_how_many_values():
    d = load_error("model M\ntype T = map[0..6, 0..4]\nvar x: T\ninit { x = {i: 0 for i in 0..6} }\n"
                   "action A { choose y in T }\n").diagnostics[0]
    assert (d.code, at(d)) == ("E318", (5, 24))
    assert d.message == "type map[0..6, 0..4] has 78,125 values: too many to use as a set"
    assert d.help.startswith("a type used as the set of all its values has at most 65,536 values")


# ---- item 9: widths, capacities and model values beyond the limits, refused before building --------

LIMIT_CASES = [
    ("seq-capacity", "model A\nvar q: seq[bool, 99999999999999999999]\ninit { q = [] }\n"
                     "action A { for v in q { require v } }\n", [],
     "2:18: error[E323]: seq[bool, 99999999999999999999] has 99,999,999,999,999,999,999 slots: a sequence "
     "(and a channel) holds at most 65,536"),
    ("seq-power", "model B\nvar q: seq[0..4, 2 ** 64]\ninit { q = [] }\n", [],
     "2:18: error[E323]: seq[0..4, 18446744073709551616] has 18,446,744,073,709,551,616 slots"),
    ("channel", "model C\nenum Msg { buy, sell }\nchannel orders: Msg capacity 4294967295\n"
                "action Send { send buy to orders }\n", [],
     "3:30: error[E323]: seq[Msg, 4294967295] has 4,294,967,295 slots"),
    ("symmetric-65535", "model D\nconst CLIENTS = symmetric 65535\nvar waiting: set[CLIENTS]\n"
                        "init { waiting = CLIENTS }\n"
                        "action Serve(c: CLIENTS) { require c in waiting  waiting = waiting - {c} }\n", [],
     "2:1: error[E323]: the set of model values 'CLIENTS' has 65,535 members: a set of model values has at "
     "most 1,024"),
    ("symmetric-2**32", "model G\nconst C = symmetric 4294967295\nvar s: set[C]\ninit { s = {} }\n", [],
     "2:1: error[E323]: the set of model values 'C' has 4,294,967,295 members"),
    ("set-literal", "model E\nvar x: bool\ninit { x = false }\ninvariant I: {1} | {} & {3, 2 ** 64} == {1}\n", [],
     "4:25: error[E318]: set[3..18446744073709551616] needs a bit for each code of its element type "
     "3..18446744073709551616 (18,446,744,073,709,551,614 values): an element type has at most 1,048,576 codes"),
    ("const-model-values", "model F\nconst RM = symmetric {r1, r2}\nvar s: set[RM]\ninit { s = {} }\n",
     ["--const", "RM=99999999999999999999"],
     "2:1: error[E323]: --const RM=99999999999999999999: the set of model values 'RM' has "
     "99,999,999,999,999,999,999 members"),
    ("const-capacity", "model H\nconst RM = 3\nvar q: seq[0..1, RM]\ninit { q = [] }\n",
     ["--const", "RM=99999999999999999999"],
     "3:18: error[E323]: seq[0..1, 99999999999999999999] has 99,999,999,999,999,999,999 slots"),
    ("set-of-sets", "model S\nvar s: set[set[0..99]]\ninit { s = {} }\n", [],
     "2:12: error[E318]: set[set[0..99]] needs a bit for each code of its element type set[0..99] "
     "(2**100 values)"),
    ("map-width", "model W\nvar m: map[0..1023, set[0..2047]]\ninit { m = {i: {} for i in 0..1023} }\n", [],
     "2:8: error[E323]: a value of map[0..1023, set[0..2047]] takes 2,097,152 bits: a value, and the state, "
     "take at most 1,048,576"),
    ("state-width", "model V\nvar a: set[0..999999]\nvar b, c: set[0..29999]\ninit { a = {} b = {} c = {} }\n",
     [], "3:11: error[E323]: the state takes 1,060,000 bits with b, c: it may take at most 1,048,576"),
    ("bag-channel", "model Ch\nenum Msg { a, b }\nchannel c: Msg capacity 4294967295 with reordering\n"
                    "action S { send a to c }\n", [],
     "3:25: error[E323]: a channel of capacity 4,294,967,295: a channel holds at most 65,536 messages"),
    ("range-as-set", "model R\nvar x: bool\ninit { x = false }\ninvariant L: len(0..65536) > 0\n", [],
     "4:18: error[E318]: the range 0..65536 has 65,537 values: too many to use as a set (at most 65,536)"),
]


@pytest.mark.parametrize("command", ["parse", "check"])
@pytest.mark.parametrize("name", [c[0] for c in LIMIT_CASES])
def test_limits_are_checked_before_anything_is_built(name, command, tmp_path, capsys, monkeypatch):
    _, text, options, expected = next(c for c in LIMIT_CASES if c[0] == name)
    monkeypatch.chdir(tmp_path)
    (tmp_path / "m.sync").write_text(text)
    code, out, err = run_cli([command, "m.sync", *options], capsys)
    err = " ".join(err.split())  # however the console wraps it
    assert code == 2, out + err
    assert err.startswith("m.sync:" + expected)
    assert "^" in err and 'section 10 of docs/language.md, "The state and its limits"' in err


def test_a_set_of_model_values_at_the_limit_is_accepted():
    m = load_text("model D\nconst CLIENTS = symmetric 1024\nvar waiting: set[CLIENTS]\n"
                  "init { waiting = CLIENTS }\n"
                  "action Serve(c: CLIENTS) { require c in waiting  waiting = waiting - {c} }\n", "m.sync")
    assert m.state_bits == 1024 and [t.name for t in m.symmetric] == ["CLIENTS"]


# ---- item 22: the E322 hint names the conversion that fits --------------------------------------------

MARGIN = """model Margin
const USERS = symmetric {a, b}
const IM = 2
var coll: map[USERS, fixed(1) 0..100]
var size: -3..3
init { coll = {u: 0 for u in USERS} size = 0 }
"""


@pytest.mark.parametrize("line, hint", [
    ("action Open(u: USERS) { require coll[u] >= IM * abs(size)  size = 1 }",
     "make the integer an amount with 1 decimal: fixed(IM * abs(size), 1)"),
    ("invariant J: coll[a] + 1.25 >= 0",
     "give coll[a] 2 decimals exactly with fixed(coll[a], 2), or round the other side to 1 with round(x, 1, mode)"),
    ("invariant K: coll[a] * 1.25 >= 0",
     "multiply amounts with mul(a, b, mode): the result has the decimals of a, rounded as mode says"),
])
def test_mixed_decimals_hint_names_the_conversion(line, hint):
    d = one(load_error(MARGIN + line + "\n"))
    assert d.code == "E322" and d.help == hint


# ---- item 21: a member passed to a def inside a loop over the symmetric set --------------------------

PERPETUAL = """model Perp
const USERS = symmetric {u1, u2}
var coll: map[USERS, 0..20]
var pos: map[USERS, -1..1]
var entry: map[USERS, 1..6]
var price: 1..6
def equity(u: USERS, p: 1..6) = coll[u] + pos[u] * (p - entry[u])
init { coll = {u: 10 for u in USERS} pos = {u: 0 for u in USERS} entry = {u: 1 for u in USERS} price = 1 }
action Open(u: USERS, d: -1..1) { require pos[u] == 0  pos[u] = d  entry[u] = price }
action Move(p: 1..6) { price = p }
action Settle {
  for u in USERS {
    if equity(u, price) < 5 { pos[u] = 0  coll[u] = max(0, equity(u, price)) }
  }
}
"""


def test_a_def_taking_the_loop_member_keeps_symmetry():
    m = model_of(PERPETUAL)
    assert m.warnings == [] and [t.name for t in m.symmetric] == ["USERS"]
    states, rep, _, _ = brute_force(m)
    assert (len(states), len(set(rep.values()))) == (1944, 1026)  # Burnside: (1944 + 108 fixed) / 2
    on = check(m, ExplicitOptions(symmetry=True, deadlock=False))
    off = check(m, ExplicitOptions(symmetry=False, deadlock=False))
    assert (on.stats.distinct_states, off.stats.distinct_states) == (1026, 1944)


@pytest.mark.parametrize("guard", ["other(u) > 1", "total > 1 and coll[u] > 0"])
def test_a_def_reading_other_entries_of_what_the_loop_writes_turns_symmetry_off(guard):
    m = model_of("model Perp\nconst USERS = symmetric {u1, u2}\nvar coll: map[USERS, 0..20]\n"
                 "def total = sum(coll[v] for v in USERS)\ndef other(u: USERS) = coll[u] + total\n"
                 "init { coll = {u: 10 for u in USERS} }\n"
                 f"action Settle {{ for u in USERS {{ if {guard} {{ coll[u] = coll[u] - 1 }} }} }}\n")
    assert [w.code for w in m.warnings] == ["W101"] and m.symmetric == []


# ---- known finding F1: a typed constant whose value fits a narrower range -----------------------------

def test_a_typed_constant_converts_by_its_value():
    m = model_of("model F\nconst K: 0..5 = 2\nvar y: 0..3\ninit { y = K }\naction A { y = K }\n"
                 "invariant Two: y == 2\n")
    r = check(m, ExplicitOptions(deadlock=False))
    assert r.verdict is Verdict.HOLDS and r.stats.distinct_states == 1
    d = one(load_error("model F\nconst K: 0..5 = 4\nvar y: 0..3\ninit { y = 0 }\naction A { y = K }\n"))
    assert (d.code, at(d), d.message) == ("E320", (5, 16), "4 is outside 0..3 for 'y'")


# ---- known finding F9: a long chain of '-' ---------------------------------------------------------------

def test_a_long_difference_chain_types_without_deep_recursion():
    ints, sets = " - ".join(["x"] * 210), " - ".join(["s"] * 210)
    m = load_text(f"model R\nvar x: 0..3\nvar s: set[0..3]\ninit {{ x = 0 s = {{}} }}\n"
                  f"invariant I: {ints} <= 3\ninvariant J: {sets} == {{}}\n", "r.sync")
    assert [i.cond.args[0].type for i in m.invariants] == [IntType(-627, 3), SetType(IntType(0, 3))]
