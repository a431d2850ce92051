"""Which engine checks a model: the explicit search or a symbolic mode, behind one call.

    explicit    breadth-first search of every reachable state
    bmc, induction, prove, symbolic, all
                the symbolic engines (`checker.symbolic.run` says what each mode does)

Without a choice, a model whose constants all have values is checked by the
explicit engine; one with symbolic constants (no value: it cannot be
enumerated) by `symbolic`: a CHC proof, then BMC for what it left open.

(Reconstructed from its call sites in `checker/commands/check.py` after the
original was overwritten by mistake; its author should compare it with theirs.)
"""

from __future__ import annotations

from spec import ir

from .explicit import ExplicitOptions
from .explicit import check as explicit_check
from .result import Result

SYMBOLIC_MODES = ("bmc", "induction", "prove", "symbolic", "all")
ENGINES = ("explicit",) + SYMBOLIC_MODES


def default_engine(model: ir.CheckedModel) -> str:
    """explicit when the model can be enumerated, otherwise prove then BMC."""
    return "symbolic" if model.symbolic_consts() else "explicit"


def run(model: ir.CheckedModel, engine: str | None, explicit: ExplicitOptions, symbolic=None,
        explicit_progress=None, symbolic_progress=None) -> Result:
    """Checks `model` with `engine` (None: the default for the model) and returns its Result."""
    engine = engine or default_engine(model)
    if engine == "explicit":
        return explicit_check(model, explicit, explicit_progress)
    from .symbolic import SymbolicOptions, check
    return check(model, engine, symbolic or SymbolicOptions(), symbolic_progress)
