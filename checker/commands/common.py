"""Pieces every command shares: model arguments, option types, the parser class."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from spec.diagnostics import Diagnostic, SpecError

EXIT_HOLDS, EXIT_VIOLATED, EXIT_BAD_INPUT, EXIT_INCONCLUSIVE, EXIT_INTERNAL = 0, 1, 2, 3, 4


class Parser(argparse.ArgumentParser):
    def error(self, message: str):  # exit 2 with a one-line message, as for any bad input
        self.print_usage(sys.stderr)
        sys.stderr.write(f"error[E600]: {message}\n")
        raise SystemExit(EXIT_BAD_INPUT)


def positive(kind):
    """An argparse type: a positive int or float."""
    def parse(text: str):
        try:
            value = kind(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"expected a positive number, got {text!r}") from None
        if value <= 0:
            raise argparse.ArgumentTypeError(f"expected a positive number, got {text!r}")
        return value
    return parse


def model_args(sp) -> None:
    sp.add_argument("model", metavar="MODEL", help="the model file (.sync)")
    sp.add_argument("--const", action="append", default=[], metavar="NAME=VALUE",
                    help="override a constant (repeatable); a set of model values takes a size or {a,b}")


def check_model_file(path: str) -> None:
    p = Path(path)
    if not p.exists():
        raise SpecError(Diagnostic("E601", f"no such file: {path}", None))
    if p.is_dir():
        raise SpecError(Diagnostic("E601", f"{path} is a directory, not a model file", None))
