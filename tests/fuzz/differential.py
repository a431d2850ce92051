"""Three semantics of one generated model, compared: the compiled explicit engine, the reference
interpreter (`InterpretedModel`, behind `CompiledModel.steps`) and the z3 encoding (BMC).

- state by state, the compiled code and the interpreter give the same successors, per-action
  counts, invariant outcomes and failures (`engine_helpers.differential`);
- the explicit engine (`--continue`) finds as many states and transitions as a naive
  breadth-first search over the interpreter, and the same shortest violation of every property;
  with symmetry reduction, the same shortest violations in no more states;
- BMC to depth `depth` finds a property violated iff the explicit engine's shortest violation is
  at most that deep, with a trace of that length which `replay` accepts.

z3 gets a resource limit (`rlimit`), never seconds: a property BMC cannot decide within it is
`unknown` and not compared, the same on every machine. `compare` returns a list of
disagreements (empty when all agree); exceptions other than the type checker's are left to the
caller, which reports them as findings.
"""

from __future__ import annotations

import z3

from checker.engines.explicit.compiled import CompiledModel
from checker.engines.explicit.search import ExplicitOptions, check as explicit_check
from checker.traces.itf import ITFError, trace_document
from checker.traces.replay import replay
from checker.core.result import Verdict
from checker.engines.symbolic import SymbolicOptions, check as symbolic_check
from engine_helpers import differential, interp_invariants, naive_prefix

BMC_DEPTH = 3
RLIMIT = 2_000_000          # z3 resource units per query: deterministic, unlike seconds
STATE_LIMIT = 5000          # MAX_SPACE of the generators, with room
SAFETY = ("invariant", "runtime", "step")   # compared; temporal properties are left to the command line


def reference(cm: CompiledModel) -> tuple[int, int, dict]:
    """(states, transitions, shortest violation per property) by a naive BFS over the interpreter.

    An invariant violated in a state at distance d has a trace of length d; a failing action run
    from such a state gives `runtime` a trace of length d + 1, and so does a step out of it that
    breaks a step property; a failing way through `init`, 0.
    """
    _, init_failures = cm.interp.init_outcomes()
    errors: list[int] = []
    dist, transitions, _ = naive_prefix(cm, budget=10 ** 9, errors=errors)
    shortest: dict[str, int] = {}
    for s, d in sorted(dist.items(), key=lambda kv: kv[1]):
        for name, ok in zip(cm.invariant_names, interp_invariants(cm, s)):
            if ok is not True:
                shortest.setdefault(name, d)
        for sp in cm.model.step_properties:   # broken by a step out of s: a trace of d + 1 steps
            if sp.name not in shortest and any(cm.step_property_holds(sp, s, st.state) is not True
                                               for st in cm.steps(s) if st.state is not None):
                shortest[sp.name] = d + 1
    if init_failures:
        shortest["runtime"] = 0
    elif errors:
        shortest["runtime"] = min(errors) + 1
    return len(dist), transitions, shortest


def compare(m, depth: int = BMC_DEPTH, rlimit: int = RLIMIT, bmc: bool = True) -> list[str]:
    """The disagreements between the three semantics of the checked model m (see the module)."""
    cm = CompiledModel(m)
    problems: list[str] = []
    try:
        differential(cm, limit=STATE_LIMIT)
    except AssertionError as exc:
        problems.append(f"compiled code and interpreter disagree in a state: {exc}")
    states, transitions, shortest = reference(cm)
    r = explicit_check(m, ExplicitOptions(deadlock=False, stop_at_first=False, symmetry=False))
    found = {p.name: p.trace.length for p in r.violated if p.kind in SAFETY}
    if (r.stats.distinct_states, r.stats.transitions) != (states, transitions):
        problems.append(f"explicit engine: {r.stats.distinct_states} states, {r.stats.transitions} transitions; "
                        f"interpreter: {states}, {transitions}")
    if found != shortest:
        problems.append(f"shortest violations: explicit {found}, interpreter {shortest}")
    problems += _against_symmetry(m, found, states)
    if bmc:
        problems += _against_bmc(m, found, depth, rlimit)
    return problems


def _against_symmetry(m, found: dict[str, int], states: int) -> list[str]:
    """The explicit engine with symmetry reduction: the same shortest violations, no more states."""
    r = explicit_check(m, ExplicitOptions(deadlock=False, stop_at_first=False))
    reduced = {p.name: p.trace.length for p in r.violated if p.kind in SAFETY}
    problems = []
    if reduced != found:
        problems.append(f"shortest violations: with symmetry {reduced}, without {found}")
    if r.stats.distinct_states > states:
        problems.append(f"symmetry reduction: {r.stats.distinct_states} states, without: {states}")
    return problems


def _against_bmc(m, explicit: dict[str, int], depth: int, rlimit: int) -> list[str]:
    """BMC to `depth` against the explicit engine's shortest violations."""
    z3.set_param("rlimit", rlimit)
    try:
        r = symbolic_check(m, "bmc", SymbolicOptions(depth=depth, deadlock=False, stop_at_first=False))
    finally:
        z3.set_param("rlimit", 0)
    problems = []
    for p in r.properties:
        if p.kind not in SAFETY:
            continue
        want = explicit.get(p.name)
        got = p.trace.length if p.verdict is Verdict.VIOLATED else None
        if p.kind in ("runtime", "step") and want == depth + 1 and got in (None, want):
            continue  # an action failing (or breaking a step property) from a state at the bound: BMC
                      # may or may not look at it
        want = want if want is not None and want <= depth else None
        if p.verdict is Verdict.INCONCLUSIVE and want is None:
            continue  # z3 gave up within its resource limit, or nothing to find that deep
        if p.verdict is Verdict.INCONCLUSIVE and "resource" not in p.message and "canceled" not in p.message:
            problems.append(f"BMC: {p.name} inconclusive ({p.message}), explicit: violated in {want} steps")
        elif p.verdict is not Verdict.INCONCLUSIVE and got != want:
            problems.append(f"BMC to depth {depth}: {p.name} violated in {got} steps, explicit: {want}")
        if p.verdict is Verdict.VIOLATED:
            problems += _replays(m, p)
    return problems


def _replays(m, p) -> list[str]:
    """[] if `replay` accepts the trace of the violated property p as a violation of it."""
    try:
        doc = replay(trace_document(p.trace, m.path), m, check_deadlock=False)
    except ITFError as exc:
        return [f"BMC trace of {p.name} does not replay: {exc}"]
    if not doc.valid or p.name not in [v[0] for v in doc.violations]:
        return [f"BMC trace of {p.name} does not replay: {doc.message} {doc.violations}"]
    return []
