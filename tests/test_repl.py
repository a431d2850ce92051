"""`syncproof repl` (issue 17 item 4): the commands in-process, then the real program driven
through a pseudo-terminal (readline's completion and history, Ctrl-D)."""

from __future__ import annotations

import io
import os
import pty
import re
import select
import sys
from pathlib import Path

import pytest

from checker.cli.commands.repl_run import Repl, Session
from checker.traces.itf import read_document
from checker.traces.replay import replay
from spec.loader import load

from cli_helpers import ROOT, run_cli

TPC = str(ROOT / "models" / "two_phase_commit.sync")
BROKEN = str(ROOT / "models" / "two_phase_commit_broken.sync")


def session(path: str = TPC, seed: int | None = 1) -> tuple[Repl, io.StringIO]:
    out = io.StringIO()
    return Repl(Session(path, [], seed), stdout=out), out


def run(repl: Repl, out: io.StringIO, line: str) -> str:
    """The output of one line typed at the prompt."""
    out.seek(0)
    out.truncate()
    repl.onecmd(line)
    return out.getvalue()


def test_actions_lists_the_enabled_steps_and_step_takes_one():
    repl, out = session()
    listed = run(repl, out, "actions")
    assert "1. TMAbort" in listed and "2. RMPrepare(r=r1)" in listed and "TMCommit" not in listed
    taken = run(repl, out, "step 2")
    assert "after RMPrepare(r=r1)" in taken and "rm_state = {r1: prepared, r2: working, r3: working}" in taken
    assert repl.s.pos == 1 and repl.prompt == "TwoPhaseCommit [1/1]> "


def test_step_by_name_with_values_or_named_parameters():
    repl, out = session()
    assert "after RMPrepare(r=r2)" in run(repl, out, "step RMPrepare(r2)")
    assert "after TMRcvPrepared(r=r2)" in run(repl, out, "step TMRcvPrepared(r=r2)")
    assert "not enabled here" in run(repl, out, "step TMRcvPrepared(r1)")
    assert "no action Nope" in run(repl, out, "step Nope")
    several = run(repl, out, "step RMPrepare")
    assert "2 steps match" in several and "1. RMPrepare(r=r1)" in several
    assert "after RMPrepare(r=r3)" in run(repl, out, "step 2")


def test_expressions_are_evaluated_in_the_current_state():
    repl, out = session()
    run(repl, out, "step RMPrepare(r1)")
    assert run(repl, out, "rm_state[r1]") == "prepared\n"
    assert run(repl, out, "eval msgs | {Commit}") == "{Prepared(r1), Commit}\n"
    assert run(repl, out, "forall r in RM: rm_state[r] != aborted") == "true\n"
    assert run(repl, out, "sum(1 for r in RM if rm_state[r] == working) + 1") == "3\n"


def test_a_bad_expression_is_a_diagnostic_pointing_into_it():
    repl, out = session()
    text = run(repl, out, "rm_state[r9]")
    assert "<expression>:1:10: error[E201]: unknown name 'r9'" in text
    assert "  1 | rm_state[r9]\n" in text and "did you mean 'r1'?" in text
    assert "error[E102]" in run(repl, out, "tm_state ==")
    assert repl.s.pos == 0   # nothing moved


def test_back_next_and_a_new_step_from_the_middle():
    repl, out = session()
    run(repl, out, "step RMPrepare(r1)")
    run(repl, out, "step RMPrepare(r2)")
    assert "state 1, after RMPrepare(r=r1)" in run(repl, out, "back")
    assert "state 2, after RMPrepare(r=r2)" in run(repl, out, "next")
    assert "at the last state" in run(repl, out, "next")
    run(repl, out, "back")
    run(repl, out, "step TMAbort")
    assert [s.action for s in repl.s.walk] == [None, "RMPrepare", "TMAbort"]
    walk = run(repl, out, "trace")
    assert walk.splitlines()[-1] == "> 2. TMAbort"
    run(repl, out, "init")
    assert repl.s.pos == 0 and len(repl.s.walk) == 1
    assert "at the first state" in run(repl, out, "back")


