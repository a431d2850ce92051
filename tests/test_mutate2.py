"""Mutation analysis, issue 18 item 3 completed: every operator with a killed, a surviving and an
equivalent mutant; explicit within a state budget, BMC beyond it; --jobs; the formats (text, JSON
with its schema, Markdown, SARIF validated against the OASIS schema); --output; `ci` with a
mutation-score; bad options."""

from __future__ import annotations

import json
import multiprocessing
import xml.etree.ElementTree as ET
from pathlib import Path

import jsonschema
import pytest
import xmlschema
from referencing import Registry, Resource

from cli_helpers import ROOT, run_cli as run

from spec.loader import load_text
from spec.mutate import NEGATE, OPERATORS, mutants
from spec.parser import parse

from checker.engines.explicit.compiled import CompiledModel

from checker.project import mutation
from checker.reports.mutation import as_json

DATA = ROOT / "tests" / "data"
SARIF_SCHEMA = json.loads((DATA / "sarif-schema-2.1.0.json").read_text())
MUTATE_SCHEMA = json.loads((ROOT / "docs" / "schema" / "mutate-1.json").read_text())

# A model made so that every operator has a mutant of each outcome (checked with deadlock on):
#   killed       Bounded, Seen or Safe is violated, a run-time error, or a deadlock (Inc or Finish gone)
#   survived     what changes is `note` or `k`, which no property reads, or Peek/Flip firing elsewhere
#   equivalent   the redundant `require x <= 3`, the `if x >= 2` whose branches are the same, `1 - 0`,
#                and the action Never, which is never enabled
OPS = """\
model Ops
var x: 0..4
var seen: bool
var done: bool
var note: bool
var k: 0..3
init { x = 0 seen = false done = false note = false k = 0 }
action Inc {
  require x < 3
  require x <= 3
  x = x + 1
  if x == 1 { seen = true } else { seen = seen }
  if x >= 2 { done = done } else { done = done }
}
action Finish {
  require x >= 3
  done = true
  k = 1 - 0
}
action Peek {
  require x == 2
  note = if x >= 1 then true else false
  k = x - 1
}
action Never {
  require x > 3
  x = 0
}
action Flip {
  require x == 1
  note = not note
}
invariant Safe: done implies x == 3
invariant Seen: seen == (x >= 1)
invariant Bounded: x <= 3
"""

# (operator, line, description, outcome): one mutant of each outcome per operator
KNOWN = [
    ("drop-require", 9, "dropped `require x < 3`", "killed"),
    ("drop-require", 30, "dropped `require x == 1`", "survived"),
    ("drop-require", 10, "dropped `require x <= 3`", "equivalent"),
    ("drop-assign", 12, "dropped `seen = true`", "killed"),
    ("drop-assign", 17, "dropped `done = true`", "survived"),
    ("drop-assign", 12, "dropped `seen = seen`", "equivalent"),
    ("swap-if", 12, "swapped the branches of `if x == 1`", "killed"),
    ("swap-if", 22, "swapped the branches of `if x >= 1`", "survived"),
    ("swap-if", 13, "swapped the branches of `if x >= 2`", "equivalent"),
    ("comparison", 9, "`x < 3`: < -> <=", "killed"),
    ("comparison", 30, "`x == 1`: == -> !=", "survived"),
    ("comparison", 10, "`x <= 3`: <= -> <", "equivalent"),
    ("negate", 16, "`x >= 3` negated: >= -> <", "killed"),
    ("negate", 22, "`x >= 1` negated: >= -> <", "survived"),
    ("negate", 13, "`x >= 2` negated: >= -> <", "equivalent"),
    ("arithmetic", 11, "`x + 1`: + -> -", "killed"),
    ("arithmetic", 23, "`x - 1`: - -> +", "survived"),
    ("arithmetic", 18, "`1 - 0`: - -> +", "equivalent"),
    ("literal", 9, "3 -> 4", "killed"),
    ("literal", 21, "2 -> 1", "survived"),
    ("literal", 10, "3 -> 2", "equivalent"),
    ("remove-action", 8, "removed action `Inc`", "killed"),
    ("remove-action", 20, "removed action `Peek`", "survived"),
    ("remove-action", 25, "removed action `Never`", "equivalent"),
]

