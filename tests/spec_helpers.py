"""Helpers shared by the front-end tests (parser, checker, diagnostics, loader).

`canon` prints an AST expression or type fully parenthesized, in the syntax of
the language and without spans, so two parses can be compared as text and the
printed text parses back to the same tree. `print_module` prints a whole
module the same way (the round-trip tests use it).
"""

from __future__ import annotations

import pytest

from spec import ast
from spec.diagnostics import SpecError
from spec.loader import load_text
from spec.parser import parse, parse_value

# a model with one variable and one action: enough for the checker to accept it
TAIL = "\nvar v_: bool\ninit { v_ = true }\naction Noop_ { skip }\n"

_OPS = {"notin": "not in"}


def parse_expr(text: str) -> ast.Expr:
    return parse_value(text, "<expr>")


def spec_error(fn, *args, **kwargs) -> SpecError:
    """The SpecError that fn(*args) raises (the test fails if it returns)."""
    with pytest.raises(SpecError) as info:
        fn(*args, **kwargs)
    return info.value


def load_error(text: str, consts=None, name: str = "m.sync") -> SpecError:
    return spec_error(load_text, text, name, consts)


def parse_error(text: str, name: str = "p.sync") -> SpecError:
    return spec_error(parse, text, name)


def one(err: SpecError):
    """The only diagnostic of err."""
    assert len(err.diagnostics) == 1, err.render()
    return err.diagnostics[0]


def at(d) -> tuple[int, int]:
    return (d.span.line, d.span.col)


def extent(span) -> tuple[int, int, int, int]:
    return (span.line, span.col, span.end_line, span.end_col)


# ---- printing --------------------------------------------------------------

def _bindings(g: ast.Generator) -> str:
    out = ", ".join(f"{', '.join(n for n, _ in b.names)} in {canon(b.domain)}" for b in g.bindings)
    if g.condition is not None:
        out += f" if {canon(g.condition)}"
    return out


def _postfix_base(e: ast.Expr) -> str:
    text = canon(e)
    if isinstance(e, (ast.Name, ast.Call, ast.Index, ast.FieldAccess)):
        return text
    return text if text.startswith("(") else f"({text})"


def _pattern(p: ast.Pattern) -> str:
    if p.kind == "any":
        return "_"
    if p.kind == "none":
        return "none"
    if p.kind == "some":
        return f"some({p.binds[0][0]})"
    if p.has_parens:
        return f"{p.name}({', '.join(n for n, _ in p.binds)})"
    return p.name


def canon(e) -> str:
    """An expression or a type, fully parenthesized, as source text."""
    if e is None:
        return "<none>"
    if isinstance(e, ast.IntLit):
        return f"({e.value})" if e.value < 0 else str(e.value)
    if isinstance(e, ast.DecLit):
        return f"({_decimal(e)})" if e.units < 0 else _decimal(e)
    if isinstance(e, ast.BoolLit):
        return "true" if e.value else "false"
    if isinstance(e, ast.NoneLit):
        return "none"
    if isinstance(e, ast.Name):
        return e.name
    if isinstance(e, ast.Primed):
        return f"{e.name}'"
    if isinstance(e, ast.Binary):
        return f"({canon(e.left)} {_OPS.get(e.op, e.op)} {canon(e.right)})"
    if isinstance(e, ast.Unary):
        return f"(-{canon(e.operand)})" if e.op == "-" else f"({e.op} {canon(e.operand)})"
    if isinstance(e, ast.IsTest):
        return f"({canon(e.operand)} is {e.pattern})"
    if isinstance(e, ast.Index):
        return f"{_postfix_base(e.base)}[{canon(e.index)}]"
    if isinstance(e, ast.FieldAccess):
        return f"{_postfix_base(e.base)}.{e.name}"
    if isinstance(e, ast.Call):
        if e.generator is not None:
            return f"{e.name}({canon(e.body)} for {_bindings(e.generator)})"
        return f"{e.name}({', '.join(canon(a) for a in e.args)})"
    if isinstance(e, ast.Quant):
        return f"({e.kind} {_bindings(e.generator)}: {canon(e.body)})"
    if isinstance(e, ast.Ite):
        return f"(if {canon(e.cond)} then {canon(e.then)} else {canon(e.orelse)})"
    if isinstance(e, ast.TupleLit):
        return f"({', '.join(canon(x) for x in e.elems)})"
    if isinstance(e, ast.SetLit):
        return "{" + ", ".join(canon(x) for x in e.elems) + "}"
    if isinstance(e, ast.SetComp):
        return "{" + f"{canon(e.elem)} for {_bindings(e.generator)}" + "}"
    if isinstance(e, ast.PairsLit):
        return "{" + ", ".join(f"{canon(k)}: {canon(v)}" for k, v in e.pairs) + "}"
    if isinstance(e, ast.MapComp):
        return "{" + f"{canon(e.key)}: {canon(e.value)} for {_bindings(e.generator)}" + "}"
    if isinstance(e, ast.SeqLit):
        return "[" + ", ".join(canon(x) for x in e.elems) + "]"
    if isinstance(e, ast.Match):
        arms = ", ".join(f"{_pattern(a.pattern)} -> {canon(a.body)}" for a in e.arms)
        return f"(match {canon(e.subject)} {{ {arms} }})"
    return _type(e)


