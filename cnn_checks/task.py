"""The shape of a graded task: how to call it, what it returns, how PyTorch
computes the same thing, and the parts it is graded on."""
from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from hypothesis import strategies as st

from .cases import Case, as_tuple, snippet_arrays


@dataclass(frozen=True)
class Signature:
    """How a task's function is called, declared once.

    `positional` and `keywords` name the arguments in order. Each name is
    looked up in the case's arrays first, then in its hyper-parameters. A
    name ending in "?" is optional: as a positional argument it is None when
    the case lacks it; as a keyword it is passed only when the case has it
    (so that the function's default is what gets tested).
    """

    positional: tuple[str, ...]
    keywords: tuple[str, ...] = ()

    @staticmethod
    def _lookup(name: str, arrays: Mapping[str, Any], params: Mapping[str, Any]):
        key = name.rstrip("?")
        if key in arrays:
            return True, arrays[key]
        if key in params:
            return True, as_tuple(params[key])
        if name.endswith("?"):
            return False, None
        raise KeyError(f"the case has no argument {key!r}")

    def arguments(self, arrays: Mapping[str, Any], params: Mapping[str, Any]):
        """(args, kwargs) for one call."""
        args = [self._lookup(n, arrays, params)[1] for n in self.positional]
        kwargs = {}
        for n in self.keywords:
            found, value = self._lookup(n, arrays, params)
            if found:
                kwargs[n.rstrip("?")] = value
        return args, kwargs

    def __call__(self, fn, arrays: Mapping[str, Any], params: Mapping[str, Any]):
        args, kwargs = self.arguments(arrays, params)
        return fn(*args, **kwargs)

    def snippet(self, module: str, function: str, case: Case) -> list[str]:
        """Python lines that make the case's inputs and call `function` on them."""
        lines = [f"from {module} import {function}"] + snippet_arrays(case)
        args = []
        for n in self.positional:
            key = n.rstrip("?")
            if key in case.arrays:
                args.append(key)
            elif key in case.params:
                args.append(repr(as_tuple(case.params[key])))
            else:
                args.append("None")
        for n in self.keywords:
            key = n.rstrip("?")
            if key in case.arrays:
                args.append(f"{key}={key}")
            elif key in case.params:
                args.append(f"{key}={as_tuple(case.params[key])!r}")
        lines.append(f"print({function}({', '.join(args)}))")
        return lines

if TYPE_CHECKING:
    from .execute import Returned
    from .outputs import Expected
    from .tolerances import Mismatch


@dataclass(frozen=True)
class Part:
    """One graded property of a task.

    `strategy` draws the cases. `condition` says what sets this part apart
    from the task's first (basic) part, as it would finish the sentence
    "fails only when ..."; `advice` says where to look when it fails.

    `cases`, when given, replaces the strategy: a few fixed cases built
    when first needed (training on the digits data set), run as they are,
    without shrinking; `cases()` gives the public ones, `cases(seed)` the
    grader's own for the course secret's seed of the part. A `grader_only` part is measured by the grader
    alone (against the hidden reference's speed): the public tests skip it.
    """

    name: str
    strategy: st.SearchStrategy | None
    condition: str
    advice: str
    #: does a case carry the feature this part is about? (every case the
    #: strategy draws does, shrunk counterexamples included)
    feature: Callable[[Case], bool] | None = None
    cases: Callable[..., Sequence[Case]] | None = None
    grader_only: bool = False


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


#: The package students' modules live in (their repository's assignments/).
PACKAGE = "assignments"


@dataclass(frozen=True)
class Task:
    """A function (or optimizer class) of the contract in SPEC.md.

    call(fn, arrays, params) calls the implementation `fn` with freshly
    prepared input arrays and returns whatever it returned: a Signature
    for plain functions (or any callable with a `snippet` method).
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
    #: verify(case, expected, returned) -> Mismatch or None, replacing the
    #: element-wise judge where a result is not one array per output
    #: (random initial parameters, gradients named by layer, a training run)
    verify: Callable[[Case, Sequence[Expected], Returned], Mismatch | None] | None = None
    #: the grader compares with PyTorch (the oracle), not the reference solution
    graded_by_oracle: bool = False
    #: at most this many Hypothesis examples per part, whatever is asked
    #: (the network composes layers that their own tasks test thoroughly)
    max_examples: int | None = None
    #: summary(case, expected, returned) -> one line reported with a passing
    #: fixed-case part (a training run's accuracy and time)
    summary: Callable[[Case, Sequence[Expected], Returned], str] | None = None
    #: cause(case, expected, returned) -> the likely cause (without the
    #: `likely cause: ` prefix) where the task itself can tell it (the
    #: network names the first layer whose gradient disagrees), else None
    cause: Callable[[Case, Sequence[Expected], Returned], str | None] | None = None

    @property
    def name(self) -> str:
        return f"{self.module}.{self.function}"

    @property
    def marker(self) -> str:
        return self.module

    def snippet(self, case: Case) -> list[str]:
        """Lines a student can paste into Python, started in the folder that
        holds their assignments/ package (their repository), to call their
        function on exactly this case. The import goes through the package,
        so a module that imports its siblings relatively (`from .padding
        import pad2d`) imports as it does when graded."""
        make = getattr(self.call, "snippet", None)
        return make(f"{PACKAGE}.{self.module}", self.function, case) if make else []

    def part(self, name: str) -> Part:
        for p in self.parts:
            if p.name == name:
                return p
        raise KeyError(f"{self.name} has no part {name!r}")
