"""The language reference (docs/language.md) and the README, kept honest.

Every ```sync block is an example that must still parse, type-check and run
on the explicit engine; the words after `sync` in the fence say what else the
block promises:

    (nothing)        a whole model (it starts with `model`)
    fragment         declarations or statements, checked inside CONTEXT below;
                     declarations are added to it, statements become the body
                     of `action Fragment`
    context          CONTEXT itself, as the reference shows it (must be equal)
    file=PATH        a file that other examples import; written next to them
    const=NAME=VAL   a --const override (repeatable)
    error=CODE       loading must fail with this diagnostic code
    holds            every property holds (deadlock not checked)
    violates=PROP    the property PROP (an invariant, `runtime`, `deadlock`) is violated
    warns=CODE       loading warns with this code
    nowarn           loading gives no warning

Examples are loaded with their lines where they are in the .md file, so a
diagnostic's line number is the line of the document. A second set of tests
makes sure every keyword, operator and built-in function of the language is
documented, and the end of the file holds regression tests for the bugs that
writing the examples found.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import pytest

from checker.engines.explicit.search import ExplicitOptions, check
from checker.core.result import Verdict
from spec import ir
from spec.diagnostics import SpecError
from spec.ir import iter_ir
from spec.loader import load, load_text
from spec.parser import GRAMMAR, KEYWORDS
from spec.typecheck.builtins import BUILTINS

ROOT = Path(__file__).resolve().parent.parent
REFERENCE = ROOT / "docs" / "language.md"
README = ROOT / "README.md"

# What a fragment may assume. The reference shows the same text (Appendix A).
CONTEXT = """\
model Fragment

const NODES = symmetric {n1, n2, n3}
const USERS = {alice, bob}
const MAX = 4

enum Phase { open, closed }
type Msg = Vote(node: NODES) | Commit | Abort
type Account = { balance: 0..MAX, frozen: bool }

var phase: Phase
var count: 0..MAX
var flag: bool
var balance: map[USERS, 0..MAX]
var voted: set[NODES]
var msgs: set[Msg]
var queue: seq[0..MAX, 3]
var owner: option[USERS]
var account: Account

init {
  phase = open
  count = 0
  flag = false
  balance = {u: 2 for u in USERS}
  voted = {}
  msgs = {}
  queue = []
  owner = none
  account = {balance: 0, frozen: false}
}
"""

DECLARATION_WORDS = {"const", "assume", "enum", "type", "def", "action", "invariant", "property", "fairness",
                     "deterministic", "converge", "commute", "process", "channel"}
KNOWN_WORDS = {"fragment", "context", "holds", "nowarn"}
KNOWN_KEYS = {"file", "const", "error", "violates", "warns"}
MAX_STATES = 50_000      # an example must be small enough to explore completely


# ---- extraction ------------------------------------------------------------------

@dataclass(frozen=True)
class Example:
    path: Path
    line: int            # the line of the opening fence (1-based)
    words: tuple[str, ...]
    text: str

    @property
    def where(self) -> str:
        return f"{self.path.relative_to(ROOT)}:{self.line}"

    def has(self, word: str) -> bool:
        return word in self.words

    def values(self, key: str) -> list[str]:
        return [w.split("=", 1)[1] for w in self.words if w.startswith(key + "=")]


_FENCE = re.compile(r"^```sync(?:\s+(.*))?$")


def extract(path: Path) -> list[Example]:
    """Every ```sync block of a Markdown file, with the line of its fence."""
    if not path.exists():
        return []
    out, lines = [], path.read_text(encoding="utf-8").splitlines()
    i = 0
    while i < len(lines):
        m = _FENCE.match(lines[i].rstrip())
        if not m:
            i += 1
            continue
        start, body = i + 1, []
        i += 1
        while i < len(lines) and lines[i].rstrip() != "```":
            body.append(lines[i])
            i += 1
        if i == len(lines):
            raise AssertionError(f"{path}:{start}: the ```sync block is not closed")
        out.append(Example(path, start, tuple((m.group(1) or "").split()), "\n".join(body) + "\n"))
        i += 1
    return out


