"""The parts that recur across tasks, each declared once.

Most of a task's parts are its own, but three come back in task after task
with the same name, condition and feature: float32 inputs, non-contiguous
inputs, and more than one image or channel. Each builder takes the task's
case strategy (a function of keyword flags, such as conv_cases), calls it
with the flag the part is about plus any `flags` the task adds, and takes
the advice that fits the task.
"""
from __future__ import annotations

from collections.abc import Callable
from typing import Any

from hypothesis import strategies as st

from .strategies import FLOAT32, is_float32, is_non_contiguous, several
from .task import Part

#: a task's case strategy: keyword flags -> a strategy of Cases
CaseStrategy = Callable[..., st.SearchStrategy]

#: the advice of the non-contiguous part of convolution and pooling, forward
#: and backward, where hand-made strides and in-place reshapes tempt
WINDOWS_NON_CONTIGUOUS_ADVICE = (
    "do not assume C-contiguous memory (as_strided with hand-made strides, x.data, "
    "in-place reshapes): index and slice the arrays, or np.ascontiguousarray them first")


def float32_part(cases: CaseStrategy, advice: str, **flags: Any) -> Part:
    """The part whose inputs are float32: cases(dtype=FLOAT32, **flags)."""
    return Part("float32", cases(dtype=FLOAT32, **flags), "the inputs are float32", advice, is_float32)


def non_contiguous_part(cases: CaseStrategy, advice: str, *,
                        condition: str = "the inputs are non-contiguous arrays", **flags: Any) -> Part:
    """The part whose inputs are laid out non-contiguously: cases(layout=True, **flags)."""
    return Part("non-contiguous", cases(layout=True, **flags), condition, advice, is_non_contiguous)


def channels_part(cases: CaseStrategy, advice: str, **flags: Any) -> Part:
    """The part with more than one image or channel: cases(channels=True, **flags)."""
    return Part("channels", cases(channels=True, **flags), "batch or channel sizes exceed 1", advice,
                several)
