"""Types as sets everywhere (issue 15 item 3): a type written where a set is expected is the set of
all its values: `choose x in map[0..1, bool]`, `forall r in {a: 0..2, b: bool}: ...`,
`x in option[T]`, and `bool`, `set[T]`, `seq[T, N]`, tuples of types.

The three forms of the issue on every engine (the interpreter's own BFS, the compiled explicit
engine checked state by state against it, BMC and k-induction) with exact counts, verdicts and
trace lengths; membership of records, maps and options; what an expression cannot spell (E107,
E326); the size limit (E318) before any value is made; the formatter.
"""

from __future__ import annotations

import pytest

from checker.core.result import Verdict
from checker.engines.explicit.compiled import CompiledModel
from checker.engines.symbolic import SymbolicOptions
from checker.engines.symbolic import check as symbolic_check
from cli_helpers import run_cli
from spec import ast
from spec.diagnostics import SpecError
from spec.formatter import format_text, shape
from spec.loader import load_text
from spec.parser import parse

from engine_helpers import model_of, naive_bfs, prop, run

RLIMIT = 5_000_000

# the three forms of the issue, written out (no `type` declaration anywhere)
FORMS = """model Forms
var m: map[0..1, bool]
var o: option[0..2]
var n: 0..3
init { m = {0: false, 1: false}  o = none  n = 0 }
action Flags { choose y in map[0..1, bool]  m = y }
action Opt { choose v in option[0..2]  o = v }
action Count { require n < 3  n = n + 1 }
invariant Records: forall r in {a: 0..2, b: bool}: r.a <= 2
invariant Options: o in option[0..2] and none in option[0..2]
invariant Sizes: len(map[0..1, bool]) == 4 and len({a: 0..2, b: bool}) == 6 and len(option[0..2]) == 4
"""
# 4 maps x 4 options x 4 counts; from every state 4 Flags and 4 Opt, and Count below 3
FORMS_STATES, FORMS_TRANSITIONS, FORMS_DEPTH = 64, 64 * 8 + 48, 5

# the same forms, false after a known number of steps
BROKEN = FORMS + """invariant NoRecordAtTwo: not (exists r in {a: 0..2, b: bool}: r.a == n and r.a == 2 and r.b and r.b == m[1])
invariant NotBothFlags: not (m in {y for y in map[0..1, bool] if y[0] and y[1]})
invariant SmallOption: o in option[0..1]
"""
# Count twice and Flags once; Flags once; Opt once (to some(2))
BROKEN_LENGTHS = {"NoRecordAtTwo": 3, "NotBothFlags": 1, "SmallOption": 1}


def _verdicts(r) -> dict:
    return {p.name: p.verdict for p in r.properties}


def test_the_three_forms_parse_and_map_is_a_typeset():
    module = parse(FORMS)
    choose = module.decls[4].body[0]
    assert isinstance(choose.domain, ast.TypeSet)
    t = choose.domain.type
    assert isinstance(t, ast.TMap) and isinstance(t.key, ast.TRange) and isinstance(t.value, ast.TBool)
    records = module.decls[7].cond
    assert isinstance(records.generator.bindings[0].domain, ast.PairsLit)   # a record of types: typed later
    options = module.decls[8].cond.left
    assert isinstance(options.right, ast.Index) and options.right.base.name == "option"


def test_the_explicit_engine_and_the_interpreter_agree_on_the_forms():
    r = run(FORMS, stop_at_first=False)           # `run` first walks every state against the interpreter
    assert r.verdict is Verdict.HOLDS, [(p.name, p.message) for p in r.properties]
    assert (r.stats.distinct_states, r.stats.transitions, r.stats.depth) == \
        (FORMS_STATES, FORMS_TRANSITIONS, FORMS_DEPTH)
    dist, transitions = naive_bfs(CompiledModel(model_of(FORMS)))
    assert (len(dist), transitions, max(dist.values())) == (FORMS_STATES, FORMS_TRANSITIONS, FORMS_DEPTH)


