"""The shipped models held to mutation analysis (issue 18, item 4).

models/mutation-scores.json records `syncproof mutate` of every correct model (written by
`syncproof catalog models --rescore`); the catalog shows each score. These tests check that the
file covers every correct model and no broken variant, that every entry is current (the digest of
the model's source and imports) and consistent, that the catalog shows it, and (slow) that a fresh
analysis of small models gives exactly the recorded figures. Also the `catalog --rescore` option
itself, and a crash of the explicit engine that mutation analysis found (a parametrised action whose
body is `require false`).
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from checker.cli.commands.catalog_run import SCORES_NOTE
from checker.cli.main import main
from checker.engines import registry as engines
from checker.engines.base import CheckRequest
from checker.project import scores
from spec.loader import load

ROOT = Path(__file__).resolve().parent.parent
MODELS = ROOT / "models"
CORRECT = sorted(p.name.removesuffix(".sync") for p in MODELS.glob("*.sync") if "_broken" not in p.name)
BROKEN = sorted(p.name.removesuffix(".sync") for p in MODELS.glob("*.sync") if "_broken" in p.name)


@pytest.fixture(scope="module")
def recorded() -> scores.Scores:
    return scores.read(MODELS)


def test_every_correct_model_is_scored_and_no_broken_variant(recorded):
    assert CORRECT and BROKEN
    assert sorted(recorded.models) == CORRECT


@pytest.mark.parametrize("stem", CORRECT)
def test_the_recorded_score_is_current_and_consistent(recorded, stem):
    e = recorded.get(stem)
    assert e["sha256"] == scores.digest(MODELS / f"{stem}.sync"), \
        f"{stem} changed since it was scored: run syncproof catalog models --rescore-model {stem} --write models/README.md"
    assert sum(e[k] for k in scores.COUNTS) == e["generated"]
    assert e["error"] == 0 and e["unknown"] == 0
    assert e["killed"] + e["survived"] > 0
    assert e["score"] == round(100 * e["killed"] / (e["killed"] + e["survived"]), 1)
    assert len(e["survivors"]) == e["survived"]


def test_the_fingerprint_covers_imports_and_the_abstract_model_of_a_refines(tmp_path):
    (tmp_path / "abstract").mkdir()
    (tmp_path / "abstract" / "a.sync").write_text("model A\nvar n: 0..2\ninit { n = 0 }\n"
                                                  "action Inc { require n < 2  n = n + 1 }\n")
    (tmp_path / "lib.sync").write_text("model Lib\nconst K = 1\n")
    (tmp_path / "m.sync").write_text('model M\nimport "lib.sync"\n\nvar a: 0..2\ninit { a = 0 }\n'
                                     'action Up { require a < 2  a = a + K }\n'
                                     'refines A from "abstract/a.sync" { n = a }\n')
    assert load(tmp_path / "m.sync").refinements   # the model is well formed
    before = scores.digest(tmp_path / "m.sync")
    assert scores.digest(tmp_path / "m.sync") == before
    (tmp_path / "lib.sync").write_text("model Lib\nconst K = 1  # a comment\n")
    after_import = scores.digest(tmp_path / "m.sync")
    assert after_import != before
    (tmp_path / "abstract" / "a.sync").write_text((tmp_path / "abstract" / "a.sync").read_text() + "# edited\n")
    assert scores.digest(tmp_path / "m.sync") != after_import


def test_the_catalog_shows_every_score(recorded):
    text = (MODELS / "README.md").read_text(encoding="utf-8")
    assert "| mutation score |" in text and SCORES_NOTE in text
    rows = {line.split("](")[0].removeprefix("| ["): line for line in text.splitlines() if line.startswith("| [")}
    for stem in CORRECT:
        cell = scores.shown(recorded.get(stem), MODELS / f"{stem}.sync")
        assert f"| {cell} |" in rows[stem], stem
        assert "%" in cell
    for stem in BROKEN:
        assert "%" not in rows[stem]


# ---- a fresh analysis gives the recorded figures --------------------------------------------------

@pytest.mark.slow
@pytest.mark.parametrize("stem", ["settlement_lock", "two_phase_commit"])
def test_a_fresh_analysis_gives_exactly_the_recorded_figures(recorded, stem):
    assert scores.analyse(MODELS / f"{stem}.sync", jobs=1) == recorded.get(stem)


# ---- catalog --rescore --------------------------------------------------------------------------

COUNTER = """# A counter that stops at two.
model Tiny
var x: 0..3
var y: 0..1
init { x = 0  y = 0 }
action Step { require x < 2  x = x + 1 }
action Flag { require x == 2  y = 1 }
action Stay { require x == 2 }
invariant Small: x <= 2
"""


KILLED, SURVIVED, EQUIVALENT, INVALID = 7, 17, 0, 3
SURVIVORS = [
    "5:12 literal: 0 -> 1", "5:19 literal: 0 -> 1", "6:30 drop-assign: dropped `x = x + 1`",
    "6:38 literal: 1 -> 0", "6:38 literal: 1 -> 2", "7:15 drop-require: dropped `require x == 2`",
    "7:1 remove-action: removed action `Flag`", "7:25 comparison: `x == 2`: == -> !=", "7:28 literal: 2 -> 1",
    "7:28 literal: 2 -> 3", "7:31 drop-assign: dropped `y = 1`", "7:35 literal: 1 -> 0",
    "8:15 drop-require: dropped `require x == 2`", "8:1 remove-action: removed action `Stay`",
    "8:25 comparison: `x == 2`: == -> !=", "8:28 literal: 2 -> 1", "8:28 literal: 2 -> 3",
]


def library(tmp_path: Path) -> Path:
    models = tmp_path / "models"
    models.mkdir()
    (models / "tiny.sync").write_text(COUNTER)
    (models / "tiny_broken.sync").write_text(COUNTER.replace("x < 2", "x < 3"))
    return models


def test_rescore_writes_the_scores_and_the_catalog_shows_them(tmp_path, capsys):
    models = library(tmp_path)
    out = tmp_path / "README.md"
    assert main(["catalog", str(models), "--rescore", "--jobs", "1", "--quiet", "--write", str(out)]) == 0
    data = json.loads((models / scores.FILE).read_text())
    assert data["schema"] == scores.SCHEMA and list(data["models"]) == ["tiny"]   # the broken variant is not scored
    e = data["models"]["tiny"]
    # killed: Step going past two (x <= 2, x < 3, x - 1 ...) or never running (a deadlock at 0); the
    # survivors change the flag, which no property reads, or where and how far the counter goes
    assert (e["killed"], e["survived"], e["equivalent"], e["invalid"]) == (KILLED, SURVIVED, EQUIVALENT, INVALID)
    assert e["survivors"] == SURVIVORS
    assert e["score"] == round(100 * KILLED / (KILLED + SURVIVED), 1)
    assert f"| {e['score']:.1f}% ({KILLED} of {KILLED + SURVIVED}) |" in out.read_text()


def test_a_model_changed_since_it_was_scored_is_shown_stale(tmp_path, capsys):
    models = library(tmp_path)
    assert main(["catalog", str(models), "--rescore-model", "tiny", "--jobs", "1", "--quiet"]) == 0
    (models / "tiny.sync").write_text(COUNTER.replace("Stay { require x == 2 }", "Stay { require x >= 2 }"))
    assert main(["catalog", str(models), "--quiet"]) == 0
    assert "| stale: rescore it |" in capsys.readouterr().out


def test_an_unscored_model_is_shown_not_scored(tmp_path, capsys):
    models = library(tmp_path)
    assert main(["catalog", str(models), "--quiet"]) == 0
    assert "| not scored |" in capsys.readouterr().out


def test_rescore_of_a_model_that_is_not_a_correct_model_is_bad_input(tmp_path, capsys):
    models = library(tmp_path)
    assert main(["catalog", str(models), "--rescore-model", "tiny_broken", "--quiet"]) == 2
    err = capsys.readouterr().err
    assert "E607" in err and "no correct model tiny_broken.sync" in err and "the correct models: tiny" in err
    assert not (models / scores.FILE).exists()


@pytest.mark.parametrize("content, needle", [
    ("{", "cannot be read as JSON"),
    ('{"schema": "other"}', "is not a syncproof.mutation-scores/1 file"),
    ('{"schema": "syncproof.mutation-scores/1", "models": []}', "has no 'models' object"),
    ('{"schema": "syncproof.mutation-scores/1", "models": {}, "options": {"seed": 1}}', "was made with other options"),
])
def test_a_malformed_scores_file_is_bad_input(tmp_path, capsys, content, needle):
    models = library(tmp_path)
    (models / scores.FILE).write_text(content)
    assert main(["catalog", str(models), "--quiet"]) == 2
    err = capsys.readouterr().err
    assert "E608" in err and needle in err and "--rescore" in err


# ---- found by mutation analysis: an action that never runs, with many parameter values ----------

NEVER = """model Never
var x: 0..2
init { x = 0 }
action Never(a: 0..9, b: 0..9) { require false }
action Step { require x < 2  x = x + 1 }
action Stay { require x == 2 }
invariant Small: x <= 2
"""


def test_a_parametrised_action_that_never_runs_is_compiled(tmp_path):
    # 100 instances are not unrolled: the generated loop over them had an empty body (IndentationError)
    path = tmp_path / "never.sync"
    path.write_text(NEVER)
    r = engines.run(load(path), "explicit", CheckRequest())
    assert r.verdict.value == "holds"
    assert (r.stats.distinct_states, r.stats.transitions) == (3, 3)
