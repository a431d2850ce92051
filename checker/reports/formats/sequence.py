"""Who sent what to whom: a trace as a sequence diagram, in Mermaid text and as inline SVG.

A trace records states and the action that led to each, not messages, so the
messages are read off the states (docs/ci.md, "Sequence diagrams"). What the
model declares comes first (`Structure`, read from its `process` and
`channel` declarations); a heuristic fills in only what it does not say.

- Lifelines. In a model with `process P[n in S]` declarations, the
  processes are the members of their index sets S, and nothing else: a
  step of a process's action is taken by the member its index parameter
  names; a step of an action outside every process is the environment's
  (`env`), unless a parameter named from/src/sender holds a process. A
  model without processes has no declared parties, so they are guessed as
  TLA+ specifications suggest: the members of every constant set of model
  values are processes; a step is taken by a from/src/sender parameter;
  else by the acronym its action starts with (`TMCommit` -> `TM`), unless
  that is the set of one of its process parameters; else by its first
  process parameter that is not a destination (to/dst/receiver...); else
  by the action itself (in `SendData` / `ReceiveData` style models).
- Channels are the declared `channel`s (a sequence, or a bag with
  `reordering`), and variables outside every process that hold messages:
  a set or sequence of tagged union values, records or tuples (or of
  anything, when the name says so: msgs, inbox, network...), a bag, or a
  map from processes to such collections (one inbox per process). A
  variable declared inside a process is that replica's state, never a
  channel.
- A message that appears in a channel is sent by the step's actor: to the
  inbox's process, to the process in a to/dst/receiver field of the
  message (when that is not the sender itself), or otherwise into the
  channel (a lifeline of its own: a pool that anyone may read). A message
  that leaves a channel is received by the step's actor (or the inbox's
  process). Messages in a pool that never shrinks (a set of sent messages,
  as in TLA+ specs) are received by a step whose action name says it
  receives (Rcv, Recv, Receive, Deliver, Handle...) and contains the
  message's tag, when the message names none of the processes or one the
  step is about.
- The fault transitions of a channel (`lose_net`, `duplicate_net`) are not
  parties: a lost or duplicated message is a marker on the lifeline of the
  process that sent it.
- Any other step is a note over its actor, so the diagram numbers steps as
  the trace table does. A trace with no message at all has no diagram.

Mermaid ids are generated (P0, P1, ...), the names are aliases, and the SVG
is drawn here in Python, so the HTML report needs nothing from a network.
Its layout measures every label (a monospace font of known width), keeps
each event and the lasso's "repeat for ever" label on rows of their own,
and sizes the picture to hold them all.
"""

from __future__ import annotations

import html
import re
import weakref
from dataclasses import dataclass, field

from spec import ast
from spec import values as V
from spec.diagnostics import SpecError
from spec.parser import parse

from checker.core.result import Trace
from checker.reports.steps import failing_step_text, step_label

ENV = "env"
STUTTER = "(stutter)"
RECEIVE_WORDS = re.compile(r"(Rcv|Recv|Receive|Deliver|Handle|Consume|Accept|Process|Get|On)(?=[A-Z_0-9]|$)")
CHANNEL_NAME = re.compile(r"(msg|message|mail|inbox|outbox|chan|network|^net|net$|packet|wire)", re.I)
TO_FIELDS = frozenset({"to", "dst", "dest", "destination", "receiver", "recipient", "target"})
FROM_FIELDS = frozenset({"from", "src", "source", "sender", "origin"})
ACRONYM = re.compile(r"^([A-Z]{2,})(?=[A-Z][a-z0-9]|$)")
FAULT_ACTIONS = {"loss": "lose_{}", "duplication": "duplicate_{}"}   # the actions spec.desugar adds per fault
MARKERS = ("lost", "duplicated")


@dataclass
class Event:
    step: int
    kind: str              # send | receive | handle (a received direct message) | local | lost | duplicated
    src: str
    dst: str | None        # None for a note (or a marker) on src
    text: str
    channel: str | None = None
    toward: str | None = None   # a marker: the lifeline the message was going to, if it is drawn


@dataclass
class Diagram:
    participants: list[str]
    kinds: dict                    # participant -> role | process | channel | env
    events: list[Event]
    steps: int
    loop: int | None = None        # the lasso: states after this one repeat for ever
    failing: str | None = None     # a failing last step, in words
    channels: list[str] = field(default_factory=list)


