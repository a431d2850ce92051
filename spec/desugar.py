"""Sugar removed before name resolution: processes and channels become plain declarations.

process Replica[n in NODES] { var x: T ... }
    `var x: T` becomes `var x: map[NODES, T]`; inside the process `x` means
    `x[n]`; each action gets a first parameter `n: NODES`; the process's
    `init` runs for every `n`; its invariants hold for every `n`.

channel net: Msg capacity 3 [with loss, duplication, reordering]
    A variable holding the messages in transit: `seq[Msg, 3]` delivered in
    order, or with `reordering` a bag `map[Msg, 0..3]` delivered in any order.
    `send m to net` waits while the channel is full; `receive m from net`
    takes the next message (any message, with reordering) and is disabled on
    an empty channel. `loss` adds the action `lose_net` (any message in
    transit disappears) and `duplication` the action `duplicate_net` (a
    message in transit is delivered twice); both stay within the capacity.
    A `receive m from net` (with reordering) in an action's own body makes
    `m` a parameter of the action, so fairness is per message.

The generated nodes carry the span of the declaration they come from, so
errors still point at the user's source.
"""

from __future__ import annotations

import copy
import dataclasses

from spec import ast
from spec.diagnostics import Collector, Diagnostic, SpecError, suggest
from spec.parser import MAX_NESTING

FAULTS = ("loss", "duplication", "reordering")


# ---- AST builders (every node gets the span of the sugar it comes from) ----------------

class _B:
    def __init__(self, span):
        self.span = span

    def name(self, n):
        return ast.Name(self.span, n)

    def int(self, v):
        return ast.IntLit(self.span, v)

    def bin(self, op, a, b):
        return ast.Binary(self.span, op, a, b)

    def call(self, fn, *args):
        return ast.Call(self.span, fn, self.span, list(args))

    def index(self, base, i):
        return ast.Index(self.span, base, i)

    def total(self, chan: str, elem: str):
        """sum(chan[__m] for __m in Elem)"""
        gen = ast.Generator(self.span, [ast.Binding(self.span, [("__m", self.span)], self.name(elem))], None)
        return ast.Call(self.span, "sum", self.span, [], self.index(self.name(chan), self.name("__m")), gen)

    def require(self, cond):
        return ast.Require(self.span, cond)

    def assign(self, target, value):
        return ast.Assign(self.span, target, value)

    def lname(self, n):
        return ast.LName(self.span, n)

    def lindex(self, base, i):
        return ast.LIndex(self.span, base, i)

    def param(self, n, t):
        return ast.Param(self.span, n, t)


# ---- channels --------------------------------------------------------------------------

