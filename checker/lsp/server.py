"""The Language Server Protocol over stdio (pygls): `syncproof lsp`.

Each open document has its `Analysis` (`checker.lsp.analysis`), made again when a request
needs it for a newer version of the text; after a change, the diagnostics are published once
the typing pauses (`DEBOUNCE` seconds without a change), so a burst of keystrokes costs one
analysis. Every handler turns spans (1-based, in characters) into LSP ranges (0-based, in the
UTF-16 units the protocol counts) and back, and never lets an exception out: a bug shows as a
log message, and the server keeps serving.
"""

from __future__ import annotations

import asyncio
import logging
from pathlib import Path

from lsprotocol import types as T
from pygls.exceptions import JsonRpcInvalidParams
from pygls.lsp.server import LanguageServer
from pygls.uris import from_fs_path, to_fs_path

from spec import files
from spec.diagnostics import Diagnostic, Span, SpecError
from spec.formatter import format_text

from checker import __version__
from checker.lsp import analysis as A
from checker.lsp import lens

DEBOUNCE = 0.03     # seconds of quiet after a change before its diagnostics are published
log = logging.getLogger(__name__)

SYMBOL_KINDS = {
    "const": T.SymbolKind.Constant, "enum": T.SymbolKind.Enum, "member": T.SymbolKind.EnumMember,
    "type": T.SymbolKind.Struct, "variant": T.SymbolKind.EnumMember, "var": T.SymbolKind.Variable,
    "def": T.SymbolKind.Function, "action": T.SymbolKind.Method, "invariant": T.SymbolKind.Property,
    "property": T.SymbolKind.Property, "step": T.SymbolKind.Property, "constraint": T.SymbolKind.Boolean,
    "assume": T.SymbolKind.Boolean, "process": T.SymbolKind.Class,
    "channel": T.SymbolKind.Field,
}
COMPLETION_KINDS = {
    "const": T.CompletionItemKind.Constant, "enum": T.CompletionItemKind.Enum,
    "member": T.CompletionItemKind.EnumMember, "type": T.CompletionItemKind.Struct,
    "variant": T.CompletionItemKind.EnumMember, "var": T.CompletionItemKind.Variable,
    "def": T.CompletionItemKind.Function, "action": T.CompletionItemKind.Method,
    "invariant": T.CompletionItemKind.Property, "property": T.CompletionItemKind.Property,
    "step": T.CompletionItemKind.Property, "constraint": T.CompletionItemKind.Property,
    "process": T.CompletionItemKind.Class, "channel": T.CompletionItemKind.Field,
    "builtin": T.CompletionItemKind.Function, "keyword": T.CompletionItemKind.Keyword,
    "field": T.CompletionItemKind.Field,
}


