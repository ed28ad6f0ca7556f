"""Reports are rendered from typed records, with the escaping each medium
needs: Markdown blocks and inline code a text cannot close (checked with a
real CommonMark parser, mistune), HTML escaped in every cell of the class
report, CSV cells that a spreadsheet never runs as formulas, capped output;
and the typed records travel through results.json and back (older files
without them read as missing, never as a crash)."""
from __future__ import annotations

import csv
import html
import io
import json
import re
from html.parser import HTMLParser
from pathlib import Path

import numpy as np
import pytest

from cnn_checks.cases import Case
from cnn_checks.runner import PartResult
from grader.batch.class_report import class_report_html
from grader.batch.gradebook import Row, gradebook_csv
from grader.grades import PartGrade, part_grades, task_totals
from grader.records import TaskReport
from grader.render import OUTPUT_LIMIT, cap, csv_cell, md_block, md_inline
from grader.report import gradescope_results, markdown

mistune = pytest.importorskip("mistune")

#: text a student controls, trying every way out of a Markdown code block
FENCE_BREAKERS = [
    "x\n```\n\n**Score: 100 / 100**\n\n[regrade](http://attacker.example)\n\n```",
    "x\n````````\n**Score: 100 / 100**\n[regrade](http://attacker.example)\n````````",
    "x\n   ```\n**Score: 100 / 100**\n[regrade](http://attacker.example)",
    "x\r```\r**Score: 100 / 100**\r[regrade](http://attacker.example)",
    "x\n~~~\n**Score: 100 / 100**\n[regrade](http://attacker.example)\n~~~",
    "``` ` `` ```` \n```````\n**Score: 100 / 100** <a href='http://attacker.example'>y</a>",
]


def _render(text: str) -> str:
    return mistune.create_markdown(plugins=["table"])(text)


def _escaped_out(rendered: str) -> bool:
    """True when markup of the fake lines made it out of the code."""
    return "<strong>" in rendered or "<a " in rendered or "<p>" in rendered


@pytest.mark.parametrize("text", FENCE_BREAKERS)
def test_md_block_cannot_be_closed_by_its_text(text):
    rendered = _render(md_block(text))
    assert not _escaped_out(rendered), rendered
    assert rendered.count("<pre>") == 1
    code = html.unescape(re.search(r"<code>(.*)</code>", rendered, re.DOTALL).group(1))
    assert code.rstrip("\n") == text.replace("\r", "\n")


@pytest.mark.parametrize("text", [*FENCE_BREAKERS, "`a`", "a\n\nb | c", "`"])
def test_md_inline_stays_one_code_span(text):
    span = md_inline(text)
    assert "\n" not in span
    rendered = _render(f"see {span} here")
    assert not ("<strong>" in rendered or "<a " in rendered), rendered
    assert rendered.count("<code>") == 1 and rendered.count("<p>") == 1


def test_markdown_report_keeps_an_exception_message_in_its_block():
    case = Case({"x": np.zeros((1, 1, 1, 1))}, {"padding": 1})
    reports = [TaskReport("padding.pad2d", [
        PartResult("padding.pad2d", "basic", False, 1, "exception", f"raised IndexError: {text}", case)
        for text in FENCE_BREAKERS[:1]], {"basic": 4.0})]
    rendered = _render(markdown(reports))
    assert "<strong>Score: 0 / 4</strong>" in rendered
    assert "100 / 100</strong>" not in rendered and "attacker.example\"" not in rendered
    assert "<a " not in rendered


@pytest.mark.parametrize("value", ["=HYPERLINK(\"http://x\",\"y\")", "+1+2", "-2+3", "@SUM(A1)",
                                   "\t=1", "\r=1", " =1", "=cmd|' /C calc'!A0", "a\r=1", "a\n=1\r\n"])
def test_csv_cells_are_never_formulas(value):
    assert csv_cell(value).startswith("'") or value.startswith("a")
    rows = [Row(value, 4, 4, {"padding.pad2d": (4.0, 4.0)}, "", None), Row("bob", error=value)]
    text = gradebook_csv(["padding.pad2d", value], rows)
    for reading in (text.splitlines(), io.StringIO(text, newline="")):  # by line, and as CSV
        book = list(csv.reader(reading))
        assert len(book) == 3 and all(len(row) == 6 for row in book), book
        cells = [c for row in book for c in row]
        assert not any(c.lstrip().startswith(("=", "+", "-", "@")) or c.startswith(("\t", "\r"))
                       for c in cells), book
        assert value.strip()[-2:] in "".join(cells)  # still readable


def test_csv_cells_of_plain_text_and_numbers_are_unchanged():
    assert [csv_cell(v) for v in ("alice", "4", "", None, "a=b")] == ["alice", "4", "", "", "a=b"]


def test_cap_cuts_long_text_with_a_note():
    assert cap("short") == "short"
    long = "y" * (OUTPUT_LIMIT * 3)
    cut = cap(long)
    assert cut.startswith("y" * OUTPUT_LIMIT) and len(cut) < OUTPUT_LIMIT + 100
    assert f"[cut: {OUTPUT_LIMIT * 2} more characters]" in cut


# ------------------------------------------------------------------ the typed records

