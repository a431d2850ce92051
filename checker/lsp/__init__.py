"""The language server, `syncproof lsp` (issue 17 item 1).

`checker.lsp.analysis` knows the language (diagnostics, names, their definitions and uses,
hover text, completion, rename) and nothing of the protocol; `checker.lsp.server` speaks the
Language Server Protocol over stdio with pygls (the optional `[lsp]` extra) and turns an
`Analysis` into protocol types; `checker.lsp.lens` runs a property's check for the "check" code
lens in a worker process (`checker.lsp.worker`), so that the server never waits on an engine.
"""
