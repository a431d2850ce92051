"""A worker process of `syncproof conform --determinism`: runs an implementation, reports what it saw.

Started by `checker.conform.determinism` with its own PYTHONHASHSEED, it loads
the adapter, then runs the sequences of steps it is sent, each on a fresh
implementation, and answers with what happened at every step: accepted,
refused or raised, and the raw observation. It knows nothing of the model:
the parent compares the answers of several workers.

Protocol: pickled messages on stdin and on the original stdout (the
implementation's own prints go to stderr, so they cannot corrupt it).

The process is started with `python -P -c BOOT` (`command`): nothing is put
before the standard library on sys.path (not the current directory, not the
implementation's), and syncproof's own packages are loaded from where the
parent's are, so a `secrets.py` in the current directory, or a different
installed syncproof, is never imported in their place.

    ("load", "pkg.mod:Class", [search dirs], constants)  -> ("ok", hash seed) | ("error", text)
    ("run", [[(method, params), ...], ...])              -> ("results", [[(status, detail, observation), ...], ...])
    ("quit",)
"""

from __future__ import annotations

import os
import pickle
import sys

import spec

import checker
from checker.conform.adapter import RAISED, AdapterError, Rejected, describe_exception, load_adapter


def _observe(adapter):
    try:
        obs = adapter.observe()
    except RAISED as exc:  # what the implementation does is the answer
        return "observe-crash", describe_exception(exc), None
    try:
        pickle.dumps(obs)
    except Exception:  # noqa: BLE001 - compare what can be compared
        return "ok", "", ("#unpicklable", repr(obs))
    return "ok", "", obs


# run by `python -P -c`: loads the parent's `spec` and `checker` packages from their files (argv 1
# and 2), whatever sys.path would find, then serves requests
BOOT = """import importlib.util, sys
for name, init in (("spec", sys.argv[1]), ("checker", sys.argv[2])):
    found = importlib.util.spec_from_file_location(name, init)
    module = importlib.util.module_from_spec(found)
    sys.modules[name] = module
    found.loader.exec_module(module)
from checker.conform.worker import main
main()
"""


def command() -> list[str]:
    """The command line that starts a worker with this process's syncproof."""
    return [sys.executable, "-P", "-c", BOOT, spec.__file__, checker.__file__]


def run_sequence(cls, consts: dict, steps: list) -> list:
    rejects = tuple(cls.rejects) + (Rejected,)
    out = []
    adapter = None
    try:
        try:
            adapter = cls()
            adapter.setup(dict(consts))
        except RAISED as exc:
            return [("crash", f"setup() raised {describe_exception(exc)}", None)]
        out.append(_observe(adapter))
        for method, params in steps:
            try:
                getattr(adapter, method)(**params)
                status, detail = "ok", ""
            except rejects as exc:
                status, detail = "refused", type(exc).__name__
            except RAISED as exc:
                out.append(("crash", describe_exception(exc), None))
                break
            obs_status, obs_detail, obs = _observe(adapter)
            if obs_status != "ok":
                out.append((obs_status, obs_detail, None))
                break
            out.append((status, detail, obs))
    finally:
        try:
            if adapter is not None:
                adapter.teardown()
        except RAISED:  # the parent compares observations, not teardowns
            pass
    return out


def main() -> None:
    proto_out = os.fdopen(os.dup(1), "wb")
    os.dup2(2, 1)                     # prints of the implementation go to stderr
    sys.stdout = sys.stderr
    proto_in = sys.stdin.buffer
    cls = consts = None
    while True:
        try:
            msg = pickle.load(proto_in)
        except EOFError:
            return
        if msg[0] == "quit":
            return
        if msg[0] == "load":
            _, impl, search, consts = msg
            try:
                cls = load_adapter(impl, search)
                answer = ("ok", os.environ.get("PYTHONHASHSEED"))
            except AdapterError as exc:
                answer = ("error", exc.render())
            except RAISED as exc:
                answer = ("error", f"{type(exc).__name__}: {exc}")
        elif msg[0] == "run":
            answer = ("results", [run_sequence(cls, consts, steps) for steps in msg[1]])
        else:
            answer = ("error", f"unknown request {msg[0]!r}")
        pickle.dump(answer, proto_out)
        proto_out.flush()


if __name__ == "__main__":
    main()
