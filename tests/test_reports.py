"""The report formats, validated against the schemas their readers use, and read for what they say.

SARIF against the official SARIF 2.1.0 JSON Schema (OASIS, errata 01), JUnit
against Jenkins' junit-10.xsd (what Jenkins, GitLab and the GitHub
test-report actions read), both vendored in tests/data/; our JSON against
docs/schema/. Then what a reader needs from each: the violated property's
line, one test case per property, the trace, the diagram.
"""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET
from html.parser import HTMLParser

import jsonschema
import pytest
import xmlschema
from referencing import Registry, Resource

from checker.reports.formats import render
from checker.reports.formats.jsonfmt import run_json
from checker.reports.formats.markdown import render_markdown
from checker.reports.formats.sarif import sarif_log
from checker.reports.console import result_json
from checker.core.result import Trace, TraceStep
from report_helpers import DATA, ROOT, entries, run_of, single

SARIF_SCHEMA = json.loads((DATA / "sarif-schema-2.1.0.json").read_text())
JUNIT_XSD = xmlschema.XMLSchema(str(DATA / "junit-10.xsd"))
RESULT_SCHEMA = json.loads((ROOT / "docs" / "schema" / "result-1.json").read_text())
RUN_SCHEMA = json.loads((ROOT / "docs" / "schema" / "run-1.json").read_text())


def _registry() -> Registry:
    return Registry().with_resources([(s["$id"], Resource.from_contents(s)) for s in (RESULT_SCHEMA, RUN_SCHEMA)])


# ---- SARIF ----------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def sarif():
    return sarif_log(run_of(), base=ROOT)


def test_sarif_is_valid_against_the_official_schema(sarif):
    jsonschema.Draft4Validator.check_schema(SARIF_SCHEMA)
    errors = sorted(jsonschema.Draft4Validator(SARIF_SCHEMA, format_checker=jsonschema.FormatChecker())
                    .iter_errors(sarif), key=str)
    assert not errors, "\n".join(f"{list(e.absolute_path)}: {e.message}" for e in errors[:10])


def test_sarif_from_the_command_is_valid_json_too():
    text = render("sarif", single("violated"))
    jsonschema.validate(json.loads(text), SARIF_SCHEMA, cls=jsonschema.Draft4Validator)


def _results(sarif, check: str) -> list[dict]:
    return [r for r in sarif["runs"][0]["results"] if r["properties"]["check"] == check]


def _region(result) -> tuple[str, int, int]:
    return _where(result["locations"][0])


def _where(location) -> tuple[str, int, int]:
    loc = location["physicalLocation"]
    return loc["artifactLocation"]["uri"], loc["region"]["startLine"], loc["region"]["startColumn"]


def test_sarif_result_points_at_the_violated_property(sarif):
    [res] = _results(sarif, "two_phase_commit_broken")
    assert res["ruleId"] == "syncproof/invariant" and res["level"] == "error"
    assert _region(res) == ("models/two_phase_commit_broken.sync", 86, 1)
    assert res["locations"][0]["physicalLocation"]["artifactLocation"]["uriBaseId"] == "%SRCROOT%"
    text = res["message"]["text"]
    assert "Consistent" in text and "RMPrepare(r=r1)" in text and "RMRcvCommitMsg(r=r3)" in text
    assert "counterexamples/two_phase_commit_broken.Consistent.itf.json" in text
    rules = sarif["runs"][0]["tool"]["driver"]["rules"]
    assert rules[res["ruleIndex"]]["id"] == res["ruleId"]
    assert "suppressions" not in res


def test_sarif_code_flow_is_the_trace(sarif):
    [res] = _results(sarif, "two_phase_commit_broken")
    steps = res["codeFlows"][0]["threadFlows"][0]["locations"]
    assert len(steps) == 6  # the initial state and five steps
    assert [s["location"]["message"]["text"] for s in steps][1] == "state 1: RMPrepare(r=r1)"
    # each step is at the declaration of its action, with the values that changed
    assert _where(steps[1]["location"])[1] == ROOT.joinpath("models/two_phase_commit_broken.sync").read_text() \
        .splitlines().index("action RMPrepare(r: RM) {") + 1
    assert steps[3]["state"] == {"tm_state": {"text": "committed"}, "msgs": {"text": "{Prepared(r1), Commit}"}}
    assert "danger" in steps[-1]["kinds"]


