"""Syntax errors and the diagnostic renderer: what was found, what was expected, where."""

from __future__ import annotations

import pytest

from spec.diagnostics import Collector, Diagnostic, Source, Span, SpecError, suggest
from spec_helpers import at, load_error, one, parse_error

# ---- the renderer -----------------------------------------------------------

SRC = Source("m.sync", "model M\nvar x: 0..3\n\tinvariant I: x == 1\n")


def test_render_points_at_the_span_with_a_caret_per_character():
    d = Diagnostic("E201", "unknown name 'y'", Span(SRC, 2, 8, 2, 12), "did you mean 'x'?")
    assert d.render() == (
        "m.sync:2:8: error[E201]: unknown name 'y'\n"
        "  2 | var x: 0..3\n"
        "    |        ^^^^\n"
        "  help: did you mean 'x'?")


def test_render_keeps_tabs_so_the_caret_lines_up():
    d = Diagnostic("E301", "bad", Span(SRC, 3, 15, 3, 21))
    assert d.render().splitlines()[1:] == ["  3 | \tinvariant I: x == 1", "    | \t             ^^^^^^"]


def test_render_of_a_span_over_several_lines_marks_its_start():
    d = Diagnostic("E317", "missing", Span(SRC, 2, 1, 3, 5), notes=("first", "second"))
    assert d.render() == (
        "m.sync:2:1: error[E317]: missing\n"
        "  2 | var x: 0..3\n"
        "    | ^\n"
        "  note: first\n"
        "  note: second")


def test_render_without_a_span_or_on_an_empty_line():
    assert Diagnostic("E603", "--const N: expected NAME=VALUE", None, "for example --const N=3").render() == \
        "error[E603]: --const N: expected NAME=VALUE\n  help: for example --const N=3"
    empty = Source("e.sync", "")
    assert Diagnostic("E102", "unexpected end of file", Span(empty, 1, 1, 1, 1)).render() == \
        "e.sync:1:1: error[E102]: unexpected end of file"


def test_render_warning_severity():
    d = Diagnostic("W102", "no actions", Span(SRC, 1, 1, 1, 8), severity="warning")
    assert d.render().splitlines()[0] == "m.sync:1:1: warning[W102]: no actions"


def test_line_numbers_widen_the_gutter():
    src = Source("big.sync", "\n" * 11 + "const N = x\n")
    d = Diagnostic("E201", "unknown name 'x'", Span(src, 12, 11, 12, 12))
    assert d.render().splitlines()[1:] == ["  12 | const N = x", "     |           ^"]


def test_spec_error_holds_every_diagnostic():
    a = Diagnostic("E201", "one", Span(SRC, 1, 1, 1, 2))
    b = Diagnostic("E302", "two", None)
    err = SpecError([a, b])
    assert err.codes == ["E201", "E302"]
    assert err.render() == a.render() + "\n\n" + b.render()
    assert str(err) == err.render()
    assert SpecError(a).diagnostics == [a]


def test_collector_raises_only_for_errors():
    c = Collector()
    c.warn("W101", "careful", None)
    c.done()  # warnings alone do not fail
    c.error("E201", "unknown", None)
    with pytest.raises(SpecError) as info:
        c.done()
    assert info.value.codes == ["E201"]


@pytest.mark.parametrize("name, candidates, expected", [
    ("cout", ["count", "x"], "did you mean 'count'?"),
    ("tm_sate", ["tm_state", "rm_state"], "did you mean 'tm_state'?"),
    ("RMSTATE", ["RMState", "TMState"], "did you mean 'RMState'?"),
    ("zzz", ["count", "x"], None),
    ("x", [], None),
])
def test_suggest(name, candidates, expected):
    assert suggest(name, candidates) == expected


# ---- syntax errors, rendered exactly ----------------------------------------

MODEL = "model M\nvar x: 0..3\ninit { x = 0 }\n"


def test_assign_where_compare_was_meant():
    err = parse_error(MODEL + "invariant I: x = 1\n")
    d = one(err)
    assert (d.code, at(d)) == ("E100", (4, 16))
    assert d.message.startswith("unexpected '='; expected ")
    assert "'=='" in d.message or "..." in d.message
    assert d.help == "did you mean '=='? ('=' assigns, '==' compares)"
    lines = err.render().splitlines()
    assert lines[0].startswith("p.sync:4:16: error[E100]: unexpected '='")
    assert lines[1:] == ["  4 | invariant I: x = 1", "    |                ^",
                         "  help: did you mean '=='? ('=' assigns, '==' compares)"]


