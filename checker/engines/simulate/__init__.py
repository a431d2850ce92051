"""The simulation engine: random runs driven by hypothesis, shrunk to short traces.

    draw      hypothesis draws: indices, swarms of actions, values of the model's types
    engine    the simulator of models whose action instances can be enumerated (compiled)
    wide      the simulator that draws parameters too many to enumerate (interpreted)
"""

from __future__ import annotations

from spec import ir

from checker.core.result import Result
from checker.engines.simulate.engine import SimulateOptions, Simulator
from checker.engines.simulate.wide import WideSimulator, needs_drawing, require_values


def simulate(model: ir.CheckedModel, options: SimulateOptions | None = None, progress=None) -> Result:
    """Simulates the model; with parameters too many to enumerate, they are drawn (`checker.engines.simulate.wide`)."""
    require_values(model)
    if needs_drawing(model):
        return WideSimulator(model, options or SimulateOptions(), progress).run()
    return Simulator(model, options or SimulateOptions(), progress).run()


__all__ = ["simulate", "SimulateOptions"]