def test_the_forms_are_the_named_types_sets():
    """A type written out is the very set its named twin is: same states, same transitions."""
    named = ("model Named\ntype M = map[0..1, bool]\ntype O = option[0..2]\ntype R = {a: 0..2, b: bool}\n"
             + FORMS.split("\n", 1)[1].replace("in map[0..1, bool]", "in M").replace("in option[0..2]", "in O")
             .replace("in {a: 0..2, b: bool}", "in R").replace("len(map[0..1, bool])", "len(M)")
             .replace("len({a: 0..2, b: bool})", "len(R)").replace("len(option[0..2])", "len(O)"))
    assert "map[0..1, bool]]" not in named and "in M " in named
    a, b = run(FORMS), run(named)
    assert (a.stats.distinct_states, a.stats.transitions) == (b.stats.distinct_states, b.stats.transitions)


def test_violations_have_the_shortest_traces_in_the_explicit_engine_and_bmc():
    r = run(BROKEN, stop_at_first=False)
    b = symbolic_check(model_of(BROKEN), "bmc", SymbolicOptions(depth=4, rlimit=RLIMIT, stop_at_first=False))
    assert {n: _verdicts(r)[n] for n in ("Records", "Options", "Sizes")} == \
        {n: Verdict.HOLDS for n in ("Records", "Options", "Sizes")}
    for engine in (r, b):
        for name, length in BROKEN_LENGTHS.items():
            p = prop(engine, name)
            assert p.verdict is Verdict.VIOLATED, (name, p.verdict)
            assert p.trace.length == length, (name, p.trace.length)
    last = prop(b, "SmallOption").trace.steps[-1]
    assert last.action == "Opt"
    # BMC finds no violation of the true invariants up to its depth
    assert {n: _verdicts(b)[n] for n in ("Records", "Options", "Sizes")} == \
        {n: Verdict.INCONCLUSIVE for n in ("Records", "Options", "Sizes")}


def test_k_induction_proves_the_forms():
    r = symbolic_check(model_of(FORMS), "induction", SymbolicOptions(depth=4, rlimit=RLIMIT))
    assert {n: v for n, v in _verdicts(r).items() if n in ("Records", "Options", "Sizes")} == \
        {"Records": Verdict.HOLDS, "Options": Verdict.HOLDS, "Sizes": Verdict.HOLDS}
    b = symbolic_check(model_of(FORMS), "bmc", SymbolicOptions(depth=4, rlimit=RLIMIT))
    assert all(p.verdict is not Verdict.VIOLATED for p in b.properties), [(p.name, p.verdict) for p in b.properties]


# ---- membership of records, maps, options, tuples, sequences, sets ------------------------

MEMBERS = [
    ("{a: 1, b: true} in {a: 0..2, b: bool}", True),
    ("{a: 3, b: true} in {a: 0..2, b: bool}", False),
    ("r in {a: 0..2, b: bool}", True),
    ("r in {a: 0..1, b: bool}", False),          # r.a is 2 in the state
    ("r not in {a: 0..1, b: bool}", True),
    ("m in map[0..1, 0..3]", True),
    ("m in map[0..1, 0..1]", False),              # m[1] is 3 in the state
    ("{k: k == 0 for k in 0..1} in map[0..1, bool]", True),
    ("o in option[0..2]", False),                # o is some(3)
    ("o in option[0..3]", True),
    ("none in option[bool]", True),
    ("some(true) in option[bool]", True),
    ("(1, false) in (0..1, bool)", True),
    ("(2, false) in (0..1, bool)", False),
    ("[true, false] in seq[bool, 2]", True),
    ("{1, 2} in set[0..2]", True),
    ("true in bool and false in bool", True),
    ("len(set[0..2]) == 8 and len(seq[bool, 2]) == 7 and len((bool, 0..2)) == 6", True),
    ("len(map[0..1, option[bool]]) == 9 and len(option[{a: bool}]) == 3", True),
    ("{x.a for x in {a: 0..2, b: bool}} == 0..2", True),
    ("(0..1, bool) - {(0, true)} subset (0..1, bool) and len((0..1, bool) & {(1, true)}) == 1", True),
    ("(the x in map[0..1, bool]: x[0] and not x[1]) == {0: true, 1: false}", True),
    ("exists s in set[(0..1, bool)]: len(s) == 4", True),
]

