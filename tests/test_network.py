"""The capstone network's checks: the feedback names the first layer whose
gradient disagrees, whether the mistake is in the network module (the bug
corpus) or in a lower layer it uses; the training run's verdict; the
demo's curves; notebooks as modules; and (slow) the grader on the
reference and on the plain-loops example, with the speed tier.
"""
from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
import textwrap
import types
from pathlib import Path

import nbformat
import numpy as np
import pytest

from cnn_checks.implementations import in_process, load_package
from cnn_checks.oracle import oracle_expected
from cnn_checks.runner import check_part
from cnn_checks.tasks import TASKS
from cnn_checks.tasks import network as net

sys.path.insert(0, str(Path(__file__).resolve().parent))
from corpus.build import BUGS, make_reference, make_submission

ROOT = Path(__file__).resolve().parents[1]
pytestmark = pytest.mark.network

LOSS = TASKS["network.loss_and_grads"]

#: corpus bug -> what the feedback must name
LAYER_OF_BUG = {
    "network_pool_backward_top_left": "is W2 of layer 2",
    "network_missing_relu_mask": "is W3 of layer 3",
    "network_transposed_unflatten": "is W2 of layer 2",
    "network_bias_grad_mean": "grads['b3'] is the first that disagrees",
}


def _loss_feedback(package: str, part: str = "basic") -> str:
    result = check_part(LOSS, LOSS.part(part), in_process(package, LOSS),
                        lambda c: oracle_expected(LOSS, c), max_examples=5)
    assert not result.passed, f"{package}: loss_and_grads passes"
    return result.message


@pytest.mark.parametrize("bug", sorted(LAYER_OF_BUG))
def test_corpus_bug_feedback_names_the_layer(bug, tmp_path):
    path = next(b for b in BUGS if b.stem == bug)
    package = load_package(make_submission(path, tmp_path / bug), name=f"layer_{bug}")
    message = _loss_feedback(package)
    assert LAYER_OF_BUG[bug] in message, message
    assert "agree with PyTorch" in message  # the later layers are said to be right


#: a lower layer, wrong in the submission's own module (no isolation): the
#: network built on it names the first layer whose gradient it spoils
LOWER_LAYER_BUGS = {
    "max_pool2d_backward": ('''
        def max_pool2d_backward(dout, x, kernel_size, stride=None, padding=0):
            dx = np.zeros_like(x)
            dx[..., ::2, ::2] = dout          # always the window's top-left entry
            return dx
        ''', "is W2 of layer 2"),
    "relu_backward": ('''
        def relu_backward(dout, x):
            return dout.copy()                # no mask
        ''', "is W3 of layer 3"),
    "cross_entropy_backward": ('''
        def cross_entropy_backward(logits, target):
            z = logits - logits.max(axis=1, keepdims=True)
            p = np.exp(z) / np.exp(z).sum(axis=1, keepdims=True)
            p[np.arange(len(target)), target] -= 1
            return p                          # the mean's 1/N forgotten
        ''', "is W4 of layer 4"),
}


@pytest.mark.parametrize("name", sorted(LOWER_LAYER_BUGS))
def test_wrong_lower_layer_is_named_by_the_network(name, tmp_path):
    folder = make_reference(tmp_path / name)
    source, expected = LOWER_LAYER_BUGS[name]
    backprop = folder / "backprop.py"
    backprop.write_text(backprop.read_text() + "\n\nimport numpy as np\n"
                        + textwrap.dedent(source))
    package = load_package(folder, name=f"lower_{name}")
    for part in ("basic", "batch"):
        message = _loss_feedback(package, part)
        assert expected in message, message


# --------------------------------------------------------------------------
# the training run's verdict, on a fake train (no real training here)


FAKE_TRAIN = '''
import numpy as np
from . import network_reference as ref

init_params, forward, loss_and_grads, predict = (ref.init_params, ref.forward,
                                                 ref.loss_and_grads, ref.predict)


def train(X, y, epochs=10, batch_size=32, lr=1e-3, seed=0):
    params = init_params(seed)
    params["W4"] = params["W4"] + 1e-3      # only W4 moves
    return params, [{"loss": 2.3 - 0.01 * e, "accuracy": 0.1} for e in range(epochs)]
'''


def test_training_verdict_lists_every_problem(tmp_path):
    folder = make_reference(tmp_path / "fake")
    (folder / "network_reference.py").write_text((folder / "network.py").read_text())
    (folder / "network.py").write_text(FAKE_TRAIN)
    package = load_package(folder, name="fake_train")
    task = TASKS["network.train"]
    case = net.digits_cases()[0]
    case = type(case)(case.arrays, {"budget_seconds": 1e-9})
    part = task.part("digits")
    part = type(part)(part.name, None, part.condition, part.advice, cases=lambda: [case])
    result = check_part(task, part, in_process(package, task),
                        lambda c: oracle_expected(task, c), max_examples=1)
    assert not result.passed
    message = result.message
    assert "the training loss does not go down" in message
    assert "W1, b1, W2, b2, W3, b3, b4 never changed from init_params(0)" in message
    assert "test accuracy" in message and "below 94%" in message
    assert "of CPU time" in message and "budget" in message


