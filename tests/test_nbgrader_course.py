"""End to end through REAL nbgrader (no mocks): build the course, release,
three students fetch and submit (each with its own HOME), collect,
autograde (+ the trusted step), feedback, export; exact grades for a correct,
a partly wrong and an adversarial student.

The coding part is restricted to the padding and conv modules (3 tasks,
20 examples per part) to keep the test short; the quiz is complete.
"""
from __future__ import annotations

import csv
import sys
import time
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

nbgrader = pytest.importorskip("nbgrader")
import nbformat  # noqa: E402

from course import quiz  # noqa: E402
from course.autograde import autograde, export_csv  # noqa: E402
from course.build import COURSE_ID, build, make_api  # noqa: E402

pytestmark = pytest.mark.slow
MODULES = ["padding", "conv"]
EXAMPLES = 20
QUIZ_MAX = 23.0   # 20 MC + 3 numeric
CNN_MAX = 20.0    # pad2d 4 + conv_output_size 2 + conv2d 14 (grader/rubric.toml)


# ---------------------------------------------------------------- students

def _student_config(exchange: Path, home: Path, student: str):
    from traitlets.config import Config
    c = Config()
    c.CourseDirectory.course_id = COURSE_ID
    c.CourseDirectory.root = str(home / "work")
    c.CourseDirectory.student_id = student
    c.Exchange.root = str(exchange)
    c.Exchange.timezone = "UTC"
    c.Exchange.assignment_dir = str(home / "work")
    c.Exchange.cache = str(home / ".local/share/jupyter/nbgrader_cache")
    return c


def _exchange_app(cls_name, exchange, home, student, assignment, monkeypatch):
    from nbgrader.auth import Authenticator
    from nbgrader.coursedir import CourseDirectory
    from nbgrader.exchange import default as ex
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("USER", student)
    c = _student_config(exchange, home, student)
    cd = CourseDirectory(config=c)
    cd.assignment_id = assignment
    app = getattr(ex, cls_name)(coursedir=cd, authenticator=Authenticator(config=c), config=c)
    app.start()


def _set_cell(nb, grade_id, source):
    for cell in nb.cells:
        if cell.metadata.get("nbgrader", {}).get("grade_id") == grade_id:
            cell.source = source
            return
    raise KeyError(grade_id)


def _edit(path: Path, changes: dict, extra_cells=()):
    nb = nbformat.read(str(path), as_version=4)
    for gid, src in changes.items():
        _set_cell(nb, gid, src)
    for src in extra_cells:
        nb.cells.append(nbformat.v4.new_code_cell(src))
    nbformat.write(nb, str(path))


def _solution(module: str) -> str:
    """The reference module's source (for the correct students' notebooks),
    with NumPy's array namespace in place of the solutions' own helper."""
    source = (REPO / "solutions" / f"{module}.py").read_text()
    return source.replace("from .xp import array_namespace, device",
                          "from array_api_compat import array_namespace, device")


def _quiz_answers(student: str, wrong=(), overrides=None) -> dict:
    bank = quiz.load_bank()
    changes = {}
    for i, q in enumerate(bank["question"], 1):
        letter = q["answer"]
        if i in wrong:
            letter = "ABCD"[("ABCD".index(letter) + 1) % 4]
        changes[f"q{i}"] = f'q{i} = "{letter}"'
    changes["student_id"] = f'STUDENT_ID = "{student}"'
    for name, value in quiz.numeric_answers(student).items():
        changes[name] = f"{name} = {value}"
    changes.update(overrides or {})
    return changes


def _conv_correct():
    return {"conv_conv2d": _solution("conv")}


def _conv_partly_wrong():
    # conv_output_size stays the stub (NotImplementedError); conv2d correct.
    return {"conv_conv2d": _solution("conv").replace("conv_output_size", "_size")}


