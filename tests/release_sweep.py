"""Wire every function and class of a module into every task, as a student
with the release in hand could, and see which parts it passes.

A student who receives the release can copy any function or class of it
(top-level, nested, or produced by a factory) into a submission and wire it
as a task's function. This module tries that for one module at a time:

* candidates: every function and class the module defines (with the
  functions of its classes' bodies), every callable
  reachable from its top-level tables (dicts, tuples, dataclass records such
  as a catalogue entry's `compute`), and what each factory (a function that
  defines a function) returns when called with its defaults and, for a
  required argument, with each short string constant of its code and a few
  numbers (`_optimizer("SGD")`, `_pool_assign("max")`);
* wirings: the candidate called as the task's function with the student's
  arguments ("direct"), and the candidate called with its parameters bound
  by name from everything the call knows ("named": the case's arrays and
  hyper-parameters, the case itself as `case`, the task as `task`, a seeded
  `rng`, the `dtype`); for an optimizer class, a class whose step() runs the
  candidate on the steps so far and writes its answer into the parameters;
* judging: each part's public cases (cnn_checks.runner.generate_cases) are
  run through cnn_checks.execute and judged by cnn_checks.runner.judge_outcome
  against PyTorch, until one fails; a part none of whose cases fails counts
  as passed. The candidate runs without PyTorch (the grader's child hides
  it), so what PyTorch alone computes is no implementation.
"""
from __future__ import annotations

import contextlib
import dataclasses
import inspect
import itertools
import sys
import types
import warnings
from collections.abc import Callable, Collection, Iterator
from dataclasses import dataclass, replace

import numpy as np

from cnn_checks.cases import Case, as_tuple
from cnn_checks.execute import execute
from cnn_checks.oracle import oracle_expected
from cnn_checks.runner import generate_cases, judge_outcome
from cnn_checks.task import Signature, Task

#: public cases per part (the public tests' default)
EXAMPLES = 10
#: the positional arguments of the tasks whose call is not a Signature
CALL_NAMES = {"backprop.numerical_gradient": ("f", "x"), "network.init_params": (),
              "network.forward": ("X", "params"), "network.predict": ("X", "params"),
              "network.loss_and_grads": ("X", "y", "params"), "network.train": ("X", "y")}
#: numbers a factory's required argument is also tried with
FACTORY_NUMBERS = (0.0, 0.01, 1)


@dataclass(frozen=True)
class Candidate:
    """A callable a student could copy, and where it came from."""

    name: str
    obj: Callable


# --------------------------------------------------------------------------
# finding the candidates


def _strings(code: types.CodeType) -> list[str]:
    """The short string constants of a function's code (nested functions'
    and constant tuples' included), in order, once each."""
    found: dict[str, None] = {}

    def walk(value) -> None:
        if isinstance(value, str) and 0 < len(value) <= 24:
            found.setdefault(value, None)
        elif isinstance(value, (tuple, frozenset)):
            for v in value:
                walk(v)
        elif isinstance(value, types.CodeType):
            for v in value.co_consts:
                walk(v)

    walk(code)
    return list(found)


def _is_factory(fn) -> bool:
    """A function that defines a function (a nested def or a lambda) and returns one."""
    code = getattr(fn, "__code__", None)
    return code is not None and any(isinstance(c, types.CodeType) for c in code.co_consts)


def _factory_products(fn, name: str) -> Iterator[Candidate]:
    """What factory `fn` returns, called with its defaults and, for its
    required arguments (two at most), each short string of its own source
    and a few numbers."""
    try:
        params = list(inspect.signature(fn).parameters.values())
    except (TypeError, ValueError):
        return
    required = [p for p in params if p.default is p.empty
                and p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]
    if len(required) > 2:
        return
    own = _strings(fn.__code__)
    values = own + list(FACTORY_NUMBERS)
    for args in itertools.product(values, repeat=len(required)):
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                made = fn(*args)
        except (Exception, SystemExit):  # a factory that does not take these
            continue
        if callable(made) and not isinstance(made, type):
            yield Candidate(f"{name}({', '.join(map(repr, args))})", made)


