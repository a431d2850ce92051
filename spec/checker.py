"""Names and types: the AST of a model (and its imports) to a `CheckedModel`.

One pass over the declarations resolves every name, evaluates constants,
assigns every expression its type and makes integer-range conversions
explicit. Errors are collected (E2xx names, E3xx types, E4xx constants) and
raised together at the end, each pointing at its source.

Typing is bidirectional: an expected type flows into literals and names, so
`{}` and `none` get their type from where they are used, and an enum member
shared by two enums (`committed`) resolves by context.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field

from . import ast, ir
from . import values as V
from .diagnostics import Collector, Diagnostic, Span, SpecError, suggest
from .interp import ConstEvalError, eval_const
from .types import (MAX_CAPACITY, MAX_ELEMENT_CODES, MAX_MODEL_VALUES, MAX_WIDTH, BoolType, EnumType, IntType,
                    MapType, ModelValueType, OptionType, RecordType, SeqType, SetType, TupleType, Type, UnionType,
                    amount, element_limit, fits, join, over_limit, same_shape, tuple_type)

BOOL = BoolType()
MAX_DOMAIN = 1 << 16      # values of a type or a range used as a set of all its values
LIMITS = "the limits are in section 10 of docs/language.md, \"The state and its limits\""
BUILTINS = {"len", "sum", "min", "max", "some", "get", "append", "head", "tail", "last", "abs", "take", "drop",
            "mul", "div", "round", "fixed"}
ROUNDING = ("down", "up", "half_even")


class _Ambiguous(Exception):
    """Raised (internally) when a bare name needs an expected type to resolve."""


class _Bail(Exception):
    """An error was reported; abandon the current expression."""


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

    def lookup(self, name: str):
        s = self
        while s is not None:
            if name in s.names:
                return s.names[name]
            s = s.parent
        return None

    def child(self) -> "Scope":
        return Scope({}, self, self.state, self.what)

    def all_names(self):
        s = self
        while s is not None:
            yield from s.names
            s = s.parent


class Checker:
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
        self.trying = 0  # > 0 inside _try: an ambiguous name raises _Ambiguous instead of E307
        self.var_names: set[str] = set()  # known before the vars' types are (constants come first)
        self.bad_vars: set[str] = set()   # their type failed (reported): uses bail quietly
        self.member_refs: dict[ModelValueType, Span] = {}  # symmetric members named in the model
        self.asym_loops: dict[ModelValueType, Span] = {}
        self.assumptions: list[ir.AssumeIR] = []   # assumes on symbolic constants
        self.symbolic_reported: set[str] = set()

    # ---- entry --------------------------------------------------------------

    def check(self) -> ir.CheckedModel:
        decls = [d for m in self.modules for d in m.decls]
        self._register(decls)
        for name in list(self.const_decls):
            self._const(name)
        for name in list(self.type_decls):
            self._named_type(name, self.type_decls[name].span)
        early = [d for d in decls if isinstance(d, ast.Assume) and self._only_constants(d.cond)]
        for d in early:
            self._assume(d)
        if any(x.code in ("E402", "E405") for x in self.diag.items):
            self.diag.done()  # constants that break an assumption would only cause follow-on errors
        for name, o in self.overrides.items():
            if name not in self.const_decls:
                self.diag.error("E403", f"--const {name}: the model has no constant '{name}'", None,
                                suggest(name, self.const_decls) or
                                f"constants: {', '.join(sorted(self.const_decls)) or 'none'}")
        var_decls = [d for d in decls if isinstance(d, ast.Var)]
        offset = 0
        for d in var_decls:
            t = self._type(d.type, self._const_scope())
            if t is not None and not self._state_fits(offset, t, d):
                t = None
            if t is None:
                self.bad_vars.update(n for n, _ in d.names)
            for name, span in d.names:
                if self.decl_spans.get(name) != span:
                    continue  # a duplicate (E202): the first declaration stands
                sym = ir.VarSym(name, t or BOOL, len(self.vars), offset, span)
                self.vars[name] = sym
                offset += sym.type.bits
        for name in list(self.def_decls):
            self._def(name)
        init_decls = [d for d in self.main.decls if isinstance(d, ast.Init)]
        init: list[ir.Stmt] = []
        if not init_decls:
            self.diag.error("E310", "the model has no 'init' block", self.main.span,
                            "add 'init { ... }' that gives every variable its first value")
        elif len(init_decls) > 1:
            self.diag.error("E311", "the model has more than one 'init' block", init_decls[1].span)
        if init_decls:
            # an imported module (a library, an adversary) initializes its own variables first
            imported = [d for m in self.modules[1:] for d in m.decls if isinstance(d, ast.Init)]
            for d in imported:
                init += self._block(d.body, Scope(what="init"))
            init += self._block(init_decls[0].body, Scope(what="init"))
            self._check_initialized(init, init_decls[0], imported)
        actions = []
        for d in decls:
            if isinstance(d, ast.Action):
                actions.append(self._action(d))
        invariants = []
        for d in decls:
            if isinstance(d, ast.Invariant):
                try:
                    cond = self._bool(d.cond, Scope(what="invariant"))
                except _Bail:  # reported; keep checking the other declarations
                    continue
                invariants.append(ir.InvariantIR(d.name, cond, d.span))
        for d in decls:
            if isinstance(d, ast.Converge):
                try:
                    invariants.append(self._converge(d))
                except _Bail:
                    continue
        self.action_index = {a.name: i for i, a in enumerate(actions)}
        properties, fairness, deterministic, commutes = [], [], [], []
        for d in decls:
            try:
                if isinstance(d, ast.Property):
                    properties.append(self._property(d))
                elif isinstance(d, ast.Fairness):
                    fairness.extend(ir.FairnessIR(d.kind, i, span) for i, span in self._action_refs(d.actions))
                elif isinstance(d, ast.Deterministic):
                    refs = self._action_refs(d.actions) if d.actions is not None else \
                        [(i, d.span) for i in range(len(actions))]
                    for i, span in refs:
                        deterministic.append(ir.DeterministicIR(f"deterministic({actions[i].name})", i, span))
                elif isinstance(d, ast.Commute):
                    (i, _), (j, _) = self._action_refs([d.first, d.second])
                    commutes.append(ir.CommuteIR(f"commute({actions[i].name}, {actions[j].name})", i, j, d.span))
            except _Bail:
                continue
        for d in decls:
            if isinstance(d, ast.Assume) and d not in early:
                self._assume(d)
        if not actions and init_decls:
            self.diag.warn("W102", "the model has no actions: every initial state is a deadlock",
                           self.main.span)
        self.diag.done()
        symmetric = self._symmetry()
        model = ir.CheckedModel(
            name=self.main.name, path=self.main.source.name if self.main.source else "",
            vars=list(self.vars.values()), consts=self.consts, defs=self.defs, init=init,
            actions=actions, invariants=invariants, types=dict(self.types), state_bits=offset,
            symmetric=symmetric, warnings=list(self.diag.warnings), properties=properties,
            fairness=fairness, deterministic=_unique_by_name(deterministic), commutes=commutes,
            sources={m.source.name: m.source.text for m in self.modules if m.source},
            span=self.main.span, assumptions=self.assumptions)
        return model

    # ---- declarations -------------------------------------------------------

    def _claim(self, name: str, span: Span, kind: str) -> bool:
        if name in self.decl_spans:
            prev = self.decl_spans[name]
            self.diag.error("E202", f"'{name}' is already declared", span,
                            notes=(f"the first declaration is at {prev.where}",))
            return False
        self.decl_spans[name] = span
        return True

    def _register(self, decls) -> None:
        for d in decls:
            if isinstance(d, ast.Const):
                if self._claim(d.name, d.span, "const"):
                    self.const_decls[d.name] = d
            elif isinstance(d, ast.Enum):
                if self._claim(d.name, d.span, "enum"):
                    self._enum(d)
            elif isinstance(d, ast.TypeDef):
                if self._claim(d.name, d.span, "type"):
                    self.type_decls[d.name] = d
                    if isinstance(d.rhs, ast.UnionDef):
                        for v in d.rhs.variants:
                            self.ctors.setdefault(v.name, [])
            elif isinstance(d, ast.Var):
                for name, span in d.names:
                    self._claim(name, span, "var")
                    self.var_names.add(name)
            elif isinstance(d, ast.Def):
                if self._claim(d.name, d.span, "def"):
                    self.def_decls[d.name] = d
            elif isinstance(d, (ast.Action, ast.Invariant, ast.Property, ast.Converge)):
                if d.name in self.prop_spans:
                    self.diag.error("E202", f"'{d.name}' is already declared", d.span,
                                    notes=(f"the first declaration is at {self.prop_spans[d.name].where}",))
                self.prop_spans[d.name] = d.span

    def _enum(self, d: ast.Enum) -> None:
        members = [n for n, _ in d.members]
        dup = _first_duplicate(members)
        if dup:
            span = [s for n, s in d.members if n == dup][1]
            self.diag.error("E202", f"'{dup}' appears twice in enum {d.name}", span)
        t = EnumType(d.name, tuple(dict.fromkeys(members)))
        self.types[d.name] = t
        for name, span in d.members:
            self._add_value(name, span, t, t.members.index(name), "enum")

    def _add_value(self, name: str, span: Span, t: Type, code: int, kind: str) -> None:
        if name in self.decl_spans and kind == "model value":
            self.diag.error("E202", f"'{name}' is already declared", span,
                            notes=(f"the first declaration is at {self.decl_spans[name].where}",))
            return
        self.values.setdefault(name, []).append((t, code, kind))

    # ---- constants ----------------------------------------------------------

    def _const_scope(self) -> Scope:
        return Scope(state=False, what="constant")

    def _const(self, name: str) -> ir.ConstInfo | None:
        if name in self.consts:
            return self.consts[name]
        if name in self.const_failed:
            return None
        d = self.const_decls[name]
        if name in self.const_resolving:
            self.diag.error("E404", f"constant '{name}' is defined in terms of itself", d.span)
            raise _Bail
        self.const_resolving.add(name)
        try:
            info = self._const_info(d)
        except _Bail:
            info = None
        finally:
            self.const_resolving.discard(name)
        if info is not None:
            self.consts[name] = info
        else:
            self.const_failed.add(name)
        return info

    def _const_info(self, d: ast.Const) -> ir.ConstInfo | None:
        override = self.overrides.get(d.name)
        if d.symmetric or (d.members is not None and not self._lists_known_values(d)):
            return self._model_values(d, override)
        declared = self._type(d.type, self._const_scope()) if d.type is not None else None
        if d.type is not None and declared is None:
            raise _Bail
        source = override.expr if override is not None else d.value
        if override is not None and override.expr is None:
            self.diag.error("E405", f"--const {d.name}={override.text}: '{d.name}' is not a set of model values",
                            None, "give a value of its type, for example --const " + f"{d.name}=3")
            raise _Bail
        if source is None and declared is not None:
            # symbolic: the symbolic engines check every value of the type that the assumptions allow
            return ir.ConstInfo(d.name, declared, None, d.span, False, symbolic=True)
        if source is None:
            self.diag.error("E401", f"constant '{d.name}' has no value", d.span,
                            f"give one on the command line (--const {d.name}=VALUE), or a type "
                            f"(const {d.name}: 0..100) to make it symbolic")
            raise _Bail
        e = self.expr(source, self._const_scope(), declared)
        if declared is not None:
            e = self.coerce(e, declared, source.span, f"constant '{d.name}'")
        elif override is not None and d.value is not None:
            default = self._quiet(lambda: self.expr(d.value, self._const_scope()))
            if default is not None and not same_shape(default.type, e.type):
                kind = "an integer" if isinstance(default.type, IntType) else default.type.show()
                self.diag.error("E405", f"--const {d.name}={override.text}: '{d.name}' is {kind} "
                                f"(its default is {V.show(ir.decode_value(default.type, self._evaluate(default, d.span)))})"
                                if isinstance(default, ir.Lit) else
                                f"--const {d.name}={override.text}: '{d.name}' is {kind}", None,
                                f"give a value of type {default.type.show() if not isinstance(default.type, IntType) else 'integer'}")
                raise _Bail
        if _symbolic_in(e):  # derived from a symbolic constant: symbolic too, its definition inlined
            return ir.ConstInfo(d.name, declared or e.type, None, d.span, override is not None,
                                symbolic=True, expr=e)
        value = self._evaluate(e, source.span)
        t = declared if declared is not None else _const_type(e.type, value)
        return ir.ConstInfo(d.name, t, value, d.span, override is not None)

    def _lists_known_values(self, d: ast.Const) -> bool:
        """Whether `const S = {a, b}` is a set of values declared elsewhere, not new model values.

        It is when it has a type (`const LIVE: set[Phase] = {open}`) or names a
        declared constant, enum member or variant (`const S = {A, B}`).
        """
        if d.type is not None:
            return True
        return any(n in self.decl_spans or n in self.ctors
                   or any(kind == "enum" for _, _, kind in self.values.get(n, ()))
                   for n, _ in d.members)

    def _model_values(self, d: ast.Const, override: ConstOverride | None) -> ir.ConstInfo | None:
        self._few_model_values(d, override)
        if override is not None:
            if override.members is not None:
                members = override.members
            elif override.size is not None:
                members = [f"{d.name}{i}" for i in range(1, override.size + 1)]
            else:
                self.diag.error("E405", f"--const {d.name}={override.text}: '{d.name}' is a set of model "
                                f"values; give a size ({d.name}=4) or names ({d.name}={{a,b}})", None)
                raise _Bail
            spans = [d.span] * len(members)
        elif d.members is not None:
            members = [n for n, _ in d.members]
            spans = [s for _, s in d.members]
        else:
            members = [f"{d.name}{i}" for i in range(1, (d.size or 0) + 1)]
            spans = [d.span] * len(members)
        if not members:
            self.diag.error("E406", f"the set of model values '{d.name}' is empty", d.span)
            raise _Bail
        dup = _first_duplicate(members)
        if dup:
            self.diag.error("E202", f"'{dup}' appears twice in '{d.name}'", d.span)
            raise _Bail
        t = ModelValueType(d.name, tuple(members), d.symmetric)
        self.types[d.name] = t
        for i, (m, span) in enumerate(zip(members, spans)):
            self._add_value(m, span, t, i, "model value")
            if override is None:
                self.decl_spans.setdefault(m, span)
        return ir.ConstInfo(d.name, SetType(t), (1 << len(members)) - 1, d.span, override is not None)

    def _few_model_values(self, d: ast.Const, override: ConstOverride | None) -> None:
        """Refuses (E323) a set of model values with more than MAX_MODEL_VALUES members, before naming them."""
        if override is not None:
            n = len(override.members) if override.members is not None else override.size or 0
        else:
            n = len(d.members) if d.members is not None else d.size or 0
        if n > MAX_MODEL_VALUES:
            given = f"--const {d.name}={override.text}: " if override is not None else ""
            self.diag.error("E323", f"{given}the set of model values '{d.name}' has {amount(n)} members: a set of "
                            f"model values has at most {MAX_MODEL_VALUES:,}", d.span, LIMITS)
            raise _Bail

    def _evaluate(self, e: ir.Expr, span: Span):
        syms = _symbolic_in(e)
        if syms:
            name = syms[0].const.name
            if name not in self.symbolic_reported:
                self.symbolic_reported.add(name)
                self.diag.error("E401", f"constant '{name}' has no value, and it is needed here", span,
                                f"'{name}' is symbolic (declared without a value), which only the symbolic "
                                f"engines accept, and not in a type or a capacity; give it a value: "
                                f"--const {name}=VALUE")
            raise _Bail
        try:
            return eval_const(e)
        except ConstEvalError as exc:
            self.diag.error("E407", f"cannot evaluate this constant expression: {exc}", span)
            raise _Bail from None

    def _only_constants(self, e) -> bool:
        """Whether every name in e is a constant or a member of one (so it can be checked first)."""
        names = {n.name for n in ast.walk(e) if isinstance(n, ast.Name)}
        names |= {n.name for n in ast.walk(e) if isinstance(n, ast.Call) and n.name not in BUILTINS}
        return all(n in self.const_decls or n in self.values for n in names)

    def _assume(self, d: ast.Assume) -> None:
        try:
            cond = self._bool(d.cond, Scope(state=False, what="assumption"))
            if _symbolic_in(cond):  # a constraint on symbolic constants, for the symbolic engines
                self.assumptions.append(ir.AssumeIR(d.name, cond, d.span))
                return
            ok = self._evaluate(cond, d.cond.span)
        except _Bail:
            return
        if not ok:
            label = f" '{d.name}'" if d.name else ""
            shown = ", ".join(f"{n} = {V.show(ir.decode_value(c.type, c.value))}"
                              for n, c in self.consts.items() if _mentions(d.cond, n))
            self.diag.error("E402", f"assumption{label} does not hold for these constants", d.cond.span,
                            notes=(f"with {shown}",) if shown else ())

    # ---- types --------------------------------------------------------------

    def _named_type(self, name: str, span: Span) -> Type | None:
        if name in self.types:
            return self.types[name]
        if name in self.const_decls and name not in self.consts:
            try:
                self._const(name)
            except _Bail:
                return None
            return self.types.get(name)
        d = self.type_decls.get(name)
        if d is None:
            return None
        if name in self.type_resolving:
            self.diag.error("E312", f"type '{name}' is defined in terms of itself", d.span,
                            "types must be finite; use a bounded seq or a map over a finite key")
            return None
        self.type_resolving.add(name)
        try:
            t = self._type_def(d)
        finally:
            self.type_resolving.discard(name)
        if t is not None:
            self.types[name] = t
        return t

    def _type_def(self, d: ast.TypeDef) -> Type | None:
        if not isinstance(d.rhs, ast.UnionDef):
            t = self._type(d.rhs, self._const_scope())
            if isinstance(t, RecordType) and not isinstance(t, TupleType) and t.name is None:
                t = RecordType(d.name, t.fields)
            return t
        variants = []
        seen = set()
        for v in d.rhs.variants:
            if v.name in seen:
                self.diag.error("E202", f"variant '{v.name}' appears twice in {d.name}", v.span)
                continue
            seen.add(v.name)
            payload = None
            if v.fields is not None:
                fields = self._fields(v.fields)
                if fields is None:
                    return None
                payload = RecordType(f"{d.name}.{v.name}", fields)
            variants.append((v.name, payload))
        t = self._declared(UnionType(d.name, tuple(variants)), d.span)
        if t is None:
            return None
        for name, payload in variants:
            self.ctors.setdefault(name, []).append((t, name))
            if payload is None:
                self._add_value(name, d.span, t, t.variant(name).base, "variant")
        return t

    def _fields(self, fields: list[ast.Field]) -> tuple | None:
        out = []
        names = set()
        for f in fields:
            if f.name in names:
                self.diag.error("E202", f"field '{f.name}' appears twice", f.span)
                return None
            names.add(f.name)
            t = self._type(f.type, self._const_scope())
            if t is None:
                return None
            out.append((f.name, t))
        return tuple(out)

    def _type(self, t: ast.TypeExpr, sc: Scope) -> Type | None:
        if isinstance(t, ast.TBool):
            return BOOL
        if isinstance(t, ast.TRange):
            try:
                lo = self._const_int(t.lo)
                hi = self._const_int(t.hi)
            except _Bail:
                return None
            if lo > hi:
                self.diag.error("E313", f"empty range {lo}..{hi}", t.span, "the lower bound comes first")
                return None
            if t.capacity and hi > MAX_CAPACITY:   # a bag channel holds as many messages as a sequence
                self.diag.error("E323", f"a channel of capacity {hi:,}: a channel holds at most {MAX_CAPACITY:,} "
                                "messages", t.hi.span, LIMITS)
                return None
            return IntType(lo, hi)
        if isinstance(t, ast.TFixed):
            try:
                lo = self._fixed_bound(t.lo, t.decimals)
                hi = self._fixed_bound(t.hi, t.decimals)
            except _Bail:
                return None
            if not 0 < t.decimals <= 18:
                self.diag.error("E313", f"fixed({t.decimals}): the number of decimals is 1 to 18", t.span)
                return None
            if lo > hi:
                self.diag.error("E313", "empty range: the lower bound comes first", t.span)
                return None
            return IntType(lo, hi, t.decimals)
        if isinstance(t, ast.TSet):
            e = self._type(t.elem, sc)
            if e is None or not self._elements_fit(SetType(e), t.elem.span):
                return None
            return self._declared(SetType(e), t.span)
        if isinstance(t, ast.TMap):
            k, v = self._type(t.key, sc), self._type(t.value, sc)
            if k is None or v is None or not self._elements_fit(MapType(k, v), t.key.span):
                return None
            return self._declared(MapType(k, v), t.span)
        if isinstance(t, ast.TSeq):
            e = self._type(t.elem, sc)
            try:
                cap = self._const_int(t.capacity)
            except _Bail:
                return None
            if e is None:
                return None
            if cap < 0:
                self.diag.error("E313", f"a sequence capacity cannot be negative ({cap})", t.capacity.span)
                return None
            return self._declared(SeqType(e, cap), t.capacity.span if cap > MAX_CAPACITY else t.span)
        if isinstance(t, ast.TOption):
            e = self._type(t.elem, sc)
            return self._declared(OptionType(e), t.span) if e is not None else None
        if isinstance(t, ast.TTuple):
            elems = [self._type(x, sc) for x in t.elems]
            if any(x is None for x in elems):
                return None
            return self._declared(tuple_type(elems), t.span)
        if isinstance(t, ast.TRecord):
            fields = self._fields(t.fields)
            return self._declared(RecordType(None, fields), t.span) if fields is not None else None
        if isinstance(t, ast.TName):
            found = self._named_type(t.name, t.span)
            if found is None and t.name not in self.type_decls and t.name not in self.const_decls:
                known = list(self.types) + list(self.type_decls) + ["bool", "set", "map", "seq", "option"]
                self.diag.error("E203", f"unknown type '{t.name}'", t.span, suggest(t.name, known))
            elif found is None and t.name in self.const_decls and t.name not in self.types \
                    and t.name not in self.const_failed:
                self.diag.error("E314", f"'{t.name}' is a constant, not a type", t.span,
                                "a constant set of model values (const X = {a, b}) is also a type")
            return found
        raise AssertionError(t)

    def _declared(self, t: Type, span: Span) -> Type | None:
        """t, or None when a value of t would break a limit of the state (reported)."""
        try:
            return self._sized(t, span)
        except _Bail:
            return None

    def _elements_fit(self, t: SetType | MapType, span: Span) -> bool:
        """Whether the element type of a set type (the key type of a map type) is small enough: a set
        takes a bit, a map a slot, per code of it. Checked before anything of t is computed."""
        inner = t.elem if isinstance(t, SetType) else t.key
        if inner.size > MAX_ELEMENT_CODES:
            self.diag.error("E318", element_limit(t), span, LIMITS)
            return False
        return True

    def _sized(self, t: Type, span: Span) -> Type:
        """t, unless a value of t would break a limit of the state (reported: E318, E323)."""
        why = over_limit(t)
        if why is not None:
            self.diag.error(why[0], why[1], span, LIMITS)
            raise _Bail
        return t

    def _state_fits(self, offset: int, t: Type, d: ast.Var) -> bool:
        """Whether the variables of d, after `offset` bits of earlier ones, keep the state within MAX_WIDTH."""
        end = offset + t.bits * len(d.names)
        if end <= MAX_WIDTH:
            return True
        self.diag.error("E323", f"the state takes {end:,} bits with {', '.join(n for n, _ in d.names)}: it may "
                        f"take at most {MAX_WIDTH:,}", d.type.span, LIMITS)
        return False

    def _fixed_bound(self, e: ast.Expr, decimals: int) -> int:
        x = self.expr(e, self._const_scope())
        if not isinstance(x.type, IntType):
            self.diag.error("E302", f"expected an amount, found {x.type.show()}", e.span)
            raise _Bail
        v = self._evaluate(x, e.span)
        d = x.type.decimals
        if d > decimals:
            self.diag.error("E313", f"{V.show(V.Fixed(v, d))} has more than {decimals} decimals", e.span)
            raise _Bail
        return v * 10 ** (decimals - d)

    def _const_int(self, e: ast.Expr) -> int:
        x = self.expr(e, self._const_scope())
        if not isinstance(x.type, IntType):
            self.diag.error("E302", f"expected an integer, found {x.type.show()}", e.span)
            raise _Bail
        return self._evaluate(x, e.span)

    # ---- defs ---------------------------------------------------------------

    def _def(self, name: str) -> ir.DefSym | None:
        if name in self.defs:
            return self.defs[name]
        d = self.def_decls[name]
        if name in self.def_resolving:
            self.diag.error("E315", f"'{name}' is defined in terms of itself", d.span,
                            "definitions cannot be recursive; use a quantifier or sum over a finite set")
            raise _Bail
        self.def_resolving.add(name)
        try:
            sc = Scope(what="definition")
            params = []
            for p in d.params:
                pt = self._type(p.type, sc)
                if pt is None:
                    raise _Bail
                sym = self._local(p.name, pt, p.span)
                sc.names[p.name] = sym
                params.append(sym)
            ret = self._type(d.ret, sc) if d.ret is not None else None
            if d.ret is not None and ret is None:
                raise _Bail
            body = self.expr(d.body, sc, ret)
            if ret is not None:
                body = self.coerce(body, ret, d.body.span, f"the result of '{name}'")
            sym = ir.DefSym(name, params, ret, body, d.span, reads_state=_reads_state(body))
            self.defs[name] = sym
            return sym
        except _Bail:
            return None
        finally:
            self.def_resolving.discard(name)

    # ---- temporal properties, fairness, determinism ---------------------------

    def _action_refs(self, refs) -> list[tuple[int, Span]]:
        out = []
        for name, span in refs:
            if name not in self.action_index:
                self.diag.error("E201", f"unknown action '{name}'", span, suggest(name, self.action_index))
                raise _Bail
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
                raise _Bail
            binders.extend(gen_binders)
            f = f.body
        kind, p, q = self._temporal_shape(f)
        if kind is None:
            self.diag.error("E321", "unsupported temporal formula", f.span,
                            "write one of: always P, eventually P, always eventually P, eventually always P, "
                            "P leads_to Q (P, Q without temporal operators), under optional 'forall x in S:'")
            raise _Bail
        pe = self._bool(p, sc)
        qe = self._bool(q, sc) if q is not None else None
        return ir.PropertyIR(d.name, kind, binders, pe, qe, d.span)

    @staticmethod
    def _temporal_shape(f):
        def op(e, name):
            return isinstance(e, ast.Unary) and e.op == name
        if isinstance(f, ast.Binary) and f.op == "leads_to":
            if not _is_temporal(f.left) and not _is_temporal(f.right):
                return "leads_to", f.left, f.right
            return None, None, None
        if op(f, "always") and isinstance(f.operand, ast.Binary) and f.operand.op == "leads_to":
            return Checker._temporal_shape(f.operand)
        if op(f, "always") and op(f.operand, "eventually") and not _is_temporal(f.operand.operand):
            return "always_eventually", f.operand.operand, None
        if op(f, "eventually") and op(f.operand, "always") and not _is_temporal(f.operand.operand):
            return "eventually_always", f.operand.operand, None
        if op(f, "always") and not _is_temporal(f.operand):
            return "always", f.operand, None
        if op(f, "eventually") and not _is_temporal(f.operand):
            return "eventually", f.operand, None
        return None, None, None

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
        import re
        body = cond.body if isinstance(cond, ir.Quant) else None
        if isinstance(body, ir.Op) and body.op == "implies":
            for eq, src in zip(body.args, (d.key, d.state)):
                text = _span_text(src.span)
                if isinstance(eq, ir.Op) and eq.op == "eq" and text:
                    eq.args[0].label = text
                    eq.args[1].label = re.sub(rf"\b{re.escape(d.var)}\b", other, text)
        return ir.InvariantIR(d.name, cond, d.span, "converge")

    # ---- actions and statements ---------------------------------------------

    def _local(self, name: str, t: Type, span: Span | None) -> ir.LocalSym:
        return ir.LocalSym(name, t, next(self.local_ids), span)

    def _action(self, d: ast.Action) -> ir.ActionIR:
        sc = Scope(what="action")
        params = []
        for p in d.params:
            t = self._type(p.type, sc)
            if t is None:
                t = BOOL
            sym = self._local(p.name, t, p.span)
            if p.name in sc.names:
                self.diag.error("E202", f"parameter '{p.name}' appears twice", p.span)
            sc.names[p.name] = sym
            params.append(sym)
        body = self._block(d.body, sc)
        return ir.ActionIR(d.name, params, body, d.span)

    def _block(self, stmts: list[ast.Stmt], sc: Scope) -> list[ir.Stmt]:
        sc = sc.child()
        out = []
        for s in stmts:
            try:
                r = self._stmt(s, sc)
            except _Bail:
                continue
            if r is not None:
                out.append(r)
        return out

    def _stmt(self, s: ast.Stmt, sc: Scope) -> ir.Stmt | None:
        if isinstance(s, ast.Assign):
            var, path, t = self._lvalue(s.target, sc)
            value = self.coerce(self.expr(s.value, sc, t), t, s.value.span,
                                f"'{_lvalue_text(s.target)}'")
            return ir.Assign(s.span, var, path, value)
        if isinstance(s, ast.Let):
            declared = self._type(s.type, sc) if s.type is not None else None
            if s.type is not None and declared is None:
                raise _Bail
            value = self.expr(s.value, sc, declared)
            if declared is not None:
                value = self.coerce(value, declared, s.value.span, f"'{s.name}'")
            sym = self._local(s.name, declared or value.type, s.name_span)
            sc.names[s.name] = sym
            return ir.LetS(s.span, sym, value)
        if isinstance(s, ast.Require):
            return ir.Require(s.span, self._bool(s.cond, sc))
        if isinstance(s, ast.Assert):
            return ir.Assert(s.span, self._bool(s.cond, sc), s.message)
        if isinstance(s, ast.If):
            cond = self._bool(s.cond, sc)
            return ir.If(s.span, cond, self._block(s.then, sc), self._block(s.orelse, sc))
        if isinstance(s, ast.For):
            dom, elem = self.domain(s.domain, sc)
            sym = self._local(s.var, elem, s.var_span)
            inner = sc.child()
            inner.names[s.var] = sym
            body = self._block(s.body, inner)
            loop = ir.For(s.span, sym, dom, body)
            self._note_loop(loop)
            return loop
        if isinstance(s, ast.Choose):
            dom, elem = self.domain(s.domain, sc)
            sym = self._local(s.var, elem, s.var_span)
            sc.names[s.var] = sym
            return ir.Choose(s.span, sym, dom)
        if isinstance(s, ast.Skip):
            return None
        raise AssertionError(s)

    def _lvalue(self, lv: ast.LValue, sc: Scope) -> tuple[ir.VarSym, list[ir.PathStep], Type]:
        if isinstance(lv, ast.LName):
            if sc.lookup(lv.name) is not None:
                self.diag.error("E316", f"'{lv.name}' is a local name and cannot be assigned", lv.span,
                                "only state variables can be assigned; 'let' names are fixed")
                raise _Bail
            var = self.vars.get(lv.name)
            if lv.name in self.bad_vars:
                raise _Bail
            if var is None:
                if lv.name in self.const_decls:
                    self.diag.error("E316", f"'{lv.name}' is a constant and cannot be assigned", lv.span)
                else:
                    self.diag.error("E201", f"unknown variable '{lv.name}'", lv.span,
                                    suggest(lv.name, self.vars))
                raise _Bail
            return var, [], var.type
        var, path, t = self._lvalue(lv.base, sc)
        if isinstance(lv, ast.LIndex):
            if isinstance(t, MapType):
                key = self.coerce(self.expr(lv.index, sc, t.key), t.key, lv.index.span, "a map key")
                path.append(ir.PathStep("get", key, t.value))
                return var, path, t.value
            if isinstance(t, SeqType):
                idx = self._int(lv.index, sc)
                path.append(ir.PathStep("seqget", idx, t.elem))
                return var, path, t.elem
            if isinstance(t, TupleType):
                i = self._tuple_index(lv.index, t, sc)
                path.append(ir.PathStep("field", i, t.fields[i][1]))
                return var, path, t.fields[i][1]
            self.diag.error("E303", f"cannot index a value of type {t.show()}", lv.span)
            raise _Bail
        assert isinstance(lv, ast.LField)
        if isinstance(t, RecordType) and not isinstance(t, TupleType):
            try:
                i = t.index_of(lv.name)
            except KeyError:
                self.diag.error("E304", f"{t.show()} has no field '{lv.name}'", lv.span,
                                suggest(lv.name, [n for n, _ in t.fields]))
                raise _Bail from None
            path.append(ir.PathStep("field", i, t.fields[i][1]))
            return var, path, t.fields[i][1]
        self.diag.error("E304", f"a value of type {t.show()} has no fields", lv.span)
        raise _Bail

    def _check_initialized(self, init: list[ir.Stmt], d: ast.Init, imported=()) -> None:
        assigned = set()

        # walk the AST, not the IR: an assignment that failed to check was reported already
        def walk(stmts):
            for s in stmts:
                if isinstance(s, ast.Assign):
                    lv = s.target
                    while not isinstance(lv, ast.LName):
                        lv = lv.base
                    assigned.add(lv.name)
                elif isinstance(s, ast.If):
                    walk(s.then)
                    walk(s.orelse)
                elif isinstance(s, ast.For):
                    walk(s.body)
        walk(d.body)
        for other in imported:
            walk(other.body)
        missing = [v for v in self.vars if v not in assigned and v not in self.bad_vars]
        if missing:
            self.diag.error("E317", f"'init' does not give a value to {', '.join(repr(m) for m in missing)}",
                            d.span, "assign every state variable in 'init'")

    # ---- expressions ----------------------------------------------------------

    def _bool(self, e: ast.Expr, sc: Scope) -> ir.Expr:
        return self.coerce(self.expr(e, sc, BOOL), BOOL, e.span, "a condition")

    def _int(self, e: ast.Expr, sc: Scope) -> ir.Expr:
        x = self.expr(e, sc)
        if not isinstance(x.type, IntType):
            self.diag.error("E302", f"expected an integer, found {x.type.show()}", e.span)
            raise _Bail
        return x

    def expr(self, e: ast.Expr, sc: Scope, expected: Type | None = None) -> ir.Expr:
        method = getattr(self, "_e_" + type(e).__name__)
        return method(e, sc, expected)

    def _try(self, e: ast.Expr, sc: Scope, expected: Type | None = None) -> ir.Expr | None:
        """Like expr, but returns None instead of failing on an ambiguous bare name."""
        self.trying += 1
        try:
            return self.expr(e, sc, expected)
        except _Ambiguous:
            return None
        finally:
            self.trying -= 1

    def _e_IntLit(self, e, sc, expected):
        lit = ir.Lit(IntType(e.value, e.value), e.span, e.value)
        if isinstance(expected, IntType) and expected.decimals:
            return self._scale_lit(lit, expected.decimals)  # where an amount is expected: whole units
        return lit

    def _e_DecLit(self, e, sc, expected):
        return ir.Lit(IntType(e.units, e.units, e.decimals), e.span, e.units)

    def _e_BoolLit(self, e, sc, expected):
        return ir.Lit(BOOL, e.span, e.value)

    def _e_NoneLit(self, e, sc, expected):
        if isinstance(expected, OptionType):
            return ir.Lit(expected, e.span, 0)
        if expected is None and self.trying:
            raise _Ambiguous  # `none == o`: the other side gives the type
        self.diag.error("E305", "cannot tell which option type 'none' has here", e.span,
                        "use it where an option[T] is expected, for example 'x == none' with x an option")
        raise _Bail

    def _e_Name(self, e: ast.Name, sc: Scope, expected):
        local = sc.lookup(e.name)
        if local is not None:
            return ir.Local(local.type, e.span, local)
        if e.name in self.const_decls:
            info = self._const(e.name)
            if info is None:
                raise _Bail
            if info.symbolic:
                return info.expr if info.expr is not None else ir.SymConst(info.type, e.span, info)
            return ir.Lit(info.type, e.span, info.value)
        if e.name in self.vars:
            var = self.vars[e.name]
            if e.name in self.bad_vars:
                raise _Bail
            if not sc.state:
                self.diag.error("E205", f"'{e.name}' is a state variable; {_a(sc.what)} cannot read the state",
                                e.span)
                raise _Bail
            return ir.VarRef(var.type, e.span, var)
        if e.name in self.def_decls:
            fn = self._def(e.name)
            if fn is None:
                raise _Bail
            if fn.params:
                self.diag.error("E306", f"'{e.name}' takes {len(fn.params)} argument(s)", e.span,
                                f"call it: {e.name}({', '.join(p.name for p in fn.params)})")
                raise _Bail
            return self._call_def(fn, [], e.span, sc)
        if e.name in self.values:
            return self._value_name(e.name, e.span, expected)
        if e.name in self.ctors and self.ctors[e.name]:
            union, variant = self.ctors[e.name][0]
            self.diag.error("E306", f"'{e.name}' needs its fields: {e.name}(...)", e.span)
            raise _Bail
        t = self._named_type(e.name, e.span) if (e.name in self.types or e.name in self.type_decls) else None
        if t is not None:
            return self._all_values(t, e.span)
        if e.name in self.ctors:
            raise _Bail
        if e.name in self.var_names:  # not typed yet: we are evaluating a constant
            what = _a(sc.what) if not sc.state else f"{_a(sc.what)} used in a constant"
            self.diag.error("E205", f"'{e.name}' is a state variable; {what} cannot read the state", e.span)
            raise _Bail
        names = list(sc.all_names()) + list(self.const_decls) + list(self.vars) + list(self.def_decls) \
            + list(self.values) + list(self.types)
        self.diag.error("E201", f"unknown name '{e.name}'", e.span, suggest(e.name, names))
        raise _Bail

    def _value_name(self, name: str, span: Span, expected: Type | None) -> ir.Lit:
        cands = self.values[name]
        if len(cands) > 1 and expected is not None:
            match = [c for c in cands if c[0] == expected]
            if match:
                cands = match
        if len(cands) > 1:
            if expected is None and self.trying:
                raise _Ambiguous
            owners = " and ".join(c[0].show() for c in cands)
            self.diag.error("E307", f"'{name}' is a member of {owners}", span,
                            f"say which one: {cands[0][0].show()}.{name}")
            raise _Bail
        t, code, kind = cands[0]
        if isinstance(t, ModelValueType) and t.symmetric:
            self.member_refs.setdefault(t, span)
        return ir.Lit(t, span, code)

    def _all_values(self, t: Type, span: Span) -> ir.Lit:
        if isinstance(t, ModelValueType) and t.symmetric:
            pass  # the whole set is symmetric: no element is singled out
        if t.count() > MAX_DOMAIN:
            self.diag.error("E318", f"type {t.show()} has {amount(t.count())} values: too many to use as a set",
                            span, f"a type used as the set of all its values has at most {MAX_DOMAIN:,} values; "
                            + LIMITS)
            raise _Bail
        self._sized(SetType(t), span)
        mask = 0
        for c in t.codes():
            mask |= 1 << c
        return ir.Lit(SetType(t), span, mask)

    def _e_Binary(self, e: ast.Binary, sc: Scope, expected):
        op = e.op
        if op == "leads_to":
            self.diag.error("E321", "'leads_to' is a temporal operator: it may only be used in a 'property'",
                            e.span)
            raise _Bail
        if op in ("and", "or", "implies"):
            a, b = self._bool(e.left, sc), self._bool(e.right, sc)
            return ir.Op(BOOL, e.span, op, [a, b])
        if op in ("==", "!="):
            a, b = self._pair(e.left, e.right, sc)
            if isinstance(a.type, IntType) and isinstance(b.type, IntType) and a.type.decimals != b.type.decimals:
                a, b = self._compare_ints(a, b, e)
            t = self._unify(a, b, e.span, "compare")
            return ir.Op(BOOL, e.span, "eq" if op == "==" else "ne",
                         [self.coerce(a, t, e.left.span), self.coerce(b, t, e.right.span)])
        if op in ("<", "<=", ">", ">="):
            a, b = self._compare_ints(self._int(e.left, sc), self._int(e.right, sc), e)
            return ir.Op(BOOL, e.span, {"<": "lt", "<=": "le", ">": "gt", ">=": "ge"}[op], [a, b])
        if op in ("in", "notin"):
            return self._membership(e, sc)
        if op in ("|", "&", "subset") or (op == "-" and self._looks_like_set(e.left, sc)):
            a, b = self._pair(e.left, e.right, sc)
            for x, span in ((a, e.left.span), (b, e.right.span)):
                if not isinstance(x.type, SetType):
                    self.diag.error("E302", f"'{_op_text(op)}' needs sets, found {x.type.show()}", span)
                    raise _Bail
            t = self._unify(a, b, e.span, _op_text(op))
            args = [self.coerce(a, t, e.left.span), self.coerce(b, t, e.right.span)]
            name = {"|": "union", "&": "inter", "subset": "subset", "-": "diff"}[op]
            return ir.Op(BOOL if op == "subset" else t, e.span, name, args)
        if op == "..":
            a, b = self._int(e.left, sc), self._int(e.right, sc)
            elem = IntType(a.type.lo, b.type.hi) if a.type.lo <= b.type.hi else IntType(a.type.lo, a.type.lo)
            if isinstance(a, ir.Lit) and isinstance(b, ir.Lit):
                lo, hi = a.value, b.value
                if hi - lo + 1 > MAX_DOMAIN:
                    self.diag.error("E318", f"the range {lo}..{hi} has {hi - lo + 1:,} values: too many to use as "
                                    f"a set (at most {MAX_DOMAIN:,})", e.span, LIMITS)
                    raise _Bail
                elem = IntType(lo, max(lo, hi))
                mask = ((1 << (hi - lo + 1)) - 1) if hi >= lo else 0
                return ir.Lit(SetType(elem), e.span, mask)
            if elem.size > MAX_DOMAIN:
                self.diag.error("E318", f"the range {e.left} .. {e.right} may be too large to use as a set",
                                e.span)
                raise _Bail
            return ir.Op(SetType(elem), e.span, "range", [a, b])
        if op == "++":
            a, b = self.expr(e.left, sc), self.expr(e.right, sc, None)
            if not isinstance(a.type, SeqType) or not isinstance(b.type, SeqType):
                self.diag.error("E302", f"'++' joins sequences, found {a.type.show()} and {b.type.show()}",
                                e.span)
                raise _Bail
            t = self._unify(a, b, e.span, "join")
            t = self._sized(SeqType(t.elem, a.type.capacity + b.type.capacity), e.span)
            return ir.Op(t, e.span, "concat", [self.coerce(a, SeqType(t.elem, a.type.capacity), e.left.span),
                                               self.coerce(b, SeqType(t.elem, b.type.capacity), e.right.span)])
        return self._arith(e, sc)

    def _looks_like_set(self, e: ast.Expr, sc: Scope) -> bool:
        """Whether e, the left side of a '-', is a set (a difference) rather than an integer.

        `a - b - c` is a set exactly when `a` is: only the leftmost operand of a chain of '-' is
        typed, once, so a long chain costs neither deep recursion nor typing its prefixes again.
        """
        while isinstance(e, ast.Binary) and e.op == "-":
            e = e.left
        x = self._quiet(lambda: self._try(e, sc))
        return x is not None and isinstance(x.type, SetType)

    def _quiet(self, fn):
        """Runs fn, discarding any diagnostics it reports (for look-ahead)."""
        saved = list(self.diag.items)
        try:
            return fn()
        except _Bail:
            return None
        finally:
            self.diag.items = saved

    def _arith(self, e: ast.Binary, sc: Scope):
        a, b = self._int(e.left, sc), self._int(e.right, sc)
        op = {"+": "add", "-": "sub", "*": "mul", "/": "div", "%": "mod", "**": "pow"}[e.op]
        a, b, dec = self._decimals(op, a, b, e)
        ta, tb = a.type, b.type
        if op in ("div", "mod") and isinstance(b, ir.Lit) and b.value == 0:
            self.diag.error("E319", "division by zero", e.right.span)
            raise _Bail
        if op == "pow" and tb.lo < 0:
            self.diag.error("E302", f"the exponent may be negative ({tb.show()})", e.right.span)
            raise _Bail
        if op == "pow" and tb.hi > 4096 and not (ta.lo >= -1 and ta.hi <= 1):
            self.diag.error("E302", f"the exponent is too large ({tb.show()})", e.right.span)
            raise _Bail
        t = interval(op, ta, tb)
        t = IntType(t.lo, t.hi, dec)
        if isinstance(a, ir.Lit) and isinstance(b, ir.Lit):
            v = eval_const(ir.Op(t, None, op, [a, b]))
            return ir.Lit(IntType(v, v, dec), e.span, v)
        return ir.Op(t, e.span, op, [a, b])

    def _decimals(self, op: str, a: ir.Expr, b: ir.Expr, e) -> tuple[ir.Expr, ir.Expr, int]:
        """Operands of integer arithmetic, fixed-point amounts lined up; and the result's decimals.

        Amounts add and compare only with amounts of the same decimals (an integer literal is
        read as whole units); an amount times an integer is exact; an amount times an amount,
        and any division of amounts, needs an explicit rounding: mul(a, b, mode), div(a, b, mode).
        """
        da, db = a.type.decimals, b.type.decimals
        if da == db:
            if da and op in ("mul", "div", "mod", "pow"):
                name = {"mul": "mul", "div": "div", "mod": "div", "pow": "mul"}[op]
                self.diag.error("E322", f"'{e.op}' on fixed-point amounts rounds: say how", e.span,
                                f"write {name}(a, b, down), {name}(a, b, up) or {name}(a, b, half_even)")
                raise _Bail
            return a, b, da
        if op == "mul" and (da == 0 or db == 0):
            return a, b, da or db
        if op in ("add", "sub") or op not in ("mul", "div", "mod", "pow"):
            # a literal with fewer decimals scales up exactly: 1 and 1.5 are 1.00 and 1.50
            if da < db and isinstance(a, ir.Lit):
                return self._scale_lit(a, db), b, db
            if db < da and isinstance(b, ir.Lit):
                return a, self._scale_lit(b, da), da
        self.diag.error("E322", f"'{e.op}' mixes {a.type.show()} and {b.type.show()}", e.span,
                        _mix_hint(op, e, da, db))
        raise _Bail

    @staticmethod
    def _scale_lit(x: ir.Lit, decimals: int) -> ir.Lit:
        v = x.value * 10 ** (decimals - x.type.decimals)
        return ir.Lit(IntType(v, v, decimals), x.span, v)

    def _compare_ints(self, a: ir.Expr, b: ir.Expr, e) -> tuple[ir.Expr, ir.Expr]:
        a, b, _ = self._decimals("cmp", a, b, e)
        return a, b

    def _membership(self, e: ast.Binary, sc: Scope):
        a = self._try(e.left, sc)
        if a is None:
            b = self.expr(e.right, sc)
            elem = _elem_type(b.type)
            if elem is None:
                self._not_collection(b, e.right.span)
            a = self.expr(e.left, sc, elem)
        else:
            b = self.expr(e.right, sc, SetType(a.type) if not isinstance(a.type, IntType) else None)
            elem = _elem_type(b.type)
            if elem is None:
                self._not_collection(b, e.right.span)
        if not same_shape(a.type, elem):
            self.diag.error("E301", f"cannot look for a {a.type.show()} in a collection of {elem.show()}",
                            e.span)
            raise _Bail
        if not isinstance(a.type, IntType) and a.type != elem:
            if _wider(elem, a.type):  # a value outside the collection's ranges is simply not in it
                elem = join(elem, a.type)
                wide = SeqType(elem, b.type.capacity) if isinstance(b.type, SeqType) else SetType(elem)
                b = self.coerce(b, self._sized(wide, e.span), e.right.span)
            a = self.coerce(a, elem, e.left.span)
        kind = "seqin" if isinstance(b.type, SeqType) else "in"
        r = ir.Op(BOOL, e.span, kind, [a, b])
        return ir.Op(BOOL, e.span, "not", [r]) if e.op == "notin" else r

    def _not_collection(self, x: ir.Expr, span: Span):
        self.diag.error("E302", f"expected a set or a sequence, found {x.type.show()}", span)
        raise _Bail

    def _pair(self, l: ast.Expr, r: ast.Expr, sc: Scope) -> tuple[ir.Expr, ir.Expr]:
        """Both operands of a symmetric operator; an ambiguous side takes the other's type."""
        a = self._try(l, sc)
        if a is None:
            b = self.expr(r, sc)
            return self.expr(l, sc, b.type), b
        hint = self._sibling_hint(a.type, r, sc)
        b = self._try(r, sc, hint)
        if b is None:
            b = self.expr(r, sc, hint)
        return a, b

    def _sibling_hint(self, hint: Type, r: ast.Expr, sc: Scope) -> Type:
        """The type of one operand as the expected type of the other, widened to fit it.

        An operand's integer ranges say nothing about its sibling's: `s == {x + 1}`
        or `{1, 2} | {3}` must not narrow (and so range-check) the right side to
        the left side's ranges. Comparing is not storing.
        """
        if not any(isinstance(t, IntType) for t in hint.walk()):
            return hint
        alone = self._quiet(lambda: self._try(r, sc))
        if alone is not None and same_shape(alone.type, hint) and _wider(hint, alone.type):
            return join(hint, alone.type)
        return hint

    def _unify(self, a: ir.Expr, b: ir.Expr, span: Span, what: str) -> Type:
        if same_shape(a.type, b.type):
            return self._sized(join(a.type, b.type), span)
        self.diag.error("E301", f"cannot {what} {a.type.show()} with {b.type.show()}", span)
        raise _Bail

    def _e_Unary(self, e: ast.Unary, sc, expected):
        if e.op in ("always", "eventually"):
            self.diag.error("E321", f"'{e.op}' is a temporal operator: it may only be used in a 'property'",
                            e.span, "invariants, guards and definitions are about one state")
            raise _Bail
        if e.op == "not":
            return ir.Op(BOOL, e.span, "not", [self._bool(e.operand, sc)])
        a = self._int(e.operand, sc)
        d = a.type.decimals
        if isinstance(a, ir.Lit):
            return ir.Lit(IntType(-a.value, -a.value, d), e.span, -a.value)
        return ir.Op(IntType(-a.type.hi, -a.type.lo, d), e.span, "neg", [a])

    def _e_IsTest(self, e: ast.IsTest, sc, expected):
        a = self.expr(e.operand, sc)
        t = a.type
        if isinstance(t, OptionType):
            if e.pattern in ("some", "none"):
                return ir.Op(BOOL, e.span, "issome" if e.pattern == "some" else "isnone", [a])
            self.diag.error("E308", f"an option is 'some' or 'none', not '{e.pattern}'", e.pattern_span)
            raise _Bail
        if isinstance(t, UnionType):
            try:
                t.variant(e.pattern)
            except KeyError:
                self.diag.error("E308", f"{t.show()} has no variant '{e.pattern}'", e.pattern_span,
                                suggest(e.pattern, [n for n, _ in t.variants]))
                raise _Bail from None
            return ir.Op(BOOL, e.span, "is", [a], e.pattern)
        self.diag.error("E308", f"'is' tests a union or an option, found {t.show()}", e.span)
        raise _Bail

    def _e_Index(self, e: ast.Index, sc, expected):
        base = self.expr(e.base, sc)
        t = base.type
        if isinstance(t, MapType):
            key = self.coerce(self.expr(e.index, sc, t.key), t.key, e.index.span, "a map key")
            return ir.Op(t.value, e.span, "get", [base, key])
        if isinstance(t, SeqType):
            idx = self._int(e.index, sc)
            return ir.Op(t.elem, e.span, "seqget", [base, idx])
        if isinstance(t, TupleType):
            i = self._tuple_index(e.index, t, sc)
            return ir.Op(t.fields[i][1], e.span, "field", [base], i)
        self.diag.error("E303", f"cannot index a value of type {t.show()}", e.base.span,
                        "maps (m[k]), sequences (q[i]) and tuples (t[0]) can be indexed")
        raise _Bail

    def _tuple_index(self, idx: ast.Expr, t: TupleType, sc: Scope) -> int:
        i = self.expr(idx, self._const_scope())
        if not isinstance(i, ir.Lit) or not isinstance(i.type, IntType) or not 0 <= i.value < len(t.fields):
            self.diag.error("E303", f"a tuple index must be a constant from 0 to {len(t.fields) - 1}", idx.span)
            raise _Bail
        return i.value

    def _e_FieldAccess(self, e: ast.FieldAccess, sc, expected):
        if isinstance(e.base, ast.Name) and sc.lookup(e.base.name) is None and e.base.name not in self.vars \
                and e.base.name not in self.const_decls:
            t = self._named_type(e.base.name, e.base.span) if (
                e.base.name in self.types or e.base.name in self.type_decls) else None
            if isinstance(t, (EnumType, UnionType)):
                return self._qualified(t, e)
        base = self.expr(e.base, sc)
        t = base.type
        if isinstance(t, RecordType) and not isinstance(t, TupleType):
            try:
                i = t.index_of(e.name)
            except KeyError:
                self.diag.error("E304", f"{t.show()} has no field '{e.name}'", e.name_span,
                                suggest(e.name, [n for n, _ in t.fields]))
                raise _Bail from None
            return ir.Op(t.fields[i][1], e.span, "field", [base], i)
        if isinstance(t, UnionType):
            having = [(info, info.payload.index_of(e.name)) for info in t.infos
                      if info.payload and e.name in [n for n, _ in info.payload.fields]]
            if not having:
                names = {n for i in t.infos if i.payload for n, _ in i.payload.fields}
                self.diag.error("E304", f"no variant of {t.show()} has a field '{e.name}'", e.name_span,
                                suggest(e.name, names))
                raise _Bail
            ftypes = {info.payload.fields[i][1] for info, i in having}
            if len(ftypes) > 1:
                self.diag.error("E304", f"field '{e.name}' has different types in the variants of {t.show()}",
                                e.name_span, "use 'match' to take the variant apart")
                raise _Bail
            return ir.Op(ftypes.pop(), e.span, "ufield", [base],
                         tuple((info.name, i) for info, i in having))
        self.diag.error("E304", f"a value of type {t.show()} has no fields", e.span)
        raise _Bail

    def _qualified(self, t: Type, e: ast.FieldAccess) -> ir.Expr:
        if isinstance(t, EnumType):
            if e.name not in t.members:
                self.diag.error("E201", f"{t.show()} has no member '{e.name}'", e.name_span,
                                suggest(e.name, t.members))
                raise _Bail
            if isinstance(t, ModelValueType) and t.symmetric:
                self.member_refs.setdefault(t, e.span)
            return ir.Lit(t, e.span, t.members.index(e.name))
        try:
            info = t.variant(e.name)
        except KeyError:
            self.diag.error("E201", f"{t.show()} has no variant '{e.name}'", e.name_span,
                            suggest(e.name, [n for n, _ in t.variants]))
            raise _Bail from None
        if info.payload is not None:
            self.diag.error("E306", f"'{e.name}' needs its fields: {e.name}(...)", e.span)
            raise _Bail
        return ir.Lit(t, e.span, info.base)

    # -- calls
    def _e_Call(self, e: ast.Call, sc, expected):
        local = sc.lookup(e.name)
        if local is None and e.name in self.def_decls:
            fn = self._def(e.name)
            if fn is None:
                raise _Bail
            if e.generator is not None or len(e.args) != len(fn.params):
                self.diag.error("E306", f"'{e.name}' takes {len(fn.params)} argument(s), "
                                f"given {len(e.args) if e.generator is None else 'a generator'}", e.span)
                raise _Bail
            args = [self.coerce(self.expr(a, sc, p.type), p.type, a.span, f"argument '{p.name}'")
                    for a, p in zip(e.args, fn.params)]
            return self._call_def(fn, args, e.span, sc)
        if local is None and e.name in self.ctors and self.ctors[e.name]:
            return self._ctor(e, sc, expected)
        if e.name in BUILTINS:
            return getattr(self, "_b_" + e.name)(e, sc, expected)
        names = list(self.def_decls) + list(self.ctors) + sorted(BUILTINS)
        self.diag.error("E201", f"unknown function '{e.name}'", e.name_span, suggest(e.name, names))
        raise _Bail

    def _call_def(self, fn: ir.DefSym, args, span, sc: Scope) -> ir.Expr:
        if fn.body is not None and _reads_state(fn.body) and not sc.state:
            self.diag.error("E205", f"'{fn.name}' reads the state; {_a(sc.what)} cannot", span)
            raise _Bail
        t = fn.ret if fn.ret is not None else fn.body.type
        call = ir.Call(t, span, fn, args)
        if not _reads_state(fn.body) and all(isinstance(a, ir.Lit) for a in args) and _is_pure_const(fn.body):
            try:
                return ir.Lit(t, span, eval_const(call))
            except ConstEvalError:
                return call
        return call

    def _ctor(self, e: ast.Call, sc, expected):
        cands = self.ctors[e.name]
        if len(cands) > 1 and isinstance(expected, UnionType):
            cands = [c for c in cands if c[0] == expected] or cands
        if len(cands) > 1:
            if expected is None and self.trying:
                raise _Ambiguous
            self.diag.error("E307", f"'{e.name}' is a variant of {' and '.join(c[0].show() for c in cands)}",
                            e.span, f"say which one: {cands[0][0].show()}.{e.name}(...)")
            raise _Bail
        union, name = cands[0]
        info = union.variant(name)
        if info.payload is None:
            self.diag.error("E306", f"'{name}' has no fields; write it without parentheses", e.span)
            raise _Bail
        fields = info.payload.fields
        if e.generator is not None or len(e.args) != len(fields):
            self.diag.error("E306", f"'{name}' takes {len(fields)} field(s): "
                            f"{', '.join(f'{n}: {t.show()}' for n, t in fields)}", e.span)
            raise _Bail
        args = [self.coerce(self.expr(a, sc, ft), ft, a.span, f"field '{fn}'") for a, (fn, ft) in zip(e.args, fields)]
        node = ir.Op(union, e.span, "ctor", args, name)
        if all(isinstance(a, ir.Lit) for a in args):
            return ir.Lit(union, e.span, eval_const(node))
        return node

    def _gen_or_args(self, e: ast.Call, sc: Scope, n: int | None = None):
        if e.generator is not None:
            return None
        if n is not None and len(e.args) != n:
            self.diag.error("E306", f"'{e.name}' takes {n} argument(s), given {len(e.args)}", e.span)
            raise _Bail
        return e.args

    def _b_len(self, e, sc, expected):
        (a,) = self._gen_or_args(e, sc, 1) or self._need_args(e)
        x = self.expr(a, sc)
        if isinstance(x.type, SetType):
            return ir.Op(IntType(0, x.type.elem.count()), e.span, "card", [x])
        if isinstance(x.type, SeqType):
            return ir.Op(IntType(0, x.type.capacity), e.span, "len", [x])
        self.diag.error("E302", f"len() takes a set or a sequence, found {x.type.show()}", a.span)
        raise _Bail

    def _need_args(self, e):
        self.diag.error("E306", f"'{e.name}' does not take a generator", e.span)
        raise _Bail

    def _b_abs(self, e, sc, expected):
        (a,) = self._gen_or_args(e, sc, 1) or self._need_args(e)
        x = self._int(a, sc)
        lo, hi = x.type.lo, x.type.hi
        t = IntType(0 if lo <= 0 <= hi else min(abs(lo), abs(hi)), max(abs(lo), abs(hi)), x.type.decimals)
        return ir.Op(t, e.span, "abs", [x])

    def _b_some(self, e, sc, expected):
        (a,) = self._gen_or_args(e, sc, 1) or self._need_args(e)
        inner = expected.elem if isinstance(expected, OptionType) else None
        x = self.expr(a, sc, inner)
        t = OptionType(inner if inner is not None and same_shape(x.type, inner) else x.type)
        x = self.coerce(x, t.elem, a.span, "the value of some(...)")
        return ir.Op(t, e.span, "some", [x])

    def _b_get(self, e, sc, expected):
        (a,) = self._gen_or_args(e, sc, 1) or self._need_args(e)
        x = self.expr(a, sc)
        if not isinstance(x.type, OptionType):
            self.diag.error("E302", f"get() takes an option, found {x.type.show()}", a.span)
            raise _Bail
        return ir.Op(x.type.elem, e.span, "optget", [x])

    def _seq_arg(self, e, sc, n):
        args = self._gen_or_args(e, sc, n) or self._need_args(e)
        q = self.expr(args[0], sc)
        if not isinstance(q.type, SeqType):
            self.diag.error("E302", f"{e.name}() takes a sequence, found {q.type.show()}", args[0].span)
            raise _Bail
        return q, args

    def _b_append(self, e, sc, expected):
        q, args = self._seq_arg(e, sc, 2)
        x = self.coerce(self.expr(args[1], sc, q.type.elem), q.type.elem, args[1].span, "an element")
        return ir.Op(q.type, e.span, "append", [q, x])

    def _b_head(self, e, sc, expected):
        q, _ = self._seq_arg(e, sc, 1)
        return ir.Op(q.type.elem, e.span, "head", [q])

    def _b_last(self, e, sc, expected):
        q, _ = self._seq_arg(e, sc, 1)
        return ir.Op(q.type.elem, e.span, "last", [q])

    # -- fixed-point arithmetic with explicit rounding
    def _rounding(self, arg: ast.Expr) -> str:
        if isinstance(arg, ast.Name) and arg.name in ROUNDING:
            return arg.name
        self.diag.error("E322", "the rounding is one of down, up, half_even", arg.span,
                        "down rounds toward minus infinity, up toward plus infinity, half_even to the nearest "
                        "(ties to even)")
        raise _Bail

    def _b_mul(self, e, sc, expected):
        """mul(a, b, mode): a * b in a's decimals, rounded."""
        args = self._gen_or_args(e, sc, 3) or self._need_args(e)
        a, b = self._int(args[0], sc), self._int(args[1], sc)
        mode = self._rounding(args[2])
        scale = 10 ** b.type.decimals
        t = interval("mul", a.type, b.type)
        lo, hi = _floor_div(t.lo, scale), -_floor_div(-t.hi, scale)
        return ir.Op(IntType(lo, hi, a.type.decimals), e.span, "fmul", [a, b], (mode, scale))

    def _b_div(self, e, sc, expected):
        """div(a, b, mode): a / b in a's decimals, rounded."""
        args = self._gen_or_args(e, sc, 3) or self._need_args(e)
        a, b = self._int(args[0], sc), self._int(args[1], sc)
        mode = self._rounding(args[2])
        if isinstance(b, ir.Lit) and b.value == 0:
            self.diag.error("E319", "division by zero", args[1].span)
            raise _Bail
        scale = 10 ** b.type.decimals
        num = IntType(a.type.lo * scale, a.type.hi * scale)
        t = interval("div", num, b.type)
        return ir.Op(IntType(t.lo - 1, t.hi + 1, a.type.decimals), e.span, "fdiv", [a, b], (mode, scale))

    def _b_round(self, e, sc, expected):
        """round(a, D, mode): the amount a with D decimals."""
        args = self._gen_or_args(e, sc, 3) or self._need_args(e)
        a = self._int(args[0], sc)
        d = self._const_int(args[1])
        mode = self._rounding(args[2])
        return self._rescale(a, d, mode, e.span)

    def _b_fixed(self, e, sc, expected):
        """fixed(x, D): the integer (or amount) x as an amount with D decimals, exactly (scaling up)."""
        args = self._gen_or_args(e, sc, 2) or self._need_args(e)
        a = self._int(args[0], sc)
        d = self._const_int(args[1])
        if d < a.type.decimals:
            self.diag.error("E322", f"fixed(x, {d}) would drop decimals of {a.type.show()}", e.span,
                            f"use round(x, {d}, mode)")
            raise _Bail
        return self._rescale(a, d, "down", e.span)

    def _rescale(self, a: ir.Expr, d: int, mode: str, span) -> ir.Expr:
        if not 0 <= d <= 18:
            self.diag.error("E322", "the number of decimals is 0 to 18", span)
            raise _Bail
        src = a.type.decimals
        if d >= src:
            f = 10 ** (d - src)
            t = IntType(a.type.lo * f, a.type.hi * f, d)
        else:
            f = 10 ** (src - d)
            t = IntType(_floor_div(a.type.lo, f), -_floor_div(-a.type.hi, f), d)
        node = ir.Op(t, span, "rescale", [a], (mode, src, d))
        return self._fold(node)

    def _b_take(self, e, sc, expected):
        q, args = self._seq_arg(e, sc, 2)
        return ir.Op(q.type, e.span, "take", [q, self._int(args[1], sc)])

    def _b_drop(self, e, sc, expected):
        q, args = self._seq_arg(e, sc, 2)
        return ir.Op(q.type, e.span, "drop", [q, self._int(args[1], sc)])

    def _b_tail(self, e, sc, expected):
        q, _ = self._seq_arg(e, sc, 1)
        return ir.Op(q.type, e.span, "tail", [q])

    def _b_sum(self, e, sc, expected):
        return self._aggregate(e, sc, "sum")

    def _b_min(self, e, sc, expected):
        return self._aggregate(e, sc, "min")

    def _b_max(self, e, sc, expected):
        return self._aggregate(e, sc, "max")

    def _aggregate(self, e: ast.Call, sc: Scope, kind: str):
        if e.generator is not None:
            binders, inner, cond = self._generator(e.generator, sc)
            body = self._int(e.body, inner)
            n = _max_iterations(binders)
            lo, hi, d = body.type.lo, body.type.hi, body.type.decimals
            if kind == "sum":
                t = IntType(min(0, lo * n), max(0, hi * n), d)
            else:
                t = IntType(lo, hi, d)
            return ir.Quant(t, e.span, kind, binders, cond, body)
        if len(e.args) == 1:
            x = self.expr(e.args[0], sc)
            if isinstance(x.type, SetType) and isinstance(x.type.elem, IntType):
                sym = self._local("_", x.type.elem, e.span)
                body = ir.Local(x.type.elem, e.span, sym)
                el = x.type.elem
                n = el.size
                t = IntType(min(0, el.lo * n), max(0, el.hi * n), el.decimals) if kind == "sum" else el
                return ir.Quant(t, e.span, kind, [ir.Binder(sym, x)], None, body)
            self.diag.error("E302", f"{kind}() takes a set of integers or a generator "
                            f"({kind}(e for x in S)), found {x.type.show()}", e.args[0].span)
            raise _Bail
        if kind == "sum" or not e.args:
            self.diag.error("E306", f"{kind}() takes one set or a generator", e.span)
            raise _Bail
        xs = [self._int(a, sc) for a in e.args]
        d = max(x.type.decimals for x in xs)
        xs = [self._scale_lit(x, d) if isinstance(x, ir.Lit) and x.type.decimals != d else x for x in xs]
        if any(x.type.decimals != d for x in xs):
            self.diag.error("E322", f"{kind}() mixes amounts with different decimals", e.span)
            raise _Bail
        lo = (min if kind == "min" else max)(x.type.lo for x in xs)
        hi = (min if kind == "min" else max)(x.type.hi for x in xs)
        return ir.Op(IntType(lo, hi, d), e.span, kind + "of", xs)

    # -- binders
    def domain(self, e: ast.Expr, sc: Scope) -> tuple[ir.Expr, Type]:
        d = self.expr(e, sc)
        elem = _elem_type(d.type)
        if elem is None:
            self.diag.error("E302", f"expected a set or a sequence to range over, found {d.type.show()}", e.span)
            raise _Bail
        return d, elem

    def _generator(self, g: ast.Generator, sc: Scope):
        inner = sc.child()
        binders = []
        for b in g.bindings:
            dom, elem = self.domain(b.domain, inner)
            for name, span in b.names:
                sym = self._local(name, elem, span)
                binders.append(ir.Binder(sym, dom))
                inner.names[name] = sym
        cond = self._bool(g.condition, inner) if g.condition is not None else None
        return binders, inner, cond

    def _e_Quant(self, e: ast.Quant, sc, expected):
        binders, inner, cond = self._generator(e.generator, sc)
        body = self._bool(e.body, inner)
        return ir.Quant(BOOL, e.span, e.kind, binders, cond, body)

    def _e_Ite(self, e: ast.Ite, sc, expected):
        c = self._bool(e.cond, sc)
        a = self._try(e.then, sc, expected)
        if a is None:
            b = self.expr(e.orelse, sc, expected)
            a = self.expr(e.then, sc, b.type)
        else:
            b = self.expr(e.orelse, sc, expected or self._sibling_hint(a.type, e.orelse, sc))
        t = self._unify(a, b, e.span, "combine the branches")
        if expected is not None and same_shape(t, expected) and not isinstance(t, IntType):
            t = expected
        return ir.Op(t, e.span, "ite", [c, self.coerce(a, t, e.then.span), self.coerce(b, t, e.orelse.span)])

    def _e_TupleLit(self, e: ast.TupleLit, sc, expected):
        hints = [t for _, t in expected.fields] if isinstance(expected, TupleType) and \
            len(expected.fields) == len(e.elems) else [None] * len(e.elems)
        xs = [self.expr(x, sc, h) for x, h in zip(e.elems, hints)]
        ts = [_storage(x.type if h is None or not same_shape(x.type, h) else h) for x, h in zip(xs, hints)]
        xs = [self.coerce(x, t, a.span, "a tuple element") for x, t, a in zip(xs, ts, e.elems)]
        return self._fold(ir.Op(tuple_type(ts), e.span, "record", xs))

    def _e_SetLit(self, e: ast.SetLit, sc, expected):
        if not e.elems:
            if isinstance(expected, SetType):
                return ir.Lit(expected, e.span, 0)
            if isinstance(expected, MapType):
                self.diag.error("E305", "a map is total: '{}' has no value for its keys", e.span,
                                "build it with a comprehension: {k: v for k in K}")
                raise _Bail
            if expected is None and self.trying:
                raise _Ambiguous  # `{} == s`: the other side gives the type
            self.diag.error("E305", "cannot tell the type of '{}' here", e.span,
                            "use it where a set type is expected, for example 'x = {}' with x a set")
            raise _Bail
        hint = expected.elem if isinstance(expected, SetType) else None
        xs = []
        for x in e.elems:
            r = self._try(x, sc, hint)
            if r is None:
                xs.append(x)  # resolved below, once another element fixes the type
            else:
                xs.append(r)
        known = [x for x in xs if isinstance(x, ir.Expr)]
        if not known:
            self.diag.error("E307", "cannot tell the type of the elements of this set", e.span,
                            "qualify a member: {E.a, b}")
            raise _Bail
        t = hint if hint is not None and all(same_shape(k.type, hint) for k in known) else None
        if t is None:
            t = known[0].type
            for k in known[1:]:
                t = self._unify_types(t, k.type, e.span, "put in one set")
            t = _storage(t)
        self._sized(SetType(t), e.span)
        xs = [self.expr(x, sc, t) if not isinstance(x, ir.Expr) else x for x in xs]
        xs = [self.coerce(x, t, a.span, "a set element") for x, a in zip(xs, e.elems)]
        return self._fold(ir.Op(SetType(t), e.span, "setlit", xs))

    def _unify_types(self, a: Type, b: Type, span: Span, what: str) -> Type:
        if same_shape(a, b):
            return self._sized(join(a, b), span)
        self.diag.error("E301", f"cannot {what} {a.show()} and {b.show()}", span)
        raise _Bail

    def _e_SetComp(self, e: ast.SetComp, sc, expected):
        binders, inner, cond = self._generator(e.generator, sc)
        hint = expected.elem if isinstance(expected, SetType) else None
        body = self.expr(e.elem, inner, hint)
        t = hint if hint is not None and same_shape(body.type, hint) else _storage(body.type)
        self._sized(SetType(t), e.span)
        body = self.coerce(body, t, e.elem.span, "a set element")
        return ir.Quant(SetType(t), e.span, "set", binders, cond, body)

    def _e_MapComp(self, e: ast.MapComp, sc, expected):
        binders, inner, _ = self._generator(e.generator, sc)
        if len(binders) != 1 or not isinstance(e.key, ast.Name) or e.key.name != binders[0].sym.name:
            self.diag.error("E309", "a map comprehension is {k: value for k in K}, with the key the bound name",
                            e.key.span)
            raise _Bail
        b = binders[0]
        key_t = expected.key if isinstance(expected, MapType) else b.sym.type
        if not (isinstance(b.domain, ir.Lit) and b.domain.value == _full_mask(key_t)) or \
                not same_shape(b.sym.type, key_t):
            self.diag.error("E309", f"a map is total: the comprehension must range over all of {key_t.show()}",
                            e.generator.bindings[0].domain.span, f"write 'for {b.sym.name} in {key_t.show()}'")
            raise _Bail
        b.sym.type = key_t
        hint = expected.value if isinstance(expected, MapType) else None
        body = self.expr(e.value, inner, hint)
        vt = hint if hint is not None and same_shape(body.type, hint) else _storage(body.type)
        body = self.coerce(body, vt, e.value.span, "a map value")
        t = self._sized(MapType(key_t, vt), e.span)
        return ir.Quant(t, e.span, "map", [ir.Binder(b.sym, b.domain)], None, body)

    def _e_PairsLit(self, e: ast.PairsLit, sc, expected):
        if isinstance(expected, RecordType) and not isinstance(expected, TupleType):
            return self._record_lit(e, sc, expected)
        if isinstance(expected, MapType):
            return self._map_lit(e, sc, expected)
        keys_are_fields = all(isinstance(k, ast.Name) and sc.lookup(k.name) is None and k.name not in self.values
                              and k.name not in self.vars and k.name not in self.const_decls for k, _ in e.pairs)
        if keys_are_fields:
            return self._record_lit(e, sc, None)
        return self._map_lit(e, sc, None)

    def _record_lit(self, e: ast.PairsLit, sc, expected: RecordType | None):
        names = []
        for k, _ in e.pairs:
            if not isinstance(k, ast.Name):
                self.diag.error("E309", "a record field is a name", k.span)
                raise _Bail
            names.append(k.name)
        dup = _first_duplicate(names)
        if dup:
            self.diag.error("E202", f"field '{dup}' appears twice", e.span)
            raise _Bail
        if expected is not None:
            want = [n for n, _ in expected.fields]
            missing = [n for n in want if n not in names]
            extra = [n for n in names if n not in want]
            if missing or extra:
                msg = "; ".join(filter(None, [missing and f"missing {', '.join(missing)}",
                                              extra and f"unknown {', '.join(extra)}"]))
                self.diag.error("E304", f"record literal does not match {expected.show()}: {msg}", e.span)
                raise _Bail
            given = dict(zip(names, [v for _, v in e.pairs]))
            xs = [self.coerce(self.expr(given[n], sc, t), t, given[n].span, f"field '{n}'")
                  for n, t in expected.fields]
            return self._fold(ir.Op(expected, e.span, "record", xs))
        xs = [self.expr(v, sc) for _, v in e.pairs]
        t = RecordType(None, tuple((n, _storage(x.type)) for n, x in zip(names, xs)))
        xs = [self.coerce(x, ft, v.span) for x, (_, ft), (_, v) in zip(xs, t.fields, e.pairs)]
        return self._fold(ir.Op(t, e.span, "record", xs))

    def _map_lit(self, e: ast.PairsLit, sc, expected: MapType | None):
        ks = [self.expr(k, sc, expected.key if expected else None) for k, _ in e.pairs]
        key_t = expected.key if expected else ks[0].type
        for k, (ka, _) in zip(ks, e.pairs):
            if not isinstance(k, ir.Lit) or not same_shape(k.type, key_t):
                self.diag.error("E309", "map literal keys must be constants of one type", ka.span)
                raise _Bail
        ks = [self.coerce(k, key_t, ka.span, "a map key") for k, (ka, _) in zip(ks, e.pairs)]
        codes = [k.value - key_t.lo if isinstance(key_t, IntType) else k.value for k in ks]
        if sorted(codes) != sorted(set(codes)) or set(codes) != set(key_t.codes()):
            self.diag.error("E309", f"a map literal must give every key of {key_t.show()} exactly once", e.span,
                            "or build it with a comprehension: {k: v for k in K}")
            raise _Bail
        vhint = expected.value if expected else None
        vs = [self.expr(v, sc, vhint) for _, v in e.pairs]
        vt = vhint if vhint is not None else _storage(vs[0].type)
        if vhint is None:
            for v in vs[1:]:
                vt = _storage(self._unify_types(vt, v.type, e.span, "put in one map"))
        vs = [self.coerce(v, vt, va.span, "a map value") for v, (_, va) in zip(vs, e.pairs)]
        order = sorted(range(len(codes)), key=lambda i: codes[i])
        t = MapType(key_t, vt)
        # a map literal is the record of its values in key order
        rec = ir.Op(t, e.span, "record", [vs[i] for i in order], "map")
        return self._fold(rec)

    def _e_SeqLit(self, e: ast.SeqLit, sc, expected):
        if not e.elems:
            if isinstance(expected, SeqType):
                return ir.Lit(expected, e.span, 0)
            if expected is None and self.trying:
                raise _Ambiguous  # `[] == q`: the other side gives the type
            self.diag.error("E305", "cannot tell the type of '[]' here", e.span)
            raise _Bail
        hint = expected.elem if isinstance(expected, SeqType) else None
        xs = [self.expr(x, sc, hint) for x in e.elems]
        t = hint if hint is not None and all(same_shape(x.type, hint) for x in xs) else None
        if t is None:
            t = xs[0].type
            for x in xs[1:]:
                t = self._unify_types(t, x.type, e.span, "put in one sequence")
            t = _storage(t)
        cap = expected.capacity if isinstance(expected, SeqType) and expected.capacity >= len(xs) else len(xs)
        xs = [self.coerce(x, t, a.span, "an element") for x, a in zip(xs, e.elems)]
        return self._fold(ir.Op(self._sized(SeqType(t, cap), e.span), e.span, "seqlit", xs))

    def _e_Match(self, e: ast.Match, sc, expected):
        subj = self.expr(e.subject, sc)
        t = subj.type
        if not isinstance(t, (UnionType, OptionType)):
            self.diag.error("E308", f"'match' takes a union or an option, found {t.show()}", e.subject.span)
            raise _Bail
        arms = []
        covered = set()
        result_t = expected
        bodies = []
        for arm in e.arms:
            p = arm.pattern
            inner = sc.child()
            locals_ = []
            if p.kind == "any":
                pat = None
            elif isinstance(t, OptionType):
                if p.kind == "some" or (p.kind == "ctor" and p.name == "some"):
                    pat = "some"
                    if len(p.binds) != 1:
                        self.diag.error("E308", "the pattern is some(x)", p.span)
                        raise _Bail
                    sym = self._local(p.binds[0][0], t.elem, p.binds[0][1])
                    inner.names[sym.name] = sym
                    locals_.append(sym)
                elif p.kind == "none" or (p.kind == "ctor" and p.name == "none" and not p.has_parens):
                    pat = "none"
                else:
                    self.diag.error("E308", "an option's patterns are some(x) and none", p.span)
                    raise _Bail
            else:
                if p.kind != "ctor":
                    self.diag.error("E308", f"{t.show()} has variants, not {p.kind}", p.span)
                    raise _Bail
                try:
                    info = t.variant(p.name)
                except KeyError:
                    self.diag.error("E308", f"{t.show()} has no variant '{p.name}'", p.span,
                                    suggest(p.name, [n for n, _ in t.variants]))
                    raise _Bail from None
                pat = p.name
                nfields = len(info.payload.fields) if info.payload else 0
                if p.binds and len(p.binds) != nfields or (not p.binds and p.has_parens and nfields):
                    self.diag.error("E308", f"'{p.name}' has {nfields} field(s)", p.span)
                    raise _Bail
                for (name, span), (_, ft) in zip(p.binds, info.payload.fields if info.payload else ()):
                    sym = self._local(name, ft, span)
                    if name != "_":
                        inner.names[name] = sym
                    locals_.append(sym)
            if pat in covered:
                self.diag.warn("W103", f"this arm is never taken: '{pat}' is matched above", p.span)
            if pat is None:
                covered.add(None)
            covered.add(pat)
            body = self.expr(arm.body, inner, result_t)
            bodies.append((body, arm.body.span))
            result_t = body.type if result_t is None else self._unify_types(result_t, body.type, arm.span,
                                                                            "combine the arms")
            arms.append(ir.MatchArm(pat, locals_, body))
        names = ["some", "none"] if isinstance(t, OptionType) else [n for n, _ in t.variants]
        missing = [n for n in names if n not in covered]
        if missing and None not in covered:
            self.diag.error("E308", f"'match' does not cover {', '.join(missing)}", e.span,
                            "add the missing arms or a catch-all '_ -> ...'")
            raise _Bail
        for arm, (body, span) in zip(arms, bodies):
            arm.body = self.coerce(body, result_t, span)
        return ir.Match(result_t, e.span, subj, arms)

    # ---- conversions --------------------------------------------------------

    def coerce(self, x: ir.Expr, t: Type, span: Span, what: str = "this") -> ir.Expr:
        """x as a value of type t, with a checked conversion where ranges differ."""
        if x.type == t:
            return x
        if isinstance(x.type, IntType) and isinstance(t, IntType) and x.type.decimals != t.decimals:
            if isinstance(x, ir.Lit) and x.type.decimals < t.decimals:
                x = self._scale_lit(x, t.decimals)
            else:
                self.diag.error("E322", f"type mismatch for {what}: expected {t.show()}, found {x.type.show()}",
                                span, "convert with fixed(x, D) or round(x, D, mode)")
                raise _Bail
        if isinstance(x.type, IntType) and isinstance(t, IntType):
            if t.contains(x.type):
                return x
            if isinstance(x, ir.Lit) and t.lo <= x.value <= t.hi:  # a typed constant: its value fits
                return ir.Lit(IntType(x.value, x.value, t.decimals), x.span, x.value)
            if isinstance(x, ir.Lit):
                self.diag.error("E320", f"{x.value} is outside {t.show()} for {what}", span)
                raise _Bail
            return ir.Op(t, x.span, "narrow", [x])
        if same_shape(x.type, t):
            if isinstance(x, ir.Lit):
                try:
                    plain = ir.decode_value(x.type, x.value)
                    return ir.Lit(t, x.span, ir.encode_value(t, plain))
                except V.EncodeError as exc:
                    self.diag.error("E320", f"{V.show(plain)} does not fit {t.show()} for {what}: {exc}", span)
                    raise _Bail from None
            if fits(x.type, t):
                return _retype(x, t)
            return ir.Op(t, x.span, "convert", [x])
        self.diag.error("E302", f"type mismatch for {what}: expected {t.show()}, found {x.type.show()}", span)
        raise _Bail

    def _fold(self, node: ir.Op) -> ir.Expr:
        if all(isinstance(a, ir.Lit) for a in node.args):
            return ir.Lit(node.type, node.span, eval_const(node))
        return node

    # ---- loops and symmetry -----------------------------------------------------

    def _note_loop(self, loop: ir.For) -> None:
        from .types import symmetric_sets
        syms = symmetric_sets(loop.sym.type)
        if syms and not _pointwise(loop):
            for t in syms:
                self.asym_loops.setdefault(t, loop.span)

    def _symmetry(self) -> list[ModelValueType]:
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


