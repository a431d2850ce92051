"""The vectorised state graph and liveness checks (issue 13, goal 5) against the versions they
replaced, kept here as references: the graph built state by state with a dict, predicates
evaluated state by state, fair-cycle verdicts from (component, instance) pairs with np.unique,
strong components on the whole multigraph. Both must give the same graph (states, numbering,
parents, edges) and the same property results and traces, on hand-written and random models
with temporal properties under weak and strong fairness, failing branches (a `choose` whose
some values fail) and states wider than 64 bits."""

from __future__ import annotations

import random
from types import SimpleNamespace

import numpy as np
import pytest
from scipy.sparse import csr_matrix
from scipy.sparse.csgraph import connected_components

from spec.loader import load_text

from checker.core.kinds import Kind
from checker.core.properties import where_of
from checker.core.result import PropertyResult, Verdict
from checker.engines.explicit.compiled import CompiledModel
from checker.engines.explicit.csgraph import Csr
from checker.engines.explicit.determinism import _branch, _instance_text, _trace_to, check_deterministic
from checker.engines.explicit.graph import DictNumbers, GraphBuilder, GraphLimit, HashNumbers, StateGraph
from checker.engines.explicit.liveness import Cores, FairSteps, TemporalChecker, bit_set

# ---- the references: the code this replaced ----------------------------------------------------


class OldGraph(StateGraph):
    """The graph built state by state, edge by edge (a dict look-up each), its matrices with
    self-loops and repeats."""

    def __init__(self, cm: CompiledModel, max_states: int | None = None):
        self.cm, self.tick, self._classes = cm, lambda: None, {}
        states, index, parent, pinst, init = [], {}, [], [], []
        for s in cm.init_states():
            if s not in index:
                index[s] = len(states)
                init.append(len(states))
                states.append(s)
                parent.append(-1)
                pinst.append(-1)
        offsets, dst, inst = [0], [], []
        i = 0
        while i < len(states):
            for k, t in cm.labelled(states[i]):
                j = index.get(t)
                if j is None:
                    j = index[t] = len(states)
                    states.append(t)
                    parent.append(i)
                    pinst.append(k)
                    if max_states is not None and j >= max_states:
                        raise GraphLimit(f"state limit {max_states} reached while building the state graph")
                dst.append(j)
                inst.append(k)
            offsets.append(len(dst))
            i += 1
        self.states, self.parent, self.parent_inst, self.init = states, parent, pinst, init
        self.offsets = np.array(offsets, dtype=np.int64)
        self.dst = np.array(dst, dtype=np.int32)
        self.inst = np.array(inst, dtype=np.int32)

    def matrix(self, allowed=None, reverse=False, sources=None, rows=None):
        src, dst, n = self.src, self.dst, len(self)
        if allowed is not None:
            keep = allowed[src] & allowed[dst]
            src, dst = src[keep], dst[keep]
        if reverse:
            order = np.argsort(dst, kind="stable")
            src, dst = dst[order], src[order]
        counts = np.bincount(src, minlength=n)
        if sources is not None:
            dst = np.concatenate([dst, np.asarray(sources, dtype=np.int32)])
            counts = np.append(counts, len(sources))
            n += 1
        indptr = np.zeros(n + 1, dtype=np.int64)
        np.cumsum(counts, out=indptr[1:])
        return Csr(indptr, dst.astype(np.int64), n)

    def components(self, allowed):
        """scipy's components, numbered in the order of scipy's labels (the engine's are numbered
        by their smallest states: the results must not depend on it)."""
        g = self.matrix(allowed)
        m = csr_matrix((np.ones(g.edges), g.indices.astype(np.int32), g.indptr), shape=(g.n, g.n))
        m.sum_duplicates()
        _, labels = connected_components(m, directed=True, connection="strong")
        labels = labels.astype(np.int64)
        labels[~allowed] = -1
        _, labels[allowed] = np.unique(labels[allowed], return_inverse=True)
        return labels


