"""Determinism of an implementation: the same steps, in fresh processes with other hash seeds.

Replicas that apply the same log must reach the same state, and a test suite
that passes must pass on every machine. Python randomizes the hash of
strings per process (PYTHONHASHSEED), so code whose result depends on the
iteration order of a set of strings (or on `id()`, or on the time) behaves
differently from one process to the next, while every run inside one
process looks fine.

The check draws sequences of steps from the model (seeded walks, as
conformance draws them, including steps the model does not allow when the
adapter checks guards), runs each sequence in several worker processes
(`checker.conform.worker`), each with its own PYTHONHASHSEED, and compares what
every process observed after every step; each worker also runs its first
sequence a second time (after all the others), to catch state that leaks
from one run into the next. Sets of processes are renewed every few sequences, so a check tries
many hash seeds. The first divergence is shrunk (with the same processes:
their seeds are fixed, so a divergence reproduces) and reported with its
step and what each process observed.
"""

from __future__ import annotations

import os
import pickle
import random
import subprocess
import tempfile
import threading
import time
from dataclasses import dataclass, field

from spec import ir
from spec import values as V
from spec.diagnostics import Diagnostic

from checker.conform import worker as impl_worker
from checker.conform.adapter import Adapter, AdapterError, leaf_diffs, normalize
from checker.conform.result import REFUSED_PREFIX
from checker.conform.run import PROBE, TAKE, Oracle, trace_steps
from checker.core.kinds import Kind
from checker.core.result import Trace, TraceStep
from checker.traces.shrink import shorten


@dataclass(frozen=True)
class DeterminismOptions:
    runs: int = 20                 # sequences of steps
    steps: int = 30                # steps per sequence
    seed: int | None = None        # None: draw one (reported)
    processes: int = 4             # hash seeds each sequence runs under
    per_round: int = 5             # sequences run by one set of processes (then new processes, new seeds)
    shrink_budget: int = 150
    timeout: float = 120.0         # seconds a set of processes may take for one request


@dataclass
class Divergence:
    step: int                      # 0: right after setup
    action: str | None
    params: dict
    kind: str                      # hash-seed | repeat (the same process, run again)
    message: str
    outcomes: list                 # (label, status, detail, observation) per process or run
    diffs: list                    # (where, [value per outcome]): a variable, map entry or record field
    trace: Trace | None = None
    refused_steps: list = field(default_factory=list)
    hash_seeds: list = field(default_factory=list)    # of the processes that diverged (a replay uses them)


@dataclass
class DeterminismResult:
    model: str
    path: str
    adapter: str
    divergence: Divergence | None
    runs: int = 0
    steps: int = 0
    processes: int = 0
    hash_seeds: list = field(default_factory=list)
    seconds: float = 0.0
    seed: int | None = None
    max_steps: int = 0
    warnings: list = field(default_factory=list)
    constants: dict = field(default_factory=dict)
    trace_path: str | None = None
    mode: str = "determinism"

    @property
    def ok(self) -> bool:
        return self.divergence is None

    @property
    def exit_code(self) -> int:
        return 0 if self.ok else 1


class WorkerError(Exception):
    pass


# ---- worker processes ------------------------------------------------------------------------

