"""SARIF 2.1.0: violations as code-scanning results on the line of the violated property.

One rule per kind of property (invariant, deadlock, runtime, temporal, ...)
plus `inconclusive`, `bad-input` and `internal-error`. A violation is a
result at the property's `file:line:col` (deadlock: the model declaration;
run-time errors: the failing construct) whose code flow is the trace: one
location per step, at the declaration of the action taken, with the values
that changed as the location's `state`. Violations that the configuration
expects (`expect = "violated"`) are reported with an external suppression,
so code scanning lists them as dismissed rather than as new alerts.

Paths are relative to `%SRCROOT%` (the configuration's directory for ci, the
current directory for check), which `originalUriBaseIds` records; GitHub
resolves them against the checkout. `partialFingerprints` identify a result
by model, property and engine, so an alert survives lines moving.
"""

from __future__ import annotations

import datetime as _dt
import hashlib
import json
from pathlib import Path

from spec import values as V

from checker import __version__
from checker.core.kinds import Kind
from checker.core.result import Verdict
from checker.project.runs import Entry, Run
from checker.reports.formats.common import KIND_TITLES, action_where, model_where, parse_where, property_where, skipped_by_stop
from checker.reports.formats.tracerows import report_path
from checker.reports.steps import step_label

SCHEMA_URI = "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"
INFO_URI = "https://github.com/syncproof/syncproof#readme"
BASE = "%SRCROOT%"

RULE_TEXT = {
    Kind.INVARIANT: ("An invariant is violated in a reachable state.",
                  "Every reachable state must satisfy the invariant; the trace is a shortest behaviour "
                  "that reaches a state where it is false."),
    Kind.CONVERGE: ("Replicas that agree on their inputs disagree on their state.",
                 "The convergence property fails: the trace ends in a state with two diverging replicas."),
    Kind.STEP: ("A step property is violated by a reachable transition.",
             "Every step (before and after states) must satisfy the step property; the trace is a shortest "
             "behaviour whose last step breaks it."),
    Kind.DEADLOCK: ("A reachable state has no enabled action.",
                 "The trace reaches a state in which no action can take a step. Add the missing action, "
                 "or check with deadlock = false if the model is meant to stop."),
    Kind.RUNTIME: ("A run-time error: an integer out of range, a division by zero, a failed assert, ...",
                "An action fails in a reachable state: the trace reaches it and the last step fails."),
    Kind.TEMPORAL: ("A temporal property (always, eventually, leads_to) is violated.",
                 "The trace is a lasso: a prefix and a loop that repeats for ever without the property "
                 "being satisfied, under the declared fairness."),
    Kind.DETERMINISM: ("An action declared deterministic is not a function of state and input.",
                    "The trace reaches a state where the same action instance has two different results."),
    Kind.COMMUTE: ("Two actions declared to commute do not.",
                "The trace reaches a state where the two orders of the actions give different states."),
    "inconclusive": ("A property was not decided.",
                     "A limit (states, depth, time) was reached before the engine could decide the property; "
                     "raise the limit or use another engine."),
    "bad-input": ("The model does not load.",
                  "A syntax, name or type error in the model, or a bad constant."),
    "expectation": ("A check does not give the verdict the configuration expects.",
                    "The configuration expects a violation (expect = \"violated\" or violates = [...]) and the "
                    "check found none, or other ones."),
    "mutation-score": ("The mutation score is below the configured minimum.",
                       "Too many faults planted in the model (syncproof mutate) are caught by no property: add "
                       "the properties that the surviving mutants show are missing."),
    "internal-error": ("syncproof failed.", "An internal error in syncproof: please report it."),
}


def render_sarif(run: Run, base: Path | None = None) -> str:
    return json.dumps(sarif_log(run, base), indent=2) + "\n"


