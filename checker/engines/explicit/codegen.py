"""The IR compiled to Python source: the explicit engine's transition function.

A state is one integer: every variable's code at a fixed bit offset
(`checker.engines.explicit.layout`). The generated `expand(frontier)` walks one BFS level: for
each state it checks every invariant, runs every action instance and collects
the successors, all with integer operations on the packed state.

What a model can put into the generated source is limited to integers: names
from the model never appear in it (locals are `l<number>`, functions
`f<number>`), and strings (assert messages, error texts) stay in tables the
code indexes. The source is executed with a namespace holding only the
helpers below and no builtins beyond a fixed list, so a model cannot run
arbitrary Python.

Shapes of generated code:
  - parameters with few values are unrolled and folded into constants;
  - an action's leading `require`s become the guard, tested inline;
  - a body without `choose` or later `require` is inlined;
  - any other body becomes functions in continuation-passing style: each
    `choose` and each `if` that may branch or fail ends the current function
    and continues in a new one, so a failing `require` is just `return`;
  - where `x is V` holds (an `if`'s then branch, the right of `and` and
    `implies`, an `if ... then` expression's then), the local x is known to
    be a V (`narrowed`): its fields are read without a test, a match on it
    (or on a constant) is its arm;
  - an invariant that loops or calls, and reads only some of the variables,
    is remembered per value of those variables (`memo_mask`): a dictionary
    from those bits of the state to its outcome, computed on a miss only.

Whatever the model, the source stays within what Python compiles: an
integer constant longer than LITERAL_BITS is a table entry (Python neither
prints nor parses 4,300-digit decimals well); an expression nesting deeper
than MAX_NESTING brackets continues in a helper function called in its
place; statements nesting deeper than MAX_BLOCKS continue in a new function;
a body's continuations are compiled from a work list, not by recursion.
"""

from __future__ import annotations

import itertools
import re
import sys
from contextlib import contextmanager
from dataclasses import dataclass, field

from spec import ir
from spec.diagnostics import Diagnostic, SpecError
from spec.interp import Interp
from spec.runtime import Memo, ModelError, generated_globals, tabulated_convert
from spec.types import BoolType, IntType, MapType, OptionType, RecordType, SeqType, SetType, Type, UnionType

from checker.engines.explicit.layout import StateLayout

UNROLL_PARAMS = 64       # action instances (parameter values) unrolled with folded constants
UNROLL_QUANT = 24        # quantifier domains of at most this many values unrolled into and/or chains
UNROLL_FOR = 64          # statement loops over at most this many values unrolled
LITERAL_BITS = 256       # longer integer constants are table entries, not source text
MAX_NESTING = 40         # brackets in one generated expression (Python refuses 200)
KERNEL_WAYS = 256        # ways through an action instance's `choose`s that the level kernel takes
MAX_BLOCKS = 40          # nested blocks in one generated function (Python refuses 100 indents)
MAX_SOURCE_LINES = 200_000
MASK_CODES = 1 << 12     # a loop over a set of a type of at most this many values may become a mask (_mask_of)
UNROLL_VARIANTS = 4      # a union field read on at most this many variants is inlined (no _ufield call)
MEMO_SIZE = 1 << 16      # an invariant's remembered outcomes (then forgotten all at once) ...
MEMO_BYTES = 8 << 20     # ... fewer when its keys are wide: about this many bytes at most
STEP_AFTER = "s"         # the name of the state after the step in step-property code (`_FREE_NAME` knows it)


class _Const:
    __slots__ = ("value",)

    def __init__(self, value):
        self.value = value


_PURE_TEXT = re.compile(r"[\w\s()<>&|+~-]*")
_CALL = re.compile(r"\w\s*\(")


def _pure_text(text: str) -> bool:
    """Code that only reads names and shifts and masks them: no call, so it can be evaluated twice."""
    return _PURE_TEXT.fullmatch(text) is not None and _CALL.search(text) is None


def _pick(fn: str, cmp: str, a) -> "Code":
    """min/max: of two pure operands a conditional expression, which costs half a call of the
    builtin (issue 13: `max` was the hottest call in gossip_symmetric's pointwise maximum)."""
    if len(a) == 2 and _pure_text(a[0].text) and _pure_text(a[1].text):
        x, y = a[0].text, a[1].text
        return Code(f"({x} if {x} {cmp} {y} else {y})")
    return Code(f"{fn}({', '.join(x.text for x in a)})")


@dataclass
class Code:
    """A compiled expression: Python text, and the constant value when known."""

    text: str
    const: object = None
    is_const: bool = False
    variant: str | None = None  # a union value known to be of this variant (a loop over its members)

    def __str__(self) -> str:
        return self.text


def _paren(text: str) -> str:
    return f"({text})"


@dataclass
class Ctx:
    """Where an expression is compiled: which name holds the state, the locals."""

    state: str
    env: dict = field(default_factory=dict)  # LocalSym.id -> Code

    def bind(self, sym_id: int, code: Code) -> "Ctx":
        env = dict(self.env)
        env[sym_id] = code
        return Ctx(self.state, env)