# ---- helpers -------------------------------------------------------------------

def _mix_hint(op: str, e: ast.Binary, da: int, db: int) -> str:
    """How to write `e`, whose operands have da and db decimals, with the conversion that fits."""
    if op in ("mul", "pow"):
        return "multiply amounts with mul(a, b, mode): the result has the decimals of a, rounded as mode says"
    if op in ("div", "mod"):
        return "divide with div(a, b, mode): the result has the decimals of a, rounded as mode says"
    low, d = (e.left, db) if da < db else (e.right, da)
    text = _span_text(low.span) or "x"
    if min(da, db) == 0:
        return f"make the integer an amount with {d} decimal{'s' if d > 1 else ''}: fixed({text}, {d})"
    return (f"give {text} {d} decimals exactly with fixed({text}, {d}), or round the other side to "
            f"{min(da, db)} with round(x, {min(da, db)}, mode)")


def _span_text(span) -> str | None:
    if span is None or span.line != span.end_line:
        return None
    return span.source.line(span.line)[span.col - 1: span.end_col - 1] or None


def _is_temporal(e) -> bool:
    """Whether an AST expression contains always, eventually or leads_to."""
    return any((isinstance(n, ast.Unary) and n.op in ("always", "eventually"))
               or (isinstance(n, ast.Binary) and n.op == "leads_to") for n in ast.walk(e))


