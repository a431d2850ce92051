"""Fairness on groups of actions (`fairness weak {A, B}`, `{A}` for all of A's instances together)
and per message for a channel `with reordering` (issue 15, item 7): the syntax and its errors, the
formatter, the conditions the IR gives, and the verdicts of the explicit, BMC and Spacer engines,
which must agree; every lasso replays as a fair violation, and replay rejects an unfair one."""

from __future__ import annotations

import json

import pytest

from checker.core.result import Verdict
from checker.engines.explicit.search import ExplicitOptions
from checker.engines.explicit.search import check as explicit_check
from checker.engines.symbolic.bmc import Clock
from checker.engines.symbolic.lasso import check_temporal
from checker.engines.symbolic.liveproof import prove_temporal
from checker.traces.itf import trace_document
from checker.traces.replay import replay
from cli_helpers import run_cli
from spec import ir
from spec.diagnostics import SpecError
from spec.formatter import format_text
from spec.loader import load_text

RLIMIT = 40_000_000   # z3's resource units per query: the same verdicts on any machine

TURNS = """model Turns
var side: bool
var done: bool
init { side = false done = false }
action Flip { side = not side }
action Left { require not side and not done  done = true }
action Right { require side and not done  done = true }
FAIR
property Done: eventually done
"""

COUNTER = """model Counter
const CLIENTS = {c1, c2}
var waiting: set[CLIENTS]
var served: 0..1
init { waiting = CLIENTS served = 0 }
action Serve(c: CLIENTS) {
  require c in waiting
  served = 1 - served
  if c == c2 { waiting = waiting - {c} }
}
FAIR
property Served: eventually c2 not in waiting
"""

ECHO = """model Echo
enum Msg { a, b }
channel net: Msg capacity 2 with reordering
var got: set[Msg]
var sent: set[Msg]
var flips: 0..1
init { got = {} sent = {} flips = 0 }
action Send(m: Msg) { require m not in sent  send m to net  sent = sent | {m} }
action Deliver {
  receive m from net
  got = got | {m}
  flips = 1 - flips
  send m to net
}
FAIR
property AllArrive: forall m in Msg: eventually m in got
"""


def model_of(text: str, fair: str):
    return load_text(text.replace("FAIR", fair), "m.sync")


def verdicts(text: str, fair: str, prop: str) -> dict:
    """The verdict of each engine (explicit, BMC up to depth 8, Spacer) on the property; every
    lasso found is replayed as a fair violation, and the two lassos have the same length."""
    model = model_of(text, fair)
    e = next(p for p in explicit_check(model, ExplicitOptions(stop_at_first=False, deadlock=False)).properties
             if p.name == prop)
    b = next(o.result for o in check_temporal(model, Clock(None, RLIMIT), 8) if o.result.name == prop)
    s = prove_temporal(model, Clock(None, RLIMIT), next(p for p in model.properties if p.name == prop), [])
    for r in (e, b):
        if r.verdict is Verdict.VIOLATED:
            rep = replay(json.loads(json.dumps(trace_document(r.trace, "m.sync"))), model, check_deadlock=False)
            assert rep.valid and prop in [v[0] for v in rep.violations], rep.message
    if e.verdict is Verdict.VIOLATED:
        assert b.trace.length == e.trace.length
    return {"explicit": e.verdict.value, "bmc": b.verdict.value, "prove": s.status}


HOLDS = {"explicit": "holds", "bmc": "inconclusive", "prove": "proved"}
VIOLATED = {"explicit": "violated", "bmc": "violated", "prove": "reachable"}


# ---- the conditions --------------------------------------------------------------------------

def conditions(text: str) -> list:
    model = load_text(text, "m.sync")
    instances = [(k, c) for k, a in enumerate(model.actions) for c in range(2 if a.params else 1)]
    return [(str(kind), members) for kind, members in ir.fairness_conditions(model, instances)]


def test_a_group_is_one_condition_and_a_name_one_per_instance():
    # instances: Flip 0, Left 1, Right 2; Serve(c1) 0, Serve(c2) 1
    assert conditions(TURNS.replace("FAIR", "fairness weak {Left, Right}")) == [("weak", (1, 2))]
    assert conditions(TURNS.replace("FAIR", "fairness weak Left, Right")) == [("weak", (1,)), ("weak", (2,))]
    assert conditions(COUNTER.replace("FAIR", "fairness weak {Serve}")) == [("weak", (0, 1))]
    assert conditions(COUNTER.replace("FAIR", "fairness weak Serve")) == [("weak", (0,)), ("weak", (1,))]
    # a repeat is one condition; strongly fair implies weakly fair
    text = TURNS.replace("FAIR", "fairness weak {Left, Right}, Flip\nfairness strong {Right, Left}\n"
                                 "fairness weak {Left, Right}")
    assert conditions(text) == [("weak", (0,)), ("strong", (1, 2))]