class Compiler:
    def __init__(self, model: ir.CheckedModel):
        self.model = model
        self.layout = StateLayout(model)
        self.sites: list[tuple[str, object]] = []       # (what, span) for run-time errors
        self.tables: list = []                          # constant tuples and converters
        self.funcs: list[list[str]] = []
        self.fn_ids = itertools.count()
        self.tmp_ids = itertools.count()
        self.interp = Interp(model)
        self.big: dict[int, str] = {}                   # long integer constant -> its table entry
        self.fails: dict[str, bool] = {}                # def -> whether its body may fail
        self.converters: dict = {}                      # (src, dst) -> table entry of its TabulatedConvert
        self.type_codes: dict[int, tuple] = {}          # id of a type -> (the type, its codes): codes_of
        self.masks: dict[tuple, int | None] = {}        # (name, text, id of the type, variant) -> _mask_of's
        # in a straight-line body inlined in expand: the variables it has not assigned yet, which
        # it reads from s0 (`state_of`); None elsewhere
        self.unwritten: set[int] | None = None

    # ---- helpers ---------------------------------------------------------------

    def site(self, what: str, span) -> int:
        self.sites.append((what, span))
        return len(self.sites) - 1

    def table(self, value) -> str:
        self.tables.append(value)
        return f"_T[{len(self.tables) - 1}]"

    def lit(self, v: int) -> str:
        """An integer as source text; a long one is a table entry, built once at load time.

        Python refuses to print integers of more than 4,300 decimal digits (and parses long
        literals slowly), while a set of a large type or the mask of a wide variable easily
        has tens of thousands of bits.
        """
        if v.bit_length() <= LITERAL_BITS:
            return repr(v)
        if v not in self.big:
            self.big[v] = self.table(v)
        return self.big[v]

    def tuple_text(self, values) -> str:
        return "(" + "".join(self.lit(v) + ", " for v in values) + ")"

    def of(self, value) -> Code:
        """A constant as compiled code."""
        if isinstance(value, bool):
            return Code("True" if value else "False", value, True)
        assert isinstance(value, int), value
        return Code(self.lit(value), value, True)

    def tmp(self) -> str:
        return f"_t{next(self.tmp_ids)}"

    def new_function(self, params: list[str], body: list[str]) -> str:
        name = f"f{next(self.fn_ids)}"
        self.define(name, params, body)
        return name

    def define(self, name: str, params: list[str], body: list[str]) -> None:
        self.funcs.append([f"def {name}({', '.join(params)}):"] + _indent(body or ["pass"]))

    def fold(self, e: ir.Op, args: list[Code]) -> Code | None:
        """Evaluate an operator on constant arguments at compile time (reference semantics)."""
        if not all(a.is_const for a in args):
            return None
        lits = [ir.Lit(x.type, None, a.const) for x, a in zip(e.args, args)]
        node = ir.Op(e.type, e.span, e.op, lits, e.extra)
        try:
            v = self.interp.eval(node, {}, None)
        except ModelError:
            return None  # fails at run time only if reached
        if isinstance(v, bool) or isinstance(v, int):
            return self.of(v)
        return None

    # ---- state access ------------------------------------------------------------

    def state_of(self, var: ir.VarSym | None, ctx: Ctx) -> str:
        """The name of the state to read var from: s0 in a straight-line body inlined in expand
        that has not assigned var yet (the same value; every instance's reads of s0 are read once
        a state, `_hoist_reads`: the pointwise maximum of 20 gossip instances), else ctx.state."""
        if ctx.state == "s" and self.unwritten is not None and var is not None and var.index in self.unwritten:
            return "s0"
        return ctx.state

    def read_var(self, var: ir.VarSym, ctx: Ctx) -> str:
        """The variable's code, read from the packed state."""
        m = self.lit((1 << var.type.bits) - 1)
        if var.type.bits == 0:
            return "0"
        off = self.layout.offset(var)
        st = self.state_of(var, ctx)
        if off == 0:
            if var.type.bits == self.layout.bits:
                return st
            return f"({st} & {m})"
        if self.layout.is_last(var):
            return f"({st} >> {off})"
        return f"(({st} >> {off}) & {m})"

    def decode(self, code: str, t: Type, const=None) -> Code:
        """Code text -> value text (integers get their lower bound back)."""
        if const is not None:
            if isinstance(t, IntType):
                return self.of(const + t.lo)
            if isinstance(t, BoolType):
                return self.of(bool(const))
            return self.of(const)
        if isinstance(t, IntType) and t.lo != 0:
            return Code(f"({code} + {self.lit(t.lo)})" if t.lo > 0 else f"({code} - {self.lit(-t.lo)})")
        return Code(code)

    def encode(self, value: Code, t: Type) -> Code:
        """Value -> code (integers lose their lower bound)."""
        if value.is_const:
            if isinstance(t, IntType):
                return self.of(value.const - t.lo)
            return self.of(int(value.const))
        if isinstance(t, IntType) and t.lo != 0:
            return Code(f"({value.text} - {self.lit(t.lo)})" if t.lo > 0 else f"({value.text} + {self.lit(-t.lo)})")
        return value

    # ---- locations: a variable and a path of constant-or-dynamic offsets -----------

    def location(self, e: ir.Expr, ctx: Ctx):
        """(offset text or int, type) when e reads a fixed place of the state, else None."""
        if isinstance(e, ir.VarRef):
            return self.layout.offset(e.var), e.var.type
        if isinstance(e, ir.Op) and e.op in ("get", "field"):
            base = self.location(e.args[0], ctx)
            if base is None:
                return None
            off, t = base
            if e.op == "field":
                return _add_off(off, t.offsets[e.extra]), t.fields[e.extra][1]
            key = e.args[1]
            slot = self.key_code(self.expr(key, ctx), t.key, key)
            w = t.value.bits
            if slot.is_const:
                return _add_off(off, slot.const * w), t.value
            scaled = slot.text if w == 1 else f"{slot.text} * {w}"
            return _add_off(off, scaled), t.value
        return None

    def read_location(self, off, t: Type, ctx: Ctx, var: ir.VarSym | None = None) -> str:
        """The code at a location of the state (of the variable var, when known: `state_of`)."""
        m = self.lit((1 << t.bits) - 1)
        st = self.state_of(var, ctx)
        if isinstance(off, int):
            if off == 0:
                return f"({st} & {m})"
            return f"(({st} >> {off}) & {m})"
        return f"(({st} >> ({off})) & {m})"

    def key_code(self, key: Code, kt: Type, key_expr: ir.Expr) -> Code:
        """The slot of a map key; an integer key outside the key range is an error (tested only
        when the key's type does not already keep it inside)."""
        if isinstance(kt, IntType):
            if key.is_const:
                return self.of(key.const - kt.lo)
            at = key_expr.type
            if isinstance(at, IntType) and kt.contains(at):
                return self.encode(key, kt)
            span = key_expr.span
            site = self.site("a map key", span)
            return Code(f"_keychk({key.text}, {self.lit(kt.lo)}, {self.lit(kt.hi)}, {site})")
        return self.encode(key, kt)

    # ---- expressions -----------------------------------------------------------------

    def expr(self, e: ir.Expr, ctx: Ctx) -> Code:
        code = getattr(self, "_x_" + type(e).__name__)(e, ctx)
        if not code.is_const and _nesting(code.text) > MAX_NESTING:
            return self.helper(code)
        return code

    def helper(self, code: Code) -> Code:
        """A deep expression moved into a function of its own, called where it stood.

        Python parses at most 200 nested brackets, and a model's `a and b and ...`, sum or
        `not not ...` nests one level per operator: every MAX_NESTING levels the expression
        becomes a call, so no generated expression is deep. The call is evaluated where the
        expression was, so `and`, `or` and `if` still skip what they skipped.
        """
        names = _free_names(code.text)
        return Code(f"{self.new_function(names, ['return ' + code.text])}({', '.join(names)})")

    def code_of(self, e: ir.Expr, ctx: Ctx) -> Code:
        """The expression's value encoded as a code of its type."""
        return self.encode(self.expr(e, ctx), e.type)

    def _x_Lit(self, e: ir.Lit, ctx):
        return self.of(e.value)

    def _x_Local(self, e: ir.Local, ctx):
        return ctx.env[e.sym.id]

    def _x_VarRef(self, e: ir.VarRef, ctx):
        return self.decode(self.read_var(e.var, ctx), e.var.type)

    def _x_NextRef(self, e: ir.NextRef, ctx):
        """`x'` in a step property: the generated step-property functions hold the state after the
        step in `s` (and the state before in `s0`, where VarRef reads it; see `step_property_lines`)."""
        return self.decode(self.read_var(e.var, Ctx(STEP_AFTER)), e.var.type)

    def _x_Call(self, e: ir.Call, ctx):
        """The body with the arguments in place; an argument that may fail is evaluated first.

        The interpreter evaluates (and range-checks) every argument before the body, so an
        argument the body does not use, or uses on one branch only, fails all the same.
        """
        inner = Ctx(ctx.state, dict(ctx.env))
        strict = []
        for p, a in zip(e.fn.params, e.args):
            code = self.expr(a, ctx)
            if not code.is_const and self.may_fail(a):
                strict.append((f"l{p.id}", code.text))
                code = Code(f"l{p.id}")
            inner.env[p.id] = code
        body = self.expr(e.fn.body, inner)
        if not strict:
            return body
        if len(strict) == 1 and body.text == strict[0][0]:  # the body is the argument
            return Code(strict[0][1])
        # each failing argument bound first, left to right, by an assignment expression (a
        # lambda called in place costs twice as much); a comprehension's iterable cannot hold
        # one, so _quant_generator moves such an iterable into a function of its own
        binds = "".join(f"({name} := {arg}), " for name, arg in strict)
        return Code(f"({binds}{body.text})[{len(strict)}]")

    def may_fail(self, e: ir.Expr) -> bool:
        """Whether evaluating e may raise a run-time error (an unknown operator may)."""
        todo = [e]
        while todo:
            x = todo.pop()
            if isinstance(x, ir.Op):
                if x.op not in _SAFE_OPS and not _safe_get(x):
                    return True
                todo += x.args
            elif isinstance(x, ir.Call):
                if x.fn.name not in self.fails:
                    self.fails[x.fn.name] = self.may_fail(x.fn.body)
                if self.fails[x.fn.name]:
                    return True
                todo += x.args
            elif isinstance(x, ir.Match):
                todo += [x.subject] + [arm.body for arm in x.arms]
            elif isinstance(x, ir.LetIn):
                todo += [x.value, x.body]
            elif isinstance(x, ir.Quant):
                if x.kind in ("min", "max", "the"):
                    return True
                todo += [b.domain for b in x.binders] + [y for y in (x.cond, x.body) if y is not None]
            elif not isinstance(x, (ir.Lit, ir.Local, ir.VarRef)):
                return True
        return False

    def _x_LetIn(self, e: ir.LetIn, ctx):
        """`let x = v in body`: v evaluated first (it may fail where body would not read it, as the
        interpreter does), into the local's generated name by an assignment expression; a constant
        or a local is put in place instead."""
        value = self.expr(e.value, ctx)
        if value.is_const or _repeatable(value.text):
            return self.expr(e.body, ctx.bind(e.sym.id, value))
        # a fresh name at every place the let is compiled: a def's let inlined twice, once inside an
        # argument of the other (`f(f(a))`), must not overwrite the outer binding before it is read
        name = self.tmp()
        body = self.expr(e.body, ctx.bind(e.sym.id, Code(name, variant=value.variant)))
        return Code(f"(({name} := {value.text}), {body.text})[1]")

    def _x_Match(self, e: ir.Match, ctx):
        subj = self.code_of(e.subject, ctx)
        t = e.subject.type
        variant = subj.variant
        if subj.is_const and isinstance(t, UnionType) and 0 <= subj.const < t.size:
            variant = t.variant_of(subj.const).name
        known = next((a for a in e.arms if a.pattern in (None, variant)), None) if variant else None
        if known is not None:  # the value's variant is known: so is its arm (the first for it, or `_`)
            return self.expr(known.body, self.arm_test(t, subj, known, ctx)[1])
        parts = []
        for arm in e.arms:
            test, inner = self.arm_test(t, subj, arm, ctx)
            body = self.expr(arm.body, inner)
            parts.append((test, body))
        out = parts[-1][1]
        for test, body in reversed(parts[:-1]):  # one level per arm: long matches go into helpers
            out = Code(f"({body.text} if {test} else {out.text})")
            if _nesting(out.text) > MAX_NESTING:
                out = self.helper(out)
        return out

    def arm_test(self, t: Type, subj: Code, arm: ir.MatchArm, ctx: Ctx):
        s = _paren(subj.text)
        if arm.pattern is None:
            return "True", ctx
        if isinstance(t, OptionType):
            if arm.pattern == "none":
                return f"{s} == 0", ctx
            return f"{s} != 0", ctx.bind(arm.locals[0].id, self.decode(f"({s} - 1)", t.elem))
        info = t.variant(arm.pattern)
        base, end = self.lit(info.base), self.lit(info.base + info.size)
        test = f"{s} == {base}" if info.size == 1 else f"{base} <= {s} < {end}"
        inner = ctx
        if info.payload is not None:
            payload = f"({s} - {base})" if info.base else s
            for sym, off, (_, ft) in zip(arm.locals, info.payload.offsets, info.payload.fields):
                if subj.is_const:
                    field_code = ((subj.const - info.base) >> off) & ((1 << ft.bits) - 1)
                    inner = inner.bind(sym.id, self.decode("", ft, field_code))
                    continue
                m = self.lit((1 << ft.bits) - 1)
                inner = inner.bind(sym.id, self.decode(f"(({payload} >> {off}) & {m})", ft))
        return test, inner

    def _x_Op(self, e: ir.Op, ctx: Ctx) -> Code:
        op = e.op
        if op in ("get", "field") and not self._has_local_base(e):
            loc = self.location(e, ctx)
            if loc is not None:
                off, t = loc
                return self.decode(self.read_location(off, t, ctx, _root_var(e)), t)
        if op == "in" and isinstance(e.args[1].type, SetType) and not self._has_local_base(e.args[1]):
            direct = self._bit_in_state(e, ctx)
            if direct is not None:
                return direct
        if op == "and":
            a, b = self.expr(e.args[0], ctx), self.expr(e.args[1], self.narrowed(e.args[0], ctx))
            if a.is_const:
                return b if a.const else self.of(False)
            if b.is_const and b.const:
                return a
            if b.is_const and self._pure(e.args[0], a):
                return self.of(False)
            return Code(f"({a.text} and {b.text})")
        if op == "or":
            a, b = self.expr(e.args[0], ctx), self.expr(e.args[1], ctx)
            if a.is_const:
                return self.of(True) if a.const else b
            if b.is_const and not b.const:
                return a
            if b.is_const and self._pure(e.args[0], a):
                return self.of(True)
            return Code(f"({a.text} or {b.text})")
        if op == "implies":
            a, b = self.expr(e.args[0], ctx), self.expr(e.args[1], self.narrowed(e.args[0], ctx))
            if a.is_const:
                return b if a.const else self.of(True)
            if b.is_const and b.const and self._pure(e.args[0], a):
                return self.of(True)
            if b.is_const and not b.const:
                return Code(f"(not {a.text})")
            return Code(f"((not {a.text}) or {b.text})")
        if op == "ite":
            c = self.expr(e.args[0], ctx)
            if c.is_const:
                return self.expr(e.args[1] if c.const else e.args[2], ctx)
            a, b = self.expr(e.args[1], self.narrowed(e.args[0], ctx)), self.expr(e.args[2], ctx)
            return Code(f"({a.text} if {c.text} else {b.text})")
        args = [self.expr(a, ctx) for a in e.args]
        folded = self.fold(e, args)
        if folded is not None:
            return folded
        return getattr(self, "_op_" + op)(e, args, ctx)

    def _pure(self, e: ir.Expr, code: Code) -> bool:
        """Whether e (compiled to code) can be left out: it cannot fail and binds no name that
        the code around it reads. `a or true` is then true, `a and false` false."""
        return ":=" not in code.text and (not self.may_fail(e) or _cannot_fail(code.text))

    def narrowed(self, cond: ir.Expr, ctx: Ctx) -> Ctx:
        """A copy of ctx for where cond holds: a local of a union type that one of cond's
        conjuncts tests with `x is V` is known to be a V there (its field reads test nothing,
        a match on it takes V's arm, `x is W` is a constant)."""
        out = Ctx(ctx.state, dict(ctx.env))
        for c in _conjuncts(cond):
            if not (isinstance(c, ir.Op) and c.op == "is" and isinstance(c.args[0], ir.Local)
                    and isinstance(c.args[0].type, UnionType)):
                continue
            code = ctx.env.get(c.args[0].sym.id)
            if code is not None and not code.is_const and code.variant is None:
                out.env[c.args[0].sym.id] = Code(code.text, variant=c.extra)
        return out

    def _bit_in_state(self, e: ir.Op, ctx: Ctx) -> Code | None:
        """`c in S` with S a place in the state and c constant: one bit of the state."""
        x = self.expr(e.args[0], ctx)
        elem_t = e.args[1].type.elem
        if not x.is_const:
            return None
        c = self.encode(x, elem_t).const
        if not 0 <= c < elem_t.size:
            return self.of(False)
        loc = self.location(e.args[1], ctx)
        if loc is None:
            return None
        off = _add_off(loc[0], c)
        st = self.state_of(_root_var(e.args[1]), ctx)
        if isinstance(off, int):
            return Code(f"(({st} >> {off}) & 1)")
        return Code(f"(({st} >> ({off})) & 1)")

    @staticmethod
    def _has_local_base(e: ir.Op) -> bool:
        while isinstance(e, ir.Op) and e.op in ("get", "field"):
            e = e.args[0]
        return not isinstance(e, ir.VarRef)

    # arithmetic
    def _op_add(self, e, a, ctx): return Code(f"({a[0]} + {a[1]})")
    def _op_sub(self, e, a, ctx): return Code(f"({a[0]} - {a[1]})")
    def _op_mul(self, e, a, ctx): return Code(f"({a[0]} * {a[1]})")
    def _op_pow(self, e, a, ctx): return Code(f"({a[0]} ** {a[1]})")
    def _op_neg(self, e, a, ctx): return Code(f"(-{a[0]})")
    def _op_abs(self, e, a, ctx): return Code(f"abs({a[0]})")
    def _op_minof(self, e, a, ctx): return _pick("min", "<=", a)
    def _op_maxof(self, e, a, ctx): return _pick("max", ">=", a)

    def _rounded(self, n: str, d: int, mode: str) -> Code:
        """n / d rounded as `mode` says, for a constant d > 0 (see spec.runtime.round_div): down
        and up are floor divisions, inline; half_even is the helper's."""
        if mode == "down":
            return Code(f"(({n}) // {self.lit(d)})")
        if mode == "up":
            return Code(f"(-((-({n})) // {self.lit(d)}))")
        return Code(f"_rdiv({n}, {self.lit(d)}, {mode!r})")

    def _op_fmul(self, e, a, ctx):
        mode, scale = e.extra
        if scale == 1:
            return Code(f"({a[0]} * {a[1]})")
        return self._rounded(f"{a[0]} * {a[1]}", scale, mode)

    def _op_fdiv(self, e, a, ctx):
        mode, scale = e.extra
        site = self.site("div()", e.span)
        return Code(f"_fdiv({a[0]} * {self.lit(scale)}, {a[1]}, {mode!r}, {site})")

    def _op_rescale(self, e, a, ctx):
        mode, src, dst = e.extra
        if dst >= src:
            return Code(f"({a[0]} * {self.lit(10 ** (dst - src))})")
        return self._rounded(a[0].text, 10 ** (src - dst), mode)

    def _op_div(self, e, a, ctx):
        ta = e.args[0].type
        if a[1].is_const and a[1].const > 0 and ta.lo >= 0:
            return Code(f"({a[0]} // {a[1]})")
        return Code(f"_tdiv({a[0]}, {a[1]}, {self.site('a division', e.span)})")

    def _op_mod(self, e, a, ctx):
        ta = e.args[0].type
        if a[1].is_const and a[1].const > 0 and ta.lo >= 0:
            return Code(f"({a[0]} % {a[1]})")
        return Code(f"_tmod({a[0]}, {a[1]}, {self.site('a division', e.span)})")

    def _op_floordiv(self, e, a, ctx):
        if a[1].is_const and a[1].const != 0:
            return Code(f"({a[0]} // {a[1]})")
        return Code(f"_floordiv({a[0]}, {a[1]}, {self.site('a division', e.span)})")

    def _op_floormod(self, e, a, ctx):
        if a[1].is_const and a[1].const != 0:
            return Code(f"({a[0]} % {a[1]})")
        return Code(f"_floormod({a[0]}, {a[1]}, {self.site('a division', e.span)})")

    # comparison and logic
    def _op_eq(self, e, a, ctx): return Code(f"({a[0]} == {a[1]})")
    def _op_ne(self, e, a, ctx): return Code(f"({a[0]} != {a[1]})")
    def _op_lt(self, e, a, ctx): return Code(f"({a[0]} < {a[1]})")
    def _op_le(self, e, a, ctx): return Code(f"({a[0]} <= {a[1]})")
    def _op_gt(self, e, a, ctx): return Code(f"({a[0]} > {a[1]})")
    def _op_ge(self, e, a, ctx): return Code(f"({a[0]} >= {a[1]})")
    def _op_not(self, e, a, ctx): return Code(f"(not {a[0]})")

    # sets
    def _op_in(self, e, a, ctx):
        elem_t = e.args[1].type.elem
        x, s = a
        if isinstance(elem_t, IntType):
            vt = e.args[0].type
            if x.is_const:
                c = x.const - elem_t.lo
                if not 0 <= c < elem_t.size:
                    return self.of(False)
                return Code(f"(({s} >> {c}) & 1)")
            if not elem_t.contains(vt):
                return Code(f"_inrange({x}, {s}, {self.lit(elem_t.lo)}, {self.lit(elem_t.hi)})")
        c = self.encode(x, elem_t)
        if c.is_const:
            return Code(f"(({s} >> {c.const}) & 1)")
        return Code(f"(({s} >> {c}) & 1)")

    def _op_union(self, e, a, ctx): return Code(f"({a[0]} | {a[1]})")
    def _op_inter(self, e, a, ctx): return Code(f"({a[0]} & {a[1]})")

    def _op_diff(self, e, a, ctx):
        if a[1].is_const:
            return Code(f"({a[0]} & {self.lit(~a[1].const)})")
        return Code(f"({a[0]} & ~{a[1]})")

    def _op_subset(self, e, a, ctx):
        if a[1].is_const:
            return Code(f"(({a[0]} & {self.lit(~a[1].const)}) == 0)")
        return Code(f"(({a[0]} & ~{a[1]}) == 0)")

    def _op_card(self, e, a, ctx): return Code(f"{_paren(a[0].text)}.bit_count()")

    def _op_setlit(self, e, a, ctx):
        t = e.type.elem
        parts, const = [], 0
        for x in a:
            c = self.encode(x, t)
            if c.is_const:
                const |= 1 << c.const
            else:
                parts.append(f"(1 << {c})")
        if const:
            parts.append(self.lit(const))
        return Code("(" + " | ".join(parts) + ")")

    def _op_range(self, e, a, ctx):
        t = e.type.elem
        return Code(f"_rangemask({a[0]}, {a[1]}, {self.lit(t.lo)}, {self.lit(t.hi)})")

    # maps, records, unions
    def _op_get(self, e, a, ctx):
        t: MapType = e.args[0].type
        slot = self.key_code(a[1], t.key, e.args[1])
        w, m = t.value.bits, self.lit((1 << t.value.bits) - 1)
        if slot.is_const:
            shift = str(slot.const * w)
        else:
            shift = slot.text if w == 1 else f"({slot} * {w})"
        return self.decode(f"(({a[0]} >> {shift}) & {m})", t.value)

    def _op_field(self, e, a, ctx):
        t: RecordType = e.args[0].type
        i = e.extra
        m = self.lit((1 << t.fields[i][1].bits) - 1)
        return self.decode(f"(({a[0]} >> {t.offsets[i]}) & {m})", t.fields[i][1])

    def _op_ufield(self, e, a, ctx):
        t: UnionType = e.args[0].type
        spec = []
        for name, i in e.extra:
            info = t.variant(name)
            ft = info.payload.fields[i][1]
            spec.append((info.base, info.base + info.size, info.payload.offsets[i], (1 << ft.bits) - 1))
        known = [x for (name, _), x in zip(e.extra, spec) if name == a[0].variant]
        if known:  # the value is of this variant: no test
            base, _, off, mask = known[0]
            payload = f"({a[0]} - {self.lit(base)})" if base else a[0].text
            return self.decode(f"(({payload} >> {off}) & {self.lit(mask)})", e.type)
        site = self.site("a field of a union value", e.span)
        if len(spec) <= UNROLL_VARIANTS and _SIMPLE_NAME.fullmatch(a[0].text):  # inlined
            u = a[0].text
            value = f"_nofield({site})"
            for base, end, off, mask in reversed(spec):
                lo, hi = self.lit(base), self.lit(end)
                value = f"(((({u} - {lo}) >> {off}) & {self.lit(mask)}) if {lo} <= {u} < {hi} else {value})"
            return self.decode(value, e.type)
        return self.decode(f"_ufield({a[0]}, {self.table(tuple(spec))}, {site})", e.type)

    def _op_is(self, e, a, ctx):
        if a[0].variant is not None:
            return self.of(a[0].variant == e.extra)
        info = e.args[0].type.variant(e.extra)
        base, end = self.lit(info.base), self.lit(info.base + info.size)
        if info.size == 1:
            return Code(f"({a[0]} == {base})")
        return Code(f"({base} <= {a[0]} < {end})")

    def _op_ctor(self, e, a, ctx):
        info = e.type.variant(e.extra)
        packed = self.pack([self.encode(x, ft) for x, (_, ft) in zip(a, info.payload.fields)],
                           info.payload.offsets)
        return Code(f"({self.lit(info.base)} + {packed})") if info.base else Code(packed)

    def pack(self, codes: list[Code], offsets) -> str:
        parts, const = [], 0
        for c, off in zip(codes, offsets):
            if c.is_const:
                const |= c.const << off
            elif off == 0:
                parts.append(c.text)
            else:
                parts.append(f"({c} << {off})")
        if const or not parts:
            parts.append(self.lit(const))
        return "(" + " | ".join(parts) + ")"

    def _op_record(self, e, a, ctx):
        t = e.type
        if isinstance(t, MapType):
            w = t.value.bits
            keys = sorted(t.key.codes())
            return Code(self.pack([self.encode(x, t.value) for x in a], [k * w for k in keys]))
        return Code(self.pack([self.encode(x, ft) for x, (_, ft) in zip(a, t.fields)], t.offsets))

    # options
    def _op_some(self, e, a, ctx):
        c = self.encode(a[0], e.type.elem)
        return Code(f"({c} + 1)")

    def _op_isnone(self, e, a, ctx): return Code(f"({a[0]} == 0)")
    def _op_issome(self, e, a, ctx): return Code(f"({a[0]} != 0)")

    def _op_optget(self, e, a, ctx):
        site = self.site("get() of an option", e.span)
        return self.decode(f"_optget({a[0]}, {site})", e.type)

    # sequences: rarer, so through helpers
    def _seqspec(self, t: SeqType) -> str:
        return f"{t.len_bits}, {t.elem.bits}, {t.capacity}"

    def _op_seqlit(self, e, a, ctx):
        t: SeqType = e.type
        codes = [self.encode(x, t.elem) for x in a]
        offs = [t.len_bits + i * t.elem.bits for i in range(len(codes))]
        return Code(f"({len(codes)} | {self.pack(codes, offs)})")

    def _op_len(self, e, a, ctx):
        t: SeqType = e.args[0].type
        return Code(f"({a[0]} & {self.lit((1 << t.len_bits) - 1)})")

    def _op_seqget(self, e, a, ctx):
        t: SeqType = e.args[0].type
        site = self.site("a sequence index", e.span)
        call = f"_seqget({a[0]}, {a[1]}, {self._seqspec(t)}, {site})"
        q, i = a[0].text, a[1]
        if _repeatable(q) and (i.is_const or _SIMPLE_NAME.fullmatch(i.text)):
            # inline when both are cheap to read twice; out of bounds, the call raises the error
            lenmask, m = self.lit((1 << t.len_bits) - 1), self.lit((1 << t.elem.bits) - 1)
            if i.is_const:
                if i.const < 0:
                    return self.decode(call, t.elem)
                at = self.lit(t.len_bits + i.const * t.elem.bits)
                return self.decode(f"((({q} >> {at}) & {m}) if {q} & {lenmask} > {i.const} else {call})", t.elem)
            at = f"{t.len_bits} + {i.text} * {t.elem.bits}"
            return self.decode(f"((({q} >> ({at})) & {m}) if 0 <= {i.text} < {q} & {lenmask} else {call})", t.elem)
        return self.decode(call, t.elem)

    def _op_seqin(self, e, a, ctx):
        t: SeqType = e.args[1].type
        x = a[0]
        if isinstance(t.elem, IntType) and not t.elem.contains(e.args[0].type):
            return Code(f"(({self.lit(t.elem.lo)} <= {x} <= {self.lit(t.elem.hi)}) and "
                        f"({self.encode(x, t.elem)} in _seqitems({a[1]}, {self._seqspec(t)})))")
        return Code(f"({self.encode(x, t.elem)} in _seqitems({a[1]}, {self._seqspec(t)}))")

    def _op_append(self, e, a, ctx):
        t: SeqType = e.type
        site = self.site("append()", e.span)
        return Code(f"_append({a[0]}, {self.encode(a[1], t.elem)}, {self._seqspec(t)}, {site})")

    def _op_head(self, e, a, ctx):
        t: SeqType = e.args[0].type
        site = self.site("head()", e.span)
        q = a[0].text
        if _repeatable(q):  # inline
            lenmask, m = self.lit((1 << t.len_bits) - 1), self.lit((1 << t.elem.bits) - 1)
            return self.decode(f"((({q} >> {t.len_bits}) & {m}) if {q} & {lenmask} else _nohead({site}))", t.elem)
        return self.decode(f"_seqhead({q}, {self._seqspec(t)}, {site})", t.elem)

    def _op_last(self, e, a, ctx):
        t: SeqType = e.args[0].type
        site = self.site("last()", e.span)
        return self.decode(f"_seqlast({a[0]}, {self._seqspec(t)}, {site})", t.elem)

    def _op_take(self, e, a, ctx):
        t: SeqType = e.args[0].type
        site = self.site("take()", e.span)
        return Code(f"_seqcut({a[0]}, {a[1]}, 0, {self._seqspec(t)}, {site})")

    def _op_drop(self, e, a, ctx):
        t: SeqType = e.args[0].type
        site = self.site("drop()", e.span)
        return Code(f"_seqcut({a[0]}, {a[1]}, 1, {self._seqspec(t)}, {site})")

    def _op_tail(self, e, a, ctx):
        t: SeqType = e.args[0].type
        site = self.site("tail()", e.span)
        return Code(f"_seqtail({a[0]}, {self._seqspec(t)}, {site})")

    def _op_concat(self, e, a, ctx):
        ta, tb, t = e.args[0].type, e.args[1].type, e.type
        return Code(f"_concat({a[0]}, {self._seqspec(ta)}, {a[1]}, {self._seqspec(tb)}, {self._seqspec(t)})")

    # conversions
    def _op_narrow(self, e, a, ctx):
        t: IntType = e.type
        site = self.site("a value stored into a range", e.span)
        return Code(f"_narrow({a[0]}, {self.lit(t.lo)}, {self.lit(t.hi)}, {site})")

    def _op_convert(self, e, a, ctx):
        src, dst = e.args[0].type, e.type
        site = self.site("a value converted to another range", e.span)
        key = (src, dst)
        if key not in self.converters:
            fast = tabulated_convert(src, dst)
            self.converters[key] = None if fast is None else self.table(fast)
        fast = self.converters[key]
        if fast is not None:
            return self.decode(f"{fast}({self.encode(a[0], src)}, {site})", dst)
        conv = self.table((src, dst))
        return self.decode(f"_convert({self.encode(a[0], src)}, {conv}, {site})", dst)

    # ---- quantifiers and comprehensions -------------------------------------------------

    def domain_codes(self, dom: ir.Expr, ctx: Ctx, variant: str | None = None):
        """(text of an iterable of codes, constant list of codes or None, membership mask text).

        With `variant` (a set of union values, of which only that variant's members are wanted:
        the loop's first test is `x is variant`), the iterable has only those members.
        """
        t = dom.type
        d = self.code_of(dom, ctx)
        if isinstance(t, SetType):
            if d.is_const:
                return None, _set_bits(d.const), None
            if variant is not None:
                info = t.elem.variant(variant)
                return f"_bitsin({d}, {self.lit(info.base)}, {self.lit(info.size)})", None, d.text
            return f"_bits({d})", None, d.text
        assert isinstance(t, SeqType)
        return f"_seqitems({d}, {self._seqspec(t)})", None, None

    def _safe_range(self, dom: ir.Expr, ctx: Ctx) -> tuple[Code, Code] | None:
        """The bounds' code of a domain a..b (integers) whose bounds cannot fail, else None."""
        if not (isinstance(dom, ir.Op) and dom.op == "range" and not dom.type.elem.decimals
                and not any(self.may_fail(x) for x in dom.args)):
            return None
        lo, hi = (self.expr(x, ctx) for x in dom.args)
        return lo, hi

    def _range_codes(self, dom: ir.Expr, ctx: Ctx) -> str | None:
        """For a range a..b whose bounds cannot fail and are not both constant, the codes of its
        members as a `range(...)` (no mask built and taken apart again)."""
        bounds = self._safe_range(dom, ctx)
        if bounds is None or (bounds[0].is_const and bounds[1].is_const):
            return None
        a, b = bounds
        t = dom.type.elem
        return f"range(max({a} - {self.lit(t.lo)}, 0), min({b} - {self.lit(t.lo)}, {self.lit(t.hi - t.lo)}) + 1)"

    def _x_Quant(self, e: ir.Quant, ctx: Ctx) -> Code:
        split = self._miniscoped(e)
        if split is not None:
            return self.expr(split, ctx)
        unrolled = self._unrolled_rows(e, ctx)
        if unrolled is not None:
            return self._quant_unrolled(e, unrolled)
        return self._quant_generator(e, ctx)

    def _miniscoped(self, e: ir.Quant) -> ir.Expr | None:
        """`exists x, y: A(x) and B(y)` as `(exists x: A(x)) and (exists y: B(y))`, and `forall x, y:
        A(x) or B(y)` as `(forall x: A(x)) or (forall y: B(y))`: n + m tests instead of n * m. Equal for
        any domains (empty ones too); only done when nothing in it can fail (which error is raised
        first would change) and no domain depends on another binder. None: not of that form."""
        if e.kind not in ("exists", "forall") or len(e.binders) < 2 or e.cond is not None:
            return None
        ids = [b.sym.id for b in e.binders]
        if any(_locals_read(b.domain) & set(ids) for b in e.binders):
            return None
        joiner = "and" if e.kind == "exists" else "or"
        parts = _conjuncts(e.body, joiner)
        groups: list[tuple[set[int], list[ir.Expr]]] = []
        for p in parts:
            used = _locals_read(p) & set(ids)
            if not used:
                return None
            merged = [g for g in groups if g[0] & used]
            groups = [g for g in groups if not g[0] & used]
            groups.append((used.union(*(g[0] for g in merged)), [q for g in merged for q in g[1]] + [p]))
        if len(groups) < 2 or set().union(*(g[0] for g in groups)) != set(ids):
            return None
        if any(self.may_fail(p) for p in parts) or any(self.may_fail(b.domain) for b in e.binders):
            return None
        groups.sort(key=lambda g: min(ids.index(i) for i in g[0]))
        quants = []
        for used, members in groups:
            members.sort(key=parts.index)
            body = _conjoin(members, e.body, joiner)
            quants.append(ir.Quant(e.type, e.span, e.kind, [b for b in e.binders if b.sym.id in used], None, body))
        return _conjoin(quants, e, joiner)

    def _member_test(self, dom: ir.Expr, mask: str, code: int, ctx: Ctx) -> str:
        """Whether the element of `code` is in the set `dom` (whose mask text is `mask`): for a
        range a..b whose bounds cannot fail, a comparison instead of building the range's mask."""
        bounds = self._safe_range(dom, ctx)
        if bounds is not None:
            return f"({bounds[0]} <= {self.lit(code + dom.type.elem.lo)} <= {bounds[1]})"
        return f"(({mask} >> {code}) & 1)"

    def _unrolled_rows(self, e: ir.Quant, ctx: Ctx):
        """[(guard texts, Ctx)] for every combination, when the domains are small."""
        rows = [([], ctx)]
        for b in e.binders:
            new_rows = []
            elem_t = b.sym.type
            for guards, c in rows:
                it, consts, mask = self.domain_codes(b.domain, c)
                if consts is not None:
                    candidates = [(code, None) for code in consts]
                elif mask is not None and b.domain.type.elem.count() <= UNROLL_QUANT:
                    candidates = [(code, self._member_test(b.domain, mask, code, c))
                                  for code in _codes_in(b.domain.type.elem)]
                else:
                    return None
                if len(new_rows) + len(candidates) > UNROLL_QUANT * UNROLL_QUANT:
                    return None
                for code, g in candidates:
                    new_rows.append((guards + ([g] if g else []), c.bind(b.sym.id, self.decode("", elem_t, code))))
            rows = new_rows
        out = []
        for guards, c in rows:
            if e.cond is not None:
                cond = self.expr(e.cond, c)
                if cond.is_const and not cond.const:
                    continue
                if not cond.is_const:
                    guards = guards + [cond.text]
            out.append((guards, c))
        return out

    def _quant_unrolled(self, e: ir.Quant, rows) -> Code:
        kind = e.kind
        if kind in ("forall", "exists"):
            items = []
            for guards, c in rows:
                body = self.expr(e.body, c)
                if body.is_const and body.const == (kind == "forall"):
                    continue  # a row that cannot change the outcome
                items.append((guards, None if body.is_const else body.text))
            terms = _guarded_terms(items, kind == "forall")
            if kind == "exists":
                return Code("(" + " or ".join(terms) + ")") if terms else self.of(False)
            return Code("(" + " and ".join(terms) + ")") if terms else self.of(True)
        if kind == "sum":
            terms = []
            const = 0
            for guards, c in rows:
                body = self.expr(e.body, c)
                if not guards and body.is_const:
                    const += body.const
                elif guards:
                    terms.append(f"({body} if {' and '.join(guards)} else 0)")
                else:
                    terms.append(body.text)
            if const or not terms:
                terms.append(self.lit(const))
            return Code("(" + " + ".join(terms) + ")")
        if kind == "set":
            t = e.type.elem
            terms = []
            const = 0
            for guards, c in rows:
                code = self.encode(self.expr(e.body, c), t)
                if not guards and code.is_const:
                    const |= 1 << code.const
                elif guards:
                    terms.append(f"((1 << {code}) if {' and '.join(guards)} else 0)")
                else:
                    terms.append(f"(1 << {code})")
            if const or not terms:
                terms.append(self.lit(const))
            return Code("(" + " | ".join(terms) + ")")
        if kind == "map":
            t: MapType = e.type
            w = t.value.bits
            codes, offs = [], []
            for guards, c in rows:
                assert not guards
                key = c.env[e.binders[0].sym.id]
                k = self.encode(key, t.key).const
                codes.append(self.encode(self.expr(e.body, c), t.value))
                offs.append(k * w)
            return Code(self.pack(codes, offs))
        # min / max / the
        site = self.site("the" if kind == "the" else f"{kind}()", e.span)
        items = []
        for guards, c in rows:
            body = self.expr(e.body, c)
            items.append(f"(({body},) if {' and '.join(guards)} else ())" if guards else f"({body},)")
        joined = " + ".join(items) if items else "()"
        return Code(f"_{kind}f({joined}, {site})")

    def _quant_generator(self, e: ir.Quant, ctx: Ctx) -> Code:
        filters, body_ir = self._filters(e)
        clauses = []
        tests = []                      # the loop's tests, when it has one binder over a set
        c = ctx
        set_text = None
        for level, b in enumerate(e.binders):
            variant = _variant_test(b, filters.get(level, ())[:1])
            it = self._range_codes(b.domain, c)
            if it is None:
                it, consts, set_text = self.domain_codes(b.domain, c, variant)
                if it is None:
                    it = self.table(tuple(consts))
            name = f"l{b.sym.id}"
            if ":=" in it:
                it = self.helper(Code(it)).text
            clauses.append(f"for {name} in {it}")
            c = c.bind(b.sym.id, self._member(name, b.sym.type, variant))
            for f in filters.get(level, ()):
                test = self.expr(f, c)
                if not (test.is_const and test.const):
                    clauses.append(f"if {test}")
                    tests.append(test.text)
        if e.cond is not None:
            cond = self.expr(e.cond, c)
            clauses.append(f"if {cond}")
            tests.append(cond.text)
        gen = " ".join(clauses)
        body = self.expr(body_ir, c)
        kind = e.kind
        if len(e.binders) == 1 and set_text is not None:
            masked = self._quant_masked(e, name, variant, set_text, tests, body_ir, body)
            if masked is not None:
                return masked
        if kind == "forall":
            return Code(f"all({body} {gen})")
        if kind == "exists":
            return Code(f"any({body} {gen})")
        if kind == "sum":
            return Code(f"sum({body} {gen})")
        if kind == "set":
            code = self.encode(body, e.type.elem)
            return Code(f"_orall((1 << {code}) {gen})")
        if kind == "map":
            t: MapType = e.type
            key = c.env[e.binders[0].sym.id]
            kc = self.encode(key, t.key)
            code = self.encode(body, t.value)
            return Code(f"_orall(({code} << ({kc} * {t.value.bits})) {gen})")
        site = self.site("the" if kind == "the" else f"{kind}()", e.span)
        return Code(f"_{kind}f(tuple({body} {gen}), {site})")

    def _quant_masked(self, e: ir.Quant, name: str, variant, set_text: str, tests: list[str],
                      body_ir: ir.Expr, body: Code) -> Code | None:
        """A one-binder loop over a set whose tests read nothing but the member, as one `&` with
        the mask of the members that pass (computed here, over every code of the element type).

        `exists m in msgs: m is P1b and m.acc == 1 and m.bal == b` (b a constant once the
        quantifier around it is unrolled) is `msgs & MASK != 0`; a forall is `msgs & BAD == 0`;
        `{m for m in msgs if ...}` is `msgs & MASK`. The tests are evaluated on each code in the
        order and with the short cuts of the loop; a test that reads anything else (a name
        unknown here: a state, a parameter, another loop's local) or fails on some code leaves the
        loop as it was. None: not of that form.
        """
        kind = e.kind
        if kind == "exists":
            text = " and ".join([*tests, f"({body})"])
        elif kind == "forall":
            text = " and ".join([*tests, f"not ({body})"])
        elif kind == "set" and _is_local(body_ir, e.binders[0].sym) and e.type.elem == e.binders[0].domain.type.elem:
            if not tests:
                return None
            text = " and ".join(tests)
        else:
            return None
        mask = self._mask_of(name, text, e.binders[0].domain.type.elem, variant)
        if mask is None:
            return None
        m = self.lit(mask)
        if kind == "exists":
            return Code(f"(({set_text} & {m}) != 0)")
        if kind == "forall":
            return Code(f"(({set_text} & {m}) == 0)")
        return Code(f"({set_text} & {m})")

    def _mask_of(self, name: str, text: str, t: Type, variant) -> int | None:
        """The mask of the codes of t (of one variant, with one) on which `text` is true, when it
        reads only `name` and fails on none; else None."""
        if ":=" in text or t.count() > MASK_CODES:
            return None
        key = (name, text, id(t), variant)   # (the type is held by type_codes: its id stays its own)
        if key not in self.masks:
            self.masks[key] = self._mask_by_eval(name, text, t, variant)
        return self.masks[key]

    def _mask_by_eval(self, name: str, text: str, t: Type, variant) -> int | None:
        codes = self.codes_of(t)
        if variant is not None:
            info = t.variant(variant)
            codes = [x for x in codes if info.base <= x < info.base + info.size]
        namespace = generated_globals(self.tables, getattr(self, "messages", []))
        try:
            test = eval(f"lambda {name}: ({text})", namespace)  # noqa: S307 - generated code, see module doc
            mask = 0
            for x in codes:
                if test(x):
                    mask |= 1 << x
        except Exception:  # noqa: BLE001 - NameError (reads more than the member), ModelError, ...
            return None
        return mask

    def codes_of(self, t: Type) -> tuple[int, ...]:
        """t's codes (of at most MASK_CODES values), listed once per compilation: a model's message
        type is listed for every mask of a loop over its messages (paxos_commit: a thousand times)."""
        held = self.type_codes.get(id(t))
        if held is None:
            held = self.type_codes[id(t)] = (t, tuple(t.codes()))   # t kept: its id stays its own
        return held[1]

    def _member(self, name: str, t: Type, variant: str | None) -> Code:
        """A loop's local over a set's members (of one variant, when the loop asks for it)."""
        code = self.decode(name, t)
        if variant is not None:
            code = Code(code.text, variant=variant)
        return code

    def _filters(self, e: ir.Quant) -> tuple[dict[int, list[ir.Expr]], ir.Expr]:
        """The leading conjuncts of a `forall`'s antecedent or an `exists`' body that can be tested
        as soon as the binders they read are bound: {binder index: conjuncts}, and the rest of
        the body.

        `forall m1, m2 in msgs: (m1 is P2a and m2 is P2a and ...) implies ...` then skips every
        m2 for an m1 that is not a P2a. Only a prefix of conjuncts moves, each one that cannot
        fail and needs no later binder than the one before it, and only when no domain after the
        first can fail: so every conjunct is evaluated in the same order, on the same tuples,
        as before, and the quantifier's value and errors are those of the plain loop.
        """
        body = e.body
        if e.cond is not None or e.kind not in ("forall", "exists"):
            return {}, body
        if any(self.may_fail(b.domain) for b in e.binders[1:]):
            return {}, body
        if e.kind == "forall":
            if not (isinstance(body, ir.Op) and body.op == "implies"):
                return {}, body
            conjuncts, rest = _conjuncts(body.args[0]), body.args[1]
        else:
            conjuncts, rest = _conjuncts(body), None
        level_of = {b.sym.id: i for i, b in enumerate(e.binders)}
        filters: dict[int, list[ir.Expr]] = {}
        level = 0
        moved = 0
        for conj in conjuncts:
            if rest is None and moved == len(conjuncts) - 1:
                break  # an `exists` keeps one conjunct as its body
            read = [level_of[i] for i in _locals_read(conj) if i in level_of]
            at = max(read, default=0)
            if at < level or self.may_fail(conj):
                break
            filters.setdefault(at, []).append(conj)
            level = at
            moved += 1
        if not moved:
            return {}, body
        left = conjuncts[moved:]
        if rest is None:
            return filters, _conjoin(left, e.body)
        if not left:
            return filters, rest
        return filters, ir.Op(body.type, body.span, "implies", [_conjoin(left, body), rest])

    # ---- statements ------------------------------------------------------------------

    def assign_lines(self, s: ir.Assign, ctx: Ctx) -> list[str]:
        """Lines that store s.value into its location of the state named ctx.state."""
        st = ctx.state
        var = s.var
        value = s.value
        lines: list[str] = []
        # x = x | {c}  and  x = x - {c}: one bit operation on the state
        if not s.path and isinstance(value, ir.Op) and value.op in ("union", "diff") \
                and isinstance(value.args[0], ir.VarRef) and value.args[0].var is var:
            other = self.code_of(value.args[1], ctx)
            if other.is_const:
                if value.op == "union":
                    return [f"{st} = {st} | {self.lit(other.const << self.layout.offset(var))}"]
                return [f"{st} = {st} & {self.lit(~(other.const << self.layout.offset(var)))}"]
        t = s.path[-1].type if s.path else var.type
        # the value first, range-checked where it may not fit: the interpreter evaluates it
        # before the target, so a failing value and a failing index report the same error
        if isinstance(value, ir.Op) and value.op == "narrow":
            inner = self.expr(value.args[0], ctx)
            if inner.is_const and t.lo <= inner.const <= t.hi:
                code = self.encode(inner, t)
            else:  # a constant outside the range fails here too (it would spill into other bits)
                tmp = self.tmp()
                site = self.site(f"'{var.name}'", s.span)
                lines.append(f"{tmp} = {inner}")
                lo, hi = self.lit(t.lo), self.lit(t.hi)
                lines.append(f"if not {lo} <= {tmp} <= {hi}: _nf({tmp}, {lo}, {hi}, {site})")
                code = self.encode(Code(tmp), t)
        else:
            code = self.encode(self.expr(value, ctx), t)
        if not code.is_const and any(step.kind != "field" for step in s.path):
            tmp = self.tmp()
            lines.append(f"{tmp} = {code}")
            code = Code(tmp)
        # the location: a constant offset, or a dynamic one computed first
        off, t = self.layout.offset(var), var.type  # t ends as the type above
        for step in s.path:
            if step.kind == "field":
                off = _add_off(off, t.offsets[step.arg])
                t = t.fields[step.arg][1]
            elif step.kind == "get":
                slot = self.key_code(self.expr(step.arg, ctx), t.key, step.arg)
                w = t.value.bits
                off = _add_off(off, slot.const * w if slot.is_const else (
                    slot.text if w == 1 else f"{slot.text} * {w}"))
                t = t.value
            else:  # seqget: bounds-checked, then a fixed slot
                idx = self.expr(step.arg, ctx)
                cur = self.read_location(off, t, ctx)
                site = self.site("a sequence index", step.arg.span)
                tmp = self.tmp()
                lines.append(f"{tmp} = _seqslot({cur}, {idx}, {t.len_bits}, {site})")
                off = _add_off(_add_off(off, t.len_bits), f"{tmp} * {t.elem.bits}")
                t = t.elem
        if not isinstance(off, int):
            tmp = self.tmp()
            lines.append(f"{tmp} = {off}")
            off = tmp
        if t.bits == 0:
            return lines
        m = (1 << t.bits) - 1
        if isinstance(off, int):
            clear = self.lit(~(m << off))
            if code.is_const:
                v = code.const << off
                lines.append(f"{st} = ({st} & {clear}) | {self.lit(v)}" if v else f"{st} = {st} & {clear}")
            else:
                shifted = code.text if off == 0 else f"({code} << {off})"
                lines.append(f"{st} = ({st} & {clear}) | {shifted}")
        else:
            lines.append(f"{st} = ({st} & ~({self.lit(m)} << {off})) | ({code} << {off})")
        return lines


