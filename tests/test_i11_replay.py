"""Issue 11, items 13 and 15 and findings F3, F4, F6: `replay` reads any file it is given as
input (exit 2 naming the file and the place in the document, in bounded time and memory); a
run of init that fails replays; a model the code generator refuses replays on the interpreter;
`conform` never imports a file of the current directory in place of a standard module."""

from __future__ import annotations

import copy
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from checker.traces import itf
from tests.cli_helpers import run_cli

ROOT = Path(__file__).resolve().parent.parent

UP = """model Up
var x: 0..3
init { x = 0 }
action Inc(k: 1..2) { require x + k <= 3  x = x + k }
invariant Low: x < 2
"""


def _state(i: int, x, action: str | None = None, k: int = 1) -> dict:
    meta = {"index": i}
    if action:
        meta.update(action=action, parameters={"k": {"#bigint": str(k)}})
    return {"#meta": meta, "x": x}


# x = 0 -Inc(1)-> 1 -Inc(1)-> 2: Low is violated in state 2
TRACE = {"#meta": {"format": "ITF", "model": "Up", "property": "Low", "kind": "invariant", "constants": {}},
         "vars": ["x"],
         "states": [_state(0, {"#bigint": "0"}), _state(1, {"#bigint": "1"}, "Inc"),
                    _state(2, {"#bigint": "2"}, "Inc")]}


@pytest.fixture()
def here(tmp_path, monkeypatch):
    """A directory with the model up.sync, the current one: messages name files as given."""
    (tmp_path / "up.sync").write_text(UP)
    monkeypatch.chdir(tmp_path)
    return tmp_path


def replay(capsys, trace, *args) -> tuple[int, str, str]:
    code, out, err = run_cli(["replay", trace, "up.sync", *args], capsys)
    assert "Traceback" not in out + err and "internal error" not in out + err
    return code, " ".join(out.split()), " ".join(err.split())


def write_doc(path: Path, doc) -> str:
    path.write_text(json.dumps(doc))
    return path.name


def mutated(change) -> dict:
    doc = copy.deepcopy(TRACE)
    change(doc)
    return doc


def test_the_trace_these_tests_break_replays(here, capsys):
    code, out, _ = replay(capsys, write_doc(here / "t.itf.json", TRACE))
    assert code == 1
    assert "valid: a behaviour of Up with 3 states" in out
    assert "VIOLATED Low: invariant Low is violated in state 2" in out


# ---- item 13, F4: the document's shape, everywhere it is used --------------------------------

def _set(*path_and_value):
    *path, key, value = path_and_value

    def change(doc):
        for k in path:
            doc = doc[k]
        doc[key] = value
    return change


SHAPES = [
    (_set("#meta", "hello"), '#meta: expected an object, found "hello"'),
    (_set("states", 2, "#meta", "hello"), 'states[2].#meta: expected an object, found "hello"'),
    (_set("states", 1, "#meta", "parameters", [1]), "states[1].#meta.parameters: expected an object, found [1]"),
    (_set("states", 1, "#meta", "action", 7), "states[1].#meta.action: expected a string, found 7"),
    (_set("states", 1, 5), "states[1]: expected an object, found 5"),
    (_set("#meta", "failing-step", 3), "#meta.failing-step: expected an object, found 3"),
    (_set("#meta", "failing-step", {"action": "Inc", "choices": "c"}),
     '#meta.failing-step.choices: expected an object, found "c"'),
    (_set("#meta", "constants", "N=3"), '#meta.constants: expected an object, found "N=3"'),
    (_set("#meta", "binding", []), "#meta.binding: expected an object, found []"),
    (_set("#meta", "property", None), "#meta.property: expected a string, found null"),
    (_set("loop", True), "loop: expected an integer, found true"),
    (_set("loop", "1"), 'loop: expected an integer, found "1"'),
    (_set("vars", 0, 1), "vars[0]: expected a string, found 1"),
    (_set("states", {}), "not an ITF trace (it needs 'vars' and 'states')"),
    (_set("states", 1, "x", {"#set": 3}), 'states[1].x: expected {"#set": [...]}, found {"#set": 3}'),
    (_set("states", 1, "x", {"#map": [[1]]}), "states[1].x.#map[0]: expected a [key, value] pair, found [1]"),
    (_set("states", 1, "x", {"#tup": {}}), 'states[1].x: expected {"#tup": [...]}, found {"#tup": {}}'),
    (_set("states", 1, "x", 1.5), "states[1].x: expected {\"#bigint\": \"...\"} for type 0..3, found 1.5"),
    (_set("states", 1, "x", {"#bigint": "7"}), "states[1].x: 7 is outside 0..3"),
    (_set("states", 1, "x", {"#bigint": "1", "more": 2}),
     'states[1].x: expected {"#bigint": "-?[0-9]+"} (at most 4300 ASCII digits in a string), found '
     '{"#bigint": "1", "more": 2}'),
]


