"""`syncproof simulate MODEL`: random runs with hypothesis, shrunk to a short trace on a violation.

Here the options only; the work is in `checker.cli.commands.simulate_run`, imported when the
command runs.
"""

from __future__ import annotations

from checker.core.deferred import Deferred
from checker.cli.commands.common import model_args, positive

run = Deferred("checker.cli.commands.simulate_run", "run")


def add_parser(sub) -> None:
    s = sub.add_parser("simulate", help="random runs (hypothesis): find violations in models too large to check")
    model_args(s)
    s.add_argument("--runs", type=positive(int), default=1000, metavar="N",
                   help="runs to try (hypothesis examples; default 1000)")
    s.add_argument("--steps", type=positive(int), default=50, metavar="K", help="steps per run (default 50)")
    s.add_argument("--seed", type=int, metavar="S",
                   help="seed: the same seed gives the same runs and trace (default: a new one, reported)")
    s.add_argument("--timeout", type=positive(float), metavar="SECONDS",
                   help="stop after this long (the verdict is then inconclusive)")
    s.add_argument("--property", "--invariant", dest="invariant", action="append", metavar="NAME",
                   help="check only this invariant (repeatable)")
    s.add_argument("--no-deadlock", action="store_true", help="do not report states where no action is enabled")
    s.add_argument("--out", default="counterexamples", metavar="DIR",
                   help="where counterexample traces are written (default: counterexamples)")
    s.add_argument("--no-trace-file", action="store_true", help="do not write counterexample files")
    s.add_argument("--json", action="store_true", help="print the result as JSON (schema syncproof.result/1)")
    s.add_argument("--quiet", action="store_true", help="no progress display")
    s.set_defaults(run=run)