class _Channel:
    def __init__(self, decl: ast.Channel, diag: Collector):
        self.decl = decl
        faults = [f for f, _ in decl.faults]
        for f, span in decl.faults:
            if f not in FAULTS:
                diag.error("E330", f"unknown channel fault '{f}'", span, f"faults: {', '.join(FAULTS)}")
        self.bag = "reordering" in faults
        self.faults = faults
        if not isinstance(decl.elem, ast.TName):
            diag.error("E330", "a channel's messages must have a named type", decl.elem.span,
                       "declare it first: type Msg = ... (or an enum)")
        self.elem = decl.elem.name if isinstance(decl.elem, ast.TName) else "?"

    def var(self) -> ast.Var:
        d, b = self.decl, _B(self.decl.span)
        if self.bag:
            t = ast.TMap(d.span, d.elem, ast.TRange(d.span, b.int(0), d.capacity, capacity=True))
        else:
            t = ast.TSeq(d.span, d.elem, d.capacity)
        return ast.Var(d.span, [(d.name, d.span)], t)

    def init(self) -> ast.Stmt:
        d, b = self.decl, _B(self.decl.span)
        if self.bag:
            gen = ast.Generator(d.span, [ast.Binding(d.span, [("__m", d.span)], b.name(self.elem))], None)
            return b.assign(b.lname(d.name), ast.MapComp(d.span, b.name("__m"), b.int(0), gen))
        return b.assign(b.lname(d.name), ast.SeqLit(d.span, []))

    def send(self, s: ast.Send) -> list[ast.Stmt]:
        b, ch, cap = _B(s.span), self.decl.name, self.decl.capacity
        if self.bag:
            return [b.require(b.bin("<", b.total(ch, self.elem), cap)),
                    b.assign(b.lindex(b.lname(ch), s.value), b.bin("+", b.index(b.name(ch), s.value), b.int(1)))]
        return [b.require(b.bin("<", b.call("len", b.name(ch)), cap)),
                b.assign(b.lname(ch), b.call("append", b.name(ch), s.value))]

    def receive(self, s: ast.Receive) -> list[ast.Stmt]:
        b, ch = _B(s.span), self.decl.name
        if self.bag:
            gen = ast.Generator(s.span, [ast.Binding(s.span, [("__m", s.span)], b.name(self.elem))],
                                b.bin(">", b.index(b.name(ch), b.name("__m")), b.int(0)))
            return [ast.Choose(s.span, s.var, s.var_span, ast.SetComp(s.span, b.name("__m"), gen)),
                    b.assign(b.lindex(b.lname(ch), b.name(s.var)),
                             b.bin("-", b.index(b.name(ch), b.name(s.var)), b.int(1)))]
        return [b.require(b.bin(">", b.call("len", b.name(ch)), b.int(0))),
                ast.Let(s.span, s.var, s.var_span, b.call("head", b.name(ch))),
                b.assign(b.lname(ch), b.call("tail", b.name(ch)))]

    def received(self, s: ast.Receive) -> list[ast.Stmt]:
        """A `receive` whose message is a parameter of the action (see `_lift_receives`)."""
        b, ch = _B(s.span), self.decl.name
        return [b.require(b.bin(">", b.index(b.name(ch), b.name(s.var)), b.int(0))),
                b.assign(b.lindex(b.lname(ch), b.name(s.var)),
                         b.bin("-", b.index(b.name(ch), b.name(s.var)), b.int(1)))]

    def fault_actions(self) -> list[ast.Action]:
        d, b, ch, cap = self.decl, _B(self.decl.span), self.decl.name, self.decl.capacity
        out = []
        if self.bag:
            m = b.name("m")
            has = b.bin(">", b.index(b.name(ch), m), b.int(0))
            if "loss" in self.faults:
                out.append(ast.Action(d.span, f"lose_{ch}", [b.param("m", d.elem)], [
                    b.require(has),
                    b.assign(b.lindex(b.lname(ch), m), b.bin("-", b.index(b.name(ch), m), b.int(1)))]))
            if "duplication" in self.faults:
                out.append(ast.Action(d.span, f"duplicate_{ch}", [b.param("m", d.elem)], [
                    b.require(b.bin("and", has, b.bin("<", b.total(ch, self.elem), cap))),
                    b.assign(b.lindex(b.lname(ch), m), b.bin("+", b.index(b.name(ch), m), b.int(1)))]))
            return out
        i = b.name("i")
        slot = ast.TRange(d.span, b.int(0), b.bin("-", cap, b.int(1)))
        present = b.bin("<", i, b.call("len", b.name(ch)))
        if "loss" in self.faults:
            out.append(ast.Action(d.span, f"lose_{ch}", [b.param("i", slot)], [
                b.require(present),
                b.assign(b.lname(ch), b.bin("++", b.call("take", b.name(ch), i),
                                             b.call("drop", b.name(ch), b.bin("+", i, b.int(1)))))]))
        if "duplication" in self.faults:
            out.append(ast.Action(d.span, f"duplicate_{ch}", [b.param("i", slot)], [
                b.require(b.bin("and", present, b.bin("<", b.call("len", b.name(ch)), cap))),
                b.assign(b.lname(ch), b.call("append", b.name(ch), b.index(b.name(ch), i)))]))
        return out


def _lift_receives(action: ast.Action, channels: dict) -> ast.Action:
    """`receive m from ch` from a channel `with reordering`, as a statement of the action's body
    itself (not inside `if` or `for`), makes `m` a parameter of the action: one instance per
    message, so fairness of the action is per message (TLA+'s WF_vars(Receive(m)) for each m), as a
    `choose` would not be. The same transitions: the message must be in transit where the
    `receive` stands. Not lifted when the name is used before the `receive` (it means something
    else there) or is already a parameter."""
    params, body, used = list(action.params), [], {q.name for q in action.params}
    for s in action.body:
        ch = channels.get(s.channel) if isinstance(s, ast.Receive) else None
        if ch is not None and ch.bag and s.var not in used and ch.elem != "?":
            params.append(ast.Param(s.var_span, s.var, ast.TName(s.var_span, ch.elem)))
            body.extend(ch.received(s))
            used.add(s.var)
            continue
        body.append(s)
        used |= _names_in(s)
    if len(params) == len(action.params):
        return action
    return ast.Action(action.span, action.name, params, body)