def test_sarif_expected_violation_is_suppressed(sarif):
    [res] = _results(sarif, "two_phase_commit_broken[expected]")
    assert res["suppressions"][0]["kind"] == "external"


def test_sarif_other_outcomes_have_locations(sarif):
    [inc] = [r for r in _results(sarif, "two_phase_commit[limit]") if "Consistent" in r["message"]["text"]]
    assert inc["ruleId"] == "syncproof/inconclusive" and inc["level"] == "warning"
    assert _region(inc)[0] == "models/two_phase_commit.sync"
    [rt] = _results(sarif, "overflow")
    assert rt["ruleId"] == "syncproof/runtime" and _region(rt)[1:] == (4, 17)
    assert "storing into x: 3 is outside 0..2. Counterexample of 3 steps: Up → Up → Up (fails)" in rt["message"]["text"]
    [dl] = _results(sarif, "stuck")
    assert dl["ruleId"] == "syncproof/deadlock" and _region(dl)[1] == 1  # the model declaration
    [bad] = _results(sarif, "bad")
    assert bad["ruleId"] == "syncproof/bad-input" and _region(bad)[1] == 4
    [lasso] = _results(sarif, "settlement_lock_broken")
    assert lasso["ruleId"] == "syncproof/temporal" and "repeats for ever" in lasso["message"]["text"]
    assert not _results(sarif, "counter")  # a model that holds has no result
    inv = sarif["runs"][0]["invocations"][0]
    assert inv["executionSuccessful"] is True and inv["exitCode"] == 2


def test_sarif_fingerprints_are_stable_and_distinct(sarif):
    again = sarif_log(run_of(), base=ROOT)
    fps = [r["partialFingerprints"]["syncproofCheck/v1"] for r in sarif["runs"][0]["results"]]
    assert fps == [r["partialFingerprints"]["syncproofCheck/v1"] for r in again["runs"][0]["results"]]
    assert len(set(fps)) == len(fps)


# ---- JUnit ----------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def junit():
    return render("junit", run_of())


def test_junit_is_valid_against_the_ci_schema(junit):
    JUNIT_XSD.validate(junit)


def test_junit_structure_is_what_ci_readers_count(junit):
    root = ET.fromstring(junit)
    assert root.tag == "testsuites"
    suites = root.findall("testsuite")
    assert [s.get("name") for s in suites] == [e.name for e in entries().values()]
    total = {"tests": 0, "failures": 0, "errors": 0}
    for s in suites:
        cases = s.findall("testcase")
        counts = {"tests": len(cases), "failures": len(s.findall("testcase/failure")),
                  "errors": len(s.findall("testcase/error")), "skipped": len(s.findall("testcase/skipped"))}
        assert {k: int(s.get(k)) for k in counts} == counts, s.get("name")
        for c in cases:
            assert c.get("name") and c.get("classname") == f"syncproof.{s.get('name')}"
            assert re.fullmatch(r"\d+\.\d{3}", c.get("time"))
        assert re.fullmatch(r"\d+\.\d{3}", s.get("time"))
        for k in total:
            total[k] += counts[k]
    assert {k: int(root.get(k)) for k in total} == total


def _case(junit, suite: str, name: str):
    root = ET.fromstring(junit)
    return root.find(f"testsuite[@name='{suite}']/testcase[@name='{name}']")


