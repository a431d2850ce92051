"""`syncproof ci` and its configuration, as a CI pipeline meets them.

Each test writes a small project (a pyproject.toml or syncproof.toml and a
few small models) in a temporary directory and runs the command there. Bad
configurations must stop before anything runs, with exit 2 and a message
that names the file and line; good ones run every check and exit with the
most serious outcome.
"""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import jsonschema
import pytest
from referencing import Registry, Resource

from checker.project.config import Locator, read_config
from spec.diagnostics import Source, SpecError
from report_helpers import COUNTER, MODELS, ROOT
from cli_helpers import run_cli as run

RUN_SCHEMA = json.loads((ROOT / "docs" / "schema" / "run-1.json").read_text())
RESULT_SCHEMA = json.loads((ROOT / "docs" / "schema" / "result-1.json").read_text())

BROKEN_SYNTAX = "model Bad\nvar x: 0..2\ninit { x = 0 }\naction Up { x = = 1 }\n"


@pytest.fixture
def project(tmp_path, monkeypatch):
    """A directory with models/: counter, two_phase_commit (RM=2 keeps it small) and its broken variant."""
    models = tmp_path / "models"
    models.mkdir()
    (models / "counter.sync").write_text(COUNTER)
    shutil.copy(MODELS / "two_phase_commit.sync", models)
    shutil.copy(MODELS / "two_phase_commit_broken.sync", models)
    monkeypatch.chdir(tmp_path)
    return tmp_path


def pyproject(root: Path, body: str) -> Path:
    p = root / "pyproject.toml"
    p.write_text("[project]\nname = \"demo\"\n\n" + body)
    return p


GOOD = """
[tool.syncproof]
max-states = 10000
reports = { sarif = "reports/syncproof.sarif", junit = "reports/junit.xml", html = "reports/report.html" }

[[tool.syncproof.models]]
path = "models/counter.sync"

[[tool.syncproof.models]]
path = "models/two_phase_commit.sync"
constants = { RM = 2 }

[[tool.syncproof.models]]
path = "models/two_phase_commit_broken.sync"
violates = ["Consistent"]
"""


def test_everything_passes_one_summary_and_the_reports(project, capsys):
    pyproject(project, GOOD)
    code, out, err = run(["ci"], capsys)
    assert code == 0, out + err
    assert "PASSED — 3 checks" in out
    assert re.search(r"ok\s+two_phase_commit\[RM=2\]\s+explicit\s+holds", out)
    assert re.search(r"ok\s+two_phase_commit_broken\s+explicit\s+violated \(expected\)", out)
    assert "counterexample for" not in out  # expected violations do not fill the log
    assert "[3/3] two_phase_commit_broken · explicit: violated (expected)" in err
    for name in ("syncproof.sarif", "junit.xml", "report.html"):
        assert (project / "reports" / name).stat().st_size > 500
    trace = project / "counterexamples" / "two_phase_commit_broken.Consistent.itf.json"
    assert json.loads(trace.read_text())["#meta"]["property"] == "Consistent"


def test_an_unexpected_violation_fails_with_its_trace(project, capsys):
    pyproject(project, GOOD.replace('violates = ["Consistent"]', ""))
    code, out, _ = run(["ci", "--no-trace-file"], capsys)
    assert code == 1
    assert "counterexample for Consistent" in out and "RMChooseToAbort" in out
    assert "FAILED — 1 of 3: two_phase_commit_broken (exit 1)" in out
    assert not (project / "counterexamples").exists()


def test_an_expectation_not_met_fails(project, capsys):
    pyproject(project, GOOD.replace('path = "models/counter.sync"',
                                    'path = "models/counter.sync"\nexpect = "violated"'))
    code, out, _ = run(["ci"], capsys)
    assert code == 1
    assert "holds (expected violated)" in out


def test_inconclusive_fails_with_exit_3(project, capsys):
    pyproject(project, GOOD.replace("max-states = 10000", "max-states = 5"))
    code, out, _ = run(["ci", "--only", "counter", "--only", "two_phase_commit[*"], capsys)
    assert code == 3
    assert "inconclusive" in out and "state limit 5" in out


def test_json_is_run_1_and_says_everything(project, capsys):
    pyproject(project, GOOD)
    code, out, _ = run(["ci", "--format", "json"], capsys)
    assert code == 0
    doc = json.loads(out)
    registry = Registry().with_resources([(s["$id"], Resource.from_contents(s)) for s in (RESULT_SCHEMA, RUN_SCHEMA)])
    jsonschema.Draft202012Validator(RUN_SCHEMA, registry=registry).validate(doc)
    assert [e["name"] for e in doc["entries"]] == ["counter", "two_phase_commit[RM=2]", "two_phase_commit_broken"]
    assert doc["entries"][1]["constants"] == {"RM": "2"} and doc["entries"][1]["result"]["constants"]["RM"] == \
        {"#set": ["RM1", "RM2"]}
    assert doc["entries"][2]["expect"] == {"verdict": "violated", "violated": ["Consistent"]}
    assert doc["config"] == "pyproject.toml" and doc["summary"]["passed"] == 3


