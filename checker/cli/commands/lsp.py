"""`syncproof lsp`: the language server on stdin and stdout (`checker.lsp`, issue 17 item 1).

An editor starts it and speaks the Language Server Protocol to it (docs/editor.md). The server
needs pygls, the optional `[lsp]` extra: without it the command is error E640, saying how to
install it. The server itself is imported when the command runs (`Deferred`), so the rest of the
command line never loads pygls.
"""

from __future__ import annotations

import importlib.util

from spec.diagnostics import Diagnostic, SpecError

from checker.core.deferred import Deferred

serve = Deferred("checker.lsp.server", "main")
REQUIRED = ("pygls", "lsprotocol")


def add_parser(sub) -> None:
    p = sub.add_parser("lsp", help="the language server for editors (Language Server Protocol on stdio)")
    p.add_argument("--stdio", action="store_true", help="talk on stdin and stdout (the default and only way; "
                   "accepted because editors' clients pass it)")
    p.set_defaults(run=run)


def run(args) -> int:
    missing = [m for m in REQUIRED if importlib.util.find_spec(m) is None]
    if missing:
        raise SpecError(Diagnostic("E640", f"the language server needs {' and '.join(missing)}, which "
                                   f"{'is' if len(missing) == 1 else 'are'} not installed", None,
                                   "install the extra: pip install 'syncproof[lsp]' (or: pip install pygls)"))
    return serve()
