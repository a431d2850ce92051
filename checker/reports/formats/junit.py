"""JUnit XML: a testsuite per check, a testcase per property; the trace is the failure's text.

The output follows the schema CI servers read (Jenkins' junit-10.xsd, which
GitLab, Azure Pipelines and the GitHub test-report actions accept too, and a
test validates against it): `testsuites` > `testsuite` (name, tests,
failures, errors, skipped, time, timestamp, hostname, file) > `properties`
and `testcase` (name, classname, time) > `failure`, `error`, `skipped`,
`system-out`. That schema has no file or line on a test case, so the
location (`file:line:col`) starts the failure text.

    violated property            <failure type="KIND" message="...">the trace, as the console prints it
    violated, and expected       passes; the trace goes to <system-out>
    open because the search      <skipped>: another property's violation stopped it first
      stopped at a violation
    inconclusive (a limit)       <error type="inconclusive">
    model does not load          one test case "(load)" with <error type="bad-input">
    expectation not met          one test case "(expectation)" with a <failure>

A test case's time is the check's time shared evenly between its properties
(engines check them together).
"""

from __future__ import annotations

import re
import socket
import xml.etree.ElementTree as ET

from spec import values as V

from checker.core.result import Verdict
from checker.project.runs import Entry, Run
from checker.reports.formats.common import KIND_TITLES, property_where, skipped_by_stop
from checker.reports.formats.tracerows import project_root, report_path, trace_text

_BAD_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def _clean(text: str) -> str:
    return _BAD_XML.sub("?", text)


def _time(seconds: float) -> str:
    return f"{max(0.0, seconds):.3f}"


def render_junit(run: Run) -> str:
    root = ET.Element("testsuites", name="syncproof")
    totals = {"tests": 0, "failures": 0, "errors": 0}
    host = socket.gethostname()
    for entry in run.entries:
        suite, counts = _suite(entry, run, host)
        root.append(suite)
        for k in totals:
            totals[k] += counts[k]
    root.set("tests", str(totals["tests"]))
    root.set("failures", str(totals["failures"]))
    root.set("errors", str(totals["errors"]))
    root.set("time", _time(run.seconds))
    ET.indent(root)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"


def _suite(entry: Entry, run: Run, host: str):
    suite = ET.Element("testsuite", name=entry.name)
    props = ET.SubElement(suite, "properties")
    for name, value in _properties(entry):
        ET.SubElement(props, "property", name=name, value=_clean(value))
    counts = {"tests": 0, "failures": 0, "errors": 0, "skipped": 0}
    classname = f"syncproof.{entry.name}"

    def case(name: str, seconds: float = 0.0) -> ET.Element:
        counts["tests"] += 1
        return ET.SubElement(suite, "testcase", name=name, classname=classname, time=_time(seconds))

    def mark(tc, tag: str, kind: str, message: str, body: str | None = None):
        counts[{"failure": "failures", "error": "errors", "skipped": "skipped"}[tag]] += 1
        el = ET.SubElement(tc, tag, type=kind, message=_clean(message))
        if body:
            el.text = _clean(body)

    if entry.errors or entry.crash:
        tc = case("(load)" if entry.errors else "(check)", entry.seconds)
        if entry.errors:
            mark(tc, "error", "bad-input", entry.errors[0].message, "\n\n".join(d.render() for d in entry.errors))
        else:
            mark(tc, "error", "internal-error", entry.crash or "", entry.crash)
    r = entry.result
    if r is not None:
        share = entry.seconds / max(1, len(r.properties))
        for p in r.properties:
            tc = case(p.name, share)
            where = property_where(entry, p)
            kind = KIND_TITLES.get(p.kind, p.kind)
            if p.verdict is Verdict.VIOLATED:
                shown = report_path(p.trace_path, project_root(run))
                body = f"at {where}\n" + (trace_text(p.trace, entry.sources, shown) if p.trace else p.message)
                if entry.property_expected(p):
                    out = ET.SubElement(tc, "system-out")
                    out.text = _clean(f"violated, as the configuration expects "
                                      f"({entry.expect.describe()})\n{body}")
                else:
                    mark(tc, "failure", p.kind, p.message or f"{kind} {p.name} is violated", body)
            elif p.verdict is Verdict.INCONCLUSIVE:
                if skipped_by_stop(entry, p):
                    mark(tc, "skipped", "not-checked", p.message or "not decided")
                elif not entry.passed:
                    mark(tc, "error", "inconclusive", p.message or r.reason, f"at {where}\n{p.message or r.reason}")
                else:
                    out = ET.SubElement(tc, "system-out")
                    out.text = _clean(f"inconclusive, as the configuration expects: {p.message or r.reason}")
        missing = [n for n in entry.expect.violated if n not in {p.name for p in r.violated}]
        if not entry.passed and (missing or (r.verdict is Verdict.HOLDS and not entry.expect.is_default)):
            tc = case("(expectation)")
            what = f"{', '.join(missing)} not violated" if missing else "every property holds"
            mark(tc, "failure", "expectation", f"{what}, but the configuration expects {entry.expect.describe()}")
    if entry.min_score is not None and entry.mutation is not None:
        tc = case("(mutation)")
        if not entry.mutation_passed:
            mark(tc, "failure", "mutation-score", f"{entry.mutation_text()}: the configuration asks for a "
                 f"mutation score of at least {entry.min_score:g}% (syncproof mutate {entry.path} lists the "
                 "surviving mutants)")
    for key in ("tests", "failures", "errors", "skipped"):
        suite.set(key, str(counts[key]))
    suite.set("time", _time(entry.seconds))
    suite.set("timestamp", run.started.strftime("%Y-%m-%dT%H:%M:%S"))
    suite.set("hostname", host)
    suite.set("file", entry.path)
    return suite, counts


def _properties(entry: Entry) -> list[tuple[str, str]]:
    out = [("path", entry.path), ("engine", entry.engine), ("outcome", entry.outcome),
           ("expect", entry.expect.describe())]
    r = entry.result
    if r is not None:
        out.append(("model", r.model))
        out += [(f"constant.{k}", V.show(v)) for k, v in r.constants.items()]
        out += [("how", r.how), ("distinct_states", str(r.stats.distinct_states)),
                ("transitions", str(r.stats.transitions)), ("depth", str(r.stats.depth))]
        if r.reason:
            out.append(("reason", r.reason))
    else:
        out += [(f"constant.{k}", v) for k, v in entry.constants.items()]
    return out
