"""What the language server knows of a model, without the protocol: `analyze(path, text, read)`.

An `Analysis` holds the document's diagnostics (the front end's: parse, imports, names and
types, each with its E-code, span and help), its modules (the document first, then what it
imports, read through `read` so that an open editor's unsaved text wins over the disk), and an
index of every name: where each global (constant, type, enum member, variant, variable, def,
action, property, ...) and each local (parameter, `let`, binder) is declared and every place it
is used. Names are resolved by scope on the syntax tree, so navigation works in a model that
does not type-check; types and constant values come from the checked model when there is one.
When the document does not parse, the index of its last parse that did is kept (`stale`), so an
editor can still navigate while a line is half typed.

Positions here are the spans' own: 1-based lines and columns counted in characters.
"""

from __future__ import annotations

import dataclasses
import functools
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

from spec import ast, ir
from spec import values as V
from spec.diagnostics import Diagnostic, Source, Span, SpecError
from spec.loader import load_abstracts
from spec.parser import KEYWORDS, parse
from spec.typecheck import check
from spec.typecheck.builtins import BUILTINS
from spec.types import MapType, OptionType, RecordType, SeqType, TupleType, Type

# every word of the grammar: completion offers them, rename refuses them
DECLARATION_WORDS = {
    "model", "import", "const", "symmetric", "assume", "enum", "type", "var", "def", "init", "action",
    "invariant", "step", "constraint", "property", "fairness", "weak", "strong", "deterministic", "converge", "commute", "process",
    "channel", "capacity", "with", "from", "to", "bool", "fixed", "set", "map", "seq", "option", "some",
}
WORDS = KEYWORDS | DECLARATION_WORDS
IDENT = re.compile(r"[A-Za-z_][A-Za-z0-9_]*\Z")
_DID_YOU_MEAN = re.compile(r"did you mean '([^'\s]+)'\?")
_QUOTED = re.compile(r"'([^'\s]+)'")

Read = Callable[[Path], "str | None"]   # the text of a file (None when it cannot be read)


@dataclass(frozen=True)
class Symbol:
    """A declared name: a global declaration or a local binding."""

    name: str
    kind: str            # const, type, enum, member, variant, var, def, action, invariant, property, ...
    span: Span           # the name where it is declared
    decl: ast.Node       # the whole declaration (for a local, its enclosing declaration)
    container: str | None = None   # the enum of a member, the union of a variant, the action of a parameter
    type_text: str | None = None   # a local's declared type, as written


@dataclass(frozen=True)
class Occurrence:
    span: Span
    key: tuple           # ("g", name) or ("l", source name, line, col of the binding)
    is_def: bool


