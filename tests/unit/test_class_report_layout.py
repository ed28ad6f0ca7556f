"""The class report puts what needs the instructor first (errors, failing
parts, their causes, similar code) and folds what nobody failed."""
from __future__ import annotations

import re
from pathlib import Path

from grader.batch.class_report import class_report_html
from grader.batch.gradebook import Row
from grader.grades import part_grades, task_totals


def _test(task: str, part: str, score: float, top: float, kind: str | None = None) -> dict:
    return {"name": f"{task}: {part}", "score": score, "max_score": top, "output": "",
            "status": "passed" if score >= top else "failed",
            "extra_data": {"task": task, "part": part, "kind": kind, "counterexample": None,
                           "cause": "a cause" if kind else None, "message": None, "examples": 3}}


def _row(student: str, tests: list[dict]) -> Row:
    result = {"score": sum(t["score"] for t in tests), "max_score": sum(t["max_score"] for t in tests),
              "tests": tests, "execution_time": 1.0}
    return Row(student, result["score"], result["max_score"], task_totals(part_grades(result)),
               result=result)


def report() -> str:
    good = [_test("padding.pad2d", "basic", 2, 2), _test("padding.pad2d", "modes", 2, 2),
            _test("conv.conv2d", "basic", 3, 3), _test("conv.conv2d", "stride", 3, 3)]
    bad = [*good[:2], _test("conv.conv2d", "basic", 3, 3), _test("conv.conv2d", "stride", 0, 3, "value")]
    rows = [_row("ann", good), _row("bob", bad), Row("cat", error="no module files found")]
    return class_report_html(Path("out"), ["padding.pad2d", "conv.conv2d"], rows, None, [], 0.9)


def test_attention_first():
    text = report()
    order = [m for m in re.findall(r'<section id="([a-z-]+)">', text)]
    assert order == ["errors", "failing-parts", "likely-causes", "similar", "distribution", "slowest",
                     "students"]


def _section(text: str, name: str) -> str:
    return re.search(rf'<section id="{name}">(.*?)</section>', text, re.S).group(1)


def test_nobody_failed_is_folded():
    text = report()
    failing = _section(text, "failing-parts")
    shown, folded = failing.split("<details>", 1)
    assert "stride" in shown and "basic" not in shown  # the part someone failed, in view
    assert "3 parts every student passed" in folded and "modes" in folded
    distribution = _section(text, "distribution")
    shown, folded = distribution.split("<details>", 1)
    assert "conv.conv2d" in shown and "padding.pad2d" not in shown
    assert "1 task every student got full marks on" in folded and "padding.pad2d" in folded
    assert "<details><summary>3 students</summary>" in _section(text, "students")
