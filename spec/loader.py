"""Files to a checked model: reading, imports, constants from the command line.

`load(path, consts)` is the one call the CLI and the engines use. A missing
file or a broken import is a diagnostic (E6xx) like any other.
"""

from __future__ import annotations

import re
from pathlib import Path

from spec import ast, files, ir
from spec.diagnostics import Diagnostic, SpecError
from spec.parser import parse, parse_value
from spec.typecheck import ConstOverride, check

_CONST_RE = re.compile(r"^\s*([A-Za-z_]\w*)\s*=(.*)$", re.S)


def read_source(path: str | Path, span=None) -> str:
    """The text of a model file; a file that cannot be read is E601."""
    try:
        return files.read_text(path)
    except files.FileProblem as exc:
        raise SpecError(Diagnostic("E601", str(exc), span)) from None


def load_modules(path: str | Path) -> list[ast.Module]:
    """The module at `path`, then every module it imports (each once, depth first, in the
    order of the imports); without recursion, so a chain of thousands of imports is fine."""
    path = Path(path)
    modules: list[ast.Module] = []
    seen: set[Path] = set()
    todo: list[tuple[Path, str, ast.Import | None]] = [(path, str(path), None)]
    while todo:
        p, display, imp = todo.pop()
        try:
            key = p.resolve()
        except (OSError, ValueError):   # a path no file can have: reading it below says why
            key = None
        if key in seen:
            continue                    # imported again: read and parsed once
        text = read_source(p) if imp is None else _read_import(imp, p)
        seen.add(key)
        module = parse(text, display)
        modules.append(module)
        imports = [d for d in module.decls if isinstance(d, ast.Import)]
        todo.extend((p.parent / d.path, str(Path(display).parent / d.path) if display else d.path, d)
                    for d in reversed(imports))
    return modules


def _read_import(d: ast.Import, target: Path) -> str:
    """The text of an imported file; one that cannot be read is E602 at the import."""
    try:
        return files.read_text(target)
    except files.FileProblem as exc:
        help = f"the path is relative to {target.parent}" if exc.reason == "no such file" else None
        raise SpecError(Diagnostic("E602", f"cannot import '{d.path}': {exc.reason}", d.span, help)) from None


def parse_const_option(text: str) -> ConstOverride:
    """`NAME=VALUE` from --const: a value in the language, or a size/names for model values."""
    m = _CONST_RE.match(text)
    if not m:
        raise SpecError(Diagnostic("E603", f"--const {text}: expected NAME=VALUE", None,
                                   "for example --const N=3 or --const RM={r1,r2}"))
    name, value = m.group(1), m.group(2).strip()
    if not value:
        raise SpecError(Diagnostic("E603", f"--const {text}: the value is missing", None))
    if re.fullmatch(r"[0-9]+", value):
        expr = parse_value(value, f"--const {name}")
        return ConstOverride(name, expr=expr, size=int(value), text=value)
    names = re.fullmatch(r"\{\s*([A-Za-z_]\w*(\s*,\s*[A-Za-z_]\w*)*)?\s*\}", value)
    expr = parse_value(value, f"--const {name}")
    if names:
        members = [n.strip() for n in (names.group(1) or "").split(",") if n.strip()]
        return ConstOverride(name, expr=expr, members=members, text=value)
    return ConstOverride(name, expr=expr, text=value)


def load(path: str | Path, consts: list[str] | dict | None = None) -> ir.CheckedModel:
    """Parse and check the model at `path` with constants overridden by `consts`."""
    overrides = _overrides(consts)
    modules = load_modules(path)
    return check(modules, overrides, load_abstracts(modules, (_key(Path(path)),), overrides))


def load_abstracts(modules: list[ast.Module], chain: tuple = (), overrides: dict | None = None) -> dict:
    """The abstract model of each `refines` of the main module, checked with its own constants, by
    the path as written (what `spec.typecheck.check` takes). The path is relative to the
    file that says `refines`; one that cannot be read is E355, a model that refines itself (directly
    or through others: `chain` holds the files on the way) E354. A constant the abstract model declares
    too takes the value `overrides` (--const) gives it, so that the types they make stay the same."""
    out: dict = {}
    main = modules[0]
    base = Path(main.source.name).parent if main.source and main.source.name else Path(".")
    for d in main.decls:
        if not isinstance(d, ast.Refines):
            continue
        target = base / d.path
        key = _key(target)
        if key in chain:
            raise SpecError(Diagnostic("E354", f"refinement cycle: '{d.path}' is this model or refines it",
                                       d.span, "a model cannot refine itself, directly or through the models "
                                       "it refines"))
        try:
            files.read_text(target)
        except files.FileProblem as exc:
            help = f"the path is relative to {base}" if exc.reason == "no such file" else None
            raise SpecError(Diagnostic("E355", f"cannot read the abstract model '{d.path}': {exc.reason}",
                                       d.span, help)) from None
        if d.path in out:
            continue
        abstract_modules = load_modules(target)
        declared = {c.name for m in abstract_modules for c in m.decls if isinstance(c, ast.Const)}
        shared = {k: v for k, v in (overrides or {}).items() if k in declared}
        out[d.path] = check(abstract_modules, shared, load_abstracts(abstract_modules, chain + (key,), shared))
    return out


def _key(path: Path):
    try:
        return path.resolve()
    except (OSError, ValueError):
        return path


def _overrides(consts: list[str] | dict | None) -> dict[str, ConstOverride]:
    overrides: dict[str, ConstOverride] = {}
    if isinstance(consts, dict):
        consts = [f"{k}={v}" for k, v in consts.items()]
    for text in consts or []:
        o = parse_const_option(text)
        if o.name in overrides:
            raise SpecError(Diagnostic("E603", f"--const {o.name} is given twice", None))
        overrides[o.name] = o
    return overrides


def load_text(text: str, name: str = "<model>", consts: list[str] | dict | None = None) -> ir.CheckedModel:
    """Check a model given as text (no imports resolved relative to a file)."""
    overrides = _overrides(consts)
    return check([parse(text, name)], overrides)