def _adversary(gradebook: Path, key_file: Path):
    quiz_changes = {
        # a str subclass whose == is always True (the honest letter is wrong)
        "q1": "class S(str):\n    def __eq__(self, other):\n        return True\n"
              "    __hash__ = str.__hash__\n\nq1 = S('A')",
        # reads the answer key from disk
        "q2": f"import tomllib\nq2 = tomllib.load(open({str(key_file)!r}, 'rb'))['question'][1]['answer']",
        # a detached process in the quiz too (never executed by the course)
        "q3": f"import subprocess, sys\nsubprocess.Popen([sys.executable, '-c', 'import sqlite3; "
              f"sqlite3.connect({str(gradebook)!r}).execute(\"delete from grade\")'], "
              "start_new_session=True)\nq3 = 'A'",
    }
    detach = (
        "import subprocess as _sp, sys as _sys\n"
        "_sp.Popen([_sys.executable, '-c', 'import time, sqlite3\\ntime.sleep(3)\\n"
        f"c = sqlite3.connect({str(gradebook)!r})\\n"
        "c.execute(\"update grade set manual_score = 100, auto_score = 100\")\\nc.commit()'],"
        " start_new_session=True, stdout=_sp.DEVNULL, stderr=_sp.DEVNULL)\n"
        "try:\n"
        f"    _KEY = open({str(key_file)!r}).read()\n"
        "except OSError:\n"
        "    _KEY = None\n"
    )
    conv = {
        "conv_conv_output_size": "import os\n\n"
                                 "def conv_output_size(n, kernel_size, stride=1, padding=0, dilation=1):\n"
                                 "    os._exit(0)\n",
        "conv_conv2d": detach + "np.allclose = lambda *a, **k: True\nnp.isclose = lambda *a, **k: True\n"
                       "np.array_equal = lambda *a, **k: True\n"
                       "np.testing.assert_allclose = lambda *a, **k: None\n\n"
                       "def conv2d(x, w, b=None, stride=1, padding=0, dilation=1):\n"
                       "    return np.full_like(x, 12345.0)\n",
    }
    return quiz_changes, conv


# ---------------------------------------------------------------- the test

