"""What a student can build at home from the handed-out checks: the
grader's cases redrawn from the public strategies with the public seeds,
answered by PyTorch, stored as a table keyed by a hash of the arguments
(the lookup_table attack). Before the course secret, such a table scored
full marks with no implementation at all."""
from __future__ import annotations

import importlib.util
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent


def _key_function():
    """The attack's own _table_key (tests/adversarial/lookup_table/pooling.py)."""
    spec = importlib.util.spec_from_file_location("lookup_table_fragment",
                                                  HERE / "lookup_table" / "pooling.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module._table_key


def build_table(task_name: str, examples: int, dest: Path) -> int:
    """Write the table for every part of `task_name` to `dest` (.npz);
    returns the number of entries."""
    from cnn_checks.oracle import oracle_expected
    from cnn_checks.runner import generate_cases
    from cnn_checks.tasks import TASKS
    task = TASKS[task_name]
    key = _key_function()
    table = {}
    for part in task.parts:
        for case in generate_cases(task, part, examples):  # the public seeds
            arrays = {n: case.array(n) for n in case.arrays}
            k = task.call(key, arrays, dict(case.params))
            table[k] = np.asarray(oracle_expected(task, case)[0].array)
    np.savez(dest, **table)
    return len(table)