@pytest.mark.parametrize("change, message", SHAPES)
def test_a_document_of_another_shape_is_exit_2_saying_where(here, capsys, change, message):
    code, _, err = replay(capsys, write_doc(here / "t.itf.json", mutated(change)))
    assert code == 2
    assert f"error[E605]: t.itf.json: {message}" in err


# ITF: a #bigint is a string of ASCII digits with an optional "-", nothing else
BIGINTS = [1, "\u0661", " 1_0 ", "1_0", "+1", "1e0", "0x1", "", "-", "1\n", "\uff11", None, ["1"], "9" * 4301]


@pytest.mark.parametrize("text", BIGINTS, ids=repr)
def test_a_bigint_is_ascii_digits_with_an_optional_sign(here, capsys, text):
    doc = mutated(_set("states", 1, "x", {"#bigint": text}))
    code, _, err = replay(capsys, write_doc(here / "t.itf.json", doc))
    assert code == 2
    assert 'error[E605]: t.itf.json: states[1].x: expected {"#bigint": "-?[0-9]+"} (at most 4300 ASCII digits ' \
           "in a string)" in err


@pytest.mark.parametrize("parent, key, where", [
    (("states", 1, "#meta", "parameters"), "k", "states[1].#meta.parameters.k"),
    (("#meta", "constants"), "N", "#meta.constants.N"),
    (("#meta", "binding"), "u", "#meta.binding.u"),
    (("states", 2, "#meta", "choices"), "c", "states[2].#meta.choices.c"),
])
def test_a_bigint_is_checked_wherever_it_is(here, capsys, parent, key, where):
    code, _, err = replay(capsys, write_doc(here / "t.itf.json", mutated(_set(*parent, {key: {"#bigint": "1.0"}}))))
    assert code == 2
    assert f'error[E605]: t.itf.json: {where}: expected {{"#bigint": "-?[0-9]+"}}' in err


def test_bigints_of_ascii_digits_are_read(here, capsys):
    doc = mutated(_set("states", 1, "x", {"#bigint": "-0001"}))
    code, _, err = replay(capsys, write_doc(here / "t.itf.json", doc))
    assert (code, err) == (2, "error[E605]: t.itf.json: states[1].x: -1 is outside 0..3")
    assert itf.bigint("-0001") == -1 and itf.bigint("0002") == 2 and itf.bigint("9" * 4300) == int("9" * 4300)


# ---- item 13: the file itself ---------------------------------------------------------------

def test_a_file_that_is_not_utf8_is_exit_2_with_its_line_and_column(here, capsys):
    (here / "t.itf.json").write_bytes(b'{"vars": [],\n "states": ["caf\xe9"]}')
    code, _, err = replay(capsys, "t.itf.json")
    assert code == 2
    assert "error[E605]: t.itf.json: not a UTF-8 text file (byte 0xe9 at line 2, column 17)" in err


def test_a_utf8_bom_is_accepted(here, capsys):
    (here / "t.itf.json").write_text("\ufeff" + json.dumps(TRACE), encoding="utf-8")
    code, out, _ = replay(capsys, "t.itf.json")
    assert code == 1 and "VIOLATED Low" in out


def test_deep_nesting_is_exit_2(here, capsys):
    (here / "deep.itf.json").write_text("[" * 100_000)
    code, _, err = replay(capsys, "deep.itf.json")
    assert code == 2
    assert "error[E605]: deep.itf.json: not an ITF trace: arrays and objects nested more than 200 deep" in err


def test_nesting_that_json_reads_is_still_limited(here, capsys):
    doc = mutated(_set("states", 1, "x", json.loads("[" * 300 + "]" * 300)))
    code, _, err = replay(capsys, write_doc(here / "t.itf.json", doc))
    assert code == 2
    assert "error[E605]: t.itf.json: states[1].x[0][0]" in err
    assert ": arrays and objects nested more than 200 deep" in err


