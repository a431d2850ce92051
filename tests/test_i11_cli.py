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
    return (f'[[models]]\npath = "models/depths.sync"\nengine = "{engine}"\n'
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
