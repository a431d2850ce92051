"""A chunk of a BFS level expanded at once with numpy: the level kernel (issue 13).

The generated `expand` (`checker.engines.explicit.codegen`) runs every action instance on one
state at a time, in Python. Here the same code runs on a whole chunk of states at once: each state
a row of an int64 array (a state of more than 62 bits a row of limbs, 62 of its bits each: `Wide`),
each action instance (each way through its `choose`s: `ModelCompiler.kernel_bodies`) a column of
guard outcomes and next states.
This module translates the generated Python of each instance and of the invariants into numpy
over those arrays, and assembles the chunk's outcome in the form `expand` gives it.

Nothing here reads the model: the input is the generated code's text (names it made, integer
literals), parsed with Python's own `ast` and taken node by node from a closed list of forms
(arithmetic and bit operations, comparisons, `and`/`or`/`not`, conditional expressions, the
runtime's checking helpers, generators over a set's members or a sequence's items, loops over
them, `require` as `if not c: return`). Anything else makes `build` give no kernel and the reason,
and the search stays on the generated `expand`. Lookup tables (set conversions) are data passed in.

Exactness:
- every value is bounded before it is computed (an interval per node, from the state's width):
  an int64 holds it, so numpy's arithmetic is Python's. A translation whose bounds leave
  [-2**62, 2**62) is refused.
- `and`, `or`, conditional expressions and unrolled loops are evaluated on both sides: nothing
  translated can raise or overflow, so evaluating what Python would skip changes no value.
- a run-time check (a value out of its range, `assert`, get of none, a sequence's bounds, ...)
  becomes a mask of the rows where it fails, under the conditions that decide whether Python
  evaluates it at all. A chunk where an enabled instance fails, or an invariant raises, is handed
  back (None) for the generated `expand` to report exactly as it does: a check reported on more
  rows than Python reaches costs speed, never a result.
- the order of next states is the generated code's: by state, then by instance (row-major).
"""

from __future__ import annotations

import ast
import operator
import re
from typing import NamedTuple

import numpy as np

from checker.engines.explicit.limbs import LIMB, LIMB_MASK, ints_of_limbs, limbs_of_ints, state_ints
from spec.runtime import generated_globals

BOUND = 1 << 62                 # every value computed lies in [-BOUND, BOUND)
MAX_STATE_BITS = 16 * LIMB      # wider states stay on the generated code
CELLS = 1 << 21                 # rows x (instances + temporaries) held at once: a sub-chunk's size
FAILS = frozenset({"_nf", "_afail"})   # runtime functions that only raise a ModelError
UNROLLED = 256                  # values of a generator unrolled, at most
MAX_OPERATIONS = 12_000         # numpy operations of a kernel (a chunk), at most: beyond, it is slow to
                                # translate and compile, and no faster than the generated code
MAX_TRANSLATED = 250_000        # expressions translated for one invariant or instance, at most, and four
                                # times that for a kernel (loops unrolled within loops whose terms fold to
                                # constants or repeat emit nothing, but take time: about a second here)
_HAS_POPCOUNT = hasattr(np, "bitwise_count")
PATCHED: bool | None = None     # wide next states as patches (True), whole (False), or as `Kernel` chooses

# the operators translated, with their source and their meaning on Python's integers
BINARY = {ast.Add: "+", ast.Sub: "-", ast.Mult: "*", ast.FloorDiv: "//", ast.Mod: "%", ast.LShift: "<<",
          ast.RShift: ">>", ast.BitAnd: "&", ast.BitOr: "|", ast.BitXor: "^"}
COMPARE = {ast.Eq: "==", ast.NotEq: "!=", ast.Lt: "<", ast.LtE: "<=", ast.Gt: ">", ast.GtE: ">="}
_BY_SYMBOL = {sym: op for op, sym in BINARY.items()}
_APPLY = {"+": operator.add, "-": operator.sub, "*": operator.mul, "//": operator.floordiv, "%": operator.mod,
          "<<": operator.lshift, ">>": operator.rshift, "&": operator.and_, "|": operator.or_, "^": operator.xor,
          "==": operator.eq, "!=": operator.ne, "<": operator.lt, "<=": operator.le, ">": operator.gt,
          ">=": operator.ge}


class Unsupported(Exception):
    """The code cannot be translated; the message says what."""


class Arrays(NamedTuple):
    """A chunk's next states (uint64, with repeats) and the index of each one's parent in the chunk,
    in order of generation: `Successors.add_arrays` keeps the first occurrence of each."""

    states: np.ndarray
    parents: np.ndarray


class Rows(NamedTuple):
    """`Arrays` of states wider than 62 bits: each next state a row of limbs (int64, 62 bits each,
    lowest first; `Successors.add_rows` makes ints of those it keeps)."""

    rows: np.ndarray
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


class Wide(NamedTuple):
    """A number of more than 62 bits (a state, or a mask of one, of a model whose states are wider):
    its limbs, lowest first, each a Val in 0..2**62-1 holding 62 of its bits, shifted right by
    `shift` bits (a constant, or an array: a map's entry at a key read from the state). A right
    shift is only recorded: the bits are read where a narrow value is wanted (`Kernel.narrowed`),
    from two limbs at most for a field of at most 62 bits. `within`, when known, is a constant
    (not negative) whose bits the number's, before the shift, lie within: a set masked by a
    constant (`Kernel.masked`), whose other bits are never read."""

    limbs: tuple
    shift: int | Val = 0
    within: int | None = None


class Big(NamedTuple):
    """An integer constant outside [-2**62, 2**62): a mask of a wide state."""

    value: int


def _number_const(v: int) -> Val | Big:
    return _const(v) if -BOUND <= v < BOUND else Big(v)


def _limb_bits(limbs) -> int:
    """How many bits the number of these limbs may have."""
    return max((LIMB * j + x.hi.bit_length() for j, x in enumerate(limbs) if x.hi > 0), default=0)


_ATOM = r"(_[a-z]+\d+|S|-?\d+)"   # a temporary, the state (or a limb of it), an integer
_COMPARISON = re.compile(rf"\({_ATOM} (==|!=|<|<=|>|>=) {_ATOM}\)")
_NEGATED = {"==": "!=", "!=": "==", "<": ">=", "<=": ">", ">": "<=", ">=": "<"}


def _bitlen(lo: int, hi: int) -> int:
    """n such that every number of lo..hi lies in -2**n .. 2**n - 1 (two's complement, n bits and a sign)."""
    return max(lo.bit_length() if lo >= 0 else (~lo).bit_length(), hi.bit_length() if hi >= 0 else (~hi).bit_length())


class Instance(NamedTuple):
    """One action instance as the generated `expand` runs it: its guards (expressions over s0),
    and its body: lines run from s0 ending with `ap(next state)`; None when the body is not
    inlined (a `choose`, a `require` inside it, a loop over parameters)."""

    action: int
    guards: list
    body: list | None
    ident: int = 0      # the instance's id (`CompiledModel.instances`), which labels its transitions