def _add_off(a, b):
    if isinstance(a, int) and isinstance(b, int):
        return a + b
    if a == 0:
        return b
    if b == 0:
        return a
    return f"{a} + {b}"


def _set_bits(mask: int) -> list[int]:
    """The indices of the set bits of a constant set, lowest first, in time linear in its width."""
    digits = bin(mask)[:1:-1]
    out, i = [], digits.find("1")
    while i >= 0:
        out.append(i)
        i = digits.find("1", i + 1)
    return out


def _codes_in(t: Type) -> list[int]:
    return t.codes()


# ---- statements and the module ----------------------------------------------------------

@dataclass(eq=False)
class _Bind(ir.Stmt):
    """Internal: bind a local to a compiled value for the statements that follow."""

    sym_id: int = 0
    code: Code = None  # type: ignore[assignment]


def _has(stmts, kinds) -> bool:
    for s in stmts:
        if isinstance(s, kinds):
            return True
        if isinstance(s, ir.If) and (_has(s.then, kinds) or _has(s.orelse, kinds)):
            return True
        if isinstance(s, ir.For) and _has(s.body, kinds):
            return True
    return False


@contextmanager
def recursion_room(roots):
    """Room for the compiler's recursion over the IR under roots, however deep the model nests.

    The compiler recurses a few Python frames per level of an expression (1,000 nested `not`s,
    a chain of defs); Python frames take no C stack in CPython 3.11+, so only the interpreter's
    counter needs raising, and it is put back afterwards.
    """
    old = sys.getrecursionlimit()
    sys.setrecursionlimit(max(old, 4 * _ir_depth(roots) + 1000))
    try:
        yield
    finally:
        sys.setrecursionlimit(old)


