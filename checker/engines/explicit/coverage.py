"""`check --coverage`: how often each action, statement and branch of a model ran, over its reachable states.

A pass of its own after the check, so the engines stay as fast as they are: a breadth-first search
that runs the reference interpreter (`spec.interp`) on `init` and on every action instance in
every reachable state, with a `Counter` hooked into it (`Interp._cover`) that counts each
statement reached and the outcome of each decision. The search does not reduce by symmetry and
does not depend on --workers, so the counts are exact and the same on every run: they count
runs over the reachable states themselves.

What is counted (`checker.core.coverage` holds the numbers):

    action      instances run (a state times a value of the parameters), the enabled ones,
                transitions, transitions that changed the state, runs that failed
    statement   times a run reached it
    if          then / else taken          require, assert   passed / failed
    choose      values chosen / domain empty                  for   iterations
    assignment  times it changed the state (not in init: there is no state before it)

The limits of the check hold here too: --max-states (distinct states), --max-depth, --timeout
(the pass has a time limit of its own, as long as the check's). A check that stopped at its first
violation explored the states up to that violation's depth, and coverage stops there too. When a
reachable state is left out the report says so (`partial`), and its warnings speak of the states
explored, not of every reachable state.

Warnings, each at the place to look, one per cause:

    W211  an action never enabled          W215  a require that never passes
    W212  a statement never reached        W216  a require that never fails
          (when no warning below says why) W217  a choose whose domain is always empty
    W213  an `if` condition never true     W218  an assignment that never changes the state
    W214  an `if` condition never false
"""

from __future__ import annotations

import time

from spec import ir
from spec.diagnostics import Diagnostic, SpecError
from spec.interp import Interp

from checker.core.coverage import ActionCoverage, CoverageReport, StatementCoverage
from checker.core.limits import Budget, Stopped
from checker.core.result import Result, Verdict
from checker.engines.explicit.enumerable import require_enumerable

KIND = {ir.Assign: "assign", ir.LetS: "let", ir.Require: "require", ir.Assert: "assert", ir.If: "if",
        ir.For: "for", ir.Choose: "choose"}
REACHED, YES, NO, CHANGED = range(4)
INTERRUPTED = "interrupted (Ctrl-C)"


class Counter:
    """The interpreter's coverage hook: per statement [reached, yes, no, changed]. yes/no are the
    outcomes of a decision (if, require, assert); for choose and for, yes counts the values and no
    the times there was none; for an assignment, yes counts the values stored."""

    def __init__(self):
        self.n: dict[ir.Stmt, list[int]] = {}

    def get(self, s: ir.Stmt) -> list[int]:
        return self.n.get(s) or [0, 0, 0, 0]

    def reached(self, s: ir.Stmt) -> None:
        c = self.n.get(s)
        if c is None:
            c = self.n[s] = [0, 0, 0, 0]
        c[REACHED] += 1

    def branch(self, s: ir.Stmt, ok: bool) -> None:
        self.n[s][YES if ok else NO] += 1

    def assigned(self, s: ir.Stmt, changed: bool) -> None:
        c = self.n[s]
        c[YES] += 1
        if changed:
            c[CHANGED] += 1

    def counted(self, s: ir.Stmt, values: int) -> None:
        c = self.n[s]
        c[YES] += values
        if not values:
            c[NO] += 1


def add_to(model: ir.CheckedModel, result: Result, max_states: int | None = None, max_depth: int | None = None,
           timeout: float | None = None, stop_at_first: bool = True) -> None:
    """The coverage of the states a check explored, into its result (`result.coverage`, and its warnings
    with the others); a note instead when the model cannot be enumerated. A check that stopped at its
    first violation explored the states up to that violation's depth: coverage stops there too."""
    try:
        require_enumerable(model)
    except SpecError as exc:
        result.notes.append("coverage: not measured: " + exc.diagnostics[0].message)
        return
    why = ""
    if result.verdict is Verdict.VIOLATED and stop_at_first and (max_depth is None or result.stats.depth < max_depth):
        max_depth = result.stats.depth
        why = f"the check stopped at its first violation, at depth {max_depth} (--continue explores every state)"
    result.coverage = coverage(model, max_states, max_depth, timeout, depth_reason=why)
    result.warnings.extend(w.render() for w in result.coverage.warnings)
    if result.coverage.partial == INTERRUPTED:
        result.interrupted = True   # the report is shown, with what was counted, and the exit code says so


