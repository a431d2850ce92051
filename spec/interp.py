"""The reference semantics: a direct, slow interpreter of the IR.

It evaluates constants for the type checker, and it is the yardstick the
compiled engines are tested against (property tests run both on the same
states and compare). Clarity over speed: one function per construct.

A state here is a list of variable codes, one per `VarSym`, in order.
"""

from __future__ import annotations

import itertools

from spec import ir
from spec import values as V
from spec.runtime import ModelError, floordiv, floormod, from_code, round_div, tdiv, thef, tmod, to_code
from spec.types import (IntType, MapType, OptionType, RecordType, SeqType, SetType, Type, UnionType,
                    iter_bits)


class ConstEvalError(Exception):
    """A constant expression could not be evaluated (it reads the state, or fails)."""


def eval_const(e: ir.Expr):
    try:
        return Interp().eval(e, {}, None)
    except ModelError as exc:
        raise ConstEvalError(exc.message) from None
    except _NoState:
        raise ConstEvalError("it reads the state") from None
    except SymbolicConstError as exc:
        raise ConstEvalError(f"'{exc}' is a symbolic constant: it has no value") from None


class _NoState(Exception):
    pass


class SymbolicConstError(Exception):
    """A symbolic constant (declared without a value) was evaluated: only symbolic engines can."""


