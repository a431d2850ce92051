"""The engines a configuration file can name, and the options each accepts.

`syncproof ci` and the pytest plugin read engines and limits from
`[tool.syncproof]`. Each engine name maps to the options it understands
(name, type, help) and to a function that runs it with validated options and
returns the `Result` every engine returns. Validating here, before anything
runs, makes a typo in a configuration file a clear error (exit 2) instead of
a setting that is silently ignored.

The names are those of the registry (`checker.engines.registry.ENGINES`): those of
`check --engine`, `auto` (the engine `check` picks without --engine, the default) and
`simulate`, the hypothesis engine of `syncproof simulate`. Configured options become one
`CheckRequest` (`request`), as the command line's do.
"""

from __future__ import annotations

from dataclasses import dataclass

from spec import ir

from checker.core.limits import MOST_COUNT, MOST_PROCESSES, MOST_SECONDS
from checker.core.result import Result
from checker.engines import registry
from checker.engines.base import CheckRequest, ExplicitSection, SimulateSection, SymbolicSection

INT, NUMBER, BOOL, NAMES = "a positive integer", "a positive number", "true or false", "a list of names"



@dataclass(frozen=True)
class Option:
    name: str          # as written in configuration files (kebab-case)
    kind: str          # INT | NUMBER | BOOL | NAMES
    help: str


SHARED = (
    Option("properties", NAMES, "check only these properties"),
    Option("deadlock", BOOL, "report states where no action is enabled (default true)"),
)
STOPPING = (
    Option("timeout", NUMBER, "stop after this many seconds (the verdict is then inconclusive)"),
    Option("continue", BOOL, "after a violation, go on to find a shortest violation of every property"),
)
EXPLICIT = SHARED + STOPPING + (
    Option("max-states", INT, "stop after this many distinct states"),
    Option("max-depth", INT, "explore states up to this many steps deep"),
    Option("workers", INT, "processes that expand each breadth-first level"),
    Option("symmetry", BOOL, "reduce by the model's symmetric sets (default true)"),
)
SYMBOLIC = SHARED + STOPPING + (
    Option("depth", INT, "bounded model checking: look for violations up to this many steps"),
    Option("k", INT, "k-induction: try k = 1 up to this"),
    Option("rlimit", INT, "give each z3 query this many resource units instead of seconds: the verdict does "
                          "not depend on the machine's speed"),
)
SIMULATE = SHARED + STOPPING[:1] + (
    Option("runs", INT, "random runs to try"),
    Option("steps", INT, "steps per run"),
    Option("seed", INT, "seed of the random runs (the same seed gives the same runs)"),
)

# the options an engine of the registry accepts, when not those of the symbolic engines (SYMBOLIC):
# auto may run either of two engines, so it takes the options of both
ACCEPTS = {
    registry.AUTO.name: EXPLICIT + tuple(o for o in SYMBOLIC if o not in EXPLICIT),
    registry.EXPLICIT.name: EXPLICIT,
    registry.SIMULATE.name: SIMULATE,
}


def names() -> tuple[str, ...]:
    return tuple(registry.ENGINES)


def options(engine: str) -> tuple[Option, ...]:
    return ACCEPTS.get(engine, SYMBOLIC)


def option(engine: str, name: str) -> Option | None:
    return next((o for o in options(engine) if o.name == name), None)


def all_option_names() -> set[str]:
    return {o.name for e in names() for o in options(e)}


def check_value(opt: Option, value) -> str | None:
    """Why `value` is not a valid value of `opt` (None when it is)."""
    if opt.kind == INT:
        ok = isinstance(value, int) and not isinstance(value, bool) and (0 if opt.name == "seed" else 1) <= value
        most = MOST_PROCESSES if opt.name == "workers" else MOST_COUNT
    elif opt.kind == NUMBER:
        ok = isinstance(value, (int, float)) and not isinstance(value, bool) and 0 < value < float("inf")
        most = MOST_SECONDS
    elif opt.kind == BOOL:
        ok = isinstance(value, bool)
    else:
        ok = isinstance(value, list) and all(isinstance(v, str) for v in value)
    if ok and opt.kind in (INT, NUMBER) and value > most:
        return f"'{opt.name}' must be at most {most:,}, not {describe(value)}"
    if ok:
        return None
    kind = "a non-negative integer" if opt.name == "seed" else opt.kind
    return f"'{opt.name}' must be {kind}, not {describe(value)}"


def describe(value) -> str:
    """A TOML value as a user would name it in a message."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return f'"{value}"'
    if isinstance(value, dict):
        return "a table"
    if isinstance(value, list):
        return "a list" if value else "an empty list"
    if isinstance(value, float):
        return f"the number {value:g}"
    if isinstance(value, int) and abs(value) >= 10 ** 20:
        return f"a number of {len(str(abs(value))):,} digits"
    return repr(value)


def request(opts: dict, until: tuple[str, ...] = ()) -> CheckRequest:
    """The CheckRequest of configured options (already validated); each engine reads its own section.

    `until`: the properties the configuration expects to be violated; the search goes on after
    the first violation until it has found them all (or ends)."""
    return CheckRequest(
        properties=tuple(opts["properties"]) if opts.get("properties") else None,
        deadlock=opts.get("deadlock", True), timeout=opts.get("timeout"),
        stop_at_first=not opts.get("continue", False), until=tuple(until), seed=opts.get("seed"),
        explicit=ExplicitSection(symmetry=opts.get("symmetry", True), workers=opts.get("workers", 1),
                                 max_states=opts.get("max-states"), max_depth=opts.get("max-depth")),
        symbolic=SymbolicSection(depth=opts.get("depth"), k=opts.get("k"), rlimit=opts.get("rlimit")),
        simulate=SimulateSection(runs=opts.get("runs"), steps=opts.get("steps")))


def run(model: ir.CheckedModel, engine: str, opts: dict, progress=None, until: tuple[str, ...] = ()) -> Result:
    """Runs `engine` on `model` with configured options (already validated); see `request`."""
    return registry.run(model, engine, request(opts, until), progress)
