"""A grade as data: the typed record of one graded part, as results.json
carries it and as every view reads it back.

Gradescope's results.json has one test per part (name, score, max_score,
status, output: what Gradescope shows). Each test also carries the part's
record in its `extra_data`:

    {"task": "conv.conv2d", "part": "dilation", "kind": "value",
     "counterexample": "x(1, 1, 3, 3)=..., dilation=2  [float64]",
     "cause": "the kernel taps ignore dilation", "message": "...", "examples": 20}

The views (the gradebook, the class report, the Classroom summary, the
nbgrader comments) read these fields, never the test's name or output:
those are text for people, and the output holds text the submission
controls. A test without a field (a results.json written before the
fields existed, or damaged) reads as that field missing, never as an error.
"""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from cnn_checks.kinds import TITLES

#: the fields of PartGrade that results.json keeps in a test's extra_data
EXTRA_FIELDS = ("task", "part", "kind", "counterexample", "cause", "message", "examples")


def _text(value: Any) -> str | None:
    return value if isinstance(value, str) else None


def _number(value: Any) -> float:
    return float(value) if isinstance(value, (int, float)) and not isinstance(value, bool) else 0.0


@dataclass(frozen=True)
class PartGrade:
    """The verdict on one part: which task and part (None when unknown),
    passed or not, its points, and for a failure its kind (a
    cnn_checks.kinds.Kind value), the smallest failing input as text, the
    likely cause (without the `likely cause:` prefix) and the message."""

    task: str | None
    part: str | None
    passed: bool
    points: float
    max_points: float
    kind: str | None = None
    counterexample: str | None = None
    cause: str | None = None
    message: str | None = None
    examples: int = 0
    #: the test's name and output as Gradescope shows them: labels for
    #: people, never parsed
    name: str = ""
    output: str = ""

    @property
    def title(self) -> str:
        """What kind of failure, in words ("wrong values"); "failed" when unknown."""
        return TITLES.get(self.kind or "", self.kind or "failed")

    @property
    def label(self) -> str:
        """The task's name, or the test's own name when the task is unknown."""
        return self.task or self.name or "?"

    def extra_data(self) -> dict[str, Any]:
        """The record's fields for a test's extra_data in results.json."""
        return {f: getattr(self, f) for f in EXTRA_FIELDS}

    @classmethod
    def from_test(cls, test: Any) -> PartGrade:
        """The record of one results.json test; a field that is missing or
        of the wrong type reads as None (0 for numbers)."""
        test = test if isinstance(test, dict) else {}
        extra = test.get("extra_data")
        extra = extra if isinstance(extra, dict) else {}
        points, max_points = _number(test.get("score")), _number(test.get("max_score"))
        passed = test.get("status") != "failed" and points >= max_points
        examples = extra.get("examples")
        return cls(task=_text(extra.get("task")), part=_text(extra.get("part")), passed=passed,
                   points=points, max_points=max_points, kind=_text(extra.get("kind")),
                   counterexample=_text(extra.get("counterexample")), cause=_text(extra.get("cause")),
                   message=_text(extra.get("message")),
                   examples=examples if isinstance(examples, int) and not isinstance(examples, bool) else 0,
                   name=_text(test.get("name")) or "", output=_text(test.get("output")) or "")


def part_grades(result: Any) -> list[PartGrade]:
    """The records of every test of a results.json object (none when it has
    no list of tests)."""
    tests = result.get("tests") if isinstance(result, dict) else None
    return [PartGrade.from_test(t) for t in tests] if isinstance(tests, list) else []


def task_totals(grades: Iterable[PartGrade]) -> dict[str, tuple[float, float]]:
    """task -> (score, max_score) over the records whose task is known."""
    sums: dict[str, list[float]] = {}
    for g in grades:
        if g.task is not None:
            s = sums.setdefault(g.task, [0.0, 0.0])
            s[0] += g.points
            s[1] += g.max_points
    return {k: (round(v[0], 2), round(v[1], 2)) for k, v in sums.items()}