@dataclass
class Analysis:
    path: str
    text: str
    diagnostics: list[Diagnostic] = field(default_factory=list)
    modules: list[ast.Module] = field(default_factory=list)
    model: ir.CheckedModel | None = None
    stale: bool = False                       # the index is of an earlier text (this one does not parse)
    globals: dict[str, Symbol] = field(default_factory=dict)
    locals: dict[tuple, Symbol] = field(default_factory=dict)
    occurrences: list[Occurrence] = field(default_factory=list)
    import_of: dict[str, ast.Import] = field(default_factory=dict)   # a module's source -> the document's import
    also: dict[str, list[Span]] = field(default_factory=dict)   # a global declared again (enum members of two enums)
    fields: dict[str, list[Symbol]] = field(default_factory=dict)   # record fields by name, every declaration
    internal_error: str | None = None
    _local_types: dict | None = None

    # ---- lookups ---------------------------------------------------------------------------

    def occurrence_at(self, line: int, col: int, source: str | None = None) -> Occurrence | None:
        """The name at 1-based (line, col) of a source (the document by default); the column just
        after a name counts, as editors put the cursor there."""
        source = self.path if source is None else source
        best = None
        for o in self.occurrences:
            s = o.span
            if s.source.name == source and s.line == line and s.col <= col <= s.end_col:
                if best is None or s.col > best.span.col:
                    best = o
        return best

    def symbol(self, key: tuple) -> Symbol | None:
        if key[0] == "f":
            found = self.fields.get(key[1])
            return found[0] if found else None
        return self.globals.get(key[1]) if key[0] == "g" else self.locals.get(key)

    def declarations(self, key: tuple) -> list[Span]:
        """Where the name is declared: one place, or several for a member of two enums or a field
        of several records (which one a use means depends on its type)."""
        if key[0] == "f":
            return [s.span for s in self.fields.get(key[1], [])]
        sym = self.symbol(key)
        if sym is None:
            return []
        return [sym.span] + (self.also.get(sym.name, []) if key[0] == "g" else [])

    def uses(self, key: tuple) -> list[Occurrence]:
        return [o for o in self.occurrences if o.key == key]

    def symbols_of(self, source: str | None = None) -> list[Symbol]:
        """The globals declared in a source (the document by default), in the order of the text."""
        source = self.path if source is None else source
        found = [s for s in self.globals.values() if s.span.source.name == source]
        return sorted(found, key=lambda s: (s.span.line, s.span.col))

    def locals_before(self, line: int, col: int) -> list[Symbol]:
        """The locals bound earlier in the declaration holding (line, col) of the document."""
        out = {}
        for s in self.locals.values():
            d = s.decl.span
            if (s.span.source.name == self.path and (d.line, d.col) <= (line, col) <= (d.end_line, d.end_col)
                    and (s.span.line, s.span.col) < (line, col)):
                out[s.name] = s
        return list(out.values())

    # ---- types (from the checked model) -------------------------------------------------------

    def type_of(self, sym: Symbol) -> Type | None:
        m = self.model
        if m is None:
            return None
        if sym.kind == "var":
            return next((v.type for v in m.vars if v.name == sym.name), None)
        if sym.kind == "const" and sym.name in m.consts:
            return m.consts[sym.name].type
        if sym.kind in ("param", "let", "binder", "choose", "for", "receive", "pattern"):
            return self.local_types().get((sym.span.source.name, sym.span.line, sym.span.col))
        return None

    def local_types(self) -> dict:
        """(source, line, col) of every local the checked model binds -> its type."""
        if self._local_types is None:
            found = {}
            if self.model is not None:
                for sym in _ir_locals(self.model):
                    if sym.span is not None:
                        found.setdefault((sym.span.source.name, sym.span.line, sym.span.col), sym.type)
            self._local_types = found
        return self._local_types


# ---- analysing a document -----------------------------------------------------------------------

def analyze(path: str, text: str, read: Read, previous: Analysis | None = None,
            cache: dict | None = None) -> Analysis:
    """The analysis of the document `path` holding `text`; `previous` (the document's last
    analysis) gives the index when `text` does not parse; `cache` (path -> (text, module)) keeps
    the imported modules parsed between keystrokes."""
    a = Analysis(path, text)
    try:
        main = parse(text, path)
    except SpecError as exc:
        a.diagnostics = list(exc.diagnostics)
        if previous is not None and previous.modules:
            _keep_index(a, previous)
        return a
    except Exception as exc:  # noqa: BLE001 - the server outlives a bug in the front end
        a.internal_error = f"parse: {type(exc).__name__}: {exc}"
        return a
    a.modules = [main]
    a.diagnostics.extend(_load_imports(a, main, read, {} if cache is None else cache))
    _index(a)
    if not a.diagnostics:
        try:
            # the abstract models of `refines` are read from disk, not from the editor's buffers
            a.model = check(a.modules, {}, load_abstracts(a.modules, (_key(Path(path)),)))
            a.diagnostics.extend(a.model.warnings)
        except SpecError as exc:
            a.diagnostics.extend(exc.diagnostics)
        except Exception as exc:  # noqa: BLE001 - the server outlives a bug in the front end
            a.internal_error = f"check: {type(exc).__name__}: {exc}"
    return a