def sarif_log(run: Run, base: Path | None = None) -> dict:
    base = (base or (Path(run.config).resolve().parent if run.config else Path.cwd())).resolve()
    rules: list[dict] = []
    index: dict[str, int] = {}
    results: list[dict] = []

    def rule(kind: str) -> tuple[str, int]:
        rid = f"syncproof/{kind}"
        if rid not in index:
            short, full = RULE_TEXT.get(kind, (f"A {kind} property is violated.", f"The {kind} property fails."))
            index[rid] = len(rules)
            rules.append({"id": rid, "name": _camel(kind), "shortDescription": {"text": short},
                          "fullDescription": {"text": full}, "helpUri": INFO_URI,
                          "defaultConfiguration": {"level": "warning" if kind == "inconclusive" else "error"},
                          "properties": {"tags": ["verification", "model-checking"]}})
        return rid, index[rid]

    for entry in run.entries:
        results += _entry_results(entry, rule, base)
    end = run.started + _dt.timedelta(seconds=run.seconds)
    sarif_run = {
        "tool": {"driver": {"name": "syncproof", "version": __version__, "semanticVersion": __version__,
                            "informationUri": INFO_URI, "rules": rules}},
        "invocations": [{"executionSuccessful": not any(e.crash for e in run.entries),
                         "exitCode": run.exit_code,
                         "startTimeUtc": _utc(run.started), "endTimeUtc": _utc(end)}],
        "originalUriBaseIds": {BASE: {"uri": base.as_uri() + "/"}},
        "results": results,
        "columnKind": "unicodeCodePoints",
        "properties": {"checks": [{"name": e.name, "path": e.path, "engine": e.engine, "outcome": e.outcome,
                                   "passed": e.passed} for e in run.entries]},
    }
    return {"$schema": SCHEMA_URI, "version": "2.1.0", "runs": [sarif_run]}


def _utc(t) -> str:
    return t.strftime("%Y-%m-%dT%H:%M:%S.") + f"{t.microsecond // 1000:03d}Z"


def _camel(kind: str) -> str:
    return "".join(w.capitalize() for w in kind.replace("-", " ").split())


def _entry_results(entry: Entry, rule, base: Path) -> list[dict]:
    out = []
    for d in entry.errors:
        rid, k = rule("bad-input")
        where = d.span.where if d.span else f"{entry.path}:1:1"
        text = d.message + (f" ({d.help})" if d.help else "")
        out.append(_result(rid, k, "error", f"{entry.name}: error[{d.code}]: {text}", where, base, entry,
                           f"bad-input:{d.code}"))
    if entry.crash:
        rid, k = rule("internal-error")
        out.append(_result(rid, k, "error", f"{entry.name}: internal error: {entry.crash}", model_where(entry), base,
                           entry, "internal"))
    r = entry.result
    if r is None:
        return out
    for p in r.properties:
        if p.verdict is Verdict.VIOLATED:
            rid, k = rule(p.kind)
            res = _result(rid, k, "error", _violation_text(entry, p, base), property_where(entry, p), base, entry,
                          p.name)
            if p.trace is not None and p.trace.steps:
                res["codeFlows"] = [_code_flow(entry, p, base)]
            if p.trace_path:
                res["properties"]["trace"] = report_path(p.trace_path, base)
            if entry.property_expected(p):
                res["suppressions"] = [{"kind": "external", "status": "accepted",
                                        "justification": f"the configuration expects this violation "
                                                         f"(expect: {entry.expect.describe()})"}]
            out.append(res)
        elif p.verdict is Verdict.INCONCLUSIVE and not skipped_by_stop(entry, p):
            rid, k = rule("inconclusive")
            res = _result(rid, k, "warning", f"{entry.name}: {KIND_TITLES.get(p.kind, p.kind)} {p.name} was not "
                          f"decided: {p.message or r.reason}", property_where(entry, p), base, entry,
                          f"open:{p.name}")
            if entry.passed:
                res["suppressions"] = [{"kind": "external", "status": "accepted",
                                        "justification": "the configuration expects an inconclusive verdict"}]
            out.append(res)
    missing = [n for n in entry.expect.violated if n not in {p.name for p in r.violated}]
    if not entry.passed and not entry.errors and (missing or (r.verdict is Verdict.HOLDS
                                                             and not entry.expect.is_default)):
        rid, k = rule("expectation")
        what = f"{', '.join(missing)} {'is' if len(missing) == 1 else 'are'} not violated" if missing \
            else "every property holds"
        out.append(_result(rid, k, "error", f"{entry.name}: {what}, but the configuration expects "
                           f"{entry.expect.describe()}", model_where(entry), base, entry, "expectation"))
    if entry.min_score is not None and entry.mutation is not None and not entry.mutation_passed:
        rid, k = rule("mutation-score")
        out.append(_result(rid, k, "error", f"{entry.name}: {entry.mutation_text()}: the configuration asks for a "
                           f"mutation score of at least {entry.min_score:g}% (syncproof mutate {entry.path} --format "
                           "sarif shows each surviving mutant on its line)", model_where(entry), base, entry,
                           "mutation-score"))
    return out