# ---- verdicts: a group can be stronger or weaker than its members one by one ---------------------

def test_a_group_is_enabled_where_any_member_is():
    assert verdicts(TURNS, "fairness weak {Left, Right}", "Done") == HOLDS
    assert verdicts(TURNS, "fairness weak Left, Right", "Done") == VIOLATED
    assert verdicts(TURNS, "fairness strong Left, Right", "Done") == HOLDS


def test_a_group_is_taken_when_any_member_is():
    assert verdicts(COUNTER, "fairness weak {Serve}", "Served") == VIOLATED
    assert verdicts(COUNTER, "fairness strong {Serve}", "Served") == VIOLATED
    assert verdicts(COUNTER, "fairness weak Serve", "Served") == HOLDS


def test_the_group_lasso_serves_one_client_for_ever():
    model = model_of(COUNTER, "fairness weak {Serve}")
    r = explicit_check(model, ExplicitOptions(stop_at_first=False, deadlock=False))
    p = next(p for p in r.properties if p.name == "Served")
    steps = [(s.action, s.params) for s in p.trace.steps]
    assert steps == [(None, {}), ("Serve", {"c": "c1"}), ("Serve", {"c": "c1"})]
    assert p.trace.loop == 0


# ---- per message for a channel with reordering --------------------------------------------------

def explicit_verdict(text: str, fair: str, prop: str) -> str:
    r = explicit_check(model_of(text, fair), ExplicitOptions(stop_at_first=False, deadlock=False))
    return next(p for p in r.properties if p.name == prop).verdict.value


def test_receive_from_a_reordering_channel_is_fair_per_message_explicit():
    assert explicit_verdict(ECHO, "fairness weak Send, Deliver", "AllArrive") == "holds"
    assert explicit_verdict(ECHO, "fairness weak Send, {Deliver}", "AllArrive") == "violated"


@pytest.mark.slow
def test_receive_from_a_reordering_channel_is_fair_per_message():
    assert verdicts(ECHO, "fairness weak Send, Deliver", "AllArrive") == HOLDS
    assert verdicts(ECHO, "fairness weak Send, {Deliver}", "AllArrive") == VIOLATED


def test_the_message_received_is_a_parameter():
    model = model_of(ECHO, "fairness weak Send, Deliver")
    deliver = next(a for a in model.actions if a.name == "Deliver")
    assert [p.name for p in deliver.params] == ["m"]
    r = explicit_check(model_of(ECHO, "fairness weak Send, {Deliver}"),
                       ExplicitOptions(stop_at_first=False, deadlock=False))
    p = next(p for p in r.properties if p.name == "AllArrive")
    cycle = p.trace.steps[p.trace.loop + 1:]
    assert {(s.action, str(s.params["m"])) for s in cycle} == {("Deliver", "b")}


def test_a_nested_or_shadowing_receive_stays_a_choice():
    nested = ECHO.replace("  receive m from net\n  got = got | {m}\n",
                          "  if true {\n    receive m from net\n    got = got | {m}\n  }\n").replace(
        "  send m to net\n}", "}")
    model = model_of(nested, "fairness weak Send, Deliver")
    assert next(a for a in model.actions if a.name == "Deliver").params == []


def test_replay_rejects_a_lasso_unfair_to_one_message():
    unfair = model_of(ECHO, "fairness weak Send, {Deliver}")
    r = explicit_check(unfair, ExplicitOptions(stop_at_first=False, deadlock=False))
    trace = next(p for p in r.properties if p.name == "AllArrive").trace
    doc = json.loads(json.dumps(trace_document(trace, "m.sync")))
    fair = model_of(ECHO, "fairness weak Send, Deliver")
    rep = replay(doc, fair, check_deadlock=False)
    assert not rep.valid
    assert "the cycle is not fair: Deliver is enabled throughout and never taken" in rep.message
    assert replay(doc, unfair, check_deadlock=False).valid