class OldChecker(TemporalChecker):
    """Predicates state by state; fair-cycle verdicts from the distinct (state, instance) pairs."""

    def fair_edges(self):
        """(src, dst, condition) of the fair steps, one row for each fairness condition of the step's
        instance, and the distinct (state, enabled condition) pairs."""
        g, fair = self.g, self.fair
        keep = (g.dst != g.src) & (fair.n_of_instance[g.inst] > 0)
        src, dst, inst = g.src[keep], g.dst[keep], g.inst[keep]
        times = fair.n_of_instance[inst]
        src, dst = np.repeat(src, times), np.repeat(dst, times)
        inst = np.array([c for i in inst.tolist() for c in fair.of_instance[i]], dtype=np.int64)
        n_inst = fair.n
        pairs = np.unique(src.astype(np.int64) * n_inst + inst)
        return src, dst, inst, pairs // n_inst, pairs % n_inst

    def masks(self, fn, expr, args):
        return np.array([bool(fn(s, *args)) for s in self.g.states], dtype=bool)

    def cores_in(self, nodes):
        g = self.g
        roots = np.asarray(nodes, dtype=np.int64)
        cores = Cores(self, roots)
        allowed = np.zeros(len(g), dtype=bool)
        allowed[roots] = True
        _, _, _, en_u, en_k = self.fair_edges()
        while allowed.any():
            comp = g.components(allowed)
            chosen = self.verdicts(comp)
            cores.add_round(comp, chosen)
            pick = np.where(comp >= 0, chosen[np.maximum(comp, 0)], -1)
            allowed = pick >= 0
            allowed[en_u[pick[en_u] == en_k]] = False
        return cores

    def verdicts(self, comp):
        fair = self.fair
        src, dst, inst, en_u, en_k = self.fair_edges()
        n_comp = int(comp.max()) + 1
        n_inst = len(fair.is_weak)
        size = np.bincount(comp[comp >= 0], minlength=n_comp)
        c_src = comp[src]
        inner = (c_src >= 0) & (c_src == comp[dst])
        taken = np.unique(c_src[inner] * n_inst + inst[inner])
        c_en = comp[en_u]
        keys, counts = np.unique(c_en[c_en >= 0] * n_inst + en_k[c_en >= 0], return_counts=True)
        starved = keys[~np.isin(keys, taken, assume_unique=True)]
        counts = counts[~np.isin(keys, taken, assume_unique=True)]
        c, k = starved // n_inst, starved % n_inst
        chosen = np.full(n_comp, -1, dtype=np.int64)
        unfair = np.zeros(n_comp, dtype=bool)
        unfair[c[fair.is_weak[k] & (counts == size[c])]] = True
        strong = fair.is_strong[k] & ~unfair[c]
        c, k = c[strong], k[strong]
        order = np.lexsort((fair.strong_rank[k], c))
        c, k = c[order], k[order]
        first = np.unique(c, return_index=True)[1]
        chosen[c[first]] = k[first]
        chosen[unfair] = -2
        return chosen


def same_graph(new: StateGraph, old: OldGraph) -> None:
    assert new.states == old.states
    assert new.init == old.init
    assert new.parent == old.parent
    assert new.parent_inst == old.parent_inst
    assert new.offsets.tolist() == old.offsets.tolist()
    assert new.dst.tolist() == old.dst.tolist()
    assert new.inst.tolist() == old.inst.tolist()
    assert new.index == {s: i for i, s in enumerate(old.states)}


def results(model, checker_class, graph) -> list:
    """Every temporal property's result (verdict, message, trace) on the graph, in order."""
    checker = checker_class(model, graph.cm, graph)
    return [checker.check(p) for p in model.properties]


def agree(text: str, consts=None) -> list:
    """Checks the model both ways; returns the new results (equal to the old ones)."""
    model = load_text(text, "m.sync", consts)
    cm = CompiledModel(model)
    new, old = StateGraph(cm), OldGraph(cm)
    same_graph(new, old)
    found = results(model, TemporalChecker, new)
    assert found == results(model, OldChecker, old)
    return found


