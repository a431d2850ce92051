"""The canonical layout of a model: `syncproof fmt` (issue 17).

`format_text(text, name)` parses the model (a syntax error is the parser's `SpecError`), lays
every token of it out again and returns the new text. Only whitespace changes, and trailing
commas (never written): the tokens, their order and the parentheses stay as they were, so the
model means the same; `format_text` parses its own output and compares the syntax trees before
returning it. Comments stay where they were: one at the end of a line stays at the end of the
line of the token it followed, one on a line of its own stays on a line of its own before the
token it preceded. A blank line between declarations, statements or comments is kept (several
become one); every other line break and space is the formatter's.

The layout: two spaces per level, lines of at most WIDTH columns where a break can make them
so, a long expression broken before its operators, the comments at the ends of consecutive
lines of one indentation aligned. The parse tree comes from lark with every token kept (the
checker's parser drops the punctuation); the layout is `spec.layout`'s.
"""

from __future__ import annotations

import dataclasses
import functools
import re

from lark import Lark, Token, Tree

from spec import layout, parser
from spec.diagnostics import Source, Span
from spec.layout import Align, Doc, Fill, Group, Hard, IfBreak, Line, Nest, Suffix, concat

WIDTH = 100
INDENT = 2

_COMMENT_OR_STRING = re.compile(r'"(?:[^"\\\n]|\\.)*"|#[^\n]*')

# binary operators by precedence level: a chain of one level is laid out as one list
_CHAINS = {
    "implies_op": "implies", "leads_to": "implies", "or_op": "or", "and_op": "and",
    "union_op": "|", "inter_op": "&", "add": "+", "sub": "+", "concat": "+",
    "mul": "*", "div": "*", "mod": "*", "floor_div": "*", "floor_mod": "*",
}
_COMPARISONS = {"eq", "ne", "lt", "le", "gt", "ge", "member", "not_member", "subset", "pow_op"}
# what may follow `=` on the same line however long it is: it breaks inside its own brackets
_HUGGED = {"match_expr", "set_lit", "pairs_lit", "seq_lit", "tuple_lit", "set_comp", "map_comp", "call",
           "empty_braces"}


@functools.lru_cache(maxsize=1)
def _lark() -> Lark:
    """The grammar's parser keeping every token (a few tenths of a second to build, once)."""
    return Lark(parser.GRAMMAR.read_text(), parser="lalr", start="start", keep_all_tokens=True,
                propagate_positions=True, maybe_placeholders=False, postlex=parser.StepAsName())


def format_text(text: str, name: str = "<input>") -> str:
    """The model `text` in the canonical layout; a `SpecError` if it does not parse."""
    before = parser.parse(text, name)
    tree = parser.lexing(text, lambda: _lark().parse(text))
    out = _Formatter(text, tree).run()
    after = parser.parse(out, name)
    if shape(before) != shape(after):  # pragma: no cover - a bug in the formatter, never the user's
        raise AssertionError(f"{name}: formatting would change the model; please report this bug")
    return out


def shape(node) -> object:
    """A syntax tree or IR as nested tuples, without source positions or texts: two models with
    the same shape mean the same. Objects met twice (the IR shares symbols) are numbered."""
    seen: dict[int, int] = {}

    def walk(x):
        if isinstance(x, (Span, Source)) or x is None:
            return None
        if isinstance(x, (str, int, float, bool, bytes)):
            return x
        if isinstance(x, (list, tuple)):
            return tuple(walk(i) for i in x)
        if isinstance(x, (set, frozenset)):
            return frozenset(walk(i) for i in x)
        if isinstance(x, dict):
            return tuple((walk(k), walk(v)) for k, v in x.items())
        if not dataclasses.is_dataclass(x):
            return repr(x)
        if id(x) in seen:
            return ("seen", seen[id(x)])
        seen[id(x)] = len(seen)
        return (type(x).__name__,) + tuple((f.name, walk(getattr(x, f.name))) for f in dataclasses.fields(x)
                                           if f.name not in ("span", "source", "sources"))

    return walk(node)


