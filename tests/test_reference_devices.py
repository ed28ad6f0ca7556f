"""The reference solutions run unchanged on PyTorch tensors (through the
array's own namespace): on the CPU always, on CUDA when torch sees a GPU.
On each device the reference and the oracle run there and must agree with
the CPU oracle."""
import numpy as np
import pytest

from cnn_checks.execute import Failed, Returned, find_callable, prepare
from cnn_checks.implementations import load_module
from cnn_checks.oracle import oracle_expected, torch_precise
from cnn_checks.outputs import to_values
from cnn_checks.runner import check_part
from cnn_checks.tasks import TASKS

pytestmark = pytest.mark.slow  # every part's cases through the reference on tensors

torch = torch_precise()
DEVICES = ["cpu"] + [pytest.param("cuda", marks=pytest.mark.gpu)] * torch.cuda.is_available()
DEVICE_EXAMPLES = 15


def _to_numpy(obj):
    if isinstance(obj, torch.Tensor):
        return obj.detach().cpu().numpy()
    if isinstance(obj, (tuple, list)):
        return type(obj)(_to_numpy(o) for o in obj)
    if isinstance(obj, dict):
        return {k: _to_numpy(v) for k, v in obj.items()}
    return obj


def on_device(task, device):
    fn = find_callable(load_module("solutions", task.module), task)

    def run(case):
        arrays = prepare(case, xp="torch", device=device)
        result = task.call(fn, arrays, dict(case.params))
        for name, t in arrays.items():
            if name not in task.mutable and isinstance(t, torch.Tensor):
                assert t.device.type == device
        values = to_values(_to_numpy(result), task.outputs)
        return Failed("structure", values) if isinstance(values, str) else Returned(values)

    return run


@pytest.mark.parametrize("device", DEVICES)
@pytest.mark.parametrize("task, part", [pytest.param(t, p, id=f"{t.name}: {p.name}")
                                        for t in TASKS.values() for p in t.parts
                                        if not p.grader_only])
def test_reference_on_device(task, part, device):
    def expected(case):
        cpu = oracle_expected(task, case, "cpu")
        if device != "cpu":
            there = oracle_expected(task, case, device)
            for a, b in zip(cpu, there, strict=True):
                np.testing.assert_allclose(b.array, a.array, rtol=1e-10, atol=1e-12)
        return cpu

    result = check_part(task, part, on_device(task, device), expected, max_examples=DEVICE_EXAMPLES)
    assert result.passed, f"{result.message}\n{result.case.describe() if result.case else ''}"
