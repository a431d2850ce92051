"""Which engine checks a model, and one Result when several do.

    (default)   explicit when the model can be enumerated (`checker.engines.explicit.enumerable`),
                otherwise `symbolic`
    explicit    breadth-first search of every reachable state
    bmc, induction, prove, symbolic
                the symbolic engines (`checker.engines.symbolic.run` says what each mode does;
                symbolic is k-induction, then a CHC proof, then BMC)
    all         every engine that applies: explicit (when it can enumerate the model),
                then the symbolic ones; each property keeps the strongest result, and
                engines that contradict each other are a bug (exit 4)

Whether the explicit engine can enumerate a model is decided from its
declarations alone (symbolic constants, parameter and variable ranges), so a
model always gets the same engine by default.
"""

from __future__ import annotations

import copy

from spec import ir

from checker.core.kinds import Strength
from checker.engines.explicit import enumerable
from checker.engines.explicit.search import ExplicitOptions
from checker.engines.explicit.search import check as explicit_check
from checker.core.result import Result, Verdict, open_reasons

SYMBOLIC_MODES = ("bmc", "induction", "prove", "symbolic", "all")
ENGINES = ("explicit",) + SYMBOLIC_MODES
STRENGTH = {Strength.PROVED: 3, Strength.EXHAUSTIVE: 3, Strength.BOUNDED: 1, Strength.SAMPLED: 1, Strength.UNKNOWN: 0}


class EnginesDisagree(RuntimeError):
    """Two engines gave contradicting verdicts for one property: a bug in syncproof."""


def default_engine(model: ir.CheckedModel) -> str:
    """explicit when the model can be enumerated, otherwise the symbolic engines."""
    return "explicit" if not why_symbolic(model) else "symbolic"


def why_symbolic(model: ir.CheckedModel) -> list[str]:
    """Why the explicit engine is not the default for this model (empty: it is)."""
    return enumerable.obstacles(model) + enumerable.too_wide(model)


def run(model: ir.CheckedModel, engine: str | None, explicit: ExplicitOptions, symbolic=None,
        explicit_progress=None, symbolic_progress=None) -> Result:
    """Checks `model` with `engine` (None: the default for the model) and returns its Result."""
    note = ""
    if engine is None:
        engine = default_engine(model)
        if engine != "explicit":
            why = why_symbolic(model)
            shown = "; ".join(why[:2]) + (f"; and {len(why) - 2} more" if len(why) > 2 else "")
            note = ("the explicit engine cannot enumerate this model (" + shown + "): running the symbolic engines, proofs (k-induction, then a CHC proof with z3 "
                    "Spacer) first, then bounded model checking")
    if engine == "explicit":
        result = annotate_explicit(explicit_check(model, explicit, explicit_progress))
    elif engine == "all":
        result = run_all(model, explicit, symbolic, explicit_progress, symbolic_progress)
    else:
        from checker.engines.symbolic import SymbolicOptions, check
        result = check(model, engine, symbolic or SymbolicOptions(), symbolic_progress)
    if note:
        result.notes.insert(0, note)
    return result


def annotate_explicit(result: Result) -> Result:
    """Per property, how the explicit engine's verdict was established."""
    for p in result.properties:
        p.engine = p.engine or "explicit"
        p.how = p.how or (Strength.EXHAUSTIVE if p.verdict is not Verdict.INCONCLUSIVE else Strength.UNKNOWN)
    # its traces carry no "how" in their ITF metadata: engine "explicit" already says exhaustive
    return result


def run_all(model, explicit: ExplicitOptions, symbolic=None, explicit_progress=None,
            symbolic_progress=None) -> Result:
    from checker.engines.symbolic import SymbolicOptions, check
    results = []
    if not why_symbolic(model):
        results.append(annotate_explicit(explicit_check(model, explicit, explicit_progress)))
    sym = check(model, "all", symbolic or SymbolicOptions(), symbolic_progress)
    sym.engine = "symbolic"  # k-induction, CHC and BMC
    results.append(sym)
    return merge(results)


def merge(results: list[Result]) -> Result:
    """One result: per property the strongest verdict any engine gave (contradictions raise)."""
    base = copy.copy(results[0])
    props = {p.name: p for p in base.properties}
    for r in results[1:]:
        for p in r.properties:
            mine = props.get(p.name)
            if mine is None:
                continue
            definite = {mine.verdict, p.verdict} - {Verdict.INCONCLUSIVE}
            if len(definite) > 1:
                raise EnginesDisagree(f"{p.name}: the {mine.engine} engine says {mine.verdict.value}, the "
                                      f"{p.engine} engine says {p.verdict.value}")
            if _stronger(p, mine):
                props[p.name] = p
    base.properties = [props[p.name] for p in base.properties]
    base.engine = "all"
    violated = [p for p in base.properties if p.verdict is Verdict.VIOLATED]
    open_ = [p for p in base.properties if p.verdict is Verdict.INCONCLUSIVE]
    if violated:
        base.verdict, base.how, base.reason = Verdict.VIOLATED, violated[0].how, ""
    elif not open_:
        base.verdict, base.reason = Verdict.HOLDS, ""
        base.how = Strength.PROVED if any(p.how == Strength.PROVED for p in base.properties) else Strength.EXHAUSTIVE
    else:
        base.verdict = Verdict.INCONCLUSIVE
        base.how = Strength.BOUNDED if all(p.how == Strength.BOUNDED for p in open_) else Strength.UNKNOWN
        base.reason = open_reasons(open_)
    base.detail = "; ".join(dict.fromkeys(r.detail for r in results if r.detail))
    base.stats = copy.copy(results[0].stats)
    for r in results[1:]:
        base.stats.solver = {**base.stats.solver, **r.stats.solver}
        base.stats.seconds += r.stats.seconds
    base.warnings = list(dict.fromkeys(w for r in results for w in r.warnings))
    base.notes = [f"engines: {', '.join(r.engine for r in results)}"] + [n for r in results for n in r.notes]
    return base


def _stronger(new, old) -> bool:
    rank = {Verdict.VIOLATED: 4, Verdict.HOLDS: 4, Verdict.INCONCLUSIVE: 0}
    return rank[new.verdict] + STRENGTH.get(new.how, 0) > rank[old.verdict] + STRENGTH.get(old.how, 0)


__all__ = ["ENGINES", "SYMBOLIC_MODES", "run", "default_engine", "why_symbolic", "merge", "annotate_explicit",
           "EnginesDisagree"]