def in_context(outer: Analysis, path: str, text: str, previous: Analysis | None = None) -> Analysis | None:
    """The analysis of the file `path` as a model that imports it sees it (`outer`, made with this
    very text of the file): its names resolve to the importer's declarations and its references
    include the importer's uses, and its diagnostics are those that point into it. (An imported
    file such as models/adversaries/censor.sync uses names of the models that import it: on its
    own it does not check.) None when `outer` did not read this text of the file."""
    name = str(_key(Path(path)))
    module = next((m for m in outer.modules if m.source is not None and m.source.name == name), None)
    mine = [d for d in outer.diagnostics if d.span is not None and d.span.source.name == name]
    a = Analysis(name, text, diagnostics=mine)
    if module is None:
        if not any(d.code.startswith("E1") for d in mine):
            return None
        if previous is not None and previous.modules:
            _keep_index(a, previous)
        return a
    if module.source.text != text:
        return None
    a.modules, a.model, a.import_of, a.also = outer.modules, outer.model, outer.import_of, outer.also
    a.fields = outer.fields
    a.globals, a.locals, a.occurrences = outer.globals, outer.locals, outer.occurrences
    a.internal_error = outer.internal_error
    return a


def _keep_index(a: Analysis, previous: Analysis) -> None:
    a.stale = True
    a.modules, a.model, a.import_of = previous.modules, previous.model, previous.import_of
    a.globals, a.locals, a.occurrences = previous.globals, previous.locals, previous.occurrences
    a.also, a.fields = previous.also, previous.fields


def _load_imports(a: Analysis, main: ast.Module, read: Read, cache: dict) -> list[Diagnostic]:
    """The imported modules appended to `a.modules` (each once, depth first as `spec.loader`
    reads them); a file that cannot be read is E602 at the import, one that does not parse its
    own syntax error."""
    problems: list[Diagnostic] = []
    seen = {_key(Path(a.path))}
    todo = [(Path(a.path).parent / d.path, d, d) for d in reversed(_imports(main))]
    while todo:
        p, imp, top = todo.pop()
        k = _key(p)
        if k in seen:
            continue
        seen.add(k)
        text = read(p)
        if text is None:
            problems.append(Diagnostic("E602", f"cannot import '{imp.path}': cannot read {p}", imp.span,
                                       f"the path is relative to {p.parent}"))
            continue
        module = _parse_cached(str(k), text, cache, problems)
        if module is None:
            continue
        a.modules.append(module)
        a.import_of[module.source.name] = top
        todo.extend((p.parent / d.path, d, top) for d in reversed(_imports(module)))
    return problems


def _parse_cached(name: str, text: str, cache: dict, problems: list) -> ast.Module | None:
    hit = cache.get(name)
    if hit is not None and hit[0] == text:
        return hit[1]
    try:
        module = parse(text, name)
    except SpecError as exc:
        problems.extend(exc.diagnostics)
        return None
    cache[name] = (text, module)
    return module


def _imports(m: ast.Module) -> list[ast.Import]:
    return [d for d in m.decls if isinstance(d, ast.Import)]


def _key(p: Path) -> Path:
    try:
        return p.resolve()
    except (OSError, ValueError):
        return p


# ---- the index: declarations, scopes, uses --------------------------------------------------------

GLOBAL_KINDS = {ast.Const: "const", ast.Enum: "enum", ast.TypeDef: "type", ast.Def: "def", ast.Action: "action",
                ast.Invariant: "invariant", ast.StepProperty: "step", ast.Constraint: "constraint",
                ast.Property: "property", ast.Assume: "assume", ast.Converge: "invariant", ast.Process: "process",
                ast.Channel: "channel"}


def _index(a: Analysis) -> None:
    ix = _Indexer(a)
    for m in a.modules:
        for d in m.decls:
            ix.declare(d)
    for m in a.modules:
        for d in m.decls:
            ix.decl(d, {})