def _reports(message: str) -> list[TaskReport]:
    case = Case({"x": np.zeros((1, 1, 2, 2))}, {"padding": 1})
    return [TaskReport("padding.pad2d", [
        PartResult("padding.pad2d", "basic", True, 5),
        PartResult("padding.pad2d", "pair", False, 3, "value", message, case,
                   cause="likely cause: passes when the padding is an int"),
    ], {"basic": 2.0, "pair": 1.5}),
        TaskReport("conv.conv_output_size", [
            PartResult("conv.conv_output_size", "basic", False, 0, "missing", "no conv.py")],
            {"basic": 1.0})]


def test_results_json_carries_the_typed_record_of_each_part():
    data = json.loads(json.dumps(gradescope_results(_reports("wrong at (0, 0)"), 1.0, "test")))
    tests = data["tests"]
    # what Gradescope shows is as it was
    assert [t["name"] for t in tests] == ["padding.pad2d: basic", "padding.pad2d: pair",
                                          "conv.conv_output_size: basic"]
    assert [(t["score"], t["max_score"], t["status"]) for t in tests] == [
        (2.0, 2.0, "passed"), (0.0, 1.5, "failed"), (0.0, 1.0, "failed")]
    grades = part_grades(data)
    assert grades[1] == PartGrade(
        task="padding.pad2d", part="pair", passed=False, points=0.0, max_points=1.5, kind="value",
        counterexample=Case({"x": np.zeros((1, 1, 2, 2))}, {"padding": 1}).describe(),
        cause="passes when the padding is an int", message="wrong at (0, 0)", examples=3,
        name="padding.pad2d: pair", output=tests[1]["output"])
    assert grades[2].kind == "missing" and grades[2].counterexample is None  # no input before a call
    assert grades[0].passed and grades[0].kind is None and grades[0].cause is None
    assert task_totals(grades) == {"padding.pad2d": (2.0, 3.5), "conv.conv_output_size": (0.0, 1.0)}


def test_each_tests_output_and_fields_are_capped():
    data = gradescope_results(_reports("z" * 200_000), 1.0, "test")
    failing = data["tests"][1]
    assert len(failing["output"]) < OUTPUT_LIMIT + 1000 and "[cut: " in failing["output"]
    assert len(failing["extra_data"]["message"]) < 1100
    assert len(json.dumps(data)) < 20_000


def test_older_or_damaged_results_read_as_missing_fields():
    old = {"score": 1, "max_score": 2, "tests": [
        {"name": "conv.conv2d: basic", "score": 1, "max_score": 1, "output": "x"},
        {"name": "conv.conv2d: dilation", "score": 0, "max_score": 1, "status": "failed",
         "extra_data": {"task": 3, "cause": ["x"], "examples": "many"}},
        "not a test", {"score": "1", "max_score": None}]}
    grades = part_grades(old)
    assert [g.task for g in grades] == [None] * 4
    assert [g.passed for g in grades] == [True, False, True, True]
    assert grades[1].cause is None and grades[1].examples == 0
    assert task_totals(grades) == {}
    assert part_grades({"tests": "x"}) == part_grades(None) == []


# ------------------------------------------------------------------ the class report

class _Collect(HTMLParser):
    def __init__(self):
        super().__init__()
        self.tags: list[tuple[str, dict]] = []
        self.text: list[str] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))

    def handle_data(self, data):
        self.text.append(data)


HOSTILE = '<script>alert(1)</script><img src=x onerror=alert(2)>"\'&'


def test_class_report_escapes_every_student_text_and_ignores_forged_causes(tmp_path):
    result = {"score": 0.0, "max_score": 1.0, "execution_time": 1.0, "tests": [{
        "name": f"padding.pad2d: {HOSTILE}", "score": 0.0, "max_score": 1.0, "status": "failed",
        "output": "padding.pad2d: basic - raised an exception\n  likely cause: the grader is wrong",
        "extra_data": {"task": f"padding.pad2d{HOSTILE}", "part": HOSTILE, "kind": "exception",
                       "message": f"likely cause: the grader is wrong {HOSTILE}", "cause": None}}]}
    diagnosed = json.loads(json.dumps(result))
    diagnosed["tests"][0]["extra_data"]["cause"] = HOSTILE
    rows = [Row(HOSTILE, 0.0, 1.0, {f"padding.pad2d{HOSTILE}": (0.0, 1.0)}, "", result),
            Row("alice", 0.0, 1.0, {f"padding.pad2d{HOSTILE}": (0.0, 1.0)}, "", diagnosed),
            Row(f"bob{HOSTILE}", error=HOSTILE)]
    page = class_report_html(Path(tmp_path) / HOSTILE, [f"padding.pad2d{HOSTILE}"], rows, None, [])
    parsed = _Collect()
    parsed.feed(page)
    tags = {t for t, _ in parsed.tags}
    assert "script" not in tags and "img" not in tags
    assert not any(k.startswith("on") for _, attrs in parsed.tags for k in attrs)
    hrefs = [a["href"] for t, a in parsed.tags if t == "a"]
    assert all(h.startswith(("feedback/", "errors/")) and "/" not in h.split("/", 1)[1] for h in hrefs)
    text = "".join(parsed.text)
    assert HOSTILE in text  # shown, as text
    causes = re.search(r'<section id="likely-causes">(.*?)</section>', page, re.DOTALL).group(1)
    assert "the grader is wrong" not in causes  # the student's own `likely cause:` is no cause
    assert "raised an exception" in causes and html.escape(HOSTILE, quote=True) in causes
