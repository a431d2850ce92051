"""The configuration of `syncproof ci`: `[tool.syncproof]` in pyproject.toml, or syncproof.toml.

    [tool.syncproof]
    out = "build/counterexamples"        # where counterexample traces go
    max-states = 1_000_000                # defaults for every model (any engine option)
    reports = { sarif = "syncproof.sarif", junit = "syncproof.xml" }

    [[tool.syncproof.models]]
    path = "models/two_phase_commit.sync" # a file, or a glob ("models/*.sync")
    exclude = []                          # globs of files the path's glob should skip
    constants = { RM = 4 }
    engine = "explicit"                   # default auto: explicit if it can enumerate; a list: one check each
    expect = "holds"                      # or violated, inconclusive; or violates = ["Consistent"]

`syncproof.toml` has the same keys at its top level. Paths are relative to
the configuration file. Reading is two stages: `read_config` checks the file
itself (keys, types, engines, model files) and `load_entries` loads every
model with its constants and checks the names that need the model (constants,
properties). Each stage reports every problem it finds, as diagnostics (E61x)
that point at the line of the configuration file; a CLI turns them into
exit 2.
"""

from __future__ import annotations

import difflib
import glob as _glob
import os
import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

from spec import files
from spec.diagnostics import Diagnostic, Source, Span, SpecError, suggest
from spec.loader import load as load_model

from checker.core.kinds import Kind
from checker.engines import options as engine_config
from checker.engines import registry
from checker.project.runs import EXPECTABLE, Entry, Expectation

CONFIG_FILES = ("syncproof.toml", "pyproject.toml")
REPORT_FORMATS = ("text", "json", "sarif", "junit", "markdown", "html")
TOP_KEYS = ("models", "engine", "out", "trace-files", "reports")
MODEL_KEYS = ("path", "exclude", "name", "constants", "engine", "expect", "violates", "mutation-score")


@dataclass
class ModelConfig:
    index: int                  # position in the models array (0-based)
    name: str
    path: Path                  # absolute
    shown: str                  # how reports show the path
    engine: str = "auto"
    constants: dict = field(default_factory=dict)   # NAME -> value text for spec.loader
    options: dict = field(default_factory=dict)     # engine options, validated
    expect: Expectation = field(default_factory=Expectation)
    mutation_score: float | None = None             # the least mutation score (syncproof mutate), percent


@dataclass
class Config:
    path: Path
    root: Path
    models: list[ModelConfig]
    out: Path
    trace_files: bool = True
    reports: dict = field(default_factory=dict)     # format -> Path
    shown: str = ""                                 # the file as messages name it


# ---- finding the file -------------------------------------------------------------------

def find_config(start: Path) -> Path | None:
    """syncproof.toml, or a pyproject.toml with [tool.syncproof], here or in a parent directory."""
    for d in [start, *start.parents]:
        for name in CONFIG_FILES:
            p = d / name
            if p.is_file() and (name == "syncproof.toml" or _has_section(p)):
                return p
    return None


def _has_section(path: Path) -> bool:
    try:
        text = files.read_text(path, what="configuration")
    except files.FileProblem:
        return False
    try:
        data = tomllib.loads(text)
    except (tomllib.TOMLDecodeError, ValueError):  # broken, but meant for us: read_config will say where
        return re.search(r"^\s*\[+\s*tool\.syncproof\b", text, re.M) is not None
    return isinstance(data.get("tool"), dict) and "syncproof" in data["tool"]


def display_path(path: Path, cwd: Path | None = None) -> str:
    """A path relative to the current directory when it is inside it, else absolute."""
    cwd = cwd or Path.cwd()
    try:
        return str(path.resolve().relative_to(cwd.resolve()))
    except ValueError:
        return str(path)


# ---- locating keys in the file ----------------------------------------------------------

