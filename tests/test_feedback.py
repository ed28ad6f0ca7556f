"""Feedback a student can act on: the likely cause in every format, the
values and a paste-able call for the smallest failing input, containers
accepted by their values, and a missing module file said plainly."""
from __future__ import annotations

import json
import subprocess
import sys
from collections import OrderedDict, namedtuple
from pathlib import Path

import numpy as np
import pytest

from cnn_checks.cases import Case
from cnn_checks.execute import Returned
from cnn_checks.feedback import describe_failure, part_feedback
from cnn_checks.implementations import in_process, load_package
from cnn_checks.outputs import to_values
from cnn_checks.runner import PartResult
from cnn_checks.tasks import TASKS

sys.path.insert(0, str(Path(__file__).resolve().parent))
from corpus.build import BUGS, make_submission

ROOT = Path(__file__).resolve().parents[1]


# -------------------------------------------------------------- containers

def test_namedtuple_and_ordered_dict_are_accepted_by_their_values():
    Grads = namedtuple("Grads", "dx dw db")
    arrays = [np.ones(2), np.zeros(3), np.full(1, 2.0)]
    values = to_values(Grads(*arrays), ("dx", "dw", "db"))
    assert not isinstance(values, str)
    assert [v.array.tolist() for v in values] == [a.tolist() for a in arrays]
    d = OrderedDict(dW1=np.ones(1), db1=np.ones(2), dW2=np.ones(3), db2=np.ones(4))
    values = to_values(d, ("[dW1]", "[db1]", "[dW2]", "[db2]"))
    assert not isinstance(values, str) and [v.array.size for v in values] == [1, 2, 3, 4]


def test_a_lying_tuple_or_dict_is_read_by_its_real_contents():
    """Overriding __getitem__, __iter__ or __len__ changes nothing: the
    values read are the ones stored in the built-in container."""
    class Liar(tuple):
        def __getitem__(self, i):
            return np.full(3, 42.0)

        def __iter__(self):
            return iter([np.full(3, 42.0)] * 3)

        def __len__(self):
            return 3

    values = to_values(Liar((np.ones(1), np.ones(1))), ("dx", "dw", "db"))
    assert values == "returned 2 values; expected 3 (dx, dw, db)"

    class LyingDict(dict):
        def __getitem__(self, key):
            return np.full(3, 42.0)

    d = LyingDict(dW1=np.ones(1), db1=np.ones(1), dW2=np.ones(1), db2=np.ones(1))
    values = to_values(d, ("[dW1]", "[db1]", "[dW2]", "[db2]"))
    assert all(v.array.tolist() == [1.0] for v in values)
    assert isinstance(to_values([np.ones(1)] * 2, ("a", "b")), list)
    assert "expected a tuple" in to_values(object(), ("a", "b"))


# -------------------------------------------------------------- a missing module

def test_a_missing_module_file_is_named(tmp_path):
    (tmp_path / "conv.py").write_text("def conv2d(*a, **k):\n    raise NotImplementedError\n")
    (tmp_path / "losses.py").write_text("")
    package = load_package(tmp_path, name="feedback_missing_padding")
    outcome = in_process(package, TASKS["padding.pad2d"])(None)
    assert outcome.kind == "import"
    assert outcome.message.startswith("padding.py is missing from the submission")
    assert "conv.py, losses.py" in outcome.message
    assert "ModuleNotFoundError" not in outcome.message


# -------------------------------------------------------------- one failing part, every format

def _failing_result() -> PartResult:
    case = Case({"x": np.array([[[[1.0, 2.0]]]]), "w": np.array([[[[1.0]]]])},
                {"stride": 1, "padding": 1, "dilation": 1})
    return PartResult("conv.conv2d", "padding", False, 3, "value",
                      "the result is wrong at index (0, 0, 0, 0): expected 0, got 1", case,
                      cause="likely cause: passes when there is no padding",
                      outcome=Returned([]))


def _order(text: str) -> list[int]:
    lines = text.splitlines()
    at = [next(i for i, line in enumerate(lines) if marker in line)
          for marker in ("expected 0, got 1", "likely cause:", "hint:")]
    return at


def test_describe_failure_shows_values_cause_and_a_call():
    text = describe_failure(_failing_result())
    assert "x(1, 1, 1, 2)=[[[[1.0, 2.0]]]]" in text
    assert "  likely cause: passes when there is no padding" in text.splitlines()
    assert "from assignments.conv import conv2d" in text
    assert "print(conv2d(x, w, None, stride=1, padding=1, dilation=1))" in text
    code = "\n".join(line[4:] for line in text.splitlines() if line.startswith("    "))
    namespace: dict = {}
    exec(code.replace("from assignments.conv import conv2d", "conv2d = lambda *a, **k: (a, k)"), namespace)