class SyncproofServer(LanguageServer):
    """The server and what it keeps per document: its last analysis and the imports it parsed."""

    def __init__(self) -> None:
        super().__init__("syncproof", __version__)
        self.analyses: dict[str, tuple[int | None, A.Analysis]] = {}
        self.parsed: dict = {}                    # imported files: path -> (text, module)
        self.pending: dict[str, asyncio.TimerHandle] = {}
        self.checks = lens.Checks(self)
        self.visiting: set[str] = set()           # documents being analysed through an importer

    # ---- documents and their analyses ---------------------------------------------------------

    def path_of(self, uri: str) -> str:
        return to_fs_path(uri) or uri

    def read(self, path: Path) -> str | None:
        """An imported file: the editor's text when it is open, else the file on disk."""
        for doc in list(self.workspace.text_documents.values()):
            if doc.path and Path(doc.path) == path:
                return doc.source
        try:
            return files.read_text(path)
        except files.FileProblem:
            return None

    def analysis(self, uri: str) -> A.Analysis:
        doc = self.workspace.get_text_document(uri)
        cached = self.analyses.get(uri)
        if cached is not None and cached[0] is not None and cached[0] == doc.version \
                and cached[1].text == doc.source:
            return cached[1]
        previous = cached[1] if cached else None
        a = self.through_importer(uri, doc.source, previous)
        if a is None:
            a = A.analyze(self.path_of(uri), doc.source, self.read, previous, self.parsed)
        if a.internal_error:
            log.error("syncproof could not analyse %s (a bug): %s", uri, a.internal_error)
        self.analyses[uri] = (doc.version, a)
        return a

    def through_importer(self, uri: str, text: str, previous: A.Analysis | None) -> A.Analysis | None:
        """The document as an open document that imports it sees it (`analysis.in_context`), or
        None when no open document imports it."""
        if uri in self.visiting:
            return None
        name = str(Path(self.path_of(uri)).resolve())
        importers = [u for u, (_, a) in self.analyses.items()
                     if u != uri and name in a.import_of and u in self.workspace.text_documents]
        self.visiting.add(uri)
        try:
            for u in importers:
                a = A.in_context(self.analysis(u), name, text, previous)
                if a is not None:
                    return a
        finally:
            self.visiting.discard(uri)
        return None

    def invalidate_others(self, uri: str) -> None:
        """The other documents' analyses are out of date (one may import `uri`): they are made
        again when next needed, the old one kept as `previous`."""
        for other, (_, a) in list(self.analyses.items()):
            if other != uri:
                self.analyses[other] = (None, a)

    def publish(self, uri: str) -> None:
        self.pending.pop(uri, None)
        if uri not in self.workspace.text_documents:
            return
        try:
            a = self.analysis(uri)
            diagnostics = [lsp_diagnostic(a, d) for d in a.diagnostics]
            diagnostics += self.checks.diagnostics(uri)
        except Exception:  # noqa: BLE001 - never let a bug stop the server
            log.exception("publishing diagnostics of %s", uri)
            return
        self.text_document_publish_diagnostics(T.PublishDiagnosticsParams(
            uri=uri, diagnostics=diagnostics, version=self.workspace.get_text_document(uri).version))

    def range_of(self, span: Span | None) -> T.Range:
        return lsp_range(span)

    def range_of_position(self, source: str, line: int, col: int, end_line: int, end_col: int) -> T.Range:
        """The range of a span given by the name of its source (a file, open or not)."""
        text = self.read(Path(source)) or ""
        return T.Range(start=lsp_position(text, line, col), end=lsp_position(text, end_line, end_col))

    def publish_soon(self, uri: str) -> None:
        old = self.pending.pop(uri, None)
        if old is not None:
            old.cancel()
        self.pending[uri] = asyncio.get_running_loop().call_later(DEBOUNCE, self.publish, uri)


server = SyncproofServer()


# ---- positions ---------------------------------------------------------------------------------------

# the unit of the protocol's columns: UTF-16 unless the client and pygls agreed on another at
# initialization (a client such as Neovim may prefer UTF-8); one client per server process
ENCODING = {"encoding": "utf-16"}


def _units(text: str, encoding: str | None = None) -> int:
    encoding = encoding or ENCODING["encoding"]
    if encoding == "utf-8":
        return len(text.encode("utf-8"))
    if encoding == "utf-32":
        return len(text)
    return len(text.encode("utf-16-le")) // 2


def lsp_position(span_source_text: str, line: int, col: int, encoding: str | None = None) -> T.Position:
    """1-based (line, col) in characters -> the protocol's 0-based position in its units."""
    lines = span_source_text.split("\n")
    text = lines[line - 1] if 0 < line <= len(lines) else ""
    return T.Position(line=max(line - 1, 0), character=_units(text[:max(col - 1, 0)], encoding))


def lsp_range(span: Span | None) -> T.Range:
    if span is None:
        return T.Range(start=T.Position(line=0, character=0), end=T.Position(line=0, character=0))
    text = span.source.text
    return T.Range(start=lsp_position(text, span.line, span.col), end=lsp_position(text, span.end_line, span.end_col))


