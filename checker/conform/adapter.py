"""The adapter API: how a Python implementation is driven from a model.

An adapter is a small class written next to the implementation. It maps each
action of the model to a call on the implementation and reports the
implementation's state in the model's terms:

    from checker.conform.adapter import Adapter, Rejected

    class LedgerAdapter(Adapter):
        model = "models/options_ledger.sync"      # optional default
        rejects = (LedgerError,)                  # how the implementation refuses an action

        def setup(self, constants):               # a fresh implementation for every run
            self.ledger = Ledger(users=constants["USERS"], cash=constants["INITIAL_CASH"])

        def Write(self, u, k):                    # one method per action, named after it
            self.ledger.write(u, k)               # (or its snake_case name, or @action("Write"))

        def observe(self):                        # model variable -> value; a subset is fine
            return {"cash": dict(self.ledger.cash), "price": self.ledger.price}

Parameters arrive as plain values (`spec.values`): model values and enum
members are strings, integers are ints, records are `Rec`. An observation
may use ordinary Python values: dicts for maps and records, sets, lists for
sequences, tuples, None for `none`, strings (or `enum.Enum` members) for enum
members, and integral `Decimal`s or `Fraction`s for integers.

An action the implementation refuses raises `Rejected`, or one of the
exception types listed in `rejects`. Conformance then also tries actions the
model does not allow (`check_guards`) and expects a refusal that changes
nothing: a missing guard is a bug it finds.

This module imports nothing heavy: `--determinism` workers load it to run
an implementation in other processes.

Every mistake in an adapter is an `AdapterError` (a `SpecError`, exit code
2), with a code, the adapter's source line where there is one, and a fix:

    E701  the adapter cannot be loaded (no such module or file, one that raises or
          exits while imported, one named like a standard module, no such class,
          not an Adapter)
    E702  the adapter's actions do not match the model's (missing, unknown,
          parameters)
    E703  an observation does not fit the model (unknown variable, wrong
          type or shape)
    E704  --determinism: a worker process cannot load or run the implementation
    E705  the implementation cannot be constructed: the adapter's __init__,
          setup() or teardown() raises (or calls sys.exit) on a fresh one
"""

from __future__ import annotations

import dataclasses
import enum
import importlib
import importlib.machinery
import importlib.util
import inspect
import numbers
import os
import re
import sys
import traceback
from collections.abc import Mapping, Set
from dataclasses import dataclass

from spec import ir
from spec import values as V
from spec.diagnostics import Diagnostic, Source, Span, SpecError, suggest
from spec.runtime import to_code
from spec.types import (BoolType, EnumType, IntType, MapType, OptionType, RecordType, SeqType, SetType, TupleType,
                        Type, UnionType)

import checker


class Rejected(Exception):
    """The implementation refused the action (raise it from an adapter method)."""


class AdapterError(SpecError):
    """A mistake in an adapter, reported like a model error (exit code 2)."""


class Adapter:
    """Base class of adapters; see the module docstring."""

    model: str | None = None                            # the model's path, when the adapter has one
    rejects: tuple[type[BaseException], ...] = (Rejected,)  # exceptions that mean "refused"
    check_guards: bool = True                           # also try actions the model does not allow
    skip: tuple[str, ...] = ()                          # model actions the implementation does not have

    def setup(self, constants: dict) -> None:
        """Create a fresh implementation; `constants` are the model's, as plain values."""

    def teardown(self) -> None:
        """Release what setup acquired (called after every run, even a failing one)."""

    def observe(self) -> dict:
        """The implementation's state as {model variable: value}; a subset of the variables is fine."""
        raise NotImplementedError


def action(name: str):
    """Marks an adapter method as the model action `name` (when the method has another name)."""
    def mark(fn):
        fn._syncproof_action = name
        return fn
    return mark


# ---- loading -------------------------------------------------------------------------------

# What the implementation's own code may raise and we report: SystemExit too (a module or method
# that calls sys.exit() must not end syncproof with its exit code), but not KeyboardInterrupt.
RAISED = (Exception, SystemExit)


