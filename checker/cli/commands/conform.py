"""`syncproof conform MODEL --impl MODULE:CLASS`: does a Python implementation behave like its model?

Modes: random runs compared step by step (default); `--replay TRACE` drives
the implementation through an ITF trace; `--determinism` runs the same steps
in processes with other hash seeds. MODULE is looked up in the current
directory first, so `--impl examples.options_ledger_impl.adapter:LedgerAdapter`
works from the repository root; it may also be the path of a `.py` file.
The current directory is never put before the standard library
(`checker.conform.adapter.load_adapter`): a stray `secrets.py` there is not imported.
"""

from __future__ import annotations

from checker.cli.commands.common import model_args, positive
from checker.core.deferred import Deferred
from checker.core.limits import MOST_PROCESSES

# the work, with hypothesis and the implementation's adapter: imported when the command runs
run = Deferred("checker.cli.commands.conform_run", "run")


def add_parser(sub) -> None:
    c = sub.add_parser("conform", help="test a Python implementation against the model (hypothesis)")
    model_args(c)
    c.add_argument("--impl", required=True, metavar="MODULE:CLASS",
                   help="the adapter class (a subclass of checker.conform.adapter.Adapter); MODULE is a dotted name, "
                        "looked up in the current directory first, or the path of a .py file")
    c.add_argument("--runs", type=positive(int), metavar="N",
                   help="runs (conformance, default 100) or sequences (--determinism, default 20)")
    c.add_argument("--steps", type=positive(int), metavar="K", help="steps per run (default 30)")
    c.add_argument("--seed", type=int, metavar="S", help="seed: the same seed gives the same runs (default: a new "
                   "one, reported)")
    c.add_argument("--replay", metavar="TRACE", help="drive the implementation through this ITF trace instead")
    c.add_argument("--determinism", action="store_true",
                   help="run the same steps in fresh processes with different PYTHONHASHSEEDs and compare")
    c.add_argument("--processes", type=positive(int, MOST_PROCESSES), default=4, metavar="P",
                   help="--determinism: processes (hash seeds) each sequence runs in (default 4; new ones "
                        "every 5 sequences)")
    c.add_argument("--out", default="counterexamples/conformance", metavar="DIR",
                   help="where the failing trace is written (default: counterexamples/conformance, apart from "
                        "the models' own counterexamples)")
    c.add_argument("--no-trace-file", action="store_true", help="do not write the failing trace")
    c.add_argument("--json", action="store_true", help="print the result as JSON")
    c.add_argument("--quiet", action="store_true", help="no progress display")
    c.set_defaults(run=run)
