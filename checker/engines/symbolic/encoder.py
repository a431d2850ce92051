"""The one encoder of the IR into z3, used by BMC, k-induction and the CHC proof.

It is a symbolic version of the reference interpreter (`spec/interp.py`),
one method per construct, and must agree with it exactly:

- an expression evaluates to a symbolic value (`values`); every run-time
  error it can raise (range, division by zero, bounds, capacity, `get(none)`,
  another variant's field, min/max of nothing) becomes a condition appended
  to `errors`, guarded by the condition under which the expression is
  evaluated at all (`and`, `or`, `implies`, `if`, `match` and the
  short-circuit of `forall`/`exists` decide that, as in the interpreter);
- statements run in SSA form over a `Path`: the path condition (every
  `require` so far, and the branch taken), the store (one value per state
  variable) and the locals; `if` and `for` merge their branches with `ite`;
- `choose x in S` is a new z3 constant constrained to be in S, so every
  choice is one model of the formula; an empty S disables the path, as it
  leaves the interpreter with no branch;
- an action's parameters are new z3 constants ranging over their types.

An action instance errs when some alive path reaches an error, exactly when
the interpreter raises for it: that is a violation of `runtime`. A construct
it cannot encode raises `EncodeError` (E5xx) with its source location.
"""

from __future__ import annotations

import functools
import itertools
from dataclasses import dataclass, field

import z3

from spec import ir
from spec import values as V
from spec.runtime import floordiv, floormod, from_code, round_div, tdiv, tmod, to_code
from spec.types import IntType, MapType, OptionType, RecordType, SeqType, SetType, Type, UnionType

from checker.engines.symbolic import values as SV
from checker.engines.symbolic.values import FALSE, TRUE, EncodeError, MapV, Opt, Rec, SeqV, SetV, Union, add, check_type, codes, default, eq, eq_code, fresh, implies, ival, known_code, le, lit, lt, lt_len, member_bits, mk_and, mk_ite, mk_not, mk_or, mul, neg, num, seq_item, select, sub

MAX_ROWS = 100_000       # most cases a quantifier or a loop may expand to
MAX_POW_CASES = 64       # most exponents a symbolic exponent may take


@dataclass
class Path:
    """Where a run of statements is: alive condition, store (per variable), locals."""

    pc: z3.BoolRef
    store: list
    env: dict


@dataclass
class Choice:
    name: str            # the `choose` variable's name, as the interpreter records it
    type: Type
    value: object        # its z3 value
    taken: z3.BoolRef    # the path reached this `choose` (and its domain held the value)


@dataclass
class ActionEnc:
    """One action from one state: parameters, choices, when it fires, when it errs, the next store."""

    action: ir.ActionIR
    params: dict                     # LocalSym.id -> value
    param_list: list                 # (LocalSym, value)
    choices: list[Choice]
    pc: z3.BoolRef                   # some path is alive at the end (all its requires held)
    err: z3.BoolRef                  # some alive path reaches a run-time error
    store: list
    wf: z3.BoolRef                   # the parameters are values of their types
    fresh: list = field(default_factory=list)   # every z3 constant made for it (to quantify over)
    index: int = 0                   # the action's index in the model
    grounded: bool = False           # its parameters are constants

    @property
    def fires(self) -> z3.BoolRef:
        """The action produces a next state (no error)."""
        return mk_and(self.wf, self.pc, mk_not(self.err))

    @property
    def live(self) -> z3.BoolRef:
        """The action produces a next state or an error: the state is not a deadlock because of it."""
        return mk_and(self.wf, mk_or(mk_and(self.pc, mk_not(self.err)), self.err))


def in_domain(method):
    """Runs an Encoder method with its integer domain (Ints or bit-vectors) in force."""
    @functools.wraps(method)
    def wrapper(self, *args, **kwargs):
        with SV.domain(self.bv):
            return method(self, *args, **kwargs)
    return wrapper


