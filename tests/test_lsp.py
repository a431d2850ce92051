"""`syncproof lsp` end to end: a real client (pytest-lsp) talking to the real server over stdio
(issue 17 item 1), on the shipped models. Skipped, with the reason, without pygls and pytest-lsp
(the `test` extra installs both)."""

from __future__ import annotations

import asyncio
import os
import sys
from pathlib import Path

import pytest

pytest_lsp = pytest.importorskip("pytest_lsp", reason="the language server tests need pytest-lsp and pygls: "
                                 "pip install -e '.[test]'")
pytest.importorskip("pygls", reason="the language server needs pygls: pip install -e '.[lsp]'")

from lsprotocol import types as T  # noqa: E402
from pygls.uris import from_fs_path  # noqa: E402
from pytest_lsp import ClientServerConfig, LanguageClient  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
MODELS = ROOT / "models"
ENV = dict(os.environ, PYTHONPATH=os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")])))
pytestmark = pytest.mark.asyncio(loop_scope="module")


@pytest_lsp.fixture(scope="module", config=ClientServerConfig(
    server_command=[sys.executable, "-m", "checker.cli", "lsp"], server_env=ENV))
async def client(lsp_client: LanguageClient):
    await lsp_client.initialize_session(T.InitializeParams(
        capabilities=T.ClientCapabilities(), root_uri=from_fs_path(str(ROOT)),
        initialization_options={"check": {"maxStates": 100000, "timeout": 60}}))
    yield
    await lsp_client.shutdown_session()


# ---- helpers ------------------------------------------------------------------------------------------

def uri(path: Path) -> str:
    return from_fs_path(str(path))


def at(text: str, needle: str, nth: int = 0, into: int = 0) -> T.Position:
    """The position `into` characters into the nth occurrence of needle."""
    i = -1
    for _ in range(nth + 1):
        i = text.index(needle, i + 1)
    i += into
    line = text.count("\n", 0, i)
    return T.Position(line=line, character=i - (text.rfind("\n", 0, i) + 1))


def line_of(text: str, needle: str, nth: int = 0) -> int:
    return at(text, needle, nth).line


async def open_doc(client: LanguageClient, path: Path, text: str | None = None, version: int = 1) -> str:
    """Open a document and wait for its diagnostics; returns its text."""
    text = path.read_text() if text is None else text
    client.diagnostics.pop(uri(path), None)
    client.text_document_did_open(T.DidOpenTextDocumentParams(text_document=T.TextDocumentItem(
        uri=uri(path), language_id="syncproof", version=version, text=text)))
    await wait_diagnostics(client, uri(path))
    return text


async def wait_diagnostics(client: LanguageClient, u: str, timeout: float = 20) -> list[T.Diagnostic]:
    async def until():
        while u not in client.diagnostics:
            await client.wait_for_notification(T.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS)
    await asyncio.wait_for(until(), timeout)
    return list(client.diagnostics[u])


def close_doc(client: LanguageClient, path: Path) -> None:
    client.text_document_did_close(T.DidCloseTextDocumentParams(text_document=T.TextDocumentIdentifier(uri=uri(path))))


def doc(path: Path) -> T.TextDocumentIdentifier:
    return T.TextDocumentIdentifier(uri=uri(path))


# ---- diagnostics and quick fixes -------------------------------------------------------------------------

async def test_a_correct_model_has_no_diagnostics(client: LanguageClient):
    assert await open_doc(client, MODELS / "two_phase_commit.sync")
    assert list(client.diagnostics[uri(MODELS / "two_phase_commit.sync")]) == []
    close_doc(client, MODELS / "two_phase_commit.sync")


async def test_typing_a_misspelt_name_gives_e201_with_its_range_help_and_a_quick_fix(client, tmp_path):
    path = tmp_path / "tpc.sync"
    good = (MODELS / "two_phase_commit.sync").read_text()
    await open_doc(client, path, good)
    assert list(client.diagnostics[uri(path)]) == []
    # the user types: `tm_prepared` becomes `tm_prepard` in TMCommit
    start = at(good, "require tm_prepared == RM", into=len("require "))
    client.diagnostics.pop(uri(path))
    client.text_document_did_change(T.DidChangeTextDocumentParams(
        text_document=T.VersionedTextDocumentIdentifier(uri=uri(path), version=2),
        content_changes=[T.TextDocumentContentChangePartial(range=T.Range(
            start=T.Position(line=start.line, character=start.character + 9),
            end=T.Position(line=start.line, character=start.character + 11)), text="d")]))
    [d] = await wait_diagnostics(client, uri(path))
    assert d.code == "E201" and d.severity == T.DiagnosticSeverity.Error
    assert d.message.startswith("unknown name 'tm_prepard'") and "help: did you mean 'tm_prepared'?" in d.message
    assert d.range == T.Range(start=start, end=T.Position(line=start.line, character=start.character + 10))
    actions = await client.text_document_code_action_async(T.CodeActionParams(
        text_document=doc(path), range=d.range, context=T.CodeActionContext(diagnostics=[d])))
    [fix] = actions
    assert fix.kind == T.CodeActionKind.QuickFix and fix.title == "Replace 'tm_prepard' with 'tm_prepared'"
    assert list(fix.edit.changes[uri(path)]) == [T.TextEdit(range=d.range, new_text="tm_prepared")]
    close_doc(client, path)


async def test_a_syntax_error_is_its_e1_code_and_navigation_keeps_the_last_parse(client, tmp_path):
    path = tmp_path / "broken.sync"
    good = (MODELS / "two_phase_commit.sync").read_text()
    await open_doc(client, path, good)
    broken = good.replace("require tm_state == init\n  tm_state = aborted", "require tm_state = init\n  tm_state = aborted")
    client.diagnostics.pop(uri(path))
    client.text_document_did_change(T.DidChangeTextDocumentParams(
        text_document=T.VersionedTextDocumentIdentifier(uri=uri(path), version=2),
        content_changes=[T.TextDocumentContentChangeWholeDocument(text=broken)]))
    [d] = await wait_diagnostics(client, uri(path))
    assert d.code.startswith("E1") and "did you mean '=='?" in d.message
    assert d.range.start.line == line_of(broken, "require tm_state = init")
    # go to definition still works from the last text that parsed
    loc = await client.text_document_definition_async(T.DefinitionParams(
        text_document=doc(path), position=at(broken, "tm_prepared == RM")))
    assert [x.range.start for x in loc] == [at(broken, "tm_prepared: set[RM]")]
    close_doc(client, path)


async def test_an_error_in_an_imported_file_shows_at_the_import(client, tmp_path):
    (tmp_path / "lib.sync").write_text("model Lib\nconst K = 2\nvar k: 0..K\ninvariant KOk: k <= Kx\n")
    main = "model Main\nimport \"lib.sync\"\ninit {\n  k = 0\n}\naction Inc {\n  require k < K\n  k = k + 1\n}\n"
    [d] = [x for x in await open_doc_diags(client, tmp_path / "main.sync", main)]
    assert d.code == "E201" and d.range.start.line == 1
    assert "lib.sync:4:" in d.message
    [rel] = d.related_information
    assert rel.location.uri == uri(tmp_path / "lib.sync") and rel.location.range.start == T.Position(line=3, character=20)
    close_doc(client, tmp_path / "main.sync")


async def open_doc_diags(client, path: Path, text: str) -> list[T.Diagnostic]:
    await open_doc(client, path, text)
    return list(client.diagnostics[uri(path)])


# ---- navigation ----------------------------------------------------------------------------------------------

async def test_document_symbols_are_the_model_outline(client):
    path = MODELS / "two_phase_commit.sync"
    await open_doc(client, path)
    symbols = await client.text_document_document_symbol_async(T.DocumentSymbolParams(text_document=doc(path)))
    outline = [(s.name, s.kind) for s in symbols]
    assert {kind for _, kind in outline[18:]} == {T.SymbolKind.Property}   # the properties after the invariants
    assert outline[:18] == [
        ("RM", T.SymbolKind.Constant), ("RMState", T.SymbolKind.Enum), ("TMState", T.SymbolKind.Enum),
        ("Msg", T.SymbolKind.Struct), ("rm_state", T.SymbolKind.Variable), ("tm_state", T.SymbolKind.Variable),
        ("tm_prepared", T.SymbolKind.Variable), ("msgs", T.SymbolKind.Variable),
        ("TMRcvPrepared", T.SymbolKind.Method), ("TMCommit", T.SymbolKind.Method), ("TMAbort", T.SymbolKind.Method),
        ("RMPrepare", T.SymbolKind.Method), ("RMChooseToAbort", T.SymbolKind.Method),
        ("RMRcvCommitMsg", T.SymbolKind.Method), ("RMRcvAbortMsg", T.SymbolKind.Method),
        ("Consistent", T.SymbolKind.Property), ("TypeOK", T.SymbolKind.Property),
        ("DecisionSent", T.SymbolKind.Property)]
    by_name = {s.name: s for s in symbols}
    assert [c.name for c in by_name["RM"].children] == ["r1", "r2", "r3"]
    assert [c.name for c in by_name["Msg"].children] == ["Prepared", "Commit", "Abort"]
    assert [c.name for c in by_name["RMState"].children] == ["working", "prepared", "committed", "aborted"]
    close_doc(client, path)


async def test_definition_and_references_respect_scopes(client):
    path = MODELS / "two_phase_commit.sync"
    text = await open_doc(client, path)
    # `r1` in `exists r1, r2 in RM` is the binder, not the model value r1
    use = at(text, "rm_state[r1] == committed", into=len("rm_state["))
    [loc] = await client.text_document_definition_async(T.DefinitionParams(text_document=doc(path), position=use))
    assert loc.range.start == at(text, "exists r1", into=len("exists "))
    refs = await client.text_document_references_async(T.ReferenceParams(
        text_document=doc(path), position=use, context=T.ReferenceContext(include_declaration=True)))
    assert sorted(r.range.start for r in refs) == sorted([at(text, "exists r1", into=7), use])
    # a global: every use of tm_prepared, and its declaration
    refs = await client.text_document_references_async(T.ReferenceParams(
        text_document=doc(path), position=at(text, "var tm_prepared", into=5),
        context=T.ReferenceContext(include_declaration=False)))
    assert len(refs) == text.count("tm_prepared") - 1 - _in_comments(text, "tm_prepared")
    close_doc(client, path)


def _in_comments(text: str, word: str) -> int:
    return sum(line.split("#", 1)[1].count(word) for line in text.split("\n") if "#" in line)


async def test_definition_across_an_import(client):
    path = MODELS / "rollup_sequencer.sync"
    text = await open_doc(client, path)
    assert list(client.diagnostics[uri(path)]) == []
    [loc] = await client.text_document_definition_async(T.DefinitionParams(
        text_document=doc(path), position=at(text, "t not in censored", into=len("t not in "))))
    censor = MODELS / "adversaries" / "censor.sync"
    assert loc.uri == uri(censor)
    assert loc.range.start == at(censor.read_text(), "var censored", into=4)
    refs = await client.text_document_references_async(T.ReferenceParams(
        text_document=doc(path), position=at(text, "t not in censored", into=len("t not in ")),
        context=T.ReferenceContext(include_declaration=True)))
    assert {r.uri for r in refs} == {uri(path), uri(censor)}
    close_doc(client, path)


async def test_hover_shows_types_values_signatures_and_doc_comments(client):
    path = MODELS / "options_ledger.sync"
    text = await open_doc(client, path)

    async def hover(pos):
        h = await client.text_document_hover_async(T.HoverParams(text_document=doc(path), position=pos))
        return h.contents.value

    assert "const TOTAL: 6..6 = 6" in await hover(at(text, "const TOTAL", into=7))
    assert "const USERS: set[USERS] = {alice, bob}" in await hover(at(text, "const USERS", into=7))
    assert "alice: member of USERS" in await hover(at(text, "{alice", into=1))
    comment = await hover(at(text, "const MAX_MOVE", into=7))
    assert comment.endswith("the oracle moves the mark at most MAX_MOVE per update; the margin above the\n"
                            "intrinsic value must absorb one such move")
    var = next(line for line in text.split("\n") if line.startswith("var "))
    name = var.split()[1].rstrip(":")
    assert f"var {name}: " in await hover(at(text, var, into=4))
    first_def = next((line for line in text.split("\n") if line.startswith("def ")), None)
    if first_def is not None:
        assert first_def.split("=")[0].strip().rstrip(":") in (await hover(at(text, first_def, into=4))).replace("\n", " ")
    close_doc(client, path)


async def test_hover_on_a_parameter_shows_its_checked_type(client):
    path = MODELS / "two_phase_commit.sync"
    text = await open_doc(client, path)
    h = await client.text_document_hover_async(T.HoverParams(
        text_document=doc(path), position=at(text, "action TMRcvPrepared(r: RM)", into=len("action TMRcvPrepared("))))
    assert "(parameter) r: RM" in h.contents.value
    h = await client.text_document_hover_async(T.HoverParams(
        text_document=doc(path), position=at(text, "action TMCommit", into=8)))
    assert "action TMCommit" in h.contents.value
    close_doc(client, path)


# ---- completion, rename, formatting ----------------------------------------------------------------------------

async def test_completion_offers_names_in_scope_keywords_and_builtins(client):
    path = MODELS / "two_phase_commit.sync"
    text = await open_doc(client, path)
    pos = at(text, "require rm_state[r] == working\n  rm_state[r] = prepared", into=len("require "))
    got = await client.text_document_completion_async(T.CompletionParams(text_document=doc(path), position=pos))
    labels = {i.label: i for i in got.items}
    assert {"r", "rm_state", "tm_prepared", "RM", "working", "Prepared", "RMPrepare", "len", "forall",
            "require"} <= set(labels)
    assert labels["r"].kind == T.CompletionItemKind.Variable and labels["r"].detail == "RM"
    assert labels["working"].kind == T.CompletionItemKind.EnumMember
    assert labels["rm_state"].detail == "map[RM, RMState]"
    assert labels["forall"].kind == T.CompletionItemKind.Keyword
    # `r` of another action is not in scope in TMCommit
    other = await client.text_document_completion_async(T.CompletionParams(
        text_document=doc(path), position=at(text, "require tm_prepared == RM", into=8)))
    assert "r" not in {i.label for i in other.items}
    close_doc(client, path)


async def test_completion_after_a_dot_offers_the_record_fields(client, tmp_path):
    path = tmp_path / "ledger.sync"
    text = (MODELS / "options_ledger.sync").read_text()
    await open_doc(client, path, text)
    var = next(line for line in text.split("\n") if line.startswith("var ") and "Slot]" in line)
    name = var.split()[1].rstrip(":")
    # type `<name>[0].` at the end of the file (it does not parse: completion uses the last parse)
    typed = text + f"\ninvariant X: {name}[0]."
    client.text_document_did_change(T.DidChangeTextDocumentParams(
        text_document=T.VersionedTextDocumentIdentifier(uri=uri(path), version=2),
        content_changes=[T.TextDocumentContentChangeWholeDocument(text=typed)]))
    lines = typed.split("\n")
    got = await client.text_document_completion_async(T.CompletionParams(
        text_document=doc(path), position=T.Position(line=len(lines) - 1, character=len(lines[-1])),
        context=T.CompletionContext(trigger_kind=T.CompletionTriggerKind.TriggerCharacter, trigger_character=".")))
    assert [i.label for i in got.items] == ["writer", "holder", "status", "margin", "called", "closed_in", "closes"]
    assert {i.label: i.detail for i in got.items}["holder"] == "option[USERS]"
    close_doc(client, path)


async def test_rename_changes_the_declaration_and_every_use(client):
    path = MODELS / "two_phase_commit.sync"
    text = await open_doc(client, path)
    edit = await client.text_document_rename_async(T.RenameParams(
        text_document=doc(path), position=at(text, "var msgs", into=4), new_name="network"))
    edits = edit.changes[uri(path)]
    lines = text.split("\n")
    new = [list(line) for line in lines]
    for e in sorted(edits, key=lambda e: (e.range.start.line, -e.range.start.character)):
        row = new[e.range.start.line]
        row[e.range.start.character:e.range.end.character] = list(e.new_text)
    renamed = "\n".join("".join(r) for r in new)
    code = "\n".join(line.split("#", 1)[0] for line in renamed.split("\n"))
    assert "msgs" not in code and code.count("network") == len(edits) > 5
    from spec.loader import load_text
    assert load_text(renamed).vars[3].name == "network"
    close_doc(client, path)


async def test_rename_refuses_a_keyword_and_an_ambiguous_member(client):
    path = MODELS / "two_phase_commit.sync"
    text = await open_doc(client, path)
    with pytest.raises(Exception, match="keyword"):
        await client.text_document_rename_async(T.RenameParams(
            text_document=doc(path), position=at(text, "var msgs", into=4), new_name="forall"))
    # `committed` is a member of RMState and of TMState: a use's meaning depends on its type
    with pytest.raises(Exception, match="declared more than once"):
        await client.text_document_rename_async(T.RenameParams(
            text_document=doc(path), position=at(text, "tm_state = committed", into=12), new_name="done"))
    close_doc(client, path)


async def test_formatting_is_syncproof_fmt(client, tmp_path):
    from spec.formatter import format_text
    path = tmp_path / "messy.sync"
    text = (MODELS / "two_phase_commit.sync").read_text().replace("require tm_state == init", "require   tm_state==init")
    await open_doc(client, path, text)
    edits = await client.text_document_formatting_async(T.DocumentFormattingParams(
        text_document=doc(path), options=T.FormattingOptions(tab_size=2, insert_spaces=True)))
    [e] = edits
    assert e.range.start == T.Position(line=0, character=0)
    assert e.new_text == format_text(text) and "require tm_state == init" in e.new_text
    close_doc(client, path)


# ---- the check lens -------------------------------------------------------------------------------------------

async def test_the_check_lens_runs_the_explicit_engine_and_publishes_the_trace(client):
    path = MODELS / "two_phase_commit_broken.sync"
    text = await open_doc(client, path)
    lenses = await client.text_document_code_lens_async(T.CodeLensParams(text_document=doc(path)))
    [lens] = [x for x in lenses if x.command.arguments[1] == "Consistent"]
    assert lens.command.title == "check Consistent" and lens.command.command == "syncproof.check"
    result = await client.workspace_execute_command_async(T.ExecuteCommandParams(
        command=lens.command.command, arguments=lens.command.arguments))
    assert result["verdict"] == "violated" and result["states"] > 0
    diags = [d for d in client.diagnostics[uri(path)] if d.source == "syncproof check"]
    [d] = diags
    assert d.severity == T.DiagnosticSeverity.Error and d.message.startswith("Consistent: violated")
    steps = [r.message for r in d.related_information]
    assert steps[0].startswith("step 0: init") and len(steps) == len(result["steps"]) >= 2
    assert all(r.location.uri == uri(path) for r in d.related_information)
    action = steps[1].split(": ", 1)[1].split("(")[0].split(":")[0]
    assert d.related_information[1].location.range.start == at(text, f"action {action}", into=7)
    lenses = await client.text_document_code_lens_async(T.CodeLensParams(text_document=doc(path)))
    assert [x.command.title for x in lenses if x.command.arguments[1] == "Consistent"][0].startswith("violated (")
    close_doc(client, path)


async def test_the_check_lens_says_holds(client):
    path = MODELS / "two_phase_commit.sync"
    await open_doc(client, path)
    result = await client.workspace_execute_command_async(T.ExecuteCommandParams(
        command="syncproof.check", arguments=[uri(path), "Consistent"]))
    from checker.engines import registry
    from checker.engines.base import CheckRequest
    from spec.loader import load
    alone = registry.run(load(path), "explicit", CheckRequest(properties=("Consistent",), deadlock=False))
    assert result["verdict"] == "holds" and result["states"] == alone.stats.distinct_states > 10
    close_doc(client, path)


# ---- any input ------------------------------------------------------------------------------------------------

GARBAGE = ["", "\x00\x01", "model", "model M\naction {", "}{)(][", "model M\nimport \"/dev/zero\"\n", "é𝄞\r\n\t" * 50,
           "model M\n" + "(" * 5000, "model M\nconst X = " + "9" * 5000 + "\n", "model M\nvar x: 0..1\ninit { x = }\n"]


async def test_the_server_answers_every_request_on_any_text(client, tmp_path):
    path = tmp_path / "garbage.sync"
    await open_doc(client, path, GARBAGE[0])
    for version, text in enumerate(GARBAGE[1:], start=2):
        client.diagnostics.pop(uri(path), None)
        client.text_document_did_change(T.DidChangeTextDocumentParams(
            text_document=T.VersionedTextDocumentIdentifier(uri=uri(path), version=version),
            content_changes=[T.TextDocumentContentChangeWholeDocument(text=text)]))
        diags = await wait_diagnostics(client, uri(path))
        assert text == "" or all(d.code and d.code[0] in "EW" for d in diags)
        for line, char in ((0, 0), (0, 3), (1, 2), (40, 1)):
            p = T.Position(line=line, character=char)
            await client.text_document_hover_async(T.HoverParams(text_document=doc(path), position=p))
            await client.text_document_definition_async(T.DefinitionParams(text_document=doc(path), position=p))
            await client.text_document_completion_async(T.CompletionParams(text_document=doc(path), position=p))
        await client.text_document_document_symbol_async(T.DocumentSymbolParams(text_document=doc(path)))
        await client.text_document_code_lens_async(T.CodeLensParams(text_document=doc(path)))
        formatted = await client.text_document_formatting_async(T.DocumentFormattingParams(
            text_document=doc(path), options=T.FormattingOptions(tab_size=2, insert_spaces=True)))
        assert (formatted is None) == (diags[0].code.startswith("E1") if diags else False)
    close_doc(client, path)
    # and it still serves a real model
    text = await open_doc(client, MODELS / "two_phase_commit.sync")
    h = await client.text_document_hover_async(T.HoverParams(text_document=doc(MODELS / "two_phase_commit.sync"),
                                                             position=at(text, "var msgs", into=4)))
    assert "var msgs: set[Msg]" in h.contents.value
    close_doc(client, MODELS / "two_phase_commit.sync")


async def test_an_edit_of_an_open_imported_file_is_seen_by_the_importer(client, tmp_path):
    lib, main = tmp_path / "lib.sync", tmp_path / "main.sync"
    lib_text = "model Lib\nconst K = 2\nvar k: 0..K\n"
    lib.write_text(lib_text)
    await open_doc(client, main, "model Main\nimport \"lib.sync\"\ninit {\n  k = 0\n}\naction Inc {\n"
                                 "  require k < K\n  k = k + 1\n}\n")
    assert list(client.diagnostics[uri(main)]) == []
    await open_doc(client, lib, lib_text)
    # the editor's text of lib.sync, unsaved, renames K: the importer's uses of K are now unknown
    client.text_document_did_change(T.DidChangeTextDocumentParams(
        text_document=T.VersionedTextDocumentIdentifier(uri=uri(lib), version=2),
        content_changes=[T.TextDocumentContentChangeWholeDocument(text=lib_text.replace("K", "KMAX"))]))
    client.diagnostics.pop(uri(main), None)
    client.text_document_did_save(T.DidSaveTextDocumentParams(text_document=doc(lib)))
    diags = await wait_diagnostics(client, uri(main))
    assert [d.code for d in diags] == ["E201"] and "unknown name 'K'" in diags[0].message
    close_doc(client, lib)
    close_doc(client, main)


async def test_an_imported_file_is_seen_through_the_open_model_that_imports_it(client):
    main, censor = MODELS / "rollup_sequencer.sync", MODELS / "adversaries" / "censor.sync"
    # on its own the adversary does not check: TXS is the importing model's
    alone = await open_doc(client, censor)
    assert {d.code for d in client.diagnostics[uri(censor)]} == {"E203"}
    close_doc(client, censor)
    text = await open_doc(client, main)
    await open_doc(client, censor, alone)
    assert list(client.diagnostics[uri(censor)]) == []
    [loc] = await client.text_document_definition_async(T.DefinitionParams(
        text_document=doc(censor), position=at(alone, "set[TXS]", into=4)))
    assert loc.uri == uri(main) and loc.range.start == at(text, "const TXS", into=6)
    refs = await client.text_document_references_async(T.ReferenceParams(
        text_document=doc(censor), position=at(alone, "var censored", into=4),
        context=T.ReferenceContext(include_declaration=False)))
    assert at(text, "t not in censored", into=9) in [r.range.start for r in refs if r.uri == uri(main)]
    # a typo in the adversary is reported in it, as the importer sees it
    client.diagnostics.pop(uri(censor), None)
    client.text_document_did_change(T.DidChangeTextDocumentParams(
        text_document=T.VersionedTextDocumentIdentifier(uri=uri(censor), version=2),
        content_changes=[T.TextDocumentContentChangeWholeDocument(text=alone.replace("set[TXS]", "set[TXZ]"))]))
    [d] = await wait_diagnostics(client, uri(censor))
    assert d.code == "E203" and "did you mean 'TXS'?" in d.message
    close_doc(client, censor)
    close_doc(client, main)


async def test_the_server_answers_while_a_check_runs(client):
    """The check runs in a worker process: while it does (its start alone takes a good part of a
    second), the server answers, and the lens says the check is running."""
    path = MODELS / "two_phase_commit.sync"
    text = await open_doc(client, path)
    task = asyncio.ensure_future(client.workspace_execute_command_async(T.ExecuteCommandParams(
        command="syncproof.check", arguments=[uri(path), "TypeOK"])))
    titles, hovers = [], 0
    while not task.done():
        lenses = await client.text_document_code_lens_async(T.CodeLensParams(text_document=doc(path)))
        titles += [x.command.title for x in lenses if x.command.arguments[1] == "TypeOK"]
        h = await client.text_document_hover_async(T.HoverParams(text_document=doc(path),
                                                                 position=at(text, "var msgs", into=4)))
        hovers += "var msgs: set[Msg]" in h.contents.value
        await asyncio.sleep(0.02)
    assert (await task)["verdict"] == "holds"
    assert "checking TypeOK..." in titles and hovers >= 1
    close_doc(client, path)
