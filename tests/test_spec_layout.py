"""The front end's shape (issue 12): the type checker split by concern, and the packed-state layout,
which the explicit engine owns. (`spec` below `checker`, imports at module top and absolute, no
cycles: tests/test_architecture.py, for every package.)"""

from __future__ import annotations

from pathlib import Path

from spec.loader import load_text

from checker.engines.explicit.compiled import CompiledModel
from checker.engines.explicit.layout import StateLayout

ROOT = Path(__file__).resolve().parent.parent
SPEC = ROOT / "spec"
TYPECHECK = SPEC / "typecheck"
MAX_LINES = 600

SMALL = """model Small
const NODES = {a, b, c}
var x: 2..5
var up: bool
var seen: set[NODES]
var last: option[NODES]
init {
  x = 2
  up = false
  seen = {}
  last = none
}
action step(n: NODES) {
  require x < 5
  x = x + 1
  seen = seen | {n}
  last = some(n)
}
"""


def _modules(folder: Path) -> list[Path]:
    return sorted(folder.rglob("*.py"))


def test_the_type_checker_is_a_package_of_small_modules():
    modules = {p.stem: p for p in _modules(TYPECHECK)}
    concerns = {"declarations", "constants", "type_exprs", "statements", "expressions", "builtins", "properties",
                "model"}
    assert concerns <= set(modules), f"missing: {concerns - set(modules)}"
    assert not (SPEC / "checker.py").exists()
    long = {name: n for name, p in modules.items() if (n := len(p.read_text().splitlines())) > MAX_LINES}
    assert not long, f"modules over {MAX_LINES} lines: {long}"


def test_the_layout_places_the_variables_in_declaration_order():
    model = load_text(SMALL, "small.sync")
    layout = StateLayout(model)
    # x: 2..5 takes 2 bits, up 1, seen: set of 3 members 3, last: option of 3 members 2
    assert [v.type.bits for v in model.vars] == [2, 1, 3, 2]
    assert layout.offsets == (0, 2, 3, 6)
    assert layout.bits == 8 == model.state_bits
    assert [layout.offset(v) for v in model.vars] == [0, 2, 3, 6]
    assert [layout.is_last(v) for v in model.vars] == [False, False, False, True]
    codes = [3, 1, 0b101, 2]
    packed = layout.pack(codes)
    assert packed == 3 | 1 << 2 | 0b101 << 3 | 2 << 6
    assert layout.unpack(packed) == codes


def test_the_compiled_model_packs_with_the_layout():
    model = load_text(SMALL, "small.sync")
    cm = CompiledModel(model)
    (s,) = cm.init_states()
    assert cm.layout.unpack(s) == [0, 0, 0, 0]  # x = 2 is code 0 of 2..5; none is code 0
    after = [step.state for step in cm.steps(s)]
    # x = 3 (code 1); seen = {n}: bit n; last = some(n): code 1 + n
    assert after == [cm.layout.pack([1, 0, 1 << n, 1 + n]) for n in range(3)]
    assert [cm.decode(t)["x"] for t in after] == [3, 3, 3]
    assert sorted(t for _, t in cm.labelled(s)) == sorted(after)  # the generated code agrees
