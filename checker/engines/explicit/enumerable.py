"""Can the explicit engine enumerate a model? Decided up front, from the types alone.

The explicit engine needs every constant's value, and it runs each action
once per value of its parameters, so an action over `amount: 0..10**18`
cannot run at all (`obstacles`). A state variable with a range of more than
2**32 values can run, but its reachable states are as many as the actions
make them, possibly more than any search can visit: `syncproof check` then
prefers the symbolic engines (`too_wide`), and `--engine explicit` refuses
it rather than search for ever. The answer depends only on the model's
declarations, so the engine a model gets by default is always the same.
"""

from __future__ import annotations

from spec import ir
from spec.diagnostics import Diagnostic, SpecError
from spec.types import IntType

MAX_PARAM_VALUES = 1 << 16    # parameter combinations per action the explicit engine will enumerate
WIDE = 1 << 32                # an integer range wider than this is not for enumeration


def obstacles(model: ir.CheckedModel) -> list[str]:
    """Why the explicit engine cannot run this model at all (empty: it can)."""
    out = [f"constant '{c.name}' is symbolic (declared with a type and no value)" for c in model.symbolic_consts()]
    for a in model.actions:
        n = 1
        for p in a.params:
            n *= p.type.count()
        if n > MAX_PARAM_VALUES:
            what = " × ".join(f"{p.name}: {p.type.show()}" for p in a.params)
            out.append(f"the parameters of {a.name} ({what}) take {_count(n)} values")
    return out


def too_wide(model: ir.CheckedModel) -> list[str]:
    """State variables with an integer range too wide to enumerate by default."""
    return [f"variable '{v.name}' ranges over {t.show()}" for v, t in _wide_vars(model)]


def _wide_vars(model: ir.CheckedModel) -> list[tuple[ir.VarSym, IntType]]:
    """(variable, its first integer range of more than WIDE values), for each such variable."""
    out = []
    for v in model.vars:
        wide = [t for t in v.type.walk() if isinstance(t, IntType) and t.size > WIDE]
        if wide:
            out.append((v, wide[0]))
    return out


def require_enumerable(model: ir.CheckedModel) -> None:
    """Raises E520 naming the symbolic engines when the explicit engine cannot run the model."""
    why, wide = obstacles(model), _wide_vars(model)
    if why or wide:
        span = wide[0][0].span if wide and not why else model.span
        raise SpecError(Diagnostic(
            "E520", "the explicit engine cannot enumerate this model: " + "; ".join(why + too_wide(model)), span,
            "check it with the symbolic engines (--engine bmc, --engine induction or --engine prove), "
            "or give every constant a value (--const NAME=VALUE) and parameters and variables smaller ranges"))


def _count(n: int) -> str:
    return f"2**{n.bit_length() - 1}" if n & (n - 1) == 0 and n > 1 << 20 else f"{n:,}"


__all__ = ["obstacles", "too_wide", "require_enumerable", "MAX_PARAM_VALUES", "WIDE"]
