"""Where each variable sits in the explicit engine's packed state.

A state of the explicit engine is one integer: each variable's code (see
`spec.types`) in a field of its own, `type.bits` wide, the variables in the
order the model declares them, the first one in the lowest bits. The widths
are the type checker's (which also refuses a state wider than `MAX_WIDTH`,
E323, where the variable is declared); their placement is decided here, and
only the explicit engine's code (packing, the generated code, symmetry) reads it.
"""

from __future__ import annotations

from spec import ir


class StateLayout:
    """The bit offset and width of every variable of a model, by `VarSym.index`."""

    def __init__(self, model: ir.CheckedModel):
        self.widths = tuple(v.type.bits for v in model.vars)
        offsets, end = [], 0
        for width in self.widths:
            offsets.append(end)
            end += width
        self.offsets = tuple(offsets)
        self.masks = tuple((1 << w) - 1 for w in self.widths)
        self.bits = end  # the width of a whole state

    def offset(self, var: ir.VarSym) -> int:
        """The lowest bit of var's field."""
        return self.offsets[var.index]

    def is_last(self, var: ir.VarSym) -> bool:
        """Whether var's field takes the highest bits of the state (nothing to mask above it)."""
        return self.offsets[var.index] + self.widths[var.index] == self.bits

    def pack(self, codes: list[int]) -> int:
        """The state holding these codes, one per variable in declaration order."""
        s = 0
        for c, off in zip(codes, self.offsets):
            s |= c << off
        return s

    def unpack(self, s: int) -> list[int]:
        """The code of every variable in state s, in declaration order."""
        return [(s >> off) & mask for off, mask in zip(self.offsets, self.masks)]