def coverage(model: ir.CheckedModel, max_states: int | None = None, max_depth: int | None = None,
             timeout: float | None = None, budget: Budget | None = None, depth_reason: str = "") -> CoverageReport:
    """Runs init and every action instance in every reachable state (within the limits) and counts.

    `depth_reason` says why max_depth is what it is, when a state is left out because of it (default:
    'depth limit N reached')."""
    t0 = time.perf_counter()
    budget = budget or Budget(timeout)
    budget.phase("coverage", "while measuring coverage")
    interp = Interp(model)
    counter = Counter()
    interp._cover = counter
    actions = [ActionCoverage(a.name, a.span) for a in model.actions]
    states, depth, partial = _explore(model, interp, actions, max_states, max_depth, budget, depth_reason)
    report = CoverageReport(states=states, depth=depth, partial=partial, actions=actions)
    report.statements = _statements(model, counter)
    report.warnings = Warnings(model, counter, report).all()
    report.seconds = time.perf_counter() - t0
    return report


def _explore(model, interp: Interp, actions: list[ActionCoverage], max_states, max_depth, budget: Budget,
             depth_reason: str):
    """Breadth-first over the reachable states, running every action instance in each: (states run,
    the depth reached, why states were left out or "")."""
    tick = budget.tick
    # state constraints (where the model has them): a successor that fails one is a transition, but is
    # not kept or run, as in the check (the interpreter already drops such initial states)
    kept = interp.constrained if getattr(model, "constraints", None) else None
    seen: set[tuple] = set()
    level: list[tuple] = []
    partial = ""
    depth = 0
    try:
        inits, _ = interp.init_outcomes(tick)
        for st in inits:
            t = tuple(st)
            if max_states is not None and len(seen) >= max_states:
                partial = f"state limit {max_states:,} reached"
                break
            seen.add(t)
            level.append(t)
        while level:
            nxt: list[tuple] = []
            for state in level:
                for action, cov in zip(model.actions, actions):
                    for env in interp.param_values(action):
                        tick()
                        branches, failures = interp.run_block(action.body, list(state), env)
                        cov.runs += 1
                        cov.failed += len(failures)
                        if branches:
                            cov.enabled += 1
                        for st, _, _ in branches:
                            t = tuple(st)
                            cov.transitions += 1
                            if t != state:
                                cov.changed += 1
                            if t in seen or (kept is not None and not kept(st)):
                                continue
                            if max_depth is not None and depth >= max_depth:
                                partial = partial or depth_reason or f"depth limit {max_depth} reached"
                            elif max_states is not None and len(seen) >= max_states:
                                partial = partial or f"state limit {max_states:,} reached"
                            else:
                                seen.add(t)
                                nxt.append(t)
            if not nxt:
                break
            level = nxt
            depth += 1
    except Stopped as stop:
        return len(seen), depth, stop.reason
    except KeyboardInterrupt:
        return len(seen), depth, INTERRUPTED
    return len(seen), depth, partial


# ---- the statements ----------------------------------------------------------------------------

def blocks(model: ir.CheckedModel):
    """(block name, its statements, the action or None for init), init first."""
    yield "init", model.init, None
    for a in model.actions:
        yield a.name, a.body, a


def walk(stmts: list[ir.Stmt]):
    """Every statement of a block and the blocks inside it, in source order."""
    for s in stmts:
        yield s
        if isinstance(s, ir.If):
            yield from walk(s.then)
            yield from walk(s.orelse)
        elif isinstance(s, ir.For):
            yield from walk(s.body)