def test_random_steps_are_the_seeds():
    walks = []
    for _ in range(2):
        repl, out = session(seed=7)
        for _ in range(5):
            run(repl, out, "random")
        walks.append([(s.action, s.params) for s in repl.s.walk])
    assert walks[0] == walks[1] and len(walks[0]) == 6


def test_invariants_in_the_current_state():
    repl, out = session(BROKEN)
    for line in ("step RMPrepare(r1)", "step TMRcvPrepared(r1)", "step TMCommit", "step RMChooseToAbort(r2)",
                 "step RMRcvCommitMsg(r3)"):
        assert "after" in run(repl, out, line), line
    verdicts = run(repl, out, "invariants")
    assert "Consistent: VIOLATED" in verdicts


def test_a_saved_walk_is_a_trace_replay_accepts_and_load_walks_it(tmp_path: Path):
    repl, out = session()
    for line in ("step RMPrepare(r1)", "step TMRcvPrepared(r1)", "step RMPrepare(r2)"):
        run(repl, out, line)
    path = tmp_path / "walk.itf.json"
    assert "wrote 4 states" in run(repl, out, f"save {path}")
    doc = read_document(path)
    result = replay(doc, load(TPC), check_deadlock=False)
    assert result.valid and len(doc["states"]) == 4
    fresh, fresh_out = session()
    assert "loaded 4 states" in run(fresh, fresh_out, f"load {path}")
    assert "after TMRcvPrepared(r=r1)" in run(fresh, fresh_out, "next") + run(fresh, fresh_out, "next")
    assert [s.state for s in fresh.s.walk] == [s.state for s in repl.s.walk]
    assert "error[E605]" in run(fresh, fresh_out, f"load {tmp_path / 'missing.json'}")


def test_completion_names_actions_and_model_names():
    repl, _ = session()
    assert repl.complete_step("RMP", "step RMP", 5, 8) == ["RMPrepare"]
    assert "rm_state" in repl.completedefault("rm", "rm", 0, 2)
    assert set(repl.completenames("ac")) == {"actions"}


# ---- the program in a pseudo-terminal -------------------------------------------------------------

class Terminal:
    """`syncproof repl` in a pseudo-terminal: what it writes, read up to what a test waits for."""

    def __init__(self, args: list[str], env: dict):
        self.pid, self.fd = pty.fork()
        if self.pid == 0:   # the child: the program, its terminal the pty
            os.chdir(ROOT)
            os.execve(sys.executable, [sys.executable, "-m", "checker.cli", *args], env)
        self.seen = ""

    def expect(self, text: str, limit: float = 120.0) -> str:
        """Everything written until `text` appears (a failure after `limit` seconds, not a timing test)."""
        while text not in self.seen:
            ready, _, _ = select.select([self.fd], [], [], limit)
            if not ready:
                raise AssertionError(f"never saw {text!r}; the terminal shows:\n{self.seen}")
            try:
                chunk = os.read(self.fd, 4096).decode("utf-8", "replace")
            except OSError:   # the program ended
                raise AssertionError(f"never saw {text!r}; the terminal shows:\n{self.seen}") from None
            self.seen += chunk.replace("\r\n", "\n")
        head, _, self.seen = self.seen.partition(text)
        return head + text

    def send(self, keys: str) -> None:
        os.write(self.fd, keys.encode())

    def interrupt(self, text: str, limit: float = 120.0) -> str:
        """Ctrl-C until `text` appears. CPython's readline loses a SIGINT that arrives while it handles a
        key, between two waits for input (the next wait blocks with the signal pending): on a busy machine
        that window is hit now and then, and a person would press Ctrl-C again, as this does."""
        for _ in range(int(limit / 5)):
            self.send("\x03")
            try:
                return self.expect(text, limit=5.0)
            except AssertionError:
                continue
        raise AssertionError(f"never saw {text!r} after Ctrl-C; the terminal shows:\n{self.seen}")

    def exit_code(self) -> int:
        _, status = os.waitpid(self.pid, 0)
        return os.waitstatus_to_exitcode(status)


