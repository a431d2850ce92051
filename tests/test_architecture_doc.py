"""docs/architecture.md matches the tree: every module, package and name it mentions exists, and
every package of spec/ and checker/ is mentioned (issue 12)."""

from __future__ import annotations

import importlib
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
DOC = ROOT / "docs" / "architecture.md"
CODE = re.compile(r"`([^`\n]+)`")
PATH = re.compile(r"^(?:spec|checker|tests|bench|docs|models)(?:/[\w.]+)*/?$")
DOTTED = re.compile(r"^(?:spec|checker)(?:\.\w+)+$")


def mentioned() -> list[str]:
    return [m.group(1) for m in CODE.finditer(DOC.read_text(encoding="utf-8"))]


def resolves(dotted: str) -> bool:
    """A module, or a name defined in one (`checker.engines.base.Engine`)."""
    parts = dotted.split(".")
    for cut in range(len(parts), 0, -1):
        try:
            obj = importlib.import_module(".".join(parts[:cut]))
        except ModuleNotFoundError:
            continue
        for name in parts[cut:]:
            if not hasattr(obj, name):
                return False
            obj = getattr(obj, name)
        return True
    return False


def packages() -> list[str]:
    return sorted(str(p.parent.relative_to(ROOT)) for top in ("spec", "checker")
                  for p in (ROOT / top).rglob("__init__.py"))


def test_every_path_the_doc_names_exists():
    paths = [m for m in mentioned() if PATH.match(m)]
    assert len(paths) >= 20, "the doc names the modules where each concern lives"
    missing = [p for p in paths if not (ROOT / p).exists()]
    assert missing == []


def test_every_dotted_name_the_doc_names_exists():
    names = [m for m in mentioned() if DOTTED.match(m)]
    assert names, "the doc names the engine interface's classes"
    assert [n for n in names if not resolves(n)] == []


@pytest.mark.parametrize("package", packages())
def test_every_package_is_in_the_doc(package):
    paths = {m.rstrip("/") for m in mentioned() if PATH.match(m)}
    assert package in paths or any(p.startswith(package + "/") for p in paths), \
        f"{package}/ is not described in docs/architecture.md"


def test_the_checks_above_can_fail():
    assert not resolves("checker.engines.no_such_module")
    assert not resolves("checker.core.result.NoSuchName")
    assert resolves("checker.core.result.Verdict")
