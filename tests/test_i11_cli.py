"""Issue 11, the command line: `ci` expectations, output paths checked first, option
conflicts, configuration paths, output that does not wrap off a terminal.

Each test runs the CLI in-process on a small project in a temporary directory.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from cli_helpers import run_cli as run

# A fails after 2 steps, B after 4, C after 5: three violations at three depths
DEPTHS = """model Depths
var x: 0..5
init { x = 0 }
action Up { require x < 5  x = x + 1 }
action Down { require x > 0  x = x - 1 }
invariant A: x <= 1
invariant B: x <= 3
invariant C: x <= 4
"""


@pytest.fixture
def project(tmp_path, monkeypatch):
    (tmp_path / "models").mkdir()
    (tmp_path / "models" / "depths.sync").write_text(DEPTHS)
    monkeypatch.chdir(tmp_path)
    return tmp_path


def config(root: Path, body: str) -> Path:
    p = root / "syncproof.toml"
    p.write_text(body)
    return p


def entry(engine: str, violates: list[str]) -> str:
    rlimit = "" if engine == "explicit" else "rlimit = 40000000\n"   # z3's verdicts do not depend on time
    return (f'[[models]]\npath = "models/depths.sync"\nengine = "{engine}"\n{rlimit}'
            f'violates = {json.dumps(violates)}\n')


def ci_json(capsys, *extra) -> tuple[int, dict]:
    code, out, err = run(["ci", "--format", "json", "--quiet", *extra], capsys)
    return code, json.loads(out)


def verdicts(doc: dict) -> dict[str, str]:
    return {p["name"]: p["verdict"] for p in doc["entries"][0]["result"]["properties"]}


# ---- item 6: the search goes on until every expected violation is found --------------------

@pytest.mark.parametrize("engine", ["explicit", "bmc"])
def test_two_expected_violations_at_different_depths_are_both_found(project, capsys, engine):
    config(project, entry(engine, ["A", "B"]))
    code, doc = ci_json(capsys)
    assert code == 0, doc
    found = verdicts(doc)
    assert found["A"] == found["B"] == "violated"
    assert found["C"] != "violated"          # it stopped once both were found
    stem = "depths" if engine == "explicit" else f"depths-{engine}"
    for name in ("A", "B"):
        trace = project / "counterexamples" / f"{stem}.{name}.itf.json"
        assert json.loads(trace.read_text())["#meta"]["property"] == name


def test_the_second_found_violation_alone_expected_is_found_and_the_other_is_unexpected(project, capsys):
    config(project, entry("explicit", ["B"]))
    code, out, err = run(["ci", "--quiet"], capsys)
    assert code == 1
    assert "violated: A, B — expected violated: B" in out
    assert (project / "counterexamples" / "depths.B.itf.json").is_file()


def test_one_expected_violation_found_first_still_stops_there(project, capsys):
    config(project, entry("explicit", ["A"]))
    code, doc = ci_json(capsys)
    assert code == 0
    found = verdicts(doc)
    assert found["A"] == "violated" and found["B"] != "violated"


# ---- item 12: where the results go is checked before the search ----------------------------

BAD_DIRS = [
    ("existing-file", "existing-file is not a directory"),
    ("/dev/null/x", "/dev/null is not a directory"),
    ("/proc/syncproof-out", "cannot create a file in /proc"),
]


@pytest.mark.parametrize("out, why", BAD_DIRS)
def test_check_refuses_an_out_it_cannot_write_before_the_search(project, capsys, out, why, monkeypatch):
    (project / "existing-file").write_text("")
    monkeypatch.setattr("checker.engines.registry.run", lambda *a, **k: pytest.fail("the search ran"))
    code, out_text, err = run(["check", "models/depths.sync", "--out", out], capsys)
    assert code == 2
    assert f"error[E606]: --out {out}: {why}" in err
    assert "Traceback" not in err


@pytest.mark.parametrize("option", [["--output"], ["--report", "sarif="]])
def test_check_refuses_a_report_file_it_cannot_write(project, capsys, option, monkeypatch):
    monkeypatch.setattr("checker.engines.registry.run", lambda *a, **k: pytest.fail("the search ran"))
    (project / "reports").mkdir()
    for target, why in (("/dev/null/r.txt", "/dev/null is not a directory"), ("reports", "it is a directory")):
        args = [option[0], target] if len(option) == 1 else [option[0], option[1] + target]
        code, _, err = run(["check", "models/depths.sync", "--no-trace-file", *args], capsys)
        assert code == 2
        assert f"error[E606]: {option[0]} {args[-1]}: {why}" in err


def test_simulate_and_conform_check_out_first(project, capsys):
    code, _, err = run(["simulate", "models/depths.sync", "--out", "/dev/null/x"], capsys)
    assert (code, "error[E606]: --out /dev/null/x: /dev/null is not a directory") == (2, err.strip().splitlines()[0])
    code, _, err = run(["conform", "models/depths.sync", "--impl", "nowhere:Nothing", "--out", "/dev/null/x"],
                       capsys)
    assert (code, "error[E606]: --out /dev/null/x") == (2, err.split(":", 2)[0] + ":" + err.split(":", 2)[1])


def test_ci_checks_out_and_every_report_before_any_check(project, capsys, monkeypatch):
    monkeypatch.setattr("checker.engines.options.run", lambda *a, **k: pytest.fail("a check ran"))
    config(project, 'out = "/dev/null/traces"\n' + entry("explicit", ["A"]))
    code, _, err = run(["ci"], capsys)
    assert code == 2 and "error[E606]: syncproof.toml: 'out' /dev/null/traces: /dev/null is not a directory" in err
    (project / "existing").write_text("")
    code, _, err = run(["ci", "--out", "existing"], capsys)
    assert code == 2 and "error[E606]: --out existing: existing is not a directory" in err
    config(project, 'reports = { html = "models" }\n' + entry("explicit", ["A"]))
    code, _, err = run(["ci"], capsys)
    assert code == 2 and "error[E606]: syncproof.toml: reports.html models: it is a directory" in err
    code, _, err = run(["ci", "--report", "junit=/dev/null/j.xml"], capsys)
    assert code == 2 and "error[E606]: --report junit=/dev/null/j.xml: /dev/null is not a directory" in err


def test_reports_to_a_device_are_written_into_it_not_replacing_it(project, capsys):
    (project / "sink").symlink_to("/dev/null")      # were it replaced, the link would go, not the device
    code, out, err = run(["check", "models/depths.sync", "--no-trace-file", "--output", "sink"], capsys)
    assert code == 1, err
    assert (project / "sink").is_symlink() and (project / "sink").is_char_device()


# ---- item 16: options and configurations that made no sense were accepted ----------------------

@pytest.mark.parametrize("value", ["nan", "inf", "-inf", "-1", "0", "NaN"])
def test_timeout_must_be_a_finite_positive_number(project, capsys, value):
    for command in (["check", "models/depths.sync"], ["simulate", "models/depths.sync"]):
        code, _, err = run([*command, f"--timeout={value}"], capsys)
        assert code == 2
        assert f"argument --timeout: expected a positive number, got '{value}'" in err


@pytest.mark.parametrize("value", ["nan", "inf", "-1.5", "0"])
def test_timeout_in_the_configuration_must_be_a_finite_positive_number(project, capsys, value):
    config(project, f"timeout = {value}\n" + entry("explicit", ["A"]))
    code, _, err = run(["ci"], capsys)
    assert code == 2
    assert "syncproof.toml:1:1: error[E612]: 'timeout' must be a positive number" in err


@pytest.mark.parametrize("command", [["check", "models/depths.sync"], ["ci"]])
def test_json_and_another_format_conflict(project, capsys, command, monkeypatch):
    config(project, entry("explicit", ["A"]))
    monkeypatch.setattr("checker.engines.registry.run", lambda *a, **k: pytest.fail("the search ran"))
    monkeypatch.setattr("checker.engines.options.run", lambda *a, **k: pytest.fail("a check ran"))
    code, out, err = run([*command, "--json", "--format", "sarif"], capsys)
    assert code == 2 and out == ""
    assert "error[E600]: --json and --format sarif ask for two formats on stdout" in err


@pytest.mark.parametrize("path", ["/etc/*", "../*.sync", "models/../../elsewhere.sync", "/etc/passwd"])
def test_ci_model_paths_stay_inside_the_project(project, capsys, path):
    (project.parent / "elsewhere.sync").write_text(DEPTHS)
    config(project, f'\n[[models]]\npath = "{path}"\n')
    code, out, err = run(["ci"], capsys)
    assert code == 2 and out == ""
    assert f"syncproof.toml:3:8: error[E613]: [[models]] #1: '{path}' is outside the project" in err


@pytest.mark.parametrize("form", ['reports = {{ {k} = "r.out" }}\n', 'reports.{k} = "r.out"\n',
                                  '[reports]\n{k} = "r.out"\n'])
def test_an_unknown_report_format_in_the_configuration_has_its_line(project, capsys, form):
    text = form.format(k="sariff")
    config(project, text + "\n" + entry("explicit", ["A"]))
    code, _, err = run(["ci"], capsys)
    line = text.count("\n")
    assert code == 2
    assert f"syncproof.toml:{line}:" in err and "error[E611]: unknown report format 'sariff'" in err
    assert f"{line} | " in err


# ---- F15: simulate takes a time limit, on the command line and in the configuration ------------

def test_simulate_timeout_on_the_command_line_and_in_ci(project, capsys):
    (project / "models" / "loop.sync").write_text(
        "model Loop\nvar x: 0..3\ninit { x = 0 }\naction Step { x = (x + 1) % 4 }\ninvariant Ok: x <= 3\n")
    code, out, err = run(["simulate", "models/loop.sync", "--timeout", "1e-9", "--runs", "1000000", "--json",
                          "--seed", "1"], capsys)
    assert code == 3, err
    assert json.loads(out)["reason"].startswith("time limit")
    config(project, '[[models]]\npath = "models/loop.sync"\nengine = "simulate"\ntimeout = 1e-9\n'
                    'runs = 1000000\nexpect = "inconclusive"\n')
    code, doc = ci_json(capsys)
    assert code == 0
    assert doc["entries"][0]["result"]["reason"].startswith("time limit")


# ---- item 19: output off a terminal is never wrapped ---------------------------------------------

LONG = "a-directory-with-a-rather-long-name-" * 6       # 216 characters: longer than any terminal

COUNTING = """model Counting
var x: 0..2
init { x = 0 }
action Up { require x < 2  x = x + 1 }
"""

UNGUARDED = '''from checker.conform.adapter import Adapter


class Unguarded(Adapter):
    """Counts past the model's bound: the model refuses the third Up, this does not."""

    def setup(self, constants):
        self.x = 0

    def up(self):
        self.x += 1

    def observe(self):
        return {"x": self.x}
