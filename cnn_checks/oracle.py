"""PyTorch as the independent oracle: expected outputs in float64.

Every task's oracle (Task.oracle) receives the case's NumPy arrays (float32
or float64), turns them into float64 tensors on the requested device with
`tensors`, and hands back NumPy float64 arrays (or Python ints), which
`oracle_expected` names and classifies as the Expected outputs a result is
judged against. The project's tests and the public tests judge by PyTorch;
the grader judges by the reference solution (grader/compare.py). On CUDA,
TF32 is switched off: TF32 alone breaks a 1e-7 relative check.
"""
from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

import numpy as np

from .cases import Case
from .outputs import Expected
from .task import Task


def torch_precise():
    import torch
    torch.backends.cudnn.allow_tf32 = False
    torch.backends.cuda.matmul.allow_tf32 = False
    return torch


def tensors(arrays: Mapping[str, np.ndarray], device: str, grad: Sequence[str] = ()) -> dict:
    """float64 tensors on `device`; those named in `grad` require grad."""
    torch = torch_precise()
    return {n: torch.tensor(np.asarray(a, dtype=np.float64), device=device,
                            requires_grad=n in grad) for n, a in arrays.items()}


def to_numpy(t) -> np.ndarray:
    return t.detach().cpu().numpy().astype(np.float64)


def vjp(forward: Callable[..., Any], arrays: Mapping[str, np.ndarray], wrt: Sequence[str],
        dout: np.ndarray, device: str, **kwargs) -> list[np.ndarray]:
    """Gradients of <forward(**inputs), dout> with respect to `wrt`, by autograd:
    the vector-Jacobian product a backward pass must compute, projected on a
    random upstream gradient so that every index counts."""
    torch = torch_precise()
    t = tensors(arrays, device, grad=wrt)
    out = forward(**t, **kwargs)
    grads = torch.autograd.grad(out, [t[n] for n in wrt],
                                grad_outputs=torch.tensor(np.asarray(dout, np.float64), device=device),
                                allow_unused=True)
    return [to_numpy(g) if g is not None else np.zeros(arrays[n].shape)
            for g, n in zip(grads, wrt, strict=True)]


def expectations(task: Task, values: Sequence[Any]) -> list[Expected]:
    """Name and classify expected values: int, scalar (0-d) or array."""
    names = [n.strip("[]") for n in task.outputs]
    out = []
    for name, v in zip(names, values, strict=True):
        if isinstance(v, (int, np.integer)) and not isinstance(v, bool):
            out.append(Expected(name, "int", np.array(int(v), dtype=np.int64)))
        else:
            a = np.asarray(v, dtype=np.float64)
            out.append(Expected(name, "scalar" if a.ndim == 0 else "array", a))
    return out


def oracle_expected(task: Task, case: Case, device: str = "cpu") -> list[Expected]:
    """What PyTorch says `task` should return on `case`."""
    return expectations(task, task.oracle(case.arrays, dict(case.params), device))


__all__ = ["oracle_expected", "expectations", "tensors", "to_numpy", "vjp", "torch_precise"]
