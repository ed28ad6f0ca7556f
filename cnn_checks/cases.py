"""A test case: the named input arrays and hyper-parameters of one call.

Cases are plain data (NumPy arrays plus JSON-able parameters), so that they
can cross a process boundary without pickling anything.
"""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

import numpy as np

#: How the input arrays are laid out in memory when handed to the function.
#: "strided" arrays are every other element of a larger buffer, "fortran"
#: arrays are column-major: both are non-contiguous in C order, which is
#: what catches code that assumes `x.reshape` returns a view or that reads
#: `x.data` directly.
LAYOUTS = ("contiguous", "strided", "fortran")


@dataclass(frozen=True)
class Case:
    """The inputs of one call: arrays by name, hyper-parameters by name."""

    arrays: Mapping[str, np.ndarray]
    params: Mapping[str, Any] = field(default_factory=dict)
    layout: str = "contiguous"

    @cached_property
    def dtype(self) -> np.dtype:
        """The floating dtype of the inputs (results must keep it)."""
        for a in self.arrays.values():
            if a.dtype.kind == "f":
                return a.dtype
        return np.dtype(np.float64)

    def array(self, name: str, *, layout: bool = True) -> np.ndarray:
        """A fresh copy of input `name`, laid out as the case says."""
        return lay_out(self.arrays[name], self.layout if layout else "contiguous")

    @property
    def small(self) -> bool:
        """Few enough values to print them all (a shrunk case usually is)."""
        return sum(a.size for a in self.arrays.values()) <= SMALL_VALUES

    def describe(self) -> str:
        """One line a student can read: shapes (and values when the case is
        small), dtype and hyper-parameters."""
        parts = []
        small = self.small
        for name, a in self.arrays.items():
            if a.ndim == 0 or (a.size <= 4 and a.ndim == 1):
                parts.append(f"{name}={_values(a)}")
            elif small:
                parts.append(f"{name}{tuple(a.shape)}={_values(a)}")
            else:
                parts.append(f"{name}{tuple(a.shape)}")
        parts += [f"{k}={_show(v)}" for k, v in self.params.items()]
        text = ", ".join(parts)
        extras = [str(self.dtype)]
        if self.layout != "contiguous":
            extras.append(f"non-contiguous ({self.layout}) inputs")
        return f"{text}  [{'; '.join(extras)}]"


#: at most this many values in all are printed (and pasted into a snippet)
SMALL_VALUES = 64


def _values(a: np.ndarray) -> str:
    """The values on one line, rounded to 4 decimals (nested lists)."""
    a = np.asarray(a)
    if np.issubdtype(a.dtype, np.floating):
        return str(np.round(a.astype(np.float64), 4).tolist())
    return str(a.tolist())


def snippet_arrays(case: Case) -> list[str]:
    """Python lines that rebuild the case's input arrays exactly (values,
    dtype and memory layout), or say that they are too many to print."""
    if not case.small:
        shapes = ", ".join(f"{n}{tuple(a.shape)}" for n, a in case.arrays.items())
        return [f"# {shapes}: too many values to print; make arrays of these shapes"]
    lines = ["import numpy as np"]
    for name, a in case.arrays.items():
        dtype = f"np.{np.dtype(a.dtype).name}"
        lines.append(f"{name} = np.array({np.asarray(a).tolist()!r}, dtype={dtype})")
        if case.layout == "fortran" and a.ndim > 1:
            lines.append(f"{name} = np.asfortranarray({name})  # column-major, as graded")
        elif case.layout == "strided" and a.ndim > 0:
            lines.append(f"{name} = np.repeat({name}, 2, axis=-1)[..., ::2]  "
                         f"# every other element of a wider array, as graded")
    return lines


def _show(value: Any) -> str:
    if isinstance(value, str):
        return repr(value)
    if isinstance(value, list):
        return str(tuple(value))
    return str(value)


def lay_out(a: np.ndarray, layout: str) -> np.ndarray:
    """Return a copy of `a` with the requested memory layout (same values)."""
    if layout == "contiguous" or a.ndim == 0:
        return np.array(a, copy=True, order="C")
    if layout == "fortran":
        return np.array(a, copy=True, order="F")
    if layout == "strided":
        wide = np.zeros(a.shape[:-1] + (2 * a.shape[-1],), dtype=a.dtype)
        wide[..., ::2] = a
        return wide[..., ::2]
    raise ValueError(f"unknown layout {layout!r}")


def as_tuple(value):
    """JSON turns tuples into lists; hand hyper-parameters back as tuples."""
    if isinstance(value, list):
        return tuple(as_tuple(v) for v in value)
    return value