def test_training_structure_errors_are_named():
    task = TASKS["network.train"]
    fake = types.ModuleType("fake_network")
    fake.train = lambda X, y, **k: ({"W1": np.zeros(1)}, [])
    fake.train.__module__ = "fake_network"
    sys.modules["fake_network"] = fake
    try:
        from cnn_checks.execute import execute
        outcome = execute(task, fake.train, net.digits_cases()[0])
    finally:
        del sys.modules["fake_network"]
    assert outcome.kind == "structure" and "lacks" in outcome.message and "W2" in outcome.message


# --------------------------------------------------------------------------
# the demo and the notebooks


@pytest.mark.slow  # a training run
def test_demo_trains_and_saves_the_curves(tmp_path):
    out = tmp_path / "curves.png"
    proc = subprocess.run([sys.executable, "-m", "solutions.network", "--epochs", "2",
                           "--out", str(out)], cwd=ROOT, capture_output=True, text=True,
                          timeout=600, env={"PATH": "/usr/bin:/bin", "MPLBACKEND": "Agg",
                                            "OPENBLAS_NUM_THREADS": "1"})
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert out.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert "held-out accuracy" in proc.stdout
    assert "2/2" in proc.stderr  # the progress bar reached its last epoch


def _notebook(path: Path, *cells: str) -> None:
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell(c) for c in cells]
    nbformat.write(nb, str(path))


def test_notebooks_import_as_modules(tmp_path):
    from cnn_checks.notebook_modules import import_notebooks
    _notebook(tmp_path / "nbpad.ipynb", "import numpy as np",
              "def pad2d(x, p):\n    return np.pad(x, ((0, 0), (0, 0), (p, p), (p, p)))")
    _notebook(tmp_path / "nbconv.ipynb", "%run nbpad.ipynb",
              "def padded_size(x):\n    return pad2d(x, 1).shape")
    try:
        (conv,) = import_notebooks("nbconv", folder=tmp_path)
        assert conv.padded_size(np.zeros((1, 1, 3, 3))) == (1, 1, 5, 5)
    finally:
        for name in ("nbpad", "nbconv"):
            sys.modules.pop(name, None)


SIBLINGS = ("xp", "padding", "conv", "pooling", "losses", "backprop", "optim")


def test_network_stub_imports_its_siblings_in_every_layout(tmp_path):
    """assignments/network.py's header: a package, module files side by
    side (python network.py), and the course's notebooks."""
    stub = (ROOT / "assignments" / "network.py").read_text()
    flat = tmp_path / "flat"
    flat.mkdir()
    for module in SIBLINGS:
        source = (ROOT / "solutions" / f"{module}.py").read_text()
        (flat / f"{module}.py").write_text(re.sub(r"^from \.(\w+) import", r"from \1 import",
                                                  source, flags=re.M))
    (flat / "network.py").write_text(stub)
    run = subprocess.run([sys.executable, "-c", "import network; print(network.conv.conv2d)"],
                         cwd=flat, capture_output=True, text=True, timeout=300,
                         env={"PATH": "/usr/bin:/bin", "PYTHONPATH": str(ROOT)})
    assert run.returncode == 0 and "conv2d" in run.stdout, run.stderr[-2000:]
    notebooks = tmp_path / "notebooks"
    notebooks.mkdir()
    for module in SIBLINGS:
        # a notebook reuses another with %run (the course's way)
        source = (ROOT / "solutions" / f"{module}.py").read_text()
        _notebook(notebooks / f"{module}.ipynb",
                  re.sub(r"^from \.(\w+) import .*$", r"%run \1.ipynb", source, flags=re.M))
    shutil.copy(ROOT / "assignments" / "network.py", notebooks / "network_stub.py")
    run = subprocess.run([sys.executable, "-c", "import network_stub as n; print(n.optim.Adam)"],
                         cwd=notebooks, capture_output=True, text=True, timeout=300,
                         env={"PATH": "/usr/bin:/bin", "PYTHONPATH": str(ROOT)})
    assert run.returncode == 0 and "Adam" in run.stdout, run.stderr[-2000:]


# --------------------------------------------------------------------------
# through the grader (slow: a real training run in the sandbox)


def _grade(submission: Path, out: Path) -> dict:
    proc = subprocess.run([sys.executable, "-m", "grader.cli", "grade", str(submission),
                           "--tasks", "network", "--out", str(out)],
                          cwd=ROOT, capture_output=True, text=True, timeout=900)
    assert proc.returncode == 0, proc.stderr[-3000:]
    return json.loads(out.read_text())


