"""`syncproof fmt` and `spec.formatter` (issue 17 item 3).

The formatter must keep the meaning (the checked IR of the formatted model is the IR of the
original, source positions aside), be idempotent, keep every comment where it was (on a line of
its own, or at the end of a line of code) and give one layout whatever the input's spacing. This
is checked on every shipped model, every example of the language reference, and random models
(tests/fuzz/generators.py) whose spacing hypothesis scrambles and into which it puts comments.
"""

from __future__ import annotations

import re
import stat
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from spec import formatter
from spec.diagnostics import SpecError
from spec.formatter import format_text, shape
from spec.layout import Group, Line, Nest, concat, render
from spec.loader import load, load_abstracts, load_modules, load_text
from spec.parser import parse
from spec.typecheck import check

from cli_helpers import ROOT, run_cli
from fuzz.generators import models
from test_docs import FILES, README, REFERENCE_EXAMPLES, extract, source_of

SHIPPED = sorted(p for d in ("models", "bench/corpus") for p in (ROOT / d).rglob("*.sync"))
HEALTH = [HealthCheck.too_slow, HealthCheck.large_base_example, HealthCheck.data_too_large]   # whole models
FEW = settings(max_examples=12, deadline=None, suppress_health_check=HEALTH)
MANY = settings(max_examples=300, deadline=None, suppress_health_check=HEALTH)

_TOKEN = re.compile(r'"(?:[^"\\\n]|\\.)*"|#[^\n]*|[0-9][0-9_]*\.[0-9][0-9_]*|\w+|\.\.|\*\*|\+\+|->|=>|==|!=|<=|>=|\S')


def formatted_ir_is_the_same(path: Path) -> str:
    """The model at `path` and every file it imports formatted; their IR compared; the main text."""
    modules = load_modules(path)
    texts = {m.source.name: format_text(m.source.text, m.source.name) for m in modules}
    after = [parse(texts[m.source.name], m.source.name) for m in modules]
    assert shape(after) == shape(modules)
    try:
        abstracts = load_abstracts(modules)   # the models a `refines` names
        before = check(modules, {}, abstracts)
    except SpecError:   # a file only ever imported (models/adversaries): it does not check alone
        with pytest.raises(SpecError):
            check(after, {})
        return texts[str(path)]
    assert shape(check(after, {}, abstracts)) == shape(before)
    return texts[str(path)]


# ---- every shipped model --------------------------------------------------------------------

@pytest.mark.parametrize("path", SHIPPED, ids=[str(p.relative_to(ROOT)) for p in SHIPPED])
def test_a_shipped_model_keeps_its_meaning_and_formats_once(path: Path):
    out = formatted_ir_is_the_same(path)
    assert format_text(out, str(path)) == out
    assert _comments(out) == _comments(path.read_text(encoding="utf-8"))


def test_every_shipped_model_is_covered():
    assert len(SHIPPED) >= 40 and any("adversaries" in str(p) for p in SHIPPED)


# ---- every example of the reference -------------------------------------------------------------

def _whole(ex) -> bool:
    return not ex.values("file") and not re.search(r"^\s*import\b", ex.text, re.M)


@pytest.mark.parametrize("ex", [e for e in REFERENCE_EXAMPLES if _whole(e)],
                         ids=[e.where for e in REFERENCE_EXAMPLES if _whole(e)])
def test_a_reference_example_keeps_its_meaning(ex):
    text = source_of(ex)
    try:
        out = format_text(text, ex.where)
    except SpecError as exc:   # an example of a syntax error
        assert {c[:2] for c in exc.codes} == {"E1"} and ex.values("error"), exc.render()
        return
    assert format_text(out, ex.where) == out
    assert _comments(out) == _comments(text)
    try:
        before = load_text(text, ex.where, ex.values("const"))
    except SpecError as exc:
        with pytest.raises(SpecError) as again:
            load_text(out, ex.where, ex.values("const"))
        assert again.value.codes == exc.codes
        return
    assert shape(load_text(out, ex.where, ex.values("const"))) == shape(before)


