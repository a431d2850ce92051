"""`syncproof mutate MODEL`: how good are the properties? Plant faults in the model and see which
the properties catch (issue 18).

Each mutant (`spec.mutate`) is checked by the explicit engine within a state budget, else by BMC
to a depth (`checker.project.mutation`), on several processes; a mutant is killed when a property
is violated, survives when every property still holds, and is equivalent when it has the model's
reachable state graph (left out of the score). The work is in `checker.cli.commands.mutate_run`,
imported when the command runs.
"""

from __future__ import annotations

import argparse

from checker.cli.commands.common import cores, model_args, positive
from checker.core.deferred import Deferred

run = Deferred("checker.cli.commands.mutate_run", "run")
FORMATS = ("text", "json", "markdown", "sarif")   # checker.reports.mutation.FORMATS
MOST_JOBS = 1024


def add_parser(sub) -> None:
    m = sub.add_parser("mutate", help="mutation analysis: which faults planted in the model do the properties miss?")
    model_args(m)
    m.add_argument("--max-mutants", type=positive(int), metavar="N",
                   help="check N mutants drawn at random (with --seed) when there are more (default: every one)")
    m.add_argument("--seed", type=int, default=0, metavar="S", help="the seed of that draw (default 0)")
    m.add_argument("--max-states", type=positive(int), metavar="N",
                   help="the explicit engine's state budget: the model and each mutant reaching at most N states "
                   "are checked exhaustively, beyond it by BMC to --depth (default 100,000)")
    m.add_argument("--depth", type=positive(int, most=10_000), metavar="K",
                   help="the BMC bound for models and mutants beyond --max-states (default 10)")
    m.add_argument("--rlimit", type=positive(int), metavar="N",
                   help="z3's resource units per BMC query (default 40,000,000): the same outcomes on any machine")
    m.add_argument("--jobs", "-j", type=positive(int, most=MOST_JOBS), metavar="N",
                   help="check mutants on N processes (default: the cores, here %d); the outcomes do not depend "
                   "on N" % cores())
    m.add_argument("--timeout", type=positive(float), metavar="SECONDS",
                   help="a mutant not checked within this long is 'unknown' (default: no limit; with a limit the "
                   "outcomes depend on the machine's speed)")
    m.add_argument("--no-deadlock", action="store_true", help="a deadlock does not kill a mutant")
    m.add_argument("--min-score", type=percent, metavar="PERCENT",
                   help="exit 1 when the mutation score is below PERCENT (0-100)")
    m.add_argument("--format", choices=FORMATS, default="text", help="text (default), json, markdown or sarif")
    m.add_argument("--output", "-o", metavar="FILE", help="write the report to FILE (atomically) instead of stdout")
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
