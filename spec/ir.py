"""The typed intermediate representation: what every engine consumes.

Produced by `spec.typecheck` from the AST. Names are resolved to symbols,
every expression has its type, constants are folded to values, and
conversions between integer ranges are explicit. Engines never see the AST.

Value representation (shared by the interpreter and the compiled engines):
an expression of `IntType` evaluates to the integer itself; of `BoolType` to
a bool (or 0/1); of any other type to the value's code (see `spec.types`).

Expression nodes:
    Lit(value)                 a constant in that representation
    Local(sym)                 a parameter, `let`, bound or `choose` variable
    VarRef(var)                a state variable (current value; in a step property, before the step)
    NextRef(var)               a state variable after the step (`x'`): only in a StepPropertyIR's cond
    Op(op, args, extra)        an operator; `OPS` lists them
    Quant(kind, binders, cond, body)
                               kind: forall exists set sum min max count map the
                               (`the x in S: P`: binders [x in S], cond P, body x)
    Match(subject, arms)       arms: (variant name | "some" | "none" | None, locals, body)
    LetIn(sym, value, body)    `let x = value in body`: value is evaluated first (even if body
                               does not read x), then body with x bound to it
    Call(fn, args)             a `def`, inlined by engines

Statements: Assign, LetS, Require, Assert, If, For, Choose.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum

from spec.diagnostics import Span
from spec.types import BoolType, IntType, Type
from spec.values import EncodeError, Fixed

# op name: meaning (arity)
OPS = {
    "add": "a + b", "sub": "a - b", "mul": "a * b", "div": "a / b (truncates toward zero)",
    "mod": "a % b (sign of a)", "floordiv": "a div b (rounds toward minus infinity)",
    "floormod": "a mod b (sign of b: 0..b-1 for b > 0)", "pow": "a ** b", "neg": "-a", "abs": "|a|",
    "eq": "a == b", "ne": "a != b", "lt": "a < b", "le": "a <= b", "gt": "a > b", "ge": "a >= b",
    "and": "a and b", "or": "a or b", "not": "not a", "implies": "a implies b",
    "ite": "if a then b else c",
    "in": "a in S", "union": "A | B", "inter": "A & B", "diff": "A - B", "subset": "A subset B",
    "card": "len(S) of a set", "setlit": "{a, b, ...}", "range": "a..b as a set",
    "get": "m[k] of a map", "field": "r.f (extra = field index)",
    "ufield": "u.f of a union value (extra = (variant, field index))",
    "is": "u is Variant (extra = variant name)", "ctor": "Variant(args) (extra = variant name)",
    "record": "record or tuple literal", "none": "none", "some": "some(a)", "isnone": "a is none",
    "issome": "a is some", "optget": "get(a)",
    "seqlit": "[a, b, ...]", "len": "len(q) of a sequence", "seqget": "q[i]", "append": "append(q, x)",
    "head": "head(q)", "tail": "tail(q)", "take": "take(q, n): the first n elements",
    "drop": "drop(q, n): all but the first n elements", "last": "last(q)", "concat": "q ++ r", "seqin": "x in q",
    "narrow": "integer stored into a smaller range: checked, a range violation if outside",
    "convert": "a composite value re-encoded into a type with other integer ranges (checked)",
    "minof": "min(a, b, ...)", "maxof": "max(a, b, ...)",
}


@dataclass(eq=False)
class Expr:
    type: Type
    span: Span | None = field(repr=False)

    label = None  # how explanations show this expression, when not its source text


@dataclass(eq=False)
class Lit(Expr):
    value: object = None


@dataclass(eq=False)
class LocalSym:
    name: str
    type: Type
    id: int
    span: Span | None = field(default=None, repr=False)


@dataclass(eq=False)
class VarSym:
    name: str
    type: Type
    index: int       # its place in CheckedModel.vars (where engines keep its value)
    span: Span | None = field(default=None, repr=False)


@dataclass(eq=False)
class SymConst(Expr):
    """A constant declared with a type and no value: any value its type and the `assume`s allow.

    Only the symbolic engines evaluate it; `concretize` in `checker.engines.symbolic` replaces it by a
    `Lit` once a value is known (to replay a trace).
    """

    const: "ConstInfo" = None  # type: ignore[assignment]


@dataclass(eq=False)
class Local(Expr):
    sym: LocalSym = None  # type: ignore[assignment]


@dataclass(eq=False)
class VarRef(Expr):
    var: VarSym = None  # type: ignore[assignment]


@dataclass(eq=False)
class NextRef(Expr):
    """`x'`: the variable's value after the step, in a step property (not a VarRef: an evaluator
    that does not know it fails rather than read the state before)."""

    var: VarSym = None  # type: ignore[assignment]


@dataclass(eq=False)
class Op(Expr):
    op: str = ""
    args: list[Expr] = field(default_factory=list)
    extra: object = None


@dataclass(eq=False)
class Binder:
    sym: LocalSym
    domain: Expr  # a set, a sequence or a map's key set


@dataclass(eq=False)
class Quant(Expr):
    kind: str = ""  # forall exists set sum min max map the
    binders: list[Binder] = field(default_factory=list)
    cond: Expr | None = None
    body: Expr | None = None
    key: Expr | None = None  # unused; map comprehensions bind the key as binders[0]


@dataclass(eq=False)
class MatchArm:
    pattern: str | None  # variant name, "some", "none", or None for `_`
    locals: list[LocalSym]
    body: Expr


@dataclass(eq=False)
class Match(Expr):
    subject: Expr = None  # type: ignore[assignment]
    arms: list[MatchArm] = field(default_factory=list)


@dataclass(eq=False)
class LetIn(Expr):
    sym: LocalSym = None  # type: ignore[assignment]
    value: Expr = None  # type: ignore[assignment]
    body: Expr = None  # type: ignore[assignment]


@dataclass(eq=False)
class DefSym:
    name: str
    params: list[LocalSym]
    ret: Type | None
    body: Expr | None = None
    span: Span | None = field(default=None, repr=False)
    reads_state: bool = False


@dataclass(eq=False)
class Call(Expr):
    fn: DefSym = None  # type: ignore[assignment]
    args: list[Expr] = field(default_factory=list)


# ---- statements ------------------------------------------------------------

@dataclass(eq=False)
class Stmt:
    span: Span | None = field(repr=False)


@dataclass(eq=False)
class PathStep:
    kind: str  # "get" (map key), "seqget" (index), "field" (record field index)
    arg: object  # Expr for get/seqget, int for field
    type: Type   # the type of the location after this step


@dataclass(eq=False)
class Assign(Stmt):
    var: VarSym = None  # type: ignore[assignment]
    path: list[PathStep] = field(default_factory=list)
    value: Expr = None  # type: ignore[assignment]  # already of the location's type


@dataclass(eq=False)
class LetS(Stmt):
    sym: LocalSym = None  # type: ignore[assignment]
    value: Expr = None  # type: ignore[assignment]


@dataclass(eq=False)
class Require(Stmt):
    cond: Expr = None  # type: ignore[assignment]


@dataclass(eq=False)
class Assert(Stmt):
    cond: Expr = None  # type: ignore[assignment]
    message: str | None = None


@dataclass(eq=False)
class If(Stmt):
    cond: Expr = None  # type: ignore[assignment]
    then: list[Stmt] = field(default_factory=list)
    orelse: list[Stmt] = field(default_factory=list)


@dataclass(eq=False)
class For(Stmt):
    sym: LocalSym = None  # type: ignore[assignment]
    domain: Expr = None  # type: ignore[assignment]
    body: list[Stmt] = field(default_factory=list)


@dataclass(eq=False)
class Choose(Stmt):
    sym: LocalSym = None  # type: ignore[assignment]
    domain: Expr = None  # type: ignore[assignment]


# ---- the model -------------------------------------------------------------

@dataclass(eq=False)
class ActionIR:
    name: str
    params: list[LocalSym]
    body: list[Stmt]
    span: Span | None = field(default=None, repr=False)


@dataclass(eq=False)
class InvariantIR:
    name: str
    cond: Expr
    span: Span | None = field(default=None, repr=False)
    kind: str = "invariant"  # or "converge": replicas that agree on a key agree on their state


@dataclass(eq=False)
class StepPropertyIR:
    """`step Name: cond`: cond holds of every step (pre-state, post-state) that changes the state.

    TLA+'s [][cond]_vars: a stuttering step (no variable changes) satisfies it, so engines check
    cond only on transitions whose next state differs. VarRef reads the state before, NextRef after."""

    name: str
    cond: Expr
    span: Span | None = field(default=None, repr=False)


@dataclass(eq=False)
class RefinementIR:
    """`refines A from "path" { ... }`: the model implements the abstract model under `mapping` (one
    expression over the concrete state per abstract variable, in the abstract model's order). Every
    initial state maps to an abstract initial state; every step maps to a step of an abstract action
    or to a stutter (the mapped state unchanged). The reference meaning is spec.refinement."""

    name: str                     # "refines A": the property's name in results
    abstract: "CheckedModel"
    mapping: list                 # Expr per abstract variable
    span: Span | None = field(default=None, repr=False)
    path: str = ""                # as written


@dataclass(eq=False)
class ConstraintIR:
    """A state constraint (TLC's CONSTRAINT): a state where `cond` is false (or cannot be evaluated)
    is checked like any state when generated but is not stored, counted or expanded; an initial
    state where it is false is dropped. See docs/language.md, "State constraints"."""

    name: str
    cond: Expr
    span: Span | None = field(default=None, repr=False)


class TemporalKind(StrEnum):
    """What a temporal property says of its predicates P (and Q); the semantics on a lasso are in
    checker/core/temporal.py."""

    ALWAYS = "always"
    EVENTUALLY = "eventually"
    ALWAYS_EVENTUALLY = "always_eventually"
    EVENTUALLY_ALWAYS = "eventually_always"
    LEADS_TO = "leads_to"
    FORMULA = "formula"      # any other nesting: PropertyIR.formula, checked by checker/engines/explicit/ltl.py


class FairnessKind(StrEnum):
    """Weak or strong fairness of a condition: one action instance, or a group (see FairnessIR)."""

    WEAK = "weak"        # enabled from some point on for ever: taken eventually
    STRONG = "strong"    # enabled infinitely often: taken infinitely often


@dataclass(eq=False)
class TemporalFormula:
    """A temporal formula over state predicates (LTL without next or until).

    op is "atom" (`expr`: a boolean Expr of one state), "not", "and", "or", "implies",
    "always", "eventually" or "leads_to" (`a leads_to b` is `always (a implies eventually b)`);
    args are the operands (TemporalFormula)."""

    op: str
    args: list = field(default_factory=list)
    expr: Expr | None = None
    span: Span | None = field(default=None, repr=False)

    def atoms(self) -> list[Expr]:
        """The state predicates, left to right, each once (by identity)."""
        if self.op == "atom":
            return [self.expr]
        out: list[Expr] = []
        for a in self.args:
            out += [e for e in a.atoms() if all(e is not x for x in out)]
        return out


@dataclass(eq=False)
class PropertyIR:
    """A temporal property over state predicates p (and q for leads_to), for every binding of binders.

    `formula` is the whole formula (every kind has one); for kind FORMULA it is the only
    meaning and p is its first state predicate (for messages), q None."""

    name: str
    kind: TemporalKind
    binders: list[Binder]
    p: Expr
    q: Expr | None = None
    span: Span | None = field(default=None, repr=False)
    formula: TemporalFormula | None = field(default=None, repr=False)

    def predicates(self) -> list[Expr]:
        """Every state predicate the property evaluates."""
        if self.kind == TemporalKind.FORMULA:
            return self.formula.atoms()
        return [e for e in (self.p, self.q) if e is not None]


@dataclass(eq=False)
class FairnessIR:
    """`fairness weak A` (grouped False): each instance of action A (each value of its parameters) is
    a fairness condition of its own. `fairness weak {A, B}` (grouped True): one condition for every
    instance of every action listed, together: enabled when one of them is, taken when one of them
    is (TLA+'s WF_vars(A \\/ B), and WF_vars(\\E i: A(i)) for `{A}`)."""

    kind: FairnessKind
    actions: tuple[int, ...]       # indexes into CheckedModel.actions; one when not grouped
    span: Span | None = field(default=None, repr=False)
    grouped: bool = False


def fairness_conditions(model: "CheckedModel", instances) -> list[tuple[FairnessKind, tuple[int, ...]]]:
    """The fairness conditions of a model, each (kind, the instances it covers, ascending), without
    repeats, in declaration order. `instances` are (action index, ...) pairs in instance order, as
    the engines number them; a per-instance declaration gives one condition per instance. A condition
    declared weakly and strongly fair is strongly fair only (strong implies weak)."""
    by_action: dict[int, list[int]] = {}
    for inst, (k, *_) in enumerate(instances):
        by_action.setdefault(k, []).append(inst)
    out: list = []
    seen = set()
    for f in model.fairness:
        if f.grouped:
            conds = [tuple(sorted(i for k in set(f.actions) for i in by_action.get(k, ())))]
        else:
            conds = [(i,) for k in f.actions for i in by_action.get(k, ())]
        for c in conds:
            if c and (f.kind, c) not in seen:
                seen.add((f.kind, c))
                out.append((f.kind, c))
    # strong fairness implies weak fairness of the same condition
    return [(k, c) for k, c in out if k == FairnessKind.STRONG or (FairnessKind.STRONG, c) not in seen]


@dataclass(eq=False)
class CommuteIR:
    name: str
    first: int
    second: int
    span: Span | None = field(default=None, repr=False)


@dataclass(eq=False)
class DeterministicIR:
    name: str
    action: int
    span: Span | None = field(default=None, repr=False)


@dataclass(eq=False)
class ConstInfo:
    name: str
    type: Type
    value: object  # in the expression representation
    span: Span | None = field(default=None, repr=False)
    overridden: bool = False
    symbolic: bool = False          # no value: a SymConst, or (expr set) defined from one
    expr: Expr | None = None        # the definition of a constant derived from a symbolic one


@dataclass(eq=False)
class AssumeIR:
    """An `assume` on symbolic constants, kept for the symbolic engines (others are checked at load)."""

    name: str | None
    cond: Expr
    span: Span | None = field(default=None, repr=False)


@dataclass(eq=False)
class CheckedModel:
    """A type-checked model with its constants fixed: the input of every engine."""

    name: str
    path: str
    vars: list[VarSym]
    consts: dict[str, ConstInfo]
    defs: dict[str, DefSym]
    init: list[Stmt]
    actions: list[ActionIR]
    invariants: list[InvariantIR]
    types: dict[str, Type]
    properties: list = field(default_factory=list)     # PropertyIR
    fairness: list = field(default_factory=list)       # FairnessIR
    deterministic: list = field(default_factory=list)  # DeterministicIR
    commutes: list = field(default_factory=list)       # CommuteIR
    symmetric: list = field(default_factory=list)  # ModelValueTypes used symmetrically
    warnings: list = field(default_factory=list)   # Diagnostics
    sources: dict = field(default_factory=dict)    # path -> text, every file loaded
    span: Span | None = field(default=None, repr=False)
    assumptions: list = field(default_factory=list)  # AssumeIR on symbolic constants
    step_properties: list = field(default_factory=list)  # StepPropertyIR
    constraints: list = field(default_factory=list)  # ConstraintIR: the states the search keeps
    refinements: list = field(default_factory=list)  # RefinementIR

    @property
    def state_bits(self) -> int:
        """How many bits the values of all the variables take together (bounded by `MAX_WIDTH`)."""
        return sum(v.type.bits for v in self.vars)

    def var(self, name: str) -> VarSym:
        for v in self.vars:
            if v.name == name:
                return v
        raise KeyError(name)

    def const_values(self) -> dict[str, object]:
        """Constants as plain values (for traces and reports)."""
        return {c.name: decode_value(c.type, c.value) for c in self.consts.values() if not c.symbolic}

    def symbolic_consts(self) -> list[ConstInfo]:
        """The constants declared with a type and no value (not those derived from them)."""
        return [c for c in self.consts.values() if c.symbolic and c.expr is None]


def decode_value(t: Type, value):
    """An expression-representation value as a plain value (`spec.values`)."""
    if isinstance(t, IntType):
        return Fixed(int(value), t.decimals) if t.decimals else int(value)
    if isinstance(t, BoolType):
        return bool(value)
    return t.decode(value)


def encode_value(t: Type, plain):
    """A plain value in the expression representation of type `t`."""
    if isinstance(t, IntType):
        if isinstance(plain, bool) or not isinstance(plain, int):
            raise EncodeError(f"expected an integer, got {plain!r}")
        if not t.lo <= plain <= t.hi:
            raise EncodeError(f"{plain} is outside {t.show()}")
        return int(plain)
    if isinstance(t, BoolType):
        if not isinstance(plain, bool):
            raise EncodeError(f"expected a boolean, got {plain!r}")
        return plain
    return t.encode(plain)


def iter_ir(node, into_defs: bool = True):
    """Every IR expression node under `node` (an Expr, Stmt or list of them), and under the bodies
    of the defs it calls unless `into_defs` is false."""
    stack = [node]
    while stack:
        n = stack.pop()
        if isinstance(n, list):
            stack.extend(n)
            continue
        if isinstance(n, Expr):
            yield n
            if isinstance(n, Op):
                stack.extend(n.args)
            elif isinstance(n, Quant):
                stack.extend(b.domain for b in n.binders)
                stack.extend(x for x in (n.cond, n.body) if x is not None)
            elif isinstance(n, Match):
                stack.append(n.subject)
                stack.extend(a.body for a in n.arms)
            elif isinstance(n, LetIn):
                stack.extend((n.value, n.body))
            elif isinstance(n, Call):
                stack.extend(n.args)
                if into_defs and n.fn.body is not None:
                    stack.append(n.fn.body)
        elif isinstance(n, Stmt):
            for v in vars(n).values():
                if isinstance(v, (Expr, list)):
                    stack.append(v)
                elif isinstance(v, PathStep) and isinstance(v.arg, Expr):
                    stack.append(v.arg)
            if isinstance(n, Assign):
                stack.extend(p.arg for p in n.path if isinstance(p.arg, Expr))
        elif isinstance(n, PathStep) and isinstance(n.arg, Expr):
            stack.append(n.arg)