def _ir_depth(roots) -> int:
    """How deeply the IR under roots nests, through the bodies of the defs it calls."""
    top, seen = 0, set()
    todo = [(r, 1) for r in roots]
    while todo:
        x, d = todo.pop()
        top = max(top, d)
        if isinstance(x, (list, tuple)):
            todo.extend((y, d) for y in x)
        elif isinstance(x, ir.Call) and id(x.fn) not in seen:
            seen.add(id(x.fn))
            todo += [(x.fn.body, d + 1), (x.args, d + 1)]
        elif isinstance(x, (ir.Expr, ir.Stmt, ir.Binder, ir.MatchArm, ir.PathStep)):
            todo.extend((v, d + 1) for name, v in vars(x).items() if name not in ("type", "span", "var", "fn"))
    return top


_NOT_READS = ("type", "span", "sym", "var", "fn", "code")  # fields that bind or name, not read


def _locals_read(node) -> set[int]:
    """The ids of the locals an IR statement or expression reads (a def's body reads only its
    parameters: calls are walked through their arguments)."""
    out: set[int] = set()
    todo = [node]
    while todo:
        x = todo.pop()
        if isinstance(x, ir.Local):
            out.add(x.sym.id)
        elif isinstance(x, (list, tuple)):
            todo.extend(x)
        elif isinstance(x, (ir.Expr, ir.Stmt, ir.Binder, ir.MatchArm, ir.PathStep)):
            todo.extend(v for name, v in vars(x).items() if name not in _NOT_READS)
    return out