class Encoder:
    """Symbolic evaluation of one checked model; `consts` are the symbolic constants' values.

    bv=True encodes integers as bit-vectors (for BMC and k-induction), else as Ints (for Spacer).
    """

    def __init__(self, model: ir.CheckedModel, prefix: str = "", bv: bool = False):
        self.model = model
        self.prefix = prefix
        self.bv = bv
        with SV.domain(bv):
            self._declare()

    def _declare(self) -> None:
        model = self.model
        prefix = self.prefix
        for v in model.vars:
            check_type(v.type, v.span, f"variable '{v.name}'")
        for a in model.actions:
            for p in a.params:
                check_type(p.type, p.span, f"parameter '{p.name}' of {a.name}")
        self.consts = {}
        for c in model.symbolic_consts():
            check_type(c.type, c.span, f"constant '{c.name}'")
            self.consts[c.name] = fresh(c.type, f"{prefix}const.{c.name}")
        self.errors: list = []
        self.after: list | None = None   # the state after the step, while a step property is encoded
        self.choices: list[Choice] = []
        self.made: list = []
        self.tag = ""
        self._n = itertools.count()

    # ---- constants ------------------------------------------------------------------------

    @in_domain
    def const_constraints(self) -> z3.BoolRef:
        """The symbolic constants are values of their types and satisfy every `assume` on them."""
        parts = [SV.wf(self.consts[c.name], c.type) for c in self.model.symbolic_consts()]
        for a in self.model.assumptions:
            value, err = self.evaluate(a.cond, None)
            parts.append(mk_and(mk_not(err), value))
        return mk_and(*parts)

    def const_atoms(self) -> list:
        return [x for c in self.model.symbolic_consts() for x in SV.atoms(self.consts[c.name], c.type)]

    # ---- states ------------------------------------------------------------------------------

    @in_domain
    def fresh_state(self, name: str) -> list:
        return [fresh(v.type, f"{self.prefix}{v.name}@{name}") for v in self.model.vars]

    @in_domain
    def state_wf(self, store: list) -> z3.BoolRef:
        return mk_and(*(SV.wf(x, v.type) for x, v in zip(store, self.model.vars)))

    def state_atoms(self, store: list) -> list:
        return [a for x, v in zip(store, self.model.vars) for a in SV.atoms(x, v.type)]

    def state_from_atoms(self, atoms) -> list:
        it = iter(atoms)
        return [SV.rebuild(v.type, it) for v in self.model.vars]

    @in_domain
    def same_state(self, a: list, b: list) -> z3.BoolRef:
        """Term-by-term equality: the next-state variables are these terms."""
        return mk_and(*(SV.same_atoms(x, y, v.type) for x, y, v in zip(a, b, self.model.vars)))

    @in_domain
    def equal_states(self, a: list, b: list) -> z3.BoolRef:
        """The two states hold the same values."""
        return mk_and(*(eq(x, y, v.type) for x, y, v in zip(a, b, self.model.vars)))

    # ---- entry points -----------------------------------------------------------------------

    @in_domain
    def evaluate(self, e: ir.Expr, store: list | None, env: dict | None = None):
        """(value, error condition) of an expression in a state."""
        saved = self.errors
        self.errors = []
        try:
            value = self.ev(e, env or {}, store, TRUE)
            return value, mk_or(*self.errors)
        finally:
            self.errors = saved

    def invariant(self, inv: ir.InvariantIR, store: list) -> z3.BoolRef:
        """The invariant holds (its evaluation raises nothing and it is true)."""
        value, err = self.evaluate(inv.cond, store)
        return mk_and(mk_not(err), value)

    def step_property(self, sp: ir.StepPropertyIR, before: list, after: list) -> z3.BoolRef:
        """The step from `before` to `after` satisfies the step property (as an invariant holds);
        stuttering is the caller's business (`System.step_offends`)."""
        self.after = after
        try:
            value, err = self.evaluate(sp.cond, before)
        finally:
            self.after = None
        return mk_and(mk_not(err), value)

    @in_domain
    def init(self, tag: str) -> ActionEnc:
        """The init block from the all-zero state, as the interpreter runs it."""
        zero = [default(v.type) for v in self.model.vars]
        pseudo = ir.ActionIR("init", [], self.model.init, self.model.span)
        return self._run(pseudo, zero, tag, {}, [], TRUE)

    @in_domain
    def action(self, action: ir.ActionIR, store: list, tag: str, params: dict | None = None) -> ActionEnc:
        """The action from a state; parameters new constants, or the given values (LocalSym.id -> value)."""
        if params is None:
            plist = [(p, fresh(p.type, f"{self.prefix}{action.name}.{p.name}@{tag}")) for p in action.params]
        else:
            plist = [(p, params[p.id]) for p in action.params]
        wf = mk_and(*(SV.wf(v, p.type) for p, v in plist))
        enc = self._run(action, store, tag, {p.id: v for p, v in plist}, plist, wf)
        if params is None:
            enc.fresh = [a for p, v in plist for a in SV.atoms(v, p.type)] + enc.fresh
        return enc

    def _run(self, action, store, tag, env, plist, wf) -> ActionEnc:
        saved = self.errors, self.choices, self.made, self.tag
        self.errors, self.choices, self.made, self.tag = [], [], [], tag
        try:
            path = self.exec_block(action.body, Path(wf, list(store), dict(env)), action.name)
            return ActionEnc(action, env, plist, self.choices, path.pc, mk_or(*self.errors), path.store, wf,
                             list(self.made))
        finally:
            self.errors, self.choices, self.made, self.tag = saved

    # ---- statements ---------------------------------------------------------------------------

    def exec_block(self, stmts, path: Path, where: str) -> Path:
        for s in stmts:
            if z3.is_false(path.pc):
                break
            try:
                path = self.exec_stmt(s, path, where)
            except EncodeError as exc:
                raise _located(exc, s.span) from None
        return path

    def exec_stmt(self, s: ir.Stmt, path: Path, where: str) -> Path:
        method = getattr(self, "_s_" + type(s).__name__, None)
        if method is None:
            raise EncodeError("E510", f"the symbolic engines cannot encode the statement "
                              f"'{type(s).__name__}' yet", s.span, "use the explicit engine for this model")
        return method(s, path, where)

    def _s_Assign(self, s: ir.Assign, path: Path, where) -> Path:
        g = path.pc
        value = self.ev(s.value, path.env, path.store, g)
        keys = [self.ev(p.arg, path.env, path.store, g) if isinstance(p.arg, ir.Expr) else p.arg for p in s.path]
        store = list(path.store)
        leaf = s.path[-1].type if s.path else s.var.type
        if isinstance(leaf, IntType):  # in range whenever no error: cut to the location's width
            value = SV.fit(value, leaf.lo, leaf.hi)
        store[s.var.index] = self._put(store[s.var.index], s.var.type, s.path, keys, value, g)
        return Path(path.pc, store, path.env)

    def _put(self, cur, t: Type, steps, keys, value, g):
        if not steps:
            return value
        step, k = steps[0], keys[0]
        if step.kind == "field":
            fields = list(cur.fields)
            fields[k] = self._put(fields[k], t.fields[k][1], steps[1:], keys[1:], value, g)
            return Rec(tuple(fields))
        if step.kind == "get":
            self._key_check(k, t.key, g)
            kcodes = codes(t.key)
            c = known_code(k, t.key)
            vals = list(cur.vals)
            if c is not None:
                i = kcodes.index(c)
                vals[i] = self._put(vals[i], t.value, steps[1:], keys[1:], value, g)
                return MapV(tuple(vals))
            inner = self._put(select(cur.vals, kcodes, k, t.key, t.value), t.value, steps[1:], keys[1:], value, g)
            return MapV(tuple(SV.ite(eq_code(k, t.key, kc), inner, v, t.value) for v, kc in zip(vals, kcodes)))
        # a sequence index
        self.fail(g, mk_not(_in_len(k, cur.length)))
        inner = self._put(seq_item(cur, k, t), t.elem, steps[1:], keys[1:], value, g)
        n = num(k)
        items = tuple((inner if n == j else x) if n is not None else SV.ite(SV.eq_term(k, ival(j)), inner, x, t.elem)
                      for j, x in enumerate(cur.items))
        return SeqV(cur.length, items)

    def _key_check(self, k, kt: Type, g) -> None:
        if isinstance(kt, IntType):
            self.fail(g, mk_not(SV.in_range(k, kt)))

    def _s_LetS(self, s: ir.LetS, path: Path, where) -> Path:
        env = dict(path.env)
        env[s.sym.id] = self.ev(s.value, path.env, path.store, path.pc)
        return Path(path.pc, path.store, env)

    def _s_Require(self, s: ir.Require, path: Path, where) -> Path:
        c = self.ev(s.cond, path.env, path.store, path.pc)
        return Path(mk_and(path.pc, c), path.store, path.env)

    def _s_Assert(self, s: ir.Assert, path: Path, where) -> Path:
        c = self.ev(s.cond, path.env, path.store, path.pc)
        self.fail(path.pc, mk_not(c))
        return path

    def _s_If(self, s: ir.If, path: Path, where) -> Path:
        c = self.ev(s.cond, path.env, path.store, path.pc)
        then = self.exec_block(s.then, Path(mk_and(path.pc, c), path.store, path.env), where)
        orelse = self.exec_block(s.orelse, Path(mk_and(path.pc, mk_not(c)), path.store, path.env), where)
        store = [SV.ite(c, a, b, v.type) for a, b, v in zip(then.store, orelse.store, self.model.vars)]
        return Path(mk_or(then.pc, orelse.pc), store, path.env)

    def _s_For(self, s: ir.For, path: Path, where) -> Path:
        dom = self.ev(s.domain, path.env, path.store, path.pc)
        pc, store = path.pc, path.store
        for value, present in self.elements(dom, s.domain.type):
            if z3.is_false(present):
                continue
            env = dict(path.env)
            env[s.sym.id] = value
            body = self.exec_block(s.body, Path(mk_and(pc, present), store, env), where)
            store = [SV.ite(present, a, b, v.type) for a, b, v in zip(body.store, store, self.model.vars)]
            pc = mk_or(body.pc, mk_and(pc, mk_not(present)))
        return Path(pc, store, path.env)

    def _s_Choose(self, s: ir.Choose, path: Path, where) -> Path:
        dom = self.ev(s.domain, path.env, path.store, path.pc)
        t = s.sym.type
        check_type(t, s.span, f"the choice '{s.sym.name}'")
        x = fresh(t, f"{self.prefix}{where}.{s.sym.name}#{next(self._n)}@{self.tag}")
        self.made.extend(SV.atoms(x, t))
        dt = s.domain.type
        if isinstance(dt, SetType):
            inside = member_bits(x, dt.elem, dom.bits)
        else:
            inside = mk_or(*(mk_and(lt_len(i, dom.length), eq(x, item, dt.elem)) for i, item in enumerate(dom.items)))
        pc = mk_and(path.pc, SV.wf(x, t), inside)
        self.choices.append(Choice(s.sym.name, t, x, pc))
        env = dict(path.env)
        env[s.sym.id] = x
        return Path(pc, path.store, env)

    # ---- expressions ---------------------------------------------------------------------------

    def fail(self, g, cond) -> None:
        """A run-time error happens when g (this is evaluated) and cond."""
        c = mk_and(g, cond)
        if not z3.is_false(c):
            self.errors.append(c)

    def ev(self, e: ir.Expr, env: dict, st, g):
        method = getattr(self, "_" + type(e).__name__, None)
        if method is None:
            raise EncodeError("E510", f"the symbolic engines cannot encode the expression "
                              f"'{type(e).__name__}' yet", e.span, "use the explicit engine for this model")
        try:
            return _widened(method(e, env, st, g), e.type)
        except EncodeError as exc:
            raise _located(exc, e.span) from None

    def _Lit(self, e, env, st, g):
        return lit(e.type, e.value)

    def _SymConst(self, e, env, st, g):
        return self.consts[e.const.name]

    def _Local(self, e, env, st, g):
        return env[e.sym.id]

    def _VarRef(self, e, env, st, g):
        if st is None:
            raise EncodeError("E510", "this constant expression reads the state", e.span)
        return st[e.var.index]

    def _NextRef(self, e, env, st, g):
        if self.after is None:
            raise EncodeError("E510", "x' is only read in a step property", e.span)
        return self.after[e.var.index]

    def _Call(self, e, env, st, g):
        args = [self.ev(a, env, st, g) for a in e.args]
        inner = dict(env)
        for p, a in zip(e.fn.params, args):
            inner[p.id] = a
        return self.ev(e.fn.body, inner, st, g)

    def _LetIn(self, e: ir.LetIn, env, st, g):
        inner = dict(env)
        inner[e.sym.id] = self.ev(e.value, env, st, g)
        return self.ev(e.body, inner, st, g)

    def _Match(self, e: ir.Match, env, st, g):
        v = self.ev(e.subject, env, st, g)
        t = e.subject.type
        before = FALSE
        results = []
        for arm in e.arms:
            cond, binds = self._arm(t, v, arm)
            first = mk_and(cond, mk_not(before))
            inner = dict(env)
            inner.update(binds)
            results.append((first, self.ev(arm.body, inner, st, mk_and(g, first))))
            before = mk_or(before, cond)
        out = results[-1][1]
        for first, body in reversed(results[:-1]):
            out = SV.ite(first, body, out, e.type)
        return out

    def _arm(self, t: Type, v, arm: ir.MatchArm):
        if arm.pattern is None:
            return TRUE, {}
        if isinstance(t, OptionType):
            if arm.pattern == "none":
                return mk_not(v.some), {}
            return v.some, {arm.locals[0].id: v.value}
        idx = _variant_index(t, arm.pattern)
        info = t.infos[idx]
        binds = {}
        if info.payload is not None and arm.locals:
            for sym, x in zip(arm.locals, v.payloads[idx].fields):
                binds[sym.id] = x
        return SV.eq_term(v.tag, ival(idx)), binds

    # -- quantifiers and comprehensions

    def elements(self, dom, t: Type):
        """(value, present) for every candidate element of a set or sequence value, in order."""
        if isinstance(t, SetType):
            return [(SV.from_code(t.elem, c), b) for c, b in zip(codes(t.elem), dom.bits)]
        assert isinstance(t, SeqType)
        return [(x, lt_len(i, dom.length)) for i, x in enumerate(dom.items)]

    def _rows(self, binders, env, st, g):
        rows = [(dict(env), TRUE)]
        for b in binders:
            nxt = []
            for env_r, present in rows:
                dom = self.ev(b.domain, env_r, st, mk_and(g, present))
                for value, p in self.elements(dom, b.domain.type):
                    here = mk_and(present, p)
                    if z3.is_false(here):
                        continue
                    inner = dict(env_r)
                    inner[b.sym.id] = value
                    nxt.append((inner, here))
            rows = nxt
            if len(rows) > MAX_ROWS:
                raise EncodeError("E512", f"this expands into more than {MAX_ROWS:,} cases for the symbolic "
                                  "engines", None, "range over smaller sets")
        return rows

    def _Quant(self, e: ir.Quant, env, st, g):
        rows = self._rows(e.binders, env, st, g)
        active = []
        for env_r, present in rows:
            if e.cond is not None:
                active.append(mk_and(present, self.ev(e.cond, env_r, st, mk_and(g, present))))
            else:
                active.append(present)
        kind = e.kind
        if kind == "forall":
            holds = TRUE
            for (env_r, _), act in zip(rows, active):
                body = self.ev(e.body, env_r, st, mk_and(g, act, holds))
                holds = mk_and(holds, implies(act, body))
            return holds
        if kind == "exists":
            found = FALSE
            for (env_r, _), act in zip(rows, active):
                body = self.ev(e.body, env_r, st, mk_and(g, act, mk_not(found)))
                found = mk_or(found, mk_and(act, body))
            return found
        bodies = [self.ev(e.body, env_r, st, mk_and(g, act)) for (env_r, _), act in zip(rows, active)]
        if kind == "sum":
            terms = [mk_ite(act, b, ival(0)) for act, b in zip(active, bodies) if not z3.is_false(act)]
            return _sum(terms)
        if kind == "count":
            return _sum([mk_ite(mk_and(act, b), ival(1), ival(0)) for act, b in zip(active, bodies)])
        if kind in ("min", "max"):
            best, seen = ival(e.type.lo), FALSE
            for act, b in zip(active, bodies):
                better = lt(b, best) if kind == "min" else lt(best, b)
                best = mk_ite(mk_and(act, mk_or(mk_not(seen), better)), b, best)
                seen = mk_or(seen, act)
            self.fail(g, mk_not(seen))
            return best
        if kind == "the":
            return self._the(e, active, bodies, g)
        if kind == "set":
            t = e.type.elem
            check_type(e.type, e.span, "this set")
            idx = SV.index_of_code(t)
            bits = [FALSE] * len(idx)
            for act, b in zip(active, bodies):
                c = known_code(b, t)
                if c is not None:
                    bits[idx[c]] = mk_or(bits[idx[c]], act)
                else:
                    for i, code in enumerate(codes(t)):
                        bits[i] = mk_or(bits[i], mk_and(act, eq_code(b, t, code)))
            return SetV(tuple(bits))
        if kind == "map":
            t: MapType = e.type
            check_type(t, e.span, "this map")
            by_key = {}
            for (env_r, _), b in zip(rows, bodies):
                c = known_code(env_r[e.binders[0].sym.id], t.key)
                by_key.setdefault(c, b)
            return MapV(tuple(by_key.get(c, default(t.value)) for c in codes(t.key)))
        raise EncodeError("E510", f"the symbolic engines cannot encode the quantifier '{kind}' yet", e.span)

    def _the(self, e: ir.Quant, active, bodies, g):
        """`the x in S: P`: the element whose row is active (in S and satisfying P); a run-time error
        when no row or two rows are active."""
        out, seen, twice = default(e.type), FALSE, FALSE
        for act, b in zip(active, bodies):
            out = SV.ite(act, b, out, e.type)
            twice = mk_or(twice, mk_and(seen, act))
            seen = mk_or(seen, act)
        self.fail(g, mk_or(mk_not(seen), twice))
        return out

    # -- operators

    def _Op(self, e: ir.Op, env, st, g):
        op = e.op
        if op == "and":
            a = self.ev(e.args[0], env, st, g)
            return mk_and(a, self.ev(e.args[1], env, st, mk_and(g, a)))
        if op == "or":
            a = self.ev(e.args[0], env, st, g)
            return mk_or(a, self.ev(e.args[1], env, st, mk_and(g, mk_not(a))))
        if op == "implies":
            a = self.ev(e.args[0], env, st, g)
            return mk_or(mk_not(a), self.ev(e.args[1], env, st, mk_and(g, a)))
        if op == "ite":
            c = self.ev(e.args[0], env, st, g)
            a = self.ev(e.args[1], env, st, mk_and(g, c))
            b = self.ev(e.args[2], env, st, mk_and(g, mk_not(c)))
            return SV.ite(c, a, b, e.type)
        method = getattr(self, "op_" + op, None)
        if method is None:
            raise EncodeError("E510", f"the symbolic engines cannot encode the operator '{op}' "
                              f"({ir.OPS.get(op, op)}) yet", e.span, "use the explicit engine for this model")
        args = [self.ev(x, env, st, g) for x in e.args]
        return method(e, g, *args)

    # arithmetic
    def op_add(self, e, g, a, b): return add(a, b)
    def op_sub(self, e, g, a, b): return sub(a, b)
    def op_neg(self, e, g, a): return neg(a)
    def op_mul(self, e, g, a, b): return mul(a, b)

    def op_abs(self, e, g, a):
        return mk_ite(le(ival(0), a), a, neg(a))

    def op_div(self, e, g, a, b):
        self.fail(g, SV.eq_term(b, ival(0)))
        return _tdiv(a, b, e.args[0].type)

    def op_mod(self, e, g, a, b):
        self.fail(g, SV.eq_term(b, ival(0)))
        if num(a) is not None and num(b) is not None and num(b) != 0:
            return ival(tmod(num(a), num(b)))
        if z3.is_bv(a) or z3.is_bv(b):
            a, b = SV.align(a, b, extra=1)
            return z3.SRem(a, b)
        return sub(a, mul(b, _tdiv(a, b, e.args[0].type)))

    def op_floordiv(self, e, g, a, b):
        self.fail(g, SV.eq_term(b, ival(0)))
        return _floordiv(a, b, e.args[1].type)

    def op_floormod(self, e, g, a, b):
        self.fail(g, SV.eq_term(b, ival(0)))
        return _floormod(a, b, e.args[1].type)

    def op_pow(self, e, g, a, b):
        nb = num(b)
        if nb is not None:
            return _power(a, nb)
        tb: IntType = e.args[1].type
        if tb.size > MAX_POW_CASES:
            raise EncodeError("E513", f"the exponent takes {tb.size:,} values ({tb.show()}); the symbolic engines "
                              f"need it constant or within {MAX_POW_CASES} values", e.span,
                              "bound the exponent's range")
        out = _power(a, tb.hi)
        for k in range(tb.hi - 1, tb.lo - 1, -1):
            out = mk_ite(SV.eq_term(b, ival(k)), _power(a, k), out)
        return out

    # fixed-point amounts: products and quotients rounded as spec.runtime.round_div does
    def op_fmul(self, e, g, a, b):
        mode, scale = e.extra
        return _round_div(mul(a, b), ival(scale), mode)

    def op_fdiv(self, e, g, a, b):
        mode, scale = e.extra
        self.fail(g, SV.eq_term(b, ival(0)))
        return _round_div(mul(a, ival(scale)), b, mode)

    def op_rescale(self, e, g, a):
        mode, src, dst = e.extra
        if dst >= src:
            return mul(a, ival(10 ** (dst - src)))
        return _round_div(a, ival(10 ** (src - dst)), mode)

    def op_minof(self, e, g, *xs):
        out = xs[0]
        for x in xs[1:]:
            out = mk_ite(lt(x, out), x, out)
        return out

    def op_maxof(self, e, g, *xs):
        out = xs[0]
        for x in xs[1:]:
            out = mk_ite(lt(out, x), x, out)
        return out

    # comparison and logic
    def op_eq(self, e, g, a, b): return eq(a, b, e.args[0].type)
    def op_ne(self, e, g, a, b): return mk_not(eq(a, b, e.args[0].type))
    def op_lt(self, e, g, a, b): return lt(a, b)
    def op_le(self, e, g, a, b): return le(a, b)
    def op_gt(self, e, g, a, b): return lt(b, a)
    def op_ge(self, e, g, a, b): return le(b, a)
    def op_not(self, e, g, a): return mk_not(a)

    # sets
    def op_in(self, e, g, a, s):
        return member_bits(a, e.args[1].type.elem, s.bits)

    def op_union(self, e, g, a, b): return SetV(tuple(mk_or(x, y) for x, y in zip(a.bits, b.bits)))
    def op_inter(self, e, g, a, b): return SetV(tuple(mk_and(x, y) for x, y in zip(a.bits, b.bits)))
    def op_diff(self, e, g, a, b): return SetV(tuple(mk_and(x, mk_not(y)) for x, y in zip(a.bits, b.bits)))
    def op_subset(self, e, g, a, b): return mk_and(*(implies(x, y) for x, y in zip(a.bits, b.bits)))
    def op_card(self, e, g, a): return _sum([mk_ite(x, ival(1), ival(0)) for x in a.bits])

    def op_setlit(self, e, g, *xs):
        t = e.type.elem
        check_type(e.type, e.span, "this set")
        idx = SV.index_of_code(t)
        bits = [FALSE] * len(idx)
        for x in xs:
            c = known_code(x, t)
            if c is not None:
                bits[idx[c]] = TRUE
            else:
                for i, code in enumerate(codes(t)):
                    bits[i] = mk_or(bits[i], eq_code(x, t, code))
        return SetV(tuple(bits))

    def op_range(self, e, g, a, b):
        t: IntType = e.type.elem
        check_type(e.type, e.span, "this range")
        return SetV(tuple(mk_and(le(a, ival(v)), le(ival(v), b)) for v in range(t.lo, t.hi + 1)))

    # maps, records, unions
    def op_get(self, e, g, m, k):
        t: MapType = e.args[0].type
        self._key_check(k, t.key, g)
        return select(m.vals, codes(t.key), k, t.key, t.value)

    def op_field(self, e, g, r):
        return r.fields[e.extra]

    def op_ufield(self, e, g, u):
        t: UnionType = e.args[0].type
        having = [(_variant_index(t, name), i) for name, i in e.extra]
        self.fail(g, mk_not(mk_or(*(SV.eq_term(u.tag, ival(v)) for v, _ in having))))
        out = u.payloads[having[-1][0]].fields[having[-1][1]]
        for v, i in reversed(having[:-1]):
            out = SV.ite(SV.eq_term(u.tag, ival(v)), u.payloads[v].fields[i], out, e.type)
        return out

    def op_is(self, e, g, u):
        return SV.eq_term(u.tag, ival(_variant_index(e.args[0].type, e.extra)))

    def op_ctor(self, e, g, *args):
        t: UnionType = e.type
        idx = _variant_index(t, e.extra)
        pays = tuple((Rec(tuple(args)) if i == idx else default(p)) if p is not None else None
                     for i, (_, p) in enumerate(t.variants))
        return Union(ival(idx), pays)

    def op_record(self, e, g, *args):
        t = e.type
        if isinstance(t, MapType):
            by_code = dict(zip(sorted(codes(t.key)), args))
            return MapV(tuple(by_code[c] for c in codes(t.key)))
        return Rec(tuple(args))

    # options
    def op_none(self, e, g): return Opt(FALSE, default(e.type.elem))
    def op_some(self, e, g, a): return Opt(TRUE, a)
    def op_isnone(self, e, g, a): return mk_not(a.some)
    def op_issome(self, e, g, a): return a.some

    def op_optget(self, e, g, a):
        self.fail(g, mk_not(a.some))
        return a.value

    # sequences
    def op_seqlit(self, e, g, *xs):
        t: SeqType = e.type
        return SeqV(ival(len(xs)), tuple(xs) + tuple(default(t.elem) for _ in range(t.capacity - len(xs))))

    def op_len(self, e, g, q): return q.length

    def op_seqget(self, e, g, q, i):
        self.fail(g, mk_not(_in_len(i, q.length)))
        return seq_item(q, i, e.args[0].type)

    def op_seqin(self, e, g, a, q):
        t: SeqType = e.args[1].type
        return mk_or(*(mk_and(lt_len(i, q.length), eq(a, x, t.elem)) for i, x in enumerate(q.items)))

    def op_append(self, e, g, q, x):
        t: SeqType = e.type
        self.fail(g, le(ival(t.capacity), q.length))
        n = num(q.length)
        items = tuple((x if j == n else y) if n is not None else SV.ite(SV.eq_term(q.length, ival(j)), x, y, t.elem)
                      for j, y in enumerate(q.items))
        return SeqV(add(q.length, ival(1)), items)

    def op_head(self, e, g, q):
        self.fail(g, SV.eq_term(q.length, ival(0)))
        return q.items[0] if q.items else default(e.type)

    def op_last(self, e, g, q):
        self.fail(g, SV.eq_term(q.length, ival(0)))
        return seq_item(q, sub(q.length, ival(1)), e.args[0].type)

    def op_tail(self, e, g, q):
        t: SeqType = e.type
        self.fail(g, SV.eq_term(q.length, ival(0)))
        return SeqV(sub(q.length, ival(1)), tuple(q.items[1:]) + ((default(t.elem),) if q.items else ()))

    def op_take(self, e, g, q, n):
        t: SeqType = e.type
        self.fail(g, mk_not(mk_and(le(ival(0), n), le(n, q.length))))
        return SeqV(n, _fit(q.items, t))

    def op_drop(self, e, g, q, n):
        t: SeqType = e.type
        src: SeqType = e.args[0].type
        self.fail(g, mk_not(mk_and(le(ival(0), n), le(n, q.length))))
        items = tuple(seq_item(q, add(n, ival(j)), src) for j in range(src.capacity))
        return SeqV(sub(q.length, n), _fit(items, t))

    def op_concat(self, e, g, a, b):
        t: SeqType = e.type
        tb: SeqType = e.args[1].type
        items = []
        for j in range(t.capacity):
            from_b = seq_item(b, sub(ival(j), a.length), tb) if tb.capacity else default(t.elem)
            items.append(SV.ite(lt_len(j, a.length), a.items[j], from_b, t.elem) if j < len(a.items) else from_b)
        return SeqV(add(a.length, b.length), tuple(items))

    # conversions
    def op_narrow(self, e, g, a):
        self.fail(g, mk_not(SV.in_range(a, e.type)))
        return a

    def op_convert(self, e, g, a):
        value, ok = convert(a, e.args[0].type, e.type)
        self.fail(g, mk_not(ok))
        return value


