"""Running the CLI in-process, as the tests of every command do."""

from __future__ import annotations

from checker.cli.main import main


def run_cli(args, capsys) -> tuple[int, str, str]:
    """(exit code, stdout, stderr) of `syncproof ARGS`; argparse's rejections exit via SystemExit."""
    try:
        code = main([str(a) for a in args])
    except SystemExit as exit_:
        code = exit_.code
    out, err = capsys.readouterr()
    return code, out, err
