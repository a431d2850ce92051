"""Property tests of the parser: random well-formed expressions, printed with as few
parentheses as the precedence rules allow, must parse to the same tree as the fully
parenthesized text, evaluate (through the checker's constant folding and the
reference interpreter) to what Python computes from the generated tree, and keep
spans that cover exactly their own text.

The language's `/` truncates toward zero and `%` has the sign of the dividend
(as in Solidity and Rust), unlike Python's floor division: the oracle below
implements them on its own, without `spec.runtime`.
"""

from __future__ import annotations

import ast as pyast

from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from spec import ast
from spec.diagnostics import SpecError
from spec.loader import load_text
from spec_helpers import TAIL, canon, parse_expr

SETTINGS = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])

# precedence levels, loosest first (spec/grammar.lark)
PREFIX, IMPLIES, OR, AND, NOT, CMP, BOR, RNG, SUM, PROD, UNARY, POW, ATOM = range(13)
LEVEL = {"+": SUM, "-": SUM, "*": PROD, "/": PROD, "%": PROD, "and": AND, "or": OR, "implies": IMPLIES}


# ---- the oracle: integer division as the language defines it --------------------

def tdiv(a: int, b: int) -> int:
    q = abs(a) // abs(b)
    return q if (a < 0) == (b < 0) else -q


def tmod(a: int, b: int) -> int:
    return a - b * tdiv(a, b)


def test_oracle_division_matches_the_language_on_fixed_cases():
    cases = {"-7 / 2": -3, "-7 % 2": -1, "7 / -2": -3, "7 % -2": 1, "-7 / -2": 3, "-7 % -2": -1, "0 / -3": 0}
    for text, want in cases.items():
        assert load_text(f"model P\nconst C = {text}\n" + TAIL).consts["C"].value == want, text
        a, op, b = text.split()
        assert (tdiv if op == "/" else tmod)(int(a), int(b)) == want


# ---- random expression trees -------------------------------------------------------

LITS = st.integers(-6, 12)


@st.composite
def domain(draw):
    lo = draw(st.integers(-3, 3))
    return lo, draw(st.integers(lo - 1, lo + 4))  # may be empty


@st.composite
def int_expr(draw, depth=3, scope=()):
    if depth <= 0 or draw(st.integers(0, 4)) == 0:
        if scope and draw(st.booleans()):
            return ("var", draw(st.sampled_from(scope)))
        return ("lit", draw(LITS))
    d = depth - 1
    kind = draw(st.sampled_from(["bin", "bin", "bin", "neg", "pow", "ite", "minmax", "abs", "sum", "len"]))
    if kind == "bin":
        return ("bin", draw(st.sampled_from("+-*/%")), draw(int_expr(d, scope)), draw(int_expr(d, scope)))
    if kind == "neg":
        return ("neg", draw(int_expr(d, scope)))
    if kind == "pow":
        return ("pow", draw(int_expr(d, scope)), draw(st.integers(0, 3)))
    if kind == "ite":
        return ("ite", draw(bool_expr(d, scope)), draw(int_expr(d, scope)), draw(int_expr(d, scope)))
    if kind == "minmax":
        return ("call", draw(st.sampled_from(["min", "max"])), draw(int_expr(d, scope)), draw(int_expr(d, scope)))
    if kind == "abs":
        return ("abs", draw(int_expr(d, scope)))
    if kind == "len":
        return ("len", *draw(domain()))
    name = f"v{len(scope)}"
    inner = scope + (name,)
    cond = draw(st.none() | bool_expr(d, inner))
    return ("sum", name, *draw(domain()), draw(int_expr(d, inner)), cond)


