"""A chunk of a BFS level expanded at once with numpy: the level kernel (issue 13).

The generated `expand` (`checker.engines.explicit.codegen`) runs every action instance on one
state at a time, in Python. Where a model's states fit in 62 bits and every action instance is a
straight line (guards, then assignments), the same code can run on a whole chunk of states at
once: each state a row of an int64 array, each instance a column of guard outcomes and next
states. This module translates the generated Python of each instance, of the invariants, and the
checks of a run-time failure (a value out of its range) into numpy over arrays, and assembles
the chunk's outcome in the form `expand` gives it.

Nothing here reads the model: the input is the generated code's text (names it made, integer
literals), parsed with Python's own `ast` and taken node by node from a short list. Anything
else -- a call to a runtime helper, a loop, a long literal, a value that could leave 62 bits --
makes `build` give no kernel (and the reason), and the search stays on the generated `expand`.

Exactness:
- every value is bounded before it is computed (an interval per node, from the state's width):
  an int64 holds it, so numpy's arithmetic is Python's. A translation whose bounds leave
  [-2**62, 2**62) is refused.
- `and`, `or` and conditional expressions are evaluated on both sides: nothing translated can
  raise or overflow, so evaluating what Python would skip changes no value.
- a run-time failure (`if not lo <= t <= hi: _nf(...)`) becomes a mask; a chunk where an enabled
  instance fails is given back (None) for the generated `expand` to report exactly as it does.
- the order of next states is the generated code's: by state, then by instance (row-major).
"""

from __future__ import annotations

import ast
from typing import NamedTuple

import numpy as np

BOUND = 1 << 62                 # every value computed lies in [-BOUND, BOUND)
MAX_STATE_BITS = 62             # wider states stay on the generated code
CELLS = 1 << 21                 # rows x (instances + temporaries) held at once: a sub-chunk's size
FAILS = frozenset({"_nf", "_afail"})   # runtime functions that only raise a ModelError
_HAS_POPCOUNT = hasattr(np, "bitwise_count")


class Unsupported(Exception):
    """The code cannot be translated; the message says what."""


class Arrays(NamedTuple):
    """A chunk's next states (uint64, with repeats) and the index of each one's parent in the chunk,
    in order of generation: `Successors.add_arrays` keeps the first occurrence of each."""

    states: np.ndarray
    parents: np.ndarray


class Val(NamedTuple):
    text: str           # a name or a literal of the kernel's source
    kind: str           # "bool" or "int"
    lo: int
    hi: int
    const: object = None   # the value, when constant (int or bool)


def _const(v) -> Val:
    if isinstance(v, bool):
        return Val(repr(v), "bool", int(v), int(v), v)
    if not -BOUND <= v < BOUND:
        raise Unsupported(f"the literal {v} is wider than 62 bits")
    return Val(repr(v), "int", v, v, v)


def _bitlen(lo: int, hi: int) -> int:
    return max(abs(lo).bit_length(), abs(hi).bit_length())


class Instance(NamedTuple):
    """One action instance as the generated `expand` runs it: its guards (expressions over s0),
    and its body: lines run from s0 ending with `ap(next state)`; None when the body is not
    inlined (a `choose`, a `require` inside it, a loop over parameters)."""

    action: int
    guards: list
    body: list | None
    ident: int = 0      # the instance's id (`CompiledModel.instances`), which labels its transitions