def span_position(text: str, pos: T.Position, encoding: str | None = None) -> tuple[int, int]:
    """The protocol's position -> 1-based (line, col) in characters."""
    lines = text.split("\n")
    line = lines[pos.line] if 0 <= pos.line < len(lines) else ""
    units, col = 0, 0
    while col < len(line) and units < pos.character:
        units += _units(line[col], encoding)
        col += 1
    return pos.line + 1, col + 1


def location(span: Span) -> T.Location:
    return T.Location(uri=uri_of(span.source.name), range=lsp_range(span))


def uri_of(name: str) -> str:
    return name if "://" in name or name.startswith("untitled:") else (from_fs_path(name) or name)


# ---- diagnostics and quick fixes ------------------------------------------------------------------------

def lsp_diagnostic(a: A.Analysis, d: Diagnostic) -> T.Diagnostic:
    """The front end's diagnostic on the document: one in an imported file is shown at the
    import that brought that file in, with the real place as related information."""
    span, related = d.span, None
    message = d.message + (f"\nhelp: {d.help}" if d.help else "") + "".join(f"\nnote: {n}" for n in d.notes)
    if span is not None and span.source.name != a.path:
        related = [T.DiagnosticRelatedInformation(location=location(span), message=d.message)]
        imp = a.import_of.get(span.source.name)
        message = f"in {span.source.name}:{span.line}:{span.col}: {message}"
        span = imp.span if imp is not None else None
    severity = T.DiagnosticSeverity.Warning if d.severity == "warning" else T.DiagnosticSeverity.Error
    return T.Diagnostic(range=lsp_range(span), message=message, severity=severity, code=d.code,
                        source="syncproof", related_information=related)


@server.feature(T.INITIALIZE)
def initialize(ls: SyncproofServer, params: T.InitializeParams) -> None:
    ENCODING["encoding"] = str(ls.workspace.position_encoding or "utf-16")
    ls.checks.configure(params.initialization_options)


@server.feature(T.TEXT_DOCUMENT_DID_OPEN)
def did_open(ls: SyncproofServer, params: T.DidOpenTextDocumentParams) -> None:
    ls.publish(params.text_document.uri)


@server.feature(T.TEXT_DOCUMENT_DID_CHANGE)
def did_change(ls: SyncproofServer, params: T.DidChangeTextDocumentParams) -> None:
    ls.invalidate_others(params.text_document.uri)
    ls.publish_soon(params.text_document.uri)


@server.feature(T.TEXT_DOCUMENT_DID_SAVE)
def did_save(ls: SyncproofServer, params: T.DidSaveTextDocumentParams) -> None:
    """Another open document may import this one: each is checked again (on a change, only when a
    request asks; on a save, its diagnostics are published)."""
    ls.invalidate_others(params.text_document.uri)
    for uri in list(ls.workspace.text_documents):
        ls.publish_soon(uri)


@server.feature(T.TEXT_DOCUMENT_DID_CLOSE)
def did_close(ls: SyncproofServer, params: T.DidCloseTextDocumentParams) -> None:
    uri = params.text_document.uri
    ls.analyses.pop(uri, None)
    handle = ls.pending.pop(uri, None)
    if handle is not None:
        handle.cancel()
    ls.text_document_publish_diagnostics(T.PublishDiagnosticsParams(uri=uri, diagnostics=[]))


@server.feature(T.TEXT_DOCUMENT_CODE_ACTION,
                T.CodeActionOptions(code_action_kinds=[T.CodeActionKind.QuickFix]))
