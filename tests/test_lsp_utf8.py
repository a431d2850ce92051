"""`syncproof lsp` with a client that counts columns in UTF-8 bytes (Neovim may prefer them): the
server answers in the units pygls agreed on at initialization. Skipped, with the reason, without
pygls and pytest-lsp."""

from __future__ import annotations

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
ENV = dict(os.environ, PYTHONPATH=os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")])))
pytestmark = pytest.mark.asyncio(loop_scope="module")


@pytest_lsp.fixture(scope="module", config=ClientServerConfig(
    server_command=[sys.executable, "-m", "checker.cli", "lsp"], server_env=ENV))
async def client(lsp_client: LanguageClient):
    result = await lsp_client.initialize_session(T.InitializeParams(capabilities=T.ClientCapabilities(
        general=T.GeneralClientCapabilities(position_encodings=[T.PositionEncodingKind.Utf8]))))
    assert result.capabilities.position_encoding == T.PositionEncodingKind.Utf8
    yield
    await lsp_client.shutdown_session()


async def test_a_diagnostic_after_a_non_ascii_character_counts_bytes(client, tmp_path):
    path = tmp_path / "m.sync"
    text = 'model M\nvar x: 0..1\ninit {\n  x = 0\n}\naction A {\n  assert x < 1, "déjà 𝄞" == 1\n}\n'
    client.text_document_did_open(T.DidOpenTextDocumentParams(text_document=T.TextDocumentItem(
        uri=from_fs_path(str(path)), language_id="syncproof", version=1, text=text)))
    await client.wait_for_notification(T.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS)
    [d] = client.diagnostics[from_fs_path(str(path))]
    line = text.split("\n")[6]
    assert d.code.startswith("E1") and d.range.start.line == 6
    assert d.range.start.character == len(line[:line.index("==")].encode("utf-8")) == line.index("==") + 5  # é, à: one byte more each; 𝄞 three