def test_course_end_to_end(tmp_path, monkeypatch):
    t0 = time.perf_counter()
    root, exchange = tmp_path / "course", tmp_path / "exchange"
    build(root, exchange, modules=MODULES, timeout=30)
    assert (exchange.stat().st_mode & 0o777) == 0o777
    cfg = (root / "nbgrader_config.py").read_text()
    for needle in ("CourseDirectory.root", "Exchange.root", 'Exchange.timezone = "UTC"',
                   "Execute.timeout = 30", "exclude_overwriting", "'conv.py'"):
        assert needle in cfg
    # nothing secret in the course folder or the release
    released = "".join(p.read_text(errors="replace") for p in (root / "release").rglob("*") if p.is_file())
    source = "".join(p.read_text(errors="replace") for p in (root / "source").rglob("*") if p.is_file())
    for text in (released, source):
        assert '"answer"' not in text and "answer =" not in text
        assert "numeric_answers" not in text
    # the coding notebooks carry the stubs' text verbatim (one source)
    conv_nb = nbformat.read(str(root / "release" / "cnn" / "conv.ipynb"), as_version=4)
    cells = "\n".join(c.source for c in conv_nb.cells)
    stub = (REPO / "assignments" / "conv.py").read_text()
    assert stub.split('"""')[3] in cells and stub.split('"""')[5] in cells

    api = make_api(root)
    for a in ("quiz", "cnn"):
        assert api.release_assignment(a)["success"]

    gradebook = root / "gradebook.db"
    key_file = REPO / "course" / "quiz_bank.toml"
    adv_quiz, adv_conv = _adversary(gradebook, key_file)
    students = {
        "alice": (_quiz_answers("alice"), _conv_correct(), _solution("padding")),
        "bob": (_quiz_answers("bob", wrong=(1, 2, 3)), _conv_partly_wrong(), _solution("padding")),
        "mallory": (_quiz_answers("mallory", overrides=adv_quiz), adv_conv, _solution("padding")),
    }
    homes = {}
    for s, (q, conv, pad) in students.items():
        home = homes[s] = tmp_path / "homes" / s
        (home / "work").mkdir(parents=True)
        for a in ("quiz", "cnn"):
            _exchange_app("ExchangeFetchAssignment", exchange, home, s, a, monkeypatch)
        _edit(home / "work" / "quiz" / "quiz.ipynb", q)
        _edit(home / "work" / "cnn" / "conv.ipynb", conv)
        _edit(home / "work" / "cnn" / "padding.ipynb", {"padding_pad2d": pad})
        if s == "mallory":
            # a stray conv.py and a replaced visible_checks.py in the submission
            (home / "work" / "cnn" / "conv.py").write_text("def conv2d(*a, **k):\n    return 0\n")
        for a in ("quiz", "cnn"):
            _exchange_app("ExchangeSubmit", exchange, home, s, a, monkeypatch)
    monkeypatch.delenv("USER", raising=False)

    for a in ("quiz", "cnn"):
        assert api.collect(a)["success"]
    # a student's own module is never replaced by anything from source/
    assert (root / "submitted" / "mallory" / "cnn" / "conv.py").exists()

    t_ag = time.perf_counter()
    quiz_scores = autograde(root, "quiz")
    t_quiz = time.perf_counter() - t_ag
    cnn_scores = autograde(root, "cnn", examples=EXAMPLES)
    t_cnn = time.perf_counter() - t_ag - t_quiz
    print(f"\nautograde: quiz {t_quiz / 3:.1f} s/student, cnn {t_cnn / 3:.1f} s/student")
    assert (root / "autograded" / "mallory" / "cnn" / "conv.py").read_text().startswith("def conv2d")

    time.sleep(5)  # give any detached process time to strike

    for a in ("quiz", "cnn"):
        assert api.generate_feedback(a)["success"]
        assert api.release_feedback(a)["success"]
    for s, home in homes.items():
        for a in ("quiz", "cnn"):
            _exchange_app("ExchangeFetchFeedback", exchange, home, s, a, monkeypatch)
    csv_path = export_csv(root, tmp_path / "grades.csv")

    with open(csv_path) as fh:
        rows = {(r["assignment"], r["student_id"]): r for r in csv.DictReader(fh)}

    def grade(a, s):
        return float(rows[(a, s)]["score"])

    expected = {
        ("quiz", "alice"): QUIZ_MAX, ("cnn", "alice"): CNN_MAX,
        ("quiz", "bob"): QUIZ_MAX - 3, ("cnn", "bob"): CNN_MAX - 2,
        # q1 (str subclass, honest letter wrong), q2 (read the key) and q3
        # (honest letter wrong) lost; pad2d honest 4, conv_output_size
        # (os._exit) 0, conv2d (wrong, with np.allclose patched) 0.
        ("quiz", "mallory"): QUIZ_MAX - 3, ("cnn", "mallory"): 4.0,
    }
    got = {k: grade(*k) for k in expected}
    assert got == expected, (got, quiz_scores, cnn_scores)
    assert float(rows[("quiz", "alice")]["max_score"]) == QUIZ_MAX
    assert float(rows[("cnn", "alice")]["max_score"]) == CNN_MAX

    # the released feedback holds no answer key and no hidden test
    key_letters = "".join(q["answer"] for q in quiz.load_bank()["question"])
    for home in homes.values():
        html = list((home / "work").rglob("feedback/*/*.html"))
        assert {p.name for p in html} == {"quiz.html", "conv.html", "padding.html"}, html
        for p in html:
            text = p.read_text()
            assert key_letters not in text
            assert "answer =" not in text and "numeric_answers" not in text
            assert "== &quot;" not in text and '== "' not in text
        qtext = next(p for p in html if p.name == "quiz.html").read_text()
        assert "q1: " in qtext  # the trusted step's comment reached the feedback
    print(f"end to end: {time.perf_counter() - t0:.1f} s")