def test_a_model_that_does_not_load_is_reported_with_the_others(project, capsys):
    (project / "models" / "bad.sync").write_text(BROKEN_SYNTAX)
    pyproject(project, GOOD + '\n[[tool.syncproof.models]]\npath = "models/bad.sync"\n')
    code, out, _ = run(["ci", "--format", "json", "--report", "sarif=out.sarif"], capsys)
    assert code == 2
    doc = json.loads(out)
    assert [e["outcome"] for e in doc["entries"]] == ["holds", "holds", "violated", "error"]
    assert doc["entries"][3]["errors"][0]["where"] == "models/bad.sync:4:17"
    sarif = json.loads((project / "out.sarif").read_text())
    bad = [r for r in sarif["runs"][0]["results"] if r["ruleId"] == "syncproof/bad-input"]
    assert bad[0]["locations"][0]["physicalLocation"]["region"]["startLine"] == 4


def test_glob_exclude_engines_and_names(project, capsys):
    pyproject(project, """
[tool.syncproof]
[[tool.syncproof.models]]
path = "models/*.sync"
exclude = ["models/*_broken.sync"]
[[tool.syncproof.models]]
path = "models/two_phase_commit_broken.sync"
engine = "bmc"
depth = 5
rlimit = 40000000
violates = ["Consistent"]
""")
    code, out, _ = run(["ci", "--list"], capsys)
    assert code == 0
    lines = [line.split("\t") for line in out.strip().splitlines()]
    assert [(l[0], l[2], l[3]) for l in lines] == [("counter", "explicit", "holds"),
                                                  ("two_phase_commit", "explicit", "holds"),
                                                  ("two_phase_commit_broken[bmc]", "bmc", "violated: Consistent")]


def test_syncproof_toml_is_read_first(project, capsys):
    pyproject(project, GOOD)
    (project / "syncproof.toml").write_text('[[models]]\npath = "models/counter.sync"\n')
    code, out, _ = run(["ci"], capsys)
    assert code == 0 and "syncproof.toml" in out and "1 check" in out


def test_only_that_matches_nothing_is_bad_input(project, capsys):
    pyproject(project, GOOD)
    code, _, err = run(["ci", "--only", "nothing*"], capsys)
    assert code == 2 and "error[E617]" in err and "checks: counter" in err


# ---- bad configurations: exit 2, nothing runs, the message names the file and line ----------------

def bad(project, body: str, capsys) -> str:
    pyproject(project, body)
    code, out, err = run(["ci", "--report", "sarif=never.sarif"], capsys)
    assert code == 2, out + err
    assert out == "" and not (project / "never.sarif").exists()  # nothing ran, nothing was written
    return err


def line_of(project, text: str) -> int:
    return next(i for i, line in enumerate((project / "pyproject.toml").read_text().splitlines(), 1) if text in line)


def test_missing_model_file(project, capsys):
    err = bad(project, '[tool.syncproof]\n[[tool.syncproof.models]]\npath = "models/two_phase_comit.sync"\n', capsys)
    assert f"pyproject.toml:{line_of(project, 'two_phase_comit')}:8: error[E613]" in err  # at the value
    assert "no such model file: models/two_phase_comit.sync" in err
    assert "did you mean 'models/two_phase_commit.sync'?" in err


def test_unknown_engine(project, capsys):
    err = bad(project, '[tool.syncproof]\n[[tool.syncproof.models]]\npath = "models/counter.sync"\n'
                       'engine = "explict"\n', capsys)
    assert f"pyproject.toml:{line_of(project, 'explict')}:10: error[E614]" in err
    assert "unknown engine 'explict'" in err and "did you mean 'explicit'?" in err


def test_unknown_constant(project, capsys):
    err = bad(project, '[tool.syncproof]\n[[tool.syncproof.models]]\npath = "models/two_phase_commit.sync"\n'
                       'constants = { RX = 2 }\n', capsys)
    assert f"pyproject.toml:{line_of(project, 'RX = 2')}:" in err and "error[E615]" in err
    assert "constant RX: the model has no constant 'RX'" in err and "did you mean 'RM'?" in err


def test_constant_of_the_wrong_kind(project, capsys):
    err = bad(project, '[tool.syncproof]\n[[tool.syncproof.models]]\npath = "models/two_phase_commit.sync"\n'
                       'constants = { RM = true }\n', capsys)
    assert "error[E615]" in err and "'RM' is a set of model values" in err
    err = bad(project, '[tool.syncproof]\n[[tool.syncproof.models]]\npath = "models/two_phase_commit.sync"\n'
                       'constants = { RM = 2.5 }\n', capsys)
    assert "error[E612]" in err and "constant RM must be" in err


