"""Sequence diagrams from the model's structure (its process and channel declarations), their SVG
geometry, and the paths reports print (relative to the project root)."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from checker.engines.explicit.search import ExplicitOptions, check
from checker.reports.formats.sequence import CHAR_W, mermaid, sequence, svg
from spec.loader import load, load_text
from tests.cli_helpers import run_cli

ROOT = Path(__file__).resolve().parent.parent
SVG = "{http://www.w3.org/2000/svg}"

# Replicas behind a lossy channel; a client outside the processes; values that are model values too
REPLICATION = """model Replication
const NODES = {n1, n2}
const VALS = {v1, v2}
type Msg = Put(val: VALS, to: NODES)
type Req = Write(val: VALS)
channel requests: Req capacity 1
channel repl: Msg capacity 2 with loss
process Replica[n in NODES] {
  var store: set[VALS]
  var pending: set[Msg]           # the replica's own record of what it sent: state, not a channel
  init { store = {}  pending = {} }
  action Accept(peer: NODES) {
    require peer != n
    receive r from requests
    store = store | {r.val}
    pending = pending | {Put(r.val, peer)}
    send Put(r.val, peer) to repl
  }
  action Apply {
    receive m from repl
    require m.to == n
    store = store | {m.val}
  }
}
action Client(v: VALS) { send Write(v) to requests }
invariant NoLostWrite: not (len(repl) == 0 and len(requests) == 0 and store[n1] != store[n2])
"""


def events(d):
    return [(e.step, e.kind, e.src, e.dst, e.text) for e in d.events]


def violation(model, name=None):
    """The trace of the first violation found (of property `name`)."""
    r = check(model, ExplicitOptions())
    return next(p for p in r.violated if name is None or p.name == name).trace


def test_lifelines_are_the_processes_and_a_loss_is_a_marker_on_the_sender():
    model = load_text(REPLICATION, "replication.sync")
    trace = violation(model, "NoLostWrite")
    assert [s.action for s in trace.steps[1:]] == ["Client", "Accept", "lose_repl"]
    d = sequence(trace, model)
    assert d.participants == ["env", "requests", "n1", "n2"]      # not v1, not lose_repl, not an action
    assert d.kinds == {"env": "env", "requests": "channel", "n1": "process", "n2": "process"}
    assert events(d) == [
        (1, "send", "env", "requests", "Write(v1)"),
        (2, "receive", "requests", "n1", "Write(v1)"),
        (2, "send", "n1", "n2", "Put(v1, n2)"),
        (3, "lost", "n1", None, "lost in repl: Put(v1, n2)"),
    ]
    assert mermaid(d).splitlines()[-1] == "    Note over P2: 3. ✕ lost in repl: Put(v1, n2)"


def test_a_duplicated_message_is_a_marker_and_faults_are_never_lifelines():
    model = load(ROOT / "models" / "bridge_broken.sync")   # channels, no processes
    d = sequence(violation(model), model)
    assert d.participants == ["Mint", "deposits", "alice"]
    assert events(d) == [
        (1, "send", "alice", "deposits", "Deposit(0, alice, 1)"),     # to: alice is the sender, not a destination
        (2, "duplicated", "alice", None, "duplicated in deposits: Deposit(0, alice, 1)"),
        (3, "receive", "deposits", "Mint", "Deposit(0, alice, 1)"),
        (4, "receive", "deposits", "Mint", "Deposit(0, alice, 1)"),
    ]


def test_an_action_outside_the_processes_is_the_environments():
    model = load(ROOT / "models" / "atomic_settlement_broken.sync")
    d = sequence(violation(model), model)
    assert d.participants == ["env", "votes", "margin", "settlement"]
    assert set(d.kinds.values()) == {"env", "channel", "process"}


def test_a_trace_of_a_model_with_processes_names_no_action_and_no_value():
    model = load_text(REPLICATION, "replication.sync")
    d = sequence(violation(model, "NoLostWrite"), model)
    names = {a.name for a in model.actions} | {"v1", "v2"}
    assert not names & set(d.participants)


# ---- the SVG's geometry ----------------------------------------------------------------------------

LASSO = """model Flaky
const NODES = {first_replica, second_replica}
type Msg = Heartbeat(to: NODES, generation: 0..1)
channel network: Msg capacity 1 with loss
process Node[n in NODES] {
  var heard_from_peer: bool
  init { heard_from_peer = false }
  action Beat(peer: NODES) {
    require peer != n and not heard_from_peer
    send Heartbeat(peer, 0) to network
  }
  action Hear {
    receive m from network
    require m.to == n
    heard_from_peer = true
  }
}
fairness weak Beat
property SomeoneHears: eventually exists n in NODES: heard_from_peer[n]
"""


def boxes(root) -> list[tuple[str, float, float, float, float]]:
    """(what, x0, y0, x1, y1) of every text and rect, texts measured as a 12px monospace font."""
    out = []
    for el in root.iter():
        tag = el.tag.removeprefix(SVG)
        if tag == "text":
            x, y, w = float(el.get("x")), float(el.get("y")), len(el.text or "") * 7.2
            anchor = el.get("text-anchor", "start")
            x0 = x - w / 2 if anchor == "middle" else (x - w if anchor == "end" else x)
            out.append((f"text {el.text}", x0, y - 11, x0 + w, y + 3))
        elif tag == "rect":
            x, y = float(el.get("x")), float(el.get("y"))
            out.append((f"rect {el.get('class')}", x, y, x + float(el.get("width")), y + float(el.get("height"))))
    return out


def overlap(a, b) -> bool:
    return a[1] < b[3] and b[1] < a[3] and a[2] < b[4] and b[2] < a[4]


def assert_laid_out(markup: str) -> None:
    root = ET.fromstring(markup)
    width, height = float(root.get("width")), float(root.get("height"))
    found = boxes(root)
    for b in found:
        assert 0 <= b[1] and b[3] <= width and 0 <= b[2] and b[4] <= height, (b, width)
    texts = [b for b in found if b[0].startswith("text")]
    notes = [b for b in found if b[0] in ("rect note", "rect head")]
    for i, a in enumerate(texts):
        for b in texts[i + 1:]:
            assert not overlap(a, b), (a, b)
        inside = [n for n in notes if n[1] <= a[1] and a[3] <= n[3] and n[2] <= a[2] and a[4] <= n[4]]
        for n in notes:
            if n not in inside[:1]:          # a note's own text is inside it; nothing else may touch it
                assert not overlap(a, n), (a, n)


def test_the_lasso_label_has_a_row_of_its_own_inside_the_picture():
    model = load_text(LASSO, "flaky.sync")
    trace = violation(model, "SomeoneHears")
    assert trace.loop is not None
    d = sequence(trace, model)
    assert d.participants == ["first_replica", "second_replica"]
    assert {e.kind for e in d.events if e.step > trace.loop} >= {"send", "lost"}
    markup = svg(d, uid="lasso")
    assert_laid_out(markup)
    root = ET.fromstring(markup)
    label = next(t for t in root.iter(f"{SVG}text") if t.get("class") == "loop-label")
    assert label.text == f"loop: steps {trace.loop + 1} to {d.steps} repeat for ever"
    assert float(label.get("x")) + len(label.text) * CHAR_W <= float(root.get("width"))


@pytest.mark.parametrize("path", ["bridge_broken.sync", "atomic_settlement_broken.sync"])
def test_shipped_diagrams_are_laid_out(path):
    model = load(ROOT / "models" / path)
    assert_laid_out(svg(sequence(violation(model), model)))


def test_a_note_on_the_first_lifeline_stays_inside_the_picture():
    model = load_text(REPLICATION.replace("action Client(v: VALS)", "action ClientWithAVeryLongNameIndeed(v: VALS)"),
                      "replication.sync")
    d = sequence(violation(model, "NoLostWrite"), model)
    assert_laid_out(svg(d))


# ---- paths in reports ---------------------------------------------------------------------------------

BROKEN = "model Tiny\nvar x: 0..2\ninit { x = 0 }\naction Up { require x < 2  x = x + 1 }\ninvariant Low: x < 1\n"


@pytest.fixture()
def project(tmp_path):
    (tmp_path / "models").mkdir()
    (tmp_path / "models" / "tiny.sync").write_text(BROKEN)
    (tmp_path / "pyproject.toml").write_text('[tool.syncproof]\nout = "build/cx"\n\n[[tool.syncproof.models]]\n'
                                             'path = "models/tiny.sync"\n')
    (tmp_path / "sub").mkdir()
    return tmp_path


@pytest.mark.parametrize("fmt", ["markdown", "html"])
def test_ci_reports_show_paths_relative_to_the_project_root(project, monkeypatch, capsys, fmt):
    monkeypatch.chdir(project / "sub")                      # run from below the project root
    code, out, _ = run_cli(["ci", "--format", fmt, "--quiet"], capsys)
    assert code == 1
    assert str(project) not in out
    assert "models/tiny.sync:5:1" in out and "build/cx/tiny.Low.itf.json" in out
    assert (project / "build" / "cx" / "tiny.Low.itf.json").is_file()


@pytest.mark.parametrize("fmt", ["markdown", "html"])
def test_check_reports_show_paths_relative_to_the_current_directory(project, tmp_path_factory, monkeypatch,
                                                                    capsys, fmt):
    elsewhere = tmp_path_factory.mktemp("elsewhere")
    monkeypatch.chdir(project)
    code, out, _ = run_cli(["check", "models/tiny.sync", "--format", fmt, "--out", "cx"], capsys)
    assert code == 1 and "cx/tiny.Low.itf.json" in out and str(project) not in out
    code, out, _ = run_cli(["check", "models/tiny.sync", "--format", fmt, "--out", str(elsewhere)], capsys)
    assert code == 1 and f"{elsewhere}/tiny.Low.itf.json" in out   # outside the project: absolute
    assert re.search(r"models/tiny\.sync:5:1", out)
