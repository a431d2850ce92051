"""The tree follows the pipeline: no module imports a higher layer, no import cycle, imports at
module top (issue 12).

The import graph is read with `ast` from the source of `spec/` and `checker/` (nothing is
imported). `from package import name` is an edge to the submodule `package.name` when there is
one, else to the package; the implicit import of a module's parent packages is not an edge.

A module that imports another on first use names it in a `Deferred("module", "name")`
(`checker.core.deferred`, issue 13: the registry's engines, the commands that load hypothesis or
numpy): that is an edge like an import statement's, so the layering and the cycles are checked
for it too, and every one of them must resolve.
"""

from __future__ import annotations

import ast
import importlib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("spec", "checker")

# The pipeline, lowest layer first: a module may import its own layer and the layers below.
# A name stands for a package and everything under it; the more specific name wins
# (checker.engines.explicit is a layer of its own below checker.engines).
LAYERS = [
    # the language: parsing, names, types, the IR and the reference interpreter; never imports checker
    ("spec",),
    # what every engine shares: results, kinds and strengths, exit codes, limits and progress,
    # explanations, property selection, the temporal semantics; `checker` itself holds the version
    ("checker", "checker.core"),
    # the explicit engine: its state layout and code generation, the BFS, the state graph, liveness;
    # below traces because replay executes traces on the compiled model (checker.traces.replay)
    ("checker.engines.explicit",),
    # traces as data: ITF, replay, shrinking; the simulator shrinks with them and the lasso search
    # confirms its lassos with replay, so they sit below those engines
    ("checker.traces",),
    # the engines built on the layers below, side by side (today neither imports the other)
    ("checker.engines.simulate", "checker.engines.symbolic"),
    # one interface over every engine: the registry, the options, the combined modes
    ("checker.engines",),
    # runs of several checks (syncproof ci): their configuration, expectations and exit codes
    ("checker.project",),
    # what a person or a tool reads: console, JSON, SARIF, JUnit, Markdown, HTML, DOT; renders a
    # project.Run, so above checker.project
    ("checker.reports",),
    # implementation testing: runs a Python implementation against the model; above the reports
    # because `assert_conforms` (the pytest API) returns the text report of a mismatch
    ("checker.conform", "checker.adapter"),
    # the language server: the front end for an editor, and the explicit engine for its "check" lens
    ("checker.lsp",),
    # the entry points: the command line and the pytest plugin
    ("checker.cli", "checker.pytest_plugin"),
]

# Imports that go up a layer: none. An entry here would need the reason it cannot be avoided.
KNOWN_UPWARD: dict[tuple[str, str], str] = {}

# Imports inside functions, allowed for optional dependencies only, each with the reason.
FUNCTION_LEVEL_ALLOWED: dict[tuple[str, str], str] = {
    ("checker.engines.explicit.raygroup", "ray"): "Ray is the optional [ray] extra: imported only when "
                                                  "--cluster asks for it, else error E530 says how to install it",
}

# Modules that import by a name computed at run time (importlib), each with the reason. Every other
# import on first use goes through `Deferred`, whose literal names the layering test reads.
DYNAMIC_IMPORTS_ALLOWED: dict[str, str] = {
    "checker.core.deferred": "resolves a Deferred: the names are literals where each Deferred is written",
    "checker.conform.adapter": "the user's adapter module, named on the command line (--impl MODULE:CLASS)",
}


# ---- reading the tree -------------------------------------------------------------------------

def module_files(root: Path = ROOT) -> dict[str, Path]:
    """Module name -> file, for every module of the packages."""
    out = {}
    for package in PACKAGES:
        for path in sorted((root / package).rglob("*.py")):
            parts = path.relative_to(root).with_suffix("").parts
            out[".".join(parts[:-1] if parts[-1] == "__init__" else parts)] = path
    return out


