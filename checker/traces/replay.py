"""Replay: is an ITF trace a behaviour of the model, and what does it violate?

Every state is decoded with the model's types; the first must be an initial
state and each next one must follow from the previous by some action (the one
named in the state's `#meta` when there is one). Along the way every
invariant is checked, and every step property on every step; at the end, a deadlock and a
recorded failing step.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from spec import ir
from spec import values as V
from spec.diagnostics import SpecError
from spec.interp import Interp
from spec.ir import FairnessKind
from spec.refinement import Refinement
from spec.runtime import KIND_TITLES, ModelError, to_code

from checker.core.deferred import Deferred
from checker.core.exits import EXIT_BAD_INPUT, EXIT_HOLDS, EXIT_VIOLATED
from checker.core.kinds import Kind
from checker.core.properties import fairness_name
from checker.core.result import Trace
from checker.core.temporal import property_violated
from checker.engines.explicit.compiled import CompiledModel, InterpretedModel
from checker.engines.explicit.enumerable import obstacles
from checker.traces.itf import ITFError, check_document, from_itf, to_itf, trace_document

# on first use: the module loads numpy, which `syncproof --version`, `--help` and `parse` must not
conditions_of = Deferred("checker.engines.explicit.refinement_fairness", "conditions_of")


@dataclass
class ReplayResult:
    valid: bool
    steps: int
    message: str
    violations: list[tuple[str, int, str]] = field(default_factory=list)  # (property, state index, message)
    trace_property: str | None = None

    @property
    def exit_code(self) -> int:
        if not self.valid:
            return EXIT_BAD_INPUT
        return EXIT_VIOLATED if self.violations else EXIT_HOLDS


def decode_states(doc: dict, model: ir.CheckedModel, cm: CompiledModel) -> list[int]:
    """The trace's states, packed; ITFError says where one does not fit the model."""
    _check_vars(doc, model)
    out = []
    for i, st in enumerate(doc["states"]):
        codes = []
        for v in model.vars:
            if v.name not in st:
                raise ITFError(f"states[{i}]: variable '{v.name}' is missing")
            value = _encode(v.type, st[v.name], f"states[{i}].{v.name}")
            codes.append(to_code(value, v.type))
        out.append(cm.pack(codes))
    return out


def _check_vars(doc: dict, model: ir.CheckedModel) -> None:
    names = [v.name for v in model.vars]
    columns = {f"{r.abstract.name}.{v.name}" for r in model.refinements for v in r.abstract.vars}
    given = [n for n in doc["vars"] if n not in columns]   # a refinement's abstract state, beside the state
    missing = [n for n in names if n not in given]
    extra = [n for n in given if n not in names]
    if missing or extra:
        parts = []
        if missing:
            parts.append(f"the trace lacks {', '.join(missing)}")
        if extra:
            parts.append(f"the model has no variable {', '.join(extra)}")
        raise ITFError("vars: the trace's variables do not match the model: " + "; ".join(parts))


def _encode(t, data, where: str):
    """ITF JSON as a value of type t in the expression representation; ITFError says where not."""
    try:
        return ir.encode_value(t, from_itf(t, data, where))
    except V.EncodeError as exc:
        raise ITFError(f"{where}: {exc}") from None


def _params_match(step, params: dict | None, model_action, where: str) -> bool:
    if params is None:
        return True
    want = {}
    for p in model_action.params:
        if p.name not in params:
            return False
        want[p.name] = from_itf(p.type, params[p.name], f"{where}.{p.name}")
    return want == step.params


def _choices_match(made: tuple, choices: dict | None) -> bool:
    """A run that made these choices took the recorded ones (when the trace records them: older
    traces do not)."""
    if choices is None:
        return True
    return choices == {name: to_itf(value) for name, value in made}


def _instance(params, action) -> dict | None:
    """The recorded parameters of an action as an interpreter environment (None if unreadable)."""
    if not isinstance(params, dict) or set(params) != {p.name for p in action.params}:
        return None
    try:
        return {p.id: _encode(p.type, params[p.name], p.name) for p in action.params}
    except ITFError:
        return None


def executable(model: ir.CheckedModel) -> CompiledModel:
    """The model compiled, or on the reference interpreter where it cannot be: parameters too many
    to enumerate, or what the code generator refuses (E501 `choose` in a loop over a sequence,
    E502 too much code). A trace of the symbolic engines may come from either kind of model."""
    if obstacles(model):
        return InterpretedModel(model)
    try:
        return CompiledModel(model)
    except SpecError:
        return InterpretedModel(model)


