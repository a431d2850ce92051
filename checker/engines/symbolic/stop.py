"""Stopping the symbolic engines within a second of Ctrl-C or of the time limit, z3 included.

z3 runs in C. While a query runs, Python's Ctrl-C handler cannot run; when it does, it may be
inside a z3 destructor (`AstRef.__del__`), where a KeyboardInterrupt is printed as "Exception
ignored" and dropped, and the run goes on. And most of a long BMC run is Python building
formulas, which z3's own timeout does not bound. z3's own Ctrl-C handler, which takes the
signal for the length of a query, cancels that query alone and lets the run go on, is off
(`ctrl_c` false on every solver, in `Clock.check`). So while an engine runs (`watching(clock)`):

- Ctrl-C sets `clock.interrupted`; the handler raises KeyboardInterrupt at once in the engine's
  own code, and in z3's code (a destructor, a term half made) leaves it to `Clock.poll`, which
  every query and every unit of encoding work calls;
- a watchdog thread wakes on the signal (through `signal.set_wakeup_fd`, which works while the
  main thread is inside z3) and at the deadline, and interrupts every solver inside a query
  (`Clock.running`), so a long `check()` returns at once; again each half second after, in case
  a query was about to begin. Only queries: `Solver.interrupt` cancels the query running and
  nothing else, whereas a context's `interrupt()` that arrives while no query runs stays pending
  in z3 and cancels whatever the context does next (a simplification left undone, a model
  incomplete) -- in this run's last steps or in the next run of the same process (`syncproof ci`,
  the language server, `mutate`): seen to turn an unsat query sat;
- `poll()` between units of encoding work (an action's encoding, a state of a loop-free path)
  raises `limits.Stopped` once the deadline has passed.

The engines catch KeyboardInterrupt and Stopped at the top (`run.limited`) and report what
they had reached.
"""

from __future__ import annotations

import contextlib
import os
import select
import signal
import threading

import z3

_active: list = [None]   # the clock of the engine running in this process, if any


def poll() -> None:
    """Raises KeyboardInterrupt (Ctrl-C) or Stopped (the deadline passed) for the running engine."""
    clock = _active[0]
    if clock is not None:
        clock.poll()


def _in_z3(frame) -> bool:
    return frame is not None and frame.f_globals.get("__name__", "").startswith("z3")


def _interrupt_all(clock) -> None:
    """Interrupts the queries running now (see the module docstring: never a whole context)."""
    for solver in list(clock.running):
        try:
            solver.interrupt()
        except z3.Z3Exception:
            pass


@contextlib.contextmanager
def watching(clock):
    """Ctrl-C and the deadline stop z3 and the engine while the block runs (see the module)."""
    outer = _active[0]
    if threading.current_thread() is not threading.main_thread() or outer is not None:
        yield   # not where signals arrive, or an engine inside another: the outer watch does it
        return
    read, write = os.pipe()
    os.set_blocking(write, False)
    done = threading.Event()

    def on_sigint(signum, frame):
        clock.interrupted = True
        if not _in_z3(frame):
            raise KeyboardInterrupt

    def watchdog():
        while not done.is_set():
            if clock.interrupted or clock.expired():
                _interrupt_all(clock)
                wait = 0.5
            else:
                left = clock.left()
                wait = 0.5 if left is None else max(0.0, min(0.5, left))
            ready, _, _ = select.select([read], [], [], wait)
            if done.is_set():
                return
            if ready and signal.SIGINT in os.read(read, 512):
                clock.interrupted = True    # the main thread may be in z3, its handler not yet run

    ignored = signal.getsignal(signal.SIGINT) is signal.SIG_IGN   # (nohup, a background job): leave it so
    old_handler = signal.getsignal(signal.SIGINT) if ignored else signal.signal(signal.SIGINT, on_sigint)
    old_fd = signal.set_wakeup_fd(write, warn_on_full_buffer=False)
    thread = threading.Thread(target=watchdog, name="z3-watchdog", daemon=True)
    _active[0] = clock
    thread.start()
    try:
        yield
    finally:
        _active[0] = None
        done.set()
        signal.set_wakeup_fd(old_fd)
        signal.signal(signal.SIGINT, old_handler)
        with contextlib.suppress(OSError):
            os.write(write, b"\0")
        thread.join(2)
        os.close(read)
        os.close(write)
