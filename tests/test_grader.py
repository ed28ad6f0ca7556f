"""The grader end to end: its failure taxonomy, its output format, its
determinism and its fallback sandbox.

Each taxonomy case is the reference solution with one task broken in one
way; the grader must give that task (or, for a syntax error, that module's
tasks) zero with feedback naming the failure, and every other task full
marks. All grader runs of this file happen once, concurrently, in a module
fixture; the tests then read their results.
"""
from __future__ import annotations

import json
import os
import re
import signal
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import pytest
from adversarial import (
    CALL_SECONDS,
    copy_reference,
    expected_tests,
    grade,
    make_rubric,
    processes_with,
    wait_gone,
)

from cnn_checks.tasks import TASKS
from grader.rubric import Rubric
from grader.sandbox import bwrap_path

pytestmark = pytest.mark.slow
BWRAP = bwrap_path() is not None
PARALLEL = 4


@dataclass(frozen=True)
class Broken:
    """A submission with one task broken: `code` is appended to `module`.py."""

    name: str
    module: str
    code: str
    broken: str                     # the broken task, or a module (every task of it)
    tasks: tuple[str, ...]          # --tasks
    title: str                      # feedback.KIND_TITLES entry expected in the output
    fragments: tuple[str, ...] = ()  # more text expected in the output
    parts: tuple[str, ...] = ()     # only these parts fail (default: all)
    examples: int = 5
    marker: str = ""                # command-line text of a process it starts

    def is_broken(self, test_name: str) -> bool:
        task, part = test_name.split(": ", 1)
        hit = task == self.broken or task.split(".")[0] == self.broken
        return hit and (not self.parts or part in self.parts)


def _ref(name: str) -> str:
    return f"_reference_{name} = {name}  # noqa: F821\n"


TAXONOMY = [
    Broken("syntax_error", "conv", "\ndef broken(:\n    pass\n", "conv", ("conv", "padding"),
           "cannot be imported", ("SyntaxError", "conv.py")),
    Broken("missing", "pooling", "\ndel global_avg_pool2d  # noqa: F821\n", "pooling.global_avg_pool2d",
           ("pooling",), "missing", ("has no `global_avg_pool2d`",)),
    Broken("raises", "losses", "\ndef cross_entropy(logits, target, reduction='mean'):\n"
                               "    raise ValueError('boom: bad target')\n",
           "losses.cross_entropy", ("losses",), "raised an exception",
           ("ValueError: boom: bad target", "losses.py, line")),
    Broken("list", "padding",
           _ref("pad2d") + "def pad2d(x, padding, mode='constant', value=0.0):\n"
                           "    return _reference_pad2d(x, padding, mode, value).tolist()\n",
           "padding.pad2d", ("padding", "losses"), "wrong type", ("list", "expected a numpy.ndarray")),
    Broken("shape", "pooling",
           _ref("avg_pool2d") + "import numpy as _np\n"
                                "def avg_pool2d(x, kernel_size, stride=None, padding=0):\n"
                                "    out = _reference_avg_pool2d(x, kernel_size, stride, padding)\n"
                                "    return _np.concatenate([out, out], axis=-1)\n",
           "pooling.avg_pool2d", ("pooling",), "wrong shape", ("has shape",)),
    Broken("dtype", "conv",
           _ref("conv2d") + "def conv2d(x, w, b=None, stride=1, padding=0, dilation=1):\n"
                            "    return _reference_conv2d(x, w, b, stride, padding, dilation)"
                            ".astype('float64')\n",
           "conv.conv2d", ("conv",), "wrong dtype", ("dtype float64", "float32"), parts=("float32",)),
    Broken("nan", "losses",
           _ref("softmax") + "import numpy as _np\n"
                             "def softmax(z, axis=-1):\n"
                             "    return _np.full_like(_reference_softmax(z, axis), _np.nan)\n",
           "losses.softmax", ("losses",), "NaN or infinity"),
    Broken("timeout", "pooling", "import time as _time\ndef global_avg_pool2d(x):\n    _time.sleep(1000)\n",
           "pooling.global_avg_pool2d", ("pooling",), "timed out",
           (f"did not return within {CALL_SECONDS} s", "time limit"), examples=2),
    Broken("memory", "losses", "import numpy as _np\ndef softmax(z, axis=-1):\n"
                               "    return _np.ones(1 << 30)[: z.size].reshape(z.shape)\n",
           "losses.softmax", ("losses",), "memory limit", ("MemoryError",)),
    Broken("sys_exit", "conv",
           "import sys as _sys\n"
           "def conv2d(x, w, b=None, stride=1, padding=0, dilation=1):\n    _sys.exit(3)\n",
           "conv.conv2d", ("conv",), "exited", ("sys.exit(3)",)),
    Broken("os_exit", "pooling",
           "import os as _os\n"
           "def max_pool2d(x, kernel_size, stride=None, padding=0):\n    _os._exit(3)\n",
           "pooling.max_pool2d", ("pooling",), "exited", ("exit status 3",)),
    Broken("segfault", "losses", "import ctypes as _ctypes\n"
                                 "def cross_entropy(logits, target, reduction='mean'):\n"
                                 "    return _ctypes.string_at(0)\n",
           "losses.cross_entropy", ("losses",), "crashed", ("SIGSEGV",)),
    Broken("flood", "padding", _ref("pad2d") + "def pad2d(x, padding, mode='constant', value=0.0):\n"
                                               "    print('x' * (5 << 20))\n"
                                               "    return _reference_pad2d(x, padding, mode, value)\n",
           "padding.pad2d", ("padding", "losses"), "output flood", ("more than the limit",)),
    Broken("stray", "pooling",
           _ref("min_pool2d") + "import subprocess as _sp\n"
                                "def min_pool2d(x, kernel_size, stride=None, padding=0):\n"
                                "    _sp.Popen(['sleep', '61.0501'])\n"
                                "    return _reference_min_pool2d(x, kernel_size, stride, padding)\n",
           "pooling.min_pool2d", ("pooling",), "left a process running", ("wait for every process",),
           marker="61.0501"),
]
BY_NAME = {b.name: b for b in TAXONOMY}

