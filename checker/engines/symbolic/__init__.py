"""The symbolic engines: the IR encoded into z3 for BMC, k-induction and CHC (Spacer) proofs.

    values      symbolic values of every type (flattened into Bool and Int terms)
    encoder     expressions and statements, mirroring the reference interpreter
    system      the model as init, steps and properties; transition, simple path, hypothesis
    bmc         incremental bounded model checking, shortest violations first
    induction   k-induction with counterexamples to induction
    chc         unbounded proofs with constrained Horn clauses (z3 Spacer)
    traces      z3 models to `Trace`s, checked step by step by the interpreter
    run         the engines behind one call, and the Result
    stop        Ctrl-C and the time limit stop z3 and the encoding within a second
"""

from checker.engines.symbolic.run import DEFAULT_DEPTH, DEFAULT_K, MODES, SymbolicOptions, check
from checker.engines.symbolic.values import EncodeError

__all__ = ["check", "SymbolicOptions", "MODES", "DEFAULT_DEPTH", "DEFAULT_K", "EncodeError"]