def load_adapter(spec: str, search: list[str] | None = None) -> type[Adapter]:
    """The adapter class named by `MODULE:CLASS`.

    MODULE is a dotted name (`examples.options_ledger_impl.adapter`), looked up first in the
    `search` directories, else among installed modules; or a path to a `.py` file (inside a
    package, it is imported as the package's module). The module is imported by its own location:
    the search directories are appended to sys.path, never put first, so a file in the current
    directory named like a module of the standard library (`secrets.py`) is never imported in its
    place, by the adapter or by anything imported later."""
    module_name, sep, attr = spec.rpartition(":")
    if not sep or not module_name or not attr:
        raise AdapterError(Diagnostic("E701", f"--impl {spec}: expected MODULE:CLASS", None,
                                      "for example --impl examples.options_ledger_impl.adapter:LedgerAdapter"))
    path = None
    if _is_path(module_name):
        path = module_name
        module_name, roots = _module_of_file(spec, path)
    else:
        if not all(part.isidentifier() for part in module_name.split(".")):
            raise AdapterError(Diagnostic("E701", f"--impl {spec}: '{module_name}' is not a module name", None,
                                          "a dotted name (package.module) or the path of a .py file"))
        roots = [os.path.abspath(d) for d in search or []]
    module = _import(spec, module_name, roots)
    if path is not None and not _same_file(getattr(module, "__file__", None), path):
        raise AdapterError(Diagnostic("E701", f"--impl {spec}: the module {module_name} is already imported from "
                                      f"{module.__file__}, not from {path}", None, "rename the file"))
    cls = getattr(module, attr, None)
    if cls is None:
        names = [n for n, v in vars(module).items() if isinstance(v, type) and issubclass(v, Adapter)
                 and v is not Adapter]
        hint = suggest(attr, names) or (f"adapters in {module_name}: {', '.join(names)}" if names
                                        else f"{module_name} defines no subclass of checker.conform.adapter.Adapter")
        raise AdapterError(Diagnostic("E701", f"--impl {spec}: {module_name} has no attribute '{attr}'", None, hint))
    if not (isinstance(cls, type) and issubclass(cls, Adapter)):
        raise AdapterError(Diagnostic("E701", f"--impl {spec}: {attr} is not a subclass of checker.conform.adapter.Adapter",
                                      _span_of(cls), "class MyAdapter(Adapter): ... (from checker.conform.adapter import "
                                      "Adapter)"))
    return cls


def _is_path(module_name: str) -> bool:
    return module_name.endswith(".py") or "/" in module_name or os.sep in module_name


def _same_file(a: str | None, b: str) -> bool:
    try:
        return a is not None and os.path.samefile(a, b)
    except OSError:
        return False


def _module_of_file(spec: str, path: str) -> tuple[str, list[str]]:
    """(dotted name, [the directory it is relative to]) of a .py file: a file inside a package
    (directories with __init__.py) is that package's module, so its relative imports work."""
    full = os.path.abspath(path)
    if not (full.endswith(".py") and os.path.isfile(full)):
        raise AdapterError(Diagnostic("E701", f"--impl {spec}: no Python file {path}", None,
                                      "MODULE is a dotted module name or the path of an existing .py file"))
    parts = [os.path.basename(full)[:-3]]
    root = os.path.dirname(full)
    while os.path.isfile(os.path.join(root, "__init__.py")):
        root, package = os.path.split(root)
        parts.insert(0, package)
    if not all(part.isidentifier() for part in parts):
        raise AdapterError(Diagnostic("E701", f"--impl {spec}: {path} cannot be imported as a module: "
                                      f"'{'.'.join(parts)}' is not a dotted name", None,
                                      "rename the file (and its package directories) to Python identifiers"))
    return ".".join(parts), [root]


