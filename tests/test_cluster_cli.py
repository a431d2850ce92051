"""`check --cluster`: the bad inputs, refused (exit 2) before any work, with or without Ray installed."""

from __future__ import annotations

import importlib.util

import pytest

from cli_helpers import run_cli
from engine_helpers import MODELS

TWO_PC = MODELS / "two_phase_commit.sync"


@pytest.mark.parametrize("value", ["foo", "ray:/host:1", "ray://host", "ray://host:port", "http://h:1", ""])
def test_a_malformed_address_is_refused(capsys, value):
    code, out, err = run_cli(["check", TWO_PC, "--cluster", value], capsys)
    assert code == 2 and out == ""
    assert "error[E600]: argument --cluster:" in err and "is not ray, auto or ray://HOST:PORT" in err


def test_the_cluster_runs_the_explicit_engine_only(capsys, tmp_path):
    code, out, err = run_cli(["check", TWO_PC, "--cluster", "ray", "--engine", "bmc", "--out", tmp_path], capsys)
    assert code == 2 and out == ""
    assert "error[E530]: --cluster runs the explicit engine, not bmc" in err
    assert list(tmp_path.iterdir()) == []


def test_without_ray_the_message_says_how_to_install_it(capsys, tmp_path, monkeypatch):
    find_spec = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec", lambda name, *a: None if name == "ray" else find_spec(name, *a))
    code, out, err = run_cli(["check", TWO_PC, "--cluster", "auto", "--out", tmp_path], capsys)
    assert code == 2 and out == ""
    assert "error[E530]: --cluster needs Ray, which is not installed" in err
    assert "pip install 'syncproof[ray]'" in err
    assert list(tmp_path.iterdir()) == []