def imports_of(name: str, tree: ast.Module, files: dict[str, Path]) -> list[tuple[str, bool, int]]:
    """(imported module, inside a function, line) for every import in a module's syntax tree.

    Relative imports are resolved against the module's package; `from p import n` names the
    module p.n when there is one (in `files`), else p."""
    package = name if files[name].name == "__init__.py" else name.rpartition(".")[0]
    out = []

    def visit(node, in_function: bool) -> None:
        for child in ast.iter_child_nodes(node):
            inside = in_function or isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda))
            if isinstance(child, ast.Import):
                out.extend((a.name, in_function, child.lineno) for a in child.names)
            elif isinstance(child, ast.ImportFrom):
                base = child.module or ""
                if child.level:
                    parts = package.split(".")[:len(package.split(".")) - child.level + 1]
                    base = ".".join(parts + ([child.module] if child.module else []))
                for a in child.names:
                    sub = f"{base}.{a.name}"
                    out.append((sub if sub in files else base, in_function, child.lineno))
            elif deferred_name(child) is not None:
                out.append((deferred_name(child)[0], False, child.lineno))
            visit(child, inside)
    visit(tree, False)
    return out


def is_deferred(node: ast.AST) -> bool:
    """A call of `Deferred` (checker.core.deferred), by its name or as an attribute."""
    return isinstance(node, ast.Call) and (
        (isinstance(node.func, ast.Name) and node.func.id == "Deferred")
        or (isinstance(node.func, ast.Attribute) and node.func.attr == "Deferred"))


def deferred_name(node: ast.AST) -> tuple[str, str] | None:
    """(module, name) of a `Deferred("module", "name")` call with two literal strings, else None."""
    if not is_deferred(node) or len(node.args) != 2 or node.keywords:
        return None
    if all(isinstance(a, ast.Constant) and isinstance(a.value, str) for a in node.args):
        return node.args[0].value, node.args[1].value
    return None


def deferred_calls(root: Path = ROOT) -> list[tuple[str, int, tuple[str, str] | None]]:
    """(module, line, (module, name) or None when not two literals) for every Deferred call."""
    return [(m, node.lineno, deferred_name(node)) for m, path in module_files(root).items()
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))) if is_deferred(node)]


def dynamic_importers(root: Path = ROOT) -> set[str]:
    """The modules that call `importlib.import_module` or `__import__`."""
    found = set()
    for m, path in module_files(root).items():
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            func = node.func if isinstance(node, ast.Call) else None
            name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", None)
            if name in ("import_module", "__import__"):
                found.add(m)
    return found


def read_imports(root: Path = ROOT) -> dict[str, list[tuple[str, bool, int]]]:
    files = module_files(root)
    return {name: imports_of(name, ast.parse(path.read_text(), str(path)), files) for name, path in files.items()}


def internal(target: str) -> bool:
    return target.split(".")[0] in PACKAGES


# ---- the rules, on any graph (the self-tests give them synthetic ones) -----------------------------

def layer_of(module: str, layers=LAYERS) -> int | None:
    """The index of the module's layer: its longest matching name (`checker` itself matches only
    the package `checker`, whose __init__ holds the version)."""
    best, rank = -1, None
    for i, names in enumerate(layers):
        for n in names:
            matches = module == n or (n != "checker" and module.startswith(n + "."))
            if matches and len(n) > best:
                best, rank = len(n), i
    return rank


def upward_imports(imports: dict, layers=LAYERS) -> list[tuple[str, str]]:
    """(importer, imported) for every import of a module of a higher layer."""
    out = []
    for module, targets in imports.items():
        for target, _, _ in targets:
            if internal(target) and layer_of(target, layers) > layer_of(module, layers):
                out.append((module, target))
    return sorted(set(out))


def cycles(imports: dict) -> list[list[str]]:
    """The modules that import themselves through others, grouped into cycles: the components of
    more than one module of the graph of module-level imports. A few hundred modules: a search from
    each is quick enough, and plainer than Tarjan's algorithm (which the state graph needs)."""
    graph = {m: {t for t, in_function, _ in ts if not in_function and t in imports and t != m}
             for m, ts in imports.items()}

    def reach(start: str) -> set[str]:
        seen, todo = set(), [start]
        while todo:
            for t in graph[todo.pop()] - seen:
                seen.add(t)
                todo.append(t)
        return seen

    reached = {m: reach(m) for m in graph}
    found = {tuple(sorted(m2 for m2 in reached[m] if m in reached[m2])) for m in graph if m in reached[m]}
    return [list(c) for c in sorted(found)]


