"""pytest plugin: `*.sync` models as test items, one per property, with the trace as the failure.

Opt-in: nothing is collected unless the ini option `syncproof_paths` names
where models live, and pytest only looks in the directories it visits
(`testpaths`, or the paths on the command line):

    [tool.pytest.ini_options]
    testpaths = ["tests", "models"]
    syncproof_paths = ["models"]

A model is checked once, every property to its own verdict (the search
goes on after a violation), with the engine, constants and options of the
`[[tool.syncproof.models]]` entries whose path is that file (one check per
entry), or with the explicit engine's defaults when none matches. Items are
`models/x.sync::Consistent` (or `models/x.sync::<check name>::Consistent`
when the configuration checks the file several ways). A violated property
fails with its trace; one the configuration expects to be violated is an
xfail (strict when `violates` names it); an inconclusive property fails,
as in `syncproof ci`. A model that does not load is a collection error with
its diagnostics.

With `--syncproof-coverage` (or the ini option `syncproof_coverage = true`)
each check also measures the model's coverage (`syncproof check --coverage`)
and the end of the session lists, per model, what was covered and the
statements never reached and branches never taken (warnings W211-W218). Checks go through the engine registry with the request of
their configured options (`checker.engines.options.request`).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from spec.diagnostics import SpecError
from spec.loader import load

from checker.core.kinds import Kind
from checker.core.result import Verdict
from checker.engines import options as engine_config
from checker.engines.explicit.coverage import add_to as add_coverage
from checker.project.config import ModelConfig, display_path, find_config, read_config
from checker.project.runs import Expectation
from checker.reports.formats.tracerows import trace_text


def pytest_addoption(parser) -> None:
    parser.addini("syncproof_paths", type="paths", default=[],
                  help="syncproof: collect the *.sync models under these paths as tests (default: none)")
    parser.addini("syncproof_config", default="",
                  help="syncproof: the configuration with [tool.syncproof] (default: found from the rootdir)")
    group = parser.getgroup("syncproof")
    parser.addini("syncproof_coverage", type="bool", default=False,
                  help="syncproof: measure the coverage of every model checked and list what was never reached")
    group.addoption("--no-syncproof", action="store_true", default=False,
                    help="do not collect *.sync models, whatever syncproof_paths says")
    group.addoption("--syncproof-coverage", action="store_true", default=False,
                    help="measure the coverage of every model checked and list what was never reached (as "
                    "syncproof check --coverage)")


def pytest_collect_file(file_path: Path, parent):
    if file_path.suffix != ".sync":
        return None
    config = parent.config
    if config.getoption("no_syncproof", False):
        return None
    roots = [Path(p).resolve() for p in config.getini("syncproof_paths")]
    target = file_path.resolve()
    if not any(target == r or r in target.parents for r in roots):
        return None
    return SyncFile.from_parent(parent, path=file_path)


class SyncError(Exception):
    """A model that cannot be checked: its diagnostics, rendered."""


class PropertyFailed(Exception):
    def __init__(self, text: str):
        super().__init__(text)
        self.text = text


_CONFIG = pytest.StashKey[object]()
_COVERAGE = pytest.StashKey[list]()   # (check name, model path, CoverageReport or a note), in the order measured


def _wants_coverage(config) -> bool:
    return bool(config.getoption("syncproof_coverage", False) or config.getini("syncproof_coverage"))


def pytest_terminal_summary(terminalreporter, exitstatus, config) -> None:
    """--syncproof-coverage: per model, the summary line and the warnings of its coverage."""
    measured = config.stash.get(_COVERAGE, [])
    if not measured:
        return
    terminalreporter.write_sep("=", "syncproof coverage")
    for name, shown, cov in measured:
        if isinstance(cov, str):
            terminalreporter.write_line(f"{shown} ({name}): {cov}")
            continue
        terminalreporter.write_line(f"{shown} ({name}): {cov.summary()}")
        for d in cov.warnings:
            terminalreporter.write_line(d.render())


def _configured(session_config, path: Path):
    """The checks [tool.syncproof] configures for this file: [(Config, ModelConfig)], [] when none."""
    if _CONFIG not in session_config.stash:  # read once a session
        session_config.stash[_CONFIG] = _read(session_config)
    conf = session_config.stash[_CONFIG]
    if isinstance(conf, SyncError):
        raise conf
    if conf is None:
        return []
    return [(conf, m) for m in conf.models if m.path.resolve() == path.resolve()]


def _read(session_config):
    given = session_config.getini("syncproof_config")
    where = Path(session_config.rootpath) / given if given else find_config(Path(session_config.rootpath))
    if where is None:
        return None
    try:
        return read_config(where)
    except SpecError as exc:
        return SyncError(f"the syncproof configuration is invalid:\n{exc.render()}")


class SyncFile(pytest.File):
    def collect(self):
        matches = _configured(self.config, self.path)
        if not matches:
            shown = display_path(self.path)
            matches = [(None, ModelConfig(0, self.path.name.removesuffix(".sync"), self.path, shown))]
        flat = len(matches) == 1
        for conf, m in matches:
            check = SyncCheck.from_parent(self, name=m.name, setting=m, expect=m.expect or Expectation(), flat=flat)
            if flat:
                yield from check.collect()
            else:
                yield check

    def repr_failure(self, excinfo):
        if isinstance(excinfo.value, SyncError):
            return str(excinfo.value)
        return super().repr_failure(excinfo)


class SyncCheck(pytest.Collector):
    def __init__(self, *, setting, expect, flat: bool, **kw):
        super().__init__(**kw)
        self.setting = setting
        self.expect = expect
        self.flat = flat          # the items hang off the file (one check of the file)
        self._model = None
        self._result = None

    def model(self):
        if self._model is None:
            m = self.setting
            try:
                self._model = load(m.shown, [f"{k}={v}" for k, v in m.constants.items()])
            except SpecError as exc:
                raise SyncError(exc.render()) from None
        return self._model

    def result(self):
        if self._result is None:
            opts = dict(self.setting.options)
            if engine_config.option(self.setting.engine, "continue"):
                opts["continue"] = True   # every property to its own verdict
            try:
                self._result = engine_config.run(self.model(), self.setting.engine, opts)
            except SpecError as exc:
                raise SyncError(exc.render()) from None
            if _wants_coverage(self.config):
                self._measure(opts)
        return self._result

    def _measure(self, opts: dict) -> None:
        """The coverage of the states the check explored, kept for the session's summary."""
        r = self._result
        add_coverage(self.model(), r, max_states=opts.get("max-states"), max_depth=opts.get("max-depth"),
                     timeout=opts.get("timeout"), stop_at_first=not opts.get("continue", False))
        what = r.coverage if r.coverage is not None else next(
            (n.removeprefix("coverage: ") for n in r.notes if n.startswith("coverage:")), "not measured")
        self.config.stash.setdefault(_COVERAGE, []).append((self.setting.name, self.setting.shown, what))

    def collect(self):
        model = self.model()
        names = [(x.name, x.span) for g in ("invariants", "step_properties", "properties", "deterministic", "commutes")
                 for x in getattr(model, g)]
        if self.setting.options.get("properties"):
            names = [(n, s) for n, s in names if n in self.setting.options["properties"]]
        if self.setting.options.get("deadlock", True) and self.setting.engine != "simulate":
            names.append((Kind.DEADLOCK, model.span))
        names.append((Kind.RUNTIME, model.span))
        for name, span in names:
            item = SyncProperty.from_parent(self.parent if self.flat else self, name=name, check=self, span=span)
            if self.expect.violated and name in self.expect.violated:
                item.add_marker(pytest.mark.xfail(strict=True, reason=f"configured: violates {name}"))
            elif self.expect.verdict == "violated" and not self.expect.violated:
                item.add_marker(pytest.mark.xfail(strict=False, reason="configured: expect violated"))
            elif self.expect.verdict == "inconclusive":
                item.add_marker(pytest.mark.xfail(strict=False, reason="configured: expect inconclusive"))
            yield item

    def repr_failure(self, excinfo):
        if isinstance(excinfo.value, SyncError):
            return str(excinfo.value)
        return super().repr_failure(excinfo)


