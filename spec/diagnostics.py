"""Diagnostics: source spans, error codes and the one renderer every phase uses.

Every user-facing error is a `Diagnostic` with a code, a message, the span it
points at and an optional help line. Phases collect diagnostics and raise one
`SpecError` holding all of them, so a user sees every name and type error at
once. Codes are grouped by phase:

    E1xx  syntax            E4xx  constants and assumptions
    E2xx  names             E5xx  compilation limits
    E3xx  types             E6xx  command line, files, traces
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass, field


@dataclass(frozen=True)
class Source:
    """A source text and the name it is shown under (a path, or '<cli>')."""

    name: str
    text: str

    def line(self, lineno: int) -> str:
        # lines end at '\n' only, as the parser counts them (splitlines() also breaks at form
        # feeds and U+2028, which would show the wrong line)
        lines = self.text.split("\n")
        return lines[lineno - 1].rstrip("\r") if 0 < lineno <= len(lines) else ""


@dataclass(frozen=True)
class Span:
    """A region of a source: 1-based line and column of its start and end."""

    source: Source
    line: int
    col: int
    end_line: int
    end_col: int

    def __repr__(self) -> str:
        return f"{self.source.name}:{self.line}:{self.col}"

    @property
    def where(self) -> str:
        return f"{self.source.name}:{self.line}:{self.col}"


@dataclass(frozen=True)
class Diagnostic:
    code: str
    message: str
    span: Span | None = None
    help: str | None = None
    notes: tuple[str, ...] = field(default_factory=tuple)
    severity: str = "error"

    def render(self) -> str:
        """`file:line:col: error[E201]: message`, the source line, a caret, help."""
        head = f"{self.severity}[{self.code}]: {self.message}"
        out: list[str] = []
        if self.span is None:
            out.append(head)
        else:
            sp = self.span
            out.append(f"{sp.where}: {head}")
            text = sp.source.line(sp.line)
            if text:
                num = str(sp.line)
                width = 1
                if sp.end_line == sp.line and sp.end_col > sp.col:
                    width = sp.end_col - sp.col
                shown, before, width = _window(text, sp.col - 1, width)
                # tabs keep their width so the caret lines up
                pad = "".join("\t" if c == "\t" else " " for c in before)
                out.append(f"  {num} | {shown}")
                out.append(f"  {' ' * len(num)} | {pad}{'^' * max(1, width)}")
        for note in self.notes:
            out.append(f"  note: {note}")
        if self.help:
            out.append(f"  help: {self.help}")
        return "\n".join(out)


WINDOW = 100     # characters of a source line shown around the caret
_CUT = "..."


def _window(text: str, start: int, width: int) -> tuple[str, str, int]:
    """The part of a long line shown around column `start` (0-based): the text, what precedes
    the caret in it, and the caret's width within it. Short lines are shown whole."""
    if len(text) <= WINDOW:
        return text, text[:start], width
    lo = max(0, min(start - WINDOW // 4, len(text) - WINDOW))
    hi = lo + WINDOW
    head = _CUT if lo > 0 else ""
    tail = _CUT if hi < len(text) else ""
    return head + text[lo:hi] + tail, head + text[lo:start], max(1, min(width, hi - start))


class SpecError(Exception):
    """One or more diagnostics; raised at the end of a phase that found errors."""

    def __init__(self, diagnostics: list[Diagnostic] | Diagnostic):
        if isinstance(diagnostics, Diagnostic):
            diagnostics = [diagnostics]
        self.diagnostics = list(diagnostics)
        super().__init__(self.render())

    @property
    def codes(self) -> list[str]:
        return [d.code for d in self.diagnostics]

    def render(self) -> str:
        return "\n\n".join(d.render() for d in self.diagnostics)


def suggest(name: str, candidates) -> str | None:
    """'did you mean ...?' for a misspelt name, or None when nothing is close."""
    candidates = sorted(set(candidates))
    close = difflib.get_close_matches(name, candidates, n=1, cutoff=0.6)
    if not close:
        close = [c for c in candidates if len(c) > 1 and _one_edit(name, c)][:1]
    if not close:
        lowered = {c.lower(): c for c in candidates}
        if name.lower() in lowered:
            close = [lowered[name.lower()]]
    return f"did you mean '{close[0]}'?" if close else None


def _one_edit(a: str, b: str) -> bool:
    """Whether b is a, with one character replaced, inserted, deleted or two swapped."""
    if a == b or abs(len(a) - len(b)) > 1:
        return False
    if len(a) == len(b):
        diff = [i for i in range(len(a)) if a[i] != b[i]]
        return len(diff) == 1 or (len(diff) == 2 and diff[1] == diff[0] + 1
                                  and a[diff[0]] == b[diff[1]] and a[diff[1]] == b[diff[0]])
    short, long_ = (a, b) if len(a) < len(b) else (b, a)
    return any(long_[:i] + long_[i + 1:] == short for i in range(len(long_)))


class Collector:
    """Gathers diagnostics of one phase; `done()` raises if any are errors."""

    def __init__(self) -> None:
        self.items: list[Diagnostic] = []
        self.warnings: list[Diagnostic] = []

    def error(self, code: str, message: str, span: Span | None, help: str | None = None,
              notes: tuple[str, ...] = ()) -> None:
        d = Diagnostic(code, message, span, help, notes)
        if d not in self.items:  # a failed constant or def is met again at every use
            self.items.append(d)

    def warn(self, code: str, message: str, span: Span | None, help: str | None = None) -> None:
        self.warnings.append(Diagnostic(code, message, span, help, severity="warning"))

    def done(self) -> None:
        if self.items:
            raise SpecError(self.items)
