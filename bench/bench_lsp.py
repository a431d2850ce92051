"""Benchmark of the language server after a keystroke (issue 17 item 1): run by hand, never by the tests.

    python bench/bench_lsp.py            # 40 keystrokes on a 300-line model
    python bench/bench_lsp.py --keys 200

The model is models/options_ledger.sync with invariants appended up to 300 lines (code, not
comments). A keystroke alternately types a letter into a name (the model then has error E201)
and deletes it (the model checks again). Two figures, medians and 90th percentiles:

- analysis: what the server does per keystroke (`checker.lsp.analysis.analyze`: parse, imports,
  the index of names, type checking), in this process; wall and CPU milliseconds (on a busy
  machine, CPU time says more);
- end to end: from sending `didChange` to the real server (`syncproof lsp` over stdio) to
  receiving its `publishDiagnostics`, the server's pause for more typing (`DEBOUNCE`) included.

The target is under 100 ms for the analysis.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from lsprotocol import types as T  # noqa: E402
from pygls.lsp.client import LanguageClient  # noqa: E402
from pygls.uris import from_fs_path  # noqa: E402

from checker.lsp import analysis as A  # noqa: E402
from checker.lsp.server import DEBOUNCE  # noqa: E402

LINES = 300
NAME = "INITIAL_CASH * len(USERS)"


def model_text() -> str:
    """options_ledger.sync grown to LINES lines with invariants over its state."""
    text = (ROOT / "models" / "options_ledger.sync").read_text().rstrip("\n") + "\n"
    i = 0
    while text.count("\n") < LINES:
        text += f"\ninvariant Extra{i}:\n  forall s in SlotId: slots[s].margin <= MAX_MARGIN + {i}\n"
        i += 1
    return text


def keystrokes(text: str, n: int) -> list[str]:
    """The texts after each keystroke: a letter typed into `TOTAL` in an invariant, then deleted."""
    at = text.index("== TOTAL") + len("== TOTA")
    typed = text[:at] + "x" + text[at:]
    return [typed if i % 2 == 0 else text for i in range(n)]


def summary(name: str, ms: list[float]) -> str:
    ms = sorted(ms)
    return f"{name}: median {statistics.median(ms):.1f} ms, p90 {ms[int(0.9 * (len(ms) - 1))]:.1f} ms, " \
           f"max {ms[-1]:.1f} ms ({len(ms)} keystrokes)"


def in_process(path: Path, text: str, n: int) -> None:
    read = lambda p: Path(p).read_text()  # noqa: E731
    previous, cache = A.analyze(str(path), text, read), {}
    wall, cpu = [], []
    for t in keystrokes(text, n):
        w, c = time.perf_counter(), time.process_time()
        previous = A.analyze(str(path), t, read, previous, cache)
        wall.append((time.perf_counter() - w) * 1000)
        cpu.append((time.process_time() - c) * 1000)
        assert [d.code for d in previous.diagnostics] in ([], ["E201"]), previous.diagnostics
    print(summary("analysis, wall", wall))
    print(summary("analysis, CPU ", cpu))


async def end_to_end(path: Path, text: str, n: int) -> None:
    client = LanguageClient("bench", "1")
    got: asyncio.Queue = asyncio.Queue()

    @client.feature(T.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS)
    def published(ls, params):
        got.put_nowait((time.perf_counter(), params))

    env = dict(os.environ, PYTHONPATH=os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")])))
    await client.start_io(sys.executable, "-m", "checker.cli", "lsp", env=env)
    await client.initialize_async(T.InitializeParams(capabilities=T.ClientCapabilities()))
    client.initialized(T.InitializedParams())
    uri = from_fs_path(str(path))
    client.text_document_did_open(T.DidOpenTextDocumentParams(text_document=T.TextDocumentItem(
        uri=uri, language_id="syncproof", version=0, text=text)))
    await got.get()
    ms = []
    for i, t in enumerate(keystrokes(text, n), start=1):
        sent = time.perf_counter()
        client.text_document_did_change(T.DidChangeTextDocumentParams(
            text_document=T.VersionedTextDocumentIdentifier(uri=uri, version=i),
            content_changes=[T.TextDocumentContentChangeWholeDocument(text=t)]))
        at, params = await asyncio.wait_for(got.get(), 30)
        assert params.version == i and [d.code for d in params.diagnostics] == (["E201"] if i % 2 else [])
        ms.append((at - sent) * 1000)
    print(summary(f"end to end (server pause {DEBOUNCE * 1000:.0f} ms included)", ms))
    await client.shutdown_async(None)
    client.exit(None)
    await client.stop()


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    p.add_argument("--keys", type=int, default=40)
    args = p.parse_args()
    text = model_text()
    path = ROOT / "build" / "bench_lsp" / "ledger300.sync"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    print(f"{path.relative_to(ROOT)}: {text.count(chr(10))} lines; load average {os.getloadavg()[0]:.2f} "
          f"on {os.cpu_count()} cores")
    in_process(path, text, args.keys)
    asyncio.run(end_to_end(path, text, args.keys))


if __name__ == "__main__":
    main()
