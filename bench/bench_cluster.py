"""Benchmark of the partitioned search (issues 13 and 14): run by hand, never by the test suite.

    python bench/bench_cluster.py                  # two-phase commit RM=7 (symmetry off, safety)
    python bench/bench_cluster.py --rm 8 --no-ray
    python bench/bench_cluster.py --rm 10 --one     # 61.5 M states in one process (20 minutes here)

Per configuration, in a fresh process each: one process; N worker processes on this machine;
N Ray actors on a local Ray (when Ray is installed: pip install 'syncproof[ray]'). Columns:
distinct states, wall seconds of the engine, CPU seconds of the driver and of its child
processes (local workers; Ray's actors are not children of the driver and are not counted),
states/s, bytes shipped between partitions per state, peak memory of the driver, and the
speed-up over one process. On a busy machine wall times say little: compare the CPU columns,
and say how busy the machine was. `docs/scaling.md` uses these figures.
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

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from spec.loader import load  # noqa: E402

from checker.engines import registry  # noqa: E402
from checker.engines.base import CheckRequest, ExplicitSection  # noqa: E402

TWO_PC = ROOT / "models" / "two_phase_commit.sync"
SAFETY = ("Consistent", "TypeOK")


def child(rm: int, workers: int, cluster: str | None) -> dict:
    """One run, in this (fresh) process; its figures as a dict."""
    m = load(str(TWO_PC), [f"RM={rm}"])
    request = CheckRequest(properties=SAFETY, explicit=ExplicitSection(symmetry=False, workers=workers,
                                                                       cluster=cluster))
    if cluster:   # Ray's start is not the engine's: started before the clock
        import ray  # noqa: PLC0415 - optional, only for this row
        ray.init(num_cpus=max(2, workers), include_dashboard=False, log_to_driver=False, configure_logging=False)
    c0, t0 = time.process_time(), time.perf_counter()
    r = registry.run(m, registry.EXPLICIT.name, request)
    wall, cpu = time.perf_counter() - t0, time.process_time() - c0
    kids = resource.getrusage(resource.RUSAGE_CHILDREN)
    s = r.stats
    return {"states": s.distinct_states, "verdict": r.verdict.value, "wall": wall, "driver_cpu": cpu,
            "children_cpu": kids.ru_utime + kids.ru_stime, "shipped": s.search.shipped_bytes / s.distinct_states,
            "machines": s.search.machines, "peak_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}


def measure(rm: int, workers: int, cluster: str | None) -> dict:
    cmd = [sys.executable, __file__, "--child", str(rm), str(workers), cluster or "-"]
    out = subprocess.run(cmd, capture_output=True, text=True, check=True).stdout
    return json.loads(out.strip().splitlines()[-1])


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--rm", type=int, default=7, help="resource managers (default 7: 296,448 states)")
    p.add_argument("--workers", type=int, default=2)
    p.add_argument("--no-ray", action="store_true")
    p.add_argument("--one", action="store_true", help="only the one-process row (for large RM)")
    p.add_argument("--child", nargs=3, help=argparse.SUPPRESS)
    args = p.parse_args()
    if args.child:
        rm, workers, cluster = args.child
        print(json.dumps(child(int(rm), int(workers), None if cluster == "-" else cluster)))
        return
    rows = [("one process", 1, None), (f"{args.workers} processes", args.workers, None)]
    if args.one:
        rows = rows[:1]
    elif args.no_ray:
        pass
    elif importlib.util.find_spec("ray") is None:
        print("Ray is not installed (pip install 'syncproof[ray]'): the Ray rows are skipped")
    else:
        rows += [("Ray, 1 actor", 1, "local"), (f"Ray, {args.workers} actors", args.workers, "local")]
    print(f"two-phase commit, RM={args.rm}, symmetry off, safety properties")
    print(f"{'configuration':<16}{'states':>12}{'wall s':>9}{'driver CPU':>12}{'children CPU':>14}"
          f"{'states/s':>11}{'B shipped/st':>14}{'peak MiB':>10}{'speed-up':>10}")
    base = None
    for name, workers, cluster in rows:
        r = measure(args.rm, workers, cluster)
        base = base or r["wall"]
        print(f"{name:<16}{r['states']:>12,}{r['wall']:>9.2f}{r['driver_cpu']:>12.2f}{r['children_cpu']:>14.2f}"
              f"{r['states'] / r['wall']:>11,.0f}{r['shipped']:>14.1f}{r['peak_mib']:>10.0f}{base / r['wall']:>10.2f}")


if __name__ == "__main__":
    main()