REFERENCE_EXAMPLES = extract(REFERENCE)
README_EXAMPLES = extract(README)
FILES = {w: e for e in REFERENCE_EXAMPLES + README_EXAMPLES for w in e.values("file")}


def _first_word(text: str) -> str:
    for line in text.splitlines():
        line = line.split("#", 1)[0].strip()
        if line:
            return re.split(r"\W", line, maxsplit=1)[0]
    return ""


def source_of(ex: Example) -> str:
    """The text to load, padded so that its lines are the lines of the document."""
    if not ex.has("fragment"):
        return "\n" * ex.line + ex.text
    first = _first_word(ex.text)
    if first in ("var", "init", "import", "model"):
        raise AssertionError(f"{ex.where}: a fragment cannot hold '{first}': write a whole model instead")
    head, rest = CONTEXT.split("\n", 1)
    pad = "\n" * (ex.line - 2)
    if first in DECLARATION_WORDS:
        return f"{head}\n{pad}\n{ex.text}\n{rest}"
    return f"{head}\n{pad}action Fragment {{\n{ex.text}}}\n{rest}"


def load_example(ex: Example, tmp_path: Path) -> ir.CheckedModel:
    consts = ex.values("const")
    source = source_of(ex)
    if re.search(r"^\s*(import|refines)\b", ex.text, re.M):
        for name, lib in FILES.items():
            target = tmp_path / name
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(lib.text, encoding="utf-8")
        main = tmp_path / ex.path.name
        main.write_text(source, encoding="utf-8")
        return load(main, consts)
    return load_text(source, str(ex.path.relative_to(ROOT)), consts)


def _ids(examples):
    return [e.where for e in examples]


# ---- the examples -------------------------------------------------------------------

def test_the_reference_has_examples():
    assert len(REFERENCE_EXAMPLES) >= 40
    kinds = {w for e in REFERENCE_EXAMPLES for w in e.words}
    assert {"fragment", "context", "holds"} <= kinds


@pytest.mark.parametrize("ex", REFERENCE_EXAMPLES + README_EXAMPLES, ids=_ids(REFERENCE_EXAMPLES + README_EXAMPLES))
def test_example(ex: Example, tmp_path: Path):
    unknown = [w for w in ex.words if w not in KNOWN_WORDS and w.split("=", 1)[0] not in KNOWN_KEYS]
    assert not unknown, f"{ex.where}: unknown words after ```sync: {unknown}"
    if ex.values("file"):
        return  # checked as part of the examples that import it
    whole = not ex.has("fragment")
    if whole:
        assert _first_word(ex.text) == "model", f"{ex.where}: a whole model starts with 'model' (or mark it fragment)"
    expected_error = ex.values("error")
    try:
        model = load_example(ex, tmp_path)
    except SpecError as exc:
        if expected_error and expected_error[0] in exc.codes:
            return
        pytest.fail(f"{ex.where}: the example does not load:\n{exc.render()}", pytrace=False)
    assert not expected_error, f"{ex.where}: expected error {expected_error[0]}, but the example loads"
    warnings = [w.code for w in model.warnings]
    for code in ex.values("warns"):
        assert code in warnings, f"{ex.where}: expected warning {code}, got {warnings}"
    if ex.has("nowarn"):
        assert not warnings, f"{ex.where}: unexpected warnings:\n" + "\n".join(w.render() for w in model.warnings)
    _run(ex, model)


def _run(ex: Example, model: ir.CheckedModel) -> None:
    violates = ex.values("violates")
    options = ExplicitOptions(deadlock="deadlock" in violates, max_states=MAX_STATES, stop_at_first=not violates)
    try:
        result = check(model, options)
    except SpecError as exc:
        pytest.fail(f"{ex.where}: the explicit engine rejects the example:\n{exc.render()}", pytrace=False)
    assert result.verdict is not Verdict.INCONCLUSIVE, \
        f"{ex.where}: the example is too large to explore completely: {result.reason}"
    verdicts = {p.name.replace(" ", ""): p.verdict for p in result.properties}
    if ex.has("holds"):
        bad = {p.name: (p.verdict.name, p.message) for p in result.properties if p.verdict is not Verdict.HOLDS}
        assert not bad, f"{ex.where}: expected every property to hold: {bad}"
    for prop in violates:
        assert verdicts.get(prop) is Verdict.VIOLATED, \
            f"{ex.where}: expected {prop} to be violated; verdicts: { {n: v.name for n, v in verdicts.items()} }"


