"""Turn whatever a function returned into plain NumPy arrays, and judge them.

A result is checked in stages, type, then count, shape, dtype, NaN, and
only then values, so that a student reads the first thing that is wrong,
not a wall of numbers. Nothing here trusts the object it is handed: an
array is copied into a fresh `numpy.ndarray` of a numeric dtype before any
comparison, so a lying `__eq__`, `__array__` or subclass cannot influence
the verdict.
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from .kinds import Kind
from .tolerances import Mismatch, all_within_tolerance, compare_values, tolerance

NUMERIC_KINDS = "biuf"


class WrongStructure(Exception):
    """Raised by a task's call wrapper when the function returned something
    of the wrong structure that the wrapper must take apart (a dict without
    the expected keys, a history that is not a list of dicts): the call
    then fails as "structure" with this message."""


@dataclass(frozen=True)
class Value:
    """One returned value as plain data: its kind and a numeric array.

    kind is "array" (an ndarray), "scalar" (a NumPy float scalar or a
    Python float), "int" (a Python or NumPy integer), or "other" (anything
    else: then `array` is None and `type_name` says what it was).
    """

    kind: str
    array: np.ndarray | None
    type_name: str


def to_value(obj: Any) -> Value:
    """Classify and copy one returned object. Never calls its methods."""
    t = type(obj)
    name = f"{t.__module__}.{t.__qualname__}" if t.__module__ != "builtins" else t.__qualname__
    if t is np.ndarray:
        if obj.dtype.kind not in NUMERIC_KINDS:
            return Value("other", None, f"numpy.ndarray of dtype {obj.dtype}")
        return Value("array", np.array(obj, copy=True, order="C"), "numpy.ndarray")
    if t is bool or t is np.bool_:
        return Value("other", None, name)
    if t is int:
        return Value("int", np.array(obj, dtype=np.int64), "int")
    if isinstance(obj, np.integer) and t.__module__ == "numpy":
        return Value("int", np.array(obj, dtype=np.int64), f"numpy.{t.__name__}")
    if t is float:
        return Value("scalar", np.array(obj, dtype=np.float64), "float")
    if isinstance(obj, np.floating) and t.__module__ == "numpy":
        return Value("scalar", np.array(obj), f"numpy.{t.__name__}")
    return Value("other", None, name)


def to_values(result: Any, names: Sequence[str]) -> list[Value] | str:
    """Split a result into one Value per expected output name.

    One name: the result itself. Several names: a tuple or list of that
    length (any subclass, a namedtuple say). Names starting with "[" are
    dictionary keys (`"[dW1]"`), of a dict or any dict subclass (an
    OrderedDict). Containers are read through the built-in types' own
    methods, never the object's: a subclass that overrides __getitem__,
    __iter__ or __len__ cannot change what is read. Returns an error
    message instead when the structure is wrong.
    """
    if len(names) == 1:
        return [to_value(result)]
    if names[0].startswith("["):
        keys = [n[1:-1] for n in names]
        if not isinstance(result, dict):
            return f"returned {type(result).__name__}; expected a dict with keys {keys}"
        present = [k for k in dict.keys(result) if type(k) is str]
        missing = [k for k in keys if k not in present]
        if missing:
            return f"the returned dict lacks the keys {missing} (it has {sorted(map(str, present))})"
        return [to_value(dict.__getitem__(result, k)) for k in keys]
    if isinstance(result, tuple):
        items = [tuple.__getitem__(result, i) for i in range(tuple.__len__(result))]
    elif isinstance(result, list):
        items = [list.__getitem__(result, i) for i in range(list.__len__(result))]
    else:
        return (f"returned {type(result).__name__}; expected a tuple of {len(names)} "
                f"arrays ({', '.join(names)})")
    if len(items) != len(names):
        return f"returned {len(items)} values; expected {len(names)} ({', '.join(names)})"
    return [to_value(r) for r in items]


@dataclass(frozen=True)
class Expected:
    """What one output should be: its name, kind and value."""

    name: str
    kind: str
    array: np.ndarray


def judge(expected: Sequence[Expected], got: Sequence[Value], dtype: np.dtype,
          tol: tuple[float, float] | None = None) -> Mismatch | None:
    """Compare in stages; return the first problem found, or None.
    `tol` = (rtol, atol) overrides the dtype's tolerance."""
    if len(got) != len(expected):
        return Mismatch(Kind.TYPE, f"returned {len(got)} values; expected {len(expected)}")
    for exp, val in zip(expected, got, strict=True):
        label = f"`{exp.name}`" if len(expected) > 1 else "the result"
        problem = _judge_one(exp, val, dtype, label, tol)
        if problem is not None:
            return problem
    return None


