"""The simulation engine: random runs driven by hypothesis, shrunk to short traces."""
