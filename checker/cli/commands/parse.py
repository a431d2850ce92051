"""`syncproof parse MODEL`: syntax and type check only.

Here the options only; the work is in `checker.cli.commands.parse_run`, imported when the command
runs.
"""

from __future__ import annotations

from checker.core.deferred import Deferred
from checker.cli.commands.common import model_args

run = Deferred("checker.cli.commands.parse_run", "run")


def add_parser(sub) -> None:
    p = sub.add_parser("parse", help="parse and type-check a model without exploring it")
    model_args(p)
    p.add_argument("--json", action="store_true")
    p.set_defaults(run=run)