_READ_S0 = re.compile(r"\(\(s0 >> \d+\) & (?:\d+|_T\[\d+\])\)|\(s0 & (?:\d+|_T\[\d+\])\)|\(s0 >> \d+\)")


def _hoist_reads(lines: list[str]) -> list[str]:
    """The lines of one state's expansion, with every field of s0 read more than once in them
    read once, before them, into a local (`_v<n>`): the guards of a model's action instances
    and its invariants read the same few fields over and over."""
    reads, lines = _hoist(lines, _READ_S0, "_v")
    reads = _reuse_shifts(reads)
    # then a sequence of s0 whose items are listed more than once (membership, iteration)
    items, lines = _hoist(lines, _ITEMS_V, "_w")
    return reads + items + lines


def _reuse_shifts(reads: list[str]) -> list[str]:
    """`_v3 = ((s0 >> 36) & M)` as `_v3 = (_v1 & M)`, `_v1 = (s0 >> 36)`, when that shift is
    read on its own or masked more than once (the last variable, often a wide set of messages,
    masked for each of its patterns): one shift of the whole state, not one per mask. A shift
    reused so is read first."""
    parsed = [(name, text, _MASKED_SHIFT_S0.fullmatch(text)) for name, _, text in (r.partition(" = ") for r in reads)]
    shifts = {text: name for name, text, _ in parsed if _SHIFT_S0.fullmatch(text)}
    masked = [m.group(1) for _, _, m in parsed if m]
    for text in dict.fromkeys(masked):
        if text not in shifts and masked.count(text) > 1:
            shifts[text] = f"_v{len(reads) + len(shifts)}"
    first, rest = [], []
    for name, text, m in parsed:
        if m and m.group(1) in shifts:
            text = f"({shifts[m.group(1)]} & {m.group(2)})"
            first.append(m.group(1))
        rest.append(f"{name} = {text}")
    ahead = [f"{shifts[t]} = {t}" for t in dict.fromkeys(first)]
    return ahead + [r for r in rest if r not in ahead]


_SHIFT_S0 = re.compile(r"\(s0 >> \d+\)")
_MASKED_SHIFT_S0 = re.compile(r"\((\(s0 >> \d+\)) & (\d+|_T\[\d+\])\)")
_ITEMS_V = re.compile(r"_seqitems\(_v\d+, \d+, \d+, \d+\)")  # the items of a hoisted sequence (never fails)


def _hoist(lines: list[str], pattern: re.Pattern, prefix: str) -> tuple[list[str], list[str]]:
    """(assignments `<prefix><n> = text`, the lines with them in place) for every match of
    pattern (an expression that cannot fail) found more than once in lines."""
    counts: dict[str, int] = {}
    for line in lines:
        for m in pattern.finditer(line):
            counts[m.group(0)] = counts.get(m.group(0), 0) + 1
    names = {text: f"{prefix}{i}" for i, text in enumerate(t for t, n in counts.items() if n > 1)}
    if not names:
        return [], lines
    sub = lambda m: names.get(m.group(0), m.group(0))  # noqa: E731
    return [f"{name} = {text}" for text, name in names.items()], [pattern.sub(sub, line) for line in lines]


def _guarded_terms(items, forall: bool) -> list[str]:
    """The terms of an unrolled forall (joined by `and`) or exists (joined by `or`) from rows of
    (guards, body text or None for a constant body): consecutive rows sharing their first guard
    test it once, `not g or (rows...)` / `g and (rows...)`, so a pair of binders over dynamic
    ranges tests the outer binder's guard once per value, not once per pair. The guards and
    bodies are evaluated in the order the rows give, each guard at most as often as before."""
    out = []
    i = 0
    while i < len(items):
        guards, body = items[i]
        if not guards:
            # a constant body is the one that decides: false in a forall, true in an exists
            out.append(f"({body})" if body is not None else ("False" if forall else "True"))
            i += 1
            continue
        g = guards[0]
        j = i
        while j < len(items) and items[j][0] and items[j][0][0] == g:
            j += 1
        inner = _guarded_terms([(gs[1:], b) for gs, b in items[i:j]], forall)
        if forall:
            out.append(f"(not {_paren(g)} or ({' and '.join(inner)}))")
        else:
            out.append(f"({_paren(g)} and ({' or '.join(inner)}))")
        i = j
    return out