# ---- what the model declares -------------------------------------------------------------

@dataclass(frozen=True)
class Structure:
    """The model's own answer to "who talks to whom": its process and channel declarations."""

    process_params: dict = field(default_factory=dict)   # action of a process -> its index parameter (n)
    process_sets: tuple = ()                             # the index sets (NODES), in declaration order
    local_vars: frozenset = frozenset()                  # variables declared inside a process
    channels: dict = field(default_factory=dict)         # declared channel -> bag | fifo
    faults: dict = field(default_factory=dict)           # fault action -> (channel, loss | duplication)


NO_STRUCTURE = Structure()
_STRUCTURES: "weakref.WeakKeyDictionary" = weakref.WeakKeyDictionary()


def structure_of(model) -> Structure:
    """The process and channel declarations of a checked model, read from its source files (the
    IR has them expanded into maps and actions). Models are read once."""
    if model is None:
        return NO_STRUCTURE
    try:
        return _STRUCTURES[model]
    except (KeyError, TypeError):
        pass
    out = _read_structure(model)
    try:
        _STRUCTURES[model] = out
    except TypeError:
        pass
    return out


def _read_structure(model) -> Structure:
    actions = {a.name for a in model.actions}
    params, sets, local, channels, faults = {}, [], set(), {}, {}
    for name, text in (getattr(model, "sources", None) or {}).items():
        try:
            module = parse(text, name)
        except (SpecError, RecursionError):  # it loaded, so it parses; but a picture is not worth failing for
            continue
        for d in module.decls:
            if isinstance(d, ast.Process):
                if d.domain not in sets:
                    sets.append(d.domain)
                for item in d.items:
                    if isinstance(item, ast.Action) and item.name in actions:
                        params[item.name] = d.var
                    elif isinstance(item, ast.Var):
                        local.update(n for n, _ in item.names)
            elif isinstance(d, ast.Channel):
                kinds = [f for f, _ in d.faults]
                channels[d.name] = "bag" if "reordering" in kinds else "fifo"
                for f in kinds:
                    action = FAULT_ACTIONS.get(f, "").format(d.name)
                    if action in actions:
                        faults[action] = (d.name, f)
    return Structure(params, tuple(sets), frozenset(local), channels, faults)


# ---- reading a trace ----------------------------------------------------------------------

def processes_of(trace: Trace, structure: Structure = NO_STRUCTURE) -> dict:
    """process -> the name of its set: the members of the declared process index sets, or, in a
    model without processes, of every constant set of model values."""
    out = {}
    if structure.process_sets:
        for name in structure.process_sets:
            value = trace.constants.get(name)
            if isinstance(value, (frozenset, set)):
                for x in value:
                    out.setdefault(x, name)
        for step in trace.steps:       # an index set that is a type, not a constant: its members at work
            binder = structure.process_params.get(step.action)
            if binder in step.params:
                out.setdefault(step.params[binder], "")
        return out
    for name, value in trace.constants.items():
        if isinstance(value, (frozenset, set)) and value and all(isinstance(x, V.Sym) for x in value):
            for x in value:
                out.setdefault(x, name)
    return out


def _message_like(v) -> bool:
    return isinstance(v, (V.Variant, V.Rec)) or (isinstance(v, tuple) and not isinstance(v, V.SeqVal))


def _collection(v) -> bool:
    return isinstance(v, (frozenset, set, V.SeqVal))


def channels_of(trace: Trace, processes: dict, structure: Structure = NO_STRUCTURE) -> dict:
    """variable -> pool | fifo | bag | inbox, for the variables that carry messages."""
    out = {}
    for name in (trace.steps[0].state if trace.steps else {}):
        if name in structure.channels:
            out[name] = structure.channels[name]
            continue
        if name in structure.local_vars:  # a replica's own state
            continue
        values = [st.state[name] for st in trace.steps if name in st.state]
        named = bool(CHANNEL_NAME.search(name))
        first = values[0] if values else None
        if all(_is_bag(v) for v in values) and values:
            out[name] = "bag"
        elif _collection(first):
            elems = [x for v in values for x in v]
            if (elems and all(_message_like(x) for x in elems)) or named:
                out[name] = "fifo" if isinstance(first, V.SeqVal) else "pool"
        elif isinstance(first, V.MapVal) and first.items and all(k in processes for k, _ in first.items):
            inner = [x for v in values for _, c in v.items if _collection(c) for x in c]
            if all(_collection(c) for _, c in first.items) and ((inner and all(_message_like(x) for x in inner))
                                                                or named):
                out[name] = "inbox"
    return out