class Workers:
    """A set of worker processes, one per hash seed, all loaded with the adapter."""

    def __init__(self, impl: str, search: list[str], consts: dict, seeds: list[int], timeout: float):
        self.seeds = seeds
        self.timeout = timeout
        self.procs = []
        self.errs = []
        for h in seeds:
            # the search directories go in the load request (appended to the worker's sys.path, as
            # in this process), not in PYTHONPATH, which would put them before the standard library
            env = dict(os.environ, PYTHONHASHSEED=str(h))
            err = tempfile.TemporaryFile()
            proc = subprocess.Popen(impl_worker.command(), stdin=subprocess.PIPE,
                                    stdout=subprocess.PIPE, stderr=err, env=env, cwd=os.getcwd())
            self.procs.append(proc)
            self.errs.append(err)
        answers = self.ask(("load", impl, list(search), consts))
        for h, a in zip(seeds, answers):
            if a[0] != "ok":
                raise WorkerError(f"the worker with PYTHONHASHSEED={h} could not load {impl}: {a[1]}")

    def ask(self, msg) -> list:
        data = pickle.dumps(msg)
        for proc in self.procs:
            proc.stdin.write(data)
            proc.stdin.flush()
        answers: list = [None] * len(self.procs)

        def read(i):
            try:
                answers[i] = pickle.load(self.procs[i].stdout)
            except Exception as exc:  # noqa: BLE001 - reported below with the worker's stderr
                answers[i] = ("died", exc)
        threads = [threading.Thread(target=read, args=(i,), daemon=True) for i in range(len(self.procs))]
        for t in threads:
            t.start()
        deadline = time.monotonic() + self.timeout
        for i, t in enumerate(threads):
            t.join(max(0.0, deadline - time.monotonic()))
            if t.is_alive():
                self.close()
                raise WorkerError(f"the implementation did not answer within {self.timeout:g} s "
                                  f"(PYTHONHASHSEED={self.seeds[i]}): does it hang?")
            if answers[i] is None or answers[i][0] == "died":
                raise WorkerError(f"the worker with PYTHONHASHSEED={self.seeds[i]} died: {self._stderr(i)}")
            if answers[i][0] == "error":
                raise WorkerError(answers[i][1])
        return answers

    def _stderr(self, i: int) -> str:
        f = self.errs[i]
        f.seek(0)
        text = f.read().decode("utf-8", "replace").strip()
        return text[-2000:] or "(no output)"

    def run(self, sequences: list) -> list:
        """Per worker, per sequence: the list of (status, detail, observation) it saw."""
        return [a[1] for a in self.ask(("run", sequences))]

    def close(self) -> None:
        for proc in self.procs:
            try:
                if proc.poll() is None:
                    pickle.dump(("quit",), proc.stdin)
                    proc.stdin.close()
            except (BrokenPipeError, OSError, ValueError):
                pass
        for proc in self.procs:
            try:
                proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
        for f in self.errs:
            f.close()


# ---- the check -------------------------------------------------------------------------------

