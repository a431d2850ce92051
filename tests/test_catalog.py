"""models/README.md is the output of `syncproof catalog`, and it is up to date.

The catalog checks every model, so this test takes as long as checking the
whole library once. It compares the committed file with a fresh run, the
time column left out (the only part that depends on the machine). When it
fails, regenerate the file from the repository root:

    syncproof catalog models --write models/README.md
"""

from __future__ import annotations

from pathlib import Path

import pytest

from checker.cli.main import main
from checker.cli.commands.catalog_run import COMMAND, collect, header_line, render, surprises, without_times

ROOT = Path(__file__).resolve().parent.parent
MODELS = ROOT / "models"
README = MODELS / "README.md"


@pytest.fixture(scope="module")
def entries():
    return collect(MODELS)


@pytest.fixture(scope="module")
def fresh(entries) -> str:
    return render(entries, MODELS)


# the fresh run checks the whole library, the 64-bit ledger with the symbolic engines too (~15-35 s):
# slow. test_catalog_lists_every_model_file keeps the listing in the default run, and the explicit
# engine's verdicts and counts are pinned by test_engine_models, test_models_a and test_models_b.
@pytest.mark.slow
def test_committed_catalog_matches_a_fresh_run(fresh):
    assert README.exists(), f"no catalog: run `{COMMAND}`"
    committed = without_times(README.read_text(encoding="utf-8"))
    assert committed == without_times(fresh), f"models/README.md is stale: run `{COMMAND}`"


def test_catalog_lists_every_model_file():
    text = README.read_text(encoding="utf-8")
    for path in MODELS.glob("*.sync"):
        stem = path.name.removesuffix(".sync")
        assert f"| [{stem}]({path.name}) |" in text, f"{path.name} is not in models/README.md"
    for path in (MODELS / "adversaries").glob("*.sync"):
        assert f"(adversaries/{path.name})" in text, f"adversaries/{path.name} is not in models/README.md"


@pytest.mark.slow
def test_every_correct_model_holds_and_every_broken_one_fails(entries):
    assert entries and surprises(entries) == []


def test_without_times_drops_only_the_time_column():
    table = ("intro\n\n| model | states | time | engines |\n|---|--:|--:|---|\n"
             "| a | 1 | 0.10 s | explicit |\n\nafter\n")
    assert without_times(table) == ("intro\n\n| model | states | engines |\n|---|--:|---|\n"
                                    "| a | 1 | explicit |\n\nafter\n")
    other = "| a | b |\n|---|---|\n| 1 | 2 \\| 3 |\n"
    assert without_times(other) == "| a | b |\n|---|---|\n| 1 | 2 \\| 3 |\n"


def test_header_line_is_the_first_sentence_of_the_opening_comment():
    assert header_line("# One line.\n#\n# More.\nmodel M\n") == "One line."
    assert header_line("\n# A sentence that\n# goes on. And more.\n#\n# Next.\n") == "A sentence that goes on."
    assert header_line("# No period\n\nmodel M\n") == "No period"
    assert header_line("model M\n") == ""


def test_catalog_command_writes_the_file(tmp_path, capsys):
    models = tmp_path / "models"
    models.mkdir()
    (models / "tiny.sync").write_text("# A counter that stops at two.\nmodel Tiny\nvar x: 0..2\ninit { x = 0 }\n"
                                      "action Step { require x < 2  x = x + 1 }\naction Stay { require x == 2 }\n"
                                      "invariant Small: x <= 2\n")
    (models / "tiny_broken.sync").write_text("# BROKEN counter: it goes past two.\nmodel TinyBroken\nvar x: 0..3\n"
                                             "init { x = 0 }\naction Step { require x < 3  x = x + 1 }\n"
                                             "invariant Small: x <= 2\n")
    out = tmp_path / "README.md"
    assert main(["catalog", str(models), "--write", str(out), "--quiet"]) == 0
    text = out.read_text()
    assert "| [tiny](tiny.sync) | A counter that stops at two. | Small | holds | 3 |" in text
    assert "| [tiny_broken](tiny_broken.sync) | BROKEN counter: it goes past two. | Small | 3 steps: " in text
    assert "[tiny_broken](tiny_broken.sync) |\n" in text  # listed as tiny's broken variant


def test_catalog_reports_a_broken_variant_that_holds(tmp_path, capsys):
    models = tmp_path / "models"
    models.mkdir()
    (models / "x_broken.sync").write_text("# BROKEN? no.\nmodel X\nvar x: 0..1\ninit { x = 0 }\n"
                                          "action Stay { skip }\n")
    assert main(["catalog", str(models), "--quiet"]) == 1
    assert "x_broken: a broken variant that is not violated" in capsys.readouterr().err


def test_catalog_of_an_empty_folder_is_bad_input(tmp_path):
    assert main(["catalog", str(tmp_path)]) == 2
