"""Documents and their layout at a width: the pretty printer under `spec.formatter`.

A document says where a line may break; `render` decides which breaks to take. This is the
algorithm of Wadler's "A prettier printer" as prettier (the JavaScript formatter) runs it: a
`Group` is laid out flat (every `Line` a space) when it fits in what is left of the line and
holds no hard break, else broken (every `Line` of its own a newline); `Nest` indents the lines
it breaks, `Align` indents them to the column where it starts, `Fill` breaks only the
separators it must. A comment at the end of a line is a `Suffix`: it is written before the next
newline, which it forces.
"""

from __future__ import annotations

from dataclasses import dataclass

FLAT, BREAK = 0, 1


class Doc:
    """A document; `hard` when it holds a line break that must be taken (its groups break)."""

    __slots__ = ("hard",)


class Text(Doc):
    __slots__ = ("text",)

    def __init__(self, text: str):
        self.text = text
        self.hard = False


class Line(Doc):
    """A space (or nothing, if `soft`) when its group is flat, a newline when it is broken."""

    __slots__ = ("flat",)

    def __init__(self, soft: bool = False):
        self.flat = "" if soft else " "
        self.hard = False


class Hard(Doc):
    """A newline; with `fresh`, only if something was written on the line already."""

    __slots__ = ("fresh",)

    def __init__(self, fresh: bool = False):
        self.fresh = fresh
        self.hard = True


class Concat(Doc):
    __slots__ = ("parts",)

    def __init__(self, parts: list[Doc]):
        self.parts = parts
        self.hard = any(p.hard for p in parts)


class Group(Doc):
    __slots__ = ("doc",)

    def __init__(self, doc: Doc):
        self.doc = doc
        self.hard = doc.hard


class Nest(Doc):
    __slots__ = ("doc", "by")

    def __init__(self, by: int, doc: Doc):
        self.by, self.doc = by, doc
        self.hard = doc.hard


class Align(Doc):
    """Lines broken inside `doc` start at the column where `doc` starts."""

    __slots__ = ("doc",)

    def __init__(self, doc: Doc):
        self.doc = doc
        self.hard = doc.hard


class IfBreak(Doc):
    """`broken` when the enclosing group is broken, else `flat`."""

    __slots__ = ("broken", "flat")

    def __init__(self, broken: Doc, flat: Doc):
        self.broken, self.flat = broken, flat
        self.hard = broken.hard or flat.hard


class Fill(Doc):
    """`items[0] seps[0] items[1] ...`: each separator breaks only when the next item does not fit."""

    __slots__ = ("items", "seps", "start")

    def __init__(self, items: list[Doc], seps: list[Doc], start: int = 0, hard: bool | None = None):
        self.items, self.seps, self.start = items, seps, start   # the fill from items[start] on
        self.hard = any(d.hard for d in items + seps) if hard is None else hard

    def rest(self) -> Fill:
        """The fill after its first item and separator (sharing the lists: no copy per item)."""
        return Fill(self.items, self.seps, self.start + 1, self.hard)

    def parts(self) -> list[Doc]:
        """item sep item ... from `start`."""
        i = self.start
        return [self.items[i]] + [p for pair in zip(self.seps[i:], self.items[i + 1:]) for p in pair]


class Suffix(Doc):
    """A comment at the end of the line: written before the next newline, which comes before
    any more text. `hard`: the groups around it break (a comment in the middle of an expression)."""

    __slots__ = ("text",)

    def __init__(self, text: str, hard: bool):
        self.text, self.hard = text, hard


def concat(*parts) -> Doc:
    """Parts as one document; a string is `Text`, None is left out."""
    return Concat([Text(p) if isinstance(p, str) else p for p in parts if p is not None])


@dataclass
class OutLine:
    """A line of the output: its code and the comment at its end (if any)."""

    code: str
    comment: str | None = None


