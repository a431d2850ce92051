"""Hypothesis strategies for random, well-typed syncproof models.

`models()` draws a whole model: two to four typed variables (integer ranges, booleans, an enum,
a set, a map, an option, a record), an `init` that may `choose`, one to three actions with
parameters whose bodies use `choose`, `if`, `for`, `let`, `require`, `assert`, and arithmetic
that may leave its range, divide by zero, index a map outside its keys or `get(none)` on some
branches only (right after a `choose`, for some of its values); an action that cycles some
variables through their values, for more states; up to two invariants and a temporal
property. The product of the variables' domain sizes is kept under `MAX_SPACE`, so every
model can be explored exhaustively in milliseconds.

The models are generated from the language's types, not from the grammar's productions: nearly
every model type-checks, so the engines are exercised rather than the parser's error paths (the
mutators in `mutators.py` cover those).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from hypothesis import strategies as st

MAX_SPACE = 4096          # the product of the variables' domain sizes
ENUM = ("red", "green", "blue")
PRELUDE = ["enum Color { red, green, blue }", "type Rec = { a: 0..2, f: bool }", "const N = symmetric {n1, n2}",
           "def dbl(a: -3..3) -> -6..6 = a + a", "def one(a: 0..2) -> 0..2 = 1"]


@dataclass(frozen=True)
class Var:
    """A state variable, a parameter or a local: its name, kind and (for integers) its range."""

    name: str
    kind: str                 # int, bool, enum, set, map, opt, rec, seq, sym (map[N, 0..2]), node (N)
    lo: int = 0
    hi: int = 0

    @property
    def type_text(self) -> str:
        return {"int": f"{self.lo}..{self.hi}", "bool": "bool", "enum": "Color", "set": "set[0..2]",
                "map": f"map[0..1, {self.lo}..{self.hi}]", "opt": "option[0..2]", "rec": "Rec", "seq": "seq[0..2, 2]",
                "sym": "map[N, 0..2]", "node": "N"}[self.kind]

    @property
    def size(self) -> int:
        width = self.hi - self.lo + 1
        return {"int": width, "bool": 2, "enum": 3, "set": 8, "map": width * width, "opt": 4, "rec": 6, "seq": 13,
                "sym": 9, "node": 2}[self.kind]


@dataclass(frozen=True)
class Ctx:
    """What an expression may name: the state variables and the locals in scope."""

    vars: tuple[Var, ...]
    locals: tuple[Var, ...] = ()

    def of(self, kind: str) -> list[str]:
        return [v.name for v in self.vars + self.locals if v.kind == kind]

    def with_local(self, v: Var) -> Ctx:
        return Ctx(self.vars, self.locals + (v,))

    def fresh(self, prefix: str) -> str:
        return f"{prefix}{len(self.locals)}"


# ---- expressions ----------------------------------------------------------------------------

@st.composite
def int_expr(draw, ctx: Ctx, depth: int = 2) -> str:
    """An integer expression; some forms fail at run time (division by zero, a key outside a
    map's domain, `get(none)`, the minimum of an empty set, `the` without a unique element)."""
    leaves = ctx.of("int") + [f"{r}.a" for r in ctx.of("rec")] \
        + [f"len({s})" for s in ctx.of("set") + ctx.of("seq")] \
        + [f"{m}[{k}]" for m in ctx.of("map") for k in (0, 1)] \
        + [f"{m}[{n}]" for m in ctx.of("sym") for n in ctx.of("node")] \
        + [f"sum({m}[n] for n in N)" for m in ctx.of("sym")]
    leaf = st.one_of(st.sampled_from(leaves), st.integers(-2, 3).map(str)) if leaves else st.integers(-2, 3).map(str)
    if depth <= 0 or draw(st.integers(0, 4)) == 0:
        return draw(leaf)
    sub = int_expr(ctx, depth - 1)
    kind = draw(st.integers(0, 12))
    if kind <= 3:
        return f"({draw(sub)} {draw(st.sampled_from(['+', '-', '*']))} {draw(sub)})"
    if kind == 4:
        return f"({draw(sub)} {draw(st.sampled_from(['/', '%']))} {divisor(draw(sub))})"
    if kind == 5:
        return f"{draw(st.sampled_from(['min', 'max']))}({draw(sub)}, {draw(sub)})"
    if kind == 6:
        return f"(if {draw(bool_expr(ctx, depth - 1))} then {draw(sub)} else {draw(sub)})"
    if kind == 7 and ctx.of("opt"):
        o = draw(st.sampled_from(ctx.of("opt")))
        return draw(st.sampled_from([f"get({o})", f"(match {o} {{ some(v{depth}) -> v{depth} + 1, none -> "
                                                  f"{draw(sub)} }})"]))
    if kind == 8 and ctx.of("map"):
        return f"{draw(st.sampled_from(ctx.of('map')))}[{draw(sub)}]"
    if kind == 9:
        agg = draw(st.sampled_from(["sum", "min", "max", "the"]))
        v = ctx.fresh("e")
        if agg == "the":  # fails where no element or several satisfy the condition
            cond = draw(bool_expr(ctx.with_local(Var(v, "int", 0, 2)), depth - 1))
            return f"(the {v} in {draw(set_expr(ctx, depth - 1))}: {cond})"
        return f"{agg}({v} * 2 for {v} in {draw(set_expr(ctx, depth - 1))})"
    if kind == 10:
        return f"abs({draw(sub)})" if draw(st.booleans()) else f"(-{draw(sub)})"
    if kind == 11:
        if ctx.of("seq") and draw(st.booleans()):  # an index or an end of an empty sequence fails
            q = draw(st.sampled_from(ctx.of("seq")))
            return draw(st.sampled_from([f"{q}[{draw(sub)}]", f"head({q})", f"last({q})", f"sum(x for x in {q})"]))
        # an argument outside the parameter's range fails, used (dbl) or not (one)
        arg = draw(sub)
        return arg if constant(arg) else f"{draw(st.sampled_from(['dbl', 'dbl', 'one']))}({arg})"
    return draw(leaf)


def constant(e: str) -> bool:
    """Whether e is made of integer literals, + - * and parentheses only: the type checker folds
    it, and rejects it where it is out of range or a divisor of zero (E319, E320). Failures on
    some branches only are what the generators want."""
    return re.fullmatch(r"[0-9()+\-* ]+", e) is not None


def divisor(e: str) -> str:
    return "2" if constant(e) and eval(e) == 0 else e  # noqa: S307 - digits and + - * only


@st.composite
def bool_expr(draw, ctx: Ctx, depth: int = 2) -> str:
    """A boolean expression over the variables in scope."""
    leaves = ctx.of("bool") + [f"{r}.f" for r in ctx.of("rec")] \
        + [f"{o} is {t}" for o in ctx.of("opt") for t in ("some", "none")] \
        + [f"{e} == {c}" for e in ctx.of("enum") for c in ENUM] + ["true", "false"] \
        + [f"{a} {op} {b}" for a in ctx.of("node") for b in ctx.of("node") + ["n1"] for op in ("==", "!=")] \
        + [f"(forall n in N: {m}[n] > 0)" for m in ctx.of("sym")]
    if depth <= 0 or draw(st.integers(0, 4)) == 0:
        return draw(st.sampled_from(leaves))
    ie, be = int_expr(ctx, depth - 1), bool_expr(ctx, depth - 1)
    kind = draw(st.integers(0, 8))
    if kind <= 2:
        return f"({draw(ie)} {draw(st.sampled_from(['==', '!=', '<', '<=', '>', '>=']))} {draw(ie)})"
    if kind == 3:
        return f"(not {draw(be)})"
    if kind == 4:
        return f"({draw(be)} {draw(st.sampled_from(['and', 'or', 'implies']))} {draw(be)})"
    if kind == 5:
        return f"({draw(ie)} {draw(st.sampled_from(['in', 'not in']))} {draw(set_expr(ctx, depth - 1))})"
    if kind == 6:
        v = Var(ctx.fresh("q"), "int", 0, 2)
        body = draw(bool_expr(ctx.with_local(v), depth - 1))
        return f"({draw(st.sampled_from(['forall', 'exists']))} {v.name} in {draw(set_expr(ctx, depth - 1))}: {body})"
    if kind == 7 and ctx.of("enum"):
        return f"({draw(st.sampled_from(ctx.of('enum')))} {draw(st.sampled_from(['==', '!=']))} " \
               f"{draw(enum_expr(ctx, depth - 1))})"
    return draw(st.sampled_from(leaves))


@st.composite
def set_expr(draw, ctx: Ctx, depth: int = 1) -> str:
    """A set of integers; its elements are in 0..2 unless built from arbitrary integers."""
    leaves = ctx.of("set") + ["{0, 2}", "{1}", "(0..2)", "{2, 1, 0}"]
    if depth <= 0 or draw(st.integers(0, 2)) == 0:
        return draw(st.sampled_from(leaves))
    sub = set_expr(ctx, depth - 1)
    kind = draw(st.integers(0, 3))
    if kind == 0:
        return f"({draw(sub)} {draw(st.sampled_from(['|', '&', '-']))} {draw(sub)})"
    if kind == 1:
        v = Var(ctx.fresh("c"), "int", 0, 2)
        inner = ctx.with_local(v)
        return f"{{{v.name} for {v.name} in {draw(sub)} if {draw(bool_expr(inner, depth - 1))}}}"
    if kind == 2:
        return f"{{{draw(int_expr(ctx, 0))}, {draw(int_expr(ctx, 0))}}}"
    return f"({draw(int_expr(ctx, 0))})..({draw(int_expr(ctx, 0))})"


@st.composite
def enum_expr(draw, ctx: Ctx, depth: int = 1) -> str:
    leaves = ctx.of("enum") + list(ENUM)
    if depth > 0 and draw(st.integers(0, 3)) == 0:
        return f"(if {draw(bool_expr(ctx, depth - 1))} then {draw(enum_expr(ctx, depth - 1))} " \
               f"else {draw(enum_expr(ctx, depth - 1))})"
    return draw(st.sampled_from(leaves))


def clamp(e: str, lo: int, hi: int) -> str:
    return f"min(max({e}, {lo}), {hi})"


# ---- statements -------------------------------------------------------------------------------

@st.composite
def assignment(draw, ctx: Ctx, v: Var) -> str:
    """A statement that assigns (part of) v; an integer may be stored unclamped, out of range on
    some branches only."""
    e = draw(int_expr(ctx))
    wild = draw(st.integers(0, 4)) == 0 and not constant(e)
    if v.kind == "int":
        return f"{v.name} = {e if wild else clamp(e, v.lo, v.hi)}"
    if v.kind == "bool":
        return f"{v.name} = {draw(bool_expr(ctx))}"
    if v.kind == "enum":
        return f"{v.name} = {draw(enum_expr(ctx))}"
    if v.kind == "set":
        if wild:
            return f"{v.name} = {v.name} | {{{draw(int_expr(ctx, 1))}}}"
        return f"{v.name} = ({draw(set_expr(ctx))}) & (0..2)"
    if v.kind == "map":
        if draw(st.booleans()):
            key = draw(int_expr(ctx, 1)) if wild else draw(st.sampled_from(["0", "1"]))
            return f"{v.name}[{key}] = {clamp(e, v.lo, v.hi)}"
        k = Var(ctx.fresh("k"), "int", 0, 1)
        return f"{v.name} = {{{k.name}: {clamp(draw(int_expr(ctx.with_local(k), 1)), v.lo, v.hi)} " \
               f"for {k.name} in 0..1}}"
    if v.kind == "seq":
        return draw(st.sampled_from([f"{v.name} = append({v.name}, {e if wild else clamp(e, 0, 2)})",
                                     f"{v.name} = tail({v.name})", f"{v.name} = []",
                                     f"{v.name} = if len({v.name}) < 2 then append({v.name}, {clamp(e, 0, 2)}) else []"]))
    if v.kind == "sym":
        nodes = ctx.of("node")
        if nodes and draw(st.booleans()):
            return f"{v.name}[{draw(st.sampled_from(nodes))}] = {e if wild else clamp(e, 0, 2)}"
        return f"{v.name} = {{n: {clamp(f'{v.name}[n] + 1', 0, 2)} for n in N}}"
    if v.kind == "node":
        return f"{v.name} = {draw(st.sampled_from(ctx.of('node') + ['n1', 'n2']))}"
    if v.kind == "opt":
        inner = e if wild else clamp(e, 0, 2)
        return draw(st.sampled_from([f"{v.name} = none", f"{v.name} = some({inner})",
                                     f"{v.name} = if {draw(bool_expr(ctx, 1))} then some({inner}) else none"]))
    if draw(st.booleans()):
        return draw(record_field(ctx, v))
    return f"{v.name} = {{a: {e if wild else clamp(e, 0, 2)}, f: {draw(bool_expr(ctx, 1))}}}"


@st.composite
def record_field(draw, ctx: Ctx, v: Var) -> str:
    if draw(st.booleans()):
        return f"{v.name}.a = {clamp(draw(int_expr(ctx)), 0, 2)}"
    return f"{v.name}.f = {draw(bool_expr(ctx, 1))}"


@st.composite
def choose_domain(draw, ctx: Ctx) -> tuple[str, Var]:
    """`choose NAME in DOMAIN`: the domain's text and the local it binds."""
    name = ctx.fresh("c")
    kind = draw(st.integers(0, 4))
    if kind == 4:
        return "N", Var(name, "node")
    if kind == 0:
        lo = draw(st.integers(-1, 1))
        hi = draw(st.integers(lo, lo + 2))
        return f"{lo}..{hi}", Var(name, "int", lo, hi)
    if kind == 1:
        return "Color", Var(name, "enum")
    if kind == 2:
        return "{true, false}", Var(name, "bool")
    return draw(set_expr(ctx)), Var(name, "int", -9, 9)


@st.composite
def statements(draw, ctx: Ctx, depth: int = 1, lo: int = 1, hi: int = 3) -> list[str]:
    """A block's statements; `choose` and `let` bind locals for the statements after them."""
    out = []
    for _ in range(draw(st.integers(lo, hi))):
        kind = draw(st.integers(0, 11))
        if kind <= 3:
            v = draw(st.sampled_from(ctx.vars))
            out.append(draw(assignment(ctx, v)))
        elif kind == 4:
            out.append(f"require {draw(bool_expr(ctx, 1))}")
        elif kind == 5:
            out.append(f"assert {draw(bool_expr(ctx, 1))}")
        elif kind in (6, 10):
            dom, local = draw(choose_domain(ctx))
            out.append(f"choose {local.name} in {dom}")
            ctx = ctx.with_local(local)
            if draw(st.booleans()):
                out.append(draw(risky(ctx, local)))
        elif kind == 7:
            local = Var(ctx.fresh("t"), "int", -9, 9)
            out.append(f"let {local.name} = {draw(int_expr(ctx, 1))}")
            ctx = ctx.with_local(local)
        elif kind == 8 and depth > 0:
            out += [f"if {draw(bool_expr(ctx, 1))} {{", *draw(statements(ctx, depth - 1)), "} else {",
                    *draw(statements(ctx, depth - 1)), "}"]
        elif kind == 9 and depth > 0:
            local = Var(ctx.fresh("i"), "int", 0, 2)
            out += [f"for {local.name} in {draw(set_expr(ctx, 0))} {{",
                    *draw(statements(ctx.with_local(local), depth - 1)), "}"]
        else:
            out.append(draw(assignment(ctx, draw(st.sampled_from(ctx.vars)))))
    return out


@st.composite
def risky(draw, ctx: Ctx, c: Var) -> str:
    """A statement right after `choose c in ...` that fails for some values of c only: the
    successful branches must still be transitions (issue 11 bug 1)."""
    if c.kind == "int":
        ints = [v for v in ctx.vars if v.kind == "int"]
        forms = [f"assert {c.name} != {draw(int_expr(ctx, 0))}", f"let d{c.name} = 2 / {c.name}"]
        forms += [f"{v.name} = {v.name} + {c.name}" for v in ints]
        return draw(st.sampled_from(forms))
    if c.kind == "bool":
        return f"assert {c.name}"
    if c.kind == "enum":
        return f"assert {c.name} != {draw(st.sampled_from(ENUM))}"
    return f"assert {c.name} == n1"


def tick(v: Var) -> str:
    """An update of v that cycles through values of its type, always in range."""
    n = v.name
    return {"int": f"{n} = if {n} < {v.hi} then {n} + 1 else {v.lo}", "bool": f"{n} = not {n}",
            "enum": f"{n} = if {n} == red then green else if {n} == green then blue else red",
            "set": f"{n} = if len({n}) < 3 then {n} | {{len({n})}} else {{}}",
            "map": f"{n}[0] = if {n}[0] < {v.hi} then {n}[0] + 1 else {v.lo}",
            "opt": f"{n} = if {n} is none then some(0) else none", "rec": f"{n}.f = not {n}.f",
            "seq": f"{n} = if len({n}) < 2 then append({n}, len({n})) else []",
            "sym": f"{n} = {{m: ({n}[m] + 1) % 3 for m in N}}", "node": f"{n} = if {n} == n1 then n2 else n1"}[v.kind]


# ---- declarations ----------------------------------------------------------------------------

@st.composite
def variable(draw, name: str) -> Var:
    kind = draw(st.sampled_from(["int", "int", "bool", "enum", "set", "map", "opt", "rec", "seq", "sym", "node"]))
    if kind in ("int", "map"):
        lo = draw(st.integers(-2, 1))
        hi = draw(st.integers(lo + 1, lo + (3 if kind == "int" else 2)))
        return Var(name, kind, lo, hi)
    return Var(name, kind)


@st.composite
def variables(draw) -> tuple[Var, ...]:
    out: list[Var] = []
    space = 1
    for i in range(draw(st.integers(2, 4))):
        v = draw(variable(f"v{i}"))
        if space * v.size > MAX_SPACE:
            break
        space *= v.size
        out.append(v)
    return tuple(out)


def initial_value(v: Var) -> str:
    return {"int": str(max(v.lo, min(0, v.hi))), "bool": "false", "enum": "red", "set": "{}",
            "map": f"{{k: {max(v.lo, min(0, v.hi))} for k in 0..1}}", "opt": "none",
            "rec": "{a: 0, f: false}", "seq": "[]", "sym": "{n: 0 for n in N}", "node": "n1"}[v.kind]


@st.composite
def init_block(draw, vs: tuple[Var, ...]) -> list[str]:
    """Every variable gets a value; some are chosen; rarely a statement that may fail."""
    out = [f"{v.name} = {initial_value(v)}" for v in vs]
    ctx = Ctx(vs)
    for v in vs:
        if v.kind in ("int", "bool", "enum") and draw(st.integers(0, 2)) == 0:
            dom = {"int": f"{v.lo}..{v.hi}", "bool": "{true, false}", "enum": "Color"}[v.kind]
            out += [f"choose i{v.name} in {dom}", f"{v.name} = i{v.name}"]
    if draw(st.integers(0, 7)) == 0:
        out += draw(statements(ctx, depth=0, lo=1, hi=2))
    return out


@st.composite
def action(draw, n: int, vs: tuple[Var, ...]) -> list[str]:
    params = draw(st.sampled_from([(), (Var("p", "int", 0, 2),), (Var("p", "int", -1, 1), Var("w", "bool")),
                                   (Var("p", "enum"),), (Var("p", "node"),)]))
    ctx = Ctx(vs, params)
    head = f"action A{n}" + (f"({', '.join(f'{p.name}: {p.type_text}' for p in params)})" if params else "")
    body = [f"require {draw(bool_expr(ctx, 1))}"] if draw(st.booleans()) else []
    body += draw(statements(ctx))
    return [head + " {", *["  " + line for line in body], "}"]


@st.composite
def models(draw) -> str:
    """The text of a random model (see the module's docstring)."""
    vs = draw(variables())
    lines = ["model Fuzz", *PRELUDE, *[f"var {v.name}: {v.type_text}" for v in vs],
             "init {", *["  " + s for s in draw(init_block(vs))], "}"]
    for n in range(draw(st.integers(1, 3))):
        lines += draw(action(n, vs))
    if draw(st.booleans()):  # an action always enabled, for more states for the others to run in
        ticked = draw(st.lists(st.sampled_from(vs), min_size=1, max_size=2, unique=True))
        lines += ["action Tick {", *["  " + tick(v) for v in ticked], "}"]
    if draw(st.integers(0, 4)) == 0:  # a temporal property: the command line checks it, BMC does not
        lines.append(f"property L: {draw(st.sampled_from(['eventually', 'always eventually']))} "
                     f"{draw(bool_expr(Ctx(vs), 1))}")
    for n in range(draw(st.integers(0, 2))):
        inv = draw(bool_expr(Ctx(vs), 2))
        if draw(st.booleans()):  # weaker, so that more of them hold for a while
            inv = f"{inv} or {draw(bool_expr(Ctx(vs), 1))}"
        lines.append(f"invariant I{n}: {inv}")
    if draw(st.integers(0, 2)) == 0:  # a step property: x' of any type, on every transition
        v = draw(st.sampled_from(vs)).name
        form = draw(st.sampled_from(["{c} or {v}' == {v}", "({c}) implies {v}' != {v}"]))
        lines.append("step S: " + form.format(c=draw(bool_expr(Ctx(vs), 1)), v=v))
    return "\n".join(lines) + "\n"
