"""Implementation testing: conformance of a Python implementation to its model, and its determinism.

    adapter      the adapter API: how actions map to calls, how the state is observed
    result       what a conformance run found: the kinds of mismatch, Mismatch, ConformResult
    run          conformance runs (hypothesis, the model as oracle), replaying an ITF trace, the pytest API
    report       conformance and determinism results on the console, as JSON and as ITF
    determinism  the same steps in processes with other hash seeds, compared
    worker       the worker process of a determinism check
"""
