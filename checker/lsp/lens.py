"""The "check" code lens: a property's check in a worker process (`checker.lsp.worker`).

The server starts the worker with asyncio and awaits its output, so it keeps answering while
the engine runs; one check per (document, property) at a time, a new run of the same one ends
the old. The limits are the editor's (`initializationOptions.check`: `maxStates`, `timeout`),
by default `MAX_STATES` and `TIMEOUT`. The verdict shows in the lens's title and as a
diagnostic on the property's name: information when it holds, a warning when the limits were
reached first, an error when it is violated, with a related location per step of the trace.
"""

from __future__ import annotations

import asyncio
import json
import os
import sys
from pathlib import Path

from lsprotocol import types as T
from pygls.uris import from_fs_path

import checker

COMMAND = "syncproof.check"
MAX_STATES = 200_000
TIMEOUT = 60.0
_ROOT = str(Path(checker.__file__).resolve().parent.parent)   # where `checker` is: the worker imports it


class Checks:
    """The running and the finished checks of one server."""

    def __init__(self, server) -> None:
        self.server = server
        self.results: dict[tuple[str, str], dict] = {}
        self.running: dict[tuple[str, str], asyncio.subprocess.Process] = {}
        self.max_states, self.timeout = MAX_STATES, TIMEOUT

    def configure(self, options) -> None:
        """The limits from the client's initialization options (`{"check": {...}}`)."""
        check = options.get("check") if isinstance(options, dict) else None
        if isinstance(check, dict):
            if isinstance(check.get("maxStates"), int) and check["maxStates"] > 0:
                self.max_states = check["maxStates"]
            if isinstance(check.get("timeout"), (int, float)) and check["timeout"] > 0:
                self.timeout = float(check["timeout"])

    def command(self, uri: str, name: str) -> T.Command:
        key = (uri, name)
        if key in self.running:
            title = f"checking {name}..."
        elif key in self.results:
            r = self.results[key]
            title = {"holds": "holds", "violated": "violated", "inconclusive": "inconclusive"}.get(
                r["verdict"], "could not check") + f" ({r.get('states', 0):,} states): check again"
        else:
            title = f"check {name}"
        return T.Command(title=title, command=COMMAND, arguments=[uri, name])

    async def run(self, uri: str, name: str) -> dict:
        """Check property `name` of the document at `uri` (its text as the editor has it)."""
        key = (uri, name)
        old = self.running.pop(key, None)
        if old is not None and old.returncode is None:
            old.kill()
        text = self.server.workspace.get_text_document(uri).source
        env = dict(os.environ, PYTHONPATH=os.pathsep.join(filter(None, [_ROOT, os.environ.get("PYTHONPATH")])))
        proc = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "checker.lsp.worker", self.server.path_of(uri), name, str(self.max_states),
            str(self.timeout), stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE, env=env)
        self.running[key] = proc
        self._refresh()
        try:
            out, err = await asyncio.wait_for(proc.communicate(text.encode("utf-8")), self.timeout + 60)
            result = json.loads(out.decode("utf-8").strip().splitlines()[-1])
        except (asyncio.TimeoutError, ValueError, IndexError):
            if proc.returncode is None:
                proc.kill()
            result = {"verdict": "error", "message": "the check did not answer"}
        finally:
            if self.running.get(key) is proc:
                del self.running[key]
        self.results[key] = result
        self.server.publish(uri)
        self._refresh()
        self.server.window_show_message(T.ShowMessageParams(type=_MESSAGE_TYPES.get(result["verdict"], T.MessageType.Error),
                                                            message=f"{name}: {_summary(result)}"))
        return result

    def _refresh(self) -> None:
        caps = self.server.client_capabilities.workspace
        if caps and caps.code_lens and caps.code_lens.refresh_support:
            self.server.workspace_code_lens_refresh(None)

    def diagnostics(self, uri: str) -> list[T.Diagnostic]:
        """A diagnostic per finished check of the document, on its property's name."""
        a = self.server.analysis(uri)
        out = []
        for (u, name), r in self.results.items():
            sym = a.globals.get(name)
            if u != uri or sym is None or sym.kind not in ("invariant", "step", "property"):
                continue
            out.append(T.Diagnostic(range=self.server.range_of(sym.span), message=f"{name}: {_summary(r)}",
                                    severity=_SEVERITIES.get(r["verdict"], T.DiagnosticSeverity.Warning),
                                    source="syncproof check", related_information=_related(r, self.server)))
        return out


def _summary(r: dict) -> str:
    if r["verdict"] == "error":
        return f"could not check: {r.get('message', '')}"
    text = f"{r['verdict']} ({r.get('states', 0):,} states)"
    if r.get("message") and r["verdict"] != "holds":
        text += f": {r['message']}"
    if r.get("steps"):
        text += f"; the trace has {len(r['steps'])} steps (see the related locations)"
    return text


def _related(r: dict, server) -> list[T.DiagnosticRelatedInformation] | None:
    out = []
    for step in r.get("steps", ()):
        sp = step.get("span")
        if sp is None:
            continue
        rng = server.range_of_position(sp["source"], sp["line"], sp["col"], sp["end_line"], sp["end_col"])
        uri = from_fs_path(sp["source"]) or sp["source"]
        out.append(T.DiagnosticRelatedInformation(location=T.Location(uri=uri, range=rng), message=step["text"]))
    return out or None


_SEVERITIES = {"holds": T.DiagnosticSeverity.Information, "violated": T.DiagnosticSeverity.Error,
               "inconclusive": T.DiagnosticSeverity.Warning}
_MESSAGE_TYPES = {"holds": T.MessageType.Info, "violated": T.MessageType.Warning,
                  "inconclusive": T.MessageType.Warning}