def test_assign_where_compare_was_meant_in_a_condition():
    d = one(parse_error("model M\naction A { if x = 1 { skip } }\n"))
    assert (d.code, at(d)) == ("E100", (2, 17))
    assert "did you mean '=='?" in d.help


def test_unexpected_end_of_file():
    err = parse_error("model M\nvar x: 0..3\ninit { x = ")
    assert err.render() == (
        "p.sync:3:12: error[E102]: unexpected end of file; expected an expression\n"
        "  3 | init { x = \n"
        "    |            ^")


def test_unexpected_end_of_file_after_a_newline_points_past_the_last_line():
    d = one(parse_error("model M\naction A(\n"))
    assert d.code == "E102" and at(d) == (2, 10)
    assert d.message == "unexpected end of file; expected a name, ')'"


def test_empty_file():
    d = one(parse_error(""))
    assert (d.code, at(d), d.message) == ("E102", (1, 1), "unexpected end of file; expected 'model'")


def test_unexpected_character():
    err = parse_error("model M\ninvariant I: x $ 1\n")
    assert err.render() == (
        "p.sync:2:16: error[E101]: unexpected character '$'\n"
        "  2 | invariant I: x $ 1\n"
        "    |                ^")


@pytest.mark.parametrize("text, col, help", [
    ("invariant I: x ! y", 16, "write 'not' for negation and '!=' for inequality"),
    ("init { x = 1; y = 2 }", 13, None),
    ('init { assert x, "unclosed }', 18, "the string is not closed: add '\"' before the end of the line"),
    ("invariant I: `x`", 14, None),
])
def test_unexpected_characters(text, col, help):
    d = one(parse_error("model M\n" + text + "\n"))
    assert (d.code, at(d), d.help) == ("E101", (2, col), help)
    assert (d.span.end_line, d.span.end_col) == (2, col + 1)


@pytest.mark.parametrize("text, word, col", [
    ("var in: bool", "in", 5),
    ("const is = 1", "is", 7),
    ("var x, then: bool", "then", 8),
    ("action A(if: bool) {}", "if", 10),
    ("enum E { a, not }", "not", 13),
    ("init { let if = 1 }", "if", 12),
    ("invariant I: forall in in S: true", "in", 21),
    ("def f(a: bool, match: bool) -> bool = a", "match", 16),
    ("type T = { for: bool }", "for", 12),
])
def test_keyword_used_as_a_name(text, word, col):
    err = parse_error("model M\n" + text + "\n")
    d = one(err)
    assert (d.code, at(d)) == ("E103", (2, col))
    assert d.message.startswith(f"'{word}' is a keyword and cannot be used as a name")
    assert d.help == f"rename it, for example '{word}_'"
    assert err.render().splitlines()[2] == "    | " + " " * (col - 1) + "^" * len(word)


def test_keyword_where_an_expression_was_expected_is_not_called_a_name():
    # the lexer reads `or` as a name after `and`; the error must be at `or`, not later
    d = one(parse_error("model M\ninvariant I: x and or y\n"))
    assert (d.code, at(d), d.message) == ("E100", (2, 20), "unexpected 'or'; expected an expression")
    d = one(parse_error("model M\ninit { x = in + 1 }\n"))
    assert (d.code, at(d), d.message) == ("E100", (2, 12), "unexpected 'in'; expected an expression")


def test_else_after_a_loop():
    d = one(parse_error("model M\ninit { for i in 0..3 { skip } else {} }\n"))
    assert (d.code, at(d)) == ("E100", (2, 31))
    assert d.message == "unexpected 'else'; expected a statement, '}'"


@pytest.mark.parametrize("text, col, help", [
    ("init { x = a && b }", 15, "write 'and'"),
    ("invariant I: a || b", 17, "write 'or'"),
    ("init { x := 1 }", 10, "assignment is written '='"),
    ("invariant I { x == 1 }", 13, "a property is 'invariant Name: expression'"),
    ("invariant I: a < b < c", 20, "comparisons do not chain: write 'a < b and b < c'"),
])
def test_usual_slips_get_a_hint(text, col, help):
    d = one(parse_error("model M\n" + text + "\n"))
    assert (d.code, at(d), d.help) == ("E100", (2, col), help)


