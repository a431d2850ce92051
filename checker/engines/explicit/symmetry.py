"""Symmetry reduction: one representative per orbit of states under permutations
of each `symmetric` set of model values.

The representative of a state is found without trying every permutation:
each member gets a signature (what the state says about it, in terms that do
not depend on the names of the members), members are sorted by signature and
the state is renamed accordingly. Members with equal signatures are
interchangeable when every variable relates at most one member at a time
(`map[RM, V]`, `set[RM]`, a message carrying one RM): then the sort is exact.
Otherwise the permutations within groups of equal signatures are tried and
the smallest result kept, up to `MAX_TIES` of them; past that the
representative is still in the orbit (sound), only less reduced.
"""

from __future__ import annotations

import itertools

from spec import ir
from spec.types import (EnumType, ModelValueType, MapType, OptionType, RecordType, SeqType, SetType, Type,
                        UnionType, iter_bits)

from checker.engines.explicit.layout import StateLayout

MAX_TIES = 720
MEMO_ENTRIES = 1 << 18   # entries of each memo of variables' values (signatures, renamed values)
MEMO_BITS = 12           # values of at most this many bits have their signatures memoized, for good


def _contains(t: Type, syms) -> bool:
    return any(x in syms for x in t.walk())


def _arity(t: Type, syms) -> int:
    """How many symmetric members one value of t can relate at once (2 stands for several)."""
    if t in syms:
        return 1
    if not _contains(t, syms):
        return 0
    if isinstance(t, UnionType):
        return max((_arity(p, syms) for _, p in t.variants if p is not None), default=0)
    if isinstance(t, RecordType):
        return sum(_arity(ft, syms) for _, ft in t.fields)
    if isinstance(t, OptionType):
        return _arity(t.elem, syms)
    return 2  # a set, map or sequence holding members relates all of them to each other


def _fact_arity(t: Type, syms) -> int:
    """How many members one fact of a variable of type t relates: an element of a set, an entry
    of a map, or else the whole value."""
    if isinstance(t, SetType):
        return _arity(t.elem, syms)
    if isinstance(t, MapType):
        return _arity(t.key, syms) + _arity(t.value, syms)
    return _arity(t, syms)


