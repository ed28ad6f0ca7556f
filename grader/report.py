"""The grade as Gradescope's results.json and as Markdown."""
from __future__ import annotations

from collections.abc import Sequence

from cnn_checks.feedback import describe_failure

from .records import TaskReport
from .versions import environment, environment_line


def _part_output(report: TaskReport, result) -> str:
    if result.passed:
        text = f"passed ({result.examples} examples)"
        return f"{text}: {result.message}" if result.message else text
    text = describe_failure(result)
    if report.hint:
        text += f"\n  hint: {report.hint}"
    return text


def gradescope_results(reports: Sequence[TaskReport], seconds: float, sandbox: str,
                       cases: str = "") -> dict:
    """Gradescope's results format: score, max_score and one test per part,
    named `module.function: part` so every point traces back to a task.
    extra_data.grader holds the versions that graded (grader/versions.py)
    and `cases`, how the cases were drawn."""
    tests = []
    for rep in reports:
        for r in rep.results:
            pts = rep.points[r.part]
            tests.append({
                "name": f"{rep.task}: {r.part}",
                "score": pts if r.passed else 0.0,
                "max_score": pts,
                "status": "passed" if r.passed else "failed",
                "output": _part_output(rep, r),
                "output_format": "text",
                "visibility": "visible",
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
            f"`{r.task}` ({r.score:g}/{r.max_score:g})" for r in failing))
    else:
        lines.append("Every task passed.")
    if sandbox:
        lines += ["", f"_Graded in a sandbox: {sandbox}._"]
    lines += ["", environment_line(cases)]
    return "\n".join(lines)


def markdown(reports: Sequence[TaskReport], sandbox: str = "", cases: str = "") -> str:
    """A full Markdown report: the score table, then what to fix per task."""
    lines = ["# Grading report", "", summary_markdown(reports, sandbox, cases), "",
             "| task | score | parts failed |", "| --- | ---: | --- |"]
    for rep in reports:
        bad = [r.part for r in rep.results if not r.passed]
        lines.append(f"| `{rep.task}` | {rep.score:g} / {rep.max_score:g} | {', '.join(bad) or '-'} |")
    failing = [rep for rep in reports if rep.score < rep.max_score]
    if failing:
        lines += ["", "## What to fix"]
    for rep in failing:
        first = next(r for r in rep.results if not r.passed)
        lines += ["", f"### `{rep.task}`", "", "```", describe_failure(first), "```"]
        if rep.hint:
            lines.append(f"**Hint:** {rep.hint}")
        others = [r.part for r in rep.results if not r.passed and r is not first]
        if others:
            lines.append(f"Also failing: {', '.join(others)}.")
    return "\n".join(lines) + "\n"