class _Indexer:
    def __init__(self, a: Analysis):
        self.a = a
        self.top: ast.Node | None = None

    # globals
    def declare(self, d: ast.Node, container: str | None = None) -> None:
        if isinstance(d, ast.Var):
            for name, span in d.names:
                self.glob(name, "var", span, d, container)
        elif isinstance(d, ast.Process):
            self.glob(d.name, "process", name_span(d, d.name), d)
            for item in d.items:
                self.declare(item, d.name)
        elif type(d) in GLOBAL_KINDS and getattr(d, "name", None):
            self.glob(d.name, GLOBAL_KINDS[type(d)], name_span(d, d.name), d, container)
        if isinstance(d, ast.Const) and d.members:
            for name, span in d.members:
                self.glob(name, "member", span, d, d.name)
        elif isinstance(d, ast.Enum):
            for name, span in d.members:
                self.glob(name, "member", span, d, d.name)
        elif isinstance(d, ast.TypeDef) and isinstance(d.rhs, ast.UnionDef):
            for v in d.rhs.variants:
                self.glob(v.name, "variant", name_span(v, v.name, skip_keyword=False), d, d.name)

    def glob(self, name: str, kind: str, span: Span | None, decl, container=None) -> None:
        if span is None:
            return
        if name in self.a.globals:   # two enums with a member of one name (resolved by type), or an error
            self.a.also.setdefault(name, []).append(span)
            return
        self.a.globals[name] = Symbol(name, kind, span, decl, container)
        self.a.occurrences.append(Occurrence(span, ("g", name), True))

    def local(self, name: str, span: Span | None, kind: str, env: dict, type_text: str | None = None) -> None:
        if span is None:
            return
        key = ("l", span.source.name, span.line, span.col)
        container = getattr(self.top, "name", None)
        self.a.locals[key] = Symbol(name, kind, span, self.top, container if isinstance(container, str) else None,
                                    type_text)
        self.a.occurrences.append(Occurrence(span, key, True))
        env[name] = key

    def ref(self, name: str, span: Span | None, env: dict) -> None:
        if span is not None:
            self.a.occurrences.append(Occurrence(span, env.get(name, ("g", name)), False))

    def field_decl(self, f: ast.Field, record: ast.Node) -> None:
        """A record's (or a variant's) field; its Symbol's decl is the record, shared by its fields."""
        span = name_span(f, f.name, skip_keyword=False)
        if span is None:
            return
        owner = record.name if isinstance(record, ast.Variant) else getattr(self.top, "name", None)
        self.a.fields.setdefault(f.name, []).append(
            Symbol(f.name, "field", span, record, owner if isinstance(owner, str) else None, _text(f.type)))
        self.a.occurrences.append(Occurrence(span, ("f", f.name), True))

    def field_ref(self, name: str, span: Span | None) -> None:
        if span is not None:
            self.a.occurrences.append(Occurrence(span, ("f", name), False))

    # declarations
    def decl(self, d: ast.Node, env: dict) -> None:
        self.top = d if not isinstance(d, ast.Process) else None
        if isinstance(d, ast.Process):
            self.ref(d.domain, d.domain_span, env)
            inner = dict(env)
            self.top = d
            self.local(d.var, d.var_span, "binder", inner, d.domain)
            for item in d.items:
                self.decl(item, inner)
                self.top = d
            return
        if isinstance(d, (ast.Action, ast.Def)):
            inner = dict(env)
            for p in d.params:
                self.walk(p.type, env)
                self.local(p.name, name_span(p, p.name, skip_keyword=False), "param", inner, _text(p.type))
            if isinstance(d, ast.Def):
                self.walk(d.ret, env)
                self.walk(d.body, inner)
            else:
                self.block(d.body, inner)
        elif isinstance(d, ast.Init):
            self.block(d.body, dict(env))
        elif isinstance(d, ast.Converge):
            self.walk(d.domain, env)
            inner = dict(env)
            self.local(d.var, d.var_span, "binder", inner)
            self.walk(d.key, inner)
            self.walk(d.state, inner)
        elif isinstance(d, (ast.Fairness, ast.Deterministic)):
            groups = [n for g in getattr(d, "groups", ()) for n in g.actions]
            for name, span in [*(d.actions or ()), *groups]:
                self.ref(name, span, env)
        elif isinstance(d, ast.Commute):
            for name, span in (d.first, d.second):
                self.ref(name, span, env)
        elif isinstance(d, ast.Const) and d.members:
            pass
        elif not isinstance(d, ast.Import):
            self.walk(d, env, skip_self=True)

    def block(self, stmts: list, env: dict) -> None:
        """Statements in order: a `let`, `choose` or `receive` binds for the statements after it."""
        for s in stmts:
            if isinstance(s, ast.Let):
                self.walk(s.type, env)
                self.walk(s.value, env)
                self.local(s.name, s.name_span, "let", env, _text(s.type) if s.type else None)
            elif isinstance(s, ast.Choose):
                self.walk(s.domain, env)
                self.local(s.var, s.var_span, "choose", env)
            elif isinstance(s, ast.Receive):
                self.ref(s.channel, s.channel_span, env)
                self.local(s.var, s.var_span, "receive", env)
            elif isinstance(s, ast.For):
                self.walk(s.domain, env)
                inner = dict(env)
                self.local(s.var, s.var_span, "for", inner)
                self.block(s.body, inner)
            elif isinstance(s, ast.If):
                self.walk(s.cond, env)
                self.block(s.then, dict(env))
                self.block(s.orelse, dict(env))
            elif isinstance(s, ast.Send):
                self.walk(s.value, env)
                self.ref(s.channel, s.channel_span, env)
            else:
                self.walk(s, env)

    def generator(self, g: ast.Generator | None, env: dict) -> dict:
        inner = dict(env)
        if g is None:
            return inner
        for b in g.bindings:
            self.walk(b.domain, inner)
            for name, span in b.names:
                self.local(name, span, "binder", inner)
        self.walk(g.condition, inner)
        return inner

    # expressions and the rest
    def walk(self, n, env: dict, skip_self: bool = False) -> None:  # noqa: C901 - one case per node type
        if n is None or isinstance(n, (str, int, bool, Span, Source)):
            return
        if isinstance(n, (list, tuple)):
            for x in n:
                self.walk(x, env)
            return
        if not isinstance(n, ast.Node):
            return
        if not skip_self:
            if isinstance(n, ast.Name):
                return self.ref(n.name, n.span, env)
            if isinstance(n, (ast.LName, ast.TName)):
                return self.ref(n.name, name_span(n, n.name, skip_keyword=False), env)
            if isinstance(n, ast.Primed):   # x' in a step property: a use of the variable x
                return self.ref(n.name, name_span(n, n.name, skip_keyword=False), env)
            if isinstance(n, ast.Call):
                self.ref(n.name, n.name_span, env)
                if n.generator is not None:
                    inner = self.generator(n.generator, env)
                    self.walk(n.body, inner)
                    self.walk(n.args, inner)
                    return
                self.walk(n.args, env)
                return self.walk(n.body, env)
            if isinstance(n, ast.Quant):
                return self.walk(n.body, self.generator(n.generator, env))
            if isinstance(n, ast.LetIn):   # `let x = v in e`: x is a local of e only
                self.walk(n.type, env)
                self.walk(n.value, env)
                inner = dict(env)
                self.local(n.name, n.name_span, "let", inner, _text(n.type) if n.type else None)
                return self.walk(n.body, inner)
            if isinstance(n, ast.SetComp):
                return self.walk(n.elem, self.generator(n.generator, env))
            if isinstance(n, ast.MapComp):
                inner = self.generator(n.generator, env)
                self.walk(n.key, inner)
                return self.walk(n.value, inner)
            if isinstance(n, ast.Match):
                self.walk(n.subject, env)
                for arm in n.arms:
                    inner = dict(env)
                    p = arm.pattern
                    if p.kind == "ctor" and p.name:
                        self.ref(p.name, name_span(p, p.name, skip_keyword=False), env)
                    for name, span in p.binds:
                        self.local(name, span, "pattern", inner)
                    self.walk(arm.body, inner)
                return
            if isinstance(n, ast.IsTest):
                self.walk(n.operand, env)
                if n.pattern not in ("some", "none"):
                    self.ref(n.pattern, n.pattern_span, env)
                return
            if isinstance(n, ast.FieldAccess):
                self.walk(n.base, env)
                return self.field_ref(n.name, n.name_span)
            if isinstance(n, ast.LField):
                self.walk(n.base, env)
                return self.field_ref(n.name, _last_word(n.span, n.name))
            if isinstance(n, ast.PairsLit):
                for k, v in n.pairs:   # a record literal's keys are its fields, not names in scope
                    if isinstance(k, ast.Name) and k.name not in env and k.name not in self.a.globals:
                        self.field_ref(k.name, k.span)
                    else:
                        self.walk(k, env)
                    self.walk(v, env)
                return
            if isinstance(n, (ast.TRecord, ast.Variant)):
                for f in n.fields or ():
                    self.field_decl(f, n)
                    self.walk(f.type, env)
                return
        for f in dataclasses.fields(n):
            if f.name != "span":
                self.walk(getattr(n, f.name), env)