# the smallest model with a survivor, an equivalent, a killed and an invalid mutant: exact reports
TINY = """\
model Tiny
var x: 0..2
init { x = 0 }
action Step { require x < 1  x = x + 1 }
invariant Low: x <= 1
"""

# 3 states; beyond --max-states 2 it is checked by BMC
GROW = """\
model Grow
var x: 0..9
init { x = 0 }
action Step { require x < 2  x = x + 1 }
invariant Small: x <= 2
"""

# 4 states under symmetry reduction, 8 without: mutation analysis counts the 8
SYM = """\
model Sym
const P = symmetric {a, b, c}
var on: map[P, bool]
init { on = {p: false for p in P} }
action Set(p: P) {
  require not on[p]
  require true
  on[p] = true
}
invariant Any: true
"""


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def analysed(tmp_path, capsys, text: str, *options) -> tuple[int, dict]:
    code, out, err = run(["mutate", write(tmp_path, "m.sync", text), "--format", "json", *options], capsys)
    assert err == ""
    return code, json.loads(out)


def find(data: dict, line: int, description: str) -> dict:
    [m] = [m for m in data["mutants"] if (m["line"], m["description"]) == (line, description)]
    return m


@pytest.fixture(scope="module")
def ops(tmp_path_factory) -> dict:
    path = write(tmp_path_factory.mktemp("ops"), "ops.sync", OPS)
    return as_json(mutation.analyse(str(path), mutation.Options(jobs=1)))


# ---- the operators: killed, surviving, equivalent -------------------------------------------------

@pytest.mark.parametrize("operator, line, description, outcome", KNOWN)
def test_each_operator_has_known_outcomes(ops, operator, line, description, outcome):
    m = find(ops, line, description)
    assert (m["operator"], m["outcome"]) == (operator, outcome)
    assert m["engine"] == "explicit"


def test_every_operator_is_covered():
    assert {k[0] for k in KNOWN} == set(OPERATORS)
    assert {(k[0], k[3]) for k in KNOWN} == {(op, o) for op in OPERATORS for o in ("killed", "survived", "equivalent")}


def test_killed_mutants_name_what_caught_them(ops):
    assert find(ops, 9, "dropped `require x < 3`")["detail"] == "Bounded"
    assert find(ops, 8, "removed action `Inc`")["detail"] == "deadlock"
    assert find(ops, 11, "`x + 1`: + -> -")["detail"] == "runtime"
    assert find(ops, 16, "`x >= 3` negated: >= -> <")["detail"] == "Safe"


def test_survivors_differ_from_the_model_and_carry_a_diff(ops):
    m = find(ops, 22, "`x >= 1` negated: >= -> <")
    assert m["equivalence"] == "different"
    assert "-  note = if x >= 1 then true else false\n+  note = if x < 1 then true else false\n" in m["diff"]
    assert "equivalence" not in find(ops, 13, "`x >= 2` negated: >= -> <")


def test_the_score_leaves_equivalent_and_invalid_mutants_out(ops):
    counts = {o: ops[o] for o in mutation.OUTCOMES}
    assert counts == {"killed": 26, "survived": 25, "equivalent": 20, "unknown": 0, "invalid": 5, "error": 0}
    assert ops["generated"] == ops["checked"] == 76
    assert ops["score"] == pytest.approx(100 * 26 / 51)
    assert (ops["engine"], ops["states"], ops["max_states"], ops["depth"]) == ("explicit", 11, 100_000, 10)


@pytest.mark.parametrize("op, new", sorted(NEGATE.items()))
def test_negate_gives_the_opposite_comparison(op, new):
    text = f"model M\nvar x: 0..3\ninit {{ x = 0 }}\naction A {{ require x {op} 1 }}\n"
    [m] = [m for m in mutants(parse(text, "m.sync"), text) if m.operator == "negate"]
    assert m.apply(text).endswith(f"require x {new} 1 }}\n")
    assert m.description == f"`x {op} 1` negated: {op} -> {new}"


def test_equality_is_negated_by_the_comparison_operator_only():
    text = "model M\nvar x: 0..3\ninit { x = 0 }\naction A { require x == 1 }\n"
    found = [(m.operator, m.replacement) for m in mutants(parse(text, "m.sync"), text) if m.line == 4]
    assert ("comparison", "!=") in found and not any(op == "negate" for op, _ in found)


