"""The notebooks' visible checks: a task without a worked example in the
lectures (the network's) runs its public property checks in the notebook,
and says what failed in the notebook's terms."""
from __future__ import annotations

import numpy as np
import pytest

from course.visible_checks import check_examples
from solutions import network

pytestmark = pytest.mark.slow  # the network's forward pass, checked against PyTorch


def test_a_task_without_worked_examples_runs_its_property_checks(capsys):
    check_examples("network.forward", network.forward)
    printed = capsys.readouterr().out
    assert "its property checks instead" in printed and "ok  " in printed
    assert "pytest" not in printed


def test_a_wrong_function_fails_with_feedback_for_the_notebook():
    def forward(X, params):
        return np.zeros((X.shape[0], 10), dtype=X.dtype)  # no network at all
    with pytest.raises(AssertionError) as failed:
        check_examples("network.forward", forward)
    text = str(failed.value)
    assert "network.forward:" in text and "wrong values" in text
    assert "repository" not in text and "pytest" not in text