@st.composite
def bool_expr(draw, depth=3, scope=()):
    if depth <= 0 or draw(st.integers(0, 4)) == 0:
        return ("blit", draw(st.booleans()))
    d = depth - 1
    kind = draw(st.sampled_from(["logic", "logic", "not", "cmp", "cmp", "beq", "ite", "in", "quant"]))
    if kind == "logic":
        return ("logic", draw(st.sampled_from(["and", "or", "implies"])), draw(bool_expr(d, scope)),
                draw(bool_expr(d, scope)))
    if kind == "not":
        return ("not", draw(bool_expr(d, scope)))
    if kind == "cmp":
        return ("cmp", draw(st.sampled_from(["==", "!=", "<", "<=", ">", ">="])), draw(int_expr(d, scope)),
                draw(int_expr(d, scope)))
    if kind == "beq":
        return ("beq", draw(st.sampled_from(["==", "!="])), draw(bool_expr(d, scope)), draw(bool_expr(d, scope)))
    if kind == "ite":
        return ("ite", draw(bool_expr(d, scope)), draw(bool_expr(d, scope)), draw(bool_expr(d, scope)))
    if kind == "in":
        return ("in", draw(st.booleans()), draw(int_expr(d, scope)), *draw(domain()))
    name = f"v{len(scope)}"
    return ("quant", draw(st.sampled_from(["forall", "exists"])), name, *draw(domain()),
            draw(bool_expr(d, scope + (name,))))


# ---- Python's evaluation of a tree ---------------------------------------------------

class Div0(Exception):
    pass


def evaluate(n, env=None, strict=False):
    """The value of tree n. strict: evaluate every branch and binding (to find any x / 0)."""
    env = env or {}

    def ev(x, e=env):
        return evaluate(x, e, strict)

    k = n[0]
    if k in ("lit", "blit"):
        return n[1]
    if k == "var":
        return env[n[1]]
    if k == "neg":
        return -ev(n[1])
    if k == "bin":
        a, b = ev(n[2]), ev(n[3])
        if n[1] in "/%" and b == 0:
            raise Div0
        return {"+": a + b, "-": a - b, "*": a * b}[n[1]] if n[1] in "+-*" else \
            (tdiv(a, b) if n[1] == "/" else tmod(a, b))
    if k == "pow":
        return ev(n[1]) ** n[2]
    if k == "abs":
        return abs(ev(n[1]))
    if k == "call":
        return (min if n[1] == "min" else max)(ev(n[2]), ev(n[3]))
    if k == "len":
        return max(0, n[2] - n[1] + 1)
    if k == "ite":
        if strict:
            c, a, b = ev(n[1]), ev(n[2]), ev(n[3])
            return a if c else b
        return ev(n[2]) if ev(n[1]) else ev(n[3])
    if k == "not":
        return not ev(n[1])
    if k == "logic":
        if strict:
            a, b = ev(n[2]), ev(n[3])
        else:
            a = ev(n[2])
            if (n[1] == "and" and not a) or (n[1] == "or" and a) or (n[1] == "implies" and not a):
                return n[1] != "and"
            b = ev(n[3])
        return {"and": a and b, "or": a or b, "implies": (not a) or b}[n[1]]
    if k == "cmp" or k == "beq":
        a, b = ev(n[2]), ev(n[3])
        return {"==": a == b, "!=": a != b, "<": a < b, "<=": a <= b, ">": a > b, ">=": a >= b}[n[1]]
    if k == "in":
        found = n[3] <= ev(n[2]) <= n[4]
        return not found if n[1] else found
    if k == "sum":
        _, name, lo, hi, body, cond = n
        rows = [{**env, name: i} for i in range(lo, hi + 1)]
        if strict:  # every subexpression once at least: `0 / 0` is rejected even in an empty loop
            for r in rows or [{**env, name: lo}]:
                ev(body, r)
                if cond is not None:
                    ev(cond, r)
        if cond is not None:
            rows = [r for r in rows if ev(cond, r)]
        return sum(ev(body, r) for r in rows)
    if k == "quant":
        _, kind, name, lo, hi, body = n
        values = (ev(body, {**env, name: i}) for i in range(lo, hi + 1))
        if strict:
            values = list(values)
            if hi < lo:
                ev(body, {**env, name: lo})  # for its exceptions only
        return all(values) if kind == "forall" else any(values)
    raise AssertionError(n)


# ---- printing a tree: minimal parentheses, and all of them ------------------------------

def level(n) -> int:
    k = n[0]
    if k == "lit":
        return ATOM if n[1] >= 0 else UNARY
    if k in ("var", "blit", "call", "abs", "len", "sum"):
        return ATOM
    if k == "neg":
        return UNARY
    if k == "bin":
        return LEVEL[n[1]]
    if k == "pow":
        return POW
    if k == "not":
        return NOT
    if k == "logic":
        return LEVEL[n[1]]
    if k in ("cmp", "beq", "in"):
        return CMP
    return PREFIX  # ite, quant