@pytest.mark.parametrize("text, message", [
    ('{"vars": [], "states": [], "x": NaN}', "not JSON: NaN is not a JSON value"),
    ('{"vars": [], "states": [], "x": -Infinity}', "not JSON: -Infinity is not a JSON value"),
    ('{"vars": [], "states": [], "x": ' + "9" * 5000 + "}", "not an ITF trace: a number of more than 4300 digits"),
    ("{not json", "t.itf.json:1:2: not JSON: Expecting property name enclosed in double quotes"),
])
def test_what_is_not_json_is_exit_2(here, capsys, text, message):
    (here / "t.itf.json").write_text(text)
    code, _, err = replay(capsys, "t.itf.json")
    assert code == 2
    assert message in err and "t.itf.json" in err


def bounded_replay(cwd: Path, trace: str) -> tuple[int, str]:
    """`replay TRACE up.sync` in a process of at most 4 GB of address space, stopped after 5
    minutes: a regression that reads /dev/zero or blocks on a FIFO fails instead of taking the
    machine's memory or hanging the suite."""
    import resource

    def limit():
        resource.setrlimit(resource.RLIMIT_AS, (4 << 30, 4 << 30))
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    try:
        done = subprocess.run([sys.executable, "-m", "checker.cli", "replay", trace, "up.sync"], cwd=cwd, env=env,
                              capture_output=True, text=True, timeout=300, preexec_fn=limit)
    except subprocess.TimeoutExpired:
        return -1, "still running after 5 minutes"
    return done.returncode, " ".join((done.stdout + done.stderr).split())


@pytest.mark.skipif(not os.path.exists("/dev/zero"), reason="no /dev/zero")
def test_dev_zero_is_refused_before_it_is_read(here):
    assert bounded_replay(here, "/dev/zero") == (2, "error[E605]: /dev/zero: a character device, not a trace file")


def test_a_fifo_and_a_directory_are_refused_without_blocking(here):
    os.mkfifo(here / "fifo.itf.json")  # no writer: opening it for reading in the usual way blocks for ever
    (here / "dir.itf.json").mkdir()
    for name, kind in (("fifo.itf.json", "a FIFO"), ("dir.itf.json", "a directory")):
        assert bounded_replay(here, name) == (2, f"error[E605]: {name}: {kind}, not a trace file")


def test_a_file_over_the_size_limit_is_refused_before_it_is_read(here, capsys, monkeypatch):
    monkeypatch.setattr(itf, "MAX_TRACE_BYTES", 100)
    (here / "t.itf.json").write_text(json.dumps(TRACE))
    size = (here / "t.itf.json").stat().st_size
    code, _, err = replay(capsys, "t.itf.json")
    assert code == 2
    assert err == f"error[E605]: t.itf.json: too large: {size:,} bytes (at most 100)"


def test_a_missing_or_unreadable_file_is_exit_2(here, capsys):
    code, _, err = replay(capsys, "absent.itf.json")
    assert (code, err) == (2, "error[E605]: absent.itf.json: no such file")


# ---- F3: a run of init that fails ----------------------------------------------------------

INIT_FAILS = """model InitFails
var x: 0..3
var y: 0..3
init {
  choose c in 0..1
  x = 1
  y = 4 * c
}
action A { require x < 3  x = x + 1 }
"""


def test_a_failing_init_replays(here, capsys):
    (here / "init.sync").write_text(INIT_FAILS)
    code, _, _ = run_cli(["check", "init.sync", "--out", "out", "--no-deadlock"], capsys)
    assert code == 1
    trace = here / "out" / "init.runtime.itf.json"
    code, out, err = run_cli(["replay", trace, "init.sync"], capsys)
    assert (code, err) == (1, "")
    assert "valid: a run of InitFails's init that fails before the initial state" in out
    assert "VIOLATED runtime: integer out of range in init: storing into y: 4 is outside 0..3" in out
    doc = json.loads(trace.read_text())
    doc["#meta"]["failing-step"]["choices"] = {"c": {"#bigint": "0"}}  # the way through init that succeeds
    code, out, _ = run_cli(["replay", write_doc(here / "other.itf.json", doc), "init.sync"], capsys)
    assert code == 2
    assert "NOT A BEHAVIOUR of InitFails: init does not fail with the recorded choices" in out


def test_a_trace_without_states_or_a_failing_init_is_exit_2(here, capsys):
    doc = {"#meta": {"failing-step": {"action": "Inc", "parameters": {}}}, "vars": [], "states": []}
    code, _, err = replay(capsys, write_doc(here / "t.itf.json", doc))
    assert code == 2
    assert "error[E605]: t.itf.json: states: the trace has no states (and no failing step of init" in err


