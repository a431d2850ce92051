"""`syncproof fmt [--check] FILE...`: models in the canonical layout (`spec.formatter`, issue 17).

Every file is read and formatted before any is written: a file that does not parse (or cannot be
read) is its diagnostic and exit 2, and no file is touched. Then each file whose layout changes
is replaced atomically (a temporary file in its folder, renamed over it, with the file's mode);
with `--check` nothing is written, the changes are printed as a unified diff and the exit code
is 1 if there are any (for CI and pre-commit), else 0.

Here the options only; the work is in `checker.cli.commands.fmt_run`, imported when the command runs.
"""

from __future__ import annotations

from checker.core.deferred import Deferred

run = Deferred("checker.cli.commands.fmt_run", "run")


def add_parser(sub) -> None:
    p = sub.add_parser("fmt", help="rewrite models in the canonical layout (--check: print the diff, exit 1)")
    p.add_argument("files", nargs="+", metavar="FILE", help="model files (.sync)")
    p.add_argument("--check", action="store_true",
                   help="write nothing; print what would change as a unified diff and exit 1 if anything would")
    p.set_defaults(run=run)
