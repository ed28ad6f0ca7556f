"""Grade one submission: every task, part by part, in sandboxed children.

For each task the grader (this process, trusted) draws the cases with
Hypothesis, sends each to the child that runs the student's function,
computes the expected answer with the reference solution here, and judges
the child's plain-array answer. The student's code never shares a process
with the reference, the expected values or the results.
"""
from __future__ import annotations

import time
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field, replace
from multiprocessing import get_context
from pathlib import Path

from cnn_checks.execute import Failed, execute, find_callable
from cnn_checks.feedback import hint
from cnn_checks.implementations import check_layout, load_module
from cnn_checks.oracle import values_expected
from cnn_checks.runner import PartResult, check_cases, check_part, judge_outcome
from cnn_checks.tasks import TASKS

from .case_cache import cases_for
from .course_secret import CourseSecret, resolve
from .rubric import Rubric
from .sandbox import Child, Limits, Sandbox


@dataclass
class TaskReport:
    """A task's verdict: one PartResult per part, with points."""

    task: str
    results: list[PartResult]
    points: dict[str, float]
    hint: str = ""
    seconds_inside: float = 0.0
    seconds: float = 0.0

    @property
    def score(self) -> float:
        return round(sum(self.points[r.part] for r in self.results if r.passed), 2)

    @property
    def max_score(self) -> float:
        return round(sum(self.points.values()), 2)


@dataclass
class Settings:
    rubric: Rubric
    examples: int
    limits: Limits
    workers: int
    use_bwrap: bool | None = None
    tasks: list[str] = field(default_factory=lambda: list(TASKS))
    #: the course secret that seeds the cases (None: the public seeds)
    secret: CourseSecret | None = None
    #: with a secret, a student id makes the cases that student's own
    student: str | None = None
    #: [course] per_student: `grader batch` gives each student their own cases
    per_student: bool = False
    #: wall-clock limit for one submission in `grader batch` (0: none)
    submission_seconds: float = 0.0

    @classmethod
    def from_rubric(cls, rubric: Rubric, **overrides) -> Settings:
        limits = Limits(call_seconds=rubric.setting("call_seconds", 10.0),
                        cpu_seconds=rubric.setting("cpu_seconds", 60),
                        memory_mb=rubric.setting("memory_mb", 2048))
        base = dict(rubric=rubric, examples=rubric.setting("examples", 100), limits=limits,
                    workers=rubric.setting("workers", 2), secret=resolve(rubric.secret),
                    per_student=rubric.per_student,
                    submission_seconds=rubric.setting("submission_seconds", 900.0))
        base.update({k: v for k, v in overrides.items() if v is not None})
        return cls(**base)

    def for_student(self, student: str) -> Settings:
        """These settings for one student of a batch: their own cases when
        per_student is set."""
        return replace(self, student=student) if self.per_student else self

    def part_seed(self, task, part) -> int | None:
        """The part's secret seed; None (the public seed) without a secret."""
        if self.secret is None:
            return None
        return self.secret.part_seed(task.name, part.name, self.student)

    @property
    def cases_label(self) -> str:
        """How the cases are drawn, for the reports (never the secret)."""
        if self.secret is None:
            return "public seeds (no course secret: anyone can redraw them)"
        who = f", student {self.student}" if self.student else ""
        return f"course secret {self.secret.fingerprint}{who}"

    def cases(self, task, part) -> list:
        """The part's cases for these settings (drawn once, then cached)."""
        return cases_for(task, part, self.examples, self.part_seed(task, part))


def _reference_expected(task):
    fn = find_callable(load_module("solutions", task.module), task)

    def expected(case):
        outcome = execute(task, fn, case)
        if isinstance(outcome, Failed):
            raise RuntimeError(f"the reference failed on {task.name}: {outcome.message}")
        return values_expected(task, outcome.values)

    return expected


def _static_violations(submission: Path, task, forbidden: list[str]) -> list:
    from cnn_checks.forbidden import submission_files, violations_for_task
    return violations_for_task(submission_files(submission), task.module, task.function, forbidden)