# ---- F6: a model the code generator refuses replays on the interpreter ---------------------

SEQ_CHOOSE = """model SeqChoose
var q: seq[0..2, 2]
var t: 0..9
init { q = [1, 2]  t = 0 }
action A {
  for v in q {
    choose c in 0..v
    t = c
  }
}
invariant Small: t < 2
"""


def test_a_bmc_trace_of_a_model_the_explicit_engine_cannot_compile_replays(here, capsys):
    (here / "seq.sync").write_text(SEQ_CHOOSE)
    code, _, _ = run_cli(["check", "seq.sync", "--engine", "bmc", "--depth", "2", "--rlimit", "40000000", "--out", "out"], capsys)
    assert code == 1
    code, out, err = run_cli(["replay", here / "out" / "seq.Small.itf.json", "seq.sync"], capsys)
    assert (code, err) == (1, "")
    assert "valid: a behaviour of SeqChoose with 2 states" in " ".join(out.split())
    assert "VIOLATED Small: invariant Small is violated in state 1" in out


# ---- F4: a trace whose steps must name their instance ---------------------------------------

WIDE = """model Wide
var x: 0..3
init { x = 0 }
action Add(k: 0..2**40) { require x + k <= 3  x = x + k }
invariant Low: x < 2
"""


@pytest.mark.parametrize("meta, code, message", [
    ({"action": "Add", "parameters": {"k": {"#bigint": "2"}}}, 1, "VIOLATED Low: invariant Low is violated in state 1"),
    ({"action": "Add"}, 2, "NOT A BEHAVIOUR of Wide: state 1: its #meta does not give a value of its type to every "
                           "parameter of Add, and the model's action instances are too many to try them all"),
    ({"action": "Add", "parameters": {"k": {"#bigint": "-2"}}}, 2, "a value of its type to every parameter of Add"),
    ({}, 2, "NOT A BEHAVIOUR of Wide: state 1: its #meta does not give the action that led to it"),
])
def test_a_step_of_a_model_with_too_many_instances_must_name_its_own(here, capsys, meta, code, message):
    """Trying all 2**41 instances of Add would not end: the trace's own labels are needed."""
    (here / "wide.sync").write_text(WIDE)
    doc = {"vars": ["x"], "states": [{"x": {"#bigint": "0"}}, {"#meta": meta, "x": {"#bigint": "2"}}]}
    got, out, err = run_cli(["replay", write_doc(here / "t.itf.json", doc), "wide.sync"], capsys)
    assert (got, err) == (code, "")
    assert message in " ".join(out.split())


# a deadlock in a model whose parameters are too many to enumerate: z3 decides whether any instance
# is enabled in the last state (found by the fuzzer: a mutant's deadlock that replay could not confirm)
WIDE_DEAD = WIDE.replace("invariant Low: x < 2", "invariant Low: x < 4").replace("x + k <= 3", "x + k <= 3 and k >= 1")


@pytest.mark.parametrize("last, dead", [(3, True), (2, False), (0, False)])
def test_a_deadlock_with_too_many_instances_is_decided_by_z3(here, capsys, last, dead):
    (here / "wide.sync").write_text(WIDE_DEAD)
    states = [{"x": {"#bigint": "0"}}]
    if last:
        states.append({"#meta": {"action": "Add", "parameters": {"k": {"#bigint": str(last)}}},
                       "x": {"#bigint": str(last)}})
    doc = {"#meta": {"property": "deadlock"}, "vars": ["x"], "states": states}
    got, out, err = run_cli(["replay", write_doc(here / "t.itf.json", doc), "wide.sync", "--json"], capsys)
    data = json.loads(out)
    assert data["valid"] and err == ""
    assert data["violations"] == ([{"property": "deadlock", "state": len(states) - 1,
                                    "message": f"deadlock: no action is enabled in state {len(states) - 1}"}]
                                  if dead else [])
    assert "not checked" not in data["message"]
    assert got == (1 if dead else 0)


