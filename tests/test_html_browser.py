"""The HTML report in a real browser: headless Chromium loads it offline, without a console error.

Chromium (Debian's `chromium` package; `.ci/run` installs it) is driven over
the DevTools protocol (tests/cdp.py). The report of a run with a
counterexample is loaded from a file; the test fails on any console error,
uncaught exception or failed load (the page's Content-Security-Policy turns
any attempt to fetch something into one), checks the trace table and the
sequence diagram in the DOM, exercises the page's script, and takes a
screenshot of the trace table: it must show the table (not a blank region)
with the highlight colours of changed and added values.

A control page with a deliberate console error, exception and failed load
shows that the error collection catches each kind.

Skips only when no Chromium is installed, and says so loudly.
"""

from __future__ import annotations

import warnings

import pytest

from cdp import Browser, find_chromium, png_pixels
from checker.reports.formats import render
from report_helpers import run_of

CHROMIUM = find_chromium()
NOT_INSTALLED = ("CHROMIUM IS NOT INSTALLED: the HTML report was NOT tested in a browser. "
                 "Install Debian's chromium package (apt-get install -y chromium), as .ci/run does.")

CHANGED = (0xfd, 0xe6, 0x8a)   # --chg in checker/reports/formats/html.py
ADDED = (0xbb, 0xf7, 0xd0)     # --add


@pytest.fixture(scope="module")
def browser():
    if CHROMIUM is None:
        warnings.warn(NOT_INSTALLED)
        pytest.skip(NOT_INSTALLED)
    b = Browser(CHROMIUM)
    try:
        yield b
    finally:
        b.close()


@pytest.fixture(scope="module")
def report(tmp_path_factory, browser):
    path = tmp_path_factory.mktemp("report") / "report.html"
    path.write_text(render("html", run_of("violated", "holds", "lasso", "error")), encoding="utf-8")
    browser.open(path.as_uri())
    return browser


def test_the_control_page_shows_that_errors_are_caught(tmp_path, browser):
    page = tmp_path / "bad.html"
    page.write_text("<!DOCTYPE html><html><head><title>x</title></head><body>"
                    "<img src='missing-image.png'>"
                    "<script>console.error('deliberate'); undefinedFunction();</script></body></html>")
    browser.open(page.as_uri())
    errors = browser.errors()
    assert any("deliberate" in e for e in errors), errors
    assert any("undefinedFunction" in e for e in errors), errors
    assert any("missing-image.png" in e or "ERR_FILE_NOT_FOUND" in e for e in errors), errors


def test_report_loads_without_console_errors(report):
    assert report.errors() == []
    assert report.evaluate("document.title").startswith("syncproof: 4 checks")


def test_report_dom_has_the_trace_table_and_the_diagram(report):
    rows = report.evaluate("Array.from(document.querySelectorAll('#cx-0-Consistent-trace tbody tr'))"
                           ".map(r => r.cells[1].textContent)")
    assert rows == ["(initial)", "RMPrepare(r=r1)", "TMRcvPrepared(r=r1)", "TMCommit", "RMChooseToAbort(r=r2)",
                    "RMRcvCommitMsg(r=r3)"]
    heads = report.evaluate("Array.from(document.querySelectorAll('#cx-0-Consistent-trace thead th'))"
                            ".map(h => h.textContent)")
    assert heads == ["#", "action", "rm_state", "tm_state", "tm_prepared", "msgs"]
    assert report.evaluate("document.querySelectorAll('#cx-0-Consistent svg.seq g.ev').length") == 5
    drawn = report.evaluate("document.querySelector('#cx-0-Consistent svg.seq').getBBox().width")
    assert drawn > 300  # the SVG is laid out, not an empty element


def test_report_script_works(report):
    report.evaluate("document.querySelector('input.only-changed').click()")
    assert report.evaluate("document.querySelector('table.trace').classList.contains('only-changed')")
    report.evaluate("document.getElementById('only-failed').click()")
    hidden = report.evaluate("getComputedStyle(document.querySelector('section.check.passed')).display")
    assert hidden == "none"
    report.evaluate("document.getElementById('only-failed').click()")
    report.evaluate("document.querySelector('#cx-0-Consistent tr[data-step=\"3\"]')"
                    ".dispatchEvent(new MouseEvent('mouseenter'))")
    assert report.evaluate("document.querySelectorAll('#cx-0-Consistent .hot').length") == 2  # row and arrow
    assert report.errors() == []


def test_screenshot_shows_the_trace_table(report):
    # Nothing is scrolled or beyond the viewport: the viewport is as tall as the page. Chromium
    # versions disagree on whether a clip is in document or viewport coordinates once the page
    # is scrolled (a CI run's screenshot showed another part of the page); here both are one.
    report.evaluate("window.scrollTo(0, 0)")
    report.send("Emulation.setDeviceMetricsOverride", {
        "width": report.width, "height": report.evaluate("document.documentElement.scrollHeight"),
        "deviceScaleFactor": 1, "mobile": False})
    assert report.evaluate("scrollY") == 0
    rect = report.evaluate("(() => { const r = document.querySelector('#cx-0-Consistent-trace')"
                           ".getBoundingClientRect(); return {x: r.x, y: r.y, width: r.width, height: r.height}; })()")
    assert rect["width"] > 400 and rect["height"] > 100
    width, height, rows = png_pixels(report.screenshot(clip=rect))
    assert (width, height) == (round(rect["width"]), round(rect["height"]))
    colours = {px for row in rows for px in row}
    assert len(colours) > 20, "the trace table's region is blank"
    dark = sum(1 for row in rows for px in row if sum(px) < 200)
    assert dark > 500, "no text in the trace table"
    # Every highlighted value shows its colour where the DOM puts it.
    spans = report.evaluate("Array.from(document.querySelectorAll('#cx-0-Consistent-trace span.c, "
                            "#cx-0-Consistent-trace span.a')).map(s => { const r = s.getBoundingClientRect(); "
                            "return [s.className, s.textContent, r.x, r.y, r.width, r.height]; })")
    assert sorted(kind for kind, *_ in spans) == ["a"] * 3 + ["c"] * 4, spans
    for kind, text, x, y, w, h in spans:
        colour = ADDED if kind == "a" else CHANGED
        x0, y0 = round(x - rect["x"]), round(y - rect["y"])
        box = [px for row in rows[y0 + 1:y0 + round(h) - 1] for px in row[x0 + 1:x0 + round(w) - 1]]
        share = box.count(colour) / max(1, len(box))
        assert share > 0.3, (text, kind, share)