def _names_in(node: ast.Node) -> set[str]:
    """Every name a statement mentions or binds."""
    out, stack = set(), [node]
    while stack:
        n = stack.pop()
        if isinstance(n, (ast.Name, ast.LName)):
            out.add(n.name)
        for attr in ("name", "var"):
            if isinstance(n, (ast.Let, ast.Choose, ast.For, ast.Receive)) and isinstance(getattr(n, attr, None), str):
                out.add(getattr(n, attr))
        stack.extend(_children(n))
    return out


def _rewrite_stmts(stmts, channels: dict, diag: Collector):
    out = []
    for s in stmts:
        if isinstance(s, ast.Send):
            ch = channels.get(s.channel)
            if ch is None:
                diag.error("E201", f"unknown channel '{s.channel}'", s.channel_span, suggest(s.channel, channels))
                continue
            out.extend(ch.send(s))
        elif isinstance(s, ast.Receive):
            ch = channels.get(s.channel)
            if ch is None:
                diag.error("E201", f"unknown channel '{s.channel}'", s.channel_span, suggest(s.channel, channels))
                continue
            out.extend(ch.receive(s))
        elif isinstance(s, ast.If):
            out.append(ast.If(s.span, s.cond, _rewrite_stmts(s.then, channels, diag),
                              _rewrite_stmts(s.orelse, channels, diag)))
        elif isinstance(s, ast.For):
            out.append(ast.For(s.span, s.var, s.var_span, s.domain, _rewrite_stmts(s.body, channels, diag)))
        else:
            out.append(s)
    return out


# ---- processes -------------------------------------------------------------------------------

