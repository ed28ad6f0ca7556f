"""Everything an nbgrader student receives, and nothing in it gives the quiz key.

A student gets the released quiz folder (nbgrader's generate_assignment of
`python -m course build`) and the student package (`grader release`,
installed as docs/nbgrader.md says). Here the attacks of
tests/student_side/quiz_attack.py run in an interpreter that sees only that
(the package and the third-party packages, no .pth file of the project's
environment, so not the project's editable install), over 40 students'
quizzes, and the grader scores what they answer:

* package-key (course.quiz.student_key with the notebook's COURSE_SEED)
  scores 23/23 wherever the project is installed, and cannot run from the
  student package (no `course`, no bank);
* formula-centroid (the notebook's generator, and the expression most like
  the other three) and field-scan (a field naming the right option) score
  no more than chance.
"""
from __future__ import annotations

import copy
import json
import os
import subprocess
import sys
import sysconfig
from pathlib import Path

import nbformat
import pytest

from course import quiz
from course.build import build
from grader.release import build_release

pytestmark = pytest.mark.slow  # builds a course (nbgrader) and a release

ROOT = Path(__file__).resolve().parents[1]
ATTACK = ROOT / "tests" / "student_side" / "quiz_attack.py"
SEED = "student-side"
STUDENTS = [f"stu{i:02d}" for i in range(40)]
N_MC = 20


@pytest.fixture(scope="module")
def received(tmp_path_factory) -> tuple[Path, Path]:
    """(the released quiz folder, the student package), as a student gets them."""
    tmp = tmp_path_factory.mktemp("student-side")
    root = build(tmp / "course", tmp / "exchange", modules=["padding"], timeout=30, quiz_seed=SEED)
    package = build_release(tmp / "student-package")
    return root / "release" / "quiz", package


def _attack(folder: Path, path: list[str], isolated: bool) -> dict:
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "PYTHONHOME")}
    env["STUDENT_PATH"] = os.pathsep.join(path)
    flags = ["-I", "-S"] if isolated else []
    if not isolated:
        env["PYTHONPATH"] = str(ROOT)
    run = subprocess.run([sys.executable, *flags, str(ATTACK), str(folder), *STUDENTS], env=env,
                         capture_output=True, text=True, timeout=600, cwd=str(folder.parent))
    assert run.returncode == 0, run.stderr[-3000:]
    return json.loads(run.stdout)


def _scores(folder: Path, answers: dict) -> tuple[float, float]:
    """(multiple-choice points, free-answer points) over all students, as
    the grader scores the answers."""
    released = nbformat.read(str(folder / "quiz.ipynb"), as_version=4)
    bank = quiz.load_bank()
    mc = free = 0.0
    for s in STUDENTS:
        nb = copy.deepcopy(released)
        mine = answers.get(s, {})
        for cell in nb.cells:
            gid = cell.metadata.get("nbgrader", {}).get("grade_id")
            if gid in mine:
                cell.source = mine[gid]
        for gid, (points, _, _) in quiz.score_quiz(nb, s, bank, SEED).items():
            if gid.startswith("test_q"):
                mc += points
            else:
                free += points
    return mc, free


def _student_path(package: Path) -> list[str]:
    site = sorted({sysconfig.get_paths()[k] for k in ("purelib", "platlib")})
    return [str(package), *site]


def test_the_student_environment_has_no_project(received):
    folder, package = received
    probe = ("import importlib.util, json; print(json.dumps({m: importlib.util.find_spec(m) is not None "
             "for m in ('course', 'solutions', 'grader', 'cnn_checks', 'assignments', 'numpy')}))")
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    code = f"import sys; sys.path[:0] = {_student_path(package)!r}\n{probe}"
    run = subprocess.run([sys.executable, "-I", "-S", "-c", code], env=env, capture_output=True, text=True,
                         check=True, cwd=str(folder))
    found = json.loads(run.stdout)
    assert found == {"course": False, "solutions": False, "grader": False, "cnn_checks": True,
                     "assignments": True, "numpy": True}, found
    names = {p.name for p in package.rglob("*")} | {p.name for p in folder.rglob("*")}
    assert not names & {"quiz_bank.toml", "course", "solutions", "quiz_pool.py"}, names