def _judge_one(exp: Expected, val: Value, dtype: np.dtype, label: str, tol) -> Mismatch | None:
    problem = form_mismatch(exp, val, dtype, label)
    if problem is not None or exp.kind == "int" or val.array is None:
        return problem
    return compare_values(exp.array, val.array, dtype, label, tol)


def form_mismatch(exp: Expected, val: Value, dtype: np.dtype, label: str = "the result") -> Mismatch | None:
    """Every stage but the values' tolerance: type, shape and dtype (and, for
    an int, its exact value). A floating output that passes still needs
    compare_values (or all_within_tolerance, for many at once)."""
    got = val.array
    if val.kind == "other" or got is None:
        want = {"array": "a numpy.ndarray", "scalar": "a float", "int": "an int"}[exp.kind]
        return Mismatch(Kind.TYPE, f"{label} is a {val.type_name}; expected {want}")
    if exp.kind == "int":
        if val.kind != "int" or got.shape != () or got.dtype.kind not in "iu":
            return Mismatch(Kind.TYPE, f"{label} is a {val.type_name}; expected an int")
        if int(got) != int(exp.array):
            return Mismatch(Kind.VALUE, f"{label}: expected {int(exp.array)}, got {int(got)}",
                            expected=exp.array, got=got)
        return None
    if exp.kind == "array" and val.kind != "array":
        return Mismatch(Kind.TYPE, f"{label} is a {val.type_name}; expected a numpy.ndarray")
    if exp.kind == "scalar" and got.ndim != 0:
        return Mismatch(Kind.SHAPE, f"{label} has shape {got.shape}; expected a scalar "
                                    f"(a float or a 0-d array)")
    if got.shape != exp.array.shape:
        return Mismatch(Kind.SHAPE, f"{label} has shape {got.shape}; expected {exp.array.shape}")
    if got.dtype.kind != "f":
        return Mismatch(Kind.DTYPE, f"{label} has dtype {got.dtype}; expected {dtype} "
                                    f"(a floating result of the input's dtype)")
    if got.dtype != dtype and not (val.kind == "scalar" and val.type_name == "float"
                                   and dtype == np.float64):
        return Mismatch(Kind.DTYPE, f"{label} has dtype {got.dtype}; expected {dtype}: results "
                                    f"keep the input's dtype (allocate with dtype=x.dtype)")
    return None


def all_right(expected: Sequence[Sequence[Expected]], got: Sequence[Sequence[Value]],
              dtypes: Sequence[np.dtype], tols: Sequence[tuple[float, float] | None]) -> bool:
    """True when `judge` would find nothing wrong with any of many results
    (result i: expected[i], got[i], dtypes[i], tols[i]); the form of each
    output is checked one by one, the values of all of them at once
    (all_within_tolerance). False says only that some result may be wrong:
    `judge` each one to find which, and why."""
    pairs = []
    for exp_row, got_row, dtype, tol in zip(expected, got, dtypes, tols, strict=True):
        if len(exp_row) != len(got_row):
            return False
        for exp, val in zip(exp_row, got_row, strict=True):
            if form_mismatch(exp, val, dtype) is not None:
                return False
            if exp.kind != "int":
                pairs.append((exp.array, val.array, tol or tolerance(dtype)))
    return all_within_tolerance(pairs)