#: a plain bug (no max subtracted: overflows for large logits) that only some
#: parts catch, and whose feedback depends on Hypothesis' shrinking
BUGGY = Broken("buggy", "losses", "import numpy as _np\ndef softmax(z, axis=-1):\n"
                                  "    e = _np.exp(z)\n    return e / e.sum(axis=axis, keepdims=True)\n",
               "losses.softmax", ("losses",), "NaN or infinity")

#: fallback only: a detached daemon, which leaves the process group
DAEMON = Broken("daemon", "pooling", _ref("min_pool2d") + (
    "import os as _os\n"
    "def min_pool2d(x, kernel_size, stride=None, padding=0):\n"
    "    if _os.fork() == 0:\n"
    "        _os.setsid()\n"
    "        if _os.fork() == 0:\n"
    "            _os.execv('/bin/sleep', ['sleep', '61.0601'])\n"
    "        _os._exit(0)\n"
    "    _os.wait()\n"
    "    return _reference_min_pool2d(x, kernel_size, stride, padding)\n"),
    "pooling.min_pool2d", ("pooling",), "left a process running", marker="61.0601")


def _build(broken: Broken | None, dest):
    copy_reference(dest)
    if broken is not None:
        path = dest / f"{broken.module}.py"
        path.write_text(path.read_text() + "\n\n# ---- broken: " + broken.name + "\n" + broken.code)
    return dest


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    base = tmp_path_factory.mktemp("grader")
    rubric = make_rubric(base / "rubric.toml")
    jobs = {}

    def job(key, broken, tasks, examples, extra=(), stdout=False):
        folder = base / key
        sub = _build(broken, folder / "submission")
        jobs[key] = dict(sub=sub, tasks=list(tasks), examples=examples, extra=tuple(extra),
                         out=None if stdout else folder / "results.json", broken=broken)

    for b in TAXONOMY:
        if b.name == "syntax_error" or BWRAP:
            job(b.name, b, b.tasks, b.examples)
    job("correct", None, ("padding", "losses"), 5)
    job("correct_stdout", None, ("padding",), 3, stdout=True)
    job("names", None, ("conv", "optim"), 3)
    job("buggy_1", BUGGY, BUGGY.tasks, 10)
    job("buggy_2", BUGGY, BUGGY.tasks, 10)
    job("fallback_correct", None, ("padding", "losses"), 5, extra=("--no-bwrap",))
    job("fallback_buggy", BUGGY, BUGGY.tasks, 10, extra=("--no-bwrap",))
    job("fallback_syntax", BY_NAME["syntax_error"], ("conv", "padding"), 5, extra=("--no-bwrap",))
    job("fallback_daemon", DAEMON, DAEMON.tasks, 3, extra=("--no-bwrap",))

    def run(key):
        j = jobs[key]
        j["run"] = grade(j["sub"], j["tasks"], j["examples"], j["out"], rubric, timeout=150, extra=j["extra"])

    with ThreadPoolExecutor(PARALLEL) as pool:
        list(pool.map(run, sorted(jobs, key=lambda k: k not in ("timeout", "fallback_daemon"))))
    yield jobs
    # should the fallback daemon have survived (its test then fails), end it
    for pid, _ in processes_with([DAEMON.marker]):
        try:
            os.kill(pid, signal.SIGKILL)
        except OSError:
            pass