class Kernel:
    """The translation of one model's `expand`: `kernel(S)` over an int64 array of states gives
    (invariants hold per row or None, guard matrix, next-state matrix, failure per row or None)."""

    def __init__(self, instances: list[Instance], invariants: list[str], state_bits: int, n_actions: int):
        if state_bits > MAX_STATE_BITS:
            raise Unsupported(f"states of {state_bits} bits (at most {MAX_STATE_BITS})")
        self.state = Val("S", "int", 0, (1 << state_bits) - 1)
        self.lines: list[str] = []
        self.cache: dict[str, Val] = {}      # expression over s0 only -> its temporary
        self.scope: dict[str, Val] = {}      # an instance's names (s, _tN, lN) -> value
        self.ids = 0
        self.temps = 0                       # an instance's own temporaries, at most
        self.deleted = 0
        self.fails = False
        self.killed: Val | None = None
        for inst in instances:
            if inst.body is None:
                raise Unsupported("an action body that is not a straight line (choose, require, loop)")
        self.columns = len(instances)
        self.column_action = np.array([i.action for i in instances], dtype=np.int64)
        self.column_ident = np.array([i.ident for i in instances], dtype=np.int32)
        self.n_actions = n_actions
        ok = self.invariants(invariants)
        self.lines.append(f"G = _np.empty((S.shape[0], {self.columns}), dtype=_np.bool_)")
        self.lines.append(f"N = _np.empty((S.shape[0], {self.columns}), dtype=_np.int64)")
        self.lines.append("E = None")
        for j, inst in enumerate(instances):
            self.instance(j, inst)
        self.lines.append(f"return {ok}, G, N, E")
        source = "def kernel(S):\n" + "".join(f"    {line}\n" for line in self.lines)
        namespace = {"_np": np}
        exec(compile(source, "<syncproof:kernel>", "exec"), namespace)  # noqa: S102 - generated, see above
        self.source = source
        self.kernel = namespace["kernel"]
        self.temps += self.ids - self.deleted   # ... and those kept to the end

    # ---- statements ------------------------------------------------------------------------

    def invariants(self, codes: list[str]) -> str:
        if not codes:
            return "None"
        v = _const(True)
        for c in codes:
            v = self.boolop_of(v, self.truth(self.parse(c)))
        return self.array(v)

    def instance(self, j: int, inst: Instance) -> None:
        self.scope = {}
        first = self.ids + 1
        guard = None
        for g in inst.guards:
            t = self.truth(self.parse(g))
            guard = t if guard is None else self.boolop_of(guard, t)
        if guard is not None and guard.const is False:
            raise Unsupported("a guard that is constantly false")   # the generator leaves such out
        if guard is not None and guard.const is True:
            guard = None
        self.killed = None   # the rows whose run ended at a `require` in the body
        succ = None
        for stmt in ast.parse("\n".join(inst.body)).body:
            got = self.statement(stmt, guard)
            if got is not None:
                if succ is not None:
                    raise Unsupported("two next states from one instance")
                succ = got
        if succ is None:
            raise Unsupported("an instance without a next state")
        if self.killed is not None:
            alive = self.unary(ast.Not(), self.killed)
            guard = alive if guard is None else self.boolop_of(guard, alive)
        self.lines.append(f"G[:, {j}] = {self.array(guard) if guard is not None else 'True'}")
        self.lines.append(f"N[:, {j}] = {succ.text}")
        # the instance's own temporaries are dropped: only those over s0 alone are shared
        shared = {v.text for v in self.cache.values()}
        mine = [f"_a{i}" for i in range(first, self.ids + 1) if f"_a{i}" not in shared]
        if mine:
            self.lines.append(f"del {', '.join(mine)}")
            self.deleted += len(mine)
        self.temps = max(self.temps, len(mine))
        self.scope = {}

    def statement(self, stmt: ast.stmt, path: Val | None) -> Val | None:
        """Runs one statement of a body under `path` (the rows it runs on; None: all of them);
        the next state when it is `ap(...)`."""
        if isinstance(stmt, ast.Assign):
            if len(stmt.targets) != 1 or not isinstance(stmt.targets[0], ast.Name):
                raise Unsupported("an assignment to something other than a name")
            self.scope[stmt.targets[0].id] = self.expr(stmt.value)
            return None
        if isinstance(stmt, ast.Expr) and isinstance(stmt.value, ast.Call) and _called(stmt.value) == "ap":
            if len(stmt.value.args) != 1 or stmt.value.keywords:
                raise Unsupported("ap with other than one argument")
            v = self.expr(stmt.value.args[0])
            if v.kind != "int":
                raise Unsupported("a next state that is a truth value")
            return v
        if isinstance(stmt, ast.If) and not stmt.orelse and len(stmt.body) == 1 \
                and isinstance(stmt.body[0], ast.Expr) and isinstance(stmt.body[0].value, ast.Call) \
                and _called(stmt.body[0].value) in FAILS:
            # a run-time failure on the rows where the test holds (and the instance runs)
            bad = self.truth(self.expr(stmt.test))
            if bad.const is False:
                return None
            if path is not None:
                bad = self.boolop_of(path, bad)
            if self.killed is not None:   # a run that ended at a `require` does not get here
                bad = self.boolop_of(bad, self.unary(ast.Not(), self.killed))
            self.lines.append(f"E = {self.array(bad)} if E is None else (E | {bad.text})")
            self.fails = True
            return None
        if isinstance(stmt, ast.Return) and stmt.value is None:   # a `require` that fails: no transition
            self.killed = _const(True) if path is None else (path if self.killed is None else self.boolop_or(self.killed, path))
            return None
        if isinstance(stmt, ast.If):
            self.branches(stmt, path)
            return None
        if isinstance(stmt, ast.Pass):
            return None
        raise Unsupported(f"a statement {type(stmt).__name__}")

    def branches(self, stmt: ast.If, path: Val | None) -> None:
        """Both branches of an `if`, each under its own path; a name either assigns is then the
        one or the other row by row (a name only one branch assigns, not known before, is not
        known after: the generated code never reads it there)."""
        c = self.truth(self.expr(stmt.test))
        if c.const is not None:
            for s in (stmt.body if c.const else stmt.orelse):
                if self.statement(s, path) is not None:
                    raise Unsupported("a next state inside an `if`")
            return
        before = dict(self.scope)
        outcomes = []
        for arm, cond in ((stmt.body, c), (stmt.orelse, self.unary(ast.Not(), c))):
            self.scope = dict(before)
            arm_path = cond if path is None else self.boolop_of(path, cond)
            for s in arm:
                if self.statement(s, arm_path) is not None:
                    raise Unsupported("a next state inside an `if`")
            outcomes.append(self.scope)
        then, orelse = outcomes
        self.scope = {}
        for name in set(then) | set(orelse):
            a, b = then.get(name, before.get(name)), orelse.get(name, before.get(name))
            if a is None or b is None:
                continue
            self.scope[name] = a if a is b else self.ifexp(c, a, b)

    # ---- expressions -----------------------------------------------------------------------

    def parse(self, text: str) -> Val:
        return self.expr(ast.parse(text, mode="eval").body)

    def emit(self, text: str, kind: str, lo: int, hi: int) -> Val:
        """A new temporary holding text (an array: the callers fold constants themselves)."""
        if not -BOUND <= lo <= hi < BOUND:
            raise Unsupported("a value that may not fit in 62 bits")
        self.ids += 1
        name = f"_a{self.ids}"
        self.lines.append(f"{name} = {text}")
        return Val(name, kind, lo, hi)

    def array(self, v: Val) -> str:
        """v's text as an array of the rows (a constant broadcast)."""
        if v.const is None:
            return v.text
        dtype = "_np.bool_" if v.kind == "bool" else "_np.int64"
        return f"_np.full(S.shape[0], {v.text}, dtype={dtype})"

    def truth(self, v: Val) -> Val:
        """Python's truth of v, as a bool."""
        if v.kind == "bool":
            return v
        if v.const is not None:
            return _const(bool(v.const))
        return self.emit(f"({v.text} != 0)", "bool", 0, 1)

    def number(self, v: Val) -> Val:
        """v as an int64 (a bool array as 0 and 1, as Python's arithmetic takes True and False)."""
        if v.kind == "int":
            return v
        if v.const is not None:
            return _const(int(v.const))
        return self.emit(f"{v.text}.astype(_np.int64)", "int", 0, 1)

    def expr(self, node: ast.expr) -> Val:
        if isinstance(node, ast.Name):
            if node.id == "s0":
                return self.state
            if node.id in self.scope:
                return self.scope[node.id]
            raise Unsupported(f"the name {node.id}")
        if isinstance(node, ast.Constant):
            if isinstance(node.value, bool) or isinstance(node.value, int):
                return _const(node.value)
            raise Unsupported(f"the constant {node.value!r}")
        pure = self._reads_only_s0(node)
        key = ast.dump(node) if pure else None
        if key is not None and key in self.cache:
            return self.cache[key]
        v = self._expr(node)
        if key is not None and v.const is None:
            self.cache[key] = v
        return v

    def _reads_only_s0(self, node: ast.expr) -> bool:
        return all(n.id == "s0" for n in ast.walk(node) if isinstance(n, ast.Name))

    def _expr(self, node: ast.expr) -> Val:
        if isinstance(node, ast.BinOp):
            return self.binop(node.op, self.expr(node.left), self.expr(node.right))
        if isinstance(node, ast.UnaryOp):
            return self.unary(node.op, self.expr(node.operand))
        if isinstance(node, ast.BoolOp):
            return self.boolop(node)
        if isinstance(node, ast.Compare):
            return self.compare(node)
        if isinstance(node, ast.IfExp):
            return self.ifexp(self.truth(self.expr(node.test)), self.expr(node.body), self.expr(node.orelse))
        if isinstance(node, ast.Call):
            return self.call(node)
        if isinstance(node, ast.NamedExpr):   # a `let` of the model: `((_t3 := value), body)[1]`
            v = self.expr(node.value)
            self.scope[node.target.id] = v
            return v
        if isinstance(node, ast.Subscript) and isinstance(node.value, ast.Tuple) \
                and isinstance(node.slice, ast.Constant) and type(node.slice.value) is int:
            vals = [self.expr(x) for x in node.value.elts]   # in order: the walrus first
            if not -len(vals) <= node.slice.value < len(vals):
                raise Unsupported("an index out of its tuple")
            return vals[node.slice.value]
        raise Unsupported(f"the expression {type(node).__name__}")

    def binop(self, op: ast.operator, a: Val, b: Val) -> Val:
        bitwise = {ast.BitAnd: "&", ast.BitOr: "|", ast.BitXor: "^"}
        if type(op) in bitwise and a.kind == b.kind == "bool":
            sym = bitwise[type(op)]
            if a.const is not None and b.const is not None:
                return _const(bool(_apply(sym, a.const, b.const)))
            return self.emit(f"({a.text} {sym} {b.text})", "bool", 0, 1)
        a, b = self.number(a), self.number(b)
        sym, lo, hi = self.int_op(op, a, b)
        if a.const is not None and b.const is not None:
            return _const(_apply(sym, a.const, b.const))
        return self.emit(f"({a.text} {sym} {b.text})", "int", lo, hi)

    def int_op(self, op: ast.operator, a: Val, b: Val) -> tuple[str, int, int]:
        """The operator's source, and the bounds of its result over the operands' bounds."""
        if isinstance(op, (ast.Add, ast.Sub, ast.Mult)):
            sym = {ast.Add: "+", ast.Sub: "-", ast.Mult: "*"}[type(op)]
            corners = [_apply(sym, x, y) for x in (a.lo, a.hi) for y in (b.lo, b.hi)]
            return sym, min(corners), max(corners)
        if isinstance(op, (ast.FloorDiv, ast.Mod)):
            if b.const is None or b.const == 0:
                raise Unsupported("a division by a value that is not a constant other than zero")
            c = b.const
            if isinstance(op, ast.Mod):
                return ("%", 0, c - 1) if c > 0 else ("%", c + 1, 0)
            corners = [a.lo // c, a.hi // c]
            return "//", min(corners), max(corners)
        if isinstance(op, (ast.LShift, ast.RShift)):
            if b.lo < 0 or b.hi > (61 if isinstance(op, ast.LShift) else 63):
                raise Unsupported("a shift by an amount out of 0..61")
            sym = "<<" if isinstance(op, ast.LShift) else ">>"
            corners = [_apply(sym, x, y) for x in (a.lo, a.hi) for y in (b.lo, b.hi)]
            return sym, min(corners), max(corners)
        if isinstance(op, (ast.BitAnd, ast.BitOr, ast.BitXor)):
            sym = {ast.BitAnd: "&", ast.BitOr: "|", ast.BitXor: "^"}[type(op)]
            if a.lo >= 0 and b.lo >= 0:
                if sym == "&":
                    return sym, 0, min(a.hi, b.hi)
                return sym, 0, (1 << max(a.hi.bit_length(), b.hi.bit_length())) - 1
            if sym == "&" and (a.lo >= 0 or b.lo >= 0):
                return sym, 0, a.hi if a.lo >= 0 else b.hi
            n = max(_bitlen(a.lo, a.hi), _bitlen(b.lo, b.hi))
            return sym, -(1 << n), (1 << n) - 1
        raise Unsupported(f"the operator {type(op).__name__}")

    def unary(self, op: ast.unaryop, a: Val) -> Val:
        if isinstance(op, ast.Not):
            t = self.truth(a)
            if t.const is not None:
                return _const(not t.const)
            return self.emit(f"(~{t.text})", "bool", 0, 1)
        a = self.number(a)   # Python's -True and ~True are -1 and -2
        if isinstance(op, ast.USub):
            if a.const is not None:
                return _const(-a.const)
            return self.emit(f"(-{a.text})", "int", -a.hi, -a.lo)
        if isinstance(op, ast.UAdd):
            return a
        if isinstance(op, ast.Invert):
            if a.const is not None:
                return _const(~a.const)
            return self.emit(f"(~{a.text})", "int", ~a.hi, ~a.lo)
        raise Unsupported(f"the operator {type(op).__name__}")

    def boolop(self, node: ast.BoolOp) -> Val:
        """`and` / `or` as & / | of truth values. Python's `a and b` is one of its operands, not a
        truth value: the same number only when every operand is a truth value or 0 or 1 (what the
        generated code makes of the model's booleans); anything else is refused."""
        vals = [self.expr(x) for x in node.values]
        if any(v.kind != "bool" and not 0 <= v.lo <= v.hi <= 1 for v in vals):
            raise Unsupported("`and`/`or` of numbers other than 0 and 1")
        vals = [self.truth(v) for v in vals]
        is_and = isinstance(node.op, ast.And)
        consts = [v.const for v in vals if v.const is not None]
        if (False if is_and else True) in consts:
            return _const(not is_and)
        rest = [v for v in vals if v.const is None]
        if not rest:
            return _const(is_and)
        if len(rest) == 1:
            return rest[0]
        sym = " & " if is_and else " | "
        return self.emit("(" + sym.join(v.text for v in rest) + ")", "bool", 0, 1)

    def compare(self, node: ast.Compare) -> Val:
        syms = {ast.Eq: "==", ast.NotEq: "!=", ast.Lt: "<", ast.LtE: "<=", ast.Gt: ">", ast.GtE: ">="}
        left = self.expr(node.left)
        out = None
        for op, right_node in zip(node.ops, node.comparators):
            if type(op) not in syms:
                raise Unsupported(f"the comparison {type(op).__name__}")
            right = self.expr(right_node)
            sym = syms[type(op)]
            if left.const is not None and right.const is not None:
                c = _const(bool(_apply(sym, left.const, right.const)))
            else:
                c = self.emit(f"({left.text} {sym} {right.text})", "bool", 0, 1)   # numpy compares True as 1
            out = c if out is None else self.boolop_of(out, c)
            left = right
        return out

    def boolop_or(self, a: Val, b: Val) -> Val:
        if a.const is True or b.const is True:
            return _const(True)
        if a.const is False:
            return b
        if b.const is False:
            return a
        return self.emit(f"({a.text} | {b.text})", "bool", 0, 1)

    def boolop_of(self, a: Val, b: Val) -> Val:
        if a.const is False or b.const is False:
            return _const(False)
        if a.const is True:
            return b
        if b.const is True:
            return a
        return self.emit(f"({a.text} & {b.text})", "bool", 0, 1)

    def ifexp(self, test: Val, a: Val, b: Val) -> Val:
        if test.const is not None:
            return a if test.const else b
        if a.kind != b.kind:
            a, b = self.number(a), self.number(b)
        return self.emit(f"_np.where({test.text}, {a.text}, {b.text})", a.kind, min(a.lo, b.lo), max(a.hi, b.hi))

    def call(self, node: ast.Call) -> Val:
        if node.keywords:
            raise Unsupported("a call with keywords")
        if isinstance(node.func, ast.Attribute) and node.func.attr == "bit_count" and not node.args:
            if not _HAS_POPCOUNT:
                raise Unsupported("bit_count (numpy 2 has bitwise_count)")
            a = self.number(self.expr(node.func.value))
            if a.const is not None:
                return _const(a.const.bit_count())
            return self.emit(f"_np.bitwise_count({a.text}).astype(_np.int64)", "int", 0, 63)
        fn = _called(node)
        args = [self.expr(x) for x in node.args]
        if fn == "bool" and len(args) == 1:
            return self.truth(args[0])
        if fn == "abs" and len(args) == 1:
            a = self.number(args[0])
            if a.const is not None:
                return _const(abs(a.const))
            lo = 0 if a.lo <= 0 <= a.hi else min(abs(a.lo), abs(a.hi))
            return self.emit(f"_np.abs({a.text})", "int", lo, max(abs(a.lo), abs(a.hi)))
        if fn in ("min", "max") and len(args) >= 2:
            args = [self.number(a) for a in args]
            pick = np.minimum if fn == "min" else np.maximum
            v = args[0]
            for w in args[1:]:
                if v.const is not None and w.const is not None:
                    v = _const(min(v.const, w.const) if fn == "min" else max(v.const, w.const))
                    continue
                lo = min(v.lo, w.lo) if fn == "min" else max(v.lo, w.lo)
                hi = min(v.hi, w.hi) if fn == "min" else max(v.hi, w.hi)
                v = self.emit(f"_np.{pick.__name__}({v.text}, {w.text})", "int", lo, hi)
            return v
        raise Unsupported(f"a call of {fn or 'an expression'}")


def _called(node: ast.Call) -> str | None:
    return node.func.id if isinstance(node.func, ast.Name) else None


def _apply(sym: str, x: int, y: int):
    if sym == "+":
        return x + y
    if sym == "-":
        return x - y
    if sym == "*":
        return x * y
    if sym == "//":
        return x // y
    if sym == "%":
        return x % y
    if sym == "<<":
        return x << y
    if sym == ">>":
        return x >> y
    if sym == "&":
        return x & y
    if sym == "|":
        return x | y
    if sym == "^":
        return x ^ y
    if sym == "==":
        return x == y
    if sym == "!=":
        return x != y
    if sym == "<":
        return x < y
    if sym == "<=":
        return x <= y
    if sym == ">":
        return x > y
    if sym == ">=":
        return x >= y
    raise AssertionError(sym)


class LevelKernel:
    """`expand` of a chunk of states (a uint64 array) by the kernel: the generated `expand`'s
    (next states, counts, bad, dead, err) with the next states as `Arrays`; None when an enabled
    instance fails on some state of the chunk (the generated code reports that)."""

    def __init__(self, kernel: Kernel):
        self.k = kernel
        self.rows = max(64, CELLS // max(1, kernel.columns + kernel.temps))

    def __call__(self, chunk: np.ndarray):
        got = self._run(chunk, False)
        if got is None:
            return None
        (states, parents, _), counts, bad, dead = got
        return Arrays(states, parents), counts, bad, dead, None

    def labelled(self, chunk: np.ndarray):
        """The generated `expand_labelled` of the chunk: ((every transition's next state, where each
        state's transitions end), counts, bad, dead, err, the instance id of each transition); None
        as for a call."""
        got = self._run(chunk, True)
        if got is None:
            return None
        (states, parents, idents), counts, bad, dead = got
        ends = np.cumsum(np.bincount(parents, minlength=len(chunk)))
        return (states, ends), counts, bad, dead, None, idents

    def _run(self, chunk: np.ndarray, labelled: bool):
        S = np.ascontiguousarray(chunk).view(np.int64)
        k = self.k
        width = max(1, k.columns)
        counts = np.zeros(k.n_actions, dtype=np.int64)
        bad: list[int] = []
        dead = -1
        states, parents, idents = [], [], []
        for start in range(0, len(S), self.rows):
            part = S[start:start + self.rows]
            ok, G, N, E = k.kernel(part)
            if E is not None and E.any():
                return None
            if k.columns:
                counts += np.bincount(k.column_action, weights=G.sum(axis=0), minlength=k.n_actions).astype(np.int64)
            if ok is not None:
                bad += (np.flatnonzero(~ok) + start).tolist()
            if dead < 0:
                idle = np.flatnonzero(~G.any(axis=1)) if k.columns else np.arange(len(part))
                if len(idle):
                    dead = int(idle[0]) + start
            flat = np.flatnonzero(G.ravel())
            states.append(N.ravel()[flat].view(np.uint64))
            parents.append(flat // width + start)
            if labelled:
                idents.append(k.column_ident[flat % width])
        out = tuple(np.concatenate(x) if len(x) != 1 else x[0] for x in (states, parents, idents) if x)
        if not labelled:
            out += (None,)
        return out, counts.tolist(), bad, dead


def build(instances, invariants: list[str], state_bits: int, n_actions: int):
    """(LevelKernel, None) or (None, why not)."""
    try:
        if instances is None:
            raise Unsupported("an action whose parameters are looped over, not unrolled")
        return LevelKernel(Kernel(instances, invariants, state_bits, n_actions)), None
    except Unsupported as exc:
        return None, str(exc)
    except (SyntaxError, RecursionError, MemoryError) as exc:   # code nested too deep for Python's parser
        return None, f"the generated code could not be translated ({type(exc).__name__})"
    except Exception as exc:  # noqa: BLE001 - a defect here must cost speed, never a result
        return None, f"internal error in the translation ({type(exc).__name__}: {exc}); please report it"
