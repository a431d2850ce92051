"""Checkpoints: a run killed at any level and resumed gives the result the uninterrupted run gives.

Kills are deterministic: the run is stopped right after the checkpoint of a chosen level is
written (in this process by an exception, in a child process by SIGKILL), never by a timer.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap

import pytest

from checker.core.limits import Interrupted
from checker.engines.explicit import checkpoint
from checker.engines.explicit.search import ExplicitOptions, check
from cli_helpers import run_cli
from engine_helpers import MODELS, ROOT, model_file, result_summary


def _stopped_after_level(monkeypatch, level):
    """checkpoint.write then stops the run (as Ctrl-C would) once it has written `level`."""
    write = checkpoint.write

    def stopping(root, depth, meta, parts):
        write(root, depth, meta, parts)
        if depth == level:
            raise KeyboardInterrupt

    monkeypatch.setattr(checkpoint, "write", stopping)


@pytest.mark.parametrize("workers", [1, 2])
@pytest.mark.parametrize("level", [1, 4, 7, 11])
def test_resumed_run_gives_the_uninterrupted_result(tmp_path, monkeypatch, workers, level):
    # the broken commit protocol violates Consistent at depth 5: a kill after it must keep that trace
    m = model_file("two_phase_commit_broken.sync", ["RM=4"])
    opts = dict(workers=workers, symmetry=False, stop_at_first=False)
    want = check(m, ExplicitOptions(**opts))
    with monkeypatch.context() as patch:
        _stopped_after_level(patch, level)
        with pytest.raises(Interrupted):
            check(m, ExplicitOptions(checkpoint=str(tmp_path), checkpoint_every=0, **opts))
    assert (tmp_path / checkpoint.LATEST).read_text().strip() == f"level-{level}"
    got = check(m, ExplicitOptions(resume=str(tmp_path), checkpoint=str(tmp_path), checkpoint_every=0, **opts))
    assert result_summary(got) == result_summary(want)
    assert [p.name for p in got.violated] == ["Consistent"]


def test_resume_under_a_state_limit_and_symmetry(tmp_path, monkeypatch):
    m = model_file("two_phase_commit.sync", ["RM=5"])
    opts = dict(symmetry=True, max_states=200, invariants=("Consistent", "TypeOK"))
    want = check(m, ExplicitOptions(**opts))
    with monkeypatch.context() as patch:
        _stopped_after_level(patch, 6)
        with pytest.raises(Interrupted):
            check(m, ExplicitOptions(checkpoint=str(tmp_path), checkpoint_every=0, **opts))
    got = check(m, ExplicitOptions(resume=str(tmp_path), **opts))
    assert result_summary(got) == result_summary(want)
    assert got.stats.distinct_states == 200   # of 314


@pytest.mark.parametrize("kernel_from", [None, 0])
def test_states_beyond_64_bits_are_checkpointed(tmp_path, monkeypatch, kernel_from):
    """Wide states, held as ints or (the level kernel's levels) as rows of limbs."""
    m = model_file("gossip_replicas_broken.sync", [])
    opts = dict(stop_at_first=False, max_depth=7, kernel_from=kernel_from, symmetry=False,
                invariants=("RegisterIsNewestSeen", "TimestampsBehindWrites"))   # (no state graph)
    want = check(m, ExplicitOptions(**opts))
    assert m.state_bits > 64 and want.stats.search.kernel.startswith("numpy") == (kernel_from == 0)
    as_rows, states_array = [], checkpoint.states_array

    def spy(states, exact, bits):
        as_rows.append(getattr(states, "ndim", 1) == 2)
        return states_array(states, exact, bits)
    with monkeypatch.context() as patch:
        patch.setattr(checkpoint, "states_array", spy)
        _stopped_after_level(patch, 3)
        with pytest.raises(Interrupted):
            check(m, ExplicitOptions(checkpoint=str(tmp_path), checkpoint_every=0, **opts))
    assert result_summary(check(m, ExplicitOptions(resume=str(tmp_path), **opts))) == result_summary(want)
    assert as_rows == [kernel_from == 0] * 3   # levels 1, 2, 3


KILLER = """
import os, signal, sys
from checker.engines.explicit import checkpoint
from checker.cli.main import main
write = checkpoint.write
def killing(root, depth, meta, parts):
    write(root, depth, meta, parts)
    if depth == {level}:
        os.kill(os.getpid(), signal.SIGKILL)
checkpoint.write = killing
sys.exit(main(sys.argv[1:]))
"""


def _cli(args, cwd, script=None):
    env = {**os.environ, "PYTHONPATH": str(ROOT), "COLUMNS": "120"}
    cmd = [sys.executable, "-c", script, *args] if script else [sys.executable, "-m", "checker.cli", *args]
    return subprocess.run(cmd, capture_output=True, text=True, env=env, cwd=cwd, timeout=600)


def _stable(text):
    """The JSON result without what depends on the clock."""
    data = json.loads(text)
    for key in ("seconds", "states_per_second", "graph_seconds"):
        data["stats"].pop(key, None)
    return data


@pytest.mark.slow   # 2-5 s on two busy cores: CI's slow selection runs it (the default run stays under 10 minutes)
@pytest.mark.parametrize("workers", ["1", "2"])
def test_a_process_killed_with_sigkill_resumes_exactly(tmp_path, workers):
    model = str(MODELS / "two_phase_commit_broken.sync")
    common = [model, "--const", "RM=4", "--no-symmetry", "--continue", "--workers", workers, "--json"]
    want = _cli(["check", *common, "--out", str(tmp_path / "want")], tmp_path)
    ck = tmp_path / "ck"
    killed = _cli(["check", *common, "--out", str(tmp_path / "got"), "--checkpoint", str(ck),
                   "--checkpoint-every", "0"], tmp_path, textwrap.dedent(KILLER.format(level=8)))
    assert killed.returncode == -9, killed.stderr
    got = _cli(["check", *common, "--out", str(tmp_path / "got"), "--resume", str(ck)], tmp_path)
    assert (got.returncode, want.returncode) == (1, 1), got.stderr
    a, b = _stable(got.stdout), _stable(want.stdout)
    for data in (a, b):
        data.pop("trace")
        for p in data["properties"]:
            p.pop("trace")
    assert a == b
    assert (tmp_path / "got").joinpath("two_phase_commit_broken.Consistent.itf.json").read_text() == \
        (tmp_path / "want").joinpath("two_phase_commit_broken.Consistent.itf.json").read_text()


def test_a_snapshot_cut_short_leaves_the_previous_one(tmp_path, monkeypatch):
    """A run killed while writing a snapshot: LATEST still names the last complete one."""
    m = model_file("two_phase_commit.sync", ["RM=3"])
    opts = dict(symmetry=False, invariants=("Consistent",))
    save = checkpoint.save_arrays
    calls = []

    def failing(directory, arrays):
        calls.append(directory)
        if len(calls) == 5:
            raise KeyboardInterrupt   # in the middle of the fifth snapshot
        save(directory, arrays)

    with monkeypatch.context() as patch:
        patch.setattr(checkpoint, "save_arrays", failing)
        with pytest.raises(Interrupted):
            check(m, ExplicitOptions(checkpoint=str(tmp_path), checkpoint_every=0, **opts))
    assert (tmp_path / checkpoint.LATEST).read_text().strip() == "level-4"
    got = check(m, ExplicitOptions(resume=str(tmp_path), **opts))
    assert result_summary(got) == result_summary(check(m, ExplicitOptions(**opts)))


# ---- bad input: refused with E531, exit 2, nothing checked ------------------------------------------

def _written(tmp_path):
    ck = tmp_path / "ck"
    code, _, err = run_cli_quiet(["check", MODELS / "two_phase_commit.sync", "--const", "RM=3",
                                  "--checkpoint", ck, "--checkpoint-every", "0", "--out", tmp_path / "out"])
    assert code == 0, err
    return ck


def run_cli_quiet(args):
    proc = _cli([str(a) for a in args], ROOT)
    return proc.returncode, proc.stdout, proc.stderr


@pytest.mark.slow   # 7 s on two busy cores (the default run must stay within 10 minutes there)
def test_resume_of_another_run_is_refused(tmp_path):
    ck = _written(tmp_path)
    for other in (["--const", "RM=4"], ["--const", "RM=3", "--no-symmetry"], ["--const", "RM=3", "--workers", "2"],
                  ["--const", "RM=3", "--property", "Consistent"]):
        code, out, err = run_cli_quiet(["check", MODELS / "two_phase_commit.sync", *other, "--resume", ck,
                                        "--out", tmp_path / "out2"])
        assert code == 2 and out == "", other
        assert "error[E531]: the checkpoint in" in err and "is of another run" in err
    assert not (tmp_path / "out2").exists()


def test_resume_without_a_checkpoint_is_refused(tmp_path, capsys):
    code, _, err = run_cli(["check", MODELS / "two_phase_commit.sync", "--resume", tmp_path / "none"], capsys)
    assert code == 2 and "error[E531]: --resume" in err and "no such directory" in err
    (tmp_path / "empty").mkdir()
    code, _, err = run_cli(["check", MODELS / "two_phase_commit.sync", "--resume", tmp_path / "empty"], capsys)
    assert code == 2 and "error[E531]: no checkpoint to resume in" in err


def test_a_damaged_checkpoint_is_refused(tmp_path, capsys):
    ck = _written(tmp_path)
    (ck / checkpoint.LATEST).write_text("../../etc\n")
    code, _, err = run_cli(["check", MODELS / "two_phase_commit.sync", "--const", "RM=3", "--resume", ck], capsys)
    assert code == 2 and "error[E531]: the checkpoint is damaged" in err
    name = sorted(p.name for p in ck.iterdir() if p.name.startswith("level-"))[0]
    (ck / checkpoint.LATEST).write_text(name)
    (ck / name / "visited.npy").write_bytes(b"not an array")
    code, _, err = run_cli(["check", MODELS / "two_phase_commit.sync", "--const", "RM=3", "--resume", ck], capsys)
    assert code == 2 and "error[E531]: the checkpoint is damaged: cannot read" in err


def test_checkpoints_are_for_the_explicit_engine(tmp_path, capsys):
    code, _, err = run_cli(["check", MODELS / "two_phase_commit.sync", "--engine", "bmc", "--checkpoint",
                            tmp_path / "ck"], capsys)
    assert code == 2 and "error[E531]: --checkpoint and --resume are for the explicit engine, not bmc" in err


def test_a_worker_that_dies_makes_the_run_resume_from_its_checkpoint(tmp_path, monkeypatch):
    """With checkpoints, a worker killed mid-level (once: a marker file says it happened) makes the
    run resume from the last checkpoint: the uninterrupted result, with a warning saying so."""
    from checker.engines.explicit.partition import Partition
    m = model_file("two_phase_commit_broken.sync", ["RM=4"])
    opts = dict(workers=2, symmetry=False, stop_at_first=False)
    want = check(m, ExplicitOptions(**opts))
    marker = tmp_path / "died"
    expand = Partition.expand

    def dying_once(self, progress=None):
        if self.index == 1 and len(self.levels) == 6 and not marker.exists():
            marker.write_text("x")
            os._exit(9)
        return expand(self, progress)

    monkeypatch.setattr(Partition, "expand", dying_once)
    got = check(m, ExplicitOptions(checkpoint=str(tmp_path / "ck"), checkpoint_every=0, **opts))
    assert marker.exists()
    assert result_summary(got) == result_summary(want)
    assert any("worker process 1 died (exit code 9) at depth 5; the search resumed from its last checkpoint"
               in w for w in got.warnings)
