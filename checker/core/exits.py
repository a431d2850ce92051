"""Exit codes, stable and documented (README, docs/ci.md; pinned by a snapshot test).

A result gives its own (`Result.exit_code`), a run of several checks its most
serious one (`checker.project.runs`); the command line only passes them on.
"""

EXIT_HOLDS = 0           # every property holds (every check passed)
EXIT_VIOLATED = 1        # a property is violated, or an expectation of `syncproof ci` is not met
EXIT_BAD_INPUT = 2       # the model, a trace, an option or a configuration is wrong
EXIT_INCONCLUSIVE = 3    # a property is neither proved nor violated (a limit, a bound, sampling)
EXIT_INTERNAL = 4        # an internal error
EXIT_INTERRUPTED = 130   # 128 + SIGINT, what shells report for a command ended by Ctrl-C