def code_action(ls: SyncproofServer, params: T.CodeActionParams) -> list[T.CodeAction] | None:
    """"Did you mean" as a quick fix, for the diagnostics that touch the requested range."""
    uri = params.text_document.uri
    a = ls.analysis(uri)
    out = []
    for d in a.diagnostics:
        fix = A.quick_fix(d)
        if fix is None or fix[0].source.name != a.path:
            continue
        span, new = fix
        r = lsp_range(span)
        if (r.end.line, r.end.character) < (params.range.start.line, params.range.start.character) \
                or (r.start.line, r.start.character) > (params.range.end.line, params.range.end.character):
            continue
        out.append(T.CodeAction(title=f"Replace '{A.span_text(span)}' with '{new}'", kind=T.CodeActionKind.QuickFix,
                                diagnostics=[lsp_diagnostic(a, d)], is_preferred=True,
                                edit=T.WorkspaceEdit(changes={uri: [T.TextEdit(range=r, new_text=new)]})))
    return out


# ---- navigation -------------------------------------------------------------------------------------------

def _at(ls: SyncproofServer, uri: str, pos: T.Position) -> tuple[A.Analysis, A.Occurrence | None]:
    a = ls.analysis(uri)
    line, col = span_position(ls.workspace.get_text_document(uri).source, pos)
    return a, a.occurrence_at(line, col)


@server.feature(T.TEXT_DOCUMENT_DOCUMENT_SYMBOL)
def document_symbol(ls: SyncproofServer, params: T.DocumentSymbolParams) -> list[T.DocumentSymbol]:
    """The model's outline: every declaration, enum members and union variants under their type,
    a process's variables and actions under it."""
    a = ls.analysis(params.text_document.uri)
    top: list[T.DocumentSymbol] = []
    parents: dict[str, T.DocumentSymbol] = {}
    for s in a.symbols_of():
        own = s.decl.span if s.kind not in ("member", "variant") else s.span
        if s.kind == "var" and len(getattr(s.decl, "names", ())) > 1:
            own = s.span
        sym = T.DocumentSymbol(name=s.name, kind=SYMBOL_KINDS.get(s.kind, T.SymbolKind.Variable),
                               range=_covering(lsp_range(own), lsp_range(s.span)), selection_range=lsp_range(s.span),
                               detail=s.kind if s.container is None else f"{s.kind} of {s.container}", children=[])
        parent = parents.get(s.container) if s.container else None
        (parent.children if parent is not None else top).append(sym)
        if s.kind in ("enum", "type", "const", "process"):
            parents.setdefault(s.name, sym)
    return top


def _covering(r: T.Range, inner: T.Range) -> T.Range:
    start = min((r.start.line, r.start.character), (inner.start.line, inner.start.character))
    end = max((r.end.line, r.end.character), (inner.end.line, inner.end.character))
    return T.Range(start=T.Position(line=start[0], character=start[1]), end=T.Position(line=end[0], character=end[1]))


@server.feature(T.TEXT_DOCUMENT_DEFINITION)
def definition(ls: SyncproofServer, params: T.DefinitionParams) -> list[T.Location] | None:
    """Where the name is declared; a member of two enums, or a field of two records, has two."""
    a, o = _at(ls, params.text_document.uri, params.position)
    return [location(s) for s in a.declarations(o.key)] or None if o is not None else None


@server.feature(T.TEXT_DOCUMENT_REFERENCES)
def references(ls: SyncproofServer, params: T.ReferenceParams) -> list[T.Location]:
    a, o = _at(ls, params.text_document.uri, params.position)
    if o is None or a.symbol(o.key) is None:
        return []
    return [location(u.span) for u in a.uses(o.key) if params.context.include_declaration or not u.is_def]


@server.feature(T.TEXT_DOCUMENT_HOVER)
def hover(ls: SyncproofServer, params: T.HoverParams) -> T.Hover | None:
    a, o = _at(ls, params.text_document.uri, params.position)
    sym = a.symbol(o.key) if o is not None else None
    if sym is None:
        return None
    return T.Hover(contents=T.MarkupContent(kind=T.MarkupKind.Markdown, value=A.hover_text(a, sym)),
                   range=lsp_range(o.span) if o.span.source.name == a.path else None)


