"""Start-up (issue 13, item 6): a command loads only the libraries of the engine it runs.

Each command runs in a process of its own, which names every module it imported when it exits:
z3 only with the symbolic engines, hypothesis only with the simulator and conformance, numpy only
with the explicit engine. The figures are in `bench/bench_startup.py`; no test here asserts a time.
The parser's LALR tables come from `spec/parser_tables.py`, which must be those of the grammar.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from spec import parser, parser_tables

ROOT = Path(__file__).resolve().parent.parent
TWO_PHASE = "models/two_phase_commit.sync"
ENGINE_LIBRARIES = ("z3", "hypothesis", "numpy")

# `python -m checker.cli ARGS`, which then names every module it imported (`-X importtime` does
# not name a module imported through importlib, as the registry's engines are)
PROBE = ("import atexit, json, runpy, sys\n"
         "atexit.register(lambda: sys.__stderr__.write('\\nMODULES ' + json.dumps(sorted(sys.modules)) + '\\n'))\n"
         "runpy.run_module('checker.cli', run_name='__main__', alter_sys=True)\n")


def run_with_imports(*args: str) -> tuple[int, str, set[str]]:
    """(exit code, stdout, every module imported) of `python -m checker.cli ARGS` in a fresh process."""
    env = {**os.environ, "COLUMNS": "120", "PYTHONPATH": str(ROOT)}
    proc = subprocess.run([sys.executable, "-c", PROBE, *args], capture_output=True, text=True, env=env, cwd=ROOT,
                          timeout=600)
    listed = [line for line in proc.stderr.splitlines() if line.startswith("MODULES ")]
    assert listed, proc.stderr
    return proc.returncode, proc.stdout, set(json.loads(listed[-1].removeprefix("MODULES ")))


def loaded(modules: set[str]) -> list[str]:
    """The engine libraries among the modules (by their top-level package)."""
    tops = {m.split(".")[0] for m in modules}
    return [lib for lib in ENGINE_LIBRARIES if lib in tops]


def test_the_version_loads_no_engine_and_no_parser():
    code, out, modules = run_with_imports("--version")
    assert code == 0 and out.startswith("syncproof ")
    assert loaded(modules) == []
    assert "checker.engines.explicit.search" not in modules and "checker.conform.run" not in modules


def test_the_help_loads_no_engine():
    code, out, modules = run_with_imports("--help")
    assert code == 0 and "conform" in out and "graph" in out
    assert loaded(modules) == []


# the model's parser and loader, the engines' registry, and rich (the console): what a command's work
# needs, not its options
FRONT_END = ("lark", "rich", "spec.parser", "spec.loader", "spec.ir", "checker.engines.registry",
             "checker.reports.console", "checker.traces.itf")
COMMANDS = ("check", "parse", "replay", "simulate", "ci", "graph", "catalog", "conform", "fmt", "repl", "mutate",
            "lsp")


def front_end(modules: set[str]) -> list[str]:
    return sorted(m for m in modules if m in FRONT_END or m.split(".")[0] in FRONT_END)


@pytest.mark.parametrize("args", [["--version"], ["--help"]] + [[command, "--help"] for command in COMMANDS])
def test_the_version_and_the_help_load_no_parser_no_engine_and_no_console(args):
    """Every command's options are read without its work (`checker.cli.commands.COMMAND_run`)."""
    code, out, modules = run_with_imports(*args)
    assert code == 0 and out
    assert front_end(modules) == []
    assert [m for m in modules if m.startswith("checker.cli.commands.") and m.endswith("_run")] == []


def test_a_check_printed_as_text_loads_no_other_format_and_no_replay():
    """The HTML page, the sequence diagrams and the other formats load only when asked for, and
    replay only with `syncproof replay`."""
    code, out, modules = run_with_imports("check", TWO_PHASE, "--property", "Consistent", "--no-trace-file")
    assert code == 0 and "HOLDS" in out, out
    formats = sorted(m.removeprefix("checker.reports.formats.") for m in modules
                     if m.startswith("checker.reports.formats."))
    assert formats == ["common", "text", "tracerows"]
    assert "checker.traces.replay" not in modules and "checker.cli.commands.replay_run" not in modules


def test_a_check_in_json_loads_that_format_only():
    code, out, modules = run_with_imports("check", TWO_PHASE, "--property", "Consistent", "--no-trace-file",
                                          "--format", "json")
    assert code == 0 and json.loads(out)["verdict"] == "holds", out
    assert "checker.reports.formats.jsonfmt" in modules
    assert "checker.reports.formats.html" not in modules and "checker.reports.formats.sequence" not in modules


def test_the_options_name_what_they_stand_for():
    """Names written in the options' modules, so that they load nothing: the same as the originals."""
    from checker.cli import main
    from checker.cli.commands import catalog, check
    from checker.engines import registry
    from checker.project import scores
    assert check.ENGINE_NAMES == registry.CHECK_NAMES
    assert catalog.SCORES_FILE == scores.FILE
    assert [m.__name__.rsplit(".", 1)[-1] for m in main.COMMANDS] == list(COMMANDS)   # the help of each is tested


