"""The explicit-state engine: the model compiled to Python, packed states, breadth-first search,
the state graph for liveness and determinism."""
