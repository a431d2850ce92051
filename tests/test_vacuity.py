"""`syncproof check --vacuity` (issue 18, item 2): W201-W206 on purpose-made models whose properties
all hold, each next to a variant where the case does happen and nothing is reported; the second
search goes on past the cases it finds; nothing is reported when it, or the check, is cut short;
and the shipped correct models are not vacuous."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from cli_helpers import run_cli as run
from spec.loader import load

from checker.core.result import Verdict
from checker.engines import registry as engines
from checker.engines.base import CheckRequest, ExplicitSection
from checker.engines.explicit import vacuity

ROOT = Path(__file__).resolve().parent.parent
MODELS = ROOT / "models"
HEAD = re.compile(r"^(?P<file>.+):(?P<line>\d+):(?P<col>\d+): warning\[(?P<code>W2\d\d)\]: vacuous: (?P<msg>.*)$")


def write(tmp_path: Path, text: str, name: str = "m.sync") -> Path:
    p = tmp_path / name
    p.write_text(text)
    return p


def check(tmp_path: Path, capsys, text: str, *options) -> tuple[int, dict]:
    """(exit code, JSON result) of `check --vacuity --json` on the model `text`."""
    code, out, err = run(["check", write(tmp_path, text), "--vacuity", "--json", "--no-trace-file", *options],
                         capsys)
    assert code != 2, err
    return code, json.loads(out)


def found(result: dict) -> list[tuple[str, int, int, str]]:
    """The vacuity warnings of a JSON result: (code, line, column, message)."""
    out = []
    for w in result["warnings"]:
        m = HEAD.match(w.split("\n", 1)[0])
        if m:
            out.append((m["code"], int(m["line"]), int(m["col"]), m["msg"]))
    return out


def codes(result: dict) -> list[tuple[str, int]]:
    return [(c, line) for c, line, _, _ in found(result)]


def vacuity_notes(result: dict) -> list[str]:
    return [n for n in result["notes"] if n.startswith("vacuity:")]


# ---- W201: an `implies` whose left side is never true -----------------------------------------

COUNTER = """model Counter
const USERS = {alice, bob}
var x: 0..7
var paid: map[USERS, 0..3]
init { x = 0 paid = {u: 0 for u in USERS} }
action Inc { require x < 4  x = x + 1 }
action Pay(u: USERS) { require paid[u] < 2  paid[u] = paid[u] + 1 }
"""


def test_w201_an_antecedent_never_true(tmp_path, capsys):
    code, r = check(tmp_path, capsys, COUNTER + "invariant Cap: x == 6 implies paid[alice] == 3\n", "--no-deadlock")
    assert code == 0 and r["verdict"] == "holds"
    assert found(r) == [("W201", 8, 16, "`x == 6` (the left side of `implies` in invariant Cap) is false in every "
                         "reachable state: Cap holds without ever testing its right side")]
    assert vacuity_notes(r) == []


def test_w201_not_when_the_antecedent_is_sometimes_true(tmp_path, capsys):
    code, r = check(tmp_path, capsys, COUNTER + "invariant Cap: x == 4 implies x > 3\n", "--no-deadlock")
    assert code == 0 and found(r) == [] and vacuity_notes(r) == []


def test_w201_under_a_forall_names_its_variables(tmp_path, capsys):
    _, r = check(tmp_path, capsys, COUNTER + "invariant Most: forall u in USERS: paid[u] > 2 implies x == 9\n"
                 "invariant Some: forall u in USERS: paid[u] > 1 implies paid[u] == 2\n", "--no-deadlock")
    assert found(r) == [("W201", 8, 36, "`paid[u] > 2` (the left side of `implies` in invariant Most) is false in "
                         "every reachable state, for any value of u: Most holds without ever testing its right side")]


def test_w201_is_looked_for_only_where_the_property_evaluates_it(tmp_path, capsys):
    # x == 4 happens, but never where x < 2 (the guard of `and`): the implies is never tested
    _, r = check(tmp_path, capsys, COUNTER + "invariant Guarded: x < 2 and (x == 4 implies false) or x >= 2\n"
                 "invariant Else: if x < 2 then x < 5 else (x == 3 implies paid[bob] <= 2)\n", "--no-deadlock")
    assert codes(r) == [("W201", 8)]


# ---- W202: a `forall` over a set that is always empty -----------------------------------------

QUEUE = """model Queue
const USERS = {alice, bob}
var waiting: set[USERS]
var served: set[USERS]
init { waiting = {} served = {} }
action Arrive(u: USERS) { require u not in waiting and u not in served  waiting = waiting | {u} }
action Serve(u: USERS) { require u in waiting  waiting = waiting - {u}  served = served | {u} }
"""


def test_w202_a_forall_over_an_always_empty_set(tmp_path, capsys):
    code, r = check(tmp_path, capsys, QUEUE + "invariant Refunded: forall u in served & waiting: false\n"
                    "invariant Fine: forall u in served: u not in waiting\n", "--no-deadlock")
    assert code == 0
    assert found(r) == [("W202", 8, 33, "the `forall` over `served & waiting` in invariant Refunded has no element "
                         "in any reachable state: Refunded holds without ever testing its body")]


def test_w202_over_a_comprehension_that_is_always_empty(tmp_path, capsys):
    _, r = check(tmp_path, capsys, QUEUE + "invariant Both: forall u in {v for v in USERS if v in waiting and "
                 "v in served}: false\ninvariant One: forall u in {v for v in USERS if v in served}: u not in "
                 "waiting\n", "--no-deadlock")
    assert found(r) == [("W202", 8, 29, "the `forall` over `{v for v in USERS if v in waiting and v in served}` in "
                         "invariant Both has no element in any reachable state: Both holds without ever testing "
                         "its body")]


def test_a_case_inside_a_vacuous_one_is_not_reported_again(tmp_path, capsys):
    _, r = check(tmp_path, capsys, QUEUE + "invariant Nested: forall u in served & waiting: "
                 "(u == alice implies false) and forall v in served: false\n", "--no-deadlock")
    assert codes(r) == [("W202", 8)]


def test_w202_a_temporal_property_over_an_empty_set(tmp_path, capsys):
    # its leads_to is inside the forall: not reported again
    _, r = check(tmp_path, capsys, QUEUE + "fairness weak Serve\n"
                 "property Each: forall u in USERS - USERS: u in waiting leads_to u in served\n", "--no-deadlock")
    assert found(r) == [("W202", 9, 28, "the `forall` over `USERS - USERS` of property Each has no element in any "
                         "reachable state: Each holds without ever testing its body")]


# ---- W203: a `leads_to` whose left side never holds --------------------------------------------

def test_w203_a_trigger_that_never_holds(tmp_path, capsys):
    text = QUEUE + ("fairness weak Serve\n"
                    "property Refund: forall u in USERS: u in served and u in waiting leads_to u not in waiting\n"
                    "property Served: forall u in USERS: u in waiting leads_to u in served\n")
    code, r = check(tmp_path, capsys, text, "--no-deadlock")
    assert code == 0 and all(p["verdict"] == "holds" for p in r["properties"])
    assert found(r) == [("W203", 9, 37, "`u in served and u in waiting` (the left side of `leads_to` in property "
                         "Refund) holds in no reachable state, for any value of u: Refund holds without ever "
                         "requiring `u not in waiting`")]


# ---- W204: no initial state --------------------------------------------------------------------

def test_w204_no_initial_state_is_the_one_warning(tmp_path, capsys):
    text = """model Nothing
