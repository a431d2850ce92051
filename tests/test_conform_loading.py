"""Loading and constructing the implementation under `conform`: by its own path, never shadowing
the standard library, and every failure (an exception, sys.exit) exit 2 with where it was raised."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from checker.conform.adapter import AdapterError, load_adapter
from tests.cli_helpers import run_cli
from tests.test_conform import ADAPTERS, BANK, IMPLS

ROOT = Path(__file__).resolve().parent.parent

# a file named like a module of the standard library: importing it instead of the real one leaves a mark
PLANTED = "import pathlib\npathlib.Path(__file__).with_suffix('.imported').write_text('')\n"


# Ordered has no guards: driven only through steps the model allows, it conforms
UNPROBED = "from loading_impls import Ordered\n\n\nclass Unprobed(Ordered):\n    check_guards = False\n"


@pytest.fixture()
def project(tmp_path, monkeypatch):
    (tmp_path / "bank.sync").write_text(BANK)
    (tmp_path / "loading_adapters.py").write_text(ADAPTERS)
    (tmp_path / "loading_impls.py").write_text(IMPLS)
    (tmp_path / "loading_unprobed.py").write_text(UNPROBED)
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(sys, "path", list(sys.path))       # load_adapter appends the directories it searches
    for name in [n for n in sys.modules if n.startswith(("loading_", "bankpkg", "construction"))]:
        monkeypatch.delitem(sys.modules, name)              # left by another test (of another directory)
    yield tmp_path
    for name, module in list(sys.modules.items()):  # the next test's modules of the same name are other files
        if str(getattr(module, "__file__", None) or "").startswith(str(tmp_path)):
            del sys.modules[name]


def conform(capsys, *args):
    code, out, err = run_cli(["conform", "bank.sync", *args, "--runs", "10", "--steps", "6", "--seed", "1",
                              "--no-trace-file"], capsys)
    assert "Traceback" not in out + err
    return code, out, " ".join(err.split())


def syncproof(cwd: Path, *args) -> subprocess.CompletedProcess:
    """syncproof in a fresh process, started as its console script is: the current directory is not
    on sys.path (-P), only syncproof's own root."""
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    return subprocess.run([sys.executable, "-P", "-m", "checker.cli", *args], cwd=cwd, env=env,
                          capture_output=True, text=True, timeout=300)


@pytest.mark.parametrize("mode", [[], ["--determinism", "--processes", "2"]])
def test_files_named_like_standard_modules_in_the_current_directory_are_not_imported(project, mode):
    for name in ("secrets", "pickle", "random", "tempfile"):   # hypothesis -> numpy.random -> secrets; the workers
        (project / f"{name}.py").write_text(PLANTED)
    done = syncproof(project, "conform", "bank.sync", "--impl", "loading_unprobed:Unprobed", "--runs", "4",
                     "--steps", "4", "--seed", "0", "--no-trace-file", *mode)
    assert sorted(p.name for p in project.glob("*.imported")) == []
    assert done.returncode == 0, done.stdout + done.stderr


def test_a_module_named_like_a_standard_module_is_refused(project, capsys):
    (project / "secrets.py").write_text(PLANTED)
    code, _, err = conform(capsys, "--impl", "secrets:Adapter")
    assert code == 2
    assert f"error[E701]: --impl secrets:Adapter: {project / 'secrets.py'} has the name of the standard library " \
           "module 'secrets'" in err
    assert not (project / "secrets.imported").exists()


def test_a_module_that_exits_while_imported_is_exit_2(project, capsys):
    (project / "exits_on_import.py").write_text("import sys\n\nsys.exit(0)\n")
    code, out, err = conform(capsys, "--impl", "exits_on_import:Adapter")
    assert code == 2 and out == ""
    assert f"{project / 'exits_on_import.py'}:3:1: error[E701]: --impl exits_on_import:Adapter: importing " \
           "exits_on_import failed: it raised SystemExit(0) (it called sys.exit)" in err
    assert "3 | sys.exit(0)" in err


