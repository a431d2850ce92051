"""`syncproof replay TRACE MODEL`: is the trace a behaviour of the model, what does it violate?

Here the options only; the work is in `checker.cli.commands.replay_run`, imported when the command
runs.
"""

from __future__ import annotations

from checker.core.deferred import Deferred

run = Deferred("checker.cli.commands.replay_run", "run")


def add_parser(sub) -> None:
    r = sub.add_parser("replay", help="re-run an ITF trace against a model")
    r.add_argument("trace", metavar="TRACE", help="an ITF trace (.itf.json)")
    r.add_argument("model", metavar="MODEL", help="the model file (.sync)")
    r.add_argument("--const", action="append", default=[], metavar="NAME=VALUE",
                   help="constants (default: those recorded in the trace)")
    r.add_argument("--no-deadlock", action="store_true")
    r.add_argument("--json", action="store_true")
    r.set_defaults(run=run)