def _reachable(obj, name: str, module: str, depth: int = 0) -> Iterator[tuple[str, object]]:
    """Callables defined in `module` reachable from a top-level value."""
    if depth > 4:
        return
    if isinstance(obj, (types.FunctionType, type)):
        if getattr(obj, "__module__", None) == module:
            yield name, obj
            if isinstance(obj, type):  # its methods, static and class methods
                for attr, value in vars(obj).items():
                    inner = getattr(value, "__func__", value)
                    if isinstance(inner, types.FunctionType):
                        yield f"{name}.{attr}", inner
        return
    if isinstance(obj, dict):
        for k, v in obj.items():
            yield from _reachable(v, f"{name}[{k!r}]", module, depth + 1)
    elif isinstance(obj, (list, tuple)):
        for i, v in enumerate(obj):
            yield from _reachable(v, f"{name}[{i}]", module, depth + 1)
    elif dataclasses.is_dataclass(obj) and not isinstance(obj, type):
        for f in dataclasses.fields(obj):
            yield from _reachable(getattr(obj, f.name, None), f"{name}.{f.name}", module, depth + 1)


def candidates(module: types.ModuleType, not_called: Collection[str] = ()) -> list[Candidate]:
    """Every function and class a student could take from `module`, but
    those named in `not_called` (neither called as factories nor wired)."""
    seen: set[int] = set()
    out: list[Candidate] = []

    def add(c: Candidate) -> None:
        if id(c.obj) not in seen:
            seen.add(id(c.obj))
            out.append(c)

    for top, value in sorted(vars(module).items()):
        for name, obj in _reachable(value, f"{module.__name__}.{top}", module.__name__):
            if name in not_called:
                continue
            add(Candidate(name, obj))
            if isinstance(obj, types.FunctionType) and _is_factory(obj):
                for made in _factory_products(obj, name):
                    add(made)
    return out


# --------------------------------------------------------------------------
# wiring a candidate as a task's function


@contextlib.contextmanager
def without_torch() -> Iterator[None]:
    """`import torch` (and every torch submodule) fails inside the block, as
    in the grader's child, where PyTorch is hidden."""
    saved = sys.modules.get("torch", None)
    had = "torch" in sys.modules
    sys.modules["torch"] = None  # type: ignore[assignment]
    try:
        yield
    finally:
        if had:
            sys.modules["torch"] = saved  # type: ignore[assignment]
        else:
            del sys.modules["torch"]


def _arg_names(task: Task) -> tuple[str, ...]:
    if isinstance(task.call, Signature):
        return tuple(n.rstrip("?") for n in task.call.positional)
    return CALL_NAMES.get(task.name, ())


#: the names a wired candidate may take besides the case's own (`self`
#: stands for the instance a method copied out of its class no longer has)
EXTRA_NAMES = ("task", "case", "c", "dtype", "arrays", "rng", "self")


def _pool(task: Task, case: Case, args=(), kwargs=None) -> dict:
    """Every value a wired candidate may take by name (fresh input arrays)."""
    pool: dict = {"task": task, "case": case, "c": case, "dtype": case.dtype, "self": None}
    pool.update({k: as_tuple(v) for k, v in case.params.items()})
    arrays = {k: case.array(k) for k in case.arrays}
    pool.update(arrays)
    pool["arrays"] = arrays
    pool.update(zip(_arg_names(task), args, strict=False))
    pool.update(kwargs or {})
    seed = pool.get("seed", 0)
    pool["rng"] = np.random.default_rng(seed if isinstance(seed, int) else 0)
    return pool


def _pool_names(task: Task, case: Case) -> frozenset[str]:
    """The names _pool offers for a case (the call's own arguments included)."""
    _, keywords = _student_call(task, case)
    return frozenset(EXTRA_NAMES) | set(case.params) | set(case.arrays) | set(_arg_names(task)) \
        | set(keywords)


_SIGNATURES: dict[int, inspect.Signature | None] = {}


def _signature(fn) -> inspect.Signature | None:
    key = id(fn)
    if key not in _SIGNATURES:
        try:
            _SIGNATURES[key] = inspect.signature(fn)
        except (TypeError, ValueError):
            _SIGNATURES[key] = None
    return _SIGNATURES[key]


def _bind(fn, pool: dict) -> dict | None:
    """Keyword arguments for `fn` by parameter name, or None when a required
    one is not in the pool."""
    sig = _signature(fn)
    if sig is None:
        return None
    kwargs = {}
    for p in sig.parameters.values():
        if p.kind in (p.VAR_POSITIONAL, p.VAR_KEYWORD):
            continue
        if p.name in pool and p.kind != p.POSITIONAL_ONLY:
            kwargs[p.name] = pool[p.name]
        elif p.default is p.empty:
            return None
    return kwargs


