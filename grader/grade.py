"""Grade one submission, task by task, part by part. The flow, one step
and one module each:

    1. load     grader/case_cache.py  the part's cases, drawn once by Hypothesis and kept
    2. isolate  grader/sandbox.py     a sandboxed child imports the student's module
    3. run      grader/child.py       the child calls the student's function on the cases
                                      and sends back plain arrays (grader/wire.py)
    4. compare  grader/compare.py     each answer judged once against the reference's,
                                      computed once per case; a wrong one is shrunk
    5. report   grader/report.py      TaskReports become results.json and Markdown

Before step 2 the static check (cnn_checks/forbidden.py) refuses a task
whose function reaches a forbidden library. The student's code never shares
a process with the reference, the expected values or the results.
"""
from __future__ import annotations

import time
from concurrent.futures import ProcessPoolExecutor
from multiprocessing import get_context
from pathlib import Path

from cnn_checks.execute import Failed
from cnn_checks.feedback import hint
from cnn_checks.forbidden import describe, submission_files, violations_for_task
from cnn_checks.implementations import check_layout
from cnn_checks.kinds import Kind
from cnn_checks.runner import PartResult, check_part
from cnn_checks.task import Part, Task
from cnn_checks.tasks import TASKS

from .compare import ReferenceAnswers, judge_batch
from .records import Settings, TaskReport
from .sandbox import Child, Sandbox

__all__ = ["Settings", "TaskReport", "grade_submission", "grade_task"]


class Children:
    """The one place a task's sandboxed children are started: `live()` hands
    back the current child, or a fresh one once a failure ended it."""

    def __init__(self, sandbox: Sandbox, task: Task, forbidden: list[str]):
        self.sandbox, self.task, self.forbidden = sandbox, task, forbidden
        self.child: Child | None = None

    def live(self) -> Child | Failed:
        if self.child is not None and not self.child.dead:
            return self.child
        self.close()
        started = self.sandbox.start(self.task.name, self.forbidden)
        if isinstance(started, Child):
            self.child = started
        return started

    def close(self) -> None:
        if self.child is not None:
            self.child.close()
            self.child = None


def _all_fail(task: Task, parts: list[Part], kind: str, message: str) -> list[PartResult]:
    return [PartResult(task.name, p.name, False, 0, kind, message) for p in parts]


def grade_task(task_name: str, submission: Path, settings: Settings) -> TaskReport:
    """Grade one task: the static check, then each part in turn."""
    start = time.perf_counter()
    task = TASKS[task_name]
    points = settings.rubric.part_points(task_name)
    forbidden = settings.rubric.forbidden_for(task_name)
    violations = violations_for_task(submission_files(submission), task.module, task.function, forbidden)
    if violations:
        results = _all_fail(task, list(task.parts), Kind.FORBIDDEN, describe(violations, task_name))
        return TaskReport(task_name, results, points, "", 0.0, time.perf_counter() - start)
    sandbox = Sandbox(submission, settings.limits, settings.use_bwrap)
    children = Children(sandbox, task, forbidden)
    try:
        results = _grade_parts(task, children, ReferenceAnswers(task), settings)
    finally:
        children.close()
        sandbox.close()
    inside = sum(r.seconds_inside for r in results)
    return TaskReport(task_name, results, points, hint(task, results), inside,
                      time.perf_counter() - start)


def _grade_parts(task: Task, children: Children, expected: ReferenceAnswers,
                 settings: Settings) -> list[PartResult]:
    """Each part in turn. A child that cannot start fails the parts left; a
    part that timed out fails them too (a hang would cost the time limit
    again in every later part)."""
    results: list[PartResult] = []
    for i, part in enumerate(task.parts):
        result = _grade_part(task, part, children, expected, settings)
        results.append(result)
        rest = list(task.parts[i + 1:])
        if result.kind == Kind.TIMEOUT:
            message = f"not graded: the '{part.name}' part timed out ({result.message})"
            return results + _all_fail(task, rest, Kind.TIMEOUT, message)
        if children.child is None:  # no child could start: neither will one for the rest
            return results + _all_fail(task, rest, result.kind or Kind.CRASH, result.message or "")
    return results


def _grade_part(task: Task, part: Part, children: Children, expected: ReferenceAnswers,
                settings: Settings) -> PartResult:
    """load, isolate, run, compare: the part's cases go to the child in one
    batch; only if an answer is wrong does Hypothesis replay them one call
    at a time (in a fresh child if the batch ended the last one) and shrink
    the failure."""
    seed = settings.part_seed(task, part)
    cases = settings.cases(task, part)
    child = children.live()
    if isinstance(child, Failed):
        return PartResult(task.name, part.name, False, 0, child.kind, child.message)
    outcomes = child.batch(cases)
    if not isinstance(outcomes, Failed):
        verdict = judge_batch(task, part, cases, outcomes, expected)
        if verdict is not None:
            return verdict
    child = children.live()
    if isinstance(child, Failed):
        return PartResult(task.name, part.name, False, 0, child.kind, child.message)
    return check_part(task, part, child.call, expected, max_examples=settings.examples,
                      seed_value=seed)


def _grade_task_job(args: tuple[str, Path, Settings]) -> TaskReport:
    return grade_task(*args)


def grade_submission(submission: Path, settings: Settings) -> list[TaskReport]:
    """Every task of the rubric, in parallel over `settings.workers` processes.
    Raises cnn_checks.implementations.LayoutError, with a message for the
    student, when the folder holds no module files."""
    submission = Path(submission).resolve()
    check_layout(submission)
    names = [t for t in settings.tasks if t in TASKS]
    jobs = [(name, submission, settings) for name in names]
    if settings.workers <= 1:
        return [_grade_task_job(j) for j in jobs]
    # Slow tasks first, so the workers finish together.
    order = sorted(range(len(jobs)), key=lambda i: -settings.rubric.task_points(names[i]))
    with ProcessPoolExecutor(settings.workers, mp_context=get_context("fork")) as pool:
        done = dict(zip(order, pool.map(_grade_task_job, [jobs[i] for i in order]), strict=True))
    return [done[i] for i in range(len(jobs))]
