"""A worker process of `syncproof conform --determinism`: runs an implementation, reports what it saw.

Started by `checker.impl_determinism` with its own PYTHONHASHSEED, it loads
the adapter, then runs the sequences of steps it is sent, each on a fresh
implementation, and answers with what happened at every step: accepted,
refused or raised, and the raw observation. It knows nothing of the model:
the parent compares the answers of several workers.

Protocol: pickled messages on stdin and on the original stdout (the
implementation's own prints go to stderr, so they cannot corrupt it).

    ("load", "pkg.mod:Class", [search dirs], constants)  -> ("ok", hash seed) | ("error", text)
    ("run", [[(method, params), ...], ...])              -> ("results", [[(status, detail, observation), ...], ...])
    ("quit",)
"""

from __future__ import annotations

import os
import pickle
import sys


def _observe(adapter):
    try:
        obs = adapter.observe()
    except Exception as exc:  # noqa: BLE001 - what the implementation does is the answer
        from .adapter import describe_exception
        return "observe-crash", describe_exception(exc), None
    try:
        pickle.dumps(obs)
    except Exception:  # noqa: BLE001 - compare what can be compared
        return "ok", "", ("#unpicklable", repr(obs))
    return "ok", "", obs


def run_sequence(cls, consts: dict, steps: list) -> list:
    from .adapter import Rejected, describe_exception
    rejects = tuple(cls.rejects) + (Rejected,)
    out = []
    adapter = cls()
    try:
        try:
            adapter.setup(dict(consts))
        except Exception as exc:  # noqa: BLE001
            return [("crash", f"setup() raised {describe_exception(exc)}", None)]
        out.append(_observe(adapter))
        for method, params in steps:
            try:
                getattr(adapter, method)(**params)
                status, detail = "ok", ""
            except rejects as exc:
                status, detail = "refused", type(exc).__name__
            except Exception as exc:  # noqa: BLE001
                out.append(("crash", describe_exception(exc), None))
                break
            obs_status, obs_detail, obs = _observe(adapter)
            if obs_status != "ok":
                out.append((obs_status, obs_detail, None))
                break
            out.append((status, detail, obs))
    finally:
        try:
            adapter.teardown()
        except Exception:  # noqa: BLE001 - the parent compares observations, not teardowns
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
            _, spec, search, consts = msg
            try:
                from .adapter import load_adapter
                cls = load_adapter(spec, search)
                answer = ("ok", os.environ.get("PYTHONHASHSEED"))
            except Exception as exc:  # noqa: BLE001
                answer = ("error", str(exc))
        elif msg[0] == "run":
            answer = ("results", [run_sequence(cls, consts, steps) for steps in msg[1]])
        else:
            answer = ("error", f"unknown request {msg[0]!r}")
        pickle.dump(answer, proto_out)
        proto_out.flush()


if __name__ == "__main__":
    main()