def test_remove_action_keeps_the_name_and_takes_no_step():
    text = ("model M\nvar x: 0..3\ninit { x = 0 }\naction A {\n  require x < 3\n  x = x + 1\n}\n"
            "action Idle { }\nfairness weak A\n")
    removed = [m for m in mutants(parse(text, "m.sync"), text) if m.operator == "remove-action"]
    assert [(m.line, m.col, m.description) for m in removed] == [(4, 1, "removed action `A`")]   # Idle has no body
    assert removed[0].apply(text) == ("model M\nvar x: 0..3\ninit { x = 0 }\naction A {\n  require false\n}\n"
                                      "action Idle { }\nfairness weak A\n")


def test_the_actions_of_a_process_are_removed_too(tmp_path, capsys):
    text = ("model P\nconst NODES = {a, b}\nprocess Node[n in NODES] {\n  var c: 0..2\n  init { c = 0 }\n"
            "  action Tick { require c < 2  c = c + 1 }\n  invariant Low: c <= 2\n}\n")
    code, data = analysed(tmp_path, capsys, text, "--no-deadlock", "--jobs", "1")
    assert code == 0
    assert find(data, 6, "removed action `Tick`")["outcome"] == "survived"


# ---- engines: explicit within the budget, BMC beyond -------------------------------------------

def test_a_model_beyond_the_budget_is_checked_by_bmc(tmp_path, capsys):
    code, data = analysed(tmp_path, capsys, GROW, "--max-states", "2", "--depth", "4", "--no-deadlock", "--jobs", "1")
    assert code == 0
    assert (data["engine"], data["depth"], data["states"]) == ("bmc", 4, 0)
    wider = find(data, 4, "`x < 2`: < -> <=")
    assert (wider["outcome"], wider["engine"], wider["detail"]) == ("killed", "bmc", "Small")
    narrower = find(data, 4, "2 -> 1")
    assert (narrower["outcome"], narrower["engine"], narrower["detail"], narrower["equivalence"]) == (
        "survived", "bmc", "no violation up to depth 4", "unknown")
    assert {m["engine"] for m in data["mutants"] if m["outcome"] != "invalid"} == {"bmc"}


def test_within_the_budget_a_growing_mutant_falls_back_to_bmc(tmp_path, capsys):
    code, data = analysed(tmp_path, capsys, GROW, "--max-states", "3", "--depth", "4", "--no-deadlock", "--jobs", "1")
    assert code == 0 and data["engine"] == "explicit" and data["states"] == 3
    assert find(data, 4, "`x < 2`: < -> <=")["engine"] == "bmc"
    assert find(data, 4, "2 -> 1")["engine"] == "explicit"


def test_a_model_violated_within_the_bmc_depth_is_refused(tmp_path, capsys):
    broken = GROW.replace("x <= 2", "x <= 1")
    code, out, err = run(["mutate", write(tmp_path, "m.sync", broken), "--max-states", "2", "--depth", "4", "--no-deadlock"], capsys)
    assert code == 2 and out == ""
    assert "error[E625]" in err and "Small is violated by the model itself" in err


def test_mutants_are_checked_without_symmetry_reduction(tmp_path, capsys):
    _, data = analysed(tmp_path, capsys, SYM, "--no-deadlock", "--jobs", "1")
    assert (data["engine"], data["states"]) == ("explicit", 8)   # the concrete states, not the 4 classes
    assert find(data, 7, "dropped `require true`")["outcome"] == "equivalent"
    # dropping `require not on[p]` adds self-loops: the same states, other transitions
    assert find(data, 6, "dropped `require not on[p]`")["equivalence"] == "different"


def test_equivalence_is_unknown_beyond_the_budget(tmp_path, capsys):
    _, data = analysed(tmp_path, capsys, SYM, "--no-deadlock", "--max-states", "5", "--depth", "4", "--jobs", "1")
    assert data["engine"] == "bmc"
    redundant = find(data, 7, "dropped `require true`")
    assert (redundant["outcome"], redundant["equivalence"], redundant["detail"]) == (
        "survived", "unknown", "no violation up to depth 4")


def test_the_fingerprint_is_the_labelled_graph():
    a = CompiledModel(load_text(TINY, "a.sync"))
    b = CompiledModel(load_text(TINY.replace("action Step", "action Other"), "b.sync"))
    c = CompiledModel(load_text(TINY.replace("require x < 1", "require x < 1 and true"), "c.sync"))
    assert mutation.fingerprint(a, 10) == mutation.fingerprint(c, 10) != mutation.fingerprint(b, 10)
    assert mutation.fingerprint(a, 1) is None