# ---- hand-written models ---------------------------------------------------------------------------

# strong fairness refines components (A is enabled only in state 1 of the cycle 0 <-> 1); Drop
# fails for some of its choices (a failing branch is no transition); two instances take one step
REFINE = """model Refine
var x: 0..3
init { x = 0 }
action Go { require x < 2  x = 1 - x }
action A { require x == 1  x = 2 }
action Stay { require x == 2  x = 2 }
action Twin { require x == 2  x = 3 }
action Twin2 { require x == 2  x = 3 }
action Drop { require x == 3  choose v in 0..4  x = v }
fairness weak Go
fairness strong A
property ReachesTwo: eventually x == 2
property Often: always eventually x == 0
property Settles: eventually always x >= 2
property Back: x == 3 leads_to x == 0
property Never: always x != 3
"""

# a message set over 70 values: states wider than 64 bits (the dict numbering)
WIDE = """model Wide
var msgs: set[0..69]
var n: 0..3
init { msgs = {}  n = 0 }
action Send(m: 0..69) { require n < 3 and m % 23 == n  msgs = msgs | {m}  n = n + 1 }
action Clear { require n == 3  msgs = {}  n = 0 }
action Wait { require n == 1  n = 1 }
fairness weak Clear
fairness strong Send
property Refills: always eventually n == 3
property Empties: n == 3 leads_to msgs == {}
property Stuck: eventually always n == 1
"""


@pytest.mark.parametrize("text", [REFINE, WIDE])
def test_hand_written_models_agree(text):
    found = agree(text)
    assert any(r.trace is not None for r in found)   # something fails: traces are compared too


def test_two_phase_commit_agrees_with_and_without_fairness():
    path = "models/two_phase_commit.sync"
    text = open(path).read()
    agree(text, ["RM=3"])
    unfair = agree(text.replace("fairness weak", "# fairness weak"), ["RM=3"])
    assert unfair[0].trace is not None and unfair[0].trace.loop is not None


def test_the_wide_model_uses_the_dict_numbering_and_the_narrow_one_sorted_runs():
    assert CompiledModel(load_text(WIDE, "m.sync")).state_bits > 64
    assert CompiledModel(load_text(REFINE, "m.sync")).state_bits <= 64


def outcome(build, cm, limit):
    try:
        return build(cm, max_states=limit)
    except GraphLimit as exc:
        return str(exc)


@pytest.mark.parametrize("text", [REFINE, WIDE])
@pytest.mark.parametrize("limit", [1, 2, 3, 4, 5, 30])
def test_the_state_limit_stops_the_graph_where_the_old_one_stopped(text, limit):
    cm = CompiledModel(load_text(text, "m.sync"))
    new, old = outcome(StateGraph, cm, limit), outcome(OldGraph, cm, limit)
    if isinstance(old, str):
        assert new == old
    else:
        same_graph(new, old)


def test_a_predicate_that_fails_reports_the_first_failing_state():
    text = REFINE.replace("property Never: always x != 3", "property Div: always 6 / (x - 1) > 0")
    found = agree(text)
    assert "cannot be evaluated" in found[-1].message


# ---- the pieces, on their own ---------------------------------------------------------------------


@pytest.mark.parametrize("text", [REFINE, WIDE])
@pytest.mark.parametrize("size", [1, 2, 7])
def test_a_builder_fed_state_by_state_builds_the_same_graph(text, size):
    # what a search that expands the states in the same order would do, in chunks of any size
    cm = CompiledModel(load_text(text, "m.sync"))
    g = StateGraph.shell(cm)
    builder = GraphBuilder(g)
    builder.start(cm.init_states())
    while builder.done < len(g.states):
        ts, ks, ends = [], [], []
        for s in g.states[builder.done:builder.done + size]:
            for k, t in cm.labelled(s):
                ts.append(t)
                ks.append(k)
            ends.append(len(ts))
        builder.add(ts, ks, ends)
    builder.finish()
    same_graph(g, OldGraph(cm))