def _decimal(e: ast.DecLit) -> str:
    whole, frac = divmod(abs(e.units), 10 ** e.decimals)
    return ("-" if e.units < 0 else "") + f"{whole}.{frac:0{e.decimals}d}"


def _bound(e) -> str:
    """A range bound in a type: the grammar allows no parentheses there."""
    if isinstance(e, ast.Binary):
        return f"{_bound(e.left)} {e.op} {_bound(e.right)}"
    if isinstance(e, ast.Unary):
        return f"-{_bound(e.operand)}"
    if isinstance(e, ast.IntLit):
        return str(e.value)
    if isinstance(e, ast.DecLit):
        return _decimal(e)
    return canon(e)


def _fields(fields) -> str:
    return ", ".join(f"{f.name}: {_type(f.type)}" for f in fields)


def _type(t) -> str:
    if isinstance(t, ast.TBool):
        return "bool"
    if isinstance(t, ast.TRange):
        return f"{_bound(t.lo)}..{_bound(t.hi)}"
    if isinstance(t, ast.TFixed):
        return f"fixed({t.decimals}) {_bound(t.lo)}..{_bound(t.hi)}"
    if isinstance(t, ast.TSet):
        return f"set[{_type(t.elem)}]"
    if isinstance(t, ast.TMap):
        return f"map[{_type(t.key)}, {_type(t.value)}]"
    if isinstance(t, ast.TSeq):
        return f"seq[{_type(t.elem)}, {canon(t.capacity)}]"
    if isinstance(t, ast.TOption):
        return f"option[{_type(t.elem)}]"
    if isinstance(t, ast.TTuple):
        return f"({', '.join(_type(x) for x in t.elems)})"
    if isinstance(t, ast.TRecord):
        return "{" + _fields(t.fields) + "}"
    if isinstance(t, ast.TName):
        return t.name
    if isinstance(t, ast.UnionDef):
        return " | ".join(v.name if v.fields is None else f"{v.name}({_fields(v.fields)})" for v in t.variants)
    raise TypeError(f"cannot print {t!r}")


def _lvalue(lv) -> str:
    if isinstance(lv, ast.LName):
        return lv.name
    if isinstance(lv, ast.LIndex):
        return f"{_lvalue(lv.base)}[{canon(lv.index)}]"
    return f"{_lvalue(lv.base)}.{lv.name}"


def _block(stmts, indent: str) -> str:
    inner = "".join(_stmt(s, indent + "  ") for s in stmts)
    return "{\n" + inner + indent + "}"


