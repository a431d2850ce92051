"""Messages that lead to the fix (issue 15 item 9): each of the slips a TLA+ user makes while porting
gets a message that says what was expected and how to write it, through the command line (exit 2,
file:line:col, the line, a caret, the help), and a failed name is reported once."""

from __future__ import annotations

import pytest

from checker.core.result import Verdict
from checker.engines.symbolic import SymbolicOptions
from checker.engines.symbolic import check as symbolic_check
from cli_helpers import run_cli
from spec.diagnostics import SpecError
from spec.loader import load_text

from engine_helpers import model_of, prop, run


def errors(text: str):
    with pytest.raises(SpecError) as info:
        load_text(text, "m.sync")
    return info.value.diagnostics


@pytest.fixture
def cli(tmp_path, capsys):
    """(exit code, what was printed) of `syncproof check` on a model given as text."""
    def check(text: str):
        path = tmp_path / "m.sync"
        path.write_text(text)
        code, out, err = run_cli(["check", path], capsys)
        return code, (out + err).replace(str(tmp_path) + "/", "")
    return check


def test_a_primed_assignment_says_actions_assign_without_a_prime(cli):
    code, out = cli("model P\nvar a: 0..3\ninit { a = 0 }\naction F { require a < 3  a' = a + 1 }\n")
    assert code == 2
    assert "m.sync:4:28: error[E100]: unexpected \"'\"" in out
    assert "  4 | action F { require a < 3  a' = a + 1 }\n    |                            ^\n" in out
    assert "help: actions assign with 'x = ...'" in out


def test_a_bracketed_upper_bound_is_accepted_and_other_brackets_are_explained(cli):
    assert model_of("model R\nconst N = 3\nvar a: 0..(N - 1)\ninit { a = 2 }\n").var("a").type.hi == 2
    (d,) = errors("model R\nconst N = 3\nvar a: 0..N + (1)\ninit { a = 0 }\n")
    assert (d.code, d.span.line, d.span.col) == ("E100", 3, 15)
    assert d.help.startswith("a range bound in a type is constant arithmetic without brackets: write 0..N - 1")
    (d,) = errors("model R\nconst N = 3\nvar a: (N - 3)..N\ninit { a = 0 }\n")
    assert (d.code, d.span.col) == ("E100", 14)
    assert d.help.startswith("a type's lower bound cannot be bracketed")
    code, out = cli("model R\nconst N = 3\nvar a: 0..N * (2)\ninit { a = 0 }\n")
    assert code == 2 and "help: a range bound in a type is constant arithmetic" in out


def test_fairness_names_the_words_it_expects(cli):
    code, out = cli("model F\nvar a: 0..3\ninit { a = 0 }\naction F { a = 0 }\nfairness F\n")
    assert code == 2
    assert "m.sync:5:10: error[E100]: unexpected 'F'; expected 'weak' or 'strong'" in out
    assert "help: fairness is 'fairness weak A, B'" in out and "'fairness strong A'" in out


def test_a_failed_let_is_reported_once_not_at_every_later_use():
    text = """model FL
var a: 0..3
init { a = 0 }
action F {
  let t = a + true
  a = t
  require t > 0 and t < 3
  let u = t + 1
  a = u
}
"""
    ds = errors(text)
    assert [(d.code, d.span.line) for d in ds] == [("E302", 5)]


def test_other_errors_after_a_failed_let_are_still_reported():
    ds = errors("model FL\nvar a: 0..3\ninit { a = 0 }\naction F {\n  let t = a + true\n  a = t + 1\n  a = zz\n}\n")
    assert [(d.code, d.span.line, d.message) for d in ds] == [("E302", 5, "expected an integer, found bool"),
                                                              ("E201", 7, "unknown name 'zz'")]


def test_a_failed_choose_and_a_failed_let_in_are_reported_once():
    ds = errors("model C\nvar a: 0..3\ninit { a = 0 }\naction F {\n  choose k in 5\n  a = k\n  require k > 0\n}\n")
    assert [(d.code, d.span.line) for d in ds] == [("E302", 5)]
    ds = errors("model L\nvar a: 0..3\ninit { a = 0 }\ninvariant I: let t = a + true in q and t > 0 and t < 3\n")
    assert [(d.code, d.message) for d in ds] == [("E302", "expected an integer, found bool"),
                                                 ("E201", "unknown name 'q'")]


def test_a_let_value_that_needs_brackets_says_so():
    (d,) = errors("model P\nvar a: 0..3\ninit { a = 0 }\ninvariant I: let ok = a > 1 and a < 3 in ok\n")
    assert (d.code, d.span.col) == ("E100", 29)
    assert d.message == "unexpected 'and'; expected 'in', '|'"
    assert d.help.startswith("the value of a 'let' in an expression ends at its 'in'")


LIVE = """model LV
var a: 0..3
init { a = 0 }
action F { require a < 3  a = a + 1 }
action G { a = 0 }
property P: eventually (a == 3 and   # a comment inside
                        a > 2)
property Q: (a == 1 and
             a < 2) leads_to (a == 3 and
                             a > 2)
"""


def test_a_liveness_violation_quotes_a_predicate_written_on_several_lines():
    r = run(LIVE, deadlock=False, stop_at_first=False)
    assert prop(r, "P").message == "a behaviour where a == 3 and a > 2 never holds"
    assert prop(r, "Q").message == "a == 1 and a < 2 holds, then a == 3 and a > 2 never does on a behaviour"
    b = symbolic_check(model_of(LIVE), "bmc", SymbolicOptions(depth=5, rlimit=5_000_000, deadlock=False))
    assert prop(b, "P").verdict is Verdict.VIOLATED
    assert prop(b, "P").message == prop(r, "P").message


def test_a_long_predicate_is_cut_with_an_ellipsis():
    from checker.core.explain import QUOTE_WIDTH
    long = " and\n  ".join(f"a != {i % 4} + 0 * {i}" for i in range(30))
    text = f"model LV\nvar a: 0..3\ninit {{ a = 0 }}\naction F {{ a = (a + 1) % 4 }}\nproperty P: eventually (\n  {long})\n"
    msg = prop(run(text, deadlock=False), "P").message
    quoted = msg[len("a behaviour where "):-len(" never holds")]
    assert len(quoted) == QUOTE_WIDTH and quoted.endswith("…") and quoted.startswith("a != 0 + 0 * 0 and a != 1")


def test_none_as_an_enum_member_suggests_an_option(cli):
    code, out = cli("model E\nenum Node { n1, n2, none }\nvar l: Node\ninit { l = n1 }\n")
    assert code == 2
    assert "m.sync:2:21: error[E103]: 'none' is a keyword and cannot be used as a name here" in out
    assert "declare it option[E] (its values are none and some(m))" in out


@pytest.mark.parametrize("text,col,word", [
    ("invariant I: let w = if a > 1 then 1 else 0 in w >= 0", 22, "if"),
    ("invariant I: a == if a > 1 then 1 else 0", 19, "if"),
    ("invariant I: 1 + forall k in 0..1: k == a", 18, "forall"),
])
def test_a_prefix_expression_where_only_a_term_fits_is_told_to_take_brackets(text, col, word):
    (d,) = errors(f"model P\nvar a: 0..3\ninit {{ a = 0 }}\n{text}\n")
    assert (d.code, d.span.col) == ("E100", col)
    assert d.help == (f"an expression starting with '{word}' extends as far right as it can, so it cannot stand "
                      f"here unbracketed: write ({word} ...)")
