"""A self-contained HTML report: one file, inline CSS, JS and SVG, nothing fetched.

It shows the run's checks (a summary table), for each check its properties,
verdicts and statistics, and for each counterexample the source line of the
property, the trace as a step table with what changed highlighted (changed
values, added and removed set elements), the explanation of the last state,
and a sequence diagram when messages pass (drawn here as SVG; see
`sequence`). A Content-Security-Policy forbids every network load, so the
report opens the same from a CI artifact, a mail or a laptop offline; a test
loads it in headless Chromium and fails on any console error.

The script only adds conveniences: hide the variables a trace never
changes, show only failed checks, and highlight a step's row and arrows
together.
"""

from __future__ import annotations

import html
import re

from checker import __version__
from checker.core.kinds import Kind
from checker.core.result import SearchStats, Verdict
from checker.project.runs import Entry, Run
from checker.reports.formats.common import KIND_TITLES, constants_text, outcome_line, parse_where, property_where, skipped_by_stop, states_text, tally
from checker.reports.formats.sequence import sequence, svg
from checker.reports.formats.tracerows import ADDED, CHANGED, REMOVED, SAME, project_root, report_path, report_where, trace_rows, variables
from checker.reports.steps import failing_step_text, loop_text

esc = html.escape

CSP = ("default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'; img-src data:; "
       "base-uri 'none'; form-action 'none'")

CSS = """
:root { --fg:#1f2937; --muted:#6b7280; --line:#e5e7eb; --bg:#ffffff; --soft:#f9fafb;
        --ok:#15803d; --bad:#b91c1c; --warn:#a16207; --chg:#fde68a; --add:#bbf7d0; --del:#fecaca; }
* { box-sizing: border-box; }
body { margin: 0; font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: var(--fg);
       background: var(--bg); }
header.top { padding: 18px 28px; border-bottom: 1px solid var(--line); background: var(--soft); }
header.top h1 { margin: 0 0 4px; font-size: 20px; }
main { padding: 8px 28px 40px; max-width: 100%; }
code, pre, .mono, table.trace td, table.trace th { font-family: ui-monospace, SFMono-Regular, Menlo, Consolas,
       monospace; font-size: 12.5px; }
.badge { display: inline-block; padding: 1px 8px; border-radius: 10px; font-size: 12px; font-weight: 600;
         color: #fff; vertical-align: middle; white-space: nowrap; }
.badge.holds, .badge.passed { background: var(--ok); }
.badge.violated, .badge.failed, .badge.error, .badge.crash { background: var(--bad); }
.badge.inconclusive { background: var(--warn); }
.badge.expected { background: #475569; }
.muted { color: var(--muted); }
table { border-collapse: collapse; }
table.summary, table.props, table.stats, table.actions { margin: 8px 0 16px; }
table.summary th, table.summary td, table.props th, table.props td, table.actions th, table.actions td {
       border-bottom: 1px solid var(--line); padding: 5px 12px 5px 0; text-align: left; vertical-align: top; }
table.summary td.num, table.actions td.num { text-align: right; }
section.check { border-top: 2px solid var(--line); margin-top: 28px; padding-top: 8px; }
section.check h2 { font-size: 18px; margin: 10px 0 6px; }
section.cx { margin: 18px 0 26px; padding: 12px 16px; border: 1px solid var(--line); border-left: 4px solid
       var(--bad); border-radius: 4px; background: #fff; }
section.cx.expected { border-left-color: #475569; }
section.cx h3 { margin: 0 0 6px; font-size: 16px; }
pre.src { background: var(--soft); border: 1px solid var(--line); padding: 8px 10px; overflow-x: auto; margin: 8px 0; }
pre.src .hl { background: #fee2e2; display: inline-block; min-width: 100%; }
.scroll { overflow-x: auto; max-width: 100%; }
table.trace { margin: 8px 0; }
table.trace th, table.trace td { border: 1px solid var(--line); padding: 3px 8px; text-align: left;
       vertical-align: top; white-space: pre-wrap; }
table.trace th { background: var(--soft); position: sticky; top: 0; }
table.trace td.n { color: var(--muted); text-align: right; }
table.trace td.changed { background: #fffbeb; }
table.trace span.c { background: var(--chg); border-radius: 2px; }
table.trace span.a { background: var(--add); border-radius: 2px; }
table.trace span.d { background: var(--del); text-decoration: line-through; border-radius: 2px; }
table.trace span.s { color: #4b5563; }
table.trace tr.loop td.n { color: var(--bad); font-weight: bold; }
table.trace tr.hot td { outline: 2px solid #60a5fa; outline-offset: -2px; }
table.trace.only-changed .static { display: none; }
.legend span { margin-right: 12px; }
.legend .c, .legend .a, .legend .d { padding: 0 4px; border-radius: 2px; }
.legend .c { background: var(--chg); } .legend .a { background: var(--add); }
.legend .d { background: var(--del); text-decoration: line-through; }
figure.seq { margin: 10px 0; overflow-x: auto; }
figure.seq figcaption { color: var(--muted); font-size: 12px; }
svg.seq g.ev.hot text { font-weight: bold; fill: #1d4ed8; }
ul.expl { margin: 4px 0; }
.controls { margin: 6px 0; font-size: 13px; }
.warn { color: var(--warn); }
body.only-failed tr.passed-row, body.only-failed section.check.passed { display: none; }
footer { padding: 16px 28px; border-top: 1px solid var(--line); color: var(--muted); font-size: 12px; }
"""

