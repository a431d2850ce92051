"""Which properties a run checks, and where each is written: what every engine shares.

`--property NAME` (and a configuration's `properties`) selects among the
invariants, step properties, temporal properties, determinism declarations and refinements
(`--property "refines A"`); deadlock and
run-time errors are not selected this way (`--no-deadlock`).
"""

from __future__ import annotations

import copy

from spec import ir
from spec.diagnostics import Diagnostic, SpecError, suggest

GROUPS = ("invariants", "step_properties", "properties", "deterministic", "commutes", "refinements")   # the model's properties


def select_invariants(model: ir.CheckedModel, names) -> ir.CheckedModel:
    """The model with only the named properties (invariants, step, temporal, determinism); all when None."""
    if names is None:
        return model
    known = [x.name for g in GROUPS for x in getattr(model, g)]
    for r in model.refinements:   # a refinement's abstract fairness is checked with it
        extra = fairness_names(r)
        known += extra
        if set(extra) & set(names):
            names = list(names) + [r.name]
    bad = [n for n in names if n not in known]
    if bad:
        raise SpecError([Diagnostic("E604", f"--property {n}: the model has no property '{n}'", None,
                                    suggest(n, known) or f"properties: {', '.join(known) or 'none'}")
                         for n in bad])
    m = copy.copy(model)
    for g in GROUPS:
        setattr(m, g, [x for x in getattr(model, g) if x.name in names])
    return m


def where_of(span) -> str | None:
    """file:line:col of a span, as results and traces report it; None without a span."""
    return span.where if span is not None else None


def step_message(name: str, action: str, outcome) -> str:
    """What every engine says of a step that breaks step property `name` (outcome: False, or the
    ModelError its evaluation raised)."""
    if outcome is False:
        return f"step property {name} is violated by the last step ({action})"
    return f"step property {name} cannot be evaluated on the last step ({action}): {outcome.message}"


def require_no_graph_properties_with_constraints(model: ir.CheckedModel, engine: str) -> None:
    """E540 when a model with state constraints asks for properties of its whole behaviours
    (temporal properties, `deterministic`, `commute`). A constraint cuts behaviours short: on the
    constrained graph a state whose successors all fail it ends every run through it, which would
    make liveness verdicts (and determinism from cut states) say something the model does not;
    rather than give such a verdict, the engines refuse, and say how to check the rest."""
    if not model.constraints:
        return
    asked = [(p.name, p.span) for g in ("properties", "deterministic", "commutes") for p in getattr(model, g)]
    if not asked:
        return
    names = ", ".join(n for n, _ in asked)
    constraint = model.constraints[0]
    raise SpecError(Diagnostic(
        "E540", f"the {engine} engine does not check temporal, determinism or commutation properties "
        f"({names}) of a model with state constraints", asked[0][1],
        "check the invariants with --property NAME (they are checked on the constrained state space), "
        "and these properties without the constraint",
        notes=(f"the constraint {constraint.name} is at {where_of(constraint.span)}",)))


def refinement_notes(model: ir.CheckedModel, engine: str) -> list[str]:
    """What an engine other than explicit leaves out of a `refines`, said in the result: besides the
    refinement itself (inconclusive), the abstract model's fairness, which only the explicit engine
    checks (one result per abstract fairness declaration there)."""
    out = []
    for r in model.refinements:
        if r.abstract.fairness:
            out.append(f"{r.name}: the fairness of {r.abstract.name} is not checked by the {engine} engine "
                       "(the explicit engine checks it: syncproof check --engine explicit)")
    return out


def refinements_not_checked(model: ir.CheckedModel, engine: str) -> list:
    """(name, where, reason) of each refinement, and of each of its abstract fairness declarations,
    that `engine` does not check and so reports inconclusive: the explicit engine checks both; the
    symbolic engines the refinement (its safety part, reported by the engine itself), not the
    abstract fairness; simulation neither."""
    explicit_only = (f"not checked: the {engine} engine does not check the abstract model's fairness "
                     "(the explicit engine does: syncproof check --engine explicit)")
    neither = (f"not checked: the {engine} engine does not check refinement "
               "(the explicit and symbolic engines do: syncproof check --engine explicit or bmc)")
    out = []
    for r in model.refinements:
        out.append((r.name, where_of(r.span), neither))   # left out where the engine reports it
        out += [(n, where_of(r.span), explicit_only) for n in fairness_names(r)]
    return out


def fairness_name(r: ir.RefinementIR, f: ir.FairnessIR) -> str:
    """The name of the result of an abstract fairness declaration under refinement r:
    `refines A: fairness weak Commit`, `refines A: fairness strong {B, C}`."""
    names = [r.abstract.actions[k].name for k in f.actions]
    what = "{" + ", ".join(names) + "}" if f.grouped else ", ".join(names)
    return f"{r.name}: fairness {f.kind} {what}"


def fairness_names(r: ir.RefinementIR) -> list[str]:
    """The names of the results of r's abstract fairness, in declaration order, once each."""
    return list(dict.fromkeys(fairness_name(r, f) for f in r.abstract.fairness))
