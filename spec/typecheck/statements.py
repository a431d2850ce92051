"""Statements: `init`, actions and their bodies, assignments to the state.

Part of the type checker (`spec.typecheck.model` combines the parts). A loop over a
symmetric set is noted here when its result may depend on the order of the members.
"""

from __future__ import annotations

from spec import ast, ir
from spec.diagnostics import Span, suggest
from spec.typecheck.state import BOOL, FAILED_LOCAL, Bail, CheckerState, Scope
from spec.types import MapType, RecordType, SeqType, TupleType, Type, symmetric_sets


class Statements(CheckerState):
    """Checks `init` and the actions, statement by statement."""

    def _init(self, decls: list[ast.Init]) -> list[ir.Stmt]:
        """The statements of the main module's one `init` block, after those of the imported modules."""
        init: list[ir.Stmt] = []
        if not decls:
            self.diag.error("E310", "the model has no 'init' block", self.main.span,
                            "add 'init { ... }' that gives every variable its first value")
        elif len(decls) > 1:
            self.diag.error("E311", "the model has more than one 'init' block", decls[1].span)
        if decls:
            # an imported module (a library, an adversary) initializes its own variables first
            imported = [d for m in self.modules[1:] for d in m.decls if isinstance(d, ast.Init)]
            for d in imported:
                init += self._block(d.body, Scope(what="init"))
            init += self._block(decls[0].body, Scope(what="init"))
            self._check_initialized(init, decls[0], imported)
        return init

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
            except Bail:
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
            try:
                declared, value = self._let_value(s, sc)
            except Bail:
                sc.names[s.name] = FAILED_LOCAL  # reported once: its later uses say nothing more
                raise
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
            try:
                dom, elem = self.domain(s.domain, sc)
            except Bail:
                sc.names[s.var] = FAILED_LOCAL
                raise
            sym = self._local(s.var, elem, s.var_span)
            sc.names[s.var] = sym
            return ir.Choose(s.span, sym, dom)
        if isinstance(s, ast.Skip):
            return None
        raise AssertionError(s)

    def _let_value(self, s: ast.Let | ast.LetIn, sc: Scope) -> tuple[Type | None, ir.Expr]:
        """The declared type (or None) and the checked value of a `let` statement or expression."""
        declared = self._type(s.type, sc) if s.type is not None else None
        if s.type is not None and declared is None:
            raise Bail
        value = self.expr(s.value, sc, declared)
        if declared is not None:
            value = self.coerce(value, declared, s.value.span, f"'{s.name}'")
        return declared, value

    def _lvalue(self, lv: ast.LValue, sc: Scope) -> tuple[ir.VarSym, list[ir.PathStep], Type]:
        if isinstance(lv, ast.LName):
            if sc.lookup(lv.name) is not None:
                self.diag.error("E316", f"'{lv.name}' is a local name and cannot be assigned", lv.span,
                                "only state variables can be assigned; 'let' names are fixed")
                raise Bail
            var = self.vars.get(lv.name)
            if lv.name in self.bad_vars:
                raise Bail
            if var is None:
                if lv.name in self.const_decls:
                    self.diag.error("E316", f"'{lv.name}' is a constant and cannot be assigned", lv.span)
                else:
                    self.diag.error("E201", f"unknown variable '{lv.name}'", lv.span,
                                    suggest(lv.name, self.vars))
                raise Bail
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
            raise Bail
        assert isinstance(lv, ast.LField)
        if isinstance(t, RecordType) and not isinstance(t, TupleType):
            try:
                i = t.index_of(lv.name)
            except KeyError:
                self.diag.error("E304", f"{t.show()} has no field '{lv.name}'", lv.span,
                                suggest(lv.name, [n for n, _ in t.fields]))
                raise Bail from None
            path.append(ir.PathStep("field", i, t.fields[i][1]))
            return var, path, t.fields[i][1]
        self.diag.error("E304", f"a value of type {t.show()} has no fields", lv.span)
        raise Bail

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

    def _note_loop(self, loop: ir.For) -> None:
        syms = symmetric_sets(loop.sym.type)
        if syms and not _pointwise(loop):
            for t in syms:
                self.asym_loops.setdefault(t, loop.span)


def _lvalue_text(lv) -> str:
    if isinstance(lv, ast.LName):
        return lv.name
    if isinstance(lv, ast.LField):
        return f"{_lvalue_text(lv.base)}.{lv.name}"
    return f"{_lvalue_text(lv.base)}[...]"


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
    for n in ir.iter_ir(node, into_defs=False):
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