# ---- helpers --------------------------------------------------------------------------------

def _located(exc: EncodeError, span):
    d = exc.diagnostics[0]
    if d.span is not None or span is None:
        return exc
    return EncodeError(d.code, d.message, span, d.help)


def _variant_index(t: UnionType, name: str) -> int:
    for i, (n, _) in enumerate(t.variants):
        if n == name:
            return i
    raise KeyError(name)


def _sum(terms):
    return SV.total(terms)


def _in_len(i, length) -> z3.BoolRef:
    if num(i) is not None and num(length) is not None:
        return z3.BoolVal(0 <= num(i) < num(length))
    return mk_and(le(ival(0), i), lt(i, length))


def _tdiv(a, b, ta: IntType):
    """Division truncating toward zero (bit-vector sdiv does; z3's Int division is Euclidean)."""
    na, nb = num(a), num(b)
    if na is not None and nb is not None and nb != 0:
        return ival(tdiv(na, nb))
    if z3.is_bv(a) or z3.is_bv(b):
        a, b = SV.align(a, b, extra=1)
        return a / b
    if ta.lo >= 0:
        return a / b
    return mk_ite(a >= 0, a / b, -((-a) / b))


def _floormod(a, b, tb: IntType):
    """`a mod b`: the remainder of division rounding toward minus infinity, with the sign of b.
    z3's Int `%` is Euclidean (never negative), which is the same for b > 0; on bit-vectors `%` is
    bvsmod, which is this one."""
    na, nb = num(a), num(b)
    if na is not None and nb is not None and nb != 0:
        return ival(floormod(na, nb))
    if z3.is_bv(a) or z3.is_bv(b):
        a, b = SV.align(a, b, extra=1)
        return a % b   # bvsmod: the sign of the divisor
    r = a % b
    if tb.lo > 0:
        return r
    return mk_ite(b > 0, r, mk_ite(r == 0, r, r + b))