def test_a_notebook_reproduces_in_a_cell_below_the_function():
    """The nbgrader course's feedback (`grader grade --feedback-for
    notebook`) says where a notebook student runs the lines, without an
    import the notebook has no module for."""
    text = describe_failure(_failing_result(), "notebook")
    assert "to reproduce, run this in a new cell of conv.ipynb, below your function:" in text
    assert "from assignments" not in text and "repository" not in text
    code = "\n".join(line[4:] for line in text.splitlines() if line.startswith("    "))
    namespace: dict = {"conv2d": lambda *a, **k: (a, k)}
    exec(code, namespace)


def test_the_reproduction_runs_where_it_says_with_relative_imports(tmp_path):
    """The lines run as written, in a fresh Python started in a folder that
    holds assignments/, whose conv.py imports its sibling relatively (as
    the student README allows and the reference does)."""
    import shutil
    import subprocess
    import sys
    from pathlib import Path
    package = tmp_path / "repo" / "assignments"
    package.mkdir(parents=True)
    (package / "__init__.py").write_text("")
    for path in (Path(__file__).resolve().parent.parent / "solutions").glob("*.py"):
        if path.name != "__init__.py":
            shutil.copyfile(path, package / path.name)
    assert "from .padding import pad2d" in (package / "conv.py").read_text()
    text = describe_failure(_failing_result())
    code = "\n".join(line[4:] for line in text.splitlines() if line.startswith("    "))
    run = subprocess.run([sys.executable, "-c", code], cwd=tmp_path / "repo", capture_output=True,
                         text=True, timeout=120, env={"PATH": "/usr/bin:/bin", "PYTHONPATH": ""})
    assert run.returncode == 0, run.stderr
    assert run.stdout.strip().startswith("[[[[")


def test_the_cause_comes_after_expected_versus_got_and_before_the_advice():
    from grader.grade import TaskReport
    from grader.report import gradescope_results, markdown
    result = _failing_result()
    task = TASKS["conv.conv2d"]
    a, b, c = _order(part_feedback(task, result))                # pytest
    assert a < b < c
    report = TaskReport("conv.conv2d", [result], {"padding": 1.0}, hint="look at the padding")
    out = gradescope_results([report], 1.0, "test")["tests"][0]["output"]   # Gradescope, nbgrader
    a, b, c = _order(out)
    assert a < b < c
    md = markdown([report])
    assert md.index("expected 0, got 1") < md.index("likely cause:") < md.index("**Hint:**")


# -------------------------------------------------------------- the real paths

def _bug(name: str) -> Path:
    return next(b for b in BUGS if b.stem == name)


@pytest.mark.slow
def test_public_tests_show_the_likely_cause(tmp_path):
    """The students' pytest run prints the same `likely cause:` line."""
    folder = make_submission(_bug("conv2d_ignores_dilation"), tmp_path / "submission")
    proc = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider",
                           "tests/public/test_tasks.py", "--impl", str(folder),
                           "-k", "conv2d and dilation and not backward and not lecture"],
                          cwd=ROOT, capture_output=True, text=True, timeout=600)
    assert proc.returncode == 1, proc.stdout[-3000:]
    assert "likely cause: passes when dilation is 1" in proc.stdout, proc.stdout[-3000:]


@pytest.mark.slow
def test_the_grader_names_the_cause_from_the_child(tmp_path):
    """The grader runs the variants of the failing case in the sandboxed
    child (the same path as the graded cases) and names the cause."""
    folder = make_submission(_bug("numerical_gradient_reshape_copy"), tmp_path / "submission")
    out = tmp_path / "results.json"
    proc = subprocess.run([sys.executable, "-m", "grader.cli", "grade", str(folder), "--out", str(out),
                           "--tasks", "backprop.numerical_gradient", "--examples", "20"],
                          cwd=ROOT, capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stderr[-3000:]
    tests = json.loads(out.read_text())["tests"]
    failing = [t for t in tests if t["score"] < t["max_score"]]
    assert [t["name"] for t in failing] == ["backprop.numerical_gradient: non-contiguous"]
    assert "likely cause: perturbing a copy of x" in failing[0]["output"]
