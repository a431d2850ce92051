"""Properties: invariants, state constraints, `converge`, temporal properties, fairness, `deterministic` and `commute`.

Part of the type checker (`spec.typecheck.model` combines the parts). A temporal
property is a formula over state predicates built with always, eventually,
leads_to, not, and, or, implies (E321 for anything else that holds a temporal
operator); the five common shapes get their own kind (the engines' fast paths),
any other nesting is kind FORMULA.
"""

from __future__ import annotations

import copy
import dataclasses
import re

from spec import ast, ir
from spec.diagnostics import Span, suggest
from spec.typecheck.state import Bail, CheckerState, Scope, span_text


class Properties(CheckerState):
    """Checks what the model claims about its runs."""

    def _invariants(self, decls: list) -> list[ir.InvariantIR]:
        """The invariants, then the `converge` claims (as invariants); one that fails is left out."""
        invariants = []
        for d in decls:
            if isinstance(d, ast.Invariant):
                try:
                    cond = self._bool(d.cond, Scope(what="invariant"))
                except Bail:  # reported; keep checking the other declarations
                    continue
                invariants.append(ir.InvariantIR(d.name, cond, d.span))
        for d in decls:
            if isinstance(d, ast.Converge):
                try:
                    invariants.append(self._converge(d))
                except Bail:
                    continue
        return invariants

    def _constraints(self, decls: list) -> list[ir.ConstraintIR]:
        """The state constraints: boolean predicates of one state; one that fails is left out."""
        out = []
        for d in decls:
            if isinstance(d, ast.Constraint):
                try:
                    out.append(ir.ConstraintIR(d.name, self._bool(d.cond, Scope(what="constraint")), d.span))
                except Bail:  # reported; keep checking the other declarations
                    continue
        return out

    def _temporal(self, decls: list, actions: list[ir.ActionIR]) -> tuple[list, list, list, list]:
        """(temporal properties, fairness, determinism claims, commutation claims), in declaration order."""
        properties, fairness, deterministic, commutes = [], [], [], []
        for d in decls:
            try:
                if isinstance(d, ast.Property):
                    properties.append(self._property(d))
                elif isinstance(d, ast.Fairness):
                    fairness.extend(self._fairness(d))
                elif isinstance(d, ast.Deterministic):
                    deterministic.extend(self._deterministic(d, actions))
                elif isinstance(d, ast.Commute):
                    commutes.append(self._commute(d, actions))
            except Bail:
                continue
        return properties, fairness, _unique_by_name(deterministic), commutes

    def _fairness(self, d: ast.Fairness) -> list[ir.FairnessIR]:
        """One declaration per action named on its own (per instance), one per group; a group must
        name at least one action (E336), each once (E337). Every error is reported."""
        out, failed = [], False
        try:
            out += [ir.FairnessIR(d.kind, (i,), span) for i, span in self._action_refs(d.actions)]
        except Bail:
            failed = True
        for g in d.groups:
            try:
                out.append(self._fair_group(d.kind, g))
            except Bail:
                failed = True
        if failed:
            raise Bail
        return out

    def _fair_group(self, kind: str, g: ast.FairGroup) -> ir.FairnessIR:
        if not g.actions:
            self.diag.error("E336", "an empty fairness group", g.span,
                            "name the actions that are fair together, e.g. {Send, Receive}")
            raise Bail
        seen: dict[str, Span] = {}
        dup = False
        for name, span in g.actions:
            if name in seen:
                self.diag.error("E337", f"'{name}' is named twice in this fairness group", span,
                                f"a group is a set of actions: remove one '{name}'")
                dup = True
            seen.setdefault(name, span)
        refs = self._action_refs(g.actions)
        if dup:
            raise Bail
        return ir.FairnessIR(kind, tuple(i for i, _ in refs), g.span, grouped=True)

    def _deterministic(self, d: ast.Deterministic, actions: list[ir.ActionIR]) -> list[ir.DeterministicIR]:
        """One claim per action named (every action when none is)."""
        refs = self._action_refs(d.actions) if d.actions is not None else \
            [(i, d.span) for i in range(len(actions))]
        return [ir.DeterministicIR(f"deterministic({actions[i].name})", i, span) for i, span in refs]

    def _commute(self, d: ast.Commute, actions: list[ir.ActionIR]) -> ir.CommuteIR:
        (i, _), (j, _) = self._action_refs([d.first, d.second])
        return ir.CommuteIR(f"commute({actions[i].name}, {actions[j].name})", i, j, d.span)

    def _action_refs(self, refs) -> list[tuple[int, Span]]:
        out = []
        for name, span in refs:
            if name not in self.action_index:
                self.diag.error("E201", f"unknown action '{name}'", span, suggest(name, self.action_index))
                raise Bail
            out.append((self.action_index[name], span))
        return out

    def _property(self, d: ast.Property) -> ir.PropertyIR:
        sc = Scope(what="property")
        f = d.formula
        binders = []
        while isinstance(f, ast.Quant) and f.kind == "forall" and _is_temporal(f.body):
            gen_binders, sc, cond = self._generator(f.generator, sc)
            if cond is not None:
                self.diag.error("E321", "a property's 'forall' cannot have a filter", f.span,
                                "put the condition inside: forall x in S: (c implies ...) is not temporal; "
                                "use a smaller set")
                raise Bail
            binders.extend(gen_binders)
            f = f.body
        kind, p, q = temporal_shape(f)
        if kind is None:
            formula = self._formula(f, sc)
            return ir.PropertyIR(d.name, ir.TemporalKind.FORMULA, binders, formula.atoms()[0], None, d.span,
                                 formula)
        pe = self._bool(p, sc)
        qe = self._bool(q, sc) if q is not None else None
        return ir.PropertyIR(d.name, kind, binders, pe, qe, d.span, shape_formula(kind, pe, qe, f.span))

    def _formula(self, e, sc: Scope) -> ir.TemporalFormula:
        """A temporal formula: state predicates (typed as conditions) under temporal and boolean
        operators; every misuse in it is reported (E321), then Bail."""
        if not _is_temporal(e):
            return ir.TemporalFormula("atom", expr=self._bool(e, sc), span=e.span)
        if isinstance(e, ast.Unary) and e.op in ("always", "eventually", "not"):
            return ir.TemporalFormula(e.op, [self._formula(e.operand, sc)], span=e.span)
        if isinstance(e, ast.Binary) and e.op in TEMPORAL_CONNECTIVES:
            args, failed = [], False
            for side in (e.left, e.right):
                try:
                    args.append(self._formula(side, sc))
                except Bail:
                    failed = True
            if failed:
                raise Bail
            return ir.TemporalFormula(e.op, args, span=e.span)
        if isinstance(e, ast.Quant):
            self.diag.error("E321", f"'{e.kind}' over a temporal formula must come first in the property",
                            e.span, "write 'property Name: forall x in S: <formula>'; a quantifier inside a "
                            "temporal operator, or 'exists', is not supported")
        else:
            what = f"'{e.op}'" if isinstance(e, (ast.Binary, ast.Unary)) else \
                "'if'" if isinstance(e, ast.Ite) else "this expression"
            self.diag.error("E321", f"{what} cannot take a temporal formula as an operand", e.span,
                            "temporal formulas combine with not, and, or, implies, leads_to, always and "
                            "eventually; other operators take state predicates only")
        raise Bail

    def _converge(self, d: ast.Converge) -> ir.InvariantIR:
        """forall n in S: key(n) determines state(n)  ==  forall n, n' in S: key(n) == key(n') implies state(n) == state(n')."""
        other = d.var + "'"
        binding = ast.Binding(d.span, [(d.var, d.var_span), (other, d.var_span)], d.domain)
        key2 = _rename(d.key, d.var, other)
        state2 = _rename(d.state, d.var, other)
        body = ast.Binary(d.span, "implies", ast.Binary(d.key.span, "==", d.key, key2),
                          ast.Binary(d.state.span, "==", d.state, state2))
        formula = ast.Quant(d.span, "forall", ast.Generator(d.span, [binding], None), body)
        cond = self._bool(formula, Scope(what="invariant"))
        # show the second copy as the model reads it: key(n') and state(n')
        body = cond.body if isinstance(cond, ir.Quant) else None
        if isinstance(body, ir.Op) and body.op == "implies":
            for eq, src in zip(body.args, (d.key, d.state)):
                text = span_text(src.span)
                if isinstance(eq, ir.Op) and eq.op == "eq" and text:
                    eq.args[0].label = text
                    eq.args[1].label = re.sub(rf"\b{re.escape(d.var)}\b", other, text)
        return ir.InvariantIR(d.name, cond, d.span, "converge")


