"""The lectures' worked examples are written three times: in the stub's
docstring, in the reference's docstring and as Task.examples (the data the
lecture-example tests run). Task.examples is the source; this test keeps the
two docstrings from drifting away from it.

Every number with a fractional part (0.2447, -0.35: the ones a typo changes)
in a docstring paragraph that gives an example must appear, to the precision
printed, in that task's Task.examples: its inputs, hyper-parameters,
expected answers or description. Integers are not checked (lecture numbers,
sizes and indices are integers too).
"""
import importlib
import inspect
import re
from collections.abc import Iterator

import numpy as np
import pytest

from cnn_checks.task import Task
from cnn_checks.tasks import TASKS

NUMBER = re.compile(r"(?<![\w.])-?\d+\.\d+")


def example_paragraphs(doc: str) -> list[str]:
    """The paragraphs of a docstring that give a worked example."""
    return [p for p in doc.split("\n\n") if re.search(r"\bexamples?\b", p, re.IGNORECASE)]


def _flat(value) -> Iterator[float]:
    if value is None:
        return
    if isinstance(value, dict):
        for v in value.values():
            yield from _flat(v)
        return
    yield from (float(v) for v in np.asarray(value, dtype=np.float64).ravel())


def known_numbers(task: Task) -> list[float]:
    """Every number Task.examples holds, and those of its descriptions."""
    numbers: list[float] = []
    for example in task.examples:
        for a in example.case.arrays.values():
            numbers += _flat(a)
        for v in example.case.params.values():
            if isinstance(v, (int, float)) and not isinstance(v, bool):
                numbers.append(float(v))
        for out in example.expected:
            numbers += _flat(out)
        numbers += [float(n) for n in NUMBER.findall(example.source)]
    return numbers


def printed_matches(text: str, numbers: list[float]) -> bool:
    """`text` ("0.2447") is one of `numbers` rounded to its printed digits
    (the sign aside: "p moves by -0.561" describes a step of 0.561)."""
    digits = len(text.split(".")[1])
    value = abs(float(text))
    return any(abs(abs(n) - value) <= 0.5 * 10 ** -digits + 1e-12 for n in numbers)


def docstrings(task: Task) -> Iterator[tuple[str, str]]:
    for package in ("assignments", "solutions"):
        obj = getattr(importlib.import_module(f"{package}.{task.module}"), task.function)
        yield f"{package}.{task.name}", inspect.getdoc(obj) or ""


CHECKED = [pytest.param(name, where, paragraph, id=f"{where}-{i}")
           for name, task in TASKS.items()
           for where, doc in docstrings(task)
           for i, paragraph in enumerate(example_paragraphs(doc))]


def test_the_check_has_something_to_check():
    tasks = {p.values[0] for p in CHECKED}
    assert len(tasks) >= 15, sorted(tasks)
    assert all(TASKS[name].examples for name in tasks), \
        [name for name in tasks if not TASKS[name].examples]


@pytest.mark.parametrize("name, where, paragraph", CHECKED)
def test_docstring_example_numbers_come_from_task_examples(name, where, paragraph):
    numbers = known_numbers(TASKS[name])
    drifted = [text for text in NUMBER.findall(paragraph) if not printed_matches(text, numbers)]
    assert not drifted, (f"{where}: the example gives {drifted}, which no Task.examples entry "
                         f"of {name} holds; fix the docstring (or the example):\n{paragraph}")


def test_a_drifted_number_is_caught():
    task = TASKS["losses.softmax"]
    assert printed_matches("0.2447", known_numbers(task))
    assert not printed_matches("0.2448", known_numbers(task))
