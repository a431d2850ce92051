"""Benchmark of the explicit engine (issue 13): run by hand, never by the test suite.

    python bench/bench_explicit.py                 # the corpus table at the BENCH sizes, then 2PC against SPIN
    python bench/bench_explicit.py --quick         # the corpus at the SMALL sizes
    python bench/bench_explicit.py --only fifo_mutex --no-naive
    python bench/bench_explicit.py --workers 2
    python bench/bench_explicit.py --2pc           # 2PC with 3..7 RMs (symmetry off and on), the options ledger
    python bench/bench_explicit.py --visited       # the visited set alone at 10^7 fingerprints

The corpus is every bench/corpus/NAME.sync with a transcription NAME.py beside it
(bench/corpus/naive.py). Per model: distinct states, transitions, the engine's seconds,
distinct states per second, bytes per state of the visited set, the peak memory of the
process, the naive BFS's seconds over the transcription, and the engine's speed over the
naive one (above 1: the engine is faster), and what expanded the levels: the level kernel
(numpy, `checker.engines.explicit.vector`) or the generated Python and why not the kernel (the
result's `stats.kernel`). Each run is a fresh process, so the peak memory
is that run's. Two-phase commit with 7 and 8 RMs (models/two_phase_commit.sync, symmetry
off) is compared with SPIN's BFS when bench/spin/run_spin.py is there and spin and gcc
are installed.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import resource
import subprocess
import sys
import time
from pathlib import Path
from types import ModuleType

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from spec.loader import load  # noqa: E402

from checker.engines import registry  # noqa: E402
from checker.engines.base import CheckRequest, ExplicitSection  # noqa: E402
from checker.engines.explicit.visited import FingerprintSet  # noqa: E402

CORPUS = ROOT / "bench" / "corpus"
SPIN = ROOT / "bench" / "spin" / "run_spin.py"
TWO_PC = ROOT / "models" / "two_phase_commit.sync"
SPIN_RMS = (7, 8)
SAFETY = ("Consistent", "TypeOK")  # 2PC's invariants; liveness is measured by bench_liveness.py


def module(path: Path) -> ModuleType:
    spec = importlib.util.spec_from_file_location(f"corpus_{path.stem}", path)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def corpus() -> list[str]:
    """The corpus models: bench/corpus/NAME.sync with NAME.py beside it."""
    return sorted(p.stem for p in CORPUS.glob("*.sync") if p.with_suffix(".py").exists())


def peak_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def check(m, invariants, symmetry: bool, workers: int):
    """The explicit engine through the registry, as `syncproof check --engine explicit` runs it."""
    request = CheckRequest(properties=invariants, explicit=ExplicitSection(symmetry=symmetry, workers=workers))
    return registry.run(m, registry.EXPLICIT.name, request)


# ---- one measurement, in a child process ---------------------------------------------------

def child_engine(path: str, overrides: list[str], workers: int, properties: list[str] | None) -> dict:
    m = load(path, overrides)
    r = check(m, tuple(properties) if properties else None, symmetry=False, workers=workers)
    s = r.stats
    return {"verdict": r.verdict.value, "states": s.distinct_states, "transitions": s.transitions,
            "seconds": s.seconds, "bytes_per_state": s.search.bytes_per_state, "peak_mib": peak_mib(),
            "kernel": s.search.kernel}


def child_naive(name: str, overrides: list[str]) -> dict:
    naive = module(CORPUS / "naive.py")
    states, transitions, seconds = naive.bfs(module(CORPUS / f"{name}.py"), overrides)
    return {"states": states, "transitions": transitions, "seconds": seconds, "peak_mib": peak_mib()}


def measure(*args: str) -> dict:
    """Runs this script with --child in a fresh process; its JSON answer."""
    out = subprocess.run([sys.executable, __file__, "--child", *args], capture_output=True, text=True)
    if out.returncode != 0:
        return {"error": (out.stderr.strip().splitlines() or ["failed"])[-1]}
    return json.loads(out.stdout)


# ---- the corpus table ----------------------------------------------------------------------

HEAD = (f"{'model':<17} {'size':<26} {'states':>10} {'transitions':>12} {'engine s':>9} {'states/s':>9} "
        f"{'B/state':>7} {'peakMiB':>7} {'naive s':>8} {'eng/naive':>9} {'SPIN s':>7} {'eng/SPIN':>8}  levels expanded by")


def table_row(name, size, e, naive_s=None, spin_s=None) -> str:
    if "error" in e:
        return f"{name:<17} {size:<26} error: {e['error']}"
    rate = e["states"] / e["seconds"] if e["seconds"] else 0.0
    naive = f"{naive_s:>8.2f} {naive_s / e['seconds']:>9.2f}" if naive_s else f"{'-':>8} {'-':>9}"
    spin = f"{spin_s:>7.2f} {e['seconds'] / spin_s:>8.1f}" if spin_s else f"{'-':>7} {'-':>8}"
    verdict = "" if e["verdict"] == "holds" else f"  ({e['verdict']})"
    kernel = e.get("kernel") or "-"
    return (f"{name:<17} {size:<26} {e['states']:>10,} {e['transitions']:>12,} {e['seconds']:>9.2f} {rate:>9,.0f} "
            f"{e['bytes_per_state']:>7.1f} {e['peak_mib']:>7.0f} {naive}{spin}  {kernel}{verdict}")


def corpus_table(args) -> None:
    print(HEAD, flush=True)
    names = [n for n in corpus() if args.only in (None, n)]
    for name in names:
        spec = module(CORPUS / f"{name}.py")
        overrides = spec.SMALL if args.quick else spec.BENCH
        e = measure("engine", str(CORPUS / f"{name}.sync"), str(args.workers), "", *overrides)
        naive_s = None
        if not args.no_naive and "error" not in e:
            n = measure("naive", name, *overrides)
            if "error" in n or (n["states"], n["transitions"]) != (e["states"], e["transitions"]):
                print(f"  naive BFS of {name} disagrees with the engine: {n}", flush=True)
            else:
                naive_s = n["seconds"]
        print(table_row(name, " ".join(overrides), e, naive_s), flush=True)
    if args.only in (None, "two_phase_commit"):
        spin_rows(args)


def spin_rows(args) -> None:
    """2PC (symmetry off) against SPIN's BFS, when bench/spin/run_spin.py is there."""
    spin_seconds = module(SPIN).spin_seconds if SPIN.exists() else None
    rms = (5,) if args.quick else SPIN_RMS
    for rm in rms:
        e = measure("engine", str(TWO_PC), str(args.workers), ",".join(SAFETY), f"RM={rm}")
        s = spin_seconds(rm) if spin_seconds is not None else None
        print(table_row("two_phase_commit", f"RM={rm}", e, spin_s=s), flush=True)
    if spin_seconds is None:
        print("SPIN: not available (no bench/spin/run_spin.py)")
    elif s is None:
        print("SPIN: not available (spin or gcc is not installed)")


