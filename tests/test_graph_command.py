"""`syncproof graph`: the state graph as DOT, a trace's path in red, and a refusal for big models."""

from __future__ import annotations

import json
import re
import shutil
import subprocess

import pytest

from report_helpers import MODELS
from cli_helpers import run_cli as run

STUCK = """model Stuck
var x: 0..3
init { x = 0 }
action Up { require x < 2  x = x + 1 }
action Same { require x == 0 }
invariant Low: x < 2
"""


def nodes(dot: str) -> dict[str, str]:
    return dict(re.findall(r"^  (s\d+) \[(.*)\];$", dot, re.M))


def edges(dot: str) -> list[tuple[str, str, str]]:
    return re.findall(r"^  (s\d+) -> (s\d+) \[(.*)\];$", dot, re.M)


def test_graph_of_a_small_model(tmp_path, capsys):
    model = tmp_path / "stuck.sync"
    model.write_text(STUCK)
    code, out, err = run(["graph", model], capsys)
    assert code == 0, err
    assert out.startswith('digraph "Stuck" {') and out.rstrip().endswith("}")
    ns = nodes(out)
    assert len(ns) == 3 and "3 states" in out
    assert "bold" in ns["s0"] and 'label="x = 0\\l"' in ns["s0"]
    assert "violates Low" in ns["s2"] and "filled" in ns["s2"]            # an invariant fails there
    assert "peripheries=2" in ns["s2"] and "no action enabled" in ns["s2"]  # a deadlock
    assert [(a, b) for a, b, _ in edges(out)] == [("s0", "s1"), ("s1", "s2")]
    assert "self-loops" in out  # Same changes nothing: not drawn, but said
    code, out, _ = run(["graph", model, "--self-loops"], capsys)
    assert ("s0", "s0") in [(a, b) for a, b, _ in edges(out)]


def test_graph_highlights_a_trace(tmp_path, capsys):
    code, _, _ = run(["check", MODELS / "two_phase_commit_broken.sync", "--const", "RM=2", "--out", tmp_path],
                     capsys)
    assert code == 1
    trace = tmp_path / "two_phase_commit_broken.Consistent.itf.json"
    out_file = tmp_path / "g.dot"
    code, out, err = run(["graph", MODELS / "two_phase_commit_broken.sync", "--trace", trace, "-o", out_file,
                          "--vars", "rm_state,tm_state"], capsys)
    assert code == 0, err
    dot = out_file.read_text()
    red = [n for n, attrs in nodes(dot).items() if "#d62728" in attrs]
    assert len(red) == 6  # the trace's initial state and its five steps
    assert [a for a in nodes(dot).values() if 'xlabel="#5"' in a][0].count("violates Consistent") == 1
    path = [(a, b, attrs) for a, b, attrs in edges(dot) if "#d62728" in attrs]
    assert len(path) == 5 and any('label="1: RMPrepare(r=RM1)' in attrs for _, _, attrs in path)
    assert "msgs =" not in dot  # --vars


def test_graph_refuses_a_big_model(capsys):
    code, out, err = run(["graph", MODELS / "two_phase_commit.sync", "--max-states", "50"], capsys)
    assert code == 2 and out == ""
    assert "error[E620]" in err and "more than 50 reachable states" in err


def test_graph_refuses_a_trace_it_does_not_contain(tmp_path, capsys):
    run(["check", MODELS / "two_phase_commit_broken.sync", "--const", "RM=2", "--out", tmp_path], capsys)
    trace = tmp_path / "two_phase_commit_broken.Consistent.itf.json"
    code, _, err = run(["graph", MODELS / "two_phase_commit_broken.sync", "--trace", trace, "--const", "RM=1"],
                       capsys)
    assert code == 2 and "'RM2' is not a member of RM" in err  # recorded with other constants
    doc = json.loads(trace.read_text())
    doc["states"][1]["tm_state"] = "committed"  # a state of the right type that no behaviour reaches
    trace.write_text(json.dumps(doc))
    code, _, err = run(["graph", MODELS / "two_phase_commit_broken.sync", "--trace", trace], capsys)
    assert code == 2
    assert "state 1 of the trace is not a reachable state of TwoPhaseCommitBroken" in " ".join(err.split())


def test_graph_rejects_unknown_variables(tmp_path, capsys):
    model = tmp_path / "stuck.sync"
    model.write_text(STUCK)
    code, _, err = run(["graph", model, "--vars", "y"], capsys)
    assert code == 2 and "error[E622]" in err


@pytest.mark.skipif(shutil.which("dot") is None, reason="Graphviz (dot) is not installed; .ci/run installs it")
def test_graphviz_reads_the_dot(tmp_path, capsys):
    run(["check", MODELS / "two_phase_commit_broken.sync", "--const", "RM=2", "--out", tmp_path], capsys)
    trace = tmp_path / "two_phase_commit_broken.Consistent.itf.json"
    code, out, _ = run(["graph", MODELS / "two_phase_commit_broken.sync", "--trace", trace], capsys)
    assert code == 0
    svg = subprocess.run(["dot", "-Tsvg"], input=out, capture_output=True, text=True, timeout=60)
    assert svg.returncode == 0 and not svg.stderr.strip(), svg.stderr
    assert svg.stdout.count('class="node"') == len(nodes(out)) == 76 and "#d62728" in svg.stdout
