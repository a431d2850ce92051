"""Examples of syncproof in use; importable from the repository root (`examples.<name>`)."""
