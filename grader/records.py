"""What the grading steps hand each other: the Settings a run grades with
and the TaskReport it produces. The failure kinds a PartResult carries are
cnn_checks.kinds.Kind (the sandboxed child needs them too)."""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from cnn_checks.cases import Case
from cnn_checks.runner import PartResult
from cnn_checks.task import Part, Task
from cnn_checks.tasks import TASKS

from .case_cache import cases_for
from .course_secret import CourseSecret, resolve
from .rubric import Rubric
from .sandbox import Limits


@dataclass
class Settings:
    """How to grade: the rubric, Hypothesis examples per part, the sandbox's
    limits, tasks graded in parallel, which tasks, and the cases' seed."""

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
    def from_rubric(cls, rubric: Rubric, **overrides: Any) -> Settings:
        """The rubric's [settings], then `overrides` that are not None."""
        limits = Limits(call_seconds=rubric.setting("call_seconds", 10.0),
                        cpu_seconds=rubric.setting("cpu_seconds", 60),
                        memory_mb=rubric.setting("memory_mb", 2048),
                        task_seconds=rubric.setting("task_seconds", Limits.task_seconds))
        base: dict[str, Any] = dict(rubric=rubric, examples=rubric.setting("examples", 100),
                                    limits=limits, workers=rubric.setting("workers", 2),
                                    secret=resolve(rubric.secret), per_student=rubric.per_student,
                                    submission_seconds=rubric.setting("submission_seconds", 900.0))
        base.update({k: v for k, v in overrides.items() if v is not None})
        return cls(**base)

    def limits_for(self, task_name: str) -> Limits:
        """The sandbox limits of one task: the rubric's [limits."task"] table
        over the common ones (training the network gets its own)."""
        own: dict[str, Any] = {k: v for k, v in self.rubric.limits.get(task_name, {}).items()
                               if k in Limits.__dataclass_fields__}
        return replace(self.limits, **own) if own else self.limits

    def for_student(self, student: str) -> Settings:
        """These settings for one student of a batch: their own cases when
        per_student is set."""
        return replace(self, student=student) if self.per_student else self

    def part_seed(self, task: Task, part: Part) -> int | None:
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

    def cases(self, task: Task, part: Part) -> Sequence[Case]:
        """The part's cases for these settings (drawn once, then cached)."""
        return cases_for(task, part, self.examples, self.part_seed(task, part))


@dataclass
class TaskReport:
    """A task's verdict: one PartResult per part, the points of each part,
    a hint drawn from which parts fail, and where the time went."""

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