class Locator:
    """Finds the line of a key in a TOML file, for messages (tomllib gives no positions)."""

    HEADER = re.compile(r"^\s*(\[\[?)\s*([^\]]+?)\s*\]\]?\s*(#.*)?$")

    def __init__(self, source: Source, prefix: str):
        self.source = source
        self.lines = source.text.splitlines()
        self.prefix = prefix

    def _table(self, suffix: str) -> str:
        return ".".join(p for p in (self.prefix, suffix) if p)

    def _sections(self):
        """(header name or '', is array, index among same-name arrays, first line, end line) for each section."""
        heads, counts = [(None, False, 0, 0)], {}
        for i, line in enumerate(self.lines):
            m = self.HEADER.match(line)
            if m:
                name = re.sub(r"\s+", "", m.group(2)).replace('"', "")
                array = m.group(1) == "[["
                n = counts.get(name, 0)
                counts[name] = n + 1
                heads.append((name, array, n, i))
        out = []
        for k, (name, array, n, start) in enumerate(heads):
            end = heads[k + 1][3] if k + 1 < len(heads) else len(self.lines)
            out.append((name or "", array, n, start, end))
        return out

    def span(self, key: str | None = None, model: int | None = None, table: str = "") -> Span | None:
        """The span of `key` (dotted: 'constants.RM') in the top table, a sub-table, or models[model]."""
        parts = key.split(".") if key else []
        for name, array, n, start, end in self._sections():
            if model is not None:
                own = name == self._table("models") and array and n == model
                sub = name.startswith(self._table("models") + ".") and self._owner(name, start) == model
                if not (own or sub):
                    continue
            elif name != self._table(table) and not (len(parts) == 2 and name == self._table(
                    ".".join(p for p in (table, parts[0]) if p))):   # [reports] then sarif = ...
                continue
            hit = self._find(parts, start, end, name)
            if hit is not None:
                return hit
        for name, array, n, start, end in self._sections():  # the table itself, for a missing key
            if (model is not None and name == self._table("models") and array and n == model) or \
                    (model is None and name == self._table(table) and name):
                return self._at(start, 1, len(self.lines[start].rstrip()))
        return None

    def _owner(self, name: str, start: int) -> int:
        """Which models[] element a [models.x] sub-table belongs to: the last one opened before it."""
        owner = -1
        for nm, array, n, s, _ in self._sections():
            if s >= start:
                break
            if nm == self._table("models") and array:
                owner = n
        return owner

    KEY = re.compile(r'^\s*"?([A-Za-z0-9_-]+)"?\s*(?:\.\s*"?([A-Za-z0-9_-]+)"?\s*)?=')

    def _find(self, parts: list[str], start: int, end: int, table: str) -> Span | None:
        """The key `parts` (['path'] or ['constants', 'RM']) in lines start..end of section `table`."""
        if not parts:
            return None
        in_sub = len(parts) == 2 and (table == parts[0] or table.endswith("." + parts[0]))  # [models.constants]
        for i in range(start, end):
            line = self.lines[i]
            m = self.KEY.match(line)
            if not m:
                continue
            first, dotted = m.group(1), m.group(2)
            if in_sub:
                if first == parts[1]:
                    return self._at(i, m.start(1) + 1, len(first))
                continue
            if first != parts[0]:
                continue
            if len(parts) == 1:
                return self._at(i, m.start(1) + 1, len(first))
            if dotted == parts[1]:                                       # constants.RM = 3
                return self._at(i, m.start(2) + 1, len(dotted))
            inner = re.search(r'[{,]\s*"?(' + re.escape(parts[1]) + r')"?\s*=', line)   # constants = { RM = 3 }
            if inner:
                return self._at(i, inner.start(1) + 1, len(parts[1]))
            return self._at(i, m.start(1) + 1, len(first))
        return None

    def _at(self, i: int, col: int, width: int) -> Span:
        return Span(self.source, i + 1, col, i + 1, col + max(1, width))


# ---- reading and checking the file -------------------------------------------------------

class _Problems:
    def __init__(self, locator: Locator, shown: str):
        self.loc = locator
        self.shown = shown
        self.items: list[Diagnostic] = []

    def add(self, code: str, message: str, key: str | None = None, model: int | None = None,
            help: str | None = None, table: str = "", value: str | None = None) -> None:
        span = self.loc.span(key, model, table)
        if span is not None and value:  # point at the faulty value rather than its key, when it is on that line
            line = span.source.line(span.line)
            at = line.find(value, span.col)
            if at >= 0:
                span = Span(span.source, span.line, at + 1, span.line, at + 1 + len(value))
        where = self._context(key, model, table)
        self.items.append(Diagnostic(code, f"{where}: {message}" if where else message, span, help))

    def _context(self, key, model, table) -> str:
        base = self.loc.prefix
        if model is not None:
            name = ".".join(p for p in (base, "models") if p)
            return f"[[{name}]] #{model + 1}"
        if table:
            return f"[{'.'.join(p for p in (base, table) if p)}]"
        return f"[{base}]" if base else ""


MAX_TOML_DIGITS = 4300   # Python's int() limit, which tomllib meets first