def _rename(e, old: str, new: str):
    """A copy of an AST expression with the free name `old` renamed to `new`."""
    import copy
    import dataclasses

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


def _retype(x: ir.Expr, t: Type) -> ir.Expr:
    import copy
    y = copy.copy(x)
    y.type = t
    return y


def _storage(t: Type) -> Type:
    return t


def _wider(a: Type, b: Type) -> bool:
    """Whether some integer range (or capacity) inside b reaches outside a's (same shape)."""
    if isinstance(a, IntType) and isinstance(b, IntType):
        return not a.contains(b)
    if isinstance(a, RecordType) and isinstance(b, RecordType):
        return any(_wider(x, y) for (_, x), (_, y) in zip(a.fields, b.fields))
    if isinstance(a, (SetType, OptionType)) and isinstance(b, (SetType, OptionType)):
        return _wider(a.elem, b.elem)
    if isinstance(a, SeqType) and isinstance(b, SeqType):
        return b.capacity > a.capacity or _wider(a.elem, b.elem)
    if isinstance(a, MapType) and isinstance(b, MapType):
        return _wider(a.value, b.value)
    return False


def _full_mask(t: Type) -> int:
    mask = 0
    for c in t.codes():
        mask |= 1 << c
    return mask


def _elem_type(t: Type) -> Type | None:
    if isinstance(t, SetType):
        return t.elem
    if isinstance(t, SeqType):
        return t.elem
    return None