def test_junit_one_case_per_property_and_the_trace_as_failure(junit):
    suite = ET.fromstring(junit).find("testsuite[@name='two_phase_commit_broken']")
    assert [c.get("name") for c in suite.findall("testcase")] == [
        "Consistent", "TypeOK", "DecisionSent", "PreparedIsReal", "CommitFollowsTM", "EveryRMDecides", "deadlock",
        "runtime"]
    failure = _case(junit, "two_phase_commit_broken", "Consistent").find("failure")
    assert failure.get("type") == "invariant" and failure.get("message") == "invariant Consistent is violated"
    body = failure.text
    assert body.startswith("at ") and "two_phase_commit_broken.sync:86:1" in body.splitlines()[0]
    assert "RMChooseToAbort(r=r2)" in body and "rm_state" in body and "in the last state" in body
    assert _case(junit, "two_phase_commit_broken", "TypeOK").find("skipped") is not None
    props = {p.get("name"): p.get("value") for p in suite.find("properties")}
    assert props["constant.RM"] == "{r1, r2, r3}" and props["engine"] == "explicit"


def test_junit_other_outcomes(junit):
    assert _case(junit, "two_phase_commit_broken[expected]", "Consistent").find("failure") is None
    assert "as the configuration expects" in _case(junit, "two_phase_commit_broken[expected]",
                                                   "Consistent").find("system-out").text
    assert _case(junit, "counter", "Small").find("*") is None  # passed: no child
    assert _case(junit, "two_phase_commit[limit]", "Consistent").find("error").get("type") == "inconclusive"
    assert _case(junit, "bad", "(load)").find("error").get("type") == "bad-input"
    assert "then Up fails" in _case(junit, "overflow", "runtime").find("failure").text


# ---- JSON -----------------------------------------------------------------------------------

def test_result_json_of_every_outcome_matches_its_schema():
    validator = jsonschema.Draft202012Validator(RESULT_SCHEMA)
    for name, e in entries().items():
        if e.result is not None:
            errors = list(validator.iter_errors(json.loads(json.dumps(result_json(e.result)))))
            assert not errors, f"{name}: {errors[0].message} at {list(errors[0].absolute_path)}"


def test_run_json_matches_its_schema():
    doc = json.loads(json.dumps(run_json(run_of())))
    jsonschema.Draft202012Validator(RUN_SCHEMA, registry=_registry()).validate(doc)
    assert doc["exit_code"] == 2 and doc["verdict"] == "failed"
    assert doc["summary"]["checks"] == len(entries())
    bad = next(x for x in doc["entries"] if x["name"] == "bad")
    assert bad["outcome"] == "error" and bad["result"] is None and bad["errors"][0]["where"] == "bad.sync:4:17"


def test_check_json_is_result_1_and_ci_json_is_run_1():
    assert json.loads(render("json", single("violated")))["schema"] == "syncproof.result/1"
    assert json.loads(render("json", run_of("holds")))["schema"] == "syncproof.run/1"


# ---- Markdown -------------------------------------------------------------------------------

def test_markdown_summary_and_counterexample():
    md = render_markdown(run_of("violated", "holds", "expected"))
    assert md.startswith("## ❌ syncproof: 1 of 3 checks failed")
    assert "| ✅ | counter | explicit | holds | 3 of 3 hold |" in md
    assert "#### Counterexample: Consistent (invariant)" in md
    assert "| # | action | rm_state | tm_state | tm_prepared | msgs |" in md
    assert "| 3 | TMCommit | {r1: prepared, r2: working, r3: working} | **committed** | {r1} | " \
           "{Prepared(r1), **Commit**} |" in md
    assert "86 | invariant Consistent:" in md
    assert "```mermaid\nsequenceDiagram" in md
    assert "<details open>" in md and "<details><summary>5 steps (expected)" in md


def test_markdown_escapes_what_tables_would_read_as_markup():
    from checker.reports.formats.markdown import esc
    assert esc("a|b") == r"a\|b" and esc("x * y") == r"x \* y" and esc("rm_state") == "rm_state"
    assert esc("_x_") == r"\_x\_" and esc("[a]") == r"\[a\]"


