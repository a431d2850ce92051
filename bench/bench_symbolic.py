"""Benchmark of the symbolic engines: run by hand, never by the test suite.

    python bench/bench_symbolic.py            # everything (a few minutes)
    python bench/bench_symbolic.py --quick    # smaller depths

Prints the time to a verdict of
  1. BMC at growing depths on two_phase_commit and the options ledger (and its broken variant);
  2. k-induction and the CHC proof (Spacer) of the 64-bit options ledger's invariants, and BMC
     finding the shortest violation of its broken variant;
  3. a model whose state count is beyond the explicit engine's reach (it stops at the time
     limit, inconclusive) and that k-induction and Spacer prove in seconds;
  4. the search for fair lassos against temporal properties (BMC);
  5. proofs of temporal properties (liveness to safety, Spacer), with the invariants assumed.
"""

from __future__ import annotations

import argparse
import copy
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from spec.loader import load, load_text  # noqa: E402

from checker.engines import registry  # noqa: E402
from checker.engines.base import CheckRequest, SymbolicSection  # noqa: E402
from checker.engines.symbolic.bmc import Clock  # noqa: E402
from checker.engines.symbolic.lasso import check_temporal  # noqa: E402
from checker.engines.symbolic.liveproof import prove_temporal  # noqa: E402

MODELS = ROOT / "models"

# Two accounts and an escrow with balances up to 10**6 and transfers of 1..100: about 10**12
# reachable states, so the explicit engine cannot finish; conservation is 1-inductive.
BEYOND_REACH = """model Escrow
const CAP = 1000000
var alice: 0..CAP
var bob: 0..CAP
var escrow: 0..CAP
init { alice = CAP / 2  bob = CAP / 2  escrow = 0 }
action Lock(amount: 1..100) { require alice >= amount  alice = alice - amount  escrow = escrow + amount }
action Release(amount: 1..100) { require escrow >= amount  escrow = escrow - amount  bob = bob + amount }
action Refund(amount: 1..100) { require escrow >= amount  escrow = escrow - amount  alice = alice + amount }
action Pay(amount: 1..100) { require bob >= amount  bob = bob - amount  alice = alice + amount }
invariant Conservation: alice + bob + escrow == CAP
"""


def row(what: str, r, seconds: float) -> None:
    decided = {}
    for p in r.properties:
        if p.kind in ("temporal", "determinism"):
            continue
        key = f"{p.verdict.value}/{p.how}" if p.how else p.verdict.value
        decided[key] = decided.get(key, 0) + 1
    summary = ", ".join(f"{n} {k}" for k, n in sorted(decided.items()))
    extra = ""
    if r.violated and r.violated[0].trace is not None:
        extra = f" · trace {r.violated[0].trace.length} steps"
    queries = (r.stats.solver or {}).get("queries", "")
    print(f"{what:<58} {seconds:8.2f} s  {r.verdict.value:<12} {summary}{extra}"
          + (f" · {queries} queries" if queries != "" else ""), flush=True)


def timed(fn):
    t0 = time.perf_counter()
    r = fn()
    return r, time.perf_counter() - t0


def check(model, engine: str, timeout: float, depth: int | None = None):
    """`engine` through the registry, as `syncproof check --engine ENGINE --timeout T [--depth D]` runs it."""
    return registry.run(model, engine, CheckRequest(timeout=timeout, symbolic=SymbolicSection(depth=depth)))


def safety_only(model):
    """The model without its temporal properties: section 1 measures the safety search (the
    lasso search has its own section)."""
    m = copy.copy(model)
    m.properties = []
    return m


