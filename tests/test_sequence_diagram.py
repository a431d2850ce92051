"""Sequence diagrams read off traces: who sent what to whom (the heuristic of checker/reports/formats/sequence.py)."""

from __future__ import annotations

import xml.etree.ElementTree as ET

from checker.engines.explicit.search import ExplicitOptions, check
from checker.reports.formats.sequence import mermaid, sequence, svg
from checker.core.result import Trace, TraceStep
from report_helpers import entries
from spec import values as V
from spec.loader import load_text

S = V.Sym


def events(d):
    return [(e.step, e.kind, e.src, e.dst, e.text) for e in d.events]


def test_two_phase_commit_a_pool_of_messages_read_by_name():
    d = sequence(entries()["violated"].result.violated[0].trace)
    assert d.participants == ["TM", "msgs", "r1", "r2", "r3"]
    assert d.kinds == {"TM": "role", "msgs": "channel", "r1": "process", "r2": "process", "r3": "process"}
    assert events(d) == [
        (1, "send", "r1", "msgs", "Prepared(r1)"),       # RMPrepare(r1): r1 acts (its set is RM)
        (2, "receive", "msgs", "TM", "Prepared(r1)"),    # TMRcvPrepared(r1): the TM receives it, by name
        (3, "send", "TM", "msgs", "Commit"),
        (4, "local", "r2", None, "RMChooseToAbort(r=r2)"),
        (5, "receive", "msgs", "r3", "Commit"),          # RMRcvCommitMsg(r3)
    ]


def test_mermaid_text():
    text = mermaid(sequence(entries()["violated"].result.violated[0].trace))
    assert text.splitlines() == [
        "sequenceDiagram",
        "    participant P0 as TM",
        "    participant P1 as msgs (channel)",
        "    participant P2 as r1",
        "    participant P3 as r2",
        "    participant P4 as r3",
        "    P2->>P1: 1. Prepared(r1)",
        "    P1->>P0: 2. Prepared(r1)",
        "    P0->>P1: 3. Commit",
        "    Note over P3: 4. RMChooseToAbort(r=r2)",
        "    P1->>P4: 5. Commit",
    ]


def test_no_messages_no_diagram():
    for name in ("holds", "lasso", "runtime", "deadlock"):
        e = entries()[name]
        for p in e.result.violated:
            assert sequence(p.trace) is None, name


MSG = lambda tag, **f: V.Variant(tag, tuple(f.items()))  # noqa: E731


def _trace(states, actions, constants, loop=None) -> Trace:
    steps = [TraceStep(states[0])] + [TraceStep(s, a[0], a[1]) for s, a in zip(states[1:], actions)]
    return Trace("M", "P", "invariant", steps, loop=loop, constants=constants)


def test_inboxes_route_messages_to_their_process():
    nodes = {"NODES": V.SetVal([S("a"), S("b")])}
    box = lambda a, b: V.MapVal([(S("a"), V.SeqVal(a)), (S("b"), V.SeqVal(b))])  # noqa: E731
    ping = MSG("Ping", sender=S("a"))
    pong = MSG("Pong", sender=S("b"))
    t = _trace([{"inbox": box([], [])}, {"inbox": box([], [ping])}, {"inbox": box([pong], [])},
                {"inbox": box([], [])}],
               [("Send", {"n": S("a")}), ("Answer", {"n": S("b")}), ("Read", {"n": S("a")})], nodes)
    d = sequence(t)
    assert events(d) == [(1, "send", "a", "b", "Ping(a)"),
                         (2, "send", "b", "a", "Pong(b)"), (2, "handle", "b", None, "receives Ping(a)"),
                         (3, "handle", "a", None, "receives Pong(b)")]
    assert d.participants == ["a", "b"]


def test_a_to_field_routes_a_message_and_a_lasso_is_a_loop():
    nodes = {"NODES": V.SetVal([S("a"), S("b")])}
    m = MSG("Req", to=S("b"))
    t = _trace([{"net": V.SetVal([])}, {"net": V.SetVal([m])}, {"net": V.SetVal([])}, {"net": V.SetVal([m])}],
               [("Send", {"from": S("a")}), ("Take", {"n": S("b")}), ("Send", {"from": S("a")})], nodes, loop=1)
    d = sequence(t)
    assert events(d)[0] == (1, "send", "a", "b", "Req(b)")
    text = mermaid(d)
    assert "    loop steps 2 to 3 repeat for ever" in text and text.rstrip().endswith("end")


def test_channels_of_the_language_seq_and_bag():
    model = load_text("""model AlternatingBit
type Msg = Data(bit: 0..1) | Ack(bit: 0..1)
channel data: Msg capacity 2 with loss, duplication
channel acks: Msg capacity 2 with loss, reordering
var next: 0..1
var expected: 0..1
var delivered: 0..3
init { next = 0 expected = 0 delivered = 0 }
action SendData { send Data(next) to data }
action ReceiveData {
  receive m from data
  if m.bit == expected { expected = 1 - expected  delivered = delivered + 1 }
  send Ack(m.bit) to acks
}
action ReceiveAck {
  receive a from acks
  if a.bit == next { next = 1 - next }
}
invariant Few: delivered < 2
""", "ab.sync")
    trace = check(model, ExplicitOptions(deadlock=False)).violated[0].trace
    d = sequence(trace)
    assert d.channels == ["data", "acks"]
    # no processes: each action is a lifeline, so the diagram shows which action talks to which
    assert events(d)[:4] == [(1, "send", "SendData", "data", "Data(0)"),
                             (2, "receive", "data", "ReceiveData", "Data(0)"),
                             (2, "send", "ReceiveData", "acks", "Ack(0)"),
                             (3, "receive", "acks", "ReceiveAck", "Ack(0)")]


def test_mermaid_escapes_and_svg_is_well_formed():
    nodes = {"NODES": V.SetVal([S("a")])}
    m = MSG("Note", text="a;b#c")
    t = _trace([{"msgs": V.SetVal([])}, {"msgs": V.SetVal([m])}], [("Post", {"n": S("a")})], nodes)
    d = sequence(t)
    assert "a#59;b#35;c" in mermaid(d)
    root = ET.fromstring(svg(d, uid="x"))
    assert root.tag == "{http://www.w3.org/2000/svg}svg"
    full = ET.fromstring(svg(sequence(entries()["violated"].result.violated[0].trace)))
    groups = [g for g in full.iter("{http://www.w3.org/2000/svg}g") if "ev" in g.get("class", "")]
    assert [g.get("data-step") for g in groups] == ["1", "2", "3", "4", "5"]
    assert int(full.get("width")) > 400