def _import(spec: str, module_name: str, roots: list[str]):
    """Imports module_name, its top-level package taken from `roots` where it is there."""
    top = module_name.partition(".")[0]
    found = importlib.machinery.PathFinder.find_spec(top, roots) if roots else None
    if found is not None and (top in sys.stdlib_module_names or top in sys.builtin_module_names):
        where = found.origin or next(iter(found.submodule_search_locations or []), top)
        raise AdapterError(Diagnostic("E701", f"--impl {spec}: {where} has the name of the standard library "
                                      f"module '{top}', which it would replace for every module", None,
                                      f"rename {where}"))
    for d in roots:  # for the implementation's own imports of its sibling modules; after everything else
        if d not in sys.path:
            sys.path.append(d)
    try:
        if found is not None and top not in sys.modules:
            _exec_top(top, found)
        return importlib.import_module(module_name)
    except ModuleNotFoundError as exc:
        if exc.name and (module_name == exc.name or module_name.startswith(exc.name + ".")):
            raise AdapterError(Diagnostic(
                "E701", f"--impl {spec}: no module named '{exc.name}'", None,
                "run from the directory that contains the package (it is searched), give the path of the "
                ".py file, or add its directory to PYTHONPATH")) from None
        raise AdapterError(_import_failure(spec, module_name, exc)) from None
    except RAISED as exc:  # the user's module failed (or exited) while importing
        raise AdapterError(_import_failure(spec, module_name, exc)) from None


def _exec_top(name: str, found) -> None:
    """Imports the top-level module or package `name` from the location found, as the import
    system would if its directory were on sys.path."""
    module = importlib.util.module_from_spec(found)
    sys.modules[name] = module
    try:
        found.loader.exec_module(module)
    except BaseException:
        sys.modules.pop(name, None)
        raise


def _import_failure(spec: str, module_name: str, exc: BaseException) -> Diagnostic:
    """What importing the user's module raised, pointing at the line that raised it."""
    frames = _user_frames(exc)
    span = _line_span(*frames[-1]) if frames else None
    return Diagnostic("E701", f"--impl {spec}: importing {module_name} failed: it raised {_raised(exc)}", span,
                      "fix the module; `python -c 'import MODULE'` shows the whole traceback", _frame_notes(frames))


_SHOWN_FRAMES = 4


def _frame_notes(frames: list[tuple[str, int, str]]) -> tuple[str, ...]:
    """The implementation's own traceback, its last few frames, one line each (none for one
    frame: the diagnostic's source line shows it)."""
    if len(frames) <= 1:
        return ()
    notes = tuple(f"{path}:{line}: {text}" if text else f"{path}:{line}" for path, line, text in
                  frames[-_SHOWN_FRAMES:])
    if len(frames) > _SHOWN_FRAMES:
        notes = (f"... {len(frames) - _SHOWN_FRAMES} earlier frames",) + notes
    return notes


def _raised(exc: BaseException) -> str:
    if isinstance(exc, SystemExit):
        return f"SystemExit({exc.code!r}) (it called sys.exit)"
    text = str(exc)
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__


def _user_frames(exc: BaseException) -> list[tuple[str, int, str]]:
    """The traceback's frames in the user's files: (path, line, source text); the import system's
    frozen frames and syncproof's own are left out."""
    ours = os.path.dirname(os.path.abspath(checker.__file__)) + os.sep     # every package of syncproof's
    out = []
    for frame in traceback.extract_tb(exc.__traceback__):
        path = frame.filename
        if path.startswith("<") or os.path.abspath(path).startswith(ours):
            continue
        out.append((path, frame.lineno or 0, (frame.line or "").strip()))
    if isinstance(exc, SyntaxError) and exc.filename and exc.lineno:
        out.append((exc.filename, exc.lineno, (exc.text or "").strip()))
    return out


def _line_span(path: str, line: int, text: str) -> Span | None:
    try:
        with open(path, encoding="utf-8") as f:
            source = f.read()
    except (OSError, UnicodeDecodeError):
        return None
    src = Source(path, source)
    full = src.line(line)
    if not full.strip():
        return None
    col = len(full) - len(full.lstrip()) + 1
    return Span(src, line, col, line, len(full.rstrip()) + 1)


def _innermost_frame(exc: BaseException) -> str | None:
    tb = exc.__traceback__
    last = None
    while tb is not None:
        last = tb
        tb = tb.tb_next
    if last is None:
        return None
    return f"{last.tb_frame.f_code.co_filename}:{last.tb_lineno}"


