"""The VS Code extension (editors/vscode/): its grammar, its manifest, its grammar tests.

Always run (no node needed): the TextMate grammar is valid JSON whose regular
expressions compile and whose includes resolve; every keyword and operator of
spec/grammar.lark, and every built-in function, is named in it and asserted,
with a keyword-like scope, in a grammar test file (editors/vscode/tests/*.sync), so a new keyword cannot be
forgotten; package.json contributes the language, the grammar, the commands
and the `syncproof.path` setting; the check command asks the real CLI for
flags it has; the language configuration's indentation rules do what they say.

With npm and editors/vscode/node_modules (editors/vscode/build.sh, which
.ci/run runs, installs them): the grammar tests run with vscode-tmgrammar-test
and must pass, and a test file with a wrong scope must make them fail; and
(marked slow) the compiled extension runs in node against a stand-in for the
vscode API with this repository's CLI: it starts `syncproof lsp`, and its
check command writes and opens the HTML report. Otherwise those tests skip,
loudly.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import warnings
from pathlib import Path

import pytest

from spec.typecheck.builtins import BUILTINS
from test_docs import GRAMMAR_OPERATORS, GRAMMAR_WORDS

ROOT = Path(__file__).resolve().parent.parent
EXT = ROOT / "editors" / "vscode"
GRAMMAR = EXT / "syntaxes" / "syncproof.tmLanguage.json"
TESTS = sorted((EXT / "tests").glob("*.sync"))
MANIFEST = json.loads((EXT / "package.json").read_text(encoding="utf-8"))
SOURCE = (EXT / "src" / "extension.ts").read_text(encoding="utf-8")

# scopes that a theme colours as a keyword, an operator, a type or a built-in
KEYWORD_SCOPES = ("keyword.", "storage.", "support.", "constant.language.", "variable.language.")


def _rules(node):
    """Every rule of the grammar (dicts with match/begin/end/include), depth first."""
    if isinstance(node, dict):
        if any(k in node for k in ("match", "begin", "include")):
            yield node
        for value in node.values():
            yield from _rules(value)
    elif isinstance(node, list):
        for value in node:
            yield from _rules(value)


TM = json.loads(GRAMMAR.read_text(encoding="utf-8"))
REGEXES = [r[k] for r in _rules(TM) for k in ("match", "begin", "end", "while") if k in r]


# ---- the grammar file ------------------------------------------------------------------

def test_the_grammar_is_a_textmate_grammar_for_sync_files():
    assert TM["scopeName"] == "source.syncproof"
    assert TM["fileTypes"] == ["sync"]
    assert TM["patterns"] and len(REGEXES) > 50


def test_every_regex_compiles():
    # the grammar keeps to the subset of Oniguruma that Python's re also reads, so a broken
    # pattern is caught here without node
    for rx in REGEXES:
        re.compile(rx)


def test_every_include_resolves_and_every_repository_entry_is_used():
    includes = {r["include"] for r in _rules(TM) if "include" in r}
    assert all(i.startswith("#") for i in includes), includes
    assert {i[1:] for i in includes} == set(TM["repository"])


def test_every_scope_ends_with_the_language():
    names = [v for r in _rules(TM) for k, v in r.items() if k in ("name", "contentName")]
    names += [c["name"] for r in _rules(TM) for k in ("captures", "beginCaptures", "endCaptures")
              for c in r.get(k, {}).values()]
    assert names and all(n.endswith(".syncproof") for n in names), [n for n in names if not n.endswith(".syncproof")]


@pytest.mark.parametrize("word", sorted(GRAMMAR_WORDS | {"constraint", "step"}))
def test_every_keyword_is_in_the_grammar(word):
    assert any(re.search(rf"(?<![A-Za-z_]){word}(?![A-Za-z_])", rx) for rx in REGEXES), \
        f"the keyword '{word}' of spec/grammar.lark is not highlighted: add it to {GRAMMAR.relative_to(ROOT)}"


# ---- the grammar tests ------------------------------------------------------------------

def _assertions(path: Path) -> list[tuple[str, str, str]]:
    """(token text, scopes required, source line) for every `^`/`<-` assertion of a test file."""
    out, source = [], None
    lines = path.read_text(encoding="utf-8").splitlines()
    assert lines[0] == '# SYNTAX TEST "source.syncproof" ' + lines[0].split(" ", 4)[-1], lines[0]
    for line in lines[1:]:
        arrow = re.match(r"#\s*<(-+)\s+(.*)$", line)
        carets = re.match(r"#(\s*)(\^+)\s+(.*)$", line)
        if arrow and source is not None:
            out.append((source[:len(arrow[1])], arrow[2], source))
        elif carets and source is not None:
            start = 1 + len(carets[1])
            out.append((source[start:start + len(carets[2])], carets[3], source))
        else:
            source = line
    return out


ASSERTED = [a for path in TESTS for a in _assertions(path)]


def _keyword_scoped(token: str) -> bool:
    return any(text == token and any(s.startswith(KEYWORD_SCOPES) for s in scopes.split(" - ")[0].split())
               for text, scopes, _ in ASSERTED)


def test_there_is_a_test_file_per_group_of_constructs():
    assert {p.stem for p in TESTS} >= {"declarations", "statements", "expressions", "types", "lexical"}
    assert len(ASSERTED) > 200


@pytest.mark.parametrize("word", sorted(GRAMMAR_WORDS | {"constraint", "step"}))
def test_every_keyword_has_a_scope_assertion(word):
    assert _keyword_scoped(word), \
        f"no grammar test asserts a keyword scope on '{word}': add a line using it to editors/vscode/tests/*.sync"


@pytest.mark.parametrize("name", sorted(BUILTINS))
def test_every_builtin_function_is_highlighted_and_asserted(name):
    assert any(re.search(rf"(?<![A-Za-z_]){name}(?![A-Za-z_])", rx) for rx in REGEXES), \
        f"the built-in function '{name}' is not in {GRAMMAR.relative_to(ROOT)}"
    assert any(text == name and scopes.startswith("support.function.builtin") for text, scopes, _ in ASSERTED), \
        f"no grammar test asserts support.function.builtin on '{name}(...)'"


@pytest.mark.parametrize("op", sorted(GRAMMAR_OPERATORS))
def test_every_operator_has_a_scope_assertion(op):
    assert _keyword_scoped(op), f"no grammar test asserts an operator scope on '{op}'"


@pytest.mark.parametrize("decl", ["model", "const", "enum", "type", "var", "def", "action", "invariant", "property",
                                  "constraint", "step", "converge", "process", "channel"])
def test_every_declaration_names_its_entity(decl):
    lines = [(text, scopes) for text, scopes, src in ASSERTED if re.match(rf"\s*{decl}\s", src)]
    assert any(s.startswith("entity.name.") for _, s in lines), f"no test asserts the entity.name scope of a {decl}'s name"


# ---- the manifest and the extension ------------------------------------------------------

def test_package_json_contributes_the_language_the_grammar_and_the_commands():
    contributes = MANIFEST["contributes"]
    [language] = contributes["languages"]
    assert language["id"] == "syncproof" and language["extensions"] == [".sync"]
    assert (EXT / language["configuration"]).is_file()
    [grammar] = contributes["grammars"]
    assert grammar["language"] == "syncproof" and grammar["scopeName"] == TM["scopeName"]
    assert (EXT / grammar["path"]).resolve() == GRAMMAR
    commands = {c["command"]: c for c in contributes["commands"]}
    assert commands["syncproof.checkModel"]["title"] == "Check model"
    assert commands["syncproof.checkModel"]["category"] == "syncproof"
    assert contributes["configuration"]["properties"]["syncproof.path"]["default"] == "syncproof"
    assert MANIFEST["main"] == "./out/extension.js"
    assert "vscode-languageclient" in MANIFEST["dependencies"]
    assert {"@vscode/vsce", "vscode-tmgrammar-test", "typescript"} <= set(MANIFEST["devDependencies"])


def test_every_command_and_setting_is_used_by_the_extension():
    for command in MANIFEST["contributes"]["commands"]:
        assert f'"{command["command"]}"' in SOURCE
    for setting in MANIFEST["contributes"]["configuration"]["properties"]:
        if setting != "syncproof.trace.server":   # read by vscode-languageclient itself
            assert f'"{setting.split(".", 1)[1]}"' in SOURCE, setting


def test_the_lockfile_is_committed_and_node_modules_is_not():
    lock = json.loads((EXT / "package-lock.json").read_text(encoding="utf-8"))
    assert lock["packages"][""]["dependencies"] == MANIFEST["dependencies"]
    ignored = (EXT / ".gitignore").read_text().split()
    assert {"node_modules/", "out/", "*.vsix"} <= set(ignored)


def test_the_check_command_uses_flags_the_cli_has():
    # the extension runs `syncproof check [extra] FILE --format html --output REPORT`
    assert '["check", ...extra, model, "--format", "html", "--output", report]' in SOURCE
    assert 'args: ["lsp"]' in SOURCE
    from checker.cli.main import build_parser
    args = build_parser().parse_args(["check", "--max-states", "10", "m.sync", "--format", "html", "--output", "r.html"])
    assert (args.command, args.model, args.format, args.output) == ("check", "m.sync", "html", "r.html")


def test_the_language_configuration():
    conf = json.loads((EXT / "language-configuration.json").read_text(encoding="utf-8"))
    assert conf["comments"] == {"lineComment": "#"}
    assert ["{", "}"] in conf["brackets"] and ["[", "]"] in conf["brackets"] and ["(", ")"] in conf["brackets"]
    rules = {k: re.compile(v) for k, v in conf["indentationRules"].items()}
    for line in ["action Pay(u: USERS) {", "init {   # start", "  if x > 0 {", "  balance = {", "process R[n in NODES] {"]:
        assert rules["increaseIndentPattern"].match(line), line
    for line in ["action Tick { skip }", "init { x = 0 }", "# a {"]:
        assert not rules["increaseIndentPattern"].match(line), line
    for line in ["}", "  } else {", "]"]:
        assert rules["decreaseIndentPattern"].match(line), line
    for line in ["invariant Safe:", "property Live:   # later", "type Msg =", "def fee(a: 0..3) -> 0..3 ="]:
        assert rules["indentNextLinePattern"].match(line), line
    for line in ["invariant Safe: x > 0", "type Msg = A | B"]:
        assert not rules["indentNextLinePattern"].match(line), line


def test_ci_builds_the_extension_and_runs_the_grammar_tests():
    ci = (ROOT / ".ci" / "run").read_text()
    assert "editors/vscode/build.sh" in ci and "npm test" in ci
    assert "test:extension" in MANIFEST["scripts"]["test"] and "test:grammar" in MANIFEST["scripts"]["test"]
    assert ci.index("pip install -e '.[test]'") < ci.index("editors/vscode/build.sh") < ci.index("\npytest\n")


def test_the_screenshot_shows_a_model_that_loads():
    # scripts/screenshot.mjs renders scripts/showcase.sync into docs/images/vscode-highlighting.png
    from spec.loader import load
    model = load(EXT / "scripts" / "showcase.sync")
    assert model.name == "EscrowSettlement"
    png = (ROOT / "docs" / "images" / "vscode-highlighting.png").read_bytes()
    assert png.startswith(b"\x89PNG\r\n\x1a\n") and len(png) > 20_000


def test_the_readme_example_is_a_real_test():
    readme = (EXT / "README.md").read_text(encoding="utf-8")
    example = re.search(r"```\n(fairness weak.*?)```", readme, re.S)[1]
    assert example in (EXT / "tests" / "declarations.sync").read_text(encoding="utf-8")


# ---- with node: the grammar tests themselves ------------------------------------------------

NPM = shutil.which("npm")
NO_NODE = ("NPM OR editors/vscode/node_modules IS MISSING: the TextMate grammar tests did NOT run. "
           "Run editors/vscode/build.sh (npm ci), as .ci/run does.")


@pytest.fixture(scope="module")
def tmgrammar_test():
    tool = EXT / "node_modules" / ".bin" / "vscode-tmgrammar-test"
    if NPM is None or not tool.exists():
        warnings.warn(NO_NODE)
        pytest.skip(NO_NODE)
    return tool


def _run(tool: Path, *files: str) -> subprocess.CompletedProcess:
    return subprocess.run([str(tool), "--compact", "-g", "syntaxes/syncproof.tmLanguage.json", *files],
                          cwd=EXT, capture_output=True, text=True, timeout=120)


def test_the_grammar_tests_pass(tmgrammar_test):
    proc = _run(tmgrammar_test, "tests/*.sync")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    for path in TESTS:
        assert f"tests/{path.name} run successfuly" in proc.stdout, proc.stdout


def test_a_wrong_scope_fails_the_grammar_tests(tmgrammar_test, tmp_path):
    wrong = EXT / "tests" / "declarations.sync"
    text = wrong.read_text(encoding="utf-8")
    assert "entity.name.constant.syncproof" in text
    bad = tmp_path / "wrong.sync"
    bad.write_text(text.replace("entity.name.constant.syncproof", "entity.name.function.syncproof", 1), encoding="utf-8")
    proc = _run(tmgrammar_test, str(bad))
    assert proc.returncode != 0
    assert "entity.name.function.syncproof" in proc.stdout + proc.stderr


@pytest.mark.slow
def test_the_extension_runs_the_cli_and_opens_the_report(tmgrammar_test):
    # compiles src/extension.ts, then runs it in node against a stand-in for the vscode API with
    # this repository's CLI (editors/vscode/tests/extension.test.js says what it checks)
    compiled = subprocess.run([NPM, "run", "compile", "--silent"], cwd=EXT, capture_output=True, text=True, timeout=300)
    assert compiled.returncode == 0, compiled.stdout + compiled.stderr
    proc = subprocess.run(["node", "--test", "tests/extension.test.js"], cwd=EXT, capture_output=True, text=True,
                          timeout=300, env={**os.environ, "PYTHON": sys.executable})
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "# pass 6" in proc.stdout and "# fail 0" in proc.stdout, proc.stdout


if __name__ == "__main__":
    sys.exit(pytest.main([__file__]))
