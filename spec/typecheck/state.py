"""What every part of the type checker shares: its state, scopes, the signals that abandon an expression.

`CheckerState` holds what the checker has learnt so far (declarations, constants,
types, variables, definitions) and the diagnostics it collected; each part of the
checker (declarations, constants, type expressions, statements, expressions,
built-ins, properties) is a class that adds its methods to it, and
`spec.typecheck.model.TypeChecker` combines them.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field

from spec import ast, ir
from spec.diagnostics import Collector, Span
from spec.types import BoolType, ModelValueType, Type, UnionType

BOOL = BoolType()
MAX_DOMAIN = 1 << 16      # values of a type or a range used as a set of all its values
LIMITS = "the limits are in section 10 of docs/language.md, \"The state and its limits\""


class Ambiguous(Exception):
    """Raised (internally) when a bare name needs an expected type to resolve."""


class Bail(Exception):
    """An error was reported; abandon the current expression."""


class FailedLocal:
    """What a `let`, `choose` or `let ... in` name stands for once its value failed to check (and was
    reported): a use of it abandons its expression quietly, instead of an `unknown name` at every use."""

    def __repr__(self) -> str:
        return "FAILED_LOCAL"


FAILED_LOCAL = FailedLocal()


@dataclass


class ConstOverride:
    """A `--const NAME=VALUE` from the command line, already parsed."""

    name: str
    expr: ast.Expr | None = None     # a value in the language's syntax
    size: int | None = None          # `RM=4` for a set of model values
    members: list[str] | None = None  # `RM={a,b}` for a set of model values
    text: str = ""


@dataclass


class Scope:
    names: dict = field(default_factory=dict)
    parent: "Scope | None" = None
    state: bool = True          # may read state variables
    what: str = "expression"   # for messages: "constant", "invariant", ...
    primed: bool = False       # may read variables after the step (`x'`): in a step property

    def lookup(self, name: str):
        s = self
        while s is not None:
            if name in s.names:
                return s.names[name]
            s = s.parent
        return None

    def child(self) -> "Scope":
        return Scope({}, self, self.state, self.what, self.primed)

    def all_names(self):
        s = self
        while s is not None:
            yield from s.names
            s = s.parent


class CheckerState:
    """The modules being checked and everything resolved in them so far."""

    def __init__(self, modules: list[ast.Module], overrides: dict[str, ConstOverride] | None = None):
        self.modules = modules
        self.main = modules[0]
        self.overrides = dict(overrides or {})
        self.diag = Collector()
        self.types: dict[str, Type] = {}
        self.type_decls: dict[str, ast.TypeDef] = {}
        self.type_resolving: set[str] = set()
        self.values: dict[str, list[tuple[Type, int, str]]] = {}  # name -> (type, code, kind)
        self.ctors: dict[str, list[tuple[UnionType, str]]] = {}
        self.const_decls: dict[str, ast.Const] = {}
        self.consts: dict[str, ir.ConstInfo] = {}
        self.const_resolving: set[str] = set()
        self.const_failed: set[str] = set()  # reported once; later uses bail quietly
        self.vars: dict[str, ir.VarSym] = {}
        self.def_decls: dict[str, ast.Def] = {}
        self.defs: dict[str, ir.DefSym] = {}
        self.def_resolving: set[str] = set()
        self.decl_spans: dict[str, Span] = {}
        self.prop_spans: dict[str, Span] = {}
        self.local_ids = itertools.count()
        self.trying = 0  # > 0 inside _try: an ambiguous name raises Ambiguous instead of E307
        self.var_names: set[str] = set()  # known before the vars' types are (constants come first)
        self.bad_vars: set[str] = set()   # their type failed (reported): uses bail quietly
        self.member_refs: dict[ModelValueType, Span] = {}  # symmetric members named in the model
        self.asym_loops: dict[ModelValueType, Span] = {}
        self.assumptions: list[ir.AssumeIR] = []   # assumes on symbolic constants
        self.symbolic_reported: set[str] = set()
        self.action_index: dict[str, int] = {}     # action name -> its index, once the actions are checked


def first_duplicate(names):
    seen = set()
    for n in names:
        if n in seen:
            return n
        seen.add(n)
    return None


def span_text(span) -> str | None:
    """The source text of a one-line span (None for a longer one)."""
    if span is None or span.line != span.end_line:
        return None
    return span.source.line(span.line)[span.col - 1: span.end_col - 1] or None