def _statements(model, counter: Counter) -> list[StatementCoverage]:
    """One entry per statement, in source order; statements that sugar (a channel's `send`, a fault
    action) expands into several share their span and are shown once, as the first of them."""
    out, shown = [], set()
    for name, stmts, action in blocks(model):
        for s in walk(stmts):
            key = (name, KIND[type(s)], _at(s))
            if key in shown:
                continue
            shown.add(key)
            out.append(_entry(s, name, counter, init=action is None))
    out.sort(key=lambda e: (e.span.source.name, e.span.line, e.span.col) if e.span else ("", 0, 0))
    return out


def _at(s: ir.Stmt):
    sp = s.span
    return (sp.source.name, sp.line, sp.col) if sp else id(s)


def _entry(s: ir.Stmt, block: str, counter: Counter, init: bool) -> StatementCoverage:
    c = counter.get(s)
    kind = KIND[type(s)]
    e = StatementCoverage(kind, s.span, block, source_text(s.span), reached=c[REACHED])
    if kind == "if":
        e.branches = {"then": c[YES], "else": c[NO]}
    elif kind in ("require", "assert"):
        e.branches = {"passed": c[YES], "failed": c[NO]}
    elif kind == "choose":
        e.branches = {"chosen": c[YES], "empty": c[NO]}
    elif kind == "for":
        e.branches = {"iterations": c[YES]}
    if not init and kind in ("assign", "if", "for"):
        e.changed = sum(counter.get(x)[CHANGED] for x in walk([s]) if isinstance(x, ir.Assign))
    return e


def source_text(span, width: int = 48) -> str:
    """The statement's first line from its start, trimmed to `width` characters."""
    if span is None:
        return ""
    text = span.source.line(span.line)[span.col - 1:]
    if span.end_line == span.line and span.end_col > span.col:
        text = text[:span.end_col - span.col]
    text = " ".join(text.split())
    return text if len(text) <= width else text[:width - 3] + "..."


# ---- warnings ------------------------------------------------------------------------------------

def _written(s: ir.Stmt, keyword: str) -> bool:
    """Whether the model's text has this statement as written (not one that sugar expands into: a
    `send` checks the channel's capacity with a require, a `receive` requires its message)."""
    return s.span is None or source_text(s.span).split(" ", 1)[0] == keyword


def _this(s: ir.Stmt, keyword: str) -> str:
    """'this require', or for sugar 'this `send` (its require)'."""
    if _written(s, keyword):
        return f"this {keyword}"
    return f"this `{source_text(s.span).split(' ', 1)[0]}` (its {keyword})"


