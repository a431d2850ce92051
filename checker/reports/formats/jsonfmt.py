"""JSON: `syncproof.result/1` for one check, `syncproof.run/1` for a ci run.

Both are versioned and described by JSON Schemas in docs/schema/; a test
validates real output against them and a snapshot test fails when the
schemas or the exit codes change by accident. Fields are only ever added
within a version; renaming, removing or changing the meaning of one makes
a new version (result/2).
"""

from __future__ import annotations

import json

from checker import __version__
from checker.reports.console import result_json
from checker.project.runs import Entry, Run

RUN_SCHEMA = "syncproof.run/1"


def render_json(run: Run) -> str:
    if run.command != "ci" and len(run.entries) == 1 and run.entries[0].result is not None:
        return json.dumps(result_json(run.entries[0].result), indent=2) + "\n"
    return json.dumps(run_json(run), indent=2) + "\n"


def run_json(run: Run) -> dict:
    return {
        "schema": RUN_SCHEMA,
        "tool": {"name": "syncproof", "version": __version__},
        "verdict": "passed" if run.passed else "failed",
        "exit_code": run.exit_code,
        "config": run.config,
        "started": run.started.isoformat(timespec="seconds"),
        "seconds": round(run.seconds, 6),
        "summary": run.counts(),
        "entries": [entry_json(e) for e in run.entries],
    }


def entry_json(e: Entry) -> dict:
    return {
        "name": e.name,
        "path": e.path,
        "engine": e.engine,
        "constants": dict(e.constants),
        "expect": {"verdict": e.expect.verdict, "violated": list(e.expect.violated)},
        "outcome": e.outcome,
        "passed": e.passed,
        "exit_code": e.exit_code,
        "seconds": round(e.seconds, 6),
        "result": result_json(e.result) if e.result is not None else None,
        "errors": [diagnostic_json(d) for d in e.errors] + ([{"code": "internal", "message": e.crash, "where": None,
                                                               "help": None}] if e.crash else []),
        **({"mutation": e.mutation} if e.min_score is not None else {}),
    }


def diagnostic_json(d) -> dict:
    return {"code": d.code, "message": d.message, "where": d.span.where if d.span else None, "help": d.help}