def _results(runs, key):
    run = runs[key]["run"]
    assert not run.timed_out and run.rc == 0, run.describe()
    assert run.results is not None, f"no results JSON\n{run.describe()}"
    expected = expected_tests(runs[key]["tasks"])
    assert set(run.tests()) == set(expected), (set(expected) ^ set(run.tests()))
    return run.results


def _check_broken(runs, key, broken: Broken):
    results = _results(runs, key)
    bad = {t["name"]: t for t in results["tests"] if broken.is_broken(t["name"])}
    good = {t["name"]: t for t in results["tests"] if not broken.is_broken(t["name"])}
    assert bad, "no entry of the broken task"
    for name, t in bad.items():
        assert t["score"] == 0 and t["status"] == "failed", (name, t)
        assert t["output"].startswith(name + " - " + broken.title), (name, t["output"][:300])
        for fragment in broken.fragments:
            assert fragment in t["output"], (name, fragment, t["output"][:500])
    for name, t in good.items():
        assert t["score"] == t["max_score"] and t["status"] == "passed", (name, t["output"][:300])
    return results


@pytest.mark.parametrize("key", [b.name for b in TAXONOMY])
def test_taxonomy(runs, key):
    if key not in runs:
        pytest.skip("needs bubblewrap (these failures are only safe to provoke in the sandbox)")
    broken = BY_NAME[key]
    results = _check_broken(runs, key, broken)
    if broken.marker:
        assert not wait_gone([broken.marker]), "the stray process survived the grader"
    if key == "syntax_error":
        source = (runs[key]["sub"] / "conv.py").read_text().splitlines()
        line = next(i for i, s in enumerate(source, 1) if s.startswith("def broken(:"))
        for t in results["tests"]:
            if t["name"].startswith("conv."):
                assert f"conv.py, line {line}" in t["output"], t["output"][:300]


def test_correct_submission_gets_full_marks(runs):
    results = _results(runs, "correct")
    assert results["score"] == results["max_score"] > 0
    assert all(t["status"] == "passed" and t["score"] == t["max_score"] for t in results["tests"])
    rubric = Rubric.load()
    assert results["max_score"] == pytest.approx(
        sum(rubric.task_points(t) for t in TASKS if t.split(".")[0] in ("padding", "losses")))


