"""Run one part of a task as a Hypothesis property and keep the smallest
failing case.

`check_part` is the single place where cases are drawn, the implementation
is called and its answer judged. The project's tests, the students' public
tests and the grader all go through it; they differ only in what they pass
as `run` (the implementation: in this process, or in a sandboxed child)
and `expected` (PyTorch, or the reference solution).
"""
from __future__ import annotations

import zlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from hypothesis import HealthCheck, Phase, given, seed, settings
from hypothesis.strategies import SearchStrategy

from .cases import Case
from .execute import Failed, Returned
from .kinds import Kind
from .misconceptions import Catalogue
from .outputs import Expected, judge
from .task import Part, Task
from .tolerances import Mismatch


def hypothesis_settings(max_examples: int) -> settings:
    """Reproducible settings: fixed seed per part, no example database, no
    deadline (timing never decides a grade), no health checks that depend
    on speed."""
    return settings(
        max_examples=max_examples,
        database=None,
        deadline=None,
        derandomize=False,
        print_blob=False,
        report_multiple_bugs=False,
        suppress_health_check=list(HealthCheck),
        phases=(Phase.explicit, Phase.generate, Phase.shrink),
    )


def part_seed(task: Task, part: Part) -> int:
    """The public seed of a part (what students' tests use). The grader
    passes its own, secret seeds instead (grader/course_secret.py)."""
    return zlib.crc32(f"{task.name}:{part.name}".encode())


def without_local_constants() -> None:
    """Make Hypothesis' draws depend on the seed alone.

    Hypothesis (6.131 and later) mixes integer, float and string constants
    that it finds in the source of every loaded "local" module (one not
    installed under site-packages) into its draws, and caches them under
    .hypothesis/constants/ in the working folder. The cases would then
    depend on how the project is installed (an editable checkout harvests
    solutions/ and grader/, a wheel does not) and on which modules happen to
    be loaded, and constants of the reference solutions would be written
    next to the grader. This keeps Hypothesis' built-in constants and drops
    the harvested ones; it is idempotent and cheap."""
    try:
        from hypothesis.internal.conjecture import providers
        from hypothesis.internal.constants_ast import Constants
    except ImportError:  # a Hypothesis without harvesting: nothing to do
        return
    if getattr(providers, "_cnn_checks_no_local_constants", False):
        return
    empty = Constants()
    providers._get_local_constants = lambda: empty
    providers.CONSTANTS_CACHE.cache.clear()
    providers._cnn_checks_no_local_constants = True  # type: ignore[attr-defined]


@dataclass
class PartResult:
    """The verdict on one part, with what a student needs to act on it."""

    task: str
    part: str
    passed: bool
    examples: int = 0
    kind: str | None = None          # "value", "shape", ..., or a Failed.kind
    message: str | None = None
    case: Case | None = None         # the smallest failing case found
    mismatch: Mismatch | None = None
    seconds_inside: float = 0.0      # time spent inside the implementation
    cause: str | None = None         # the "likely cause: ..." line (cnn_checks.causes)
    outcome: Returned | Failed | None = field(default=None, repr=False)  # on `case`


class _Stop(Exception):
    """Raised inside the property to make Hypothesis shrink a failure."""


@dataclass
class _State:
    examples: int = 0
    fatal: PartResult | None = None
    last_failure: PartResult | None = None
    seconds: float = 0.0


def check_part(task: Task, part: Part, run: Callable[[Case], Returned | Failed],
               expected: Callable[[Case], Sequence[Expected]], *, max_examples: int,
               seed_value: int | None = None, diagnose: bool = True,
               catalogue: Catalogue | None = None) -> PartResult:
    """Draw up to `max_examples` cases from the part's strategy (seeded with
    `seed_value`, else the public part_seed), call `run` on each and judge
    it against `expected`. On failure Hypothesis shrinks to the smallest
    failing case, which the result carries, with its likely cause
    (`diagnose`: cnn_checks.causes, run on that one case only, recognising
    the misconceptions of `catalogue`, by default the public ones). A part with
    fixed cases (`part.cases`) runs them in order and reports the first
    failure as it is."""
    if part.cases is not None:
        return _check_fixed(task, part, part.cases(), run, expected)
    strategy = _strategy(task, part)
    max_examples = min(max_examples, task.max_examples or max_examples)
    state = _State()
    without_local_constants()

    def verdict(case: Case, kind: str, message: str, mismatch: Mismatch | None = None,
                outcome=None) -> PartResult:
        return PartResult(task.name, part.name, False, state.examples, kind, message, case, mismatch,
                          outcome=outcome)

    @hypothesis_settings(max_examples)
    @seed(part_seed(task, part) if seed_value is None else seed_value)
    @given(strategy)
    def prop(case: Case) -> None:
        if state.fatal is not None:
            return
        state.examples += 1
        outcome = run(case)
        state.seconds += outcome.seconds
        problem = judge_outcome(task, case, outcome, expected)
        if problem is None:
            return
        kind, message, mismatch = problem
        result = verdict(case, kind, message, mismatch, outcome)
        if isinstance(outcome, Failed) and outcome.fatal:
            state.fatal = result
            return
        state.last_failure = result
        raise _Stop()

    try:
        prop()
    except _Stop:
        pass
    except Exception as exc:  # Hypothesis' own complaints (e.g. a flaky callee)
        if state.last_failure is None:
            raise
        if "Flaky" in type(exc).__name__:
            state.last_failure.message = (f"{state.last_failure.message or ''} "
                                          f"(the same input does not always give this result)")
    result = state.fatal or state.last_failure
    if result is None:
        result = PartResult(task.name, part.name, True, state.examples)
    result.examples = state.examples
    result.seconds_inside = state.seconds
    if diagnose and not result.passed and result.case is not None:
        from .causes import diagnose as find_cause
        try:
            result.cause = find_cause(task, result.case, result.outcome, run, expected, catalogue)
        except Exception:  # the likely cause is a guess on top of the verdict: the verdict stands
            result.cause = None
    return result