def check_construction(cls: type[Adapter], constants: dict) -> None:
    """Builds one implementation and tears it down before anything is tested: an implementation
    that cannot even be constructed (the adapter's __init__ or setup() raises, or exits) is a
    mistake to fix before conformance means anything: E705, exit 2, not a finding of every run."""
    stage, adapter = f"{cls.__name__}()", None
    try:
        adapter = cls()
        stage = "setup()"
        adapter.setup(dict(constants))
        stage = "teardown()"
        adapter.teardown()
    except RAISED as exc:
        if adapter is not None and stage == "setup()":
            try:
                adapter.teardown()
            except RAISED:  # setup's failure is the one to report
                pass
        frames = _user_frames(exc)
        raise AdapterError(Diagnostic(
            "E705", f"{cls.__module__}:{cls.__qualname__}: the implementation cannot be constructed: {stage} "
            f"raised {_raised(exc)}", _line_span(*frames[-1]) if frames else None,
            "a fresh implementation must be built from the model's constants before any step is tested",
            _frame_notes(frames))) from None


def describe_exception(exc: BaseException) -> str:
    """`KeyError: 'bob' (at ledger.py:42)`: what an implementation raised, and where."""
    frame = _innermost_frame(exc)
    return f"{type(exc).__name__}: {exc}" + (f" (at {frame})" if frame else "")


def _span_of(obj) -> Span | None:
    """The first source line of a class or function, for diagnostics that point at adapter code."""
    try:
        path = inspect.getsourcefile(obj)
        lines, lineno = inspect.getsourcelines(obj)
        with open(path, encoding="utf-8") as f:
            text = f.read()
    except (TypeError, OSError):
        return None
    first = lines[0] if lines else ""
    col = len(first) - len(first.lstrip()) + 1
    return Span(Source(path, text), lineno, col, lineno, len(first.rstrip()) + 1)


# ---- binding actions ---------------------------------------------------------------------------

def snake_case(name: str) -> str:
    return re.sub(r"(?<=[a-z0-9])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])", "_", name).lower()


@dataclass(frozen=True)
class Binding:
    """Which adapter method performs each model action (skipped actions are absent)."""

    methods: dict            # action name -> method name
    skipped: tuple           # action names the adapter skips


def bind(model, cls: type[Adapter]) -> Binding:
    """Matches the adapter's methods with the model's actions; every mistake at once (E702)."""
    actions = {a.name: a for a in model.actions}
    errors: list[Diagnostic] = []
    marked: dict[str, str] = {}
    for attr, fn in inspect.getmembers(cls, callable):
        name = getattr(fn, "_syncproof_action", None)
        if name is None:
            continue
        if name not in actions:
            errors.append(Diagnostic("E702", f"{cls.__name__}.{attr} is marked as action '{name}', which "
                                     f"{model.name} does not have", _span_of(fn),
                                     suggest(name, actions) or f"actions: {', '.join(actions)}"))
        marked[name] = attr
    for name in cls.skip:
        if name not in actions:
            errors.append(Diagnostic("E702", f"{cls.__name__}.skip names '{name}', which {model.name} does not have",
                                     _span_of(cls), suggest(name, actions) or f"actions: {', '.join(actions)}"))
    if cls.observe is Adapter.observe:
        errors.append(Diagnostic("E702", f"{cls.__name__} does not define observe()", _span_of(cls),
                                 "def observe(self): return {'variable': value, ...} in the model's terms"))
    methods: dict[str, str] = {}
    missing: list[str] = []
    for name, act in actions.items():
        if name in cls.skip:
            continue
        attr = marked.get(name) or next((m for m in (name, snake_case(name))
                                         if callable(getattr(cls, m, None)) and m not in _BASE_NAMES), None)
        params = [p.name for p in act.params]
        if attr is None:
            missing.append(f"def {name}({', '.join(['self'] + params)}): ...")
            continue
        problem = _signature_problem(getattr(cls, attr), params)
        if problem:
            errors.append(Diagnostic("E702", f"{cls.__name__}.{attr} cannot perform {name}"
                                     f"({', '.join(params)}): {problem}", _span_of(getattr(cls, attr)),
                                     "its parameters are passed by name, as the model names them"))
            continue
        methods[name] = attr
    if missing:
        names = [m.split("(")[0].removeprefix("def ") for m in missing]
        errors.insert(0, Diagnostic(
            "E702", f"{cls.__name__} has no method for {len(missing)} action{'s' if len(missing) > 1 else ''} of "
            f"{model.name}: {', '.join(names)}", _span_of(cls),
            "name a method after its action (or its snake_case name), mark it @action(\"Name\"), or list the "
            "action in skip", tuple(missing)))
    if errors:
        raise AdapterError(errors)
    return Binding(methods, tuple(cls.skip))


