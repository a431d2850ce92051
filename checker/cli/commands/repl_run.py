"""The read-eval-print loop of `syncproof repl` (`checker/cli/commands/repl.py`): the standard
library's `cmd`, with `readline` for line editing, history and completion.

A walk is the list of states visited, each with the step that reached it; `back` and `next` move
along it, and a step taken from the middle of the walk replaces what followed. Expressions are
checked as the body of a `def` added to the model in a module of its own, so they may use every
name the model declares, and evaluated by the reference interpreter (`spec.interp`).
"""

from __future__ import annotations

import cmd
import dataclasses
import glob
import json
import os
import random
import re
from pathlib import Path

from spec import ir
from spec.diagnostics import Diagnostic, Source, Span, SpecError
from spec.interp import Interp
from spec.loader import load, load_modules, parse_const_option
from spec.parser import parse
from spec.runtime import ModelError, from_code, to_code
from spec.typecheck import check
from spec.values import EncodeError, show

from checker.core.exits import EXIT_HOLDS, EXIT_VIOLATED
from checker.core.kinds import Kind
from checker.core.result import Trace, TraceStep
from checker.traces.itf import ITFError, from_itf, read_document, step_labels, trace_document
from checker.reports.console import console
from checker.reports.formats import write_file

try:
    import readline   # line editing, history and completion for cmd's input()
except ImportError:   # pragma: no cover - a Python built without it
    readline = None

HISTORY = "~/.syncproof_history"   # SYNCPROOF_HISTORY names another file; empty: no history kept
HISTORY_LINES = 1000
_CALL = re.compile(r"^\s*(\w+)\s*(?:\((.*)\))?\s*$", re.S)


@dataclasses.dataclass
class Step:
    """A state of the walk and how it was reached (no action for an initial state)."""

    state: list[int]
    action: str | None = None
    params: dict = dataclasses.field(default_factory=dict)     # name -> plain value
    choices: tuple = ()                           # (name, plain value) of each `choose`


@dataclasses.dataclass
class Transition:
    """A way out of the current state: an action instance, its choices, where it leads (or why it fails)."""

    action: str
    params: dict
    choices: tuple
    target: list[int] | ModelError

    @property
    def label(self) -> str:
        args = ", ".join(f"{k}={show(v)}" for k, v in self.params.items())
        text = f"{self.action}({args})" if self.params else self.action
        if self.choices:
            text += " choosing " + ", ".join(f"{k}={show(v)}" for k, v in self.choices)
        return text