def test_results_have_gradescope_fields(runs):
    results = _results(runs, "correct")
    assert isinstance(results["score"], (int, float)) and isinstance(results["max_score"], (int, float))
    assert results["output_format"] in ("text", "html", "simple_format", "md", "ansi")
    assert results["visibility"] in ("hidden", "after_due_date", "after_published", "visible")
    assert isinstance(results.get("execution_time"), (int, float))
    for t in results["tests"]:
        assert {"name", "score", "max_score", "status", "output", "output_format", "visibility"} <= set(t), t
        assert t["status"] in ("passed", "failed")
        assert t["output_format"] in ("text", "html", "simple_format", "md", "ansi")
        assert t["visibility"] in ("hidden", "after_due_date", "after_published", "visible")
        assert isinstance(t["output"], str) and t["output"]
    json.dumps(results)  # plain JSON all the way down


def test_results_on_standard_output(runs):
    """Without --out the results are standard output, and nothing else is."""
    run = runs["correct_stdout"]["run"]
    assert run.rc == 0, run.describe()
    results = json.loads(run.stdout)
    assert results["score"] == results["max_score"] > 0


def test_every_test_name_starts_with_a_task(runs):
    for key in ("names", "correct", "syntax_error"):
        if key not in runs:
            continue
        for t in _results(runs, key)["tests"]:
            task, sep, part = t["name"].partition(": ")
            assert task in TASKS and sep and part in [p.name for p in TASKS[task].parts], t["name"]
            assert re.fullmatch(r"[a-z_]+\.[A-Za-z_0-9]+", task)
    optim = [t["name"] for t in _results(runs, "names")["tests"] if t["name"].startswith("optim.")]
    assert any(n.startswith("optim.SGD: ") for n in optim)
    assert any(n.startswith("optim.Adam: ") for n in optim)


def test_grader_exits_zero_whatever_the_score(runs):
    for key, j in runs.items():
        assert j["run"].rc == 0, (key, j["run"].describe())


def test_deterministic(runs):
    """The same buggy submission twice: the same results, apart from timing."""
    first, second = _results(runs, "buggy_1"), _results(runs, "buggy_2")
    assert 0 < first["score"] < first["max_score"], "the bug should cost some, not all, points"
    first.pop("execution_time"), second.pop("execution_time")
    assert first == second
    failing = [t for t in first["tests"] if t["status"] == "failed"]
    assert failing and all("smallest failing input" in t["output"] for t in failing)


def test_fallback_grades_a_correct_submission_fully(runs):
    results = _results(runs, "fallback_correct")
    assert results["score"] == results["max_score"] > 0
    assert "fallback" in results["output"]


def test_fallback_grades_a_wrong_submission_as_the_sandbox_does(runs):
    fallback = _results(runs, "fallback_buggy")
    sandboxed = _results(runs, "buggy_1")
    assert [(t["name"], t["score"]) for t in fallback["tests"]] == \
           [(t["name"], t["score"]) for t in sandboxed["tests"]]
    assert fallback["score"] < fallback["max_score"]
    _check_broken(runs, "fallback_syntax", BY_NAME["syntax_error"])


def test_fallback_catches_a_detached_daemon(runs):
    """A double-forked daemon in its own session: found (below the zygote, a
    subreaper, and in the task's cgroup), the task scores 0, and killed."""
    run = runs["fallback_daemon"]["run"]
    assert run.rc == 0 and run.results, run.describe()
    survivors = wait_gone([DAEMON.marker], 2.0)
    bad = [t for t in run.results["tests"] if DAEMON.is_broken(t["name"])]
    assert not survivors, f"the daemon outlived the grader: {survivors}"
    assert bad and all(t["score"] == 0 for t in bad), [(t["name"], t["score"]) for t in bad]
    assert all("left a process running" in t["output"] for t in bad), bad[0]["output"][:300]


def test_fallback_is_announced_loudly(runs):
    """Where the fallback sandbox grades, standard error says so first."""
    run = runs["fallback_correct"]["run"]
    assert run.stderr.lstrip().startswith("!" * 20), run.stderr[:300]
    assert "WARNING: FALLBACK SANDBOX" in run.stderr and run.stderr.count("FALLBACK SANDBOX") == 1