def bmc_depths(path: Path, depths, timeout: float) -> None:
    model = safety_only(load(path))
    for d in depths:
        r, s = timed(lambda: check(model, "bmc", timeout, depth=d))
        row(f"bmc {path.name} --depth {d}", r, s)
        if any(p.how == "unknown" for p in r.properties if p.kind not in ("temporal", "determinism")):
            break


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("--timeout", type=float, default=300.0, help="per run")
    args = ap.parse_args()
    print("1. BMC, time to a verdict at growing depths")
    bmc_depths(MODELS / "two_phase_commit.sync", [2, 4, 6, 8, 10] if args.quick else [2, 4, 6, 8, 10, 12, 14],
               args.timeout)
    bmc_depths(MODELS / "two_phase_commit_broken.sync", [5], args.timeout)
    bmc_depths(MODELS / "options_ledger.sync", [1, 2, 3, 4, 10] if args.quick else [1, 2, 3, 4, 5, 6, 10, 15, 20, 25],
               args.timeout)
    bmc_depths(MODELS / "options_ledger_broken.sync", [5], args.timeout)

    print("\n2. The options ledger with 64-bit balances and a symbolic fee")
    large = load(MODELS / "options_ledger_large.sync")
    for mode in ("induction", "prove"):   # the invariants (the liveness proof is in section 5)
        r, s = timed(lambda: check(safety_only(large), mode, args.timeout))
        row(f"{mode} options_ledger_large.sync (invariants)", r, s)
    broken = load(MODELS / "options_ledger_large_broken.sync")
    r, s = timed(lambda: check(broken, "bmc", args.timeout, depth=5))
    row("bmc options_ledger_large_broken.sync --depth 5", r, s)
    r, s = timed(lambda: check(broken, "symbolic", args.timeout))
    row("default (symbolic) options_ledger_large_broken.sync", r, s)

    print("\n3. Beyond the explicit engine's reach: an escrow with 10**12 states")
    escrow = load_text(BEYOND_REACH, "escrow.sync")
    limit = 10 if args.quick else 60
    r, s = timed(lambda: check(escrow, "explicit", limit))
    row(f"explicit (--timeout {limit}): {r.stats.distinct_states:,} states, depth {r.stats.depth}", r, s)
    for mode in ("induction", "prove"):
        r, s = timed(lambda: check(escrow, mode, args.timeout))
        row(f"{mode} escrow", r, s)

    print("\n4. Temporal properties: BMC's search for fair lassos (time to a violation, or to depth K)")
    for name in ("settlement_lock_broken", "bridge_broken", "snapshot_reconciliation_broken",
                 "options_ledger_broken_expiry"):
        model = load(MODELS / f"{name}.sync")
        r, s = timed(lambda: check_temporal(model, Clock(args.timeout), 12))
        lengths = ", ".join(f"{o.result.name} {o.result.verdict.value}"
                            + (f" ({o.result.trace.length} steps)" if o.result.trace else "") for o in r)
        print(f"{'lasso ' + name:<58} {s:8.2f} s  {lengths}", flush=True)
    for name, depths in (("two_phase_commit", [2, 4, 6, 8]), ("options_ledger", [2, 4, 6, 8])):
        model = load(MODELS / f"{name}.sync")
        for d in depths[:3] if args.quick else depths:
            r, s = timed(lambda: check_temporal(model, Clock(args.timeout), d))
            print(f"{f'lasso {name} --depth {d}':<58} {s:8.2f} s  "
                  + ", ".join(o.result.message for o in r), flush=True)

    print("\n5. Temporal properties proved by Spacer (liveness to safety), invariants assumed")
    for name in ("two_phase_commit", "options_ledger", "options_ledger_large", "state_channel", "bridge",
                 "settlement_lock", "settlement_lock_broken"):
        model = load(MODELS / f"{name}.sync")
        invariants = [] if "broken" in name else [i.name for i in model.invariants]
        for prop in model.properties:
            budget = 30 if args.quick else 60
            r, s = timed(lambda: prove_temporal(model, Clock(args.timeout), prop, invariants, budget))
            print(f"{f'prove {name} {prop.name}':<58} {s:8.2f} s  {r.status} {r.reason}", flush=True)


if __name__ == "__main__":
    main()