def _floordiv(a, b, tb: IntType):
    """`a div b`, rounding toward minus infinity: (a - a mod b) / b, an exact division (so Euclidean
    and truncating division agree on it)."""
    na, nb = num(a), num(b)
    if na is not None and nb is not None and nb != 0:
        return ival(floordiv(na, nb))
    if z3.is_bv(a) or z3.is_bv(b):
        a, b = SV.align(a, b, extra=1)
        return (a - a % b) / b
    if tb.lo > 0:
        return a / b
    q = a / b  # Euclidean: one more than the floor when b < 0 and the division is not exact
    return mk_ite(b > 0, q, mk_ite(a % b == 0, q, q - 1))


def _round_div(n, d, mode: str):
    """n / d rounded down (toward minus infinity), up, or half to even: spec.runtime.round_div."""
    nn, nd = num(n), num(d)
    if nn is not None and nd is not None and nd != 0:
        return ival(round_div(nn, nd, mode))
    if nd is None or nd < 0:  # make the divisor positive
        pos = le(ival(0), d)
        n, d = mk_ite(pos, n, neg(n)), mk_ite(pos, d, neg(d))
    if z3.is_bv(n) or z3.is_bv(d):
        n, d = SV.align(n, d, extra=1)
        t, r = n / d, z3.SRem(n, d)           # truncating
        q = mk_ite(r < 0, t - 1, t)           # floor
        r = mk_ite(r < 0, r + d, r)
    else:
        q = n / d                              # floor for d > 0
        r = sub(n, mul(d, q))
    if mode == "down":
        return q
    zero = SV.eq_term(r, ival(0))
    if mode == "up":
        return mk_ite(zero, q, add(q, ival(1)))
    twice = mul(ival(2), r)
    odd = mk_not(SV.eq_term(_mod2(q), ival(0)))
    up = mk_or(lt(d, twice), mk_and(SV.eq_term(twice, d), odd))
    return mk_ite(up, add(q, ival(1)), q)


