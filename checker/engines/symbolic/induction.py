"""k-induction: a proof for every reachable state, or a counterexample to induction.

For k = 1, 2, ... up to a limit:

- base case: no violation within k - 1 steps of an initial state (the shared
  `BMC` checks it depth by depth, so a real violation comes back with a
  shortest trace);
- step case: on a loop-free path of k + 1 arbitrary states (each a value of
  its types, the symbolic constants within their assumptions) where the
  invariants hold in the first k, can a property fail in the last? If not,
  the properties are proved.

Properties are proved together: when the step fails, the ones that fail in
the last state are set aside and the rest tried again with only each other
(and what is already proved) as hypotheses, which is sound. `runtime` and
`deadlock` are goals but not hypotheses (a hypothesis "no action errs from
this state" would quantify over all actions' parameters); leaving a
hypothesis out only weakens the induction. A refinement's hypothesis is that
the state maps to a reachable abstract state (`checker.engines.symbolic.refinement`).

The first failed step of each property is kept as its counterexample to
induction: states where the invariants hold, the steps between them, and
the state where the property fails, which is what a person needs to see to
find the missing strengthening invariant.
"""

from __future__ import annotations

from dataclasses import dataclass

import z3

from spec import ir

from checker.core.kinds import Kind
from checker.engines.symbolic.bmc import BMC, Clock
from checker.engines.symbolic.system import HYPOTHESES, Prop, StepEnc, System, hypothesis, nonlinear, simple_path
from checker.engines.symbolic.traces import Decoder
from checker.engines.symbolic.values import mk_or


@dataclass
class InductionOutcome:
    proved: dict          # prop name -> k
    violated: dict        # prop name -> Found (from the base case)
    unknown: dict         # prop name -> reason
    cti: dict             # prop name -> Trace
    k: int                # the largest k tried
    base_depth: int       # the base case was checked to this depth


class StepCase:
    """The step-case solver: a growing loop-free path of arbitrary states."""

    def __init__(self, model: ir.CheckedModel, clock: Clock, deadlock: bool, refinements: tuple = ()):
        self.system = System(model, deadlock, prefix="k.", bv=nonlinear(model), refinements=refinements)
        self.clock = clock
        self.solver = z3.Solver()
        self.solver.add(self.system.consts())
        self.states = [self.system.state("k0")]
        self.solver.add(self.system.enc.state_wf(self.states[0]))
        self.steps: list[StepEnc] = []
        self.goals: dict[int, StepEnc] = {}
        self.hyp: dict = {}

    def extend(self, k: int) -> None:
        """Path t0 .. tk: k transitions, pairwise different states."""
        while len(self.states) <= k:
            i = len(self.states) - 1
            st = self.system.step(self.states[i], i, f"k{i}")
            nxt = self.system.state(f"k{i + 1}")
            self.solver.add(self.system.transition(st, nxt))
            self.solver.add(self.system.enc.state_wf(nxt))
            self.steps.append(st)
            self.states.append(nxt)
            self.solver.add(simple_path(self.system, self.states, i + 1))

    def holds_lit(self, p: Prop, i: int):
        """A literal that assumes invariant p in state i."""
        key = (p.name, i)
        if key not in self.hyp:
            lit = z3.Bool(f"hyp.{p.name}.{i}")
            self.solver.add(z3.Implies(lit, hypothesis(self.system, [p], self.states[i])))
            self.hyp[key] = lit
        return self.hyp[key]

    def goal(self, k: int) -> StepEnc:
        if k not in self.goals:
            self.goals[k] = self.system.step(self.states[k], k, f"g{k}")
        return self.goals[k]

    def ask(self, k: int, todo: list[Prop], proved: list[Prop]):
        """(result, {prop: bad formula}) of the step case for the props in todo."""
        goal = self.goal(k)
        bads = {p.name: self.system.bad(p, goal) for p in todo}
        lit = z3.FreshBool("goal")
        self.solver.add(z3.Implies(lit, mk_or(*bads.values())))
        hyps = [self.holds_lit(p, i) for p in todo + proved if p.kind in HYPOTHESES for i in range(k)]
        hyps += [self.holds_lit(p, k) for p in proved if p.kind in HYPOTHESES]
        return self.clock.check(self.solver, *hyps, lit), bads


def k_induction(bmc: BMC, clock: Clock, props: list[Prop], max_k: int, deadlock: bool,
                progress=None) -> InductionOutcome:
    model = bmc.system.model
    step = StepCase(model, clock, deadlock, bmc.system.refinements)
    by_name = {p.name: p for p in step.system.props}
    todo = [by_name[p.name] for p in props]
    out = InductionOutcome({}, {}, {}, {}, 0, -1)
    proved: list[Prop] = []
    for k in range(1, max_k + 1):
        out.k = k
        if progress:
            progress(f"k-induction: k = {k}")
        if not _base(bmc, out, todo, k - 1):
            break
        if not todo:
            break
        step.extend(k)
        trying = list(todo)
        while trying:
            r, bads = step.ask(k, trying, proved)
            if r == z3.unsat:
                for p in trying:
                    out.proved[p.name] = k
                proved += trying
                todo = [p for p in todo if p not in trying]
                break
            if r == z3.unknown:
                quantified = [p for p in trying if p.kind == Kind.DEADLOCK and len(trying) > 1]
                if quantified:
                    trying = [p for p in trying if p not in quantified]
                    continue
                for p in trying:
                    out.unknown[p.name] = clock.reason(step.solver)
                return out
            m = step.solver.model()
            failing = [p for p in trying if z3.is_true(m.eval(bads[p.name], model_completion=True))]
            for p in failing:
                if p.name not in out.cti:
                    out.cti[p.name] = step_decoder(step).cti(m, p, step.states[:k + 1], step.steps[:k], k,
                                                             step.goal(k))
            trying = [p for p in trying if p not in failing]
        if not todo or clock.expired():
            break
    for p in todo:
        if p.name not in out.proved and p.name not in out.violated and p.name not in out.unknown:
            if clock.expired():
                out.unknown[p.name] = "the time limit was reached"
    return out


def _base(bmc: BMC, out: InductionOutcome, todo: list[Prop], depth: int) -> bool:
    """Checks the base case to `depth`; moves violated props out of todo. False: stop (unknown)."""
    start = bmc.checked + 1
    for d in range(start, depth + 1):
        names = {p.name for p in todo}
        pending = [p for p in bmc.props if p.name in names]
        found = bmc.check_init(pending) if d == -1 else bmc.check_depth(d, pending)
        for f in found:
            if f.status == "violated":
                out.violated[f.prop.name] = f
            else:
                out.unknown[f.prop.name] = f.reason
        bad = {f.prop.name for f in found}
        todo[:] = [p for p in todo if p.name not in bad]
        if any(f.status == "unknown" for f in found) or any(f.status == "violated" for f in found):
            out.base_depth = d
            return False
    out.base_depth = max(out.base_depth, depth)
    return True


def step_decoder(step: StepCase):
    return Decoder(step.system, "induction")


__all__ = ["k_induction", "InductionOutcome", "StepCase"]
