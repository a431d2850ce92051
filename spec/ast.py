"""The abstract syntax tree: what the parser produces, before names and types.

Every node carries the `Span` it was parsed from, so every later phase can
point at the source. Nothing here is typed or resolved; `spec.typecheck` turns
this tree into the IR (`spec.ir`) that engines consume.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from spec.diagnostics import Source, Span


@dataclass
class Node:
    span: Span = field(repr=False, compare=False)


# ---- types ---------------------------------------------------------------

@dataclass
class TBool(Node):
    pass


@dataclass
class TRange(Node):
    lo: "Expr"
    hi: "Expr"
    capacity: bool = False   # 0..N counting the messages of a channel `with reordering` (N its capacity)


@dataclass
class TFixed(Node):
    """fixed(D) lo..hi: amounts with D decimals; integer bounds are whole units."""

    decimals: int
    lo: "Expr"
    hi: "Expr"


@dataclass
class TSet(Node):
    elem: "TypeExpr"


@dataclass
class TMap(Node):
    key: "TypeExpr"
    value: "TypeExpr"


@dataclass
class TSeq(Node):
    elem: "TypeExpr"
    capacity: "Expr"


@dataclass
class TOption(Node):
    elem: "TypeExpr"


@dataclass
class TTuple(Node):
    elems: list["TypeExpr"]


@dataclass
class Field(Node):
    name: str
    type: "TypeExpr"


@dataclass
class TRecord(Node):
    fields: list[Field]


@dataclass
class TName(Node):
    name: str


TypeExpr = TBool | TRange | TFixed | TSet | TMap | TSeq | TOption | TTuple | TRecord | TName


@dataclass
class Variant(Node):
    name: str
    fields: list[Field] | None


@dataclass
class UnionDef(Node):
    variants: list[Variant]


# ---- expressions ---------------------------------------------------------

@dataclass
class IntLit(Node):
    value: int


@dataclass
class DecLit(Node):
    """A decimal literal such as 12.50: `units` of 10**-decimals (1250, 2)."""

    units: int
    decimals: int


@dataclass
class BoolLit(Node):
    value: bool


@dataclass
class NoneLit(Node):
    pass


@dataclass
class Name(Node):
    name: str


@dataclass
class Primed(Node):
    """`x'`: state variable x after the step; only in a `step` property (see spec.typecheck.steps)."""

    name: str


@dataclass
class Binary(Node):
    """op is one of: + - * / % ** ++ | & .. == != < <= > >= in notin subset and or implies"""

    op: str
    left: "Expr"
    right: "Expr"


@dataclass
class Unary(Node):
    op: str  # "-" or "not"
    operand: "Expr"


@dataclass
class IsTest(Node):
    operand: "Expr"
    pattern: str  # a variant name, "some" or "none"
    pattern_span: Span = field(repr=False, compare=False)


@dataclass
class Index(Node):
    base: "Expr"
    index: "Expr"


@dataclass
class FieldAccess(Node):
    base: "Expr"
    name: str
    name_span: Span = field(repr=False, compare=False)


@dataclass
class Binding(Node):
    names: list[tuple[str, Span]]
    domain: "Expr"


@dataclass
class Generator(Node):
    bindings: list[Binding]
    condition: "Expr | None"


@dataclass
class Call(Node):
    name: str
    name_span: Span = field(repr=False, compare=False)
    args: list["Expr"] = field(default_factory=list)
    body: "Expr | None" = None          # sum(body for x in S if c)
    generator: Generator | None = None


@dataclass
class Quant(Node):
    kind: str  # "forall" | "exists" | "the" (one binder: the unique element satisfying body)
    generator: Generator
    body: "Expr"


@dataclass
class Ite(Node):
    cond: "Expr"
    then: "Expr"
    orelse: "Expr"


@dataclass
class LetIn(Node):
    """`let x = value in body` in an expression (the statement `let` is `Let`)."""

    name: str
    name_span: Span = field(repr=False, compare=False)
    value: "Expr"
    body: "Expr"
    type: "TypeExpr | None" = None   # `let x: T = v in e`: v is checked (and range-checked) as a T


@dataclass
class TupleLit(Node):
    elems: list["Expr"]


@dataclass
class SetLit(Node):
    elems: list["Expr"]  # empty for `{}`


@dataclass
class SetComp(Node):
    elem: "Expr"
    generator: Generator


@dataclass
class PairsLit(Node):
    """`{a: 1, b: 2}`: a record literal or a map literal, decided by type."""

    pairs: list[tuple["Expr", "Expr"]]


@dataclass
class MapComp(Node):
    key: "Expr"
    value: "Expr"
    generator: Generator


@dataclass
class SeqLit(Node):
    elems: list["Expr"]


@dataclass
class Pattern(Node):
    kind: str  # "ctor" | "some" | "none" | "any"
    name: str | None = None
    binds: list[tuple[str, Span]] = field(default_factory=list)
    has_parens: bool = False


@dataclass
class Arm(Node):
    pattern: Pattern
    body: "Expr"


@dataclass
class Match(Node):
    subject: "Expr"
    arms: list[Arm]


@dataclass
class TypeSet(Node):
    """A type written as an expression, `map[0..1, bool]` or `seq[T, N]`: the set of all its values.

    The parser makes one where only a type can be meant; the type checker reads other spellings
    (`bool`, `set[T]`, `option[T]`, a tuple or a record of types where a set is expected) with
    `spelled_type`."""

    type: TypeExpr


Expr = (IntLit | DecLit | BoolLit | NoneLit | Name | Primed | Binary | Unary | IsTest | Index | FieldAccess | Call
        | Quant | Ite | LetIn | TupleLit | SetLit | SetComp | PairsLit | MapComp | SeqLit | Match | TypeSet)


def spelled_type(e: "Expr") -> TypeExpr | None:
    """The type that expression e spells, read as the grammar reads a type: `bool`, a name, `lo..hi`,
    `set[T]`, `option[T]`, `(T, U)`, `{f: T}`, a `TypeSet`; None when e is no type. Nothing is
    resolved: whether the names are types is for the type checker to say."""
    if isinstance(e, TypeSet):
        return e.type
    if isinstance(e, Name):
        return TBool(e.span) if e.name == "bool" else TName(e.span, e.name)
    if isinstance(e, Binary) and e.op == "..":
        return TRange(e.span, e.left, e.right)
    if isinstance(e, Index) and isinstance(e.base, Name) and e.base.name in ("set", "option"):
        elem = spelled_type(e.index)
        if elem is None:
            return None
        return TSet(e.span, elem) if e.base.name == "set" else TOption(e.span, elem)
    if isinstance(e, TupleLit):
        elems = [spelled_type(x) for x in e.elems]
        return None if any(x is None for x in elems) else TTuple(e.span, elems)
    if isinstance(e, PairsLit):
        fields = [Field(k.span, k.name, spelled_type(v)) for k, v in e.pairs if isinstance(k, Name)]
        if len(fields) != len(e.pairs) or any(f.type is None for f in fields):
            return None
        return TRecord(e.span, fields)
    return None


# ---- statements ----------------------------------------------------------

@dataclass
class LName(Node):
    name: str


@dataclass
class LIndex(Node):
    base: "LValue"
    index: Expr


@dataclass
class LField(Node):
    base: "LValue"
    name: str


LValue = LName | LIndex | LField


@dataclass
class Assign(Node):
    target: LValue
    value: Expr


@dataclass
class Let(Node):
    name: str
    name_span: Span = field(repr=False, compare=False)
    value: Expr = None  # type: ignore[assignment]
    type: "TypeExpr | None" = None   # `let x: T = e`: e is checked (and range-checked) as a T


@dataclass
class Require(Node):
    cond: Expr


@dataclass
class Assert(Node):
    cond: Expr
    message: str | None


@dataclass
class If(Node):
    cond: Expr
    then: list["Stmt"]
    orelse: list["Stmt"]


@dataclass
class For(Node):
    var: str
    var_span: Span = field(repr=False, compare=False)
    domain: Expr = None  # type: ignore[assignment]
    body: list["Stmt"] = field(default_factory=list)


@dataclass
class Choose(Node):
    var: str
    var_span: Span = field(repr=False, compare=False)
    domain: Expr = None  # type: ignore[assignment]


@dataclass
class Skip(Node):
    pass


@dataclass
class Send(Node):
    value: Expr
    channel: str
    channel_span: Span = field(repr=False, compare=False)


@dataclass
class Receive(Node):
    var: str
    var_span: Span = field(repr=False, compare=False)
    channel: str = ""
    channel_span: Span = field(repr=False, compare=False, default=None)  # type: ignore[assignment]


Stmt = Assign | Let | Require | Assert | If | For | Choose | Skip | Send | Receive


# ---- declarations --------------------------------------------------------

@dataclass
class Import(Node):
    path: str


@dataclass
class Const(Node):
    name: str
    type: TypeExpr | None
    value: Expr | None
    symmetric: bool = False
    members: list[tuple[str, Span]] | None = None  # model values, when given by name
    size: int | None = None                        # `symmetric 3`


@dataclass
class Assume(Node):
    name: str | None
    cond: Expr


@dataclass
class Enum(Node):
    name: str
    members: list[tuple[str, Span]]


@dataclass
class TypeDef(Node):
    name: str
    rhs: TypeExpr | UnionDef


@dataclass
class Var(Node):
    names: list[tuple[str, Span]]
    type: TypeExpr


@dataclass
class Param(Node):
    name: str
    type: TypeExpr


@dataclass
class Def(Node):
    name: str
    params: list[Param]
    ret: TypeExpr | None
    body: Expr


@dataclass
class Init(Node):
    body: list[Stmt]


@dataclass
class Action(Node):
    name: str
    params: list[Param]
    body: list[Stmt]


@dataclass
class Invariant(Node):
    name: str
    cond: Expr


@dataclass
class StepProperty(Node):
    """`step Name: expr`: holds of every step (TLA+'s [][expr]_vars); `x` before it, `x'` after it."""

    name: str
    cond: Expr


@dataclass
class Constraint(Node):
    """`constraint Name: expr`: a state predicate bounding the search (TLC's CONSTRAINT)."""

    name: str
    cond: Expr


@dataclass
class Property(Node):
    """`property Name: <temporal formula>`: always, eventually, leads_to over state predicates."""

    name: str
    formula: Expr


@dataclass
class FairGroup(Node):
    """`{A, B}` in a fairness declaration: every instance of the actions together, one condition."""

    actions: list[tuple[str, Span]]


@dataclass
class Fairness(Node):
    """`fairness weak A, {B, C}`: `actions` are fair per instance, each group as one condition."""

    kind: str  # "weak" | "strong"
    actions: list[tuple[str, Span]]
    groups: list[FairGroup] = field(default_factory=list)


@dataclass
class Deterministic(Node):
    actions: list[tuple[str, Span]] | None  # None: every action


@dataclass
class Converge(Node):
    """`converge Name: forall n in S: key(n) determines state(n)`."""

    name: str
    var: str
    var_span: Span = field(repr=False, compare=False)
    domain: Expr = None  # type: ignore[assignment]
    key: Expr = None  # type: ignore[assignment]
    state: Expr = None  # type: ignore[assignment]


@dataclass
class Commute(Node):
    first: tuple[str, Span]
    second: tuple[str, Span]


@dataclass
class Process(Node):
    """`process Name[n in SET] { var ... init ... action ... invariant ... }`: sugar, see spec.desugar."""

    name: str
    var: str
    var_span: Span = field(repr=False, compare=False)
    domain: str = ""
    domain_span: Span = field(repr=False, compare=False, default=None)  # type: ignore[assignment]
    items: list = field(default_factory=list)


@dataclass
class Channel(Node):
    """`channel net: Msg capacity 3 with loss, duplication, reordering`: sugar, see spec.desugar."""

    name: str
    elem: TypeExpr
    capacity: Expr
    faults: list[tuple[str, Span]]


@dataclass
class RefineEntry(Node):
    """`avar = expr` in a `refines` mapping: the abstract variable's value in a concrete state."""

    name: str
    value: Expr


@dataclass
class Refines(Node):
    """`refines Name from "path" { avar = expr ... }`: this model implements the model in `path`
    (called `Name`) under the mapping (see spec.typecheck.refinement, spec.refinement)."""

    name: str
    path: str
    entries: list[RefineEntry]
    name_span: Span = field(repr=False, compare=False, default=None)  # type: ignore[assignment]


Decl = (Import | Const | Assume | Enum | TypeDef | Var | Def | Init | Action | Invariant | StepProperty | Constraint
        | Property | Fairness | Deterministic | Converge | Commute | Process | Channel | Refines)


@dataclass
class Module(Node):
    name: str
    decls: list[Decl]
    source: Source = field(repr=False, compare=False, default=None)  # type: ignore[assignment]


def walk(node):
    """Every AST node under node (itself included), depth first; lists and tuples are looked into."""
    stack = [node]
    while stack:
        n = stack.pop()
        if isinstance(n, Node):
            yield n
            stack.extend(reversed(list(vars(n).values())))
        elif isinstance(n, (list, tuple)):
            stack.extend(reversed(n))
