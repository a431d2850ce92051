"""A straight-line action body reads the variables it has not assigned yet from the state before the
step (`s0`), the others from the state being built (issue 13: the reads of s0 are made once a state
for every instance). The compiled transitions are the interpreter's whatever order reads and
writes come in: after a write, in a later round of a loop, after an `if` that wrote on one branch,
through map entries and fields; and a body nested too deep to be inlined (functions of its own,
which have no s0) is compiled as before."""

from __future__ import annotations

import re

import pytest

from checker.engines.explicit.compiled import CompiledModel
from engine_helpers import differential, model_of

READ_AFTER_WRITE = """model RAW
var x: 0..7
var y: 0..7
init { x = 1 y = 2 }
action A { x = (x + 1) % 8  y = x }
action B { y = x  x = (y + 3) % 8 }
action C(d: 0..2) { y = (x + d) % 8  x = (x + y) % 8  y = (y + x) % 8 }
"""

MAPS = """model Maps
type K = 0..2
var m: map[K, 0..5]
var r: {a: 0..5, b: 0..5}
init { m = {k: k for k in K} r = {a: 0, b: 1} }
action Shift(k: K) {
  m[k] = m[(k + 1) % 3]
  m[(k + 1) % 3] = (m[k] + 1) % 6
  r.a = m[k]
  r.b = (r.a + r.b) % 6
}
action Swap { r = {a: r.b, b: r.a}  m[0] = r.a }
"""

LOOP = """model Loop
var acc: 0..7
var n: 0..7
init { acc = 0 n = 0 }
action Sum {
  require n < 7
  for i in 0..99 { acc = (acc + i + n) % 8 }
  n = n + 1
}
action Branch(b: bool) {
  if b and acc > 3 { acc = 0 } else { n = (n + acc) % 8 }
  acc = (acc + n) % 8
}
"""


def _nested(depth: int) -> str:
    """An action whose body nests `depth` ifs (beyond MAX_BLOCKS: not inlined in expand)."""
    opens = "".join(f"if x >= {i % 2} {{ " for i in range(depth))
    return ("model Deep\nvar x: 0..7\nvar y: 0..7\ninit { x = 0 y = 0 }\n"
            f"action D {{ {opens}y = x  x = (x + 3) % 8 {'} ' * depth} y = (y + x) % 8 }}\n"
            "action E { x = (y + 1) % 8 }\n")


@pytest.mark.parametrize("text", [READ_AFTER_WRITE, MAPS, LOOP, _nested(12), _nested(45)],
                         ids=["raw", "maps", "loop", "nested", "deep"])
def test_compiled_transitions_are_the_interpreters(text):
    assert differential(model_of(text)) > 5


def test_unassigned_variables_are_read_from_the_state_before():
    """Twenty gossip instances read the other replicas' vectors: from s0, so once a state."""
    text = """model G
type N = 0..4
var known: map[N, set[N]]
var vv: map[N, map[N, 0..2]]
init { known = {n: {} for n in N}  vv = {n: {o: 0 for o in N} for n in N} }
action Gossip(a: N, b: N) {
  require a != b
  known[b] = known[b] | known[a]
  vv[b] = {o: max(vv[b][o], vv[a][o]) for o in N}
}
action Bump(n: N) {
  require vv[n][n] < 2
  vv[n][n] = vv[n][n] + 1
}
"""
    cm = CompiledModel(model_of(text))
    expand = cm.source[cm.source.index("def expand("):cm.source.index("def labelled_level(")]
    assert not re.search(r"\(s >> \d+\)", expand.split("_n0 += n - m")[0])  # Gossip reads no field of s
    assert differential(cm, limit=3000) > 1000
