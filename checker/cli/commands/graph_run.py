"""The work of `syncproof graph` (`checker.cli.commands.graph` defines its options): imported only
when the command runs, since the state graph loads numpy."""

from __future__ import annotations

from spec import values as V
from spec.diagnostics import Diagnostic, SpecError, suggest
from spec.loader import load

from checker.engines.explicit.compiled import CompiledModel
from checker.reports.formats import write_file
from checker.engines.explicit.graph import GraphLimit, StateGraph
from checker.traces.itf import ITFError, from_itf, read_document
from checker.traces.replay import decode_states
from checker.reports.statedot import DotOptions, TracePath, to_dot
from checker.cli.commands.common import check_model_file, writable_file
from checker.traces.constants import trace_consts  # the constants a trace records, as replay reads them
from checker.core.exits import EXIT_HOLDS


def run(args) -> int:
    if args.output:
        writable_file("--output", args.output)
    doc = read_document(args.trace) if args.trace else None
    check_model_file(args.model)
    consts = args.const or (trace_consts(doc, args.model) if doc is not None else [])
    model = load(args.model, consts)
    if model.symbolic_consts():
        raise SpecError(Diagnostic("E621", "the model has constants without a value; graph draws the states of "
                                   "a model whose constants are all given", None, "give them with --const"))
    cm = CompiledModel(model)
    try:
        graph = StateGraph(cm, args.max_states)
    except GraphLimit:
        raise SpecError(Diagnostic(
            "E620", f"{model.name} has more than {args.max_states:,} reachable states; graph draws small models only",
            None, "give smaller constants with --const, or raise --max-states")) from None
    names = _variables(args.vars, model)
    path = _trace_path(doc, model, cm, graph, args.trace) if doc is not None else None
    dot = to_dot(model, cm, graph, path, DotOptions(variables=names, self_loops=args.self_loops))
    if args.output:
        write_file(args.output, dot)
    else:
        print(dot, end="")
    return EXIT_HOLDS


def _variables(text: str | None, model) -> list[str] | None:
    if not text:
        return None
    names = [n.strip() for n in text.split(",") if n.strip()]
    known = [v.name for v in model.vars]
    bad = [n for n in names if n not in known]
    if bad:
        raise SpecError([Diagnostic("E622", f"--vars: the model has no variable '{n}'", None,
                                    suggest(n, known) or f"variables: {', '.join(known)}") for n in bad])
    return names


def _trace_path(doc: dict, model, cm: CompiledModel, graph: StateGraph, name: str) -> TracePath:
    states = decode_states(doc, model, cm)
    nodes = []
    for i, s in enumerate(states):
        if s not in graph.index:
            raise ITFError(f"{name}: state {i} of the trace is not a reachable state of {model.name} "
                           "(another model, or other constants?)")
        nodes.append(graph.index[s])
    actions = {a.name: a for a in model.actions}
    labels: list[str | None] = [None]
    for st in doc["states"][1:]:
        meta = st.get("#meta", {}) if isinstance(st, dict) else {}
        action, params = meta.get("action"), meta.get("parameters") or {}
        if action not in actions:
            labels.append(None)
            continue
        shown = []
        for p in actions[action].params:
            if p.name in params:
                shown.append(f"{p.name}={V.show(from_itf(p.type, params[p.name], f'parameter {p.name}'))}")
        labels.append(f"{action}({', '.join(shown)})" if shown else action)
    loop = doc.get("loop") if isinstance(doc.get("loop"), int) else None
    return TracePath(nodes, labels, loop, name)
