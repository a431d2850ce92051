"""Issue 11, the front end: hostile files, long literals, deep nesting, long source lines.

Every case ends in exit 2 with the file (and, inside a file, line, column, the
line and a caret), never a traceback or exit 4 (items 8, 11, 14; findings F5,
F11, F13).
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from checker.cli.commands.catalog_run import check_file
from cli_helpers import run_cli
from spec import files
from spec.diagnostics import Diagnostic, Source, Span
from spec.loader import load, load_text
from spec.parser import parse
from spec_helpers import one, spec_error

ROOT = Path(__file__).resolve().parent.parent
SMALL = "model M\nvar x: 0..1\ninit { x = 0 }\naction A { x = 1 - x }\n"


def write(tmp_path: Path, name: str, text: str) -> Path:
    p = tmp_path / name
    p.write_text(text, encoding="utf-8")
    return p


def cli(capsys, *args) -> tuple[int, str]:
    """Exit code and stderr with the console's line wrapping undone (item 19 is another's)."""
    code, _, err = run_cli(args, capsys)
    assert "Traceback" not in err and "internal error" not in err
    return code, " ".join(err.split())


def parse_cli(capsys, *args) -> tuple[int, str]:
    return cli(capsys, "parse", *args)


# ---- item 14: reading files ---------------------------------------------------------------

def test_a_device_is_not_a_model(capsys):
    code, err = parse_cli(capsys, "/dev/zero")
    assert (code, err.strip()) == (2, "error[E601]: /dev/zero is a character device, not a model file")


def test_importing_a_device_is_an_error_at_the_import(tmp_path):
    p = write(tmp_path, "m.sync", 'model M\nimport "/dev/zero"\n')
    d = one(spec_error(load, p))
    assert (d.code, d.span.where, d.message) == ("E602", f"{p}:2:1",
                                                  "cannot import '/dev/zero': a character device, not a model file")


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no FIFOs here")
def test_a_fifo_as_model_or_import_does_not_block(tmp_path):
    os.mkfifo(tmp_path / "pipe.sync")
    p = write(tmp_path, "m.sync", 'model M\nimport "pipe.sync"\n')
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    for target, expected in ((tmp_path / "pipe.sync", f"error[E601]: {tmp_path / 'pipe.sync'} is a FIFO"),
                             (p, "error[E602]: cannot import 'pipe.sync': a FIFO, not a model file")):
        proc = subprocess.run([sys.executable, "-m", "checker.cli", "parse", str(target)], env=env,
                              capture_output=True, text=True, timeout=60)
        assert proc.returncode == 2 and expected in proc.stderr


def test_a_file_over_the_size_cap_is_refused_before_reading(tmp_path, capsys):
    p = tmp_path / "huge.sync"
    with open(p, "wb") as f:
        f.truncate(files.MAX_FILE_BYTES + 1)
    code, err = parse_cli(capsys, p)
    assert code == 2
    assert f"{p} is too large: {files.MAX_FILE_BYTES + 1:,} bytes (at most {files.MAX_FILE_BYTES:,})" in err


def test_a_byte_order_mark_is_accepted(tmp_path, capsys):
    p = tmp_path / "bom.sync"
    p.write_bytes(b"\xef\xbb\xbf" + SMALL.encode())
    code, err = parse_cli(capsys, p)
    assert code == 0
    assert load(p).name == "M"


def test_a_latin1_file_in_a_catalog_is_an_error_entry(tmp_path):
    p = tmp_path / "cafe.sync"
    p.write_bytes("model M\n# caf\xe9\n".encode("latin-1"))
    e = check_file(p)
    assert (e.verdict, e.error) == ("error", f"E601: {p} is not a UTF-8 text file (byte 0xe9 at line 2, column 6)")


@pytest.mark.parametrize("digits", ["\u0661\u0662", "\uff11", "1\u0662"])
def test_a_number_is_written_in_ascii_digits(tmp_path, capsys, digits):
    p = write(tmp_path, "m.sync", f"model M\nconst N = {digits}\nvar x: 0..N\ninit {{ x = 0 }}\n")
    code, err = parse_cli(capsys, p)
    assert code == 2
    assert "error[E101]: unexpected character" in err and "the ASCII digits 0-9" in err


def test_a_const_option_in_other_digits_is_refused(capsys):
    code, err = parse_cli(capsys, ROOT / "models" / "bridge.sync", "--const", "N=\u0661")
    assert code == 2 and "--const N:1:1: error[E101]" in err


# ---- item 8: numbers of thousands of digits ------------------------------------------------------

LONG = "1" + "0" * 100_000


@pytest.mark.parametrize("text, col", [
    (f"model M\nconst N = {LONG}\n", 11),
    (f"model M\nvar x: fixed({'1' * 5001}) 0..1\n", 14),
    (f"model M\nconst S = symmetric {'7' * 1001}\n", 21),
    (f"model M\nconst D = 1.{'5' * 1000}\n", 11),
], ids=["const", "fixed", "symmetric", "decimal"])
def test_a_number_literal_has_at_most_1000_digits(tmp_path, capsys, text, col):
    p = write(tmp_path, "m.sync", text)
    code, err = parse_cli(capsys, p)
    assert code == 2 and f"{p}:2:{col}: error[E104]: a number of " in err
    assert "digits: numbers have at most 1,000" in err


def test_a_number_of_1000_digits_is_fine(tmp_path, capsys):
    p = write(tmp_path, "m.sync", f"model M\nconst N = {'9' * 1000}\nconst D = 1_0.{'5' * 997}\n" + SMALL[8:])
    assert parse_cli(capsys, p)[0] == 0


def test_a_const_option_of_100000_digits(capsys):
    code, err = parse_cli(capsys, ROOT / "models" / "bridge.sync", "--const", f"N={LONG}")
    assert code == 2 and "--const N:1:1: error[E104]: a number of 100,001 digits" in err


# ---- F5: any OSError on a path the user gives ---------------------------------------------------

def test_a_file_name_too_long_is_bad_input(tmp_path, capsys):
    name = tmp_path / ("a" * 300 + ".sync")
    for command in ("parse", "check"):
        code, err = cli(capsys, command, name)
        assert code == 2 and "error[E601]: cannot read" in err and "name too long" in err
    p = write(tmp_path, "m.sync", f'model M\nimport "{"b" * 300}.sync"\n')
    d = one(spec_error(load, p))
    assert d.code == "E602" and d.message.endswith("File name too long")


# ---- F13: the configuration is read like a model -----------------------------------------------

def test_a_configuration_that_is_a_device_or_has_a_huge_number(tmp_path, capsys):
    code, err = cli(capsys, "ci", "--config", "/dev/zero")
    assert code == 2 and "error[E610]: /dev/zero is a character device, not a configuration file" in err
    cfg = write(tmp_path, "syncproof.toml", '[[models]]\npath = "m.sync"\ntimeout = ' + "9" * 5000 + "\n")
    code, err = cli(capsys, "ci", "--config", cfg)
    assert code == 2
    assert ":3:11: error[E610]: a number of 5,000 digits: a configuration's numbers have at most 4,300" in err


def test_a_configuration_nested_100000_deep(tmp_path, capsys):
    cfg = write(tmp_path, "syncproof.toml", '[[models]]\npath = "m.sync"\nx = ' + "[" * 100_000 + "]" * 100_000)
    code, err = cli(capsys, "ci", "--config", cfg)
    assert (code, err) == (2, f"error[E610]: {cfg} is not valid TOML: arrays or inline tables nested too deeply")


# ---- F11: a long source line is cut around the caret ---------------------------------------------

def test_a_long_line_is_shown_as_a_window_with_the_caret_aligned():
    text = "x " * 50_000 + "@ " + "y " * 50_000
    col = text.index("@") + 1
    d = Diagnostic("E101", "unexpected character '@'", Span(Source("f.sync", text), 1, col, 1, col + 1))
    _, line, caret = d.render().splitlines()
    assert len(line) < 120 and len(caret) < 120
    assert line[caret.index("^")] == "@"
    assert line.startswith("  1 | ...") and line.endswith("...")


def test_a_short_line_is_shown_whole():
    d = Diagnostic("E101", "m", Span(Source("f.sync", "\tab cd"), 1, 5, 1, 7))
    assert d.render().splitlines()[1:] == ["  1 | \tab cd", "    | \t   ^^"]


# ---- item 11: deep nesting and huge expressions, bounded before any recursion ----------------------

HEAD = "model M\nvar x: bool\nvar y: 0..1\ninit { x = true y = 0 }\naction A { x = not x }\n"


def chain(n: int) -> str:
    """n defs, each using the one before."""
    return "def f0 = y\n" + "".join(f"def f{i} = f{i - 1} + 0\n" for i in range(1, n))


@pytest.mark.parametrize("text, where", [
    ("invariant I: " + " or ".join(["x"] * 400), "6:1524"),           # the 303rd term: 302 operators
    ("invariant I: " + "not " * 10_000 + "x", "6:38810"),
    ("invariant I: " + "-" * 10_000 + "y == 0", "6:9713"),
    ("invariant I: " + " + ".join(["y"] * 100_000) + " >= 0", "6:1222"),
    ("invariant I: " + "{" * 10_000 + "}" * 10_000 + " == {}", "6:9712"),
    ("var o: " + "option[" * 3_000 + "bool" + "]" * 3_000, "6:18901"),
], ids=["400 or", "10000 not", "10000 minus", "100000 plus", "10000 braces", "3000 option"])
def test_deep_nesting_is_an_error_at_its_place(tmp_path, capsys, text, where):
    p = write(tmp_path, "m.sync", HEAD + text + "\n")
    code, err = parse_cli(capsys, p)
    assert code == 2 and f"{p}:{where}: error[E105]: nested more than 300 levels deep" in err


def test_300_levels_are_fine():
    for text in ("invariant I: " + "not " * 300 + "x",
                 "invariant I: " + " or ".join(["x"] * 301),
                 "invariant I: " + " + ".join(["y"] * 300) + " >= 0",
                 "type T = " + "option[" * 299 + "bool" + "]" * 299):
        load_text(HEAD + text + "\n")
    # parses; its type, a set of sets 298 deep, is beyond the limits of the state (E318)
    parse(HEAD + "invariant I: " + "{" * 299 + "x" + "}" * 299 + " != {}\n")


def test_a_chain_of_2000_defs_is_an_error_where_it_gets_too_deep(tmp_path, capsys):
    p = write(tmp_path, "m.sync", HEAD + chain(2000) + "invariant I: f1999 >= 0\n")
    code, err = parse_cli(capsys, p)
    assert code == 2
    assert (f"{p}:307:12: error[E105]: using 'f300' here nests more than 300 levels deep "
            "(a definition counts as its body written in place)") in err


def test_a_def_used_deep_in_an_expression_counts_at_that_depth():
    d = one(spec_error(load_text, HEAD + chain(200) + "invariant I: " + "-" * 150 + "f199 == 0\n"))
    assert (d.code, d.span.line, d.span.col) == ("E105", 206, 164)
    load_text(HEAD + chain(200) + "invariant I: " + "-" * 50 + "f199 == 0\n")


def test_a_file_of_more_than_50000_tokens_stops_there(tmp_path, capsys):
    p = write(tmp_path, "m.sync", HEAD + "".join(f"invariant I{i}: x\n" for i in range(13_000)))
    code, err = parse_cli(capsys, p)
    assert code == 2 and f"{p}:12498:19: error[E106]: more than 50,000 words and symbols in one file" in err


def test_a_const_option_nested_too_deep(capsys):
    code, err = parse_cli(capsys, ROOT / "models" / "bridge.sync", "--const", "N=" + "-" * 1000 + "1")
    assert code == 2 and "--const N:1:700: error[E105]" in err


def test_catalog_of_a_bad_directory_or_output_is_bad_input(tmp_path, capsys):
    code, err = cli(capsys, "catalog", tmp_path / ("d" * 300))
    assert code == 2 and "error[E601]: cannot read" in err and "File name too long" in err
    write(tmp_path, "m.sync", SMALL)
    code, err = cli(capsys, "catalog", tmp_path, "--write", "/dev/null/x")
    assert code == 2 and "error[E606]: --write /dev/null/x: /dev/null is not a directory" in err


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no FIFOs here")
def test_a_fifo_in_a_catalog_is_an_error_entry(tmp_path):
    os.mkfifo(tmp_path / "pipe.sync")
    e = check_file(tmp_path / "pipe.sync")
    assert (e.verdict, e.error) == ("error", f"E601: {tmp_path / 'pipe.sync'} is a FIFO, not a model file")


def test_an_import_with_a_nul_character(tmp_path):
    p = write(tmp_path, "m.sync", 'model M\nimport "a\x00b.sync"\n')
    d = one(spec_error(load, p))
    assert (d.code, d.message) == ("E602", "cannot import 'a\x00b.sync': a file name cannot hold a NUL character")


@pytest.mark.parametrize("brk", ["\x0c", "\u2028", "\x1c"])
def test_the_line_shown_is_the_line_the_parser_counted(brk):
    d = one(spec_error(load_text, f"model M\n# a{brk}b\r\nvar x: 0..1\ninit {{ x = 5 }}\n"))
    assert d.render().splitlines()[1:] == ["  4 | init { x = 5 }", "    |            ^"]


@pytest.mark.slow   # 2-5 s on two busy cores: CI's slow selection runs it (the default run stays under 10 minutes)
def test_a_chain_of_3000_imports(tmp_path):
    write(tmp_path, "m0.sync", SMALL + 'import "m1.sync"\n')
    for i in range(1, 3000):
        write(tmp_path, f"m{i}.sync", f'model M{i}\nconst C{i} = {i}\n' + (f'import "m{i + 1}.sync"\n' if i < 2999 else ""))
    assert load(tmp_path / "m0.sync").const_values()["C2999"] == 2999