def read_toml(path: Path, shown: str) -> tuple[Source, dict]:
    """The text and the table of a configuration file, read as any file a user names (spec.files)."""
    try:
        text = files.read_text(path, shown, what="configuration")
    except files.FileProblem as exc:
        if exc.reason == "no such file":
            raise SpecError(Diagnostic("E610", f"no such configuration file: {shown}", None)) from None
        raise SpecError(Diagnostic("E610", str(exc), None)) from None
    source = Source(shown, text)
    try:
        return source, tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise SpecError(_toml_error(source, str(exc))) from None
    except ValueError as exc:  # a value tomllib cannot convert, such as an integer of 5,000 digits
        raise SpecError(_toml_value_error(source, exc)) from None
    except RecursionError:  # tomllib reads nested arrays and inline tables recursively
        raise SpecError(Diagnostic("E610", f"{shown} is not valid TOML: arrays or inline tables "
                                   "nested too deeply", None)) from None


def _toml_error(source: Source, text: str) -> Diagnostic:
    m = re.search(r"\(at line (\d+), column (\d+)\)", text)
    span = Span(source, int(m.group(1)), int(m.group(2)), int(m.group(1)), int(m.group(2)) + 1) if m else None
    msg = re.sub(r"\s*\(at line \d+, column \d+\)", "", text)
    return Diagnostic("E610", f"{source.name} is not valid TOML: {msg}", span)


def _toml_value_error(source: Source, exc: ValueError) -> Diagnostic:
    """tomllib converts integers with int(), which refuses more than 4,300 digits; say where."""
    for lineno, line in enumerate(source.text.splitlines(), 1):
        m = _LONG_NUMBER.search(line)
        if m:
            digits = sum(c.isdigit() for c in m.group())
            span = Span(source, lineno, m.start() + 1, lineno, m.end() + 1)
            return Diagnostic("E610", f"a number of {digits:,} digits: a configuration's numbers have "
                              f"at most {MAX_TOML_DIGITS:,}", span)
    return Diagnostic("E610", f"{source.name} is not valid TOML: {exc}", None)


_LONG_NUMBER = re.compile(r"[0-9](?:_?[0-9]){%d,}" % MAX_TOML_DIGITS)


def read_config(path: Path | None = None, cwd: Path | None = None) -> Config:
    """The configuration at `path` (default: found from the current directory), checked."""
    cwd = cwd or Path.cwd()
    if path is None:
        path = find_config(cwd)
        if path is None:
            raise SpecError(Diagnostic(
                "E610", "no configuration: found no syncproof.toml, nor a pyproject.toml with a "
                f"[tool.syncproof] section, in {cwd} or its parents", None,
                "add a [tool.syncproof] section with [[tool.syncproof.models]] entries (see docs/ci.md), "
                "or give one with --config"))
    path = Path(path)
    shown = display_path(path, cwd)
    source, data = read_toml(path, shown)
    pyproject = path.name != "syncproof.toml"
    prefix = "tool.syncproof" if pyproject else ""
    if pyproject:
        section = data.get("tool", {}).get("syncproof") if isinstance(data.get("tool"), dict) else None
        if section is None:
            raise SpecError(Diagnostic("E610", f"{shown} has no [tool.syncproof] section", None,
                                       "see docs/ci.md for what to put in it"))
        data = section
    problems = _Problems(Locator(source, prefix), shown)
    config = _check(data, path.resolve().parent, path, problems, cwd)
    if problems.items:
        raise SpecError(problems.items)
    config.shown = shown
    return config


