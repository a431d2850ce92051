"""How every report names a trace's steps: the console, the formats and the sequence diagrams alike.

`step_label` is a step's action with its parameters and choices (`(initial)`
for the first state), `in_transit` a reordering channel's bag of messages
without its empty entries, `failing_step_text` the step that fails after the
last state, and `loop_text` where a lasso returns.
"""

from __future__ import annotations

from spec import values as V

from checker.core.result import Trace, TraceStep


def step_label(step: TraceStep) -> str:
    if step.action is None:
        return "(initial)"
    params = ", ".join(f"{k}={V.show(v)}" for k, v in step.params.items())
    label = f"{step.action}({params})" if params else step.action
    if step.choices:
        label += " choosing " + ", ".join(f"{k}={V.show(v)}" for k, v in step.choices)
    return label


def in_transit(v):
    """A bag of messages (a channel `with reordering`: messages to counts) without its zero entries;
    otherwise a trace lists every possible message in every state."""
    if isinstance(v, V.MapVal) and v.items and all(
            isinstance(k, (V.Variant, V.Rec)) and type(c) is int for k, c in v.items):
        return V.MapVal((k, c) for k, c in v.items if c)
    return v


def failing_step_text(trace: Trace) -> str | None:
    if trace.error_step is None:
        return None
    return f"then {step_label(trace.error_step)} fails: {trace.message}"


def loop_text(trace: Trace) -> str | None:
    if trace.loop is None:
        return None
    n = len(trace.steps) - 1
    if n == trace.loop + 1 and trace.steps[-1].action == "(stutter)":
        return f"state {trace.loop} then repeats for ever (the behaviour stutters)"
    return f"state {n} is state {trace.loop} again: steps {trace.loop + 1} to {n} repeat for ever"