@pytest.mark.slow
def test_grader_gives_the_reference_full_marks_and_reports_speed(tmp_path):
    results = _grade(make_reference(tmp_path / "reference"), tmp_path / "r.json")
    tests = {t["name"]: t for t in results["tests"]}
    assert results["score"] == results["max_score"] > 0, results
    assert "test accuracy" in tests["network.train: digits"]["output"]
    speed = tests["network.train: speed"]
    assert speed["max_score"] == 0 and "conv.conv2d:" in speed["output"] \
        and "backprop.conv2d_backward:" in speed["output"]


#: label_permutation(2**127 + 12345), as first computed
PINNED_PERMUTATION = [6, 7, 9, 5, 1, 0, 3, 2, 4, 8]


def test_the_grader_relabels_the_digits_with_a_secret_permutation():
    """Under a course secret the training case's classes are relabelled by a
    permutation drawn from the part's seed: the same one at every grading,
    another for another seed, no class kept; the images stay, the public
    cases keep the plain labels, and the expected held-out classes follow
    the relabelling, so predictions of weights trained on the plain labels
    score nothing."""
    from cnn_checks.digits import label_permutation, load_split
    split = load_split()
    plain = net.digits_cases()[0]
    np.testing.assert_array_equal(plain.arrays["y"], split.y_train)
    task = TASKS["network.train"]
    seen = set()
    for seed in [1, 2**127 + 12345, *range(100, 140)]:
        case = net.digits_cases(seed)[0]
        again = net.digits_cases(seed)[0]
        np.testing.assert_array_equal(case.arrays["y"], again.arrays["y"])  # a grade is a promise
        np.testing.assert_array_equal(case.arrays["X"], plain.arrays["X"])
        np.testing.assert_array_equal(case.arrays["X_test"], plain.arrays["X_test"])
        permutation = label_permutation(seed)
        assert sorted(permutation.tolist()) == list(range(10))
        assert np.all(permutation != np.arange(10)), permutation
        np.testing.assert_array_equal(case.arrays["y"], permutation[split.y_train])
        expected = oracle_expected(task, case)[0].array
        np.testing.assert_array_equal(expected, permutation[split.y_test])
        assert not np.any(expected == split.y_test)  # the plain classes: 0 % right
        seen.add(tuple(permutation.tolist()))
    assert len(seen) > 30
    # pinned: a regrade under another NumPy or Python draws the same permutation
    assert label_permutation(2**127 + 12345).tolist() == PINNED_PERMUTATION
    forged = net.digits_cases(7)[0]
    y = forged.arrays["y"].copy()
    y[0] = (y[0] + 1) % 10  # not a relabelling of the split
    with pytest.raises(ValueError, match="relabelling"):
        oracle_expected(task, type(forged)({**forged.arrays, "y": y}, {}))


def test_the_grader_trains_on_the_secret_relabelling():
    """grade._grade_part hands the training run the case of the course
    secret's seed of the part (that student's, with per-student cases)."""
    from cnn_checks.digits import label_permutation, load_split
    from cnn_checks.execute import Failed
    from grader.compare import OracleAnswers
    from grader.grade import Children, _grade_part
    from grader.isolation import Limits
    seen = []

    class Child:
        dead = None
        over_budget = False

        def call(self, case):
            seen.append(case)
            return Failed("crash", "stopped here", fatal=True)

        def close(self):
            pass

    class Sandbox:
        def start(self, *args, **kwargs):
            return Child()

    class Rubric:
        limits: dict = {}

    class Settings:
        rubric = Rubric()

        def part_seed(self, task, part):
            return 987654321

    task = TASKS["network.train"]
    children = Children(Sandbox(), task, [], Limits())  # type: ignore[arg-type]
    result = _grade_part(task, task.part("digits"), children, OracleAnswers(task), Settings())  # type: ignore[arg-type]
    assert not result.passed and len(seen) == 1
    np.testing.assert_array_equal(seen[0].arrays["y"], label_permutation(987654321)[load_split().y_train])


def test_digits_are_scikit_learns_without_importing_it():
    """The grader reads scikit-learn's digits file itself (importing
    scikit-learn takes seconds); the result is load_digits' own data."""
    code = ("import sys; from cnn_checks.digits import load_images; X, y = load_images(); "
            "print(X.shape, y.shape, 'sklearn' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT)
    assert out.stdout.split() == ["(1797,", "1,", "8,", "8)", "(1797,)", "False"]
    from sklearn.datasets import load_digits

    from cnn_checks.digits import load_images
    digits = load_digits()
    X, y = load_images()
    assert X.dtype == np.float64 and y.dtype == np.int64
    np.testing.assert_array_equal(X[:, 0], digits.images / 16.0)
    np.testing.assert_array_equal(y, digits.target)