MEMBERS_MODEL = """model Members
var r: {a: 0..2, b: bool}
var m: map[0..1, 0..3]
var o: option[0..3]
init { r = {a: 2, b: false}  m = {0: 1, 1: 3}  o = some(3) }
INVARIANTS
"""


def _members_model() -> str:
    invs = "\n".join(f"invariant M{i}: {text}" for i, (text, _) in enumerate(MEMBERS))
    return MEMBERS_MODEL.replace("INVARIANTS", invs)


def test_membership_of_records_maps_and_options_in_every_engine():
    text = _members_model()
    expected = {f"M{i}": (Verdict.HOLDS if truth else Verdict.VIOLATED) for i, (_, truth) in enumerate(MEMBERS)}
    explicit = run(text, stop_at_first=False)
    assert {n: v for n, v in _verdicts(explicit).items() if n in expected} == expected
    # the interpreter, on the one state
    cm = CompiledModel(model_of(text))
    (s,) = cm.init_states()
    truths = [cm.interp.invariant_holds(inv, cm.unpack(s)) for inv in cm.model.invariants]
    assert truths == [truth for _, truth in MEMBERS]
    bmc = symbolic_check(model_of(text), "bmc", SymbolicOptions(depth=1, deadlock=False, rlimit=RLIMIT,
                                                                 stop_at_first=False))
    got = {n: v for n, v in _verdicts(bmc).items() if n in expected}
    assert got == expected     # no action: one state, so BMC's depth 1 covers every state
    # k-induction: its base case finds the false ones; once one is false it proves nothing else,
    # so the true ones are proved on their own
    ind = symbolic_check(model_of(text), "induction", SymbolicOptions(deadlock=False, rlimit=RLIMIT,
                                                                       stop_at_first=False))
    false = {n for n, v in expected.items() if v is Verdict.VIOLATED}
    assert {n for n, v in _verdicts(ind).items() if v is Verdict.VIOLATED} == false
    true_only = MEMBERS_MODEL.replace("INVARIANTS", "\n".join(
        f"invariant M{i}: {t}" for i, (t, truth) in enumerate(MEMBERS) if truth))
    ind = symbolic_check(model_of(true_only), "induction", SymbolicOptions(deadlock=False, rlimit=RLIMIT))
    assert {n: v for n, v in _verdicts(ind).items() if n in expected} == \
        {n: Verdict.HOLDS for n in expected if n not in false}


def test_a_name_the_model_declares_keeps_its_meaning():
    """`set` and `bool` are the model's names where it declares them; inside the brackets of a
    type the words are types, as in a declaration (`option[bool]` is the type's 3 values)."""
    text = """model Shadow
var set: map[0..2, 0..3]
def bool = 1
init { set = {0: 1, 1: 2, 2: 3} }
invariant Indexed: set[1] == 2 and bool == 1 and len(option[bool]) == 3
"""
    assert prop(run(text, deadlock=False), "Indexed").verdict is Verdict.HOLDS
    with pytest.raises(SpecError) as exc:
        load_text(text.replace("len(option[bool]) == 3", "bool in bool"), "s.sync")
    assert exc.value.codes == ["E302"]     # `bool in bool`: 1 in 1, not a membership of a set


def test_a_tuple_of_sets_outside_a_set_position_is_a_tuple():
    text = """model Tup
var p: (set[0..1], set[bool])
init { p = (0..1, bool) }
invariant Full: len(p[0]) == 2 and len(p[1]) == 2
"""
    assert prop(run(text, deadlock=False), "Full").verdict is Verdict.HOLDS


# ---- errors ---------------------------------------------------------------------------------

