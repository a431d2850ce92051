"""Implementation testing: conformance of a Python implementation to its model, and its determinism."""