def _max_iterations(binders) -> int:
    n = 1
    for b in binders:
        t = b.domain.type
        n *= t.capacity if isinstance(t, SeqType) else t.elem.count()
    return n


def _a(noun: str) -> str:
    return ("an " if noun[:1] in "aeiou" else "a ") + noun


def _first_duplicate(names):
    seen = set()
    for n in names:
        if n in seen:
            return n
        seen.add(n)
    return None


def _const_type(t: Type, value) -> Type:
    if isinstance(t, IntType):
        return IntType(value, value, t.decimals)
    return t


def _op_text(op: str) -> str:
    return {"subset": "subset", "|": "|", "&": "&", "-": "-"}.get(op, op)


def _lvalue_text(lv) -> str:
    if isinstance(lv, ast.LName):
        return lv.name
    if isinstance(lv, ast.LField):
        return f"{_lvalue_text(lv.base)}.{lv.name}"
    return f"{_lvalue_text(lv.base)}[...]"


def _mentions(e, name: str) -> bool:
    return any(isinstance(n, ast.Name) and n.name == name for n in ast.walk(e))


def iter_ir(node, into_defs: bool = True):
    """Every IR expression node under `node` (an Expr, Stmt or list of them), and under the bodies
    of the defs it calls unless `into_defs` is false."""
    stack = [node]
    while stack:
        n = stack.pop()
        if isinstance(n, list):
            stack.extend(n)
            continue
        if isinstance(n, ir.Expr):
            yield n
            if isinstance(n, ir.Op):
                stack.extend(n.args)
            elif isinstance(n, ir.Quant):
                stack.extend(b.domain for b in n.binders)
                stack.extend(x for x in (n.cond, n.body) if x is not None)
            elif isinstance(n, ir.Match):
                stack.append(n.subject)
                stack.extend(a.body for a in n.arms)
            elif isinstance(n, ir.Call):
                stack.extend(n.args)
                if into_defs and n.fn.body is not None:
                    stack.append(n.fn.body)
        elif isinstance(n, ir.Stmt):
            for v in vars(n).values():
                if isinstance(v, (ir.Expr, list)):
                    stack.append(v)
                elif isinstance(v, ir.PathStep) and isinstance(v.arg, ir.Expr):
                    stack.append(v.arg)
            if isinstance(n, ir.Assign):
                stack.extend(p.arg for p in n.path if isinstance(p.arg, ir.Expr))
        elif isinstance(n, ir.PathStep) and isinstance(n.arg, ir.Expr):
            stack.append(n.arg)


