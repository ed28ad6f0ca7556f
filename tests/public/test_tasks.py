"""Public tests: every task's properties against PyTorch, and the lectures'
worked examples. Fast (a few examples per property); the grader runs the
same properties with many more examples.

    pytest -m conv            only the convolution tasks
    pytest -k conv2d          only conv2d
"""
import numpy as np
import pytest

from cnn_checks.execute import Failed
from cnn_checks.feedback import part_feedback
from cnn_checks.implementations import in_process
from cnn_checks.oracle import oracle_expected
from cnn_checks.outputs import judge
from cnn_checks.runner import check_part
from cnn_checks.tasks import TASKS

PUBLIC_EXAMPLES = 10

# grader_only parts (the network's speed tier) are timed against the hidden
# reference by the grader alone; a part with fixed cases (a training run)
# takes seconds, so it is marked slow (plain `pytest` still runs it)
PARTS = [pytest.param(task, part, id=f"{task.name}: {part.name}",
                      marks=[getattr(pytest.mark, task.marker)] + ([pytest.mark.slow] if part.cases else []))
         for task in TASKS.values() for part in task.parts if not part.grader_only]
EXAMPLES = [pytest.param(task, ex, id=f"{task.name}: lecture example {i + 1}",
                         marks=getattr(pytest.mark, task.marker))
            for task in TASKS.values() for i, ex in enumerate(task.examples)]


@pytest.mark.parametrize("task, part", PARTS)
def test_property(task, part, impl_package, examples):
    result = check_part(task, part, in_process(impl_package, task),
                        lambda case: oracle_expected(task, case),
                        max_examples=examples or PUBLIC_EXAMPLES)
    if not result.passed:
        pytest.fail(part_feedback(task, result), pytrace=False)


@pytest.mark.parametrize("task, example", EXAMPLES)
def test_lecture_example(task, example, impl_package):
    from cnn_checks.oracle import expectations
    outcome = in_process(impl_package, task)(example.case)
    if isinstance(outcome, Failed):
        pytest.fail(f"{task.name} on {example.source}: {outcome.message}", pytrace=False)
    # The slide's numbers where it gives them all; PyTorch's otherwise.
    expected = oracle_expected(task, example.case)
    slide = [e for e in example.expected]
    if all(s is not None and not isinstance(s, dict) for s in slide):
        expected = expectations(task, slide)
    problem = judge(expected, outcome.values, example.case.dtype, _example_tol(task, example))
    if problem is None:
        spots = [(i, k, v) for i, s in enumerate(slide) if isinstance(s, dict) for k, v in s.items()]
        for output, spot, want in spots:
            got = outcome.values[output].array[spot]
            if not np.isclose(got, want, rtol=1e-3, atol=1e-3):
                problem_text = f"at {spot} the slide gives {want}, got {got}"
                pytest.fail(f"{task.name} on {example.source}: {problem_text}", pytrace=False)
        return
    pytest.fail(f"{task.name} on {example.source}:\n  input: {example.case.describe()}\n"
                f"  {problem.message}", pytrace=False)


def _example_tol(task, example):
    """Slides print rounded numbers (0.413 for sigmoid(-0.35)): compare to
    the precision printed."""
    return example.tolerance or (task.tolerance or {}).get(example.case.dtype)
