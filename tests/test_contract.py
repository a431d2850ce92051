"""The contract with CI pipelines: exit codes and the JSON schemas, pinned by a snapshot.

tests/data/contract.json records the exit codes, the schema versions, a hash
of each schema in docs/schema/ and every field that real JSON output has.
Any change to them fails here. If the change is deliberate: adding a field
is compatible (add it to the schema too); removing, renaming or changing
the meaning of one needs a new version (result/2, run/2). Then regenerate
the snapshot with

    SYNCPROOF_UPDATE_SNAPSHOT=1 pytest tests/test_contract.py

and say so in the change log / review.
"""

from __future__ import annotations

import hashlib
import json
import os
import re

import pytest

from checker.cli.main import main
from checker.core import exits
from checker.reports.formats.jsonfmt import RUN_SCHEMA, run_json
from checker.reports.console import SCHEMA as RESULT_SCHEMA
from checker.reports.console import result_json
from report_helpers import COUNTER, DATA, MODELS, ROOT, entries, run_of

SNAPSHOT = DATA / "contract.json"
SCHEMAS = ("result-1.json", "run-1.json", "mutate-1.json")


def _fields(value, prefix: str = "") -> set[str]:
    """Every key path in a JSON value: 'stats.depth', 'properties[].name', ..."""
    out = set()
    if isinstance(value, dict):
        for k, v in value.items():
            if prefix.endswith(("constants", "actions", "solver", "symbolic_constants")):
                continue  # keys that are the model's names, not fields
            path = f"{prefix}.{k}" if prefix else k
            out.add(path)
            out |= _fields(v, path)
    elif isinstance(value, list):
        for v in value:
            out |= _fields(v, prefix + "[]")
    return out


def _schema_hash(name: str) -> str:
    doc = json.loads((ROOT / "docs" / "schema" / name).read_text())
    return hashlib.sha256(json.dumps(doc, sort_keys=True, separators=(",", ":")).encode()).hexdigest()


def current() -> dict:
    results = [result_json(e.result) for e in entries().values() if e.result is not None]
    return {
        "exit_codes": {name: getattr(exits, name) for name in
                       ("EXIT_HOLDS", "EXIT_VIOLATED", "EXIT_BAD_INPUT", "EXIT_INCONCLUSIVE", "EXIT_INTERNAL")},
        "schema_versions": {"result": RESULT_SCHEMA, "run": RUN_SCHEMA},
        "schemas": {name: _schema_hash(name) for name in SCHEMAS},
        "result_fields": sorted(set().union(*(_fields(r) for r in results))),
        "run_fields": sorted(_fields(run_json(run_of()))),
    }


def test_the_contract_has_not_changed():
    now = current()
    if os.environ.get("SYNCPROOF_UPDATE_SNAPSHOT"):
        SNAPSHOT.write_text(json.dumps(now, indent=2) + "\n")
    pinned = json.loads(SNAPSHOT.read_text())
    for key in pinned:
        assert now[key] == pinned[key], (
            f"the {key.replace('_', ' ')} changed: CI pipelines and tools that read syncproof's output rely on "
            f"them. If this is deliberate, read this file's docstring (a removed or renamed field needs a new "
            f"schema version) and regenerate tests/data/contract.json.")
    assert set(now) == set(pinned)


def test_the_readme_documents_the_exit_codes():
    text = (ROOT / "README.md").read_text()
    section = text[text.index("### Exit codes"):]
    codes = [int(c) for c in re.findall(r"^\| (\d) \|", section[:section.index("\n\n", section.index("| ---"))],
                                        re.M)]
    assert codes == sorted(json.loads(SNAPSHOT.read_text())["exit_codes"].values())


@pytest.mark.parametrize("model, args, code", [
    (COUNTER, [], 0),
    ("model M\nvar x: 0..3\ninit { x = 0 }\naction Up { require x < 3  x = x + 1 }\ninvariant Low: x < 2\n", [], 1),
    ("model M\nvar x: 0..3\ninit { x = = 0 }\n", [], 2),
    (COUNTER, ["--max-states", "2"], 3),
])
def test_the_exit_codes_are_what_the_commands_return(tmp_path, capsys, model, args, code):
    path = tmp_path / "m.sync"
    path.write_text(model)
    assert main(["check", str(path), "--no-trace-file", "--format", "json", *args]) == code
    capsys.readouterr()


def test_ci_exits_with_the_most_serious_outcome():
    from checker.project.runs import Run
    e = entries()
    assert Run([e["holds"], e["inconclusive"]]).exit_code == 3
    assert Run([e["inconclusive"], e["violated"]]).exit_code == 1
    assert Run([e["violated"], e["error"]]).exit_code == 2
    assert Run([e["holds"], e["expected"]]).exit_code == 0
    assert MODELS.exists()