def test_replay_names_an_unfair_group():
    fair = model_of(TURNS, "fairness weak {Left, Right}")
    unfair = model_of(TURNS, "fairness weak Left, Right")
    r = explicit_check(unfair, ExplicitOptions(stop_at_first=False, deadlock=False))
    doc = json.loads(json.dumps(trace_document(r.properties[0].trace, "m.sync")))
    rep = replay(doc, fair, check_deadlock=False)
    assert not rep.valid
    assert "the cycle is not fair: {Left, Right} is enabled throughout and never taken" in rep.message


# ---- syntax, errors, formatting -------------------------------------------------------------

def test_groups_format_and_keep_their_meaning():
    text = TURNS.replace("FAIR", "fairness   weak {Left,Right} ,Flip,{ Right }\nfairness strong {Flip}")
    out = format_text(text)
    assert "fairness weak {Left, Right}, Flip, {Right}\nfairness strong {Flip}\n" in out
    assert format_text(out) == out
    assert conditions(out) == conditions(text)


@pytest.mark.parametrize("fair, code, message, col, width", [
    ("fairness weak {}", "E336", "an empty fairness group", 15, 2),
    ("fairness weak {Left, Left}", "E337", "'Left' is named twice in this fairness group", 22, 4),
    ("fairness strong {Left, Rigth}", "E201", "unknown action 'Rigth'", 24, 5),
])
def test_group_errors_point_at_the_culprit(tmp_path, capsys, fair, code, message, col, width):
    path = tmp_path / "m.sync"
    path.write_text(TURNS.replace("FAIR", fair))
    rc, out, err = run_cli(["check", str(path)], capsys)
    assert rc == 2
    text = out + err
    assert f"m.sync:8:{col}: error[{code}]: {message}\n  8 | {fair}\n    | {' ' * (col - 1)}{'^' * width}\n" in text
    assert "Traceback" not in text


def test_every_group_error_is_reported():
    path_text = TURNS.replace("FAIR", "fairness weak {}, {Flip, Flip}, Nope")
    with pytest.raises(SpecError) as exc:
        load_text(path_text, "m.sync")
    codes = sorted(d.code for d in exc.value.diagnostics)
    assert codes == ["E201", "E336", "E337"]


# ---- the editor: a name in a group is a use of the action ------------------------------------

def test_a_name_in_a_group_is_a_reference_and_renames():
    from checker.lsp import analysis as A
    text = TURNS.replace("FAIR", "fairness weak {Left, Right}, Left")
    a = A.analyze("/m/model.sync", text, lambda path: None)
    i = text.index("action Left") + len("action L")
    at = (text.count("\n", 0, i) + 1, i - (text.rfind("\n", 0, i) + 1) + 1)
    key = a.occurrence_at(*at).key
    assert sorted((u.span.line, u.span.col) for u in a.uses(key)) == [(6, 8), (8, 16), (8, 30)]
    edits = A.rename(a, *at, "West")
    assert len(edits) == 3 and {new for _, new in edits} == {"West"}


# ---- a group over more instances than BMC grounds ---------------------------------------------

WIDE = """model Wide
var x: 0..255
var stop: bool
init { x = 0 stop = false }
action Set(v: 0..255) { require not stop  x = v }
action Halt { require x == 7  stop = true }
FAIR
property Zero: always eventually x == 0
"""


def test_a_group_of_an_action_too_wide_to_ground_is_one_formula():
    # per instance, BMC cannot encode the 256 conditions; the group {Set} is one
    model = model_of(WIDE, "fairness weak {Set}")
    b = next(o.result for o in check_temporal(model, Clock(None, RLIMIT), 4) if o.result.name == "Zero")
    e = next(p for p in explicit_check(model, ExplicitOptions(stop_at_first=False, deadlock=False)).properties
             if p.name == "Zero")
    assert b.verdict is Verdict.VIOLATED and e.verdict is Verdict.VIOLATED
    # the shortest: away from 0, then between two other values for ever: the group is taken
    assert [s.action for s in e.trace.steps] == [None, "Set", "Set", "Set"]
    assert all(s.state["x"] != 0 for s in e.trace.steps[e.trace.loop:])
    assert b.trace.length == e.trace.length == 3
    rep = replay(json.loads(json.dumps(trace_document(b.trace, "m.sync"))), model, check_deadlock=False)
    assert rep.valid and "Zero" in [v[0] for v in rep.violations], rep.message
    per_instance = model_of(WIDE, "fairness weak Set")
    b = next(o.result for o in check_temporal(per_instance, Clock(None, RLIMIT), 4) if o.result.name == "Zero")
    assert b.verdict is Verdict.INCONCLUSIVE and "fairness of Set is per parameter value" in b.message