class _Process:
    def __init__(self, p: ast.Process, diag: Collector):
        self.p = p
        self.vars = {n for item in p.items if isinstance(item, ast.Var) for n, _ in item.names}
        for item in p.items:
            if not isinstance(item, (ast.Var, ast.Init, ast.Action, ast.Invariant)):
                diag.error("E331", "a process holds variables, init, actions and invariants", item.span)

    def key_type(self, span) -> ast.TName:
        return ast.TName(self.p.domain_span or span, self.p.domain)

    def expand(self) -> tuple[list, list]:
        """(declarations, init statements) of the process."""
        p, b = self.p, _B(self.p.span)
        decls, init = [], []
        for item in p.items:
            if isinstance(item, ast.Var):
                decls.append(ast.Var(item.span, item.names, ast.TMap(item.span, self.key_type(item.span), item.type)))
            elif isinstance(item, ast.Init):
                body = self.stmts(item.body, frozenset())
                init.append(ast.For(item.span, p.var, p.var_span, b.name(p.domain), body))
            elif isinstance(item, ast.Action):
                bound = frozenset(q.name for q in item.params)
                params = [ast.Param(p.var_span, p.var, self.key_type(item.span))] + item.params
                decls.append(ast.Action(item.span, item.name, params, self.stmts(item.body, bound)))
            elif isinstance(item, ast.Invariant):
                gen = ast.Generator(item.span, [ast.Binding(item.span, [(p.var, p.var_span)], b.name(p.domain))],
                                    None)
                decls.append(ast.Invariant(item.span, item.name,
                                           ast.Quant(item.span, "forall", gen, self.expr(item.cond, frozenset()))))
        return decls, init

    # -- `x` means `x[n]` inside the process, unless a local name hides it
    def expr(self, e, bound):
        p = self.p
        if isinstance(e, ast.Name):
            if e.name in self.vars and e.name not in bound:
                return ast.Index(e.span, e, ast.Name(e.span, p.var))
            return e
        if isinstance(e, (ast.Quant, ast.SetComp, ast.MapComp)) or (isinstance(e, ast.Call) and e.generator):
            inner = bound
            gen = e.generator
            bindings = []
            for bd in gen.bindings:
                bindings.append(ast.Binding(bd.span, bd.names, self.expr(bd.domain, inner)))
                inner = inner | {n for n, _ in bd.names}
            out = copy.copy(e)
            out.generator = ast.Generator(gen.span, bindings,
                                          self.expr(gen.condition, inner) if gen.condition is not None else None)
            for f in dataclasses.fields(e):
                if f.name not in ("generator", "span"):
                    setattr(out, f.name, self._any(getattr(e, f.name), inner))
            return out
        if isinstance(e, ast.LetIn):
            return ast.LetIn(e.span, e.name, e.name_span, self.expr(e.value, bound),
                             self.expr(e.body, bound | {e.name}), e.type)
        if isinstance(e, ast.Match):
            arms = []
            for arm in e.arms:
                inner = bound | {n for n, _ in arm.pattern.binds}
                arms.append(ast.Arm(arm.span, arm.pattern, self.expr(arm.body, inner)))
            return ast.Match(e.span, self.expr(e.subject, bound), arms)
        if isinstance(e, ast.Node):
            out = copy.copy(e)
            for f in dataclasses.fields(e):
                if f.name != "span":
                    setattr(out, f.name, self._any(getattr(e, f.name), bound))
            return out
        return e

    def _any(self, v, bound):
        if isinstance(v, ast.Node):
            return self.expr(v, bound)
        if isinstance(v, list):
            return [self._any(x, bound) for x in v]
        if isinstance(v, tuple):
            return tuple(self._any(x, bound) for x in v)
        return v

    def lvalue(self, lv, bound):
        if isinstance(lv, ast.LName):
            if lv.name in self.vars and lv.name not in bound:
                return ast.LIndex(lv.span, lv, ast.Name(lv.span, self.p.var))
            return lv
        if isinstance(lv, ast.LIndex):
            return ast.LIndex(lv.span, self.lvalue(lv.base, bound), self.expr(lv.index, bound))
        return ast.LField(lv.span, self.lvalue(lv.base, bound), lv.name)

    def stmts(self, stmts, bound):
        out = []
        for s in stmts:
            if isinstance(s, ast.Assign):
                out.append(ast.Assign(s.span, self.lvalue(s.target, bound), self.expr(s.value, bound)))
            elif isinstance(s, ast.Let):
                out.append(ast.Let(s.span, s.name, s.name_span, self.expr(s.value, bound), s.type))
                bound = bound | {s.name}
            elif isinstance(s, ast.Choose):
                out.append(ast.Choose(s.span, s.var, s.var_span, self.expr(s.domain, bound)))
                bound = bound | {s.var}
            elif isinstance(s, ast.Receive):
                out.append(s)
                bound = bound | {s.var}
            elif isinstance(s, ast.If):
                out.append(ast.If(s.span, self.expr(s.cond, bound), self.stmts(s.then, bound),
                                  self.stmts(s.orelse, bound)))
            elif isinstance(s, ast.For):
                out.append(ast.For(s.span, s.var, s.var_span, self.expr(s.domain, bound),
                                   self.stmts(s.body, bound | {s.var})))
            elif isinstance(s, (ast.Require, ast.Assert)):
                t = copy.copy(s)
                t.cond = self.expr(s.cond, bound)
                out.append(t)
            elif isinstance(s, ast.Send):
                out.append(ast.Send(s.span, self.expr(s.value, bound), s.channel, s.channel_span))
            else:
                out.append(s)
        return out


# ---- nesting through definitions ----------------------------------------------------------------

def check_def_nesting(modules: list[ast.Module]) -> None:
    """E105 when an expression nests deeper than MAX_NESTING with every `def` it uses written in
    place, as the later phases expand them: a chain of 2,000 defs each using the one before.

    The parser bounds each declaration alone; this adds what the definitions bring. A local name
    that shadows a def is counted as the def (the bound errs on the safe side)."""
    defs = {d.name: d for m in modules for d in m.decls if isinstance(d, ast.Def)}
    if not defs:
        return
    uses = {name: _def_uses(d.body, defs) for name, d in defs.items()}
    expanded: dict[str, int] = {}
    for name in _callees_first(uses):
        expanded[name] = _expanded_depth(uses[name], expanded)
    for m in modules:
        for d in m.decls:
            if not isinstance(d, ast.Def):
                _expanded_depth(_def_uses(d, defs), expanded)