def _student_call(task: Task, case: Case) -> tuple[int, tuple[str, ...]]:
    """How many positional arguments and which keywords the task's call passes."""
    if isinstance(task.call, Signature):
        args, kwargs = task.call.arguments(case.arrays, case.params)
        return len(args), tuple(sorted(kwargs))
    if task.mutable:
        return 1, tuple(sorted(k for k in case.params if k != "steps"))
    if task.name == "network.init_params":
        return 0, ("seed",)
    return len(_arg_names(task)), tuple(k for k in ("h",) if k in case.params)


_DIRECT: dict[tuple, bool] = {}


def _direct(cand: Candidate, task: Task, case: Case):
    """The candidate itself as the task's function, or None where the task's
    call cannot bind to it (the call would raise TypeError)."""
    n, keywords = _student_call(task, case)
    key = (id(cand.obj), n, keywords)
    if key not in _DIRECT:
        sig = _signature(cand.obj)
        try:
            if sig is not None:
                sig.bind(*[None] * n, **dict.fromkeys(keywords))
            _DIRECT[key] = True
        except TypeError:
            _DIRECT[key] = False
    return cand.obj if _DIRECT[key] else None


def _as_answer(task: Task, result):
    """A catalogue-style list of outputs turned into what the task returns."""
    if isinstance(result, list) and len(result) == len(task.outputs):
        if all(o.startswith("[") for o in task.outputs):
            return {o.strip("[]"): v for o, v in zip(task.outputs, result, strict=True)}
        return result[0] if len(result) == 1 else tuple(result)
    return result


_NAMED: dict[tuple, bool] = {}


def _named(cand: Candidate, task: Task, case: Case):
    """The candidate as the task's function (or optimizer class), its
    parameters bound by name; None when they cannot be, or when it takes
    no argument at all (its answer would be the same for every case)."""
    names = _pool_names(task, case)
    key = (id(cand.obj), names)
    if key not in _NAMED:
        sig = _signature(cand.obj)
        _NAMED[key] = sig is not None and bool(sig.parameters) \
            and _bind(cand.obj, dict.fromkeys(names)) is not None
    if not _NAMED[key]:
        return None
    if task.mutable:  # an optimizer class
        class Wired:
            def __init__(self, params, **hyper):
                self.params, self.t = params, 0

            def step(self, grads):
                self.t += 1
                sub = replace(case, params={**case.params, "steps": self.t})
                bound = _bind(cand.obj, _pool(task, sub))
                if bound is None:
                    raise TypeError("cannot bind")
                answer = cand.obj(**bound)
                for p, new in zip(self.params, answer, strict=True):
                    p[...] = new
        return Wired

    def wired(*args, **kwargs):
        bound = _bind(cand.obj, _pool(task, case, args, kwargs))
        if bound is None:
            raise TypeError("cannot bind")
        return _as_answer(task, cand.obj(**bound))
    return wired


# --------------------------------------------------------------------------
# judging


class Judge:
    """Public cases and PyTorch's answers, drawn and computed once."""

    def __init__(self, tasks: dict[str, Task], examples: int = EXAMPLES):
        self.tasks, self.examples = tasks, examples
        self._cases: dict = {}
        self._expected: dict = {}

    def cases(self, task: Task, part) -> list[Case]:
        key = (task.name, part.name)
        if key not in self._cases:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                self._cases[key] = generate_cases(task, part, self.examples)
        return self._cases[key]

    def expected(self, task: Task, case: Case):
        key = (task.name, id(case))
        if key not in self._expected:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                self._expected[key] = oracle_expected(task, case)
        return self._expected[key]

    def passes(self, task: Task, part, wire: Callable[[Case], object]) -> bool:
        """Every public case of the part right with the function `wire(case)` gives."""
        for case in self.cases(task, part):
            fn = wire(case)
            if fn is None:
                return False
            with warnings.catch_warnings(), np.errstate(all="ignore"):
                warnings.simplefilter("ignore")
                with without_torch():
                    outcome = execute(task, fn, case)
            if judge_outcome(task, case, outcome, lambda c, t=task: self.expected(t, c)) is not None:
                return False
        return True

    def sweep(self, found: list[Candidate]) -> dict[str, list[str]]:
        """{candidate (wiring): the "task: part" names it passes}."""
        passed: dict[str, list[str]] = {}
        for task in self.tasks.values():
            parts = [p for p in task.parts if not p.grader_only]
            for cand in found:
                wirings = {"direct": lambda case, c=cand, t=task: _direct(c, t, case),
                           "named": lambda case, c=cand, t=task: _named(c, t, case)}
                for how, wire in wirings.items():
                    for part in parts:
                        if self.passes(task, part, wire):
                            passed.setdefault(f"{cand.name} ({how})", []).append(f"{task.name}: {part.name}")
        return passed
