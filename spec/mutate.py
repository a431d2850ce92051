"""Mutants of a model (issue 18): small faults planted in its source, one per mutant.

Each mutant replaces one span of the model's text, found from the syntax tree, so it is
shown to a person as a diff of the file and re-checked like any model (a mutant that does
not parse or type-check is dropped by the caller). Only the behaviour is mutated, the
`init` blocks and the actions (inside processes too), never a property or a declaration:

    drop-require    a `require` replaced by `skip`
    drop-assign     an assignment replaced by `skip`
    swap-if         the branches of an `if` swapped (its condition negated), statement or expression
    comparison      weakened or strengthened: `<` <-> `<=`, `>` <-> `>=`; and `==` <-> `!=`
    negate          an ordering comparison negated: `<` -> `>=`, `<=` -> `>`, `>` -> `<=`, `>=` -> `<`
    arithmetic      `+` <-> `-`
    literal         an integer literal plus one, and minus one
    remove-action   an action (a process's too) removed: its statements become `require false`, so
                    it takes no step and fairness constraints and properties may still name it
"""

from __future__ import annotations

import bisect
import dataclasses
import difflib
from dataclasses import dataclass

from spec import ast

OPERATORS = ("drop-require", "drop-assign", "swap-if", "comparison", "negate", "arithmetic", "literal",
             "remove-action")

SWAP = {"<": "<=", "<=": "<", ">": ">=", ">=": ">", "==": "!=", "!=": "==", "+": "-", "-": "+"}
COMPARISONS = {"<", "<=", ">", ">=", "==", "!="}
NEGATE = {"<": ">=", "<=": ">", ">": "<=", ">=": "<"}   # `==` and `!=` are each other's negation: SWAP


@dataclass(frozen=True)
class Mutant:
    """The text between offsets `start` and `end` of the model replaced by `replacement`."""

    operator: str
    line: int
    col: int
    start: int
    end: int
    replacement: str
    description: str

    def apply(self, text: str) -> str:
        return text[:self.start] + self.replacement + text[self.end:]

    def diff(self, text: str, name: str) -> str:
        """The mutant as a unified diff against the model `text` shown as `name`."""
        lines = difflib.unified_diff(text.splitlines(keepends=True), self.apply(text).splitlines(keepends=True),
                                     name, f"{name} (mutant)", n=1)
        return "".join(line if line.endswith("\n") else line + "\n" for line in lines)


class _Offsets:
    """1-based line and column of the parser to offsets in the text."""

    def __init__(self, text: str):
        self.starts = [0]
        for i, ch in enumerate(text):
            if ch == "\n":
                self.starts.append(i + 1)

    def at(self, line: int, col: int) -> int:
        return self.starts[line - 1] + col - 1

    def where(self, offset: int) -> tuple[int, int]:
        line = bisect.bisect_right(self.starts, offset)
        return line, offset - self.starts[line - 1] + 1

    def span(self, span) -> tuple[int, int]:
        return self.at(span.line, span.col), self.at(span.end_line, span.end_col)


def mutants(module: ast.Module, text: str) -> list[Mutant]:
    """Every mutant of the behaviour of `module` parsed from `text`, in the order of the source."""
    found: list[Mutant] = []
    offsets = _Offsets(text)
    for action in _actions(module.decls):
        found.extend(_removed(action, text, offsets))
    for body in _bodies(module.decls):
        for node in _walk(body):
            found.extend(_of(node, text, offsets))
    return sorted(found, key=lambda m: (m.start, m.end, m.operator, m.replacement))


def _bodies(decls):
    """The statement lists of the init blocks and actions, inside processes too."""
    for d in decls:
        if isinstance(d, (ast.Init, ast.Action)):
            yield d.body
        elif isinstance(d, ast.Process):
            yield from _bodies(d.items)


def _actions(decls):
    """The actions, inside processes too."""
    for d in decls:
        if isinstance(d, ast.Action):
            yield d
        elif isinstance(d, ast.Process):
            yield from _actions(d.items)


def _removed(action: ast.Action, text: str, offsets: _Offsets) -> list[Mutant]:
    """The action's statements replaced by `require false`: it keeps its name (fairness and
    properties may name it) and takes no step."""
    if not action.body:
        return []
    start, _ = offsets.span(action.body[0].span)
    _, end = offsets.span(action.body[-1].span)
    line, col = offsets.where(offsets.span(action.span)[0])
    return [Mutant("remove-action", line, col, start, end, "require false", f"removed action `{action.name}`")]


def _walk(value):
    """Every node in `value` (a node, or a list or tuple of them), depth first."""
    if isinstance(value, (list, tuple)):
        for v in value:
            yield from _walk(v)
    elif isinstance(value, ast.Node):
        yield value
        for f in dataclasses.fields(value):
            if f.name != "span":
                yield from _walk(getattr(value, f.name))


def _of(node, text: str, offsets: _Offsets) -> list[Mutant]:
    start, end = offsets.span(node.span)
    source = " ".join(text[start:end].split())

    def mutant(operator, a, b, replacement, what):
        return Mutant(operator, *offsets.where(a), a, b, replacement, what)

    if isinstance(node, ast.Require):
        return [mutant("drop-require", start, end, "skip", f"dropped `{source}`")]
    if isinstance(node, ast.Assign):
        return [mutant("drop-assign", start, end, "skip", f"dropped `{source}`")]
    if isinstance(node, (ast.If, ast.Ite)):
        a, b = offsets.span(node.cond.span)
        cond = text[a:b]
        return [mutant("swap-if", a, b, f"not ({cond})", f"swapped the branches of `if {' '.join(cond.split())}`")]
    if isinstance(node, ast.IntLit):
        return [mutant("literal", start, end, str(node.value + d), f"{node.value} -> {node.value + d}")
                for d in (-1, 1) if node.value + d >= 0]
    if isinstance(node, ast.Binary) and node.op in SWAP:
        at = _operator_at(node, text, offsets)
        if at is None:
            return []
        new = SWAP[node.op]
        operator = "comparison" if node.op in COMPARISONS else "arithmetic"
        found = [mutant(operator, at, at + len(node.op), new, f"`{source}`: {node.op} -> {new}")]
        if node.op in NEGATE:
            new = NEGATE[node.op]
            found.append(mutant("negate", at, at + len(node.op), new, f"`{source}` negated: {node.op} -> {new}"))
        return found
    return []


def _operator_at(node: ast.Binary, text: str, offsets: _Offsets) -> int | None:
    """The offset of a binary operator's token: what lies between its operands is the operator,
    parentheses and blanks (anything else, a comment say, and the operator is left alone)."""
    _, a = offsets.span(node.left.span)
    b, _ = offsets.span(node.right.span)
    between = text[a:b]
    if between.replace("(", " ").replace(")", " ").strip() != node.op:
        return None
    return a + between.index(node.op)
