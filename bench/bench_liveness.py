"""Benchmark: liveness against safety on two-phase commit, by hand only.

    python bench/bench_liveness.py            # RM = 3..6
    python bench/bench_liveness.py --max-rm 7 --runs 5

For each size: safety alone (the invariants, symmetry off so both searches see
the same states), then the liveness property EveryRMDecides under weak
fairness (the explicit state graph plus the fair-SCC search), with time and
peak memory of a fresh process for each run. With --runs N, each is run N times, the two
alternating, and the median time is shown (this machine's speed varies by tens of per cent from
one run to the next), with the ratio of the liveness check's median to the safety check's: the
goal is at most 2.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

RUN = """
import json, resource, sys, time
sys.path.insert(0, {root!r})
from spec.loader import load
from checker.core.result import GraphStats
from checker.engines import registry
from checker.engines.base import CheckRequest, ExplicitSection
model = load({model!r}, [{const!r}])
t0 = time.perf_counter()
r = registry.run(model, "explicit", CheckRequest(properties=tuple({props!r}), explicit=ExplicitSection(symmetry=False)))
g = r.stats.graph or GraphStats()
print(json.dumps({{"verdict": r.verdict.value, "states": r.stats.distinct_states,
                  "transitions": r.stats.transitions, "graph_states": g.states,
                  "graph_edges": g.edges, "graph_bytes": g.bytes,
                  "seconds": time.perf_counter() - t0,
                  "peak_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}}))
"""


def measure(n: int, props: list[str]) -> dict:
    code = RUN.format(root=str(ROOT), model=str(ROOT / "models/two_phase_commit.sync"), const=f"RM={n}",
                      props=props)
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    return json.loads(out.stdout)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--max-rm", type=int, default=6)
    ap.add_argument("--runs", type=int, default=1, help="runs of each check (the median time is shown)")
    args = ap.parse_args()
    print(f"{'RM':>3} {'check':<22} {'verdict':<8} {'states':>9} {'transitions':>12} {'seconds':>8} "
          f"{'peak MiB':>9} {'graph B/edge':>12} {'ratio':>6}")
    checks = (("safety (invariants)", ["Consistent", "TypeOK"]), ("liveness (fair)", ["EveryRMDecides"]))
    for n in range(3, args.max_rm + 1):
        runs: dict[str, list[dict]] = {label: [] for label, _ in checks}
        for _ in range(args.runs):
            for label, props in checks:
                runs[label].append(measure(n, props))
        safety = statistics.median(r["seconds"] for r in runs[checks[0][0]])
        for label, _ in checks:
            m = runs[label][-1]
            seconds = statistics.median(r["seconds"] for r in runs[label])
            per_edge = m["graph_bytes"] / m["graph_edges"] if m["graph_edges"] else 0
            print(f"{n:>3} {label:<22} {m['verdict']:<8} {m['states']:>9,} {m['transitions']:>12,} "
                  f"{seconds:>8.2f} {m['peak_mib']:>9.0f} {per_edge:>12.1f} {seconds / safety:>6.2f}")


if __name__ == "__main__":
    main()
