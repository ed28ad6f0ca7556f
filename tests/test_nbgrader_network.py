"""The capstone's notebook through REAL nbgrader: the course gets a
network.ipynb generated from assignments/network.py; a student who fills
every notebook runs network.ipynb in a Jupyter kernel (its header imports
the other notebooks as modules), submits, and the trusted autograde step
grades the network's tasks (a training run included) to full marks.
"""
from __future__ import annotations

import re
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

import nbformat  # noqa: E402

from cnn_checks.tasks import MODULES  # noqa: E402
from course.autograde import autograde, export_csv  # noqa: E402
from course.build import build, make_api  # noqa: E402
from course.notebooks import answer_cell_id  # noqa: E402

pytestmark = [pytest.mark.slow, pytest.mark.network]
NETWORK_MAX = 20.0  # init_params 2 + forward 4 + loss_and_grads 8 + predict 1 + train 5


def notebook_source(module: str) -> str:
    """The reference module as a notebook answer: the solutions' helper
    replaced by array-api-compat, sibling modules reached with %run."""
    source = (REPO / "solutions" / f"{module}.py").read_text()
    source = re.sub(r"^from \.xp import", "from array_api_compat import", source, flags=re.M)
    source = source.split('\nif __name__ == "__main__":')[0]  # a notebook is __main__
    source = re.sub(r"^from \. import .*$", "", source, flags=re.M)  # the network's header does it
    return re.sub(r"^from \.(\w+) import .*$", r"%run \1.ipynb", source, flags=re.M)


def fill(path: Path, module: str) -> None:
    """Put the whole reference module into the notebook's first answer cell
    and empty the others, so that every visible check below it (they run
    the task's checks) finds the finished functions."""
    nb = nbformat.read(str(path), as_version=4)
    answers = [c for c in nb.cells if c.metadata.get("nbgrader", {}).get("solution")]
    answers[0].source = notebook_source(module)
    for cell in answers[1:]:
        cell.source = ""
    nbformat.write(nb, str(path))


def test_network_notebook_runs_and_grades_in_the_course(tmp_path, monkeypatch):
    from nbconvert.preprocessors import ExecutePreprocessor

    from tests.test_nbgrader_course import _exchange_app  # the student's side of the exchange

    root, exchange = tmp_path / "course", tmp_path / "exchange"
    build(root, exchange, modules=list(MODULES), timeout=60)
    released = root / "release" / "cnn" / "network.ipynb"
    assert released.exists()
    nb = nbformat.read(str(released), as_version=4)
    header = nb.cells[1].source
    assert "import_notebooks" in header and "__main__" not in header
    ids = {c.metadata.get("nbgrader", {}).get("grade_id") for c in nb.cells}
    assert {answer_cell_id("network", f) for f in
            ("init_params", "forward", "loss_and_grads", "predict", "train")} <= ids

    api = make_api(root)
    assert api.release_assignment("cnn")["success"]
    home = tmp_path / "homes" / "alice"
    (home / "work").mkdir(parents=True)
    _exchange_app("ExchangeFetchAssignment", exchange, home, "alice", "cnn", monkeypatch)
    work = home / "work" / "cnn"
    for module in MODULES:
        fill(work / f"{module}.ipynb", module)

    # the student runs the network notebook: its header finds the other notebooks
    nb = nbformat.read(str(work / "network.ipynb"), as_version=4)
    nb.cells.append(nbformat.v4.new_code_cell(
        "X = np.random.default_rng(0).uniform(size=(3, 1, 8, 8))\n"
        "loss, grads = loss_and_grads(X, np.array([1, 2, 3]), init_params(0))\n"
        "print('network ok', forward(X, init_params(0)).shape, sorted(grads))"))
    ExecutePreprocessor(timeout=300, kernel_name="python3").preprocess(
        nb, {"metadata": {"path": str(work)}})
    printed = "".join(o.get("text", "") for o in nb.cells[-1].outputs)
    assert "network ok (3, 10)" in printed, printed

    _exchange_app("ExchangeSubmit", exchange, home, "alice", "cnn", monkeypatch)
    monkeypatch.delenv("USER", raising=False)
    assert api.collect("cnn")["success"]
    scores = autograde(root, "cnn", tasks=["network"])
    network = scores["alice"]["network"]
    assert sum(network.values()) == NETWORK_MAX, scores
    rows = export_csv(root, tmp_path / "grades.csv").read_text()
    assert "alice" in rows