@pytest.fixture
def terminal(tmp_path: Path):
    env = {**os.environ, "PYTHONPATH": str(ROOT), "SYNCPROOF_HISTORY": str(tmp_path / "history"),
           "TERM": "dumb", "HOME": str(tmp_path)}
    term = Terminal(["repl", "models/two_phase_commit.sync", "--seed", "3"], env)
    yield term
    try:
        os.kill(term.pid, 9)
        os.waitpid(term.pid, 0)
    except (ProcessLookupError, ChildProcessError):
        pass


def test_the_repl_in_a_terminal_completes_steps_and_keeps_history(terminal, tmp_path: Path):
    prompt = "TwoPhaseCommit [0/0]> "
    terminal.expect(prompt)
    terminal.send("act\t")              # completion of a command
    terminal.expect("actions")
    terminal.send("\n")
    assert "RMPrepare(r=r1)" in terminal.expect(prompt)
    terminal.send("step RMPr\t")        # completion of an action's name
    terminal.expect("RMPrepare")
    terminal.send("(r3)\n")
    assert "after RMPrepare(r=r3)" in terminal.expect("TwoPhaseCommit [1/1]> ")
    terminal.send("msgs\n")
    assert "{Prepared(r3)}" in terminal.expect("TwoPhaseCommit [1/1]> ")
    terminal.send("tm_sta")
    terminal.expect("tm_sta")
    terminal.interrupt("(interrupted")   # Ctrl-C drops the line, the session goes on
    terminal.expect("TwoPhaseCommit [1/1]> ")
    terminal.send("\x04")               # Ctrl-D
    assert terminal.exit_code() == 0
    assert "step RMPrepare(r3)" in (tmp_path / "history").read_text()


def test_step_n_numbers_the_steps_of_the_current_state():
    repl, out = session()
    run(repl, out, "actions")
    run(repl, out, "step RMPrepare(r1)")
    assert "after TMRcvPrepared(r=r1)" in run(repl, out, "step 1")   # not the first step of the state before


def test_the_readme_session_is_what_the_repl_prints(tmp_path: Path, monkeypatch):
    """README.md shows a session of `syncproof repl`: each command's output is what it prints."""
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    block = text.split("$ syncproof repl models/two_phase_commit.sync\n", 1)[1].split("```", 1)[0]
    prompt = re.compile(r"^(TwoPhaseCommit \[\d+/\d+\]> )(.*)\n", re.M)
    parts = prompt.split(block)   # the banner, then each prompt, command and what follows
    monkeypatch.chdir(tmp_path)
    repl, out = session(seed=None)
    out.seek(0)
    out.truncate()
    assert parts[0].startswith("TwoPhaseCommit: 4 variables")
    repl.do_state("")
    assert out.getvalue() == parts[0].split("\n", 1)[1]
    commands = list(zip(parts[1::3], parts[2::3], parts[3::3]))
    assert len(commands) >= 6
    for shown_prompt, command, shown in commands:
        assert repl.prompt == shown_prompt, command
        assert run(repl, out, command) == shown, command
    assert (tmp_path / "walk.itf.json").exists()


def test_a_model_whose_init_fails_has_no_session(tmp_path: Path, capsys):
    path = tmp_path / "m.sync"
    path.write_text("model M\nvar x: 0..3\ninit {\n  x = 3\n  x = x + 1\n}\naction A { x = 0 }\n", encoding="utf-8")
    code, out, err = run_cli(["repl", path], capsys)
    assert code == 1 and "init fails: storing into x: 4 is outside 0..3" in err
    code, out, err = run_cli(["repl", tmp_path / "missing.sync"], capsys)
    assert code == 2 and "error[E601]" in err