class DeterminismCheck:
    def __init__(self, model: ir.CheckedModel, cls: type[Adapter], impl: str, search: list[str],
                 options: DeterminismOptions):
        self.model = model
        self.o = Oracle(model, cls)
        self.impl = impl
        self.search = search
        self.opts = options
        self.seed = options.seed if options.seed is not None else random.SystemRandom().randrange(2 ** 32)
        self.rng = random.Random(self.seed)
        self.r = DeterminismResult(model.name, model.path, f"{cls.__module__}:{cls.__qualname__}", None,
                                   seed=self.seed, max_steps=options.steps, processes=options.processes,
                                   constants=model.const_values())

    # ---- sequences from the model ----

    def walk(self) -> list[tuple[int, str]]:
        """A seeded random sequence of (instance, take|probe) through the model."""
        o, rng = self.o, self.rng
        s = rng.choice(o.inits)
        out = []
        for _ in range(self.opts.steps):
            by_action: dict[int, list] = {}
            for i, t in o.succ(s):
                by_action.setdefault(o.cm.instances[i][0], []).append((i, t))
            enabled = {i for lst in by_action.values() for i, _ in lst}
            probes = [i for i in o.driven if i not in enabled] if o.cls.check_guards else []
            n = len(by_action) + (1 if probes else 0)
            if n == 0:
                break
            pick = rng.randrange(n)
            if pick == len(by_action):
                out.append((rng.choice(probes), PROBE))
                continue
            i, t = rng.choice(by_action[sorted(by_action)[pick]])
            out.append((i, TAKE))
            s = t
        return out

    def applicable(self, steps: list) -> list:
        """The steps the model allows as they are meant (takes enabled, probes not), others
        replaced by the first instance of their action that is, or left out."""
        o = self.o
        cands = list(o.inits)
        out = []
        for inst, mode in steps:
            enabled = {i for s in cands for i, _ in o.succ(s)}
            if (mode == TAKE) != (inst in enabled):
                inst = o.first_instance(inst, enabled, mode == TAKE)
                if inst is None:
                    continue
            out.append((inst, mode))
            if mode == TAKE:
                cands = list(dict.fromkeys(t for s in cands for i, t in o.succ(s) if i == inst))
        return out

    def calls(self, steps: list) -> list:
        o = self.o
        return [(o.binding.methods[o.labels[i][0]], dict(o.labels[i][1])) for i, _ in steps]

    # ---- comparing ----

    def compare(self, labels: list[str], runs: list[list], steps: list, kind: str) -> Divergence | None:
        """The first step at which the runs (one per label) saw different things."""
        n = max(len(r) for r in runs)
        for k in range(n):
            entries = [self._entry(r, k, labels[j], k) for j, r in enumerate(runs)]
            if all(e == entries[0] for e in entries[1:]):
                continue
            return self._divergence(k, labels, entries, steps, kind)
        return None

    def _entry(self, run: list, k: int, label: str, step: int):
        if k >= len(run):
            return ("ended", "", None)
        status, detail, obs = run[k]
        if obs is None:
            return (status, detail, None)
        if isinstance(obs, tuple) and obs and obs[0] == "#unpicklable":
            return (status, detail, obs)
        where = "in the initial state" if step == 0 else f"after step {step}"
        normalized = normalize(self.model, obs, f"{where} (in the process with {label})")
        return (status, detail, tuple(sorted(normalized.items(), key=lambda kv: kv[0])))

    def _divergence(self, k: int, labels, entries, steps, kind) -> Divergence:
        o = self.o
        inst = steps[k - 1][0] if k > 0 else None
        name, params = o.labels[inst] if inst is not None else (None, {})
        obs = [dict(e[2]) if isinstance(e[2], tuple) and e[2] and e[2][0] != "#unpicklable" else None
               for e in entries]
        diffs = []
        names = sorted({n for d in obs if d for n in d}, key=lambda n: list(o.vars).index(n) if n in o.vars else 0)
        for n in names:
            diffs += leaf_diffs(n, [d.get(n) if d else None for d in obs])
        outcomes = [(labels[j], e[0], e[1], obs[j]) for j, e in enumerate(entries)]
        statuses = {(e[0], e[1]) for e in entries}
        if len(statuses) > 1:
            what = "the step had different outcomes: " + "; ".join(
                f"{lab}: {st}{' ' + d if d else ''}" for lab, st, d, _ in outcomes)
        else:
            what = "the same steps gave different observations"
        where = "right after setup" if k == 0 else f"at step {k}"
        message = (f"{what} ({where})" if kind == "hash-seed" else
                   f"running the same steps again in the same process gave something else {where}: state "
                   "leaks from one run into the next (global or class-level state, caches)")
        return Divergence(k, name, dict(params), kind, message, outcomes, diffs)

    # ---- running ----

    def run(self) -> DeterminismResult:
        r, opts = self.r, self.opts
        start = time.perf_counter()
        sequences = [self.applicable(self.walk()) for _ in range(opts.runs)]
        r.runs = len(sequences)
        r.steps = sum(len(s) for s in sequences)
        for first in range(0, len(sequences), opts.per_round):
            batch = sequences[first:first + opts.per_round]
            seeds = [self.rng.randrange(1, 2 ** 32 - 1) for _ in range(opts.processes)]
            r.hash_seeds += seeds
            workers = self._workers(seeds)
            try:
                found = self._batch(workers, seeds, batch)
                if found is not None:
                    r.divergence = self._shrink(workers, seeds, *found)
                    break
            finally:
                workers.close()
        r.seconds = time.perf_counter() - start
        return r

    def _workers(self, seeds: list[int]) -> Workers:
        try:
            return Workers(self.impl, self.search, self.model.const_values(), seeds, self.opts.timeout)
        except WorkerError as exc:
            raise AdapterError(Diagnostic("E704", f"--determinism: {exc}", None,
                                          "the implementation must import and run in a fresh process")) from None

    def _ask(self, workers: Workers, sequences: list, twice: bool = False) -> list:
        calls = [self.calls(s) for s in sequences]
        try:
            return workers.run(calls + calls if twice else calls)
        except WorkerError as exc:
            raise AdapterError(Diagnostic("E704", f"--determinism: {exc}", None, None)) from None

    def _batch(self, workers: Workers, seeds: list[int], batch: list):
        """(steps, divergence) of the first sequence of the batch that diverges, or None."""
        answers = self._ask(workers, batch, twice=True)
        labels = [f"PYTHONHASHSEED={h}" for h in seeds]
        for j, steps in enumerate(batch):
            d = self.compare(labels, [a[j] for a in answers], steps, "hash-seed")
            if d is not None:
                return steps, d
        n = len(batch)
        for j, steps in enumerate(batch):  # every sequence ran twice in each process
            for a, h in zip(answers, seeds):
                d = self.compare([f"first run, PYTHONHASHSEED={h}", f"second run, PYTHONHASHSEED={h}"],
                                 [a[j], a[n + j]], steps, "repeat")
                if d is not None:
                    return steps, d
        return None

    def _check_one(self, workers: Workers, seeds: list[int], steps: list) -> Divergence | None:
        answers = self._ask(workers, [steps])
        return self.compare([f"PYTHONHASHSEED={h}" for h in seeds], [a[0] for a in answers], steps, "hash-seed")

    def _shrink(self, workers: Workers, seeds: list[int], steps: list, found: Divergence) -> Divergence:
        """A shorter sequence that diverges in the same processes (their hash seeds are fixed, so a
        divergence reproduces). State leaking between runs changes as the processes run more, so
        such a divergence is reported as found."""
        best, d = steps, found
        if found.kind == "hash-seed":
            def fails(candidate):
                cand = self.applicable(candidate)
                div = self._check_one(workers, seeds, cand)
                return cand[:div.step] if div is not None else None

            shorter = self.applicable(shorten(steps, fails, self.opts.shrink_budget))
            again = self._check_one(workers, seeds, shorter)
            if again is not None:
                best, d = shorter, again
        self._trace(d, best[:d.step])
        d.hash_seeds = list(seeds)
        return d

    def _trace(self, d: Divergence, steps: list) -> None:
        """The model's states along the steps up to the divergence, for the report and ITF."""
        o = self.o
        s = o.inits[0]
        out = [TraceStep(o.cm.decode(s))]
        refused = []
        for n, (inst, mode) in enumerate(steps, 1):
            name, params = o.labels[inst]
            if mode == PROBE:
                out.append(TraceStep(o.cm.decode(s), f"{REFUSED_PREFIX}{name}", params))
                refused.append(n)
                continue
            t = next(t for i, t in o.succ(s) if i == inst)
            choice = next((st.choices for st in o.cm.steps(s)
                           if st.action == name and st.params == params and st.state == t), ())
            out.append(TraceStep(o.cm.decode(t), name, params, choice))
            s = t
        d.trace = Trace(o.model.name, "determinism", Kind.DETERMINISM, out, d.message, None, None,
                        constants=o.model.const_values(), engine="determinism")
        d.refused_steps = refused


