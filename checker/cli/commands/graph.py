"""`syncproof graph MODEL [--trace TRACE]`: the state graph of a small model as Graphviz DOT.

Refuses (exit 2) a model with more reachable states than --max-states
(default 300): the picture would be unreadable. With --trace, the trace's
states and steps are highlighted; the trace is read with the constants it
records unless --const is given, and each of its states must be a reachable
state of the model (exit 2 otherwise, saying which is not).

    syncproof graph models/two_phase_commit.sync --const RM=2 -o 2pc.dot && dot -Tsvg 2pc.dot > 2pc.svg
"""

from __future__ import annotations

from checker.cli.commands.common import model_args, positive
from checker.core.deferred import Deferred

DEFAULT_MAX_STATES = 300

# the work, with the explicit engine's state graph (numpy): imported when the command runs
run = Deferred("checker.cli.commands.graph_run", "run")


def add_parser(sub) -> None:
    g = sub.add_parser("graph", help="the state graph of a small model, as Graphviz DOT")
    model_args(g)
    g.add_argument("--trace", metavar="TRACE", help="an ITF trace (.itf.json) whose path to highlight")
    g.add_argument("--max-states", type=positive(int), default=DEFAULT_MAX_STATES, metavar="N",
                   help=f"refuse models with more than N reachable states (default {DEFAULT_MAX_STATES})")
    g.add_argument("--vars", metavar="V1,V2", help="show only these variables in the states' labels")
    g.add_argument("--self-loops", action="store_true", help="draw transitions that change nothing")
    g.add_argument("--output", "-o", metavar="FILE", help="write the DOT to FILE instead of stdout")
    g.set_defaults(run=run)