TEMPORAL_CONNECTIVES = ("and", "or", "implies", "leads_to")


def shape_formula(kind: str, p: ir.Expr, q: ir.Expr | None, span: Span) -> ir.TemporalFormula:
    """The formula a property of one of the five shapes stands for."""
    def node(op, *args):
        return ir.TemporalFormula(op, list(args), span=span)
    P = ir.TemporalFormula("atom", expr=p, span=p.span)
    if kind == "leads_to":
        return node("leads_to", P, ir.TemporalFormula("atom", expr=q, span=q.span))
    ops = {"always": ["always"], "eventually": ["eventually"], "always_eventually": ["always", "eventually"],
           "eventually_always": ["eventually", "always"]}[kind]
    for op in reversed(ops):
        P = node(op, P)
    return P


def temporal_shape(f):
    """(kind, p, q) of a temporal formula of a shape the engines check; (None, None, None) otherwise."""
    def op(e, name):
        return isinstance(e, ast.Unary) and e.op == name
    if isinstance(f, ast.Binary) and f.op == "leads_to":
        if not _is_temporal(f.left) and not _is_temporal(f.right):
            return "leads_to", f.left, f.right
        return None, None, None
    if op(f, "always") and isinstance(f.operand, ast.Binary) and f.operand.op == "leads_to":
        return temporal_shape(f.operand)
    if op(f, "always") and op(f.operand, "eventually") and not _is_temporal(f.operand.operand):
        return "always_eventually", f.operand.operand, None
    if op(f, "eventually") and op(f.operand, "always") and not _is_temporal(f.operand.operand):
        return "eventually_always", f.operand.operand, None
    if op(f, "always") and not _is_temporal(f.operand):
        return "always", f.operand, None
    if op(f, "eventually") and not _is_temporal(f.operand):
        return "eventually", f.operand, None
    return None, None, None