def _is_bag(v) -> bool:
    """A channel `with reordering`: a map from messages to how many are in transit."""
    return isinstance(v, V.MapVal) and bool(v.items) and all(
        _message_like(k) and type(c) is int for k, c in v.items)


def _diff(old, new) -> tuple[list, list]:
    """(added, removed) elements between two sets, sequences or bags. A sequence is read as a
    queue (taken at the head, appended at the tail) unless losing or adding elements anywhere
    explains the change with fewer of them (a message lost from the middle of a channel)."""
    if isinstance(new, V.MapVal) and isinstance(old, V.MapVal):
        olds = dict(old.items)
        added, removed = [], []
        for k, c in new.items:
            d = c - olds.get(k, 0)
            (added if d > 0 else removed).extend([k] * abs(d))
        return added, removed
    if isinstance(new, V.SeqVal) and isinstance(old, V.SeqVal):
        best = None
        for k in range(len(old) + 1):
            rest = tuple(old[k:])
            if tuple(new[:len(rest)]) == rest:
                best = (list(new[len(rest):]), list(old[:k]))
                break
        added, removed = list(new), list(old)
        for x in list(added):
            if x in removed:
                removed.remove(x)
                added.remove(x)
        if best is None or len(added) + len(removed) < len(best[0]) + len(best[1]):
            return added, removed
        return best
    return [x for x in new if x not in old], [x for x in old if x not in new]


def _fields(m) -> list[tuple[str, object]]:
    if isinstance(m, (V.Variant, V.Rec)):
        return list(m.fields)
    return []


def _procs_in(value, processes: dict) -> list:
    out = []
    if isinstance(value, V.Sym):
        if value in processes:
            out.append(value)
    elif isinstance(value, (V.Variant, V.Rec)):
        for _, v in value.fields:
            out += _procs_in(v, processes)
    elif isinstance(value, V.Some):
        out += _procs_in(value.value, processes)
    elif isinstance(value, (tuple, frozenset, set)):
        for v in value:
            out += _procs_in(v, processes)
    return out


def _field_proc(m, names, processes: dict):
    for k, v in _fields(m):
        if k.lower() in names and isinstance(v, V.Sym) and v in processes:
            return str(v)
    return None


def actor_of(step, processes: dict, structure: Structure = NO_STRUCTURE) -> str:
    """Who takes a step (see the module docstring)."""
    binder = structure.process_params.get(step.action)
    if binder is not None and binder in step.params:
        return V.show(step.params[binder])
    procs = [(k, v) for k, v in step.params.items() if isinstance(v, V.Sym) and v in processes]
    for k, v in procs:
        if k.lower() in FROM_FIELDS:
            return str(v)
    if structure.process_sets:  # the model says who its processes are; this action is none of theirs
        return ENV
    m = ACRONYM.match(step.action or "")
    if m:
        own = [v for _, v in procs if processes[v] == m.group(1)]
        if own:
            return str(own[0])
        return m.group(1)
    senders = [v for k, v in procs if k.lower() not in TO_FIELDS]
    if senders:
        return str(senders[0])
    if procs and RECEIVE_WORDS.search(step.action or ""):
        return str(procs[0][1])
    return step.action or ENV


def _tag(m) -> str | None:
    return m.tag if isinstance(m, V.Variant) else None


