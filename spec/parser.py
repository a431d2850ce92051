"""Text to AST: the lark LALR parser and the transformer that builds `spec.ast`.

`parse(text, name)` returns an `ast.Module` or raises `SpecError` with one
syntax diagnostic (E1xx) that says what was found, what was expected and,
for the usual slips (`=` for `==`, a keyword used as a name), how to fix it.
"""

from __future__ import annotations

import contextvars
import functools
import hashlib
import json
import re
import sys
from pathlib import Path

from lark import Lark, Token, Tree, v_args
from lark import __version__ as LARK_VERSION
from lark.grammar import Rule
from lark.lexer import TerminalDef
from lark.visitors import Transformer_NonRecursive
from lark.exceptions import UnexpectedCharacters, UnexpectedEOF, UnexpectedInput, UnexpectedToken, VisitError

from spec import ast, files, parser_tables
from spec.diagnostics import Diagnostic, Source, Span, SpecError

GRAMMAR = Path(__file__).with_name("grammar.lark")
TABLES = Path(__file__).with_name("parser_tables.py")
REGENERATE = 'python -c "import spec.parser as p; p.TABLES.write_text(p.table_source())"'
# the options that shape lark's tables; the hooks below are given to the parser each time it is made
TABLE_OPTIONS = {"parser": "lalr", "maybe_placeholders": True, "start": ["start", "value"]}

# Words that start statements or expressions: never names. The words that only
# start declarations (`init`, `action`, `type`, ...) stay usable as names, so an
# enum may have a member called `init`.
KEYWORDS = {
    "let", "require", "assert", "if", "then", "else", "for", "in", "choose", "skip",
    "always", "eventually", "leads_to", "determines", "send", "receive",
    "forall", "exists", "and", "or", "not", "implies", "true", "false", "none", "is",
    "match", "subset", "the",
}


@functools.lru_cache(maxsize=1)
def _lark() -> Lark:
    """The parser, from the LALR tables in `spec/parser_tables.py` when they were made from this
    grammar by this version of lark (building them costs a fifth of a second at every start, issue
    13), else built from the grammar. `Lark._load_from_dict` is how lark's own standalone parsers
    load their tables."""
    hooks = {"propagate_positions": True, "tree_class": _Tree, "postlex": _TokenCap(),
             "lexer_callbacks": {"NAME": _keyword_as_keyword}}
    if tables_are_current():
        tables = json.loads(parser_tables.TABLES_JSON, object_pairs_hook=_numbered)
        return Lark._load_from_dict(tables["data"], tables["memo"], **hooks)
    return Lark(GRAMMAR.read_text(), **TABLE_OPTIONS, **hooks)


def _numbered(pairs) -> dict:
    """A JSON object of the tables, its keys that are numbers (states, tokens) numbers again."""
    return {int(k) if k.isdigit() else k: v for k, v in pairs}


def grammar_digest() -> str:
    return hashlib.sha256(GRAMMAR.read_bytes()).hexdigest()


def tables_are_current() -> bool:
    """`spec/parser_tables.py` holds the tables of this grammar, made by this version of lark."""
    return (parser_tables.GRAMMAR_SHA256, parser_tables.LARK_VERSION) == (grammar_digest(), LARK_VERSION)


def table_source() -> str:
    """The text of `spec/parser_tables.py`: lark's tables for the grammar as JSON in a string, which
    loads in a few milliseconds (as Python literals they take a tenth of a second). lark numbers
    the states differently from one run to the next: two runs give equivalent tables, not equal."""
    data, memo = Lark(GRAMMAR.read_text(), **TABLE_OPTIONS).memo_serialize([TerminalDef, Rule])
    text = json.dumps({"data": data, "memo": memo}, separators=(",", ":"))
    lines = "".join(f"    {text[i:i + 96]!r}\n" for i in range(0, len(text), 96))
    return (f'"""lark\'s LALR tables for spec/grammar.lark, made by `spec.parser.table_source` (do not edit):\n\n'
            f'    {REGENERATE}\n"""\n\nGRAMMAR_SHA256 = {grammar_digest()!r}\nLARK_VERSION = {LARK_VERSION!r}\n\n'
            f"TABLES_JSON = (\n{lines})\n")


def _keyword_as_keyword(tok: Token) -> Token:
    # The contextual lexer reads a keyword as NAME where the keyword cannot
    # follow (`x and or y`); give it back its keyword type so the parser
    # stops right there, rather than at some later token.
    if str(tok) in KEYWORDS:
        return Token.new_borrow_pos(str(tok).upper(), str(tok), tok)
    return tok


_TEXT: contextvars.ContextVar[str] = contextvars.ContextVar("text", default="")   # the text being lexed
_STEP_DECL = re.compile(r"(?:\s|#[^\n]*)*(?!\d)\w+(?:\s|#[^\n]*)*:")


