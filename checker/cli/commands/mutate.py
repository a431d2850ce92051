"""`syncproof mutate MODEL`: how good are the properties? Plant faults in the model and see which
the properties catch (issue 18).

Each mutant (`spec.mutate`) is re-checked with the explicit engine; a mutant is killed when a
property is violated, survives when every property still holds, and is equivalent when it also
reaches the same states by the same number of transitions (left out of the score). The work is in
`checker.cli.commands.mutate_run`, imported when the command runs.
"""

from __future__ import annotations

import argparse

from checker.cli.commands.common import model_args, positive
from checker.core.deferred import Deferred

run = Deferred("checker.cli.commands.mutate_run", "run")


def add_parser(sub) -> None:
    m = sub.add_parser("mutate", help="mutation analysis: which faults planted in the model do the properties miss?")
    model_args(m)
    m.add_argument("--max-mutants", type=positive(int), metavar="N",
                   help="check N mutants drawn at random (with --seed) when there are more (default: every one)")
    m.add_argument("--seed", type=int, default=0, metavar="S", help="the seed of that draw (default 0)")
    m.add_argument("--max-states", type=positive(int), metavar="N",
                   help="a mutant reaching more than N states is 'unknown' (default: 10 times the model's, "
                   "at least 10,000)")
    m.add_argument("--timeout", type=positive(float), metavar="SECONDS",
                   help="a mutant not checked within this long is 'unknown' (default: no limit)")
    m.add_argument("--no-deadlock", action="store_true", help="a deadlock does not kill a mutant")
    m.add_argument("--min-score", type=percent, metavar="PERCENT",
                   help="exit 1 when the mutation score is below PERCENT (0-100)")
    m.add_argument("--format", choices=("text", "json"), default="text", help="text (default) or json")
    m.set_defaults(run=run)


def percent(text: str) -> float:
    """--min-score: a number from 0 to 100."""
    try:
        value = float(text)
    except ValueError:
        value = -1.0
    if not 0 <= value <= 100:
        raise argparse.ArgumentTypeError(f"expected a percentage from 0 to 100, got {text!r}")
    return value
