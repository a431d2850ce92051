"""Benchmark of the explicit engine: run by hand, never by the test suite.

    python bench/bench_explicit.py            # 2PC with 3..7 RMs, the options ledger, the visited set at 10^7
    python bench/bench_explicit.py --quick    # 2PC with 3..6 RMs only
    python bench/bench_explicit.py --workers 2

Prints, per model: distinct states, transitions, depth, seconds, distinct states
per second, bytes per state of the visited set and of the trace store, and the
process's peak memory.
"""

from __future__ import annotations

import argparse
import resource
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from spec.loader import load  # noqa: E402

from checker.engines import registry  # noqa: E402
from checker.engines.base import CheckRequest, ExplicitSection  # noqa: E402
from checker.engines.explicit.visited import FingerprintSet  # noqa: E402


SAFETY = ("Consistent", "TypeOK")  # the invariants; liveness is measured by bench_liveness.py


def peak_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def row(name, r):
    s, search = r.stats, r.stats.search
    trace_bps = search.trace_bytes / s.distinct_states if s.distinct_states else 0
    print(f"{name:<34} {s.distinct_states:>10,} {s.transitions:>11,} {s.depth:>5} {s.seconds:>8.2f} "
          f"{s.states_per_second:>10,.0f} {search.bytes_per_state:>8.1f} {trace_bps:>8.1f} {peak_mib():>8.0f}")


def check(m, invariants, symmetry: bool, workers: int):
    """The explicit engine through the registry, as `syncproof check --engine explicit` runs it."""
    request = CheckRequest(properties=invariants, explicit=ExplicitSection(symmetry=symmetry, workers=workers))
    return registry.run(m, registry.EXPLICIT.name, request)


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


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("--workers", type=int, default=1)
    ap.add_argument("--max-rm", type=int, default=7)
    args = ap.parse_args()
    print(f"{'model':<34} {'states':>10} {'transitions':>11} {'depth':>5} {'seconds':>8} "
          f"{'states/s':>10} {'B/state':>8} {'trace B':>8} {'peakMiB':>8}")
    top = 6 if args.quick else args.max_rm
    for n in range(3, top + 1):
        m = load(ROOT / "models/two_phase_commit.sync", [f"RM={n}"])
        r = check(m, SAFETY, symmetry=False, workers=args.workers)
        row(f"two_phase_commit RM={n} (no symmetry)", r)
    for n in (3, 5, top):
        m = load(ROOT / "models/two_phase_commit.sync", [f"RM={n}"])
        r = check(m, SAFETY, symmetry=True, workers=args.workers)
        row(f"two_phase_commit RM={n} (symmetry)", r)
    if not args.quick:
        for consts in ([], ["SLOTS=3", "MAX_PRICE=5"]):
            m = load(ROOT / "models/options_ledger.sync", consts)
            invariants = tuple(i.name for i in m.invariants)  # safety only
            r = check(m, invariants, symmetry=False, workers=args.workers)
            row("options_ledger " + (" ".join(consts) or "(default)"), r)
        visited_at_scale()


if __name__ == "__main__":
    main()