def test_wrong_types_and_unknown_keys(project, capsys):
    err = bad(project, """[tool.syncproof]
max_states = 100
timeout = "soon"
[[tool.syncproof.models]]
path = "models/counter.sync"
engine = "explicit"
expect = "fine"
depth = 3
symmetry = "yes"
""", capsys)
    assert f"pyproject.toml:{line_of(project, 'max_states')}:1: error[E611]: [tool.syncproof]: unknown key " \
           "'max_states'" in err and "did you mean 'max-states'?" in err
    assert f":{line_of(project, 'soon')}:1: error[E612]" in err and "'timeout' must be a positive number" in err
    assert "'expect' must be one of holds, violated, inconclusive" in err
    assert "'depth' is not an option of the explicit engine" in err
    assert "'symmetry' must be true or false, not \"yes\"" in err
    assert err.count("error[") == 5  # every problem at once


def test_unknown_property_in_violates(project, capsys):
    err = bad(project, '[tool.syncproof]\n[[tool.syncproof.models]]\npath = "models/two_phase_commit_broken.sync"\n'
                       'violates = ["Consistant"]\n', capsys)
    assert "error[E616]" in err and "did you mean 'Consistent'?" in err


def test_no_models_and_no_configuration(project, capsys):
    err = bad(project, "[tool.syncproof]\nout = \"x\"\n", capsys)
    assert "error[E611]: [tool.syncproof]: no models to check" in err
    (project / "pyproject.toml").write_text("[project]\nname = \"demo\"\n")
    code, _, err = run(["ci"], capsys)
    assert code == 2 and "error[E610]: no configuration" in err


def test_toml_syntax_error_points_at_the_line(project, capsys):
    err = bad(project, '[tool.syncproof]\n[[tool.syncproof.models]]\npath = "models/counter.sync\n', capsys)
    assert "pyproject.toml:6:28:" in err and "error[E610]" in err and "is not valid TOML" in err


def test_locator_finds_keys_in_every_toml_form():
    text = """[tool.syncproof]
timeout = 5

[[tool.syncproof.models]]
path = "a.sync"
constants = { N = 3, M = 4 }

[[tool.syncproof.models]]
path = "b.sync"

[tool.syncproof.models.constants]
K = 1
"""
    loc = Locator(Source("p.toml", text), "tool.syncproof")
    assert loc.span("timeout").line == 2
    assert (loc.span("constants.M", model=0).line, loc.span("constants.M", model=0).col) == (6, 22)
    assert loc.span("path", model=1).line == 9
    assert loc.span("constants.K", model=1).line == 12
    assert loc.span("engine", model=1).line == 8  # a missing key: the entry's header


def test_the_repositorys_own_configuration_is_valid():
    config = read_config(ROOT / "pyproject.toml", cwd=ROOT)
    names = [m.name for m in config.models]
    assert "two_phase_commit" in names and "two_phase_commit_broken" in names and "two_phase_commit[RM=4]" in names
    broken = [m for m in config.models if "_broken" in m.path.name and m.engine == "auto"]
    assert broken and all(m.expect.verdict == "violated" for m in broken)
    assert all(m.expect.verdict == "holds" for m in config.models if "_broken" not in m.path.name)
    assert config.out == ROOT / "build" / "syncproof" / "counterexamples"


def test_read_config_reports_every_problem_as_diagnostics(tmp_path):
    p = tmp_path / "syncproof.toml"
    p.write_text('engine = 3\n[[models]]\nname = 1\n')
    with pytest.raises(SpecError) as exc:
        read_config(p, cwd=tmp_path)
    assert exc.value.codes == ["E612", "E611"]


def test_an_internal_error_in_one_check_is_exit_4_and_the_others_are_reported(project, capsys, monkeypatch):
    from checker.engines import options as engine_config
    real = engine_config.run

    def flaky(model, engine, options, progress=None, until=()):
        if model.name == "Counter":
            raise RuntimeError("boom")
        return real(model, engine, options, progress, until)

    monkeypatch.setattr(engine_config, "run", flaky)
    pyproject(project, GOOD)
    code, out, _ = run(["ci", "--format", "json"], capsys)
    assert code == 4
    doc = json.loads(out)
    assert [e["outcome"] for e in doc["entries"]] == ["crash", "holds", "violated"]
    assert doc["entries"][0]["errors"][0] == {"code": "internal", "message": "RuntimeError: boom", "where": None,
                                               "help": None}


def test_the_configurations_in_the_docs_are_valid(tmp_path):
    (tmp_path / "models").symlink_to(MODELS)
    from checker.project.config import load_entries
    for doc in (ROOT / "docs" / "ci.md", ROOT / "README.md"):
        blocks = re.findall(r"```toml\n(.*?)```", doc.read_text(), re.S)
        examples = [b for b in blocks if "[tool.syncproof]" in b and "[[tool.syncproof.models]]" in b]
        assert examples, doc
        for text in examples:
            p = tmp_path / "pyproject.toml"
            p.write_text(text)
            config = read_config(p, cwd=tmp_path)
            _, problems = load_entries(config)
            assert not problems, "\n".join(d.render() for d in problems)