class StepAsName:
    """A lark post-lexer that gives `step`, `div` and `mod` their meaning (`soft_keyword`); lark's own
    callbacks cannot: a keyword that the NAME pattern also matches is made a keyword inside the NAME match."""

    always_accept = ()

    def process(self, stream):
        for tok in stream:
            yield soft_keyword(tok)


_ASSIGNED = re.compile(r"(?:\s|#[^\n]*)*(?:=(?!=)|\[|\.(?!\.))")


def soft_keyword(tok: Token) -> Token:
    """`step`, and the operators `div` and `mod`, as keywords or names (see `step_or_name`). `div` and
    `mod` are operators after an expression and names everywhere else; where both could follow (a
    statement after an expression statement), the name is the one being assigned: `mod = 1`, `mod[k]
    = 1`, `mod.f = 1`, none of which an operator's operand can start."""
    if tok.type == "STEP":
        return step_or_name(tok)
    if tok.type in ("DIV", "MOD") and tok.end_pos is not None and _ASSIGNED.match(_TEXT.get(), tok.end_pos):
        return Token.new_borrow_pos("NAME", str(tok), tok)
    return tok


def step_or_name(tok: Token) -> Token:
    """`step` is a soft keyword that also makes a fine variable name. Where the parser could take
    either (a statement `step = 1` after an expression, whose LALR state also admits the next
    declaration), the contextual lexer prefers the keyword: it stays one only when `Name :` follows,
    which no statement or expression starting with a name `step` can be."""
    text = _TEXT.get()
    if tok.end_pos is not None and _STEP_DECL.match(text, tok.end_pos):
        return tok
    return Token.new_borrow_pos("NAME", str(tok), tok)


def lexing(text: str, parse_call):
    """parse_call() with `text` known to `step_or_name`."""
    token = _TEXT.set(text)
    try:
        return parse_call()
    finally:
        _TEXT.reset(token)


def parse(text: str, name: str = "<input>") -> ast.Module:
    source = Source(name, text)
    tree = _parse_tree(source, "start")
    try:
        module = _Builder(source).transform(tree)
    except VisitError as exc:
        if isinstance(exc.orig_exc, SpecError):
            raise exc.orig_exc from None
        raise
    module.source = source
    return module


def parse_value(text: str, name: str) -> ast.Expr:
    """One expression on its own (a constant given on the command line)."""
    source = Source(name, text)
    tree = _parse_tree(source, "value")
    try:
        return _Builder(source).transform(tree)
    except VisitError as exc:
        if isinstance(exc.orig_exc, SpecError):
            raise exc.orig_exc from None
        raise


def _parse_tree(source: Source, start: str) -> Tree:
    """lark's tree of the source, within the limits of a file (tokens, nesting)."""
    _room_for_nesting()
    try:
        return lexing(source.text, lambda: _lark().parse(source.text, start=start))
    except UnexpectedInput as exc:
        raise SpecError(_syntax_diagnostic(exc, source)) from None
    except _TooDeep as exc:
        raise SpecError(_too_deep(exc, source)) from None
    except _TooMany as exc:
        raise SpecError(_too_many(exc, source)) from None


def parse_file(path: str | Path) -> ast.Module:
    try:
        text = files.read_text(path)
    except files.FileProblem as exc:
        raise SpecError(Diagnostic("E601", str(exc), None)) from None
    return parse(text, str(path))


# ---- syntax errors -------------------------------------------------------

_TERMINAL_NAMES = {
    "NAME": "a name", "INT": "an integer", "STRING": "a string", "$END": "end of file",
    "LBRACE": "'{'", "RBRACE": "'}'", "LPAR": "'('", "RPAR": "')'", "LSQB": "'['", "RSQB": "']'",
    "COLON": "':'", "COMMA": "','", "EQUAL": "'='", "DOT": "'.'", "PLUS": "'+'", "MINUS": "'-'",
    "STAR": "'*'", "SLASH": "'/'", "PERCENT": "'%'", "VBAR": "'|'", "AMPERSAND": "'&'",
    "LESSTHAN": "'<'", "MORETHAN": "'>'", "FAIRNESS": "'weak' or 'strong'",
}


def _describe_terminal(name: str) -> str:
    if name in _TERMINAL_NAMES:
        return _TERMINAL_NAMES[name]
    try:
        pattern = _lark().get_terminal(name).pattern
    except KeyError:
        return name.lower()
    if pattern.type == "str":
        return f"'{pattern.value}'"
    return name.lower()


def _expected_list(expected) -> str:
    expected = set(expected)
    if {"NAME", "INT", "LPAR"} <= expected:
        expected -= {"NAME", "INT", "DECIMAL", "LPAR", "LSQB", "LBRACE", "MINUS"}
        expected = {t for t in expected if _describe_terminal(t).strip("'") not in _EXPR_WORDS}
        return ", ".join(["an expression"] + sorted({_describe_terminal(t) for t in expected})[:7])
    names = {_describe_terminal(t) for t in expected}
    # a dozen keywords that start declarations (or statements) read better as one word
    for words, label in ((_DECL_WORDS, "a declaration"), (_STMT_WORDS, "a statement")):
        quoted = {f"'{w}'" for w in words}
        if len(names & quoted) >= 3:
            names = (names - quoted - ({"a name"} if label == "a statement" else set())) | {label}
    # descriptions ("a name") before literal tokens, which are many
    names = sorted(names, key=lambda n: (n.startswith("'"), n))
    if len(names) > 8:
        names = names[:8] + ["..."]
    return ", ".join(names)


