"""Replay: is an ITF trace a behaviour of the model, and what does it violate?

Every state is decoded with the model's types; the first must be an initial
state and each next one must follow from the previous by some action (the one
named in the state's `#meta` when there is one). Along the way every
invariant is checked; at the end, a deadlock and a recorded failing step.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from spec import ir
from spec import values as V
from spec.runtime import KIND_TITLES, ModelError, to_code

from .compiled import CompiledModel, InterpretedModel
from .itf import ITFError, from_itf, to_itf


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
            return 2
        return 1 if self.violations else 0


def decode_states(doc: dict, model: ir.CheckedModel, cm: CompiledModel) -> list[int]:
    names = [v.name for v in model.vars]
    given = doc["vars"]
    missing = [n for n in names if n not in given]
    extra = [n for n in given if n not in names]
    if missing or extra:
        parts = []
        if missing:
            parts.append(f"the trace lacks {', '.join(missing)}")
        if extra:
            parts.append(f"the model has no variable {', '.join(extra)}")
        raise ITFError("the trace's variables do not match the model: " + "; ".join(parts))
    out = []
    for i, st in enumerate(doc["states"]):
        if not isinstance(st, dict):
            raise ITFError(f"state {i}: not an object")
        codes = []
        for v in model.vars:
            if v.name not in st:
                raise ITFError(f"state {i}: variable '{v.name}' is missing")
            plain = from_itf(v.type, st[v.name], f"state {i}, variable '{v.name}'")
            try:
                value = ir.encode_value(v.type, plain)
            except V.EncodeError as exc:
                raise ITFError(f"state {i}, variable '{v.name}': {exc}") from None
            codes.append(to_code(value, v.type))
        out.append(cm.pack(codes))
    return out


def _params_match(step, params: dict | None, model_action) -> bool:
    if params is None:
        return True
    want = {}
    for p in model_action.params:
        if p.name not in params:
            return False
        want[p.name] = from_itf(p.type, params[p.name], f"parameter '{p.name}'")
    return want == step.params


def _choices_match(step, choices) -> bool:
    """The run took the recorded choices (when the trace records them: older traces do not)."""
    if not isinstance(choices, dict):
        return True
    return choices == {name: to_itf(value) for name, value in step.choices}


def _instance(params, action) -> dict | None:
    """The recorded parameters of an action as an interpreter environment (None if unreadable)."""
    if not isinstance(params, dict) or set(params) != {p.name for p in action.params}:
        return None
    try:
        return {p.id: ir.encode_value(p.type, from_itf(p.type, params[p.name], f"parameter '{p.name}'"))
                for p in action.params}
    except (ITFError, V.EncodeError):
        return None


def replay(doc: dict, model: ir.CheckedModel, check_deadlock: bool = True) -> ReplayResult:
    from .enumerable import obstacles
    cm = CompiledModel(model) if not obstacles(model) else InterpretedModel(model)
    states = decode_states(doc, model, cm)
    if not states:
        raise ITFError("the trace has no states")
    actions = {a.name: a for a in model.actions}
    if states[0] not in cm.init_states():
        return ReplayResult(False, 0, "state 0 is not an initial state of the model")
    for i in range(1, len(states)):
        meta = doc["states"][i].get("#meta", {}) if isinstance(doc["states"][i], dict) else {}
        label, params = meta.get("action"), meta.get("parameters")
        if label == "(stutter)":
            if states[i] != states[i - 1]:
                return ReplayResult(False, i, f"state {i} is marked as a stutter step but differs from state {i - 1}")
            continue
        if label is not None and label not in actions:
            return ReplayResult(False, i, f"state {i}: the model has no action '{label}'")
        env = _instance(params, actions[label]) if label is not None else None
        if env is not None:  # the recorded instance alone: parameters may range over 2**64 values
            steps = [st for st in cm.steps_of(states[i - 1], actions[label], env) if st.state == states[i]]
        else:
            steps = [st for st in cm.steps(states[i - 1]) if st.state == states[i]]
        if label is not None:
            steps = [st for st in steps if st.action == label and _params_match(st, params, actions[label])]
        if not steps:
            what = f" by {label}" if label else ""
            return ReplayResult(False, i, f"state {i} does not follow from state {i - 1}{what}")
    loop = doc.get("loop")
    if loop is not None:
        if not isinstance(loop, int) or not 0 <= loop < len(states) or states[loop] != states[-1]:
            return ReplayResult(False, len(states) - 1,
                                f"the lasso does not close: the last state is not state {loop}")
    result = ReplayResult(True, len(states) - 1, f"a behaviour of {model.name} with {len(states)} states"
                          + (f", looping back to state {loop}" if loop is not None else ""))
    result.trace_property = doc.get("#meta", {}).get("property")
    if loop is not None:
        _check_lasso(doc, model, cm, states, loop, result)
        return result
    for inv in model.invariants:
        for i, s in enumerate(states):
            ok = cm.invariants(s)[model.invariants.index(inv)]
            if ok is not True:
                msg = f"invariant {inv.name} is violated in state {i}"
                result.violations.append((inv.name, i, msg))
                break
    failing = doc.get("#meta", {}).get("failing-step")
    if isinstance(failing, dict) and failing.get("action") in actions:
        name = failing["action"]
        env = _instance(failing.get("parameters"), actions[name])
        candidates = cm.steps_of(states[-1], actions[name], env) if env is not None else cm.steps(states[-1])
        for st in candidates:
            if st.action == name and st.error is not None and _params_match(st, failing.get("parameters"),
                                                                            actions[name]) \
                    and _choices_match(st, failing.get("choices")):
                title = KIND_TITLES.get(st.error.kind, st.error.kind)
                result.violations.append(("runtime", len(states) - 1,
                                          f"{title} in {name} after state {len(states) - 1}: {st.error.message}"))
                break
    if check_deadlock and obstacles(model):
        result.message += " (deadlock not checked: the actions' parameters are too many to enumerate)"
    elif check_deadlock and not cm.steps(states[-1]):  # a run that fails is enabled, as in the engines
        result.violations.append(("deadlock", len(states) - 1,
                                  f"deadlock: no action is enabled in state {len(states) - 1}"))
    return result


def _check_lasso(doc: dict, model: ir.CheckedModel, cm: CompiledModel, states: list[int], loop: int,
                 result: ReplayResult) -> None:
    """Is the lasso fair, and does it violate the temporal property it is recorded for?"""
    from .liveness import FairnessSets, lasso_violates
    name = doc.get("#meta", {}).get("property")
    prop = next((p for p in model.properties if p.name == name), None)
    if prop is None:
        result.message += f"; the model has no temporal property '{name}' to check it against"
        return
    fair = FairnessSets(model, cm)
    cycle = list(range(loop, len(states)))
    inst_of = {}
    for inst, (k, _) in enumerate(cm.instances):
        inst_of[(model.actions[k].name, tuple(sorted(cm.instance_params(inst).items(), key=str)))] = inst

    def enabled(s):
        return {inst_of[(st.action, tuple(sorted(st.params.items(), key=str)))]
                for st in cm.steps(s) if st.state is not None and st.state != s}
    en = {i: enabled(states[i]) for i in cycle}
    taken = set()
    for i in cycle[1:]:
        meta = doc["states"][i].get("#meta", {})
        if meta.get("action") not in (None, "(stutter)") and states[i] != states[i - 1]:
            params = {p.name: from_itf(p.type, meta.get("parameters", {}).get(p.name), f"state {i}")
                      for p in next(a for a in model.actions if a.name == meta["action"]).params}
            taken.add(inst_of[(meta["action"], tuple(sorted(params.items(), key=str)))])
    for a in sorted(fair.all):
        k, _ = cm.instances[a]
        text = model.actions[k].name
        if a in fair.weak and a not in taken and all(a in en[i] for i in cycle):
            result.message += f"; the cycle is not fair: {text} is enabled throughout and never taken"
            result.valid = False
            return
        if a in fair.strong and a not in taken and any(a in en[i] for i in cycle):
            result.message += f"; the cycle is not fair: {text} is enabled and never taken"
            result.valid = False
            return
    binding = doc.get("#meta", {}).get("binding", {})
    env = {}
    for b in prop.binders:
        if b.sym.name in binding:
            env[b.sym.id] = ir.encode_value(b.sym.type, from_itf(b.sym.type, binding[b.sym.name], "binding"))
    from spec.interp import Interp
    interp = Interp(model)

    def holds(e, i):
        return bool(interp.eval(e, env, cm.unpack(states[i])))
    n = len(states)
    try:
        P = [holds(prop.p, i) for i in range(n)]
        Q = [holds(prop.q, i) for i in range(n)] if prop.q is not None else None
    except ModelError as exc:
        result.violations.append((prop.name, loop, f"property {prop.name} cannot be evaluated: {exc.message}"))
        return
    violated = lasso_violates(prop.kind, P, Q, loop)
    if violated:
        result.violations.append((prop.name, loop, f"the fair lasso violates {prop.name}"))