# ---- spans and text -------------------------------------------------------------------------------

def offset(source: Source, line: int, col: int) -> int:
    """The character offset of 1-based (line, col) in a source."""
    starts = _line_starts(source.text)
    return (starts[line - 1] if 0 < line <= len(starts) else len(source.text)) + col - 1


@functools.lru_cache(maxsize=16)
def _line_starts(text: str) -> tuple[int, ...]:
    """The offset where each line starts (a str caches its hash: a hit costs a comparison)."""
    out, at = [0], text.find("\n")
    while at >= 0:
        out.append(at + 1)
        at = text.find("\n", at + 1)
    return tuple(out)


def span_text(span: Span) -> str:
    return span.source.text[offset(span.source, span.line, span.col):offset(span.source, span.end_line, span.end_col)]


def name_span(node: ast.Node, name: str, skip_keyword: bool = True) -> Span | None:
    """The span of `name` where a declaration (or node) spells it: the first time the word
    appears in the node's text (after its keyword)."""
    sp = node.span
    if sp is None or sp.source is None:
        return None
    text = span_text(sp)
    start = 0
    if skip_keyword:
        m = re.match(r"\s*[A-Za-z_]+", text)
        start = m.end() if m else 0
    m = re.compile(rf"(?<![A-Za-z0-9_]){re.escape(name)}(?![A-Za-z0-9_])").search(text, start)
    if m is None:
        return None
    before = text[:m.start()]
    line = sp.line + before.count("\n")
    col = (sp.col + len(before)) if "\n" not in before else len(before) - before.rfind("\n")
    return Span(sp.source, line, col, line, col + len(name))


