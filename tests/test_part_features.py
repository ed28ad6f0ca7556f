"""Every part varies the feature it names, and its cases always carry it.

A part's `feature` says what sets its cases apart (padding >= 1 in a padding
part, a non-contiguous layout in a layout part, ...). Every drawn case must
have it, shrunk counterexamples included: a counterexample without the
feature would contradict the part's "fails only when ..." condition.
"""
from __future__ import annotations

import numpy as np
import pytest

from cnn_checks.cases import Case
from cnn_checks.execute import Failed
from cnn_checks.runner import check_part, generate_cases
from cnn_checks.strategies import LARGE_CHANNELS, LARGE_SIDE
from cnn_checks.tasks import TASKS
from grader.rubric import Rubric

PARTS = [pytest.param(task, part, id=f"{task.name}: {part.name}")
         for task in TASKS.values() for part in task.parts]
SIMPLE = ("basic",)


def check_cases_carry_the_feature(task, part, examples: int) -> None:
    cases = generate_cases(task, part, examples)
    assert cases
    for case in cases:
        if part.feature is not None:
            assert part.feature(case), f"{task.name}: {part.name} drew {case.describe()}"
        if part.name == "basic":
            assert case.layout == "contiguous" and case.dtype == np.float64, case.describe()
        if part.name not in ("non-contiguous",):
            assert case.layout == "contiguous", f"{part.name}: {case.describe()}"
        if part.name != "float32":
            assert case.dtype == np.float64, f"{part.name}: {case.describe()}"


@pytest.mark.parametrize("task, part", PARTS)
def test_cases_carry_the_feature(task, part):
    check_cases_carry_the_feature(task, part, 20)


@pytest.mark.slow
@pytest.mark.parametrize("task, part", PARTS)
def test_the_graders_cases_carry_the_feature(task, part):
    """As many cases as the grader draws (the rubric's examples per part)."""
    check_cases_carry_the_feature(task, part, Rubric.load().settings["examples"])


def _always_wrong(case: Case):
    return Failed("exception", "raised ValueError: always wrong")


@pytest.mark.parametrize("task, part", [p for p in PARTS if p.values[1].feature is not None])
def test_shrunk_counterexample_keeps_the_feature(task, part):
    """A function that fails every input: the smallest case Hypothesis finds
    is still one of the part's (feature included)."""
    result = check_part(task, part, _always_wrong, lambda c: [], max_examples=10)
    assert not result.passed and result.case is not None
    assert part.feature(result.case), f"shrunk to {result.case.describe()}"


def test_conv2d_parts_vary_one_feature_each():
    """conv2d's basic part has square kernels; only 'nonsquare' (and the
    combined parts) draw non-square ones."""
    task = TASKS["conv.conv2d"]
    for part in task.parts:
        kernels = {c.arrays["w"].shape[2:] for c in generate_cases(task, part, 40)}
        nonsquare = any(kh != kw for kh, kw in kernels)
        assert nonsquare == (part.name in ("nonsquare", "pairs", "combined")) or (
            part.name in ("pairs", "combined")), (part.name, kernels)


@pytest.mark.slow  # draws the large cases of every part: seconds
def test_some_cases_are_large():
    """Every image task draws cases with sides above 16 (up to 32) in most
    of its parts, and its channel parts some with more than 3 channels (up
    to 8)."""
    for name in ("conv.conv2d", "pooling.max_pool2d", "padding.pad2d", "backprop.conv2d_backward"):
        task = TASKS[name]
        with_large = 0
        for part in task.parts:
            cases = generate_cases(task, part, 100)
            sides = max(max(c.arrays["x"].shape[2:]) for c in cases)
            assert sides <= LARGE_SIDE
            with_large += sides > 16
            if part.name == "channels":
                channels = max(c.arrays["x"].shape[1] for c in cases)
                assert 3 < channels <= LARGE_CHANNELS, (name, part.name, channels)
        assert with_large >= 0.5 * len(task.parts), (name, with_large)