class _Printer:
    def __init__(self, width: int):
        self.width = width
        self.lines: list[OutLine] = []
        self.parts: list[str] = []
        self.col = 0
        self.suffixes: list[str] = []
        self.need_newline = False

    def newline(self, indent: int) -> None:
        code = "".join(self.parts).rstrip()
        self.lines.append(OutLine(code, " ".join(self.suffixes) if self.suffixes else None))
        self.parts, self.suffixes, self.need_newline = [" " * indent], [], False
        self.col = indent

    def blank_so_far(self) -> bool:
        return not "".join(self.parts).strip()

    def write(self, text: str, indent: int) -> None:
        if not text:
            return
        if self.need_newline:
            if not text.strip():   # a space after a comment: the newline replaces it
                return
            self.newline(indent)
        self.parts.append(text)
        self.col += len(text)

    def run(self, doc: Doc) -> list[OutLine]:
        stack: list[tuple[int, int, Doc]] = [(0, BREAK, doc)]
        while stack:
            indent, mode, d = stack.pop()
            cls = d.__class__
            if cls is Text:
                self.write(d.text, indent)
            elif cls is Concat:
                stack.extend((indent, mode, p) for p in reversed(d.parts))
            elif cls is Line:
                if mode == FLAT:
                    self.write(d.flat, indent)
                else:
                    self.newline(indent)
            elif cls is Hard:
                if not d.fresh or not self.blank_so_far():
                    self.newline(indent)
                else:   # a line with nothing on it yet: it takes this indent
                    self.parts, self.col = [" " * indent], indent
            elif cls is Group:
                flat = mode == FLAT or (not d.hard and self.fits([(indent, FLAT, d.doc)], stack))
                stack.append((indent, FLAT if flat else BREAK, d.doc))
            elif cls is Nest:
                stack.append((indent + d.by, mode, d.doc))
            elif cls is Align:
                stack.append((self.col, mode, d.doc))
            elif cls is IfBreak:
                stack.append((indent, mode, d.broken if mode == BREAK else d.flat))
            elif cls is Fill:
                self.fill(indent, mode, d, stack)
            elif cls is Suffix:
                self.suffixes.append(d.text)
                self.need_newline = True
        self.newline(0)
        return self.lines

    def fill(self, indent: int, mode: int, d: Fill, stack: list) -> None:
        """The first item, then the separator broken or not as the next item fits after it; the
        rest of the fill goes back on the stack."""
        i = d.start
        first = d.items[i]
        if mode == FLAT:
            stack.extend((indent, FLAT, p) for p in reversed(d.parts()))
            return
        first_mode = FLAT if not first.hard and self.fits([(indent, FLAT, first)], []) else BREAK
        if i + 1 == len(d.items):
            stack.append((indent, first_mode, first))
            return
        sep, nxt = d.seps[i], d.items[i + 1]
        both = [(indent, FLAT, first), (indent, FLAT, sep), (indent, FLAT, nxt)]
        sep_mode = FLAT if not (first.hard or sep.hard or nxt.hard) and self.fits(both, []) else BREAK
        stack.append((indent, BREAK, d.rest()))
        stack.append((indent, sep_mode, sep))
        stack.append((indent, first_mode, first))

    def fits(self, cmds: list, rest: list) -> bool:
        """Whether `cmds` (then `rest`, up to its first newline) fit in what is left of the line."""
        left = self.width - self.col
        todo = list(reversed(cmds))
        rest_at = len(rest)
        while left >= 0:
            if not todo:
                if rest_at == 0:
                    return True
                rest_at -= 1
                todo.append(rest[rest_at])
            indent, mode, d = todo.pop()
            cls = d.__class__
            if cls is Text:
                left -= len(d.text)
            elif cls is Concat:
                todo.extend((indent, mode, p) for p in reversed(d.parts))
            elif cls is Line:
                if mode == BREAK:
                    return True
                left -= len(d.flat)
            elif cls is Hard:
                return True
            elif cls in (Group, Nest, Align):
                todo.append((indent, FLAT if cls is Group and not d.hard and mode == FLAT else mode, d.doc))
            elif cls is IfBreak:
                todo.append((indent, mode, d.broken if mode == BREAK else d.flat))
            elif cls is Fill:
                todo.extend((indent, mode, p) for p in reversed(d.parts()))
        return False


def render(doc: Doc, width: int) -> list[OutLine]:
    """The lines of `doc` laid out at `width` columns (comments at line ends not counted)."""
    return _Printer(width).run(doc)