def _check(data, root: Path, path: Path, problems: _Problems, cwd: Path) -> Config:
    if not isinstance(data, dict):
        problems.add("E612", "must be a table")
        return Config(path, root, [], root / "counterexamples")
    known_options = engine_config.all_option_names()
    for key in data:
        if key not in TOP_KEYS and key not in known_options:
            problems.add("E611", f"unknown key '{key}'", key, help=_did_you_mean(key, TOP_KEYS + tuple(known_options)))
    defaults = {k: v for k, v in data.items() if k in known_options and k not in TOP_KEYS}
    for key, value in defaults.items():
        opt = next(engine_config.option(e, key) for e in engine_config.names() if engine_config.option(e, key))
        why = engine_config.check_value(opt, value)
        if why:
            problems.add("E612", why, key)
    default_engines = _engines(data.get("engine", "auto"), problems, "engine", None) or ["auto"]
    out = _string(data, "out", problems, None, "counterexamples")
    trace_files = data.get("trace-files", True)
    if not isinstance(trace_files, bool):
        problems.add("E612", f"'trace-files' must be true or false, not {engine_config.describe(trace_files)}",
                     "trace-files")
        trace_files = True
    reports = _reports(data.get("reports", {}), root, problems)
    raw = data.get("models")
    if raw is None or raw == []:
        problems.add("E611", "no models to check", "models",
                     help="add [[models]] entries, each with a path (see docs/ci.md)".replace(
                         "[[models]]", f"[[{problems.loc._table('models')}]]"))
        raw = []
    elif not isinstance(raw, list) or not all(isinstance(m, dict) for m in raw):
        problems.add("E612", "'models' must be an array of tables ([[models]] entries)", "models")
        raw = []
    models: list[ModelConfig] = []
    for i, entry in enumerate(raw):
        models += _model(i, entry, root, defaults, default_engines, problems, cwd)
    _unique_names(models, raw, problems)
    return Config(path, root, models, root / out, trace_files, reports)


def _did_you_mean(name: str, candidates) -> str:
    return suggest(name, candidates) or "known keys: " + ", ".join(sorted(candidates))


def _string(data: dict, key: str, problems: _Problems, model: int | None, default=None):
    value = data.get(key, default)
    if value is not None and not isinstance(value, str):
        problems.add("E612", f"'{key}' must be a string, not {engine_config.describe(value)}", key, model)
        return default
    return value


def _engines(value, problems: _Problems, key: str, model: int | None) -> list[str]:
    names = [value] if isinstance(value, str) else value
    if not isinstance(names, list) or not names or not all(isinstance(n, str) for n in names):
        problems.add("E612", f"'{key}' must be an engine name or a list of them, not "
                     f"{engine_config.describe(value)}", key, model)
        return []
    known = engine_config.names()
    good = []
    for n in names:
        if n in known:
            good.append(n)
        else:
            problems.add("E614", f"unknown engine '{n}'", key, model,
                         (suggest(n, known) or "") + f" (engines: {', '.join(known)})", value=f'"{n}"')
    return good


def _reports(value, root: Path, problems: _Problems) -> dict:
    if not isinstance(value, dict):
        problems.add("E612", "'reports' must be a table of format = \"file\"", "reports")
        return {}
    out = {}
    for fmt, file in value.items():
        if fmt not in REPORT_FORMATS:
            problems.add("E611", f"unknown report format '{fmt}'", f"reports.{fmt}",
                         help=(suggest(fmt, REPORT_FORMATS) or "") + f" (formats: {', '.join(REPORT_FORMATS)})")
        elif not isinstance(file, str) or not file:
            problems.add("E612", f"reports.{fmt} must be a file name", f"reports.{fmt}")
        else:
            out[fmt] = root / file
    return out


def _model(i: int, entry: dict, root: Path, defaults: dict, default_engines: list[str],
           problems: _Problems, cwd: Path) -> list[ModelConfig]:
    known_options = engine_config.all_option_names()
    for key in entry:
        if key not in MODEL_KEYS and key not in known_options:
            problems.add("E611", f"unknown key '{key}'", key, i,
                         _did_you_mean(key, MODEL_KEYS + tuple(known_options)))
    if "path" not in entry:
        problems.add("E611", "'path' is missing: which model file to check", None, i)
        return []
    raw_path = _string(entry, "path", problems, i)
    if raw_path is None:
        return []
    files = _model_files(raw_path, root, problems, i)
    files = _exclude(files, entry.get("exclude", []), root, problems, i)
    name = _string(entry, "name", problems, i)
    if name is not None and len(files) > 1:
        problems.add("E612", f"'name' names one model, but '{raw_path}' matches {len(files)} files", "name", i)
    engines = _engines(entry["engine"], problems, "engine", i) if "engine" in entry else default_engines
    constants = _constants(entry.get("constants", {}), problems, i)
    expect = _expectation(entry, problems, i)
    score = _mutation_score(entry, expect, problems, i)
    options = {k: v for k, v in entry.items() if k in known_options and k not in MODEL_KEYS}
    for key, value in options.items():
        accepting = [e for e in engines if engine_config.option(e, key)]
        if not accepting:
            which = ", ".join(engines) or "?"
            valid = sorted({o.name for e in engines for o in engine_config.options(e)})
            problems.add("E611", f"'{key}' is not an option of the {which} engine", key, i,
                         f"its options: {', '.join(valid)}")
            continue
        why = engine_config.check_value(engine_config.option(accepting[0], key), value)
        if why:
            problems.add("E612", why, key, i)
    out = []
    for f in files:
        for engine in engines:
            opts = {k: v for k, v in {**defaults, **options}.items() if engine_config.option(engine, k)}
            show_engine = len(engines) > 1 or engine not in ("auto", "explicit")
            label = name or _auto_name(f, constants, engine, show_engine)
            out.append(ModelConfig(i, label, f, display_path(f, cwd), engine, constants, opts, expect, score))
    return out


