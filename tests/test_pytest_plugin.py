"""The pytest plugin: models as tests, one item per property, only where asked for.

Each test runs pytest on a small project made by `pytester` (in this
process: fast), with the plugin loaded through its `pytest11` entry point
as any user's pytest loads it. The last test checks that this repository's
own test run collects no model.
"""

from __future__ import annotations

import subprocess
import sys

import pytest

# imported here so that pytester's in-process runs find them loaded (it unloads what a run imports,
# and importing them again, with pytest's assertion rewriting, is most of a run's time)
import hypothesis  # noqa: F401  (its pytest plugin imports it at the end of every run)
import checker.cli.main  # noqa: F401
import checker.project.config  # noqa: F401
import checker.engines.options  # noqa: F401
import checker.engines.explicit.search  # noqa: F401
import checker.reports.formats.tracerows  # noqa: F401
import checker.pytest_plugin  # noqa: F401
import spec.loader  # noqa: F401
from report_helpers import COUNTER, MODELS, ROOT

pytest_plugins = ["pytester"]

TWO_BROKEN = (MODELS / "two_phase_commit_broken.sync").read_text()


def project(pytester, ini: str, config: str = "") -> None:
    pytester.makepyprojecttoml(f"[tool.pytest.ini_options]\n{ini}\n{config}")
    models = pytester.mkdir("models")
    (models / "counter.sync").write_text(COUNTER)
    (models / "two_phase_commit_broken.sync").write_text(TWO_BROKEN)


def test_nothing_is_collected_unless_asked(pytester):
    project(pytester, 'testpaths = ["models"]')
    result = pytester.runpytest("--collect-only", "-q")
    result.assert_outcomes()
    assert result.ret == 5  # no tests collected


def test_one_item_per_property_and_the_trace_as_failure(pytester):
    project(pytester, 'testpaths = ["models"]\nsyncproof_paths = ["models"]')
    result = pytester.runpytest("-q", "-rA")
    result.assert_outcomes(passed=3 + 7, failed=1)
    result.stdout.fnmatch_lines([
        "*two_phase_commit_broken::Consistent*",
        "counterexample for Consistent: invariant Consistent is violated",
        "*86 | invariant Consistent:*",
        "*RMChooseToAbort(r=r2)*",
        "PASSED models/counter.sync::Small",
        "FAILED models/two_phase_commit_broken.sync::Consistent - counterexample for C*",
    ])
    assert "Traceback" not in result.stdout.str()


def test_the_configuration_sets_constants_and_expectations(pytester):
    project(pytester, 'testpaths = ["models"]\nsyncproof_paths = ["models"]', """
[tool.syncproof]
[[tool.syncproof.models]]
path = "models/two_phase_commit_broken.sync"
constants = { RM = 2 }
violates = ["Consistent"]
""")
    result = pytester.runpytest("-q", "-rA")
    result.assert_outcomes(passed=3 + 7, xfailed=1)
    result.stdout.fnmatch_lines(["XFAIL models/two_phase_commit_broken.sync::Consistent*configured: violates*"])


def test_several_checks_of_one_file_are_nested(pytester):
    project(pytester, 'testpaths = ["models"]\nsyncproof_paths = ["models/counter.sync"]', """
[tool.syncproof]
[[tool.syncproof.models]]
path = "models/counter.sync"
[[tool.syncproof.models]]
path = "models/counter.sync"
max-states = 2
expect = "inconclusive"
""")
    result = pytester.runpytest("--collect-only", "-q")
    result.stdout.fnmatch_lines(["models/counter.sync::counter::Small", "models/counter.sync::counter#2::Small"])
    result = pytester.runpytest("-q")
    result.assert_outcomes(passed=3, xfailed=3)  # the second check stops early: not decided


def test_a_model_that_does_not_load_is_a_collection_error(pytester):
    project(pytester, 'testpaths = ["models"]\nsyncproof_paths = ["models"]')
    bad = "model Bad\nvar x: 0..2\ninit { x = 0 }\naction Up { x = = 1 }\n"
    (pytester.path / "models" / "bad.sync").write_text(bad)
    result = pytester.runpytest("-q", "models/bad.sync")
    result.assert_outcomes(errors=1)
    result.stdout.fnmatch_lines(["*models/bad.sync:4:17: error[[]E1*"])


def test_no_syncproof_option_turns_it_off(pytester):
    project(pytester, 'testpaths = ["models"]\nsyncproof_paths = ["models"]')
    assert pytester.runpytest("--no-syncproof", "--collect-only", "-q").ret == 5


@pytest.mark.slow   # 2-5 s on two busy cores: CI's slow selection runs it (the default run stays under 10 minutes)
def test_this_repository_collects_no_model():
    # models/ is not in syncproof_paths: even pointing pytest at it collects nothing
    proc = subprocess.run([sys.executable, "-m", "pytest", "--collect-only", "-q", "-p", "no:cacheprovider",
                           "models"], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 5, proc.stdout + proc.stderr  # 5: no tests collected
    assert ".sync" not in proc.stdout