var x: 0..3
init {
  choose v in 0..3
  require v > 5
  x = v
}
action Inc { require x < 3  x = x + 1 }
fairness weak Inc
invariant Cap: x == 2 implies x > 1
property Ends: eventually x == 3
"""
    code, r = check(tmp_path, capsys, text)
    assert code == 0 and r["verdict"] == "holds" and r["stats"]["distinct_states"] == 0
    assert found(r) == [("W204", 5, 3, "the model has no initial state: every way through `init` fails a `require` "
                         "(or chooses from an empty set), so there is no behaviour and Cap, Ends hold without "
                         "testing anything")]


def test_no_w204_with_an_initial_state_and_fairness(tmp_path, capsys):
    # fairness is machine closed: a fair behaviour exists from every state, so only an empty
    # set of initial states makes every behaviour vacuous
    text = """model Fair
var x: 0..3
init { choose v in 0..3  require v < 2  x = v }
action Inc { require x < 3  x = x + 1 }
action Back { require x == 3  x = 0 }
fairness strong Inc
fairness weak Back
property Around: always eventually x == 3
"""
    code, r = check(tmp_path, capsys, text)
    assert code == 0 and found(r) == []


# ---- W205, W206: determinism over actions never taken, or never enabled together ----------------

SWITCH = """model Switch
var on: bool
var count: 0..3
var locked: bool
init { on = false count = 0 locked = false }
action Toggle { require not locked  on = not on }
action Bump { require count < 3  count = count + 1 }
action Unlock { require locked and count < 3  locked = false }
action Lock { require count == 3 and not locked and on  locked = true }
"""


def test_w205_a_deterministic_action_never_taken(tmp_path, capsys):
    code, r = check(tmp_path, capsys, SWITCH + "deterministic Unlock, Toggle\n", "--no-deadlock")
    assert code == 0
    assert found(r) == [("W205", 10, 15, "Unlock is never taken in a reachable state: deterministic(Unlock) holds "
                         "without testing it")]


def test_w206_a_commute_pair_never_enabled_together(tmp_path, capsys):
    # Lock needs count == 3, Bump count < 3; Lock and Toggle are enabled together (on, count 3)
    code, r = check(tmp_path, capsys, SWITCH + "commute Bump, Lock\ncommute Lock, Toggle\ncommute Bump, Bump\n",
                    "--no-deadlock")
    assert code == 0 and all(p["verdict"] == "holds" for p in r["properties"])
    assert found(r) == [
        ("W206", 10, 1, "Bump and Lock are never enabled together in a reachable state: commute(Bump, Lock) holds "
         "without comparing two orders"),
        ("W206", 12, 1, "two instances of Bump are never enabled together in a reachable state: commute(Bump, Bump) "
         "holds without comparing two orders")]


def test_w206_not_for_two_instances_of_one_action_enabled_together(tmp_path, capsys):
    _, r = check(tmp_path, capsys, QUEUE + "commute Arrive, Arrive\ndeterministic Serve\n", "--no-deadlock")
    assert found(r) == [] and vacuity_notes(r) == []


# ---- how warnings are shown and what they do not change ----------------------------------------

def test_the_text_report_shows_the_place_the_line_and_a_caret(tmp_path, capsys):
    path = write(tmp_path, COUNTER + "invariant Cap: x == 6 implies paid[alice] == 3\n")
    code, out, _ = run(["check", path, "--vacuity", "--no-deadlock", "--no-trace-file"], capsys)
    assert code == 0
    assert (f"{path}:8:16: warning[W201]: vacuous: `x == 6` (the left side of `implies` in invariant Cap) is false "
            "in every reachable state: Cap holds without ever testing its right side\n"
            "  8 | invariant Cap: x == 6 implies paid[alice] == 3\n"
            "    |                ^^^^^^\n"
            "  help: a case that never happens makes the property say nothing about it: check that the model can "
            "reach it, or drop it\n") in out
    assert "HOLDS — exhaustive" in out


def test_without_the_option_nothing_is_examined(tmp_path, capsys):
    code, out, _ = run(["check", write(tmp_path, COUNTER + "invariant Cap: x == 6 implies false\n"), "--json",
                        "--no-deadlock", "--no-trace-file"], capsys)
    r = json.loads(out)
    assert code == 0 and found(r) == [] and vacuity_notes(r) == []


def test_the_second_search_goes_on_after_the_cases_it_finds(tmp_path, capsys):
    # Early's case happens at depth 1 and Late's at depth 5: a search that stopped at its first
    # violation would leave Never undecided
    text = """model Late