# only in a report with coverage (check --coverage), so the others stay as they were
COVERAGE_CSS = """
table.cov { margin: 8px 0 16px; border: 1px solid var(--line); }
table.cov td { padding: 0 8px; vertical-align: top; font-family: ui-monospace, SFMono-Regular, Menlo, Consolas,
       monospace; font-size: 12.5px; white-space: pre; }
table.cov td.gut { text-align: right; color: var(--muted); background: var(--soft); min-width: 4em; }
table.cov td.ln { text-align: right; color: var(--muted); border-right: 1px solid var(--line); }
table.cov tr.hit td.gut { color: var(--ok); }
table.cov tr.miss td { background: var(--del); }
table.cov tr.miss td.gut { color: var(--bad); font-weight: bold; }
table.cov tr.part td.gut { background: var(--chg); color: var(--warn); font-weight: bold; }
"""

JS = """
'use strict';
(function () {
  function each(sel, fn, root) { Array.prototype.forEach.call((root || document).querySelectorAll(sel), fn); }
  each('input.only-changed', function (box) {
    box.addEventListener('change', function () {
      var table = document.getElementById(box.getAttribute('data-table'));
      if (table) { table.classList.toggle('only-changed', box.checked); }
    });
  });
  var failed = document.getElementById('only-failed');
  if (failed) {
    failed.addEventListener('change', function () { document.body.classList.toggle('only-failed', failed.checked); });
  }
  each('section.cx', function (cx) {
    function mark(step, on) {
      each('[data-step="' + step + '"]', function (el) { el.classList.toggle('hot', on); }, cx);
    }
    each('tr[data-step], g.ev[data-step]', function (el) {
      var step = el.getAttribute('data-step');
      el.addEventListener('mouseenter', function () { mark(step, true); });
      el.addEventListener('mouseleave', function () { mark(step, false); });
    }, cx);
  });
})();
"""


