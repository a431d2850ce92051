"""syncproof's engines, traces, reporters and command line."""

__version__ = "0.1.0"
