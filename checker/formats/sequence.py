"""Who sent what to whom: a trace as a sequence diagram, in Mermaid text and as inline SVG.

A trace records states and the action that led to each, not messages, so the
messages are read off the states with a documented heuristic (docs/ci.md,
"Sequence diagrams"):

- Processes are model values: the members of a constant set of model values
  (`const RM = {r1, r2, r3}`). A step is taken by (its actor):
  a parameter named from/src/sender whose value is a process; else, when the
  action's name starts with an acronym (`TMCommit`, `RMPrepare`) that is not
  the name of the set of one of its process parameters, a lifeline of that
  name (`TM`); else its first process parameter that is not a destination
  (to/dst/receiver...); else the action itself is a lifeline (so in a
  model without processes, `SendData` sends what `ReceiveData` receives).
- Channels are state variables holding messages: a set or sequence of tagged
  union values, records or tuples (or of anything, when the variable's name
  says so: msgs, messages, inbox, network, channel...), a bag (a map from
  such messages to counts: a `channel ... with reordering`), or a map from
  processes to sets or sequences of them (one inbox per process). A
  `channel` declaration is such a sequence or bag.
- A message that appears in a channel is sent by the step's actor: to the
  inbox's process, to the process in a to/dst/receiver field of the
  message, or otherwise into the channel (a lifeline of its own: a pool that
  anyone may read).
- A message that leaves a channel is received by the step's actor (or by the
  inbox's process). Messages in a pool that never shrinks (a set of sent
  messages, as in TLA+ specs) are received by a step whose action name says
  it receives (Rcv, Recv, Receive, Deliver, Handle...) and contains the
  message's tag (`TMRcvPrepared` receives `Prepared(r1)`), when the message
  names none of the processes or names one the step is about.
- Any other step is a note over its actor, so the diagram numbers steps as
  the trace table does. A trace with no message at all has no diagram.

Mermaid ids are generated (P0, P1, ...), the names are aliases, and the SVG
is drawn here in Python, so the HTML report needs nothing from a network.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass, field

from spec import values as V

from ..result import Trace
from .tracerows import failing_step_text, step_label

ENV = "env"
RECEIVE_WORDS = re.compile(r"(Rcv|Recv|Receive|Deliver|Handle|Consume|Accept|Process|Get|On)(?=[A-Z_0-9]|$)")
CHANNEL_NAME = re.compile(r"(msg|message|mail|inbox|outbox|chan|network|^net|net$|packet|wire)", re.I)
TO_FIELDS = frozenset({"to", "dst", "dest", "destination", "receiver", "recipient", "target"})
FROM_FIELDS = frozenset({"from", "src", "source", "sender", "origin"})
ACRONYM = re.compile(r"^([A-Z]{2,})(?=[A-Z][a-z0-9]|$)")


@dataclass
class Event:
    step: int
    kind: str              # send | receive | handle (a received direct message) | local
    src: str
    dst: str | None        # None for a note over src
    text: str
    channel: str | None = None


@dataclass
class Diagram:
    participants: list[str]
    kinds: dict                    # participant -> role | process | channel | env
    events: list[Event]
    steps: int
    loop: int | None = None        # the lasso: states after this one repeat for ever
    failing: str | None = None     # a failing last step, in words
    channels: list[str] = field(default_factory=list)


# ---- reading a trace ----------------------------------------------------------------------

def processes_of(trace: Trace) -> dict:
    """model value -> the name of its set, for every constant set of model values."""
    out = {}
    for name, value in trace.constants.items():
        if isinstance(value, (frozenset, set)) and value and all(isinstance(x, V.Sym) for x in value):
            for x in value:
                out.setdefault(x, name)
    return out


def _message_like(v) -> bool:
    return isinstance(v, (V.Variant, V.Rec)) or (isinstance(v, tuple) and not isinstance(v, V.SeqVal))


def _collection(v) -> bool:
    return isinstance(v, (frozenset, set, V.SeqVal))


def channels_of(trace: Trace, processes: dict) -> dict:
    """variable -> pool | fifo | inbox, for the variables that hold messages."""
    out = {}
    for name in (trace.steps[0].state if trace.steps else {}):
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
    """(added, removed) elements between two sets, sequences (as queues) or bags."""
    if isinstance(new, V.MapVal) and isinstance(old, V.MapVal):
        olds = dict(old.items)
        added, removed = [], []
        for k, c in new.items:
            d = c - olds.get(k, 0)
            (added if d > 0 else removed).extend([k] * abs(d))
        return added, removed
    if isinstance(new, V.SeqVal) and isinstance(old, V.SeqVal):
        for k in range(len(old) + 1):
            rest = tuple(old[k:])
            if tuple(new[:len(rest)]) == rest:
                return list(new[len(rest):]), list(old[:k])
        added = list(new)
        removed = list(old)
        for x in list(added):
            if x in removed:
                removed.remove(x)
                added.remove(x)
        return added, removed
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


def actor_of(step, processes: dict) -> str:
    """Who takes a step (see the module docstring)."""
    procs = [(k, v) for k, v in step.params.items() if isinstance(v, V.Sym) and v in processes]
    for k, v in procs:
        if k.lower() in FROM_FIELDS:
            return str(v)
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


def sequence(trace: Trace) -> Diagram | None:
    """The diagram of a trace, or None when no message passes in it."""
    if len(trace.steps) < 2:
        return None
    processes = processes_of(trace)
    channels = channels_of(trace, processes)
    if not channels:
        return None
    events: list[Event] = []
    sent_to: dict = {}                  # (channel, message) -> known destination or None
    for i in range(1, len(trace.steps)):
        step, old, new = trace.steps[i], trace.steps[i - 1].state, trace.steps[i].state
        actor = actor_of(step, processes)
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
                mine.append(_send(i, actor, msg, _field_proc(msg, TO_FIELDS, processes), var, processes, sent_to))
            for msg in removed:
                mine.append(_receive(i, actor, msg, var, sent_to))
            if kind == "pool" and not removed and RECEIVE_WORDS.search(step.action or ""):
                mine += _named_receipts(i, step, actor, old[var], var, processes, sent_to)
        events += mine or [Event(i, "local", actor, None, step_label(step))]
    if not any(e.kind != "local" for e in events):
        return None
    if trace.error_step is not None:
        failing = failing_step_text(trace)
    else:
        failing = None
    parts, kinds = _participants(events, processes, channels)
    used = [c for c in channels if c in kinds]
    return Diagram(parts, kinds, events, len(trace.steps) - 1, trace.loop, failing, used)


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
            if p is not None and p not in seen:
                seen.append(p)
    order = {str(v): k for k, v in enumerate(processes)}
    roles = [p for p in seen if p not in order and p not in channels]
    chans = [p for p in seen if p in channels]
    procs = sorted((p for p in seen if p in order), key=lambda p: order[p])
    kinds = {p: ("env" if p == ENV else "role") for p in roles}
    kinds.update({p: "channel" for p in chans})
    kinds.update({p: "process" for p in procs})
    return roles + chans + procs, kinds


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
        label = _mm(f"{e.step}. {e.text}")
        if e.dst is None:
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
LEFT = 44             # room for step numbers
MIN_GAP = 120


def _w(text: str) -> float:
    return len(text) * CHAR_W


def _layout(d: Diagram) -> list[float]:
    n = len(d.participants)
    half = [max(_w(p) + 24, 70) / 2 for p in d.participants]
    gaps = [max(MIN_GAP, half[k] + half[k + 1] + 16) for k in range(n - 1)]
    col = {p: k for k, p in enumerate(d.participants)}
    for _ in range(2):
        for e in d.events:
            label = f"{e.step}. {e.text}"
            if e.dst is None or e.dst == e.src:
                k = col[e.src]
                need = (_w(label) + 16) / 2 + 8
                if e.dst == e.src:
                    need = _w(label) + 40
                if k < n - 1 and gaps[k] < need:
                    gaps[k] = need
                if k > 0 and e.dst is None and gaps[k - 1] < need:
                    gaps[k - 1] = need
                continue
            a, b = sorted((col[e.src], col[e.dst]))
            need = _w(label) + 24
            have = sum(gaps[a:b])
            if have < need:
                extra = (need - have) / (b - a)
                for k in range(a, b):
                    gaps[k] += extra
    xs = [LEFT + max(half[0], 60)]
    for g in gaps:
        xs.append(xs[-1] + g)
    return xs


def svg(d: Diagram, uid: str = "seq") -> str:
    """The diagram as a standalone <svg> element (inline styles only)."""
    xs = _layout(d)
    x_of = dict(zip(d.participants, xs))
    rows = len(d.events) + (1 if d.failing else 0)
    notes = [x_of[e.src] + _w(f"{e.step}. {e.text}") / 2 + 12 for e in d.events if e.dst is None]
    if d.failing:
        who = d.events[-1].src if d.events else d.participants[0]
        notes.append(max(2.0, x_of[who] - (_w(d.failing) + 12) / 2) + _w(d.failing) + 16)
    width = int(max(xs[-1] + max(_w(d.participants[-1]) / 2 + 20, 60), *notes, 320))
    y0 = TOP + HEAD_H + 16
    height = int(y0 + rows * ROW_H + 16)
    esc = html.escape
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" class="seq" width="{width}" height="{height}" '
           f'viewBox="0 0 {width} {height}" role="img" aria-labelledby="{uid}-title" '
           f'font-family="ui-monospace, SFMono-Regular, Menlo, Consolas, monospace" font-size="12">',
           f'<title id="{uid}-title">sequence diagram: {len(d.events)} events between '
           f'{esc(", ".join(d.participants))}</title>',
           '<defs>'
           f'<marker id="{uid}-arrow" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="8" markerHeight="8" '
           'orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" fill="#1f2937"/></marker>'
           '</defs>']
    for p in d.participants:  # lifelines and heads
        x = x_of[p]
        w = max(_w(p) + 24, 70)
        fill = {"channel": "#eef6ff", "process": "#f4f4f5", "role": "#fff7e6", "env": "#f4f4f5"}[d.kinds[p]]
        out.append(f'<line x1="{x:.1f}" y1="{TOP + HEAD_H}" x2="{x:.1f}" y2="{height - 8}" stroke="#9ca3af" '
                   'stroke-dasharray="4 4"/>')
        out.append(f'<rect x="{x - w / 2:.1f}" y="{TOP}" width="{w:.1f}" height="{HEAD_H}" rx="4" fill="{fill}" '
                   'stroke="#6b7280"/>')
        out.append(f'<text x="{x:.1f}" y="{TOP + 18}" text-anchor="middle" font-weight="bold">{esc(p)}</text>')
    if d.loop is not None:
        inside = [k for k, e in enumerate(d.events) if e.step > d.loop]
        if inside:
            ya = y0 + inside[0] * ROW_H - 4
            yb = y0 + (inside[-1] + 1) * ROW_H - 6
            out.append(f'<rect x="{LEFT - 4}" y="{ya}" width="{width - LEFT}" height="{yb - ya}" fill="none" '
                       'stroke="#b91c1c" stroke-dasharray="6 3"/>')
            out.append(f'<text x="{width - 6}" y="{ya + 12}" text-anchor="end" fill="#b91c1c">loop: steps '
                       f'{d.loop + 1} to {d.steps} repeat for ever</text>')
    for k, e in enumerate(d.events):
        y = y0 + k * ROW_H
        label = esc(f"{e.step}. {e.text}")
        out.append(f'<g class="ev ev-{e.kind}" data-step="{e.step}">')
        out.append(f'<text x="8" y="{y + 14}" fill="#6b7280">{e.step}</text>')
        xa = x_of[e.src]
        if e.dst is None:
            w = _w(f"{e.step}. {e.text}") + 12
            fill = "#fef3c7" if e.kind == "handle" else "#f9fafb"
            out.append(f'<rect x="{xa - w / 2:.1f}" y="{y}" width="{w:.1f}" height="20" rx="3" fill="{fill}" '
                       'stroke="#d1d5db"/>')
            out.append(f'<text x="{xa:.1f}" y="{y + 14}" text-anchor="middle">{label}</text>')
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
    if d.failing:
        y = y0 + len(d.events) * ROW_H
        who = d.events[-1].src if d.events else d.participants[0]
        x = x_of[who]
        w = _w(d.failing) + 12
        out.append(f'<rect x="{max(2, x - w / 2):.1f}" y="{y}" width="{w:.1f}" height="20" rx="3" fill="#fee2e2" '
                   'stroke="#b91c1c"/>')
        out.append(f'<text x="{max(2, x - w / 2) + w / 2:.1f}" y="{y + 14}" text-anchor="middle" fill="#991b1b">'
                   f'{esc(d.failing)}</text>')
    out.append('</svg>')
    return "\n".join(out)