@dataclasses.dataclass
class _Notes:
    """The comments around one token, and whether a blank line came before each."""

    leading: list[tuple[str, bool]] = dataclasses.field(default_factory=list)
    blank_before: bool = False      # a blank line between the last comment (or the token before) and it
    trailing: str | None = None


def _leaves(tree: Tree) -> list[Token]:
    out: list[Token] = []
    stack: list = [tree]
    while stack:
        node = stack.pop()
        if isinstance(node, Token):
            out.append(node)
        else:
            stack.extend(reversed(node.children))
    return out


def _last_token(node) -> Token:
    while isinstance(node, Tree):
        node = node.children[-1]
    return node


def _notes(text: str, tokens: list[Token]) -> tuple[dict[int, _Notes], list[tuple[str, bool]]]:
    """Each token's comments (by the token's offset), and the comments after the last token."""
    comments = [(m.start(), m.group().rstrip()) for m in _COMMENT_OR_STRING.finditer(text) if m.group()[0] == "#"]
    notes: dict[int, _Notes] = {}
    ti = ci = 0
    prev_end = 0          # the end of the last token or comment
    prev_token_line = 0   # the line of the end of the last token
    line_at = _line_counter(text)
    pending: list[tuple[str, bool]] = []
    while ci < len(comments) or ti < len(tokens):
        if ci < len(comments) and (ti == len(tokens) or comments[ci][0] < tokens[ti].start_pos):
            pos, body = comments[ci]
            blank = text.count("\n", prev_end, pos) >= 2
            if ti > 0 and line_at(pos) == prev_token_line and not pending:
                notes.setdefault(tokens[ti - 1].start_pos, _Notes()).trailing = body
            else:
                pending.append((body, blank))
            prev_end = pos + len(body)
            ci += 1
            continue
        tok = tokens[ti]
        note = notes.setdefault(tok.start_pos, _Notes())
        note.leading = pending
        note.blank_before = text.count("\n", prev_end, tok.start_pos) >= 2
        pending = []
        prev_end, prev_token_line = tok.end_pos, tok.end_line
        ti += 1
    return notes, pending


def _line_counter(text: str):
    """pos -> its 1-based line, for positions asked in increasing order."""
    state = {"pos": 0, "line": 1}

    def line_at(pos: int) -> int:
        state["line"] += text.count("\n", state["pos"], pos)
        state["pos"] = pos
        return state["line"]

    return line_at


