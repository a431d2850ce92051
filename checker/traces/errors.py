"""The error of a file that is not an ITF trace of the model: its own module so that the command
line can catch it without loading `checker.traces.itf` (its types and values), issue 13."""

from __future__ import annotations

from pathlib import Path


class ITFError(ValueError):
    """A file that is not an ITF trace of the model, with where it went wrong (and the file, when
    known: `path: message`)."""

    def __init__(self, message: str, path: str | Path | None = None, at: str | None = None):
        where = f"{path}:{at}" if at else path
        super().__init__(f"{where}: {message}" if path is not None else message)
        self.path = path