# ---- the former rows: 2PC by size, the options ledger, the visited set ------------------------

def row(name, r):
    s, search = r.stats, r.stats.search
    trace_bps = search.trace_bytes / s.distinct_states if s.distinct_states else 0
    print(f"{name:<34} {s.distinct_states:>10,} {s.transitions:>11,} {s.depth:>5} {s.seconds:>8.2f} "
          f"{s.states_per_second:>10,.0f} {search.bytes_per_state:>8.1f} {trace_bps:>8.1f} {peak_mib():>8.0f}")


def two_phase_rows(args) -> None:
    print(f"{'model':<34} {'states':>10} {'transitions':>11} {'depth':>5} {'seconds':>8} "
          f"{'states/s':>10} {'B/state':>8} {'trace B':>8} {'peakMiB':>8}")
    top = 6 if args.quick else args.max_rm
    for n in range(3, top + 1):
        m = load(TWO_PC, [f"RM={n}"])
        row(f"two_phase_commit RM={n} (no symmetry)", check(m, SAFETY, symmetry=False, workers=args.workers))
    for n in (3, 5, top):
        m = load(TWO_PC, [f"RM={n}"])
        row(f"two_phase_commit RM={n} (symmetry)", check(m, SAFETY, symmetry=True, workers=args.workers))
    if not args.quick:
        for consts in ([], ["SLOTS=3", "MAX_PRICE=5"]):
            m = load(ROOT / "models/options_ledger.sync", consts)
            invariants = tuple(i.name for i in m.invariants)  # safety only
            r = check(m, invariants, symmetry=False, workers=args.workers)
            row("options_ledger " + (" ".join(consts) or "(default)"), r)


def visited_at_scale(n: int = 10_000_000, batch: int = 200_000) -> None:
    rng = np.random.default_rng(1)
    fs = FingerprintSet(exact=False)
    t0 = time.perf_counter()
    for i in range(0, n, batch):
        fs.add_new(rng.integers(0, 2**63, size=batch, dtype=np.uint64))
    dt = time.perf_counter() - t0
    print(f"visited set alone: {len(fs):,} fingerprints in {dt:.1f} s, {fs.nbytes / len(fs):.1f} bytes/state, "
          f"{len(fs.runs)} sorted runs, collision probability {fs.collision_probability():.1e}, "
          f"peak RSS {peak_mib():.0f} MiB")


def child(argv: list[str]) -> None:
    """--child engine PATH WORKERS PROPERTIES OVERRIDES... | --child naive NAME OVERRIDES..."""
    if argv[0] == "engine":
        path, workers, props, *overrides = argv[1:]
        out = child_engine(path, overrides, int(workers), props.split(",") if props else None)
    else:
        name, *overrides = argv[1:]
        out = child_naive(name, overrides)
    print(json.dumps(out))


def main() -> None:
    if sys.argv[1:2] == ["--child"]:
        child(sys.argv[2:])
        return
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--quick", action="store_true", help="the SMALL sizes (and 2PC with 3..6 RMs for --2pc)")
    ap.add_argument("--only", metavar="NAME", help="one corpus model (or two_phase_commit for the SPIN rows)")
    ap.add_argument("--workers", type=int, default=1)
    ap.add_argument("--no-naive", action="store_true", help="skip the naive BFS")
    ap.add_argument("--2pc", dest="two_pc", action="store_true", help="the 2PC rows by size and the options ledger")
    ap.add_argument("--visited", action="store_true", help="the visited set alone at 10^7 fingerprints")
    ap.add_argument("--max-rm", type=int, default=7, help="the largest 2PC for --2pc")
    args = ap.parse_args()
    if args.two_pc:
        two_phase_rows(args)
    if args.visited:
        visited_at_scale()
    if not (args.two_pc or args.visited):
        corpus_table(args)


if __name__ == "__main__":
    main()
