"""Mutation analysis (issue 18 item 3): `spec.mutate`'s operators and `syncproof mutate`."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from cli_helpers import run_cli as run

from spec.mutate import OPERATORS, mutants
from spec.parser import parse

from checker.project import mutation

# Every outcome on one model (checked with --no-deadlock: it stops at x == 3):
#   drop-require, < -> <=, + -> -   killed: x leaves 0..3, a runtime error
#   swap-if                          killed: y becomes 1 at x == 1, Done is violated
#   3 -> 2 in the if                 killed: y becomes 1 at x == 2
#   3 -> 2 in the require            survives: x stops at 2, y stays 0, Done holds
#   dropping `y = (y)`               equivalent: the same states by the same transitions
#   dropping `x = 0` from init       does not type-check: x has no initial value
#   y = 1 -> y = 2                   does not type-check: 2 is outside y's type
COUNTER = """\
model Counter
var x: 0..3
var y: 0..1
init { x = 0 y = 0 }
action Inc {
  require x < 3
  x = x + 1
  if x == 3 { y = 1 } else { y = (y) }
}
invariant Done: y == 1 implies x == 3
"""

# three states (x = 0, 1, 2); a mutant that lets x reach 3 needs a fourth
GROW = """\
model Grow
var x: 0..9
init { x = 0 }
action Step { require x < 2  x = x + 1 }
invariant Small: x <= 9
"""


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def described(text: str) -> list[tuple[str, int, int, str, str]]:
    return [(m.operator, m.line, m.col, m.replacement, m.description) for m in mutants(parse(text, "m.sync"), text)]


def analysis(tmp_path, capsys, text: str = COUNTER, *options) -> tuple[int, dict]:
    code, out, err = run(["mutate", write(tmp_path, "m.sync", text), "--no-deadlock", "--format", "json",
                          *options], capsys)
    assert err == ""
    return code, json.loads(out)


def outcome(data: dict, description: str) -> str:
    [found] = [m for m in data["mutants"] if m["description"] == description]
    return found["outcome"]


# ---- the operators -----------------------------------------------------------------------------

def test_every_operator_in_source_order():
    assert described(COUNTER) == [
        ("drop-assign", 4, 8, "skip", "dropped `x = 0`"),
        ("literal", 4, 12, "1", "0 -> 1"),
        ("drop-assign", 4, 14, "skip", "dropped `y = 0`"),
        ("literal", 4, 18, "1", "0 -> 1"),
        ("drop-require", 6, 3, "skip", "dropped `require x < 3`"),
        ("remove-action", 5, 1, "require false", "removed action `Inc`"),
        ("comparison", 6, 13, "<=", "`x < 3`: < -> <="),
        ("negate", 6, 13, ">=", "`x < 3` negated: < -> >="),
        ("literal", 6, 15, "2", "3 -> 2"),
        ("literal", 6, 15, "4", "3 -> 4"),
        ("drop-assign", 7, 3, "skip", "dropped `x = x + 1`"),
        ("arithmetic", 7, 9, "-", "`x + 1`: + -> -"),
        ("literal", 7, 11, "0", "1 -> 0"),
        ("literal", 7, 11, "2", "1 -> 2"),
        ("swap-if", 8, 6, "not (x == 3)", "swapped the branches of `if x == 3`"),
        ("comparison", 8, 8, "!=", "`x == 3`: == -> !="),
        ("literal", 8, 11, "2", "3 -> 2"),
        ("literal", 8, 11, "4", "3 -> 4"),
        ("drop-assign", 8, 15, "skip", "dropped `y = 1`"),
        ("literal", 8, 19, "0", "1 -> 0"),
        ("literal", 8, 19, "2", "1 -> 2"),
        ("drop-assign", 8, 30, "skip", "dropped `y = (y)`"),
    ]


@pytest.mark.parametrize("op, new", [("<", "<="), ("<=", "<"), (">", ">="), (">=", ">"), ("==", "!="),
                                     ("!=", "=="), ("+", "-"), ("-", "+")])
def test_each_binary_operator_is_swapped(op, new):
    text = f"model M\nvar x: 0..3\ninit {{ x = 0 }}\naction A {{ require (x) {op} (1 * 2) }}\n"
    [swapped] = [m for m in mutants(parse(text, "m.sync"), text) if m.replacement == new]
    assert swapped.apply(text).endswith(f"require (x) {new} (1 * 2) }}\n")


def test_an_if_expression_has_its_branches_swapped():
    text = "model M\nvar x: 0..3\ninit { x = 0 }\naction A { x = if x < 3 then x + 1 else 0 }\n"
    [swap] = [m for m in mutants(parse(text, "m.sync"), text) if m.operator == "swap-if"]
    assert swap.apply(text).endswith("x = if not (x < 3) then x + 1 else 0 }\n")
    assert (swap.line, swap.col, swap.description) == (4, 19, "swapped the branches of `if x < 3`")


def test_the_init_and_actions_of_a_process_are_mutated(tmp_path, capsys):
    text = ("model P\nconst NODES = {a, b}\nprocess Node[n in NODES] {\n  var c: 0..2\n  init { c = 0 }\n"
            "  action Tick { require c < 2  c = c + 1 }\n  invariant Low: c <= 2\n}\n")
    code, data = analysis(tmp_path, capsys, text)
    assert code == 0
    assert [(m["line"], m["description"], m["outcome"]) for m in data["mutants"]][:4] == [
        (5, "dropped `c = 0`", "invalid"), (5, "0 -> 1", "survived"),
        (6, "dropped `require c < 2`", "killed"), (6, "removed action `Tick`", "survived")]
    assert {m["line"] for m in data["mutants"]} == {5, 6}


def test_properties_declarations_and_comments_are_not_mutated():
    text = ("model M\nconst N = 3\nvar x: 0..N\ninit { x = 0 }\n"
            "action A { require x # a comment\n < N }\ninvariant I: x <= N + 1\n")
    # the comparison with a comment between its operands is left alone; N and the invariant too
    assert [m.description for m in mutants(parse(text, "m.sync"), text)] == [
        "dropped `x = 0`", "0 -> 1", "dropped `require x # a comment < N`", "removed action `A`"]


def test_a_mutant_is_shown_as_a_diff_of_the_model():
    [m] = [m for m in mutants(parse(COUNTER, "m.sync"), COUNTER) if m.description == "3 -> 2" and m.line == 6]
    assert m.diff(COUNTER, "m.sync") == ("--- m.sync\n+++ m.sync (mutant)\n@@ -5,3 +5,3 @@\n action Inc {\n"
                                         "-  require x < 3\n+  require x < 2\n   x = x + 1\n")


# ---- the outcomes ------------------------------------------------------------------------------

def test_killed_surviving_equivalent_and_invalid_mutants(tmp_path, capsys):
    code, data = analysis(tmp_path, capsys)
    assert code == 0
    assert outcome(data, "dropped `require x < 3`") == "killed"
    assert outcome(data, "`x < 3`: < -> <=") == "killed"
    assert outcome(data, "`x + 1`: + -> -") == "killed"
    assert outcome(data, "swapped the branches of `if x == 3`") == "killed"
    assert [m["outcome"] for m in data["mutants"] if m["description"] == "3 -> 2"] == ["survived", "killed"]
    assert outcome(data, "dropped `y = (y)`") == "equivalent"
    assert outcome(data, "dropped `x = 0`") == "invalid"
    assert outcome(data, "dropped `y = 0`") == "invalid"
    assert [m["outcome"] for m in data["mutants"] if m["description"] == "1 -> 2"] == ["killed", "invalid"]
    counts = {o: data[o] for o in ("killed", "survived", "equivalent", "unknown", "invalid")}
    assert outcome(data, "removed action `Inc`") == "survived"
    assert outcome(data, "`x < 3` negated: < -> >=") == "survived"
    assert counts == {"killed": 9, "survived": 9, "equivalent": 1, "unknown": 0, "invalid": 3}
    assert data["score"] == pytest.approx(100 * 9 / 18)
    assert data["generated"] == data["checked"] == 22
    assert set(data["operators"]) == set(OPERATORS)
    assert data["operators"]["swap-if"] == {"killed": 1, "survived": 0, "equivalent": 0, "unknown": 0,
                                            "invalid": 0, "error": 0}
    assert sum(data["operators"][op]["killed"] for op in OPERATORS) == 9


def test_a_killed_mutant_names_the_property(tmp_path, capsys):
    _, data = analysis(tmp_path, capsys)
    [swap] = [m for m in data["mutants"] if m["operator"] == "swap-if"]
    assert swap["detail"] == "Done"
    assert "diff" not in swap


def test_a_mutant_beyond_the_state_budget_is_checked_by_bmc(tmp_path, capsys):
    code, data = analysis(tmp_path, capsys, GROW, "--max-states", "3", "--depth", "4")
    assert code == 0
    [wider] = [m for m in data["mutants"] if m["description"] == "`x < 2`: < -> <="]
    assert (wider["outcome"], wider["engine"], wider["detail"]) == ("survived", "bmc", "no violation up to depth 4")
    assert [m["engine"] for m in data["mutants"] if m["description"] == "2 -> 3"] == ["bmc"]
    assert outcome(data, "2 -> 1") == "survived"
    assert data["score"] == pytest.approx(100 * data["killed"] / (data["killed"] + data["survived"]))


def test_imports_and_constants_carry_over_to_the_mutants(tmp_path, capsys):
    write(tmp_path, "lib.sync", "model Lib\nconst TOP = 3\n")
    text = 'model M\nimport "lib.sync"\nvar x: 0..TOP\ninit { x = 0 }\naction A { require x < TOP x = x + 1 }\n'
    code, data = analysis(tmp_path, capsys, text, "--const", "TOP=2")
    assert code == 0
    assert outcome(data, "dropped `require x < TOP`") == "killed"
    assert data["invalid"] == 1   # dropping x = 0


def test_sampling_is_deterministic_and_keeps_the_source_order(tmp_path, capsys):
    _, first = analysis(tmp_path, capsys, COUNTER, "--max-mutants", "5", "--seed", "7")
    _, again = analysis(tmp_path, capsys, COUNTER, "--max-mutants", "5", "--seed", "7")
    _, other = analysis(tmp_path, capsys, COUNTER, "--max-mutants", "5", "--seed", "8")
    where = [(m["line"], m["col"], m["description"]) for m in first["mutants"]]
    assert first == again
    assert first["checked"] == 5 and first["generated"] == 22 and first["seed"] == 7
    assert where == sorted(where, key=lambda w: (w[0], w[1]))
    assert where != [(m["line"], m["col"], m["description"]) for m in other["mutants"]]


# ---- the command -------------------------------------------------------------------------------

def test_text_report_score_operators_and_survivors(tmp_path, capsys):
    path = write(tmp_path, "m.sync", COUNTER)
    code, out, err = run(["mutate", path, "--no-deadlock"], capsys)
    assert code == 0 and err == ""
    assert f"{path}: Counter: 22 of 22 mutants checked (seed 0)" in out
    assert "mutation score: 50.0% (9 killed of 18; 1 equivalent, 0 unknown, 3 not type-checking, left out)" in out
    assert "  swap-if                 1          0          0          0          0" in out
    assert "surviving mutants (9):" in out and "equivalent mutants (1):" in out
    assert f"{path}:6:15: literal: 3 -> 2\n  --- {path}\n  +++ {path} (mutant)\n" in out
    assert "  -  require x < 3\n  +  require x < 2\n" in out
    assert out.count("hint: no property fails on this mutant: a property is missing") == 9


def test_min_score(tmp_path, capsys):
    path = write(tmp_path, "m.sync", COUNTER)
    assert run(["mutate", path, "--no-deadlock", "--min-score", "50"], capsys)[0] == 0
    assert run(["mutate", path, "--no-deadlock", "--min-score", "51"], capsys)[0] == 1


def test_ctrl_c_reports_the_mutants_checked_so_far(tmp_path, capsys, monkeypatch):
    checked = []
    real = mutation.check_mutant

    def interrupted_at_the_third(*args):
        if len(checked) == 2:
            raise KeyboardInterrupt
        checked.append(args[0])
        return real(*args)
    monkeypatch.setattr(mutation, "check_mutant", interrupted_at_the_third)
    code, data = analysis(tmp_path, capsys, COUNTER, "--jobs", "1")
    assert code == 130
    assert data["interrupted"] is True and data["checked"] == 2 and data["generated"] == 22
    assert [m["outcome"] for m in data["mutants"]] == ["invalid", "survived"]


def test_a_model_that_does_not_hold_is_refused(tmp_path, capsys):
    code, out, err = run(["mutate", write(tmp_path, "m.sync", COUNTER)], capsys)   # deadlock at x == 3
    assert code == 2 and out == ""
    assert "error[E625]" in err and "deadlock is violated by the model itself" in err
    two = COUNTER.replace("implies x == 3", "implies x == 2") + "invariant Low: x < 3\n"
    code, _, err = run(["mutate", write(tmp_path, "m.sync", two), "--no-deadlock"], capsys)
    assert code == 2 and "Done, Low are violated by the model itself" in err


@pytest.mark.parametrize("args, needle", [
    (["--max-mutants", "0"], "error[E600]: argument --max-mutants"),
    (["--min-score", "101"], "expected a percentage from 0 to 100"),
    (["--format", "html"], "error[E600]: argument --format"),
])
def test_bad_options_exit_2(args, needle, tmp_path, capsys):
    code, _, err = run(["mutate", write(tmp_path, "m.sync", COUNTER), *args], capsys)
    assert code == 2 and needle in err


def test_bad_model_exit_2_with_location(tmp_path, capsys):
    path = write(tmp_path, "m.sync", "model X\nvar x: bool\ninit { x = y }\n")
    code, out, err = run(["mutate", path], capsys)
    assert code == 2 and out == ""
    assert f"{path}:3:12: error[E201]: unknown name 'y'" in err and "  3 | init { x = y }\n    |            ^" in err
    code, _, err = run(["mutate", tmp_path / "missing.sync"], capsys)
    assert code == 2 and "error[E601]" in err and "Traceback" not in err