def _last_word(span: Span, name: str) -> Span | None:
    """The span of the last `.name` in a span (the field of `a[i].name`)."""
    text = span_text(span)
    at = text.rfind("." + name)
    if at < 0:
        return None
    before = text[:at + 1]
    line = span.line + before.count("\n")
    col = (span.col + len(before)) if "\n" not in before else len(before) - before.rfind("\n")
    return Span(span.source, line, col, line, col + len(name))


def _text(node) -> str | None:
    return " ".join(span_text(node.span).split()) if isinstance(node, ast.Node) and node.span else None


def doc_comment(decl: ast.Node) -> str | None:
    """The comment lines right above a declaration (no blank line between), without their '#'."""
    sp = decl.span
    text = sp.source.text
    lines = text[:max(offset(sp.source, sp.line, 1) - 1, 0)].split("\n")[-40:] if sp.line > 1 else []
    out = []
    for line in reversed(lines):
        s = line.strip()
        if not s.startswith("#"):
            break
        out.append(s[1:].removeprefix(" "))
    return "\n".join(reversed(out)).strip() or None


def signature(sym: Symbol) -> str:
    """The declaration's head as written: up to its body, on one line."""
    d = sym.decl
    text = span_text(d.span)
    if isinstance(d, ast.Def):
        body = offset(d.span.source, d.body.span.line, d.body.span.col) - offset(d.span.source, d.span.line,
                                                                                   d.span.col)
        text = text[:body].rstrip().removesuffix("=").rstrip()
    elif isinstance(d, (ast.Action, ast.Process)):
        text = text.split("{", 1)[0]
    elif isinstance(d, (ast.Enum, ast.TypeDef, ast.Const, ast.Channel)):
        text = _strip_comments(text)
    else:
        text = text.split("\n", 1)[0]
    return " ".join(text.split())


def _strip_comments(text: str) -> str:
    return "\n".join(line.split("#", 1)[0] for line in text.split("\n"))