def replay(doc: dict, model: ir.CheckedModel, check_deadlock: bool = True, deadlocked=None) -> ReplayResult:
    """Whether the ITF document is a behaviour of the model, and what it violates. `deadlocked(model,
    codes)` (`checker.engines.symbolic.deadlock`, passed by the command line) decides a deadlock in a
    model whose parameters are too many to enumerate: True, False or None (undecided)."""
    check_document(doc)
    cm = executable(model)
    if not doc["states"]:
        return _replay_init_failure(doc, model, cm)
    states = decode_states(doc, model, cm)
    if states[0] not in cm.init_states():
        return ReplayResult(False, 0, "state 0 is not an initial state of the model")
    taken = []
    for i in range(1, len(states)):
        step = _follow(doc, model, cm, states, i)
        if isinstance(step, ReplayResult):
            return step
        taken.append(step)
    loop = doc.get("loop")
    breach = _constraint_breach(model, cm, states, loop is not None)
    if breach is not None:
        return breach
    if loop is not None and (not 0 <= loop < len(states) or states[loop] != states[-1]):
        return ReplayResult(False, len(states) - 1, f"the lasso does not close: the last state is not state {loop}")
    result = ReplayResult(True, len(states) - 1, f"a behaviour of {model.name} with {len(states)} states"
                          + (f", looping back to state {loop}" if loop is not None else ""))
    result.trace_property = doc.get("#meta", {}).get("property")
    _check_step_properties(model, cm, states, result)
    _check_refinements(model, cm, states, result)
    if loop is not None:
        _check_lasso(doc, model, cm, states, loop, taken, result)
        return result
    _check_invariants(model, cm, states, result)
    _check_failing_step(doc, model, cm, states[-1], len(states) - 1, result)
    if not check_deadlock or not cm.in_model(states[-1]):   # a state failing a constraint is not expanded
        return result
    if not obstacles(model):
        dead = not cm.steps(states[-1])
    else:   # the parameters are too many to try: asked of z3 when the caller can (a layer above this one)
        dead = deadlocked(model, cm.layout.unpack(states[-1])) if deadlocked is not None else None
    if dead is None:
        result.message += (" (deadlock not checked: the actions' parameters are too many to enumerate"
                           + (", and z3 did not decide within its resource limit)" if deadlocked else ")"))
    elif dead:   # a run that fails is enabled
        result.violations.append((Kind.DEADLOCK, len(states) - 1,
                                  f"deadlock: no action is enabled in state {len(states) - 1}"))
    return result


def replay_engine_trace(trace: Trace, model: ir.CheckedModel, path: str, check_deadlock: bool = True) -> ReplayResult:
    """Replays a trace an engine made, as `syncproof replay` would replay the file written for it
    (`path`: the model file it names): the trace is checked exactly as it will be read back."""
    return replay(trace_document(trace, path), model, check_deadlock)


def _follow(doc: dict, model: ir.CheckedModel, cm: CompiledModel, states: list[int], i: int):
    """The step from state i - 1 to state i (the one its #meta names, when it names one), None for
    a stutter step, or the ReplayResult that says there is none."""
    meta = doc["states"][i].get("#meta", {})
    label, params = meta.get("action"), meta.get("parameters")
    if label == "(stutter)":
        if states[i] != states[i - 1]:
            return ReplayResult(False, i, f"state {i} is marked as a stutter step but differs from state {i - 1}")
        return None
    actions = {a.name: a for a in model.actions}
    if label is not None and label not in actions:
        return ReplayResult(False, i, f"state {i}: the model has no action '{label}'")
    env = _instance(params, actions[label]) if label is not None else None
    if env is not None:  # the recorded instance alone: parameters may range over 2**64 values
        steps = [st for st in cm.steps_of(states[i - 1], actions[label], env) if st.state == states[i]]
    elif obstacles(model):  # trying every instance is not possible: the trace must say which one
        what = f"a value of its type to every parameter of {label}" if label else "the action that led to it"
        return ReplayResult(False, i, f"state {i}: its #meta does not give {what}, and the model's action "
                            "instances are too many to try them all")
    else:
        steps = [st for st in cm.steps(states[i - 1]) if st.state == states[i]]
    if label is not None:
        steps = [st for st in steps if st.action == label
                 and _params_match(st, params, actions[label], f"states[{i}].#meta.parameters")]
    if not steps:
        what = f" by {label}" if label else ""
        return ReplayResult(False, i, f"state {i} does not follow from state {i - 1}{what}")
    return steps[0]


def _constraint_breach(model: ir.CheckedModel, cm: CompiledModel, states: list[int], lasso: bool):
    """The ReplayResult saying which state fails a state constraint and yet has a next state (only
    the last state of a finite trace may fail one: it is checked, not expanded), or None."""
    if not model.constraints:
        return None
    for i, s in enumerate(states if lasso else states[:-1]):
        if not cm.in_model(s):
            names = ", ".join(c.name for c in model.constraints)
            return ReplayResult(False, i, f"state {i} fails a state constraint ({names}): the search does not "
                                "expand it, so it can only be the last state of a trace")
    return None