def render_html(run: Run) -> str:
    c = run.counts()
    verdict = "passed" if run.passed else "failed"
    if len(run.entries) == 1:
        title = f"syncproof: {run.entries[0].name} — {run.entries[0].status()}"
    else:
        title = f"syncproof: {c['checks']} checks — {verdict}"
    body = [_header(run, verdict), "<main>"]
    root = project_root(run)
    body.append(_summary(run, root))
    for k, entry in enumerate(run.entries):
        body.append(_entry(k, entry, root))
    body.append("</main>")
    body.append(_footer(run))
    css = COVERAGE_CSS if any(e.result is not None and e.result.coverage is not None for e in run.entries) else ""
    return ("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
            f"<meta http-equiv=\"Content-Security-Policy\" content=\"{CSP}\">\n"
            "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
            f"<meta name=\"generator\" content=\"syncproof {esc(__version__)}\">\n"
            f"<title>{esc(title)}</title>\n<style>{CSS}{css}</style>\n</head>\n<body>\n"
            + "\n".join(body) + f"\n<script>{JS}</script>\n</body>\n</html>\n")


def _badge(word: str, cls: str | None = None) -> str:
    return f'<span class="badge {esc(cls or word.split()[0])}">{esc(word)}</span>'


def _header(run: Run, verdict: str) -> str:
    c = run.counts()
    parts = [f"{c['checks']} check{'s' if c['checks'] != 1 else ''}"]
    for key in ("holds", "violated", "inconclusive", "error", "crash"):
        if c[key]:
            expected = sum(e.passed for e in run.entries if e.outcome == key)
            note = f" ({expected} as expected)" if key != "holds" and expected else ""
            parts.append(f"{c[key]} {key}{note}")
    if c["failed"]:
        parts.append(f"{c['failed']} failed")
    when = run.started.strftime("%Y-%m-%d %H:%M:%S UTC")
    conf = f" · configuration <code>{esc(report_path(run.config, project_root(run)))}</code>" if run.config else ""
    return (f'<header class="top"><h1>syncproof report {_badge(verdict)}</h1>'
            f'<div class="muted">syncproof {esc(__version__)} · {esc(when)} · {run.seconds:.2f} s · '
            f'exit code {run.exit_code}{conf}</div>'
            f'<div>{esc(" · ".join(parts))}</div></header>')


def _summary(run: Run, root) -> str:
    rows = []
    for k, e in enumerate(run.entries):
        r = e.result
        cls = "passed-row" if e.passed else "failed-row"
        badge = _badge(e.status(), "expected" if e.passed and e.outcome != "holds" else e.outcome)
        rows.append(f'<tr class="{cls}"><td><a href="#check-{k}">{esc(e.name)}</a></td>'
                    f'<td class="mono">{esc(report_path(e.path, root))}</td><td>{esc(e.engine)}</td><td>{badge}</td>'
                    f'<td>{esc(tally(e))}</td>'
                    f'<td class="num">{states_text(e)}</td>'
                    f'<td class="num">{f"{r.stats.transitions:,}" if r and r.stats.transitions else ""}</td>'
                    f'<td class="num">{e.seconds:.2f} s</td></tr>')
    toggle = ('<div class="controls"><label><input type="checkbox" id="only-failed"> show only failed '
              'checks</label></div>') if len(run.entries) > 1 else ""
    return (f'<h2>Checks</h2>{toggle}<table class="summary"><thead><tr><th>check</th><th>model</th><th>engine</th>'
            '<th>verdict</th><th>properties</th><th>states</th><th>transitions</th><th>time</th></tr></thead>'
            f'<tbody>{"".join(rows)}</tbody></table>')


def _entry(k: int, e: Entry, root) -> str:
    cls = "passed" if e.passed else "failed"
    out = [f'<section class="check {cls}" id="check-{k}">',
           f'<h2>{esc(e.name)} {_badge(e.status(), "expected" if e.passed and e.outcome != "holds" else e.outcome)}'
           '</h2>',
           f'<p>{esc(outcome_line(e))}</p>', _facts(e, root)]
    for d in e.errors:
        out.append(f'<pre class="src">{esc(d.render())}</pre>')
    if e.crash:
        out.append(f'<pre class="src">internal error: {esc(e.crash)}</pre>')
    r = e.result
    if r is not None:
        out.append(_properties(k, e, root))
        out.append(_stats(e))
        for w in r.warnings:
            out.append(f'<p class="warn">{esc(w)}</p>')
        if r.coverage is not None:
            out.append(_coverage(e))
        for p in r.violated:
            out.append(_counterexample(k, e, p, root))
    out.append("</section>")
    return "\n".join(out)


