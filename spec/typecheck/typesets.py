"""Types as sets: a type written where a set is expected is the set of all its values (issue 15).

Part of the type checker (`spec.typecheck.model` combines the parts). The grammar reads
`map[K, V]` and `seq[T, N]` in an expression as an `ast.TypeSet`; the other spellings of a type
are expressions too (`bool` and `set[T]` a name and an index, `(T, U)` a tuple, `{f: T}` a record
literal), so they are read as types here: `bool`, `set[T]` and `option[T]` wherever the name
(`bool`, `set`, `option`) is not one the model declares, a tuple or a record of types only
where a set is expected (binders, `in`, `len`, set operations, a set-typed place), since
elsewhere a tuple or a record of sets is a value. Every reading ends in `_all_values`, which
refuses a type of more than MAX_DOMAIN values (E318) before any value is made; the set is then
an ordinary constant set, which every engine already enumerates (the explicit engine and the
interpreter element by element, the z3 engines by expanding a quantifier over its elements and
constraining a `choose` to its members).
"""

from __future__ import annotations

from spec import ast, ir
from spec.typecheck.state import Bail, CheckerState, Scope

# spellings whose first word is a type constructor, and how to write them
_FORMS = {"set": "set[T]", "option": "option[T]"}


class TypeSets(CheckerState):
    """Reads the types written as expressions."""

    def _e_TypeSet(self, e: ast.TypeSet, sc: Scope, expected):
        return self._type_set_of(e.type, e.span)

    def _type_set_of(self, te: ast.TypeExpr, span) -> ir.Lit:
        """The constant set of every value of the type te (E318 when it has too many)."""
        t = self._type(te, self._const_scope())
        if t is None:
            raise Bail
        return self._all_values(t, span)

    def _declares(self, name: str, sc: Scope) -> bool:
        """Whether the model gives `name` a meaning as a value (a local, constant, variable,
        definition, member, variant or type)."""
        return (sc.lookup(name) is not None or name in self.const_decls or name in self.vars
                or name in self.def_decls or name in self.values or name in self.ctors
                or name in self.types or name in self.type_decls)

    def _constructor_set(self, e: ast.Index, sc: Scope) -> ir.Lit | None:
        """`set[T]` or `option[T]` as the set of all its values, when `set` (`option`) is not a name
        of the model; None for any other index."""
        if not (isinstance(e.base, ast.Name) and e.base.name in _FORMS) or self._declares(e.base.name, sc):
            return None
        te = ast.spelled_type(e)
        if te is None:
            form = _FORMS[e.base.name]
            self.diag.error("E326", f"{form} in an expression is the set of all values of a type, and this is "
                            "not a type", e.index.span,
                            f"write a type between the brackets as in a declaration, for example "
                            f"{e.base.name}[0..3]")
            raise Bail
        return self._type_set_of(te, e.span)

    def _structured_set(self, e: ast.Expr, sc: Scope) -> ir.Lit | None:
        """A tuple or a record of types written where a set is expected (`(NODES, 0..3)`,
        `{a: 0..2, b: bool}`) as the set of all its values; None when e is something else, or when
        a name in it is not a type (then it is a tuple or a record of values, and its own errors say
        why it is not a set)."""
        if not isinstance(e, (ast.TupleLit, ast.PairsLit)):
            return None
        te = ast.spelled_type(e)
        if te is None or not self._names_types(te, sc):
            return None
        return self._type_set_of(te, e.span)

    def _names_types(self, te: ast.TypeExpr, sc: Scope) -> bool:
        """Whether every name te uses as a type names a type (a declared type, an enum, a constant
        set of model values), and no local hides it."""
        for node in ast.walk(te):
            if isinstance(node, ast.TName):
                if sc.lookup(node.name) is not None:
                    return False
                if not (node.name in self.types or node.name in self.type_decls or node.name in self.const_decls):
                    return False
        return True

    def _set_operand(self, e: ast.Expr, sc: Scope, expected=None) -> ir.Expr:
        """e where a set is expected: a tuple or a record of types is the set of its values."""
        found = self._structured_set(e, sc)
        return found if found is not None else self.expr(e, sc, expected)

    def _set_pair(self, left: ast.Expr, right: ast.Expr, sc: Scope) -> tuple[ir.Expr, ir.Expr]:
        """Both operands of a set operation (`|`, `&`, `-`, `subset`), either of which may be a
        tuple or a record of types; the other side takes its type as the expected one."""
        a, b = self._structured_set(left, sc), self._structured_set(right, sc)
        if a is None and b is None:
            return self._pair(left, right, sc)
        if a is None:
            a = self.expr(left, sc, b.type)
        if b is None:
            b = self.expr(right, sc, a.type)
        return a, b

    def _fixed_type_here(self, e: ast.Call) -> None:
        """E326 for `fixed(D)` with one argument in an expression: the start of a fixed-point type
        (`fixed(2) -1..1` reads as `fixed(2) - 1..1`), which no expression can spell."""
        if e.generator is None and len(e.args) == 1 and isinstance(e.args[0], ast.IntLit):
            self.diag.error("E326", "a type is not usable here; write a fixed-point type as a named type", e.span,
                            "declare it, for example `type Amount = fixed(2) 0..10`, and write `Amount` here: "
                            "a type name is the set of all its values")
            raise Bail
