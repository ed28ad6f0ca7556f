"""Visible checks for the coding notebooks: run a task's worked examples
from the lectures (cnn_checks' Task.examples) on your function and say
which pass. Shipped next to the notebooks; it holds no hidden tests."""
import numpy as np


def check_examples(task_name, fn):
    from cnn_checks.execute import Failed, execute
    from cnn_checks.oracle import expectations, oracle_expected
    from cnn_checks.outputs import judge
    from cnn_checks.tasks import TASKS

    task = TASKS[task_name]
    if not task.examples:
        print(f"{task_name}: no worked example in the lectures; run `pytest -k {task.function}`")
        return
    problems = []
    for i, example in enumerate(task.examples, 1):
        outcome = execute(task, fn, example.case)
        if isinstance(outcome, Failed):
            problems.append(f"example {i} ({example.source}): {outcome.message}")
            continue
        slide = list(example.expected)
        if all(s is not None and not isinstance(s, dict) for s in slide):
            expected = expectations(task, slide)
        else:
            expected = oracle_expected(task, example.case)
        tol = example.tolerance or (task.tolerance or {}).get(example.case.dtype)
        problem = judge(expected, outcome.values, example.case.dtype, tol)
        if problem is not None:
            problems.append(f"example {i} ({example.source}):\n  input: {example.case.describe()}\n"
                            f"  {problem.message}")
            continue
        for k, s in enumerate(slide):
            if isinstance(s, dict):
                for spot, want in s.items():
                    got = outcome.values[k].array[spot]
                    if not np.isclose(got, want, rtol=1e-3, atol=1e-3):
                        problems.append(f"example {i} ({example.source}): at {spot} the slide "
                                        f"gives {want}, got {got}")
        if not problems or not problems[-1].startswith(f"example {i} "):
            print(f"ok  example {i}: {example.source}")
    if problems:
        raise AssertionError("\n".join(problems))
