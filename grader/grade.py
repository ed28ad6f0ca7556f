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
a process with the reference, the expected values or the results. One
sandbox per grading process serves every task it grades: its zygote forks
a fresh child per task (grader/sandbox.py); a task's calls together have a
wall-clock budget (the rubric's task_seconds).
"""
from __future__ import annotations

import time
from collections.abc import Sequence
from concurrent.futures import ProcessPoolExecutor, as_completed
from multiprocessing import get_context
from pathlib import Path

from cnn_checks.cases import Case
from cnn_checks.execute import Failed
from cnn_checks.feedback import hint
from cnn_checks.forbidden import describe, submission_files, violations_for_task
from cnn_checks.implementations import check_layout
from cnn_checks.kinds import Kind
from cnn_checks.runner import PartResult, check_part
from cnn_checks.task import Part, Task
from cnn_checks.tasks import TASKS

from . import measured
from .case_cache import expected_for
from .channel import batch_request
from .compare import OracleAnswers, ReferenceAnswers, answers_for, judge_batch
from .misconceptions import CATALOGUE
from .records import Settings, TaskReport
from .runtime import runtime_for_grading
from .sandbox import Child, Limits, Sandbox

__all__ = ["Settings", "TaskReport", "grade_submission", "grade_task", "prewarm"]


class Children:
    """The one place a task's sandboxed children are started: `live()` hands
    back the current child, or a fresh one once a failure ended it."""

    def __init__(self, sandbox: Sandbox, task: Task, forbidden: list[str], limits: Limits):
        self.sandbox, self.task, self.forbidden, self.limits = sandbox, task, forbidden, limits
        self.deadline = time.monotonic() + limits.task_seconds  # the task's budget, shared by its children
        self.child: Child | None = None
        self.over_budget = False

    def live(self) -> Child | Failed:
        if self.child is not None and not self.child.dead:
            return self.child
        self.close()
        started = self.sandbox.start(self.task.name, self.forbidden, self.deadline, self.limits)
        if not isinstance(started, Failed):
            self.child = started
        return started

    def close(self) -> None:
        if self.child is not None:
            self.over_budget |= self.child.over_budget
            self.child.close()
            self.child = None


def _all_fail(task: Task, parts: list[Part], kind: str, message: str) -> list[PartResult]:
    return [PartResult(task.name, p.name, False, 0, kind, message) for p in parts]


def grade_task(task_name: str, submission: Path, settings: Settings,
               sandbox: Sandbox | None = None) -> TaskReport:
    """Grade one task: the static check, then each part in turn, in children
    forked by `sandbox` (a sandbox of its own when None)."""
    start = time.perf_counter()
    task = TASKS[task_name]
    points = settings.rubric.part_points(task_name)
    forbidden = settings.rubric.forbidden_for(task_name)
    violations = violations_for_task(submission_files(submission), task.module, task.function, forbidden)
    if violations:
        results = _all_fail(task, list(task.parts), Kind.FORBIDDEN, describe(violations, task_name))
        return TaskReport(task_name, results, points, "", 0.0, time.perf_counter() - start)
    limits = settings.limits_for(task_name)
    # a task whose own limits the zygote would carry (Limits.inherited) gets a sandbox of its own
    own = sandbox is None or limits.inherited() != sandbox.limits.inherited()
    box = Sandbox(submission, limits, settings.use_bwrap, runtime_for_grading()) \
        if own or sandbox is None else sandbox
    children = Children(box, task, forbidden, limits)
    try:
        results = _grade_parts(task, children, answers_for(task), settings)
    finally:
        children.close()
        if own:
            box.close()
    if children.over_budget:
        results = _over_budget(task, results, limits.task_seconds)
    inside = sum(r.seconds_inside for r in results)
    return TaskReport(task_name, results, points, _hint_or_none(task, results), inside,
                      time.perf_counter() - start)


def _hint_or_none(task: Task, results: list[PartResult]) -> str:
    """The task's hint; none (the verdicts stand) if making it fails."""
    try:
        return hint(task, results)
    except Exception:
        return ""


def _grade_parts(task: Task, children: Children, expected: ReferenceAnswers | OracleAnswers,
                 settings: Settings) -> list[PartResult]:
    """Each part in turn. A child that cannot start fails the parts left; a
    part that timed out fails them too (a hang would cost the time limit
    again in every later part)."""
    results: list[PartResult] = []
    for i, part in enumerate(task.parts):
        result = _grade_part_or_fail(task, part, children, expected, settings)
        results.append(result)
        rest = list(task.parts[i + 1:])
        if result.kind == Kind.TIMEOUT:
            message = f"not graded: the '{part.name}' part timed out ({result.message})"
            return results + _all_fail(task, rest, Kind.TIMEOUT, message)
        if children.child is None:  # no child could start: neither will one for the rest
            return results + _all_fail(task, rest, result.kind or Kind.CRASH, result.message or "")
    return results


def _grade_part_or_fail(task: Task, part: Part, children: Children,
                        expected: ReferenceAnswers | OracleAnswers, settings: Settings) -> PartResult:
    """_grade_part, where any exception while the part is judged (a task's
    verify, summary or cause, Hypothesis' shrinking, the reference on an
    odd case) fails that part alone: the other parts and tasks are graded,
    and the results written, as always."""
    try:
        return _grade_part(task, part, children, expected, settings)
    except Exception as exc:
        return PartResult(task.name, part.name, False, 0, Kind.CRASH, judging_failed(exc))


def judging_failed(exc: Exception) -> str:
    """What a student reads when judging their answer raised `exc` (its
    text cut short: it may quote the answer)."""
    try:
        said = str(exc)
    except Exception:
        said = ""
    said = f": {said[:200]}{'...' if len(said) > 200 else ''}" if said else ""
    return (f"the grader could not judge this part: checking your answer raised "
            f"{type(exc).__name__}{said}. The part counts as failed; if your function returns "
            f"what SPEC.md asks for, show this message to the course staff")


def _over_budget(task: Task, results: list[PartResult], seconds: float) -> list[PartResult]:
    """The budget bounds the whole task: a part passed on the way counts for
    nothing; a part that failed for its own reason keeps it."""
    message = f"not graded: the task used up its time budget of {seconds:g} s (all calls together); " \
              f"make each call faster"
    own = {r.part: r for r in results if not r.passed and r.kind != Kind.TIMEOUT}
    return [own.get(p.name) or PartResult(task.name, p.name, False, 0, Kind.TIMEOUT, message)
            for p in task.parts]


class PartAnswers:
    """`expected(case)` for one part: the answers stored with its cached
    cases (loaded on first use; computed and stored once, see
    case_cache.expected_for), else the reference's."""

    def __init__(self, task: Task, part: Part, settings: Settings, cases: Sequence[Case],
                 reference: ReferenceAnswers | OracleAnswers):
        self.task, self.part, self.settings = task, part, settings
        self.cases, self.reference = cases, reference
        self.by_case: dict[int, list] | None = None

    def __call__(self, case):
        if self.by_case is None:
            stored = expected_for(self.task, self.part, self.settings.examples, self.cases, self.reference,
                                  self.settings.part_seed(self.task, self.part))
            self.by_case = {id(c): e for c, e in zip(self.cases, stored, strict=True)}
        found = self.by_case.get(id(case))
        return found if found is not None else self.reference(case)


def _grade_part(task: Task, part: Part, children: Children,
                expected: ReferenceAnswers | OracleAnswers, settings: Settings) -> PartResult:
    """load, isolate, run, compare: the part's cases go to the child in one
    batch; only if an answer is wrong does Hypothesis replay them one call
    at a time (in a fresh child if the batch ended the last one) and shrink
    the failure. Measured parts (grader/measured.py) go their own way: the
    speed tier starts children of the tasks it times; fixed cases (a
    training run) run once each, their CPU time measured from outside."""
    if part.grader_only:
        return measured.grade_speed_part(task, part, children.sandbox, settings.rubric,
                                         settings.rubric.setting("speed_ratio", 10.0), children.limits)
    if part.cases is not None:
        child = children.live()
        if isinstance(child, Failed):
            return PartResult(task.name, part.name, False, 0, child.kind, child.message)
        budget = settings.rubric.limits.get(task.name, {}).get("budget_seconds")
        result, _ = measured.grade_fixed_part(task, part, child, expected, budget,
                                              settings.part_seed(task, part))
        return result
    seed = settings.part_seed(task, part)
    cases = settings.cases(task, part)
    answers = PartAnswers(task, part, settings, cases, expected)
    child = children.live()
    if isinstance(child, Failed):
        return PartResult(task.name, part.name, False, 0, child.kind, child.message)
    # One case first: code that fails at once (a stub) costs one call, not a batch.
    first = child.batch(cases[:1])
    if not isinstance(first, Failed):
        verdict = judge_batch(task, part, cases[:1], first, answers)
        if verdict is not None and verdict.passed and len(cases) > 1:
            rest = child.batch(cases[1:])
            verdict = None if isinstance(rest, Failed) else \
                judge_batch(task, part, cases, [*first, *rest], answers, judged=1)
        if verdict is not None:
            return verdict
    child = children.live()
    if isinstance(child, Failed):
        return PartResult(task.name, part.name, False, 0, child.kind, child.message)
    return check_part(task, part, child.call, expected, max_examples=settings.examples,
                      seed_value=seed, catalogue=CATALOGUE)


def cached_parts(task: Task) -> list[Part]:
    """The parts whose cases and expected answers the case cache keeps:
    every part but those judged from measured runs (fixed cases such as a
    training run, the speed tier), whose verdicts are measured at each grading."""
    return [part for part in task.parts if not part.grader_only and part.cases is None]


def prewarm(settings: Settings, progress: bool = False, strict: bool = True) -> int:
    """Draw every graded part's cases and store the reference's answers to
    them (grader/case_cache.py), as the first grading would (cached_parts),
    and encode each part's batch requests (grader.channel.batch_request,
    kept in this process's memory for the gradings it forks); the number of
    parts. `progress`: a progress bar on stderr. Not `strict`: a part that
    fails here is skipped (its grading draws it again and reports why)."""
    parts = [(TASKS[name], part) for name in settings.tasks if name in TASKS
             for part in cached_parts(TASKS[name])]
    if progress:
        import sys

        from tqdm import tqdm
        parts = tqdm(parts, desc="cases", unit="part", file=sys.stderr, leave=False)
    answers: dict[str, ReferenceAnswers | OracleAnswers] = {}
    done = 0
    for task, part in parts:
        try:
            cases = settings.cases(task, part)
            if task.name not in answers:
                answers[task.name] = answers_for(task)
            reference = answers[task.name]
            expected_for(task, part, settings.examples, cases, reference, settings.part_seed(task, part))
            batch_request(cases[:1])  # the two batches _grade_part sends
            batch_request(cases[1:])
        except Exception:
            if strict:
                raise
            continue
        done += 1
    return done


_WORKER: dict = {}


def _worker_sandbox(submission: Path, settings: Settings, runtime: Path) -> Sandbox:
    """This process's sandbox for `submission` (one per grading worker,
    closed when the worker exits or grades another submission)."""
    key = (str(submission), settings.limits, settings.use_bwrap, str(runtime))
    if _WORKER.get("key") != key:
        if _WORKER.get("sandbox") is not None:
            _WORKER["sandbox"].close()
        sandbox = Sandbox(submission, settings.limits, settings.use_bwrap, runtime)
        from multiprocessing.util import Finalize
        Finalize(sandbox, sandbox.close, exitpriority=10)
        _WORKER.update(key=key, sandbox=sandbox)
    return _WORKER["sandbox"]


def _grade_task_job(args: tuple[str, Path, Settings, Path]) -> TaskReport:
    name, submission, settings, runtime = args
    return grade_task(name, submission, settings, _worker_sandbox(submission, settings, runtime))


def grade_submission(submission: Path, settings: Settings, progress: bool = False) -> list[TaskReport]:
    """Every task of the rubric, in parallel over `settings.workers` processes,
    each with one sandbox that forks a fresh child per task. Raises
    cnn_checks.implementations.LayoutError, with a message for the student,
    when the folder holds no module files. `progress`: a progress bar of the
    tasks graded on standard error (for a terminal)."""
    submission = Path(submission).resolve()
    check_layout(submission)
    names = [t for t in settings.tasks if t in TASKS]
    runtime = runtime_for_grading()
    with _progress_bar(len(names), progress) as bar:
        if settings.workers <= 1 or len(names) <= 1:
            with Sandbox(submission, settings.limits, settings.use_bwrap, runtime) as sandbox:
                reports = []
                for name in names:
                    reports.append(grade_task(name, submission, settings, sandbox))
                    bar.update(1)
                return reports
        jobs = [(name, submission, settings, runtime) for name in names]
        # Slow tasks first, so the workers finish together.
        order = sorted(range(len(jobs)), key=lambda i: -settings.rubric.task_points(names[i]))
        done: dict[int, TaskReport] = {}
        with ProcessPoolExecutor(min(settings.workers, len(jobs)), mp_context=get_context("fork")) as pool:
            futures = {pool.submit(_grade_task_job, jobs[i]): i for i in order}
            for future in as_completed(futures):
                done[futures[future]] = future.result()
                bar.update(1)
        return [done[i] for i in range(len(jobs))]


class _NoBar:
    """What _progress_bar gives when no bar is shown."""

    def __enter__(self) -> _NoBar:
        return self

    def __exit__(self, *exc) -> None:
        return None

    def update(self, n: int) -> None:
        return None


def _progress_bar(total: int, show: bool):
    """A tqdm bar of `total` tasks on standard error when `show`, else a
    stand-in that shows nothing."""
    if not show:
        return _NoBar()
    import sys

    from tqdm import tqdm
    return tqdm(total=total, desc="grading", unit="task", file=sys.stderr, leave=False)