def _check_invariants(model: ir.CheckedModel, cm: CompiledModel, states: list[int], result: ReplayResult) -> None:
    """Each invariant's first violation along the trace."""
    for inv in model.invariants:
        for i, s in enumerate(states):
            ok = cm.invariants(s)[model.invariants.index(inv)]
            if ok is not True:
                msg = f"invariant {inv.name} is violated in state {i}"
                result.violations.append((inv.name, i, msg))
                break


def _check_step_properties(model: ir.CheckedModel, cm: CompiledModel, states: list[int],
                           result: ReplayResult) -> None:
    """Each step property's first violation along the trace: (name, index of the state after the step)."""
    for sp in model.step_properties:
        for i in range(1, len(states)):
            ok = cm.step_property_holds(sp, states[i - 1], states[i])
            if ok is not True:
                why = "is violated" if ok is False else f"cannot be evaluated ({ok.message})"
                result.violations.append((sp.name, i, f"step property {sp.name} {why} by the step from state "
                                          f"{i - 1} to state {i}"))
                break


def _check_refinements(model: ir.CheckedModel, cm: CompiledModel, states: list[int], result: ReplayResult) -> None:
    """Each refinement's first violation along the trace (`spec.refinement`): the initial state, or
    a step whose mapped states are neither an abstract step nor a stutter."""
    for r in model.refinements:
        ref = Refinement(model, r)
        before = None
        for i, s in enumerate(states):
            try:
                after = ref.map(cm.unpack(s))
            except ModelError as exc:
                result.violations.append((r.name, i, ref.error_message(exc, i)))
                break
            if i == 0 and not ref.initial(after):
                result.violations.append((r.name, 0, ref.init_message(after)))
                break
            if i > 0 and not ref.step(before, after):
                result.violations.append((r.name, i, f"{r.name} is violated by the step from state {i - 1} to "
                                          f"state {i}: no action of {r.abstract.name} takes {ref.show(before)} "
                                          f"to {ref.show(after)}"))
                break
            before = after


def _check_failing_step(doc: dict, model: ir.CheckedModel, cm: CompiledModel, last: int, index: int,
                        result: ReplayResult) -> None:
    """Does the recorded failing step (#meta.failing-step) fail from the last state?"""
    if not cm.in_model(last):   # a state failing a constraint is not expanded: no step of it fails
        return
    failing = doc.get("#meta", {}).get("failing-step")
    actions = {a.name: a for a in model.actions}
    if failing is None or failing.get("action") not in actions:
        return
    name = failing["action"]
    env = _instance(failing.get("parameters"), actions[name])
    if env is None and obstacles(model):
        result.message += f" (the failing step of {name} is not checked: it does not record its parameters)"
        return
    candidates = cm.steps_of(last, actions[name], env) if env is not None else cm.steps(last)
    for st in candidates:
        if st.action == name and st.error is not None \
                and _params_match(st, failing.get("parameters"), actions[name], "#meta.failing-step.parameters") \
                and _choices_match(st.choices, failing.get("choices")):
            title = KIND_TITLES.get(st.error.kind, st.error.kind)
            message = f"{title} in {name} after state {index}: {st.error.message}"
            result.violations.append((Kind.RUNTIME, index, message))
            return


def _replay_init_failure(doc: dict, model: ir.CheckedModel, cm: CompiledModel) -> ReplayResult:
    """A trace without states: a run of init that fails before there is an initial state, as
    `#meta.failing-step` records it (action "init" and the choices made)."""
    if doc["vars"]:
        _check_vars(doc, model)
    failing = doc.get("#meta", {}).get("failing-step")
    if failing is None or failing.get("action") != "init":
        raise ITFError("states: the trace has no states (and no failing step of init in #meta.failing-step)")
    for exc in cm.init_outcomes()[1]:
        if _choices_match(exc.choices or (), failing.get("choices")):
            title = KIND_TITLES.get(exc.kind, exc.kind)
            result = ReplayResult(True, 0, f"a run of {model.name}'s init that fails before the initial state")
            result.violations.append((Kind.RUNTIME, 0, f"{title} in init: {exc.message}"))
            result.trace_property = doc.get("#meta", {}).get("property")
            return result
    return ReplayResult(False, 0, "init does not fail with the recorded choices")