def _violation_text(entry: Entry, p, base: Path) -> str:
    t = p.trace
    steps = ""
    if t is not None:
        labels = [step_label(s) for s in t.steps[1:]]
        if t.error_step is not None:
            labels.append(step_label(t.error_step) + " (fails)")
        shown = labels if len(labels) <= 12 else labels[:5] + [f"… {len(labels) - 10} more …"] + labels[-5:]
        steps = f" Counterexample of {t.length} step{'s' if t.length != 1 else ''}"
        steps += (": " + " → ".join(shown) + "." if shown else ": the initial state.")
        if t.loop is not None:
            steps += f" From state {t.loop} the behaviour repeats for ever."
    consts = ", ".join(f"{k} = {V.show(v)}" for k, v in (entry.result.constants if entry.result else {}).items())
    where = f" Model {entry.result.model if entry.result else entry.name} ({entry.path}), {entry.engine} engine"
    where += f", constants {consts}." if consts else "."
    trace = f" Trace: {report_path(p.trace_path, base)}." if p.trace_path else ""
    what = (p.message or f"{p.name} is violated").rstrip(".")
    return f"{entry.name}: {what}.{steps}{where}{trace}"


def _code_flow(entry: Entry, p, base: Path) -> dict:
    t = p.trace
    locations = []
    prev = None
    for i, step in enumerate(t.steps):
        where = action_where(entry, step.action) if step.action else model_where(entry)
        where = where or property_where(entry, p)
        changed = {k: v for k, v in step.state.items() if prev is None or prev.get(k) != v}
        text = f"state {i}: {step_label(step)}"
        if t.loop is not None and i == t.loop:
            text += " (the loop returns here)"
        loc = {"location": {**_location(where, base), "message": {"text": text}},
               "state": {k: {"text": V.show(v)} for k, v in changed.items()},
               "executionOrder": i, "nestingLevel": 0}
        if step.action is None:
            loc["kinds"] = ["enter"]
        locations.append(loc)
        prev = step.state
    if t.error_step is not None:
        locations.append({"location": {**_location(p.where or property_where(entry, p), base),
                                       "message": {"text": f"{step_label(t.error_step)} fails: {t.message}"}},
                          "kinds": ["danger"], "executionOrder": len(t.steps), "nestingLevel": 0})
    locations[-1].setdefault("kinds", [])
    if "danger" not in locations[-1]["kinds"]:
        locations[-1]["kinds"].append("danger")
    return {"message": {"text": f"counterexample for {p.name}: {t.length} steps"},
            "threadFlows": [{"locations": locations}]}


def _result(rid: str, k: int, level: str, text: str, where: str, base: Path, entry: Entry, key: str) -> dict:
    fp = hashlib.sha256(f"{entry.path}\0{entry.name}\0{entry.engine}\0{key}".encode()).hexdigest()[:32]
    return {"ruleId": rid, "ruleIndex": k, "level": level, "kind": "fail", "message": {"text": text},
            "locations": [_location(where, base)],
            "partialFingerprints": {"syncproofCheck/v1": fp},
            "properties": {"check": entry.name, "engine": entry.engine}}


def _location(where: str, base: Path) -> dict:
    parsed = parse_where(where)
    if parsed is None:
        return {"physicalLocation": {"artifactLocation": {"uri": where}}}
    path, line, col = parsed
    artifact = _artifact(path, base)
    return {"physicalLocation": {"artifactLocation": artifact,
                                 "region": {"startLine": max(1, line), "startColumn": max(1, col)}}}


location = _location   # for the mutation report (checker.reports.mutation)


def _artifact(path: str, base: Path) -> dict:
    p = Path(path)
    full = (p if p.is_absolute() else Path.cwd() / p).resolve()
    try:
        rel = full.relative_to(base)
    except ValueError:
        return {"uri": full.as_uri()}
    return {"uri": rel.as_posix(), "uriBaseId": BASE}