'''


@pytest.fixture
def deep(project):
    """models/<LONG>/depths.sync: every path the reports print is longer than 200 characters."""
    d = project / "models" / LONG
    d.mkdir()
    (d / "depths.sync").write_text(DEPTHS)
    (d / "counting.sync").write_text(COUNTING)
    (project / "unguarded_adapter.py").write_text(UNGUARDED)
    return d


def test_ci_lines_are_whole_in_a_log(project, deep, capsys):
    config(project, f'[[models]]\npath = "models/{LONG}/depths.sync"\nname = "deep"\n')
    code, out, _ = run(["ci"], capsys)
    assert code == 1
    assert out.splitlines()[0].endswith(" · 1 check · syncproof.toml")
    assert f"── deep (models/{LONG}/depths.sync, explicit): violated: A" in out.splitlines()
    assert f"  at models/{LONG}/depths.sync:6:1" in out.splitlines()


def test_the_regression_test_command_of_conform_is_one_line(project, deep, capsys, monkeypatch):
    monkeypatch.syspath_prepend(str(project))
    code, out, err = run(["conform", f"models/{LONG}/counting.sync", "--impl", "unguarded_adapter:Unguarded",
                          "--runs", "20", "--seed", "1", "--out", f"out/{LONG}"], capsys)
    assert code == 1, out + err
    line = next(l for l in out.splitlines() if l.startswith("regression test:"))
    assert line == (f"regression test: syncproof conform models/{LONG}/counting.sync --impl "
                    f"unguarded_adapter:Unguarded --replay out/{LONG}/counting.Unguarded.conformance.itf.json")


def test_text_reports_and_junit_traces_are_not_wrapped(project, deep, capsys):
    code, _, err = run(["check", f"models/{LONG}/depths.sync", "--out", f"out/{LONG}",
                        "--report", "text=r.txt", "--report", "junit=r.xml"], capsys)
    assert code == 1, err
    trace_file = f"out/{LONG}/depths.A.itf.json"
    assert any(trace_file in line and line.strip().endswith(("json", "json)")) for line in
               (project / "r.txt").read_text().splitlines())
    assert f"at models/{LONG}/depths.sync:6:1" in (project / "r.xml").read_text()
    assert trace_file in (project / "r.xml").read_text()


# ---- F14: ci prints trace files relative to the project root --------------------------------------

def _ci_from(project, where, monkeypatch, capsys, report: str) -> str:
    """stdout of `syncproof ci --report REPORT` run from the project's subdirectory `where`."""
    config(project, '[[models]]\npath = "models/depths.sync"\n')
    monkeypatch.chdir(project / where)
    code, out, _ = run(["ci", "--report", report], capsys)
    assert code == 1
    return out


@pytest.mark.parametrize("where", [".", "models"])
def test_ci_console_and_junit_show_trace_files_relative_to_the_project(project, capsys, monkeypatch, where):
    out = _ci_from(project, where, monkeypatch, capsys, f"junit={project}/j.xml")
    assert "trace: 2 steps, written to counterexamples/depths.A.itf.json" in out.splitlines()
    junit = (project / "j.xml").read_text()
    assert str(project) not in junit and "counterexamples/depths.A.itf.json" in junit


def test_graph_and_catalog_check_their_output_first(project, capsys, monkeypatch):
    monkeypatch.setattr("checker.cli.commands.catalog_run.collect", lambda *a: pytest.fail("the models were checked"))
    for command in (["graph", "models/depths.sync", "--output"], ["catalog", "models", "--write"]):
        code, _, err = run([*command, "/dev/null/out"], capsys)
        assert code == 2
        assert f"error[E606]: {command[-1]} /dev/null/out: /dev/null is not a directory" in err
    code, _, err = run(["check", "models/depths.sync", "--out", "/dev/null/x"], capsys)
    assert "help: nothing was checked; give a directory where syncproof can write, or --no-trace-file" in err


@pytest.mark.parametrize("where", [".", "models"])
def test_sarif_names_trace_files_relative_to_the_project(project, capsys, monkeypatch, where):
    _ci_from(project, where, monkeypatch, capsys, f"sarif={project}/r.sarif")
    sarif = (project / "r.sarif").read_text()
    assert str(project) not in sarif.replace(project.as_uri(), "")  # only the base URI is absolute
    result = next(r for r in json.loads(sarif)["runs"][0]["results"] if r["properties"].get("trace"))
    assert result["properties"]["trace"] == "counterexamples/depths.A.itf.json"
    assert "Trace: counterexamples/depths.A.itf.json." in result["message"]["text"]


# ---- numeric options have an upper bound: a number that large is a mistake, and some break the run ---

@pytest.mark.parametrize("option, value, most", [("--timeout", "1e10", "1,000,000,000"),
                                                 ("--workers", "100000000000000000000", "256"),
                                                 ("--max-states", "1" + "0" * 4000, "1,000,000,000,000,000,000")],
                         ids=["timeout", "workers", "max-states"])
def test_numeric_options_have_an_upper_bound(project, capsys, monkeypatch, option, value, most):
    monkeypatch.setattr("checker.engines.registry.run", lambda *a, **k: pytest.fail("the search ran"))
    code, _, err = run(["check", "models/depths.sync", option, value], capsys)
    assert code == 2
    assert f"expected a positive number of at most {most}" in err


@pytest.mark.parametrize("line, message", [
    ("timeout = 1" + "0" * 4000, "'timeout' must be at most 1,000,000,000, not a number of 4,001 digits"),
    ("workers = 1000", "'workers' must be at most 256, not 1000"),
    ("max-states = 10000000000000000000", "'max-states' must be at most 1,000,000,000,000,000,000, "
                                          "not 10000000000000000000")],
                         ids=["timeout", "workers", "max-states"])
def test_numeric_options_in_the_configuration_have_an_upper_bound(project, capsys, line, message):
    config(project, f"{line}\n" + entry("explicit", ["A"]))
    code, _, err = run(["ci"], capsys)
    assert code == 2, err
    assert f"syncproof.toml:1:1: error[E612]: {message}" in err