def _facts(e: Entry, root) -> str:
    items = [("model", f"<code>{esc(report_path(e.path, root))}</code>" + (f" ({esc(e.result.model)})" if e.result else "")),
             ("engine", esc(e.engine) + (f" · {esc(e.result.how)}" if e.result else ""))]
    if constants_text(e):
        items.append(("constants", f"<code>{esc(constants_text(e))}</code>"))
    if not e.expect.is_default:
        items.append(("expected", esc(e.expect.describe())))
    if e.result is not None and e.result.reason:
        items.append(("reason", esc(e.result.reason)))
    return "<p>" + " · ".join(f'<span class="muted">{k}</span> {v}' for k, v in items) + "</p>"


def _properties(k: int, e: Entry, root) -> str:
    rows = []
    for p in e.result.properties:
        word = p.verdict.value
        if p.verdict is Verdict.VIOLATED and e.property_expected(p):
            badge = _badge("violated (expected)", "expected")
        elif skipped_by_stop(e, p):
            badge = _badge("not checked", "expected")
        else:
            badge = _badge(word)
        name = esc(p.name)
        if p.verdict is Verdict.VIOLATED and p.trace is not None:
            name = f'<a href="#{_cx_id(k, p.name)}">{name}</a>'
        rows.append(f"<tr><td>{name}</td><td>{esc(KIND_TITLES.get(p.kind, p.kind))}</td><td>{badge}</td>"
                    f'<td class="mono">{esc(report_where(p.where, root) or "")}</td><td>{esc(p.message)}</td></tr>')
    return ('<table class="props"><thead><tr><th>property</th><th>kind</th><th>verdict</th><th>where</th>'
            f'<th></th></tr></thead><tbody>{"".join(rows)}</tbody></table>')


def _stats(e: Entry) -> str:
    s = e.result.stats
    items = [("distinct states", f"{s.distinct_states:,}"), ("transitions", f"{s.transitions:,}"),
             ("depth", str(s.depth)), ("time", f"{s.seconds:.3f} s"),
             ("states/s", f"{int(s.states_per_second):,}")]
    search = s.search or SearchStats()
    if s.distinct_states:
        items.append(("visited set", f"{search.bytes_per_state:.1f} bytes/state"))
        fp = "exact (states fit in 64 bits)" if search.fingerprint == "exact" else \
            f"64-bit, collision probability {search.collision_probability:.1e}"
        items.append(("fingerprints", fp))
    if s.graph and s.graph.states:
        items.append(("state graph", f"{s.graph.states:,} states, {s.graph.edges:,} transitions"))
    if search.symmetry:
        items.append(("symmetry", ", ".join(search.symmetry)))
    if s.workers > 1:
        items.append(("workers", str(s.workers)))
    out = ['<p class="stats">' + " · ".join(f'<span class="muted">{esc(k)}</span> {esc(v)}' for k, v in items)
           + "</p>"]
    if s.actions:
        rows = "".join(f'<tr><td>{esc(a)}</td><td class="num">{n:,}</td>'
                       f'<td>{"<span class=warn>never enabled</span>" if n == 0 else ""}</td></tr>'
                       for a, n in s.actions.items())
        out.append(f'<details><summary>transitions per action</summary><table class="actions"><tbody>{rows}'
                   '</tbody></table></details>')
    return "\n".join(out)