def test_an_imported_file_formats(tmp_path: Path):
    for name, lib in FILES.items():
        assert format_text(format_text(lib.text, name), name) == format_text(lib.text, name)


# ---- random models ------------------------------------------------------------------------

def _comments(text: str) -> list[tuple[str, bool]]:
    """Every comment in order, and whether it has a line of its own."""
    out = []
    for line in text.splitlines():
        m = next((m for m in _TOKEN.finditer(line) if m.group().startswith("#")), None)
        if m:
            out.append((m.group().rstrip(), not line[:m.start()].strip()))
    return out


@st.composite
def respaced(draw, text: str, comments: bool = False) -> str:
    """`text` with the spaces between its tokens changed (never a blank line added or removed)
    and, with `comments`, comments added at the ends of lines and on lines of their own."""
    tokens = [(m.start(), m.end()) for m in _TOKEN.finditer(text)]
    out, count = [text[:tokens[0][0]]], 0
    for i, (start, end) in enumerate(tokens):
        out.append(text[start:end])
        after = tokens[i + 1][0] if i + 1 < len(tokens) else len(text)
        gap = text[end:after]
        if after == len(text):
            out.append(gap)
            break
        is_comment, before_comment = text[start] == "#", text[after] == "#"
        if before_comment and "\n" not in gap:   # a comment at the end of a line stays there
            choice = draw(st.sampled_from(["", " ", "\t  "]))
        else:
            choice = draw(st.sampled_from(["\n", " \n", "\n  "] if "\n" in gap or is_comment else
                                          ["", " ", "\n", "\t  ", "\n    "]))
        if comments and not before_comment and draw(st.integers(0, 5)) == 0:
            count += 1
            choice = f"\n# c{count}\n" if is_comment or draw(st.booleans()) else f"  # c{count}\n"
        if not choice and _glued(text[end - 1], text[after]):
            choice = " "
        out.append(("\n\n" if gap.count("\n") >= 2 else "") + choice)
    return "".join(out)


def _glued(a: str, b: str) -> bool:
    return (a.isalnum() or a == "_") and (b.isalnum() or b == "_")


def layout_ignores_spacing(data) -> None:
    text = data.draw(models())
    scrambled = data.draw(respaced(text))
    assert format_text(scrambled) == format_text(text)


def meaning_and_comments_kept(data) -> None:
    text = data.draw(respaced(data.draw(models()), comments=True))
    out = format_text(text)
    assert format_text(out) == out
    assert _comments(out) == _comments(text)
    try:
        before = load_text(text)
    except SpecError:
        return   # a generated model the checker rejects (a constant out of range): the AST was compared
    assert shape(load_text(out)) == shape(before)


def _every_model_text() -> list[str]:
    """The shipped models and the reference's examples that parse: every construct of the language."""
    texts = [p.read_text(encoding="utf-8") for p in SHIPPED]
    for ex in REFERENCE_EXAMPLES:
        try:
            parse(source_of(ex), ex.where)
        except SpecError:
            continue
        texts.append(source_of(ex))
    return texts


EVERY_MODEL = _every_model_text()


def shipped_respaced(data) -> None:
    """A shipped model or an example: its layout whatever its spacing, its comments kept."""
    text = data.draw(st.sampled_from(EVERY_MODEL))
    assert format_text(data.draw(respaced(text))) == format_text(text)
    commented = data.draw(respaced(text, comments=True))
    out = format_text(commented)
    assert format_text(out) == out
    assert _comments(out) == _comments(commented)


@pytest.mark.slow   # 2-5 s on two busy cores: CI's slow selection runs it (the default run stays under 10 minutes)
@FEW
@given(st.data())
def test_shipped_models_respaced_and_commented(data):
    shipped_respaced(data)


@pytest.mark.slow
@MANY
@given(st.data())
def test_shipped_models_respaced_and_commented_many(data):
    shipped_respaced(data)


@FEW
@given(st.data())
def test_the_layout_does_not_depend_on_the_spacing(data):
    layout_ignores_spacing(data)


