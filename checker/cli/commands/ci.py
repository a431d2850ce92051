"""`syncproof ci`: check every model the configuration lists; one summary, one exit code.

Stages: read the configuration (`checker.project.config`), load every model with its
constants, then run each check with its engine and options, writing
counterexample traces, and report the run in every format asked for (stdout,
--output, --report, and the configuration's `reports`). A bad configuration
stops before anything runs (exit 2, every problem listed with its line); a
model that does not load is reported with the others and makes the exit
code 2. Otherwise the exit code is the most serious outcome (see
`checker.project.runs`): any violation or unmet expectation fails the run, and so
does an inconclusive verdict, unless the configuration expects it.
"""

from __future__ import annotations

from checker.core.deferred import Deferred
from checker.reports.formats import add_format_args

# the work, with the configuration's reader (tomllib): imported when the command runs
run = Deferred("checker.cli.commands.ci_run", "run")


def add_parser(sub) -> None:
    c = sub.add_parser("ci", help="check every model configured in [tool.syncproof] or syncproof.toml")
    c.add_argument("--config", metavar="FILE",
                   help="the configuration (default: syncproof.toml, or pyproject.toml with [tool.syncproof], "
                   "here or in a parent directory)")
    c.add_argument("--only", action="append", metavar="NAME",
                   help="run only the checks whose name or path matches (a glob; repeatable)")
    c.add_argument("--list", action="store_true", help="list the configured checks and exit")
    c.add_argument("--out", metavar="DIR", help="where counterexample traces are written (default: the "
                   "configuration's 'out', else counterexamples/ next to it)")
    c.add_argument("--no-trace-file", action="store_true", help="do not write counterexample files")
    c.add_argument("--quiet", action="store_true", help="no progress lines on stderr")
    add_format_args(c)
    c.set_defaults(run=run)