def _is_temporal(e) -> bool:
    """Whether an AST expression contains always, eventually or leads_to."""
    return any((isinstance(n, ast.Unary) and n.op in ("always", "eventually"))
               or (isinstance(n, ast.Binary) and n.op == "leads_to") for n in ast.walk(e))


def _rename(e, old: str, new: str):
    """A copy of an AST expression with the free name `old` renamed to `new`."""

    def go(node, bound):
        if isinstance(node, ast.Name):
            return ast.Name(node.span, new) if node.name == old and old not in bound else node
        if isinstance(node, ast.Binding):
            return ast.Binding(node.span, node.names, go(node.domain, bound))
        if isinstance(node, (ast.Quant, ast.SetComp, ast.MapComp, ast.Call)) and getattr(node, "generator", None):
            inner = bound | {n for b in node.generator.bindings for n, _ in b.names}
            out = copy.copy(node)
            for f in dataclasses.fields(node):
                v = getattr(node, f.name)
                setattr(out, f.name, go(v, inner if f.name != "generator" else bound)
                        if f.name != "generator" else ast.Generator(
                            v.span, [go(b, bound) for b in v.bindings],
                            go(v.condition, inner) if v.condition is not None else None))
            return out
        if isinstance(node, ast.Node):
            out = copy.copy(node)
            for f in dataclasses.fields(node):
                setattr(out, f.name, go(getattr(node, f.name), bound))
            return out
        if isinstance(node, list):
            return [go(v, bound) for v in node]
        if isinstance(node, tuple):
            return tuple(go(v, bound) for v in node)
        return node
    return go(e, frozenset())


def _unique_by_name(items):
    seen, out = set(), []
    for x in items:
        if x.name not in seen:
            seen.add(x.name)
            out.append(x)
    return out