class _Formatter:
    """The layout of one parse tree: a method per rule of the grammar (`r_<rule>`)."""

    def __init__(self, text: str, tree: Tree):
        self.tree = tree
        self.notes, self.end_comments = _notes(text, _leaves(tree))
        self.quiet: set[int] = set()   # tokens followed by a newline anyway: their comment breaks nothing
        self.starts: set[int] = set()  # the first tokens of declarations and statements

    def run(self) -> str:
        lines = layout.render(self.node(self.tree), WIDTH)
        _align_comments(lines)
        text = "\n".join(f"{ln.code}  {ln.comment}" if ln.comment and ln.code else (ln.comment or ln.code)
                         for ln in lines)
        return text.rstrip("\n") + "\n"

    # -- tokens and their comments

    def note(self, tok: Token) -> _Notes:
        return self.notes.get(tok.start_pos, _Notes())

    def tok(self, tok: Token, text: str | None = None) -> Doc:
        """A token with its comments: each one before it on a line of its own, the one after it
        at the end of its line."""
        note = self.note(tok)
        return concat(self.leading(note, first_blank=tok.start_pos not in self.starts), text if text is not None else str(tok),
                      self.trailing(tok))

    def leading(self, note: _Notes, first_blank: bool) -> Doc | None:
        if not note.leading:
            return None
        parts: list = []
        for i, (body, blank) in enumerate(note.leading):
            parts.append(Hard(fresh=True))
            if blank and (i > 0 or first_blank):
                parts.append(Hard())
            parts.extend([body, Hard()])
        if note.blank_before:
            parts.append(Hard())
        return concat(*parts)

    def trailing(self, tok: Token) -> Doc | None:
        body = self.note(tok).trailing
        return Suffix(body, hard=tok.start_pos not in self.quiet) if body is not None else None

    def comments_only(self, tok: Token) -> Doc:
        """A token left out (a trailing comma), its comments kept."""
        return concat(self.leading(self.note(tok), first_blank=True), self.trailing(tok))

    def item_blank(self, node) -> bool:
        """A blank line before this declaration or statement (or before its comments)."""
        note = self.note(_leaves(node)[0] if isinstance(node, Tree) else node)
        return note.leading[0][1] if note.leading else note.blank_before

    def items(self, nodes: list, sep_first: bool = True) -> Doc:
        """Declarations or statements, one a line, a blank line kept where there was one."""
        parts: list = []
        for i, n in enumerate(nodes):
            self.quiet.add(_last_token(n).start_pos)
            self.starts.add(_leaves(n)[0].start_pos if isinstance(n, Tree) else n.start_pos)
            if i > 0 or sep_first:
                parts.append(Hard())
                if self.item_blank(n) and i > 0:
                    parts.append(Hard())
            parts.append(self.node(n))
        return concat(*parts)

    # -- dispatch

    def node(self, n) -> Doc:
        if isinstance(n, Token):
            return self.tok(n)
        if n.data in _CHAINS:
            return self.chain(n, hang=True)
        return getattr(self, f"r_{n.data}", self.words)(n)

    def words(self, n: Tree) -> Doc:
        """Children separated by spaces: keywords, names and whatever follows them."""
        parts: list = []
        for c in n.children:
            if parts:
                parts.append(" ")
            parts.append(self.node(c))
        return concat(*parts)

    def tight(self, n: Tree) -> Doc:
        return concat(*(self.node(c) for c in n.children))

    def expr(self, n, hang: bool = True) -> Doc:
        """An expression; not `hang`ing, a chain's later lines start where it starts."""
        if isinstance(n, Tree) and n.data in _CHAINS:
            return self.chain(n, hang)
        if isinstance(n, Tree) and n.data in ("ite",):
            return self.r_ite(n, hang)
        return self.node(n)

    def body(self, head: Doc, n) -> Doc:
        """`head` then an expression: on the same line if it fits, else on the next, indented."""
        return concat(head, Group(Nest(INDENT, concat(Line(), self.expr(n, hang=False)))))

    def rhs(self, head: Doc, n) -> Doc:
        """`head` (ending in `=`) then an expression: a bracketed one starts on the same line."""
        if isinstance(n, Tree) and n.data in _HUGGED:
            return concat(head, " ", self.node(n))
        return self.body(head, n)

    def bracket(self, open_: Token, items: list, commas: list[Token], close: Token, pad: bool = False,
                extra: Token | None = None, fill: bool = False) -> Doc:
        """`open items close` on one line, or the items on lines of their own, indented: one a
        line, or (`fill`) as many a line as fit. A trailing comma (`extra`) is left out."""
        if not items:
            return concat(self.tok(open_), self.closing(close, Line(soft=True)))
        docs = [self.node(item) for item in items]
        seps = [concat(self.tok(comma), Line()) for comma in commas]
        if extra is not None:
            docs[-1] = concat(docs[-1], self.comments_only(extra))
        body = Fill(docs, seps) if fill else concat(*(p for pair in zip(docs, seps + [None]) for p in pair if p))
        inner = Nest(INDENT, concat(Line(soft=not pad), body))
        return Group(concat(self.tok(open_), inner, self.closing(close, Line(soft=not pad))))

    def closing(self, close: Token, line: Doc) -> Doc:
        """A closing bracket; the comments before it stay inside, indented as the items."""
        note = self.note(close)
        comments = self.leading(note, first_blank=True)
        if comments is None:
            return concat(line, str(close), self.trailing(close))
        return concat(Nest(INDENT, comments), Hard(fresh=True), str(close), self.trailing(close))

    def list_of(self, n: Tree, open_i: int, close_i: int, pad: bool = False, fill: bool = False) -> Doc:
        """A bracketed, comma separated part of `n.children` (items, commas, an optional trailing comma)."""
        kids = n.children
        inner = kids[open_i + 1:close_i]
        items = [c for c in inner if not (isinstance(c, Token) and c == ",")]
        commas = [c for c in inner if isinstance(c, Token) and c == ","]
        extra = commas.pop() if len(commas) == len(items) and items else None
        return self.bracket(kids[open_i], items, commas, kids[close_i], pad, extra, fill)

    # -- module and declarations

    def r_start(self, n: Tree) -> Doc:
        model, name, *decls = n.children
        self.quiet.add(name.start_pos)
        parts = [self.tok(model), " ", self.tok(name), self.items_after(decls)]
        if self.end_comments:
            parts.append(self.leading(_Notes(self.end_comments), first_blank=True))
        return concat(*parts)

    def items_after(self, decls: list) -> Doc:
        """Declarations after a head line: the first one after a blank line if it had one."""
        if not decls:
            return concat()
        first_blank = [Hard()] if self.item_blank(decls[0]) else []
        return concat(*first_blank, self.items(decls))

    def r_const_decl(self, n: Tree) -> Doc:
        kids = n.children
        if not any(isinstance(c, Token) and c == "=" for c in kids):
            return self.typed_names(kids)
        eq = next(i for i, c in enumerate(kids) if isinstance(c, Token) and c == "=")
        return self.rhs(concat(self.typed_names(kids[:eq]), " ", self.tok(kids[eq])), kids[eq + 1])

    def typed_names(self, kids: list) -> Doc:
        """`keyword name, name: type`: no space before ':' and ','."""
        parts: list = []
        for c in kids:
            if parts and not (isinstance(c, Token) and c in (":", ",")):
                parts.append(" ")
            parts.append(self.node(c))
        return concat(*parts)

    def r_symmetric_set(self, n: Tree) -> Doc:
        sym, open_, names, close = n.children
        kids = [open_, *names.children, close]
        return concat(self.tok(sym), " ", self.list_of(Tree("names", kids), 0, len(kids) - 1, fill=True))

    def r_enum_decl(self, n: Tree) -> Doc:
        kw, name, open_, names, close = n.children
        kids = [open_, *names.children, close]
        return concat(self.tok(kw), " ", self.tok(name), " ", self.list_of(Tree("names", kids), 0, len(kids) - 1, pad=True,
                                                                               fill=True))

    def r_name_list(self, n: Tree) -> Doc:
        """Names after a declaration's keyword (fairness, deterministic, with): as many a line as fit."""
        kids = n.children
        names = [c for c in kids if c != ","]
        commas = [c for c in kids if c == ","]
        items = [self.tok(names[0])]
        seps = []
        for comma, name in zip(commas, names[1:]):
            seps.append(concat(self.tok(comma), Line()))
            items.append(self.tok(name))
        return Nest(INDENT * 2, Fill(items, seps))

    def r_assume_decl(self, n: Tree) -> Doc:
        kids = n.children
        if len(kids) == 2:
            return concat(self.tok(kids[0]), " ", self.expr(kids[1]))
        kw, name, colon, cond = kids
        return self.body(concat(self.tok(kw), " ", self.tok(name), self.tok(colon)), cond)

    def r_invariant_decl(self, n: Tree) -> Doc:
        kw, name, colon, cond = n.children
        return self.body(concat(self.tok(kw), " ", self.tok(name), self.tok(colon)), cond)

    r_property_decl = r_step_decl = r_invariant_decl

    def r_primed(self, n: Tree) -> Doc:
        """`x'`: the name and its prime, together."""
        return self.tight(n)
    r_constraint_decl = r_invariant_decl

    def r_type_decl(self, n: Tree) -> Doc:
        kw, name, eq, rhs = n.children
        head = concat(self.tok(kw), " ", self.tok(name), " ", self.tok(eq))
        if isinstance(rhs, Tree) and rhs.data == "union_type":
            return concat(head, self.union(rhs))
        return concat(head, " ", self.node(rhs))

    def union(self, n: Tree) -> Doc:
        """`A | B(...)` on one line, or one variant a line: the first indented past the '| '."""
        parts: list = [Line(), IfBreak(concat("  "), concat()), self.node(n.children[0])]
        for bar, variant in zip(n.children[1::2], n.children[2::2]):
            parts.extend([Line(), self.tok(bar), " ", self.node(variant)])
        return Group(Nest(INDENT, concat(*parts)))

    def r_variant(self, n: Tree) -> Doc:
        if len(n.children) == 1:
            return self.tok(n.children[0])
        name, open_, fields, close = n.children
        return concat(self.tok(name), self.list_of(Tree("f", [open_, *fields.children, close]), 0,
                                                   len(fields.children) + 1))

    r_union_one = r_variant

    def r_record_type(self, n: Tree) -> Doc:
        open_, fields, close = n.children
        kids = [open_, *fields.children, close]
        return self.list_of(Tree("f", kids), 0, len(kids) - 1, pad=True)

    def r_def_decl(self, n: Tree) -> Doc:
        kids = n.children
        eq = max(i for i, c in enumerate(kids) if isinstance(c, Token) and c == "=")
        head: list = [self.tok(kids[0]), " ", self.tok(kids[1])]
        rest = kids[2:eq]
        if rest and rest[0] == "(":
            close = rest.index(next(c for c in rest if isinstance(c, Token) and c == ")"))
            head.append(self.params(rest[:close + 1]))
            rest = rest[close + 1:]
        if rest:   # -> type
            head.extend([" ", self.tok(rest[0]), " ", self.node(rest[1])])
        head.extend([" ", self.tok(kids[eq])])
        return self.rhs(concat(*head), kids[eq + 1])

    def params(self, kids: list) -> Doc:
        """`(a: T, b: U)` from the tokens '(' [params] ')'."""
        if len(kids) == 2:
            return concat(self.tok(kids[0]), self.tok(kids[1]))
        open_, params, close = kids
        return self.list_of(Tree("p", [open_, *params.children, close]), 0, len(params.children) + 1)

    def r_param(self, n: Tree) -> Doc:
        return self.typed_names(n.children)

    r_field = r_param
    r_var_decl = r_param

    def r_init_decl(self, n: Tree) -> Doc:
        kw, block = n.children
        return concat(self.tok(kw), " ", self.node(block))

    def r_action_decl(self, n: Tree) -> Doc:
        kids = n.children
        head: list = [self.tok(kids[0]), " ", self.tok(kids[1])]
        if len(kids) > 3:
            head.append(self.params(kids[2:-1]))
        return concat(*head, " ", self.node(kids[-1]))

    def r_process_decl(self, n: Tree) -> Doc:
        kw, name, lsq, var, in_, domain, rsq, open_, *items, close = n.children
        head = concat(self.tok(kw), " ", self.tok(name), self.tok(lsq), self.tok(var), " ", self.tok(in_), " ",
                      self.tok(domain), self.tok(rsq), " ")
        return concat(head, self.braces(open_, items, close))

    def r_fairness_decl(self, n: Tree) -> Doc:
        """`fairness weak A, {B, C}`: as many items a line as fit, a group kept on one line if it fits."""
        kw, kind, *rest = n.children
        items = [self.node(c) for c in rest if isinstance(c, Tree)]
        seps = [concat(self.tok(c), Line()) for c in rest if isinstance(c, Token)]
        return concat(self.tok(kw), " ", self.tok(kind), " ", Nest(INDENT * 2, Fill(items, seps)))

    def r_fair_one(self, n: Tree) -> Doc:
        return self.tok(n.children[0])

    def r_fair_group(self, n: Tree) -> Doc:
        kids = [c for c in n.children if c is not None]
        return self.list_of(Tree("fair_group", kids), 0, len(kids) - 1)

    def r_converge_decl(self, n: Tree) -> Doc:
        kw, name, colon, forall, var, in_, domain, colon2, key, determines, state = n.children
        head = concat(self.tok(kw), " ", self.tok(name), self.tok(colon), " ", self.tok(forall), " ", self.tok(var),
                      " ", self.tok(in_), " ", self.expr(domain), self.tok(colon2))
        tail = concat(self.expr(key), Line(), self.tok(determines), " ", self.expr(state))
        return concat(head, Group(Nest(INDENT, concat(Line(), Group(tail)))))

    def r_commute_decl(self, n: Tree) -> Doc:
        kw, a, comma, b = n.children
        return concat(self.tok(kw), " ", self.tok(a), self.tok(comma), " ", self.tok(b))

    def r_channel_decl(self, n: Tree) -> Doc:
        kw, name, colon, typ, cap, size, *faults = n.children
        parts = [self.tok(kw), " ", self.tok(name), self.tok(colon), " ", self.node(typ), " ", self.tok(cap), " ",
                 self.expr(size)]
        if faults:
            parts.extend([" ", self.tok(faults[0]), " ", self.node(faults[1])])
        return concat(*parts)

    def r_refines_decl(self, n: Tree) -> Doc:
        """`refines A from "path" {`, one mapping a line, `}`."""
        kw, name, from_, path, open_, *entries, close = n.children
        head = concat(self.tok(kw), " ", self.tok(name), " ", self.tok(from_), " ", self.tok(path), " ")
        return concat(head, self.braces(open_, entries, close))

    def r_refine_entry(self, n: Tree) -> Doc:
        name, eq, value = n.children
        return self.rhs(concat(self.tok(name), " ", self.tok(eq)), value)

    # -- statements

    def r_block(self, n: Tree) -> Doc:
        open_, *stmts, close = n.children
        return self.braces(open_, stmts, close)

    def braces(self, open_: Token, items: list, close: Token) -> Doc:
        """`{`, the items one a line indented, `}`; `{}` when there are none."""
        self.quiet.add(open_.start_pos)
        note = self.note(close)
        if not items and not note.leading:
            return concat(self.tok(open_), self.tok(close))
        body = Nest(INDENT, concat(self.items(items), self.leading(note, first_blank=bool(items))))
        return concat(self.tok(open_), body, Hard(fresh=True), str(close), self.trailing(close))

    def r_assign(self, n: Tree) -> Doc:
        lv, eq, value = n.children
        return self.rhs(concat(self.node(lv), " ", self.tok(eq)), value)

    def r_let_stmt(self, n: Tree) -> Doc:
        kids = n.children
        return self.rhs(concat(self.typed_names(kids[:-2]), " ", self.tok(kids[-2])), kids[-1])

    def r_require(self, n: Tree) -> Doc:
        kw, cond = n.children
        return concat(self.tok(kw), " ", self.expr(cond))

    def r_assert_stmt(self, n: Tree) -> Doc:
        kw, cond, *msg = n.children
        tail = concat(self.tok(msg[0]), " ", self.tok(msg[1])) if msg else None
        return concat(self.tok(kw), " ", self.expr(cond), tail)

    def r_if_stmt(self, n: Tree) -> Doc:
        kw, cond, block, *orelse = n.children
        parts = [self.tok(kw), " ", self.expr(cond), " ", self.node(block)]
        if orelse:
            parts.extend([" ", self.tok(orelse[0]), " ", self.node(orelse[1])])
        return concat(*parts)

    def r_for_stmt(self, n: Tree) -> Doc:
        kw, var, in_, domain, block = n.children
        return concat(self.tok(kw), " ", self.tok(var), " ", self.tok(in_), " ", self.expr(domain), " ",
                      self.node(block))

    def r_lv_index(self, n: Tree) -> Doc:
        return self.tight(n)

    r_lv_field = r_lv_index

    # -- expressions

    def chain(self, n: Tree, hang: bool) -> Doc:
        """`a op b op c ...` of one precedence level: one line, or a line per operator."""
        level = _CHAINS[n.data]
        operands, ops = [], []
        node = n
        # left-nested (a + b) + c and right-nested a implies (b implies c) both flatten
        while isinstance(node, Tree) and _CHAINS.get(node.data) == level:
            left, op, right = node.children[0], node.children[1:-1], node.children[-1]
            if level == "implies":
                operands.append(left)
                ops.append(op)
                node = right
            else:
                operands.insert(0, right)
                ops.insert(0, op)
                node = left
        if level == "implies":
            operands.append(node)
        else:
            operands.insert(0, node)
        parts: list = [self.expr(operands[0])]
        for op, operand in zip(ops, operands[1:]):
            parts.extend([Line(), *(concat(self.tok(t), " ") for t in op), self.expr(operand)])
        rest = concat(*parts[1:])
        return Group(concat(parts[0], Nest(INDENT, rest) if hang else rest))

    def binary(self, n: Tree) -> Doc:
        """A comparison: `a op b`, broken before the operator if it must."""
        left, *op, right = n.children
        ops = [concat(self.tok(t), " ") for t in op]
        return Group(concat(self.expr(left), Nest(INDENT, concat(Line(), *ops, self.expr(right)))))

    def r_range_expr(self, n: Tree) -> Doc:
        return self.tight(n)

    r_range_type = r_range_expr

    def r_neg(self, n: Tree) -> Doc:
        return self.tight(n)

    def r_not_op(self, n: Tree) -> Doc:
        return self.words(n)

    def r_is_test(self, n: Tree) -> Doc:
        return self.words(n)

    def r_atom(self, n: Tree) -> Doc:
        """An expression in parentheses: its later lines start after the '('."""
        open_, inner, close = n.children
        return concat(self.tok(open_), Align(self.expr(inner, hang=False)), self.tok(close))

    r_rb_hi = r_atom   # `0..(N - 1)` in a type

    def quant(self, n: Tree) -> Doc:
        kw, bindings, colon, body = n.children
        return concat(self.tok(kw), " ", self.node(bindings), self.tok(colon),
                      Group(Nest(INDENT, concat(Line(), self.expr(body, hang=False)))))

    r_forall = r_exists = quant

    def r_the_choice(self, n: Tree) -> Doc:
        """`the x in S: p`, laid out like a quantifier."""
        kw, name, in_, domain, colon, body = n.children
        return concat(self.tok(kw), " ", self.tok(name), " ", self.tok(in_), " ", self.expr(domain), self.tok(colon),
                      Group(Nest(INDENT, concat(Line(), self.expr(body, hang=False)))))

    def r_let_expr(self, n: Tree) -> Doc:
        """`let x = v in body`: the body on the same line if it fits, else on the next, indented."""
        *head, in_, body = n.children
        return concat(self.typed_names(head), " ", self.tok(in_),
                      Group(Nest(INDENT, concat(Line(), self.expr(body, hang=False)))))

    def r_always(self, n: Tree) -> Doc:
        return self.words(n)

    r_eventually = r_always

    def r_bindings(self, n: Tree) -> Doc:
        return self.typed_names(n.children)

    def r_binding(self, n: Tree) -> Doc:
        return self.typed_names(n.children)

    def r_ite(self, n: Tree, hang: bool = True) -> Doc:
        if_, cond, then, a, else_, b = n.children
        rest = concat(Line(), self.tok(then), " ", self.expr(a), Line(), self.tok(else_), " ", self.expr(b))
        return Group(concat(self.tok(if_), " ", self.expr(cond), Nest(INDENT, rest) if hang else rest))

    def r_index(self, n: Tree) -> Doc:
        return self.tight(n)

    r_field_access = r_index

    def r_type_args(self, n: Tree) -> Doc:
        """`map[K, V]`, `seq[T, N]` in an expression, written as the type is in a declaration."""
        base, *rest = n.children
        return concat(self.node(base), self.list_of(Tree("t", rest), 0, len(rest) - 1))

    def r_call(self, n: Tree) -> Doc:
        kids = n.children
        if len(kids) == 3:
            return self.tight(n)
        name, open_, args, close = kids
        if args.data == "gen_args":
            return concat(self.tok(name), self.tok(open_),
                          Group(concat(Nest(INDENT, concat(Line(soft=True), self.r_gen_args(args))),
                                       self.closing(close, Line(soft=True)))))
        return concat(self.tok(name), self.list_of(Tree("a", [open_, *args.children, close]), 0,
                                                   len(args.children) + 1))

    def r_gen_args(self, n: Tree) -> Doc:
        """`expr for bindings [if cond]`, broken before 'for' and 'if'."""
        kids = n.children
        parts: list = [self.expr(kids[0])]
        i = 1
        while i < len(kids):
            parts.extend([Line(), self.tok(kids[i]), " ", self.expr(kids[i + 1])])
            i += 2
        return Group(concat(*parts))

    def r_set_comp(self, n: Tree) -> Doc:
        open_, *mid, close = n.children
        return Group(concat(self.tok(open_), Nest(INDENT, concat(Line(soft=True), self.r_gen_args(Tree("g", mid)))),
                            self.closing(close, Line(soft=True))))

    def r_map_comp(self, n: Tree) -> Doc:
        open_, key, colon, value, *gen, close = n.children
        head = concat(self.expr(key), self.tok(colon), " ", self.expr(value))
        gen_doc = self.r_gen_args(Tree("g", [Tree("h", []), *gen]))
        return Group(concat(self.tok(open_), Nest(INDENT, concat(Line(soft=True), head, gen_doc)),
                            self.closing(close, Line(soft=True))))

    def r_h(self, n: Tree) -> Doc:   # the empty head of a map comprehension's generator (above)
        return concat()

    def r_pair(self, n: Tree) -> Doc:
        key, colon, value = n.children
        return concat(self.expr(key), self.tok(colon), " ", self.expr(value))

    def r_tuple_lit(self, n: Tree) -> Doc:
        return self.list_of(n, 0, len(n.children) - 1, fill=True)

    r_set_lit = r_pairs_lit = r_seq_lit = r_tuple_lit

    def r_tuple_type(self, n: Tree) -> Doc:
        return self.list_of(n, 0, len(n.children) - 1)

    def r_empty_braces(self, n: Tree) -> Doc:
        return self.tight(n)

    def r_match_expr(self, n: Tree) -> Doc:
        """`match e {`, one arm a line, `}`."""
        kw, subject, open_, *arms, close = n.children
        items = [a for a in arms if isinstance(a, Tree)]
        commas = [a for a in arms if isinstance(a, Token)]
        parts: list = []
        for i, arm in enumerate(items):
            self.quiet.add(_last_token(arm).start_pos)
            parts.extend([Hard(), self.node(arm)])
            if i < len(commas):
                self.quiet.add(commas[i].start_pos)
                parts.append(self.tok(commas[i]) if i < len(items) - 1 else self.comments_only(commas[i]))
        body = Nest(INDENT, concat(*parts, self.leading(self.note(close), first_blank=True)))
        return concat(self.tok(kw), " ", self.expr(subject), " ", self.tok(open_), body, Hard(fresh=True), str(close),
                      self.trailing(close))

    def r_arm(self, n: Tree) -> Doc:
        pattern, arrow, value = n.children
        return concat(self.node(pattern), " ", self.tok(arrow),
                      Group(Nest(INDENT, concat(Line(), self.expr(value, hang=False)))))

    def r_pat_ctor(self, n: Tree) -> Doc:
        name, *rest = n.children
        return concat(self.tok(name), self.list_of(Tree("p", rest), 0, len(rest) - 1))

    r_pat_some = r_pat_ctor

    # -- types

    def r_set_type(self, n: Tree) -> Doc:
        return concat(self.tok(n.children[0]), self.list_of(Tree("t", n.children[1:]), 0, len(n.children) - 2))

    r_map_type = r_seq_type = r_option_type = r_set_type

    def r_fixed_type(self, n: Tree) -> Doc:
        kw, open_, digits, close, lo, dots, hi = n.children
        return concat(self.tok(kw), self.tok(open_), self.tok(digits), self.tok(close), " ", self.node(lo),
                      self.tok(dots), self.node(hi))


for _op in _COMPARISONS:
    setattr(_Formatter, f"r_{_op}", _Formatter.binary)


def _align_comments(lines: list[layout.OutLine]) -> None:
    """The comments at the ends of consecutive lines of one indentation start in one column,
    two spaces after the longest of those lines."""
    i = 0
    while i < len(lines):
        if not (lines[i].comment and lines[i].code):
            i += 1
            continue
        indent = _indent(lines[i].code)
        j = i
        while j < len(lines) and lines[j].comment and lines[j].code and _indent(lines[j].code) == indent:
            j += 1
        width = max(len(ln.code) for ln in lines[i:j])
        for ln in lines[i:j]:
            ln.code = ln.code.ljust(width)
        i = j


def _indent(code: str) -> int:
    return len(code) - len(code.lstrip(" "))
