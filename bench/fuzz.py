"""The long fuzzing run (issue 11 item 24): run by hand, never by the test suite.

    nice python bench/fuzz.py --models 10000 --mutants 5000 --seed 1 --out build/fuzz

Generated models (tests/fuzz/generators.py, drawn by hypothesis from `--seed`) go through the
differential run (compiled engine, interpreter, BMC under a z3 resource limit) and through
`parse`, `check` and `replay`; mutants of models/*.sync (tests/fuzz/mutators.py, each from
its own seed) through `parse`, `check` and `replay`. The same seed gives the same models and
mutants. Prints the throughput (models and mutants per second) and the findings, new ones
(not in tests/fuzz/known.py) first; writes each finding (kind, the item it is known as, the
command, its output, the model's text) to DIR/finding-NNNN.txt and the counts to
DIR/summary.json. Exit status 1 if there is a new finding.
"""

from __future__ import annotations

import argparse
import json
import random
import resource
import sys
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[0:1] = [str(ROOT), str(ROOT / "tests")]  # not bench/: this file is also called fuzz

from hypothesis import HealthCheck, Phase, given, seed, settings  # noqa: E402

from fuzz.campaign import Campaign  # noqa: E402
from fuzz.generators import models  # noqa: E402
from fuzz.mutators import mutate, shipped  # noqa: E402
from fuzz.runner import GUARD_SECONDS, MAX_STATES  # noqa: E402


class Stop(BaseException):
    """--minutes is up: report what was done (a BaseException, so that no engine swallows it)."""


def arguments(argv=None):
    p = argparse.ArgumentParser(description="Fuzz syncproof: generated models and mutants of the shipped ones.")
    p.add_argument("--models", type=int, default=1000, metavar="N", help="generated models (default 1000)")
    p.add_argument("--mutants", type=int, default=1000, metavar="M", help="mutants of models/*.sync (default 1000)")
    p.add_argument("--seed", type=int, default=0, metavar="S", help="the seed of both (default 0)")
    p.add_argument("--out", default="build/fuzz", metavar="DIR", help="where findings are written")
    p.add_argument("--max-states", type=int, default=MAX_STATES, metavar="N", help="check --max-states")
    p.add_argument("--guard", type=float, default=GUARD_SECONDS, metavar="SECONDS",
                   help="a command that used this much CPU time is a hang (a finding)")
    p.add_argument("--bmc-every", type=int, default=1, metavar="K",
                   help="BMC in the differential run of every K-th model only (0: never; default 1, all)")
    p.add_argument("--minutes", type=float, metavar="T", help="stop after T minutes and report what was done")
    p.add_argument("--memory-gb", type=float, default=6.0, help="address-space limit of this process")
    return p.parse_args(argv)


def run_models(c: Campaign, n: int, s: int, report) -> None:
    """n generated models, drawn by hypothesis from seed s (no shrinking, no database)."""
    if n <= 0:
        return

    @seed(s)
    @settings(max_examples=n, deadline=None, database=None, phases=[Phase.generate],
              suppress_health_check=list(HealthCheck))
    @given(models())
    def each(text):
        report(c.model(text), f"model {c.counts['models']}")
    each()


def run_mutants(c: Campaign, n: int, s: int, report) -> None:
    """n mutants of the shipped models; mutant i comes from (model name, seed) drawn from s."""
    sources = shipped()
    names = sorted(sources)
    rng = random.Random(s)
    for _ in range(n):
        name, ms = rng.choice(names), rng.randrange(2 ** 32)
        report(c.mutant(mutate(sources[name], random.Random(ms))), f"mutant of {name}, seed {ms}")


def main(argv=None) -> int:
    args = arguments(argv)
    limit = int(args.memory_gb * (1 << 30))
    resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    c = Campaign(max_states=args.max_states, guard=args.guard, bmc_every=args.bmc_every)
    start = time.perf_counter()
    last = [start]

    def report(found, what):
        for i, f in enumerate(found, len(c.findings) - len(found) + 1):
            path = out / f"finding-{i:04d}.txt"
            path.write_text(f"{what}\n{f.text()}", encoding="utf-8", errors="replace")
            print(f"{'NEW' if f.known is None else 'known'} finding ({f.kind}) in {what}: {path}", flush=True)
        now = time.perf_counter()
        if args.minutes and now - start > 60 * args.minutes:
            raise Stop()
        if now - last[0] > 30:
            last[0] = now
            print(f"... {c.counts['models']} models, {c.counts['mutants']} mutants, {now - start:.0f} s", flush=True)

    t0 = t1 = time.perf_counter()
    try:
        run_models(c, args.models, args.seed, report)
        t1 = time.perf_counter()
        run_mutants(c, args.mutants, args.seed, report)
    except Stop:
        print(f"stopped after {args.minutes} minutes", flush=True)
    if t1 == t0:
        t1 = time.perf_counter()
    t2 = time.perf_counter()
    summary = {"seed": args.seed, "models": c.counts["models"], "rejected": c.counts["rejected"],
               "mutants": c.counts["mutants"], "commands": c.counts["commands"],
               "model_seconds": round(t1 - t0, 1), "mutant_seconds": round(t2 - t1, 1),
               "models_per_second": round(c.counts["models"] / max(t1 - t0, 1e-9), 2),
               "mutants_per_second": round(c.counts["mutants"] / max(t2 - t1, 1e-9), 2),
               "findings": len(c.findings), "new": len(c.new),
               "known": dict(Counter(f.known for f in c.findings if f.known))}
    (out / "summary.json").write_text(json.dumps(summary, indent=2) + "\n")
    print(f"{summary['models']} generated models ({summary['rejected']} rejected by the type checker) in "
          f"{summary['model_seconds']} s: {summary['models_per_second']} models/s")
    print(f"{summary['mutants']} mutants in {summary['mutant_seconds']} s: {summary['mutants_per_second']} mutants/s "
          f"({summary['commands']} commands in all)")
    print(f"findings: {summary['new']} new, {summary['findings'] - summary['new']} known")
    for item, n in summary["known"].items():
        print(f"  {n:>5}  {item}")
    return 1 if c.new else 0


if __name__ == "__main__":
    raise SystemExit(main())
