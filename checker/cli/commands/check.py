"""`syncproof check MODEL`: explore every reachable state and check every property.

Here the options only; the work is in `checker.cli.commands.check_run`, imported when the command
runs (issue 13: `syncproof --help` or `parse` do not load the loader, the engines and the reports).
"""

from __future__ import annotations

import argparse
import re

from checker.core.deferred import Deferred
from checker.core.limits import MOST_PROCESSES
from checker.reports.formats import add_format_args
from checker.cli.commands.common import model_args, positive

run = Deferred("checker.cli.commands.check_run", "run")
# checker.engines.registry.CHECK_NAMES (tests/test_startup.py), written here so that the options
# are read without loading the engines
ENGINE_NAMES = ("explicit", "bmc", "induction", "prove", "symbolic", "all")


def add_parser(sub) -> None:
    c = sub.add_parser("check", help="check every invariant of a model, exhaustively")
    model_args(c)
    c.add_argument("--property", "--invariant", dest="invariant", action="append", metavar="NAME",
                   help="check only this property: an invariant, temporal or determinism property (repeatable)")
    c.add_argument("--no-deadlock", action="store_true", help="do not report states where no action is enabled")
    c.add_argument("--no-symmetry", action="store_true", help="do not reduce by symmetric sets")
    c.add_argument("--workers", type=positive(int, MOST_PROCESSES), metavar="N",
                   help="processes to use (default 1); with --cluster, the number of partitions (default: the "
                   "machine's cores)")
    c.add_argument("--cluster", type=cluster_address, metavar="ray|auto|ray://HOST:PORT",
                   help="run the explicit search on Ray (pip install 'syncproof[ray]'): 'ray' starts Ray on this "
                   "machine, 'auto' joins the cluster this machine belongs to, ray://HOST:PORT a remote one"),
    c.add_argument("--checkpoint", metavar="DIR",
                   help="explicit engine: write a checkpoint of the search to DIR at the end of a level, every "
                   "--checkpoint-every seconds (atomically: a killed run leaves the last one whole)")
    c.add_argument("--checkpoint-every", type=seconds_or_zero, default=600.0, metavar="SECONDS",
                   help="seconds between checkpoints, at least (default 600; 0: at the end of every level)")
    c.add_argument("--resume", metavar="DIR",
                   help="continue the run whose checkpoint is in DIR (same model, constants and options): the "
                   "result is the one the uninterrupted run gives; checkpoints go on into DIR")
    c.add_argument("--max-states", type=positive(int), metavar="N", help="stop after N distinct states")
    c.add_argument("--max-depth", type=positive(int), metavar="N", help="explore states up to N steps deep")
    c.add_argument("--timeout", type=positive(float), metavar="SECONDS", help="stop after this long")
    c.add_argument("--continue", dest="keep_going", action="store_true",
                   help="after a violation, go on to find a shortest violation of every property")
    c.add_argument("--vacuity", action="store_true",
                   help="after the check, warn about properties that held only because the case they test never "
                   "happens (a second explicit search; see docs/language.md, 'Vacuity')")
    c.add_argument("--out", default="counterexamples", metavar="DIR",
                   help="where counterexample traces are written (default: counterexamples)")
    c.add_argument("--no-trace-file", action="store_true", help="do not write counterexample files")
    c.add_argument("--coverage", action="store_true",
                   help="after the check, count how often every action, statement and branch ran over the "
                   "reachable states, and warn about those never reached or taken (docs/language.md, 'Coverage')")
    add_format_args(c)  # --format, --output, --report, and --json (= --format json)
    c.add_argument("--quiet", action="store_true", help="no progress display")
    c.add_argument("--engine", choices=ENGINE_NAMES, metavar="ENGINE",
                   help="explicit, bmc, induction, prove or all (default: explicit when the model can be "
                   "enumerated, otherwise prove then bmc)")
    c.add_argument("--depth", type=positive(int), metavar="K",
                   help="bounded model checking: look for violations up to K steps (default 10)")
    c.add_argument("--k", type=positive(int), metavar="K", help="k-induction: try k = 1 .. K (default 5)")
    c.add_argument("--rlimit", type=positive(int), metavar="N",
                   help="symbolic engines: give each z3 query N resource units instead of seconds, so the "
                   "verdict does not depend on the machine's speed (reproducible results)")
    c.set_defaults(run=run)


CLUSTER_ADDRESS = re.compile(r"ray://[A-Za-z0-9.\-\[\]:]+:[0-9]{1,5}")


def cluster_address(text: str) -> str:
    """--cluster's value: "local" (for ray), "auto" or a ray:// address."""
    if text == "ray":
        return "local"
    if text == "auto" or CLUSTER_ADDRESS.fullmatch(text):
        return text
    raise argparse.ArgumentTypeError(f"'{text}' is not ray, auto or ray://HOST:PORT")


def seconds_or_zero(text: str) -> float:
    """--checkpoint-every: 0, or a positive number of seconds."""
    try:
        if float(text) == 0:
            return 0.0
    except ValueError:
        pass
    return positive(float)(text)