class Canonicalizer:
    """canon(state) -> the representative of the state's orbit."""

    def __init__(self, model: ir.CheckedModel, symmetric: list[ModelValueType]):
        self.model = model
        self.layout = StateLayout(model)
        self.syms = list(symmetric)
        symset = set(self.syms)
        self.vars = [(v, v.type) for v in model.vars if _contains(v.type, symset)]
        self.exact_sort = all(_fact_arity(t, symset) <= 1 for _, t in self.vars)
        self._perm = {}
        self._sig = {}
        # memos of the values of the variables (a variable's value recurs across many states):
        # (variable, set k, value) -> its signature for each member; (variable, value, renaming) ->
        # the value renamed. Emptied when they hold MEMO_ENTRIES entries.
        self._sigs_of: dict[tuple, tuple] = {}
        self._renamed: dict[tuple, int] = {}
        self._renamings: dict[tuple, int] = {}
        self._plan = self._fast_plan()
        self._n = len(self.syms[0].members) if self.syms else 0
        self._identity = list(range(self._n))

    # ---- renaming -----------------------------------------------------------------

    def perm_fn(self, t: Type):
        """f(code, pis) renaming every symmetric member inside a value of t; None if none inside."""
        if t in self._perm:
            return self._perm[t]
        f = self._make_perm(t)
        self._perm[t] = f
        return f

    def _make_perm(self, t: Type):
        syms = self.syms
        if not _contains(t, set(syms)):
            return None
        if isinstance(t, ModelValueType) and t in syms:
            k = syms.index(t)
            return lambda code, pis: pis[k][code]
        if isinstance(t, SetType):
            fe = self.perm_fn(t.elem)

            def perm_set(code, pis):
                out = 0
                while code:
                    low = code & -code
                    out |= 1 << fe(low.bit_length() - 1, pis)
                    code ^= low
                return out
            return perm_set
        if isinstance(t, MapType):
            fk, fv = self.perm_fn(t.key), self.perm_fn(t.value)
            w = t.value.bits
            m = (1 << w) - 1
            keys = t.key.codes()

            def perm_map(code, pis):
                out = 0
                for k in keys:
                    v = (code >> (k * w)) & m
                    if fv is not None:
                        v = fv(v, pis)
                    out |= v << ((fk(k, pis) if fk is not None else k) * w)
                return out
            return perm_map
        if isinstance(t, RecordType):
            parts = [(off, (1 << ft.bits) - 1, self.perm_fn(ft)) for off, (_, ft) in zip(t.offsets, t.fields)]

            def perm_rec(code, pis):
                out = 0
                for off, m, f in parts:
                    v = (code >> off) & m
                    out |= (f(v, pis) if f is not None else v) << off
                return out
            return perm_rec
        if isinstance(t, UnionType):
            infos = [(i.base, i.base + i.size, self.perm_fn(i.payload) if i.payload else None) for i in t.infos]

            def perm_union(code, pis):
                for base, end, f in infos:
                    if base <= code < end:
                        return base + f(code - base, pis) if f is not None else code
                return code
            return perm_union
        if isinstance(t, OptionType):
            fe = self.perm_fn(t.elem)
            return lambda code, pis: 0 if code == 0 else 1 + fe(code - 1, pis)
        if isinstance(t, SeqType):
            fe = self.perm_fn(t.elem)
            lb, w = t.len_bits, t.elem.bits
            m = (1 << w) - 1

            def perm_seq(code, pis):
                n = code & ((1 << lb) - 1)
                out = n
                for i in range(n):
                    off = lb + i * w
                    out |= fe((code >> off) & m, pis) << off
                return out
            return perm_seq
        raise AssertionError(t)

    # ---- signatures ---------------------------------------------------------------

    def sig_fn(self, t: Type, k: int):
        """f(code, e): what a value of t says about member e of symmetric set k, name-free."""
        key = (t, k)
        if key in self._sig:
            return self._sig[key]
        f = self._make_sig(t, k)
        if t.bits <= MEMO_BITS:   # a value of few bits (a set's element, a map's entry): its signatures memoized
            n, table = len(self.syms[k].members), {}

            def memoized(code, e, f=f):
                got = table.get(code * n + e)
                if got is None:
                    got = table[code * n + e] = f(code, e)
                return got
            f = memoized
        self._sig[key] = f
        return f

    def _make_sig(self, t: Type, k: int):
        T = self.syms[k]
        symset = set(self.syms)
        if t == T:
            return lambda code, e: 1 if code == e else 0
        if not _contains(t, symset):
            return lambda code, e: code
        if isinstance(t, ModelValueType):  # another symmetric set: its names do not matter here
            return lambda code, e: 0
        if isinstance(t, SetType):
            fe = self.sig_fn(t.elem, k)
            return lambda code, e: tuple(sorted(fe(c, e) for c in iter_bits(code)))
        if isinstance(t, MapType):
            fv = self.sig_fn(t.value, k)
            w, m = t.value.bits, (1 << t.value.bits) - 1
            if t.key == T and not _contains(t.value, symset):
                return lambda code, e: (code >> (e * w)) & m
            if t.key == T:
                keys = t.key.codes()

                def sig_map_t(code, e):
                    own = fv((code >> (e * w)) & m, e)
                    rest = tuple(sorted(fv((code >> (c * w)) & m, e) for c in keys if c != e))
                    return (own, rest)
                return sig_map_t
            fk = self.sig_fn(t.key, k)
            keys = t.key.codes()
            return lambda code, e: tuple(sorted((fk(c, e), fv((code >> (c * w)) & m, e)) for c in keys))
        if isinstance(t, RecordType):
            parts = [(off, (1 << ft.bits) - 1, self.sig_fn(ft, k)) for off, (_, ft) in zip(t.offsets, t.fields)]
            return lambda code, e: tuple(f((code >> off) & m, e) for off, m, f in parts)
        if isinstance(t, UnionType):
            infos = [(n, i.base, i.base + i.size, self.sig_fn(i.payload, k) if i.payload else None)
                     for n, i in enumerate(t.infos)]

            def sig_union(code, e):
                for n, base, end, f in infos:
                    if base <= code < end:
                        return (n, f(code - base, e) if f is not None else ())
                return ()
            return sig_union
        if isinstance(t, OptionType):
            fe = self.sig_fn(t.elem, k)
            return lambda code, e: () if code == 0 else (fe(code - 1, e),)
        if isinstance(t, SeqType):
            fe = self.sig_fn(t.elem, k)
            return lambda code, e: tuple(fe(c, e) for c in t.items(code))
        if isinstance(t, EnumType):
            return lambda code, e: code
        raise AssertionError(t)

    # ---- the representative -------------------------------------------------------------

    # ---- fast signatures: one symmetric set, every variable relating at most one member ------

    def _fast_plan(self):
        """Per variable, a function adding what its value says about each member to sigs[member]."""
        if len(self.syms) != 1 or not self.exact_sort:
            return None
        T = self.syms[0]
        plan = []
        for vi, (v, t) in enumerate(self.vars):
            f = self._contribution(vi, t, T)
            if f is None:
                return None
            plan.append((self.layout.offset(v), (1 << t.bits) - 1, f))
        return plan

    def _owner_table(self, t: Type, T):
        """table[code] = (member it relates, its name-free class) for a small type of arity <= 1."""
        if t.size > (1 << 16):
            return None
        table = [(-1, 0)] * t.size
        for c in t.codes():
            table[c] = self._owner_cls(t, c, T)
        return table

    def _owner_cls(self, t: Type, code: int, T):
        symset = {T}
        if t == T:
            return code, 0
        if not _contains(t, symset):
            return -1, code
        if isinstance(t, OptionType):
            if code == 0:
                return -1, (0,)
            o, cl = self._owner_cls(t.elem, code - 1, T)
            return o, (1, cl)
        if isinstance(t, UnionType):
            info = t.variant_of(code)
            n = t.infos.index(info)
            if info.payload is None:
                return -1, (n,)
            o, cl = self._owner_cls(info.payload, code - info.base, T)
            return o, (n, cl)
        if isinstance(t, RecordType):
            owner, parts = -1, []
            for off, (_, ft) in zip(t.offsets, t.fields):
                sub = (code >> off) & ((1 << ft.bits) - 1)
                o, cl = self._owner_cls(ft, sub, T)
                if o >= 0:
                    owner = o
                parts.append(cl)
            return owner, tuple(parts)
        raise AssertionError(t)

    def _contribution(self, vi: int, t: Type, T):
        if t == T:
            return lambda code, sigs: sigs[code].append((vi,))
        if isinstance(t, SetType):
            table = self._owner_table(t.elem, T)
            if table is None:
                return None

            def add_set(code, sigs):
                while code:
                    low = code & -code
                    o, cl = table[low.bit_length() - 1]
                    if o >= 0:
                        sigs[o].append((vi, cl))
                    code ^= low
            return add_set
        if isinstance(t, MapType) and t.key == T and not _contains(t.value, {T}):
            w, m, n = t.value.bits, (1 << t.value.bits) - 1, len(T.members)

            def add_map(code, sigs):
                for e in range(n):
                    sigs[e].append((vi, (code >> (e * w)) & m))
            return add_map
        if isinstance(t, MapType) and not _contains(t.key, {T}):
            table = self._owner_table(t.value, T)
            if table is None:
                return None
            w, m, keys = t.value.bits, (1 << t.value.bits) - 1, t.key.codes()

            def add_values(code, sigs):
                for k in keys:
                    o, cl = table[(code >> (k * w)) & m]
                    if o >= 0:
                        sigs[o].append((vi, k, cl))
            return add_values
        if isinstance(t, (OptionType, UnionType, RecordType)):
            def add_scalar(code, sigs):
                o, cl = self._owner_cls(t, code, T)
                if o >= 0:
                    sigs[o].append((vi, cl))
            return add_scalar
        return None

    def canon(self, s: int) -> int:
        if self._plan is not None:
            return self._canon_fast(s)
        return self._canon_general(s)

    def _canon_fast(self, s: int) -> int:
        n = self._n
        sigs = [[] for _ in range(n)]
        for off, mask, f in self._plan:
            f((s >> off) & mask, sigs)
        keys = [sorted(x) for x in sigs]
        order = sorted(range(n), key=keys.__getitem__)
        if order == self._identity:
            return s
        vals = [(v, (s >> self.layout.offsets[v.index]) & ((1 << t.bits) - 1)) for v, t in self.vars]
        return self._apply(s, vals, [self._pi(order)])

    def _canon_general(self, s: int) -> int:
        vals = [(v, (s >> self.layout.offsets[v.index]) & ((1 << t.bits) - 1)) for v, t in self.vars]
        orders = []
        memo = self._sigs_of
        if len(memo) >= MEMO_ENTRIES:
            memo.clear()
        for k, T in enumerate(self.syms):
            members = range(len(T.members))
            columns = []   # per variable: its signature for each member
            for v, code in vals:
                key = (v.index, k, code)
                got = memo.get(key)
                if got is None:
                    f = self.sig_fn(v.type, k)
                    got = memo[key] = tuple(f(code, e) for e in members)
                columns.append(got)
            sigs = list(zip(*columns))   # per member: its signature in each variable
            order = sorted(members, key=sigs.__getitem__)
            orders.append((order, sigs))
        base = self._apply(s, vals, [self._pi(order) for order, _ in orders])
        if self.exact_sort:
            return base
        return self._tie_break(s, vals, orders, base)

    @staticmethod
    def _pi(order) -> list[int]:
        pi = [0] * len(order)
        for new, old in enumerate(order):
            pi[old] = new
        return pi

    def _apply(self, s: int, vals, pis) -> int:
        memo = self._renamed
        if len(memo) >= MEMO_ENTRIES:
            memo.clear()
            self._renamings.clear()
        renamings = self._renamings   # each renaming numbered, so that a memo's key is all ints
        renaming = renamings.setdefault(tuple(map(tuple, pis)), len(renamings))
        for v, code in vals:
            key = (v.index, code, renaming)
            renamed = memo.get(key)
            if renamed is None:
                renamed = memo[key] = self.perm_fn(v.type)(code, pis)
            m, off = (1 << v.type.bits) - 1, self.layout.offsets[v.index]
            s = (s & ~(m << off)) | (renamed << off)
        return s

    def _tie_break(self, s, vals, orders, best):
        choices = []
        total = 1
        for order, sigs in orders:
            groups = [list(g) for _, g in itertools.groupby(order, key=sigs.__getitem__)]
            for g in groups:
                for i in range(2, len(g) + 1):
                    total *= i
            choices.append(groups)
        if total == 1 or total > MAX_TIES:
            return best
        per_set = []
        for groups in choices:
            per_set.append([list(itertools.chain.from_iterable(p))
                            for p in itertools.product(*[itertools.permutations(g) for g in groups])])
        for combo in itertools.product(*per_set):
            cand = self._apply(s, vals, [self._pi(order) for order in combo])
            if cand < best:
                best = cand
        return best