def test_readme_examples_if_any():
    if not README_EXAMPLES:
        pytest.skip("README.md has no ```sync examples (or does not exist yet)")
    assert all(e.where for e in README_EXAMPLES)


def test_the_context_of_fragments_is_the_one_shown():
    shown = [e for e in REFERENCE_EXAMPLES if e.has("context")]
    assert len(shown) == 1, "docs/language.md must show the context of fragments once (```sync context)"
    assert shown[0].text == CONTEXT, "the context in docs/language.md differs from CONTEXT in tests/test_docs.py"


def test_every_imported_file_is_imported():
    imports = {m for e in REFERENCE_EXAMPLES + README_EXAMPLES
               for m in re.findall(r'^\s*(?:import|refines\s+\w+\s+from)\s+"([^"]+)"', e.text, re.M)}
    assert set(FILES) <= imports, f"files that no example imports: {set(FILES) - imports}"
    assert imports <= set(FILES), f"imports of files that no block provides: {imports - set(FILES)}"


# ---- everything is documented ---------------------------------------------------------

def _grammar_literals() -> set[str]:
    out = set()
    for line in GRAMMAR.read_text().splitlines():
        line = line.split("//", 1)[0]
        if line.lstrip().startswith("%"):
            continue
        line = re.sub(r"/(?:[^/\\\n]|\\.)+/[a-z]*", "", line)  # regular expressions of terminals
        out.update(re.findall(r'"([^"]+)"', line))
    return out


def _code_spans(text: str) -> list[str]:
    spans = re.findall(r"`([^`\n]+)`", text)
    return [s.replace("\\|", "|") for s in spans]


DOC = REFERENCE.read_text(encoding="utf-8")
GRAMMAR_WORDS = {w for w in _grammar_literals() if re.fullmatch(r"[a-z_]+", w) and w != "_"}
PUNCTUATION = {"(", ")", "[", "]", "{", "}", ",", ":", "."}
GRAMMAR_OPERATORS = {w for w in _grammar_literals() if w not in GRAMMAR_WORDS and w not in PUNCTUATION}


def test_the_grammar_has_the_expected_words():
    assert {"model", "action", "choose", "symmetric", "match"} <= GRAMMAR_WORDS
    assert {"**", "++", "=>", "..", "->", "_"} <= GRAMMAR_OPERATORS


@pytest.mark.parametrize("word", sorted(GRAMMAR_WORDS))
def test_every_keyword_is_documented(word):
    assert f"`{word}`" in DOC, f"the keyword '{word}' is not documented in docs/language.md (as `{word}`)"


@pytest.mark.parametrize("op", sorted(GRAMMAR_OPERATORS))
def test_every_operator_is_documented(op):
    tokens = {t for span in _code_spans(DOC) for t in span.split()}
    assert op in tokens, f"the operator '{op}' is not documented in docs/language.md"


@pytest.mark.parametrize("name", sorted(BUILTINS))
def test_every_builtin_is_documented(name):
    assert any(re.search(rf"\b{name}\(", s) for s in _code_spans(DOC)), \
        f"the built-in function '{name}' is not documented in docs/language.md (as `{name}(...)`)"


def _listed(label: str) -> set[str]:
    lines = [ln for ln in DOC.splitlines() if ln.strip().startswith(label)]
    assert len(lines) == 1, f"docs/language.md must have one line starting with '{label}'"
    return set(re.findall(r"`([^`]+)`", lines[0]))


def test_the_reserved_words_are_the_parsers():
    assert _listed("Reserved words:") == KEYWORDS


def test_the_soft_keywords_are_the_rest_of_the_grammars():
    assert _listed("Soft keywords:") == GRAMMAR_WORDS - KEYWORDS


# ---- regressions found by the examples ------------------------------------------------

def _model(body: str, consts=None) -> ir.CheckedModel:
    return load_text("model T\n" + body, "t.sync", consts)


def _verdicts(model) -> dict:
    result = check(model, ExplicitOptions(deadlock=False, stop_at_first=False))
    return {p.name: p.verdict for p in result.properties}


