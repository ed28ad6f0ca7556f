"""Visible checks for the coding notebooks: run a task's worked examples
from the lectures (cnn_checks' Task.examples) on your function and say
which pass; a task the lectures give no worked example for gets its public
property checks instead (a few random inputs per part, against PyTorch).
Shipped next to the notebooks; it holds no hidden tests."""
import numpy as np

#: random inputs per part in a notebook's property checks (the grader uses many more)
NOTEBOOK_EXAMPLES = 5


def check_properties(task_name, fn, examples=NOTEBOOK_EXAMPLES):
    """The task's public property checks on `fn`, part by part; an
    AssertionError with what failed, written for the notebook."""
    from cnn_checks.execute import execute
    from cnn_checks.feedback import part_feedback
    from cnn_checks.oracle import oracle_expected
    from cnn_checks.runner import check_part
    from cnn_checks.tasks import TASKS

    task = TASKS[task_name]
    problems = []
    for part in task.parts:
        if part.grader_only:
            continue
        if part.cases is not None:  # a training run: minutes in plain loops, so it is the grader's
            print(f"--  {part.name}: {part.advice} (run after you submit; it takes a while)")
            continue
        result = check_part(task, part, lambda case: execute(task, fn, case),
                            lambda case: oracle_expected(task, case), max_examples=examples)
        if result.passed:
            print(f"ok  {part.name} ({result.examples} random inputs)")
        else:
            problems.append(part_feedback(task, result, "notebook"))
    if problems:
        raise AssertionError("\n\n".join(problems))


def check_examples(task_name, fn):
    from cnn_checks.execute import Failed, execute
    from cnn_checks.oracle import expectations, oracle_expected
    from cnn_checks.outputs import judge
    from cnn_checks.tasks import TASKS

    task = TASKS[task_name]
    if not task.examples:
        print(f"{task_name}: no worked example in the lectures; its property checks instead")
        check_properties(task_name, fn)
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
