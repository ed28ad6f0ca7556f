"""No public oracle is a solution to port.

cnn_checks/ goes to the students (the release ships it), so every task's
PyTorch oracle is public. An oracle must delegate its task to PyTorch (a
library routine, autograd, torch.optim) or state a one-line definition; it
must never carry an algorithm a student could translate to NumPy, such as a
loop that fills the result entry by entry (the old numerical_gradient
oracle was a complete central-difference implementation).
"""
from __future__ import annotations

import ast
import inspect
import textwrap
import types
from pathlib import Path

import numpy as np
import pytest

from cnn_checks.oracle import oracle_expected
from cnn_checks.runner import generate_cases
from cnn_checks.tasks import TASKS

ROOT = Path(__file__).resolve().parents[1]


def _functions(fn, seen=None):
    """`fn` and every cnn_checks function it reaches through its globals and
    closure, with their source."""
    seen = {} if seen is None else seen
    if not isinstance(fn, types.FunctionType) or fn in seen or not fn.__module__.startswith("cnn_checks"):
        return seen
    seen[fn] = textwrap.dedent(inspect.getsource(fn))
    names = set(fn.__code__.co_names)
    for const in fn.__code__.co_consts:  # nested functions
        if isinstance(const, types.CodeType):
            names |= set(const.co_names)
    reachable = [fn.__globals__.get(n) for n in names]
    reachable += [c.cell_contents for c in (fn.__closure__ or ())]
    for other in reachable:
        _functions(other, seen)
    return seen


def fills_entry_by_entry(source: str) -> list[str]:
    """The loops (for, while, comprehensions) of `source` that assign to an
    item, `out[idx] = ...`: a result built entry by entry."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, (ast.For, ast.While, ast.AsyncFor)):
            for inner in ast.walk(node):
                targets = (inner.targets if isinstance(inner, ast.Assign)
                           else [inner.target] if isinstance(inner, (ast.AugAssign, ast.AnnAssign)) else [])
                if any(isinstance(t, ast.Subscript) for t in targets):
                    found.append(ast.unparse(node).splitlines()[0])
                    break
    return found


OLD_NUMGRAD_ORACLE = '''
def _oracle_numgrad(arrays, p, device):
    import torch
    t = tensors(arrays, device)
    x, a, b = t["x"], t["a"], t["b"]
    h = p.get("h", 1e-6)

    def f(v):
        return torch.sum(a * torch.sin(v) + b * v ** 2)

    grad = torch.zeros_like(x)
    for idx in itertools.product(*(range(n) for n in x.shape)):
        step = torch.zeros_like(x)
        step[idx] = h
        grad[idx] = (f(x + step) - f(x - step)) / (2 * h)
    return [to_numpy(grad)]
'''


def test_the_check_recognises_a_portable_oracle():
    assert fills_entry_by_entry(OLD_NUMGRAD_ORACLE)


@pytest.mark.parametrize("name", list(TASKS))
def test_oracle_is_not_a_portable_solution(name):
    functions = _functions(TASKS[name].oracle)
    assert functions, name
    for fn, source in functions.items():
        loops = fills_entry_by_entry(source)
        assert not loops, f"{name}: {fn.__qualname__} builds its result entry by entry: {loops}"


def test_release_ships_exactly_the_checked_oracles(tmp_path):
    from grader.release import build_release
    out = build_release(tmp_path / "release")
    for path in sorted((ROOT / "cnn_checks").rglob("*.py")):
        rel = path.relative_to(ROOT)
        assert (out / rel).read_bytes() == path.read_bytes(), rel
    for path in sorted(out.rglob("*.py")):
        assert not fills_entry_by_entry(path.read_text()) or path.is_relative_to(out / "cnn_checks"), \
            f"{path.relative_to(out)} fills a result entry by entry"


def test_numerical_gradient_oracle_is_autograd_with_the_step_error():
    """The autograd oracle agrees with the reference's central differences
    far inside the task's tolerance, for every step drawn, and sees a step
    that is ignored."""
    from cnn_checks.implementations import load_module
    task = TASKS["backprop.numerical_gradient"]
    reference = load_module("solutions", "backprop").numerical_gradient
    rtol, atol = task.tolerance[np.dtype(np.float64)]
    worst = 0.0
    for part in task.parts:
        for case in generate_cases(task, part, 30):
            expected = oracle_expected(task, case)[0].array
            arrays = {n: case.array(n) for n in case.arrays}
            got = np.asarray(task.call(reference, arrays, dict(case.params)))
            worst = max(worst, float(np.max(np.abs(got - expected) / (atol + rtol * np.abs(expected)))))
            if "h" in case.params:
                fixed = np.asarray(task.call(lambda f, x, h: reference(f, x), arrays, dict(case.params)))
                assert np.max(np.abs(fixed - expected)) > 10 * (atol + rtol * np.max(np.abs(expected)))
    assert worst < 0.1, f"the reference is at {worst:.2f} of the tolerance"