def check_determinism(model: ir.CheckedModel, cls: type[Adapter], impl: str, search: list[str] | None = None,
                      options: DeterminismOptions | None = None) -> DeterminismResult:
    return DeterminismCheck(model, cls, impl, search or [os.getcwd()], options or DeterminismOptions()).run()


def replay_determinism(doc: dict, model: ir.CheckedModel, cls: type[Adapter], impl: str, search: list[str],
                       options: DeterminismOptions) -> DeterminismResult:
    """Runs one ITF trace's steps in several processes with other hash seeds."""
    check = DeterminismCheck(model, cls, impl, search, options)
    steps, notes = trace_steps(doc, check.o)
    r = check.r
    r.warnings += notes
    r.mode = "determinism-replay"
    r.runs, r.steps = 1, len(steps)
    start = time.perf_counter()
    recorded = doc.get("#meta", {}).get("hash_seeds")
    if isinstance(recorded, list) and len(recorded) >= 2 and all(isinstance(h, int) for h in recorded):
        seeds = list(recorded)  # the processes that diverged when the trace was written
        r.processes = len(seeds)
    else:
        seeds = [check.rng.randrange(1, 2 ** 32 - 1) for _ in range(options.processes)]
    r.hash_seeds = seeds
    workers = check._workers(seeds)
    try:
        d = check._check_one(workers, seeds, steps)
        if d is not None:
            check._trace(d, steps[:d.step])
            d.hash_seeds = list(seeds)
        r.divergence = d
    finally:
        workers.close()
    r.seconds = time.perf_counter() - start
    return r


def show_outcome(status: str, detail: str, obs) -> str:
    if status != "ok":
        return f"{status}: {detail}" if detail else status
    if obs is None:
        return "ok"
    return ", ".join(f"{k} = {V.show(v)}" for k, v in obs.items())
