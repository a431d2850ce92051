"""Files, imports and constants: `spec.loader.load`, `load_text` and `--const` overrides."""

from __future__ import annotations

from pathlib import Path

import pytest

from spec import values as V
from spec.loader import load, load_modules, load_text, parse_const_option
from spec.types import IntType, ModelValueType, SetType
from spec_helpers import at, load_error, one, spec_error

ROOT = Path(__file__).resolve().parent.parent

CONSTS = """model C
const N = 2
const RM = symmetric {r1, r2}
const P = symmetric 3
const Q = {q1, q2}
const FLAG: bool = true
const R: 0..10 = 4
const TWICE = N * 2
var x: 0..N
var s: set[RM]
var t: set[Q]
init { x = 0
  s = {}
  t = {} }
action A(r: RM) { s = s | {r} }
"""


def consts(cs=None):
    mdl = load_text(CONSTS, "c.sync", cs)
    return mdl, mdl.const_values()


# ---- constants -----------------------------------------------------------------

def test_constant_defaults():
    mdl, values = consts()
    assert values == {"N": 2, "RM": {"r1", "r2"}, "P": {"P1", "P2", "P3"}, "Q": {"q1", "q2"},
                      "FLAG": True, "R": 4, "TWICE": 4}
    assert list(values["RM"]) == ["r1", "r2"]  # in declaration order
    assert mdl.consts["N"].type == IntType(2, 2)
    assert mdl.consts["R"].type == IntType(0, 10)  # a declared type is kept
    assert mdl.types["RM"] == ModelValueType("RM", ("r1", "r2"), True)
    assert mdl.types["Q"] == ModelValueType("Q", ("q1", "q2"), False)
    assert mdl.consts["RM"].type == SetType(mdl.types["RM"])
    assert [t.name for t in mdl.symmetric] == ["RM", "P"]
    assert not any(c.overridden for c in mdl.consts.values())
    assert mdl.var("x").type == IntType(0, 2)


def test_override_an_integer_and_what_depends_on_it():
    mdl, values = consts(["N=3"])
    assert values["N"] == 3 and values["TWICE"] == 6
    assert mdl.consts["N"].overridden and not mdl.consts["TWICE"].overridden
    assert mdl.var("x").type == IntType(0, 3)
    mdl, values = consts({"N": 5, "FLAG": "false"})
    assert (values["N"], values["FLAG"]) == (5, False)
    mdl, values = consts(["N = 1 + 2"])
    assert values["N"] == 3


def test_override_a_typed_constant():
    _, values = consts(["R=10"])
    assert values["R"] == 10
    err = load_error(CONSTS, ["R=11"])
    d = one(err)
    assert (d.code, d.message) == ("E320", "11 is outside 0..10 for constant 'R'")
    assert d.span.source.name == "--const R" and at(d) == (1, 1)
    assert err.render() == ("--const R:1:1: error[E320]: 11 is outside 0..10 for constant 'R'\n"
                            "  1 | 11\n"
                            "    | ^^")
    d = one(load_error(CONSTS, ["FLAG=1"]))
    assert d.code == "E302" and d.message == "type mismatch for constant 'FLAG': expected bool, found 1..1"


def test_model_values_by_size_and_by_names():
    mdl, values = consts(["RM=4"])
    assert values["RM"] == {"RM1", "RM2", "RM3", "RM4"}
    assert mdl.types["RM"] == ModelValueType("RM", ("RM1", "RM2", "RM3", "RM4"), True)
    assert mdl.consts["RM"].overridden and mdl.var("s").type == SetType(mdl.types["RM"])
    assert [t.name for t in mdl.symmetric] == ["RM", "P"]
    mdl, values = consts(["RM={a, b, c}", "Q=3", "P={p}"])
    assert list(values["RM"]) == ["a", "b", "c"]
    assert values["Q"] == {"Q1", "Q2", "Q3"} and values["P"] == {"p"}
    assert not mdl.types["Q"].symmetric and mdl.types["P"].symmetric
    assert isinstance(next(iter(values["RM"])), V.Sym)


@pytest.mark.parametrize("option, code, message", [
    ("N", "E603", "--const N: expected NAME=VALUE"),
    ("N=", "E603", "--const N=: the value is missing"),
    ("=3", "E603", "--const =3: expected NAME=VALUE"),
    ("3N=1", "E603", "--const 3N=1: expected NAME=VALUE"),
])
def test_malformed_const_options(option, code, message):
    d = one(spec_error(parse_const_option, option))
    assert (d.code, d.message, d.span) == (code, message, None)


def test_a_const_value_with_a_syntax_error_points_into_the_value():
    err = load_error(CONSTS, ["N=3+"])
    d = one(err)
    assert (d.code, d.span.source.name, at(d)) == ("E102", "--const N", (1, 3))
    assert err.render() == ("--const N:1:3: error[E102]: unexpected end of file; expected an expression\n"
                            "  1 | 3+\n"
                            "    |   ^")