class SyncProperty(pytest.Item):
    def __init__(self, *, check: SyncCheck, span, **kw):
        super().__init__(**kw)
        self.check = check
        self.span = span
        # Plugins written for function items read item.funcargs; pytest-lsp 1.0's
        # pytest_runtest_call wrapper returns without yielding when it is missing,
        # which fails every property item in a session where it is installed.
        self.funcargs: dict = {}

    def runtest(self) -> None:
        result = self.check.result()
        prop = next((p for p in result.properties if p.name == self.name), None)
        if prop is None:
            raise PropertyFailed(f"{self.name}: the {result.engine} engine did not report this property")
        if prop.verdict is Verdict.VIOLATED:
            if prop.trace is not None:
                raise PropertyFailed(trace_text(prop.trace, self.check.model().sources))
            raise PropertyFailed(prop.message + (f"\n  at {prop.where}" if prop.where else ""))
        if prop.verdict is Verdict.INCONCLUSIVE:
            raise PropertyFailed(f"{self.name} was not decided: {prop.message or result.reason}")

    def repr_failure(self, excinfo, style=None):
        if isinstance(excinfo.value, (PropertyFailed, SyncError)):
            return str(excinfo.value)
        return super().repr_failure(excinfo)

    def reportinfo(self):
        line = self.span.line - 1 if self.span is not None else 0
        return self.path, line, f"{self.check.name}::{self.name}"
