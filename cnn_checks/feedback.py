"""Feedback a student can act on: the smallest failing input, expected
versus got at the worst index, and what to look at."""
from __future__ import annotations

from collections.abc import Sequence

from .kinds import BEFORE_CALL, TITLES, WHOLE_CALL
from .runner import PartResult
from .task import Task

KIND_TITLES = TITLES


def hint(task: Task, results: Sequence[PartResult]) -> str:
    """What to check, judged from which parts fail.

    When the basic part passes and others fail, the difference between them
    is the hint: "fails only when dilation > 1".
    """
    by_name = {r.part: r for r in results}
    failing = [p for p in task.parts if p.name in by_name and not by_name[p.name].passed]
    if not failing:
        return ""
    basic = task.parts[0]
    if basic.name in by_name and by_name[basic.name].passed:
        conditions = " or ".join(p.condition for p in failing if p.condition)
        return f"fails only when {conditions}: {failing[0].advice}"
    return failing[0].advice


#: Where the student works, which decides how a failure is reproduced:
#: "repository" (the module files of assignments/, the public tests,
#: Gradescope, Classroom, a batch) or "notebook" (the nbgrader course).
AUDIENCES = ("repository", "notebook")


def describe_failure(result: PartResult, audience: str = "repository") -> str:
    """The lines that explain one failing part (no hint): the smallest
    failing input, expected versus got, the `likely cause:` line, and a few
    lines that call the function on exactly that input, as the `audience`
    (AUDIENCES) would run them."""
    title = KIND_TITLES.get(result.kind or "", result.kind or "failed")
    lines = [f"{result.task}: {result.part} - {title}"]
    case = result.case
    shown = case is not None and result.kind not in BEFORE_CALL
    if case is not None and shown:
        label = "input" if result.kind in WHOLE_CALL else "smallest failing input"
        lines.append(f"  {label}: {case.describe()}")
    if result.message:
        lines.append(f"  {result.message}")
    if result.cause:
        lines.append(f"  {result.cause}")
    if shown and result.kind not in ("not_implemented",):
        lines += reproduce(result, audience)
    return "\n".join(lines)


def reproduce(result: PartResult, audience: str = "repository") -> list[str]:
    """Lines a student can paste to call their function on the failing
    input (only when its values are few enough to print): into Python
    started in their repository's folder, importing through the package;
    or, for a notebook, into a new cell below their function (no import:
    the function is defined there)."""
    from .tasks import TASKS
    task = TASKS.get(result.task)
    if task is None or result.case is None or not result.case.small:
        return []
    code = task.snippet(result.case)
    if not code:
        return []
    if audience == "notebook":
        return [f"  to reproduce, run this in a new cell of {task.module}.ipynb, below your "
                f"function:"] + [f"    {line}" for line in code[1:]]  # code[0] is the import
    return ["  to reproduce, run this in Python started in your repository's folder (the one "
            "holding assignments/):"] + [f"    {line}" for line in code]


def part_feedback(task: Task, result: PartResult, audience: str = "repository") -> str:
    """Feedback for one part alone (the public tests report part by part)."""
    text = describe_failure(result, audience)
    if result.kind in ("not_implemented", "missing"):
        return text
    part = task.part(result.part)
    extra = f" (this part differs from '{task.parts[0].name}': {part.condition})" \
        if part is not task.parts[0] and part.condition else ""
    return f"{text}\n  hint: {part.advice}{extra}"