def test_an_import_failure_shows_the_implementations_own_frames(project, capsys):
    (project / "deep_failure.py").write_text("def f():\n    return 1 / 0\n\n\ndef g():\n    return f()\n\n\ng()\n")
    code, _, err = conform(capsys, "--impl", "deep_failure:Adapter")
    assert code == 2
    assert f"{project / 'deep_failure.py'}:2:5: error[E701]: --impl deep_failure:Adapter: importing deep_failure " \
           "failed: it raised ZeroDivisionError: division by zero" in err
    notes = [n.strip() for n in err.split("note:")[1:]]
    assert notes[0].endswith("deep_failure.py:9: g()") and notes[-1].split(" help:")[0].endswith(
        "deep_failure.py:2: return 1 / 0")
    assert "checker" not in " ".join(notes)        # no frame of ours


def test_the_module_may_be_a_file_path_even_inside_a_package(project, capsys):
    pkg = project / "bankpkg"
    pkg.mkdir()
    (pkg / "__init__.py").write_text("")
    (pkg / "impls.py").write_text(IMPLS)
    (pkg / "adapter.py").write_text("from .impls import Ordered\n\n\nclass PackagedOrdered(Ordered):\n"
                                    "    check_guards = False\n")
    assert conform(capsys, "--impl", "loading_adapters.py:Good")[0] == 1     # no guards: a mismatch
    assert conform(capsys, "--impl", f"{pkg / 'adapter.py'}:PackagedOrdered")[0] == 0
    assert load_adapter("bankpkg/adapter.py:PackagedOrdered").__module__ == "bankpkg.adapter"
    code, _, err = conform(capsys, "--impl", "missing.py:X")
    assert code == 2 and "error[E701]: --impl missing.py:X: no Python file missing.py" in err


def test_a_dotted_name_must_be_one(project):
    with pytest.raises(AdapterError) as info:
        load_adapter("bank-impls:Ordered", [str(project)])
    assert info.value.codes == ["E701"] and "'bank-impls' is not a module name" in info.value.render()


CONSTRUCTION = '''
import sys
from loading_impls import Ordered

class InitExits(Ordered):
    def __init__(self):
        sys.exit(0)

class SetupFails(Ordered):
    def setup(self, constants):
        self.b = {u: 1 for u in constants["ACCOUNTS"]}

class TeardownFails(Ordered):
    def teardown(self):
        raise RuntimeError("still open")

class FreezeExits(Ordered):
    check_guards = False

    def freeze(self):
        sys.exit(0)
'''


@pytest.mark.parametrize("cls, stage, raised, line", [
    ("InitExits", "InitExits()", "SystemExit(0) (it called sys.exit)", 7),
    ("SetupFails", "setup()", "KeyError: 'ACCOUNTS'", 11),
    ("TeardownFails", "teardown()", "RuntimeError: still open", 15),
])
@pytest.mark.parametrize("mode", [[], ["--determinism", "--processes", "2"]])
def test_an_implementation_that_cannot_be_constructed_is_exit_2(project, capsys, cls, stage, raised, line, mode):
    (project / "construction.py").write_text(CONSTRUCTION)
    code, out, err = conform(capsys, "--impl", f"construction:{cls}", *mode)
    assert code == 2 and out == ""
    assert f"{project / 'construction.py'}:{line}:" in err
    assert f"error[E705]: construction:{cls}: the implementation cannot be constructed: {stage} raised {raised}" in err


def test_sys_exit_in_an_action_is_a_crash_not_the_exit_code(project, capsys):
    (project / "construction.py").write_text(CONSTRUCTION)
    code, out, _ = conform(capsys, "--impl", "construction:FreezeExits")
    assert code == 1
    assert "MISMATCH — the implementation raised an exception at step 1, Freeze" in out
    assert "SystemExit: 0" in " ".join(out.split())


def test_a_file_whose_module_name_is_taken_is_refused(project):
    load_adapter("loading_unprobed.py:Unprobed")               # imports loading_impls from the project
    other = project / "other"
    other.mkdir()
    (other / "loading_impls.py").write_text(IMPLS)
    with pytest.raises(AdapterError) as info:
        load_adapter("other/loading_impls.py:Ordered")
    assert f"the module loading_impls is already imported from {project / 'loading_impls.py'}, not from " \
           "other/loading_impls.py" in info.value.render()