def _coverage(e: Entry) -> str:
    """`check --coverage`: the summary, the actions, and each model file with a gutter of the times its
    statements were reached (never reached: red; a branch never taken: yellow)."""
    cov = e.result.coverage
    out = [f'<h3>Coverage</h3><p>{esc(cov.summary())} · no symmetry reduction · {cov.seconds:.2f} s</p>']
    if cov.actions:
        rows = "".join(f'<tr><td>{esc(a.name)}</td>' + "".join(f'<td class="num">{n:,}</td>' for n in
                       (a.runs, a.enabled, a.transitions, a.changed, a.failed))
                       + f'<td>{"<span class=warn>never enabled</span>" if not a.enabled else ""}</td></tr>'
                       for a in cov.actions)
        out.append('<table class="actions"><thead><tr><th>action</th><th>runs</th><th>enabled</th><th>transitions'
                   f'</th><th>changed</th><th>failed</th><th></th></tr></thead><tbody>{rows}</tbody></table>')
    lines = cov.lines()
    for path in dict.fromkeys(f for f, _ in sorted(lines)):
        text = e.sources.get(path)
        if text is not None:
            out.append(_gutter(path, text, lines))
    return "\n".join(out)


def _gutter(path: str, text: str, lines: dict) -> str:
    rows = []
    for n, line in enumerate(text.split("\n"), 1):
        if (path, n) not in lines:
            rows.append(f'<tr><td class="gut"></td><td class="ln">{n}</td><td>{esc(line)}</td></tr>')
            continue
        count, miss, part = lines[(path, n)]
        cls, title = ("miss", "never reached") if miss else \
            ("part", "a statement here is never reached or a branch never taken") if part else \
            ("hit", f"reached {count:,} time{'s' if count != 1 else ''}")
        rows.append(f'<tr class="{cls}" title="{title}"><td class="gut">{count:,}</td><td class="ln">{n}</td>'
                    f'<td>{esc(line)}</td></tr>')
    return (f'<p class="muted">{esc(path)}: times each line\'s statements were reached</p>'
            f'<div class="scroll"><table class="cov"><tbody>{"".join(rows)}</tbody></table></div>')


def _cx_id(k: int, name: str) -> str:
    return f"cx-{k}-" + re.sub(r"[^A-Za-z0-9_-]", "_", name)


def _counterexample(k: int, e: Entry, p, root) -> str:
    t = p.trace
    expected = e.property_expected(p)
    cid = _cx_id(k, p.name)
    head = "Expected violation" if expected else "Counterexample"
    out = [f'<section class="cx{" expected" if expected else ""}" id="{cid}">',
           f'<h3>{head}: {esc(p.name)} <span class="muted">({esc(KIND_TITLES.get(p.kind, p.kind))})</span></h3>',
           f'<p>{esc(p.message)}</p>']
    where = property_where(e, p)
    out.append(f'<p class="muted">at <code>{esc(report_where(where, root))}</code>'
               + (f' · trace <code>{esc(report_path(p.trace_path, root))}</code>' if p.trace_path else "") + "</p>")
    src = _source(e, where)
    if src:
        out.append(src)
    if t is None:
        out.append("</section>")
        return "\n".join(out)
    out.append(f"<p>{t.length} step{'s' if t.length != 1 else ''}; a shortest behaviour that shows the "
               "violation.</p>" if t.loop is None else f"<p>{t.length} steps, ending in a loop.</p>")
    tid = f"{cid}-trace"
    out.append(f'<div class="controls"><label><input type="checkbox" class="only-changed" data-table="{tid}"> '
               'show only variables that change</label> <span class="legend muted"><span class="c">changed</span>'
               '<span class="a">added</span><span class="d">removed</span></span></div>')
    out.append(_trace_table(tid, t))
    for line in filter(None, [loop_text(t), failing_step_text(t)]):
        out.append(f'<p class="warn"><strong>{esc(line)}</strong></p>')
    if t.kind == Kind.DEADLOCK:
        out.append('<p class="warn"><strong>no action is enabled in the last state</strong></p>')
    if t.explanation:
        items = "".join(f"<li><code>{esc(line)}</code></li>" for line in t.explanation)
        out.append(f"<p>In the last state, {esc(t.property)} is false because:</p><ul class=\"expl\">{items}</ul>")
    for label, steps in t.branches:
        out.append(f"<p>From state {len(t.steps) - 1}, {esc(label)}:</p>")
        out.append(_trace_table(f"{tid}-b{len(out)}", t, [t.steps[-1]] + list(steps), len(t.steps) - 1))
    d = sequence(t, e.model)
    if d is not None:
        out.append(f'<figure class="seq">{svg(d, uid=cid + "-seq")}<figcaption>Messages between processes, step '
                   "by step (read from the trace; see docs/ci.md for how).</figcaption></figure>")
    out.append("</section>")
    return "\n".join(out)