class Warnings:
    """The warnings of a coverage report: never enabled, never reached, never taken."""

    def __init__(self, model, counter: Counter, report: CoverageReport):
        self.model, self.counter = model, counter
        self.actions = report.actions
        self.out: list[Diagnostic] = []
        self.seen: set = set()
        n = report.states
        self.scope = ("in any reachable state" if report.complete
                      else f"in the {n:,} state{'s' if n != 1 else ''} explored (coverage is partial: {report.partial})")

    def all(self) -> list[Diagnostic]:
        for cov, action in zip(self.actions, self.model.actions):
            if not cov.enabled:
                self.warn("W211", f"action {action.name} is never enabled {self.scope}", action.span,
                          self.stopper(action.body))
        for name, stmts, action in blocks(self.model):
            self.block(stmts, owner=None, init=action is None)
        return sorted(self.out, key=lambda d: (d.span.source.name, d.span.line, d.span.col) if d.span else ("", 0, 0))

    def stopper(self, stmts: list[ir.Stmt]) -> str | None:
        """Where the runs of a body that never gets through stop, when a require or choose does it."""
        for s in walk(stmts):
            c = self.counter.get(s)
            if c[REACHED] and not c[YES] and isinstance(s, (ir.Require, ir.Choose)) and s.span:
                what = source_text(s.span).split(" ", 1)[0]
                return f"its {what} at line {s.span.line} never lets a run through"
        return None

    def warn(self, code: str, message: str, span, help: str | None = None) -> None:
        key = (code, (span.source.name, span.line, span.col) if span else message)
        if key not in self.seen:
            self.seen.add(key)
            self.out.append(Diagnostic(code, message, span, help, severity="warning"))

    def block(self, stmts: list[ir.Stmt], owner: ir.Stmt | None, init: bool) -> None:
        """The warnings of a block whose owner (an if, a for, an action, init) was reached."""
        get = self.counter.get
        for i, s in enumerate(stmts):
            c = get(s)
            if not c[REACHED]:
                self.unreached(s, stmts[i - 1] if i else None, owner)
                return   # the rest of the block is not reached either, for the same reason
            self.statement(s, c, init)

    def unreached(self, s: ir.Stmt, before: ir.Stmt | None, owner: ir.Stmt | None) -> None:
        """s is the first statement of its block that no run reaches: a warning, unless the one about
        the statement that stops every run says it."""
        get = self.counter.get
        if before is None:
            if isinstance(owner, ir.For):
                self.warn("W212", f"this statement is never reached {self.scope}", s.span,
                          "the loop around it has nothing to loop over wherever it runs")
            return   # an if's branch never taken: W213/W214 at its condition
        if isinstance(before, ir.Require) and not get(before)[YES]:
            return   # W215
        if isinstance(before, ir.Choose) and not get(before)[YES]:
            return   # W217
        if isinstance(before, (ir.If, ir.For)):
            why = "no run gets through the " + ("`if`" if isinstance(before, ir.If) else "loop") + \
                  f" before it (line {before.span.line if before.span else '?'})"
        else:
            why = "the statement before it fails with a run-time error every time it runs"
        self.warn("W212", f"this statement is never reached {self.scope}", s.span, why)

    def statement(self, s: ir.Stmt, c: list[int], init: bool) -> None:
        n = c[REACHED]
        times = f"reached {n:,} time{'s' if n != 1 else ''}"
        if isinstance(s, ir.If):
            span = s.cond.span or s.span
            if not c[YES]:
                self.warn("W213", f"this condition is never true {self.scope} ({times}): its then branch is never "
                          "taken", span)
            if not c[NO]:
                what = "its else branch is never taken" if s.orelse else "the `if` is always taken"
                self.warn("W214", f"this condition is never false {self.scope} ({times}): {what}", span)
            if c[YES]:
                self.block(s.then, s, init)
            if c[NO]:
                self.block(s.orelse, s, init)
        elif isinstance(s, ir.Require):
            written = _written(s, "require")
            span = (s.cond.span or s.span) if written else s.span
            if not c[YES] and not written and _written(s, "receive"):
                # a receive is a require that the message (a parameter of the action) is in the channel
                self.warn("W215", f"this `receive` never has a message to receive {self.scope} ({times}): its "
                          "channel never holds one it accepts, and the statements after it are never run", span)
            elif not c[YES]:
                self.warn("W215", f"{_this(s, 'require')} never passes {self.scope} ({times}): the statements after "
                          "it are never run", span)
            elif not c[NO] and written:   # a send's capacity check that never fails is no fault of the model's
                self.warn("W216", f"this require never fails {self.scope} ({times}): it does not restrict the "
                          "model", span, "a require that never fails is either redundant or a sign that the case "
                          "it guards against is never reached")
        elif isinstance(s, ir.Choose):
            if not c[YES]:
                self.warn("W217", f"{_this(s, 'choose')} never has a value to choose {self.scope} ({times}): its set "
                          "is always empty", (s.domain.span or s.span) if _written(s, "choose") else s.span)
        elif isinstance(s, ir.For):
            if c[YES]:
                self.block(s.body, s, init)
            elif s.body:
                self.unreached(s.body[0], None, s)
        elif isinstance(s, ir.Assign) and not init and c[YES] and not c[CHANGED]:
            self.warn("W218", f"this assignment never changes the state {self.scope} ({times}): it always stores "
                      "the value the variable has", s.span)
