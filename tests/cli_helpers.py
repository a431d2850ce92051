"""Running the CLI in-process, as the tests of every command do."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from checker.cli.main import main

ROOT = Path(__file__).resolve().parent.parent


def run_cli(args, capsys) -> tuple[int, str, str]:
    """(exit code, stdout, stderr) of `syncproof ARGS`; argparse's rejections exit via SystemExit."""
    try:
        code = main([str(a) for a in args])
    except SystemExit as exit_:
        code = exit_.code
    out, err = capsys.readouterr()
    return code, out, err


def run_cli_fresh(args) -> tuple[int, str, str]:
    """(exit code, stdout, stderr) of `syncproof ARGS` in a process of its own.

    For verdicts of z3 under a resource limit on real models: in a long-lived process, z3's shared
    context holds every term the earlier tests made, which changes the order Spacer and k-induction
    see their terms in, so a proof that takes 8 million units alone can run out of 40 million after
    other tests (seen in CI). A fresh process, with a fixed hash seed, sees the same terms every time."""
    env = {**os.environ, "PYTHONHASHSEED": "0", "COLUMNS": "120"}
    proc = subprocess.run([sys.executable, "-m", "checker.cli", *(str(a) for a in args)], capture_output=True,
                          text=True, env=env, cwd=ROOT, timeout=3600)
    return proc.returncode, proc.stdout, proc.stderr
