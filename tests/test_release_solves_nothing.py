"""Nothing a student receives can be wired into a passing task.

Every function and class of the student release (`grader release`, built
into a temporary folder) is wired as every task's function, the way a
student holding the release could (tests/release_sweep.py: directly, by
parameter name, as an optimizer class, factories called with their defaults
and their own strings), and judged on each part's public cases without
PyTorch (which the grader's child hides). No candidate may pass a single
part of any task, except the one known below.

The sweep is checked for blindness twice: a planted module with working
implementations wired in each of those ways must pass (and one that needs
PyTorch must not), and the sweep must have tried every released module.
One submission assembled from the release's functions is graded for real
with `grader grade` (bubblewrap, the course secret's cases) and scores 0.
"""
from __future__ import annotations

import importlib
import importlib.util
import json
import subprocess
import types
from pathlib import Path

import pytest
import release_sweep as sweep
from adversarial import GRADER, released_function

from cnn_checks.tasks import TASKS
from grader.release import build_release

pytestmark = pytest.mark.slow  # builds the release and wires ~500 functions into 36 tasks

PROJECT = Path(__file__).resolve().parent.parent

#: Functions the sweep does not call, and why.
NOT_CALLED = {
    "cnn_checks.import_guard.install": "installs the grader child's import hook into the calling "
                                       "process (it returns nothing)",
    "cnn_checks.demo.main": "the notebook's training demo: parses the command line, then trains "
                            "with the functions of the module it is given (the student's own)",
}

#: The passes that are known and why they stand: {(candidate, task)}.
#: network.init_params is graded on the keys, shapes and dtype of its dict
#: and on using its seed (SPEC.md asks for no particular distribution), so
#: any seeded generator of arrays of the SPEC's shapes passes it, and the
#: network's cases need one (random_params draws their parameters).
KNOWN = {("cnn_checks.tasks.network.random_params (named)", "network.init_params")}


def _module_name(release: Path, path: Path) -> str:
    rel = path.relative_to(release).with_suffix("")
    return ".".join(rel.parts[:-1] if rel.name == "__init__" else rel.parts)


def released_modules(release: Path) -> list[types.ModuleType]:
    """Every Python module of the release, imported: the packages as the
    installed project's modules (whose files must be byte for byte the
    released ones), the released test files from the release folder."""
    modules = []
    for path in sorted(release.rglob("*.py")):
        name = _module_name(release, path)
        if name.split(".")[0] in ("cnn_checks", "assignments"):
            module = importlib.import_module(name)
            assert Path(module.__file__).read_bytes() == path.read_bytes(), \
                f"{name}: the installed module is not the released file"
        else:  # tests/conftest.py, tests/public/*.py
            spec = importlib.util.spec_from_file_location(f"released_{name.replace('.', '_')}", path)
            assert spec is not None and spec.loader is not None
            module = importlib.util.module_from_spec(spec)
            spec.loader.exec_module(module)
        modules.append(module)
    return modules


@pytest.fixture(scope="module")
def release(tmp_path_factory) -> Path:
    return build_release(tmp_path_factory.mktemp("release") / "student-repo")


@pytest.fixture(scope="module")
def swept(release):
    modules = released_modules(release)
    found = [c for m in modules for c in sweep.candidates(m, NOT_CALLED)]
    passed = sweep.Judge(TASKS).sweep(found)
    return modules, found, passed


def test_every_released_module_is_tried(release, swept):
    modules, found, _ = swept
    files = {_module_name(release, p) for p in release.rglob("*.py")}
    assert len(modules) == len(files) > 40
    defining = {c.obj.__module__ for c in found}
    # every module that defines a function or class gave candidates
    for module in modules:
        own = [v for v in vars(module).values()
               if isinstance(v, (types.FunctionType, type)) and v.__module__ == module.__name__]
        if own:
            assert module.__name__ in defining, module.__name__
    assert len(found) > 300, len(found)


def test_no_released_function_passes_a_part(swept):
    """The heart of it: nothing in the release, wired in any of the sweep's
    ways, passes any part of any task (but the KNOWN ones)."""
    _, _, passed = swept
    by_task = {(cand, entry.split(":")[0]) for cand, entries in passed.items() for entry in entries}
    unexpected = {cand: entries for cand, entries in passed.items()
                  if any((cand, e.split(":")[0]) not in KNOWN for e in entries)}
    assert not unexpected, "released functions that pass parts of a task:\n" + "\n".join(
        f"  {cand}: {', '.join(entries)}" for cand, entries in unexpected.items())
    assert by_task == KNOWN, f"a known pass no longer holds: {KNOWN - by_task}"


PLANTED = '''
"""Working implementations (the reference's), wired the ways a student could."""
import numpy as np

from cnn_checks.cases import as_tuple


def softmax_as_is(z, axis=-1):
    from solutions.losses import softmax
    return softmax(z, axis)


def any_task(task, case):
    import solutions
    module = __import__(f"solutions.{task.module}", fromlist=[task.function])
    answer = task.call(getattr(module, task.function), {k: np.array(v) for k, v in case.arrays.items()},
                       dict(case.params))
    return list(answer) if isinstance(answer, tuple) else [answer]


def optimizer(kind):
    if kind not in ("SGD", "Adam"):
        raise ValueError(kind)

    def compute(task, case):
        import solutions.optim
        params = [np.array(case.arrays[n], dtype=np.float64) for n in ("p0", "p1")]
        opt = getattr(solutions.optim, kind)(params, **{k: as_tuple(v) for k, v in case.params.items()
                                                        if k != "steps"})
        for s in range(case.params["steps"]):
            opt.step([case.arrays[f"g{s}_{i}"] for i in range(2)])
        return params
    return compute


def torch_softmax(z, axis=-1):
    import torch
    return torch.softmax(torch.tensor(z), axis).numpy()
'''


