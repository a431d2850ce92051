"""The report of a mutation analysis (`checker.project.mutation`) in each format of `syncproof mutate`:

    text      the score, a table of outcomes per operator, each surviving mutant as a diff with a hint
    json      `syncproof.mutate/1` (docs/schema/mutate-1.json): the same, for scripts
    markdown  the score and the tables, survivors as diffs: a pull-request comment or job summary
    sarif     SARIF 2.1.0: each surviving mutant a warning on its line (rule syncproof/surviving-mutant)

Nothing here depends on the time taken or on the number of processes, so two runs of the same
analysis give the same report, byte for byte.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

from spec.mutate import OPERATORS

from checker import __version__
from checker.project.mutation import HINT, OUTCOMES, SCHEMA, Analysis, Checked
from checker.reports.formats.sarif import INFO_URI, SCHEMA_URI, location

FORMATS = ("text", "json", "markdown", "sarif")
LISTED = (("survived", "surviving mutants"), ("equivalent", "equivalent mutants"))


def render(fmt: str, a: Analysis) -> str:
    return {"text": as_text, "json": lambda a: json.dumps(as_json(a), indent=2) + "\n",
            "markdown": as_markdown, "sarif": lambda a: json.dumps(as_sarif(a), indent=2) + "\n"}[fmt](a)


def score_text(a: Analysis) -> str:
    return "no mutant decided" if a.score is None else f"{a.score:.1f}%"


def how_checked(a: Analysis) -> str:
    if a.engine == "explicit":
        return (f"the explicit engine: the model has {plural(a.states, 'state')} and "
                f"{plural(a.transitions, 'transition')}; "
                f"a mutant beyond {a.max_states:,} states is checked by BMC to depth {a.depth}")
    return (f"BMC to depth {a.depth}: the model has more than {a.max_states:,} states (--max-states); "
            "a survivor shows no violation to that depth")


def plural(n: int, word: str) -> str:
    return f"{n:,} {word}" + ("" if n == 1 else "s")


def left_out(a: Analysis) -> str:
    errors = f", {a.count('error')} crashed" if a.count("error") else ""
    return (f"{a.count('equivalent')} equivalent, {a.count('unknown')} unknown, "
            f"{a.count('invalid')} not type-checking{errors}, left out")


# ---- text ----------------------------------------------------------------------------------------

def as_text(a: Analysis) -> str:
    lines = [f"{a.path}: {a.model}: {len(a.checked)} of {a.generated} mutants checked (seed {a.seed})",
             f"mutation score: {score_text(a)} ({a.count('killed')} killed of {a.decided}; {left_out(a)})",
             f"checked by {how_checked(a)}"]
    if a.interrupted:
        lines.append("interrupted (Ctrl-C): only the mutants checked before are counted")
    lines += ["", f"  {'operator':<14}" + "".join(f"{o:>11}" for o in OUTCOMES)]
    for op in OPERATORS:
        lines.append(f"  {op:<14}" + "".join(f"{a.count(o, op):>11}" for o in OUTCOMES))
    for outcome, title in LISTED + (("error", "mutants whose check crashed"),):
        chosen = [c for c in a.checked if c.outcome == outcome]
        if chosen:
            lines += ["", f"{title} ({len(chosen)}):"]
        for c in chosen:
            m = c.mutant
            lines += ["", f"{a.path}:{m.line}:{m.col}: {m.operator}: {m.description}{qualified(c)}"]
            lines += ["  " + line for line in m.diff(a.text, a.path).splitlines()]
            if outcome == "survived":
                lines.append(f"  hint: {HINT}")
    return "\n".join(lines) + "\n"


def qualified(c: Checked) -> str:
    """What a reader must know about how a mutant was decided."""
    if c.outcome == "error":
        return f" ({c.detail})"
    if c.engine == "bmc":
        return f" (BMC: {c.detail})"
    if c.equivalence == "unknown":
        return f" ({c.detail})"
    return ""


# ---- JSON ----------------------------------------------------------------------------------------

def as_json(a: Analysis) -> dict:
    return {"schema": SCHEMA, "model": a.model, "path": a.path, "engine": a.engine, "max_states": a.max_states,
            "depth": a.depth, "states": a.states, "transitions": a.transitions, "generated": a.generated,
            "checked": len(a.checked), "seed": a.seed, "score": a.score, "interrupted": a.interrupted,
            **{o: a.count(o) for o in OUTCOMES},
            "operators": {op: {o: a.count(o, op) for o in OUTCOMES} for op in OPERATORS},
            "mutants": [mutant_json(c, a) for c in a.checked]}


def mutant_json(c: Checked, a: Analysis) -> dict:
    m = c.mutant
    out = {"operator": m.operator, "where": f"{a.path}:{m.line}:{m.col}", "line": m.line, "col": m.col,
           "description": m.description, "outcome": c.outcome, "detail": c.detail, "engine": c.engine,
           "states": c.states, "transitions": c.transitions}
    if c.outcome == "survived":
        out["equivalence"] = c.equivalence
    if c.outcome in ("survived", "equivalent"):
        out["diff"] = m.diff(a.text, a.path)
    return out


# ---- Markdown ------------------------------------------------------------------------------------

def as_markdown(a: Analysis) -> str:
    lines = [f"## Mutation analysis of `{a.model}` (`{a.path}`)", "",
             f"**Mutation score: {score_text(a)}** ({a.count('killed')} killed of {a.decided}; {left_out(a)}). "
             f"{len(a.checked)} of {a.generated} mutants checked (seed {a.seed}) by {how_checked(a)}."]
    if a.interrupted:
        lines += ["", "> Interrupted (Ctrl-C): only the mutants checked before are counted."]
    lines += ["", "| operator | " + " | ".join(OUTCOMES) + " |", "| --- |" + " ---: |" * len(OUTCOMES)]
    for op in OPERATORS:
        lines.append(f"| {op} | " + " | ".join(str(a.count(o, op)) for o in OUTCOMES) + " |")
    for outcome, title in LISTED:
        chosen = [c for c in a.checked if c.outcome == outcome]
        if not chosen:
            continue
        lines += ["", f"### {title[0].upper()}{title[1:]} ({len(chosen)})"]
        if outcome == "survived":
            lines += ["", f"For each: {HINT}."]
        for c in chosen:
            m = c.mutant
            lines += ["", f"- `{a.path}:{m.line}:{m.col}` {m.operator}: {m.description}{qualified(c)}",
                      "", "  ```diff"]
            lines += ["  " + line for line in m.diff(a.text, a.path).splitlines()]
            lines.append("  ```")
    return "\n".join(lines) + "\n"


# ---- SARIF ---------------------------------------------------------------------------------------

RULE = {"id": "syncproof/surviving-mutant", "name": "SurvivingMutant",
        "shortDescription": {"text": "A fault planted in the model is caught by no property."},
        "fullDescription": {"text": "Mutation analysis changed the model here (syncproof mutate) and every "
                                    "property still holds: a property is missing, or the change is harmless "
                                    "(then say why in a comment)."},
        "helpUri": INFO_URI, "defaultConfiguration": {"level": "warning"},
        "properties": {"tags": ["verification", "mutation-analysis"]}}


def as_sarif(a: Analysis, base: Path | None = None) -> dict:
    """SARIF 2.1.0 with a warning per surviving mutant; URIs relative to `base` (default: here)."""
    base = (base or Path.cwd()).resolve()
    seen: dict[str, int] = {}
    results = [sarif_result(c, a, base, seen) for c in a.checked if c.outcome == "survived"]
    run = {"tool": {"driver": {"name": "syncproof", "version": __version__, "semanticVersion": __version__,
                               "informationUri": INFO_URI, "rules": [RULE]}},
           "invocations": [{"executionSuccessful": a.count("error") == 0 and not a.interrupted}],
           "originalUriBaseIds": {"%SRCROOT%": {"uri": base.as_uri() + "/"}},
           "results": results, "columnKind": "unicodeCodePoints",
           "properties": {"model": a.model, "path": a.path, "score": a.score, "engine": a.engine,
                          **{o: a.count(o) for o in OUTCOMES}}}
    return {"$schema": SCHEMA_URI, "version": "2.1.0", "runs": [run]}


def sarif_result(c: Checked, a: Analysis, base: Path, seen: dict[str, int]) -> dict:
    """A warning at the mutant's line, fingerprinted by what it changes (not where: an alert follows the
    code when lines move), and by how many identical changes come before it in the file."""
    m = c.mutant
    key = f"{a.path}\0{m.operator}\0{m.description}\0{a.text[m.start:m.end]}\0{m.replacement}"
    seen[key] = seen.get(key, 0) + 1
    key += f"\0{seen[key]}"
    return {"ruleId": RULE["id"], "ruleIndex": 0, "level": "warning", "kind": "fail",
            "message": {"text": f"Surviving mutant ({m.operator}): {m.description}{qualified(c)}. {HINT}."},
            "locations": [location(f"{a.path}:{m.line}:{m.col}", base)],
            "partialFingerprints": {"syncproofMutant/v1": hashlib.sha256(key.encode()).hexdigest()[:32]},
            "properties": {"operator": m.operator, "engine": c.engine, "equivalence": c.equivalence,
                           "diff": m.diff(a.text, a.path)}}
