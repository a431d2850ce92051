"""`syncproof catalog [DIR] [--write FILE]`: every model in DIR, checked, as a Markdown table.

Loads every `*.sync` directly in DIR (not its subfolders: adversaries are
imported by models, not checked alone), checks each at its default constants
exactly as a plain `syncproof check` does (the explicit engine; the symbolic
engines for a model with symbolic constants), and renders models/README.md:
what each model shows (the first sentence of its header comment, which is
its first line when that line is a sentence), its properties, its verdict,
the distinct states and the time, which engines handle it, for each broken
variant the property it violates and the length of its counterexample, and
the adversary modules with the models that import them, and each correct
model's mutation score as recorded in DIR/mutation-scores.json
(`checker.project.scores`: mutation analysis takes minutes, so the catalog
reads the recorded figures; `--rescore` re-runs it and rewrites the file).
Everything but the time column is deterministic, so the file can be committed
and a test can compare it with a fresh run (`without_times` drops that column).

Exit code: 0 when every correct model holds and every broken variant
(`*_broken*.sync`) is violated, 1 otherwise (the surprises are listed on
stderr), 2 when DIR has no models.

Here the options only; the work is in `checker.cli.commands.catalog_run`, imported when the
command runs.
"""

from __future__ import annotations

from checker.core.deferred import Deferred
from checker.cli.commands.common import cores, positive

run = Deferred("checker.cli.commands.catalog_run", "run")
SCORES_FILE = "mutation-scores.json"   # checker.project.scores.FILE


def add_parser(sub) -> None:
    c = sub.add_parser("catalog", help="check every model in a folder and write its catalog (Markdown)")
    c.add_argument("dir", nargs="?", default="models", metavar="DIR", help="the models' folder (default: models)")
    c.add_argument("--write", metavar="FILE", help="write the catalog to FILE (default: print it)")
    c.add_argument("--quiet", action="store_true", help="do not list the models on stderr as they are checked")
    c.add_argument("--timeout", type=positive(float), metavar="SECONDS",
                   help="stop checking one model after this long (its figures are then not deterministic)")
    c.add_argument("--rescore", action="store_true",
                   help=f"re-run mutation analysis on every correct model and write DIR/{SCORES_FILE} "
                   "(minutes; without it the recorded scores are shown)")
    c.add_argument("--rescore-model", action="append", default=[], metavar="MODEL",
                   help="re-run mutation analysis on this model only (its file name without .sync; repeatable)")
    c.add_argument("--jobs", "-j", type=positive(int, most=1024), metavar="N",
                   help="mutation analysis on N processes (default: the cores, here %d)" % cores())
    c.set_defaults(run=run)
