"""Runs of several checks with expectations: `syncproof ci`'s configuration and exit codes."""