_BASE_NAMES = {"setup", "teardown", "observe", "model", "rejects", "check_guards", "skip"}


def _signature_problem(fn, params: list[str]) -> str | None:
    try:
        sig = inspect.signature(fn)
    except (TypeError, ValueError):
        return None
    ps = list(sig.parameters.values())[1:]  # self
    if any(p.kind is p.VAR_KEYWORD for p in ps):
        return None
    names = {p.name for p in ps if p.kind in (p.POSITIONAL_OR_KEYWORD, p.KEYWORD_ONLY)}
    missing = [n for n in params if n not in names]
    required = [p.name for p in ps if p.default is p.empty and p.kind in (p.POSITIONAL_OR_KEYWORD, p.KEYWORD_ONLY)
                and p.name not in params]
    if missing:
        return f"it takes no parameter {', '.join(repr(m) for m in missing)}"
    if required:
        return f"it requires {', '.join(repr(r) for r in required)}, which the action does not have"
    return None


# ---- observations ---------------------------------------------------------------------------

class Observation(dict):
    """An observation in the model's terms: variable -> plain value (possibly outside its type)."""


def normalize(model, raw, where: str) -> Observation:
    """Checks an observation's variables and shapes (E703) and converts it to plain values."""
    if not isinstance(raw, Mapping):
        raise AdapterError(Diagnostic("E703", f"observe() {where} returned {_kind(raw)}, not a dict of model "
                                      "variables", None, "return {'variable': value, ...}"))
    types = {v.name: v.type for v in model.vars}
    errors = []
    out = Observation()
    for name, value in raw.items():
        if name not in types:
            errors.append(Diagnostic("E703", f"observe() {where}: '{name}' is not a variable of {model.name}",
                                     None, suggest(str(name), types) or f"variables: {', '.join(types)}"))
            continue
        try:
            out[name] = coerce(types[name], value, str(name))
        except _Shape as exc:
            errors.append(Diagnostic("E703", f"observe() {where}: {exc}", None,
                                     f"'{name}' is a {types[name].show()}"))
    if errors:
        raise AdapterError(errors)
    return out


class _Shape(Exception):
    pass


def _kind(value) -> str:
    return f"{type(value).__name__} {_short(value)}"


def _short(value) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def coerce(t: Type, v, path: str, partial: bool = True):
    """A Python value as a plain value of type t. A value of the right shape outside the type (an
    integer out of range, an unknown enum member) is kept: it is a mismatch, not an adapter error.

    Where `partial`, a record may leave fields out (a ghost field the implementation does not
    have): they are not observed. Records inside options, sets, sequences, tuples and variants
    are compared whole."""
    if isinstance(t, BoolType):
        if isinstance(v, bool) or type(v).__name__ == "bool_":
            return bool(v)
        raise _Shape(f"{path}: expected true or false, got {_kind(v)}")
    if isinstance(t, IntType):
        return _integer(v, path)
    if isinstance(t, EnumType):
        if isinstance(v, enum.Enum):
            v = v.value if isinstance(v.value, str) else v.name
        if isinstance(v, str):
            return V.Sym(v)
        raise _Shape(f"{path}: expected a member of {t.show()} as a string, got {_kind(v)}")
    if isinstance(t, OptionType):
        if v is None or v is V.NONE:
            return V.NONE
        if isinstance(v, V.Some):
            return V.Some(coerce(t.elem, v.value, path, False))
        return V.Some(coerce(t.elem, v, path, False))
    if isinstance(t, TupleType):
        if not isinstance(v, (tuple, list)) or len(v) != len(t.fields):
            raise _Shape(f"{path}: expected a tuple of {len(t.fields)}, got {_kind(v)}")
        return tuple(coerce(ft, x, f"{path}[{i}]", False) for i, ((_, ft), x) in enumerate(zip(t.fields, v)))
    if isinstance(t, RecordType):
        return V.Rec(_record(t, v, path, partial))
    if isinstance(t, UnionType):
        return _variant(t, v, path)
    if isinstance(t, SetType):
        if not isinstance(v, (Set, frozenset)):
            raise _Shape(f"{path}: expected a set, got {_kind(v)}")
        items = [coerce(t.elem, x, f"{path} element", False) for x in v]
        return V.SetVal(sorted(items, key=lambda x: _order(t.elem, x)))
    if isinstance(t, MapType):
        return _map(t, v, path, partial)
    if isinstance(t, SeqType):
        if not isinstance(v, (list, tuple)):
            raise _Shape(f"{path}: expected a list, got {_kind(v)}")
        return V.SeqVal(coerce(t.elem, x, f"{path}[{i}]", False) for i, x in enumerate(v))
    raise AssertionError(t)


