"""The engines: explicit-state search, simulation and the symbolic (z3) engines."""