def _all_fail(task, kind: str, message: str) -> list[PartResult]:
    return [PartResult(task.name, p.name, False, 0, kind, message) for p in task.parts]


def grade_task(task_name: str, submission: Path, settings: Settings) -> TaskReport:
    """Grade one task: static check, then each part through one child (a
    fresh child after any failure that ended the previous one)."""
    start = time.perf_counter()
    task = TASKS[task_name]
    points = settings.rubric.part_points(task_name)
    forbidden = settings.rubric.forbidden_for(task_name)
    violations = _static_violations(submission, task, forbidden)
    if violations:
        from cnn_checks.forbidden import describe
        message = describe(violations, task_name)
        results = _all_fail(task, "forbidden", message)
        return TaskReport(task_name, results, points, "", 0.0, time.perf_counter() - start)
    sandbox = Sandbox(submission, settings.limits, settings.use_bwrap)
    try:
        results = _grade_parts(task, sandbox, forbidden, settings)
    finally:
        sandbox.close()
    inside = sum(r.seconds_inside for r in results)
    return TaskReport(task_name, results, points, hint(task, results), inside,
                      time.perf_counter() - start)


def _grade_parts(task, sandbox: Sandbox, forbidden: list[str], settings: Settings) -> list[PartResult]:
    """Each part through one child (a fresh child after any failure that
    ended the previous one); every child is killed at the end."""
    expected = _reference_expected(task)
    results: list[PartResult] = []
    child: Child | None = None
    for part in task.parts:
        if child is None or child.dead:
            if child is not None:
                child.close()
            started = sandbox.start(task.name, forbidden)
            if isinstance(started, Failed):
                results += _all_fail(task, started.kind, started.message)[len(results):]
                child = None
                break
            child = started
        result, child = _grade_part(task, part, child, sandbox, forbidden, expected, settings)
        results.append(result)
        if result.kind == "timeout":
            # A hang would cost the time limit again in every later part.
            message = f"not graded: the '{part.name}' part timed out ({result.message})"
            results += [PartResult(task.name, p.name, False, 0, "timeout", message)
                        for p in task.parts[len(results):]]
            break
    if child is not None:
        child.close()
    return results


def _grade_part(task, part, child, sandbox, forbidden, expected, settings):
    """Fast path: the part's (cached) cases in one batch; only if one fails,
    Hypothesis retraces them one call at a time and shrinks the failure.
    Returns the result and the child to use next (a fresh one if needed)."""
    seed = settings.part_seed(task, part)
    cases = settings.cases(task, part)
    outcomes = child.batch(cases)
    if not isinstance(outcomes, Failed):
        passed = check_cases(task, part, cases, outcomes, expected)
        if passed is not None:
            return passed, child
        first = next((i for i, (c, o) in enumerate(zip(cases, outcomes, strict=False))
                      if judge_outcome(task, c, o, expected) is not None), None)
        if first is not None and isinstance(outcomes[first], Failed) and outcomes[first].fatal:
            # not implemented, missing, exit, ...: no smaller input to look for
            failed = outcomes[first]
            return PartResult(task.name, part.name, False, first + 1, failed.kind, failed.message,
                              cases[first]), child
    if child.dead:
        child.close()
        child = sandbox.start(task.name, forbidden)
        if isinstance(child, Failed):
            return PartResult(task.name, part.name, False, 0, child.kind, child.message), None
    return check_part(task, part, child.call, expected, max_examples=settings.examples,
                      seed_value=seed), child


def _grade_task_job(args):
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
        reports = [_grade_task_job(j) for j in jobs]
    else:
        # Slow tasks first, so the two workers finish together.
        order = sorted(range(len(jobs)), key=lambda i: -settings.rubric.task_points(names[i]))
        with ProcessPoolExecutor(settings.workers, mp_context=get_context("fork")) as pool:
            done = dict(zip(order, pool.map(_grade_task_job, [jobs[i] for i in order]), strict=True))
        reports = [done[i] for i in range(len(jobs))]
    return reports
