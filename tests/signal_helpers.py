"""Running the CLI in a subprocess with its progress display on a terminal, and pressing Ctrl-C."""

from __future__ import annotations

import fcntl
import os
import pty
import select
import signal
import struct
import subprocess
import sys
import termios
import threading
import time

from engine_helpers import ROOT


def subprocess_env() -> dict:
    """The environment of a `python -m checker.cli` subprocess: this checkout first, no debug mode."""
    env = dict(os.environ)
    env["PYTHONPATH"] = str(ROOT) + os.pathsep + env.get("PYTHONPATH", "")
    env.pop("SYNCPROOF_DEBUG", None)
    return env


def interrupt_cli(args: list, shown: str, guard: float = 300) -> tuple[str, str, int]:
    """Runs `syncproof ARGS` with its progress display on a terminal, sends SIGINT once the display
    shows `shown`, and returns (stdout, what the terminal showed, exit code)."""
    master, slave = pty.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 50, 220, 0, 0))
    proc = subprocess.Popen([sys.executable, "-m", "checker.cli", *map(str, args)], cwd=ROOT, env=subprocess_env(),
                            stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=slave)
    os.close(slave)
    screen = bytearray()
    seen = threading.Event()

    def drain():  # the display must never block on a full terminal
        while True:
            try:
                ready, _, _ = select.select([master], [], [], 0.2)
                if ready:
                    chunk = os.read(master, 65536)
                    if not chunk:
                        return
                    screen.extend(chunk)
                    if shown.encode() in screen:
                        seen.set()
            except OSError:
                return
            if proc.poll() is not None and not ready:
                return

    reader = threading.Thread(target=drain, daemon=True)
    reader.start()
    try:
        deadline = time.monotonic() + guard
        while not seen.is_set():
            assert proc.poll() is None, f"ended before showing {shown!r}: {bytes(screen)[-500:]!r}"
            assert time.monotonic() < deadline, f"{shown!r} never shown: {bytes(screen)[-500:]!r}"
            seen.wait(0.2)
        proc.send_signal(signal.SIGINT)
        out, _ = proc.communicate(timeout=guard)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        reader.join(5)
        os.close(master)
    return out.decode(), bytes(screen).decode(errors="replace"), proc.returncode