def _stmt(s, indent: str) -> str:
    if isinstance(s, ast.Assign):
        text = f"{_lvalue(s.target)} = {canon(s.value)}"
    elif isinstance(s, ast.Let):
        typed = f": {_type(s.type)}" if s.type is not None else ""
        text = f"let {s.name}{typed} = {canon(s.value)}"
    elif isinstance(s, ast.Require):
        text = f"require {canon(s.cond)}"
    elif isinstance(s, ast.Assert):
        text = f"assert {canon(s.cond)}" + (f', "{s.message}"' if s.message is not None else "")
    elif isinstance(s, ast.If):
        text = f"if {canon(s.cond)} {_block(s.then, indent)}"
        if s.orelse:
            text += f" else {_block(s.orelse, indent)}"
    elif isinstance(s, ast.For):
        text = f"for {s.var} in {canon(s.domain)} {_block(s.body, indent)}"
    elif isinstance(s, ast.Choose):
        text = f"choose {s.var} in {canon(s.domain)}"
    elif isinstance(s, ast.Skip):
        text = "skip"
    elif isinstance(s, ast.Send):
        text = f"send {canon(s.value)} to {s.channel}"
    elif isinstance(s, ast.Receive):
        text = f"receive {s.var} from {s.channel}"
    else:
        raise TypeError(f"cannot print {s!r}")
    return indent + text + "\n"


def _params(ps) -> str:
    return "(" + ", ".join(f"{p.name}: {_type(p.type)}" for p in ps) + ")" if ps else ""


def _decl(d) -> str:
    if isinstance(d, ast.Import):
        return f'import "{d.path}"'
    if isinstance(d, ast.Const):
        text = f"const {d.name}" + (f": {_type(d.type)}" if d.type is not None else "")
        if d.symmetric and d.size is not None:
            return text + f" = symmetric {d.size}"
        if d.symmetric:
            return text + " = symmetric {" + ", ".join(n for n, _ in d.members) + "}"
        return text + (f" = {canon(d.value)}" if d.value is not None else "")
    if isinstance(d, ast.Assume):
        return "assume " + (f"{d.name}: " if d.name else "") + canon(d.cond)
    if isinstance(d, ast.Enum):
        return f"enum {d.name} {{ {', '.join(n for n, _ in d.members)} }}"
    if isinstance(d, ast.TypeDef):
        return f"type {d.name} = {_type(d.rhs)}"
    if isinstance(d, ast.Var):
        return f"var {', '.join(n for n, _ in d.names)}: {_type(d.type)}"
    if isinstance(d, ast.Def):
        ret = f" -> {_type(d.ret)}" if d.ret is not None else ""
        return f"def {d.name}{_params(d.params)}{ret} = {canon(d.body)}"
    if isinstance(d, ast.Init):
        return f"init {_block(d.body, '')}"
    if isinstance(d, ast.Action):
        return f"action {d.name}{_params(d.params)} {_block(d.body, '')}"
    if isinstance(d, ast.Invariant):
        return f"invariant {d.name}: {canon(d.cond)}"
    if isinstance(d, ast.StepProperty):
        return f"step {d.name}: {canon(d.cond)}"
    if isinstance(d, ast.Property):
        return f"property {d.name}: {canon(d.formula)}"
    if isinstance(d, ast.Fairness):
        return f"fairness {d.kind} {', '.join(n for n, _ in d.actions)}"
    if isinstance(d, ast.Deterministic):
        return "deterministic" + (" " + ", ".join(n for n, _ in d.actions) if d.actions else "")
    if isinstance(d, ast.Converge):
        # the key is an or_expr in the grammar: parenthesized it is an atom, which is fine
        return f"converge {d.name}: forall {d.var} in {canon(d.domain)}: {canon(d.key)} determines {canon(d.state)}"
    if isinstance(d, ast.Commute):
        return f"commute {d.first[0]}, {d.second[0]}"
    if isinstance(d, ast.Channel):
        faults = f" with {', '.join(f for f, _ in d.faults)}" if d.faults else ""
        return f"channel {d.name}: {_type(d.elem)} capacity {canon(d.capacity)}{faults}"
    if isinstance(d, ast.Refines):
        entries = "".join(f"\n  {e.name} = {canon(e.value)}" for e in d.entries)
        return f'refines {d.name} from "{d.path}" {{{entries}\n}}'
    if isinstance(d, ast.Process):
        inner = "\n".join("  " + _decl(item).replace("\n", "\n  ") for item in d.items)
        return f"process {d.name}[{d.var} in {d.domain}] {{\n{inner}\n}}"
    raise TypeError(f"cannot print {d!r}")


def print_module(m: ast.Module) -> str:
    return f"model {m.name}\n\n" + "\n\n".join(_decl(d) for d in m.decls) + "\n"