def _mod2(q):
    if z3.is_bv(q):
        return z3.Extract(0, 0, q)
    return q % 2


def _power(a, k: int):
    if num(a) is not None:
        return ival(num(a) ** k)
    if k == 0:
        return ival(1)
    out = a
    for _ in range(k - 1):
        out = mul(out, a)
    return out


def _widened(v, t: Type):
    """v as a value of t. The type checker widens an expression to a type it fits in (spec.types.fits:
    the same codes, more of them) without a conversion; a set then has fewer bits than t has codes,
    the bits of the codes it cannot hold, which are absent."""
    if isinstance(v, SetV) and isinstance(t, SetType):
        n = len(SV.index_of_code(t.elem))
        if len(v.bits) < n:
            return SetV(v.bits + (FALSE,) * (n - len(v.bits)))
    return v


def _fit(items, t: SeqType):
    items = tuple(items[:t.capacity])
    return items + tuple(default(t.elem) for _ in range(t.capacity - len(items)))


def convert(a, src: Type, dst: Type):
    """(a as a value of dst, the condition that it fits): the interpreter's `convert`."""
    if src == dst:
        return a, TRUE
    if isinstance(src, IntType) and isinstance(dst, IntType):
        return a, SV.in_range(a, dst)
    if isinstance(src, RecordType) and isinstance(dst, RecordType):
        pairs = [convert(x, st, dt) for x, (_, st), (_, dt) in zip(a.fields, src.fields, dst.fields)]
        return Rec(tuple(v for v, _ in pairs)), mk_and(*(ok for _, ok in pairs))
    if isinstance(src, OptionType):
        v, ok = convert(a.value, src.elem, dst.elem)
        return Opt(a.some, v), implies(a.some, ok)
    if isinstance(src, SetType):
        check_type(dst, None, "a set")
        target = SV.index_of_code(dst.elem)
        bits = [FALSE] * len(target)
        oks = []
        for c, b in zip(codes(src.elem), a.bits):
            d = _recode(c, src.elem, dst.elem)
            if d is None:
                oks.append(mk_not(b))
            else:
                bits[target[d]] = mk_or(bits[target[d]], b)
        return SetV(tuple(bits)), mk_and(*oks)
    if isinstance(src, MapType):
        pairs = [convert(v, src.value, dst.value) for v in a.vals]
        return MapV(tuple(v for v, _ in pairs)), mk_and(*(ok for _, ok in pairs))
    if isinstance(src, SeqType):
        pairs = [convert(v, src.elem, dst.elem) for v in a.items]
        oks = [le(a.length, ival(dst.capacity))] if dst.capacity < src.capacity else []
        oks += [implies(lt_len(i, a.length), ok) for i, (_, ok) in enumerate(pairs)]
        items = [v for v, _ in pairs][:dst.capacity]
        items += [default(dst.elem)] * (dst.capacity - len(items))
        return SeqV(a.length, tuple(items)), mk_and(*oks)
    raise EncodeError("E510", f"the symbolic engines cannot convert {src.show()} to {dst.show()}")


def _recode(code: int, src: Type, dst: Type) -> int | None:
    """The code in dst of the value with this code in src (None when it does not fit)."""
    if isinstance(src, IntType) and isinstance(dst, IntType):
        v = code + src.lo
        return v - dst.lo if dst.lo <= v <= dst.hi else None
    plain = ir.decode_value(src, from_code(code, src))
    try:
        return to_code(ir.encode_value(dst, plain), dst)
    except V.EncodeError:
        return None


__all__ = ["Encoder", "ActionEnc", "Path", "Choice", "convert", "EncodeError"]