_DECL_WORDS = {"import", "const", "assume", "enum", "type", "var", "def", "init", "action", "invariant", "step", "constraint",
               "property", "fairness", "deterministic", "converge", "commute", "process", "channel",
               "refines"}
_STMT_WORDS = {"let", "require", "assert", "if", "for", "choose", "skip", "send", "receive"}


_EXPR_WORDS = {"true", "false", "none", "not", "forall", "exists", "the", "if", "match", "always", "eventually", "let"}


def _token_text(tok: Token) -> str:
    if tok.type == "$END":
        return "end of file"
    if str(tok) == "'":
        return "\"'\""
    return f"'{tok}'"


def _syntax_diagnostic(exc: UnexpectedInput, source: Source) -> Diagnostic:
    line = getattr(exc, "line", None) or 1
    col = getattr(exc, "column", None) or 1
    if isinstance(exc, UnexpectedEOF) or (isinstance(exc, UnexpectedToken) and exc.token.type == "$END"):
        lines = source.text.splitlines() or [""]
        line, col = len(lines), len(lines[-1]) + 1
        span = Span(source, line, col, line, col)
        expected = _expected_list(_expected(exc))
        return Diagnostic("E102", f"unexpected end of file; expected {expected}", span)
    if isinstance(exc, UnexpectedCharacters):
        span = Span(source, line, col, line, col + 1)
        ch = source.text[exc.pos_in_stream] if exc.pos_in_stream < len(source.text) else "?"
        help = None
        rest = source.text[exc.pos_in_stream + 1:].split("\n", 1)[0]
        if ch == '"' and '"' not in rest:
            help = "the string is not closed: add '\"' before the end of the line"
        elif ch == '"':
            help = "strings are only allowed after 'import' and in 'assert cond, \"message\"'"
        elif ch == "!":
            help = "write 'not' for negation and '!=' for inequality"
        elif ch == "&" and source.text[exc.pos_in_stream:exc.pos_in_stream + 2] == "&&":
            help = "write 'and'"
        elif ch.isdigit():
            help = "numbers are written with the ASCII digits 0-9"
        return Diagnostic("E101", f"unexpected character {ch!r}", span, help)
    assert isinstance(exc, UnexpectedToken)
    tok = exc.token
    width = max(1, len(str(tok)))
    span = Span(source, line, col, line, col + width)
    expected = _expected(exc)
    found = _token_text(tok)
    help = _syntax_help(tok, expected, source.text)
    # only a name fits here (not an expression, not another keyword): the user meant a name
    name_only = "NAME" in expected and not any(_describe_terminal(t).strip("'").isalpha()
                                               or t == "INT" for t in expected if t != "NAME")
    typed = _type_in_expression(tok, source, span)
    if typed is not None:
        return typed
    if str(tok) in KEYWORDS and name_only:
        if str(tok) == "none":
            help = help or ("'none' is the empty option: for a variable that may hold no member, declare it "
                            "option[E] (its values are none and some(m)), or give the member another name, "
                            "for example 'nobody'")
        return Diagnostic("E103", f"'{tok}' is a keyword and cannot be used as a name here", span,
                          help or f"rename it, for example '{tok}_'")
    return Diagnostic("E100", f"unexpected {found}; expected {_expected_list(expected)}", span, help)


_FIXED_BEFORE = re.compile(r"\bfixed\s*\(\s*[0-9]+\s*\)\s*$")
_VARIANT_BEFORE = re.compile(r"\b[A-Za-z_]\w*\s*\(\s*(\w+\s*:\s*[^,()]+,\s*)*[A-Za-z_]\w*\s*$")


def _type_in_expression(tok: Token, source: Source, span: Span) -> Diagnostic | None:
    """E107 for a type that an expression cannot spell, where a set is expected: `fixed(D) lo..hi`
    (a call, then a range) and a union `Pay(to: USERS) | Cancel` (a call whose argument has a
    type). Every other type reads as an expression (spec.typecheck.typesets)."""
    pos = tok.start_pos if tok.start_pos is not None else -1
    line_start = source.text.rfind("\n", 0, max(pos, 0)) + 1
    text = source.text[line_start:pos] if pos >= 0 else ""
    if str(tok) == ":" and _VARIANT_BEFORE.search(text):
        return Diagnostic("E107", "a type is not usable here; write a union type as a named type", span,
                          "declare it, for example `type Msg = Pay(to: USERS) | Cancel`, and write `Msg` here: "
                          "a type name is the set of all its values")
    if _FIXED_BEFORE.search(text) is None:
        return None
    return Diagnostic("E107", "a type is not usable here; write a fixed-point type as a named type",
                      span, "declare it, for example `type Amount = fixed(2) 0..10`, and write `Amount` here: "
                      "a type name is the set of all its values")