def hover_text(a: Analysis, sym: Symbol) -> str:
    """Markdown: the declaration or the name's type, a constant's value, the doc comment."""
    t = a.type_of(sym)
    if sym.kind in ("var",):
        head = f"var {sym.name}: {t.show() if t else _var_type_text(sym)}"
    elif sym.kind == "const":
        info = a.model.consts.get(sym.name) if a.model else None
        head = signature(sym)
        if info is not None:
            value = "symbolic" if info.symbolic else _show(ir.decode_value(info.type, info.value))
            head = f"const {sym.name}: {info.type.show()} = {value}"
    elif sym.kind == "member":
        head = f"{sym.name}: member of {sym.container}"
    elif sym.kind == "variant":
        head = f"{sym.name}: variant of {sym.container}"
    elif sym.kind == "field":
        decls = a.fields.get(sym.name, [sym])
        head = "\n".join(f"(field) {s.name}: {s.type_text}" + (f"  # of {s.container}" if s.container else "")
                         for s in decls)
    elif sym.kind in ("param", "let", "binder", "choose", "for", "receive", "pattern"):
        shown = t.show() if t is not None else sym.type_text
        head = f"({_LOCAL_WORDS[sym.kind]}) {sym.name}" + (f": {shown}" if shown else "")
    else:
        head = signature(sym)
    parts = [f"```syncproof\n{head}\n```"]
    doc = doc_comment(sym.decl) if sym.kind not in _LOCAL_WORDS and sym.kind != "field" else None
    if doc:
        parts.append(doc)
    return "\n\n".join(parts)


_LOCAL_WORDS = {"param": "parameter", "let": "let", "binder": "bound", "choose": "chosen", "for": "loop variable",
                "receive": "received", "pattern": "matched"}


def _var_type_text(sym: Symbol) -> str:
    d = sym.decl
    return _text(d.type) if isinstance(d, ast.Var) else "?"


def _show(value) -> str:
    try:
        text = V.show(value)
    except Exception:  # noqa: BLE001 - a value the printer does not know is shown as Python would
        text = repr(value)
    return text if len(text) <= 200 else text[:200] + "..."


def _ir_locals(model: ir.CheckedModel):
    """Every LocalSym of the checked model (parameters, lets, binders), read off the IR's dataclasses."""
    stack: list = [model.actions, list(model.defs.values()), model.invariants, model.properties, model.init]
    seen: set[int] = set()
    while stack:
        n = stack.pop()
        if isinstance(n, (list, tuple)):
            stack.extend(n)
        elif isinstance(n, ir.LocalSym):
            yield n
        elif dataclasses.is_dataclass(n) and not isinstance(n, (type, Type, Span)) and id(n) not in seen:
            seen.add(id(n))
            stack.extend(getattr(n, f.name) for f in dataclasses.fields(n) if f.name != "span")


# ---- quick fixes, completion, rename ---------------------------------------------------------------

def quick_fix(d: Diagnostic) -> tuple[Span, str] | None:
    """(span of the misspelt name or operator, its replacement) for a "did you mean 'x'?"
    diagnostic: the first word quoted in its message, where the span spells it."""
    m = _DID_YOU_MEAN.search(d.help or "")
    wrong = _QUOTED.search(d.message)
    if m is None or wrong is None or d.span is None:
        return None
    sp = d.span
    if sp.line != sp.end_line:
        return None
    text = span_text(sp)
    word = wrong.group(1)
    pattern = rf"(?<![A-Za-z0-9_]){re.escape(word)}(?![A-Za-z0-9_])" if IDENT.match(word) else re.escape(word)
    at = [x.start() for x in re.finditer(pattern, text)]
    if not at:
        return None
    col = sp.col + at[-1]
    return Span(sp.source, sp.line, col, sp.line, col + len(wrong.group(1))), m.group(1)


_CHAIN = re.compile(r"([A-Za-z_]\w*(?:\[[^\[\]]*\])*(?:\.[A-Za-z_]\w*(?:\[[^\[\]]*\])*)*)\.\w*\Z")


def field_completions(a: Analysis, line_text: str, line: int, col: int) -> list[tuple[str, str]] | None:
    """(field, its type) after `expr.` when the expression's type is a record; None when the
    cursor does not follow a dot."""
    m = _CHAIN.search(line_text[:col - 1])
    if m is None:
        return None
    steps = re.findall(r"\.?([A-Za-z_]\w*)|(\[)", m.group(1))
    t: Type | None = None
    for i, (name, bracket) in enumerate(steps):
        if i == 0:
            sym = next((s for s in a.locals_before(line, col) if s.name == name), None) or a.globals.get(name)
            t = a.type_of(sym) if sym is not None else None
        elif bracket:
            t = t.value if isinstance(t, MapType) else t.elem if isinstance(t, SeqType) else None
        else:
            t = dict(t.fields).get(name) if isinstance(t, RecordType) else None
        if isinstance(t, OptionType):
            t = t.elem
        if t is None:
            return []
    if isinstance(t, RecordType) and not isinstance(t, TupleType):
        return [(n, ft.show()) for n, ft in t.fields]
    return []


