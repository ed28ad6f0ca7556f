"""The likely cause of a failing part, in one line.

Two mechanisms, both computed where the grading happens (the grader's own
process, or the student's test process for the public tests), never inside
the graded function's process:

1. misconceptions: the student's answer on the smallest failing case equals
   a known wrong variant of the task (cnn_checks.misconceptions; the
   grader adds its own, grader/misconceptions.py);
2. ablation: the student's function is run again (through the same `run`)
   on variants of the case that each remove one factor, and the variants
   that pass are named (cnn_checks.ablation).

Both run only for a failing part, on its one shrunk case.
"""
from __future__ import annotations

from collections.abc import Callable, Sequence

from .ablation import variants
from .cases import Case
from .execute import Failed, Returned
from .kinds import BEFORE_CALL, WHOLE_CALL
from .misconceptions import Catalogue, recognise

#: failures that say nothing about the math (or that cost a time limit to retry)
NOT_DIAGNOSED = WHOLE_CALL | BEFORE_CALL

PREFIX = "likely cause: "


def _constant(value: Sequence) -> Callable[[Case], Sequence]:
    return lambda case: value


def diagnose(task, case: Case, outcome: Returned | Failed | None,
             run: Callable[[Case], Returned | Failed], expected: Callable[[Case], Sequence],
             catalogue: Catalogue | None = None) -> str | None:
    """The `likely cause:` line for a failing case, or None when neither
    mechanism finds one. `catalogue`: the misconceptions to recognise (by
    default the public ones; the grader passes the whole catalogue)."""
    from .runner import judge_outcome
    if outcome is None or (isinstance(outcome, Failed) and outcome.kind in NOT_DIAGNOSED):
        return None
    if isinstance(outcome, Returned) and outcome.modified:
        return (f"{PREFIX}it changes its input {', '.join(outcome.modified)} in place "
                f"(work on a copy)")
    if isinstance(outcome, Returned):
        try:
            right = list(expected(case))
        except Exception:
            right = []
        if right and task.cause is not None:
            named = task.cause(case, right, outcome)
            if named:
                return PREFIX + named
        if right:
            names = recognise(task, case, [v.array for v in outcome.values],
                              [v.kind for v in outcome.values], [e.array for e in right],
                              [e.kind for e in right], catalogue)
            if names:
                return PREFIX + " or ".join(names)
    passing = []
    for factor, variant in variants(task, case):
        try:
            want = expected(variant)
        except Exception:  # the variant is not a valid input for the reference
            continue
        got = run(variant)
        if isinstance(got, Failed) and got.fatal:
            break
        if judge_outcome(task, variant, got, _constant(want)) is None:
            passing.append(factor.phrase)
    if passing:
        return f"{PREFIX}passes when {' or when '.join(passing)}"
    return None
