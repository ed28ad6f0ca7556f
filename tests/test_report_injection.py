"""Reports trust no student text, on the real path: one `grader batch` of
four students (padding only, 5 examples) whose feedback.md, report.html
and gradebook.csv are then read as their media would read them.

  markdown_fence_escape  an exception message that closes the Markdown
                         fence around it and renders a fake score line
                         and a link in feedback.md
  forged_likely_cause    an exception message with its own `likely cause:`
                         line, which a class report parsing the prose
                         would show as the grader's diagnosis
  a formula student id   a correct submission in a folder named
                         =HYPERLINK("attacker.example","y"), which a
                         gradebook written raw turns into a live formula
  alice                  the reference, graded as usual

(Both attacks are also entries of the adversarial corpus, where the
grader must give them 0 and keep the other module's marks.)
"""
from __future__ import annotations

import csv
import json
import re
import subprocess
import sys
from pathlib import Path

import pytest
from adversarial import ROOT, build_attack, copy_reference

pytestmark = pytest.mark.slow
mistune = pytest.importorskip("mistune")

FORMULA_ID = '=HYPERLINK("attacker.example","y")'
FENCE, CAUSE = "markdown_fence_escape", "forged_likely_cause"


@pytest.fixture(scope="module")
def batch(tmp_path_factory):
    subs = tmp_path_factory.mktemp("injection") / "subs"
    build_attack(FENCE, subs / "fence", {})
    build_attack(CAUSE, subs / "cause", {})
    copy_reference(subs / FORMULA_ID)
    copy_reference(subs / "alice")
    out = subs.parent / "out"
    run = subprocess.run([sys.executable, "-m", "grader.cli", "batch", str(subs), "--out", str(out),
                          "--tasks", "padding", "--examples", "5", "--jobs", "2", "--no-similarity"],
                         cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stderr[-3000:]
    return out


def _results(out: Path, student: str) -> dict:
    return json.loads((out / "results" / f"{student}.json").read_text())


def test_the_attacks_score_nothing_and_the_others_full_marks(batch):
    assert _results(batch, "fence")["score"] == _results(batch, "cause")["score"] == 0
    assert _results(batch, "alice")["score"] == _results(batch, FORMULA_ID)["score"] == 4


def test_an_exception_message_cannot_leave_the_feedbacks_code_block(batch):
    text = (batch / "feedback" / "fence.md").read_text()
    assert "**Score: 100 / 100**" in text  # the student's text is shown, as text
    rendered = mistune.create_markdown(plugins=["table"])(text)
    assert re.findall(r"<strong>Score: [^<]*</strong>", rendered) == ["<strong>Score: 0 / 4</strong>"]
    assert "<a " not in rendered and 'href="http://attacker.example' not in rendered
    # the failure's text, fake lines included, is one code block
    block = next(b for b in re.findall(r"<pre><code>(.*?)</code></pre>", rendered, re.DOTALL)
                 if "raised an exception" in b)
    assert "Score: 100 / 100" in block and "to reproduce" in block


def test_a_students_likely_cause_line_is_not_the_class_reports_cause(batch):
    page = (batch / "report.html").read_text()
    causes = re.search(r'<section id="likely-causes">(.*?)</section>', page, re.DOTALL).group(1)
    assert "reference is wrong" not in causes
    assert "raised an exception" in causes
    # the typed record keeps the message as data, with no cause
    record = _results(batch, "cause")["tests"][0]["extra_data"]
    assert record["kind"] == "exception" and record["cause"] is None
    assert "likely cause: the grader" in record["message"]


def test_a_formula_student_id_is_plain_text_in_the_gradebook(batch):
    with open(batch / "gradebook.csv", newline="") as fh:
        book = list(csv.reader(fh))
    cells = [c for row in book for c in row]
    assert not any(c.lstrip().startswith(("=", "+", "-", "@", "\t", "\r")) for c in cells), book
    rows = {row[0]: row for row in book[1:]}
    assert rows["'" + FORMULA_ID][1:4] == ["4", "4", "4"]
    assert set(rows) == {"alice", "cause", "fence", "'" + FORMULA_ID}