# ---- processes ---------------------------------------------------------------------------------

def test_the_report_does_not_depend_on_jobs(tmp_path, capsys):
    path = write(tmp_path, "m.sync", TINY)
    outputs = [run(["mutate", path, "--jobs", jobs, "--format", "json", "--no-deadlock"], capsys)
               for jobs in ("1", "2", "3")]
    assert outputs[0][0] == 0 and outputs[0][1] == outputs[1][1] == outputs[2][1]
    assert not multiprocessing.active_children()


@pytest.mark.slow
def test_the_outcomes_do_not_depend_on_jobs_in_any_format(tmp_path, capsys):
    path = write(tmp_path, "m.sync", OPS)
    outputs = {}
    for jobs in ("1", "2"):
        for fmt in ("json", "text", "markdown", "sarif"):
            code, outputs[jobs, fmt], _ = run(["mutate", path, "--jobs", jobs, "--format", fmt], capsys)
            assert code == 0
    for fmt in ("json", "text", "markdown", "sarif"):
        assert outputs["1", fmt] == outputs["2", fmt]
    assert not multiprocessing.active_children()


def test_a_crashing_mutant_is_an_error_and_the_others_are_checked(tmp_path, capsys, monkeypatch):
    real = mutation.decide

    def crash_on_literals(m, context):
        if m.operator == "literal":
            raise RuntimeError("boom")
        return real(m, context)
    monkeypatch.setattr(mutation, "decide", crash_on_literals)   # the workers are forked: they see it
    for jobs in ("1", "2"):
        code, data = analysed(tmp_path, capsys, TINY, "--jobs", jobs, "--no-deadlock")
        assert code == 4
        assert data["error"] == 5 and data["operators"]["literal"]["error"] == 5
        assert {m["detail"] for m in data["mutants"] if m["outcome"] == "error"} == {"RuntimeError: boom"}
        assert data["killed"] + data["survived"] + data["equivalent"] + data["invalid"] == data["checked"] - 5
    assert not multiprocessing.active_children()


def test_ctrl_c_ends_the_workers_and_keeps_what_was_checked(tmp_path, capsys, monkeypatch):
    real = mutation.wait
    calls = []

    def interrupted_second_time(*args, **kwargs):
        calls.append(1)
        if len(calls) == 2:
            raise KeyboardInterrupt
        return real(*args, **kwargs)
    monkeypatch.setattr(mutation, "wait", interrupted_second_time)
    code, data = analysed(tmp_path, capsys, OPS, "--jobs", "2")
    assert code == 130 and data["interrupted"] is True
    assert 1 <= data["checked"] < data["generated"]
    assert not multiprocessing.active_children()


# ---- the formats -------------------------------------------------------------------------------

def diff(path, line: int, before: str, after: str) -> str:
    """The diff of a mutant of TINY, as the reports show it (indented by two)."""
    lines = TINY.splitlines()
    return (f"  --- {path}\n  +++ {path} (mutant)\n  @@ -{line - 1},3 +{line - 1},3 @@\n   {lines[line - 2]}\n"
            f"  -{before}\n  +{after}\n   {lines[line]}\n")


STEP = "action Step { require x < 1  x = x + 1 }"
# TINY's survivors: (where, operator and description, the mutated line)
TINY_SURVIVORS = [
    (3, "3:12: literal: 0 -> 1", "init { x = 0 }", "init { x = 1 }"),
    (4, "4:1: remove-action: removed action `Step`", STEP, "action Step { require false }"),
    (4, "4:25: negate: `x < 1` negated: < -> >=", STEP, "action Step { require x >= 1  x = x + 1 }"),
    (4, "4:27: literal: 1 -> 0", STEP, "action Step { require x < 0  x = x + 1 }"),
    (4, "4:30: drop-assign: dropped `x = x + 1`", STEP, "action Step { require x < 1  skip }"),
    (4, "4:38: literal: 1 -> 0", STEP, "action Step { require x < 1  x = x + 0 }"),
]