@pytest.mark.parametrize("engine", [[], ["--engine", "explicit"]])
def test_an_explicit_check_loads_neither_z3_nor_hypothesis(engine):
    code, out, modules = run_with_imports("check", TWO_PHASE, *engine, "--no-trace-file")
    assert code == 0, out
    assert "state graph of 288 states" in out
    assert "checker.engines.explicit.search" in modules
    assert loaded(modules) == ["numpy"]   # the explicit engine's visited set
    assert not any(m.startswith("checker.engines.symbolic") or m.startswith("checker.engines.simulate")
                   for m in modules)


def test_a_safety_check_loads_neither_scipy_nor_the_progress_bar():
    """scipy's graph searches serve liveness only, rich.progress a terminal only: a safety check
    piped to a file imports neither (together a third of a small model's check)."""
    code, out, modules = run_with_imports("check", TWO_PHASE, "--property", "Consistent", "--no-trace-file")
    assert code == 0 and "HOLDS" in out, out
    tops = {m.split(".")[0] for m in modules}
    assert "numpy" in tops and "scipy" not in tops
    assert "rich.progress" not in modules


def test_a_small_liveness_check_does_not_load_scipy():
    """The graph searches of a small graph run in Python (checker.engines.explicit.csgraph): importing
    scipy.sparse would take longer than the whole check."""
    code, out, modules = run_with_imports("check", TWO_PHASE, "--no-trace-file")
    assert code == 0 and "HOLDS" in out, out
    assert "checker.engines.explicit.liveness" in modules
    assert not any(m.split(".")[0] == "scipy" for m in modules)


def test_bmc_loads_z3_and_still_checks():
    code, out, modules = run_with_imports("check", TWO_PHASE, "--engine", "bmc", "--depth", "3", "--no-trace-file")
    assert code == 3, out   # bounded: inconclusive beyond depth 3, nothing violated
    assert "VIOLATED" not in out
    assert "z3" in loaded(modules) and "hypothesis" not in loaded(modules)
    assert "checker.engines.explicit.search" not in modules


def test_simulate_loads_hypothesis_not_z3():
    code, out, modules = run_with_imports("simulate", TWO_PHASE, "--runs", "5", "--steps", "5", "--seed", "1",
                                          "--no-trace-file")
    assert code == 0 and "HOLDS — sampled" in out, out
    assert "hypothesis" in loaded(modules) and "z3" not in loaded(modules)


def test_parse_loads_no_engine():
    code, out, modules = run_with_imports("parse", TWO_PHASE)
    assert code == 0 and "well-formed" in out
    assert loaded(modules) == []


def test_the_pytest_plugin_loads_no_engine():
    """pytest loads the plugin in every session of a project that installs syncproof."""
    probe = "import sys, checker.pytest_plugin; print(sorted({m.split('.')[0] for m in sys.modules}))"
    proc = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, cwd=ROOT,
                          env={**os.environ, "PYTHONPATH": str(ROOT)}, timeout=600)
    assert proc.returncode == 0, proc.stderr
    assert [lib for lib in ENGINE_LIBRARIES if f"'{lib}'" in proc.stdout] == []


# ---- the parser's tables --------------------------------------------------------------------------

def test_the_parser_tables_are_those_of_the_grammar():
    assert parser.tables_are_current(), (
        "spec/grammar.lark (or lark's version) changed since spec/parser_tables.py was made: "
        f"regenerate it with {parser.REGENERATE}")


@pytest.mark.slow   # 2-5 s on two busy cores: CI's slow selection runs it (the default run stays under 10 minutes)
def test_the_tables_parse_as_the_grammar_does(monkeypatch):
    """Every shipped model gives the same syntax tree from the stored tables and from tables built
    from the grammar, and a syntax error the same diagnostic."""
    texts = {p.name: p.read_text() for p in sorted((ROOT / "models").glob("*.sync"))}
    broken = "var x: 0..3\ninit { x = 0 }\naction a { x = x + }\n"
    stored = parser._lark()
    assert stored.source_path == "<deserialized>"
    from_tables = {name: _tree(stored, text) for name, text in texts.items()}
    error = _syntax_error(broken)

    monkeypatch.setattr(parser_tables, "GRAMMAR_SHA256", "")
    parser._lark.cache_clear()
    try:
        built = parser._lark()
        assert built.source_path != "<deserialized>"
        assert {name: _tree(built, text) for name, text in texts.items()} == from_tables
        assert _syntax_error(broken) == error
    finally:
        parser._lark.cache_clear()


def _tree(lark, text: str):
    """The syntax tree of a model as the parser makes it (with its soft keywords: `step`, `div`, ...)."""
    return parser.lexing(text, lambda: lark.parse(text, start="start"))


def _syntax_error(text: str) -> str:
    with pytest.raises(parser.SpecError) as exc:
        parser.parse(text, "broken.sync")
    return "\n".join(d.render() for d in exc.value.diagnostics)