def test_what_was_found_and_expected():
    d = one(parse_error("model M\nvar x 0..3\n"))
    assert (at(d), d.message) == ((2, 7), "unexpected '0'; expected ',', ':'")
    d = one(parse_error("model M\nimport foo\n"))
    assert (at(d), d.message) == ((2, 8), "unexpected 'foo'; expected a string")
    d = one(parse_error("model M\ninit { x = 1 + }\n"))
    assert (at(d), d.message) == ((2, 16), "unexpected '}'; expected an expression")
    d = one(parse_error("model\n"))
    assert (d.code, d.message) == ("E102", "unexpected end of file; expected a name")
    d = one(parse_error("model M\ninit { if x { skip } else }\n"))
    assert (at(d), d.message) == ((2, 27), "unexpected '}'; expected 'if', '{'")


def test_a_syntax_error_in_a_later_line_reports_that_line():
    text = MODEL + "action A {\n  x = x + 1\n  require x <\n}\n"
    d = one(parse_error(text))
    assert (d.code, at(d)) == ("E100", (7, 1))
    assert d.message == "unexpected '}'; expected an expression"


BAD_INPUTS = [
    MODEL + "invariant I: x = 1\n",
    MODEL + "invariant I: a < b < c\n",
    MODEL + "init { x = 0 }}\n",
    MODEL + "action A { x = 1 y == 2 }\n",
    "model M\ninit { for i in 0..3 { skip } else {} }\n",
    "model M\nvar in: bool\n",
    "model M\ninvariant I: x $ 1\n",
    "model M\ninit { x = ",
    "model M\nconst\n",
    "model M\ntype T = A(x: ) | B\n",
    "model M\naction A(x: 0..3, ) { skip }\n",
]


@pytest.mark.parametrize("text", BAD_INPUTS)
def test_a_syntax_error_fits_on_one_screen(text):
    err = parse_error(text)
    lines = err.render().splitlines()
    assert len(err.diagnostics) == 1
    assert len(lines) <= 4
    assert max(len(line) for line in lines) <= 132, err.render()  # a wide terminal
    assert lines[0].startswith("p.sync:")
    assert "^" in lines[2] or err.diagnostics[0].span.source.line(err.diagnostics[0].span.line) == ""


# ---- name and type errors, rendered ------------------------------------------

def test_checker_error_renders_with_note_and_help():
    text = MODEL + "var x: bool\naction A { x = 1 }\n"
    err = load_error(text)
    assert err.render() == (
        "m.sync:4:5: error[E202]: 'x' is already declared\n"
        "  4 | var x: bool\n"
        "    |     ^\n"
        "  note: the first declaration is at m.sync:2:5")


def test_misspelt_name_renders_a_suggestion():
    err = load_error("model M\nvar count: 0..3\ninit { count = 0 }\naction A { count = cuont + 1 }\n")
    assert err.render() == (
        "m.sync:4:20: error[E201]: unknown name 'cuont'\n"
        "  4 | action A { count = cuont + 1 }\n"
        "    |                    ^^^^^\n"
        "  help: did you mean 'count'?")


def test_expected_lists_only_what_can_follow_here():
    # lark's LALR lookahead sets are merged across contexts; the parser tries each token instead
    d = one(parse_error(MODEL + "invariant I: x = 1\n"))
    assert "')'" not in d.message and "a name" not in d.message
    assert d.message.startswith("unexpected '='; expected a declaration, end of file, '!='")
    d = one(parse_error(MODEL + "init { x = 1 } 3\n"))
    assert d.message == "unexpected '3'; expected a declaration, end of file"
    d = one(parse_error("model M\ninit { x = 0 }}\n"))
    assert d.message == "unexpected '}'; expected a declaration, end of file"


def test_words_that_start_declarations_are_grouped():
    d = one(parse_error("model M\nvar x: bool\n42\n"))
    assert (at(d), d.message) == ((3, 1), "unexpected '42'; expected a declaration, end of file")
