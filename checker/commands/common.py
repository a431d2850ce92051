"""Pieces every command shares: model arguments, option types, the parser class."""

from __future__ import annotations

import argparse
import sys

from spec import files
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
    """E601 unless `path` is a regular file of at most the size a model may have (spec.files)."""
    try:
        files.check_regular(path)
    except files.FileProblem as exc:
        raise SpecError(Diagnostic("E601", str(exc), None)) from None
