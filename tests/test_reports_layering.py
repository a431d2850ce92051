"""The reports, conformance and trace commands after their layering (issue 12): the same bytes.

Every report format of a violated `check` and of a `ci` run with every outcome,
the conformance and determinism reports (console, JSON, ITF) of buggy
implementations and the output of `syncproof replay` are compared with golden
files written by the code before the layering (tests/golden/reports/). Times,
the version and the repository's directory, which vary, are fixed first. (The layering itself:
tests/test_architecture.py.)
"""

from __future__ import annotations

import dataclasses
import datetime as _dt
import hashlib
import io
import json
import tempfile
from pathlib import Path

import pytest

from checker import __version__
from checker.cli.main import main
from checker.conform.determinism import DeterminismOptions, check_determinism
from checker.conform.report import (conform_json, determinism_json, mismatch_document, print_conform,
                                    print_determinism, write_divergence)
from checker.conform.run import conform
from checker.project.runs import Run
from checker.reports.console import text_console
from checker.reports.formats import FORMATS, render
from examples.options_ledger_impl.adapter import EagerMarginCallAdapter, PositionsIndexAdapter
from report_helpers import ROOT, entries
from spec.loader import load

GOLDEN = Path(__file__).resolve().parent / "golden" / "reports"
STARTED = _dt.datetime(2026, 1, 2, 3, 4, 5, tzinfo=_dt.timezone.utc)
LARGE = 16_000   # a golden output longer than this is kept as its SHA-256


def _fixed_times(obj, seconds: float = 1.5):
    """A copy of a dataclass with every time (and speed) set to a constant, in its sections too."""
    changes = {f.name: seconds for f in dataclasses.fields(obj) if f.name.endswith(("seconds", "per_second"))}
    changes |= {f.name: _fixed_times(getattr(obj, f.name), seconds) for f in dataclasses.fields(obj)
                if dataclasses.is_dataclass(getattr(obj, f.name))}
    return dataclasses.replace(obj, **changes)


def _fixed_run(names: list[str], command: str) -> Run:
    out = []
    for name in names:
        e = entries()[name]
        result = e.result and dataclasses.replace(e.result, stats=_fixed_times(e.result.stats))
        out.append(dataclasses.replace(e, result=result, seconds=1.5))
    return Run(out, command=command, config="pyproject.toml" if command == "ci" else None, seconds=2.5,
               started=STARTED)


def _normal(text: str) -> str:
    """Without what depends on the installation: the version and the repository's directory."""
    return text.replace(__version__, "VERSION").replace(str(ROOT), "ROOT")


@pytest.fixture(scope="module")
def outputs() -> dict[str, str]:
    """name -> the output, from the repository root (where report paths are relative to)."""
    with pytest.MonkeyPatch.context() as mp:
        mp.chdir(ROOT)
        return rendered()


def rendered() -> dict[str, str]:
    out = {}
    check = _fixed_run(["violated"], "check")
    ci = _fixed_run(list(entries()), "ci")
    for fmt in FORMATS:
        out[f"check.{fmt}"] = render(fmt, check)
        out[f"ci.{fmt}"] = render(fmt, ci)
    out.update(_conformance())
    out.update(_determinism())
    return {name: _normal(text) for name, text in out.items()}


def _conformance() -> dict[str, str]:
    model = load(ROOT / "models" / "options_ledger.sync")
    result = _fixed_times(conform(model, EagerMarginCallAdapter, runs=100, seed=1))
    result.trace_path = "counterexamples/conformance/options_ledger.EagerMarginCallAdapter.conformance.itf.json"
    buf = io.StringIO()
    print_conform(result, text_console(buf), "reproduce: syncproof conform ...")
    doc = mismatch_document(result.mismatch, "models/options_ledger.sync", result.adapter)
    return {"conform.text": buf.getvalue(), "conform.json": json.dumps(conform_json(result), indent=2) + "\n",
            "conform.itf.json": json.dumps(doc, indent=2) + "\n"}


def _determinism() -> dict[str, str]:
    model = load(ROOT / "models" / "options_ledger.sync")
    impl = "examples.options_ledger_impl.adapter:PositionsIndexAdapter"
    result = _fixed_times(check_determinism(model, PositionsIndexAdapter, impl, [str(ROOT)],
                                            DeterminismOptions(runs=10, seed=1)))
    with tempfile.TemporaryDirectory() as tmp:
        doc = Path(write_divergence(result, tmp, "models/options_ledger.sync")).read_text(encoding="utf-8")
    result.trace_path = "counterexamples/conformance/options_ledger.PositionsIndexAdapter.determinism.itf.json"
    buf = io.StringIO()
    print_determinism(result, text_console(buf), "reproduce: syncproof conform ... --determinism")
    return {"determinism.text": buf.getvalue(), "determinism.json": json.dumps(determinism_json(result), indent=2)
            + "\n", "determinism.itf.json": doc}


def _golden(name: str) -> str:
    """The golden text, or for a long output the SHA-256 of it (NAME.sha256)."""
    path = GOLDEN / name
    return path.read_text(encoding="utf-8") if path.exists() else (GOLDEN / f"{name}.sha256").read_text().strip()


def _as_golden(text: str) -> str:
    return text if len(text) <= LARGE else hashlib.sha256(text.encode("utf-8")).hexdigest()


REPORTS = ([f"{run}.{fmt}" for run in ("check", "ci") for fmt in FORMATS]
           + [f"{check}.{form}" for check in ("conform", "determinism") for form in ("text", "json", "itf.json")])


@pytest.mark.parametrize("name", REPORTS)
def test_every_report_is_byte_for_byte_what_it_was(outputs, name):
    assert _as_golden(outputs[name]) == _golden(name)


def test_the_goldens_say_what_they_should(outputs):
    """The outputs compared are real reports (a golden of an empty or failed rendering would prove nothing)."""
    assert "Consistent" in outputs["check.text"] and "counterexample" in outputs["check.text"]
    assert json.loads(outputs["check.json"])["verdict"] == "violated"
    rules = {r["ruleId"] for r in json.loads(outputs["ci.sarif"])["runs"][0]["results"]}
    assert rules >= {"syncproof/invariant", "syncproof/deadlock"}
    assert "<testsuites" in outputs["ci.junit"] and "<!DOCTYPE html>" in outputs["ci.html"]
    assert "MISMATCH" in outputs["conform.text"] and "UpdatePrice" in outputs["conform.text"]
    assert json.loads(outputs["conform.itf.json"])["#meta"]["mismatch"]["kind"] == "state"
    assert "NOT DETERMINISTIC" in outputs["determinism.text"]
    assert json.loads(outputs["determinism.itf.json"])["#meta"]["divergence"]["step"] > 0


@pytest.mark.parametrize("trace, model, code", [
    ("counterexamples/two_phase_commit_broken.Consistent.itf.json", "models/two_phase_commit_broken.sync", 1),
    ("counterexamples/two_phase_commit_broken.Consistent.itf.json", "models/two_phase_commit.sync", 2),
])
def test_replay_prints_what_it_printed(capsys, monkeypatch, trace, model, code):
    monkeypatch.chdir(ROOT)
    assert main(["replay", trace, model]) == code
    text = capsys.readouterr().out
    assert main(["replay", trace, model, "--json"]) == code
    name = f"replay.{Path(model).stem}"
    assert text + capsys.readouterr().out == _golden(name)
