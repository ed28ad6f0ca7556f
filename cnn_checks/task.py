"""The shape of a graded task: how to call it, what it returns, how PyTorch
computes the same thing, and the parts it is graded on."""
from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from hypothesis import strategies as st

from .cases import Case


@dataclass(frozen=True)
class Part:
    """One graded property of a task.

    `strategy` draws the cases. `condition` says what sets this part apart
    from the task's first (basic) part, as it would finish the sentence
    "fails only when ..."; `advice` says where to look when it fails.
    """

    name: str
    strategy: st.SearchStrategy
    condition: str
    advice: str


@dataclass(frozen=True)
class Example:
    """A worked example from the lecture notes, with the slide's answer."""

    case: Case
    #: one entry per output: the slide's full answer, or {index: value} for
    #: the entries the slide gives (PyTorch supplies the rest)
    expected: Sequence[Any]
    source: str
    #: (rtol, atol) when the slide prints rounded numbers
    tolerance: tuple[float, float] | None = None


@dataclass(frozen=True)
class Task:
    """A function (or optimizer class) of the contract in SPEC.md.

    call(fn, arrays, params) calls the implementation `fn` with freshly
    prepared input arrays and returns whatever it returned.
    oracle(arrays, params, device) computes the expected outputs with
    PyTorch in float64 from torch tensors on `device`.
    outputs names the returned values: one name for a single value, one per
    element of a returned tuple, or "[key]" entries for a returned dict.
    mutable names the inputs the function may change (optimizer parameters).
    """

    module: str
    function: str
    call: Callable[[Any, Mapping[str, Any], Mapping[str, Any]], Any]
    oracle: Callable[[Mapping[str, Any], Mapping[str, Any], str], Sequence[Any]]
    parts: tuple[Part, ...]
    outputs: tuple[str, ...] = ("out",)
    examples: tuple[Example, ...] = ()
    mutable: tuple[str, ...] = ()
    #: (rtol, atol) overriding tolerances.TOLERANCES for this task, by dtype
    tolerance: Mapping[Any, tuple[float, float]] | None = None

    @property
    def name(self) -> str:
        return f"{self.module}.{self.function}"

    @property
    def marker(self) -> str:
        return self.module

    def part(self, name: str) -> Part:
        for p in self.parts:
            if p.name == name:
                return p
        raise KeyError(f"{self.name} has no part {name!r}")