def _source(e: Entry, where: str) -> str | None:
    parsed = parse_where(where)
    if parsed is None:
        return None
    path, line, col = parsed
    text = e.sources.get(path)
    if text is None:
        return None
    lines = text.splitlines()
    if not 0 < line <= len(lines):
        return None
    lo, hi = max(1, line - 2), min(len(lines), line + 2)
    width = len(str(hi))
    rows = []
    for n in range(lo, hi + 1):
        row = f"{n:>{width}} | {lines[n - 1]}"
        rows.append(f'<span class="hl">{esc(row)}</span>' if n == line else esc(row))
        if n == line:
            rows.append(esc(f"{'':>{width}} | {' ' * (col - 1)}^"))
    return f'<pre class="src">{chr(10).join(rows)}</pre>'


def _cell(tokens) -> str:
    out = []
    for text, kind in tokens:
        if kind == CHANGED:
            out.append(f'<span class="c">{esc(text)}</span>')
        elif kind == ADDED:
            out.append(f'<span class="a">{esc(text)}</span>')
        elif kind == REMOVED:
            out.append(f' <span class="d">{esc(text.strip().lstrip("−").strip())}</span>')
        elif kind == SAME:
            out.append(f'<span class="s">{esc(text)}</span>')
        else:
            out.append(esc(text))
    return "".join(out)


def _cell_class(changed: bool, ever_changes: bool) -> str:
    """changed: this step changed it; static: no step of the trace does (hidden by 'only what changes')."""
    return " ".join(c for c, on in (("changed", changed), ("static", not ever_changes)) if on)


def _trace_table(tid: str, t, steps=None, start: int = 0) -> str:
    names = variables(t)
    rows = trace_rows(t, start, steps)
    changing = {n for r in rows for n in r.changed}
    head = "".join(f'<th class="{"" if n in changing else "static"}">{esc(n)}</th>' for n in names)
    body = []
    for r in rows:
        cells = "".join(f'<td class="{_cell_class(n in r.changed, n in changing)}">{_cell(r.cells[n])}</td>'
                        for n in names)
        mark = f"{r.index} ⟳" if r.loop_start else str(r.index)
        cls = ' class="loop"' if r.loop_start else ""
        body.append(f'<tr data-step="{r.index}"{cls}><td class="n">{esc(mark)}</td><td class="mono">{esc(r.label)}'
                    f"</td>{cells}</tr>")
    return (f'<div class="scroll"><table class="trace" id="{esc(tid)}"><thead><tr><th>#</th><th>action</th>{head}'
            f'</tr></thead><tbody>{"".join(body)}</tbody></table></div>')


def _footer(run: Run) -> str:
    return ("<footer>Exit codes: 0 every check passed · 1 a property is violated (or an expectation is not met) · "
            "2 bad input · 3 inconclusive · 4 internal error. In trace tables, the values a step changed are "
            f"highlighted. Generated by syncproof {esc(__version__)}.</footer>")