class Session:
    """The model, the walk and where we are on it."""

    def __init__(self, path: str, consts: list[str], seed: int | None = None):
        self.path = path
        self.model = load(path, consts)
        self.modules = load_modules(path)
        self.overrides = {o.name: o for o in map(parse_const_option, consts)}
        self.interp = Interp(self.model)
        self.inits = self.interp.init_states()
        self.walk = [Step(self.inits[0])]
        self.pos = 0
        self.rng = random.Random(seed)

    @property
    def state(self) -> list[int]:
        return self.walk[self.pos].state

    def plain(self, state: list[int]) -> dict:
        return {v.name: ir.decode_value(v.type, from_code(code, v.type)) for v, code in zip(self.model.vars, state)}

    def transitions(self) -> list[Transition]:
        out = []
        for action in self.model.actions:
            names = {p.id: p for p in action.params}
            for env, choices, target in self.interp.successors(action, self.state):
                params = {names[i].name: ir.decode_value(names[i].type, v) for i, v in env.items()}
                out.append(Transition(action.name, params, tuple(choices or ()), target))
        return out

    def take(self, t: Transition) -> None:
        """Move along `t`; what the walk held after the current state is dropped."""
        if isinstance(t.target, ModelError):
            raise t.target
        self.walk = self.walk[:self.pos + 1] + [Step(t.target, t.action, t.params, t.choices)]
        self.pos += 1

    def evaluate(self, text: str) -> str:
        """The value of an expression in the current state, in the language's syntax."""
        try:
            extra = parse(f"model __repl def __repl_value =\n{text}\n", "<expression>")
            model = check(self.modules + [extra], self.overrides)
        except SpecError as exc:
            raise SpecError([_in_expression(d, text) for d in exc.diagnostics]) from None
        body = model.defs["__repl_value"].body
        return show(ir.decode_value(body.type, Interp(model).eval(body, {}, self.state)))

    def load_trace(self, path: str) -> int:
        """Replace the walk by the states of an ITF trace; the number of states."""
        doc = read_document(path)
        walk = []
        for i, st in enumerate(doc["states"]):
            codes = []
            for v in self.model.vars:
                if v.name not in st:
                    raise ITFError(f"states[{i}]: variable '{v.name}' is missing", path)
                plain = from_itf(v.type, st[v.name], f"states[{i}].{v.name}")
                try:
                    codes.append(to_code(ir.encode_value(v.type, plain), v.type))
                except EncodeError as exc:
                    raise ITFError(f"states[{i}].{v.name}: {exc}", path) from None
            action, params = step_labels(st)
            walk.append(Step(codes, action if i else None, self._params(action, params) if i else {}))
        if not walk:
            raise ITFError("the trace has no states", path)
        self.walk, self.pos = walk, 0
        return len(walk)

    def _params(self, action: str | None, params) -> dict:
        """A trace's parameters of a step as plain values (as recorded, when the model has no such action)."""
        declared = next((a for a in self.model.actions if a.name == action), None)
        if declared is None or not isinstance(params, dict):
            return {}
        return {p.name: from_itf(p.type, params[p.name], p.name) for p in declared.params if p.name in params}

    def save_trace(self, path: str) -> None:
        """The walk up to the current state as an ITF trace."""
        steps = [TraceStep(self.plain(s.state), s.action, s.params, s.choices) for s in self.walk[:self.pos + 1]]
        trace = Trace(self.model.name, "repl", Kind.INVARIANT, steps, message="a walk taken in syncproof repl")
        doc = trace_document(trace, self.path, verdict="walk")
        write_file(path, json.dumps(doc, indent=2) + "\n")