def _model_files(raw: str, root: Path, problems: _Problems, i: int) -> list[Path]:
    if not _inside(root / raw, root):
        problems.add("E613", f"'{raw}' is outside the project", "path", i,
                     "a model path is relative to the configuration file's directory and stays inside it",
                     value=f'"{raw}"')
        return []
    if any(c in raw for c in "*?["):
        found = sorted(Path(p) for p in _glob.glob(str(root / raw), recursive=True) if os.path.isfile(p))
        if not found:
            problems.add("E613", f"'{raw}' matches no file", "path", i)
        return found
    p = (root / raw)
    if p.is_file():
        return [p]
    if p.is_dir():
        problems.add("E613", f"'{raw}' is a directory; give a model file or a glob like '{raw}/*.sync'", "path", i)
        return []
    near = []
    if p.parent.is_dir():
        near = difflib.get_close_matches(p.name, [c.name for c in p.parent.iterdir() if c.suffix == ".sync"], 1)
    if near:
        hint = f"did you mean '{(Path(raw).parent / near[0]).as_posix()}'?"
    else:
        hint = f"the path is relative to {display_path(root)}/"
    problems.add("E613", f"no such model file: {raw}", "path", i, hint, value=f'"{raw}"')
    return []


def _inside(path: Path, root: Path) -> bool:
    """Whether `path` is under `root`, as written (a symbolic link inside the project counts as inside)."""
    return os.path.normpath(path) == str(root) or os.path.normpath(path).startswith(str(root) + os.sep)


def _exclude(files: list[Path], value, root: Path, problems: _Problems, i: int) -> list[Path]:
    patterns = [value] if isinstance(value, str) else value
    if not isinstance(patterns, list) or not all(isinstance(p, str) for p in patterns):
        problems.add("E612", "'exclude' must be a glob or a list of globs", "exclude", i)
        return files
    gone = {Path(p).resolve() for pat in patterns for p in _glob.glob(str(root / pat), recursive=True)}
    return [f for f in files if f.resolve() not in gone]


def _constants(value, problems: _Problems, i: int) -> dict:
    if not isinstance(value, dict):
        problems.add("E612", "'constants' must be a table, e.g. constants = { RM = 3 }", "constants", i)
        return {}
    out = {}
    for name, v in value.items():
        text = constant_text(v)
        if text is None:
            problems.add("E612", f"constant {name} must be an integer, true or false, a list of names or a "
                         f"value in the model's syntax (a string), not {engine_config.describe(v)}",
                         f"constants.{name}", i)
        else:
            out[name] = text
    return out


def constant_text(v) -> str | None:
    """A TOML value as the text `--const NAME=...` takes, or None when it has no such form."""
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, int):
        return str(v)
    if isinstance(v, str) and v.strip():
        return v.strip()
    if isinstance(v, list) and all(isinstance(x, str) and re.fullmatch(r"[A-Za-z_]\w*", x) for x in v):
        return "{" + ", ".join(v) + "}"
    if isinstance(v, list) and all(isinstance(x, int) and not isinstance(x, bool) for x in v):
        return "{" + ", ".join(str(x) for x in v) + "}"
    return None


def _expectation(entry: dict, problems: _Problems, i: int) -> Expectation:
    verdict = entry.get("expect")
    violates = entry.get("violates")
    if verdict is not None and verdict not in EXPECTABLE:
        problems.add("E612", f"'expect' must be one of {', '.join(EXPECTABLE)}, not "
                     f"{engine_config.describe(verdict)}", "expect", i)
        verdict = None
    if violates is not None:
        if isinstance(violates, str):
            violates = [violates]
        if not isinstance(violates, list) or not violates or not all(isinstance(v, str) for v in violates):
            problems.add("E612", "'violates' must be a list of property names", "violates", i)
            violates = None
        elif verdict not in (None, "violated"):
            problems.add("E612", f"'violates' lists properties that fail, but 'expect' is \"{verdict}\"",
                         "violates", i)
    if violates:
        return Expectation("violated", tuple(violates))
    return Expectation(verdict or "holds")


