"""The type checker: names and types of a parsed model, giving the `CheckedModel` every engine consumes.

`check(modules, overrides)` (in `spec.typecheck.model`) is the entry point; the
checker's parts live in one module per concern of the language, listed there.
"""

from spec.typecheck.model import check
from spec.typecheck.state import ConstOverride

__all__ = ["check", "ConstOverride"]