class Repl(cmd.Cmd):
    """The commands; a line that is no command is an expression to evaluate."""

    doc_header = "commands (help COMMAND for more; any other line is an expression to evaluate):"

    def __init__(self, session: Session, stdin=None, stdout=None):
        super().__init__(stdin=stdin, stdout=stdout)
        self.s = session
        self.shown: list[Transition] = []   # the transitions `actions` numbered last
        self.shown_in: list[int] | None = None   # the state they leave

    # -- the prompt and the output

    @property
    def prompt(self) -> str:
        return f"{self.s.model.name} [{self.s.pos}/{len(self.s.walk) - 1}]> "

    def say(self, text: str = "") -> None:
        self.stdout.write(text + "\n")

    def onecmd(self, line: str) -> bool:
        """A command; a diagnostic, a run-time error or a bad trace is said, never raised."""
        try:
            return super().onecmd(line)
        except SpecError as exc:
            self.say("\n".join(d.render() for d in exc.diagnostics))
        except ModelError as exc:
            self.say(f"error: {exc.message}")
        except ITFError as exc:
            self.say(f"error[E605]: {exc}")
        except OSError as exc:
            self.say(f"error: {exc.strerror or exc}: {exc.filename or ''}")
        return False

    def emptyline(self) -> bool:
        return False   # not the last command again: a stray Enter must not take a step

    def default(self, line: str) -> bool:
        if line.strip() in ("EOF", "exit"):
            return True
        self.say(self.s.evaluate(line))
        return False

    # -- looking

    def do_state(self, arg: str) -> None:
        """state: the current state, and the step that reached it."""
        step = self.s.walk[self.s.pos]
        if step.action is None:
            self.say(f"state {self.s.pos} (initial, 1 of {len(self.s.inits)})")
        else:
            self.say(f"state {self.s.pos}, after {Transition(step.action, step.params, step.choices, []).label}")
        for name, value in self.s.plain(self.s.state).items():
            self.say(f"  {name} = {show(value)}")

    def do_eval(self, arg: str) -> None:
        """eval EXPR: the value of an expression in the current state (a line that is no command is one too)."""
        self.say(self.s.evaluate(arg))

    def do_actions(self, arg: str) -> None:
        """actions: the steps enabled in the current state, numbered for `step N`."""
        self.show(self.s.transitions())
        if not self.shown:
            self.say("no action is enabled: a deadlock")
        for i, t in enumerate(self.shown, 1):
            fails = f"  (fails: {t.target.message})" if isinstance(t.target, ModelError) else ""
            self.say(f"  {i}. {t.label}{fails}")

    def do_invariants(self, arg: str) -> None:
        """invariants: each invariant's verdict in the current state."""
        for inv in self.s.model.invariants:
            try:
                verdict = "holds" if self.s.interp.invariant_holds(inv, self.s.state) else "VIOLATED"
            except ModelError as exc:
                verdict = f"error: {exc.message}"
            self.say(f"  {inv.name}: {verdict}")

    def do_trace(self, arg: str) -> None:
        """trace: the walk, the current state marked."""
        for i, step in enumerate(self.s.walk):
            here = ">" if i == self.s.pos else " "
            what = "(initial)" if step.action is None else Transition(step.action, step.params, step.choices, []).label
            self.say(f"{here} {i}. {what}")

    # -- moving

    def do_step(self, arg: str) -> None:
        """step N | step ACTION(ARGS): take a step; N numbers `actions`, ARGS are values in order, or name=value."""
        chosen = self.pick(arg)
        if chosen is not None:
            self.s.take(chosen)
            self.do_state("")

    def pick(self, arg: str) -> Transition | None:
        transitions = self.s.transitions()
        if arg.strip().isdigit():
            n = int(arg)
            listed = self.shown if self.shown_in == self.s.state else transitions
            if not 1 <= n <= len(listed):
                self.say(f"no step {n}: `actions` lists {len(listed)}")
                return None
            return listed[n - 1]
        m = _CALL.match(arg)
        if not m:
            self.say("write step N or step ACTION(ARGS)")
            return None
        name, args = m.group(1), [a.strip() for a in (m.group(2) or "").split(",") if a.strip()]
        matches = [t for t in transitions if t.action == name and _args_match(t, args)]
        if len(matches) == 1:
            return matches[0]
        if not matches:
            known = {a.name for a in self.s.model.actions}
            self.say(f"{name} is not enabled here with these parameters" if name in known else f"no action {name}")
        else:
            self.show(matches)
            self.say(f"{len(matches)} steps match; take one by its number:")
            for i, t in enumerate(matches, 1):
                self.say(f"  {i}. {t.label}")
        return None

    def show(self, transitions: list[Transition]) -> None:
        """Number these transitions for `step N` (in this state only)."""
        self.shown, self.shown_in = transitions, self.s.state

    def do_random(self, arg: str) -> None:
        """random: take a step chosen at random among those that do not fail."""
        ok = [t for t in self.s.transitions() if not isinstance(t.target, ModelError)]
        if not ok:
            self.say("no action is enabled: a deadlock")
            return
        t = self.s.rng.choice(ok)
        self.say(f"took {t.label}")
        self.s.take(t)

    def do_back(self, arg: str) -> None:
        """back: the state before (the walk is kept: `next` comes back)."""
        if self.s.pos == 0:
            self.say("at the first state")
            return
        self.s.pos -= 1
        self.do_state("")

    def do_next(self, arg: str) -> None:
        """next: the next state of the walk (after `back`, or in a loaded trace)."""
        if self.s.pos + 1 >= len(self.s.walk):
            self.say("at the last state of the walk")
            return
        self.s.pos += 1
        self.do_state("")

    def do_init(self, arg: str) -> None:
        """init [N]: start again from the N-th initial state (the first by default)."""
        n = int(arg) if arg.strip().isdigit() else 1
        if not 1 <= n <= len(self.s.inits):
            self.say(f"the model has {len(self.s.inits)} initial states")
            return
        self.s.walk, self.s.pos = [Step(self.s.inits[n - 1])], 0
        self.do_state("")

    # -- traces

    def do_load(self, arg: str) -> None:
        """load TRACE: walk the states of an ITF trace (next, back) from its first."""
        count = self.s.load_trace(arg.strip())
        self.say(f"loaded {count} states")
        self.do_state("")

    def do_save(self, arg: str) -> None:
        """save FILE: the walk up to the current state as an ITF trace (`syncproof replay` reads it)."""
        self.s.save_trace(arg.strip())
        self.say(f"wrote {self.s.pos + 1} states to {arg.strip()}")

    def do_quit(self, arg: str) -> bool:
        """quit: leave (so does Ctrl-D)."""
        return True

    do_exit = do_quit

    def do_EOF(self, arg: str) -> bool:  # noqa: N802 - the name cmd gives end of input
        self.say()
        return True

    # -- completion

    def complete_step(self, text: str, line: str, begidx: int, endidx: int) -> list[str]:
        return [a.name for a in self.s.model.actions if a.name.startswith(text)]

    def completedefault(self, text: str, line: str, begidx: int, endidx: int) -> list[str]:
        names = ([v.name for v in self.s.model.vars] + list(self.s.model.defs) + list(self.s.model.consts))
        return sorted(n for n in set(names) if n.startswith(text) and not n.startswith("__"))

    complete_eval = completedefault

    def complete_load(self, text: str, line: str, begidx: int, endidx: int) -> list[str]:
        return [p + ("/" if os.path.isdir(p) else "") for p in glob.glob(glob.escape(text) + "*")]

    complete_save = complete_load