def _expected(exc: UnexpectedInput) -> set[str]:
    """The terminals that could come next. lark's own `expected` is the LALR state's
    lookahead set, merged across contexts (a ')' with no '(' open); the interactive
    parser tries each terminal for real."""
    expected = set(getattr(exc, "expected", None) or ())
    ip = getattr(exc, "interactive_parser", None)
    if ip is not None:
        try:
            expected = set(ip.accepts()) or expected
        except Exception:  # pragma: no cover - only a better message is lost
            pass
    return expected


_PREFIX_WORDS = {"if", "forall", "exists", "the", "let", "not", "always", "eventually"}   # `?prefix` and `not`
_LISTED_MEMBER = re.compile(r"\{\s*(?!\d)\w+\s*$")   # `{red` before a ',' where a type's `{f: T}` was expected


def _syntax_help(tok: Token, expected, text_all: str = "") -> str | None:
    text = str(tok)
    described = {_describe_terminal(t) for t in expected}
    pos = tok.start_pos if tok.start_pos is not None else -1
    before = text_all[pos - 1:pos] if pos > 0 else ""
    after = text_all[pos + len(text):pos + len(text) + 1] if pos >= 0 else ""
    if text == "'" and not (before.isalnum() or before == "_"):
        return "strings are written in double quotes: \"...\""
    if text == "'":
        return ("actions assign with 'x = ...'; x' (a variable after the step) is written only in a "
                "'step' property, and only a variable can be primed")
    if text == "(" and {"NAME", "INT", "MINUS"} <= set(expected) and "LPAR" not in expected:
        return ("a range bound in a type is constant arithmetic without brackets: write 0..N - 1 ('..' binds "
                "more loosely than '+' and '-'); only a whole upper bound may be bracketed, 0..(N - 1)")
    if text == ")" and "'..'" in described and "','" not in described:
        return ("a type's lower bound cannot be bracketed ('(' starting a type opens a tuple type): write "
                "N - 1..M, as '..' binds more loosely than '+' and '-'")
    if text in _PREFIX_WORDS and "LPAR" in expected and text.upper() not in expected:
        return (f"an expression starting with '{text}' extends as far right as it can, so it cannot stand "
                f"here unbracketed: write ({text} ...)")
    if "'in'" in described and text in ("and", "or", "implies", "=>", "not", "if", "leads_to"):
        return (f"the value of a 'let' in an expression ends at its 'in', and '{text}' cannot be part of it "
                "unbracketed: write let ok = (a and b) in ...")
    if "'weak' or 'strong'" in described:
        return ("fairness is 'fairness weak A, B' (an action enabled without interruption is taken) or "
                "'fairness strong A' (an action enabled again and again is taken)")
    if text == "," and described == {"':'"} and _LISTED_MEMBER.search(text_all[max(0, pos - 200):pos]):
        return ("in a type, '{' opens a record type {field: type, ...}: a type cannot list values. For some "
                "members of an enum, use the enum and say which it takes: 'invariant V: x in {a, b}' (for a "
                "parameter, 'require p in {a, b}')")
    if text == "=" and "'=='" in described:
        return "did you mean '=='? ('=' assigns, '==' compares)"
    # `a && b` and `a || b` lex as two '&' or '|': the second one is the unexpected token
    if text == "&" and (before == "&" or "'and'" in described):
        return "write 'and'"
    if text == "|" and (before == "|" or ("'or'" in described and "'|'" not in described)):
        return "write 'or'"
    if text == "{" and "':'" in described:
        return "a property is 'invariant Name: expression'"
    if text == ":" and after == "=":
        return "assignment is written '='"
    if text in ("==", "!=", "<", "<=", ">", ">=") and "'and'" in described:
        return "comparisons do not chain: write 'a < b and b < c'"
    return None


# ---- limits of a file: its length, its nesting ---------------------------------

MAX_TOKENS = 50_000   # in one file: thirty times the largest shipped model, parsed in seconds


class _TooMany(Exception):
    def __init__(self, tok: Token):
        super().__init__(str(tok))
        self.tok = tok


class _TokenCap:
    """A lark post-lexer that stops a file at MAX_TOKENS words and symbols, before the parser
    spends minutes on a multi-megabyte line (and reads `step` as `StepAsName` does)."""

    always_accept = ()

    def process(self, stream):
        for count, tok in enumerate(stream, 1):
            if count > MAX_TOKENS:
                raise _TooMany(tok)
            yield soft_keyword(tok)


def _too_many(exc: _TooMany, source: Source) -> Diagnostic:
    return Diagnostic("E106", f"more than {MAX_TOKENS:,} words and symbols in one file",
                      _tok_span(source, exc.tok), "split the model into files joined by 'import'")