def sequence(trace: Trace, model=None) -> Diagram | None:
    """The diagram of a trace (of `model`, whose declarations say who its processes and channels
    are), or None when no message passes in it."""
    if len(trace.steps) < 2:
        return None
    structure = structure_of(model)
    processes = processes_of(trace, structure)
    channels = channels_of(trace, processes, structure)
    if not channels:
        return None
    faults = structure.faults if model is not None else {
        FAULT_ACTIONS[f].format(c): (c, f) for c in channels for f in FAULT_ACTIONS}  # the desugarer's names
    events: list[Event] = []
    sent_to: dict = {}                  # (channel, message) -> (sender, known destination or None)
    for i in range(1, len(trace.steps)):
        step, old, new = trace.steps[i], trace.steps[i - 1].state, trace.steps[i].state
        if step.action in faults:
            events += _fault(i, step, faults[step.action], old, new, sent_to)
            continue
        if step.action == STUTTER:
            events.append(Event(i, "local", "", None, "nothing changes (stutter)"))
            continue
        actor = actor_of(step, processes, structure)
        events += _messages(i, step, actor, old, new, channels, processes, sent_to) or [
            Event(i, "local", actor, None, step_label(step))]
    if not any(e.kind not in ("local",) + MARKERS for e in events):
        return None
    failing = failing_step_text(trace) if trace.error_step is not None else None
    parts, kinds = _participants(events, processes, channels)
    for e in events:
        if not e.src:                   # a stutter: over the first lifeline
            e.src = parts[0]
    used = [c for c in channels if c in kinds]
    return Diagram(parts, kinds, events, len(trace.steps) - 1, trace.loop, failing, used)


def _messages(i, step, actor, old, new, channels, processes, sent_to) -> list[Event]:
    mine: list[Event] = []
    for var, kind in channels.items():
        if var not in old or var not in new:
            continue
        if kind == "inbox":
            olds = dict(old[var].items)
            for key, box in new[var].items:
                added, removed = _diff(olds.get(key, type(box)()), box)
                for msg in added:
                    mine.append(_send(i, actor, msg, str(key), var, processes, sent_to))
                for msg in removed:
                    mine.append(_receive(i, str(key), msg, var, sent_to))
            continue
        added, removed = _diff(old[var], new[var])
        for msg in added:
            dst = _field_proc(msg, TO_FIELDS, processes)
            if dst == actor:  # "to" names the sender itself: what the message is about, not where it goes
                dst = None
            mine.append(_send(i, actor, msg, dst, var, processes, sent_to))
        for msg in removed:
            mine.append(_receive(i, actor, msg, var, sent_to))
        if kind == "pool" and not removed and RECEIVE_WORDS.search(step.action or ""):
            mine += _named_receipts(i, step, actor, old[var], var, processes, sent_to)
    return mine


def _fault(i, step, fault, old, new, sent_to) -> list[Event]:
    """A channel's fault: a marker on the lifeline of each message's sender, not a party."""
    channel, what = fault
    if channel not in old or channel not in new:
        return [Event(i, "local", "", None, step_label(step))]
    added, removed = _diff(old[channel], new[channel])
    kind, msgs = ("lost", removed) if what == "loss" else ("duplicated", added)
    out = []
    for msg in msgs:
        src, dst = sent_to.get((channel, msg), (None, None))
        at = src or dst or channel
        out.append(Event(i, kind, at, None, f"{kind} in {channel}: {V.show(msg)}", channel,
                         toward=dst if at != dst else None))
    return out or [Event(i, "local", channel, None, step_label(step), channel)]


def _send(i, actor, msg, dst, var, processes, sent_to) -> Event:
    src = actor
    if src == ENV:
        src = _field_proc(msg, FROM_FIELDS, processes) or src
    sent_to[(var, msg)] = (src, dst)
    if dst is None:
        return Event(i, "send", src, var, V.show(msg), var)
    return Event(i, "send", src, dst, V.show(msg), var)


def _receive(i, receiver, msg, var, sent_to) -> Event:
    src, dst = sent_to.get((var, msg), (None, None))
    if dst is not None:  # a direct message: its arrow was drawn when it was sent
        return Event(i, "handle", receiver, None, f"receives {V.show(msg)}", var)
    return Event(i, "receive", var, receiver, V.show(msg), var)


def _named_receipts(i, step, actor, pool, var, processes, sent_to) -> list[Event]:
    about = {str(v) for v in step.params.values() if isinstance(v, V.Sym)} | {actor}
    out = []
    for msg in pool:
        tag = _tag(msg)
        if not tag or tag not in step.action:
            continue
        named = {str(p) for p in _procs_in(msg, processes)}
        if named and not (named & about):
            continue
        out.append(_receive(i, actor, msg, var, sent_to))
    return out