class Interp:
    """Evaluates IR expressions and executes statements over list-of-codes states."""

    _tick = None  # set by init_outcomes(tick): called once per statement executed on a branch
    _after = None  # the state after the step, while a step property is evaluated (`x'`)
    # a coverage counter (checker.engines.explicit.coverage), told of every statement a run reaches and of
    # its outcome; None (the default) costs one attribute test per statement
    _cover = None

    def __init__(self, model: ir.CheckedModel | None = None):
        self.model = model

    # ---- expressions ---------------------------------------------------------

    def eval(self, e: ir.Expr, env: dict, state: list | None):
        return getattr(self, "_" + type(e).__name__)(e, env, state)

    def _Lit(self, e, env, state):
        return e.value

    def _SymConst(self, e, env, state):
        raise SymbolicConstError(e.const.name)

    def _Local(self, e, env, state):
        return env[e.sym.id]

    def _VarRef(self, e, env, state):
        if state is None:
            raise _NoState
        return from_code(state[e.var.index], e.var.type)

    def _NextRef(self, e, env, state):
        if self._after is None:
            raise _NoState
        return from_code(self._after[e.var.index], e.var.type)

    def _Call(self, e, env, state):
        args = [self.eval(a, env, state) for a in e.args]
        inner = dict(env)
        for p, a in zip(e.fn.params, args):
            inner[p.id] = a
        return self.eval(e.fn.body, inner, state)

    def _LetIn(self, e, env, state):
        inner = dict(env)
        inner[e.sym.id] = self.eval(e.value, env, state)
        return self.eval(e.body, inner, state)

    def _Match(self, e, env, state):
        v = self.eval(e.subject, env, state)
        t = e.subject.type
        for arm in e.arms:
            bound = self._match_arm(t, v, arm)
            if bound is not None:
                inner = dict(env)
                inner.update(bound)
                return self.eval(arm.body, inner, state)
        raise AssertionError("match is exhaustive")

    def _match_arm(self, t: Type, v: int, arm: ir.MatchArm):
        if arm.pattern is None:
            return {}
        if isinstance(t, OptionType):
            if arm.pattern == "none":
                return {} if v == 0 else None
            if v == 0:
                return None
            return {arm.locals[0].id: from_code(v - 1, t.elem)}
        info = t.variant(arm.pattern)
        if not info.base <= v < info.base + info.size:
            return None
        out = {}
        if info.payload is not None and arm.locals:
            codes = info.payload.unpack(v - info.base)
            for sym, c, (_, ft) in zip(arm.locals, codes, info.payload.fields):
                out[sym.id] = from_code(c, ft)
        return out

    def _Quant(self, e: ir.Quant, env, state):
        rows = list(self._bindings(e.binders, 0, dict(env), state))
        if e.cond is not None:
            rows = [r for r in rows if self.eval(e.cond, r, state)]
        kind = e.kind
        if kind == "forall":
            return all(self.eval(e.body, r, state) for r in rows)
        if kind == "exists":
            return any(self.eval(e.body, r, state) for r in rows)
        if kind == "set":
            t = e.type.elem
            mask = 0
            for r in rows:
                mask |= 1 << to_code(self.eval(e.body, r, state), t)
            return mask
        if kind == "map":
            t: MapType = e.type
            w = t.value.bits
            out = 0
            for r in rows:
                k = r[e.binders[0].sym.id]
                out |= to_code(self.eval(e.body, r, state), t.value) << (to_code(k, t.key) * w)
            return out
        vals = [self.eval(e.body, r, state) for r in rows]
        if kind == "the":
            try:
                return thef(vals, -1)
            except ModelError as exc:
                exc.span = e.span  # points the report at the `the` expression
                raise
        if kind == "sum":
            return sum(vals)
        if not vals:
            exc = ModelError("empty", f"{kind} of an empty collection")
            exc.span = e.span  # points the report at the min/max, not at the whole action
            raise exc
        return min(vals) if kind == "min" else max(vals)

    def bindings(self, binders, env: dict | None = None, state=None):
        """Every assignment of values to `binders` (of a quantifier or a property's `forall`), in
        the order of their domains, each a new dict extending `env`."""
        return self._bindings(binders, 0, dict(env or {}), state)

    def _bindings(self, binders, i, env, state):
        if i == len(binders):
            yield dict(env)
            return
        b = binders[i]
        for v in self.elements(b.domain, env, state):
            env[b.sym.id] = v
            yield from self._bindings(binders, i + 1, env, state)

    def elements(self, dom: ir.Expr, env, state) -> list:
        d = self.eval(dom, env, state)
        t = dom.type
        if isinstance(t, SetType):
            return [from_code(c, t.elem) for c in iter_bits(d)]
        assert isinstance(t, SeqType)
        return [from_code(c, t.elem) for c in t.items(d)]

    def _Op(self, e: ir.Op, env, state):
        op = e.op
        if op == "and":
            return bool(self.eval(e.args[0], env, state)) and bool(self.eval(e.args[1], env, state))
        if op == "or":
            return bool(self.eval(e.args[0], env, state)) or bool(self.eval(e.args[1], env, state))
        if op == "implies":
            return (not self.eval(e.args[0], env, state)) or bool(self.eval(e.args[1], env, state))
        if op == "ite":
            c = self.eval(e.args[0], env, state)
            return self.eval(e.args[1] if c else e.args[2], env, state)
        a = [self.eval(x, env, state) for x in e.args]
        try:
            return getattr(self, "op_" + op)(e, *a)
        except ModelError as exc:
            if exc.span is None:
                exc.span = e.span
            raise

    # arithmetic
    def op_add(self, e, a, b): return a + b
    def op_sub(self, e, a, b): return a - b
    def op_mul(self, e, a, b): return a * b
    def op_div(self, e, a, b): return tdiv(a, b)
    def op_mod(self, e, a, b): return tmod(a, b)
    def op_floordiv(self, e, a, b): return floordiv(a, b)
    def op_floormod(self, e, a, b): return floormod(a, b)
    def op_pow(self, e, a, b): return a ** b
    def op_neg(self, e, a): return -a

    def op_fmul(self, e, a, b):
        mode, scale = e.extra
        return round_div(a * b, scale, mode)

    def op_fdiv(self, e, a, b):
        mode, scale = e.extra
        if b == 0:
            raise ModelError("division", f"division by zero (div({a}, 0))")
        return round_div(a * scale, b, mode)

    def op_rescale(self, e, a):
        mode, src, dst = e.extra
        if dst >= src:
            return a * 10 ** (dst - src)
        return round_div(a, 10 ** (src - dst), mode)
    def op_abs(self, e, a): return abs(a)
    def op_minof(self, e, *a): return min(a)
    def op_maxof(self, e, *a): return max(a)

    # comparison and logic
    def op_eq(self, e, a, b): return a == b
    def op_ne(self, e, a, b): return a != b
    def op_lt(self, e, a, b): return a < b
    def op_le(self, e, a, b): return a <= b
    def op_gt(self, e, a, b): return a > b
    def op_ge(self, e, a, b): return a >= b
    def op_not(self, e, a): return not a

    # sets
    def op_in(self, e, a, s):
        t = e.args[1].type.elem
        if isinstance(t, IntType) and not t.lo <= a <= t.hi:
            return False
        return bool((s >> to_code(a, t)) & 1)

    def op_union(self, e, a, b): return a | b
    def op_inter(self, e, a, b): return a & b
    def op_diff(self, e, a, b): return a & ~b
    def op_subset(self, e, a, b): return a & ~b == 0
    def op_card(self, e, a): return a.bit_count()

    def op_setlit(self, e, *xs):
        t = e.type.elem
        mask = 0
        for x in xs:
            mask |= 1 << to_code(x, t)
        return mask

    def op_range(self, e, a, b):
        t = e.type.elem
        lo, hi = max(a, t.lo), min(b, t.hi)
        if lo > hi:
            return 0
        return ((1 << (hi - lo + 1)) - 1) << (lo - t.lo)

    # maps, records, unions
    def op_get(self, e, m, k):
        t: MapType = e.args[0].type
        return from_code(t.get(m, self._key_code(k, t.key)), t.value)

    def _key_code(self, k, kt: Type) -> int:
        if isinstance(kt, IntType) and not kt.lo <= k <= kt.hi:
            raise ModelError("range", f"key {k} is outside {kt.show()}")
        return to_code(k, kt)

    def op_field(self, e, r, i=None):
        t: RecordType = e.args[0].type
        i = e.extra
        return from_code(t.unpack(r)[i], t.fields[i][1])

    def op_ufield(self, e, u):
        t: UnionType = e.args[0].type
        info = t.variant_of(u)
        for name, i in e.extra:
            if name == info.name:
                codes = info.payload.unpack(u - info.base)
                return from_code(codes[i], info.payload.fields[i][1])
        raise ModelError("variant", f"{t.show()} value {V.show(t.decode(u))} has no field here "
                         f"(it is a {info.name})")

    def op_is(self, e, u):
        info = e.args[0].type.variant(e.extra)
        return info.base <= u < info.base + info.size

    def op_ctor(self, e, *args):
        info = e.type.variant(e.extra)
        return info.base + info.payload.pack([to_code(a, ft) for a, (_, ft) in zip(args, info.payload.fields)])

    def op_record(self, e, *args):
        t = e.type
        if isinstance(t, MapType):
            w = t.value.bits
            keys = sorted(t.key.codes())
            return sum(to_code(a, t.value) << (k * w) for a, k in zip(args, keys))
        return t.pack([to_code(a, ft) for a, (_, ft) in zip(args, t.fields)])

    # options
    def op_some(self, e, a): return 1 + to_code(a, e.type.elem)
    def op_isnone(self, e, a): return a == 0
    def op_issome(self, e, a): return a != 0

    def op_optget(self, e, a):
        if a == 0:
            raise ModelError("variant", "get(none): the option is empty")
        return from_code(a - 1, e.type)

    # sequences
    def op_seqlit(self, e, *xs):
        t: SeqType = e.type
        return t.pack([to_code(x, t.elem) for x in xs])

    def op_len(self, e, q): return e.args[0].type.length(q)

    def op_seqget(self, e, q, i):
        t: SeqType = e.args[0].type
        items = t.items(q)
        if not 0 <= i < len(items):
            raise ModelError("bounds", f"index {i} is outside a sequence of length {len(items)}")
        return from_code(items[i], t.elem)

    def op_seqin(self, e, a, q):
        t: SeqType = e.args[1].type
        if isinstance(t.elem, IntType) and not t.elem.lo <= a <= t.elem.hi:
            return False
        return to_code(a, t.elem) in t.items(q)

    def op_append(self, e, q, x):
        t: SeqType = e.type
        items = t.items(q)
        if len(items) >= t.capacity:
            raise ModelError("capacity", f"append to a full sequence (capacity {t.capacity})")
        return t.pack(items + [to_code(x, t.elem)])

    def op_head(self, e, q):
        t = e.args[0].type
        items = t.items(q)
        if not items:
            raise ModelError("bounds", "head of an empty sequence")
        return from_code(items[0], t.elem)

    def op_last(self, e, q):
        t = e.args[0].type
        items = t.items(q)
        if not items:
            raise ModelError("bounds", "last of an empty sequence")
        return from_code(items[-1], t.elem)

    def _cut(self, e, q, n, what):
        t = e.args[0].type
        items = t.items(q)
        if not 0 <= n <= len(items):
            raise ModelError("bounds", f"{what}(q, {n}) of a sequence of length {len(items)}")
        return t, items

    def op_take(self, e, q, n):
        t, items = self._cut(e, q, n, "take")
        return t.pack(items[:n])

    def op_drop(self, e, q, n):
        t, items = self._cut(e, q, n, "drop")
        return t.pack(items[n:])

    def op_tail(self, e, q):
        t = e.args[0].type
        items = t.items(q)
        if not items:
            raise ModelError("bounds", "tail of an empty sequence")
        return t.pack(items[1:])

    def op_concat(self, e, a, b):
        ta, tb, t = e.args[0].type, e.args[1].type, e.type
        return t.pack(ta.items(a) + tb.items(b))

    # conversions
    def op_narrow(self, e, a):
        t: IntType = e.type
        if not t.lo <= a <= t.hi:
            shown = V.show(V.Fixed(a, t.decimals)) if t.decimals else a
            raise ModelError("range", f"{shown} is outside {t.show()}")
        return a

    def op_convert(self, e, a):
        src, dst = e.args[0].type, e.type
        plain = ir.decode_value(src, a)
        try:
            return ir.encode_value(dst, plain)
        except V.EncodeError as exc:
            raise ModelError("range", f"{V.show(plain)} does not fit {dst.show()}: {exc}") from None

    # ---- statements ------------------------------------------------------------

    def run_block(self, stmts: list[ir.Stmt], state: list, env: dict):
        """Every way through stmts: (branches, failures).

        branches are the runs that reach the end, each (state, env, choices); failures are
        the ModelErrors of the runs that raised one, each remembering that run's choices
        (`.choices`). A run that fails ends there and the others go on: every way through
        the `choose`s is a transition of its own, as the language reference says.
        """
        failures: list[ModelError] = []
        branches = list(self._run(stmts, list(state), dict(env), (), failures))  # fills failures
        return branches, failures

    def exec_block(self, stmts: list[ir.Stmt], state: list, env: dict):
        """The branches of run_block; raises the first failure, after running every branch.

        For callers to whom any failing branch is the answer (a run-time error is reachable);
        callers that need the other branches too use run_block.
        """
        branches, failures = self.run_block(stmts, state, env)
        if failures:
            raise failures[0]
        return branches

    def _exec_branch(self, s: ir.Stmt, state, env, choices, failures):
        """exec_stmt on one run; a ModelError ends the run and is kept with its choices."""
        if self._tick is not None:
            self._tick()
        if self._cover is not None:
            self._cover.reached(s)
        try:
            return self.exec_stmt(s, state, env, choices, failures)
        except ModelError as exc:
            if getattr(exc, "choices", None) is None:
                exc.choices = choices
            failures.append(exc)
            return []

    def exec_stmt(self, s: ir.Stmt, state, env, choices, failures):
        if isinstance(s, ir.Assign):
            st = list(state)
            try:
                st[s.var.index] = self._store(s, state, env)
            except ModelError as exc:
                if exc.kind == "range" and not exc.message.startswith(("storing", "key ")):
                    exc.message = f"storing into {_target(s, env, state, self)}: {exc.message}"
                    exc.args = (exc.message,)
                if exc.span is None:  # a bad index in the target itself: point at the assignment
                    exc.span = s.span
                raise
            if self._cover is not None:
                self._cover.assigned(s, st[s.var.index] != state[s.var.index])
            return [(st, env, choices)]
        if isinstance(s, ir.LetS):
            en = dict(env)
            en[s.sym.id] = self.eval(s.value, env, state)
            return [(state, en, choices)]
        if isinstance(s, ir.Require):
            ok = bool(self.eval(s.cond, env, state))
            if self._cover is not None:
                self._cover.branch(s, ok)
            return [(state, env, choices)] if ok else []
        if isinstance(s, ir.Assert):
            ok = bool(self.eval(s.cond, env, state))
            if self._cover is not None:
                self._cover.branch(s, ok)
            if not ok:
                exc = ModelError("assert", s.message or "assertion failed")
                exc.span = s.span
                raise exc
            return [(state, env, choices)]
        if isinstance(s, ir.If):
            c = bool(self.eval(s.cond, env, state))
            if self._cover is not None:
                self._cover.branch(s, c)
            body = s.then if c else s.orelse
            return ((st, _restrict(en, env), ch) for st, en, ch in self._run(body, state, env, choices, failures))
        if isinstance(s, ir.For):
            values = list(self.elements(s.domain, env, state))
            if self._cover is not None:
                self._cover.counted(s, len(values))

            def iteration(i, st, en, ch):
                inner = dict(en)
                inner[s.sym.id] = values[i]
                return ((st2, _restrict(en2, en), ch2) for st2, en2, ch2 in self._run(s.body, st, inner, ch, failures))
            return _depth_first(len(values), iteration, state, env, choices)
        if isinstance(s, ir.Choose):
            out = []
            for v in self.elements(s.domain, env, state):
                en = dict(env)
                en[s.sym.id] = v
                out.append((state, en, choices + ((s.sym.name, ir.decode_value(s.sym.type, v)),)))
            if self._cover is not None:
                self._cover.counted(s, len(out))
            return out
        raise AssertionError(s)

    def _run(self, stmts, state, env, choices, failures):
        return _depth_first(len(stmts), lambda i, st, en, ch: self._exec_branch(stmts[i], st, en, ch, failures),
                            state, env, choices)

    def _store(self, s: ir.Assign, state, env) -> int:
        value = self.eval(s.value, env, state)
        keys = [self.eval(p.arg, env, state) if isinstance(p.arg, ir.Expr) else p.arg for p in s.path]

        def put(code: int, t: Type, steps, ks) -> int:
            if not steps:
                return to_code(value, t)
            step, k = steps[0], ks[0]
            if step.kind == "get":
                slot = self._key_code(k, t.key)
                w = t.value.bits
                inner = put(t.get(code, slot), t.value, steps[1:], ks[1:])
                return (code & ~(((1 << w) - 1) << (slot * w))) | (inner << (slot * w))
            if step.kind == "field":
                parts = t.unpack(code)
                parts[k] = put(parts[k], t.fields[k][1], steps[1:], ks[1:])
                return t.pack(parts)
            items = t.items(code)
            if not 0 <= k < len(items):
                raise ModelError("bounds", f"index {k} is outside a sequence of length {len(items)}")
            items[k] = put(items[k], t.elem, steps[1:], ks[1:])
            return t.pack(items)

        return put(state[s.var.index], s.var.type, s.path, keys)

    # ---- the model ---------------------------------------------------------------

    def init_outcomes(self, tick=None) -> tuple[list[list[int]], list[ModelError]]:
        """(the initial states, without repeats; the failures of the ways through init that fail).

        `tick()`, if given, is called once per statement executed on a branch, so that an
        engine's time limit and progress hold in a long enumeration (it may raise to stop it).
        """
        self._tick = tick
        try:
            branches, failures = self.run_block(self.model.init, [0] * len(self.model.vars), {})
        finally:
            self._tick = None
        states = _unique([st for st, _, _ in branches])
        if self.model.constraints:   # an initial state failing a state constraint is dropped
            states = [st for st in states if self.constrained(st)]
        return states, failures

    def constrained(self, state: list[int]) -> bool:
        """Whether the state satisfies every state constraint: it is kept and expanded (a constraint
        that cannot be evaluated in it is false, see `ir.ConstraintIR`)."""
        for c in self.model.constraints:
            try:
                if not self.eval(c.cond, {}, state):
                    return False
            except ModelError:
                return False
        return True

    def init_states(self, tick=None) -> list[list[int]]:
        """The initial states; raises the first failure of init (see init_outcomes)."""
        states, failures = self.init_outcomes(tick)
        if failures:
            raise failures[0]
        return states

    def param_values(self, action: ir.ActionIR):
        """Every assignment of values to the action's parameters, in canonical order."""
        doms = [[from_code(c, p.type) for c in p.type.codes()] for p in action.params]
        for combo in itertools.product(*doms):
            yield {p.id: v for p, v in zip(action.params, combo)}

    def successors(self, action: ir.ActionIR, state: list[int]):
        """(parameters, choices, next state or the ModelError of a failing run), every run of every instance."""
        out = []
        for env in self.param_values(action):
            branches, failures = self.run_block(action.body, state, env)
            out += [(env, ch, st) for st, _, ch in branches]
            out += [(env, exc.choices, exc) for exc in failures]
        return out

    def step_property_holds(self, sp: ir.StepPropertyIR, before: list[int], after: list[int]) -> bool:
        """Whether the step from `before` to `after` satisfies the step property; a stuttering step
        (no variable changes) does, as in TLA+'s [][A]_vars. Raises ModelError as an invariant does."""
        if list(before) == list(after):
            return True
        self._after = after
        try:
            return bool(self.eval(sp.cond, {}, before))
        finally:
            self._after = None

    def invariant_holds(self, inv: ir.InvariantIR, state: list[int]) -> bool:
        return bool(self.eval(inv.cond, {}, state))