# Calls of these cannot raise a ModelError (on the codes generated code hands them).
_PURE_CALLS = frozenset({"any", "all", "bool", "int", "abs", "len", "sum", "tuple", "range", "enumerate",
                         "bit_count", "_bits", "_bitsin", "_orall", "_inrange", "_rangemask"})


def _cannot_fail(text: str) -> bool:
    """Whether generated expression text cannot raise a ModelError: it calls no helper that can
    (`_nofield`, `_optget`, `_tdiv`, a function of its own, ...). The text of an expression the
    IR says may fail often cannot: a field of a union value read where its variant is known."""
    return all(n in _PURE_CALLS for n in re.findall(r"([A-Za-z_][A-Za-z_0-9]*)\(", text))


def _is_local(e: ir.Expr, sym) -> bool:
    return isinstance(e, ir.Local) and e.sym.id == sym.id


def _variant_codes(t, variant: str, codes) -> tuple[int, ...]:
    """The codes among `codes` of the union type t's values of that variant."""
    info = t.variant(variant)
    return tuple(c for c in codes if info.base <= c < info.base + info.size)


def _variant_test(binder, tests) -> str | None:
    """The variant V when the first of tests is `x is V` on binder's local x over a set of union values
    (a Binder or a Choose: both have .sym and .domain)."""
    if not tests:
        return None
    t = tests[0]
    if not (isinstance(t, ir.Op) and t.op == "is" and isinstance(t.args[0], ir.Local)
            and t.args[0].sym.id == binder.sym.id):
        return None
    dt = binder.domain.type
    if not (isinstance(dt, SetType) and isinstance(dt.elem, UnionType)):
        return None
    return t.extra


def _conjuncts(e: ir.Expr, op: str = "and") -> list[ir.Expr]:
    """The operands of a chain of `and`s (or of another operator `op`), left to right."""
    if isinstance(e, ir.Op) and e.op == op:
        return _conjuncts(e.args[0], op) + _conjuncts(e.args[1], op)
    return [e]


def _conjoin(parts: list[ir.Expr], like: ir.Expr, op: str = "and") -> ir.Expr:
    """parts joined by `and` (or another operator `op`), left-associated (parts is not empty)."""
    out = parts[0]
    for p in parts[1:]:
        out = ir.Op(like.type, like.span, op, [out, p])
    return out


def _nests(s) -> bool:
    return isinstance(s, (ir.If, ir.For))


def _block_depth(stmts) -> int:
    """How deeply the blocks of stmts nest (a loop counted as a block even when unrolled)."""
    top = 0
    todo = [(stmts, 0)]
    while todo:
        block, d = todo.pop()
        top = max(top, d)
        for s in block:
            if isinstance(s, ir.If):
                todo += [(s.then, d + 1), (s.orelse, d + 1)]
            elif isinstance(s, ir.For):
                todo.append((s.body, d + 1))
    return top


# operators that cannot raise a run-time error (on arguments that do not)
_SAFE_OPS = frozenset({"add", "sub", "mul", "neg", "abs", "minof", "maxof", "eq", "ne", "lt", "le", "gt", "ge",
                       "not", "and", "or", "implies", "ite", "union", "inter", "diff", "subset", "card", "in",
                       "field", "is", "isnone", "issome", "some", "len", "record", "seqin"})

def _safe_get(e: ir.Op) -> bool:
    """A map read whose key cannot be outside the map's keys."""
    if e.op != "get":
        return False
    kt, at = e.args[0].type.key, e.args[1].type
    return not isinstance(kt, IntType) or (isinstance(at, IntType) and kt.contains(at))


_CALL = re.compile(r"\b(?:f\d+|_[a-z]+)\(")  # a call of a generated function or a runtime helper
_SIMPLE_NAME = re.compile(r"l\d+")  # a local's name: reading it twice costs nothing
_READ_STATE = re.compile(_READ_S0.pattern.replace("s0", "s0?"))  # a field of a state: two operations


def _repeatable(text: str) -> bool:
    """Whether a generated expression is cheap enough to evaluate twice (a local, a state field)."""
    return bool(_SIMPLE_NAME.fullmatch(text) or _READ_STATE.fullmatch(text))


_LIVE_NAME = re.compile(r"\b(?:l\d+|_snap\d+)\b")   # generated names of locals and set snapshots
_FREE_NAME = re.compile(r"\b(?:s0?|l\d+|_snap\d+|_t\d+)\b")  # ... and of states and temporaries
_BOUND_NAME = re.compile(r"\bfor (l\d+) in\b|\blambda ([^:]*):|\(((?:l|_t)\d+) := ")  # bound inside an expression
_BRACKETS = re.compile(r"[()\[\]{}]")


def _root_var(e: ir.Expr) -> ir.VarSym | None:
    """The state variable a chain of map reads and record fields starts from, if it does."""
    while isinstance(e, ir.Op) and e.op in ("get", "field"):
        e = e.args[0]
    return e.var if isinstance(e, ir.VarRef) else None


def _free_names(text: str) -> list[str]:
    """The generated names an expression reads from where it stands."""
    bound = {name for loop, params, assigned in _BOUND_NAME.findall(text)
             for name in [loop, assigned, *params.split(", ")]}
    return sorted(set(_FREE_NAME.findall(text)) - bound)


_STATE = re.compile(r"\bs\b")   # the state after the step, in the body's generated lines


def _folded(updates: list[str], emit: list[str]) -> list[str] | None:
    """A straight-line body's `s = E` lines and then `ap(s)` as one `ap(E)`, each E taking the one
    before in place of s (issue 13: two stores and loads of s a transition): when every line is
    such an update reading s once (the first reads s0, a name, as often as it likes), and the
    result nests within MAX_NESTING. None: the lines as they are."""
    if not updates or emit[0] != "ap(s)":
        return None
    text = "s0"
    for line in updates:
        if not line.startswith("s = "):
            return None
        e = line[4:]
        if text != "s0" and len(_STATE.findall(e)) != 1:
            return None
        sub = text if text == "s0" else f"({text})"
        text = _STATE.sub(lambda _: sub, e)
    if _nesting(text) > MAX_NESTING:
        return None
    return [f"ap({text})"] + emit[1:]


def _nesting(text: str) -> int:
    """How deeply brackets nest in a generated expression (its strings hold none)."""
    if text.count("(") + text.count("[") + text.count("{") <= MAX_NESTING:
        return 0
    depth = top = 0
    for b in _BRACKETS.findall(text):
        depth += 1 if b in "([{" else -1
        top = max(top, depth)
    return top


def _indent(lines: list[str], n: int = 1) -> list[str]:
    pad = "    " * n
    return [pad + line for line in lines]