def completions(a: Analysis, line: int, col: int) -> list[tuple[str, str, str | None]]:
    """(label, kind, detail) of the names in scope at (line, col), the keywords and built-ins."""
    out: dict[str, tuple[str, str, str | None]] = {}
    for s in a.locals_before(line, col):
        t = a.type_of(s)
        out[s.name] = (s.name, s.kind, t.show() if t is not None else s.type_text)
    for s in a.globals.values():
        if s.name not in out:
            t = a.type_of(s)
            out[s.name] = (s.name, s.kind, t.show() if t is not None else s.container)
    for w in sorted(BUILTINS):
        out.setdefault(w, (w, "builtin", "built-in function"))
    for w in sorted(WORDS):
        out.setdefault(w, (w, "keyword", None))
    return list(out.values())


class RenameRefused(ValueError):
    """Why a name cannot be renamed (the message is shown to the user)."""


def rename(a: Analysis, line: int, col: int, new: str) -> list[tuple[Span, str]]:
    """Every (span, new name) that renames the name at (line, col), declarations and uses."""
    o = a.occurrence_at(line, col)
    if o is None or a.symbol(o.key) is None:
        raise RenameRefused("no declared name here")
    if not IDENT.match(new) or new in WORDS:
        raise RenameRefused(f"'{new}' cannot be a name" + (" (it is a keyword)" if new in WORDS else ""))
    sym = a.symbol(o.key)
    if o.key[0] == "f" and len(a.fields[sym.name]) > 1:
        where = ", ".join(s.span.where for s in a.fields[sym.name])
        raise RenameRefused(f"the field '{sym.name}' is declared in several records ({where}): which one a use "
                            "means depends on its type")
    if o.key[0] == "f" and any(f.decl is sym.decl for f in a.fields.get(new, ())):
        raise RenameRefused(f"'{new}' is already a field of this record")
    if o.key[0] == "f" and new in a.globals:
        raise RenameRefused(f"'{new}' is declared at {a.globals[new].span.where}: a record literal's "
                            f"'{new}:' would name it")
    if o.key[0] == "g" and new in a.fields:
        raise RenameRefused(f"'{new}' is a record field ({a.fields[new][0].span.where}): a record literal's "
                            f"'{new}:' would name the renamed '{sym.name}'")
    if o.key[0] == "g" and sym.name in a.also:
        where = ", ".join(s.where for s in [sym.span, *a.also[sym.name]])
        raise RenameRefused(f"'{sym.name}' is declared more than once ({where}): which one a use means "
                            "depends on its type")
    if o.key[0] == "g" and new in a.globals and new != sym.name:
        raise RenameRefused(f"'{new}' is already declared at {a.globals[new].span.where}")
    uses = a.uses(o.key)
    clash = _capture(a, o.key, sym, new, uses)
    if clash is not None:
        raise RenameRefused(f"'{new}' would then mean another name at {clash.where}")
    return [(u.span, new) for u in uses]


def _capture(a: Analysis, key: tuple, sym: Symbol, new: str, uses: list[Occurrence]) -> Span | None:
    """A place where the renamed name would be confused with another one: a local renamed to a
    name used (or bound) in its declaration, a global renamed to a local's name where it is used."""
    if key[0] == "l":
        d = sym.decl.span
        for o in a.occurrences:
            if (_inside(o.span, d) and o.key != key and (a.symbol(o.key) or sym).name == new
                    and (o.key[0] == "l" or a.symbol(o.key) is not None)):
                return o.span
        return None
    for local in a.locals.values():
        if local.name == new and any(_inside(u.span, local.decl.span) for u in uses):
            return local.span
    return None


def _inside(span: Span, outer: Span) -> bool:
    return span.source.name == outer.source.name and \
        (outer.line, outer.col) <= (span.line, span.col) <= (outer.end_line, outer.end_col)
