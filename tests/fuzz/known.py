"""Signatures of bugs already reported, so that the fuzz tests pass until they are fixed.

Each entry names the issue item (`/work/notes/issue11.md`), the earlier finding (`known-findings.md`,
F-numbers) or the harness's own finding (`fuzz-findings.md`, N-numbers) it belongs to. When a fix
is merged, delete its entry: the fuzz tests then guard the fix. A finding matches an entry when
the entry's `output` pattern is found in the finding's kind and output and its `model` pattern
(if any) in the model's text.
"""

from __future__ import annotations

import re
from dataclasses import dataclass


@dataclass(frozen=True)
class Known:
    item: str
    output: str
    model: str = ""

    def matches(self, output: str, model: str) -> bool:
        return bool(re.search(self.output, output)) and (not self.model or bool(re.search(self.model, model)))


KNOWN: list[Known] = [
    # every finding so far is fixed (issue 11); add an entry here only with its issue or finding
]


def known(output: str, model: str) -> str | None:
    """The item a finding (its kind and output, and the model) belongs to, or None if it is new."""
    return next((k.item for k in KNOWN if k.matches(output, model)), None)