@FEW
@given(st.data())
def test_random_models_keep_their_meaning_and_comments(data):
    meaning_and_comments_kept(data)


@pytest.mark.slow
@MANY
@given(st.data())
def test_the_layout_does_not_depend_on_the_spacing_many(data):
    layout_ignores_spacing(data)


@pytest.mark.slow
@MANY
@given(st.data())
def test_random_models_keep_their_meaning_and_comments_many(data):
    meaning_and_comments_kept(data)


# ---- layout ----------------------------------------------------------------------------------

LONG = "model M\nconst N = 3\nvar x: 0..N\ninit { x = 0 }\ninvariant I: " + " and ".join(
    f"x != {i} + {i}" for i in range(20)) + "\n"


def test_long_lines_break_before_their_operators():
    out = format_text(LONG)
    assert max(len(line) for line in out.splitlines()) <= formatter.WIDTH
    assert "invariant I:\n  x != 0 + 0\n  and x != 1 + 1\n" in out


def test_comments_at_line_ends_are_aligned_and_own_line_comments_stay():
    text = ("# head\nmodel M\n\n\n\nconst A = 1 # one\nconst LONGER = 22   # two\n"
            "var x: 0..3\ninit {\n  # first\n  x = 0 # zero\n  # last\n}\n# end\n")
    assert format_text(text) == ("# head\nmodel M\n\nconst A = 1        # one\nconst LONGER = 22  # two\n"
                                 "var x: 0..3\ninit {\n  # first\n  x = 0  # zero\n  # last\n}\n# end\n")


def test_a_comment_inside_an_expression_breaks_it_there():
    text = "model M\nvar x: 0..3\ninit { x = 0 }\ninvariant I: x == 0 or # zero\n x == 1\n"
    out = format_text(text)
    assert "invariant I:\n  x == 0\n  or  # zero\n  x == 1\n" in out
    assert format_text(out) == out


def test_trailing_commas_go_and_their_comments_stay():
    text = "model M\nenum E { a, b, # last\n}\nvar x: E\ninit { x = a }\n"
    out = format_text(text)
    assert "b," not in out and "# last" in out and format_text(out) == out


def test_the_document_layout_breaks_the_groups_that_do_not_fit():
    doc = Group(concat("f(", Nest(2, concat(Line(soft=True), "aaaa,", Line(), "bbbb")), Line(soft=True), ")"))
    assert [ln.code for ln in render(doc, 20)] == ["f(aaaa, bbbb)"]
    assert [ln.code for ln in render(doc, 8)] == ["f(", "  aaaa,", "  bbbb", ")"]


def test_a_syntax_error_is_the_parsers_diagnostic():
    with pytest.raises(SpecError) as exc:
        format_text("model M\nvar x: bool\ninit { x = = true }\n", "m.sync")
    assert exc.value.codes == ["E100"]


# ---- the command -----------------------------------------------------------------------------

UGLY = "model M\nvar x : 0..3\ninit{x=0}\naction A { x = ( x+1 ) % 4 }\ninvariant I : x<4\n"
PRETTY = "model M\nvar x: 0..3\ninit {\n  x = 0\n}\naction A {\n  x = (x + 1) % 4\n}\ninvariant I: x < 4\n"


def test_fmt_rewrites_a_file_and_keeps_its_mode(tmp_path: Path, capsys):
    path = tmp_path / "m.sync"
    path.write_text(UGLY, encoding="utf-8")
    path.chmod(0o640)
    code, out, err = run_cli(["fmt", path], capsys)
    assert (code, out) == (0, "") and "reformatted" in err
    assert path.read_text(encoding="utf-8") == PRETTY
    assert stat.S_IMODE(path.stat().st_mode) == 0o640
    assert [p.name for p in tmp_path.iterdir()] == ["m.sync"]   # no temporary file left


