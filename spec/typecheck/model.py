"""The type checker's entry point: the AST of a model (and its imports) to a `CheckedModel`.

One pass over the declarations resolves every name, evaluates constants,
assigns every expression its type and makes integer-range conversions
explicit. Errors are collected (E2xx names, E3xx types, E4xx constants) and
raised together at the end, each pointing at its source.

`TypeChecker` is the parts of the checker combined, one module each:
declarations (`spec.typecheck.declarations`), constants (`.constants`), type
expressions (`.type_exprs`), statements (`.statements`), expressions
(`.expressions`, `.names`, `.operators`, `.literals`), built-in functions
(`.builtins`), properties (`.properties`), step properties (`.steps`) and refinement mappings
(`.refinement`).
"""

from __future__ import annotations

from spec import ast, ir
from spec.desugar import desugar
from spec.typecheck.builtins import Builtins
from spec.typecheck.constants import Constants
from spec.typecheck.declarations import Declarations
from spec.typecheck.expressions import Expressions
from spec.typecheck.literals import Literals
from spec.typecheck.names import Names
from spec.typecheck.operators import Operators
from spec.typecheck.properties import Properties
from spec.typecheck.refinement import Refinements
from spec.typecheck.state import ConstOverride
from spec.typecheck.statements import Statements
from spec.typecheck.steps import Steps
from spec.typecheck.type_exprs import TypeExpressions
from spec.typecheck.typesets import TypeSets
from spec.types import ModelValueType


class TypeChecker(Declarations, Constants, TypeExpressions, Statements, Properties, Steps, Refinements, Expressions,
                  Names, Operators, Literals, Builtins, TypeSets):
    """Names and types of a list of modules, the main one first."""

    def check(self) -> ir.CheckedModel:
        """The checked model: declarations in the order that lets each use those it needs."""
        decls = [d for m in self.modules for d in m.decls]
        self._register(decls)
        early = self._constants(decls)
        self._variables([d for d in decls if isinstance(d, ast.Var)])
        for name in list(self.def_decls):
            self._def(name)
        init_decls = [d for d in self.main.decls if isinstance(d, ast.Init)]
        init = self._init(init_decls)
        actions = [self._action(d) for d in decls if isinstance(d, ast.Action)]
        invariants = self._invariants(decls)
        step_properties = self._step_properties(decls)
        constraints = self._constraints(decls)
        refinements = self._refinements()
        self.action_index = {a.name: i for i, a in enumerate(actions)}
        properties, fairness, deterministic, commutes = self._temporal(decls, actions)
        for d in decls:
            if isinstance(d, ast.Assume) and d not in early:
                self._assume(d)
        if not actions and init_decls:
            self.diag.warn("W102", "the model has no actions: every initial state is a deadlock",
                           self.main.span)
        self.diag.done()
        symmetric = self._symmetry()
        return ir.CheckedModel(
            name=self.main.name, path=self.main.source.name if self.main.source else "",
            vars=list(self.vars.values()), consts=self.consts, defs=self.defs, init=init,
            actions=actions, invariants=invariants, types=dict(self.types),
            symmetric=symmetric, warnings=list(self.diag.warnings), properties=properties,
            fairness=fairness, deterministic=deterministic, commutes=commutes,
            sources={m.source.name: m.source.text for m in self.modules if m.source},
            span=self.main.span, assumptions=self.assumptions, step_properties=step_properties,
            constraints=constraints, refinements=refinements)

    def _symmetry(self) -> list[ModelValueType]:
        """The symmetric sets the engines may reduce by: W101 for those the model breaks."""
        out = []
        for t in self.types.values():
            if not (isinstance(t, ModelValueType) and t.symmetric):
                continue
            if t in self.member_refs:
                span = self.member_refs[t]
                self.diag.warn("W101", f"symmetry of '{t.name}' is off: the model names one of its members",
                               span, "a symmetric set's members must be interchangeable; "
                               "declare it without 'symmetric' or refer only to the whole set")
                continue
            if t in self.asym_loops:
                self.diag.warn("W101", f"symmetry of '{t.name}' is off: this loop's result may depend on the "
                               "order of its members", self.asym_loops[t],
                               "loops over a symmetric set may only update the entry of the loop variable")
                continue
            out.append(t)
        return out


def check(modules: list[ast.Module], overrides: dict[str, ConstOverride] | None = None,
          abstracts: dict | None = None) -> ir.CheckedModel:
    """Names and types of the main module (first) and its imports, constants fixed; `abstracts`:
    the abstract models of its `refines` declarations, by the path each names
    (`spec.loader` loads them)."""
    checker = TypeChecker(desugar(modules), overrides)
    checker.abstracts = abstracts or {}
    return checker.check()