var x: 0..7
init { x = 0 }
action Inc { require x < 5  x = x + 1 }
invariant Early: x == 1 implies x > 0
invariant Late: x == 5 implies x > 4
invariant Never: x == 7 implies x > 6
"""
    _, r = check(tmp_path, capsys, text, "--no-deadlock")
    assert codes(r) == [("W201", 7)]
    model = load(str(write(tmp_path, text)), [])
    result = engines.run(model, "explicit", CheckRequest(deadlock=False))
    runs = []

    def second(m):
        runs.append(engines.run(m, "explicit", CheckRequest(deadlock=False, stop_at_first=False)))
        return runs[-1]

    warnings, notes = vacuity.analyse(model, result, second)
    assert len(warnings) == 1 and notes == []
    assert runs[0].stats.distinct_states == 6
    assert [p.verdict for p in runs[0].properties] == [Verdict.VIOLATED, Verdict.VIOLATED, Verdict.HOLDS,
                                                       Verdict.HOLDS]


def test_a_violated_model_is_not_examined(tmp_path, capsys):
    text = COUNTER + "invariant Cap: x == 6 implies false\ninvariant Small: x <= 3\n"
    code, r = check(tmp_path, capsys, text, "--no-deadlock")
    assert code == 1 and found(r) == []
    assert vacuity_notes(r) == ["vacuity: not examined: no property held: the check stopped at its first violation "
                                "(with --continue the others are decided)"]
    # with --continue the others are decided, and those that held are examined; the exit code is the verdict's
    code, r = check(tmp_path, capsys, text, "--no-deadlock", "--continue")
    assert code == 1 and codes(r) == [("W201", 8)]


def test_a_run_time_error_leaves_vacuity_unexamined(tmp_path, capsys):
    text = "model Overflow\nvar x: 0..3\ninit { x = 0 }\naction Inc { x = x + 1 }\n" \
           "invariant Cap: x == 3 implies x > 2\ninvariant Never: x == 2 and x == 3 implies false\n"
    code, r = check(tmp_path, capsys, text, "--no-deadlock", "--continue")
    assert code == 1 and [p["verdict"] for p in r["properties"]] == ["holds", "holds", "violated"]
    assert found(r) == []
    [note] = vacuity_notes(r)
    assert note.startswith("vacuity: not examined: the second search met a run-time error (")


def test_a_check_cut_short_by_the_state_limit_is_not_examined(tmp_path, capsys):
    code, r = check(tmp_path, capsys, COUNTER + "invariant Cap: x == 6 implies false\n", "--no-deadlock",
                    "--max-states", "4")
    assert code == 3 and found(r) == []
    assert vacuity_notes(r) == ["vacuity: not examined: state limit 4 reached at depth 2; 6 more states at depth 2 "
                                "were not explored"]


def test_a_second_search_cut_short_reports_nothing(tmp_path):
    # the check proved the invariant; the search for its case stops at a state limit
    model = load(str(write(tmp_path, COUNTER + "invariant Cap: x == 6 implies false\n")), [])
    result = engines.run(model, "explicit", CheckRequest(deadlock=False))
    limited = CheckRequest(deadlock=False, stop_at_first=False, explicit=ExplicitSection(max_states=5))
    warnings, notes = vacuity.analyse(model, result, lambda m: engines.run(m, "explicit", limited))
    assert warnings == []
    assert notes == ["vacuity: not examined: the second search did not see every reachable state (state limit 5 "
                     "reached at depth 2; 5 more states at depth 2 were not explored)"]
    # W206 reads the state graph, under the same limit
    model = load(str(write(tmp_path, SWITCH + "commute Bump, Lock\n")), [])
    result = engines.run(model, "explicit", CheckRequest(deadlock=False))
    warnings, notes = vacuity.analyse(model, result, lambda m: engines.run(m, "explicit", CheckRequest(
        deadlock=False, stop_at_first=False)), vacuity.GraphLimits(max_states=3))
    assert warnings == [] and notes == ["vacuity: `commute` not examined: state limit 3 reached while building the "
                                        "state graph"]


def test_the_symbolic_proofs_are_examined_too(tmp_path, capsys):
    code, r = check(tmp_path, capsys, COUNTER + "invariant Cap: x == 6 implies false\n", "--no-deadlock",
                    "--engine", "induction")
    assert code == 0 and codes(r) == [("W201", 8)]


def test_bmc_and_models_the_explicit_engine_cannot_enumerate_are_refused(tmp_path, capsys):
    path = write(tmp_path, COUNTER + "invariant Cap: x == 6 implies false\n")
    code, out, err = run(["check", path, "--vacuity", "--engine", "bmc"], capsys)
    assert code == 2 and out == "" and "error[E630]: --vacuity examines the properties that hold" in err
    path = write(tmp_path, "model Wide\nconst MAX: 0..9\nvar x: 0..9\ninit { x = 0 }\n"
                 "action Inc { require x < MAX  x = x + 1 }\ninvariant Cap: x <= MAX\n", "wide.sync")
    code, out, err = run(["check", path, "--vacuity"], capsys)
    assert code == 2 and out == ""
    assert "error[E630]: --vacuity decides its cases with the explicit engine, which cannot enumerate this model: " \
           "constant 'MAX' is symbolic" in err
    assert "Traceback" not in err


def test_a_model_without_properties_says_so(tmp_path, capsys):
    code, r = check(tmp_path, capsys, COUNTER, "--no-deadlock")
    assert code == 0 and found(r) == [] and vacuity_notes(r) == [
        "vacuity: not examined: the model has no invariant, temporal or determinism property"]


def test_a_model_without_cases_says_so(tmp_path, capsys):
    _, r = check(tmp_path, capsys, COUNTER + "invariant Small: x <= 4\n", "--no-deadlock")
    assert found(r) == [] and vacuity_notes(r) == [
        "vacuity: the properties that held have no case to examine (no `implies`, `forall`, `leads_to`, "
        "`deterministic` or `commute`)"]


def test_the_reference_example(tmp_path, capsys):
    doc = (ROOT / "docs" / "language.md").read_text()
    start = doc.index("```sync holds\nmodel Withdrawals\n")
    text = doc[start:].split("\n", 1)[1].split("```", 1)[0]
    _, r = check(tmp_path, capsys, text, "--no-deadlock")
    assert [c for c, _ in codes(r)] == ["W202", "W201"]
    assert all(p["verdict"] == "holds" for p in r["properties"])


# ---- the shipped models -------------------------------------------------------------------------

def correct_models() -> list[Path]:
    """The shipped models whose properties hold and that the explicit engine can enumerate."""
    out = []
    for p in sorted(MODELS.glob("*.sync")):
        if "broken" in p.name or engines.EXPLICIT.obstacles(load(str(p), [])):
            continue
        out.append(p)
    return out


@pytest.mark.slow
def test_the_shipped_correct_models_are_not_vacuous():
    # about 9 s in all. None is vacuous; a model listed here would need the reason.
    explained: dict[str, list[str]] = {}
    seen: dict[str, list[str]] = {}
    cases = 0
    for path in correct_models():
        model = load(str(path), [])
        result = engines.run(model, "explicit", CheckRequest())
        assert result.verdict is Verdict.HOLDS, path.name
        cases += len(vacuity.obligations(model, vacuity.holding(result)))
        warnings, notes = vacuity.analyse(model, result, lambda m: engines.run(
            m, "explicit", CheckRequest(deadlock=False, stop_at_first=False)))
        seen[path.name] = [w.split("]", 1)[0].rsplit("[", 1)[-1] for w in warnings]
        assert not any("not examined" in n for n in notes), (path.name, notes)
    assert len(seen) >= 18 and cases >= 100   # 111 cases examined today
    assert {k: v for k, v in seen.items() if v} == explained
