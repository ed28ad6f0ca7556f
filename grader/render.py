"""Text into a medium, with the escaping that medium needs.

Reports hold text a submission controls (an exception message, a file
name, a student id taken from a folder name). Every view renders it
through one of these, so that no such text can end the block it sits in,
add markup, or run as a spreadsheet formula:

    md_block    a Markdown code block whose fence the text cannot close
    md_inline   Markdown inline code the text cannot close (one line)
    csv_cell    a CSV cell a spreadsheet reads as text, never as a formula
    cap         long text cut to a limit, with a visible note

HTML is escaped with html.escape wherever it is written
(grader/batch/class_report.py).
"""
from __future__ import annotations

import re

#: the most characters of one test's output that a report shows
OUTPUT_LIMIT = 4000

_BACKTICKS = re.compile(r"`+")
#: the first characters that make a spreadsheet read a cell as a formula
#: (or, for tab and carriage return, as the start of another cell)
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def cap(text: str, limit: int = OUTPUT_LIMIT) -> str:
    """`text`, or its first `limit` characters and a note saying how much
    was cut."""
    text = str(text)
    if len(text) <= limit:
        return text
    return f"{text[:limit]}\n... [cut: {len(text) - limit} more characters]"


def _longest_backticks(text: str) -> int:
    return max((len(m) for m in _BACKTICKS.findall(text)), default=0)


def md_block(text: str, info: str = "") -> str:
    """`text` as a fenced Markdown code block: the fence is a run of
    backticks longer than any in the text, so no line of it can close the
    block (CommonMark closes a fence only with one at least as long, of
    the same character)."""
    text = str(text).replace("\r\n", "\n").replace("\r", "\n")
    fence = "`" * max(3, _longest_backticks(text) + 1)
    return f"{fence}{info}\n{text}\n{fence}"


def md_inline(text: str) -> str:
    """`text` as Markdown inline code on one line: line breaks become
    spaces (a blank line would end the paragraph), the delimiter is a run
    of backticks longer than any in the text, and `|` is escaped so that
    the span may sit in a table cell."""
    text = " ".join(str(text).split("\n")).replace("\r", " ").replace("|", "\\|")
    ticks = "`" * (_longest_backticks(text) + 1)
    pad = " " if text.startswith("`") or text.endswith("`") else ""
    return f"{ticks}{pad}{text}{pad}{ticks}"


def csv_cell(value: object) -> str:
    """`value` as a CSV cell's text, on one line (a line break, which the
    csv module leaves unquoted for a carriage return, becomes a space);
    text a spreadsheet would read as a formula (starting, after any
    spaces, with = + - @, or with a tab or a carriage return) gets a
    leading single quote, which makes it plain text."""
    text = "" if value is None else str(value)
    if text.startswith(_FORMULA_START) or text.lstrip().startswith(_FORMULA_START):
        text = "'" + text
    return text.replace("\r\n", " ").replace("\r", " ").replace("\n", " ")