def test_text_report_exactly(tmp_path, capsys):
    p = write(tmp_path, "m.sync", TINY)
    code, out, err = run(["mutate", p, "--no-deadlock", "--jobs", "1"], capsys)
    assert code == 0 and err == ""
    table = "".join(f"  {op:<14}" + "".join(f"{n:>11}" for n in counts) + "\n" for op, counts in [
        ("drop-require", (1, 0, 0, 0, 0, 0)), ("drop-assign", (0, 1, 0, 0, 1, 0)), ("swap-if", (0,) * 6),
        ("comparison", (1, 0, 0, 0, 0, 0)), ("negate", (0, 1, 0, 0, 0, 0)), ("arithmetic", (1, 0, 0, 0, 0, 0)),
        ("literal", (2, 3, 0, 0, 0, 0)), ("remove-action", (0, 1, 0, 0, 0, 0))])
    listed = "".join(f"\n{p}:{where}\n" + diff(p, line, before, after) + "  hint: " + mutation.HINT + "\n"
                     for line, where, before, after in TINY_SURVIVORS)
    assert out == (
        f"{p}: Tiny: 12 of 12 mutants checked (seed 0)\n"
        "mutation score: 45.5% (5 killed of 11; 0 equivalent, 0 unknown, 1 not type-checking, left out)\n"
        "checked by the explicit engine: the model has 2 states and 1 transition; a mutant beyond 100,000 "
        "states is checked by BMC to depth 10\n\n"
        "  operator           killed   survived equivalent    unknown    invalid      error\n"
        + table + "\nsurviving mutants (6):\n" + listed)


def test_json_report_fields_and_schema(tmp_path, capsys, ops):
    code, data = analysed(tmp_path, capsys, TINY, "--no-deadlock", "--jobs", "1")
    assert code == 0
    jsonschema.Draft202012Validator.check_schema(MUTATE_SCHEMA)
    for doc in (data, ops):
        jsonschema.Draft202012Validator(MUTATE_SCHEMA).validate(doc)
    assert list(data) == ["schema", "model", "path", "engine", "max_states", "depth", "states", "transitions",
                          "generated", "checked", "seed", "score", "interrupted", "killed", "survived",
                          "equivalent", "unknown", "invalid", "error", "operators", "mutants"]
    assert data["schema"] == "syncproof.mutate/1"
    path = data["path"]
    assert data["mutants"][0] == {
        "operator": "drop-assign", "where": f"{path}:3:8", "line": 3, "col": 8, "description": "dropped `x = 0`",
        "outcome": "invalid", "detail": "'init' does not give a value to 'x'", "engine": "", "states": 0,
        "transitions": 0}
    [survivor, _] = [m for m in data["mutants"] if (m["line"], m["col"]) == (4, 27)]
    assert survivor == {
        "operator": "literal", "where": f"{path}:4:27", "line": 4, "col": 27, "description": "1 -> 0",
        "outcome": "survived", "detail": "", "engine": "explicit", "states": 1, "transitions": 0,
        "equivalence": "different",
        "diff": "".join(line[2:] + "\n" for line in diff(path, *TINY_SURVIVORS[3][:1], *TINY_SURVIVORS[3][2:])
                        .splitlines())}


def test_markdown_report_exactly(tmp_path, capsys):
    p = write(tmp_path, "m.sync", TINY)
    code, out, _ = run(["mutate", p, "--no-deadlock", "--jobs", "1", "--format", "markdown",
                        "--max-mutants", "3", "--seed", "1"], capsys)
    assert code == 0
    lines = out.splitlines()
    assert lines[0] == f"## Mutation analysis of `Tiny` (`{p}`)"
    assert lines[2].startswith("**Mutation score: ") and "3 of 12 mutants checked (seed 1)" in lines[2]
    assert "| operator | killed | survived | equivalent | unknown | invalid | error |" in lines
    assert "| --- | ---: | ---: | ---: | ---: | ---: | ---: |" in lines
    assert sum(1 for line in lines if line.startswith("| ") and line.split(" | ")[0][2:] in OPERATORS) == 8
    code, out, _ = run(["mutate", p, "--no-deadlock", "--jobs", "1", "--format", "markdown"], capsys)
    lines = out.splitlines()
    assert lines[2] == ("**Mutation score: 45.5%** (5 killed of 11; 0 equivalent, 0 unknown, 1 not type-checking, "
                        "left out). 12 of 12 mutants checked (seed 0) by the explicit engine: the model has 2 "
                        "states and 1 transition; a mutant beyond 100,000 states is checked by BMC to depth 10.")
    assert "| literal | 2 | 3 | 0 | 0 | 0 | 0 |" in out.splitlines()
    assert out.split("\n### ")[1] == "Surviving mutants (6)\n\nFor each: " + mutation.HINT + ".\n" + "".join(
        f"\n- `{p}:{where.split(': ', 1)[0]}` {where.split(': ', 1)[1]}\n\n  ```diff\n"
        + diff(p, line, before, after) + "  ```\n" for line, where, before, after in TINY_SURVIVORS)