def test_fmt_writes_through_a_link(tmp_path: Path, capsys):
    target = tmp_path / "m.sync"
    target.write_text(UGLY, encoding="utf-8")
    link = tmp_path / "link.sync"
    link.symlink_to(target)
    assert run_cli(["fmt", link], capsys)[0] == 0
    assert link.is_symlink() and target.read_text(encoding="utf-8") == PRETTY


def test_fmt_check_prints_a_diff_and_exits_1(tmp_path: Path, capsys):
    path = tmp_path / "m.sync"
    path.write_text(UGLY, encoding="utf-8")
    code, out, err = run_cli(["fmt", "--check", path], capsys)
    assert code == 1
    assert out.startswith(f"--- {path}\n+++ {path} (formatted)\n@@")
    assert "-init{x=0}\n" in out and "+  x = 0\n" in out
    assert path.read_text(encoding="utf-8") == UGLY
    path.write_text(PRETTY, encoding="utf-8")
    assert run_cli(["fmt", "--check", path], capsys)[:2] == (0, "")


def test_fmt_of_a_bad_file_writes_nothing(tmp_path: Path, capsys):
    good, bad = tmp_path / "a.sync", tmp_path / "b.sync"
    good.write_text(UGLY, encoding="utf-8")
    bad.write_text("model M\nvar x: bool\ninit { x = = true }\n", encoding="utf-8")
    code, out, err = run_cli(["fmt", good, bad], capsys)
    assert code == 2
    assert f"{bad}:3:12: error[E100]" in err and "init { x = = true }" in err and "^" in err
    assert good.read_text(encoding="utf-8") == UGLY
    code, out, err = run_cli(["fmt", "--check", tmp_path / "missing.sync"], capsys)
    assert code == 2 and "error[E601]: no such file" in err


# ---- pre-commit and the documentation ----------------------------------------------------------

def _hooks(text: str) -> list[dict]:
    """The list of flat mappings of a YAML file such as .pre-commit-hooks.yaml (no YAML library
    in the test dependencies)."""
    hooks: list[dict] = []
    for line in text.splitlines():
        m = re.match(r"^(\s*)(- )?(\w+): (.*)$", line)
        if m and not line.lstrip().startswith("#"):
            if m.group(2):
                hooks.append({})
            hooks[-1][m.group(3)] = m.group(4)
    return hooks


def test_the_pre_commit_hook_runs_fmt_on_models():
    hooks = _hooks((ROOT / ".pre-commit-hooks.yaml").read_text(encoding="utf-8"))
    fmt = next(h for h in hooks if h["id"] == "syncproof-fmt")
    assert fmt["entry"] == "syncproof fmt" and fmt["language"] == "python"
    assert re.search(fmt["files"], "models/a.sync") and not re.search(fmt["files"], "a.py")
    check = next(h for h in hooks if h["id"] == "syncproof-fmt-check")
    assert check["entry"] == "syncproof fmt --check"
    shown = re.findall(r"```yaml\n(.*?)```", (ROOT / "docs" / "ci.md").read_text(encoding="utf-8"), re.S)
    used = [m for block in shown if "repos:" in block for m in re.findall(r"- id: (\S+)", block)]
    assert used and set(used) <= {h["id"] for h in hooks}


def test_the_documented_example_is_what_fmt_writes():
    """docs/ci.md shows a model before and after `syncproof fmt`: the second block is the first formatted."""
    blocks = [e for e in extract(ROOT / "docs" / "ci.md") if e.text.startswith("model Fmt")]
    assert len(blocks) == 2
    before, after = (b.text for b in blocks)
    assert before != after and format_text(before) == after


def test_a_model_formatted_by_the_command_loads_as_before(tmp_path: Path, capsys):
    """One model end to end through the command: formatted in a copy, it loads to the same IR."""
    path = tmp_path / "bridge_union.sync"
    path.write_text((ROOT / "bench/corpus/bridge_union.sync").read_text(encoding="utf-8"), encoding="utf-8")
    before = shape(load(path))
    assert run_cli(["fmt", path], capsys)[0] == 0 and shape(load(path)) == before


def test_the_readme_lists_the_command():
    assert "syncproof fmt" in README.read_text(encoding="utf-8")
