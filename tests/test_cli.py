"""The command line as a user meets it: exit codes, messages, JSON, trace files, replay."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from cli_helpers import run_cli as run

ROOT = Path(__file__).resolve().parent.parent
MODELS = ROOT / "models"

COUNTER = """model Counter
var x: 0..3
init { x = 0 }
action Up { require x < 3  x = x + 1 }
action Reset { require x == 3  x = 0 }
invariant Small: x <= 3
"""


def write(tmp_path: Path, name: str, text: str) -> Path:
    p = tmp_path / name
    p.write_text(text)
    return p


# ---- verdicts and exit codes -------------------------------------------------------

def test_holds_exit_0_and_reports_every_invariant(capsys, tmp_path):
    code, out, _ = run(["check", MODELS / "two_phase_commit.sync", "--out", tmp_path], capsys)
    assert code == 0
    assert "Consistent" in out and "TypeOK" in out
    assert "80 distinct states" in out and "317 transitions" in out and "depth 10" in out
    assert "HOLDS — exhaustive" in out
    assert not list(tmp_path.iterdir())  # no trace for a model that holds


def test_violation_exit_1_writes_itf_trace(capsys, tmp_path):
    code, out, _ = run(["check", MODELS / "two_phase_commit_broken.sync", "--out", tmp_path], capsys)
    assert code == 1
    path = tmp_path / "two_phase_commit_broken.Consistent.itf.json"
    assert path.exists()
    doc = json.loads(path.read_text())
    assert doc["#meta"]["property"] == "Consistent"
    assert doc["#meta"]["verdict"] == "violated"
    assert doc["#meta"]["engine"] == "explicit"
    assert doc["#meta"]["model"] == "TwoPhaseCommitBroken"
    assert doc["#meta"]["constants"] == {"RM": {"#set": ["r1", "r2", "r3"]}}
    assert doc["vars"] == ["rm_state", "tm_state", "tm_prepared", "msgs"]
    assert len(doc["states"]) == 6  # five steps: the shortest counterexample
    assert doc["states"][1]["#meta"] == {"index": 1, "action": "RMPrepare", "parameters": {"r": "r1"}}
    assert doc["states"][0]["tm_prepared"] == {"#set": []}
    assert "VIOLATED — Consistent" in out


def test_json_result_fields(capsys, tmp_path):
    code, out, _ = run(["check", MODELS / "two_phase_commit.sync", "--json", "--no-symmetry",
                        "--out", tmp_path], capsys)
    assert code == 0
    data = json.loads(out)
    assert data["schema"] == "syncproof.result/1"
    assert data["verdict"] == "holds"
    assert data["property"] is None
    assert data["trace"] is None
    assert data["stats"]["distinct_states"] == 288
    assert data["stats"]["transitions"] == 1145
    assert data["stats"]["depth"] == 10
    assert data["stats"]["seconds"] >= 0
    assert data["stats"]["actions"]["TMCommit"] == 1
    assert [p["name"] for p in data["properties"]] == [
        "Consistent", "TypeOK", "DecisionSent", "PreparedIsReal", "CommitFollowsTM", "CommitLeavesNoAbort",
        "EveryRMDecides", "deadlock", "runtime"]


def test_json_violation_names_property_and_trace(capsys, tmp_path):
    code, out, _ = run(["check", MODELS / "options_ledger_broken.sync", "--json", "--out", tmp_path], capsys)
    assert code == 1
    data = json.loads(out)
    assert data["verdict"] == "violated"
    assert data["property"] == "Conservation"
    assert data["trace"] == str(tmp_path / "options_ledger_broken.Conservation.itf.json")
    assert Path(data["trace"]).exists()


def test_inconclusive_exit_3_on_state_limit(capsys, tmp_path):
    code, out, _ = run(["check", MODELS / "two_phase_commit.sync", "--no-symmetry", "--max-states", "50",
                        "--json", "--out", tmp_path], capsys)
    assert code == 3
    data = json.loads(out)
    assert data["verdict"] == "inconclusive"
    assert "state limit 50" in data["reason"]


def test_inconclusive_exit_3_on_depth_limit(capsys, tmp_path):
    code, out, _ = run(["check", MODELS / "two_phase_commit.sync", "--max-depth", "3", "--out", tmp_path], capsys)
    assert code == 3
    assert "depth limit 3" in out


def test_runtime_error_is_a_violation_with_location(capsys, tmp_path):
    model = write(tmp_path, "range.sync", "model Range\nvar x: 0..3\ninit { x = 0 }\n"
                  "action Up { x = x + 1 }\ninvariant Small: x <= 3\n")
    code, out, err = run(["check", model, "--out", tmp_path / "cx"], capsys)
    assert code == 1
    assert "storing into x: 4 is outside 0..3" in out
    assert f"{model}:4:17" in out
    assert "Traceback" not in out + err
    assert (tmp_path / "cx" / "range.runtime.itf.json").exists()


def test_deadlock_and_no_deadlock(capsys, tmp_path):
    model = write(tmp_path, "stop.sync", "model Stop\nvar x: 0..2\ninit { x = 0 }\n"
                  "action Up { require x < 2  x = x + 1 }\n")
    code, out, _ = run(["check", model, "--out", tmp_path / "cx"], capsys)
    assert code == 1 and "deadlock" in out
    code, out, _ = run(["check", model, "--no-deadlock", "--out", tmp_path / "cx2"], capsys)
    assert code == 0
    assert not (tmp_path / "cx2").exists()


def test_const_override_and_invariant_selection(capsys, tmp_path):
    code, out, _ = run(["check", MODELS / "two_phase_commit.sync", "--const", "RM=4", "--no-symmetry",
                        "--invariant", "Consistent", "--json", "--out", tmp_path], capsys)
    assert code == 0
    data = json.loads(out)
    assert data["stats"]["distinct_states"] == 1568
    assert [p["name"] for p in data["properties"]] == ["Consistent", "deadlock", "runtime"]
    assert data["constants"]["RM"] == {"#set": ["RM1", "RM2", "RM3", "RM4"]}


def test_parse_command(capsys):
    code, out, _ = run(["parse", MODELS / "two_phase_commit.sync"], capsys)
    assert code == 0
    assert "TwoPhaseCommit is well-formed: 4 variables (17 bits of state), 7 actions, 6 invariants" in out


# ---- bad input: exit 2, a message pointing at the source, no traceback, no trace file -----

BAD_MODELS = {
    "syntax": ("model B\nvar x: 0..3\ninit { x = 0 }\naction Up { x = x + }\n", "E100", ":4:21"),
    "name": ("model B\nvar x: 0..3\ninit { x = 0 }\naction Up { y = x + 1 }\n", "E201", ":4:13"),
    "type": ("model B\nvar x: 0..3\ninit { x = 0 }\naction Up { x = true }\n", "E302", ":4:17"),
    "literal": ("model B\nvar x: 0..3\ninit { x = 9 }\naction Up { x = 1 }\n", "E320", ":3:12"),
    "keyword": ("model B\nvar if: 0..3\n", "E103", ":2:5"),
}


@pytest.mark.parametrize("case", sorted(BAD_MODELS))
def test_bad_model_exit_2(case, capsys, tmp_path):
    text, code_id, where = BAD_MODELS[case]
    model = write(tmp_path, f"{case}.sync", text)
    code, out, err = run(["check", model, "--out", tmp_path / "cx"], capsys)
    assert code == 2
    assert f"error[{code_id}]" in err
    assert f"{model}{where}" in err
    assert "^" in err
    assert "Traceback" not in out + err
    assert not (tmp_path / "cx").exists()


def test_did_you_mean(capsys, tmp_path):
    model = write(tmp_path, "typo.sync", "model T\nvar count: 0..3\ninit { count = 0 }\n"
                  "action Up { require cuont < 3  count = count + 1 }\n")
    code, _, err = run(["check", model], capsys)
    assert code == 2
    assert "unknown name 'cuont'" in err
    assert "did you mean 'count'?" in err


def test_missing_file_exit_2(capsys, tmp_path):
    code, out, err = run(["check", tmp_path / "nope.sync"], capsys)
    assert code == 2
    assert "no such file" in err
    assert "Traceback" not in err


@pytest.mark.parametrize("args,needle", [
    (["--const", "NOPE=3"], "E403"),
    (["--const", "RM"], "E603"),
    (["--const", "RM=)("], "E10"),
    (["--invariant", "Nope"], "E604"),
    (["--workers", "0"], "E600"),
    (["--max-states", "many"], "E600"),
    (["--frobnicate"], "E600"),
])
def test_bad_options_exit_2(args, needle, capsys, tmp_path):
    code, out, err = run(["check", MODELS / "two_phase_commit.sync", "--out", tmp_path / "cx", *args], capsys)
    assert code == 2
    assert needle in err
    assert "Traceback" not in out + err
    assert not (tmp_path / "cx").exists()


def test_unknown_const_suggests(capsys):
    code, _, err = run(["check", MODELS / "two_phase_commit.sync", "--const", "RN=3"], capsys)
    assert code == 2
    assert "did you mean 'RM'?" in err


# ---- replay ----------------------------------------------------------------------------

def test_replay_reproduces_violation(capsys, tmp_path):
    run(["check", MODELS / "two_phase_commit_broken.sync", "--out", tmp_path], capsys)
    trace = tmp_path / "two_phase_commit_broken.Consistent.itf.json"
    code, out, _ = run(["replay", trace, MODELS / "two_phase_commit_broken.sync"], capsys)
    assert code == 1
    assert "valid: a behaviour of TwoPhaseCommitBroken with 6 states" in out
    assert "VIOLATED Consistent" in out


def test_replay_against_fixed_model_is_not_a_behaviour(capsys, tmp_path):
    run(["check", MODELS / "two_phase_commit_broken.sync", "--out", tmp_path], capsys)
    trace = tmp_path / "two_phase_commit_broken.Consistent.itf.json"
    code, out, _ = run(["replay", trace, MODELS / "two_phase_commit.sync"], capsys)
    assert code == 2
    assert "NOT A BEHAVIOUR" in out
    assert "state 3 does not follow from state 2 by TMCommit" in out


def test_replay_runtime_error_trace(capsys, tmp_path):
    model = write(tmp_path, "range.sync", "model Range\nvar x: 0..3\ninit { x = 0 }\naction Up { x = x + 1 }\n")
    run(["check", model, "--out", tmp_path], capsys)
    code, out, _ = run(["replay", tmp_path / "range.runtime.itf.json", model, "--json"], capsys)
    assert code == 1
    data = json.loads(out)
    assert data["valid"] is True
    assert data["violations"][0]["property"] == "runtime"


def test_replay_malformed_trace(capsys, tmp_path):
    bad = write(tmp_path, "bad.itf.json", "{not json")
    code, _, err = run(["replay", bad, MODELS / "two_phase_commit.sync"], capsys)
    assert code == 2
    assert "E605" in err and "not JSON" in err
    wrong = write(tmp_path, "wrong.itf.json", json.dumps({"vars": ["x"], "states": [{"x": 1}]}))
    code, _, err = run(["replay", wrong, MODELS / "two_phase_commit.sync"], capsys)
    assert code == 2
    assert "do not match the model" in err


# ---- the installed console script ----------------------------------------------------------

def test_console_script_runs(tmp_path):
    exe = Path(sys.executable).with_name("syncproof")
    cmd = [str(exe)] if exe.exists() else [sys.executable, "-m", "checker.cli"]
    proc = subprocess.run(cmd + ["check", str(MODELS / "two_phase_commit.sync"), "--json"], cwd=tmp_path,
                          capture_output=True, text=True, env={**os.environ, "COLUMNS": "120"})
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout)["verdict"] == "holds"
