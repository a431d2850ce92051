"""`syncproof repl MODEL`: explore a model one step at a time (issue 17 item 4).

At the prompt: an expression is evaluated in the current state; `actions` lists the steps
enabled in it, `step` takes one, `random` a random one, `back` and `next` walk the steps taken,
`invariants` checks the invariants here, `load` and `save` read and write the walk as an ITF
trace. `help` lists every command. The work is in `checker/cli/commands/repl_run.py`, imported
when the command runs (readline changes the terminal when it loads).
"""

from __future__ import annotations

from checker.cli.commands.common import model_args
from checker.core.deferred import Deferred

run = Deferred("checker.cli.commands.repl_run", "run")


def add_parser(sub) -> None:
    p = sub.add_parser("repl", help="explore a model step by step: evaluate expressions, take actions, walk traces")
    model_args(p)
    p.add_argument("--seed", type=int, default=None, metavar="N", help="the seed of `random` (default: any)")
    p.set_defaults(run=run)
