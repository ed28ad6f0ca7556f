"""The grade as Gradescope's results.json and as Markdown.

Each part's verdict becomes one typed record (grader/grades.py), which
results.json carries beside the text Gradescope shows; the Markdown
renders text from the submission only inside code blocks it cannot close
(grader/render.py). Each test's output is capped here, where the results
are built."""
from __future__ import annotations

from collections.abc import Sequence

from cnn_checks.causes import PREFIX as CAUSE_PREFIX
from cnn_checks.feedback import describe_failure
from cnn_checks.kinds import BEFORE_CALL
from cnn_checks.runner import PartResult

from .grades import PartGrade
from .records import TaskReport
from .render import cap, md_block, md_inline
from .versions import environment, environment_line

#: the most characters of a message or a counterexample a record keeps
FIELD_LIMIT = 1000


def _part_output(report: TaskReport, result: PartResult, audience: str = "repository") -> str:
    if result.passed:
        text = f"passed ({result.examples} examples)"
        return cap(f"{text}: {result.message}" if result.message else text)
    text = cap(describe_failure(result, audience))
    if report.hint:
        text += f"\n  hint: {report.hint}"
    return text


def part_grade(report: TaskReport, result: PartResult, audience: str = "repository") -> PartGrade:
    """The typed record of one part of `report` (its text fields capped;
    its output written for `audience`, cnn_checks.feedback.AUDIENCES)."""
    points = report.points[result.part]
    failed = not result.passed
    shown = failed and result.case is not None and result.kind not in BEFORE_CALL
    cause = result.cause.removeprefix(CAUSE_PREFIX) if failed and result.cause else None
    return PartGrade(
        task=report.task, part=result.part, passed=result.passed,
        points=points if result.passed else 0.0, max_points=points,
        kind=str(result.kind) if failed and result.kind else None,
        counterexample=cap(result.case.describe(), FIELD_LIMIT) if shown and result.case else None,
        cause=cap(cause, FIELD_LIMIT) if cause else None,
        message=cap(result.message, FIELD_LIMIT) if result.message else None,
        examples=result.examples, name=f"{report.task}: {result.part}",
        output=_part_output(report, result, audience))


def gradescope_results(reports: Sequence[TaskReport], seconds: float, sandbox: str,
                       cases: str = "", audience: str = "repository") -> dict:
    """Gradescope's results format: score, max_score and one test per part,
    named `module.function: part` so every point traces back to a task,
    each with its typed record in extra_data (grader/grades.py).
    extra_data.grader holds the versions that graded (grader/versions.py)
    and `cases`, how the cases were drawn. The outputs are written for
    `audience` (cnn_checks.feedback.AUDIENCES)."""
    tests = []
    for rep in reports:
        for r in rep.results:
            grade = part_grade(rep, r, audience)
            tests.append({
                "name": grade.name,
                "score": grade.points,
                "max_score": grade.max_points,
                "status": "passed" if grade.passed else "failed",
                "output": grade.output,
                "output_format": "text",
                "visibility": "visible",
                "extra_data": grade.extra_data(),
            })
    score = round(sum(rep.score for rep in reports), 2)
    max_score = round(sum(rep.max_score for rep in reports), 2)
    return {
        "score": score,
        "max_score": max_score,
        "execution_time": round(seconds, 2),
        "output": summary_markdown(reports, sandbox, cases),
        "output_format": "md",
        "visibility": "visible",
        "stdout_visibility": "hidden",
        "extra_data": {"grader": {**environment(), "cases": cases}},
        "tests": tests,
    }


def summary_markdown(reports: Sequence[TaskReport], sandbox: str = "", cases: str = "") -> str:
    score = round(sum(r.score for r in reports), 2)
    max_score = round(sum(r.max_score for r in reports), 2)
    lines = [f"**Score: {score:g} / {max_score:g}**", ""]
    failing = [r for r in reports if r.score < r.max_score]
    if failing:
        lines.append("Tasks that lost points: " + ", ".join(
            f"{md_inline(r.task)} ({r.score:g}/{r.max_score:g})" for r in failing))
    else:
        lines.append("Every task passed.")
    if sandbox:
        lines += ["", f"_Graded in a sandbox: {sandbox}._"]
    lines += ["", environment_line(cases)]
    return "\n".join(lines)


def markdown(reports: Sequence[TaskReport], sandbox: str = "", cases: str = "",
             audience: str = "repository") -> str:
    """A full Markdown report: the score table, then what to fix per task
    (written for `audience`, cnn_checks.feedback.AUDIENCES)."""
    lines = ["# Grading report", "", summary_markdown(reports, sandbox, cases), "",
             "| task | score | parts failed |", "| --- | ---: | --- |"]
    for rep in reports:
        bad = [r.part for r in rep.results if not r.passed]
        lines.append(f"| {md_inline(rep.task)} | {rep.score:g} / {rep.max_score:g} "
                     f"| {', '.join(bad) or '-'} |")
    failing = [rep for rep in reports if rep.score < rep.max_score]
    if failing:
        lines += ["", "## What to fix"]
    for rep in failing:
        first = next(r for r in rep.results if not r.passed)
        lines += ["", f"### {md_inline(rep.task)}", "", md_block(cap(describe_failure(first, audience)))]
        if rep.hint:
            lines.append(f"**Hint:** {rep.hint}")
        others = [r.part for r in rep.results if not r.passed and r is not first]
        if others:
            lines.append(f"Also failing: {', '.join(others)}.")
    return "\n".join(lines) + "\n"