@pytest.mark.parametrize("expr, code, col_of, words", [
    ("forall a in fixed(2) 0..1: true", "E107", "0..1:", "a type is not usable here; write a fixed-point type"),
    ("forall m in map[0..1, fixed(1) -1..1]: true", "E326", "fixed(1)", "a type is not usable here"),
    ("exists m in map[x + 1, bool]: true", "E107", "x + 1", "map[K, V] takes two types"),
    ("exists q in seq[x + 1, 2]: true", "E107", "x + 1", "seq[T, N] takes a type and a capacity"),
    ("exists s in set[x + 1]: true", "E326", "x + 1", "set[T] in an expression is the set of all values of a type"),
    ("x[1, 2] == 0", "E107", "x[1, 2]", "takes one key here"),
    ("forall m in Pay(to: 0..1) | Cancel: true", "E107", ": 0..1", "a type is not usable here; write a union type"),
])
def test_what_an_expression_cannot_spell_says_so(tmp_path, capsys, expr, code, col_of, words):
    f = tmp_path / "e.sync"
    f.write_text(f"model E\nvar x: 0..3\ninit {{ x = 0 }}\ninvariant I: {expr}\n")
    rc, out, err = run_cli(["check", str(f)], capsys)
    text = out + err
    assert rc == 2, text
    col = len("invariant I: ") + expr.index(col_of) + 1
    assert f"e.sync:4:{col}: error[{code}]" in text, text
    assert words in text and "^" in text and "help:" in text, text
    assert "Traceback" not in text


@pytest.mark.parametrize("expr, count", [
    ("exists m in map[0..20, bool]: m[0]", "2,097,152"),
    ("len(map[0..15, 0..3]) > 0", "4,294,967,296"),          # 2**32 codes: the count says no first
    ("forall s in set[0..16]: true", "131,072"),
    ("len({a: 0..255, b: 0..255}) == 65536", None),       # 65,536 values: at the limit, allowed
])
def test_a_type_set_over_the_limit_is_e318_before_any_value_is_made(tmp_path, capsys, expr, count):
    f = tmp_path / "big.sync"
    f.write_text(f"model Big\nvar x: 0..1\ninit {{ x = 0 }}\naction A {{ x = 1 - x }}\ninvariant I: {expr}\n")
    rc, out, err = run_cli(["parse", str(f)], capsys)
    text = out + err
    if count is None:
        assert rc == 0, text
        return
    assert rc == 2, text
    assert "error[E318]" in text and f"has {count} values: too many to use as a set" in text, text
    assert "at most 65,536 values" in text


# ---- the formatter --------------------------------------------------------------------------

def test_the_formatter_writes_the_forms_and_keeps_their_meaning():
    messy = """model Fmt
var m: map[0..1, bool]
init { m = {0: false, 1: true} }
action Pick { choose y in map[ 0..1 ,bool ]
  m = y }
invariant I: forall r in {a:0..2,b:bool}: r.a <= 2
invariant J: none in option[ 0..3 ] and len(seq[bool,2]) == 7 and len((bool,0..1)) == 4
"""
    out = format_text(messy)
    assert "  choose y in map[0..1, bool]\n" in out
    assert "invariant I: forall r in {a: 0..2, b: bool}: r.a <= 2\n" in out
    assert "none in option[0..3] and len(seq[bool, 2]) == 7 and len((bool, 0..1)) == 4" in out
    assert format_text(out) == out
    assert shape(parse(out)) == shape(parse(messy))
    assert shape(load_text(out, "f.sync")) == shape(load_text(messy, "f.sync"))


def test_a_type_set_over_symmetric_values_keeps_symmetry():
    """The set of all maps over symmetric nodes singles out no node: symmetry stays on.
    8 maps x 7 options = 56 states; their orbits: 4 with `none`, 12 with a noted (node, vote)."""
    text = """model Sym
const NODES = symmetric {n1, n2, n3}
var votes: map[NODES, bool]
var last: option[(NODES, bool)]
init { votes = {n: false for n in NODES}  last = none }
action Vote { choose m in map[NODES, bool]  votes = m }
action Note { choose p in (NODES, bool)  last = some(p) }
invariant Ok: votes in map[NODES, bool] and last in option[(NODES, bool)]
"""
    reduced, full = run(text), run(text, symmetry=False)
    assert reduced.verdict is Verdict.HOLDS and full.verdict is Verdict.HOLDS
    assert (reduced.stats.distinct_states, full.stats.distinct_states) == (16, 56)
    assert not model_of(text).warnings
