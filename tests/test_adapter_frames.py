"""An implementation's traceback shows the user's frames only: none of syncproof's, from whichever
of its packages (the adapter API moved into checker/conform/, issue 12; before, "ours" was the
directory of the adapter's own file, and a frame of checker/core/ would have counted as the user's)."""

from __future__ import annotations

from pathlib import Path

import checker.core.result
from checker.conform.adapter import _user_frames


def _raised_through(path: str) -> BaseException:
    ns: dict = {}
    exec(compile("def boom():\n    raise ValueError('x')\n", path, "exec"), ns)
    try:
        ns["boom"]()
    except ValueError as exc:
        return exc
    raise AssertionError("boom did not raise")


def test_a_frame_in_another_syncproof_package_is_left_out():
    ours = str(Path(checker.core.result.__file__))
    frames = _user_frames(_raised_through(ours))
    assert [f[0] for f in frames] == [__file__]


def test_a_users_frame_is_kept(tmp_path):
    user = str(tmp_path / "impl.py")
    frames = _user_frames(_raised_through(user))
    assert [f[0] for f in frames] == [__file__, user]