def function_level(imports: dict) -> list[tuple[str, str, int]]:
    """(module, imported, line) for every import inside a function."""
    return sorted((m, t, line) for m, ts in imports.items() for t, in_function, line in ts if in_function)


# ---- the tree ---------------------------------------------------------------------------------------

IMPORTS = read_imports()


def test_every_module_has_a_layer():
    assert [m for m in IMPORTS if layer_of(m) is None] == []


def test_no_module_imports_a_higher_layer():
    found = [(m, t) for m, t in upward_imports(IMPORTS) if (m, t) not in KNOWN_UPWARD]
    assert found == [], "imports of a higher layer (see LAYERS): " + ", ".join(f"{m} -> {t}" for m, t in found)


def test_spec_never_imports_checker():
    assert [(m, t) for m, ts in IMPORTS.items() if m.startswith("spec")
            for t, _, _ in ts if t.split(".")[0] == "checker"] == []


def test_no_import_cycle():
    assert cycles(IMPORTS) == []


def test_imports_at_module_top():
    found = [(m, t, line) for m, t, line in function_level(IMPORTS) if (m, t) not in FUNCTION_LEVEL_ALLOWED]
    assert found == [], "imports inside functions: " + ", ".join(f"{m}:{line} -> {t}" for m, t, line in found)


def test_imports_are_absolute():
    """`from checker.core.result import Result`, never `from ..result import Result`: a module's
    imports say where each name lives, whichever package it is moved to."""
    found = [f"{path.relative_to(ROOT)}:{node.lineno}" for path in module_files().values()
             for node in ast.walk(ast.parse(path.read_text(encoding="utf-8")))
             if isinstance(node, ast.ImportFrom) and node.level]
    assert found == []


def test_the_allow_lists_hold_only_what_is_still_there():
    """An entry goes when its import goes, so that the lists only shrink."""
    inside = {(m, t) for m, t, _ in function_level(IMPORTS)}
    assert sorted(set(FUNCTION_LEVEL_ALLOWED) - inside) == []
    assert sorted(set(KNOWN_UPWARD) - set(upward_imports(IMPORTS))) == []
    assert sorted(set(DYNAMIC_IMPORTS_ALLOWED) - dynamic_importers()) == []


DEFERRED = deferred_calls()


def test_imports_on_first_use_go_through_deferred():
    """importlib only where the allow list says why: an import of syncproof's own modules on first
    use is a `Deferred`, whose literal names the layering test reads."""
    assert sorted(dynamic_importers() - set(DYNAMIC_IMPORTS_ALLOWED)) == []


def test_every_deferred_names_its_module_and_name_in_literals():
    assert [(m, line) for m, line, named in DEFERRED if named is None] == []


def test_the_registry_and_the_command_line_defer_the_engines():
    """What issue 13 deferred is still deferred: z3, hypothesis and numpy load on first use."""
    named = {named[0] for m, _, named in DEFERRED if named}
    assert {"checker.engines.explicit.search", "checker.engines.symbolic",
            "checker.engines.simulate", "checker.cli.commands.ci_run", "checker.cli.commands.conform_run",
            "checker.cli.commands.graph_run"} <= named
    registry = {t for t, _, _ in IMPORTS["checker.engines.registry"]}
    assert "checker.engines.symbolic" in registry and "checker.engines.explicit.search" in registry


@pytest.mark.parametrize("module, name", sorted({named for _, _, named in DEFERRED if named}))
def test_every_deferred_resolves(module, name):
    assert hasattr(importlib.import_module(module), name), f"{module} has no {name}"


# ---- the rules catch what they are for (synthetic modules) -------------------------------------------