def _mutation_score(entry: dict, expect: Expectation, problems: _Problems, i: int) -> float | None:
    """`mutation-score`: a percentage, for a model expected to hold (mutants of a broken one say nothing)."""
    value = entry.get("mutation-score")
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 <= value <= 100:
        problems.add("E612", f"'mutation-score' must be a percentage from 0 to 100, not "
                     f"{engine_config.describe(value)}", "mutation-score", i)
        return None
    if not expect.is_default:
        problems.add("E612", f"'mutation-score' needs a model that holds, but 'expect' is \"{expect.verdict}\"",
                     "mutation-score", i, "mutation analysis plants faults in a correct model")
        return None
    return float(value)


def _auto_name(path: Path, constants: dict, engine: str, show_engine: bool) -> str:
    """file stem[constants][engine]: two_phase_commit[RM=4], optimistic_concurrency_broken[bmc]."""
    name = path.name.removesuffix(".sync")
    if constants:
        name += "[" + ",".join(f"{k}={v}" for k, v in constants.items()) + "]"
    if show_engine:
        name += f"[{engine}]"
    return name


def _unique_names(models: list[ModelConfig], raw: list, problems: _Problems) -> None:
    seen: dict[str, ModelConfig] = {}
    for m in models:
        if m.name in seen:
            if "name" in raw[m.index]:
                problems.add("E612", f"two checks are named '{m.name}'; names must be unique", "name", m.index)
                continue
            n = 2
            while f"{m.name}#{n}" in seen:
                n += 1
            m.name = f"{m.name}#{n}"
        seen[m.name] = m


# ---- loading the models ------------------------------------------------------------------

CONST_CODES = ("E603", "E401", "E402", "E403", "E404", "E405", "E406", "E407", "E408", "E409")


def load_entries(config: Config, load=None) -> tuple[list[Entry], list[Diagnostic]]:
    """Loads every configured model; returns the entries and the configuration's problems.

    A model that does not parse or type-check becomes an entry with errors (reported with the
    others); constants the model does not have, or property names it does not know, are
    problems of the configuration.
    """
    load = load or load_model
    problems = _Problems(Locator(read_toml(config.path, config.shown)[0],
                                 "tool.syncproof" if config.path.name != "syncproof.toml" else ""), config.shown)
    cache: dict = {}
    entries = []
    for m in config.models:
        entry = Entry(m.name, m.shown, m.engine, dict(m.constants), m.expect, min_score=m.mutation_score)
        key = (m.path, tuple(sorted(m.constants.items())))
        if key not in cache:
            try:
                cache[key] = (load(m.shown, [f"{k}={v}" for k, v in m.constants.items()]), [])
            except SpecError as exc:
                cache[key] = (None, exc.diagnostics)
        model, diags = cache[key]
        config_diags = [d for d in diags if d.span is None and d.code in CONST_CODES]
        for d in config_diags:
            name = _const_name(d.message)
            message = re.sub(r"^--const [^:]*:\s*", "", d.message)
            problems.add("E615", f"{m.shown}: constant {name}: {message}" if name else f"{m.shown}: {message}",
                         f"constants.{name}" if name else "constants", m.index, d.help)
        if config_diags:
            continue
        entry.errors = [d for d in diags]
        entry.model = model
        if model is not None:
            entry.engine = registry.resolve(m.engine, model)
            _check_names(m, model, problems)
        entries.append(entry)
    return entries, problems.items


def _const_name(message: str) -> str | None:
    m = re.match(r"^--const ([A-Za-z_]\w*)", message)
    return m.group(1) if m else None


def _check_names(m: ModelConfig, model, problems: _Problems) -> None:
    groups = ("invariants", "properties", "deterministic", "commutes")
    declared = [x.name for g in groups for x in getattr(model, g, [])]
    for name in m.options.get("properties", []):
        if name not in declared:
            problems.add("E616", f"{m.shown} has no property '{name}'", "properties", m.index,
                         suggest(name, declared) or f"its properties: {', '.join(declared) or 'none'}")
    builtin = [Kind.DEADLOCK, Kind.RUNTIME]
    for name in m.expect.violated:
        if name not in declared + builtin:
            problems.add("E616", f"{m.shown} has no property '{name}' (in 'violates')", "violates", m.index,
                         suggest(name, declared + builtin) or f"its properties: {', '.join(declared + builtin)}")
