"""Public test: no task hands its work to a forbidden library.

The grader refuses a task whose function (or a helper it calls, in any of
your modules) uses PyTorch, SciPy's signal / ndimage modules, or another
library that does the exercise for you; the softmax and cross-entropy tasks
may not use scipy.special's softmax / log_softmax / logsumexp either.
NumPy is allowed, including numpy.lib.stride_tricks.sliding_window_view,
einsum and tensordot. This test reads your source (it does not run it) and
names the file, line and call to replace.

    pytest tests/public/test_forbidden_public.py -m conv
"""
import importlib
import importlib.util
from pathlib import Path

import pytest

from cnn_checks.forbidden import describe, violations_for_task
from cnn_checks.policy import forbidden_for
from cnn_checks.tasks import TASKS

FORBIDDEN = [pytest.param(task, id=f"{task.name}: forbidden libraries",
                          marks=getattr(pytest.mark, task.marker))
             for task in TASKS.values()]


@pytest.fixture(scope="module")
def sources(impl_package):
    """{filename: source} of the implementation's module files."""
    spec = importlib.util.find_spec(impl_package)
    folders = list(spec.submodule_search_locations or []) if spec else []
    if not folders:  # a folder of module files, loaded as a package without __init__.py
        folders = list(getattr(importlib.import_module(impl_package), "__path__", []))
    if not folders:
        pytest.skip(f"{impl_package} is not a package with module files")
    return {p.name: p.read_text(encoding="utf-8", errors="replace")
            for folder in folders for p in sorted(Path(folder).glob("*.py"))}


@pytest.mark.parametrize("task", FORBIDDEN)
def test_no_forbidden_library(task, sources):
    violations = violations_for_task(sources, task.module, task.function, forbidden_for(task.name))
    if violations:
        pytest.fail(describe(violations, task.name), pytrace=False)