def test_conform_replay_names_the_trace_and_the_place(here, capsys, monkeypatch):
    monkeypatch.setattr(sys, "path", list(sys.path))  # conform appends the directory it searches
    (here / "flag.sync").write_text(BANKLIKE)
    (here / "i11_flag_adapter.py").write_text(FLAG_ADAPTER)
    doc = {"vars": ["on"], "states": [{"on": False}, {"#meta": {"action": "Set", "parameters": {}}, "on": True},
                                      {"#meta": "Set", "on": True}]}
    code, _, err = run_cli(["conform", "flag.sync", "--impl", "i11_flag_adapter:FlagAdapter", "--replay",
                            write_doc(here / "t.itf.json", doc)], capsys)
    assert (code, " ".join(err.split())) == (2, 'error[E605]: t.itf.json: states[2].#meta: expected an object, '
                                                'found "Set"')
    doc["states"][2]["#meta"] = {"action": "Set", "parameters": {}}
    code, out, err = run_cli(["conform", "flag.sync", "--impl", "i11_flag_adapter:FlagAdapter", "--replay",
                              write_doc(here / "t.itf.json", doc)], capsys)
    assert code == 0, out + err
    doc["states"][2]["#meta"] = {"action": "Nope"}
    code, _, err = run_cli(["conform", "flag.sync", "--impl", "i11_flag_adapter:FlagAdapter", "--replay",
                            write_doc(here / "t.itf.json", doc)], capsys)
    assert (code, " ".join(err.split())) == (2, "error[E605]: t.itf.json: state 2: the model has no action 'Nope'")


def test_a_lasso_without_its_binding_is_checked_for_every_one(here, capsys):
    doc = json.loads((ROOT / "counterexamples" / "settlement_lock_broken.EverySettlementRuns.itf.json").read_text())
    model = ROOT / "models" / "settlement_lock_broken.sync"
    assert doc["#meta"]["binding"] == {"w": "w1"}
    for binding in ({"w": "w1"}, {}, {"#tup": []}):
        doc["#meta"]["binding"] = binding
        code, out, err = run_cli(["replay", write_doc(here / "t.itf.json", doc), model], capsys)
        assert (code, err) == (1, "")
        assert "VIOLATED EverySettlementRuns: the fair lasso violates EverySettlementRuns" in out
    doc["#meta"]["binding"] = {"w": "w9"}
    code, _, err = run_cli(["replay", write_doc(here / "t.itf.json", doc), model], capsys)
    assert code == 2
    assert "error[E605]: t.itf.json: #meta.binding.w: 'w9' is not a member of" in " ".join(err.split())


# ---- item 15: conform imports nothing of the current directory in place of the library -----

BANKLIKE = """model Flag
var on: bool
init { on = false }
action Set { on = true }
"""

FLAG_ADAPTER = """from checker.conform.adapter import Adapter


class FlagAdapter(Adapter):
    check_guards = False

    def setup(self, constants):
        self.on = False

    def Set(self):
        self.on = True

    def observe(self):
        return {"on": self.on}
"""

# a file named like a module of the standard library: importing it leaves a mark
PLANTED = "import pathlib\npathlib.Path(__file__).with_suffix('.imported').write_text('')\n"


def cli_process(cwd: Path, *args) -> subprocess.CompletedProcess:
    """`python -m checker.cli ARGS` in cwd: Python itself puts cwd first on sys.path."""
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    return subprocess.run([sys.executable, "-m", "checker.cli", *args], cwd=cwd, env=env, capture_output=True,
                          text=True, timeout=600)


def test_conform_does_not_run_a_secrets_py_of_the_current_directory(tmp_path):
    (tmp_path / "flag.sync").write_text(BANKLIKE)
    (tmp_path / "flag_adapter.py").write_text(FLAG_ADAPTER)
    (tmp_path / "secrets.py").write_text(PLANTED)  # hypothesis -> numpy.random -> secrets
    done = cli_process(tmp_path, "conform", "flag.sync", "--impl", "flag_adapter:FlagAdapter", "--runs", "3",
                       "--steps", "3", "--seed", "0", "--no-trace-file")
    assert not (tmp_path / "secrets.imported").exists()
    assert done.returncode == 0, done.stdout + done.stderr


def test_an_impl_that_exits_while_imported_is_exit_2(here, capsys, monkeypatch):
    monkeypatch.setattr(sys, "path", list(sys.path))  # conform appends the directory it searches
    (here / "flag.sync").write_text(BANKLIKE)
    (here / "exits_now.py").write_text("import sys\n\nsys.exit(0)\n")
    sys.modules.pop("exits_now", None)
    code, out, err = run_cli(["conform", "flag.sync", "--impl", "exits_now:FlagAdapter", "--runs", "2"], capsys)
    err = " ".join(err.split())
    assert code == 2
    assert f"{here / 'exits_now.py'}:3:1: error[E701]: --impl exits_now:FlagAdapter: importing exits_now failed: " \
           "it raised SystemExit(0) (it called sys.exit)" in err