def test_range_bounds_in_types_have_the_precedence_of_expressions():
    # `0..1 + 2 * 3` was 0..9: the type grammar had one level for + - *
    m = _model("const N = 4\nvar a: 0..1 + 2 * 3\nvar b: 0..N / 2\nvar c: 0..N % 3\nvar d: -N..2 ** N - 1\n"
               "init { a = 0 b = 0 c = 0 d = 0 }")
    assert [v.type.show() for v in m.vars] == ["0..7", "0..2", "0..1", "-4..15"]


def test_comparing_is_not_storing():
    # the left operand's ranges narrowed (and range-checked) the right one: a false violation
    m = _model("var s: set[0..3]\nvar o: option[0..3]\nvar r: {a: 0..3}\nvar x: 0..3\n"
               "init { s = {} o = none r = {a: 0} x = 3 }\n"
               "invariant I: s != {x + 1} and o != some(x + 1) and r != {a: x + 1}\n"
               "invariant J: some(x + 1) not in {o} and x + 1 not in s")
    assert _verdicts(m) == {"I": Verdict.HOLDS, "J": Verdict.HOLDS, "runtime": Verdict.HOLDS}


def test_set_operators_join_the_ranges_of_literals():
    # `{1, 2} | {3}` was error E320: 3 is outside 1..2
    m = _model("const A = {1, 2} | {3}\nconst B = if true then {1} else {2}\nvar s: set[0..5]\n"
               "init { s = {1, 2} | {3} }\ninvariant I: s == A and B == {1}")
    assert ir.decode_value(m.consts["A"].type, m.consts["A"].value) == {1, 2, 3}
    assert _verdicts(m)["I"] is Verdict.HOLDS


def test_a_store_of_a_union_needs_no_conversion():
    # the fix above must not slow down the usual `s = s | {v}`
    m = _model("var s: set[0..5]\ninit { s = {} }\naction Add(v: 0..5) { s = s | {v} }")
    assert not [n for n in iter_ir(m.actions[0].body) if isinstance(n, ir.Op) and n.op == "convert"]


def test_a_set_constant_of_declared_values_is_not_new_model_values():
    # `const LIVE: set[Phase] = {open}` declared a model value 'open' (E202, E301)
    m = _model("enum Phase { open, closed }\nconst A = 1\nconst LIVE: set[Phase] = {open}\nconst ALSO = {open}\n"
               "const NUMS = {A, 2}\nvar p: Phase\ninit { p = open }\ninvariant I: p in LIVE and p in ALSO and 1 in NUMS")
    assert m.consts["LIVE"].type.show() == "set[Phase]"
    assert m.consts["NUMS"].type.show() == "set[1..2]"
    assert _verdicts(m)["I"] is Verdict.HOLDS
    fresh = _model("const RM = {r1, r2}\nvar x: RM\ninit { x = r1 }")
    assert fresh.consts["RM"].type.show() == "set[RM]"


def test_a_failed_constant_or_def_is_reported_once():
    with pytest.raises(SpecError) as err:
        _model("const N: 1..5\nvar x: 0..N\ninit { x = 0 }")
    assert err.value.codes.count("E401") == 1
    with pytest.raises(SpecError) as err:
        _model("def f(v: 0..3) -> 0..3 = f(v)\nvar x: 0..3\ninit { x = f(1) }")
    assert err.value.codes.count("E315") == 1


def test_an_integer_literal_where_an_amount_is_expected_is_whole_units():
    # `{u: 5 for u in USERS}` into map[USERS, fixed(2) ...] was E302: 5..5 is not an amount
    m = _model("const U = {a, b}\nvar cash: map[U, fixed(2) 0..10]\nvar s: set[fixed(2) 0..10]\n"
               "var o: option[fixed(2) 0..10]\nvar q: seq[fixed(2) 0..10, 2]\n"
               "init { cash = {u: 5 for u in U} s = {1} o = some(2) q = [3, 4] }\n"
               "invariant I: cash[a] == 5.00 and 1.00 in s and o == some(2.00) and q == [3.00, 4.00]")
    assert _verdicts(m)["I"] is Verdict.HOLDS