def _participants(events: list[Event], processes: dict, channels: dict):
    seen: list[str] = []
    for e in events:
        for p in (e.src, e.dst):
            if p and p not in seen:
                seen.append(p)
    order = {V.show(v): k for k, v in enumerate(sorted(processes, key=_order_key(processes)))}
    roles = [p for p in seen if p not in order and p not in channels]
    chans = [p for p in seen if p in channels]
    procs = sorted((p for p in seen if p in order), key=lambda p: order[p])
    kinds = {p: ("env" if p == ENV else "role") for p in roles}
    kinds.update({p: "channel" for p in chans})
    kinds.update({p: "process" for p in procs})
    return roles + chans + procs, kinds


def _order_key(processes: dict):
    """Processes by their set (in the order sets are met), then by value."""
    sets = list(dict.fromkeys(processes.values()))
    return lambda v: (sets.index(processes[v]), type(v).__name__, V.show(v))


# ---- Mermaid ------------------------------------------------------------------------------

def _mm(text: str) -> str:
    """Text Mermaid shows as is: ';' and '#' would end or escape a statement."""
    return re.sub(r"[;#]", lambda m: {";": "#59;", "#": "#35;"}[m.group(0)], text).replace("\n", " ")


def mermaid(d: Diagram) -> str:
    ids = {p: f"P{k}" for k, p in enumerate(d.participants)}
    lines = ["sequenceDiagram"]
    for p in d.participants:
        shown = f"{p} (channel)" if d.kinds[p] == "channel" else p
        lines.append(f"    participant {ids[p]} as {_mm(shown)}")
    in_loop = False
    for e in d.events:
        if d.loop is not None and e.step > d.loop and not in_loop:
            lines.append(f"    loop steps {d.loop + 1} to {d.steps} repeat for ever")
            in_loop = True
        pad = "        " if in_loop else "    "
        label = _mm(f"{e.step}. {'✕ ' if e.kind == 'lost' else ''}{e.text}")
        if e.kind in MARKERS:
            lines.append(f"{pad}Note over {ids[e.src]}: {label}")
        elif e.dst is None:
            lines.append(f"{pad}Note over {ids[e.src]}: {label}")
        else:
            lines.append(f"{pad}{ids[e.src]}->>{ids[e.dst]}: {label}")
    if in_loop:
        lines.append("    end")
    if d.failing:
        last = d.events[-1].src if d.events else d.participants[0]
        lines.append(f"    Note over {ids[last]}: {_mm(d.failing)}")
    return "\n".join(lines) + "\n"


# ---- SVG ----------------------------------------------------------------------------------

CHAR_W = 7.3          # width of a character of the 12px monospace font, with a margin
ROW_H = 30
TOP = 12
HEAD_H = 28
MIN_GAP = 120
MARGIN = 12           # around the drawing
NOTE_PAD = 6          # text to the edge of its box
STUB = 30             # a marker's arrow, from the lifeline to its cross
CROSS = 5             # half the size of the cross


def _w(text: str) -> float:
    return len(text) * CHAR_W


def _head_w(p: str) -> float:
    return max(_w(p) + 24, 70)


def _gaps(d: Diagram) -> list[float]:
    """Distances between neighbouring lifelines: heads side by side, every arrow's label between
    its ends."""
    n = len(d.participants)
    gaps = [max(MIN_GAP, (_head_w(d.participants[k]) + _head_w(d.participants[k + 1])) / 2 + 16)
            for k in range(n - 1)]
    col = {p: k for k, p in enumerate(d.participants)}
    for e in d.events:
        if e.dst is None or e.dst == e.src:
            continue
        a, b = sorted((col[e.src], col[e.dst]))
        need = _w(f"{e.step}. {e.text}") + 24
        have = sum(gaps[a:b])
        if have < need:
            for k in range(a, b):
                gaps[k] += (need - have) / (b - a)
    return gaps


@dataclass
class _Row:
    """One row of the drawing: an event, the lasso's label, or the failing step."""

    kind: str                 # event | loop | failing
    x0: float                 # its extent, in lifeline coordinates (the first lifeline at 0)
    x1: float
    event: Event | None = None
    label: str = ""
    side: int = 1             # a marker: the side its arrow points to


def _event_row(e: Event, x_of: dict) -> _Row:
    label = f"{e.step}. {e.text}"
    xa = x_of[e.src]
    if e.kind in MARKERS:
        side = -1 if e.toward in x_of and x_of[e.toward] < xa else 1
        reach = STUB + CROSS + 6 + _w(label)
        return _Row("event", min(xa, xa + side * reach), max(xa, xa + side * reach), e, label, side)
    if e.dst is None:
        half = _w(label) / 2 + NOTE_PAD
        return _Row("event", xa - half, xa + half, e, label)
    if e.dst == e.src:
        return _Row("event", xa, xa + 34 + _w(label), e, label)
    xb = x_of[e.dst]
    mid = (xa + xb) / 2
    return _Row("event", min(xa, xb, mid - _w(label) / 2), max(xa, xb, mid + _w(label) / 2), e, label)


