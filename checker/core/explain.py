"""Why an invariant is false in a state, in the model's own words.

Walks the invariant's IR with the reference interpreter and follows what made
it false: the failing conjunct, the member of a `forall` that fails, the
witness of an `exists` under `not`, and the values on both sides of a
comparison. Each line pairs a piece of the source with its value.
"""

from __future__ import annotations

import re

from spec import ir
from spec import values as V
from spec.interp import Interp
from spec.runtime import ModelError

MAX_LINES = 8


def source_text(e: ir.Expr) -> str | None:
    if getattr(e, "label", None):
        return e.label
    sp = e.span
    if sp is None or sp.line != sp.end_line:
        return None
    line = sp.source.line(sp.line)
    return line[sp.col - 1: sp.end_col - 1] or None


QUOTE_WIDTH = 100   # characters of a predicate quoted in a verdict's message


def quote(e: ir.Expr | None, fallback: str) -> str:
    """The source text of e to quote in a message, however many lines it spans (each run of spaces,
    line breaks and comments read as one space, cut at QUOTE_WIDTH characters); `fallback` for an
    expression the model does not spell (made by the checker)."""
    if e is None:
        return fallback
    one = source_text(e)
    if one is not None:
        return one
    sp = e.span
    if sp is None or sp.end_line < sp.line:
        return fallback
    lines = [sp.source.line(n) for n in range(sp.line, sp.end_line + 1)]
    lines[-1] = lines[-1][:sp.end_col - 1]
    lines[0] = lines[0][sp.col - 1:]
    text = " ".join(re.sub(r"#[^\n]*", "", line).strip() for line in lines)
    text = re.sub(r"\s+", " ", text).strip()
    if not text:
        return fallback
    return text if len(text) <= QUOTE_WIDTH else text[:QUOTE_WIDTH - 1].rstrip() + "…"


def _show(e: ir.Expr, value) -> str:
    try:
        return V.show(ir.decode_value(e.type, value))
    except Exception:  # noqa: BLE001 - a value that cannot be shown is shown raw
        return repr(value)


class Explainer:
    def __init__(self, interp: Interp):
        self.interp = interp
        self.lines: list[str] = []

    def value(self, e, env, state):
        return self.interp.eval(e, env, state)

    def note(self, e: ir.Expr, env, state, prefix: str = "") -> None:
        text = source_text(e)
        if text is None or len(self.lines) >= MAX_LINES:
            return
        try:
            v = self.value(e, env, state)
        except ModelError as exc:
            self.lines.append(f"{prefix}{text}: {exc.message}")
            return
        self.lines.append(f"{prefix}{text} = {_show(e, v)}")

    def false(self, e: ir.Expr, env, state, prefix: str = "") -> None:
        """e is false here: say why."""
        if len(self.lines) >= MAX_LINES:
            return
        if isinstance(e, ir.Op) and e.op == "and":
            for a in e.args:
                if not self.value(a, env, state):
                    return self.false(a, env, state, prefix)
        if isinstance(e, ir.Op) and e.op == "implies":
            self.true(e.args[0], env, state, prefix)
            return self.false(e.args[1], env, state, prefix)
        if isinstance(e, ir.Op) and e.op == "or":
            for a in e.args:
                self.false(a, env, state, prefix)
            return
        if isinstance(e, ir.Op) and e.op == "not":
            return self.true(e.args[0], env, state, prefix)
        if isinstance(e, ir.Quant) and e.kind == "forall":
            row = self._find(e, env, state, want=False)
            if row is not None:
                return self.false(e.body, row, state, prefix + self._binding(e, row))
        if isinstance(e, ir.Call):
            inner = dict(env)
            for p, a in zip(e.fn.params, e.args):
                inner[p.id] = self.value(a, env, state)
            return self.false(e.fn.body, inner, state, prefix)
        if isinstance(e, ir.LetIn):
            return self.false(e.body, *self._let(e, env, state, prefix))
        self._leaf(e, env, state, prefix)

    def _let(self, e: ir.LetIn, env, state, prefix: str):
        """(env, state, prefix) for the body of `let x = v in body`: x bound, and shown as a binding."""
        v = self.value(e.value, env, state)
        inner = dict(env)
        inner[e.sym.id] = v
        return inner, state, prefix + f"with {e.sym.name} = {V.show(ir.decode_value(e.sym.type, v))}: "

    def true(self, e: ir.Expr, env, state, prefix: str = "") -> None:
        """e is true here (and that is the problem): say why."""
        if len(self.lines) >= MAX_LINES:
            return
        if isinstance(e, ir.Op) and e.op == "and":
            for a in e.args:
                self.true(a, env, state, prefix)
            return
        if isinstance(e, ir.Op) and e.op == "or":
            for a in e.args:
                if self.value(a, env, state):
                    return self.true(a, env, state, prefix)
        if isinstance(e, ir.Op) and e.op == "not":
            return self.false(e.args[0], env, state, prefix)
        if isinstance(e, ir.Quant) and e.kind == "exists":
            row = self._find(e, env, state, want=True)
            if row is not None:
                return self.true(e.body, row, state, prefix + self._binding(e, row))
        if isinstance(e, ir.LetIn):
            return self.true(e.body, *self._let(e, env, state, prefix))
        self._leaf(e, env, state, prefix)

    def _leaf(self, e: ir.Expr, env, state, prefix: str) -> None:
        if isinstance(e, ir.Op) and e.op in ("eq", "ne", "lt", "le", "gt", "ge", "in", "subset", "seqin"):
            for a in e.args:
                if not isinstance(a, ir.Lit) or source_text(a) != _show(a, a.value):
                    self.note(a, env, state, prefix)
            return
        if isinstance(e, ir.Op) and e.op == "not":
            return self._leaf(e.args[0], env, state, prefix)
        self.note(e, env, state, prefix)

    def _find(self, e: ir.Quant, env, state, want: bool):
        for row in self.interp.bindings(e.binders, env, state):
            if e.cond is not None and not self.value(e.cond, row, state):
                continue
            if bool(self.value(e.body, row, state)) == want:
                return row
        return None

    @staticmethod
    def _binding(e: ir.Quant, row) -> str:
        parts = [f"{b.sym.name} = {V.show(ir.decode_value(b.sym.type, row[b.sym.id]))}" for b in e.binders]
        return "with " + ", ".join(parts) + ": "


def explain_invariant(model: ir.CheckedModel, inv: ir.InvariantIR, codes: list[int]) -> list[str]:
    """Lines saying why `inv` is false in the state given as variable codes."""
    ex = Explainer(Interp(model))
    try:
        ex.false(inv.cond, {}, codes)
    except ModelError as exc:
        return [f"evaluating it fails: {exc.message}"]
    out, seen = [], set()
    for line in ex.lines:
        if line not in seen:
            seen.add(line)
            out.append(line)
    return out
