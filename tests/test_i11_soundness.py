"""Wrong answers the fuzzing harness found after issue 11's list (tests/fuzz, /bench/fuzz.py).

N1: the type checker widens an expression to a type it fits in (the same codes, more of them)
without a conversion node; the z3 encoding kept the narrower set's bits, so `s | {5}` with
`s: set[0..2]` lost the 5: BMC said `runtime` holds and `--engine prove` proved it.
"""

from __future__ import annotations

import json

import pytest

from cli_helpers import run_cli as run
from engine_helpers import differential, model_of

STORE_OUTSIDE = """model B1
var s: set[0..2]
init { s = {} }
action A { s = s | {5} }
"""

WIDENED = """model U1
var s: set[1..2]
var m: map[0..1, set[1..2]]
init { s = {1}  m = {k: {2} for k in 0..1} }
action A { require false  s = s }
invariant I: 0 in (s | {0})
invariant J: len(s | {5}) == 2
invariant K: (s | {0}) == {0, 1}
invariant L: 5 in (m[0] | {5}) and 2 in (m[1] | {5})
invariant M: s subset (s | {7})
invariant N: len((s & {1, 2}) | {9}) == 2
invariant O: len(if len(s) == 1 then s else {4}) == 1
"""


def _verdicts(capsys, path, *options) -> tuple[int, dict]:
    code, out, err = run(["check", path, "--json", "--no-trace-file", *options], capsys)
    assert code in (0, 1, 3), err
    return code, {p["name"]: p["verdict"] for p in json.loads(out)["properties"]}


Z3 = ["--rlimit", "40000000"]   # a budget of z3 resource units: the verdicts do not depend on the machine's speed


@pytest.mark.parametrize("engine", [["--engine", "explicit"], ["--engine", "bmc", "--depth", "2", *Z3],
                                    ["--engine", "prove", *Z3], ["--engine", "induction", *Z3]])
def test_a_union_storing_an_element_outside_the_set_is_a_runtime_error_in_every_engine(tmp_path, capsys, engine):
    path = tmp_path / "b1.sync"
    path.write_text(STORE_OUTSIDE)
    code, verdicts = _verdicts(capsys, path, *engine)
    assert code == 1 and verdicts["runtime"] == "violated"


@pytest.mark.parametrize("engine", [["--engine", "explicit"], ["--engine", "bmc", "--depth", "1", *Z3]])
def test_set_operations_on_a_widened_set_keep_every_element(tmp_path, capsys, engine):
    path = tmp_path / "u1.sync"
    path.write_text(WIDENED)
    _, verdicts = _verdicts(capsys, path, "--no-deadlock", "--continue", *engine)
    assert {n: v for n, v in verdicts.items() if n in "IJKLMNO"} == dict.fromkeys("IJKLMNO", "holds")


# N3: which failure of an action is "the first" (the counterexample for `runtime`): the compiled
# code reported the first failing run in choice order, the interpreter the run that failed at the
# earliest statement. Both now go through the runs in choice order.
FIRST_FAILURE = {
    "choose": """model N3
var x: 0..2
init { x = 0 }
action A {
  choose c in 1..2
  x = 2 / (2 - c)
  assert c != 1
}
""",
    "loop": """model N3Loop
var x: 0..2
init { x = 0 }
action A {
  for i in 0..1 {
    choose c in 0..1
    if i == 0 and c == 1 { x = x + 5 }
    if i == 1 and c == 0 { assert false }
  }
}
""",
}


@pytest.mark.parametrize("name", FIRST_FAILURE)
def test_the_compiled_code_and_the_interpreter_fail_first_on_the_same_run(name):
    assert differential(model_of(FIRST_FAILURE[name])) >= 1


@pytest.mark.parametrize("name", FIRST_FAILURE)
def test_every_engine_shows_the_same_first_failure(tmp_path, capsys, name):
    path = tmp_path / "n3.sync"
    path.write_text(FIRST_FAILURE[name])
    messages = set()
    for engine in (["--engine", "explicit"], ["--engine", "bmc", "--depth", "2", *Z3]):
        code, out, err = run(["check", path, "--json", "--no-trace-file", *engine], capsys)
        assert code == 1, err
        runtime = next(p for p in json.loads(out)["properties"] if p["name"] == "runtime")
        messages.add(runtime["message"])
    assert len(messages) == 1 and "assertion failed" in messages.pop()
