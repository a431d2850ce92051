"""Vacuity: properties that hold only because the case they test never happens.

`syncproof check --vacuity` asks, of every property that held, whether it held
for the reason its author meant. Each place where a property can hold without
testing anything is an *obligation* with a *witness*: a closed state predicate
that is true in a reachable state exactly when the case does happen.

    W201  `A implies B`         witness: A (under the guards and binders around it)
    W202  `forall x in S: P`    witness: some x in S; also the
                                `forall` of a temporal property's binders
    W203  `P leads_to Q`        witness: P, for some binding of the property's binders
    W204  no initial state      every property holds: there is no behaviour to test
    W205  `deterministic A`     A never taken in a reachable state
    W206  `commute A, B`        A and B never enabled together in a reachable state

A witness is built from the property's own expressions: the guards that
short-circuit evaluation on the way to the case (`a and b` evaluates b only
where a holds, `a implies b` only where a, `if c then x else y`, a comprehension's
`if`) are kept in front of it and the quantifiers around it become `exists`,
so a witness is evaluated only where the property itself would evaluate the
case. Cases inside `match` arms and `def` bodies (which bind names the witness
could not close over) are not examined. A case nested in one found vacuous (an
`implies` inside a `forall` over an empty set) is not reported again.

W204 is the one form "an `eventually` under a fairness constraint that no
behaviour satisfies" can take: fairness of actions (weak or strong, per
instance) is machine closed, as in TLA+ (every finite behaviour extends to a
fair one: take the enabled fair instances in turn), so there is a fair
behaviour exactly when there is an initial state.

The witnesses are checked as invariants `not W` by a second run of the
explicit engine over the same reachable states (without deadlock, not stopping
at a violation, with the check's symmetry and limits); the same run counts each
action's transitions (W205, and W204 when it finds no state), and a `commute`
that held has its actions' co-enabling read off the state graph (W206). A
witness violated means the case happens; a witness that holds after the run
saw every reachable state means it never does. When that run is cut short (a
state, depth or time limit, Ctrl-C, a run-time error) nothing is reported
vacuous and a note says the cases were not examined.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass

import numpy as np

from spec import ir
from spec.diagnostics import Diagnostic, Span
from spec.types import BoolType

from checker.core.kinds import Kind, Strength
from checker.core.limits import Budget, Stopped, ctrl_c_at_checks
from checker.core.result import Result, Verdict
from checker.engines.explicit.compiled import CompiledModel
from checker.engines.explicit.graph import GraphLimit, StateGraph

PREFIX = "vacuity:"   # the witness invariants' names: not a name a model can declare
NOTE = "vacuity: "

BOOL = BoolType()

HELP = ("a case that never happens makes the property say nothing about it: check that the model can reach "
        "it, or drop it")


@dataclass
class Obligation:
    prop: str            # the property it belongs to
    code: str            # W201 ...
    message: str
    span: Span | None
    witness: ir.Expr | None = None
    parent: int | None = None   # the obligation it is nested in (not reported if that one is)


# ---- building witnesses --------------------------------------------------------------------

@dataclass
class _Frame:
    """A quantifier around the case (None for the property's top level) and the guards that hold
    inside it on the way to the case, in evaluation order."""
    quant: ir.Quant | None
    guards: list


def _and(a: ir.Expr, b: ir.Expr) -> ir.Expr:
    return ir.Op(BOOL, b.span, op="and", args=[a, b])


def _not(a: ir.Expr) -> ir.Expr:
    return ir.Op(BOOL, a.span, op="not", args=[a])


def _true(span) -> ir.Expr:
    return ir.Lit(BOOL, span, value=True)


def _close(frames: list[_Frame], case: ir.Expr) -> ir.Expr:
    """The witness of `case` reached through `frames`: guards in front, quantifiers as `exists`."""
    inner = case
    for frame in reversed(frames):
        for g in reversed(frame.guards):
            inner = _and(g, inner)
        if frame.quant is not None:
            q = frame.quant
            inner = ir.Quant(BOOL, case.span, kind="exists", binders=q.binders, cond=q.cond, body=inner)
    return inner


def _bound(frames: list[_Frame]) -> str:
    """", for any value of c, d" naming the variables bound around a case ("" at top level)."""
    names = [b.sym.name for f in frames if f.quant is not None for b in f.quant.binders]
    return f", for any value of {', '.join(names)}" if names else ""


def _text(e: ir.Expr) -> str:
    """The source text of an expression (one line, shortened), for messages."""
    s = e.span
    if s is None:
        return "this expression"
    lines = s.source.text.split("\n")[s.line - 1:s.end_line]
    if not lines:
        return "this expression"
    if len(lines) == 1:
        text = lines[0][s.col - 1:s.end_col - 1]
    else:
        text = " ".join([lines[0][s.col - 1:]] + [x.strip() for x in lines[1:-1]] + [lines[-1][:s.end_col - 1].strip()])
    text = " ".join(text.split())
    return text if len(text) <= 60 else text[:57] + "..."


class _Collector:
    def __init__(self) -> None:
        self.out: list[Obligation] = []

    def add(self, o: Obligation) -> int:
        self.out.append(o)
        return len(self.out) - 1

    def walk(self, e, frames: list[_Frame], prop: str, what: str, parent: int | None) -> None:
        """Obligations of the expression `e` reached through `frames` (`what`: "invariant X")."""
        if isinstance(e, ir.Op):
            self._op(e, frames, prop, what, parent)
        elif isinstance(e, ir.Quant):
            self._quant(e, frames, prop, what, parent)
        # Match arms and def bodies bind names a witness cannot close over: not examined

    @staticmethod
    def _with(frames: list[_Frame], *guards) -> list[_Frame]:
        last = frames[-1]
        return frames[:-1] + [_Frame(last.quant, last.guards + list(guards))]

    def _op(self, e: ir.Op, frames, prop, what, parent) -> None:
        a = e.args
        if e.op == "implies" and len(a) == 2:
            me = self.add(Obligation(
                prop, "W201",
                f"`{_text(a[0])}` (the left side of `implies` in {what}) is false in every reachable state"
                f"{_bound(frames)}: {prop} holds without ever testing its right side",
                a[0].span, _close(frames, a[0]), parent))
            self.walk(a[0], frames, prop, what, parent)
            self.walk(a[1], self._with(frames, a[0]), prop, what, me)
        elif e.op == "and":
            for i, x in enumerate(a):
                self.walk(x, self._with(frames, *a[:i]), prop, what, parent)
        elif e.op == "or":
            for i, x in enumerate(a):
                self.walk(x, self._with(frames, *(_not(y) for y in a[:i])), prop, what, parent)
        elif e.op == "ite" and len(a) == 3:
            self.walk(a[0], frames, prop, what, parent)
            self.walk(a[1], self._with(frames, a[0]), prop, what, parent)
            self.walk(a[2], self._with(frames, _not(a[0])), prop, what, parent)
        elif e.op == "not":
            self.walk(a[0], frames, prop, what, parent)
        # other operators' operands are values, not cases: a boolean inside them (a set
        # literal of booleans, an equality of two conditions) is not a guard

    def _quant(self, q: ir.Quant, frames, prop, what, parent) -> None:
        me = parent
        if q.kind == "forall":
            me = self.forall(q.binders, q.cond, q.span, frames, prop, f"the `forall` over {{}} in {what}", parent)
        if q.cond is not None:
            bare = ir.Quant(q.type, q.span, kind=q.kind, binders=q.binders, cond=None, body=q.body)
            self.walk(q.cond, frames + [_Frame(bare, [])], prop, what, parent)
        if q.body is not None and isinstance(q.body.type, BoolType):
            self.walk(q.body, frames + [_Frame(q, [])], prop, what, me)

    def forall(self, binders, cond, span, frames, prop, what: str, parent) -> int:
        """The W202 obligation of a `forall` (`what` with {} for its domains)."""
        some = ir.Quant(BOOL, span, kind="exists", binders=binders, cond=cond, body=_true(span))
        domains = ", ".join(f"`{_text(b.domain)}`" for b in binders)
        where = " that satisfies its condition" if cond is not None else ""   # (a `forall` has none today)
        return self.add(Obligation(
            prop, "W202",
            f"{what.format(domains)} has no element{where} in any reachable state{_bound(frames)}: "
            f"{prop} holds without ever testing its body",
            binders[0].domain.span or span, _close(frames, some), parent))


def obligations(model: ir.CheckedModel, holding: set[str]) -> list[Obligation]:
    """The obligations of the properties named in `holding` (those that held)."""
    c = _Collector()
    top = [_Frame(None, [])]
    for inv in model.invariants:
        if inv.name in holding and inv.kind == "invariant":
            c.walk(inv.cond, top, inv.name, f"invariant {inv.name}", None)
    for p in model.properties:
        if p.name not in holding:
            continue
        frames, parent = top, None
        if p.binders:
            q = ir.Quant(BOOL, p.span, kind="forall", binders=p.binders, cond=None, body=p.p)
            parent = c.forall(p.binders, None, p.span, top, p.name, f"the `forall` over {{}} of property {p.name}",
                              None)
            frames = top + [_Frame(q, [])]
        if p.kind == ir.TemporalKind.LEADS_TO:
            c.add(Obligation(
                p.name, "W203",
                f"`{_text(p.p)}` (the left side of `leads_to` in property {p.name}) holds in no reachable "
                f"state{_bound(frames)}: {p.name} holds without ever requiring `{_text(p.q)}`",
                p.p.span, _close(frames, p.p), parent))
        for x in (p.p, p.q):
            if x is not None:
                c.walk(x, frames, p.name, f"property {p.name}", parent)
    return c.out


# ---- checking them -----------------------------------------------------------------------

def witness_model(model: ir.CheckedModel, obs: list[Obligation]) -> ir.CheckedModel:
    """The model whose only properties are the invariants `not W`, one per witness W."""
    m = copy.copy(model)
    m.invariants = [ir.InvariantIR(f"{PREFIX}{i}", _not(o.witness), o.span) for i, o in enumerate(obs)]
    m.properties, m.deterministic, m.commutes = [], [], []
    m.warnings = []
    return m


@dataclass(frozen=True)
class GraphLimits:
    """The limits of the state graph built for W206: the check's."""
    max_states: int | None = None
    timeout: float | None = None
    progress: object = None      # the explicit engine's progress callback


def holding(result: Result) -> set[str]:
    """The properties of `result` that held for every reachable state (exhaustive or proved)."""
    return {p.name for p in result.properties
            if p.verdict is Verdict.HOLDS and (p.how or result.how) in (Strength.EXHAUSTIVE, Strength.PROVED)}


def analyse(model: ir.CheckedModel, result: Result, run, limits: GraphLimits = GraphLimits()
            ) -> tuple[list[str], list[str]]:
    """(warnings, notes) on the properties of `result` that held.

    `run(model)`: the explicit engine on a witness model, with deadlock off, not stopping at a
    violation and the check's limits (a Result; it may raise KeyboardInterrupt)."""
    held = holding(result) - {Kind.RUNTIME, Kind.DEADLOCK}
    if not held:
        return [], [f"{NOTE}not examined: {_nothing_held(result)}"]
    obs = obligations(model, held)
    decls = [d for d in model.deterministic + model.commutes if d.name in held]
    try:
        r = run(witness_model(model, obs))
    except KeyboardInterrupt:
        return [], [f"{NOTE}not examined: interrupted (Ctrl-C)"]
    cut = _cut_short(r)
    if cut:
        return [], [f"{NOTE}not examined: {cut}"]
    # the search saw every reachable state: each witness is decided
    if r.stats.distinct_states == 0:
        return [_no_state(model, sorted(held))], []
    by_name = {p.name: p for p in r.properties}
    vacuous = {i for i in range(len(obs)) if by_name[f"{PREFIX}{i}"].verdict is Verdict.HOLDS}
    warnings = [_warning(o) for i, o in enumerate(obs) if i in vacuous and not _inside(obs, o, vacuous)]
    warnings += [_never_taken(model, d) for d in decls
                 if isinstance(d, ir.DeterministicIR) and r.stats.actions.get(model.actions[d.action].name) == 0]
    notes = []
    commutes = [d for d in decls if isinstance(d, ir.CommuteIR)]
    if commutes:
        found, note = _commutes(model, commutes, limits)
        warnings += found
        notes += [note] if note else []
    if not obs and not decls:
        notes.append(f"{NOTE}the properties that held have no case to examine (no `implies`, `forall`, "
                     "`leads_to`, `deterministic` or `commute`)")
    return warnings, notes


def _nothing_held(result: Result) -> str:
    if result.verdict is Verdict.HOLDS:
        return "the model has no invariant, temporal or determinism property"
    if result.violated:
        return "no property held: the check stopped at its first violation (with --continue the others are decided)"
    return result.reason or "no property held"


def _cut_short(r: Result) -> str:
    """Why the second search's verdicts are not to be trusted ("" when they are): it did not see
    every reachable state (its run-time errors property holds exactly when it did, since it never
    stops at a violation), or a run-time error happened in it."""
    runtime = next((p for p in r.properties if p.name == Kind.RUNTIME), None)
    if not r.interrupted and runtime is not None and runtime.verdict is Verdict.HOLDS:
        return ""
    if runtime is not None and runtime.verdict is Verdict.VIOLATED:
        return f"the second search met a run-time error ({runtime.message})"
    why = r.reason or ("interrupted (Ctrl-C)" if r.interrupted else "the search was cut short")
    return f"the second search did not see every reachable state ({why})"


def _inside(obs: list[Obligation], o: Obligation, vacuous: set[int]) -> bool:
    """Whether `o` is nested in an obligation found vacuous (which says it already)."""
    while o.parent is not None:
        if o.parent in vacuous:
            return True
        o = obs[o.parent]
    return False


def _warning(o: Obligation) -> str:
    return Diagnostic(o.code, f"vacuous: {o.message}", o.span, HELP, severity="warning").render()


def _no_state(model: ir.CheckedModel, names: list[str]) -> str:
    return Diagnostic(
        "W204", f"vacuous: the model has no initial state: every way through `init` fails a `require` (or "
        f"chooses from an empty set), so there is no behaviour and {', '.join(names)} hold without testing "
        "anything", _first_require(model.init) or model.span, "check the `require`s of `init`",
        severity="warning").render()


def _first_require(stmts) -> Span | None:
    """The span of the first `require` of a block, nested ones included."""
    for s in stmts:
        if isinstance(s, ir.Require):
            return s.span
        for block in (getattr(s, "then", None), getattr(s, "orelse", None), getattr(s, "body", None)):
            if isinstance(block, list):
                found = _first_require(block)
                if found is not None:
                    return found
    return None


def _never_taken(model: ir.CheckedModel, d: ir.DeterministicIR) -> str:
    name = model.actions[d.action].name
    return Diagnostic("W205", f"vacuous: {name} is never taken in a reachable state: {d.name} holds without "
                      "testing it", d.span, "check that the model can reach a state where the action is enabled",
                      severity="warning").render()


def _commutes(model: ir.CheckedModel, decls: list[ir.CommuteIR], limits: GraphLimits) -> tuple[list[str], str]:
    """W206 for the `commute` pairs never enabled together, read off the state graph; or a note when
    the graph could not be built whole."""
    budget = Budget(limits.timeout, limits.progress)
    try:
        with ctrl_c_at_checks(budget):
            g = StateGraph(CompiledModel(model), limits.max_states, budget)
    except (GraphLimit, Stopped) as exc:
        why = exc.reason if isinstance(exc, Stopped) else str(exc)
        return [], f"{NOTE}`commute` not examined: {why}"
    except KeyboardInterrupt:
        return [], f"{NOTE}`commute` not examined: interrupted (Ctrl-C)"
    cm = g.cm
    action_of = np.array([k for k, _ in cm.instances], dtype=np.int64)
    src = np.asarray(g.src, dtype=np.int64)
    inst = np.asarray(g.inst, dtype=np.int64)
    out = []
    for d in decls:
        if not _together(src, inst, action_of, d.first, d.second):
            a, b = model.actions[d.first].name, model.actions[d.second].name
            pair = f"two instances of {a} are" if a == b else f"{a} and {b} are"
            out.append(Diagnostic("W206", f"vacuous: {pair} never enabled together in a reachable state: "
                                  f"{d.name} holds without comparing two orders", d.span,
                                  "check that the model can reach a state where both are enabled",
                                  severity="warning").render())
    return out, ""


def _together(src: np.ndarray, inst: np.ndarray, action_of: np.ndarray, first: int, second: int) -> bool:
    """Whether some state has an edge of an instance of `first` and one of a different instance
    of `second` (the pairs `commute` compares)."""
    if not len(src):
        return False
    acts = action_of[inst]
    a = np.unique(np.stack([src[acts == first], inst[acts == first]], axis=1), axis=0)
    if first == second:   # two different instances of one action enabled in one state
        _, counts = np.unique(a[:, 0], return_counts=True)
        return bool(np.any(counts > 1))
    b = np.unique(src[acts == second])
    return bool(len(np.intersect1d(a[:, 0], b)))
