"""Benchmark of mutation analysis (issue 18 item 5): run by hand, never by the test suite.

    python bench/bench_mutate.py                      # options ledger and two-phase commit, jobs 1 and 2
    python bench/bench_mutate.py --jobs 2 --model models/two_phase_commit.sync

For each model and each --jobs, a full `syncproof mutate` (every mutant) as the command runs it,
in this process: the mutants, the wall seconds of the whole analysis (the model's own check, its
state-graph fingerprint, the pool's start and every mutant), the mutants checked per wall second,
the CPU seconds of this process and of its worker processes, and the mutation score, which must
be the same for every --jobs (the script fails otherwise). On a busy machine the wall times say
little: compare the CPU columns, and say how busy the machine was (the load average is printed).
"""

from __future__ import annotations

import argparse
import os
import resource
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from checker.project import mutation  # noqa: E402
from checker.reports.mutation import as_json  # noqa: E402

MODELS = ("models/options_ledger.sync", "models/two_phase_commit.sync")


def cpu() -> tuple[float, float]:
    me = resource.getrusage(resource.RUSAGE_SELF)
    kids = resource.getrusage(resource.RUSAGE_CHILDREN)
    return me.ru_utime + me.ru_stime, kids.ru_utime + kids.ru_stime


def measure(model: str, jobs: int) -> dict:
    own0, kids0 = cpu()
    t0 = time.perf_counter()
    analysis = mutation.analyse(str(ROOT / model), mutation.Options(jobs=jobs))
    wall = time.perf_counter() - t0
    own1, kids1 = cpu()
    report = as_json(analysis)
    report.pop("path")
    return {"model": Path(model).stem, "jobs": jobs, "mutants": len(analysis.checked), "wall": wall,
            "per_second": len(analysis.checked) / wall, "cpu": own1 - own0, "workers_cpu": kids1 - kids0,
            "score": analysis.score, "killed": analysis.count("killed"), "survived": analysis.count("survived"),
            "equivalent": analysis.count("equivalent"), "report": report}


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--model", action="append", help="a model (repeatable; default: the options ledger and 2PC)")
    p.add_argument("--jobs", type=int, action="append", help="processes (repeatable; default: 1 and 2)")
    args = p.parse_args()
    print(f"load average {os.getloadavg()[0]:.2f} on {os.cpu_count()} cores")
    print(f"{'model':<22}{'jobs':>5}{'mutants':>9}{'wall s':>9}{'mutants/s':>11}{'cpu s':>8}{'workers cpu s':>15}"
          f"{'score':>8}  killed/survived/equivalent")
    for model in args.model or MODELS:
        reports = []
        for jobs in args.jobs or (1, 2):
            r = measure(model, jobs)
            reports.append(r.pop("report"))
            print(f"{r['model']:<22}{r['jobs']:>5}{r['mutants']:>9}{r['wall']:>9.2f}{r['per_second']:>11.2f}"
                  f"{r['cpu']:>8.2f}{r['workers_cpu']:>15.2f}{r['score']:>7.1f}%  "
                  f"{r['killed']}/{r['survived']}/{r['equivalent']}", flush=True)
        if any(rep != reports[0] for rep in reports):
            print(f"{model}: the reports differ between --jobs values", file=sys.stderr)
            return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
