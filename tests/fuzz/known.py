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


KNOWN = [
    Known("issue 11 items 3 and 8 (integers over 4,300 digits, in a literal or in generated code)",
          r"Exceeds the limit \(4300 digits\) for integer string"),
    Known("issue 11 item 9 (state widths of billions of bits)", r"internal error: (MemoryError|OverflowError)"),
    Known("issue 11 item 10 (the generated Python's own limits)",
          r"too many nested parentheses|IndentationError|too many statically nested blocks"),
    Known("issue 11 item 11 (recursion in the parse-tree transformer; also F9, F10)",
          r"RecursionError|maximum recursion depth exceeded"),
    Known("fuzz-findings N2 (`x - x - ... - x` type-checks in exponential time; same root as F9)",
          r"^hang", r"(\w+\)? - \(?){15}"),
    Known("known-findings F3 (a failing init's trace does not replay)",
          r"the trace's variables do not match the model: the trace lacks"),
    Known("known-findings F7 (an unused def argument is not range-checked by the compiled code)",
          r"compiled code and interpreter disagree|explicit engine: \d+ states|shortest violations: explicit",
          r"\bone\("),
    Known("fuzz-findings N3 (compiled code and interpreter report different failing `choose` branches first)",
          r"compiled code and interpreter disagree in a state: \(\{.*\}, ModelError\(.*\), ModelError\("),
    Known("fuzz-findings N1 (BMC: `s | {e}` with e outside the set's range is no run-time error)",
          r"BMC( to depth \d+)?: runtime (violated in \w+ steps|inconclusive)", r"\| \{"),
]


def known(output: str, model: str) -> str | None:
    """The item a finding (its kind and output, and the model) belongs to, or None if it is new."""
    return next((k.item for k in KNOWN if k.matches(output, model)), None)