def _check_lasso(doc: dict, model: ir.CheckedModel, cm: CompiledModel, states: list[int], loop: int,
                 taken: list, result: ReplayResult) -> None:
    """Is the lasso fair, and does it violate the temporal property it is recorded for?"""
    name = doc.get("#meta", {}).get("property")
    prop = next((p for p in model.properties if p.name == name), None)
    decl = next(((r, f) for r in model.refinements for f in r.abstract.fairness if fairness_name(r, f) == name), None)
    if decl is not None:
        _check_abstract_fairness(model, cm, states, loop, taken, result, name, *decl)
        return
    if prop is None:
        result.message += f"; the model has no temporal property '{name}' to check it against"
        return
    if obstacles(model) and model.fairness:
        result.message += "; fairness not checked: the actions' parameters are too many to enumerate"
    else:
        unfair = _unfair(model, cm, states, loop, taken)
        if unfair:
            result.message += f"; the cycle is not fair: {unfair}"
            result.valid = False
            return
    interp = Interp(model)
    for env in _bindings(prop, doc.get("#meta", {}).get("binding", {}), interp):
        try:
            violated = property_violated(prop, lambda e: [bool(interp.eval(e, env, cm.unpack(s))) for s in states],
                                         loop)
        except ModelError as exc:
            result.violations.append((prop.name, loop, f"property {prop.name} cannot be evaluated: {exc.message}"))
            return
        if violated:
            result.violations.append((prop.name, loop, f"the fair lasso violates {prop.name}"))
            return


def _check_abstract_fairness(model: ir.CheckedModel, cm: CompiledModel, states: list[int], loop: int, taken: list,
                             result: ReplayResult, name: str, r: ir.RefinementIR, f: ir.FairnessIR) -> None:
    """Is the lasso fair, and does its loop, mapped, break the abstract fairness declaration `f`
    (checker/engines/explicit/refinement_fairness.py says what that means)?"""
    unfair = _unfair(model, cm, states, loop, taken)
    if unfair:
        result.message += f"; the cycle is not fair: {unfair}"
        result.valid = False
        return
    ref = Refinement(model, r)
    try:
        mapped = [ref.map(cm.unpack(s)) for s in states[loop:]]
    except ModelError:
        return   # reported by _check_refinements
    pairs = list(zip(mapped, mapped[1:]))
    for cond in conditions_of(ref, f):
        on = [ref.enabled(cond, a) for a in mapped]
        ok = all(on) if f.kind == FairnessKind.WEAK else any(on)
        if ok and not any(ref.takes(cond, a, b) for a, b in pairs):
            result.violations.append((name, loop, f"the fair lasso violates {name}"))
            return


def _bindings(prop: ir.PropertyIR, recorded: dict, interp) -> list[dict]:
    """The values of the property's forall variables to check the lasso for: those the trace
    records (#meta.binding), each in its domain; every one when it records none."""
    if not all(b.sym.name in recorded for b in prop.binders):
        return list(interp.bindings(prop.binders))
    env = {}
    for b in prop.binders:
        where = f"#meta.binding.{b.sym.name}"
        env[b.sym.id] = _encode(b.sym.type, recorded[b.sym.name], where)
        if env[b.sym.id] not in interp.elements(b.domain, env, None):
            raise ITFError(f"{where}: {V.show(ir.decode_value(b.sym.type, env[b.sym.id]))} is not a value "
                           f"{b.sym.name} takes in {prop.name}")
    return [env]


def _unfair(model: ir.CheckedModel, cm: CompiledModel, states: list[int], loop: int, taken: list) -> str | None:
    """Why the cycle from state `loop` back to it is not fair (None: it is). `taken[i - 1]` is the
    step into state i (None: a stutter step). A condition is an instance of an action declared fair
    on its own, or a group `{A, B}` of declared actions together (see spec.ir.FairnessIR)."""
    order = {a.name: k for k, a in enumerate(model.actions)}
    decls = [(n, f, {model.actions[k].name for k in f.actions}) for n, f in enumerate(model.fairness)]
    fair = set().union(*(names for _, _, names in decls)) if decls else set()

    def conditions(st) -> set:
        """(sort key, what it is called, strong) of each condition the step belongs to."""
        params = tuple(sorted(st.params.items(), key=str))
        out = set()
        for n, f, names in decls:
            if st.action not in names:
                continue
            strong = f.kind == FairnessKind.STRONG
            if f.grouped:
                first = min(order[a] for a in names)
                label = "{" + ", ".join(sorted(names, key=order.get)) + "}"
                out.add(((first, "", not strong, n), label, strong))
            else:
                out.add(((order[st.action], str(params), not strong, -1), st.action, strong))
        return out
    cycle = range(loop, len(states))
    enabled = [set().union(*(conditions(st) for st in cm.steps(states[i])
                             if st.action in fair and st.state not in (None, states[i])))
               for i in cycle]
    took = set().union(*(conditions(taken[i - 1]) for i in cycle if i > loop and taken[i - 1] is not None
                         and states[i] != states[i - 1]))
    for cond in sorted(set().union(*enabled) - took):
        _, label, strong = cond
        if strong:
            return f"{label} is enabled and never taken"
        if all(cond in en for en in enabled):
            return f"{label} is enabled throughout and never taken"
    return None