def show(n, need=PREFIX, prefix_ok=True, tail_free=True, full=False, wrapped=False) -> str:
    """n as text; parenthesized when its level is below `need` (or always, when full)."""
    bare = level(n) >= need or (level(n) == PREFIX and prefix_ok and tail_free)
    if full and level(n) != ATOM and not wrapped:
        bare = False
    if not bare:
        return "(" + show(n, PREFIX, True, True, full, wrapped=True) + ")"

    def sub(x, need_, prefix_ok_=False, tail_free_=False):
        return show(x, need_, prefix_ok_, tail_free_, full)

    k = n[0]
    if k in ("lit", "var"):
        return str(n[1])
    if k == "blit":
        return "true" if n[1] else "false"
    if k == "neg":
        text = sub(n[1], UNARY)
        return "-" + (" " + text if text.startswith("-") else text)
    if k == "bin":
        lv = LEVEL[n[1]]
        return f"{sub(n[2], lv)} {n[1]} {sub(n[3], lv + 1)}"
    if k == "pow":
        return f"{sub(n[1], ATOM)} ** {n[2]}"
    if k == "abs":
        return f"abs({sub(n[1], PREFIX, True, True)})"
    if k == "call":
        return f"{n[1]}({sub(n[2], PREFIX, True, True)}, {sub(n[3], PREFIX, True, True)})"
    if k == "len":
        return f"len({n[1]}..{n[2]})"
    if k == "sum":
        _, name, lo, hi, body, cond = n
        tail = f" if {sub(cond, PREFIX, True, True)}" if cond is not None else ""
        return f"sum({sub(body, PREFIX, True, True)} for {name} in {lo}..{hi}{tail})"
    if k == "ite":
        return f"if {sub(n[1], PREFIX, True, True)} then {sub(n[2], PREFIX, True, True)} " \
               f"else {sub(n[3], PREFIX, True, tail_free)}"
    if k == "quant":
        _, kind, name, lo, hi, body = n
        return f"{kind} {name} in {lo}..{hi}: {sub(body, PREFIX, True, tail_free)}"
    if k == "not":
        return f"not {sub(n[1], NOT, True, tail_free)}"
    if k == "logic":
        lv = LEVEL[n[1]]
        left_need, right_need = (OR, IMPLIES) if n[1] == "implies" else (lv, lv + 1)
        return f"{sub(n[2], left_need)} {n[1]} {sub(n[3], right_need, True, tail_free)}"
    if k in ("cmp", "beq"):
        return f"{sub(n[2], BOR)} {n[1]} {sub(n[3], BOR)}"
    if k == "in":
        return f"{sub(n[2], BOR)} {'not in' if n[1] else 'in'} {n[3]}..{n[4]}"
    raise AssertionError(n)


def constant_value(text: str):
    """C's value when `const C = text`, or the SpecError's codes."""
    try:
        mdl = load_text(f"model P\nconst C = {text}\n" + TAIL, "p.sync")
    except SpecError as exc:
        return None, exc.codes
    return mdl.consts["C"].value, None


def check_value(tree):
    text = show(tree)
    value, codes = constant_value(text)
    try:
        evaluate(tree, strict=True)
        strict_ok = True
    except Div0:
        strict_ok = False
    try:
        want, lazy_ok = evaluate(tree), True
    except Div0:
        want, lazy_ok = None, False
    if strict_ok:
        assert codes is None, (text, codes)
        assert value == want and type(value) is type(want), (text, value, want)
    elif codes is not None:
        # division by zero: a literal one is rejected statically, any other when evaluated
        assert len(codes) == 1 and codes[0] in ("E319", "E407"), (text, codes)
    else:
        assert lazy_ok and value == want, (text, value, want)


@SETTINGS
@given(int_expr(4))
@example(("bin", "-", ("lit", 1), ("bin", "-", ("lit", 2), ("lit", 3))))
@example(("neg", ("pow", ("lit", 2), 2)))
@example(("pow", ("lit", -2), 2))
@example(("bin", "/", ("lit", -7), ("lit", 2)))
@example(("bin", "%", ("neg", ("lit", 7)), ("lit", -3)))
def test_integer_expressions_evaluate_as_python_says(tree):
    check_value(tree)


