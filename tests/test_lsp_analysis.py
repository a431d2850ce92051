"""The language server's knowledge of a model without the protocol (`checker.lsp.analysis`), the
`syncproof lsp` command without pygls, and random edits that must never break the server."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from checker.cli.commands import lsp as lsp_command
from checker.cli.main import main
from checker.lsp import analysis as A

ROOT = Path(__file__).resolve().parent.parent
MODELS = ROOT / "models"
TPC = (MODELS / "two_phase_commit.sync").read_text()


def read(path: Path) -> str | None:
    try:
        return Path(path).read_text()
    except OSError:
        return None


def analyze(text: str, name: str = "/m/model.sync", previous=None) -> A.Analysis:
    return A.analyze(name, text, read, previous)


def pos(text: str, needle: str, into: int = 0) -> tuple[int, int]:
    i = text.index(needle) + into
    return text.count("\n", 0, i) + 1, i - (text.rfind("\n", 0, i) + 1) + 1


# ---- the command without pygls ------------------------------------------------------------------------

def test_without_pygls_the_command_says_how_to_install_it(monkeypatch, capsys):
    real = importlib.util.find_spec
    monkeypatch.setattr(lsp_command.importlib.util, "find_spec",
                        lambda name, *a: None if name == "pygls" else real(name, *a))
    assert main(["lsp"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error[E640]: the language server needs pygls, which is not installed")
    assert "pip install 'syncproof[lsp]'" in err and "Traceback" not in err


# ---- diagnostics and quick fixes ----------------------------------------------------------------------------

def test_every_error_is_collected_with_its_code_and_span():
    text = TPC.replace("var msgs: set[Msg]", "var msgs: set[Mgs]").replace("require Abort in msgs", "require Abrot in msgs")
    a = analyze(text)
    assert [(d.code, d.span.line, d.span.col) for d in a.diagnostics] == [
        ("E203", *pos(text, "Mgs]")), ("E201", *pos(text, "Abrot"))]
    fixes = [A.quick_fix(d) for d in a.diagnostics]
    assert [(A.span_text(s), new) for s, new in fixes] == [("Mgs", "Msg"), ("Abrot", "Abort")]


def test_the_assignment_for_a_comparison_gets_its_operator_as_a_quick_fix():
    text = TPC.replace("require tm_state == init\n  tm_state = aborted", "require tm_state = init\n  tm_state = aborted")
    [d] = analyze(text).diagnostics
    span, new = A.quick_fix(d)
    assert d.code.startswith("E1") and (span.line, span.col, A.span_text(span), new) == (
        *pos(text, "= init\n  tm_state = aborted"), "=", "==")


def test_a_warning_is_published_as_a_warning():
    a = analyze("model M\nvar x: 0..1\ninit {\n  x = 0\n}\n")
    assert [(d.code, d.severity) for d in a.diagnostics] == [("W102", "warning")]


def test_an_unreadable_import_is_e602_at_the_import():
    [d] = analyze('model M\nimport "nowhere.sync"\nvar x: 0..1\ninit {\n  x = 0\n}\n').diagnostics
    assert (d.code, d.span.line, d.span.col) == ("E602", 2, 1) and "nowhere.sync" in d.message


def test_a_text_that_does_not_parse_keeps_the_last_index():
    good = analyze(TPC)
    bad = analyze(TPC + "\naction {", previous=good)
    assert bad.stale and bad.globals is good.globals and bad.diagnostics[0].code.startswith("E1")
    assert not analyze(TPC + "\naction {").globals   # nothing to keep without an earlier parse


# ---- names --------------------------------------------------------------------------------------------------

def test_doc_comment_and_hover_of_a_def():
    text = "model M\n\n# how far x may go\n# (inclusive)\ndef room(k: 0..3) -> bool = x + k <= 3\n" \
           "var x: 0..3\ninit {\n  x = 0\n}\naction Inc {\n  require room(1)\n  x = x + 1\n}\n"
    a = analyze(text)
    assert a.diagnostics == []
    o = a.occurrence_at(*pos(text, "room(1)"))
    assert A.hover_text(a, a.symbol(o.key)) == "```syncproof\ndef room(k: 0..3) -> bool\n```\n\nhow far x may go\n(inclusive)"
    k = a.occurrence_at(*pos(text, "k <= 3"))
    assert A.hover_text(a, a.symbol(k.key)) == "```syncproof\n(parameter) k: 0..3\n```"


def test_lets_and_binders_are_scoped():
    text = "model M\nconst S = {1, 2}\nvar x: 0..9\ninit {\n  x = 0\n}\naction A {\n  let y = x + 1\n" \
           "  require forall y in S: y > 0\n  require y < 9\n  x = y\n}\n"
    a = analyze(text)
    assert a.diagnostics == []
    let = a.occurrence_at(*pos(text, "let y", 4)).key
    binder = a.occurrence_at(*pos(text, "forall y", 7)).key
    assert let != binder
    assert [u.span.line for u in a.uses(let)] == [8, 10, 11]
    assert [(u.span.line, u.span.col) for u in a.uses(binder)] == [(9, 18), (9, 26)]


def test_rename_refuses_what_would_break_the_model():
    a = analyze(TPC)
    with pytest.raises(A.RenameRefused, match="already declared"):
        A.rename(a, *pos(TPC, "var msgs", 4), "tm_state")
    with pytest.raises(A.RenameRefused, match="cannot be a name"):
        A.rename(a, *pos(TPC, "var msgs", 4), "2x")
    with pytest.raises(A.RenameRefused, match="no declared name"):
        A.rename(a, *pos(TPC, "require", 2), "x")
    # a parameter renamed to a variable its action uses would hide the variable
    with pytest.raises(A.RenameRefused, match="would then mean another name"):
        A.rename(a, *pos(TPC, "action RMPrepare(r", len("action RMPrepare(")), "msgs")
    # a variable renamed to a parameter's name, in the action of that parameter
    with pytest.raises(A.RenameRefused, match="would then mean another name"):
        A.rename(a, *pos(TPC, "var msgs", 4), "r")
    # a parameter renamed to a name no one else uses there is fine
    edits = A.rename(a, *pos(TPC, "action RMPrepare(r", len("action RMPrepare(")), "rm")
    assert len(edits) == 4 and {new for _, new in edits} == {"rm"}


def test_completion_after_a_dot_of_a_non_record_is_empty_and_elsewhere_none():
    a = analyze(TPC)
    assert A.field_completions(a, "  x = msgs.", 5, 12) == []
    assert A.field_completions(a, "  x = msgs", 5, 11) is None


# ---- positions in the protocol's units ----------------------------------------------------------------------

def test_positions_count_utf16_units():
    pytest.importorskip("lsprotocol", reason="the server's conversions need lsprotocol (pip install -e '.[lsp]')")
    from checker.lsp import server as S
    text = "model M\n# déjà vu 𝄞\nconst 𝄞x = 1\n"
    p = S.lsp_position(text, 3, 8)     # after the 7 characters "const 𝄞": 𝄞 is two UTF-16 units
    assert (p.line, p.character) == (2, 8)
    assert S.span_position(text, p) == (3, 8)
    # a client that prefers UTF-8 counts bytes: 𝄞 is four
    p = S.lsp_position(text, 3, 8, "utf-8")
    assert (p.line, p.character) == (2, 10)
    assert S.span_position(text, p, "utf-8") == (3, 8)
    assert S.lsp_position(text, 2, 5, "utf-32").character == 4


# ---- random edits never break the server ---------------------------------------------------------------------

PIECES = ["{", "}", "(", ")", "[", "]", ".", ":", "=", "==", "\n", " ", "let ", "action ", "x", "msgs", "RM",
          "forall r in RM: ", "#", '"', "é", "𝄞", "0..", "match ", "=> ", "|", "import \"x.sync\"\n", "def f(", "process "]


@st.composite
def edits(draw):
    text = TPC
    for _ in range(draw(st.integers(1, 4))):
        i = draw(st.integers(0, len(text)))
        j = draw(st.integers(i, min(len(text), i + 40)))
        text = text[:i] + "".join(draw(st.lists(st.sampled_from(PIECES), max_size=4))) + text[j:]
    return text


@pytest.mark.slow   # 2-5 s on two busy cores: CI's slow selection runs it (the default run stays under 10 minutes)
@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(edits(), st.integers(1, 80), st.integers(1, 40))
def test_random_edits_never_break_the_analysis(text, line, col):
    previous = analyze(TPC)
    a = analyze(text, previous=previous)
    assert a.internal_error is None, a.internal_error
    for d in a.diagnostics:
        assert d.code[0] in "EW" and (d.span is None or d.span.line >= 1)
        A.quick_fix(d)
    lines = text.split("\n")
    o = a.occurrence_at(line, col)
    if o is not None and a.symbol(o.key) is not None:
        A.hover_text(a, a.symbol(o.key))
        try:
            A.rename(a, line, col, "renamed")
        except A.RenameRefused:
            pass
    A.completions(a, line, col)
    A.field_completions(a, lines[line - 1] if line <= len(lines) else "", line, col)


# ---- the check lens's worker ----------------------------------------------------------------------------------

def test_the_worker_stops_at_the_editors_limits():
    from checker.lsp import worker
    path = str(MODELS / "two_phase_commit.sync")
    stopped = worker.check(path, TPC, "Consistent", max_states=5, timeout=60)
    assert stopped["verdict"] == "inconclusive" and "steps" not in stopped
    done = worker.check(path, TPC, "Consistent", max_states=10**6, timeout=60)
    assert done["verdict"] == "holds" and done["states"] > stopped["states"]


def test_the_worker_reports_a_model_that_does_not_check():
    from checker.lsp import worker
    out = worker.check("/m/x.sync", TPC.replace("var msgs: set[Msg]", "var msgs: set[Mgs]"), "Consistent", 100, 60)
    assert out["verdict"] == "error" and "error[E203]: unknown type 'Mgs'" in out["message"]


def test_the_lens_limits_come_from_the_initialization_options():
    pytest.importorskip("lsprotocol", reason="the lens needs lsprotocol (pip install -e '.[lsp]')")
    from checker.lsp import lens
    checks = lens.Checks(server=None)
    checks.configure({"check": {"maxStates": 7, "timeout": 2.5}})
    assert (checks.max_states, checks.timeout) == (7, 2.5)
    checks.configure({"check": {"maxStates": -1, "timeout": "x"}})   # nonsense is ignored
    assert (checks.max_states, checks.timeout) == (7, 2.5)
    checks.configure(None)
    assert (lens.Checks(None).max_states, lens.Checks(None).timeout) == (lens.MAX_STATES, lens.TIMEOUT)


# ---- record fields ---------------------------------------------------------------------------------------------

LEDGER = (MODELS / "options_ledger.sync").read_text()


def test_a_field_has_its_declaration_uses_and_a_rename():
    a = analyze(LEDGER)
    assert a.diagnostics == []
    use = a.occurrence_at(*pos(LEDGER, ".margin", 1))
    assert use.key == ("f", "margin") and a.declarations(use.key) == [a.symbol(use.key).span]
    decl = a.symbol(use.key).span
    assert (decl.line, decl.col) == pos(LEDGER, "margin: 0..MAX_MARGIN")
    assert "(field) margin: 0..MAX_MARGIN  # of Slot" in A.hover_text(a, a.symbol(use.key))
    edits = A.rename(a, *pos(LEDGER, ".margin", 1), "collateral")
    renamed = _apply(LEDGER, edits)
    code = "\n".join(line.split("#", 1)[0] for line in renamed.split("\n"))
    assert "margin" not in code.replace("MAX_MARGIN", "").replace("Margin", "")
    from spec.loader import load_text
    assert load_text(renamed).vars   # the renamed model checks: every access and literal followed


def test_a_field_rename_refuses_a_clash():
    a = analyze(LEDGER)
    with pytest.raises(A.RenameRefused, match="already a field of this record"):
        A.rename(a, *pos(LEDGER, ".margin", 1), "holder")
    with pytest.raises(A.RenameRefused, match="a record literal's 'TOTAL:' would name it"):
        A.rename(a, *pos(LEDGER, ".margin", 1), "TOTAL")


def test_a_field_of_two_records_has_both_declarations_and_no_rename():
    text = "model M\ntype A = {n: 0..1}\ntype B = {n: 0..2}\nvar a: A\nvar b: B\ninit {\n  a = {n: 0}\n  b = {n: 0}\n}\n" \
           "action Inc {\n  require a.n < 1\n  a.n = a.n + 1\n}\n"
    a = analyze(text)
    assert a.diagnostics == []
    key = a.occurrence_at(*pos(text, "a.n < 1", 2)).key
    assert [(s.line, s.col) for s in a.declarations(key)] == [(2, 11), (3, 11)]
    with pytest.raises(A.RenameRefused, match="declared in several records"):
        A.rename(a, *pos(text, "a.n < 1", 2), "m")


def _apply(text: str, edits) -> str:
    lines = text.split("\n")
    for span, new in sorted(edits, key=lambda e: (e[0].line, -e[0].col)):
        row = lines[span.line - 1]
        lines[span.line - 1] = row[:span.col - 1] + new + row[span.end_col - 1:]
    return "\n".join(lines)


def test_the_worker_reports_a_model_the_engine_cannot_check(monkeypatch, capsys):
    import io
    import json
    from checker.lsp import worker
    large = MODELS / "options_ledger_large.sync"
    monkeypatch.setattr("sys.stdin", io.StringIO(large.read_text()))
    assert worker.main([str(large), "Conservation", "1000", "60"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["verdict"] == "error" and "error[E520]: the explicit engine cannot enumerate this model" in out["message"]


def test_step_properties_and_constraints_are_symbols_and_a_primed_name_is_a_use():
    text = "model M\nvar x: 0..9\ninit {\n  x = 0\n}\naction Inc {\n  require x < 9\n  x = x + 1\n}\n" \
           "step Grows: x' >= x\nconstraint Small: x <= 5\n"
    a = analyze(text)
    assert a.diagnostics == []
    assert {s.name: s.kind for s in a.symbols_of() if s.kind in ("step", "constraint")} == \
        {"Grows": "step", "Small": "constraint"}
    key = a.occurrence_at(*pos(text, "x' >=")).key
    assert key == ("g", "x")
    assert (10, 13) in [(u.span.line, u.span.col) for u in a.uses(key)]
    renamed = _apply(text, A.rename(a, *pos(text, "var x", 4), "y"))
    assert "step Grows: y' >= y" in renamed
    from spec.loader import load_text
    assert load_text(renamed).step_properties