# ---- editing ----------------------------------------------------------------------------------------------

@server.feature(T.TEXT_DOCUMENT_COMPLETION, T.CompletionOptions(trigger_characters=["."]))
def completion(ls: SyncproofServer, params: T.CompletionParams) -> T.CompletionList:
    """After `expr.`: the fields of the expression's record type; elsewhere the names in scope
    (locals first), the built-in functions and the keywords."""
    uri = params.text_document.uri
    doc = ls.workspace.get_text_document(uri)
    a = ls.analysis(uri)
    line, col = span_position(doc.source, params.position)
    lines = doc.source.split("\n")
    fields = A.field_completions(a, lines[line - 1] if line <= len(lines) else "", line, col)
    if fields is not None:
        items = [T.CompletionItem(label=n, kind=T.CompletionItemKind.Field, detail=t) for n, t in fields]
    else:
        items = [T.CompletionItem(label=label, kind=COMPLETION_KINDS.get(kind, T.CompletionItemKind.Variable),
                                  detail=detail, sort_text=f"{_RANK.get(kind, 1)}{label}")
                 for label, kind, detail in A.completions(a, line, col)]
    return T.CompletionList(is_incomplete=False, items=items)


_RANK = {"param": 0, "let": 0, "binder": 0, "choose": 0, "for": 0, "receive": 0, "pattern": 0,
         "builtin": 2, "keyword": 3}


@server.feature(T.TEXT_DOCUMENT_RENAME)
def rename(ls: SyncproofServer, params: T.RenameParams) -> T.WorkspaceEdit:
    uri = params.text_document.uri
    a = ls.analysis(uri)
    line, col = span_position(ls.workspace.get_text_document(uri).source, params.position)
    try:
        edits = A.rename(a, line, col, params.new_name)
    except A.RenameRefused as exc:
        raise JsonRpcInvalidParams(f"cannot rename: {exc}") from None
    changes: dict[str, list[T.TextEdit]] = {}
    for span, new in edits:
        changes.setdefault(uri_of(span.source.name), []).append(T.TextEdit(range=lsp_range(span), new_text=new))
    return T.WorkspaceEdit(changes=changes)


@server.feature(T.TEXT_DOCUMENT_FORMATTING)
def formatting(ls: SyncproofServer, params: T.DocumentFormattingParams) -> list[T.TextEdit] | None:
    """`syncproof fmt`'s layout, as one edit of the whole text; nothing for a model that does not
    parse (its diagnostic says why)."""
    doc = ls.workspace.get_text_document(params.text_document.uri)
    text = doc.source
    try:
        new = format_text(text, ls.path_of(params.text_document.uri))
    except SpecError:
        return None
    if new == text:
        return []
    lines = text.split("\n")
    end = T.Position(line=len(lines) - 1, character=_units(lines[-1]))
    return [T.TextEdit(range=T.Range(start=T.Position(line=0, character=0), end=end), new_text=new)]


# ---- the check lens -----------------------------------------------------------------------------------------

@server.feature(T.TEXT_DOCUMENT_CODE_LENS)
def code_lens(ls: SyncproofServer, params: T.CodeLensParams) -> list[T.CodeLens]:
    a = ls.analysis(params.text_document.uri)
    return [T.CodeLens(range=lsp_range(s.span), command=ls.checks.command(params.text_document.uri, s.name))
            for s in a.symbols_of()
            if s.kind in ("invariant", "step", "property") and s.decl.span.source.name == a.path]


@server.command(lens.COMMAND)
async def check_property(ls: SyncproofServer, uri: str, name: str) -> dict:
    return await ls.checks.run(uri, name)


def main() -> int:
    """Serve on stdin and stdout until the client says exit."""
    logging.basicConfig(level=logging.WARNING, format="syncproof lsp: %(levelname)s: %(message)s")
    server.start_io()
    return 0