@SETTINGS
@given(bool_expr(4))
@example(("logic", "or", ("logic", "and", ("blit", True), ("ite", ("blit", False), ("blit", True),
                                                           ("blit", False))), ("blit", True)))
@example(("logic", "implies", ("logic", "implies", ("blit", True), ("blit", False)), ("blit", False)))
@example(("not", ("in", False, ("lit", 3), 0, 2)))
@example(("logic", "and", ("quant", "exists", "v0", 0, 2, ("blit", False)), ("blit", False)))
def test_boolean_expressions_evaluate_as_python_says(tree):
    check_value(tree)


@SETTINGS
@given(st.one_of(int_expr(4), bool_expr(4)))
def test_minimal_parentheses_parse_like_full_parentheses(tree):
    minimal, full = show(tree), show(tree, full=True)
    assert canon(parse_expr(minimal)) == canon(parse_expr(full)), (minimal, full)


@SETTINGS
@given(st.one_of(int_expr(4), bool_expr(4)))
def test_printed_tree_parses_back_to_itself(tree):
    printed = canon(parse_expr(show(tree)))
    assert canon(parse_expr(printed)) == printed


def _expr_nodes(node):
    """Every expression node of an AST, with its children."""
    if isinstance(node, ast.Node) and not isinstance(node, (ast.Generator, ast.Binding, ast.Arm,
                                                            ast.Pattern)):
        yield node
    if isinstance(node, ast.Node):
        for v in vars(node).values():
            yield from _expr_nodes(v)
    elif isinstance(node, (list, tuple)):
        for v in node:
            yield from _expr_nodes(v)


@SETTINGS
@given(st.one_of(int_expr(4), bool_expr(4)))
def test_every_node_span_covers_its_own_text(tree):
    text = show(tree)
    root = parse_expr(text)
    for node in _expr_nodes(root):
        sp = node.span
        assert sp.line == sp.end_line == 1
        piece = text[sp.col - 1:sp.end_col - 1]
        assert canon(parse_expr(piece)) == canon(node), (text, piece)


# ---- range bounds in types: arithmetic without parentheses ----------------------------

@st.composite
def bound_text(draw):
    def term():
        n = str(draw(st.integers(0, 9)))
        if draw(st.integers(0, 3)) == 0:
            n = f"{n} ** {draw(st.integers(0, 3))}"
        return ("-" if draw(st.integers(0, 3)) == 0 else "") + n
    parts = [term()]
    for _ in range(draw(st.integers(0, 5))):
        parts += [draw(st.sampled_from("+-*/%")), term()]
    return " ".join(parts)


def python_value(text: str) -> int:
    """Python's parse of the same text, evaluated with the language's division."""
    def ev(n):
        if isinstance(n, pyast.Expression):
            return ev(n.body)
        if isinstance(n, pyast.Constant):
            return n.value
        if isinstance(n, pyast.UnaryOp):
            return -ev(n.operand)
        a, b = ev(n.left), ev(n.right)
        op = type(n.op)
        if op in (pyast.Div, pyast.Mod) and b == 0:
            raise Div0
        return {pyast.Add: lambda: a + b, pyast.Sub: lambda: a - b, pyast.Mult: lambda: a * b,
                pyast.Div: lambda: tdiv(a, b), pyast.Mod: lambda: tmod(a, b), pyast.Pow: lambda: a ** b}[op]()
    return ev(pyast.parse(text, mode="eval"))


@SETTINGS
@given(bound_text())
@example("1 + 2 * 3")
@example("10 - 2 - 3")
@example("-2 ** 2")
@example("2 ** 3 ** 2")
@example("7 % -3 * 2")
def test_range_bounds_follow_expression_precedence(text):
    from spec.types import IntType
    try:
        want = python_value(text)
    except Div0:
        want = None
    try:
        mdl = load_text(f"model P\ntype T = {text}..{text}\n" + TAIL, "p.sync")
    except SpecError as exc:
        assert want is None and len(exc.codes) == 1 and exc.codes[0] in ("E319", "E407"), (text, exc.codes)
        return
    assert mdl.types["T"] == IntType(want, want), text