MAX_NESTING = 300   # levels below a declaration; every later phase recurses on the tree
RECURSION_LIMIT = 5_000   # Python frames: MAX_NESTING levels at up to 15 frames each


def _room_for_nesting() -> None:
    """Every phase after the parser walks the tree recursively, several frames per level, and
    Python's default of 1,000 frames is too few for MAX_NESTING levels. Python 3.11 keeps
    Python-to-Python calls off the C stack; even with a C call at every frame, 10,000 frames
    fit in the usual 8 MB stack, so 5,000 leaves room."""
    if sys.getrecursionlimit() < RECURSION_LIMIT:
        sys.setrecursionlimit(RECURSION_LIMIT)


class _TooDeep(Exception):
    def __init__(self, node: Tree):
        super().__init__(node.data)
        self.node = node


class _Tree(Tree):
    """A parse-tree node that knows its height, refused as soon as the parser builds one that
    nests deeper than MAX_NESTING: a chain of a million `+` stops after the first few hundred.

    A level is a node with nodes below it: an operator (each one of a chain `a + b + c`), a
    literal's brackets, a call, a field access, an `if` or `for`, a block. Names and numbers
    at the leaves do not count, nor does the declaration itself."""

    __slots__ = ("height",)

    def __init__(self, data, children, meta=None):
        super().__init__(data, children, meta)
        if data.startswith("_"):  # lark's list of `decl*` so far, soon spliced into its parent:
            self.height = 0       # measuring it at every step would take time quadratic in its length
            return
        height = 0
        for c in children:  # a loop, not max() over a generator: this runs for every node
            if c.__class__ is _Tree and c.height >= height:
                height = c.height + 1
        self.height = height
        if height > MAX_NESTING + 1 and data != "start":
            raise _TooDeep(self)


def _too_deep(exc: _TooDeep, source: Source) -> Diagnostic:
    """E105 at the last part of the node that went too deep (its own position is not set yet):
    the term of a chain that is one too many, or the innermost of nested brackets."""
    line, col = next(((c.line, c.column) for c in reversed(list(_positions(exc.node))) if c.line), (1, 1))
    return Diagnostic("E105", f"nested more than {MAX_NESTING} levels deep", Span(source, line, col, line, col + 1),
                      "write a long chain as sum(...), forall or exists over a set, or name its parts "
                      "with 'let' in an action")


def _positions(node: Tree):
    for c in node.children:
        if isinstance(c, Token):
            yield c
        elif isinstance(c, Tree) and not c.meta.empty:
            yield c.meta


# ---- tree to AST ---------------------------------------------------------

def _span(source: Source, meta) -> Span:
    if getattr(meta, "empty", False):
        return Span(source, 1, 1, 1, 1)
    return Span(source, meta.line, meta.column, meta.end_line, meta.end_column)


def _tok_span(source: Source, tok: Token) -> Span:
    return Span(source, tok.line, tok.column, tok.end_line or tok.line,
                tok.end_column or tok.column + len(tok))


_INT_RE = re.compile(r"^[0-9][0-9_]*$")
MAX_DIGITS = 1000   # in a number literal; far below Python's 4,300-digit limit on int(str)