class Kernel:
    """The translation of one model's `expand`: `kernel(S)` over an int64 array of states (of
    rows of `limbs` limbs when states are wider than 62 bits) gives (invariants hold per row or
    None, guard matrix, next states, failure per row or None, F).

    States of at most 62 bits: the next states are a matrix (rows, instances), F is None.
    Wider states: a next state is its parent with a few limbs changed (a field set, a message
    added), so only those are computed: N is (rows, patches), each patch a limb (`patch_limb`)
    of one instance's next state (`patch_start[j]` .. `patch_start[j + 1]` are instance j's), and
    F (rows, instances) says where the next state differs from its parent at all.
    `next_rows` assembles next states from them."""

    def __init__(self, instances: list[Instance], invariants: list[str], state_bits: int, n_actions: int,
                 tables=(), python_invariants: bool = False, patched: bool | None = None):
        if state_bits > MAX_STATE_BITS:
            raise Unsupported(f"states of {state_bits} bits (at most {MAX_STATE_BITS})")
        self.lines: list[str] = []
        # a state of at most 62 bits is one int64 column S; a wider one `limbs` columns of S, each 62
        # of its bits (lowest first), and N has a third axis of as many limbs
        self.limbs = 0 if state_bits <= LIMB else -(-state_bits // LIMB)
        if self.limbs:
            top = state_bits - LIMB * (self.limbs - 1)
            self.state = Wide(tuple(Val(f"_s{j}", "int", 0, LIMB_MASK if j < self.limbs - 1 else (1 << top) - 1)
                                    for j in range(self.limbs)))
            # each limb a contiguous array (one transposing copy): S[:, j] is a column with a
            # stride of the state's width, which every operation reading it would walk
            self.lines += ["_ST = _np.ascontiguousarray(S.T)"] + [f"_s{j} = _ST[{j}]" for j in range(self.limbs)]
        else:
            self.state = Val("S", "int", 0, (1 << state_bits) - 1)
        self.cache: dict[str, Val] = {}      # expression over s0 only -> its temporary
        self.bits: dict[tuple, Val] = {}     # a member's bit of a set -> its truth value
        self.emitted: dict[tuple, Val] = {}  # (text, kind, bounds) -> the temporary holding it
        self.negated: dict[str, str] = {}    # a temporary holding a comparison -> the text of its negation
        self.translated = 0                  # expressions translated (`MAX_TRANSLATED`): in all,
        self.translating = 0                 # and before the invariant or instance being translated
        # expressions of constants evaluated by Python (`constant`): the generated code's namespace,
        # and each expression's code and the names it reads, by id of its node
        self.env = generated_globals(tables, ())
        self.compiled: dict[int, tuple] = {}
        self.scope: dict[str, Val] = {}      # an instance's names (s, _tN, lN) -> value
        self.ids = 0
        self.temps = 0                       # temporaries held at once, at most (a row's arrays)
        self.killed: Val | None = None
        self.tables = tables                 # the generated code's `_T`: conversions read from tables
        self.arrays: dict[str, np.ndarray] = {}   # the kernel's own lookup arrays, by name
        # run-time checks (a partial helper of the runtime) met while translating an expression:
        # the rows where they fail, each under the conditions (`and`, `or`, `if`) it is evaluated on
        self.failed: list[Val] = []
        self.shapes: dict[int, object] = {}    # id of an ast node -> its shape (see `shape`)
        self.interned: dict[tuple, int] = {}
        self.alive: list = []
        self.context: list[tuple[Val, bool]] = []   # (truth value, whether it must be False)
        self.n_actions = n_actions
        # with `python_invariants`, an invariant that cannot be translated is left to the generated
        # code (its index in `in_python`, the reason in `python_why`) rather than the whole kernel
        self.python_invariants = python_invariants
        self.in_python: list[int] = []
        self.python_why: list[str] = []
        self.waived = 0        # operations of translations given up (not in the kernel's count)
        self.lines.append("E = None")
        self.patch_limb: list[int] = []      # wide states: the limb of each patch (a column of N)
        self.patch_start: list[int] = [0]    # wide states: instance j's patches start here
        ok = self.invariants(invariants)
        matrices = len(self.lines)
        self.lines += ["", "", ""]    # G, N and F, once the columns are counted
        taken = []
        for j, inst in enumerate(instances):   # (an iterable: the caller may compile them one by one)
            if inst.body is None:
                raise Unsupported("an action body that is not a straight line (choose, require, loop)")
            self.instance(j, inst)
            taken.append(inst)
        self.columns = len(taken)
        self.column_action = np.array([i.action for i in taken], dtype=np.int64)
        self.column_ident = np.array([i.ident for i in taken], dtype=np.int32)
        # (each matrix is written an instance (a patch) at a time: held instance by instance, each
        # one's row contiguous, and given back transposed, by row: a view)
        self.lines[matrices] = f"G = _np.empty(({self.columns}, S.shape[0]), dtype=_np.bool_)"
        # wide states: patches where at most half the limbs of a next state change on average
        # (each costs a comparison with the parent's limb too, and a write where it is taken);
        # else whole next states, compared with their parents limb by limb after the kernel
        self.patched = bool(self.limbs) and (2 * len(self.patch_limb) <= self.columns * self.limbs
                                             if patched is None else patched)
        self.lines = [x for line in self.lines for x in ([line] if isinstance(line, str) else self.next_state_lines(*line))]
        if self.patched:
            self.lines[matrices + 1] = f"N = _np.empty(({len(self.patch_limb)}, S.shape[0]), dtype=_np.int64)"
            self.lines[matrices + 2] = f"F = _np.empty(({self.columns}, S.shape[0]), dtype=_np.bool_)"
        else:
            limbs = f"{self.limbs}, " if self.limbs else ""
            self.lines[matrices + 1] = f"N = _np.empty(({self.columns}, {limbs}S.shape[0]), dtype=_np.int64)"
            self.lines[matrices + 2] = "F = None"
        self.patches = len(self.patch_limb)
        self.patch_limb = np.array(self.patch_limb, dtype=np.int64)
        self.patch_start = np.array(self.patch_start, dtype=np.int64)
        self.patch_count = np.diff(self.patch_start)
        rows_first = "N.transpose(2, 0, 1)" if self.limbs and not self.patched else "N.T"
        self.lines.append(f"return {ok}, G.T, {rows_first}, E, {'F.T' if self.patched else 'None'}")
        lines, self.temps = _dropped_after_last_use(_without_unread([x for x in self.lines if x]))
        source = "def kernel(S):\n" + "".join(f"    {line}\n" for line in lines)
        namespace = {"_np": np, **self.arrays}
        exec(compile(source, "<syncproof:kernel>", "exec"), namespace)  # noqa: S102 - generated, see above
        self.source = source
        self.kernel = namespace["kernel"]
        # what only the translation needed (the cache's arrays' names, the parsed code)
        self.cache = self.shapes = self.interned = self.scope = self.bits = self.compiled = self.emitted = {}
        self.negated = {}
        self.alive = []

    def next_rows(self, S: np.ndarray, N: np.ndarray, rows: np.ndarray, cols: np.ndarray) -> np.ndarray:
        """Wide states: the next states of instances `cols` from the states at `rows` of S (a
        kernel's input, N its patches), as rows of limbs: each its parent's row with its
        instance's patches written in."""
        out = S[rows]
        m = self.patch_count[cols]
        total = int(m.sum())
        if total:
            which = np.repeat(np.arange(len(rows)), m)
            d = np.repeat(self.patch_start[cols] - (np.cumsum(m) - m), m) + np.arange(total)
            out[which, self.patch_limb[d]] = N[rows[which], d]
        return out

    def matrix(self, S: np.ndarray, N: np.ndarray) -> np.ndarray:
        """Wide states: every instance's next state from every row, (rows, instances, limbs)."""
        if not self.patched:
            return N
        n = S.shape[0]
        rows = np.repeat(np.arange(n), self.columns)
        cols = np.tile(np.arange(self.columns), n)
        return self.next_rows(S, N, rows, cols).reshape(n, self.columns, self.limbs)

    # ---- statements ------------------------------------------------------------------------

    def invariants(self, codes: list[str]) -> str:
        if not codes:
            return "None"
        v = _const(True)
        for j, c in enumerate(codes):
            # `ok = a and b and ...` in a try: where an invariant raises, ok is False -- here the
            # chunk is handed back instead, so that a check reported on more rows than the
            # generated code reaches can never make a state bad
            saved = list(self.failed), list(self.context), dict(self.scope), self.ids
            self.translating = self.translated
            try:
                x = self.truth(self.parse(c))
            except Unsupported as exc:
                if not self.python_invariants:
                    raise
                # given up: its lines stay, unread (`_without_unread` drops them), its checks go
                self.failed, self.context, self.scope = saved[0], saved[1], saved[2]
                self.waived += self.ids - saved[3]
                self.in_python.append(j)
                self.python_why.append(str(exc))
                continue
            self.error_rows(self.take_failed(), v if v.const is None else None)
            v = self.boolop_of(v, x)
        if len(self.in_python) == len(codes):
            return "None"
        return self.array(v)

    def instance(self, j: int, inst: Instance) -> None:
        self.scope = {}
        self.translating = self.translated
        self.killed = None   # the rows whose run ended at a `require` in the body
        guard = None
        for g in inst.guards:   # `if g1 and g2 ...:`: each one evaluated where those before hold
            t = self.truth(self.parse(g))
            self.error_rows(self.take_failed(), guard)
            guard = t if guard is None else self.boolop_of(guard, t)
        if guard is not None and guard.const is False:   # the generator leaves out those it knows of
            self.lines.append(f"G[{j}] = False")
            if self.limbs:   # (the parent: no patch)
                self.lines.append((j, [x.text for x in self.state.limbs], [], 0))
                self.patch_start.append(len(self.patch_limb))
            else:
                self.lines.append(f"N[{j}] = 0")
            return
        if guard is not None and guard.const is True:
            guard = None
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
        self.lines.append(f"G[{j}] = {guard.text if guard is not None else 'True'}")
        if not self.limbs:
            self.lines.append(f"N[{j}] = {succ.text}")
        else:
            limbs = self.limbs_of(succ, self.limbs)
            while len(limbs) > self.limbs and limbs[-1].const == 0:
                limbs.pop()
            if len(limbs) > self.limbs or any(x.lo < 0 or x.hi > LIMB_MASK for x in limbs):
                raise Unsupported("a next state that may not fit in the state's bits")
            # (the lines are written once the form is chosen: `next_state_lines`); the limbs that
            # are not the parent's own are the instance's patches
            changed = [(i, x.text) for i, x in enumerate(limbs) if x.text != f"_s{i}"]
            self.lines.append((j, [x.text for x in limbs], changed, len(self.patch_limb)))
            self.patch_limb += [i for i, _ in changed]
            self.patch_start.append(len(self.patch_limb))
        self.scope = {}

    def next_state_lines(self, j: int, limbs: list[str], changed: list[tuple[int, str]], first: int) -> list[str]:
        """The lines writing instance j's next state (its limbs' texts): all its limbs, or its
        patches (the `changed` limbs, from the `first`) and whether it differs from its parent."""
        if not self.patched:
            return [f"N[{j}, {i}] = {x}" for i, x in enumerate(limbs)]
        lines = [f"N[{first + d}] = {x}" for d, (i, x) in enumerate(changed)]
        differs = " | ".join(f"({x} != _s{i})" for i, x in changed) or "False"
        return lines + [f"F[{j}] = {differs}"]

    def statement(self, stmt: ast.stmt, path: Val | None) -> Val | None:
        """Runs one statement of a body under `path` (the rows it runs on; None: all of them);
        the next state when it is `ap(...)`."""
        if isinstance(stmt, ast.Assign):
            if len(stmt.targets) != 1 or not isinstance(stmt.targets[0], ast.Name):
                raise Unsupported("an assignment to something other than a name")
            self.scope[stmt.targets[0].id] = self.wexpr(stmt.value)
            self.error_rows(self.take_failed(), path)
            return None
        if isinstance(stmt, ast.Expr) and isinstance(stmt.value, ast.Call) and _called(stmt.value) == "ap":
            if len(stmt.value.args) != 1 or stmt.value.keywords:
                raise Unsupported("ap with other than one argument")
            v = self.wexpr(stmt.value.args[0])
            if not self.limbs:
                v = self.narrowed(v)
            if isinstance(v, Val) and v.kind != "int":
                raise Unsupported("a next state that is a truth value")
            self.error_rows(self.take_failed(), path)
            return v
        if isinstance(stmt, ast.If) and not stmt.orelse and len(stmt.body) == 1 \
                and isinstance(stmt.body[0], ast.Expr) and isinstance(stmt.body[0].value, ast.Call) \
                and _called(stmt.body[0].value) in FAILS:
            # a run-time failure on the rows where the test holds (and the instance runs)
            bad = self.truth(self.expr(stmt.test))
            self.error_rows(self.take_failed(), path)
            self.error_rows(bad, path)
            if self.limbs:
                self.within_check(stmt.test)
            return None
        if isinstance(stmt, ast.Return) and stmt.value is None:   # a `require` that fails: no transition
            self.killed = _const(True) if path is None else (path if self.killed is None else self.boolop_or(self.killed, path))
            return None
        if isinstance(stmt, ast.If):
            self.branches(stmt, path)
            return None
        if isinstance(stmt, ast.For) and isinstance(stmt.target, ast.Name) and not stmt.orelse:
            # a loop over a set's members (or a sequence's items): unrolled over every member it
            # may have, each round an `if` of its membership; a round's assignments carry to the next
            rounds = self.members(stmt.iter)
            self.error_rows(self.take_failed(), path)
            for value, member in rounds:
                self.scope[stmt.target.id] = value
                self.conditional(_const(True) if member is None else member, stmt.body, [], path)
            return None
        if isinstance(stmt, ast.Pass):
            return None
        raise Unsupported(f"a statement {type(stmt).__name__}")

    def within_check(self, test: ast.expr) -> None:
        """After `if not lo <= x <= hi: _nf(...)`, x clipped to lo..hi: the same number wherever the
        run goes on (elsewhere the chunk is handed back, or the row is not a transition), and bounds
        that make a field written into a wide state not negative."""
        if not (isinstance(test, ast.UnaryOp) and isinstance(test.op, ast.Not) and isinstance(test.operand, ast.Compare)):
            return
        c = test.operand
        if len(c.ops) != 2 or not all(isinstance(o, ast.LtE) for o in c.ops) or not isinstance(c.comparators[0], ast.Name):
            return
        lo, hi = self.expr(c.left), self.expr(c.comparators[1])
        x = self.scope.get(c.comparators[0].id)
        if isinstance(x, Val) and x.kind == "int" and lo.const is not None and hi.const is not None \
                and lo.const <= hi.const:
            self.scope[c.comparators[0].id] = self.passed(x, lo.const, hi.const)

    def passed(self, x: Val, lo: int, hi: int) -> Val:
        """x on the rows where a check that it lies in lo..hi passes (elsewhere the chunk is handed
        back, or the row is no transition): clipped to lo..hi where its bounds are wider, so that no
        later offset or index leaves its bounds on a row where the check fails; lo where the check
        fails wherever it is reached."""
        if lo <= x.lo and x.hi <= hi:
            return x
        if max(x.lo, lo) > min(x.hi, hi):
            return _const(lo)
        return self.emit(f"_np.clip({x.text}, {max(x.lo, lo)}, {min(x.hi, hi)})", "int", max(x.lo, lo), min(x.hi, hi))

    def error_rows(self, bad: Val | None, path: Val | None) -> None:
        """A run-time error on the rows where `bad` holds, the statement runs (`path`) and the run
        did not end at a `require` before: the chunk is then handed back."""
        if bad is None or bad.const is False:
            return
        if path is not None:
            bad = self.boolop_of(path, bad)
        if self.killed is not None:   # a run that ended at a `require` does not get here
            bad = self.boolop_of(bad, self.unary(ast.Not(), self.killed))
        self.lines.append(f"E = {self.array(bad)} if E is None else (E | {bad.text})")

    def take_failed(self) -> Val | None:
        """The rows where a check of the expression just translated fails; and forgets them."""
        parts, self.failed = self.failed, []
        out = None
        for p in parts:
            out = p if out is None else self.boolop_or(out, p)
        return out

    def fail_where(self, bad: Val) -> None:
        """A check that fails on the rows where `bad` holds, and where the expression holding it is
        evaluated at all (the `and`, `or` and conditional expressions around it)."""
        if bad.const is False or any(cond.const is negated for cond, negated in self.context):
            return   # (never evaluated: `x if True else _nofield(...)`)
        for cond, negated in self.context:
            bad = self.boolop_of(bad, self.unary(ast.Not(), cond) if negated else cond)
        self.failed.append(bad)

    def branches(self, stmt: ast.If, path: Val | None) -> None:
        """Both branches of an `if`, each under its own path; a name either assigns is then the
        one or the other row by row (a name only one branch assigns, not known before, is not
        known after: the generated code never reads it there)."""
        c = self.truth(self.expr(stmt.test))
        self.error_rows(self.take_failed(), path)
        self.conditional(c, stmt.body, stmt.orelse, path)

    def conditional(self, c: Val, body: list, orelse: list, path: Val | None) -> None:
        if c.const is not None:
            for s in (body if c.const else orelse):
                if self.statement(s, path) is not None:
                    raise Unsupported("a next state inside an `if`")
            return
        before = dict(self.scope)
        outcomes = []
        for arm, cond in ((body, c), (orelse, self.unary(ast.Not(), c))):
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
            self.scope[name] = a if a is b else self.wifexp(c, a, b)

    # ---- expressions -----------------------------------------------------------------------

    def parse(self, text: str) -> Val:
        return self.expr(ast.parse(text, mode="eval").body)

    def emit(self, text: str, kind: str, lo: int, hi: int) -> Val:
        """A new temporary holding text (an array: the callers fold constants themselves); the one
        already holding it where the same text was emitted before (the kernel is straight-line
        code of arrays never written again: the same text is the same value at any later line)."""
        if not -BOUND <= lo <= hi < BOUND:
            raise Unsupported("a value that may not fit in 62 bits")
        got = self.emitted.get((text, kind, lo, hi))
        if got is not None:
            return got
        if self.ids - self.waived >= MAX_OPERATIONS:   # unrolled, the model's code is too long to pay
            raise Unsupported(f"more than {MAX_OPERATIONS:,} numpy operations a chunk")
        self.ids += 1
        name = f"_a{self.ids}"
        self.lines.append(f"{name} = {text}")
        v = self.emitted[(text, kind, lo, hi)] = Val(name, kind, lo, hi)
        if kind == "bool":
            m = _COMPARISON.fullmatch(text)
            if m is not None:
                self.negated[name] = f"({m[1]} {_NEGATED[m[2]]} {m[3]})"
        return v

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
        """The expression's value, narrow (an int64 or bool per row)."""
        return self.narrowed(self.wexpr(node))

    def wexpr(self, node: ast.expr) -> Val | Wide | Big:
        """The expression's value, which may be wider than 62 bits (`Wide`, `Big`)."""
        self.translated += 1
        if self.translated > self.translating + MAX_TRANSLATED or self.translated > 4 * MAX_TRANSLATED:
            raise Unsupported(f"more than {MAX_TRANSLATED if self.translated <= 4 * MAX_TRANSLATED else 4 * MAX_TRANSLATED:,}"
                              " expressions to translate")
        if isinstance(node, ast.Name):
            if node.id == "s0":
                return self.state
            if node.id in self.scope:
                return self.scope[node.id]
            raise Unsupported(f"the name {node.id}")
        if isinstance(node, ast.Constant):
            if isinstance(node.value, bool):
                return _const(node.value)
            if isinstance(node.value, int):
                return _number_const(node.value)
            raise Unsupported(f"the constant {node.value!r}")
        key = self.shape(node)
        if key is not None and key in self.cache:
            return self.cache[key]
        checks = len(self.failed)
        v = self._expr(node)
        if key is not None and (isinstance(v, Wide) or isinstance(v, Val) and v.const is None) \
                and len(self.failed) == checks:   # a check is per use
            self.cache[key] = v
        return v

    def shape(self, node: ast.AST):
        """A number naming the expression's shape when it reads nothing but s0 (the same number for
        the same expression wherever it appears: hash-consed, bottom up, once per node), else None."""
        memo = self.shapes
        got = memo.get(id(node), memo)
        if got is not memo:
            return got
        if isinstance(node, ast.Name):
            out = 0 if node.id == "s0" else None
        else:
            parts: list = [type(node).__name__]
            out = 0
            for name, value in ast.iter_fields(node):
                if isinstance(value, ast.AST):
                    if isinstance(value, (ast.expr_context, ast.operator, ast.unaryop, ast.boolop, ast.cmpop)):
                        parts.append(type(value).__name__)
                        continue
                    sub = self.shape(value)
                    if sub is None:
                        out = None
                    parts.append(sub)
                elif isinstance(value, list):
                    subs = []
                    for x in value:
                        sub = self.shape(x) if isinstance(x, ast.AST) else (type(x).__name__, x)
                        if sub is None:
                            out = None
                        subs.append(sub)
                    parts.append(tuple(subs))
                else:
                    parts.append((name, type(value).__name__, value))
            if out is not None:
                out = self.interned.setdefault(tuple(parts), len(self.interned) + 1)
        memo[id(node)] = out
        self.alive.append(node)   # ids stay those nodes' while remembered
        return out

    def _expr(self, node: ast.expr) -> Val:
        if isinstance(node, ast.BinOp) and isinstance(node.op, ast.BitAnd):
            for inv, other in ((node.right, node.left), (node.left, node.right)):
                if isinstance(inv, ast.UnaryOp) and isinstance(inv.op, ast.Invert):
                    # `s & ~(mask << k)`: a field of a wide state cleared (k read from the state
                    # for a map's entry at a key); each limb of s and not the mask's
                    w = self.wexpr(inv.operand)
                    if isinstance(w, Wide):
                        return self.and_not(self.wexpr(other), w)
                    inverted = _number_const(~w.value) if isinstance(w, Big) else self.unary(ast.Invert(), w)
                    return self.wbinop(node.op, self.wexpr(other), inverted)
        if isinstance(node, ast.BinOp) and isinstance(node.op, (ast.BitOr, ast.BitXor)) and self.limbs:
            got = self.shifted_or(node)
            if got is not None:
                return got
        if isinstance(node, ast.BinOp):
            return self.wbinop(node.op, self.wexpr(node.left), self.wexpr(node.right))
        if isinstance(node, ast.UnaryOp):
            v = self.wexpr(node.operand)
            if isinstance(v, Big) and isinstance(node.op, (ast.Invert, ast.USub, ast.UAdd)):
                return _number_const(~v.value if isinstance(node.op, ast.Invert) else
                                     -v.value if isinstance(node.op, ast.USub) else v.value)
            return self.unary(node.op, self.narrowed(v))
        if isinstance(node, ast.BoolOp):
            return self.boolop(node)
        if isinstance(node, ast.Compare):
            return self.compare(node)
        if isinstance(node, ast.IfExp):
            test = self.truth(self.expr(node.test))
            self.context.append((test, False))
            body = self.wexpr(node.body)
            self.context[-1] = (test, True)
            orelse = self.wexpr(node.orelse)
            self.context.pop()
            return self.wifexp(test, body, orelse)
        if isinstance(node, ast.Call):
            return self.call(node)
        if isinstance(node, ast.NamedExpr):   # a `let` of the model: `((_t3 := value), body)[1]`
            v = self.wexpr(node.value)
            self.scope[node.target.id] = v
            return v
        if isinstance(node, ast.Subscript) and isinstance(node.value, ast.Tuple) \
                and isinstance(node.slice, ast.Constant) and type(node.slice.value) is int:
            vals = [self.wexpr(x) for x in node.value.elts]   # in order: the walrus first
            if not -len(vals) <= node.slice.value < len(vals):
                raise Unsupported("an index out of its tuple")
            return vals[node.slice.value]
        entry = self.table_entry(node)
        if type(entry) is int:   # a constant the generated code keeps in its table: a wide mask
            return _number_const(entry)
        raise Unsupported(f"the expression {type(node).__name__}")

    def binop(self, op: ast.operator, a: Val, b: Val) -> Val:
        if isinstance(op, (ast.BitAnd, ast.BitOr, ast.BitXor)) and a.kind == b.kind == "bool":
            sym = BINARY[type(op)]
            if a.const is not None and b.const is not None:
                return _const(bool(_apply(sym, a.const, b.const)))
            return self.emit(f"({a.text} {sym} {b.text})", "bool", 0, 1)
        a, b = self.number(a), self.number(b)
        if isinstance(op, (ast.LShift, ast.RShift)) and b.const is None:
            b = self.shift_amount(b, isinstance(op, ast.RShift))
        sym, lo, hi = self.int_op(op, a, b)
        if a.const is not None and b.const is not None:
            return _const(_apply(sym, a.const, b.const))
        same = _identity(sym, a, b)
        if same is not None:
            return same
        return self.emit(f"({a.text} {sym} {b.text})", "int", lo, hi)

    def shift_amount(self, b: Val, right: bool) -> Val:
        """A shift's amount, bounded: Python refuses a negative one (an error here: the chunk is
        handed back, where the generated code meets it); `x >> n` for n of 63 or more is x >> 63
        (0 or -1, as Python's for any |x| < 2**62)."""
        if b.lo < 0:
            self.fail_where(self.emit(f"({b.text} < 0)", "bool", 0, 1))
        if b.lo >= 0 and (b.hi <= 63 or not right):
            return b
        top = 63 if right else b.hi
        return self.emit(f"_np.clip({b.text}, 0, {top})", "int", max(0, b.lo), min(max(0, b.hi), top))

    def int_op(self, op: ast.operator, a: Val, b: Val) -> tuple[str, int, int]:
        """The operator's source, and the bounds of its result over the operands' bounds."""
        if type(op) not in BINARY:
            raise Unsupported(f"the operator {type(op).__name__}")
        sym = BINARY[type(op)]
        if isinstance(op, (ast.Add, ast.Sub, ast.Mult)):
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
            corners = [_apply(sym, x, y) for x in (a.lo, a.hi) for y in (b.lo, b.hi)]
            return sym, min(corners), max(corners)
        # & | ^
        if a.lo >= 0 and b.lo >= 0:
            if sym == "&":
                return sym, 0, min(a.hi, b.hi)
            return sym, 0, (1 << max(a.hi.bit_length(), b.hi.bit_length())) - 1
        if sym == "&" and (a.lo >= 0 or b.lo >= 0):
            return sym, 0, a.hi if a.lo >= 0 else b.hi
        n = max(_bitlen(a.lo, a.hi), _bitlen(b.lo, b.hi))
        return sym, -(1 << n), (1 << n) - 1

    def unary(self, op: ast.unaryop, a: Val) -> Val:
        if isinstance(op, ast.Not):
            t = self.truth(a)
            if t.const is not None:
                return _const(not t.const)
            if t.text in self.negated:   # not (a == b) is a != b: one operation, not two
                return self.emit(self.negated[t.text], "bool", 0, 1)
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
        is_and = isinstance(node.op, ast.And)
        vals = []
        depth = len(self.context)
        for x in node.values:   # each operand is evaluated where those before did not decide
            v = self.expr(x)
            if v.kind != "bool" and not 0 <= v.lo <= v.hi <= 1:
                raise Unsupported("`and`/`or` of numbers other than 0 and 1")
            v = self.truth(v)
            vals.append(v)
            self.context.append((v, not is_and))
        del self.context[depth:]
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
        left = self.wexpr(node.left)
        first = None   # the first comparand, when already evaluated
        if len(node.ops) == 1 and isinstance(node.ops[0], (ast.Eq, ast.NotEq)):   # equality of wide numbers
            first = self.wexpr(node.comparators[0])
            if isinstance(left, (Wide, Big)) or isinstance(first, (Wide, Big)):
                return self.wide_equal(left, first, isinstance(node.ops[0], ast.Eq))
        left = self.narrowed(left)
        out = None
        for op, right_node in zip(node.ops, node.comparators):
            if isinstance(op, (ast.In, ast.NotIn)) and len(node.ops) == 1:
                # x in a tuple, a sequence's items, a set's members: one equality per member
                found = _const(False)
                for value, member in self.members(right_node):
                    eq = self._op("==", self.number(left), self.number(value))
                    found = self.boolop_or(found, self._and(member, eq))
                return found if isinstance(op, ast.In) else self.unary(ast.Not(), found)
            if type(op) not in COMPARE:
                raise Unsupported(f"the comparison {type(op).__name__}")
            right, first = (self.expr(right_node) if first is None else first), None
            sym = COMPARE[type(op)]
            if left.const is not None and right.const is not None:
                c = _const(bool(_apply(sym, left.const, right.const)))
            else:
                c = self.emit(f"({left.text} {sym} {right.text})", "bool", 0, 1)   # numpy compares True as 1
            out = c if out is None else self.boolop_of(out, c)
            left = right
        return out

    # ---- numbers wider than 62 bits: a wide state's limbs -------------------------------------

    def narrowed(self, v: Val | Wide | Big) -> Val:
        """v as a narrow value: a wide one's bits read when there are at most 62 of them."""
        if isinstance(v, Val):
            return v
        if isinstance(v, Big):
            raise Unsupported(f"the literal {v.value} is wider than 62 bits")
        width = _limb_bits(v.limbs) - (v.shift if isinstance(v.shift, int) else v.shift.lo)
        if width > LIMB:
            raise Unsupported("a value that may not fit in 62 bits")
        return self.read(v.limbs, v.shift, max(width, 0))

    def read(self, limbs, at: int | Val, n: int) -> Val:
        """Bits at..at+n-1 (n <= 62) of the number of these limbs, as a narrow value."""
        if n <= 0:
            return _const(0)
        if isinstance(at, Val):
            if at.const is None:
                return self.read_at(limbs, at, n)
            at = at.const
        q, r = divmod(at, LIMB)
        limb = limbs[q] if q < len(limbs) else _const(0)
        low = self.binop(ast.RShift(), limb, _const(r)) if r else limb
        take = min(n, LIMB - r)
        if low.hi >= 1 << take:
            low = self.binop(ast.BitAnd(), low, _const((1 << take) - 1))
        if n == take:
            return low
        nxt = limbs[q + 1] if q + 1 < len(limbs) else _const(0)
        rest = n - take
        if nxt.hi >= 1 << rest:
            nxt = self.binop(ast.BitAnd(), nxt, _const((1 << rest) - 1))
        high = self.binop(ast.LShift(), nxt, _const(take))
        return self.binop(ast.BitOr(), low, high)

    def read_at(self, limbs, at: Val, n: int) -> Val:
        """Bits at..at+n-1 (n <= 62) of the number of these limbs, `at` an array (a map's entry by
        a key read from the state): the two limbs holding them picked row by row."""
        if at.lo < 0:   # Python's negative shift is an error
            self.fail_where(self.emit(f"({at.text} < 0)", "bool", 0, 1))
            at = self.emit(f"_np.maximum({at.text}, 0)", "int", 0, max(at.hi, 0))
        q0, q1 = at.lo // LIMB, at.hi // LIMB
        if q1 - q0 >= 31:   # np.choose takes at most 32 arrays
            raise Unsupported("a field of a wide state at an offset of too many limbs")
        zero = _const(0)
        pick = [limbs[q] if q < len(limbs) else zero for q in range(q0, q1 + 2)]
        if q0 == q1:
            low, high = pick
            r = self.binop(ast.Sub(), at, _const(LIMB * q0)) if q0 else at
        else:
            which = self.emit(f"({at.text} // {LIMB} - {q0})", "int", 0, q1 - q0)
            # (mode clip: on a row where a failed check leaves `at` outside its bounds, no error)
            low = self.emit(f"_np.choose({which.text}, ({', '.join(x.text for x in pick[:-1])},), mode='clip')",
                            "int", min(x.lo for x in pick[:-1]), max(x.hi for x in pick[:-1]))
            high = self.emit(f"_np.choose({which.text}, ({', '.join(x.text for x in pick[1:])},), mode='clip')",
                             "int", min(x.lo for x in pick[1:]), max(x.hi for x in pick[1:]))
            r = self.emit(f"({at.text} % {LIMB})", "int", 0, LIMB - 1)
        # (high's low r bits) above (low >> r): 62 bits, of which the first n
        return self.emit(f"((({low.text} >> {r.text}) | (({high.text} & ((1 << {r.text}) - 1)) << ({LIMB} - {r.text})))"
                         f" & {(1 << n) - 1})", "int", 0, (1 << n) - 1)

    def limbs_of(self, v: Val | Wide | Big, n: int, mask: bool = False) -> list[Val]:
        """The limbs of a number that is not negative (at least n; more when it has more). With
        `mask` (an operand of & with a number that is not negative), a negative number's limbs are
        its two's complement's, ones beyond; else a number that may be negative is an error where
        it is (the generated code's next state would be negative) and 0 there."""
        if isinstance(v, Big) or isinstance(v, Val) and v.const is not None and v.kind == "int":
            value = v.value if isinstance(v, Big) else v.const
            if value < 0 and not mask:   # the generated code's state would be negative: an error where
                self.fail_where(_const(True))   # it is reached, the chunk handed back
                value = 0
            if value < 0:   # a mask: ones beyond its bits, which the other operand does not have
                return [_const((value >> (LIMB * j)) & LIMB_MASK) for j in range(n)]
            count = max(n, -(-value.bit_length() // LIMB))
            return [_const((value >> (LIMB * j)) & LIMB_MASK) for j in range(count)]
        if isinstance(v, Val):
            v = self.number(v)
            if v.lo < 0 and mask:
                low = self.binop(ast.BitAnd(), v, _const(LIMB_MASK))
                sign = _const(LIMB_MASK) if v.hi < 0 else \
                    self.binop(ast.BitAnd(), self.binop(ast.RShift(), v, _const(LIMB)), _const(LIMB_MASK))
                return [low] + [sign] * (n - 1)
            if v.lo < 0 and v.hi < 0:   # an error wherever it is reached
                self.fail_where(_const(True))
                v = _const(0)
            elif v.lo < 0:
                self.fail_where(self.emit(f"({v.text} < 0)", "bool", 0, 1))
                v = self.emit(f"_np.maximum({v.text}, 0)", "int", 0, v.hi)
            return [v] + [_const(0)] * (n - 1)
        limbs = list(v.limbs)
        if not isinstance(v.shift, int):
            raise Unsupported("a wide number shifted by an amount read from the state")
        if v.shift:   # the shifted number's limbs, read
            total = _limb_bits(limbs)
            limbs = [self.read(limbs, v.shift + LIMB * j, LIMB) for j in range(max(1, -(-(total - v.shift) // LIMB)))]
        return limbs + [_const(0)] * (n - len(limbs))

    def paired(self, a, b, mask: bool = False) -> tuple[list[Val], list[Val]]:
        """The limbs of a and b, as many of each (`mask`: see `limbs_of`)."""
        n = max(len(x.limbs) if isinstance(x, Wide) else 1 for x in (a, b))
        la, lb = self.limbs_of(a, n, mask), self.limbs_of(b, n, mask)
        n = max(len(la), len(lb))
        return la + [_const(0)] * (n - len(la)), lb + [_const(0)] * (n - len(lb))

    def widened_at(self, x: Val, k: Val) -> Wide:
        """x << k as limbs, x not negative and k an array: the limb k // 62 holds x's low bits, the
        next one its high bits, row by row."""
        if k.hi > MAX_STATE_BITS + LIMB:
            raise Unsupported("a shift by more than a state's bits")
        q0, q1 = k.lo // LIMB, k.hi // LIMB
        if q1 - q0 > 16:
            raise Unsupported("a shift across too many limbs")
        q = self.emit(f"({k.text} // {LIMB})", "int", q0, q1)
        r = self.emit(f"({k.text} % {LIMB})", "int", 0, LIMB - 1)
        if x.hi <= 1:   # (a bit: it stays in its limb)
            low = self.emit(f"({x.text} << {r.text})", "int", 0, LIMB_MASK)
        else:
            low = self.emit(f"(({x.text} & ((1 << ({LIMB} - {r.text})) - 1)) << {r.text})", "int", 0, LIMB_MASK)
        # (the bits moved past the limb: x >> (62 - r), r at most 61, so at most x >> 1)
        high = _const(0) if x.hi <= 1 else \
            self.emit(f"({x.text} >> ({LIMB} - {r.text}))", "int", 0, min(x.hi >> 1, LIMB_MASK))
        total = k.hi + x.hi.bit_length()   # the bits the number may have
        limbs = [_const(0)] * q0
        for j in range(q0, q1 + 2):
            parts = []
            if j <= q1:
                parts.append(f"_np.where({q.text} == {j}, {low.text}, 0)")
            if j > q0 and high.const != 0:
                parts.append(f"_np.where({q.text} == {j - 1}, {high.text}, 0)")
            top = min(LIMB_MASK, (1 << max(0, total - LIMB * j)) - 1)
            limbs.append(self.emit(" | ".join(parts), "int", 0, top) if parts and top else _const(0))
        return Wide(tuple(limbs))

    def wide_left(self, a: Wide | Val, k: int) -> Wide:
        """a << k (k a constant, a not negative): each limb's bits moved up k, across limbs."""
        limbs = self.limbs_of(a, 1)
        total = _limb_bits(limbs) + k   # the bits the number may have
        q, r = divmod(k, LIMB)
        stay = (1 << (LIMB - r)) - 1    # the bits of a limb that stay in it, moved up r
        out = [_const(0)] * q
        for j in range(len(limbs) + 1):
            room = total - LIMB * (q + j)   # of this limb's bits, those the number may have
            if room <= 0:
                break
            low = limbs[j] if j < len(limbs) else _const(0)
            if low.hi > stay:
                low = self.binop(ast.BitAnd(), low, _const(stay))
            part = self.binop(ast.LShift(), low, _const(r)) if r else low
            below = limbs[j - 1] if j else _const(0)    # its high r bits come up into this limb
            if r and below.hi > stay:
                high = self.binop(ast.RShift(), below, _const(LIMB - r))
                part = high if part.const == 0 else self.binop(ast.BitOr(), part, high)
            if part.const is None and room < LIMB and part.hi >= 1 << room:
                part = Val(part.text, "int", 0, (1 << room) - 1)
            out.append(part)
        return Wide(tuple(out))

    def wbinop(self, op: ast.operator, a, b):
        """binop of values that may be wide."""
        if isinstance(op, (ast.LShift, ast.RShift)) and isinstance(b, Val) and b.const is not None \
                and b.const > MAX_STATE_BITS + LIMB:
            raise Unsupported("a shift by more than a state's bits")
        if isinstance(a, Val) and isinstance(b, Val):
            if isinstance(op, ast.LShift) and a.kind == "int" and b.const is not None and b.const >= 0 \
                    and a.hi >= 0 and (b.const > 61 or max(a.hi << b.const, -(a.lo << b.const)) >= BOUND):
                if a.const is not None:
                    return _number_const(a.const << b.const)
                return self.wide_left(a, b.const)   # (not negative: a field of a state; else an error there)
            if isinstance(op, ast.LShift) and a.kind == "int" and b.const is None and a.lo >= 0 and b.lo >= 0 \
                    and self.limbs and (b.hi > 61 or (a.hi << b.hi) >= BOUND):
                return self.widened_at(a, b)   # a member added to a set of more than 62 members
            return self.binop(op, a, b)
        consts = [x.value if isinstance(x, Big) else x.const if isinstance(x, Val) else None for x in (a, b)]
        if None not in consts and type(op) in BINARY and not isinstance(op, (ast.FloorDiv, ast.Mod)):
            if isinstance(op, (ast.LShift, ast.RShift)) and consts[1] < 0:
                raise Unsupported("a negative shift of a constant")
            return _number_const(_apply(BINARY[type(op)], int(consts[0]), int(consts[1])))
        if isinstance(op, ast.RShift) and isinstance(a, Wide) and isinstance(b, Val) and b.kind == "int" \
                and (b.const is None or b.const >= 0):
            if isinstance(a.shift, int) and b.const is not None:
                return Wide(a.limbs, a.shift + b.const)
            return Wide(a.limbs, self.binop(ast.Add(), _const(a.shift) if isinstance(a.shift, int) else a.shift, b))
        if isinstance(op, ast.LShift) and isinstance(a, Wide) and isinstance(b, Val) and b.const is not None \
                and b.const >= 0:
            if isinstance(a.shift, int) and a.shift == b.const:   # (x >> k) << k: x's bits below k cleared
                return Wide(tuple(self.low_cleared(x, a.shift - LIMB * j) for j, x in enumerate(a.limbs)),
                            0, None if a.within is None else a.within & ~((1 << a.shift) - 1))
            return self.wide_left(a, b.const)
        if isinstance(op, ast.BitAnd) and isinstance(b, Wide) and isinstance(a, (Val, Big)):
            a, b = b, a
        if isinstance(op, ast.BitAnd) and isinstance(a, Wide) and isinstance(a.shift, int) \
                and isinstance(b, Big) and b.value >= 0:
            return self.masked(a, b.value)
        if isinstance(op, ast.BitAnd) and isinstance(a, Wide) and isinstance(b, Val) and b.lo >= 0:
            # a field of a wide number: its bits read, then masked
            n = b.hi.bit_length()
            low = a.shift if isinstance(a.shift, int) else a.shift.lo
            x = self.read(a.limbs, a.shift, min(n, max(0, _limb_bits(a.limbs) - low)))
            if b.const is not None and b.const == (1 << n) - 1:
                return x
            return self.binop(op, x, self.number(b))
        if isinstance(op, (ast.BitAnd, ast.BitOr, ast.BitXor)):
            if isinstance(op, (ast.BitOr, ast.BitXor)) and any(isinstance(x, Big) and x.value < 0 for x in (a, b)):
                raise Unsupported("a negative wide number")
            # a & b is not negative where one of them is not (a wide number never is)
            mask = isinstance(op, ast.BitAnd) and any(isinstance(x, Wide) or isinstance(x, Big) and x.value >= 0
                                                      or isinstance(x, Val) and x.lo >= 0 for x in (a, b))
            la, lb = self.paired(a, b, mask)
            limbs = []
            for x, y in zip(la, lb):
                if isinstance(op, ast.BitAnd) and y.const == LIMB_MASK or not isinstance(op, ast.BitAnd) and y.const == 0:
                    limbs.append(x)
                elif isinstance(op, ast.BitAnd) and x.const == LIMB_MASK or not isinstance(op, ast.BitAnd) and x.const == 0:
                    limbs.append(y)
                else:
                    limbs.append(self.binop(op, x, y))
            return Wide(tuple(limbs))
        return self.binop(op, self.narrowed(a), self.narrowed(b))

    def masked(self, a: Wide, c: int) -> Wide:
        """a & c, c a constant wider than 62 bits (a set's members of one kind, a map's entries),
        a shifted by a constant: (x >> k) & c is (x & (c << k)) >> k, so each limb of x is masked
        where it is, none read across limbs, and a limb c leaves no bit of is 0. The shift stays
        recorded; `within` says which bits may be set."""
        m = c << a.shift
        if a.within is not None:
            m &= a.within
        limbs = []
        for j, x in enumerate(a.limbs):
            part = (m >> (LIMB * j)) & LIMB_MASK
            if part == 0 or x.const == 0:
                limbs.append(_const(0))
            elif part == LIMB_MASK or x.const is None and x.lo >= 0 and part == (1 << x.hi.bit_length()) - 1:
                limbs.append(x)
            else:
                limbs.append(self.binop(ast.BitAnd(), x, _const(part)))
        while len(limbs) > 1 and limbs[-1].const == 0:
            limbs.pop()
        return Wide(tuple(limbs), a.shift, m)

    def whole(self, w: Wide) -> bool:
        """Whether w's shift drops none of its bits (they lie within a constant with none below
        it): its limbs then tell whether it is 0, and its number of bits set, as they are."""
        return isinstance(w.shift, int) and w.within is not None and w.within & ((1 << w.shift) - 1) == 0

    def is_zero(self, w: Wide) -> Val:
        """w == 0: no limb has a bit at or above its shift, one comparison of the limbs or'ed."""
        parts = []
        for j, x in enumerate(w.limbs):
            below = w.shift - LIMB * j   # of this limb's bits, those shifted out
            if below >= LIMB:
                continue
            if below > 0 and not self.whole(w):
                x = self.binop(ast.RShift(), x, _const(below))
            if x.const is not None:
                if x.const:
                    return _const(False)
                continue
            parts.append(x)
        if not parts:
            return _const(True)
        if len(parts) == 1:
            return self._op("==", parts[0], _const(0))
        return self.emit(f"(({' | '.join(x.text for x in parts)}) == 0)", "bool", 0, 1)

    def low_cleared(self, x: Val, n: int) -> Val:
        """The limb x with its n lowest bits cleared (all of them for n >= 62, none for n <= 0)."""
        if n <= 0:
            return x
        if n >= LIMB or x.hi < 1 << n:
            return _const(0)
        return self.binop(ast.BitAnd(), x, _const(LIMB_MASK & ~((1 << n) - 1)))

    def shifted_or(self, node: ast.BinOp) -> Wide | None:
        """`(a >> k) | (b << e)` (or ^) of a wide a, k a constant, b and e not negative (a member
        added to a set held above other fields: the generated code's `((s >> k) | (1 << i)) << k`):
        `(a | (b << (e + k))) >> k`, the same number, with a's limbs or'ed where they are and the
        shift recorded, rather than every limb moved k bits and back. None where it is not of that
        form (the caller translates it as it is)."""
        for left, right in ((node.left, node.right), (node.right, node.left)):
            if not (isinstance(left, ast.BinOp) and isinstance(left.op, ast.RShift)
                    and isinstance(left.right, ast.Constant) and type(left.right.value) is int
                    and left.right.value > 0 and isinstance(right, ast.BinOp) and isinstance(right.op, ast.LShift)):
                continue
            a = self.wexpr(left.left)
            if not isinstance(a, Wide) or not isinstance(a.shift, int):
                continue
            b, e = self.wexpr(right.left), self.wexpr(right.right)
            if not isinstance(b, Val) or b.kind != "int" or b.lo < 0 or not isinstance(e, Val) or e.kind != "int" \
                    or e.lo < 0:
                continue
            k = a.shift + left.right.value   # a's number is its limbs' >> a.shift
            moved = self.wbinop(ast.LShift(), b, self.binop(ast.Add(), e, _const(k)))
            both = self.wbinop(node.op, Wide(a.limbs), moved)
            if not isinstance(both, Wide) or both.shift != 0:
                return None
            return Wide(both.limbs, k)
        return None

    def and_not(self, a, w: Wide) -> Wide:
        """a & ~w, a not negative (a state, or a part of one), w wide."""
        if isinstance(a, Big) and a.value < 0 or isinstance(a, Val) and a.lo < 0:
            raise Unsupported("a negative number masked by a wide one")
        la, lw = self.paired(a, w)
        limbs = []
        for x, y in zip(la, lw):
            if x.const == 0 or y.const == 0:
                limbs.append(x)
            else:
                limbs.append(self.binop(ast.BitAnd(), x, self.unary(ast.Invert(), y)))
        return Wide(tuple(limbs))

    def wifexp(self, test: Val, a, b):
        """ifexp of values that may be wide."""
        if isinstance(a, Val) and isinstance(b, Val):
            return self.ifexp(test, a, b)
        if test.const is not None:
            return a if test.const else b
        la, lb = self.paired(a, b)
        return Wide(tuple(x if x is y else self.ifexp(test, x, y) for x, y in zip(la, lb)))

    def wide_equal(self, a, b, eq: bool) -> Val:
        """a == b (a != b when not `eq`) of numbers that may be wide."""
        for x in (a, b):
            if isinstance(x, Big) and x.value < 0 or isinstance(x, Val) and x.lo < 0:
                raise Unsupported("a comparison of a wide number with a negative one")
        for x, y in ((a, b), (b, a)):
            if isinstance(x, Wide) and isinstance(x.shift, int) and isinstance(y, Val) and y.const is not None \
                    and y.kind == "int" and y.const == 0:
                zero = self.is_zero(x)
                return zero if eq else self.unary(ast.Not(), zero)
        la, lb = self.paired(a, b)
        same = _const(True)
        for x, y in zip(la, lb):
            same = self.boolop_of(same, self._op("==", x, y))
        return same if eq else self.unary(ast.Not(), same)

    def boolop_of(self, a: Val, b: Val, conj: bool = True) -> Val:
        """a and b (a or b when not `conj`) of truth values, constants folded."""
        if a.const is (not conj) or b.const is (not conj):   # False decides an `and`, True an `or`
            return _const(not conj)
        if a.const is conj:
            return b
        if b.const is conj:
            return a
        return self.emit(f"({a.text} {'&' if conj else '|'} {b.text})", "bool", 0, 1)

    def boolop_or(self, a: Val, b: Val) -> Val:
        return self.boolop_of(a, b, conj=False)

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
            w = self.wexpr(node.func.value)
            if isinstance(w, Big):
                return _const(w.value.bit_count())
            if isinstance(w, Wide):   # a set of more than 62 members: its limbs' counts added
                total: Val = _const(0)
                for limb in (w.limbs if self.whole(w) else self.limbs_of(w, 1)):
                    part = _const(limb.const.bit_count()) if limb.const is not None else \
                        self.emit(f"_np.bitwise_count({limb.text}).astype(_np.int64)", "int", 0, LIMB)
                    total = self._op("+", total, part)
                return total
            a = self.number(w)
            if a.const is not None:
                return _const(a.const.bit_count())
            return self.emit(f"_np.bitwise_count({a.text}).astype(_np.int64)", "int", 0, 63)
        if isinstance(node.func, ast.Subscript) and isinstance(node.func.value, ast.Name) \
                and node.func.value.id == "_T" and isinstance(node.func.slice, ast.Constant):
            return self.tabulated(node)
        fn = _called(node)
        if fn in ("all", "any", "sum", "_orall") and len(node.args) == 1 and isinstance(node.args[0], ast.GeneratorExp):
            return self.reduce(fn, node.args[0])
        if fn in ("_minf", "_maxf") and len(node.args) == 2 and isinstance(node.args[0], ast.Call) \
                and _called(node.args[0]) == "tuple" and len(node.args[0].args) == 1 \
                and isinstance(node.args[0].args[0], ast.GeneratorExp):
            return self.reduce(fn, node.args[0].args[0])
        if fn in ("_minf", "_maxf") and len(node.args) == 2:   # of a tuple built from members
            return self.extreme(fn, self.tuple_members(node.args[0]))
        if fn == "_ufield" and len(node.args) == 3:
            return self.ufield(node)
        if fn in DIVISIONS:
            return self.division(fn, node)
        if fn in PARTIAL:
            return PARTIAL[fn](self, [self.expr(x) for x in node.args])
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
            v = None
            for w in args:
                v = self._pick_of(fn, v, self.number(w))
            return v
        raise Unsupported(f"a call of {fn or 'an expression'}")


    # ---- the runtime's helpers that check their argument (spec/runtime.py) ---------------------

    def _consts(self, args: list[Val], n: int, first: int = 1) -> list[int]:
        if len(args) != n or any(a.const is None for a in args[first:]):
            raise Unsupported("a runtime check with arguments that are not constants")
        return [a.const for a in args[first:]]

    def checked_const(self, value: int, fails: bool) -> Val:
        """A check of a constant: its value, or an error wherever it is evaluated."""
        if fails:
            self.fail_where(_const(True))
        return _const(value)

    def division(self, fn: str, node: ast.Call) -> Val:
        """The runtime's divisions by a value read from the state (`spec.runtime`): `_tdiv`/`_tmod`
        (toward zero), `_floordiv`/`_floormod` (toward minus infinity, Python's // and %),
        `_fdiv(n, d, mode, site)` and `_rdiv(n, d, mode)` (n / d rounded down, up or half to even);
        an error where d is 0, d taken as 1 there. numpy's // and % of int64 are Python's for
        values within the bounds (checked by `emit`)."""
        rounded = fn in ("_fdiv", "_rdiv")
        want = {"_fdiv": 4, "_rdiv": 3}.get(fn, 3)
        if len(node.args) != want:
            raise Unsupported(f"{fn} of {len(node.args)} arguments")
        mode = None
        if rounded:
            m = node.args[2]
            if not isinstance(m, ast.Constant) or m.value not in ("down", "up", "half_even"):
                raise Unsupported("a rounding that is not down, up or half_even")
            mode = m.value
        n, d = (self.number(self.expr(x)) for x in node.args[:2])
        for x in node.args[(3 if rounded else 2):]:
            self._consts([_const(0), self.expr(x)], 2)   # the error's site: a constant
        if d.const == 0 or d.lo == d.hi == 0:
            return self.checked_const(0, True)
        if d.lo <= 0 <= d.hi:
            self.fail_where(self._op("==", d, _const(0)))
            d = self.emit(f"_np.where({d.text} == 0, 1, {d.text})", "int", min(d.lo, 1), max(d.hi, 1))
        big_n = max(abs(n.lo), abs(n.hi))
        big_d = max(abs(d.lo), abs(d.hi))
        if fn == "_floordiv":
            return self._divided("//", n, d, -big_n, big_n)
        if fn == "_floormod":
            lo, hi = (0, d.hi - 1) if d.lo > 0 else (d.lo + 1, 0) if d.hi < 0 else (1 - big_d, big_d - 1)
            return self._divided("%", n, d, lo, hi)
        if fn in ("_tdiv", "_tmod"):
            an = self.emit(f"_np.abs({n.text})", "int", 0, big_n) if n.const is None else _const(abs(n.const))
            ad = self.emit(f"_np.abs({d.text})", "int", 1, big_d) if d.const is None else _const(abs(d.const))
            if fn == "_tmod":   # the sign of n, smaller than d and than n
                r = self._divided("%", an, ad, 0, min(big_n, big_d - 1))
                return self.ifexp(self._op("<", n, _const(0)), self.unary(ast.USub(), r), r)
            q = self._divided("//", an, ad, 0, big_n)
            same = self._op("==", self._op(">=", n, _const(0)), self._op(">", d, _const(0)))
            return self.ifexp(same, q, self.unary(ast.USub(), q))
        # round_div: the divisor made positive, then the floor and its remainder
        negative = self._op("<", d, _const(0))
        n = self.ifexp(negative, self.unary(ast.USub(), n), n)
        d = self.ifexp(negative, self.unary(ast.USub(), d), d)
        d = Val(d.text, d.kind, max(d.lo, 1), d.hi, d.const)   # 0 was replaced, and the sign taken
        q = self._divided("//", n, d, -big_n, big_n)
        if mode == "down":
            return q
        r = self._divided("%", n, d, 0, big_d - 1)
        if mode == "up":
            return self._op("+", q, self.number(self._op("!=", r, _const(0))))
        twice = self._op("*", r, _const(2))
        odd = self._op("==", self._op("&", q, _const(1)), _const(1))
        up = self.boolop_or(self._op(">", twice, d), self.boolop_of(self._op("==", twice, d), odd))
        return self._op("+", q, self.number(up))

    def _divided(self, sym: str, n: Val, d: Val, lo: int, hi: int) -> Val:
        """n // d or n % d, d never 0 on any row, its result within lo..hi."""
        if n.const is not None and d.const is not None:
            return _const(_apply(sym, n.const, d.const))
        return self.emit(f"({n.text} {sym} {d.text})", "int", lo, hi)

    def optget(self, args: list[Val]) -> Val:
        """`_optget(o, site)`: o - 1, an error where o is 0 (get of none)."""
        self._consts(args, 2)
        o = self.number(args[0])
        if o.const is not None:
            return self.checked_const(o.const - 1, o.const == 0)
        self.fail_where(self.emit(f"({o.text} == 0)", "bool", 0, 1))
        return self.emit(f"({o.text} - 1)", "int", o.lo - 1, o.hi - 1)

    def narrow(self, args: list[Val]) -> Val:
        """`_narrow(x, lo, hi, site)`: x, an error where x is outside lo..hi."""
        lo, hi, _ = self._consts(args, 4)
        x = self.number(args[0])
        if x.const is not None:
            return self.checked_const(x.const, not lo <= x.const <= hi)
        if lo <= x.lo and x.hi <= hi:
            return x
        self.fail_where(self.emit(f"(({x.text} < {lo}) | ({x.text} > {hi}))", "bool", 0, 1))
        return self.passed(x, lo, hi)

    def keychk(self, args: list[Val]) -> Val:
        """`_keychk(k, lo, hi, site)`: k - lo, an error where k is outside lo..hi."""
        lo, hi, _ = self._consts(args, 4)
        k = self.number(args[0])
        if k.const is not None:
            return self.checked_const(k.const - lo, not lo <= k.const <= hi)
        if not (lo <= k.lo and k.hi <= hi):
            self.fail_where(self.emit(f"(({k.text} < {lo}) | ({k.text} > {hi}))", "bool", 0, 1))
            # the index of the entry, within the map where the check passes (elsewhere the chunk is
            # handed back, or the row is no transition): an offset into the state that stays in it
            return self.emit(f"_np.clip({k.text} - {lo}, 0, {hi - lo})", "int", 0, hi - lo)
        return self.emit(f"({k.text} - {lo})", "int", k.lo - lo, k.hi - lo)

    def inrange(self, args: list[Val]) -> Val:
        """`_inrange(x, mask, lo, hi)`: bit x - lo of mask where lo <= x <= hi, else 0."""
        lo, hi = self._consts(args, 4, 2)
        x, mask = self.number(args[0]), self.number(args[1])
        if mask.lo < 0:
            raise Unsupported("a membership test in a negative mask")
        if x.const is not None:   # the generator's own folding makes this rare
            if not lo <= x.const <= hi:
                return _const(0)
            return self.binop(ast.BitAnd(), self.binop(ast.RShift(), mask, _const(x.const - lo)), _const(1))
        if not -BOUND <= x.lo - lo <= x.hi - lo < BOUND:
            raise Unsupported("a value that may not fit in 62 bits")
        shift = self.emit(f"_np.clip({x.text} - {lo}, 0, 63)", "int", 0, 63)
        return self.emit(f"_np.where(({x.text} >= {lo}) & ({x.text} <= {hi}), ({mask.text} >> {shift.text}) & 1, 0)",
                         "int", 0, 1)

    def tabulated(self, node: ast.Call) -> Val:
        """`_T[i](code, site)` of a `TabulatedConvert`: a set's conversion read byte by byte from its
        tables (each entry the union for that byte, -1 where an element does not fit: an error),
        or another type's from one table entry per code."""
        i = node.func.slice.value
        conv = self.tables[i] if isinstance(i, int) and 0 <= i < len(self.tables) else None
        if type(conv).__name__ != "TabulatedConvert" or len(node.args) != 2:
            raise Unsupported("a call of a table entry that is not a conversion")
        x = self.number(self.expr(node.args[0]))
        if x.const is not None or x.lo < 0:
            raise Unsupported("a conversion of a constant or a negative code")
        if conv.chunks is None:
            table = np.asarray(conv.table, dtype=np.int64)
            if len(table) == 0 or len(table) > 1 << 16 or table.max(initial=0) >= BOUND:
                raise Unsupported("a conversion table that is empty or too large")
            name = self.array_of(table)
            # (clipped both ways: a value a failed check bounds may be anything on the rows it fails)
            index = self.emit(f"_np.clip({x.text}, 0, {len(table) - 1})", "int", 0, len(table) - 1)
            out = self.emit(f"{name}[{index.text}]", "int", int(table.min()), int(table.max()))
            self.fail_where(self.emit(f"(({x.text} >= {len(table)}) | ({out.text} < 0))", "bool", 0, 1))
            return out
        out, bad, hi = None, None, 0
        for k in range((max(1, x.hi.bit_length()) + 7) // 8):
            byte = self.emit(f"(({x.text} >> {8 * k}) & 255)", "int", 0, 255)
            if k >= len(conv.chunks):   # bits beyond the tables: convert's error
                part_bad = self.emit(f"({byte.text} != 0)", "bool", 0, 1)
            else:
                table = np.asarray(conv.chunks[k], dtype=np.int64)
                if len(table) != 256 or table.max(initial=0) >= BOUND:
                    raise Unsupported("a conversion table of an unexpected shape")
                r = self.emit(f"{self.array_of(table)}[{byte.text}]", "int", int(table.min()), int(table.max()))
                hi |= int(table.max())
                part_bad = self.emit(f"({r.text} < 0)", "bool", 0, 1)
                out = r if out is None else self.emit(f"({out.text} | {r.text})", "int", -1,
                                                      (1 << max(1, hi.bit_length())) - 1)
            bad = part_bad if bad is None else self.boolop_or(bad, part_bad)
        self.fail_where(bad)
        if out is None:
            raise Unsupported("a conversion without tables")
        return Val(out.text, "int", 0, (1 << max(1, hi.bit_length())) - 1)

    def ufield(self, node: ast.Call) -> Val:
        """`_ufield(u, _T[i], site)`: a field of a union value, read on the first of the variants
        (base, end, offset, mask) of the table whose codes base..end-1 hold u; an error where none does."""
        spec = self.table_entry(node.args[1])
        if not isinstance(spec, tuple) or not spec or not all(
                isinstance(v, tuple) and len(v) == 4 and all(type(x) is int for x in v) for v in spec):
            raise Unsupported("a union's field read from a table of an unexpected form")
        u = self.number(self.expr(node.args[0]))
        self._consts([u, self.expr(node.args[2])], 2)
        out: Val | None = None
        none_holds: Val = _const(True)
        for base, end, off, mask in reversed(spec):   # the first variant that holds u is the one read
            here = self.boolop_of(self._op("<=", _const(base), u), self._op("<", u, _const(end)))
            value = self._op("&", self._op(">>", self._op("-", u, _const(base)), _const(off)), _const(mask))
            out = value if out is None else self.ifexp(here, value, out)
            none_holds = self.boolop_of(none_holds, self.unary(ast.Not(), here))
        self.fail_where(none_holds)
        return out

    def table_entry(self, node: ast.expr):
        """The generated code's table entry `_T[i]` (data), or None."""
        if isinstance(node, ast.Subscript) and isinstance(node.value, ast.Name) and node.value.id == "_T" \
                and isinstance(node.slice, ast.Constant) and type(node.slice.value) is int \
                and 0 <= node.slice.value < len(self.tables):
            return self.tables[node.slice.value]
        return None

    def array_of(self, table: np.ndarray) -> str:
        name = f"_K{len(self.arrays)}"
        self.arrays[name] = table
        return name


    # ---- generators, unrolled over every member the iterable may have ---------------------------

    def members(self, it: ast.expr) -> list[tuple[Val, Val | None]]:
        """(value, whether it is a member) for each member the iterable of a generator may have, in
        its order: the set bits of a mask, a sequence's items, a constant tuple, a range."""
        if isinstance(it, ast.Tuple):
            return [(self.expr(x), None) for x in it.elts]
        if isinstance(it, ast.Subscript) and isinstance(it.value, ast.Name) and it.value.id == "_T" \
                and isinstance(it.slice, ast.Constant):
            i = it.slice.value
            table = self.tables[i] if isinstance(i, int) and 0 <= i < len(self.tables) else None
            if not isinstance(table, tuple) or not all(type(x) is int for x in table):
                raise Unsupported("a loop over a table entry that is not a tuple of codes")
            return [(_const(x), None) for x in table]
        if not isinstance(it, ast.Call) or it.keywords:
            raise Unsupported("a loop over something other than a set, a sequence, a range or constants")
        fn = _called(it)
        if fn in ("_bits", "_bitsin"):
            return self.set_members(fn, it)
        args = [self.number(self.expr(x)) for x in it.args]
        if fn == "_seqitems":
            lb, w, cap = self._consts(args, 4)
            q = args[0]
            n = self._length(q, lb)
            return [(self._item(q, _const(i), lb, w), self._op(">", n, _const(i))) for i in range(cap)]
        if fn == "range" and len(args) == 2:
            a, b = args
            if b.hi - a.lo > UNROLLED:
                raise Unsupported("a loop over a range too wide to unroll")
            return [(_const(c), None if a.const is not None and b.const is not None else
                     self.boolop_of(self._op("<=", a, _const(c)), self._op("<", _const(c), b)))
                    for c in range(a.lo, b.hi) if a.const is None or b.const is None or a.const <= c < b.const]
        raise Unsupported(f"a loop over {fn or 'an expression'}")

    def reduce(self, fn: str, gen: ast.GeneratorExp) -> Val:
        """all/any/sum/_orall/_minf/_maxf of a generator, unrolled: each way through its `for`s is a
        term, taken on the rows where each value is a member and passes the `if`s. all and any stop
        at the first term that decides them, as Python's do: a term's checks count only where no
        term before decided."""
        if fn in ("all", "any") and len(gen.generators) > 1:
            # all(e for a in A for b in B) is all(all(e for b in B) for a in A), any likewise (the
            # same terms in the same order, stopping at the same one): the inner quantifier may be
            # a mask (`reduce_by_groups`) for each member of the outer
            first = gen.generators[0]
            inner = ast.Call(ast.Name(fn, ast.Load()), [ast.GeneratorExp(gen.elt, gen.generators[1:])], [])
            outer = ast.GeneratorExp(ast.copy_location(inner, gen.elt), [first])
            self.alive += [inner, outer]   # (ids of nodes made here stay theirs while remembered)
            return self.reduce(fn, ast.fix_missing_locations(ast.copy_location(outer, gen)))
        if fn in ("all", "any"):
            got = self.reduce_by_groups(fn, gen)
            if got is not None:
                return got
        combos: list[tuple[dict, Val | None]] = [({}, None)]
        saved = dict(self.scope)
        for comp in gen.generators:
            if comp.is_async or not isinstance(comp.target, ast.Name):
                raise Unsupported("a generator of an unexpected form")
            out = []
            for binding, active in combos:
                self.scope.update(binding)
                for value, member in self.members(comp.iter):
                    b = {**binding, comp.target.id: value}
                    out.append((b, self._and(active, member)))
                    if len(out) > UNROLLED:
                        raise Unsupported("a generator of too many values to unroll")
            combos = out
            # the generator's `if`s, each evaluated where the member is one
            filtered = []
            for binding, active in combos:
                self.scope.update(binding)
                for test in comp.ifs:   # (checked on more rows than all/any reach: only ever handed back)
                    if active is not None:
                        self.context.append((active, False))
                    t = self.truth(self.expr(test))
                    if active is not None:
                        self.context.pop()
                    active = self._and(active, t)
                filtered.append((binding, active))
            combos = filtered
        self.scope = dict(saved)
        acc: Val | None = None
        undecided: Val | None = None     # all/any: no term before decided
        terms: list[tuple[Val, Val | None]] = []   # min/max
        for binding, active in combos:
            if active is not None and active.const is False:
                continue
            self.scope.update(binding)
            where = self._and(active, undecided)
            if where is not None:
                self.context.append((where, False))
            v = self.expr(gen.elt)
            if where is not None:
                self.context.pop()
            if fn in ("all", "any"):
                t = self.truth(v)
                decides = self._and(active, self.unary(ast.Not(), t) if fn == "all" else t)
                acc = decides if acc is None else self.boolop_or(acc, decides)
                stop = self.unary(ast.Not(), decides)
                undecided = stop if undecided is None else self.boolop_of(undecided, stop)
            elif fn in ("sum", "_orall"):
                x = self.number(v)
                term = x if active is None else self.ifexp(active, x, _const(0))
                acc = term if acc is None else self._op("+" if fn == "sum" else "|", acc, term)
            else:   # min/max: every term is evaluated (the tuple is built first)
                terms.append((v, active))
        self.scope = saved
        if fn == "all":
            return _const(True) if acc is None else self.unary(ast.Not(), acc)
        if fn == "any":
            return _const(False) if acc is None else acc
        if fn in ("sum", "_orall"):
            return _const(0) if acc is None else acc
        return self.extreme(fn, terms)

    def reduce_by_groups(self, fn: str, gen: ast.GeneratorExp) -> Val | None:
        """all/any over a set's members (`_bits`, `_bitsin`), the members grouped by their
        condition's value: a constant for most (it reads the member only: a message's fields
        against constants, an inner loop's member against an outer one's), or the same array for
        several (the same computation: the kernel computes the same text once). `all` is then, for
        each group, "the set holds none of the group's members, or the condition holds": one mask
        of the set and one comparison per group, not a term per member; `any` likewise. Only
        where no member's condition checks anything (nothing then depends on where all/any stop),
        and every `if` is a constant per member; else None, nothing emitted that counts, and
        `reduce` unrolls it."""
        if len(gen.generators) != 1:
            return None
        comp = gen.generators[0]
        it = comp.iter
        if comp.is_async or not isinstance(comp.target, ast.Name) or not isinstance(it, ast.Call) \
                or it.keywords or _called(it) not in ("_bits", "_bitsin"):
            return None
        saved = list(self.failed), list(self.context), dict(self.scope), self.ids
        try:
            mask, bits = self.set_bits(_called(it), it)
            if isinstance(mask, Big) or isinstance(mask, Val) and mask.const is not None:
                return None   # (the members are constants: unrolled, every term folds)
            groups: dict = {}    # the condition's value (a constant, or its text) -> [its members' bits, value]
            translated = 0
            for c in bits:
                # the member's condition: Python's own, where it reads constants only (fast: every
                # member of every instance, pairs of members in a loop within a loop), else translated
                passes: bool | None = True
                for test in comp.ifs:
                    x = self.constant(test, comp.target.id, c)
                    passes = None if x is None else passes and x
                    if not passes:
                        break
                found = self.constant(gen.elt, comp.target.id, c) if passes else None
                v = None if found is None else _const(found)
                if passes is None or passes and v is None:
                    self.scope[comp.target.id] = _const(c)
                    passes = True
                    for test in comp.ifs:
                        t = self.truth(self.expr(test))
                        if t.const is None:
                            raise Unsupported("an `if` that reads the state")
                        passes = passes and t.const
                    if passes:
                        v = self.truth(self.expr(gen.elt))
                        translated += v.const is None
                    if len(self.failed) != len(saved[0]) or translated > UNROLLED:
                        raise Unsupported("a condition that checks, or too many")
                if not passes:
                    continue
                group = groups.setdefault(v.text, [0, v])
                group[0] |= 1 << c
            self.scope = dict(saved[2])
            out: Val | None = None
            for members, v in groups.values():
                if v.const is (fn == "all"):   # (never decides)
                    continue
                picked = self.wbinop(ast.BitAnd(), mask, _number_const(members))
                if isinstance(picked, Big):
                    raise Unsupported("a constant set")
                none = self.is_zero(picked) if isinstance(picked, Wide) else \
                    self._op("==", self.number(picked), _const(0))
                if fn == "all":
                    term = none if v.const is not None else self.boolop_or(none, v)
                    out = term if out is None else self.boolop_of(out, term)
                else:
                    some = self.unary(ast.Not(), none)
                    term = some if v.const is not None else self.boolop_of(some, v)
                    out = term if out is None else self.boolop_or(out, term)
        except Unsupported:
            self.failed, self.context, self.scope = saved[0], saved[1], saved[2]
            self.waived += self.ids - saved[3]
            return None
        return _const(fn == "all") if out is None else out

    def constant(self, node: ast.expr, name: str, value: int) -> bool | None:
        """The truth of an expression of the generated code that reads only `name` (bound to
        `value`), constants of the scope and the runtime's helpers, as Python evaluates it (in the
        namespace the generated code runs in: `spec.runtime.generated_globals`); None where it
        reads anything else (the state, a value per row) or raises."""
        entry = self.compiled.get(id(node))
        if entry is None:
            inner = {n.id for n in ast.walk(node) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Store)}
            names = sorted({n.id for n in ast.walk(node) if isinstance(n, ast.Name)} - inner - set(self.env)
                           - set(self.env["__builtins__"]))
            entry = self.compiled[id(node)] = (compile(ast.Expression(node), "<syncproof:kernel>", "eval"), names)
            self.alive.append(node)   # (its id stays its own while remembered)
        code, names = entry
        env = dict(self.env)
        for n in names:
            if n == name:
                env[n] = value
                continue
            v = self.scope.get(n)
            if not isinstance(v, Val) or v.const is None:
                return None
            env[n] = v.const
        try:
            got = eval(code, env)  # noqa: S307 - the generated code's own text, in its own namespace
        except Exception:  # noqa: BLE001 - a check that fails, or anything else: translated instead
            return None
        return bool(got) if type(got) in (bool, int) else None

    def set_bits(self, fn: str, it: ast.Call) -> tuple:
        """(the mask, the bits it may hold) of `_bits(mask)` or `_bitsin(mask, base, size)`, in
        order. A mask written `x & C` (C a constant: a field's or a variant's bits) holds none of
        C's zero bits: the mask given is then x; a bit of the list is a member where x has it."""
        if not it.args:
            raise Unsupported(f"{fn} of no mask")
        arg, rest = it.args[0], [self.number(self.expr(x)) for x in it.args[1:]]
        possible = None   # a constant the mask lies within, when its form says so
        if isinstance(arg, ast.BinOp) and isinstance(arg.op, ast.BitAnd):
            for side, other in ((arg.right, arg.left), (arg.left, arg.right)):
                c = self.int_constant(side)
                if c is not None and c >= 0:
                    possible, arg = c, other
                    break
        mask = self.wexpr(arg)
        if isinstance(mask, Val):
            mask = self.number(mask)
            if mask.lo < 0 and possible is None:
                raise Unsupported("a loop over a negative mask")
            top = mask.hi.bit_length() if mask.lo >= 0 else possible.bit_length()
            bits = [c for c in range(top) if possible is None or possible >> c & 1]
        elif isinstance(mask, Big):
            if mask.value < 0:
                raise Unsupported("a loop over a negative mask")
            bits = [c for c in range(mask.value.bit_length())
                    if mask.value >> c & 1 and (possible is None or possible >> c & 1)]
        else:
            if not isinstance(mask.shift, int):
                raise Unsupported("a loop over a wide set shifted by an amount read from the state")
            top = max(0, _limb_bits(mask.limbs) - mask.shift)
            if mask.within is not None:
                within = mask.within >> mask.shift
                possible = within if possible is None else possible & within
            if possible is not None:
                top = min(top, possible.bit_length())
            bits = [c for c in range(top) if possible is None or possible >> c & 1]
        if fn == "_bitsin":
            base, size = self._consts([_const(0), *rest], 3)
            bits = [c for c in bits if base <= c < base + size]
        return mask, bits

    def set_members(self, fn: str, it: ast.Call) -> list[tuple[Val, Val | None]]:
        """The members `_bits(mask)` or `_bitsin(mask, base, size)` may have: each bit the mask may
        hold (`set_bits`), a constant, with that bit of the mask on the row; a wide mask (a set of
        more than 62 members) is read bit by bit from its limbs."""
        mask, bits = self.set_bits(fn, it)
        if isinstance(mask, Val) and mask.const is not None:
            return [(_const(c), None) for c in bits if mask.const >> c & 1]
        if isinstance(mask, Big):
            return [(_const(c), None) for c in bits]
        if len(bits) > UNROLLED:
            raise Unsupported("a loop over a set of too many members to unroll")
        out = []
        for c in bits:
            # (a member's bit is read once: the same set is looped over by many instances)
            key = ("bit", mask.text, c) if isinstance(mask, Val) else \
                ("bit", tuple(x.text for x in mask.limbs), mask.shift + c)
            bit = self.bits.get(key)
            if bit is None:
                if isinstance(mask, Val):
                    bit = self._op("&", self._op(">>", mask, _const(c)), _const(1))
                else:
                    bit = self.read(mask.limbs, mask.shift + c, 1)
                bit = self.bits[key] = self.truth(bit)
            out.append((_const(c), bit))
        return out

    def int_constant(self, node: ast.expr) -> int | None:
        """The integer a literal or a table entry of the generated code holds, else None."""
        if isinstance(node, ast.Constant) and type(node.value) is int:
            return node.value
        entry = self.table_entry(node)
        return entry if type(entry) is int else None

    def tuple_members(self, node: ast.expr) -> list[tuple[Val, Val | None]]:
        """A tuple the generated code builds member by member -- `((0,) if bit0 else ()) + ((1,) if
        bit1 else ())` -- as (value, where it is in the tuple) in order."""
        if isinstance(node, ast.Tuple):
            return [(self.expr(x), None) for x in node.elts]
        if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
            return self.tuple_members(node.left) + self.tuple_members(node.right)
        if isinstance(node, ast.IfExp):
            t = self.truth(self.expr(node.test))
            yes = [(v, self._and(c, t)) for v, c in self.tuple_members(node.body)]
            no = [(v, self._and(c, self.unary(ast.Not(), t))) for v, c in self.tuple_members(node.orelse)]
            return yes + no
        raise Unsupported(f"a tuple made by {type(node).__name__}")

    def extreme(self, fn: str, members: list[tuple[Val, Val | None]]) -> Val:
        """min (_minf) or max (_maxf) of the members present; an error where there is none."""
        acc: Val | None = None
        found: Val | None = None
        for value, active in members:
            if active is not None and active.const is False:
                continue
            x = self.number(value)
            if acc is None or found is None:
                best = x
            elif found.const is True:
                best = self._pick_of(fn, acc, x)
            else:
                best = self.ifexp(found, self._pick_of(fn, acc, x), x)
            acc = best if active is None or acc is None else self.ifexp(active, best, acc)
            taken = _const(True) if active is None else active
            found = taken if found is None else self.boolop_or(found, taken)
        self.fail_where(_const(True) if found is None else self.unary(ast.Not(), found))
        return _const(0) if acc is None else acc

    def _and(self, a: Val | None, b: Val | None) -> Val | None:
        if a is None:
            return b
        if b is None:
            return a
        return self.boolop_of(a, b)

    def _pick_of(self, fn: str, acc: Val | None, x: Val) -> Val:
        """min (fn `min` or `_minf`) or max of acc and x; x alone when acc is None."""
        if acc is None:
            return x
        pick = min if fn in ("min", "_minf") else max
        if acc.const is not None and x.const is not None:
            return _const(pick(acc.const, x.const))
        return self.emit(f"_np.{'minimum' if pick is min else 'maximum'}({acc.text}, {x.text})", "int",
                         pick(acc.lo, x.lo), pick(acc.hi, x.hi))

    # a sequence's code: its length in the low `lb` bits, then its items, `w` bits each
    def _op(self, sym: str, a: Val, b: Val) -> Val:
        if sym in _BY_SYMBOL:
            return self.binop(_BY_SYMBOL[sym](), a, b)
        if a.const is not None and b.const is not None:
            return _const(bool(_apply(sym, a.const, b.const)))
        return self.emit(f"({a.text} {sym} {b.text})", "bool", 0, 1)

    def _length(self, q: Val, lb: int) -> Val:
        return self._op("&", q, _const((1 << lb) - 1))

    def _item(self, q: Val, i: Val, lb: int, w: int) -> Val:
        at = self._op("+", _const(lb), self._op("*", i, _const(w)))
        return self._op("&", self._op(">>", q, at), _const((1 << w) - 1))

    def _outside(self, i: Val, lo: int, n: Val, strict: bool = True) -> Val:
        """not lo <= i < n (<= n when not strict)."""
        return self.boolop_or(self._op("<", i, _const(lo)), self._op(">=" if strict else ">", i, n))

    def seqget(self, args: list[Val]) -> Val:
        lb, w, _, _ = self._consts(args, 6, 2)
        q, i = self.number(args[0]), self.number(args[1])
        n = self._length(q, lb)
        self.fail_where(self._outside(i, 0, n))
        return self._item(q, i, lb, w)

    def seqslot(self, args: list[Val]) -> Val:
        lb, _ = self._consts(args, 4, 2)
        q, i = self.number(args[0]), self.number(args[1])
        self.fail_where(self._outside(i, 0, self._length(q, lb)))
        return i

    def seqhead(self, args: list[Val]) -> Val:
        lb, w, _, _ = self._consts(args, 5)
        q = self.number(args[0])
        self.fail_where(self._op("==", self._length(q, lb), _const(0)))
        return self._item(q, _const(0), lb, w)

    def seqlast(self, args: list[Val]) -> Val:
        lb, w, _, _ = self._consts(args, 5)
        q = self.number(args[0])
        n = self._length(q, lb)
        self.fail_where(self._op("==", n, _const(0)))
        return self._item(q, self._op("-", n, _const(1)), lb, w)

    def seqtail(self, args: list[Val]) -> Val:
        lb, w, _, _ = self._consts(args, 5)
        q = self.number(args[0])
        n = self._length(q, lb)
        self.fail_where(self._op("==", n, _const(0)))
        rest = self._op("<<", self._op(">>", q, _const(lb + w)), _const(lb))
        return self._op("|", rest, self._op("-", n, _const(1)))

    def seqcut(self, args: list[Val]) -> Val:
        """take(q, k) (drop = 0) or drop(q, k) (drop = 1)."""
        drop, lb, w, _, _ = self._consts(args, 7, 2)
        q, k = self.number(args[0]), self.number(args[1])
        length = self._length(q, lb)
        self.fail_where(self._outside(k, 0, length, strict=False))
        if drop:
            rest = self._op("<<", self._op(">>", q, self._op("+", _const(lb), self._op("*", k, _const(w)))), _const(lb))
            return self._op("|", rest, self._op("-", length, k))
        width = self._op("*", k, _const(w))
        kept = self._op("&", self._op(">>", q, _const(lb)), self._op("-", self._op("<<", _const(1), width), _const(1)))
        return self._op("|", self._op("<<", kept, _const(lb)), k)

    def append(self, args: list[Val]) -> Val:
        lb, w, cap, _ = self._consts(args, 6, 2)
        q, x = self.number(args[0]), self.number(args[1])
        n = self._length(q, lb)
        self.fail_where(self._op(">=", n, _const(cap)))
        at = self._op("+", _const(lb), self._op("*", n, _const(w)))
        return self._op("|", self._op("+", q, _const(1)), self._op("<<", x, at))

    def always_fails(self, args: list[Val]) -> Val:
        """`_nohead(site)`, `_nofield(site)`: an error wherever it is evaluated."""
        self._consts(args, 1, 0)
        self.fail_where(_const(True))
        return _const(0)


DIVISIONS = frozenset({"_tdiv", "_tmod", "_floordiv", "_floormod", "_fdiv", "_rdiv"})
PARTIAL = {"_optget": Kernel.optget, "_narrow": Kernel.narrow, "_keychk": Kernel.keychk, "_inrange": Kernel.inrange,
           "_seqget": Kernel.seqget, "_seqslot": Kernel.seqslot, "_seqhead": Kernel.seqhead, "_seqlast": Kernel.seqlast,
           "_seqtail": Kernel.seqtail, "_seqcut": Kernel.seqcut, "_append": Kernel.append,
           "_nohead": Kernel.always_fails, "_nofield": Kernel.always_fails}


_TEMP = re.compile(r"\b_a\d+\b")


def _without_unread(lines: list[str]) -> list[str]:
    """The kernel's lines less the temporaries no line reads (a branch's condition that only its
    translation needed), and then those only they read, and so on: every line is a numpy
    expression without effects but its value, or a write to G, N, F or E, which stay. One pass
    from the end: each temporary is assigned once, before the lines that read it."""
    needed: set[str] = set()
    kept = []
    for line in reversed(lines):
        m = _ASSIGNED.match(line)
        if m and m.group(1) not in needed:
            continue
        needed.update(_TEMP.findall(line.split(" = ", 1)[1] if m else line))
        kept.append(line)
    kept.reverse()
    return kept


_ASSIGNED = re.compile(r"(_a\d+) = ")


def _dropped_after_last_use(lines: list[str]) -> tuple[list[str], int]:
    """The kernel's lines, each temporary deleted after the line that reads it last (a chunk's
    memory is then that of the temporaries alive at once, not of all of them), and how many are
    alive at once at most."""
    last: dict[str, int] = {}
    for i, line in enumerate(lines):
        for name in _TEMP.findall(line):
            last[name] = i
    dying: dict[int, list[str]] = {}
    for name, i in last.items():
        dying.setdefault(i, []).append(name)
    out, alive, most = [], 0, 0
    for i, line in enumerate(lines):
        out.append(line)
        if line.startswith("_a") and " = " in line:
            alive += 1
            most = max(most, alive)
        if i in dying and not line.startswith("return"):
            out.append(f"del {', '.join(dying[i])}")
            alive -= len(dying[i])
    return out, most


def _covers(mask: int, x: Val) -> bool:
    """Whether `x & mask` is x: x not negative and every bit it may have in the mask."""
    return x.lo >= 0 and (mask == -1 or mask >= 0 and mask | ((1 << x.hi.bit_length()) - 1) == mask)


def _identity(sym: str, a: Val, b: Val) -> Val | None:
    """The value of `a sym b` (integers, one of them at least an array) where it is one of them
    or 0 whatever the array holds: x & 0, x | 0, x + 0, x * 1, x << 0, a mask that covers every
    bit x may have, a right shift past them; else None."""
    for x, c, first in ((a, b.const, False), (b, a.const, True)):
        if c is None:
            continue
        if sym == "&":
            if c == 0:
                return _const(0)
            if _covers(c, x):
                return x
        elif sym in ("|", "^", "+") and c == 0:
            return x
        elif sym == "*" and c in (0, 1):
            return x if c == 1 else _const(0)
        elif not first and sym in ("-", "<<", ">>", "//") and c == (1 if sym == "//" else 0):
            return x
        elif not first and sym == ">>" and x.lo >= 0 and c >= x.hi.bit_length():
            return _const(0)
    return None


def _called(node: ast.Call) -> str | None:
    return node.func.id if isinstance(node.func, ast.Name) else None


def _apply(sym: str, x: int, y: int):
    return _APPLY[sym](x, y)


class LevelKernel:
    """`expand` of a chunk of states by the kernel: the generated `expand`'s (next states, counts, bad,
    dead, err), the next states as `Arrays` when states fit in 62 bits (the chunk a uint64 array),
    else as `Rows` (the chunk a list of ints), less the transitions from a state to itself (their
    target is visited: its parent); None when an enabled instance fails on some state of the chunk
    (the generated code reports that). `labelled` gives every transition."""

    def __init__(self, kernel: Kernel, python_check=None):
        self.k = kernel
        # (states as ints, rows) -> the rows where an invariant of `kernel.in_python` fails or raises
        self.python_check = python_check if kernel.in_python else None
        self.wide = kernel.limbs > 0
        self.patched = kernel.patched
        self.rows = max(64, CELLS // max(1, kernel.patches + 2 * kernel.columns + kernel.temps if self.patched
                                         else kernel.columns * max(1, kernel.limbs) + kernel.temps))

    def __call__(self, chunk):
        got = self._run(chunk, False)
        if got is None:
            return None
        (states, parents, _), counts, bad, dead = got
        return (Rows if self.wide else Arrays)(states, parents), counts, bad, dead, None

    def labelled(self, chunk):
        """The generated `expand_labelled` of the chunk: ((every transition's next state, where each
        state's transitions end), counts, bad, dead, err, the instance id of each transition); None
        as for a call."""
        got = self._run(chunk, True)
        if got is None:
            return None
        (states, parents, idents), counts, bad, dead = got
        ends = np.cumsum(np.bincount(parents, minlength=len(chunk)))
        if self.wide:
            states = ints_of_limbs(states)
        return (states, ends), counts, bad, dead, None, idents

    def _run(self, chunk, labelled: bool):
        k = self.k
        if self.wide:
            S = chunk if isinstance(chunk, np.ndarray) and chunk.ndim == 2 else limbs_of_ints(state_ints(chunk), k.limbs)
        else:
            S = np.ascontiguousarray(chunk).view(np.int64)
        width = max(1, k.columns)
        counts = np.zeros(k.n_actions, dtype=np.int64)
        bad: list[int] = []
        dead = -1
        states, parents, idents = [], [], []
        ints = None   # the chunk's states as ints, for the invariants the generated code checks
        for start in range(0, len(S), self.rows):
            part = S[start:start + self.rows]
            ok, G, N, E, F = k.kernel(part)
            if E is not None and E.any():
                return None
            if k.columns:
                counts += np.bincount(k.column_action, weights=G.sum(axis=0), minlength=k.n_actions).astype(np.int64)
            if self.python_check is not None:
                if ints is None:
                    ints = state_ints(chunk)
                # on the rows where the translated invariants hold (elsewhere the state is bad anyway)
                rows = range(start, start + len(part)) if ok is None else (np.flatnonzero(ok) + start).tolist()
                failed = self.python_check(ints, rows)
                if ok is None:
                    bad += failed
                else:
                    bad += sorted((np.flatnonzero(~ok) + start).tolist() + failed)
            elif ok is not None:
                bad += (np.flatnonzero(~ok) + start).tolist()
            if dead < 0:
                idle = np.flatnonzero(~G.any(axis=1)) if k.columns else np.arange(len(part))
                if len(idle):
                    dead = int(idle[0]) + start
            if labelled or not k.columns:
                flat = np.flatnonzero(G.ravel())
            else:
                # a successor equal to its parent is visited (the parent is): left out here, before
                # it is fingerprinted and sorted (a message delivered again, a step that changes nothing)
                if self.patched:
                    taken = F & G
                elif self.wide:
                    taken = N[:, :, 0] != part[:, :1]
                    for j in range(1, k.limbs):
                        taken |= N[:, :, j] != part[:, j:j + 1]
                    taken &= G
                else:
                    taken = (N != part[:, None]) & G
                flat = np.flatnonzero(taken.ravel())
            src, cols = np.divmod(flat, width)   # each transition's state in the chunk, and instance
            if self.patched:
                states.append(k.next_rows(part, N, src, cols))
            elif self.wide:
                states.append(N[src, cols])
            else:
                states.append(N[src, cols].view(np.uint64))
            parents.append(src + start)
            if labelled:
                idents.append(k.column_ident[cols])
        if not states:   # an empty chunk
            states.append(np.zeros((0, k.limbs) if self.wide else 0, dtype=np.int64 if self.wide else np.uint64))
            parents.append(np.zeros(0, dtype=np.int64))
            if labelled:
                idents.append(np.zeros(0, dtype=np.int32))
        out = tuple(np.concatenate(x) if len(x) != 1 else x[0] for x in (states, parents, idents) if x)
        if not labelled:
            out += (None,)
        return out, counts.tolist(), bad, dead


def build(instances, invariants: list[str], state_bits: int, n_actions: int, tables=(), python_check=None):
    """(LevelKernel, None) or (None, why not). With `python_check(which)`, a function checking the
    invariants of the indexes `which` as `LevelKernel` calls it, the invariants that cannot be
    translated are left to it (`LevelKernel.k.in_python`); without, they make no kernel."""
    try:
        if instances is None:
            raise Unsupported("an action whose parameters are looped over, not unrolled")
        k = Kernel(instances, invariants, state_bits, n_actions, tables, python_invariants=python_check is not None,
                   patched=PATCHED)
        return LevelKernel(k, python_check(k.in_python) if k.in_python else None), None
    except Unsupported as exc:
        return None, str(exc)
    except (SyntaxError, RecursionError, MemoryError) as exc:   # code nested too deep for Python's parser
        return None, f"the generated code could not be translated ({type(exc).__name__})"
    except Exception as exc:  # noqa: BLE001 - a defect here must cost speed, never a result
        return None, f"internal error in the translation ({type(exc).__name__}: {exc}); please report it"