def test_markdown_long_trace_keeps_its_ends():
    from checker.reports.formats.markdown import _table
    steps = [TraceStep({"x": i}, None if i == 0 else "Up") for i in range(100)]
    rows = _table(Trace("M", "P", "invariant", steps))
    assert rows[2].startswith("| 0 |") and rows[-1].startswith("| 99 |")
    assert any("60 steps left out" in r for r in rows) and len(rows) == 2 + 10 + 1 + 30


def test_markdown_fits_in_a_comment():
    from checker.reports.formats import markdown
    old = markdown.LIMIT
    try:
        markdown.LIMIT = 3000
        md = render_markdown(run_of("violated", "lasso"))
    finally:
        markdown.LIMIT = old
    assert len(md) <= 3000 + 80 and "left out to fit in a comment" in md


# ---- HTML -----------------------------------------------------------------------------------

class _Refs(HTMLParser):
    def __init__(self):
        super().__init__()
        self.refs, self.tags, self.meta = [], [], {}

    def handle_starttag(self, tag, attrs):
        self.tags.append(tag)
        a = dict(attrs)
        for key in ("src", "href", "xlink:href", "data", "action"):
            if key in a:
                self.refs.append(a[key])
        if tag == "meta" and a.get("http-equiv"):
            self.meta[a["http-equiv"]] = a.get("content")


def test_html_needs_no_network():
    page = render("html", run_of())
    p = _Refs()
    p.feed(page)
    assert all(r.startswith("#") for r in p.refs), [r for r in p.refs if not r.startswith("#")]
    assert "link" not in p.tags and "iframe" not in p.tags and "img" not in p.tags
    assert "default-src 'none'" in p.meta["Content-Security-Policy"]
    assert not re.search(r"url\((?!#)", page) and "@import" not in page and "http://" not in page.replace(
        "http://www.w3.org/2000/svg", "")


def test_html_shows_checks_statistics_and_traces():
    page = render("html", run_of("violated", "holds", "lasso"))
    assert page.count('<section class="check') == 3
    assert "distinct states</span> 63" in page
    assert 'id="cx-0-Consistent-trace"' in page
    row = re.search(r'<tr data-step="3">(.*?)</tr>', page).group(1)
    assert '<span class="c">committed</span>' in row and '<span class="a">Commit</span>' in row
    assert '<tr data-step="2" class="loop">' in page or "⟳" in page  # the lasso's loop state is marked
    assert page.count("<svg") == 1  # only two-phase commit passes messages


def test_html_escapes_model_text():
    e = entries()["holds"]
    from checker.project.runs import Entry, Run
    evil = Entry("<script>alert(1)</script>", "x.sync", "explicit", result=e.result, model=e.model)
    page = render("html", Run([evil]))
    assert "<script>alert(1)</script>" not in page and "&lt;script&gt;" in page


def test_text_summary_of_a_ci_run():
    text = render("text", run_of("violated", "holds", "expected", "error"))
    assert "FAILED — 2 of 4: two_phase_commit_broken, bad (exit 2)" in text
    assert re.search(r"ok\s+two_phase_commit_broken\[expected\]\s+explicit\s+violated \(expected\)", text)
    assert "counterexample for Consistent" in text and "error[E1" in text


def test_markdown_facts_of_a_symbolic_run_count_queries_not_states():
    from checker.reports.formats.common import stats_line
    from checker.project.runs import Entry
    from checker.engines.symbolic import SymbolicOptions
    from checker.engines.symbolic import check as symbolic_check
    from spec.loader import load
    model = load(ROOT / "models/two_phase_commit_broken.sync")
    result = symbolic_check(model, "bmc", SymbolicOptions(depth=5, rlimit=40_000_000))
    line = stats_line(Entry("2pc", "two_phase_commit_broken.sync", "bmc", result=result, model=model))
    assert re.fullmatch(r"z3: depth 5 · \d+ queries · \d+\.\d\d s", line), line
    explicit = stats_line(entries()["violated"])
    assert re.fullmatch(r"\d+ states · [\d,]+ transitions · depth 5 · \d+\.\d\d s", explicit), explicit