def test_what_a_student_receives_gives_no_key(received):
    folder, package = received
    where_installed = _attack(folder, [], isolated=False)       # the project on the path
    student = _attack(folder, _student_path(package), isolated=True)
    scores = {f"{name} ({where})": _scores(folder, result[name]["answers"])
              for where, result in (("project installed", where_installed), ("student package", student))
              for name in result}
    notes = {name: student[name]["note"] for name in student}
    print(f"\nquiz points over {len(STUDENTS)} students (MC of {len(STUDENTS) * N_MC}, free of "
          f"{len(STUDENTS) * 3}): {scores}\nnotes (student package): {notes}")
    # the attack itself works: the project's wheel is the whole key
    assert scores["package-key (project installed)"] == (len(STUDENTS) * N_MC, len(STUDENTS) * 3)
    # ...and a student has no such package
    assert student["package-key"]["answers"] == {}
    assert "No module named 'course'" in student["package-key"]["note"]
    # the notebook's own generator: no expressions, no field that names the key,
    # no more than chance (mean 200 of 800, sd 12; 4 sd above: 249)
    chance_bound = len(STUDENTS) * N_MC / 4 + 4 * (len(STUDENTS) * N_MC * 3 / 16) ** 0.5
    for name in ("formula-centroid", "field-scan"):
        mc, free = scores[f"{name} (student package)"]
        assert mc <= chance_bound and free == 0, (name, mc, free)
    assert student["formula-centroid"]["note"] == "expressions found for 0 questions"
    assert student["field-scan"]["note"] == "fields naming a key: []"


def test_docs_give_nbgrader_students_the_student_package():
    text = (ROOT / "docs" / "nbgrader.md").read_text()
    section = text.split("### How students reach the exchange", 1)[1].split("\n## ", 1)[0]
    assert "grader release" in section
    assert "project installed" not in text and "install the project" not in text


RUN_NOTEBOOK = """
import json, sys
sys.path[:0] = {path!r}
sys.path.insert(0, ".")                      # the notebook's folder, as Jupyter has it
nb = json.load(open({notebook!r}))
ns = {{}}
for cell in nb["cells"]:
    if cell["cell_type"] != "code":
        continue
    meta = cell["metadata"].get("nbgrader", {{}})
    source = "".join(cell["source"])
    if meta.get("grade_id") in {answers!r}:
        source = {answers!r}[meta["grade_id"]]
    try:
        exec(source, ns)
    except Exception as exc:
        print("FAILED", meta.get("grade_id"), type(exc).__name__, str(exc)[:300])
"""


def test_the_coding_notebooks_run_on_the_student_package(received):
    """The released coding notebooks' visible checks need only the student
    package: they pass on a correct answer, fail on the stub, and nothing
    imports the project."""
    folder, package = received
    cnn = folder.parent / "cnn"
    reference = (ROOT / "solutions" / "padding.py").read_text().replace(
        "from .xp import array_namespace, device", "from array_api_compat import array_namespace, device")
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    outputs = {}
    for name, answers in (("stub", {}), ("correct", {"padding_pad2d": reference})):
        code = RUN_NOTEBOOK.format(path=_student_path(package), notebook="padding.ipynb", answers=answers)
        run = subprocess.run([sys.executable, "-I", "-S", "-c", code], env=env, capture_output=True,
                             text=True, timeout=300, cwd=str(cnn))
        assert run.returncode == 0, run.stderr[-3000:]
        outputs[name] = run.stdout
    assert "ModuleNotFoundError" not in outputs["stub"] + outputs["correct"], outputs
    assert "FAILED test_padding_pad2d" in outputs["stub"] and "not implemented" in outputs["stub"].lower()
    assert "FAILED" not in outputs["correct"] and "ok  example" in outputs["correct"], outputs["correct"]