def _in_expression(d: Diagnostic, text: str) -> Diagnostic:
    """A diagnostic in the typed expression, pointing into it (not into the `def` it was wrapped in)."""
    sp = d.span
    if sp is None or sp.source.name != "<expression>" or sp.line < 2:
        return d
    return dataclasses.replace(d, span=Span(Source("<expression>", text), sp.line - 1, sp.col, sp.end_line - 1,
                                            sp.end_col))


def _args_match(t: Transition, args: list[str]) -> bool:
    """`step A(x, y)` or `step A(p=x, q=y)`: the arguments as the values are shown."""
    if not args:
        return True
    if all("=" in a for a in args):
        given = dict(tuple(s.strip() for s in a.split("=", 1)) for a in args)
        return all(k in t.params and show(t.params[k]) == v for k, v in given.items())
    return [show(v) for v in t.params.values()] == args


def run(args) -> int:
    try:
        session = Session(args.model, args.const, args.seed)
    except ModelError as exc:   # as `check` reports it: a run-time violation, exit 1
        console(stderr=True).print(f"{args.model}: init fails: {exc.message}; there is no state to start from",
                                   markup=False, highlight=False)
        return EXIT_VIOLATED
    repl = Repl(session)
    history = _history_file()
    _read_history(history)
    repl.say(f"{session.model.name}: {len(session.model.vars)} variables, {len(session.model.actions)} actions, "
             f"{len(session.inits)} initial state(s). help lists the commands; an expression is evaluated.")
    repl.do_state("")
    try:
        while True:
            try:
                repl.cmdloop()
                break
            except KeyboardInterrupt:   # Ctrl-C drops the line (or a long evaluation), not the session
                repl.say("\n(interrupted: quit or Ctrl-D leaves)")
    finally:
        _write_history(history)
    return EXIT_HOLDS


def _history_file() -> Path | None:
    name = os.environ.get("SYNCPROOF_HISTORY", HISTORY)
    return Path(name).expanduser() if name else None


def _read_history(path: Path | None) -> None:
    """Lines typed in earlier sessions, for the arrow keys and Ctrl-R."""
    if readline is None:   # pragma: no cover
        return
    readline.set_history_length(HISTORY_LINES)
    if path is not None and path.is_file():
        try:
            readline.read_history_file(path)
        except OSError:
            pass


def _write_history(path: Path | None) -> None:
    if readline is None or path is None:   # pragma: no cover
        return
    try:
        readline.write_history_file(path)
    except OSError:
        pass