def _symbolic_in(e) -> list:
    """The symbolic constants an expression reads."""
    return [n for n in iter_ir(e) if isinstance(n, ir.SymConst)]


def _reads_state(e) -> bool:
    return e is not None and any(isinstance(n, ir.VarRef) for n in iter_ir(e))


def _is_pure_const(e) -> bool:
    return not any(isinstance(n, (ir.VarRef, ir.Local)) for n in iter_ir(e) if not isinstance(n, ir.Quant)) \
        or True


def _pointwise(loop: ir.For) -> bool:
    """Whether a loop only writes the entry indexed by its variable (order cannot matter)."""
    written = set()
    ok = True

    def stmts(ss):
        nonlocal ok
        for s in ss:
            if isinstance(s, ir.Assign):
                p = s.path
                if not (p and p[0].kind == "get" and isinstance(p[0].arg, ir.Local) and p[0].arg.sym is loop.sym):
                    ok = False
                written.add(s.var)
            elif isinstance(s, ir.If):
                stmts(s.then)
                stmts(s.orelse)
            elif isinstance(s, ir.For):
                stmts(s.body)
            elif isinstance(s, ir.Choose):
                ok = False
    stmts(loop.body)
    if not ok:
        return False
    return _reads_entry_only(loop.body, written, {loop.sym})


