"""Mutations of model texts (models/*.sync or generated ones): hostile input for the front end.

A mutant is made by one to three of: deleting, duplicating, swapping or replacing tokens;
deleting, duplicating or swapping lines (whole declarations and statements); a huge integer
literal; deep nesting of parentheses, `not`, unary minus, sets or options; odd Unicode
(zero-width and bidirectional marks, a BOM, fullwidth and Arabic-Indic digits, combining marks,
NUL); cutting the text short. Every mutation is a function of the text and a `random.Random`,
so a mutant is reproducible from (model, seed); sizes stay bounded (a few hundred kilobytes at
most), so that a run's cost is bounded by the model and `--max-states`.
"""

from __future__ import annotations

import random
import re
from pathlib import Path

from hypothesis import strategies as st

MODELS = Path(__file__).resolve().parents[2] / "models"
TOKEN = re.compile(r'\s+|#[^\n]*|"(?:\\.|[^"\\\n])*"|\d[\d_]*(?:\.\d[\d_]*)?|\w+|\.\.|->|==|!=|<=|>=|\*\*|\+\+|.',
                   re.S)
KEYWORDS = ["always", "and", "assert", "choose", "else", "eventually", "exists", "false", "for", "forall", "if",
            "implies", "in", "is", "let", "match", "none", "not", "or", "require", "skip", "subset", "the", "then",
            "true", "action", "var", "init", "const", "type", "enum", "def", "invariant", "property", "set", "map",
            "option", "seq", "symmetric", "fairness", "import", "{", "}", "(", ")", "[", "]", ":", ",", "=", "..",
            "|", "->", "*", "/", "%", "-", "+", "**", "<", "."]
ODD = ["\u200b", "\ufeff", "\u202e", "\u2066", "é", "ﬁ", "\u0661", "\uff15", "\u0301", "\x00", "\r", "\t", "\x0b",
       "\U0001f600", "\u00a0", "\u2028", "\\", "'", '"', "ß", "Ω", "\x7f"]
HUGE = [19, 20, 64, 310, 4299, 4301, 5001]        # digit counts around the usual limits
NESTING = [30, 100, 210, 500, 1001, 3000]


def shipped() -> dict[str, str]:
    """The models of models/ by file name."""
    return {p.name: p.read_text(encoding="utf-8") for p in sorted(MODELS.glob("*.sync"))}


def tokens(text: str) -> list[str]:
    return TOKEN.findall(text)


def _solid(toks: list[str]) -> list[int]:
    """The indices of the tokens that are neither whitespace nor comments."""
    return [i for i, t in enumerate(toks) if not t.isspace() and not t.startswith("#")] or [0]


def delete_token(text: str, rng: random.Random) -> str:
    toks = tokens(text)
    del toks[rng.choice(_solid(toks))]
    return "".join(toks)


def duplicate_token(text: str, rng: random.Random) -> str:
    toks = tokens(text)
    i = rng.choice(_solid(toks))
    toks.insert(i, toks[i] + " ")
    return "".join(toks)


def swap_tokens(text: str, rng: random.Random) -> str:
    toks = tokens(text)
    solid = _solid(toks)
    i, j = rng.choice(solid), rng.choice(solid)
    toks[i], toks[j] = toks[j], toks[i]
    return "".join(toks)


def replace_token(text: str, rng: random.Random) -> str:
    """A token replaced by another of the same text (a name for a name) or by a keyword."""
    toks = tokens(text)
    solid = _solid(toks)
    toks[rng.choice(solid)] = toks[rng.choice(solid)] if rng.random() < 0.6 else rng.choice(KEYWORDS)
    return "".join(toks)


def huge_literal(text: str, rng: random.Random) -> str:
    """An integer literal (or, without one, a name) replaced by a number of many digits."""
    toks = tokens(text)
    numbers = [i for i, t in enumerate(toks) if t[0].isdigit()] or _solid(toks)
    digits = rng.choice(HUGE)
    big = rng.choice(["1" + "0" * (digits - 1), "9" * digits, f"2 ** {digits}", f"{'9' * digits}.5"])
    toks[rng.choice(numbers)] = big
    return "".join(toks)


def deep_nesting(text: str, rng: random.Random) -> str:
    """A name or number wrapped n times in parentheses, `not`, unary minus, a set or an option."""
    toks = tokens(text)
    atoms = [i for i, t in enumerate(toks) if re.fullmatch(r"\w+", t)] or [0]
    i = rng.choice(atoms)
    n = rng.choice(NESTING)
    left, right = rng.choice([("(", ")"), ("not ", ""), ("-", ""), ("{", "}"), ("some(", ")"),
                              ("option[", "]"), ("set[", "]"), ("[", "]"), ("abs(", ")")])
    if rng.random() < 0.3:  # a long flat chain instead: `x or x or ...`, `x + x + ...`
        op = rng.choice([" or ", " and ", " + ", " - ", " * ", " | ", " == "])
        toks[i] = op.join([toks[i]] * n)
    else:
        toks[i] = left * n + toks[i] + right * n
    return "".join(toks)


def odd_unicode(text: str, rng: random.Random) -> str:
    at = rng.randrange(len(text) + 1)
    return text[:at] + rng.choice(ODD) + text[at:]


def _lines(text: str) -> list[str]:
    return text.split("\n")


def delete_line(text: str, rng: random.Random) -> str:
    lines = _lines(text)
    del lines[rng.randrange(len(lines))]
    return "\n".join(lines)


def duplicate_line(text: str, rng: random.Random) -> str:
    lines = _lines(text)
    i = rng.randrange(len(lines))
    lines.insert(rng.randrange(len(lines) + 1), lines[i])
    return "\n".join(lines)


def swap_lines(text: str, rng: random.Random) -> str:
    lines = _lines(text)
    i, j = rng.randrange(len(lines)), rng.randrange(len(lines))
    lines[i], lines[j] = lines[j], lines[i]
    return "\n".join(lines)


def truncate(text: str, rng: random.Random) -> str:
    return text[:rng.randrange(len(text) + 1)]


MUTATIONS = [delete_token, duplicate_token, swap_tokens, replace_token, huge_literal, deep_nesting, odd_unicode,
             delete_line, duplicate_line, swap_lines, truncate]


def mutate(text: str, rng: random.Random, count: int | None = None) -> str:
    """One to three mutations of text (or `count`)."""
    for _ in range(count or rng.randint(1, 3)):
        text = rng.choice(MUTATIONS)(text, rng)
    return text


@st.composite
def mutants(draw, sources: dict[str, str] | None = None) -> tuple[str, int, str]:
    """(source name, seed, mutant text) of a shipped model (or of one of `sources`)."""
    sources = sources or shipped()
    name = draw(st.sampled_from(sorted(sources)))
    seed = draw(st.integers(0, 2 ** 32 - 1))
    return name, seed, mutate(sources[name], random.Random(seed))