def _rows(d: Diagram, x_of: dict) -> list[_Row]:
    rows = []
    for e in d.events:
        if d.loop is not None and e.step > d.loop and not any(r.kind == "loop" for r in rows):
            label = f"loop: steps {d.loop + 1} to {d.steps} repeat for ever"
            rows.append(_Row("loop", 0, 0, None, label))   # placed at the frame's left edge, below
        rows.append(_event_row(e, x_of))
    if d.failing:
        who = d.events[-1].src if d.events else d.participants[0]
        half = _w(d.failing) / 2 + NOTE_PAD
        rows.append(_Row("failing", x_of[who] - half, x_of[who] + half, None, d.failing))
    return rows


def svg(d: Diagram, uid: str = "seq") -> str:
    """The diagram as a standalone <svg> element (inline styles only)."""
    gaps = _gaps(d)
    rel = [0.0]
    for g in gaps:
        rel.append(rel[-1] + g)
    rel_x = dict(zip(d.participants, rel))
    rows = _rows(d, rel_x)
    gutter = MARGIN + _w(str(d.steps)) + 10             # step numbers, left of everything
    lo = min([rel_x[p] - _head_w(p) / 2 for p in d.participants] + [r.x0 for r in rows if r.kind != "loop"])
    shift = gutter - lo
    x_of = {p: x + shift for p, x in rel_x.items()}
    frame_x = gutter - 6                                 # the loop's frame starts right after the gutter
    for r in rows:
        if r.kind == "loop":
            r.x0, r.x1 = frame_x + 6, frame_x + 6 + _w(r.label)
        else:
            r.x0, r.x1 = r.x0 + shift, r.x1 + shift
    hi = max([x_of[p] + _head_w(p) / 2 for p in d.participants] + [r.x1 for r in rows])
    width = int(hi + MARGIN + 1)
    y0 = TOP + HEAD_H + 16
    height = int(y0 + len(rows) * ROW_H + 16)
    out = _svg_open(d, uid, width, height)
    out += _lifelines(d, x_of, height)
    out += _loop_frame(d, rows, y0, frame_x, width)
    for k, r in enumerate(rows):
        y = y0 + k * ROW_H
        if r.kind == "event":
            out += _draw_event(r, x_of, y, uid)
        elif r.kind == "failing":
            out += _note(r.x0, r.x1, y, r.label, "#fee2e2", "#b91c1c", "#991b1b")
    out.append('</svg>')
    return "\n".join(out)


def _svg_open(d: Diagram, uid: str, width: int, height: int) -> list[str]:
    esc = html.escape
    return [f'<svg xmlns="http://www.w3.org/2000/svg" class="seq" width="{width}" height="{height}" '
            f'viewBox="0 0 {width} {height}" role="img" aria-labelledby="{uid}-title" '
            f'font-family="ui-monospace, SFMono-Regular, Menlo, Consolas, monospace" font-size="12">',
            f'<title id="{uid}-title">sequence diagram: {len(d.events)} events between '
            f'{esc(", ".join(d.participants))}</title>',
            '<defs>'
            f'<marker id="{uid}-arrow" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="8" markerHeight="8" '
            'orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" fill="#1f2937"/></marker>'
            '</defs>']


def _lifelines(d: Diagram, x_of: dict, height: int) -> list[str]:
    out = []
    for p in d.participants:
        x, w = x_of[p], _head_w(p)
        fill = {"channel": "#eef6ff", "process": "#f4f4f5", "role": "#fff7e6", "env": "#f4f4f5"}[d.kinds[p]]
        out.append(f'<line x1="{x:.1f}" y1="{TOP + HEAD_H}" x2="{x:.1f}" y2="{height - 8}" stroke="#9ca3af" '
                   'stroke-dasharray="4 4"/>')
        out.append(f'<rect class="head" x="{x - w / 2:.1f}" y="{TOP}" width="{w:.1f}" height="{HEAD_H}" rx="4" '
                   f'fill="{fill}" stroke="#6b7280"/>')
        out.append(f'<text x="{x:.1f}" y="{TOP + 18}" text-anchor="middle" font-weight="bold">{html.escape(p)}'
                   '</text>')
    return out