def _integer(v, path: str):
    if isinstance(v, bool) or not isinstance(v, numbers.Number):  # Decimal and Fraction are Numbers
        raise _Shape(f"{path}: expected an integer, got {_kind(v)}")
    if isinstance(v, numbers.Integral):
        return int(v)
    try:
        if v == int(v):
            return int(v)
    except (ValueError, OverflowError, TypeError):
        pass
    return v  # 2.5 where the model has an integer: a mismatch (rounding), shown as it is


def _record(t: RecordType, v, path: str, partial: bool = False) -> tuple:
    if isinstance(v, V.Rec):
        fields = dict(v.fields)
    elif isinstance(v, Mapping):
        fields = dict(v)
    elif dataclasses.is_dataclass(v) and not isinstance(v, type):
        fields = {f.name: getattr(v, f.name) for f in dataclasses.fields(v)}
    elif hasattr(v, "_asdict"):
        fields = v._asdict()
    else:
        raise _Shape(f"{path}: expected a record (a dict, dataclass or named tuple) with fields "
                     f"{', '.join(n for n, _ in t.fields)}, got {_kind(v)}")
    names = [n for n, _ in t.fields]
    missing = [] if partial else [n for n in names if n not in fields]
    extra = [str(n) for n in fields if n not in names]
    if missing or extra:
        parts = []
        if missing:
            parts.append(f"missing field {', '.join(missing)}")
        if extra:
            parts.append(f"no field {', '.join(extra)} in {t.show()}")
        raise _Shape(f"{path}: " + "; ".join(parts))
    return tuple((n, coerce(ft, fields[n], f"{path}.{n}", partial)) for n, ft in t.fields if n in fields)


def _variant(t: UnionType, v, path: str):
    if isinstance(v, V.Variant):
        tag, fields = v.tag, dict(v.fields)
    elif isinstance(v, str):
        tag, fields = v, {}
    elif isinstance(v, Mapping) and "tag" in v:
        tag = v["tag"]
        fields = {k: x for k, x in v.items() if k != "tag"}
    else:
        raise _Shape(f"{path}: expected a variant of {t.name} (a Variant, a tag string, or a dict with 'tag'), "
                     f"got {_kind(v)}")
    try:
        info = t.variant(tag)
    except KeyError:
        return V.Variant(str(tag), tuple(fields.items()))  # not a variant of the type: a mismatch
    if info.payload is None:
        if fields:
            raise _Shape(f"{path}: variant {tag} has no fields")
        return V.Variant(info.name, ())
    return V.Variant(info.name, _record(info.payload, fields, f"{path}({tag})", False))