@v_args(meta=True)
class _Builder(Transformer_NonRecursive):
    """Builds `spec.ast` nodes; one method per grammar alias."""

    def __init__(self, source: Source):
        super().__init__()
        self.src = source

    def sp(self, meta) -> Span:
        return _span(self.src, meta)

    def __default_token__(self, tok):
        if tok.type == "NAME" and str(tok) in KEYWORDS:
            raise SpecError(Diagnostic("E103", f"'{tok}' is a keyword and cannot be used as a name",
                                       self.tsp(tok), f"rename it, for example '{tok}_'"))
        return tok

    def tsp(self, tok) -> Span:
        return _tok_span(self.src, tok)

    def int(self, tok) -> int:
        """The value of an INT token, checked against MAX_DIGITS before any conversion."""
        assert _INT_RE.match(str(tok))
        self.check_digits(tok)
        return int(str(tok).replace("_", ""))

    def check_digits(self, tok) -> None:
        digits = sum(c.isdigit() for c in str(tok))
        if digits > MAX_DIGITS:
            raise SpecError(Diagnostic("E104", f"a number of {digits:,} digits: numbers have at most "
                                       f"{MAX_DIGITS:,}", self.tsp(tok)))

    # -- module and declarations
    def value(self, meta, items):
        return items[0]

    def start(self, meta, items):
        name, *decls = items
        return ast.Module(self.sp(meta), str(name), decls)

    def import_decl(self, meta, items):
        return ast.Import(self.sp(meta), _unquote(items[0]))

    def refines_decl(self, meta, items):
        name, path, *entries = items
        return ast.Refines(self.sp(meta), str(name), _unquote(path), entries, self.tsp(name))

    def refine_entry(self, meta, items):
        return ast.RefineEntry(self.tsp(items[0]), str(items[0]), items[1])

    def name_list(self, meta, items):
        return [(str(t), self.tsp(t)) for t in items]

    def const_decl(self, meta, items):
        name, typ, value = items
        span = self.sp(meta)
        if isinstance(value, tuple) and value[0] == "symmetric":
            _, members, size = value
            return ast.Const(span, str(name), typ, None, True, members, size)
        if isinstance(value, ast.SetLit) and value.elems and all(isinstance(e, ast.Name) for e in value.elems):
            members = [(e.name, e.span) for e in value.elems]
            return ast.Const(span, str(name), typ, value, False, members, None)
        return ast.Const(span, str(name), typ, value)

    def symmetric_set(self, meta, items):
        return ("symmetric", items[0], None)

    def symmetric_size(self, meta, items):
        return ("symmetric", None, self.int(items[0]))

    def assume_decl(self, meta, items):
        name, cond = items
        return ast.Assume(self.sp(meta), str(name) if name is not None else None, cond)

    def enum_decl(self, meta, items):
        return ast.Enum(self.sp(meta), str(items[0]), items[1])

    def type_decl(self, meta, items):
        return ast.TypeDef(self.sp(meta), str(items[0]), items[1])

    def union_type(self, meta, items):
        return ast.UnionDef(self.sp(meta), items)

    def union_one(self, meta, items):
        variant = ast.Variant(self.sp(meta), str(items[0]), items[1])
        return ast.UnionDef(self.sp(meta), [variant])

    def variant(self, meta, items):
        return ast.Variant(self.sp(meta), str(items[0]), items[1])

    def fields(self, meta, items):
        return items

    def field(self, meta, items):
        return ast.Field(self.sp(meta), str(items[0]), items[1])

    def bool_type(self, meta, items):
        return ast.TBool(self.sp(meta))

    def range_type(self, meta, items):
        return ast.TRange(self.sp(meta), items[0], items[1])

    def set_type(self, meta, items):
        return ast.TSet(self.sp(meta), items[0])

    def map_type(self, meta, items):
        return ast.TMap(self.sp(meta), items[0], items[1])

    def seq_type(self, meta, items):
        return ast.TSeq(self.sp(meta), items[0], items[1])

    def option_type(self, meta, items):
        return ast.TOption(self.sp(meta), items[0])

    def tuple_type(self, meta, items):
        return ast.TTuple(self.sp(meta), items)

    def record_type(self, meta, items):
        return ast.TRecord(self.sp(meta), items[0])

    def named_type(self, meta, items):
        return ast.TName(self.sp(meta), str(items[0]))

    def var_decl(self, meta, items):
        *names, typ = items
        return ast.Var(self.sp(meta), [(str(n), self.tsp(n)) for n in names], typ)

    def def_decl(self, meta, items):
        name, params, ret, body = items
        return ast.Def(self.sp(meta), str(name), params or [], ret, body)

    def params(self, meta, items):
        return items

    def param(self, meta, items):
        return ast.Param(self.sp(meta), str(items[0]), items[1])

    def init_decl(self, meta, items):
        return ast.Init(self.sp(meta), items[0])

    def action_decl(self, meta, items):
        name, params, body = items
        return ast.Action(self.sp(meta), str(name), params or [], body)

    def invariant_decl(self, meta, items):
        return ast.Invariant(self.sp(meta), str(items[0]), items[1])

    def step_decl(self, meta, items):
        return ast.StepProperty(self.sp(meta), str(items[0]), items[1])

    def constraint_decl(self, meta, items):
        return ast.Constraint(self.sp(meta), str(items[0]), items[1])

    def property_decl(self, meta, items):
        return ast.Property(self.sp(meta), str(items[0]), items[1])

    def fairness_decl(self, meta, items):
        kind, *rest = items
        names = [x for x in rest if isinstance(x, tuple)]
        groups = [x for x in rest if isinstance(x, ast.FairGroup)]
        return ast.Fairness(self.sp(meta), str(kind), names, groups)

    def fair_one(self, meta, items):
        return (str(items[0]), self.tsp(items[0]))

    def fair_group(self, meta, items):
        return ast.FairGroup(self.sp(meta), [(str(t), self.tsp(t)) for t in items if t is not None])

    def deterministic_decl(self, meta, items):
        return ast.Deterministic(self.sp(meta), items[0])

    def converge_decl(self, meta, items):
        name, var, domain, key, state = items
        return ast.Converge(self.sp(meta), str(name), str(var), self.tsp(var), domain, key, state)

    def commute_decl(self, meta, items):
        a, b = items
        return ast.Commute(self.sp(meta), (str(a), self.tsp(a)), (str(b), self.tsp(b)))

    def process_decl(self, meta, items):
        name, var, domain, *body = items
        return ast.Process(self.sp(meta), str(name), str(var), self.tsp(var), str(domain), self.tsp(domain), body)

    def channel_decl(self, meta, items):
        name, elem, capacity, faults = items
        return ast.Channel(self.sp(meta), str(name), elem, capacity, faults or [])

    def send_stmt(self, meta, items):
        return ast.Send(self.sp(meta), items[0], str(items[1]), self.tsp(items[1]))

    def receive_stmt(self, meta, items):
        return ast.Receive(self.sp(meta), str(items[0]), self.tsp(items[0]), str(items[1]), self.tsp(items[1]))

    def always(self, meta, items):
        return ast.Unary(self.sp(meta), "always", items[0])

    def eventually(self, meta, items):
        return ast.Unary(self.sp(meta), "eventually", items[0])

    def leads_to(self, meta, items):
        return ast.Binary(self.sp(meta), "leads_to", items[0], items[1])

    # -- statements
    def block(self, meta, items):
        return list(items)

    def assign(self, meta, items):
        return ast.Assign(self.sp(meta), items[0], items[1])

    def let_stmt(self, meta, items):
        name, typ, value = items
        return ast.Let(self.sp(meta), str(name), self.tsp(name), value, typ)

    def require(self, meta, items):
        return ast.Require(self.sp(meta), items[0])

    def assert_stmt(self, meta, items):
        msg = _unquote(items[1]) if items[1] is not None else None
        return ast.Assert(self.sp(meta), items[0], msg)

    def if_stmt(self, meta, items):
        cond, then, orelse = items
        if orelse is None:
            orelse = []
        elif isinstance(orelse, ast.If):
            orelse = [orelse]
        return ast.If(self.sp(meta), cond, then, orelse)

    def for_stmt(self, meta, items):
        return ast.For(self.sp(meta), str(items[0]), self.tsp(items[0]), items[1], items[2])

    def choose(self, meta, items):
        return ast.Choose(self.sp(meta), str(items[0]), self.tsp(items[0]), items[1])

    def skip(self, meta, items):
        return ast.Skip(self.sp(meta))

    def lv_name(self, meta, items):
        return ast.LName(self.sp(meta), str(items[0]))

    def lv_index(self, meta, items):
        return ast.LIndex(self.sp(meta), items[0], items[1])

    def lv_field(self, meta, items):
        return ast.LField(self.sp(meta), items[0], str(items[1]))

    # -- expressions
    def _bin(op):  # noqa: N805 - helper that builds methods
        def method(self, meta, items):
            return ast.Binary(self.sp(meta), op, items[0], items[1])
        return method

    implies_op = _bin("implies")
    or_op = _bin("or")
    and_op = _bin("and")
    eq = _bin("==")
    ne = _bin("!=")
    lt = _bin("<")
    le = _bin("<=")
    gt = _bin(">")
    ge = _bin(">=")
    member = _bin("in")
    not_member = _bin("notin")
    subset = _bin("subset")
    union_op = _bin("|")
    inter_op = _bin("&")
    range_expr = _bin("..")
    add = _bin("+")
    sub = _bin("-")
    concat = _bin("++")
    mul = _bin("*")
    div = _bin("/")
    mod = _bin("%")
    floor_div = _bin("div")
    floor_mod = _bin("mod")
    pow_op = _bin("**")
    del _bin

    def let_expr(self, meta, items):
        name, typ, value, body = items
        return ast.LetIn(self.sp(meta), str(name), self.tsp(name), value, body, typ)

    def not_op(self, meta, items):
        return ast.Unary(self.sp(meta), "not", items[0])

    def neg(self, meta, items):
        if isinstance(items[0], ast.IntLit):
            return ast.IntLit(self.sp(meta), -items[0].value)
        if isinstance(items[0], ast.DecLit):
            return ast.DecLit(self.sp(meta), -items[0].units, items[0].decimals)
        return ast.Unary(self.sp(meta), "-", items[0])

    def is_test(self, meta, items):
        operand, (pname, pspan) = items
        return ast.IsTest(self.sp(meta), operand, pname, pspan)

    def pattern_name(self, meta, items):
        return (str(items[0]), self.tsp(items[0]))

    def some_name(self, meta, items):
        return ("some", self.sp(meta))

    def none_name(self, meta, items):
        return ("none", self.sp(meta))

    def forall(self, meta, items):
        return ast.Quant(self.sp(meta), "forall", ast.Generator(self.sp(meta), items[0], None), items[1])

    def exists(self, meta, items):
        return ast.Quant(self.sp(meta), "exists", ast.Generator(self.sp(meta), items[0], None), items[1])

    def the_choice(self, meta, items):
        name, domain, body = items
        binding = ast.Binding(self.sp(meta), [(str(name), self.tsp(name))], domain)
        return ast.Quant(self.sp(meta), "the", ast.Generator(self.sp(meta), [binding], None), body)

    def bindings(self, meta, items):
        return items

    def binding(self, meta, items):
        *names, domain = items
        return ast.Binding(self.sp(meta), [(str(n), self.tsp(n)) for n in names], domain)

    def ite(self, meta, items):
        return ast.Ite(self.sp(meta), *items)

    def index(self, meta, items):
        return ast.Index(self.sp(meta), items[0], items[1])

    def type_args(self, meta, items):
        """`map[K, V]` or `seq[T, N]` in an expression: the set of all values of the type."""
        base, *args = items
        span = self.sp(meta)
        kinds = {"map": ("map[K, V]", "two types, the keys' and the values'"), "seq": ("seq[T, N]", "a type and a capacity")}
        if not isinstance(base, ast.Name) or base.name not in kinds or len(args) != 2:
            what = f"'{base.name}[...]'" if isinstance(base, ast.Name) else "an index"
            raise SpecError(Diagnostic("E107", f"{what} takes one key here; only the types map[K, V] and seq[T, N] "
                                       "take two", span, "index with one key, m[k]; a tuple key is m[(a, b)]"))
        form, needs = kinds[base.name]
        first = ast.spelled_type(args[0])
        second = ast.spelled_type(args[1]) if base.name == "map" else args[1]
        bad = args[0] if first is None else args[1] if second is None else None
        if bad is not None:
            raise SpecError(Diagnostic("E107", f"{form} takes {needs}: this is not a type", bad.span,
                                       f"write {form} with types as in a declaration, for example "
                                       f"{'map[0..3, bool]' if base.name == 'map' else 'seq[0..3, 2]'}"))
        t = ast.TMap(span, first, second) if base.name == "map" else ast.TSeq(span, first, second)
        return ast.TypeSet(span, t)

    def field_access(self, meta, items):
        return ast.FieldAccess(self.sp(meta), items[0], str(items[1]), self.tsp(items[1]))

    def call(self, meta, items):
        name, args = items
        node = ast.Call(self.sp(meta), str(name), self.tsp(name))
        if args is None:
            return node
        kind, payload = args
        if kind == "list":
            node.args = payload
        else:
            body, gen = payload
            node.body, node.generator = body, gen
        return node

    def arg_list(self, meta, items):
        return ("list", list(items))

    def gen_args(self, meta, items):
        body, binds, cond = items
        return ("gen", (body, ast.Generator(self.sp(meta), binds, cond)))

    def dec_lit(self, meta, items):
        self.check_digits(items[0])
        whole, frac = str(items[0]).replace("_", "").split(".")
        return ast.DecLit(self.sp(meta), int(whole + frac), len(frac))

    def fixed_type(self, meta, items):
        return ast.TFixed(self.sp(meta), self.int(items[0]), items[1], items[2])

    def int_lit(self, meta, items):
        return ast.IntLit(self.sp(meta), self.int(items[0]))

    def true_lit(self, meta, items):
        return ast.BoolLit(self.sp(meta), True)

    def false_lit(self, meta, items):
        return ast.BoolLit(self.sp(meta), False)

    def none_lit(self, meta, items):
        return ast.NoneLit(self.sp(meta))

    def name(self, meta, items):
        return ast.Name(self.sp(meta), str(items[0]))

    def primed(self, meta, items):
        return ast.Primed(self.sp(meta), str(items[0]))

    def tuple_lit(self, meta, items):
        return ast.TupleLit(self.sp(meta), list(items))

    def empty_braces(self, meta, items):
        return ast.SetLit(self.sp(meta), [])

    def set_lit(self, meta, items):
        return ast.SetLit(self.sp(meta), list(items))

    def set_comp(self, meta, items):
        elem, binds, cond = items
        return ast.SetComp(self.sp(meta), elem, ast.Generator(self.sp(meta), binds, cond))

    def pair(self, meta, items):
        return (items[0], items[1])

    def pairs_lit(self, meta, items):
        return ast.PairsLit(self.sp(meta), list(items))

    def map_comp(self, meta, items):
        key, value, binds = items
        return ast.MapComp(self.sp(meta), key, value, ast.Generator(self.sp(meta), binds, None))

    def seq_lit(self, meta, items):
        return ast.SeqLit(self.sp(meta), [i for i in items if i is not None])

    def match_expr(self, meta, items):
        subject, *arms = items
        return ast.Match(self.sp(meta), subject, arms)

    def arm(self, meta, items):
        return ast.Arm(self.sp(meta), items[0], items[1])

    def pat_name(self, meta, items):
        return ast.Pattern(self.sp(meta), "ctor", str(items[0]))

    def pat_ctor(self, meta, items):
        name, *binds = items
        binds = [(str(b), self.tsp(b)) for b in binds if b is not None]
        return ast.Pattern(self.sp(meta), "ctor", str(name), binds, True)

    def pat_some(self, meta, items):
        return ast.Pattern(self.sp(meta), "some", None, [(str(items[0]), self.tsp(items[0]))], True)

    def pat_none(self, meta, items):
        return ast.Pattern(self.sp(meta), "none")

    def pat_any(self, meta, items):
        return ast.Pattern(self.sp(meta), "any")




def _unquote(tok) -> str:
    body = str(tok)[1:-1]
    return re.sub(r"\\(.)", r"\1", body)