def _reads_entry_only(node, written: set, keys: set) -> bool:
    """Whether every read under node of a variable in `written` is `v[k]` with k a local in `keys`.

    A def reads through its parameters: inside its body, the keys are the parameters whose
    arguments are keys (`equity(u, price)` in a loop over u reads `coll[u]` when equity does).
    """
    reads = gets = 0
    for n in iter_ir(node, into_defs=False):
        if isinstance(n, ir.VarRef) and n.var in written:
            reads += 1
        elif isinstance(n, ir.Op) and n.op == "get" and isinstance(n.args[0], ir.VarRef) \
                and n.args[0].var in written:
            k = n.args[1]
            if not (isinstance(k, ir.Local) and k.sym in keys):
                return False
            gets += 1
        elif isinstance(n, ir.Call) and n.fn.body is not None:
            inner = {p for p, a in zip(n.fn.params, n.args) if isinstance(a, ir.Local) and a.sym in keys}
            if not _reads_entry_only(n.fn.body, written, inner):
                return False
    return reads == gets


# ---- interval arithmetic ---------------------------------------------------------

def _floor_div(a: int, b: int) -> int:
    return a // b


def _trunc_div(a: int, b: int) -> int:
    q = abs(a) // abs(b)
    return q if (a >= 0) == (b > 0) else -q


