"""Checkpoints of the explicit search: written atomically at the end of a level, resumed exactly.

A checkpoint directory holds numbered snapshots `level-D/` and a file `LATEST`
naming the newest complete one. A snapshot is written under a temporary name,
flushed to disk, renamed into place, and only then named by `LATEST`
(replaced atomically), so a run killed at any moment leaves the previous
snapshot intact; older snapshots are removed after.

A snapshot is data only: numpy arrays (`.npy`, read without pickle) and a
`meta.json` with the search's counters, the violations found so far (by
level and index: their traces are rebuilt from the trace store on resume) and
a key of the model and the options that decide the search, so that a resume
with another model, other constants or other options is refused (E531)
instead of giving a wrong answer. States wider than 64 bits are stored as
rows of bytes.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil

import numpy as np

from spec.diagnostics import Diagnostic, SpecError

from checker.engines.explicit.limbs import state_ints

FORMAT = "syncproof.checkpoint/2"   # 2: states wider than 64 bits fingerprinted by visited._mixed
LATEST = "LATEST"


def refuse(message: str, help: str | None = None) -> SpecError:
    return SpecError(Diagnostic("E531", message, None, help))


def key_of(*parts: str) -> str:
    h = hashlib.sha256()
    for p in parts:
        h.update(p.encode("utf-8"))
        h.update(b"\0")
    return h.hexdigest()


# ---- states and arrays ------------------------------------------------------------------------

def states_array(states, exact: bool, bits: int) -> np.ndarray:
    """A level's states as an array: uint64 when they fit, else one row of bytes per state."""
    if exact:
        return np.asarray(states, dtype=np.uint64) if not isinstance(states, np.ndarray) else states
    width = max(1, (bits + 7) // 8)
    raw = b"".join(int(s).to_bytes(width, "little") for s in state_ints(states))
    return np.frombuffer(raw, dtype=np.uint8).reshape(len(states), width)


def states_of(array: np.ndarray, exact: bool):
    """The inverse of `states_array`: a uint64 array, or a list of Python ints."""
    if exact:
        return array.astype(np.uint64)
    return [int.from_bytes(row.tobytes(), "little") for row in array]


def save_arrays(directory: str, arrays: dict[str, np.ndarray]) -> None:
    os.makedirs(directory, exist_ok=True)
    for name, a in arrays.items():
        with open(os.path.join(directory, f"{name}.npy"), "wb") as f:
            np.save(f, np.ascontiguousarray(a), allow_pickle=False)
            f.flush()
            os.fsync(f.fileno())


def load_array(directory: str, name: str) -> np.ndarray:
    path = os.path.join(directory, f"{name}.npy")
    try:
        return np.load(path, allow_pickle=False)
    except (OSError, ValueError) as exc:
        raise refuse(f"the checkpoint is damaged: cannot read {path}: {exc}") from None


# ---- snapshots -------------------------------------------------------------------------------------

def write(root: str, depth: int, meta: dict, write_parts) -> None:
    """Writes the snapshot of the end of level `depth`: `write_parts(directory)` writes the arrays,
    then meta.json, then LATEST names it."""
    os.makedirs(root, exist_ok=True)
    name = f"level-{depth}"
    temp = os.path.join(root, f".{name}.partial")
    shutil.rmtree(temp, ignore_errors=True)
    os.makedirs(temp)
    write_parts(temp)
    meta = {"format": FORMAT, **meta}
    _write_file(os.path.join(temp, "meta.json"), json.dumps(meta, indent=1))
    final = os.path.join(root, name)
    shutil.rmtree(final, ignore_errors=True)
    os.replace(temp, final)
    _fsync_dir(root)
    _write_file(os.path.join(root, LATEST), name + "\n", atomic=True)
    for old in os.listdir(root):
        if old != name and old.startswith("level-"):
            shutil.rmtree(os.path.join(root, old), ignore_errors=True)


def read(root: str, key: str) -> tuple[str, dict]:
    """(the newest snapshot's directory, its meta), checked against the run's key."""
    latest = os.path.join(root, LATEST)
    try:
        with open(latest, encoding="utf-8") as f:
            name = f.read().strip()
    except FileNotFoundError:
        raise refuse(f"no checkpoint to resume in {root} (no {LATEST} file)",
                     "checkpoints are written by a run with --checkpoint DIR") from None
    except OSError as exc:
        raise refuse(f"cannot read {latest}: {exc}") from None
    if not name.startswith("level-") or os.sep in name or "/" in name:
        raise refuse(f"the checkpoint is damaged: {latest} names '{name[:80]}'")
    directory = os.path.join(root, name)
    try:
        with open(os.path.join(directory, "meta.json"), encoding="utf-8") as f:
            meta = json.load(f)
    except (OSError, ValueError) as exc:
        raise refuse(f"the checkpoint is damaged: cannot read {directory}/meta.json: {exc}") from None
    if not isinstance(meta, dict) or meta.get("format") != FORMAT:
        raise refuse(f"{directory} is not a syncproof checkpoint of this version ({FORMAT})")
    if meta.get("key") != key:
        raise refuse(f"the checkpoint in {root} is of another run: the model, its constants or the options "
                     "that decide the search (properties, symmetry, deadlock, limits, workers) differ",
                     "resume with the same model, --const values and options as the run that wrote it")
    return directory, meta


def exists(root: str) -> bool:
    """Whether `root` has a complete checkpoint to resume."""
    return os.path.isfile(os.path.join(root, LATEST))


def _write_file(path: str, text: str, atomic: bool = False) -> None:
    target = path + ".tmp" if atomic else path
    with open(target, "w", encoding="utf-8") as f:
        f.write(text)
        f.flush()
        os.fsync(f.fileno())
    if atomic:
        os.replace(target, path)


def _fsync_dir(path: str) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