@pytest.mark.parametrize("options, code, message", [
    (["NN=3"], "E403", "--const NN: the model has no constant 'NN'"),
    (["N=3", "N=4"], "E603", "--const N is given twice"),
    (["RM=true"], "E405", "--const RM=true: 'RM' is a set of model values; give a size (RM=4) or names (RM={a,b})"),
    (["RM=0"], "E406", "the set of model values 'RM' is empty"),
    (["RM={}"], "E406", "the set of model values 'RM' is empty"),
    (["RM={a, a}"], "E202", "'a' appears twice in 'RM'"),
    (["N={a}"], "E201", "unknown name 'a'"),
])
def test_bad_const_values(options, code, message):
    d = one(load_error(CONSTS, options))
    assert (d.code, d.message) == (code, message)


def test_an_override_keeps_the_type_of_an_untyped_constant():
    # N has no declared type: its default fixes it, and the option is rejected, not every use of N
    err = load_error(CONSTS, ["N=true"])
    assert [(d.code, d.span) for d in err.diagnostics] == [("E405", None)]
    assert err.diagnostics[0].message.startswith("--const N=true: 'N' is an integer (its default is")


def test_unknown_constant_suggests_a_name():
    d = one(load_error(CONSTS, ["TWICEE=1"]))
    assert (d.code, d.help) == ("E403", "did you mean 'TWICE'?")
    d = one(load_error(CONSTS, ["ZZZ=1"]))
    assert d.help == "constants: FLAG, N, P, Q, R, RM, TWICE"


def test_the_same_errors_through_load(tmp_path):
    path = tmp_path / "c.sync"
    path.write_text(CONSTS)
    assert load(path, ["N=3"]).const_values()["N"] == 3
    assert spec_error(load, path, ["N=3", "N=4"]).codes == ["E603"]
    assert spec_error(load, path, ["NN=3"]).codes == ["E403"]


def test_a_constant_without_a_value():
    text = "model M\nconst N\nvar x: 0..N\ninit { x = 0 }\naction A { skip }\n"
    err = load_error(text)
    d = one(err)
    assert (d.code, at(d), d.message) == ("E401", (2, 1), "constant 'N' has no value")
    assert d.help.startswith("give one on the command line") and "--const N=VALUE" in d.help
    assert load_text(text, "m.sync", ["N=4"]).var("x").type == IntType(0, 4)


def test_assumptions():
    text = "model M\nconst N = 5\nconst K = 1\nassume Small: N < 4 and K > 0\nassume N != 2\n" \
           "var x: 0..N\ninit { x = 0 }\naction A { skip }\n"
    err = load_error(text)
    d = one(err)
    assert (d.code, at(d), d.message, d.notes) == (
        "E402", (4, 15), "assumption 'Small' does not hold for these constants", ("with N = 5, K = 1",))
    assert err.render().splitlines()[-1] == "  note: with N = 5, K = 1"
    assert load_text(text, "m.sync", ["N=3"]).consts["N"].value == 3
    d = one(load_error(text, ["N=2"]))
    assert (d.code, at(d), d.message) == ("E402", (5, 8), "assumption does not hold for these constants")


def test_constants_defined_in_terms_of_themselves():
    d = one(load_error("model M\nconst A = B + 1\nconst B = A\nvar x: bool\ninit { x = true }\n"))
    assert (d.code, at(d), d.message) == ("E404", (2, 1), "constant 'A' is defined in terms of itself")


def test_a_failed_constant_is_reported_once():
    err = load_error(CONSTS, ["RM=0"])
    assert err.codes == ["E406"]  # not once more for every use of RM


def test_example_models_with_bigger_constants():
    tpc = ROOT / "models" / "two_phase_commit.sync"
    small, big = load(tpc), load(tpc, ["RM=5"])
    assert small.const_values()["RM"] == {"r1", "r2", "r3"}
    assert big.const_values()["RM"] == {"RM1", "RM2", "RM3", "RM4", "RM5"}
    assert small.state_bits == 17 and big.state_bits > small.state_bits
    ledger = load(ROOT / "models" / "options_ledger.sync", {"SLOTS": 3, "MAX_PRICE": 5})
    values = ledger.const_values()
    assert (values["SLOTS"], values["MAX_PRICE"], values["MAX_PAYOUT"], values["TOTAL"]) == (3, 5, 4, 6)
    assert ledger.var("price").type == IntType(0, 5)


def test_overrides_are_checked_against_assumptions():
    err = spec_error(load, ROOT / "models" / "options_ledger.sync", ["STRIKE=9"])
    (d,) = [d for d in err.diagnostics if d.code == "E402"]
    assert d.message == "assumption 'Sensible' does not hold for these constants"
    assert d.notes == ("with MAX_PRICE = 3, STRIKE = 9, PREMIUM = 1, INITIAL_CASH = 3",)


# ---- files and imports ----------------------------------------------------------