def _target(s: ir.Assign, env, state, interp) -> str:
    """The assigned location as text, with the keys of this run: cash[alice].amount."""
    text = s.var.name
    t = s.var.type
    for step in s.path:
        if step.kind == "field":
            text += f".{t.fields[step.arg][0]}"
            t = t.fields[step.arg][1]
            continue
        try:
            k = interp.eval(step.arg, env, state)
            shown = V.show(ir.decode_value(step.arg.type, k))
        except ModelError:
            shown = "..."
        text += f"[{shown}]"
        t = t.value if step.kind == "get" else t.elem
    return text


def _depth_first(n: int, step, state, env, choices):
    """The runs through n steps, lazily; step(i, state, env, choices) gives (lazily) the runs that
    step i continues in.

    Each run goes to its end before the next starts (a stack of iterators, not recursion), so the
    runs, and the failures that the steps record as they go, come in the order of the choices, in
    loops and nested blocks too: the compiled code's order, on which the engines agree for "the
    first failure"."""
    if n == 0:
        yield state, env, choices
        return
    stack = [(0, iter(step(0, state, env, choices)))]
    while stack:
        i, runs = stack[-1]
        run = next(runs, None)
        if run is None:
            stack.pop()
        elif i + 1 == n:
            yield run
        else:
            stack.append((i + 1, iter(step(i + 1, *run))))


def _restrict(env: dict, outer: dict) -> dict:
    """Locals bound inside a block go out of scope at its end."""
    return {k: v for k, v in env.items() if k in outer}


def _unique(states):
    seen, out = set(), []
    for s in states:
        t = tuple(s)
        if t not in seen:
            seen.add(t)
            out.append(s)
    return out