def test_sarif_report_is_valid_with_a_warning_per_survivor(tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    write(tmp_path, "m.sync", TINY)
    code, out, _ = run(["mutate", "m.sync", "--no-deadlock", "--jobs", "1", "--format", "sarif"], capsys)
    assert code == 0
    doc = json.loads(out)
    errors = sorted(jsonschema.Draft4Validator(SARIF_SCHEMA, format_checker=jsonschema.FormatChecker())
                    .iter_errors(doc), key=str)
    assert not errors, "\n".join(f"{list(e.absolute_path)}: {e.message}" for e in errors[:10])
    [sarif_run] = doc["runs"]
    assert [r["id"] for r in sarif_run["tool"]["driver"]["rules"]] == ["syncproof/surviving-mutant"]
    results = sarif_run["results"]
    assert [(r["level"], r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"],
             r["locations"][0]["physicalLocation"]["region"]) for r in results] == [
        ("warning", "m.sync", {"startLine": line, "startColumn": col})
        for line, col in ((3, 12), (4, 1), (4, 25), (4, 27), (4, 30), (4, 38))]
    assert results[3]["message"]["text"] == f"Surviving mutant (literal): 1 -> 0. {mutation.HINT}."
    assert results[3]["properties"]["operator"] == "literal"
    assert len({r["partialFingerprints"]["syncproofMutant/v1"] for r in results}) == 6
    assert sarif_run["properties"]["score"] == pytest.approx(500 / 11)


def test_output_is_written_to_a_file(tmp_path, capsys):
    p = write(tmp_path, "m.sync", TINY)
    target = tmp_path / "out" / "mutants.json"
    code, out, _ = run(["mutate", p, "--no-deadlock", "--jobs", "1", "--format", "json", "--output", target], capsys)
    assert code == 0 and out == ""
    assert json.loads(target.read_text())["checked"] == 12
    assert [f.name for f in target.parent.iterdir()] == ["mutants.json"]   # no temporary file left
    (tmp_path / "dir").mkdir()
    code, _, err = run(["mutate", p, "--output", tmp_path / "dir"], capsys)
    assert code == 2 and "error[E606]" in err


def test_min_score(tmp_path, capsys):
    p = write(tmp_path, "m.sync", TINY)
    assert run(["mutate", p, "--no-deadlock", "--jobs", "1", "--min-score", "45.4"], capsys)[0] == 0
    assert run(["mutate", p, "--no-deadlock", "--jobs", "1", "--min-score", "45.5"], capsys)[0] == 1


# ---- bad options -------------------------------------------------------------------------------

@pytest.mark.parametrize("args, needle", [
    (["--jobs", "0"], "argument --jobs/-j: expected a positive number, got '0'"),
    (["--jobs", "two"], "argument --jobs/-j: expected a positive number, got 'two'"),
    (["--jobs", "5000"], "argument --jobs/-j: expected a positive number of at most 1,024, got '5000'"),
    (["--max-mutants", "-1"], "argument --max-mutants: expected a positive number, got '-1'"),
    (["--max-mutants", "1.5"], "argument --max-mutants: expected a positive number, got '1.5'"),
    (["--min-score", "abc"], "argument --min-score: expected a percentage from 0 to 100, got 'abc'"),
    (["--min-score", "-1"], "argument --min-score: expected a percentage from 0 to 100, got '-1'"),
    (["--depth", "0"], "argument --depth: expected a positive number, got '0'"),
    (["--max-states", "x"], "argument --max-states: expected a positive number, got 'x'"),
    (["--format", "junit"], "argument --format: invalid choice: 'junit'"),
])
def test_bad_options_exit_2_with_a_message(args, needle, tmp_path, capsys):
    code, out, err = run(["mutate", write(tmp_path, "m.sync", TINY), *args], capsys)
    assert code == 2 and out == ""
    assert "error[E600]" in err and needle in err and "Traceback" not in err


# ---- syncproof ci with a mutation-score --------------------------------------------------------

CONFIG = """\
[[models]]
path = "m.sync"
deadlock = false
mutation-score = {score}
"""


def ci(tmp_path, capsys, monkeypatch, score, *args):
    monkeypatch.chdir(tmp_path)
    write(tmp_path, "m.sync", TINY)
    write(tmp_path, "syncproof.toml", CONFIG.format(score=score))
    return run(["ci", "--quiet", *args], capsys)


def test_ci_passes_at_the_mutation_score(tmp_path, capsys, monkeypatch):
    code, out, _ = ci(tmp_path, capsys, monkeypatch, 40)
    assert code == 0
    assert "holds, mutation score 45.5%" in out
    code, out, _ = ci(tmp_path, capsys, monkeypatch, 40, "--format", "json")
    entry = json.loads(out)["entries"][0]
    assert entry["passed"] is True
    assert entry["mutation"] == {"score": pytest.approx(500 / 11), "min_score": 40.0, "engine": "explicit",
                                 "generated": 12, "killed": 5, "survived": 6, "equivalent": 0, "unknown": 0,
                                 "invalid": 1, "error": 0}
    schema = json.loads((ROOT / "docs" / "schema" / "run-1.json").read_text())
    result = json.loads((ROOT / "docs" / "schema" / "result-1.json").read_text())
    registry = Registry().with_resources([(s["$id"], Resource.from_contents(s)) for s in (schema, result)])
    jsonschema.Draft202012Validator(schema, registry=registry).validate(json.loads(out))


def test_ci_fails_below_the_mutation_score(tmp_path, capsys, monkeypatch):
    code, out, _ = ci(tmp_path, capsys, monkeypatch, 50)
    assert code == 1
    assert "holds (exhaustive) — mutation score 45.5% < 50% (mutation-score = 50 asks for at least that)" in out
    assert "holds, mutation score 45.5% < 50%" in out


@pytest.mark.parametrize("value, needle", [
    ("101", "'mutation-score' must be a percentage from 0 to 100, not 101"),
    ('"high"', "'mutation-score' must be a percentage from 0 to 100, not \"high\""),
    ("50\nexpect = \"violated\"", "'mutation-score' needs a model that holds, but 'expect' is \"violated\""),
])
def test_ci_bad_mutation_score(value, needle, tmp_path, capsys, monkeypatch):
    code, out, err = ci(tmp_path, capsys, monkeypatch, value)
    assert code == 2 and "error[E612]" in err and needle in err
    assert "syncproof.toml:4:" in err


def test_ci_junit_has_a_mutation_test_case(tmp_path, capsys, monkeypatch):
    code, out, _ = ci(tmp_path, capsys, monkeypatch, 50, "--format", "junit")
    assert code == 1
    xmlschema.XMLSchema(str(DATA / "junit-10.xsd")).validate(out)
    [case] = [c for c in ET.fromstring(out).iter("testcase") if c.get("name") == "(mutation)"]
    [failure] = list(case)
    assert (failure.tag, failure.get("type")) == ("failure", "mutation-score")
    assert failure.get("message").startswith("mutation score 45.5% < 50%: the configuration asks for a mutation "
                                             "score of at least 50%")
    code, out, _ = ci(tmp_path, capsys, monkeypatch, 40, "--format", "junit")
    assert code == 0
    [case] = [c for c in ET.fromstring(out).iter("testcase") if c.get("name") == "(mutation)"]
    assert list(case) == []


def test_ci_sarif_reports_a_low_mutation_score(tmp_path, capsys, monkeypatch):
    code, out, _ = ci(tmp_path, capsys, monkeypatch, 50, "--format", "sarif")
    assert code == 1
    doc = json.loads(out)
    jsonschema.Draft4Validator(SARIF_SCHEMA).validate(doc)
    [result] = doc["runs"][0]["results"]
    assert (result["ruleId"], result["level"]) == ("syncproof/mutation-score", "error")
    assert result["message"]["text"].startswith("m: mutation score 45.5% < 50%: the configuration asks for")
    code, out, _ = ci(tmp_path, capsys, monkeypatch, 40, "--format", "sarif")
    assert code == 0 and json.loads(out)["runs"][0]["results"] == []