@pytest.mark.parametrize("numbers", [HashNumbers, DictNumbers])
@pytest.mark.parametrize("high", [200, 2 ** 50, 2 ** 64])
def test_numbering_gives_new_states_in_order_of_first_occurrence(numbers, high):
    """Batches with repeats, of states of few bits and of up to 64 bits (HashNumbers claims slots),
    small ones and some above `visited.HASHED_FROM` (the new states of a batch deduplicated by
    hashing), over enough batches that the table grows."""
    rng = random.Random(7)
    pool = [rng.randrange(high) for _ in range(600)] + [0, high - 1]
    nums, seen = numbers(), {}
    for _ in range(60):
        batch = [rng.choice(pool) for _ in range(rng.randint(0, rng.choice([30, 400, 3000])))]
        found, new, first = nums.number(batch, len(seen))
        expected_new = [t for t in dict.fromkeys(batch) if t not in seen]
        assert new == expected_new
        assert first.tolist() == [batch.index(t) for t in expected_new]
        base = len(seen)
        seen.update((t, base + i) for i, t in enumerate(expected_new))
        assert found.tolist() == [seen[t] for t in batch]


@pytest.mark.parametrize("n_inst", [1, 5, 64, 65, 130])
def test_bit_sets(n_inst):
    rng = np.random.default_rng(n_inst)
    mask = rng.random(n_inst) < 0.5
    words = bit_set(mask)
    found = [bool((int(words[k // 64]) >> (k % 64)) & 1) for k in range(len(words) * 64)]
    assert found == mask.tolist() + [False] * (len(words) * 64 - n_inst)


class _Edges:
    """What FairSteps reads of a StateGraph."""

    def __init__(self, offsets, dst, inst, on_cycles):
        self.offsets, self.dst, self.inst, self.on_cycles = offsets, dst, inst, on_cycles
        self.src = np.repeat(np.arange(len(offsets) - 1), np.diff(offsets))

    def __len__(self):
        return len(self.offsets) - 1


def _conditions(words_row) -> set[int]:
    return {64 * w + b for w, word in enumerate(words_row.tolist()) for b in range(64) if (int(word) >> b) & 1}


@pytest.mark.parametrize("n_cond", [1, 5, 64, 65, 200])
def test_fair_steps_are_those_step_by_step(n_cond):
    """The conditions enabled in each state (steps that change it), and the steps between states on
    cycles with the conditions of their instances, against a loop over the edges; instances with
    no condition, one, or several, states without steps and with self-loops only."""
    rng = np.random.default_rng(n_cond)
    n, n_inst = 90, 40
    of_instance = [sorted(set(rng.integers(0, n_cond, size=int(rng.integers(0, 4))).tolist())) for _ in range(n_inst)]
    pairs = [(i, j) for i in range(n_inst) for j in of_instance[i]]
    fair = SimpleNamespace(n=n_cond, n_of_instance=np.array([len(c) for c in of_instance], dtype=np.int64),
                           pair_inst=np.array([i for i, _ in pairs], dtype=np.int64),
                           pair_cond=np.array([j for _, j in pairs], dtype=np.int64))
    counts = rng.integers(0, 6, size=n)
    offsets = np.concatenate(([0], np.cumsum(counts))).astype(np.int64)
    src = np.repeat(np.arange(n), counts)
    dst = np.where(rng.random(len(src)) < 0.2, src, rng.integers(0, n, size=len(src))).astype(np.int32)
    inst = rng.integers(0, n_inst, size=len(src)).astype(np.int32)
    on = rng.random(n) < 0.5
    steps = FairSteps(_Edges(offsets, dst, inst, on), fair)
    assert steps.words == (n_cond + 63) // 64
    for u in range(n):
        expected = {c for e in range(offsets[u], offsets[u + 1]) if dst[e] != u for c in of_instance[inst[e]]}
        assert _conditions(steps.enabled[u]) == expected
    cyclic = [e for e in range(len(src)) if on[src[e]] and on[dst[e]] and src[e] != dst[e]]
    assert cyclic, "the test should have steps between states on cycles"
    assert steps.src.tolist() == [src[e] for e in cyclic]
    assert steps.dst.tolist() == [dst[e] for e in cyclic]
    assert [_conditions(row) for row in steps.bits] == [set(of_instance[inst[e]]) for e in cyclic]
    some = rng.integers(0, n, size=50)
    cond = rng.integers(0, n_cond, size=50)
    assert steps.is_enabled(some, cond).tolist() == [int(c) in _conditions(steps.enabled[u]) for u, c in zip(some, cond)]


# ---- random models ---------------------------------------------------------------------------------

ATOMS = ["x == {c}", "x != {c}", "y > {c}", "y <= {c}", "b", "not b", "{c} in s", "not ({c} in s)"]


def atom(rng: random.Random) -> str:
    return rng.choice(ATOMS).format(c=rng.randint(0, 2))


def pred(rng: random.Random) -> str:
    text = atom(rng)
    for _ in range(rng.randint(0, 2)):
        text = f"({text}) {rng.choice(['and', 'or'])} ({atom(rng)})"
    return text


UPDATES = ["x = (x + {c}) % 3", "y = (y + p + 1) % 4", "b = not b", "s = s | {{{c}}}", "s = s - {{{c}}}",
           "x = {c}", "y = 0", "choose v in 0..3  x = v", "choose v in 0..3  y = v",
           "choose v in 0..2  require v != x  x = v"]


def random_model(rng: random.Random) -> str:
    """Variables x, y, b, s; actions with a parameter p, guards and updates (`x = v` fails for
    v = 3: a failing branch); weak and strong fairness on some actions; every temporal form."""
    lines = ["model R", "var x: 0..2", "var y: 0..3", "var b: bool", "var s: set[0..2]"]
    wide = rng.random() < 0.3   # one more variable, over 64 bits in all
    if wide:
        lines.append("var wide: set[0..69]")
    first = "choose i in 0..1  x = i" if rng.random() < 0.5 else "x = 0"
    lines.append(f"init {{ y = 0  b = false  s = {{}}{'  wide = {}' if wide else ''}  {first} }}")
    names = []
    for a in range(rng.randint(2, 4)):
        name = f"A{a}"
        names.append(name)
        head = f"action {name}(p: 0..1)" if rng.random() < 0.5 else f"action {name}"
        body = [f"require {pred(rng)}"] if rng.random() < 0.7 else []
        body += [rng.choice(UPDATES).format(c=rng.randint(0, 2)) for _ in range(rng.randint(1, 2))]
        if "(p: 0..1)" not in head:
            body = [b.replace("p + 1", "1") for b in body]
        if wide and a == 0:
            body.append("wide = wide | {x * 23}")
        lines.append(head + " { " + "  ".join(body) + " }")
    for name in names:
        kind = rng.choice(["weak", "strong", None, None])
        if kind:
            lines.append(f"fairness {kind} {name}")
    forms = ["eventually {p}", "always eventually {p}", "eventually always {p}", "{p} leads_to {q}", "always {p}",
             "forall c in 0..2: eventually x == c", "forall c in 0..2: x == c leads_to y == c"]
    for i in range(rng.randint(1, 3)):
        lines.append(f"property P{i}: " + rng.choice(forms).format(p=pred(rng), q=pred(rng)))
    return "\n".join(lines) + "\n"


@pytest.mark.parametrize("seed", range(60))
def test_random_models_agree(seed):
    text = random_model(random.Random(seed))
    agree(text)


def test_random_models_cover_violations_holds_and_both_fairness_kinds():
    """The random models are not trivial: some properties fail, some hold, under each fairness."""
    verdicts, kinds = set(), set()
    for seed in range(60):
        text = random_model(random.Random(seed))
        kinds |= {k for k in ("weak", "strong") if f"fairness {k}" in text}
        model = load_text(text, "m.sync")
        g = StateGraph(CompiledModel(model))
        verdicts |= {r.verdict.value for r in results(model, TemporalChecker, g)}
    assert verdicts == {"holds", "violated"}
    assert kinds == {"weak", "strong"}


def test_masks_are_the_predicate_in_every_state():
    model = load_text(REFINE.replace("property ReachesTwo: eventually x == 2",
                                     "property ReachesTwo: eventually x == 2 or x == 0"), "m.sync")
    cm = CompiledModel(model)
    g = StateGraph(cm)
    checker = TemporalChecker(model, cm, g)
    prop = model.properties[0]
    fn = cm.predicate(prop.p, [])
    assert checker.masks(fn, prop.p, []).tolist() == [bool(fn(s)) for s in g.states]


def test_a_predicate_reading_no_variable_is_one_class():
    model = load_text(REFINE.replace("eventually x == 2", "eventually 1 == 2"), "m.sync")
    g = StateGraph(CompiledModel(model))
    first, cls = g.classes(0)
    assert first.tolist() == [0] and set(cls.tolist()) == {0}


@pytest.mark.parametrize("text", [REFINE, WIDE])
def test_enabled_bit_sets_are_the_instances_with_a_step_out(text):
    # WIDE has 73 instances (Send has 70): bit sets of two words
    model = load_text(text, "m.sync")
    cm = CompiledModel(model)
    g = StateGraph(cm)
    checker = TemporalChecker(model, cm, g)
    fair = sorted(checker.fair.all)
    states = np.repeat(np.arange(len(g)), len(fair))
    insts = np.tile(np.array(fair, dtype=np.int64), len(g))
    found = checker.steps.is_enabled(states, insts)
    assert found.tolist() == [k in g.enabled(u) for u, k in zip(states.tolist(), insts.tolist())]
    assert found.any() and len(cm.instances) > 64 or text is REFINE


# ---- determinism -----------------------------------------------------------------------------------


def old_check_deterministic(model, cm, g, decl):
    """The reference: state by state, edge by edge."""
    where = where_of(decl.span)
    mine = {i for i, (k, _) in enumerate(cm.instances) if k == decl.action}
    for u in range(len(g)):
        seen = {}
        for v, k in g.out(u):
            if k not in mine:
                continue
            if k in seen and seen[k] != v:
                text = _instance_text(cm, k)
                message = f"{text} has two different results in the same state"
                trace = _trace_to(model, cm, g, u, decl.name, Kind.DETERMINISM, message, where)
                trace.branches = [(f"{text}, first result", _branch(cm, g, u, [(seen[k], k)])),
                                  (f"{text}, second result", _branch(cm, g, u, [(v, k)]))]
                return PropertyResult(decl.name, Kind.DETERMINISM, Verdict.VIOLATED, message, where, trace)
            seen.setdefault(k, v)
    return PropertyResult(decl.name, Kind.DETERMINISM, Verdict.HOLDS, "", where)


@pytest.mark.parametrize("seed", range(40))
def test_deterministic_agrees_with_the_edge_by_edge_check(seed):
    rng = random.Random(1000 + seed)
    text = random_model(rng)
    actions = [line.split()[1].split("(")[0] for line in text.splitlines() if line.startswith("action ")]
    model = load_text(text + "".join(f"deterministic {a}\n" for a in actions), "m.sync")
    cm = CompiledModel(model)
    g = StateGraph(cm)
    for decl in model.deterministic:
        assert check_deterministic(model, cm, g, decl) == old_check_deterministic(model, cm, g, decl)


def test_deterministic_random_models_have_both_verdicts():
    verdicts = set()
    for seed in range(40):
        text = random_model(random.Random(1000 + seed))
        actions = [line.split()[1].split("(")[0] for line in text.splitlines() if line.startswith("action ")]
        model = load_text(text + "".join(f"deterministic {a}\n" for a in actions), "m.sync")
        cm = CompiledModel(model)
        g = StateGraph(cm)
        verdicts |= {check_deterministic(model, cm, g, d).verdict for d in model.deterministic}
    assert verdicts == {Verdict.HOLDS, Verdict.VIOLATED}