def _imports(source_by_module: dict) -> dict:
    """The imports of synthetic modules; a module with submodules among them is a package."""
    files = {m: Path(m.replace(".", "/"), "__init__.py") if any(n.startswith(m + ".") for n in source_by_module)
             else Path(m.replace(".", "/") + ".py") for m in source_by_module}
    return {m: imports_of(m, ast.parse(src), files) for m, src in source_by_module.items()}


def test_a_deliberately_upward_import_is_caught():
    graph = _imports({"checker.core.result": "from checker.cli.main import main\n",
                      "checker.cli.main": "from checker.core.result import Result\n",
                      "spec.ir": "import checker.engines.explicit.search\n",
                      "checker.engines.explicit.search": ""})
    assert upward_imports(graph) == [("checker.core.result", "checker.cli.main"),
                                     ("spec.ir", "checker.engines.explicit.search")]


def test_layers_by_the_longest_name():
    assert layer_of("checker.engines.explicit.search") < layer_of("checker.traces.replay") \
        < layer_of("checker.engines.symbolic.lasso") < layer_of("checker.engines.registry")
    assert layer_of("checker") == layer_of("checker.core.kinds")
    assert layer_of("checker.newthing") is None


def test_a_cycle_is_caught_and_a_function_level_import_is_not_a_module_edge():
    graph = _imports({"checker.engines.simulate.engine": "from checker.engines.simulate import wide\n",
                      "checker.engines.simulate.wide": "from checker.engines.simulate.engine import Simulator\n",
                      "checker.engines.simulate": "",
                      "checker.a": "def f():\n    import checker.b\n",
                      "checker.b": "import checker.a\n"})
    assert cycles(graph) == [["checker.engines.simulate.engine", "checker.engines.simulate.wide"]]
    assert function_level(graph) == [("checker.a", "checker.b", 2)]



def test_cycles_are_grouped_apart():
    graph = _imports({"checker.a": "import checker.b\n", "checker.b": "import checker.c\n",
                      "checker.c": "import checker.a\nimport checker.d\n", "checker.d": "",
                      "checker.x": "import checker.y\n", "checker.y": "import checker.x\nimport checker.a\n"})
    assert cycles(graph) == [["checker.a", "checker.b", "checker.c"], ["checker.x", "checker.y"]]

def test_a_deferred_is_an_edge_checked_like_an_import():
    graph = _imports({"checker.engines.registry":
                      'from checker.core.deferred import Deferred\n'
                      'check = Deferred("checker.engines.symbolic.run", "check")\n'
                      'late = Deferred("checker.cli.main", "main")\n',
                      "checker.engines.symbolic.run": 'import checker.engines.registry\n',
                      "checker.core.deferred": "", "checker.cli.main": ""})
    assert [t for t, _, _ in graph["checker.engines.registry"]] == [
        "checker.core.deferred", "checker.engines.symbolic.run", "checker.cli.main"]
    assert upward_imports(graph) == [("checker.engines.registry", "checker.cli.main"),
                                     ("checker.engines.symbolic.run", "checker.engines.registry")]
    assert cycles(graph) == [["checker.engines.registry", "checker.engines.symbolic.run"]]
    assert function_level(graph) == []


def test_a_deferred_without_literals_is_not_an_edge_but_is_found():
    node = ast.parse('Deferred(NAME, "check")').body[0].value
    assert is_deferred(node) and deferred_name(node) is None
    assert deferred_name(ast.parse('x.Deferred("a.b", "c")').body[0].value) == ("a.b", "c")


def test_relative_imports_resolve_against_the_package():
    graph = _imports({"checker.reports.formats": "from . import text\nfrom ..console import x\n",
                      "checker.reports.formats.text": "from .common import y\n",
                      "checker.reports.formats.common": "", "checker.reports.console": ""})
    assert [t for t, _, _ in graph["checker.reports.formats"]] == ["checker.reports.formats.text",
                                                                  "checker.reports.console"]
    assert [t for t, _, _ in graph["checker.reports.formats.text"]] == ["checker.reports.formats.common"]