def _strategy(task: Task, part: Part) -> SearchStrategy:
    if part.strategy is None:
        raise ValueError(f"{task.name}: part {part.name!r} has neither a strategy nor fixed cases")
    return part.strategy


def _check_fixed(task: Task, part: Part, cases: Sequence[Case],
                 run: Callable[[Case], Returned | Failed],
                 expected: Callable[[Case], Sequence[Expected]]) -> PartResult:
    """Each fixed case in turn; the first failure is the verdict, as it is."""
    seconds, examples = 0.0, 0
    for case in cases:
        examples += 1
        outcome = run(case)
        seconds += outcome.seconds
        problem = judge_outcome(task, case, outcome, expected)
        if problem is not None:
            kind, message, mismatch = problem
            return PartResult(task.name, part.name, False, examples, kind, message, case, mismatch,
                              seconds)
    return PartResult(task.name, part.name, True, examples, seconds_inside=seconds)


def judge_outcome(task: Task, case: Case, outcome: Returned | Failed,
                  expected: Callable[[Case], Sequence[Expected]]):
    """None when the outcome is right, else (kind, message, mismatch)."""
    if isinstance(outcome, Failed):
        return outcome.kind, outcome.message, None
    if outcome.modified:
        names = ", ".join(outcome.modified)
        return (Kind.MODIFIED, f"changed its input {names} in place: work on a copy "
                               f"(functions never modify their inputs)", None)
    if len(outcome.values) != len(task.outputs):  # (the grader's child is held to it on arrival)
        return (Kind.STRUCTURE, f"returned {len(outcome.values)} values; expected {len(task.outputs)}",
                None)
    if task.verify is not None:
        problem = task.verify(case, expected(case), outcome)
    else:
        tol = (task.tolerance or {}).get(case.dtype)
        problem = judge(expected(case), outcome.values, case.dtype, tol)
    if problem is not None:
        return problem.stage, problem.message, problem
    return None


def generate_cases(task: Task, part: Part, max_examples: int,
                   seed_value: int | None = None) -> list[Case]:
    """The cases check_part draws for an implementation that passes them all,
    in order. They depend only on the part's strategy and seed (`seed_value`,
    else the public part_seed), so they can be computed once and sent to an
    implementation in one batch; on the first failure check_part (same
    seed) retraces them up to that case and then shrinks it. A part with
    fixed cases returns those."""
    if part.cases is not None:
        return list(part.cases())
    strategy = _strategy(task, part)
    max_examples = min(max_examples, task.max_examples or max_examples)
    cases: list[Case] = []
    without_local_constants()

    @hypothesis_settings(max_examples)
    @seed(part_seed(task, part) if seed_value is None else seed_value)
    @given(strategy)
    def record(case: Case) -> None:
        cases.append(case)

    record()
    return cases


def check_cases(task: Task, part: Part, cases: Sequence[Case], outcomes: Sequence[Returned | Failed],
                expected: Callable[[Case], Sequence[Expected]]) -> PartResult | None:
    """A passing PartResult when every outcome is right, else None (the
    caller then runs check_part to find and shrink the failure)."""
    if len(outcomes) != len(cases):
        return None
    for case, outcome in zip(cases, outcomes, strict=True):
        if judge_outcome(task, case, outcome, expected) is not None:
            return None
    return PartResult(task.name, part.name, True, len(cases),
                      seconds_inside=sum(o.seconds for o in outcomes))