def _expanded_depth(uses, expanded: dict[str, int]) -> int:
    """The deepest level below a root whose uses of defs are `uses` (depth, def, node)."""
    own, refs = uses
    deepest = own
    for depth, callee, node in refs:
        deepest = max(deepest, depth + expanded.get(callee, 0))
        if deepest > MAX_NESTING:
            raise SpecError(Diagnostic(
                "E105", f"using '{callee}' here nests more than {MAX_NESTING} levels deep "
                "(a definition counts as its body written in place)", node.span,
                "shorten the chain of definitions that use one another"))
    return deepest


def _def_uses(root: ast.Node, defs) -> tuple[int, list]:
    """The depth of the tree below `root` and every name or call of a def in it, with its depth."""
    own, refs = 0, []
    stack = [(root, 0)]
    while stack:
        node, depth = stack.pop()
        own = max(own, depth)
        if isinstance(node, (ast.Name, ast.Call)) and node.name in defs:
            refs.append((depth, node.name, node))
        stack.extend((c, depth + 1) for c in _children(node))
    return own, refs


def _children(node: ast.Node):
    for f in dataclasses.fields(node):
        value = getattr(node, f.name)
        if isinstance(value, ast.Node):
            yield value
        elif isinstance(value, (list, tuple)):
            for item in value:
                if isinstance(item, ast.Node):
                    yield item
                elif isinstance(item, (list, tuple)):  # (key, value) pairs, (name, span) bindings
                    yield from (x for x in item if isinstance(x, ast.Node))


def _callees_first(uses) -> list[str]:
    """The defs in an order where each comes after those it uses (a cycle, an error of the
    type checker, is cut anywhere); without recursion, for chains of any length."""
    order: list[str] = []
    seen: set[str] = set()
    for root in uses:
        if root in seen:
            continue
        seen.add(root)
        stack = [(root, iter(uses[root][1]))]
        while stack:
            name, refs = stack[-1]
            callee = next((r[1] for r in refs if r[1] not in seen), None)
            if callee is None:
                stack.pop()
                order.append(name)
            else:
                seen.add(callee)
                stack.append((callee, iter(uses[callee][1])))
    return order


# ---- entry ------------------------------------------------------------------------------------

def desugar(modules: list[ast.Module]) -> list[ast.Module]:
    """The modules with processes and channels expanded (new Module objects; the input is unchanged)."""
    check_def_nesting(modules)
    diag = Collector()
    channels: dict[str, _Channel] = {}
    for m in modules:
        for d in m.decls:
            if isinstance(d, ast.Channel):
                channels[d.name] = _Channel(d, diag)
    if not channels and not any(isinstance(d, ast.Process) for m in modules for d in m.decls):
        return modules
    extra_init: list[ast.Stmt] = [ch.init() for ch in channels.values()]
    out = []
    for m in modules:
        decls = []
        for d in m.decls:
            if isinstance(d, ast.Channel):
                decls.append(channels[d.name].var())
                decls.extend(channels[d.name].fault_actions())
            elif isinstance(d, ast.Process):
                pdecls, pinit = _Process(d, diag).expand()
                decls.extend(pdecls)
                extra_init.extend(pinit)
            else:
                decls.append(d)
        out.append(ast.Module(m.span, m.name, decls, m.source))
    main = out[0]
    inits = [d for d in main.decls if isinstance(d, ast.Init)]
    if inits:
        first = inits[0]
        idx = main.decls.index(first)
        main.decls[idx] = ast.Init(first.span, extra_init + first.body)
    elif extra_init:
        main.decls.append(ast.Init(main.span, extra_init))
    for m in out:
        for i, d in enumerate(m.decls):
            if isinstance(d, (ast.Action, ast.Init)):
                if isinstance(d, ast.Action):
                    d = _lift_receives(d, channels)
                body = _rewrite_stmts(d.body, channels, diag)
                m.decls[i] = ast.Action(d.span, d.name, d.params, body) if isinstance(d, ast.Action) \
                    else ast.Init(d.span, body)
    diag.done()
    return out


__all__ = ["desugar", "FAULTS", "SpecError", "Diagnostic"]
