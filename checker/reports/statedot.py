"""The state graph of a small model as Graphviz DOT, with a trace's path highlighted.

Every reachable state is a node (no symmetry reduction: the states a trace
passes through are concrete), labelled with its variables; every transition
an edge labelled with its action instance. Initial states are drawn bold,
states that violate an invariant red, states with no enabled action
(deadlocks) with a double border. A trace's states and steps are red and
numbered; a lasso's step back into the loop too.

Transitions that fail with a run-time error are not edges (`check` reports
them with a trace). The graph is refused beyond `max_states`: DOT of
thousands of states is unreadable, and building it costs memory.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from spec import ir
from spec import values as V

from checker.engines.explicit.compiled import CompiledModel
from checker.engines.explicit.graph import StateGraph

TRACE_COLOR = "#d62728"


@dataclass
class TracePath:
    """A trace mapped onto graph nodes: node per state, and the loop state (a lasso) if any."""

    nodes: list[int]
    actions: list[str | None]            # the label of the step into each state
    loop: int | None = None
    name: str = ""


@dataclass
class DotOptions:
    variables: list[str] | None = None   # show only these (default: all)
    self_loops: bool = False             # draw transitions that change nothing
    title: str = ""
    extra: list[str] = field(default_factory=list)


def _q(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'


def _label_lines(lines: list[str]) -> str:
    """A left-justified multi-line label."""
    body = "".join(line.replace("\\", "\\\\").replace('"', '\\"') + "\\l" for line in lines)
    return f'"{body}"'


def instance_label(cm: CompiledModel, inst: int) -> str:
    k, _ = cm.instances[inst]
    params = cm.instance_params(inst)
    name = cm.model.actions[k].name
    if not params:
        return name
    return f"{name}(" + ", ".join(f"{p}={V.show(v)}" for p, v in params.items()) + ")"


def to_dot(model: ir.CheckedModel, cm: CompiledModel, graph: StateGraph, trace: TracePath | None = None,
           options: DotOptions | None = None) -> str:
    options = options or DotOptions()
    names = options.variables or [v.name for v in model.vars]
    on_path = {}
    if trace is not None:
        for i, n in enumerate(trace.nodes):
            on_path.setdefault(n, []).append(i)
    path_edges = _path_edges(trace)
    inits = set(graph.init)
    title = options.title or f"{model.name}: {len(graph):,} states, {graph.edge_count:,} transitions"
    if trace is not None:
        title += f"; in red: {trace.name or 'the trace'} ({len(trace.nodes) - 1} steps)"
    out = [f"digraph {_q(model.name)} {{",
           f"  label={_q(title)}; labelloc=t; fontname=\"Helvetica\";",
           '  node [shape=box, style="rounded", fontname="Courier", fontsize=10];',
           '  edge [fontname="Helvetica", fontsize=9];']
    out += [f"  {line}" for line in options.extra]
    for u in range(len(graph)):
        state = cm.decode(graph.states[u])
        lines = [f"{n} = {V.show(state[n])}" for n in names if n in state]
        bad = _violated(cm, graph.states[u])
        if bad:
            lines.append("violates " + ", ".join(bad))
        dead = not graph.successors(u)
        if dead:
            lines.append("(no action enabled)")
        attrs = [f"label={_label_lines(lines)}"]
        styles = ["rounded"]
        if u in inits:
            styles.append("bold")
        if bad:
            styles.append("filled")
            attrs.append('fillcolor="#ffd6d6"')
        if dead:
            attrs.append("peripheries=2")
        if u in on_path:
            attrs.append(f'color="{TRACE_COLOR}"')
            attrs.append("penwidth=2.5")
            attrs.append(f"xlabel={_q('#' + ','.join(str(i) for i in on_path[u]))}")
        attrs.append(f'style="{",".join(styles)}"')
        attrs.append(f"tooltip={_q('state ' + str(u))}")
        out.append(f"  s{u} [{', '.join(a for a in attrs if a)}];")
    drawn, hidden = set(), 0
    for u in range(len(graph)):
        groups: dict[int, list[str]] = {}
        for v, inst in graph.out(u):
            groups.setdefault(v, []).append(instance_label(cm, inst))
        for v, labels in groups.items():
            steps = sorted({i for lab in labels + [None] for i in path_edges.get((u, v, lab), [])})
            if u == v and not steps and not options.self_loops:
                hidden += len(labels)
                continue
            drawn.add((u, v))
            text = "\n".join(labels)
            if steps:
                out.append(f"  s{u} -> s{v} [label={_q(', '.join(map(str, steps)) + ': ' + text)}, "
                           f'color="{TRACE_COLOR}", fontcolor="{TRACE_COLOR}", penwidth=2.5];')
            else:
                out.append(f"  s{u} -> s{v} [label={_q(text)}];")
    for (u, v, label), steps in path_edges.items():  # trace steps with no transition: a lasso's stutter
        if (u, v) not in drawn and not any(w == v for w, _ in graph.out(u)):
            out.append(f"  s{u} -> s{v} [label={_q(', '.join(map(str, steps)) + ': ' + (label or 'stutter'))}, "
                       f'color="{TRACE_COLOR}", fontcolor="{TRACE_COLOR}", style=dashed, penwidth=2.5];')
    if hidden:
        out.append(f"  // {hidden} transitions that change nothing (self-loops) are not drawn; "
                   "--self-loops draws them")
    out.append("}")
    return "\n".join(out) + "\n"


def _path_edges(trace: TracePath | None) -> dict:
    """(u, v, action label) -> the step numbers that take that edge (the lasso's return included)."""
    edges: dict = {}
    if trace is None:
        return edges
    for i in range(1, len(trace.nodes)):
        key = (trace.nodes[i - 1], trace.nodes[i], trace.actions[i])
        edges.setdefault(key, []).append(i)
    return edges


def _violated(cm: CompiledModel, s: int) -> list[str]:
    outcome = cm.invariants(s)
    return [name for name, ok in zip(cm.invariant_names, outcome) if ok is not True]