def interval(op: str, a: IntType, b: IntType) -> IntType:
    """The static range of `a op b` for integers in the given ranges."""
    if op == "add":
        return IntType(a.lo + b.lo, a.hi + b.hi)
    if op == "sub":
        return IntType(a.lo - b.hi, a.hi - b.lo)
    if op == "mul":
        c = [a.lo * b.lo, a.lo * b.hi, a.hi * b.lo, a.hi * b.hi]
        return IntType(min(c), max(c))
    if op == "div":
        ys = [y for y in (b.lo, b.hi, -1, 1) if b.lo <= y <= b.hi and y != 0]
        if not ys:
            return IntType(0, 0)
        c = [_trunc_div(x, y) for x in (a.lo, a.hi) for y in ys]
        if a.lo <= 0 <= a.hi:
            c.append(0)
        return IntType(min(c), max(c))
    if op == "mod":
        m = max(abs(b.lo), abs(b.hi)) - 1
        m = max(m, 0)
        lo = 0 if a.lo >= 0 else max(a.lo, -m)
        hi = 0 if a.hi <= 0 else min(a.hi, m)
        return IntType(lo, hi)
    if op == "pow":
        es = range(b.lo, b.hi + 1) if b.hi - b.lo <= 64 else [b.lo, b.lo + 1, b.hi - 1, b.hi]
        bases = {a.lo, a.hi, min(max(0, a.lo), a.hi), min(max(-1, a.lo), a.hi), min(max(1, a.lo), a.hi)}
        c = [x ** y for x in bases for y in es]
        return IntType(min(c), max(c))
    raise AssertionError(op)


def check(modules: list[ast.Module], overrides: dict[str, ConstOverride] | None = None) -> ir.CheckedModel:
    """Names and types of the main module (first) and its imports, constants fixed."""
    from .desugar import desugar
    return Checker(desugar(modules), overrides).check()


__all__ = ["check", "Checker", "ConstOverride", "interval", "iter_ir", "SpecError", "Diagnostic"]