def _map(t: MapType, v, path: str, partial: bool = True):
    if isinstance(v, V.MapVal):
        pairs = list(v.items)
    elif isinstance(v, Mapping):
        pairs = list(v.items())
    else:
        raise _Shape(f"{path}: expected a dict (a map[{t.key.show()}, {t.value.show()}]), got {_kind(v)}")
    keys = [t.key.decode(c) for c in t.key.codes()]
    got = {}
    for k, x in pairs:
        key = coerce(t.key, k, f"{path} key", False)
        if key not in keys:
            raise _Shape(f"{path}: key {_short(k)} is not a value of {t.key.show()}")
        got[key] = coerce(t.value, x, f"{path}[{V.show(key)}]", partial)
    missing = [V.show(k) for k in keys if k not in got]
    if missing:
        raise _Shape(f"{path}: no value for {', '.join(missing)} (a map of the model has a value for every key; "
                     "fill in defaults in observe())")
    return V.MapVal((k, got[k]) for k in keys)


def _order(t: Type, value):
    """Sort key: the value's code, so sets show in the model's order; unknown values last."""
    try:
        return (0, t.encode(value) if not isinstance(t, (IntType, BoolType)) else ir.encode_value(t, value), "")
    except Exception:  # noqa: BLE001 - any value outside the type sorts after those inside
        return (1, 0, repr(value))


# ---- partial observations -------------------------------------------------------------------

def pattern(t: Type, value) -> tuple[int, int]:
    """(mask, code): the bits of a value of type t that an observation fixes, and their code.
    Raises EncodeError (or TypeError) when the value is outside the type: nothing can match."""
    if isinstance(t, RecordType) and not isinstance(t, TupleType) and isinstance(value, V.Rec):
        mask = code = 0
        given = dict(value.fields)
        for (name, ft), off in zip(t.fields, t.offsets):
            if name in given:
                m, c = pattern(ft, given[name])
                mask |= m << off
                code |= c << off
        return mask, code
    if isinstance(t, MapType) and isinstance(value, V.MapVal):
        w = t.value.bits
        mask = code = 0
        for k, x in value.items:
            slot = t.key.encode(k) if not isinstance(t.key, (IntType, BoolType)) else to_code(
                ir.encode_value(t.key, k), t.key)
            m, c = pattern(t.value, x)
            mask |= m << (slot * w)
            code |= c << (slot * w)
        return mask, code
    return (1 << t.bits) - 1, to_code(ir.encode_value(t, value), t)


def restrict(expected, observed):
    """The expected value cut down to what the observation has (the fields it leaves out)."""
    if isinstance(expected, V.Rec) and isinstance(observed, V.Rec):
        have = dict(observed.fields)
        return V.Rec(tuple((n, restrict(v, have[n])) for n, v in expected.fields if n in have))
    if isinstance(expected, V.MapVal) and isinstance(observed, V.MapVal):
        have = dict(observed.items)
        return V.MapVal((k, restrict(v, have[k]) if k in have else v) for k, v in expected.items)
    return expected


def unobserved_fields(t: Type, value, path: str) -> list[str]:
    """Record fields (at any depth of records and maps) an observation leaves out."""
    out: list[str] = []
    if isinstance(t, RecordType) and not isinstance(t, TupleType) and isinstance(value, V.Rec):
        have = dict(value.fields)
        for name, ft in t.fields:
            if name not in have:
                out.append(f"{path}.{name}")
            else:
                out += unobserved_fields(ft, have[name], f"{path}.{name}")
    elif isinstance(t, MapType) and isinstance(value, V.MapVal) and value.items:
        out += unobserved_fields(t.value, value.items[0][1], f"{path}[]")
    return out


def leaf_diffs(path: str, values: list) -> list[tuple[str, list]]:
    """Where values (of one variable) differ, down to map entries and record fields:
    [("slots[0].called", [false, true]), ...]."""
    first = values[0]
    if all(v == first for v in values[1:]):
        return []
    if all(isinstance(v, V.MapVal) for v in values):
        keys = [k for k, _ in first.items]
        if all([k for k, _ in v.items] == keys for v in values):
            out = []
            for k in keys:
                out += leaf_diffs(f"{path}[{V.show(k)}]", [v[k] for v in values])
            return out
    if all(isinstance(v, V.Rec) for v in values):
        names = [n for n, _ in first.fields]
        if all([n for n, _ in v.fields] == names for v in values):
            out = []
            for n in names:
                out += leaf_diffs(f"{path}.{n}", [v.get(n) for v in values])
            return out
    return [(path, list(values))]