def test_the_sweep_finds_working_implementations():
    """Not blind: working implementations wired directly, by name, through
    a factory and as an optimizer class pass every part; one that needs
    PyTorch passes none."""
    module = types.ModuleType("planted_implementations")
    exec(compile(PLANTED, "planted_implementations.py", "exec"), module.__dict__)
    found = sweep.candidates(module)
    names = {c.name for c in found}
    assert "planted_implementations.optimizer('SGD')" in names, names
    tasks = {n: TASKS[n] for n in ("losses.softmax", "optim.SGD", "optim.Adam",
                                   "backprop.max_pool2d_backward")}
    passed = sweep.Judge(tasks).sweep(found)

    def parts(name):
        return {p.name for p in tasks[name].parts}

    def got(cand, task):
        return {e.split(": ", 1)[1] for e in passed.get(cand, []) if e.startswith(task + ":")}

    assert got("planted_implementations.softmax_as_is (direct)", "losses.softmax") == parts("losses.softmax")
    for task in tasks:
        assert got("planted_implementations.any_task (named)", task) == parts(task), (task, passed)
    assert got("planted_implementations.optimizer('SGD') (named)", "optim.SGD") == parts("optim.SGD")
    assert got("planted_implementations.optimizer('Adam') (named)", "optim.Adam") == parts("optim.Adam")
    assert not any("torch_softmax" in cand for cand in passed), passed


# --------------------------------------------------------------------------
# one assembled submission, graded for real


OPTIM = '''
import numpy as np


def as_tuple(value):
    return tuple(as_tuple(v) for v in value) if isinstance(value, list) else value


class _Case:
    def __init__(self, arrays, params):
        self.arrays, self.params = arrays, params


class _Wired:
    KIND = ""

    def __init__(self, params, **hyper):
        self.params, self.hyper, self.grads = params, hyper, []
        self.first = [np.array(p, dtype=np.float64) for p in params]

    def step(self, grads):
        self.grads.append([np.array(g, dtype=np.float64) for g in grads])
        arrays = {f"p{i}": p for i, p in enumerate(self.first)}
        for s, gs in enumerate(self.grads):
            arrays.update({f"g{s}_{i}": g for i, g in enumerate(gs)})
        answer = _optimizer(self.KIND)(None, _Case(arrays, {**self.hyper, "steps": len(self.grads)}))
        for p, new in zip(self.params, answer):
            p[...] = new


class SGD(_Wired):
    KIND = "SGD"


class Adagrad(_Wired):
    KIND = "Adagrad"


class RMSprop(_Wired):
    KIND = "RMSprop"


class Adam(_Wired):
    KIND = "Adam"
'''

LOSSES = '''
import numpy as np


def softmax(z, axis=-1):
    return _naive_softmax(z, axis)
'''


def assemble(release: Path, dest: Path) -> Path:
    """The stubs, with the tasks the release once solved wired from the
    release's own functions (copied as it holds them; a stub where it holds
    none): the optimizers from the catalogue's NumPy optimizer, softmax from
    its softmax without the max."""
    dest.mkdir(parents=True)
    for path in (release / "assignments").glob("*.py"):
        if path.name != "__init__.py":
            (dest / path.name).write_text(path.read_text())

    def copied(name: str) -> str:
        source = released_function(release, name)
        return source or (f"def {name}(*args, **kwargs):\n"
                          f"    raise NotImplementedError('the release holds no {name}')\n")

    for module, wiring, names in (("optim", OPTIM, ("_optimizer",)), ("losses", LOSSES, ("_naive_softmax",))):
        path = dest / f"{module}.py"
        path.write_text(path.read_text() + "\n\n" + wiring + "\n\n" + "\n\n".join(copied(n) for n in names))
    return dest


def test_an_assembled_submission_scores_zero(release, tmp_path):
    """`grader grade` (the real path: bubblewrap, the grader's own cases)
    gives 0 to every optimizer and to softmax wired from the release."""
    from grader.sandbox import bwrap_path
    if bwrap_path() is None:
        pytest.skip("the real path needs bubblewrap")
    submission = assemble(release, tmp_path / "submission")
    out = tmp_path / "results.json"
    cmd = GRADER + ["grade", str(submission), "--examples", "10", "--tasks", "optim", "losses.softmax",
                    "--out", str(out)]
    run = subprocess.run(cmd, capture_output=True, text=True, timeout=600, cwd=str(PROJECT))
    assert run.returncode == 0, run.stderr[-2000:]
    tests = json.loads(out.read_text())["tests"]
    wired = [t for t in tests if t["name"].split(":")[0] in
             ("optim.SGD", "optim.Adagrad", "optim.RMSprop", "optim.Adam", "losses.softmax")]
    assert len(wired) == sum(len(TASKS[n].parts) for n in
                             ("optim.SGD", "optim.Adagrad", "optim.RMSprop", "optim.Adam", "losses.softmax"))
    gained = {t["name"]: t["score"] for t in wired if t["score"] > 0}
    assert not gained, f"the release's functions earn points: {gained}"
