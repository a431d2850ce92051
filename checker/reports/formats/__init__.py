"""Report formats: one `Run` (of `syncproof check` or `syncproof ci`) in the form a reader wants.

    text      the console report (rich); for ci, details of what failed and one summary table
    json      syncproof.result/1 for one check, syncproof.run/1 for ci (docs/schema/)
    sarif     SARIF 2.1.0 for code scanning: results at the violated property's line
    junit     JUnit XML: a testsuite per check, a testcase per property
    markdown  a pull-request comment: summary, traces as tables, Mermaid sequence diagrams
    html      a self-contained page (inline CSS, JS and SVG): open it with no network

`--format F` chooses what goes to stdout (or to `--output FILE`); `--report
F=FILE` (repeatable) writes more formats from the same run, so CI checks
once and uploads SARIF, JUnit and HTML.
"""

from __future__ import annotations

import argparse
import os
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING

from checker.core.deferred import Deferred

if TYPE_CHECKING:   # the options (add_format_args) are read without loading results and runs
    from checker.project.runs import Run

# each renderer imported when its format is asked for (issue 13: start-up): the HTML page and the
# sequence diagrams alone took a tenth of a small model's check printed as text
RENDERERS = {"text": Deferred("checker.reports.formats.text", "render_text"),
             "json": Deferred("checker.reports.formats.jsonfmt", "render_json"),
             "sarif": Deferred("checker.reports.formats.sarif", "render_sarif"),
             "junit": Deferred("checker.reports.formats.junit", "render_junit"),
             "markdown": Deferred("checker.reports.formats.markdown", "render_markdown"),
             "html": Deferred("checker.reports.formats.html", "render_html")}
FORMATS = tuple(RENDERERS)


def render(fmt: str, run: Run) -> str:
    """The run as text in `fmt` (text: the plain console report)."""
    if fmt not in RENDERERS:
        raise ValueError(f"unknown format {fmt!r}")
    return RENDERERS[fmt](run)


def write_file(path: str | Path, text: str) -> None:
    """Writes atomically, so a CI step never uploads half a report."""
    path = Path(path)
    if path.exists() and not path.is_file():   # /dev/stdout, a pipe: write into it, never replace it
        with open(path, "w", encoding="utf-8") as f:
            f.write(text)
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-", suffix=path.suffix)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(text)
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp, 0o666 & ~umask)  # mkstemp makes it private; a report is for everyone
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


def report_spec(text: str) -> tuple[str, str]:
    """`FORMAT=FILE` of --report."""
    fmt, sep, path = text.partition("=")
    fmt = fmt.strip()
    if not sep or not path.strip():
        raise argparse.ArgumentTypeError(f"expected FORMAT=FILE (e.g. sarif=results.sarif), got {text!r}")
    if fmt not in FORMATS:
        raise argparse.ArgumentTypeError(f"unknown format {fmt!r} (formats: {', '.join(FORMATS)})")
    return fmt, path.strip()


def add_format_args(p, json_alias: bool = True) -> None:
    p.add_argument("--format", choices=FORMATS, default=None, metavar="FORMAT",
                   help=f"what to print: {', '.join(FORMATS)} (default text)")
    p.add_argument("--output", "-o", metavar="FILE", help="write the report to FILE instead of stdout")
    p.add_argument("--report", type=report_spec, action="append", default=[], metavar="FORMAT=FILE",
                   help="also write the report in FORMAT to FILE (repeatable), e.g. --report sarif=out.sarif")
    if json_alias:
        p.add_argument("--json", action="store_true", help="the same as --format json (schema syncproof.result/1)")


def chosen_format(args) -> str:
    if getattr(args, "format", None):
        return args.format
    return "json" if getattr(args, "json", False) else "text"