def write(root: Path, files: dict[str, str]) -> None:
    for name, text in files.items():
        p = root / name
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_text(text)


LIB = {
    "lib/prims.sync": "model Prims\nconst CAP = 3\ndef clamp(v: 0..10) -> 0..CAP = min(v, CAP)\n",
    "lib/colors.sync": 'model Colors\nimport "prims.sync"\nenum Color { red, green }\n',
    "main.sync": """model Main
import "lib/prims.sync"
import "lib/colors.sync"
var x: 0..CAP
var c: Color
init { x = clamp(7)
  c = red }
action A { x = clamp(x + 1) }
""",
}


def test_imports_are_relative_to_the_importing_file(tmp_path):
    write(tmp_path, LIB)
    mdl = load(tmp_path / "main.sync")
    assert mdl.name == "Main"
    assert mdl.const_values()["CAP"] == 3 and "clamp" in mdl.defs and "Color" in mdl.types
    assert mdl.var("x").type == IntType(0, 3)


def test_a_file_imported_twice_is_loaded_once(tmp_path):
    write(tmp_path, LIB)
    modules = load_modules(tmp_path / "main.sync")
    assert [m.name for m in modules] == ["Main", "Prims", "Colors"]
    mdl = load(tmp_path / "main.sync")
    assert list(mdl.sources) == [str(tmp_path / "main.sync"), str(tmp_path / "lib/prims.sync"),
                                 str(tmp_path / "lib/colors.sync")]


def test_import_cycles_load_each_file_once(tmp_path):
    write(tmp_path, {
        "a.sync": 'model A\nimport "b.sync"\nconst A1 = 1\nvar x: 0..B1\ninit { x = A1 }\naction S { skip }\n',
        "b.sync": 'model B\nimport "a.sync"\nconst B1 = 2\n',
    })
    assert [m.name for m in load_modules(tmp_path / "a.sync")] == ["A", "B"]
    assert load(tmp_path / "a.sync").var("x").type == IntType(0, 2)


def test_imported_constants_can_be_overridden(tmp_path):
    write(tmp_path, LIB)
    mdl = load(tmp_path / "main.sync", ["CAP=5"])
    assert mdl.var("x").type == IntType(0, 5)


def test_a_missing_import(tmp_path):
    write(tmp_path, {"main.sync": 'model M\n\nimport "nope.sync"\n'})
    err = spec_error(load, tmp_path / "main.sync")
    d = one(err)
    assert (d.code, at(d), d.message) == ("E602", (3, 1), "cannot import 'nope.sync': no such file")
    assert d.span.source.name == str(tmp_path / "main.sync")
    assert d.help == f"the path is relative to {tmp_path}"


def test_errors_in_an_imported_file_name_that_file(tmp_path):
    write(tmp_path, {"main.sync": 'model M\nimport "lib/bad.sync"\n',
                     "lib/bad.sync": "model Bad\nconst = 3\n"})
    d = one(spec_error(load, tmp_path / "main.sync"))
    assert (d.code, at(d)) == ("E100", (2, 7))
    assert d.span.where == f"{tmp_path / 'lib/bad.sync'}:2:7"


def test_relative_display_paths(tmp_path, monkeypatch):
    write(tmp_path, {"main.sync": 'model M\nimport "lib/bad.sync"\nvar x: bool\ninit { x = true }\n',
                     "lib/bad.sync": "model Bad\nconst N = nope\n"})
    monkeypatch.chdir(tmp_path)
    d = one(spec_error(load, "main.sync"))
    assert (d.code, d.span.where) == ("E201", "lib/bad.sync:2:11")


def test_a_name_declared_in_two_files(tmp_path):
    write(tmp_path, {**LIB, "clash.sync": 'model Clash\nimport "lib/prims.sync"\nconst CAP = 4\n'
                                           'var x: bool\ninit { x = true }\n'})
    d = one(spec_error(load, tmp_path / "clash.sync"))
    assert (d.code, at(d), d.message) == ("E202", (2, 1), "'CAP' is already declared")
    assert d.span.source.name == str(tmp_path / "lib/prims.sync")
    assert d.notes == (f"the first declaration is at {tmp_path / 'clash.sync'}:3:1",)


def test_a_missing_or_unreadable_main_file(tmp_path):
    d = one(spec_error(load, tmp_path / "absent.sync"))
    assert (d.code, d.message, d.span) == ("E601", f"no such file: {tmp_path / 'absent.sync'}", None)
    d = one(spec_error(load, tmp_path))
    assert (d.code, d.message) == ("E601", f"{tmp_path} is a directory, not a model file")
    (tmp_path / "bin.sync").write_bytes(b"\xff\xfe\x00")
    d = one(spec_error(load, tmp_path / "bin.sync"))
    assert (d.code, d.message) == ("E601", f"{tmp_path / 'bin.sync'} is not a UTF-8 text file "
                                           "(byte 0xff at line 1, column 1)")
