"""A name in a module, imported the first time it is used (issue 13: start-up).

`Deferred("checker.engines.symbolic", "check")` stands for that function: calling it, or
`resolve()`, imports the module then. The registry names each engine's implementation so, and
the command line the commands that need an engine's libraries, so that `syncproof --version`
or an explicit check never loads z3 or hypothesis. Both strings are literals:
`tests/test_architecture.py` reads every `Deferred("module", "name")` as an import of that
module by the module that writes it (the layering and the cycles are checked as for an import
statement) and checks that each one resolves.
"""

from __future__ import annotations

import importlib
from typing import Any


class Deferred:
    """`name` in `module`, imported on first use."""

    __slots__ = ("module", "name", "_value")

    def __init__(self, module: str, name: str):
        self.module, self.name = module, name
        self._value: Any = None

    def resolve(self) -> Any:
        """What the name stands for, its module imported once."""
        if self._value is None:
            self._value = getattr(importlib.import_module(self.module), self.name)
        return self._value

    def __call__(self, *args, **kwargs):
        return self.resolve()(*args, **kwargs)

    def __repr__(self) -> str:
        return f"Deferred({self.module!r}, {self.name!r})"