class ModelCompiler(Compiler):
    """Assembles the generated module: body functions, `expand`, `check_invariants`."""

    def __init__(self, model: ir.CheckedModel, graph_search: bool = False):
        super().__init__(model)
        self.graph_search = graph_search  # also `expand_labelled`: a search that builds the state graph
        self.messages: list[str] = []
        self.body_fns: dict[int, str] = {}
        self.pending: list = []  # continuations to compile: (name, params, stmts, Ctx, k, call depth)
        self.read_cache: dict[int, set[int]] = {}  # id of a statement -> the locals it reads
        self.call_depth = 1      # how deep the calls into the continuation being compiled nest
        self.max_call_depth = 1  # ... at most: each `choose` on a path calls the next continuation
        self.ticking = False     # loops call _tick() (the run's budget): only init's do
        self.init_compiled = False
        self.def_reads: dict[str, set[int]] = {}  # def -> the state variables its body reads
        # while `expand` is compiled: each instance as `checker.engines.explicit.vector` takes it
        # (action, guards, its ways' lines or the (body, env, emit) to compile them from with
        # `kernel_bodies`, instance id); None when not recording, or an instance is looped over
        self.recording: list | None = None
        self.kernel_plan: tuple | None = None    # (those instances or None, invariant codes)
        # per invariant, (head lines, lines per state) setting `_m<j>` to its outcome in s0 (False
        # when it raises), memoised as in expand: the level kernel's invariants it cannot translate
        self.invariant_checks: list[tuple[list[str], list[str]]] = []

    def message(self, text: str) -> int:
        self.messages.append(text)
        return len(self.messages) - 1

    # -- straight-line statements (no choose, no require after the guard)
    def simple(self, stmts, ctx: Ctx, depth: int = 0) -> list[str]:
        """The lines of stmts, in a function whose blocks already nest `depth` deep."""
        lines: list[str] = []
        for s in stmts:
            if _nests(s) and depth >= MAX_BLOCKS // 2 and depth + _block_depth([s]) > MAX_BLOCKS:
                lines += self.block_function(s, ctx)
            else:
                lines += self.simple_stmt(s, ctx, depth)
        return lines

    def written(self, stmts) -> None:
        """The variables stmts assign, anywhere inside them, are no longer read from s0 (`state_of`)."""
        if self.unwritten is None:
            return
        todo = list(stmts)
        while todo:
            x = todo.pop()
            if isinstance(x, ir.Assign):
                self.unwritten.discard(x.var.index)
            elif isinstance(x, ir.If):
                todo += x.then + x.orelse
            elif isinstance(x, ir.For):
                todo += x.body

    def block_function(self, s, ctx: Ctx) -> list[str]:
        """A deeply nested statement moved into a function of its own, from state s to state s.

        A `require` that fails inside returns None: the caller's path ends too.
        """
        assert ctx.state == "s", ctx.state
        params = ["s"] + self.live(ctx, [s])
        unwritten, self.unwritten = self.unwritten, None   # the function has no s0
        try:
            fn = self.new_function(params, self.simple_stmt(s, Ctx("s", dict(ctx.env)), 0) + ["return s"])
        finally:
            self.unwritten = unwritten
        self.written([s])
        call = [f"s = {fn}({', '.join(params)})"]
        return call + ["if s is None: return"] if _has([s], (ir.Require,)) else call

    def simple_stmt(self, s, ctx: Ctx, depth: int = 0) -> list[str]:
        if isinstance(s, ir.Assign):
            lines = self.assign_lines(s, ctx)
            self.written([s])
            return lines
        if isinstance(s, ir.LetS):
            v = self.expr(s.value, ctx)
            if v.is_const:
                ctx.env[s.sym.id] = v
                return []
            name = f"l{s.sym.id}"
            ctx.env[s.sym.id] = Code(name)
            return [f"{name} = {v}"]
        if isinstance(s, _Bind):
            ctx.env[s.sym_id] = s.code
            return []
        if isinstance(s, ir.Assert):
            c = self.expr(s.cond, ctx)
            if c.is_const and c.const:
                return []
            site = self.site("assert", s.span)
            msg = self.message(s.message or "assertion failed")
            return [f"if not {_paren(c.text)}: _afail(_M[{msg}], {site})"]
        if isinstance(s, ir.Require):  # inside a body function: this path ends
            c = self.expr(s.cond, ctx)
            if c.is_const:
                return [] if c.const else ["return"]
            return [f"if not {_paren(c.text)}: return"]
        if isinstance(s, ir.If):
            c = self.expr(s.cond, ctx)
            if c.is_const:
                return self.simple(s.then if c.const else s.orelse, Ctx(ctx.state, dict(ctx.env)), depth)
            then = self.simple(s.then, self.narrowed(s.cond, ctx), depth + 1) or ["pass"]
            lines = [f"if {c}:"] + _indent(then)
            orelse = self.simple(s.orelse, Ctx(ctx.state, dict(ctx.env)), depth + 1)
            if orelse:
                lines += ["else:"] + _indent(orelse)
            return lines
        if isinstance(s, ir.For):
            it, consts, _ = self.domain_codes(s.domain, ctx)
            if consts is not None and len(consts) <= UNROLL_FOR:
                lines = []
                for code in consts:
                    inner = Ctx(ctx.state, dict(ctx.env))
                    inner.env[s.sym.id] = self.decode("", s.sym.type, code)
                    lines += self.simple(s.body, inner, depth)
                return lines
            if it is None:
                it = self.table(tuple(consts))
            name = f"l{s.sym.id}"
            inner = Ctx(ctx.state, dict(ctx.env))
            inner.env[s.sym.id] = self.decode(name, s.sym.type)
            self.written(s.body)   # a later round reads what an earlier one assigned
            body = self.simple(s.body, inner, depth + 1) or ["pass"]
            tick = ["_tick()"] if self.ticking else []
            return [f"for {name} in {it}:"] + _indent(tick + body)
        raise AssertionError(s)

    # -- bodies with choose: continuation-passing functions
    def live(self, ctx: Ctx, stmts=None, k=None) -> list[str]:
        """The generated names that ctx's locals stand on (a local's text may be an expression
        over its name: `(l3 + 1)` for a range from 1); with stmts and k, only those of the locals
        that stmts read and the names k passes on."""
        env = ctx.env
        if stmts is not None:
            used = self.reads(stmts)
            env = {i: c for i, c in env.items() if i in used or i < 0}  # (< 0: set snapshots)
        names = {n for c in env.values() if not c.is_const for n in _LIVE_NAME.findall(c.text)}
        if k is not None:
            names.update(_LIVE_NAME.findall(" ".join(k(ctx))))
        return sorted(names)

    def reads(self, stmts) -> set[int]:
        """The ids of the locals that stmts read."""
        out: set[int] = set()
        for s in stmts:
            if id(s) not in self.read_cache:
                self.read_cache[id(s)] = _locals_read(s)
            out |= self.read_cache[id(s)]
        return out

    def continuation(self, stmts, ctx: Ctx, k) -> str:
        """A function running stmts then k; returns the call to it (with s, ap and live names).

        Its body is compiled later, by `compile_pending`: a body of a thousand `choose`s is a
        chain of a thousand continuations, which compiling them here would recurse through.
        It takes only the locals it reads, or each of those thousand would take all before it.
        """
        name = f"f{next(self.fn_ids)}"
        call_depth = self.call_depth + 1
        self.max_call_depth = max(self.max_call_depth, call_depth)
        params = ["s", "ap"] + self.live(ctx, stmts, k)
        self.pending.append((name, params, stmts, Ctx("s", dict(ctx.env)), k, call_depth))
        return f"{name}({', '.join(params)})"

    def compile_pending(self) -> None:
        while self.pending:
            name, params, stmts, ctx, k, self.call_depth = self.pending.pop()
            self.define(name, params, self.cps(stmts, ctx, k))
        self.call_depth = 1

    def cps(self, stmts, ctx: Ctx, k, depth: int = 0) -> list[str]:
        """The lines running stmts then k, in a function whose blocks already nest `depth` deep."""
        lines: list[str] = []
        for i, s in enumerate(stmts):
            rest = stmts[i + 1:]
            deep = _nests(s) and depth + _block_depth([s]) > MAX_BLOCKS
            if deep and depth >= MAX_BLOCKS // 2:  # the rest of the block goes on in a new function
                return lines + [self.continuation(stmts[i:], ctx, k)]
            if isinstance(s, ir.Choose):
                first = [r.cond for r in rest[:1] if isinstance(r, ir.Require)]
                variant = _variant_test(s, first[:1] and _conjuncts(first[0])[:1])
                it, consts, _ = self.domain_codes(s.domain, ctx, variant)
                name = f"l{s.sym.id}"
                inner = Ctx(ctx.state, dict(ctx.env))
                inner.env[s.sym.id] = self._member(name, s.sym.type, variant)
                test = None
                if rest[:1] and isinstance(rest[0], ir.Require):
                    # tested in the loop, when it cannot fail: no call for a value it turns down
                    test = self.expr(rest[0].cond, inner)
                    if self.may_fail(rest[0].cond) and not _cannot_fail(test.text):
                        test = None
                    else:
                        rest = rest[1:]
                call = self.continuation(rest, inner, k)
                if it is None:
                    it = self.tuple_text(consts) if len(consts) <= UNROLL_PARAMS else self.table(tuple(consts))
                if test is not None and test.is_const and not test.const:
                    return lines
                lines += self.choice_loop(name, it, call, None if test is None or test.is_const else test.text)
                return lines
            if isinstance(s, ir.If) and (deep or _has(s.then + s.orelse, (ir.Choose,))):
                kk = k
                if rest:  # both branches continue in one function holding the rest of the block
                    call = [self.continuation(rest, Ctx(ctx.state, dict(ctx.env)), k)]
                    kk = lambda c, call=call: call  # noqa: E731
                if isinstance(s, _MaskIf):
                    c = Code(f"(({s.mask_name} >> {s.code}) & 1)")
                else:
                    c = self.expr(s.cond, ctx)
                then = self.cps(s.then, self.narrowed(s.cond, ctx), kk, depth + 1)
                orelse = self.cps(s.orelse, Ctx(ctx.state, dict(ctx.env)), kk, depth + 1)
                lines += [f"if {c}:"] + _indent(then or ["pass"]) + ["else:"] + _indent(orelse or ["pass"])
                return lines
            if isinstance(s, ir.For) and _has(s.body, (ir.Choose,)):
                lines += self.unroll_for(s, ctx, rest, k)
                return lines
            lines += self.simple([s], ctx, depth)
        return lines + k(ctx)

    def choice_loop(self, name: str, it: str, call: str, test: str | None = None) -> list[str]:
        """Every value of a `choose` (that passes `test`, the require after it when that cannot
        fail), each continuing on its own.

        A value whose run raises a ModelError ends that run only: the other values still give
        their successors (already handed to `ap`), then the first failure is raised again for
        the instance to report, as the interpreter's run_block does.
        """
        failed = f"_f{next(self.tmp_ids)}"
        tick = ["    _tick()"] if self.ticking else []
        skip = [f"    if not {_paren(test)}: continue"] if test is not None else []
        return [f"{failed} = None",
                f"for {name} in {it}:"] + tick + skip + [
                "    try:",
                f"        {call}",
                "    except ModelError as _x:",
                f"        if {failed} is None: {failed} = _x",
                f"if {failed} is not None: raise {failed}"]

    def unroll_for(self, s: ir.For, ctx: Ctx, rest, k) -> list[str]:
        """A loop with `choose` inside: unrolled, each iteration continuing in the next."""
        it, consts, mask = self.domain_codes(s.domain, ctx)
        stmts: list = []
        lines: list[str] = []
        if consts is not None:
            if len(consts) > UNROLL_FOR:
                self.too_big(s, f"'choose' inside a loop over {len(consts):,} values (at most {UNROLL_FOR})")
            for code in consts:
                stmts += [_Bind(s.span, s.sym.id, self.decode("", s.sym.type, code))] + s.body
        else:
            if not isinstance(s.domain.type, SetType):
                self.too_big(s, "'choose' inside a loop over a sequence")
            elem = s.domain.type.elem
            if elem.count() > UNROLL_FOR:
                self.too_big(s, f"'choose' inside a loop over a set of {elem.show()}, which has "
                             f"{elem.count():,} values (at most {UNROLL_FOR})")
            n = next(self.tmp_ids)
            snap = f"_snap{n}"
            lines.append(f"{snap} = {mask}")
            ctx.env[-1 - n] = Code(snap)  # keeps the snapshot live in continuations
            for code in _codes_in(elem):
                cond = ir.Lit(BoolType(), None, True)
                body = [_Bind(s.span, s.sym.id, self.decode("", s.sym.type, code))] + s.body
                stmts.append(_MaskIf(s.span, cond, body, [], snap, code))
        if not stmts:
            return lines + self.cps(rest, ctx, k)
        return lines + self.cps(stmts + rest, ctx, k)

    def too_big(self, s, what: str):
        raise SpecError(Diagnostic("E501", f"cannot compile this action for the explicit engine: {what}",
                                   s.span, "bound the loop by a small constant set, or move the choice "
                                   "out of the loop"))

    # -- actions
    def instances(self, action: ir.ActionIR):
        """(env of constants, display) per instance, or None when they are looped over."""
        doms = [p.type.codes() for p in action.params]
        n = 1
        for d in doms:
            n *= len(d)
        if n > UNROLL_PARAMS:
            return None
        return [tuple(combo) for combo in itertools.product(*doms)]

    def instance_base(self, k: int) -> int:
        """The id of action k's first instance; instances are numbered action by action."""
        base = 0
        for action in self.model.actions[:k]:
            n = 1
            for p in action.params:
                n *= len(p.type.codes())
            base += n
        return base

    def body_function(self, k: int, action: ir.ActionIR, body) -> str:
        if k not in self.body_fns:
            params = ["s", "ap"] + [f"l{p.id}" for p in action.params]
            ctx = Ctx("s", {p.id: self.decode(f"l{p.id}", p.type) for p in action.params})
            self.body_fns[k] = self.new_function(params, self.cps(body, ctx, lambda c: ["ap(s)"]))
            self.compile_pending()
        return self.body_fns[k]

    def action_block(self, k: int, action: ir.ActionIR, labelled: bool = False, errors: bool = True) -> list[str]:
        """Every instance of action k; `labelled` also emits each state's instance id (to `ak`);
        `errors` records a run-time error as `expand` does (in `err`), else it is no transition
        and nothing more."""
        guard_stmts, body = _split_guard(action.body)
        inline = not _has(body, (ir.Choose, ir.Require)) and _block_depth(body) <= MAX_BLOCKS
        fn = None if inline else self.body_function(k, action, body)
        combos = self.instances(action)
        base = self.instance_base(k)
        lines: list[str] = []
        if combos is None:
            self.recording = None   # the level kernel takes unrolled instances only
            names = [f"l{p.id}" for p in action.params]
            table = self.table(tuple(itertools.product(*[p.type.codes() for p in action.params])))
            target = ", ".join(names) + ("," if len(names) == 1 else "")
            env = {p.id: self.decode(f"l{p.id}", p.type) for p in action.params}
            label = f"{base} + _j" if labelled else None
            each = self.instance(env, names, guard_stmts, body, fn, k, label, errors)
            if each:   # none when a guard is constantly false (`require false`): no loop at all
                lines.append(f"for _j, ({target}) in enumerate({table}):")
                lines += _indent(each)
        else:
            for j, combo in enumerate(combos):
                env = {p.id: self.decode("", p.type, c) for p, c in zip(action.params, combo)}
                args = [self.lit(c) for c in combo]  # the body function takes codes (it decodes them)
                label = str(base + j) if labelled else None
                lines += self.instance(env, args, guard_stmts, body, fn, k, label, errors, ident=base + j)
        return lines

    def instance(self, env, args, guard_stmts, body, fn, k, label=None, errors=True, ident=None) -> list[str]:
        ctx = Ctx("s0", dict(env))
        conds = []
        for g in guard_stmts + self._first_choice(body):
            c = self.expr(g.cond, ctx)
            if c.is_const:
                if not c.const:
                    return []
                continue
            conds.append(c.text)
        emit = ["ap(s)"] if label is None else ["ap(s)", f"ak({label})"]
        if fn is not None:
            # every run that reaches the end is a successor, even when another run of the same
            # instance fails (see choice_loop)
            sink = "ap" if label is None else f"lambda t: (ap(t), ak({label}))"
            call_args = ", ".join(["s0", sink] + args)
            inner = [f"{fn}({call_args})"]
        else:
            bctx = Ctx("s", dict(env))
            self.unwritten = {v.index for v in self.model.vars}
            try:
                updates = self.simple(body, bctx)
            finally:
                self.unwritten = None
            inner = _folded(updates, emit) or ["s = s0"] + updates + emit
        if self.recording is not None and label is None and errors:
            # a body function's lines for the kernel are compiled only if the kernel is asked for
            # (`kernel_bodies`): that doubles the compile time of a model of long bodies
            self.recording.append((k, list(conds), [list(inner)] if fn is None else (body, dict(env), list(emit)),
                                   ident))
        if conds:
            inner = [f"if {' and '.join(conds)}:"] + _indent(inner)
        if not errors:  # failures are the safety search's business; here they are no transition
            return ["try:"] + _indent(inner) + ["except ModelError:", "    pass"]
        return ["try:"] + _indent(inner) + [
            "except ModelError as x:",
            "    failed = i",  # an action that fails was enabled: not a deadlock
            f"    if err is None: err = (i, {k}, x)",
        ]

    def kernel_bodies(self, body, env, emit) -> list[list[str]] | None:
        """For the level kernel (`checker.engines.explicit.vector`), a body compiled to a function
        (a `require` after its first statement, or a `choose`): the same statements in line, one
        list of lines per way through its `choose`s (each value of each, in the order the generated
        code tries them: lowest code first), each `require` an `if not c: return` ending the run
        there, as in the body function; a value not in the set chosen from ends it the same way.
        None for a `choose` inside an `if` or a loop, over a sequence, or with too many values, and
        for a body nested too deep to stay in line."""
        if _block_depth(body) > MAX_BLOCKS // 2:
            return None
        self.unwritten = {v.index for v in self.model.vars}
        out: list[list[str]] = []
        try:
            return out if self._ways(list(body), Ctx("s", dict(env)), ["s = s0"], out, emit) else None
        finally:
            self.unwritten = None

    def _ways(self, stmts, ctx: Ctx, lines: list[str], out: list, emit: list[str]) -> bool:
        for i, s in enumerate(stmts):
            if isinstance(s, ir.Choose):
                t = s.domain.type
                if not isinstance(t, SetType):
                    return False
                d = self.code_of(s.domain, ctx)
                rest = stmts[i + 1:]
                if d.is_const:
                    codes, test = _set_bits(d.const), None
                else:
                    first = _conjuncts(rest[0].cond)[:1] if rest and isinstance(rest[0], ir.Require) else []
                    variant = _variant_test(s, first)
                    # the generated code tries a set's members by code (`_bits`): a record's codes
                    # are not listed in that order (the canonical order of values is by field)
                    codes = sorted(self.codes_of(t.elem))
                    if variant is not None:   # only that variant's members get past the require
                        codes = _variant_codes(t.elem, variant, codes)
                    test = d.text
                if (len(out) + 1) * max(1, len(codes)) > KERNEL_WAYS:
                    return False
                if not codes:   # nothing to choose from: no transition, but what ran before may fail
                    out.append(lines + ["return"] + emit)
                    return True
                for c in codes:
                    inner = Ctx(ctx.state, dict(ctx.env))
                    inner.env[s.sym.id] = self.decode("", s.sym.type, c)
                    member = [] if test is None else [f"if not (({test} >> {c}) & 1): return"]
                    unwritten = set(self.unwritten)
                    if not self._ways(rest, inner, lines + member, out, emit):
                        return False
                    self.unwritten = unwritten
                return True
            if _has([s], (ir.Choose,)):
                return False
            lines = lines + self.simple([s], ctx)
        out.append(lines + emit)
        return True

    # -- init
    def initial_function(self) -> list[str]:
        """`initial(ap)`: hands every initial state to ap, from the all-zero state, as an action would.

        A way through init that fails raises its ModelError after the other ways ran (see
        choice_loop); the caller then asks the interpreter, which reports every failure with its
        choices. An init the compiler cannot take (E501, E502) is left to the interpreter too:
        `init_compiled` says which.
        """
        funcs = len(self.funcs)
        self.ticking = True
        try:
            lines = ["s = 0"] + self.cps(self.model.init, Ctx("s", {}), lambda c: ["ap(s)"])
            self.compile_pending()
        except SpecError:
            del self.funcs[funcs:]
            self.pending.clear()
            return []
        finally:
            self.ticking = False
            self.call_depth = 1
        self.init_compiled = True
        return ["def initial(ap):"] + _indent(lines)

    def _first_choice(self, body) -> list[ir.Require]:
        """When a body starts with `choose x in S` over a set S that cannot fail: `S != {}` (or,
        when the require after it starts with `x is V`, `S & {every V} != {}`) as one more guard, so that an instance with nothing to choose from is not even called (a
        message-passing action chooses from a set of messages that is mostly empty)."""
        if not body or not isinstance(body[0], ir.Choose):
            return []
        dom = body[0].domain
        if not isinstance(dom.type, SetType) or self.may_fail(dom):
            return []
        first = _conjuncts(body[1].cond)[:1] if len(body) > 1 and isinstance(body[1], ir.Require) else []
        variant = _variant_test(body[0], first)
        if variant is not None:
            # `choose m in msgs  require m is V and ...`: msgs & {every V} != {}; a member of
            # another variant stops at `m is V`, with no error
            vs = sum(1 << c for c in _variant_codes(dom.type.elem, variant, _codes_in(dom.type.elem)))
            dom = ir.Op(dom.type, dom.span, "inter", [dom, ir.Lit(dom.type, dom.span, vs)])
        return [ir.Require(body[0].span, ir.Op(BoolType(), dom.span, "ne", [dom, ir.Lit(dom.type, dom.span, 0)]))]

    # -- invariants
    def invariant_code(self, inv: ir.InvariantIR) -> str:
        return self.expr(inv.cond, Ctx("s0")).text

    def vars_read(self, e: ir.Expr) -> set[int]:
        """The indexes of the state variables e reads, itself or in the defs it calls."""
        out: set[int] = set()
        for n in ir.iter_ir(e, into_defs=False):
            if isinstance(n, ir.VarRef):
                out.add(n.var.index)
            elif isinstance(n, ir.Call) and n.fn.body is not None:
                if n.fn.name not in self.def_reads:
                    self.def_reads[n.fn.name] = self.vars_read(n.fn.body)
                out |= self.def_reads[n.fn.name]
        return out

    def memo_mask(self, inv: ir.InvariantIR, code: str) -> int | None:
        """The bits of the state that decide the invariant, when remembering its outcome per
        their value pays: its code loops or calls a function (a lookup costs a few operations:
        more than a chain of tests that mostly stops early, however long, as measured on the
        corpus), and it reads only some of the variables (or every state is a miss)."""
        if not (" for " in code or _CALL.search(code)):
            return None
        mask = 0
        for i in self.vars_read(inv.cond):
            mask |= self.layout.masks[i] << self.layout.offsets[i]
        return mask if mask != (1 << self.layout.bits) - 1 else None

    def memo_lines(self, j: int, code: str, mask: int) -> tuple[list[str], list[str]]:
        """(the lines of the head of expand taking `_c<j>`, the invariant's `spec.runtime.Memo`;
        the lines setting `_m<j>` to its outcome in s0, False when it raises): looked up by the
        bits of the state in mask, evaluated and stored by a function on a miss."""
        size = max(1, min(MEMO_SIZE, MEMO_BYTES // (mask.bit_length() // 8 + 100)))  # a key, its entry
        cache = self.table(Memo(size))
        key = f"(s0 & {self.lit(mask)})"
        body = _hoist_reads(["try:", f"    r = bool({code})", "except ModelError:", "    r = False"])
        fn = self.new_function(["s0"], body + [f"return {cache}.store({key}, r)"])
        head = [f"_c{j} = {cache}", f"_c{j}.looked += len(frontier)"]
        return head, [f"_m{j} = _c{j}.get({key})", f"if _m{j} is None:", f"    _m{j} = {fn}(s0)"]

    # -- step properties
    def step_check_lines(self) -> list[str]:
        """In expand, after a state's successors are in `buf`: the state is `bad` (looked at again
        by the search) when a step to one of them breaks a step property."""
        if not self.model.step_properties:
            return []
        return ["if (not bad or bad[-1] != i) and not steps_ok(s0, buf):", "    bad.append(i)"]

    def step_property_functions(self) -> list[str]:
        """`steps_ok(s0, succ)`: every step from s0 to a state of succ satisfies every step property
        (one that raises does not); `step_each(s0, s)`: per step property, True, False or the
        ModelError of the step s0 -> s. A stuttering step (s == s0) satisfies them all."""
        sps = self.model.step_properties
        if not sps:
            return []
        codes = [self.expr(sp.cond, Ctx("s0")).text for sp in sps]
        ok = ["for s in succ:", "    if s != s0:", "        try:",
              f"            if not ({' and '.join(_paren(c) for c in codes)}):", "                return False",
              "        except ModelError:", "            return False", "return True"]
        each = ["out = []", "if s == s0:", f"    return [True] * {len(sps)}"]
        for code in codes:
            each += ["try:", f"    out.append(bool({code}))", "except ModelError as x:", "    out.append(x)"]
        each.append("return out")
        return ["def steps_ok(s0, succ):"] + _indent(ok) + ["def step_each(s0, s):"] + _indent(each)

    def expand_state(self, checks: list[str], labelled: bool) -> list[str]:
        """The body of `expand`'s loop over states after the invariants (`checks`): every action
        instance, counted; the step properties; a deadlock; the successors into `nxt`. `labelled`
        gives each transition's instance id (`ak`) and keeps every transition (`out`, and where
        each state's end in `ends`) instead of the first parent of each successor (`nxt`)."""
        per = list(checks)
        per.append("m = 0")
        for k, action in enumerate(self.model.actions):
            per.extend(self.action_block(k, action, labelled=labelled))
            per.append("n = len(buf)")
            per.append(f"_n{k} += n - m")   # a local, cheaper than an item of a list
            per.append("m = n")
        per = _hoist_reads(per)
        per += self.step_check_lines()
        per.append("if not m and dead < 0 and failed != i:")
        per.append("    dead = i")
        if labelled:
            per += ["out += buf", "end(len(out))"]
        else:
            per += ["for t in buf:", "    if t not in nxt:", "        nxt[t] = i"]
        per.append("buf.clear()")
        return per

    # -- the module
    def build(self) -> str:
        """The generated module's source."""
        roots = [inv.cond for inv in self.model.invariants] + [a.body for a in self.model.actions] + [self.model.init] \
            + [sp.cond for sp in self.model.step_properties]
        with recursion_room(roots):
            return self._build()

    def _build(self) -> str:
        m = self.model
        inv_codes = [self.invariant_code(inv) for inv in m.invariants]
        body: list[str] = []
        body.append("def expand(frontier):")
        loop: list[str] = []
        loop.append("for i, s0 in enumerate(frontier):")
        per: list[str] = []
        caches: list[str] = []
        memo_terms, terms = [], []
        self.invariant_checks = []
        for j, (inv, code) in enumerate(zip(m.invariants, inv_codes)):
            mask = self.memo_mask(inv, code)
            if mask is None:
                terms.append(_paren(code))
                self.invariant_checks.append(([], ["try:", f"    _m{j} = bool({code})", "except ModelError:",
                                                   f"    _m{j} = False"]))
            else:
                head, lines = self.memo_lines(j, code, mask)
                caches += head
                per += lines
                memo_terms.append(f"_m{j}")
                self.invariant_checks.append((head, lines))
        if terms:
            per.append("try:")
            per.append(f"    ok = {' and '.join(memo_terms + terms)}")
            per.append("except ModelError:")
            per.append("    ok = False")
        elif memo_terms:
            per.append(f"ok = {' and '.join(memo_terms)}")
        if terms or memo_terms:
            per.append("if not ok:")
            per.append("    bad.append(i)")
        counts = [f"_n{k}" for k in range(len(m.actions))]   # transitions per action
        cnt = f"[{', '.join(counts)}]"
        head = ["buf = []", "ap = buf.append", *(f"{c} = 0" for c in counts), "bad = []",
                "dead = -1", "err = None", "failed = -1"] + caches
        self.recording = [] if not m.step_properties else None
        expand_per = self.expand_state(per, labelled=False)
        self.kernel_plan, self.recording = (self.recording, inv_codes), None
        body += _indent(["nxt = {}"] + head + loop + _indent(expand_per) + [f"return nxt, {cnt}, bad, dead, err"])
        graph_search: list[str] = []
        if self.graph_search:
            # `expand` that gives every transition labelled, as `labelled_level` does: the search
            # builds the state graph as it goes (`checker.engines.explicit.graph`)
            head += ["out = []", "insts = []", "ak = insts.append", "ends = []", "end = ends.append"]
            graph_search = ["def expand_labelled(frontier):"] + _indent(
                head + loop + _indent(self.expand_state(per, labelled=True))
                + [f"return (out, ends), {cnt}, bad, dead, err, insts"])
        # every transition of a list of states, labelled with its action instance: the next
        # states of all of them in one list, their instance ids in another, and where each
        # state's transitions end in them
        body.append("def labelled_level(frontier):")
        lab = ["out = []", "ap = out.append", "insts = []", "ak = insts.append", "ends = []", "end = ends.append",
               "for s0 in frontier:"]
        edges: list[str] = []
        for k, action in enumerate(m.actions):
            edges.extend(self.action_block(k, action, labelled=True, errors=False))
        lab += _indent(_hoist_reads(edges) + ["end(len(out))"])
        lab.append("return out, insts, ends")
        body += _indent(lab)
        body += self.initial_function()
        # each invariant on its own, for the states where their conjunction failed
        body.append("def invariant_each(s0):")
        each = ["out = []"]
        for j, code in enumerate(inv_codes):
            each += ["try:", f"    out.append(bool({code}))", "except ModelError as x:", "    out.append(x)"]
        each.append("return out")
        body += _indent(each)
        body += self.step_property_functions()
        out: list[str] = []
        for f in self.funcs:
            out += f
        out += body
        if len(out) + len(graph_search) <= MAX_SOURCE_LINES:  # else the graph is built after the search
            out += graph_search
        if len(out) > MAX_SOURCE_LINES:
            raise SpecError(Diagnostic("E502", f"the generated code for this model has {len(out)} lines; "
                                       "the explicit engine cannot compile it", m.span,
                                       "reduce the sizes of action parameter types"))
        return "\n".join(out) + "\n"


@dataclass(eq=False)
class _MaskIf(ir.If):
    """Internal: an iteration of an unrolled loop over a dynamic set, taken if the bit is set."""

    mask_name: str = ""
    code: int = 0


def _split_guard(stmts):
    """The leading `require`s of an action, and the rest."""
    guard = []
    for i, s in enumerate(stmts):
        if isinstance(s, ir.Require):
            guard.append(s)
        else:
            return guard, stmts[i:]
    return guard, []