def _loop_frame(d: Diagram, rows: list[_Row], y0: float, frame_x: float, width: int) -> list[str]:
    """The lasso: a frame around the steps that repeat, its label on a row of its own at the top."""
    first = next((k for k, r in enumerate(rows) if r.kind == "loop"), None)
    if first is None:
        return []
    last = max(k for k, r in enumerate(rows) if r.kind == "event")
    ya, yb = y0 + first * ROW_H, y0 + (last + 1) * ROW_H - 6
    label = rows[first]
    return [f'<rect class="loop" x="{frame_x:.1f}" y="{ya}" width="{width - MARGIN / 2 - frame_x:.1f}" '
            f'height="{yb - ya}" fill="none" stroke="#b91c1c" stroke-dasharray="6 3"/>',
            f'<text class="loop-label" x="{label.x0:.1f}" y="{ya + 15}" fill="#b91c1c">{html.escape(label.label)}'
            '</text>']


def _note(x0: float, x1: float, y: float, label: str, fill: str, stroke: str, color: str | None = None) -> list[str]:
    colour = f' fill="{color}"' if color else ""
    return [f'<rect class="note" x="{x0:.1f}" y="{y}" width="{x1 - x0:.1f}" height="20" rx="3" fill="{fill}" '
            f'stroke="{stroke}"/>',
            f'<text x="{(x0 + x1) / 2:.1f}" y="{y + 14}" text-anchor="middle"{colour}>{html.escape(label)}</text>']


def _draw_event(r: _Row, x_of: dict, y: float, uid: str) -> list[str]:
    e = r.event
    out = [f'<g class="ev ev-{e.kind}" data-step="{e.step}">',
           f'<text x="{MARGIN}" y="{y + 14}" fill="#6b7280">{e.step}</text>']
    xa = x_of[e.src]
    label = html.escape(r.label)
    if e.kind in MARKERS:
        tip = xa + r.side * STUB
        colour = "#b91c1c" if e.kind == "lost" else "#1d4ed8"
        out.append(f'<line x1="{xa:.1f}" y1="{y + 10}" x2="{tip:.1f}" y2="{y + 10}" stroke="{colour}" '
                   'stroke-dasharray="3 2"/>')
        if e.kind == "lost":
            out.append(f'<path class="cross" d="M{tip - CROSS:.1f},{y + 10 - CROSS} l{2 * CROSS},{2 * CROSS} '
                       f'M{tip - CROSS:.1f},{y + 10 + CROSS} l{2 * CROSS},{-2 * CROSS}" stroke="{colour}" '
                       'stroke-width="2"/>')
        else:
            out.append(f'<circle cx="{tip:.1f}" cy="{y + 10}" r="{CROSS - 1}" fill="none" stroke="{colour}" '
                       'stroke-width="2"/>')
        text_x = tip + r.side * (CROSS + 6)
        anchor = "start" if r.side > 0 else "end"
        out.append(f'<text x="{text_x:.1f}" y="{y + 14}" text-anchor="{anchor}" fill="{colour}">{label}</text>')
    elif e.dst is None:
        fill = "#fef3c7" if e.kind == "handle" else "#f9fafb"
        out += _note(r.x0, r.x1, y, r.label, fill, "#d1d5db")
    elif e.dst == e.src:
        out.append(f'<path d="M{xa:.1f},{y + 8} h28 v10 h-26" fill="none" stroke="#1f2937" '
                   f'marker-end="url(#{uid}-arrow)"/>')
        out.append(f'<text x="{xa + 34:.1f}" y="{y + 12}">{label}</text>')
    else:
        xb = x_of[e.dst]
        dash = ' stroke-dasharray="5 3"' if e.kind == "receive" else ""
        out.append(f'<line x1="{xa:.1f}" y1="{y + 18}" x2="{xb:.1f}" y2="{y + 18}" stroke="#1f2937"{dash} '
                   f'marker-end="url(#{uid}-arrow)"/>')
        out.append(f'<text x="{(xa + xb) / 2:.1f}" y="{y + 13}" text-anchor="middle">{label}</text>')
    out.append('</g>')
    return out
